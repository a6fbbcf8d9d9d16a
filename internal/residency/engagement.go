package residency

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/flick-video/flick"
)

// A viewer's likes, marks, settings and comments are personal data, kept in
// the viewer's home region whatever region the video is in.

func (r *Router) Like(ctx context.Context, accountID, videoID string, at time.Time) (bool, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (bool, error) { return s.Like(ctx, accountID, videoID, at) })
}

func (r *Router) Unlike(ctx context.Context, accountID, videoID string) (bool, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (bool, error) { return s.Unlike(ctx, accountID, videoID) })
}

func (r *Router) Liked(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (map[string]bool, error) { return s.Liked(ctx, accountID, videoIDs) })
}

func (r *Router) Watched(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (map[string]bool, error) { return s.Watched(ctx, accountID, videoIDs) })
}

func (r *Router) Marks(ctx context.Context, accountID string, videoIDs []string) (map[string]flick.VideoMarks, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (map[string]flick.VideoMarks, error) {
		return s.Marks(ctx, accountID, videoIDs)
	})
}

func (r *Router) Block(ctx context.Context, accountID, creatorID string, at time.Time) (bool, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (bool, error) { return s.Block(ctx, accountID, creatorID, at) })
}

func (r *Router) Unblock(ctx context.Context, accountID, creatorID string) (bool, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (bool, error) { return s.Unblock(ctx, accountID, creatorID) })
}

// BlockedAccounts fills in the creators of other regions, which the
// viewer's region knows only by ID.
func (r *Router) BlockedAccounts(ctx context.Context, accountID string) ([]flick.AccountRef, error) {
	refs, err := onHome(ctx, r, accountID, func(s flick.RegionStore) ([]flick.AccountRef, error) { return s.BlockedAccounts(ctx, accountID) })
	if err != nil {
		return nil, err
	}
	return r.fillRefs(ctx, refs)
}

// fillRefs completes references that hold only an ID; accounts deleted
// since are dropped.
func (r *Router) fillRefs(ctx context.Context, refs []flick.AccountRef) ([]flick.AccountRef, error) {
	out := refs[:0]
	for _, ref := range refs {
		if ref.Handle == "" {
			a, err := r.Account(ctx, ref.ID)
			if flick.ErrorCode(err) == flick.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			ref = flick.AccountRef{ID: a.ID, Handle: a.Handle, DisplayName: a.DisplayName, AvatarURL: a.AvatarURL}
		}
		out = append(out, ref)
	}
	return out, nil
}

func (r *Router) MarkNotInterested(ctx context.Context, accountID, videoID string, at time.Time) (bool, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (bool, error) { return s.MarkNotInterested(ctx, accountID, videoID, at) })
}

func (r *Router) UnmarkNotInterested(ctx context.Context, accountID, videoID string) (bool, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (bool, error) { return s.UnmarkNotInterested(ctx, accountID, videoID) })
}

func (r *Router) NotInterested(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (map[string]bool, error) { return s.NotInterested(ctx, accountID, videoIDs) })
}

func (r *Router) Controls(ctx context.Context, accountID string) (*flick.ViewerControls, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (*flick.ViewerControls, error) { return s.Controls(ctx, accountID) })
}

func (r *Router) PutSettings(ctx context.Context, accountID string, set flick.ViewerSettings) (flick.ViewerSettings, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) (flick.ViewerSettings, error) { return s.PutSettings(ctx, accountID, set) })
}

// CreateComment stores the comment in its author's region.
func (r *Router) CreateComment(ctx context.Context, c *flick.Comment) error {
	return r.on(ctx, c.AuthorID, func(s flick.RegionStore) error { return s.CreateComment(ctx, c) })
}

// Comments merges the comments that each region's people wrote, oldest
// first, with the replies of every region counted.
func (r *Router) Comments(ctx context.Context, videoID, parentID string, p flick.Page) ([]*flick.Comment, string, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Comments(ctx, videoID, parentID, p)
	}
	p = p.Normalize()
	var all []*flick.Comment
	from := map[string]int{}
	more := false
	for ci, s := range r.cells {
		cs, next, err := s.Comments(ctx, videoID, parentID, p)
		if err != nil {
			return nil, "", err
		}
		more = more || next != ""
		for _, c := range cs {
			from[c.ID] = ci
		}
		all = append(all, cs...)
	}
	slices.SortFunc(all, func(a, b *flick.Comment) int { return strings.Compare(a.ID, b.ID) })
	if len(all) > p.Limit {
		all, more = all[:p.Limit], true
	}
	if parentID == "" && len(all) > 0 {
		ids := make([]string, len(all))
		for i, c := range all {
			ids[i] = c.ID
		}
		for ci, s := range r.cells {
			n, err := s.ReplyCounts(ctx, ids)
			if err != nil {
				return nil, "", err
			}
			for _, c := range all {
				if from[c.ID] != ci {
					c.ReplyCount += n[c.ID]
				}
			}
		}
	}
	next := ""
	if more && len(all) > 0 {
		next = all[len(all)-1].ID
	}
	return all, next, nil
}

package engagement

import (
	"context"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/routing"
)

// The social graph as people see it. Followers of an account are held in
// each follower's home region, so the router merges them; whom an account
// follows and what it liked are its own personal data, read in its home
// region. Each page names accounts and videos of any region, which the
// catalog fills in; those erased or deleted since are left out, so a page
// may hold fewer than its limit while a next one follows.

// edgePage is a page of edges and the cursor of the next.
type edgePage struct {
	edges []flick.Edge
	next  string
}

// Followers lists the accounts that follow accountID, most recent first.
func (s *Service) Followers(ctx context.Context, viewerID, accountID string, p flick.Page) ([]flick.ListedAccount, string, error) {
	if _, err := s.router.Account(ctx, accountID); err != nil {
		return nil, "", err
	}
	edges, next, err := s.router.Followers(ctx, accountID, p)
	if err != nil {
		return nil, "", err
	}
	return s.listed(ctx, viewerID, edges, next)
}

// Following lists the accounts that accountID follows, most recent first.
func (s *Service) Following(ctx context.Context, viewerID, accountID string, p flick.Page) ([]flick.ListedAccount, string, error) {
	pg, err := routing.InHome(ctx, s.router, accountID, func(home *flick.Cell) (edgePage, error) {
		edges, next, err := home.Store.Followees(ctx, accountID, p)
		return edgePage{edges, next}, err
	})
	if err != nil {
		return nil, "", err
	}
	return s.listed(ctx, viewerID, pg.edges, pg.next)
}

// listed names the accounts of edges, in their order, with whether the
// viewer follows each.
func (s *Service) listed(ctx context.Context, viewerID string, edges []flick.Edge, next string) ([]flick.ListedAccount, string, error) {
	ids := make([]string, len(edges))
	for i, e := range edges {
		ids[i] = e.ID
	}
	refs, err := s.router.AccountRefs(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	following := map[string]bool{}
	if viewerID != "" && len(ids) > 0 {
		following, err = routing.InHome(ctx, s.router, viewerID, func(home *flick.Cell) (map[string]bool, error) {
			return home.Store.FollowingAmong(ctx, viewerID, ids)
		})
		if err != nil {
			return nil, "", err
		}
	}
	out := make([]flick.ListedAccount, 0, len(ids))
	for _, id := range ids {
		if ref, ok := refs[id]; ok {
			out = append(out, flick.ListedAccount{AccountRef: ref, Following: following[id]})
		}
	}
	return out, next, nil
}

// LikedVideos lists the videos accountID liked, to itself, or to anyone
// when it made its likes public.
func (s *Service) LikedVideos(ctx context.Context, viewerID, accountID string, p flick.Page) ([]*flick.Video, string, error) {
	pg, err := routing.InHome(ctx, s.router, accountID, func(home *flick.Cell) (edgePage, error) {
		a, err := home.Store.Account(ctx, accountID)
		if err != nil {
			return edgePage{}, err
		}
		if viewerID != accountID && !a.LikesPublic {
			return edgePage{}, flick.Errorf(flick.EFORBIDDEN, "@%s keeps their liked videos private.", a.Handle)
		}
		edges, next, err := home.Store.Likes(ctx, accountID, p)
		return edgePage{edges, next}, err
	})
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, len(pg.edges))
	for i, e := range pg.edges {
		ids[i] = e.ID
	}
	// Ready public ones, in the order of the likes: a liked list is public
	// (or will be when its owner says so), so it never shows more.
	videos, err := s.router.Videos(ctx, ids)
	return videos, pg.next, err
}

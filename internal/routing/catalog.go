package routing

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/flick-video/flick"
)

// A video is stored in its creator's home region; every region may hold
// counts of it (what its own viewers did), which readers sum. Listings
// merge every region's newest-first pages: IDs are time-sortable, so a
// cursor (the last ID) means the same in every region.

// Video returns the video with the counts of every region.
func (r *Router) Video(ctx context.Context, id string) (*flick.Video, error) {
	i, v, err := r.videoCell(ctx, id)
	if err != nil {
		return nil, err
	}
	return v, r.addCounts(ctx, []*flick.Video{v}, []int{i})
}

// VisibleVideo returns video id if viewerID ("" when signed out) may see
// it, and ENOTFOUND, as for a video that does not exist, if not. Only a
// followers-only video seen by someone other than its author costs a
// second look-up: the follow, in the viewer's home region.
func (r *Router) VisibleVideo(ctx context.Context, viewerID, id string) (*flick.Video, error) {
	v, err := r.Video(ctx, id)
	if err != nil {
		return nil, err
	}
	return v, r.visible(ctx, viewerID, v)
}

// visible returns ENOTFOUND if viewerID may not see v.
func (r *Router) visible(ctx context.Context, viewerID string, v *flick.Video) error {
	ok, err := v.VisibleTo(viewerID, func() (bool, error) { return r.Follows(ctx, viewerID, v.AuthorID) })
	if err != nil {
		return err
	}
	if !ok {
		return flick.Errorf(flick.ENOTFOUND, "Video not found.")
	}
	return nil
}

// Follows reports whether viewerID follows accountID, as the viewer's home
// region records it; "" follows nobody.
func (r *Router) Follows(ctx context.Context, viewerID, accountID string) (bool, error) {
	if viewerID == "" {
		return false, nil
	}
	return InHome(ctx, r, viewerID, func(home *flick.Cell) (bool, error) {
		return home.Store.IsFollowing(ctx, viewerID, accountID)
	})
}

// addCounts adds to each video the counts held by the cells other than
// the one it came from (from[i] for videos[i]).
func (r *Router) addCounts(ctx context.Context, videos []*flick.Video, from []int) error {
	if len(r.cells) == 1 || len(videos) == 0 {
		return nil
	}
	ids := make([]string, len(videos))
	for i, v := range videos {
		ids[i] = v.ID
	}
	for ci, c := range r.cells {
		counts, err := c.Store.VideoCounts(ctx, ids)
		if err != nil {
			return err
		}
		for i, v := range videos {
			if n, ok := counts[v.ID]; ok && from[i] != ci {
				v.Counts.Views += n.Views
				v.Counts.Likes += n.Likes
				v.Counts.Comments += n.Comments
				v.Counts.Shares += n.Shares
				v.Counts.Discounted += n.Discounted
			}
		}
	}
	return nil
}

// Videos returns the ready public videos among ids, from whichever region holds
// them, in the order asked.
func (r *Router) Videos(ctx context.Context, ids []string) ([]*flick.Video, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Store.Videos(ctx, ids)
	}
	byID := map[string]*flick.Video{}
	cellOf := map[string]int{}
	for ci, c := range r.cells {
		found, err := c.Store.Videos(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, v := range found {
			byID[v.ID], cellOf[v.ID] = v, ci
		}
	}
	out := make([]*flick.Video, 0, len(byID))
	from := make([]int, 0, len(byID))
	for _, id := range ids {
		if v, ok := byID[id]; ok {
			out = append(out, v)
			from = append(from, cellOf[id])
			delete(byID, id) // an ID asked twice is returned once, as a store does
		}
	}
	return out, r.addCounts(ctx, out, from)
}

func (r *Router) VideoDurations(ctx context.Context, ids []string) (map[string]int64, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Store.VideoDurations(ctx, ids)
	}
	out := map[string]int64{}
	for _, c := range r.cells {
		d, err := c.Store.VideoDurations(ctx, ids)
		if err != nil {
			return nil, err
		}
		for id, ms := range d {
			out[id] = ms
		}
	}
	return out, nil
}

// ListVideos merges each region's newest-first page: IDs are time-sortable,
// so the cursor (the last ID) means the same in every region.
func (r *Router) ListVideos(ctx context.Context, f flick.VideoFilter, p flick.Page) ([]*flick.Video, string, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Store.ListVideos(ctx, f, p)
	}
	p = p.Normalize()
	lists := make([][]*flick.Video, len(r.cells))
	more := false
	for ci, c := range r.cells {
		vs, next, err := c.Store.ListVideos(ctx, f, p)
		if err != nil {
			return nil, "", err
		}
		lists[ci], more = vs, more || next != ""
	}
	page, cut, err := r.merge(ctx, lists, func(a, b *flick.Video) int { return strings.Compare(b.ID, a.ID) }, p.Limit)
	next := ""
	if (more || cut) && len(page) > 0 {
		next = page[len(page)-1].ID
	}
	return page, next, err
}

// RecentVideos merges every region's recent videos, newest first; a limit
// of 0 or less means the default page size, as in a store.
func (r *Router) RecentVideos(ctx context.Context, since time.Time, limit int) ([]*flick.Video, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Store.RecentVideos(ctx, since, limit)
	}
	if limit <= 0 {
		limit = flick.DefaultPageSize
	}
	lists := make([][]*flick.Video, len(r.cells))
	for ci, c := range r.cells {
		vs, err := c.Store.RecentVideos(ctx, since, limit)
		if err != nil {
			return nil, err
		}
		lists[ci] = vs
	}
	out, _, err := r.merge(ctx, lists, func(a, b *flick.Video) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	}, limit)
	return out, err
}

// merge sorts the videos of every cell's list (lists[i] from cell i) by
// order, keeps the first limit (cut says whether any were dropped) and adds
// the other cells' counts to them.
func (r *Router) merge(ctx context.Context, lists [][]*flick.Video, order func(a, b *flick.Video) int, limit int) (_ []*flick.Video, cut bool, _ error) {
	type fromCell struct {
		v    *flick.Video
		cell int
	}
	var all []fromCell
	for ci, vs := range lists {
		for _, v := range vs {
			all = append(all, fromCell{v, ci})
		}
	}
	slices.SortFunc(all, func(a, b fromCell) int { return order(a.v, b.v) })
	if len(all) > limit {
		all, cut = all[:limit], true
	}
	out, from := make([]*flick.Video, len(all)), make([]int, len(all))
	for i, f := range all {
		out[i], from[i] = f.v, f.cell
	}
	return out, cut, r.addCounts(ctx, out, from)
}

// videoCell returns the index of the cell that stores video id, and the
// video as that cell has it.
func (r *Router) videoCell(ctx context.Context, id string) (int, *flick.Video, error) {
	return r.findVideo(ctx, id, flick.Store.Video)
}

// findVideo asks each cell's store for video id with read, and returns the
// index of the first that has it and what it answered.
func (r *Router) findVideo(ctx context.Context, id string,
	read func(s flick.Store, ctx context.Context, id string) (*flick.Video, error)) (int, *flick.Video, error) {
	for i, c := range r.cells {
		v, err := read(c.Store, ctx, id)
		if err == nil {
			return i, v, nil
		}
		if flick.ErrorCode(err) != flick.ENOTFOUND {
			return 0, nil, err
		}
	}
	return 0, nil, flick.Errorf(flick.ENOTFOUND, "Video not found.")
}

// VideoCell returns the cell of the region that stores video id.
func (r *Router) VideoCell(ctx context.Context, id string) (*flick.Cell, error) {
	i, _, err := r.videoCell(ctx, id)
	if err != nil {
		return nil, err
	}
	return r.cells[i], nil
}

// Comment returns comment id (a tombstone too) from the region that
// stores it (its author's), with the replies and likes of every region
// counted.
func (r *Router) Comment(ctx context.Context, id string) (*flick.Comment, error) {
	for ci, c := range r.cells {
		cm, err := c.Store.LocalComment(ctx, id)
		if flick.ErrorCode(err) == flick.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		return cm, r.addCommentCounts(ctx, []*flick.Comment{cm}, map[string]int{cm.ID: ci})
	}
	return nil, flick.Errorf(flick.ENOTFOUND, "Comment not found.")
}

// addCommentCounts adds to each comment the replies and likes stored in
// the cells other than the one it came from (from[id]).
func (r *Router) addCommentCounts(ctx context.Context, comments []*flick.Comment, from map[string]int) error {
	if len(r.cells) == 1 || len(comments) == 0 {
		return nil
	}
	ids := make([]string, len(comments))
	for i, cm := range comments {
		ids[i] = cm.ID
	}
	for ci, c := range r.cells {
		replies, err := c.Store.ReplyCounts(ctx, ids)
		if err != nil {
			return err
		}
		likes, err := c.Store.CommentLikeCounts(ctx, ids)
		if err != nil {
			return err
		}
		for _, cm := range comments {
			if from[cm.ID] != ci {
				cm.ReplyCount += replies[cm.ID]
				cm.Likes += likes[cm.ID]
			}
		}
	}
	return nil
}

// Comments merges the comments that each region's people wrote, oldest
// first, with the replies and likes of every region counted.
func (r *Router) Comments(ctx context.Context, videoID, parentID string, p flick.Page) ([]*flick.Comment, string, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Store.Comments(ctx, videoID, parentID, p)
	}
	p = p.Normalize()
	var all []*flick.Comment
	from := map[string]int{}
	more := false
	for ci, c := range r.cells {
		cs, next, err := c.Store.Comments(ctx, videoID, parentID, p)
		if err != nil {
			return nil, "", err
		}
		more = more || next != ""
		for _, cm := range cs {
			from[cm.ID] = ci
		}
		all = append(all, cs...)
	}
	slices.SortFunc(all, func(a, b *flick.Comment) int { return strings.Compare(a.ID, b.ID) })
	if len(all) > p.Limit {
		all, more = all[:p.Limit], true
	}
	if err := r.addCommentCounts(ctx, all, from); err != nil {
		return nil, "", err
	}
	next := ""
	if more && len(all) > 0 {
		next = all[len(all)-1].ID
	}
	return all, next, nil
}

// CommentsByID finds the comments among ids in whichever regions hold
// them (a comment lives in its author's); unknown IDs are skipped. Reply
// counts are not summed: the callers quote comments, not threads.
func (r *Router) CommentsByID(ctx context.Context, ids []string) (map[string]*flick.Comment, error) {
	found := make(map[string]*flick.Comment, len(ids))
	for _, c := range r.cells {
		if len(found) == len(ids) {
			break
		}
		cs, err := c.Store.CommentsByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, cm := range cs {
			found[cm.ID] = cm
		}
	}
	return found, nil
}

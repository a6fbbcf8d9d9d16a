package residency

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/flick-video/flick"
)

// A video is stored in its creator's home region; every region may hold
// counts of it (what its own viewers did), which readers sum.

// CreateVideo creates the video in its author's region. An ID that any
// region holds is taken, as in one store; two creates of one new ID racing
// in two regions would both succeed, but IDs are fresh (flick.NewID).
func (r *Router) CreateVideo(ctx context.Context, v *flick.Video) error {
	return r.on(ctx, v.AuthorID, func(s flick.RegionStore) error {
		if v.ID != "" && len(r.cells) > 1 {
			if _, _, err := r.videoCell(ctx, v.ID); err == nil {
				return flick.Errorf(flick.ECONFLICT, "Video already exists.")
			} else if flick.ErrorCode(err) != flick.ENOTFOUND {
				return err
			}
		}
		return s.CreateVideo(ctx, v)
	})
}

// Video returns the video with the counts of every region.
func (r *Router) Video(ctx context.Context, id string) (*flick.Video, error) {
	i, v, err := r.videoCell(ctx, id)
	if err != nil {
		return nil, err
	}
	return v, r.addCounts(ctx, []*flick.Video{v}, []int{i})
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
	for ci, s := range r.cells {
		counts, err := s.VideoCounts(ctx, ids)
		if err != nil {
			return err
		}
		for i, v := range videos {
			if c, ok := counts[v.ID]; ok && from[i] != ci {
				v.Counts.Views += c.Views
				v.Counts.Likes += c.Likes
				v.Counts.Comments += c.Comments
				v.Counts.Shares += c.Shares
			}
		}
	}
	return nil
}

// Videos returns the ready videos among ids, from whichever region holds
// them, in the order asked.
func (r *Router) Videos(ctx context.Context, ids []string) ([]*flick.Video, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Videos(ctx, ids)
	}
	byID := map[string]*flick.Video{}
	cellOf := map[string]int{}
	for ci, s := range r.cells {
		found, err := s.Videos(ctx, ids)
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
		return r.cells[0].VideoDurations(ctx, ids)
	}
	out := map[string]int64{}
	for _, s := range r.cells {
		d, err := s.VideoDurations(ctx, ids)
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
		return r.cells[0].ListVideos(ctx, f, p)
	}
	p = p.Normalize()
	lists := make([][]*flick.Video, len(r.cells))
	more := false
	for ci, s := range r.cells {
		vs, next, err := s.ListVideos(ctx, f, p)
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
		return r.cells[0].RecentVideos(ctx, since, limit)
	}
	if limit <= 0 {
		limit = flick.DefaultPageSize
	}
	lists := make([][]*flick.Video, len(r.cells))
	for ci, s := range r.cells {
		vs, err := s.RecentVideos(ctx, since, limit)
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

// ProcessingVideos lists every region's unfinished videos, oldest first.
func (r *Router) ProcessingVideos(ctx context.Context) ([]*flick.Video, error) {
	var all []*flick.Video
	for _, s := range r.cells {
		vs, err := s.ProcessingVideos(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, vs...)
	}
	slices.SortFunc(all, func(a, b *flick.Video) int { return strings.Compare(a.ID, b.ID) })
	return all, nil
}

// onVideo runs fn on the store of the region that holds video id.
func (r *Router) onVideo(ctx context.Context, id string, fn func(s flick.RegionStore) error) error {
	i, _, err := r.videoCell(ctx, id)
	if err != nil {
		return err
	}
	return fn(r.cells[i])
}

func (r *Router) StartTranscode(ctx context.Context, id string) (attempt int, err error) {
	err = r.onVideo(ctx, id, func(s flick.RegionStore) error { attempt, err = s.StartTranscode(ctx, id); return err })
	return attempt, err
}

func (r *Router) SetProgress(ctx context.Context, id string, progress int) error {
	return r.onVideo(ctx, id, func(s flick.RegionStore) error { return s.SetProgress(ctx, id, progress) })
}

func (r *Router) AddRendition(ctx context.Context, id string, u flick.RenditionUpdate) error {
	return r.onVideo(ctx, id, func(s flick.RegionStore) error { return s.AddRendition(ctx, id, u) })
}

func (r *Router) SetFailed(ctx context.Context, id string, reason string) error {
	return r.onVideo(ctx, id, func(s flick.RegionStore) error { return s.SetFailed(ctx, id, reason) })
}

// DeleteVideo deletes the video in its region; the other regions forget
// their records about it when its remove event reaches their logs.
func (r *Router) DeleteVideo(ctx context.Context, id string) error {
	return r.onVideo(ctx, id, func(s flick.RegionStore) error { return s.DeleteVideo(ctx, id) })
}

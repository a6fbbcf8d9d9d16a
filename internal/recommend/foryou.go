package recommend

import (
	"context"
	"fmt"

	flick "github.com/flick-video/flick"
)

// ForYouStore is the part of the store For You needs.
type ForYouStore interface {
	VideoSource
	// Videos re-reads the chosen videos at page time: only ready ones come back.
	Videos(ctx context.Context, ids []string) ([]*flick.Video, error)
	Watched(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error)
}

// Reasons shown with For You items.
const (
	ReasonPopular  = "Popular recently"
	ReasonRecent   = "Recently posted" // ranked by recency: nobody has engaged with it yet
	ReasonNew      = "New upload"      // a fresh-upload slot
	reasonTrendTag = "Trending in #%s"
)

// ForYou is the first For You feed: recent videos by popularity, with
// every FreshEvery-th slot given to a fresh upload that few have seen. It
// never shows the viewer's own videos or one they watched through, nor a
// video that is no longer ready, and never repeats a video within a
// session (a chain of cursors).
type ForYou struct {
	candidates
	store ForYouStore
}

var _ flick.Feed = (*ForYou)(nil)

// NewForYou returns For You over the videos in store.
func NewForYou(store ForYouStore, clock flick.Clock, cfg Config) *ForYou {
	return &ForYou{candidates: candidates{store: store, clock: clock, cfg: cfg}, store: store}
}

// pick is a candidate chosen for a slot.
type pick struct {
	scored
	fresh bool // chosen for a fresh-upload slot
}

// Page returns the next page for req.ViewerID ("" for anonymous viewers).
func (f *ForYou) Page(ctx context.Context, req flick.FeedRequest) ([]flick.FeedItem, string, error) {
	limit := flick.Page{Limit: req.Limit}.Normalize().Limit
	cur, err := decodeCursor(req.Cursor)
	if err != nil {
		return nil, "", err
	}
	p, err := f.current(ctx)
	if err != nil {
		return nil, "", err
	}
	// Choose, check the chosen against the store, and choose again without
	// those that failed, until every pick of the page has passed. Each
	// round checks at least one new video, so this ends.
	refused := map[string]bool{}
	current := map[string]*flick.Video{}
	for {
		picks := f.fill(p, cur, req.ViewerID, refused, limit+1)
		var unchecked []string
		for _, pk := range picks[:min(limit, len(picks))] {
			if current[pk.v.ID] == nil {
				unchecked = append(unchecked, pk.v.ID)
			}
		}
		if len(unchecked) == 0 {
			return f.items(p, picks, limit, current, cur)
		}
		if err := f.check(ctx, req.ViewerID, unchecked, current, refused); err != nil {
			return nil, "", err
		}
	}
}

// check re-reads ids: a video deleted or no longer ready since the pool was
// made, or one the viewer has watched through, is refused.
func (f *ForYou) check(ctx context.Context, viewerID string, ids []string, current map[string]*flick.Video, refused map[string]bool) error {
	videos, err := f.store.Videos(ctx, ids)
	if err != nil {
		return fmt.Errorf("recommend: re-read candidates: %w", err)
	}
	watched := map[string]bool{}
	if viewerID != "" {
		if watched, err = f.store.Watched(ctx, viewerID, ids); err != nil {
			return fmt.Errorf("recommend: watched videos: %w", err)
		}
	}
	for _, v := range videos {
		if v.Status == flick.StatusReady && !watched[v.ID] {
			current[v.ID] = v
		}
	}
	for _, id := range ids {
		if current[id] == nil {
			refused[id] = true
		}
	}
	return nil
}

// items builds the page from the first limit picks; a (limit+1)th pick
// means there is a next page.
func (f *ForYou) items(p *pool, picks []pick, limit int, current map[string]*flick.Video, cur cursor) ([]flick.FeedItem, string, error) {
	items := make([]flick.FeedItem, 0, limit)
	for _, pk := range picks[:min(limit, len(picks))] {
		items = append(items, flick.FeedItem{Video: current[pk.v.ID], Reasons: reasons(p, pk)})
		cur.add(pk.v.ID)
	}
	if len(picks) <= limit {
		return items, "", nil
	}
	return items, cur.encode(), nil
}

func reasons(p *pool, pk pick) []string {
	var out []string
	switch {
	case pk.fresh:
		out = append(out, ReasonNew)
	case pk.engagement > 0:
		out = append(out, ReasonPopular)
	default:
		out = append(out, ReasonRecent)
	}
	for _, tag := range pk.v.Hashtags {
		if p.hot[tag] {
			out = append(out, fmt.Sprintf(reasonTrendTag, tag))
			break
		}
	}
	return out
}

// fill chooses up to n candidates for the slots after the cursor: by
// popularity, and a fresh upload in every FreshEvery-th slot while there
// are any left.
func (f *ForYou) fill(p *pool, cur cursor, viewerID string, refused map[string]bool, n int) []pick {
	taken := map[string]bool{}
	ok := func(c scored) bool {
		id := c.v.ID
		return !taken[id] && !refused[id] && !cur.seen(id) && (viewerID == "" || c.v.AuthorID != viewerID)
	}
	var picks []pick
	ri, fi := 0, 0
	next := func(list []scored, i *int) (scored, bool) {
		for ; *i < len(list); *i++ {
			if ok(list[*i]) {
				*i++
				return list[*i-1], true
			}
		}
		return scored{}, false
	}
	for len(picks) < n {
		slot := cur.served + len(picks)
		every := f.cfg.FreshEvery
		freshSlot := every > 0 && (slot+1)%every == 0
		var c scored
		var found bool
		if freshSlot {
			if c, found = next(p.fresh, &fi); !found {
				c, found = next(p.ranked, &ri)
				freshSlot = false
			}
		} else {
			c, found = next(p.ranked, &ri) // fresh uploads are ranked too
		}
		if !found {
			break
		}
		taken[c.v.ID] = true
		picks = append(picks, pick{scored: c, fresh: freshSlot})
	}
	return picks
}

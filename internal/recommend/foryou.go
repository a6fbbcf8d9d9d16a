package recommend

import (
	"context"
	"fmt"
	"unicode/utf8"

	flick "github.com/flick-video/flick"
)

// ForYouStore is the part of the store For You needs at page time.
type ForYouStore interface {
	// Videos re-reads the chosen videos: only ready ones come back.
	Videos(ctx context.Context, ids []string) ([]*flick.Video, error)
	Watched(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error)
}

// Reasons shown with For You items.
const (
	ReasonPopular    = "Popular in your region"
	ReasonRecent     = "Recently posted"
	ReasonNew        = "New upload"
	ReasonNewCreator = "New creator"
	reasonTag        = "Because you like #%s"
	reasonWatched    = "Because you watched %q"
	reasonWatchedBy  = "Because you watched a video by @%s"
)

// overfetch: the engine is asked for this many candidates per place, so
// that the diversity re-rank has room to choose.
const overfetch = 3

// ForYou asks the engine for a viewer's ranked candidates, keeps those the
// viewer may see (not served earlier in the session, not their own, not
// watched through, still available), re-ranks them for diversity and
// gives every FreshEvery-th place to a fresh upload. The session travels
// in the cursor, so any node serves the next page and no video repeats.
type ForYou struct {
	engine *Engine
	store  ForYouStore
	cfg    Config
}

var _ flick.Feed = (*ForYou)(nil)

// NewForYou returns For You over engine, re-checking videos in store.
func NewForYou(store ForYouStore, engine *Engine, cfg Config) *ForYou {
	return &ForYou{engine: engine, store: store, cfg: cfg}
}

// Page returns the next page for req.ViewerID ("" for anonymous viewers).
func (f *ForYou) Page(ctx context.Context, req flick.FeedRequest) ([]flick.FeedItem, string, error) {
	limit := flick.Page{Limit: req.Limit}.Normalize().Limit
	cur, err := decodeCursor(req.Cursor)
	if err != nil {
		return nil, "", err
	}
	// Choose, check the chosen against the store, and choose again without
	// those that failed, until every pick of the page has passed. Each
	// round refuses at least one more video, so this ends.
	refused := map[string]bool{}
	current := map[string]*flick.Video{}
	for {
		picks := f.choose(req.ViewerID, cur, refused, limit+1)
		var unchecked []string
		for _, c := range picks[:min(limit, len(picks))] {
			if current[c.VideoID] == nil {
				unchecked = append(unchecked, c.VideoID)
			}
		}
		if len(unchecked) == 0 {
			return f.items(ctx, picks, limit, current, cur)
		}
		if err := f.check(ctx, req.ViewerID, unchecked, current, refused); err != nil {
			return nil, "", err
		}
	}
}

// choose asks the engine and lays out n places: ranked candidates after
// the diversity re-rank, with fresh uploads in the exploration places.
func (f *ForYou) choose(viewerID string, cur cursor, refused map[string]bool, n int) []Candidate {
	explore := 0
	for k := range n {
		if f.freshSlot(cur.served + k) {
			explore++
		}
	}
	cands := f.engine.Recommend(Request{
		ViewerID: viewerID,
		N:        overfetch*n + explore,
		Exclude:  func(id string) bool { return refused[id] || cur.seen(id) },
		Explore:  explore,
	})
	var ranked, fresh []Candidate
	for _, c := range cands {
		if c.Explore {
			fresh = append(fresh, c)
		} else {
			ranked = append(ranked, c)
		}
	}
	ranked = diversify(ranked, n)
	out := make([]Candidate, 0, n)
	for k := 0; len(out) < n && (len(ranked) > 0 || len(fresh) > 0); k++ {
		if len(fresh) > 0 && (f.freshSlot(cur.served+k) || len(ranked) == 0) {
			out, fresh = append(out, fresh[0]), fresh[1:]
		} else {
			out, ranked = append(out, ranked[0]), ranked[1:]
		}
	}
	return out
}

func (f *ForYou) freshSlot(slot int) bool {
	return f.cfg.FreshEvery > 0 && (slot+1)%f.cfg.FreshEvery == 0
}

// check re-reads ids: a video deleted since the engine learned of it
// leaves the engine, and one the viewer watched through is refused.
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
		if v.Status == flick.StatusReady && !watched[v.ID] && (viewerID == "" || v.AuthorID != viewerID) {
			current[v.ID] = v
		}
	}
	for _, id := range ids {
		if current[id] != nil {
			continue
		}
		refused[id] = true
		if !watched[id] && !containsVideo(videos, id) {
			f.engine.RemoveVideo(id) // gone from the store
		}
	}
	return nil
}

func containsVideo(videos []*flick.Video, id string) bool {
	for _, v := range videos {
		if v.ID == id {
			return true
		}
	}
	return false
}

// items builds the page from the first limit picks; a (limit+1)th pick
// means there is a next page.
func (f *ForYou) items(ctx context.Context, picks []Candidate, limit int, current map[string]*flick.Video, cur cursor) ([]flick.FeedItem, string, error) {
	picks = picks[:min(limit+1, len(picks))]
	page := picks[:min(limit, len(picks))]
	titles, err := f.sources(ctx, page, current)
	if err != nil {
		return nil, "", err
	}
	items := make([]flick.FeedItem, 0, len(page))
	for _, c := range page {
		items = append(items, flick.FeedItem{Video: current[c.VideoID], Reasons: reasonTexts(c.Reasons, titles)})
		cur.add(c.VideoID)
	}
	if len(picks) <= limit {
		return items, "", nil
	}
	return items, cur.encode(), nil
}

// sources reads the videos that "Because you watched" reasons name, for
// their captions.
func (f *ForYou) sources(ctx context.Context, page []Candidate, current map[string]*flick.Video) (map[string]*flick.Video, error) {
	out := map[string]*flick.Video{}
	var missing []string
	for _, c := range page {
		for _, r := range c.Reasons {
			if r.Kind != BecauseWatched || out[r.VideoID] != nil {
				continue
			}
			if v := current[r.VideoID]; v != nil {
				out[r.VideoID] = v
			} else {
				missing = append(missing, r.VideoID)
			}
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	videos, err := f.store.Videos(ctx, missing)
	if err != nil {
		return nil, fmt.Errorf("recommend: read reason videos: %w", err)
	}
	for _, v := range videos {
		out[v.ID] = v
	}
	return out, nil
}

// maxTitleRunes shortens a caption quoted in a reason.
const maxTitleRunes = 40

// reasonTexts words the engine's reasons for the API.
func reasonTexts(rs []Reason, titles map[string]*flick.Video) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		switch r.Kind {
		case BecauseWatched:
			v := titles[r.VideoID]
			switch {
			case v == nil:
				continue // deleted since: the reason cannot be shown
			case v.Caption != "":
				out = append(out, fmt.Sprintf(reasonWatched, shorten(v.Caption)))
			default:
				out = append(out, fmt.Sprintf(reasonWatchedBy, v.Author.Handle))
			}
		case BecausePopular:
			out = append(out, ReasonPopular)
		case BecauseFollowing:
			out = append(out, ReasonFollowing)
		case BecauseTag:
			out = append(out, fmt.Sprintf(reasonTag, r.Tag))
		case BecauseFresh:
			out = append(out, ReasonNew)
		case BecauseNewCreator:
			out = append(out, ReasonNewCreator)
		case BecauseRecent:
			out = append(out, ReasonRecent)
		}
	}
	return out
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxTitleRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxTitleRunes-1]) + "…"
}

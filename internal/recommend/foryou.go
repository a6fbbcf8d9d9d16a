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
	NotInterested(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error)
	controlsReader
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
// watched through, not marked not-interested, not by a hidden creator, not
// caught by a keyword filter, still available, allowed by the content
// policy), re-ranks them for diversity and gives every FreshEvery-th place
// to a fresh upload. The session travels in the cursor, so any node serves
// the next page and no video repeats. A viewer who turned personalisation
// off is ranked as an anonymous viewer: what is popular in the region.
type ForYou struct {
	engine *Engine
	store  ForYouStore
	cfg    Config
	policy flick.ContentPolicy // nil allows everything
}

var _ flick.Feed = (*ForYou)(nil)

// NewForYou returns For You over engine, re-checking videos in store.
func NewForYou(store ForYouStore, engine *Engine, cfg Config) *ForYou {
	return &ForYou{engine: engine, store: store, cfg: cfg}
}

// WithPolicy makes the feed ask p about every video before serving it.
func (f *ForYou) WithPolicy(p flick.ContentPolicy) *ForYou {
	f.policy = p
	return f
}

// Page returns the next page for req.ViewerID ("" for anonymous viewers).
func (f *ForYou) Page(ctx context.Context, req flick.FeedRequest) ([]flick.FeedItem, string, error) {
	limit := flick.Page{Limit: req.Limit}.Normalize().Limit
	cur, err := decodeCursor(req.Cursor)
	if err != nil {
		return nil, "", err
	}
	fl, err := filtersFor(ctx, f.store, req.ViewerID)
	if err != nil {
		return nil, "", err
	}
	// Choose, check the chosen against the store, and choose again without
	// those that failed, until every pick of the page has passed. Each
	// round refuses at least one more video, so this ends.
	refused := map[string]bool{}
	current := map[string]*flick.Video{}
	for {
		picks := f.choose(fl, cur, refused, limit+1)
		var unchecked []string
		for _, c := range picks[:min(limit, len(picks))] {
			if current[c.VideoID] == nil {
				unchecked = append(unchecked, c.VideoID)
			}
		}
		if len(unchecked) == 0 {
			return f.items(ctx, fl, picks, limit, current, cur)
		}
		if err := f.check(ctx, fl, unchecked, current, refused); err != nil {
			return nil, "", err
		}
	}
}

// choose asks the engine and lays out n places: ranked candidates after
// the diversity re-rank, with fresh uploads in the exploration places.
// Candidates the viewer's filters hide by creator or hashtag are refused
// here, before the store is read; when that leaves too few, the engine is
// asked again without them.
func (f *ForYou) choose(fl *filters, cur cursor, refused map[string]bool, n int) []Candidate {
	explore := 0
	for k := range n {
		if f.freshSlot(cur.served + k) {
			explore++
		}
	}
	want := overfetch*n + explore
	var cands []Candidate
	for {
		cands = f.engine.Recommend(Request{
			ViewerID: fl.rankAs(),
			N:        want,
			Exclude:  func(id string) bool { return refused[id] || cur.seen(id) },
			Explore:  explore,
		})
		hidden := 0
		kept := cands[:0]
		for _, c := range cands {
			if fl.hidesCandidate(c) {
				refused[c.VideoID] = true
				hidden++
			} else {
				kept = append(kept, c)
			}
		}
		cands = kept
		if hidden == 0 || len(cands) >= n || len(cands)+hidden < want {
			break
		}
	}
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

// check re-reads ids and keeps those the viewer may see: a video deleted
// since the engine learned of it leaves the engine; one the viewer watched
// through, marked not interested or filters out, or that the policy does
// not allow, is refused.
func (f *ForYou) check(ctx context.Context, fl *filters, ids []string, current map[string]*flick.Video, refused map[string]bool) error {
	videos, err := f.store.Videos(ctx, ids)
	if err != nil {
		return fmt.Errorf("recommend: re-read candidates: %w", err)
	}
	watched, unwanted := map[string]bool{}, map[string]bool{}
	if fl.viewerID != "" {
		if watched, err = f.store.Watched(ctx, fl.viewerID, ids); err != nil {
			return fmt.Errorf("recommend: watched videos: %w", err)
		}
		if unwanted, err = f.store.NotInterested(ctx, fl.viewerID, ids); err != nil {
			return fmt.Errorf("recommend: not-interested videos: %w", err)
		}
	}
	visible := make([]*flick.Video, 0, len(videos))
	for _, v := range videos {
		if v.Status == flick.StatusReady && !watched[v.ID] && !unwanted[v.ID] && !fl.hidesVideo(v) {
			visible = append(visible, v)
		}
	}
	allowed, err := f.allow(ctx, fl.viewerID, visible)
	if err != nil {
		return err
	}
	for i, v := range visible {
		if allowed[i] {
			current[v.ID] = v
		}
	}
	for _, id := range ids {
		if current[id] != nil {
			continue
		}
		refused[id] = true
		if !containsVideo(videos, id) {
			f.engine.RemoveVideo(id) // gone from the store
		}
	}
	return nil
}

// allow asks the policy, if any, about videos.
func (f *ForYou) allow(ctx context.Context, viewerID string, videos []*flick.Video) ([]bool, error) {
	if f.policy == nil || len(videos) == 0 {
		allowed := make([]bool, len(videos))
		for i := range allowed {
			allowed[i] = true
		}
		return allowed, nil
	}
	allowed, err := f.policy.Allow(ctx, viewerID, videos)
	if err != nil {
		return nil, fmt.Errorf("recommend: content policy: %w", err)
	}
	if len(allowed) != len(videos) {
		return nil, fmt.Errorf("recommend: content policy answered %d times for %d videos", len(allowed), len(videos))
	}
	return allowed, nil
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
func (f *ForYou) items(ctx context.Context, fl *filters, picks []Candidate, limit int, current map[string]*flick.Video, cur cursor) ([]flick.FeedItem, string, error) {
	picks = picks[:min(limit+1, len(picks))]
	page := picks[:min(limit, len(picks))]
	titles, err := f.sources(ctx, page, current)
	if err != nil {
		return nil, "", err
	}
	items := make([]flick.FeedItem, 0, len(page))
	for _, c := range page {
		reasons := reasonTexts(c.Reasons, titles)
		if fl.viewerID != "" && !fl.personal {
			reasons = append([]string{ReasonNonPersonalized}, reasons...)
		}
		items = append(items, flick.FeedItem{Video: current[c.VideoID], Reasons: reasons})
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

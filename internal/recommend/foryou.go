package recommend

import (
	"context"
	"fmt"

	flick "github.com/flick-video/flick"
)

// VideoReader re-reads the videos For You chose, from every region: only
// ready ones come back.
type VideoReader interface {
	Videos(ctx context.Context, ids []string) ([]*flick.Video, error)
}

// ViewerStore is what For You reads of a viewer, in the store of the
// region whose viewers it serves.
type ViewerStore interface {
	// Marks says which of the chosen videos the viewer watched through,
	// marked not interested or liked.
	Marks(ctx context.Context, accountID string, videoIDs []string) (map[string]flick.VideoMarks, error)
	controlsReader
}

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
	engine  *Engine
	videos  VideoReader
	viewers ViewerStore
	policy  flick.ContentPolicy // nil allows everything
}

var _ flick.Feed = (*ForYou)(nil)

// NewForYou returns For You over engine, laid out by the engine's Config,
// for the viewers whose records are in viewers, re-checking the chosen
// videos in videos.
func NewForYou(videos VideoReader, viewers ViewerStore, engine *Engine) *ForYou {
	return &ForYou{engine: engine, videos: videos, viewers: viewers}
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
	fl, err := filtersFor(ctx, f.viewers, req.ViewerID)
	if err != nil {
		return nil, "", err
	}
	// Choose, check the chosen against the store, and choose again without
	// those that failed, until every pick of the page has passed. Each
	// round refuses at least one more video, so this ends.
	pc := &pageCheck{refused: map[string]bool{}, current: map[string]*flick.Video{}, liked: map[string]bool{}, titles: map[string]*flick.Video{}}
	for {
		picks := f.choose(fl, cur, pc.refused, limit+1, req.Seed)
		var unchecked []Candidate
		for _, c := range picks[:min(limit, len(picks))] {
			if pc.current[c.VideoID] == nil {
				unchecked = append(unchecked, c)
			}
		}
		if len(unchecked) == 0 {
			return f.items(ctx, fl, picks, limit, pc, cur)
		}
		if err := f.check(ctx, fl, unchecked, pc); err != nil {
			return nil, "", err
		}
	}
}

// pageCheck is what the checks of one page have learnt from the store.
type pageCheck struct {
	refused map[string]bool
	current map[string]*flick.Video // checked and visible
	liked   map[string]bool         // among current
	// titles are the videos that "Because you watched" reasons name, for
	// their captions; nil for one that is gone.
	titles map[string]*flick.Video
}

// choose asks the engine and lays out n places: ranked candidates (drawn
// by seed when it is not 0) after the diversity re-rank, with fresh
// uploads in the exploration places.
// Candidates the viewer's filters hide by creator or hashtag are refused
// here, before the store is read; when that leaves too few, the engine is
// asked again without them.
func (f *ForYou) choose(fl *filters, cur cursor, refused map[string]bool, n int, seed uint64) []Candidate {
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
	if seed != 0 {
		draw(ranked, seed)
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
	every := f.engine.cfg.FreshEvery
	return every > 0 && (slot+1)%every == 0
}

// check re-reads the candidates and keeps those the viewer may see: a
// video deleted since the engine learned of it leaves the engine; one the
// viewer watched through, marked not interested or filters out, or that
// the policy does not allow, is refused. The videos their "Because you
// watched" reasons name are read in the same call.
func (f *ForYou) check(ctx context.Context, fl *filters, cands []Candidate, pc *pageCheck) error {
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.VideoID
	}
	sources := missingSources(cands, pc.titles)
	videos, err := f.videos.Videos(ctx, append(ids[:len(ids):len(ids)], sources...))
	if err != nil {
		return fmt.Errorf("recommend: re-read candidates: %w", err)
	}
	byID := make(map[string]*flick.Video, len(videos))
	for _, v := range videos {
		byID[v.ID] = v
	}
	for _, id := range sources {
		pc.titles[id] = byID[id]
	}
	marks := map[string]flick.VideoMarks{}
	if fl.viewerID != "" {
		if marks, err = f.viewers.Marks(ctx, fl.viewerID, ids); err != nil {
			return fmt.Errorf("recommend: marks of candidates: %w", err)
		}
	}
	visible := make([]*flick.Video, 0, len(ids))
	for _, id := range ids {
		v, m := byID[id], marks[id]
		if v != nil && v.Status == flick.StatusReady && !m.Watched && !m.NotInterested && !fl.hidesVideo(v) {
			visible = append(visible, v)
		}
	}
	allowed, err := f.allow(ctx, fl.viewerID, visible)
	if err != nil {
		return err
	}
	for i, v := range visible {
		if allowed[i] {
			pc.current[v.ID] = v
			pc.liked[v.ID] = marks[v.ID].Liked
		}
	}
	for _, id := range ids {
		if pc.current[id] != nil {
			continue
		}
		pc.refused[id] = true
		if byID[id] == nil {
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

// items builds the page from the first limit picks; a (limit+1)th pick
// means there is a next page.
func (f *ForYou) items(ctx context.Context, fl *filters, picks []Candidate, limit int, pc *pageCheck, cur cursor) ([]flick.FeedItem, string, error) {
	picks = picks[:min(limit+1, len(picks))]
	page := picks[:min(limit, len(picks))]
	if err := f.readSources(ctx, page, pc.titles); err != nil {
		return nil, "", err
	}
	items := make([]flick.FeedItem, 0, len(page))
	for _, c := range page {
		items = append(items, flick.FeedItem{Video: pc.current[c.VideoID], Liked: pc.liked[c.VideoID],
			Reasons: feedReasons(fl, c.Reasons, pc.titles)})
		cur.add(c.VideoID)
	}
	if len(picks) <= limit {
		return items, "", nil
	}
	return items, cur.encode(), nil
}

// readSources reads the reason videos that the checks did not: only when
// the engine gave a pick other reasons than when it was checked (it learnt
// meanwhile), so usually this reads nothing.
func (f *ForYou) readSources(ctx context.Context, page []Candidate, titles map[string]*flick.Video) error {
	missing := missingSources(page, titles)
	if len(missing) == 0 {
		return nil
	}
	videos, err := f.videos.Videos(ctx, missing)
	if err != nil {
		return fmt.Errorf("recommend: read reason videos: %w", err)
	}
	for _, id := range missing {
		titles[id] = nil
	}
	for _, v := range videos {
		titles[v.ID] = v
	}
	return nil
}

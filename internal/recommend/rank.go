package recommend

import (
	"container/heap"
	"math"
	"slices"
)

// Request asks the engine for a ranked list.
type Request struct {
	ViewerID string // "" for anonymous viewers
	N        int
	// Exclude filters candidates by video ID (already served, watched
	// through, ...); nil excludes nothing.
	Exclude func(videoID string) bool
	// Explore is how many of the N places go to fresh uploads from the
	// exploration pool rather than to the best-ranked videos.
	Explore int
}

// selfPenalty scales a viewer's negative signal on a video into that
// video's own score.
const selfPenalty = 3

// recentUploads is how many of the newest videos are always candidates,
// at a score below any engagement, so that a catalogue nobody has engaged
// with yet still has a feed.
const (
	recentUploads = 100
	recentScore   = 1e-4
)

// Candidate is a ranked video and why it is there, strongest reason first.
type Candidate struct {
	VideoID  string
	AuthorID string
	Hashtags []string
	Score    float64
	Explore  bool
	Reasons  []Reason
}

// cand is a candidate's score broken down by source while ranking.
type cand struct {
	v                                 int32
	co, follow, tag, pop, recent, neg float32
	coSrc                             int32 // the history video that contributed most
	coSrcW                            float32
	tagID                             int32
	score                             float32
	explored                          bool // taken for an exploration place
}

// accumulator gathers candidates densely: pos maps a video slot to its
// place in cands, so a request touching thousands of candidates costs no
// map operations. It is pooled and reset by walking only what was touched.
type accumulator struct {
	pos   []int32 // slot -> 1+index in cands; 0 when untouched
	cands []cand
}

func (a *accumulator) at(v int32) *cand {
	if p := a.pos[v]; p > 0 {
		return &a.cands[p-1]
	}
	a.cands = append(a.cands, cand{v: v, coSrc: -1, tagID: -1})
	a.pos[v] = int32(len(a.cands))
	return &a.cands[len(a.cands)-1]
}

func (a *accumulator) reset() {
	for _, c := range a.cands {
		a.pos[c.v] = 0
	}
	a.cands = a.cands[:0]
}

func (e *Engine) accumulator() *accumulator {
	var a *accumulator
	select {
	case a = <-e.scratch:
	default:
		a = &accumulator{}
	}
	if len(a.pos) < len(e.videos) {
		a.pos = make([]int32, len(e.videos)+len(e.videos)/4)
	}
	return a
}

func (e *Engine) release(a *accumulator) {
	a.reset()
	select {
	case e.scratch <- a:
	default: // enough are idle already
	}
}

// Recommend ranks videos for a viewer live, from the state as it is now:
// neighbours of the viewer's recent history (the latest counting most),
// followed creators, hashtags the viewer engages with, and the region's
// trending videos, each adding to one score; then fresh uploads take the
// exploration places.
func (e *Engine) Recommend(req Request) []Candidate {
	if req.N <= 0 {
		return nil
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	a := e.accumulator()
	defer e.release(a)

	var u *viewer
	if i, ok := e.viewerIdx[req.ViewerID]; ok && req.ViewerID != "" {
		u = &e.viewers[i]
		e.fromHistory(a, u)
		e.fromFollows(a, u)
		e.fromTags(a, u)
	}
	e.fromTrending(a)
	e.fromRecent(a)
	own := int32(-1)
	if c, ok := e.creatorIdx[req.ViewerID]; ok && req.ViewerID != "" {
		own = c
	}
	// Exploration places are chosen first so that a fresh upload which is
	// also a candidate (it is among the newest) takes one of them rather
	// than a ranked place.
	fresh := e.explore(own, min(req.Explore, req.N), req.Exclude)
	for _, vi := range fresh {
		a.at(vi).explored = true
	}
	top := e.best(a, u, own, req.N-len(fresh), req.Exclude)
	out := make([]Candidate, 0, req.N)
	for _, c := range top {
		out = append(out, e.candidate(c))
	}
	for _, vi := range fresh {
		out = append(out, e.explorer(vi))
	}
	return out
}

// fromHistory adds the neighbours of each video in the viewer's history,
// weighted by the viewer's signal on it and by its recency.
func (e *Engine) fromHistory(a *accumulator, u *viewer) {
	for k := len(u.hist) - 1; k >= 0; k-- {
		h := u.hist[k]
		src := &e.videos[h.v]
		if !src.alive {
			continue
		}
		pos := len(u.hist) - 1 - k
		r := h.w * float32(math.Exp(-e.cfg.Recency*float64(pos))*math.Pow(float64(max(src.engaged, 1)), -e.cfg.NormFrom))
		switch {
		case h.w < 0:
			// An aversion demotes the video itself well below what its
			// neighbours alone would.
			a.at(h.v).neg += selfPenalty * h.w
		case h.w >= completedRatio:
			// Watched through: not to be shown again (the feed checks the
			// store too; this spares it the round trip).
			a.at(h.v).neg = notInterestedCut
		}
		for _, n := range src.nb {
			if !e.videos[n.j].alive {
				continue
			}
			s := r * n.w * e.norm(n.j)
			c := a.at(n.j)
			c.co += s
			if s > c.coSrcW {
				c.coSrc, c.coSrcW = h.v, s
			}
		}
	}
}

func (e *Engine) fromFollows(a *accumulator, u *viewer) {
	for _, f := range u.follows {
		for _, vi := range e.creators[f].videos {
			a.at(vi).follow = float32(e.cfg.FollowBoost)
		}
	}
}

// fromTags adds the most popular videos of the hashtags the viewer likes,
// in proportion to the viewer's affinity relative to their strongest.
func (e *Engine) fromTags(a *accumulator, u *viewer) {
	var top float32
	for _, t := range u.tags {
		top = max(top, t.w)
	}
	for _, t := range u.tags {
		if t.w <= 0 {
			continue
		}
		w := float32(e.cfg.TagWeight) * t.w / top
		for _, vi := range e.tags[t.id].top.items {
			if c := a.at(vi); w > c.tag {
				c.tag, c.tagID = w, t.id
			}
		}
	}
}

func (e *Engine) fromTrending(a *accumulator) {
	for _, vi := range e.trending.items {
		a.at(vi)
	}
}

// fromRecent adds the newest uploads, newer scoring slightly higher.
func (e *Engine) fromRecent(a *accumulator) {
	n := 0
	for i := len(e.videos) - 1; i >= 0 && n < recentUploads; i-- {
		if e.videos[i].alive {
			a.at(int32(i)).recent = recentScore * float32(recentUploads-n) / recentUploads
			n++
		}
	}
}

// best scores every gathered candidate and returns the n best that pass
// the filters.
func (e *Engine) best(a *accumulator, u *viewer, own int32, n int, exclude func(string) bool) []cand {
	if n <= 0 {
		return nil
	}
	var popTop float64
	if len(e.trending.items) > 0 {
		popTop = e.videos[e.trending.items[0]].pop
	}
	h := candHeap{}
	for k := range a.cands {
		c := &a.cands[k]
		v := &e.videos[c.v]
		if !v.alive || c.explored || v.creator == own && own >= 0 {
			continue
		}
		if popTop > 0 {
			c.pop = float32(e.cfg.PopularWeight * v.pop / popTop)
		}
		if u != nil && v.creator >= 0 {
			for _, ca := range u.creators {
				if ca.id == v.creator {
					c.neg += ca.w * 0.2
				}
			}
		}
		if c.neg <= notInterestedCut {
			continue
		}
		c.score = c.co + c.follow + c.tag + c.pop + c.recent + c.neg
		if len(h) == n && !outranks(c, &h[0]) {
			continue
		}
		if exclude != nil && exclude(v.id) {
			continue
		}
		if len(h) < n {
			heap.Push(&h, *c)
		} else {
			h[0] = *c
			heap.Fix(&h, 0)
		}
	}
	out := []cand(h)
	slices.SortFunc(out, func(x, y cand) int {
		if outranks(&x, &y) {
			return -1
		}
		return 1
	})
	return out
}

// outranks orders by score, ties to the lower slot (older video) so that
// rankings are deterministic.
func outranks(x, y *cand) bool {
	if x.score != y.score {
		return x.score > y.score
	}
	return x.v < y.v
}

// candHeap is a min-heap of the best candidates so far: its root is the
// one to drop when a better one comes.
type candHeap []cand

func (h candHeap) Len() int           { return len(h) }
func (h candHeap) Less(i, j int) bool { return outranks(&h[j], &h[i]) }
func (h candHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candHeap) Push(x any)        { *h = append(*h, x.(cand)) }
func (h *candHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// candidate turns a scored candidate into the public form.
func (e *Engine) candidate(c cand) Candidate {
	v := &e.videos[c.v]
	out := Candidate{VideoID: v.id, Score: float64(c.score), Reasons: e.reasons(c)}
	e.describe(&out, v)
	return out
}

func (e *Engine) describe(out *Candidate, v *video) {
	if v.creator >= 0 {
		out.AuthorID = e.creators[v.creator].id
	}
	for _, t := range v.tags {
		out.Hashtags = append(out.Hashtags, e.tags[t].name)
	}
}

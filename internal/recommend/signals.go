package recommend

import (
	"math"

	flick "github.com/flick-video/flick"
)

// Signal weights: what an event says about the viewer's taste for the
// video. Completion is the primary signal (a watch through scores 1, a
// rewatch up to 2); a quick flick-away or a skip says the opposite.
const (
	weightLike          = 1.5
	weightShare         = 2
	weightComment       = 1
	weightSkip          = -0.5
	weightNotInterested = -3
	// A view shorter than shortView of the video counts as a flick-away.
	shortView        = 0.25
	weightShortView  = -0.3
	completedRatio   = 0.9
	maxWatchRatio    = 2
	notInterestedCut = -2 // a history entry this negative is never shown again
)

// signal is the taste weight of a video event, and whether it completed
// the video (for the exploration bandit).
func signal(ev flick.Event, durationMS int64) (w float32, completed bool) {
	switch ev.Type {
	case flick.EventView:
		d := ev.DurationMS
		if d <= 0 {
			d = durationMS
		}
		if d <= 0 {
			return 0, false
		}
		r := float64(ev.WatchMS) / float64(d)
		if r < shortView {
			return weightShortView, false
		}
		return float32(math.Min(r, maxWatchRatio)), r >= completedRatio
	case flick.EventLike:
		return weightLike, false
	case flick.EventUnlike:
		return -weightLike, false
	case flick.EventShare:
		return weightShare, false
	case flick.EventComment:
		return weightComment, false
	case flick.EventSkip:
		return weightSkip, false
	case flick.EventNotInterested:
		return weightNotInterested, false
	}
	return 0, false
}

// Observe learns from one event; it reports false when the event names a
// video the engine does not know (the caller may add it and observe again).
func (e *Engine) Observe(ev flick.Event) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.observe(ev)
}

// ObserveBatch learns from events in order under one lock and returns the
// video IDs it did not know.
func (e *Engine) ObserveBatch(evs []flick.Event) (unknown []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range evs {
		if !e.observe(ev) {
			unknown = append(unknown, ev.VideoID)
		}
	}
	return unknown
}

func (e *Engine) observe(ev flick.Event) bool {
	t := ev.At.Unix()
	switch ev.Type {
	case flick.EventFollow, flick.EventUnfollow:
		if ev.AccountID != "" && ev.TargetID != "" {
			e.follow(e.viewerOf(ev.AccountID, t), e.creatorOf(ev.TargetID), ev.Type == flick.EventFollow)
		}
		return true
	case flick.EventReset:
		// In the log, so that a replay after a snapshot forgets at the
		// same point as the live engine did.
		e.forgetViewer(ev.AccountID)
		return true
	case flick.EventRemove:
		e.removeVideo(ev.VideoID)
		return true
	case flick.EventNotInterestedUndone:
		if vi, ok := e.videoIdx[ev.VideoID]; ok && ev.AccountID != "" {
			e.unlearnAversion(e.viewerOf(ev.AccountID, t), vi)
		}
		return true
	}
	vi, ok := e.videoIdx[ev.VideoID]
	if !ok {
		return ev.VideoID == ""
	}
	v := &e.videos[vi]
	// What the event does to what others see (popularity, exploration)
	// is scaled by its weight, decided when it was recorded; the viewer's
	// own history learns it whole.
	weight := float32(ev.Weight())
	if ev.Type == flick.EventImpression {
		// A discounted impression still counts whole toward the audience:
		// that can only lower the video's exploration bound.
		if ev.Counted() {
			v.audience++
		}
		return true
	}
	w, completed := signal(ev, v.duration)
	if ev.Type == flick.EventView && ev.Counted() {
		if completed {
			v.completion += weight
		}
		// Clients report an impression before a view; a view alone (an
		// embed, a replayed rating) still means one more viewer.
		if float32(v.audience) < v.completion {
			v.audience = int32(v.completion)
		}
	}
	if w == 0 {
		return true
	}
	if w > 0 && weight > 0 {
		e.engage(vi, w*weight, t)
	}
	if ev.AccountID != "" {
		// Co-engagement pairs, which every viewer's ranking reads, learn
		// from full-weight events only: a farm of new accounts pairing
		// its target with the most watched videos would otherwise reach
		// everyone who watched them.
		pw := w
		if weight < 1 {
			pw = 0
		}
		e.learnViewer(e.viewerOf(ev.AccountID, t), vi, w, pw, t, ev.Type == flick.EventView)
	}
	e.expireSome(t)
	return true
}

// unlearnAversion takes back what a "Not interested" on video vi taught
// the viewer's history and tastes (see learnViewer); the video's
// popularity and neighbours were never touched by it.
func (e *Engine) unlearnAversion(ui, vi int32) {
	u := &e.viewers[ui]
	v := &e.videos[vi]
	for _, tg := range v.tags {
		u.tags = addAffinity(u.tags, tg, -weightNotInterested, maxTagAffinities)
	}
	if v.creator >= 0 {
		u.creators = addAffinity(u.creators, v.creator, -weightNotInterested, maxCreatorAffinities)
	}
	if k := u.find(vi); k >= 0 {
		u.hist[k].w -= weightNotInterested
	}
}

// engage records positive engagement with video vi: its popularity and
// the trending and hashtag lists it may climb.
func (e *Engine) engage(vi int32, w float32, t int64) {
	dw, rescale := e.decay.weight(t)
	if rescale != 1 {
		for k := range e.videos {
			e.videos[k].pop *= rescale
		}
	}
	v := &e.videos[vi]
	v.engaged += w
	v.norm = float32(math.Pow(float64(max(v.engaged, 1)), -e.cfg.NormTo))
	v.pop += float64(w) * dw
	e.trending.update(vi, e.popOf)
	for _, tg := range v.tags {
		e.tags[tg].top.update(vi, e.popOf)
	}
}

func (e *Engine) popOf(i int32) float64 { return e.videos[i].pop }

// norm is the normalisation of a neighbour's weight by its target's
// engagement: with NormTo 0.5 and NormFrom 0.5 the ranking's score is a
// cosine similarity, which keeps popular videos from being everyone's
// neighbour.
func (e *Engine) norm(j int32) float32 { return e.videos[j].norm }

// learnViewer adds the signal w on video vi to the viewer's history and
// tastes, and pairs a new positive engagement with the viewer's latest
// ones: that is how co-engagement ("viewers who watched this also
// watched") is learned, weighted by closeness in the viewer's sequence.
// Pairs, which every viewer's ranking reads, take pw, the signal as
// weighed for others (0: none).
func (e *Engine) learnViewer(ui int32, vi int32, w, pw float32, t int64, view bool) {
	u := &e.viewers[ui]
	v := &e.videos[vi]
	for _, tg := range v.tags {
		u.tags = addAffinity(u.tags, tg, w, maxTagAffinities)
	}
	if v.creator >= 0 && w < 0 {
		u.creators = addAffinity(u.creators, v.creator, w, maxCreatorAffinities)
	}
	if k := u.find(vi); k >= 0 {
		wasPositive := u.hist[k].w > 0
		u.hist[k].w += w
		if view {
			u.moveToEnd(k)
		}
		if wasPositive || u.hist[k].w <= 0 {
			return
		}
	} else {
		u.hist = appendBounded(u.hist, histEntry{v: vi, w: w, at: t}, e.cfg.History)
	}
	if w <= 0 || pw <= 0 {
		return
	}
	// Pair with the PairWindow latest positive engagements before this one.
	d := 0
	for k := len(u.hist) - 2; k >= 0 && d < e.cfg.PairWindow; k-- {
		h := u.hist[k]
		if h.w <= 0 || !e.videos[h.v].alive {
			continue
		}
		dw := pw * float32(math.Exp(-e.cfg.PairDecay*float64(d)))
		e.videos[h.v].nb.add(vi, dw, e.nbCap)
		e.videos[vi].nb.add(h.v, dw, e.nbCap)
		d++
	}
}

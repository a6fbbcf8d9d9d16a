package recommend

import (
	"math"
	"slices"
	"time"
)

// maxFresh bounds the exploration pool; past it the oldest uploads leave
// first (they have had the longest chance already).
const maxFresh = 20_000

// isFresh says whether a video still needs exploration: it is young and
// has not yet had its fair first audience.
func (e *Engine) isFresh(v *video, now int64) bool {
	return v.alive && now-v.created < int64(e.cfg.FreshAge/time.Second) && int(v.audience) < e.cfg.FreshAudience
}

// pruneFresh drops videos that no longer need exploration from the pool.
func (e *Engine) pruneFresh() {
	now := e.now().Unix()
	e.fresh = slices.DeleteFunc(e.fresh, func(i int32) bool { return !e.isFresh(&e.videos[i], now) })
	if len(e.fresh) > maxFresh {
		e.fresh = append(e.fresh[:0], e.fresh[len(e.fresh)-maxFresh:]...)
	}
}

// exploreScore is an upper confidence bound on a fresh video's completion
// rate: a video nobody has seen scores highest, so every upload gets a
// first audience, and one that viewers watch through keeps its places
// while one they flick away from loses them.
func exploreScore(v *video) float64 {
	mean := (float64(v.completion) + 1) / (float64(v.audience) + 2)
	return mean + 1/math.Sqrt(float64(v.audience)+1)
}

// explore picks n fresh videos for the exploration places, best bound
// first (ties to the newest). The pool holds thousands of uploads and a
// page wants a few, so the best n are selected in one pass, newest first,
// and the filters, which cost a look-up, run only on videos that would
// make it. Unseen uploads have the highest bound there is, so once n of
// them are chosen nothing older can displace them and the pass stops.
func (e *Engine) explore(own int32, n int, exclude func(string) bool) []int32 {
	if n <= 0 {
		return nil
	}
	now := e.now().Unix()
	type pick struct {
		v     int32
		score float64
	}
	top := make([]pick, 0, n+1) // best first
	for k := len(e.fresh) - 1; k >= 0; k-- {
		if len(top) == n && top[n-1].score >= unseenScore {
			break
		}
		vi := e.fresh[k]
		v := &e.videos[vi]
		if !e.isFresh(v, now) || own >= 0 && v.creator == own {
			continue
		}
		// Older than everything chosen, so only a higher score gets in.
		p := pick{vi, exploreScore(v)}
		if len(top) == n && p.score <= top[n-1].score {
			continue
		}
		if exclude != nil && exclude(v.id) {
			continue
		}
		at := len(top)
		for at > 0 && p.score > top[at-1].score {
			at--
		}
		top = slices.Insert(top, at, p)
		if len(top) > n {
			top = top[:n]
		}
	}
	out := make([]int32, len(top))
	for k, p := range top {
		out[k] = p.v
	}
	return out
}

// unseenScore is exploreScore of a video nobody has been shown, the
// highest it gives.
var unseenScore = exploreScore(&video{})

// explorer is the public form of an exploration pick.
func (e *Engine) explorer(vi int32) Candidate {
	v := &e.videos[vi]
	c := Candidate{VideoID: v.id, Score: exploreScore(v), Explore: true, Reasons: []Reason{e.exploreReason(v)}}
	e.describe(&c, v)
	return c
}

// compact reclaims the slots of removed videos: every index held anywhere
// is remapped and references to removed videos are dropped, so the state of
// deleted videos does not accumulate.
func (e *Engine) compact() {
	remap := make([]int32, len(e.videos))
	live := make([]video, 0, len(e.videos)-e.dead)
	for i := range e.videos {
		if !e.videos[i].alive {
			remap[i] = -1
			continue
		}
		remap[i] = int32(len(live))
		live = append(live, e.videos[i])
	}
	keep := func(s []int32) []int32 {
		out := s[:0]
		for _, i := range s {
			if remap[i] >= 0 {
				out = append(out, remap[i])
			}
		}
		return out
	}
	for k := range live {
		v := &live[k]
		nb := v.nb[:0]
		for _, n := range v.nb {
			if remap[n.j] >= 0 {
				nb = append(nb, neighbour{remap[n.j], n.w})
			}
		}
		v.nb = nb
		e.videoIdx[v.id] = int32(k)
	}
	for k := range e.creators {
		e.creators[k].videos = keep(e.creators[k].videos)
	}
	for k := range e.tags {
		e.tags[k].top.items = keep(e.tags[k].top.items)
	}
	e.trending.items = keep(e.trending.items)
	e.fresh = keep(e.fresh)
	for k := range e.viewers {
		u := &e.viewers[k]
		hist := u.hist[:0]
		for _, h := range u.hist {
			if remap[h.v] >= 0 {
				h.v = remap[h.v]
				hist = append(hist, h)
			}
		}
		u.hist = hist
	}
	e.videos = live
	e.dead = 0
}

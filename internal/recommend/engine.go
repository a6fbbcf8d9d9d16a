package recommend

import (
	"math"
	"slices"
	"sync"
	"time"

	flick "github.com/flick-video/flick"
)

// VideoMeta is what the engine knows of a ready video.
type VideoMeta struct {
	ID         string
	AuthorID   string
	Hashtags   []string
	CreatedAt  time.Time
	DurationMS int64
}

// MetaOf takes the engine's part of a video.
func MetaOf(v *flick.Video) VideoMeta {
	return VideoMeta{ID: v.ID, AuthorID: v.AuthorID, Hashtags: v.Hashtags, CreatedAt: v.CreatedAt, DurationMS: v.DurationMS}
}

// Engine is one region's learned state, held in memory and updated event by
// event: co-engagement between videos, every viewer's recent history and
// tastes, decayed popularity, and the exploration pool of fresh uploads.
// Everything is indexed by dense int32 slots into slices, so that the
// state of a million videos is a few hundred bytes each plus 8 bytes a
// neighbour, with no per-pair maps. Observe takes the write lock for a few
// microseconds; Recommend ranks under the read lock.
type Engine struct {
	cfg   Config
	clock flick.Clock

	mu       sync.RWMutex
	videoIdx map[string]int32
	videos   []video
	dead     int // slots of removed videos, reclaimed by compact
	nbCap    int // the current share of NeighbourBudget per video

	creatorIdx map[string]int32
	creators   []creator
	tagIdx     map[string]int32
	tags       []tagState

	viewerIdx map[string]int32
	viewers   []viewer
	freeView  []int32
	sweepAt   int // next viewer slot the incremental expiry looks at

	decay    forwardDecay
	trending topList
	fresh    []int32 // exploration pool, oldest first

	// scratch holds idle accumulators. Not a sync.Pool: each holds an
	// index over the whole catalogue (4 MB at a million videos), which a
	// pool would drop at every garbage collection, to be allocated and
	// zeroed again by the next requests.
	scratch chan *accumulator
}

// idleAccumulators bounds the accumulators kept between requests: enough
// for the requests that rank at the same time on a small machine.
const idleAccumulators = 8

// video is one catalogue entry's learned state.
type video struct {
	id       string
	creator  int32
	tags     []int32
	created  int64 // unix seconds
	duration int64 // ms
	alive    bool

	engaged    float32 // total positive engagement weight (not decayed)
	norm       float32 // engaged^-NormTo, cached: ranking uses it per neighbour
	pop        float64 // forward-decayed positive engagement: trending
	audience   int32   // viewers shown it (impressions, or views without one)
	completion float32 // completions and rewatches, for the exploration bandit
	nb         neighbours
}

type creator struct {
	id     string
	videos []int32 // newest last, bounded by CreatorVideos
}

type tagState struct {
	name string
	top  topList // the tag's most popular videos
}

// NewEngine returns an empty engine; clock is "now" for ranking (the
// replayed event time in an offline evaluation).
func NewEngine(cfg Config, clock flick.Clock) *Engine {
	e := &Engine{
		cfg:        cfg,
		clock:      clock,
		videoIdx:   map[string]int32{},
		creatorIdx: map[string]int32{},
		tagIdx:     map[string]int32{},
		viewerIdx:  map[string]int32{},
		decay:      forwardDecay{tau: cfg.HalfLife.Seconds() / math.Ln2},
		trending:   topList{max: cfg.PopularVideos},
		scratch:    make(chan *accumulator, idleAccumulators),
	}
	return e
}

// AddVideo puts a ready video into the catalogue (idempotent: a known
// video's metadata is refreshed).
func (e *Engine) AddVideo(m VideoMeta) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addVideo(m)
}

// AddVideos is AddVideo for a batch under one lock.
func (e *Engine) AddVideos(ms []VideoMeta) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range ms {
		e.addVideo(m)
	}
}

// Refresh adds videos that turned ready and retires uploads that no
// longer need exploration.
func (e *Engine) Refresh(ms []VideoMeta) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range ms {
		e.addVideo(m)
	}
	e.pruneFresh()
}

func (e *Engine) addVideo(m VideoMeta) int32 {
	if i, ok := e.videoIdx[m.ID]; ok {
		e.videos[i].duration = m.DurationMS
		return i
	}
	i := int32(len(e.videos))
	v := video{id: m.ID, creator: -1, created: m.CreatedAt.Unix(), duration: m.DurationMS, alive: true, norm: 1}
	if m.AuthorID != "" {
		v.creator = e.creatorOf(m.AuthorID)
		c := &e.creators[v.creator]
		c.videos = appendBounded(c.videos, i, e.cfg.CreatorVideos)
	}
	for _, t := range m.Hashtags {
		v.tags = append(v.tags, e.tagOf(t))
	}
	e.videos = append(e.videos, v)
	e.videoIdx[m.ID] = i
	e.resizeNeighbours()
	if e.isFresh(&e.videos[i], e.now().Unix()) {
		e.fresh = append(e.fresh, i)
	}
	return i
}

// RemoveVideo drops a deleted or unavailable video's state. References to
// it elsewhere (neighbour lists, histories) are skipped and then reclaimed
// when enough slots are dead to be worth compacting.
func (e *Engine) RemoveVideo(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.removeVideo(id)
}

func (e *Engine) removeVideo(id string) {
	i, ok := e.videoIdx[id]
	if !ok {
		return
	}
	delete(e.videoIdx, id)
	v := &e.videos[i]
	e.trending.remove(i)
	for _, t := range v.tags {
		e.tags[t].top.remove(i)
	}
	if v.creator >= 0 {
		c := &e.creators[v.creator]
		c.videos = slices.DeleteFunc(c.videos, func(x int32) bool { return x == i })
	}
	e.fresh = slices.DeleteFunc(e.fresh, func(x int32) bool { return x == i })
	*v = video{creator: -1}
	e.dead++
	if e.dead >= 1024 && e.dead*4 >= len(e.videos) {
		e.compact()
	}
}

// Has reports whether the video is in the catalogue.
func (e *Engine) Has(id string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, ok := e.videoIdx[id]
	return ok
}

// resizeNeighbours recomputes each list's share of the budget; a list
// over a smaller share is trimmed the next time it grows.
func (e *Engine) resizeNeighbours() {
	e.nbCap = min(max(e.cfg.NeighbourBudget/max(len(e.videoIdx), 1), e.cfg.MinNeighbours), e.cfg.MaxNeighbours)
}

func (e *Engine) creatorOf(id string) int32 {
	if i, ok := e.creatorIdx[id]; ok {
		return i
	}
	i := int32(len(e.creators))
	e.creators = append(e.creators, creator{id: id})
	e.creatorIdx[id] = i
	return i
}

func (e *Engine) tagOf(name string) int32 {
	if i, ok := e.tagIdx[name]; ok {
		return i
	}
	i := int32(len(e.tags))
	e.tags = append(e.tags, tagState{name: name, top: topList{max: e.cfg.TagVideos}})
	e.tagIdx[name] = i
	return i
}

func (e *Engine) now() time.Time { return e.clock() }

// appendBounded appends x, dropping the oldest entries beyond max.
func appendBounded[T any](s []T, x T, max int) []T {
	if len(s) >= max {
		copy(s, s[len(s)-max+1:])
		s = s[:max-1]
	}
	return append(s, x)
}

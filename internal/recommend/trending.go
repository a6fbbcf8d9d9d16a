// Package recommend makes the feeds: For You, Following and the trending
// lists. For You is ranked live by the Engine, one region's recommender
// state held in memory and learned event by event from the event log by
// the Learner; Evaluate replays a ratings file through the same engine to
// measure it offline. Following and Trending read only the store.
package recommend

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	flick "github.com/flick-video/flick"
)

// Config tunes the feeds; DefaultConfig is a sensible start.
type Config struct {
	Window   time.Duration // how far back candidates go
	PoolSize int           // at most this many recent videos are candidates
	CacheTTL time.Duration // how long a scored candidate pool is reused
	HalfLife time.Duration // popularity halves with every HalfLife of a video's age

	FreshEvery int // every FreshEvery-th For You place goes to a fresh upload (0: none)
}

// DefaultConfig: a month of trending candidates, popularity halving every
// two days, and every fifth For You place for a fresh upload, so that new
// creators get a first audience.
func DefaultConfig() Config {
	return Config{
		Window:     30 * 24 * time.Hour,
		PoolSize:   2000,
		CacheTTL:   5 * time.Second,
		HalfLife:   48 * time.Hour,
		FreshEvery: 5,
	}
}

// VideoSource is the part of the store the candidate pool needs.
type VideoSource interface {
	RecentVideos(ctx context.Context, since time.Time, limit int) ([]*flick.Video, error)
}

// engagement weighs what people did with a video: sharing it says more
// than liking or commenting on it, which says more than watching it.
func engagement(c flick.Counts) float64 {
	return float64(c.Views) + 4*float64(c.Likes) + 6*float64(c.Comments) + 8*float64(c.Shares)
}

// scored is a candidate and its score at the pool's time.
type scored struct {
	v          *flick.Video
	engagement float64
	// popularity is engagement decayed by age. The +1 ranks videos nobody
	// has engaged with yet by recency instead of all at zero.
	popularity float64
}

// pool is the scored candidate pool at one time, shared read-only by every
// request until it expires. For You and Trending each keep their own.
type pool struct {
	at     time.Time
	ranked []scored // by popularity, best first
	tags   []flick.TagCount
}

// candidates keeps the scored pool for CacheTTL, so that a burst of
// requests costs one query.
type candidates struct {
	store VideoSource
	clock flick.Clock
	cfg   Config

	mu   sync.Mutex // held while refreshing, so one request refreshes and the rest wait
	pool *pool
}

// current returns the pool, refreshing it when it is older than CacheTTL.
func (c *candidates) current(ctx context.Context) (*pool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock()
	if c.pool != nil && now.Sub(c.pool.at) < c.cfg.CacheTTL && !now.Before(c.pool.at) {
		return c.pool, nil
	}
	videos, err := c.store.RecentVideos(ctx, now.Add(-c.cfg.Window), c.cfg.PoolSize)
	if err != nil {
		return nil, fmt.Errorf("recommend: candidate pool: %w", err)
	}
	c.pool = c.score(now, videos)
	return c.pool, nil
}

// Trending ranks a region's recent videos and hashtags by popularity with
// time decay, recomputed at most every CacheTTL.
type Trending struct {
	candidates
}

var _ flick.Trending = (*Trending)(nil)

// NewTrending returns the trending lists of the videos in store.
func NewTrending(store VideoSource, clock flick.Clock, cfg Config) *Trending {
	return &Trending{candidates{store: store, clock: clock, cfg: cfg}}
}

// TrendingVideos returns the most popular recent videos that someone has
// engaged with.
func (t *Trending) TrendingVideos(ctx context.Context, limit int) ([]*flick.Video, error) {
	p, err := t.current(ctx)
	if err != nil {
		return nil, err
	}
	limit = flick.Page{Limit: limit}.Normalize().Limit
	out := []*flick.Video{}
	for _, c := range p.ranked {
		if len(out) == limit {
			break
		}
		if c.engagement > 0 {
			v := *c.v // callers may fill in fields; the pool is shared
			out = append(out, &v)
		}
	}
	return out, nil
}

// TrendingHashtags returns the hashtags of recent videos, weighted by the
// decayed engagement of the videos that carry them, then by how many do.
func (t *Trending) TrendingHashtags(ctx context.Context, limit int) ([]flick.TagCount, error) {
	p, err := t.current(ctx)
	if err != nil {
		return nil, err
	}
	limit = flick.Page{Limit: limit}.Normalize().Limit
	return append([]flick.TagCount{}, p.tags[:min(limit, len(p.tags))]...), nil
}

func (c *candidates) score(now time.Time, videos []*flick.Video) *pool {
	p := &pool{at: now}
	tags := map[string]*flick.TagCount{}
	for _, v := range videos {
		if v.Status != flick.StatusReady {
			continue
		}
		age := max(now.Sub(v.CreatedAt), 0)
		decay := math.Exp2(-age.Hours() / c.cfg.HalfLife.Hours())
		e := engagement(v.Counts)
		sv := scored{v: v, engagement: e, popularity: (1 + e) * decay}
		p.ranked = append(p.ranked, sv)
		for _, tag := range v.Hashtags {
			tc := tags[tag]
			if tc == nil {
				tc = &flick.TagCount{Tag: tag}
				tags[tag] = tc
			}
			tc.Videos++
			tc.Score += e * decay
		}
	}
	sort.SliceStable(p.ranked, func(i, j int) bool { return better(p.ranked[i], p.ranked[j]) })
	for _, tc := range tags {
		p.tags = append(p.tags, *tc)
	}
	sort.Slice(p.tags, func(i, j int) bool {
		a, b := p.tags[i], p.tags[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Videos != b.Videos {
			return a.Videos > b.Videos
		}
		return a.Tag < b.Tag
	})
	return p
}

// better orders by popularity, ties newest first.
func better(a, b scored) bool {
	if a.popularity != b.popularity {
		return a.popularity > b.popularity
	}
	return a.v.ID > b.v.ID
}

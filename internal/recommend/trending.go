// Package recommend makes the feeds: For You, Following and the trending
// lists. For You is ranked live by the Engine, one region's recommender
// state held in memory and learned event by event from the event log by
// the Learner; Evaluate replays a ratings file through the same engine to
// measure it offline. Following and Trending read only the store.
// README.md draws the whole path, from the log to a page.
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

// VideoSource is the part of the store Trending needs.
type VideoSource interface {
	RecentVideos(ctx context.Context, since time.Time, limit int) ([]*flick.Video, error)
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
// request until it expires.
type pool struct {
	at     time.Time
	ranked []scored // by popularity, best first
	tags   []flick.TagCount
}

// Trending ranks the recent videos and hashtags of its store by popularity
// with time decay, from the store alone. The scored pool is kept for
// TrendingTTL, so that a burst of requests costs one query.
type Trending struct {
	store VideoSource
	clock flick.Clock
	cfg   Config

	mu   sync.Mutex // held while refreshing, so one request refreshes and the rest wait
	pool *pool
}

var _ flick.Trending = (*Trending)(nil)

// NewTrending returns the trending lists of the videos in store, tuned by
// cfg's HalfLife and Trending fields.
func NewTrending(store VideoSource, clock flick.Clock, cfg Config) *Trending {
	return &Trending{store: store, clock: clock, cfg: cfg}
}

// current returns the pool, refreshing it when it is older than
// TrendingTTL.
func (t *Trending) current(ctx context.Context) (*pool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock()
	if t.pool != nil && now.Sub(t.pool.at) < t.cfg.TrendingTTL && !now.Before(t.pool.at) {
		return t.pool, nil
	}
	videos, err := t.store.RecentVideos(ctx, now.Add(-t.cfg.TrendingWindow), t.cfg.TrendingPool)
	if err != nil {
		return nil, fmt.Errorf("recommend: candidate pool: %w", err)
	}
	t.pool = t.score(now, videos)
	return t.pool, nil
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

func (t *Trending) score(now time.Time, videos []*flick.Video) *pool {
	p := &pool{at: now}
	tags := map[string]*flick.TagCount{}
	for _, v := range videos {
		if v.Status != flick.StatusReady {
			continue
		}
		age := max(now.Sub(v.CreatedAt), 0)
		decay := math.Exp2(-age.Hours() / t.cfg.HalfLife.Hours())
		// What people did with it, less what new accounts and bursting
		// clients did beyond their weight (flick.Counts.Engagement).
		e := v.Counts.Engagement()
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

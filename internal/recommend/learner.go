package recommend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	flick "github.com/flick-video/flick"
)

// CatalogueStore is the part of the store the learner reads the catalogue
// from.
type CatalogueStore interface {
	RecentVideos(ctx context.Context, since time.Time, limit int) ([]*flick.Video, error)
	Videos(ctx context.Context, ids []string) ([]*flick.Video, error)
}

// LearnerConfig tunes how the learner keeps the catalogue current.
type LearnerConfig struct {
	// Catalogue is how far back the ready videos loaded at start go, and
	// CatalogueLimit how many at most.
	Catalogue      time.Duration
	CatalogueLimit int
	// Refresh is how often videos that turned ready recently are loaded,
	// so that an upload nobody has engaged with yet is explored;
	// RefreshWindow is how far back each refresh looks (longer than any
	// transcode, since a video is listed by its creation time).
	Refresh       time.Duration
	RefreshWindow time.Duration
}

// DefaultLearnerConfig: a year of videos, new ones picked up every 5 s.
func DefaultLearnerConfig() LearnerConfig {
	return LearnerConfig{
		Catalogue:      365 * 24 * time.Hour,
		CatalogueLimit: 2_000_000,
		Refresh:        5 * time.Second,
		RefreshWindow:  24 * time.Hour,
	}
}

const (
	learnBatch = 1000
	learnWait  = time.Second
)

// Learner feeds a region's event log into its engine, event by event as
// they are acknowledged, and keeps the engine's catalogue current. The
// catalogue is loaded from the store at start and refreshed every Refresh
// with the recently created ready videos; an event about a video the
// engine does not know yet makes the learner read that video at once, so
// no signal waits for a refresh. Deleted videos leave the engine when the
// feed's re-check finds them gone.
//
// The engine's state lives in memory: on start the learner replays the
// log from its beginning (the stream's retention bounds that work).
type Learner struct {
	engine *Engine
	log    flick.EventLog
	store  CatalogueStore
	clock  flick.Clock
	cfg    LearnerConfig
	logger *slog.Logger

	mu      sync.Mutex
	applied uint64
	changed chan struct{}
	stopped bool
}

// NewLearner returns a learner of log into engine; call Run to start it.
func NewLearner(engine *Engine, log flick.EventLog, store CatalogueStore, clock flick.Clock, cfg LearnerConfig, logger *slog.Logger) *Learner {
	return &Learner{engine: engine, log: log, store: store, clock: clock, cfg: cfg, logger: logger, changed: make(chan struct{})}
}

// Run learns until ctx is cancelled, retrying failures with backoff.
func (l *Learner) Run(ctx context.Context) error {
	defer l.stop()
	backoff := minRetry
	loaded := false
	var pos uint64
	for {
		var err error
		if !loaded {
			err = l.load(ctx)
			loaded = err == nil
		}
		if loaded {
			var progressed bool
			pos, progressed, err = l.learn(ctx, pos)
			if progressed {
				backoff = minRetry
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l.logger.Error("recommender learning failed; retrying", "in", backoff, "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(2*backoff, maxRetry)
	}
}

const (
	minRetry = 100 * time.Millisecond
	maxRetry = 30 * time.Second
)

// load puts the catalogue's ready videos into the engine, oldest first so
// that slot order follows upload order.
func (l *Learner) load(ctx context.Context) error {
	videos, err := l.store.RecentVideos(ctx, l.clock().Add(-l.cfg.Catalogue), l.cfg.CatalogueLimit)
	if err != nil {
		return fmt.Errorf("recommend: load catalogue: %w", err)
	}
	slices.Reverse(videos)
	l.engine.AddVideos(metas(videos))
	return nil
}

// learn reads and observes events after pos until an error, refreshing
// the catalogue every Refresh.
func (l *Learner) learn(ctx context.Context, pos uint64) (uint64, bool, error) {
	progressed := false
	next := l.clock().Add(l.cfg.Refresh)
	for {
		if now := l.clock(); !now.Before(next) {
			videos, err := l.store.RecentVideos(ctx, now.Add(-l.cfg.RefreshWindow), l.cfg.CatalogueLimit)
			if err != nil {
				return pos, progressed, fmt.Errorf("recommend: refresh catalogue: %w", err)
			}
			slices.Reverse(videos)
			l.engine.Refresh(metas(videos))
			next = now.Add(l.cfg.Refresh)
		}
		evs, err := l.log.Read(ctx, pos, learnBatch, min(learnWait, l.cfg.Refresh))
		if err != nil {
			return pos, progressed, fmt.Errorf("recommend: read events after %d: %w", pos, err)
		}
		if len(evs) == 0 {
			continue
		}
		if err := l.observe(ctx, evs); err != nil {
			return pos, progressed, err
		}
		pos, progressed = evs[len(evs)-1].Seq, true
		l.advance(pos)
	}
}

// observe learns from a batch, first reading any video it names that the
// engine does not know (uploaded since the last refresh).
func (l *Learner) observe(ctx context.Context, evs []flick.SequencedEvent) error {
	plain := make([]flick.Event, len(evs))
	var unknown []string
	for k, se := range evs {
		plain[k] = se.Event
		if se.VideoID != "" && !slices.Contains(unknown, se.VideoID) && !l.engine.Has(se.VideoID) {
			unknown = append(unknown, se.VideoID)
		}
	}
	if len(unknown) > 0 {
		videos, err := l.store.Videos(ctx, unknown)
		if err != nil {
			return fmt.Errorf("recommend: read videos of new events: %w", err)
		}
		l.engine.AddVideos(metas(videos))
	}
	l.engine.ObserveBatch(plain) // events of deleted videos are dropped
	return nil
}

func metas(videos []*flick.Video) []VideoMeta {
	out := make([]VideoMeta, 0, len(videos))
	for _, v := range videos {
		if v.Status == flick.StatusReady {
			out = append(out, MetaOf(v))
		}
	}
	return out
}

// ErrLearnerStopped is returned by WaitFor once Run has returned.
var ErrLearnerStopped = errors.New("recommend: learner stopped")

// WaitFor blocks until every event up to seq has been learned: a client
// (or a benchmark of freshness) can then see its effect on the next feed.
func (l *Learner) WaitFor(ctx context.Context, seq uint64) error {
	for {
		l.mu.Lock()
		applied, changed, stopped := l.applied, l.changed, l.stopped
		l.mu.Unlock()
		switch {
		case applied >= seq:
			return nil
		case stopped:
			return ErrLearnerStopped
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("recommend: waiting for event %d to be learned: %w", seq, ctx.Err())
		}
	}
}

func (l *Learner) advance(pos uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.applied = pos
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *Learner) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
	close(l.changed)
	l.changed = make(chan struct{})
}

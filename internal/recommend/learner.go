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

// snapshotsKept: the newest snapshot and the one before it, in case the
// newest turns out unreadable.
const snapshotsKept = 2

const (
	learnBatch = 1000
	learnWait  = time.Second
)

// Learner feeds a region's event log into its engine, event by event as
// they are acknowledged, and keeps the engine's catalogue current. The
// catalogue is loaded from the store at start and refreshed every Refresh
// with the recently created ready videos; an event about a video the
// engine does not know yet makes the learner read that video at once, so
// no signal waits for a refresh. A deleted video leaves the engine with
// its remove event, or else when For You's re-check finds it gone.
//
// The engine's state lives in memory and, when the learner has a snapshot
// directory, in snapshots saved every SnapshotEvery while events arrive
// and when Run returns: on start the learner loads the newest usable one
// and replays the log after it (all of it without a snapshot; the
// stream's retention bounds that work).
type Learner struct {
	engine *Engine
	log    flick.EventLog
	store  CatalogueStore
	clock  flick.Clock
	logger *slog.Logger
	snaps  SnapshotDir // Dir "" keeps no snapshots

	// saved is the sequence of the latest snapshot, and savedAt when it
	// was written; only Run's goroutine touches them.
	saved   uint64
	savedAt time.Time

	// state is held while the engine's state and the log position it
	// covers change together (loading, learning a batch) and while a
	// snapshot is saved, so that forgetting an account, from another
	// goroutine, saves a state with its true position and no snapshot
	// saved before it survives it. loaded says that Run has loaded the
	// state.
	state  sync.Mutex
	loaded bool

	mu      sync.Mutex
	started bool // Run has been called
	applied uint64
	changed chan struct{}
	stopped bool
}

// NewLearner returns a learner of log into engine, tuned by the engine's
// Config; call Run to start it. snapshots is the region's directory for
// the engine's snapshots ("" keeps none: every start replays the log).
func NewLearner(engine *Engine, log flick.EventLog, store CatalogueStore, clock flick.Clock, snapshots string, logger *slog.Logger) *Learner {
	return &Learner{engine: engine, log: log, store: store, clock: clock, logger: logger, changed: make(chan struct{}),
		snaps: SnapshotDir{Dir: snapshots, Keep: snapshotsKept, Logger: logger}}
}

// Engine is the engine the learner feeds.
func (l *Learner) Engine() *Engine { return l.engine }

// Run learns until ctx is cancelled, retrying failures with backoff, and
// then saves a snapshot.
func (l *Learner) Run(ctx context.Context) error {
	l.mu.Lock()
	l.started = true
	l.mu.Unlock()
	defer l.stop()
	backoff := minRetry
	loaded := false
	var pos uint64
	for {
		var err error
		if !loaded {
			pos, err = l.load(ctx)
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
			if loaded {
				// Shutting down: the state learned so far is saved, so
				// that the next start replays nothing of it.
				l.snapshot(context.WithoutCancel(ctx), pos)
			}
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

// load restores the newest usable snapshot, if any, then puts the
// catalogue's ready videos into the engine, oldest first so that slot
// order follows upload order. It returns the log position to learn after.
func (l *Learner) load(ctx context.Context) (uint64, error) {
	l.state.Lock()
	defer l.state.Unlock()
	var pos uint64
	if l.snaps.Dir != "" {
		last, err := l.log.LastSeq(ctx)
		if err != nil {
			return 0, fmt.Errorf("recommend: load: %w", err)
		}
		start := time.Now()
		if pos, err = l.snaps.Load(ctx, l.engine, last); err != nil {
			return 0, err
		}
		if pos > 0 {
			l.logger.Info("recommender state restored from a snapshot", "seq", pos, "log_last_seq", last,
				"seconds", time.Since(start).Seconds())
		}
		l.saved, l.savedAt = pos, l.clock()
	}
	videos, err := l.store.RecentVideos(ctx, l.clock().Add(-l.engine.cfg.Catalogue), l.engine.cfg.CatalogueLimit)
	if err != nil {
		return 0, fmt.Errorf("recommend: load catalogue: %w", err)
	}
	slices.Reverse(videos)
	l.engine.AddVideos(metas(videos))
	l.loaded = true
	l.advance(pos)
	return pos, nil
}

// snapshot saves the engine's state at pos when snapshots are on and
// something was learned since the last one. A failure is logged: the
// previous snapshot and the log still rebuild the state.
func (l *Learner) snapshot(ctx context.Context, pos uint64) {
	if l.snaps.Dir == "" || pos <= l.saved {
		return
	}
	l.state.Lock()
	defer l.state.Unlock()
	start := time.Now()
	if err := l.snaps.Save(ctx, l.engine, pos); err != nil {
		l.logger.Error("saving the recommender snapshot failed", "seq", pos, "err", err)
		return
	}
	l.saved, l.savedAt = pos, l.clock()
	l.logger.Info("recommender snapshot saved", "seq", pos, "seconds", time.Since(start).Seconds())
}

// learn reads and observes events after pos until an error, refreshing
// the catalogue every Refresh.
func (l *Learner) learn(ctx context.Context, pos uint64) (uint64, bool, error) {
	cfg := l.engine.cfg
	progressed := false
	next := l.clock().Add(cfg.Refresh)
	for {
		if now := l.clock(); !now.Before(next) {
			videos, err := l.store.RecentVideos(ctx, now.Add(-cfg.RefreshWindow), cfg.CatalogueLimit)
			if err != nil {
				return pos, progressed, fmt.Errorf("recommend: refresh catalogue: %w", err)
			}
			slices.Reverse(videos)
			l.engine.Refresh(metas(videos))
			next = now.Add(cfg.Refresh)
		}
		evs, err := l.log.Read(ctx, pos, learnBatch, min(learnWait, cfg.Refresh))
		if err != nil {
			return pos, progressed, fmt.Errorf("recommend: read events after %d: %w", pos, err)
		}
		if len(evs) == 0 {
			continue
		}
		l.state.Lock()
		err = l.observe(ctx, evs)
		if err == nil {
			pos, progressed = evs[len(evs)-1].Seq, true
			l.advance(pos)
		}
		l.state.Unlock()
		if err != nil {
			return pos, progressed, err
		}
		if l.clock().Sub(l.savedAt) >= cfg.SnapshotEvery {
			l.snapshot(ctx, pos)
		}
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

// isStarted reports whether Run has been called.
func (l *Learner) isStarted() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started
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

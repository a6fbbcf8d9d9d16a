package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	flick "github.com/flick-video/flick"
)

// projection is the name under which the store records how far the
// counters and watch history have consumed the log.
const projection = "counters"

// Projector batching: a batch is what one Read returns, so under load the
// store sees few large transactions and when idle each event is applied
// as soon as it arrives.
const (
	projectBatch = 1000
	projectWait  = 5 * time.Second
	minBackoff   = 100 * time.Millisecond
	maxBackoff   = 30 * time.Second
)

// ErrProjectorStopped is returned by WaitFor once Run has returned.
var ErrProjectorStopped = errors.New("events: projector stopped")

// Projector folds the event log into what a Projection keeps: the store's
// counters (views, likes, comments, shares) and watch history
// (NewProjector), or the inboxes of internal/notify. The projection records
// the log position in the same transaction as the batch it applies, so a
// crash anywhere loses nothing (Run resumes from the recorded position) and
// counts nothing twice (a replayed batch is at or below that position and
// ignored).
type Projector struct {
	log    flick.EventLog
	proj   Projection
	logger *slog.Logger

	mu      sync.Mutex
	applied uint64
	changed chan struct{} // closed and replaced whenever applied advances
	stopped bool

	lag prometheus.Gauge
}

// Projection is what a Projector folds the log into.
type Projection interface {
	// Position is how far the log has been applied (0: not at all).
	Position(ctx context.Context) (uint64, error)
	// Apply applies evs, the events after Position, and records the last
	// one's position with them; events at or below the recorded position
	// change nothing.
	Apply(ctx context.Context, evs []flick.SequencedEvent) error
}

// NewProjector returns a projector of log into store's counters and watch
// history; call Run to start it. reg (nil: not exported) gets the lag
// gauge; a process with several regions wraps it with a region label
// (prometheus.WrapRegistererWith).
func NewProjector(log flick.EventLog, store flick.ProjectionStore, logger *slog.Logger, reg prometheus.Registerer) *Projector {
	return NewConsumer(log, counters{store}, prometheus.GaugeOpts{
		Name: "flick_projection_lag_events",
		Help: "Events in the log not yet applied to the counters and watch history.",
	}, logger, reg)
}

// NewConsumer returns a projector of log into proj, whose lag is the gauge
// lag registered on reg (nil: not exported).
func NewConsumer(log flick.EventLog, proj Projection, lag prometheus.GaugeOpts, logger *slog.Logger, reg prometheus.Registerer) *Projector {
	gauge, err := register(reg, prometheus.NewGauge(lag))
	if err != nil {
		// Metrics are not worth refusing to count views over.
		logger.Warn("lag gauge not exported", "gauge", lag.Name, "err", err)
	}
	return &Projector{log: log, proj: proj, logger: logger, changed: make(chan struct{}), lag: gauge}
}

// counters is the projection of the log into a store's counters and
// watch history.
type counters struct{ store flick.ProjectionStore }

func (c counters) Position(ctx context.Context) (uint64, error) {
	return c.store.ProjectionPosition(ctx, projection)
}

func (c counters) Apply(ctx context.Context, evs []flick.SequencedEvent) error {
	return c.store.ApplyProjection(ctx, projection, evs[len(evs)-1].Seq, Fold(evs))
}

// Run projects until ctx is cancelled, retrying a failing log or store
// with backoff. It reads the recorded position at the start and again after
// every failure: a failed ApplyProjection may have committed (its reply was
// lost), and the same events read again in other batch boundaries would
// straddle the recorded position and count the part below it twice.
func (p *Projector) Run(ctx context.Context) error {
	defer p.stop()
	backoff := minBackoff
	for {
		progressed, err := p.project(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if progressed {
			backoff = minBackoff
		}
		p.logger.Error("projecting events failed; retrying", "in", backoff, "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// project applies batches from the recorded position on until one fails,
// and says whether it applied any.
func (p *Projector) project(ctx context.Context) (progressed bool, err error) {
	pos, err := p.proj.Position(ctx)
	if err != nil {
		return false, fmt.Errorf("events: read projection position: %w", err)
	}
	p.advance(pos)
	for {
		next, err := p.step(ctx, pos)
		p.updateLag(ctx, next)
		if err != nil {
			return progressed, err
		}
		progressed = progressed || next > pos
		pos = next
		p.advance(pos)
	}
}

// step reads the events after pos, applies them and returns the new position.
func (p *Projector) step(ctx context.Context, pos uint64) (uint64, error) {
	evs, err := p.log.Read(ctx, pos, projectBatch, projectWait)
	if err != nil || len(evs) == 0 {
		return pos, err
	}
	last := evs[len(evs)-1].Seq
	if err := p.proj.Apply(ctx, evs); err != nil {
		return pos, fmt.Errorf("events: apply events %d..%d: %w", evs[0].Seq, last, err)
	}
	return last, nil
}

// Fold turns a run of events into what it changes: counter deltas per
// video and one watch per (viewer, video), merged as the store merges
// them (longest watch, completed if any was, latest time). Every view of a
// signed-in viewer is a watch; only counted events (not repeats) move the
// counters, and what a discounted event falls short of a full one is
// added to the video's Discounted engagement, which Trending subtracts.
func Fold(evs []flick.SequencedEvent) flick.ProjectionBatch {
	b := flick.ProjectionBatch{Counts: map[string]flick.Counts{}}
	type key struct{ account, video string }
	watchIdx := map[key]int{}
	for _, e := range evs {
		if e.VideoID == "" || e.Moved {
			continue // moved events were counted in the region they came from
		}
		if e.Type == flick.EventRemove {
			b.Removed = append(b.Removed, e.VideoID)
			continue
		}
		if e.Type == flick.EventView && e.AccountID != "" {
			w := flick.Watch{AccountID: e.AccountID, VideoID: e.VideoID, WatchMS: e.WatchMS, Completed: e.WatchedThrough(), At: e.At}
			k := key{e.AccountID, e.VideoID}
			if i, ok := watchIdx[k]; ok {
				prev := &b.Watches[i]
				prev.WatchMS = max(prev.WatchMS, w.WatchMS)
				prev.Completed = prev.Completed || w.Completed
				if w.At.After(prev.At) {
					prev.At = w.At
				}
			} else {
				watchIdx[k] = len(b.Watches)
				b.Watches = append(b.Watches, w)
			}
		}
		if !e.Counted() {
			continue // the viewer's history has it; public counters do not
		}
		c := b.Counts[e.VideoID]
		switch e.Type {
		case flick.EventView:
			c.Views++
		case flick.EventLike:
			c.Likes++
		case flick.EventUnlike:
			c.Likes--
		case flick.EventComment:
			c.Comments++
		case flick.EventUncomment:
			c.Comments--
		case flick.EventShare:
			c.Shares++
		default:
			continue // impressions, skips and follows change no counter
		}
		c.Discounted += (1 - e.Weight()) * flick.EngagementWeight(e.Type)
		b.Counts[e.VideoID] = c
	}
	return b
}

// WaitFor blocks until every event up to seq has been applied, ctx ends or
// the projector stops.
func (p *Projector) WaitFor(ctx context.Context, seq uint64) error {
	for {
		p.mu.Lock()
		applied, changed, stopped := p.applied, p.changed, p.stopped
		p.mu.Unlock()
		switch {
		case applied >= seq:
			return nil
		case stopped:
			return ErrProjectorStopped
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("events: waiting for event %d to be applied: %w", seq, ctx.Err())
		}
	}
}

// Applied is the position up to which the log has been applied.
func (p *Projector) Applied() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applied
}

// updateLag asks the log for its end after every batch (and every idle
// wait or failure), so a stuck projector shows as a growing lag.
func (p *Projector) updateLag(ctx context.Context, pos uint64) {
	last, err := p.log.LastSeq(ctx)
	if err != nil {
		return
	}
	p.lag.Set(float64(last - min(pos, last)))
}

func (p *Projector) advance(pos uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pos <= p.applied {
		return
	}
	p.applied = pos
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Projector) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	close(p.changed)
	p.changed = make(chan struct{})
}

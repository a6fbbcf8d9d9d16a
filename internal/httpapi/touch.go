package httpapi

import (
	"context"
	"fmt"
	"sync"
	"time"
)

const (
	// touchEvery is how stale a session's recorded last use may get before a
	// request records a new one: often enough for the sessions list, rarely
	// enough that most requests do not even take the touches lock.
	touchEvery = time.Minute
	// flushEvery is how often recorded uses are written to the store. Any
	// write by SQLite's single writer makes every read connection drop its
	// page cache, so a touch per request would slow the hot feed reads; one
	// batch every flushEvery costs one such drop. A crash loses at most the
	// last flushEvery of touches, which only leaves "last seen" that stale.
	flushEvery = 10 * time.Second
	// maxTouches bounds the sessions waiting for a flush; uses beyond it are
	// dropped until the next flush, as the record is only informative.
	maxTouches = 100_000
)

// touches holds the sessions used since the last flush: session ID → the
// latest time it was used.
type touches struct {
	limit int
	mu    sync.Mutex
	seen  map[string]time.Time
}

func newTouches(limit int) *touches {
	return &touches{limit: limit, seen: map[string]time.Time{}}
}

// record notes that session id was used at.
func (t *touches) record(id string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	prev, ok := t.seen[id]
	if !ok && len(t.seen) >= t.limit {
		return
	}
	if at.After(prev) {
		t.seen[id] = at
	}
}

// take empties the set and returns what it held.
func (t *touches) take() map[string]time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := t.seen
	t.seen = make(map[string]time.Time, len(seen))
	return seen
}

// Run writes recorded session uses to the store every flushEvery, and once
// more when ctx ends (after the HTTP server has stopped, so that the last
// requests are counted). A failed periodic flush is logged and its touches
// dropped rather than stopping the server; only the final flush's error is
// returned.
func (s *Server) Run(ctx context.Context) error {
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := s.flushTouches(ctx); err != nil {
				s.Logger.WarnContext(ctx, "flush session touches", "err", err)
			}
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return s.flushTouches(final)
		}
	}
}

// flushTouches writes the recorded session uses in one transaction.
func (s *Server) flushTouches(ctx context.Context) error {
	seen := s.touches.take()
	if len(seen) == 0 {
		return nil
	}
	if err := s.Store.TouchSessions(ctx, seen); err != nil {
		return fmt.Errorf("touch %d sessions: %w", len(seen), err)
	}
	return nil
}

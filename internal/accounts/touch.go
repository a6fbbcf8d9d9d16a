package accounts

import (
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

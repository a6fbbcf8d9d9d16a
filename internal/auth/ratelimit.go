package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter rate-limits login attempts per key (a client IP, a handle). Every
// key has a token bucket; memory stays bounded because buckets idle long
// enough to be full again are forgotten (a new bucket is the same as a full
// one) and, past maxKeys, arbitrary buckets are dropped.
type Limiter struct {
	limit   rate.Limit
	burst   int
	maxKeys int
	idle    time.Duration // time for an empty bucket to fill up again

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

// NewLimiter allows perMinute attempts a minute per key with bursts of burst,
// remembering at most maxKeys keys.
func NewLimiter(perMinute float64, burst, maxKeys int) *Limiter {
	limit := rate.Limit(perMinute / 60)
	return &Limiter{
		limit:   limit,
		burst:   burst,
		maxKeys: max(maxKeys, 1),
		idle:    time.Duration(float64(burst) / float64(limit) * float64(time.Second)),
		buckets: make(map[string]*bucket),
	}
}

// Allow takes one attempt from the bucket of every key at now. It either
// takes from all of them or from none, and when refused says how long to
// wait before the next attempt can succeed.
func (l *Limiter) Allow(now time.Time, keys ...string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	reservations := make([]*rate.Reservation, 0, len(keys))
	ok = true
	for _, k := range keys {
		b := l.buckets[k]
		if b == nil {
			b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
			l.buckets[k] = b
		}
		b.lastSeen = now
		r := b.lim.ReserveN(now, 1)
		reservations = append(reservations, r)
		if d := r.DelayFrom(now); !r.OK() || d > 0 {
			ok = false
			retryAfter = max(retryAfter, d)
		}
	}
	if !ok {
		for _, r := range reservations {
			r.CancelAt(now)
		}
	}
	return ok, retryAfter
}

// sweep forgets idle buckets once per idle period, and arbitrary ones when
// there are too many keys (an attacker rotating through IPs).
func (l *Limiter) sweep(now time.Time) {
	if len(l.buckets) < l.maxKeys && now.Sub(l.lastSweep) < l.idle {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if now.Sub(b.lastSeen) >= l.idle {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.maxKeys {
			break
		}
		delete(l.buckets, k)
	}
}

// Len is the number of keys remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

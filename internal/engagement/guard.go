package engagement

import (
	"container/list"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"hash"
	"strconv"
	"sync"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/auth"
)

// The defences against fake engagement (README.md, "What counts"). Fake
// engagement is cheap to send, so it must be cheap to ignore: every event
// is recorded, and the guard decides once, as it is recorded, how much it
// counts toward what others see (flick.Event.Discount).
const (
	// NewAccountAge: an account younger than this counts at
	// flick.LowWeight in Trending, popularity and exploration.
	NewAccountAge = 24 * time.Hour
	// ViewersPerClient is how many viewers' events, signed in or
	// anonymous, count per client address, video, type and day: a
	// household or an office is counted, cleared cookies are not.
	ViewersPerClient = 20
	// BatchesPerMinute bounds the event batches, shares and comments of
	// one account; ClientBatchesPerMinute the batches and shares of one
	// client address, which may be several people behind one router.
	BatchesPerMinute       = 30
	ClientBatchesPerMinute = 120
	// BurstCompletions: a client address or account that reports more
	// completed views than this in one minute is bursting, and its events
	// count at flick.LowWeight for BurstFor.
	BurstCompletions = 100
	BurstFor         = time.Hour
	// firstBatchWatch is the watch time a viewer's first batch may report
	// (the first one since the server started, or since the viewer was
	// forgotten); later batches may report the wall-clock time since the
	// previous one, plus watchSlack for a view that began before it.
	firstBatchWatch = time.Hour
	watchSlack      = time.Minute
)

// Bounds of the guard's memory: each entry is a 16-byte keyed hash and a
// small value, about 150 bytes with the bookkeeping, so the guard holds
// at most about 100 MB. Past a bound the least recently used entries go:
// a viewer forgotten may be counted once more, never less.
const (
	maxCounted  = 1 << 19 // (viewer, video, type, day) already counted
	maxQuotas   = 1 << 17 // (client, video, type, day): viewers counted
	maxViewers  = 1 << 17 // viewer: when its last batch came
	maxBursters = 1 << 14 // client or account: completions this minute
)

// key is a keyed hash of an identity (token, address, account) and what
// it did: the guard never holds an address or a token itself, and the
// hash key is random per process, so a key cannot be traced back to an
// address by hashing them all.
type key [16]byte

// guard is the state of the defences, in memory. A restart forgets it:
// signed-in viewers' views are then checked against their watch history
// in the store; anonymous viewers may be counted once more that day.
type guard struct {
	off bool // Service.TurnOffDefences

	clients, accounts *auth.Limiter

	mu       sync.Mutex
	mac      hash.Hash // HMAC-SHA-256 under a random per-process key; used under mu
	buf      []byte    // key's input, reused under mu
	counted  *lru[struct{}]
	quotas   *lru[int]
	viewers  *lru[time.Time]
	bursters *lru[burst]
}

type burst struct {
	minute      int64 // unix minute the count is of
	completions int
	until       time.Time // bursting until then
}

func newGuard() *guard {
	g := &guard{
		clients:  auth.NewLimiter(ClientBatchesPerMinute, ClientBatchesPerMinute, maxQuotas),
		accounts: auth.NewLimiter(BatchesPerMinute, BatchesPerMinute, maxQuotas),
		counted:  newLRU[struct{}](maxCounted),
		quotas:   newLRU[int](maxQuotas),
		viewers:  newLRU[time.Time](maxViewers),
		bursters: newLRU[burst](maxBursters),
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		panic("engagement: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	g.mac = hmac.New(sha256.New, secret[:])
	return g
}

// key hashes parts with the guard's MAC; the caller holds g.mu.
func (g *guard) key(parts ...string) key {
	g.buf = g.buf[:0]
	for _, p := range parts {
		g.buf = append(append(g.buf, p...), 0)
	}
	g.mac.Reset()
	g.mac.Write(g.buf)
	var sum [sha256.Size]byte
	var k key
	copy(k[:], g.mac.Sum(sum[:0]))
	return k
}

// admit takes one batch (or share, or comment) from the viewer's
// account's and client's rates, or says how long to wait. A call that
// knows no client address (a comment) is limited by its account only.
func (g *guard) admit(now time.Time, v flick.Viewer) error {
	if g.off {
		return nil
	}
	if v.AccountID != "" {
		if ok, wait := g.accounts.Allow(now, v.AccountID); !ok {
			return rateLimited(wait)
		}
	}
	if v.Client.Addr != "" {
		if ok, wait := g.clients.Allow(now, v.Client.Addr); !ok {
			return rateLimited(wait)
		}
	}
	return nil
}

func rateLimited(wait time.Duration) error {
	return &flick.Error{Code: flick.ERATELIMIT, Message: "Too many at once; try again in a minute.",
		RetryAfter: max(wait, time.Second)}
}

// viewer is what the guard knows of who reports a batch.
type viewer struct {
	flick.Viewer
	young bool // a signed-in account younger than NewAccountAge
	// watchedToday: the signed-in viewer's videos whose last watch in the
	// store is from today.
	watchedToday map[string]bool
}

// id names the viewer for the counted set: the account, else the
// anonymous token; a client that keeps no token is a new viewer each time.
func (v *viewer) id() (string, bool) {
	switch {
	case v.AccountID != "":
		return "a:" + v.AccountID, true
	case v.Token != "":
		return "t:" + v.Token, true
	}
	return "", false
}

// judge clips the batch's watch time to what the wall clock allows since
// the viewer's previous batch and sets each event's Discount.
func (g *guard) judge(now time.Time, v *viewer, events []flick.Event) {
	if g.off {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.clip(now, v, events)
	completions := 0
	for _, e := range events {
		if e.Type == flick.EventView && e.WatchedThrough() {
			completions++
		}
	}
	bursting := g.burst(now, v, completions)
	for k := range events {
		events[k].Discount = g.discount(now, v, &events[k], bursting)
	}
}

// clip cuts watch times, in the batch's order, to the budget: the time
// since the viewer's previous batch.
func (g *guard) clip(now time.Time, v *viewer, events []flick.Event) {
	budget := firstBatchWatch
	if id, ok := v.id(); ok {
		k := g.key("watch", id)
		if last, ok := g.viewers.get(k); ok {
			budget = min(max(now.Sub(last), 0), firstBatchWatch)
		}
		g.viewers.put(k, now)
	}
	left := (budget + watchSlack).Milliseconds()
	for k := range events {
		e := &events[k]
		e.WatchMS = min(e.WatchMS, left)
		left -= e.WatchMS
	}
}

// burst adds the batch's completions to the client's and the account's
// count of this minute and says whether either is bursting.
func (g *guard) burst(now time.Time, v *viewer, completions int) bool {
	ids := []string{"c:" + v.Client.Addr}
	if v.AccountID != "" {
		ids = append(ids, "a:"+v.AccountID)
	}
	minute := now.Unix() / 60
	bursting := false
	for _, id := range ids {
		k := g.key("burst", id)
		b, _ := g.bursters.get(k)
		if b.minute != minute {
			b.minute, b.completions = minute, 0
		}
		b.completions += completions
		if b.completions > BurstCompletions {
			b.until = now.Add(BurstFor)
		}
		bursting = bursting || now.Before(b.until)
		g.bursters.put(k, b)
	}
	return bursting
}

// discount decides how much one event counts: a repeat of what this
// viewer had counted today, or past the client's quota of viewers for the
// video, counts not at all; a bursting client's or a new account's counts
// at flick.LowWeight.
func (g *guard) discount(now time.Time, v *viewer, e *flick.Event, bursting bool) flick.Discount {
	day := strconv.FormatInt(now.Unix()/86400, 10)
	typ := string(e.Type)
	if e.Type == flick.EventView && v.watchedToday[e.VideoID] {
		return flick.DiscountRepeat
	}
	id, known := v.id()
	var counted key
	if known {
		if counted = g.key("counted", id, e.VideoID, typ, day); g.counted.has(counted) {
			return flick.DiscountRepeat
		}
	}
	quota, perClient := g.key("quota", v.Client.Addr, e.VideoID, typ, day), ViewersPerClient
	if e.Type == flick.EventShare && v.AccountID == "" {
		// Anonymous shares: once per client.
		quota, perClient = g.key("anonymous share", v.Client.Addr, e.VideoID, day), 1
	}
	n, _ := g.quotas.get(quota)
	if n >= perClient {
		return flick.DiscountRepeat
	}
	g.quotas.put(quota, n+1)
	if known {
		g.counted.put(counted, struct{}{})
	}
	switch {
	case bursting:
		return flick.DiscountBurst
	case v.young:
		return flick.DiscountNewAccount
	}
	return ""
}

// lru is a bounded map that forgets the least recently used entries.
type lru[V any] struct {
	max   int
	order *list.List // of *entry[V], most recent first
	items map[key]*list.Element
}

type entry[V any] struct {
	k key
	v V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, order: list.New(), items: map[key]*list.Element{}}
}

func (l *lru[V]) get(k key) (V, bool) {
	el, ok := l.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	l.order.MoveToFront(el)
	return el.Value.(*entry[V]).v, true
}

func (l *lru[V]) has(k key) bool {
	_, ok := l.get(k)
	return ok
}

func (l *lru[V]) put(k key, v V) {
	if el, ok := l.items[k]; ok {
		el.Value.(*entry[V]).v = v
		l.order.MoveToFront(el)
		return
	}
	l.items[k] = l.order.PushFront(&entry[V]{k, v})
	if l.order.Len() > l.max {
		last := l.order.Back()
		l.order.Remove(last)
		delete(l.items, last.Value.(*entry[V]).k)
	}
}

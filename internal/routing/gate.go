package routing

import (
	"context"
	"sync"
	"time"

	"github.com/flick-video/flick"
)

// drainTimeout bounds how long closing an account waits for the calls
// under way on it.
const drainTimeout = 30 * time.Second

// gate counts, per account, the routed calls under way on its home region,
// and closes an account to new ones: while it is frozen for a move or
// being erased. Closing waits for the calls under way to end, so that no
// write which found the account open lands after the mover copied it or
// the erasure removed it.
type gate struct {
	mu       sync.Mutex
	left     sync.Cond // broadcast when an account's last call ends
	inflight map[string]int
	frozen   map[string]bool // being moved: new calls get EUNAVAILABLE
	erasing  map[string]bool // being erased: gone for everyone
}

func newGate() *gate {
	g := &gate{inflight: map[string]int{}, frozen: map[string]bool{}, erasing: map[string]bool{}}
	g.left.L = &g.mu
	return g
}

// check returns the error a new call on account id gets, if it is closed.
// g.mu must be held.
func (g *gate) check(id string) error {
	if g.erasing[id] {
		return flick.Errorf(flick.ENOTFOUND, "Account not found.")
	}
	if g.frozen[id] {
		return flick.Errorf(flick.EUNAVAILABLE, "This account is being moved to another region; try again in a moment.")
	}
	return nil
}

// open reports whether account id takes new calls, without entering.
func (g *gate) open(id string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.check(id)
}

// enter starts a call on account id, unless it is closed; leave ends it.
func (g *gate) enter(id string) (leave func(), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.check(id); err != nil {
		return nil, err
	}
	g.inflight[id]++
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.inflight[id]--; g.inflight[id] == 0 {
			delete(g.inflight, id)
			g.left.Broadcast()
		}
	}, nil
}

// close marks account id in set (g.frozen or g.erasing) and waits, at most
// drainTimeout or until ctx ends, for the calls under way on it to end;
// reopen unmarks it. If they do not end, close leaves set as it found it
// and returns EUNAVAILABLE.
func (g *gate) close(ctx context.Context, set map[string]bool, id string) (reopen func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.left.Broadcast()
	})
	defer stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	was := set[id]
	set[id] = true
	for g.inflight[id] > 0 && ctx.Err() == nil {
		g.left.Wait()
	}
	if g.inflight[id] > 0 {
		if !was {
			delete(set, id)
		}
		return nil, flick.Errorf(flick.EUNAVAILABLE, "The account is busy; try again in a moment.")
	}
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		delete(set, id)
	}, nil
}

// Claims are the accounts the jobs of one kind in this process are working
// on (moves, erasures), so that two such jobs never work on one account at
// once. The zero value is ready to use.
type Claims struct {
	mu  sync.Mutex
	ids map[string]bool
}

// Claim marks id as taken; false if it is already.
func (c *Claims) Claim(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids[id] {
		return false
	}
	if c.ids == nil {
		c.ids = map[string]bool{}
	}
	c.ids[id] = true
	return true
}

// Release gives id back.
func (c *Claims) Release(id string) {
	c.mu.Lock()
	delete(c.ids, id)
	c.mu.Unlock()
}

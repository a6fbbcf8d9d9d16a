package auth

import (
	"sync"
	"time"
)

// Guard limits password guessing (OWASP ASVS 2.2.1) without handing a
// stranger a way to lock the owner out (ASVS 2.2.1 asks for both). Three
// limits, each on what the attacker controls:
//
//   - Per client, across all accounts: a token bucket (strict, the
//     Limiter's rate). It bounds what one network address can try, and only
//     that address is refused.
//   - Per client and account: a client's own failures on an account. After
//     ownFree failures each attempt waits a delay that doubles with every
//     further failure, up to maxDelay.
//   - Per account, from every client: only slows. Once the account has
//     collected accountFree failures, a client that has itself failed on it
//     waits a delay that doubles every accountStep further failures, up to
//     maxDelay. A client in good standing (no failure of its own on the
//     account, or trusted: signed in to it, or a device that signed in to
//     it before) is never refused by the account's count, so the right
//     password from the owner's device always goes through, however many
//     strangers guess.
//
// Failures are forgotten window after the last one; a success forgets the
// client's own failures on the account.
type Guard struct {
	clients *Limiter
	maxKeys int

	mu        sync.Mutex
	failures  map[string]*failures
	lastSweep time.Time
}

type failures struct {
	n    int
	last time.Time
}

// The Guard's constants. They are not settings: the client rate is (the
// Limiter's), and these only shape how guessing slows down.
const (
	ownFree     = 5                // a client's failures on one account before it waits
	accountFree = 100              // an account's failures before failing clients wait on its count
	accountStep = 20               // account failures per doubling of that wait
	baseDelay   = time.Second      // the first wait
	maxDelay    = 10 * time.Minute // no wait is longer: slowed, never blocked
	window      = time.Hour        // failures are forgotten this long after the last one
)

// Attempt is one password check: Client names who is trying (a network
// address, or a device the account knows, which then has limits of its own
// apart from strangers sharing its address), Account whose password is
// tried (a handle, so that unknown handles are limited alike), and Trusted
// says that the client is signed in to the account (a password asked again
// before a sensitive change) or is a device that signed in to it before,
// which puts it in good standing.
type Attempt struct {
	Client  string
	Account string
	Trusted bool
}

// NewGuard limits each client to perMinute attempts a minute with bursts of
// burst, remembering at most maxKeys clients and as many failure records.
func NewGuard(perMinute float64, burst, maxKeys int) *Guard {
	return &Guard{
		clients:  NewLimiter(perMinute, burst, maxKeys),
		maxKeys:  max(maxKeys, 1),
		failures: make(map[string]*failures),
	}
}

// Allow says whether the attempt may check a password at now, and when not,
// how long to wait. An allowed attempt takes one from the client's bucket;
// a refused one takes nothing.
func (g *Guard) Allow(now time.Time, a Attempt) (ok bool, retryAfter time.Duration) {
	g.mu.Lock()
	wait := g.wait(now, a)
	g.mu.Unlock()
	if wait > 0 {
		return false, wait
	}
	return g.clients.Allow(now, "client:"+a.Client)
}

// wait is how long the attempt must still wait for its failures to age.
func (g *Guard) wait(now time.Time, a Attempt) time.Duration {
	own := g.live(now, ownKey(a))
	if own == nil {
		return 0 // good standing
	}
	d := doubling(own.n-ownFree, 1)
	if acct := g.live(now, accountKey(a)); acct != nil && !a.Trusted {
		d = max(d, doubling(acct.n-accountFree, accountStep))
	}
	return own.last.Add(d).Sub(now)
}

// doubling is baseDelay doubled every step beyond the first of over, 0 when
// over is negative, at most maxDelay.
func doubling(over, step int) time.Duration {
	if over < 0 {
		return 0
	}
	d := baseDelay
	for i := over / step; i > 0 && d < maxDelay; i-- {
		d *= 2
	}
	return min(d, maxDelay)
}

// Failed records a wrong password for the attempt's client and account.
func (g *Guard) Failed(now time.Time, a Attempt) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweep(now)
	for _, k := range []string{ownKey(a), accountKey(a)} {
		f := g.live(now, k)
		if f == nil {
			f = &failures{}
			g.failures[k] = f
		}
		f.n++
		f.last = now
	}
}

// Succeeded forgets the client's own failures on the account; the
// account's count stays, since the other clients' failures still happened.
func (g *Guard) Succeeded(a Attempt) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.failures, ownKey(a))
}

// live returns the failures under k unless they are forgotten by now.
func (g *Guard) live(now time.Time, k string) *failures {
	f := g.failures[k]
	if f == nil || now.Sub(f.last) >= window {
		return nil
	}
	return f
}

// sweep forgets aged records once a minute, and arbitrary ones past
// maxKeys (an attacker rotating addresses), leaving room for the two
// records Failed adds: memory stays bounded.
func (g *Guard) sweep(now time.Time) {
	const room = 2
	if len(g.failures)+room <= g.maxKeys && now.Sub(g.lastSweep) < time.Minute {
		return
	}
	g.lastSweep = now
	for k, f := range g.failures {
		if now.Sub(f.last) >= window {
			delete(g.failures, k)
		}
	}
	for k := range g.failures {
		if len(g.failures)+room <= g.maxKeys {
			break
		}
		delete(g.failures, k)
	}
}

// Len is the number of clients and failure records remembered.
func (g *Guard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.failures) + g.clients.Len()
}

func ownKey(a Attempt) string     { return "own:" + a.Client + "\x00" + a.Account }
func accountKey(a Attempt) string { return "account:" + a.Account }

package auth

import (
	"fmt"
	"testing"
	"time"
)

// TestGuardOwnerNotLockedOut is defect 10: a stranger's wrong guesses
// never refuse the right password from another client, and the stranger
// is slowed down more and more.
func TestGuardOwnerNotLockedOut(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := NewGuard(10, 10, 1000)
	attacker := Attempt{Client: "203.0.113.1", Account: "ann"}
	owner := Attempt{Client: "198.51.100.7", Account: "ann"}
	tried := 0
	for i := range 600 { // one guess every 6 s for an hour
		at := now.Add(time.Duration(i) * 6 * time.Second)
		if ok, _ := g.Allow(at, attacker); ok {
			tried++
			g.Failed(at, attacker)
		}
		if i%50 == 49 {
			if ok, retry := g.Allow(at, owner); !ok {
				t.Fatalf("after %d of the attacker's guesses the owner is refused (retry %v)", tried, retry)
			}
		}
	}
	// 5 free guesses, then delays 1 s, 2 s, ... up to 10 minutes.
	if tried > 20 {
		t.Errorf("the attacker tried %d passwords in an hour, want at most 20", tried)
	}
	t.Logf("one client guessing every 6 s for an hour got %d tries", tried)
}

func TestGuardManyClients(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := NewGuard(10, 10, 100_000)
	// 300 addresses each fail on ann: the account's count is far past
	// accountFree.
	for i := range 300 {
		a := Attempt{Client: fmt.Sprint("bot", i), Account: "ann"}
		if ok, _ := g.Allow(now, a); !ok {
			t.Fatalf("bot %d refused its first guess", i)
		}
		g.Failed(now, a)
	}
	t.Run("a client that failed waits on the account's count", func(t *testing.T) {
		ok, retry := g.Allow(now.Add(time.Minute), Attempt{Client: "bot1", Account: "ann"})
		if ok || retry < time.Minute {
			t.Fatalf("bot1 again: ok=%v retry=%v, want refused for minutes", ok, retry)
		}
		// Slowed, not blocked: the wait ends.
		if ok, _ := g.Allow(now.Add(maxDelay), Attempt{Client: "bot1", Account: "ann"}); !ok {
			t.Fatal("still refused after the longest delay")
		}
	})
	t.Run("a fresh client is in good standing", func(t *testing.T) {
		if ok, _ := g.Allow(now, Attempt{Client: "owner", Account: "ann"}); !ok {
			t.Fatal("refused")
		}
	})
	t.Run("a signed-in client that mistyped is not held by the account's count", func(t *testing.T) {
		me := Attempt{Client: "owner-phone", Account: "ann", Trusted: true}
		g.Failed(now, me)
		if ok, retry := g.Allow(now.Add(time.Second), me); !ok {
			t.Fatalf("refused, retry %v", retry)
		}
	})
	t.Run("another account is untouched", func(t *testing.T) {
		if ok, _ := g.Allow(now, Attempt{Client: "bot2", Account: "bob"}); !ok {
			t.Fatal("refused")
		}
	})
}

func TestGuardClientLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := NewGuard(10, 10, 1000)
	// Spraying one guess each at many accounts from one address: the
	// per-client bucket stops it at the burst.
	for i := range 10 {
		a := Attempt{Client: "203.0.113.1", Account: fmt.Sprint("user", i)}
		if ok, _ := g.Allow(now, a); !ok {
			t.Fatalf("attempt %d refused", i)
		}
		g.Failed(now, a)
	}
	ok, retry := g.Allow(now, Attempt{Client: "203.0.113.1", Account: "user99"})
	if ok || retry <= 0 || retry > 6*time.Second {
		t.Fatalf("11th attempt: ok=%v retry=%v, want refused for about 6 s", ok, retry)
	}
	t.Run("success forgets the client's own failures", func(t *testing.T) {
		a := Attempt{Client: "192.0.2.5", Account: "cat"}
		for range ownFree {
			g.Failed(now, a)
		}
		if ok, _ := g.Allow(now, a); ok {
			t.Fatal("allowed right after 5 failures")
		}
		g.Succeeded(a)
		if ok, _ := g.Allow(now, a); !ok {
			t.Fatal("refused after a success")
		}
	})
	t.Run("failures are forgotten after the window", func(t *testing.T) {
		a := Attempt{Client: "192.0.2.6", Account: "dan"}
		for range 20 {
			g.Failed(now, a)
		}
		if ok, _ := g.Allow(now.Add(window), a); !ok {
			t.Fatal("refused after the window")
		}
	})
	t.Run("bounded memory", func(t *testing.T) {
		small := NewGuard(10, 10, 100)
		for i := range 10000 {
			small.Failed(now, Attempt{Client: fmt.Sprint(i), Account: fmt.Sprint("acct", i%300)})
		}
		if n := small.Len(); n > 100 {
			t.Fatalf("%d records remembered, want at most 100", n)
		}
	})
}

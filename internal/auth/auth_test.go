package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(OWASPParams(), 2)
	enc, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("encoding %q does not carry the OWASP parameters", enc)
	}
	enc2, _ := h.Hash(ctx, "correct horse battery staple")
	if enc == enc2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, tc := range []struct {
		name, password string
		want           bool
	}{
		{"right", "correct horse battery staple", true},
		{"wrong", "correct horse battery stapler", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := h.Verify(ctx, enc, tc.password)
			if err != nil || ok != tc.want {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
	if err := h.VerifyDummy(ctx, "anything"); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	h := NewHasher(Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1)
	for _, enc := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$short",
	} {
		t.Run(enc, func(t *testing.T) {
			if ok, err := h.Verify(context.Background(), enc, "x"); err == nil || ok {
				t.Fatalf("Verify(%q) = %v, %v; want an error", enc, ok, err)
			}
		})
	}
}

func TestHashHonoursCancellation(t *testing.T) {
	h := NewHasher(Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1)
	h.sem <- struct{}{} // every slot busy
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "whatever password"); err == nil {
		t.Fatal("Hash with a cancelled context and no free slot succeeded")
	}
}

func TestPolicy(t *testing.T) {
	p := NewPolicy()
	if n := len(p.common); n < 3000 {
		t.Fatalf("only %d common passwords loaded", n)
	}
	for _, tc := range []struct {
		name, password, code string
	}{
		{"ok", "violet tractor umbrella", ""},
		{"eight", "q9!vR2#m", ""},
		{"128", strings.Repeat("ab", 64), ""},
		{"no composition rules", "alllowercaseletters", ""},
		{"too short", "Ab3$xyz", flick.EUNPROCESSABLE},
		{"short in bytes but long in runes", "ééééééé", flick.EUNPROCESSABLE},
		{"too long", strings.Repeat("x", 129), flick.EUNPROCESSABLE},
		{"common", "password", flick.EUNPROCESSABLE},
		{"common any case", "PassWord1", flick.EUNPROCESSABLE},
		{"common digits", "12345678", flick.EUNPROCESSABLE},
		{"common deep in the list", "bismillah", flick.EUNPROCESSABLE},
		{"invalid utf-8", "abc\xffdefgh", flick.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := flick.ErrorCode(p.Validate(tc.password)); got != tc.code {
				t.Fatalf("Validate(%q) code = %q, want %q", tc.password, got, tc.code)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if !WellFormedToken(tok) || seen[tok] {
			t.Fatalf("token %q malformed or repeated", tok)
		}
		seen[tok] = true
		if len(HashToken(tok)) != 32 {
			t.Fatal("HashToken is not SHA-256")
		}
	}
	for _, bad := range []string{"", "short", strings.Repeat("A", 42) + "=", strings.Repeat("A", 44), strings.Repeat("A", 42) + "/"} {
		if WellFormedToken(bad) {
			t.Fatalf("WellFormedToken(%q) = true", bad)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(10, 10, 1000)
	for i := range 10 {
		if ok, _ := l.Allow(now, "ip:1", "handle:ann"); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	ok, retry := l.Allow(now, "ip:1", "handle:ann")
	if ok || retry <= 0 || retry > 6*time.Second {
		t.Fatalf("11th attempt: ok=%v retry=%v; want refused with a retry of about 6s", ok, retry)
	}
	t.Run("other handle from the same IP is refused too", func(t *testing.T) {
		if ok, _ := l.Allow(now, "ip:1", "handle:bob"); ok {
			t.Fatal("allowed")
		}
	})
	t.Run("a refusal takes nothing from the other key", func(t *testing.T) {
		for i := range 10 {
			if ok, _ := l.Allow(now, "ip:2", "handle:bob"); !ok {
				t.Fatalf("attempt %d for bob from another IP refused", i+1)
			}
		}
	})
	t.Run("refills over time", func(t *testing.T) {
		if ok, _ := l.Allow(now.Add(7*time.Second), "ip:1", "handle:ann"); !ok {
			t.Fatal("refused after waiting")
		}
	})
	t.Run("idle keys are forgotten", func(t *testing.T) {
		l.Allow(now.Add(2*time.Minute), "ip:3")
		if n := l.Len(); n != 1 {
			t.Fatalf("%d keys remembered after everything idled, want 1", n)
		}
	})
	t.Run("bounded memory", func(t *testing.T) {
		small := NewLimiter(10, 10, 100)
		for i := range 10000 {
			small.Allow(now, "ip:"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String())
		}
		if n := small.Len(); n > 100 {
			t.Fatalf("%d keys remembered, want at most 100", n)
		}
	})
}

package httpapi

import (
	"context"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/auth"
)

// TestSessionTouch checks that a request only notes its session's use, and
// that a flush, or the end of Run, writes it.
func TestSessionTouch(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	ctx := context.Background()
	stale := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	session := func(t *testing.T) (token string, hash []byte) {
		token, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		hash = auth.HashToken(token)
		if err := f.store.CreateSession(ctx, &flick.Session{AccountID: ann.ID, TokenHash: hash,
			CreatedAt: stale, LastSeenAt: stale, ExpiresAt: stale.Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		return token, hash
	}
	lastSeen := func(t *testing.T, hash []byte) time.Time {
		s, err := f.store.SessionByTokenHash(ctx, hash, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return s.LastSeenAt
	}
	for _, tc := range []struct {
		name  string
		flush func(t *testing.T)
	}{
		{"flush", func(t *testing.T) {
			if err := f.node.Accounts.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{"end of Run", func(t *testing.T) {
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- f.node.Accounts.Run(runCtx) }()
			stop()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, hash := session(t)
			before := time.Now().Truncate(time.Millisecond)
			f.must(200, "GET", "/api/v1/me", nil, bearer(token))
			if got := lastSeen(t, hash); !got.Equal(stale) {
				t.Fatalf("request wrote LastSeenAt = %v itself", got)
			}
			tc.flush(t)
			if got := lastSeen(t, hash); got.Before(before) {
				t.Fatalf("after %s LastSeenAt = %v, want at least %v", tc.name, got, before)
			}
		})
	}
}

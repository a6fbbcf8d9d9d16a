// Package nodetest starts a node for a test: real regions on the embedded
// default (SQLite, a media directory, an embedded event log) in a
// temporary directory, with every pipeline and job running, stopped and
// closed when the test ends. It is the one world of the tests above the
// region's own packages.
package nodetest

import (
	"context"
	"log/slog"
	"testing"

	"github.com/flick-video/flick/internal/auth"
	"github.com/flick-video/flick/internal/node"
)

// PasswordParams keep argon2id cheap in tests; internal/auth tests the
// OWASP parameters themselves.
var PasswordParams = auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1}

// Open opens a node with cfg, closed when the test ends. A zero Data is a
// new temporary directory, zero password costs are PasswordParams, and a
// nil Logger discards.
func Open(t testing.TB, cfg node.Config) *node.Node {
	t.Helper()
	if cfg.Data == "" {
		cfg.Data = t.TempDir()
	}
	if cfg.Accounts.PasswordParams == (auth.Params{}) {
		cfg.Accounts.PasswordParams = PasswordParams
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	n, err := node.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("close the node: %v", err)
		}
	})
	return n
}

// Start opens a node with cfg, as Open does, and starts it.
func Start(t testing.TB, cfg node.Config) *node.Node {
	t.Helper()
	n := Open(t, cfg)
	Run(t, n)
	return n
}

// Run starts an open node's pipelines and jobs, stopped when the test ends
// (before the node is closed).
func Run(t testing.TB, n *node.Node) {
	t.Helper()
	workers, err := n.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(workers.Stop)
}

// CaughtUp waits until every region's projector, recommender and
// notifications have applied the region's whole log.
func CaughtUp(t testing.TB, n *node.Node) {
	t.Helper()
	ctx := context.Background()
	for _, c := range n.Router.Cells() {
		seq, err := c.Events.LastSeq(ctx)
		if err == nil {
			err = c.Projector.WaitFor(ctx, seq)
		}
		if err == nil {
			err = c.Learner.WaitFor(ctx, seq)
		}
		if err == nil {
			err = n.Inboxes[c.Region].WaitFor(ctx, seq)
		}
		if err != nil {
			t.Fatalf("region %s: %v", c.Region, err)
		}
	}
}

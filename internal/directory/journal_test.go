package directory

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

func TestJournal(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "directory.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { d.Close() }()
	id := flick.NewID(time.Now())
	if err := d.Register(ctx, id, "jo", "us"); err != nil {
		t.Fatal(err)
	}
	mv := &Move{ID: flick.NewID(time.Now()), AccountID: id, From: "us", To: "eu", Actor: "system:test", Reason: "test",
		Started: time.Now().UTC(), Media: []string{"avatars/" + id + ".jpg"}}
	if err := d.BeginMove(ctx, mv); err != nil {
		t.Fatal(err)
	}
	if err := d.BeginMove(ctx, &Move{ID: flick.NewID(time.Now()), AccountID: id, From: "us", To: "eu", Started: time.Now()}); flick.ErrorCode(err) != flick.ECONFLICT {
		t.Errorf("second begin = %v, want ECONFLICT", err)
	}

	// A switch from a region that is not the account's home changes
	// nothing: neither the home nor the phase.
	wrong := *mv
	wrong.From, wrong.Receipt = "eu", &flick.MoveReceipt{MoveID: mv.ID}
	if err := d.SwitchMove(ctx, &wrong); err == nil {
		t.Error("switch from the wrong region succeeded")
	}
	if phase, err := d.MovePhase(ctx, mv); err != nil || phase != PhaseCopying {
		t.Errorf("phase after a failed switch = %q, %v", phase, err)
	}

	mv.Receipt = &flick.MoveReceipt{MoveID: mv.ID, DataHash: "abc", Events: 3}
	if err := d.SwitchMove(ctx, mv); err != nil {
		t.Fatal(err)
	}
	// The switch is in the file, not only in the cache.
	d.Close()
	if d, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	if region, err := d.Region(ctx, id); err != nil || region != "eu" {
		t.Errorf("home after the switch = %q, %v", region, err)
	}
	moves, err := d.PendingMoves(ctx)
	if err != nil || len(moves) != 1 {
		t.Fatalf("pending = %+v, %v", moves, err)
	}
	got := moves[0]
	if got.ID != mv.ID || got.Phase != PhaseSwitched || !slices.Equal(got.Media, mv.Media) || got.Receipt == nil ||
		got.Receipt.DataHash != "abc" || !got.Started.Equal(mv.Started) || got.Actor != "system:test" {
		t.Errorf("pending move = %+v", got)
	}
	if err := d.SetMovePhase(ctx, got, PhaseErased); err != nil {
		t.Fatal(err)
	}
	if err := d.EndMove(ctx, got); err != nil {
		t.Fatal(err)
	}
	if moves, err := d.PendingMoves(ctx); err != nil || len(moves) != 0 {
		t.Errorf("pending after the end = %+v, %v", moves, err)
	}
}

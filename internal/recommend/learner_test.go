package recommend

import (
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	flick "github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/events"
)

// TestLearner runs the learner on a real event log and store: the
// catalogue is loaded at start, a video uploaded later is learned from its
// first event, and a viewer's views move their ranking.
func TestLearner(t *testing.T) {
	w := newWorld(t)
	logger := slog.New(slog.DiscardHandler)
	log, err := events.OpenEmbedded(w.ctx, t.TempDir(), flick.DefaultRegion, logger, nil)
	w.must(err)
	t.Cleanup(func() { log.Close() })
	engine := NewEngine(DefaultConfig(), w.clock)
	l := NewLearner(engine, log, w.store, w.clock, "", logger)
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error)
	go func() { done <- l.Run(ctx) }()
	defer func() { cancel(); <-done }()

	late := w.video("late", w.bob, 0, "#cats", flick.Counts{})
	x, y := w.account("xena"), w.account("yves")
	var evs []flick.Event
	for _, name := range []string{"cats1", "cats2"} {
		for _, viewer := range []string{x, y} {
			evs = append(evs, flick.Event{Type: flick.EventView, AccountID: viewer, VideoID: w.ids[name], WatchMS: 10_000, DurationMS: 10_000, At: w.now})
		}
	}
	evs = append(evs, flick.Event{Type: flick.EventView, AccountID: x, VideoID: late, WatchMS: 10_000, DurationMS: 10_000, At: w.now},
		flick.Event{Type: flick.EventView, AccountID: w.viewer, VideoID: w.ids["cats1"], WatchMS: 10_000, DurationMS: 10_000, At: w.now})
	seq, err := log.Append(w.ctx, evs)
	w.must(err)
	wctx, wcancel := context.WithTimeout(w.ctx, 10*time.Second)
	defer wcancel()
	w.must(l.WaitFor(wctx, seq))
	if !engine.Has(w.ids["dogs1"]) || !engine.Has(late) {
		t.Fatal("the catalogue or the late upload is missing from the engine")
	}
	got := engine.Recommend(Request{ViewerID: w.viewer, N: 1})
	if len(got) != 1 || got[0].VideoID != w.ids["cats2"] {
		t.Fatalf("after the viewer watched cats1 the top is %+v, want cats2", got)
	}
}

// TestLearnerRestartFromSnapshot: a learner that stops saves a snapshot; a
// new one loads it and replays only the events after it, and ranks exactly
// like a learner that replayed the whole log.
func TestLearnerRestartFromSnapshot(t *testing.T) {
	w := newWorld(t)
	logger := slog.New(slog.DiscardHandler)
	log, err := events.OpenEmbedded(w.ctx, t.TempDir(), flick.DefaultRegion, logger, nil)
	w.must(err)
	t.Cleanup(func() { log.Close() })
	snapshots := filepath.Join(t.TempDir(), "recommend")
	viewers := []string{w.viewer, w.alice, w.bob, w.carol}
	views := func(names ...string) {
		var evs []flick.Event
		for i, name := range names {
			evs = append(evs, flick.Event{Type: flick.EventView, AccountID: viewers[i%len(viewers)], VideoID: w.ids[name],
				WatchMS: 10_000, DurationMS: 10_000, At: w.now})
		}
		_, err := log.Append(w.ctx, evs)
		w.must(err)
	}

	views("cats1", "cats2", "dogs1", "a0", "a1")
	_, stop := w.learn(log, snapshots)
	stop()
	saved, err := filepath.Glob(filepath.Join(snapshots, "snapshot-*.bin"))
	if err != nil || len(saved) != 1 {
		t.Fatalf("after a graceful stop the snapshots are %v, want one", saved)
	}
	views("dogs2", "a2", "cats1", "a3")
	restored, stop := w.learn(log, snapshots)
	defer stop()
	replayed, stopFull := w.learn(log, "")
	defer stopFull()
	for _, v := range viewers {
		got := restored.Recommend(Request{ViewerID: v, N: 20})
		want := replayed.Recommend(Request{ViewerID: v, N: 20})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("for %s the restored learner ranks %+v, a full replay %+v", v, got, want)
		}
	}
}

// learn starts a learner on a new engine reading log (with snapshots in dir,
// none when ""), waits until it has learned the whole log and returns the
// engine and a function that stops the learner.
func (w *world) learn(log flick.EventLog, dir string) (*Engine, func()) {
	engine := NewEngine(DefaultConfig(), w.clock)
	l := NewLearner(engine, log, w.store, w.clock, dir, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error)
	go func() { done <- l.Run(ctx) }()
	last, err := log.LastSeq(w.ctx)
	w.must(err)
	wctx, wcancel := context.WithTimeout(w.ctx, 10*time.Second)
	defer wcancel()
	w.must(l.WaitFor(wctx, last))
	return engine, func() { cancel(); <-done }
}

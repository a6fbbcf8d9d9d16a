package recommend

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	flick "github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/events"
)

// filesNaming walks dir and returns the files whose bytes contain id.
func filesNaming(t *testing.T, dir, id string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(id)) {
			out = append(out, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// startLearner runs a learner of log on a new engine, with snapshots in
// dir, until the test ends or stop is called, and waits until it has
// learned the whole log.
func (w *world) startLearner(log flick.EventLog, dir string) (l *Learner, stop func()) {
	w.t.Helper()
	l = NewLearner(NewEngine(DefaultConfig(), w.clock), log, w.store, w.clock, dir, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error)
	go func() { done <- l.Run(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	w.t.Cleanup(stop)
	w.waitLearned(l, log)
	return l, stop
}

func (w *world) waitLearned(l *Learner, log flick.EventLog) {
	w.t.Helper()
	last, err := log.LastSeq(w.ctx)
	w.must(err)
	ctx, cancel := context.WithTimeout(w.ctx, 10*time.Second)
	defer cancel()
	w.must(l.WaitFor(ctx, last))
}

// forgetWorld is the world with a viewer and a creator who leave, and an
// event log with what they did and what others did about them.
type forgetWorld struct {
	*world
	log          *events.Log
	snapshots    string
	gone, leaver string // a viewer who deletes their account; a creator who does
	leaverVideos []string
	others       []string // viewers whose rankings must survive
	catFans      []string
	dogFans      []string
	label        map[string]string // account ID -> name, for messages
}

func newForgetWorld(t *testing.T) *forgetWorld {
	w := &forgetWorld{world: newWorld(t), snapshots: filepath.Join(t.TempDir(), "recommend")}
	logger := slog.New(slog.DiscardHandler)
	log, err := events.OpenEmbedded(w.ctx, t.TempDir(), flick.DefaultRegion, logger, nil)
	w.must(err)
	t.Cleanup(func() { log.Close() })
	w.log = log
	w.gone, w.leaver = w.account("gone"), w.account("leaver")
	w.label = map[string]string{w.gone: "gone", w.leaver: "leaver", w.alice: "alice", w.bob: "bob", w.carol: "carol", w.viewer: "viewer"}
	// Older than the world's other creators' videos, so that the leaver's
	// creator slot comes before theirs and forgetting it renumbers them.
	w.leaverVideos = []string{w.video("leaver1", w.leaver, 10*24*time.Hour, "#cats", flick.Counts{}),
		w.video("leaver2", w.leaver, 10*24*time.Hour, "#dogs", flick.Counts{})}
	w.ids["leaver1"], w.ids["leaver2"] = w.leaverVideos[0], w.leaverVideos[1]
	w.others = []string{w.viewer, w.alice, w.bob, w.carol}
	w.catFans = []string{w.account("catfanx"), w.account("catfany")}
	w.dogFans = []string{w.account("dogfanx"), w.account("dogfany")}
	return w
}

func (w *forgetWorld) view(viewer, name string) flick.Event {
	return flick.Event{Type: flick.EventView, AccountID: viewer, VideoID: w.ids[name], WatchMS: 10_000, DurationMS: 10_000, At: w.now}
}

func (w *forgetWorld) follow(viewer, creator string) flick.Event {
	return flick.Event{Type: flick.EventFollow, AccountID: viewer, TargetID: creator, At: w.now}
}

func (w *forgetWorld) append(evs ...flick.Event) {
	w.t.Helper()
	_, err := w.log.Append(w.ctx, evs)
	w.must(err)
}

// engagement is a round of events by everyone: the crowds that make
// co-engagement, the leavers' own views and follows, others following the
// creator who leaves and turning away from one of its videos.
func (w *forgetWorld) engagement() []flick.Event {
	evs := []flick.Event{
		w.view(w.gone, "cats1"), w.view(w.gone, "cats2"), w.view(w.gone, "leaver1"), w.follow(w.gone, w.carol), w.follow(w.gone, w.leaver),
		w.view(w.leaver, "dogs1"), w.view(w.leaver, "dogs2"), w.follow(w.leaver, w.bob),
		w.view(w.alice, "leaver1"), w.view(w.alice, "leaver2"), w.follow(w.alice, w.leaver), w.follow(w.alice, w.carol),
		w.view(w.viewer, "cats1"), w.follow(w.bob, w.carol), w.follow(w.carol, w.bob),
		{Type: flick.EventSkip, AccountID: w.bob, VideoID: w.ids["leaver2"], At: w.now},
	}
	for _, fan := range w.catFans {
		evs = append(evs, w.view(fan, "cats1"), w.view(fan, "cats2"), w.view(fan, "leaver1"))
	}
	for _, fan := range w.dogFans {
		evs = append(evs, w.view(fan, "dogs1"), w.view(fan, "dogs2"), w.view(fan, "leaver2"))
	}
	return evs
}

func (w *forgetWorld) rankings(e *Engine) [][]Candidate {
	var out [][]Candidate
	for _, v := range append([]string{""}, w.others...) {
		out = append(out, e.Recommend(Request{ViewerID: v, N: 20}))
	}
	return out
}

// noTrace fails the test if e's state names the leavers anywhere.
func (w *forgetWorld) noTrace(e *Engine) {
	w.t.Helper()
	var buf bytes.Buffer
	w.must(e.WriteSnapshot(&buf, 1))
	for _, id := range []string{w.gone, w.leaver} {
		if bytes.Contains(buf.Bytes(), []byte(id)) {
			w.t.Errorf("the engine's state still names %s", w.label[id])
		}
	}
	for _, v := range w.leaverVideos {
		if e.Has(v) {
			w.t.Errorf("the engine still has the leaver's video %s", w.names[v])
		}
	}
	for _, rank := range w.rankings(e) {
		for _, c := range rank {
			if c.AuthorID == w.leaver || slices.Contains(w.leaverVideos, c.VideoID) {
				w.t.Errorf("a ranking has %s by %s", w.names[c.VideoID], w.label[c.AuthorID])
			}
		}
	}
}

// TestForget: a learner that is running forgets a viewer and a creator in
// memory and on disk, keeps ranking everyone else, and a learner started
// from what is left on disk knows nothing of them either.
func TestForget(t *testing.T) {
	w := newForgetWorld(t)
	w.append(w.engagement()...)
	_, stop := w.startLearner(w.log, w.snapshots)
	stop() // saves the first snapshot
	l, stop := w.startLearner(w.log, w.snapshots)
	w.append(w.engagement()...) // learned, not yet in any snapshot
	w.waitLearned(l, w.log)
	for _, id := range []string{w.gone, w.leaver} {
		if files := filesNaming(t, w.snapshots, id); len(files) == 0 {
			t.Fatalf("before forgetting, no snapshot names %s", w.label[id])
		}
	}
	// What the platform does first: the creator's videos leave the store,
	// the leavers' events leave the log.
	for _, v := range w.leaverVideos {
		w.must(w.store.DeleteVideo(w.ctx, v))
	}
	// Events go on arriving while it forgets (at most a few thousand).
	keepBusy, busyDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(busyDone)
		for range 5000 {
			select {
			case <-keepBusy:
				return
			default:
			}
			if _, err := w.log.Append(w.ctx, []flick.Event{{Type: flick.EventImpression, AccountID: w.carol, VideoID: w.ids["dogs1"], At: w.now}}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	w.must(l.ReleaseAccount(w.ctx, w.gone))
	w.must(l.EraseAccount(w.ctx, w.leaver))
	close(keepBusy)
	<-busyDone
	w.waitLearned(l, w.log)

	for _, id := range []string{w.gone, w.leaver} {
		if files := filesNaming(t, w.snapshots, id); len(files) > 0 {
			t.Errorf("after forgetting, %v still name %s", files, w.label[id])
		}
	}
	if saved, err := filepath.Glob(filepath.Join(w.snapshots, "*")); err != nil || len(saved) != 1 {
		t.Errorf("the snapshot directory holds %v, want the one snapshot saved when forgetting", saved)
	}
	w.noTrace(l.Engine())
	following := 0
	for _, c := range l.Engine().Recommend(Request{ViewerID: w.alice, N: 20}) {
		if slices.ContainsFunc(c.Reasons, func(r Reason) bool { return r.Kind == BecauseFollowing }) {
			following++
			if c.AuthorID != w.carol {
				t.Errorf("alice is shown %s as by a creator she follows: she followed only the leaver and carol", w.names[c.VideoID])
			}
		}
	}
	if following == 0 {
		t.Error("alice is shown nothing because she follows carol")
	}
	got := l.Engine().Recommend(Request{ViewerID: w.viewer, N: 1})
	if len(got) != 1 || got[0].VideoID != w.ids["cats2"] {
		t.Errorf("after the viewer watched cats1 the top is %+v, want cats2", got)
	}
	before := w.rankings(l.Engine())

	// A restart loads the snapshot saved since (at shutdown) and replays
	// the log after it: the leavers do not come back.
	stop()
	restored, _ := w.startLearner(w.log, w.snapshots)
	w.noTrace(restored.Engine())
	if after := w.rankings(restored.Engine()); !reflect.DeepEqual(after, before) {
		t.Errorf("restored from the snapshot, the rankings are\n%+v\nwant\n%+v", after, before)
	}
}

// TestForgetBeforeRun: a learner that has not loaded the state rewrites
// the newest usable snapshot without the leavers, at the same position,
// and removes every other file of the directory that could hold them.
func TestForgetBeforeRun(t *testing.T) {
	w := newForgetWorld(t)
	w.append(w.engagement()...)
	_, stop := w.startLearner(w.log, w.snapshots)
	stop()
	saved, err := filepath.Glob(filepath.Join(w.snapshots, "snapshot-*.bin"))
	if err != nil || len(saved) != 1 {
		t.Fatalf("snapshots %v, %v; want one", saved, err)
	}
	for _, v := range w.leaverVideos {
		w.must(w.store.DeleteVideo(w.ctx, v))
	}
	// A snapshot of another log (beyond this one's end) and the temporary
	// file of a save that never finished.
	b, err := os.ReadFile(saved[0])
	w.must(err)
	w.must(os.WriteFile(filepath.Join(w.snapshots, snapshotName(1<<40)), b, 0o600))
	w.must(os.WriteFile(filepath.Join(w.snapshots, snapshotPrefix+"123.tmp"), b[:len(b)/2], 0o600))

	l := NewLearner(NewEngine(DefaultConfig(), w.clock), w.log, w.store, w.clock, w.snapshots, slog.New(slog.DiscardHandler))
	w.must(l.ReleaseAccount(w.ctx, w.gone))
	w.must(l.EraseAccount(w.ctx, w.leaver))
	if left, err := filepath.Glob(filepath.Join(w.snapshots, "*")); err != nil || !slices.Equal(left, saved) {
		t.Fatalf("the snapshot directory holds %v, want %v rewritten", left, saved)
	}
	for _, id := range []string{w.gone, w.leaver} {
		if files := filesNaming(t, w.snapshots, id); len(files) > 0 {
			t.Errorf("%v still name %s", files, w.label[id])
		}
	}
	restored, _ := w.startLearner(w.log, w.snapshots)
	w.noTrace(restored.Engine())
	if got := restored.Engine().Recommend(Request{ViewerID: w.viewer, N: 1}); len(got) != 1 || got[0].VideoID != w.ids["cats2"] {
		t.Errorf("after the viewer watched cats1 the top is %+v, want cats2", got)
	}

	t.Run("no usable snapshot", func(t *testing.T) {
		dir := t.TempDir()
		junk := filepath.Join(dir, snapshotName(1))
		w.must(os.WriteFile(junk, []byte("not a snapshot of "+w.gone), 0o600))
		l := NewLearner(NewEngine(DefaultConfig(), w.clock), w.log, w.store, w.clock, dir, slog.New(slog.DiscardHandler))
		w.must(l.ReleaseAccount(w.ctx, w.gone))
		if left, err := filepath.Glob(filepath.Join(dir, "*")); err != nil || len(left) != 0 {
			t.Fatalf("the snapshot directory holds %v, want nothing", left)
		}
	})
	if err := l.ReleaseAccount(w.ctx, ""); flick.ErrorCode(err) != flick.EINVALID {
		t.Errorf("ReleaseAccount of no account = %v, want EINVALID", err)
	}
}

// TestEngineForgetAccount: forgetting an account drops its viewer slot
// whole and, as a creator, its slot, videos, and the follows of and
// aversions to it, while every other reference to a creator (renumbered
// after the dropped slot) still names the same creator.
func TestEngineForgetAccount(t *testing.T) {
	w := newSnapshotWorld()
	e := w.engine()
	w.play(e, 0, len(w.steps))
	// c3 watches too, and is followed and turned away from by viewers.
	e.Observe(flick.Event{Type: flick.EventView, AccountID: "c3", VideoID: "v1", WatchMS: 10_000, At: t0.Add(70 * time.Hour)})
	for _, u := range []string{"u1", "u2"} {
		e.Observe(flick.Event{Type: flick.EventFollow, AccountID: u, TargetID: "c3", At: t0.Add(70 * time.Hour)})
		e.Observe(flick.Event{Type: flick.EventFollow, AccountID: u, TargetID: "c16", At: t0.Add(70 * time.Hour)})
		e.Observe(flick.Event{Type: flick.EventSkip, AccountID: u, VideoID: "v3", At: t0.Add(70 * time.Hour)})
	}
	before := creatorRefs(e)
	if len(before.followers["c3"]) == 0 || len(before.averse["c3"]) == 0 || before.authors["v3"] != "c3" {
		t.Fatal("the world has no follows of, aversions to or videos by c3")
	}
	for _, id := range []string{"c3", "u7"} {
		if _, ok := e.viewerIdx[id]; !ok {
			t.Fatalf("viewer %s is not known to begin with", id)
		}
	}
	e.forgetAccount("c3", asViewerAndCreator)
	e.forgetAccount("u7", asViewer)
	e.forgetAccount("c9", asViewer) // a creator forgotten as a viewer only keeps its videos

	after := creatorRefs(e)
	for _, id := range []string{"c3", "u7"} {
		if _, ok := e.viewerIdx[id]; ok {
			t.Errorf("viewer %s is still known", id)
		}
	}
	if _, ok := e.creatorIdx["c3"]; ok {
		t.Error("creator c3 is still known")
	}
	for k, c := range e.creators {
		if e.creatorIdx[c.id] != int32(k) {
			t.Errorf("creator %s is at slot %d, its index says %d", c.id, k, e.creatorIdx[c.id])
		}
	}
	delete(before.followers, "c3")
	delete(before.averse, "c3")
	for v, c := range before.authors {
		if c == "c3" {
			delete(before.authors, v)
		}
	}
	for _, refs := range []map[string][]string{before.followers, before.averse} {
		for c, us := range refs {
			refs[c] = slices.DeleteFunc(us, func(u string) bool { return u == "u7" })
			if len(refs[c]) == 0 {
				delete(refs, c)
			}
		}
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("after forgetting c3 and u7 the references to creators are\n%v\nwant\n%v", after, before)
	}
	restored := NewEngine(e.cfg, e.clock)
	if _, err := restored.ReadSnapshot(bytes.NewReader(snapshotBytes(t, e, 1))); err != nil {
		t.Fatalf("the engine's state no longer makes a valid snapshot: %v", err)
	}
	if !reflect.DeepEqual(rankings(restored), rankings(e)) {
		t.Error("restored from a snapshot, the engine ranks differently")
	}
}

// refs is every reference to a creator, by creator ID: the videos it made,
// the viewers following it and those averse to it.
type refs struct {
	authors           map[string]string
	followers, averse map[string][]string
}

func creatorRefs(e *Engine) refs {
	r := refs{authors: map[string]string{}, followers: map[string][]string{}, averse: map[string][]string{}}
	for id, i := range e.videoIdx {
		if c := e.videos[i].creator; c >= 0 {
			r.authors[id] = e.creators[c].id
		}
	}
	for _, u := range e.viewers {
		for _, f := range u.follows {
			r.followers[e.creators[f].id] = append(r.followers[e.creators[f].id], u.id)
		}
		for _, a := range u.creators {
			r.averse[e.creators[a.id].id] = append(r.averse[e.creators[a.id].id], u.id)
		}
	}
	for _, us := range r.followers {
		slices.Sort(us)
	}
	for _, us := range r.averse {
		slices.Sort(us)
	}
	return r
}

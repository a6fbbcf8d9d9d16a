package events

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	flick "github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqlite"
)

// world is a region's log and real SQLite store with two viewers and two
// ready videos.
type world struct {
	dir          string
	log          *Log
	store        *sqlite.DB
	alice, bob   string
	short, clip2 *flick.Video
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{dir: t.TempDir()}
	w.open(t)
	ctx := context.Background()
	var n int
	tick := func() time.Time { n++; return t0.Add(time.Duration(n) * time.Millisecond) }
	account := func(handle string) string {
		a := &flick.Account{ID: flick.NewID(tick()), Handle: handle, Region: flick.DefaultRegion, Birthdate: "2000-01-01", CreatedAt: t0}
		if err := w.store.CreateAccount(ctx, a, "x"); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	video := func(author string, durationMS int64) *flick.Video {
		v := &flick.Video{ID: flick.NewID(tick()), AuthorID: author, DurationMS: durationMS, Width: 720, Height: 1280, CreatedAt: t0}
		if err := w.store.CreateVideo(ctx, v); err != nil {
			t.Fatal(err)
		}
		if err := w.store.AddRendition(ctx, v.ID, flick.RenditionUpdate{Ready: true, Complete: true,
			Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Key: "videos/" + v.ID + "/360p.mp4", Mime: "video/mp4"}}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	w.alice, w.bob = account("alice"), account("bob")
	w.short, w.clip2 = video(w.alice, 4_000), video(w.bob, 20_000)
	return w
}

// open (re)opens the log and the store on the world's directory, as a
// restarted process does.
func (w *world) open(t *testing.T) {
	t.Helper()
	w.log = openLog(t, w.dir)
	db, err := sqlite.Open(context.Background(), filepath.Join(w.dir, "flick.db"), func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w.store = db
}

func (w *world) close(t *testing.T) {
	t.Helper()
	if err := w.log.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.store.Close(); err != nil {
		t.Fatal(err)
	}
}

func (w *world) append(t *testing.T, evs ...flick.Event) uint64 {
	t.Helper()
	last, err := w.log.Append(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// run starts a projector over store and stops it when the test ends.
func run(t *testing.T, log flick.EventLog, store flick.ProjectionStore) (*Projector, context.CancelFunc) {
	t.Helper()
	p := NewProjector(log, store, testLogger(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stop := func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	}
	t.Cleanup(func() {
		select {
		case <-ctx.Done():
		default:
			stop()
		}
	})
	return p, stop
}

func waitFor(t *testing.T, p *Projector, seq uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.WaitFor(ctx, seq); err != nil {
		t.Fatal(err)
	}
}

func (w *world) wantCounts(t *testing.T, v *flick.Video, want flick.Counts) {
	t.Helper()
	got, err := w.store.Video(context.Background(), v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Counts != want {
		t.Fatalf("counts of %s = %+v, want %+v", v.ID, got.Counts, want)
	}
}

func (w *world) wantWatched(t *testing.T, account string, want ...string) {
	t.Helper()
	got, err := w.store.Watched(context.Background(), account, []string{w.short.ID, w.clip2.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("watched through by %s: %v, want %v", account, got, want)
	}
	for _, id := range want {
		if !got[id] {
			t.Fatalf("watched through by %s: %v, want %v", account, got, want)
		}
	}
}

// engagement is a mix of every event type for the world's videos.
func (w *world) engagement() []flick.Event {
	s, c := w.short.ID, w.clip2.ID
	return []flick.Event{
		{Type: flick.EventImpression, VideoID: s, At: t0},
		{Type: flick.EventView, VideoID: s, WatchMS: 4_000, DurationMS: 4_000, At: t0}, // anonymous
		{Type: flick.EventView, AccountID: w.alice, VideoID: s, WatchMS: 3_600, DurationMS: 4_000, At: t0},
		{Type: flick.EventView, AccountID: w.bob, VideoID: c, WatchMS: 5_000, DurationMS: 20_000, At: t0},
		{Type: flick.EventSkip, AccountID: w.bob, VideoID: s, WatchMS: 300, At: t0},
		{Type: flick.EventLike, AccountID: w.bob, VideoID: s, At: t0},
		{Type: flick.EventLike, AccountID: w.alice, VideoID: c, At: t0},
		{Type: flick.EventUnlike, AccountID: w.alice, VideoID: c, At: t0},
		{Type: flick.EventComment, AccountID: w.bob, VideoID: c, TargetID: flick.NewID(t0), At: t0},
		{Type: flick.EventShare, VideoID: c, At: t0},
		{Type: flick.EventFollow, AccountID: w.bob, TargetID: w.alice, At: t0},
	}
}

func TestProjectorCounts(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	p, _ := run(t, w.log, w.store)
	last := w.append(t, w.engagement()...)
	waitFor(t, p, last)
	w.wantCounts(t, w.short, flick.Counts{Views: 2, Likes: 1})
	w.wantCounts(t, w.clip2, flick.Counts{Views: 1, Likes: 0, Comments: 1, Shares: 1})
	w.wantWatched(t, w.alice, w.short.ID)
	w.wantWatched(t, w.bob)
	if pos, err := w.store.ProjectionPosition(ctx, "counters"); err != nil || pos != last {
		t.Fatalf("recorded position = %d, %v; want %d", pos, err, last)
	}
	if lag := testutil.ToFloat64(p.lag); lag != 0 {
		t.Fatalf("lag = %v after catching up", lag)
	}

	// Bob watches the clip again, through this time.
	last = w.append(t, flick.Event{Type: flick.EventView, AccountID: w.bob, VideoID: w.clip2.ID, WatchMS: 19_600, DurationMS: 20_000, At: t0})
	waitFor(t, p, last)
	w.wantCounts(t, w.clip2, flick.Counts{Views: 2, Comments: 1, Shares: 1})
	w.wantWatched(t, w.bob, w.clip2.ID)
}

// TestProjectorRestart stops projecting between Append and ApplyProjection,
// as a crash would, and restarts log, store and projector on the same
// files: the events appended meanwhile are counted, and once.
func TestProjectorRestart(t *testing.T) {
	w := newWorld(t)
	p, stop := run(t, w.log, w.store)
	waitFor(t, p, w.append(t, w.engagement()...))
	stop()
	w.append(t, w.engagement()...) // nobody projects these yet
	w.close(t)

	w.open(t)
	p, _ = run(t, w.log, w.store)
	waitFor(t, p, w.append(t, w.engagement()...))
	w.wantCounts(t, w.short, flick.Counts{Views: 6, Likes: 3})
	w.wantCounts(t, w.clip2, flick.Counts{Views: 3, Comments: 3, Shares: 3})
}

// lostAck commits the first batch but reports a failure, like a store
// whose reply is lost, and closes failed.
type lostAck struct {
	flick.ProjectionStore
	calls  atomic.Int32
	failed chan struct{}
}

func (s *lostAck) ApplyProjection(ctx context.Context, name string, seq uint64, b flick.ProjectionBatch) error {
	if err := s.ProjectionStore.ApplyProjection(ctx, name, seq, b); err != nil {
		return err
	}
	if s.calls.Add(1) == 1 {
		close(s.failed)
		return errors.New("connection lost after commit")
	}
	return nil
}

// TestProjectorLostReplyCountsNothingTwice appends more events while the
// projector waits to retry a batch that was in fact committed: its next
// read spans both, and must start after the committed part.
func TestProjectorLostReplyCountsNothingTwice(t *testing.T) {
	w := newWorld(t)
	store := &lostAck{ProjectionStore: w.store, failed: make(chan struct{})}
	p, _ := run(t, w.log, store)
	w.append(t, w.engagement()...)
	select {
	case <-store.failed:
	case <-time.After(10 * time.Second):
		t.Fatal("the projector applied nothing")
	}
	waitFor(t, p, w.append(t, w.engagement()...))
	w.wantCounts(t, w.short, flick.Counts{Views: 4, Likes: 2})
	w.wantCounts(t, w.clip2, flick.Counts{Views: 2, Comments: 2, Shares: 2})
}

func TestWaitFor(t *testing.T) {
	w := newWorld(t)
	p, stop := run(t, w.log, w.store)
	last := w.append(t, w.engagement()...)
	t.Run("reaches the position", func(t *testing.T) {
		waitFor(t, p, last)
		if p.Applied() < last {
			t.Fatalf("applied %d after WaitFor(%d)", p.Applied(), last)
		}
	})
	t.Run("times out before the position", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := p.WaitFor(ctx, last+1); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitFor(%d) = %v", last+1, err)
		}
	})
	t.Run("many waiters wake up", func(t *testing.T) {
		errs := make(chan error, 10)
		for range cap(errs) {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				errs <- p.WaitFor(ctx, last+1)
			}()
		}
		w.append(t, flick.Event{Type: flick.EventShare, VideoID: w.short.ID, At: t0})
		for range cap(errs) {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("stopped", func(t *testing.T) {
		stop()
		if err := p.WaitFor(context.Background(), last+100); !errors.Is(err, ErrProjectorStopped) {
			t.Fatalf("WaitFor after Run returned = %v", err)
		}
	})
}

func TestCompleted(t *testing.T) {
	for _, tc := range []struct {
		name               string
		watchMS, duration  int64
		wantWatchedThrough bool
	}{
		{"unknown duration", 10_000, 0, false},
		{"half", 5_000, 10_000, false},
		{"89%", 8_900, 10_000, false},
		{"90%", 9_000, 10_000, true},
		{"to the end", 10_000, 10_000, true},
		{"looped", 25_000, 10_000, true},
		{"short video, half a second short", 2_000, 2_500, true},
		{"short video, a second short", 1_500, 2_500, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := flick.Event{Type: flick.EventView, WatchMS: tc.watchMS, DurationMS: tc.duration}
			if got := e.WatchedThrough(); got != tc.wantWatchedThrough {
				t.Fatalf("WatchedThrough(%d of %d) = %v", tc.watchMS, tc.duration, got)
			}
		})
	}
}

func TestFoldMergesWatches(t *testing.T) {
	a, v := flick.NewID(t0), flick.NewID(t0)
	b := Fold([]flick.SequencedEvent{
		{Seq: 1, Event: flick.Event{Type: flick.EventView, AccountID: a, VideoID: v, WatchMS: 9_500, DurationMS: 10_000, At: t0}},
		{Seq: 2, Event: flick.Event{Type: flick.EventView, AccountID: a, VideoID: v, WatchMS: 1_000, DurationMS: 10_000, At: t0.Add(time.Minute)}},
		{Seq: 3, Event: flick.Event{Type: flick.EventLike, AccountID: a, At: t0}}, // no video: ignored
	})
	want := flick.Watch{AccountID: a, VideoID: v, WatchMS: 9_500, Completed: true, At: t0.Add(time.Minute)}
	if len(b.Watches) != 1 || b.Watches[0] != want {
		t.Fatalf("watches = %+v, want [%+v]", b.Watches, want)
	}
	if len(b.Counts) != 1 || b.Counts[v] != (flick.Counts{Views: 2}) {
		t.Fatalf("counts = %+v", b.Counts)
	}
}

// TestFoldObeysDiscounts: a repeat is a watch of the viewer's but moves no
// counter; a discounted event counts publicly and records what it falls
// short of a full one for Trending.
func TestFoldObeysDiscounts(t *testing.T) {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	evs := []flick.SequencedEvent{
		{Seq: 1, Event: flick.Event{Type: flick.EventView, AccountID: "a", VideoID: "v", WatchMS: 10_000, DurationMS: 10_000, At: at}},
		{Seq: 2, Event: flick.Event{Type: flick.EventView, AccountID: "a", VideoID: "v", WatchMS: 10_000, DurationMS: 10_000, At: at, Discount: flick.DiscountRepeat}},
		{Seq: 3, Event: flick.Event{Type: flick.EventView, VideoID: "v", At: at, Discount: flick.DiscountRepeat}},
		{Seq: 4, Event: flick.Event{Type: flick.EventShare, VideoID: "v", At: at, Discount: flick.DiscountRepeat}},
		{Seq: 5, Event: flick.Event{Type: flick.EventLike, AccountID: "n", VideoID: "v", At: at, Discount: flick.DiscountNewAccount}},
		{Seq: 6, Event: flick.Event{Type: flick.EventView, AccountID: "n", VideoID: "v", At: at, Discount: flick.DiscountBurst}},
	}
	b := Fold(evs)
	want := flick.Counts{Views: 2, Likes: 1, Discounted: (1 - flick.LowWeight) * (flick.EngagementWeight(flick.EventLike) + flick.EngagementWeight(flick.EventView))}
	if got := b.Counts["v"]; got != want {
		t.Fatalf("counts %+v, want %+v", got, want)
	}
	if len(b.Watches) != 2 || !b.Watches[0].Completed {
		t.Fatalf("watches %+v, want a's (completed) and n's", b.Watches)
	}
	// a's view counts 1, n's view and like LowWeight each.
	if got, full := want.Engagement(), 1+flick.LowWeight*(1+4); math.Abs(got-full) > 1e-9 {
		t.Fatalf("engagement %v, want %v", got, full)
	}
}

// TestFoldUncomment: a comment's deletion takes back what the comment
// counted, its discount included; likes of comments count nothing here.
func TestFoldUncomment(t *testing.T) {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	evs := []flick.SequencedEvent{
		{Seq: 1, Event: flick.Event{Type: flick.EventComment, AccountID: "a", VideoID: "v", TargetID: "c1", At: at}},
		{Seq: 2, Event: flick.Event{Type: flick.EventComment, AccountID: "n", VideoID: "v", TargetID: "c2", At: at, Discount: flick.DiscountNewAccount}},
		{Seq: 3, Event: flick.Event{Type: flick.EventCommentLike, AccountID: "a", VideoID: "v", TargetID: "c2", At: at}},
		{Seq: 4, Event: flick.Event{Type: flick.EventUncomment, AccountID: "n", VideoID: "v", TargetID: "c2", At: at, Discount: flick.DiscountNewAccount}},
		{Seq: 5, Event: flick.Event{Type: flick.EventCommentUnlike, AccountID: "a", VideoID: "v", TargetID: "c2", At: at}},
	}
	if got := Fold(evs).Counts["v"]; math.Abs(got.Discounted) > 1e-9 || got.Comments != 1 || got.Likes != 0 {
		t.Fatalf("counts %+v, want 1 comment and nothing discounted", got)
	}
}

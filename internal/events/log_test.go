package events

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	flick "github.com/flick-video/flick"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openLog(t testing.TB, dir string) *Log {
	t.Helper()
	l, err := OpenEmbedded(context.Background(), dir, flick.DefaultRegion, testLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// makeEvents returns n view events from a few accounts (one anonymous).
func makeEvents(n int) []flick.Event {
	accounts := []string{"", flick.NewID(t0), flick.NewID(t0)}
	evs := make([]flick.Event, n)
	for i := range evs {
		evs[i] = flick.Event{Type: flick.EventView, AccountID: accounts[i%len(accounts)], VideoID: flick.NewID(t0),
			WatchMS: int64(i), DurationMS: 10_000, At: t0.Add(time.Duration(i) * time.Millisecond)}
	}
	return evs
}

func readAll(t *testing.T, l flick.EventLog, after uint64) []flick.SequencedEvent {
	t.Helper()
	var out []flick.SequencedEvent
	for {
		got, err := l.Read(context.Background(), after, 50, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			return out
		}
		out = append(out, got...)
		after = got[len(got)-1].Seq
	}
}

func TestAppendRead(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, t.TempDir())
	if last, err := l.LastSeq(ctx); err != nil || last != 0 {
		t.Fatalf("LastSeq of an empty log = %d, %v; want 0", last, err)
	}
	evs := makeEvents(120)
	last, err := l.Append(ctx, evs)
	if err != nil || last != 120 {
		t.Fatalf("Append = %d, %v; want 120", last, err)
	}
	for _, tc := range []struct {
		name       string
		after      uint64
		max        int
		wantFirst  uint64
		wantLength int
	}{
		{"from the start", 0, 1000, 1, 120},
		{"a page", 0, 7, 1, 7},
		{"from the middle", 100, 1000, 101, 20},
		{"at the end", 120, 10, 0, 0},
		{"past the end", 500, 10, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := l.Read(ctx, tc.after, tc.max, 20*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.wantLength {
				t.Fatalf("got %d events, want %d", len(got), tc.wantLength)
			}
			for i, se := range got {
				want := evs[tc.wantFirst-1+uint64(i)]
				if se.Seq != tc.wantFirst+uint64(i) || se.VideoID != want.VideoID || se.AccountID != want.AccountID ||
					se.WatchMS != want.WatchMS || !se.At.Equal(want.At) {
					t.Fatalf("event %d = %+v, want seq %d %+v", i, se, tc.wantFirst+uint64(i), want)
				}
			}
		})
	}
	t.Run("sequential reads from two positions", func(t *testing.T) {
		a, b := uint64(0), uint64(60)
		for range 6 {
			ga, err := l.Read(ctx, a, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			gb, err := l.Read(ctx, b, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(ga) != 10 || len(gb) != 10 || ga[0].Seq != a+1 || gb[0].Seq != b+1 {
				t.Fatalf("after %d and %d: got %d and %d events", a, b, len(ga), len(gb))
			}
			a, b = ga[9].Seq, gb[9].Seq
		}
	})
	t.Run("empty append", func(t *testing.T) {
		if last, err := l.Append(ctx, nil); err != nil || last != 0 {
			t.Fatalf("Append(nil) = %d, %v", last, err)
		}
	})
}

func TestReadWaits(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, t.TempDir())
	t.Run("times out empty", func(t *testing.T) {
		start := time.Now()
		got, err := l.Read(ctx, 0, 10, 50*time.Millisecond)
		if err != nil || len(got) != 0 {
			t.Fatalf("Read = %v, %v; want nothing", got, err)
		}
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Fatalf("Read returned after %v, before the wait", d)
		}
	})
	t.Run("wakes up on append", func(t *testing.T) {
		go func() {
			time.Sleep(50 * time.Millisecond)
			if _, err := l.Append(ctx, makeEvents(1)); err != nil {
				t.Error(err)
			}
		}()
		start := time.Now()
		got, err := l.Read(ctx, 0, 10, 10*time.Second)
		if err != nil || len(got) != 1 || got[0].Seq != 1 {
			t.Fatalf("Read = %v, %v; want event 1", got, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Read took %v", d)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		if _, err := l.Read(cctx, 1, 10, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Read with an expired context = %v", err)
		}
	})
}

func TestAppendRejectsBadAccountIDs(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, t.TempDir())
	for _, id := range []string{"a.b", ">", "*", "events.default.x", "0123456789abcdeF", "x y"} {
		t.Run(id, func(t *testing.T) {
			evs := append(makeEvents(2), flick.Event{Type: flick.EventView, AccountID: id, VideoID: flick.NewID(t0), At: t0})
			if _, err := l.Append(ctx, evs); flick.ErrorCode(err) != flick.EINVALID {
				t.Fatalf("Append with account %q = %v, want %s", id, err, flick.EINVALID)
			}
			if last, _ := l.LastSeq(ctx); last != 0 {
				t.Fatalf("a refused batch stored %d events", last)
			}
		})
	}
}

func TestOneSubjectPerAccount(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, t.TempDir())
	id := flick.NewID(t0)
	if _, err := l.Append(ctx, []flick.Event{
		{Type: flick.EventLike, AccountID: id, VideoID: flick.NewID(t0), At: t0},
		{Type: flick.EventView, VideoID: flick.NewID(t0), At: t0},
		{Type: flick.EventLike, AccountID: id, VideoID: flick.NewID(t0), At: t0},
	}); err != nil {
		t.Fatal(err)
	}
	s, err := l.js.Stream(ctx, "EVENTS_default")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter("events.default.>"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{"events.default." + id: 2, "events.default.anon": 1}
	if fmt.Sprint(info.State.Subjects) != fmt.Sprint(want) {
		t.Fatalf("subjects = %v, want %v", info.State.Subjects, want)
	}
	// Purging the account's subject removes its events and nothing else.
	if err := s.Purge(ctx, jetstream.WithPurgeSubject(l.Subject(id))); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, l, 0); len(got) != 1 || got[0].AccountID != "" {
		t.Fatalf("after purging the account: %+v", got)
	}
}

func TestReopenKeepsEvents(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := openLog(t, dir)
	evs := makeEvents(30)
	if _, err := l.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openLog(t, dir)
	got := readAll(t, l, 0)
	if len(got) != len(evs) || got[29].VideoID != evs[29].VideoID {
		t.Fatalf("after reopening: %d events, want %d", len(got), len(evs))
	}
	if last, err := l.Append(ctx, makeEvents(1)); err != nil || last != 31 {
		t.Fatalf("Append after reopening = %d, %v; want 31", last, err)
	}
}

func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	l, err := OpenEmbedded(ctx, t.TempDir(), flick.DefaultRegion, testLogger(), reg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const writers, batches, size = 8, 10, 25
	var wg sync.WaitGroup
	lasts := make(chan uint64, writers*batches)
	for range writers {
		wg.Go(func() {
			for range batches {
				last, err := l.Append(ctx, makeEvents(size))
				if err != nil {
					t.Error(err)
					return
				}
				lasts <- last
			}
		})
	}
	wg.Wait()
	close(lasts)
	seen := map[uint64]bool{}
	for last := range lasts {
		if seen[last] {
			t.Fatalf("two appends returned last sequence %d", last)
		}
		seen[last] = true
	}
	got := readAll(t, l, 0)
	if len(got) != writers*batches*size {
		t.Fatalf("read %d events, want %d", len(got), writers*batches*size)
	}
	for i, se := range got {
		if se.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, se.Seq)
		}
	}
	if n := testutil.ToFloat64(l.metrics.appended.WithLabelValues("view")); n != writers*batches*size {
		t.Fatalf("appended metric = %v", n)
	}
}

// TestKillKeepsAcknowledgedEvents kills a process that appends in a loop
// with SIGKILL and checks that every event it saw acknowledged is there
// when the log is opened again.
func TestKillKeepsAcknowledgedEvents(t *testing.T) {
	if dir := os.Getenv("FLICK_EVENTS_APPENDER_DIR"); dir != "" {
		appendForever(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillKeepsAcknowledgedEvents$")
	cmd.Env = append(os.Environ(), "FLICK_EVENTS_APPENDER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked uint64
	sc := bufio.NewScanner(out)
	for i := 0; i < 20 && sc.Scan(); i++ {
		if acked, err = strconv.ParseUint(sc.Text(), 10, 64); err != nil {
			t.Fatalf("appender said %q", sc.Text())
		}
	}
	if acked == 0 {
		t.Fatalf("appender acknowledged nothing: %v", sc.Err())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	l := openLog(t, dir)
	last, err := l.LastSeq(context.Background())
	if err != nil || last < acked {
		t.Fatalf("after kill -9: last seq %d, %v; the killed process saw %d acknowledged", last, err, acked)
	}
	if got := readAll(t, l, 0); uint64(len(got)) < acked {
		t.Fatalf("after kill -9: read %d events, %d were acknowledged", len(got), acked)
	}
}

// appendForever is the killed process: it prints each acknowledged last
// sequence and goes on until it is killed.
func appendForever(dir string) {
	l, err := OpenEmbedded(context.Background(), dir, flick.DefaultRegion, testLogger(), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for {
		last, err := l.Append(context.Background(), makeEvents(100))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(last)
	}
}

// TestConnectExternal runs the same log on the NATS server at
// 127.0.0.1:4222 (CI machines run one with JetStream); without one it is
// skipped.
func TestConnectExternal(t *testing.T) {
	ctx := context.Background()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:4222", time.Second)
	if err != nil {
		t.Skipf("no NATS server on 127.0.0.1:4222 (%v)", err)
	}
	conn.Close()
	region := "test" + flick.NewID(time.Now())
	l, err := Connect(ctx, "nats://127.0.0.1:4222", region, testLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.js.DeleteStream(ctx, "EVENTS_"+region); err != nil {
			t.Error(err)
		}
		l.Close()
	})
	evs := makeEvents(40)
	last, err := l.Append(ctx, evs)
	if err != nil || last != 40 {
		t.Fatalf("Append = %d, %v; want 40", last, err)
	}
	got := readAll(t, l, 10)
	if len(got) != 30 || got[0].Seq != 11 || got[29].VideoID != evs[39].VideoID {
		t.Fatalf("read %d events after 10", len(got))
	}
}

func TestInvalidRegion(t *testing.T) {
	for _, region := range []string{"", "EU", "a.b", "a>", "has space"} {
		t.Run(region, func(t *testing.T) {
			if _, err := OpenEmbedded(context.Background(), t.TempDir(), region, testLogger(), nil); err == nil {
				t.Fatalf("region %q accepted", region)
			}
		})
	}
}

// BenchmarkAppend measures acknowledged (stored) events per second.
func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			l := openLog(b, b.TempDir())
			evs := makeEvents(size)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, err := l.Append(ctx, evs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

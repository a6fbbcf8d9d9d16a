package events

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	flick "github.com/flick-video/flick"
)

// eraseWorld is a log holding the events of three accounts, of anonymous
// viewers, and another region's publish, with filler that spreads them
// over two block files of the store when asked, written out and reopened
// once so that the store's per-subject index names every account.
type eraseWorld struct {
	dir             string
	log             *Log
	gone, kept, fan string
	appended        []flick.Event // in log order
}

func newEraseWorld(t *testing.T, blocks int) *eraseWorld {
	t.Helper()
	w := &eraseWorld{dir: t.TempDir(), gone: flick.NewID(t0), kept: flick.NewID(t0), fan: flick.NewID(t0)}
	w.log = openLog(t, w.dir)
	at := t0
	view := func(account string) flick.Event {
		at = at.Add(time.Second)
		return flick.Event{Type: flick.EventView, AccountID: account, VideoID: flick.NewID(at), WatchMS: 4_000, DurationMS: 10_000, At: at}
	}
	follow := func(account, target string) flick.Event {
		at = at.Add(time.Second)
		return flick.Event{Type: flick.EventFollow, AccountID: account, TargetID: target, At: at}
	}
	mine := func() []flick.Event {
		return []flick.Event{view(w.gone), view(w.kept), follow(w.fan, w.gone), view(""), follow(w.gone, w.kept),
			follow(w.fan, w.kept), view(w.gone), {Type: flick.EventPublish, VideoID: flick.NewID(at), At: at}}
	}
	// With filler, the account's events are in the first block of the
	// store and in the last.
	fill := (blocks - 1) * 1050
	for _, batch := range [][]flick.Event{mine(), filler(fill), mine(), filler(fill), mine()} {
		w.append(t, batch)
	}
	w.log.Close()
	w.log = openLog(t, w.dir)
	w.append(t, mine())
	if files := filesNaming(t, w.dir, w.gone); len(files) != blocks+1 {
		t.Fatalf("before erasing, the account's id is in %v: want %d blocks and the index", files, blocks)
	}
	return w
}

// filler returns n comments of about 4 kB each (a long target) by an
// account of their own: 2,000 fill a block of the store (8 MB), far
// faster than the 60,000 small events it would take.
func filler(n int) []flick.Event {
	commenter, long := flick.NewID(t0), strings.Repeat("x", 4096)
	evs := make([]flick.Event, n)
	for i := range evs {
		evs[i] = flick.Event{Type: flick.EventComment, AccountID: commenter, VideoID: flick.NewID(t0), TargetID: long, At: t0}
	}
	return evs
}

func (w *eraseWorld) append(t *testing.T, evs []flick.Event) {
	t.Helper()
	if _, err := w.log.Append(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	w.appended = append(w.appended, evs...)
}

// messages is how many messages the stream holds.
func (w *eraseWorld) messages(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	s, err := w.log.js.Stream(ctx, w.log.stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return int(info.State.Msgs)
}

// want returns the appended events that keep returns true for.
func (w *eraseWorld) want(keep func(e flick.Event) bool) []flick.Event {
	var out []flick.Event
	for _, e := range w.appended {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// filesNaming walks dir and returns the files whose bytes contain id.
func filesNaming(t *testing.T, dir, id string) []string {
	t.Helper()
	files, err := filesHolding(dir, []byte(id))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func plain(t *testing.T, ses []flick.SequencedEvent) []flick.Event {
	t.Helper()
	out := make([]flick.Event, len(ses))
	for i, se := range ses {
		if i > 0 && se.Seq <= ses[i-1].Seq {
			t.Fatalf("event %d has seq %d after %d: not in log order", i, se.Seq, ses[i-1].Seq)
		}
		out[i] = se.Event
	}
	return out
}

func accountEvents(t *testing.T, l *Log, id string) []flick.Event {
	t.Helper()
	got, err := l.AccountEvents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return plain(t, got)
}

func TestAccountEvents(t *testing.T) {
	w := newEraseWorld(t, 1)
	for _, id := range []string{w.gone, w.kept, w.fan} {
		want := w.want(func(e flick.Event) bool { return e.AccountID == id })
		if got := accountEvents(t, w.log, id); !reflect.DeepEqual(got, want) {
			t.Errorf("AccountEvents = %d events, want the %d the account made, in order", len(got), len(want))
		}
	}
	if got := accountEvents(t, w.log, flick.NewID(t0)); len(got) != 0 {
		t.Errorf("an account without events has %d", len(got))
	}
	if _, err := w.log.AccountEvents(context.Background(), "anon"); flick.ErrorCode(err) != flick.EINVALID {
		t.Errorf("AccountEvents(anon) = %v, want EINVALID", err)
	}
}

func TestErase(t *testing.T) {
	ctx := context.Background()
	w := newEraseWorld(t, 2)
	names := func(e flick.Event) bool { return e.AccountID == w.gone || e.TargetID == w.gone }
	n, err := w.log.EraseAccount(ctx, w.gone)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(w.want(names)); n != want {
		t.Errorf("Erase = %d, want %d: the account's events and the follows of it", n, want)
	}
	rest := w.want(func(e flick.Event) bool { return !names(e) })
	check := func(t *testing.T) {
		t.Helper()
		if got := accountEvents(t, w.log, w.gone); len(got) != 0 {
			t.Errorf("the erased account still has %d events", len(got))
		}
		for _, id := range []string{w.kept, w.fan} {
			want := w.want(func(e flick.Event) bool { return e.AccountID == id && !names(e) })
			if got := accountEvents(t, w.log, id); !reflect.DeepEqual(got, want) {
				t.Errorf("another account has %d events, want its %d intact (less its follow of the erased one)", len(got), len(want))
			}
		}
		if n := w.messages(t); n != len(rest) {
			t.Errorf("the log holds %d events, want the other %d", n, len(rest))
		}
		if files := filesNaming(t, w.dir, w.gone); len(files) > 0 {
			t.Errorf("the account's id is still in %v", files)
		}
	}
	t.Run("while open", check)
	w.log.Close()
	t.Run("after close", func(t *testing.T) {
		if files := filesNaming(t, w.dir, w.gone); len(files) > 0 {
			t.Errorf("the account's id is in %v, written at close", files)
		}
	})
	w.log = openLog(t, w.dir)
	t.Run("after reopening", check)
	t.Run("again", func(t *testing.T) {
		if n, err := w.log.EraseAccount(ctx, w.gone); n != 0 || err != nil {
			t.Errorf("erasing again = %d, %v; want 0, nil", n, err)
		}
	})
	t.Run("the log goes on", func(t *testing.T) {
		w.append(t, []flick.Event{{Type: flick.EventLike, AccountID: w.kept, VideoID: flick.NewID(t0), At: t0}})
		want := w.want(func(e flick.Event) bool { return e.AccountID == w.kept })
		if got := accountEvents(t, w.log, w.kept); !reflect.DeepEqual(got, want) {
			t.Errorf("after erasing another account, kept has %d events, want %d", len(got), len(want))
		}
	})
	if _, err := w.log.EraseAccount(ctx, "anon"); flick.ErrorCode(err) != flick.EINVALID {
		t.Errorf("Erase(anon) = %v, want EINVALID", err)
	}
}

// TestEraseRemovesAStaleIndexOnly: the store index is the one file whose
// stale copy Erase may remove; the account's id in any other file (here a
// copy of a block) fails the erasure.
func TestEraseRemovesAStaleIndexOnly(t *testing.T) {
	ctx := context.Background()
	w := newEraseWorld(t, 1)
	blocks, err := filepath.Glob(filepath.Join(w.dir, "jetstream", "jetstream", "*", "streams", "*", "msgs", "1.blk"))
	if err != nil || len(blocks) != 1 {
		t.Fatalf("first block: %v, %v", blocks, err)
	}
	b, err := os.ReadFile(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(filepath.Dir(blocks[0]), "stray.copy")
	if err := os.WriteFile(stray, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := w.log.EraseAccount(ctx, w.gone); err == nil || !strings.Contains(err.Error(), "stray.copy") {
		t.Fatalf("Erase with a copy of a block left = %v, want an error naming it", err)
	}
}

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, t.TempDir())
	accounts := func() []string {
		t.Helper()
		got, err := l.Accounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := accounts(); len(got) != 0 {
		t.Fatalf("an empty log has accounts %v", got)
	}
	a, b, followed := flick.NewID(t0), flick.NewID(t0), flick.NewID(t0)
	_, err := l.Append(ctx, []flick.Event{
		{Type: flick.EventView, AccountID: b, VideoID: flick.NewID(t0), At: t0},
		{Type: flick.EventFollow, AccountID: a, TargetID: followed, At: t0},
		{Type: flick.EventView, VideoID: flick.NewID(t0), At: t0},
		{Type: flick.EventView, AccountID: b, VideoID: flick.NewID(t0), At: t0},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{a, b}
	slices.Sort(want)
	if got := accounts(); !slices.Equal(got, want) {
		t.Fatalf("Accounts = %v, want %v: anonymous viewers and accounts only named are not listed", got, want)
	}
	if _, err := l.EraseAccount(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := accounts(); !slices.Equal(got, []string{a}) {
		t.Fatalf("after erasing b, Accounts = %v, want [%s]", got, a)
	}
}

// TestEraseConcurrently: two accounts that follow each other are erased at
// the same time; each erasure deletes what it finds, passing over what the
// other deleted first.
func TestEraseConcurrently(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, t.TempDir())
	a, b := flick.NewID(t0), flick.NewID(t0)
	var evs []flick.Event
	for i := range 100 {
		at := t0.Add(time.Duration(i) * time.Second)
		evs = append(evs, flick.Event{Type: flick.EventFollow, AccountID: a, TargetID: b, At: at},
			flick.Event{Type: flick.EventUnfollow, AccountID: b, TargetID: a, At: at})
	}
	evs = append(evs, makeEvents(10)...)
	if _, err := l.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	erased := make(chan int, 2)
	for _, id := range []string{a, b} {
		go func() {
			n, err := l.EraseAccount(ctx, id)
			if err != nil {
				t.Error(err)
			}
			erased <- n
		}()
	}
	if n := <-erased + <-erased; n != 200 {
		t.Errorf("the erasures removed %d events between them, want 200", n)
	}
	if got := readAll(t, l, 0); len(got) != 10 {
		t.Errorf("%d events are left, want the other 10", len(got))
	}
}

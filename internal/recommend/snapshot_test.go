package recommend

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	flick "github.com/flick-video/flick"
)

// snapshotWorld is a deterministic stream of every kind of event over a
// catalogue with creators and hashtags, with videos added and removed
// along the way.
type snapshotWorld struct {
	now    time.Time
	videos []VideoMeta
	steps  []func(e *Engine)
}

func newSnapshotWorld() *snapshotWorld {
	w := &snapshotWorld{now: t0}
	rng := rand.New(rand.NewPCG(3, 4))
	types := []flick.EventType{flick.EventImpression, flick.EventView, flick.EventView, flick.EventView, flick.EventSkip,
		flick.EventLike, flick.EventUnlike, flick.EventShare, flick.EventComment, flick.EventNotInterested, flick.EventNotInterestedUndone, flick.EventFollow, flick.EventUnfollow}
	for i := range 300 {
		w.videos = append(w.videos, VideoMeta{ID: fmt.Sprint("v", i), AuthorID: fmt.Sprint("c", i%17),
			Hashtags: []string{fmt.Sprint("t", i%11), fmt.Sprint("t", i%7+11)}, CreatedAt: t0.Add(time.Duration(i-250) * time.Hour), DurationMS: 10_000})
	}
	at := t0
	for k := range 4000 {
		at = at.Add(time.Minute)
		switch {
		case k%500 == 250: // a video leaves the catalogue
			id := w.videos[rng.IntN(len(w.videos))].ID
			w.steps = append(w.steps, func(e *Engine) { e.RemoveVideo(id) })
		case k%400 == 0: // a late upload
			m := VideoMeta{ID: fmt.Sprint("late", k), AuthorID: "newcomer", CreatedAt: at, DurationMS: 8_000}
			w.steps = append(w.steps, func(e *Engine) { e.Refresh([]VideoMeta{m}) })
		default:
			ev := flick.Event{Type: types[rng.IntN(len(types))], AccountID: fmt.Sprint("u", rng.IntN(60)),
				VideoID: w.videos[min(rng.IntN(len(w.videos)), rng.IntN(len(w.videos)))].ID,
				WatchMS: rng.Int64N(20_000), At: at}
			if ev.Type == flick.EventFollow || ev.Type == flick.EventUnfollow {
				ev.VideoID, ev.TargetID = "", fmt.Sprint("c", rng.IntN(17))
			}
			w.steps = append(w.steps, func(e *Engine) { e.Observe(ev) })
		}
	}
	return w
}

func (w *snapshotWorld) engine() *Engine {
	cfg := DefaultConfig()
	cfg.NeighbourBudget, cfg.History, cfg.ViewerTTL = 2000, 20, 6*time.Hour // small, so that bounds and expiry act
	e := NewEngine(cfg, func() time.Time { return w.now })
	e.AddVideos(w.videos)
	return e
}

func (w *snapshotWorld) play(e *Engine, from, to int) {
	for _, step := range w.steps[from:to] {
		step(e)
	}
}

// rankings is every viewer's (and an anonymous viewer's) ranked list.
func rankings(e *Engine) [][]Candidate {
	var out [][]Candidate
	for u := range 60 {
		out = append(out, e.Recommend(Request{ViewerID: fmt.Sprint("u", u), N: 30, Explore: 3}))
	}
	return append(out, e.Recommend(Request{N: 30, Explore: 3}))
}

func snapshotBytes(t *testing.T, e *Engine, seq uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := e.WriteSnapshot(&buf, seq); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSnapshotRestartEquivalence: an engine restored from a snapshot and
// fed the rest of the stream ranks exactly like one fed the whole stream,
// and its state is byte for byte the same.
func TestSnapshotRestartEquivalence(t *testing.T) {
	w := newSnapshotWorld()
	for _, cut := range []int{0, 1, 1234, 2000, len(w.steps)} {
		t.Run(fmt.Sprint("cut at ", cut), func(t *testing.T) {
			w.now = t0.Add(90 * 24 * time.Hour)
			full := w.engine()
			w.play(full, 0, len(w.steps))

			before := w.engine()
			w.play(before, 0, cut)
			restored := NewEngine(before.cfg, before.clock)
			seq, err := restored.ReadSnapshot(bytes.NewReader(snapshotBytes(t, before, uint64(cut))))
			if err != nil {
				t.Fatal(err)
			}
			if seq != uint64(cut) {
				t.Fatalf("snapshot covers %d, want %d", seq, cut)
			}
			w.play(restored, cut, len(w.steps))

			if got, want := rankings(restored), rankings(full); !reflect.DeepEqual(got, want) {
				t.Fatalf("rankings after snapshot and replay differ from a full replay:\n%v\nwant\n%v", got[0], want[0])
			}
			if !bytes.Equal(snapshotBytes(t, restored, 9), snapshotBytes(t, full, 9)) {
				t.Fatal("the restored engine's state differs from the full replay's")
			}
		})
	}
}

// withChecksum recomputes a snapshot's trailing checksum, to make damage
// that only the decoder can catch.
func withChecksum(b []byte) []byte {
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
	return b
}

func TestSnapshotRefusesBadData(t *testing.T) {
	w := newSnapshotWorld()
	src := w.engine()
	w.play(src, 0, 1000)
	good := snapshotBytes(t, src, 1000)
	versionAt := len(snapshotMagic)
	for _, tc := range []struct {
		name string
		data func() []byte
	}{
		{"empty", func() []byte { return nil }},
		{"truncated", func() []byte { return good[:len(good)/2] }},
		{"flipped bit", func() []byte { b := bytes.Clone(good); b[len(b)/3] ^= 0x10; return b }},
		{"bad checksum", func() []byte { b := bytes.Clone(good); b[len(b)-1] ^= 1; return b }},
		{"other format", func() []byte { b := bytes.Clone(good); copy(b, "NOTASNAP"); return withChecksum(b) }},
		{"other version", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint32(b[versionAt:], snapshotVersion+1)
			return withChecksum(b)
		}},
		{"index out of range", func() []byte {
			// The first creator's video list starts after the header and
			// the four counts; an index past the catalogue must be refused.
			b := bytes.Clone(good)
			p := len(snapshotMagic) + 12
			for range 4 {
				_, n := binary.Uvarint(b[p:])
				p += n
			}
			_, n := binary.Uvarint(b[p:]) // the creator's ID length
			p += n + int(b[p])
			_, n = binary.Uvarint(b[p:]) // the list's length
			p += n
			_, n = binary.Uvarint(b[p:]) // its first video
			b = append(b[:p:p], append(binary.AppendUvarint(nil, 1<<30), b[p+n:]...)...)
			return withChecksum(b)
		}},
		{"data after the state", func() []byte {
			b := append(bytes.Clone(good[:len(good)-4]), 0, 0, 0, 0, 0)
			return withChecksum(b)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := w.engine()
			w.play(e, 0, 500)
			want := rankings(e)
			_, err := e.ReadSnapshot(bytes.NewReader(tc.data()))
			if !errors.Is(err, ErrSnapshot) {
				t.Fatalf("got %v, want ErrSnapshot", err)
			}
			if !reflect.DeepEqual(rankings(e), want) {
				t.Fatal("a refused snapshot changed the engine")
			}
		})
	}
}

func TestSnapshotDir(t *testing.T) {
	ctx := context.Background()
	w := newSnapshotWorld()
	e := w.engine()
	d := SnapshotDir{Dir: filepath.Join(t.TempDir(), "recommend"), Keep: 2, Logger: slog.New(slog.DiscardHandler)}
	if seq, err := d.Load(ctx, e, 100); err != nil || seq != 0 {
		t.Fatalf("no snapshot yet: got %d, %v", seq, err)
	}
	states := map[uint64][][]Candidate{}
	for k, seq := range []uint64{10, 20, 30} {
		w.play(e, k*1000, (k+1)*1000)
		if err := d.Save(ctx, e, seq); err != nil {
			t.Fatal(err)
		}
		states[seq] = rankings(e)
	}
	names, err := filepath.Glob(filepath.Join(d.Dir, "*"))
	if err != nil || len(names) != 2 {
		t.Fatalf("directory holds %v, want the 2 newest snapshots", names)
	}
	load := func(maxSeq uint64) uint64 {
		t.Helper()
		fresh := w.engine()
		seq, err := d.Load(ctx, fresh, maxSeq)
		if err != nil {
			t.Fatal(err)
		}
		if seq != 0 && !reflect.DeepEqual(rankings(fresh), states[seq]) {
			t.Fatalf("the engine loaded from snapshot %d does not rank as when it was saved", seq)
		}
		return seq
	}
	t.Run("newest", func(t *testing.T) {
		if seq := load(30); seq != 30 {
			t.Fatalf("loaded %d, want 30", seq)
		}
	})
	t.Run("beyond the log", func(t *testing.T) {
		if seq := load(25); seq != 20 {
			t.Fatalf("with the log ending at 25 loaded %d, want 20", seq)
		}
	})
	t.Run("corrupt newest falls back", func(t *testing.T) {
		path := filepath.Join(d.Dir, snapshotName(30))
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0xff
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if seq := load(30); seq != 20 {
			t.Fatalf("loaded %d, want the older snapshot 20", seq)
		}
	})
	t.Run("all corrupt means a full replay", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(d.Dir, snapshotName(20)), []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
		if seq := load(30); seq != 0 {
			t.Fatalf("loaded %d, want none", seq)
		}
	})
}

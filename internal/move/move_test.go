package move_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/move"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/node/nodetest"
	"github.com/flick-video/flick/internal/residency"
)

// world is the busy two-region world of nodetest.
type world struct{ *nodetest.Busy }

func newWorld(t *testing.T) *world { return &world{nodetest.StartBusy(t)} }

func (w *world) newMover(t *testing.T, step func(context.Context, string) error) *move.Mover {
	t.Helper()
	return move.New(move.Config{Directory: w.Directory, Router: w.Router, Audit: w.Audit,
		Clock: time.Now, Logger: slog.New(slog.DiscardHandler), Step: step})
}

func (w *world) check(t *testing.T) *residency.Report {
	t.Helper()
	rep, err := residency.Check(context.Background(), w.Directory, w.Router.Cells())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantClean(t *testing.T, rep *residency.Report) {
	t.Helper()
	for _, v := range rep.Violations {
		t.Errorf("violation: %s", v)
	}
	if len(rep.Moves) > 0 {
		t.Errorf("pending moves: %+v", rep.Moves)
	}
}

// aggregates are what every region sums: the counts of every video and the
// follower and following counts of every account.
func (w *world) aggregates(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, id := range append([]string{w.UlfVideo, w.EveVideo}, w.MiaVideos[:2]...) {
		v, err := w.Router.Video(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "video %s %+v\n", id, v.Counts)
	}
	for _, id := range []string{w.Mia, w.Ulf, w.Eve} {
		a, err := w.Router.Account(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "account %s followers %d following %d\n", a.Handle, a.FollowerCount, a.FollowingCount)
	}
	return b.String()
}

// wantHomedIn checks that mia has exactly one live copy, in region home,
// whose records hash to wantHash, and that the other region holds nothing
// of her: no records, media, events or words in any file.
func (w *world) wantHomedIn(t *testing.T, home, wantHash string) {
	t.Helper()
	ctx := context.Background()
	if got, err := w.Directory.Region(ctx, w.Mia); err != nil || got != home {
		t.Fatalf("directory: mia is homed in %q (%v), want %s", got, err, home)
	}
	for _, c := range w.Router.Cells() {
		d, err := c.Store.AccountData(ctx, w.Mia)
		evs, eerr := c.Events.AccountEvents(ctx, w.Mia)
		if eerr != nil {
			t.Fatal(eerr)
		}
		keys, kerr := c.Blobs.Keys(ctx, "")
		if kerr != nil {
			t.Fatal(kerr)
		}
		var mine []string
		for _, k := range keys {
			if k == flick.AvatarKey(w.Mia) || slices.ContainsFunc(w.MiaVideos, func(v string) bool { return strings.HasPrefix(k, "videos/"+v+"/") }) {
				mine = append(mine, k)
			}
		}
		if c.Region == home {
			if err != nil {
				t.Fatalf("home %s: %v", home, err)
			}
			if h, err := move.DataHash(d); err != nil || h != wantHash {
				t.Errorf("home %s: records hash %s (%v), want %s", home, h, err, wantHash)
			}
			if len(evs) != nodetest.MiaEvents {
				t.Errorf("home %s: %d events of mia, want %d", home, len(evs), nodetest.MiaEvents)
			}
			if len(mine) != 8 {
				t.Errorf("home %s: media of mia %q, want 8 files", home, mine)
			}
			continue
		}
		if flick.ErrorCode(err) != flick.ENOTFOUND {
			t.Errorf("region %s still stores mia: %v", c.Region, err)
		}
		if len(evs) > 0 || len(mine) > 0 {
			t.Errorf("region %s still holds %d events and media %q of mia", c.Region, len(evs), mine)
		}
		w.wantNoTrace(t, c.Region)
	}
}

// wantNoTrace scans every file of a region (database, media, event log,
// recommender snapshots) for mia's email, her bio and her comment's text,
// and the event log for her ID (the recommender's snapshots may name her
// as the author of her public videos).
func (w *world) wantNoTrace(t *testing.T, region string) {
	t.Helper()
	rdir := node.RegionDir(w.Data, region)
	needles := [][]byte{[]byte(w.MiaEmail), []byte(w.MiaSecret), []byte("mia thanks everyone"), []byte("avatar of mia")}
	err := filepath.WalkDir(rdir, func(path string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		rel, _ := filepath.Rel(rdir, path)
		check := needles
		if strings.HasPrefix(rel, "events") {
			check = append(check, []byte(w.Mia))
		}
		for _, n := range check {
			if bytes.Contains(data, n) {
				t.Errorf("region %s: %s still holds %q", region, rel, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// receipts returns the access log's move entries about mia.
func (w *world) receipts(t *testing.T) []flick.AccessEntry {
	t.Helper()
	entries, err := w.Audit.EntriesAbout(context.Background(), w.Mia, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []flick.AccessEntry
	for _, e := range entries {
		if e.Action == flick.AccessMove {
			out = append(out, e)
		}
	}
	return out
}

func TestMoveBusyAccount(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	wantClean(t, w.check(t))
	before := w.aggregates(t)
	srcData, err := w.Cell(t, "us").Store.AccountData(ctx, w.Mia)
	if err != nil {
		t.Fatal(err)
	}
	wantHash, err := move.DataHash(srcData)
	if err != nil {
		t.Fatal(err)
	}

	frozen := false
	m := w.newMover(t, func(ctx context.Context, step string) error {
		if step == move.StepImported {
			// While the copy is made, the account's requests and events wait.
			_, err := w.Router.Account(ctx, w.Mia)
			_, aerr := w.Engagement.Record(ctx, flick.Viewer{AccountID: w.Mia}, []flick.ClientEvent{{Type: flick.EventView, VideoID: w.UlfVideo}})
			frozen = flick.ErrorCode(err) == flick.EUNAVAILABLE && flick.ErrorCode(aerr) == flick.EUNAVAILABLE
		}
		return nil
	})
	r, err := m.Move(ctx, w.Mia, "eu", "system:test", "the person moved to Europe")
	if err != nil {
		t.Fatal(err)
	}
	if !frozen {
		t.Error("mia was not frozen while her data was copied")
	}
	if r.From != "us" || r.To != "eu" || r.DataHash != wantHash || r.MediaFiles != 8 || r.Events != nodetest.MiaEvents ||
		r.Records["videos"] != 3 || r.Records["likes"] != 3 || r.Records["comments"] != 2 || r.Records["sessions"] != 2 ||
		r.Records["notifications"] != 3 {
		t.Errorf("receipt = %+v", r)
	}
	w.wantHomedIn(t, "eu", wantHash)
	// Her inbox moved with her: ulf's like and comment, her upload ready.
	if in, err := w.Notifications.Inbox(ctx, w.Mia, flick.Page{}); err != nil || len(in.Items) != 3 || in.Unread != 3 {
		t.Errorf("inbox after the move: %+v, %v", in, err)
	}
	wantClean(t, w.check(t))
	if got := w.aggregates(t); got != before {
		t.Errorf("aggregates changed by the move:\n%s\nwant\n%s", got, before)
	}

	// She still signs in where she is now, and her videos play.
	hash := sha256.Sum256(w.MiaToken)
	if s, err := w.Router.SessionByTokenHash(ctx, hash[:], time.Now()); err != nil || s.AccountID != w.Mia {
		t.Errorf("session after the move: %+v, %v", s, err)
	}
	if ph, err := w.Store(t, w.Mia).PasswordHash(ctx, w.Mia); err != nil || ph != "hash-of-mia" {
		t.Errorf("password hash after the move: %q, %v", ph, err)
	}
	v, err := w.Router.Video(ctx, w.MiaVideos[0])
	if err != nil || v.Status != flick.StatusReady || len(v.Renditions) != 1 {
		t.Fatalf("video after the move: %+v, %v", v, err)
	}
	b, _, err := w.Router.OpenMedia(ctx, v.Renditions[0].Key, func() (string, error) { return "", nil })
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(b)
	b.Close()
	if string(data) != "360p of mia dances #fun" {
		t.Errorf("rendition after the move = %q", data)
	}

	rs := w.receipts(t)
	if len(rs) != 1 || rs[0].Actor != "system:test" || rs[0].ActorRole != "system" || rs[0].Region != "us" ||
		!strings.Contains(rs[0].Detail, "data_sha256="+wantHash) || !strings.Contains(rs[0].Detail, "move="+r.MoveID) {
		t.Errorf("access log receipts = %+v", rs)
	}

	// And she can move back.
	if _, err := m.Move(ctx, w.Mia, "us", "system:test", "back home"); err != nil {
		t.Fatal(err)
	}
	w.wantHomedIn(t, "us", wantHash)
	wantClean(t, w.check(t))
	if got := w.aggregates(t); got != before {
		t.Errorf("aggregates changed by moving there and back:\n%s\nwant\n%s", got, before)
	}
}

// errKilled stands for the process dying at a step.
var errKilled = errors.New("killed")

// miaHash returns the hash of mia's records in us, her home.
func (w *world) miaHash(t *testing.T) string {
	t.Helper()
	d, err := w.Cell(t, "us").Store.AccountData(context.Background(), w.Mia)
	if err != nil {
		t.Fatal(err)
	}
	h, err := move.DataHash(d)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// killMove moves mia to eu with a mover that stops, as if killed, at step.
func (w *world) killMove(t *testing.T, step string) {
	t.Helper()
	m := w.newMover(t, func(_ context.Context, s string) error {
		if s == step {
			return errKilled
		}
		return nil
	})
	if _, err := m.Move(context.Background(), w.Mia, "eu", "system:test", "interrupted"); !errors.Is(err, errKilled) {
		t.Fatalf("Move = %v, want it killed", err)
	}
}

// killedWorld is a busy world whose move of mia to eu was killed at step,
// and the hash of mia's records before it.
func killedWorld(t *testing.T, step string) (*world, string) {
	t.Helper()
	w := newWorld(t)
	wantHash := w.miaHash(t)
	w.killMove(t, step)
	return w, wantHash
}

// TestMoveInterrupted stops a move after each step, as kill -9 would, and
// resumes it with a new mover: before the switch the move is rolled back,
// after it finished, and either way exactly one copy is live, the other
// region holds nothing and the receipt is recorded once.
func TestMoveInterrupted(t *testing.T) {
	steps := []struct {
		step     string
		finished bool
	}{
		{move.StepBegun, false}, {move.StepImported, false}, {move.StepMediaCopied, false}, {move.StepEventsCopied, false}, {move.StepVerified, false},
		{move.StepSwitched, true}, {move.StepReleased, true}, {move.StepMediaDeleted, true}, {move.StepErased, true}, {move.StepRecorded, true},
	}
	for _, tt := range steps {
		t.Run(tt.step, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w, wantHash := killedWorld(t, tt.step)
			rep := w.check(t)
			if len(rep.Moves) != 1 || rep.Moves[0].AccountID != w.Mia {
				t.Errorf("check: pending moves %+v", rep.Moves)
			}
			if leaves := tt.step != move.StepBegun && tt.step != move.StepErased && tt.step != move.StepRecorded; leaves != (len(rep.Violations) > 0) {
				t.Errorf("check found %d violations", len(rep.Violations))
			}
			for _, v := range rep.Violations {
				if !strings.Contains(v.Detail, "interrupted move") {
					t.Errorf("violation does not name the move: %s", v)
				}
			}

			resumed, err := w.newMover(t, nil).Resume(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want, home := "rolled back", "us"
			if tt.finished {
				want, home = "completed", "eu"
			}
			if len(resumed) != 1 || resumed[0].Outcome != want || resumed[0].AccountID != w.Mia {
				t.Fatalf("Resume = %+v, want %s", resumed, want)
			}
			w.wantHomedIn(t, home, wantHash)
			wantClean(t, w.check(t))
			if n := len(w.receipts(t)); tt.finished != (n == 1) || n > 1 {
				t.Errorf("%d receipts in the access log", n)
			}
			// A resumed (or rolled back) move leaves nothing to resume.
			if again, err := w.newMover(t, nil).Resume(ctx); err != nil || len(again) != 0 {
				t.Errorf("second Resume = %+v, %v", again, err)
			}
			if !tt.finished {
				// The move can be made again.
				if _, err := w.newMover(t, nil).Move(ctx, w.Mia, "eu", "system:test", "again"); err != nil {
					t.Fatal(err)
				}
				w.wantHomedIn(t, "eu", wantHash)
				wantClean(t, w.check(t))
			}
		})
	}
}

// TestMoveAgainAfterInterruption reruns an interrupted move with Move
// (as an admin does through the API): the interrupted move is rolled back
// or finished first.
func TestMoveAgainAfterInterruption(t *testing.T) {
	tests := []struct {
		step, to string
		receipts int
	}{
		{move.StepVerified, "eu", 1}, // rolled back, then moved
		{move.StepSwitched, "us", 2}, // finished, then moved back
	}
	for _, tt := range tests {
		t.Run(tt.step, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w, wantHash := killedWorld(t, tt.step)
			if _, err := w.newMover(t, nil).Move(ctx, w.Mia, tt.to, "system:test", "again"); err != nil {
				t.Fatal(err)
			}
			w.wantHomedIn(t, tt.to, wantHash)
			wantClean(t, w.check(t))
			if n := len(w.receipts(t)); n != tt.receipts {
				t.Errorf("%d receipts, want %d", n, tt.receipts)
			}
		})
	}
}

// corrupting is a media store that damages what it stores.
type corrupting struct{ flick.BlobStore }

func (c corrupting) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return 0, err
	}
	if strings.HasSuffix(key, "poster.jpg") {
		data[0] ^= 0xff
	}
	return c.BlobStore.Put(ctx, key, bytes.NewReader(data))
}

func TestMoveVerifiesTheCopy(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	wantHash := w.miaHash(t)
	eu := w.Cell(t, "eu")
	eu.Blobs = corrupting{eu.Blobs}
	_, err := w.newMover(t, nil).Move(ctx, w.Mia, "eu", "system:test", "corrupted copy")
	if err == nil || !strings.Contains(err.Error(), "poster.jpg differs") {
		t.Fatalf("Move = %v, want the damaged poster found", err)
	}
	w.wantHomedIn(t, "us", wantHash)
	wantClean(t, w.check(t))
	if n := len(w.receipts(t)); n != 0 {
		t.Errorf("%d receipts of a failed move", n)
	}
	if _, err := w.Router.Account(ctx, w.Mia); err != nil {
		t.Errorf("mia after the failed move: %v", err)
	}
}

func TestMoveRefuses(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	processing := &flick.Video{ID: flick.NewID(time.Now()), AuthorID: w.Ulf, CreatedAt: time.Now(), DurationMS: 1000}
	if err := w.Store(t, w.Ulf).CreateVideo(ctx, processing); err != nil {
		t.Fatal(err)
	}
	m := w.newMover(t, nil)
	tests := []struct {
		name, account, to, actor, reason string
		code                             string
	}{
		{"same region", w.Mia, "us", "system:test", "why", flick.EINVALID},
		{"unknown region", w.Mia, "mars", "system:test", "why", flick.EINVALID},
		{"no reason", w.Mia, "eu", "system:test", " ", flick.EINVALID},
		{"bad actor", w.Mia, "eu", "root", "why", flick.EINVALID},
		{"unknown account", flick.NewID(time.Now()), "eu", "system:test", "why", flick.ENOTFOUND},
		{"video processing", w.Ulf, "eu", "system:test", "why", flick.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := m.Move(ctx, tt.account, tt.to, tt.actor, tt.reason); flick.ErrorCode(err) != tt.code {
				t.Errorf("Move = %v, want %s", err, tt.code)
			}
		})
	}
	wantClean(t, w.check(t))
	if _, err := w.Router.Account(ctx, w.Ulf); err != nil {
		t.Errorf("ulf after the refused move: %v", err)
	}
}

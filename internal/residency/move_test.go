package residency

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
	"sync"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/audit"
	"github.com/flick-video/flick/internal/blob"
	"github.com/flick-video/flick/internal/events"
	"github.com/flick-video/flick/internal/recommend"
	"github.com/flick-video/flick/internal/sqlite"
)

// world is two real regions, "us" and "eu", each with its SQLite store,
// media directory, embedded event log, projector and learner running, the
// directory, a router over them and the access log.
type world struct {
	root   string
	dir    *Directory
	router *Router
	events *Events
	media  *Media
	cells  []Cell
	stores map[string]*sqlite.DB
	blobs  map[string]*blob.Dir
	logs   map[string]*events.Log
	audit  *audit.Log

	// the busy account that tests move, and two others
	mia, ulf, eve       string
	miaToken            []byte
	miaVideos           []string
	ulfVideo, eveVideo  string
	miaComment          string
	miaEmail, miaSecret string // texts that must not stay behind at the source
}

// miaEvents is how many events populate gives mia: 3 likes, 2 comments,
// 3 impressions and views and a publish.
const miaEvents = 12

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &world{root: t.TempDir(), stores: map[string]*sqlite.DB{}, blobs: map[string]*blob.Dir{}, logs: map[string]*events.Log{}}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		for _, l := range w.logs {
			l.Close()
		}
		for _, s := range w.stores {
			s.Close()
		}
		if w.dir != nil {
			w.dir.Close()
		}
		if w.audit != nil {
			w.audit.Close()
		}
	})
	var err error
	if w.dir, err = OpenDirectory(ctx, filepath.Join(w.root, "directory.db")); err != nil {
		t.Fatal(err)
	}
	if w.audit, err = audit.Open(ctx, filepath.Join(w.root, "audit"), "", time.Now); err != nil {
		t.Fatal(err)
	}
	regions := []string{"us", "eu"}
	stores := make([]flick.RegionStore, len(regions))
	logs := make([]flick.EventAppender, len(regions))
	waiters := make([]SeqWaiter, len(regions))
	blobStores := make([]flick.BlobStore, len(regions))
	projectors := make([]*events.Projector, len(regions))
	for i, region := range regions {
		rdir := filepath.Join(w.root, "regions", region)
		if err := os.MkdirAll(rdir, 0o750); err != nil {
			t.Fatal(err)
		}
		db, err := sqlite.Open(ctx, filepath.Join(rdir, "flick.db"), time.Now)
		if err != nil {
			t.Fatal(err)
		}
		w.stores[region], stores[i] = db, db
		if w.blobs[region], err = blob.NewDir(filepath.Join(rdir, "media")); err != nil {
			t.Fatal(err)
		}
		blobStores[i] = w.blobs[region]
		if w.logs[region], err = events.OpenEmbedded(ctx, filepath.Join(rdir, "events"), region, quietLogger(), nil); err != nil {
			t.Fatal(err)
		}
		logs[i] = w.logs[region]
		projectors[i] = events.NewProjector(w.logs[region], db, quietLogger(), nil)
		waiters[i] = projectors[i]
	}
	w.router = NewRouter(w.dir, regions, stores, time.Now)
	w.events = NewEvents(w.router, logs, waiters)
	w.media = NewMedia(w.router, blobStores, nil)
	for i, region := range regions {
		snapshots := filepath.Join(w.root, "regions", region, "recommend")
		learner := recommend.NewLearner(recommend.NewEngine(recommend.DefaultConfig(), time.Now), w.logs[region], w.router, time.Now, snapshots, quietLogger())
		w.cells = append(w.cells, Cell{Region: region, Store: w.stores[region], Blobs: w.blobs[region], Log: w.logs[region], Projector: projectors[i], Learner: learner})
		for _, run := range []func(context.Context) error{projectors[i].Run, learner.Run} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run(ctx)
			}()
		}
	}
	w.populate(t)
	return w
}

// populate makes mia, a busy account of us: a profile with an avatar, two
// sessions, three videos with media, follows both ways and across regions,
// likes, comments and a reply from eu, hidden creators, not-interested
// marks, settings and events; ulf lives in us and eve in eu.
func (w *world) populate(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	account := func(handle, region string) string {
		a := &flick.Account{Handle: handle, Region: region, Email: handle + "@example.org", Birthdate: "2000-01-01"}
		if err := w.router.CreateAccount(ctx, a, "hash-of-"+handle); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	w.mia, w.ulf, w.eve = account("mia", "us"), account("ulf", "us"), account("eve", "eu")
	w.miaEmail, w.miaSecret = "mia@example.org", "mias-secret-bio-words"
	bio, hasAvatar := w.miaSecret, true
	if _, err := w.router.UpdateProfile(ctx, w.mia, flick.ProfileUpdate{Bio: &bio, HasAvatar: &hasAvatar}); err != nil {
		t.Fatal(err)
	}
	w.put(t, flick.AvatarKey(w.mia), "avatar of mia")
	w.put(t, flick.AvatarKey(w.eve), "avatar of eve")
	for i := range 2 {
		token := []byte(fmt.Sprintf("token %d of mia", i))
		hash := sha256.Sum256(token)
		if i == 0 {
			w.miaToken = token
		}
		s := &flick.Session{ID: flick.NewID(time.Now()), AccountID: w.mia, TokenHash: hash[:], UserAgent: "test", CreatedAt: time.Now(),
			LastSeenAt: time.Now(), ExpiresAt: time.Now().Add(24 * time.Hour)}
		if err := w.router.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	video := func(author, caption string, status flick.VideoStatus) string {
		v := &flick.Video{ID: flick.NewID(time.Now()), AuthorID: author, Caption: caption, DurationMS: 4000, Width: 720, Height: 1280,
			CreatedAt: time.Now(), OriginalKey: "videos/{id}/original"}
		v.OriginalKey = "videos/" + v.ID + "/original"
		if err := w.router.CreateVideo(ctx, v); err != nil {
			t.Fatal(err)
		}
		w.put(t, v.OriginalKey, "original of "+caption)
		switch status {
		case flick.StatusReady:
			w.put(t, "videos/"+v.ID+"/360p.mp4", "360p of "+caption)
			w.put(t, "videos/"+v.ID+"/poster.jpg", "poster of "+caption)
			if err := w.router.AddRendition(ctx, v.ID, flick.RenditionUpdate{Ready: true, Complete: true, PosterKey: "videos/" + v.ID + "/poster.jpg",
				Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Bitrate: 500_000, Size: 10, Key: "videos/" + v.ID + "/360p.mp4", Mime: "video/mp4"}}); err != nil {
				t.Fatal(err)
			}
		case flick.StatusFailed:
			if err := w.router.SetFailed(ctx, v.ID, "no video stream"); err != nil {
				t.Fatal(err)
			}
		}
		return v.ID
	}
	w.miaVideos = []string{video(w.mia, "mia dances #fun", flick.StatusReady), video(w.mia, "mia sings", flick.StatusReady), video(w.mia, "mia fails", flick.StatusFailed)}
	w.ulfVideo, w.eveVideo = video(w.ulf, "ulf cooks", flick.StatusReady), video(w.eve, "eve runs", flick.StatusReady)
	now := time.Now()
	must := func(_ bool, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.router.Follow(ctx, w.mia, w.ulf, now))
	must(w.router.Follow(ctx, w.mia, w.eve, now))
	must(w.router.Follow(ctx, w.ulf, w.mia, now))
	must(w.router.Follow(ctx, w.eve, w.mia, now))
	// Each like and comment is a record in the actor's region and an
	// event in its log (which the counters come from), as the API makes them.
	evs := map[string][]flick.Event{}
	like := func(account, video string) {
		t.Helper()
		must(w.router.Like(ctx, account, video, now))
		evs[account] = append(evs[account], flick.Event{Type: flick.EventLike, AccountID: account, VideoID: video, At: now})
	}
	comment := func(author, video, parent, text string) string {
		t.Helper()
		c := &flick.Comment{ID: flick.NewID(time.Now()), VideoID: video, AuthorID: author, ParentID: parent, Text: text, CreatedAt: time.Now()}
		if err := w.router.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
		evs[author] = append(evs[author], flick.Event{Type: flick.EventComment, AccountID: author, VideoID: video, TargetID: c.ID, At: now})
		return c.ID
	}
	like(w.mia, w.ulfVideo)
	like(w.mia, w.eveVideo)
	like(w.mia, w.miaVideos[0])
	like(w.ulf, w.miaVideos[0])
	like(w.eve, w.miaVideos[0])
	must(w.router.Block(ctx, w.mia, w.eve, now))
	must(w.router.MarkNotInterested(ctx, w.mia, w.ulfVideo, now))
	if _, err := w.router.PutSettings(ctx, w.mia, flick.ViewerSettings{KeywordFilters: []string{"spoilers"}}); err != nil {
		t.Fatal(err)
	}
	w.miaComment = comment(w.mia, w.eveVideo, "", "mia says nice run")
	comment(w.eve, w.eveVideo, w.miaComment, "eve says thanks mia")
	comment(w.ulf, w.miaVideos[0], "", "ulf likes the dance")
	comment(w.mia, w.miaVideos[0], "", "mia thanks everyone")
	for _, v := range []string{w.ulfVideo, w.eveVideo, w.miaVideos[1]} {
		evs[w.mia] = append(evs[w.mia], flick.Event{Type: flick.EventImpression, AccountID: w.mia, VideoID: v, At: now},
			flick.Event{Type: flick.EventView, AccountID: w.mia, VideoID: v, WatchMS: 4000, DurationMS: 4000, At: now})
	}
	evs[w.mia] = append(evs[w.mia], flick.Event{Type: flick.EventPublish, AccountID: w.mia, VideoID: w.miaVideos[0], At: now})
	evs[w.ulf] = append(evs[w.ulf], flick.Event{Type: flick.EventView, AccountID: w.ulf, VideoID: w.miaVideos[0], WatchMS: 4000, DurationMS: 4000, At: now})
	for _, id := range []string{w.mia, w.ulf, w.eve} {
		w.appendEvents(t, evs[id]...)
	}
	w.appendEvents(t, flick.Event{Type: flick.EventView, AccountID: w.eve, VideoID: w.miaVideos[0], WatchMS: 2000, DurationMS: 4000, At: now})
}

// put stores a blob in the region that Media routes key to.
func (w *world) put(t *testing.T, key, content string) {
	t.Helper()
	if _, err := w.media.Put(context.Background(), key, strings.NewReader(content)); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// appendEvents appends one account's events and waits until they are
// projected.
func (w *world) appendEvents(t *testing.T, evs ...flick.Event) {
	t.Helper()
	ctx := context.Background()
	seq, err := w.events.Append(ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.events.WaitFor(ctx, evs[0].AccountID, seq); err != nil {
		t.Fatal(err)
	}
}

func (w *world) newMover(t *testing.T, step func(context.Context, string) error) *Mover {
	t.Helper()
	m := NewMover(MoverConfig{Directory: w.dir, Router: w.router, Cells: w.cells, Audit: w.audit,
		Clock: time.Now, Logger: quietLogger(), Step: step})
	return m
}

func (w *world) check(t *testing.T) *Report {
	t.Helper()
	rep, err := Check(context.Background(), w.dir, w.cells)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantClean(t *testing.T, rep *Report) {
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
	for _, id := range append([]string{w.ulfVideo, w.eveVideo}, w.miaVideos[:2]...) {
		v, err := w.router.Video(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "video %s %+v\n", id, v.Counts)
	}
	for _, id := range []string{w.mia, w.ulf, w.eve} {
		a, err := w.router.Account(ctx, id)
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
	if got, err := w.dir.Region(ctx, w.mia); err != nil || got != home {
		t.Fatalf("directory: mia is homed in %q (%v), want %s", got, err, home)
	}
	for _, c := range w.cells {
		d, err := c.Store.AccountData(ctx, w.mia)
		evs, eerr := c.Log.AccountEvents(ctx, w.mia)
		if eerr != nil {
			t.Fatal(eerr)
		}
		keys, kerr := w.blobs[c.Region].Keys(ctx, "")
		if kerr != nil {
			t.Fatal(kerr)
		}
		var mine []string
		for _, k := range keys {
			if k == flick.AvatarKey(w.mia) || slices.ContainsFunc(w.miaVideos, func(v string) bool { return strings.HasPrefix(k, "videos/"+v+"/") }) {
				mine = append(mine, k)
			}
		}
		if c.Region == home {
			if err != nil {
				t.Fatalf("home %s: %v", home, err)
			}
			if h, err := dataHash(d); err != nil || h != wantHash {
				t.Errorf("home %s: records hash %s (%v), want %s", home, h, err, wantHash)
			}
			if len(evs) != miaEvents {
				t.Errorf("home %s: %d events of mia, want %d", home, len(evs), miaEvents)
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
	rdir := filepath.Join(w.root, "regions", region)
	needles := [][]byte{[]byte(w.miaEmail), []byte(w.miaSecret), []byte("mia thanks everyone"), []byte("avatar of mia")}
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
			check = append(check, []byte(w.mia))
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
	entries, err := w.audit.EntriesAbout(context.Background(), w.mia, 0, 100)
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
	srcData, err := w.stores["us"].AccountData(ctx, w.mia)
	if err != nil {
		t.Fatal(err)
	}
	wantHash, err := dataHash(srcData)
	if err != nil {
		t.Fatal(err)
	}

	frozen := false
	m := w.newMover(t, func(ctx context.Context, step string) error {
		if step == StepImported {
			// While the copy is made, the account's requests and events wait.
			_, err := w.router.Account(ctx, w.mia)
			_, aerr := w.events.Append(ctx, []flick.Event{{Type: flick.EventView, AccountID: w.mia, VideoID: w.ulfVideo, At: time.Now()}})
			frozen = flick.ErrorCode(err) == flick.EUNAVAILABLE && flick.ErrorCode(aerr) == flick.EUNAVAILABLE
		}
		return nil
	})
	r, err := m.Move(ctx, w.mia, "eu", "system:test", "the person moved to Europe")
	if err != nil {
		t.Fatal(err)
	}
	if !frozen {
		t.Error("mia was not frozen while her data was copied")
	}
	if r.From != "us" || r.To != "eu" || r.DataHash != wantHash || r.MediaFiles != 8 || r.Events != miaEvents ||
		r.Records["videos"] != 3 || r.Records["likes"] != 3 || r.Records["comments"] != 2 || r.Records["sessions"] != 2 {
		t.Errorf("receipt = %+v", r)
	}
	w.wantHomedIn(t, "eu", wantHash)
	wantClean(t, w.check(t))
	if got := w.aggregates(t); got != before {
		t.Errorf("aggregates changed by the move:\n%s\nwant\n%s", got, before)
	}

	// She still signs in where she is now, and her videos play.
	hash := sha256.Sum256(w.miaToken)
	if s, err := w.router.SessionByTokenHash(ctx, hash[:], time.Now()); err != nil || s.AccountID != w.mia {
		t.Errorf("session after the move: %+v, %v", s, err)
	}
	if ph, err := w.router.PasswordHash(ctx, w.mia); err != nil || ph != "hash-of-mia" {
		t.Errorf("password hash after the move: %q, %v", ph, err)
	}
	v, err := w.router.Video(ctx, w.miaVideos[0])
	if err != nil || v.Status != flick.StatusReady || len(v.Renditions) != 1 {
		t.Fatalf("video after the move: %+v, %v", v, err)
	}
	b, err := w.media.Open(ctx, v.Renditions[0].Key)
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
	if _, err := m.Move(ctx, w.mia, "us", "system:test", "back home"); err != nil {
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
	d, err := w.stores["us"].AccountData(context.Background(), w.mia)
	if err != nil {
		t.Fatal(err)
	}
	h, err := dataHash(d)
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
	if _, err := m.Move(context.Background(), w.mia, "eu", "system:test", "interrupted"); !errors.Is(err, errKilled) {
		t.Fatalf("Move = %v, want it killed", err)
	}
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
		{StepBegun, false}, {StepImported, false}, {StepMediaCopied, false}, {StepEventsCopied, false}, {StepVerified, false},
		{StepSwitched, true}, {StepPurged, true}, {StepMediaDeleted, true}, {StepErased, true}, {StepRecorded, true},
	}
	for _, tt := range steps {
		t.Run(tt.step, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w := newWorld(t)
			wantHash := w.miaHash(t)
			w.killMove(t, tt.step)
			rep := w.check(t)
			if len(rep.Moves) != 1 || rep.Moves[0].AccountID != w.mia {
				t.Errorf("check: pending moves %+v", rep.Moves)
			}
			if leaves := tt.step != StepBegun && tt.step != StepErased && tt.step != StepRecorded; leaves != (len(rep.Violations) > 0) {
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
			if len(resumed) != 1 || resumed[0].Outcome != want || resumed[0].AccountID != w.mia {
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
				if _, err := w.newMover(t, nil).Move(ctx, w.mia, "eu", "system:test", "again"); err != nil {
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
		{StepVerified, "eu", 1}, // rolled back, then moved
		{StepSwitched, "us", 2}, // finished, then moved back
	}
	for _, tt := range tests {
		t.Run(tt.step, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w := newWorld(t)
			wantHash := w.miaHash(t)
			w.killMove(t, tt.step)
			if _, err := w.newMover(t, nil).Move(ctx, w.mia, tt.to, "system:test", "again"); err != nil {
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
type corrupting struct{ *blob.Dir }

func (c corrupting) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return 0, err
	}
	if strings.HasSuffix(key, "poster.jpg") {
		data[0] ^= 0xff
	}
	return c.Dir.Put(ctx, key, bytes.NewReader(data))
}

func TestMoveVerifiesTheCopy(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	wantHash := w.miaHash(t)
	for i := range w.cells {
		if w.cells[i].Region == "eu" {
			w.cells[i].Blobs = corrupting{w.blobs["eu"]}
		}
	}
	_, err := w.newMover(t, nil).Move(ctx, w.mia, "eu", "system:test", "corrupted copy")
	if err == nil || !strings.Contains(err.Error(), "poster.jpg differs") {
		t.Fatalf("Move = %v, want the damaged poster found", err)
	}
	w.wantHomedIn(t, "us", wantHash)
	wantClean(t, w.check(t))
	if n := len(w.receipts(t)); n != 0 {
		t.Errorf("%d receipts of a failed move", n)
	}
	if _, err := w.router.Account(ctx, w.mia); err != nil {
		t.Errorf("mia after the failed move: %v", err)
	}
}

func TestMoveRefuses(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	processing := &flick.Video{ID: flick.NewID(time.Now()), AuthorID: w.ulf, CreatedAt: time.Now(), DurationMS: 1000}
	if err := w.router.CreateVideo(ctx, processing); err != nil {
		t.Fatal(err)
	}
	m := w.newMover(t, nil)
	tests := []struct {
		name, account, to, actor, reason string
		code                             string
	}{
		{"same region", w.mia, "us", "system:test", "why", flick.EINVALID},
		{"unknown region", w.mia, "mars", "system:test", "why", flick.EINVALID},
		{"no reason", w.mia, "eu", "system:test", " ", flick.EINVALID},
		{"bad actor", w.mia, "eu", "root", "why", flick.EINVALID},
		{"unknown account", flick.NewID(time.Now()), "eu", "system:test", "why", flick.ENOTFOUND},
		{"video processing", w.ulf, "eu", "system:test", "why", flick.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := m.Move(ctx, tt.account, tt.to, tt.actor, tt.reason); flick.ErrorCode(err) != tt.code {
				t.Errorf("Move = %v, want %s", err, tt.code)
			}
		})
	}
	wantClean(t, w.check(t))
	if _, err := w.router.Account(ctx, w.ulf); err != nil {
		t.Errorf("ulf after the refused move: %v", err)
	}
}

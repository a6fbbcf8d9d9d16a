package recommend

import (
	"context"
	"encoding/base64"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	flick "github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqlite"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a real SQLite store with a controlled clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	store *sqlite.DB
	now   time.Time
	seq   uint64 // projection position of the counts applied so far
	names map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), now: t0, names: map[string]string{}}
	db, err := sqlite.Open(f.ctx, filepath.Join(t.TempDir(), "flick.db"), f.clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.store = db
	return f
}

func (f *fixture) clock() time.Time { return f.now }

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) account(handle string) string {
	f.t.Helper()
	a := &flick.Account{ID: flick.NewID(t0.Add(-time.Duration(len(f.names)+1) * time.Hour * 24 * 365)), Handle: handle,
		Region: flick.DefaultRegion, Birthdate: "2000-01-01", CreatedAt: t0.Add(-365 * 24 * time.Hour)}
	f.must(f.store.CreateAccount(f.ctx, a, "x"))
	return a.ID
}

// video creates a ready video called name, age old, with counts.
func (f *fixture) video(name, author string, age time.Duration, caption string, counts flick.Counts) string {
	f.t.Helper()
	id := f.processing(name, author, age, caption)
	f.must(f.store.AddRendition(f.ctx, id, flick.RenditionUpdate{Ready: true, Complete: true,
		Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Key: "videos/" + id + "/360p.mp4", Mime: "video/mp4"}}))
	if counts != (flick.Counts{}) {
		f.seq++
		f.must(f.store.ApplyProjection(f.ctx, "counters", f.seq, flick.ProjectionBatch{Counts: map[string]flick.Counts{id: counts}}))
	}
	return id
}

func (f *fixture) processing(name, author string, age time.Duration, caption string) string {
	f.t.Helper()
	created := f.now.Add(-age)
	tags, _ := flick.ParseCaption(caption)
	v := &flick.Video{ID: flick.NewID(created), AuthorID: author, Caption: caption, Hashtags: tags, CreatedAt: created,
		DurationMS: 10_000, Width: 720, Height: 1280, OriginalKey: "originals/x.mp4"}
	f.must(f.store.CreateVideo(f.ctx, v))
	f.names[v.ID] = name
	return v.ID
}

func (f *fixture) watch(account, video string, completed bool) {
	f.t.Helper()
	f.seq++
	f.must(f.store.ApplyProjection(f.ctx, "counters", f.seq, flick.ProjectionBatch{
		Watches: []flick.Watch{{AccountID: account, VideoID: video, WatchMS: 5_000, Completed: completed, At: f.now}}}))
}

func (f *fixture) namesOf(items []flick.FeedItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = f.names[it.ID]
	}
	return out
}

// world is a month of videos: popular old and new ones, fresh uploads,
// unfinished ones, one too old to be a candidate, one by the viewer and
// one the viewer watched through.
type world struct {
	*fixture
	viewer, alice string
	ids           map[string]string // name -> ID
	trending      *Trending
	foryou        *ForYou
}

func newWorld(t *testing.T) *world {
	f := newFixture(t)
	w := &world{fixture: f, ids: map[string]string{}}
	w.viewer, w.alice = f.account("viewer"), f.account("alice")
	day := 24 * time.Hour
	add := func(name, author string, age time.Duration, caption string, c flick.Counts) {
		w.ids[name] = f.video(name, author, age, caption, c)
	}
	add("ancient", w.alice, 40*day, "", flick.Counts{Views: 100_000})
	add("old", w.alice, 20*day, "", flick.Counts{})
	add("p1", w.alice, 5*day, "#cats", flick.Counts{Views: 1000, Likes: 100})
	add("w1", w.alice, day, "", flick.Counts{Views: 300})
	add("p2", w.alice, day, "#cats #dogs", flick.Counts{Views: 200, Likes: 10, Shares: 5})
	add("p3", w.alice, 2*day, "#dogs", flick.Counts{Views: 50, Comments: 2})
	add("f2", w.alice, 2*time.Hour, "", flick.Counts{Views: 3})
	add("f1", w.alice, time.Hour, "#new", flick.Counts{})
	add("own", w.viewer, time.Hour, "", flick.Counts{Views: 500})
	f.processing("processing", w.alice, time.Minute, "#cats")
	failed := f.processing("failed", w.alice, time.Minute, "#cats")
	f.must(f.store.SetFailed(f.ctx, failed, "broken"))
	f.watch(w.viewer, w.ids["w1"], true)
	f.watch(w.viewer, w.ids["p3"], false) // not through: still shown
	w.trending = NewTrending(f.store, f.clock, DefaultConfig())
	w.foryou = NewForYou(f.store, f.clock, DefaultConfig())
	return w
}

// pages reads the whole feed for viewer with pages of limit.
func pages(t *testing.T, feed flick.Feed, viewer string, limit int) [][]flick.FeedItem {
	t.Helper()
	var out [][]flick.FeedItem
	cursor := ""
	for range 100 {
		items, next, err := feed.Page(context.Background(), flick.FeedRequest{ViewerID: viewer, Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, items)
		if next == "" {
			return out
		}
		cursor = next
	}
	t.Fatal("the feed does not end")
	return nil
}

func TestForYou(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name   string
		viewer string
		limit  int
		want   [][]string
	}{
		// By popularity, every third slot a fresh upload (fewest views
		// first) while there are any.
		{"anonymous", "", 3, [][]string{{"own", "p1", "f1"}, {"w1", "p2", "f2"}, {"p3", "old"}}},
		{"anonymous, one page", "", 50, [][]string{{"own", "p1", "f1", "w1", "p2", "f2", "p3", "old"}}},
		// Without the viewer's own video and the one they watched through.
		{"signed in", w.viewer, 2, [][]string{{"p1", "p2"}, {"f1", "p3"}, {"f2", "old"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got [][]string
			for _, page := range pages(t, w.foryou, tc.viewer, tc.limit) {
				got = append(got, w.namesOf(page))
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Fatalf("pages = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestForYouReasons(t *testing.T) {
	w := newWorld(t)
	items, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"own": {ReasonPopular},
		"p1":  {ReasonPopular, "Trending in #cats"},
		"f1":  {ReasonNew}, // #new has no engagement: not trending
		"p2":  {ReasonPopular, "Trending in #cats"},
		"p3":  {ReasonPopular, "Trending in #dogs"},
		"f2":  {ReasonNew},
		"old": {ReasonRecent},
	}
	for _, it := range items {
		name := w.names[it.ID]
		if want[name] != nil && !slices.Equal(it.Reasons, want[name]) {
			t.Errorf("reasons of %s = %q, want %q", name, it.Reasons, want[name])
		}
		if it.Liked || it.Author.Handle == "" || len(it.Renditions) == 0 {
			t.Errorf("item %s is not a full video: %+v", name, it)
		}
	}
}

// TestForYouNeverRepeats changes the ranking between pages: a video served
// on the first page becomes the most popular, yet is not served again.
func TestForYouNeverRepeats(t *testing.T) {
	w := newWorld(t)
	items, next, err := w.foryou.Page(w.ctx, flick.FeedRequest{ViewerID: w.viewer, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, it := range items {
		served[it.ID] = true
	}
	w.seq++
	w.must(w.store.ApplyProjection(w.ctx, "counters", w.seq, flick.ProjectionBatch{
		Counts: map[string]flick.Counts{items[2].ID: {Views: 1_000_000}}}))
	w.now = w.now.Add(time.Minute) // past the cache
	for next != "" {
		if items, next, err = w.foryou.Page(w.ctx, flick.FeedRequest{ViewerID: w.viewer, Limit: 3, Cursor: next}); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if served[it.ID] {
				t.Fatalf("%s served twice", w.names[it.ID])
			}
			served[it.ID] = true
		}
	}
	if len(served) != 6 {
		t.Fatalf("served %d videos, want 6", len(served))
	}
}

// TestForYouRechecks deletes and watches videos while the pool is cached:
// the next page must not show them.
func TestForYouRechecks(t *testing.T) {
	w := newWorld(t)
	if _, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{Limit: 1}); err != nil {
		t.Fatal(err) // fills the cache
	}
	w.must(w.store.DeleteVideo(w.ctx, w.ids["p1"]))
	w.watch(w.viewer, w.ids["p2"], true)
	var got []string
	for _, page := range pages(t, w.foryou, w.viewer, 2) {
		got = append(got, w.namesOf(page)...)
	}
	if want := []string{"p3", "f2", "f1", "old"}; !slices.Equal(got, want) {
		t.Fatalf("feed = %v, want %v", got, want)
	}
}

func TestForYouBadCursor(t *testing.T) {
	w := newWorld(t)
	enc := base64.RawURLEncoding.EncodeToString
	for _, tc := range []struct{ name, cursor string }{
		{"not base64", "!!!"},
		{"empty payload", enc([]byte{1})},
		{"unknown version", enc([]byte{9, 1, 0, 0, 1})},
		{"partial fingerprint", enc([]byte{1, 2, 0, 0, 1, 0})},
		{"more fingerprints than served", enc([]byte{1, 1, 0, 0, 1, 0, 0, 2})},
		{"too long", strings.Repeat("A", maxCursorLen+1)},
		{"a store cursor", flick.NewID(t0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{Cursor: tc.cursor})
			if flick.ErrorCode(err) != flick.EINVALID {
				t.Fatalf("Page with cursor %q = %v, want %s", tc.cursor, err, flick.EINVALID)
			}
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c, err := decodeCursor("")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range maxSeen + 5 {
		id := flick.NewID(t0.Add(time.Duration(i) * time.Millisecond))
		ids = append(ids, id)
		c.add(id)
	}
	s := c.encode()
	if len(s) > maxCursorLen {
		t.Fatalf("cursor of %d bytes exceeds the limit %d", len(s), maxCursorLen)
	}
	got, err := decodeCursor(s)
	if err != nil {
		t.Fatal(err)
	}
	if got.served != maxSeen+5 || got.seen(ids[0]) || !got.seen(ids[5]) || !got.seen(ids[len(ids)-1]) {
		t.Fatalf("decoded cursor: served %d, remembers the first %v, the last %v", got.served, got.seen(ids[0]), got.seen(ids[len(ids)-1]))
	}
}

func TestTrending(t *testing.T) {
	w := newWorld(t)
	videos, err := w.trending.TrendingVideos(w.ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range videos {
		got = append(got, w.names[v.ID])
	}
	// Engaged-with videos of the last month by decayed popularity.
	if want := []string{"own", "p1", "w1", "p2", "p3", "f2"}; !slices.Equal(got, want) {
		t.Fatalf("trending videos = %v, want %v", got, want)
	}
	if top, _ := w.trending.TrendingVideos(w.ctx, 2); len(top) != 2 {
		t.Fatalf("limit 2 returned %d videos", len(top))
	}
	tags, err := w.trending.TrendingHashtags(w.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var gotTags []string
	for _, tc := range tags {
		gotTags = append(gotTags, tc.Tag)
	}
	if want := []string{"cats", "dogs", "new"}; !slices.Equal(gotTags, want) || tags[0].Videos != 2 || tags[2].Score != 0 {
		t.Fatalf("trending tags = %+v, want %v", tags, want)
	}

	t.Run("cached for a few seconds", func(t *testing.T) {
		hit := w.video("hit", w.alice, 0, "#hit", flick.Counts{Shares: 10_000})
		w.now = w.now.Add(2 * time.Second)
		if top, _ := w.trending.TrendingVideos(w.ctx, 1); top[0].ID == hit {
			t.Fatal("the pool was not cached")
		}
		w.now = w.now.Add(5 * time.Second)
		if top, _ := w.trending.TrendingVideos(w.ctx, 1); top[0].ID != hit {
			t.Fatalf("after the cache expired the top video is %s", w.names[top[0].ID])
		}
	})
}

func TestFollowing(t *testing.T) {
	f := newFixture(t)
	viewer, alice, bob, carol := f.account("viewer"), f.account("alice"), f.account("bob"), f.account("carol")
	for _, id := range []string{alice, bob} {
		_, err := f.store.Follow(f.ctx, viewer, id, t0)
		f.must(err)
	}
	f.video("a1", alice, 3*time.Hour, "", flick.Counts{})
	f.video("b1", bob, 2*time.Hour, "", flick.Counts{Views: 1000})
	f.video("c1", carol, 90*time.Minute, "", flick.Counts{})
	f.video("a2", alice, time.Hour, "", flick.Counts{})
	f.processing("a3", alice, time.Minute, "")
	feed := NewFollowing(f.store)

	var got [][]string
	for _, page := range pages(t, feed, viewer, 2) {
		got = append(got, f.namesOf(page))
		for _, it := range page {
			if !slices.Equal(it.Reasons, []string{ReasonFollowing}) {
				t.Fatalf("reasons = %q", it.Reasons)
			}
		}
	}
	if want := [][]string{{"a2", "b1"}, {"a1"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("pages = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		name, viewer, cursor, code string
	}{
		{"anonymous", "", "", flick.EUNAUTHORIZED},
		{"bad cursor", viewer, "not-an-id", flick.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := feed.Page(f.ctx, flick.FeedRequest{ViewerID: tc.viewer, Cursor: tc.cursor})
			if flick.ErrorCode(err) != tc.code {
				t.Fatalf("Page = %v, want %s", err, tc.code)
			}
		})
	}
	t.Run("follows nobody", func(t *testing.T) {
		items, next, err := feed.Page(f.ctx, flick.FeedRequest{ViewerID: carol})
		if err != nil || len(items) != 0 || items == nil || next != "" {
			t.Fatalf("Page = %v, %q, %v; want an empty page", items, next, err)
		}
	})
}

package recommend

import (
	"context"
	"encoding/base64"
	"fmt"
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

// world is a month of videos from four creators, learned by an engine
// from events: alice posts a lot and is popular, a cat crowd and a dog
// crowd each watch their videos in order.
type world struct {
	*fixture
	viewer, alice, bob, carol string
	ids                       map[string]string // name -> ID
	engine                    *Engine
	foryou                    *ForYou
}

func newWorld(t *testing.T) *world {
	f := newFixture(t)
	w := &world{fixture: f, ids: map[string]string{}}
	w.viewer, w.alice, w.bob, w.carol = f.account("viewer"), f.account("alice"), f.account("bob"), f.account("carol")
	day := 24 * time.Hour
	add := func(name, author string, age time.Duration, caption string) {
		w.ids[name] = f.video(name, author, age, caption, flick.Counts{})
	}
	add("ancient", w.alice, 400*day, "")
	for i := range 6 {
		add(fmt.Sprint("a", i), w.alice, 5*day, "#fun")
	}
	add("cats1", w.bob, 3*day, "cats on a sofa #cats")
	add("cats2", w.carol, 3*day, "more cats #cats")
	add("dogs1", w.bob, 3*day, "a dog #dogs")
	add("dogs2", w.carol, 3*day, "another dog #dogs")
	add("own", w.viewer, 2*day, "mine")
	f.processing("processing", w.alice, time.Minute, "#cats")
	w.engine = NewEngine(DefaultConfig(), f.clock)
	videos, err := f.store.RecentVideos(f.ctx, t0.Add(-365*day), 100)
	f.must(err)
	w.engine.AddVideos(metas(videos))
	for i := range 6 {
		for v := range 6 - i {
			w.view(fmt.Sprint("fan", v), fmt.Sprint("a", i), true)
		}
	}
	for i := range 3 {
		w.view(fmt.Sprint("catfan", i), "cats1", true)
		w.view(fmt.Sprint("catfan", i), "cats2", true)
		w.view(fmt.Sprint("dogfan", i), "dogs1", true)
		w.view(fmt.Sprint("dogfan", i), "dogs2", true)
	}
	w.view("fan0", "own", true)
	w.foryou = NewForYou(f.store, f.store, w.engine)
	return w
}

// view records a view both where the platform does (the store's watch
// history) and in the engine, as the projector and the learner would.
func (w *world) view(account, name string, completed bool) {
	w.t.Helper()
	id := w.ids[name]
	if isAccount(account) {
		w.watch(account, id, completed)
	}
	watch := int64(10_000)
	if !completed {
		watch = 5_000
	}
	w.now = w.now.Add(time.Second)
	w.engine.Observe(flick.Event{Type: flick.EventView, AccountID: account, VideoID: id, WatchMS: watch, DurationMS: 10_000, At: w.now})
}

// isAccount says whether account is a real account of the store
// (crowd viewers in tests exist only in the engine).
func isAccount(account string) bool { return flick.ValidID(account) }

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

func TestForYouColdStart(t *testing.T) {
	w := newWorld(t)
	for _, viewer := range []string{"", w.viewer} {
		items, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{ViewerID: viewer, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		names := w.namesOf(items)
		// Popular first, but alice (the most popular) may have only one
		// place in a page of three.
		if names[0] != "a0" || !slices.Equal(items[0].Reasons, []string{ReasonPopular}) {
			t.Fatalf("viewer %q: first item %s %q, want a0 popular in the region", viewer, names[0], items[0].Reasons)
		}
		byAlice := 0
		for _, it := range items {
			if it.AuthorID == w.alice {
				byAlice++
			}
			if it.Author.Handle == "" || len(it.Renditions) == 0 {
				t.Fatalf("item %s is not a full video", w.names[it.ID])
			}
		}
		if byAlice > 1 {
			t.Fatalf("viewer %q: alice has %d of 3 places: %v", viewer, byAlice, names)
		}
	}
}

// TestForYouSeedDraws: a seeded page (a signed-out visit) is a draw in
// proportion to the scores: visits see different first videos, the most
// popular leads more often than any other, and the pages stay made of
// popular videos (the old one nobody watched never shows).
func TestForYouSeedDraws(t *testing.T) {
	w := newWorld(t)
	firsts := map[string]int{}
	pages := map[string]bool{}
	const visits = 60
	for seed := uint64(1); seed <= visits; seed++ {
		items, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{Limit: 3, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		names := w.namesOf(items)
		firsts[names[0]]++
		pages[strings.Join(names, ",")] = true
		for _, it := range items {
			if !slices.Equal(it.Reasons, []string{ReasonPopular}) {
				t.Errorf("seed %d: %s is there because %q, want popular in the region", seed, w.names[it.ID], it.Reasons)
			}
		}
		again, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{Limit: 3, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if got := w.namesOf(again); !slices.Equal(got, names) {
			t.Errorf("seed %d drew %v, then %v", seed, names, got)
		}
	}
	if len(firsts) < 3 || len(pages) < 4 {
		t.Errorf("%d visits saw %d first videos and %d pages: %v", visits, len(firsts), len(pages), firsts)
	}
	for name, n := range firsts {
		if name != "a0" && n >= firsts["a0"] {
			t.Errorf("%s led %d pages, a0 (the most popular) %d", name, n, firsts["a0"])
		}
	}
}

func TestForYouAdapts(t *testing.T) {
	w := newWorld(t)
	w.view(w.viewer, "cats1", true)
	items, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{ViewerID: w.viewer, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.namesOf(items); got[0] != "cats2" {
		t.Fatalf("after watching cats1 the feed starts %v, want cats2", got)
	}
	if want := `Because you watched "cats on a sofa #cats"`; items[0].Reasons[0] != want {
		t.Fatalf("reasons of cats2 = %q, want %q first", items[0].Reasons, want)
	}
}

func TestForYouFilters(t *testing.T) {
	w := newWorld(t)
	w.view(w.viewer, "a0", true)  // watched through: never again
	w.view(w.viewer, "a1", false) // partly: may come again
	w.must(w.store.DeleteVideo(w.ctx, w.ids["a2"]))
	var got []string
	for _, page := range pages(t, w.foryou, w.viewer, 4) {
		got = append(got, w.namesOf(page)...)
	}
	for _, name := range []string{"a0", "a2", "own", "processing", "ancient"} {
		if slices.Contains(got, name) {
			t.Errorf("feed %v has %s", got, name)
		}
	}
	if !slices.Contains(got, "a1") || len(got) != 8 {
		t.Errorf("feed %v, want the 8 videos left", got)
	}
	if w.engine.Has(w.ids["a2"]) {
		t.Error("the deleted video is still in the engine")
	}
}

// TestForYouNeverRepeats learns between pages: a video served on the
// first page becomes the most popular, yet is not served again.
func TestForYouNeverRepeats(t *testing.T) {
	w := newWorld(t)
	items, next, err := w.foryou.Page(w.ctx, flick.FeedRequest{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, it := range items {
		served[it.ID] = true
	}
	for i := range 20 {
		w.view(fmt.Sprint("late", i), w.names[items[2].ID], true)
	}
	for next != "" {
		if items, next, err = w.foryou.Page(w.ctx, flick.FeedRequest{Limit: 3, Cursor: next}); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if served[it.ID] {
				t.Fatalf("%s served twice", w.names[it.ID])
			}
			served[it.ID] = true
		}
	}
	if len(served) != 11 {
		t.Fatalf("served %d videos, want all 11 ready ones", len(served))
	}
}

func TestForYouExplores(t *testing.T) {
	w := newWorld(t)
	dave := w.account("dave")
	w.ids["debut"] = w.video("debut", dave, time.Minute, "my first video", flick.Counts{})
	videos, err := w.store.Videos(w.ctx, []string{w.ids["debut"]})
	w.must(err)
	w.engine.Refresh(metas(videos))
	items, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{ViewerID: w.viewer, Limit: DefaultConfig().FreshEvery})
	if err != nil {
		t.Fatal(err)
	}
	last := items[len(items)-1]
	if w.names[last.ID] != "debut" || !slices.Equal(last.Reasons, []string{ReasonNewCreator}) {
		t.Fatalf("exploration place has %s %q, want debut by a new creator", w.names[last.ID], last.Reasons)
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

// trendingWorld is a month of videos with counters in the store:
// popular old and new ones, unfinished ones, one too old to be a candidate.
func trendingWorld(t *testing.T) (*fixture, *Trending) {
	f := newFixture(t)
	viewer, alice := f.account("viewer"), f.account("alice")
	day := 24 * time.Hour
	f.video("ancient", alice, 40*day, "", flick.Counts{Views: 100_000})
	f.video("old", alice, 20*day, "", flick.Counts{})
	f.video("p1", alice, 5*day, "#cats", flick.Counts{Views: 1000, Likes: 100})
	f.video("w1", alice, day, "", flick.Counts{Views: 300})
	f.video("p2", alice, day, "#cats #dogs", flick.Counts{Views: 200, Likes: 10, Shares: 5})
	f.video("p3", alice, 2*day, "#dogs", flick.Counts{Views: 50, Comments: 2})
	f.video("f2", alice, 2*time.Hour, "", flick.Counts{Views: 3})
	f.video("f1", alice, time.Hour, "#new", flick.Counts{})
	f.video("own", viewer, time.Hour, "", flick.Counts{Views: 500})
	f.processing("processing", alice, time.Minute, "#cats")
	failed := f.processing("failed", alice, time.Minute, "#cats")
	f.must(f.store.SetFailed(f.ctx, failed, "broken"))
	return f, NewTrending(f.store, f.clock, DefaultConfig())
}

func TestTrending(t *testing.T) {
	w, trending := trendingWorld(t)
	alice := w.account("alice2")
	videos, err := trending.TrendingVideos(w.ctx, 50)
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
	if top, _ := trending.TrendingVideos(w.ctx, 2); len(top) != 2 {
		t.Fatalf("limit 2 returned %d videos", len(top))
	}
	tags, err := trending.TrendingHashtags(w.ctx, 10)
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
		hit := w.video("hit", alice, 0, "#hit", flick.Counts{Shares: 10_000})
		w.now = w.now.Add(2 * time.Second)
		if top, _ := trending.TrendingVideos(w.ctx, 1); top[0].ID == hit {
			t.Fatal("the pool was not cached")
		}
		w.now = w.now.Add(5 * time.Second)
		if top, _ := trending.TrendingVideos(w.ctx, 1); top[0].ID != hit {
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
	feed := NewFollowing(f.store, f.store)

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

package recommend

import (
	"fmt"
	"slices"
	"testing"
	"time"

	flick "github.com/flick-video/flick"
)

// testEngine is an engine over a catalogue of named videos with a
// controlled clock.
type testEngine struct {
	*Engine
	t   *testing.T
	now time.Time
}

func newTestEngine(t *testing.T, cfg Config) *testEngine {
	te := &testEngine{t: t, now: t0}
	te.Engine = NewEngine(cfg, func() time.Time { return te.now })
	return te
}

// add puts videos in the catalogue, created age ago.
func (te *testEngine) add(age time.Duration, author string, tags []string, ids ...string) {
	for _, id := range ids {
		te.AddVideo(VideoMeta{ID: id, AuthorID: author, Hashtags: tags, CreatedAt: te.now.Add(-age), DurationMS: 10_000})
	}
}

// ev observes an event a second after the previous one.
func (te *testEngine) ev(typ flick.EventType, viewer, video string, watchMS int64) {
	te.t.Helper()
	te.now = te.now.Add(time.Second)
	if !te.Observe(flick.Event{Type: typ, AccountID: viewer, VideoID: video, WatchMS: watchMS, DurationMS: 10_000, At: te.now}) {
		te.t.Fatalf("%s of unknown video %s", typ, video)
	}
}

func (te *testEngine) watch(viewer string, videos ...string) {
	for _, v := range videos {
		te.ev(flick.EventView, viewer, v, 10_000)
	}
}

func (te *testEngine) rank(viewer string, n int) []string {
	var ids []string
	for _, c := range te.Recommend(Request{ViewerID: viewer, N: n}) {
		ids = append(ids, c.VideoID)
	}
	return ids
}

func (te *testEngine) reasons(viewer, video string) []Reason {
	for _, c := range te.Recommend(Request{ViewerID: viewer, N: 100}) {
		if c.VideoID == video {
			return c.Reasons
		}
	}
	te.t.Fatalf("%s is not recommended to %s", video, viewer)
	return nil
}

func TestEngineLearnsCoEngagement(t *testing.T) {
	te := newTestEngine(t, DefaultConfig())
	te.add(time.Hour, "", nil, "cats1", "cats2", "dogs1", "dogs2", "pop")
	// A crowd watches pop; cat people watch cats1 then cats2, dog people
	// dogs1 then dogs2.
	for i := range 10 {
		te.watch(fmt.Sprint("crowd", i), "pop")
	}
	for i := range 3 {
		te.watch(fmt.Sprint("cat", i), "cats1", "cats2")
		te.watch(fmt.Sprint("dog", i), "dogs1", "dogs2")
	}
	if got := te.rank("newbie", 1); !slices.Equal(got, []string{"pop"}) {
		t.Fatalf("cold start ranks %v first, want the popular video", got)
	}
	te.watch("newbie", "cats1")
	if got := te.rank("newbie", 1); !slices.Equal(got, []string{"cats2"}) {
		t.Fatalf("after watching cats1 the top is %v, want cats2", got)
	}
	if r := te.reasons("newbie", "cats2"); r[0] != (Reason{Kind: BecauseWatched, VideoID: "cats1"}) {
		t.Fatalf("reasons of cats2 = %+v, want because you watched cats1 first", r)
	}
	// The latest watch counts most: after dogs1, dogs2 leads.
	te.watch("newbie", "dogs1")
	if got := te.rank("newbie", 2); !slices.Equal(got, []string{"dogs2", "cats2"}) {
		t.Fatalf("after dogs1 the ranking is %v, want [dogs2 cats2]", got)
	}
	// Watched-through videos are not recommended again.
	if got := te.rank("newbie", 10); slices.Contains(got, "cats1") || slices.Contains(got, "dogs1") {
		t.Fatalf("ranking %v repeats watched videos", got)
	}
}

// twoNeighbours is an engine where "me" watched a, whose neighbours are b2
// (three viewers watched both) and b1 (one did).
func twoNeighbours(t *testing.T) *testEngine {
	te := newTestEngine(t, DefaultConfig())
	te.add(time.Hour, "", nil, "a", "b1", "b2")
	for i := range 3 {
		te.watch(fmt.Sprint("v", i), "a", "b2")
	}
	te.watch("other", "a", "b1")
	te.watch("me", "a")
	return te
}

func TestEngineNegativeSignals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		signal func(te *testEngine)
	}{
		{"skip", func(te *testEngine) { te.ev(flick.EventSkip, "me", "b2", 0) }},
		{"flick away", func(te *testEngine) { te.ev(flick.EventView, "me", "b2", 500) }},
		{"not interested", func(te *testEngine) { te.ev(flick.EventNotInterested, "me", "b2", 0) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			te := twoNeighbours(t)
			if got := te.rank("me", 1); !slices.Equal(got, []string{"b2"}) {
				t.Fatalf("before the signal the top is %v, want b2", got)
			}
			tc.signal(te)
			if got := te.rank("me", 1); !slices.Equal(got, []string{"b1"}) {
				t.Fatalf("after the signal the top is %v, want b1", got)
			}
		})
	}
	t.Run("not interested removes the video", func(t *testing.T) {
		te := newTestEngine(t, DefaultConfig())
		te.add(time.Hour, "", nil, "a")
		te.watch("x", "a")
		te.ev(flick.EventNotInterested, "me", "a", 0)
		if got := te.rank("me", 10); slices.Contains(got, "a") {
			t.Fatalf("ranking %v still has the video marked not interested", got)
		}
	})
	t.Run("undone, the ranking is as before", func(t *testing.T) {
		te := twoNeighbours(t)
		before := te.rank("me", 3)
		te.ev(flick.EventNotInterested, "me", "b2", 0)
		te.ev(flick.EventNotInterestedUndone, "me", "b2", 0)
		if got := te.rank("me", 3); !slices.Equal(got, before) {
			t.Fatalf("after the undo the ranking is %v, want %v as before", got, before)
		}
	})
}

func TestEngineSources(t *testing.T) {
	te := newTestEngine(t, DefaultConfig())
	te.add(time.Hour, "alice", nil, "alice1")
	te.add(time.Hour, "bob", []string{"cats"}, "cat1", "cat2")
	te.add(time.Hour, "carol", nil, "hit")
	for i := range 5 {
		te.watch(fmt.Sprint("crowd", i), "hit")
	}
	te.watch("crowd0", "cat2")
	te.Observe(flick.Event{Type: flick.EventFollow, AccountID: "me", TargetID: "alice", At: te.now})
	te.ev(flick.EventLike, "me", "cat1", 0)
	for _, tc := range []struct {
		video string
		want  Reason
	}{
		{"alice1", Reason{Kind: BecauseFollowing}},
		{"cat2", Reason{Kind: BecauseTag, Tag: "cats"}},
		{"hit", Reason{Kind: BecausePopular}},
	} {
		t.Run(tc.video, func(t *testing.T) {
			if r := te.reasons("me", tc.video); !slices.Contains(r, tc.want) {
				t.Fatalf("reasons = %+v, want %+v among them", r, tc.want)
			}
		})
	}
	t.Run("anonymous viewers get what is popular", func(t *testing.T) {
		if got := te.rank("", 1); !slices.Equal(got, []string{"hit"}) {
			t.Fatalf("anonymous ranking starts with %v", got)
		}
	})
	t.Run("own videos are never recommended", func(t *testing.T) {
		if got := te.rank("carol", 10); slices.Contains(got, "hit") {
			t.Fatalf("carol is recommended her own video: %v", got)
		}
	})
}

func TestEngineExploration(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FreshAudience = 5
	te := newTestEngine(t, cfg)
	te.add(30*24*time.Hour, "old", nil, "old")
	te.add(time.Hour, "newbie", nil, "good", "bad")
	te.watch("x", "old")
	explored := func() []string {
		var ids []string
		for _, c := range te.Recommend(Request{ViewerID: "me", N: 3, Explore: 2}) {
			if c.Explore {
				ids = append(ids, c.VideoID)
				if len(c.Reasons) != 1 || c.Reasons[0].Kind != BecauseNewCreator {
					t.Fatalf("exploration reasons %+v, want new creator", c.Reasons)
				}
			}
		}
		slices.Sort(ids)
		return ids
	}
	if got := explored(); !slices.Equal(got, []string{"bad", "good"}) {
		t.Fatalf("explored %v, want both new videos", got)
	}
	// Strong completion keeps a video's places; flicking away loses them.
	for i := range 3 {
		v := fmt.Sprint("v", i)
		te.ev(flick.EventImpression, v, "good", 0)
		te.watch(v, "good")
		te.ev(flick.EventImpression, v, "bad", 0)
		te.ev(flick.EventSkip, v, "bad", 0)
	}
	c := te.Recommend(Request{ViewerID: "me", N: 1, Explore: 1})
	if len(c) != 1 || c[0].VideoID != "good" {
		t.Fatalf("first exploration place = %+v, want good", c)
	}
	// After its fair first audience a video leaves the pool.
	for i := range 3 {
		te.ev(flick.EventImpression, fmt.Sprint("w", i), "good", 0)
		te.ev(flick.EventImpression, fmt.Sprint("w", i), "bad", 0)
	}
	if got := explored(); len(got) != 0 {
		t.Fatalf("explored %v after both had their audience", got)
	}
}

func TestEngineBoundedMemory(t *testing.T) {
	cfg := DefaultConfig()
	cfg.NeighbourBudget, cfg.MinNeighbours, cfg.History, cfg.PairWindow = 40, 4, 8, 8
	cfg.ViewerTTL = time.Hour
	te := newTestEngine(t, cfg)
	var ids []string
	for i := range 10 {
		ids = append(ids, fmt.Sprint("v", i))
	}
	te.add(time.Hour, "", nil, ids...)
	for i := range 30 {
		te.watch(fmt.Sprint("u", i), ids...)
	}
	t.Run("neighbour lists and histories are bounded", func(t *testing.T) {
		for _, v := range te.videos {
			if len(v.nb) > 4 {
				t.Fatalf("%s has %d neighbours, budget share 4", v.id, len(v.nb))
			}
		}
		for _, u := range te.viewers {
			if len(u.hist) > 8 {
				t.Fatalf("%s remembers %d videos, limit 8", u.id, len(u.hist))
			}
		}
	})
	t.Run("idle viewers expire", func(t *testing.T) {
		te.now = te.now.Add(2 * time.Hour)
		for range 30 {
			te.watch("active", "v0")
		}
		if n := len(te.viewerIdx); n != 1 {
			t.Fatalf("%d viewers remembered, want only the active one", n)
		}
		te.watch("late", "v1")
		if n := len(te.viewers); n != 31 {
			t.Fatalf("%d viewer slots, want freed slots reused (31)", n)
		}
	})
	t.Run("removed videos are dropped", func(t *testing.T) {
		for i, id := range ids[:5] {
			if i%2 == 0 {
				te.RemoveVideo(id)
			} else {
				te.ev(flick.EventRemove, "", id, 0) // as the transcoder announces a delete
			}
		}
		if got := te.rank("active", 10); slices.ContainsFunc(got, func(id string) bool { return slices.Contains(ids[:5], id) }) {
			t.Fatalf("ranking %v has removed videos", got)
		}
		te.mu.Lock()
		te.compact()
		te.mu.Unlock()
		if len(te.videos) != 5 || len(te.videoIdx) != 5 {
			t.Fatalf("after compaction %d slots, %d known; want 5", len(te.videos), len(te.videoIdx))
		}
		for _, v := range te.videos {
			for _, n := range v.nb {
				if int(n.j) >= len(te.videos) || !te.videos[n.j].alive {
					t.Fatalf("%s keeps a neighbour that was removed", v.id)
				}
			}
		}
		if got := te.rank("active", 10); len(got) != 5 {
			t.Fatalf("after compaction the ranking is %v, want the 5 survivors", got)
		}
	})
}

// TestDiscountedEventsCountLessForOthers: what new accounts (or bursting
// clients) do weighs flick.LowWeight in popularity and exploration, and a
// repeat nothing, so a farm of them does not outrank a few real viewers;
// their co-engagement pairs none; their own histories still learn it
// whole.
func TestDiscountedEventsCountLessForOthers(t *testing.T) {
	te := newTestEngine(t, DefaultConfig())
	te.add(time.Hour, "creator", nil, "farmed", "organic")
	te.add(30*24*time.Hour, "star", nil, "hit")
	observe := func(typ flick.EventType, viewer, video string, d flick.Discount) {
		t.Helper()
		te.now = te.now.Add(time.Second)
		if !te.Observe(flick.Event{Type: typ, AccountID: viewer, VideoID: video, WatchMS: 10_000, DurationMS: 10_000, At: te.now, Discount: d}) {
			t.Fatalf("unknown video %s", video)
		}
	}
	for i := range 40 {
		farm := fmt.Sprint("farm", i)
		observe(flick.EventView, farm, "hit", flick.DiscountNewAccount)
		observe(flick.EventImpression, farm, "farmed", flick.DiscountNewAccount)
		observe(flick.EventView, farm, "farmed", flick.DiscountNewAccount)
		observe(flick.EventView, farm, "farmed", flick.DiscountRepeat) // a rewatch
	}
	for i := range 10 {
		real := fmt.Sprint("real", i)
		observe(flick.EventImpression, real, "organic", "")
		if i < 6 {
			observe(flick.EventView, real, "organic", "")
		}
	}
	picks := te.Recommend(Request{N: 1, Explore: 1})
	if len(picks) != 1 || picks[0].VideoID != "organic" {
		t.Fatalf("exploration picked %+v, want the video 6 of 10 real viewers watched through over the one 40 new accounts did", picks)
	}
	if top := te.videos[te.trending.items[0]].id; top != "organic" {
		t.Fatalf("most popular: %s, want organic", top)
	}
	for _, n := range te.videos[te.videoIdx["hit"]].nb {
		if te.videos[n.j].id == "farmed" {
			t.Fatalf("new accounts made farmed a neighbour of hit (weight %v)", n.w)
		}
	}
	if hist := te.viewers[te.viewerIdx["farm0"]].hist; len(hist) != 2 || hist[1].w < completedRatio {
		t.Fatalf("farm0's own history %+v, want the video watched through", hist)
	}
}

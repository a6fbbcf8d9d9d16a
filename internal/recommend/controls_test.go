package recommend

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	flick "github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/events"
)

// allNames reads viewer's whole For You and returns the names served.
func (w *world) allNames(viewer string) []string {
	w.t.Helper()
	var got []string
	for _, page := range pages(w.t, w.foryou, viewer, 4) {
		got = append(got, w.namesOf(page)...)
	}
	return got
}

func (w *world) settings(s flick.ViewerSettings) {
	w.t.Helper()
	_, err := w.store.PutSettings(w.ctx, w.viewer, s)
	w.must(err)
}

func TestForYouViewerControls(t *testing.T) {
	for _, tc := range []struct {
		name          string
		setup         func(w *world)
		gone, present []string
	}{
		{"hidden creator", func(w *world) {
			_, err := w.store.HideCreator(w.ctx, w.viewer, w.bob, t0)
			w.must(err)
		}, []string{"cats1", "dogs1"}, []string{"cats2", "dogs2", "a0"}},
		{"not interested", func(w *world) {
			_, err := w.store.MarkNotInterested(w.ctx, w.viewer, w.ids["dogs2"], t0)
			w.must(err)
		}, []string{"dogs2"}, []string{"dogs1", "cats2"}},
		{"keyword matches a hashtag", func(w *world) { w.settings(flick.ViewerSettings{KeywordFilters: []string{"#CATS"}}) },
			[]string{"cats1", "cats2"}, []string{"dogs1", "a0"}},
		{"keyword matches a caption word", func(w *world) { w.settings(flick.ViewerSettings{KeywordFilters: []string{"Sofa"}}) },
			[]string{"cats1"}, []string{"cats2"}},
		{"keyword phrase", func(w *world) { w.settings(flick.ViewerSettings{KeywordFilters: []string{"a dog"}}) },
			[]string{"dogs1"}, []string{"dogs2"}},
		{"keyword is a whole word", func(w *world) { w.settings(flick.ViewerSettings{KeywordFilters: []string{"cat", "do", "fu"}}) },
			nil, []string{"cats1", "cats2", "dogs1", "dogs2", "a0"}},
		{"another viewer's controls", func(w *world) {
			_, err := w.store.HideCreator(w.ctx, w.alice, w.bob, t0)
			w.must(err)
			_, err = w.store.PutSettings(w.ctx, w.alice, flick.ViewerSettings{KeywordFilters: []string{"dogs"}})
			w.must(err)
		}, nil, []string{"cats1", "dogs1", "dogs2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			tc.setup(w)
			got := w.allNames(w.viewer)
			for _, name := range append(tc.gone, "own", "processing") {
				if slices.Contains(got, name) {
					t.Errorf("feed %v has %s", got, name)
				}
			}
			for _, name := range tc.present {
				if !slices.Contains(got, name) {
					t.Errorf("feed %v lacks %s", got, name)
				}
			}
		})
	}
	t.Run("hidden creator dominating the ranking", func(t *testing.T) {
		// Every candidate the engine ranks first is by alice; hiding her
		// must not end the feed early.
		w := newWorld(t)
		_, err := w.store.HideCreator(w.ctx, w.viewer, w.alice, t0)
		w.must(err)
		items, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{ViewerID: w.viewer, Limit: 2})
		w.must(err)
		if got := w.namesOf(items); len(got) != 2 || strings.HasPrefix(got[0], "a") || strings.HasPrefix(got[1], "a") {
			t.Fatalf("first page %v, want two videos not by alice", got)
		}
	})
}

func TestFollowingHidesCreators(t *testing.T) {
	f := newFixture(t)
	viewer, alice, bob := f.account("viewer"), f.account("alice"), f.account("bob")
	for _, id := range []string{alice, bob} {
		_, err := f.store.Follow(f.ctx, viewer, id, t0)
		f.must(err)
	}
	f.video("a1", alice, 2*time.Hour, "", flick.Counts{})
	f.video("b1", bob, time.Hour, "", flick.Counts{})
	_, err := f.store.HideCreator(f.ctx, viewer, bob, t0)
	f.must(err)
	_, err = f.store.PutSettings(f.ctx, viewer, flick.ViewerSettings{NonPersonalized: true})
	f.must(err)
	items, _, err := NewFollowing(f.store, f.store).Page(f.ctx, flick.FeedRequest{ViewerID: viewer})
	f.must(err)
	if got := f.namesOf(items); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("Following = %v, want [a1]: bob is hidden, the order stays chronological", got)
	}
}

// policyFunc is a content policy made of a function.
type policyFunc func(viewerID string, v *flick.Video) (bool, error)

func (p policyFunc) Allow(_ context.Context, viewerID string, videos []*flick.Video) ([]bool, error) {
	out := make([]bool, len(videos))
	for i, v := range videos {
		ok, err := p(viewerID, v)
		if err != nil {
			return nil, err
		}
		out[i] = ok
	}
	return out, nil
}

type shortPolicy struct{}

func (shortPolicy) Allow(context.Context, string, []*flick.Video) ([]bool, error) {
	return []bool{true}, nil
}

func TestForYouPolicy(t *testing.T) {
	w := newWorld(t)
	asked := map[string]bool{}
	w.foryou.WithPolicy(policyFunc(func(viewerID string, v *flick.Video) (bool, error) {
		if viewerID != w.viewer {
			return false, errors.New("asked about the wrong viewer")
		}
		asked[v.ID] = true
		return !strings.Contains(v.Caption, "dog"), nil
	}))
	got := w.allNames(w.viewer)
	if slices.Contains(got, "dogs1") || slices.Contains(got, "dogs2") || !slices.Contains(got, "cats1") {
		t.Errorf("feed %v: the policy refused the dog videos", got)
	}
	for _, it := range got {
		if !asked[w.ids[it]] {
			t.Errorf("%s was served without asking the policy", it)
		}
	}
	for _, tc := range []struct {
		name   string
		policy flick.ContentPolicy
	}{
		{"failing", policyFunc(func(string, *flick.Video) (bool, error) { return false, errors.New("policy down") })},
		{"wrong length", shortPolicy{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.foryou.WithPolicy(tc.policy)
			if _, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{ViewerID: w.viewer}); flick.ErrorCode(err) != flick.EINTERNAL {
				t.Fatalf("Page = %v, want an internal error: a feed must not serve what the policy did not allow", err)
			}
		})
	}
}

func TestForYouNonPersonalized(t *testing.T) {
	w := newWorld(t)
	w.view(w.viewer, "cats1", true)
	personal, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{ViewerID: w.viewer, Limit: 4})
	w.must(err)
	if !strings.HasPrefix(personal[0].Reasons[0], "Because you watched") {
		t.Fatalf("personalised first item reasons %q", personal[0].Reasons)
	}
	w.settings(flick.ViewerSettings{NonPersonalized: true})
	items, _, err := w.foryou.Page(w.ctx, flick.FeedRequest{ViewerID: w.viewer, Limit: 4})
	w.must(err)
	if got := w.namesOf(items); got[0] != "a0" {
		t.Errorf("non-personalised feed %v, want the region's most popular video first", got)
	}
	for _, it := range items {
		if it.Reasons[0] != ReasonNonPersonalized || slices.ContainsFunc(it.Reasons, func(r string) bool { return strings.HasPrefix(r, "Because you") }) {
			t.Errorf("%s reasons %q", w.names[it.ID], it.Reasons)
		}
	}
}

func TestKeywords(t *testing.T) {
	for _, tc := range []struct {
		name    string
		filters []string
		caption string
		tags    []string
		want    bool
	}{
		{"no filters", nil, "anything", nil, false},
		{"word", []string{"cats"}, "I love cats!", nil, true},
		{"case", []string{"cats"}, "CATS", nil, true},
		{"unicode case", []string{"été"}, "Un ÉTÉ chaud", nil, true},
		{"part of a word", []string{"cat"}, "concatenate cats", nil, false},
		{"punctuation is a boundary", []string{"spoiler"}, "(spoiler)...", nil, true},
		{"phrase", []string{"cute cats"}, "so cute, cats!", nil, true},
		{"phrase needs its words together", []string{"cute cats"}, "cute fluffy cats", nil, false},
		{"phrase over hashtags", []string{"cute cats"}, "#cute #cats", nil, true},
		{"phrase at the end", []string{"cute cats"}, "so cute", nil, false},
		{"hashtag", []string{"cats"}, "", []string{"cats"}, true},
		{"underscore joins", []string{"cute"}, "#cute_cats", []string{"cute_cats"}, false},
		{"combining marks", []string{"हिन्दी"}, "मैं हिन्दी बोलता हूँ", nil, true},
		{"one of many", []string{"dogs", "birds", "cats"}, "birds", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var filters []string
			for _, f := range tc.filters {
				n, err := flick.NormalizeKeyword(f)
				if err != nil {
					t.Fatal(err)
				}
				filters = append(filters, n)
			}
			if got := newKeywords(filters).match(&flick.Video{Caption: tc.caption, Hashtags: tc.tags}); got != tc.want {
				t.Fatalf("filters %q on %q %v: match = %v, want %v", filters, tc.caption, tc.tags, got, tc.want)
			}
		})
	}
}

// TestResetThroughTheLog: a reset is learned from the log in order (what
// came before it is forgotten, what came after it is not), it keeps the
// viewer's follows, and a learner restored from a snapshot taken before
// the reset ranks exactly like one that replayed the whole log.
func TestResetThroughTheLog(t *testing.T) {
	w := newWorld(t)
	logger := slog.New(slog.DiscardHandler)
	log, err := events.OpenEmbedded(w.ctx, t.TempDir(), flick.DefaultRegion, logger, nil)
	w.must(err)
	t.Cleanup(func() { log.Close() })
	appendEvents := func(evs ...flick.Event) {
		_, err := log.Append(w.ctx, evs)
		w.must(err)
	}
	view := func(viewer, name string) flick.Event {
		return flick.Event{Type: flick.EventView, AccountID: viewer, VideoID: w.ids[name], WatchMS: 10_000, DurationMS: 10_000, At: w.now}
	}
	// The engine learns the crowds' co-engagement from the log too.
	var crowd []flick.Event
	for _, fan := range []string{w.account("catfanx"), w.account("catfany")} {
		crowd = append(crowd, view(fan, "cats1"), view(fan, "cats2"))
	}
	for _, fan := range []string{w.account("dogfanx"), w.account("dogfany")} {
		crowd = append(crowd, view(fan, "dogs1"), view(fan, "dogs2"))
	}
	appendEvents(crowd...)
	snapshots := filepath.Join(t.TempDir(), "recommend")
	_, stop := w.learn(log, snapshots)
	stop()

	// One batch: before the reset the viewer follows carol and watches
	// cats1; after it they watch dogs1.
	appendEvents(
		flick.Event{Type: flick.EventFollow, AccountID: w.viewer, TargetID: w.carol, At: w.now},
		view(w.viewer, "cats1"),
		flick.Event{Type: flick.EventReset, AccountID: w.viewer, At: w.now},
		view(w.viewer, "dogs1"),
	)
	restored, stop := w.learn(log, snapshots)
	defer stop()
	replayed, stopFull := w.learn(log, "")
	defer stopFull()
	for _, e := range []*Engine{restored, replayed} {
		got := e.Recommend(Request{ViewerID: w.viewer, N: 20})
		reasons := map[string][]Reason{}
		for _, c := range got {
			reasons[w.names[c.VideoID]] = c.Reasons
		}
		if rs := reasons["dogs2"]; len(rs) == 0 || rs[0].Kind != BecauseWatched || rs[0].VideoID != w.ids["dogs1"] {
			t.Errorf("dogs2 reasons %+v, want because the viewer watched dogs1 after the reset", rs)
		}
		if slices.ContainsFunc(reasons["cats2"], func(r Reason) bool { return r.Kind == BecauseWatched }) {
			t.Errorf("cats2 reasons %+v: cats1 was watched before the reset", reasons["cats2"])
		}
		if !slices.ContainsFunc(reasons["cats2"], func(r Reason) bool { return r.Kind == BecauseFollowing }) {
			t.Errorf("cats2 reasons %+v: the follow of carol must survive the reset", reasons["cats2"])
		}
	}
	got := restored.Recommend(Request{ViewerID: w.viewer, N: 20})
	if want := replayed.Recommend(Request{ViewerID: w.viewer, N: 20}); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored from a snapshot %+v, full replay %+v", got, want)
	}
}

func TestForgetViewer(t *testing.T) {
	w := newWorld(t)
	w.view(w.viewer, "cats1", true)
	w.engine.ForgetViewer(w.viewer)
	w.engine.ForgetViewer("nobody") // unknown viewers are a no-op
	got := w.engine.Recommend(Request{ViewerID: w.viewer, N: 20})
	// As anonymous, less the viewer's own video.
	want := slices.DeleteFunc(w.engine.Recommend(Request{N: 21}), func(c Candidate) bool { return c.AuthorID == w.viewer })
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("a forgotten viewer without follows ranks %+v, an anonymous one %+v", got, want)
	}
}

package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/recommend"
)

// feedIDs reads a feed page for token ("" for anonymous).
func (f *fixture) feedIDs(path, token string) []string {
	f.t.Helper()
	var opts []reqOption
	if token != "" {
		opts = append(opts, bearer(token))
	}
	var page listJSON[feedItemJSON]
	f.must(200, "GET", path, nil, opts...).decode(f.t, &page)
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	return ids
}

// loggedEvents returns the events of type typ in the log.
func (f *fixture) loggedEvents(typ flick.EventType) []flick.Event {
	f.t.Helper()
	evs, err := f.log.Read(context.Background(), 0, 10_000, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []flick.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e.Event)
		}
	}
	return out
}

func TestNotInterested(t *testing.T) {
	f := newFixture(t)
	ann, bob, cat := f.signUp("ann"), f.signUp("bob"), f.signUp("cat")
	meh, fine := f.readyVideo(ann, "meh"), f.readyVideo(ann, "fine")
	path := "/api/v1/videos/" + meh.ID + "/not-interested"

	f.must(204, "POST", path, nil, bearer(bob.Token))
	f.must(204, "POST", path, nil, bearer(bob.Token)) // idempotent
	evs := f.loggedEvents(flick.EventNotInterested)
	if len(evs) != 1 || evs[0].AccountID != bob.ID || evs[0].VideoID != meh.ID {
		t.Fatalf("not-interested events %+v, want one by bob on the video", evs)
	}
	if ids := f.feedIDs("/api/v1/feed/foryou", bob.Token); slices.Contains(ids, meh.ID) || !slices.Contains(ids, fine.ID) {
		t.Errorf("bob's For You %v: want %s gone and %s kept", ids, meh.ID, fine.ID)
	}
	if ids := f.feedIDs("/api/v1/feed/foryou", cat.Token); !slices.Contains(ids, meh.ID) {
		t.Errorf("cat's For You %v lost bob's not-interested video", ids)
	}

	// refused are the requests either method refuses, and each one's own.
	type request struct {
		name   string
		path   string
		opts   []reqOption
		status int
	}
	refused := []request{
		{"anonymous", path, nil, 401},
		{"cookie from another site", path, []reqOption{withCookie(f, cat.Token), withHeader("Origin", "https://evil.example")}, 403},
		{"unknown video", "/api/v1/videos/" + flick.NewID(meh.CreatedAt) + "/not-interested", []reqOption{bearer(bob.Token)}, 404},
		{"malformed id", "/api/v1/videos/x'--/not-interested", []reqOption{bearer(bob.Token)}, 404},
	}
	try := func(method string, requests []request) {
		for _, tc := range requests {
			t.Run(method+" "+tc.name, func(t *testing.T) {
				f.must(tc.status, method, tc.path, nil, tc.opts...)
			})
		}
	}
	try("POST", append(refused, request{"own video", path, []reqOption{bearer(ann.Token)}, 422}))
	if n := len(f.loggedEvents(flick.EventNotInterested)); n != 1 {
		t.Errorf("refused requests logged events: %d in all", n)
	}

	// Undo: the video comes back to bob's For You, and the log says so once.
	try("DELETE", append(refused, request{"never marked", "/api/v1/videos/" + fine.ID + "/not-interested", []reqOption{bearer(bob.Token)}, 204}))
	if ids := f.feedIDs("/api/v1/feed/foryou", bob.Token); slices.Contains(ids, meh.ID) {
		t.Fatalf("refused undos brought %s back: %v", meh.ID, ids)
	}
	f.must(204, "DELETE", path, nil, bearer(bob.Token))
	f.must(204, "DELETE", path, nil, bearer(bob.Token)) // idempotent
	evs = f.loggedEvents(flick.EventNotInterestedUndone)
	if len(evs) != 1 || evs[0].AccountID != bob.ID || evs[0].VideoID != meh.ID {
		t.Fatalf("undone events %+v, want one by bob on the video", evs)
	}
	if ids := f.feedIDs("/api/v1/feed/foryou", bob.Token); !slices.Contains(ids, meh.ID) {
		t.Errorf("after the undo bob's For You %v lacks %s", ids, meh.ID)
	}
}

func TestBlocks(t *testing.T) {
	f := newFixture(t)
	ann, bob, cat := f.signUp("ann"), f.signUp("bob"), f.signUp("cat")
	loud := f.readyVideo(ann, "loud #noise")
	quiet := f.readyVideo(cat, "quiet #noise")
	f.must(200, "POST", "/api/v1/accounts/ann/follow", nil, bearer(bob.Token))
	f.must(200, "POST", "/api/v1/accounts/cat/follow", nil, bearer(bob.Token))

	lists := []string{"/api/v1/feed/foryou", "/api/v1/feed/following", "/api/v1/hashtags/noise/videos", "/api/v1/search?q=noise"}
	visible := func(token string) map[string][]string {
		out := map[string][]string{}
		for _, p := range lists {
			if strings.HasPrefix(p, "/api/v1/search") {
				var r searchResponse
				f.must(200, "GET", p, nil, bearer(token)).decode(t, &r)
				for _, v := range r.Videos {
					out[p] = append(out[p], v.ID)
				}
				continue
			}
			out[p] = f.feedIDs(p, token)
		}
		return out
	}

	f.must(204, "POST", "/api/v1/accounts/ann/block", nil, bearer(bob.Token))
	f.must(204, "POST", "/api/v1/accounts/@Ann/block", nil, bearer(bob.Token)) // idempotent, handle normalized
	for p, ids := range visible(bob.Token) {
		if slices.Contains(ids, loud.ID) || !slices.Contains(ids, quiet.ID) {
			t.Errorf("bob's %s after hiding ann: %v", p, ids)
		}
	}
	var blocks listJSON[flick.AccountRef]
	f.must(200, "GET", "/api/v1/me/blocks", nil, bearer(bob.Token)).decode(t, &blocks)
	if len(blocks.Items) != 1 || blocks.Items[0].Handle != "ann" {
		t.Errorf("bob's blocks %+v", blocks.Items)
	}
	f.must(200, "GET", "/api/v1/me/blocks", nil, bearer(cat.Token)).decode(t, &blocks)
	if len(blocks.Items) != 0 {
		t.Errorf("cat's blocks %+v", blocks.Items)
	}
	if ids := f.feedIDs("/api/v1/hashtags/noise/videos", cat.Token); !slices.Contains(ids, loud.ID) {
		t.Errorf("cat lost ann's video to bob's block: %v", ids)
	}

	f.must(204, "DELETE", "/api/v1/accounts/ann/block", nil, bearer(bob.Token))
	f.must(204, "DELETE", "/api/v1/accounts/ann/block", nil, bearer(bob.Token))
	for p, ids := range visible(bob.Token) {
		if !slices.Contains(ids, loud.ID) {
			t.Errorf("bob's %s after unhiding ann: %v", p, ids)
		}
	}

	for _, tc := range []struct {
		name, method, path string
		opts               []reqOption
		status             int
	}{
		{"anonymous", "POST", "/api/v1/accounts/ann/block", nil, 401},
		{"anonymous list", "GET", "/api/v1/me/blocks", nil, 401},
		{"oneself", "POST", "/api/v1/accounts/bob/block", []reqOption{bearer(bob.Token)}, 422},
		{"unknown", "POST", "/api/v1/accounts/nobody/block", []reqOption{bearer(bob.Token)}, 404},
		{"bad handle", "POST", "/api/v1/accounts/a%27--/block", []reqOption{bearer(bob.Token)}, 404},
		{"cookie without Origin", "POST", "/api/v1/accounts/ann/block", []reqOption{func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: bob.Token})
		}}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.must(tc.status, tc.method, tc.path, nil, tc.opts...)
		})
	}
}

func TestSettings(t *testing.T) {
	f := newFixture(t)
	ann, bob := f.signUp("ann"), f.signUp("bob")
	cats := f.readyVideo(ann, "My cat Tom")
	spoiler := f.readyVideo(ann, "The finale #Spoilers")
	other := f.readyVideo(ann, "cats everywhere")

	var got flick.ViewerSettings
	f.must(200, "GET", "/api/v1/me/settings", nil, bearer(bob.Token)).decode(t, &got)
	if got.NonPersonalized || got.KeywordFilters == nil || len(got.KeywordFilters) != 0 {
		t.Fatalf("default settings %+v", got)
	}
	f.must(200, "PUT", "/api/v1/me/settings", map[string]any{"keyword_filters": []string{"CAT", "#spoilers", "cat"}}, bearer(bob.Token)).decode(t, &got)
	if !slices.Equal(got.KeywordFilters, []string{"cat", "spoilers"}) || got.NonPersonalized {
		t.Fatalf("stored settings %+v", got)
	}
	ids := f.feedIDs("/api/v1/feed/foryou", bob.Token)
	if slices.Contains(ids, cats.ID) || slices.Contains(ids, spoiler.ID) || !slices.Contains(ids, other.ID) {
		t.Errorf("For You with filters cat, spoilers: %v; want only %s of %s %s %s", ids, other.ID, cats.ID, spoiler.ID, other.ID)
	}

	for _, tc := range []struct {
		name   string
		body   any
		status int
	}{
		{"empty filter", map[string]any{"keyword_filters": []string{""}}, 400},
		{"control character", map[string]any{"keyword_filters": []string{"a\u0007"}}, 400},
		{"no word", map[string]any{"keyword_filters": []string{"!!!"}}, 400},
		{"too long", map[string]any{"keyword_filters": []string{strings.Repeat("x", flick.MaxKeywordRunes+1)}}, 400},
		{"too many", map[string]any{"keyword_filters": make([]string, flick.MaxKeywordFilters+1)}, 422},
		{"wrong type", map[string]any{"non_personalized": "yes"}, 400},
		{"unknown field", map[string]any{"keyword_filter": []string{"x"}}, 400},
		{"not JSON", []byte("{"), 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.must(tc.status, "PUT", "/api/v1/me/settings", tc.body, bearer(bob.Token))
		})
	}
	f.must(200, "GET", "/api/v1/me/settings", nil, bearer(bob.Token)).decode(t, &got)
	if !slices.Equal(got.KeywordFilters, []string{"cat", "spoilers"}) {
		t.Errorf("refused updates changed the settings: %+v", got)
	}
	f.must(200, "GET", "/api/v1/me/settings", nil, bearer(ann.Token)).decode(t, &got)
	if len(got.KeywordFilters) != 0 {
		t.Errorf("bob's filters leaked to ann: %+v", got)
	}
	f.must(401, "GET", "/api/v1/me/settings", nil)
	f.must(401, "PUT", "/api/v1/me/settings", map[string]any{})

	t.Run("non-personalised", func(t *testing.T) {
		f.must(200, "PUT", "/api/v1/me/settings", map[string]any{"non_personalized": true}, bearer(bob.Token)).decode(t, &got)
		if !got.NonPersonalized || len(got.KeywordFilters) != 0 {
			t.Fatalf("settings %+v", got)
		}
		var page listJSON[feedItemJSON]
		f.must(200, "GET", "/api/v1/feed/foryou", nil, bearer(bob.Token)).decode(t, &page)
		if len(page.Items) != 3 {
			t.Fatalf("non-personalised For You has %d items, want 3", len(page.Items))
		}
		for _, it := range page.Items {
			if len(it.Reasons) == 0 || it.Reasons[0] != recommend.ReasonNonPersonalized {
				t.Errorf("item %s reasons %q, want %q first", it.ID, it.Reasons, recommend.ReasonNonPersonalized)
			}
		}
	})
}

// TestResetForYou: a reset is an event; once learned, the viewer's For You
// carries no reason drawn from their history any more.
func TestResetForYou(t *testing.T) {
	f := newFixture(t)
	ann, bob, cat := f.signUp("ann"), f.signUp("bob"), f.signUp("cat")
	a, b := f.readyVideo(ann, "first #pair"), f.readyVideo(ann, "second #pair")
	f.readyVideo(cat, "unrelated")
	// cat watches both through: they become co-engaged; bob watches the first.
	view := func(u user, v *flick.Video) {
		f.must(202, "POST", "/api/v1/events", []any{map[string]any{"type": "view", "video_id": v.ID, "watch_ms": v.DurationMS}}, bearer(u.Token))
	}
	view(cat, a)
	view(cat, b)
	view(bob, a)
	f.must(200, "POST", "/api/v1/videos/"+a.ID+"/like", nil, bearer(bob.Token))
	f.waitLearned()
	personal := func() bool {
		// A page of 3 has no exploration place (every 5th is one), where
		// these fresh videos would go for want of a personal reason.
		var page listJSON[feedItemJSON]
		f.must(200, "GET", "/api/v1/feed/foryou?limit=3", nil, bearer(bob.Token)).decode(t, &page)
		for _, it := range page.Items {
			for _, r := range it.Reasons {
				if strings.HasPrefix(r, "Because you") {
					return true
				}
			}
		}
		return false
	}
	if !personal() {
		t.Fatal("bob's For You has no personal reason before the reset")
	}
	f.must(204, "POST", "/api/v1/me/foryou/reset", nil, bearer(bob.Token))
	if evs := f.loggedEvents(flick.EventReset); len(evs) != 1 || evs[0].AccountID != bob.ID {
		t.Fatalf("reset events %+v", evs)
	}
	f.waitLearned()
	if personal() {
		t.Error("bob's For You is still personal after the reset")
	}
	f.must(401, "POST", "/api/v1/me/foryou/reset", nil)
}

// waitLearned waits until the recommender has learned the whole log.
func (f *fixture) waitLearned() {
	f.t.Helper()
	ctx := context.Background()
	seq, err := f.log.LastSeq(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.learn.WaitFor(ctx, seq); err != nil {
		f.t.Fatal(err)
	}
}

// TestControlsMatchOpenAPI checks the JSON answers of the control routes
// against their documented schemas.
func TestControlsMatchOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	f := newFixture(t)
	f.signUp("ann")
	bob := f.signUp("bob")
	f.must(204, "POST", "/api/v1/accounts/ann/block", nil, bearer(bob.Token))
	for _, tc := range []struct {
		method, doc, path string
		body              any
		status            int
	}{
		{"GET", "/api/v1/me/blocks", "/api/v1/me/blocks", nil, 200},
		{"GET", "/api/v1/me/settings", "/api/v1/me/settings", nil, 200},
		{"PUT", "/api/v1/me/settings", "/api/v1/me/settings", map[string]any{"keyword_filters": []string{"x"}}, 200},
		{"PUT", "/api/v1/me/settings", "/api/v1/me/settings", map[string]any{"keyword_filters": []string{""}}, 400},
		{"POST", "/api/v1/accounts/{handle}/block", "/api/v1/accounts/bob/block", nil, 422},
		{"POST", "/api/v1/videos/{id}/not-interested", "/api/v1/videos/" + flick.NewID(f.srv.Clock()) + "/not-interested", nil, 404},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := f.must(tc.status, tc.method, tc.path, tc.body, bearer(bob.Token))
			media, ok := doc.Paths[tc.doc][strings.ToLower(tc.method)].Responses[strconv.Itoa(tc.status)].Content["application/json"]
			if !ok {
				t.Fatalf("no JSON schema documented for %s %s %d", tc.method, tc.doc, tc.status)
			}
			var body any
			r.decode(t, &body)
			if err := doc.validate(media.Schema, body, "response"); err != nil {
				t.Fatalf("%v\n%s", err, r.body)
			}
		})
	}
}

package httpapi

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/flick-video/flick/internal/engagement"
	"github.com/flick-video/flick/internal/node/nodetest"
)

// TestFakeEngagementThroughTheAPI is the probe's reproduction: 200
// anonymous shares counted 200 and 10 anonymous batches of 500 views
// counted 5,000. A browser keeps the viewer cookie the first report got
// and counts once; a client that drops it counts ViewersPerClient times
// at most; past its rate it gets 429 with Retry-After.
func TestFakeEngagementThroughTheAPI(t *testing.T) {
	// The node's clock stands still, so that no rate refills while the
	// test runs, however slowly.
	now := time.Now()
	f := newFixture(t, func(s *setup) {
		s.api.TrustProxy = true
		s.node.Clock = func() time.Time { return now }
	})
	ann := f.signUp("ann")
	v := f.readyVideo(ann, "target")
	path := "/api/v1/videos/" + v.ID
	from := func(addr string) reqOption { return withHeader("X-Forwarded-For", addr) }
	counts := func() videoJSON {
		t.Helper()
		nodetest.CaughtUp(t, f.node)
		var got videoJSON
		f.must(200, "GET", path, nil).decode(t, &got)
		return got
	}

	first := f.must(200, "POST", path+"/share", nil, from("192.0.2.1"))
	var cookie *http.Cookie
	for _, c := range first.Cookies() {
		if c.Name == viewerCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/api/" || cookie.MaxAge <= 0 {
		t.Fatalf("viewer cookie %+v, want an HttpOnly, SameSite=Lax cookie for /api/ with a lifetime", cookie)
	}
	keep := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: viewerCookie, Value: cookie.Value}) }
	limited := 0
	for range 199 {
		switch r := f.request("POST", path+"/share", nil, from("192.0.2.1")); {
		case r.StatusCode == 429:
			limited++
		case r.StatusCode != 200 || len(r.Cookies()) != 1:
			t.Fatalf("a share without a cookie: %d with cookies %v, want 200 and a new viewer cookie", r.StatusCode, r.Cookies())
		}
	}
	if got := counts().Counts.Shares; got != 1 || limited != 200-engagement.ClientBatchesPerMinute {
		t.Fatalf("200 anonymous shares from one client counted %d, %d refused; want 1 counted, %d refused", got, limited, 200-engagement.ClientBatchesPerMinute)
	}

	batch := make([]map[string]any, 500)
	for i := range batch {
		batch[i] = map[string]any{"type": "view", "video_id": v.ID, "watch_ms": 1000}
	}
	for range 10 {
		if r := f.must(202, "POST", "/api/v1/events", batch, from("192.0.2.2"), keep); len(r.Cookies()) != 0 {
			t.Fatalf("a report with a viewer cookie got cookies %v, want none", r.Cookies())
		}
	}
	if got := counts().Counts.Views; got != 1 {
		t.Fatalf("10 batches of 500 views from one browser counted %d views, want 1", got)
	}
	for range 2 * engagement.ViewersPerClient {
		f.must(202, "POST", "/api/v1/events", batch, from("192.0.2.3"))
	}
	if got := counts().Counts.Views; got != 1+engagement.ViewersPerClient {
		t.Fatalf("a client dropping its cookie counted %d views in all, want %d", got, 1+engagement.ViewersPerClient)
	}

	one := batch[:1]
	for range engagement.BatchesPerMinute {
		f.must(202, "POST", "/api/v1/events", one, bearer(ann.Token), from("192.0.2.4"))
	}
	r := f.must(429, "POST", "/api/v1/events", one, bearer(ann.Token), from("192.0.2.4"))
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q, want seconds", r.Header.Get("Retry-After"))
	}
}

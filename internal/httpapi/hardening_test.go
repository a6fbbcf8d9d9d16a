package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/flick-video/flick"
)

// routeWorld is a fixture with an admin and auditor (ann), another account
// (bob) and a ready video of ann's, and a way to fill any route's path
// parameters from them. A route whose parameter it cannot fill fails the
// test, so that a new route is never silently left out of the checks that
// walk the route table.
type routeWorld struct {
	*fixture
	ann, bob user
	video    *flick.Video
}

func newRouteWorld(t *testing.T, configure ...func(*setup)) *routeWorld {
	t.Helper()
	f := newFixture(t, configure...)
	w := &routeWorld{fixture: f, ann: f.signUp("ann"), bob: f.signUp("bob")}
	if _, err := f.node.Accounts.SetRoles(context.Background(), w.ann.ID, []string{flick.RoleAdmin, flick.RoleAuditor}, nil); err != nil {
		t.Fatal(err)
	}
	w.video = f.readyVideo(w.ann, "a walk in the park #api")
	return w
}

// path fills rt's path parameters.
func (w *routeWorld) path(rt route) string {
	w.t.Helper()
	p := rt.path
	for param, value := range map[string]string{
		"{handle}": w.bob.Handle,
		"{id}":     w.video.ID,
		"{tag}":    "api",
		"{key...}": w.video.Renditions[0].Key,
	} {
		p = strings.ReplaceAll(p, param, value)
	}
	if strings.Contains(p, "{") {
		w.t.Fatalf("%s %s: no value for its path parameter; add one to routeWorld.path", rt.method, rt.path)
	}
	return p
}

// jsonBodyKind is what the OpenAPI document says a route's JSON request body
// is ("object" or "array"), "" when the route takes no JSON body.
func jsonBodyKind(t *testing.T, doc map[string]any, rt route) string {
	t.Helper()
	ops, _ := doc["paths"].(map[string]any)[goWildcard.ReplaceAllString(rt.path, "{$1}")].(map[string]any)
	op, _ := ops[strings.ToLower(rt.method)].(map[string]any)
	body, _ := op["requestBody"].(map[string]any)
	content, _ := body["content"].(map[string]any)
	media, ok := content["application/json"].(map[string]any)
	if !ok {
		return ""
	}
	schema := media["schema"].(map[string]any)
	if schema["type"] == "array" {
		return "array"
	}
	return "object" // a $ref to an object schema, or an inline object
}

// TestJSONBodiesOfEveryRoute sends every route that takes a JSON body (as
// the OpenAPI document says) a body of the wrong JSON type and one of
// invalid UTF-8: each is a 400 that names the problem.
func TestJSONBodiesOfEveryRoute(t *testing.T) {
	w := newRouteWorld(t)
	doc := loadOpenAPIMap(t)
	checked := 0
	for _, rt := range w.srv.routeSet {
		kind := jsonBodyKind(t, doc, rt)
		if kind == "" {
			continue
		}
		checked++
		wrong := map[string]string{"object": "[]", "array": "{}"}[kind]
		for _, tc := range []struct{ body, says string }{
			{"null", "JSON " + kind},
			{" null ", "JSON " + kind},
			{wrong, "JSON " + kind},
			{`"text"`, "JSON " + kind},
			{"42", "JSON " + kind},
			{"true", "JSON " + kind},
			{"{\"text\":\"\xff\xfe\"}", "UTF-8"},
			{"[\"\xc3\x28\"]", "UTF-8"},
		} {
			r := w.request(rt.method, w.path(rt), []byte(tc.body), bearer(w.ann.Token), withHeader("Content-Type", "application/json"))
			var e errorBody
			if r.StatusCode == http.StatusBadRequest {
				r.decode(t, &e)
			}
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(e.Error.Message, tc.says) {
				t.Errorf("%s %s with %q: %d %s, want 400 naming %q", rt.method, rt.path, tc.body, r.StatusCode, r.body, tc.says)
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d routes take JSON: the OpenAPI walk is broken", checked)
	}
}

// loadOpenAPIMap is the OpenAPI document as plain JSON values.
func loadOpenAPIMap(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// A null body changes nothing: it used to wipe the keyword filters.
func TestNullSettingsChangeNothing(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	f.must(200, "PUT", "/api/v1/me/settings", map[string]any{"keyword_filters": []string{"spoilers"}}, bearer(ann.Token))
	f.must(400, "PUT", "/api/v1/me/settings", []byte("null"), bearer(ann.Token), withHeader("Content-Type", "application/json"))
	f.must(400, "PATCH", "/api/v1/me", []byte("null"), bearer(ann.Token), withHeader("Content-Type", "application/json"))
	var s flick.ViewerSettings
	f.must(200, "GET", "/api/v1/me/settings", nil, bearer(ann.Token)).decode(t, &s)
	if len(s.KeywordFilters) != 1 || s.KeywordFilters[0] != "spoilers" {
		t.Fatalf("keyword filters after a null PUT: %q", s.KeywordFilters)
	}
}

// Invalid UTF-8 in a comment is refused, not stored as U+FFFD.
func TestInvalidUTF8CommentIsRefused(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	v := f.readyVideo(ann, "utf-8")
	f.must(400, "POST", "/api/v1/videos/"+v.ID+"/comments", []byte("{\"text\":\"hi \xff\xfe\"}"), bearer(ann.Token), withHeader("Content-Type", "application/json"))
	var page listJSON[flick.Comment]
	f.must(200, "GET", "/api/v1/videos/"+v.ID+"/comments", nil).decode(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("a comment was stored: %+v", page.Items)
	}
}

// TestInvalidUTF8InAddresses sends every route a query string holding
// invalid UTF-8, and every route whose path ends in a parameter a value
// holding it: a 400, whatever the route.
func TestInvalidUTF8InAddresses(t *testing.T) {
	w := newRouteWorld(t)
	for _, rt := range w.srv.routeSet {
		bad := []string{w.path(rt) + "?q=%ff%fe&reason=%c3%28"}
		if strings.HasSuffix(rt.path, "}") {
			bad = append(bad, w.path(rt)+"%ff")
		}
		for _, p := range bad {
			r := w.request(rt.method, p, nil, bearer(w.ann.Token))
			if r.StatusCode != http.StatusBadRequest {
				t.Errorf("%s %s: %d %s, want 400", rt.method, p, r.StatusCode, r.body)
			}
		}
	}
}

// TestGETRoutesWriteNoAccessEntries calls every GET route of the table, as
// an admin and auditor, with every parameter a state-changing call would
// take: none may add an entry to the permanent access log, which a
// cross-site link could otherwise do with the admin's cookie.
func TestGETRoutesWriteNoAccessEntries(t *testing.T) {
	w := newRouteWorld(t)
	ctx := context.Background()
	before, err := w.srv.Audit.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := w.log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gets := 0
	for _, rt := range w.srv.routeSet {
		if rt.method != http.MethodGet {
			continue
		}
		gets++
		for _, opt := range []reqOption{bearer(w.ann.Token), withCookie(w.fixture, w.ann.Token)} {
			r := w.request("GET", w.path(rt)+"?reason=a+cross-site+link&q=park", nil, opt)
			if r.StatusCode >= 500 {
				t.Errorf("GET %s: %d %s", rt.path, r.StatusCode, r.body)
			}
		}
	}
	after, err := w.srv.Audit.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Size != before.Size {
		entries, _ := w.srv.Audit.Entries(ctx, before.Size, after.Size)
		t.Errorf("%d GET routes wrote %d access-log entries: %+v", gets, after.Size-before.Size, entries)
	}
	if now, err := w.log.LastSeq(ctx); err != nil || now != seq {
		t.Errorf("GET routes appended events: last sequence %d, was %d (%v)", now, seq, err)
	}
}

// TestTextRuleOnEveryTextField sends text-direction controls and invisible
// characters to every JSON field and query that stores or echoes text: each
// is refused with a 400 and nothing changes, while an emoji sequence joined
// by zero-width joiners is kept as typed.
func TestTextRuleOnEveryTextField(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	v := f.readyVideo(ann, "text rule")
	comments := "/api/v1/videos/" + v.ID + "/comments"
	for _, bad := range []string{"\u202enimda", "ad\u200bmin", "ad\u200dmin", "\u2066x\u2069", "x\u200e", "soft\u00adhyphen"} {
		f.must(400, "PATCH", "/api/v1/me", map[string]string{"display_name": bad}, bearer(ann.Token))
		f.must(400, "PATCH", "/api/v1/me", map[string]string{"bio": bad}, bearer(ann.Token))
		f.must(400, "POST", comments, map[string]string{"text": bad}, bearer(ann.Token))
		f.must(400, "PUT", "/api/v1/me/settings", map[string]any{"keyword_filters": []string{bad}}, bearer(ann.Token))
		f.must(400, "GET", "/api/v1/search?q="+url.QueryEscape(bad), nil)
	}
	var me meJSON
	f.must(200, "GET", "/api/v1/me", nil, bearer(ann.Token)).decode(t, &me)
	if me.DisplayName != "" || me.Bio != "" {
		t.Fatalf("a refused profile was stored: %+v", me.accountJSON)
	}
	coder := "Ann \U0001F469\u200d\U0001F4BB"
	f.must(200, "PATCH", "/api/v1/me", map[string]string{"display_name": coder, "bio": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u2764\ufe0f"}, bearer(ann.Token)).decode(t, &me)
	if me.DisplayName != coder {
		t.Errorf("display name %q, want %q", me.DisplayName, coder)
	}
	var c flick.Comment
	f.must(201, "POST", comments, map[string]string{"text": "ship it " + coder}, bearer(ann.Token)).decode(t, &c)
	if c.Text != "ship it "+coder {
		t.Errorf("comment %q", c.Text)
	}
}

// TestExpectedOrigin checks the CSRF rule's idea of our own origin under
// each deployment: a configured public URL, a trusted proxy's forwarded
// scheme and host, secure cookies behind a TLS-terminating proxy that is
// not trusted (this used to refuse every cookie write with 403), and plain
// HTTP.
func TestExpectedOrigin(t *testing.T) {
	public, _ := url.Parse("https://flick.example")
	tests := []struct {
		name    string
		api     Config
		headers map[string]string
		origin  func(f *fixture) string
		want    int
	}{
		{"plain http", Config{}, nil, func(f *fixture) string { return f.ts.URL }, 200},
		{"plain http, https origin", Config{}, nil, func(f *fixture) string { return strings.Replace(f.ts.URL, "http:", "https:", 1) }, 403},
		{"secure cookies, untrusted proxy", Config{SecureCookies: true}, nil, func(f *fixture) string { return strings.Replace(f.ts.URL, "http:", "https:", 1) }, 200},
		{"secure cookies, http origin", Config{SecureCookies: true}, nil, func(f *fixture) string { return f.ts.URL }, 403},
		{"trusted proxy", Config{TrustProxy: true}, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "fwd.example"},
			func(*fixture) string { return "https://fwd.example" }, 200},
		{"untrusted forwarded headers", Config{}, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
			func(*fixture) string { return "https://evil.example" }, 403},
		{"public URL", Config{PublicURL: public}, nil, func(*fixture) string { return "https://flick.example" }, 200},
		{"public URL, the request's own host", Config{PublicURL: public}, nil, func(f *fixture) string { return f.ts.URL }, 403},
		{"public URL wins over a trusted proxy", Config{PublicURL: public, TrustProxy: true}, map[string]string{"X-Forwarded-Host": "fwd.example"},
			func(*fixture) string { return "https://fwd.example" }, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(s *setup) { s.api = tc.api })
			ann := f.signUp("ann")
			opts := []reqOption{withCookie(f, ann.Token), withHeader("Origin", tc.origin(f))}
			for k, v := range tc.headers {
				opts = append(opts, withHeader(k, v))
			}
			f.must(tc.want, "PATCH", "/api/v1/me", map[string]string{"bio": "hello"}, opts...)
		})
	}
}

// TestCrossSiteOnEveryRoute sends every route that is not a GET a
// cookie-authenticated request from another site: refused, whatever the
// route. Behind a TLS proxy (secure cookies) the same request from our own
// https origin is never refused as cross-site.
func TestCrossSiteOnEveryRoute(t *testing.T) {
	w := newRouteWorld(t, func(s *setup) { s.api.SecureCookies = true })
	own := strings.Replace(w.ts.URL, "http:", "https:", 1)
	for _, rt := range w.srv.routeSet {
		if rt.method == http.MethodGet {
			continue
		}
		for origin, refused := range map[string]bool{"https://evil.example": true, w.ts.URL: true, own: false} {
			r := w.request(rt.method, w.path(rt), []byte("{}"), withCookie(w.fixture, w.bob.Token),
				withHeader("Origin", origin), withHeader("Content-Type", "application/json"))
			var e errorBody
			if r.StatusCode >= 400 {
				r.decode(t, &e)
			}
			if got := e.Error.Message == "Cross-site request refused."; got != refused {
				t.Errorf("%s %s from %s: %d %s, want refused %v", rt.method, rt.path, origin, r.StatusCode, r.body, refused)
			}
		}
	}
}

// TestRegionIsPersonal: the home region is shown to the account itself,
// never on a profile or in search results, to anyone else.
func TestRegionIsPersonal(t *testing.T) {
	w := newRouteWorld(t)
	for _, opts := range [][]reqOption{nil, {bearer(w.ann.Token)}} {
		for _, path := range []string{"/api/v1/accounts/bob", "/api/v1/search?q=bob"} {
			r := w.must(200, "GET", path, nil, opts...)
			if !strings.Contains(string(r.body), `"handle":"bob"`) || strings.Contains(string(r.body), `"region"`) {
				t.Errorf("GET %s: want bob without a region: %s", path, r.body)
			}
		}
	}
	if r := w.must(200, "GET", "/api/v1/me", nil, bearer(w.bob.Token)); !strings.Contains(string(r.body), `"region":"default"`) {
		t.Errorf("GET /me lacks the home region: %s", r.body)
	}
}

package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

func newHandler(t *testing.T) *Handler {
	t.Helper()
	return newHandlerWith(t, Config{MaxDuration: 10 * time.Minute, MaxUploadBytes: 256 << 20})
}

func newHandlerWith(t *testing.T, cfg Config) *Handler {
	t.Helper()
	h, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPages(t *testing.T) {
	h := newHandler(t)
	tests := []struct {
		path   string
		status int
		page   string
		title  string
	}{
		{"/", 200, "foryou", "For You · Flick"},
		{"/following", 200, "following", "Following · Flick"},
		{"/upload", 200, "upload", "Upload · Flick"},
		{"/login", 200, "login", "Log in · Flick"},
		{"/signup", 200, "signup", "Sign up · Flick"},
		{"/search?q=cats", 200, "search", "Search · Flick"},
		{"/settings", 200, "settings", "Settings · Flick"},
		{"/settings/access", 200, "access", "Who accessed your data · Flick"},
		{"/audit", 200, "audit", "Access log audit · Flick"},
		{"/tag/Cats", 200, "tag", "#cats · Flick"},
		{"/tag/%C3%A9t%C3%A9", 200, "tag", "#été · Flick"},
		{"/@Maya.Films", 200, "profile", "@maya.films · Flick"},
		{"/v/01jd8k2m3n4p5q6r", 200, "video", "Video · Flick"},
		{"/nope", 404, "notfound", "Page not found · Flick"},
		{"/following/", 404, "notfound", ""},
		{"/@", 404, "notfound", ""},
		{"/@x", 404, "notfound", ""},
		{"/@_bad", 404, "notfound", ""},
		{"/maya", 404, "notfound", ""},
		{"/tag/", 404, "notfound", ""},
		{"/tag/a%20b", 404, "notfound", ""},
		{"/tag/cats/more", 404, "notfound", ""},
		{"/v/short", 404, "notfound", ""},
		{"/v/01JD8K2M3N4P5Q6R", 404, "notfound", ""},
		{"/static/", 404, "notfound", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, h, "GET", tt.path, nil)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			hd := rec.Header()
			for name, want := range map[string]string{
				"Content-Type":           "text/html; charset=utf-8",
				"Cache-Control":          "no-cache",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "strict-origin-when-cross-origin",
				"X-Frame-Options":        "DENY",
			} {
				if got := hd.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			csp := hd.Get("Content-Security-Policy")
			for _, d := range []string{"script-src 'self'", "frame-ancestors 'none'", "media-src 'self' blob:", "object-src 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("CSP %q lacks %q", csp, d)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows unsafe sources: %q", csp)
			}
			body := rec.Body.String()
			if !strings.Contains(body, `<body data-page="`+tt.page+`">`) {
				t.Errorf("body does not name page %q", tt.page)
			}
			if tt.title != "" && !strings.Contains(body, "<title>"+tt.title+"</title>") {
				t.Errorf("title %q not in body", tt.title)
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
				t.Error("shell has inline script or style, which the CSP forbids")
			}
		})
	}
}

func TestMethods(t *testing.T) {
	h := newHandler(t)
	if rec := get(t, h, "HEAD", "/", nil); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD /: status %d, %d body bytes", rec.Code, rec.Body.Len())
	}
	for _, path := range []string{"/upload", "/nope"} {
		if rec := get(t, h, "POST", path, nil); rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: status %d, want 405", path, rec.Code)
		}
	}
}

// TestPathCannotInjectMarkup: whatever is in the path, nothing of it reaches
// the page unescaped.
func TestPathCannotInjectMarkup(t *testing.T) {
	h := newHandler(t)
	for _, path := range []string{
		`/@%22%3E%3Cscript%3Ealert(1)%3C/script%3E`,
		`/@a%3Cscript%3E`,
		`/tag/%3Cimg%20src=x%20onerror=alert(1)%3E`,
		`/v/%3Cscript%3E`,
		`/%3Cscript%3Ealert(1)%3C/script%3E`,
	} {
		t.Run(path, func(t *testing.T) {
			rec := get(t, h, "GET", path, nil)
			if rec.Code != http.StatusNotFound {
				t.Errorf("status %d, want 404", rec.Code)
			}
			body := rec.Body.String()
			if strings.Contains(body, "alert(1)") || strings.Contains(body, "<img") || strings.Contains(body, "<script>") {
				t.Errorf("path leaked into the page:\n%s", body)
			}
		})
	}
	// The template itself escapes whatever title it is given.
	var buf bytes.Buffer
	if err := h.shell.Execute(&buf, page{Name: `x" onload="alert(1)`, Title: `@</title><script>alert(1)</script>`, Assets: h.assets}); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); strings.Contains(s, "<script>alert") || strings.Contains(s, `" onload="`) {
		t.Errorf("template did not escape:\n%s", s)
	}
}

var assetURL = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

func TestStaticAssets(t *testing.T) {
	h := newHandler(t)
	shell := get(t, h, "GET", "/", nil).Body.String()
	urls := assetURL.FindAllStringSubmatch(shell, -1)
	if len(urls) < 4 {
		t.Fatalf("shell links %d static files, want the stylesheet, icon, app and its modules:\n%s", len(urls), shell)
	}
	for _, m := range urls {
		url := m[1]
		t.Run(url, func(t *testing.T) {
			if !strings.HasPrefix(url, "/static/"+h.assets.version+"/") {
				t.Errorf("URL %s is not versioned with %s", url, h.assets.version)
			}
			rec := get(t, h, "GET", url, nil)
			if rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control %q", got)
			}
			if rec.Header().Get("ETag") == "" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("missing ETag or nosniff: %v", rec.Header())
			}
			name := url[strings.LastIndex(url, "/")+1:]
			if want := contentTypes[name[strings.LastIndex(name, "."):]]; rec.Header().Get("Content-Type") != want {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), want)
			}
			// Revalidation and compression.
			if rec := get(t, h, "GET", url, http.Header{"If-None-Match": {rec.Header().Get("ETag")}}); rec.Code != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", rec.Code)
			}
			gz := get(t, h, "GET", url, http.Header{"Accept-Encoding": {"br, gzip"}})
			if gz.Header().Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(gz.Body)
				if err != nil {
					t.Fatal(err)
				}
				plain, err := io.ReadAll(zr)
				if err != nil || !bytes.Equal(plain, rec.Body.Bytes()) {
					t.Errorf("gzipped body differs from the plain one (err %v)", err)
				}
				if gz.Header().Get("ETag") == rec.Header().Get("ETag") {
					t.Error("gzipped and plain bodies share an ETag")
				}
			}
		})
	}

	tests := []struct {
		name, path string
		status     int
		cache      string
	}{
		{"old version", "/static/0123456789ab/app.js", 200, "no-cache"},
		{"unknown file", "/static/" + h.assets.version + "/nope.js", 404, ""},
		// The mux cleans these paths with a redirect; what matters is that no
		// file is served.
		{"directory escape", "/static/" + h.assets.version + "/../web.go", 307, ""},
		{"no version", "/static/app.js", 307, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, h, "GET", tt.path, nil)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.cache != "" && rec.Header().Get("Cache-Control") != tt.cache {
				t.Errorf("Cache-Control %q, want %q", rec.Header().Get("Cache-Control"), tt.cache)
			}
		})
	}
}

// TestVersionFollowsContent: the version changes when any file changes, so
// a deploy busts every cached copy.
func TestVersionFollowsContent(t *testing.T) {
	a, err := loadAssets(staticFS, "static")
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadAssets(staticFS, "static")
	if err != nil {
		t.Fatal(err)
	}
	if a.version != b.version {
		t.Fatalf("same files, different versions %s and %s", a.version, b.version)
	}
	changed, err := loadAssets(changedFS{staticFS}, "static")
	if err != nil {
		t.Fatal(err)
	}
	if changed.version == a.version {
		t.Errorf("a changed file kept version %s", a.version)
	}
}

// changedFS serves the static files with app.css altered.
type changedFS struct{ fs.FS }

func (c changedFS) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(c.FS, name)
	if name == "static/app.css" {
		b = append(b, "\n/* changed */"...)
	}
	return b, err
}

var jsImport = regexp.MustCompile(`(?m)^import [^;]* from '\./([^']+)';`)

// TestScripts guards two rules of the client code that no Go type can: every
// relative import names an embedded module, and nothing parses strings as HTML
// (captions, comments and names are hostile input).
func TestScripts(t *testing.T) {
	h := newHandler(t)
	for name, f := range h.assets.files {
		if !strings.HasSuffix(name, ".js") {
			continue
		}
		src := string(f.body)
		for _, m := range jsImport.FindAllStringSubmatch(src, -1) {
			if _, ok := h.assets.files[m[1]]; !ok {
				t.Errorf("%s imports ./%s, which is not embedded", name, m[1])
			}
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
	}
}

var bootBlock = regexp.MustCompile(`<script type="application/json" id="boot">([^<]*)</script>`)

// readBoot returns the boot data of the page at path, as the client reads it.
func readBoot(t *testing.T, h http.Handler, path string) map[string]any {
	t.Helper()
	m := bootBlock.FindStringSubmatch(get(t, h, "GET", path, nil).Body.String())
	if m == nil {
		t.Fatalf("%s has no boot data block", path)
	}
	var b map[string]any
	if err := json.Unmarshal([]byte(m[1]), &b); err != nil {
		t.Fatalf("boot data of %s: %v\n%s", path, err, m[1])
	}
	return b
}

// TestBootRoutes: the boot data lists every page route with the title the
// server renders for it, so that the client's router needs no list of its own.
func TestBootRoutes(t *testing.T) {
	h := newHandler(t)
	b := readBoot(t, h, "/nope")
	routes := map[string]any{}
	for _, r := range b["routes"].([]any) {
		r := r.(map[string]any)
		routes[r["path"].(string)] = r
	}
	for _, tt := range []struct{ path, example, name, title, want string }{
		{"/", "/", "foryou", "For You · Flick", "For You · Flick"},
		{"/following", "/following", "following", "Following · Flick", "Following · Flick"},
		{"/settings/access", "/settings/access", "access", "Who accessed your data · Flick", "Who accessed your data · Flick"},
		{"/tag/{tag}", "/tag/Cats", "tag", "#{tag} · Flick", "#cats · Flick"},
		{"/v/{id}", "/v/01jd8k2m3n4p5q6r", "video", "Video · Flick", "Video · Flick"},
		{"/@{handle}", "/@Maya.Films", "profile", "@{handle} · Flick", "@maya.films · Flick"},
		{"/forgot-password", "/forgot-password", "forgot", "Forgot password · Flick", "Forgot password · Flick"},
		{"/reset-password", "/reset-password", "reset", "Choose a new password · Flick", "Choose a new password · Flick"},
	} {
		r, ok := routes[tt.path].(map[string]any)
		if !ok {
			t.Errorf("no route %s in %v", tt.path, b["routes"])
			continue
		}
		if r["name"] != tt.name || r["title"] != tt.title {
			t.Errorf("route %s = %v, want name %q, title %q", tt.path, r, tt.name, tt.title)
		}
		// The server answers the route with the same page and its title.
		body := get(t, h, "GET", tt.example, nil).Body.String()
		if !strings.Contains(body, `<body data-page="`+tt.name+`">`) || !strings.Contains(body, "<title>"+tt.want+"</title>") {
			t.Errorf("GET %s does not render page %q titled %q", tt.example, tt.name, tt.want)
		}
	}
	if len(routes) != len(pageRoutes) {
		t.Errorf("boot data has %d routes, the server %d", len(routes), len(pageRoutes))
	}
	if nf := b["not_found"].(map[string]any); nf["name"] != "notfound" || nf["title"] != "Page not found · Flick" {
		t.Errorf("not_found = %v", nf)
	}
}

// TestBootLimits: the limits the client states and checks are the domain's
// and the operator's.
func TestBootLimits(t *testing.T) {
	h := newHandlerWith(t, Config{MaxDuration: 90 * time.Second, MaxUploadBytes: 10e6})
	limits := readBoot(t, h, "/upload")["limits"].(map[string]any)
	for name, want := range map[string]any{
		"max_caption_runes":    float64(flick.MaxCaptionRunes),
		"max_comment_runes":    float64(flick.MaxCommentRunes),
		"max_bio_runes":        float64(flick.MaxBioRunes),
		"max_name_runes":       float64(flick.MaxNameRunes),
		"max_keyword_filters":  float64(flick.MaxKeywordFilters),
		"max_keyword_runes":    float64(flick.MaxKeywordRunes),
		"max_access_page":      float64(flick.MaxAccessPage),
		"min_age":              float64(flick.MinAge),
		"handle_pattern":       flick.HandlePattern,
		"min_handle_len":       float64(flick.MinHandleLen),
		"max_handle_len":       float64(flick.MaxHandleLen),
		"max_duration_seconds": float64(90),
		"max_upload_bytes":     float64(10e6),
	} {
		if limits[name] != want {
			t.Errorf("limit %s = %v, want %v", name, limits[name], want)
		}
	}
	if len(limits) != 13 {
		t.Errorf("boot data has %d limits, the test knows 13: %v", len(limits), limits)
	}
}

// TestBootMailsResets: the log-in page offers "Forgot password?" only when
// the instance mails resets.
func TestBootMailsResets(t *testing.T) {
	for _, mails := range []bool{false, true} {
		if got := readBoot(t, newHandlerWith(t, Config{MailsResets: mails}), "/login")["mails_resets"]; got != mails {
			t.Errorf("MailsResets %v: boot data says %v", mails, got)
		}
	}
}

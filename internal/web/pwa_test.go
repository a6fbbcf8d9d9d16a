package web

import (
	"encoding/json"
	"fmt"
	"image/png"
	"strings"
	"testing"
)

// TestManifest: the manifest names the app, opens standalone at /, and
// lists icons of the sizes it claims, PNGs served from the static files.
func TestManifest(t *testing.T) {
	h := newHandler(t)
	rec := get(t, h, "GET", "/manifest.webmanifest", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/manifest+json" {
		t.Fatalf("manifest: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	var m manifest
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m.Name != "Flick" || m.ShortName == "" || m.StartURL != "/" || m.Display != "standalone" || m.ThemeColor == "" || m.BackgroundColor == "" {
		t.Errorf("manifest %+v", m)
	}
	purposes := map[string]bool{}
	for _, ic := range m.Icons {
		purposes[ic.Sizes+" "+ic.Purpose] = true
		img := get(t, h, "GET", ic.Src, nil)
		if img.Code != 200 || img.Header().Get("Content-Type") != "image/png" {
			t.Fatalf("%s: %d %s", ic.Src, img.Code, img.Header().Get("Content-Type"))
		}
		cfg, err := png.DecodeConfig(img.Body)
		if err != nil {
			t.Fatalf("%s: %v", ic.Src, err)
		}
		if got := fmt.Sprintf("%dx%d", cfg.Width, cfg.Height); got != ic.Sizes {
			t.Errorf("%s is %s, the manifest says %s", ic.Src, got, ic.Sizes)
		}
	}
	for _, want := range []string{"192x192 any", "512x512 any", "512x512 maskable"} {
		if !purposes[want] {
			t.Errorf("no %s icon in %v", want, m.Icons)
		}
	}
	if shell := get(t, h, "GET", "/", nil).Body.String(); !strings.Contains(shell, `<link rel="manifest" href="/manifest.webmanifest">`) {
		t.Error("the shell does not link the manifest")
	}
}

// TestServiceWorker: /sw.js is served uncached for the whole origin and
// caches this version's static files and the offline page, and nothing of
// the API or media.
func TestServiceWorker(t *testing.T) {
	h := newHandler(t)
	rec := get(t, h, "GET", "/sw.js", nil)
	hd := rec.Header()
	if rec.Code != 200 || !strings.HasPrefix(hd.Get("Content-Type"), "text/javascript") || hd.Get("Service-Worker-Allowed") != "/" ||
		!strings.Contains(hd.Get("Cache-Control"), "no-cache") {
		t.Fatalf("sw.js: %d %v", rec.Code, hd)
	}
	body := rec.Body.String()
	for _, want := range []string{`const VERSION = "` + h.assets.version + `";`, `"` + offlinePath + `"`, `"` + h.assets.URL("app.js") + `"`, `"` + h.assets.URL("app.css") + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("sw.js lacks %s", want)
		}
	}
	if strings.Contains(body, `"/api/`) || strings.Contains(body, `"/media/`) {
		t.Error("sw.js precaches the API or media")
	}
	off := get(t, h, "GET", offlinePath, nil)
	if off.Code != 200 || !strings.Contains(off.Body.String(), `data-testid="offline-page"`) || !strings.Contains(off.Body.String(), h.assets.URL("app.css")) {
		t.Errorf("offline page: %d\n%s", off.Code, off.Body.String())
	}
	if got := off.Header().Get("Content-Security-Policy"); got != contentSecurityPolicy {
		t.Errorf("offline page CSP %q", got)
	}
}

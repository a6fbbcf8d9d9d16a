package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"text/template"
	"time"
)

// The installable app: a web app manifest, and a service worker that keeps
// the static files of the current version and an offline page in the
// browser's cache, so that a visit without a network shows Flick's own
// page rather than the browser's error. The worker is generated for the
// asset version, so a deploy that changes any static file changes the
// worker's bytes: browsers install the new worker beside the old one, and
// the app offers "New version available — Reload" (pwa.js).

// iconFiles are the manifest's icons, rendered from favicon.svg (make icons).
var iconFiles = []struct {
	name, sizes, purpose string
}{
	{"icons/icon-192.png", "192x192", "any"},
	{"icons/icon-512.png", "512x512", "any"},
	{"icons/icon-maskable-512.png", "512x512", "maskable"},
}

// Colours of the manifest, as the shell's theme-color meta and app.css.
const (
	themeColor      = "#000000"
	backgroundColor = "#000000"
)

// offlinePath is the page the service worker shows for a navigation that
// cannot reach the server.
const offlinePath = "/offline"

type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose"`
}

type manifest struct {
	Name            string         `json:"name"`
	ShortName       string         `json:"short_name"`
	Description     string         `json:"description"`
	ID              string         `json:"id"`
	StartURL        string         `json:"start_url"`
	Scope           string         `json:"scope"`
	Display         string         `json:"display"`
	Orientation     string         `json:"orientation"`
	ThemeColor      string         `json:"theme_color"`
	BackgroundColor string         `json:"background_color"`
	Icons           []manifestIcon `json:"icons"`
}

// swPrelude hands the worker (static/sw.js) its version and what to cache.
var swPrelude = template.Must(template.New("sw").Parse(
	"// Generated for asset version {{.Version}}.\nconst VERSION = {{.VersionJSON}};\nconst OFFLINE = {{.OfflineJSON}};\nconst PRECACHE = {{.PrecacheJSON}};\n\n"))

// pwa is the manifest and the service worker, prepared once.
type pwa struct {
	manifest []byte
	worker   []byte
}

func newPWA(a *assets, workerBody []byte) (*pwa, error) {
	m := manifest{
		Name: "Flick", ShortName: "Flick", Description: "Short videos from people you follow and people you will.",
		ID: "/", StartURL: "/", Scope: "/", Display: "standalone", Orientation: "portrait",
		ThemeColor: themeColor, BackgroundColor: backgroundColor,
	}
	for _, ic := range iconFiles {
		m.Icons = append(m.Icons, manifestIcon{Src: a.URL(ic.name), Sizes: ic.sizes, Type: "image/png", Purpose: ic.purpose})
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	precache := []string{offlinePath}
	for _, name := range a.names {
		precache = append(precache, a.URL(name))
	}
	js := func(v any) string {
		b, _ := json.Marshal(v) // strings only: cannot fail
		return string(b)
	}
	var buf bytes.Buffer
	if err := swPrelude.Execute(&buf, map[string]string{
		"Version": a.version, "VersionJSON": js(a.version), "OfflineJSON": js(offlinePath), "PrecacheJSON": js(precache),
	}); err != nil {
		return nil, fmt.Errorf("service worker: %w", err)
	}
	buf.Write(workerBody)
	return &pwa{manifest: body, worker: buf.Bytes()}, nil
}

func (p *pwa) serveManifest(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(p.manifest))
}

// serveWorker serves the worker uncached, so that browsers see a deploy at
// their next navigation, for the scope of the whole origin.
func (p *pwa) serveWorker(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Set("Cache-Control", "no-cache, max-age=0")
	hd.Set("Service-Worker-Allowed", "/")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(p.worker))
}

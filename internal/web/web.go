// Package web serves Flick's browser app: one HTML shell for every page route
// and the static JavaScript modules, stylesheet and icons it loads. Everything
// is embedded in the binary and prepared once at start-up, so the app needs no
// Node, no build step and no files on disk; the app talks to the JSON API
// under /api/v1, which another package serves.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/flick-video/flick"
)

//go:embed templates/shell.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// contentSecurityPolicy allows only the app's own scripts, styles and media.
// blob: is there for local previews of a picked video or avatar before upload.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler serves the web app's pages and static files.
type Handler struct {
	logger *slog.Logger
	mux    *http.ServeMux
	shell  *template.Template
	assets *assets
}

// page is what the shell template needs to render one page.
type page struct {
	Name   string // the client-side view, read by app.js from body[data-page]
	Title  string
	Assets *assets
}

// New parses the shell and prepares the static files.
func New(logger *slog.Logger) (*Handler, error) {
	a, err := loadAssets(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: load static files: %w", err)
	}
	shell, err := template.New("shell.html").Funcs(template.FuncMap{"static": a.URL}).ParseFS(templateFS, "templates/shell.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse shell template: %w", err)
	}
	h := &Handler{logger: logger, shell: shell, assets: a, mux: http.NewServeMux()}
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	for path, p := range map[string]page{
		"GET /{$}":             {Name: "foryou", Title: "For You · Flick"},
		"GET /following":       {Name: "following", Title: "Following · Flick"},
		"GET /upload":          {Name: "upload", Title: "Upload · Flick"},
		"GET /login":           {Name: "login", Title: "Log in · Flick"},
		"GET /signup":          {Name: "signup", Title: "Sign up · Flick"},
		"GET /search":          {Name: "search", Title: "Search · Flick"},
		"GET /settings":        {Name: "settings", Title: "Settings · Flick"},
		"GET /settings/access": {Name: "access", Title: "Who accessed your data · Flick"},
		"GET /audit":           {Name: "audit", Title: "Access log audit · Flick"},
	} {
		h.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { h.render(w, r, http.StatusOK, p) })
	}
	h.mux.HandleFunc("GET /tag/{tag}", h.tagPage)
	h.mux.HandleFunc("GET /v/{id}", h.videoPage)
	// ServeMux wildcards must fill a whole segment, so "/@{handle}" is matched
	// as "/{segment}" and the @ checked here.
	h.mux.HandleFunc("GET /{segment}", h.profilePage)
	h.mux.HandleFunc("GET /static/{version}/{file...}", h.assets.serve)
	h.mux.HandleFunc("GET /", h.notFound)
}

// ServeHTTP sets the security headers every response carries and dispatches.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) tagPage(w http.ResponseWriter, r *http.Request) {
	tag := flick.NormalizeTag(r.PathValue("tag"))
	if tags, _ := flick.ParseCaption("#" + tag); len(tags) != 1 || tags[0] != tag {
		h.notFound(w, r)
		return
	}
	h.render(w, r, http.StatusOK, page{Name: "tag", Title: "#" + tag + " · Flick"})
}

func (h *Handler) videoPage(w http.ResponseWriter, r *http.Request) {
	if !flick.ValidID(r.PathValue("id")) {
		h.notFound(w, r)
		return
	}
	h.render(w, r, http.StatusOK, page{Name: "video", Title: "Video · Flick"})
}

func (h *Handler) profilePage(w http.ResponseWriter, r *http.Request) {
	seg := r.PathValue("segment")
	handle := flick.NormalizeHandle(seg)
	if !strings.HasPrefix(seg, "@") || flick.ValidateHandle(handle) != nil {
		h.notFound(w, r)
		return
	}
	h.render(w, r, http.StatusOK, page{Name: "profile", Title: "@" + handle + " · Flick"})
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusNotFound, page{Name: "notfound", Title: "Page not found · Flick"})
}

// render executes the shell into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p page) {
	p.Assets = h.assets
	var buf bytes.Buffer
	if err := h.shell.Execute(&buf, p); err != nil {
		h.logger.ErrorContext(r.Context(), "render page", "page", p.Name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The shell names the current asset version, so it must be revalidated
	// for a deploy to reach browsers.
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

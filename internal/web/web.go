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
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/flick-video/flick"
)

//go:embed templates/shell.html templates/offline.html templates/sw.js
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// contentSecurityPolicy allows only the app's own scripts, styles and media.
// blob: is there for local previews of a picked video or avatar before upload.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Config is what the web app needs of the operator's configuration.
type Config struct {
	MaxDuration    time.Duration // the longest video accepted (--max-duration)
	MaxUploadBytes int64         // the largest upload accepted (--max-upload)
	MailsResets    bool          // forgotten passwords are reset by email (--smtp-url)
	// Previews finds the video or account a shared link names, for the
	// link preview tags of its page; nil renders none. Origin must then
	// say where browsers reach the instance (--public-url, or the
	// request's scheme and host), for the tags' absolute URLs.
	Previews Previews
	Origin   func(r *http.Request) string
	// Static are the app's static files; nil for those embedded in the
	// binary. Tests deploy a changed app with it.
	Static fs.FS
	// SessionCookie names the API's session cookie: a page tells the app
	// whether the browser holds one, so that a signed-out visit does not
	// ask the API who is signed in only to be told 401.
	SessionCookie string
}

// Handler serves the web app's pages and static files.
type Handler struct {
	cfg     Config
	logger  *slog.Logger
	mux     *http.ServeMux
	shell   *template.Template
	offline []byte // the offline page, rendered once
	assets  *assets
	boot    *boot
	pwa     *pwa
}

// page is what the shell template needs to render one page.
type page struct {
	Name  string // the client-side view, read by app.js from body[data-page]
	Title string
	Meta  []metaTag // link preview tags
	// Session says the browser holds a session cookie (valid or not: the
	// API drops a stale one at its first request), read by session.js.
	Session bool
	Assets  *assets
	Boot    *boot
}

// route is one of the app's page routes. The server answers its path with
// the shell and the client-side router matches the same list, so that each
// route and its title are declared once, in pageRoutes.
type route struct {
	Name string `json:"name"` // the client-side view
	// Path is literal, or ends with one {parameter} that fills the rest of
	// the last segment.
	Path string `json:"path"`
	// Title may name the parameter, which stands for its normalized form.
	Title string `json:"title"`
	// param normalizes the parameter and reports whether it is valid.
	param func(string) (string, bool)
}

var pageRoutes = []route{
	{Name: "foryou", Path: "/", Title: "For You · Flick"},
	{Name: "following", Path: "/following", Title: "Following · Flick"},
	{Name: "upload", Path: "/upload", Title: "Upload · Flick"},
	{Name: "login", Path: "/login", Title: "Log in · Flick"},
	{Name: "signup", Path: "/signup", Title: "Sign up · Flick"},
	{Name: "forgot", Path: "/forgot-password", Title: "Forgot password · Flick"},
	{Name: "reset", Path: "/reset-password", Title: "Choose a new password · Flick"},
	{Name: "search", Path: "/search", Title: "Search · Flick"},
	{Name: "settings", Path: "/settings", Title: "Settings · Flick"},
	{Name: "notifications", Path: "/notifications", Title: "Notifications · Flick"},
	{Name: "access", Path: "/settings/access", Title: "Who accessed your data · Flick"},
	{Name: "audit", Path: "/audit", Title: "Access log audit · Flick"},
	{Name: "tag", Path: "/tag/{tag}", Title: "#{tag} · Flick", param: func(s string) (string, bool) {
		tag := flick.NormalizeTag(s)
		tags, _ := flick.ParseCaption("#" + tag)
		return tag, len(tags) == 1 && tags[0] == tag
	}},
	{Name: "video", Path: "/v/{id}", Title: "Video · Flick", param: func(s string) (string, bool) { return s, flick.ValidID(s) }},
	{Name: "profile", Path: "/@{handle}", Title: "@{handle} · Flick", param: func(s string) (string, bool) {
		// The @ goes back on, so that NormalizeHandle strips that one and
		// no second one: "/@@maya" is no profile.
		handle := flick.NormalizeHandle("@" + s)
		return handle, flick.ValidateHandle(handle) == nil
	}},
}

var notFoundPage = route{Name: "notfound", Title: "Page not found · Flick"}

// boot is what the shell hands the client in a JSON data block, which the
// CSP allows because it is never executed: the page routes for its router,
// and the limits its forms state and check before the server would refuse.
type boot struct {
	Routes   []route `json:"routes"`
	NotFound route   `json:"not_found"`
	Limits   limits  `json:"limits"`
	// MailsResets offers "Forgot password?" on the login page.
	MailsResets bool `json:"mails_resets"`
}

type limits struct {
	MaxCaptionRunes    int     `json:"max_caption_runes"`
	MaxCommentRunes    int     `json:"max_comment_runes"`
	MaxBioRunes        int     `json:"max_bio_runes"`
	MaxNameRunes       int     `json:"max_name_runes"`
	MaxKeywordFilters  int     `json:"max_keyword_filters"`
	MaxKeywordRunes    int     `json:"max_keyword_runes"`
	MaxAccessPage      int     `json:"max_access_page"`
	MinAge             int     `json:"min_age"`
	HandlePattern      string  `json:"handle_pattern"`
	MinHandleLen       int     `json:"min_handle_len"`
	MaxHandleLen       int     `json:"max_handle_len"`
	MaxDurationSeconds float64 `json:"max_duration_seconds"`
	MaxUploadBytes     int64   `json:"max_upload_bytes"`
}

// New parses the shell and prepares the static files.
func New(cfg Config, logger *slog.Logger) (*Handler, error) {
	static := cfg.Static
	if static == nil {
		sub, err := fs.Sub(staticFS, "static")
		if err != nil {
			return nil, fmt.Errorf("web: static files: %w", err)
		}
		static = sub
	}
	a, err := loadAssets(static, ".")
	if err != nil {
		return nil, fmt.Errorf("web: load static files: %w", err)
	}
	funcs := template.FuncMap{"static": a.URL}
	shell, err := template.New("shell.html").Funcs(funcs).ParseFS(templateFS, "templates/shell.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse shell template: %w", err)
	}
	offlineTmpl, err := template.New("offline.html").Funcs(funcs).ParseFS(templateFS, "templates/offline.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse the offline page: %w", err)
	}
	var offline bytes.Buffer
	if err := offlineTmpl.Execute(&offline, nil); err != nil {
		return nil, fmt.Errorf("web: render the offline page: %w", err)
	}
	worker, err := fs.ReadFile(templateFS, "templates/sw.js")
	if err != nil {
		return nil, fmt.Errorf("web: read the service worker: %w", err)
	}
	p, err := newPWA(a, worker)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	h := &Handler{cfg: cfg, logger: logger, shell: shell, offline: offline.Bytes(), assets: a, pwa: p, mux: http.NewServeMux(), boot: &boot{
		Routes:   pageRoutes,
		NotFound: notFoundPage,
		Limits: limits{
			MaxCaptionRunes:    flick.MaxCaptionRunes,
			MaxCommentRunes:    flick.MaxCommentRunes,
			MaxBioRunes:        flick.MaxBioRunes,
			MaxNameRunes:       flick.MaxNameRunes,
			MaxKeywordFilters:  flick.MaxKeywordFilters,
			MaxKeywordRunes:    flick.MaxKeywordRunes,
			MaxAccessPage:      flick.MaxAccessPage,
			MinAge:             flick.MinAge,
			HandlePattern:      flick.HandlePattern,
			MinHandleLen:       flick.MinHandleLen,
			MaxHandleLen:       flick.MaxHandleLen,
			MaxDurationSeconds: cfg.MaxDuration.Seconds(),
			MaxUploadBytes:     cfg.MaxUploadBytes,
		},
		MailsResets: cfg.MailsResets,
	}}
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	for _, rt := range pageRoutes {
		if rt.param == nil {
			pattern := "GET " + rt.Path
			if rt.Path == "/" {
				pattern = "GET /{$}"
			}
			h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
				h.render(w, r, http.StatusOK, page{Name: rt.Name, Title: rt.Title})
			})
			continue
		}
		// ServeMux wildcards must fill a whole segment, so "/@{handle}" is
		// matched as "/{handle}" and the @ checked here.
		prefix, rest, _ := strings.Cut(rt.Path, "{")
		name := strings.TrimSuffix(rest, "}")
		i := strings.LastIndex(prefix, "/") + 1
		dir, lead := prefix[:i], prefix[i:]
		h.mux.HandleFunc("GET "+dir+"{"+name+"}", func(w http.ResponseWriter, r *http.Request) {
			arg, ok := strings.CutPrefix(r.PathValue(name), lead)
			norm, valid := rt.param(arg)
			if !ok || !valid {
				h.notFound(w, r)
				return
			}
			meta, status, err := h.preview(r, rt, norm)
			if err != nil {
				h.logger.ErrorContext(r.Context(), "link preview", "page", rt.Name, "err", err)
				meta, status = nil, http.StatusOK // the app itself can still load what the link names
			}
			h.render(w, r, status, page{Name: rt.Name, Title: strings.ReplaceAll(rt.Title, "{"+name+"}", norm), Meta: meta})
		})
	}
	h.mux.HandleFunc("GET /static/{version}/{file...}", h.assets.serve)
	h.mux.HandleFunc("GET /manifest.webmanifest", h.pwa.serveManifest)
	h.mux.HandleFunc("GET /sw.js", h.pwa.serveWorker)
	h.mux.HandleFunc("GET "+offlinePath, h.serveOffline)
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

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusNotFound, page{Name: notFoundPage.Name, Title: notFoundPage.Title})
}

// serveOffline serves the page the service worker keeps for when the
// network is gone.
func (h *Handler) serveOffline(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.offline))
}

// render executes the shell into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p page) {
	p.Assets = h.assets
	p.Boot = h.boot
	if h.cfg.SessionCookie != "" {
		_, err := r.Cookie(h.cfg.SessionCookie)
		p.Session = err == nil
	}
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

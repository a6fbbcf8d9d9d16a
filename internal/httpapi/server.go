// Package httpapi serves Flick's JSON API under /api/v1, the media files
// under /media, and the operational endpoints /healthz, /readyz and
// /metrics. It authenticates people (session cookie for the web app, Bearer
// token for API clients), maps domain errors to HTTP statuses, and describes
// itself in an OpenAPI 3 document kept true by a test.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flick-video/flick"
)

// Config holds the server's limits and deployment settings.
type Config struct {
	// MaxUploadBytes limits an uploaded video file (default 256 MiB).
	MaxUploadBytes int64
	// MaxJSONBytes limits a JSON request body (default 1 MiB).
	MaxJSONBytes int64
	// TempDir is where uploads are streamed before ingestion; it should be
	// on the same file system as the media store so that the file is moved,
	// not copied.
	TempDir string
	// TrustProxy takes the client address from X-Forwarded-For and the
	// scheme and host from X-Forwarded-Proto and X-Forwarded-Host; set it
	// only behind a reverse proxy that sets them.
	TrustProxy bool
	// SecureCookies marks the session cookie Secure even on plain-HTTP
	// requests (TLS terminated elsewhere): browsers reach the instance over
	// HTTPS.
	SecureCookies bool
	// PublicURL is where browsers reach the instance (scheme and host),
	// when set: the one origin the CSRF check accepts.
	PublicURL *url.URL
}

func (c Config) withDefaults() Config {
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = 256 << 20
	}
	if c.MaxJSONBytes <= 0 {
		c.MaxJSONBytes = 1 << 20
	}
	return c
}

// Registry is where the server registers its metrics and what /metrics
// serves; *prometheus.Registry is one.
type Registry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

// Regions is what the API reads across the instance's regions: the
// catalog of what every region holds, their media, their names and whether
// their stores answer. Writes go through the services.
type Regions interface {
	flick.Catalog
	// OpenMedia opens a blob in the region that holds it, if the viewer may
	// see it (viewer is asked only for the files of a video that is not
	// public), and returns the visibility of the video it belongs to.
	OpenMedia(ctx context.Context, key string, viewer func() (string, error)) (flick.Blob, flick.Visibility, error)
	// Regions lists the regions, the default first.
	Regions() []string
	// Ping checks every region's store.
	Ping(ctx context.Context) error
}

// Deps are the services the API is a front for.
type Deps struct {
	Accounts   flick.Accounts
	Engagement flick.Engagement
	Notify     flick.Notifications
	Videos     flick.Videos
	Rights     flick.DataRights
	Mover      flick.Mover
	Regions    Regions
	ForYou     flick.Feed
	Following  flick.Feed
	Trending   flick.Trending
	Audit      flick.AccessLog
	Logger     *slog.Logger
	Registry   Registry
	Clock      flick.Clock
}

// Server is the HTTP API of an instance.
type Server struct {
	cfg Config
	Deps

	latency     *prometheus.HistogramVec
	promHandler http.Handler
	handler     http.Handler
	routeSet    []route
	paths       *http.ServeMux // every route's path, any method: tells 405 from 404
}

// New builds a Server; it registers its metrics on deps.Registry.
func New(cfg Config, deps Deps) *Server {
	s := &Server{
		cfg:  cfg.withDefaults(),
		Deps: deps,
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Clock == nil {
		s.Clock = time.Now
	}
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "flick_http_request_duration_seconds",
		Help:    "Latency of HTTP requests by route pattern, method and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60},
	}, []string{"route", "status"})
	s.Registry.MustRegister(s.latency)
	s.promHandler = promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{})
	s.routeSet = s.routes()
	mux := http.NewServeMux()
	s.paths = http.NewServeMux()
	seen := map[string]bool{}
	for _, rt := range s.routeSet {
		mux.Handle(rt.method+" "+rt.path, s.adapt(rt))
		if !seen[rt.path] {
			seen[rt.path] = true
			s.paths.Handle(rt.path, http.NotFoundHandler())
		}
	}
	mux.Handle("/", s.adapt(route{access: accessNone, h: s.noRoute}))
	s.handler = s.instrument(mux)
	return s
}

// Handler serves /api/v1/..., /media/..., /healthz, /readyz and /metrics.
func (s *Server) Handler() http.Handler { return s.handler }

// access says what a route needs of the caller.
type access int

const (
	accessNone     access = iota // no session look-up up front (media, probes)
	accessOptional               // anonymous or signed in
	accessRequired               // signed in, 401 otherwise
	accessAuditor                // signed in with the auditor role, 403 otherwise
	accessAdmin                  // signed in with the admin role, 403 otherwise
)

type handlerFunc func(w http.ResponseWriter, r *http.Request, c *caller) error

type route struct {
	method, path string
	access       access
	h            handlerFunc
}

// routes is the one table of every endpoint; the OpenAPI test compares it
// with the document. (The paths .../block name the hiding of a creator
// from one's own feeds: a contract clients rely on, kept as it was.)
func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", accessNone, s.healthz},
		{"GET", "/readyz", accessNone, s.readyz},
		{"GET", "/metrics", accessNone, s.metrics},
		{"GET", "/media/{key...}", accessNone, s.media},
		{"GET", "/api/v1/openapi.json", accessNone, serveOpenAPI},

		{"POST", "/api/v1/accounts", accessOptional, s.createAccount},
		{"POST", "/api/v1/sessions", accessOptional, s.createSession},
		{"DELETE", "/api/v1/sessions/current", accessRequired, s.deleteCurrentSession},
		{"GET", "/api/v1/me", accessRequired, s.getMe},
		{"PATCH", "/api/v1/me", accessRequired, s.patchMe},
		{"PUT", "/api/v1/me/avatar", accessRequired, s.putAvatar},
		{"PUT", "/api/v1/me/password", accessRequired, s.putPassword},
		{"POST", "/api/v1/password-resets", accessOptional, s.createPasswordReset},
		{"POST", "/api/v1/password-resets/confirm", accessOptional, s.confirmPasswordReset},
		{"GET", "/api/v1/me/sessions", accessRequired, s.listSessions},
		{"DELETE", "/api/v1/me/sessions/{id}", accessRequired, s.deleteSession},
		{"GET", "/api/v1/me/blocks", accessRequired, s.listHidden},
		{"GET", "/api/v1/me/settings", accessRequired, s.getSettings},
		{"PUT", "/api/v1/me/settings", accessRequired, s.putSettings},
		{"POST", "/api/v1/me/foryou/reset", accessRequired, s.resetForYou},
		{"GET", "/api/v1/me/notifications", accessRequired, s.listNotifications},
		{"POST", "/api/v1/me/notifications/read", accessRequired, s.readNotifications},

		{"GET", "/api/v1/accounts/{handle}", accessOptional, s.getAccount},
		{"POST", "/api/v1/accounts/{handle}/follow", accessRequired, s.follow},
		{"DELETE", "/api/v1/accounts/{handle}/follow", accessRequired, s.unfollow},
		{"GET", "/api/v1/accounts/{handle}/videos", accessOptional, s.accountVideos},
		{"GET", "/api/v1/accounts/{handle}/followers", accessOptional, s.followers},
		{"GET", "/api/v1/accounts/{handle}/following", accessOptional, s.following},
		{"GET", "/api/v1/accounts/{handle}/liked", accessOptional, s.likedVideos},
		{"POST", "/api/v1/accounts/{handle}/block", accessRequired, s.hideCreator},
		{"DELETE", "/api/v1/accounts/{handle}/block", accessRequired, s.unhideCreator},

		{"POST", "/api/v1/videos", accessRequired, s.uploadVideo},
		{"GET", "/api/v1/videos/{id}", accessOptional, s.getVideo},
		{"PATCH", "/api/v1/videos/{id}", accessRequired, s.editVideo},
		{"DELETE", "/api/v1/videos/{id}", accessRequired, s.deleteVideo},
		{"PUT", "/api/v1/videos/{id}/pin", accessRequired, s.pinVideo},
		{"DELETE", "/api/v1/videos/{id}/pin", accessRequired, s.unpinVideo},
		{"POST", "/api/v1/videos/{id}/like", accessRequired, s.like},
		{"DELETE", "/api/v1/videos/{id}/like", accessRequired, s.unlike},
		{"GET", "/api/v1/videos/{id}/comments", accessOptional, s.listComments},
		{"POST", "/api/v1/videos/{id}/comments", accessRequired, s.createComment},
		{"POST", "/api/v1/videos/{id}/share", accessOptional, s.share},
		{"DELETE", "/api/v1/comments/{id}", accessRequired, s.deleteComment},
		{"POST", "/api/v1/comments/{id}/like", accessRequired, s.likeComment},
		{"DELETE", "/api/v1/comments/{id}/like", accessRequired, s.unlikeComment},
		{"POST", "/api/v1/videos/{id}/not-interested", accessRequired, s.notInterested},
		{"DELETE", "/api/v1/videos/{id}/not-interested", accessRequired, s.undoNotInterested},
		{"POST", "/api/v1/events", accessOptional, s.postEvents},

		{"GET", "/api/v1/feed/foryou", accessOptional, s.forYou},
		{"GET", "/api/v1/feed/following", accessRequired, s.followingFeed},
		{"GET", "/api/v1/search", accessOptional, s.search},
		{"GET", "/api/v1/hashtags/{tag}/videos", accessOptional, s.hashtagVideos},
		{"GET", "/api/v1/trending", accessOptional, s.trending},

		{"GET", "/api/v1/regions", accessNone, s.regions},
		{"GET", "/api/v1/me/access", accessRequired, s.myAccessLog},
		{"GET", "/api/v1/audit/checkpoint", accessAuditor, s.auditCheckpoint},
		{"GET", "/api/v1/audit/entries", accessAuditor, s.auditEntries},
		{"GET", "/api/v1/audit/proof/inclusion", accessAuditor, s.auditInclusion},
		{"GET", "/api/v1/audit/proof/consistency", accessAuditor, s.auditConsistency},
		{"POST", "/api/v1/me/export", accessRequired, s.exportMe},
		{"DELETE", "/api/v1/me", accessRequired, s.deleteMe},
		{"POST", "/api/v1/admin/accounts/{handle}/inspect", accessAdmin, s.adminInspectAccount},
		{"POST", "/api/v1/admin/accounts/{handle}/move", accessAdmin, s.adminMoveAccount},
	}
}

// noRoute answers what no route matched: 405 (with Allow) when the path
// exists for other methods, 404 otherwise.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request, _ *caller) error {
	_, pattern := s.paths.Handler(r)
	if pattern == "" {
		return flick.Errorf(flick.ENOTFOUND, "No such endpoint.")
	}
	var allow []string
	for _, rt := range s.routeSet {
		if rt.path == pattern {
			allow = append(allow, rt.method)
		}
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	return flick.Errorf(flick.EMETHOD, "This endpoint does not accept %s.", r.Method)
}

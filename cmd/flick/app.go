package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/flick-video/flick/internal/accounts"
	"github.com/flick-video/flick/internal/httpapi"
	"github.com/flick-video/flick/internal/netlimit"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/web"
)

// App is one running Flick process: a node (every region's cell, the
// directory, the access log and the services) behind the HTTP API and the
// web app. Tests and benchmarks start the same App as `flick serve`.
type App struct {
	*node.Node
	cfg    Config
	logger *slog.Logger

	handler  http.Handler
	overflow http.Handler // answers the connections over the caps
	server   *http.Server
	listener *netlimit.Listener
}

// OpenApp opens (creating if needed) the data directory and wires every
// component. It does not start serving; Run does.
func OpenApp(ctx context.Context, cfg Config, logger *slog.Logger) (*App, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	accountsCfg := accounts.Config{PublicURL: cfg.publicURL()}
	if mailer, _ := cfg.mailer(); mailer != nil { // validate checked it
		accountsCfg.Mailer = mailer
	}
	n, err := node.Open(ctx, node.Config{
		Data: cfg.Data, Regions: cfg.Regions, AuditKey: cfg.AuditKey, Workers: cfg.Workers, MaxDuration: cfg.MaxDuration,
		Logger: logger, Registry: reg, Accounts: accountsCfg,
	})
	if err != nil {
		return nil, err
	}
	api := httpapi.New(httpapi.Config{
		MaxUploadBytes: cfg.MaxUploadBytes,
		SecureCookies:  cfg.SecureCookies,
		TrustProxy:     cfg.TrustProxy,
		PublicURL:      cfg.PublicURL,
		TempDir:        n.TempDir(),
	}, httpapi.Deps{
		Accounts:   n.Accounts,
		Engagement: n.Engagement,
		Notify:     n.Notifications,
		Videos:     n.Videos,
		Rights:     n.Rights,
		Mover:      n.Mover,
		Regions:    n.Router,
		ForYou:     n.Router.ForYou(),
		Following:  n.Router.Following(),
		Trending:   n.Trending,
		Audit:      n.Audit,
		Logger:     logger,
		Registry:   reg,
		Clock:      time.Now,
	})
	pages, err := web.New(web.Config{MaxDuration: cfg.MaxDuration, MaxUploadBytes: cfg.MaxUploadBytes,
		MailsResets: n.Accounts.MailsResets(), Previews: n.Router, Origin: api.Origin, Static: cfg.webStatic,
		SessionCookie: httpapi.SessionCookie}, logger)
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("web app: %w", err)
	}
	pace := netlimit.Pace{MinBodyRate: cmp.Or(cfg.MinBodyRate, defaultMinBodyRate), Stall: cmp.Or(cfg.StallTimeout, defaultStallTimeout)}
	a := &App{Node: n, cfg: cfg, logger: logger,
		handler: pace.Handler(hsts(cfg.servedOverTLS(), route(api.Handler(), pages))), overflow: api.Overloaded(5 * time.Second)}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "flick_http_connections",
			Help: "Open HTTP connections within the connection caps."}, func() float64 { return float64(a.listener.Active()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "flick_http_connections_refused_total",
			Help: "Connections over the connection caps (overall or per client), answered 503 or closed."}, func() float64 { return float64(a.listener.Refused()) }))
	return a, nil
}

// hsts asks browsers to use only HTTPS from now on, when the instance is
// served over it (a year; subdomains are not ours to decide).
func hsts(tls bool, next http.Handler) http.Handler {
	if !tls {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		next.ServeHTTP(w, r)
	})
}

// route sends API, media and operational paths to the API and everything
// else to the web app.
func route(api, pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/media/") ||
			p == "/healthz" || p == "/readyz" || p == "/metrics" {
			api.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})
}

// Listen binds the configured address, under the connection caps; URL is
// valid afterwards.
func (a *App) Listen() error {
	caps, err := a.cfg.caps()
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	a.listener = netlimit.Listen(l, caps, a.overflow)
	a.logger.Info("connection caps", "total", caps.Total, "per_client", caps.PerClient)
	return nil
}

// overflowSlots is how many connections over the caps are answered at once.
const overflowSlots = 256

// caps are the connection caps: the flags', or derived from the open-file
// limit, which is raised to its hard limit first.
func (c Config) caps() (netlimit.Caps, error) {
	caps := netlimit.Caps{Total: c.MaxConns, PerClient: c.MaxConnsPerClient, Overflow: overflowSlots}
	if caps.Total <= 0 {
		files, err := netlimit.RaiseOpenFileLimit()
		if err != nil {
			return caps, fmt.Errorf("read the open-file limit: %w", err)
		}
		caps.Total = netlimit.MaxConnections(files)
	}
	if caps.PerClient < 0 {
		caps.PerClient = defaultPerClient
		if c.TrustProxy {
			caps.PerClient = 0 // every connection comes from the proxy
		}
	}
	return caps, nil
}

// URL is the base URL the app serves on (after Listen).
func (a *App) URL() string { return "http://" + a.listener.Addr().String() }

// Run serves until ctx is cancelled, then shuts down gracefully: stop
// accepting, finish in-flight requests, stop transcodes (they resume on the
// next start), the event consumers and the services' jobs (the last
// session touches are written).
func (a *App) Run(ctx context.Context) error {
	if a.listener == nil {
		if err := a.Listen(); err != nil {
			return err
		}
	}
	// No ReadTimeout or WriteTimeout: a slow upload or download of a large
	// video may take long; the pace handler makes bodies and responses move
	// instead.
	a.server = &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	workers, err := a.Start(ctx)
	if err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() {
		if err := a.server.Serve(a.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			serveErr <- fmt.Errorf("http server: %w", err)
		}
	}()
	a.logger.Info("flick is running", "url", a.URL(), "data", a.cfg.Data, "regions", strings.Join(a.Router.Regions(), ","))

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-workers.Err():
	case runErr = <-serveErr:
	}
	a.logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.server.Shutdown(shutdownCtx); err != nil {
		a.logger.Warn("http shutdown", "err", err)
	}
	workers.Stop()
	return runErr
}

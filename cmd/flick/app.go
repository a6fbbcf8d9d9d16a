package main

import (
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
	server   *http.Server
	listener net.Listener
}

// OpenApp opens (creating if needed) the data directory and wires every
// component. It does not start serving; Run does.
func OpenApp(ctx context.Context, cfg Config, logger *slog.Logger) (*App, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	accountsCfg := accounts.Config{PublicURL: cfg.PublicURL}
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
		TempDir:        n.TempDir(),
	}, httpapi.Deps{
		Accounts:   n.Accounts,
		Engagement: n.Engagement,
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
		MailsResets: n.Accounts.MailsResets()}, logger)
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("web app: %w", err)
	}
	return &App{Node: n, cfg: cfg, logger: logger, handler: route(api.Handler(), pages)}, nil
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

// Listen binds the configured address; Addr is valid afterwards.
func (a *App) Listen() error {
	l, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	a.listener = l
	return nil
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
	a.server = &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
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

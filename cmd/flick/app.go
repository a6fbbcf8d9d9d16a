package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/blob"
	"github.com/flick-video/flick/internal/events"
	"github.com/flick-video/flick/internal/httpapi"
	"github.com/flick-video/flick/internal/recommend"
	"github.com/flick-video/flick/internal/sqlite"
	"github.com/flick-video/flick/internal/transcode"
	"github.com/flick-video/flick/internal/web"
)

// App is one running Flick process: every component of the default region
// wired together. Tests and benchmarks start the same App as `flick serve`.
type App struct {
	cfg    Config
	logger *slog.Logger

	Store      *sqlite.DB
	Blobs      *blob.Dir
	Events     *events.Log
	Projector  *events.Projector
	Transcoder *transcode.Service
	Learner    *recommend.Learner

	api      *httpapi.Server
	handler  http.Handler
	server   *http.Server
	listener net.Listener
}

// regionDir is where one region's files live: its database, media and event
// log. A later issue hosts several regions side by side.
func regionDir(data, region string) string {
	return filepath.Join(data, "regions", region)
}

// OpenApp opens (creating if needed) the data directory and wires every
// component. It does not start serving; Run does.
func OpenApp(ctx context.Context, cfg Config, logger *slog.Logger) (a *App, err error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	dir := regionDir(cfg.Data, flick.DefaultRegion)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	a = &App{cfg: cfg, logger: logger}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	if a.Store, err = sqlite.Open(ctx, filepath.Join(dir, "flick.db"), time.Now); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if a.Blobs, err = blob.NewDir(filepath.Join(dir, "media")); err != nil {
		return nil, fmt.Errorf("open media store: %w", err)
	}
	if a.Events, err = events.OpenEmbedded(ctx, filepath.Join(dir, "events"), flick.DefaultRegion, logger, reg); err != nil {
		return nil, fmt.Errorf("open event log: %w", err)
	}
	a.Projector = events.NewProjector(a.Events, a.Store, logger, reg)
	a.Transcoder = transcode.New(a.Store, a.Blobs, transcode.Config{
		Workers:     cfg.Workers,
		MaxDuration: cfg.MaxDuration,
		TempDir:     a.Blobs.TempDir(),
		Clock:       time.Now,
		Events:      a.Events,
	}, logger, reg)

	engine := recommend.NewEngine(recommend.DefaultEngineConfig(), time.Now)
	learnCfg := recommend.DefaultLearnerConfig()
	learnCfg.Snapshots = filepath.Join(dir, "recommend")
	a.Learner = recommend.NewLearner(engine, a.Events, a.Store, time.Now, learnCfg, logger)

	a.api = httpapi.New(httpapi.Config{
		MaxUploadBytes: cfg.MaxUploadBytes,
		SecureCookies:  cfg.SecureCookies,
		TrustProxy:     cfg.TrustProxy,
		TempDir:        a.Blobs.TempDir(),
	}, httpapi.Deps{
		Store:     a.Store,
		Events:    a.Events,
		Projector: a.Projector,
		Uploader:  a.Transcoder,
		Blobs:     a.Blobs,
		ForYou:    recommend.NewForYou(a.Store, engine, recommend.DefaultConfig()),
		Following: recommend.NewFollowing(a.Store),
		Trending:  recommend.NewTrending(a.Store, time.Now, recommend.DefaultConfig()),
		Logger:    logger,
		Registry:  reg,
		Clock:     time.Now,
	})
	pages, err := web.New(logger)
	if err != nil {
		return nil, fmt.Errorf("web app: %w", err)
	}
	a.handler = route(a.api.Handler(), pages)
	return a, nil
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
// next start), the event consumers and the API (which writes its last
// session touches).
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
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var wg sync.WaitGroup
	errc := make(chan error, 5)
	for name, run := range map[string]func(context.Context) error{
		"transcoder": a.Transcoder.Run,
		"projector":  a.Projector.Run,
		"learner":    a.Learner.Run,
		"api":        a.api.Run,
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(workCtx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	go func() {
		if err := a.server.Serve(a.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http server: %w", err)
		}
	}()
	a.logger.Info("flick is running", "url", a.URL(), "data", a.cfg.Data)

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	a.logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.server.Shutdown(shutdownCtx); err != nil {
		a.logger.Warn("http shutdown", "err", err)
	}
	stopWork()
	wg.Wait()
	return runErr
}

// Close releases every component; safe on a partly opened App.
func (a *App) Close() error {
	var errs []error
	if a.Events != nil {
		errs = append(errs, a.Events.Close())
	}
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
	}
	return errors.Join(errs...)
}

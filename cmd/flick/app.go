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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/audit"
	"github.com/flick-video/flick/internal/blob"
	"github.com/flick-video/flick/internal/events"
	"github.com/flick-video/flick/internal/httpapi"
	"github.com/flick-video/flick/internal/recommend"
	"github.com/flick-video/flick/internal/residency"
	"github.com/flick-video/flick/internal/sqlite"
	"github.com/flick-video/flick/internal/transcode"
	"github.com/flick-video/flick/internal/web"
)

// App is one running Flick process: every region's cell and the global
// directory wired together behind one HTTP API. Tests and benchmarks start
// the same App as `flick serve`.
type App struct {
	cfg    Config
	logger *slog.Logger

	Directory *residency.Directory
	Cells     []*Cell           // one per region, in the order of cfg.Regions
	Store     *residency.Router // every region's store as one
	Events    *residency.Events // appends to the right region's log
	Media     *residency.Media  // every region's media and transcoder as one
	Audit     *audit.Log        // who accessed whose data: global, pseudonymous
	Mover     *residency.Mover  // moves accounts between regions
	Rights    *residency.Rights // data exports and erasure

	unlock   func() // releases the data directory's lock
	api      *httpapi.Server
	handler  http.Handler
	server   *http.Server
	listener net.Listener
}

// Cell is one region: its store, media, event log and the consumers of
// that log.
type Cell struct {
	Region     string
	Store      *sqlite.DB
	Blobs      *blob.Dir
	Events     *events.Log
	Projector  *events.Projector
	Transcoder *transcode.Service
	Learner    *recommend.Learner
	ForYou     *recommend.ForYou
}

// regionDir is where one region's files live: its database, media, event
// log and recommender snapshots.
func regionDir(data, region string) string {
	return filepath.Join(data, "regions", region)
}

// checkRegionDirs refuses a data directory holding a region that
// cfg.Regions leaves out: the accounts homed there would be unreachable,
// and their data unchecked.
func checkRegionDirs(cfg Config) error {
	entries, err := os.ReadDir(regionDir(cfg.Data, ""))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if e.IsDir() && !slices.Contains(cfg.Regions, e.Name()) {
			return fmt.Errorf("%s holds region %q, which --regions (%s) leaves out: list every region of the data directory",
				cfg.Data, e.Name(), strings.Join(cfg.Regions, ","))
		}
	}
	return nil
}

// directoryPath is the global directory, outside every region.
func directoryPath(data string) string { return filepath.Join(data, "directory.db") }

// OpenApp opens (creating if needed) the data directory and wires every
// component. It does not start serving; Run does.
func OpenApp(ctx context.Context, cfg Config, logger *slog.Logger) (a *App, err error) {
	if len(cfg.Regions) == 0 {
		cfg.Regions = []string{flick.DefaultRegion}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := checkRegionDirs(cfg); err != nil {
		return nil, err
	}
	unlock, err := lockData(cfg.Data)
	if err != nil {
		return nil, err
	}
	a = &App{cfg: cfg, logger: logger, unlock: unlock}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	if a.Directory, err = residency.OpenDirectory(ctx, directoryPath(cfg.Data)); err != nil {
		return nil, err
	}
	if a.Audit, err = audit.Open(ctx, auditDir(cfg.Data), cfg.AuditKey, time.Now); err != nil {
		return nil, fmt.Errorf("open access log: %w", err)
	}
	stores := make([]flick.RegionStore, len(cfg.Regions))
	for i, region := range cfg.Regions {
		c, err := openCell(ctx, cfg, region, logger, reg)
		if c != nil {
			a.Cells = append(a.Cells, c)
		}
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", region, err)
		}
		stores[i] = c.Store
	}
	if err := a.adoptAccounts(ctx); err != nil {
		return nil, err
	}
	a.Store = residency.NewRouter(a.Directory, cfg.Regions, stores, time.Now)
	logs := make([]flick.EventAppender, len(a.Cells))
	projectors := make([]residency.SeqWaiter, len(a.Cells))
	for i, c := range a.Cells {
		logs[i], projectors[i] = c.Events, c.Projector
	}
	a.Events = residency.NewEvents(a.Store, logs, projectors)

	blobs := make([]flick.BlobStore, len(a.Cells))
	uploaders := make([]flick.Uploader, len(a.Cells))
	forYou := make([]flick.Feed, len(a.Cells))
	for i, c := range a.Cells {
		c.Transcoder = transcode.New(c.Store, c.Blobs, transcode.Config{
			Workers:     cfg.Workers,
			MaxDuration: cfg.MaxDuration,
			TempDir:     c.Blobs.TempDir(),
			Clock:       time.Now,
			Events:      a.Events.Broadcast(c.Region),
		}, logger.With("region", c.Region), prometheus.WrapRegistererWith(prometheus.Labels{"region": c.Region}, reg))
		// Each region's recommender learns from its own log and ranks the
		// public videos of every region.
		engine := recommend.NewEngine(recommend.DefaultEngineConfig(), time.Now)
		learnCfg := recommend.DefaultLearnerConfig()
		learnCfg.Snapshots = filepath.Join(regionDir(cfg.Data, c.Region), "recommend")
		c.Learner = recommend.NewLearner(engine, c.Events, a.Store, time.Now, learnCfg, logger.With("region", c.Region))
		c.ForYou = recommend.NewForYou(a.Store, engine, recommend.DefaultConfig())
		blobs[i], uploaders[i], forYou[i] = c.Blobs, c.Transcoder, c.ForYou
	}
	a.Media = residency.NewMedia(a.Store, blobs, uploaders)
	cells := a.residencyCells()
	a.Mover = residency.NewMover(residency.MoverConfig{Directory: a.Directory, Router: a.Store, Cells: cells,
		Audit: a.Audit, Clock: time.Now, Logger: logger})
	a.Rights = residency.NewRights(a.Directory, a.Store, a.Media, cells, a.Audit, time.Now, logger)

	a.api = httpapi.New(httpapi.Config{
		MaxUploadBytes: cfg.MaxUploadBytes,
		SecureCookies:  cfg.SecureCookies,
		TrustProxy:     cfg.TrustProxy,
		TempDir:        a.Cells[0].Blobs.TempDir(),
		Regions:        cfg.Regions,
	}, httpapi.Deps{
		Store:     a.Store,
		Events:    a.Events,
		Projector: a.Events,
		Uploader:  a.Media,
		Blobs:     a.Media,
		ForYou:    residency.NewFeed(a.Events, forYou),
		Following: recommend.NewFollowing(a.Store),
		Trending:  recommend.NewTrending(a.Store, time.Now, recommend.DefaultConfig()),
		Audit:     a.Audit,
		Rights:    a.Rights,
		Mover:     mover{a.Mover},
		Logger:    logger,
		Registry:  reg,
		Clock:     time.Now,
	})
	pages, err := web.New(web.Config{MaxDuration: cfg.MaxDuration, MaxUploadBytes: cfg.MaxUploadBytes}, logger)
	if err != nil {
		return nil, fmt.Errorf("web app: %w", err)
	}
	a.handler = route(a.api.Handler(), pages)
	return a, nil
}

// adoptAccounts fills an empty directory from the regions' stores: a data
// directory from before regions had accounts but no directory.
func (a *App) adoptAccounts(ctx context.Context) error {
	empty, err := a.Directory.Empty(ctx)
	if err != nil || !empty {
		return err
	}
	for _, c := range a.Cells {
		handles, err := c.Store.AccountHandles(ctx)
		if err != nil {
			return err
		}
		entries := make([]residency.Entry, 0, len(handles))
		for id, handle := range handles {
			entries = append(entries, residency.Entry{ID: id, Handle: handle, Region: c.Region})
		}
		if err := a.Directory.RegisterAll(ctx, entries); err != nil {
			return fmt.Errorf("region %s: adopt its accounts into the directory: %w", c.Region, err)
		}
		if len(entries) > 0 {
			a.logger.Info("directory adopted the region's accounts", "region", c.Region, "accounts", len(entries))
		}
	}
	return nil
}

// residencyCells lists the regions as the mover, the residency check and
// the data-rights service reach them.
func (a *App) residencyCells() []residency.Cell {
	cells := make([]residency.Cell, len(a.Cells))
	for i, c := range a.Cells {
		cells[i] = residency.Cell{Region: c.Region, Store: c.Store, Blobs: c.Blobs, Log: c.Events, Projector: c.Projector, Learner: c.Learner}
	}
	return cells
}

// mover adapts residency.Mover to the API, which only passes the receipt on.
type mover struct{ m *residency.Mover }

func (m mover) MoveAccount(ctx context.Context, id, to, actor, reason string) (any, error) {
	return m.m.Move(ctx, id, to, actor, reason)
}

// resume finishes or rolls back the moves that a crash cut short, before
// the server takes requests; the projectors and learners must be running.
// (Interrupted erasures are finished by the erasure worker.)
func (a *App) resume(ctx context.Context) error {
	resumed, err := a.Mover.Resume(ctx)
	for _, r := range resumed {
		a.logger.Warn("finished an interrupted account move", "account", r.AccountID, "from", r.From, "to", r.To, "outcome", r.Outcome)
	}
	return err
}

// openCell opens one region's store, media and event log.
func openCell(ctx context.Context, cfg Config, region string, logger *slog.Logger, reg prometheus.Registerer) (c *Cell, err error) {
	dir := regionDir(cfg.Data, region)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create region directory: %w", err)
	}
	c = &Cell{Region: region}
	if c.Store, err = sqlite.Open(ctx, filepath.Join(dir, "flick.db"), time.Now); err != nil {
		return c, fmt.Errorf("open store: %w", err)
	}
	if c.Blobs, err = blob.NewDir(filepath.Join(dir, "media")); err != nil {
		return c, fmt.Errorf("open media store: %w", err)
	}
	regionReg := prometheus.WrapRegistererWith(prometheus.Labels{"region": region}, reg)
	if c.Events, err = events.OpenEmbedded(ctx, filepath.Join(dir, "events"), region, logger, regionReg); err != nil {
		return c, fmt.Errorf("open event log: %w", err)
	}
	c.Projector = events.NewProjector(c.Events, c.Store, logger.With("region", region), regionReg)
	return c, nil
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
	workers := a.startWorkers(ctx, true)
	if err := a.resume(ctx); err != nil {
		workers.stop()
		return fmt.Errorf("resume interrupted work: %w", err)
	}
	go func() {
		if err := a.server.Serve(a.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			workers.errc <- fmt.Errorf("http server: %w", err)
		}
	}()
	a.logger.Info("flick is running", "url", a.URL(), "data", a.cfg.Data, "regions", strings.Join(a.cfg.Regions, ","))

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-workers.errc:
	}
	a.logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.server.Shutdown(shutdownCtx); err != nil {
		a.logger.Warn("http shutdown", "err", err)
	}
	workers.stop()
	return runErr
}

// workers are the background loops of a running App.
type workers struct {
	errc chan error // the first failures of any loop
	stop func()     // cancels every loop and waits for them
}

// startWorkers starts every region's transcoder, projector and learner and,
// with api, the API's session-touch flusher and the erasure worker. They run until stop, not ctx:
// Run cancels them only after the HTTP server has drained. Commands that
// work on the data without serving it (residency moves) start them too, so
// that the recommenders are loaded and the projections current.
func (a *App) startWorkers(ctx context.Context, api bool) workers {
	workCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	loops := map[string]func(context.Context) error{}
	if api {
		loops["api"] = a.api.Run
		loops["erasures"] = a.Rights.Run
	}
	for _, c := range a.Cells {
		loops[c.Region+" transcoder"] = c.Transcoder.Run
		loops[c.Region+" projector"] = c.Projector.Run
		loops[c.Region+" learner"] = c.Learner.Run
	}
	var wg sync.WaitGroup
	errc := make(chan error, len(loops)+1)
	for name, run := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(workCtx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	return workers{errc: errc, stop: func() { cancel(); wg.Wait() }}
}

// Close releases every component; safe on a partly opened App.
func (a *App) Close() error {
	var errs []error
	for _, c := range a.Cells {
		if c.Events != nil {
			errs = append(errs, c.Events.Close())
		}
		if c.Store != nil {
			errs = append(errs, c.Store.Close())
		}
	}
	if a.Directory != nil {
		errs = append(errs, a.Directory.Close())
	}
	if a.Audit != nil {
		errs = append(errs, a.Audit.Close())
	}
	a.unlock()
	return errors.Join(errs...)
}

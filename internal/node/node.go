// Package node opens a Flick node: every region's cell (store, media,
// event log, projector, transcoder, recommender), the global directory and
// the access log, wired to the router and the domain services, on the
// embedded default. cmd/flick serves a node over HTTP; tests and benchmarks
// open the same node.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/accounts"
	"github.com/flick-video/flick/internal/audit"
	"github.com/flick-video/flick/internal/blob"
	"github.com/flick-video/flick/internal/datarights"
	"github.com/flick-video/flick/internal/directory"
	"github.com/flick-video/flick/internal/engagement"
	"github.com/flick-video/flick/internal/events"
	"github.com/flick-video/flick/internal/move"
	"github.com/flick-video/flick/internal/notify"
	"github.com/flick-video/flick/internal/recommend"
	"github.com/flick-video/flick/internal/routing"
	"github.com/flick-video/flick/internal/sqlite"
	"github.com/flick-video/flick/internal/transcode"
	"github.com/flick-video/flick/internal/videos"
)

// Config is what a node is opened with; zero fields take their defaults.
type Config struct {
	// Data is the data directory (required).
	Data string
	// Regions are the cells, the default region of new accounts first
	// (default: flick.DefaultRegion alone).
	Regions []string
	// AuditKey is the access log's signing key file ("": in the log's folder).
	AuditKey string
	// Workers is how many transcodes each region runs at once (default 1).
	Workers int
	// MaxDuration is the longest video accepted (default 10 minutes).
	MaxDuration time.Duration
	// Accounts tunes sessions, rate limits and password hashing.
	Accounts accounts.Config
	// Recommend tunes the recommender, the same in every region (default
	// recommend.DefaultConfig()).
	Recommend recommend.Config
	// Clock is the time (default time.Now).
	Clock flick.Clock
	// Logger gets the node's logs (default: discarded).
	Logger *slog.Logger
	// Registry gets the node's metrics (default: a registry of its own).
	Registry prometheus.Registerer
}

func (c Config) withDefaults() Config {
	if len(c.Regions) == 0 {
		c.Regions = []string{flick.DefaultRegion}
	}
	if c.Workers < 1 {
		c.Workers = 1
	}
	if c.MaxDuration <= 0 {
		c.MaxDuration = 10 * time.Minute
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Recommend == (recommend.Config{}) {
		c.Recommend = recommend.DefaultConfig()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	return c
}

// Node is one Flick process's data and services.
type Node struct {
	Directory  *directory.Directory
	Audit      *audit.Log // who accessed whose data: global, pseudonymous
	Router     *routing.Router
	Accounts   *accounts.Service
	Engagement *engagement.Service
	Videos     *videos.Service
	Rights     *datarights.Service
	Mover      *move.Mover
	Trending   *recommend.Trending
	// Notifications reads the inboxes that each region's Inboxes consumer
	// writes from its log.
	Notifications *notify.Service
	Inboxes       map[string]flick.Projector

	cfg       Config
	unlock    func()             // releases the data directory's lock
	cells     []*flick.Cell      // as opened, for Close
	tempDirs  map[string]string  // each region's media store's folder for files on their way in
	pipelines map[string]runLoop // every region's transcoder, projector and learner
}

// runLoop is a background loop that runs until its context ends.
type runLoop func(ctx context.Context) error

// Open takes the data directory's lock, opens (creating if needed) every
// database, media store and event log in it and wires the services. It
// starts nothing: Start does.
func Open(ctx context.Context, cfg Config) (n *Node, err error) {
	cfg = cfg.withDefaults()
	if cfg.Data == "" {
		return nil, errors.New("node: no data directory")
	}
	if err := checkRegionDirs(cfg.Data, cfg.Regions); err != nil {
		return nil, err
	}
	unlock, err := lockData(cfg.Data)
	if err != nil {
		return nil, err
	}
	n = &Node{cfg: cfg, unlock: unlock, tempDirs: map[string]string{}, pipelines: map[string]runLoop{}, Inboxes: map[string]flick.Projector{}}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	if n.Directory, err = directory.Open(ctx, DirectoryPath(cfg.Data)); err != nil {
		return nil, err
	}
	if n.Audit, err = audit.Open(ctx, AuditDir(cfg.Data), cfg.AuditKey, cfg.Clock); err != nil {
		return nil, fmt.Errorf("open access log: %w", err)
	}
	for _, region := range cfg.Regions {
		if err := n.openCell(ctx, region); err != nil {
			return nil, fmt.Errorf("region %s: %w", region, err)
		}
	}
	if err := n.adoptAccounts(ctx); err != nil {
		return nil, err
	}
	n.Router = routing.New(n.Directory, n.cells, cfg.Clock)
	for _, c := range n.cells {
		n.wireCell(c)
	}
	logger := cfg.Logger
	n.Accounts = accounts.New(n.Router, n.Audit, cfg.Accounts, cfg.Clock, logger)
	n.Engagement = engagement.New(n.Router, cfg.Clock, logger)
	n.Videos = videos.New(n.Router, cfg.Clock)
	n.Rights = datarights.New(n.Directory, n.Router, n.Audit, cfg.Clock, logger)
	n.Mover = move.New(move.Config{Directory: n.Directory, Router: n.Router, Audit: n.Audit, Clock: cfg.Clock, Logger: logger})
	n.Trending = recommend.NewTrending(n.Router, cfg.Clock, cfg.Recommend)
	n.Notifications = notify.NewService(n.Router)
	return n, nil
}

// openCell opens one region's store, media and event log.
func (n *Node) openCell(ctx context.Context, region string) error {
	cfg, dir := n.cfg, RegionDir(n.cfg.Data, region)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create region directory: %w", err)
	}
	store, err := sqlite.Open(ctx, StorePath(cfg.Data, region), cfg.Clock)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	c := &flick.Cell{Region: region, Store: store}
	n.cells = append(n.cells, c)
	blobs, err := blob.NewDir(filepath.Join(dir, "media"))
	if err != nil {
		return fmt.Errorf("open media store: %w", err)
	}
	c.Blobs, n.tempDirs[region] = blobs, blobs.TempDir()
	reg := prometheus.WrapRegistererWith(prometheus.Labels{"region": region}, cfg.Registry)
	if c.Events, err = events.OpenEmbedded(ctx, filepath.Join(dir, "events"), region, cfg.Logger, reg); err != nil {
		return fmt.Errorf("open event log: %w", err)
	}
	return nil
}

// TempDir is where files on their way into the default region's media
// store wait, such as uploads being received: on the media store's file
// system, so that they are moved in, not copied.
func (n *Node) TempDir() string { return n.tempDirs[n.cfg.Regions[0]] }

// wireCell gives a cell what consumes its log and serves its viewers: the
// projector, the consumer that notifies every region's accounts of what
// this region's accounts did, the transcoder, whose publish and remove
// events every region hears, and the recommender, which learns from this
// region's log and ranks the public videos of every region.
func (n *Node) wireCell(c *flick.Cell) {
	cfg, logger := n.cfg, n.cfg.Logger.With("region", c.Region)
	reg := prometheus.WrapRegistererWith(prometheus.Labels{"region": c.Region}, cfg.Registry)
	projector := events.NewProjector(c.Events, c.Store, logger, reg)
	transcoder := transcode.New(c.Store, c.Blobs, transcode.Config{
		Workers:     cfg.Workers,
		MaxDuration: cfg.MaxDuration,
		TempDir:     n.tempDirs[c.Region],
		Clock:       cfg.Clock,
		Events:      n.Router.Broadcast(c.Region),
	}, logger, reg)
	engine := recommend.NewEngine(cfg.Recommend, cfg.Clock)
	snapshots := filepath.Join(RegionDir(cfg.Data, c.Region), "recommend")
	learner := recommend.NewLearner(engine, c.Events, n.Router, cfg.Clock, snapshots, logger)
	c.Projector, c.Uploader, c.Learner = projector, transcoder, learner
	c.ForYou = recommend.NewForYou(n.Router, c.Store, engine)
	c.Following = recommend.NewFollowing(n.Router, c.Store)
	n.pipelines[c.Region+" transcoder"] = transcoder.Run
	n.pipelines[c.Region+" projector"] = projector.Run
	n.pipelines[c.Region+" learner"] = learner.Run
	inboxes := events.NewConsumer(c.Events, notify.NewConsumer(n.Router, c.Region), notify.LagGauge, logger, reg)
	n.Inboxes[c.Region] = inboxes
	n.pipelines[c.Region+" notifications"] = inboxes.Run
}

// adoptAccounts fills an empty directory from the regions' stores: a data
// directory from before regions had accounts but no directory.
func (n *Node) adoptAccounts(ctx context.Context) error {
	empty, err := n.Directory.Empty(ctx)
	if err != nil || !empty {
		return err
	}
	for _, c := range n.cells {
		handles, err := c.Store.(*sqlite.DB).AccountHandles(ctx)
		if err != nil {
			return err
		}
		entries := make([]directory.Entry, 0, len(handles))
		for id, handle := range handles {
			entries = append(entries, directory.Entry{ID: id, Handle: handle, Region: c.Region})
		}
		if err := n.Directory.RegisterAll(ctx, entries); err != nil {
			return fmt.Errorf("region %s: adopt its accounts into the directory: %w", c.Region, err)
		}
		if len(entries) > 0 {
			n.cfg.Logger.Info("directory adopted the region's accounts", "region", c.Region, "accounts", len(entries))
		}
	}
	return nil
}

// Workers are a node's background loops.
type Workers struct {
	errc chan error // the first failures of any loop
	stop func()
}

// Err reports the failure of a loop; nil loops never fail.
func (w *Workers) Err() <-chan error { return w.errc }

// Stop cancels every loop and waits for them to end.
func (w *Workers) Stop() { w.stop() }

// StartPipelines runs every region's transcoder, projector and learner:
// what a command that works on the data without serving it needs, so that
// the recommenders are loaded and the projections current. They run until
// Stop, not until ctx ends, so that a server can cancel them after its
// requests have drained.
func (n *Node) StartPipelines(ctx context.Context) *Workers {
	return start(ctx, n.pipelines)
}

// Start runs the pipelines and the services' own jobs: recording session
// use, and finishing erasures. Then it finishes or rolls back the moves
// that a crash cut short, as the server must before it takes requests.
func (n *Node) Start(ctx context.Context) (*Workers, error) {
	loops := map[string]runLoop{"sessions": n.Accounts.Run, "erasures": n.Rights.Run}
	for name, run := range n.pipelines {
		loops[name] = run
	}
	w := start(ctx, loops)
	resumed, err := n.Mover.Resume(ctx)
	for _, r := range resumed {
		n.cfg.Logger.Warn("finished an interrupted account move", "account", r.AccountID, "from", r.From, "to", r.To, "outcome", r.Outcome)
	}
	if err != nil {
		w.Stop()
		return nil, fmt.Errorf("resume interrupted moves: %w", err)
	}
	return w, nil
}

func start(ctx context.Context, loops map[string]runLoop) *Workers {
	workCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
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
	return &Workers{errc: errc, stop: func() { cancel(); wg.Wait() }}
}

// Close closes every store, log and file; safe on a partly opened node.
// Stop the workers first.
func (n *Node) Close() error {
	var errs []error
	for _, c := range n.cells {
		if c.Events != nil {
			errs = append(errs, c.Events.Close())
		}
		errs = append(errs, c.Store.Close())
	}
	if n.Directory != nil {
		errs = append(errs, n.Directory.Close())
	}
	if n.Audit != nil {
		errs = append(errs, n.Audit.Close())
	}
	n.unlock()
	return errors.Join(errs...)
}

// Offline is the part of a node that works beside a running server, which
// holds the data directory's lock and its event logs: the directory, every
// region's store, the router over them and the Accounts service (whose
// Inspect, which writes the access log, it cannot offer). Commands such as
// flick roles use it.
type Offline struct {
	Router   *routing.Router
	Accounts *accounts.Service
	dir      *directory.Directory
	cells    []*flick.Cell
}

// OpenOffline opens the directory and the stores of cfg.Regions (by
// default every region the data directory holds) without taking the lock:
// SQLite lets a server and a command write the same files.
func OpenOffline(ctx context.Context, cfg Config) (o *Offline, err error) {
	regions := cfg.Regions
	if len(regions) == 0 {
		if regions, err = regionDirs(cfg.Data); err != nil {
			return nil, err
		}
		if len(regions) == 0 {
			return nil, fmt.Errorf("%s holds no region: is it a Flick data directory?", cfg.Data)
		}
	}
	cfg = cfg.withDefaults()
	o = &Offline{}
	defer func() {
		if err != nil {
			o.Close()
		}
	}()
	if o.dir, err = directory.Open(ctx, DirectoryPath(cfg.Data)); err != nil {
		return nil, err
	}
	for _, region := range regions {
		if err := os.MkdirAll(RegionDir(cfg.Data, region), 0o750); err != nil {
			return nil, fmt.Errorf("create region directory: %w", err)
		}
		store, err := sqlite.Open(ctx, StorePath(cfg.Data, region), cfg.Clock)
		if err != nil {
			return nil, fmt.Errorf("region %s: open store: %w", region, err)
		}
		o.cells = append(o.cells, &flick.Cell{Region: region, Store: store})
	}
	o.Router = routing.New(o.dir, o.cells, cfg.Clock)
	o.Accounts = accounts.New(o.Router, nil, cfg.Accounts, cfg.Clock, cfg.Logger)
	return o, nil
}

// Close closes the stores and the directory.
func (o *Offline) Close() error {
	var errs []error
	for _, c := range o.cells {
		errs = append(errs, c.Store.Close())
	}
	if o.dir != nil {
		errs = append(errs, o.dir.Close())
	}
	return errors.Join(errs...)
}

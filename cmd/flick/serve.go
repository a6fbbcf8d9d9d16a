package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/flick-video/flick/internal/audit"
	"github.com/flick-video/flick/internal/directory"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/sqlite"
)

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	return serve(ctx, flagSet("serve", "Run the Flick server: API, web app, transcoder and event consumers.", stderr), args, stderr, nil)
}

func runDemo(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flagSet("demo", "Run the Flick server and fill it with generated demo videos (needs ffmpeg).\nThe demo content is made once per data directory.", stderr)
	return serve(ctx, fs, args, stderr, func(ctx context.Context, app *App, cfg Config, logger *slog.Logger) {
		if err := seedDemo(ctx, app.URL(), cfg.Data, cfg.Regions, logger); err != nil && ctx.Err() == nil {
			logger.Error("demo content", "err", err)
		}
	})
}

// serve runs the server with the flags of fs, and alongside it, once it
// listens, then (when not nil).
func serve(ctx context.Context, fs *flag.FlagSet, args []string, stderr io.Writer,
	then func(ctx context.Context, app *App, cfg Config, logger *slog.Logger)) error {
	var cfg Config
	bindServerConfig(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger := cfg.logger(stderr)
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		logger.Warn("ffmpeg is not installed: uploads will fail until it is (apt-get install ffmpeg)")
	}
	app, err := OpenApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.Listen(); err != nil {
		return err
	}
	if then != nil {
		go then(ctx, app, cfg, logger)
	}
	return app.Run(ctx)
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flagSet("migrate", "Apply the migrations of every database (the directory, the access log, each region's store) and exit.", stderr)
	bindConfig(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	dir, err := directory.Open(ctx, node.DirectoryPath(cfg.Data))
	if err != nil {
		return err
	}
	defer dir.Close()
	printMigrated(stdout, "directory", dir.Migrated())
	accessLog, err := audit.Open(ctx, node.AuditDir(cfg.Data), cfg.AuditKey, time.Now)
	if err != nil {
		return fmt.Errorf("open access log: %w", err)
	}
	defer accessLog.Close()
	printMigrated(stdout, "access log", accessLog.Migrated())
	for _, region := range cfg.Regions {
		if err := migrateRegion(ctx, cfg.Data, region, stdout); err != nil {
			return err
		}
	}
	return nil
}

func migrateRegion(ctx context.Context, data, region string, stdout io.Writer) error {
	path := node.StorePath(data, region)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	db, err := sqlite.Open(ctx, path, time.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	printMigrated(stdout, "region "+region, db.Migrated())
	return nil
}

// printMigrated reports what opening a database applied: opening migrates.
func printMigrated(stdout io.Writer, db string, applied []string) {
	fmt.Fprintf(stdout, "%s: %d migration(s) applied, database is up to date\n", db, len(applied))
}

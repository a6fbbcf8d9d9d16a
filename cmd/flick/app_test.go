package main

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/testenv"
)

// testApp is a whole Flick server on a temporary data directory, serving on
// a loopback port: what end-to-end and browser tests talk to.
type testApp struct {
	App  *App
	URL  string
	Dir  string
	stop func()
}

// startTestApp starts a server and stops it when the test ends.
func startTestApp(t *testing.T) *testApp {
	t.Helper()
	return startTestAppIn(t, t.TempDir())
}

// startTestAppIn starts a server on the data directory dir with regions
// (default: the single default region); Stop (or the end
// of the test) shuts it down gracefully.
func startTestAppIn(t *testing.T, dir string, regions ...string) *testApp {
	t.Helper()
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	return startTestAppWith(t, Config{Addr: "127.0.0.1:0", Data: dir, Regions: regions, MaxUploadBytes: 64 << 20, MaxDuration: time.Minute, Workers: 1, LogFormat: "text", LogLevel: slog.LevelWarn})
}

// startTestAppWith starts a server configured by cfg.
func startTestAppWith(t *testing.T, cfg Config) *testApp {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app, err := OpenApp(ctx, cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := app.Listen(); err != nil {
		cancel()
		app.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
			if err := app.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &testApp{App: app, URL: app.URL(), Dir: cfg.Data, stop: stop}
}

// Stop shuts the server down gracefully, as SIGTERM does.
func (ta *testApp) Stop() { ta.stop() }

// client returns an API client of the test server; signUp on it to act as a user.
func (ta *testApp) client() *apiClient { return newAPIClient(ta.URL) }

// user signs up a new account in the default region and returns its client.
func (ta *testApp) user(t *testing.T, handle string) *apiClient {
	t.Helper()
	return ta.userIn(t, handle, "")
}

// userIn signs up a new account homed in region and returns its client.
func (ta *testApp) userIn(t *testing.T, handle, region string) *apiClient {
	t.Helper()
	c := ta.client()
	if err := c.signUp(context.Background(), handle, "correct horse battery", "2000-01-01", region); err != nil {
		t.Fatalf("sign up %s: %v", handle, err)
	}
	return c
}

// clip generates a small test clip and returns its path.
func clip(t *testing.T, w, h, seconds int) string {
	t.Helper()
	path, err := benchClip(context.Background(), t.TempDir(), w, h, seconds)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// uploadReady uploads a generated clip as c and waits until it is ready.
func (ta *testApp) uploadReady(t *testing.T, c *apiClient, caption string) *videoJSON {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, err := c.upload(ctx, clip(t, 240, 426, 2), caption)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	v, err := waitVideo(ctx, c, id, 1, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("wait for %s: %v", id, err)
	}
	return v
}

// testWriter sends log output to t.Log so it shows only for failing tests.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// setRoles grants roles to an account, as flick roles does.
func (a *App) setRoles(ctx context.Context, id string, roles ...string) error {
	_, err := a.Accounts.SetRoles(ctx, id, roles, nil)
	return err
}

// home returns the store of account id's home region.
func (a *App) home(t *testing.T, id string) flick.Store {
	t.Helper()
	c, done, err := a.Router.Home(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	done()
	return c.Store
}

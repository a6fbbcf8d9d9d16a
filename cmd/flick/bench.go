package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/flick-video/flick/internal/media"
)

const benchUsage = `Usage: flick bench <upload|api|range|feed|farm|flood> [flags]

Benchmarks that start a real Flick server on a temporary data directory and
measure it through HTTP. Each prints one JSON object on stdout.

  upload   upload -> first playable rendition of a generated clip, as a
           ratio to plain ffmpeg encoding that lowest rendition alone
  api      GET /api/v1/videos/{id} throughput and latency under load
  range    HTTP Range requests on a rendition, Flick vs nginx on the same file
  feed     For You latency and throughput, event ingestion, freshness and
           memory on a synthetic catalogue (by default a million videos)
  farm     fake engagement: how many ordinary viewers' first For You pages
           show a video pushed by a farm of new accounts and anonymous
           traffic, with the engagement defences and without them
  flood    a connection flood: thousands of connections from as many
           loopback addresses announcing a body they never send, against
           the connection caps; /healthz latency meanwhile, and how long
           until the server has closed every one
`

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, benchUsage)
		if len(args) == 0 {
			return errors.New("bench: name a benchmark")
		}
		return flag.ErrHelp
	}
	var (
		result any
		err    error
	)
	switch name, rest := args[0], args[1:]; name {
	case "upload":
		result, err = benchUpload(ctx, rest, stderr)
	case "api":
		result, err = benchAPI(ctx, rest, stderr)
	case "range":
		result, err = benchRange(ctx, rest, stderr)
	case "feed":
		result, err = benchFeed(ctx, rest, stderr)
	case "farm":
		result, err = benchFarm(ctx, rest, stderr)
	case "flood":
		result, err = benchFlood(ctx, rest, stderr)
	default:
		fmt.Fprint(stderr, benchUsage)
		return fmt.Errorf("bench: unknown benchmark %q", name)
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(result)
}

// benchServer is a Flick server on a temporary data directory.
type benchServer struct {
	app  *App
	dir  string
	stop func()
}

// parseAndStart parses a benchmark's flags and starts its server.
func parseAndStart(ctx context.Context, fs *flag.FlagSet, args []string, stderr io.Writer) (*benchServer, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return startBenchServer(ctx, stderr)
}

// startBenchServer starts a server on a temporary data directory; tune, if
// any, adjusts its configuration first.
func startBenchServer(ctx context.Context, stderr io.Writer, tune ...func(*Config)) (*benchServer, error) {
	dir, err := os.MkdirTemp("", "flick-bench-*")
	if err != nil {
		return nil, err
	}
	// TrustProxy: load generators on loopback stand for many clients by
	// X-Forwarded-For, as the rate limits and engagement defences see them.
	cfg := Config{Addr: "127.0.0.1:0", Data: dir, MaxUploadBytes: 1 << 30, MaxDuration: 10 * time.Minute, Workers: 1, LogFormat: "text", LogLevel: slog.LevelWarn,
		TrustProxy: true}
	for _, f := range tune {
		f(&cfg)
	}
	app, err := OpenApp(ctx, cfg, cfg.logger(stderr))
	if err == nil {
		err = app.Listen()
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := app.Run(runCtx); err != nil {
			fmt.Fprintln(stderr, "bench server:", err)
		}
	}()
	return &benchServer{app: app, dir: dir, stop: func() {
		cancel()
		<-done
		app.Close()
		os.RemoveAll(dir)
	}}, nil
}

// uploadAndWait signs up a bench account, uploads the clip at path and waits
// until the video has at least minRenditions renditions.
func (s *benchServer) uploadAndWait(ctx context.Context, path string, minRenditions int) (*apiClient, *videoJSON, error) {
	c := newAPIClient(s.app.URL())
	if err := c.signUp(ctx, "bench", "bench-password-123", "1990-01-01", ""); err != nil {
		return nil, nil, err
	}
	id, err := c.upload(ctx, path, "benchmark clip #bench")
	if err != nil {
		return nil, nil, err
	}
	v, err := waitVideo(ctx, c, id, minRenditions, 10*time.Millisecond)
	return c, v, err
}

// waitVideo polls a video until it has minRenditions renditions (it failing
// is an error).
func waitVideo(ctx context.Context, c *apiClient, id string, minRenditions int, every time.Duration) (*videoJSON, error) {
	for {
		v, err := c.video(ctx, id)
		if err != nil {
			return nil, err
		}
		if v.Status == "failed" {
			return nil, fmt.Errorf("video %s failed: %s", id, v.Failure)
		}
		if v.Status == "ready" && len(v.Renditions) >= minRenditions {
			return v, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(every):
		}
	}
}

// loadResult summarises a closed-loop load test.
type loadResult struct {
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	MBPerSecond float64 `json:"mb_per_second,omitempty"`
}

// runLoad runs do from concurrency goroutines, each in a closed loop, for d,
// and measures the latency of each call.
func runLoad(ctx context.Context, concurrency int, d time.Duration, do func(ctx context.Context, client *http.Client, rng *rand.Rand) (int64, error)) loadResult {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency, DisableCompression: true}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		bytes     int64
		wg        sync.WaitGroup
	)
	start := time.Now()
	for i := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			var local []time.Duration
			var localErrs int
			var localBytes int64
			for ctx.Err() == nil {
				t0 := time.Now()
				n, err := do(ctx, client, rng)
				if ctx.Err() != nil {
					break // the call was cut short by the end of the run
				}
				if err != nil {
					localErrs++
					continue
				}
				local = append(local, time.Since(t0))
				localBytes += n
			}
			mu.Lock()
			latencies = append(latencies, local...)
			errs += localErrs
			bytes += localBytes
			mu.Unlock()
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	r := loadResult{Concurrency: concurrency, Requests: len(latencies), Errors: errs, Seconds: secs,
		PerSecond: float64(len(latencies)) / secs, P50ms: pct(0.50), P99ms: pct(0.99)}
	if bytes > 0 {
		r.MBPerSecond = float64(bytes) / secs / 1e6
	}
	return r
}

// get issues one GET and drains the body, failing on unexpected statuses.
func get(ctx context.Context, client *http.Client, url string, header http.Header, want int) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != want {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return n, err
}

// benchClip generates a test clip with ffmpeg into dir.
func benchClip(ctx context.Context, dir string, w, h, seconds int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("clip-%dx%d-%ds.mp4", w, h, seconds))
	return path, media.GenerateClip(ctx, path, media.Clip{Width: w, Height: h, Duration: time.Duration(seconds) * time.Second, Audio: true})
}

type apiBenchResult struct {
	Endpoint string `json:"endpoint"`
	loadResult
}

func benchAPI(ctx context.Context, args []string, stderr io.Writer) (any, error) {
	fs := flagSet("bench api", "Measure GET /api/v1/videos/{id} throughput and latency under concurrent load.", stderr)
	conc := fs.Int("concurrency", 32, "concurrent clients")
	dur := fs.Duration("duration", 10*time.Second, "how long to run")
	s, err := parseAndStart(ctx, fs, args, stderr)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	clip, err := benchClip(ctx, s.dir, 360, 640, 2)
	if err != nil {
		return nil, err
	}
	_, v, err := s.uploadAndWait(ctx, clip, 1)
	if err != nil {
		return nil, err
	}
	url := s.app.URL() + "/api/v1/videos/" + v.ID
	res := runLoad(ctx, *conc, *dur, func(ctx context.Context, c *http.Client, _ *rand.Rand) (int64, error) {
		_, err := get(ctx, c, url, nil, http.StatusOK)
		return 0, err
	})
	return apiBenchResult{Endpoint: "GET /api/v1/videos/{id}", loadResult: res}, nil
}

package transcode

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/media"
)

// BenchClip is the benchmark's standard source: a 30 s phone-shaped video
// with sound.
var BenchClip = media.Clip{Width: 1080, Height: 1920, Duration: 30 * time.Second, FPS: 30, Audio: true}

// BenchConfig sets up BenchUpload.
type BenchConfig struct {
	// Store and Blobs are where the benchmark videos go. Use a fresh store:
	// the pipeline under test resumes every unfinished video it finds.
	Store flick.VideoStore
	Blobs flick.BlobStore
	// AuthorID is an existing account that uploads the benchmark videos.
	AuthorID string
	// WorkDir holds the generated clip, made once and reused, and the plain
	// ffmpeg run's output.
	WorkDir string
	// Clip is the source to generate; BenchClip when zero.
	Clip media.Clip
	// Runs is how many times each side is measured; the medians are
	// compared. Default 3.
	Runs   int
	Logger *slog.Logger // default: discard
}

// BenchResult compares the pipeline with plain ffmpeg.
type BenchResult struct {
	Clip media.Clip
	// Pipeline is the median time from Ingest (the upload is on disk) to the
	// video being playable: probe and validation, the record, the queue,
	// the first phase (lowest rendition and poster) and its storage.
	Pipeline time.Duration
	// Plain is the median time of ffmpeg encoding just the lowest rendition
	// with the same settings, started directly.
	Plain time.Duration
	// Ratio is Pipeline / Plain; the goal is at most 1.2.
	Ratio                   float64
	PipelineRuns, PlainRuns []time.Duration
}

// BenchUpload measures how long an upload takes to become playable compared
// with the bare ffmpeg work that needs, alternating the two so that both see
// the same machine load.
func BenchUpload(ctx context.Context, cfg BenchConfig) (*BenchResult, error) {
	if cfg.Runs <= 0 {
		cfg.Runs = 3
	}
	if cfg.Clip == (media.Clip{}) {
		cfg.Clip = BenchClip
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(cfg.WorkDir, 0o750); err != nil {
		return nil, fmt.Errorf("bench upload: %w", err)
	}
	c := cfg.Clip
	src := filepath.Join(cfg.WorkDir, fmt.Sprintf("bench-%dx%d-%dfps-%dms-audio=%v.mp4", c.Width, c.Height, c.FPS, c.Duration.Milliseconds(), c.Audio))
	if _, err := os.Stat(src); err != nil {
		if err := media.GenerateClip(ctx, src+".part", c); err != nil {
			return nil, fmt.Errorf("bench upload: %w", err)
		}
		if err := os.Rename(src+".part", src); err != nil {
			return nil, fmt.Errorf("bench upload: %w", err)
		}
	}
	info, err := media.Probe(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("bench upload: %w", err)
	}
	res := &BenchResult{Clip: c}
	for i := range 2 * cfg.Runs {
		// Alternate which side goes first, so that neither always runs on
		// a warmer (or busier) machine.
		if (i%2 == 0) == (i/2%2 == 0) {
			d, err := benchPlain(ctx, src, cfg.WorkDir, info)
			if err != nil {
				return nil, err
			}
			res.PlainRuns = append(res.PlainRuns, d)
		} else {
			d, err := benchPipeline(ctx, cfg, src)
			if err != nil {
				return nil, err
			}
			res.PipelineRuns = append(res.PipelineRuns, d)
		}
	}
	res.Plain, res.Pipeline = median(res.PlainRuns), median(res.PipelineRuns)
	res.Ratio = res.Pipeline.Seconds() / res.Plain.Seconds()
	return res, nil
}

// benchPlain times ffmpeg making the lowest rendition, nothing else.
func benchPlain(ctx context.Context, src, workDir string, info *media.Info) (time.Duration, error) {
	out := filepath.Join(workDir, "bench-plain.mp4")
	defer os.Remove(out)
	lowest := media.Ladder(info.Width, info.Height)[0]
	enc := media.Encoding{Src: src, DurationMS: info.DurationMS, Outputs: []media.Output{{Path: out, Rung: lowest}}}
	start := time.Now()
	if out, err := exec.CommandContext(ctx, "ffmpeg", enc.Args()...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("bench upload: plain ffmpeg: %w: %s", err, out)
	}
	return time.Since(start), nil
}

// benchPipeline times one upload through a running Service until the store
// says the video is ready, then deletes it.
func benchPipeline(ctx context.Context, cfg BenchConfig, src string) (time.Duration, error) {
	svc := New(cfg.Store, cfg.Blobs, Config{}, cfg.Logger, nil)
	// The upload as the HTTP layer leaves it: a file in the temporary area.
	upload, err := copyFile(src, svc.cfg.TempDir)
	if err != nil {
		return 0, fmt.Errorf("bench upload: %w", err)
	}
	defer os.Remove(upload)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	defer func() {
		stop()
		<-done
	}()

	start := time.Now()
	v, err := svc.Ingest(ctx, cfg.AuthorID, "benchmark #bench", upload)
	if err != nil {
		return 0, fmt.Errorf("bench upload: %w", err)
	}
	defer svc.Delete(context.WithoutCancel(ctx), v.ID)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		got, err := cfg.Store.Video(ctx, v.ID)
		if err != nil {
			return 0, fmt.Errorf("bench upload: %w", err)
		}
		switch got.Status {
		case flick.StatusReady:
			return time.Since(start), nil
		case flick.StatusFailed:
			return 0, fmt.Errorf("bench upload: transcode failed: %s", got.Failure)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-tick.C:
		}
	}
}

func copyFile(src, dir string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, "bench-upload-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", err
	}
	return out.Name(), nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(d))
	return s[len(s)/2]
}

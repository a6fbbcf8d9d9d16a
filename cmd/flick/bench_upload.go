package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/flick-video/flick/internal/media"
)

type uploadBenchResult struct {
	Clip string `json:"clip"`
	// PipelineMS is the median time from the start of the HTTP upload to the
	// video being ready with its first playable rendition.
	PipelineMS float64 `json:"upload_to_playable_ms"`
	// PlainMS is the median time of ffmpeg encoding just the lowest
	// rendition with the same settings, started directly.
	PlainMS float64 `json:"plain_ffmpeg_lowest_ms"`
	// Ratio is PipelineMS / PlainMS; the goal is at most 1.2.
	Ratio        float64   `json:"ratio"`
	PipelineRuns []float64 `json:"upload_runs_ms"`
	PlainRuns    []float64 `json:"plain_runs_ms"`
}

func benchUpload(ctx context.Context, args []string, stderr io.Writer) (any, error) {
	fs := flagSet("bench upload", "Measure upload -> first playable rendition of a generated clip through the\nreal server, as a ratio to plain ffmpeg encoding only the lowest rendition.", stderr)
	w := fs.Int("width", 1080, "clip width")
	h := fs.Int("height", 1920, "clip height")
	secs := fs.Duration("length", 30*time.Second, "clip length")
	runs := fs.Int("runs", 3, "measurements of each side (medians are compared)")
	s, err := parseAndStart(ctx, fs, args, stderr)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	clip := media.Clip{Width: *w, Height: *h, Duration: *secs, FPS: 30, Audio: true}
	src := filepath.Join(s.dir, "clip.mp4")
	if err := media.GenerateClip(ctx, src, clip); err != nil {
		return nil, err
	}
	info, err := media.Probe(ctx, src, *secs+time.Second)
	if err != nil {
		return nil, err
	}
	c := newAPIClient(s.app.URL())
	if err := c.signUp(ctx, "bench", "bench-password-123", "1990-01-01", ""); err != nil {
		return nil, err
	}
	res := uploadBenchResult{Clip: fmt.Sprintf("%dx%d %s 30fps with audio", *w, *h, *secs)}
	for i := range 2 * *runs {
		// Alternate which side goes first so neither always meets a
		// warmer or busier machine.
		var d time.Duration
		if (i%2 == 0) == (i/2%2 == 0) {
			d, err = plainLowest(ctx, src, s.dir, info)
			res.PlainRuns = append(res.PlainRuns, ms(d))
		} else {
			d, err = uploadToPlayable(ctx, c, src)
			res.PipelineRuns = append(res.PipelineRuns, ms(d))
		}
		if err != nil {
			return nil, err
		}
	}
	res.PlainMS, res.PipelineMS = median(res.PlainRuns), median(res.PipelineRuns)
	res.Ratio = res.PipelineMS / res.PlainMS
	return res, nil
}

// plainLowest times ffmpeg making the lowest rendition and nothing else.
func plainLowest(ctx context.Context, src, dir string, info *media.Info) (time.Duration, error) {
	out := filepath.Join(dir, "plain.mp4")
	defer os.Remove(out)
	enc := media.Encoding{Src: src, DurationMS: info.DurationMS, Outputs: []media.Output{{Path: out, Rung: media.Ladder(info.Width, info.Height)[0]}}}
	start := time.Now()
	if b, err := exec.CommandContext(ctx, "ffmpeg", enc.Args()...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("plain ffmpeg: %w: %s", err, b)
	}
	return time.Since(start), nil
}

// uploadToPlayable times one upload over HTTP until the video is ready, then
// deletes it so that the next run meets an idle transcoder.
func uploadToPlayable(ctx context.Context, c *apiClient, src string) (time.Duration, error) {
	start := time.Now()
	id, err := c.upload(ctx, src, "benchmark #bench")
	if err != nil {
		return 0, err
	}
	if _, err := waitVideo(ctx, c, id, 1, 5*time.Millisecond); err != nil {
		return 0, err
	}
	d := time.Since(start)
	return d, c.do(ctx, "DELETE", "/api/v1/videos/"+id, nil, nil)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}

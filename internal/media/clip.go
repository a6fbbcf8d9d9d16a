package media

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Clip describes a synthetic video made from one of ffmpeg's test patterns,
// for tests, benchmarks and demo content.
type Clip struct {
	Width, Height int
	Duration      time.Duration
	FPS           int    // 30 when zero
	Pattern       string // testsrc2 (the default), smptebars, rgbtestsrc, mandelbrot, life or cellauto
	Audio         bool   // add a sine tone
	Rotation      int    // display rotation stored in the container: 0, 90, 180 or 270
}

// patterns are the lavfi sources GenerateClip may draw; the name goes into a
// filter string, so only these are accepted.
var patterns = map[string]bool{"testsrc2": true, "smptebars": true, "rgbtestsrc": true, "mandelbrot": true, "life": true, "cellauto": true}

// GenerateClip writes c as an H.264/AAC MP4 at path, the way a phone would
// hand it over.
func GenerateClip(ctx context.Context, path string, c Clip) error {
	fps := c.FPS
	if fps == 0 {
		fps = 30
	}
	pattern := c.Pattern
	if pattern == "" {
		pattern = "testsrc2"
	}
	if !patterns[pattern] || c.Width <= 0 || c.Height <= 0 || c.Duration <= 0 {
		return fmt.Errorf("generate clip: invalid %+v", c)
	}
	seconds := formatSeconds(c.Duration)
	args := []string{"-hide_banner", "-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("%s=size=%dx%d:rate=%d:duration=%s", pattern, c.Width, c.Height, fps, seconds)}
	if c.Audio {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:beep_factor=4:sample_rate=48000:duration="+seconds,
			"-c:a", "aac", "-b:a", "128k")
	}
	out := path
	if c.Rotation != 0 {
		out = path + ".unrotated.mp4"
		defer os.Remove(out)
	}
	args = append(args, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", strconv.Itoa(2*fps),
		"-t", seconds, "-f", "mp4", out)
	if err := run(ctx, "ffmpeg", args, nil); err != nil {
		return fmt.Errorf("generate clip: %w", err)
	}
	if c.Rotation == 0 {
		return nil
	}
	// ffmpeg keeps a rotate tag only when it copies the stream, not when it
	// encodes one.
	args = []string{"-hide_banner", "-nostdin", "-v", "error", "-y", "-i", out,
		"-c", "copy", "-metadata:s:v:0", "rotate=" + strconv.Itoa(c.Rotation), "-f", "mp4", path}
	if err := run(ctx, "ffmpeg", args, nil); err != nil {
		return fmt.Errorf("generate clip: rotate: %w", err)
	}
	return nil
}

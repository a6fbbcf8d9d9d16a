// Package media runs ffprobe and ffmpeg: it validates uploads, plans the
// ladder of renditions and encodes them with the poster in one decode pass.
// Every tool runs as a child process tied to a context (cancelling it kills
// the process) with its stderr kept in a bounded buffer for the log: what a
// tool says names server paths and library internals, so users are only
// ever told a sentence of Flick's own.
package media

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/flick-video/flick"
)

// stderrLimit is how much of a tool's stderr an error keeps: the end, where
// ffmpeg says what went wrong.
const stderrLimit = 8 << 10

// inputFormats are the demuxers allowed to read uploads. Without this list
// ffmpeg would also accept playlists (HLS, concat) that make it open other
// files or URLs named inside a hostile upload.
const inputFormats = "mov,mp4,matroska,webm,avi,mpegts,flv,asf,mpeg,ogg"

// inputArgs are the options that open an untrusted file: the format list
// above, local files only, and the "file:" prefix so that a path is never
// read as a protocol or a URL.
func inputArgs(path string) []string {
	return []string{"-format_whitelist", inputFormats, "-protocol_whitelist", "file", "-i", "file:" + path}
}

// ToolError is a failed run of ffmpeg or ffprobe. Its text is for the log,
// never for users.
type ToolError struct {
	Tool   string
	Err    error
	Stderr string // the last few KiB of what the tool wrote to stderr
}

func (e *ToolError) Error() string {
	if line := e.LastLine(); line != "" {
		return fmt.Sprintf("%s: %v: %s", e.Tool, e.Err, line)
	}
	return fmt.Sprintf("%s: %v", e.Tool, e.Err)
}

func (e *ToolError) Unwrap() error { return e.Err }

// LastLine is the last non-empty line of stderr: usually the reason.
func (e *ToolError) LastLine() string {
	lines := strings.Split(strings.TrimSpace(e.Stderr), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// run runs tool with args, sending its stdout to stdout (which may be nil).
func run(ctx context.Context, tool string, args []string, stdout io.Writer) error {
	path, err := exec.LookPath(tool)
	if err != nil {
		return flick.Errorf(flick.EUNAVAILABLE, "%s is not installed on this server: install it with \"apt-get install ffmpeg\".", tool)
	}
	stderr := &tailBuffer{max: stderrLimit}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	// After a kill, do not wait forever for pipes held open by a stray child.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", tool, ctx.Err())
		}
		return &ToolError{Tool: tool, Err: err, Stderr: stderr.String()}
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

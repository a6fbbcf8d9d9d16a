package media_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flick-video/flick/internal/media"
	"github.com/flick-video/flick/internal/testenv"
)

// TestExtension names the containers ffmpeg writes as a person would.
func TestExtension(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	for ext, want := range map[string]string{"mp4": ".mp4", "mkv": ".mkv", "webm": ".webm", "live.webm": ".webm", "ts": ".ts", "avi": ".avi", "flv": ".flv"} {
		data := containerClip(t, ext, 500*time.Millisecond)
		if got := media.Extension(data[:media.SniffLength]); got != want {
			t.Errorf("%s: Extension = %q, want %q", ext, got, want)
		}
	}
	mov := filepath.Join(t.TempDir(), "clip.mov")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=240x426:rate=30:duration=0.5", "-c:v", "libx264", "-preset", "ultrafast", mov)
	data, err := os.ReadFile(mov)
	if err != nil {
		t.Fatal(err)
	}
	if got := media.Extension(data[:media.SniffLength]); got != ".mov" {
		t.Errorf("mov: Extension = %q", got)
	}
	for _, junk := range []string{"", "x", "not a video at all, just some text that goes on"} {
		if got := media.Extension([]byte(junk)); got != ".bin" {
			t.Errorf("Extension(%q) = %q, want .bin", junk, got)
		}
	}
}

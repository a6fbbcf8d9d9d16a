package media_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"image"
	_ "image/jpeg" // for DecodeConfig of posters
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick/internal/testenv"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/media"
)

func clip(t *testing.T, c media.Clip) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := media.GenerateClip(context.Background(), path, c); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProbe(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	for _, tc := range []struct {
		name string
		clip media.Clip
		want media.Info
	}{
		{"vertical with sound", media.Clip{Width: 240, Height: 426, Duration: 2 * time.Second, Audio: true},
			media.Info{DurationMS: 2000, Width: 240, Height: 426, HasAudio: true, VideoCodec: "h264", AudioCodec: "aac"}},
		{"horizontal silent", media.Clip{Width: 426, Height: 240, Duration: 1500 * time.Millisecond},
			media.Info{DurationMS: 1500, Width: 426, Height: 240, VideoCodec: "h264"}},
		{"rotated by the container", media.Clip{Width: 426, Height: 240, Duration: time.Second, Rotation: 90},
			media.Info{DurationMS: 1000, Width: 240, Height: 426, VideoCodec: "h264"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := media.Probe(context.Background(), clip(t, tc.clip))
			if err != nil {
				t.Fatal(err)
			}
			// Containers round durations a little.
			if d := info.DurationMS - tc.want.DurationMS; d < -50 || d > 50 {
				t.Errorf("duration %d ms, want %d", info.DurationMS, tc.want.DurationMS)
			}
			info.DurationMS, info.FormatName = tc.want.DurationMS, ""
			if *info != tc.want {
				t.Errorf("Probe = %+v, want %+v", *info, tc.want)
			}
		})
	}
}

func TestProbeHostile(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := clip(t, media.Clip{Width: 240, Height: 426, Duration: 2 * time.Second, Audio: true})
	goodData, _ := os.ReadFile(good)
	faststart := filepath.Join(dir, "faststart.mp4")
	ffmpeg(t, "-i", good, "-c", "copy", "-movflags", "+faststart", faststart)
	faststartData, _ := os.ReadFile(faststart)

	random := make([]byte, 64<<10)
	rand.Read(random)
	var pngData bytes.Buffer
	png.Encode(&pngData, image.NewRGBA(image.Rect(0, 0, 320, 240)))
	audioOnly := filepath.Join(dir, "audio.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", audioOnly)
	still := filepath.Join(dir, "still.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", still)
	tiny := filepath.Join(dir, "tiny.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=8x8:duration=1", "-c:v", "mpeg4", tiny)
	long := filepath.Join(dir, "long.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=8200x16:duration=0.2", "-c:v", "libx264", "-pix_fmt", "yuv420p", long)

	for _, tc := range []struct {
		name, path, code string
	}{
		{"zero length", write("empty.mp4", nil), flick.EUNSUPPORTED},
		{"random bytes", write("random.mp4", random), flick.EUNSUPPORTED},
		{"text renamed", write("notes.mp4", []byte("this is not a video\n")), flick.EUNSUPPORTED},
		{"png", write("picture.mp4", pngData.Bytes()), flick.EUNSUPPORTED},
		{"playlist naming a local file", write("list.mp4", []byte("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n")), flick.EUNSUPPORTED},
		{"concat list", write("concat.mp4", []byte("ffconcat version 1.0\nfile '"+good+"'\n")), flick.EUNSUPPORTED},
		{"audio only", audioOnly, flick.EUNSUPPORTED},
		{"single frame", still, flick.EUNSUPPORTED},
		{"index cut off", write("cut.mp4", goodData[:len(goodData)/3]), flick.EUNSUPPORTED},
		{"media cut off", write("cut-faststart.mp4", faststartData[:len(faststartData)*6/10]), flick.EUNPROCESSABLE},
		{"tiny", tiny, flick.EUNPROCESSABLE},
		{"too wide", long, flick.EUNPROCESSABLE},
		{"huge header", write("huge.avi", hugeAVI(t, 16000, 16000)), flick.EUNPROCESSABLE},
		{"too many pixels", write("big.avi", hugeAVI(t, 7000, 7000)), flick.EUNPROCESSABLE},
		{"corrupt frames", write("corrupt.mp4", corrupt(faststartData)), flick.EUNPROCESSABLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := media.Probe(ctx, tc.path)
			var fe *flick.Error
			if !errors.As(err, &fe) || fe.Code != tc.code {
				t.Fatalf("Probe = %+v, %v; want a *flick.Error with code %s", info, err, tc.code)
			}
			if strings.Contains(fe.Message, dir) {
				t.Errorf("message %q shows a server path", fe.Message)
			}
		})
	}
}

// corrupt overwrites the middle of the media data with noise, leaving the
// container intact.
func corrupt(data []byte) []byte {
	out := bytes.Clone(data)
	i := bytes.Index(out, []byte("mdat"))
	for j := i + 8; j < len(out)-16; j += 7 {
		out[j] ^= 0x5a
	}
	return out
}

// hugeAVI makes a tiny raw-video AVI whose headers claim width x height.
func hugeAVI(t *testing.T, width, height uint32) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "raw.avi")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=32x32:rate=10:duration=1", "-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-f", "avi", path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	avih := bytes.Index(data, []byte("avih")) + 8 // the main header: width and height at 32 and 36
	binary.LittleEndian.PutUint32(data[avih+32:], width)
	binary.LittleEndian.PutUint32(data[avih+36:], height)
	strf := bytes.Index(data, []byte("strf")) + 8 // BITMAPINFOHEADER: width and height at 4 and 8
	binary.LittleEndian.PutUint32(data[strf+4:], width)
	binary.LittleEndian.PutUint32(data[strf+8:], height)
	return data
}

func ffmpeg(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

func TestMissingTools(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := media.Probe(context.Background(), "/nonexistent.mp4")
	if flick.ErrorCode(err) != flick.EUNAVAILABLE || !strings.Contains(flick.ErrorMessage(err), "ffprobe is not installed") {
		t.Errorf("Probe without ffprobe = %v", err)
	}
	err = media.Encode(context.Background(), media.Encoding{Src: "/x.mp4", Outputs: []media.Output{{Path: "/tmp/y.mp4"}}}, nil)
	if flick.ErrorCode(err) != flick.EUNAVAILABLE || !strings.Contains(flick.ErrorMessage(err), "ffmpeg is not installed") {
		t.Errorf("Encode without ffmpeg = %v", err)
	}
}

func TestEncode(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		clip media.Clip
	}{
		{"vertical with sound", media.Clip{Width: 540, Height: 960, Duration: 2 * time.Second, Audio: true}},
		{"horizontal silent short", media.Clip{Width: 426, Height: 240, Duration: time.Second}},
		{"rotated", media.Clip{Width: 960, Height: 540, Duration: time.Second, Rotation: 270, Audio: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := clip(t, tc.clip)
			info, err := media.Probe(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			enc := media.Encoding{Src: src, DurationMS: info.DurationMS}
			for _, r := range media.Ladder(info.Width, info.Height) {
				enc.Outputs = append(enc.Outputs, media.Output{Path: filepath.Join(dir, r.Name+".mp4"), Rung: r})
			}
			top := enc.Outputs[len(enc.Outputs)-1].Rung
			enc.Poster = &media.Poster{Path: filepath.Join(dir, "poster.jpg"), Width: top.Width, Height: top.Height}
			var reports []int
			if err := media.Encode(ctx, enc, func(pct int) { reports = append(reports, pct) }); err != nil {
				t.Fatal(err)
			}
			if len(reports) == 0 || reports[len(reports)-1] != 100 {
				t.Errorf("progress reports %v do not end at 100", reports)
			}
			for i := 1; i < len(reports); i++ {
				if reports[i] <= reports[i-1] {
					t.Errorf("progress went from %d to %d", reports[i-1], reports[i])
				}
			}
			for _, o := range enc.Outputs {
				got, err := media.Probe(ctx, o.Path)
				if err != nil {
					t.Fatalf("%s: %v", o.Rung.Name, err)
				}
				want := media.Info{DurationMS: got.DurationMS, Width: o.Rung.Width, Height: o.Rung.Height, VideoCodec: "h264", FormatName: got.FormatName}
				if tc.clip.Audio {
					want.HasAudio, want.AudioCodec = true, "aac"
				}
				if *got != want {
					t.Errorf("%s: %+v, want %+v", o.Rung.Name, *got, want)
				}
				if d := got.DurationMS - info.DurationMS; d < -100 || d > 100 {
					t.Errorf("%s: duration %d ms, source %d ms", o.Rung.Name, got.DurationMS, info.DurationMS)
				}
			}
			poster, err := os.Open(enc.Poster.Path)
			if err != nil {
				t.Fatal(err)
			}
			defer poster.Close()
			cfg, format, err := image.DecodeConfig(poster)
			if err != nil || format != "jpeg" || cfg.Width != top.Width || cfg.Height != top.Height {
				t.Errorf("poster: %s %dx%d, %v; want jpeg %dx%d", format, cfg.Width, cfg.Height, err, top.Width, top.Height)
			}
		})
	}
}

func TestEncodeCancel(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	src := clip(t, media.Clip{Width: 720, Height: 1280, Duration: 20 * time.Second, FPS: 10})
	ctx, cancel := context.WithCancel(context.Background())
	out := filepath.Join(t.TempDir(), "out.mp4")
	enc := media.Encoding{Src: src, DurationMS: 20000, Outputs: []media.Output{{Path: out, Rung: media.Ladder(720, 1280)[2]}}}
	start := time.Now()
	err := media.Encode(ctx, enc, func(pct int) {
		if pct > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Encode after cancel = %v, want context.Canceled", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("cancelled encode took %v", time.Since(start))
	}
}

func TestToolErrorReason(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	dir := t.TempDir()
	src := filepath.Join(dir, "missing.mp4")
	err := media.Encode(context.Background(), media.Encoding{Src: src, DurationMS: 1000, Outputs: []media.Output{{Path: filepath.Join(dir, "o.mp4"), Rung: media.Ladder(360, 640)[0]}}}, nil)
	reason := media.Reason(err)
	if reason == "" || strings.Contains(reason, dir) || !strings.Contains(reason, "missing.mp4") {
		t.Errorf("Reason = %q from %v", reason, err)
	}
}

func TestReasonHidesPaths(t *testing.T) {
	for _, tc := range []struct{ stderr, want string }{
		{"[h264 @ 0x55d] file:/srv/flick/media/videos/x/original: Invalid data found", "original: Invalid data found"},
		{"Error opening output '/tmp/work/360p.mp4'", "Error opening output '360p.mp4'"},
		{"frame rate 1/2 is odd", "frame rate 1/2 is odd"},
		{"first line\n\nlast line\n", "last line"},
	} {
		err := &media.ToolError{Tool: "ffmpeg", Err: errors.New("exit status 1"), Stderr: tc.stderr}
		if got := media.Reason(err); got != tc.want {
			t.Errorf("Reason(%q) = %q, want %q", tc.stderr, got, tc.want)
		}
	}
}

package media_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // for DecodeConfig of posters
	"image/png"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick/internal/testenv"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/media"
)

// limit is the longest video the tests' Probe calls accept.
const limit = time.Minute

// undecodable is what users are told about a file ffmpeg fails to read.
const undecodable = "The video could not be decoded: the file is damaged or uses a format Flick cannot read."

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
			info, err := media.Probe(context.Background(), clip(t, tc.clip), limit)
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
		// Before, this said "The video could not be decoded: decode_slice_header error."
		{"corrupt frames", write("corrupt.mp4", corrupt(faststartData)), flick.EUNPROCESSABLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := media.Probe(ctx, tc.path, limit)
			var fe *flick.Error
			if !errors.As(err, &fe) || fe.Code != tc.code {
				t.Fatalf("Probe = %+v, %v; want a *flick.Error with code %s", info, err, tc.code)
			}
			if strings.HasPrefix(fe.Message, "The video could not be decoded") && fe.Message != undecodable {
				t.Errorf("message %q passes on what ffmpeg said", fe.Message)
			}
			assertOwnSentence(t, fe.Message, dir)
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
	_, err := media.Probe(context.Background(), "/nonexistent.mp4", limit)
	if flick.ErrorCode(err) != flick.EUNAVAILABLE || !strings.Contains(flick.ErrorMessage(err), "ffprobe is not installed") {
		t.Errorf("Probe without ffprobe = %v", err)
	}
	err = media.Encode(context.Background(), media.Encoding{Src: "/x.mp4", DurationMS: 1000, Outputs: []media.Output{{Path: "/tmp/y.mp4"}}}, nil)
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
			info, err := media.Probe(ctx, src, limit)
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
				got, err := media.Probe(ctx, o.Path, limit)
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

// assertOwnSentence checks that a message shown to users is Flick's own
// sentence: no server path, and nothing of what ffmpeg says, which names
// library internals ("[IMGUTILS @ 0x7ffc2d722220] Picture size ...").
func assertOwnSentence(t *testing.T, msg, dir string) {
	t.Helper()
	if strings.Contains(msg, dir) || strings.ContainsAny(msg, "[]@/") || strings.Contains(msg, "@ 0x") ||
		!strings.HasSuffix(msg, ".") || msg != strings.TrimSpace(msg) {
		t.Errorf("message %q is not a sentence of Flick's own", msg)
	}
}

func TestEncodeFailureIsForTheLog(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	dir := t.TempDir()
	src := filepath.Join(dir, "missing.mp4")
	err := media.Encode(context.Background(), media.Encoding{Src: src, DurationMS: 1000, Outputs: []media.Output{{Path: filepath.Join(dir, "o.mp4"), Rung: media.Ladder(360, 640)[0]}}}, nil)
	var te *media.ToolError
	if !errors.As(err, &te) || !strings.Contains(te.Error(), "missing.mp4") {
		t.Fatalf("Encode = %v, want a *media.ToolError that says what ffmpeg said", err)
	}
	if flick.ErrorCode(err) != flick.EINTERNAL {
		t.Errorf("Encode = %v: a tool failure must not reach users as a message", err)
	}
}

// containerArgs are ffmpeg's options to write a clip in each container that
// uploads come in: phones' MP4, Matroska and WebM from cameras and
// browsers, MPEG-TS from broadcast recorders, AVI from old cameras, FLV
// from streaming tools.
var containerArgs = map[string][]string{
	"mp4":  {"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart"},
	"mkv":  {"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"},
	"webm": {"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-c:a", "libopus"},
	"ts":   {"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"},
	"avi":  {"-c:v", "mpeg4", "-c:a", "mp3"},
	"flv":  {"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"},
	// As a browser's MediaRecorder writes it: no length in the header
	// (refused before as "The video has no duration.").
	"live.webm": {"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-c:a", "libopus", "-live", "1"},
}

// declaresNoLength are the containers whose header gives no length.
var declaresNoLength = map[string]bool{"ts": true, "live.webm": true}

// containerClip writes a clip of the given length in the container ext.
func containerClip(t *testing.T, ext string, length time.Duration) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clip."+ext)
	secs := strconv.FormatFloat(length.Seconds(), 'f', 3, 64)
	args := []string{"-f", "lavfi", "-i", "testsrc2=size=240x426:rate=30:duration=" + secs,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + secs}
	ffmpeg(t, append(append(args, containerArgs[ext]...), path)...)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// declareLength rewrites the length in milliseconds that a container's
// header declares, in place (ext is the file name's ending):
// Matroska's Segment Duration (an EBML float in milliseconds), AVI's video
// stream length (in frames, 30 a second here). It returns false for
// containers where the tests do not forge one.
func declareLength(t *testing.T, ext string, data []byte, ms float64) bool {
	t.Helper()
	switch ext {
	case "mkv", "webm":
		i := bytes.Index(data, []byte{0x44, 0x89}) // the Duration element's ID
		switch {
		case i < 0:
			t.Fatal("no Duration element")
		case data[i+2] == 0x88:
			binary.BigEndian.PutUint64(data[i+3:], math.Float64bits(ms))
		case data[i+2] == 0x84:
			binary.BigEndian.PutUint32(data[i+3:], math.Float32bits(float32(ms)))
		default:
			t.Fatalf("Duration element of size %#x", data[i+2])
		}
		return true
	case "avi":
		strh := bytes.Index(data, []byte("strh")) + 8 // AVISTREAMHEADER: dwLength at 32
		binary.LittleEndian.PutUint32(data[strh+32:], uint32(min(ms*30/1000, math.MaxUint32)))
		return true
	}
	return false
}

// TestProbeLength checks that a video's length is what its packets hold,
// in every container: a header that claims more (a file cut off in
// transfer, or a forged header) or less (a forged header smuggling a long
// video past the limit) is refused, never believed.
func TestProbeLength(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	ctx := context.Background()
	for _, ext := range slices.Sorted(maps.Keys(containerArgs)) {
		t.Run(ext, func(t *testing.T) {
			whole := containerClip(t, ext, 6*time.Second)
			dir := t.TempDir()
			write := func(name string, data []byte) string {
				p := filepath.Join(dir, name+"."+ext)
				if err := os.WriteFile(p, data, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			probe := func(name string, data []byte, max time.Duration) (*media.Info, error) {
				t.Helper()
				info, err := media.Probe(ctx, write(name, data), max)
				if err != nil {
					assertOwnSentence(t, flick.ErrorMessage(err), dir)
				}
				return info, err
			}

			info, err := probe("whole", whole, limit)
			if err != nil || info.DurationMS < 5950 || info.DurationMS > 6100 {
				t.Fatalf("whole 6 s clip: %+v, %v", info, err)
			}
			if _, err := probe("whole", whole, 5*time.Second); flick.ErrorMessage(err) != "Videos may be at most 5s long." {
				t.Errorf("6 s clip with a limit of 5 s: %v", err)
			}

			// Cut in half: refused where the header declares a length; where
			// it declares none, what is left is a shorter video and its length
			// is what is left.
			info, err = probe("half", whole[:len(whole)/2], limit)
			switch {
			case err == nil && !declaresNoLength[ext]:
				t.Errorf("half a file accepted: %+v", info)
			case err == nil && (info.DurationMS < 1500 || info.DurationMS > 3500):
				t.Errorf("half a 6 s file accepted as %d ms", info.DurationMS)
			case err != nil && flick.ErrorCode(err) != flick.EUNPROCESSABLE && flick.ErrorCode(err) != flick.EUNSUPPORTED:
				t.Errorf("half a file: %v", err)
			}

			forged := bytes.Clone(whole)
			if !declareLength(t, ext, forged, 1e13) {
				return
			}
			// The overflow of the report: 1e13 ms wrapped time.Duration.
			if _, err := probe("forged-long", forged, 5*time.Second); flick.ErrorMessage(err) != "Videos may be at most 5s long." {
				t.Errorf("6 s clip declaring 1e13 ms, limit 5 s: %v", err)
			}
			if _, err := probe("forged-long", forged, limit); flick.ErrorCode(err) != flick.EUNPROCESSABLE ||
				!strings.Contains(flick.ErrorMessage(err), "holds 6.0 s of the") {
				t.Errorf("6 s clip declaring 1e13 ms: %v", err)
			}
			forged = bytes.Clone(whole)
			declareLength(t, ext, forged, 1000)
			if _, err := probe("forged-short", forged, 5*time.Second); flick.ErrorMessage(err) != "Videos may be at most 5s long." {
				t.Errorf("6 s clip declaring 1 s, limit 5 s: %v", err)
			}
		})
	}
}

// TestEncodeBounded checks that ffmpeg's work is bounded by the measured
// length and a frame rate cap, and that an output shorter than the source's
// measured length is an error rather than a rendition.
func TestEncodeBounded(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	ctx := context.Background()
	src := clip(t, media.Clip{Width: 240, Height: 426, Duration: 2 * time.Second, FPS: 120, Audio: true})
	dir := t.TempDir()
	rung := media.Ladder(240, 426)[0]
	encode := func(ms int64) (string, error) {
		out := filepath.Join(dir, fmt.Sprintf("%d.mp4", ms))
		return out, media.Encode(ctx, media.Encoding{Src: src, DurationMS: ms, Outputs: []media.Output{{Path: out, Rung: rung}}}, nil)
	}

	out, err := encode(1000)
	if err != nil {
		t.Fatal(err)
	}
	got, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate,nb_frames:format=duration",
		"-of", "default=noprint_wrappers=1", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, l := range strings.Fields(string(got)) {
		k, v, _ := strings.Cut(l, "=")
		fields[k] = v
	}
	secs, _ := strconv.ParseFloat(fields["duration"], 64)
	frames, _ := strconv.Atoi(fields["nb_frames"])
	if fields["r_frame_rate"] != "60/1" || frames < 58 || frames > 64 || secs < 0.95 || secs > 1.1 {
		t.Errorf("1 s encode of a 2 s 120 fps source: %v; want about 60 frames at 60/1 in about 1 s", fields)
	}

	// A length stored before lengths were measured may be absurd: refused,
	// not wrapped into a negative time for ffmpeg.
	if _, err := encode(1e13); err == nil || flick.ErrorCode(err) != flick.EINTERNAL {
		t.Errorf("encode of 1e13 ms = %v, want an internal error", err)
	}

	_, err = encode(5000)
	if flick.ErrorCode(err) != flick.EUNPROCESSABLE {
		t.Fatalf("encode of a 2 s source measured at 5 s = %v, want EUNPROCESSABLE", err)
	}
	assertOwnSentence(t, flick.ErrorMessage(err), dir)
}

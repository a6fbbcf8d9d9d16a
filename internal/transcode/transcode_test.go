package transcode_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // for DecodeConfig of posters
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flick-video/flick/internal/testenv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/blob"
	"github.com/flick-video/flick/internal/events"
	"github.com/flick-video/flick/internal/media"
	"github.com/flick-video/flick/internal/sqlite"
	"github.com/flick-video/flick/internal/transcode"
)

// env is a transcoder on a real SQLite store and media directory.
type env struct {
	t        *testing.T
	store    *sqlite.DB
	blobs    *blob.Dir
	root     string // the media directory
	svc      *transcode.Service
	reg      *prometheus.Registry
	authorID string
}

func newEnv(t *testing.T, cfg transcode.Config) *env {
	t.Helper()
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "flick.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	root := filepath.Join(dir, "media")
	blobs, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	author := &flick.Account{ID: flick.NewID(time.Now()), Handle: "creator", CreatedAt: time.Now(), Birthdate: "2000-01-01"}
	if err := store.CreateAccount(ctx, author, "hash"); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: store, blobs: blobs, root: root, reg: prometheus.NewRegistry(), authorID: author.ID}
	e.svc = transcode.New(store, blobs, cfg, slog.New(slog.NewTextHandler(t.Output(), nil)), e.reg)
	return e
}

// clips caches generated clips for the whole test binary: generating one
// takes longer than copying it.
var clips = struct {
	sync.Mutex
	dir   string
	paths map[media.Clip]string
}{paths: map[media.Clip]string{}}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "transcode-test-clips-")
	if err != nil {
		panic(err)
	}
	clips.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// upload puts a generated clip in the upload area, as the HTTP layer does.
func (e *env) upload(c media.Clip) string {
	e.t.Helper()
	clips.Lock()
	src, ok := clips.paths[c]
	if !ok {
		src = filepath.Join(clips.dir, fmt.Sprintf("clip-%d.mp4", len(clips.paths)))
		if err := media.GenerateClip(context.Background(), src, c); err != nil {
			clips.Unlock()
			e.t.Fatal(err)
		}
		clips.paths[c] = src
	}
	clips.Unlock()
	data, err := os.ReadFile(src)
	if err != nil {
		e.t.Fatal(err)
	}
	f, err := os.CreateTemp(e.blobs.TempDir(), "upload-*")
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return f.Name()
}

func (e *env) ingest(c media.Clip, caption string) *flick.Video {
	e.t.Helper()
	v, err := e.svc.Ingest(context.Background(), e.authorID, flick.Publish{Caption: caption}, e.upload(c))
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// run starts the workers; the returned function stops them and waits.
func (e *env) run() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			e.t.Fatal("Run did not return after cancel")
		}
	}
}

// waitFor polls the store until cond holds for the video.
func (e *env) waitFor(id, what string, cond func(*flick.Video) bool) *flick.Video {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		v, err := e.store.Video(context.Background(), id)
		if err != nil {
			e.t.Fatalf("waiting for %s: %v", what, err)
		}
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s: %+v", what, v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func complete(v *flick.Video) bool { return v.Complete || v.Status == flick.StatusFailed }

// files lists every file under the media directory, relative to it.
func (e *env) files() []string {
	e.t.Helper()
	var out []string
	filepath.WalkDir(e.root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(e.root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	return out
}

// assertNoWorkFiles checks that no transcode work directory and no upload
// is left in the temporary directory.
func (e *env) assertNoWorkFiles() {
	e.t.Helper()
	// A job records its video complete, then returns and removes its work
	// directory: give it a moment. What stays is left behind.
	var entries []os.DirEntry
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		entries, _ = os.ReadDir(e.blobs.TempDir())
		if len(entries) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, en := range entries {
		e.t.Errorf("left in the temporary directory: %s", en.Name())
	}
}

func TestIngestToReady(t *testing.T) {
	for _, tc := range []struct {
		name string
		clip media.Clip
	}{
		{"vertical with sound", media.Clip{Width: 240, Height: 426, Duration: 2 * time.Second, Audio: true}},
		{"horizontal silent", media.Clip{Width: 426, Height: 240, Duration: 2 * time.Second}},
		{"larger vertical", media.Clip{Width: 540, Height: 960, Duration: 2 * time.Second, Audio: true, FPS: 15}},
		{"rotated phone video", media.Clip{Width: 640, Height: 360, Duration: time.Second, Rotation: 90, Audio: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, transcode.Config{})
			ctx := context.Background()
			v := e.ingest(tc.clip, "Hello #Flick and #flick, @friend")
			if v.Status != flick.StatusProcessing || !flick.ValidID(v.ID) || v.Width == 0 {
				t.Fatalf("Ingest returned %+v", v)
			}
			if strings.Join(v.Hashtags, ",") != "flick" || strings.Join(v.Mentions, ",") != "friend" {
				t.Errorf("hashtags %v, mentions %v", v.Hashtags, v.Mentions)
			}
			stop := e.run()
			got := e.waitFor(v.ID, "completion", complete)
			stop()

			if got.Status != flick.StatusReady || got.Progress != 100 || got.PosterKey == "" {
				t.Fatalf("video after transcode: %+v", got)
			}
			ladder := media.Ladder(got.Width, got.Height)
			if len(got.Renditions) != len(ladder) {
				t.Fatalf("renditions %+v, want the ladder %+v", got.Renditions, ladder)
			}
			byName := map[string]flick.Rendition{}
			for _, r := range got.Renditions {
				byName[r.Name] = r
			}
			for _, rung := range ladder {
				r, ok := byName[rung.Name]
				if !ok || r.Width != rung.Width || r.Height != rung.Height || r.Mime != "video/mp4" || r.Size <= 0 || r.Bitrate <= 0 {
					t.Errorf("rendition %s: %+v", rung.Name, r)
					continue
				}
				path, _ := e.blobs.Path(r.Key)
				info, err := media.Probe(ctx, path, time.Minute)
				if err != nil {
					t.Fatalf("%s: %v", r.Name, err)
				}
				if d := info.DurationMS - got.DurationMS; d < -100 || d > 100 {
					t.Errorf("%s lasts %d ms, the video %d ms", r.Name, info.DurationMS, got.DurationMS)
				}
				if info.VideoCodec != "h264" || info.Width != r.Width || info.Height != r.Height || info.HasAudio != tc.clip.Audio ||
					tc.clip.Audio && info.AudioCodec != "aac" {
					t.Errorf("%s probes as %+v", r.Name, info)
				}
				if !faststart(t, path) {
					t.Errorf("%s: moov is not before mdat", r.Name)
				}
			}
			// The poster is the lowest rung's size: what shows until the first
			// frame, light on a slow connection.
			posterPath, _ := e.blobs.Path(got.PosterKey)
			pf, err := os.Open(posterPath)
			if err != nil {
				t.Fatal(err)
			}
			cfg, format, err := image.DecodeConfig(pf)
			pf.Close()
			if err != nil || format != "jpeg" || cfg.Width != ladder[0].Width || cfg.Height != ladder[0].Height {
				t.Errorf("poster %s %dx%d (%v), want jpeg %dx%d", format, cfg.Width, cfg.Height, err, ladder[0].Width, ladder[0].Height)
			}
			// Display orientation: vertical sources stay vertical.
			vertical := tc.clip.Height > tc.clip.Width != (tc.clip.Rotation%180 == 90)
			if (got.Height > got.Width) != vertical {
				t.Errorf("video is %dx%d, want vertical=%v", got.Width, got.Height, vertical)
			}
			want := []string{got.OriginalKey, got.PosterKey}
			for _, r := range got.Renditions {
				want = append(want, r.Key)
			}
			if strings.Join(e.files(), " ") != strings.Join(slices.Sorted(slices.Values(want)), " ") {
				t.Errorf("media files %v, want %v", e.files(), want)
			}
			e.assertNoWorkFiles()
		})
	}
}

// faststart reports whether the MP4's index (moov) comes before its media
// data (mdat), so that playback can start before the download ends.
func faststart(t *testing.T, path string) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off+8 <= len(data); {
		size := int(binary.BigEndian.Uint32(data[off:]))
		switch string(data[off+4 : off+8]) {
		case "moov":
			return true
		case "mdat":
			return false
		}
		if size == 1 {
			size = int(binary.BigEndian.Uint64(data[off+8:]))
		}
		if size < 8 {
			return false
		}
		off += size
	}
	return false
}

func TestIngestRefused(t *testing.T) {
	e := newEnv(t, transcode.Config{MaxDuration: 1500 * time.Millisecond})
	ctx := context.Background()
	text := filepath.Join(e.blobs.TempDir(), "upload-text")
	os.WriteFile(text, []byte("not a video at all"), 0o600)
	short := media.Clip{Width: 240, Height: 426, Duration: time.Second}
	for _, tc := range []struct {
		name, author, caption, path, code, message string
	}{
		{"not a video", e.authorID, "", text, flick.EUNSUPPORTED, "The file is not a video."},
		{"too long", e.authorID, "", e.upload(media.Clip{Width: 240, Height: 426, Duration: 2 * time.Second}), flick.EUNPROCESSABLE, "Videos may be at most 1.5s long."},
		{"caption too long", e.authorID, strings.Repeat("a", flick.MaxCaptionRunes+1), e.upload(short), flick.EUNPROCESSABLE, ""},
		{"control characters", e.authorID, "bad\x00caption", e.upload(short), flick.EINVALID, ""},
		{"unknown author", flick.NewID(time.Now()), "", e.upload(short), flick.ENOTFOUND, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Ingest(ctx, tc.author, flick.Publish{Caption: tc.caption}, tc.path)
			if flick.ErrorCode(err) != tc.code || tc.message != "" && flick.ErrorMessage(err) != tc.message {
				t.Errorf("Ingest = %v, want %s %q", err, tc.code, tc.message)
			}
			if _, err := os.Stat(tc.path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("upload not removed: %v", err)
			}
		})
	}
	videos, _, err := e.store.ListVideos(ctx, flick.VideoFilter{AuthorIDs: []string{e.authorID}, AllStatuses: true}, flick.Page{})
	if err != nil || len(videos) != 0 {
		t.Errorf("refused uploads left videos: %v, %v", videos, err)
	}
	if files := e.files(); len(files) != 0 {
		t.Errorf("refused uploads left media: %v", files)
	}
	e.assertNoWorkFiles()
}

// uploadCut puts a generated clip, rewrapped in the container ext and cut
// to its first frac of bytes, in the upload area: an upload that broke off.
func (e *env) uploadCut(c media.Clip, ext string, frac float64) string {
	e.t.Helper()
	src := e.upload(c)
	defer os.Remove(src)
	out := src + "." + ext
	if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", src, "-c", "copy", out).CombinedOutput(); err != nil {
		e.t.Fatalf("rewrap as %s: %v: %s", ext, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(out, data[:int(float64(len(data))*frac)], 0o600); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// TestIngestCutOff checks that an upload cut off in transfer is refused
// where its container declares a length (Matroska: the report had one
// published with the length of the whole), and that one whose container
// declares none (MPEG-TS) is stored with the length it has, which is the
// length of its renditions.
func TestIngestCutOff(t *testing.T) {
	e := newEnv(t, transcode.Config{})
	ctx := context.Background()
	c := media.Clip{Width: 240, Height: 426, Duration: 4 * time.Second, Audio: true}
	_, err := e.svc.Ingest(ctx, e.authorID, flick.Publish{}, e.uploadCut(c, "mkv", 0.5))
	if flick.ErrorCode(err) != flick.EUNPROCESSABLE || !strings.HasPrefix(flick.ErrorMessage(err), "The file is incomplete: it holds ") {
		t.Errorf("half a Matroska file: %v", err)
	}
	if files := e.files(); len(files) != 0 {
		t.Errorf("refused upload left media: %v", files)
	}

	v, err := e.svc.Ingest(ctx, e.authorID, flick.Publish{}, e.uploadCut(c, "ts", 0.5))
	if err != nil {
		t.Fatal(err)
	}
	if v.DurationMS < 1000 || v.DurationMS > 3000 {
		t.Errorf("half of a 4 s MPEG-TS file accepted as %d ms", v.DurationMS)
	}
	stop := e.run()
	got := e.waitFor(v.ID, "completion", complete)
	stop()
	if got.Status != flick.StatusReady || got.DurationMS != v.DurationMS {
		t.Fatalf("after transcode: %+v", got)
	}
	for _, r := range got.Renditions {
		path, _ := e.blobs.Path(r.Key)
		info, err := media.Probe(ctx, path, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if d := info.DurationMS - got.DurationMS; d < -100 || d > 100 {
			t.Errorf("%s lasts %d ms, the video %d ms", r.Name, info.DurationMS, got.DurationMS)
		}
	}
	e.assertNoWorkFiles()
}

func TestIngestWithoutFFmpeg(t *testing.T) {
	e := newEnv(t, transcode.Config{})
	path := e.upload(media.Clip{Width: 240, Height: 426, Duration: time.Second})
	t.Setenv("PATH", t.TempDir())
	_, err := e.svc.Ingest(context.Background(), e.authorID, flick.Publish{}, path)
	if flick.ErrorCode(err) != flick.EUNAVAILABLE || !strings.Contains(flick.ErrorMessage(err), "ffprobe is not installed") {
		t.Errorf("Ingest = %v", err)
	}
	e.assertNoWorkFiles()
}

// slowClip takes a second or two to transcode, long enough to interrupt.
var slowClip = media.Clip{Width: 720, Height: 1280, Duration: 3 * time.Second, Audio: true}

func TestResumeAfterShutdown(t *testing.T) {
	e := newEnv(t, transcode.Config{})
	ctx := context.Background()
	v := e.ingest(slowClip, "")

	// Shut down during phase 1: the video stays processing, nothing is left.
	stop := e.run()
	e.waitFor(v.ID, "progress", func(v *flick.Video) bool { return v.Progress > 0 || v.Status != flick.StatusProcessing })
	stop()
	got, err := e.store.Video(ctx, v.ID)
	if err != nil || got.Status != flick.StatusProcessing || len(got.Renditions) != 0 {
		t.Fatalf("after shutdown in phase 1: %+v, %v", got, err)
	}
	e.assertNoWorkFiles()

	// Shut down during phase 2: the video is playable but not complete.
	stop = e.run()
	ready := e.waitFor(v.ID, "ready", func(v *flick.Video) bool { return v.Status != flick.StatusProcessing })
	stop()
	got, err = e.store.Video(ctx, v.ID)
	if err != nil || got.Status != flick.StatusReady || got.Complete || len(got.Renditions) != 1 {
		t.Fatalf("after shutdown in phase 2: %+v, %v", got, err)
	}
	e.assertNoWorkFiles()
	lowest, _ := e.blobs.Path(ready.Renditions[0].Key)
	before, err := os.Stat(lowest)
	if err != nil {
		t.Fatal(err)
	}

	// The next start finishes the ladder without redoing phase 1.
	stop = e.run()
	got = e.waitFor(v.ID, "completion", complete)
	stop()
	if got.Status != flick.StatusReady || len(got.Renditions) != len(media.Ladder(got.Width, got.Height)) || got.Attempts != 3 {
		t.Fatalf("after resume: %+v", got)
	}
	after, err := os.Stat(lowest)
	if err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("phase 1 was redone: %v", err)
	}
	e.assertNoWorkFiles()
}

func TestDeleteMidTranscode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		until func(*flick.Video) bool
	}{
		{"in phase 1", func(v *flick.Video) bool { return v.Progress > 0 || v.Status != flick.StatusProcessing }},
		{"in phase 2", func(v *flick.Video) bool { return v.Status != flick.StatusProcessing }},
		{"queued", func(*flick.Video) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, transcode.Config{})
			ctx := context.Background()
			blocker := e.ingest(media.Clip{Width: 240, Height: 426, Duration: time.Second}, "")
			v := e.ingest(slowClip, "")
			stop := e.run()
			defer stop()
			e.waitFor(v.ID, "the moment to delete", tc.until)
			if err := e.svc.Delete(ctx, v.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.store.Video(ctx, v.ID); flick.ErrorCode(err) != flick.ENOTFOUND {
				t.Errorf("video after delete: %v", err)
			}
			// The workers carry on with other videos.
			e.waitFor(blocker.ID, "the other video", complete)
			later := e.ingest(media.Clip{Width: 240, Height: 426, Duration: time.Second}, "")
			e.waitFor(later.ID, "a later video", complete)
			for _, f := range e.files() {
				if strings.Contains(f, v.ID) {
					t.Errorf("left behind: %s", f)
				}
			}
			e.assertNoWorkFiles()
			if err := e.svc.Delete(ctx, v.ID); flick.ErrorCode(err) != flick.ENOTFOUND {
				t.Errorf("deleting again = %v, want ENOTFOUND", err)
			}
		})
	}
}

func TestTranscodeFailure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spoil  func(path string)
		reason string
	}{
		// What ffmpeg said goes to the log, not to the author.
		{"damaged original", func(p string) { os.WriteFile(p, []byte("garbage"), 0o600) }, "The video could not be converted."},
		{"missing original", func(p string) { os.Remove(p) }, "The original upload is missing."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log, err := events.OpenEmbedded(context.Background(), t.TempDir(), "us", slog.New(slog.DiscardHandler), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { log.Close() })
			e := newEnv(t, transcode.Config{Events: log})
			v := e.ingest(media.Clip{Width: 240, Height: 426, Duration: time.Second}, "")
			original, _ := e.blobs.Path(v.OriginalKey)
			tc.spoil(original)
			stop := e.run()
			got := e.waitFor(v.ID, "failure", complete)
			stop()
			if got.Status != flick.StatusFailed || got.Failure != tc.reason {
				t.Errorf("video: status %s, failure %q; want failed with %q", got.Status, got.Failure, tc.reason)
			}
			if len(got.Renditions) != 0 {
				t.Errorf("renditions of a failed video: %+v", got.Renditions)
			}
			e.assertNoWorkFiles()
			if !strings.Contains(gather(t, e.reg), "flick_transcode_failures_total 1") {
				t.Errorf("failure not counted:\n%s", gather(t, e.reg))
			}
			// The log says so, for the author's notification.
			evs, err := log.Read(context.Background(), 0, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 || evs[0].Type != flick.EventFail || evs[0].AccountID != e.authorID || evs[0].VideoID != v.ID {
				t.Errorf("events logged: %+v; want one fail event of the author's video", evs)
			}
		})
	}
}

func TestTooManyAttempts(t *testing.T) {
	e := newEnv(t, transcode.Config{MaxAttempts: 2})
	ctx := context.Background()
	v := e.ingest(media.Clip{Width: 240, Height: 426, Duration: time.Second}, "")
	// Two earlier starts that never finished, as after two crashes.
	for range 2 {
		if _, err := e.store.StartTranscode(ctx, v.ID); err != nil {
			t.Fatal(err)
		}
	}
	stop := e.run()
	got := e.waitFor(v.ID, "failure", complete)
	stop()
	if got.Status != flick.StatusFailed || got.Failure != "Transcoding was interrupted too many times." {
		t.Errorf("video: %s %q", got.Status, got.Failure)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, transcode.Config{})
	v := e.ingest(media.Clip{Width: 240, Height: 426, Duration: time.Second}, "")
	if !strings.Contains(gather(t, e.reg), "flick_transcode_queue_depth 1") {
		t.Errorf("queue depth not 1 before Run:\n%s", gather(t, e.reg))
	}
	stop := e.run()
	e.waitFor(v.ID, "completion", complete)
	stop()
	out := gather(t, e.reg)
	for _, want := range []string{"flick_transcode_queue_depth 0", `flick_transcode_duration_seconds_count{phase="first"} 1`} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q:\n%s", want, out)
		}
	}
}

// gather renders the registry's gauges, counters and histogram counts as
// "name{labels} value" lines.
func gather(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range families {
		for _, m := range f.GetMetric() {
			name, value := f.GetName(), 0.0
			switch {
			case m.Gauge != nil:
				value = m.GetGauge().GetValue()
			case m.Counter != nil:
				value = m.GetCounter().GetValue()
			case m.Histogram != nil:
				name, value = name+"_count", float64(m.GetHistogram().GetSampleCount())
			}
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			if len(labels) > 0 {
				name += "{" + strings.Join(labels, ",") + "}"
			}
			fmt.Fprintf(&b, "%s %g\n", name, value)
		}
	}
	return b.String()
}

// TestCover: the settings chosen at upload are kept; a cover time outside
// the video is refused with nothing left behind; one in the last frame's
// span (no frame starts at or after it) falls back to the default frame
// rather than failing the video; SetCover refuses a bad time and a video
// not ready, changing nothing, and otherwise replaces the poster file.
func TestCover(t *testing.T) {
	e := newEnv(t, transcode.Config{})
	ctx := context.Background()
	c := media.Clip{Width: 144, Height: 256, Duration: 2 * time.Second, FPS: 10}
	past := int64(2500)
	_, err := e.svc.Ingest(ctx, e.authorID, flick.Publish{CoverMS: &past}, e.upload(c))
	if flick.ErrorCode(err) != flick.EUNPROCESSABLE {
		t.Fatalf("cover past the end: %v, want unprocessable", err)
	}
	if files := e.files(); len(files) != 0 {
		t.Fatalf("a refused cover left %v", files)
	}
	e.assertNoWorkFiles()

	stop := e.run()
	defer stop()
	last := int64(1999) // within the video, after the last frame's start (1.9 s)
	v, err := e.svc.Ingest(ctx, e.authorID, flick.Publish{CoverMS: &last, Visibility: flick.VisibilityPrivate, CommentsOff: true}, e.upload(c))
	if err != nil {
		t.Fatal(err)
	}
	if v.CoverMS != last || v.Visibility != flick.VisibilityPrivate || !v.CommentsOff {
		t.Fatalf("ingested settings: cover %d visibility %q comments off %v", v.CoverMS, v.Visibility, v.CommentsOff)
	}
	v = e.waitFor(v.ID, "the video ready", complete)
	if v.Status != flick.StatusReady || v.PosterKey == "" {
		t.Fatalf("a cover in the last frame's span: status %s poster %q (%s)", v.Status, v.PosterKey, v.Failure)
	}

	if err := e.svc.SetCover(ctx, v.ID, v.DurationMS); flick.ErrorCode(err) != flick.EUNPROCESSABLE {
		t.Errorf("SetCover past the end: %v", err)
	}
	if err := e.svc.SetCover(ctx, v.ID, 500); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.Video(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CoverMS != 500 || got.PosterKey == v.PosterKey {
		t.Errorf("after SetCover: cover %d poster %q (was %q)", got.CoverMS, got.PosterKey, v.PosterKey)
	}
	var posters []string
	for _, f := range e.files() {
		if strings.Contains(f, "poster") {
			posters = append(posters, f)
		}
	}
	if len(posters) != 1 || posters[0] != got.PosterKey {
		t.Errorf("poster files %v, want only %s", posters, got.PosterKey)
	}
	e.assertNoWorkFiles()

	// A video still processing (recorded without a queued transcode).
	w := &flick.Video{ID: flick.NewID(time.Now()), AuthorID: e.authorID, CreatedAt: time.Now(), DurationMS: 2000, Width: 144, Height: 256}
	if err := e.store.CreateVideo(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetCover(ctx, w.ID, 500); flick.ErrorCode(err) != flick.ECONFLICT {
		t.Errorf("SetCover of a processing video: %v, want conflict", err)
	}
}

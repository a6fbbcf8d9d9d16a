package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// demoPassword is the password of every demo account, printed in the log so
// that a newcomer can log in as a demo creator.
const demoPassword = "flick-demo-creator"

type demoCreator struct {
	handle, name, bio string
}

var demoCreators = []demoCreator{
	{"aurora", "Aurora Lights", "Gradients, colours and calm. 🌈"},
	{"fractal.fred", "Fractal Fred", "Infinite zoom enthusiast."},
	{"lifeform", "Conway Fan Club", "Cellular automata, daily."},
	{"testcard", "Test Card Tina", "Broadcast nostalgia 📺"},
	{"pixel_pete", "Pixel Pete", "Bars, beeps and good vibes."},
	{"nightbus", "Night Bus", "Short loops for long rides."},
}

// demoVideo describes one generated clip: an ffmpeg lavfi video source (with
// %s replaced by the size), its size, length, audio tone and caption.
type demoVideo struct {
	creator int
	source  string
	w, h    int
	seconds int
	hz      int
	caption string
}

// demoVideos mixes vertical, horizontal and square clips of different lengths.
var demoVideos = []demoVideo{
	{0, "gradients=s=%s:speed=0.03:n=4", 540, 960, 8, 330, "Slow colour drift to start your day #calm #gradients #art"},
	{1, "mandelbrot=s=%s:maxiter=200", 540, 960, 12, 440, "Into the Mandelbrot set 🌀 #fractal #math #zoom"},
	{2, "life=s=135x240:mold=10:r=30:ratio=0.1:death_color=#C83232:life_color=#00ff00,scale=540:960:flags=neighbor", 540, 960, 10, 220, "Glider season #gameoflife #cellular #math"},
	{3, "testsrc2=s=%s", 540, 960, 6, 1000, "Classic test pattern, vertical edition #testcard #retro"},
	{4, "smptehdbars=s=%s,hue=H=2*PI*t/6", 540, 960, 7, 1000, "Bars but make it spin #retro #colours"},
	{5, "cellauto=s=270x480:rule=110:scroll=1,scale=540:960:flags=neighbor", 540, 960, 14, 180, "Rule 110 on the night bus #cellular #loop @lifeform"},
	{0, "colorspectrum=s=%s:type=all,hue=H=2*PI*t/8", 540, 960, 9, 520, "Every colour at once #gradients #rainbow"},
	{1, "sierpinski=s=%s:type=carpet", 540, 960, 8, 660, "Sierpinski carpet, hypnotic #fractal #art"},
	{2, "life=s=240x135:mold=25:r=25:ratio=0.05:life_color=#ffcc00,scale=960:540:flags=neighbor", 960, 540, 9, 260, "Widescreen life #gameoflife"},
	{3, "rgbtestsrc=s=%s,hue=s=1+sin(t)", 720, 720, 5, 800, "Square RGB check #testcard #colours"},
	{4, "testsrc2=s=%s,hue=H=t", 960, 540, 11, 600, "Horizontal test drive #retro #loop"},
	{5, "gradients=s=%s:speed=0.08:c0=#0b1d51:c1=#ff6f91:c2=#ffc75f", 540, 960, 15, 140, "Sunset from the top deck #calm #loop @aurora"},
	{0, "gradients=s=%s:speed=0.05:type=radial", 540, 960, 6, 392, "Radial breathing exercise #calm #breathe"},
	{1, "mandelbrot=s=%s:start_scale=0.5:end_scale=0.001:maxiter=300", 720, 1280, 10, 494, "Deeper zoom in 720p #fractal #zoom"},
	{2, "cellauto=s=270x480:rule=30,scale=540:960:flags=neighbor", 540, 960, 8, 294, "Rule 30 randomness #cellular #math"},
	{3, "smptebars=s=%s", 540, 960, 4, 0, "4 silent seconds of bars #testcard"},
	{4, "colorchart=preset=reference,scale=540:960,hue=H=t/2", 540, 960, 7, 700, "Colour chart check #colours #retro"},
	{5, "sierpinski=s=%s:type=triangle:jump=50", 540, 960, 12, 165, "Triangles after midnight #fractal #loop"},
	{0, "gradients=s=%s:speed=0.02:n=8:c0=#2c7da0:c1=#a9d6e5:c2=#012a4a", 540, 960, 10, 262, "Ocean palette #calm #gradients"},
	{1, "mandelbrot=s=%s:outer=normalized_iteration_count", 540, 960, 9, 587, "Smooth colouring #fractal #art"},
	{2, "life=s=180x320:mold=5:r=20:ratio=0.2,scale=540:960:flags=neighbor", 540, 960, 6, 330, "Crowded petri dish #gameoflife"},
	{3, "testsrc=s=%s", 960, 540, 5, 1200, "Old-school testsrc #testcard #retro"},
	{4, "yuvtestsrc=s=%s,hue=H=-t", 540, 960, 8, 880, "Beep beep, colour check #retro #sound"},
	{5, "gradients=s=%s:speed=0.04:c0=#10002b:c1=#7b2cbf:c2=#e0aaff", 540, 960, 11, 110, "Purple hour #calm #loop"},
}

// seedDemo fills a fresh instance with demo creators, generated videos and
// some engagement, through the public HTTP API at base like any client. It
// runs once per data directory: a marker file records that it finished.
func seedDemo(ctx context.Context, base, data string, regions []string, logger *slog.Logger) error {
	marker := filepath.Join(data, "demo-seeded")
	if _, err := os.Stat(marker); err == nil {
		logger.Info("demo content already present", "data", data)
		return nil
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return errors.New("the demo needs ffmpeg: install it with \"apt-get install ffmpeg\"")
	}
	if err := waitReady(ctx, base); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "flick-demo-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	clients := make([]*apiClient, len(demoCreators))
	for i, c := range demoCreators {
		cl := newAPIClient(base)
		// With several regions, the creators are spread over them.
		region := ""
		if len(regions) > 1 {
			region = regions[i%len(regions)]
		}
		if err := cl.signUp(ctx, c.handle, demoPassword, "1995-06-15", region); err != nil {
			if err := cl.logIn(ctx, c.handle, demoPassword); err != nil { // a rerun after a partial seed
				return fmt.Errorf("demo account %s: %w", c.handle, err)
			}
		}
		if err := cl.do(ctx, "PATCH", "/api/v1/me", map[string]string{"display_name": c.name, "bio": c.bio}, nil); err != nil {
			return fmt.Errorf("demo profile %s: %w", c.handle, err)
		}
		clients[i] = cl
	}
	logger.Info("demo accounts ready", "handles", len(clients), "password", demoPassword)

	// A rerun after an interrupted seed skips what is already there.
	have := map[string]string{} // caption -> video id
	for i, c := range demoCreators {
		var page struct {
			Items []struct{ ID, Caption string } `json:"items"`
		}
		if err := clients[i].do(ctx, "GET", "/api/v1/accounts/"+c.handle+"/videos?limit=50", nil, &page); err != nil {
			return fmt.Errorf("demo videos of %s: %w", c.handle, err)
		}
		for _, v := range page.Items {
			have[v.Caption] = v.ID
		}
	}
	var ids []string
	for i, v := range demoVideos {
		if id, ok := have[v.caption]; ok {
			ids = append(ids, id)
			continue
		}
		path := filepath.Join(work, fmt.Sprintf("demo-%02d.mp4", i))
		if err := generateClip(ctx, path, v); err != nil {
			return fmt.Errorf("generate demo clip %d: %w", i, err)
		}
		id, err := clients[v.creator].upload(ctx, path, v.caption)
		if err != nil {
			return fmt.Errorf("upload demo clip %d: %w", i, err)
		}
		os.Remove(path)
		ids = append(ids, id)
		logger.Info("demo video uploaded", "n", i+1, "of", len(demoVideos), "id", id, "creator", demoCreators[v.creator].handle)
	}

	// A little social life, so that counters, trending and the Following
	// feed have something to show. Only ready videos can be liked.
	for k, id := range ids {
		if _, err := waitVideo(ctx, clients[demoVideos[k].creator], id, 1, 500*time.Millisecond); err != nil {
			return fmt.Errorf("demo video %s: %w", id, err)
		}
	}
	for i, cl := range clients {
		for j := 1; j <= 2; j++ {
			other := demoCreators[(i+j)%len(demoCreators)].handle
			if err := cl.do(ctx, "POST", "/api/v1/accounts/"+other+"/follow", nil, nil); err != nil {
				return fmt.Errorf("demo follow: %w", err)
			}
		}
		for k, id := range ids {
			if (k+i)%3 == 0 {
				if err := cl.do(ctx, "POST", "/api/v1/videos/"+id+"/like", nil, nil); err != nil {
					return fmt.Errorf("demo like: %w", err)
				}
			}
		}
	}
	comments := []string{"This is mesmerising 😍", "How long did this take?", "Watched it five times", "#calm vibes indeed"}
	for k, id := range ids[:8] {
		cl := clients[(k+1)%len(clients)]
		if err := cl.do(ctx, "POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": comments[k%len(comments)]}, nil); err != nil {
			return fmt.Errorf("demo comment: %w", err)
		}
	}
	if err := os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o640); err != nil {
		return err
	}
	logger.Info("demo content ready: open the web app", "url", base, "videos", len(ids))
	return nil
}

// generateClip renders one synthetic clip with a tone (or the source's own
// audio for avsynctest) as a quick H.264/AAC MP4.
func generateClip(ctx context.Context, path string, v demoVideo) error {
	size := fmt.Sprintf("%dx%d", v.w, v.h)
	src := v.source
	if strings.Contains(src, "%s") {
		src = fmt.Sprintf(src, size)
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", src + ",format=yuv420p"}
	if v.hz > 0 {
		args = append(args, "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:beep_factor=2:sample_rate=44100", v.hz))
	}
	args = append(args, "-t", fmt.Sprint(v.seconds), "-r", "30",
		"-c:v", "libx264", "-preset", "ultrafast", "-crf", "26", "-c:a", "aac", "-b:a", "96k", "-shortest", path)
	out, err := exec.CommandContext(ctx, "ffmpeg", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg: %w: %s", err, lastLine(out))
	}
	return nil
}

func lastLine(b []byte) string {
	s := strings.TrimRight(string(b), "\r\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// waitReady polls /readyz until the server answers 200.
func waitReady(ctx context.Context, base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s did not become ready", base)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/flick-video/flick/internal/testenv"
)

// The feed's browser tests: how fast the first frame shows on a slow phone
// connection, and how the feed behaves on a phone and a desktop. The videos
// are demo-like (540×960 test patterns and fractals with a tone, as `flick
// demo` makes them) and go through the real upload and transcode pipeline.

// feedWorld is a server holding demo-like videos by two creators, all of
// them ready (every rendition) and in the anonymous For You feed.
type feedWorld struct {
	*testApp
	creators []*apiClient
	videos   map[string][]string // creator handle -> video IDs, oldest first
}

// feedVideos is how many videos the feed world holds: more than a first
// For You page shows (12), so that the page fetches what the viewer may
// never reach.
const feedVideos = 13

func startFeedWorld(t *testing.T) *feedWorld {
	t.Helper()
	testenv.RequireTool(t, "chromium")
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	ta := startTestAppWith(t, Config{Addr: "127.0.0.1:0", Data: t.TempDir(), MaxUploadBytes: 64 << 20, MaxDuration: time.Minute,
		Workers: 2, LogFormat: "text", LogLevel: slog.LevelWarn})
	w := &feedWorld{testApp: ta, videos: map[string][]string{}}
	handles := []string{"aurora", "fractal.fred"}
	for _, h := range handles {
		w.creators = append(w.creators, ta.user(t, h))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	var ids []string
	for i := range feedVideos {
		dv := demoVideos[i%len(demoVideos)]
		// Demo clips are 4–15 s; 4 s keep the transcodes quick and still
		// weigh what a demo video weighs per second.
		dv.seconds = 4
		dv.w, dv.h = 540, 960
		path := filepath.Join(dir, fmt.Sprintf("clip%d.mp4", i))
		if err := generateClip(ctx, path, dv); err != nil {
			t.Fatal(err)
		}
		c, h := w.creators[i%2], handles[i%2]
		id, err := c.upload(ctx, path, fmt.Sprintf("%s #feedtest #%s", dv.caption, []string{"even", "odd"}[i%2]))
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
		ids = append(ids, id)
		w.videos[h] = append(w.videos[h], id)
	}
	for i, id := range ids {
		// Both rungs of a 540×960 clip (360p, 540p): the phone plays 540p.
		if _, err := waitVideo(ctx, w.creators[i%2], id, 2, 100*time.Millisecond); err != nil {
			t.Fatalf("wait for %s: %v", id, err)
		}
	}
	anon := ta.client()
	eventually(t, "every video in the anonymous For You feed", func() error {
		var all []string
		cursor := ""
		for {
			var p feedPage
			path := "/api/v1/feed/foryou?limit=50"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			if err := anon.do(ctx, "GET", path, nil, &p); err != nil {
				return err
			}
			all = append(all, p.ids()...)
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		for _, id := range ids {
			if !slices.Contains(all, id) {
				return fmt.Errorf("For You has %d videos, not yet %s", len(all), id)
			}
		}
		return nil
	})
	return w
}

// Slow 4G as the issue measured it, passed to Chromium's
// Network.emulateNetworkConditions: 1.6 Mbit/s down (200,000 bytes/s),
// 750 kbit/s up (93,750 bytes/s), 150 ms of latency added to every request.
const (
	slow4GDown    = 1_600_000 / 8
	slow4GUp      = 750_000 / 8
	slow4GLatency = 150
)

// emulateNetworkConditions is the DevTools command by its name: the
// generated client has only its by-rule successor.
var emulateNetworkConditions = cdp.Command[networkConditions, cdp.Empty]{Method: "Network.emulateNetworkConditions"}

type networkConditions struct {
	Offline            bool    `json:"offline"`
	Latency            float64 `json:"latency"`
	DownloadThroughput float64 `json:"downloadThroughput"`
	UploadThroughput   float64 `json:"uploadThroughput"`
}

// firstFrameScript runs before the page's own scripts: it records, in
// milliseconds since navigation started, when a video of the page first
// presents a frame that is playing (its time has moved).
const firstFrameScript = `(() => {
	window.firstFrameMs = null;
	const check = () => {
		for (const v of document.querySelectorAll('video')) {
			if (v.readyState >= 2 && v.currentTime > 0 && !v.paused) {
				window.firstFrameMs = performance.now();
				return;
			}
		}
		requestAnimationFrame(check);
	};
	requestAnimationFrame(check);
})();`

// firstFrame opens the For You page in a fresh phone-sized browser on
// Slow 4G and returns the time from navigation to the first frame played,
// and the bytes of posters that the page had fetched by then.
func firstFrame(t *testing.T, base string) (time.Duration, int) {
	t.Helper()
	b := newBrowser(t, phoneW, phoneH)
	b.do(t, "throttle to Slow 4G", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, emulateNetworkConditions, networkConditions{Latency: slow4GLatency,
			DownloadThroughput: slow4GDown, UploadThroughput: slow4GUp}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: firstFrameScript})
		return err
	}))
	b.do(t, "open For You", chromedp.Navigate(base+"/"))
	b.waitFor(t, "the first frame", `window.firstFrameMs !== null`, 60*time.Second)
	ms, err := strconv.ParseFloat(b.eval(t, `window.firstFrameMs`), 64)
	if err != nil {
		t.Fatal(err)
	}
	// The posters fetched before the first frame (a video's own requests
	// enter the timeline only once they end).
	posters, err := strconv.Atoi(b.eval(t, `performance.getEntriesByType('resource')
		.filter((e) => new URL(e.name).pathname.endsWith('/poster.jpg') && e.startTime < window.firstFrameMs)
		.reduce((n, e) => n + e.transferSize, 0)`))
	if err != nil {
		t.Fatal(err)
	}
	return time.Duration(ms * float64(time.Millisecond)), posters
}

// TestBrowserFeed measures the first frame on Slow 4G (set
// FLICK_FIRST_FRAME_RUNS=N to print the median of N fresh visits) and
// drives the feed on a phone and a desktop.
func TestBrowserFeed(t *testing.T) {
	w := startFeedWorld(t)

	t.Run("first frame on slow 4G", func(t *testing.T) {
		runs := 1
		if s := os.Getenv("FLICK_FIRST_FRAME_RUNS"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				t.Fatalf("FLICK_FIRST_FRAME_RUNS=%q: want a count", s)
			}
			runs = n
		}
		var times []time.Duration
		for i := range runs {
			// A visit per subtest: its browser closes before the next one
			// opens, rather than playing on beside it.
			t.Run(fmt.Sprint("visit ", i+1), func(t *testing.T) {
				d, posters := firstFrame(t, w.URL)
				t.Logf("first frame on Slow 4G: %v (%d bytes of posters fetched before it)", d.Round(10*time.Millisecond), posters)
				times = append(times, d)
			})
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		median := times[len(times)/2]
		fmt.Printf("first frame on Slow 4G (1.6 Mbit/s down, 750 kbit/s up, 150 ms): median %v of %d visits, min %v, max %v\n",
			median.Round(10*time.Millisecond), runs, times[0].Round(10*time.Millisecond), times[len(times)-1].Round(10*time.Millisecond))
		// The goal is under 3 s; a single visit on a machine busy with other
		// work is held to a looser bound, still well under the 5.65 s of the
		// feed that fetched every poster.
		limit := 4 * time.Second
		if runs > 1 {
			limit = 3 * time.Second
		}
		if median > limit {
			t.Errorf("first frame after %v on Slow 4G, want under %v", median, limit)
		}
	})

	t.Run("signed-out visits differ", func(t *testing.T) {
		// Fresh visitors (no cookies) each draw their own first page, made
		// of the instance's videos as For You ranks them.
		var all []string
		for _, ids := range w.videos {
			all = append(all, ids...)
		}
		firsts := map[string]bool{}
		for range 3 {
			var p feedPage
			if err := w.client().do(context.Background(), "GET", "/api/v1/feed/foryou", nil, &p); err != nil {
				t.Fatal(err)
			}
			ids := p.ids()
			if len(ids) < 3 {
				t.Fatalf("a first page of %d videos", len(ids))
			}
			for _, id := range ids {
				if !slices.Contains(all, id) {
					t.Errorf("a first page holds %s, no video of the instance", id)
				}
			}
			firsts[strings.Join(ids[:3], ",")] = true
		}
		if len(firsts) < 2 {
			t.Errorf("three fresh visits all began with %v", firsts)
		}
	})

	t.Run("signed out on a phone", func(t *testing.T) {
		b := newBrowser(t, phoneW, phoneH)
		errs := consoleErrors(b)
		shot := screenshotter(t, b, "feed-phone")
		b.do(t, "open For You", chromedp.Navigate(w.URL+"/"))
		b.waitPlaying(t)
		if got := b.eval(t, `document.querySelector('[data-testid=feed] h1')?.textContent`); got != "For You feed" {
			t.Errorf("the feed's heading %q", got)
		}
		label := b.eval(t, active("")+`.closest('[data-testid=feed-item]').getAttribute('aria-label')`)
		caption := b.eval(t, active("[data-testid=caption]")+`.textContent`)
		if want := "Video by @" + b.eval(t, active("[data-testid=author-link] strong")+`.textContent.slice(1)`) + ": " + caption; label != want {
			t.Errorf("the video's accessible name %q, want %q", label, want)
		}
		// Only the active and the next video have a poster and a source.
		if got := b.eval(t, `[...document.querySelectorAll('[data-testid=feed-video]')].map((v) => (v.getAttribute('poster') ? 'p' : '-') + (v.getAttribute('src') ? 's' : '-')).join(' ')`); !strings.HasPrefix(got, "ps ps") || strings.Count(got, "p") != 2 || strings.Count(got, "s") != 2 {
			t.Errorf("posters and sources by video: %s, want the first two only", got)
		}
		shot("foryou")

		// Every tap target of the feed is at least 44×44.
		for _, sel := range []string{active("[data-testid=follow-button]"), active("a.hashtag"), active("[data-testid=why-button]"), active("[data-testid=like-button]"),
			`document.querySelector('[data-testid=mute-button]')`, `document.querySelector('[data-testid=tab-foryou]')`, `document.querySelector('[data-testid=tab-following]')`} {
			box := b.eval(t, `(() => { const r = `+sel+`.getBoundingClientRect(); return Math.round(r.width) + 'x' + Math.round(r.height); })()`)
			var bw, bh int
			if _, err := fmt.Sscanf(box, "%dx%d", &bw, &bh); err != nil || bw < 44 || bh < 44 {
				t.Errorf("%s is %s, want at least 44x44", sel, box)
			}
		}
		// White on the primary pink reaches WCAG AA.
		if got := b.eval(t, `(() => {
			const b = document.createElement('a'); b.className = 'button primary'; b.textContent = 'x'; document.body.append(b);
			const rgb = (c) => c.match(/\d+/g).slice(0, 3).map(Number);
			const lum = (c) => { const [r, g, bl] = rgb(c).map((x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * bl; };
			const s = getComputedStyle(b); const [a, c] = [lum(s.color), lum(s.backgroundColor)]; b.remove();
			return ((Math.max(a, c) + 0.05) / (Math.min(a, c) + 0.05)).toFixed(2);
		})()`); mustFloat(t, got) < 4.5 {
			t.Errorf("white on the primary button is %s:1, want at least 4.5:1", got)
		}

		// A signed-out double tap asks to log in, once, and shows no heart.
		likes := b.eval(t, active("[data-testid=like-count]")+`.dataset.count`)
		for range 3 {
			b.do(t, "double tap", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=tap-layer]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=tap-layer]`)))
			time.Sleep(100 * time.Millisecond)
		}
		b.waitFor(t, "the log-in prompt", `document.querySelectorAll('[data-testid=toast]').length === 1 && document.querySelector('[data-testid=toast]').textContent.includes('Log in to like')`, 5*time.Second)
		if got := b.eval(t, active(".heart-burst")+`.classList.contains('burst')`); got != "false" {
			t.Error("a signed-out double tap played the heart")
		}
		if got := b.eval(t, active("[data-testid=like-count]")+`.dataset.count`); got != likes {
			t.Errorf("likes %s after a signed-out double tap, want %s", got, likes)
		}
		checkToastClear(t, b)
		shot("toast")

		// Sound on is remembered on the device, not in the tab: with the
		// tab's storage gone (as in a new tab), the feed plays with sound.
		b.do(t, "unmute", chromedp.Click(chromedp.CSS(`[data-testid=mute-button]`)))
		b.waitFor(t, "the sound on", `!`+active("video")+`.muted`, 5*time.Second)
		if got := b.eval(t, `document.querySelectorAll('[data-testid=unmute-hint]').length`); got != "0" {
			t.Error("the feed still has a second unmute control")
		}
		b.eval(t, `sessionStorage.clear()`)
		b.do(t, "reload", chromedp.Reload())
		b.waitPlaying(t)
		if got := b.eval(t, active("video")+`.muted + ' ' + document.querySelector('[data-testid=mute-button]').getAttribute('aria-pressed')`); got != "false true" {
			t.Errorf("a fresh tab: muted, sound button pressed = %s, want false true", got)
		}

		// The scrubber follows a finger's horizontal drag.
		b.do(t, "pause", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=tap-layer]`)))
		b.waitFor(t, "paused", active("video")+`.paused`, 5*time.Second)
		y := mustFloat(t, b.eval(t, `(() => { const r = `+active("[data-testid=scrubber]")+`.getBoundingClientRect(); return r.top + r.height / 2; })()`))
		b.do(t, "drag the scrubber with a finger", touchDrag([][2]float64{{40, y}, {120, y}, {200, y}, {phoneW * 3 / 4, y}}))
		ratio := mustFloat(t, b.eval(t, active("video")+`.currentTime / `+active("video")+`.duration`))
		if ratio < 0.65 || ratio > 0.85 {
			t.Errorf("after a drag to three quarters the video is at %.2f of its length", ratio)
		}
		// Every signed-out page loads without a 401.
		for _, path := range []string{"/@aurora", "/tag/feedtest", "/search", "/following", "/upload", "/login", "/settings"} {
			b.do(t, "open "+path, chromedp.Navigate(w.URL+path))
			b.waitFor(t, path+" rendered", `document.querySelector('main').children.length > 0 && !document.querySelector('main .spinner')`, 10*time.Second)
		}
		// A request that does answer 401, to show that the console would
		// have told.
		b.eval(t, `fetch('/api/v1/me/settings'), 0`)
		time.Sleep(500 * time.Millisecond)
		var unauthorized []string
		for _, e := range errs() {
			if strings.Contains(e, "401") {
				unauthorized = append(unauthorized, e)
			}
		}
		if len(unauthorized) != 1 || !strings.Contains(unauthorized[0], "status of 401") {
			t.Errorf("signed out, the console logged %q, want only the request made to check it", unauthorized)
		}
	})

	t.Run("not interested, undone", func(t *testing.T) {
		b := newBrowser(t, phoneW, phoneH)
		shot := screenshotter(t, b, "feed-phone")
		b.signUp(t, w.URL, "undoer")
		b.waitPlaying(t)
		id := b.eval(t, `document.querySelector('[data-testid=feed-item].active').dataset.videoId`)
		b.do(t, "open the menu", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=more-button]`)))
		b.clickStill(t, "not interested", `[data-testid=not-interested]`)
		b.waitFor(t, "the toast with its undo", fmt.Sprintf(`!document.querySelector('[data-testid=feed-item][data-video-id="%s"]') && document.querySelector('[data-testid=toast-action]')?.textContent === 'Undo'`, id), 10*time.Second)
		shot("not-interested-toast")
		b.do(t, "undo", chromedp.Click(chromedp.CSS(`[data-testid=toast-action]`)))
		b.waitFor(t, "the video back and playing", fmt.Sprintf(`document.querySelector('[data-testid=feed-item].active')?.dataset.videoId === %q`, id), 10*time.Second)
		b.waitPlaying(t)
		// The server took the mark back: a new For You page may show it.
		b.eval(t, `fetch('/api/v1/feed/foryou?limit=50').then((r) => r.json()).then((p) => { window.ids = p.items.map((i) => i.id); }), 0`)
		b.waitFor(t, "a For You page", `Array.isArray(window.ids)`, 10*time.Second)
		if got := b.eval(t, fmt.Sprintf(`window.ids.includes(%q)`, id)); got != "true" {
			t.Errorf("after the undo For You leaves %s out: %s", id, b.eval(t, `window.ids.join()`))
		}
	})

	t.Run("desktop controls", func(t *testing.T) {
		b := newBrowser(t, 1440, 900)
		shot := screenshotter(t, b, "feed-desktop")
		b.do(t, "open For You", chromedp.Navigate(w.URL+"/"))
		b.waitPlaying(t)
		index := func() int {
			return int(mustFloat(t, b.eval(t, `Number(document.querySelector('[data-testid=feed-item].active').dataset.index)`)))
		}
		x := mustFloat(t, b.eval(t, `(() => { const r = `+active(".player")+`.getBoundingClientRect(); return r.left + r.width / 2; })()`))
		// Real wheel events: one notch of a mouse wheel, a trackpad's burst
		// of small deltas, and a notch back each move exactly one video.
		settle := func(what string, from, want int) {
			t.Helper()
			b.waitFor(t, what, fmt.Sprintf(`document.querySelector('[data-testid=feed-item].active')?.dataset.index !== '%d'`, from), 5*time.Second)
			time.Sleep(700 * time.Millisecond) // a second move would show by now
			if got := index(); got != want {
				t.Fatalf("%s: at video %d, want %d", what, got, want)
			}
		}
		start := index()
		b.do(t, "a wheel notch", wheel(x, 450, []float64{100}))
		settle("one notch down", start, start+1)
		burst := make([]float64, 45)
		for i := range burst {
			burst[i] = 2 + float64(len(burst)-i)/3 // a swipe and its inertia
		}
		b.do(t, "a trackpad swipe", wheel(x, 450, burst))
		settle("one trackpad swipe down", start+1, start+2)
		b.do(t, "a wheel notch up", wheel(x, 450, []float64{-100}))
		settle("one notch up", start+2, start+1)
		b.waitPlaying(t)

		// ←/→ seek five seconds.
		b.do(t, "pause", chromedp.KeyEvent(" "))
		b.waitFor(t, "paused", active("video")+`.paused`, 5*time.Second)
		b.eval(t, active("video")+`.currentTime = 0.5`)
		b.do(t, "→", chromedp.KeyEvent(kb.ArrowRight))
		if got := mustFloat(t, b.eval(t, active("video")+`.currentTime`)); got < 3.5 || got > 4 {
			// The clips last 4 s: five seconds on stop at the end.
			t.Errorf("after → at %.2f s, want the end", got)
		}
		b.eval(t, active("video")+`.currentTime = 3`)
		b.do(t, "←", chromedp.KeyEvent(kb.ArrowLeft))
		if got := mustFloat(t, b.eval(t, active("video")+`.currentTime`)); got != 0 {
			t.Errorf("after ← from 3 s at %.2f s, want 0", got)
		}
		// The scrubber follows the mouse.
		box := b.eval(t, `(() => { const r = `+active("[data-testid=scrubber]")+`.getBoundingClientRect(); return [r.left, r.width, r.top + r.height / 2].join(); })()`)
		var left, width, y float64
		if _, err := fmt.Sscanf(box, "%g,%g,%g", &left, &width, &y); err != nil {
			t.Fatal(box, err)
		}
		b.do(t, "drag the scrubber",
			chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, left+width/4, y, chromedp.ButtonLeft),
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, left+width/2, y, chromedp.ButtonLeft),
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, left+width/2, y, chromedp.ButtonLeft))
		if got := mustFloat(t, b.eval(t, active("video")+`.currentTime / `+active("video")+`.duration`)); got < 0.4 || got > 0.6 {
			t.Errorf("after a drag to the middle the video is at %.2f of its length", got)
		}
		// The volume, kept on the device, and full screen.
		mute := b.eval(t, `(() => { const r = document.querySelector('[data-testid=mute-button]').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2].join(); })()`)
		var mx, my float64
		fmt.Sscanf(mute, "%g,%g", &mx, &my)
		b.do(t, "hover the sound", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, mx, my))
		b.waitFor(t, "the volume slider", `document.querySelector('[data-testid=volume]').getBoundingClientRect().height > 60 && document.querySelector('.volume-wrap').getBoundingClientRect().height > 100`, 5*time.Second)
		b.eval(t, `(() => { const v = document.querySelector('[data-testid=volume]'); v.value = 0.4; v.dispatchEvent(new Event('input')); })()`)
		if got := b.eval(t, active("video")+`.volume.toFixed(2) + ' ' + `+active("video")+`.muted + ' ' + localStorage.getItem('flick.volume')`); got != "0.40 false 0.4" {
			t.Errorf("after setting the volume: volume, muted, stored = %s", got)
		}
		shot("controls")
		b.do(t, "share", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=share-button]`)))
		b.waitFor(t, "the share toast", `!!document.querySelector('[data-testid=toast]')`, 5*time.Second)
		checkToastClear(t, b)
		shot("toast")
		b.do(t, "full screen", chromedp.Click(chromedp.CSS(`[data-testid=fullscreen-button]`)))
		b.waitFor(t, "the feed in full screen", `document.fullscreenElement?.dataset.testid === 'feed'`, 5*time.Second)
		b.do(t, "leave full screen", chromedp.Click(chromedp.CSS(`[data-testid=fullscreen-button]`)))
		b.waitFor(t, "full screen left", `document.fullscreenElement === null`, 5*time.Second)
	})

	for _, vp := range []struct {
		name string
		w, h int64
	}{{"phone", phoneW, phoneH}, {"desktop", 1440, 900}} {
		t.Run("a profile's feed on a "+vp.name, func(t *testing.T) {
			b := newBrowser(t, vp.w, vp.h)
			shot := screenshotter(t, b, "context-"+vp.name)
			b.do(t, "open the profile", chromedp.Navigate(w.URL+"/@aurora"))
			b.waitFor(t, "the grid", `document.querySelectorAll('[data-testid=grid-item]').length >= 2`, 20*time.Second)
			grid := strings.Split(b.eval(t, `[...document.querySelectorAll('[data-testid=grid-item]')].map((a) => a.dataset.videoId).join()`), ",")
			b.clickStill(t, "open the second video", `[data-testid=grid-item]:nth-child(2)`)
			b.waitPlaying(t)
			if got := b.eval(t, `location.pathname + location.search`); got != "/v/"+grid[1]+"?from=%40aurora" {
				t.Errorf("address %s", got)
			}
			shot("video")
			// Down the feed: the videos after it on the profile, in its
			// order, and nothing else.
			var seen []string
			for {
				seen = append(seen, b.eval(t, `document.querySelector('[data-testid=feed-item].active').dataset.videoId`))
				if b.eval(t, `String(!document.querySelector('[data-testid=feed-item].active + [data-testid=feed-item]'))`) == "true" &&
					b.eval(t, `document.querySelector('[data-testid=feed-status]').dataset.mode`) == "end" {
					break
				}
				b.do(t, "next", chromedp.KeyEvent(kb.ArrowDown))
				b.waitFor(t, "the next video", fmt.Sprintf(`document.querySelector('[data-testid=feed-item].active')?.dataset.videoId !== %q`, seen[len(seen)-1]), 10*time.Second)
			}
			if want := grid[1:]; !slices.Equal(seen, want) {
				t.Errorf("the feed went through %v, want the profile's %v", seen, want)
			}
			b.do(t, "back", chromedp.Click(chromedp.CSS(`[data-testid=back-button]`)))
			b.waitFor(t, "the profile again", `location.pathname === '/@aurora' && document.querySelectorAll('[data-testid=grid-item]').length >= 2`, 10*time.Second)

			// A hashtag's feed too, opened by its address.
			b.do(t, "open a video of #odd", chromedp.Navigate(w.URL+"/v/"+w.videos["fractal.fred"][len(w.videos["fractal.fred"])-1]+"?from=tag:odd"))
			b.waitPlaying(t)
			b.do(t, "next", chromedp.KeyEvent(kb.ArrowDown))
			b.waitFor(t, "the next #odd video", active("[data-testid=caption]")+`?.textContent.includes('#odd') && `+active("")+`.closest('[data-testid=feed-item]').dataset.index === '1'`, 10*time.Second)
			if got := b.eval(t, `document.querySelector('[data-testid=back-button]').getAttribute('href')`); got != "/tag/odd" {
				t.Errorf("back goes to %s", got)
			}
			b.do(t, "back", chromedp.Click(chromedp.CSS(`[data-testid=back-button]`)))
			b.waitFor(t, "the hashtag page", `location.pathname === '/tag/odd'`, 10*time.Second)
		})
	}
}

// dispatchWheel is Input.dispatchMouseEvent for wheel events, which need
// deltaX even when it is 0 (the generated parameters leave zeros out).
var dispatchWheel = cdp.Command[wheelEvent, cdp.Empty]{Method: input.CommandDispatchMouseEvent}

type wheelEvent struct {
	Type      string  `json:"type"`
	X         float64 `json:"x"`
	Y         float64 `json:"y"`
	DeltaX    float64 `json:"deltaX"`
	DeltaY    float64 `json:"deltaY"`
	Timestamp float64 `json:"timestamp"` // seconds since the epoch
}

// wheel sends mouse wheel events at x, y, one for each delta, stamped 16 ms
// apart (a display frame), as a mouse or a trackpad does: the stamps, not
// how fast a busy machine dispatches them, say when each happened.
func wheel(x, y float64, deltas []float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		start := time.Now()
		for i, d := range deltas {
			at := start.Add(time.Duration(i) * 16 * time.Millisecond)
			if _, err := cdp.Call(ctx, tg, dispatchWheel, wheelEvent{Type: "mouseWheel", X: x, Y: y, DeltaY: d,
				Timestamp: float64(at.UnixMicro()) / 1e6}); err != nil {
				return err
			}
			time.Sleep(time.Until(at.Add(16 * time.Millisecond)))
		}
		return nil
	})
}

// checkToastClear checks that the toast covers neither the active video's
// caption nor its actions.
func checkToastClear(t *testing.T, b *browser) {
	t.Helper()
	if got := b.eval(t, `(() => {
		const t = document.querySelector('[data-testid=toast]').getBoundingClientRect();
		const over = (el) => { const r = el.getBoundingClientRect(); return t.left < r.right && r.left < t.right && t.top < r.bottom && r.top < t.bottom; };
		return [...document.querySelectorAll('[data-testid=feed-item].active .overlay, [data-testid=feed-item].active .actions')].filter(over).map((el) => el.className).join();
	})()`); got != "" {
		t.Errorf("the toast covers %s", got)
	}
}

// consoleErrors collects the errors the page logs (failed requests among
// them) and returns a function that lists them so far.
func consoleErrors(b *browser) func() []string {
	var mu sync.Mutex
	var errs []string
	messages := chromedp.Console(b.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError {
				mu.Lock()
				errs = append(errs, m.Text)
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(errs)
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

// touchDrag puts a finger down at the first point, moves it through the
// others and lifts it.
func touchDrag(points [][2]float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for i, p := range points {
			typ := input.DispatchTouchEventTypeTouchMove
			if i == 0 {
				typ = input.DispatchTouchEventTypeTouchStart
			}
			if _, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ,
				TouchPoints: []*input.TouchPoint{{X: p[0], Y: p[1]}}}); err != nil {
				return err
			}
			time.Sleep(30 * time.Millisecond)
		}
		_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchEnd, TouchPoints: []*input.TouchPoint{}})
		return err
	})
}

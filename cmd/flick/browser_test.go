package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/testenv"

	"github.com/chromedp/chromedp"
)

// The browser tests drive the web app in a real headless Chromium against a
// whole Flick server: the feed plays video, an upload through the page reaches
// ready, liking updates the count, and both a phone and a desktop viewport
// render. Like the other tools, a missing Chromium skips the tests only when
// CI is unset.

const (
	phoneW, phoneH     = 390, 844
	desktopW, desktopH = 1366, 768
	browserTimeout     = 2 * time.Minute
)

// browser is one headless Chromium with a fresh profile. It records uncaught
// JavaScript exceptions and Content Security Policy violations (the shell's
// boot data must not be one) so that a test can fail on them.
type browser struct {
	ctx context.Context

	mu         sync.Mutex
	exceptions []string
	violations []string
}

func newBrowser(t *testing.T, width, height int64) *browser {
	t.Helper()
	path := testenv.RequireTool(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// The feed autoplays muted, which browsers allow anyway; this keeps
		// headless runs independent of Chromium's media engagement heuristics.
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(width), int(height)),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first action starts the browser; it must not run under a timeout
	// that would end the browser with it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &browser{ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			switch {
			case m.Type == chromedp.ConsoleException:
				b.exceptions = append(b.exceptions, m.Text)
			case strings.Contains(m.Text, "Content Security Policy"):
				b.violations = append(b.violations, m.Text)
			}
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.exceptions {
			t.Errorf("uncaught exception in the page: %s", e)
		}
		for _, v := range b.violations {
			t.Errorf("the page broke its Content Security Policy: %s", v)
		}
	})
	return b
}

// do runs steps with the test's time limit.
func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitFor polls a JavaScript expression until it is truthy.
func (b *browser) waitFor(t *testing.T, what, expr string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		t.Fatalf("waiting for %s (%s): %v\npage: %s", what, expr, err, b.eval(t, `document.body.innerText.slice(0, 500)`))
	}
}

// clickStill clicks the element matching sel once it has stayed in place
// between two polls: an item sheet slides in, and a page fills in sections as
// its requests answer, moving what is below them; a click aimed before the
// move lands beside its target.
func (b *browser) clickStill(t *testing.T, what, sel string) {
	t.Helper()
	b.waitFor(t, what+" (in place)", fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		const box = el && JSON.stringify(el.getBoundingClientRect());
		const still = !!box && box === window.lastBox;
		window.lastBox = box;
		return still;
	})()`, sel), 10*time.Second)
	b.do(t, what, chromedp.Click(chromedp.CSS(sel)))
}

func (b *browser) eval(t *testing.T, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return fmt.Sprint(v)
}

// active is a JavaScript expression for the element matching sel inside the
// active feed item, or undefined while there is none.
func active(sel string) string {
	return fmt.Sprintf(`document.querySelector('[data-testid=feed-item].active %s')`, sel)
}

// waitPlaying waits until the active feed video has data and its time moves.
func (b *browser) waitPlaying(t *testing.T) {
	t.Helper()
	b.waitFor(t, "the video to play", active("video")+`?.readyState >= 2 && `+active("video")+`.currentTime > 0.3`, 30*time.Second)
}

// signUp creates an account through the sign-up page and waits until the app
// knows who is signed in.
func (b *browser) signUp(t *testing.T, base, handle string) {
	t.Helper()
	b.do(t, "sign up", fillSignUp(base, handle)...)
	b.waitFor(t, "the signed-in app", fmt.Sprintf(`location.pathname === '/' && document.querySelector('[data-testid=nav-profile]').getAttribute('href') === '/@%s'`, handle), 20*time.Second)
}

// fillSignUp fills in the sign-up page and submits it.
func fillSignUp(base, handle string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/signup"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signup-handle]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signup-handle]`), handle),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signup-password]`), "correct horse battery"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=signup-birthdate]`), "2000-01-01"),
		chromedp.Click(chromedp.CSS(`[data-testid=signup-submit]`)),
	}
}

// fillLogIn opens the log-in page, fills it in and submits it.
func fillLogIn(base, handle, password string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-handle]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-handle]`), handle),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), password),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
	}
}

func TestBrowser(t *testing.T) {
	testenv.RequireTool(t, "chromium")
	app := startTestApp(t)
	creator := app.user(t, "creator")
	v := app.uploadReady(t, creator, "Hello from the browser test #flick @creator")

	// A new video reaches the anonymous For You pool asynchronously.
	anon := app.client()
	eventually(t, "the video in the anonymous For You feed", func() error {
		var p feedPage
		if err := anon.do(context.Background(), "GET", "/api/v1/feed/foryou", nil, &p); err != nil {
			return err
		}
		if !slices.Contains(p.ids(), v.ID) {
			return fmt.Errorf("For You has %v, not %s", p.ids(), v.ID)
		}
		return nil
	})

	t.Run("feed plays on a phone", func(t *testing.T) {
		b := newBrowser(t, phoneW, phoneH)
		b.do(t, "open the feed", chromedp.Navigate(app.URL+"/"))
		b.waitPlaying(t)
		if got := b.eval(t, active("[data-testid=caption]")+`.textContent`); !strings.Contains(got, "Hello from the browser test") {
			t.Errorf("caption %q", got)
		}
		if got := b.eval(t, active("a.hashtag")+`.getAttribute('href')`); got != "/tag/flick" {
			t.Errorf("hashtag link %q, want /tag/flick", got)
		}
		if got := b.eval(t, `getComputedStyle(document.querySelector('[data-testid=tabbar]')).display`); got == "none" {
			t.Error("the phone tab bar is hidden")
		}
		// The video fills the phone's width.
		if got := b.eval(t, active("video")+`.getBoundingClientRect().width`); got != fmt.Sprint(phoneW) {
			t.Errorf("video width %s, want %d", got, phoneW)
		}
		// The feed's parts answer their controls: mute, the comments drawer, pause.
		b.do(t, "unmute", chromedp.Click(chromedp.CSS(`[data-testid=mute-button]`)))
		b.waitFor(t, "the sound on", `document.querySelector('[data-testid=mute-button]').getAttribute('aria-pressed') === 'true' && !`+active("video")+`.muted`, 5*time.Second)
		b.do(t, "open the comments", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=comment-button]`)))
		b.waitFor(t, "the comments drawer", `document.querySelector('[data-testid=comments-drawer]').open && document.querySelector('[data-testid=comments-empty]')`, 10*time.Second)
		if got := b.eval(t, `document.querySelector('[data-testid=comment-input]').maxLength`); got != fmt.Sprint(flick.MaxCommentRunes) {
			t.Errorf("comment maxlength %s, want %d", got, flick.MaxCommentRunes)
		}
		b.do(t, "close the comments", chromedp.Click(chromedp.CSS(`[data-testid=comments-close]`)))
		b.do(t, "pause", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=tap-layer]`)))
		b.waitFor(t, "the video paused", active("video")+`.paused && `+active("[data-testid=tap-layer]")+`.getAttribute('aria-label') === 'Play video'`, 5*time.Second)
		// A page opened inside the app is titled from the routes the server declares.
		b.do(t, "open the hashtag", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active a.hashtag`)))
		b.waitFor(t, "the tag page", `location.pathname === '/tag/flick' && document.title === '#flick · Flick'`, 10*time.Second)
	})

	t.Run("like from the feed updates the count", func(t *testing.T) {
		b := newBrowser(t, phoneW, phoneH)
		b.signUp(t, app.URL, "liker")
		b.waitPlaying(t)
		liked := active("[data-testid=like-count]") + `?.dataset.count === '1' && ` +
			active("[data-testid=like-button]") + `.getAttribute('aria-pressed') === 'true'`
		if before := b.eval(t, active("[data-testid=like-count]")+`.dataset.count`); before != "0" {
			t.Fatalf("likes before %s, want 0", before)
		}
		b.do(t, "like", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=like-button]`)))
		b.waitFor(t, "the liked count", liked, 10*time.Second)
		// The server kept it: a fresh load shows the like.
		b.do(t, "reload", chromedp.Reload())
		b.waitFor(t, "the like after reload", liked, 20*time.Second)
		got, err := creator.video(context.Background(), v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Counts.Likes != 1 {
			t.Errorf("API like count %d, want 1", got.Counts.Likes)
		}
	})

	t.Run("sign up and upload through the page", func(t *testing.T) {
		b := newBrowser(t, phoneW, phoneH)
		b.signUp(t, app.URL, "uploader")
		b.do(t, "upload",
			chromedp.Navigate(app.URL+"/upload"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=upload-caption]`)),
		)
		// The test server runs with a non-default --max-duration and --max-upload.
		if got := b.eval(t, `document.querySelector('[data-testid=upload-limits]').textContent`); !strings.HasSuffix(got, "up to 1\u00a0minute and 64\u00a0MB") {
			t.Errorf("upload limits %q, want the test server's 1 minute and 64 MB", got)
		}
		// A file over --max-upload is refused before it is sent (a sparse
		// file: the page reads only its size).
		big := filepath.Join(t.TempDir(), "big.mp4")
		if err := os.WriteFile(big, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(big, 64<<20+1); err != nil {
			t.Fatal(err)
		}
		b.do(t, "pick a file over the limit", chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=upload-file]`), []string{big}))
		b.waitFor(t, "the refusal", `document.querySelector('[data-testid=upload-error]').textContent.endsWith('the most you can upload is 64\u00a0MB.') && document.querySelector('[data-testid=upload-submit]').disabled`, 5*time.Second)
		b.do(t, "pick and caption a video",
			chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=upload-file]`), []string{clip(t, 240, 426, 2)}),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=upload-caption]`), "Made in a browser #upload"),
		)
		b.waitFor(t, "the caption count", `document.querySelector('[data-testid=caption-count]').textContent.startsWith('25/')`, 5*time.Second)
		b.do(t, "post", chromedp.Click(chromedp.CSS(`[data-testid=upload-submit]`)))
		b.waitFor(t, "the upload bar", `document.querySelector('[data-testid=upload-progress]').value === 100`, time.Minute)
		b.waitFor(t, "processing to finish", `document.querySelector('[data-testid=processing-status]').dataset.status === 'ready'`, 90*time.Second)
		if got := b.eval(t, `document.querySelector('[data-testid=processing-progress]').value`); got != "100" {
			t.Errorf("processing bar at %s, want 100", got)
		}
		if got := b.eval(t, `document.querySelector('[data-testid=upload-error]').hidden`); got != "true" {
			t.Errorf("an upload error is shown: %s", b.eval(t, `document.querySelector('[data-testid=upload-error]').textContent`))
		}
		b.do(t, "open the video", chromedp.Click(chromedp.CSS(`[data-testid=video-link]`)))
		b.waitFor(t, "the video page", `location.pathname.startsWith('/v/')`, 10*time.Second)
		b.waitPlaying(t)
		if got := b.eval(t, active("[data-testid=caption]")+`.textContent`); got != "Made in a browser #upload" {
			t.Errorf("caption %q", got)
		}
	})

	t.Run("sign-up checks handles as the server does", func(t *testing.T) {
		b := newBrowser(t, phoneW, phoneH)
		b.do(t, "try a bad handle", fillSignUp(app.URL, "@A..b")...)
		b.waitFor(t, "the refusal", `document.querySelector('[data-testid=form-error]')?.textContent.includes('no dot at the end or next to another')`, 5*time.Second)
		if got := b.eval(t, `performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/v1/accounts')).length`); got != "0" {
			t.Errorf("the bad handle was sent to the server (%s requests)", got)
		}
		if got := b.eval(t, `document.querySelector('[data-testid=signup-handle]').maxLength`); got != fmt.Sprint(flick.MaxHandleLen) {
			t.Errorf("handle maxlength %s, want %d", got, flick.MaxHandleLen)
		}
		// The page's check, with the pattern and bounds from the boot data,
		// agrees with the server's on short strings and on ones around the
		// length bounds.
		var corpus []string
		var all func(prefix string, n int)
		all = func(prefix string, n int) {
			corpus = append(corpus, prefix)
			if n == 0 {
				return
			}
			for _, c := range []string{"a", "z", "0", "9", "_", ".", "A", "@", " ", "-", "é"} {
				all(prefix+c, n-1)
			}
		}
		all("", 3)
		for _, n := range []int{1, 2, 29, 30, 31} {
			corpus = append(corpus, strings.Repeat("a", n), strings.Repeat("a.", n/2)+"b", "@"+strings.Repeat("B", n))
		}
		js, err := json.Marshal(corpus)
		if err != nil {
			t.Fatal(err)
		}
		b.eval(t, `import(document.querySelector('link[rel=modulepreload][href$="/handle.js"]').href).then((m) => {
			window.verdicts = `+string(js)+`.map((s) => m.validHandle(m.normalizeHandle(s)));
		}), 0`)
		b.waitFor(t, "the page's verdicts", `Array.isArray(window.verdicts)`, 5*time.Second)
		var verdicts []bool
		if err := json.Unmarshal([]byte(b.eval(t, `JSON.stringify(window.verdicts)`)), &verdicts); err != nil || len(verdicts) != len(corpus) {
			t.Fatalf("verdicts %v (%v), want %d", verdicts, err, len(corpus))
		}
		for i, s := range corpus {
			if want := flick.ValidateHandle(flick.NormalizeHandle(s)) == nil; verdicts[i] != want {
				t.Errorf("the page says %q is a valid handle: %v, the server: %v", s, verdicts[i], want)
			}
		}
	})

	t.Run("desktop renders", func(t *testing.T) {
		b := newBrowser(t, desktopW, desktopH)
		b.do(t, "open the feed", chromedp.Navigate(app.URL+"/"))
		b.waitPlaying(t)
		if got := b.eval(t, `getComputedStyle(document.querySelector('[data-testid=sidenav]')).display`); got == "none" {
			t.Error("the desktop side navigation is hidden")
		}
		if got := b.eval(t, `getComputedStyle(document.querySelector('[data-testid=tabbar]')).display`); got != "none" {
			t.Errorf("the phone tab bar shows on desktop (display %s)", got)
		}
		// The player is a centred vertical column that fits the window.
		box := b.eval(t, `(() => { const r = `+active(".player")+`.getBoundingClientRect(); return [r.height <= innerHeight, r.width < r.height, r.width > 200].join() })()`)
		if box != "true,true,true" {
			t.Errorf("player box checks %s, want true,true,true", box)
		}
		b.do(t, "open the profile", chromedp.Navigate(app.URL+"/@creator"))
		b.waitFor(t, "the profile grid", `document.querySelectorAll('[data-testid=grid-item]').length >= 1 && document.querySelector('[data-testid=profile-handle]').textContent === '@creator'`, 20*time.Second)
	})
	t.Run("why this video and not interested", func(t *testing.T) {
		second := app.uploadReady(t, creator, "A second video #flick")
		eventually(t, "both videos in the anonymous For You feed", func() error {
			var p feedPage
			if err := anon.do(context.Background(), "GET", "/api/v1/feed/foryou", nil, &p); err != nil {
				return err
			}
			if ids := p.ids(); !slices.Contains(ids, v.ID) || !slices.Contains(ids, second.ID) {
				return fmt.Errorf("For You has %v, want %s and %s", ids, v.ID, second.ID)
			}
			return nil
		})
		b := newBrowser(t, phoneW, phoneH)
		b.signUp(t, app.URL, "picky")
		b.waitFor(t, "an active feed item", active("[data-testid=why-button]"), 20*time.Second)

		b.do(t, "open Why this video?", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=why-button]`)))
		b.waitFor(t, "the reasons sheet", `document.querySelector('[data-testid=item-sheet]').open && document.querySelectorAll('[data-testid=why-reason]').length > 0`, 5*time.Second)
		if got := b.eval(t, `document.querySelector('[data-testid=why-reason]').textContent`); got == "" {
			t.Error("the first reason is empty")
		}
		b.do(t, "close the sheet", chromedp.Click(chromedp.CSS(`[data-testid=sheet-close]`)))

		dismissed := b.eval(t, `document.querySelector('[data-testid=feed-item].active').dataset.videoId`)
		b.do(t, "open the menu", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=more-button]`)))
		b.waitFor(t, "the menu", `document.querySelector('[data-testid=item-sheet]').open`, 5*time.Second)
		b.clickStill(t, "not interested", `[data-testid=not-interested]`)
		gone := fmt.Sprintf(`!document.querySelector('[data-testid=feed-item][data-video-id="%s"]')`, dismissed)
		b.waitFor(t, "the item to leave the feed", gone+` && document.querySelector('[data-testid=toast]')?.textContent.includes('fewer videos like this')`, 10*time.Second)
		b.waitFor(t, "the next video to take its place", active("video")+` !== null && `+active("video")+` !== undefined`, 10*time.Second)

		// The next For You page, as the app would load it, leaves it out.
		b.eval(t, `fetch('/api/v1/feed/foryou').then((r) => r.json()).then((p) => { window.nextPage = p.items.map((i) => i.id); }), 0`)
		b.waitFor(t, "the next For You page", `Array.isArray(window.nextPage)`, 10*time.Second)
		if got := b.eval(t, `window.nextPage.join(',')`); strings.Contains(got, dismissed) || got == "" {
			t.Errorf("next For You page %q, want videos but not %s", got, dismissed)
		}
		b.do(t, "reload", chromedp.Reload())
		b.waitFor(t, "the feed after reload", `document.querySelectorAll('[data-testid=feed-item]').length > 0`, 20*time.Second)
		if got := b.eval(t, gone); got != "true" {
			t.Errorf("after a reload the feed shows %s again", dismissed)
		}
	})
	t.Run("feed settings", func(t *testing.T) {
		b := newBrowser(t, desktopW, desktopH)
		b.signUp(t, app.URL, "tuner")
		b.waitFor(t, "an active feed item", active("[data-testid=more-button]"), 20*time.Second)
		author := b.eval(t, active("[data-testid=author-link]")+`.getAttribute('href')`) // "/@handle"
		b.do(t, "open the menu", chromedp.Click(chromedp.CSS(`[data-testid=feed-item].active [data-testid=more-button]`)))
		b.clickStill(t, "hide the creator", `[data-testid=hide-creator]`)
		b.waitFor(t, "the creator's videos to leave the feed", fmt.Sprintf(`![...document.querySelectorAll('[data-testid=author-link]')].some((a) => a.getAttribute('href') === '%s')`, author), 10*time.Second)

		b.do(t, "open the settings", chromedp.Navigate(app.URL+"/settings"))
		b.waitFor(t, "the hidden creator", fmt.Sprintf(`document.querySelector('[data-testid=hidden-account]')?.textContent.includes('%s')`, author[1:]), 10*time.Second)
		b.do(t, "add a keyword filter",
			chromedp.SendKeys(chromedp.CSS(`[data-testid=keyword-input]`), "  #Spoilers "),
			chromedp.Click(chromedp.CSS(`[data-testid=keyword-add]`)))
		b.waitFor(t, "the keyword chip", `[...document.querySelectorAll('[data-testid=keyword-chip]')].map((c) => c.textContent).join() === 'spoilers'`, 10*time.Second)
		b.do(t, "turn personalisation off", chromedp.Click(chromedp.CSS(`[data-testid=nonpersonal-toggle]`)))
		b.do(t, "refresh For You",
			chromedp.Click(chromedp.CSS(`[data-testid=reset-button]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=reset-confirm]`)),
			chromedp.Click(chromedp.CSS(`[data-testid=reset-confirm-button]`)))
		b.waitFor(t, "the reset toast", `[...document.querySelectorAll('[data-testid=toast]')].some((t) => t.textContent.includes('starts fresh'))`, 10*time.Second)
		// The toasts sit over the bottom of the page; a click waits for them to go.
		b.waitFor(t, "the toasts to go", `!document.querySelector('[data-testid=toast]')`, 10*time.Second)
		b.do(t, "unhide", chromedp.Click(chromedp.CSS(`[data-testid=unhide-button]`)))
		b.waitFor(t, "an empty hidden list", `!document.querySelector('[data-testid=hidden-account]')`, 10*time.Second)

		// The server kept it all.
		b.eval(t, `fetch('/api/v1/me/settings').then((r) => r.json()).then((s) => { window.saved = JSON.stringify(s); }), 0`)
		b.waitFor(t, "the saved settings", `typeof window.saved === 'string'`, 10*time.Second)
		if got := b.eval(t, `window.saved`); got != `{"non_personalized":true,"keyword_filters":["spoilers"]}` {
			t.Errorf("saved settings %s", got)
		}
	})
}

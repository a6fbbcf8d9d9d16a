package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/testenv"
)

// TestBrowserSocial walks the social graph people see, sharing and the
// installable app, in Chromium on a phone and a desktop against a whole
// server: the follower and following counts open their lists, where a
// follow works; the Liked tab shows to its owner and, once public, to
// others; a profile's share button copies its link where the device has
// no share sheet and uses the share sheet where it has one; shared pages
// carry link previews; with the server stopped a reload shows the offline
// page, and a deploy of changed static files brings up "New version
// available", whose Reload moves the app to the new version. With
// FLICK_SCREENSHOTS set to a folder, each screen is saved there.
func TestBrowserSocial(t *testing.T) {
	testenv.RequireTool(t, "chromium")
	testenv.RequireTool(t, "ffmpeg")
	ctx := context.Background()
	addr, data := freeAddr(t), t.TempDir()
	cfg := Config{Addr: addr, Data: data, MaxUploadBytes: 64 << 20, MaxDuration: time.Minute, Workers: 1, LogFormat: "text", LogLevel: slog.LevelWarn}
	ta := startTestAppWith(t, cfg)

	maya := ta.user(t, "maya")
	bio := `Sunsets & "long" takes <b>daily</b>`
	if err := maya.do(ctx, "PATCH", "/api/v1/me", map[string]string{"display_name": "Maya <Films>", "bio": bio}, nil); err != nil {
		t.Fatal(err)
	}
	caption := `Golden hour "at" <the> pier & more #sunset`
	video := ta.uploadReady(t, maya, caption)
	fans := map[string]*apiClient{}
	for _, h := range []string{"fan_one", "fan_two"} {
		fans[h] = ta.user(t, h)
		if err := fans[h].do(ctx, "POST", "/api/v1/accounts/maya/follow", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := maya.do(ctx, "POST", "/api/v1/accounts/fan_one/follow", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*apiClient{fans["fan_one"], maya} {
		if err := c.do(ctx, "POST", "/api/v1/videos/"+video.ID+"/like", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := fans["fan_one"].do(ctx, "PATCH", "/api/v1/me", map[string]bool{"likes_public": true}, nil); err != nil {
		t.Fatal(err)
	}

	t.Run("link previews", func(t *testing.T) { checkLinkPreviews(t, ta.URL, video.ID, caption, bio) })

	views := []struct {
		name string
		w, h int64
		b    *browser
	}{{"phone", phoneW, phoneH, nil}, {"desktop", 1440, 900, nil}}
	for i := range views {
		vp := &views[i]
		// The browsers outlive their subtests: the offline and update
		// checks below use them after the server stops.
		vp.b = newBrowser(t, vp.w, vp.h)
		t.Run(vp.name, func(t *testing.T) {
			b, shot := vp.b, screenshotter(t, vp.b, "social-"+vp.name)
			viewer := "viewer_" + vp.name
			b.signUp(t, ta.URL, viewer)

			// maya's profile: the counts open the lists, newest first.
			b.do(t, "open maya's profile", chromedp.Navigate(ta.URL+"/@maya"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=follower-count-button]`)))
			b.waitFor(t, "the video grid", `document.querySelectorAll('[data-testid=grid-item]').length === 1`, 10*time.Second)
			if n := b.eval(t, `document.querySelectorAll('[data-testid=profile-tab-liked]').length`); n != "0" {
				t.Error("maya's private likes have a Liked tab for others")
			}
			if got := b.eval(t, `document.querySelector('[data-testid=follower-count-button]').textContent`); got != "2 Followers" {
				t.Errorf("follower count %q", got)
			}
			shot("profile")
			b.clickStill(t, "open the followers", `[data-testid=follower-count-button]`)
			b.waitFor(t, "the followers", `[...document.querySelectorAll('[data-testid=account-row]')].map((r) => r.dataset.handle).join() === 'fan_two,fan_one'`, 10*time.Second)
			shot("followers")
			b.clickStill(t, "follow fan_one from the list", `[data-testid=account-row][data-handle=fan_one] [data-testid=list-follow-button]`)
			b.waitFor(t, "the button to say so", `document.querySelector('[data-testid=account-row][data-handle=fan_one] [data-testid=list-follow-button]').getAttribute('aria-pressed') === 'true'`, 10*time.Second)
			b.waitFor(t, "the follow stored", fmt.Sprintf(`(async () => (await (await fetch('/api/v1/accounts/%s/following')).json()).items.map((a) => a.handle).join() === 'fan_one')()`, viewer), 10*time.Second)
			b.do(t, "close the list", chromedp.Click(chromedp.CSS(`.account-sheet [data-testid=sheet-close]`)))
			b.clickStill(t, "open the following", `[data-testid=following-count-button]`)
			b.waitFor(t, "whom maya follows", `[...document.querySelectorAll('[data-testid=account-row]')].map((r) => r.dataset.handle).join() === 'fan_one' && document.querySelector('[data-testid=list-follow-button]').textContent === 'Following'`, 10*time.Second)
			b.clickStill(t, "open fan_one from the list", `[data-testid=account-row][data-handle=fan_one] a`)
			b.waitFor(t, "fan_one's profile, the list closed", `location.pathname === '/@fan_one' && document.querySelector('[data-testid=profile-handle]')?.textContent === '@fan_one' && !document.querySelector('dialog[open]')`, 10*time.Second)
			b.do(t, "back to maya", chromedp.Navigate(ta.URL+"/@maya"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=profile-share-button]`)))

			// Share: this Chromium has no share sheet, so the link is copied.
			if b.eval(t, `typeof navigator.share`) != "undefined" {
				t.Fatal("this Chromium has navigator.share: the copy fallback is not what runs")
			}
			origin := "http://" + addr
			for _, name := range []string{"clipboard-read", "clipboard-write"} {
				if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
					Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted, Origin: origin}); err != nil {
					t.Fatal(err)
				}
			}
			b.clickStill(t, "share the profile", `[data-testid=profile-share-button]`)
			b.waitFor(t, "the toast", `[...document.querySelectorAll('[data-testid=toast]')].some((e) => e.textContent === 'Link copied to clipboard.')`, 5*time.Second)
			shot("share-copied")
			b.waitFor(t, "the link on the clipboard", fmt.Sprintf(`navigator.clipboard.readText().then((s) => s === %q)`, origin+"/@maya"), 5*time.Second)
			// Where the device has a share sheet, it gets the link instead
			// (a stand-in for the sheet Chromium on Linux lacks).
			b.eval(t, `navigator.share = (d) => { window.shared = d; return Promise.resolve(); }, document.querySelectorAll('[data-testid=toast]').forEach((e) => e.remove())`)
			b.clickStill(t, "share again", `[data-testid=profile-share-button]`)
			b.waitFor(t, "the share sheet to get the link", fmt.Sprintf(`window.shared?.url === %q && !document.querySelector('[data-testid=toast]')`, origin+"/@maya"), 5*time.Second)

			// fan_one made their likes public: the Liked tab shows maya's video.
			b.do(t, "open fan_one's profile", chromedp.Navigate(ta.URL+"/@fan_one"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=profile-tab-liked]`)))
			b.clickStill(t, "open the Liked tab", `[data-testid=profile-tab-liked]`)
			b.waitFor(t, "the liked video", fmt.Sprintf(`document.querySelector('[data-testid=liked-grid] [data-testid=grid-item]')?.dataset.videoId === %q`, video.ID), 10*time.Second)
			shot("liked-public")

			// The viewer's own Liked tab: empty, then with the video once liked.
			b.waitFor(t, "a like of maya's video", fmt.Sprintf(`fetch('/api/v1/videos/%s/like', {method: 'POST'}).then((r) => r.ok)`, video.ID), 10*time.Second)
			b.do(t, "open my profile", chromedp.Navigate(ta.URL+"/@"+viewer), chromedp.WaitVisible(chromedp.CSS(`[data-testid=profile-tab-liked]`)))
			b.clickStill(t, "open my Liked tab", `[data-testid=profile-tab-liked]`)
			b.waitFor(t, "my liked video", `document.querySelectorAll('[data-testid=liked-grid] [data-testid=grid-item]').length === 1`, 10*time.Second)
			if got := b.eval(t, `document.querySelector('[data-testid=following-count-button]').textContent`); got != "1 Following" {
				t.Errorf("my following count %q", got)
			}
			shot("liked-own")
			anon := ta.client()
			if err := anon.do(ctx, "GET", "/api/v1/accounts/"+viewer+"/liked", nil, nil); !isStatus(err, http.StatusForbidden) {
				t.Errorf("anonymous read of private likes: %v, want 403", err)
			}
			b.do(t, "open settings", chromedp.Navigate(ta.URL+"/settings"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=likes-public-toggle]`)))
			b.clickStill(t, "make my likes public", `[data-testid=likes-public-toggle]`)
			b.waitFor(t, "the toast", `[...document.querySelectorAll('[data-testid=toast]')].some((e) => e.textContent.startsWith('Everyone can now see'))`, 5*time.Second)
			b.do(t, "look at the setting", chromedp.ScrollIntoView(chromedp.CSS(`[data-testid=likes-settings]`)))
			shot("settings-likes")
			if err := anon.do(ctx, "GET", "/api/v1/accounts/"+viewer+"/liked", nil, nil); err != nil {
				t.Errorf("anonymous read of public likes: %v", err)
			}

			// The service worker is in control before the server goes.
			b.do(t, "open For You", chromedp.Navigate(ta.URL+"/"))
			b.waitFor(t, "the service worker", `!!navigator.serviceWorker.controller`, 20*time.Second)
		})
	}

	// Stop the server: a reload shows Flick's offline page.
	if t.Failed() {
		return
	}
	ta.Stop()
	for _, vp := range views {
		b := vp.b
		b.do(t, "reload offline", chromedp.Reload())
		b.waitFor(t, "the offline page", `document.querySelector('[data-testid=offline-page]') && document.title === 'You’re offline · Flick'`, 10*time.Second)
		screenshotter(t, b, "social-"+vp.name)("offline")
	}

	// Deploy a changed app on the same address: the running app offers the
	// new version, and Reload moves it there.
	cfg.webStatic = changedStatic(t)
	ta2 := startTestAppWith(t, cfg)
	for _, vp := range views {
		b := vp.b
		b.do(t, "open the app again", chromedp.Navigate(ta2.URL+"/@maya"))
		b.waitFor(t, "the update prompt", `document.querySelector('[data-testid=update-prompt]')?.textContent === 'New version availableReload'`, 20*time.Second)
		screenshotter(t, b, "social-"+vp.name)("update")
		b.do(t, "reload into it", chromedp.Click(chromedp.CSS(`[data-testid=update-reload]`)))
		// The page reloaded under the new worker, which dropped the old
		// version's cache.
		b.waitThroughReload(t, "the new version in control", `(async () => !document.querySelector('[data-testid=update-prompt]') &&
			!!document.querySelector('[data-testid=profile]') && !!navigator.serviceWorker.controller &&
			(await caches.keys()).join() === 'flick-' + document.querySelector('link[rel=stylesheet]').href.split('/')[4])()`, 20*time.Second)
	}
}

// waitThroughReload polls expr until it is true, as waitFor does, across
// the page reloading meanwhile (whose evaluations fail).
func (b *browser) waitThroughReload(t *testing.T, what, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v (last error %v)", what, ok, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// changedStatic is the web app's static files with a changed stylesheet:
// another asset version.
func changedStatic(t *testing.T) fs.FS {
	t.Helper()
	src := os.DirFS("../../internal/web/static")
	out := fstest.MapFS{}
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(src, p)
		if p == "app.css" {
			body = append(body, "\n/* the next deploy */\n"...)
		}
		out[p] = &fstest.MapFile{Data: body, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var metaRE = regexp.MustCompile(`<meta (property|name)="([^"]+)" content="([^"]*)">`)

// metaTags fetches a page and returns its status and its Open Graph and
// Twitter tags, unescaped.
func metaTags(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, m := range metaRE.FindAllStringSubmatch(string(body), -1) {
		if regexp.MustCompile(`^(og|twitter|profile):`).MatchString(m[2]) {
			tags[m[2]] = html.UnescapeString(m[3])
		}
	}
	return resp.StatusCode, tags
}

func checkLinkPreviews(t *testing.T, base, id, caption, bio string) {
	var v struct {
		PosterURL  string `json:"poster_url"`
		Renditions []struct {
			Width, Height int
			URL, Mime     string
		} `json:"renditions"`
	}
	if err := newAPIClient(base).do(context.Background(), "GET", "/api/v1/videos/"+id, nil, &v); err != nil {
		t.Fatal(err)
	}
	best := v.Renditions[0]
	for _, r := range v.Renditions {
		if r.Width*r.Height > best.Width*best.Height {
			best = r
		}
	}
	status, tags := metaTags(t, base+"/v/"+id)
	want := map[string]string{
		"og:type": "video.other", "og:title": "Maya <Films> (@maya) on Flick", "og:description": caption,
		"og:url": base + "/v/" + id, "og:image": base + v.PosterURL,
		"og:video": base + best.URL, "og:video:type": best.Mime,
		"og:video:width": strconv.Itoa(best.Width), "og:video:height": strconv.Itoa(best.Height),
		"twitter:card": "summary_large_image", "twitter:image": base + v.PosterURL,
	}
	if status != http.StatusOK {
		t.Errorf("/v/%s: %d", id, status)
	}
	for k, w := range want {
		if tags[k] != w {
			t.Errorf("video %s = %q, want %q", k, tags[k], w)
		}
	}
	// The URLs the preview names are real: the poster and the video play.
	for url, ct := range map[string]string{tags["og:image"]: "image/jpeg", tags["og:video"]: "video/mp4"} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ct {
			t.Errorf("%s: %d %s, want 200 %s", url, resp.StatusCode, resp.Header.Get("Content-Type"), ct)
		}
	}

	status, tags = metaTags(t, base+"/@maya")
	want = map[string]string{"og:type": "profile", "og:title": "Maya <Films> (@maya) on Flick", "og:description": bio,
		"og:url": base + "/@maya", "profile:username": "maya", "twitter:card": "summary"}
	if status != http.StatusOK {
		t.Errorf("/@maya: %d", status)
	}
	for k, w := range want {
		if tags[k] != w {
			t.Errorf("profile %s = %q, want %q", k, tags[k], w)
		}
	}
	for _, path := range []string{"/v/" + flick.NewID(time.Now()), "/@nobody_here"} {
		if status, tags := metaTags(t, base+path); status != http.StatusNotFound || len(tags) != 0 {
			t.Errorf("%s: %d with tags %v, want 404 without", path, status, tags)
		}
	}
}

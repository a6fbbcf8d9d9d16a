package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/flick-video/flick/internal/testenv"
)

// TestBrowserVideoSettings drives a creator's control over their videos in
// Chromium: on a phone (390×844) and a small phone (360×640) the upload and
// processing progress show without scrolling once Post is tapped, and the
// cover chosen with the scrubber is the poster served (its pixels compared
// with the frames ffmpeg decodes at that time and at the default one); from
// the feed's "…" menu, Edit changes the caption, Pin puts the video at the
// top of the profile and Delete removes it from the feed and the profile;
// on a desktop (1440×900) a dropped file is taken, and an upload cut off by
// the network is kept on the device and resumed. With FLICK_SCREENSHOTS set
// to a folder, each screen is saved there.
func TestBrowserVideoSettings(t *testing.T) {
	testenv.RequireTool(t, "chromium")
	app := startTestApp(t)
	maker := app.user(t, "maker")
	older := app.uploadReady(t, maker, "The older one")
	ctx := context.Background()
	source := clip(t, 240, 426, 4)
	var posted string

	for _, vp := range []struct {
		name string
		w, h int64
	}{{"phone", phoneW, phoneH}, {"small", 360, 640}} {
		t.Run("upload on a "+vp.name, func(t *testing.T) {
			b := newBrowser(t, vp.w, vp.h)
			shot := screenshotter(t, b, "videoset-"+vp.name)
			b.logIn(t, app.URL, "maker")
			b.do(t, "open the upload page", chromedp.Navigate(app.URL+"/upload"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=upload-caption]`)))
			// The Upload tab is the current one: its icon keeps its colour,
			// not the key's (the middle of the key's gradient), in either theme.
			if got := b.eval(t, `(() => {
				const s = getComputedStyle(document.querySelector('.tab-upload'));
				const key = s.backgroundImage.match(/rgb\([^)]*\)/g)[1];
				return s.color === key ? 'icon and key both ' + key : 'ok';
			})()`); got != "ok" {
				t.Errorf("the current Upload tab's icon vanishes: %s", got)
			}
			// Both bars, and later the error and Post, in the viewport above
			// the tab bar, without scrolling.
			onScreen := func(sel string) string {
				return fmt.Sprintf(`(() => {
				const limit = document.querySelector('[data-testid=tabbar]').getBoundingClientRect().top;
				return [...document.querySelectorAll(%q)]
					.every((el) => { const r = el.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= limit; });
			})()`, sel)
			}
			if vp.name == "small" {
				// A file that is no video: no empty preview, and the refusal
				// and the Post button on screen.
				bad := filepath.Join(t.TempDir(), "notes.mp4")
				if err := os.WriteFile(bad, []byte("these are notes, not a video"), 0o644); err != nil {
					t.Fatal(err)
				}
				b.do(t, "pick a bad file", chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=upload-file]`), []string{bad}))
				b.waitFor(t, "no preview", `!document.querySelector('[data-testid=preview-note]').hidden && document.querySelector('.upload-preview').hidden`, 10*time.Second)
				b.eval(t, `document.querySelector('[data-testid=upload-submit]').scrollIntoView({ block: 'center' })`)
				b.do(t, "post it", chromedp.Click(chromedp.CSS(`[data-testid=upload-submit]`)))
				b.waitFor(t, "the refusal on screen", `!document.querySelector('[data-testid=upload-error]').hidden && `+
					onScreen(`[data-testid=upload-error], [data-testid=upload-submit]`), 10*time.Second)
				shot("upload-bad-file")
			}
			b.do(t, "pick a video", chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=upload-file]`), []string{source}))
			b.waitFor(t, "the cover scrubber", `!document.querySelector('[data-testid=cover-range]').disabled`, 10*time.Second)
			b.eval(t, `(() => { const r = document.querySelector('[data-testid=cover-range]'); r.value = 3000; r.dispatchEvent(new Event('input')); })()`)
			b.waitFor(t, "the preview at the cover", `Math.abs(document.querySelector('[data-testid=cover-video]').currentTime - 3) < 0.05`, 5*time.Second)
			caption := "Posted from a " + vp.name
			b.do(t, "caption it", chromedp.SendKeys(chromedp.CSS(`[data-testid=upload-caption]`), caption))
			shot("upload-chosen")
			b.eval(t, `document.querySelector('[data-testid=upload-submit]').scrollIntoView({ block: 'center' })`)
			b.do(t, "post", chromedp.Click(chromedp.CSS(`[data-testid=upload-submit]`)))
			bars := onScreen(`[data-testid=upload-progress], [data-testid=processing-progress]`)
			b.waitFor(t, "the progress on screen", `!document.querySelector('[data-testid=upload-stages]').hidden && `+bars, 5*time.Second)
			shot("upload-posting")
			b.waitFor(t, "processing to finish", `document.querySelector('[data-testid=processing-status]').dataset.status === 'ready'`, 90*time.Second)
			if got := b.eval(t, bars); got != "true" {
				t.Errorf("the finished progress is off screen")
			}
			shot("upload-ready")
			href := b.eval(t, `document.querySelector('[data-testid=video-link]').getAttribute('href')`)
			id := strings.TrimPrefix(href, "/v/")
			v, err := maker.video(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if v.Caption != caption || v.CoverMS != 3000 {
				t.Fatalf("posted video: caption %q cover %d, want %q and 3000", v.Caption, v.CoverMS, caption)
			}
			if vp.name != "phone" {
				return
			}
			posted = id
			// The poster served is the frame at 3 s, not the default one at 1 s.
			poster := fetchImage(t, app.URL+v.PosterURL)
			size := poster.Bounds().Size()
			chosen := testenv.LumaDistance(t, poster, testenv.FrameAt(t, source, 3000, size.X, size.Y))
			dflt := testenv.LumaDistance(t, poster, testenv.FrameAt(t, source, 1000, size.X, size.Y))
			t.Logf("poster: distance %.1f to the frame at 3 s, %.1f to the frame at 1 s", chosen, dflt)
			if chosen >= dflt {
				t.Errorf("the poster is not the chosen frame: distance %.1f to it, %.1f to the default", chosen, dflt)
			}
		})
	}
	if posted == "" {
		t.Fatal("no video posted on the phone")
	}

	t.Run("edit, pin and delete from the feed", func(t *testing.T) {
		b := newBrowser(t, phoneW, phoneH)
		shot := screenshotter(t, b, "videoset-phone")
		b.logIn(t, app.URL, "maker")
		b.openOwnMenu(t, app.URL, posted)
		shot("own-menu")
		b.clickStill(t, "edit", `[data-testid=edit-video]`)
		b.waitFor(t, "the edit form", `document.querySelector('[data-testid=edit-caption]')?.value === 'Posted from a phone'`, 5*time.Second)
		b.waitFor(t, "the cover scrubber at the cover", `document.querySelector('[data-testid=cover-range]').value === '3000'`, 10*time.Second)
		shot("edit")
		b.eval(t, `document.querySelector('[data-testid=edit-caption]').value = 'Edited in the feed #edited'`)
		b.do(t, "turn comments off", chromedp.Click(chromedp.CSS(`[data-testid=comments-toggle]`)))
		b.do(t, "save", chromedp.Click(chromedp.CSS(`[data-testid=edit-save]`)))
		b.waitFor(t, "the new caption in the feed", active("[data-testid=caption]")+`?.textContent === 'Edited in the feed #edited'`, 10*time.Second)
		if v, err := maker.video(ctx, posted); err != nil || v.Caption != "Edited in the feed #edited" {
			t.Errorf("caption after the edit: %+v, %v", v, err)
		}
		b.clickStill(t, "open the comments", `[data-testid=feed-item].active [data-testid=comment-button]`)
		b.waitFor(t, "comments said to be off", `document.querySelector('[data-testid=comments-drawer]').open &&
			!document.querySelector('[data-testid=comments-off]').hidden && document.querySelector('[data-testid=comment-form]').hidden`, 5*time.Second)
		shot("comments-off")
		b.do(t, "close the comments", chromedp.Click(chromedp.CSS(`[data-testid=comments-close]`)))

		b.openOwnMenu(t, app.URL, older.ID)
		b.clickStill(t, "pin", `[data-testid=pin-video]`)
		b.waitFor(t, "the pin toast", `[...document.querySelectorAll('[data-testid=toast]')].some((el) => el.textContent.startsWith('Pinned'))`, 10*time.Second)
		b.do(t, "open the profile", chromedp.Navigate(app.URL+"/@maker"))
		b.waitFor(t, "the grid", `document.querySelectorAll('[data-testid=grid-item]').length === 3`, 10*time.Second)
		if got := b.eval(t, `(() => { const first = document.querySelector('[data-testid=grid-item]');
			return first.dataset.videoId + ' ' + !!first.querySelector('[data-testid=pin-badge]'); })()`); got != older.ID+" true" {
			t.Errorf("the profile's first video and pin badge: %s, want %s true", got, older.ID)
		}
		shot("profile-pinned")

		b.openOwnMenu(t, app.URL, posted)
		b.clickStill(t, "delete", `[data-testid=delete-video]`)
		b.waitFor(t, "the confirmation", `!!document.querySelector('[data-testid=delete-confirm]')`, 5*time.Second)
		shot("delete-confirm")
		b.clickStill(t, "confirm", `[data-testid=delete-confirm]`)
		b.waitFor(t, "the video out of the feed", fmt.Sprintf(`!document.querySelector('[data-testid=feed-item][data-video-id=%q]')`, posted), 10*time.Second)
		if _, err := maker.video(ctx, posted); err == nil {
			t.Errorf("the deleted video is still served")
		}
		b.do(t, "open the profile again", chromedp.Navigate(app.URL+"/@maker"))
		b.waitFor(t, "the grid without it", fmt.Sprintf(`document.querySelectorAll('[data-testid=grid-item]').length === 2 && !document.querySelector('[data-video-id=%q]')`, posted), 10*time.Second)
	})

	t.Run("drop a file, and resume an interrupted upload on a desktop", func(t *testing.T) {
		b := newBrowser(t, 1440, 900)
		shot := screenshotter(t, b, "videoset-desktop")
		b.logIn(t, app.URL, "maker")
		b.do(t, "open the upload page", chromedp.Navigate(app.URL+"/upload"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=dropzone]`)))
		// A real drop event, carrying a file the page fetched (a rendition).
		b.eval(t, fmt.Sprintf(`(async () => {
			const blob = await (await fetch(%q)).blob();
			const dt = new DataTransfer();
			dt.items.add(new File([blob], 'dropped.mp4', { type: 'video/mp4' }));
			document.querySelector('[data-testid=dropzone]').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
		})()`, older.Renditions[0].URL))
		b.waitFor(t, "the dropped file taken", `document.querySelector('[data-testid=upload-file]').files[0]?.name === 'dropped.mp4' &&
			!document.querySelector('[data-testid=cover-range]').disabled && !document.querySelector('[data-testid=upload-submit]').disabled`, 10*time.Second)
		b.do(t, "caption it", chromedp.SendKeys(chromedp.CSS(`[data-testid=upload-caption]`), "Dropped and resumed"),
			chromedp.SetValue(chromedp.CSS(`[data-testid=visibility-select]`), "followers"))
		shot("upload-dropped")

		// The network drops the upload: the page says so and keeps a draft.
		offline := []*network.Conditions{{URLPattern: app.URL + "/api/v1/videos", Offline: true}}
		if _, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: offline}); err != nil {
			t.Fatal(err)
		}
		b.do(t, "post", chromedp.Click(chromedp.CSS(`[data-testid=upload-submit]`)))
		b.waitFor(t, "the interruption", `!document.querySelector('[data-testid=upload-error]').hidden`, 10*time.Second)
		if _, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{}}); err != nil {
			t.Fatal(err)
		}
		b.do(t, "come back to the upload page", chromedp.Navigate(app.URL+"/upload"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=dropzone]`)))
		b.waitFor(t, "the draft offer", `document.querySelector('[data-testid=draft-offer]')?.hidden === false && document.querySelector('[data-testid=draft-offer]').textContent.includes('dropped.mp4')`, 10*time.Second)
		shot("upload-draft")
		b.clickStill(t, "resume", `[data-testid=draft-resume]`)
		b.waitFor(t, "processing to finish", `document.querySelector('[data-testid=processing-status]').dataset.status === 'ready'`, 90*time.Second)
		id := strings.TrimPrefix(b.eval(t, `document.querySelector('[data-testid=video-link]').getAttribute('href')`), "/v/")
		if v, err := maker.video(ctx, id); err != nil || v.Caption != "Dropped and resumed" || v.Visibility != "followers" {
			t.Errorf("resumed video: %+v, %v", v, err)
		}
		b.do(t, "open the upload page again", chromedp.Navigate(app.URL+"/upload"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=upload-caption]`)))
		time.Sleep(300 * time.Millisecond) // the draft is read asynchronously
		if got := b.eval(t, `document.querySelector('[data-testid=draft-offer]').hidden`); got != "true" {
			t.Errorf("a finished upload is still offered as a draft")
		}
		// The creator's menu, the edit sheet and the pinned profile on a desktop.
		b.openOwnMenu(t, app.URL, older.ID)
		shot("own-menu")
		b.clickStill(t, "edit", `[data-testid=edit-video]`)
		b.waitFor(t, "the cover scrubber", `!document.querySelector('[data-testid=cover-range]').disabled`, 10*time.Second)
		shot("edit")
		b.do(t, "open the profile", chromedp.Navigate(app.URL+"/@maker"))
		b.waitFor(t, "the pinned video first", fmt.Sprintf(`document.querySelector('[data-testid=grid-item]')?.dataset.videoId === %q`, older.ID), 10*time.Second)
		shot("profile-pinned")
	})
}

// logIn signs in through the log-in page.
func (b *browser) logIn(t *testing.T, base, handle string) {
	t.Helper()
	b.do(t, "log in", chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-handle]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-handle]`), handle),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)))
	b.waitFor(t, "signed in", fmt.Sprintf(`document.querySelector('[data-testid=nav-profile]')?.getAttribute('href') === '/@%s'`, handle), 20*time.Second)
}

// openOwnMenu opens the video page of id and its "…" menu, which is the
// creator's own.
func (b *browser) openOwnMenu(t *testing.T, base, id string) {
	t.Helper()
	b.do(t, "open the video", chromedp.Navigate(base+"/v/"+id))
	b.waitFor(t, "the video", fmt.Sprintf(`document.querySelector('[data-testid=feed-item].active')?.dataset.videoId === %q`, id), 20*time.Second)
	b.clickStill(t, "open the menu", `[data-testid=feed-item].active [data-testid=more-button]`)
	b.waitFor(t, "the creator's menu", `document.querySelector('[data-testid=item-sheet]').open && !!document.querySelector('[data-testid=edit-video]')`, 5*time.Second)
}

// fetchImage GETs and decodes an image.
func fetchImage(t *testing.T, url string) image.Image {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", url, resp.StatusCode, err)
	}
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
	return img
}

package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flick-video/flick"
)

// TestBrowserNotifications: others like, comment on and follow ava's
// video while she has the app open, on a phone and on a desktop; the bell
// shows how many notifications are unread once the app looks again (on
// focus), the inbox shows them grouped ("dee and 2 others liked your
// video") with avatars and the poster, opening it clears the badge, and
// tapping an item opens the video. Signed out, the app never asks for
// notifications. With FLICK_SCREENSHOTS set to a folder, each screen is
// saved there.
func TestBrowserNotifications(t *testing.T) {
	ta := startTestApp(t)
	ctx := context.Background()
	const password = "correct horse battery"
	if err := ta.client().signUp(ctx, "ava", password, "2000-01-01", ""); err != nil {
		t.Fatal(err)
	}
	ava := ta.client()
	if err := ava.logIn(ctx, "ava", password); err != nil {
		t.Fatal(err)
	}
	v := ta.uploadReady(t, ava, "ava dances on the roof")
	others := map[string]*apiClient{}
	for _, h := range []string{"bo", "cy", "dee", "eli", "fay"} {
		others[h] = ta.user(t, h)
	}
	act := func(t *testing.T, who, method, path string, body any) {
		t.Helper()
		if err := others[who].do(ctx, method, path, body, nil); err != nil {
			t.Fatalf("%s: %s %s: %v", who, method, path, err)
		}
	}
	// unread waits until ava's inbox has n unread notifications.
	unread := func(t *testing.T, n int) {
		t.Helper()
		eventually(t, fmt.Sprintf("%d unread notifications", n), func() error {
			var in flick.Inbox
			if err := ava.do(ctx, "GET", "/api/v1/me/notifications", nil, &in); err != nil {
				return err
			}
			if in.Unread != n {
				return fmt.Errorf("%d unread", in.Unread)
			}
			return nil
		})
	}
	like, comments := "/api/v1/videos/"+v.ID+"/like", "/api/v1/videos/"+v.ID+"/comments"

	t.Run("signed out", func(t *testing.T) {
		b := newBrowser(t, phoneW, phoneH)
		b.do(t, "open the app", chromedp.Navigate(ta.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=tabbar]`)))
		b.do(t, "let it settle", chromedp.Sleep(time.Second))
		if n := b.eval(t, `performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/me/notifications')).length`); n != "0" {
			t.Errorf("a signed-out app asked for notifications %s times", n)
		}
		if hidden := b.eval(t, `document.querySelector('[data-testid=tab-notifications]').hidden`); hidden != "true" {
			t.Error("a signed-out app shows the inbox tab")
		}
	})

	for _, vp := range []struct {
		name, bell string
		w, h       int64
		actions    func(t *testing.T)
		unread     int
		want       []string // the inbox's first items' texts, newest first
	}{
		{"phone", "tab-notifications", phoneW, phoneH, func(t *testing.T) {
			for _, who := range []string{"bo", "cy", "dee"} {
				act(t, who, "POST", like, nil)
			}
			act(t, "bo", "POST", comments, map[string]string{"text": "the roof! @ava how"})
		}, 3, []string{"bo commented on your video: “the roof! @ava how”", "dee and 2 others liked your video.", "Your video is ready to watch."}},
		{"desktop", "nav-notifications", 1440, 900, func(t *testing.T) {
			act(t, "eli", "POST", "/api/v1/accounts/ava/follow", nil)
			act(t, "fay", "POST", like, nil)
		}, 2, []string{"fay and 3 others liked your video.", "eli started following you.", "bo commented on your video: “the roof! @ava how”"}},
	} {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, vp.w, vp.h)
			shot := screenshotter(t, b, "notifications-"+vp.name)
			b.do(t, "log in", fillLogIn(ta.URL, "ava", password)...)
			b.waitFor(t, "signed in", `location.pathname === '/' && !document.querySelector('[data-testid=`+vp.bell+`]').hidden`, 20*time.Second)
			badge := `document.querySelector('[data-testid=` + vp.bell + `] [data-badge]')`

			vp.actions(t)
			unread(t, vp.unread)
			// The app looks again when it gets the focus back.
			b.eval(t, `window.dispatchEvent(new Event('focus'))`)
			b.waitFor(t, "the badge", fmt.Sprintf(`!%s.hidden && %s.firstChild.textContent === '%d'`, badge, badge, vp.unread), 10*time.Second)
			shot("badge")
			b.clickStill(t, "the bell", `[data-testid=`+vp.bell+`]`)
			b.waitFor(t, "the inbox", fmt.Sprintf(`document.querySelectorAll('[data-testid=notification]').length >= %d && `+
				`[...document.querySelectorAll('[data-testid=notification] img')].every((i) => i.complete && i.naturalWidth > 0)`, len(vp.want)), 10*time.Second)
			texts := b.eval(t, `[...document.querySelectorAll('[data-testid=notification] .inbox-text > span:not(.visually-hidden)')].map((s) => s.textContent).join('\n')`)
			if got := strings.Split(texts, "\n"); len(got) < len(vp.want) || strings.Join(got[:len(vp.want)], "\n") != strings.Join(vp.want, "\n") {
				t.Errorf("the inbox shows\n%s\nwant first\n%s", texts, strings.Join(vp.want, "\n"))
			}
			likeItem := `document.querySelector('[data-testid=notification][data-type=like]')`
			if n := b.eval(t, likeItem+`.querySelectorAll('.avatar').length + ',' + !!`+likeItem+`.querySelector('.inbox-poster')`); n != "2,true" {
				t.Errorf("the like item has avatars,poster %s; want 2,true", n)
			}
			b.waitFor(t, "the badge to clear", badge+`.hidden`, 10*time.Second)
			unread(t, 0)
			shot("inbox")

			b.clickStill(t, "the like", `[data-testid=notification][data-type=like]`)
			b.waitFor(t, "the video", fmt.Sprintf(`location.pathname === '/v/%s' && !!%s`, v.ID, active("video")), 10*time.Second)
		})
	}
}

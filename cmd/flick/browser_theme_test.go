package main

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserTheme: the app follows the system's light or dark theme;
// Settings → Appearance overrides it on this device, across reloads and
// signed out too; the feed, which frames video, stays dark in every theme.
// With FLICK_SCREENSHOTS set to a folder, each screen is saved there.
func TestBrowserTheme(t *testing.T) {
	ta := startTestApp(t)
	ta.user(t, "lumen")
	const white, black = "rgb(255, 255, 255)", "rgb(0, 0, 0)"
	bg := `getComputedStyle(document.body).backgroundColor`

	// Signed out on the phone, signed in on the desktop.
	for _, vp := range []struct {
		name     string
		w, h     int64
		signedIn bool
	}{{"phone", phoneW, phoneH, false}, {"desktop", 1440, 900, true}} {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, vp.w, vp.h)
			shot := screenshotter(t, b, "theme-"+vp.name)
			if vp.signedIn {
				b.do(t, "log in", fillLogIn(ta.URL, "lumen", "correct horse battery")...)
				b.waitFor(t, "signed in", `location.pathname === '/'`, 20*time.Second)
			}
			system := func(scheme string) {
				t.Helper()
				features := []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
				if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: features}); err != nil {
					t.Fatal(err)
				}
			}
			want := func(what, color string) {
				t.Helper()
				b.waitFor(t, what, bg+` === '`+color+`'`, 5*time.Second)
			}

			system("light")
			b.do(t, "open settings signed out", chromedp.Navigate(ta.URL+"/settings"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=appearance-settings]`)))
			want("a light system's theme", white)
			if got := b.eval(t, `document.querySelector('[data-testid=theme-system]').checked`); got != "true" {
				t.Errorf("with no choice made, System is checked: %s", got)
			}
			// Text stays readable on the light page.
			if got := b.eval(t, `getComputedStyle(document.querySelector('h2')).color`); got == white {
				t.Errorf("headings in the light theme are %s", got)
			}
			shot("light")

			b.clickStill(t, "Dark", `[data-testid=theme-dark] + span`)
			want("the dark theme chosen", black)
			b.do(t, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=appearance-settings]`)))
			want("the choice kept on the device", black)
			if got := b.eval(t, `document.querySelector('[data-testid=theme-dark]').checked`); got != "true" {
				t.Errorf("after a reload, Dark is checked: %s", got)
			}

			b.clickStill(t, "Light", `[data-testid=theme-light] + span`)
			system("dark")
			want("light chosen over a dark system", white)
			b.do(t, "open the feed", chromedp.Navigate(ta.URL+"/"), chromedp.WaitReady(`body.feed-mode`))
			want("the feed dark in the light theme", black)
			b.do(t, "open search", chromedp.Navigate(ta.URL+"/search"), chromedp.WaitReady(`body[data-page=search]`))
			want("other pages light", white)
			shot("search-light")
			if vp.signedIn {
				b.do(t, "open the profile", chromedp.Navigate(ta.URL+"/@lumen"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=profile]`)))
				want("the profile light", white)
				shot("profile-light")
			}

			b.do(t, "back to settings", chromedp.Navigate(ta.URL+"/settings"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=appearance-settings]`)))
			b.clickStill(t, "System", `[data-testid=theme-system] + span`)
			want("the system's dark theme again", black)
			if got := b.eval(t, `localStorage.getItem('flick.theme') === null`); got != "true" {
				t.Error("System leaves a stored choice")
			}
		})
	}
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flick-video/flick/internal/mail/mailtest"
)

// TestBrowserPasswords walks the password screens in Chromium against a
// server that mails resets through a real SMTP server, on a phone and a
// desktop: "Forgot password?" on the log-in page, the request, the page
// the mailed link opens, and changing the password in settings. With
// FLICK_SCREENSHOTS set to a folder, each screen is saved there.
func TestBrowserPasswords(t *testing.T) {
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"phone", phoneW, phoneH}, {"desktop", 1440, 900}} {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, vp.w, vp.h)
			srv := mailtest.Start(t)
			addr := freeAddr(t)
			ta := startTestAppWith(t, Config{Addr: addr, Data: t.TempDir(), MaxUploadBytes: 64 << 20, MaxDuration: time.Minute, Workers: 1,
				LogFormat: "text", LogLevel: slog.LevelWarn, SMTPURL: srv.URL("smtp", "flick@example.com"), PublicURL: mustPublicURL(t, "http://"+addr)})
			ctx := context.Background()
			if err := ta.client().do(ctx, "POST", "/api/v1/accounts", map[string]string{"handle": "pia", "password": "correct horse battery",
				"birthdate": "2000-01-01", "email": "pia@example.com"}, nil); err != nil {
				t.Fatal(err)
			}
			shot := screenshotter(t, b, vp.name)

			b.do(t, "open log in", chromedp.Navigate(ta.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=to-forgot]`)))
			shot("login")
			b.clickStill(t, "forgot password", `[data-testid=to-forgot]`)
			b.do(t, "ask for a link", chromedp.WaitVisible(chromedp.CSS(`[data-testid=forgot-login]`)))
			shot("forgot")
			b.do(t, "send", chromedp.SendKeys(chromedp.CSS(`[data-testid=forgot-login]`), "pia"), chromedp.Click(chromedp.CSS(`[data-testid=forgot-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=forgot-sent]`)))
			shot("forgot-sent")

			link := regexp.MustCompile(`http://\S+/reset-password#\S+`).FindString(srv.WaitFor(1)[0].Text)
			if link == "" {
				t.Fatalf("no link in the mail")
			}
			b.do(t, "open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`[data-testid=reset-password]`)))
			if hash := b.eval(t, `location.hash`); hash != "" {
				t.Errorf("the token stays in the address bar: %q", hash)
			}
			shot("reset")
			b.do(t, "choose a password", chromedp.SendKeys(chromedp.CSS(`[data-testid=reset-password]`), "a phrase pia chose"),
				chromedp.Click(chromedp.CSS(`[data-testid=reset-submit]`)))
			b.waitFor(t, "the log-in page", `location.pathname === '/login'`, 10*time.Second)
			b.do(t, "log in with it",
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-handle]`)),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-handle]`), "pia"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "a phrase pia chose"),
				chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)))
			b.waitFor(t, "signed in", `location.pathname === '/' && document.querySelector('[data-testid=nav-profile]').getAttribute('href') === '/@pia'`, 20*time.Second)

			// Another device is signed in; changing the password signs it out.
			if err := ta.client().logIn(ctx, "pia", "a phrase pia chose"); err != nil {
				t.Fatal(err)
			}
			b.do(t, "open settings", chromedp.Navigate(ta.URL+"/settings"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=password-form]`)))
			b.waitFor(t, "two devices", `document.querySelectorAll('[data-testid=session]').length === 2`, 10*time.Second)
			b.do(t, "scroll to the form", chromedp.ScrollIntoView(chromedp.CSS(`[data-testid=password-form]`)))
			shot("settings-password")
			b.do(t, "change the password",
				chromedp.SendKeys(chromedp.CSS(`[data-testid=current-password]`), "a phrase pia chose"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=new-password]`), "short"),
				chromedp.Click(chromedp.CSS(`[data-testid=password-save]`)))
			b.waitFor(t, "the rule", `!document.querySelector('[data-testid=password-error]').hidden`, 10*time.Second)
			shot("settings-password-error")
			b.do(t, "change the password",
				chromedp.SetValue(chromedp.CSS(`[data-testid=new-password]`), "pia's second phrase"),
				chromedp.Click(chromedp.CSS(`[data-testid=password-save]`)))
			b.waitFor(t, "one device left", `document.querySelectorAll('[data-testid=session]').length === 1 && document.querySelector('[data-testid=password-error]').hidden`, 10*time.Second)
			shot("settings-password-changed")
			if err := ta.client().logIn(ctx, "pia", "pia's second phrase"); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("without mail", func(t *testing.T) {
		b := newBrowser(t, phoneW, phoneH)
		ta := startTestApp(t)
		b.do(t, "open log in", chromedp.Navigate(ta.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-submit]`)))
		if n := b.eval(t, `document.querySelectorAll('[data-testid=to-forgot]').length`); n != "0" {
			t.Error("the log-in page offers a reset by email that the instance cannot send")
		}
		b.do(t, "open the forgot page", chromedp.Navigate(ta.URL+"/forgot-password"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=forgot-unavailable]`)))
	})
}

// screenshotter returns a function that saves the page as name.png in
// $FLICK_SCREENSHOTS, if set.
func screenshotter(t *testing.T, b *browser, prefix string) func(name string) {
	dir := os.Getenv("FLICK_SCREENSHOTS")
	return func(name string) {
		t.Helper()
		if dir == "" {
			return
		}
		time.Sleep(300 * time.Millisecond) // let transitions settle
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s.png", prefix, name)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

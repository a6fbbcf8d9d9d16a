package main

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/flick-video/flick/internal/testenv"
)

// TestBrowserDataRights drives the data-rights pages in Chromium against a
// two-region server: signing up in a chosen region, the region and download
// in settings, "who accessed my data" after an admin looked, the auditor's
// in-browser check of the access log against its signed root, and deleting
// the account.
func TestBrowserDataRights(t *testing.T) {
	testenv.RequireTool(t, "chromium")
	ta := startTestAppIn(t, t.TempDir(), "us", "eu")
	ctx := context.Background()
	const password = "correct horse battery"

	b := newBrowser(t, desktopW, desktopH)
	b.do(t, "sign up in eu",
		chromedp.Navigate(ta.URL+"/signup"),
		// The region choice shows once the regions are loaded.
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signup-region]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signup-handle]`), "rita"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=signup-password]`), password),
		chromedp.SetValue(chromedp.CSS(`[data-testid=signup-birthdate]`), "2000-01-01"),
	)
	if got := b.eval(t, `document.querySelector('[data-testid=signup-region]').value`); got != "us" {
		t.Errorf("preselected region %q, want the default us", got)
	}
	b.do(t, "choose eu and submit",
		chromedp.SetValue(chromedp.CSS(`[data-testid=signup-region]`), "eu"),
		chromedp.Click(chromedp.CSS(`[data-testid=signup-submit]`)))
	b.waitFor(t, "the signed-in app", `location.pathname === '/' && document.querySelector('[data-testid=nav-profile]').getAttribute('href') === '/@rita'`, 20*time.Second)
	var rita struct {
		ID string `json:"id"`
	}
	if err := ta.client().do(ctx, "GET", "/api/v1/accounts/rita", nil, &rita); err != nil {
		t.Fatal(err)
	}

	b.do(t, "open the settings", chromedp.Navigate(ta.URL+"/settings"))
	b.waitFor(t, "the region", `document.querySelector('[data-testid=data-region]')?.textContent === 'Your data is stored in region eu.'`, 10*time.Second)
	if got := b.eval(t, `document.querySelector('[data-testid=export-button]').form.method + ' ' + document.querySelector('[data-testid=export-button]').form.getAttribute('action')`); got != "post /api/v1/me/export" {
		t.Errorf("download form %q, want a POST to /api/v1/me/export", got)
	}
	if got := b.eval(t, `!!document.querySelector('[data-testid=audit-link]') || !document.querySelector('[data-testid=nav-audit]').hidden`); got != "false" {
		t.Error("a person without the auditor role is offered the audit page")
	}

	b.clickStill(t, "open who accessed my data", `[data-testid=access-link]`)
	b.waitFor(t, "the empty access log", `location.pathname === '/settings/access' && document.querySelector('[data-testid=access-page] [data-testid=empty-state]')`, 10*time.Second)

	// An admin looks at rita's account more often than one page holds.
	admin := ta.userIn(t, "ada", "us")
	var me struct {
		ID string `json:"id"`
	}
	if err := admin.do(ctx, "GET", "/api/v1/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	if err := ta.App.setRoles(ctx, me.ID, "admin", "auditor"); err != nil {
		t.Fatal(err)
	}
	const looks = 22 // the access page shows 20 at a time
	for i := range looks {
		if err := admin.do(ctx, "POST", "/api/v1/admin/accounts/rita/inspect", map[string]string{"reason": fmt.Sprintf("support ticket %d", i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	b.do(t, "open the settings again", chromedp.Navigate(ta.URL+"/settings"))
	b.clickStill(t, "reopen the access page", `[data-testid=access-link]`)
	b.waitFor(t, "a page of entries", `document.querySelectorAll('[data-testid=access-entry]').length === 20`, 10*time.Second)
	first := b.eval(t, `document.querySelector('[data-testid=access-entry]').textContent`)
	for _, want := range []string{"Flick support", me.ID, "Viewed your account details", fmt.Sprintf("support ticket %d", looks-1)} {
		if !strings.Contains(first, want) {
			t.Errorf("newest entry %q lacks %q", first, want)
		}
	}
	b.do(t, "show older entries", chromedp.Click(chromedp.CSS(`[data-testid=access-more]`)))
	b.waitFor(t, "every entry", fmt.Sprintf(`document.querySelectorAll('[data-testid=access-entry]').length === %d && document.querySelector('[data-testid=access-more]').hidden`, looks), 10*time.Second)
	if got := b.eval(t, `[...document.querySelectorAll('[data-testid=access-entry]')].at(-1).textContent`); !strings.Contains(got, "support ticket 0") {
		t.Errorf("oldest entry %q, want support ticket 0", got)
	}

	t.Run("auditor verifies the log", func(t *testing.T) {
		ab := newBrowser(t, desktopW, desktopH)
		ab.do(t, "log in as the auditor", fillLogIn(ta.URL, "ada", password)...)
		ab.waitFor(t, "the audit link in the navigation", `!document.querySelector('[data-testid=nav-audit]').hidden`, 20*time.Second)
		ab.do(t, "open the audit page", chromedp.Click(chromedp.CSS(`[data-testid=nav-audit]`)))
		ab.waitFor(t, "the tree check", `document.querySelector('[data-testid=audit-verify]')?.dataset.result`, 20*time.Second)
		size := ab.eval(t, `document.querySelector('[data-testid=audit-size]').textContent`)
		if got, want := ab.eval(t, `document.querySelector('[data-testid=audit-verify]').textContent`), "Verified: "+size+" entries match the signed root."; got != want {
			t.Errorf("tree check %q, want %q", got, want)
		}
		if got := ab.eval(t, `document.querySelector('[data-testid=audit-signature]').className`); got != "check ok" {
			t.Errorf("signature check %s: %s", got, ab.eval(t, `document.querySelector('[data-testid=audit-signature]').textContent`))
		}
		if got := ab.eval(t, `document.querySelector('[data-testid=audit-note]').textContent.startsWith('flick-audit\n' + `+size+` + '\n')`); got != "true" {
			t.Errorf("the note does not show the checkpoint: %s", ab.eval(t, `document.querySelector('[data-testid=audit-note]').textContent`))
		}
		// The newest entry is an admin look at rita; its inclusion proof checks.
		if got := ab.eval(t, `document.querySelector('[data-testid=audit-entry]').textContent`); !strings.Contains(got, rita.ID) || !strings.Contains(got, "account.view") {
			t.Errorf("newest audit entry %q, want account.view of %s", got, rita.ID)
		}
		ab.do(t, "check inclusion", chromedp.Click(chromedp.CSS(`[data-testid=audit-entry] [data-testid=inclusion-check]`)))
		ab.waitFor(t, "the inclusion result", `document.querySelector('[data-testid=inclusion-result]').textContent`, 10*time.Second)
		if got := ab.eval(t, `document.querySelector('[data-testid=inclusion-result]').textContent`); got != "✓ in the signed tree" {
			t.Errorf("inclusion check %q", got)
		}

		// The browser remembered the key: a log signed with another one is
		// flagged until the auditor trusts the new key.
		ab.eval(t, `localStorage.setItem('flick.audit.verifierKey', 'flick-audit+00000000+AAAA'), 0`)
		ab.do(t, "reload the audit page", chromedp.Reload())
		ab.waitFor(t, "the signature check", `/ok|bad/.test(document.querySelector('[data-testid=audit-signature]')?.className)`, 20*time.Second)
		if got := ab.eval(t, `document.querySelector('[data-testid=audit-signature]').className`); got != "check bad" {
			t.Errorf("signature check with another pinned key: %s", got)
		}
		if got := ab.eval(t, `document.querySelector('[data-testid=audit-signature]').textContent`); !strings.Contains(got, "not the one this browser saw before (flick-audit+00000000+AAAA)") {
			t.Errorf("signature check with another pinned key says %q", got)
		}
		ab.do(t, "trust the new key", chromedp.Click(chromedp.CSS(`[data-testid=audit-trust-key]`)))
		ab.waitFor(t, "the signature check", `document.querySelector('[data-testid=audit-signature]')?.className === 'check ok'`, 20*time.Second)
	})

	// The cookie session downloads the export with the settings page's
	// same-origin form POST (after the access log checks, as an export is
	// logged too); the browser saves the zip.
	downloads := t.TempDir()
	allow := true
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads, EventsEnabled: &allow}); err != nil {
		t.Fatal(err)
	}
	b.do(t, "open the settings to download", chromedp.Navigate(ta.URL+"/settings"))
	b.clickStill(t, "download the data", `[data-testid=export-button]`)
	zipName := waitForDownload(t, downloads, 20*time.Second)
	if !strings.HasPrefix(filepath.Base(zipName), "flick-rita-") || !strings.HasSuffix(zipName, ".zip") {
		t.Errorf("downloaded %s, want flick-rita-<date>.zip", zipName)
	}
	if zr, err := zip.OpenReader(zipName); err != nil {
		t.Errorf("the download is not a zip: %v", err)
	} else {
		zr.Close()
	}
	if got := b.eval(t, `location.pathname`); got != "/settings" {
		t.Errorf("after the download the page is %s, want to stay on /settings", got)
	}

	b.do(t, "open the settings to delete", chromedp.Navigate(ta.URL+"/settings"))
	b.clickStill(t, "open the delete dialog", `[data-testid=delete-button]`)
	b.do(t, "enter a wrong password",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=delete-password]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=delete-password]`), "not my password"),
		chromedp.Click(chromedp.CSS(`[data-testid=delete-confirm]`)))
	b.waitFor(t, "the wrong-password error", `!document.querySelector('[data-testid=delete-error]').hidden`, 10*time.Second)
	if err := ta.client().do(ctx, "GET", "/api/v1/accounts/rita", nil, nil); err != nil {
		t.Fatalf("rita after a wrong password: %v", err)
	}
	b.do(t, "delete with the password",
		chromedp.SetValue(chromedp.CSS(`[data-testid=delete-password]`), password),
		chromedp.Click(chromedp.CSS(`[data-testid=delete-confirm]`)))
	b.waitFor(t, "the sign-in page, signed out", `location.pathname === '/login' && !document.querySelector('[data-testid=nav-login]').hidden`, 20*time.Second)
	var apiErr *apiError
	if err := ta.client().do(ctx, "GET", "/api/v1/accounts/rita", nil, nil); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("rita after deletion: %v, want 404", err)
	}
}

// waitForDownload waits for the browser to finish saving one file in dir and
// returns its path.
func waitForDownload(t *testing.T, dir string, timeout time.Duration) string {
	t.Helper()
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 1 && !strings.HasSuffix(entries[0].Name(), ".crdownload") {
			return filepath.Join(dir, entries[0].Name())
		}
	}
	t.Fatalf("no download finished in %s", timeout)
	return ""
}

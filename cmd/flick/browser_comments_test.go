package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserComments: in the comments sheet, the video's creator deletes
// other people's comments (one with a reply stays as "Comment deleted"
// above it), a heart likes a comment and stays liked after a reload; a
// signed-out heart asks once to log in; an author deletes their own reply,
// and the tombstone goes with it. FLICK_SCREENSHOTS saves the sheet.
func TestBrowserComments(t *testing.T) {
	app := startTestApp(t)
	ctx := context.Background()
	cora, bob, cat := app.user(t, "cora"), app.user(t, "bob"), app.user(t, "cat")
	v := app.uploadReady(t, cora, "talk to me")
	comment := func(who *apiClient, text, parent string) string {
		t.Helper()
		var c struct {
			ID string `json:"id"`
		}
		if err := who.do(ctx, "POST", "/api/v1/videos/"+v.ID+"/comments", map[string]string{"text": text, "parent_id": parent}, &c); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	threaded := comment(bob, "bob starts a thread", "")
	comment(cat, "cat replies to bob", threaded)
	lone := comment(bob, "bob says something regrettable", "")
	catTop := comment(cat, "cat likes this video", "")
	sel := func(id, what string) string { return fmt.Sprintf(`[data-comment-id="%s"] [data-testid=%s]`, id, what) }
	has := func(id string) string { return fmt.Sprintf(`!!document.querySelector('[data-comment-id="%s"]')`, id) }

	openComments := func(b *browser) {
		t.Helper()
		b.do(t, "open the video", chromedp.Navigate(app.URL+"/v/"+v.ID))
		b.clickStill(t, "the comment button", `[data-testid=feed-item].active [data-testid=comment-button]`)
		b.waitFor(t, "the comments", `document.querySelector('[data-testid=comments-drawer]').open && document.querySelectorAll('[data-testid=comment]').length > 0`, 10*time.Second)
	}
	logIn := func(b *browser, handle string) {
		t.Helper()
		b.do(t, "log in as "+handle, chromedp.Navigate(app.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-handle]`)),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=login-handle]`), handle),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "correct horse battery"),
			chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)))
		b.waitFor(t, "signed in", fmt.Sprintf(`document.querySelector('[data-testid=nav-profile]')?.getAttribute('href') === '/@%s'`, handle), 20*time.Second)
	}
	// tapTargets lists the sheet's buttons smaller than 44×44 px.
	tapTargets := func(b *browser) string {
		return b.eval(t, `[...document.querySelectorAll('[data-testid=comments-drawer] .comment button')].filter(e => e.offsetParent)
			.map(e => e.getBoundingClientRect()).filter(r => r.width < 44 || r.height < 44).map(r => r.width + 'x' + r.height).join(' ')`)
	}

	t.Run("the creator deletes and likes", func(t *testing.T) {
		b := newBrowser(t, phoneW, phoneH)
		shot := screenshotter(t, b, "comments-phone")
		logIn(b, "cora")
		openComments(b)
		if got := b.eval(t, `document.querySelector('[data-testid=comments-title]').textContent`); got != "4 comments" {
			t.Errorf("title %q, want 4 comments", got)
		}
		if got := b.eval(t, `document.querySelectorAll('[data-testid=delete-comment]').length`); got != "3" {
			t.Errorf("the creator sees %s delete actions, want one on each of 3 comments", got)
		}
		// bob's thread: the creator deletes it after confirming; cat's
		// reply stays under "Comment deleted".
		b.clickStill(t, "delete bob's thread", sel(threaded, "delete-comment"))
		b.waitFor(t, "the question", `!!document.querySelector('[data-testid=confirm-delete]')`, 5*time.Second)
		if b.eval(t, has(threaded)) != "true" {
			t.Fatal("deleted before confirming")
		}
		shot("confirm")
		b.do(t, "confirm", chromedp.Click(chromedp.CSS(sel(threaded, "confirm-delete"))))
		b.waitFor(t, "the tombstone", fmt.Sprintf(`document.querySelector('[data-comment-id="%s"]')?.dataset.deleted === 'true'`, threaded), 10*time.Second)
		b.clickStill(t, "bob's lone comment", sel(lone, "delete-comment"))
		b.do(t, "confirm", chromedp.Click(chromedp.CSS(sel(lone, "confirm-delete"))))
		b.waitFor(t, "the lone comment gone", "!"+has(lone), 10*time.Second)
		b.waitFor(t, "the title's count", `document.querySelector('[data-testid=comments-title]').textContent === '2 comments'`, 5*time.Second)

		b.clickStill(t, "like cat's comment", sel(catTop, "comment-like"))
		b.waitFor(t, "the like counted", fmt.Sprintf(`document.querySelector('%s').dataset.count === '1'`, sel(catTop, "comment-like-count")), 10*time.Second)

		// After a reload: the tombstone, its reply, the like.
		openComments(b)
		b.waitFor(t, "the tombstone after a reload", fmt.Sprintf(`document.querySelector('[data-comment-id="%s"] [data-testid=comment-text]')?.textContent === 'Comment deleted'`, threaded), 10*time.Second)
		if got := b.eval(t, fmt.Sprintf(`document.querySelector('[data-comment-id="%s"]').textContent`, threaded)); !strings.Contains(got, "Comment deleted") || strings.Contains(got, "bob") {
			t.Errorf("the tombstone reads %q", got)
		}
		b.clickStill(t, "view the reply", sel(threaded, "view-replies"))
		b.waitFor(t, "cat's reply", fmt.Sprintf(`document.querySelector('[data-comment-id="%s"] [data-testid=reply]')?.textContent.includes('cat replies to bob')`, threaded), 10*time.Second)
		if got := b.eval(t, fmt.Sprintf(`document.querySelector('%s').getAttribute('aria-pressed') + ' ' + document.querySelector('%s').dataset.count`,
			sel(catTop, "comment-like"), sel(catTop, "comment-like-count"))); got != "true 1" {
			t.Errorf("after a reload the like is %q, want pressed with 1", got)
		}
		if small := tapTargets(b); small != "" {
			t.Errorf("tap targets under 44 px: %s", small)
		}
		shot("sheet")
		// Unlike, and it stays so.
		b.do(t, "unlike", chromedp.Click(chromedp.CSS(sel(catTop, "comment-like"))))
		b.waitFor(t, "unliked", fmt.Sprintf(`document.querySelector('%s').dataset.count === '0'`, sel(catTop, "comment-like-count")), 10*time.Second)
		b.do(t, "like again", chromedp.Click(chromedp.CSS(sel(catTop, "comment-like"))))
		b.waitFor(t, "liked again", fmt.Sprintf(`document.querySelector('%s').dataset.count === '1'`, sel(catTop, "comment-like-count")), 10*time.Second)
	})

	t.Run("signed out, then the author", func(t *testing.T) {
		b := newBrowser(t, 1440, 900)
		shot := screenshotter(t, b, "comments-desktop")
		openComments(b)
		b.clickStill(t, "tap a heart signed out", sel(catTop, "comment-like"))
		for range 2 {
			b.do(t, "tap it again", chromedp.Click(chromedp.CSS(sel(catTop, "comment-like"))))
		}
		if got := b.eval(t, `[document.querySelectorAll('[data-testid=toast]').length, document.querySelector('[data-testid=comments-login]').textContent,
			document.querySelector('[data-testid=comments-login]').classList.contains('asking')].join('|')`); got != "0|Log in to like comments.|true" {
			t.Errorf("signed-out hearts: %q, want one prompt in the sheet", got)
		}
		if got := b.eval(t, `document.querySelectorAll('[data-testid=delete-comment]').length`); got != "0" {
			t.Errorf("signed out, %s delete actions", got)
		}
		shot("signed-out")

		logIn(b, "cat")
		openComments(b)
		b.clickStill(t, "view the reply", sel(threaded, "view-replies"))
		b.waitFor(t, "cat's reply", fmt.Sprintf(`!!document.querySelector('[data-comment-id="%s"] [data-testid=reply] [data-testid=delete-comment]')`, threaded), 10*time.Second)
		if got := b.eval(t, `document.querySelectorAll('[data-testid=delete-comment]').length`); got != "2" {
			t.Errorf("cat sees %s delete actions, want 2 (her own comment and reply)", got)
		}
		if small := tapTargets(b); small != "" {
			t.Errorf("tap targets under 44 px: %s", small)
		}
		shot("sheet")
		// She answers her reply: it joins the tombstone's thread.
		reply := fmt.Sprintf(`[data-comment-id="%s"] [data-testid=reply]`, threaded)
		b.clickStill(t, "reply to her reply", reply+` [data-testid=reply-button]`)
		b.do(t, "write", chromedp.SendKeys(chromedp.CSS(`[data-testid=comment-input]`), "and one more thing"),
			chromedp.Click(chromedp.CSS(`[data-testid=comment-submit]`)))
		b.waitFor(t, "her answer in the thread", fmt.Sprintf(`document.querySelectorAll('%s').length === 2`, reply), 10*time.Second)
		// She deletes both: the tombstone goes with the last.
		for _, what := range []string{"her answer", "her reply"} {
			b.clickStill(t, "delete "+what, reply+`:last-child [data-testid=delete-comment]`)
			b.do(t, "confirm", chromedp.Click(chromedp.CSS(reply+` [data-testid=confirm-delete]`)))
			b.waitFor(t, what+" gone", fmt.Sprintf(`!document.querySelector('%s [data-testid=confirm-delete]')`, reply), 10*time.Second)
		}
		b.waitFor(t, "the replies and the tombstone gone", "!"+has(threaded), 10*time.Second)
		openComments(b)
		b.waitFor(t, "one comment left", fmt.Sprintf(`document.querySelectorAll('[data-testid=comment]').length === 1 && %s`, has(catTop)), 10*time.Second)
	})
}

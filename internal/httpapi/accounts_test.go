package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/accounts"
)

func TestSignUp(t *testing.T) {
	f := newFixture(t)
	f.signUp("taken")
	teen := time.Now().AddDate(-13, 0, -1).Format(time.DateOnly)
	child := time.Now().AddDate(-12, 0, 0).Format(time.DateOnly)
	for _, tc := range []struct {
		name   string
		body   any
		ctype  string
		status int
	}{
		{"ok, handle normalised", map[string]string{"handle": "@NewUser", "password": "violet tractor umbrella", "birthdate": "2000-01-31", "email": "a@example.com"}, "", 201},
		{"just 13", map[string]string{"handle": "teen", "password": "violet tractor umbrella", "birthdate": teen}, "", 201},
		{"under 13", map[string]string{"handle": "kid", "password": "violet tractor umbrella", "birthdate": child}, "", 422},
		{"birthdate in the future", map[string]string{"handle": "future", "password": "violet tractor umbrella", "birthdate": "2999-01-01"}, "", 400},
		{"birthdate malformed", map[string]string{"handle": "bad", "password": "violet tractor umbrella", "birthdate": "01/02/2000"}, "", 400},
		{"short password", map[string]string{"handle": "shorty", "password": "abc123!", "birthdate": "2000-01-01"}, "", 422},
		{"common password", map[string]string{"handle": "common", "password": "iloveyou1", "birthdate": "2000-01-01"}, "", 422},
		{"password too long", map[string]string{"handle": "long", "password": strings.Repeat("x", 129), "birthdate": "2000-01-01"}, "", 422},
		{"duplicate handle", map[string]string{"handle": "Taken", "password": "violet tractor umbrella", "birthdate": "2000-01-01"}, "", 409},
		{"bad handle", map[string]string{"handle": "no spaces", "password": "violet tractor umbrella", "birthdate": "2000-01-01"}, "", 400},
		{"bad email", map[string]string{"handle": "mailer", "password": "violet tractor umbrella", "birthdate": "2000-01-01", "email": "nope"}, "", 400},
		{"unknown field", map[string]any{"handle": "extra", "password": "violet tractor umbrella", "birthdate": "2000-01-01", "admin": true}, "", 400},
		{"bad JSON", []byte(`{"handle":`), "application/json", 400},
		{"not an object", []byte(`[1,2]`), "application/json", 400},
		{"two values", []byte(`{} {}`), "application/json", 400},
		{"empty body", []byte(``), "application/json", 400},
		{"wrong content type", []byte(`handle=x`), "application/x-www-form-urlencoded", 415},
		{"huge body", []byte(`{"handle":"` + strings.Repeat("a", 2<<20) + `"}`), "application/json", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []reqOption
			if tc.ctype != "" {
				opts = append(opts, withHeader("Content-Type", tc.ctype))
			}
			r := f.must(tc.status, "POST", "/api/v1/accounts", tc.body, opts...)
			if tc.status != 201 {
				return
			}
			var out struct {
				ID, Handle, Token, Region string
				Account                   struct{ ID string }
			}
			r.decode(t, &out)
			if !flick.ValidID(out.ID) || out.Account.ID != out.ID || out.Token == "" || out.Region != flick.DefaultRegion {
				t.Fatalf("sign-up answer %s", r.body)
			}
			if tc.name == "ok, handle normalised" && out.Handle != "newuser" {
				t.Fatalf("handle %q, want newuser", out.Handle)
			}
			ck := r.Cookies()
			if len(ck) != 2 || ck[0].Name != SessionCookie || ck[0].Value != out.Token || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode {
				t.Fatalf("session cookie %+v", ck)
			}
			if ck[1].Name != deviceCookie || len(ck[1].Value) != 43 || ck[1].Value == out.Token || !ck[1].HttpOnly || ck[1].SameSite != http.SameSiteStrictMode {
				t.Fatalf("device cookie %+v", ck[1])
			}
			f.must(200, "GET", "/api/v1/me", nil, bearer(out.Token))
		})
	}
}

func TestLogInAndSessions(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	t.Run("wrong password and unknown handle look the same", func(t *testing.T) {
		a := f.must(401, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "wrong password!"})
		b := f.must(401, "POST", "/api/v1/sessions", map[string]string{"handle": "nobody", "password": "wrong password!"})
		if string(a.body) != string(b.body) {
			t.Fatalf("answers differ: %s vs %s", a.body, b.body)
		}
	})
	var tok string
	t.Run("log in", func(t *testing.T) {
		r := f.must(201, "POST", "/api/v1/sessions", map[string]string{"handle": "@ANN", "password": "violet tractor umbrella"},
			withHeader("User-Agent", "phone"))
		var out sessionResponse
		r.decode(t, &out)
		if out.Token == "" || out.Account.ID != ann.ID || out.Account.Birthdate != "1990-04-01" {
			t.Fatalf("login answer %s", r.body)
		}
		tok = out.Token
	})
	t.Run("cookie and bearer both work", func(t *testing.T) {
		f.must(200, "GET", "/api/v1/me", nil, bearer(tok))
		f.must(200, "GET", "/api/v1/me", nil, withCookie(f, tok))
		f.must(401, "GET", "/api/v1/me", nil)
		f.must(401, "GET", "/api/v1/me", nil, bearer("not-a-token"))
		f.must(401, "GET", "/api/v1/me", nil, withHeader("Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"))
		// A stale cookie is dropped, not an error, on public pages.
		r := f.must(200, "GET", "/api/v1/feed/foryou", nil, withCookie(f, "stale"))
		if ck := r.Cookies(); len(ck) != 1 || ck[0].MaxAge >= 0 {
			t.Fatalf("stale cookie not cleared: %+v", ck)
		}
	})
	t.Run("list and revoke sessions", func(t *testing.T) {
		r := f.must(200, "GET", "/api/v1/me/sessions", nil, bearer(tok))
		var list listJSON[flick.Session]
		r.decode(t, &list)
		if len(list.Items) != 2 {
			t.Fatalf("%d sessions, want 2 (sign-up and log-in)", len(list.Items))
		}
		var other string
		for _, s := range list.Items {
			if s.Current != (s.UserAgent == "phone") {
				t.Fatalf("current flag wrong: %+v", s)
			}
			if !s.Current {
				other = s.ID
			}
		}
		bob := f.signUp("bob")
		f.must(404, "DELETE", "/api/v1/me/sessions/"+other, nil, bearer(bob.Token)) // not bob's
		f.must(204, "DELETE", "/api/v1/me/sessions/"+other, nil, bearer(tok))
		f.must(401, "GET", "/api/v1/me", nil, bearer(ann.Token))
		f.must(404, "DELETE", "/api/v1/me/sessions/"+other, nil, bearer(tok))
		f.must(404, "DELETE", "/api/v1/me/sessions/garbage", nil, bearer(tok))
	})
	t.Run("log out", func(t *testing.T) {
		r := f.must(204, "DELETE", "/api/v1/sessions/current", nil, withCookie(f, tok))
		if ck := r.Cookies(); len(ck) != 1 || ck[0].MaxAge >= 0 {
			t.Fatalf("cookie not cleared: %+v", ck)
		}
		f.must(401, "GET", "/api/v1/me", nil, bearer(tok))
	})
}

func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.node.Accounts.LoginBurst = 3 })
	f.signUp("ann")
	for i := range 3 {
		f.must(401, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": fmt.Sprint("guess number ", i)})
	}
	r := f.must(429, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "violet tractor umbrella"})
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// Behind a trusted proxy the limit is per client IP: that IP may try no
	// other handle, and another IP is not held back by its failures.
	p := newFixture(t, func(s *setup) { s.node.Accounts.LoginBurst = 2; s.api.TrustProxy = true })
	p.signUp("ann")
	p.signUp("bob")
	from := func(ip string) reqOption { return withHeader("X-Forwarded-For", "203.0.113.9, "+ip) }
	p.must(401, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "nope nope"}, from("198.51.100.1"))
	p.must(401, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "nope nope"}, from("198.51.100.1"))
	p.must(429, "POST", "/api/v1/sessions", map[string]string{"handle": "bob", "password": "violet tractor umbrella"}, from("198.51.100.1"))
	p.must(201, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "violet tractor umbrella"}, from("198.51.100.2"))
	p.must(201, "POST", "/api/v1/sessions", map[string]string{"handle": "bob", "password": "violet tractor umbrella"}, from("198.51.100.2"))
}

// TestNoLockout is defect 10: a stranger's wrong passwords for a handle
// must not refuse the right one from the owner's own client, at sign-in or
// where a signed-in person types the password again.
func TestNoLockout(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.api.TrustProxy = true })
	ann := f.signUp("ann")
	from := func(ip string) reqOption { return withHeader("X-Forwarded-For", ip) }
	wrong := map[string]string{"handle": "ann", "password": "a wrong guess"}
	right := map[string]string{"handle": "ann", "password": "violet tractor umbrella"}
	// The stranger guesses 10 times and is slowed down, then refused...
	var last *response
	for range 10 {
		last = f.request("POST", "/api/v1/sessions", wrong, from("203.0.113.66"))
		if last.StatusCode != 401 && last.StatusCode != 429 {
			t.Fatalf("a wrong guess got %d", last.StatusCode)
		}
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("10th guess: %d, Retry-After %q; want 429 with a Retry-After", last.StatusCode, last.Header.Get("Retry-After"))
	}
	// ...while the owner signs in from their own client, even after a typo.
	f.must(201, "POST", "/api/v1/sessions", right, from("198.51.100.7"))
	f.must(401, "POST", "/api/v1/sessions", wrong, from("198.51.100.8"))
	f.must(201, "POST", "/api/v1/sessions", right, from("198.51.100.8"))
	// A stranger behind the owner's own address (one NAT, one café) makes
	// that address wait; the owner's browser, which signed in before,
	// keeps limits of its own.
	owner := f.must(201, "POST", "/api/v1/sessions", right, from("192.0.2.1"))
	device := withHeader("Cookie", deviceCookie+"="+owner.Cookies()[1].Value)
	for range 12 {
		f.request("POST", "/api/v1/sessions", wrong, from("192.0.2.1"))
	}
	f.must(429, "POST", "/api/v1/sessions", right, from("192.0.2.1"))
	f.must(201, "POST", "/api/v1/sessions", right, from("192.0.2.1"), device)
	f.must(401, "POST", "/api/v1/sessions", wrong, from("192.0.2.1"), device) // a typo
	f.must(201, "POST", "/api/v1/sessions", right, from("192.0.2.1"), device)
	// A device token is no key to another account: bob's failures count
	// against the address, as if there were no device token.
	f.signUp("bob")
	for range 5 {
		f.must(401, "POST", "/api/v1/sessions", map[string]string{"handle": "bob", "password": "a wrong guess"}, from("192.0.2.2"), device)
	}
	f.must(429, "POST", "/api/v1/sessions", map[string]string{"handle": "bob", "password": "violet tractor umbrella"}, from("192.0.2.2"))
	// A password asked again (changing it) is guarded the same way.
	f.must(204, "PUT", "/api/v1/me/password", map[string]string{"current_password": "violet tractor umbrella", "new_password": "a brand new phrase"},
		bearer(ann.Token), from("198.51.100.7"))
}

func TestSignUpRateLimit(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.node.Accounts.LoginBurst = 2 })
	f.signUp("ann")
	f.signUp("bob")
	body := map[string]string{"handle": "cat", "password": "violet tractor umbrella", "birthdate": "2000-01-01"}
	r := f.must(429, "POST", "/api/v1/accounts", body)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	if _, err := f.store.AccountByHandle(context.Background(), "cat"); flick.ErrorCode(err) != flick.ENOTFOUND {
		t.Fatalf("refused sign-up left an account: %v", err)
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	f.signUp("bob")
	cookie := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: SessionCookie, Value: ann.Token}) }
	for _, tc := range []struct {
		name   string
		opts   []reqOption
		status int
	}{
		{"cookie without Origin", []reqOption{cookie}, 403},
		{"cookie from another site", []reqOption{cookie, withHeader("Origin", "https://evil.example")}, 403},
		{"cookie, Sec-Fetch-Site cross-site", []reqOption{cookie, withHeader("Sec-Fetch-Site", "cross-site")}, 403},
		{"cookie, Origin null", []reqOption{cookie, withHeader("Origin", "null")}, 403},
		{"cookie, same origin", []reqOption{cookie, withHeader("Origin", f.ts.URL)}, 200},
		{"cookie, Sec-Fetch-Site same-origin", []reqOption{cookie, withHeader("Sec-Fetch-Site", "same-origin")}, 200},
		{"bearer from anywhere", []reqOption{bearer(ann.Token), withHeader("Origin", "https://evil.example")}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.must(tc.status, "POST", "/api/v1/accounts/bob/follow", nil, tc.opts...)
		})
	}
	t.Run("login CSRF", func(t *testing.T) {
		f.must(403, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "violet tractor umbrella"},
			withHeader("Origin", "https://evil.example"))
	})
}

func TestProfilesAndFollows(t *testing.T) {
	f := newFixture(t)
	ann, bob := f.signUp("ann"), f.signUp("bob")
	t.Run("edit profile", func(t *testing.T) {
		r := f.must(200, "PATCH", "/api/v1/me", map[string]string{"display_name": "  Ann A.  ", "bio": "hi\nthere"}, bearer(ann.Token))
		var me meJSON
		r.decode(t, &me)
		if me.DisplayName != "Ann A." || me.Bio != "hi\nthere" {
			t.Fatalf("profile %s", r.body)
		}
		f.must(400, "PATCH", "/api/v1/me", map[string]string{"display_name": "bad\x00name"}, bearer(ann.Token))
		f.must(400, "PATCH", "/api/v1/me", map[string]string{"bio": strings.Repeat("b", 301)}, bearer(ann.Token))
	})
	t.Run("public profile hides personal data", func(t *testing.T) {
		r := f.must(200, "GET", "/api/v1/accounts/ann", nil)
		for _, field := range []string{"email", "birthdate", "roles", "region"} {
			if strings.Contains(string(r.body), `"`+field+`"`) {
				t.Fatalf("public profile shows %s: %s", field, r.body)
			}
		}
		// The home region is personal: only the account itself sees it.
		if r := f.must(200, "GET", "/api/v1/me", nil, bearer(ann.Token)); !strings.Contains(string(r.body), `"region":"default"`) {
			t.Fatalf("own account lacks the home region: %s", r.body)
		}
		f.must(404, "GET", "/api/v1/accounts/nobody", nil)
		f.must(404, "GET", "/api/v1/accounts/"+strings.Repeat("x", 300), nil)
	})
	counts := func(handle, token string) accountJSON {
		var a accountJSON
		f.must(200, "GET", "/api/v1/accounts/"+handle, nil, bearer(token)).decode(t, &a)
		return a
	}
	t.Run("follow and unfollow", func(t *testing.T) {
		for range 2 { // idempotent
			r := f.must(200, "POST", "/api/v1/accounts/bob/follow", nil, bearer(ann.Token))
			var a accountJSON
			r.decode(t, &a)
			if !a.Following || a.FollowerCount != 1 {
				t.Fatalf("after follow: %s", r.body)
			}
		}
		if a := counts("ann", bob.Token); a.FollowingCount != 1 || a.Following {
			t.Fatalf("ann as bob sees her: %+v", a)
		}
		if a := counts("bob", ann.Token); !a.Following {
			t.Fatal("ann does not see that she follows bob")
		}
		f.must(422, "POST", "/api/v1/accounts/ann/follow", nil, bearer(ann.Token))
		f.must(404, "POST", "/api/v1/accounts/nobody/follow", nil, bearer(ann.Token))
		f.must(401, "POST", "/api/v1/accounts/bob/follow", nil)
		r := f.must(200, "DELETE", "/api/v1/accounts/bob/follow", nil, bearer(ann.Token))
		var a accountJSON
		r.decode(t, &a)
		if a.Following || a.FollowerCount != 0 {
			t.Fatalf("after unfollow: %s", r.body)
		}
	})
	t.Run("follow events reach the log", func(t *testing.T) {
		last, err := f.log.LastSeq(t.Context())
		if err != nil || last != 2 {
			t.Fatalf("LastSeq = %d, %v; want 2 (follow, unfollow)", last, err)
		}
	})
}

func TestAvatar(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	img := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	for y := range 200 {
		for x := range 300 {
			img.Set(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: 100, A: 255})
		}
	}
	var pngBuf, jpgBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpgBuf, img, nil); err != nil {
		t.Fatal(err)
	}
	// A PNG header claiming 100000x100000 pixels: must be refused before
	// decoding allocates for it.
	bomb := append([]byte(nil), pngBuf.Bytes()[:33]...)
	copy(bomb[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
	for _, tc := range []struct {
		name   string
		ctype  string
		body   []byte
		status int
	}{
		{"png", "image/png", pngBuf.Bytes(), 200},
		{"jpeg labelled png", "image/png", jpgBuf.Bytes(), 200},
		{"gif", "image/gif", []byte("GIF89a"), 415},
		{"text as png", "image/png", []byte("hello, not an image"), 415},
		{"truncated png", "image/png", pngBuf.Bytes()[:100], 422},
		{"pixel bomb", "image/png", bomb, 422},
		{"too big", "image/jpeg", append(jpgBuf.Bytes(), make([]byte, 6<<20)...), 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.must(tc.status, "PUT", "/api/v1/me/avatar", tc.body, bearer(ann.Token), withHeader("Content-Type", tc.ctype))
			if tc.status != 200 {
				return
			}
			var me meJSON
			r.decode(t, &me)
			if me.AvatarURL == "" {
				t.Fatalf("no avatar_url: %s", r.body)
			}
			got := f.must(200, "GET", me.AvatarURL, nil)
			out, err := jpeg.Decode(bytes.NewReader(got.body))
			if err != nil || out.Bounds().Dx() != accounts.AvatarSize || out.Bounds().Dy() != accounts.AvatarSize {
				t.Fatalf("stored avatar is not a %dx%d JPEG: %v", accounts.AvatarSize, accounts.AvatarSize, err)
			}
		})
	}
}

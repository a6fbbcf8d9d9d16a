package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

func testPasswords(t *testing.T, f *fixture) {
	ann, bob := f.account("ann"), f.account("bob")
	home := f.home(ann.ID)
	session := func(a *flick.Account, token string) *flick.Session {
		s := &flick.Session{AccountID: a.ID, TokenHash: []byte(token), CreatedAt: f.tick(), ExpiresAt: f.now.Add(time.Hour)}
		f.must(f.home(a.ID).CreateSession(f.ctx, s))
		return s
	}
	sessionIDs := func(a *flick.Account) []string {
		list, err := f.home(a.ID).Sessions(f.ctx, a.ID)
		f.must(err)
		var ids []string
		for _, s := range list {
			ids = append(ids, s.ID)
		}
		slices.Sort(ids)
		return ids
	}
	reset := func(a *flick.Account, token string, expires time.Time) {
		f.must(f.home(a.ID).CreatePasswordReset(f.ctx, &flick.PasswordReset{AccountID: a.ID, TokenHash: []byte(token), CreatedAt: f.tick(), ExpiresAt: expires}))
	}
	wantHash := func(a *flick.Account, want string) {
		t.Helper()
		got, err := f.home(a.ID).PasswordHash(f.ctx, a.ID)
		f.must(err)
		if got != want {
			t.Errorf("%s's password hash %q, want %q", a.Handle, got, want)
		}
	}

	f.run("SetPassword keeps one session", func(f *fixture) {
		keep, _ := session(ann, "ann-1"), session(ann, "ann-2")
		bobs := session(bob, "bob-1")
		reset(ann, "ann-reset", f.now.Add(time.Hour))
		f.must(home.AddDevice(f.ctx, ann.ID, []byte("ann-laptop"), f.tick()))
		f.must(home.SetPassword(f.ctx, ann.ID, "new-hash", keep.ID))
		if known, err := home.KnownDevice(f.ctx, ann.ID, []byte("ann-laptop")); err != nil || known {
			t.Errorf("a device is still known after the password changed: %v, %v", known, err)
		}
		wantHash(ann, "new-hash")
		if got := sessionIDs(ann); !slices.Equal(got, []string{keep.ID}) {
			t.Errorf("sessions after SetPassword %v, want only %s", got, keep.ID)
		}
		if got := sessionIDs(bob); !slices.Equal(got, []string{bobs.ID}) {
			t.Errorf("bob's sessions %v", got)
		}
		_, err := home.ResetPassword(f.ctx, []byte("ann-reset"), "h", f.now)
		f.wantCode(err, flick.ENOTFOUND, "a reset made before the password changed")
		f.wantCode(home.SetPassword(f.ctx, flick.NewID(f.tick()), "h", ""), flick.ENOTFOUND, "unknown account")
		f.wantCode(home.SetPassword(f.ctx, ann.ID, "", ""), flick.EINVALID, "empty hash")
	})
	f.run("a reset works once and signs everything out", func(f *fixture) {
		session(ann, "ann-3")
		reset(ann, "ann-old", f.now.Add(time.Hour))
		reset(ann, "ann-new", f.now.Add(time.Hour))
		_, err := home.ResetPassword(f.ctx, []byte("ann-old"), "h", f.now)
		f.wantCode(err, flick.ENOTFOUND, "a superseded reset")
		id, err := home.ResetPassword(f.ctx, []byte("ann-new"), "reset-hash", f.now)
		f.must(err)
		if id != ann.ID {
			t.Errorf("reset the password of %s, want %s", id, ann.ID)
		}
		wantHash(ann, "reset-hash")
		if got := sessionIDs(ann); len(got) != 0 {
			t.Errorf("sessions after a reset: %v", got)
		}
		_, err = home.ResetPassword(f.ctx, []byte("ann-new"), "again", f.now)
		f.wantCode(err, flick.ENOTFOUND, "a used reset")
		wantHash(ann, "reset-hash")
	})
	f.run("an expired reset does nothing", func(f *fixture) {
		reset(ann, "ann-expiring", f.now.Add(time.Minute))
		_, err := home.ResetPassword(f.ctx, []byte("ann-expiring"), "late", f.now.Add(time.Minute))
		f.wantCode(err, flick.ENOTFOUND, "an expired reset")
		wantHash(ann, "reset-hash")
	})
	f.run("refusals", func(f *fixture) {
		f.wantCode(home.CreatePasswordReset(f.ctx, &flick.PasswordReset{AccountID: flick.NewID(f.tick()), TokenHash: []byte("x"),
			CreatedAt: f.tick(), ExpiresAt: f.now.Add(time.Hour)}), flick.ENOTFOUND, "reset of an unknown account")
		f.wantCode(home.CreatePasswordReset(f.ctx, &flick.PasswordReset{AccountID: ann.ID, CreatedAt: f.tick(), ExpiresAt: f.now.Add(time.Hour)}),
			flick.EINVALID, "reset without a token")
		_, err := home.ResetPassword(f.ctx, []byte("ann-x"), "", f.now)
		f.wantCode(err, flick.EINVALID, "empty hash")
	})
	f.run("AccountsByEmail", func(f *fixture) {
		at := f.tick()
		cat := &flick.Account{ID: flick.NewID(at), Handle: "cat", Email: "Cat@example.com", Region: f.regions[0].Name, CreatedAt: at}
		f.createAccount(cat, "h")
		got, err := f.home(cat.ID).AccountsByEmail(f.ctx, "Cat@example.com")
		f.must(err)
		if len(got) != 1 || got[0].ID != cat.ID {
			t.Errorf("AccountsByEmail = %+v", got)
		}
		for _, e := range []string{"", "cat@example.com", "' OR 1=1 --"} {
			if got, err := f.home(cat.ID).AccountsByEmail(f.ctx, e); err != nil || len(got) != 0 {
				t.Errorf("AccountsByEmail(%q) = %+v, %v; want none", e, got, err)
			}
		}
	})
	f.run("devices", func(f *fixture) {
		known := func(a *flick.Account, token string) bool {
			ok, err := f.home(a.ID).KnownDevice(f.ctx, a.ID, []byte(token))
			f.must(err)
			return ok
		}
		f.must(home.AddDevice(f.ctx, ann.ID, []byte("ann-phone"), f.tick()))
		f.must(home.AddDevice(f.ctx, ann.ID, []byte("ann-phone"), f.tick())) // again: no error
		if !known(ann, "ann-phone") || known(ann, "bob-phone") || known(bob, "ann-phone") {
			t.Error("KnownDevice does not tell ann's device from others")
		}
		f.wantCode(home.AddDevice(f.ctx, flick.NewID(f.tick()), []byte("x"), f.tick()), flick.ENOTFOUND, "device of an unknown account")
		f.wantCode(home.AddDevice(f.ctx, ann.ID, nil, f.tick()), flick.EINVALID, "device without a token")
	})
}

package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

func testAccounts(t *testing.T, f *fixture) {
	at := f.tick()
	a := &flick.Account{ID: flick.NewID(at), Handle: "alice", DisplayName: "Alice 'O; DROP TABLE accounts;--",
		Bio: "line one\nline two", Email: "alice@example.com", Birthdate: "1999-12-31", Region: f.regions[len(f.regions)-1].Name, CreatedAt: at}
	f.createAccount(a, "argon2id$hash")

	for _, get := range []struct {
		name string
		fn   func() (*flick.Account, error)
	}{
		{"by id", func() (*flick.Account, error) { return f.all.Account(f.ctx, a.ID) }},
		{"by handle", func() (*flick.Account, error) { return f.all.AccountByHandle(f.ctx, "alice") }},
	} {
		got, err := get.fn()
		f.must(err)
		want := *a
		if got.ID != want.ID || got.Handle != want.Handle || got.DisplayName != want.DisplayName || got.Bio != want.Bio ||
			got.Email != want.Email || got.Birthdate != want.Birthdate || got.Region != want.Region ||
			!got.CreatedAt.Equal(want.CreatedAt) || got.HasAvatar || got.AvatarURL != "" {
			t.Errorf("%s: got %+v, want %+v", get.name, got, want)
		}
	}
	hash, err := f.home(a.ID).PasswordHash(f.ctx, a.ID)
	f.must(err)
	if hash != "argon2id$hash" {
		t.Errorf("PasswordHash = %q", hash)
	}

	err = f.all.CreateAccount(f.ctx, &flick.Account{ID: flick.NewID(f.tick()), Handle: "alice", CreatedAt: f.tick()}, "h")
	f.wantCode(err, flick.ECONFLICT, "duplicate handle")
	if msg := flick.ErrorMessage(err); msg != "Handle is already taken." {
		t.Errorf("duplicate handle message %q", msg)
	}
	f.wantCode(f.all.CreateAccount(f.ctx, &flick.Account{ID: "not an id", Handle: "bob", CreatedAt: f.tick()}, "h"),
		flick.EINVALID, "bad id")
	at = f.tick()
	f.createAccount(&flick.Account{ID: flick.NewID(at), Handle: "nowhere", CreatedAt: at}, "h")
	if got, err := f.all.AccountByHandle(f.ctx, "nowhere"); err != nil || got.Region != f.regions[0].Name {
		t.Errorf("account made without a region: %+v, %v; want region %q", got, err, f.regions[0].Name)
	}

	for _, tc := range []struct {
		name string
		fn   func() error
	}{
		{"Account", func() error { _, err := f.all.Account(f.ctx, flick.NewID(f.tick())); return err }},
		{"AccountByHandle", func() error { _, err := f.all.AccountByHandle(f.ctx, "nobody"); return err }},
		{"AccountByHandle wildcard", func() error { _, err := f.all.AccountByHandle(f.ctx, "%"); return err }},
		{"PasswordHash", func() error { _, err := f.home("").PasswordHash(f.ctx, "' OR '1'='1"); return err }},
		{"UpdateProfile", func() error {
			name := "x"
			_, err := f.home("").UpdateProfile(f.ctx, flick.NewID(f.tick()), flick.ProfileUpdate{DisplayName: &name})
			return err
		}},
	} {
		f.run(tc.name, func(f *fixture) { f.wantCode(tc.fn(), flick.ENOTFOUND, tc.name) })
	}
}

func testUpdateProfile(t *testing.T, f *fixture) {
	a := f.account("carol")
	name, bio, avatar := "Carol ✨", "hello\nworld", true
	got, err := f.home(a.ID).UpdateProfile(f.ctx, a.ID, flick.ProfileUpdate{DisplayName: &name, HasAvatar: &avatar})
	f.must(err)
	if got.DisplayName != name || got.Bio != "" || !got.HasAvatar || got.AvatarURL != flick.MediaURL(flick.AvatarKey(a.ID)) {
		t.Errorf("after update: %+v", got)
	}
	got, err = f.home(a.ID).UpdateProfile(f.ctx, a.ID, flick.ProfileUpdate{Bio: &bio})
	f.must(err)
	if got.DisplayName != name || got.Bio != bio {
		t.Errorf("a Bio-only update changed more: %+v", got)
	}

	long := strings.Repeat("x", flick.MaxNameRunes+1)
	bad := "bad\x00name"
	for _, u := range []flick.ProfileUpdate{{DisplayName: &long}, {DisplayName: &bad, Bio: &bio}} {
		_, err := f.home(a.ID).UpdateProfile(f.ctx, a.ID, u)
		f.wantCode(err, flick.EINVALID, "invalid profile")
	}
	if got := f.getAccount(a.ID); got.DisplayName != name || got.Bio != bio {
		t.Errorf("a refused update changed the profile: %+v", got)
	}
	got, err = f.home(a.ID).UpdateProfile(f.ctx, a.ID, flick.ProfileUpdate{})
	f.must(err)
	if got.ID != a.ID {
		t.Errorf("empty update returned %+v", got)
	}
}

func testFollow(t *testing.T, f *fixture) {
	a, b, c := f.account("ann"), f.account("ben"), f.account("cat")
	empty, err := f.home(a.ID).FollowingIDs(f.ctx, a.ID)
	f.must(err)
	if empty == nil || len(empty) != 0 {
		t.Errorf("FollowingIDs of nobody = %#v, want an empty non-nil slice", empty)
	}

	f.toggles([]toggle{
		{"a follows b", func() (bool, error) { return f.home(a.ID).Follow(f.ctx, a.ID, b.ID, f.tick()) }, true},
		{"a follows b again", func() (bool, error) { return f.home(a.ID).Follow(f.ctx, a.ID, b.ID, f.tick()) }, false},
		{"a follows c", func() (bool, error) { return f.home(a.ID).Follow(f.ctx, a.ID, c.ID, f.tick()) }, true},
		{"c follows b", func() (bool, error) { return f.home(c.ID).Follow(f.ctx, c.ID, b.ID, f.tick()) }, true},
		{"c unfollows b", func() (bool, error) { return f.home(c.ID).Unfollow(f.ctx, c.ID, b.ID) }, true},
		{"c unfollows b again", func() (bool, error) { return f.home(c.ID).Unfollow(f.ctx, c.ID, b.ID) }, false},
		{"c unfollows a, never followed", func() (bool, error) { return f.home(c.ID).Unfollow(f.ctx, c.ID, a.ID) }, false},
	})
	for _, want := range []struct {
		acc                  *flick.Account
		followers, following int64
	}{{a, 0, 2}, {b, 1, 0}, {c, 1, 0}} {
		got := f.getAccount(want.acc.ID)
		if got.FollowerCount != want.followers || got.FollowingCount != want.following {
			t.Errorf("%s: followers %d following %d, want %d %d", got.Handle, got.FollowerCount, got.FollowingCount,
				want.followers, want.following)
		}
	}
	for _, q := range []struct {
		from, to *flick.Account
		want     bool
	}{{a, b, true}, {b, a, false}, {c, b, false}} {
		ok, err := f.home(q.from.ID).IsFollowing(f.ctx, q.from.ID, q.to.ID)
		f.must(err)
		if ok != q.want {
			t.Errorf("IsFollowing(%s, %s) = %v", q.from.Handle, q.to.Handle, ok)
		}
	}
	following, err := f.home(a.ID).FollowingIDs(f.ctx, a.ID)
	f.must(err)
	want := []string{b.ID, c.ID}
	slices.Sort(following)
	slices.Sort(want)
	if !slices.Equal(following, want) {
		t.Errorf("FollowingIDs = %v, want %v", following, want)
	}

	_, err = f.home(a.ID).Follow(f.ctx, a.ID, a.ID, f.tick())
	f.wantCode(err, flick.EINVALID, "follow yourself")
	_, err = f.home(a.ID).Follow(f.ctx, a.ID, flick.NewID(f.tick()), f.tick())
	f.wantCode(err, flick.ENOTFOUND, "follow unknown account")
	if got := f.getAccount(a.ID); got.FollowingCount != 2 {
		t.Errorf("refused follows changed the count to %d", got.FollowingCount)
	}
}

func testSearchAccounts(t *testing.T, f *fixture) {
	dan, danaX := f.account("dan"), f.account("dana_x")
	f.account("danaxe")
	zed, u := f.account("zed"), f.account("user9")
	name := "Ünsal Dana"
	_, err := f.home(u.ID).UpdateProfile(f.ctx, u.ID, flick.ProfileUpdate{DisplayName: &name})
	f.must(err)

	tests := []struct {
		q    string
		want []string // handles, sorted
	}{
		{"dan", []string{"dan", "dana_x", "danaxe"}},
		{"DANA", []string{"dana_x", "danaxe"}},
		{"@dana", []string{"dana_x", "danaxe"}},
		{"dana_", []string{"dana_x"}}, // '_' is literal, not LIKE's any-character
		{"%", nil},
		{"d%", nil},
		{"_", nil},
		{"ünsal", []string{"user9"}},
		{"name of z", []string{"zed"}},
		{"' OR 1=1 --", nil},
		{`\`, nil},
		{"", nil},
	}
	for _, tc := range tests {
		f.run(tc.q, func(f *fixture) {
			got, err := f.all.SearchAccounts(f.ctx, tc.q, 10)
			f.must(err)
			var handles []string
			for _, a := range got {
				handles = append(handles, a.Handle)
			}
			slices.Sort(handles)
			if !slices.Equal(handles, tc.want) {
				f.t.Errorf("SearchAccounts(%q) = %v, want %v", tc.q, handles, tc.want)
			}
		})
	}
	got, err := f.all.SearchAccounts(f.ctx, "dan", 1)
	f.must(err)
	if len(got) != 1 || got[0].Handle != "dan" {
		t.Errorf("limit 1: got %d accounts, first should be the exact match", len(got))
	}

	// Without an exact match the most followed come first, then by handle.
	// Over two regions, mo_b and mo_d share one, mo_b has a follower there
	// and mo_d has two in the other.
	mo := []*flick.Account{f.account("mo_a"), f.account("mo_b"), f.account("mo_c"), f.account("mo_d")}
	for _, follow := range []struct{ from, to *flick.Account }{{dan, mo[1]}, {zed, mo[3]}, {danaX, mo[3]}} {
		_, err := f.home(follow.from.ID).Follow(f.ctx, follow.from.ID, follow.to.ID, f.tick())
		f.must(err)
	}
	ranked := []string{"mo_d", "mo_b", "mo_a", "mo_c"}
	for _, limit := range []int{1, 3, 10} {
		got, err := f.all.SearchAccounts(f.ctx, "mo", limit)
		f.must(err)
		var handles []string
		for _, a := range got {
			handles = append(handles, a.Handle)
		}
		if want := ranked[:min(limit, len(ranked))]; !slices.Equal(handles, want) {
			t.Errorf("SearchAccounts(mo, %d) = %v, want %v", limit, handles, want)
		}
	}
}

func testSessions(t *testing.T, f *fixture) {
	a, b := f.account("sam"), f.account("sue")
	now := time.Now().UTC().Truncate(time.Millisecond)
	mk := func(acc *flick.Account, token string, expires time.Time) *flick.Session {
		s := &flick.Session{AccountID: acc.ID, TokenHash: []byte(token), UserAgent: "test/1.0", CreatedAt: now,
			LastSeenAt: now, ExpiresAt: expires}
		f.must(f.home(s.AccountID).CreateSession(f.ctx, s))
		if !flick.ValidID(s.ID) {
			t.Fatalf("CreateSession left ID %q", s.ID)
		}
		return s
	}
	live := mk(a, "token-live\x00\xff", now.Add(time.Hour))
	expired := mk(a, "token-expired", now.Add(-time.Hour))
	other := mk(b, "token-other", now.Add(time.Hour))

	got, err := f.all.SessionByTokenHash(f.ctx, live.TokenHash, now)
	f.must(err)
	if got.ID != live.ID || got.AccountID != a.ID || got.UserAgent != "test/1.0" || !got.ExpiresAt.Equal(live.ExpiresAt) ||
		!got.LastSeenAt.Equal(now) || string(got.TokenHash) != string(live.TokenHash) {
		t.Errorf("SessionByTokenHash = %+v", got)
	}
	for _, tc := range []struct {
		name string
		hash []byte
		now  time.Time
	}{
		{"expired", expired.TokenHash, now},
		{"expires at now", live.TokenHash, live.ExpiresAt},
		{"unknown", []byte("token-unknown"), now},
		{"prefix", []byte("token"), now},
	} {
		_, err := f.all.SessionByTokenHash(f.ctx, tc.hash, tc.now)
		f.wantCode(err, flick.ENOTFOUND, tc.name)
	}
	f.wantCode(f.home("").CreateSession(f.ctx, &flick.Session{AccountID: flick.NewID(now), TokenHash: []byte("t2"), ExpiresAt: now.Add(time.Hour)}),
		flick.ENOTFOUND, "session of unknown account")
	f.wantCode(f.home(a.ID).CreateSession(f.ctx, &flick.Session{AccountID: a.ID, TokenHash: live.TokenHash, ExpiresAt: now.Add(time.Hour)}),
		flick.ECONFLICT, "session with a duplicate token hash")

	// Touch: a batch moves each named session forward only and ignores
	// sessions that do not exist.
	second := mk(a, "token-second", now.Add(time.Hour))
	later := now.Add(2 * time.Minute)
	for _, tc := range []struct {
		name       string
		seen       map[string]time.Time
		live, next time.Time // LastSeenAt of live and second afterwards
	}{
		{"empty batch", map[string]time.Time{}, now, now},
		{"both forward", map[string]time.Time{live.ID: later, second.ID: now.Add(time.Minute)}, later, now.Add(time.Minute)},
		{"never backwards", map[string]time.Time{live.ID: now, second.ID: later}, later, later},
		{"unknown session", map[string]time.Time{flick.NewID(now): later.Add(time.Hour)}, later, later},
	} {
		f.must(f.all.TouchSessions(f.ctx, tc.seen))
		for _, want := range []struct {
			s  *flick.Session
			at time.Time
		}{{live, tc.live}, {second, tc.next}} {
			if got, err := f.all.SessionByTokenHash(f.ctx, want.s.TokenHash, now); err != nil || !got.LastSeenAt.Equal(want.at) {
				t.Errorf("%s: LastSeenAt = %v (err %v), want %v", tc.name, got, err, want.at)
			}
		}
	}
	f.must(f.home(a.ID).DeleteSession(f.ctx, a.ID, second.ID))

	list, err := f.home(a.ID).Sessions(f.ctx, a.ID)
	f.must(err)
	if len(list) != 1 || list[0].ID != live.ID {
		t.Errorf("Sessions lists %d sessions, want only the live one", len(list))
	}
	f.wantCode(f.home(a.ID).DeleteSession(f.ctx, a.ID, other.ID), flick.ENOTFOUND, "delete someone else's session")
	if _, err := f.all.SessionByTokenHash(f.ctx, other.TokenHash, now); err != nil {
		t.Errorf("refused delete removed the session: %v", err)
	}
	f.must(f.home(a.ID).DeleteSession(f.ctx, a.ID, live.ID))
	_, err = f.all.SessionByTokenHash(f.ctx, live.TokenHash, now)
	f.wantCode(err, flick.ENOTFOUND, "deleted session")
	f.wantCode(f.home(a.ID).DeleteSession(f.ctx, a.ID, live.ID), flick.ENOTFOUND, "delete twice")
}

package storetest

import (
	"slices"
	"testing"

	"github.com/flick-video/flick"
)

// edgePages reads every page of a newest-first edge list, limit at a time,
// and returns the IDs in order; it fails past a page count that only a
// cursor going round in circles would reach.
func (f *fixture) edgePages(limit int, list func(p flick.Page) ([]flick.Edge, string, error)) []string {
	f.t.Helper()
	var out []string
	p := flick.Page{Limit: limit}
	for range 100 {
		edges, next, err := list(p)
		f.must(err)
		if len(edges) > limit {
			f.t.Fatalf("page of %d edges, limit %d", len(edges), limit)
		}
		out = append(out, edgeIDs(edges)...)
		if next == "" {
			return out
		}
		p.Cursor = next
	}
	f.t.Fatal("edge list does not end")
	return nil
}

// wantBadCursors checks that list refuses cursors that no page made.
func (f *fixture) wantBadCursors(what string, list func(p flick.Page) ([]flick.Edge, string, error)) {
	f.t.Helper()
	for _, c := range []string{"junk", "123", "123.", "-5." + flick.NewID(f.now), "12x." + flick.NewID(f.now), "0012." + flick.NewID(f.now),
		"1." + flick.NewID(f.now) + "'", flick.NewID(f.now), "99999999999999999999." + flick.NewID(f.now)} {
		_, _, err := list(flick.Page{Cursor: c})
		f.wantCode(err, flick.EINVALID, what+" with cursor "+c)
	}
}

func testFollowLists(t *testing.T, f *fixture) {
	star, a, b, c := f.account("star"), f.account("ava"), f.account("bo"), f.account("cy")
	for _, fan := range []*flick.Account{a, b, c} {
		_, err := f.home(fan.ID).Follow(f.ctx, fan.ID, star.ID, f.tick())
		f.must(err)
	}
	// Two follows in one millisecond still page without a gap or a repeat.
	same := f.tick()
	for _, followee := range []*flick.Account{a, b, c} {
		_, err := f.home(star.ID).Follow(f.ctx, star.ID, followee.ID, same)
		f.must(err)
	}
	_, err := f.home(a.ID).Follow(f.ctx, a.ID, c.ID, f.tick())
	f.must(err)

	followers := func(id string) func(p flick.Page) ([]flick.Edge, string, error) {
		return func(p flick.Page) ([]flick.Edge, string, error) { return f.all.Followers(f.ctx, id, p) }
	}
	followees := func(id string) func(p flick.Page) ([]flick.Edge, string, error) {
		return func(p flick.Page) ([]flick.Edge, string, error) { return f.home(id).Followees(f.ctx, id, p) }
	}
	byIDDesc := []string{a.ID, b.ID, c.ID}
	slices.Reverse(byIDDesc) // IDs made later sort after: the newest first
	for _, tc := range []struct {
		name  string
		list  func(p flick.Page) ([]flick.Edge, string, error)
		limit int
		want  []string
	}{
		{"followers of star", followers(star.ID), 2, []string{c.ID, b.ID, a.ID}},
		{"followers of star, one a page", followers(star.ID), 1, []string{c.ID, b.ID, a.ID}},
		{"followers of c", followers(c.ID), 1, []string{a.ID, star.ID}},
		{"followers of nobody's followee", followers(b.ID), 5, []string{star.ID}},
		{"star follows, one millisecond", followees(star.ID), 1, byIDDesc},
		{"star follows, one page", followees(star.ID), 5, byIDDesc},
		{"a follows", followees(a.ID), 1, []string{c.ID, star.ID}},
		{"b follows", followees(b.ID), 1, []string{star.ID}},
	} {
		if got := f.edgePages(tc.limit, tc.list); !slices.Equal(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	edges, _, err := f.all.Followers(f.ctx, star.ID, flick.Page{Limit: 1})
	f.must(err)
	if len(edges) != 1 || edges[0].At.Before(f.now) || edges[0].At.After(same) {
		t.Errorf("follower edge %+v: want c's follow time", edges)
	}
	none, next, err := f.all.Followers(f.ctx, flick.NewID(f.tick()), flick.Page{})
	f.must(err)
	if len(none) != 0 || next != "" {
		t.Errorf("followers of an unknown account = %v, %q", none, next)
	}
	f.wantBadCursors("followers", followers(star.ID))
	f.wantBadCursors("followees", followees(star.ID))

	among, err := f.home(a.ID).FollowingAmong(f.ctx, a.ID, []string{star.ID, b.ID, c.ID, flick.NewID(f.tick()), "junk'"})
	f.must(err)
	if !mapsEqual(among, map[string]bool{star.ID: true, c.ID: true}) {
		t.Errorf("FollowingAmong = %v", among)
	}

	gone := flick.NewID(f.tick())
	refs, err := f.all.AccountRefs(f.ctx, []string{star.ID, c.ID, gone, star.ID})
	f.must(err)
	if len(refs) != 2 || refs[star.ID] != (flick.AccountRef{ID: star.ID, Handle: "star", DisplayName: "Name of star"}) ||
		refs[c.ID].Handle != "cy" {
		t.Errorf("AccountRefs = %+v", refs)
	}
	if refs, err := f.all.AccountRefs(f.ctx, nil); err != nil || len(refs) != 0 {
		t.Errorf("AccountRefs(nil) = %v, %v", refs, err)
	}
}

func testLikesList(t *testing.T, f *fixture) {
	a, b := f.account("liker"), f.account("maker")
	v1, v2, v3 := f.readyVideo(b, "one"), f.readyVideo(a, "own"), f.readyVideo(b, "three")
	for _, v := range []*flick.Video{v1, v2, v3} {
		_, err := f.home(a.ID).Like(f.ctx, a.ID, v.ID, f.tick())
		f.must(err)
	}
	_, err := f.home(a.ID).Unlike(f.ctx, a.ID, v2.ID)
	f.must(err)
	_, err = f.home(a.ID).Like(f.ctx, a.ID, v1.ID, f.tick()) // already liked: keeps its time
	f.must(err)
	likes := func(p flick.Page) ([]flick.Edge, string, error) { return f.home(a.ID).Likes(f.ctx, a.ID, p) }
	for _, limit := range []int{1, 2, 10} {
		if got := f.edgePages(limit, likes); !slices.Equal(got, []string{v3.ID, v1.ID}) {
			t.Errorf("likes, %d a page = %v, want v3, v1", limit, got)
		}
	}
	if got := f.edgePages(10, func(p flick.Page) ([]flick.Edge, string, error) { return f.home(b.ID).Likes(f.ctx, b.ID, p) }); len(got) != 0 {
		t.Errorf("likes of b = %v, want none", got)
	}
	f.wantBadCursors("likes", likes)
}

func testLikesPublic(t *testing.T, f *fixture) {
	a := f.account("open_book")
	if f.getAccount(a.ID).LikesPublic {
		t.Fatal("a new account's likes are public")
	}
	for _, want := range []bool{true, false, true} {
		_, err := f.home(a.ID).UpdateProfile(f.ctx, a.ID, flick.ProfileUpdate{LikesPublic: &want})
		f.must(err)
		if got := f.getAccount(a.ID); got.LikesPublic != want {
			t.Errorf("LikesPublic = %v after setting %v", got.LikesPublic, want)
		}
	}
	bio := "unrelated"
	_, err := f.home(a.ID).UpdateProfile(f.ctx, a.ID, flick.ProfileUpdate{Bio: &bio})
	f.must(err)
	if !f.getAccount(a.ID).LikesPublic {
		t.Error("an update without likes_public changed it")
	}
}

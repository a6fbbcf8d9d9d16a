package httpapi

import (
	"maps"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// TestFollowLists pages the followers and following lists through the API,
// newest first, with whether the viewer follows each, and refuses cursors
// no page made.
func TestFollowLists(t *testing.T) {
	f := newFixture(t)
	star, viewer := f.signUp("star"), f.signUp("viewer")
	fans := []user{f.signUp("fan1"), f.signUp("fan2"), f.signUp("fan3")}
	for _, u := range append(slices.Clone(fans), viewer) {
		f.must(200, "POST", "/api/v1/accounts/star/follow", nil, bearer(u.Token))
	}
	f.must(200, "POST", "/api/v1/accounts/fan2/follow", nil, bearer(viewer.Token))
	f.must(200, "POST", "/api/v1/accounts/fan1/follow", nil, bearer(star.Token))

	type page struct {
		Items      []flick.ListedAccount `json:"items"`
		NextCursor string                `json:"next_cursor"`
	}
	all := func(path string, opts ...reqOption) (handles []string, following map[string]bool) {
		t.Helper()
		following = map[string]bool{}
		cursor := ""
		for range 10 {
			var p page
			f.must(200, "GET", path+"?limit=2&cursor="+url.QueryEscape(cursor), nil, opts...).decode(t, &p)
			for _, it := range p.Items {
				handles = append(handles, it.Handle)
				following[it.Handle] = it.Following
				if it.ID == "" || it.DisplayName != "" {
					t.Errorf("%s: item %+v: want an ID and the (empty) display name", path, it)
				}
			}
			if cursor = p.NextCursor; cursor == "" {
				return handles, following
			}
		}
		t.Fatalf("%s does not end", path)
		return nil, nil
	}
	handles, following := all("/api/v1/accounts/star/followers", bearer(viewer.Token))
	if want := []string{"viewer", "fan3", "fan2", "fan1"}; !slices.Equal(handles, want) {
		t.Errorf("followers = %v, want %v", handles, want)
	}
	if !following["fan2"] || following["fan1"] || following["fan3"] || following["viewer"] {
		t.Errorf("the viewer follows %v, want fan2 only", following)
	}
	if _, anon := all("/api/v1/accounts/star/followers"); slices.Contains(slices.Collect(maps.Values(anon)), true) {
		t.Errorf("an anonymous viewer follows %v", anon)
	}
	if handles, _ := all("/api/v1/accounts/viewer/following"); !slices.Equal(handles, []string{"fan2", "star"}) {
		t.Errorf("viewer follows %v, want fan2, star", handles)
	}
	if handles, _ := all("/api/v1/accounts/star/following"); !slices.Equal(handles, []string{"fan1"}) {
		t.Errorf("star follows %v, want fan1", handles)
	}
	// Unfollowing shows at once.
	f.must(200, "DELETE", "/api/v1/accounts/star/follow", nil, bearer(fans[1].Token))
	if handles, _ := all("/api/v1/accounts/star/followers"); !slices.Equal(handles, []string{"viewer", "fan3", "fan1"}) {
		t.Errorf("followers after fan2 left = %v", handles)
	}

	for _, path := range []string{"/api/v1/accounts/star/followers", "/api/v1/accounts/star/following"} {
		for _, cursor := range []string{"junk", flick.NewID(time.Now()), "1." + flick.NewID(time.Now()) + "x", "-1." + flick.NewID(time.Now())} {
			r := f.request("GET", path+"?cursor="+url.QueryEscape(cursor), nil)
			if r.StatusCode != 400 { // request checks that the code is "invalid"
				t.Errorf("%s with cursor %q: %d, want 400 invalid", path, cursor, r.StatusCode)
			}
		}
		if r := f.request("GET", path+"?limit=0", nil); r.StatusCode != 400 {
			t.Errorf("%s?limit=0: %d, want 400", path, r.StatusCode)
		}
	}
	for _, path := range []string{"/api/v1/accounts/nobody/followers", "/api/v1/accounts/nobody/following", "/api/v1/accounts/no..body/followers"} {
		if r := f.request("GET", path, nil); r.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, r.StatusCode)
		}
	}
}

// TestLikedVideos: the owner always sees their likes; anyone else only
// once the owner made them public, and a 403 that says so before.
func TestLikedVideos(t *testing.T) {
	f := newFixture(t)
	ann, bob := f.signUp("ann"), f.signUp("bob")
	v1, v2 := f.readyVideo(bob, "first"), f.readyVideo(bob, "second")
	for _, v := range []*flick.Video{v1, v2} {
		f.must(200, "POST", "/api/v1/videos/"+v.ID+"/like", nil, bearer(ann.Token))
	}
	var page struct {
		Items      []videoJSON `json:"items"`
		NextCursor string      `json:"next_cursor"`
	}
	f.must(200, "GET", "/api/v1/accounts/ann/liked?limit=1", nil, bearer(ann.Token)).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != v2.ID || !page.Items[0].Liked || page.NextCursor == "" {
		t.Fatalf("first page of ann's likes: %+v", page)
	}
	f.must(200, "GET", "/api/v1/accounts/ann/liked?limit=1&cursor="+url.QueryEscape(page.NextCursor), nil, bearer(ann.Token)).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != v1.ID || page.NextCursor != "" {
		t.Fatalf("second page of ann's likes: %+v", page)
	}

	for name, opts := range map[string][]reqOption{"bob": {bearer(bob.Token)}, "anonymous": nil} {
		r := f.request("GET", "/api/v1/accounts/ann/liked", nil, opts...)
		var e struct{ Error struct{ Message string } }
		r.decode(t, &e)
		if r.StatusCode != 403 || e.Error.Message != "@ann keeps their liked videos private." {
			t.Errorf("%s reads ann's private likes: %d %q, want 403 saying they are private", name, r.StatusCode, e.Error.Message)
		}
	}
	var me meJSON
	f.must(200, "PATCH", "/api/v1/me", map[string]any{"likes_public": true}, bearer(ann.Token)).decode(t, &me)
	if !me.LikesPublic {
		t.Fatal("PATCH /me likes_public: not set")
	}
	var profile accountJSON
	f.must(200, "GET", "/api/v1/accounts/ann", nil).decode(t, &profile)
	if !profile.LikesPublic {
		t.Error("the public profile does not say the likes are public")
	}
	f.must(200, "GET", "/api/v1/accounts/ann/liked", nil).decode(t, &page)
	if len(page.Items) != 2 || page.Items[0].Liked {
		t.Errorf("anonymous, public likes: %+v", page)
	}
	f.must(200, "GET", "/api/v1/accounts/ann/liked", nil, bearer(bob.Token)).decode(t, &page)
	if len(page.Items) != 2 {
		t.Errorf("bob, public likes: %d items", len(page.Items))
	}

	// A deleted video leaves the list.
	f.must(204, "DELETE", "/api/v1/videos/"+v2.ID, nil, bearer(bob.Token))
	f.must(200, "GET", "/api/v1/accounts/ann/liked", nil).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != v1.ID {
		t.Errorf("after a delete: %+v", page.Items)
	}
	if r := f.request("GET", "/api/v1/accounts/ann/liked?cursor=forged", nil); r.StatusCode != 400 {
		t.Errorf("forged cursor: %d, want 400", r.StatusCode)
	}
	if r := f.request("GET", "/api/v1/accounts/nobody/liked", nil); r.StatusCode != 404 {
		t.Errorf("unknown account: %d, want 404", r.StatusCode)
	}
}

package httpapi

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/node/nodetest"
)

// TestNotifications: two accounts like and comment on ann's video and one
// follows her; she reads one grouped item per kind, newest first, pages
// through them, marks them read, and nothing she sends can read or mark
// someone else's.
func TestNotifications(t *testing.T) {
	f := newFixture(t)
	ann, bo, cy := f.signUp("ann"), f.signUp("bo"), f.signUp("cy")
	v := f.readyVideo(ann, "ann's dance")
	for _, u := range []user{bo, cy} {
		f.must(200, "POST", "/api/v1/videos/"+v.ID+"/like", nil, bearer(u.Token))
	}
	f.must(201, "POST", "/api/v1/videos/"+v.ID+"/comments", map[string]string{"text": "so good"}, bearer(bo.Token))
	f.must(200, "POST", "/api/v1/videos/"+v.ID+"/like", nil, bearer(ann.Token)) // her own: not notified
	f.must(200, "POST", "/api/v1/accounts/ann/follow", nil, bearer(cy.Token))
	nodetest.CaughtUp(t, f.node)

	inbox := func(u user, query string) flick.Inbox {
		t.Helper()
		var in flick.Inbox
		f.must(200, "GET", "/api/v1/me/notifications"+query, nil, bearer(u.Token)).decode(t, &in)
		return in
	}
	in := inbox(ann, "")
	types := func(in flick.Inbox) []flick.NotificationType {
		var out []flick.NotificationType
		for _, it := range in.Items {
			out = append(out, it.Type)
		}
		return out
	}
	want := []flick.NotificationType{flick.NotifyFollow, flick.NotifyComment, flick.NotifyLike, flick.NotifyVideoReady}
	if got := types(in); len(got) != len(want) || in.Unread != 4 || in.NextCursor != "" {
		t.Fatalf("ann's inbox %v, unread %d, next %q; want %v, 4 unread", got, in.Unread, in.NextCursor, want)
	}
	for i, ty := range want {
		if in.Items[i].Type != ty {
			t.Fatalf("ann's inbox %v, want %v", types(in), want)
		}
	}
	like, comment := in.Items[2], in.Items[1]
	if like.ActorCount != 2 || len(like.Actors) != 2 || like.Actors[0].Handle != "cy" || like.Actors[1].Handle != "bo" ||
		like.Video == nil || like.Video.ID != v.ID || like.Video.PosterURL == "" || like.Video.Caption != "ann's dance" || like.Read {
		t.Errorf("like item %+v", like)
	}
	if comment.Comment == nil || comment.Comment.Text != "so good" || comment.Actors[0].Handle != "bo" {
		t.Errorf("comment item %+v", comment)
	}
	if got := inbox(bo, ""); len(got.Items) != 0 || got.Unread != 0 {
		t.Errorf("bo's inbox %+v", got)
	}

	// Pages of one, by the cursor.
	var paged []flick.NotificationType
	cursor := ""
	for range 10 {
		page := inbox(ann, "?limit=1&cursor="+url.QueryEscape(cursor))
		paged = append(paged, types(page)...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(paged) != 4 || paged[0] != flick.NotifyFollow || paged[3] != flick.NotifyVideoReady {
		t.Errorf("paged %v", paged)
	}

	// Forged and garbage cursors, bad bodies and someone else's items.
	for _, c := range []string{"garbage", "1.2", "99999999999999999999." + v.ID, in.Items[0].ID} {
		f.must(400, "GET", "/api/v1/me/notifications?cursor="+url.QueryEscape(c), nil, bearer(ann.Token))
	}
	f.must(401, "GET", "/api/v1/me/notifications", nil)
	f.must(401, "POST", "/api/v1/me/notifications/read", nil)
	f.must(404, "POST", "/api/v1/me/notifications/read", map[string]string{"up_to": in.Items[0].ID}, bearer(bo.Token))
	f.must(400, "POST", "/api/v1/me/notifications/read", map[string]string{"up_to": "../x"}, bearer(ann.Token))
	f.must(400, "POST", "/api/v1/me/notifications/read", map[string]any{"up_to": 3}, bearer(ann.Token))
	f.must(400, "POST", "/api/v1/me/notifications/read", map[string]string{"upto": in.Items[0].ID}, bearer(ann.Token))
	if got := inbox(ann, ""); got.Unread != 4 {
		t.Fatalf("refused requests changed the unread count to %d", got.Unread)
	}

	// Read up to the comment: it and the older ones; then everything.
	f.must(http.StatusNoContent, "POST", "/api/v1/me/notifications/read", map[string]string{"up_to": comment.ID}, bearer(ann.Token))
	if got := inbox(ann, ""); got.Unread != 1 || got.Items[0].Read || !got.Items[1].Read || !got.Items[3].Read {
		t.Errorf("after reading up to the comment: %+v", got)
	}
	f.must(http.StatusNoContent, "POST", "/api/v1/me/notifications/read", nil, withCookie(f, ann.Token))
	if got := inbox(ann, ""); got.Unread != 0 {
		t.Errorf("after reading all: %d unread", got.Unread)
	}
}

package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// TestDeleteAndLikeComments: who may delete which comment, what a
// tombstone looks like on the wire, and likes of comments; every refusal
// changes nothing.
func TestDeleteAndLikeComments(t *testing.T) {
	f := newFixture(t)
	ann, bob, cat := f.signUp("ann"), f.signUp("bob"), f.signUp("cat")
	v := f.readyVideo(ann, "comment here")
	comments := "/api/v1/videos/" + v.ID + "/comments"
	post := func(who user, text, parent string) flick.Comment {
		t.Helper()
		var c flick.Comment
		f.must(201, "POST", comments, map[string]string{"text": text, "parent_id": parent}, bearer(who.Token)).decode(t, &c)
		return c
	}
	// list returns the raw items, to see which fields are sent.
	list := func(path string, opts ...reqOption) []map[string]any {
		t.Helper()
		var page listJSON[map[string]any]
		f.must(200, "GET", path, nil, opts...).decode(t, &page)
		return page.Items
	}
	top := post(bob, "bob's words", "")
	reply := post(cat, "cat replies", top.ID)
	lone := post(bob, "a lone comment", "")
	anns := post(ann, "the creator speaks", "")
	one := "/api/v1/comments/"

	// Bad input and other people's comments: refused, nothing changes.
	for _, tc := range []struct {
		name, method, path string
		opts               []reqOption
		status             int
	}{
		{"signed out delete", "DELETE", one + top.ID, nil, 401},
		{"signed out like", "POST", one + top.ID + "/like", nil, 401},
		{"a stranger deletes", "DELETE", one + top.ID, []reqOption{bearer(cat.Token)}, 403},
		{"a commenter deletes the creator's", "DELETE", one + anns.ID, []reqOption{bearer(bob.Token)}, 403},
		{"a replier deletes the top comment", "DELETE", one + top.ID, []reqOption{bearer(cat.Token)}, 403},
		{"a forged ID", "DELETE", one + "'%20OR%201=1", []reqOption{bearer(ann.Token)}, 404},
		{"an unknown ID", "DELETE", one + flick.NewID(time.Now()), []reqOption{bearer(ann.Token)}, 404},
		{"a video's ID", "DELETE", one + v.ID, []reqOption{bearer(ann.Token)}, 404},
		{"like an unknown comment", "POST", one + flick.NewID(time.Now()) + "/like", []reqOption{bearer(cat.Token)}, 404},
		{"like a forged ID", "POST", one + "x/like", []reqOption{bearer(cat.Token)}, 404},
		{"a cross-site delete", "DELETE", one + top.ID, []reqOption{withCookie(f, bob.Token), withHeader("Origin", "https://evil.example")}, 403},
	} {
		if r := f.request(tc.method, tc.path, nil, tc.opts...); r.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.name, r.StatusCode, tc.status, r.body)
		}
	}
	if items := list(comments); len(items) != 3 || items[0]["text"] != "bob's words" {
		t.Fatalf("after refusals: %v", items)
	}

	// Likes: idempotent both ways, liked for the viewer only.
	for _, step := range []struct {
		method string
		liked  bool
		likes  int64
	}{{"POST", true, 1}, {"POST", true, 1}, {"DELETE", false, 0}, {"DELETE", false, 0}, {"POST", true, 1}} {
		var got commentLikeResponse
		f.must(200, step.method, one+top.ID+"/like", nil, bearer(cat.Token)).decode(t, &got)
		if got.Liked != step.liked || got.Likes != step.likes {
			t.Fatalf("%s like: %+v, want liked %v, %d likes", step.method, got, step.liked, step.likes)
		}
	}
	f.must(200, "POST", one+top.ID+"/like", nil, bearer(ann.Token))
	for who, want := range map[string]bool{"cat": true, "bob": false, "": false} {
		var opts []reqOption
		switch who {
		case "cat":
			opts = append(opts, bearer(cat.Token))
		case "bob":
			opts = append(opts, bearer(bob.Token))
		}
		items := list(comments, opts...)
		if items[0]["liked"] != want || items[0]["likes"] != 2.0 || items[1]["likes"] != 0.0 {
			t.Errorf("%q reads the likes as %v", who, items)
		}
	}

	// The creator deletes bob's comment, which has a reply: a tombstone
	// without text or author; the reply stays.
	f.must(204, "DELETE", one+top.ID, nil, bearer(ann.Token))
	items := list(comments, bearer(cat.Token))
	if _, hasAuthor := items[0]["author"]; len(items) != 3 || items[0]["deleted"] != true || items[0]["text"] != "" || hasAuthor ||
		items[0]["reply_count"] != 1.0 || items[0]["likes"] != 0.0 || items[0]["liked"] != false {
		t.Fatalf("tombstone on the wire: %v", items)
	}
	if replies := list(comments+"?parent_id="+top.ID, bearer(cat.Token)); len(replies) != 1 || replies[0]["text"] != "cat replies" {
		t.Errorf("replies of the tombstone: %v", replies)
	}
	f.must(404, "DELETE", one+top.ID, nil, bearer(ann.Token))
	f.must(404, "POST", one+top.ID+"/like", nil, bearer(cat.Token))

	// Bob deletes his own lone comment; cat her reply, and the tombstone
	// goes with it.
	f.must(204, "DELETE", one+lone.ID, nil, bearer(bob.Token))
	f.must(204, "DELETE", one+reply.ID, nil, withCookie(f, cat.Token))
	items = list(comments)
	if b, _ := json.Marshal(items); len(items) != 1 || items[0]["id"] != anns.ID {
		t.Errorf("after the deletes: %s; want only ann's comment", b)
	}
	var got videoJSON
	f.must(200, "GET", "/api/v1/videos/"+v.ID, nil).decode(t, &got)
	if got.Counts.Comments != 1 {
		t.Errorf("comment count %d, want 1", got.Counts.Comments)
	}
}

package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// inbox reads every item of id's inbox, a page of one at a time, so that
// the cursor is walked too.
func (f *fixture) inbox(id string) []*flick.Notification {
	f.t.Helper()
	var all []*flick.Notification
	cursor := ""
	for range 100 {
		page, next, err := f.home(id).Notifications(f.ctx, id, flick.Page{Limit: 1, Cursor: cursor})
		f.must(err)
		all = append(all, page...)
		if next == "" {
			return all
		}
		cursor = next
	}
	f.t.Fatal("the inbox's cursor never ends")
	return nil
}

// summary is an item as the tests compare it: its type, target, actors'
// IDs (newest first), actor count, comment and read flag.
type summary struct {
	Type    flick.NotificationType
	Target  string
	Actors  string
	Count   int
	Comment string
	Read    bool
}

func summarize(ns []*flick.Notification) []summary {
	out := make([]summary, len(ns))
	for i, n := range ns {
		ids := ""
		for _, a := range n.Actors {
			ids += a.ID + " "
		}
		out[i] = summary{n.Type, n.Target, ids, n.ActorCount, n.CommentID, n.Read}
	}
	return out
}

func actorsOf(as ...*flick.Account) string {
	s := ""
	for _, a := range as {
		s += a.ID + " "
	}
	return s
}

func (f *fixture) wantInbox(id, what string, want ...summary) []*flick.Notification {
	f.t.Helper()
	got := f.inbox(id)
	if !slices.Equal(summarize(got), want) {
		f.t.Errorf("%s: inbox\n%+v\nwant\n%+v", what, summarize(got), want)
	}
	unread := 0
	for _, s := range want {
		if !s.Read {
			unread++
		}
	}
	if n, err := f.home(id).UnreadNotifications(f.ctx, id); err != nil || n != unread {
		f.t.Errorf("%s: UnreadNotifications = %d, %v; want %d", what, n, err, unread)
	}
	return got
}

func testNotifications(t *testing.T, f *fixture) {
	me, aurora, bob, carol, dave, hidden := f.account("me"), f.account("aurora"), f.account("bob"), f.account("carol"),
		f.account("dave"), f.account("hidden")
	v := f.readyVideo(me, "my video")
	_, err := f.home(me.ID).HideCreator(f.ctx, me.ID, hidden.ID, f.tick())
	f.must(err)
	inbox := f.home(me.ID)
	const name = "notifications:test"
	t0 := f.tick()
	like := func(seq uint64, actor *flick.Account, at time.Time) flick.NotificationDelta {
		return flick.NotificationDelta{Seq: seq, AccountID: me.ID, Type: flick.NotifyLike, Target: v.ID, ActorID: actor.ID, VideoID: v.ID, At: at}
	}
	batch := []flick.NotificationDelta{
		like(1, aurora, t0),
		like(2, bob, t0.Add(time.Second)),
		like(3, me, t0.Add(2*time.Second)),     // one's own: not notified
		like(3, hidden, t0.Add(2*time.Second)), // hidden by the recipient
		{Seq: 3, AccountID: me.ID, Type: flick.NotifyFollow, ActorID: carol.ID, At: t0.Add(3 * time.Second)},
		like(3, aurora, t0.Add(4*time.Second)), // an actor already in the item
	}
	f.must(inbox.ApplyNotifications(f.ctx, name, 3, batch))
	want := []summary{
		{Type: flick.NotifyFollow, Actors: actorsOf(carol), Count: 1},
		{Type: flick.NotifyLike, Target: v.ID, Actors: actorsOf(bob, aurora), Count: 2},
	}
	got := f.wantInbox(me.ID, "first batch", want...)
	if pos, err := inbox.ProjectionPosition(f.ctx, name); err != nil || pos != 3 {
		t.Errorf("position %d, %v; want 3", pos, err)
	}
	if like := got[1]; like.VideoID != v.ID || !like.UpdatedAt.Equal(t0.Add(time.Second)) || !like.StartedAt.Equal(t0) || like.ID == "" {
		t.Errorf("like item %+v", like)
	}

	// A replay adds nothing, nor does the part of a batch at or below the
	// position; the rest of it does.
	f.must(inbox.ApplyNotifications(f.ctx, name, 3, []flick.NotificationDelta{like(3, dave, t0)}))
	f.must(inbox.ApplyNotifications(f.ctx, name, 5, []flick.NotificationDelta{like(2, dave, t0), like(4, carol, t0.Add(5*time.Second))}))
	want = []summary{
		{Type: flick.NotifyLike, Target: v.ID, Actors: actorsOf(carol, bob, aurora), Count: 3},
		{Type: flick.NotifyFollow, Actors: actorsOf(carol), Count: 1},
	}
	got = f.wantInbox(me.ID, "replayed", want...)

	// Reading up to the like marks it and what is older read.
	f.must(inbox.MarkNotificationsRead(f.ctx, me.ID, got[0].ID))
	want[0].Read, want[1].Read = true, true
	f.wantInbox(me.ID, "read", want...)
	f.wantCode(inbox.MarkNotificationsRead(f.ctx, me.ID, flick.NewID(f.tick())), flick.ENOTFOUND, "mark an unknown item read")
	f.wantCode(f.home(bob.ID).MarkNotificationsRead(f.ctx, bob.ID, got[0].ID), flick.ENOTFOUND, "mark another's item read")

	// A new actor raises a read item; a comment raises its item even
	// from a known actor, and is the one it shows; past the window a new
	// item begins.
	c1, c2 := flick.NewID(f.tick()), flick.NewID(f.tick())
	comment := func(seq uint64, id string, at time.Time) flick.NotificationDelta {
		return flick.NotificationDelta{Seq: seq, AccountID: me.ID, Type: flick.NotifyComment, Target: v.ID, ActorID: aurora.ID, VideoID: v.ID,
			CommentID: id, At: at}
	}
	f.must(inbox.ApplyNotifications(f.ctx, name, 9, []flick.NotificationDelta{
		comment(6, c1, t0.Add(6*time.Second)),
		like(7, dave, t0.Add(7*time.Second)),
		comment(8, c2, t0.Add(8*time.Second)),
		like(9, bob, t0.Add(flick.NotificationWindow+time.Second)),
	}))
	want = []summary{
		{Type: flick.NotifyLike, Target: v.ID, Actors: actorsOf(bob), Count: 1},
		{Type: flick.NotifyComment, Target: v.ID, Actors: actorsOf(aurora), Count: 1, Comment: c2},
		{Type: flick.NotifyLike, Target: v.ID, Actors: actorsOf(dave, carol, bob), Count: 4},
		{Type: flick.NotifyFollow, Actors: actorsOf(carol), Count: 1, Read: true},
	}
	got = f.wantInbox(me.ID, "raised", want...)
	f.must(inbox.MarkNotificationsRead(f.ctx, me.ID, ""))
	for i := range want {
		want[i].Read = true
	}
	f.wantInbox(me.ID, "all read", want...)

	// A page's cursor is checked; the others' inboxes are their own.
	for _, cursor := range []string{"garbage", "12.x", "-1." + got[0].ID, "1" + got[0].ID} {
		_, _, err := inbox.Notifications(f.ctx, me.ID, flick.Page{Cursor: cursor})
		f.wantCode(err, flick.EINVALID, "cursor "+cursor)
	}
	if n := f.inbox(bob.ID); len(n) != 0 {
		t.Errorf("bob's inbox %+v", summarize(n))
	}

	// The video's removal takes what is about it.
	f.must(inbox.ApplyProjection(f.ctx, "removed", uint64(f.tick().UnixMilli()), flick.ProjectionBatch{Removed: []string{v.ID}}))
	f.wantInbox(me.ID, "video removed", want[3])

	// Hiding an actor hides what it did before, too, from the items and
	// the unread count; the records stay (they are exported and moved).
	f.must(inbox.ApplyNotifications(f.ctx, name, 10, []flick.NotificationDelta{
		{Seq: 10, AccountID: me.ID, Type: flick.NotifyFollow, ActorID: dave.ID, At: t0.Add(10 * time.Second)}}))
	f.wantInbox(me.ID, "dave followed", summary{Type: flick.NotifyFollow, Actors: actorsOf(dave, carol), Count: 2})
	_, err = inbox.HideCreator(f.ctx, me.ID, dave.ID, f.tick())
	f.must(err)
	// (The item stays raised, unread, by what dave did.)
	f.wantInbox(me.ID, "dave hidden", summary{Type: flick.NotifyFollow, Actors: actorsOf(carol), Count: 1})
	_, err = inbox.HideCreator(f.ctx, me.ID, carol.ID, f.tick())
	f.must(err)
	f.wantInbox(me.ID, "carol hidden too")
	if d := f.accountData(inbox, me.ID); len(d.Notifications) != 1 || d.Notifications[0].ActorCount != 2 || len(d.Notifications[0].Actors) != 2 {
		t.Errorf("account data of the hidden ones' item: %+v", d.Notifications)
	}
}

func testCommentsByID(t *testing.T, f *fixture) {
	a, b := f.account("talker"), f.account("maker")
	v := f.readyVideo(b, "talk")
	c := &flick.Comment{VideoID: v.ID, AuthorID: a.ID, Text: "hello", CreatedAt: f.tick()}
	f.must(f.home(a.ID).CreateComment(f.ctx, c))
	r := &flick.Comment{VideoID: v.ID, AuthorID: a.ID, ParentID: c.ID, Text: "again", CreatedAt: f.tick()}
	f.must(f.home(a.ID).CreateComment(f.ctx, r))
	got, err := f.home(a.ID).CommentsByID(f.ctx, []string{r.ID, flick.NewID(f.tick()), c.ID})
	f.must(err)
	slices.SortFunc(got, func(x, y *flick.Comment) int { return strings.Compare(x.ID, y.ID) })
	if len(got) != 2 || got[0].Text != "hello" || got[0].Author.Handle != "talker" || got[0].AuthorID != a.ID ||
		got[1].ParentID != c.ID || got[1].VideoID != v.ID || !got[1].CreatedAt.Equal(r.CreatedAt) {
		t.Errorf("CommentsByID = %+v", got)
	}
	if got, err := f.home(a.ID).CommentsByID(f.ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("CommentsByID(nil) = %v, %v", got, err)
	}
}

package engagement_test

import (
	"errors"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/engagement"
)

// TestDeleteCommentsAcrossRegions: sam (us) deletes eva's (eu) comment on
// his video; it stays as a tombstone while kim's (us) reply lives, and
// goes with it. The counts of both regions stay right, the deletion is
// eva's event in eu's log, and her words are gone from eu's store.
func TestDeleteCommentsAcrossRegions(t *testing.T) {
	w := newWorld(t)
	eu := w.cell("eu")
	kim := w.account("kim", "us")
	w.clock.Add(2 * engagement.NewAccountAge)
	leo := w.account("leo", "eu") // new: his comments count for less
	comment := func(who *flick.Account, text, parent string) *flick.Comment {
		t.Helper()
		c, err := w.Engagement.Comment(w.ctx, who.ID, w.video.ID, text, parent)
		w.must(err)
		return c
	}
	counts := func() flick.Counts {
		t.Helper()
		v, err := w.Router.Video(w.ctx, w.video.ID)
		w.must(err)
		return v.Counts
	}
	top := comment(w.eva, "eva's secret words", "")
	reply := comment(kim, "kim answers", top.ID)
	own := comment(w.sam, "the creator's own", "")
	for _, who := range []*flick.Account{kim, leo} {
		if _, err := w.Engagement.LikeComment(w.ctx, who.ID, top.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := w.Router.Comment(w.ctx, top.ID); err != nil || got.Likes != 2 || got.ReplyCount != 1 {
		t.Fatalf("comment before = %+v, %v; want 2 likes and 1 reply", got, err)
	}
	if c := counts(); c.Comments != 3 {
		t.Fatalf("counts before = %+v", c)
	}

	for _, tc := range []struct {
		name, who, comment, code string
	}{
		{"someone else's comment", kim.ID, top.ID, flick.EFORBIDDEN},
		{"the creator's comment, by a commenter", w.eva.ID, own.ID, flick.EFORBIDDEN},
		{"an unknown comment", w.sam.ID, flick.NewID(w.clock.Now()), flick.ENOTFOUND},
	} {
		if err := w.Engagement.DeleteComment(w.ctx, tc.who, tc.comment); flick.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}

	// With eu's log refusing, the deletion is taken back, words and all.
	log := eu.Events
	eu.Events = failing{log}
	if err := w.Engagement.DeleteComment(w.ctx, w.sam.ID, top.ID); !errors.Is(err, errAppend) {
		t.Errorf("DeleteComment with eu's log down = %v, want the append's error", err)
	}
	eu.Events = log
	if got, err := eu.Store.LocalComment(w.ctx, top.ID); err != nil || got.Deleted || got.Text != top.Text {
		t.Fatalf("after a refused append: %+v, %v; want the comment as it was", got, err)
	}

	// The creator deletes eva's comment: a tombstone, as kim replied.
	w.must(w.Engagement.DeleteComment(w.ctx, w.sam.ID, top.ID))
	got, _, err := w.Router.Comments(w.ctx, w.video.ID, "", flick.Page{})
	w.must(err)
	if len(got) != 2 || got[0].ID != top.ID || !got[0].Deleted || got[0].Text != "" || got[0].Author != (flick.AccountRef{}) ||
		got[0].ReplyCount != 1 || got[0].Likes != 0 {
		t.Fatalf("after the creator's delete: %+v", got)
	}
	if stored, err := eu.Store.LocalComment(w.ctx, top.ID); err != nil || stored.Text != "" {
		t.Errorf("eu's store holds %+v, %v; want no text", stored, err)
	}
	for _, who := range []*flick.Account{kim, leo} {
		if liked, err := w.Engagement.LikedComments(w.ctx, who.ID, []string{top.ID}); err != nil || liked[top.ID] {
			t.Errorf("%s still likes the deleted comment: %v, %v", who.Handle, liked, err)
		}
	}
	evs, err := eu.Events.AccountEvents(w.ctx, w.eva.ID)
	w.must(err)
	if last := evs[len(evs)-1]; last.Type != flick.EventUncomment || last.TargetID != top.ID || last.VideoID != w.video.ID {
		t.Errorf("eva's last event = %+v, want her comment's deletion", last)
	}
	if c := counts(); c.Comments != 2 {
		t.Errorf("counts after the delete = %+v, want 2 comments", c)
	}
	for name, err := range map[string]error{
		"delete twice":      w.Engagement.DeleteComment(w.ctx, w.sam.ID, top.ID),
		"like a tombstone":  func() error { _, err := w.Engagement.LikeComment(w.ctx, kim.ID, top.ID); return err }(),
		"reply to it":       func() error { _, err := w.Engagement.Comment(w.ctx, kim.ID, w.video.ID, "hello?", top.ID); return err }(),
		"unlike a tombtone": func() error { _, err := w.Engagement.UnlikeComment(w.ctx, kim.ID, top.ID); return err }(),
	} {
		if flick.ErrorCode(err) != flick.ENOTFOUND {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}

	// The thread goes on: eva answers kim's reply, which hangs off the
	// tombstone; she deletes her answer, and the tombstone stays for kim's.
	answer := comment(w.eva, "answering kim", reply.ID)
	if answer.ParentID != top.ID {
		t.Errorf("an answer to a reply in a tombstone's thread hangs off %q, want %q", answer.ParentID, top.ID)
	}
	w.must(w.Engagement.DeleteComment(w.ctx, w.eva.ID, answer.ID))
	if got, err := w.Router.Comment(w.ctx, top.ID); err != nil || !got.Deleted || got.ReplyCount != 1 {
		t.Errorf("the tombstone after one of two replies went: %+v, %v", got, err)
	}

	// kim deletes his reply, the tombstone's last: both go.
	w.must(w.Engagement.DeleteComment(w.ctx, kim.ID, reply.ID))
	if got, _, err = w.Router.Comments(w.ctx, w.video.ID, "", flick.Page{}); err != nil || len(got) != 1 || got[0].ID != own.ID {
		t.Errorf("after the last reply went: %+v, %v; want only sam's comment", got, err)
	}
	if c := counts(); c.Comments != 1 {
		t.Errorf("counts after the reply went = %+v, want 1 comment", c)
	}

	// A new account's comment counts for less in Trending, and so does
	// its deletion: nothing is left of either.
	before := counts()
	lc := comment(leo, "new here", "")
	w.must(w.Engagement.DeleteComment(w.ctx, leo.ID, lc.ID))
	if c := counts(); c != before {
		t.Errorf("counts after a new account's comment and its deletion = %+v, want %+v", c, before)
	}
}

// TestCommentLikes: idempotent likes of a comment of another region, the
// liker's records, limited like the rest of an account's engagement.
func TestCommentLikes(t *testing.T) {
	w := newWorld(t)
	c, err := w.Engagement.Comment(w.ctx, w.sam.ID, w.video.ID, "like this", "")
	w.must(err)
	for i, step := range []struct {
		like  bool
		likes int64
	}{{true, 1}, {true, 1}, {false, 0}, {false, 0}, {true, 1}} {
		set := w.Engagement.UnlikeComment
		if step.like {
			set = w.Engagement.LikeComment
		}
		if n, err := set(w.ctx, w.eva.ID, c.ID); err != nil || n != step.likes {
			t.Fatalf("step %d: %d likes, %v; want %d", i, n, err, step.likes)
		}
	}
	owners, err := w.cell("eu").Store.PersonalOwners(w.ctx)
	w.must(err)
	if got := owners["comment_likes"]; len(got) != 1 || got[0] != w.eva.ID {
		t.Errorf("eu's comment_likes owners = %v, want eva", got)
	}
	if _, err := w.Engagement.LikeComment(w.ctx, w.eva.ID, flick.NewID(time.Now())); flick.ErrorCode(err) != flick.ENOTFOUND {
		t.Errorf("like an unknown comment: %v", err)
	}
	// Flipping a like back and forth is a flood like any other.
	limited := false
	for range engagement.BatchesPerMinute + 1 {
		if _, err := w.Engagement.UnlikeComment(w.ctx, w.eva.ID, c.ID); flick.ErrorCode(err) == flick.ERATELIMIT {
			limited = true
			break
		}
	}
	if !limited {
		t.Errorf("%d unlikes in a minute were all accepted", engagement.BatchesPerMinute+1)
	}
}

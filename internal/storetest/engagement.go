package storetest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

func testLikes(t *testing.T, f *fixture) {
	a, b := f.account("lia"), f.account("leo")
	v, w, p := f.readyVideo(b, "likeable"), f.readyVideo(b, "other"), f.video(b, "still processing")
	f.toggles([]toggle{
		{"like", func() (bool, error) { return f.home(a.ID).Like(f.ctx, a.ID, v.ID, f.tick()) }, true},
		{"like a video still processing", func() (bool, error) { return f.home(a.ID).Like(f.ctx, a.ID, p.ID, f.tick()) }, true},
		{"like again", func() (bool, error) { return f.home(a.ID).Like(f.ctx, a.ID, v.ID, f.tick()) }, false},
		{"unlike other", func() (bool, error) { return f.home(a.ID).Unlike(f.ctx, a.ID, w.ID) }, false},
		{"like other", func() (bool, error) { return f.home(a.ID).Like(f.ctx, a.ID, w.ID, f.tick()) }, true},
		{"unlike other", func() (bool, error) { return f.home(a.ID).Unlike(f.ctx, a.ID, w.ID) }, true},
		{"unlike other again", func() (bool, error) { return f.home(a.ID).Unlike(f.ctx, a.ID, w.ID) }, false},
	})
	for _, tc := range []struct {
		account *flick.Account
		ids     []string
		want    map[string]bool
	}{
		{a, []string{v.ID, w.ID, p.ID, flick.NewID(f.tick()), "junk'"}, map[string]bool{v.ID: true, p.ID: true}},
		{b, []string{v.ID, w.ID}, map[string]bool{}},
		{a, nil, map[string]bool{}},
	} {
		got, err := f.home(tc.account.ID).Liked(f.ctx, tc.account.ID, tc.ids)
		f.must(err)
		if !mapsEqual(got, tc.want) {
			t.Errorf("Liked(%s, %v) = %v, want %v", tc.account.Handle, tc.ids, got, tc.want)
		}
	}
}

// mapsEqual compares sets, ignoring false entries.
func mapsEqual(got, want map[string]bool) bool {
	n := 0
	for k, v := range got {
		if v {
			n++
			if !want[k] {
				return false
			}
		}
	}
	return n == len(want)
}

func testComments(t *testing.T, f *fixture) {
	a, b := f.account("cora"), f.account("cole")
	v, w := f.readyVideo(a, "talk about it"), f.readyVideo(a, "quiet")
	comment := func(author *flick.Account, videoID, parentID, text string) (*flick.Comment, error) {
		c := &flick.Comment{VideoID: videoID, AuthorID: author.ID, ParentID: parentID, Text: text, CreatedAt: f.tick()}
		return c, f.home(c.AuthorID).CreateComment(f.ctx, c)
	}
	hostile := `'); DROP TABLE comments;-- "x" %_ <script>alert(1)</script> NEAR(a b) *`
	top, err := comment(b, v.ID, "", "  "+hostile+"\n ")
	f.must(err)
	if !flick.ValidID(top.ID) || top.Text != hostile || top.ParentID != "" ||
		top.Author != (flick.AccountRef{ID: b.ID, Handle: "cole", DisplayName: b.DisplayName}) {
		t.Errorf("created comment %+v", top)
	}
	// The video's author replies, and b replies to that reply.
	reply, err := comment(a, v.ID, top.ID, "a reply")
	f.must(err)
	nested, err := comment(b, v.ID, reply.ID, "a reply to the reply")
	f.must(err)
	if reply.ParentID != top.ID || nested.ParentID != top.ID {
		t.Errorf("reply parents %q and %q, want both %q", reply.ParentID, nested.ParentID, top.ID)
	}

	for _, tc := range []struct {
		name, video, parent, text string
		code                      string
	}{
		{"parent on another video", w.ID, top.ID, "x", flick.ENOTFOUND},
		{"unknown parent", v.ID, flick.NewID(f.tick()), "x", flick.ENOTFOUND},
		{"junk parent", v.ID, "' OR 1=1", "x", flick.ENOTFOUND},
		{"unknown video", flick.NewID(f.tick()), "", "x", flick.ENOTFOUND},
		{"empty text", v.ID, "", " \n\t ", flick.EINVALID},
		{"control characters", v.ID, "", "a\x07b", flick.EINVALID},
		{"too long", v.ID, "", strings.Repeat("é", flick.MaxCommentRunes+1), flick.EUNPROCESSABLE},
	} {
		_, err := comment(b, tc.video, tc.parent, tc.text)
		f.wantCode(err, tc.code, tc.name)
		if tc.name == "parent on another video" && flick.ErrorMessage(err) != "Comment not found." {
			t.Errorf("message %q", flick.ErrorMessage(err))
		}
	}

	for _, tc := range []struct {
		name, video, parent string
		want                []*flick.Comment
		replies             []int64
	}{
		{"top level", v.ID, "", []*flick.Comment{top}, []int64{2}},
		{"replies", v.ID, top.ID, []*flick.Comment{reply, nested}, []int64{0, 0}},
		{"replies of a reply", v.ID, reply.ID, nil, nil},
		{"other video", w.ID, "", nil, nil},
	} {
		got, next, err := f.all.Comments(f.ctx, tc.video, tc.parent, flick.Page{})
		f.must(err)
		if next != "" || len(got) != len(tc.want) {
			t.Fatalf("%s: %d comments (next %q), want %d", tc.name, len(got), next, len(tc.want))
		}
		for i, c := range got {
			want := tc.want[i]
			if c.ID != want.ID || c.Text != want.Text || c.ParentID != want.ParentID || c.VideoID != tc.video ||
				c.Author != want.Author || c.AuthorID != want.AuthorID || !c.CreatedAt.Equal(want.CreatedAt) || c.ReplyCount != tc.replies[i] {
				t.Errorf("%s[%d] = %+v, want %+v with %d replies", tc.name, i, c, want, tc.replies[i])
			}
		}
	}
	_, _, err = f.all.Comments(f.ctx, w.ID, top.ID, flick.Page{})
	f.wantCode(err, flick.ENOTFOUND, "replies to a comment of another video")
	_, _, err = f.all.Comments(f.ctx, v.ID, "", flick.Page{Cursor: "bad cursor"})
	f.wantCode(err, flick.EINVALID, "bad cursor")
}

// testDeleteComments: a comment with replies becomes a tombstone, without
// text or author; a reply is deleted; RestoreComment undoes either.
func testDeleteComments(t *testing.T, f *fixture) {
	a, b := f.account("dana"), f.account("dave")
	v := f.readyVideo(a, "threads")
	comment := func(author *flick.Account, parentID, text string) *flick.Comment {
		c := &flick.Comment{VideoID: v.ID, AuthorID: author.ID, ParentID: parentID, Text: text, CreatedAt: f.tick()}
		f.must(f.home(author.ID).CreateComment(f.ctx, c))
		return c
	}
	top := comment(b, "", "my words")
	reply, reply2 := comment(a, top.ID, "an answer"), comment(b, top.ID, "and mine")
	before, err := f.home(b.ID).LocalComment(f.ctx, top.ID)
	f.must(err)
	if before.Text != "my words" || before.Deleted || before.AuthorID != b.ID || before.Author.Handle != "dave" {
		t.Errorf("LocalComment = %+v", before)
	}

	f.must(f.home(b.ID).TombstoneComment(f.ctx, top.ID))
	f.wantCode(f.home(b.ID).TombstoneComment(f.ctx, top.ID), flick.ENOTFOUND, "tombstone twice")
	f.wantCode(f.home(b.ID).TombstoneComment(f.ctx, flick.NewID(f.tick())), flick.ENOTFOUND, "tombstone an unknown comment")
	got, _, err := f.all.Comments(f.ctx, v.ID, "", flick.Page{})
	f.must(err)
	if len(got) != 1 || !got[0].Deleted || got[0].Text != "" || got[0].Author != (flick.AccountRef{}) || got[0].ReplyCount != 2 ||
		got[0].AuthorID != b.ID {
		t.Fatalf("tombstone listed as %+v", got)
	}
	// The author's words are gone from what the store holds of them.
	d, err := f.home(b.ID).AccountData(f.ctx, b.ID)
	f.must(err)
	for _, c := range d.Comments {
		if strings.Contains(c.Text, "my words") {
			t.Errorf("the tombstone's text is still held: %+v", c)
		}
	}
	replies, _, err := f.all.Comments(f.ctx, v.ID, top.ID, flick.Page{})
	f.must(err)
	if !slices.Equal(commentIDs(replies), []string{reply.ID, reply2.ID}) {
		t.Errorf("replies of a tombstone = %v", commentIDs(replies))
	}

	// A reply is deleted outright, and put back by RestoreComment.
	f.must(f.home(a.ID).DeleteComment(f.ctx, reply.ID))
	f.wantCode(f.home(a.ID).DeleteComment(f.ctx, reply.ID), flick.ENOTFOUND, "delete twice")
	_, err = f.home(a.ID).LocalComment(f.ctx, reply.ID)
	f.wantCode(err, flick.ENOTFOUND, "deleted reply")
	if replies, _, err = f.all.Comments(f.ctx, v.ID, top.ID, flick.Page{}); err != nil || !slices.Equal(commentIDs(replies), []string{reply2.ID}) {
		t.Errorf("replies after a delete = %v, %v", commentIDs(replies), err)
	}
	f.must(f.home(a.ID).RestoreComment(f.ctx, reply))
	f.must(f.home(b.ID).RestoreComment(f.ctx, before))
	got, _, err = f.all.Comments(f.ctx, v.ID, "", flick.Page{})
	f.must(err)
	if len(got) != 1 || got[0].Deleted || got[0].Text != "my words" || got[0].Author.Handle != "dave" || got[0].ReplyCount != 2 {
		t.Errorf("restored comment listed as %+v", got)
	}
	if replies, _, err = f.all.Comments(f.ctx, v.ID, top.ID, flick.Page{}); err != nil ||
		!slices.Equal(commentIDs(replies), []string{reply.ID, reply2.ID}) || replies[0].Text != "an answer" {
		t.Errorf("replies after a restore = %v, %v", commentIDs(replies), err)
	}
	_, err = f.home(b.ID).LocalComment(f.ctx, "' OR 1=1")
	f.wantCode(err, flick.ENOTFOUND, "junk comment ID")
}

func commentIDs(cs []*flick.Comment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// testCommentLikes: likes of comments are the likers' records, counted
// across regions as the comments are read.
func testCommentLikes(t *testing.T, f *fixture) {
	a, b, c := f.account("hana"), f.account("hugo"), f.account("hedy")
	v, w := f.readyVideo(a, "likeable comments"), f.readyVideo(a, "another")
	cm := &flick.Comment{VideoID: v.ID, AuthorID: b.ID, Text: "like me", CreatedAt: f.tick()}
	f.must(f.home(b.ID).CreateComment(f.ctx, cm))
	other := &flick.Comment{VideoID: v.ID, AuthorID: a.ID, Text: "or me", CreatedAt: f.tick()}
	f.must(f.home(a.ID).CreateComment(f.ctx, other))
	like := func(who *flick.Account, id string) func() (bool, error) {
		return func() (bool, error) { return f.home(who.ID).LikeComment(f.ctx, who.ID, v.ID, id, f.tick()) }
	}
	unlike := func(who *flick.Account, id string) func() (bool, error) {
		return func() (bool, error) { return f.home(who.ID).UnlikeComment(f.ctx, who.ID, id) }
	}
	f.toggles([]toggle{
		{"like", like(a, cm.ID), true},
		{"like again", like(a, cm.ID), false},
		{"unlike", unlike(a, cm.ID), true},
		{"unlike again", unlike(a, cm.ID), false},
		{"like once more", like(a, cm.ID), true},
		{"another account likes", like(c, cm.ID), true},
		{"the author likes their own", like(b, cm.ID), true},
		{"like the other", like(c, other.ID), true},
	})
	for _, tc := range []struct{ name, video, comment string }{
		{"comment of another video", w.ID, cm.ID},
		{"unknown comment", v.ID, flick.NewID(f.tick())},
		{"junk comment", v.ID, "' OR 1=1"},
	} {
		_, err := f.home(a.ID).LikeComment(f.ctx, a.ID, tc.video, tc.comment, f.tick())
		f.wantCode(err, flick.ENOTFOUND, tc.name)
	}
	liked, err := f.home(c.ID).LikedComments(f.ctx, c.ID, []string{cm.ID, other.ID, flick.NewID(f.tick()), "junk'"})
	f.must(err)
	if !mapsEqual(liked, map[string]bool{cm.ID: true, other.ID: true}) {
		t.Errorf("LikedComments = %v", liked)
	}
	wantLikes := func(what string, want ...int64) {
		t.Helper()
		got, _, err := f.all.Comments(f.ctx, v.ID, "", flick.Page{})
		f.must(err)
		if len(got) != len(want) {
			t.Fatalf("%s: %d comments", what, len(got))
		}
		for i, c := range got {
			if c.Likes != want[i] || c.Liked {
				t.Errorf("%s: comment %d has %d likes (liked %v), want %d", what, i, c.Likes, c.Liked, want[i])
			}
		}
	}
	wantLikes("liked", 3, 1)
	// A deleted comment's likes go, in every region.
	for _, r := range f.regions {
		f.must(r.Store.DeleteCommentLikes(f.ctx, []string{cm.ID}))
	}
	wantLikes("likes deleted", 0, 1)
	if liked, err = f.home(a.ID).LikedComments(f.ctx, a.ID, []string{cm.ID}); err != nil || len(liked) != 0 {
		t.Errorf("LikedComments after the likes were deleted = %v, %v", liked, err)
	}
	f.must(f.home(a.ID).DeleteCommentLikes(f.ctx, nil))
}

func testCommentsPagination(t *testing.T, f *fixture) {
	authors := []*flick.Account{f.account("page"), f.account("pager")}
	v := f.readyVideo(authors[0], "popular")
	// Twelve top-level comments and twelve replies to the first, by each
	// author in turn.
	want := map[string][]string{} // parent ID ("" for the top level) → comment IDs, oldest first
	for i := range 24 {
		parent := ""
		if i%2 == 1 {
			parent = want[""][0]
		}
		c := &flick.Comment{VideoID: v.ID, AuthorID: authors[i/2%2].ID, ParentID: parent, Text: fmt.Sprint("comment ", i), CreatedAt: f.tick()}
		f.must(f.home(c.AuthorID).CreateComment(f.ctx, c))
		want[parent] = append(want[parent], c.ID)
	}
	for _, parent := range []string{"", want[""][0]} {
		for _, limit := range []int{1, 5, 12, 50} {
			var got []string
			var first *flick.Comment
			cursor := ""
			for range 20 {
				page, next, err := f.all.Comments(f.ctx, v.ID, parent, flick.Page{Limit: limit, Cursor: cursor})
				f.must(err)
				for _, c := range page {
					got = append(got, c.ID)
					first = cmp.Or(first, c)
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if !slices.Equal(got, want[parent]) {
				t.Errorf("parent %q, limit %d: joined pages %v, want %v (oldest first)", parent, limit, got, want[parent])
			} else if parent == "" && first.ReplyCount != 12 {
				t.Errorf("limit %d: the first comment has %d replies, want 12", limit, first.ReplyCount)
			}
		}
	}
}

func testProjection(t *testing.T, f *backend) {
	a := f.account("pro")
	v1, v2 := f.readyVideo(a, "one"), f.readyVideo(a, "two")
	counts := func(v *flick.Video) flick.Counts { return f.getVideo(v.ID).Counts }
	if pos, err := f.s.ProjectionPosition(f.ctx, "counts"); err != nil || pos != 0 {
		t.Fatalf("initial position %d, %v", pos, err)
	}
	steps := []struct {
		name   string
		proj   string
		seq    uint64
		batch  map[string]flick.Counts
		v1, v2 flick.Counts
	}{
		{"first batch", "counts", 5, map[string]flick.Counts{
			v1.ID: {Views: 3, Likes: 2, Comments: 1, Shares: 1}, v2.ID: {Views: 1}, flick.NewID(f.tick()): {Views: 9}},
			flick.Counts{Views: 3, Likes: 2, Comments: 1, Shares: 1}, flick.Counts{Views: 1}},
		{"replay", "counts", 5, map[string]flick.Counts{v1.ID: {Views: 100}},
			flick.Counts{Views: 3, Likes: 2, Comments: 1, Shares: 1}, flick.Counts{Views: 1}},
		{"older", "counts", 2, map[string]flick.Counts{v1.ID: {Views: 100}},
			flick.Counts{Views: 3, Likes: 2, Comments: 1, Shares: 1}, flick.Counts{Views: 1}},
		{"below zero", "counts", 6, map[string]flick.Counts{v1.ID: {Views: 1, Likes: -5, Comments: -1}},
			flick.Counts{Views: 4, Likes: 0, Comments: 0, Shares: 1}, flick.Counts{Views: 1}},
		{"another projection", "other", 1, map[string]flick.Counts{v2.ID: {Shares: 2}},
			flick.Counts{Views: 4, Likes: 0, Comments: 0, Shares: 1}, flick.Counts{Views: 1, Shares: 2}},
		{"empty batch", "counts", 9, nil,
			flick.Counts{Views: 4, Likes: 0, Comments: 0, Shares: 1}, flick.Counts{Views: 1, Shares: 2}},
	}
	for _, st := range steps {
		f.must(f.s.ApplyProjection(f.ctx, st.proj, st.seq, flick.ProjectionBatch{Counts: st.batch}))
		if got := counts(v1); got != st.v1 {
			t.Errorf("%s: v1 counts %+v, want %+v", st.name, got, st.v1)
		}
		if got := counts(v2); got != st.v2 {
			t.Errorf("%s: v2 counts %+v, want %+v", st.name, got, st.v2)
		}
	}
	for name, want := range map[string]uint64{"counts": 9, "other": 1, "unknown": 0} {
		if pos, err := f.s.ProjectionPosition(f.ctx, name); err != nil || pos != want {
			t.Errorf("ProjectionPosition(%s) = %d, %v; want %d", name, pos, err, want)
		}
	}
	page, _, err := f.all.ListVideos(f.ctx, flick.VideoFilter{}, flick.Page{})
	f.must(err)
	if len(page) != 2 || page[0].Counts != (flick.Counts{Views: 1, Shares: 2}) {
		t.Errorf("listed counts differ from Video's")
	}
	f.wantCode(f.s.ApplyProjection(f.ctx, "counts", math.MaxUint64, flick.ProjectionBatch{}), flick.EINVALID, "position beyond int64")
	if pos, _ := f.s.ProjectionPosition(f.ctx, "counts"); pos != 9 {
		t.Errorf("refused batch moved the position to %d", pos)
	}
}

// testCounts has viewers of each region (and an anonymous one) count two
// videos: every read of them reports the sum.
func testCounts(t *testing.T, f *fixture) {
	a, b := f.account("cam"), f.account("cal")
	v, w := f.readyVideo(a, "counted"), f.readyVideo(b, "counted too")
	for i, by := range []string{a.ID, b.ID, ""} {
		f.must(f.home(by).ApplyProjection(f.ctx, "counts", uint64(i+1), flick.ProjectionBatch{Counts: map[string]flick.Counts{
			v.ID: {Views: 1, Likes: 1}, w.ID: {Views: 2, Comments: 1, Shares: 1},
		}}))
	}
	want := map[string]flick.Counts{v.ID: {Views: 3, Likes: 3}, w.ID: {Views: 6, Comments: 3, Shares: 3}}
	for _, read := range []struct {
		name string
		fn   func() ([]*flick.Video, error)
	}{
		{"Video", func() ([]*flick.Video, error) { return []*flick.Video{f.getVideo(v.ID), f.getVideo(w.ID)}, nil }},
		{"Videos", func() ([]*flick.Video, error) { return f.all.Videos(f.ctx, []string{v.ID, w.ID}) }},
		{"ListVideos", func() ([]*flick.Video, error) {
			vs, _, err := f.all.ListVideos(f.ctx, flick.VideoFilter{}, flick.Page{})
			return vs, err
		}},
		{"RecentVideos", func() ([]*flick.Video, error) { return f.all.RecentVideos(f.ctx, v.CreatedAt, 10) }},
	} {
		vs, err := read.fn()
		f.must(err)
		if len(vs) != 2 {
			t.Fatalf("%s: %d videos, want 2", read.name, len(vs))
		}
		for _, got := range vs {
			if got.Counts != want[got.ID] {
				t.Errorf("%s: counts of %s = %+v, want %+v", read.name, got.Caption, got.Counts, want[got.ID])
			}
		}
	}
}

func testWatches(t *testing.T, f *fixture) {
	a, b := f.account("wes"), f.account("wyn")
	v1, v2, v3 := f.readyVideo(b, "one"), f.readyVideo(b, "two"), f.readyVideo(b, "three")
	all := []string{v1.ID, v2.ID, v3.ID}
	at := f.tick()
	batches := []struct {
		watches []flick.Watch
		want    map[string]bool // a's watched-through videos afterwards
	}{
		{[]flick.Watch{
			{AccountID: a.ID, VideoID: v1.ID, WatchMS: 3000, At: at},
			{AccountID: a.ID, VideoID: v2.ID, WatchMS: 10000, Completed: true, At: at},
			{AccountID: "", VideoID: v3.ID, WatchMS: 10000, Completed: true, At: at}, // anonymous
			{AccountID: a.ID, VideoID: flick.NewID(at), WatchMS: 1, Completed: true, At: at},
			{AccountID: flick.NewID(at), VideoID: v3.ID, WatchMS: 1, Completed: true, At: at},
		}, map[string]bool{v2.ID: true}},
		// A shorter, earlier, incomplete watch does not undo a completed one.
		{[]flick.Watch{
			{AccountID: a.ID, VideoID: v2.ID, WatchMS: 10, At: at.Add(-time.Hour)},
			{AccountID: a.ID, VideoID: v1.ID, WatchMS: -5, Completed: true, At: at.Add(time.Second)},
		}, map[string]bool{v1.ID: true, v2.ID: true}},
	}
	for i, bt := range batches {
		f.must(f.home(a.ID).ApplyProjection(f.ctx, "watches", uint64(i+1), flick.ProjectionBatch{Watches: bt.watches}))
		got, err := f.home(a.ID).Watched(f.ctx, a.ID, all)
		f.must(err)
		if !mapsEqual(got, bt.want) {
			t.Errorf("batch %d: Watched = %v, want %v", i+1, got, bt.want)
		}
	}
	if got, err := f.home(b.ID).Watched(f.ctx, b.ID, all); err != nil || len(got) != 0 {
		t.Errorf("Watched(b) = %v, %v", got, err)
	}
}

func testDeleteVideoCascades(t *testing.T, f *fixture) {
	a, b := f.account("del"), f.account("dee")
	v := f.readyVideo(a, "searchable doomed #gone")
	keep := f.readyVideo(a, "kept #gone")
	commentOf := map[string]string{} // video ID → b's comment on it, which a likes
	for _, video := range []*flick.Video{v, keep} {
		_, err := f.home(b.ID).Like(f.ctx, b.ID, video.ID, f.tick())
		f.must(err)
		top := &flick.Comment{VideoID: video.ID, AuthorID: b.ID, Text: "top"}
		f.must(f.home(top.AuthorID).CreateComment(f.ctx, top))
		f.must(f.home(a.ID).CreateComment(f.ctx, &flick.Comment{VideoID: video.ID, AuthorID: a.ID, ParentID: top.ID, Text: "reply"}))
		_, err = f.home(a.ID).LikeComment(f.ctx, a.ID, video.ID, top.ID, f.tick())
		f.must(err)
		commentOf[video.ID] = top.ID
	}
	f.must(f.home(b.ID).ApplyProjection(f.ctx, "p", 1, flick.ProjectionBatch{
		Counts:  map[string]flick.Counts{v.ID: {Views: 5, Likes: 1}, keep.ID: {Views: 2}},
		Watches: []flick.Watch{{AccountID: b.ID, VideoID: v.ID, WatchMS: 1, Completed: true, At: f.tick()}, {AccountID: b.ID, VideoID: keep.ID, WatchMS: 1, Completed: true, At: f.tick()}},
	}))

	f.must(f.of(v.ID).DeleteVideo(f.ctx, v.ID))

	_, err := f.all.Video(f.ctx, v.ID)
	f.wantCode(err, flick.ENOTFOUND, "deleted video")
	f.wantCode(f.of(v.ID).DeleteVideo(f.ctx, v.ID), flick.ENOTFOUND, "delete twice")
	_, _, err = f.all.Comments(f.ctx, v.ID, "", flick.Page{})
	f.wantCode(err, flick.ENOTFOUND, "comments of a deleted video")
	_, err = f.home(b.ID).Like(f.ctx, b.ID, v.ID, f.tick())
	f.wantCode(err, flick.ENOTFOUND, "like a deleted video")
	// What other regions hold about the video goes when its remove event
	// reaches them.
	f.removed(v)
	f.must(f.home(b.ID).ApplyProjection(f.ctx, "p", 2, flick.ProjectionBatch{
		Counts:  map[string]flick.Counts{v.ID: {Views: 1}, keep.ID: {Views: 1}},
		Watches: []flick.Watch{{AccountID: b.ID, VideoID: v.ID, WatchMS: 1, Completed: true, At: f.tick()}},
	}))

	f.wantListed("hashtag", flick.VideoFilter{Hashtag: "gone"}, keep)
	f.wantListed("search", flick.VideoFilter{Query: "searchable"})
	f.wantListed("author", flick.VideoFilter{AuthorIDs: []string{a.ID}, AllStatuses: true}, keep)
	if vs, err := f.all.Videos(f.ctx, []string{v.ID, keep.ID}); err != nil || !slices.Equal(ids(vs), []string{keep.ID}) {
		t.Errorf("Videos = %v, %v", ids(vs), err)
	}
	liked, err := f.home(b.ID).Liked(f.ctx, b.ID, []string{v.ID, keep.ID})
	f.must(err)
	watched, err := f.home(b.ID).Watched(f.ctx, b.ID, []string{v.ID, keep.ID})
	f.must(err)
	if want := map[string]bool{keep.ID: true}; !mapsEqual(liked, want) || !mapsEqual(watched, want) {
		t.Errorf("after delete: liked %v, watched %v; want only the kept video", liked, watched)
	}
	comments, _, err := f.all.Comments(f.ctx, keep.ID, "", flick.Page{})
	f.must(err)
	if len(comments) != 1 || comments[0].ReplyCount != 1 || comments[0].Likes != 1 {
		t.Errorf("the kept video's comments were touched: %+v", comments)
	}
	likedComments, err := f.home(a.ID).LikedComments(f.ctx, a.ID, []string{commentOf[v.ID], commentOf[keep.ID]})
	f.must(err)
	if !mapsEqual(likedComments, map[string]bool{commentOf[keep.ID]: true}) {
		t.Errorf("after delete: liked comments %v, want only the kept video's", likedComments)
	}
	if got := f.getVideo(keep.ID).Counts; got != (flick.Counts{Views: 3}) {
		t.Errorf("kept video counts %+v", got)
	}
	if acc := f.getAccount(a.ID); acc.VideoCount != 1 {
		t.Errorf("VideoCount after delete = %d, want 1", acc.VideoCount)
	}
}

// testConcurrentWriters has many goroutines write at once, as HTTP handlers
// do: none may fail (no "database is locked"), and the counters must add up.
func testConcurrentWriters(t *testing.T, f *fixture) {
	const n = 12
	star := f.account("star")
	var videos []*flick.Video
	for range 3 {
		videos = append(videos, f.readyVideo(star, "popular"))
	}
	fans := make([]*flick.Account, n)
	for i := range fans {
		fans[i] = f.account(fmt.Sprintf("fan%02d", i))
	}
	var wg sync.WaitGroup
	for i, fan := range fans {
		wg.Go(func() {
			errorf := func(op string, err error) {
				if err != nil {
					t.Errorf("fan %d: %s: %v", i, op, err)
				}
			}
			for _, v := range videos {
				_, err := f.home(fan.ID).Like(f.ctx, fan.ID, v.ID, time.Now())
				errorf("like", err)
				_, err = f.all.Video(f.ctx, v.ID)
				errorf("read video", err)
			}
			_, err := f.home(fan.ID).Unlike(f.ctx, fan.ID, videos[2].ID)
			errorf("unlike", err)
			_, err = f.home(fan.ID).Follow(f.ctx, fan.ID, star.ID, time.Now())
			errorf("follow", err)
			if i > 0 {
				_, err = f.home(fan.ID).Follow(f.ctx, fan.ID, fans[i-1].ID, time.Now())
				errorf("follow fan", err)
			}
			errorf("comment", f.home(fan.ID).CreateComment(f.ctx, &flick.Comment{VideoID: videos[0].ID, AuthorID: fan.ID, Text: "first!"}))
			errorf("projection", f.home(fan.ID).ApplyProjection(f.ctx, "concurrent", uint64(i+1),
				flick.ProjectionBatch{Counts: map[string]flick.Counts{videos[1].ID: {Views: 1}}}))
			_, err = f.all.Account(f.ctx, star.ID)
			errorf("read account", err)
		})
	}
	wg.Wait()
	if acc := f.getAccount(star.ID); acc.FollowerCount != n {
		t.Errorf("FollowerCount = %d, want %d", acc.FollowerCount, n)
	}
	for i, fan := range fans {
		acc := f.getAccount(fan.ID)
		wantFollowers, wantFollowing := int64(1), int64(2)
		if i == n-1 {
			wantFollowers = 0
		}
		if i == 0 {
			wantFollowing = 1
		}
		if acc.FollowerCount != wantFollowers || acc.FollowingCount != wantFollowing {
			t.Errorf("fan %d: followers %d following %d, want %d %d", i, acc.FollowerCount, acc.FollowingCount, wantFollowers, wantFollowing)
		}
		liked, err := f.home(fan.ID).Liked(f.ctx, fan.ID, ids(videos))
		f.must(err)
		if !mapsEqual(liked, map[string]bool{videos[0].ID: true, videos[1].ID: true}) {
			t.Errorf("fan %d liked %v", i, liked)
		}
	}
	comments, _, err := f.all.Comments(f.ctx, videos[0].ID, "", flick.Page{Limit: flick.MaxPageSize})
	f.must(err)
	if len(comments) != n {
		t.Errorf("%d comments, want %d", len(comments), n)
	}
	// Batches raced: those that came after a higher seq were skipped, but the
	// highest always counts.
	if pos, err := f.home(fans[n-1].ID).ProjectionPosition(f.ctx, "concurrent"); err != nil || pos != n {
		t.Errorf("position %d, %v; want %d", pos, err, n)
	}
	if views := f.getVideo(videos[1].ID).Counts.Views; views < 1 || views > n {
		t.Errorf("views = %d, want between 1 and %d", views, n)
	}
}

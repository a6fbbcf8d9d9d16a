package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// busy is an account with records in every table of personal data, and
// another account's records around it.
type busy struct {
	a, o *flick.Account // o: a creator a follows, hides and engages with
	// a's videos: ready (liked, commented and watched by a and o),
	// processing and failed.
	ready, processing, failed *flick.Video
	// o's videos: theirs (a likes it, watches it and comments on it) and
	// snubbed (a marks it not interested).
	theirs, snubbed *flick.Video
	top             *flick.Comment // a's comment on theirs, which o replies to
	liked           *flick.Comment // o's comment on theirs, which a likes and replies to
	tombstone       *flick.Comment // a's deleted comment on theirs, which o replied to
	word            string         // in the caption of ready and nowhere else
}

// busyAccount makes a busy account, its counters given as the projection
// of the log would give them.
func (f *backend) busyAccount(handle string) *busy {
	f.t.Helper()
	a, o := f.account(handle), f.account(handle+"_friend")
	b := &busy{a: a, o: o, word: "zebra" + handle}
	bio, avatar, likesPublic := "All about "+handle, true, true
	_, err := f.s.UpdateProfile(f.ctx, a.ID, flick.ProfileUpdate{Bio: &bio, HasAvatar: &avatar, LikesPublic: &likesPublic})
	f.must(err)
	f.must(f.s.SetRoles(f.ctx, a.ID, []string{flick.RoleAdmin}))
	_, err = f.s.PutSettings(f.ctx, a.ID, flick.ViewerSettings{NonPersonalized: true, KeywordFilters: []string{"spoilers", "cats"}})
	f.must(err)
	for i := range 2 {
		f.must(f.s.CreateSession(f.ctx, &flick.Session{AccountID: a.ID, TokenHash: []byte(fmt.Sprintf("token-%s-%d", handle, i)),
			UserAgent: "Phone", CreatedAt: f.tick(), ExpiresAt: f.now.Add(time.Hour)}))
	}
	f.must(f.s.CreatePasswordReset(f.ctx, &flick.PasswordReset{AccountID: a.ID, TokenHash: []byte("reset-" + handle),
		CreatedAt: f.tick(), ExpiresAt: f.now.Add(time.Hour)}))
	f.must(f.s.AddDevice(f.ctx, a.ID, []byte("device-"+handle), f.tick()))
	b.ready = f.readyVideo(a, b.word+" dance #moves @"+o.Handle)
	b.processing = f.video(a, "draft #moves")
	b.failed = f.video(a, "broken")
	// What the creator chose travels with the videos.
	private, off := flick.VisibilityPrivate, false
	_, err = f.s.UpdateVideo(f.ctx, b.processing.ID, flick.VideoUpdate{Visibility: &private, CommentsEnabled: &off})
	f.must(err)
	_, err = f.s.SetPoster(f.ctx, b.ready.ID, "videos/"+b.ready.ID+"/poster-2.jpg", 2500)
	f.must(err)
	f.must(f.s.PinVideo(f.ctx, b.ready.ID, f.tick()))
	f.must(f.s.SetFailed(f.ctx, b.failed.ID, "no video stream"))
	b.theirs, b.snubbed = f.readyVideo(o, "their video"), f.readyVideo(o, "meh")

	_, err = f.s.Follow(f.ctx, a.ID, o.ID, f.tick())
	f.must(err)
	// o liked a's video before a hid o: a was notified.
	f.must(f.s.ApplyNotifications(f.ctx, "notifications:test", 1, []flick.NotificationDelta{{Seq: 1, AccountID: a.ID,
		Type: flick.NotifyLike, Target: b.ready.ID, ActorID: o.ID, VideoID: b.ready.ID, At: f.tick()}}))
	_, err = f.s.HideCreator(f.ctx, a.ID, o.ID, f.tick())
	f.must(err)
	_, err = f.s.MarkNotInterested(f.ctx, a.ID, b.snubbed.ID, f.tick())
	f.must(err)
	for _, l := range []struct {
		who   *flick.Account
		video *flick.Video
	}{{a, b.theirs}, {a, b.ready}, {o, b.ready}} {
		_, err := f.s.Like(f.ctx, l.who.ID, l.video.ID, f.tick())
		f.must(err)
	}
	comment := func(who *flick.Account, video *flick.Video, parentID string) *flick.Comment {
		c := &flick.Comment{VideoID: video.ID, AuthorID: who.ID, ParentID: parentID, Text: "from " + who.Handle, CreatedAt: f.tick()}
		f.must(f.s.CreateComment(f.ctx, c))
		return c
	}
	b.top = comment(a, b.theirs, "")
	comment(o, b.theirs, b.top.ID)
	b.liked = comment(o, b.theirs, "")
	comment(a, b.theirs, b.liked.ID)
	comment(a, b.ready, "")
	comment(o, b.ready, "")
	_, err = f.s.LikeComment(f.ctx, a.ID, b.theirs.ID, b.liked.ID, f.tick())
	f.must(err)
	// a deleted a comment that o had replied to: a tombstone, not counted.
	b.tombstone = comment(a, b.theirs, "")
	comment(o, b.theirs, b.tombstone.ID)
	f.must(f.s.TombstoneComment(f.ctx, b.tombstone.ID))
	f.must(f.s.ApplyProjection(f.ctx, "counts", 1, flick.ProjectionBatch{
		Counts: map[string]flick.Counts{
			b.theirs.ID: {Views: 2, Likes: 1, Comments: 5},
			b.ready.ID:  {Views: 3, Likes: 2, Comments: 2},
		},
		Watches: []flick.Watch{
			{AccountID: a.ID, VideoID: b.theirs.ID, WatchMS: 9000, Completed: true, At: f.tick()},
			{AccountID: o.ID, VideoID: b.ready.ID, WatchMS: 15000, Completed: true, At: f.tick()},
		},
	}))
	return b
}

// everyVisibility lists videos whoever may see them.
var everyVisibility = flick.VisibilitiesFor(true, false)

// regionNeutral returns d without the aggregates that stay in the region
// that counted them when an account moves.
func regionNeutral(d *flick.AccountData) *flick.AccountData {
	out := *d
	out.Account.FollowerCount = 0
	out.Videos = slices.Clone(d.Videos)
	for i := range out.Videos {
		out.Videos[i].Counts = flick.Counts{}
	}
	out.Comments = slices.Clone(d.Comments)
	for i := range out.Comments {
		out.Comments[i].ReplyCount, out.Comments[i].Likes = 0, 0
	}
	return &out
}

func edgeIDs(edges []flick.Edge) []string {
	out := make([]string, len(edges))
	for i, e := range edges {
		out[i] = e.ID
	}
	return out
}

func (f *fixture) accountData(s flick.Store, id string) *flick.AccountData {
	f.t.Helper()
	d, err := s.AccountData(f.ctx, id)
	f.must(err)
	return d
}

// wantCounts checks a store's counters of videos; want nil means none.
func (f *fixture) wantCounts(s flick.Store, what string, want map[string]flick.Counts, ids ...string) {
	f.t.Helper()
	got, err := s.VideoCounts(f.ctx, ids)
	f.must(err)
	if want == nil {
		want = map[string]flick.Counts{}
	}
	if !reflect.DeepEqual(got, want) {
		f.t.Errorf("%s: VideoCounts = %v, want %v", what, got, want)
	}
}

// wantOwners checks that PersonalOwners lists id in exactly the tables given.
func (f *fixture) wantOwners(s flick.Store, id string, tables ...string) {
	f.t.Helper()
	owners, err := s.PersonalOwners(f.ctx)
	f.must(err)
	var got []string
	for table, ids := range owners {
		if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			f.t.Errorf("PersonalOwners[%s] = %v, not sorted and distinct", table, ids)
		}
		if slices.Contains(ids, id) {
			got = append(got, table)
		}
	}
	slices.Sort(got)
	if want := sorted(tables...); !slices.Equal(got, want) {
		f.t.Errorf("PersonalOwners lists the account in %v, want %v", got, want)
	}
}

// personalTables are the tables PersonalOwners reports.
var personalTables = []string{"accounts", "sessions", "password_resets", "devices", "follows", "likes", "watches", "comments",
	"comment_likes", "blocks", "not_interested", "viewer_settings", "videos", "notifications"}

// movedTables are those a move copies: a pending password reset and the
// known devices stay behind, erased with the source's records (ask again
// after a move; a device is known again at its next sign-in).
var movedTables = slices.DeleteFunc(slices.Clone(personalTables), func(t string) bool { return t == "password_resets" || t == "devices" })

func testAccountDataRoundTrip(t *testing.T, f *backend) {
	b := f.busyAccount("mover")
	d := f.accountData(f.s, b.a.ID)
	if d.PasswordHash != "hash-of-mover" || !slices.Equal(d.Roles, []string{flick.RoleAdmin}) || d.Account.Bio != "All about mover" ||
		!d.Account.HasAvatar || !d.Account.LikesPublic || d.Account.Birthdate != "2000-01-02" || d.Account.FollowingCount != 1 || d.Account.VideoCount != 1 {
		t.Errorf("account: %+v, hash %q, roles %v", d.Account, d.PasswordHash, d.Roles)
	}
	if !d.Settings.NonPersonalized || !slices.Equal(d.Settings.KeywordFilters, []string{"spoilers", "cats"}) {
		t.Errorf("settings %+v", d.Settings)
	}
	if len(d.Sessions) != 2 || string(d.Sessions[0].TokenHash) != "token-mover-0" || d.Sessions[1].AccountID != b.a.ID {
		t.Errorf("sessions %+v", d.Sessions)
	}
	for _, e := range []struct {
		name      string
		got, want []string
	}{
		{"follows", edgeIDs(d.Follows), []string{b.o.ID}},
		{"likes", edgeIDs(d.Likes), []string{b.theirs.ID, b.ready.ID}},
		{"blocks", edgeIDs(d.Hidden), []string{b.o.ID}},
		{"not interested", edgeIDs(d.NotInterest), []string{b.snubbed.ID}},
		{"videos", ids(ptrs(d.Videos)), []string{b.ready.ID, b.processing.ID, b.failed.ID}},
	} {
		if !slices.Equal(e.got, e.want) {
			t.Errorf("%s = %v, want %v", e.name, e.got, e.want)
		}
	}
	if len(d.Watches) != 1 || d.Watches[0] != (flick.Watch{AccountID: b.a.ID, VideoID: b.theirs.ID, WatchMS: 9000, Completed: true, At: d.Watches[0].At}) {
		t.Errorf("watches %+v", d.Watches)
	}
	if len(d.Notifications) != 1 || len(d.Notifications[0].Actors) != 1 || d.Notifications[0].Actors[0].ID != b.o.ID ||
		d.Notifications[0].VideoID != b.ready.ID || d.Notifications[0].ActorCount != 1 {
		t.Errorf("notifications %+v", d.Notifications)
	}
	if len(d.Comments) != 4 || d.Comments[0].ID != b.top.ID || d.Comments[0].ReplyCount != 1 || d.Comments[1].ParentID == "" {
		t.Errorf("comments %+v", d.Comments)
	}
	if c := d.Comments[3]; c.ID != b.tombstone.ID || !c.Deleted || c.Text != "" || c.ReplyCount != 1 {
		t.Errorf("tombstone %+v", c)
	}
	if len(d.CommentLikes) != 1 || d.CommentLikes[0] != (flick.CommentLike{CommentID: b.liked.ID, VideoID: b.theirs.ID, At: d.CommentLikes[0].At}) {
		t.Errorf("comment likes %+v", d.CommentLikes)
	}
	if v := d.Videos[0]; len(v.Renditions) != 1 || v.Counts != (flick.Counts{Views: 3, Likes: 2, Comments: 2}) || !v.Pinned || v.CoverMS != 2500 ||
		d.Videos[1].Visibility != flick.VisibilityPrivate || !d.Videos[1].CommentsOff ||
		d.Videos[2].Status != flick.StatusFailed || d.Videos[2].Failure != "no video stream" {
		t.Errorf("videos %+v", d.Videos)
	}

	// Another region has none of the records a's records name: the import
	// does not look for them. The mover sets the region to the target's.
	target := f.open(t)
	d.Account.Region = "eu"
	f.must(target.ImportAccountData(f.ctx, d))
	moved := f.accountData(target, b.a.ID)
	if want := regionNeutral(d); !reflect.DeepEqual(regionNeutral(moved), want) {
		t.Errorf("imported account data\n%+v\nwant\n%+v", moved, want)
	}
	f.wantCode(target.ImportAccountData(f.ctx, d), flick.ECONFLICT, "import twice")

	// The target counts what the account's own records add up to.
	f.wantCounts(target, "target", map[string]flick.Counts{
		b.theirs.ID: {Likes: 1, Comments: 2}, b.ready.ID: {Likes: 1, Comments: 1}, b.processing.ID: {}, b.failed.ID: {},
	}, b.theirs.ID, b.ready.ID, b.processing.ID, b.failed.ID, b.snubbed.ID)
	followers, err := target.FollowerCounts(f.ctx, []string{b.o.ID, b.a.ID})
	f.must(err)
	if !reflect.DeepEqual(followers, map[string]int64{b.o.ID: 1}) {
		t.Errorf("target FollowerCounts = %v", followers)
	}
	found, _, err := target.ListVideos(f.ctx, flick.VideoFilter{Query: b.word}, flick.Page{})
	f.must(err)
	tagged, _, err := target.ListVideos(f.ctx, flick.VideoFilter{Hashtag: "moves", AllStatuses: true, Visibilities: everyVisibility}, flick.Page{})
	f.must(err)
	if !slices.Equal(ids(found), []string{b.ready.ID}) || !slices.Equal(ids(tagged), []string{b.processing.ID, b.ready.ID}) {
		t.Errorf("target search found %v, hashtag %v", ids(found), ids(tagged))
	}
	s, err := target.SessionByTokenHash(f.ctx, []byte("token-mover-1"), time.Now())
	f.must(err)
	if s.AccountID != b.a.ID {
		t.Errorf("moved session %+v", s)
	}
	f.wantOwners(target, b.a.ID, movedTables...)
}

// ptrs returns pointers to the videos, for ids.
func ptrs(videos []flick.Video) []*flick.Video {
	out := make([]*flick.Video, len(videos))
	for i := range videos {
		out[i] = &videos[i]
	}
	return out
}

func testReleaseAccount(t *testing.T, f *backend) {
	b := f.busyAccount("leaver")
	f.wantOwners(f.s, b.a.ID, personalTables...)
	f.wantOwners(f.s, b.o.ID, "accounts", "likes", "watches", "comments", "videos")

	f.must(f.s.ReleaseAccount(f.ctx, b.a.ID))

	f.wantOwners(f.s, b.a.ID)
	f.wantOwners(f.s, b.o.ID, "accounts", "likes", "watches", "comments", "videos")
	_, err := f.s.Account(f.ctx, b.a.ID)
	f.wantCode(err, flick.ENOTFOUND, "released account")
	_, err = f.s.Video(f.ctx, b.ready.ID)
	f.wantCode(err, flick.ENOTFOUND, "moved video")
	_, err = f.s.SessionByTokenHash(f.ctx, []byte("token-leaver-0"), time.Now())
	f.wantCode(err, flick.ENOTFOUND, "released session")
	found, _, err := f.s.ListVideos(f.ctx, flick.VideoFilter{Query: b.word, AllStatuses: true, Visibilities: everyVisibility}, flick.Page{})
	f.must(err)
	if len(found) != 0 {
		t.Errorf("search finds moved videos %v", ids(found))
	}
	// The account's likes and comments leave the counters; what others did
	// to its videos stays, with the videos' counters, for the videos live
	// on in the target region.
	f.wantCounts(f.s, "source", map[string]flick.Counts{
		b.theirs.ID: {Views: 2, Likes: 0, Comments: 3}, b.ready.ID: {Views: 3, Likes: 1, Comments: 1},
	}, b.theirs.ID, b.ready.ID, b.processing.ID)
	marks, err := f.s.Marks(f.ctx, b.o.ID, []string{b.ready.ID})
	f.must(err)
	if marks[b.ready.ID] != (flick.VideoMarks{Liked: true, Watched: true}) {
		t.Errorf("others' marks of a moved video: %+v", marks)
	}
	followers, err := f.s.FollowerCounts(f.ctx, []string{b.o.ID})
	f.must(err)
	if len(followers) != 0 {
		t.Errorf("FollowerCounts after the only follower left = %v", followers)
	}
	f.wantCode(f.s.ReleaseAccount(f.ctx, b.a.ID), flick.ENOTFOUND, "release twice")
}

func testEraseAccount(t *testing.T, f *backend) {
	b := f.busyAccount("quitter")
	f.must(f.s.EraseAccount(f.ctx, b.a.ID))
	// Compacting (twice: it must be repeatable) changes nothing readable.
	f.must(f.s.Compact(f.ctx))
	f.must(f.s.Compact(f.ctx))

	f.wantOwners(f.s, b.a.ID)
	// o's like, watch and comment on the deleted video go with it; o's
	// comments elsewhere stay.
	f.wantOwners(f.s, b.o.ID, "accounts", "comments", "videos")
	f.wantCounts(f.s, "deleted videos", nil, b.ready.ID, b.processing.ID, b.failed.ID)
	f.wantCounts(f.s, "others' video", map[string]flick.Counts{b.theirs.ID: {Views: 2, Comments: 3}}, b.theirs.ID)
	marks, err := f.s.Marks(f.ctx, b.o.ID, []string{b.ready.ID})
	f.must(err)
	if len(marks) != 0 {
		t.Errorf("marks of a deleted video: %+v", marks)
	}
	comments, _, err := f.s.Comments(f.ctx, b.theirs.ID, "", flick.Page{})
	f.must(err)
	if len(comments) != 1 || comments[0].AuthorID != b.o.ID {
		t.Errorf("comments left on others' video: %+v", comments)
	}
	for _, v := range []*flick.Video{b.ready, b.processing, b.failed} {
		_, err := f.s.Video(f.ctx, v.ID)
		f.wantCode(err, flick.ENOTFOUND, "deleted video "+v.Caption)
	}
	found, _, err := f.s.ListVideos(f.ctx, flick.VideoFilter{Hashtag: "moves", AllStatuses: true, Visibilities: everyVisibility}, flick.Page{})
	f.must(err)
	if len(found) != 0 {
		t.Errorf("hashtag finds deleted videos %v", ids(found))
	}
}

func testEraseReferences(t *testing.T, f *backend) {
	gone, fan, other := f.account("gone"), f.account("fan"), f.account("other")
	for _, followee := range []*flick.Account{gone, other} {
		_, err := f.s.Follow(f.ctx, fan.ID, followee.ID, f.tick())
		f.must(err)
	}
	// gone and other followed fan, and gone alone liked fan's video.
	v := f.readyVideo(fan, "fan's")
	at := f.tick()
	f.must(f.s.ApplyNotifications(f.ctx, "notifications:test", 3, []flick.NotificationDelta{
		{Seq: 1, AccountID: fan.ID, Type: flick.NotifyFollow, ActorID: gone.ID, At: at},
		{Seq: 2, AccountID: fan.ID, Type: flick.NotifyFollow, ActorID: other.ID, At: at.Add(time.Second)},
		{Seq: 3, AccountID: fan.ID, Type: flick.NotifyLike, Target: v.ID, ActorID: gone.ID, VideoID: v.ID, At: at.Add(2 * time.Second)},
	}))
	_, err := f.s.HideCreator(f.ctx, fan.ID, gone.ID, f.tick())
	f.must(err)
	f.wantCode(f.s.EraseReferences(f.ctx, gone.ID), flick.ECONFLICT, "erase the references to a stored account")

	f.must(f.s.EraseAccount(f.ctx, gone.ID))
	// Others' records of the account are theirs: the erasure leaves them.
	if ok, err := f.s.IsFollowing(f.ctx, fan.ID, gone.ID); err != nil || !ok {
		t.Errorf("IsFollowing after the erasure = %v, %v; want true", ok, err)
	}
	f.must(f.s.EraseReferences(f.ctx, gone.ID))
	f.must(f.s.EraseReferences(f.ctx, gone.ID))
	f.must(f.s.Compact(f.ctx))

	if ok, err := f.s.IsFollowing(f.ctx, fan.ID, gone.ID); err != nil || ok {
		t.Errorf("IsFollowing after EraseReferences = %v, %v; want false", ok, err)
	}
	if got := f.getAccount(fan.ID).FollowingCount; got != 1 {
		t.Errorf("follower's FollowingCount = %d, want 1", got)
	}
	ctl, err := f.s.Controls(f.ctx, fan.ID)
	f.must(err)
	if len(ctl.HiddenIDs) != 0 {
		t.Errorf("hidden creators %v", ctl.HiddenIDs)
	}
	followers, err := f.s.FollowerCounts(f.ctx, []string{gone.ID, other.ID})
	f.must(err)
	if !reflect.DeepEqual(followers, map[string]int64{other.ID: 1}) {
		t.Errorf("FollowerCounts = %v", followers)
	}
	// The erased actor leaves the items it shared, and the one it alone
	// made goes.
	f.wantInbox(fan.ID, "fan's inbox", summary{Type: flick.NotifyFollow, Actors: actorsOf(other), Count: 1})
	f.must(f.s.EraseReferences(f.ctx, flick.NewID(f.tick())))
}

func testAccountDataErrors(t *testing.T, f *backend) {
	a := f.account("owner")
	unknown := flick.NewID(f.tick())
	_, err := f.s.AccountData(f.ctx, unknown)
	f.wantCode(err, flick.ENOTFOUND, "data of an unknown account")
	f.wantCode(f.s.EraseAccount(f.ctx, unknown), flick.ENOTFOUND, "erase an unknown account")
	f.wantCode(f.s.ReleaseAccount(f.ctx, unknown), flick.ENOTFOUND, "release an unknown account")
	d := f.accountData(f.s, a.ID)
	f.wantCode(f.s.ImportAccountData(f.ctx, d), flick.ECONFLICT, "import a stored account")

	// A new account with a's handle, or with another account's record.
	at := f.tick()
	clash := *d
	clash.Account.ID = flick.NewID(at)
	f.wantCode(f.s.ImportAccountData(f.ctx, &clash), flick.ECONFLICT, "import a taken handle")
	stray := clash
	stray.Account.Handle = "stray"
	stray.Watches = []flick.Watch{{AccountID: a.ID, VideoID: unknown, At: at}}
	f.wantCode(f.s.ImportAccountData(f.ctx, &stray), flick.EINVALID, "import another account's record")
	f.wantCode(f.s.ImportAccountData(f.ctx, nil), flick.EINVALID, "import nothing")
	_, err = f.s.Account(f.ctx, clash.Account.ID)
	f.wantCode(err, flick.ENOTFOUND, "account of a refused import")
}

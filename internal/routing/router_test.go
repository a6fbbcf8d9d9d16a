package routing_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/routing"
)

// pair is two regions' stores, us and eu, behind a router, as
// node.OpenOffline opens them (no event logs: the router reaches only the
// stores, and the directory).
type pair struct {
	t      *testing.T
	ctx    context.Context
	us, eu flick.Store
	r      *routing.Router
}

func newPair(t *testing.T) *pair {
	t.Helper()
	o, err := node.OpenOffline(context.Background(), node.Config{Data: t.TempDir(), Regions: []string{"us", "eu"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	cells := o.Router.Cells()
	return &pair{t: t, ctx: context.Background(), us: cells[0].Store, eu: cells[1].Store, r: o.Router}
}

func (w *pair) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// home returns the store of account id's home region, as the services
// reach it.
func (w *pair) home(id string) flick.Store {
	w.t.Helper()
	c, done, err := w.r.Home(w.ctx, id)
	w.must(err)
	done()
	return c.Store
}

func (w *pair) account(handle, region string) *flick.Account {
	w.t.Helper()
	a := &flick.Account{Handle: handle, Region: region, Birthdate: "2000-01-01", Email: handle + "@example.org"}
	w.must(w.r.CreateAccount(w.ctx, a, "hash"))
	return a
}

func (w *pair) video(author *flick.Account, caption string) *flick.Video {
	w.t.Helper()
	tags, mentions := flick.ParseCaption(caption)
	v := &flick.Video{AuthorID: author.ID, Caption: caption, Hashtags: tags, Mentions: mentions, DurationMS: 10000, Width: 720, Height: 1280}
	v.CreatedAt = time.Now()
	v.ID = flick.NewID(v.CreatedAt)
	home := w.home(author.ID)
	w.must(home.CreateVideo(w.ctx, v))
	w.must(home.AddRendition(w.ctx, v.ID, flick.RenditionUpdate{Ready: true, Complete: true, PosterKey: "videos/" + v.ID + "/poster.jpg",
		Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Bitrate: 800000, Size: 1000, Key: "videos/" + v.ID + "/360p.mp4", Mime: "video/mp4"}}))
	return v
}

// owners lists the account IDs that own rows of table in db.
func owners(t *testing.T, db flick.Store, table string) []string {
	t.Helper()
	o, err := db.PersonalOwners(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return o[table]
}

func TestAccountsLiveInTheirHomeRegion(t *testing.T) {
	w := newPair(t)
	us, eu := w.account("sam", "us"), w.account("eva", "eu")
	def := w.account("dee", "")
	if def.Region != "us" {
		t.Errorf("default region = %q, want the first, us", def.Region)
	}
	if _, err := w.us.Account(w.ctx, eu.ID); flick.ErrorCode(err) != flick.ENOTFOUND {
		t.Errorf("eu account in the us store: %v", err)
	}
	for _, a := range []*flick.Account{us, eu} {
		got, err := w.r.AccountByHandle(w.ctx, a.Handle)
		w.must(err)
		if got.ID != a.ID || got.Region != a.Region || got.Email != a.Email {
			t.Errorf("AccountByHandle(%s) = %+v", a.Handle, got)
		}
	}
	err := w.r.CreateAccount(w.ctx, &flick.Account{Handle: "eva", Region: "us"}, "h")
	if flick.ErrorCode(err) != flick.ECONFLICT {
		t.Errorf("handle taken in another region: %v, want conflict", err)
	}
	err = w.r.CreateAccount(w.ctx, &flick.Account{Handle: "mars", Region: "mars"}, "h")
	if flick.ErrorCode(err) != flick.EINVALID {
		t.Errorf("unknown region: %v, want invalid", err)
	}
	if _, err := w.r.AccountByHandle(w.ctx, "mars"); flick.ErrorCode(err) != flick.ENOTFOUND {
		t.Errorf("failed sign-up left a directory entry: %v", err)
	}
	// A session lives in the account's region and is found by its token.
	s := &flick.Session{AccountID: eu.ID, TokenHash: []byte("token-eva"), ExpiresAt: time.Now().Add(time.Hour)}
	w.must(w.home(eu.ID).CreateSession(w.ctx, s))
	got, err := w.r.SessionByTokenHash(w.ctx, []byte("token-eva"), time.Now())
	w.must(err)
	if got.AccountID != eu.ID || !slices.Equal(owners(t, w.eu, "sessions"), []string{eu.ID}) || len(owners(t, w.us, "sessions")) != 0 {
		t.Errorf("session %+v not kept in eu only", got)
	}
}

func TestCrossRegionEngagement(t *testing.T) {
	w := newPair(t)
	creator, viewer := w.account("sam", "us"), w.account("eva", "eu")
	local := w.account("uma", "us")
	v := w.video(creator, "hello #pair")

	// The eu viewer likes, comments on and follows the us creator: all of
	// it is stored in eu.
	changed, err := w.home(viewer.ID).Like(w.ctx, viewer.ID, v.ID, time.Now())
	w.must(err)
	if !changed {
		t.Fatal("like changed nothing")
	}
	_, err = w.home(viewer.ID).Follow(w.ctx, viewer.ID, creator.ID, time.Now())
	w.must(err)
	_, err = w.home(local.ID).Follow(w.ctx, local.ID, creator.ID, time.Now())
	w.must(err)
	top := &flick.Comment{VideoID: v.ID, AuthorID: local.ID, Text: "first"}
	w.must(w.home(local.ID).CreateComment(w.ctx, top))
	reply := &flick.Comment{VideoID: v.ID, AuthorID: viewer.ID, ParentID: top.ID, Text: "reply from eu"}
	w.must(w.home(viewer.ID).CreateComment(w.ctx, reply))
	eva := &flick.Comment{VideoID: v.ID, AuthorID: viewer.ID, Text: "eu top"}
	w.must(w.home(viewer.ID).CreateComment(w.ctx, eva))
	for table, want := range map[string][]string{"likes": {viewer.ID}, "follows": {viewer.ID}, "comments": {viewer.ID}} {
		if got := owners(t, w.eu, table); !slices.Equal(got, want) {
			t.Errorf("eu %s owners = %v, want %v", table, got, want)
		}
		if got := owners(t, w.us, table); slices.Contains(got, viewer.ID) {
			t.Errorf("us %s holds the eu viewer's rows", table)
		}
	}

	// Each region projects its own viewers' events into its aggregates;
	// readers see the sum.
	w.must(w.eu.ApplyProjection(w.ctx, "counters", 1, flick.ProjectionBatch{Counts: map[string]flick.Counts{v.ID: {Views: 2, Likes: 1, Comments: 2}}}))
	w.must(w.us.ApplyProjection(w.ctx, "counters", 1, flick.ProjectionBatch{Counts: map[string]flick.Counts{v.ID: {Views: 3, Comments: 1}}}))
	got, err := w.r.Video(w.ctx, v.ID)
	w.must(err)
	if want := (flick.Counts{Views: 5, Likes: 1, Comments: 3}); got.Counts != want {
		t.Errorf("counts = %+v, want %+v", got.Counts, want)
	}
	vs, err := w.r.Videos(w.ctx, []string{v.ID})
	w.must(err)
	if len(vs) != 1 || vs[0].Counts.Views != 5 {
		t.Errorf("Videos counts = %+v", vs)
	}
	a, err := w.r.Account(w.ctx, creator.ID)
	w.must(err)
	if a.FollowerCount != 2 {
		t.Errorf("follower count = %d, want 2 (one per region)", a.FollowerCount)
	}
	liked, err := w.home(viewer.ID).Liked(w.ctx, viewer.ID, []string{v.ID})
	w.must(err)
	if !liked[v.ID] {
		t.Error("Liked misses the eu viewer's like")
	}

	// Comments merge across regions, oldest first, replies counted across
	// regions.
	cs, next, err := w.r.Comments(w.ctx, v.ID, "", flick.Page{})
	w.must(err)
	if next != "" || len(cs) != 2 || cs[0].ID != top.ID || cs[1].ID != eva.ID || cs[0].ReplyCount != 1 {
		t.Fatalf("comments = %+v next %q", cs, next)
	}
	page, next, err := w.r.Comments(w.ctx, v.ID, "", flick.Page{Limit: 1})
	w.must(err)
	if len(page) != 1 || next != top.ID {
		t.Errorf("first page = %d comments, next %q", len(page), next)
	}
	replies, _, err := w.r.Comments(w.ctx, v.ID, top.ID, flick.Page{})
	w.must(err)
	if len(replies) != 1 || replies[0].ID != reply.ID || replies[0].Author.Handle != "eva" {
		t.Errorf("replies = %+v", replies)
	}

	// Hiding a creator of another region names the creator by ID (the
	// Engagement service fills in the profile).
	_, err = w.home(viewer.ID).HideCreator(w.ctx, viewer.ID, creator.ID, time.Now())
	w.must(err)
	hidden, err := w.home(viewer.ID).HiddenCreators(w.ctx, viewer.ID)
	w.must(err)
	if len(hidden) != 1 || hidden[0].ID != creator.ID {
		t.Errorf("hidden = %+v", hidden)
	}

	// Unknown targets are still refused.
	_, err = w.home(viewer.ID).Like(w.ctx, viewer.ID, flick.NewID(time.Now()), time.Now())
	if flick.ErrorCode(err) != flick.ENOTFOUND {
		t.Errorf("like of an unknown video: %v", err)
	}
	_, err = w.home(viewer.ID).Follow(w.ctx, viewer.ID, flick.NewID(time.Now()), time.Now())
	if flick.ErrorCode(err) != flick.ENOTFOUND {
		t.Errorf("follow of an unknown account: %v", err)
	}

	// Deleting the video in us; the remove event makes eu forget its records.
	w.must(w.us.DeleteVideo(w.ctx, v.ID))
	w.must(w.eu.ApplyProjection(w.ctx, "counters", 2, flick.ProjectionBatch{Removed: []string{v.ID}}))
	for _, table := range []string{"likes", "comments"} {
		if got := owners(t, w.eu, table); len(got) != 0 {
			t.Errorf("eu still holds %s of the deleted video: %v", table, got)
		}
	}
	counts, err := w.eu.VideoCounts(w.ctx, []string{v.ID})
	w.must(err)
	if len(counts) != 0 {
		t.Errorf("eu still counts the deleted video: %v", counts)
	}
}

func TestListingsMergeRegions(t *testing.T) {
	w := newPair(t)
	us, eu := w.account("sam", "us"), w.account("eva", "eu")
	var made []*flick.Video
	for i := range 6 {
		author := us
		if i%2 == 1 {
			author = eu
		}
		made = append(made, w.video(author, "clip #tag"))
		time.Sleep(2 * time.Millisecond) // distinct creation times
	}
	var got []string
	cursor := ""
	for {
		page, next, err := w.r.ListVideos(w.ctx, flick.VideoFilter{Hashtag: "tag"}, flick.Page{Limit: 4, Cursor: cursor})
		w.must(err)
		for _, v := range page {
			got = append(got, v.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	var want []string
	for i := len(made) - 1; i >= 0; i-- {
		want = append(want, made[i].ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("listing = %v, want newest first across regions %v", got, want)
	}
	recent, err := w.r.RecentVideos(w.ctx, time.Now().Add(-time.Hour), 3)
	w.must(err)
	if len(recent) != 3 || recent[0].ID != made[5].ID || recent[2].ID != made[3].ID {
		t.Errorf("recent = %v", recent)
	}
	found, err := w.r.SearchAccounts(w.ctx, "s", 10)
	w.must(err)
	if len(found) != 1 || found[0].ID != us.ID {
		t.Errorf("search = %v", found)
	}
	_ = eu
}

// TestFreeze: a frozen account refuses calls, and freezing waits for the
// calls under way on it, so that none writes after a move copied it.
func TestFreeze(t *testing.T) {
	w := newPair(t)
	a := w.account("sam", "us")
	_, leave, err := w.r.Home(w.ctx, a.ID) // a call under way
	w.must(err)
	frozen := make(chan error, 1)
	var thaw func()
	go func() {
		var err error
		thaw, err = w.r.Freeze(w.ctx, a.ID)
		frozen <- err
	}()
	select {
	case err := <-frozen:
		t.Fatalf("Freeze returned (%v) while a call was under way", err)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := w.r.Account(w.ctx, a.ID); flick.ErrorCode(err) != flick.EUNAVAILABLE {
		t.Errorf("a new call while freezing: %v, want unavailable", err)
	}
	leave()
	w.must(<-frozen)
	if _, err := w.r.Account(w.ctx, a.ID); flick.ErrorCode(err) != flick.EUNAVAILABLE {
		t.Errorf("frozen account: %v, want unavailable", err)
	}
	thaw()
	if _, err := w.r.Account(w.ctx, a.ID); err != nil {
		t.Errorf("thawed account: %v", err)
	}

	// A call that does not end in time: the freeze gives up, and the
	// account is open again.
	_, leave, err = w.r.Home(w.ctx, a.ID)
	w.must(err)
	ctx, cancel := context.WithTimeout(w.ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := w.r.Freeze(ctx, a.ID); flick.ErrorCode(err) != flick.EUNAVAILABLE {
		t.Fatalf("Freeze with a call under way past its deadline: %v, want unavailable", err)
	}
	if _, err := w.r.Account(w.ctx, a.ID); err != nil {
		t.Errorf("account after a freeze gave up: %v", err)
	}
	// Marking it erased gives up likewise; once the call ends, it does not.
	if _, err := w.r.CloseForErasure(ctx, a.ID); flick.ErrorCode(err) != flick.EUNAVAILABLE {
		t.Fatalf("markErasing past its deadline: %v", err)
	}
	if _, err := w.r.Account(w.ctx, a.ID); err != nil {
		t.Errorf("account after a mark gave up: %v", err)
	}
	leave()
	if _, err := w.r.CloseForErasure(w.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.r.Home(w.ctx, a.ID); flick.ErrorCode(err) != flick.ENOTFOUND {
		t.Fatalf("a call on an account being erased: %v, want not found", err)
	}
	ctx, cancel = context.WithTimeout(w.ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := w.r.CloseForErasure(ctx, a.ID); err != nil {
		t.Fatalf("a second mark with no call under way: %v", err)
	}
	if _, err := w.r.Account(w.ctx, a.ID); flick.ErrorCode(err) != flick.ENOTFOUND {
		t.Errorf("account being erased: %v, want not found", err)
	}
}

package storetest

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/flick-video/flick"
)

// testVideoSettings: visibility, comments and the cover are stored as
// created and as updated; a new caption re-indexes search and hashtags;
// the listings that take no visibilities list public videos only.
func testVideoSettings(t *testing.T, f *fixture) {
	a := f.account("sett")
	pub := f.readyVideo(a, "plain #alpha words")
	if got := f.getVideo(pub.ID); got.Visibility != flick.VisibilityPublic || got.CommentsOff || got.Pinned || got.CoverMS != 0 {
		t.Fatalf("default settings: visibility %q comments off %v pinned %v cover %d", got.Visibility, got.CommentsOff, got.Pinned, got.CoverMS)
	}
	at := f.tick()
	fol := &flick.Video{ID: flick.NewID(at), AuthorID: a.ID, Caption: "for #friends", Hashtags: []string{"friends"}, CreatedAt: at,
		DurationMS: 15000, Width: 1080, Height: 1920, OriginalKey: "originals/y.mp4",
		Visibility: flick.VisibilityFollowers, CommentsOff: true, CoverMS: 4200}
	f.createVideo(fol)
	f.must(f.of(fol.ID).AddRendition(f.ctx, fol.ID, flick.RenditionUpdate{Rendition: rendition(fol.ID, 360), Ready: true, Complete: true}))
	if got := f.getVideo(fol.ID); got.Visibility != flick.VisibilityFollowers || !got.CommentsOff || got.CoverMS != 4200 {
		t.Fatalf("created settings: visibility %q comments off %v cover %d", got.Visibility, got.CommentsOff, got.CoverMS)
	}
	bad := &flick.Video{ID: flick.NewID(f.tick()), AuthorID: a.ID, CreatedAt: at, Visibility: "friends"}
	f.wantCode(f.home(a.ID).CreateVideo(f.ctx, bad), flick.EINVALID, "create with an unknown visibility")

	if n := f.getAccount(a.ID).VideoCount; n != 1 {
		t.Errorf("VideoCount = %d, want 1: the public video only", n)
	}
	mine := flick.VideoFilter{AuthorIDs: []string{a.ID}}
	f.wantListed("public only by default", mine, pub)
	f.wantListed("with followers-only", flick.VideoFilter{AuthorIDs: []string{a.ID}, Visibilities: flick.VisibilitiesFor(false, true)}, fol, pub)
	f.wantListed("hashtag of a followers-only video", flick.VideoFilter{Hashtag: "friends"})
	f.wantCode(func() error {
		_, _, err := f.all.ListVideos(f.ctx, flick.VideoFilter{Visibilities: []flick.Visibility{"public') OR 1=1 --"}}, flick.Page{})
		return err
	}(), flick.EINVALID, "a forged visibility")
	if vs, err := f.all.Videos(f.ctx, []string{pub.ID, fol.ID}); err != nil || !slices.Equal(ids(vs), []string{pub.ID}) {
		t.Errorf("Videos = %v, %v; want the public one only", ids(vs), err)
	}
	if vs, err := f.all.RecentVideos(f.ctx, pub.CreatedAt, 10); err != nil || !slices.Equal(ids(vs), []string{pub.ID}) {
		t.Errorf("RecentVideos = %v, %v; want the public one only", ids(vs), err)
	}

	// A new caption: new hashtags and mentions, re-indexed.
	caption := "edited #Beta text about zebras @sett"
	tags, mentions := flick.ParseCaption(caption)
	got, err := f.of(pub.ID).UpdateVideo(f.ctx, pub.ID, flick.VideoUpdate{Caption: &caption, Hashtags: tags, Mentions: mentions})
	f.must(err)
	if got.Caption != caption || !slices.Equal(got.Hashtags, []string{"beta"}) || !slices.Equal(got.Mentions, []string{"sett"}) {
		t.Errorf("after a new caption: %q %v %v", got.Caption, got.Hashtags, got.Mentions)
	}
	f.wantListed("old hashtag", flick.VideoFilter{Hashtag: "alpha"})
	f.wantListed("new hashtag", flick.VideoFilter{Hashtag: "beta"}, pub)
	f.wantListed("old words", flick.VideoFilter{Query: "plain"})
	f.wantListed("new words", flick.VideoFilter{Query: "zebras"}, pub)

	// Visibility and comments; what is left out stays.
	private, on := flick.VisibilityPrivate, true
	got, err = f.of(fol.ID).UpdateVideo(f.ctx, fol.ID, flick.VideoUpdate{Visibility: &private, CommentsEnabled: &on})
	f.must(err)
	if got.Visibility != flick.VisibilityPrivate || got.CommentsOff || got.Caption != "for #friends" {
		t.Errorf("after visibility and comments: %q comments off %v caption %q", got.Visibility, got.CommentsOff, got.Caption)
	}
	for _, v := range []*flick.Video{pub, fol} {
		got, err := f.of(v.ID).VideoAudience(f.ctx, v.ID)
		f.must(err)
		full := f.getVideo(v.ID)
		if !reflect.DeepEqual(got, &flick.Video{ID: v.ID, AuthorID: a.ID, Status: full.Status, Visibility: full.Visibility}) {
			t.Errorf("VideoAudience(%s) = %+v", v.ID, got)
		}
	}
	_, err = f.home(a.ID).VideoAudience(f.ctx, flick.NewID(f.tick()))
	f.wantCode(err, flick.ENOTFOUND, "VideoAudience of an unknown video")
	f.wantListed("private left out for a follower", flick.VideoFilter{AuthorIDs: []string{a.ID}, Visibilities: flick.VisibilitiesFor(false, true)}, pub)
	f.wantListed("private listed for the author", flick.VideoFilter{AuthorIDs: []string{a.ID}, Visibilities: flick.VisibilitiesFor(true, false)}, fol, pub)

	// Bad input changes nothing.
	long, forged := strings.Repeat("x", flick.MaxCaptionRunes+1), flick.Visibility("everyone")
	f.wantCode(func() error {
		_, err := f.of(pub.ID).UpdateVideo(f.ctx, pub.ID, flick.VideoUpdate{Caption: &long, Visibility: &private})
		return err
	}(), flick.EUNPROCESSABLE, "a long caption")
	f.wantCode(func() error {
		_, err := f.of(pub.ID).UpdateVideo(f.ctx, pub.ID, flick.VideoUpdate{Caption: &caption, Visibility: &forged})
		return err
	}(), flick.EINVALID, "an unknown visibility")
	if got := f.getVideo(pub.ID); got.Visibility != flick.VisibilityPublic || got.Caption != caption {
		t.Errorf("refused updates changed the video: %q %q", got.Visibility, got.Caption)
	}
	missing := flick.NewID(f.tick())
	f.wantCode(func() error { _, err := f.home(a.ID).UpdateVideo(f.ctx, missing, flick.VideoUpdate{}); return err }(), flick.ENOTFOUND, "update an unknown video")
	f.wantCode(func() error {
		_, err := f.home(a.ID).UpdateVideo(f.ctx, missing, flick.VideoUpdate{Visibility: &private})
		return err
	}(), flick.ENOTFOUND, "update an unknown video's visibility")

	// The poster: the old key comes back for the caller to delete.
	key := "videos/" + pub.ID + "/poster-2.jpg"
	old, err := f.of(pub.ID).SetPoster(f.ctx, pub.ID, key, 2500)
	f.must(err)
	if old != "videos/"+pub.ID+"/poster.jpg" {
		t.Errorf("SetPoster returned %q, want the first poster's key", old)
	}
	if got := f.getVideo(pub.ID); got.PosterKey != key || got.PosterURL != flick.MediaURL(key) || got.CoverMS != 2500 {
		t.Errorf("after SetPoster: key %q url %q cover %d", got.PosterKey, got.PosterURL, got.CoverMS)
	}
	_, err = f.home(a.ID).SetPoster(f.ctx, missing, key, 0)
	f.wantCode(err, flick.ENOTFOUND, "SetPoster of an unknown video")
	_, err = f.of(pub.ID).SetPoster(f.ctx, pub.ID, "", 0)
	f.wantCode(err, flick.EINVALID, "SetPoster without a key")
}

// testPins: at most MaxPinned pinned videos per author, counted whatever
// their visibility; pinning twice changes nothing; the pin filters.
func testPins(t *testing.T, f *fixture) {
	a, b := f.account("pinner"), f.account("other")
	var vs []*flick.Video
	for range flick.MaxPinned + 1 {
		vs = append(vs, f.readyVideo(a, "pin me"))
	}
	theirs := f.readyVideo(b, "theirs")
	f.must(f.of(theirs.ID).PinVideo(f.ctx, theirs.ID, f.tick()))
	for _, v := range vs[:flick.MaxPinned] {
		f.must(f.of(v.ID).PinVideo(f.ctx, v.ID, f.tick()))
	}
	f.must(f.of(vs[0].ID).PinVideo(f.ctx, vs[0].ID, f.tick())) // again: no change, no conflict
	f.wantCode(f.of(vs[3].ID).PinVideo(f.ctx, vs[3].ID, f.tick()), flick.ECONFLICT, "a fourth pin")
	if !f.getVideo(vs[0].ID).Pinned || f.getVideo(vs[3].ID).Pinned {
		t.Errorf("pinned flags: first %v, fourth %v", f.getVideo(vs[0].ID).Pinned, f.getVideo(vs[3].ID).Pinned)
	}
	mine := []string{a.ID}
	f.wantListed("pinned", flick.VideoFilter{AuthorIDs: mine, Pins: flick.OnlyPinned}, vs[2], vs[1], vs[0])
	f.wantListed("not pinned", flick.VideoFilter{AuthorIDs: mine, Pins: flick.NotPinned}, vs[3])
	f.must(f.of(vs[1].ID).UnpinVideo(f.ctx, vs[1].ID))
	f.must(f.of(vs[3].ID).PinVideo(f.ctx, vs[3].ID, f.tick()))
	f.wantListed("pinned after a swap", flick.VideoFilter{AuthorIDs: mine, Pins: flick.OnlyPinned}, vs[3], vs[2], vs[0])
	missing := flick.NewID(f.tick())
	f.wantCode(f.home(a.ID).PinVideo(f.ctx, missing, f.tick()), flick.ENOTFOUND, "pin an unknown video")
	f.wantCode(f.home(a.ID).UnpinVideo(f.ctx, missing), flick.ENOTFOUND, "unpin an unknown video")
}

package engagement_test

import (
	"slices"
	"testing"

	"github.com/flick-video/flick"
)

// TestSocialListsAcrossRegions: a follow is kept in the follower's home
// region and a like in the liker's, yet the lists read as one: followers of
// every region, newest first, with whether the viewer follows each; an eu
// account's likes of a us video; a follower erased since is left out.
func TestSocialListsAcrossRegions(t *testing.T) {
	w := newWorld(t)
	ana, gone := w.account("ana", "us"), w.account("gone", "eu")
	for _, fan := range []*flick.Account{w.eva, gone, ana} { // eu, eu, us
		_, err := w.Engagement.Follow(w.ctx, fan.ID, w.sam.ID)
		w.must(err)
		w.clock.Add(1e6)
	}
	_, err := w.Engagement.Follow(w.ctx, w.eva.ID, ana.ID)
	w.must(err)
	w.must(w.Rights.Erase(w.ctx, gone.ID))

	handles := func(items []flick.ListedAccount) (out []string) {
		for _, it := range items {
			out = append(out, it.Handle)
			if it.Following != (it.Handle != "eva") { // eva follows ana and sam
				t.Errorf("eva follows %s: %v", it.Handle, it.Following)
			}
		}
		return out
	}
	var got []string
	p := flick.Page{Limit: 1}
	for range 5 {
		items, next, err := w.Engagement.Followers(w.ctx, w.eva.ID, w.sam.ID, p)
		w.must(err)
		got = append(got, handles(items)...)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	if !slices.Equal(got, []string{"ana", "eva"}) {
		t.Errorf("sam's followers, as eva sees them = %v, want ana, eva", got)
	}
	following, _, err := w.Engagement.Following(w.ctx, w.eva.ID, w.eva.ID, flick.Page{})
	w.must(err)
	if !slices.Equal(handles(following), []string{"ana", "sam"}) {
		t.Errorf("eva follows %v, want ana, sam", handles(following))
	}
	if _, _, err := w.Engagement.Followers(w.ctx, "", flick.NewID(w.clock.Now()), flick.Page{}); flick.ErrorCode(err) != flick.ENOTFOUND {
		t.Errorf("followers of nobody: %v, want not found", err)
	}

	_, err = w.Engagement.Like(w.ctx, w.eva.ID, w.video.ID)
	w.must(err)
	liked, _, err := w.Engagement.LikedVideos(w.ctx, w.eva.ID, w.eva.ID, flick.Page{})
	w.must(err)
	if len(liked) != 1 || liked[0].ID != w.video.ID {
		t.Errorf("eva's liked videos = %v, want sam's video", liked)
	}
	if _, _, err := w.Engagement.LikedVideos(w.ctx, w.sam.ID, w.eva.ID, flick.Page{}); flick.ErrorCode(err) != flick.EFORBIDDEN {
		t.Errorf("sam reads eva's private likes: %v, want forbidden", err)
	}
}

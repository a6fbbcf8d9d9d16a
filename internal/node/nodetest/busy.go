package nodetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/node"
)

// Busy is a node of two regions, us and eu, whose account mia (of us) has
// data of every kind in both: the world that moves, erasure and the
// residency check are tested on.
type Busy struct {
	*node.Node
	Data string // the data directory

	// Mia is the busy account; Ulf lives in us and Eve in eu.
	Mia, Ulf, Eve      string
	MiaToken           []byte   // the token of one of mia's sessions
	MiaVideos          []string // ready, ready, failed
	UlfVideo, EveVideo string
	MiaComment         string // hers, on eve's video, with a reply from eve
	// MiaEmail and MiaSecret (her bio) are texts that must not stay behind
	// where she no longer lives.
	MiaEmail, MiaSecret string
}

// MiaEvents is how many events mia has: 3 likes, 2 comments, 3
// impressions and views and a publish.
const MiaEvents = 12

// StartBusy opens the busy world in a temporary directory, fills it and
// starts it, with every region's log projected and learned.
func StartBusy(t testing.TB) *Busy {
	t.Helper()
	w := &Busy{Data: t.TempDir()}
	w.Node = Open(t, node.Config{Data: w.Data, Regions: []string{"us", "eu"}})
	// Filled before the pipelines start, so that no transcoder takes up
	// a video while it is still processing.
	w.populate(t)
	Run(t, w.Node)
	CaughtUp(t, w.Node)
	return w
}

// Store returns the store of account id's home region.
func (w *Busy) Store(t testing.TB, id string) flick.Store {
	t.Helper()
	return w.Home(t, id).Store
}

// Home returns the cell of account id's home region.
func (w *Busy) Home(t testing.TB, id string) *flick.Cell {
	t.Helper()
	c, done, err := w.Router.Home(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	done()
	return c
}

// Cell returns the cell of region.
func (w *Busy) Cell(t testing.TB, region string) *flick.Cell {
	t.Helper()
	c, err := w.Router.Cell(region)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// populate makes mia, a busy account of us: a profile with an avatar, two
// sessions, three videos with media, follows both ways and across regions,
// likes, comments and a reply from eu, hidden creators, not-interested
// marks, settings and events; ulf lives in us and eve in eu. Each like and
// comment is a record in the actor's region and an event in its log (which
// the counters come from), as the Engagement service makes them.
func (w *Busy) populate(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must2 := func(_ bool, err error) {
		t.Helper()
		must(err)
	}
	account := func(handle, region string) string {
		a := &flick.Account{Handle: handle, Region: region, Email: handle + "@example.org", Birthdate: "2000-01-01"}
		must(w.Router.CreateAccount(ctx, a, "hash-of-"+handle))
		return a.ID
	}
	w.Mia, w.Ulf, w.Eve = account("mia", "us"), account("ulf", "us"), account("eve", "eu")
	w.MiaEmail, w.MiaSecret = "mia@example.org", "mias-secret-bio-words"
	bio, hasAvatar := w.MiaSecret, true
	_, err := w.Store(t, w.Mia).UpdateProfile(ctx, w.Mia, flick.ProfileUpdate{Bio: &bio, HasAvatar: &hasAvatar})
	must(err)
	w.put(t, w.Mia, flick.AvatarKey(w.Mia), "avatar of mia")
	w.put(t, w.Eve, flick.AvatarKey(w.Eve), "avatar of eve")
	for i := range 2 {
		token := []byte(fmt.Sprintf("token %d of mia", i))
		hash := sha256.Sum256(token)
		if i == 0 {
			w.MiaToken = token
		}
		must(w.Store(t, w.Mia).CreateSession(ctx, &flick.Session{ID: flick.NewID(time.Now()), AccountID: w.Mia, TokenHash: hash[:],
			UserAgent: "test", CreatedAt: time.Now(), LastSeenAt: time.Now(), ExpiresAt: time.Now().Add(24 * time.Hour)}))
	}
	video := func(author, caption string, status flick.VideoStatus) string {
		store := w.Store(t, author)
		v := &flick.Video{ID: flick.NewID(time.Now()), AuthorID: author, Caption: caption, DurationMS: 4000, Width: 720, Height: 1280,
			CreatedAt: time.Now()}
		v.OriginalKey = "videos/" + v.ID + "/original"
		must(store.CreateVideo(ctx, v))
		w.put(t, author, v.OriginalKey, "original of "+caption)
		switch status {
		case flick.StatusReady:
			w.put(t, author, "videos/"+v.ID+"/360p.mp4", "360p of "+caption)
			w.put(t, author, "videos/"+v.ID+"/poster.jpg", "poster of "+caption)
			must(store.AddRendition(ctx, v.ID, flick.RenditionUpdate{Ready: true, Complete: true, PosterKey: "videos/" + v.ID + "/poster.jpg",
				Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Bitrate: 500_000, Size: 10, Key: "videos/" + v.ID + "/360p.mp4", Mime: "video/mp4"}}))
		case flick.StatusFailed:
			must(store.SetFailed(ctx, v.ID, "no video stream"))
		}
		return v.ID
	}
	w.MiaVideos = []string{video(w.Mia, "mia dances #fun", flick.StatusReady), video(w.Mia, "mia sings", flick.StatusReady), video(w.Mia, "mia fails", flick.StatusFailed)}
	w.UlfVideo, w.EveVideo = video(w.Ulf, "ulf cooks", flick.StatusReady), video(w.Eve, "eve runs", flick.StatusReady)
	now := time.Now()
	must2(w.Store(t, w.Mia).Follow(ctx, w.Mia, w.Ulf, now))
	must2(w.Store(t, w.Mia).Follow(ctx, w.Mia, w.Eve, now))
	must2(w.Store(t, w.Ulf).Follow(ctx, w.Ulf, w.Mia, now))
	must2(w.Store(t, w.Eve).Follow(ctx, w.Eve, w.Mia, now))
	evs := map[string][]flick.Event{}
	like := func(account, video string) {
		t.Helper()
		must2(w.Store(t, account).Like(ctx, account, video, now))
		evs[account] = append(evs[account], flick.Event{Type: flick.EventLike, AccountID: account, VideoID: video, At: now})
	}
	comment := func(author, video, parent, text string) string {
		t.Helper()
		c := &flick.Comment{ID: flick.NewID(time.Now()), VideoID: video, AuthorID: author, ParentID: parent, Text: text, CreatedAt: time.Now()}
		must(w.Store(t, author).CreateComment(ctx, c))
		evs[author] = append(evs[author], flick.Event{Type: flick.EventComment, AccountID: author, VideoID: video, TargetID: c.ID, At: now})
		return c.ID
	}
	like(w.Mia, w.UlfVideo)
	like(w.Mia, w.EveVideo)
	like(w.Mia, w.MiaVideos[0])
	like(w.Ulf, w.MiaVideos[0])
	like(w.Eve, w.MiaVideos[0])
	must2(w.Store(t, w.Mia).HideCreator(ctx, w.Mia, w.Eve, now))
	must2(w.Store(t, w.Mia).MarkNotInterested(ctx, w.Mia, w.UlfVideo, now))
	_, err = w.Store(t, w.Mia).PutSettings(ctx, w.Mia, flick.ViewerSettings{KeywordFilters: []string{"spoilers"}})
	must(err)
	w.MiaComment = comment(w.Mia, w.EveVideo, "", "mia says nice run")
	comment(w.Eve, w.EveVideo, w.MiaComment, "eve says thanks mia")
	comment(w.Ulf, w.MiaVideos[0], "", "ulf likes the dance")
	comment(w.Mia, w.MiaVideos[0], "", "mia thanks everyone")
	for _, v := range []string{w.UlfVideo, w.EveVideo, w.MiaVideos[1]} {
		evs[w.Mia] = append(evs[w.Mia], flick.Event{Type: flick.EventImpression, AccountID: w.Mia, VideoID: v, At: now},
			flick.Event{Type: flick.EventView, AccountID: w.Mia, VideoID: v, WatchMS: 4000, DurationMS: 4000, At: now})
	}
	evs[w.Mia] = append(evs[w.Mia], flick.Event{Type: flick.EventPublish, AccountID: w.Mia, VideoID: w.MiaVideos[0], At: now})
	evs[w.Ulf] = append(evs[w.Ulf], flick.Event{Type: flick.EventView, AccountID: w.Ulf, VideoID: w.MiaVideos[0], WatchMS: 4000, DurationMS: 4000, At: now})
	evs[w.Eve] = append(evs[w.Eve], flick.Event{Type: flick.EventView, AccountID: w.Eve, VideoID: w.MiaVideos[0], WatchMS: 2000, DurationMS: 4000, At: now})
	for _, id := range []string{w.Mia, w.Ulf, w.Eve} {
		_, err := w.Home(t, id).Events.Append(ctx, evs[id])
		must(err)
	}
}

// put stores a blob in the media of owner's home region.
func (w *Busy) put(t testing.TB, owner, key, content string) {
	t.Helper()
	if _, err := w.Home(t, owner).Blobs.Put(context.Background(), key, strings.NewReader(content)); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

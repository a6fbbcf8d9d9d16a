package engagement_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/engagement"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/node/nodetest"
)

// failing is an event log that refuses every append, as a full disk or a
// lost NATS quorum would.
type failing struct{ flick.EventLog }

var errAppend = errors.New("append refused")

func (failing) Append(context.Context, []flick.Event) (uint64, error) { return 0, errAppend }

// world is two regions, with sam's ready video in us and eva in eu, on a
// clock the test moves.
type world struct {
	*node.Node
	t        *testing.T
	ctx      context.Context
	clock    *testClock
	sam, eva *flick.Account
	video    *flick.Video
}

// testClock is the node's time, moved by the test.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newWorld(t *testing.T) *world {
	t.Helper()
	// Noon, so that a test's minutes do not cross a day.
	clock := &testClock{now: time.Now().UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)}
	w := &world{Node: nodetest.Start(t, node.Config{Regions: []string{"us", "eu"}, Clock: clock.Now}), t: t, ctx: context.Background(), clock: clock}
	w.sam, w.eva = w.account("sam", "us"), w.account("eva", "eu")
	clock.Add(2 * engagement.NewAccountAge) // sam and eva are no longer new
	w.video = w.newVideo(w.sam, "hello")
	return w
}

// newVideo adds a ready 10 s video of author's.
func (w *world) newVideo(author *flick.Account, caption string) *flick.Video {
	w.t.Helper()
	v := &flick.Video{AuthorID: author.ID, Caption: caption, DurationMS: 10_000, Width: 720, Height: 1280, CreatedAt: w.clock.Now()}
	home := w.cell(author.Region)
	w.must(home.Store.CreateVideo(w.ctx, v))
	w.must(home.Store.AddRendition(w.ctx, v.ID, flick.RenditionUpdate{Ready: true, Complete: true, PosterKey: "videos/" + v.ID + "/poster.jpg",
		Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Bitrate: 800_000, Size: 1000, Key: "videos/" + v.ID + "/360p.mp4", Mime: "video/mp4"}}))
	return v
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) account(handle, region string) *flick.Account {
	w.t.Helper()
	a := &flick.Account{Handle: handle, Region: region, Birthdate: "2000-01-01"}
	w.must(w.Router.CreateAccount(w.ctx, a, "hash"))
	return a
}

func (w *world) cell(region string) *flick.Cell {
	w.t.Helper()
	c, err := w.Router.Cell(region)
	w.must(err)
	return c
}

// TestUndoWhenTheAppendFails: a like, a follow, a comment and a
// not-interested mark whose event cannot be appended are taken back, so
// that the store and the log never disagree.
func TestUndoWhenTheAppendFails(t *testing.T) {
	w := newWorld(t)
	eu := w.cell("eu")
	log := eu.Events
	eu.Events = failing{log}
	defer func() { eu.Events = log }()

	if _, err := w.Engagement.Like(w.ctx, w.eva.ID, w.video.ID); !errors.Is(err, errAppend) {
		t.Errorf("Like = %v, want the append's error", err)
	}
	if _, err := w.Engagement.Follow(w.ctx, w.eva.ID, w.sam.ID); !errors.Is(err, errAppend) {
		t.Errorf("Follow = %v, want the append's error", err)
	}
	if _, err := w.Engagement.Comment(w.ctx, w.eva.ID, w.video.ID, "first!", ""); !errors.Is(err, errAppend) {
		t.Errorf("Comment = %v, want the append's error", err)
	}
	if err := w.Engagement.NotInterested(w.ctx, w.eva.ID, w.video.ID); !errors.Is(err, errAppend) {
		t.Errorf("NotInterested = %v, want the append's error", err)
	}

	liked, err := w.Engagement.Liked(w.ctx, w.eva.ID, []string{w.video.ID})
	w.must(err)
	following, err := w.Engagement.IsFollowing(w.ctx, w.eva.ID, w.sam.ID)
	w.must(err)
	comments, _, err := w.Router.Comments(w.ctx, w.video.ID, "", flick.Page{})
	w.must(err)
	marks, err := eu.Store.NotInterested(w.ctx, w.eva.ID, []string{w.video.ID})
	w.must(err)
	if liked[w.video.ID] || following || len(comments) != 0 || marks[w.video.ID] {
		t.Errorf("after refused appends: liked %v, following %v, %d comments, not interested %v; want nothing kept",
			liked[w.video.ID], following, len(comments), marks[w.video.ID])
	}
	if owners, err := eu.Store.PersonalOwners(w.ctx); err != nil {
		t.Fatal(err)
	} else {
		for _, table := range []string{"likes", "follows", "comments", "not_interested"} {
			if len(owners[table]) != 0 {
				t.Errorf("eu's %s still names %v", table, owners[table])
			}
		}
	}

	// With the log back, the same calls go through and are counted.
	eu.Events = log
	counts, err := w.Engagement.Like(w.ctx, w.eva.ID, w.video.ID)
	w.must(err)
	if counts.Likes != 1 {
		t.Errorf("counts after the like = %+v, want 1 like", counts)
	}
	c, err := w.Engagement.Comment(w.ctx, w.eva.ID, w.video.ID, "first!", "")
	w.must(err)
	if c.Author.Handle != "eva" {
		t.Errorf("comment author = %+v", c.Author)
	}
	v, err := w.Router.Video(w.ctx, w.video.ID)
	w.must(err)
	if v.Counts.Comments != 1 {
		t.Errorf("counts after the comment = %+v, want 1 comment", v.Counts)
	}
}

// TestHiddenCreatorsOfOtherRegions: a creator of another region, whom the
// viewer's region knows only by ID, is listed with their profile; one
// erased since is left out.
func TestHiddenCreatorsOfOtherRegions(t *testing.T) {
	w := newWorld(t)
	gone := w.account("gone", "us")
	for _, a := range []*flick.Account{w.sam, gone} {
		w.must(w.Engagement.HideCreator(w.ctx, w.eva.ID, a.ID))
	}
	w.must(w.Rights.Erase(w.ctx, gone.ID))
	hidden, err := w.Engagement.HiddenCreators(w.ctx, w.eva.ID)
	w.must(err)
	if len(hidden) != 1 || hidden[0].ID != w.sam.ID || hidden[0].Handle != "sam" {
		t.Errorf("hidden creators = %+v, want sam with his profile", hidden)
	}
	if err := w.Engagement.HideCreator(w.ctx, w.eva.ID, w.eva.ID); flick.ErrorCode(err) != flick.EUNPROCESSABLE {
		t.Errorf("hiding oneself = %v, want unprocessable", err)
	}
}

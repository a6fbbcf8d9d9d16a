package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/events"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/node/nodetest"
	"github.com/flick-video/flick/internal/notify"
)

// world is a node of two regions, us and eu, whose pipelines do not run:
// the test writes the records and events as the services would and drives
// the notification consumers itself.
type world struct {
	*node.Node
	t   testing.TB
	ctx context.Context
	t0  time.Time
	ids map[string]string // handle → account ID
}

func newWorld(t testing.TB) *world {
	w := &world{Node: nodetest.Open(t, node.Config{Regions: []string{"us", "eu"}}), t: t, ctx: context.Background(),
		t0: time.Now().UTC().Truncate(time.Millisecond), ids: map[string]string{}}
	for _, a := range []struct{ handle, region string }{{"ana", "us"}, {"cyd", "us"}, {"ben", "eu"}, {"dot", "eu"}} {
		acc := &flick.Account{Handle: a.handle, Region: a.region, Birthdate: "2000-01-01"}
		w.must(w.Router.CreateAccount(w.ctx, acc, "hash"))
		w.ids[a.handle] = acc.ID
	}
	return w
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) store(handle string) flick.Store {
	w.t.Helper()
	c, done, err := w.Router.Home(w.ctx, w.ids[handle])
	w.must(err)
	done()
	return c.Store
}

func (w *world) cell(region string) *flick.Cell {
	w.t.Helper()
	c, err := w.Router.Cell(region)
	w.must(err)
	return c
}

// video stores a video of author's, ready or failed.
func (w *world) video(author, caption string, status flick.VideoStatus) string {
	w.t.Helper()
	tags, mentions := flick.ParseCaption(caption)
	v := &flick.Video{AuthorID: w.ids[author], Caption: caption, Hashtags: tags, Mentions: mentions, DurationMS: 4000, Width: 720, Height: 1280}
	w.must(w.store(author).CreateVideo(w.ctx, v))
	if status == flick.StatusReady {
		w.must(w.store(author).AddRendition(w.ctx, v.ID, flick.RenditionUpdate{Ready: true, Complete: true, PosterKey: "videos/" + v.ID + "/poster.jpg",
			Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Key: "videos/" + v.ID + "/360p.mp4", Mime: "video/mp4"}}))
	} else {
		w.must(w.store(author).SetFailed(w.ctx, v.ID, "no video stream"))
	}
	return v.ID
}

// comment stores a comment of author's.
func (w *world) comment(author, videoID, parentID, text string) string {
	w.t.Helper()
	c := &flick.Comment{VideoID: videoID, AuthorID: w.ids[author], ParentID: parentID, Text: text}
	w.must(w.store(author).CreateComment(w.ctx, c))
	return c.ID
}

// at is the time of the i-th event.
func (w *world) at(i int) time.Time { return w.t0.Add(time.Duration(i) * time.Second) }

// logged returns region's whole log.
func (w *world) logged(region string) []flick.SequencedEvent {
	w.t.Helper()
	evs, err := w.cell(region).Events.Read(w.ctx, 0, 10_000, 0)
	w.must(err)
	return evs
}

// inbox describes handle's inbox, newest first, one line an item: its
// type, its actors' handles with the count, and the caption or comment
// quoted.
func (w *world) inbox(handle string) (string, int) {
	w.t.Helper()
	in, err := w.Notifications.Inbox(w.ctx, w.ids[handle], flick.Page{Limit: flick.MaxPageSize})
	w.must(err)
	var lines []string
	for _, it := range in.Items {
		var actors []string
		for _, a := range it.Actors {
			actors = append(actors, a.Handle)
		}
		line := fmt.Sprintf("%s %s/%d", it.Type, strings.Join(actors, ","), it.ActorCount)
		if it.Video != nil {
			line += " video:" + it.Video.Caption
		}
		if it.Comment != nil {
			line += " comment:" + it.Comment.Text
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), in.Unread
}

func (w *world) wantInbox(handle, want string) {
	w.t.Helper()
	got, unread := w.inbox(handle)
	if got != want {
		w.t.Errorf("%s's inbox:\n%s\nwant\n%s", handle, got, want)
	}
	if n := strings.Count(want, "\n") + 1; want != "" && unread != n {
		w.t.Errorf("%s has %d unread, want %d", handle, unread, n)
	}
}

// TestConsumer notifies what the services would log in two regions:
// grouped, to recipients of the other region, never of one's own doing or
// of what a move copied or the defences discounted; a replay after a
// crash and a redelivery add nothing.
func TestConsumer(t *testing.T) {
	w := newWorld(t)
	ana, ben, cyd, dot := w.ids["ana"], w.ids["ben"], w.ids["cyd"], w.ids["dot"]
	v := w.video("ana", "ana dances with @ben", flick.StatusReady)
	failed := w.video("ana", "broken", flick.StatusFailed)
	c1 := w.comment("cyd", v, "", "hi @dot and @ana")
	r1 := w.comment("ana", v, c1, "thanks cyd")
	c2 := w.comment("cyd", v, "", "@dot again")
	us := []flick.Event{
		{Type: flick.EventPublish, AccountID: ana, VideoID: v, At: w.at(1)},
		{Type: flick.EventFail, AccountID: ana, VideoID: failed, At: w.at(2)},
		{Type: flick.EventLike, AccountID: cyd, VideoID: v, At: w.at(3)},
		{Type: flick.EventLike, AccountID: ana, VideoID: v, At: w.at(4)},
		{Type: flick.EventComment, AccountID: cyd, VideoID: v, TargetID: c1, At: w.at(5)},
		{Type: flick.EventComment, AccountID: ana, VideoID: v, TargetID: r1, At: w.at(6)},
		// A new account's: a comment still, not a mention.
		{Type: flick.EventComment, AccountID: cyd, VideoID: v, TargetID: c2, At: w.at(7), Discount: flick.DiscountNewAccount},
		{Type: flick.EventView, AccountID: cyd, VideoID: v, WatchMS: 4000, At: w.at(8)},
	}
	eu := []flick.Event{
		{Type: flick.EventLike, AccountID: ben, VideoID: v, At: w.at(9)},
		{Type: flick.EventFollow, AccountID: ben, TargetID: ana, At: w.at(10)},
		{Type: flick.EventFollow, AccountID: dot, TargetID: ana, At: w.at(11)},
		{Type: flick.EventLike, AccountID: dot, VideoID: v, At: w.at(12), Moved: true},
		{Type: flick.EventShare, AccountID: dot, VideoID: v, At: w.at(13), Discount: flick.DiscountRepeat},
	}
	for region, evs := range map[string][]flick.Event{"us": us, "eu": eu} {
		_, err := w.cell(region).Events.Append(w.ctx, evs)
		w.must(err)
	}

	// us's log in two runs, as after a kill -9 between them: the second
	// consumer resumes where the first one's stores recorded.
	usLog := w.logged("us")
	first := notify.NewConsumer(w.Router, "us")
	w.must(first.Apply(w.ctx, usLog[:3]))
	resumed := notify.NewConsumer(w.Router, "us")
	pos, err := resumed.Position(w.ctx)
	w.must(err)
	if pos != usLog[2].Seq {
		t.Fatalf("resumed at %d, want %d", pos, usLog[2].Seq)
	}
	w.must(resumed.Apply(w.ctx, usLog[3:]))
	w.must(notify.NewConsumer(w.Router, "eu").Apply(w.ctx, w.logged("eu")))

	const anaWants = "follow dot,ben/2\n" +
		"like ben,cyd/2 video:ana dances with @ben\n" +
		"comment cyd/1 video:ana dances with @ben comment:@dot again\n" +
		"video_failed /0 video:broken\n" +
		"video_ready /0 video:ana dances with @ben"
	w.wantInbox("ana", anaWants)
	w.wantInbox("ben", "mention ana/1 video:ana dances with @ben")
	w.wantInbox("cyd", "reply ana/1 video:ana dances with @ben comment:thanks cyd")
	w.wantInbox("dot", "mention cyd/1 video:ana dances with @ben comment:hi @dot and @ana")

	// Delivered again, whole, to a consumer that starts over: nothing
	// changes, and the position stays at the log's end.
	for _, region := range []string{"us", "eu"} {
		c := notify.NewConsumer(w.Router, region)
		evs := w.logged(region)
		w.must(c.Apply(w.ctx, evs))
		if pos, err := c.Position(w.ctx); err != nil || pos != evs[len(evs)-1].Seq {
			t.Errorf("%s: position %d, %v; want %d", region, pos, err, evs[len(evs)-1].Seq)
		}
	}
	w.wantInbox("ana", anaWants)
	w.wantInbox("dot", "mention cyd/1 video:ana dances with @ben comment:hi @dot and @ana")

	// Hiding an account hides what it did before, too.
	_, err = w.store("dot").HideCreator(w.ctx, dot, cyd, time.Now())
	w.must(err)
	w.wantInbox("dot", "")
	if _, unread := w.inbox("dot"); unread != 0 {
		t.Errorf("dot has %d unread of a hidden account's", unread)
	}

	// A recipient being moved holds the batch back until the move is
	// over: nothing is lost, nothing is written behind the mover's back.
	thaw, err := w.Router.Freeze(w.ctx, ana)
	w.must(err)
	seq, err := w.cell("eu").Events.Append(w.ctx, []flick.Event{{Type: flick.EventLike, AccountID: dot, VideoID: v, At: w.at(14)}})
	w.must(err)
	more, err := w.cell("eu").Events.Read(w.ctx, seq-1, 10, 0)
	w.must(err)
	euConsumer := notify.NewConsumer(w.Router, "eu")
	if err := euConsumer.Apply(w.ctx, more); flick.ErrorCode(err) != flick.EUNAVAILABLE {
		t.Errorf("apply while the recipient moves: %v, want EUNAVAILABLE", err)
	}
	thaw()
	w.must(euConsumer.Apply(w.ctx, more))
	if got, _ := w.inbox("ana"); !strings.Contains(got, "like dot,ben,cyd/3") {
		t.Errorf("ana's inbox after the move:\n%s", got)
	}

	// Reading marks read; a new actor makes the item unread again.
	in, err := w.Notifications.Inbox(w.ctx, ana, flick.Page{})
	w.must(err)
	w.must(w.Notifications.MarkRead(w.ctx, ana, in.Items[0].ID))
	if in, err := w.Notifications.Inbox(w.ctx, ana, flick.Page{}); err != nil || in.Unread != 0 ||
		slices.ContainsFunc(in.Items, func(it flick.InboxItem) bool { return !it.Read }) {
		t.Errorf("after reading: %+v, %v", in, err)
	}
	w.must(w.Notifications.MarkRead(w.ctx, ana, ""))
	for _, bad := range []struct {
		upTo, code string
	}{{"not-an-id", flick.EINVALID}, {flick.NewID(time.Now()), flick.ENOTFOUND}} {
		if err := w.Notifications.MarkRead(w.ctx, ana, bad.upTo); flick.ErrorCode(err) != bad.code {
			t.Errorf("MarkRead(%q) = %v, want %s", bad.upTo, err, bad.code)
		}
	}
}

// TestLag: a consumer held back (its recipient is being moved) shows how
// far behind it is on its gauge, and catches up once it may.
func TestLag(t *testing.T) {
	w := newWorld(t)
	reg := prometheus.NewRegistry()
	v := w.video("ana", "ana's", flick.StatusReady)
	thaw, err := w.Router.Freeze(w.ctx, w.ids["ana"])
	w.must(err)
	var last uint64
	for i := range 3 {
		last, err = w.cell("eu").Events.Append(w.ctx, []flick.Event{{Type: flick.EventLike, AccountID: w.ids["ben"], VideoID: v, At: w.at(i)}})
		w.must(err)
	}
	c := events.NewConsumer(w.cell("eu").Events, notify.NewConsumer(w.Router, "eu"), notify.LagGauge, slog.New(slog.DiscardHandler), reg)
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	lag := func() float64 {
		mfs, err := reg.Gather()
		w.must(err)
		for _, mf := range mfs {
			if mf.GetName() == notify.LagGauge.Name {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatalf("no %s gauge", notify.LagGauge.Name)
		return 0
	}
	deadline := time.Now().Add(10 * time.Second)
	for lag() != float64(last) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := lag(); got != float64(last) {
		t.Fatalf("lag while held back = %v, want %d", got, last)
	}
	thaw()
	wctx, wcancel := context.WithTimeout(w.ctx, 10*time.Second)
	defer wcancel()
	w.must(c.WaitFor(wctx, last))
	if got := lag(); got != 0 {
		t.Errorf("lag once caught up = %v", got)
	}
	w.wantInbox("ana", "like ben/1 video:ana's")
}

// BenchmarkConsumer applies likes of accounts of eu on the videos of an
// account of us, in batches of a thousand as the projector reads them: the
// cost of notifying across regions, per event.
func BenchmarkConsumer(b *testing.B) {
	w := newWorld(b)
	var actors, videos []string
	for i := range 20 {
		a := &flick.Account{Handle: fmt.Sprintf("fan%d", i), Region: "eu", Birthdate: "2000-01-01"}
		w.must(w.Router.CreateAccount(w.ctx, a, "hash"))
		actors = append(actors, a.ID)
	}
	for i := range 50 {
		videos = append(videos, w.video("ana", fmt.Sprintf("video %d", i), flick.StatusReady))
	}
	evs := make([]flick.Event, b.N)
	for i := range evs {
		evs[i] = flick.Event{Type: flick.EventLike, AccountID: actors[i%len(actors)], VideoID: videos[i%len(videos)], At: w.at(i)}
	}
	for batch := range slices.Chunk(evs, 1000) {
		_, err := w.cell("eu").Events.Append(w.ctx, batch)
		w.must(err)
	}
	logged, err := w.cell("eu").Events.Read(w.ctx, 0, b.N, 0)
	w.must(err)
	c := notify.NewConsumer(w.Router, "eu")
	b.ResetTimer()
	for batch := range slices.Chunk(logged, 1000) {
		w.must(c.Apply(w.ctx, batch))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

package engagement_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/engagement"
	"github.com/flick-video/flick/internal/node/nodetest"
)

// counts waits for every region's projection and returns the video's
// counts summed over them.
func (w *world) counts(videoID string) flick.Counts {
	w.t.Helper()
	nodetest.CaughtUp(w.t, w.Node)
	v, err := w.Router.Video(w.ctx, videoID)
	w.must(err)
	return v.Counts
}

// logged returns the events appended to region's log since after.
func (w *world) logged(region string, after uint64) []flick.SequencedEvent {
	w.t.Helper()
	evs, err := w.cell(region).Events.Read(w.ctx, after, 10_000, 100*time.Millisecond)
	w.must(err)
	return evs
}

func (w *world) lastSeq(region string) uint64 {
	w.t.Helper()
	seq, err := w.cell(region).Events.LastSeq(w.ctx)
	w.must(err)
	return seq
}

func views(videoID string, n int, watchMS int64) []flick.ClientEvent {
	out := make([]flick.ClientEvent, n)
	for i := range out {
		out[i] = flick.ClientEvent{Type: flick.EventView, VideoID: videoID, WatchMS: watchMS}
	}
	return out
}

func anonymous(token, addr string) flick.Viewer {
	return flick.Viewer{Token: token, Client: flick.Client{Addr: addr}}
}

// TestAnonymousViewsCountOncePerViewerAndDay: the probe's 10 batches of
// 500 anonymous views counted 5,000 views. A viewer's views of a video
// count once a day; a client address that mints a new viewer every batch
// counts ViewersPerClient at most.
func TestAnonymousViewsCountOncePerViewerAndDay(t *testing.T) {
	w := newWorld(t)
	for range 10 {
		_, err := w.Engagement.Record(w.ctx, anonymous("kept-token", "192.0.2.1"), views(w.video.ID, 500, 10_000))
		w.must(err)
	}
	if got := w.counts(w.video.ID).Views; got != 1 {
		t.Fatalf("10 batches of 500 views from one anonymous viewer counted %d views, want 1", got)
	}
	for i := range 3 * engagement.ViewersPerClient {
		_, err := w.Engagement.Record(w.ctx, anonymous(fmt.Sprint("cleared-", i), "192.0.2.2"), views(w.video.ID, 500, 10_000))
		w.must(err)
	}
	if got := w.counts(w.video.ID).Views; got != 1+engagement.ViewersPerClient {
		t.Fatalf("a client minting %d viewers counted %d views in all, want %d", 3*engagement.ViewersPerClient, got, 1+engagement.ViewersPerClient)
	}
	w.clock.Add(24 * time.Hour)
	_, err := w.Engagement.Record(w.ctx, anonymous("kept-token", "192.0.2.1"), views(w.video.ID, 1, 10_000))
	w.must(err)
	if got := w.counts(w.video.ID).Views; got != 2+engagement.ViewersPerClient {
		t.Fatalf("the next day's view counted to %d views, want %d", got, 2+engagement.ViewersPerClient)
	}
}

// TestAnonymousSharesCountOncePerClient: the probe's 200 anonymous shares
// counted 200.
func TestAnonymousSharesCountOncePerClient(t *testing.T) {
	w := newWorld(t)
	for i := range 100 {
		_, err := w.Engagement.Share(w.ctx, anonymous(fmt.Sprint("token-", i), "192.0.2.1"), w.video.ID)
		w.must(err)
	}
	_, err := w.Engagement.Share(w.ctx, anonymous("other", "192.0.2.9"), w.video.ID)
	w.must(err)
	_, err = w.Engagement.Share(w.ctx, flick.Viewer{AccountID: w.eva.ID, Client: flick.Client{Addr: "192.0.2.1"}}, w.video.ID)
	w.must(err)
	_, err = w.Engagement.Share(w.ctx, flick.Viewer{AccountID: w.eva.ID, Client: flick.Client{Addr: "192.0.2.1"}}, w.video.ID)
	w.must(err)
	if got := w.counts(w.video.ID).Shares; got != 3 {
		t.Fatalf("100 anonymous shares from one client, one from another and eva's two counted %d shares, want 3", got)
	}
}

// TestSignedInViewsCountOncePerDay: rewatching feeds the viewer's own
// history (every view is logged with her account and projected as a
// watch) but counts one public view a day, also after a restart, when
// the only memory of today's view is her watch history.
func TestSignedInViewsCountOncePerDay(t *testing.T) {
	w := newWorld(t)
	eva := flick.Viewer{AccountID: w.eva.ID, Client: flick.Client{Addr: "192.0.2.1"}}
	before := w.lastSeq("eu")
	for range 3 {
		_, err := w.Engagement.Record(w.ctx, eva, views(w.video.ID, 1, 10_000))
		w.must(err)
		w.clock.Add(time.Minute)
	}
	if got := w.counts(w.video.ID).Views; got != 1 {
		t.Fatalf("eva's 3 views today counted %d, want 1", got)
	}
	logged := w.logged("eu", before)
	if len(logged) != 3 || logged[0].Discount != "" || logged[1].Discount != flick.DiscountRepeat || logged[2].AccountID != w.eva.ID {
		t.Fatalf("logged %+v, want her 3 views, the first counted", logged)
	}
	restarted := engagement.New(w.Router, w.clock.Now, nil)
	_, err := restarted.Record(w.ctx, eva, views(w.video.ID, 1, 10_000))
	w.must(err)
	if got := w.counts(w.video.ID).Views; got != 1 {
		t.Fatalf("after a restart, her view today counted to %d views, want 1", got)
	}
	w.clock.Add(24 * time.Hour)
	_, err = restarted.Record(w.ctx, eva, views(w.video.ID, 1, 10_000))
	w.must(err)
	if got := w.counts(w.video.ID).Views; got != 2 {
		t.Fatalf("her view the next day counted to %d views, want 2", got)
	}
}

// TestBatchesAreRateLimited: an account's batches (and shares and
// comments) beyond BatchesPerMinute and a client's beyond
// ClientBatchesPerMinute are refused with a time to retry after; a minute
// later they are taken again.
func TestBatchesAreRateLimited(t *testing.T) {
	w := newWorld(t)
	one := views(w.video.ID, 1, 1000)
	eva := flick.Viewer{AccountID: w.eva.ID, Client: flick.Client{Addr: "192.0.2.1"}}
	for i := range engagement.BatchesPerMinute {
		if _, err := w.Engagement.Record(w.ctx, eva, one); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	_, err := w.Engagement.Record(w.ctx, eva, one)
	if flick.ErrorCode(err) != flick.ERATELIMIT || flick.RetryAfter(err) <= 0 {
		t.Fatalf("eva's batch %d: %v (retry after %v), want rate limited with a time to retry", engagement.BatchesPerMinute+1, err, flick.RetryAfter(err))
	}
	if _, err := w.Engagement.Share(w.ctx, eva, w.video.ID); flick.ErrorCode(err) != flick.ERATELIMIT {
		t.Fatalf("eva's share past her rate: %v, want rate limited", err)
	}
	for i := range engagement.ClientBatchesPerMinute {
		if _, err := w.Engagement.Record(w.ctx, anonymous(fmt.Sprint(i), "192.0.2.2"), one); err != nil {
			t.Fatalf("anonymous batch %d: %v", i, err)
		}
	}
	if _, err := w.Engagement.Record(w.ctx, anonymous("new", "192.0.2.2"), one); flick.ErrorCode(err) != flick.ERATELIMIT {
		t.Fatalf("client's batch %d: %v, want rate limited", engagement.ClientBatchesPerMinute+1, err)
	}
	w.clock.Add(time.Minute)
	if _, err := w.Engagement.Record(w.ctx, eva, one); err != nil {
		t.Fatalf("a minute later: %v", err)
	}

	// Comments too: each weighs six views in Trending.
	for i := range engagement.BatchesPerMinute {
		if _, err := w.Engagement.Comment(w.ctx, w.sam.ID, w.video.ID, fmt.Sprint("comment ", i), ""); err != nil {
			t.Fatalf("comment %d: %v", i, err)
		}
	}
	if _, err := w.Engagement.Comment(w.ctx, w.sam.ID, w.video.ID, "one more", ""); flick.ErrorCode(err) != flick.ERATELIMIT {
		t.Fatalf("sam's comment %d: %v, want rate limited", engagement.BatchesPerMinute+1, err)
	}
}

// TestWatchTimeIsClipped: a viewer cannot have watched more since her
// previous batch than the time that has passed (and a minute's slack).
func TestWatchTimeIsClipped(t *testing.T) {
	w := newWorld(t)
	eva := flick.Viewer{AccountID: w.eva.ID, Client: flick.Client{Addr: "192.0.2.1"}}
	_, err := w.Engagement.Record(w.ctx, eva, views(w.video.ID, 1, 10_000))
	w.must(err)
	w.clock.Add(10 * time.Second)
	before := w.lastSeq("eu")
	_, err = w.Engagement.Record(w.ctx, eva, views(w.video.ID, 100, 10_000))
	w.must(err)
	var total int64
	for _, e := range w.logged("eu", before) {
		total += e.WatchMS
	}
	if limit := (10*time.Second + time.Minute).Milliseconds(); total > limit {
		t.Fatalf("100 views of 10 s, 10 s after the previous batch, logged %d ms of watching, want at most %d", total, limit)
	}
}

// TestNewAccountsAndBurstsCountLess: a new account's like counts in the
// public count but at LowWeight in Trending; a client reporting more than
// BurstCompletions completions a minute is bursting.
func TestNewAccountsAndBurstsCountLess(t *testing.T) {
	w := newWorld(t)
	farmed, organic := w.newVideo(w.sam, "farmed"), w.newVideo(w.sam, "organic")
	for i := range 10 {
		a := w.account(fmt.Sprint("new", i), "us")
		_, err := w.Engagement.Like(w.ctx, a.ID, farmed.ID)
		w.must(err)
	}
	for _, a := range []*flick.Account{w.eva, w.sam} {
		_, err := w.Engagement.Like(w.ctx, a.ID, organic.ID)
		w.must(err)
	}
	if got := w.counts(farmed.ID); got.Likes != 10 {
		t.Fatalf("farmed video counts %+v, want its 10 likes", got)
	}
	w.clock.Add(time.Second)
	trending, err := w.Trending.TrendingVideos(w.ctx, 3)
	w.must(err)
	if len(trending) < 2 || trending[0].ID != organic.ID {
		t.Fatalf("trending %v, want the video liked by 2 established accounts above the one liked by 10 new ones", captions(trending))
	}

	burstVideos := make([]*flick.Video, engagement.BurstCompletions+1)
	var batch []flick.ClientEvent
	for i := range burstVideos {
		burstVideos[i] = w.newVideo(w.sam, fmt.Sprint("clip ", i))
		batch = append(batch, flick.ClientEvent{Type: flick.EventView, VideoID: burstVideos[i].ID, WatchMS: 10_000})
	}
	before := w.lastSeq("eu")
	_, err = w.Engagement.Record(w.ctx, flick.Viewer{AccountID: w.eva.ID, Client: flick.Client{Addr: "192.0.2.1"}}, batch[:10])
	w.must(err)
	w.clock.Add(5 * time.Second)
	_, err = w.Engagement.Record(w.ctx, anonymous("x", "192.0.2.1"), batch)
	w.must(err)
	w.clock.Add(time.Second)
	_, err = w.Engagement.Record(w.ctx, flick.Viewer{AccountID: w.eva.ID, Client: flick.Client{Addr: "192.0.2.1"}}, batch[10:11])
	w.must(err)
	logged := w.logged("eu", before)
	if len(logged) != 11 || logged[0].Discount != "" || logged[10].Discount != flick.DiscountBurst {
		t.Fatalf("eva's views before and after her client's burst: %v, want counted fully, then bursting", discounts(logged))
	}
}

func captions(vs []*flick.Video) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Caption
	}
	return out
}

func discounts(evs []flick.SequencedEvent) []flick.Discount {
	out := make([]flick.Discount, len(evs))
	for i, e := range evs {
		out[i] = e.Discount
	}
	return out
}

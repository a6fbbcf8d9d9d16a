// Package storetest is the conformance suite for flick.Store: every backend
// (internal/sqlite, later internal/postgres) runs the same tests, so that
// they behave alike down to error codes and pagination, and the router over
// several regions (internal/routing) runs them with each account's writes
// and personal reads in its home region's store and every other read
// through the router, so that several regions behave as one does. It
// depends only on the flick package.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// Region is one region of an instance.
type Region struct {
	Name string
	// Store is the region's own store: where its accounts' writes and
	// personal reads go, and the projections of their events, and the
	// remove events of other regions' videos.
	Store flick.Store
}

// Spanning is every region as the suite reads it: one backend's store, or
// the router over several regions' stores.
type Spanning interface {
	flick.Catalog
	// CreateAccount creates an account in its home region (a.Region, the
	// first region when "").
	CreateAccount(ctx context.Context, a *flick.Account, passwordHash string) error
	// SessionByTokenHash finds a session in whichever region holds it.
	SessionByTokenHash(ctx context.Context, hash []byte, now time.Time) (*flick.Session, error)
	// TouchSessions records session uses in every region.
	TouchSessions(ctx context.Context, seen map[string]time.Time) error
	Ping(ctx context.Context) error
}

// Run runs the suite against a backend. open must return a new, empty store
// whose clock is the real time; Run closes nothing, so open should register
// its own cleanup.
func Run(t *testing.T, open func(t *testing.T) flick.Store) {
	start := func(t *testing.T) *backend {
		s := open(t)
		return &backend{fixture: newFixture(t, s, []Region{{Name: flick.DefaultRegion, Store: s}}), s: s, open: open}
	}
	for _, tt := range storeTests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, start(t).fixture) })
	}
	for _, tt := range backendTests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, start(t)) })
	}
}

// RunRouted runs the tests of the store's behaviour against several
// regions. open must return new, empty regions with the real time as their
// clock, the first being the default region of new accounts, and what
// spans them. The suite makes accounts in each region in turn, so that
// follows, likes, comments, hidden creators and listings cross regions.
func RunRouted(t *testing.T, open func(t *testing.T) (Spanning, []Region)) {
	for _, tt := range storeTests {
		t.Run(tt.name, func(t *testing.T) {
			s, regions := open(t)
			tt.fn(t, newFixture(t, s, regions))
		})
	}
}

// storeTests are the store's behaviour, whether one region or several.
var storeTests = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"Accounts", testAccounts},
	{"UpdateProfile", testUpdateProfile},
	{"Follow", testFollow},
	{"FollowLists", testFollowLists},
	{"LikesPublic", testLikesPublic},
	{"SearchAccounts", testSearchAccounts},
	{"Sessions", testSessions},
	{"Passwords", testPasswords},
	{"VideoLifecycle", testVideoLifecycle},
	{"VideoNotFound", testVideoNotFound},
	{"ListVideosPagination", testListVideosPagination},
	{"ListVideosFilters", testListVideosFilters},
	{"VideosByID", testVideosByID},
	{"RecentVideos", testRecentVideos},
	{"SearchHostileInput", testSearchHostileInput},
	{"VideoSettings", testVideoSettings},
	{"Pins", testPins},
	{"Likes", testLikes},
	{"LikesList", testLikesList},
	{"Comments", testComments},
	{"CommentsPagination", testCommentsPagination},
	{"DeleteComments", testDeleteComments},
	{"CommentLikes", testCommentLikes},
	{"Counts", testCounts},
	{"Watches", testWatches},
	{"DeleteVideoCascades", testDeleteVideoCascades},
	{"ConcurrentWriters", testConcurrentWriters},
	{"HiddenCreators", testHiddenCreators},
	{"NotInterested", testNotInterested},
	{"Marks", testMarks},
	{"Settings", testSettings},
	{"Notifications", testNotifications},
	{"CommentsByID", testCommentsByID},
	{"Ping", func(t *testing.T, f *fixture) { f.must(f.all.Ping(f.ctx)) }},
}

// backendTests need a region's own store.
var backendTests = []struct {
	name string
	fn   func(t *testing.T, f *backend)
}{
	{"Projection", testProjection},
	{"AccountDataRoundTrip", testAccountDataRoundTrip},
	{"ReleaseAccount", testReleaseAccount},
	{"EraseAccount", testEraseAccount},
	{"EraseReferences", testEraseReferences},
	{"AccountDataErrors", testAccountDataErrors},
}

// fixture holds a test's regions and makes accounts and videos in them.
// Every record it makes is one millisecond younger than the last, so that
// IDs (and so newest-first order) follow the order of creation.
type fixture struct {
	t   *testing.T
	all Spanning // every region, as one
	ctx context.Context
	now time.Time
	n   *int // records made so far, shared with sub-fixtures

	regions []Region       // accounts are made in each in turn
	homes   map[string]int // account ID → its region in regions
	videos  map[string]int // video ID → its region in regions
}

func newFixture(t *testing.T, all Spanning, regions []Region) *fixture {
	return &fixture{t: t, all: all, ctx: context.Background(), now: time.Now().UTC().Truncate(time.Millisecond), n: new(int),
		regions: regions, homes: map[string]int{}, videos: map[string]int{}}
}

// backend is the fixture of the tests of one region's own store.
type backend struct {
	*fixture
	s    flick.Store                    // the fixture's store
	open func(t *testing.T) flick.Store // opens another empty store: another region
}

// run runs fn as a subtest with a fixture whose failures belong to it.
func (f *fixture) run(name string, fn func(f *fixture)) {
	f.t.Helper()
	f.t.Run(name, func(t *testing.T) {
		sub := *f
		sub.t = t
		fn(&sub)
	})
}

// tick returns the creation time of the next record.
func (f *fixture) tick() time.Time {
	*f.n++
	return f.now.Add(time.Duration(*f.n) * time.Millisecond)
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// toggle is one step of an idempotent operation (follow, like, block, ...)
// and whether it should report a change.
type toggle struct {
	name    string
	op      func() (bool, error)
	changed bool
}

// toggles runs steps in order and checks each one's changed flag.
func (f *fixture) toggles(steps []toggle) {
	f.t.Helper()
	for _, st := range steps {
		changed, err := st.op()
		f.must(err)
		if changed != st.changed {
			f.t.Errorf("%s: changed = %v, want %v", st.name, changed, st.changed)
		}
	}
}

// wantCode fails the test unless err carries the flick error code.
func (f *fixture) wantCode(err error, code, what string) {
	f.t.Helper()
	if got := flick.ErrorCode(err); got != code {
		f.t.Fatalf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

// account creates an account in the next region in turn.
func (f *fixture) account(handle string) *flick.Account {
	f.t.Helper()
	at := f.tick()
	a := &flick.Account{ID: flick.NewID(at), Handle: handle, DisplayName: "Name of " + handle,
		Region: f.regions[len(f.homes)%len(f.regions)].Name, Birthdate: "2000-01-02", CreatedAt: at}
	f.createAccount(a, "hash-of-"+handle)
	return a
}

// createAccount creates a in its region and remembers where it lives.
func (f *fixture) createAccount(a *flick.Account, passwordHash string) {
	f.t.Helper()
	f.must(f.all.CreateAccount(f.ctx, a, passwordHash))
	f.homes[a.ID] = slices.IndexFunc(f.regions, func(r Region) bool { return r.Name == a.Region })
}

// home returns the store of the home region of account id: where its
// writes and personal reads go and its events are projected. Anonymous
// viewers ("") and accounts the fixture did not make belong to the first
// region.
func (f *fixture) home(id string) flick.Store {
	return f.regions[f.homes[id]].Store
}

// of returns the store of the region that holds video id (the first
// region's for videos the fixture did not make).
func (f *fixture) of(id string) flick.Store {
	return f.regions[f.videos[id]].Store
}

// removed delivers the remove event of v, just deleted, to the other
// regions than its own, whose stores then forget their records about it:
// DeleteVideo only deletes in the video's region. A backend has no other.
func (f *fixture) removed(v *flick.Video) {
	f.t.Helper()
	own := f.videos[v.ID]
	for i, r := range f.regions {
		if i != own {
			f.must(r.Store.ApplyProjection(f.ctx, "removed", uint64(f.tick().UnixMilli()), flick.ProjectionBatch{Removed: []string{v.ID}}))
		}
	}
}

// video creates a video by author in status processing.
func (f *fixture) video(author *flick.Account, caption string) *flick.Video {
	f.t.Helper()
	at := f.tick()
	tags, mentions := flick.ParseCaption(caption)
	v := &flick.Video{ID: flick.NewID(at), AuthorID: author.ID, Caption: caption, Hashtags: tags, Mentions: mentions,
		CreatedAt: at, DurationMS: 15000, Width: 1080, Height: 1920, OriginalKey: "originals/x.mp4"}
	f.createVideo(v)
	return v
}

// createVideo creates v in its author's home region and remembers where.
func (f *fixture) createVideo(v *flick.Video) {
	f.t.Helper()
	f.must(f.home(v.AuthorID).CreateVideo(f.ctx, v))
	f.videos[v.ID] = f.homes[v.AuthorID]
}

// readyVideo creates a video and gives it a first rendition, which makes it ready.
func (f *fixture) readyVideo(author *flick.Account, caption string) *flick.Video {
	f.t.Helper()
	v := f.video(author, caption)
	f.must(f.of(v.ID).AddRendition(f.ctx, v.ID, flick.RenditionUpdate{Rendition: rendition(v.ID, 360), Ready: true, Complete: true,
		PosterKey: "videos/" + v.ID + "/poster.jpg"}))
	return v
}

// rendition is the rendition of the given short side of a vertical video.
func rendition(videoID string, short int) flick.Rendition {
	name := fmt.Sprintf("%dp", short)
	return flick.Rendition{Name: name, Width: short, Height: short * 16 / 9, Bitrate: short * 2000, Size: int64(short) * 1000,
		Key: "videos/" + videoID + "/" + name + ".mp4", Mime: "video/mp4"}
}

func (f *fixture) getVideo(id string) *flick.Video {
	f.t.Helper()
	v, err := f.all.Video(f.ctx, id)
	f.must(err)
	return v
}

func (f *fixture) getAccount(id string) *flick.Account {
	f.t.Helper()
	a, err := f.all.Account(f.ctx, id)
	f.must(err)
	return a
}

// ids returns the IDs of videos, in order.
func ids(videos []*flick.Video) []string {
	out := make([]string, len(videos))
	for i, v := range videos {
		out[i] = v.ID
	}
	return out
}

// newestFirst reverses videos made oldest first.
func newestFirst(videos ...*flick.Video) []*flick.Video {
	out := slices.Clone(videos)
	slices.Reverse(out)
	return out
}

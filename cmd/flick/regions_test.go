package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/residency"
)

// TestRegionsEndToEnd runs two regions in one process: an eu viewer watches,
// likes, comments on and follows a us creator's video over HTTP. The
// viewer's records stay in eu, the video's public counters add up both
// regions, and the us region's files never hold the viewer's email.
func TestRegionsEndToEnd(t *testing.T) {
	ta := startTestAppIn(t, t.TempDir(), "us", "eu")
	ctx := context.Background()
	creator := ta.userIn(t, "sam", "us")
	viewer := ta.userIn(t, "eva", "eu")
	local := ta.userIn(t, "dee", "") // the default region, us

	var profile struct {
		Region string `json:"region"`
	}
	// The home region is personal: each account sees its own, nobody else's.
	for want, c := range map[string]*apiClient{"us": creator, "eu": viewer} {
		if err := c.do(ctx, "GET", "/api/v1/me", nil, &profile); err != nil {
			t.Fatal(err)
		}
		if profile.Region != want {
			t.Errorf("region = %q, want %q", profile.Region, want)
		}
	}
	if err := local.do(ctx, "GET", "/api/v1/me", nil, &profile); err != nil || profile.Region != "us" {
		t.Errorf("the default region's account: region %q, %v", profile.Region, err)
	}
	profile.Region = ""
	if err := viewer.do(ctx, "GET", "/api/v1/accounts/sam", nil, &profile); err != nil || profile.Region != "" {
		t.Errorf("another account's profile shows its region %q (%v)", profile.Region, err)
	}
	err := ta.client().do(ctx, "POST", "/api/v1/accounts", map[string]string{
		"handle": "mars", "password": "correct horse battery", "birthdate": "2000-01-01", "region": "mars"}, nil)
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("sign-up in an unknown region: %v, want 400", err)
	}
	if err := viewer.do(ctx, "PATCH", "/api/v1/me", map[string]string{"bio": "bio-of-eva-only-in-eu"}, nil); err != nil {
		t.Fatal(err)
	}

	v := ta.uploadReady(t, creator, "from the us #regions")
	// The video plays for the eu viewer, from the us media store.
	resp, err := http.Get(ta.URL + v.Renditions[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("rendition: %d", resp.StatusCode)
	}
	for _, c := range []*apiClient{viewer, local} {
		if err := c.do(ctx, "POST", "/api/v1/videos/"+v.ID+"/like", nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.do(ctx, "POST", "/api/v1/events", []map[string]any{{"type": "view", "video_id": v.ID, "watch_ms": 2000}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := viewer.do(ctx, "POST", "/api/v1/videos/"+v.ID+"/comments", map[string]string{"text": "comment-from-eva"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := viewer.do(ctx, "POST", "/api/v1/accounts/sam/follow", nil, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "counters of both regions", func() error {
		got, err := viewer.video(ctx, v.ID)
		if err != nil {
			return err
		}
		if got.Counts.Likes != 2 || got.Counts.Views != 2 || got.Counts.Comments != 1 {
			return fmt.Errorf("counts %+v, want 2 likes, 2 views, 1 comment", got.Counts)
		}
		return nil
	})
	var comments struct {
		Items []struct {
			Text   string `json:"text"`
			Author struct {
				Handle string `json:"handle"`
			} `json:"author"`
		} `json:"items"`
	}
	if err := creator.do(ctx, "GET", "/api/v1/videos/"+v.ID+"/comments", nil, &comments); err != nil {
		t.Fatal(err)
	}
	if len(comments.Items) != 1 || comments.Items[0].Author.Handle != "eva" {
		t.Errorf("comments = %+v", comments.Items)
	}
	var sam struct {
		FollowerCount int64 `json:"follower_count"`
	}
	if err := ta.client().do(ctx, "GET", "/api/v1/accounts/sam", nil, &sam); err != nil {
		t.Fatal(err)
	}
	if sam.FollowerCount != 1 {
		t.Errorf("sam has %d followers, want 1 (from eu)", sam.FollowerCount)
	}
	var fy feedPage
	if err := viewer.do(ctx, "GET", "/api/v1/feed/following", nil, &fy); err != nil {
		t.Fatal(err)
	}
	if len(fy.Items) != 1 || fy.Items[0].ID != v.ID {
		t.Errorf("eu viewer's following feed = %v", fy.ids())
	}

	// A new eu viewer's For You (the eu region's recommender) offers the us
	// video.
	ivy := ta.userIn(t, "ivy", "eu")
	eventually(t, "the us video in an eu viewer's For You", func() error {
		var page feedPage
		if err := ivy.do(ctx, "GET", "/api/v1/feed/foryou?limit=10", nil, &page); err != nil {
			return err
		}
		if !slices.Contains(page.ids(), v.ID) {
			return fmt.Errorf("for you = %v", page.ids())
		}
		return nil
	})

	// An admin moves the us creator to eu through the API; the receipt is
	// in the access log, and the creator's session and video still work.
	dee, err := ta.App.Router.AccountByHandle(ctx, "dee")
	if err != nil {
		t.Fatal(err)
	}
	if err := ta.App.setRoles(ctx, dee.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := viewer.do(ctx, "POST", "/api/v1/admin/accounts/sam/move", map[string]string{"to": "eu", "reason": "x"}, nil); !isStatus(err, 403) {
		t.Errorf("move by a non-admin: %v, want 403", err)
	}
	var receipt struct {
		From       string `json:"from"`
		To         string `json:"to"`
		MediaFiles int    `json:"media_files"`
	}
	if err := local.do(ctx, "POST", "/api/v1/admin/accounts/sam/move", map[string]string{"to": "eu", "reason": "the creator moved to Europe"}, &receipt); err != nil {
		t.Fatal(err)
	}
	if receipt.From != "us" || receipt.To != "eu" || receipt.MediaFiles == 0 {
		t.Errorf("receipt = %+v", receipt)
	}
	if err := creator.do(ctx, "GET", "/api/v1/me", nil, &profile); err != nil || profile.Region != "eu" {
		t.Errorf("after the move: region %q, %v", profile.Region, err)
	}
	if got, err := viewer.video(ctx, v.ID); err != nil || got.Counts.Likes != 2 {
		t.Errorf("the moved video: %+v, %v", got, err)
	}

	// Nothing of the eu viewer is in the us region's files.
	ta.Stop()
	usDir := node.RegionDir(ta.Dir, "us")
	for _, secret := range []string{"bio-of-eva-only-in-eu", "comment-from-eva"} {
		if hits := grepAll(t, usDir, secret); len(hits) > 0 {
			t.Errorf("%q found in %v", secret, hits)
		}
		if hits := grepAll(t, node.RegionDir(ta.Dir, "eu"), secret); len(hits) == 0 {
			t.Errorf("%q is not in the eu region at all", secret)
		}
	}
}

// TestUpgradeAdoptsAccounts opens a data directory made before regions (a
// default region's store, no directory): its accounts can still log in.
func TestUpgradeAdoptsAccounts(t *testing.T) {
	dir := t.TempDir()
	ta := startTestAppIn(t, dir)
	ta.user(t, "olga")
	ta.Stop()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(node.DirectoryPath(dir) + suffix); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	ta = startTestAppIn(t, dir)
	if err := ta.client().logIn(context.Background(), "olga", "correct horse battery"); err != nil {
		t.Fatalf("log in after the upgrade: %v", err)
	}
}

// TestRefusesMissingRegion refuses to open a data directory with a
// --regions that leaves out one of its regions.
func TestRefusesMissingRegion(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(node.RegionDir(dir, "default"), 0o750); err != nil {
		t.Fatal(err)
	}
	_, err := OpenApp(context.Background(), Config{Data: dir, Regions: []string{"us", "eu"}, Workers: 1, LogFormat: "text"}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), `holds region "default"`) {
		t.Fatalf("open = %v, want a refusal naming the region", err)
	}
}

// TestMoveUnderLoad moves an account while it keeps writing over HTTP:
// every write the API acknowledged is in the target region after the move,
// once, and nothing of the account is left at the source.
func TestMoveUnderLoad(t *testing.T) {
	ta := startTestAppIn(t, t.TempDir(), "us", "eu")
	// vic reports views far faster than an account may (internal/engagement).
	ta.App.Engagement.TurnOffDefences()
	ctx := context.Background()
	vic := ta.userIn(t, "vic", "us")
	admin := ta.userIn(t, "ada", "us")
	var me struct {
		ID string `json:"id"`
	}
	if err := vic.do(ctx, "GET", "/api/v1/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	adminAccount, err := ta.App.Router.AccountByHandle(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if err := ta.App.setRoles(ctx, adminAccount.ID, flick.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	// Accounts to follow and a video to watch, in eu, made through the
	// store: the writes under test are vic's.
	const n = 2000
	handles := make([]string, n)
	for i := range handles {
		a := &flick.Account{Handle: fmt.Sprintf("creator%d", i), Region: "eu", Birthdate: "2000-01-01", Email: fmt.Sprintf("c%d@example.org", i)}
		if err := ta.App.Router.CreateAccount(ctx, a, "hash"); err != nil {
			t.Fatal(err)
		}
		handles[i] = a.Handle
	}
	at := time.Now()
	v := &flick.Video{ID: flick.NewID(at), AuthorID: adminAccount.ID, Caption: "to watch", CreatedAt: at, DurationMS: 600_000, Width: 720, Height: 1280}
	if err := ta.App.home(t, v.AuthorID).CreateVideo(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := ta.App.home(t, v.AuthorID).AddRendition(ctx, v.ID, flick.RenditionUpdate{Ready: true, Complete: true, PosterKey: "videos/" + v.ID + "/poster.jpg",
		Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Bitrate: 800000, Size: 1000, Key: "videos/" + v.ID + "/360p.mp4", Mime: "video/mp4"}}); err != nil {
		t.Fatal(err)
	}

	// vic follows one account after another and sends one view at a time,
	// each with its own watch time, from two goroutines, until told to stop.
	var (
		mu        sync.Mutex
		followed  []string // acknowledged
		viewed    []int64  // acknowledged
		refused   = map[string]bool{}
		stop      = make(chan struct{})
		writersWG sync.WaitGroup
	)
	write := func(kind string, next func(i int) error, ack func(i int)) {
		defer writersWG.Done()
		for i := 0; i < n; i++ {
			select {
			case <-stop:
				return
			default:
			}
			err := next(i)
			mu.Lock()
			switch {
			case err == nil:
				ack(i)
			case isStatus(err, http.StatusServiceUnavailable):
				refused[fmt.Sprint(kind, i)] = true // frozen: not acknowledged
			default:
				t.Errorf("write %d: %v", i, err)
			}
			mu.Unlock()
		}
	}
	writersWG.Add(2)
	go write("follow", func(i int) error {
		return vic.do(ctx, "POST", "/api/v1/accounts/"+handles[i]+"/follow", nil, nil)
	}, func(i int) { followed = append(followed, handles[i]) })
	go write("view", func(i int) error {
		return vic.do(ctx, "POST", "/api/v1/events", []map[string]any{{"type": "view", "video_id": v.ID, "watch_ms": i + 1}}, nil)
	}, func(i int) { viewed = append(viewed, int64(i+1)) })

	time.Sleep(300 * time.Millisecond)
	if err := admin.do(ctx, "POST", "/api/v1/admin/accounts/vic/move", map[string]string{"to": "eu", "reason": "moving under load"}, nil); err != nil {
		t.Fatalf("move: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	writersWG.Wait()
	t.Logf("acknowledged %d follows and %d views; %d writes refused during the freeze", len(followed), len(viewed), len(refused))

	// Every acknowledged follow is vic's, in eu. A refused one may be too:
	// a request that stored the follow and was then refused its event
	// answered 503, and a retry is idempotent.
	got, err := ta.App.home(t, me.ID).FollowingIDs(ctx, me.ID)
	if err != nil {
		t.Fatal(err)
	}
	following := map[string]bool{}
	for _, id := range got {
		a, err := ta.App.Router.Account(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		following[a.Handle] = true
	}
	for _, h := range followed {
		if !following[h] {
			t.Errorf("the acknowledged follow of %s was lost", h)
		}
	}
	for i, h := range handles {
		if following[h] && !slices.Contains(followed, h) && !refused[fmt.Sprint("follow", i)] {
			t.Errorf("vic follows %s, which was never asked for", h)
		}
	}
	// Every acknowledged view is in eu's log once; the us log has none.
	us, eu := ta.App.Router.Cells()[0], ta.App.Router.Cells()[1]
	evs, err := eu.Events.AccountEvents(ctx, me.ID)
	if err != nil {
		t.Fatal(err)
	}
	var views []int64
	for _, e := range evs {
		if e.Type == flick.EventView {
			views = append(views, e.WatchMS)
		}
	}
	slices.Sort(views)
	if !slices.Equal(views, viewed) {
		t.Errorf("eu's log holds %d views of vic, the API acknowledged %d (first difference at %v)", len(views), len(viewed), firstDiff(views, viewed))
	}
	if left, err := us.Events.AccountEvents(ctx, me.ID); err != nil || len(left) > 0 {
		t.Errorf("us's log still holds %d of vic's events (%v)", len(left), err)
	}
	rep, err := residency.Check(ctx, ta.App.Directory, ta.App.Router.Cells())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Violations) > 0 || len(rep.Moves) > 0 {
		t.Errorf("residency check after the move: %+v, %+v", rep.Violations, rep.Moves)
	}
}

// firstDiff returns the first position where a and b differ.
func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

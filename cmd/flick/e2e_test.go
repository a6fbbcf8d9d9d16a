package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// feedPage is the shape of GET /api/v1/feed/*.
type feedPage struct {
	Items []struct {
		ID      string   `json:"id"`
		Reasons []string `json:"reasons"`
		Liked   bool     `json:"liked"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func (p feedPage) ids() []string {
	var ids []string
	for _, it := range p.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

// eventually retries check until it returns nil or the time is up.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEnd drives one creator and one viewer through the whole platform
// over HTTP: upload, transcode, playback, feeds, engagement, search, delete.
func TestEndToEnd(t *testing.T) {
	ta := startTestApp(t)
	ctx := context.Background()
	alice := ta.user(t, "alice")
	bob := ta.user(t, "bob")

	v := ta.uploadReady(t, alice, "Hello from the test suite #Hello #e2e @bob")
	if len(v.Renditions) == 0 {
		t.Fatal("ready video without renditions")
	}

	// Playback: a Range request on the rendition.
	req, _ := http.NewRequest("GET", ta.URL+v.Renditions[0].URL, nil)
	req.Header.Set("Range", "bytes=0-99")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("range request: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// For You shows it to bob, with reasons, once the recommender has
	// read the publish event the transcoder appended (asynchronously).
	var fy feedPage
	eventually(t, "the new video in bob's For You", func() error {
		fy = feedPage{}
		if err := bob.do(ctx, "GET", "/api/v1/feed/foryou?limit=10", nil, &fy); err != nil {
			return err
		}
		if i := slices.Index(fy.ids(), v.ID); i < 0 || len(fy.Items[i].Reasons) == 0 {
			return fmt.Errorf("for you = %+v, want %s with reasons", fy, v.ID)
		}
		return nil
	})

	// Following feed after a follow.
	if err := bob.do(ctx, "POST", "/api/v1/accounts/alice/follow", nil, nil); err != nil {
		t.Fatal(err)
	}
	var fo feedPage
	if err := bob.do(ctx, "GET", "/api/v1/feed/following", nil, &fo); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(fo.ids(), v.ID) {
		t.Fatalf("following feed = %v, want %s", fo.ids(), v.ID)
	}

	// Like, comment and share show in the counters (derived from the log).
	if err := bob.do(ctx, "POST", "/api/v1/videos/"+v.ID+"/like", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := bob.do(ctx, "POST", "/api/v1/videos/"+v.ID+"/comments", map[string]string{"text": "<b>nice</b>"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := bob.do(ctx, "POST", "/api/v1/videos/"+v.ID+"/share", nil, nil); err != nil {
		t.Fatal(err)
	}
	// Bob watches it through: a view, then it leaves his For You.
	events := []map[string]any{
		{"type": "impression", "video_id": v.ID},
		{"type": "view", "video_id": v.ID, "watch_ms": 2000},
	}
	if err := bob.do(ctx, "POST", "/api/v1/events", events, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "counters", func() error {
		got, err := bob.video(ctx, v.ID)
		if err != nil {
			return err
		}
		if c := got.Counts; c.Views != 1 || c.Likes != 1 || c.Comments != 1 || c.Shares != 1 {
			return fmt.Errorf("counts = %+v", c)
		}
		return nil
	})
	eventually(t, "watched video leaves For You", func() error {
		var p feedPage
		if err := bob.do(ctx, "GET", "/api/v1/feed/foryou", nil, &p); err != nil {
			return err
		}
		if slices.Contains(p.ids(), v.ID) {
			return fmt.Errorf("still in for you: %v", p.ids())
		}
		return nil
	})

	// Search and hashtag pages.
	var found struct {
		Videos []struct{ ID string } `json:"videos"`
	}
	if err := bob.do(ctx, "GET", "/api/v1/search?q=hello", nil, &found); err != nil {
		t.Fatal(err)
	}
	if len(found.Videos) != 1 || found.Videos[0].ID != v.ID {
		t.Fatalf("search = %+v", found)
	}
	var tagged feedPage
	if err := bob.do(ctx, "GET", "/api/v1/hashtags/e2e/videos", nil, &tagged); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(tagged.ids(), v.ID) {
		t.Fatalf("hashtag page = %v", tagged.ids())
	}

	// Only the author may delete; then everything is gone.
	if err := bob.do(ctx, "DELETE", "/api/v1/videos/"+v.ID, nil, nil); !isStatus(err, http.StatusForbidden) {
		t.Fatalf("bob deletes alice's video: %v, want 403", err)
	}
	if err := alice.do(ctx, "DELETE", "/api/v1/videos/"+v.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.video(ctx, v.ID); !isStatus(err, http.StatusNotFound) {
		t.Fatalf("deleted video: %v, want 404", err)
	}
	if n, err := get(ctx, http.DefaultClient, ta.URL+v.Renditions[0].URL, nil, http.StatusNotFound); err != nil {
		t.Fatalf("deleted rendition: %v (%d bytes)", err, n)
	}
	if files := mediaFiles(t, ta.Dir, v.ID); len(files) > 0 {
		t.Fatalf("files left after delete: %v", files)
	}
}

// mediaFiles lists files under the data directory whose path mentions id.
func mediaFiles(t *testing.T, dir, id string) []string {
	t.Helper()
	return filesWhere(t, dir, func(path string) (bool, error) { return strings.Contains(path, id), nil })
}

// TestTranscodeResumesAfterShutdown stops the server in the middle of a
// transcode and checks that the next start finishes it: nothing stays
// "processing" forever.
func TestTranscodeResumesAfterShutdown(t *testing.T) {
	dir := t.TempDir()
	ta := startTestAppIn(t, dir)
	ctx := context.Background()
	c := ta.user(t, "carol")
	id, err := c.upload(ctx, clip(t, 720, 1280, 8), "long enough to interrupt")
	if err != nil {
		t.Fatal(err)
	}
	ta.Stop()

	ta = startTestAppIn(t, dir)
	c = ta.client()
	if err := c.logIn(ctx, "carol", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := waitVideo(wctx, c, id, 1, 50*time.Millisecond); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

// TestHelp checks that every command answers --help.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"demo", "--help"}, {"migrate", "--help"}, {"bench", "--help"},
		{"accounts", "--help"}, {"accounts", "reset-password", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut strings.Builder
			err := run(context.Background(), args, &out, &errOut)
			if err != nil && !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("run %v: %v", args, err)
			}
			if !strings.Contains(out.String()+errOut.String(), "Usage") {
				t.Fatalf("no usage in %q", out.String()+errOut.String())
			}
		})
	}
}

func isStatus(err error, status int) bool {
	var e *apiError
	return errors.As(err, &e) && e.Status == status
}

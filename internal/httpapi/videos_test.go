package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick/internal/testenv"

	"github.com/flick-video/flick"
)

// multipartBody builds an upload form; parts are written in the order given.
func multipartBody(t *testing.T, parts ...[2]string) (io.Reader, reqOption) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p[0] == "file" {
			w, err = mw.CreateFormFile("file", "clip.mp4")
		} else {
			w, err = mw.CreateFormField(p[0])
		}
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p[1])
	}
	mw.Close()
	return &buf, withHeader("Content-Type", mw.FormDataContentType())
}

func TestUploadRefusals(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.api.MaxUploadBytes = 64 << 10 })
	ann := f.signUp("ann")
	big := strings.Repeat("x", 65<<10)
	for _, tc := range []struct {
		name   string
		parts  [][2]string
		ctype  string
		status int
	}{
		{"not multipart", nil, "application/json", 415},
		{"no file", [][2]string{{"caption", "hi"}}, "", 400},
		{"unknown field", [][2]string{{"evil", "x"}, {"file", "data"}}, "", 400},
		{"two files", [][2]string{{"file", "a"}, {"file", "b"}}, "", 400},
		{"empty file", [][2]string{{"file", ""}}, "", 422},
		{"too large", [][2]string{{"caption", "big"}, {"file", big}}, "", 413},
		{"too large, caption after", [][2]string{{"file", big}, {"caption", "big"}}, "", 413},
		{"caption too long", [][2]string{{"file", "data"}, {"caption", strings.Repeat("é", flick.MaxCaptionRunes+1)}}, "", 422},
		{"caption with control characters", [][2]string{{"caption", "a\x00b"}, {"file", "data"}}, "", 400},
		{"unknown visibility", [][2]string{{"visibility", "friends"}, {"file", "data"}}, "", 400},
		{"visibility after the file", [][2]string{{"file", "data"}, {"visibility", strings.Repeat("public", 100)}}, "", 400},
		{"comments_enabled not a boolean", [][2]string{{"comments_enabled", "maybe"}, {"file", "data"}}, "", 400},
		{"negative cover", [][2]string{{"cover_ms", "-5"}, {"file", "data"}}, "", 422},
		{"cover not a number", [][2]string{{"file", "data"}, {"cover_ms", "1e3"}}, "", 422},
		{"not a video", [][2]string{{"caption", "#cats"}, {"file", "this is plain text, not a video"}}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := multipartBody(t, tc.parts...)
			if tc.ctype != "" {
				ct = withHeader("Content-Type", tc.ctype)
			}
			r := f.request("POST", "/api/v1/videos", body, bearer(ann.Token), ct)
			if tc.status == 0 { // the uploader decides: 415 or 422
				if r.StatusCode != 415 && r.StatusCode != 422 && r.StatusCode != 503 {
					t.Fatalf("status %d: %s", r.StatusCode, r.body)
				}
			} else if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, tc.status, r.body)
			}
		})
	}
	f.must(401, "POST", "/api/v1/videos", nil)
	t.Run("nothing left behind", func(t *testing.T) {
		if files := f.files(); len(files) != 0 {
			t.Fatalf("files left: %v", files)
		}
		var page listJSON[videoJSON]
		f.must(200, "GET", "/api/v1/accounts/ann/videos", nil, bearer(ann.Token)).decode(t, &page)
		if len(page.Items) != 0 {
			t.Fatalf("videos recorded: %d", len(page.Items))
		}
	})
}

func TestUploadToReady(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	f := newFixture(t)
	ann, bob := f.signUp("ann"), f.signUp("bob")
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=144x256:rate=15:duration=1",
		"-f", "lavfi", "-i", "sine=duration=1", "-shortest", "-pix_fmt", "yuv420p", clip).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	// The file part before the caption: fields may come in any order.
	body, ct := multipartBody(t, [2]string{"file", string(data)}, [2]string{"caption", "first #Clip by @bob"})
	r := f.must(202, "POST", "/api/v1/videos", body, bearer(ann.Token), ct)
	var v videoJSON
	r.decode(t, &v)
	if v.Status != flick.StatusProcessing || v.Caption != "first #Clip by @bob" || len(v.Hashtags) != 1 {
		t.Fatalf("upload answer %s", r.body)
	}
	// Others cannot see it until it is ready.
	f.must(404, "GET", "/api/v1/videos/"+v.ID, nil, bearer(bob.Token))
	deadline := time.Now().Add(60 * time.Second)
	for v.Status == flick.StatusProcessing && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		f.must(200, "GET", "/api/v1/videos/"+v.ID, nil, bearer(ann.Token)).decode(t, &v)
	}
	if v.Status != flick.StatusReady || len(v.Renditions) == 0 || v.PosterURL == "" {
		t.Fatalf("video did not become ready: %+v", v.Video)
	}
	rend := f.must(200, "GET", v.Renditions[0].URL, nil)
	if rend.Header.Get("Content-Type") != "video/mp4" || len(rend.body) == 0 {
		t.Fatalf("rendition: %s, %d bytes", rend.Header.Get("Content-Type"), len(rend.body))
	}
	f.must(404, "GET", "/media/videos/"+v.ID+"/original", nil)
	f.must(200, "GET", "/api/v1/videos/"+v.ID, nil, bearer(bob.Token))
	f.must(403, "DELETE", "/api/v1/videos/"+v.ID, nil, bearer(bob.Token))
	f.must(204, "DELETE", "/api/v1/videos/"+v.ID, nil, bearer(ann.Token))
	f.must(404, "GET", "/api/v1/videos/"+v.ID, nil, bearer(ann.Token))
	f.must(404, "GET", v.Renditions[0].URL, nil)
	if files := f.files(); len(files) != 0 {
		t.Fatalf("files left after delete: %v", files)
	}
}

// TestUploadDamaged checks the answers to damaged videos: Flick's own
// sentences, never what ffmpeg said (the report had a 422 carrying
// "[IMGUTILS @ 0x7ffc2d722220] Picture size 20000x20000 is invalid."), and
// nothing stored.
func TestUploadDamaged(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	f := newFixture(t)
	ann := f.signUp("ann")
	clip := filepath.Join(t.TempDir(), "clip.mkv")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=144x256:rate=15:duration=4",
		"-f", "lavfi", "-i", "sine=duration=4", "-pix_fmt", "yuv420p", clip).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	noise := bytes.Clone(data)
	for i := len(noise) / 10; i < len(noise); i += 3 {
		noise[i] ^= 0xa5
	}
	for _, tc := range []struct {
		name, data, message string
	}{
		{"cut off", string(data[:len(data)/2]), "The file is incomplete: it holds "},
		{"noise over the pictures", string(noise), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := multipartBody(t, [2]string{"file", tc.data})
			r := f.request("POST", "/api/v1/videos", body, bearer(ann.Token), ct)
			var e errorBody
			if r.StatusCode != 422 && r.StatusCode != 415 || json.Unmarshal(r.body, &e) != nil {
				t.Fatalf("status %d: %s", r.StatusCode, r.body)
			}
			msg := e.Error.Message
			if !strings.HasPrefix(msg, tc.message) || strings.ContainsAny(msg, "[]@_/") || !strings.HasSuffix(msg, ".") {
				t.Errorf("message %q is not a sentence of Flick's own", msg)
			}
		})
	}
	if files := f.files(); len(files) != 0 {
		t.Fatalf("files left: %v", files)
	}
}

func TestVideoVisibility(t *testing.T) {
	f := newFixture(t)
	ann, bob := f.signUp("ann"), f.signUp("bob")
	ready := f.readyVideo(ann, "ready #one")
	processing := &flick.Video{ID: flick.NewID(time.Now()), AuthorID: ann.ID, Status: flick.StatusProcessing, CreatedAt: time.Now().UTC()}
	if err := f.store.CreateVideo(context.Background(), processing); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, token string
		status                    int
	}{
		{"ready, anonymous", "GET", "/api/v1/videos/" + ready.ID, "", 200},
		{"processing, author", "GET", "/api/v1/videos/" + processing.ID, ann.Token, 200},
		{"processing, other", "GET", "/api/v1/videos/" + processing.ID, bob.Token, 404},
		{"processing, anonymous", "GET", "/api/v1/videos/" + processing.ID, "", 404},
		{"unknown id", "GET", "/api/v1/videos/" + flick.NewID(time.Now()), "", 404},
		{"malformed id", "GET", "/api/v1/videos/../../etc", "", 404},
		{"delete other's processing", "DELETE", "/api/v1/videos/" + processing.ID, bob.Token, 404},
		{"delete other's ready", "DELETE", "/api/v1/videos/" + ready.ID, bob.Token, 403},
		{"delete anonymous", "DELETE", "/api/v1/videos/" + ready.ID, "", 401},
		{"like processing, author", "POST", "/api/v1/videos/" + processing.ID + "/like", ann.Token, 409},
		{"comment processing, other", "POST", "/api/v1/videos/" + processing.ID + "/comments", bob.Token, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []reqOption
			if tc.token != "" {
				opts = append(opts, bearer(tc.token))
			}
			var body any
			if strings.HasSuffix(tc.path, "/comments") {
				body = map[string]string{"text": "hi"}
			}
			f.must(tc.status, tc.method, tc.path, body, opts...)
		})
	}
	t.Run("profile lists", func(t *testing.T) {
		for _, tc := range []struct {
			token string
			n     int
		}{{ann.Token, 2}, {bob.Token, 1}, {"", 1}} {
			var opts []reqOption
			if tc.token != "" {
				opts = append(opts, bearer(tc.token))
			}
			var page listJSON[videoJSON]
			f.must(200, "GET", "/api/v1/accounts/ann/videos", nil, opts...).decode(t, &page)
			if len(page.Items) != tc.n {
				t.Fatalf("%d videos listed, want %d", len(page.Items), tc.n)
			}
		}
	})
}

func TestEngagement(t *testing.T) {
	f := newFixture(t)
	ann, bob := f.signUp("ann"), f.signUp("bob")
	v := f.readyVideo(ann, "like me #cats")
	path := "/api/v1/videos/" + v.ID
	t.Run("like and unlike with current counts", func(t *testing.T) {
		for _, tc := range []struct {
			method, token string
			liked         bool
			likes         int64
		}{
			{"POST", bob.Token, true, 1},
			{"POST", bob.Token, true, 1}, // idempotent
			{"POST", ann.Token, true, 2},
			{"DELETE", bob.Token, false, 1},
			{"DELETE", bob.Token, false, 1},
		} {
			var out likeResponse
			f.must(200, tc.method, path+"/like", nil, bearer(tc.token)).decode(t, &out)
			if out.Liked != tc.liked || out.Counts.Likes != tc.likes {
				t.Fatalf("%s like: %+v, want liked=%v likes=%d", tc.method, out, tc.liked, tc.likes)
			}
		}
		var seen videoJSON
		f.must(200, "GET", path, nil, bearer(ann.Token)).decode(t, &seen)
		if !seen.Liked {
			t.Fatal("video does not say ann likes it")
		}
		f.must(200, "GET", path, nil, bearer(bob.Token)).decode(t, &seen)
		if seen.Liked {
			t.Fatal("video says bob likes it")
		}
		f.must(200, "POST", path+"/like", nil, bearer(bob.Token))
		var feed listJSON[feedItemJSON]
		f.must(200, "GET", "/api/v1/feed/foryou", nil, bearer(bob.Token)).decode(t, &feed)
		if len(feed.Items) != 1 || !feed.Items[0].Liked || len(feed.Items[0].Reasons) == 0 {
			t.Fatalf("feed item: %+v", feed.Items)
		}
		f.must(200, "POST", "/api/v1/accounts/ann/follow", nil, bearer(bob.Token))
		f.must(200, "GET", "/api/v1/feed/following", nil, bearer(bob.Token)).decode(t, &feed)
		if len(feed.Items) != 1 || !feed.Items[0].Liked {
			t.Fatalf("following item: %+v", feed.Items)
		}
	})
	t.Run("comments and replies", func(t *testing.T) {
		var top flick.Comment
		f.must(201, "POST", path+"/comments", map[string]string{"text": "  first!  "}, bearer(bob.Token)).decode(t, &top)
		if top.Text != "first!" || top.Author.Handle != "bob" {
			t.Fatalf("comment %+v", top)
		}
		var reply flick.Comment
		f.must(201, "POST", path+"/comments", map[string]string{"text": "thanks", "parent_id": top.ID}, bearer(ann.Token)).decode(t, &reply)
		if reply.ParentID != top.ID {
			t.Fatalf("reply %+v", reply)
		}
		f.must(400, "POST", path+"/comments", map[string]string{"text": "   "}, bearer(ann.Token))
		f.must(422, "POST", path+"/comments", map[string]string{"text": strings.Repeat("c", 1001)}, bearer(ann.Token))
		f.must(404, "POST", path+"/comments", map[string]string{"text": "x", "parent_id": flick.NewID(time.Now())}, bearer(ann.Token))
		f.must(400, "POST", path+"/comments", map[string]string{"text": "x", "parent_id": "nope"}, bearer(ann.Token))
		f.must(401, "POST", path+"/comments", map[string]string{"text": "x"})
		var list listJSON[flick.Comment]
		f.must(200, "GET", path+"/comments", nil).decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].ReplyCount != 1 {
			t.Fatalf("top comments %+v", list.Items)
		}
		f.must(200, "GET", path+"/comments?parent_id="+top.ID, nil).decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != reply.ID {
			t.Fatalf("replies %+v", list.Items)
		}
		var after videoJSON
		f.must(200, "GET", path, nil).decode(t, &after)
		if after.Counts.Comments != 2 {
			t.Fatalf("comment count %d, want 2", after.Counts.Comments)
		}
	})
	t.Run("share, anonymous too", func(t *testing.T) {
		var out shareResponse
		f.must(200, "POST", path+"/share", nil).decode(t, &out)
		f.must(200, "POST", path+"/share", nil, bearer(bob.Token)).decode(t, &out)
		if out.Counts.Shares != 2 {
			t.Fatalf("shares %d, want 2", out.Counts.Shares)
		}
	})
}

func TestEvents(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	v := f.readyVideo(ann, "watch me")
	unknown := flick.NewID(time.Now())
	ev := func(typ, id string, watch int64) map[string]any {
		return map[string]any{"type": typ, "video_id": id, "watch_ms": watch}
	}
	many := make([]map[string]any, 501)
	for i := range many {
		many[i] = ev("impression", v.ID, 0)
	}
	for _, tc := range []struct {
		name     string
		body     any
		token    string
		status   int
		accepted int
	}{
		{"anonymous batch", []any{ev("impression", v.ID, 0), ev("view", v.ID, 5000)}, "", 202, 2},
		{"signed in, unknown video dropped", []any{ev("view", v.ID, 1), ev("view", unknown, 1)}, ann.Token, 202, 1},
		{"empty", []any{}, "", 202, 0},
		{"bad type", []any{ev("like", v.ID, 0)}, "", 400, 0},
		{"bad id", []any{ev("view", "'; drop table", 0)}, "", 400, 0},
		{"not an array", map[string]any{"type": "view"}, "", 400, 0},
		{"too many", many, "", 413, 0},
		{"wrong field type", []any{map[string]any{"type": "view", "video_id": v.ID, "watch_ms": "long"}}, "", 400, 0},
		{"bad time", []any{map[string]any{"type": "view", "video_id": v.ID, "at": "yesterday"}}, "", 400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []reqOption
			if tc.token != "" {
				opts = append(opts, bearer(tc.token))
			}
			r := f.must(tc.status, "POST", "/api/v1/events", tc.body, opts...)
			if tc.status == 202 {
				var out eventsResponse
				r.decode(t, &out)
				if out.Accepted != tc.accepted {
					t.Fatalf("accepted %d, want %d", out.Accepted, tc.accepted)
				}
			}
		})
	}
	t.Run("clamped", func(t *testing.T) {
		before, _ := f.log.LastSeq(context.Background())
		future := time.Now().Add(time.Hour)
		old := time.Now().Add(-72 * time.Hour)
		f.must(202, "POST", "/api/v1/events", []any{
			map[string]any{"type": "view", "video_id": v.ID, "watch_ms": int64(1e12), "at": future},
			map[string]any{"type": "view", "video_id": v.ID, "watch_ms": -5, "at": old},
		}, bearer(ann.Token))
		got, err := f.log.Read(context.Background(), before, 10, time.Second)
		if err != nil || len(got) != 2 {
			t.Fatalf("read %d events: %v", len(got), err)
		}
		// At most 10 times the video, and no more than the wall clock
		// allows since ann's previous batch (internal/engagement).
		if got[0].WatchMS <= 0 || got[0].WatchMS > min(10*v.DurationMS, time.Minute.Milliseconds()+1000) ||
			got[0].At.After(time.Now()) || got[0].AccountID != ann.ID {
			t.Fatalf("first event not clamped: %+v", got[0])
		}
		if got[1].WatchMS != 0 || time.Since(got[1].At) > 24*time.Hour+time.Minute {
			t.Fatalf("second event not clamped: %+v", got[1])
		}
	})
}

func TestMedia(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	v := f.readyVideo(ann, "media")
	url := v.Renditions[0].URL
	full := f.must(200, "GET", url, nil)
	etag := full.Header.Get("ETag")
	for name, want := range map[string]string{
		"Content-Type":           "video/mp4",
		"Cache-Control":          "public, max-age=31536000, immutable",
		"X-Content-Type-Options": "nosniff",
		"Accept-Ranges":          "bytes",
	} {
		if got := full.Header.Get(name); got != want {
			t.Fatalf("%s = %q, want %q", name, got, want)
		}
	}
	if !strings.HasPrefix(etag, `"`) || len(full.body) != 10_000 {
		t.Fatalf("ETag %q, %d bytes", etag, len(full.body))
	}
	t.Run("range", func(t *testing.T) {
		r := f.must(206, "GET", url, nil, withHeader("Range", "bytes=10-19"))
		if string(r.body) != "0123456789" || r.Header.Get("Content-Range") != "bytes 10-19/10000" {
			t.Fatalf("range answer %q %q", r.body, r.Header.Get("Content-Range"))
		}
		f.must(416, "GET", url, nil, withHeader("Range", "bytes=20000-"))
	})
	t.Run("conditional", func(t *testing.T) {
		f.must(304, "GET", url, nil, withHeader("If-None-Match", etag))
		f.must(200, "GET", url, nil, withHeader("If-None-Match", `"other"`))
	})
	t.Run("poster", func(t *testing.T) {
		r := f.must(200, "GET", v.PosterURL, nil)
		if r.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatal(r.Header.Get("Content-Type"))
		}
	})
	for _, bad := range []string{
		"/media/" + v.OriginalKey,
		"/media/videos/" + v.ID + "/original.mp4",
		"/media/videos/" + v.ID + "/missing.mp4",
		"/media/videos/%2e%2e/flick.db",
		"/media/videos%2f..%2f..%2fflick.db",
		"/media/videos//360p.mp4",
		"/media/.tmp/x.mp4",
		"/media/flick.db",
		"/media/",
	} {
		t.Run("refused "+bad, func(t *testing.T) {
			if r := f.request("GET", bad, nil); r.StatusCode != 404 && r.StatusCode != 301 && r.StatusCode != 307 {
				t.Fatalf("status %d", r.StatusCode)
			}
		})
	}
}

func TestDiscovery(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	f.readyVideo(ann, "sunny beach #Summer #sun")
	f.readyVideo(ann, "rainy day #rain")
	t.Run("search", func(t *testing.T) {
		var out searchResponse
		f.must(200, "GET", "/api/v1/search?q=sun", nil).decode(t, &out)
		if len(out.Videos) != 1 || len(out.Hashtags) == 0 || out.Hashtags[0] != "sun" {
			t.Fatalf("search sun: %+v", out)
		}
		f.must(200, "GET", "/api/v1/search?q=ann", nil).decode(t, &out)
		if len(out.Accounts) != 1 || out.Accounts[0].Handle != "ann" {
			t.Fatalf("search ann: %+v", out.Accounts)
		}
		f.must(400, "GET", "/api/v1/search", nil)
		f.must(400, "GET", "/api/v1/search?q="+strings.Repeat("q", 101), nil)
	})
	t.Run("hashtag", func(t *testing.T) {
		var page listJSON[videoJSON]
		f.must(200, "GET", "/api/v1/hashtags/%23Summer/videos", nil).decode(t, &page)
		if len(page.Items) != 1 {
			t.Fatalf("%d videos for #summer", len(page.Items))
		}
		f.must(404, "GET", "/api/v1/hashtags/no%20way/videos", nil)
	})
	t.Run("trending", func(t *testing.T) {
		var out trendingResponse
		f.must(200, "GET", "/api/v1/trending", nil).decode(t, &out)
		if out.Videos == nil || len(out.Hashtags) != 3 {
			t.Fatalf("trending %+v", out)
		}
	})
	t.Run("following feed needs a session", func(t *testing.T) {
		f.must(401, "GET", "/api/v1/feed/following", nil)
		f.must(200, "GET", "/api/v1/feed/following", nil, bearer(ann.Token))
	})
	t.Run("pagination", func(t *testing.T) {
		var page listJSON[feedItemJSON]
		f.must(200, "GET", "/api/v1/feed/foryou?limit=1", nil).decode(t, &page)
		if len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("first page %+v", page)
		}
		first := page.Items[0].ID
		f.must(200, "GET", "/api/v1/feed/foryou?limit=1&cursor="+page.NextCursor, nil).decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID == first {
			t.Fatalf("second page %+v", page)
		}
		f.must(400, "GET", "/api/v1/feed/foryou?limit=-1", nil)
		f.must(400, "GET", "/api/v1/feed/foryou?limit=ten", nil)
	})
}

func TestOperations(t *testing.T) {
	f := newFixture(t)
	if r := f.must(405, "PUT", "/api/v1/trending", nil); r.Header.Get("Allow") != "GET" {
		t.Fatalf("Allow = %q", r.Header.Get("Allow"))
	}
	if r := f.must(405, "PUT", "/api/v1/videos/0000000000000000", nil); r.Header.Get("Allow") != "GET, PATCH, DELETE" {
		t.Fatalf("Allow = %q", r.Header.Get("Allow"))
	}
	f.must(404, "GET", "/api/v1/nothing-here", nil)
	f.must(200, "GET", "/healthz", nil)
	f.must(200, "GET", "/readyz", nil)
	f.must(404, "GET", "/api/v1/accounts/nobody", nil, withHeader("X-Request-Id", "trace-123"))
	r := f.must(200, "GET", "/metrics", nil)
	for _, want := range []string{
		`flick_http_request_duration_seconds_count{route="GET /healthz",status="200"} 1`,
		`route="GET /api/v1/accounts/{handle}",status="404"`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Fatalf("metrics lack %s", want)
		}
	}
	if !strings.Contains(f.logBuf.String(), "request_id=trace-123") {
		t.Fatal("access log lacks the client's request id")
	}
	f.store.Close()
	f.must(503, "GET", "/readyz", nil)
}

// TestGarbage throws malformed requests at the server: each must get a JSON
// error (the fixture checks the shape), never a panic or a 500.
func TestGarbage(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	v := f.readyVideo(ann, "target")
	bodies := []string{"", "null", "{", "[]", `"str"`, "1e999", `{"handle":null}`, "\xff\xfe", strings.Repeat("[", 10000),
		`{"text":{"nested":true}}`, `[{"type":"view","video_id":null}]`}
	paths := []struct{ method, path string }{
		{"POST", "/api/v1/accounts"}, {"POST", "/api/v1/sessions"}, {"PATCH", "/api/v1/me"},
		{"POST", "/api/v1/videos/" + v.ID + "/comments"}, {"POST", "/api/v1/events"}, {"PUT", "/api/v1/me/avatar"},
		{"POST", "/api/v1/videos"},
	}
	for _, p := range paths {
		for i, b := range bodies {
			t.Run(fmt.Sprintf("%s %s #%d", p.method, p.path, i), func(t *testing.T) {
				r := f.request(p.method, p.path, []byte(b), bearer(ann.Token), withHeader("Content-Type", "application/json"))
				if r.StatusCode >= 500 {
					t.Fatalf("status %d: %s", r.StatusCode, r.body)
				}
			})
		}
	}
	for _, path := range []string{
		"/api/v1/nope", "/api/v1/videos/" + v.ID + "/nope", "/api/v1/accounts/%00", "/api/v1/hashtags/%ff/videos",
		"/api/v1/videos/" + v.ID + "/comments?limit=99999999999999999999", "/api/v1/search?q=%00",
		"/api/v1/feed/foryou?cursor=" + strings.Repeat("z", 500), "/api/v1/feed/foryou?cursor=" + strings.Repeat("z", 9000), "/api/v1/search?q=%22%27%3B--",
	} {
		t.Run("GET "+path, func(t *testing.T) {
			if r := f.request("GET", path, nil, bearer(ann.Token)); r.StatusCode >= 500 || r.StatusCode < 400 && !strings.Contains(path, "q=%22") {
				t.Fatalf("status %d: %s", r.StatusCode, r.body)
			}
		})
	}
	t.Run("wrong method", func(t *testing.T) {
		f.must(405, "PUT", "/api/v1/videos/"+v.ID, nil, bearer(ann.Token))
	})
	if strings.Contains(f.logBuf.String(), "panic") {
		t.Fatalf("a request panicked:\n%s", f.logBuf.String())
	}
}

func TestPanicRecovery(t *testing.T) {
	f := newFixture(t)
	h := f.srv.instrument(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/x", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":"internal"`) || strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("panic answer %d %s", rec.Code, rec.Body)
	}
}

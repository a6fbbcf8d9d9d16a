package httpapi

import (
	"bytes"
	"image"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/testenv"
)

// TestEditVideo: only the author edits, pins and unpins; bad input is
// refused with the right status and changes nothing; a new caption is what
// search and hashtag pages find; comments turned off refuse new ones and
// keep the old ones readable.
func TestEditVideo(t *testing.T) {
	f := newFixture(t)
	ann, bob := f.signUp("ann"), f.signUp("bob")
	v := f.readyVideo(ann, "first #Old words")
	path := "/api/v1/videos/" + v.ID
	f.must(201, "POST", path+"/comments", map[string]string{"text": "before the switch"}, bearer(bob.Token))

	f.must(401, "PATCH", path, map[string]string{"caption": "x"})
	f.must(403, "PATCH", path, map[string]string{"caption": "mine now"}, bearer(bob.Token))
	f.must(403, "PUT", path+"/pin", nil, bearer(bob.Token))
	f.must(403, "DELETE", path+"/pin", nil, bearer(bob.Token))
	f.must(404, "PATCH", "/api/v1/videos/"+flick.NewID(v.CreatedAt), map[string]string{"caption": "x"}, bearer(ann.Token))
	f.must(404, "PATCH", "/api/v1/videos/..%2F..%2Fetc", map[string]string{"caption": "x"}, bearer(ann.Token))

	long := strings.Repeat("é", flick.MaxCaptionRunes+1)
	for _, tc := range []struct {
		name   string
		body   any
		status int
	}{
		{"unknown visibility", map[string]any{"visibility": "everyone", "caption": "changed"}, 400},
		{"visibility not a string", map[string]any{"visibility": 2}, 400},
		{"unknown field", map[string]any{"caption": "changed", "status": "failed"}, 400},
		{"caption too long", map[string]any{"caption": long, "visibility": "private"}, 422},
		{"caption with bidi controls", map[string]any{"caption": "a\u202eb"}, 400},
		{"cover past the end", map[string]any{"cover_ms": v.DurationMS, "caption": "changed"}, 422},
		{"negative cover", map[string]any{"cover_ms": -1}, 422},
		{"comments_enabled not a boolean", map[string]any{"comments_enabled": "no"}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.must(tc.status, "PATCH", path, tc.body, bearer(ann.Token))
			var got videoJSON
			f.must(200, "GET", path, nil).decode(t, &got)
			if got.Caption != v.Caption || got.Visibility != flick.VisibilityPublic || !got.CommentsEnabled ||
				got.PosterURL != v.PosterURL || got.CoverMS != v.CoverMS {
				t.Fatalf("a refused edit changed the video: %+v", got.Video)
			}
		})
	}

	var got videoJSON
	f.must(200, "PATCH", path, map[string]any{"caption": "  renamed #New about zebras  ", "comments_enabled": false},
		bearer(ann.Token)).decode(t, &got)
	if got.Caption != "renamed #New about zebras" || !slices.Equal(got.Hashtags, []string{"new"}) || got.CommentsEnabled {
		t.Fatalf("after the edit: %+v comments %v", got.Video, got.CommentsEnabled)
	}
	var page listJSON[videoJSON]
	f.must(200, "GET", "/api/v1/hashtags/old/videos", nil).decode(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("the old hashtag still lists the video")
	}
	f.must(200, "GET", "/api/v1/hashtags/new/videos", nil).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != v.ID {
		t.Errorf("the new hashtag lists %d videos", len(page.Items))
	}
	var found searchResponse
	f.must(200, "GET", "/api/v1/search?q=zebras", nil).decode(t, &found)
	if len(found.Videos) != 1 {
		t.Errorf("search for the new caption found %d videos", len(found.Videos))
	}

	r := f.must(403, "POST", path+"/comments", map[string]string{"text": "after the switch"}, bearer(bob.Token))
	if !strings.Contains(string(r.body), "Comments are turned off") {
		t.Errorf("refused comment: %s", r.body)
	}
	var comments listJSON[flick.Comment]
	f.must(200, "GET", path+"/comments", nil).decode(t, &comments)
	if len(comments.Items) != 1 || comments.Items[0].Text != "before the switch" {
		t.Errorf("existing comments after turning comments off: %+v", comments.Items)
	}

	// Pins: three at most, the fourth refused with a sentence; pinned ones
	// lead the profile.
	var vs []*flick.Video
	for range flick.MaxPinned {
		vs = append(vs, f.readyVideo(ann, "more"))
	}
	f.must(200, "PUT", path+"/pin", nil, bearer(ann.Token)).decode(t, &got)
	if !got.Pinned {
		t.Fatalf("pin answered %+v", got.Video)
	}
	f.must(200, "PUT", "/api/v1/videos/"+vs[0].ID+"/pin", nil, bearer(ann.Token))
	f.must(200, "PUT", "/api/v1/videos/"+vs[1].ID+"/pin", nil, bearer(ann.Token))
	r = f.must(409, "PUT", "/api/v1/videos/"+vs[2].ID+"/pin", nil, bearer(ann.Token))
	if !strings.Contains(string(r.body), "at most 3") {
		t.Errorf("fourth pin: %s", r.body)
	}
	f.must(200, "GET", "/api/v1/accounts/ann/videos", nil).decode(t, &page)
	var order []string
	for _, it := range page.Items {
		order = append(order, it.ID)
	}
	if want := []string{vs[1].ID, vs[0].ID, v.ID, vs[2].ID}; !slices.Equal(order, want) {
		t.Errorf("profile order %v, want the pinned first %v", order, want)
	}
	f.must(200, "DELETE", path+"/pin", nil, bearer(ann.Token)).decode(t, &got)
	if got.Pinned {
		t.Errorf("unpin answered pinned")
	}
	f.must(200, "PUT", "/api/v1/videos/"+vs[2].ID+"/pin", nil, bearer(ann.Token))
}

// viewerKind is who looks at a video in TestVisibilityEverywhere.
type viewerKind struct {
	name string
	opts []reqOption
}

// TestVisibilityEverywhere walks every listing and the media for a public,
// a followers-only and a private video, as the author, a follower, a
// stranger and a signed-out visitor. The two non-public videos start public
// (so that For You's catalogue and Trending's kept ranking know them) and
// are then changed through the API: what is cached must not leak them.
func TestVisibilityEverywhere(t *testing.T) {
	f := newFixture(t)
	author, follower, stranger := f.signUp("author"), f.signUp("follower"), f.signUp("stranger")
	f.must(200, "POST", "/api/v1/accounts/author/follow", nil, bearer(follower.Token))
	vids := map[flick.Visibility]*flick.Video{}
	for _, vis := range []flick.Visibility{flick.VisibilityPublic, flick.VisibilityFollowers, flick.VisibilityPrivate} {
		v := f.readyVideo(author, "seen by "+string(vis)+" #vistest vistestword")
		// Engagement, so that Trending ranks every one of them.
		f.must(200, "POST", "/api/v1/videos/"+v.ID+"/like", nil, bearer(stranger.Token))
		vids[vis] = v
	}
	var tr trendingResponse
	f.must(200, "GET", "/api/v1/trending", nil).decode(t, &tr)
	if len(tr.Videos) != 3 {
		t.Fatalf("trending before the change lists %d videos, want all 3", len(tr.Videos))
	}
	for _, vis := range []flick.Visibility{flick.VisibilityFollowers, flick.VisibilityPrivate} {
		f.must(200, "PATCH", "/api/v1/videos/"+vids[vis].ID, map[string]string{"visibility": string(vis)}, bearer(author.Token))
	}

	viewers := []viewerKind{
		{"author", []reqOption{bearer(author.Token)}},
		{"follower", []reqOption{bearer(follower.Token)}},
		{"stranger", []reqOption{bearer(stranger.Token)}},
		{"signed out", nil},
		{"author by cookie", []reqOption{withCookie(f, author.Token)}},
		{"follower by cookie", []reqOption{withCookie(f, follower.Token)}},
	}
	// may says who may see a video of each visibility.
	may := map[flick.Visibility]map[string]bool{
		flick.VisibilityPublic:    {"author": true, "follower": true, "stranger": true, "signed out": true, "author by cookie": true, "follower by cookie": true},
		flick.VisibilityFollowers: {"author": true, "follower": true, "author by cookie": true, "follower by cookie": true},
		flick.VisibilityPrivate:   {"author": true, "author by cookie": true},
	}
	// Each listing returns the IDs it lists, and says which of the videos
	// the viewer may see it would list: the public listings (For You,
	// Trending, search, hashtags) only public videos, the Following feed
	// public and followers-only videos of followed accounts, the profile
	// everything the viewer may see.
	listings := []struct {
		name   string
		ids    func(t *testing.T, opts []reqOption) []string
		listed func(vis flick.Visibility, viewer string) bool
	}{
		{"for you", func(t *testing.T, opts []reqOption) []string {
			var p listJSON[feedItemJSON]
			f.must(200, "GET", "/api/v1/feed/foryou?limit=50", nil, opts...).decode(t, &p)
			return feedIDs(p.Items)
		}, nil},
		{"trending", func(t *testing.T, opts []reqOption) []string {
			var p trendingResponse
			f.must(200, "GET", "/api/v1/trending", nil, opts...).decode(t, &p)
			return videoIDs(p.Videos)
		}, func(vis flick.Visibility, _ string) bool { return vis == flick.VisibilityPublic }},
		{"search", func(t *testing.T, opts []reqOption) []string {
			var p searchResponse
			f.must(200, "GET", "/api/v1/search?q=vistestword", nil, opts...).decode(t, &p)
			return videoIDs(p.Videos)
		}, func(vis flick.Visibility, _ string) bool { return vis == flick.VisibilityPublic }},
		{"hashtag", func(t *testing.T, opts []reqOption) []string {
			var p listJSON[videoJSON]
			f.must(200, "GET", "/api/v1/hashtags/vistest/videos", nil, opts...).decode(t, &p)
			return videoIDs(p.Items)
		}, func(vis flick.Visibility, _ string) bool { return vis == flick.VisibilityPublic }},
		{"following", func(t *testing.T, opts []reqOption) []string {
			r := f.request("GET", "/api/v1/feed/following", nil, opts...)
			if r.StatusCode == http.StatusUnauthorized {
				return nil
			}
			var p listJSON[feedItemJSON]
			r.decode(t, &p)
			return feedIDs(p.Items)
		}, func(vis flick.Visibility, viewer string) bool {
			return strings.HasPrefix(viewer, "follower") && vis != flick.VisibilityPrivate
		}},
		{"profile", func(t *testing.T, opts []reqOption) []string {
			var p listJSON[videoJSON]
			f.must(200, "GET", "/api/v1/accounts/author/videos", nil, opts...).decode(t, &p)
			return videoIDs(p.Items)
		}, func(vis flick.Visibility, viewer string) bool { return may[vis][viewer] }},
	}
	for _, l := range listings {
		for _, vw := range viewers {
			t.Run(l.name+"/"+vw.name, func(t *testing.T) {
				got := l.ids(t, vw.opts)
				for vis, v := range vids {
					listed := slices.Contains(got, v.ID)
					if listed && !may[vis][vw.name] {
						t.Errorf("%s video listed to %s", vis, vw.name)
					}
					// For You ranks and explores: it need not list even a
					// public video, but never more than that.
					if l.listed != nil && listed != l.listed(vis, vw.name) {
						t.Errorf("%s video listed %v, want %v", vis, listed, !listed)
					}
					if l.listed == nil && listed && vis != flick.VisibilityPublic {
						t.Errorf("%s video in For You", vis)
					}
				}
			})
		}
	}
	// The video itself, what hangs off it, and its media.
	for vis, v := range vids {
		for _, vw := range viewers {
			t.Run("video/"+string(vis)+"/"+vw.name, func(t *testing.T) {
				want := http.StatusNotFound
				if may[vis][vw.name] {
					want = http.StatusOK
				}
				f.must(want, "GET", "/api/v1/videos/"+v.ID, nil, vw.opts...)
				f.must(want, "GET", "/api/v1/videos/"+v.ID+"/comments", nil, vw.opts...)
				for _, url := range []string{v.PosterURL, v.Renditions[0].URL} {
					r := f.must(want, "GET", url, nil, vw.opts...)
					cc := r.Header.Get("Cache-Control")
					if want == http.StatusOK && (vis == flick.VisibilityPublic) == strings.HasPrefix(cc, "private") {
						t.Errorf("%s: Cache-Control %q for a %s video", url, cc, vis)
					}
				}
				if vw.opts != nil && !may[vis][vw.name] {
					f.must(404, "POST", "/api/v1/videos/"+v.ID+"/like", nil, vw.opts...)
					f.must(404, "POST", "/api/v1/videos/"+v.ID+"/comments", map[string]string{"text": "hi"}, vw.opts...)
					f.must(404, "PATCH", "/api/v1/videos/"+v.ID, map[string]string{"caption": "hi"}, vw.opts...)
				}
			})
		}
	}
}

func videoIDs(vs []videoJSON) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

func feedIDs(items []feedItemJSON) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// TestCoverFrame uploads a clip whose every frame differs (a moving test
// pattern with a clock) with a chosen cover time, then chooses another
// through PATCH, and compares each poster served with frames ffmpeg
// decodes from the clip at both times: each poster must be the frame of
// its time, not of the other, and the old poster must be gone.
func TestCoverFrame(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	f := newFixture(t)
	ann := f.signUp("ann")
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=144x256:rate=15:duration=4", "-pix_fmt", "yuv420p", clip)
	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	const first, second = 500, 3000
	body, ct := multipartBody(t, [2]string{"cover_ms", "500"}, [2]string{"visibility", "followers"},
		[2]string{"comments_enabled", "false"}, [2]string{"file", string(data)})
	var v videoJSON
	f.must(202, "POST", "/api/v1/videos", body, bearer(ann.Token), ct).decode(t, &v)
	if v.CoverMS != first || v.Visibility != flick.VisibilityFollowers || v.CommentsEnabled {
		t.Fatalf("upload answer: cover %d visibility %q comments %v", v.CoverMS, v.Visibility, v.CommentsEnabled)
	}
	deadline := time.Now().Add(60 * time.Second)
	for v.Status == flick.StatusProcessing && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		f.must(200, "GET", "/api/v1/videos/"+v.ID, nil, bearer(ann.Token)).decode(t, &v)
	}
	if v.Status != flick.StatusReady {
		t.Fatalf("video did not become ready: %+v", v.Video)
	}
	ref := map[int]image.Image{}
	for _, ms := range []int{first, second} {
		ref[ms] = testenv.FrameAt(t, clip, ms, 144, 256)
	}
	closest := func(url string) int {
		t.Helper()
		r := f.must(200, "GET", url, nil, bearer(ann.Token))
		img, _, err := image.Decode(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("poster %s: %v", url, err)
		}
		d1, d2 := testenv.LumaDistance(t, img, ref[first]), testenv.LumaDistance(t, img, ref[second])
		t.Logf("poster %s: distance %.1f to the frame at %d ms, %.1f to the frame at %d ms", url, d1, first, d2, second)
		if d1 < d2 {
			return first
		}
		return second
	}
	if got := closest(v.PosterURL); got != first {
		t.Fatalf("the uploaded poster shows the frame at %d ms, want %d", got, first)
	}
	f.must(422, "PATCH", "/api/v1/videos/"+v.ID, map[string]any{"cover_ms": v.DurationMS + 1}, bearer(ann.Token))
	old := v.PosterURL
	f.must(200, "PATCH", "/api/v1/videos/"+v.ID, map[string]any{"cover_ms": second}, bearer(ann.Token)).decode(t, &v)
	if v.CoverMS != second || v.PosterURL == old {
		t.Fatalf("after the new cover: cover %d poster %q (was %q)", v.CoverMS, v.PosterURL, old)
	}
	if got := closest(v.PosterURL); got != second {
		t.Fatalf("the new poster shows the frame at %d ms, want %d", got, second)
	}
	f.must(404, "GET", old, nil, bearer(ann.Token))
	var posters []string
	for _, p := range f.files() {
		if strings.Contains(filepath.Base(p), "poster") {
			posters = append(posters, filepath.Base(p))
		}
	}
	if len(posters) != 1 {
		t.Errorf("poster files %v, want the new one only", posters)
	}
}

func ffmpeg(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", append([]string{"-v", "error", "-y"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

package web

import (
	"context"
	"html"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqlite"
)

// TestLinkPreviews renders the preview tags of a region's real store: a
// ready video's, escaped (captions are user input), with HTTPS URLs from
// the origin; none and a 404 for a video still processing, an unknown
// video and an unknown handle.
func TestLinkPreviews(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "flick.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := &flick.Account{Handle: "ines", DisplayName: `Inès "the" <eye>`, Birthdate: "2000-01-01"}
	if err := db.CreateAccount(ctx, a, "hash"); err != nil {
		t.Fatal(err)
	}
	caption := `"><script>alert(1)</script> & <b>bold</b> #tag`
	ready := &flick.Video{AuthorID: a.ID, Caption: caption, DurationMS: 5000, Width: 1080, Height: 1920}
	processing := &flick.Video{AuthorID: a.ID, Caption: "soon", DurationMS: 5000, Width: 1080, Height: 1920}
	for _, v := range []*flick.Video{ready, processing} {
		if err := db.CreateVideo(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []flick.Rendition{{Name: "360p", Width: 360, Height: 640}, {Name: "720p", Width: 720, Height: 1280}} {
		r.Key, r.Mime, r.Bitrate, r.Size = "videos/"+ready.ID+"/"+r.Name+".mp4", "video/mp4", 1, 1
		if err := db.AddRendition(ctx, ready.ID, flick.RenditionUpdate{Rendition: r, PosterKey: "videos/" + ready.ID + "/poster.jpg", Ready: true}); err != nil {
			t.Fatal(err)
		}
	}
	h := newHandlerWith(t, Config{Previews: db, Origin: func(*http.Request) string { return "https://flick.example" }})

	rec := get(t, h, "GET", "/v/"+ready.ID, nil)
	page := rec.Body.String()
	if rec.Code != 200 || strings.Contains(page, "<script>alert") || strings.Contains(page, "<b>bold") {
		t.Fatalf("/v/%s: %d, caption unescaped:\n%s", ready.ID, rec.Code, page)
	}
	tags := previewTags(page)
	for k, want := range map[string]string{
		"og:title": `Inès "the" <eye> (@ines) on Flick`, "og:description": caption, "og:url": "https://flick.example/v/" + ready.ID,
		"og:image":            "https://flick.example" + flick.MediaURL("videos/"+ready.ID+"/poster.jpg"),
		"og:video":            "https://flick.example" + flick.MediaURL("videos/"+ready.ID+"/720p.mp4"),
		"og:video:secure_url": "https://flick.example" + flick.MediaURL("videos/"+ready.ID+"/720p.mp4"),
		"og:video:width":      "720", "og:video:height": "1280", "og:video:type": "video/mp4", "twitter:card": "summary_large_image",
	} {
		if tags[k] != want {
			t.Errorf("%s = %q, want %q", k, tags[k], want)
		}
	}
	profile := previewTags(get(t, h, "GET", "/@ines", nil).Body.String())
	if profile["og:type"] != "profile" || profile["og:image"] != "https://flick.example"+h.assets.URL("icons/icon-512.png") {
		t.Errorf("profile tags %v", profile)
	}
	for _, path := range []string{"/v/" + processing.ID, "/v/" + flick.NewID(time.Now()), "/@nobody"} {
		rec := get(t, h, "GET", path, nil)
		if tags := previewTags(rec.Body.String()); rec.Code != 404 || len(tags) != 0 {
			t.Errorf("%s: %d with %v, want 404 without tags", path, rec.Code, tags)
		}
	}
}

var previewRE = regexp.MustCompile(`<meta (?:property|name)="((?:og|twitter|profile):[^"]+)" content="([^"]*)">`)

func previewTags(page string) map[string]string {
	tags := map[string]string{}
	for _, m := range previewRE.FindAllStringSubmatch(page, -1) {
		tags[m[1]] = html.UnescapeString(m[2])
	}
	return tags
}

package storetest

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

func testVideoLifecycle(t *testing.T, f *fixture) {
	a, b := f.account("vic"), f.account("val")
	v := f.video(a, "First #Cats and #dogs with @ann #cats")
	got := f.getVideo(v.ID)
	if got.Status != flick.StatusProcessing || got.Progress != 0 || got.Caption != v.Caption ||
		got.Author != (flick.AccountRef{ID: a.ID, Handle: "vic", DisplayName: a.DisplayName}) || got.AuthorID != a.ID ||
		!slices.Equal(got.Hashtags, []string{"cats", "dogs"}) || !slices.Equal(got.Mentions, []string{"ann"}) ||
		got.Width != 1080 || got.Height != 1920 || got.DurationMS != 15000 || got.OriginalKey != v.OriginalKey ||
		!got.CreatedAt.Equal(v.CreatedAt) || len(got.Renditions) != 0 || got.PosterURL != "" || got.Complete ||
		got.Counts != (flick.Counts{}) {
		t.Fatalf("new video = %+v", got)
	}
	f.wantListed("processing video, default filter", flick.VideoFilter{AuthorIDs: []string{a.ID}})
	f.wantListed("processing video, all statuses", flick.VideoFilter{AuthorIDs: []string{a.ID}, AllStatuses: true}, v)
	if vs, err := f.all.Videos(f.ctx, []string{v.ID}); err != nil || len(vs) != 0 {
		t.Errorf("Videos returned a processing video: %v %v", ids(vs), err)
	}
	f.wantProcessing(v)

	for want := 1; want <= 2; want++ {
		attempt, err := f.of(v.ID).StartTranscode(f.ctx, v.ID)
		f.must(err)
		if attempt != want {
			t.Errorf("StartTranscode = %d, want %d", attempt, want)
		}
	}
	f.must(f.of(v.ID).SetProgress(f.ctx, v.ID, 40))
	if got := f.getVideo(v.ID); got.Progress != 40 || got.Attempts != 2 {
		t.Errorf("progress %d attempts %d, want 40 and 2", got.Progress, got.Attempts)
	}

	// Renditions arrive out of order; the first one that is playable makes
	// the video ready, the last one completes the ladder.
	f.must(f.of(v.ID).AddRendition(f.ctx, v.ID, flick.RenditionUpdate{Rendition: rendition(v.ID, 720)}))
	if got := f.getVideo(v.ID); got.Status != flick.StatusProcessing || len(got.Renditions) != 1 {
		t.Errorf("after a rendition without Ready: status %s, %d renditions", got.Status, len(got.Renditions))
	}
	poster := "videos/" + v.ID + "/poster.jpg"
	f.must(f.of(v.ID).AddRendition(f.ctx, v.ID, flick.RenditionUpdate{Rendition: rendition(v.ID, 360), PosterKey: poster, Ready: true}))
	got = f.getVideo(v.ID)
	if got.Status != flick.StatusReady || got.Progress != 100 || got.PosterKey != poster ||
		got.PosterURL != flick.MediaURL(poster) || got.Complete {
		t.Errorf("after the first ready rendition: %+v", got)
	}
	f.wantProcessing(v) // ready but not complete: the transcoder still owes renditions
	if acc := f.getAccount(a.ID); acc.VideoCount != 1 {
		t.Errorf("VideoCount = %d, want 1", acc.VideoCount)
	}
	f.must(f.of(v.ID).SetProgress(f.ctx, v.ID, 10))
	if got := f.getVideo(v.ID); got.Progress != 100 {
		t.Errorf("SetProgress moved a ready video's progress to %d", got.Progress)
	}
	replaced := rendition(v.ID, 360)
	replaced.Size = 42
	f.must(f.of(v.ID).AddRendition(f.ctx, v.ID, flick.RenditionUpdate{Rendition: replaced}))
	f.must(f.of(v.ID).AddRendition(f.ctx, v.ID, flick.RenditionUpdate{Rendition: rendition(v.ID, 1080), Complete: true}))
	got = f.getVideo(v.ID)
	var heights []int
	for _, r := range got.Renditions {
		heights = append(heights, r.Height)
		if r.URL != flick.MediaURL(r.Key) || r.Mime != "video/mp4" || r.Bitrate == 0 || r.Width == 0 {
			t.Errorf("rendition %+v", r)
		}
	}
	if !slices.Equal(heights, []int{640, 1280, 1920}) || got.Renditions[0].Size != 42 || !got.Complete {
		t.Errorf("renditions by height %v (want 640 1280 1920, the 360p replaced), complete %v", heights, got.Complete)
	}
	f.wantProcessing()

	for _, r := range []flick.Rendition{{}, {Name: "x", Key: "k", Width: 0, Height: 10}, {Name: "", Key: "k", Width: 1, Height: 1}} {
		f.wantCode(f.of(v.ID).AddRendition(f.ctx, v.ID, flick.RenditionUpdate{Rendition: r, Ready: true}), flick.EINVALID, "invalid rendition")
	}

	// A video that plays is never failed: a job that read it before it
	// became ready, and then failed, leaves it playing.
	f.wantCode(f.of(v.ID).SetFailed(f.ctx, v.ID, "late failure"), flick.ECONFLICT, "SetFailed on a ready video")
	if got := f.getVideo(v.ID); got.Status != flick.StatusReady || got.Failure != "" {
		t.Errorf("after SetFailed on a ready video: status %s failure %q", got.Status, got.Failure)
	}

	// A failed video leaves the resume list; a new attempt brings it back.
	w := f.video(a, "doomed")
	f.must(f.of(w.ID).SetFailed(f.ctx, w.ID, "Decoder error: "+strings.Repeat("x", 5000)))
	got = f.getVideo(w.ID)
	if got.Status != flick.StatusFailed || !strings.HasPrefix(got.Failure, "Decoder error: xx") {
		t.Errorf("failed video: status %s failure %.40q", got.Status, got.Failure)
	}
	f.wantProcessing()
	if _, err := f.of(w.ID).StartTranscode(f.ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.getVideo(w.ID); got.Status != flick.StatusProcessing || got.Failure != "" {
		t.Errorf("retried video: status %s failure %q", got.Status, got.Failure)
	}
	f.wantProcessing(w)
	if acc := f.getAccount(a.ID); acc.VideoCount != 1 {
		t.Errorf("VideoCount = %d, want 1 (ready videos only)", acc.VideoCount)
	}

	at := f.tick()
	for _, tc := range []struct {
		name string
		v    *flick.Video
		code string
	}{
		{"duplicate id", &flick.Video{ID: v.ID, AuthorID: a.ID, CreatedAt: at}, flick.ECONFLICT},
		{"another author's id", &flick.Video{ID: v.ID, AuthorID: b.ID, CreatedAt: at}, flick.ECONFLICT},
		{"unknown author", &flick.Video{ID: flick.NewID(at), AuthorID: flick.NewID(at), CreatedAt: at}, flick.ENOTFOUND},
		{"bad id", &flick.Video{ID: "../../etc/passwd", AuthorID: a.ID, CreatedAt: at}, flick.EINVALID},
		{"long caption", &flick.Video{AuthorID: a.ID, Caption: strings.Repeat("a", flick.MaxCaptionRunes+1)}, flick.EUNPROCESSABLE},
		{"control characters", &flick.Video{AuthorID: a.ID, Caption: "a\x1b[31mred"}, flick.EINVALID},
	} {
		f.wantCode(f.home(tc.v.AuthorID).CreateVideo(f.ctx, tc.v), tc.code, tc.name)
	}
	f.wantListed("after refused creates", flick.VideoFilter{AuthorIDs: []string{a.ID, b.ID}, AllStatuses: true}, w, v)
}

// wantListed checks the first page of ListVideos with filter.
func (f *fixture) wantListed(name string, filter flick.VideoFilter, want ...*flick.Video) {
	f.t.Helper()
	got, _, err := f.all.ListVideos(f.ctx, filter, flick.Page{Limit: flick.MaxPageSize})
	f.must(err)
	if !slices.Equal(ids(got), ids(want)) {
		f.t.Errorf("%s: listed %v, want %v", name, ids(got), ids(want))
	}
}

// wantProcessing checks the transcoders' resume lists, every region's
// together, oldest first.
func (f *fixture) wantProcessing(want ...*flick.Video) {
	f.t.Helper()
	var got []*flick.Video
	for _, r := range f.regions {
		vs, err := r.Store.ProcessingVideos(f.ctx)
		f.must(err)
		got = append(got, vs...)
	}
	slices.SortFunc(got, func(a, b *flick.Video) int { return strings.Compare(a.ID, b.ID) })
	if !slices.Equal(ids(got), ids(want)) {
		f.t.Errorf("ProcessingVideos = %v, want %v", ids(got), ids(want))
	}
}

func testVideoNotFound(t *testing.T, f *fixture) {
	a := f.account("nina")
	missing := flick.NewID(f.tick())
	ops := []struct {
		name string
		fn   func() error
	}{
		{"Video", func() error { _, err := f.all.Video(f.ctx, missing); return err }},
		{"Video junk id", func() error { _, err := f.all.Video(f.ctx, "'; DROP TABLE videos; --"); return err }},
		{"StartTranscode", func() error { _, err := f.of(missing).StartTranscode(f.ctx, missing); return err }},
		{"SetProgress", func() error { return f.of(missing).SetProgress(f.ctx, missing, 50) }},
		{"AddRendition", func() error {
			return f.of(missing).AddRendition(f.ctx, missing, flick.RenditionUpdate{Rendition: rendition(missing, 360), Ready: true})
		}},
		{"SetFailed", func() error { return f.of(missing).SetFailed(f.ctx, missing, "x") }},
		{"DeleteVideo", func() error { return f.of(missing).DeleteVideo(f.ctx, missing) }},
		{"Like", func() error { _, err := f.home(a.ID).Like(f.ctx, a.ID, missing, f.tick()); return err }},
		{"CreateComment", func() error {
			return f.home(a.ID).CreateComment(f.ctx, &flick.Comment{VideoID: missing, AuthorID: a.ID, Text: "hi"})
		}},
		{"Comments", func() error { _, _, err := f.all.Comments(f.ctx, missing, "", flick.Page{}); return err }},
	}
	for _, op := range ops {
		f.run(op.name, func(f *fixture) { f.wantCode(op.fn(), flick.ENOTFOUND, op.name) })
	}
	f.wantProcessing()
}

func testListVideosPagination(t *testing.T, f *fixture) {
	a, b := f.account("pam"), f.account("pat")
	var all, byA []*flick.Video
	for i := range 23 {
		author := a
		if i%3 == 0 {
			author = b
		}
		v := f.readyVideo(author, "clip")
		all = append(all, v)
		if author == a {
			byA = append(byA, v)
		}
		if i%5 == 0 {
			f.video(a, "still processing") // must never show up, nor shift pages
		}
	}
	for _, tc := range []struct {
		filter flick.VideoFilter
		want   []string
	}{
		{flick.VideoFilter{}, ids(newestFirst(all...))},
		{flick.VideoFilter{AuthorIDs: []string{a.ID}}, ids(newestFirst(byA...))},
	} {
		for _, limit := range []int{1, 7, 16, 23, 50} {
			var got []string
			cursor, pages := "", 0
			for {
				page, next, err := f.all.ListVideos(f.ctx, tc.filter, flick.Page{Limit: limit, Cursor: cursor})
				f.must(err)
				if len(page) > limit {
					t.Fatalf("limit %d: page of %d", limit, len(page))
				}
				got = append(got, ids(page)...)
				if pages++; next == "" || pages > 30 {
					break
				}
				cursor = next
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("authors %v, limit %d: pages joined to %v, want %v", tc.filter.AuthorIDs, limit, got, tc.want)
			}
			if wantPages := (len(tc.want) + limit - 1) / limit; pages != wantPages {
				t.Errorf("limit %d: %d pages, want %d (next must be empty on the last page)", limit, pages, wantPages)
			}
		}
	}
	page, _, err := f.all.ListVideos(f.ctx, flick.VideoFilter{}, flick.Page{})
	f.must(err)
	if len(page) != flick.DefaultPageSize {
		t.Errorf("default page size: %d videos", len(page))
	}
	for _, cursor := range []string{"garbage", "' OR 1=1 --", all[0].ID + "x", strings.ToUpper(all[0].ID)} {
		_, _, err := f.all.ListVideos(f.ctx, flick.VideoFilter{}, flick.Page{Cursor: cursor})
		f.wantCode(err, flick.EINVALID, "cursor "+cursor)
	}
}

func testListVideosFilters(t *testing.T, f *fixture) {
	a, b := f.account("quinn"), f.account("quincy")
	cats := f.readyVideo(a, "My kittens #Cats #cute")
	dogs := f.readyVideo(b, "Good boy #dogs #cute")
	both := f.readyVideo(b, "Friends forever: kittens and puppies #cats #dogs")
	hidden := f.video(a, "Not ready yet #cats kittens")
	failed := f.video(b, "Broken #cats kittens")
	f.must(f.of(failed.ID).SetFailed(f.ctx, failed.ID, "bad"))

	tests := []struct {
		name   string
		filter flick.VideoFilter
		want   []*flick.Video
	}{
		{"everything ready", flick.VideoFilter{}, []*flick.Video{both, dogs, cats}},
		{"all statuses", flick.VideoFilter{AllStatuses: true}, []*flick.Video{failed, hidden, both, dogs, cats}},
		{"one author", flick.VideoFilter{AuthorIDs: []string{b.ID}}, []*flick.Video{both, dogs}},
		{"two authors", flick.VideoFilter{AuthorIDs: []string{a.ID, b.ID}}, []*flick.Video{both, dogs, cats}},
		{"no authors", flick.VideoFilter{AuthorIDs: []string{}}, nil},
		{"unknown author", flick.VideoFilter{AuthorIDs: []string{flick.NewID(f.tick())}}, nil},
		{"hashtag", flick.VideoFilter{Hashtag: "cats"}, []*flick.Video{both, cats}},
		{"hashtag as typed", flick.VideoFilter{Hashtag: "#CATS"}, []*flick.Video{both, cats}},
		{"hashtag all statuses", flick.VideoFilter{Hashtag: "cats", AllStatuses: true}, []*flick.Video{failed, hidden, both, cats}},
		{"unknown hashtag", flick.VideoFilter{Hashtag: "birds"}, nil},
		{"hashtag wildcard", flick.VideoFilter{Hashtag: "%"}, nil},
		{"hashtag and author", flick.VideoFilter{Hashtag: "cute", AuthorIDs: []string{a.ID}}, []*flick.Video{cats}},
		{"query word", flick.VideoFilter{Query: "kittens"}, []*flick.Video{both, cats}},
		{"query case", flick.VideoFilter{Query: "KITTENS"}, []*flick.Video{both, cats}},
		{"query prefix", flick.VideoFilter{Query: "kitt"}, []*flick.Video{both, cats}},
		{"query hashtag", flick.VideoFilter{Query: "#dogs"}, []*flick.Video{both, dogs}},
		{"query two words", flick.VideoFilter{Query: "kittens puppies"}, []*flick.Video{both}},
		{"query no match", flick.VideoFilter{Query: "giraffe"}, nil},
		{"query and hashtag", flick.VideoFilter{Query: "good", Hashtag: "cute"}, []*flick.Video{dogs}},
		{"query all statuses", flick.VideoFilter{Query: "broken", AllStatuses: true}, []*flick.Video{failed}},
	}
	for _, tc := range tests {
		f.run(tc.name, func(f *fixture) { f.wantListed(tc.name, tc.filter, tc.want...) })
	}
}

func testVideosByID(t *testing.T, f *fixture) {
	a, b := f.account("rae"), f.account("ray")
	v1, v2, v3 := f.readyVideo(a, "one #a"), f.readyVideo(b, "two #b"), f.readyVideo(a, "three")
	processing := f.video(a, "four")
	got, err := f.all.Videos(f.ctx, []string{v3.ID, flick.NewID(f.tick()), v1.ID, processing.ID, v3.ID, "junk", v2.ID})
	f.must(err)
	if want := []string{v3.ID, v1.ID, v2.ID}; !slices.Equal(ids(got), want) {
		t.Fatalf("Videos = %v, want %v", ids(got), want)
	}
	for i, v := range got {
		if len(v.Renditions) != 1 || v.PosterURL == "" || v.Author.Handle != []string{"rae", "rae", "ray"}[i] {
			t.Errorf("video %s lacks details: %+v", v.ID, v)
		}
	}
	if !slices.Equal(got[1].Hashtags, []string{"a"}) || !slices.Equal(got[2].Hashtags, []string{"b"}) || len(got[0].Hashtags) != 0 {
		t.Errorf("hashtags mixed up: %v %v %v", got[0].Hashtags, got[1].Hashtags, got[2].Hashtags)
	}
	got, err = f.all.Videos(f.ctx, nil)
	f.must(err)
	if len(got) != 0 {
		t.Errorf("Videos(nil) = %v", ids(got))
	}
	for _, tc := range []struct {
		name string
		ids  []string
		want map[string]int64
	}{
		{"ready only", []string{v3.ID, flick.NewID(f.tick()), v1.ID, processing.ID, v3.ID, "junk'"}, map[string]int64{v1.ID: 15000, v3.ID: 15000}},
		{"none", nil, map[string]int64{}},
	} {
		t.Run("VideoDurations/"+tc.name, func(t *testing.T) {
			got, err := f.all.VideoDurations(f.ctx, tc.ids)
			if err != nil || !maps.Equal(got, tc.want) {
				t.Errorf("VideoDurations(%v) = %v, %v; want %v", tc.ids, got, err, tc.want)
			}
		})
	}
}

func testRecentVideos(t *testing.T, f *fixture) {
	authors := []*flick.Account{f.account("sol"), f.account("sal")}
	var vs []*flick.Video
	for i := range 6 {
		vs = append(vs, f.readyVideo(authors[i%2], "recent"))
	}
	f.video(authors[0], "processing")
	tests := []struct {
		since time.Time
		limit int
		want  []string
	}{
		{vs[0].CreatedAt, 100, ids(newestFirst(vs...))},
		{vs[3].CreatedAt, 100, ids(newestFirst(vs[3:]...))},
		{vs[0].CreatedAt, 2, ids(newestFirst(vs[4:]...))},
		{vs[0].CreatedAt, 0, ids(newestFirst(vs...))}, // the default page size
		{vs[5].CreatedAt.Add(time.Millisecond), 100, nil},
	}
	for _, tc := range tests {
		got, err := f.all.RecentVideos(f.ctx, tc.since, tc.limit)
		f.must(err)
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("RecentVideos(%v, %d) = %v, want %v", tc.since, tc.limit, ids(got), tc.want)
		}
	}
}

func testSearchHostileInput(t *testing.T, f *fixture) {
	a := f.account("eve")
	captions := []string{
		`100% "real" O'Brien; DROP TABLE videos;-- #pwn`,
		`NEAR(a b) OR x* ^y -z caption:w {a b} AND NOT #fts5`,
		`\x00 ' " \\ %_ */ /* $1 ? :name @eve`,
	}
	var vs []*flick.Video
	for _, c := range captions {
		v := f.readyVideo(a, c)
		if got := f.getVideo(v.ID); got.Caption != c {
			t.Errorf("caption stored as %q, want %q", got.Caption, c)
		}
		vs = append(vs, v)
	}
	queries := []string{`"`, `""`, `'`, `*`, `-`, `^`, `NEAR(`, `NEAR(a b)`, `a OR`, `OR`, `AND NOT`, `caption:x`,
		`hashtags:pwn`, `(`, `)`, `{a}`, "\x00", "\xff\xfe", `%`, `_`, `' OR 1=1 --`, `a"b`, `"drop" OR "table"`,
		`x*`, `#`, `@`, ":", strings.Repeat("word ", 2000), "😀", "-- ;"}
	for _, q := range queries {
		if _, _, err := f.all.ListVideos(f.ctx, flick.VideoFilter{Query: q}, flick.Page{}); err != nil {
			t.Errorf("ListVideos(Query %.20q): %v", q, err)
		}
		if _, err := f.all.SearchAccounts(f.ctx, q, 10); err != nil {
			t.Errorf("SearchAccounts(%.20q): %v", q, err)
		}
		if _, _, err := f.all.ListVideos(f.ctx, flick.VideoFilter{Hashtag: q}, flick.Page{}); err != nil {
			t.Errorf("ListVideos(Hashtag %.20q): %v", q, err)
		}
	}
	for _, tc := range []struct {
		q    string
		want []*flick.Video
	}{
		{`O'Brien`, vs[:1]},
		{`DROP TABLE`, vs[:1]},
		{`' OR 1=1 --`, nil}, // the words "or", "1", "1": OR is a word here, not an operator
		{`caption:w`, vs[1:2]},
		{`NEAR(a b)`, vs[1:2]},
		{`%_`, nil},
	} {
		f.wantListed("query "+tc.q, flick.VideoFilter{Query: tc.q}, newestFirst(tc.want...)...)
	}
	f.wantListed("every video still there", flick.VideoFilter{}, newestFirst(vs...)...)
}

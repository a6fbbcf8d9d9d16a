package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// seedVideos makes n ready videos with a full ladder, hashtags and counts,
// as GET /api/v1/videos/{id} finds them.
func seedVideos(b *testing.B, db *DB, n int) []string {
	b.Helper()
	ctx := context.Background()
	author := &flick.Account{Handle: "bench", DisplayName: "Bench", HasAvatar: true}
	must(b, db.CreateAccount(ctx, author, "hash"))
	ids := make([]string, n)
	counts := map[string]flick.Counts{}
	for i := range ids {
		v := &flick.Video{AuthorID: author.ID, Caption: fmt.Sprintf("clip %d #one #two #three", i),
			Hashtags: []string{"one", "two", "three"}, DurationMS: 30000, Width: 1080, Height: 1920}
		must(b, db.CreateVideo(ctx, v))
		for _, short := range []int{360, 540, 720, 1080} {
			must(b, db.AddRendition(ctx, v.ID, flick.RenditionUpdate{Ready: true, Complete: short == 1080, PosterKey: "p.jpg",
				Rendition: flick.Rendition{Name: fmt.Sprint(short, "p"), Width: short, Height: short * 16 / 9, Bitrate: 1e6,
					Size: 1e6, Key: fmt.Sprintf("videos/%s/%dp.mp4", v.ID, short), Mime: "video/mp4"}}))
		}
		ids[i] = v.ID
		counts[v.ID] = flick.Counts{Views: int64(i), Likes: 3}
	}
	must(b, db.ApplyProjection(ctx, "bench", 1, flick.ProjectionBatch{Counts: counts}))
	return ids
}

// BenchmarkVideo is the store side of GET /api/v1/videos/{id} under
// concurrent load.
func BenchmarkVideo(b *testing.B) {
	db := openTest(b)
	ids := seedVideos(b, db, 200)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := time.Now().Nanosecond()
		for pb.Next() {
			v, err := db.Video(ctx, ids[i%len(ids)])
			if err != nil || len(v.Renditions) != 4 || len(v.Hashtags) != 3 {
				b.Errorf("Video: %v", err)
				return
			}
			i++
		}
	})
}

// BenchmarkListVideos is a first feed page of ten ready videos.
func BenchmarkListVideos(b *testing.B) {
	db := openTest(b)
	seedVideos(b, db, 200)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if vs, _, err := db.ListVideos(ctx, flick.VideoFilter{}, flick.Page{Limit: 10}); err != nil || len(vs) != 10 {
				b.Errorf("ListVideos: %d videos, %v", len(vs), err)
				return
			}
		}
	})
}

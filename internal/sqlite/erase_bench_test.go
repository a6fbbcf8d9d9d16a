package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// The busy region BenchmarkEraseAccount erases accounts from: about 100 MB.
const (
	benchAccounts = 1200
	benchVideos   = 10  // uploaded by each account
	benchLikes    = 100 // by each account
	benchWatches  = 300
	benchComments = 40
	benchFollows  = 30
)

// BenchmarkEraseAccount measures an account's erasure in a busy region:
// EraseAccount and EraseReferences of one account each, the store's part
// of DELETE /api/v1/me, and Compact, which the erasure worker runs once for
// a batch of erasures (and which DELETE paid for each account before).
func BenchmarkEraseAccount(b *testing.B) {
	ctx := context.Background()
	db, path := openFile(b)
	ids := fillRegion(b, db)
	mb := func() float64 {
		fi, err := os.Stat(path)
		must(b, err)
		return float64(fi.Size()) / 1e6
	}
	b.Logf("store: %.0f MB, %d accounts", mb(), len(ids))

	// Each iteration erases another account.
	eraseNext := func(b *testing.B) {
		if len(ids) == 0 {
			b.Fatal("every account is erased: run fewer iterations")
		}
		id := ids[0]
		ids = ids[1:]
		must(b, db.EraseAccount(ctx, id))
		must(b, db.EraseReferences(ctx, id))
	}
	for _, bm := range []struct {
		name string
		run  func(b *testing.B)
	}{
		{"EraseAccount", eraseNext},
		{"Compact", func(b *testing.B) { must(b, db.Compact(ctx)) }},
		// What DELETE paid before the worker took the rewrite over.
		{"EraseAccount+Compact", func(b *testing.B) {
			eraseNext(b)
			must(b, db.Compact(ctx))
		}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				bm.run(b)
			}
			b.ReportMetric(mb(), "MB")
		})
	}
}

// fillRegion imports benchAccounts accounts, each with videos (renditions,
// hashtags, search rows), sessions, follows, likes, watches and comments
// on the others' videos, one transaction per account; it returns their IDs
// in a random order.
func fillRegion(b *testing.B, db *DB) []string {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := func() time.Time { at = at.Add(time.Millisecond); return at }
	ids := make([]string, benchAccounts)
	videos := make([]string, benchAccounts*benchVideos)
	for i := range ids {
		ids[i] = flick.NewID(tick())
	}
	for i := range videos {
		videos[i] = flick.NewID(tick())
	}
	edges := func(n int, pick func() string) []flick.Edge {
		out := make([]flick.Edge, 0, n)
		seen := map[string]bool{}
		for len(out) < n {
			if id := pick(); !seen[id] {
				seen[id] = true
				out = append(out, flick.Edge{ID: id, At: tick()})
			}
		}
		return out
	}
	randomVideo := func() string { return videos[rng.IntN(len(videos))] }
	for i, id := range ids {
		d := &flick.AccountData{
			Account: flick.Account{ID: id, Handle: fmt.Sprintf("member%05d", i), DisplayName: fmt.Sprintf("Member %d", i),
				Bio: "Short clips about cooking, travel and whatever else comes up on the weekend.", Email: fmt.Sprintf("member%05d@example.org", i),
				Birthdate: "1990-05-06", Region: flick.DefaultRegion, CreatedAt: tick()},
			PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo",
			// Any account but itself.
			Follows: edges(benchFollows, func() string { return ids[(i+1+rng.IntN(len(ids)-1))%len(ids)] }),
			Likes:   edges(benchLikes, randomVideo),
		}
		for j := range 3 {
			d.Sessions = append(d.Sessions, flick.Session{ID: flick.NewID(tick()), AccountID: id,
				TokenHash: fmt.Appendf(nil, "%032d", i*3+j), UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)",
				CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(30 * 24 * time.Hour)})
		}
		for _, e := range edges(benchWatches, randomVideo) {
			d.Watches = append(d.Watches, flick.Watch{AccountID: id, VideoID: e.ID, WatchMS: rng.Int64N(60000), Completed: rng.IntN(3) == 0, At: e.At})
		}
		for j := range benchComments {
			d.Comments = append(d.Comments, flick.Comment{ID: flick.NewID(tick()), VideoID: randomVideo(), AuthorID: id,
				Text: fmt.Sprintf("Comment %d: this is great, where was it filmed? I want to go there next summer with friends.", j), CreatedAt: at})
		}
		for j := range benchVideos {
			v := flick.Video{ID: videos[i*benchVideos+j], AuthorID: id, Status: flick.StatusReady, Complete: true, CreatedAt: tick(),
				Caption:  fmt.Sprintf("Day %d of the trip: sunrise over the harbour, then street food #travel #food #day%d", j, j),
				Hashtags: []string{"travel", "food", fmt.Sprintf("day%d", j)}, DurationMS: 30000, Width: 1080, Height: 1920,
				OriginalKey: "originals/" + videos[i*benchVideos+j], PosterKey: "videos/" + videos[i*benchVideos+j] + "/poster.jpg"}
			for _, short := range []int{360, 540, 720, 1080} {
				v.Renditions = append(v.Renditions, flick.Rendition{Name: fmt.Sprint(short, "p"), Width: short, Height: short * 16 / 9,
					Bitrate: short * 2000, Size: int64(short) * 10000, Key: fmt.Sprintf("videos/%s/%dp.mp4", v.ID, short), Mime: "video/mp4"})
			}
			d.Videos = append(d.Videos, v)
		}
		must(b, db.ImportAccountData(ctx, d))
	}
	_, err := db.write.ExecContext(ctx, `ANALYZE`)
	must(b, err)
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

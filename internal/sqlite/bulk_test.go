package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// bulkFixture is an author with a session and a ready video, as a bulk load
// would bring them.
func bulkFixture(now time.Time) Bulk {
	a := &flick.Account{ID: flick.NewID(now), Handle: "bulkauthor", Region: flick.DefaultRegion, CreatedAt: now}
	s := &flick.Session{ID: flick.NewID(now), AccountID: a.ID, TokenHash: []byte("0123456789abcdef0123456789abcdef"),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	v := &flick.Video{ID: flick.NewID(now), AuthorID: a.ID, Caption: "loaded #bulk", Hashtags: []string{"bulk"},
		Status: flick.StatusReady, Complete: true, CreatedAt: now, DurationMS: 5000,
		Renditions: []flick.Rendition{{Name: "360p", Width: 360, Height: 640, Bitrate: 1, Size: 1, Key: "k", Mime: "video/mp4"}}}
	return Bulk{Accounts: []BulkAccount{{Account: a, PasswordHash: "x"}}, Sessions: []*flick.Session{s}, Videos: []*flick.Video{v}}
}

func TestBulkInsert(t *testing.T) {
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	t.Run("loads readable records", func(t *testing.T) {
		db := openTest(t)
		b := bulkFixture(now)
		must(t, db.BulkInsert(ctx, b))
		v := b.Videos[0]
		got, err := db.Videos(ctx, []string{v.ID})
		must(t, err)
		if len(got) != 1 || got[0].Caption != v.Caption || len(got[0].Renditions) != 1 || got[0].Author.Handle != "bulkauthor" {
			t.Fatalf("read back %+v", got)
		}
		found, _, err := db.ListVideos(ctx, flick.VideoFilter{Query: "loaded"}, flick.Page{})
		must(t, err)
		if len(found) != 1 {
			t.Fatalf("search finds %d videos, want the loaded one", len(found))
		}
		sess, err := db.SessionByTokenHash(ctx, b.Sessions[0].TokenHash, now)
		must(t, err)
		if sess.AccountID != b.Accounts[0].Account.ID {
			t.Fatalf("session of %s, want the loaded author", sess.AccountID)
		}
	})
	for _, tc := range []struct {
		name  string
		spoil func(b *Bulk)
		code  string
	}{
		{"bad handle", func(b *Bulk) { b.Accounts[0].Account.Handle = "No Way" }, flick.EINVALID},
		{"bad video ID", func(b *Bulk) { b.Videos[0].ID = "x" }, flick.EINVALID},
		{"unnormalized hashtag", func(b *Bulk) { b.Videos[0].Hashtags = []string{"Bulk"} }, flick.EINVALID},
		{"unknown status", func(b *Bulk) { b.Videos[0].Status = "weird" }, flick.EINVALID},
		{"missing author", func(b *Bulk) { b.Videos[0].AuthorID = flick.NewID(now) }, flick.EINVALID},
		{"duplicate video", func(b *Bulk) { b.Videos = append(b.Videos, b.Videos[0]) }, flick.ECONFLICT},
	} {
		t.Run("refuses "+tc.name+" whole", func(t *testing.T) {
			db := openTest(t)
			b := bulkFixture(now)
			tc.spoil(&b)
			err := db.BulkInsert(ctx, b)
			if flick.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if _, err := db.Account(ctx, b.Accounts[0].Account.ID); flick.ErrorCode(err) != flick.ENOTFOUND {
				t.Fatalf("the account of a refused batch is there: %v", err)
			}
		})
	}
}

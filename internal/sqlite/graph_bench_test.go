package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

// BenchmarkFollowersPage reads a page of 20 followers from the middle of a
// popular account's 50,000, as GET /accounts/{handle}/followers?cursor= does,
// with the index on (followee_id, created_at, follower_id) of migration 0010
// and with the index it replaced, on (followee_id, follower_id), under which
// every page sorts all the followers.
func BenchmarkFollowersPage(b *testing.B) {
	const followers = 50_000
	db := openTest(b)
	ctx := context.Background()
	star := &flick.Account{Handle: "star"}
	must(b, db.CreateAccount(ctx, star, "hash"))
	t0 := time.Now().Add(-time.Hour)
	must(b, sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		for i := range followers {
			at := t0.Add(time.Duration(i) * time.Millisecond)
			id := flick.NewID(at)
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, handle, display_name, search_name, bio, has_avatar, email,
				birthdate, region, password_hash, created_at) VALUES (?, ?, '', '', '', 0, '', '2000-01-01', 'default', 'x', ?)`,
				id, fmt.Sprintf("fan%d", i), millis(at)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO follows (follower_id, followee_id, created_at) VALUES (?, ?, ?)`,
				id, star.ID, millis(at)); err != nil {
				return err
			}
		}
		return nil
	}))
	first, _, err := db.Followers(ctx, star.ID, flick.Page{Limit: followers / 2})
	must(b, err)
	cursor := flick.EdgeCursor(first[len(first)-1])
	read := func(b *testing.B) {
		for b.Loop() {
			edges, next, err := db.Followers(ctx, star.ID, flick.Page{Limit: 20, Cursor: cursor})
			if err != nil || len(edges) != 20 || next == "" {
				b.Fatalf("page: %d edges, %v", len(edges), err)
			}
		}
	}
	b.Run("time index", read)
	_, err = db.write.ExecContext(ctx, `DROP INDEX follows_followee; CREATE INDEX follows_followee ON follows (followee_id, follower_id)`)
	must(b, err)
	b.Run("old index", read)
}

package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
	"github.com/flick-video/flick/internal/storetest"
)

// openTest opens a fresh database in a temporary directory, closed when the
// test ends.
func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "flick.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) flick.Store { return openTest(t) })
}

func TestOpenSettings(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		pool   *sql.DB
		pragma string
		want   string
	}{
		{db.write, "journal_mode", "wal"},
		{db.write, "synchronous", "1"}, // NORMAL
		{db.write, "foreign_keys", "1"},
		{db.write, "busy_timeout", "5000"},
		{db.read.pool, "query_only", "1"},
		{db.read.pool, "busy_timeout", "5000"},
	} {
		var got string
		if err := tc.pool.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
	if _, err := db.read.pool.ExecContext(ctx, `DELETE FROM accounts`); err == nil {
		t.Error("a read connection could write")
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "odd ?name#%20.db")
	db, err := Open(ctx, path, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at its path: %v", err)
	}
	var versions []string
	rows, err := db.read.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		rows.Scan(&v)
		versions = append(versions, v)
	}
	want := []string{"0001_init", "0002_video_hashtags", "0003_controls", "0004_regions", "0005_discounted_engagement", "0006_password_resets", "0007_comment_likes", "0008_video_settings", "0009_notifications", "0010_social"}
	if !slices.Equal(versions, want) {
		t.Errorf("schema_migrations = %v, want %v", versions, want)
	}
	if !slices.Equal(db.Migrated(), want) {
		t.Errorf("Open applied %v, want %v", db.Migrated(), want)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening an up-to-date database applies nothing and keeps the data.
	db = openAt(t, path)
	if applied := db.Migrated(); len(applied) != 0 {
		t.Errorf("reopen applied %v", applied)
	}
}

// TestMigrateUpgrade opens a database made by the first migration alone and
// holding a video: the later migrations bring its data along.
func TestMigrateUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", path)
	must(t, err)
	first, err := migrations.ReadFile("migrations/0001_init.sql")
	must(t, err)
	for _, q := range []string{string(first),
		`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		`INSERT INTO schema_migrations VALUES ('0001_init', 0)`,
		`INSERT INTO accounts (id, handle, region, password_hash, created_at) VALUES ('0000000000000001', 'old', 'default', 'h', 0)`,
		`INSERT INTO videos (id, author_id, status, created_at) VALUES ('0000000000000002', '0000000000000001', 'ready', 0)`,
		`INSERT INTO video_counts (video_id) VALUES ('0000000000000002')`,
		`INSERT INTO video_hashtags (video_id, tag, position) VALUES ('0000000000000002', 'second', 1), ('0000000000000002', 'first', 0)`,
	} {
		_, err := old.ExecContext(ctx, q)
		must(t, err)
	}
	must(t, old.Close())
	v, err := openAt(t, path).Video(ctx, "0000000000000002")
	must(t, err)
	if !slices.Equal(v.Hashtags, []string{"first", "second"}) {
		t.Errorf("hashtags after upgrade: %v", v.Hashtags)
	}
}

func openAt(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestCrashKeepsAcknowledgedWrites kills a process right after a write
// returned, without closing the database, and finds the write in the file.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if path := os.Getenv("FLICK_SQLITE_CRASH_DB"); path != "" {
		db, err := Open(context.Background(), path, time.Now)
		if err == nil {
			err = db.CreateAccount(context.Background(), &flick.Account{Handle: "survivor"}, "hash")
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(3) // no Close, no checkpoint: as if the process crashed
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsAcknowledgedWrites$")
	cmd.Env = append(os.Environ(), "FLICK_SQLITE_CRASH_DB="+path)
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("child exited with %d (%v): %s", code, err, out)
	}
	if _, err := openAt(t, path).AccountByHandle(context.Background(), "survivor"); err != nil {
		t.Fatalf("acknowledged write lost: %v", err)
	}
}

// TestTwoHandlesOneFile has two DB values (as two processes would) write the
// same file at once: busy_timeout makes them wait for each other.
func TestTwoHandlesOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	dbs := []*DB{openAt(t, path), openAt(t, path)}
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() {
			for j := range 20 {
				a := &flick.Account{Handle: fmt.Sprintf("h%d_%d", i, j)}
				if err := db.CreateAccount(context.Background(), a, "hash"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var n int
	if err := dbs[0].read.QueryRowContext(context.Background(), `SELECT count(*) FROM accounts`).Scan(&n); err != nil || n != 40 {
		t.Errorf("%d accounts, %v; want 40", n, err)
	}
}

// TestDeleteVideoLeavesNoRows checks the tables themselves: no row of any
// table may still name a deleted video, the full-text index included.
func TestDeleteVideoLeavesNoRows(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := &flick.Account{Handle: "owner"}
	must(t, db.CreateAccount(ctx, a, "hash"))
	v := &flick.Video{AuthorID: a.ID, Caption: "doomed #tag", Hashtags: []string{"tag"}}
	must(t, db.CreateVideo(ctx, v))
	must(t, db.AddRendition(ctx, v.ID, flick.RenditionUpdate{Ready: true, PosterKey: "p.jpg",
		Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Key: "k.mp4", Mime: "video/mp4"}}))
	_, err := db.Like(ctx, a.ID, v.ID, time.Now())
	must(t, err)
	c := &flick.Comment{VideoID: v.ID, AuthorID: a.ID, Text: "top"}
	must(t, db.CreateComment(ctx, c))
	must(t, db.CreateComment(ctx, &flick.Comment{VideoID: v.ID, AuthorID: a.ID, ParentID: c.ID, Text: "reply"}))
	must(t, db.ApplyProjection(ctx, "p", 1, flick.ProjectionBatch{Counts: map[string]flick.Counts{v.ID: {Views: 1}},
		Watches: []flick.Watch{{AccountID: a.ID, VideoID: v.ID, WatchMS: 5, At: time.Now()}}}))

	tables := []string{"videos WHERE id = ?", "video_hashtags WHERE video_id = ?", "renditions WHERE video_id = ?",
		"video_counts WHERE video_id = ?", "watches WHERE video_id = ?", "likes WHERE video_id = ?",
		"comments WHERE video_id = ?", "video_search_rows WHERE video_id = ?", "video_search WHERE ? <> ''"}
	count := func(table string) int {
		var n int
		must(t, db.read.QueryRowContext(ctx, "SELECT count(*) FROM "+table, v.ID).Scan(&n))
		return n
	}
	for _, table := range tables {
		if count(table) == 0 {
			t.Fatalf("setup left %s empty", table)
		}
	}
	must(t, db.DeleteVideo(ctx, v.ID))
	for _, table := range tables {
		if n := count(table); n != 0 {
			t.Errorf("%d rows left in %s", n, table)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDeletedCommentLeavesNoText reads the store's files: once a comment is
// deleted, or made a tombstone, its words are in neither the database nor
// its write-ahead log.
func TestDeletedCommentLeavesNoText(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "flick.db"), time.Now)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	a := &flick.Account{Handle: "talker"}
	must(t, db.CreateAccount(ctx, a, "hash"))
	v := &flick.Video{AuthorID: a.ID, Caption: "a video"}
	must(t, db.CreateVideo(ctx, v))
	top := &flick.Comment{VideoID: v.ID, AuthorID: a.ID, Text: "zqtombstonedwords"}
	must(t, db.CreateComment(ctx, top))
	reply := &flick.Comment{VideoID: v.ID, AuthorID: a.ID, ParentID: top.ID, Text: "zqdeletedreply"}
	must(t, db.CreateComment(ctx, reply))
	// Other writes around them, as a live region has.
	for i := range 50 {
		must(t, db.CreateComment(ctx, &flick.Comment{VideoID: v.ID, AuthorID: a.ID, Text: fmt.Sprintf("filler %d", i)}))
	}
	holds := func(word string) (in []string) {
		for _, name := range []string{"flick.db", "flick.db-wal"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(word)) {
				in = append(in, name)
			}
		}
		return in
	}
	// The words are in the database file, and in the log again after a
	// write to their page.
	must(t, sqldb.TruncateLog(ctx, db.write))
	must(t, db.CreateComment(ctx, &flick.Comment{VideoID: v.ID, AuthorID: a.ID, Text: "one more"}))
	for _, word := range []string{"zqtombstonedwords", "zqdeletedreply"} {
		if in := holds(word); !slices.Contains(in, "flick.db") {
			t.Fatalf("setup: %q is in %v, not in the database file", word, in)
		}
	}
	must(t, db.TombstoneComment(ctx, top.ID))
	must(t, db.DeleteComment(ctx, reply.ID))
	for _, word := range []string{"zqtombstonedwords", "zqdeletedreply"} {
		if in := holds(word); len(in) > 0 {
			t.Errorf("%v still hold %q", in, word)
		}
	}
}

package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/flick-video/flick/internal/audit"
)

// TestOpenOldLog opens access logs as Flick stored them before their
// migrations were recorded in schema_migrations, counted in PRAGMA
// user_version instead. Open adopts them without running their migration
// again (its CREATE TABLEs would fail), and they keep their entries.
func TestOpenOldLog(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// old makes the old log in a new directory and returns its entries.
		old func(t *testing.T) (dir string, entries int)
	}{
		{"migrated, never opened", func(t *testing.T) (string, int) {
			// What the old migrate did: the migration and its count, in one
			// transaction.
			dir := filepath.Join(t.TempDir(), "audit")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile("migrations/0001_init.sql")
			if err != nil {
				t.Fatal(err)
			}
			db := rawDB(t, dir)
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{string(body), `PRAGMA user_version = 1`} {
				if _, err := tx.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			return dir, 0
		}},
		{"with entries", func(t *testing.T) (string, int) {
			// A log of today, taken back to how the old code stored it: the
			// same tables and rows, its migration counted in user_version.
			l, dir := openLog(t)
			fill(t, l, 10)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			db := rawDB(t, dir)
			exec(t, db, `DROP TABLE schema_migrations`)
			exec(t, db, `PRAGMA user_version = 1`)
			// Verifying, which must not write, reads an old log as it is.
			if rep, err := audit.Verify(ctx, dir, nil); err != nil || rep.Entries != 10 {
				t.Fatalf("verify of the old log = %+v, %v", rep, err)
			}
			return dir, 10
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, entries := tc.old(t)
			l := reopen(t, dir)
			if len(l.Migrated()) != 0 {
				t.Errorf("opening the old log applied %v", l.Migrated())
			}
			var recorded int
			var version string
			if err := rawDB(t, dir).QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&recorded, &version); err != nil {
				t.Fatal(err)
			}
			if recorded != 1 || version != "0001_init" {
				t.Errorf("schema_migrations after adoption: %d rows up to %q, want 0001_init alone", recorded, version)
			}
			fill(t, l, 5)
			if rep, err := audit.Verify(ctx, dir, nil); err != nil || rep.Entries != int64(entries+5) {
				t.Errorf("verify after adoption = %+v, %v; want %d entries", rep, err, entries+5)
			}
		})
	}
}

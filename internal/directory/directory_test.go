package directory

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// Before the directory had migrations, OpenDirectory created its tables
// with these statements, and the mover and the data-rights service created
// the journals' when they started.
const (
	oldDirectorySchema = `
CREATE TABLE IF NOT EXISTS accounts (
    id     TEXT PRIMARY KEY,
    region TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS handles (
    handle     TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE
);`
	oldJournalSchema = `
CREATE TABLE IF NOT EXISTS moves (
    account_id TEXT PRIMARY KEY,
    move_id    TEXT NOT NULL,
    source     TEXT NOT NULL,
    target     TEXT NOT NULL,
    phase      TEXT NOT NULL,
    actor      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    media      TEXT NOT NULL, -- JSON array of the source's media keys
    receipt    TEXT
);
CREATE TABLE IF NOT EXISTS erasures (
    account_id TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL
);`
)

// TestOpenOldDirectory opens directory files made before the directory had
// migrations: the first migration adopts them, creating only the tables
// they lack, and they keep their rows.
func TestOpenOldDirectory(t *testing.T) {
	ctx := context.Background()
	mia, noah := flick.NewID(time.Now()), flick.NewID(time.Now())
	for _, tc := range []struct {
		name    string
		schema  string
		journal bool // the old file has the journals' tables and a row in each
	}{
		{"every table", oldDirectorySchema + oldJournalSchema, true},
		{"no journals yet", oldDirectorySchema, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "directory.db")
			old, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			queries := []string{tc.schema,
				`INSERT INTO accounts (id, region) VALUES ('` + mia + `', 'eu'), ('` + noah + `', 'us')`,
				`INSERT INTO handles (handle, account_id) VALUES ('mia', '` + mia + `'), ('noah', '` + noah + `')`}
			if tc.journal {
				queries = append(queries,
					`INSERT INTO moves (account_id, move_id, source, target, phase, actor, reason, started_at, media)
					VALUES ('`+mia+`', 'm1', 'us', 'eu', 'switched', 'system:test', 'test', 1, '[]')`,
					`INSERT INTO erasures (account_id, started_at) VALUES ('`+noah+`', 2)`)
			}
			for _, q := range queries {
				if _, err := old.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if err := old.Close(); err != nil {
				t.Fatal(err)
			}

			d, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { d.Close() }()
			if !slices.Equal(d.Migrated(), []string{"0001_init"}) {
				t.Errorf("Migrated = %v, want the first migration, adopting the file", d.Migrated())
			}
			if id, err := d.Lookup(ctx, "mia"); err != nil || id != mia {
				t.Errorf("Lookup(mia) = %q, %v", id, err)
			}
			if r, err := d.Region(ctx, noah); err != nil || r != "us" {
				t.Errorf("Region(noah) = %q, %v", r, err)
			}
			moves, err := d.PendingMoves(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tc.journal != (len(moves) == 1) {
				t.Errorf("pending moves %v", moves)
			}
			if !tc.journal {
				// The journals' tables the file lacked are there now.
				if err := d.BeginErasure(ctx, noah, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if erasures, err := d.PendingErasures(ctx); err != nil || !slices.Equal(erasures, []Erasure{{AccountID: noah, Region: "us"}}) {
				t.Errorf("pending erasures %v, %v", erasures, err)
			}
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}

			// Adopted once: reopened, the file has nothing left to apply.
			if d, err = Open(ctx, path); err != nil {
				t.Fatal(err)
			}
			if len(d.Migrated()) != 0 {
				t.Errorf("reopen applied %v", d.Migrated())
			}
		})
	}
}

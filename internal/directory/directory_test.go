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

// TestOpenOldDirectory opens directory files made before the directory had
// migrations: the first migration adopts them, creating only the tables
// they lack, and they keep their rows. Such a file has the tables the first
// migration makes (its statements are those the old code ran, verbatim) and
// no record of them; an older one lacks the journals' tables, which the
// mover and the data-rights service created when they started.
func TestOpenOldDirectory(t *testing.T) {
	ctx := context.Background()
	mia, noah := flick.NewID(time.Now()), flick.NewID(time.Now())
	schema, err := migrations.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		journal bool // the old file has the journals' tables and a row in each
	}{
		{"every table", true},
		{"no journals yet", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "directory.db")
			old, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			queries := []string{string(schema),
				`INSERT INTO accounts (id, region) VALUES ('` + mia + `', 'eu'), ('` + noah + `', 'us')`,
				`INSERT INTO handles (handle, account_id) VALUES ('mia', '` + mia + `'), ('noah', '` + noah + `')`}
			if tc.journal {
				queries = append(queries,
					`INSERT INTO moves (account_id, move_id, source, target, phase, actor, reason, started_at, media)
					VALUES ('`+mia+`', 'm1', 'us', 'eu', 'switched', 'system:test', 'test', 1, '[]')`,
					`INSERT INTO erasures (account_id, started_at) VALUES ('`+noah+`', 2)`)
			} else {
				queries = append(queries, `DROP TABLE moves`, `DROP TABLE erasures`)
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

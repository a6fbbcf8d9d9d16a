package sqldb

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func TestMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	db := open(t, path, steps(3))
	if want := []string{"0001_steps", "0002_second", "0003_third"}; !slices.Equal(db.Migrated, want) {
		t.Errorf("Migrated = %v, want %v", db.Migrated, want)
	}
	if got := column[int](t, db.Write, `SELECT n FROM steps ORDER BY rowid`); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("steps = %v, want each migration once, in order", got)
	}
	var at int64
	if err := db.Write.QueryRow(`SELECT applied_at FROM schema_migrations WHERE version = '0002_second'`).Scan(&at); err != nil || at != t0.UnixMilli() {
		t.Errorf("applied_at = %d, %v; want the clock's %d", at, err, t0.UnixMilli())
	}
	db.Close()

	// Reopened, an up-to-date database applies nothing; a program with one
	// more migration applies just that one.
	db = open(t, path, steps(3))
	if len(db.Migrated) != 0 {
		t.Errorf("reopen applied %v", db.Migrated)
	}
	db.Close()
	db = open(t, path, steps(4))
	if !slices.Equal(db.Migrated, []string{"0004_fourth"}) {
		t.Errorf("reopen with a new migration applied %v", db.Migrated)
	}
	if got := column[int](t, db.Write, `SELECT n FROM steps ORDER BY rowid`); !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Errorf("steps = %v", got)
	}
	db.Close()

	// An older program refuses the database: it does not know its schema.
	_, err := Open(context.Background(), path, steps(3))
	if err == nil || !strings.Contains(err.Error(), "0004_fourth") {
		t.Errorf("open by an older program = %v, want a refusal naming 0004_fourth", err)
	}
}

// TestMigrateConcurrently opens one new file from several pools at once, as
// several processes would: each migration is applied once.
func TestMigrateConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	var wg sync.WaitGroup
	dbs := make([]*DB, 4)
	for i := range dbs {
		wg.Go(func() {
			db, err := Open(context.Background(), path, steps(4))
			if err != nil {
				t.Error(err)
				return
			}
			dbs[i] = db
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var applied []string
	for _, db := range dbs {
		applied = append(applied, db.Migrated...)
		defer db.Close()
	}
	slices.Sort(applied)
	if want := []string{"0001_steps", "0002_second", "0003_third", "0004_fourth"}; !slices.Equal(applied, want) {
		t.Errorf("the pools applied %v together, want %v", applied, want)
	}
	if got := column[int](t, dbs[0].Write, `SELECT n FROM steps ORDER BY rowid`); !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Errorf("steps = %v", got)
	}
}

// TestMigrateFailure: a migration that fails leaves neither its changes nor
// its record, and the ones before it stay applied.
func TestMigrateFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	fsys := migrationsFS(1)
	fsys["migrations/0002_broken.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);`)}
	if _, err := Open(context.Background(), path, Options{Migrations: Migrations{FS: fsys, Clock: clock}}); err == nil || !strings.Contains(err.Error(), "0002_broken") {
		t.Fatalf("open = %v, want the failure of 0002_broken", err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if got := column[string](t, raw, `SELECT version FROM schema_migrations ORDER BY version`); !slices.Equal(got, []string{"0001_steps"}) {
		t.Errorf("recorded %v, want only 0001_steps", got)
	}
	if err := raw.QueryRow(`SELECT count(*) FROM half`).Scan(new(int)); err == nil {
		t.Error("the failed migration's table exists")
	}
}

func TestMigrationNames(t *testing.T) {
	for name, files := range map[string][]string{
		"unnumbered":  {"0001_init.sql", "second.sql"},
		"same number": {"0001_init.sql", "0002_a.sql", "0002_b.sql"},
		"short":       {"1_init.sql"},
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range files {
				fsys["migrations/"+f] = &fstest.MapFile{Data: []byte(`SELECT 1;`)}
			}
			_, err := Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), Options{Migrations: Migrations{FS: fsys, Clock: clock}})
			if err == nil {
				t.Errorf("open with migrations %v succeeded", files)
			}
		})
	}
}

// userVersion is how a database counted its applied migrations before
// schema_migrations (the access log did).
func userVersion(calls *int) func(ctx context.Context, tx *sql.Tx) (int, error) {
	return func(ctx context.Context, tx *sql.Tx) (int, error) {
		*calls++
		var n int
		err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&n)
		return n, err
	}
}

func TestAdopt(t *testing.T) {
	ctx := context.Background()
	fsys := migrationsFS(3)
	// A database made the old way: the first two migrations, counted in
	// user_version, no schema_migrations.
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, f := range []string{"migrations/0001_steps.sql", "migrations/0002_second.sql"} {
		if _, err := raw.Exec(string(fsys[f].Data)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.Exec(`PRAGMA user_version = 2`); err != nil {
		t.Fatal(err)
	}

	var calls int
	m := Migrations{FS: fsys, Clock: clock, Adopt: userVersion(&calls)}
	db := open(t, path, Options{Migrations: m})
	if !slices.Equal(db.Migrated, []string{"0003_third"}) {
		t.Errorf("Migrated = %v, want only 0003_third", db.Migrated)
	}
	if got := column[int](t, db.Write, `SELECT n FROM steps ORDER BY rowid`); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("steps = %v: an adopted migration ran again", got)
	}
	if got := column[string](t, db.Write, `SELECT version FROM schema_migrations ORDER BY version`); !slices.Equal(got, []string{"0001_steps", "0002_second", "0003_third"}) {
		t.Errorf("recorded %v", got)
	}
	db.Close()
	// Once migrations are recorded, the old count is not asked again.
	db = open(t, path, Options{Migrations: m})
	if calls != 1 || len(db.Migrated) != 0 {
		t.Errorf("reopen: Adopt asked %d times in all, applied %v", calls, db.Migrated)
	}

	// A new database has nothing to adopt.
	db = open(t, filepath.Join(t.TempDir(), "new.db"), Options{Migrations: m})
	if len(db.Migrated) != 3 {
		t.Errorf("new database: applied %v", db.Migrated)
	}

	// An old database with more migrations than the program is refused.
	if _, err := raw.Exec(`DROP TABLE schema_migrations; PRAGMA user_version = 7`); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path, Options{Migrations: m}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("open of a database from a newer program = %v", err)
	}
}

package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/flick-video/flick"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return t0 }

// migrationsFS holds the first n of four migrations, each appending its
// number to the steps table, so that a test sees which ran and in what order.
func migrationsFS(n int) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i, name := range []string{"0001_steps", "0002_second", "0003_third", "0004_fourth"}[:n] {
		body := fmt.Sprintf(`INSERT INTO steps VALUES (%d);`, i+1)
		if i == 0 {
			body = `CREATE TABLE steps (n INTEGER NOT NULL);` + body
		}
		fsys["migrations/"+name+".sql"] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

// steps are the options of a database with the first n of migrationsFS.
func steps(n int) Options {
	return Options{Migrations: Migrations{FS: migrationsFS(n), Clock: clock}}
}

func open(t *testing.T, path string, o Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// column runs query and returns its one column.
func column[T any](t *testing.T, db *sql.DB, query string) []T {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenSettings(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name         string
		opts         Options
		synchronous  string
		secureDelete string
	}{
		{"full", Options{Synchronous: Full}, "2", "0"},
		{"normal, secure delete, readers", Options{Synchronous: Normal, SecureDelete: true, Readers: 3}, "1", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A '?' or '#' in the path is part of the file's name, not the
			// start of the parameters.
			path := filepath.Join(t.TempDir(), "odd ?name#%20.db")
			tc.opts.Migrations = Migrations{FS: migrationsFS(1), Clock: clock}
			db := open(t, path, tc.opts)
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("database not at its path: %v", err)
			}
			pools := []*sql.DB{db.Write}
			if tc.opts.Readers > 0 {
				pools = append(pools, db.Read)
			} else if db.Read != nil {
				t.Error("readers without Options.Readers")
			}
			for i, pool := range pools {
				for pragma, want := range map[string]string{
					"journal_mode":  "wal",
					"synchronous":   tc.synchronous,
					"secure_delete": tc.secureDelete,
					"foreign_keys":  "1",
					"busy_timeout":  "5000",
					"query_only":    []string{"0", "1"}[i],
				} {
					if i == 1 && pragma == "synchronous" {
						continue // readers do not commit
					}
					var got string
					if err := pool.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("pool %d: PRAGMA %s = %s, want %s", i, pragma, got, want)
					}
				}
			}
			if db.Read != nil {
				if _, err := db.Read.ExecContext(ctx, `DELETE FROM steps`); err == nil {
					t.Error("a read connection could write")
				}
			}
		})
	}
}

func TestInTx(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "tx.db"), steps(1))
	failed := errors.New("failed")
	err := InTx(ctx, db.Write, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO steps VALUES (10)`); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("InTx = %v, want fn's error", err)
	}
	if got := column[int](t, db.Write, `SELECT n FROM steps`); !slices.Equal(got, []int{1}) {
		t.Errorf("steps = %v: the failed transaction was not rolled back", got)
	}
	if err := InTx(ctx, db.Write, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO steps VALUES (11)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := column[int](t, db.Write, `SELECT n FROM steps`); !slices.Equal(got, []int{1, 11}) {
		t.Errorf("steps = %v: the transaction was not committed", got)
	}
}

func TestConstraints(t *testing.T) {
	fsys := fstest.MapFS{"migrations/0001_init.sql": {Data: []byte(`
		CREATE TABLE a (id TEXT PRIMARY KEY, handle TEXT UNIQUE);
		CREATE TABLE b (a_id TEXT REFERENCES a (id));
		INSERT INTO a VALUES ('1', 'mia');`)}}
	db := open(t, filepath.Join(t.TempDir(), "c.db"), Options{Migrations: Migrations{FS: fsys, Clock: clock}})
	for _, tc := range []struct {
		query              string
		unique, foreignKey bool
	}{
		{`INSERT INTO a VALUES ('1', 'noah')`, true, false},   // primary key
		{`INSERT INTO a VALUES ('2', 'mia')`, true, false},    // unique
		{`INSERT INTO b VALUES ('3')`, false, true},           // foreign key
		{`INSERT INTO a VALUES (NULL, 'x', 1)`, false, false}, // not a constraint
	} {
		_, err := db.Write.Exec(tc.query)
		if err == nil {
			t.Fatalf("%s succeeded", tc.query)
		}
		if IsUnique(err) != tc.unique || IsForeignKey(err) != tc.foreignKey {
			t.Errorf("%s: IsUnique = %v, IsForeignKey = %v, want %v, %v (%v)", tc.query, IsUnique(err), IsForeignKey(err), tc.unique, tc.foreignKey, err)
		}
		if wrapped := fmt.Errorf("insert: %w", err); IsUnique(wrapped) != tc.unique {
			t.Errorf("%s: IsUnique does not see through wrapping", tc.query)
		}
	}
	if IsUnique(nil) || IsForeignKey(nil) {
		t.Error("nil is a constraint violation")
	}
}

func TestWrap(t *testing.T) {
	internal := errors.New("disk I/O error")
	user := flick.Errorf(flick.ENOTFOUND, "Video not found.")
	for _, tc := range []struct {
		in   error
		want string
	}{
		{nil, "<nil>"},
		{internal, "sqlite: video 7: disk I/O error"},
		{user, user.Error()},
	} {
		err := tc.in
		Wrap(&err, "sqlite: video %d", 7)
		if got := fmt.Sprint(err); got != tc.want {
			t.Errorf("Wrap(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.in != nil && !errors.Is(err, tc.in) {
			t.Errorf("Wrap(%v) lost the error", tc.in)
		}
	}
}

func TestFound(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "f.db"), steps(1))
	res, err := db.Write.ExecContext(ctx, `UPDATE steps SET n = 2 WHERE n = 1`)
	if err := Found(res, err, "Step"); err != nil {
		t.Errorf("Found after an update of one row = %v", err)
	}
	res, err = db.Write.ExecContext(ctx, `UPDATE steps SET n = 3 WHERE n = 1`)
	if err := Found(res, err, "Step"); flick.ErrorCode(err) != flick.ENOTFOUND || flick.ErrorMessage(err) != "Step not found." {
		t.Errorf("Found after an update of no row = %v", err)
	}
	failed := errors.New("failed")
	if err := Found(nil, failed, "Step"); !errors.Is(err, failed) {
		t.Errorf("Found of a failed Exec = %v", err)
	}
}

// TestTruncateLog: a reader holding an older snapshot keeps a checkpoint
// from truncating the log, which SQLite reports in the result, not as an
// error; TruncateLog waits it out and leaves an empty log.
func TestTruncateLog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	db := open(t, path, Options{Readers: 1, Migrations: Migrations{FS: migrationsFS(1), Clock: clock}})
	if _, err := db.Write.ExecContext(ctx, `PRAGMA busy_timeout = 20`); err != nil {
		t.Fatal(err)
	}
	reader, err := db.Read.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reader.QueryRowContext(ctx, `SELECT count(*) FROM steps`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.ExecContext(ctx, `INSERT INTO steps VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(200 * time.Millisecond)
		reader.Rollback()
		close(released)
	}()
	if err := TruncateLog(ctx, db.Write); err != nil {
		t.Fatal(err)
	}
	select {
	case <-released:
	default:
		t.Fatal("TruncateLog returned while a reader still held an older snapshot")
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() != 0 {
		t.Fatalf("write-ahead log after TruncateLog: %v, %v; want empty", fi.Size(), err)
	}
}

// Package sqlite is Flick's embedded metadata store: one SQLite database file
// per region implementing flick.Store, with its schema in numbered migrations
// embedded in the binary.
//
// Writes go through a single connection, reads through a pool of read-only
// connections. SQLite allows one writer at a time anyway; funnelling every
// write transaction through one connection makes writers queue in Go instead
// of failing with "database is locked", while WAL lets the readers run beside
// the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/flick-video/flick"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a region's metadata database.
type DB struct {
	write *sql.DB    // exactly one connection, BEGIN IMMEDIATE transactions
	read  *stmtCache // over a pool of query_only connections
	clock flick.Clock
	// elsewhere finds accounts, videos and comments of other regions that
	// this region's records name; nil in a single-region instance.
	elsewhere flick.Elsewhere
}

var _ flick.RegionStore = (*DB)(nil)

// Open opens (creating if needed) the database file at path and applies any
// pending migrations.
func Open(ctx context.Context, path string, clock flick.Clock) (_ *DB, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// A file: URI with an escaped path, so that a '?' or '#' in the path is
	// not taken for the start of the parameters.
	name := "file:" + (&url.URL{Path: abs}).EscapedPath()
	// WAL with synchronous=NORMAL: a commit is in the WAL file (the OS has it)
	// before it returns, so an acknowledged write survives a crash of the
	// process; only a power loss or OS crash can lose the last transactions,
	// never corrupt the database.
	// secure_delete overwrites deleted content with zeros, so that an erased
	// account's data does not linger in free pages of the file.
	const common = "_busy_timeout=5000&_foreign_keys=1&_pragma=secure_delete(1)"
	write, err := sql.Open("sqlite", name+"?"+common+"&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	db := &DB{write: write, clock: clock}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	// Connect the writer (which switches the file to WAL) before any reader
	// opens the file.
	if err := write.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// The readers keep SQLite's defaults. SQLite drops a read connection's
	// whole page cache, and its memory mapping, whenever another connection
	// has written, and the writer commits many times a second under load:
	// a bigger cache would rarely be warm, and mmap_size measured slower
	// (For You 866/s against 1,405/s at a million videos), the file being
	// remapped and every page re-parsed after each write.
	read, err := sql.Open("sqlite", name+"?"+common+"&_query_only=1")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	readers := max(4, 2*runtime.NumCPU())
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	db.read = newStmtCache(read)
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	// Refresh the planner's statistics where they are stale (cheap, bounded
	// work, as SQLite advises at open), so that e.g. an author filter uses
	// the author index once the tables have grown.
	if _, err := db.write.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		return nil, fmt.Errorf("sqlite: optimize: %w", err)
	}
	return db, nil
}

// Close closes both connection pools.
func (db *DB) Close() error {
	var err error
	if db.read != nil {
		err = db.read.Close()
	}
	return errors.Join(err, db.write.Close())
}

// SetElsewhere tells the store how to find records of other regions.
func (db *DB) SetElsewhere(e flick.Elsewhere) { db.elsewhere = e }

// storedHere reports whether account id is stored in this region.
func storedHere(ctx context.Context, q querier, id string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}

func (db *DB) elsewhereAccount(ctx context.Context, id string) (bool, error) {
	if db.elsewhere == nil {
		return false, nil
	}
	return db.elsewhere.AccountExists(ctx, id)
}

func (db *DB) elsewhereVideo(ctx context.Context, id string) (bool, error) {
	if db.elsewhere == nil {
		return false, nil
	}
	return db.elsewhere.VideoExists(ctx, id)
}

// countsByID runs query, which selects (id, count) and ends in "IN ", over
// batches of ids.
func (db *DB) countsByID(ctx context.Context, query string, ids []string) (map[string]int64, error) {
	counts := map[string]int64{}
	err := queryBatches(ctx, db.read, query, nil, ids, func(rows *sql.Rows) error {
		var id string
		var n int64
		err := rows.Scan(&id, &n)
		counts[id] = n
		return err
	})
	return counts, err
}

// Ping checks that both pools can reach the database.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping writer: %w", err)
	}
	if err := db.read.pool.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping readers: %w", err)
	}
	return nil
}

// Migrate applies the embedded migrations that the database has not seen yet,
// in order, each in its own transaction together with its row in
// schema_migrations, and returns the names of those it applied.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	defer wrap(&err, "migrate")
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names) // numbered names: lexical order is numeric order
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return nil, err
	}
	for _, name := range names {
		version := strings.TrimSuffix(filepath.Base(name), ".sql")
		body, err := migrations.ReadFile(name)
		if err != nil {
			return applied, err
		}
		var done bool
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			// Checked inside the (immediate) transaction, so that two processes
			// opening the same file cannot both apply a migration.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil || n > 0 {
				done = n > 0
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", version, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, millis(db.clock()))
			return err
		})
		if err != nil {
			return applied, err
		}
		if !done {
			applied = append(applied, version)
		}
	}
	return applied, nil
}

// inTx runs fn in a write transaction on the single writer connection and
// commits it if fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// querier is what *sql.DB and *sql.Tx have in common, so that read helpers
// serve both the read pool and a write transaction that reads its own writes.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// wrap adds the operation's name to internal errors; *flick.Error values are
// for users and pass through untouched.
func wrap(err *error, op string) {
	var fe *flick.Error
	if *err != nil && !errors.As(*err, &fe) {
		*err = fmt.Errorf("sqlite: %s: %w", op, *err)
	}
}

// isConstraint reports whether err is the SQLite constraint violation code.
func isConstraint(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == code
}

func isUnique(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) || isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// inList returns "?, ?, ..." and the query arguments for a non-empty list of
// IDs. The list is padded to a power of two by repeating the last ID, which
// changes no IN result but keeps the number of distinct queries (and so of
// cached statements) small.
func inList(ids []string) (string, []any) {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	args := make([]any, n)
	for i := range args {
		args[i] = ids[min(i, len(ids)-1)]
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", "), args
}

// newRecord fills in the ID and creation time of a record the caller left
// blank and checks an ID the caller chose.
func (db *DB) newRecord(id *string, created *time.Time) error {
	if created.IsZero() {
		*created = db.clock()
	}
	if *id == "" {
		*id = flick.NewID(*created)
	} else if !flick.ValidID(*id) {
		return flick.Errorf(flick.EINVALID, "ID is not valid.")
	}
	return nil
}

// cursorArg validates a pagination cursor, the last ID of the previous page.
func cursorArg(cursor string) error {
	if cursor != "" && !flick.ValidID(cursor) {
		return flick.Errorf(flick.EINVALID, "Cursor is not valid.")
	}
	return nil
}

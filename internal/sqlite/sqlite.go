// Package sqlite is Flick's embedded metadata store: one SQLite database file
// per region implementing flick.Store, with its schema in numbered migrations
// embedded in the binary.
//
// Writes go through a single connection, reads through a pool of read-only
// connections (see package sqldb, which opens the file); reads run as
// prepared statements from a cache (stmtcache.go).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a region's metadata database.
type DB struct {
	write *sql.DB    // exactly one connection, BEGIN IMMEDIATE transactions (sqldb.InTx)
	read  *stmtCache // over a pool of query_only connections
	clock flick.Clock
	// migrated lists the migrations Open applied.
	migrated []string
	// elsewhere finds accounts, videos and comments of other regions that
	// this region's records name; nil in a single-region instance.
	elsewhere flick.Elsewhere
}

var _ flick.Store = (*DB)(nil)

// Open opens (creating if needed) the database file at path and applies any
// pending migrations.
func Open(ctx context.Context, path string, clock flick.Clock) (_ *DB, err error) {
	defer sqldb.Wrap(&err, "sqlite: open %s", path)
	s, err := sqldb.Open(ctx, path, sqldb.Options{
		// NORMAL: an acknowledged write survives a crash of the process;
		// only a power loss or OS crash can lose the last transactions,
		// never corrupt the database. Commits do not wait for the disk, and
		// the store commits many times a second under load.
		Synchronous: sqldb.Normal,
		// An erased account's data must not linger in free pages of the
		// file.
		SecureDelete: true,
		// The readers keep SQLite's defaults. SQLite drops a read
		// connection's whole page cache, and its memory mapping, whenever
		// another connection has written, and the writer commits many times
		// a second under load: a bigger cache would rarely be warm, and
		// mmap_size measured slower (For You 866/s against 1,405/s at a
		// million videos), the file being remapped and every page re-parsed
		// after each write.
		Readers:    max(4, 2*runtime.NumCPU()),
		Migrations: sqldb.Migrations{FS: migrations, Clock: clock},
	})
	if err != nil {
		return nil, err
	}
	db := &DB{write: s.Write, read: newStmtCache(s.Read), clock: clock, migrated: s.Migrated}
	// Refresh the planner's statistics where they are stale (cheap, bounded
	// work, as SQLite advises at open), so that e.g. an author filter uses
	// the author index once the tables have grown.
	if _, err := db.write.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		db.Close()
		return nil, fmt.Errorf("optimize: %w", err)
	}
	return db, nil
}

// Migrated lists the migrations Open applied, oldest first.
func (db *DB) Migrated() []string { return db.migrated }

// Close closes both connection pools.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
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

// querier is what *sql.DB and *sql.Tx have in common, so that read helpers
// serve both the read pool and a write transaction that reads its own writes.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
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

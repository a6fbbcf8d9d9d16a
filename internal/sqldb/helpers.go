package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/flick-video/flick"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// InTx runs fn in a transaction on db and commits it if fn returns nil. On
// a writer opened by Open the transaction is an immediate write transaction.
func InTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Wrap adds what was being done, formatted, to an internal error in *err;
// *flick.Error values are for users and pass through untouched. It is
// deferred at the top of a function with a named error result:
//
//	defer sqldb.Wrap(&err, "sqlite: video %s", id)
func Wrap(err *error, format string, args ...any) {
	var fe *flick.Error
	if *err != nil && !errors.As(*err, &fe) {
		*err = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *err)
	}
}

// IsUnique reports whether err is the violation of a unique or primary key
// constraint.
func IsUnique(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// IsForeignKey reports whether err is the violation of a foreign key
// constraint.
func IsForeignKey(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY)
}

func isConstraint(err error, codes ...int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && slices.Contains(codes, se.Code())
}

// Affected reports whether an Exec changed any row; it takes Exec's results
// as they come: sqldb.Affected(tx.ExecContext(...)).
func Affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Found turns an Exec that changed no row into ENOTFOUND "<what> not found.".
func Found(res sql.Result, err error, what string) error {
	changed, err := Affected(res, err)
	if err == nil && !changed {
		return flick.Errorf(flick.ENOTFOUND, "%s not found.", what)
	}
	return err
}

// TruncateLog copies every page of db's write-ahead log into the database
// file and truncates the log to zero bytes, so that no old version of a page,
// with records deleted since, is left in it. SQLite reports a checkpoint that
// readers of an older snapshot kept from finishing as a result, not an
// error: TruncateLog tries again until it finishes, ctx ends or a minute has
// passed.
func TruncateLog(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		var busy, pages, done int
		if err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &pages, &done); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("checkpoint: readers kept the write-ahead log from being truncated")
		case <-time.After(wait):
		}
	}
}

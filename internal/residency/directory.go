package residency

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/flick-video/flick"
)

// Directory is the global directory on the embedded default: a small SQLite
// file outside every region holding account ID → home region and handle →
// account ID, nothing else. Lookups are cached in memory: every request that
// concerns an account asks it.
type Directory struct {
	db *sql.DB

	mu      sync.RWMutex
	regions map[string]string // account ID → region, as read or written
}

var _ flick.Directory = (*Directory)(nil)

const directorySchema = `
CREATE TABLE IF NOT EXISTS accounts (
    id     TEXT PRIMARY KEY,
    region TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS handles (
    handle     TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE
);`

// OpenDirectory opens (creating if needed) the directory file at path.
func OpenDirectory(ctx context.Context, path string) (*Directory, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	// One connection: the directory is small and written rarely; FULL
	// synchronous, because a sign-up acknowledged must stay findable.
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: abs}).EscapedPath()+
		"?_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate&_pragma=secure_delete(1)")
	if err != nil {
		return nil, fmt.Errorf("directory: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, directorySchema+journalSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("directory: open %s: %w", path, err)
	}
	return &Directory{db: db, regions: map[string]string{}}, nil
}

// inTx runs fn in a transaction and commits it if fn returns nil.
func (d *Directory) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	return nil
}

// Close closes the file.
func (d *Directory) Close() error { return d.db.Close() }

// Entry is one account in the directory.
type Entry struct{ ID, Handle, Region string }

// Register claims handle for the new account id homed in region.
func (d *Directory) Register(ctx context.Context, id, handle, region string) error {
	return d.RegisterAll(ctx, []Entry{{ID: id, Handle: handle, Region: region}})
}

// RegisterAll registers many accounts in one transaction (bulk loads);
// nothing is registered if one fails.
func (d *Directory) RegisterAll(ctx context.Context, entries []Entry) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for _, e := range entries {
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, region) VALUES (?, ?)`, e.ID, e.Region); err != nil {
				if isUnique(err) {
					return flick.Errorf(flick.ECONFLICT, "Account already exists.")
				}
				return fmt.Errorf("directory: register: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO handles (handle, account_id) VALUES (?, ?)`, e.Handle, e.ID); err != nil {
				if isUnique(err) {
					return flick.Errorf(flick.ECONFLICT, "Handle is already taken.")
				}
				return fmt.Errorf("directory: register: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range entries {
		d.remember(e.ID, e.Region)
	}
	return nil
}

// Region returns the home region of account id.
func (d *Directory) Region(ctx context.Context, id string) (string, error) {
	d.mu.RLock()
	r, ok := d.regions[id]
	d.mu.RUnlock()
	if ok {
		return r, nil
	}
	err := d.db.QueryRowContext(ctx, `SELECT region FROM accounts WHERE id = ?`, id).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return "", flick.Errorf(flick.ENOTFOUND, "Account not found.")
	} else if err != nil {
		return "", fmt.Errorf("directory: region: %w", err)
	}
	d.remember(id, r)
	return r, nil
}

// Lookup returns the account ID of handle.
func (d *Directory) Lookup(ctx context.Context, handle string) (string, error) {
	var id string
	err := d.db.QueryRowContext(ctx, `SELECT account_id FROM handles WHERE handle = ?`, handle).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", flick.Errorf(flick.ENOTFOUND, "Account not found.")
	} else if err != nil {
		return "", fmt.Errorf("directory: lookup: %w", err)
	}
	return id, nil
}

// Remove forgets account id and its handle.
func (d *Directory) Remove(ctx context.Context, id string) error {
	d.forget(id)
	if _, err := d.db.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, id); err != nil {
		return fmt.Errorf("directory: remove: %w", err)
	}
	// Deleted rows are zeroed (secure_delete); the WAL still holds the old
	// pages until a checkpoint truncates it.
	if _, err := d.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("directory: remove: checkpoint: %w", err)
	}
	return nil
}

// Entries lists every account ID and its home region, for the residency
// check.
func (d *Directory) Entries(ctx context.Context) (map[string]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, region FROM accounts`)
	if err != nil {
		return nil, fmt.Errorf("directory: entries: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, r string
		if err := rows.Scan(&id, &r); err != nil {
			return nil, fmt.Errorf("directory: entries: %w", err)
		}
		out[id] = r
	}
	return out, rows.Err()
}

// Empty reports whether the directory has no account: a data directory
// made before regions existed, whose accounts it must adopt.
func (d *Directory) Empty(ctx context.Context) (bool, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		return false, fmt.Errorf("directory: count: %w", err)
	}
	return n == 0, nil
}

func (d *Directory) forget(id string) {
	d.mu.Lock()
	delete(d.regions, id)
	d.mu.Unlock()
}

func (d *Directory) remember(id, region string) {
	d.mu.Lock()
	d.regions[id] = region
	d.mu.Unlock()
}

func found(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return cmp.Or[error](err, flick.Errorf(flick.ENOTFOUND, "Account not found."))
	}
	return nil
}

func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// Package directory is the global directory: the only data about people
// kept outside their home region. It maps account ID → home region and
// handle → account ID, and keeps the journals of account moves and
// erasures, so that the switch of a move and the end of an erasure are
// each one transaction with the entry they change. On the embedded default
// it is a small SQLite file beside the regions.
package directory

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

// Directory is the global directory on the embedded default: a small SQLite
// file outside every region holding account ID → home region and handle →
// account ID, and no other data about people (its file also keeps the move
// and erasure journals, journal.go). Lookups are cached in memory: every
// request that concerns an account asks it.
type Directory struct {
	db       *sql.DB
	migrated []string

	mu      sync.RWMutex
	regions map[string]string // account ID → region, as read or written
}

var _ flick.Directory = (*Directory)(nil)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating if needed) the directory file at path and
// applies its pending migrations.
func Open(ctx context.Context, path string) (*Directory, error) {
	db, err := sqldb.Open(ctx, path, sqldb.Options{
		// FULL: a sign-up acknowledged must stay findable, even after a
		// power loss.
		Synchronous: sqldb.Full,
		// An erased account's handle must not linger in free pages.
		SecureDelete: true,
		// No readers: the directory is small and written rarely; its reads
		// share the one connection.
		Migrations: sqldb.Migrations{FS: migrations, Clock: time.Now},
	})
	if err != nil {
		return nil, fmt.Errorf("directory: open %s: %w", path, err)
	}
	return &Directory{db: db.Write, migrated: db.Migrated, regions: map[string]string{}}, nil
}

// Close closes the file.
func (d *Directory) Close() error { return d.db.Close() }

// Migrated lists the migrations Open applied, oldest first.
func (d *Directory) Migrated() []string { return d.migrated }

// Entry is one account in the directory.
type Entry struct{ ID, Handle, Region string }

// Register claims handle for the new account id homed in region.
func (d *Directory) Register(ctx context.Context, id, handle, region string) error {
	return d.RegisterAll(ctx, []Entry{{ID: id, Handle: handle, Region: region}})
}

// RegisterAll registers many accounts in one transaction (bulk loads);
// nothing is registered if one fails.
func (d *Directory) RegisterAll(ctx context.Context, entries []Entry) (err error) {
	defer sqldb.Wrap(&err, "directory: register")
	err = sqldb.InTx(ctx, d.db, func(tx *sql.Tx) error {
		for _, e := range entries {
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, region) VALUES (?, ?)`, e.ID, e.Region); err != nil {
				if sqldb.IsUnique(err) {
					return flick.Errorf(flick.ECONFLICT, "Account already exists.")
				}
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO handles (handle, account_id) VALUES (?, ?)`, e.Handle, e.ID); err != nil {
				if sqldb.IsUnique(err) {
					return flick.Errorf(flick.ECONFLICT, "Handle is already taken.")
				}
				return err
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

// Unregister takes back the registration of account id and its handle.
func (d *Directory) Unregister(ctx context.Context, id string) error {
	d.forget(id)
	if _, err := d.db.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, id); err != nil {
		return fmt.Errorf("directory: unregister: %w", err)
	}
	// Deleted rows are zeroed (secure_delete); the WAL still holds the old
	// pages until a checkpoint truncates it.
	if err := sqldb.TruncateLog(ctx, d.db); err != nil {
		return fmt.Errorf("directory: unregister: %w", err)
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

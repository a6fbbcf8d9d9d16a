package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/flick-video/flick"
)

// Migrations are a database's schema as numbered SQL files, applied in order
// and never edited once shipped: a change is a new file.
type Migrations struct {
	// FS holds the files as migrations/NNNN_name.sql, the way
	// `//go:embed migrations/*.sql` embeds them; NNNN_name is the version
	// recorded in schema_migrations.
	FS fs.FS
	// Clock stamps each migration's applied_at.
	Clock flick.Clock
	// Adopt, when set, is asked, while no migration is recorded, how many of
	// the migrations (the first n, in order) the database already has from
	// before they were recorded in schema_migrations; those are recorded
	// without being run. A new database has none.
	Adopt func(ctx context.Context, tx *sql.Tx) (n int, err error)
}

var fileName = regexp.MustCompile(`^[0-9]{4}_[a-z0-9_]+\.sql$`)

// migrate applies the migrations db has not recorded yet, in order, each in
// its own transaction together with its row in schema_migrations, and
// returns the versions it applied. It refuses a database that records a
// migration m does not have: a newer program made it, and this one does not
// know its schema.
func migrate(ctx context.Context, db *sql.DB, m Migrations) (applied []string, err error) {
	defer Wrap(&err, "migrate")
	versions, err := versions(m.FS)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return nil, err
	}
	if m.Adopt != nil {
		if err := adopt(ctx, db, m, versions); err != nil {
			return nil, err
		}
	}
	if err := checkKnown(ctx, db, versions); err != nil {
		return nil, err
	}
	for _, version := range versions {
		body, err := fs.ReadFile(m.FS, path.Join("migrations", version+".sql"))
		if err != nil {
			return applied, err
		}
		var done bool
		err = InTx(ctx, db, func(tx *sql.Tx) (err error) {
			// Checked inside the write transaction, which holds the lock
			// (BEGIN IMMEDIATE), so that two processes opening the same file
			// cannot both apply a migration.
			if done, err = isRecorded(ctx, tx, version); err != nil || done {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", version, err)
			}
			return record(ctx, tx, m.Clock, version)
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

// versions lists the migrations of fsys in order.
func versions(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !fileName.MatchString(e.Name()) {
			return nil, fmt.Errorf("migration %s is not named NNNN_name.sql", e.Name())
		}
		out = append(out, strings.TrimSuffix(e.Name(), ".sql"))
	}
	// ReadDir sorts by name, and numbered names sort in numeric order; two
	// files of one number would make the order a matter of their names.
	for i := 1; i < len(out); i++ {
		if out[i][:4] == out[i-1][:4] {
			return nil, fmt.Errorf("migrations %s and %s have the same number", out[i-1], out[i])
		}
	}
	return out, nil
}

// adopt records the migrations m.Adopt says the database already has, once:
// while no migration is recorded.
func adopt(ctx context.Context, db *sql.DB, m Migrations, versions []string) error {
	return InTx(ctx, db, func(tx *sql.Tx) error {
		var recorded int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&recorded); err != nil || recorded > 0 {
			return err
		}
		n, err := m.Adopt(ctx, tx)
		if err != nil {
			return fmt.Errorf("adopt: %w", err)
		}
		if n > len(versions) {
			return fmt.Errorf("adopt: the database has %d migrations, more than this program's %d: a newer program made it", n, len(versions))
		}
		for _, version := range versions[:n] {
			if err := record(ctx, tx, m.Clock, version); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkKnown refuses a database that records a migration not in versions.
func checkKnown(ctx context.Context, db *sql.DB, versions []string) error {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		if !slices.Contains(versions, v) {
			return fmt.Errorf("the database has migration %s, which this program does not know: a newer program made it", v)
		}
	}
	return rows.Err()
}

func isRecorded(ctx context.Context, tx *sql.Tx, version string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n)
	return n > 0, err
}

func record(ctx context.Context, tx *sql.Tx, clock flick.Clock, version string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, clock().UnixMilli())
	return err
}

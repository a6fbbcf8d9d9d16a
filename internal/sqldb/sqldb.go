// Package sqldb is what Flick's SQL databases share: opening a SQLite file
// the one way every embedded database is opened, numbered migrations applied
// at open, and the small helpers their stores are written with
// (transactions, error wrapping, constraint and row-count checks). Each
// database keeps its own schema and queries.
//
// A database has one writer connection and, if it reads much, a pool of
// query_only readers. SQLite allows one writer at a time anyway; funnelling
// every write transaction through one connection makes writers queue in Go
// instead of failing with "database is locked", and WAL lets the readers run
// beside the writer. Write transactions begin IMMEDIATE, taking the write
// lock at BEGIN, so that a transaction that reads before it writes cannot
// fail to upgrade its lock half way.
//
// InTx, Wrap, Affected and Found take *sql.DB, *sql.Tx and any driver's
// errors, so that a PostgreSQL backend can use them too. Opening, migrating
// (whose lock is SQLite's BEGIN IMMEDIATE, and whose queries use its '?'
// placeholders) and the constraint checks know SQLite for now.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Synchronous is the writer's PRAGMA synchronous, in WAL mode.
type Synchronous int

const (
	// Full syncs the WAL to disk before a commit returns: an acknowledged
	// write survives a power loss as well as a crash.
	Full Synchronous = iota
	// Normal leaves a commit in the WAL file (the OS has it) when it
	// returns: an acknowledged write survives a crash of the process; only
	// a power loss or OS crash can lose the last transactions, never
	// corrupt the database.
	Normal
)

func (s Synchronous) pragma() string {
	if s == Normal {
		return "NORMAL"
	}
	return "FULL"
}

// Options say how a database is opened; each database's Open explains its
// choices.
type Options struct {
	Synchronous Synchronous
	// SecureDelete overwrites deleted content with zeros, so that erased
	// personal data does not linger in free pages of the file.
	SecureDelete bool
	// Readers is the size of the pool of query_only connections; with 0
	// there is none and everything goes through the writer.
	Readers int
	// Migrations are applied before Open returns.
	Migrations Migrations
}

// DB is an open SQLite database file.
type DB struct {
	// Write is the one writer connection; its transactions begin IMMEDIATE.
	Write *sql.DB
	// Read is the pool of query_only connections, nil when Options.Readers
	// is 0.
	Read *sql.DB
	// Migrated lists the migrations Open applied, oldest first.
	Migrated []string
}

// Open opens (creating if needed) the SQLite file at path and applies its
// pending migrations.
func Open(ctx context.Context, path string, o Options) (_ *DB, err error) {
	name, err := uri(path)
	if err != nil {
		return nil, err
	}
	// Foreign keys are enforced everywhere: a schema that declares one means
	// it.
	common := "_busy_timeout=5000&_foreign_keys=1"
	if o.SecureDelete {
		common += "&_pragma=secure_delete(1)"
	}
	write, err := sql.Open("sqlite", name+"?"+common+"&_journal_mode=WAL&_synchronous="+o.Synchronous.pragma()+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// The one connection is kept open for good, its page cache warm.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	db := &DB{Write: write}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	// Connect the writer (which switches the file to WAL) before any reader
	// opens the file.
	if err := write.PingContext(ctx); err != nil {
		return nil, err
	}
	if o.Readers > 0 {
		if db.Read, err = sql.Open("sqlite", name+"?"+common+"&_query_only=1"); err != nil {
			return nil, err
		}
		db.Read.SetMaxOpenConns(o.Readers)
		db.Read.SetMaxIdleConns(o.Readers)
	}
	if db.Migrated, err = migrate(ctx, write, o.Migrations); err != nil {
		return nil, err
	}
	return db, nil
}

// OpenReadOnly opens a pool of query_only connections to the SQLite file at
// path, neither migrating it nor changing its journal mode: for tools that
// inspect a database another process may be writing.
func OpenReadOnly(path string) (*sql.DB, error) {
	name, err := uri(path)
	if err != nil {
		return nil, err
	}
	return sql.Open("sqlite", name+"?_busy_timeout=5000&_query_only=1")
}

// Close closes the readers and the writer.
func (db *DB) Close() error {
	var err error
	if db.Read != nil {
		err = db.Read.Close()
	}
	return errors.Join(err, db.Write.Close())
}

// uri is the file: URI of path, escaped so that a '?' or '#' in the path is
// not taken for the start of the parameters.
func uri(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return "file:" + (&url.URL{Path: abs}).EscapedPath(), nil
}

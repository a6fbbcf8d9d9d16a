// Package audit is Flick's tamper-evident access log (flick.AccessLog): every
// access to a person's data by someone else is a leaf of an RFC 6962 Merkle
// tree (golang.org/x/mod/sumdb/tlog), and every append is covered by an
// Ed25519-signed checkpoint note (golang.org/x/mod/sumdb/note).
//
// A log is a directory: audit.db, a SQLite file with the records, the
// tree's stored hashes and the signed checkpoints; signer.key, the private
// key (0600); verifier.key, its public verifier key. Verify re-derives the
// whole tree from the records alone and checks it against every signed
// checkpoint, so that an altered, removed or reordered entry is caught, and
// against a checkpoint an auditor saved earlier, so that a log cut back to an
// earlier, self-consistent state is caught too.
package audit

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Log is an access log directory opened for appending and reading.
type Log struct {
	db     *sqldb.DB
	signer note.Signer
	vkey   string
	clock  flick.Clock

	mu     sync.Mutex                             // serializes Record
	latest atomic.Pointer[flick.SignedCheckpoint] // newest committed checkpoint
}

var _ flick.AccessLog = (*Log)(nil)

// Open opens the access log in dir, creating the directory, the database
// and the key pair on first use. The signing key is the file signerFile,
// or signer.key in dir when signerFile is empty; kept elsewhere (another
// volume, a secret mount), it cannot be used by whoever can only write the
// log's files. It refuses a log whose entries are not exactly those covered
// by its newest signed checkpoint.
func Open(ctx context.Context, dir, signerFile string, clock flick.Clock) (_ *Log, err error) {
	defer sqldb.Wrap(&err, "audit: open %s", dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if signerFile == "" {
		signerFile = filepath.Join(dir, signerName)
	}
	signer, vkey, err := loadKeys(signerFile, filepath.Join(dir, verifierName))
	if err != nil {
		return nil, err
	}
	db, err := sqldb.Open(ctx, filepath.Join(dir, dbFile), sqldb.Options{
		// FULL: an acknowledged entry survives a power loss as well as a
		// crash.
		Synchronous: sqldb.Full,
		// No secure_delete: the log deletes nothing.
		Readers:    4,
		Migrations: sqldb.Migrations{FS: migrations, Clock: clock, Adopt: userVersion},
	})
	if err != nil {
		return nil, err
	}
	l := &Log{db: db, signer: signer, vkey: vkey, clock: clock}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	if err := l.loadLatest(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Close closes the database.
func (l *Log) Close() error { return l.db.Close() }

// Migrated lists the migrations Open applied, oldest first.
func (l *Log) Migrated() []string { return l.db.Migrated }

// VerifierKey is the note verifier key that checks the log's checkpoints;
// auditors pin it.
func (l *Log) VerifierKey() string { return l.vkey }

// dbFile is the log's database in its directory.
const dbFile = "audit.db"

// userVersion adopts an audit.db made before migrations were recorded in
// schema_migrations: it counted those it had applied in PRAGMA user_version.
func userVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&n)
	return n, err
}

// loadLatest reads the newest checkpoint, signing the empty tree's on first
// use, and checks that it covers exactly the stored entries.
func (l *Log) loadLatest(ctx context.Context) error {
	return sqldb.InTx(ctx, l.db.Write, func(tx *sql.Tx) error {
		var text string
		err := tx.QueryRowContext(ctx, `SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&text)
		if errors.Is(err, sql.ErrNoRows) {
			cp, err := l.checkpoint(ctx, tx, 0)
			if err != nil {
				return err
			}
			l.latest.Store(&cp)
			return nil
		} else if err != nil {
			return err
		}
		cp, err := OpenCheckpoint([]byte(text), l.vkey)
		if err != nil {
			return fmt.Errorf("newest checkpoint: %w", err)
		}
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM entries`).Scan(&n); err != nil {
			return err
		}
		if n != cp.Size {
			return fmt.Errorf("%w: the log holds %d entries but its newest checkpoint covers %d; run flick audit verify", ErrTampered, n, cp.Size)
		}
		l.latest.Store(&cp)
		return nil
	})
}

// Record validates entries and appends them in one transaction together
// with the signed checkpoint of the new tree. Their Index and, when zero,
// Time are set in the caller's slice once the batch is durable.
func (l *Log) Record(ctx context.Context, entries ...flick.AccessEntry) (err error) {
	defer sqldb.Wrap(&err, "audit: record")
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if err := e.Validate(); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	batch := make([]flick.AccessEntry, len(entries))
	var cp flick.SignedCheckpoint
	err = sqldb.InTx(ctx, l.db.Write, func(tx *sql.Tx) error {
		n := l.latest.Load().Size
		r := hashReader(ctx, tx)
		for i, e := range entries {
			e.Index = n
			if e.Time.IsZero() {
				e.Time = now
			}
			e.Time = e.Time.UTC()
			data, err := EncodeRecord(e)
			if err != nil {
				return err
			}
			hashes, err := tlog.StoredHashes(n, data, r)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO entries (idx, account_id, record) VALUES (?, ?, ?)`, n, e.AccountID, data); err != nil {
				return err
			}
			first := tlog.StoredHashIndex(0, n)
			for j, h := range hashes {
				if _, err := tx.ExecContext(ctx, `INSERT INTO hashes (idx, hash) VALUES (?, ?)`, first+int64(j), h[:]); err != nil {
					return err
				}
			}
			batch[i] = e
			n++
		}
		cp, err = l.checkpoint(ctx, tx, n)
		return err
	})
	if err != nil {
		return err
	}
	l.latest.Store(&cp)
	copy(entries, batch)
	return nil
}

// checkpoint signs and stores the checkpoint of the tree of size n.
func (l *Log) checkpoint(ctx context.Context, tx *sql.Tx, n int64) (flick.SignedCheckpoint, error) {
	root, err := tlog.TreeHash(n, hashReader(ctx, tx))
	if err != nil {
		return flick.SignedCheckpoint{}, err
	}
	msg, err := note.Sign(&note.Note{Text: formatCheckpoint(n, root)}, l.signer)
	if err != nil {
		return flick.SignedCheckpoint{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (size, note) VALUES (?, ?)`, n, string(msg)); err != nil {
		return flick.SignedCheckpoint{}, err
	}
	return flick.SignedCheckpoint{Size: n, Root: root.String(), Note: string(msg), VerifierKey: l.vkey}, nil
}

// Checkpoint returns the newest signed checkpoint.
func (l *Log) Checkpoint(ctx context.Context) (flick.SignedCheckpoint, error) {
	return *l.latest.Load(), nil
}

// Entries returns the entries with start <= Index < end, at most
// flick.MaxAccessPage of them, stopping at the end of the log.
func (l *Log) Entries(ctx context.Context, start, end int64) (_ []flick.AccessEntry, err error) {
	defer sqldb.Wrap(&err, "audit: entries")
	if start < 0 || end < start {
		return nil, flick.Errorf(flick.EINVALID, "Entries need 0 <= start <= end.")
	}
	end = min(end, l.latest.Load().Size, start+flick.MaxAccessPage)
	rows, err := l.db.Read.QueryContext(ctx, `SELECT record FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx`, start, end)
	if err != nil {
		return nil, err
	}
	return scanEntries(rows)
}

// EntriesAbout returns up to limit (1 to flick.MaxPageSize, default
// flick.DefaultPageSize) entries about accountID with Index < before (any
// when before <= 0), newest first.
func (l *Log) EntriesAbout(ctx context.Context, accountID string, before int64, limit int) (_ []flick.AccessEntry, err error) {
	defer sqldb.Wrap(&err, "audit: entries about")
	if !flick.ValidID(accountID) {
		return nil, flick.Errorf(flick.EINVALID, "Account ID is not valid.")
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	limit = flick.Page{Limit: limit}.Normalize().Limit
	rows, err := l.db.Read.QueryContext(ctx, `SELECT record FROM entries WHERE account_id = ? AND idx < ? ORDER BY idx DESC LIMIT ?`, accountID, before, limit)
	if err != nil {
		return nil, err
	}
	return scanEntries(rows)
}

func scanEntries(rows *sql.Rows) ([]flick.AccessEntry, error) {
	defer rows.Close()
	out := []flick.AccessEntry{}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var e flick.AccessEntry
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("decode record: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// InclusionProof proves that entry index is in the tree of size treeSize
// (0 <= index < treeSize <= the log's size).
func (l *Log) InclusionProof(ctx context.Context, index, treeSize int64) (_ flick.InclusionProof, err error) {
	defer sqldb.Wrap(&err, "audit: inclusion proof")
	size := l.latest.Load().Size
	if index < 0 || treeSize <= index || treeSize > size {
		return flick.InclusionProof{}, flick.Errorf(flick.EINVALID, "An inclusion proof needs 0 <= index < size <= %d.", size)
	}
	r := hashReader(ctx, l.db.Read)
	proof, err := tlog.ProveRecord(treeSize, index, r)
	if err != nil {
		return flick.InclusionProof{}, err
	}
	leaf, err := r.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
	if err != nil {
		return flick.InclusionProof{}, err
	}
	return flick.InclusionProof{Index: index, TreeSize: treeSize, LeafHash: leaf[0].String(), Hashes: hashStrings(proof)}, nil
}

// ConsistencyProof proves that the tree of size oldSize is a prefix of the
// tree of size newSize (0 <= oldSize <= newSize <= the log's size); the
// proof from the empty tree is empty.
func (l *Log) ConsistencyProof(ctx context.Context, oldSize, newSize int64) (_ flick.ConsistencyProof, err error) {
	defer sqldb.Wrap(&err, "audit: consistency proof")
	size := l.latest.Load().Size
	if oldSize < 0 || newSize < oldSize || newSize > size {
		return flick.ConsistencyProof{}, flick.Errorf(flick.EINVALID, "A consistency proof needs 0 <= old <= new <= %d.", size)
	}
	p := flick.ConsistencyProof{OldSize: oldSize, NewSize: newSize, Hashes: []string{}}
	if oldSize == 0 {
		return p, nil
	}
	proof, err := tlog.ProveTree(newSize, oldSize, hashReader(ctx, l.db.Read))
	if err != nil {
		return flick.ConsistencyProof{}, err
	}
	p.Hashes = hashStrings(proof)
	return p, nil
}

func hashStrings(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// hashReader reads stored hashes from q; inside a transaction it sees the
// hashes the transaction has written.
func hashReader(ctx context.Context, q querier) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, idx := range indexes {
			var b []byte
			err := q.QueryRowContext(ctx, `SELECT hash FROM hashes WHERE idx = ?`, idx).Scan(&b)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("stored hash %d is missing", idx)
			} else if err != nil {
				return nil, err
			}
			if len(b) != tlog.HashSize {
				return nil, fmt.Errorf("stored hash %d has %d bytes", idx, len(b))
			}
			out[i] = tlog.Hash(b)
		}
		return out, nil
	})
}

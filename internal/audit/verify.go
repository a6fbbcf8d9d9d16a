package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// maxProblems bounds the problems a report lists one by one; one altered
// entry can break thousands of checkpoints, and the first few say where.
const maxProblems = 20

// Report is what Verify found.
type Report struct {
	Dir         string   `json:"dir"`
	Entries     int64    `json:"entries"`
	Checkpoints int      `json:"checkpoints"`
	Size        int64    `json:"size"` // of the newest valid signed checkpoint
	Root        string   `json:"root"` // its tree hash, base64
	VerifierKey string   `json:"verifier_key"`
	FromSize    *int64   `json:"from_size,omitempty"` // of the saved checkpoint, when one was given
	Problems    []string `json:"problems,omitempty"`
}

// Verify checks the access log in dir without trusting anything it stores
// but the verifier key: it re-hashes every entry from its record bytes,
// rebuilds the Merkle tree, checks every stored checkpoint's signature and
// root against the rebuilt tree and the stored tree hashes against the
// rebuilt ones. Given from, a checkpoint note saved earlier, it also checks
// that note's signature and that the log still holds the same first
// from.Size entries: a log cut back to an earlier state, which is otherwise
// consistent, is caught only this way.
//
// The error wraps ErrTampered and lists the first problems when the log
// fails verification; the report lists them all (up to a bound).
func Verify(ctx context.Context, dir string, from []byte) (Report, error) {
	rep, err := verify(ctx, dir, from)
	if err != nil {
		return rep, fmt.Errorf("audit: verify %s: %w", dir, err)
	}
	if len(rep.Problems) > 0 {
		first := rep.Problems[:min(3, len(rep.Problems))]
		return rep, fmt.Errorf("%w: %s: %s: %s", ErrTampered, dir, plural(len(rep.Problems), "problem"), strings.Join(first, "; "))
	}
	return rep, nil
}

func verify(ctx context.Context, dir string, from []byte) (Report, error) {
	rep := Report{Dir: dir}
	db, v, vkey, err := openReadOnly(ctx, dir)
	if err != nil {
		return rep, err
	}
	defer db.Close()
	rep.VerifierKey = vkey
	// One read transaction: a consistent snapshot while the server appends.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return rep, err
	}
	defer tx.Rollback()
	c := &checker{ctx: ctx, tx: tx, known: note.VerifierList(v), vkey: vkey}
	if err := c.readStoredHashes(); err != nil {
		return rep, err
	}
	if err := c.rebuild(); err != nil {
		return rep, err
	}
	c.compareStoredHashes()
	if err := c.checkCheckpoints(&rep); err != nil {
		return rep, err
	}
	if from != nil {
		c.checkFrom(from, &rep)
	}
	rep.Entries = c.n
	rep.Problems = c.problems
	if c.more > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("... and %d more problems", c.more))
	}
	return rep, tx.Commit()
}

// ReadCheckpoint returns the newest signed checkpoint of the log in dir,
// checked against its verifier key, without opening the log for writing:
// what an auditor saves to pass to Verify later.
func ReadCheckpoint(ctx context.Context, dir string) (_ flick.SignedCheckpoint, err error) {
	defer sqldb.Wrap(&err, "audit: read checkpoint of %s", dir)
	db, _, vkey, err := openReadOnly(ctx, dir)
	if err != nil {
		return flick.SignedCheckpoint{}, err
	}
	defer db.Close()
	var text string
	if err := db.QueryRowContext(ctx, `SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&text); err != nil {
		return flick.SignedCheckpoint{}, err
	}
	return OpenCheckpoint([]byte(text), vkey)
}

// openReadOnly opens an existing log's database for reading, and its
// verifier key.
func openReadOnly(ctx context.Context, dir string) (*sql.DB, note.Verifier, string, error) {
	path := filepath.Join(dir, dbFile)
	if _, err := os.Stat(path); err != nil {
		return nil, nil, "", fmt.Errorf("no access log: %w", err)
	}
	v, vkey, err := readVerifierKey(dir)
	if err != nil {
		return nil, nil, "", err
	}
	db, err := sqldb.OpenReadOnly(path)
	if err != nil {
		return nil, nil, "", err
	}
	// Asked of the tables, not of the recorded migrations: a log last
	// opened by an older Flick counts its migrations in PRAGMA
	// user_version, and verifying must not write to adopt it.
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema
		WHERE type = 'table' AND name IN ('entries', 'hashes', 'checkpoints')`).Scan(&tables); err != nil {
		db.Close()
		return nil, nil, "", err
	}
	if tables < 3 {
		db.Close()
		return nil, nil, "", errors.New("audit.db has no access log schema")
	}
	return db, v, vkey, nil
}

// checker holds the state of one verification.
type checker struct {
	ctx   context.Context
	tx    *sql.Tx
	known note.Verifiers
	vkey  string

	stored []tlog.Hash // the stored hashes, by stored hash index
	hashes []tlog.Hash // the hashes rebuilt from the records
	n      int64       // records rebuilt

	problems []string
	more     int
}

func (c *checker) problem(format string, args ...any) {
	if len(c.problems) < maxProblems {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	} else {
		c.more++
	}
}

// reader reads the rebuilt hashes.
func (c *checker) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(c.hashes)) {
				return nil, fmt.Errorf("hash %d is beyond the rebuilt tree", x)
			}
			out[i] = c.hashes[x]
		}
		return out, nil
	})
}

func (c *checker) readStoredHashes() error {
	rows, err := c.tx.QueryContext(c.ctx, `SELECT idx, hash FROM hashes ORDER BY idx`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var b []byte
		if err := rows.Scan(&idx, &b); err != nil {
			return err
		}
		if next := int64(len(c.stored)); idx != next {
			c.problem("stored tree hashes %d to %d are missing", next, idx-1)
			c.stored = append(c.stored, make([]tlog.Hash, idx-next)...)
		}
		var h tlog.Hash
		if len(b) != tlog.HashSize {
			c.problem("stored tree hash %d has %d bytes, not %d", idx, len(b), tlog.HashSize)
		} else {
			h = tlog.Hash(b)
		}
		c.stored = append(c.stored, h)
	}
	return rows.Err()
}

// rebuild re-hashes the records in index order into a new tree, checking
// each record against its row and its stored leaf hash on the way.
func (c *checker) rebuild() error {
	rows, err := c.tx.QueryContext(c.ctx, `SELECT idx, account_id, record FROM entries ORDER BY idx`)
	if err != nil {
		return err
	}
	defer rows.Close()
	r := c.reader()
	for next := int64(0); rows.Next(); c.n++ {
		var idx int64
		var account string
		var data []byte
		if err := rows.Scan(&idx, &account, &data); err != nil {
			return err
		}
		if idx != next {
			c.problem("%s removed: missing from the log", span(next, idx-1))
		}
		next = idx + 1
		var e flick.AccessEntry
		if err := json.Unmarshal(data, &e); err != nil {
			c.problem("entry %d: its record is not an access entry: %v", idx, err)
		} else {
			if e.Index != idx {
				c.problem("entry %d: its record says index %d: entries were reordered or altered", idx, e.Index)
			}
			if e.AccountID != account {
				c.problem("entry %d: filed under account %s but its record names %s", idx, account, e.AccountID)
			}
		}
		leaf := tlog.RecordHash(data)
		if si := tlog.StoredHashIndex(0, idx); si >= int64(len(c.stored)) {
			c.problem("entry %d has no stored hash: appended outside the log", idx)
		} else if c.stored[si] != leaf {
			c.problem("entry %d was altered: its record does not hash to the hash stored when it was appended", idx)
		}
		hs, err := tlog.StoredHashesForRecordHash(c.n, leaf, r)
		if err != nil {
			return err
		}
		c.hashes = append(c.hashes, hs...)
	}
	return rows.Err()
}

// compareStoredHashes checks the hashes that proofs are made of.
func (c *checker) compareStoredHashes() {
	if len(c.stored) != len(c.hashes) {
		c.problem("the log stores %d tree hashes where its %d entries make %d", len(c.stored), c.n, len(c.hashes))
	}
	differ := 0
	for i := range min(len(c.stored), len(c.hashes)) {
		if c.stored[i] != c.hashes[i] {
			differ++
		}
	}
	if differ > 0 {
		c.problem("%d of the stored tree hashes differ from those rebuilt from the entries: proofs served from them are wrong", differ)
	}
}

// checkCheckpoints checks every stored checkpoint's signature and root.
func (c *checker) checkCheckpoints(rep *Report) error {
	rows, err := c.tx.QueryContext(c.ctx, `SELECT size, note FROM checkpoints ORDER BY size`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		newest             *flick.SignedCheckpoint
		lastGood           int64 // size of the last matching checkpoint before the first mismatch
		firstBad           = int64(-1)
		mismatches         int
		beyond             int
		beyondLo, beyondHi int64
	)
	r := c.reader()
	for rows.Next() {
		var size int64
		var text string
		if err := rows.Scan(&size, &text); err != nil {
			return err
		}
		rep.Checkpoints++
		cp, err := openCheckpoint([]byte(text), c.known, c.vkey)
		if err != nil {
			c.problem("checkpoint %d: %v", size, err)
			continue
		}
		if cp.Size != size {
			c.problem("checkpoint %d: filed under size %d but signs size %d", size, size, cp.Size)
			continue
		}
		newest = &cp
		if size > c.n {
			if beyond == 0 {
				beyondLo = size
			}
			beyond++
			beyondHi = size
			continue
		}
		root, err := tlog.TreeHash(size, r)
		if err != nil {
			return err
		}
		if root.String() != cp.Root {
			mismatches++
			if firstBad < 0 {
				firstBad = size
			}
		} else if firstBad < 0 {
			lastGood = size
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if mismatches > 0 {
		c.problem("%d of %d signed checkpoints do not match the entries, the first of size %d (the one of size %d still matches): the change is in %s",
			mismatches, rep.Checkpoints, firstBad, lastGood, span(lastGood, firstBad-1))
	}
	if beyond > 0 {
		if beyond == 1 {
			c.problem("the signed checkpoint of size %d covers more than the log's %d entries: entries were removed from its end", beyondLo, c.n)
		} else {
			c.problem("%d signed checkpoints, of sizes %d to %d, cover more than the log's %d entries: entries were removed from its end",
				beyond, beyondLo, beyondHi, c.n)
		}
	}
	switch {
	case newest == nil:
		c.problem("the log has no valid signed checkpoint")
	case newest.Size < c.n:
		c.problem("%s not covered by a valid signed checkpoint", span(newest.Size, c.n-1))
	}
	if newest != nil {
		rep.Size, rep.Root = newest.Size, newest.Root
	}
	return nil
}

// checkFrom checks a checkpoint saved earlier against the rebuilt tree.
func (c *checker) checkFrom(from []byte, rep *Report) {
	cp, err := openCheckpoint(from, c.known, c.vkey)
	if err != nil {
		c.problem("the saved checkpoint does not verify with this log's key %s (was the key replaced?): %v", c.vkey, err)
		return
	}
	rep.FromSize = &cp.Size
	if cp.Size > c.n {
		c.problem("the log shrank from %d entries (the saved checkpoint) to %d: entries were removed", cp.Size, c.n)
		return
	}
	root, err := tlog.TreeHash(cp.Size, c.reader())
	if err != nil {
		c.problem("the saved checkpoint of size %d: %v", cp.Size, err)
		return
	}
	if root.String() != cp.Root {
		c.problem("the log is not consistent with the saved checkpoint of size %d: its first %d entries were altered, removed or reordered since", cp.Size, cp.Size)
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// span names the entries from lo to hi: "entry 4", "entries 4 to 9".
func span(lo, hi int64) string {
	if lo == hi {
		return fmt.Sprintf("entry %d", lo)
	}
	return fmt.Sprintf("entries %d to %d", lo, hi)
}

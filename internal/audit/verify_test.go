package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/audit"
	"golang.org/x/mod/sumdb/tlog"
)

// tamperedLog makes a closed log of 21 entries (checkpoints at sizes 0, 1,
// 3, 6, 10, 15 and 21) and returns its directory and the checkpoint an
// auditor saved at size 15.
func tamperedLog(t *testing.T) (dir string, saved []byte) {
	t.Helper()
	l, dir := openLog(t)
	cps := fill(t, l, 21)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(context.Background(), dir, nil); err != nil {
		t.Fatalf("untouched log: %v", err)
	}
	return dir, []byte(cps[5].Note)
}

// rawDB opens a log's database behind its back.
func rawDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func record(t *testing.T, db *sql.DB, idx int64) []byte {
	t.Helper()
	var b []byte
	if err := db.QueryRow(`SELECT record FROM entries WHERE idx = ?`, idx).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// alter rewrites one record's reason, as someone hiding an access would.
func alter(t *testing.T, db *sql.DB, idx int64) []byte {
	t.Helper()
	b := bytes.Replace(record(t, db, idx), []byte(`"reason":"support ticket`), []byte(`"reason":"routine check!`), 1)
	exec(t, db, `UPDATE entries SET record = ? WHERE idx = ?`, b, idx)
	return b
}

func TestVerifyCatchesTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, db *sql.DB, dir string)
		from   bool     // verify against the checkpoint saved at size 15
		want   []string // each must be in the problems
	}{
		{
			name:   "record altered",
			tamper: func(t *testing.T, db *sql.DB, _ string) { alter(t, db, 7) },
			want:   []string{"entry 7 was altered", "the change is in entries 6 to 9"},
		},
		{
			name: "record altered and its stored hash rewritten",
			tamper: func(t *testing.T, db *sql.DB, _ string) {
				b := alter(t, db, 7)
				h := tlog.RecordHash(b)
				exec(t, db, `UPDATE hashes SET hash = ? WHERE idx = ?`, h[:], tlog.StoredHashIndex(0, 7))
			},
			want: []string{"the one of size 6 still matches): the change is in entries 6 to 9"},
		},
		{
			name:   "record removed",
			tamper: func(t *testing.T, db *sql.DB, _ string) { exec(t, db, `DELETE FROM entries WHERE idx = 12`) },
			want:   []string{"entry 12 removed", "the signed checkpoint of size 21 covers more than the log's 20 entries"},
		},
		{
			name: "records swapped",
			tamper: func(t *testing.T, db *sql.DB, _ string) {
				a, b := record(t, db, 3), record(t, db, 8)
				exec(t, db, `UPDATE entries SET record = ? WHERE idx = 3`, b)
				exec(t, db, `UPDATE entries SET record = ? WHERE idx = 8`, a)
			},
			want: []string{"entry 3: its record says index 8", "entry 8: its record says index 3", "the change is in entries 3 to 5"},
		},
		{
			name: "entry hidden from its account's page",
			tamper: func(t *testing.T, db *sql.DB, _ string) {
				exec(t, db, `UPDATE entries SET account_id = ? WHERE idx = 4`, flick.NewID(t0))
			},
			want: []string{"entry 4: filed under account"},
		},
		{
			name: "tail cut, hashes left",
			tamper: func(t *testing.T, db *sql.DB, _ string) {
				exec(t, db, `DELETE FROM entries WHERE idx >= 15`)
				exec(t, db, `DELETE FROM checkpoints WHERE size > 15`)
			},
			want: []string{"stores 39 tree hashes where its 15 entries make 26"},
		},
		{
			name: "tail cut, checkpoints left",
			tamper: func(t *testing.T, db *sql.DB, _ string) {
				exec(t, db, `DELETE FROM entries WHERE idx >= 10`)
				exec(t, db, `DELETE FROM hashes WHERE idx >= ?`, tlog.StoredHashIndex(0, 10))
			},
			want: []string{"2 signed checkpoints, of sizes 15 to 21, cover more than the log's 10 entries"},
		},
		{
			name:   "tail cut cleanly, caught by the saved checkpoint",
			tamper: cutTail(10),
			from:   true,
			want:   []string{"the log shrank from 15 entries (the saved checkpoint) to 10"},
		},
		{
			name: "checkpoint signature forged",
			tamper: func(t *testing.T, db *sql.DB, _ string) {
				var note string
				if err := db.QueryRow(`SELECT note FROM checkpoints WHERE size = 21`).Scan(&note); err != nil {
					t.Fatal(err)
				}
				// A base64 character in the middle of the signature.
				i := len(note) - 10
				c := byte('A')
				if note[i] == 'A' {
					c = 'B'
				}
				exec(t, db, `UPDATE checkpoints SET note = ? WHERE size = 21`, note[:i]+string(c)+note[i+1:])
			},
			want: []string{"checkpoint 21: checkpoint signature: invalid signature"},
		},
		{
			name: "entry appended outside the log",
			tamper: func(t *testing.T, db *sql.DB, _ string) {
				exec(t, db, `INSERT INTO entries (idx, account_id, record) SELECT 21, account_id, record FROM entries WHERE idx = 20`)
			},
			want: []string{"entry 21 not covered by a valid signed checkpoint"},
		},
		{
			name:   "history rewritten and re-signed with the log's own key",
			tamper: rewriteHistory(false),
			from:   true,
			want:   []string{"not consistent with the saved checkpoint of size 15"},
		},
		{
			name:   "history rewritten under a new key",
			tamper: rewriteHistory(true),
			from:   true,
			want:   []string{"the saved checkpoint does not verify with this log's key"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir, saved := tamperedLog(t)
			tc.tamper(t, rawDB(t, dir), dir)
			var from []byte
			if tc.from {
				from = saved
				// Without the saved checkpoint the log is self-consistent:
				// that is why auditors keep checkpoints.
				if _, err := audit.Verify(ctx, dir, nil); err != nil {
					t.Fatalf("without the saved checkpoint: %v", err)
				}
			}
			rep, err := audit.Verify(ctx, dir, from)
			if !errors.Is(err, audit.ErrTampered) {
				t.Fatalf("Verify = %v, want ErrTampered", err)
			}
			problems := strings.Join(rep.Problems, "\n")
			for _, w := range tc.want {
				if !strings.Contains(problems, w) {
					t.Errorf("problems lack %q:\n%s", w, problems)
				}
			}
			t.Logf("%v", err)
		})
	}
}

// cutTail removes every entry from n on, with its hashes and checkpoints:
// what is left is a consistent log of an earlier size.
func cutTail(n int64) func(t *testing.T, db *sql.DB, dir string) {
	return func(t *testing.T, db *sql.DB, _ string) {
		exec(t, db, `DELETE FROM entries WHERE idx >= ?`, n)
		exec(t, db, `DELETE FROM hashes WHERE idx >= ?`, tlog.StoredHashIndex(0, n))
		exec(t, db, `DELETE FROM checkpoints WHERE size > ?`, n)
	}
}

// rewriteHistory replaces the log with one built afresh from altered
// entries, signed with the log's own key (which whoever can write the files
// can read) or with a new one.
func rewriteHistory(newKey bool) func(t *testing.T, db *sql.DB, dir string) {
	return func(t *testing.T, db *sql.DB, dir string) {
		t.Helper()
		forged := filepath.Join(t.TempDir(), "forged")
		if err := os.Mkdir(forged, 0o700); err != nil {
			t.Fatal(err)
		}
		if !newKey {
			for _, name := range []string{"signer.key", "verifier.key"} {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(forged, name), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		l := reopen(t, forged)
		for i := range 21 {
			e := entry(i)
			if i == 4 {
				e.Reason = "never happened"
			}
			if err := l.Record(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		db.Close()
		for _, name := range []string{"audit.db", "signer.key", "verifier.key"} {
			if err := os.Rename(filepath.Join(forged, name), filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"audit.db-wal", "audit.db-shm"} {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

func TestVerifyErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := audit.Verify(ctx, t.TempDir(), nil); err == nil || errors.Is(err, audit.ErrTampered) {
		t.Errorf("Verify of an empty directory = %v, want a plain error", err)
	}
	_, dir := openLog(t)
	if _, err := audit.Verify(ctx, dir, []byte("not a note\n")); !errors.Is(err, audit.ErrTampered) {
		t.Errorf("Verify with a junk saved checkpoint = %v, want ErrTampered", err)
	}
}

func TestOpenRefusesUncoveredEntries(t *testing.T) {
	l, dir := openLog(t)
	fill(t, l, 3)
	l.Close()
	exec(t, rawDB(t, dir), `DELETE FROM entries WHERE idx = 2`)
	if _, err := audit.Open(context.Background(), dir, "", nil); !errors.Is(err, audit.ErrTampered) {
		t.Fatalf("Open = %v, want ErrTampered", err)
	}
}

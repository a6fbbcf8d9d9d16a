package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/audit"
	"github.com/flick-video/flick/internal/node"
)

// recordAccesses appends n entries to the access log of data, signed with
// the key in signerFile ("" for the log's folder).
func recordAccesses(t *testing.T, data, signerFile string, n int) {
	t.Helper()
	ctx := context.Background()
	l, err := audit.Open(ctx, node.AuditDir(data), signerFile, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for range n {
		err := l.Record(ctx, flick.AccessEntry{
			Actor: flick.NewID(time.Now()), ActorRole: flick.RoleAdmin, Action: flick.AccessView,
			AccountID: flick.NewID(time.Now()), Region: flick.DefaultRegion, Reason: "support ticket 42",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func runAuditCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := runAudit(context.Background(), args, &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

func TestAuditCommand(t *testing.T) {
	data := t.TempDir()
	recordAccesses(t, data, "", 5)
	note, err := runAuditCmd(t, "checkpoint", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(t.TempDir(), "checkpoint")
	if err := os.WriteFile(saved, []byte(note), 0o644); err != nil {
		t.Fatal(err)
	}
	recordAccesses(t, data, "", 3)

	out, err := runAuditCmd(t, "verify", "--data", data, "--from", saved)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	for _, want := range []string{"ok: 8 entries, 9 checkpoints, size 8", "consistent with the saved checkpoint of size 5", "verifier key: flick-audit+"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	out, err = runAuditCmd(t, "verify", "--data", data, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep audit.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Entries != 8 || len(rep.Problems) != 0 {
		t.Fatalf("verify --json = %+v, %v:\n%s", rep, err, out)
	}

	// Someone with access to the files rewrites why entry 2 happened.
	db, err := sql.Open("sqlite", filepath.Join(node.AuditDir(data), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE entries SET record = CAST(replace(CAST(record AS TEXT), 'support ticket 42', 'routine check') AS BLOB) WHERE idx = 2`); err != nil {
		t.Fatal(err)
	}
	out, err = runAuditCmd(t, "verify", "--data", data, "--from", saved)
	if !errors.Is(err, audit.ErrTampered) {
		t.Fatalf("verify of a tampered log = %v, want ErrTampered:\n%s", err, out)
	}
	for _, want := range []string{"FAILED", "entry 2 was altered", "not consistent with the saved checkpoint of size 5"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	out, err = runAuditCmd(t, "verify", "--data", data, "--json")
	if err == nil || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Problems) == 0 {
		t.Fatalf("verify --json of a tampered log = %v, %+v:\n%s", err, rep, out)
	}
}

// TestAuditKeyElsewhere keeps the signing key outside the data directory
// and pins the verifier key: a log rewritten and re-signed by someone who
// can write only the data directory is then caught.
func TestAuditKeyElsewhere(t *testing.T) {
	data, keyFile := t.TempDir(), filepath.Join(t.TempDir(), "flick-audit.key")
	recordAccesses(t, data, keyFile, 3)
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("signing key file: %v, %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(node.AuditDir(data), "signer.key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a signing key in the data directory: %v", err)
	}
	out, err := runAuditCmd(t, "verify", "--data", data)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	_, vkey, _ := strings.Cut(strings.TrimSpace(out[strings.LastIndex(out, "verifier key: "):]), ": ")
	if out, err := runAuditCmd(t, "verify", "--data", data, "--key", vkey); err != nil {
		t.Fatalf("verify --key: %v\n%s", err, out)
	}
	// Opening the log without saying where the key is fails, and says why.
	if _, err := audit.Open(context.Background(), node.AuditDir(data), "", time.Now); err == nil || !strings.Contains(err.Error(), "--audit-key") {
		t.Fatalf("open without the key = %v", err)
	}

	// Someone who can write the data directory replaces the log with a
	// history of their own under a new key pair.
	if err := os.RemoveAll(node.AuditDir(data)); err != nil {
		t.Fatal(err)
	}
	recordAccesses(t, data, "", 2)
	if out, err := runAuditCmd(t, "verify", "--data", data); err != nil {
		t.Fatalf("the forgery is consistent with itself, yet: %v\n%s", err, out)
	}
	out, err = runAuditCmd(t, "verify", "--data", data, "--key", vkey)
	if !errors.Is(err, audit.ErrTampered) || !strings.Contains(out, "not the pinned "+vkey) {
		t.Fatalf("verify --key of a re-signed log = %v:\n%s", err, out)
	}
	// And the server, holding the real key, refuses to open it.
	if _, err := audit.Open(context.Background(), node.AuditDir(data), keyFile, time.Now); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("open of a re-keyed log with the real key = %v", err)
	}
}

func TestAuditCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "a command is required"},
		{"unknown command", []string{"fix"}, `unknown command "fix"`},
		{"no log", []string{"verify", "--data", t.TempDir()}, "no access log"},
		{"no checkpoint", []string{"checkpoint", "--data", t.TempDir()}, "no access log"},
		{"missing saved checkpoint", []string{"verify", "--from", filepath.Join(t.TempDir(), "nope")}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runAuditCmd(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("runAudit(%q) = %v, want %q", tc.args, err, tc.want)
			}
		})
	}
}

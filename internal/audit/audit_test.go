package audit_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/audit"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// openLog opens a log in a new directory with a clock that ticks a second
// per call.
func openLog(t *testing.T) (*audit.Log, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "audit")
	return reopen(t, dir), dir
}

func reopen(t *testing.T, dir string) *audit.Log {
	t.Helper()
	now := t0
	l, err := audit.Open(context.Background(), dir, "", func() time.Time {
		now = now.Add(time.Second)
		return now
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// accounts are the people the test entries are about.
var accounts = []string{flick.NewID(t0), flick.NewID(t0), flick.NewID(t0)}

// entry returns a valid entry; i picks its account, actor and reason.
func entry(i int) flick.AccessEntry {
	return flick.AccessEntry{
		Actor:     accounts[(i+1)%len(accounts)],
		ActorRole: flick.RoleAdmin,
		Action:    flick.AccessView,
		AccountID: accounts[i%len(accounts)],
		Region:    "eu",
		Reason:    "support ticket " + strings.Repeat("x", i%5),
	}
}

// fill records n entries in batches of 1, 2, 3, ... and returns the
// checkpoint after each batch.
func fill(t *testing.T, l *audit.Log, n int) []flick.SignedCheckpoint {
	t.Helper()
	ctx := context.Background()
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cps := []flick.SignedCheckpoint{cp}
	for done, batch := int(cp.Size), 1; done < int(cp.Size)+n; batch++ {
		var es []flick.AccessEntry
		for i := done; i < min(done+batch, int(cp.Size)+n); i++ {
			es = append(es, entry(i))
		}
		if err := l.Record(ctx, es...); err != nil {
			t.Fatal(err)
		}
		done += len(es)
		c, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, c)
	}
	return cps
}

func TestRecordAndRead(t *testing.T) {
	ctx := context.Background()
	l, dir := openLog(t)
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 0 || cp.VerifierKey != l.VerifierKey() {
		t.Fatalf("new log's checkpoint = %+v", cp)
	}
	es := []flick.AccessEntry{entry(0), entry(1), entry(2), entry(3)}
	es[3].Time = t0.Add(-time.Hour).In(time.FixedZone("x", 3600))
	es[3].Actor, es[3].ActorRole, es[3].Detail = "system:residency-mover", "system", "receipt sha256:abc"
	if err := l.Record(ctx, es...); err != nil {
		t.Fatal(err)
	}
	for i, e := range es {
		if e.Index != int64(i) || e.Time.IsZero() || e.Time.Location() != time.UTC {
			t.Errorf("recorded entry %d: index %d, time %v", i, e.Index, e.Time)
		}
	}
	got, err := l.Entries(ctx, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != es[1] || got[2] != es[3] {
		t.Fatalf("Entries(1, 100) = %+v, want %+v", got, es[1:])
	}
	about, err := l.EntriesAbout(ctx, accounts[0], 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(about) != 2 || about[0] != es[3] || about[1] != es[0] {
		t.Fatalf("EntriesAbout newest first = %+v", about)
	}
	if about, _ = l.EntriesAbout(ctx, accounts[0], 3, 10); len(about) != 1 || about[0].Index != 0 {
		t.Fatalf("EntriesAbout before 3 = %+v", about)
	}
	cp, err = l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 4 {
		t.Fatalf("checkpoint size %d, want 4", cp.Size)
	}
	opened, err := audit.OpenCheckpoint([]byte(cp.Note), cp.VerifierKey)
	if err != nil || opened != cp {
		t.Fatalf("OpenCheckpoint = %+v, %v; want %+v", opened, err, cp)
	}
	if read, err := audit.ReadCheckpoint(ctx, dir); err != nil || read != cp {
		t.Fatalf("ReadCheckpoint = %+v, %v; want %+v", read, err, cp)
	}
	for name, perm := range map[string]os.FileMode{"signer.key": 0o600, "verifier.key": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != perm {
			t.Errorf("%s: %v, mode %v, want %v", name, err, fi.Mode(), perm)
		}
	}
	if _, err := audit.Verify(ctx, dir, []byte(cp.Note)); err != nil {
		t.Fatal(err)
	}
}

func TestRecordRejects(t *testing.T) {
	ctx := context.Background()
	l, _ := openLog(t)
	for _, tc := range []struct {
		name   string
		modify func(e *flick.AccessEntry)
	}{
		{"actor not an ID", func(e *flick.AccessEntry) { e.Actor = "alice@example.com" }},
		{"system actor with a person's role", func(e *flick.AccessEntry) { e.Actor = "system:mover" }},
		{"system role with an account", func(e *flick.AccessEntry) { e.ActorRole = "system" }},
		{"unknown role", func(e *flick.AccessEntry) { e.ActorRole = "root" }},
		{"bad action", func(e *flick.AccessEntry) { e.Action = "View" }},
		{"account not an ID", func(e *flick.AccessEntry) { e.AccountID = "alice" }},
		{"bad region", func(e *flick.AccessEntry) { e.Region = "EU West" }},
		{"no reason", func(e *flick.AccessEntry) { e.Reason = "  " }},
		{"multi-line reason", func(e *flick.AccessEntry) { e.Reason = "a\nb" }},
		{"long detail", func(e *flick.AccessEntry) { e.Detail = strings.Repeat("d", flick.MaxAccessDetailRunes+1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := entry(0)
			tc.modify(&e)
			// A batch is all or nothing: the valid entry is not recorded either.
			err := l.Record(ctx, entry(1), e)
			if flick.ErrorCode(err) != flick.EINVALID {
				t.Fatalf("Record = %v, want EINVALID", err)
			}
		})
	}
	if cp, _ := l.Checkpoint(ctx); cp.Size != 0 {
		t.Fatalf("log grew to %d on rejected batches", cp.Size)
	}
}

func TestProofs(t *testing.T) {
	ctx := context.Background()
	l, _ := openLog(t)
	cps := fill(t, l, 40)
	all, err := l.Entries(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range cps {
		for _, e := range all[:cp.Size] {
			p, err := l.InclusionProof(ctx, e.Index, cp.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.CheckInclusion(cp, e, p); err != nil {
				t.Fatalf("entry %d in tree %d: %v", e.Index, cp.Size, err)
			}
			if leaf, _ := audit.LeafHash(e); leaf != p.LeafHash {
				t.Fatalf("entry %d: leaf hash %s, proof says %s", e.Index, leaf, p.LeafHash)
			}
		}
		for _, old := range cps {
			if old.Size > cp.Size {
				continue
			}
			p, err := l.ConsistencyProof(ctx, old.Size, cp.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.CheckConsistency(old, cp, p); err != nil {
				t.Fatalf("%d -> %d: %v", old.Size, cp.Size, err)
			}
		}
	}

	// Proofs do not pass for what is not in the log.
	last := cps[len(cps)-1]
	p, err := l.InclusionProof(ctx, 7, last.Size)
	if err != nil {
		t.Fatal(err)
	}
	forged := all[7]
	forged.Reason = "nothing to see"
	if err := audit.CheckInclusion(last, forged, p); !errors.Is(err, audit.ErrTampered) {
		t.Errorf("altered entry passed its inclusion proof: %v", err)
	}
	old := cps[3]
	cp, err := l.ConsistencyProof(ctx, old.Size, last.Size)
	if err != nil {
		t.Fatal(err)
	}
	old.Root = last.Root
	if err := audit.CheckConsistency(old, last, cp); !errors.Is(err, audit.ErrTampered) {
		t.Errorf("forged old root passed the consistency proof: %v", err)
	}

	for _, tc := range []struct{ index, size int64 }{{-1, 5}, {5, 5}, {0, last.Size + 1}} {
		if _, err := l.InclusionProof(ctx, tc.index, tc.size); flick.ErrorCode(err) != flick.EINVALID {
			t.Errorf("InclusionProof(%d, %d) = %v, want EINVALID", tc.index, tc.size, err)
		}
	}
	for _, tc := range []struct{ old, new int64 }{{-1, 5}, {6, 5}, {1, last.Size + 1}} {
		if _, err := l.ConsistencyProof(ctx, tc.old, tc.new); flick.ErrorCode(err) != flick.EINVALID {
			t.Errorf("ConsistencyProof(%d, %d) = %v, want EINVALID", tc.old, tc.new, err)
		}
	}
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	l, dir := openLog(t)
	fill(t, l, 10)
	before, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vkey := l.VerifierKey()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l = reopen(t, dir)
	if l.VerifierKey() != vkey {
		t.Fatalf("key changed on reopen")
	}
	if cp, _ := l.Checkpoint(ctx); cp != before {
		t.Fatalf("checkpoint after reopen = %+v, want %+v", cp, before)
	}
	if es, _ := l.Entries(ctx, 0, 100); len(es) != 10 || es[9].Index != 9 {
		t.Fatalf("entries after reopen: %d", len(es))
	}
	cps := fill(t, l, 5)
	after := cps[len(cps)-1]
	p, err := l.ConsistencyProof(ctx, before.Size, after.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckConsistency(before, after, p); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, dir, []byte(before.Note))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != 15 || rep.Size != 15 || rep.Root != after.Root || *rep.FromSize != 10 {
		t.Fatalf("report = %+v", rep)
	}
}

func BenchmarkRecord(b *testing.B) {
	ctx := context.Background()
	l, err := audit.Open(ctx, b.TempDir(), "", time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	e := entry(0)
	for b.Loop() {
		if err := l.Record(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures flick audit verify on a log of 10,000 entries
// recorded in batches of 10 (1,000 signed checkpoints).
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	l, err := audit.Open(ctx, dir, "", time.Now)
	if err != nil {
		b.Fatal(err)
	}
	const n, batch = 10_000, 10
	for i := 0; i < n; i += batch {
		entries := make([]flick.AccessEntry, batch)
		for j := range entries {
			entries[j] = entry(i + j)
		}
		if err := l.Record(ctx, entries...); err != nil {
			b.Fatal(err)
		}
	}
	l.Close()
	for b.Loop() {
		if _, err := audit.Verify(ctx, dir, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

package recommend

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// SnapshotDir keeps an engine's snapshots in a directory, one file per
// snapshot named by the event-log sequence it covers
// (snapshot-<seq>.bin, the sequence zero-padded so that names sort in
// order), written atomically: to a temporary file, synced, renamed, the
// directory synced. The newest Keep are kept.
type SnapshotDir struct {
	Dir    string
	Keep   int
	Logger *slog.Logger
}

const (
	snapshotPrefix = "snapshot-"
	snapshotSuffix = ".bin"
)

func snapshotName(seq uint64) string {
	return fmt.Sprintf("%s%020d%s", snapshotPrefix, seq, snapshotSuffix)
}

// Save writes a snapshot of e covering the log up to seq and removes the
// older ones beyond Keep.
func (d SnapshotDir) Save(ctx context.Context, e *Engine, seq uint64) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.MkdirAll(d.Dir, 0o750); err != nil {
		return fmt.Errorf("recommend: snapshot directory: %w", err)
	}
	tmp, err := os.CreateTemp(d.Dir, snapshotPrefix+"*.tmp")
	if err != nil {
		return fmt.Errorf("recommend: snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := e.WriteSnapshot(tmp, seq); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("recommend: snapshot: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("recommend: snapshot: close: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(d.Dir, snapshotName(seq))); err != nil {
		return fmt.Errorf("recommend: snapshot: %w", err)
	}
	if err := syncDir(d.Dir); err != nil {
		return err
	}
	seqs, err := d.list()
	if err != nil {
		return err
	}
	for _, old := range seqs[min(max(d.Keep, 1), len(seqs)):] {
		if err := os.Remove(filepath.Join(d.Dir, snapshotName(old))); err != nil {
			d.Logger.Warn("removing an old engine snapshot failed", "seq", old, "err", err)
		}
	}
	return nil
}

// Load restores e from the newest usable snapshot covering at most maxSeq
// (the log's last sequence: a snapshot beyond it belongs to another log)
// and returns its sequence, or 0 when there is none. A snapshot that
// cannot be read is logged and passed over for the next older one, down
// to none at all, which means a full replay.
func (d SnapshotDir) Load(ctx context.Context, e *Engine, maxSeq uint64) (uint64, error) {
	seqs, err := d.list()
	if err != nil {
		return 0, err
	}
	for _, seq := range seqs {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		path := filepath.Join(d.Dir, snapshotName(seq))
		if seq > maxSeq {
			d.Logger.Warn("ignoring an engine snapshot beyond the end of the event log", "path", path, "log_last_seq", maxSeq)
			continue
		}
		got, err := loadSnapshotFile(e, path)
		if err != nil {
			d.Logger.Warn("ignoring an engine snapshot that cannot be used", "path", path, "err", err)
			continue
		}
		if got != seq {
			// The name and the content disagree; trust neither.
			d.Logger.Warn("ignoring an engine snapshot whose name and content disagree", "path", path, "seq", got)
			e.reset()
			continue
		}
		return seq, nil
	}
	return 0, nil
}

func loadSnapshotFile(e *Engine, path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("recommend: open snapshot: %w", err)
	}
	defer f.Close()
	return e.ReadSnapshot(f)
}

// list returns the sequences of the snapshots in the directory, newest
// first; a missing directory holds none.
func (d SnapshotDir) list() ([]uint64, error) {
	entries, err := os.ReadDir(d.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("recommend: list snapshots: %w", err)
	}
	var seqs []uint64
	for _, ent := range entries {
		name := ent.Name()
		if !strings.HasPrefix(name, snapshotPrefix) || !strings.HasSuffix(name, snapshotSuffix) {
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(name, snapshotPrefix), snapshotSuffix), 10, 64)
		if err == nil {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	slices.Reverse(seqs)
	return seqs, nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("recommend: snapshot: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("recommend: snapshot: sync directory: %w", err)
	}
	return nil
}

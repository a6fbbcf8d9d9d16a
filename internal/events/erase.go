package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	flick "github.com/flick-video/flick"
)

// scanBatch is how many messages one fetch of a scan asks for.
const scanBatch = 1000

// AccountEvents returns every event stored under accountID's subject, in
// log order: what a data export shows and what a move copies into the
// account's new region.
func (l *Log) AccountEvents(ctx context.Context, accountID string) ([]flick.SequencedEvent, error) {
	if !flick.ValidID(accountID) {
		return nil, flick.Errorf(flick.EINVALID, "Invalid account id.")
	}
	var out []flick.SequencedEvent
	err := l.scan(ctx, l.Subject(accountID), 0, func(seq uint64, _ string, data []byte) error {
		se := flick.SequencedEvent{Seq: seq}
		if err := json.Unmarshal(data, &se.Event); err != nil {
			return fmt.Errorf("events: decode event %d of account %s: %w", seq, accountID, err)
		}
		out = append(out, se)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events: events of account %s: %w", accountID, err)
	}
	return out, nil
}

// Accounts returns the IDs of the accounts that have events in this log,
// sorted, from the stream's per-subject state.
func (l *Log) Accounts(ctx context.Context) ([]string, error) {
	s, err := l.js.Stream(ctx, l.stream)
	if err != nil {
		return nil, fmt.Errorf("events: stream %s: %w", l.stream, err)
	}
	prefix := "events." + l.region + "."
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(prefix+">"))
	if err != nil {
		return nil, fmt.Errorf("events: stream %s subjects: %w", l.stream, err)
	}
	var ids []string
	for subj, n := range info.State.Subjects {
		if id := strings.TrimPrefix(subj, prefix); n > 0 && flick.ValidID(id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// EraseAccount removes from the log every event of accountID and every other
// event that names it (another account's follow of it), and returns how
// many it removed. Each is deleted with JetStream's secure delete, which
// overwrites the message in the file store with random bytes (a plain
// delete or purge only marks it deleted and leaves its bytes in the block
// file until the block is compacted). The stream is scanned once, then
// again from where that scan ended for as long as a pass finds something
// (events appended meanwhile); the caller stops accepting events of the
// account first.
//
// Then it verifies: no message is left on the account's subject, and, on
// the embedded server, no file of the store holds the ID. The file store
// keeps a per-subject index (msgs/index.db, a cache for a fast start) that
// it rewrites only every few minutes, not at all while the stream has more
// than a million subjects, and at shutdown; a copy that still names the
// account is removed, as the server itself does when the file no longer
// matches the blocks: without it the next start rebuilds the index from the
// blocks. An external server's index keeps the subject's name until its
// own next rewrite.
//
// Each secure delete rewrites the message's whole block (8 MB by default):
// about 10 ms an event on this project's machine.
func (l *Log) EraseAccount(ctx context.Context, accountID string) (int, error) {
	if !flick.ValidID(accountID) {
		return 0, flick.Errorf(flick.EINVALID, "Invalid account id.")
	}
	s, err := l.js.Stream(ctx, l.stream)
	if err != nil {
		return 0, fmt.Errorf("events: erase %s: stream %s: %w", accountID, l.stream, err)
	}
	subject, id := l.Subject(accountID), []byte(accountID)
	erased := 0
	for after := uint64(0); ; {
		var seqs []uint64
		last := after
		err := l.scan(ctx, "", after, func(seq uint64, subj string, data []byte) error {
			last = seq
			if subj == subject || bytes.Contains(data, id) {
				seqs = append(seqs, seq)
			}
			return nil
		})
		if err != nil {
			return erased, fmt.Errorf("events: erase %s: %w", accountID, err)
		}
		if len(seqs) == 0 {
			break
		}
		for _, seq := range seqs {
			if err := s.SecureDeleteMsg(ctx, seq); err != nil {
				if _, gerr := s.GetMsg(ctx, seq); errors.Is(gerr, jetstream.ErrMsgNotFound) {
					continue // erased meanwhile: a follow between two accounts erased at once
				}
				return erased, fmt.Errorf("events: erase %s: event %d: %w", accountID, seq, err)
			}
			erased++
		}
		after = last
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return erased, fmt.Errorf("events: erase %s: verify: %w", accountID, err)
	}
	if n := info.State.Subjects[subject]; n > 0 {
		return erased, fmt.Errorf("events: erase %s: %d events remain on %s", accountID, n, subject)
	}
	if l.srv != nil {
		if err := scrubStore(l.srv.JetStreamConfig().StoreDir, id); err != nil {
			return erased, fmt.Errorf("events: erase %s: %w", accountID, err)
		}
	}
	return erased, nil
}

// streamIndexFile is the file store's per-subject index of a stream.
const streamIndexFile = "index.db"

// scrubAttempts bounds the rescans after removing a stale index: the
// server may be writing one it computed before the last delete.
const scrubAttempts = 5

// scrubStore checks that no file under dir holds id, removing stale
// stream indexes that do.
func scrubStore(dir string, id []byte) error {
	for range scrubAttempts {
		holding, err := filesHolding(dir, id)
		if err != nil {
			return err
		}
		if len(holding) == 0 {
			return nil
		}
		for _, path := range holding {
			if filepath.Base(path) != streamIndexFile {
				return fmt.Errorf("verify: %s still holds the account id", path)
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("verify: remove stale stream index: %w", err)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("verify: the stream index still held the account id after %d removals", scrubAttempts)
}

// filesHolding returns the files under dir whose bytes contain needle.
// Files that vanish meanwhile (blocks removed or rewritten) are passed
// over.
func filesHolding(dir string, needle []byte) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		found, err := fileHolds(path, needle)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if found {
			out = append(out, path)
		}
		return nil
	})
	return out, err
}

// fileHolds reads the file in chunks, each overlapping the previous one by
// len(needle)-1 bytes so that a match across a boundary is seen.
func fileHolds(path string, needle []byte) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	keep := 0
	for {
		n, err := io.ReadFull(f, buf[keep:])
		chunk := buf[:keep+n]
		if bytes.Contains(chunk, needle) {
			return true, nil
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		keep = min(len(needle)-1, len(chunk))
		copy(buf, chunk[len(chunk)-keep:])
	}
}

// scan calls fn for every message after seq after (on subject filter, all
// of them when ""), in order, until it has seen the last one the stream
// held when it got there.
func (l *Log) scan(ctx context.Context, filter string, after uint64, fn func(seq uint64, subject string, data []byte) error) error {
	cfg := jetstream.OrderedConsumerConfig{InactiveThreshold: time.Minute}
	if filter != "" {
		cfg.FilterSubjects = []string{filter}
	}
	if after > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = after + 1
	}
	cons, err := l.js.OrderedConsumer(ctx, l.stream, cfg)
	if err != nil {
		return fmt.Errorf("ordered consumer on %s: %w", l.stream, err)
	}
	if info := cons.CachedInfo(); info != nil && info.NumPending == 0 {
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch, err := cons.FetchNoWait(scanBatch)
		if err != nil {
			return fmt.Errorf("fetch from %s: %w", l.stream, err)
		}
		n, done := 0, false
		for msg := range batch.Messages() {
			n++
			meta, err := msg.Metadata()
			if err != nil {
				return fmt.Errorf("metadata: %w", err)
			}
			if err := fn(meta.Sequence.Stream, msg.Subject(), msg.Data()); err != nil {
				return err
			}
			done = meta.NumPending == 0
		}
		if err := batch.Error(); err != nil {
			return fmt.Errorf("fetch from %s: %w", l.stream, err)
		}
		if n == 0 || done {
			return nil
		}
	}
}

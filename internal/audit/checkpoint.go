package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/flick-video/flick"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Origin names the log: the first line of its checkpoints and the name of
// its signing key.
const Origin = "flick-audit"

// ErrTampered is wrapped by every error that reports a log that is not what
// was appended: altered, removed, reordered or unsigned entries or
// checkpoints.
var ErrTampered = errors.New("access log tampered with")

// EncodeRecord returns the leaf data of an entry: its compact JSON with Time
// in UTC, as json.Marshal writes it. An auditor who fetched an entry
// re-encodes it this way to check its inclusion proof.
func EncodeRecord(e flick.AccessEntry) ([]byte, error) {
	e.Time = e.Time.UTC()
	return json.Marshal(e)
}

// LeafHash returns the base64 RFC 6962 leaf hash of an entry.
func LeafHash(e flick.AccessEntry) (string, error) {
	data, err := EncodeRecord(e)
	if err != nil {
		return "", err
	}
	return tlog.RecordHash(data).String(), nil
}

// formatCheckpoint writes the body of a C2SP tlog-checkpoint.
func formatCheckpoint(size int64, root tlog.Hash) string {
	return fmt.Sprintf("%s\n%d\n%s\n", Origin, size, root)
}

// parseCheckpoint reads the body that formatCheckpoint writes.
func parseCheckpoint(text string) (int64, tlog.Hash, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 3 || lines[0] != Origin {
		return 0, tlog.Hash{}, fmt.Errorf("not a %s checkpoint", Origin)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return 0, tlog.Hash{}, fmt.Errorf("checkpoint size %q is not valid", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("checkpoint root %q is not valid", lines[2])
	}
	return size, root, nil
}

// OpenCheckpoint checks the signature of a checkpoint note with verifierKey
// and returns the checkpoint it signs; a note that does not verify is an
// ErrTampered.
func OpenCheckpoint(msg []byte, verifierKey string) (flick.SignedCheckpoint, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return flick.SignedCheckpoint{}, fmt.Errorf("verifier key: %w", err)
	}
	cp, err := openCheckpoint(msg, note.VerifierList(v), verifierKey)
	if err != nil {
		return flick.SignedCheckpoint{}, fmt.Errorf("%w: %w", ErrTampered, err)
	}
	return cp, nil
}

func openCheckpoint(msg []byte, known note.Verifiers, verifierKey string) (flick.SignedCheckpoint, error) {
	n, err := note.Open(msg, known)
	if err != nil {
		return flick.SignedCheckpoint{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	size, root, err := parseCheckpoint(n.Text)
	if err != nil {
		return flick.SignedCheckpoint{}, err
	}
	return flick.SignedCheckpoint{Size: size, Root: root.String(), Note: string(msg), VerifierKey: verifierKey}, nil
}

// CheckInclusion checks that entry e is the leaf p.Index of the tree of a
// checkpoint (opened with OpenCheckpoint, so that its root is trusted).
func CheckInclusion(cp flick.SignedCheckpoint, e flick.AccessEntry, p flick.InclusionProof) error {
	if p.TreeSize != cp.Size || p.Index != e.Index {
		return fmt.Errorf("inclusion proof of entry %d in tree %d does not fit entry %d and checkpoint %d", p.Index, p.TreeSize, e.Index, cp.Size)
	}
	root, err := tlog.ParseHash(cp.Root)
	if err != nil {
		return fmt.Errorf("checkpoint root: %w", err)
	}
	proof, err := parseHashes(p.Hashes)
	if err != nil {
		return err
	}
	data, err := EncodeRecord(e)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(proof, cp.Size, root, e.Index, tlog.RecordHash(data)); err != nil {
		return fmt.Errorf("%w: entry %d is not in the tree of checkpoint %d: %w", ErrTampered, e.Index, cp.Size, err)
	}
	return nil
}

// CheckConsistency checks that the tree of checkpoint old is a prefix of the
// tree of checkpoint cur (both opened with OpenCheckpoint).
func CheckConsistency(old, cur flick.SignedCheckpoint, p flick.ConsistencyProof) error {
	if p.OldSize != old.Size || p.NewSize != cur.Size {
		return fmt.Errorf("consistency proof %d -> %d does not fit checkpoints %d -> %d", p.OldSize, p.NewSize, old.Size, cur.Size)
	}
	if old.Size > cur.Size {
		return fmt.Errorf("%w: log shrank from %d to %d entries", ErrTampered, old.Size, cur.Size)
	}
	if old.Size == 0 {
		return nil // the empty tree is a prefix of every tree
	}
	oldRoot, err := tlog.ParseHash(old.Root)
	if err != nil {
		return fmt.Errorf("old checkpoint root: %w", err)
	}
	curRoot, err := tlog.ParseHash(cur.Root)
	if err != nil {
		return fmt.Errorf("new checkpoint root: %w", err)
	}
	proof, err := parseHashes(p.Hashes)
	if err != nil {
		return err
	}
	if err := tlog.CheckTree(proof, cur.Size, curRoot, old.Size, oldRoot); err != nil {
		return fmt.Errorf("%w: the tree of size %d is not an extension of the tree of size %d: %w", ErrTampered, cur.Size, old.Size, err)
	}
	return nil
}

func parseHashes(ss []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %w", i, err)
		}
		out[i] = h
	}
	return out, nil
}

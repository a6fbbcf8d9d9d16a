package flick

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Actions recorded in the access log. Others may be added; an action is a
// lower-case dotted name such as "account.view".
const (
	AccessView   = "account.view"   // a person's private records were shown
	AccessExport = "account.export" // a person's data was exported
	AccessMove   = "account.move"   // a person's data was moved between regions
	AccessDelete = "account.delete" // a person's data was deleted
)

// Limits of an access entry's free-text fields.
const (
	MaxAccessReasonRunes = 500
	MaxAccessDetailRunes = 1000
	MaxAccessPage        = 1000 // most entries one AccessLog.Entries call returns
)

var (
	validAction      = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	validSystemActor = regexp.MustCompile(`^system:[a-z][a-z0-9-]{0,63}$`)
)

// AccessEntry is one access to a person's data by someone other than that
// person: who, which action, whose account (by ID), why and when. It names
// people only by account ID and never holds the data itself, so that the
// log can be public to auditors and kept forever.
type AccessEntry struct {
	Index     int64     `json:"index"` // position in the log, set by the log
	Time      time.Time `json:"time"`  // set by the log when zero
	Actor     string    `json:"actor"` // an account ID, or "system:<name>" for a job
	ActorRole string    `json:"actor_role"`
	Action    string    `json:"action"`
	AccountID string    `json:"account_id"` // whose data
	Region    string    `json:"region"`     // the account's home region at the time
	Reason    string    `json:"reason"`
	Detail    string    `json:"detail,omitempty"` // short and non-personal, e.g. a move receipt's hashes
}

// Validate checks the fields that the caller fills. The actor role is
// RoleAdmin, RoleAuditor, "moderator", "owner" or "system"; a "system" actor
// is named "system:<name>" and every other actor by account ID, so that no
// name or address can slip into the log.
func (e AccessEntry) Validate() error {
	switch e.ActorRole {
	case RoleAdmin, RoleAuditor, "moderator", "owner":
		if !ValidID(e.Actor) {
			return Errorf(EINVALID, "Access actor must be an account ID.")
		}
	case "system":
		if !validSystemActor.MatchString(e.Actor) {
			return Errorf(EINVALID, "A system actor must be named system:<name>.")
		}
	default:
		return Errorf(EINVALID, "Access actor role %q is not valid.", e.ActorRole)
	}
	if !validAction.MatchString(e.Action) || len(e.Action) > 64 {
		return Errorf(EINVALID, "Access action %q is not valid: use a dotted lower-case name such as account.view.", e.Action)
	}
	if !ValidID(e.AccountID) {
		return Errorf(EINVALID, "Access account must be an account ID.")
	}
	if err := ValidateRegion(e.Region); err != nil {
		return err
	}
	if strings.TrimSpace(e.Reason) == "" {
		return Errorf(EINVALID, "Access reason is required.")
	}
	if utf8.RuneCountInString(e.Reason) > MaxAccessReasonRunes || !PrintableLine(e.Reason) {
		return Errorf(EINVALID, "Access reason must be one line of at most %d characters.", MaxAccessReasonRunes)
	}
	if utf8.RuneCountInString(e.Detail) > MaxAccessDetailRunes || !PrintableLine(e.Detail) {
		return Errorf(EINVALID, "Access detail must be one line of at most %d characters.", MaxAccessDetailRunes)
	}
	return nil
}

// SignedCheckpoint is a signed statement of the access log's size and
// RFC 6962 Merkle tree root. Note is the whole signed note (a C2SP
// tlog-checkpoint: origin, size and base64 root, one per line, then the
// Ed25519 signature line), which an auditor saves to check later that the
// log only ever grew; VerifierKey is the note verifier key that checks it.
type SignedCheckpoint struct {
	Size        int64  `json:"size"`
	Root        string `json:"root"` // base64 tree hash
	Note        string `json:"note"`
	VerifierKey string `json:"verifier_key"`
}

// InclusionProof proves that the entry at Index, whose RFC 6962 leaf hash is
// LeafHash, is in the tree of size TreeSize. Hashes are base64.
type InclusionProof struct {
	Index    int64    `json:"index"`
	TreeSize int64    `json:"tree_size"`
	LeafHash string   `json:"leaf_hash"`
	Hashes   []string `json:"hashes"`
}

// ConsistencyProof proves that the tree of size OldSize is a prefix of the
// tree of size NewSize. Hashes are base64.
type ConsistencyProof struct {
	OldSize int64    `json:"old_size"`
	NewSize int64    `json:"new_size"`
	Hashes  []string `json:"hashes"`
}

// AccessLog is the append-only, tamper-evident log of accesses to people's
// data. Each entry is a leaf of an RFC 6962 Merkle tree whose data is the
// entry's compact JSON encoding (the field order above, Time in UTC); each
// append is covered by a signed checkpoint.
type AccessLog interface {
	// Record validates and appends entries in one durable batch, setting
	// their Index (and Time when zero); when it returns nil the entries and
	// a checkpoint covering them survive a crash.
	Record(ctx context.Context, entries ...AccessEntry) error
	// Checkpoint returns the newest signed checkpoint.
	Checkpoint(ctx context.Context) (SignedCheckpoint, error)
	// Entries returns the entries with start <= Index < end, at most
	// MaxAccessPage, stopping at the end of the log.
	Entries(ctx context.Context, start, end int64) ([]AccessEntry, error)
	// EntriesAbout returns up to limit entries about one account with
	// Index < before (any when before <= 0), newest first: the "who
	// accessed my data" page.
	EntriesAbout(ctx context.Context, accountID string, before int64, limit int) ([]AccessEntry, error)
	// InclusionProof proves entry index is in the tree of size treeSize.
	InclusionProof(ctx context.Context, index, treeSize int64) (InclusionProof, error)
	// ConsistencyProof proves the tree of size oldSize is a prefix of the
	// tree of size newSize.
	ConsistencyProof(ctx context.Context, oldSize, newSize int64) (ConsistencyProof, error)
}

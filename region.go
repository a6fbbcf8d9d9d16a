package flick

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// A region is a cell: its own store, media store, event log and recommender
// state. An account's personal data lives only in its home region; public
// content lives in its creator's home region and is served from any;
// aggregates stay in the region whose events produced them and are summed
// by readers.

// validRegion keeps region names short and safe in paths, subjects and
// stream names.
var validRegion = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// ValidateRegion checks one region name.
func ValidateRegion(r string) error {
	if !validRegion.MatchString(r) {
		return Errorf(EINVALID, "Region %q is not valid: use 1 to 32 lower-case letters, digits and '-', starting with a letter.", r)
	}
	return nil
}

// ParseRegions parses a comma-separated list of regions; the first is the
// default region of new accounts.
func ParseRegions(s string) ([]string, error) {
	var regions []string
	seen := map[string]bool{}
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if err := ValidateRegion(r); err != nil {
			return nil, err
		}
		if seen[r] {
			return nil, Errorf(EINVALID, "Region %q is listed twice.", r)
		}
		seen[r] = true
		regions = append(regions, r)
	}
	return regions, nil
}

// Cell is one region: its store, its media, its event log and what consumes
// that log. Services reach the cell of an account through the router, which
// knows every account's home region; the residency check, moves and
// erasure work on every cell.
type Cell struct {
	Region    string
	Store     Store
	Blobs     BlobStore
	Events    EventLog
	Projector Projector // folds the log into the store's counters and watch history
	Learner   Learner   // the recommender, learning from the log
	Uploader  Uploader  // the transcoder of the region's uploads
	// ForYou and Following are the feeds of the viewers homed here.
	ForYou    Feed
	Following Feed
}

// Elsewhere tells a region's store about records stored in other regions,
// which its own records may name: an eu viewer likes a us video, follows a
// us creator and replies to a us viewer's comment. A single-region store has
// none.
type Elsewhere interface {
	// AccountExists and VideoExists report whether another region stores
	// the account, or the (not deleted) video.
	AccountExists(ctx context.Context, id string) (bool, error)
	VideoExists(ctx context.Context, id string) (bool, error)
	// TopComment returns the top-level comment of comment commentID on video
	// videoID (the comment itself if it is top-level) when another region
	// stores it; ENOTFOUND otherwise.
	TopComment(ctx context.Context, videoID, commentID string) (string, error)
}

// Directory is the global map from account ID to home region and from handle
// to account ID: the only data about people that is not in their region.
type Directory interface {
	// Register claims handle for a new account homed in region; ECONFLICT if
	// the handle is taken.
	Register(ctx context.Context, id, handle, region string) error
	// Unregister takes a registration back (a sign-up whose account could
	// not be created).
	Unregister(ctx context.Context, id string) error
	// Region returns an account's home region; ENOTFOUND if unknown.
	Region(ctx context.Context, id string) (string, error)
	// Lookup returns the account ID of a (normalized) handle; ENOTFOUND if unknown.
	Lookup(ctx context.Context, handle string) (string, error)
}

// Mover moves accounts between regions.
type Mover interface {
	// Move moves account id's personal data, media, events and learned
	// state to region to, on behalf of actor (an admin's account ID or
	// "system:<name>") for reason, and records the receipt in the access
	// log. The account's requests get EUNAVAILABLE until the switch.
	// EINVALID for an unknown region or the account's own, ECONFLICT while
	// the account is being moved already.
	Move(ctx context.Context, id, to, actor, reason string) (*MoveReceipt, error)
}

// MoveReceipt says what a move moved: counts and SHA-256 hashes of the
// account's records, media and events as verified at both ends, and when.
// It names the account only by ID and holds none of its data.
type MoveReceipt struct {
	MoveID     string         `json:"move_id"`
	AccountID  string         `json:"account_id"`
	From       string         `json:"from"`
	To         string         `json:"to"`
	Actor      string         `json:"actor"`
	Reason     string         `json:"reason"`
	Started    time.Time      `json:"started"`
	Switched   time.Time      `json:"switched"`
	Records    map[string]int `json:"records"` // per kind: videos, comments, likes, ...
	DataHash   string         `json:"data_sha256"`
	MediaFiles int            `json:"media_files"`
	MediaBytes int64          `json:"media_bytes"`
	MediaHash  string         `json:"media_sha256"`
	Events     int            `json:"events"`
	EventsHash string         `json:"events_sha256"`
}

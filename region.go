package flick

import (
	"context"
	"regexp"
	"strings"
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
	// Region returns an account's home region; ENOTFOUND if unknown.
	Region(ctx context.Context, id string) (string, error)
	// Lookup returns the account ID of a (normalized) handle; ENOTFOUND if unknown.
	Lookup(ctx context.Context, handle string) (string, error)
	// Remove forgets an account and its handle.
	Remove(ctx context.Context, id string) error
}

// Roles the operator grants (flick roles grant).
const (
	RoleAdmin   = "admin"   // support tools: may read people's records, each read logged
	RoleAuditor = "auditor" // reads the access log
)

// RegionStore is one region's Store as the multi-region router sees it: the
// per-region aggregates that readers sum over regions, and local look-ups
// that answer other regions' Elsewhere questions.
type RegionStore interface {
	Store
	ProjectionStore
	AccountDataStore
	// SetElsewhere tells the store how to find records of other regions;
	// call it before the store is used.
	SetElsewhere(e Elsewhere)
	// VideoCounts returns this region's counters of videos (of any region)
	// among ids; videos without any are absent.
	VideoCounts(ctx context.Context, ids []string) (map[string]Counts, error)
	// FollowerCounts returns how many of this region's accounts follow each
	// of ids; accounts without followers here are absent.
	FollowerCounts(ctx context.Context, ids []string) (map[string]int64, error)
	// ReplyCounts returns how many replies stored here each of commentIDs has.
	ReplyCounts(ctx context.Context, commentIDs []string) (map[string]int64, error)
	// LocalTopComment is TopComment for comments stored here.
	LocalTopComment(ctx context.Context, videoID, commentID string) (string, error)
}

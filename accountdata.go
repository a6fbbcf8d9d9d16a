package flick

import (
	"context"
	"time"
)

// AccountData is every record one region's store holds about an account:
// its personal data and the public content it created. Data exports, the
// residency mover and the residency check read it; the mover writes it into
// the target region.
type AccountData struct {
	Account      Account        `json:"account"`
	PasswordHash string         `json:"-"` // moved, never exported
	Roles        []string       `json:"roles,omitempty"`
	Settings     ViewerSettings `json:"settings"`
	Sessions     []Session      `json:"sessions"` // TokenHash is moved, never exported
	Follows      []Edge         `json:"follows"`  // accounts it follows
	Likes        []Edge         `json:"likes"`    // videos it liked
	Watches      []Watch        `json:"watch_history"`
	Hidden       []Edge         `json:"hidden_creators"`
	NotInterest  []Edge         `json:"not_interested"`
	Comments     []Comment      `json:"comments"` // it wrote, on any video
	CommentLikes []CommentLike  `json:"comment_likes"`
	Videos       []Video        `json:"videos"` // it uploaded, every status, with renditions
	// Notifications is its inbox.
	Notifications []Notification `json:"notifications"`
}

// Edge is a dated link from the account to another account or video.
type Edge struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

// AccountDataStore reads, writes, erases and releases an account's records
// in one region's store.
type AccountDataStore interface {
	// AccountData returns everything the store holds about account id (which
	// must be stored here; ENOTFOUND otherwise).
	AccountData(ctx context.Context, id string) (*AccountData, error)
	// ImportAccountData writes d in one transaction, with the aggregates its
	// likes, comments and follows add to (video and follower counts), and
	// zero counters for its videos where this region has none; ECONFLICT if
	// the account is stored here already. d.Account.Region and d.Roles are
	// stored as given: the mover sets the region to the target's.
	ImportAccountData(ctx context.Context, d *AccountData) error
	// EraseAccount erases every record of account id stored here — the
	// account, its sessions, follows, likes, watches, marks, settings,
	// comments and videos (with their hashtags, renditions and search rows)
	// — and takes its likes, comments and follows back out of this region's
	// aggregates, in one transaction that also leaves nothing of it in the
	// store's indexes (the search index merged, planner statistics). Its
	// videos are gone for good, and this region's records about them (other
	// people's likes, comments, watches, marks, counts) go too; copies of
	// the erased records may stay in the files until Compact. ENOTFOUND if
	// the account is not stored here.
	EraseAccount(ctx context.Context, id string) error
	// ReleaseAccount removes every record of account id stored here, as
	// EraseAccount does, for an account that lives in another region now:
	// its videos live on there, so this region's records about them stay.
	// It compacts before it returns, even when it returns ENOTFOUND (a
	// retry), so that no copy of the records stays in the files.
	ReleaseAccount(ctx context.Context, id string) error
	// EraseReferences erases what this region's records say about an
	// erased account of any region: follows of it (fixing the followers'
	// following counts), hidden-creator marks, its follower counter and
	// its place among the actors of notifications;
	// copies may stay in the files until Compact. ECONFLICT if the account
	// is still stored here: erase it first.
	EraseReferences(ctx context.Context, id string) error
	// Compact rewrites the store's files so that no byte of a record that
	// EraseAccount, ReleaseAccount or EraseReferences erased before it was called is left in
	// them: not in free space, stale copies of cells or a write-ahead log.
	// It takes time in proportion to the store's size while the region's
	// writes wait: an erasure calls it once for a batch of accounts.
	Compact(ctx context.Context) error
	// PersonalOwners lists every account that owns personal data or
	// authored content in this store, by table, for the residency check.
	PersonalOwners(ctx context.Context) (map[string][]string, error)
}

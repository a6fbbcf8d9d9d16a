package flick

import (
	"context"
	"time"
)

// Store is one region's store: everything Flick keeps in a region's
// metadata database. Every backend passes internal/storetest.
type Store interface {
	AccountStore
	SessionStore
	VideoStore
	EngagementStore
	ControlStore
	ProjectionStore
	AccountDataStore
	NotificationStore
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
	// LocalComment returns comment id, a tombstone too, if it is stored
	// here, with this region's replies and likes counted; ENOTFOUND
	// otherwise.
	LocalComment(ctx context.Context, id string) (*Comment, error)
	// CommentLikeCounts returns how many likes stored here each of
	// commentIDs has; comments without any are absent.
	CommentLikeCounts(ctx context.Context, commentIDs []string) (map[string]int64, error)
	// Ping checks the database for /readyz.
	Ping(ctx context.Context) error
	Close() error
}

// Catalog reads what every region holds as one: accounts and their public
// profiles, videos, listings, search and comments, with the aggregates of
// every region summed (a video's counts, an account's followers). One
// region's store is a catalog of itself; the router is the catalog of an
// instance with several.
type Catalog interface {
	// Account and AccountByHandle return ENOTFOUND for unknown accounts.
	// The account has its personal fields: callers choose what to show.
	Account(ctx context.Context, id string) (*Account, error)
	AccountByHandle(ctx context.Context, handle string) (*Account, error)
	// SearchAccounts matches handles and display names: the exact handle
	// first, then the most followed.
	SearchAccounts(ctx context.Context, q string, limit int) ([]*Account, error)
	// Followers lists the follows of accountID held in every region (each
	// edge names the follower), newest first, as AccountStore.Followers.
	Followers(ctx context.Context, accountID string, p Page) ([]Edge, string, error)
	// AccountRefs returns the public summaries of the accounts among ids,
	// of any region, by ID; unknown (or erased) IDs are absent.
	AccountRefs(ctx context.Context, ids []string) (map[string]AccountRef, error)

	// Video returns ENOTFOUND for unknown (or deleted) videos; any status.
	Video(ctx context.Context, id string) (*Video, error)
	// Videos returns ready public videos by ID (unknown IDs skipped), in the
	// order asked.
	Videos(ctx context.Context, ids []string) ([]*Video, error)
	// VideoDurations returns the duration of each ready video among ids
	// (unknown IDs absent): what validating events needs.
	VideoDurations(ctx context.Context, ids []string) (map[string]int64, error)
	// ListVideos returns a newest-first page and the cursor of the next one ("" at the end).
	ListVideos(ctx context.Context, f VideoFilter, p Page) ([]*Video, string, error)
	// RecentVideos returns ready public videos created at or after since,
	// newest first: the candidate pool of For You and Trending.
	RecentVideos(ctx context.Context, since time.Time, limit int) ([]*Video, error)

	// Comments lists a video's top-level comments (parentID "") or the
	// replies to one comment, oldest first, with every region's replies
	// and likes counted; tombstones among them.
	Comments(ctx context.Context, videoID, parentID string, p Page) ([]*Comment, string, error)
}

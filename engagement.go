package flick

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Comment is a comment on a video, or a reply to one (ParentID set). Replies
// are one level deep: a reply to a reply hangs off the same top comment.
type Comment struct {
	ID         string     `json:"id"`
	VideoID    string     `json:"video_id"`
	AuthorID   string     `json:"-"`
	Author     AccountRef `json:"author"`
	ParentID   string     `json:"parent_id,omitempty"`
	Text       string     `json:"text"`
	ReplyCount int64      `json:"reply_count"`
	CreatedAt  time.Time  `json:"created_at"`
}

// ValidateCommentText trims and checks a comment.
func ValidateCommentText(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Errorf(EINVALID, "Comment text is required.")
	}
	if utf8.RuneCountInString(s) > MaxCommentRunes {
		return "", Errorf(EUNPROCESSABLE, "Comment must be at most %d characters.", MaxCommentRunes)
	}
	if !PrintableText(s, true) {
		return "", Errorf(EINVALID, "Comment contains characters that are not allowed.")
	}
	return s, nil
}

// EngagementStore keeps likes, comments and what the event log derives:
// counters and watch history.
type EngagementStore interface {
	// Like and Unlike are idempotent; changed says whether anything changed.
	Like(ctx context.Context, accountID, videoID string, at time.Time) (changed bool, err error)
	Unlike(ctx context.Context, accountID, videoID string) (changed bool, err error)
	// Liked returns which of videoIDs accountID has liked.
	Liked(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error)

	// CreateComment inserts c; a ParentID must name a comment on the same
	// video (ENOTFOUND otherwise). Replies to replies attach to the top comment.
	CreateComment(ctx context.Context, c *Comment) error
	// Comments lists a video's top-level comments (parentID "") or the replies
	// to one comment, oldest first.
	Comments(ctx context.Context, videoID, parentID string, p Page) ([]*Comment, string, error)

	// Watched returns which of videoIDs accountID has watched through.
	Watched(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error)
	// Marks returns, in one read, what accountID has done to each of
	// videoIDs that the feeds must know on every page; videos with no mark
	// are absent.
	Marks(ctx context.Context, accountID string, videoIDs []string) (map[string]VideoMarks, error)
}

// ProjectionStore keeps what a region's event log projects: counters and
// watch history. ApplyProjection applies one batch and records that the
// projection named name has consumed the log up to seq, in one transaction;
// a batch at or below the recorded position is ignored, so replays after a
// crash count nothing twice.
type ProjectionStore interface {
	ProjectionPosition(ctx context.Context, name string) (uint64, error)
	ApplyProjection(ctx context.Context, name string, seq uint64, b ProjectionBatch) error
}

// VideoMarks is what one viewer has done to one video.
type VideoMarks struct {
	Watched       bool // watched through, as Watched reports
	NotInterested bool
	Liked         bool
}

// ProjectionBatch is what a run of events changes.
type ProjectionBatch struct {
	Counts  map[string]Counts // video ID -> deltas
	Watches []Watch
	// Removed are videos deleted (in any region): the store forgets its
	// records about them (likes, watches, comments, marks, counts), after
	// the counts and watches above.
	Removed []string
}

// Watch is one viewer's watching of one video.
type Watch struct {
	AccountID string
	VideoID   string
	WatchMS   int64
	Completed bool // watched through (at least 90% or to the end)
	At        time.Time
}

// Store is everything Flick keeps in its metadata databases, as the API and
// the feeds see it: one region's store, or all regions behind a router.
type Store interface {
	AccountStore
	SessionStore
	VideoStore
	EngagementStore
	ControlStore
	// Ping checks the database for /readyz.
	Ping(ctx context.Context) error
	Close() error
}

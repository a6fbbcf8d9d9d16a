package flick

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Comment is a comment on a video, or a reply to one (ParentID set). Replies
// are one level deep: a reply to a reply hangs off the same top comment.
//
// A deleted comment that still has replies is a tombstone: Deleted, with
// neither text nor author (AuthorID stays, for the store to keep it with
// its author's records), so that its thread stays readable.
type Comment struct {
	ID         string     `json:"id"`
	VideoID    string     `json:"video_id"`
	AuthorID   string     `json:"-"`
	Author     AccountRef `json:"author,omitzero"`
	ParentID   string     `json:"parent_id,omitempty"`
	Text       string     `json:"text"`
	Deleted    bool       `json:"deleted"`
	ReplyCount int64      `json:"reply_count"`
	Likes      int64      `json:"likes"` // of every region
	Liked      bool       `json:"liked"` // by the viewer who reads it
	CreatedAt  time.Time  `json:"created_at"`
}

// CommentLike is one account's like of a comment (of any region), a record
// of the liker's.
type CommentLike struct {
	CommentID string    `json:"comment_id"`
	VideoID   string    `json:"video_id"`
	At        time.Time `json:"at"`
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
	if !PrintableText(s) {
		return "", Errorf(EINVALID, "Comment contains control, invisible or text-direction characters, which are not allowed.")
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
	// Likes lists accountID's likes (each edge names the video), most
	// recent first (NewestEdgeFirst), with the EdgeCursor of the next page
	// ("" at the end). EINVALID for a cursor that is not one.
	Likes(ctx context.Context, accountID string, p Page) ([]Edge, string, error)

	// CreateComment inserts c; a ParentID must name a comment on the same
	// video (ENOTFOUND otherwise). Replies to replies attach to the top comment.
	CreateComment(ctx context.Context, c *Comment) error
	// Comments lists a video's top-level comments (parentID "") or the replies
	// to one comment, oldest first.
	Comments(ctx context.Context, videoID, parentID string, p Page) ([]*Comment, string, error)
	// CommentsByID returns the comments stored here among ids (unknown IDs
	// skipped), with their authors.
	CommentsByID(ctx context.Context, ids []string) ([]*Comment, error)
	// DeleteComment deletes a comment stored here with the replies stored
	// here; ENOTFOUND if this store does not hold it.
	DeleteComment(ctx context.Context, id string) error
	// TombstoneComment makes a comment stored here, which still has
	// replies, a tombstone: its text is erased and it reads as Deleted.
	// ENOTFOUND if this store does not hold it or it is one already.
	TombstoneComment(ctx context.Context, id string) error
	// RestoreComment puts c back as it was before DeleteComment or
	// TombstoneComment took it (an undo); c must come from this store.
	RestoreComment(ctx context.Context, c *Comment) error

	// LikeComment and UnlikeComment are idempotent; changed says whether
	// anything changed. LikeComment returns ENOTFOUND unless commentID is a
	// comment on videoID, here or in another region.
	LikeComment(ctx context.Context, accountID, videoID, commentID string, at time.Time) (changed bool, err error)
	UnlikeComment(ctx context.Context, accountID, commentID string) (changed bool, err error)
	// LikedComments returns which of commentIDs accountID has liked.
	LikedComments(ctx context.Context, accountID string, commentIDs []string) (map[string]bool, error)
	// DeleteCommentLikes deletes every account's likes, stored here, of
	// the comments ids (comments deleted, or made tombstones).
	DeleteCommentLikes(ctx context.Context, ids []string) error

	// Watched returns which of videoIDs accountID has watched through.
	Watched(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error)
	// LastWatched returns when accountID last watched each of videoIDs
	// (as projected from the log; never watched: absent).
	LastWatched(ctx context.Context, accountID string, videoIDs []string) (map[string]time.Time, error)
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
	AccountID string    `json:"account_id"`
	VideoID   string    `json:"video_id"`
	WatchMS   int64     `json:"watch_ms"`
	Completed bool      `json:"completed"` // watched through (at least 90% or to the end)
	At        time.Time `json:"at"`
}

// Engagement is what viewers do with videos and creators, and the controls
// they set on their feeds. Every change is written to the viewer's home
// region, as a record and an event of its log, or not at all: when the
// event cannot be appended the record is taken back.
type Engagement interface {
	// Like and Unlike are idempotent; they return the video's counts once
	// the change is counted. ENOTFOUND for a video the viewer cannot see,
	// ECONFLICT for one that is not ready yet.
	Like(ctx context.Context, viewerID, videoID string) (Counts, error)
	Unlike(ctx context.Context, viewerID, videoID string) (Counts, error)
	// Follow and Unfollow are idempotent; they return the followee with its
	// counts updated. EUNPROCESSABLE for oneself, ENOTFOUND for an unknown
	// account.
	Follow(ctx context.Context, viewerID, accountID string) (*Account, error)
	Unfollow(ctx context.Context, viewerID, accountID string) (*Account, error)
	// DeleteComment deletes a comment: its author or the creator of its
	// video may. A comment with replies stays as a tombstone (Deleted, no
	// text, no author) until its last reply is deleted; its likes go. The
	// video's comment count drops once the deletion is counted. ENOTFOUND
	// for an unknown or deleted comment (or one on a video the viewer
	// cannot see), EFORBIDDEN for anyone else's.
	DeleteComment(ctx context.Context, viewerID, commentID string) error
	// LikeComment and UnlikeComment are idempotent; they return the
	// comment's likes (of every region). ENOTFOUND for an unknown or
	// deleted comment, or one on a video the viewer cannot see;
	// ERATELIMIT (with RetryAfter) for an account over its rate.
	LikeComment(ctx context.Context, viewerID, commentID string) (likes int64, err error)
	UnlikeComment(ctx context.Context, viewerID, commentID string) (likes int64, err error)
	// LikedComments returns which of commentIDs the viewer has liked.
	LikedComments(ctx context.Context, viewerID string, commentIDs []string) (map[string]bool, error)
	// Comment adds a comment on a ready video, or a reply when parentID is
	// set (a reply to a reply hangs off the same top comment), and returns
	// it once it is counted. EINVALID or EUNPROCESSABLE for bad text,
	// ERATELIMIT (with RetryAfter) for an account over its rate, EFORBIDDEN
	// for a video whose creator turned comments off.
	Comment(ctx context.Context, viewerID, videoID, text, parentID string) (*Comment, error)
	// Share counts a share of a ready video and returns the video's
	// counts; a viewer's repeated shares of a video are recorded but not
	// counted. ERATELIMIT (with RetryAfter) for a client or account over
	// its rate.
	Share(ctx context.Context, v Viewer, videoID string) (Counts, error)
	// Record appends what a viewer's client reports having shown and
	// played. A malformed batch is refused whole (EINVALID, ETOOLARGE), and
	// so is one over the client's or account's rate (ERATELIMIT, with
	// RetryAfter); events about videos that are not ready are dropped;
	// watch time beyond what the wall clock allows is clipped; it returns
	// how many were accepted. Each event's Discount says how much it
	// counts toward what others see.
	Record(ctx context.Context, v Viewer, events []ClientEvent) (accepted int, err error)

	// NotInterested marks a video the viewer does not want (the recommender
	// learns it from the event at once). EUNPROCESSABLE for one's own video.
	NotInterested(ctx context.Context, viewerID, videoID string) error
	// UndoNotInterested takes the mark back, and the recommender unlearns
	// the aversion; idempotent. ENOTFOUND for a video the viewer cannot see.
	UndoNotInterested(ctx context.Context, viewerID, videoID string) error
	// HideCreator and UnhideCreator take a creator out of the viewer's
	// feeds, search and hashtag lists, and put them back. EUNPROCESSABLE for
	// oneself.
	HideCreator(ctx context.Context, viewerID, creatorID string) error
	UnhideCreator(ctx context.Context, viewerID, creatorID string) error
	// PutSettings replaces the viewer's feed settings and returns them as
	// stored; invalid settings change nothing.
	PutSettings(ctx context.Context, viewerID string, s ViewerSettings) (ViewerSettings, error)
	// ResetForYou is "Refresh your For You": the recommender forgets what
	// it learned of the viewer's taste. Explicit controls stay.
	ResetForYou(ctx context.Context, viewerID string) error

	// Liked returns which of videoIDs the viewer has liked.
	Liked(ctx context.Context, viewerID string, videoIDs []string) (map[string]bool, error)
	// IsFollowing reports whether the viewer follows accountID.
	IsFollowing(ctx context.Context, viewerID, accountID string) (bool, error)
	// Followers lists the accounts that follow accountID, and Following
	// those it follows, most recent follow first, each with whether the
	// viewer ("" when anonymous) follows it; accounts of any region.
	// ENOTFOUND for an unknown account, EINVALID for a bad cursor.
	Followers(ctx context.Context, viewerID, accountID string, p Page) ([]ListedAccount, string, error)
	Following(ctx context.Context, viewerID, accountID string, p Page) ([]ListedAccount, string, error)
	// LikedVideos lists the videos accountID liked that the viewer may
	// see, most recent like first: to the account itself always, to
	// anyone else only when it made its likes public (EFORBIDDEN
	// otherwise). ENOTFOUND for an unknown account, EINVALID for a bad
	// cursor.
	LikedVideos(ctx context.Context, viewerID, accountID string, p Page) ([]*Video, string, error)
	// Controls returns the viewer's settings and hidden creators' IDs.
	Controls(ctx context.Context, viewerID string) (*ViewerControls, error)
	// HiddenCreators lists the creators the viewer hid, most recent first.
	HiddenCreators(ctx context.Context, viewerID string) ([]AccountRef, error)
}

// Viewer is who reports engagement: a signed-in account, or an anonymous
// viewer known by the random token the server gave its browser, and the
// client address the request came from. Engagement keeps only keyed
// hashes of the token and the address, in memory, to count each viewer
// once.
type Viewer struct {
	AccountID string // "" for anonymous viewers
	Token     string // an anonymous viewer's token; "" when the client keeps none
	Client    Client
}

// ClientEvent is one entry of a client's report of what it showed and
// played: an impression, a view or a skip.
type ClientEvent struct {
	Type    EventType  `json:"type"`
	VideoID string     `json:"video_id"`
	WatchMS int64      `json:"watch_ms"`
	At      *time.Time `json:"at"` // when it happened; nil: now
}

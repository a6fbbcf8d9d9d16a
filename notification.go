package flick

import (
	"context"
	"time"
)

// Notifications: an account's inbox of what others did with it and its
// content, and what became of its uploads. They are built from the event
// logs (internal/notify), and are the recipient's personal data: stored in
// the recipient's home region, exported, moved and erased with it.

// NotificationType is what an inbox item is about; types are wire names.
type NotificationType string

const (
	NotifyFollow      NotificationType = "follow"       // actors followed the recipient
	NotifyLike        NotificationType = "like"         // actors liked the recipient's video
	NotifyComment     NotificationType = "comment"      // actors commented on the recipient's video
	NotifyReply       NotificationType = "reply"        // actors replied to the recipient's comment
	NotifyMention     NotificationType = "mention"      // an actor mentioned the recipient in a caption or comment
	NotifyVideoReady  NotificationType = "video_ready"  // the recipient's upload is playable
	NotifyVideoFailed NotificationType = "video_failed" // the recipient's upload could not be processed
)

// Grouping: the events of one type about one target (a video, a comment,
// the recipient for follows) make one inbox item while the item is younger
// than NotificationWindow ("aurora and 12 others liked your video"); an
// item shows its NotificationActors latest actors and counts them all.
const (
	NotificationWindow = 24 * time.Hour
	NotificationActors = 3
)

// NotificationDelta is what one event of a region's log adds to one inbox.
type NotificationDelta struct {
	Seq       uint64 // the event's position in its region's log
	AccountID string // the recipient
	Type      NotificationType
	// Target is what the item groups on: a video ID, a comment ID, or ""
	// (follows).
	Target    string
	ActorID   string // who did it; "" for what happened to an upload
	VideoID   string // the video it is about, if any
	CommentID string // the comment it is about, if any: the newest one
	At        time.Time
}

// Notification is one item of an inbox as stored.
type Notification struct {
	ID        string           `json:"id"`
	AccountID string           `json:"-"`
	Type      NotificationType `json:"type"`
	Target    string           `json:"target,omitempty"`
	// Actors are who did it and when, newest first: every one in
	// AccountData, the NotificationActors latest in a listing, where
	// ActorCount counts them all.
	Actors     []Edge    `json:"actors"`
	ActorCount int       `json:"actor_count"`
	VideoID    string    `json:"video_id,omitempty"`
	CommentID  string    `json:"comment_id,omitempty"`
	StartedAt  time.Time `json:"started_at"` // the first event's time, which the window counts from
	UpdatedAt  time.Time `json:"updated_at"` // the latest event's time, which orders the inbox
	Read       bool      `json:"read"`
}

// NotificationStore keeps the inboxes of the accounts stored in a region.
type NotificationStore interface {
	// ApplyNotifications adds ds to the inboxes of the accounts stored
	// here and records that the consumer named name has applied its log up
	// to seq, in one transaction. A delta at or below the recorded
	// position (ProjectionPosition(name)) is ignored, so a batch replayed
	// after a crash adds nothing twice; so is a delta for an account not
	// stored here, by the recipient itself, or by an actor the recipient
	// hid. An actor already in the item adds nothing unless it comments
	// again (a new comment raises the item).
	ApplyNotifications(ctx context.Context, name string, seq uint64, ds []NotificationDelta) error
	// Notifications returns a page of accountID's inbox, the most recently
	// active first, and the cursor of the next page ("" at the end);
	// EINVALID for a malformed cursor. Actors the account has hidden since
	// are left out of the items, and items only they made out of the
	// inbox, as they are from UnreadNotifications.
	Notifications(ctx context.Context, accountID string, p Page) ([]*Notification, string, error)
	// UnreadNotifications counts accountID's unread items.
	UnreadNotifications(ctx context.Context, accountID string) (int, error)
	// MarkNotificationsRead marks read accountID's items as active as upTo
	// or less (every item when upTo is ""); ENOTFOUND when upTo is not an
	// item of its inbox.
	MarkNotificationsRead(ctx context.Context, accountID, upTo string) error
}

// Notifications is the inbox service.
type Notifications interface {
	// Inbox returns a page of the account's inbox, newest first, with its
	// unread count; items about what the account may no longer see (a
	// deleted video, an erased actor) are left out. EINVALID for a
	// malformed cursor.
	Inbox(ctx context.Context, accountID string, p Page) (*Inbox, error)
	// MarkRead marks the items up to upTo read (all when ""); ENOTFOUND for
	// an item not in the account's inbox.
	MarkRead(ctx context.Context, accountID, upTo string) error
}

// Inbox is a page of an inbox.
type Inbox struct {
	Items      []InboxItem `json:"items"`
	Unread     int         `json:"unread"`
	NextCursor string      `json:"next_cursor"`
}

// InboxItem is a notification as its recipient reads it.
type InboxItem struct {
	ID         string           `json:"id"`
	Type       NotificationType `json:"type"`
	Actors     []AccountRef     `json:"actors"`
	ActorCount int              `json:"actor_count"`
	Video      *InboxVideo      `json:"video,omitempty"`
	Comment    *InboxComment    `json:"comment,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
	Read       bool             `json:"read"`
}

// InboxVideo is the video an item is about.
type InboxVideo struct {
	ID        string `json:"id"`
	PosterURL string `json:"poster_url,omitempty"`
	Caption   string `json:"caption"`
}

// InboxComment is the comment an item is about, its text cut to
// CommentExcerptRunes.
type InboxComment struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// CommentExcerptRunes is how much of a comment an inbox item quotes.
const CommentExcerptRunes = 120

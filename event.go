package flick

import (
	"context"
	"time"
)

// EventType names what happened. Types are wire names, recorded in every
// region's log: they never change.
type EventType string

// Every event type, client-reported and server-made.
const (
	// Reported by clients (POST /api/v1/events): see ClientEventTypes.
	EventImpression EventType = "impression" // a video was shown
	EventView       EventType = "view"       // a video was watched for WatchMS
	EventSkip       EventType = "skip"       // flicked away quickly

	// What a viewer did, appended by Engagement.
	EventLike    EventType = "like"
	EventUnlike  EventType = "unlike"
	EventComment EventType = "comment"
	// EventUncomment: a comment (TargetID) was deleted, by its author or
	// the video's creator; recorded as the author's, in the author's home
	// region, which counted the comment, with the comment's discount.
	EventUncomment EventType = "uncomment"
	// EventCommentLike and EventCommentUnlike: the viewer liked a comment
	// (TargetID) on VideoID, or took the like back. No counter of the
	// video's changes: a comment's likes are counted as it is read.
	EventCommentLike   EventType = "comment_like"
	EventCommentUnlike EventType = "comment_unlike"
	EventShare         EventType = "share"
	EventFollow        EventType = "follow"
	EventUnfollow      EventType = "unfollow"
	// EventNotInterested: the viewer does not want this video (VideoID) or
	// things like it: the strongest negative signal.
	EventNotInterested EventType = "not_interested"
	// EventNotInterestedUndone takes a "Not interested" back (the app's
	// Undo): the aversion it taught is unlearned, and nothing more.
	EventNotInterestedUndone EventType = "not_interested_undone"
	// EventReset: "Refresh your For You": the recommender forgets what it
	// learned of the viewer's taste and starts over.
	EventReset EventType = "reset"

	// What happened to a video, announced by its region's transcoder to
	// every region.
	EventPublish EventType = "publish" // a video became playable
	EventRemove  EventType = "remove"  // a video was deleted
	EventFail    EventType = "fail"    // a video could not be processed
)

// ClientEventTypes are the types a client may report.
var ClientEventTypes = map[EventType]bool{EventImpression: true, EventView: true, EventSkip: true}

// Event is one entry of a region's event log. AccountID is "" for anonymous
// viewers. Events are stored under one subject per account so that an
// account's events can be found and erased.
type Event struct {
	Type       EventType `json:"type"`
	AccountID  string    `json:"account_id,omitempty"`
	VideoID    string    `json:"video_id,omitempty"`
	TargetID   string    `json:"target_id,omitempty"` // followed account, comment
	WatchMS    int64     `json:"watch_ms,omitempty"`
	DurationMS int64     `json:"duration_ms,omitempty"` // the video's length, for completion
	At         time.Time `json:"at"`
	// Moved marks an event copied into this region by an account move: its
	// effects on counters and watch history were moved as records, so
	// projections skip it; the recommender learns from it.
	Moved bool `json:"moved,omitempty"`
	// Discount is how much less than a full signal the event counts for
	// toward what other people see (public counters, Trending, popularity,
	// exploration), and why: decided once by Engagement when the event is
	// recorded, so that every consumer and every replay agrees. Empty (as
	// in every event logged before it existed): it counts fully. The
	// viewer's own history learns from every event whatever its discount.
	Discount Discount `json:"discount,omitempty"`
}

// Discount is why an event counts for less toward what others see; the
// rules that set it are Engagement's (internal/engagement/README.md).
type Discount string

const (
	// DiscountRepeat: not counted at all. The viewer's view (or
	// impression, skip, share) of this video was counted already today, or
	// the client address has had its quota of counted viewers of it today.
	DiscountRepeat Discount = "repeat"
	// DiscountNewAccount: the account is younger than a day.
	DiscountNewAccount Discount = "new_account"
	// DiscountBurst: the client address or account reported an
	// implausible burst of completed views (over a hundred a minute).
	DiscountBurst Discount = "burst"
)

// LowWeight is what an event of a new account or a bursting client counts
// for in Trending, popularity and exploration, against 1 for a full one.
const LowWeight = 0.1

// WatchedThrough says whether a view watched the video through: at least
// 90% of it, or all but the last half second (players often stop a few
// frames short of the end). An unknown duration never counts as watched
// through.
func (e Event) WatchedThrough() bool {
	if e.DurationMS <= 0 {
		return false
	}
	return e.WatchMS*10 >= e.DurationMS*9 || e.WatchMS >= e.DurationMS-500
}

// Counted reports whether the event counts toward public counters at all.
func (e Event) Counted() bool { return e.Discount != DiscountRepeat }

// Weight is how much the event counts toward Trending, popularity and
// exploration: 1, LowWeight, or 0 for a repeat.
func (e Event) Weight() float64 {
	switch e.Discount {
	case "":
		return 1
	case DiscountRepeat:
		return 0
	default:
		return LowWeight
	}
}

// EngagementWeight is what one counted event of type t adds to a video's
// engagement as Trending ranks it: sharing a video says more than
// commenting on it, than liking it, than watching it; an unlike takes its
// like back, an uncomment its comment. Other types weigh nothing.
func EngagementWeight(t EventType) float64 {
	switch t {
	case EventView:
		return 1
	case EventLike:
		return 4
	case EventUnlike:
		return -4
	case EventComment:
		return 6
	case EventUncomment:
		return -6
	case EventShare:
		return 8
	}
	return 0
}

// SequencedEvent is an event with its position in the log.
type SequencedEvent struct {
	Seq uint64
	Event
}

// EventAppender records events.
type EventAppender interface {
	// Append stores events durably and returns the sequence number of the
	// last one; when it returns nil the events survive a crash.
	Append(ctx context.Context, events []Event) (lastSeq uint64, err error)
}

// EventLog is a region's durable, ordered log of events.
type EventLog interface {
	EventAppender
	// Read returns up to max events after seq (exclusive), waiting up to wait
	// for the first one to arrive; an empty result means nothing new.
	Read(ctx context.Context, after uint64, max int, wait time.Duration) ([]SequencedEvent, error)
	// LastSeq is the sequence number of the newest event (0 when empty).
	LastSeq(ctx context.Context) (uint64, error)
	// AccountEvents returns the events stored under accountID's subject,
	// in log order.
	AccountEvents(ctx context.Context, accountID string) ([]SequencedEvent, error)
	// EraseAccount removes accountID's events for good and scrubs its ID
	// from other messages; it returns how many messages it removed.
	EraseAccount(ctx context.Context, accountID string) (int, error)
	// Accounts lists the accounts that have events in this log.
	Accounts(ctx context.Context) ([]string, error)
	Close() error
}

// Projector folds a region's event log into its store's counters and watch
// history.
type Projector interface {
	// WaitFor blocks until the log is applied up to seq, so that a client
	// reads its own writes (a like shows in the count it gets back).
	WaitFor(ctx context.Context, seq uint64) error
}

// Learner is a region's recommender as it learns from the region's log.
type Learner interface {
	// WaitFor blocks until the log is learned up to seq.
	WaitFor(ctx context.Context, seq uint64) error
	// EraseAccount erases an erased account's events from the region's
	// log, once everything before them is learned, and then everything
	// learned from and about it, as a viewer and as a creator, in memory
	// and on disk. Call it once the account's records are gone, or a
	// catalogue refresh would bring its videos back.
	EraseAccount(ctx context.Context, accountID string) error
	// ReleaseAccount does the same for an account that moved to another
	// region, as a viewer only: its videos live on.
	ReleaseAccount(ctx context.Context, accountID string) error
}

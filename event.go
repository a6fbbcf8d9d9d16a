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
	EventLike     EventType = "like"
	EventUnlike   EventType = "unlike"
	EventComment  EventType = "comment"
	EventShare    EventType = "share"
	EventFollow   EventType = "follow"
	EventUnfollow EventType = "unfollow"
	// EventNotInterested: the viewer does not want this video (VideoID) or
	// things like it: the strongest negative signal.
	EventNotInterested EventType = "not_interested"
	// EventReset: "Refresh your For You": the recommender forgets what it
	// learned of the viewer's taste and starts over.
	EventReset EventType = "reset"

	// What happened to a video, announced by its region's transcoder to
	// every region.
	EventPublish EventType = "publish" // a video became playable
	EventRemove  EventType = "remove"  // a video was deleted
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

package flick

import (
	"context"
	"time"
)

// EventType names what happened.
type EventType string

// Client-reported events (POST /api/v1/events) and server-made ones.
const (
	EventImpression EventType = "impression" // a video was shown
	EventView       EventType = "view"       // a video was watched for WatchMS
	EventSkip       EventType = "skip"       // flicked away quickly
	EventLike       EventType = "like"
	EventUnlike     EventType = "unlike"
	EventComment    EventType = "comment"
	EventShare      EventType = "share"
	EventFollow     EventType = "follow"
	EventUnfollow   EventType = "unfollow"
	EventPublish    EventType = "publish" // a video became playable
	EventRemove     EventType = "remove"  // a video was deleted
)

// ClientEventTypes are the types a client may report.
var ClientEventTypes = map[EventType]bool{EventImpression: true, EventView: true, EventSkip: true}

// Event is one entry of a region's event log. AccountID is "" for anonymous
// viewers. Events are stored under one subject per account so that an
// account's events can be found and purged.
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
	// last one in its region's log; when it returns nil the events survive
	// a crash.
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
	Close() error
}

// Projector applies the event logs to the stores' counters and watch
// history.
type Projector interface {
	// WaitFor blocks until every event of accountID's region's log up to seq
	// has been applied, so that a client reads its own writes (a like shows
	// in the count it gets back).
	WaitFor(ctx context.Context, accountID string, seq uint64) error
}

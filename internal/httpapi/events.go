package httpapi

import (
	"net/http"
	"time"

	"github.com/flick-video/flick"
)

// Limits of POST /api/v1/events.
const (
	maxEventBatch = 500
	// maxEventAge is how far back a client may date an event: a phone that
	// was offline for a while still reports, but history cannot be forged.
	maxEventAge = 24 * time.Hour
	// maxWatchFactor caps watch time at this many times the video's length
	// (looping is real, hours on a 10 s clip are not).
	maxWatchFactor = 10
)

type clientEvent struct {
	Type    flick.EventType `json:"type"`
	VideoID string          `json:"video_id"`
	WatchMS int64           `json:"watch_ms"`
	At      *time.Time      `json:"at"`
}

type eventsResponse struct {
	Accepted int `json:"accepted"`
}

// postEvents handles POST /api/v1/events: a batch of impressions, views and
// skips. A malformed batch is refused whole; events about videos that do not
// exist (or are no longer ready) are dropped, and the answer says how many
// were accepted.
func (s *Server) postEvents(w http.ResponseWriter, r *http.Request, c *caller) error {
	var batch []clientEvent
	if err := s.decodeJSON(w, r, &batch); err != nil {
		return err
	}
	if len(batch) > maxEventBatch {
		return flick.Errorf(flick.ETOOLARGE, "At most %d events per batch.", maxEventBatch)
	}
	ids := make([]string, 0, len(batch))
	seen := map[string]bool{}
	for i, e := range batch {
		if !flick.ClientEventTypes[e.Type] {
			return flick.Errorf(flick.EINVALID, "Event %d: type must be impression, view or skip.", i)
		}
		if !flick.ValidID(e.VideoID) {
			return flick.Errorf(flick.EINVALID, "Event %d: video_id is not a valid id.", i)
		}
		if !seen[e.VideoID] {
			seen[e.VideoID] = true
			ids = append(ids, e.VideoID)
		}
	}
	if len(batch) == 0 {
		writeJSON(w, http.StatusAccepted, eventsResponse{})
		return nil
	}
	duration, err := s.Store.VideoDurations(r.Context(), ids)
	if err != nil {
		return err
	}
	now := s.Clock().UTC()
	events := make([]flick.Event, 0, len(batch))
	for _, e := range batch {
		d, ok := duration[e.VideoID]
		if !ok {
			continue
		}
		at := now
		if e.At != nil {
			at = clampTime(e.At.UTC(), now.Add(-maxEventAge), now)
		}
		events = append(events, flick.Event{
			Type: e.Type, AccountID: c.AccountID, VideoID: e.VideoID,
			WatchMS: min(max(e.WatchMS, 0), maxWatchFactor*d), DurationMS: d, At: at,
		})
	}
	if len(events) > 0 {
		if _, err := s.Events.Append(r.Context(), events); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusAccepted, eventsResponse{Accepted: len(events)})
	return nil
}

func clampTime(t, lo, hi time.Time) time.Time {
	if t.Before(lo) {
		return lo
	}
	if t.After(hi) {
		return hi
	}
	return t
}

package engagement

import (
	"context"
	"time"

	"github.com/flick-video/flick"
)

// Limits of what a client reports.
const (
	// MaxClientEvents is the largest batch Record takes.
	MaxClientEvents = 500
	// maxEventAge is how far back a client may date an event: a phone that
	// was offline for a while still reports, but history cannot be forged.
	maxEventAge = 24 * time.Hour
	// maxWatchFactor caps watch time at this many times the video's length
	// (looping is real, hours on a 10 s clip are not).
	maxWatchFactor = 10
)

// Record validates a client's batch of impressions, views and skips and
// appends what it may to the viewer's home region's log (the default
// region's for anonymous viewers). A malformed batch is refused whole;
// events about videos that do not exist (or are no longer ready) are
// dropped; watch times and dates are clamped to what is plausible.
func (s *Service) Record(ctx context.Context, viewerID string, batch []flick.ClientEvent) (int, error) {
	if len(batch) > MaxClientEvents {
		return 0, flick.Errorf(flick.ETOOLARGE, "At most %d events per batch.", MaxClientEvents)
	}
	ids := make([]string, 0, len(batch))
	seen := map[string]bool{}
	for i, e := range batch {
		if !flick.ClientEventTypes[e.Type] {
			return 0, flick.Errorf(flick.EINVALID, "Event %d: type must be impression, view or skip.", i)
		}
		if !flick.ValidID(e.VideoID) {
			return 0, flick.Errorf(flick.EINVALID, "Event %d: video_id is not a valid id.", i)
		}
		if !seen[e.VideoID] {
			seen[e.VideoID] = true
			ids = append(ids, e.VideoID)
		}
	}
	if len(batch) == 0 {
		return 0, nil
	}
	duration, err := s.router.VideoDurations(ctx, ids)
	if err != nil {
		return 0, err
	}
	now := s.clock().UTC()
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
			Type: e.Type, AccountID: viewerID, VideoID: e.VideoID,
			WatchMS: min(max(e.WatchMS, 0), maxWatchFactor*d), DurationMS: d, At: at,
		})
	}
	if len(events) == 0 {
		return 0, nil
	}
	home, done, err := s.router.Home(ctx, viewerID)
	if err != nil {
		return 0, err
	}
	defer done()
	if _, err := home.Events.Append(ctx, events); err != nil {
		return 0, err
	}
	return len(events), nil
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

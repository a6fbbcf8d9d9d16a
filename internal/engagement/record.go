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
// region's for anonymous viewers). A batch over the viewer's rate is
// refused, and so is a malformed one, whole; events about videos that do
// not exist (or are no longer ready) are dropped; watch times and dates
// are clamped to what is plausible; the guard decides how much each event
// counts toward what others see.
func (s *Service) Record(ctx context.Context, who flick.Viewer, batch []flick.ClientEvent) (int, error) {
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
	now := s.clock().UTC()
	if err := s.guard.admit(now, who); err != nil {
		return 0, err
	}
	duration, err := s.router.VideoDurations(ctx, ids)
	if err != nil {
		return 0, err
	}
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
			Type: e.Type, AccountID: who.AccountID, VideoID: e.VideoID,
			WatchMS: min(max(e.WatchMS, 0), maxWatchFactor*d), DurationMS: d, At: at,
		})
	}
	if len(events) == 0 {
		return 0, nil
	}
	home, done, err := s.router.Home(ctx, who.AccountID)
	if err != nil {
		return 0, err
	}
	defer done()
	v, err := s.judged(ctx, home, who, now, ids)
	if err != nil {
		return 0, err
	}
	s.guard.judge(now, v, events)
	if _, err := home.Events.Append(ctx, events); err != nil {
		return 0, err
	}
	return len(events), nil
}

// judged is what the guard must know of a viewer: whether the account is
// new, and which of videoIDs it has watched today already (from its
// watch history, so that this survives a restart).
func (s *Service) judged(ctx context.Context, home *flick.Cell, who flick.Viewer, now time.Time, videoIDs []string) (*viewer, error) {
	v := &viewer{Viewer: who}
	if who.AccountID == "" || s.guard.off {
		return v, nil
	}
	discount, err := s.accountDiscount(ctx, who.AccountID, now)
	if err != nil {
		return nil, err
	}
	v.young = discount == flick.DiscountNewAccount
	if videoIDs == nil {
		return v, nil
	}
	last, err := home.Store.LastWatched(ctx, who.AccountID, videoIDs)
	if err != nil {
		return nil, err
	}
	v.watchedToday = map[string]bool{}
	for id, at := range last {
		v.watchedToday[id] = sameDay(at, now)
	}
	return v, nil
}

func sameDay(a, b time.Time) bool { return a.Unix()/86400 == b.Unix()/86400 }

func clampTime(t, lo, hi time.Time) time.Time {
	if t.Before(lo) {
		return lo
	}
	if t.After(hi) {
		return hi
	}
	return t
}

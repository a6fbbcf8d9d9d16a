package engagement

import (
	"context"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/routing"
)

// A viewer's controls over their feeds: what they do not want to see, and
// how For You ranks for them. They are the viewer's personal data, kept in
// their home region.

// NotInterested stores the mark (For You leaves the video out from the next
// page on) and logs it as an event, from which the recommender learns the
// aversion at once and which a replay of the log reproduces.
func (s *Service) NotInterested(ctx context.Context, viewerID, videoID string) error {
	v, err := s.readyVideo(ctx, viewerID, videoID)
	if err != nil {
		return err
	}
	if v.AuthorID == viewerID {
		return flick.Errorf(flick.EUNPROCESSABLE, "You cannot mark your own video as not interested.")
	}
	home, done, err := s.router.Home(ctx, viewerID)
	if err != nil {
		return err
	}
	defer done()
	now := s.clock().UTC()
	changed, err := home.Store.MarkNotInterested(ctx, viewerID, v.ID, now)
	if err != nil || !changed {
		return err
	}
	_, err = s.record(ctx, change{home: home,
		event: flick.Event{Type: flick.EventNotInterested, AccountID: viewerID, VideoID: v.ID, DurationMS: v.DurationMS, At: now},
		undo:  ignoreChanged(func(ctx context.Context) (bool, error) { return home.Store.UnmarkNotInterested(ctx, viewerID, v.ID) })})
	return err
}

// UndoNotInterested removes the mark and logs that it was taken back, so
// that the recommender (and a replay of the log) unlearns the aversion.
func (s *Service) UndoNotInterested(ctx context.Context, viewerID, videoID string) error {
	v, err := s.readyVideo(ctx, viewerID, videoID)
	if err != nil {
		return err
	}
	home, done, err := s.router.Home(ctx, viewerID)
	if err != nil {
		return err
	}
	defer done()
	changed, err := home.Store.UnmarkNotInterested(ctx, viewerID, v.ID)
	if err != nil || !changed {
		return err
	}
	now := s.clock().UTC()
	_, err = s.record(ctx, change{home: home,
		event: flick.Event{Type: flick.EventNotInterestedUndone, AccountID: viewerID, VideoID: v.ID, DurationMS: v.DurationMS, At: now},
		undo:  ignoreChanged(func(ctx context.Context) (bool, error) { return home.Store.MarkNotInterested(ctx, viewerID, v.ID, now) })})
	return err
}

// HideCreator hides a creator from the viewer's feeds, search and hashtag
// lists. The store is what the feeds read, so no event is needed for the
// recommender.
func (s *Service) HideCreator(ctx context.Context, viewerID, creatorID string) error {
	return s.setHidden(ctx, viewerID, creatorID, func(home flick.Store) (bool, error) {
		return home.HideCreator(ctx, viewerID, creatorID, s.clock().UTC())
	})
}

// UnhideCreator shows a hidden creator again.
func (s *Service) UnhideCreator(ctx context.Context, viewerID, creatorID string) error {
	return s.setHidden(ctx, viewerID, creatorID, func(home flick.Store) (bool, error) {
		return home.UnhideCreator(ctx, viewerID, creatorID)
	})
}

func (s *Service) setHidden(ctx context.Context, viewerID, creatorID string, set func(home flick.Store) (bool, error)) error {
	if creatorID == viewerID {
		return flick.Errorf(flick.EUNPROCESSABLE, "You cannot hide yourself.")
	}
	_, err := routing.InHome(ctx, s.router, viewerID, func(home *flick.Cell) (bool, error) { return set(home.Store) })
	return err
}

// HiddenCreators lists the hidden creators, filling in those of other
// regions, which the viewer's region knows only by ID; accounts erased
// since are left out.
func (s *Service) HiddenCreators(ctx context.Context, viewerID string) ([]flick.AccountRef, error) {
	home, done, err := s.router.Home(ctx, viewerID)
	if err != nil {
		return nil, err
	}
	refs, err := home.Store.HiddenCreators(ctx, viewerID)
	done()
	if err != nil {
		return nil, err
	}
	out := refs[:0]
	for _, ref := range refs {
		if ref.Handle == "" {
			a, err := s.router.Account(ctx, ref.ID)
			if flick.ErrorCode(err) == flick.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			ref = flick.AccountRef{ID: a.ID, Handle: a.Handle, DisplayName: a.DisplayName, AvatarURL: a.AvatarURL}
		}
		out = append(out, ref)
	}
	return out, nil
}

// Controls reads the viewer's settings and hidden creators.
func (s *Service) Controls(ctx context.Context, viewerID string) (*flick.ViewerControls, error) {
	return routing.InHome(ctx, s.router, viewerID, func(home *flick.Cell) (*flick.ViewerControls, error) {
		return home.Store.Controls(ctx, viewerID)
	})
}

// PutSettings replaces the viewer's settings.
func (s *Service) PutSettings(ctx context.Context, viewerID string, set flick.ViewerSettings) (flick.ViewerSettings, error) {
	return routing.InHome(ctx, s.router, viewerID, func(home *flick.Cell) (flick.ViewerSettings, error) {
		return home.Store.PutSettings(ctx, viewerID, set)
	})
}

// ResetForYou is only an event: the recommender forgets the viewer's
// learned taste when it learns it, so a replay of the log forgets it
// again.
func (s *Service) ResetForYou(ctx context.Context, viewerID string) error {
	home, done, err := s.router.Home(ctx, viewerID)
	if err != nil {
		return err
	}
	defer done()
	_, err = s.record(ctx, change{home: home, event: flick.Event{Type: flick.EventReset, AccountID: viewerID, At: s.clock().UTC()}})
	return err
}

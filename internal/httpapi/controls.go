package httpapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/flick-video/flick"
)

// notInterested handles POST /api/v1/videos/{id}/not-interested. The mark is
// stored (For You leaves the video out from the next page on) and logged as
// an event, from which the recommender learns the aversion at once and
// which a replay of the log reproduces.
func (s *Server) notInterested(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	v, err := s.readyVideo(ctx, r, c.AccountID)
	if err != nil {
		return err
	}
	if v.AuthorID == c.AccountID {
		return flick.Errorf(flick.EUNPROCESSABLE, "You cannot mark your own video as not interested.")
	}
	now := s.Clock().UTC()
	changed, err := s.Store.MarkNotInterested(ctx, c.AccountID, v.ID, now)
	if err != nil {
		return err
	}
	if changed {
		undo := func() error { _, err := s.Store.UnmarkNotInterested(ctx, c.AccountID, v.ID); return err }
		ev := flick.Event{Type: flick.EventNotInterested, AccountID: c.AccountID, VideoID: v.ID, DurationMS: v.DurationMS, At: now}
		if _, err := s.appendOrUndo(ctx, ev, undo); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// block handles POST /api/v1/accounts/{handle}/block: hide a creator from
// the viewer's feeds, search and hashtag lists. The store is what the feeds
// read, so no event is needed for the recommender.
func (s *Server) block(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setBlock(w, r, c, true)
}

// unblock handles DELETE /api/v1/accounts/{handle}/block.
func (s *Server) unblock(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setBlock(w, r, c, false)
}

func (s *Server) setBlock(w http.ResponseWriter, r *http.Request, c *caller, on bool) error {
	ctx := r.Context()
	a, err := s.accountByHandle(ctx, r)
	if err != nil {
		return err
	}
	if a.ID == c.AccountID {
		return flick.Errorf(flick.EUNPROCESSABLE, "You cannot hide yourself.")
	}
	if on {
		_, err = s.Store.Block(ctx, c.AccountID, a.ID, s.Clock().UTC())
	} else {
		_, err = s.Store.Unblock(ctx, c.AccountID, a.ID)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listBlocks handles GET /api/v1/me/blocks: the hidden creators, most
// recently hidden first (at most flick.MaxBlockedCreators, so one page).
func (s *Server) listBlocks(w http.ResponseWriter, r *http.Request, c *caller) error {
	refs, err := s.Store.BlockedAccounts(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listJSON[flick.AccountRef]{Items: emptyIfNil(refs)})
	return nil
}

// getSettings handles GET /api/v1/me/settings.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctl, err := s.Store.Controls(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ctl.Settings)
	return nil
}

// putSettings handles PUT /api/v1/me/settings: the whole settings object
// is replaced (a missing field takes its default) and the normalized
// settings are returned.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in flick.ViewerSettings
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.Store.PutSettings(r.Context(), c.AccountID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// resetForYou handles POST /api/v1/me/foryou/reset: "refresh your For
// You". It is only an event: the recommender forgets the viewer's learned
// taste when it learns it, so a replay of the log forgets it again.
// Explicit controls (hidden creators, not-interested marks, keyword
// filters, settings) stay.
func (s *Server) resetForYou(w http.ResponseWriter, r *http.Request, c *caller) error {
	ev := flick.Event{Type: flick.EventReset, AccountID: c.AccountID, At: s.Clock().UTC()}
	if _, err := s.Events.Append(r.Context(), []flick.Event{ev}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// hideBlocked drops the videos of creators viewer has hidden from a list
// page; the page may come out shorter, its cursor stays right.
func (s *Server) hideBlocked(ctx context.Context, viewer string, videos []*flick.Video) ([]*flick.Video, error) {
	if viewer == "" || len(videos) == 0 {
		return videos, nil
	}
	ctl, err := s.Store.Controls(ctx, viewer)
	if err != nil || len(ctl.BlockedIDs) == 0 {
		return videos, err
	}
	return slices.DeleteFunc(videos, func(v *flick.Video) bool { return slices.Contains(ctl.BlockedIDs, v.AuthorID) }), nil
}

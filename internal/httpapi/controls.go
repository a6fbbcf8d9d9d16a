package httpapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/flick-video/flick"
)

// notInterested handles POST /api/v1/videos/{id}/not-interested.
func (s *Server) notInterested(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setNotInterested(w, r, c, s.Engagement.NotInterested)
}

// undoNotInterested handles DELETE /api/v1/videos/{id}/not-interested.
func (s *Server) undoNotInterested(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setNotInterested(w, r, c, s.Engagement.UndoNotInterested)
}

func (s *Server) setNotInterested(w http.ResponseWriter, r *http.Request, c *caller, set func(ctx context.Context, viewerID, videoID string) error) error {
	id, err := pathID(r, "id", "Video")
	if err != nil {
		return err
	}
	if err := set(r.Context(), c.AccountID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// hideCreator handles POST /api/v1/accounts/{handle}/block: hide a creator from
// the viewer's feeds, search and hashtag lists.
func (s *Server) hideCreator(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setHidden(w, r, c, s.Engagement.HideCreator)
}

// unhideCreator handles DELETE /api/v1/accounts/{handle}/block.
func (s *Server) unhideCreator(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setHidden(w, r, c, s.Engagement.UnhideCreator)
}

func (s *Server) setHidden(w http.ResponseWriter, r *http.Request, c *caller, set func(ctx context.Context, viewerID, creatorID string) error) error {
	a, err := s.accountByHandle(r)
	if err != nil {
		return err
	}
	if err := set(r.Context(), c.AccountID, a.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listHidden handles GET /api/v1/me/blocks: the hidden creators, most
// recently hidden first (at most flick.MaxHiddenCreators, so one page).
func (s *Server) listHidden(w http.ResponseWriter, r *http.Request, c *caller) error {
	refs, err := s.Engagement.HiddenCreators(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listJSON[flick.AccountRef]{Items: emptyIfNil(refs)})
	return nil
}

// getSettings handles GET /api/v1/me/settings.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctl, err := s.Engagement.Controls(r.Context(), c.AccountID)
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
	out, err := s.Engagement.PutSettings(r.Context(), c.AccountID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// resetForYou handles POST /api/v1/me/foryou/reset: "Refresh your For
// You". Explicit controls (hidden creators, not-interested marks, keyword
// filters, settings) stay.
func (s *Server) resetForYou(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.Engagement.ResetForYou(r.Context(), c.AccountID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// hideHidden drops the videos of creators viewer has hidden from a list
// page; the page may come out shorter, its cursor stays right.
func (s *Server) hideHidden(ctx context.Context, viewer string, videos []*flick.Video) ([]*flick.Video, error) {
	if viewer == "" || len(videos) == 0 {
		return videos, nil
	}
	ctl, err := s.Engagement.Controls(ctx, viewer)
	if err != nil || len(ctl.HiddenIDs) == 0 {
		return videos, err
	}
	return slices.DeleteFunc(videos, func(v *flick.Video) bool { return slices.Contains(ctl.HiddenIDs, v.AuthorID) }), nil
}

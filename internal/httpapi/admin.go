package httpapi

import (
	"net/http"
	"strings"

	"github.com/flick-video/flick"
)

// Support tools for admins. Every look at a person's private records is
// appended to the access log first, with the admin's reason: no entry, no
// data.

// adminAccountJSON is what support sees of an account.
type adminAccountJSON struct {
	meJSON
	Sessions int `json:"sessions"`
}

// adminGetAccount handles GET /api/v1/admin/accounts/{handle}?reason=.
func (s *Server) adminGetAccount(w http.ResponseWriter, r *http.Request, c *caller) error {
	if _, err := s.requireRole(r, c, flick.RoleAdmin); err != nil {
		return err
	}
	reason := strings.TrimSpace(r.URL.Query().Get("reason"))
	if reason == "" {
		return flick.Errorf(flick.EINVALID, "A reason is required: it is written to the access log.")
	}
	a, err := s.Store.AccountByHandle(r.Context(), flick.NormalizeHandle(r.PathValue("handle")))
	if err != nil {
		return err
	}
	if err := s.Audit.Record(r.Context(), flick.AccessEntry{Actor: c.AccountID, ActorRole: flick.RoleAdmin, Action: flick.AccessView,
		AccountID: a.ID, Region: a.Region, Reason: reason}); err != nil {
		return err
	}
	sessions, err := s.Store.Sessions(r.Context(), a.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, adminAccountJSON{meJSON: ownAccount(a), Sessions: len(sessions)})
	return nil
}

// regions handles GET /api/v1/regions: where an account's data can live.
func (s *Server) regions(w http.ResponseWriter, r *http.Request, _ *caller) error {
	writeJSON(w, http.StatusOK, map[string]any{"regions": s.cfg.Regions, "default": s.cfg.Regions[0]})
	return nil
}

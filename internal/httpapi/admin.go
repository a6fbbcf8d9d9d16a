package httpapi

import (
	"net/http"

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
	a, err := s.Regions.AccountByHandle(r.Context(), flick.NormalizeHandle(r.PathValue("handle")))
	if err != nil {
		return err
	}
	a, sessions, err := s.Accounts.Inspect(r.Context(), c.AccountID, a.ID, r.URL.Query().Get("reason"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, adminAccountJSON{meJSON: ownAccount(a), Sessions: len(sessions)})
	return nil
}

// regions handles GET /api/v1/regions: where an account's data can live.
func (s *Server) regions(w http.ResponseWriter, r *http.Request, _ *caller) error {
	regions := s.Regions.Regions()
	writeJSON(w, http.StatusOK, map[string]any{"regions": regions, "default": regions[0]})
	return nil
}

package httpapi

import (
	"net/http"

	"github.com/flick-video/flick"
)

// Support tools for admins. Every look at a person's private records is
// appended to the access log first, with the admin's reason: no entry, no
// data. A look is a POST, never a GET: a GET would let any cross-site link
// write to the permanent log with the admin's cookie.

// adminAccountJSON is what support sees of an account.
type adminAccountJSON struct {
	meJSON
	Sessions int `json:"sessions"`
}

type inspectRequest struct {
	Reason string `json:"reason"`
}

// adminInspectAccount handles POST /api/v1/admin/accounts/{handle}/inspect
// {reason}.
func (s *Server) adminInspectAccount(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req inspectRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	a, err := s.Regions.AccountByHandle(r.Context(), flick.NormalizeHandle(r.PathValue("handle")))
	if err != nil {
		return err
	}
	a, sessions, err := s.Accounts.Inspect(r.Context(), c.AccountID, a.ID, req.Reason)
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

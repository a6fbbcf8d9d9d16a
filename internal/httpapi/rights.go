package httpapi

import (
	"fmt"
	"net/http"

	"github.com/flick-video/flick"
)

// exportMe handles POST /api/v1/me/export: a zip of everything Flick holds
// about the caller. It is a POST because it writes an access-log entry: a
// GET would let a cross-site link write one.
func (s *Server) exportMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	a, err := s.Regions.Account(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	write, err := s.Rights.Export(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="flick-%s-%s.zip"`, a.Handle, s.Clock().UTC().Format("2006-01-02")))
	w.Header().Set("Cache-Control", "no-store")
	if err := write(w); err != nil {
		// The status is sent; a cut-off zip fails to open, and the log says why.
		s.Logger.Error("data export failed midway", "request_id", requestID(r.Context()), "err", err)
	}
	return nil
}

type deleteMeRequest struct {
	Password string `json:"password"`
}

// deleteMe handles DELETE /api/v1/me {password}: erase the account and all
// of its data in every region.
func (s *Server) deleteMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req deleteMeRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Password == "" {
		return flick.Errorf(flick.EINVALID, "Your password is required to delete your account.")
	}
	if err := s.Accounts.CheckPassword(r.Context(), c.AccountID, req.Password, s.client(r)); err != nil {
		return err
	}
	if err := s.Rights.Erase(r.Context(), c.AccountID); err != nil {
		return err
	}
	s.clearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type moveRequest struct {
	To     string `json:"to"`
	Reason string `json:"reason"`
}

// adminMoveAccount handles POST /api/v1/admin/accounts/{handle}/move.
func (s *Server) adminMoveAccount(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req moveRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	a, err := s.Regions.AccountByHandle(r.Context(), flick.NormalizeHandle(r.PathValue("handle")))
	if err != nil {
		return err
	}
	receipt, err := s.Mover.Move(r.Context(), a.ID, req.To, c.AccountID, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, receipt)
	return nil
}

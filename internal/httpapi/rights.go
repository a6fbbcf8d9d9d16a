package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/flick-video/flick"
)

// DataRights exports and erases a person's data in every region
// (residency.Rights implements it).
type DataRights interface {
	// Export gathers everything held about account id, records the export
	// in the access log, and returns the function that writes the zip.
	Export(ctx context.Context, id string) (func(w io.Writer) error, error)
	// Erase deletes the account and all of its data everywhere.
	Erase(ctx context.Context, id string) error
}

// AccountMover moves an account to another region on an admin's behalf
// and returns the receipt.
type AccountMover interface {
	MoveAccount(ctx context.Context, id, to, actor, reason string) (receipt any, err error)
}

// exportMe handles GET /api/v1/me/export: a zip of everything Flick holds
// about the caller.
func (s *Server) exportMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	a, err := s.Store.Account(r.Context(), c.AccountID)
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
	a, err := s.Store.Account(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	if ok, retry := s.limiter.Allow(s.Clock(), "ip:"+s.clientIP(r), "handle:"+a.Handle); !ok {
		w.Header().Set("Retry-After", retryAfterSeconds(retry))
		return flick.Errorf(flick.ERATELIMIT, "Too many password attempts; try again in a minute.")
	}
	if _, err := s.checkPassword(r.Context(), a.Handle, req.Password); err != nil {
		if flick.ErrorCode(err) == flick.EUNAUTHORIZED {
			return flick.Errorf(flick.EUNAUTHORIZED, "Wrong password.")
		}
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
	if _, err := s.requireRole(r, c, flick.RoleAdmin); err != nil {
		return err
	}
	var req moveRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return flick.Errorf(flick.EINVALID, "A reason is required: it is written to the access log.")
	}
	a, err := s.Store.AccountByHandle(r.Context(), flick.NormalizeHandle(r.PathValue("handle")))
	if err != nil {
		return err
	}
	receipt, err := s.Mover.MoveAccount(r.Context(), a.ID, req.To, c.AccountID, strings.TrimSpace(req.Reason))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, receipt)
	return nil
}

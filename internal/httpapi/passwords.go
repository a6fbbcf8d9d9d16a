package httpapi

import (
	"net/http"
)

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// putPassword handles PUT /api/v1/me/password {current_password,
// new_password}: the caller's session stays, every other one ends.
func (s *Server) putPassword(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req changePasswordRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.Accounts.ChangePassword(r.Context(), c.AccountID, c.Session.ID, req.CurrentPassword, req.NewPassword, s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type resetRequest struct {
	// HandleOrEmail names the account: its handle, or the email address
	// it signed up with.
	HandleOrEmail string `json:"handle_or_email"`
}

// resetRequested is the one answer to every accepted reset request, so
// that it says nothing of whether the account exists.
var resetRequested = map[string]string{
	"message": "If an account with that handle or email address has an email address, a link to reset its password is on its way. It works for an hour.",
}

// createPasswordReset handles POST /api/v1/password-resets
// {handle_or_email}: 202 whether or not there is such an account.
func (s *Server) createPasswordReset(w http.ResponseWriter, r *http.Request, _ *caller) error {
	var req resetRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.Accounts.RequestPasswordReset(r.Context(), req.HandleOrEmail, s.client(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, resetRequested)
	return nil
}

type useResetRequest struct {
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
}

// confirmPasswordReset handles POST /api/v1/password-resets/confirm
// {token, new_password}; the token travels in the body, never in a URL
// that logs keep.
func (s *Server) confirmPasswordReset(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req useResetRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.Accounts.ResetPassword(r.Context(), req.Token, req.NewPassword, s.client(r)); err != nil {
		return err
	}
	if c.viaCookie {
		s.clearCookie(w, r) // every session ended, this browser's too
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package httpapi

import "net/http"

// listNotifications handles GET /api/v1/me/notifications: a page of the
// caller's inbox, newest first, with the unread count.
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	inbox, err := s.Notify.Inbox(r.Context(), c.AccountID, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inbox)
	return nil
}

// readNotificationsJSON is the optional body of POST
// /api/v1/me/notifications/read.
type readNotificationsJSON struct {
	UpTo string `json:"up_to"`
}

// readNotifications handles POST /api/v1/me/notifications/read: marks the
// items up to up_to (every item without a body) read.
func (s *Server) readNotifications(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in readNotificationsJSON
	if r.ContentLength != 0 {
		if err := s.decodeJSON(w, r, &in); err != nil {
			return err
		}
	}
	if err := s.Notify.MarkRead(r.Context(), c.AccountID, in.UpTo); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package httpapi

import (
	"net/http"

	"github.com/flick-video/flick"
)

type eventsResponse struct {
	Accepted int `json:"accepted"`
}

// postEvents handles POST /api/v1/events: a batch of impressions, views and
// skips, and answers how many were accepted.
func (s *Server) postEvents(w http.ResponseWriter, r *http.Request, c *caller) error {
	var batch []flick.ClientEvent
	if err := s.decodeJSON(w, r, &batch); err != nil {
		return err
	}
	n, err := s.Engagement.Record(r.Context(), c.AccountID, batch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, eventsResponse{Accepted: n})
	return nil
}

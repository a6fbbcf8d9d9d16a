package httpapi

import (
	"net/http"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/auth"
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
	viewer, err := s.viewer(w, r, c)
	if err != nil {
		return err
	}
	n, err := s.Engagement.Record(r.Context(), viewer, batch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, eventsResponse{Accepted: n})
	return nil
}

// viewerCookie holds an anonymous viewer's token: a random value the
// server issues on the first report of a browser without one, so that its
// views count once a video a day (internal/engagement). It names no
// account and lives viewerCookieTTL.
const (
	viewerCookie    = "flick_viewer"
	viewerCookieTTL = 30 * 24 * time.Hour
)

// viewer is who reports engagement: the signed-in account, or an
// anonymous viewer by its token, issued now if the browser has none.
func (s *Server) viewer(w http.ResponseWriter, r *http.Request, c *caller) (flick.Viewer, error) {
	v := flick.Viewer{AccountID: c.AccountID, Client: s.client(r)}
	if c.signedIn() {
		return v, nil
	}
	if ck, err := r.Cookie(viewerCookie); err == nil && auth.WellFormedToken(ck.Value) {
		v.Token = ck.Value
		return v, nil
	}
	token, err := auth.NewToken()
	if err != nil {
		return v, err
	}
	v.Token = token
	s.setCookie(w, r, viewerCookie, token, "/api/", int(viewerCookieTTL.Seconds()), http.SameSiteLaxMode)
	return v, nil
}

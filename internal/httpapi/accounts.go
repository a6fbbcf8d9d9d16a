package httpapi

import (
	"context"
	"net/http"

	"github.com/flick-video/flick"
)

type signUpRequest struct {
	Handle    string `json:"handle"`
	Password  string `json:"password"`
	Birthdate string `json:"birthdate"`
	Email     string `json:"email"`
	// Region is the account's home region, where its personal data is kept
	// (the instance's default region when absent).
	Region string `json:"region"`
}

// signUpResponse is the new account (its fields at the top level, as the API
// contract asks) and a session token: signing up also signs in. The account
// is repeated under "account" so that the answer has the same shape as
// POST /api/v1/sessions.
type signUpResponse struct {
	meJSON
	Account meJSON `json:"account"`
	Token   string `json:"token"`
}

type sessionResponse struct {
	Token   string `json:"token"`
	Account meJSON `json:"account"`
}

// createAccount handles POST /api/v1/accounts.
func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, _ *caller) error {
	var req signUpRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	in, err := s.Accounts.SignUp(r.Context(), flick.SignUp{Handle: req.Handle, Password: req.Password, Birthdate: req.Birthdate,
		Email: req.Email, Region: req.Region}, s.device(r))
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, in)
	s.setDeviceCookie(w, r, in)
	me := ownAccount(in.Account)
	writeJSON(w, http.StatusCreated, signUpResponse{meJSON: me, Account: me, Token: in.Token})
	return nil
}

type logInRequest struct {
	Handle   string `json:"handle"`
	Password string `json:"password"`
}

// createSession handles POST /api/v1/sessions: log in.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request, _ *caller) error {
	var req logInRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	in, err := s.Accounts.SignIn(r.Context(), req.Handle, req.Password, s.device(r))
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, in)
	s.setDeviceCookie(w, r, in)
	writeJSON(w, http.StatusCreated, sessionResponse{Token: in.Token, Account: ownAccount(in.Account)})
	return nil
}

// deleteCurrentSession handles DELETE /api/v1/sessions/current: log out.
func (s *Server) deleteCurrentSession(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.Accounts.SignOut(r.Context(), c.AccountID, c.Session.ID); err != nil {
		return err
	}
	s.clearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listSessions handles GET /api/v1/me/sessions.
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, c *caller) error {
	sessions, err := s.Accounts.Sessions(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	for _, sess := range sessions {
		sess.Current = sess.ID == c.Session.ID
	}
	writeJSON(w, http.StatusOK, listJSON[*flick.Session]{Items: emptyIfNil(sessions)})
	return nil
}

// deleteSession handles DELETE /api/v1/me/sessions/{id}: sign a device out.
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id", "Session")
	if err != nil {
		return err
	}
	if err := s.Accounts.SignOut(r.Context(), c.AccountID, id); err != nil {
		return err
	}
	if id == c.Session.ID {
		s.clearCookie(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getMe handles GET /api/v1/me.
func (s *Server) getMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	a, err := s.Regions.Account(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ownAccount(a))
	return nil
}

// patchMe handles PATCH /api/v1/me {display_name?, bio?}.
func (s *Server) patchMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	var u flick.ProfileUpdate
	if err := s.decodeJSON(w, r, &u); err != nil {
		return err
	}
	a, err := s.Accounts.UpdateProfile(r.Context(), c.AccountID, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ownAccount(a))
	return nil
}

// accountByHandle looks up the {handle} path parameter.
func (s *Server) accountByHandle(r *http.Request) (*flick.Account, error) {
	h := flick.NormalizeHandle(r.PathValue("handle"))
	if flick.ValidateHandle(h) != nil {
		return nil, flick.Errorf(flick.ENOTFOUND, "Account not found.")
	}
	return s.Regions.AccountByHandle(r.Context(), h)
}

// accountPage reads the {handle} account and the page of a listing of
// that account's.
func (s *Server) accountPage(r *http.Request) (*flick.Account, flick.Page, error) {
	p, err := page(r)
	if err != nil {
		return nil, p, err
	}
	a, err := s.accountByHandle(r)
	return a, p, err
}

// getAccount handles GET /api/v1/accounts/{handle}.
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, c *caller) error {
	a, err := s.accountByHandle(r)
	if err != nil {
		return err
	}
	out := publicAccount(a)
	if c.signedIn() && c.AccountID != a.ID {
		if out.Following, err = s.Engagement.IsFollowing(r.Context(), c.AccountID, a.ID); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// follow handles POST /api/v1/accounts/{handle}/follow and answers with the
// followee's profile, its counts updated.
func (s *Server) follow(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setFollow(w, r, c, s.Engagement.Follow, true)
}

// unfollow handles DELETE /api/v1/accounts/{handle}/follow.
func (s *Server) unfollow(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setFollow(w, r, c, s.Engagement.Unfollow, false)
}

func (s *Server) setFollow(w http.ResponseWriter, r *http.Request, c *caller,
	set func(ctx context.Context, viewerID, accountID string) (*flick.Account, error), following bool) error {
	a, err := s.accountByHandle(r)
	if err != nil {
		return err
	}
	if a, err = set(r.Context(), c.AccountID, a.ID); err != nil {
		return err
	}
	out := publicAccount(a)
	out.Following = following
	writeJSON(w, http.StatusOK, out)
	return nil
}

// accountVideos handles GET /api/v1/accounts/{handle}/videos: what the
// viewer may see of the account's videos, pinned ones first; the owner also
// sees videos still processing or failed.
func (s *Server) accountVideos(w http.ResponseWriter, r *http.Request, c *caller) error {
	a, p, err := s.accountPage(r)
	if err != nil {
		return err
	}
	videos, next, err := s.Videos.Profile(r.Context(), c.AccountID, a.ID, p)
	if err != nil {
		return err
	}
	return s.writeVideoPage(w, r, c.AccountID, videos, next)
}

// followers handles GET /api/v1/accounts/{handle}/followers.
func (s *Server) followers(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.accountList(w, r, c, s.Engagement.Followers)
}

// following handles GET /api/v1/accounts/{handle}/following.
func (s *Server) following(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.accountList(w, r, c, s.Engagement.Following)
}

func (s *Server) accountList(w http.ResponseWriter, r *http.Request, c *caller,
	list func(ctx context.Context, viewerID, accountID string, p flick.Page) ([]flick.ListedAccount, string, error)) error {
	a, p, err := s.accountPage(r)
	if err != nil {
		return err
	}
	items, next, err := list(r.Context(), c.AccountID, a.ID, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listJSON[flick.ListedAccount]{Items: emptyIfNil(items), NextCursor: next})
	return nil
}

// likedVideos handles GET /api/v1/accounts/{handle}/liked: 403 unless the
// viewer is the account or the account made its likes public.
func (s *Server) likedVideos(w http.ResponseWriter, r *http.Request, c *caller) error {
	a, p, err := s.accountPage(r)
	if err != nil {
		return err
	}
	videos, next, err := s.Engagement.LikedVideos(r.Context(), c.AccountID, a.ID, p)
	if err != nil {
		return err
	}
	return s.writeVideoPage(w, r, c.AccountID, videos, next)
}

// deviceCookie keeps the device token of the web app's browser: proof that
// it signed in before, which keeps its password attempts apart from
// strangers' (accounts.Service.SignIn). API clients may send it too.
const deviceCookie = "flick_device"

// device is the client with the device token it keeps, if any.
func (s *Server) device(r *http.Request) flick.Client {
	cl := s.client(r)
	if ck, err := r.Cookie(deviceCookie); err == nil {
		cl.Device = ck.Value
	}
	return cl
}

// setDeviceCookie gives the browser a new device token to keep, for a
// year: only the sign-in and sign-up endpoints read it.
func (s *Server) setDeviceCookie(w http.ResponseWriter, r *http.Request, in *flick.SignedIn) {
	if in.Device == "" {
		return
	}
	s.setCookie(w, r, deviceCookie, in.Device, "/api/v1/", 365*24*60*60, http.SameSiteStrictMode)
}

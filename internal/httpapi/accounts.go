package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/auth"
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
	now := s.Clock().UTC()
	handle := flick.NormalizeHandle(req.Handle)
	if err := flick.ValidateHandle(handle); err != nil {
		return err
	}
	email := strings.TrimSpace(req.Email)
	if err := flick.ValidateEmail(email); err != nil {
		return err
	}
	if _, err := flick.ParseBirthdate(req.Birthdate, now); err != nil {
		return err
	}
	if err := s.policy.Validate(req.Password); err != nil {
		return err
	}
	region := req.Region
	if region == "" {
		region = s.cfg.Regions[0]
	} else if !slices.Contains(s.cfg.Regions, region) {
		return flick.Errorf(flick.EINVALID, "Unknown region %q: choose one of %s.", region, strings.Join(s.cfg.Regions, ", "))
	}
	// Sign-ups cost a password hash and create state: limit them per
	// client like logins, so that one address cannot mass-create accounts.
	if ok, retry := s.limiter.Allow(now, "signup-ip:"+s.clientIP(r)); !ok {
		w.Header().Set("Retry-After", retryAfterSeconds(retry))
		return flick.Errorf(flick.ERATELIMIT, "Too many sign-ups from your network; try again in a minute.")
	}
	// Refuse a taken handle before spending a hash on it; CreateAccount
	// still catches a race.
	if _, err := s.Store.AccountByHandle(r.Context(), handle); err == nil {
		return flick.Errorf(flick.ECONFLICT, "That handle is taken.")
	} else if flick.ErrorCode(err) != flick.ENOTFOUND {
		return err
	}
	hash, err := s.hasher.Hash(r.Context(), req.Password)
	if err != nil {
		return err
	}
	a := &flick.Account{
		ID: flick.NewID(now), Handle: handle, Email: email, Birthdate: req.Birthdate,
		Region: region, CreatedAt: now,
	}
	if err := s.Store.CreateAccount(r.Context(), a, hash); err != nil {
		return err
	}
	token, err := s.startSession(r.Context(), w, r, a.ID)
	if err != nil {
		return err
	}
	me := ownAccount(a)
	writeJSON(w, http.StatusCreated, signUpResponse{meJSON: me, Account: me, Token: token})
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
	handle := flick.NormalizeHandle(req.Handle)
	if handle == "" || req.Password == "" {
		return flick.Errorf(flick.EINVALID, "Handle and password are required.")
	}
	if len(handle) > 64 || utf8.RuneCountInString(req.Password) > 1024 {
		return flick.Errorf(flick.EUNAUTHORIZED, "Wrong handle or password.")
	}
	ok, retry := s.limiter.Allow(s.Clock(), "ip:"+s.clientIP(r), "handle:"+handle)
	if !ok {
		w.Header().Set("Retry-After", retryAfterSeconds(retry))
		return flick.Errorf(flick.ERATELIMIT, "Too many login attempts; try again in a minute.")
	}
	a, err := s.checkPassword(r.Context(), handle, req.Password)
	if err != nil {
		return err
	}
	token, err := s.startSession(r.Context(), w, r, a.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sessionResponse{Token: token, Account: ownAccount(a)})
	return nil
}

// checkPassword returns the account if password is its password. Unknown
// handles cost one hash too, so timing does not tell which handles exist.
func (s *Server) checkPassword(ctx context.Context, handle, password string) (*flick.Account, error) {
	wrong := flick.Errorf(flick.EUNAUTHORIZED, "Wrong handle or password.")
	a, err := s.Store.AccountByHandle(ctx, handle)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		if err := s.hasher.VerifyDummy(ctx, password); err != nil {
			return nil, err
		}
		return nil, wrong
	} else if err != nil {
		return nil, err
	}
	hash, err := s.Store.PasswordHash(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	ok, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wrong
	}
	return a, nil
}

// startSession creates a session for accountID, sets the cookie and returns
// the token, which is shown this once and never stored.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, accountID string) (string, error) {
	token, err := auth.NewToken()
	if err != nil {
		return "", err
	}
	now := s.Clock().UTC()
	sess := &flick.Session{
		ID: flick.NewID(now), AccountID: accountID, TokenHash: auth.HashToken(token),
		UserAgent: truncate(r.UserAgent(), 256), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL),
	}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	s.setCookie(w, r, token)
	return token, nil
}

// deleteCurrentSession handles DELETE /api/v1/sessions/current: log out.
func (s *Server) deleteCurrentSession(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.Store.DeleteSession(r.Context(), c.AccountID, c.Session.ID); err != nil {
		return err
	}
	s.clearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listSessions handles GET /api/v1/me/sessions.
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, c *caller) error {
	sessions, err := s.Store.Sessions(r.Context(), c.AccountID)
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
	if err := s.Store.DeleteSession(r.Context(), c.AccountID, id); err != nil {
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
	a, err := s.Store.Account(r.Context(), c.AccountID)
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
	if u.DisplayName != nil {
		trimmed := strings.TrimSpace(*u.DisplayName)
		u.DisplayName = &trimmed
	}
	if err := u.Validate(); err != nil {
		return err
	}
	a, err := s.Store.UpdateProfile(r.Context(), c.AccountID, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ownAccount(a))
	return nil
}

// accountByHandle looks up the {handle} path parameter.
func (s *Server) accountByHandle(ctx context.Context, r *http.Request) (*flick.Account, error) {
	h := flick.NormalizeHandle(r.PathValue("handle"))
	if flick.ValidateHandle(h) != nil {
		return nil, flick.Errorf(flick.ENOTFOUND, "Account not found.")
	}
	return s.Store.AccountByHandle(ctx, h)
}

// getAccount handles GET /api/v1/accounts/{handle}.
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, c *caller) error {
	a, err := s.accountByHandle(r.Context(), r)
	if err != nil {
		return err
	}
	out := publicAccount(a)
	if c.signedIn() && c.AccountID != a.ID {
		if out.Following, err = s.Store.IsFollowing(r.Context(), c.AccountID, a.ID); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// follow handles POST /api/v1/accounts/{handle}/follow.
func (s *Server) follow(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setFollow(w, r, c, true)
}

// unfollow handles DELETE /api/v1/accounts/{handle}/follow.
func (s *Server) unfollow(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setFollow(w, r, c, false)
}

// setFollow follows or unfollows and answers with the followee's profile, its
// counts updated. A change is also an event in the log; if the event cannot
// be recorded the change is undone, so store and log never disagree.
func (s *Server) setFollow(w http.ResponseWriter, r *http.Request, c *caller, on bool) error {
	ctx := r.Context()
	a, err := s.accountByHandle(ctx, r)
	if err != nil {
		return err
	}
	if a.ID == c.AccountID {
		return flick.Errorf(flick.EUNPROCESSABLE, "You cannot follow yourself.")
	}
	now := s.Clock().UTC()
	var changed bool
	if on {
		changed, err = s.Store.Follow(ctx, c.AccountID, a.ID, now)
	} else {
		changed, err = s.Store.Unfollow(ctx, c.AccountID, a.ID)
	}
	if err != nil {
		return err
	}
	if changed {
		typ, undo := flick.EventFollow, func() error { _, err := s.Store.Unfollow(ctx, c.AccountID, a.ID); return err }
		if !on {
			typ, undo = flick.EventUnfollow, func() error { _, err := s.Store.Follow(ctx, c.AccountID, a.ID, now); return err }
		}
		if _, err := s.appendOrUndo(ctx, flick.Event{Type: typ, AccountID: c.AccountID, TargetID: a.ID, At: now}, undo); err != nil {
			return err
		}
	}
	if a, err = s.Store.Account(ctx, a.ID); err != nil {
		return err
	}
	out := publicAccount(a)
	out.Following = on
	writeJSON(w, http.StatusOK, out)
	return nil
}

// appendOrUndo appends e to the event log; when that fails it runs undo to
// take back the store change the event describes.
func (s *Server) appendOrUndo(ctx context.Context, e flick.Event, undo func() error) (uint64, error) {
	seq, err := s.Events.Append(ctx, []flick.Event{e})
	if err == nil {
		return seq, nil
	}
	if uerr := undo(); uerr != nil {
		s.Logger.Error("undo after failed event append", "request_id", requestID(ctx), "event", e.Type, "err", uerr)
	}
	return 0, err
}

// accountVideos handles GET /api/v1/accounts/{handle}/videos: the owner also
// sees videos still processing or failed.
func (s *Server) accountVideos(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	a, err := s.accountByHandle(r.Context(), r)
	if err != nil {
		return err
	}
	f := flick.VideoFilter{AuthorIDs: []string{a.ID}, AllStatuses: c.AccountID == a.ID}
	videos, next, err := s.Store.ListVideos(r.Context(), f, p)
	if err != nil {
		return err
	}
	out, err := s.videoPage(r.Context(), c.AccountID, videos, next)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/flick-video/flick"
)

// SessionCookie names the session cookie of the web app; the web app's
// pages tell its scripts whether the browser holds one.
const SessionCookie = "flick_session"

// caller is who is making a request: AccountID is "" for anonymous callers.
type caller struct {
	AccountID string
	Session   *flick.Session
	viaCookie bool
}

func (c *caller) signedIn() bool { return c.AccountID != "" }

// adapt turns a route's handler into an http.Handler: it authenticates the
// caller as the route asks, enforces the CSRF rule and the route's role,
// and writes any error.
func (s *Server) adapt(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &caller{}
		err := checkAddress(r)
		if err == nil && rt.access != accessNone {
			c, err = s.authenticate(w, r)
		}
		if err == nil {
			err = s.checkOrigin(r, c)
		}
		if err == nil && rt.access >= accessRequired && !c.signedIn() {
			err = flick.Errorf(flick.EUNAUTHORIZED, "Sign in to do this.")
		}
		if err == nil && rt.access >= accessAuditor {
			err = s.requireRole(r, c, map[access]string{accessAuditor: flick.RoleAuditor, accessAdmin: flick.RoleAdmin}[rt.access])
		}
		if err == nil {
			err = rt.h(w, r, c)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// checkAddress refuses a path or query string that is not valid UTF-8:
// handlers store and echo parameters as text.
func checkAddress(r *http.Request) error {
	valid := utf8.ValidString(r.URL.Path)
	for k, vs := range r.URL.Query() {
		valid = valid && utf8.ValidString(k)
		for _, v := range vs {
			valid = valid && utf8.ValidString(v)
		}
	}
	if !valid {
		return flick.Errorf(flick.EINVALID, "The address is not valid UTF-8.")
	}
	return nil
}

// requireRole refuses a caller the operator did not grant role.
func (s *Server) requireRole(r *http.Request, c *caller, role string) error {
	a, err := s.Regions.Account(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	if !a.HasRole(role) {
		return flick.Errorf(flick.EFORBIDDEN, "This needs the %s role, which the operator grants.", role)
	}
	return nil
}

// authenticate finds the session of a Bearer token or of the session cookie.
// A bad Bearer token is an error (the client sent credentials that do not
// work); a stale cookie is dropped and the caller treated as anonymous, so
// that an expired session never breaks browsing.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*caller, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, flick.Errorf(flick.EUNAUTHORIZED, "Authorization must be a Bearer token.")
		}
		sess, err := s.Accounts.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			return nil, err
		}
		return &caller{AccountID: sess.AccountID, Session: sess}, nil
	}
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return &caller{}, nil
	}
	sess, err := s.Accounts.Authenticate(r.Context(), ck.Value)
	if flick.ErrorCode(err) == flick.EUNAUTHORIZED {
		s.clearCookie(w, r)
		return &caller{viaCookie: true}, nil
	} else if err != nil {
		return nil, err
	}
	return &caller{AccountID: sess.AccountID, Session: sess, viaCookie: true}, nil
}

// client is who is calling, for the services' rate limits and sessions.
func (s *Server) client(r *http.Request) flick.Client {
	return flick.Client{Addr: s.clientIP(r), UserAgent: r.UserAgent()}
}

// checkOrigin is the CSRF defence. Browsers attach the session cookie to
// cross-site requests, so an unsafe request that may ride on the cookie must
// come from our own origin: a cross-site Origin or Sec-Fetch-Site is always
// refused (that also stops login CSRF), and a cookie-bearing request must
// prove it is same-origin. Bearer tokens are never sent automatically, so
// Bearer requests are exempt.
func (s *Server) checkOrigin(r *http.Request, c *caller) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if c.Session != nil && !c.viaCookie {
		return nil
	}
	refused := flick.Errorf(flick.EFORBIDDEN, "Cross-site request refused.")
	site := r.Header.Get("Sec-Fetch-Site")
	if site != "" && site != "same-origin" && site != "none" {
		return refused
	}
	origin := r.Header.Get("Origin")
	if origin != "" && !s.sameOrigin(r, origin) {
		return refused
	}
	if c.viaCookie && site != "same-origin" && origin == "" {
		return refused
	}
	return nil
}

// sameOrigin reports whether origin is the instance's own (see Origin).
func (s *Server) sameOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	own, err := url.Parse(s.Origin(r))
	return err == nil && u.Scheme == own.Scheme && strings.EqualFold(u.Host, own.Host)
}

// setCookie sets an HttpOnly cookie, Secure whenever browsers reach the
// instance over HTTPS; a maxAge below zero deletes it.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge int, sameSite http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: s.isTLS(r), SameSite: sameSite})
}

// setSessionCookie signs the browser in with a new session.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, in *flick.SignedIn) {
	s.setCookie(w, r, SessionCookie, in.Token, "/", max(int(in.ExpiresAt.Sub(s.Clock()).Seconds()), 1), http.SameSiteLaxMode)
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request) {
	s.setCookie(w, r, SessionCookie, "", "/", -1, http.SameSiteLaxMode)
}

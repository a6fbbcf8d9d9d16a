// Package accounts is Flick's Accounts service: signing up and in, the
// sessions of each device, profiles and avatars, and the roles an operator
// grants. An account is created in its home region and its handle claimed
// in the global directory, through the router; passwords are argon2id
// hashes (internal/auth); attempts are rate-limited per client and per
// handle, without letting a stranger lock the owner out (auth.Guard);
// forgotten passwords are reset by email (passwords.go).
package accounts

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/auth"
	"github.com/flick-video/flick/internal/routing"
)

// Config tunes the service; zero fields take their defaults.
type Config struct {
	// SessionTTL is how long a session lasts (default 30 days).
	SessionTTL time.Duration
	// LoginPerMinute and LoginBurst limit password checks and sign-ups
	// per client (default 10 a minute, bursts of 10); auth.Guard slows
	// guessing on one account further.
	LoginPerMinute float64
	LoginBurst     int
	// PasswordParams are the argon2id costs (default auth.OWASPParams).
	PasswordParams auth.Params
	// Mailer sends password-reset mail; nil when the instance sends none.
	Mailer Mailer
	// PublicURL is where people reach the web app, e.g.
	// https://flick.example: reset links point there, never at the Host a
	// request names. Required with Mailer.
	PublicURL string
	// ResetTTL is how long a reset link works (default and at most an
	// hour).
	ResetTTL time.Duration
}

func (c Config) withDefaults() Config {
	if c.SessionTTL <= 0 {
		c.SessionTTL = 30 * 24 * time.Hour
	}
	if c.LoginPerMinute <= 0 {
		c.LoginPerMinute = 10
	}
	if c.LoginBurst <= 0 {
		c.LoginBurst = 10
	}
	if c.PasswordParams == (auth.Params{}) {
		c.PasswordParams = auth.OWASPParams()
	}
	if c.ResetTTL <= 0 || c.ResetTTL > time.Hour {
		c.ResetTTL = time.Hour
	}
	return c
}

// Service implements flick.Accounts. Run must run alongside it to record
// when sessions are used.
type Service struct {
	router  *routing.Router
	audit   flick.AccessLog
	cfg     Config
	clock   flick.Clock
	logger  *slog.Logger
	hasher  *auth.Hasher
	policy  *auth.Policy
	limiter *auth.Limiter // sign-ups and reset requests per client
	guard   *auth.Guard   // password checks
	resets  *resets
	touches *touches
}

var _ flick.Accounts = (*Service)(nil)

// New returns the service over every region behind router; admins' looks
// at accounts are recorded in audit.
func New(router *routing.Router, audit flick.AccessLog, cfg Config, clock flick.Clock, logger *slog.Logger) *Service {
	cfg = cfg.withDefaults()
	return &Service{
		router: router, audit: audit, cfg: cfg, clock: clock, logger: logger,
		hasher:  auth.NewHasher(cfg.PasswordParams, runtime.GOMAXPROCS(0)),
		policy:  auth.NewPolicy(),
		limiter: auth.NewLimiter(cfg.LoginPerMinute, cfg.LoginBurst, 100_000),
		guard:   auth.NewGuard(cfg.LoginPerMinute, cfg.LoginBurst, 100_000),
		resets:  newResets(cfg.PublicURL),
		touches: newTouches(maxTouches),
	}
}

// limit takes an attempt from the buckets of keys, or refuses with msg.
func (s *Service) limit(msg string, keys ...string) error {
	if ok, retry := s.limiter.Allow(s.clock(), keys...); !ok {
		return &flick.Error{Code: flick.ERATELIMIT, Message: msg, RetryAfter: retry}
	}
	return nil
}

// SignUp checks the rules, refuses a taken handle before spending a hash on
// it, and creates the account in its home region with a first session.
func (s *Service) SignUp(ctx context.Context, su flick.SignUp, client flick.Client) (*flick.SignedIn, error) {
	now := s.clock().UTC()
	handle := flick.NormalizeHandle(su.Handle)
	if err := flick.ValidateHandle(handle); err != nil {
		return nil, err
	}
	email := strings.TrimSpace(su.Email)
	if err := flick.ValidateEmail(email); err != nil {
		return nil, err
	}
	if _, err := flick.ParseBirthdate(su.Birthdate, now); err != nil {
		return nil, err
	}
	if err := s.policy.Validate(su.Password); err != nil {
		return nil, err
	}
	if su.Region != "" {
		if _, err := s.router.Cell(su.Region); err != nil {
			return nil, err
		}
	}
	// Sign-ups cost a password hash and create state: limited per client
	// like sign-ins, so that one address cannot mass-create accounts.
	if err := s.limit("Too many sign-ups from your network; try again in a minute.", "signup-ip:"+client.Addr); err != nil {
		return nil, err
	}
	// CreateAccount still catches a race for the handle.
	if _, err := s.router.AccountByHandle(ctx, handle); err == nil {
		return nil, flick.Errorf(flick.ECONFLICT, "That handle is taken.")
	} else if flick.ErrorCode(err) != flick.ENOTFOUND {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, su.Password)
	if err != nil {
		return nil, err
	}
	a := &flick.Account{ID: flick.NewID(now), Handle: handle, Email: email, Birthdate: su.Birthdate, Region: su.Region, CreatedAt: now}
	if err := s.router.CreateAccount(ctx, a, hash); err != nil {
		return nil, err
	}
	return s.startSession(ctx, a, client)
}

// SignIn checks the password and starts a session.
func (s *Service) SignIn(ctx context.Context, handle, password string, client flick.Client) (*flick.SignedIn, error) {
	handle = flick.NormalizeHandle(handle)
	if handle == "" || password == "" {
		return nil, flick.Errorf(flick.EINVALID, "Handle and password are required.")
	}
	if len(handle) > 64 || utf8.RuneCountInString(password) > 1024 {
		return nil, flick.Errorf(flick.EUNAUTHORIZED, "Wrong handle or password.")
	}
	at := auth.Attempt{Client: client.Addr, Account: handle}
	if device, err := s.knownDevice(ctx, handle, client.Device); err != nil {
		return nil, err
	} else if device != "" {
		at.Client, at.Trusted = device, true
	}
	a, err := s.guarded(ctx, at, password)
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, a, client)
}

// knownDevice names the client's device ("device:" and its token's hash)
// if it signed in to the account of handle before, and is "" otherwise
// (no device token, an unknown handle, an unknown device).
func (s *Service) knownDevice(ctx context.Context, handle, token string) (string, error) {
	if !auth.WellFormedToken(token) {
		return "", nil
	}
	a, err := s.router.AccountByHandle(ctx, handle)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	hash := auth.HashToken(token)
	known, err := routing.InHome(ctx, s.router, a.ID, func(home *flick.Cell) (bool, error) {
		return home.Store.KnownDevice(ctx, a.ID, hash)
	})
	if err != nil || !known {
		return "", err
	}
	return "device:" + hex.EncodeToString(hash), nil
}

// guarded checks password for at.Account (a handle) if the guard allows
// the attempt, and tells the guard how it went.
func (s *Service) guarded(ctx context.Context, at auth.Attempt, password string) (*flick.Account, error) {
	if ok, retry := s.guard.Allow(s.clock(), at); !ok {
		return nil, &flick.Error{Code: flick.ERATELIMIT, Message: "Too many password attempts; wait a moment and try again.", RetryAfter: retry}
	}
	a, err := s.checkPassword(ctx, at.Account, password)
	switch flick.ErrorCode(err) {
	case "":
		s.guard.Succeeded(at)
	case flick.EUNAUTHORIZED:
		s.guard.Failed(s.clock(), at)
	}
	return a, err
}

// CheckPassword is a sign-in without a session: for changes that ask for
// the password again, such as deleting the account. Its callers are signed
// in to the account, which keeps them in good standing with the guard.
func (s *Service) CheckPassword(ctx context.Context, accountID, password string, client flick.Client) error {
	_, err := s.checkOwnPassword(ctx, accountID, password, client)
	return err
}

// checkOwnPassword is CheckPassword returning the account.
func (s *Service) checkOwnPassword(ctx context.Context, accountID, password string, client flick.Client) (*flick.Account, error) {
	if password == "" {
		return nil, flick.Errorf(flick.EINVALID, "Your password is required.")
	}
	a, err := s.router.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(password) > 1024 {
		return nil, flick.Errorf(flick.EUNAUTHORIZED, "Wrong password.")
	}
	if _, err := s.guarded(ctx, auth.Attempt{Client: client.Addr, Account: a.Handle, Trusted: true}, password); err != nil {
		if flick.ErrorCode(err) == flick.EUNAUTHORIZED {
			return nil, flick.Errorf(flick.EUNAUTHORIZED, "Wrong password.")
		}
		return nil, err
	}
	return a, nil
}

// checkPassword returns the account if password is its password. Unknown
// handles cost one hash too, so timing does not tell which handles exist.
func (s *Service) checkPassword(ctx context.Context, handle, password string) (*flick.Account, error) {
	wrong := flick.Errorf(flick.EUNAUTHORIZED, "Wrong handle or password.")
	a, err := s.router.AccountByHandle(ctx, handle)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		if err := s.hasher.VerifyDummy(ctx, password); err != nil {
			return nil, err
		}
		return nil, wrong
	} else if err != nil {
		return nil, err
	}
	hash, err := s.passwordHash(ctx, a.ID)
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

func (s *Service) passwordHash(ctx context.Context, accountID string) (string, error) {
	return routing.InHome(ctx, s.router, accountID, func(home *flick.Cell) (string, error) {
		return home.Store.PasswordHash(ctx, accountID)
	})
}

// startSession creates a session for a in its home region, and records
// the client's device as one that signed in to a: the device token it
// presented, or a new one it is to keep.
func (s *Service) startSession(ctx context.Context, a *flick.Account, client flick.Client) (*flick.SignedIn, error) {
	token, err := auth.NewToken()
	if err != nil {
		return nil, err
	}
	device, newDevice := client.Device, ""
	if !auth.WellFormedToken(device) {
		if device, err = auth.NewToken(); err != nil {
			return nil, err
		}
		newDevice = device
	}
	now := s.clock().UTC()
	sess := &flick.Session{
		ID: flick.NewID(now), AccountID: a.ID, TokenHash: auth.HashToken(token),
		UserAgent: truncate(client.UserAgent, 256), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL),
	}
	home, done, err := s.router.Home(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := home.Store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	if err := home.Store.AddDevice(ctx, a.ID, auth.HashToken(device), now); err != nil {
		return nil, err
	}
	return &flick.SignedIn{Account: a, Token: token, ExpiresAt: sess.ExpiresAt, Device: newDevice}, nil
}

// Authenticate finds the session of token in whichever region holds it.
// A use is only noted in memory, and Run writes it with the others.
func (s *Service) Authenticate(ctx context.Context, token string) (*flick.Session, error) {
	invalid := flick.Errorf(flick.EUNAUTHORIZED, "The token is invalid or has expired; sign in again.")
	if !auth.WellFormedToken(token) {
		return nil, invalid
	}
	now := s.clock()
	sess, err := s.router.SessionByTokenHash(ctx, auth.HashToken(token), now)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		return nil, invalid
	} else if err != nil {
		return nil, err
	}
	// The session row says when it was last touched, so a request within
	// touchEvery of that records nothing.
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		s.touches.record(sess.ID, now)
	}
	return sess, nil
}

// SignOut deletes one of the account's sessions.
func (s *Service) SignOut(ctx context.Context, accountID, sessionID string) error {
	_, err := routing.InHome(ctx, s.router, accountID, func(home *flick.Cell) (struct{}, error) {
		return struct{}{}, home.Store.DeleteSession(ctx, accountID, sessionID)
	})
	return err
}

// Sessions lists the account's sessions.
func (s *Service) Sessions(ctx context.Context, accountID string) ([]*flick.Session, error) {
	return routing.InHome(ctx, s.router, accountID, func(home *flick.Cell) ([]*flick.Session, error) {
		return home.Store.Sessions(ctx, accountID)
	})
}

// UpdateProfile trims and checks the update and applies it.
func (s *Service) UpdateProfile(ctx context.Context, accountID string, u flick.ProfileUpdate) (*flick.Account, error) {
	if u.DisplayName != nil {
		trimmed := strings.TrimSpace(*u.DisplayName)
		u.DisplayName = &trimmed
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	home, done, err := s.router.Home(ctx, accountID)
	if err != nil {
		return nil, err
	}
	defer done()
	if _, err := home.Store.UpdateProfile(ctx, accountID, u); err != nil {
		return nil, err
	}
	return s.router.Account(ctx, accountID) // with the followers of every region
}

// SetRoles grants and revokes roles.
func (s *Service) SetRoles(ctx context.Context, accountID string, grant, revoke []string) ([]string, error) {
	for _, r := range append(slices.Clone(grant), revoke...) {
		if !slices.Contains(flick.Roles, r) {
			return nil, flick.Errorf(flick.EINVALID, "Unknown role %q: the roles are %s.", r, strings.Join(flick.Roles, ", "))
		}
	}
	home, done, err := s.router.Home(ctx, accountID)
	if err != nil {
		return nil, err
	}
	defer done()
	a, err := home.Store.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	roles := slices.Clone(a.Roles)
	for _, r := range grant {
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	roles = slices.DeleteFunc(roles, func(r string) bool { return slices.Contains(revoke, r) })
	slices.Sort(roles)
	if err := home.Store.SetRoles(ctx, accountID, roles); err != nil {
		return nil, err
	}
	return roles, nil
}

// Inspect records the admin's look in the access log first: no entry, no
// data.
func (s *Service) Inspect(ctx context.Context, adminID, accountID, reason string) (*flick.Account, []*flick.Session, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, nil, flick.Errorf(flick.EINVALID, "A reason is required: it is written to the access log.")
	}
	a, err := s.router.Account(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.audit.Record(ctx, flick.AccessEntry{Actor: adminID, ActorRole: flick.RoleAdmin, Action: flick.AccessView,
		AccountID: a.ID, Region: a.Region, Reason: reason}); err != nil {
		return nil, nil, err
	}
	sessions, err := s.Sessions(ctx, a.ID)
	if err != nil {
		return nil, nil, err
	}
	return a, sessions, nil
}

// Run mails the queued password resets, and writes the noted session uses
// to the stores every flushEvery, and
// once more when ctx ends (after the HTTP server has stopped, so that the
// last requests are counted). A failed periodic flush is logged and its
// uses dropped rather than stopping the server; only the final flush's
// error is returned.
func (s *Service) Run(ctx context.Context) error {
	mailing := make(chan struct{})
	go func() {
		defer close(mailing)
		s.mailResets(ctx)
	}()
	defer func() { <-mailing }()
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := s.Flush(ctx); err != nil {
				s.logger.WarnContext(ctx, "flush session touches", "err", err)
			}
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return s.Flush(final)
		}
	}
}

// Flush writes the noted session uses now, each region's in one
// transaction.
func (s *Service) Flush(ctx context.Context) error {
	seen := s.touches.take()
	if len(seen) == 0 {
		return nil
	}
	if err := s.router.TouchSessions(ctx, seen); err != nil {
		return fmt.Errorf("touch %d sessions: %w", len(seen), err)
	}
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

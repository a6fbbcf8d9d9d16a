package flick

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Account is a person on Flick. Email, Birthdate and Region are personal data
// and only ever shown to the account itself.
type Account struct {
	ID          string    `json:"id"`
	Handle      string    `json:"handle"`
	DisplayName string    `json:"display_name"`
	Bio         string    `json:"bio"`
	HasAvatar   bool      `json:"-"`
	AvatarURL   string    `json:"avatar_url,omitempty"` // filled by stores when HasAvatar
	Email       string    `json:"-"`
	Birthdate   string    `json:"-"` // YYYY-MM-DD
	Region      string    `json:"region"`
	Roles       []string  `json:"-"` // granted by the operator: see Roles
	CreatedAt   time.Time `json:"created_at"`

	FollowerCount  int64 `json:"follower_count"`
	FollowingCount int64 `json:"following_count"`
	VideoCount     int64 `json:"video_count"` // ready public videos: anyone may read it

	// LikesPublic shows the videos the account liked on its profile, to
	// everyone; by default only the account itself sees them.
	LikesPublic bool `json:"likes_public"`
}

// Roles the operator grants (flick roles --grant).
const (
	RoleAdmin   = "admin"   // support tools: may read people's records, each read logged
	RoleAuditor = "auditor" // reads the access log
)

// Roles are the roles an operator may grant.
var Roles = []string{RoleAdmin, RoleAuditor}

// HasRole reports whether the operator granted a the role.
func (a *Account) HasRole(role string) bool {
	for _, r := range a.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// AccountRef is the public summary of an account embedded in videos and comments.
type AccountRef struct {
	ID          string `json:"id"`
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	AvatarURL   string `json:"avatar_url,omitempty"`
}

// NormalizeHandle lower-cases a handle and strips a leading @.
func NormalizeHandle(h string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
}

// The handle rule: 2 to 30 characters of a-z, 0-9, '_' and '.', starting
// with a letter or digit, with each '.' followed by a letter, digit or '_'. A
// dot at the end or before another dot would end an @mention early
// (ParseCaption stops there), so "@bob." would name "bob". HandlePattern is
// written to mean the same in Go's RE2 and in JavaScript, so that the web app
// checks handles exactly as the server does; a handle it matches is ASCII, so
// its length is the same in Go's bytes and JavaScript's UTF-16 units.
const (
	HandlePattern = `^[a-z0-9](?:[a-z0-9_]|\.[a-z0-9_])*$`
	MinHandleLen  = 2
	MaxHandleLen  = 30
)

var handleRE = regexp.MustCompile(HandlePattern)

// ValidateHandle checks a normalized handle against the handle rule.
func ValidateHandle(h string) error {
	switch {
	case len(h) < MinHandleLen || len(h) > MaxHandleLen:
		return Errorf(EINVALID, "Handle must be %d to %d characters.", MinHandleLen, MaxHandleLen)
	case handleRE.MatchString(h):
		return nil
	case handleRE.MatchString(strings.ReplaceAll(h, ".", "_")):
		// With every dot a '_' it would pass: only the dots break the rule.
		return Errorf(EINVALID, "Handle may not end with '.' or contain '..'.")
	default:
		return Errorf(EINVALID, "Handle may contain only letters, digits, '_' and '.', and must start with a letter or digit.")
	}
}

// ValidateEmail accepts "" (email is optional) or a single plain address.
func ValidateEmail(e string) error {
	if e == "" {
		return nil
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 {
		return Errorf(EINVALID, "Email address is not valid.")
	}
	return nil
}

// ParseBirthdate parses YYYY-MM-DD and refuses dates in the future or people
// younger than MinAge at now.
func ParseBirthdate(s string, now time.Time) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, Errorf(EINVALID, "Birthdate must be a date in the form YYYY-MM-DD.")
	}
	if d.After(now) || d.Year() < 1900 {
		return time.Time{}, Errorf(EINVALID, "Birthdate is not plausible.")
	}
	if Age(d, now) < MinAge {
		return time.Time{}, Errorf(EUNPROCESSABLE, "You must be at least %d years old to use Flick.", MinAge)
	}
	return d, nil
}

// Age is the number of full years between birth and now.
func Age(birth, now time.Time) int {
	years := now.Year() - birth.Year()
	if now.Month() < birth.Month() || now.Month() == birth.Month() && now.Day() < birth.Day() {
		years--
	}
	return years
}

// ProfileUpdate changes the public profile; nil fields are left alone.
type ProfileUpdate struct {
	DisplayName *string `json:"display_name"`
	Bio         *string `json:"bio"`
	LikesPublic *bool   `json:"likes_public"`
	HasAvatar   *bool   `json:"-"`
}

// Validate checks lengths and characters (the text rule of PrintableText).
func (u ProfileUpdate) Validate() error {
	if u.DisplayName != nil {
		if n := utf8.RuneCountInString(*u.DisplayName); n > MaxNameRunes || !PrintableLine(*u.DisplayName) {
			return Errorf(EINVALID, "Display name must be at most %d characters on one line, without control, invisible or text-direction characters.", MaxNameRunes)
		}
	}
	if u.Bio != nil {
		if n := utf8.RuneCountInString(*u.Bio); n > MaxBioRunes || !PrintableText(*u.Bio) {
			return Errorf(EINVALID, "Bio must be at most %d characters, without control, invisible or text-direction characters.", MaxBioRunes)
		}
	}
	return nil
}

// Session is a signed-in device. The token itself is never stored; only its
// SHA-256 hash is.
type Session struct {
	ID         string    `json:"id"`
	AccountID  string    `json:"-"`
	TokenHash  []byte    `json:"-"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

// AccountStore keeps the accounts and the social graph of one region.
type AccountStore interface {
	// CreateAccount inserts a (ID, Handle, CreatedAt set by the caller).
	// ECONFLICT if the handle is taken here.
	CreateAccount(ctx context.Context, a *Account, passwordHash string) error
	// Account and AccountByHandle return ENOTFOUND for unknown accounts.
	Account(ctx context.Context, id string) (*Account, error)
	AccountByHandle(ctx context.Context, handle string) (*Account, error)
	PasswordHash(ctx context.Context, accountID string) (string, error)
	UpdateProfile(ctx context.Context, id string, u ProfileUpdate) (*Account, error)
	// Follow and Unfollow are idempotent; changed says whether anything changed.
	Follow(ctx context.Context, followerID, followeeID string, at time.Time) (changed bool, err error)
	Unfollow(ctx context.Context, followerID, followeeID string) (changed bool, err error)
	IsFollowing(ctx context.Context, followerID, followeeID string) (bool, error)
	// FollowingIDs lists the accounts that accountID follows.
	FollowingIDs(ctx context.Context, accountID string) ([]string, error)
	// Followers lists the follows of accountID stored here (each edge
	// names the follower), and Followees those of accountID (each names
	// whom it follows); both newest first (NewestEdgeFirst), with the
	// EdgeCursor of the next page ("" at the end). EINVALID for a cursor
	// that is not one.
	Followers(ctx context.Context, accountID string, p Page) ([]Edge, string, error)
	Followees(ctx context.Context, accountID string, p Page) ([]Edge, string, error)
	// FollowingAmong returns which of ids followerID follows.
	FollowingAmong(ctx context.Context, followerID string, ids []string) (map[string]bool, error)
	// AccountRefs returns the public summaries of the accounts stored here
	// among ids, by ID; unknown IDs are absent.
	AccountRefs(ctx context.Context, ids []string) (map[string]AccountRef, error)
	// SearchAccounts matches handles and display names.
	SearchAccounts(ctx context.Context, q string, limit int) ([]*Account, error)
	// SetRoles replaces the roles the operator granted an account.
	SetRoles(ctx context.Context, id string, roles []string) error
	// AccountsByEmail returns the accounts stored here whose email is
	// email, exactly as typed at sign-up (none for "").
	AccountsByEmail(ctx context.Context, email string) ([]*Account, error)
	// SetPassword replaces the account's password hash, deletes its
	// password resets, its devices and every session but keepSessionID (""
	// keeps none), all at once; ENOTFOUND for an unknown account.
	SetPassword(ctx context.Context, accountID, passwordHash, keepSessionID string) error
	// CreatePasswordReset stores r in place of the account's earlier
	// resets; ENOTFOUND for an unknown account.
	CreatePasswordReset(ctx context.Context, r *PasswordReset) error
	// ResetPassword uses the reset of tokenHash, unexpired at now: it sets
	// that account's password hash and deletes every session, reset and
	// device of the account, all at once, and returns the account's ID. ENOTFOUND if
	// no such reset is stored here (unknown, used, superseded or expired).
	ResetPassword(ctx context.Context, tokenHash []byte, passwordHash string, now time.Time) (accountID string, err error)
	// AddDevice records that the device holding the token of tokenHash
	// signed in to the account; ENOTFOUND for an unknown account.
	AddDevice(ctx context.Context, accountID string, tokenHash []byte, at time.Time) error
	// KnownDevice reports whether the device of tokenHash signed in to the
	// account before.
	KnownDevice(ctx context.Context, accountID string, tokenHash []byte) (bool, error)
}

// PasswordReset is a pending reset of a forgotten password. Only the
// SHA-256 hash of its token is stored, in the account's home region: it is
// personal data, erased with the account.
type PasswordReset struct {
	AccountID string
	TokenHash []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionStore keeps sessions of one region.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	// SessionByTokenHash returns ENOTFOUND for unknown or expired sessions.
	SessionByTokenHash(ctx context.Context, hash []byte, now time.Time) (*Session, error)
	// TouchSessions records when each session was last used (session ID →
	// time), in one write; unknown sessions are ignored and no time moves
	// LastSeenAt backwards.
	TouchSessions(ctx context.Context, seen map[string]time.Time) error
	Sessions(ctx context.Context, accountID string) ([]*Session, error)
	// DeleteSession deletes one of accountID's sessions; ENOTFOUND if it is not theirs.
	DeleteSession(ctx context.Context, accountID, sessionID string) error
}

// Accounts is signing up and in, sessions, profiles and the operator's
// roles. An account lives in its home region, chosen at sign-up; its
// handle is claimed in the global directory.
type Accounts interface {
	// SignUp checks s against the rules (handle, email, birthdate,
	// password, region), creates the account in its home region (the
	// default region when s.Region is "") and signs it in. EINVALID or
	// EUNPROCESSABLE for a field that breaks a rule, ECONFLICT for a taken
	// handle, ERATELIMIT when the client signs up too often.
	SignUp(ctx context.Context, s SignUp, client Client) (*SignedIn, error)
	// SignIn checks the password of handle and starts a session.
	// EUNAUTHORIZED for a wrong handle or password, which take the same
	// time; ERATELIMIT after too many attempts from the client, or when
	// the client's own failures on the handle make it wait. Other
	// clients' failures never refuse a client that has none of its own,
	// nor a device that signed in to the account before.
	SignIn(ctx context.Context, handle, password string, client Client) (*SignedIn, error)
	// Authenticate returns the live session of a token; EUNAUTHORIZED for
	// an unknown, malformed or expired one.
	Authenticate(ctx context.Context, token string) (*Session, error)
	// SignOut deletes one of the account's sessions; ENOTFOUND if it is not
	// theirs.
	SignOut(ctx context.Context, accountID, sessionID string) error
	// Sessions lists the account's signed-in devices.
	Sessions(ctx context.Context, accountID string) ([]*Session, error)
	// CheckPassword returns EUNAUTHORIZED unless password is the account's;
	// attempts are limited as SignIn's are, the caller being signed in to
	// the account (in good standing).
	CheckPassword(ctx context.Context, accountID, password string, client Client) error
	// UpdateProfile changes the public profile; EINVALID for bad fields.
	UpdateProfile(ctx context.Context, accountID string, u ProfileUpdate) (*Account, error)
	// SetAvatar makes the account's avatar from a JPEG or PNG image:
	// EUNSUPPORTED for anything else, EUNPROCESSABLE for one that cannot be
	// read or is too large. What is stored is an image Flick made, never
	// the upload's bytes.
	SetAvatar(ctx context.Context, accountID string, image []byte) (*Account, error)
	// SetRoles grants and then revokes operator roles and returns the
	// account's roles; EINVALID for a role not in Roles.
	SetRoles(ctx context.Context, accountID string, grant, revoke []string) ([]string, error)
	// ChangePassword replaces the password of a signed-in account after
	// checking current (limited as SignIn is), applying SignUp's rules to
	// next, and signs out every session but keepSessionID. EUNAUTHORIZED for
	// a wrong current password, EUNPROCESSABLE for a new one that breaks a
	// rule, ERATELIMIT after too many attempts.
	ChangePassword(ctx context.Context, accountID, keepSessionID, current, next string, client Client) error
	// RequestPasswordReset mails a reset link to the account whose handle
	// or email is login, if there is one with an email, and never says
	// whether there is: the look-up and the mail happen later, in the
	// background. EUNAVAILABLE when the instance sends no mail, ERATELIMIT
	// when the client asks too often.
	RequestPasswordReset(ctx context.Context, login string, client Client) error
	// ResetPassword sets a new password with a reset token and signs out
	// every session of the account. ENOTFOUND for an unknown, used,
	// superseded or expired token, EUNPROCESSABLE for a password that
	// breaks SignUp's rules, ERATELIMIT after too many attempts.
	ResetPassword(ctx context.Context, token, password string, client Client) error
	// IssuePasswordReset makes a reset token for the operator to hand over
	// (flick accounts reset-password), superseding earlier ones, and says
	// when it expires.
	IssuePasswordReset(ctx context.Context, accountID string) (token string, expires time.Time, err error)
	// MailsResets reports whether RequestPasswordReset can send mail.
	MailsResets() bool
	// Inspect shows an admin an account's private record and sessions,
	// after recording the look, with its reason, in the access log.
	Inspect(ctx context.Context, adminID, accountID, reason string) (*Account, []*Session, error)
}

// SignUp is what a new account is made from. Region is the home region
// ("" for the default one).
type SignUp struct {
	Handle    string
	Password  string
	Birthdate string // YYYY-MM-DD
	Email     string // optional
	Region    string
}

// SignedIn is a new session of an account: its token, shown this once and
// never stored, and when it expires. Device is a new device token for a
// client that presented none the account knows ("" otherwise).
type SignedIn struct {
	Account   *Account
	Token     string
	ExpiresAt time.Time
	Device    string
}

// Client is who is calling, as far as rate limits and the sessions list
// need to know: the network address requests come from and the device.
// Device is the device token the client keeps from an earlier sign-in (a
// cookie of the web app), "" if none: a device the account knows keeps
// its own rate limit, apart from strangers sharing its address.
type Client struct {
	Addr      string
	UserAgent string
	Device    string
}

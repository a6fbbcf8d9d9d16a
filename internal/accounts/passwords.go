package accounts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/auth"
	"github.com/flick-video/flick/internal/mail"
	"github.com/flick-video/flick/internal/routing"
)

// Mailer sends one email; *mail.Sender is one.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// ResetPath is the web app's page that a reset link opens; the token
// follows in the fragment, which browsers never send to a server or put
// in a Referer.
const ResetPath = "/reset-password"

// Reset requests are looked up and mailed in the background (Run), so
// that the answer takes the same time whether the account exists or not.
// The queue is bounded: when a flood fills it, requests are dropped (and
// logged), not stored.
const resetQueue = 256

// Mail per account: 3 at once, then one every 20 minutes, so that nobody
// can fill a stranger's inbox. A request over the limit makes no new link
// either, so the newest mail in the inbox always holds the link that works:
// a stranger's requests cannot keep the owner from resetting.
const (
	mailsPerMinute = 1.0 / 20
	mailBurst      = 3
)

type resets struct {
	queue chan string         // what was typed: a handle or an email address
	mails *auth.Limiter       // per account
	links func(string) string // token → the link to mail
}

func newResets(publicURL string) *resets {
	base := strings.TrimRight(publicURL, "/") + ResetPath + "#"
	return &resets{
		queue: make(chan string, resetQueue),
		mails: auth.NewLimiter(mailsPerMinute, mailBurst, 100_000),
		links: func(token string) string { return base + token },
	}
}

// MailsResets reports whether the instance sends reset mail.
func (s *Service) MailsResets() bool { return s.cfg.Mailer != nil }

// ChangePassword checks the new password's rules, then the current
// password, and replaces it, keeping only keepSessionID signed in.
func (s *Service) ChangePassword(ctx context.Context, accountID, keepSessionID, current, next string, client flick.Client) error {
	if next == "" {
		return flick.Errorf(flick.EINVALID, "A new password is required.")
	}
	if err := s.policy.Validate(next); err != nil {
		return err
	}
	if next == current {
		return flick.Errorf(flick.EUNPROCESSABLE, "The new password must differ from the current one.")
	}
	if _, err := s.checkOwnPassword(ctx, accountID, current, client); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	_, err = routing.InHome(ctx, s.router, accountID, func(home *flick.Cell) (struct{}, error) {
		return struct{}{}, home.Store.SetPassword(ctx, accountID, hash, keepSessionID)
	})
	if err == nil {
		s.logger.InfoContext(ctx, "password changed", "account", accountID)
	}
	return err
}

// RequestPasswordReset queues the request for Run and answers at once.
func (s *Service) RequestPasswordReset(ctx context.Context, login string, client flick.Client) error {
	if !s.MailsResets() {
		return flick.Errorf(flick.EUNAVAILABLE, "This instance does not send email, so it cannot reset passwords by email; ask its operator.")
	}
	login = strings.TrimSpace(login)
	if login == "" || len(login) > 254 || !flick.PrintableLine(login) {
		return flick.Errorf(flick.EINVALID, "Enter your handle or your email address.")
	}
	if err := s.limit("Too many reset requests from your network; try again in a minute.", "reset:"+client.Addr); err != nil {
		return err
	}
	select {
	case s.resets.queue <- login:
	default:
		s.logger.WarnContext(ctx, "password reset queue full: request dropped")
	}
	return nil
}

// ResetPassword uses a reset token: the new password's rules first, then
// the token, in whichever region holds it (a token names no region).
func (s *Service) ResetPassword(ctx context.Context, token, password string, client flick.Client) error {
	if err := s.limit("Too many attempts from your network; try again in a minute.", "reset:"+client.Addr); err != nil {
		return err
	}
	invalid := flick.Errorf(flick.ENOTFOUND, "This reset link does not work: it was used, replaced by a newer one, or expired. Ask for a new one.")
	if !auth.WellFormedToken(token) {
		return invalid
	}
	if password == "" {
		return flick.Errorf(flick.EINVALID, "A new password is required.")
	}
	if err := s.policy.Validate(password); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	for _, c := range s.router.Cells() {
		id, err := c.Store.ResetPassword(ctx, auth.HashToken(token), hash, s.clock())
		if flick.ErrorCode(err) == flick.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		s.logger.InfoContext(ctx, "password reset", "account", id)
		return nil
	}
	return invalid
}

// IssuePasswordReset stores a new reset in the account's home region.
func (s *Service) IssuePasswordReset(ctx context.Context, accountID string) (string, time.Time, error) {
	token, err := auth.NewToken()
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.clock().UTC()
	r := &flick.PasswordReset{AccountID: accountID, TokenHash: auth.HashToken(token), CreatedAt: now, ExpiresAt: now.Add(s.cfg.ResetTTL)}
	if _, err := routing.InHome(ctx, s.router, accountID, func(home *flick.Cell) (struct{}, error) {
		return struct{}{}, home.Store.CreatePasswordReset(ctx, r)
	}); err != nil {
		return "", time.Time{}, err
	}
	return token, r.ExpiresAt, nil
}

// ResetLink is the web app's link that uses token.
func (s *Service) ResetLink(token string) string { return s.resets.links(token) }

// mailResets serves the queue until ctx ends. A failure is logged without
// the login typed or the token: the log is no place for either.
func (s *Service) mailResets(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case login := <-s.resets.queue:
			if err := s.mailReset(ctx, login); err != nil {
				s.logger.ErrorContext(ctx, "password reset mail", "err", err)
			}
		}
	}
}

// mailReset mails a link to each account login names that has an email.
func (s *Service) mailReset(ctx context.Context, login string) error {
	accounts, err := s.resetAccounts(ctx, login)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if a.Email == "" {
			continue
		}
		if ok, _ := s.resets.mails.Allow(s.clock(), a.ID); !ok {
			s.logger.InfoContext(ctx, "password reset mail not sent: too many for the account", "account", a.ID)
			continue
		}
		token, expires, err := s.IssuePasswordReset(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
		send, cancel := context.WithTimeout(ctx, time.Minute)
		err = s.cfg.Mailer.Send(send, mail.Message{To: a.Email, Subject: "Reset your Flick password", Body: resetMail(a.Handle, s.ResetLink(token), expires.Sub(s.clock()))})
		cancel()
		if err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
		s.logger.InfoContext(ctx, "password reset mailed", "account", a.ID)
	}
	return nil
}

// resetAccounts finds the accounts login names: by email (in every
// region, as the directory knows no emails) or by handle.
func (s *Service) resetAccounts(ctx context.Context, login string) ([]*flick.Account, error) {
	if !strings.Contains(login, "@") || strings.HasPrefix(login, "@") {
		a, err := s.router.AccountByHandle(ctx, flick.NormalizeHandle(login))
		if flick.ErrorCode(err) == flick.ENOTFOUND {
			return nil, nil
		}
		return []*flick.Account{a}, err
	}
	var found []*flick.Account
	for _, c := range s.router.Cells() {
		list, err := c.Store.AccountsByEmail(ctx, login)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			// The directory names the home region: a store that still
			// holds an account mid-move is not asked to mail it twice.
			if region, err := s.router.Region(ctx, a.ID); err == nil && region == c.Region {
				found = append(found, a)
			}
		}
	}
	return found, nil
}

func resetMail(handle, link string, valid time.Duration) string {
	return fmt.Sprintf(`Hello @%s,

someone asked to reset the password of your Flick account @%s. To choose a
new password, open this link within %d minutes:

%s

The link works once. If you did not ask, ignore this email: your password
stays as it is, and nobody can use the link without reading this email.
`, handle, handle, int(valid.Round(time.Minute).Minutes()), link)
}

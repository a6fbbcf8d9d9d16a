package httpapi

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick/internal/mail"
	"github.com/flick-video/flick/internal/mail/mailtest"
)

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	ann := f.signUp("ann")
	other := f.must(201, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "violet tractor umbrella"})
	var otherSession sessionResponse
	other.decode(t, &otherSession)
	change := func(want int, current, next string) *response {
		t.Helper()
		return f.must(want, "PUT", "/api/v1/me/password", map[string]string{"current_password": current, "new_password": next}, bearer(ann.Token))
	}
	f.must(401, "PUT", "/api/v1/me/password", map[string]string{"current_password": "violet tractor umbrella", "new_password": "a brand new phrase"})
	change(400, "violet tractor umbrella", "")
	change(400, "", "a brand new phrase")
	change(422, "violet tractor umbrella", "short")
	change(422, "violet tractor umbrella", "password1")
	change(422, "violet tractor umbrella", "violet tractor umbrella")
	change(401, "not my password", "a brand new phrase")
	change(204, "violet tractor umbrella", "a brand new phrase")

	// This session stays; the other one is signed out.
	f.must(200, "GET", "/api/v1/me", nil, bearer(ann.Token))
	f.must(401, "GET", "/api/v1/me", nil, bearer(otherSession.Token))
	f.must(401, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "violet tractor umbrella"})
	f.must(201, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "a brand new phrase"})
	if log := f.logBuf.String(); strings.Contains(log, "a brand new phrase") || strings.Contains(log, "violet tractor") {
		t.Error("a password reached the log")
	}

	t.Run("wrong current passwords are slowed down", func(t *testing.T) {
		codes := ""
		for range 8 {
			codes += fmt.Sprint(f.request("PUT", "/api/v1/me/password", map[string]string{"current_password": "guess", "new_password": "another long phrase"}, bearer(ann.Token)).StatusCode, " ")
		}
		if !strings.HasSuffix(codes, "429 ") {
			t.Errorf("8 wrong current passwords: %s; want the last refused", codes)
		}
	})
}

// resetFixture is an API whose instance mails reset links through a
// real SMTP server.
func resetFixture(t *testing.T) (*fixture, *mailtest.Server) {
	srv := mailtest.Start(t)
	mailer, err := mail.Parse(srv.URL("smtp", "flick@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(s *setup) {
		s.node.Accounts.Mailer, s.node.Accounts.PublicURL = mailer, "https://flick.example/"
		s.api.TrustProxy = true
	})
	return f, srv
}

var resetLink = regexp.MustCompile(`https://flick\.example/reset-password#([A-Za-z0-9_-]{43})`)

// mailedToken returns the token of the reset link in message m.
func mailedToken(t *testing.T, m mailtest.Message) string {
	t.Helper()
	match := resetLink.FindStringSubmatch(m.Text)
	if match == nil {
		t.Fatalf("no reset link in %q", m.Text)
	}
	return match[1]
}

func TestPasswordResetByEmail(t *testing.T) {
	f, srv := resetFixture(t)
	signUp := func(handle, email string) string {
		body := map[string]string{"handle": handle, "password": "violet tractor umbrella", "birthdate": "1990-04-01", "email": email}
		var out struct{ Token string }
		f.must(201, "POST", "/api/v1/accounts", body, withHeader("X-Forwarded-For", "192.0.2."+fmt.Sprint(len(handle)))).decode(t, &out)
		return out.Token
	}
	annToken := signUp("ann", "ann@example.com")
	signUp("bob", "")
	signUp("carol", "carol@example.com")
	ask := func(login string) (*response, time.Duration) {
		t.Helper()
		start := time.Now()
		r := f.must(202, "POST", "/api/v1/password-resets", map[string]string{"handle_or_email": login}, withHeader("X-Forwarded-For", "198.51.100.4"))
		return r, time.Since(start)
	}

	// One answer, as quick, whatever the account: the look-up and the
	// mail happen after it.
	var bodies []string
	var slowest time.Duration
	for _, login := range []string{"nobody", "bob", "@ANN", "ghost@example.com"} {
		r, took := ask(login)
		bodies = append(bodies, string(r.body))
		slowest = max(slowest, took)
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("answers differ: %s vs %s", bodies[0], b)
		}
	}
	doc := loadOpenAPI(t)
	var body any
	f.must(202, "POST", "/api/v1/password-resets", map[string]string{"handle_or_email": "nobody"}).decode(t, &body)
	if err := doc.validate(doc.Paths["/api/v1/password-resets"]["post"].Responses["202"].Content["application/json"].Schema, body, "response"); err != nil {
		t.Error(err)
	}
	if slowest > 250*time.Millisecond {
		t.Errorf("slowest answer took %v", slowest)
	}
	t.Logf("slowest of 4 reset requests (one for an account that gets mail): %v", slowest)
	ask("ann@example.com")
	msgs := srv.WaitFor(2)
	time.Sleep(200 * time.Millisecond) // the queue is served in order: nothing else is due
	if msgs = srv.Messages(); len(msgs) != 2 {
		t.Fatalf("%d messages, want 2 (both to ann)", len(msgs))
	}
	for _, m := range msgs {
		if len(m.To) != 1 || m.To[0].Address != "ann@example.com" || m.Subject != "Reset your Flick password" {
			t.Fatalf("message to %v: %q", m.To, m.Subject)
		}
	}
	newest, older := mailedToken(t, msgs[0]), mailedToken(t, msgs[1])

	use := func(want int, token, password string) {
		t.Helper()
		f.must(want, "POST", "/api/v1/password-resets/confirm", map[string]string{"token": token, "new_password": password})
	}
	use(404, older, "a brand new phrase") // superseded by the newer link
	use(404, "not-a-token", "a brand new phrase")
	use(422, newest, "short") // the link still works after a refused password
	use(400, newest, "")
	use(204, newest, "a brand new phrase")
	use(404, newest, "yet another phrase") // used
	f.must(401, "GET", "/api/v1/me", nil, bearer(annToken))
	f.must(401, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "violet tractor umbrella"})
	f.must(201, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "a brand new phrase"})
	if log := f.logBuf.String(); strings.Contains(log, newest) || strings.Contains(log, older) || strings.Contains(log, "ann@example.com") {
		t.Error("a token or an email address reached the log")
	}

	t.Run("mail per account is limited", func(t *testing.T) {
		for range 3 {
			ask("ann")
		}
		ask("carol") // served after ann's
		msgs := srv.WaitFor(4)
		time.Sleep(200 * time.Millisecond)
		to := map[string]int{}
		for _, m := range srv.Messages() {
			to[m.To[0].Address]++
		}
		if to["ann@example.com"] != 3 || to["carol@example.com"] != 1 {
			t.Errorf("mail sent: %v; want ann's third (her burst) and no more, and carol's", to)
		}
		_ = msgs
	})
	t.Run("refusals", func(t *testing.T) {
		f.must(400, "POST", "/api/v1/password-resets", map[string]string{"handle_or_email": " "})
		f.must(400, "POST", "/api/v1/password-resets", map[string]string{"handle_or_email": strings.Repeat("a", 300)})
		for range 20 {
			if r := f.request("POST", "/api/v1/password-resets", map[string]string{"handle_or_email": "nobody"}, withHeader("X-Forwarded-For", "203.0.113.50")); r.StatusCode == 429 {
				return
			}
		}
		t.Error("20 reset requests from one client, none refused")
	})
}

func TestPasswordResetWithoutMail(t *testing.T) {
	f := newFixture(t)
	f.signUp("ann")
	r := f.must(503, "POST", "/api/v1/password-resets", map[string]string{"handle_or_email": "ann"})
	if !strings.Contains(string(r.body), "operator") {
		t.Errorf("answer %s does not say whom to ask", r.body)
	}
	token, _, err := f.node.Accounts.IssuePasswordReset(t.Context(), mustAccountID(t, f, "ann"))
	if err != nil {
		t.Fatal(err)
	}
	f.must(204, "POST", "/api/v1/password-resets/confirm", map[string]string{"token": token, "new_password": "a brand new phrase"})
	f.must(201, "POST", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "a brand new phrase"})
}

func mustAccountID(t *testing.T, f *fixture, handle string) string {
	t.Helper()
	a, err := f.node.Router.AccountByHandle(t.Context(), handle)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

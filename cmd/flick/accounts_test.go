package main

import (
	"context"
	"errors"
	"flag"
	"regexp"
	"strings"
	"testing"
)

var printedLink = regexp.MustCompile(`https://flick\.example/reset-password#([A-Za-z0-9_-]{43})\n`)

// resetLink runs flick accounts reset-password on dir and returns the token
// of the link it prints.
func resetLink(t *testing.T, dir, handle string) string {
	t.Helper()
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"accounts", "reset-password", "--data", dir, "--handle", handle,
		"--public-url", "https://flick.example"}, &out, &errOut); err != nil {
		t.Fatalf("reset-password: %v\n%s", err, errOut.String())
	}
	m := printedLink.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no link in %q", out.String())
	}
	return m[1]
}

// TestResetPasswordCommand: the operator's one-time link works beside a
// running server and on a stopped one.
func TestResetPasswordCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ta := startTestAppIn(t, dir)
	alice := ta.user(t, "alice")
	confirm := func(ta *testApp, token, password string) error {
		return ta.client().do(ctx, "POST", "/api/v1/password-resets/confirm", map[string]string{"token": token, "new_password": password}, nil)
	}

	t.Run("beside a running server", func(t *testing.T) {
		older := resetLink(t, dir, "alice")
		token := resetLink(t, dir, "@Alice")
		if err := confirm(ta, older, "the operator's first link"); !isStatus(err, 404) {
			t.Fatalf("a replaced link: %v, want 404", err)
		}
		if err := confirm(ta, token, "a phrase alice chose"); err != nil {
			t.Fatal(err)
		}
		if err := alice.do(ctx, "GET", "/api/v1/me", nil, nil); !isStatus(err, 401) {
			t.Fatalf("alice's session after the reset: %v, want 401", err)
		}
		if err := ta.client().logIn(ctx, "alice", "a phrase alice chose"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("on a stopped node", func(t *testing.T) {
		ta.Stop()
		token := resetLink(t, dir, "alice")
		again := startTestAppIn(t, dir)
		if err := confirm(again, token, "another phrase of hers"); err != nil {
			t.Fatal(err)
		}
		if err := again.client().logIn(ctx, "alice", "another phrase of hers"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		var out, errOut strings.Builder
		for _, args := range [][]string{
			{"accounts", "reset-password", "--data", dir},
			{"accounts", "reset-password", "--data", dir, "--handle", "nobody"},
			{"accounts", "reset-password", "--data", dir, "--handle", "alice", "--public-url", "flick.example"},
			{"accounts", "frobnicate"},
		} {
			if err := run(ctx, args, &out, &errOut); err == nil {
				t.Errorf("%v: no error", args)
			}
		}
	})
}

// TestSMTPURLStaysSecret: the password in --smtp-url shows in no error
// and no help text.
func TestSMTPURLStaysSecret(t *testing.T) {
	const secret = "pw-s3cret-7"
	t.Setenv("FLICK_SMTP_URL", "smtp://flick:"+secret+"@mail.example.com:587?from=flick@example.com")
	var out, errOut strings.Builder
	err := run(context.Background(), []string{"serve", "--help"}, &out, &errOut)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	if help := out.String() + errOut.String(); strings.Contains(help, secret) || !strings.Contains(help, "--smtp-url") && !strings.Contains(help, "-smtp-url") {
		t.Errorf("help shows the password or lacks the flag:\n%s", help)
	}
	for _, cfg := range []Config{
		{Workers: 1, LogFormat: "text", SMTPURL: "smtp://flick:" + secret + "@mail.example.com?from=flick@example.com"},                                                // no --public-url
		{Workers: 1, LogFormat: "text", SMTPURL: "smtp://flick:" + secret + "@mail.example.com", PublicURL: mustPublicURL(t, "https://flick.example")},                 // no from
		{Workers: 1, LogFormat: "text", SMTPURL: "smtp://flick:" + secret + "@mail.example.com:x?from=flick@example.com", PublicURL: mustPublicURL(t, "https://f.ex")}, // bad port
	} {
		err := cfg.validate()
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("validate: %v; want an error without the password", err)
		}
	}
}

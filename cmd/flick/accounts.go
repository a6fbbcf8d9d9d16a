package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/accounts"
	"github.com/flick-video/flick/internal/node"
)

const accountsUsage = `Usage: flick accounts <command> [flags]

Commands:
  reset-password  make a one-time link that sets a new password for an account,
                  for the operator to hand to its owner (without --smtp-url,
                  the only way to recover a forgotten password)

Run "flick accounts <command> --help" for its flags.
`

// runAccounts runs the operator's commands on accounts.
func runAccounts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSubcommand(ctx, "accounts", accountsUsage, map[string]command{
		"reset-password": runResetPassword,
	}, args, stdout, stderr)
}

// runResetPassword prints a one-time reset link. It works beside a running
// server, as flick roles does: the link's token is stored (hashed) in the
// account's home region, where the server finds it. Nobody, the operator
// included, ever sees the password the owner then chooses.
func runResetPassword(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flagSet("accounts reset-password", `Print a link that lets the owner of an account choose a new password. It works
once, for an hour; a newer link (or reset email) replaces it, and using it logs
the account out everywhere. Hand it over through a channel you trust to reach
the owner: whoever opens it can take over the account.

  flick accounts reset-password --handle alice --public-url https://flick.example`, stderr)
	bindConfig(fs, &cfg)
	handle := fs.String("handle", "", "handle of the account (required)")
	bindPublicURL(fs, &cfg, "the address people open the web app at, e.g. https://flick.example: the link points there (FLICK_PUBLIC_URL) (default: print the link's path only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *handle == "" {
		fs.Usage()
		return fmt.Errorf("accounts reset-password: --handle is required")
	}
	o, err := node.OpenOffline(ctx, node.Config{Data: cfg.Data, Accounts: accounts.Config{PublicURL: cfg.publicURL()}})
	if err != nil {
		return err
	}
	defer o.Close()
	a, err := o.Router.AccountByHandle(ctx, flick.NormalizeHandle(*handle))
	if err != nil {
		return fmt.Errorf("accounts reset-password: account %q: %w", *handle, err)
	}
	token, expires, err := o.Accounts.IssuePasswordReset(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("accounts reset-password: %w", err)
	}
	cfg.logger(stderr).Info("password reset link issued by the operator", "account", a.ID, "region", a.Region)
	fmt.Fprintf(stdout, "One-time link for @%s, valid until %s:\n%s\n", a.Handle, expires.Local().Format(time.DateTime), o.Accounts.ResetLink(token))
	return nil
}

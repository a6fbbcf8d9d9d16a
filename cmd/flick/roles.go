package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/node"
)

// runRoles grants and revokes the operator's roles. It works beside a
// running server: roles are read from the account's store on every request
// that needs one.
func runRoles(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flagSet("roles", `Grant or revoke roles. "admin" may look up people's records through the
admin API, each look written to the access log; "auditor" reads the access
log and its proofs.

  flick roles --account alice --grant auditor
  flick roles --account bob --revoke admin`, stderr)
	bindConfig(fs, &cfg)
	handle := fs.String("account", "", "handle of the account (required)")
	grant := fs.String("grant", "", "comma-separated roles to grant: admin, auditor")
	revoke := fs.String("revoke", "", "comma-separated roles to revoke")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *handle == "" {
		fs.Usage()
		return fmt.Errorf("roles: --account is required")
	}
	o, err := node.OpenOffline(ctx, node.Config{Data: cfg.Data})
	if err != nil {
		return err
	}
	defer o.Close()
	a, err := o.Router.AccountByHandle(ctx, flick.NormalizeHandle(*handle))
	if err != nil {
		return fmt.Errorf("roles: account %q: %w", *handle, err)
	}
	roles, err := o.Accounts.SetRoles(ctx, a.ID, splitList(*grant), splitList(*revoke))
	if err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	fmt.Fprintf(stdout, "@%s (region %s): roles %s\n", a.Handle, a.Region, cmp.Or(strings.Join(roles, ", "), "none"))
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/move"
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/residency"
)

const residencyUsage = `Usage: flick residency <command> [flags]

Commands:
  check   scan every region's store, media and event log and list every piece of
          personal data found outside its owner's home region; exits non-zero if
          there is any
  move    move an account's personal data, media, events and recommender state
          to another region, verify the copy, switch its home and erase the
          source; writes a receipt into the access log
  resume  finish or roll back moves that were interrupted (move does this first)

Each opens the data directory, so the server must be stopped (a running server
offers moves through its admin API). Run "flick residency <command> --help" for
its flags; --data and --regions are those of serve.
`

// cliActor is who the access log says moved an account from the command line.
const cliActor = "system:residency-cli"

// runResidency runs the residency commands.
func runResidency(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSubcommand(ctx, "residency", residencyUsage, map[string]command{
		"check":  runResidencyCheck,
		"move":   runResidencyMove,
		"resume": runResidencyResume,
	}, args, stdout, stderr)
}

// openNode opens the data directory with every region as serve does
// (taking its lock), without serving it.
func openNode(ctx context.Context, cfg Config, stderr io.Writer) (*node.Node, error) {
	return node.Open(ctx, node.Config{Data: cfg.Data, Regions: cfg.Regions, AuditKey: cfg.AuditKey, Logger: cfg.logger(stderr)})
}

func runResidencyCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flagSet("residency check", "Scan every region's store, media store and event log and list every piece of\n"+
		"personal data found outside its owner's home region, and every account the\n"+
		"directory homes in a region that does not hold it. Exits non-zero if there is any.", stderr)
	bindConfig(fs, &cfg)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	n, err := openNode(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer n.Close()
	rep, err := residency.Check(ctx, n.Directory, n.Router.Cells())
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(stdout, rep)
	}
	if n := len(rep.Violations); n > 0 {
		return fmt.Errorf("residency check: %s outside the home region", plural(n, "piece", "pieces")+" of personal data")
	}
	return nil
}

func printReport(w io.Writer, rep *residency.Report) {
	fmt.Fprintf(w, "checked regions %s: %d accounts in the directory, %d records of ownership, %d media files, %d event subjects\n",
		strings.Join(rep.Regions, ", "), rep.Accounts, rep.Owners, rep.MediaKeys, rep.EventAccounts)
	if len(rep.Moves) > 0 {
		fmt.Fprintf(w, "%s (flick residency resume finishes or rolls back):\n", plural(len(rep.Moves), "interrupted move", "interrupted moves"))
		for _, m := range rep.Moves {
			fmt.Fprintf(w, "  account %s: %s -> %s, %s since %s\n", m.AccountID, m.From, m.To, m.Phase, m.Started.Format("2006-01-02 15:04:05Z07:00"))
		}
	}
	if len(rep.Violations) == 0 {
		fmt.Fprintln(w, "ok: no personal data outside its home region")
		return
	}
	fmt.Fprintf(w, "FAILED: %s of personal data outside the home region:\n", plural(len(rep.Violations), "piece", "pieces"))
	for _, v := range rep.Violations {
		fmt.Fprintf(w, "  - %s\n", v)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func runResidencyMove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flagSet("residency move", "Move an account to another region: copy its personal data, media and events to\n"+
		"the target, verify the copy (counts and SHA-256 hashes), switch its home in the\n"+
		"directory, then erase it from the source (records, media, events, recommender\n"+
		"state) and record a receipt in the access log. Interrupted moves are resumed\n"+
		"first; a move killed at any point is finished or rolled back by the next run.\n\n"+
		"  flick residency move --regions us,eu --account alice --to eu", stderr)
	bindConfig(fs, &cfg)
	handle := fs.String("account", "", "handle of the account to move (required)")
	to := fs.String("to", "", "region to move it to (required)")
	reason := fs.String("reason", "moved by the operator from the command line", "why, for the access log")
	asJSON := fs.Bool("json", false, "print the receipt as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *handle == "" || *to == "" {
		fs.Usage()
		return errors.New("residency move: --account and --to are required")
	}
	// The resumed moves are news, not part of a JSON receipt.
	notes := stdout
	if *asJSON {
		notes = stderr
	}
	return withMovingNode(ctx, cfg, notes, stderr, func(n *node.Node, _ int) error {
		return moveAccount(ctx, n, n.Mover, *handle, *to, *reason, *asJSON, stdout)
	})
}

func runResidencyResume(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flagSet("residency resume", "Finish the interrupted moves that had switched the account's home and roll\n"+
		"back the others.", stderr)
	bindConfig(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return withMovingNode(ctx, cfg, stdout, stderr, func(_ *node.Node, resumed int) error {
		if resumed == 0 {
			fmt.Fprintln(stdout, "no interrupted moves")
		}
		return nil
	})
}

// withMovingNode opens the node with its projectors, learners and
// transcoders running (a move waits for them), resumes interrupted moves
// (saying so on notes), runs fn with how many it resumed and shuts
// everything down.
func withMovingNode(ctx context.Context, cfg Config, notes, stderr io.Writer, fn func(n *node.Node, resumed int) error) (err error) {
	n, err := openNode(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, n.Close()) }()
	workers := n.StartPipelines(ctx)
	defer workers.Stop()
	resumed, err := n.Mover.Resume(ctx)
	for _, r := range resumed {
		fmt.Fprintf(notes, "interrupted move of %s from %s to %s: %s\n", r.AccountID, r.From, r.To, r.Outcome)
	}
	if err != nil {
		return err
	}
	return fn(n, len(resumed))
}

// moveAccount moves the account with handle to region to and prints the
// receipt. An account already homed there (an interrupted run of the same
// move that Resume has just finished) is not an error.
func moveAccount(ctx context.Context, n *node.Node, m *move.Mover, handle, to, reason string, asJSON bool, stdout io.Writer) error {
	id, err := n.Directory.Lookup(ctx, flick.NormalizeHandle(handle))
	if err != nil {
		return fmt.Errorf("residency move: account %q: %w", handle, err)
	}
	if home, err := n.Directory.Region(ctx, id); err != nil {
		return err
	} else if home == to {
		fmt.Fprintf(stdout, "@%s is homed in %s: nothing to move\n", flick.NormalizeHandle(handle), to)
		return nil
	}
	r, err := m.Move(ctx, id, to, cliActor, reason)
	if err != nil {
		return fmt.Errorf("residency move: %w", err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(stdout, "moved @%s (%s) from %s to %s\n", flick.NormalizeHandle(handle), id, r.From, r.To)
	fmt.Fprintf(stdout, "  move      %s, started %s, switched %s\n", r.MoveID, r.Started.Format("2006-01-02 15:04:05.000Z07:00"), r.Switched.Format("2006-01-02 15:04:05.000Z07:00"))
	kinds := make([]string, 0, len(r.Records))
	for k := range r.Records {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	counts := make([]string, len(kinds))
	for i, k := range kinds {
		counts[i] = fmt.Sprintf("%s %d", k, r.Records[k])
	}
	fmt.Fprintf(stdout, "  records   %s\n            sha256 %s\n", strings.Join(counts, ", "), r.DataHash)
	fmt.Fprintf(stdout, "  media     %d files, %d bytes, sha256 %s\n", r.MediaFiles, r.MediaBytes, r.MediaHash)
	fmt.Fprintf(stdout, "  events    %d, sha256 %s\n", r.Events, r.EventsHash)
	fmt.Fprintln(stdout, "the receipt is in the access log (flick audit verify checks the log)")
	return nil
}

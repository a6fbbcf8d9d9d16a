package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flick-video/flick/internal/audit"
	"github.com/flick-video/flick/internal/node"
)

const auditUsage = `Usage: flick audit <command> [flags]

Commands:
  verify      recompute the access log's Merkle tree from its entries, check every
              signed checkpoint, and, with --from, consistency with a checkpoint
              saved earlier; fails on any altered, removed or reordered entry
  checkpoint  print the newest signed checkpoint, to save for a later verify --from

Run "flick audit <command> --help" for its flags.
`

// runAudit runs the auditor's commands on the access log.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSubcommand(ctx, "audit", auditUsage, map[string]command{
		"verify":     runAuditVerify,
		"checkpoint": runAuditCheckpoint,
	}, args, stdout, stderr)
}

func runAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("audit verify", "Verify the access log: re-hash every entry, rebuild the Merkle tree, check every\n"+
		"signed checkpoint against it and, with --from, that the log still extends a\n"+
		"checkpoint saved earlier (as printed by flick audit checkpoint). Exits non-zero\n"+
		"on any problem. The access log is the audit/ folder of the data directory.", stderr)
	var cfg Config
	bindConfig(fs, &cfg)
	fromFile := fs.String("from", "", "a checkpoint saved earlier; the log must still begin with the entries it covers")
	pinned := fs.String("key", "", "the verifier key the log must be signed with, as printed by an earlier verify; without it, the key in the log's folder is trusted")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var from []byte
	if *fromFile != "" {
		var err error
		if from, err = os.ReadFile(*fromFile); err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
	}
	rep, err := audit.Verify(ctx, node.AuditDir(cfg.Data), from)
	if err != nil && !errors.Is(err, audit.ErrTampered) {
		return err
	}
	if *pinned != "" && rep.VerifierKey != strings.TrimSpace(*pinned) {
		// A log re-signed with a new key pair is consistent with itself.
		rep.Problems = append(rep.Problems, fmt.Sprintf("the log is signed with verifier key %s, not the pinned %s", rep.VerifierKey, strings.TrimSpace(*pinned)))
		err = errors.Join(err, fmt.Errorf("%w: %s: signed with another key", audit.ErrTampered, rep.Dir))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(rep); jerr != nil {
			return jerr
		}
		return err
	}
	if err != nil {
		fmt.Fprintf(stdout, "FAILED: the access log in %s does not verify:\n", rep.Dir)
		for _, p := range rep.Problems {
			fmt.Fprintf(stdout, "  - %s\n", p)
		}
		return err
	}
	fmt.Fprintf(stdout, "ok: %d entries, %d checkpoints, size %d, root %s\n", rep.Entries, rep.Checkpoints, rep.Size, rep.Root)
	if rep.FromSize != nil {
		fmt.Fprintf(stdout, "ok: consistent with the saved checkpoint of size %d\n", *rep.FromSize)
	}
	fmt.Fprintf(stdout, "verifier key: %s\n", rep.VerifierKey)
	return nil
}

func runAuditCheckpoint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("audit checkpoint", "Print the access log's newest signed checkpoint. Save it, and pass the file to\n"+
		"flick audit verify --from later to prove the log only grew since.", stderr)
	var cfg Config
	bindConfig(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cp, err := audit.ReadCheckpoint(ctx, node.AuditDir(cfg.Data))
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, cp.Note)
	return err
}

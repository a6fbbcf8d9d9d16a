// Command flick runs the Flick short-video platform: the HTTP API, the web
// app, the transcoder and the event consumers, all in one process.
//
//	flick [serve]   run the server (the default)
//	flick demo      run the server and fill it with generated demo videos
//	flick migrate   apply database migrations and exit
//	flick bench     measure upload, API and media-serving performance
//	flick eval      evaluate the For You engine on a ratings file
//	flick residency check residency, move accounts between regions
//	flick audit     verify the tamper-evident access log
//	flick roles     grant or revoke the admin and auditor roles
//	flick accounts  an operator's account tools: a password reset link
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Flick — a self-hostable short-video platform.

Usage:
  flick [command] [flags]

Commands:
  serve     run the server (default when no command is given)
  demo      run the server with generated demo content (needs ffmpeg)
  migrate   apply database migrations and exit
  bench     run performance benchmarks (upload, api, range)
  eval      evaluate the For You engine offline on a ratings file
  residency check where personal data lives, move an account between regions
  audit     verify the access log, or print its signed checkpoint
  roles     grant or revoke the admin and auditor roles
  accounts  make a one-time password reset link for an account

Run "flick <command> --help" for the flags of a command. Every flag can also
be set through the environment variable named in its help text.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flick:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand; it is main without the process exit so that
// tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, stderr)
	case "demo":
		return runDemo(ctx, args, stderr)
	case "migrate":
		return runMigrate(ctx, args, stdout, stderr)
	case "bench":
		return runBench(ctx, args, stdout, stderr)
	case "eval":
		return runEval(ctx, args, stdout, stderr)
	case "audit":
		return runAudit(ctx, args, stdout, stderr)
	case "residency":
		return runResidency(ctx, args, stdout, stderr)
	case "roles":
		return runRoles(ctx, args, stdout, stderr)
	case "accounts":
		return runAccounts(ctx, args, stdout, stderr)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// command is a subcommand's entry point.
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// runSubcommand runs the subcommand that args name among cmds, the commands
// of flick <name>, whose usage is usage.
func runSubcommand(ctx context.Context, name, usage string, cmds map[string]command, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%s: a command is required", name)
	}
	cmd, args := args[0], args[1:]
	if cmd == "-h" || cmd == "--help" || cmd == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	run, ok := cmds[cmd]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%s: unknown command %q", name, cmd)
	}
	return run(ctx, args, stdout, stderr)
}

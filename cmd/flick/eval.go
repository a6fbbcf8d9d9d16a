package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/flick-video/flick/internal/recommend"
)

// runEval replays a ratings file through the For You engine and reports
// its quality next to a popularity baseline from the same harness.
func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ratings := fs.String("ratings", "", "ratings CSV: userId,movieId,rating,timestamp with a header line (required)")
	protocol := fs.String("protocol", "holdout-10", "evaluation protocol: holdout-N holds out each user's last N interactions")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: flick eval --ratings PATH [--protocol holdout-10] [--json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ratings == "" {
		fs.Usage()
		return fmt.Errorf("eval: --ratings is required")
	}
	f, err := os.Open(*ratings)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	res, err := recommend.Evaluate(ctx, f, *protocol, recommend.EvalConfig())
	if err != nil {
		return fmt.Errorf("eval %s: %w", *ratings, err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "%d users, %d items, %d training interactions, protocol %s, %.2fs\n",
		res.Users, res.Items, res.Train, res.Protocol, res.Seconds)
	fmt.Fprintf(stdout, "%-12s %10s %10s %12s\n", "model", "Recall@20", "NDCG@20", "Coverage@20")
	fmt.Fprintf(stdout, "%-12s %10.4f %10.4f %12d\n", "engine", res.Recall, res.NDCG, res.Coverage)
	fmt.Fprintf(stdout, "%-12s %10.4f %10.4f %12d\n", "popularity", res.Popularity.Recall, res.Popularity.NDCG, res.Popularity.Coverage)
	return nil
}

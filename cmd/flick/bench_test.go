package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/flick-video/flick/internal/testenv"
)

// TestBenchSmoke runs each benchmark briefly so that they keep working; the
// figures themselves come from running them in full (see the README).
func TestBenchSmoke(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	for _, args := range [][]string{
		{"upload", "--width", "240", "--height", "426", "--length", "2s", "--runs", "1"},
		{"api", "--duration", "300ms", "--concurrency", "4"},
		{"range", "--duration", "300ms", "--concurrency", "4", "--clip-seconds", "2"},
		{"feed", "--videos", "2000", "--users", "200", "--duration", "300ms", "--event-duration", "300ms", "--freshness-samples", "5"},
		{"farm", "--videos", "1000", "--viewers", "100", "--popular", "20", "--farm", "10", "--anonymous", "20"},
		{"flood", "--conns", "60", "--max-conns", "20", "--stall-timeout", "1s", "--probe-every", "100ms"},
	} {
		t.Run(args[0], func(t *testing.T) {
			var out, errOut strings.Builder
			if err := run(context.Background(), append([]string{"bench"}, args...), &out, &errOut); err != nil {
				t.Fatalf("bench %v: %v\n%s", args, err, errOut.String())
			}
			var res map[string]any
			if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out.String())
			}
			if args[0] == "feed" {
				for _, k := range []string{"videos", "users", "foryou_p50_ms", "foryou_p99_ms", "foryou_per_s", "events_per_s", "freshness_p99_ms", "rss_mb"} {
					if _, ok := res[k]; !ok {
						t.Errorf("feed result lacks %q", k)
					}
				}
				if res["foryou_errors"] != 0.0 || res["event_errors"] != 0.0 {
					t.Errorf("requests failed: %s", out.String())
				}
			}
			if args[0] == "flood" {
				// At most 20 kept (a probe may hold one of the 20), the
				// rest answered over the caps at once: all 60 are accounted
				// for, and the stall bound closed the kept.
				n := func(k string) float64 { f, _ := res[k].(float64); return f }
				if n("kept") == 0 || n("kept") > 20 || n("kept")+n("answered_503")+n("closed_at_once") != 60 || n("still_open") != 0 {
					t.Errorf("flood outcomes: %s", out.String())
				}
				if h, _ := res["healthz"].(map[string]any); h["failures"] != 0.0 || h["probes"] == 0.0 {
					t.Errorf("healthz probes failed: %s", out.String())
				}
			}
			if runs, _ := res["runs"].([]any); args[0] == "farm" && len(runs) != 2 {
				t.Errorf("farm result has %d runs, want with and without defences: %s", len(runs), out.String())
			}
			t.Logf("%s", out.String())
		})
	}
}

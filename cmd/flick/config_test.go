package main

import (
	"io"
	"net/url"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"256MiB", 256 << 20, true},
		{"1GB", 1e9, true},
		{"5000", 5000, true},
		{" 2 KiB ", 2048, true},
		{"", 0, false},
		{"-1MB", 0, false},
		{"lots", 0, false},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestConfigPrecedence checks defaults, environment and flags, in that order.
func TestConfigPrecedence(t *testing.T) {
	t.Setenv("FLICK_ADDR", "127.0.0.1:9000")
	t.Setenv("FLICK_MAX_UPLOAD", "10MB")
	t.Setenv("FLICK_MAX_DURATION", "30s")
	var cfg Config
	fs := flagSet("serve", "", io.Discard)
	bindServerConfig(fs, &cfg)
	if err := parseFlags(fs, []string{"--addr", "127.0.0.1:9100"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9100" || cfg.MaxUploadBytes != 10e6 || cfg.MaxDuration != 30*time.Second || cfg.Data != "./flick-data" || cfg.Workers != 1 {
		t.Fatalf("config = %+v", cfg)
	}

	t.Setenv("FLICK_WORKERS", "many")
	fs = flagSet("serve", "", io.Discard)
	bindServerConfig(fs, &cfg)
	if err := parseFlags(fs, nil); err == nil {
		t.Fatal("bad FLICK_WORKERS accepted")
	}
}

// TestConnectionFlags: the caps, the pace and the public URL, from flags,
// with their defaults.
func TestConnectionFlags(t *testing.T) {
	parse := func(args ...string) (Config, error) {
		var cfg Config
		fs := flagSet("serve", "", io.Discard)
		bindServerConfig(fs, &cfg)
		return cfg, parseFlags(fs, args)
	}
	cfg, err := parse()
	if err != nil {
		t.Fatal(err)
	}
	caps, err := cfg.caps()
	if err != nil || caps.Total < 64 || caps.PerClient != 64 || cfg.MinBodyRate != 4<<10 || cfg.StallTimeout != 30*time.Second || cfg.PublicURL != nil {
		t.Errorf("defaults: %+v %+v %v", cfg, caps, err)
	}
	cfg, _ = parse("--trust-proxy")
	if caps, _ := cfg.caps(); caps.PerClient != 0 {
		t.Errorf("behind a trusted proxy the per-client cap is %d, want none", caps.PerClient)
	}
	cfg, _ = parse("--trust-proxy", "--max-conns-per-client", "10", "--max-conns", "500", "--min-body-rate", "1KiB", "--stall-timeout", "5s", "--public-url", "https://flick.example/")
	caps, _ = cfg.caps()
	if caps.PerClient != 10 || caps.Total != 500 || cfg.MinBodyRate != 1024 || cfg.StallTimeout != 5*time.Second || cfg.PublicURL.String() != "https://flick.example" || !cfg.servedOverTLS() {
		t.Errorf("set: %+v %+v", cfg, caps)
	}
	for _, bad := range [][]string{
		{"--public-url", "flick.example"}, {"--public-url", "https://flick.example/app"}, {"--public-url", "ftp://flick.example"},
		{"--max-conns-per-client", "-1"}, {"--stall-timeout", "0s"}, {"--min-body-rate", "fast"},
	} {
		if _, err := parse(bad...); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// mustPublicURL parses a --public-url value for a test's Config.
func mustPublicURL(t testing.TB, v string) *url.URL {
	t.Helper()
	u, err := parsePublicURL(v)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

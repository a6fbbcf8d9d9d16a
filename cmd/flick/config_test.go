package main

import (
	"io"
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

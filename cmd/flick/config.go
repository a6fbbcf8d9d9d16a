package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/mail"
)

// Config is everything an operator can set, from flags or the environment.
type Config struct {
	Addr           string
	Data           string
	Regions        []string // the first is the default region of new accounts
	AuditKey       string   // the access log's signing key file; empty: in the log's folder
	MaxUploadBytes int64
	MaxDuration    time.Duration
	Workers        int
	SecureCookies  bool
	TrustProxy     bool
	LogLevel       slog.Level
	LogFormat      string
	SMTPURL        string // holds the SMTP password: never log or print it
	PublicURL      string
}

// flagSet builds a FlagSet whose flags default to their FLICK_* environment
// variables, so that `--addr` and FLICK_ADDR mean the same thing.
func flagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: flick %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// bindConfig registers the flags every command has on fs: the data
// directory, regions, the access log's key and logging. Each flag has an
// environment variable (named in its help) that sets it unless the command
// line does; parseFlags reads them.
func bindConfig(fs *flag.FlagSet, cfg *Config) {
	cfg.LogLevel = slog.LevelInfo
	fs.StringVar(&cfg.Data, "data", "./flick-data", "data directory: databases, media and the event log (FLICK_DATA)")
	cfg.Regions = []string{flick.DefaultRegion}
	fs.Func("regions", `comma-separated regions, each a cell with its own database, media and event log; new accounts default to the first (FLICK_REGIONS) (default "default")`, func(s string) error {
		regions, err := flick.ParseRegions(s)
		cfg.Regions = regions
		return err
	})
	fs.StringVar(&cfg.AuditKey, "audit-key", "", "the access log's signing key file, best kept outside the data directory so that whoever can write the data cannot re-sign a rewritten log; created on first use (FLICK_AUDIT_KEY) (default <data>/audit/signer.key)")
	fs.TextVar(&cfg.LogLevel, "log-level", &cfg.LogLevel, "log level: debug, info, warn or error (FLICK_LOG_LEVEL)")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log format: text or json (FLICK_LOG_FORMAT)")
}

// bindServerConfig registers the flags of the commands that serve (serve,
// demo) on fs: bindConfig's and the server's own.
func bindServerConfig(fs *flag.FlagSet, cfg *Config) {
	bindConfig(fs, cfg)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "address to listen on (FLICK_ADDR)")
	cfg.MaxUploadBytes = 256 << 20
	fs.Func("max-upload", "largest accepted upload, e.g. 256MiB or 1GB (FLICK_MAX_UPLOAD) (default 256MiB)", func(s string) error {
		n, err := parseSize(s)
		cfg.MaxUploadBytes = n
		return err
	})
	cfg.MaxDuration = 10 * time.Minute
	fs.Func("max-duration", "longest accepted video, e.g. 90s or 10m (FLICK_MAX_DURATION) (default 10m0s)", func(v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && d <= 0 {
			err = fmt.Errorf("want a positive duration such as 90s or 10m")
		}
		cfg.MaxDuration = d
		return err
	})
	fs.IntVar(&cfg.Workers, "workers", 1, "concurrent transcodes; each ffmpeg already uses every core (FLICK_WORKERS)")
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", false, "always mark cookies Secure, e.g. behind a TLS-terminating proxy (FLICK_SECURE_COOKIES)")
	fs.BoolVar(&cfg.TrustProxy, "trust-proxy", false, "trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy (FLICK_TRUST_PROXY)")
	bindMailConfig(fs, cfg)
}

// bindMailConfig registers the flags of mailing password-reset links.
func bindMailConfig(fs *flag.FlagSet, cfg *Config) {
	fs.StringVar(&cfg.SMTPURL, "smtp-url", "", "mail server for password-reset links, smtp://user:password@host:port?from=flick@example.com (STARTTLS when offered) or smtps://... (TLS); best set through the environment, which other users cannot read in ps (FLICK_SMTP_URL) (default: no mail; passwords are reset by flick accounts reset-password)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the address people open the web app at, e.g. https://flick.example: reset links point there; required with --smtp-url (FLICK_PUBLIC_URL)")
}

// parseFlags sets flags from their environment variables, then from args, so
// that the command line wins and a bad value in either is reported.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "FLICK_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && err == nil {
			if serr := f.Value.Set(v); serr != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, serr)
			}
		}
	})
	if err != nil {
		return err
	}
	return fs.Parse(args)
}

// parseSize reads sizes such as "256MiB", "1GB", "5000000".
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid size %q: want a positive number with an optional unit such as MiB or GB", s)
	}
	return n * mult, nil
}

func (c Config) validate() error {
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	if c.Workers < 1 {
		return fmt.Errorf("--workers must be at least 1")
	}
	if _, err := c.mailer(); err != nil {
		return err
	}
	return nil
}

// mailer is the mail server of --smtp-url, or nil without one. Its errors
// never repeat the URL, which holds the password.
func (c Config) mailer() (*mail.Sender, error) {
	if c.SMTPURL == "" {
		return nil, nil
	}
	m, err := mail.Parse(c.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	if err := validPublicURL(c.PublicURL); err != nil {
		return nil, err
	}
	return m, nil
}

// validPublicURL checks --public-url: reset links must not take their host
// from a request, which an attacker can name.
func validPublicURL(s string) error {
	u, err := url.Parse(s)
	if s == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--public-url must be the web app's address, such as https://flick.example (it is required with --smtp-url)")
	}
	return nil
}

func (c Config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
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

	PublicURL *url.URL // nil: each request's own scheme and host
	// webStatic are the web app's static files in place of those embedded
	// (no flag): tests deploy a changed app with it.
	webStatic fs.FS
	// MaxConns is the most concurrent connections (0: derived from the
	// open-file limit); MaxConnsPerClient the most from one address (0: no
	// cap; -1: the default, 64 or none behind --trust-proxy).
	MaxConns          int
	MaxConnsPerClient int
	MinBodyRate       int64
	StallTimeout      time.Duration
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
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", false, "browsers reach Flick over HTTPS, with TLS terminated before it (a proxy): mark cookies Secure, expect https origins and send HSTS (FLICK_SECURE_COOKIES)")
	fs.BoolVar(&cfg.TrustProxy, "trust-proxy", false, "trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy (FLICK_TRUST_PROXY)")
	fs.StringVar(&cfg.SMTPURL, "smtp-url", "", "mail server for password-reset links, smtp://user:password@host:port?from=flick@example.com (STARTTLS when offered) or smtps://... (TLS); best set through the environment, which other users cannot read in ps (FLICK_SMTP_URL) (default: no mail; passwords are reset by flick accounts reset-password)")
	bindPublicURL(fs, cfg, "the URL browsers reach Flick at, e.g. https://flick.example: the only origin accepted for signed-in writes from the web app, and where password-reset links point (required with --smtp-url); https also sends HSTS, as --secure-cookies does (FLICK_PUBLIC_URL) (default: each request's own scheme and host)")
	bindConnLimits(fs, cfg)
}

// bindConnLimits registers the connection caps and the pace on fs (serve,
// demo and bench flood).
func bindConnLimits(fs *flag.FlagSet, cfg *Config) {
	fs.IntVar(&cfg.MaxConns, "max-conns", 0, "most concurrent connections; more are answered 503 with Retry-After, while /healthz still answers (FLICK_MAX_CONNS) (default: half of the open-file limit less 1024, at most 10000)")
	cfg.MaxConnsPerClient = -1
	fs.Func("max-conns-per-client", "most concurrent connections from one IP address (IPv6: one /64); 0 means no per-client cap (FLICK_MAX_CONNS_PER_CLIENT) (default 64, or none with --trust-proxy, where every connection comes from the proxy)", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number, 0 for no cap")
		}
		cfg.MaxConnsPerClient = n
		return nil
	})
	cfg.MinBodyRate = defaultMinBodyRate
	fs.Func("min-body-rate", "least average rate, per second, at which a request body must arrive, e.g. 4KiB: a slow phone uploads faster, a client trickling bytes to hold a connection does not (FLICK_MIN_BODY_RATE) (default 4KiB)", func(v string) error {
		n, err := parseSize(v)
		cfg.MinBodyRate = n
		return err
	})
	cfg.StallTimeout = defaultStallTimeout
	fs.Func("stall-timeout", "longest a request body or a response may not move before the connection is closed; a download must take 256 KiB per stall-timeout (FLICK_STALL_TIMEOUT) (default 30s)", func(v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && d <= 0 {
			err = fmt.Errorf("want a positive duration such as 30s")
		}
		cfg.StallTimeout = d
		return err
	})
}

// The pace defaults, also for a Config built in code (tests, benchmarks).
const (
	defaultMinBodyRate  = 4 << 10
	defaultStallTimeout = 30 * time.Second
	defaultPerClient    = 64
)

// bindPublicURL registers --public-url with the help of the command.
func bindPublicURL(fs *flag.FlagSet, cfg *Config, help string) {
	fs.Func("public-url", help, func(v string) error {
		u, err := parsePublicURL(v)
		cfg.PublicURL = u
		return err
	})
}

// parsePublicURL reads --public-url: an http or https origin, no path.
func parsePublicURL(v string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(v, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("want an origin such as https://flick.example, without a path")
	}
	return u, nil
}

// servedOverTLS reports whether browsers reach the instance over HTTPS, so
// that it may ask them never to use plain HTTP (HSTS).
func (c Config) servedOverTLS() bool {
	return c.SecureCookies || c.PublicURL != nil && c.PublicURL.Scheme == "https"
}

// publicURL is --public-url as text, "" when it is not set.
func (c Config) publicURL() string {
	if c.PublicURL == nil {
		return ""
	}
	return c.PublicURL.String()
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
	if c.PublicURL == nil {
		// Reset links must not take their host from a request, which an
		// attacker can name.
		return nil, fmt.Errorf("--public-url is required with --smtp-url: reset links point there")
	}
	return m, nil
}

func (c Config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

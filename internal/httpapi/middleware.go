package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/flick-video/flick"
)

type ctxKey int

const requestIDKey ctxKey = iota

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// instrument is the outermost middleware: it gives every request an id,
// recovers panics as 500 JSON answers, writes the access log and observes
// the latency histogram by route pattern (never the raw path, whose ids
// would make the label set unbounded).
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		w.Header().Set("X-Request-Id", id)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Logger.Error("panic serving request", "request_id", id, "method", r.Method,
					"path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !rec.wroteHeader {
					s.writeError(rec, r, flick.Errorf(flick.EINTERNAL, "Internal error."))
				}
			}
			routeLabel := r.Pattern
			if routeLabel == "" || routeLabel == "/" {
				routeLabel = "unmatched"
			}
			elapsed := time.Since(start)
			s.latency.WithLabelValues(routeLabel, strconv.Itoa(rec.status())).Observe(elapsed.Seconds())
			s.Logger.Info("http request", "request_id", id, "method", r.Method, "path", r.URL.Path,
				"route", routeLabel, "status", rec.status(), "bytes", rec.bytes,
				"duration_ms", float64(elapsed.Microseconds())/1000, "ip", s.clientIP(r))
		}()
		next.ServeHTTP(rec, r)
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recorder remembers the status and size of a response for the log.
type recorder struct {
	http.ResponseWriter
	code        int
	bytes       int64
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.code, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

var _ io.ReaderFrom = (*recorder)(nil)

// ReadFrom keeps the connection's sendfile path open to http.ServeContent:
// without it every media byte would be copied through a user-space buffer.
func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	n, err := io.Copy(r.ResponseWriter, src)
	r.bytes += n
	return n, err
}

func (r *recorder) status() int {
	if !r.wroteHeader {
		return http.StatusOK
	}
	return r.code
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// clientIP is the address rate limits and logs use. Behind a trusted proxy
// it is the last X-Forwarded-For entry: the one the proxy itself added, which
// the client cannot forge.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip := net.ParseIP(strings.TrimSpace(last)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// isTLS reports whether the client reached us over HTTPS: the public URL
// says so, or the connection is TLS, or a trusted proxy says so, or the
// operator asked for secure cookies (TLS is terminated before us).
func (s *Server) isTLS(r *http.Request) bool {
	return s.cfg.PublicURL != nil && s.cfg.PublicURL.Scheme == "https" || r.TLS != nil || s.cfg.SecureCookies ||
		s.cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// Origin is the scheme and host browsers reach the instance at: the public
// URL, or the request's own (as a trusted proxy relays them).
func (s *Server) Origin(r *http.Request) string {
	if s.cfg.PublicURL != nil {
		return s.cfg.PublicURL.Scheme + "://" + s.cfg.PublicURL.Host
	}
	scheme := "http"
	if s.isTLS(r) {
		scheme = "https"
	}
	return scheme + "://" + s.host(r)
}

// host is the host the client addressed.
func (s *Server) host(r *http.Request) string {
	if s.cfg.TrustProxy {
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			return h
		}
	}
	return r.Host
}

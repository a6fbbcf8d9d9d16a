package httpapi

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/flick-video/flick"
)

// mediaTypes are the only blobs served, by extension.
var mediaTypes = map[string]string{
	".mp4":  "video/mp4",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
}

// media handles GET /media/{key...}: renditions, posters and avatars, with
// Range requests, a strong ETag and long cache lifetimes. Originals are the
// uploads as received, possibly with metadata such as GPS positions, and are
// never served.
//
// The files of a video that is not public are served only to those who may
// see it (the session is looked up for them alone), privately cached.
func (s *Server) media(w http.ResponseWriter, r *http.Request, _ *caller) error {
	key := r.PathValue("key")
	ctype, ok := mediaTypes[path.Ext(key)]
	if !ok || !publicKey(key) {
		return flick.Errorf(flick.ENOTFOUND, "Not found.")
	}
	viewer := func() (string, error) {
		c, err := s.authenticate(w, r)
		if err != nil {
			return "", err
		}
		return c.AccountID, nil
	}
	b, visibility, err := s.Regions.OpenMedia(r.Context(), key, viewer)
	if err != nil {
		return err
	}
	defer b.Close()
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	// A blob's key, size and modification time identify its content: a
	// rewritten blob (a new avatar) gets a new time.
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, b.Size(), b.ModTime().UnixNano()))
	switch {
	case strings.HasPrefix(key, "avatars/"):
		// Avatars are replaced under the same key: revalidate each time.
		h.Set("Cache-Control", "public, no-cache")
	case visibility != flick.VisibilityPublic:
		// Only the viewer's own cache, and asked again each time: who may
		// watch can change.
		h.Set("Cache-Control", "private, no-cache")
		h.Set("Vary", "Cookie, Authorization")
	default:
		// Video renditions and posters never change under their key.
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	if field := r.Header.Get("Range"); field != "" {
		want := ""
		if r.Method == http.MethodGet { // RFC 9110 §14.2: ranges are for GET only
			want = byteRanges(field, b.Size())
		}
		if want != field {
			r = withRange(r, want)
		}
	}
	http.ServeContent(&jsonErrorWriter{ResponseWriter: w}, r, "", b.ModTime(), b)
	return nil
}

// maxRanges is the most byte ranges one request may ask for. Players ask
// for one at a time; many small ranges are a way to make a tiny request cost
// a large multipart answer (RFC 9110 §17.15).
const maxRanges = 16

// unsatisfiable is a Range field that http.ServeContent answers with 416
// and "Content-Range: bytes */size": a range starting at the end.
func unsatisfiable(size int64) string { return "bytes=" + strconv.FormatInt(size, 10) + "-" }

// byteRanges rewrites a GET's Range field, for a representation of size
// bytes, into a form whose meaning http.ServeContent gets right (RFC 9110
// §14.1-14.2). ServeContent keeps deciding the preconditions and If-Range
// first, in the order RFC 9110 §13.2.2 sets (304, 412, then If-Range), so
// only the field is rewritten, never the answer chosen here. The result:
//   - "" (no range: the whole representation) for a unit other than bytes,
//     which a server must ignore;
//   - each range spelled out as first-last within the representation:
//     suffixes resolved, a last position past the end (however many digits)
//     meaning the end, ranges that start past the end dropped;
//   - unsatisfiable (416) when no range is left ("bytes=-0", whose suffix is
//     empty, and which Go's library answered with 206 and
//     "bytes 169633-169632/169633"), when a range is invalid ("bytes=5-2",
//     signs, letters), and when the set asks for more than maxRanges ranges
//     or for overlapping ones, which §15.5.17 lets a server refuse.
func byteRanges(field string, size int64) string {
	unit, set, ok := strings.Cut(field, "=")
	if !ok || !strings.EqualFold(unit, "bytes") {
		return ""
	}
	type span struct{ first, last int64 }
	var spans []span
	specs := 0
	for spec := range strings.SplitSeq(set, ",") {
		spec = strings.Trim(spec, " \t")
		if spec == "" {
			continue // empty list elements are allowed (RFC 9110 §5.6.1)
		}
		if specs++; specs > maxRanges {
			return unsatisfiable(size)
		}
		a, b, ok := strings.Cut(spec, "-")
		first, okFirst := position(a)
		last, okLast := position(b)
		switch {
		case !ok || a == "" && !okLast || a != "" && (!okFirst || b != "" && (!okLast || last < first)):
			return unsatisfiable(size) // invalid
		case a == "" && last > 0: // the last bytes
			spans = append(spans, span{size - min(last, size), size - 1})
		case a != "" && first < size:
			if b == "" {
				last = size - 1
			}
			spans = append(spans, span{first, min(last, size-1)})
		}
	}
	if len(spans) == 0 {
		return unsatisfiable(size)
	}
	var out strings.Builder
	out.WriteString("bytes=")
	for i, s := range spans {
		for _, o := range spans[:i] {
			if s.first <= o.last && o.first <= s.last {
				return unsatisfiable(size)
			}
		}
		if i > 0 {
			out.WriteByte(',')
		}
		out.WriteString(strconv.FormatInt(s.first, 10))
		out.WriteByte('-')
		out.WriteString(strconv.FormatInt(s.last, 10))
	}
	return out.String()
}

// position parses a byte position: digits only, and a number too large for
// an int64 is as good as the largest, since it is past any end.
func position(s string) (int64, bool) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return math.MaxInt64, true // only too many digits gets here
	}
	return n, true
}

// withRange returns r with its Range field set to field, or removed when
// field is "". The request is copied: a handler must not change the one it
// is given.
func withRange(r *http.Request, field string) *http.Request {
	r2 := *r
	r2.Header = r.Header.Clone()
	if field == "" {
		r2.Header.Del("Range")
	} else {
		r2.Header.Set("Range", field)
	}
	return &r2
}

// jsonErrorWriter turns the plain-text errors of http.ServeContent (416 for
// a bad range, 412 for a failed precondition) into the API's JSON errors.
type jsonErrorWriter struct {
	http.ResponseWriter
	swallow bool
}

func (w *jsonErrorWriter) WriteHeader(code int) {
	if code < 400 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.swallow = true
	var body errorBody
	body.Error.Code = flick.EINVALID
	body.Error.Message = http.StatusText(code) + "."
	w.Header().Del("Content-Length")
	writeJSON(w.ResponseWriter, code, body)
}

var _ io.ReaderFrom = (*jsonErrorWriter)(nil)

// ReadFrom passes ServeContent's copy through to the connection (sendfile).
func (w *jsonErrorWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.swallow {
		return io.Copy(io.Discard, src)
	}
	return io.Copy(w.ResponseWriter, src)
}

func (w *jsonErrorWriter) Write(p []byte) (int, error) {
	if w.swallow {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// publicKey reports whether key names a blob the public may fetch: a clean
// relative path without hidden segments, and not an original upload.
func publicKey(key string) bool {
	if key == "" || path.Clean("/"+key) != "/"+key {
		return false
	}
	segs := strings.Split(key, "/")
	for _, seg := range segs {
		if seg == "" || strings.HasPrefix(seg, ".") {
			return false
		}
	}
	if segs[0] == "videos" && strings.HasPrefix(segs[len(segs)-1], "original") {
		return false
	}
	return segs[0] == "videos" || segs[0] == "avatars"
}

type statusJSON struct {
	Status string `json:"status"`
}

// healthz handles GET /healthz: the process is up.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	writeJSON(w, http.StatusOK, statusJSON{Status: "ok"})
	return nil
}

// readyz handles GET /readyz: every region's store answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *caller) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Regions.Ping(ctx); err != nil {
		// Logged with the cause; the client sees only the flick.Error.
		return fmt.Errorf("ping store: %v: %w", err, flick.Errorf(flick.EUNAVAILABLE, "The database is not answering."))
	}
	writeJSON(w, http.StatusOK, statusJSON{Status: "ready"})
	return nil
}

// metrics handles GET /metrics in the Prometheus text format.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request, _ *caller) error {
	s.promHandler.ServeHTTP(w, r)
	return nil
}

// Overloaded answers a connection over the server's connection caps, with
// one reply and no look-up: /healthz as always (the process is alive and
// serving), anything else 503 with Retry-After. It writes no log line: an
// attack would fill the log with them; the refusals are counted instead.
func (s *Server) Overloaded(retry time.Duration) http.Handler {
	busy := &flick.Error{Code: flick.EUNAVAILABLE, Message: "Flick is busy; try again in a few seconds.", RetryAfter: retry}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/healthz" {
			_ = s.healthz(w, r, nil)
			return
		}
		writeErrorBody(w, busy)
	})
}

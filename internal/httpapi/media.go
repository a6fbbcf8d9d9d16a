package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
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
func (s *Server) media(w http.ResponseWriter, r *http.Request, _ *caller) error {
	key := r.PathValue("key")
	ctype, ok := mediaTypes[path.Ext(key)]
	if !ok || !publicKey(key) {
		return flick.Errorf(flick.ENOTFOUND, "Not found.")
	}
	b, err := s.Regions.OpenMedia(r.Context(), key)
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
	if strings.HasPrefix(key, "avatars/") {
		// Avatars are replaced under the same key: revalidate each time.
		h.Set("Cache-Control", "public, no-cache")
	} else {
		// Video renditions and posters never change under their key.
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	http.ServeContent(&jsonErrorWriter{ResponseWriter: w}, r, "", b.ModTime(), b)
	return nil
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

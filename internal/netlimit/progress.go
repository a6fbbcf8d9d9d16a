package netlimit

import (
	"io"
	"net/http"
	"time"
)

// Pace is how fast a request body and a response must move. A fixed
// http.Server ReadTimeout or WriteTimeout cannot tell a slow phone uploading
// a large video, or downloading a long rendition, from a client that sends
// or reads a byte now and then to hold the connection; a pace can.
type Pace struct {
	// MinBodyRate is the least average rate, in bytes per second, at which a
	// request body must arrive.
	MinBodyRate int64
	// Stall is the longest a request body or a response may make no
	// progress; a body also gets it as a head start before MinBodyRate
	// counts.
	Stall time.Duration
}

// writeChunk is how much of a response must be taken within Stall: a
// client reading more slowly than writeChunk/Stall (8.7 KB/s with the
// default 30 s) is cut off.
const writeChunk = 256 << 10

// Handler makes next's request bodies and responses keep pace, through
// the connection's deadlines: the body's read deadline is at most Stall
// ahead and never later than Stall plus the time the bytes received so far
// would take at MinBodyRate; the response's write deadline is Stall after
// each write (a large one in writeChunk pieces). Time spent on the request
// between reading and writing counts for neither.
func (p Pace) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.Body != nil && r.Body != http.NoBody {
			b := &pacedBody{ReadCloser: r.Body, rc: rc, pace: p, start: time.Now()}
			b.extend()
			r.Body = b
		}
		// A deadline left by the previous request on this connection must
		// not cut this one's work short.
		_ = rc.SetWriteDeadline(time.Time{})
		next.ServeHTTP(&pacedWriter{ResponseWriter: w, rc: rc, stall: p.Stall}, r)
		// net/http flushes the end of the response after this returns.
		_ = rc.SetWriteDeadline(time.Now().Add(p.Stall))
	})
}

type pacedBody struct {
	io.ReadCloser
	rc       *http.ResponseController
	pace     Pace
	start    time.Time
	received int64
	deadline time.Time
}

func (b *pacedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		// The body is all here. net/http now reads ahead to notice a client
		// that goes away, and a deadline would make that read fail and cancel
		// the request while its handler works.
		_ = b.rc.SetReadDeadline(time.Time{})
	case n > 0:
		b.received += int64(n)
		b.extend()
	}
	return n, err
}

// extend moves the read deadline as far as the body's pace allows, when
// that is a noticeable step (a deadline per read would cost a timer update
// for every few kilobytes of an upload).
func (b *pacedBody) extend() {
	now := time.Now()
	earned := b.start.Add(b.pace.Stall + time.Duration(float64(b.received)/float64(b.pace.MinBodyRate)*float64(time.Second)))
	d := now.Add(b.pace.Stall)
	if earned.Before(d) {
		d = earned
	}
	if d.Sub(b.deadline) >= b.pace.Stall/64 || d.Before(b.deadline) {
		b.deadline = d
		_ = b.rc.SetReadDeadline(d)
	}
}

type pacedWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
}

func (w *pacedWriter) extend() { _ = w.rc.SetWriteDeadline(time.Now().Add(w.stall)) }

func (w *pacedWriter) WriteHeader(code int) {
	w.extend()
	w.ResponseWriter.WriteHeader(code)
}

// Write writes p in writeChunk pieces, each with its own deadline.
func (w *pacedWriter) Write(p []byte) (int, error) {
	var total int
	for len(p) > 0 {
		piece := p[:min(len(p), writeChunk)]
		w.extend()
		n, err := w.ResponseWriter.Write(piece)
		total += n
		if err != nil {
			return total, err
		}
		p = p[n:]
	}
	return total, nil
}

// ReadFrom copies src in writeChunk pieces, each with its own deadline,
// through the connection's own ReadFrom (sendfile for a file): a
// LimitedReader of a file is cut into LimitedReaders of the same file, as
// sendfile needs.
func (w *pacedWriter) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := w.ResponseWriter.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{w}, src)
	}
	outer, limited := src.(*io.LimitedReader)
	var total int64
	for {
		part := &io.LimitedReader{R: src, N: writeChunk}
		if limited {
			part = &io.LimitedReader{R: outer.R, N: min(outer.N, writeChunk)}
		}
		want := part.N
		if want == 0 {
			return total, nil
		}
		w.extend()
		n, err := rf.ReadFrom(part)
		total += n
		if limited {
			outer.N -= n
		}
		if err != nil || n < want {
			return total, err
		}
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *pacedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writerOnly hides a writer's ReadFrom from io.Copy.
type writerOnly struct{ io.Writer }

// Package netlimit bounds what a client can hold of the server without
// signing in: a listener that caps concurrent connections overall and per
// client address, and answers the connections over a cap itself, with one
// short reply each; a middleware that makes request bodies and responses
// keep moving; and the open-file limit the caps are derived from.
package netlimit

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Caps are a Listener's limits.
type Caps struct {
	// Total is the most connections served at once.
	Total int
	// PerClient is the most connections served at once from one client
	// address (an IPv4 address, or an IPv6 /64, which one host usually
	// has); 0 means no per-client cap (behind a proxy, every connection
	// comes from the proxy).
	PerClient int
	// Overflow is the most connections over a cap being answered at once;
	// any more are closed at once. One client may hold at most
	// overflowPerClient of them, so that it cannot keep health checks out.
	Overflow int
}

// overflowPerClient is the most connections over a cap one client may have
// answered at once.
const overflowPerClient = 4

// The answer to a connection over a cap is bounded in time, so that its
// slot frees quickly: headTime to read the request head, then the reply is
// written (within headTime too) and whatever the client already sent is
// drained for at most drainTime (closing over unread bytes would reset the
// connection and lose the reply).
const (
	headTime  = 500 * time.Millisecond
	drainTime = 20 * time.Millisecond
)

// Listener wraps a net.Listener with Caps. Accept returns the connections
// within the caps; it answers the others itself, each with one reply of
// its overflow handler to a request head of at most 8 KiB, and closes them.
type Listener struct {
	net.Listener
	caps     Caps
	overflow http.Handler

	mu        sync.Mutex
	total     int
	perClient map[netip.Prefix]int
	spilling  int
	spilled   map[netip.Prefix]int

	refused atomic.Int64
}

// Listen wraps l with caps; overflow answers the connections over them.
func Listen(l net.Listener, caps Caps, overflow http.Handler) *Listener {
	return &Listener{
		Listener:  l,
		caps:      caps,
		overflow:  overflow,
		perClient: map[netip.Prefix]int{},
		spilled:   map[netip.Prefix]int{},
	}
}

// Accept returns the next connection within the caps.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		client := clientOf(c.RemoteAddr())
		admitted, spill := l.admit(client)
		if admitted {
			return &conn{Conn: c, release: func() { l.release(client) }}, nil
		}
		l.refused.Add(1)
		if !spill {
			c.Close()
			continue
		}
		go func() {
			defer l.unspill(client)
			l.answer(c)
		}()
	}
}

// Active is the number of connections within the caps now open (0 on a
// nil Listener: none is listening yet).
func (l *Listener) Active() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// Refused is the number of connections turned away by a cap so far.
func (l *Listener) Refused() int64 {
	if l == nil {
		return 0
	}
	return l.refused.Load()
}

// admit takes a place under the caps for client, or else an overflow slot
// (spill), or neither.
func (l *Listener) admit(client netip.Prefix) (admitted, spill bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total < l.caps.Total && (l.caps.PerClient <= 0 || l.perClient[client] < l.caps.PerClient) {
		l.total++
		l.perClient[client]++
		return true, false
	}
	if l.spilling < l.caps.Overflow && l.spilled[client] < overflowPerClient {
		l.spilling++
		l.spilled[client]++
		return false, true
	}
	return false, false
}

func (l *Listener) release(client netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perClient[client]--; l.perClient[client] <= 0 {
		delete(l.perClient, client)
	}
}

func (l *Listener) unspill(client netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.spilling--
	if l.spilled[client]--; l.spilled[client] <= 0 {
		delete(l.spilled, client)
	}
}

// answer reads one request head from c, writes the overflow handler's reply
// and closes c.
func (l *Listener) answer(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(headTime))
	req, err := http.ReadRequest(bufio.NewReader(io.LimitReader(c, 8<<10)))
	if err != nil {
		return
	}
	reply := &bufferedReply{header: http.Header{}, status: http.StatusOK}
	l.overflow.ServeHTTP(reply, req)
	resp := &http.Response{StatusCode: reply.status, ProtoMajor: 1, ProtoMinor: 1, Header: reply.header,
		ContentLength: int64(reply.body.Len()), Body: io.NopCloser(&reply.body), Close: true}
	resp.Header.Set("Content-Length", strconv.Itoa(reply.body.Len()))
	if err := resp.Write(c); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = c.SetReadDeadline(time.Now().Add(drainTime))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// bufferedReply is an overflow reply: small, written at once.
type bufferedReply struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *bufferedReply) Header() http.Header         { return r.header }
func (r *bufferedReply) WriteHeader(status int)      { r.status = status }
func (r *bufferedReply) Write(p []byte) (int, error) { return r.body.Write(p) }

// clientOf is the address a per-client cap counts: the IPv4 address, or the
// IPv6 /64.
func clientOf(addr net.Addr) netip.Prefix {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return netip.Prefix{} // not IP: one shared bucket
	}
	ip := ap.Addr().Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// conn releases its place under the caps when closed, once.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// ReadFrom keeps the TCP connection's sendfile path for net/http, which
// looks for io.ReaderFrom on the connection it serves.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// CloseWrite lets net/http half-close the connection as it does a TCP one.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

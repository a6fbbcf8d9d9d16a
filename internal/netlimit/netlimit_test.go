package netlimit

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serve runs h on a real loopback listener under caps, with the
// connections over them answered by overflow, and returns the address.
func serve(t *testing.T, caps Caps, h, overflow http.Handler) (string, *Listener) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Listen(inner, caps, overflow)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return inner.Addr().String(), l
}

// dialFrom opens a connection to addr from the loopback address from
// (127.0.0.x: Linux answers on all of 127/8, so a test can be many clients).
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends a GET for path on c and returns the status line.
func get(t *testing.T, c net.Conn, path string) string {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
		return "write: " + err.Error()
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "read: " + err.Error()
	}
	return strings.TrimSpace(line)
}

// holdBody starts a request that announces a body and sends none: what
// exhausted the server's file descriptors before the caps.
func holdBody(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
}

func TestCaps(t *testing.T) {
	started := make(chan struct{}, 100)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			started <- struct{}{}
			_, _ = io.Copy(io.Discard, r.Body)
		}
		w.WriteHeader(http.StatusOK)
	})
	overflow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	addr, l := serve(t, Caps{Total: 6, PerClient: 3, Overflow: 8}, h, overflow)
	wait := func(n int) {
		for range n {
			select {
			case <-started:
			case <-time.After(5 * time.Second):
				t.Fatal("a held request never reached the handler")
			}
		}
	}

	// One client holds its 3; its 4th connection is refused, another
	// client's is served.
	for range 3 {
		holdBody(t, dialFrom(t, "127.0.0.2", addr))
	}
	wait(3)
	if got := get(t, dialFrom(t, "127.0.0.2", addr), "/"); got != "HTTP/1.1 503 Service Unavailable" {
		t.Errorf("over the per-client cap: %q", got)
	}
	if got := get(t, dialFrom(t, "127.0.0.3", addr), "/"); got != "HTTP/1.1 200 OK" {
		t.Errorf("another client: %q", got)
	}
	// Two more clients fill the overall cap (the other client's connection
	// stays open, idle): everybody is refused, but health checks are
	// answered.
	for _, ip := range []string{"127.0.0.4", "127.0.0.5"} {
		holdBody(t, dialFrom(t, ip, addr))
	}
	wait(2)
	if got := get(t, dialFrom(t, "127.0.0.9", addr), "/"); got != "HTTP/1.1 503 Service Unavailable" {
		t.Errorf("over the overall cap: %q", got)
	}
	if got := get(t, dialFrom(t, "127.0.0.9", addr), "/healthz"); got != "HTTP/1.1 200 OK" {
		t.Errorf("/healthz over the overall cap: %q", got)
	}
	if got := l.Active(); got != 6 {
		t.Errorf("active connections %d, want 6", got)
	}
	// One client holds at most 4 overflow slots; with every slot held,
	// more connections are closed at once.
	for range 5 {
		dialFrom(t, "127.0.0.10", addr) // says nothing: holds an overflow slot
	}
	time.Sleep(100 * time.Millisecond)
	if got := get(t, dialFrom(t, "127.0.0.12", addr), "/healthz"); got != "HTTP/1.1 200 OK" {
		t.Errorf("/healthz with one client holding overflow slots: %q", got)
	}
	for _, ip := range []string{"127.0.0.13", "127.0.0.14"} {
		for range 4 {
			dialFrom(t, ip, addr)
		}
	}
	time.Sleep(100 * time.Millisecond)
	c := dialFrom(t, "127.0.0.11", addr)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Errorf("with every overflow slot busy a connection got %d bytes, want it closed", n)
	}
	if l.Refused() < 7 {
		t.Errorf("refused %d, want at least 7", l.Refused())
	}
}

func TestClientOf(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"192.0.2.1:1000", "192.0.2.1:2000"},
		{"[2001:db8:1:2:aaaa::1]:1", "[2001:db8:1:2:bbbb::2]:2"},
		{"[::ffff:192.0.2.1]:1", "192.0.2.1:2"},
	} {
		a, _ := net.ResolveTCPAddr("tcp", tc.a)
		b, _ := net.ResolveTCPAddr("tcp", tc.b)
		if clientOf(a) != clientOf(b) {
			t.Errorf("%s and %s are different clients: %v, %v", tc.a, tc.b, clientOf(a), clientOf(b))
		}
	}
	a, _ := net.ResolveTCPAddr("tcp", "[2001:db8:1:2::1]:1")
	b, _ := net.ResolveTCPAddr("tcp", "[2001:db8:1:3::1]:1")
	if clientOf(a) == clientOf(b) {
		t.Error("two IPv6 /64s are one client")
	}
}

func TestMaxConnections(t *testing.T) {
	for files, want := range map[uint64]int{256: 64, 1024: 64, 2048: 512, 20000: 9488, 1 << 20: 10000} {
		if got := MaxConnections(files); got != want {
			t.Errorf("MaxConnections(%d) = %d, want %d", files, got, want)
		}
	}
}

// TestPace sends request bodies at several paces through a real
// connection: a trickle is cut within the bound, a slow but steady upload
// is not; a client that stops reading a response is cut, a slow reader is
// not.
func TestPace(t *testing.T) {
	const stall = 600 * time.Millisecond
	pace := Pace{MinBodyRate: 2000, Stall: stall}
	type result struct {
		n   int64
		err error
	}
	results := make(chan result, 1)
	big := strings.Repeat("x", 16<<20)
	h := pace.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			n, err := io.Copy(io.Discard, r.Body)
			results <- result{n, err}
			return
		}
		if r.URL.Path == "/copy" {
			_, _ = io.Copy(w, struct{ io.Reader }{strings.NewReader(big)}) // through ReadFrom
		} else {
			_, _ = w.Write([]byte(big)) // one large Write
		}
	}))
	addr, _ := serve(t, Caps{Total: 10, Overflow: 1}, h, http.NotFoundHandler())

	upload := func(every time.Duration, chunk, total int) (result, time.Duration) {
		c := dialFrom(t, "127.0.0.1", addr)
		start := time.Now()
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", total)
		go func() {
			for sent := 0; sent < total; sent += chunk {
				if _, err := c.Write([]byte(strings.Repeat("y", chunk))); err != nil {
					return
				}
				time.Sleep(every)
			}
		}()
		select {
		case r := <-results:
			return r, time.Since(start)
		case <-time.After(20 * time.Second):
			t.Fatal("the body was never cut or finished")
		}
		return result{}, 0
	}
	t.Run("trickle", func(t *testing.T) {
		// A byte every 300 ms: within the stall, but far below the rate.
		r, took := upload(300*time.Millisecond, 1, 1000)
		if r.err == nil || took > stall+time.Second {
			t.Errorf("a trickle read %d bytes in %s (err %v), want cut within %s", r.n, took, r.err, stall+time.Second)
		}
	})
	t.Run("stall", func(t *testing.T) {
		r, took := upload(10*time.Second, 10000, 20000)
		if r.err == nil || r.n != 10000 || took > 10000/2000*time.Second+stall+time.Second {
			t.Errorf("a stalled body read %d bytes in %s (err %v), want cut", r.n, took, r.err)
		}
	})
	t.Run("slow and steady", func(t *testing.T) {
		// 4 KB/s for 3 s: twice the least rate, five stalls long.
		r, took := upload(100*time.Millisecond, 400, 12000)
		if r.err != nil || r.n != 12000 {
			t.Errorf("a steady upload read %d bytes in %s: %v", r.n, took, r.err)
		}
	})
	t.Run("reader that stops", func(t *testing.T) {
		c := dialFrom(t, "127.0.0.1", addr)
		c.(*net.TCPConn).SetReadBuffer(4 << 10)
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		time.Sleep(stall * 4) // reads nothing: the server's writes stall
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _ := io.Copy(io.Discard, c)
		if n >= int64(len(big)) {
			t.Errorf("a reader that stopped got the whole response (%d bytes)", n)
		}
	})
	for _, path := range []string{"/copy", "/write"} {
		t.Run("slow reader "+path, func(t *testing.T) {
			c := dialFrom(t, "127.0.0.1", addr)
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
			var n int64
			buf := make([]byte, 64<<10)
			for {
				m, err := c.Read(buf)
				n += int64(m)
				if err != nil {
					break
				}
				time.Sleep(5 * time.Millisecond) // at most 12 MB/s: 16 MiB take longer than the stall
			}
			if n < int64(len(big)) {
				t.Errorf("a slow reader got %d of %d bytes", n, len(big))
			}
		})
	}
}

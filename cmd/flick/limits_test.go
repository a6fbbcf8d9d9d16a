package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flick-video/flick/internal/testenv"
)

// TestConnectionLimits attacks a real server as the probe did: a thousand
// connections from fifty addresses, each sending a request's headers with
// a Content-Length and no body. The server keeps within its caps, answers
// /healthz all along and refuses the rest with 503 and Retry-After.
func TestConnectionLimits(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	// A stall bound longer than the test: the held connections stay held.
	ta := startTestAppWith(t, limitsConfig(t, time.Hour))
	addr := strings.TrimPrefix(ta.URL, "http://")
	dialed := attack(t, addr, 1000, 50)
	start := time.Now()
	for ta.App.listener.Refused() < int64(dialed-200) && time.Since(start) < 20*time.Second {
		time.Sleep(10 * time.Millisecond) // the server is still accepting the backlog
	}
	if got := ta.App.listener.Refused(); got < int64(dialed-200) {
		t.Errorf("%d of %d connections refused, want all but the cap of 200", got, dialed)
	}
	if got := ta.App.listener.Active(); got != 200 {
		t.Errorf("%d connections held, want the cap of 200", got)
	}
	for range 5 {
		start := time.Now()
		if status, _ := request(t, "127.0.2.1", addr, "GET /healthz"); status != "HTTP/1.1 200 OK" || time.Since(start) > time.Second {
			t.Errorf("/healthz under attack: %q after %s", status, time.Since(start))
		}
	}
	if status, header := request(t, "127.0.2.2", addr, "GET /api/v1/trending"); status != "HTTP/1.1 503 Service Unavailable" || !strings.Contains(header, "Retry-After: 5") {
		t.Errorf("over the cap: %q\n%s", status, header)
	}
	if got := ta.App.listener.Active(); got != 200 {
		t.Errorf("%d connections held after the checks, want the cap of 200", got)
	}
}

// TestConnectionPace: the same attack against a server with a one-second
// stall bound. The held connections are cut, a trickle of one byte every
// 300 ms is cut within the bound, and the server serves normally again.
func TestConnectionPace(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	const stall = time.Second
	ta := startTestAppWith(t, limitsConfig(t, stall))
	addr := strings.TrimPrefix(ta.URL, "http://")
	attack(t, addr, 300, 50)
	start := time.Now()
	for (ta.App.listener.Active() > 0 || time.Since(start) < stall) && time.Since(start) < 20*time.Second {
		time.Sleep(50 * time.Millisecond)
	}
	if got := ta.App.listener.Active(); got != 0 {
		t.Errorf("%d connections still held %s after the attack", got, time.Since(start))
	}

	trickle, err := dialFrom("127.0.3.1", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer trickle.Close()
	fmt.Fprintf(trickle, "POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
	start = time.Now()
	go func() {
		for {
			if _, err := trickle.Write([]byte("{")); err != nil {
				return
			}
			time.Sleep(300 * time.Millisecond)
		}
	}()
	_ = trickle.SetReadDeadline(time.Now().Add(30 * time.Second))
	reply, _ := io.ReadAll(trickle)
	if took := time.Since(start); took > stall+2*time.Second {
		t.Errorf("the trickle was cut after %s, want within %s", took, stall+2*time.Second)
	}
	if !strings.HasPrefix(string(reply), "HTTP/1.1 408 ") {
		t.Errorf("the trickle got %q, want a 408", reply)
	}
	if status, _ := request(t, "127.0.1.1", addr, "GET /api/v1/trending"); status != "HTTP/1.1 200 OK" {
		t.Errorf("after the attack: %q", status)
	}
}

// limitsConfig is a server with small caps (200 connections, 20 per
// client), a least body rate of 1 KiB/s and the stall bound stall.
func limitsConfig(t *testing.T, stall time.Duration) Config {
	return Config{Addr: "127.0.0.1:0", Data: t.TempDir(), MaxUploadBytes: 1 << 20, MaxDuration: time.Minute,
		Workers: 1, LogFormat: "text", LogLevel: slog.LevelError,
		MaxConns: 200, MaxConnsPerClient: 20, MinBodyRate: 1 << 10, StallTimeout: stall}
}

// attack opens n connections from clients addresses (127.0.1.x), each
// sending a request's headers that announce a body it never sends, and
// returns how many it opened; they close when the test ends.
func attack(t *testing.T, addr string, n, clients int) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dialFrom(fmt.Sprintf("127.0.1.%d", i%clients+1), addr)
			if err != nil {
				return
			}
			fmt.Fprintf(c, "POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	return len(conns)
}

// request sends one request line from the address from and returns the
// status line and the header.
func request(t *testing.T, from, addr, line string) (status, header string) {
	t.Helper()
	c, err := dialFrom(from, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", line)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "read: " + err.Error(), ""
	}
	defer resp.Body.Close()
	var b strings.Builder
	_ = resp.Header.Write(&b)
	return "HTTP/1.1 " + resp.Status, b.String()
}

// TestHSTS: Strict-Transport-Security on every answer, pages and API, when
// the instance is served over TLS, and never over plain HTTP.
func TestHSTS(t *testing.T) {
	testenv.RequireTool(t, "ffmpeg")
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		want string
	}{
		{"plain http", func(*Config) {}, ""},
		{"secure cookies", func(c *Config) { c.SecureCookies = true }, "max-age=31536000"},
		{"https public URL", func(c *Config) { c.PublicURL = mustPublicURL(t, "https://flick.example") }, "max-age=31536000"},
		{"http public URL", func(c *Config) { c.PublicURL = mustPublicURL(t, "http://flick.example") }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Addr: "127.0.0.1:0", Data: t.TempDir(), MaxUploadBytes: 1 << 20, MaxDuration: time.Minute, Workers: 1, LogFormat: "text", LogLevel: slog.LevelError}
			tc.cfg(&cfg)
			ta := startTestAppWith(t, cfg)
			for _, path := range []string{"/", "/api/v1/trending", "/healthz", "/api/v1/nothing"} {
				resp, err := http.Get(ta.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := resp.Header.Get("Strict-Transport-Security"); got != tc.want {
					t.Errorf("%s: Strict-Transport-Security %q, want %q", path, got, tc.want)
				}
			}
		})
	}
}

// Package mailtest runs a real SMTP server for tests: Mailpit
// (github.com/axllent/mailpit), started on free ports, with its HTTP API to
// read what arrived. Tests skip without mailpit, and fail under CI.
package mailtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick/internal/testenv"
)

// Server is a running Mailpit.
type Server struct {
	SMTPAddr string // host:port of its SMTP listener
	api      string
	t        testing.TB
}

// Start runs mailpit with args added (e.g. TLS flags) until the test ends.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin := testenv.RequireTool(t, "mailpit")
	smtpAddr, uiAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin, append([]string{"--smtp", smtpAddr, "--listen", uiAddr, "--quiet",
		"--database", t.TempDir() + "/mailpit.db", "--smtp-disable-rdns"}, args...)...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	s := &Server{SMTPAddr: smtpAddr, api: "http://" + uiAddr + "/api/v1", t: t}
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(s.api + "/info"); err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", smtpAddr); err == nil {
				c.Close()
				return s
			}
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("mailpit did not start: %s", out.String())
		}
	}
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Message is a received message as Mailpit reports it.
type Message struct {
	ID      string
	To      []struct{ Address string }
	Subject string
	Text    string
}

// Messages returns every message received so far, newest first, with their
// text.
func (s *Server) Messages() []Message {
	s.t.Helper()
	var list struct{ Messages []Message }
	s.get("/messages", &list)
	for i := range list.Messages {
		s.get("/message/"+list.Messages[i].ID, &list.Messages[i])
	}
	return list.Messages
}

// WaitFor waits up to 10 s for n messages to have arrived, and returns them.
func (s *Server) WaitFor(n int) []Message {
	s.t.Helper()
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		msgs := s.Messages()
		if len(msgs) >= n {
			return msgs
		}
		if time.Since(start) > 10*time.Second {
			s.t.Fatalf("%d messages arrived, want %d", len(msgs), n)
		}
	}
}

func (s *Server) get(path string, v any) {
	s.t.Helper()
	resp, err := http.Get(s.api + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("mailpit GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		s.t.Fatalf("mailpit GET %s: %v", path, err)
	}
}

// URL is an smtp:// URL of the server sending from from.
func (s *Server) URL(scheme, from string) string {
	return fmt.Sprintf("%s://%s?from=%s", scheme, s.SMTPAddr, from)
}

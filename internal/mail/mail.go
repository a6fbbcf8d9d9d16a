// Package mail sends Flick's few emails (password resets) through the
// operator's SMTP server, with the standard library's net/smtp. The server
// is named by one URL, smtp://user:password@host:port?from=address: smtp://
// upgrades to TLS with STARTTLS whenever the server offers it (and never
// sends credentials in the clear: net/smtp refuses that except to
// localhost), smtps:// speaks TLS from the first byte. The password is
// never part of an error, a log line or String.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// Sender sends mail through one SMTP server.
type Sender struct {
	addr        string // host:port
	host        string
	implicitTLS bool
	user, pass  string
	from        mail.Address
	redacted    string

	// rootCAs verifies the server's certificate (nil: the system's);
	// tests set it to trust their own server.
	rootCAs *x509.CertPool
}

// Parse reads an SMTP URL. Errors name what is wrong without repeating
// the URL, which holds the password.
func Parse(raw string) (*Sender, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("SMTP URL is not a URL: want smtp://user:password@host:port?from=address")
	}
	s := &Sender{}
	port := ""
	switch u.Scheme {
	case "smtp":
		port = "587"
	case "smtps":
		port, s.implicitTLS = "465", true
	default:
		return nil, fmt.Errorf("SMTP URL scheme must be smtp or smtps, not %q", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("SMTP URL needs a host")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	from, err := mail.ParseAddress(u.Query().Get("from"))
	if err != nil {
		return nil, errors.New("SMTP URL needs ?from= with the address mail is sent from, e.g. ?from=flick@example.com")
	}
	s.from = *from
	s.redacted = u.Redacted()
	return s, nil
}

// String is the URL with its password hidden.
func (s *Sender) String() string { return s.redacted }

// From is the address mail is sent from.
func (s *Sender) From() string { return s.from.Address }

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Body    string
}

// Send delivers m within ctx's deadline (a minute when it has none).
func (s *Sender) Send(ctx context.Context, m Message) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("send mail via %s: %w", s.addr, err)
		}
	}()
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	msg, err := s.compose(to, m)
	if err != nil {
		return err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	conn, err := (&net.Dialer{Deadline: deadline}).DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	// Cancelling ctx ends a slow conversation at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	tlsConfig := &tls.Config{ServerName: s.host, RootCAs: s.rootCAs, MinVersion: tls.VersionTLS12}
	if s.implicitTLS {
		conn = tls.Client(conn, tlsConfig)
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return err
			}
		}
	}
	if s.user != "" {
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("authenticate: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to.Address); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose writes the message: UTF-8 text, quoted-printable, with the
// subject encoded so that no header can be injected through it.
func (s *Sender) compose(to *mail.Address, m Message) ([]byte, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	var b bytes.Buffer
	for _, h := range [][2]string{
		{"From", s.from.String()},
		{"To", to.String()},
		{"Subject", mime.QEncoding.Encode("utf-8", m.Subject)},
		{"Date", time.Now().Format(time.RFC1123Z)},
		{"Message-ID", "<" + hex.EncodeToString(id) + "@" + domain + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
	} {
		if strings.ContainsAny(h[1], "\r\n") {
			return nil, fmt.Errorf("header %s has a line break", h[0])
		}
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

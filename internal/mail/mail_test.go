package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flick-video/flick/internal/mail/mailtest"
)

func TestParse(t *testing.T) {
	s, err := Parse("smtp://flick:s3cret-pass@mail.example.com?from=Flick%20<flick@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	if s.addr != "mail.example.com:587" || s.implicitTLS || s.user != "flick" || s.pass != "s3cret-pass" || s.From() != "flick@example.com" {
		t.Errorf("parsed %+v", s)
	}
	if strings.Contains(s.String(), "s3cret") {
		t.Errorf("String shows the password: %s", s)
	}
	if s, err := Parse("smtps://mail.example.com?from=a@example.com"); err != nil || s.addr != "mail.example.com:465" || !s.implicitTLS {
		t.Errorf("smtps: %+v, %v", s, err)
	}
	for _, bad := range []string{
		"smtp://user:s3cret-pass@mail.example.com",            // no from
		"http://user:s3cret-pass@mail.example.com?from=a@b.c", // scheme
		"smtp://user:s3cret-pass@?from=a@b.c",                 // host
		"smtp://user:s3cret pass@host\x7f?from=a@b.c",         // not a URL
	} {
		_, err := Parse(bad)
		if err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestSendThroughMailpit(t *testing.T) {
	ctx := context.Background()
	msg := Message{To: "Ann <ann@example.com>", Subject: "Réinitialiser\r\nBcc: evil@example.com", Body: "Bonjour Ann,\n\nhttps://flick.example/reset-password#abc\n"}
	check := func(t *testing.T, srv *mailtest.Server) {
		t.Helper()
		got := srv.WaitFor(1)[0]
		if len(got.To) != 1 || got.To[0].Address != "ann@example.com" || got.Subject != "Réinitialiser  Bcc: evil@example.com" && got.Subject != "Réinitialiser\r\nBcc: evil@example.com" {
			t.Errorf("received to %v subject %q", got.To, got.Subject)
		}
		if !strings.Contains(got.Text, "https://flick.example/reset-password#abc") || !strings.Contains(got.Text, "Bonjour Ann,") {
			t.Errorf("received text %q", got.Text)
		}
	}
	t.Run("plain", func(t *testing.T) {
		srv := mailtest.Start(t)
		s, err := Parse(srv.URL("smtp", "flick@example.com"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(ctx, msg); err != nil {
			t.Fatal(err)
		}
		check(t, srv)
	})
	cert, key, pool := selfSigned(t)
	// send sends msg through the TLS-speaking server at url, trusting its
	// certificate if trusted.
	send := func(t *testing.T, url string, trusted bool) error {
		t.Helper()
		s, err := Parse(url)
		if err != nil {
			t.Fatal(err)
		}
		if trusted {
			s.rootCAs = pool
		}
		return s.Send(ctx, msg)
	}
	t.Run("STARTTLS when offered", func(t *testing.T) {
		srv := mailtest.Start(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls",
			"--smtp-auth-accept-any")
		url := strings.Replace(srv.URL("smtp", "flick@example.com"), "smtp://", "smtp://flick:s3cret@", 1)
		if err := send(t, url, true); err != nil {
			t.Fatal(err)
		}
		check(t, srv)
		// An untrusted certificate is refused, never ignored.
		if err := send(t, url, false); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("sent over a TLS connection to an unverified server: %v", err)
		}
	})
	t.Run("implicit TLS", func(t *testing.T) {
		srv := mailtest.Start(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-tls")
		if err := send(t, srv.URL("smtps", "flick@example.com"), true); err != nil {
			t.Fatal(err)
		}
		check(t, srv)
	})
	t.Run("cancelled", func(t *testing.T) {
		// A server that accepts and never speaks: the context ends the wait.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		s, _ := Parse("smtp://" + l.Addr().String() + "?from=flick@example.com")
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := s.Send(ctx, msg); err == nil || time.Since(start) > 5*time.Second {
			t.Fatalf("silent server: %v after %v", err, time.Since(start))
		}
	})
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

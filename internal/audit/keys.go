package audit

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Key files in a log's directory.
const (
	signerName   = "signer.key"   // secret: signs checkpoints (unless kept elsewhere)
	verifierName = "verifier.key" // public: checks them
)

// loadKeys reads the key pair at spath and vpath, generating it when neither
// file exists, and checks that the two belong together.
func loadKeys(spath, vpath string) (note.Signer, string, error) {
	skey, serr := os.ReadFile(spath)
	vkey, verr := os.ReadFile(vpath)
	switch {
	case errors.Is(serr, fs.ErrNotExist) && errors.Is(verr, fs.ErrNotExist):
		s, v, err := note.GenerateKey(rand.Reader, Origin)
		if err != nil {
			return nil, "", err
		}
		// A crash between the two writes leaves one file without the
		// other, which the next Open refuses: delete it to start afresh.
		if err := writeKeyFile(vpath, v, 0o644); err != nil {
			return nil, "", err
		}
		if err := writeKeyFile(spath, s, 0o600); err != nil {
			return nil, "", err
		}
		skey, vkey = []byte(s), []byte(v)
	case errors.Is(serr, fs.ErrNotExist):
		return nil, "", fmt.Errorf("signing key: %w (if it is kept elsewhere, say where with --audit-key)", serr)
	case serr != nil:
		return nil, "", fmt.Errorf("signing key: %w", serr)
	case verr != nil:
		return nil, "", fmt.Errorf("verifier key: %w", verr)
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", spath, err)
	}
	v := strings.TrimSpace(string(vkey))
	verifier, err := note.NewVerifier(v)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", vpath, err)
	}
	// Sign and check a probe, so that a mismatched pair fails here and not
	// at the next verification.
	probe, err := note.Sign(&note.Note{Text: "key check\n"}, signer)
	if err != nil {
		return nil, "", err
	}
	if _, err := note.Open(probe, note.VerifierList(verifier)); err != nil {
		return nil, "", fmt.Errorf("%s does not match %s: %w", vpath, spath, err)
	}
	return signer, v, nil
}

// readVerifierKey reads the verifier key of the log in dir.
func readVerifierKey(dir string) (note.Verifier, string, error) {
	b, err := os.ReadFile(filepath.Join(dir, verifierName))
	if err != nil {
		return nil, "", fmt.Errorf("verifier key: %w", err)
	}
	vkey := strings.TrimSpace(string(b))
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", verifierName, err)
	}
	return v, vkey, nil
}

// writeKeyFile writes a key durably and atomically: to a temporary file,
// synced, then renamed into place.
func writeKeyFile(path, key string, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.WriteString(key + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

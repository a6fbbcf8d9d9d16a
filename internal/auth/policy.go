package auth

import (
	"bufio"
	_ "embed"
	"strings"
	"unicode/utf8"

	"github.com/flick-video/flick"
)

// Password length limits (OWASP ASVS 2.1.1 and 2.1.2: at least 8 characters
// and at least 64 allowed). The upper bound keeps hashing cost bounded.
const (
	MinPasswordRunes = 8
	MaxPasswordRunes = 128
)

// commonPasswords is the breached-password list of ASVS 2.1.7; the file
// names its source.
//
//go:embed common-passwords.txt
var commonPasswords string

// Policy checks new passwords: length only, no composition rules (ASVS
// 2.1.9), and none of the most common passwords.
type Policy struct {
	common map[string]struct{}
}

// NewPolicy parses the embedded list of common passwords.
func NewPolicy() *Policy {
	p := &Policy{common: make(map[string]struct{}, 4096)}
	sc := bufio.NewScanner(strings.NewReader(commonPasswords))
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			p.common[line] = struct{}{}
		}
	}
	return p
}

// Validate returns an EUNPROCESSABLE error saying what is wrong with
// password, or nil. Passwords are taken as typed: no trimming or
// normalisation, so every character counts.
func (p *Policy) Validate(password string) error {
	if !utf8.ValidString(password) {
		return flick.Errorf(flick.EINVALID, "Password must be valid UTF-8 text.")
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordRunes {
		return flick.Errorf(flick.EUNPROCESSABLE, "Password must be at least %d characters.", MinPasswordRunes)
	}
	if n > MaxPasswordRunes {
		return flick.Errorf(flick.EUNPROCESSABLE, "Password must be at most %d characters.", MaxPasswordRunes)
	}
	if _, ok := p.common[strings.ToLower(password)]; ok {
		return flick.Errorf(flick.EUNPROCESSABLE, "This password is one of the most commonly used ones; choose another.")
	}
	return nil
}

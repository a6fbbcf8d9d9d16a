package flick

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestValidateHandle(t *testing.T) {
	tests := []struct {
		handle string
		ok     bool
	}{
		{"ab", true},
		{"alice", true},
		{"a.b_c9", true},
		{"9lives", true},
		{"a_", true},
		{strings.Repeat("a", 30), true},
		{"a", false},
		{strings.Repeat("a", 31), false},
		{"Alice", false}, // not normalized
		{"_alice", false},
		{".alice", false},
		{"alice.", false}, // "@alice." would mention "alice"
		{"a..b", false},
		{"al ice", false},
		{"al-ice", false},
		{"ålice", false},
		{"a%", false},
		{"ab\x00", false},
		{"", false},
	}
	for _, tc := range tests {
		err := ValidateHandle(tc.handle)
		if (err == nil) != tc.ok || err != nil && ErrorCode(err) != EINVALID {
			t.Errorf("ValidateHandle(%q) = %v, want ok=%v", tc.handle, err, tc.ok)
		}
	}
}

func TestNormalizeHandle(t *testing.T) {
	for in, want := range map[string]string{"@Alice": "alice", "  BOB ": "bob", "@@x": "@x"} {
		if got := NormalizeHandle(in); got != want {
			t.Errorf("NormalizeHandle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateEmail(t *testing.T) {
	tests := []struct {
		email string
		ok    bool
	}{
		{"", true},
		{"a@example.com", true},
		{"first.last+tag@sub.example.org", true},
		{"no-at-sign", false},
		{"Name <a@example.com>", false},
		{"a@example.com, b@example.com", false},
		{" a@example.com", false},
		{"a@example.com\n", false},
		{strings.Repeat("a", 250) + "@x.io", false},
	}
	for _, tc := range tests {
		if err := ValidateEmail(tc.email); (err == nil) != tc.ok {
			t.Errorf("ValidateEmail(%q) = %v, want ok=%v", tc.email, err, tc.ok)
		}
	}
}

func TestParseBirthdate(t *testing.T) {
	now := time.Date(2030, 6, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		code string
	}{
		{"2000-01-01", ""},
		{"2017-06-15", ""},                 // 13 today
		{"2017-06-16", EUNPROCESSABLE},     // 13 tomorrow
		{"2025-01-01", EUNPROCESSABLE},     // a child
		{"2030-06-16", EINVALID},           // the future
		{"1899-12-31", EINVALID},           // implausible
		{"2000-02-30", EINVALID},           // no such day
		{"2000-1-1", EINVALID},             // not YYYY-MM-DD
		{"01/01/2000", EINVALID},           //
		{"2000-01-01T00:00:00Z", EINVALID}, //
		{"", EINVALID},
	}
	for _, tc := range tests {
		d, err := ParseBirthdate(tc.in, now)
		if got := ErrorCode(err); got != tc.code {
			t.Errorf("ParseBirthdate(%q) = %v, %v; want code %q", tc.in, d, err, tc.code)
		}
		if err == nil && d.Format(time.DateOnly) != tc.in {
			t.Errorf("ParseBirthdate(%q) = %v", tc.in, d)
		}
	}
}

func TestAge(t *testing.T) {
	date := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		birth, now string
		want       int
	}{
		{"2000-06-15", "2030-06-14", 29},
		{"2000-06-15", "2030-06-15", 30},
		{"2000-06-15", "2030-12-31", 30},
		{"2000-12-31", "2001-01-01", 0},
		{"2000-02-29", "2013-02-28", 12}, // a leap-day birthday comes on 1 March
		{"2000-02-29", "2013-03-01", 13},
		{"2000-02-29", "2004-02-29", 4},
	}
	for _, tc := range tests {
		if got := Age(date(tc.birth), date(tc.now)); got != tc.want {
			t.Errorf("Age(%s, %s) = %d, want %d", tc.birth, tc.now, got, tc.want)
		}
	}
}

// validateHandleLoop is ValidateHandle as it was before the rule became
// HandlePattern: the reference the pattern must agree with.
func validateHandleLoop(h string) error {
	if len(h) < 2 || len(h) > 30 {
		return Errorf(EINVALID, "Handle must be 2 to 30 characters.")
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (i > 0 && (c == '_' || c == '.'))
		if !ok {
			return Errorf(EINVALID, "Handle may contain only letters, digits, '_' and '.', and must start with a letter or digit.")
		}
		if c == '.' && (i == len(h)-1 || h[i+1] == '.') {
			return Errorf(EINVALID, "Handle may not end with '.' or contain '..'.")
		}
	}
	return nil
}

// TestHandlePatternMatchesLoop: ValidateHandle, deciding with HandlePattern
// and the length bounds, accepts exactly what the loop it replaced accepted,
// on every short string over characters at and beside each class's edges and
// on long random ones around the length bounds; and it refuses with the
// loop's message, except that a handle with both a bad character and a bad
// dot may be told about the character first.
func TestHandlePatternMatchesLoop(t *testing.T) {
	var corpus []string
	var all func(prefix string, n int, alphabet []string)
	all = func(prefix string, n int, alphabet []string) {
		corpus = append(corpus, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			all(prefix+c, n-1, alphabet)
		}
	}
	all("", 4, []string{"a", "z", "0", "9", "_", ".", "`", "{", "/", ":", "A", "-", " ", "\n", "é"})
	all("", 6, []string{"a", "9", "_", ".", "A"})
	// Long ones: mostly valid characters with a rare dot, and in one of four
	// a character swapped for a bad one, so that many pass.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := []byte{"az09_."[rng.IntN(6)]}
		for len(b) < 27+rng.IntN(6) {
			b = append(b, "abyz0189_."[rng.IntN(10)])
		}
		if rng.IntN(4) == 0 {
			b[rng.IntN(len(b))] = "-A. \xff"[rng.IntN(5)]
		}
		corpus = append(corpus, string(b))
	}
	badChar := func(h string) bool {
		return h[0] == '_' || h[0] == '.' || strings.IndexFunc(h, func(r rune) bool {
			return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '.'
		}) >= 0
	}
	badDot := func(h string) bool { return strings.Contains(h, "..") || strings.HasSuffix(h, ".") }
	valid := 0
	for _, h := range corpus {
		got, want := ValidateHandle(h), validateHandleLoop(h)
		switch {
		case (got == nil) != (want == nil):
			t.Errorf("ValidateHandle(%q) = %v, the loop says %v", h, got, want)
		case got == nil:
			valid++
		case got.Error() != want.Error() && !(badChar(h) && badDot(h)):
			t.Errorf("ValidateHandle(%q) = %v, the loop says %v", h, got, want)
		}
	}
	if valid < len(corpus)/20 {
		t.Errorf("only %d of %d strings are valid handles: the corpus tests little", valid, len(corpus))
	}
}

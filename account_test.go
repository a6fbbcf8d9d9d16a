package flick

import (
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

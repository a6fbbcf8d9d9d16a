package flick

import (
	"sort"
	"strings"
	"testing"
	"time"
)

func TestNewIDUniqueAndOrderedWithinAMillisecond(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	last := ""
	for range 100000 {
		id := NewID(now)
		if !ValidID(id) {
			t.Fatalf("NewID made %q, which ValidID refuses", id)
		}
		if id <= last {
			t.Fatalf("ID %q made after %q in the same millisecond does not sort after it", id, last)
		}
		last = id
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	times := []time.Time{
		time.UnixMilli(0),
		time.UnixMilli(1),
		time.Date(2001, 9, 9, 1, 46, 40, 0, time.UTC),
		time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2030, 1, 1, 0, 0, 0, int(time.Millisecond), time.UTC),
		time.Date(2999, 12, 31, 0, 0, 0, 0, time.UTC),
	}
	var ids []string
	for _, tm := range times {
		ids = append(ids, NewID(tm))
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("IDs of increasing times do not sort: %v", ids)
	}
	// The time prefix: the first 10 symbols carry the 48 bits of milliseconds
	// (with 2 bits of randomness in the 10th), so IDs of one millisecond share 9.
	a, b := NewID(times[3]), NewID(times[3])
	if a[:9] != b[:9] {
		t.Errorf("IDs of one millisecond differ in their time prefix: %s %s", a, b)
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"0123456789abcdef", true},
		{"zzzzzzzzzzzzzzzz", true},
		{"0123456789abcde", false},   // 15
		{"0123456789abcdefg", false}, // 17
		{"0123456789ABCDEF", false},  // upper case
		{"0123456789abcdei", false},  // i, l, o and u are not in the alphabet
		{"0123456789abcdel", false},
		{"0123456789abcdeo", false},
		{"0123456789abcdeu", false},
		{"0123456789abcde-", false},
		{"0123456789abcde/", false},
		{"' OR 1=1 --aaaaa", false},
		{"../../etc/passwd", false},
		{"0123456789abcd\x00e", false},
		{"0123456789abcdé", false}, // 16 bytes, 15 runes
		{"", false},
	}
	for _, tc := range tests {
		if got := ValidID(tc.id); got != tc.want {
			t.Errorf("ValidID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
	if strings.ContainsAny(crockford, "ilou") || len(crockford) != 32 {
		t.Errorf("alphabet %q", crockford)
	}
}

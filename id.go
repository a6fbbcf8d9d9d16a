package flick

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// crockford is Crockford's base32 alphabet: no I, L, O or U, so IDs read well
// and sort the same as text and as time.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// NewID returns a new 16-character identifier: 48 bits of milliseconds since
// the Unix epoch followed by 32 random bits, base32-encoded. IDs made later
// sort after IDs made earlier (to the millisecond), which is what cursor
// pagination over "newest first" lists relies on, and they are unique across
// regions and processes without coordination.
func NewID(now time.Time) string {
	var b [10]byte
	ms := uint64(now.UnixMilli())
	binary.BigEndian.PutUint64(b[:8], ms<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	// 80 bits -> 16 symbols of 5 bits.
	var out [16]byte
	var acc uint64
	bits := 0
	j := 0
	for _, c := range b {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out[j] = crockford[(acc>>uint(bits))&31]
			j++
		}
	}
	return string(out[:])
}

// ValidID reports whether s has the shape of an ID made by NewID. Handlers
// check it before touching a store so that junk never reaches a query.
func ValidID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') || c == 'i' || c == 'l' || c == 'o' || c == 'u' {
			return false
		}
	}
	return true
}

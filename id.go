package flick

import (
	"crypto/rand"
	"encoding/binary"
	"math"
	"sync"
	"time"
)

// crockford is Crockford's base32 alphabet: no I, L, O or U, so IDs read well
// and sort the same as text and as time.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// NewID returns a new 16-character identifier: 48 bits of milliseconds since
// the Unix epoch followed by 32 bits that are random for the first ID of a
// millisecond and counted up from there for the next ones, base32-encoded.
// IDs made later sort after IDs made earlier (within a process even in the
// same millisecond), which is what cursor pagination over "newest first"
// lists relies on; they never repeat within a process, and are unique across
// regions and processes without coordination with high probability.
func NewID(now time.Time) string {
	ms := uint64(now.UnixMilli())
	var b [10]byte
	binary.BigEndian.PutUint64(b[:8], ms<<16)
	binary.BigEndian.PutUint32(b[6:], idSequence.next(ms))
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

// idSequence makes the low 32 bits of IDs. Random bits alone would repeat
// within a millisecond with a probability of about 1% at 10,000 IDs; counting
// up from a random start below 2^31 cannot, until 2^31 IDs in one millisecond.
var idSequence sequence

type sequence struct {
	mu sync.Mutex
	ms uint64
	n  uint32
}

func (s *sequence) next(ms uint64) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ms == s.ms && s.n != math.MaxUint32 {
		s.n++
		return s.n
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	// The top bit starts clear so that a millisecond has room to count.
	s.ms, s.n = ms, binary.BigEndian.Uint32(b[:])>>1
	return s.n
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

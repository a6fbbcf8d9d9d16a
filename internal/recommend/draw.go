package recommend

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
)

// draw reorders ranked candidates into a random draw in proportion to
// their scores (a Plackett–Luce draw: each place goes to one of those left
// with a chance proportional to its score), by sorting on the log of the
// score plus Gumbel noise. A popular video still comes first more often
// than the rest and one the engine scores a thousand times lower almost
// never leads, but no two visitors see the same page. The noise of a video
// depends only on the seed and its ID, so the rounds of one page's checks
// draw the same order.
func draw(ranked []Candidate, seed uint64) {
	key := make(map[string]float64, len(ranked))
	for _, c := range ranked {
		k := math.Inf(-1) // nothing in its favour: after every scored one
		if c.Score > 0 {
			k = math.Log(c.Score) + gumbel(seed, c.VideoID)
		}
		key[c.VideoID] = k
	}
	slices.SortStableFunc(ranked, func(a, b Candidate) int {
		ka, kb := key[a.VideoID], key[b.VideoID]
		switch {
		case ka > kb:
			return -1
		case ka < kb:
			return 1
		}
		return 0
	})
}

// gumbel is a standard Gumbel variate drawn from the seed and id.
func gumbel(seed uint64, id string) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(id))
	// 53 bits of the hash as a uniform in (0, 1).
	u := (float64(h.Sum64()>>11) + 0.5) / (1 << 53)
	return -math.Log(-math.Log(u))
}

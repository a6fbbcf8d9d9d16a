package recommend

import (
	"cmp"
	"math"
	"slices"
)

// neighbour is one co-engagement edge out of a video: j and its weight.
type neighbour struct {
	j int32
	w float32
}

// neighbours is a bounded co-engagement list. When it is full, a new
// neighbour replaces the one with the least weight. The ranking normalises
// weights by popularity, but eviction must not: a pair seen once with a
// video that is still new would look best by the normalised measure and
// push out pairs seen many times, so the list would hold whatever came
// last. By raw weight the heavy pairs stay and the tail takes turns.
type neighbours []neighbour

// add adds w to the edge to j in a list of at most max entries.
func (ns *neighbours) add(j int32, w float32, max int) {
	s := *ns
	for k := range s {
		if s[k].j == j {
			s[k].w += w
			return
		}
	}
	if len(s) > max { // the budget's share shrank as the catalogue grew
		slices.SortFunc(s, func(a, b neighbour) int { return cmp.Compare(b.w, a.w) })
		s = s[:max]
		*ns = s
	}
	if len(s) < max {
		*ns = append(s, neighbour{j, w})
		return
	}
	low := 0
	for k := range s {
		if s[k].w < s[low].w {
			low = k
		}
	}
	s[low] = neighbour{j, w}
}

// topList keeps the indices of the max videos with the highest score,
// best first. Scores are read through a function rather than copied: the
// popularity it ranks by decays uniformly (forwardDecay), which never
// changes the order, so the list stays exact while only increments move
// entries.
type topList struct {
	max   int
	items []int32
}

// update places i after its score rose.
func (t *topList) update(i int32, score func(int32) float64) {
	pos := -1
	for k, x := range t.items {
		if x == i {
			pos = k
			break
		}
	}
	s := score(i)
	if pos < 0 {
		if len(t.items) < t.max {
			t.items = append(t.items, i)
		} else if n := len(t.items); n > 0 && s > score(t.items[n-1]) {
			t.items[n-1] = i
		} else {
			return
		}
		pos = len(t.items) - 1
	}
	for pos > 0 && score(t.items[pos-1]) < s {
		t.items[pos], t.items[pos-1] = t.items[pos-1], t.items[pos]
		pos--
	}
}

// remove drops i from the list.
func (t *topList) remove(i int32) {
	for k, x := range t.items {
		if x == i {
			t.items = append(t.items[:k], t.items[k+1:]...)
			return
		}
	}
}

// forwardDecay weighs an event at time t by exp((t-landmark)/tau) instead
// of decaying every stored score as time passes (Cormode et al., "Forward
// decay"): sums of such weights compare exactly like exponentially decayed
// ones, and nothing needs touching until the weights grow large, when
// rebase moves the landmark and scales the stored sums down once.
type forwardDecay struct {
	tau      float64 // seconds
	landmark int64   // unix seconds; 0 until the first event
}

// maxExponent keeps weights far inside float32 and float64 range.
const maxExponent = 30

// weight returns the event weight at unix time t and, when the landmark
// must move first, the factor every stored sum is to be multiplied by.
func (d *forwardDecay) weight(t int64) (w float64, rescale float64) {
	rescale = 1
	if d.landmark == 0 {
		d.landmark = t
	}
	x := float64(t-d.landmark) / d.tau
	if x > maxExponent {
		rescale = math.Exp(-x)
		d.landmark = t
		x = 0
	}
	return math.Exp(x), rescale
}

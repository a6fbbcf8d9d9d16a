package recommend

// Diversity: a page should not be one creator's or one hashtag's. The
// re-rank walks the ranked candidates best first and takes the best one
// that keeps every creator to maxCreatorShare and every hashtag to
// maxTagShare of the page so far; when none does, the best one is taken
// anyway, so a thin catalogue still fills its pages.
const (
	maxCreatorShare = 0.2
	maxTagShare     = 0.34
)

// diversify reorders cands (best first) into a page of up to n.
func diversify(cands []Candidate, n int) []Candidate {
	maxCreator := max(1, int(maxCreatorShare*float64(n)))
	maxTag := max(1, int(maxTagShare*float64(n)))
	creators := map[string]int{}
	tags := map[string]int{}
	used := make([]bool, len(cands))
	out := make([]Candidate, 0, min(n, len(cands)))
	fits := func(c Candidate) bool {
		if c.AuthorID != "" && creators[c.AuthorID] >= maxCreator {
			return false
		}
		for _, t := range c.Hashtags {
			if tags[t] >= maxTag {
				return false
			}
		}
		return true
	}
	for len(out) < n && len(out) < len(cands) {
		pick := -1
		for k, c := range cands {
			if used[k] {
				continue
			}
			if pick < 0 {
				pick = k // the fallback: best remaining
			}
			if fits(c) {
				pick = k
				break
			}
		}
		used[pick] = true
		c := cands[pick]
		creators[c.AuthorID]++
		for _, t := range c.Hashtags {
			tags[t]++
		}
		out = append(out, c)
	}
	return out
}

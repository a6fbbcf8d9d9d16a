package recommend

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	flick "github.com/flick-video/flick"
)

// The offline evaluation replays a ratings file (userId,movieId,rating,
// timestamp) through the engine exactly as live events go: every rating
// is a view watched through, observed in timestamp order by the same
// Observe, and every user is then ranked by the same Recommend that serves
// For You. The protocol, holdout-N, is in holdout and score; the
// repository README gives the figures and how to run it.

// evalK is the cut-off of every metric (Recall@20, NDCG@20, Coverage@20).
const evalK = 20

// evalDurationMS is the length given to every replayed item; a rating is a
// view of all of it.
const evalDurationMS = 60_000

// Metrics are the figures of one model under the protocol.
type Metrics struct {
	Recall   float64 `json:"recall_at_20"`
	NDCG     float64 `json:"ndcg_at_20"`
	Coverage int     `json:"coverage_at_20"`
}

// EvalResult is the engine's figures and the popularity baseline's, from
// the same harness.
type EvalResult struct {
	Users    int    `json:"users"`
	Items    int    `json:"items"`
	Train    int    `json:"train_interactions"`
	Protocol string `json:"protocol"`
	Metrics
	Seconds    float64 `json:"seconds"`
	Popularity Metrics `json:"popularity"`
}

// rating is one line of the file; line keeps file order for ties.
type rating struct {
	user, item string
	at         int64
	line       int
}

// ParseProtocol reads "holdout-N": each user's last N interactions are
// the test set.
func ParseProtocol(p string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(p, "holdout-"))
	if !strings.HasPrefix(p, "holdout-") || err != nil || n < 1 {
		return 0, fmt.Errorf("unknown protocol %q (want holdout-N, e.g. holdout-10)", p)
	}
	return n, nil
}

// ReadRatings parses a ratings CSV with a header line.
func ReadRatings(r io.Reader) ([]rating, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var out []rating
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			continue // header
		}
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		f := strings.Split(text, ",")
		if len(f) != 4 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("line %d: want userId,movieId,rating,timestamp", line)
		}
		at, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: timestamp %q: %w", line, f[3], err)
		}
		out = append(out, rating{user: f[0], item: f[1], at: at, line: line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read ratings: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no ratings")
	}
	return out, nil
}

// split is a protocol's view of the ratings.
type split struct {
	users []string            // in order of first appearance
	items []string            // the catalogue, in order of first appearance
	train []rating            // global timestamp order, ties in file order
	seen  map[string][]string // user -> training items
	test  map[string][]string // user -> held-out items
}

func holdout(rs []rating, n int) split {
	s := split{seen: map[string][]string{}, test: map[string][]string{}}
	byUser := map[string][]rating{}
	items := map[string]bool{}
	for _, r := range rs {
		if byUser[r.user] == nil {
			s.users = append(s.users, r.user)
		}
		byUser[r.user] = append(byUser[r.user], r)
		if !items[r.item] {
			items[r.item] = true
			s.items = append(s.items, r.item)
		}
	}
	byTime := func(a, b rating) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.line, b.line)) }
	for _, u := range s.users {
		ur := byUser[u]
		slices.SortStableFunc(ur, byTime)
		cut := max(len(ur)-n, 0)
		for _, r := range ur[:cut] {
			s.train = append(s.train, r)
			s.seen[u] = append(s.seen[u], r.item)
		}
		for _, r := range ur[cut:] {
			s.test[u] = append(s.test[u], r.item)
		}
	}
	slices.SortStableFunc(s.train, byTime)
	return s
}

// Evaluate runs the protocol on the ratings in r with an engine of cfg.
func Evaluate(ctx context.Context, r io.Reader, protocol string, cfg Config) (*EvalResult, error) {
	n, err := ParseProtocol(protocol)
	if err != nil {
		return nil, err
	}
	rs, err := ReadRatings(r)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	s := holdout(rs, n)
	res := &EvalResult{Users: len(s.users), Items: len(s.items), Train: len(s.train), Protocol: protocol}
	res.Popularity = s.score(n, s.popularity())
	recs, err := s.replay(ctx, cfg)
	if err != nil {
		return nil, err
	}
	res.Metrics = s.score(n, recs)
	res.Seconds = math.Round(time.Since(start).Seconds()*1000) / 1000
	return res, nil
}

// Replayed IDs are prefixed so that users and items can never collide.
func evalUser(u string) string { return "u" + u }
func evalItem(i string) string { return "m" + i }

// replay feeds the training interactions through Observe and asks
// Recommend for every user.
func (s split) replay(ctx context.Context, cfg Config) (map[string][]string, error) {
	first := time.Unix(0, 0)
	if len(s.train) > 0 {
		first = time.Unix(s.train[0].at, 0)
	}
	now := first
	e := NewEngine(cfg, func() time.Time { return now })
	catalogue := make([]VideoMeta, len(s.items))
	for k, it := range s.items {
		catalogue[k] = VideoMeta{ID: evalItem(it), CreatedAt: first, DurationMS: evalDurationMS}
	}
	e.AddVideos(catalogue)
	for k, r := range s.train {
		if k%10_000 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		now = time.Unix(r.at, 0)
		e.Observe(flick.Event{Type: flick.EventView, AccountID: evalUser(r.user), VideoID: evalItem(r.item),
			WatchMS: evalDurationMS, DurationMS: evalDurationMS, At: now})
	}
	recs := map[string][]string{}
	for _, u := range s.users {
		seen := map[string]bool{}
		for _, it := range s.seen[u] {
			seen[evalItem(it)] = true
		}
		cands := e.Recommend(Request{ViewerID: evalUser(u), N: evalK, Exclude: func(id string) bool { return seen[id] }})
		for _, c := range cands {
			recs[u] = append(recs[u], strings.TrimPrefix(c.VideoID, "m"))
		}
	}
	return recs, nil
}

// popularity is the baseline: the most watched items in training, ties in
// catalogue order, without the user's own training items.
func (s split) popularity() map[string][]string {
	count := map[string]int{}
	for _, r := range s.train {
		count[r.item]++
	}
	ranked := slices.Clone(s.items)
	slices.SortStableFunc(ranked, func(a, b string) int { return cmp.Compare(count[b], count[a]) })
	recs := map[string][]string{}
	for _, u := range s.users {
		seen := map[string]bool{}
		for _, it := range s.seen[u] {
			seen[it] = true
		}
		for _, it := range ranked {
			if len(recs[u]) == evalK {
				break
			}
			if !seen[it] {
				recs[u] = append(recs[u], it)
			}
		}
	}
	return recs
}

// score computes the metrics of recs against the held-out items: recall
// over n (or fewer, for a user with fewer interactions), NDCG with binary
// gains, and the distinct items recommended to anyone.
func (s split) score(n int, recs map[string][]string) Metrics {
	var m Metrics
	covered := map[string]bool{}
	for _, u := range s.users {
		test := map[string]bool{}
		for _, it := range s.test[u] {
			test[it] = true
		}
		rel := min(len(test), n)
		if rel == 0 {
			continue
		}
		var hits int
		var dcg, idcg float64
		for k, it := range recs[u] {
			if k == evalK {
				break
			}
			covered[it] = true
			if test[it] {
				hits++
				dcg += 1 / math.Log2(float64(k)+2)
			}
		}
		for k := range min(rel, evalK) {
			idcg += 1 / math.Log2(float64(k)+2)
		}
		m.Recall += float64(hits) / float64(rel)
		m.NDCG += dcg / idcg
	}
	users := float64(len(s.users))
	m.Recall, m.NDCG, m.Coverage = m.Recall/users, m.NDCG/users, len(covered)
	return m
}

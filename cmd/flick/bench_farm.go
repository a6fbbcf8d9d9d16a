package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/engagement"
	"github.com/flick-video/flick/internal/recommend"
	"github.com/flick-video/flick/internal/sqlite"
)

// farmBenchResult is what `flick bench farm` prints: the same attack on a
// server with the engagement defences and on one without them.
type farmBenchResult struct {
	Videos           int `json:"videos"`
	Viewers          int `json:"viewers"`
	FarmAccounts     int `json:"farm_accounts"`
	FarmAddresses    int `json:"farm_addresses"`
	FarmBatches      int `json:"farm_batches_per_account"`
	AnonymousBatches int `json:"anonymous_batches"`
	PopularViewers   int `json:"popular_viewers"`

	Runs []farmRun `json:"runs"`
}

// farmRun is one server's outcome.
type farmRun struct {
	Defences bool `json:"defences"`
	// TargetPct: ordinary viewers whose first For You page shows the
	// farmed video; PopularPct: viewers who had not seen the popular
	// video yet whose first page shows it.
	TargetPct  float64 `json:"target_in_first_page_pct"`
	PopularPct float64 `json:"popular_in_first_page_pct"`
	// The farmed video's public counters and places in Trending (0: not
	// in it), and the popular video's place.
	TargetViews     int64   `json:"target_views"`
	TargetLikes     int64   `json:"target_likes"`
	TargetShares    int64   `json:"target_shares"`
	TargetTrending  int     `json:"target_trending_place"`
	PopularTrending int     `json:"popular_trending_place"`
	FarmRequests    int     `json:"farm_requests"`
	FarmRefused     int     `json:"farm_refused_429"`
	Seconds         float64 `json:"seconds"`
}

type farmBenchFlags struct {
	videos, viewers, history           int
	farm, addresses, rounds, anonymous int
	every                              int
	popular                            int
	seed                               uint64
	onlyDefended                       bool
	concurrency                        int
}

func benchFarm(ctx context.Context, args []string, stderr io.Writer) (any, error) {
	fs := flagSet("bench farm", "Push one new video with a farm of new accounts and unlimited anonymous traffic against a\n"+
		"population of ordinary viewers, on a server with the engagement defences and on one without,\n"+
		"and report how many ordinary viewers' first For You pages show it, and a genuinely popular new video.", stderr)
	var f farmBenchFlags
	fs.IntVar(&f.videos, "videos", 20_000, "videos in the catalogue")
	fs.IntVar(&f.viewers, "viewers", 2_000, "ordinary, established viewers (a tenth of them are creators)")
	fs.IntVar(&f.history, "history", 20, "mean interactions per viewer in the history (heavy-tailed)")
	fs.IntVar(&f.farm, "farm", 50, "new accounts of the farm")
	fs.IntVar(&f.addresses, "farm-addresses", 5, "client addresses the farm sends from")
	fs.IntVar(&f.rounds, "farm-batches", 1, "batches of 500 events (and a share) each farm account sends")
	fs.IntVar(&f.every, "farm-every", engagement.MaxClientEvents, "every how many views of the catalogue's most popular videos a farm account views the target again")
	fs.IntVar(&f.anonymous, "anonymous", 500, "anonymous batches of 500 events (and a share each), without a cookie")
	fs.IntVar(&f.popular, "popular", 500, "ordinary viewers who watch the popular video through and like it")
	fs.IntVar(&f.concurrency, "concurrency", 8, "concurrent clients")
	fs.BoolVar(&f.onlyDefended, "only-defended", false, "skip the run without defences")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the synthetic catalogue")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if f.videos < 100 || f.viewers < 10 || f.popular >= f.viewers || f.farm < 1 || f.addresses < 1 || f.concurrency < 1 {
		return nil, fmt.Errorf("bench farm: need at least 100 videos, 10 viewers, fewer popular viewers than viewers, a farm and addresses")
	}
	res := farmBenchResult{Videos: f.videos, Viewers: f.viewers, FarmAccounts: f.farm, FarmAddresses: f.addresses,
		FarmBatches: f.rounds, AnonymousBatches: f.anonymous, PopularViewers: f.popular}
	modes := []bool{true, false}
	if f.onlyDefended {
		modes = modes[:1]
	}
	for _, defences := range modes {
		run, err := farmOnce(ctx, f, defences, stderr)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "defences %v: target in %.2f%% of first pages, popular in %.2f%%; target counts %d views, %d likes, %d shares; trending place %d (popular %d); %d of %d farm requests refused\n",
			defences, run.TargetPct, run.PopularPct, run.TargetViews, run.TargetLikes, run.TargetShares,
			run.TargetTrending, run.PopularTrending, run.FarmRefused, run.FarmRequests)
		res.Runs = append(res.Runs, run)
	}
	return res, nil
}

// farmOnce builds the world on a new server and runs the attack.
func farmOnce(ctx context.Context, f farmBenchFlags, defences bool, stderr io.Writer) (farmRun, error) {
	start := time.Now()
	run := farmRun{Defences: defences}
	s, err := startBenchServer(ctx, stderr)
	if err != nil {
		return run, err
	}
	defer s.stop()
	if !defences {
		s.app.Engagement.TurnOffDefences()
	}
	now := time.Now()
	w := newSynthWorld(feedBenchFlags{videos: f.videos, users: f.viewers, history: f.history, seed: f.seed}, now)
	cell := s.app.Router.Cells()[0]
	engine := cell.Learner.(*recommend.Learner).Engine()
	store := cell.Store.(*sqlite.DB)
	if err := w.load(ctx, s.app.Directory, store, engine, stderr); err != nil {
		return run, err
	}
	w.history(engine)
	c := &farmClient{base: s.app.URL(), http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: f.concurrency}}}
	defer c.http.CloseIdleConnections()
	farm, farmer, err := c.signUpFarm(ctx, f)
	if err != nil {
		return run, err
	}
	// The two new uploads: the farm's own, and one of an ordinary viewer
	// who is no creator (nobody follows either), each with a hashtag of
	// its own so that no viewer's taste favours either.
	author := w.users[f.viewers-1]
	target := synthVideo(farmer, "Farmed video", []string{"farmed"}, now.Add(-time.Hour), 15_000)
	popular := synthVideo(author, "Popular video", []string{"loved"}, now.Add(-time.Hour), 15_000)
	if err := store.BulkInsert(ctx, sqlite.Bulk{Videos: []*flick.Video{target, popular}}); err != nil {
		return run, err
	}
	engine.AddVideos([]recommend.VideoMeta{recommend.MetaOf(target), recommend.MetaOf(popular)})

	rng := rand.New(rand.NewPCG(f.seed, 11))
	fans := rng.Perm(f.viewers - 1)[:f.popular] // not the popular video's author
	// Genuine popularity: ordinary viewers who came across it watch it
	// through and like it.
	watched := []map[string]any{
		{"type": "impression", "video_id": popular.ID},
		{"type": "view", "video_id": popular.ID, "watch_ms": 16_000},
	}
	if err := parallel(ctx, f.concurrency, len(fans), func(k int) error {
		h := w.auth(fans[k])
		if _, err := c.send(ctx, "POST", "/api/v1/events", h, watched, http.StatusAccepted); err != nil {
			return err
		}
		_, err := c.send(ctx, "POST", "/api/v1/videos/"+popular.ID+"/like", h, nil, http.StatusOK)
		return err
	}); err != nil {
		return run, fmt.Errorf("popular video's viewers: %w", err)
	}

	if err := c.farm(ctx, f, w, farm, target, &run); err != nil {
		return run, err
	}
	if err := s.waitLearned(ctx); err != nil {
		return run, err
	}

	// Every ordinary viewer's first page.
	isFan := make([]bool, f.viewers)
	for _, u := range fans {
		isFan[u] = true
	}
	var withTarget, withPopular, notFans atomic.Int64
	if err := parallel(ctx, f.concurrency, f.viewers-1, func(u int) error {
		var page forYouPage
		if _, err := c.send(ctx, "GET", "/api/v1/feed/foryou", w.auth(u), nil, http.StatusOK, &page); err != nil {
			return err
		}
		shows := func(id string) bool {
			return slices.ContainsFunc(page.Items, func(it forYouItem) bool { return it.ID == id })
		}
		if shows(target.ID) {
			withTarget.Add(1)
		}
		if !isFan[u] {
			notFans.Add(1)
			if shows(popular.ID) {
				withPopular.Add(1)
			}
		}
		return nil
	}); err != nil {
		return run, fmt.Errorf("for you: %w", err)
	}
	run.TargetPct = 100 * float64(withTarget.Load()) / float64(f.viewers-1)
	run.PopularPct = 100 * float64(withPopular.Load()) / float64(max(notFans.Load(), 1))

	var v videoJSON
	if _, err := c.send(ctx, "GET", "/api/v1/videos/"+target.ID, nil, nil, http.StatusOK, &v); err != nil {
		return run, err
	}
	run.TargetViews, run.TargetLikes, run.TargetShares = v.Counts.Views, v.Counts.Likes, v.Counts.Shares
	var trending struct {
		Videos []struct {
			ID string `json:"id"`
		} `json:"videos"`
	}
	if _, err := c.send(ctx, "GET", "/api/v1/trending", nil, nil, http.StatusOK, &trending); err != nil {
		return run, err
	}
	for k, t := range trending.Videos {
		switch t.ID {
		case target.ID:
			run.TargetTrending = k + 1
		case popular.ID:
			run.PopularTrending = k + 1
		}
	}
	run.Seconds = time.Since(start).Seconds()
	return run, nil
}

// farm runs the attack: new accounts signed up through the API from a few
// addresses, each sending batches that watch the target through and then
// the catalogue's most popular videos (the target again every f.every
// views, so that it pairs with more of them; by default once a batch,
// which measured the most effective without defences: every view of the
// target also dilutes its co-engagement), a like and a share a batch;
// and anonymous batches of completed views of the target (and a share
// each) without a cookie from the same addresses. Refusals (429) are
// counted, not retried: the loops are bounded, the traffic otherwise
// unlimited.
func (c *farmClient) farm(ctx context.Context, f farmBenchFlags, w *synthWorld, accounts []http.Header, target *flick.Video, run *farmRun) error {
	targetView := map[string]any{"type": "view", "video_id": target.ID, "watch_ms": 16_000}
	batches := make([][]map[string]any, f.rounds)
	next := 0 // the next most popular video
	if f.every < 2 {
		return fmt.Errorf("bench farm: --farm-every must be at least 2")
	}
	for r := range batches {
		b := []map[string]any{{"type": "impression", "video_id": target.ID}, targetView}
		for len(b) < engagement.MaxClientEvents {
			if len(b)%f.every == 0 {
				b = append(b, targetView)
				continue
			}
			b = append(b, map[string]any{"type": "view", "video_id": w.videos[w.byRank[next%len(w.byRank)]], "watch_ms": 60_000})
			next++
		}
		batches[r] = b
	}
	anonymous := make([]map[string]any, 0, engagement.MaxClientEvents)
	for len(anonymous) < engagement.MaxClientEvents {
		anonymous = append(anonymous, map[string]any{"type": "impression", "video_id": target.ID}, targetView)
	}
	var requests, refused atomic.Int64
	count := func(status int, err error) error {
		requests.Add(1)
		if status == http.StatusTooManyRequests {
			refused.Add(1)
			return nil
		}
		return err
	}
	if err := parallel(ctx, f.concurrency, f.farm*f.rounds, func(k int) error {
		h := accounts[k%f.farm]
		if err := count(c.send(ctx, "POST", "/api/v1/events", h, batches[k/f.farm], http.StatusAccepted)); err != nil {
			return err
		}
		if k < f.farm {
			if err := count(c.send(ctx, "POST", "/api/v1/videos/"+target.ID+"/like", h, nil, http.StatusOK)); err != nil {
				return err
			}
		}
		return count(c.send(ctx, "POST", "/api/v1/videos/"+target.ID+"/share", h, nil, http.StatusOK))
	}); err != nil {
		return fmt.Errorf("farm accounts: %w", err)
	}
	if err := parallel(ctx, f.concurrency, f.anonymous, func(k int) error {
		h := http.Header{"X-Forwarded-For": {farmAddr(f, k)}}
		if err := count(c.send(ctx, "POST", "/api/v1/events", h, anonymous, http.StatusAccepted)); err != nil {
			return err
		}
		return count(c.send(ctx, "POST", "/api/v1/videos/"+target.ID+"/share", h, nil, http.StatusOK))
	}); err != nil {
		return fmt.Errorf("anonymous farm: %w", err)
	}
	run.FarmRequests, run.FarmRefused = int(requests.Load()), int(refused.Load())
	return nil
}

// farmAddr is the client address of the farm's k-th account or request.
func farmAddr(f farmBenchFlags, k int) string { return fmt.Sprintf("203.0.113.%d", k%f.addresses+1) }

// signUpFarm signs the farm's accounts up through the API, as many from
// each address as the sign-up rate allows, and returns their headers and
// the first one's ID: the farm's creator.
func (c *farmClient) signUpFarm(ctx context.Context, f farmBenchFlags) ([]http.Header, string, error) {
	var creator string
	accounts := make([]http.Header, f.farm)
	for k := range accounts {
		h := http.Header{"X-Forwarded-For": {farmAddr(f, k)}}
		var out struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		if _, err := c.send(ctx, "POST", "/api/v1/accounts", h, map[string]string{
			"handle": fmt.Sprintf("farm%d", k), "password": "farm-password-123", "birthdate": "1990-01-01",
		}, http.StatusCreated, &out); err != nil {
			return nil, "", fmt.Errorf("farm sign-up %d: %w", k, err)
		}
		h.Set("Authorization", "Bearer "+out.Token)
		accounts[k] = h
		if k == 0 {
			creator = out.ID
		}
	}
	return accounts, creator, nil
}

// farmClient sends the bench's requests; it keeps no cookies, as a farm
// that drops them would not.
type farmClient struct {
	base string
	http *http.Client
}

// send sends a JSON request and decodes the answer into out (if any); an
// answer other than want, or 429, is an error; the status is returned.
func (c *farmClient) send(ctx context.Context, method, path string, h http.Header, body any, want int, out ...any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return resp.StatusCode, fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, b)
	}
	if len(out) > 0 {
		return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out[0])
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// parallel runs do(0..n-1) on workers goroutines and returns the first
// error.
func parallel(ctx context.Context, workers, n int, do func(k int) error) error {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= n || ctx.Err() != nil {
					return
				}
				if err := do(k); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

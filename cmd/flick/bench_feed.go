package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/auth"
	"github.com/flick-video/flick/internal/directory"
	"github.com/flick-video/flick/internal/recommend"
	"github.com/flick-video/flick/internal/sqlite"
)

// feedBenchResult is what `flick bench feed` prints.
type feedBenchResult struct {
	Videos        int     `json:"videos"`
	Users         int     `json:"users"`
	HistoryEvents int     `json:"history_events"`
	SetupSeconds  float64 `json:"setup_seconds"`

	ForYouConcurrency int     `json:"foryou_concurrency"`
	ForYouRequests    int     `json:"foryou_requests"`
	ForYouErrors      int     `json:"foryou_errors"`
	ForYouP50ms       float64 `json:"foryou_p50_ms"`
	ForYouP99ms       float64 `json:"foryou_p99_ms"`
	ForYouPerS        float64 `json:"foryou_per_s"`

	EventBatch       int     `json:"event_batch"`
	EventErrors      int     `json:"event_errors"`
	EventsPerS       float64 `json:"events_per_s"`
	EventBatchP99ms  float64 `json:"event_batch_p99_ms"`
	LearnCatchUpSecs float64 `json:"learn_catch_up_seconds"`

	FreshnessSamples int     `json:"freshness_samples"`
	FreshnessP50ms   float64 `json:"freshness_p50_ms"`
	FreshnessP99ms   float64 `json:"freshness_p99_ms"`

	RSSMB float64 `json:"rss_mb"`
	HWMMB float64 `json:"hwm_mb"`

	SnapshotMB       float64 `json:"snapshot_mb"`
	SnapshotSaveSecs float64 `json:"snapshot_save_seconds"`
	SnapshotLoadSecs float64 `json:"snapshot_load_seconds"`
}

type feedBenchFlags struct {
	videos, users, history  int
	concurrency, eventConc  int
	eventBatch, freshness   int
	duration, eventDuration time.Duration
	cpuProfile              string
	seed                    uint64
}

func benchFeed(ctx context.Context, args []string, stderr io.Writer) (any, error) {
	fs := flagSet("bench feed", "Build a synthetic catalogue with a long-tailed interaction history in a real server and\n"+
		"measure For You latency and throughput, event ingestion, freshness and memory.", stderr)
	var f feedBenchFlags
	fs.IntVar(&f.videos, "videos", 1_000_000, "videos in the catalogue")
	fs.IntVar(&f.users, "users", 100_000, "viewers (a tenth of them are creators)")
	fs.IntVar(&f.history, "history", 20, "mean interactions per viewer in the history (heavy-tailed)")
	fs.IntVar(&f.concurrency, "concurrency", 8, "concurrent For You clients")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long to load For You")
	fs.IntVar(&f.eventConc, "event-concurrency", 4, "concurrent event clients")
	fs.IntVar(&f.eventBatch, "event-batch", 500, "events per POST /api/v1/events")
	fs.DurationVar(&f.eventDuration, "event-duration", 10*time.Second, "how long to load the events endpoint")
	fs.IntVar(&f.freshness, "freshness-samples", 200, "freshness measurements")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the synthetic catalogue")
	// Every benchmark prints JSON on stdout; the flag is accepted so that
	// `flick bench feed --json` reads like `flick eval --json`.
	fs.Bool("json", true, "print the result as JSON on stdout (always; a summary goes to stderr)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured phases (not the setup) to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if f.videos < 100 || f.users < 10 || f.history < 1 || f.concurrency < 1 || f.eventConc < 1 || f.eventBatch < 1 || f.freshness < 0 {
		return nil, fmt.Errorf("bench feed: need at least 100 videos, 10 users, and positive counts")
	}
	s, err := startBenchServer(ctx, stderr)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	res := feedBenchResult{Videos: f.videos, Users: f.users, ForYouConcurrency: f.concurrency, EventBatch: f.eventBatch}

	start := time.Now()
	w := newSynthWorld(f, time.Now())
	// The catalogue is bulk-loaded straight into the region's SQLite store
	// and engine: a million videos through the upload path would take days.
	// What is measured goes through HTTP, as any client.
	cell := s.app.Router.Cells()[0]
	engine := cell.Learner.(*recommend.Learner).Engine()
	if err := w.load(ctx, s.app.Directory, cell.Store.(*sqlite.DB), engine, stderr); err != nil {
		return nil, err
	}
	res.HistoryEvents = w.history(engine)
	res.SetupSeconds = time.Since(start).Seconds()
	fmt.Fprintf(stderr, "setup: %d videos, %d users, %d history events in %.1fs\n", f.videos, f.users, res.HistoryEvents, res.SetupSeconds)

	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	base := s.app.URL()
	fy := runLoad(ctx, f.concurrency, f.duration, func(ctx context.Context, c *http.Client, rng *rand.Rand) (int64, error) {
		return get(ctx, c, base+"/api/v1/feed/foryou", w.auth(rng.IntN(f.users)), http.StatusOK)
	})
	res.ForYouRequests, res.ForYouErrors, res.ForYouP50ms, res.ForYouP99ms, res.ForYouPerS = fy.Requests, fy.Errors, fy.P50ms, fy.P99ms, fy.PerSecond
	fmt.Fprintf(stderr, "for you: %d requests (%d errors) at %d concurrent: p50 %.2f ms, p99 %.2f ms, %.0f/s\n",
		fy.Requests, fy.Errors, f.concurrency, fy.P50ms, fy.P99ms, fy.PerSecond)

	// Bodies of enough viewers that none is over its rate of batches
	// (internal/engagement): 1,024 viewers may send 512 batches a second.
	bodies := w.eventBodies(1024, f.eventBatch)
	var accepted atomic.Int64
	ev := runLoad(ctx, f.eventConc, f.eventDuration, func(ctx context.Context, c *http.Client, rng *rand.Rand) (int64, error) {
		b := bodies[rng.IntN(len(bodies))]
		n, err := postEvents(ctx, c, base, w.auth(b.user), b.body)
		accepted.Add(int64(n))
		return 0, err
	})
	res.EventErrors, res.EventBatchP99ms = ev.Errors, ev.P99ms
	res.EventsPerS = float64(accepted.Load()) / ev.Seconds
	fmt.Fprintf(stderr, "events: %.0f/s acknowledged in batches of %d (%d errors), batch p99 %.1f ms\n",
		res.EventsPerS, f.eventBatch, ev.Errors, ev.P99ms)

	caughtUp := time.Now()
	if err := s.waitLearned(ctx); err != nil {
		return nil, err
	}
	res.LearnCatchUpSecs = time.Since(caughtUp).Seconds()
	fmt.Fprintf(stderr, "learner and projector caught up %.1fs after the event load\n", res.LearnCatchUpSecs)

	lat, err := w.freshness(ctx, base, f.freshness)
	if err != nil {
		return nil, err
	}
	res.FreshnessSamples = len(lat)
	res.FreshnessP50ms, res.FreshnessP99ms = percentileMS(lat, 0.50), percentileMS(lat, 0.99)
	fmt.Fprintf(stderr, "freshness: %d samples, p50 %.1f ms, p99 %.1f ms\n", len(lat), res.FreshnessP50ms, res.FreshnessP99ms)

	runtime.GC()
	debug.FreeOSMemory()
	res.RSSMB, res.HWMMB = memoryMB()
	fmt.Fprintf(stderr, "memory: resident %.0f MB (peak %.0f MB), server and load generator together\n", res.RSSMB, res.HWMMB)

	if err := s.timeSnapshot(ctx, &res); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "snapshot: %.0f MB saved in %.1fs, loaded in %.1fs\n", res.SnapshotMB, res.SnapshotSaveSecs, res.SnapshotLoadSecs)
	return res, nil
}

// timeSnapshot saves the engine's state as the learner does and loads it
// into a new engine, as a restart would.
func (s *benchServer) timeSnapshot(ctx context.Context, res *feedBenchResult) error {
	d := recommend.SnapshotDir{Dir: filepath.Join(s.dir, "bench-snapshot"), Keep: 1, Logger: s.app.logger}
	start := time.Now()
	if err := d.Save(ctx, s.app.Router.Cells()[0].Learner.(*recommend.Learner).Engine(), 1); err != nil {
		return err
	}
	res.SnapshotSaveSecs = time.Since(start).Seconds()
	files, err := filepath.Glob(filepath.Join(d.Dir, "snapshot-*.bin"))
	if err != nil || len(files) != 1 {
		return fmt.Errorf("bench feed: snapshot files %v: %v", files, err)
	}
	info, err := os.Stat(files[0])
	if err != nil {
		return err
	}
	res.SnapshotMB = float64(info.Size()) / (1 << 20)
	start = time.Now()
	if seq, err := d.Load(ctx, recommend.NewEngine(recommend.DefaultConfig(), time.Now), 1); err != nil || seq != 1 {
		return fmt.Errorf("bench feed: loading the snapshot back: seq %d, %v", seq, err)
	}
	res.SnapshotLoadSecs = time.Since(start).Seconds()
	return nil
}

func startCPUProfile(path string) (stop func(), err error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); out.Close() }, nil
}

// waitLearned waits until the learner and the projector have applied
// everything in the event log.
func (s *benchServer) waitLearned(ctx context.Context) error {
	cell := s.app.Router.Cells()[0]
	last, err := cell.Events.LastSeq(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := cell.Learner.WaitFor(ctx, last); err != nil {
		return err
	}
	return cell.Projector.WaitFor(ctx, last)
}

func percentileMS(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
}

// memoryMB reads the process's resident and peak resident memory.
func memoryMB() (rss, hwm float64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != "VmRSS" && k != "VmHWM" {
			continue
		}
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if k == "VmRSS" {
			rss = kb / 1024
		} else {
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

// synthWorld is a synthetic region: creators with many videos each, viewers
// with a taste for one community (a hashtag) and heavy-tailed activity,
// and video popularity that follows a Zipf law overall and within each
// community.
type synthWorld struct {
	f     feedBenchFlags
	now   time.Time
	rng   *rand.Rand
	zipf  *rand.Zipf
	users []string // account IDs
	auths []http.Header
	// videos in slot (upload) order, their durations, and which community
	// each belongs to.
	videos    []string
	durations []int32
	byRank    []int32   // video slot by global popularity rank
	community [][]int32 // video slots of each community, by popularity
	taste     []int32   // each viewer's community
}

// creators and communities per catalogue: a tenth of the viewers upload,
// and a community (hashtag) per 500 videos.
func synthCreators(users int) int  { return max(users/10, 1) }
func synthTags(videos int) int     { return max(videos/500, 10) }
func synthTag(k int) string        { return "topic" + strconv.Itoa(k) }
func synthHandle(k int) string     { return "viewer" + strconv.Itoa(k) }
func synthDuration(slot int) int32 { return int32(5_000 + slot*7919%55_000) }

// synthSpan is how far back the catalogue's uploads go; the history's
// interactions fall in its last historySpan.
const (
	synthSpan   = 180 * 24 * time.Hour
	historySpan = 30 * 24 * time.Hour
	// bulkChunk is how many videos go into one store transaction.
	bulkChunk = 20_000
)

func newSynthWorld(f feedBenchFlags, now time.Time) *synthWorld {
	rng := rand.New(rand.NewPCG(f.seed, 7))
	return &synthWorld{f: f, now: now, rng: rng, zipf: rand.NewZipf(rng, 1.1, 2, uint64(f.videos-1))}
}

func (w *synthWorld) auth(user int) http.Header { return w.auths[user] }

// load inserts the accounts with a session each and the videos into the
// store, in large transactions, and the videos into the engine.
func (w *synthWorld) load(ctx context.Context, dir *directory.Directory, store *sqlite.DB, engine *recommend.Engine, stderr io.Writer) error {
	f := w.f
	created := w.now.Add(-synthSpan - time.Hour)
	var bulk sqlite.Bulk
	for k := range f.users {
		token, err := auth.NewToken()
		if err != nil {
			return err
		}
		a := &flick.Account{ID: flick.NewID(created), Handle: synthHandle(k), DisplayName: "Viewer " + strconv.Itoa(k),
			Region: flick.DefaultRegion, CreatedAt: created}
		w.users = append(w.users, a.ID)
		w.auths = append(w.auths, http.Header{"Authorization": {"Bearer " + token}, "X-Forwarded-For": {synthAddr(k)}})
		bulk.Accounts = append(bulk.Accounts, sqlite.BulkAccount{Account: a, PasswordHash: "bench"})
		bulk.Sessions = append(bulk.Sessions, &flick.Session{ID: flick.NewID(created), AccountID: a.ID,
			TokenHash: auth.HashToken(token), CreatedAt: created, LastSeenAt: w.now, ExpiresAt: w.now.Add(30 * 24 * time.Hour)})
		if len(bulk.Accounts) == bulkChunk || k == f.users-1 {
			entries := make([]directory.Entry, len(bulk.Accounts))
			for i, b := range bulk.Accounts {
				entries[i] = directory.Entry{ID: b.Account.ID, Handle: b.Account.Handle, Region: b.Account.Region}
			}
			if err := dir.RegisterAll(ctx, entries); err != nil {
				return err
			}
			if err := store.BulkInsert(ctx, bulk); err != nil {
				return err
			}
			bulk = sqlite.Bulk{}
		}
	}
	nTags := synthTags(f.videos)
	tagZipf := rand.NewZipf(w.rng, 1.1, 4, uint64(nTags-1))
	creatorZipf := rand.NewZipf(w.rng, 1.05, 8, uint64(synthCreators(f.users)-1))
	w.community = make([][]int32, nTags)
	w.taste = make([]int32, f.users)
	for u := range w.taste {
		w.taste[u] = int32(tagZipf.Uint64())
	}
	metas := make([]recommend.VideoMeta, 0, bulkChunk)
	for slot := range f.videos {
		at := w.now.Add(-synthSpan + time.Duration(float64(synthSpan)*float64(slot)/float64(f.videos)))
		c := int(creatorZipf.Uint64())
		t0 := int(tagZipf.Uint64())
		tags := []string{synthTag(t0)}
		if t1 := w.rng.IntN(nTags); t1 != t0 {
			tags = append(tags, synthTag(t1))
		}
		v := synthVideo(w.users[c], "Synthetic video "+strconv.Itoa(slot), tags, at, int64(synthDuration(slot)))
		w.videos = append(w.videos, v.ID)
		w.durations = append(w.durations, synthDuration(slot))
		w.community[t0] = append(w.community[t0], int32(slot))
		bulk.Videos = append(bulk.Videos, v)
		metas = append(metas, recommend.MetaOf(v))
		if len(bulk.Videos) == bulkChunk || slot == f.videos-1 {
			if err := store.BulkInsert(ctx, bulk); err != nil {
				return err
			}
			engine.AddVideos(metas)
			bulk, metas = sqlite.Bulk{}, metas[:0]
			fmt.Fprintf(stderr, "\rloaded %d videos", slot+1)
		}
	}
	fmt.Fprintln(stderr)
	// Popularity is independent of upload order: shuffle the ranks, and
	// within each community.
	w.byRank = make([]int32, f.videos)
	for i := range w.byRank {
		w.byRank[i] = int32(i)
	}
	w.rng.Shuffle(len(w.byRank), func(i, j int) { w.byRank[i], w.byRank[j] = w.byRank[j], w.byRank[i] })
	for _, c := range w.community {
		w.rng.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
	}
	return nil
}

// synthVideo is a ready video as the bulk loader inserts it: its media are
// never fetched.
func synthVideo(author, caption string, tags []string, at time.Time, durationMS int64) *flick.Video {
	id := flick.NewID(at)
	return &flick.Video{ID: id, AuthorID: author, Caption: caption + " #" + strings.Join(tags, " #"),
		Hashtags: tags, Mentions: []string{}, Status: flick.StatusReady, Progress: 100, Complete: true, CreatedAt: at,
		DurationMS: durationMS, Width: 720, Height: 1280, PosterKey: "videos/" + id + "/poster.jpg",
		Renditions: []flick.Rendition{{Name: "360p", Width: 360, Height: 640, Bitrate: 800_000, Size: 1 << 20,
			Key: "videos/" + id + "/360p.mp4", Mime: "video/mp4"}}}
}

// synthAddr is synthetic viewer k's client address: the bench server
// trusts X-Forwarded-For, so that each viewer is a client of its own, as
// the defences against fake engagement see clients.
func synthAddr(k int) string {
	return fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255)
}

// pick draws a video for viewer u: mostly from their community, otherwise
// from the whole catalogue, the popular ones far more often.
func (w *synthWorld) pick(rng *rand.Rand, u int) int32 {
	if c := w.community[w.taste[u]]; len(c) > 0 && rng.Float64() < 0.7 {
		return c[w.zipf.Uint64()%uint64(len(c))]
	}
	return w.byRank[w.zipf.Uint64()]
}

// watch draws how long a viewer watched: through (or again) about half the
// time, part of it, or a quick flick away.
func watch(rng *rand.Rand, durationMS int32) int64 {
	d := float64(durationMS)
	switch r := rng.Float64(); {
	case r < 0.45:
		return int64(d * (1 + rng.Float64()*0.6))
	case r < 0.75:
		return int64(d * (0.3 + rng.Float64()*0.6))
	default:
		return int64(d * rng.Float64() * 0.2)
	}
}

// history feeds the engine a long-tailed interaction history through
// ObserveBatch, each viewer's interactions spread over historySpan in
// order, and returns how many events it made.
func (w *synthWorld) history(engine *recommend.Engine) int {
	f := w.f
	// Pareto activity (alpha 1.5, mean f.history), capped.
	activity := make([]int32, f.users)
	order := make([]int32, f.users)
	for u := range activity {
		a := float64(f.history) / 3 / math.Pow(1-w.rng.Float64(), 1/1.5)
		activity[u] = int32(min(max(a, 1), 2000))
		order[u] = int32(u)
	}
	slices.SortFunc(order, func(a, b int32) int { return int(activity[b] - activity[a]) })
	start := w.now.Add(-historySpan)
	batch := make([]flick.Event, 0, 50_000)
	total := 0
	flush := func() {
		engine.ObserveBatch(batch)
		total += len(batch)
		batch = batch[:0]
	}
	// Round r is every viewer's r-th interaction, so each viewer's events
	// are in order while the whole stays a stream.
	for r := int32(0); r < activity[order[0]]; r++ {
		for _, u := range order {
			if activity[u] <= r {
				break
			}
			at := start.Add(time.Duration(float64(historySpan) * (float64(r) + w.rng.Float64()) / float64(activity[u])))
			vi := w.pick(w.rng, int(u))
			video, user := w.videos[vi], w.users[u]
			batch = append(batch, flick.Event{Type: flick.EventImpression, AccountID: user, VideoID: video, At: at},
				flick.Event{Type: flick.EventView, AccountID: user, VideoID: video, WatchMS: watch(w.rng, w.durations[vi]),
					DurationMS: int64(w.durations[vi]), At: at})
			switch x := w.rng.Float64(); {
			case x < 0.08:
				batch = append(batch, flick.Event{Type: flick.EventLike, AccountID: user, VideoID: video, At: at})
			case x < 0.10:
				batch = append(batch, flick.Event{Type: flick.EventShare, AccountID: user, VideoID: video, At: at})
			case x < 0.11:
				// Following a creator, the prolific ones more often.
				batch = append(batch, flick.Event{Type: flick.EventFollow, AccountID: user,
					TargetID: w.users[int(w.zipf.Uint64())%synthCreators(f.users)], At: at})
			}
			if len(batch) >= cap(batch)-4 {
				flush()
			}
		}
	}
	flush()
	return total
}

// eventBody is a prepared POST /api/v1/events body and its viewer.
type eventBody struct {
	user int
	body []byte
}

// eventBodies prepares n batches of size events (an impression and a view
// of each video, as clients report them), so that the load generator spends
// its time sending rather than encoding.
func (w *synthWorld) eventBodies(n, size int) []eventBody {
	type clientEvent struct {
		Type    flick.EventType `json:"type"`
		VideoID string          `json:"video_id"`
		WatchMS int64           `json:"watch_ms,omitempty"`
	}
	out := make([]eventBody, n)
	for k := range out {
		u := w.rng.IntN(w.f.users)
		evs := make([]clientEvent, 0, size)
		for len(evs) < size {
			vi := w.pick(w.rng, u)
			evs = append(evs, clientEvent{Type: flick.EventImpression, VideoID: w.videos[vi]})
			if len(evs) < size {
				evs = append(evs, clientEvent{Type: flick.EventView, VideoID: w.videos[vi], WatchMS: watch(w.rng, w.durations[vi])})
			}
		}
		b, _ := json.Marshal(evs)
		out[k] = eventBody{user: u, body: b}
	}
	return out
}

// postEvents sends one batch and returns how many events were accepted.
func postEvents(ctx context.Context, client *http.Client, base string, header http.Header, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/events", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Accepted int `json:"accepted"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusAccepted {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return out.Accepted, nil
}

// forYouPage is the part of a For You answer the freshness probe reads.
type forYouPage struct {
	Items []forYouItem `json:"items"`
}

type forYouItem struct {
	ID      string   `json:"id"`
	Reasons []string `json:"reasons"`
}

// freshnessTimeout ends a freshness probe whose event never showed.
const freshnessTimeout = 5 * time.Second

// freshness measures, samples times, how long after a view is acknowledged
// the viewer's next For You stops showing the video: a viewer gets a page,
// watches a ranked (not exploration) video of it through, and asks again
// until it is gone. A probe that times out counts as freshnessTimeout.
func (w *synthWorld) freshness(ctx context.Context, base string, samples int) ([]time.Duration, error) {
	client := &http.Client{}
	defer client.CloseIdleConnections()
	var out []time.Duration
	for len(out) < samples {
		u := w.rng.IntN(w.f.users)
		page, err := w.forYou(ctx, client, base, u)
		if err != nil {
			return nil, err
		}
		target := ""
		for _, it := range page.Items {
			if !slices.Contains(it.Reasons, recommend.ReasonNew) && !slices.Contains(it.Reasons, recommend.ReasonNewCreator) {
				target = it.ID
				break
			}
		}
		if target == "" {
			continue
		}
		vi := slices.Index(w.videos, target)
		body, _ := json.Marshal([]map[string]any{{"type": "view", "video_id": target, "watch_ms": 2 * w.durations[vi]}})
		if _, err := postEvents(ctx, client, base, w.auth(u), body); err != nil {
			return nil, err
		}
		acked := time.Now()
		for {
			page, err := w.forYou(ctx, client, base, u)
			if err != nil {
				return nil, err
			}
			gone := !slices.ContainsFunc(page.Items, func(it forYouItem) bool { return it.ID == target })
			if d := time.Since(acked); gone || d > freshnessTimeout {
				out = append(out, d)
				break
			}
		}
	}
	return out, nil
}

func (w *synthWorld) forYou(ctx context.Context, client *http.Client, base string, u int) (*forYouPage, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/feed/foryou", nil)
	if err != nil {
		return nil, err
	}
	req.Header = w.auth(u).Clone()
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("for you: status %d", resp.StatusCode)
	}
	var p forYouPage
	return &p, json.NewDecoder(resp.Body).Decode(&p)
}

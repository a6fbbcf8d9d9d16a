package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/audit"
	"github.com/flick-video/flick/internal/auth"
	"github.com/flick-video/flick/internal/blob"
	"github.com/flick-video/flick/internal/events"
	"github.com/flick-video/flick/internal/recommend"
	"github.com/flick-video/flick/internal/residency"
	"github.com/flick-video/flick/internal/sqlite"
	"github.com/flick-video/flick/internal/transcode"
)

// fixture is a real API server over real components in a temporary
// directory: SQLite, a media directory, embedded NATS, the projector, the
// transcoder, the learner and the server's session-touch flusher running.
type fixture struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	store  *sqlite.DB
	router *residency.Router
	audit  *audit.Log
	blobs  *blob.Dir
	log    *events.Log
	learn  *recommend.Learner
	dir    string
	logBuf *syncBuffer
}

// testPasswordParams keep argon2id cheap in tests; internal/auth tests the
// OWASP parameters themselves.
var testPasswordParams = auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1}

func newFixture(t *testing.T, configure ...func(*Config)) *fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	logBuf := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	store, err := sqlite.Open(ctx, filepath.Join(dir, "flick.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	evlog, err := events.OpenEmbedded(ctx, filepath.Join(dir, "events"), flick.DefaultRegion, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	proj := events.NewProjector(evlog, store, logger, nil)
	directory, err := residency.OpenDirectory(ctx, filepath.Join(dir, "directory.db"))
	if err != nil {
		t.Fatal(err)
	}
	accessLog, err := audit.Open(ctx, filepath.Join(dir, "audit"), "", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	router := residency.NewRouter(directory, []string{flick.DefaultRegion}, []flick.RegionStore{store}, time.Now)
	evs := residency.NewEvents(router, []flick.EventAppender{evlog}, []residency.SeqWaiter{proj})
	tc := transcode.New(store, blobs, transcode.Config{Workers: 1, TempDir: blobs.TempDir(), Events: evlog}, logger, nil)
	engine := recommend.NewEngine(recommend.DefaultConfig(), time.Now)
	learner := recommend.NewLearner(engine, evlog, store, time.Now, "", logger)
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{proj.Run, tc.Run, learner.Run} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = run(ctx) }()
	}
	cfg := Config{TempDir: blobs.TempDir(), PasswordParams: testPasswordParams}
	for _, c := range configure {
		c(&cfg)
	}
	srv := New(cfg, Deps{
		Store: router, Events: evs, Projector: evs, Uploader: tc, Blobs: blobs,
		ForYou:    recommend.NewForYou(router, engine),
		Following: recommend.NewFollowing(router),
		Trending:  recommend.NewTrending(router, time.Now, recommend.DefaultConfig()),
		Audit:     accessLog,
		Logger:    logger, Registry: prometheus.NewRegistry(), Clock: time.Now,
	})
	wg.Add(1)
	go func() { defer wg.Done(); _ = srv.Run(ctx) }()
	f := &fixture{t: t, srv: srv, ts: httptest.NewServer(srv.Handler()), store: store, router: router, audit: accessLog,
		blobs: blobs, log: evlog, learn: learner, dir: dir, logBuf: logBuf}
	t.Cleanup(func() {
		f.ts.Close()
		cancel()
		wg.Wait()
		evlog.Close()
		store.Close()
		directory.Close()
		accessLog.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logBuf.String())
		}
	})
	return f
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// response is an answer with its body read.
type response struct {
	*http.Response
	body []byte
}

func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v\n%s", r.Request.URL.Path, err, r.body)
	}
}

type reqOption func(*http.Request)

func bearer(token string) reqOption {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func withHeader(k, v string) reqOption {
	return func(r *http.Request) { r.Header.Set(k, v) }
}

// withCookie sends the session cookie as a browser on our own origin would.
func withCookie(f *fixture, token string) reqOption {
	return func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: cookieName, Value: token})
		r.Header.Set("Origin", f.ts.URL)
	}
}

// request sends body (JSON-encoded unless []byte or io.Reader) and checks
// the rule every error answer keeps: JSON {"error":{"code","message"}}.
func (f *fixture) request(method, path string, body any, opts ...reqOption) *response {
	f.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, f.ts.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	r := &response{Response: resp, body: b}
	if resp.StatusCode >= 400 && method != http.MethodHead {
		var e errorBody
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
			json.Unmarshal(b, &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
			f.t.Fatalf("%s %s: status %d without a JSON error: %q", method, path, resp.StatusCode, b)
		}
		// Range and precondition failures of media have no code of their own.
		if statusOf(e.Error.Code) != resp.StatusCode && resp.StatusCode != 416 && resp.StatusCode != 412 {
			f.t.Fatalf("%s %s: status %d with code %q", method, path, resp.StatusCode, e.Error.Code)
		}
	}
	return r
}

// must sends a request and fails unless it gets status want.
func (f *fixture) must(want int, method, path string, body any, opts ...reqOption) *response {
	f.t.Helper()
	r := f.request(method, path, body, opts...)
	if r.StatusCode != want {
		f.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.StatusCode, want, r.body)
	}
	return r
}

// user is a signed-up account and its token.
type user struct {
	ID, Handle, Token string
}

func (f *fixture) signUp(handle string) user {
	f.t.Helper()
	r := f.must(http.StatusCreated, "POST", "/api/v1/accounts", map[string]string{
		"handle": handle, "password": "violet tractor umbrella", "birthdate": "1990-04-01",
	})
	var out struct {
		ID, Handle, Token string
	}
	r.decode(f.t, &out)
	return user{ID: out.ID, Handle: out.Handle, Token: out.Token}
}

// readyVideo records a ready video of author straight in the store, with a
// rendition and poster blob, skipping ffmpeg: most API tests need a video,
// not a transcode.
func (f *fixture) readyVideo(author user, caption string) *flick.Video {
	f.t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	tags, mentions := flick.ParseCaption(caption)
	v := &flick.Video{
		ID: flick.NewID(now), AuthorID: author.ID, Caption: caption, Hashtags: tags, Mentions: mentions,
		Status: flick.StatusProcessing, CreatedAt: now, DurationMS: 10_000, Width: 720, Height: 1280,
	}
	v.OriginalKey = "videos/" + v.ID + "/original"
	if err := f.store.CreateVideo(ctx, v); err != nil {
		f.t.Fatal(err)
	}
	for key, content := range map[string]string{
		v.OriginalKey:                    "original bytes",
		"videos/" + v.ID + "/360p.mp4":   strings.Repeat("0123456789", 1000),
		"videos/" + v.ID + "/poster.jpg": "poster",
	} {
		if _, err := f.blobs.Put(ctx, key, strings.NewReader(content)); err != nil {
			f.t.Fatal(err)
		}
	}
	err := f.store.AddRendition(ctx, v.ID, flick.RenditionUpdate{
		Rendition: flick.Rendition{Name: "360p", Width: 360, Height: 640, Bitrate: 800_000, Size: 10_000,
			Key: "videos/" + v.ID + "/360p.mp4", Mime: "video/mp4"},
		PosterKey: "videos/" + v.ID + "/poster.jpg", Ready: true, Complete: true,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	// As the transcoder does: announce the video and let For You learn of it.
	seq, err := f.log.Append(ctx, []flick.Event{{Type: flick.EventPublish, AccountID: author.ID, VideoID: v.ID, At: now}})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.learn.WaitFor(ctx, seq); err != nil {
		f.t.Fatal(err)
	}
	got, err := f.store.Video(ctx, v.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

// files lists the regular files under the fixture's media directory.
func (f *fixture) files() []string {
	f.t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(f.dir, "media"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

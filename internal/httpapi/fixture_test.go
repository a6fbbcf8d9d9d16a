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
	"github.com/flick-video/flick/internal/node"
	"github.com/flick-video/flick/internal/node/nodetest"
)

// fixture is a real API server over a real node in a temporary directory:
// SQLite, a media directory, embedded NATS, the projector, the transcoder,
// the learner and the services' jobs running.
type fixture struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	node   *node.Node
	store  flick.Store     // the one region's store
	blobs  flick.BlobStore // and its media
	log    flick.EventLog  // and its event log
	learn  flick.Learner   // and its recommender
	dir    string          // the data directory
	logBuf *syncBuffer
}

// setup is what a fixture is made with.
type setup struct {
	api  Config
	node node.Config
}

func newFixture(t *testing.T, configure ...func(*setup)) *fixture {
	t.Helper()
	logBuf := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var set setup
	set.node.Data, set.node.Logger = t.TempDir(), logger
	for _, c := range configure {
		c(&set)
	}
	n := nodetest.Start(t, set.node)
	set.api.TempDir = n.TempDir()
	srv := New(set.api, Deps{
		Accounts: n.Accounts, Engagement: n.Engagement, Videos: n.Videos, Rights: n.Rights, Mover: n.Mover,
		Notify: n.Notifications, Regions: n.Router, ForYou: n.Router.ForYou(), Following: n.Router.Following(), Trending: n.Trending,
		Audit: n.Audit, Logger: logger, Registry: prometheus.NewRegistry(), Clock: time.Now,
	})
	cell := n.Router.Cells()[0]
	f := &fixture{t: t, srv: srv, ts: httptest.NewServer(srv.Handler()), node: n,
		store: cell.Store, blobs: cell.Blobs, log: cell.Events, learn: cell.Learner, dir: set.node.Data, logBuf: logBuf}
	t.Cleanup(func() {
		f.ts.Close()
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
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: token})
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
	err := filepath.WalkDir(filepath.Join(node.RegionDir(f.dir, flick.DefaultRegion), "media"), func(p string, d os.DirEntry, err error) error {
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

// Package transcode turns uploads into playable videos: Ingest validates and
// records an upload and queues it; Run's workers make the ladder of
// renditions and the poster with ffmpeg. The database is the queue's durable
// state (every unfinished video is resumed on start); the in-memory queue
// only schedules. See README.md for the phases of a job.
package transcode

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/media"
	"github.com/prometheus/client_golang/prometheus"
)

// Config tunes a Service; zero values take the defaults.
type Config struct {
	Workers     int           // concurrent transcodes; 1 (ffmpeg already uses every core)
	MaxDuration time.Duration // the longest video accepted; 10 minutes
	MaxAttempts int           // starts of a transcode before it is given up; 3
	Clock       flick.Clock   // time.Now
	// TempDir holds work files. On the blob store's filesystem, finished
	// renditions are renamed into place rather than copied. Default: the
	// blob store's TempDir when it has one, else the system's.
	TempDir string
	// Events, when set, receives a publish event when a video becomes
	// playable and a remove event when it is deleted, so that every
	// consumer of the region's log (the For You learner on each node)
	// knows within milliseconds.
	Events flick.EventAppender
}

// Service implements flick.Uploader and runs the transcode workers.
type Service struct {
	store   flick.VideoStore
	blobs   flick.BlobStore
	cfg     Config
	logger  *slog.Logger
	metrics *metrics

	mu       sync.Mutex
	pending  []string        // video IDs waiting for a worker, oldest first
	running  map[string]*job // video IDs being transcoded
	deleting map[string]bool // video IDs being deleted: never start them
	wake     chan struct{}   // signalled when pending grows
}

// job is a running transcode, which Delete may stop.
type job struct {
	cancel context.CancelFunc
	done   chan struct{}
}

var _ flick.Uploader = (*Service)(nil)

// New returns a Service storing metadata in store and media in blobs, with
// its metrics registered on reg (nil: not exported). Call Run to transcode.
func New(store flick.VideoStore, blobs flick.BlobStore, cfg Config, logger *slog.Logger, reg prometheus.Registerer) *Service {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.MaxDuration <= 0 {
		cfg.MaxDuration = 10 * time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.TempDir == "" {
		if t, ok := blobs.(interface{ TempDir() string }); ok {
			cfg.TempDir = t.TempDir()
		} else {
			cfg.TempDir = os.TempDir()
		}
	}
	s := &Service{
		store:    store,
		blobs:    blobs,
		cfg:      cfg,
		logger:   logger,
		running:  map[string]*job{},
		deleting: map[string]bool{},
		wake:     make(chan struct{}, 1),
	}
	s.metrics = newMetrics(reg, s.queueDepth)
	return s
}

// Blob keys of a video's media.
func videoPrefix(id string) string { return "videos/" + id + "/" }
func originalKey(id string) string { return videoPrefix(id) + "original" }
func posterKey(id string) string   { return videoPrefix(id) + "poster.jpg" }

// coverKey is the key of a poster remade from a chosen frame: a new key
// each time, since posters are cached for good under theirs.
func coverKey(id string, at time.Time) string {
	return videoPrefix(id) + "poster-" + flick.NewID(at) + ".jpg"
}
func renditionKey(id, n string) string { return videoPrefix(id) + n + ".mp4" }

// Ingest validates the upload at path, records the video and queues its
// transcode. The file is moved into the blob store or removed, whatever
// happens; a refused upload leaves nothing behind.
func (s *Service) Ingest(ctx context.Context, authorID string, p flick.Publish, path string) (*flick.Video, error) {
	// After a successful move there is nothing left to remove.
	defer os.Remove(path)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	info, err := media.Probe(ctx, path, s.cfg.MaxDuration)
	if err != nil {
		if code := flick.ErrorCode(err); code != flick.EINTERNAL && code != flick.EUNAVAILABLE {
			// The author is told a sentence; what the tools said is here.
			// (The HTTP layer logs internal and unavailable errors itself.)
			s.logger.Info("upload refused", "author", authorID, "reason", flick.ErrorMessage(err), "err", err)
		}
		return nil, fmt.Errorf("ingest: %w", err)
	}
	cover := flick.DefaultCoverMS(info.DurationMS)
	if p.CoverMS != nil {
		if err := flick.ValidateCoverMS(*p.CoverMS, info.DurationMS); err != nil {
			return nil, err
		}
		cover = *p.CoverMS
	}
	now := s.cfg.Clock()
	hashtags, mentions := flick.ParseCaption(p.Caption)
	v := &flick.Video{
		ID:          flick.NewID(now),
		AuthorID:    authorID,
		Caption:     p.Caption,
		Hashtags:    hashtags,
		Mentions:    mentions,
		Status:      flick.StatusProcessing,
		CreatedAt:   now,
		DurationMS:  info.DurationMS,
		Width:       info.Width,
		Height:      info.Height,
		Renditions:  []flick.Rendition{},
		Visibility:  cmp.Or(p.Visibility, flick.VisibilityPublic),
		CommentsOff: p.CommentsOff,
		CoverMS:     cover,
	}
	v.OriginalKey = originalKey(v.ID)
	if err := s.store.CreateVideo(ctx, v); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	if err := s.blobs.PutFile(ctx, v.OriginalKey, path); err != nil {
		// The request may be what was cancelled; the clean-up must still run.
		cleanup := context.WithoutCancel(ctx)
		if derr := s.blobs.DeletePrefix(cleanup, videoPrefix(v.ID)); derr != nil {
			s.logger.Error("ingest: remove partial original", "video", v.ID, "err", derr)
		}
		if derr := s.store.DeleteVideo(cleanup, v.ID); derr != nil {
			s.logger.Error("ingest: remove video record", "video", v.ID, "err", derr)
		}
		return nil, fmt.Errorf("ingest: store original: %w", err)
	}
	s.enqueue(v.ID)
	s.logger.Info("video uploaded", "video", v.ID, "author", authorID, "duration_ms", v.DurationMS,
		"width", v.Width, "height", v.Height, "codec", info.VideoCodec)
	return v, nil
}

// Delete stops the video's transcode if one is running, then removes its
// media and its metadata.
func (s *Service) Delete(ctx context.Context, videoID string) error {
	s.mu.Lock()
	s.deleting[videoID] = true
	s.pending = slices.DeleteFunc(s.pending, func(id string) bool { return id == videoID })
	j := s.running[videoID]
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.deleting, videoID)
		s.mu.Unlock()
	}()
	if j != nil {
		// Wait for the job to stop so that it cannot store a rendition after
		// the media is gone.
		j.cancel()
		select {
		case <-j.done:
		case <-ctx.Done():
			return fmt.Errorf("delete video %s: %w", videoID, ctx.Err())
		}
	}
	if err := s.blobs.DeletePrefix(ctx, videoPrefix(videoID)); err != nil {
		return fmt.Errorf("delete video %s: media: %w", videoID, err)
	}
	if err := s.store.DeleteVideo(ctx, videoID); err != nil {
		return fmt.Errorf("delete video %s: %w", videoID, err)
	}
	s.announce(ctx, flick.Event{Type: flick.EventRemove, VideoID: videoID, At: s.cfg.Clock()})
	s.logger.Info("video deleted", "video", videoID)
	return nil
}

// announce appends a video event (publish, remove, fail) to the region's log
// when one is configured. A lost event only delays what consumers learn:
// they also meet new videos in the store and drop videos the store no
// longer has, so the upload or delete itself does not fail.
func (s *Service) announce(ctx context.Context, ev flick.Event) {
	if s.cfg.Events == nil {
		return
	}
	if _, err := s.cfg.Events.Append(ctx, []flick.Event{ev}); err != nil {
		s.logger.Warn("announce video event", "type", ev.Type, "video", ev.VideoID, "err", err)
	}
}

// enqueue schedules a transcode unless one is queued or running already.
func (s *Service) enqueue(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleting[id] || s.running[id] != nil || slices.Contains(s.pending, id) {
		return
	}
	s.pending = append(s.pending, id)
	s.signal()
}

// signal wakes one idle worker; the caller holds mu.
func (s *Service) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// next waits for a queued video and registers it as running under a context
// of its own, so that Delete can stop just that job. It returns "" when ctx
// ends.
func (s *Service) next(ctx context.Context) (string, context.Context, *job) {
	for {
		s.mu.Lock()
		if len(s.pending) > 0 {
			id := s.pending[0]
			s.pending = s.pending[1:]
			jobCtx, cancel := context.WithCancel(ctx)
			j := &job{cancel: cancel, done: make(chan struct{})}
			s.running[id] = j
			if len(s.pending) > 0 {
				s.signal() // for the next idle worker
			}
			s.mu.Unlock()
			return id, jobCtx, j
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return "", nil, nil
		case <-s.wake:
		}
	}
}

// finish unregisters a job that has stopped.
func (s *Service) finish(id string, j *job) {
	s.mu.Lock()
	delete(s.running, id)
	s.mu.Unlock()
	j.cancel()
	close(j.done)
}

func (s *Service) queueDepth() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return float64(len(s.pending))
}

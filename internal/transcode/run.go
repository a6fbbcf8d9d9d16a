package transcode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/media"
)

// Phases of a job, as the duration metric labels them.
const (
	phaseFirst = "first" // the lowest rendition and the poster: the video becomes playable
	phaseRest  = "rest"  // the higher renditions
)

// errGone means the video was deleted while its job ran.
var errGone = errors.New("video deleted")

// errNoOriginal means the upload is gone from the blob store, so the video
// can never be transcoded.
var errNoOriginal = flick.Errorf(flick.EUNPROCESSABLE, "The original upload is missing.")

// errAttempts means the transcode kept being interrupted (by crashes or
// restarts) and will not be tried again.
var errAttempts = flick.Errorf(flick.EUNPROCESSABLE, "Transcoding was interrupted too many times.")

// Run resumes every unfinished transcode and works through the queue with
// cfg.Workers workers until ctx ends. A transcode stopped by ctx is left in
// processing, and the next Run resumes it. Run returns once every worker,
// and every ffmpeg it started, has stopped.
func (s *Service) Run(ctx context.Context) error {
	unfinished, err := s.store.ProcessingVideos(ctx)
	if err != nil {
		return fmt.Errorf("transcode: resume: %w", err)
	}
	for _, v := range unfinished {
		s.enqueue(v.ID)
	}
	if len(unfinished) > 0 {
		s.logger.Info("resuming transcodes", "videos", len(unfinished))
	}
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() {
			for {
				id, jobCtx, j := s.next(ctx)
				if id == "" {
					return
				}
				s.process(jobCtx, id)
				s.finish(id, j)
			}
		})
	}
	wg.Wait()
	return nil
}

// process runs one job and records how it ended.
func (s *Service) process(ctx context.Context, id string) {
	log := s.logger.With("video", id)
	work, err := os.MkdirTemp(s.cfg.TempDir, "transcode-"+id+"-")
	if err == nil {
		defer os.RemoveAll(work)
		err = s.transcode(ctx, log, id, work)
	}
	// Clean-up and status writes must happen even when ctx is what ended.
	bg := context.WithoutCancel(ctx)
	switch {
	case err == nil:
	case errors.Is(err, errGone):
		// Outputs stored before the job noticed would be orphans.
		if err := s.blobs.DeletePrefix(bg, videoPrefix(id)); err != nil {
			log.Error("remove media of deleted video", "err", err)
		}
		log.Info("transcode stopped: video deleted")
	case ctx.Err() != nil:
		log.Info("transcode stopped; it resumes on the next start", "err", err)
	default:
		s.metrics.failures.Inc()
		reason := failureReason(err)
		log.Error("transcode failed", "reason", reason, "err", err)
		switch err := s.store.SetFailed(bg, id, reason); flick.ErrorCode(err) {
		case "":
			s.announceFailure(bg, log, id)
		case flick.ENOTFOUND:
		case flick.ECONFLICT: // it became playable meanwhile, and stays so
			log.Warn("transcode failure not recorded", "err", err)
		default:
			log.Error("record transcode failure", "err", err)
		}
	}
}

// announceFailure appends the fail event of video id, from which its
// author is notified.
func (s *Service) announceFailure(ctx context.Context, log *slog.Logger, id string) {
	v, err := s.store.Video(ctx, id)
	if err != nil {
		log.Warn("announce transcode failure", "err", err)
		return
	}
	s.announce(ctx, flick.Event{Type: flick.EventFail, AccountID: v.AuthorID, VideoID: id, At: s.cfg.Clock()})
}

// failureReason is what the author is told: a sentence of Flick's own.
// What ffmpeg said names server paths and library internals, and goes to
// the log with the error.
func failureReason(err error) string {
	if flick.ErrorCode(err) != flick.EINTERNAL {
		return flick.ErrorMessage(err) // e.g. ffmpeg is not installed
	}
	return "The video could not be converted."
}

// transcode makes whatever the video still lacks: first the lowest rendition
// and the poster (phase 1, after which it is playable), then every higher
// rendition in one more pass (phase 2). A resumed job skips what exists.
func (s *Service) transcode(ctx context.Context, log *slog.Logger, id, work string) error {
	v, err := s.store.Video(ctx, id)
	if err != nil {
		return storeErr(err)
	}
	if v.Complete || v.Status == flick.StatusFailed {
		return nil
	}
	attempt, err := s.store.StartTranscode(ctx, id)
	if err != nil {
		return storeErr(err)
	}
	ladder := media.Ladder(v.Width, v.Height)
	var playable *flick.Rendition // the largest rendition stored so far
	have := map[string]bool{}
	for i, r := range v.Renditions {
		have[r.Name] = true
		if playable == nil || r.Width*r.Height > playable.Width*playable.Height {
			playable = &v.Renditions[i]
		}
	}
	var missing []media.Rung
	for _, r := range ladder {
		if !have[r.Name] {
			missing = append(missing, r)
		}
	}
	switch {
	case attempt > s.cfg.MaxAttempts && playable != nil:
		// Keep it playable, without the higher renditions.
		log.Warn("giving up on the higher renditions", "attempts", attempt-1)
		return s.complete(ctx, id, *playable)
	case attempt > s.cfg.MaxAttempts:
		return errAttempts
	case len(missing) == 0:
		// A crash came between the last rendition and its completion.
		return s.complete(ctx, id, *playable)
	}
	log.Info("transcode started", "attempt", attempt, "renditions", len(missing))

	src, err := s.source(ctx, v.OriginalKey, work)
	if err != nil {
		return err
	}
	if playable == nil {
		r, err := s.firstPhase(ctx, v, src, work, ladder)
		if err != nil {
			return err
		}
		playable, missing = &r, missing[1:]
	}
	if len(missing) > 0 {
		err := s.restPhase(ctx, v, src, work, missing)
		if err != nil && ctx.Err() == nil && !errors.Is(err, errGone) {
			// Failing the video now would take away what already plays.
			s.metrics.failures.Inc()
			log.Error("higher renditions failed; the video stays playable without them",
				"reason", failureReason(err), "err", err)
			return s.complete(ctx, id, *playable)
		} else if err != nil {
			return err
		}
	}
	log.Info("transcode finished")
	return nil
}

// complete marks the ladder finished with the renditions the video has.
func (s *Service) complete(ctx context.Context, id string, r flick.Rendition) error {
	return storeErr(s.store.AddRendition(ctx, id, flick.RenditionUpdate{Rendition: r, Ready: true, Complete: true}))
}

// firstPhase makes the lowest rendition and the poster in one pass,
// reporting progress, and makes the video ready.
func (s *Service) firstPhase(ctx context.Context, v *flick.Video, src, work string, ladder []media.Rung) (flick.Rendition, error) {
	start := time.Now()
	lowest := ladder[0]
	posterRung := posterSize(ladder)
	enc := media.Encoding{
		Src:        src,
		DurationMS: v.DurationMS,
		Outputs:    []media.Output{{Path: filepath.Join(work, lowest.Name+".mp4"), Rung: lowest}},
		Poster:     &media.Poster{Path: filepath.Join(work, "poster.jpg"), Width: posterRung.Width, Height: posterRung.Height, AtMS: v.CoverMS},
	}
	if err := media.Encode(ctx, enc, s.progress(ctx, v.ID)); errors.Is(err, media.ErrNoFrame) {
		// The chosen time fell in the last frame's span: the rendition is
		// made, and the poster takes the default frame instead.
		log := s.logger.With("video", v.ID)
		log.Info("no frame at the chosen cover time; using the default", "cover_ms", v.CoverMS)
		if err := s.makePoster(ctx, v, work, flick.DefaultCoverMS(v.DurationMS), enc.Poster.Path); err != nil {
			return flick.Rendition{}, err
		}
	} else if err != nil {
		return flick.Rendition{}, err
	}
	if err := s.blobs.PutFile(ctx, posterKey(v.ID), enc.Poster.Path); err != nil {
		return flick.Rendition{}, fmt.Errorf("store poster: %w", err)
	}
	r, err := s.storeRendition(ctx, v, enc.Outputs[0])
	if err != nil {
		return flick.Rendition{}, err
	}
	err = s.store.AddRendition(ctx, v.ID, flick.RenditionUpdate{Rendition: r, PosterKey: posterKey(v.ID), Ready: true, Complete: len(ladder) == 1})
	if err != nil {
		return flick.Rendition{}, storeErr(err)
	}
	s.announce(ctx, flick.Event{Type: flick.EventPublish, AccountID: v.AuthorID, VideoID: v.ID, DurationMS: v.DurationMS, At: s.cfg.Clock()})
	s.metrics.duration.WithLabelValues(phaseFirst).Observe(time.Since(start).Seconds())
	return r, nil
}

// posterSize is the size of a video's poster: the lowest rung's (360 on
// the short side at most). The poster is what shows until the first frame,
// and that is what a phone needs for that moment and a grid cell for good;
// it weighs a third of a 540p one, which on a slow connection is time taken
// from the video itself. Posters made before are served as they are.
func posterSize(ladder []media.Rung) media.Rung { return ladder[0] }

// makePoster makes v's poster from the frame at atMS of its original, at out.
func (s *Service) makePoster(ctx context.Context, v *flick.Video, work string, atMS int64, out string) error {
	src, err := s.source(ctx, v.OriginalKey, work)
	if err != nil {
		return err
	}
	size := posterSize(media.Ladder(v.Width, v.Height))
	return media.Encode(ctx, media.Encoding{Src: src, DurationMS: v.DurationMS,
		Poster: &media.Poster{Path: out, Width: size.Width, Height: size.Height, AtMS: atMS}}, nil)
}

// SetCover remakes a ready video's poster from the frame at coverMS of the
// original (the best picture of it there is), stores it under a new key,
// records it, and removes the old poster.
func (s *Service) SetCover(ctx context.Context, videoID string, coverMS int64) error {
	v, err := s.store.Video(ctx, videoID)
	if err != nil {
		return err
	}
	if v.Status != flick.StatusReady || v.PosterKey == "" {
		return flick.Errorf(flick.ECONFLICT, "The cover can be chosen once the video is ready.")
	}
	if err := flick.ValidateCoverMS(coverMS, v.DurationMS); err != nil {
		return err
	}
	work, err := os.MkdirTemp(s.cfg.TempDir, "cover-*")
	if err != nil {
		return fmt.Errorf("set cover: %w", err)
	}
	defer os.RemoveAll(work)
	out := filepath.Join(work, "poster.jpg")
	if err := s.makePoster(ctx, v, work, coverMS, out); err != nil {
		return fmt.Errorf("set cover of %s: %w", videoID, err)
	}
	key := coverKey(videoID, s.cfg.Clock())
	if err := s.blobs.PutFile(ctx, key, out); err != nil {
		return fmt.Errorf("set cover of %s: store poster: %w", videoID, err)
	}
	old, err := s.store.SetPoster(ctx, videoID, key, coverMS)
	if err != nil {
		// Nothing points at the new blob: take it back.
		if derr := s.blobs.DeletePrefix(context.WithoutCancel(ctx), key); derr != nil {
			s.logger.Error("set cover: remove unused poster", "video", videoID, "key", key, "err", derr)
		}
		return fmt.Errorf("set cover of %s: %w", videoID, err)
	}
	if old != "" && old != key {
		if err := s.blobs.DeletePrefix(ctx, old); err != nil {
			s.logger.Error("set cover: remove old poster", "video", videoID, "key", old, "err", err)
		}
	}
	s.logger.Info("video cover changed", "video", videoID, "cover_ms", coverMS)
	return nil
}

// restPhase makes the given renditions in one pass.
func (s *Service) restPhase(ctx context.Context, v *flick.Video, src, work string, rungs []media.Rung) error {
	start := time.Now()
	enc := media.Encoding{Src: src, DurationMS: v.DurationMS}
	for _, r := range rungs {
		enc.Outputs = append(enc.Outputs, media.Output{Path: filepath.Join(work, r.Name+".mp4"), Rung: r})
	}
	if err := media.Encode(ctx, enc, nil); err != nil {
		return err
	}
	for i, o := range enc.Outputs {
		r, err := s.storeRendition(ctx, v, o)
		if err != nil {
			return err
		}
		err = s.store.AddRendition(ctx, v.ID, flick.RenditionUpdate{Rendition: r, Ready: true, Complete: i == len(enc.Outputs)-1})
		if err != nil {
			return storeErr(err)
		}
	}
	s.metrics.duration.WithLabelValues(phaseRest).Observe(time.Since(start).Seconds())
	return nil
}

// storeRendition moves an encoded file into the blob store.
func (s *Service) storeRendition(ctx context.Context, v *flick.Video, o media.Output) (flick.Rendition, error) {
	st, err := os.Stat(o.Path)
	if err != nil {
		return flick.Rendition{}, fmt.Errorf("rendition %s: %w", o.Rung.Name, err)
	}
	key := renditionKey(v.ID, o.Rung.Name)
	if err := s.blobs.PutFile(ctx, key, o.Path); err != nil {
		return flick.Rendition{}, fmt.Errorf("store rendition %s: %w", o.Rung.Name, err)
	}
	return flick.Rendition{
		Name:    o.Rung.Name,
		Width:   o.Rung.Width,
		Height:  o.Rung.Height,
		Bitrate: int(st.Size() * 8 * 1000 / max(v.DurationMS, 1)), // the average, audio included
		Size:    st.Size(),
		Key:     key,
		Mime:    "video/mp4",
	}, nil
}

// source returns a local path of the original: the blob itself when the
// store keeps blobs as local files, else a copy in the work directory.
func (s *Service) source(ctx context.Context, key, work string) (string, error) {
	if local, ok := s.blobs.(interface{ Path(string) (string, error) }); ok {
		p, err := local.Path(key)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return "", errNoOriginal
		} else if err != nil {
			return "", fmt.Errorf("original %s: %w", key, err)
		}
		return p, nil
	}
	b, err := s.blobs.Open(ctx, key)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		return "", errNoOriginal
	} else if err != nil {
		return "", fmt.Errorf("original %s: %w", key, err)
	}
	defer b.Close()
	p := filepath.Join(work, "original")
	f, err := os.Create(p)
	if err != nil {
		return "", fmt.Errorf("original %s: %w", key, err)
	}
	_, err = io.Copy(f, b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("original %s: %w", key, err)
	}
	return p, nil
}

// progress returns a callback that records ffmpeg's progress, at most every
// 5 % or 500 ms so that a long video does not flood the database.
func (s *Service) progress(ctx context.Context, id string) func(int) {
	last, lastAt := 0, time.Now()
	return func(pct int) {
		if pct >= 100 || pct-last < 5 && time.Since(lastAt) < 500*time.Millisecond {
			return // 100 is set with the rendition, in the same transaction
		}
		last, lastAt = pct, time.Now()
		if err := s.store.SetProgress(ctx, id, pct); err != nil && ctx.Err() == nil {
			s.logger.Warn("record transcode progress", "video", id, "err", err)
		}
	}
}

// storeErr tells a deleted video apart from other store errors.
func storeErr(err error) error {
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		return fmt.Errorf("%w: %w", errGone, err)
	}
	return err
}

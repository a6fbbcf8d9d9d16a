// Package videos is Flick's Videos service: creators publish videos, which
// the transcoder of their home region turns into renditions
// (internal/transcode), change what they chose about them (caption, who may
// watch, comments, cover, pins) and take them down again. It is also where
// a video is found for a viewer, so that who may see what is decided once.
package videos

import (
	"context"
	"os"
	"strings"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/routing"
)

// Service implements flick.Videos.
type Service struct {
	router *routing.Router
	clock  flick.Clock
}

var _ flick.Videos = (*Service)(nil)

// New returns the service over every region behind router.
func New(router *routing.Router, clock flick.Clock) *Service {
	return &Service{router: router, clock: clock}
}

// Upload hands the file to the transcoder of the author's home region,
// which owns it from then on.
func (s *Service) Upload(ctx context.Context, authorID string, p flick.Publish, path string) (*flick.Video, error) {
	home, done, err := s.router.Home(ctx, authorID)
	if err != nil {
		os.Remove(path) // Upload owns the file whatever happens
		return nil, err
	}
	defer done()
	return home.Uploader.Ingest(ctx, authorID, p, path)
}

// Get returns the video if viewerID may see it.
func (s *Service) Get(ctx context.Context, viewerID, id string) (*flick.Video, error) {
	return s.router.VisibleVideo(ctx, viewerID, id)
}

// own returns the video if actorID is its author: ENOTFOUND if they may
// not see it, EFORBIDDEN if they may but it is someone else's.
func (s *Service) own(ctx context.Context, actorID, videoID, verb string) (*flick.Video, *flick.Cell, error) {
	v, err := s.router.VisibleVideo(ctx, actorID, videoID)
	if err != nil {
		return nil, nil, err
	}
	if v.AuthorID != actorID {
		return nil, nil, flick.Errorf(flick.EFORBIDDEN, "Only the author can %s this video.", verb)
	}
	c, err := s.router.VideoCell(ctx, v.ID)
	if err != nil {
		return nil, nil, err
	}
	return v, c, nil
}

// Delete lets the author delete their video, through the transcoder of the
// video's region, which cancels a transcode under way and announces the
// deletion to every region.
func (s *Service) Delete(ctx context.Context, actorID, videoID string) error {
	v, c, err := s.own(ctx, actorID, videoID, "delete")
	if err != nil {
		return err
	}
	return c.Uploader.Delete(ctx, v.ID)
}

// Edit checks every field first, so that a bad one changes nothing, then
// remakes the poster (the slow part, which may still fail on a time in the
// last frame's span) and then writes the rest in one store transaction.
func (s *Service) Edit(ctx context.Context, actorID, videoID string, e flick.VideoEdit) (*flick.Video, error) {
	v, c, err := s.own(ctx, actorID, videoID, "edit")
	if err != nil {
		return nil, err
	}
	var u flick.VideoUpdate
	if e.Caption != nil {
		caption := strings.TrimSpace(*e.Caption)
		if err := flick.ValidateCaption(caption); err != nil {
			return nil, err
		}
		u.Caption = &caption
		u.Hashtags, u.Mentions = flick.ParseCaption(caption)
	}
	if e.Visibility != nil {
		if err := e.Visibility.Validate(); err != nil {
			return nil, err
		}
		u.Visibility = e.Visibility
	}
	u.CommentsEnabled = e.CommentsEnabled
	if e.CoverMS != nil {
		if err := flick.ValidateCoverMS(*e.CoverMS, v.DurationMS); err != nil {
			return nil, err
		}
		if err := c.Uploader.SetCover(ctx, v.ID, *e.CoverMS); err != nil {
			return nil, err
		}
	}
	if _, err := c.Store.UpdateVideo(ctx, v.ID, u); err != nil {
		return nil, err
	}
	return s.router.Video(ctx, v.ID)
}

// Pin pins the author's video to the top of their profile.
func (s *Service) Pin(ctx context.Context, actorID, videoID string) (*flick.Video, error) {
	v, c, err := s.own(ctx, actorID, videoID, "pin")
	if err != nil {
		return nil, err
	}
	if v.Status != flick.StatusReady {
		return nil, flick.Errorf(flick.ECONFLICT, "A video can be pinned once it is ready.")
	}
	if err := c.Store.PinVideo(ctx, v.ID, s.clock()); err != nil {
		return nil, err
	}
	return s.router.Video(ctx, v.ID)
}

// Unpin unpins the author's video.
func (s *Service) Unpin(ctx context.Context, actorID, videoID string) (*flick.Video, error) {
	v, c, err := s.own(ctx, actorID, videoID, "unpin")
	if err != nil {
		return nil, err
	}
	if err := c.Store.UnpinVideo(ctx, v.ID); err != nil {
		return nil, err
	}
	return s.router.Video(ctx, v.ID)
}

// Profile reads the follow once for the page, never per video: the
// visibilities the viewer may see go into the store's query.
func (s *Service) Profile(ctx context.Context, viewerID, authorID string, p flick.Page) ([]*flick.Video, string, error) {
	isAuthor := viewerID != "" && viewerID == authorID
	follower := false
	if !isAuthor {
		var err error
		if follower, err = s.router.Follows(ctx, viewerID, authorID); err != nil {
			return nil, "", err
		}
	}
	f := flick.VideoFilter{AuthorIDs: []string{authorID}, AllStatuses: isAuthor, Visibilities: flick.VisibilitiesFor(isAuthor, follower)}
	var pinned []*flick.Video
	if p.Cursor == "" {
		pf := f
		pf.Pins = flick.OnlyPinned
		var err error
		if pinned, _, err = s.router.ListVideos(ctx, pf, flick.Page{Limit: flick.MaxPinned}); err != nil {
			return nil, "", err
		}
	}
	f.Pins = flick.NotPinned
	rest, next, err := s.router.ListVideos(ctx, f, p)
	if err != nil {
		return nil, "", err
	}
	return append(pinned, rest...), next, nil
}

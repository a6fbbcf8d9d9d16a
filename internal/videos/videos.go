// Package videos is Flick's Videos service: creators publish videos, which
// the transcoder of their home region turns into renditions
// (internal/transcode), and take them down again.
package videos

import (
	"context"
	"os"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/routing"
)

// Service implements flick.Videos.
type Service struct {
	router *routing.Router
}

var _ flick.Videos = (*Service)(nil)

// New returns the service over every region behind router.
func New(router *routing.Router) *Service { return &Service{router: router} }

// Upload hands the file to the transcoder of the author's home region,
// which owns it from then on.
func (s *Service) Upload(ctx context.Context, authorID, caption, path string) (*flick.Video, error) {
	home, done, err := s.router.Home(ctx, authorID)
	if err != nil {
		os.Remove(path) // Upload owns the file whatever happens
		return nil, err
	}
	defer done()
	return home.Uploader.Ingest(ctx, authorID, caption, path)
}

// Delete lets the author delete their video, through the transcoder of the
// video's region, which cancels a transcode under way and announces the
// deletion to every region.
func (s *Service) Delete(ctx context.Context, actorID, videoID string) error {
	v, err := s.router.Video(ctx, videoID)
	if err != nil {
		return err
	}
	if !v.VisibleTo(actorID) {
		return flick.Errorf(flick.ENOTFOUND, "Video not found.")
	}
	if v.AuthorID != actorID {
		return flick.Errorf(flick.EFORBIDDEN, "Only the author can delete this video.")
	}
	c, err := s.router.VideoCell(ctx, v.ID)
	if err != nil {
		return err
	}
	return c.Uploader.Delete(ctx, v.ID)
}

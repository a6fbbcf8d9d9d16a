package routing

import (
	"context"
	"strings"

	"github.com/flick-video/flick"
)

// OpenMedia opens a blob in the region that holds it: a video's files are
// in its creator's home region ("videos/<video id>/..."), served only to
// those who may see the video, an avatar in its account's
// ("avatars/<account id>.jpg"). viewer says who asks ("" when signed out);
// it is called only for a video that is not public, so that the files of
// public videos cost no session look-up. OpenMedia also returns the video's
// visibility ("" for an avatar), which decides how the blob may be cached.
// ENOTFOUND for any other key, and for the files of a video the viewer may
// not see.
func (r *Router) OpenMedia(ctx context.Context, key string, viewer func() (string, error)) (flick.Blob, flick.Visibility, error) {
	if rest, ok := strings.CutPrefix(key, "videos/"); ok {
		id, _, _ := strings.Cut(rest, "/")
		// Who may see it needs only its author, status and visibility.
		i, v, err := r.findVideo(ctx, id, flick.Store.VideoAudience)
		if err != nil {
			return nil, "", err
		}
		if v.Visibility != flick.VisibilityPublic || v.Status != flick.StatusReady {
			viewerID, err := viewer()
			if err != nil {
				return nil, "", err
			}
			if err := r.visible(ctx, viewerID, v); err != nil {
				return nil, "", err
			}
		}
		b, err := r.cells[i].Blobs.Open(ctx, key)
		return b, v.Visibility, err
	}
	b, err := r.openAvatar(ctx, key)
	return b, "", err
}

// openAvatar opens an account's avatar in its home region.
func (r *Router) openAvatar(ctx context.Context, key string) (flick.Blob, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Blobs.Open(ctx, key)
	}
	if id, ok := strings.CutPrefix(key, "avatars/"); ok {
		home, done, err := r.Home(ctx, strings.TrimSuffix(id, ".jpg"))
		if err != nil {
			return nil, err
		}
		defer done()
		return home.Blobs.Open(ctx, key)
	}
	return nil, flick.Errorf(flick.ENOTFOUND, "Not found.")
}

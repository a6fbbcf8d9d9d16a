package routing

import (
	"context"
	"strings"

	"github.com/flick-video/flick"
)

// OpenMedia opens a blob in the region that holds it: a video's files are
// in its creator's home region ("videos/<video id>/..."), an avatar in its
// account's ("avatars/<account id>.jpg"). ENOTFOUND for any other key.
func (r *Router) OpenMedia(ctx context.Context, key string) (flick.Blob, error) {
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
	if rest, ok := strings.CutPrefix(key, "videos/"); ok {
		id, _, _ := strings.Cut(rest, "/")
		c, err := r.VideoCell(ctx, id)
		if err != nil {
			return nil, err
		}
		return c.Blobs.Open(ctx, key)
	}
	return nil, flick.Errorf(flick.ENOTFOUND, "Not found.")
}

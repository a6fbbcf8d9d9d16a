package residency

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/flick-video/flick"
)

// Media sends each media call to the region that holds the blob: a video's
// files are in its creator's home region ("videos/<video id>/..."), an
// avatar in its account's ("avatars/<account id>.jpg").
type Media struct {
	r         *Router
	blobs     []flick.BlobStore
	uploaders []flick.Uploader
}

var (
	_ flick.BlobStore = (*Media)(nil)
	_ flick.Uploader  = (*Media)(nil)
)

// NewMedia routes over one media store and one uploader per region, in the
// router's order of regions.
func NewMedia(r *Router, blobs []flick.BlobStore, uploaders []flick.Uploader) *Media {
	return &Media{r: r, blobs: blobs, uploaders: uploaders}
}

// cell returns the index of the region that holds key; until leave, a call
// on an avatar is one under way on its account (Router.enter).
func (m *Media) cell(ctx context.Context, key string) (i int, leave func(), err error) {
	if len(m.blobs) == 1 {
		return 0, func() {}, nil
	}
	if id, ok := strings.CutPrefix(key, "avatars/"); ok {
		region, leave, err := m.r.enter(ctx, strings.TrimSuffix(id, ".jpg"))
		if err != nil {
			return 0, nil, err
		}
		return indexOf(m.r.regions, region), leave, nil
	}
	if rest, ok := strings.CutPrefix(key, "videos/"); ok {
		id, _, _ := strings.Cut(rest, "/")
		i, _, err := m.r.videoCell(ctx, id)
		return i, func() {}, err
	}
	return 0, nil, flick.Errorf(flick.ENOTFOUND, "Not found.")
}

func (m *Media) Open(ctx context.Context, key string) (flick.Blob, error) {
	i, leave, err := m.cell(ctx, key)
	if err != nil {
		return nil, err
	}
	defer leave()
	return m.blobs[i].Open(ctx, key)
}

func (m *Media) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	i, leave, err := m.cell(ctx, key)
	if err != nil {
		return 0, err
	}
	defer leave()
	return m.blobs[i].Put(ctx, key, r)
}

func (m *Media) PutFile(ctx context.Context, key, path string) error {
	i, leave, err := m.cell(ctx, key)
	if err != nil {
		return err
	}
	defer leave()
	return m.blobs[i].PutFile(ctx, key, path)
}

func (m *Media) DeletePrefix(ctx context.Context, prefix string) error {
	i, leave, err := m.cell(ctx, prefix)
	if err != nil {
		return err
	}
	defer leave()
	return m.blobs[i].DeletePrefix(ctx, prefix)
}

// Ingest hands the upload to the transcoder of the author's home region.
func (m *Media) Ingest(ctx context.Context, authorID, caption, path string) (*flick.Video, error) {
	i := 0
	if len(m.uploaders) > 1 {
		region, leave, err := m.r.enter(ctx, authorID)
		if err != nil {
			os.Remove(path) // Ingest owns the file whatever happens
			return nil, err
		}
		defer leave()
		i = indexOf(m.r.regions, region)
	}
	return m.uploaders[i].Ingest(ctx, authorID, caption, path)
}

// Delete hands the deletion to the transcoder of the video's region.
func (m *Media) Delete(ctx context.Context, videoID string) error {
	i, leave, err := m.cell(ctx, "videos/"+videoID+"/")
	if err != nil {
		return err
	}
	defer leave()
	return m.uploaders[i].Delete(ctx, videoID)
}

// deleteVideo hands a video's deletion to the transcoder of region.
func (m *Media) deleteVideo(ctx context.Context, region, videoID string) error {
	return m.uploaders[indexOf(m.r.regions, region)].Delete(ctx, videoID)
}

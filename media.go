package flick

import (
	"context"
	"io"
	"time"
)

// Blob is an open stored object.
type Blob interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// BlobStore keeps media (originals, renditions, posters, avatars) of one
// region under slash-separated keys such as "videos/<id>/540p.mp4".
type BlobStore interface {
	// Put stores r under key atomically: readers see the old blob or the
	// whole new one, never a part.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// PutFile moves the local file at path into the store under key.
	PutFile(ctx context.Context, key, path string) error
	// Open returns ENOTFOUND for a missing key.
	Open(ctx context.Context, key string) (Blob, error)
	// DeletePrefix deletes every blob whose key starts with prefix.
	DeletePrefix(ctx context.Context, prefix string) error
	// Keys lists the keys that start with prefix ("" for all), sorted.
	Keys(ctx context.Context, prefix string) ([]string, error)
}

// Uploader is a region's transcoder: it turns an uploaded file into a
// video of that region.
type Uploader interface {
	// Ingest takes ownership of the local file at path (it is moved or
	// removed whatever happens) and returns the new video in status
	// processing. Unacceptable files get EUNSUPPORTED, EUNPROCESSABLE or
	// ETOOLARGE errors and leave nothing behind.
	// EUNPROCESSABLE also for a cover time outside the video.
	Ingest(ctx context.Context, authorID string, p Publish, path string) (*Video, error)
	// SetCover remakes the poster of a ready video from the frame at
	// coverMS, stores it under a new key (posters are cached for good under
	// theirs) and removes the old one. EUNPROCESSABLE for a time outside the
	// video, ECONFLICT for a video not ready.
	SetCover(ctx context.Context, videoID string, coverMS int64) error
	// Delete deletes a video's media and metadata, cancelling its
	// transcode, and announces the deletion to every region.
	Delete(ctx context.Context, videoID string) error
}

// MediaURL is the path under which the HTTP server serves the blob at key.
// Stores fill PosterURL, Rendition.URL and AccountRef.AvatarURL with it.
func MediaURL(key string) string { return "/media/" + key }

// AvatarKey is the blob key of an account's avatar.
func AvatarKey(accountID string) string { return "avatars/" + accountID + ".jpg" }

package flick

import (
	"context"
	"time"
	"unicode/utf8"
)

// VideoStatus is where a video is in its life.
type VideoStatus string

const (
	StatusProcessing VideoStatus = "processing"
	StatusReady      VideoStatus = "ready"
	StatusFailed     VideoStatus = "failed"
)

// Video is an uploaded video and its public metadata.
type Video struct {
	ID        string      `json:"id"`
	AuthorID  string      `json:"-"`
	Author    AccountRef  `json:"author"`
	Caption   string      `json:"caption"`
	Hashtags  []string    `json:"hashtags"`
	Mentions  []string    `json:"mentions"`
	Status    VideoStatus `json:"status"`
	Progress  int         `json:"progress"` // 0-100 while processing
	Failure   string      `json:"failure,omitempty"`
	Attempts  int         `json:"-"` // transcode attempts started
	CreatedAt time.Time   `json:"created_at"`

	// Set by probing the original upload. Width and Height are the display
	// size, after any rotation the container asks for.
	DurationMS int64 `json:"duration_ms"`
	Width      int   `json:"width"`
	Height     int   `json:"height"`

	OriginalKey string      `json:"-"` // blob key of the upload as received
	PosterKey   string      `json:"-"` // blob key of the poster, "" until made
	PosterURL   string      `json:"poster_url,omitempty"`
	Renditions  []Rendition `json:"renditions"`
	// Complete is set once every rendition of the ladder exists; a ready
	// video may still be gaining its higher renditions.
	Complete bool `json:"-"`

	Counts Counts `json:"counts"`
}

// VisibleTo reports whether viewerID ("" for anonymous viewers) may see
// the video: anyone a ready one, only its author one that is processing or
// failed. To everyone else those do not exist.
func (v *Video) VisibleTo(viewerID string) bool {
	return v.Status == StatusReady || v.AuthorID == viewerID
}

// Rendition is one encoded version of a video.
type Rendition struct {
	Name    string `json:"name"` // e.g. "540p"
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Bitrate int    `json:"bitrate"` // bits per second, video plus audio
	Size    int64  `json:"size"`
	Key     string `json:"-"` // blob key
	URL     string `json:"url"`
	Mime    string `json:"mime"`
}

// RenditionUpdate records progress of a transcode.
type RenditionUpdate struct {
	Rendition Rendition
	PosterKey string // set when the poster was made in the same pass
	Ready     bool   // the video is playable now: status becomes ready
	Complete  bool   // the ladder is finished
}

// Counts are a video's public counters, derived from the event log.
type Counts struct {
	Views    int64 `json:"views"`
	Likes    int64 `json:"likes"`
	Comments int64 `json:"comments"`
	Shares   int64 `json:"shares"`
	// Discounted is the engagement (EngagementWeight per event) that the
	// counters above include but Trending must not: what events of
	// discounted weight fell short of full ones. Not public.
	Discounted float64 `json:"-"`
}

// Engagement is the video's engagement as Trending ranks it: its counted
// events by EngagementWeight, less what was discounted, never below zero.
func (c Counts) Engagement() float64 {
	e := float64(c.Views)*EngagementWeight(EventView) + float64(c.Likes)*EngagementWeight(EventLike) +
		float64(c.Comments)*EngagementWeight(EventComment) + float64(c.Shares)*EngagementWeight(EventShare)
	return max(e-c.Discounted, 0)
}

// ValidateCaption checks a caption's length and characters.
func ValidateCaption(c string) error {
	if utf8.RuneCountInString(c) > MaxCaptionRunes {
		return Errorf(EUNPROCESSABLE, "Caption must be at most %d characters.", MaxCaptionRunes)
	}
	if !PrintableText(c) {
		return Errorf(EINVALID, "Caption contains control, invisible or text-direction characters, which are not allowed.")
	}
	return nil
}

// VideoFilter narrows a video listing.
type VideoFilter struct {
	AuthorIDs []string // any of these authors
	Hashtag   string
	Query     string // full-text search over captions and hashtags
	// AllStatuses includes processing and failed videos (an author's own list);
	// otherwise only ready videos are returned.
	AllStatuses bool
}

// VideoStore keeps videos of one region.
type VideoStore interface {
	// CreateVideo inserts v (status processing) with its hashtags.
	CreateVideo(ctx context.Context, v *Video) error
	// Video returns ENOTFOUND for unknown (or deleted) videos. Author and
	// Counts are filled in.
	Video(ctx context.Context, id string) (*Video, error)
	// Videos returns ready videos by ID (unknown IDs skipped), in the order asked.
	Videos(ctx context.Context, ids []string) ([]*Video, error)
	// VideoDurations returns the duration of each ready video among ids
	// (unknown IDs absent): what validating events needs, without the rest
	// of the video.
	VideoDurations(ctx context.Context, ids []string) (map[string]int64, error)
	// ListVideos returns a newest-first page and the cursor of the next one ("" at the end).
	ListVideos(ctx context.Context, f VideoFilter, p Page) ([]*Video, string, error)
	// RecentVideos returns ready videos created at or after since, newest first:
	// the candidate pool of the feeds and trending.
	RecentVideos(ctx context.Context, since time.Time, limit int) ([]*Video, error)
	// ProcessingVideos lists videos whose transcode is unfinished (status
	// processing, or ready but not Complete), oldest first, for the
	// transcoder to resume after a restart.
	ProcessingVideos(ctx context.Context) ([]*Video, error)

	// StartTranscode marks a new attempt and returns the attempt number.
	StartTranscode(ctx context.Context, id string) (attempt int, err error)
	SetProgress(ctx context.Context, id string, progress int) error
	// AddRendition records a finished rendition (and the poster), sets the
	// status to ready and progress to 100 when u.Ready, and Complete when
	// u.Complete. ENOTFOUND if the video was deleted meanwhile.
	AddRendition(ctx context.Context, id string, u RenditionUpdate) error
	// SetFailed fails a video that is still processing, with the reason its
	// author is shown. A video that already plays stays as it is: ECONFLICT.
	SetFailed(ctx context.Context, id string, reason string) error
	// DeleteVideo removes the video and everything hanging off it (likes,
	// comments, hashtags, counters, watch records).
	DeleteVideo(ctx context.Context, id string) error
}

// Videos is how creators publish and take down their videos; the work is
// done by the transcoder of the creator's home region.
type Videos interface {
	// Upload takes ownership of the uploaded file at path (it is moved or
	// removed whatever happens) and returns the new video in status
	// processing. EINVALID or EUNPROCESSABLE for a bad caption;
	// EUNSUPPORTED, EUNPROCESSABLE or ETOOLARGE for a file that is not an
	// acceptable video.
	Upload(ctx context.Context, authorID, caption, path string) (*Video, error)
	// Delete deletes a video on behalf of actorID: its author only
	// (EFORBIDDEN for anyone else; ENOTFOUND for a video actorID cannot see).
	Delete(ctx context.Context, actorID, videoID string) error
}

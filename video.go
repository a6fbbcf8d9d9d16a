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

	// What the creator chose: who may watch, the time of the frame the
	// poster shows, whether it is one of the (at most MaxPinned) videos at
	// the top of their profile, and whether comments are turned off (the
	// API shows comments_enabled; off rather than on so that the zero
	// value is the default).
	Visibility  Visibility `json:"visibility"`
	CoverMS     int64      `json:"cover_ms"`
	Pinned      bool       `json:"pinned"`
	CommentsOff bool       `json:"-"`
}

// Visibility is who may watch a video.
type Visibility string

const (
	VisibilityPublic    Visibility = "public"    // everyone, signed in or not
	VisibilityFollowers Visibility = "followers" // the author and their followers
	VisibilityPrivate   Visibility = "private"   // the author only
)

// Validate returns EINVALID for anything but the three visibilities.
func (v Visibility) Validate() error {
	switch v {
	case VisibilityPublic, VisibilityFollowers, VisibilityPrivate:
		return nil
	}
	return Errorf(EINVALID, "Visibility must be public, followers or private.")
}

// MaxPinned is how many videos a creator may pin to the top of their profile.
const MaxPinned = 3

// DefaultCoverMS is the poster's frame time when the creator chose none: a
// frame a second in is more telling than the first, which is often black;
// clips under two seconds use the first.
func DefaultCoverMS(durationMS int64) int64 {
	if durationMS >= 2000 {
		return 1000
	}
	return 0
}

// ValidateCoverMS checks that a cover frame time lies within a video of
// durationMS.
func ValidateCoverMS(coverMS, durationMS int64) error {
	if coverMS < 0 || coverMS >= durationMS {
		return Errorf(EUNPROCESSABLE, "The cover must be a time within the video, from 0 to %d ms.", max(durationMS-1, 0))
	}
	return nil
}

// VisibleTo reports whether viewerID ("" for anonymous viewers) may see the
// video: its author always; anyone else only a ready one, and then a public
// one, or a followers-only one when follows (asked only then, since it costs
// a look-up) says viewerID follows the author. To everyone else the video
// does not exist.
func (v *Video) VisibleTo(viewerID string, follows func() (bool, error)) (bool, error) {
	if viewerID != "" && v.AuthorID == viewerID {
		return true, nil
	}
	if v.Status != StatusReady {
		return false, nil
	}
	switch v.Visibility {
	case VisibilityPublic:
		return true, nil
	case VisibilityFollowers:
		if viewerID == "" {
			return false, nil
		}
		return follows()
	}
	return false, nil
}

// VisibilitiesFor lists the visibilities of an author's videos that a
// viewer may list: all of them for the author, public and followers-only
// ones for a follower, public ones for anyone else.
func VisibilitiesFor(isAuthor, isFollower bool) []Visibility {
	switch {
	case isAuthor:
		return []Visibility{VisibilityPublic, VisibilityFollowers, VisibilityPrivate}
	case isFollower:
		return []Visibility{VisibilityPublic, VisibilityFollowers}
	}
	return []Visibility{VisibilityPublic}
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
	// Visibilities are the visibilities listed; nil lists public videos
	// only, so that a listing shows nobody more than everyone may see.
	Visibilities []Visibility
	// Pins narrows the list to pinned or to unpinned videos.
	Pins PinFilter
}

// PinFilter narrows a listing by whether videos are pinned.
type PinFilter int

const (
	AnyPin     PinFilter = iota // pinned or not
	OnlyPinned                  // pinned videos only
	NotPinned                   // unpinned videos only
)

// VideoUpdate is what a creator changes about a published video; nil
// fields stay as they are. Hashtags and Mentions go with Caption (parsed
// from it).
type VideoUpdate struct {
	Caption         *string
	Hashtags        []string
	Mentions        []string
	Visibility      *Visibility
	CommentsEnabled *bool
}

// VideoEdit is a creator's request to change their video; nil fields stay
// as they are.
type VideoEdit struct {
	Caption         *string     `json:"caption"`
	Visibility      *Visibility `json:"visibility"`
	CommentsEnabled *bool       `json:"comments_enabled"`
	CoverMS         *int64      `json:"cover_ms"`
}

// Publish is what a creator says about a video when uploading it.
type Publish struct {
	Caption    string
	Visibility Visibility // VisibilityPublic when ""
	// CommentsOff turns comments off from the start (they are on by default).
	CommentsOff bool
	// CoverMS is the poster's frame time; nil for DefaultCoverMS.
	CoverMS *int64
}

// Validate checks the caption and the visibility.
func (p *Publish) Validate() error {
	if err := ValidateCaption(p.Caption); err != nil {
		return err
	}
	if p.Visibility == "" {
		return nil
	}
	return p.Visibility.Validate()
}

// VideoStore keeps videos of one region.
type VideoStore interface {
	// CreateVideo inserts v (status processing) with its hashtags.
	CreateVideo(ctx context.Context, v *Video) error
	// Video returns ENOTFOUND for unknown (or deleted) videos. Author and
	// Counts are filled in.
	Video(ctx context.Context, id string) (*Video, error)
	// VideoAudience returns what deciding who may see video id needs (ID,
	// AuthorID, Status and Visibility; nothing else is filled in) in one
	// read of the videos table: the media route asks it on every request.
	// ENOTFOUND for an unknown video.
	VideoAudience(ctx context.Context, id string) (*Video, error)
	// Videos returns ready public videos by ID (unknown IDs skipped), in the
	// order asked.
	Videos(ctx context.Context, ids []string) ([]*Video, error)
	// VideoDurations returns the duration of each ready video among ids
	// (unknown IDs absent): what validating events needs, without the rest
	// of the video.
	VideoDurations(ctx context.Context, ids []string) (map[string]int64, error)
	// ListVideos returns a newest-first page and the cursor of the next one ("" at the end).
	ListVideos(ctx context.Context, f VideoFilter, p Page) ([]*Video, string, error)
	// RecentVideos returns ready public videos created at or after since,
	// newest first: the candidate pool of For You and Trending.
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

	// UpdateVideo applies u and returns the video as it is then, its
	// hashtags re-indexed for search and hashtag pages. ENOTFOUND for an
	// unknown video; EINVALID or EUNPROCESSABLE for a bad caption or
	// visibility, changing nothing.
	UpdateVideo(ctx context.Context, id string, u VideoUpdate) (*Video, error)
	// SetPoster makes the blob at key the video's poster, showing the frame
	// at coverMS, and returns the key of the poster it replaces ("" for
	// none) for the caller to delete. ENOTFOUND for an unknown video.
	SetPoster(ctx context.Context, id, key string, coverMS int64) (old string, err error)
	// PinVideo pins a video to the top of its author's profile (pinning a
	// pinned one changes nothing). ECONFLICT when the author has MaxPinned
	// pinned already; ENOTFOUND for an unknown video.
	PinVideo(ctx context.Context, id string, at time.Time) error
	// UnpinVideo unpins a video; ENOTFOUND for an unknown video.
	UnpinVideo(ctx context.Context, id string) error
}

// Videos is how creators publish and take down their videos; the work is
// done by the transcoder of the creator's home region.
type Videos interface {
	// Upload takes ownership of the uploaded file at path (it is moved or
	// removed whatever happens) and returns the new video in status
	// processing. EINVALID or EUNPROCESSABLE for a bad caption, visibility
	// or cover time; EUNSUPPORTED, EUNPROCESSABLE or ETOOLARGE for a file
	// that is not an acceptable video.
	Upload(ctx context.Context, authorID string, p Publish, path string) (*Video, error)
	// Get returns video id if viewerID ("" when signed out) may see it:
	// ENOTFOUND otherwise, as for a video that does not exist.
	Get(ctx context.Context, viewerID, id string) (*Video, error)
	// Edit changes a video on behalf of actorID, its author only (EFORBIDDEN
	// for anyone else who can see it, ENOTFOUND for the rest), and returns
	// it as it is then. A new cover time remakes the poster from that
	// frame: EUNPROCESSABLE for a time outside the video, ECONFLICT while
	// the video is processing; a bad field changes nothing.
	Edit(ctx context.Context, actorID, id string, e VideoEdit) (*Video, error)
	// Pin pins the video to the top of its author's profile (ECONFLICT past
	// MaxPinned) and Unpin unpins it; the author only, as for Edit.
	Pin(ctx context.Context, actorID, id string) (*Video, error)
	Unpin(ctx context.Context, actorID, id string) (*Video, error)
	// Profile lists the videos of authorID that viewerID may see, newest
	// first, the pinned ones ahead of the rest on the first page (cursor
	// ""); the author also sees their videos still processing or failed.
	Profile(ctx context.Context, viewerID, authorID string, p Page) ([]*Video, string, error)
	// Delete deletes a video on behalf of actorID: its author only
	// (EFORBIDDEN for anyone else; ENOTFOUND for a video actorID cannot see).
	Delete(ctx context.Context, actorID, videoID string) error
}

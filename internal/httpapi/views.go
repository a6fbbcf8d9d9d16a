package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/flick-video/flick"
)

// accountJSON is the public profile of an account. It lists its fields
// explicitly so that personal data (email, birthdate, home region) can never
// leak into it through a change of flick.Account. The home region is
// personal: it says where the person's data is kept, which nobody else
// needs (a public video's media is served from any region).
type accountJSON struct {
	ID             string    `json:"id"`
	Handle         string    `json:"handle"`
	DisplayName    string    `json:"display_name"`
	Bio            string    `json:"bio"`
	AvatarURL      string    `json:"avatar_url,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	FollowerCount  int64     `json:"follower_count"`
	FollowingCount int64     `json:"following_count"`
	VideoCount     int64     `json:"video_count"`
	// LikesPublic says whether everyone may see the account's liked videos.
	LikesPublic bool `json:"likes_public"`
	// Following says whether the signed-in viewer follows this account.
	Following bool `json:"following"`
}

func publicAccount(a *flick.Account) accountJSON {
	return accountJSON{
		ID: a.ID, Handle: a.Handle, DisplayName: a.DisplayName, Bio: a.Bio, AvatarURL: a.AvatarURL,
		CreatedAt: a.CreatedAt, FollowerCount: a.FollowerCount, FollowingCount: a.FollowingCount, VideoCount: a.VideoCount,
		LikesPublic: a.LikesPublic,
	}
}

// meJSON is an account as its owner sees it, personal data included.
type meJSON struct {
	accountJSON
	Email     string   `json:"email"`
	Birthdate string   `json:"birthdate"`
	Region    string   `json:"region"` // the home region
	Roles     []string `json:"roles"`  // granted by the operator: admin, auditor
}

func ownAccount(a *flick.Account) meJSON {
	roles := a.Roles
	if roles == nil {
		roles = []string{}
	}
	return meJSON{accountJSON: publicAccount(a), Email: a.Email, Birthdate: a.Birthdate, Region: a.Region, Roles: roles}
}

// videoJSON is a video as a viewer sees it.
type videoJSON struct {
	*flick.Video
	Liked           bool `json:"liked"`
	CommentsEnabled bool `json:"comments_enabled"`
}

// feedItemJSON is a feed entry: a video and why it is there.
type feedItemJSON struct {
	videoJSON
	Reasons []string `json:"reasons"`
}

// listJSON is a cursor-paginated page.
type listJSON[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// tidy makes the JSON of v stable: empty lists are [] rather than null.
func tidy(v *flick.Video) *flick.Video {
	c := *v
	if c.Hashtags == nil {
		c.Hashtags = []string{}
	}
	if c.Mentions == nil {
		c.Mentions = []string{}
	}
	if c.Renditions == nil {
		c.Renditions = []flick.Rendition{}
	}
	return &c
}

// videoViews prepares videos for viewer, with one Liked look-up for them all.
func (s *Server) videoViews(ctx context.Context, viewer string, videos []*flick.Video) ([]videoJSON, error) {
	liked := map[string]bool{}
	if viewer != "" && len(videos) > 0 {
		ids := make([]string, len(videos))
		for i, v := range videos {
			ids[i] = v.ID
		}
		var err error
		if liked, err = s.Engagement.Liked(ctx, viewer, ids); err != nil {
			return nil, err
		}
	}
	out := make([]videoJSON, len(videos))
	for i, v := range videos {
		out[i] = videoJSON{Video: tidy(v), Liked: liked[v.ID], CommentsEnabled: !v.CommentsOff}
	}
	return out, nil
}

func (s *Server) videoView(ctx context.Context, viewer string, v *flick.Video) (videoJSON, error) {
	views, err := s.videoViews(ctx, viewer, []*flick.Video{v})
	if err != nil {
		return videoJSON{}, err
	}
	return views[0], nil
}

// writeVideoPage answers with a page of videos as viewer sees them.
func (s *Server) writeVideoPage(w http.ResponseWriter, r *http.Request, viewer string, videos []*flick.Video, next string) error {
	items, err := s.videoViews(r.Context(), viewer, videos)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listJSON[videoJSON]{Items: items, NextCursor: next})
	return nil
}

// feedPage shapes a feed's page; the feed has said which items the viewer
// liked, so this reads nothing.
func feedPage(items []flick.FeedItem, next string) listJSON[feedItemJSON] {
	out := listJSON[feedItemJSON]{Items: make([]feedItemJSON, len(items)), NextCursor: next}
	for i, it := range items {
		out.Items[i] = feedItemJSON{videoJSON: videoJSON{Video: tidy(it.Video), Liked: it.Liked, CommentsEnabled: !it.CommentsOff},
			Reasons: emptyIfNil(it.Reasons)}
	}
	return out
}

// emptyIfNil keeps lists in JSON answers as [] rather than null.
func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

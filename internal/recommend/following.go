package recommend

import (
	"context"
	"fmt"
	"slices"

	flick "github.com/flick-video/flick"
)

// VideoLister lists the videos of the followed accounts, from every region.
type VideoLister interface {
	ListVideos(ctx context.Context, f flick.VideoFilter, p flick.Page) ([]*flick.Video, string, error)
}

// FollowingStore is what the Following feed reads of a viewer, in the
// store of the region whose viewers it serves.
type FollowingStore interface {
	FollowingIDs(ctx context.Context, accountID string) ([]string, error)
	Liked(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error)
	controlsReader
}

// Following is the newest ready videos of the accounts the viewer follows
// and has not hidden, public and followers-only, paginated by the store's cursor: chronological,
// whether personalisation is on or off.
type Following struct {
	videos  VideoLister
	viewers FollowingStore
}

var _ flick.Feed = (*Following)(nil)

// NewFollowing returns the Following feed of the viewers whose records are
// in viewers, listing videos from videos.
func NewFollowing(videos VideoLister, viewers FollowingStore) *Following {
	return &Following{videos: videos, viewers: viewers}
}

// Page returns a newest-first page; anonymous viewers get EUNAUTHORIZED.
func (f *Following) Page(ctx context.Context, req flick.FeedRequest) ([]flick.FeedItem, string, error) {
	if req.ViewerID == "" {
		return nil, "", flick.Errorf(flick.EUNAUTHORIZED, "Sign in to see videos from accounts you follow.")
	}
	ids, err := f.viewers.FollowingIDs(ctx, req.ViewerID)
	if err != nil {
		return nil, "", fmt.Errorf("recommend: following of %s: %w", req.ViewerID, err)
	}
	fl, err := filtersFor(ctx, f.viewers, req.ViewerID)
	if err != nil {
		return nil, "", err
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return fl.hidden[id] })
	if len(ids) == 0 {
		return []flick.FeedItem{}, "", nil
	}
	// The viewer follows every author listed: their followers-only videos
	// are the viewer's to see too.
	filter := flick.VideoFilter{AuthorIDs: ids, Visibilities: flick.VisibilitiesFor(false, true)}
	videos, next, err := f.videos.ListVideos(ctx, filter, flick.Page{Limit: req.Limit, Cursor: req.Cursor}.Normalize())
	if err != nil {
		return nil, "", fmt.Errorf("recommend: following feed: %w", err)
	}
	vids := make([]string, len(videos))
	for i, v := range videos {
		vids[i] = v.ID
	}
	liked, err := f.viewers.Liked(ctx, req.ViewerID, vids)
	if err != nil {
		return nil, "", fmt.Errorf("recommend: liked videos: %w", err)
	}
	items := make([]flick.FeedItem, len(videos))
	for i, v := range videos {
		items[i] = flick.FeedItem{Video: v, Liked: liked[v.ID], Reasons: []string{ReasonFollowing}}
	}
	return items, next, nil
}

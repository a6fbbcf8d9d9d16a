package recommend

import (
	"context"
	"fmt"
	"slices"

	flick "github.com/flick-video/flick"
)

// FollowingStore is the part of the store the Following feed needs.
type FollowingStore interface {
	FollowingIDs(ctx context.Context, accountID string) ([]string, error)
	ListVideos(ctx context.Context, f flick.VideoFilter, p flick.Page) ([]*flick.Video, string, error)
	Liked(ctx context.Context, accountID string, videoIDs []string) (map[string]bool, error)
	controlsReader
}

// Following is the newest ready videos of the accounts the viewer follows
// and has not hidden, paginated by the store's cursor: chronological,
// whether personalisation is on or off.
type Following struct {
	store FollowingStore
}

var _ flick.Feed = (*Following)(nil)

// NewFollowing returns the Following feed over store.
func NewFollowing(store FollowingStore) *Following {
	return &Following{store: store}
}

// Page returns a newest-first page; anonymous viewers get EUNAUTHORIZED.
func (f *Following) Page(ctx context.Context, req flick.FeedRequest) ([]flick.FeedItem, string, error) {
	if req.ViewerID == "" {
		return nil, "", flick.Errorf(flick.EUNAUTHORIZED, "Sign in to see videos from accounts you follow.")
	}
	ids, err := f.store.FollowingIDs(ctx, req.ViewerID)
	if err != nil {
		return nil, "", fmt.Errorf("recommend: following of %s: %w", req.ViewerID, err)
	}
	fl, err := filtersFor(ctx, f.store, req.ViewerID)
	if err != nil {
		return nil, "", err
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return fl.blocked[id] })
	if len(ids) == 0 {
		return []flick.FeedItem{}, "", nil
	}
	videos, next, err := f.store.ListVideos(ctx, flick.VideoFilter{AuthorIDs: ids}, flick.Page{Limit: req.Limit, Cursor: req.Cursor}.Normalize())
	if err != nil {
		return nil, "", fmt.Errorf("recommend: following feed: %w", err)
	}
	vids := make([]string, len(videos))
	for i, v := range videos {
		vids[i] = v.ID
	}
	liked, err := f.store.Liked(ctx, req.ViewerID, vids)
	if err != nil {
		return nil, "", fmt.Errorf("recommend: liked videos: %w", err)
	}
	items := make([]flick.FeedItem, len(videos))
	for i, v := range videos {
		items[i] = flick.FeedItem{Video: v, Liked: liked[v.ID], Reasons: []string{ReasonFollowing}}
	}
	return items, next, nil
}

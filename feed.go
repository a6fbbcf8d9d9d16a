package flick

import "context"

// FeedItem is a video in a feed and the reasons it is there.
type FeedItem struct {
	*Video
	Liked   bool     `json:"liked"` // the viewer liked it: feeds fill this in
	Reasons []string `json:"reasons"`
}

// FeedRequest asks for a page of a feed. ViewerID is "" for anonymous viewers.
type FeedRequest struct {
	ViewerID string
	Limit    int
	Cursor   string
	// Seed, when not 0, varies For You's page: its ranked places are drawn
	// in proportion to their scores rather than taken best first, so that
	// visitors nobody knows (signed out, without history) do not all see
	// the same first videos. The same seed draws the same page.
	Seed uint64
}

// Feed produces a feed page and the cursor of the next page.
type Feed interface {
	Page(ctx context.Context, req FeedRequest) (items []FeedItem, next string, err error)
}

// TagCount is a hashtag and how much it is used recently.
type TagCount struct {
	Tag    string  `json:"tag"`
	Videos int64   `json:"videos"`
	Score  float64 `json:"score"`
}

// Trending ranks what is popular recently.
type Trending interface {
	TrendingVideos(ctx context.Context, limit int) ([]*Video, error)
	TrendingHashtags(ctx context.Context, limit int) ([]TagCount, error)
}

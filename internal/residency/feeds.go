package residency

import (
	"context"

	"github.com/flick-video/flick"
)

// Feed serves each viewer the feed of their home region, whose recommender
// learned from their events; anonymous viewers get the default region's.
type Feed struct {
	events *Events
	feeds  []flick.Feed
}

// NewFeed routes over one feed per region, in the router's order of regions.
func NewFeed(e *Events, feeds []flick.Feed) *Feed { return &Feed{events: e, feeds: feeds} }

func (f *Feed) Page(ctx context.Context, req flick.FeedRequest) ([]flick.FeedItem, string, error) {
	i, leave, err := f.events.enter(ctx, req.ViewerID)
	if err != nil {
		return nil, "", err
	}
	defer leave()
	return f.feeds[i].Page(ctx, req)
}

package routing

import (
	"context"

	"github.com/flick-video/flick"
)

// ForYou serves each viewer the For You of their home region, whose
// recommender learned from their events; anonymous viewers get the
// default region's.
func (r *Router) ForYou() flick.Feed {
	return homeFeed{r: r, of: func(c *flick.Cell) flick.Feed { return c.ForYou }}
}

// Following serves each viewer the Following feed of their home region,
// which keeps whom they follow.
func (r *Router) Following() flick.Feed {
	return homeFeed{r: r, of: func(c *flick.Cell) flick.Feed { return c.Following }}
}

// homeFeed is the feed of each viewer's home cell.
type homeFeed struct {
	r  *Router
	of func(*flick.Cell) flick.Feed
}

func (f homeFeed) Page(ctx context.Context, req flick.FeedRequest) ([]flick.FeedItem, string, error) {
	home, done, err := f.r.Home(ctx, req.ViewerID)
	if err != nil {
		return nil, "", err
	}
	defer done()
	return f.of(home).Page(ctx, req)
}

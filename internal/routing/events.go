package routing

import (
	"context"
	"fmt"

	"github.com/flick-video/flick"
)

// Broadcast returns the appender of region's transcoder: a video's publish
// and remove events go to its own region's log as they are, and to every
// other region's without the author's ID, so that every region's feeds
// learn of new and deleted videos within milliseconds while no other
// region's log names the author.
func (r *Router) Broadcast(region string) flick.EventAppender {
	return broadcast{r: r, region: region}
}

type broadcast struct {
	r      *Router
	region string
}

func (b broadcast) Append(ctx context.Context, events []flick.Event) (uint64, error) {
	own, err := b.r.Cell(b.region)
	if err != nil {
		return 0, err
	}
	seq, err := own.Events.Append(ctx, events)
	if err != nil {
		return 0, err
	}
	anon := make([]flick.Event, len(events))
	for i, ev := range events {
		ev.AccountID = ""
		anon[i] = ev
	}
	for _, c := range b.r.cells {
		if c == own {
			continue
		}
		if _, err := c.Events.Append(ctx, anon); err != nil {
			return 0, fmt.Errorf("routing: announce to region %s: %w", c.Region, err)
		}
	}
	return seq, nil
}

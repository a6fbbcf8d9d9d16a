package residency

import (
	"context"
	"fmt"
	"slices"

	"github.com/flick-video/flick"
)

// SeqWaiter is a region's projector: WaitFor returns once the region's log
// is applied up to seq.
type SeqWaiter interface {
	WaitFor(ctx context.Context, seq uint64) error
}

// Events sends each event to the log of its account's home region, and
// anonymous viewers' events to the default region's.
type Events struct {
	r          *Router
	logs       []flick.EventAppender
	projectors []SeqWaiter
}

var (
	_ flick.EventAppender = (*Events)(nil)
	_ flick.Projector     = (*Events)(nil)
)

// NewEvents routes over one log and one projector per region, in the
// router's order of regions.
func NewEvents(r *Router, logs []flick.EventAppender, projectors []SeqWaiter) *Events {
	return &Events{r: r, logs: logs, projectors: projectors}
}

// enter returns the index of the region whose log takes accountID's
// events, as a call under way on the account until leave (Router.enter).
func (e *Events) enter(ctx context.Context, accountID string) (i int, leave func(), err error) {
	if accountID == "" || len(e.logs) == 1 {
		return 0, func() {}, nil
	}
	region, leave, err := e.r.enter(ctx, accountID)
	if err != nil {
		return 0, nil, err
	}
	if i = slices.Index(e.r.regions, region); i < 0 {
		leave()
		return 0, nil, fmt.Errorf("residency: account %s is homed in unknown region %q", accountID, region)
	}
	return i, leave, nil
}

// Append appends the events of each region to its log and returns the
// sequence number of the last event of the last region's batch: callers
// append one account's events at a time.
func (e *Events) Append(ctx context.Context, events []flick.Event) (uint64, error) {
	if len(e.logs) == 1 {
		return e.logs[0].Append(ctx, events)
	}
	batches := make([][]flick.Event, len(e.logs))
	var order []int
	region := map[string]int{} // of each account, entered once for the batch
	for _, ev := range events {
		i, ok := region[ev.AccountID]
		if !ok {
			var leave func()
			var err error
			if i, leave, err = e.enter(ctx, ev.AccountID); err != nil {
				return 0, err
			}
			defer leave()
			region[ev.AccountID] = i
		}
		if batches[i] == nil {
			order = append(order, i)
		}
		batches[i] = append(batches[i], ev)
	}
	var seq uint64
	for _, i := range order {
		var err error
		if seq, err = e.logs[i].Append(ctx, batches[i]); err != nil {
			return 0, err
		}
	}
	return seq, nil
}

// WaitFor waits for the projector of accountID's region.
func (e *Events) WaitFor(ctx context.Context, accountID string, seq uint64) error {
	i, leave, err := e.enter(ctx, accountID)
	if err != nil {
		return err
	}
	defer leave()
	return e.projectors[i].WaitFor(ctx, seq)
}

// Broadcast returns the appender of region's transcoder: a video's publish
// and remove events go to its own region's log as they are, and to every
// other region's without the author's ID, so that every region's feeds
// learn of new and deleted videos within milliseconds while no other
// region's log names the author.
func (e *Events) Broadcast(region string) flick.EventAppender {
	return broadcast{e: e, self: indexOf(e.r.regions, region)}
}

type broadcast struct {
	e    *Events
	self int
}

func (b broadcast) Append(ctx context.Context, events []flick.Event) (uint64, error) {
	seq, err := b.e.logs[b.self].Append(ctx, events)
	if err != nil {
		return 0, err
	}
	anon := make([]flick.Event, len(events))
	for i, ev := range events {
		ev.AccountID = ""
		anon[i] = ev
	}
	for i, l := range b.e.logs {
		if i == b.self {
			continue
		}
		if _, err := l.Append(ctx, anon); err != nil {
			return 0, fmt.Errorf("residency: announce to region %s: %w", b.e.r.regions[i], err)
		}
	}
	return seq, nil
}

func indexOf(regions []string, region string) int {
	for i, r := range regions {
		if r == region {
			return i
		}
	}
	panic(fmt.Sprintf("residency: unknown region %q", region))
}

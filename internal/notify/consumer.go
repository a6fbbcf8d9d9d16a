// Package notify keeps every account's inbox: a consumer of each region's
// event log (Consumer) turns likes, follows, comments, replies, mentions and
// what became of an upload into notifications, which it writes to the
// recipient's home region, and the Service reads an inbox for its owner.
// See README.md.
package notify

import (
	"context"
	"fmt"
	"math"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/routing"
)

// Consumer is the projection of one region's log into the inboxes of every
// region (an events.Projection). Each region's store records how far it
// has applied this log in the transaction that writes its inboxes, so a
// crash anywhere adds nothing twice: Position is the least of the stores'
// positions, and each store ignores what it has applied already.
type Consumer struct {
	router *routing.Router
	name   string // the position's name in every store
}

// LagGauge is the gauge of a Consumer's lag, for events.NewConsumer.
var LagGauge = prometheus.GaugeOpts{
	Name: "flick_notifications_lag_events",
	Help: "Events in the log not yet applied to the inboxes.",
}

// NewConsumer returns the projection of region's log into the inboxes.
func NewConsumer(router *routing.Router, region string) *Consumer {
	return &Consumer{router: router, name: "notifications:" + region}
}

// Position is the least position any region's store has recorded.
func (c *Consumer) Position(ctx context.Context) (uint64, error) {
	pos := uint64(math.MaxUint64)
	for _, cell := range c.router.Cells() {
		p, err := cell.Store.ProjectionPosition(ctx, c.name)
		if err != nil {
			return 0, fmt.Errorf("notify: position in %s: %w", cell.Region, err)
		}
		pos = min(pos, p)
	}
	return pos, nil
}

// Apply writes what evs notify into the recipients' home regions and
// records the position in every region, those with nothing to write too.
// Each recipient and actor is held as a call under way until then: a move
// waits for the write (and an account being moved fails the batch, which
// is retried once it has moved), and an erasure too, so that no inbox
// names an account after its erasure has taken it out of every inbox; an
// account being erased is neither notified nor named.
func (c *Consumer) Apply(ctx context.Context, evs []flick.SequencedEvent) error {
	byCell := map[*flick.Cell][]flick.NotificationDelta{}
	b := &batch{router: c.router, homes: map[string]*flick.Cell{}, videos: map[string]*flick.Video{}}
	defer b.release()
	for _, ev := range evs {
		ds, err := c.deltas(ctx, b, ev)
		if err != nil {
			return err
		}
		for _, d := range ds {
			home, err := b.hold(ctx, d.AccountID)
			if err != nil {
				return err
			}
			if d.ActorID != "" {
				if acting, err := b.hold(ctx, d.ActorID); err != nil {
					return err
				} else if acting == nil {
					continue
				}
			}
			if home != nil {
				byCell[home] = append(byCell[home], d)
			}
		}
	}
	last := evs[len(evs)-1].Seq
	for _, cell := range c.router.Cells() {
		if err := cell.Store.ApplyNotifications(ctx, c.name, last, byCell[cell]); err != nil {
			return fmt.Errorf("notify: apply in %s: %w", cell.Region, err)
		}
	}
	return nil
}

// batch is what one Apply looks up: the accounts it holds as calls under
// way, and the videos it read (a popular video is liked many times in a
// batch).
type batch struct {
	router *routing.Router
	homes  map[string]*flick.Cell // nil: being erased, or unknown
	dones  []func()
	videos map[string]*flick.Video // nil: gone
}

// video returns video id, nil when it is gone.
func (b *batch) video(ctx context.Context, id string) (*flick.Video, error) {
	if v, ok := b.videos[id]; ok {
		return v, nil
	}
	v, err := b.router.Video(ctx, id)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		v, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	b.videos[id] = v
	return v, nil
}

// hold returns the home of account id, held until release; nil for an
// account being erased or unknown.
func (b *batch) hold(ctx context.Context, id string) (*flick.Cell, error) {
	if home, ok := b.homes[id]; ok {
		return home, nil
	}
	home, done, err := b.router.Home(ctx, id)
	switch flick.ErrorCode(err) {
	case "":
		b.dones = append(b.dones, done)
	case flick.ENOTFOUND:
	default:
		return nil, fmt.Errorf("notify: the home of %s: %w", id, err)
	}
	b.homes[id] = home
	return home, nil
}

func (b *batch) release() {
	for _, done := range b.dones {
		done()
	}
}

// deltas is whom ev notifies, and of what. Not notified: events copied by
// a move (notified where they happened), repeats and bursts that the
// defences against fake engagement discounted, anyone of their own doing
// (the store drops those), and things that are gone since. Mentions, the
// one kind that does not group, come only from accounts whose events count
// fully: a farm of new accounts cannot fill an inbox with them.
func (c *Consumer) deltas(ctx context.Context, b *batch, ev flick.SequencedEvent) ([]flick.NotificationDelta, error) {
	if ev.Moved || ev.Discount == flick.DiscountRepeat || ev.Discount == flick.DiscountBurst || ev.AccountID == "" {
		return nil, nil
	}
	d := flick.NotificationDelta{Seq: ev.Seq, ActorID: ev.AccountID, VideoID: ev.VideoID, At: ev.At}
	switch ev.Type {
	case flick.EventFollow:
		d.Type, d.AccountID, d.VideoID = flick.NotifyFollow, ev.TargetID, ""
		return []flick.NotificationDelta{d}, nil
	case flick.EventFail:
		d.Type, d.AccountID, d.ActorID, d.Target = flick.NotifyVideoFailed, ev.AccountID, "", ev.VideoID
		return []flick.NotificationDelta{d}, nil
	case flick.EventLike, flick.EventPublish:
	case flick.EventComment:
		return c.commentDeltas(ctx, b, ev, d)
	default:
		return nil, nil
	}
	v, err := b.video(ctx, ev.VideoID)
	if v == nil || err != nil {
		return nil, err
	}
	d.Target = v.ID
	if ev.Type == flick.EventLike {
		d.Type, d.AccountID = flick.NotifyLike, v.AuthorID
		return []flick.NotificationDelta{d}, nil
	}
	ready := d
	ready.Type, ready.AccountID, ready.ActorID = flick.NotifyVideoReady, v.AuthorID, ""
	mentions, err := c.mentions(ctx, ev, d, v.Mentions, map[string]bool{v.AuthorID: true})
	return append([]flick.NotificationDelta{ready}, mentions...), err
}

// commentDeltas notifies a comment: to the author of the comment it
// replies to, the video's author, and the accounts it mentions, each once.
func (c *Consumer) commentDeltas(ctx context.Context, b *batch, ev flick.SequencedEvent, d flick.NotificationDelta) ([]flick.NotificationDelta, error) {
	v, err := b.video(ctx, ev.VideoID)
	if v == nil || err != nil {
		return nil, err
	}
	cms, err := c.router.CommentsByID(ctx, []string{ev.TargetID})
	if err != nil {
		return nil, err
	}
	cm := cms[ev.TargetID]
	if cm == nil {
		return nil, nil // deleted since
	}
	d.CommentID = cm.ID
	notified := map[string]bool{ev.AccountID: true}
	var out []flick.NotificationDelta
	if cm.ParentID != "" {
		parents, err := c.router.CommentsByID(ctx, []string{cm.ParentID})
		if err != nil {
			return nil, err
		}
		if p := parents[cm.ParentID]; p != nil && !notified[p.AuthorID] {
			reply := d
			reply.Type, reply.AccountID, reply.Target = flick.NotifyReply, p.AuthorID, p.ID
			out = append(out, reply)
			notified[p.AuthorID] = true
		}
	}
	if !notified[v.AuthorID] {
		on := d
		on.Type, on.AccountID, on.Target = flick.NotifyComment, v.AuthorID, v.ID
		out = append(out, on)
		notified[v.AuthorID] = true
	}
	d.Target = cm.ID
	_, handles := flick.ParseCaption(cm.Text)
	mentions, err := c.mentions(ctx, ev, d, handles, notified)
	return append(out, mentions...), err
}

// mentions notifies the accounts of handles not notified already, as d
// says, if ev counts fully; unknown handles are skipped.
func (c *Consumer) mentions(ctx context.Context, ev flick.SequencedEvent, d flick.NotificationDelta, handles []string, notified map[string]bool) ([]flick.NotificationDelta, error) {
	if ev.Discount != "" {
		return nil, nil
	}
	var out []flick.NotificationDelta
	for _, h := range handles {
		a, err := c.router.AccountByHandle(ctx, h)
		if flick.ErrorCode(err) == flick.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if notified[a.ID] {
			continue
		}
		notified[a.ID] = true
		m := d
		m.Type, m.AccountID = flick.NotifyMention, a.ID
		out = append(out, m)
	}
	return out, nil
}

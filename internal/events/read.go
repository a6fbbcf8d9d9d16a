package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	flick "github.com/flick-video/flick"
)

// maxIdleReaders bounds the positioned readers kept between Read calls:
// one per consumer of the log (projector, recommender) plus slack for
// callers that jump around.
const maxIdleReaders = 8

// pendingWait is how long Read waits for an event the server said is
// already stored; it only runs out if that event was purged meanwhile.
const pendingWait = time.Second

// reader is an ordered consumer positioned after pos whose iterator keeps
// a window of upcoming events buffered, so that sequential Reads cost no
// round trip to the server.
type reader struct {
	it      jetstream.MessagesContext
	pos     uint64 // sequence of the last event handed out
	pending uint64 // events the server holds after pos, as last reported
	idleAt  time.Time
	logger  *slog.Logger
}

// readerPool holds idle readers by position. A Read takes the reader
// waiting at its position out of the pool (so no two calls share one) and
// puts it back under its new position.
type readerPool struct {
	mu     sync.Mutex
	idle   map[uint64][]*reader
	n      int
	closed bool
}

// Read returns up to limit events after seq after, in order. If the server
// holds newer events they are returned at once (as many as have arrived,
// up to limit); otherwise Read waits up to wait for the first one and
// returns an empty slice if none came. With wait <= 0 it returns at once
// with what has already arrived.
// Reading sequentially (after = the last Seq returned) reuses a positioned
// consumer; any other position starts a new one.
func (l *Log) Read(ctx context.Context, after uint64, limit int, wait time.Duration) ([]flick.SequencedEvent, error) {
	if limit <= 0 {
		return nil, nil
	}
	r, err := l.readers.take(after)
	if err != nil {
		return nil, err
	}
	if r == nil {
		if r, err = l.newReader(ctx, after); err != nil {
			return nil, err
		}
	}
	out, err := r.read(ctx, limit, wait)
	if err != nil {
		r.it.Stop()
		return nil, err
	}
	l.readers.put(r)
	return out, nil
}

func (l *Log) newReader(ctx context.Context, after uint64) (*reader, error) {
	cfg := jetstream.OrderedConsumerConfig{InactiveThreshold: time.Minute}
	if after > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = after + 1
	}
	cons, err := l.js.OrderedConsumer(ctx, l.stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("events: ordered consumer on %s after %d: %w", l.stream, after, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1000))
	if err != nil {
		return nil, fmt.Errorf("events: consume %s after %d: %w", l.stream, after, err)
	}
	r := &reader{it: it, pos: after, logger: l.logger}
	// Creating the consumer told the server's count of what follows.
	if info := cons.CachedInfo(); info != nil {
		r.pending = info.NumPending
	}
	return r, nil
}

func (r *reader) read(ctx context.Context, limit int, wait time.Duration) ([]flick.SequencedEvent, error) {
	d := wait
	if r.pending > 0 {
		d = pendingWait
	} else if d <= 0 {
		d = time.Millisecond // long enough to take what the iterator has buffered
	}
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var out []flick.SequencedEvent
	for len(out) < limit && (len(out) == 0 || r.pending > 0) {
		msg, err := r.it.Next(jetstream.NextContext(rctx))
		if err != nil && rctx.Err() != nil && ctx.Err() == nil {
			r.pending = 0 // nothing more came: caught up, or the count was stale after a purge
			break
		}
		if err != nil {
			return nil, fmt.Errorf("events: read after %d: %w", r.pos, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return nil, fmt.Errorf("events: read after %d: metadata: %w", r.pos, err)
		}
		se := flick.SequencedEvent{Seq: meta.Sequence.Stream}
		r.pos, r.pending = se.Seq, meta.NumPending
		if err := json.Unmarshal(msg.Data(), &se.Event); err != nil {
			// Skipped rather than returned: an undecodable entry (written
			// by something else on a shared cluster) must not stall
			// every consumer at this position forever.
			r.logger.Warn("skipping undecodable event", "seq", se.Seq, "subject", msg.Subject(), "err", err)
			continue
		}
		out = append(out, se)
	}
	return out, nil
}

func (p *readerPool) take(pos uint64) (*reader, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("events: log is closed")
	}
	rs := p.idle[pos]
	if len(rs) == 0 {
		return nil, nil
	}
	r := rs[len(rs)-1]
	if len(rs) == 1 {
		delete(p.idle, pos)
	} else {
		p.idle[pos] = rs[:len(rs)-1]
	}
	p.n--
	return r, nil
}

// put parks r under its position, stopping the longest idle reader when
// the pool is full.
func (p *readerPool) put(r *reader) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		r.it.Stop()
		return
	}
	if p.n >= maxIdleReaders {
		var oldest *reader
		for _, rs := range p.idle {
			for _, c := range rs {
				if oldest == nil || c.idleAt.Before(oldest.idleAt) {
					oldest = c
				}
			}
		}
		p.remove(oldest)
		oldest.it.Stop()
	}
	r.idleAt = time.Now()
	p.idle[r.pos] = append(p.idle[r.pos], r)
	p.n++
}

func (p *readerPool) remove(r *reader) {
	rs := p.idle[r.pos]
	for i, c := range rs {
		if c == r {
			rs = append(rs[:i], rs[i+1:]...)
			break
		}
	}
	if len(rs) == 0 {
		delete(p.idle, r.pos)
	} else {
		p.idle[r.pos] = rs
	}
	p.n--
}

func (p *readerPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, rs := range p.idle {
		for _, r := range rs {
			r.it.Stop()
		}
	}
	p.idle, p.n = nil, 0
}

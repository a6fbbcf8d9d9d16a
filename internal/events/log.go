// Package events is a region's event log and its consumers. The log is a
// NATS JetStream stream: embedded in the process by default (no port
// opened), or on an external NATS server or cluster, with the same code.
// The Projector folds the log into the store's counters and watch history.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	flick "github.com/flick-video/flick"
)

// maxPendingAcks bounds the publishes in flight across concurrent Appends;
// a larger batch waits for acks to free room (up to stallWait).
const (
	maxPendingAcks = 8192
	stallWait      = 5 * time.Second
	ackTimeout     = 10 * time.Second
)

// Log is a region's event log on a JetStream stream named EVENTS_<region>,
// one subject per account (events.<region>.<accountID>, "anon" for
// anonymous viewers) so that one account's events can be found and purged.
type Log struct {
	region  string
	stream  string
	logger  *slog.Logger
	srv     *server.Server // nil when connected to an external server
	nc      *nats.Conn
	js      jetstream.JetStream
	metrics *logMetrics
	readers readerPool

	closeOnce sync.Once
	closeErr  error
}

var _ flick.EventLog = (*Log)(nil)

// OpenEmbedded starts a NATS server inside the process with JetStream
// storing under dir/jetstream, opens no network port, and returns the
// region's log on it.
//
// Durability: with one replica the file store writes every message to its
// block file (a write(2) into the kernel) before JetStream acknowledges
// it, so an acknowledged event survives the process being killed (kill -9):
// the kernel still holds the page and writes it out. Power loss or a kernel
// crash is another matter: the store fsyncs every SyncInterval, which we
// shorten from the 2 minutes default to 1 second (no measurable cost), so
// at most about a second of acknowledged events can be lost that way.
// SyncAlways (O_SYNC on every write) would close that window but costs a
// disk flush per message: BenchmarkAppend measured 4,000-5,000 events/s
// with it against 120,000 (batches of 100) and 170,000 (batches of 1000)
// without, on this project's 2-core machine, far below the 50,000 events/s
// the feed must take. Operators who need power-loss durability run a
// replicated NATS cluster (Connect), where an ack means a quorum stored it.
func OpenEmbedded(ctx context.Context, dir, region string, logger *slog.Logger, reg prometheus.Registerer) (*Log, error) {
	if err := flick.ValidateRegion(region); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	opts := &server.Options{
		ServerName:   "flick-" + region,
		DontListen:   true,
		JetStream:    true,
		StoreDir:     filepath.Join(dir, "jetstream"),
		NoSigs:       true,
		SyncInterval: time.Second,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("events: new embedded nats server: %w", err)
	}
	srv.SetLoggerV2(serverLogger{logger.With("component", "nats")}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("events: embedded nats server did not start within 30s")
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("flick-events-"+region))
	if err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("events: connect to embedded nats server: %w", err)
	}
	l, err := open(ctx, nc, region, logger, reg)
	if err != nil {
		nc.Close()
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	l.srv = srv
	return l, nil
}

// serverLogger sends the embedded server's own log (not the event log) to
// slog. Its notices (the start-up banner, routine state changes) go to
// debug so that they do not drown the application's own log.
type serverLogger struct{ l *slog.Logger }

func (s serverLogger) Noticef(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLogger) Warnf(format string, v ...any)   { s.l.Warn(fmt.Sprintf(format, v...)) }
func (s serverLogger) Fatalf(format string, v ...any)  { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLogger) Errorf(format string, v ...any)  { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLogger) Debugf(format string, v ...any)  { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLogger) Tracef(format string, v ...any)  { s.l.Debug(fmt.Sprintf(format, v...)) }

// Connect returns the region's log on an external NATS server or cluster at
// url (for example nats://nats-1:4222,nats://nats-2:4222), creating the
// stream if it is missing.
func Connect(ctx context.Context, url, region string, logger *slog.Logger, reg prometheus.Registerer) (*Log, error) {
	if err := flick.ValidateRegion(region); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	nc, err := nats.Connect(url, nats.Name("flick-events-"+region), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("events: connect to nats at %s: %w", url, err)
	}
	l, err := open(ctx, nc, region, logger, reg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return l, nil
}

func open(ctx context.Context, nc *nats.Conn, region string, logger *slog.Logger, reg prometheus.Registerer) (*Log, error) {
	// The ack timeout ends an Append whose acks were lost (a cluster
	// failing over) even when the caller's ctx has no deadline.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(maxPendingAcks), jetstream.WithPublishAsyncTimeout(ackTimeout))
	if err != nil {
		return nil, fmt.Errorf("events: jetstream context: %w", err)
	}
	name := "EVENTS_" + region
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        name,
		Description: "Flick event log of region " + region,
		Subjects:    []string{"events." + region + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
	})
	if err != nil {
		return nil, fmt.Errorf("events: create stream %s: %w", name, err)
	}
	metrics, err := newLogMetrics(reg)
	if err != nil {
		return nil, err
	}
	return &Log{
		region:  region,
		stream:  name,
		logger:  logger,
		nc:      nc,
		js:      js,
		metrics: metrics,
		readers: readerPool{idle: map[uint64][]*reader{}},
	}, nil
}

// Subject is where the events of accountID ("" for anonymous viewers) are
// stored; purging this subject removes that account's events.
func (l *Log) Subject(accountID string) string {
	if accountID == "" {
		return "events." + l.region + ".anon"
	}
	return "events." + l.region + "." + accountID
}

// Append publishes the events without waiting between them and then waits
// for every acknowledgement: an ack means the stream stored the event. If it
// fails part-way, the events acknowledged so far stay in the log.
func (l *Log) Append(ctx context.Context, events []flick.Event) (uint64, error) {
	if len(events) == 0 {
		return 0, nil
	}
	start := time.Now()
	// Everything is checked and encoded before the first publish, so that a
	// bad batch stores nothing.
	msgs := make([]*nats.Msg, len(events))
	for i := range events {
		e := &events[i]
		// Account IDs become subject tokens: anything but an ID could
		// address another subject ("a.b", "*", ">").
		if e.AccountID != "" && !flick.ValidID(e.AccountID) {
			return 0, flick.Errorf(flick.EINVALID, "Event %d has an invalid account id.", i)
		}
		data, err := json.Marshal(e)
		if err != nil {
			return 0, fmt.Errorf("events: encode event %d: %w", i, err)
		}
		msgs[i] = &nats.Msg{Subject: l.Subject(e.AccountID), Data: data}
	}
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		f, err := l.js.PublishMsgAsync(m, jetstream.WithExpectStream(l.stream), jetstream.WithStallWait(stallWait))
		if err != nil {
			return 0, fmt.Errorf("events: publish event %d of %d: %w", i, len(events), err)
		}
		futures[i] = f
	}
	var last uint64
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			last = max(last, ack.Sequence)
		case err := <-f.Err():
			return 0, fmt.Errorf("events: append event %d of %d: %w", i, len(events), err)
		case <-ctx.Done():
			return 0, fmt.Errorf("events: append: waiting for acks: %w", ctx.Err())
		}
	}
	l.metrics.appendSeconds.Observe(time.Since(start).Seconds())
	// One labelled look-up per type rather than per event: a batch holds
	// hundreds of events of a few types.
	byType := map[flick.EventType]int{}
	for _, e := range events {
		byType[e.Type]++
	}
	for t, n := range byType {
		l.metrics.appended.WithLabelValues(string(t)).Add(float64(n))
	}
	return last, nil
}

// LastSeq is the sequence number of the newest event, 0 for an empty log.
func (l *Log) LastSeq(ctx context.Context) (uint64, error) {
	s, err := l.js.Stream(ctx, l.stream)
	if err != nil {
		return 0, fmt.Errorf("events: stream %s: %w", l.stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("events: stream %s info: %w", l.stream, err)
	}
	return info.State.LastSeq, nil
}

// Close stops the readers, drains the connection (publishes in flight get
// their acks) and shuts the embedded server down.
func (l *Log) Close() error {
	l.closeOnce.Do(func() {
		l.readers.closeAll()
		closed := make(chan struct{})
		l.nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
		if err := l.nc.Drain(); err != nil {
			l.nc.Close()
		}
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			l.nc.Close()
			l.closeErr = errors.New("events: draining the nats connection timed out")
		}
		if l.srv != nil {
			l.srv.Shutdown()
			l.srv.WaitForShutdown()
		}
	})
	return l.closeErr
}

package recommend

import (
	"context"
	"time"

	flick "github.com/flick-video/flick"
)

// ForgetViewer is "refresh your For You": the engine drops what it learned
// of viewerID's taste (history, hashtag and creator affinities) and ranks
// for them as for a new viewer. Follows stay: they are the viewer's
// explicit choice, not something learned.
func (e *Engine) ForgetViewer(viewerID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, ok := e.viewerIdx[viewerID]
	if !ok || viewerID == "" {
		return
	}
	u := &e.viewers[i]
	if len(u.follows) > 0 {
		u.hist, u.tags, u.creators = nil, nil, nil
		return
	}
	delete(e.viewerIdx, viewerID)
	*u = viewer{}
	e.freeView = append(e.freeView, i)
}

// WithResets returns log as the Learner must read it for EventReset to
// take effect: a batch never reaches past a reset, and a batch that starts
// with one makes the engine forget that viewer before the batch is handed
// over. Because the Learner learns each batch before it reads the next,
// the events before a reset are learned before it and those after it
// after, exactly as they were logged, so a snapshot plus the replay of
// the log after it reproduces every reset.
func WithResets(log flick.EventLog, engine *Engine) flick.EventLog {
	return resetLog{EventLog: log, engine: engine}
}

type resetLog struct {
	flick.EventLog
	engine *Engine
}

func (l resetLog) Read(ctx context.Context, after uint64, max int, wait time.Duration) ([]flick.SequencedEvent, error) {
	evs, err := l.EventLog.Read(ctx, after, max, wait)
	if err != nil {
		return nil, err
	}
	for k, ev := range evs {
		if ev.Type != flick.EventReset {
			continue
		}
		if k > 0 {
			return evs[:k], nil // the events before the reset are learned first
		}
		l.engine.ForgetViewer(ev.AccountID)
	}
	return evs, nil
}

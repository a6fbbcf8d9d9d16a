package events

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type logMetrics struct {
	appended      *prometheus.CounterVec
	appendSeconds prometheus.Observer
}

// newLogMetrics registers the log's metrics on reg (nil: not exported); a
// process with several regions wraps reg with a region label.
func newLogMetrics(reg prometheus.Registerer) (*logMetrics, error) {
	appended := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flick_events_appended_total",
		Help: "Events appended to the event log and acknowledged, by type.",
	}, []string{"type"})
	seconds := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "flick_events_append_seconds",
		Help:    "Time to append one batch of events until every event is acknowledged.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
	})
	var err error
	if appended, err = register(reg, appended); err != nil {
		return nil, err
	}
	if seconds, err = register(reg, seconds); err != nil {
		return nil, err
	}
	return &logMetrics{appended: appended, appendSeconds: seconds}, nil
}

// register adds c to reg (nil: not exported) and, when a log or projector
// is opened again on the same registry (a restart), keeps counting on the
// collector already there.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	if err != nil {
		return c, fmt.Errorf("events: register metrics: %w", err)
	}
	return c, nil
}

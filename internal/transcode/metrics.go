package transcode

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	duration *prometheus.HistogramVec
	failures prometheus.Counter
}

// newMetrics registers the transcoder's metrics on reg (nil: not exported).
// A process with several regions wraps reg with a region label.
func newMetrics(reg prometheus.Registerer, queueDepth func() float64) *metrics {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flick_transcode_duration_seconds",
			Help:    "Time of a transcode phase: \"first\" makes the video playable, \"rest\" adds the higher renditions.",
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 13), // 0.25 s to 17 min
		}, []string{"phase"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flick_transcode_failures_total",
			Help: "Transcode phases that failed (not counting ones stopped by shutdown or deletion).",
		}),
	}
	if reg == nil {
		return m
	}
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "flick_transcode_queue_depth",
		Help: "Videos waiting for a transcode worker.",
	}, queueDepth)
	reg.MustRegister(m.duration, m.failures, depth)
	return m
}

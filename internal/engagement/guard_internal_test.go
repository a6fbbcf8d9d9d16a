package engagement

import (
	"strconv"
	"testing"
	"time"

	"github.com/flick-video/flick"
)

// BenchmarkJudge is the guard's cost on a batch of 500 views of distinct
// videos, from a signed-in viewer, as Record pays it under the guard's lock.
func BenchmarkJudge(b *testing.B) {
	g := newGuard()
	now := time.Now()
	ids := make([]string, 500)
	for i := range ids {
		ids[i] = flick.NewID(now)
	}
	events := make([]flick.Event, len(ids))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for k := range events {
			events[k] = flick.Event{Type: flick.EventView, AccountID: "viewer", VideoID: ids[k], WatchMS: 1000, DurationMS: 5000, At: now}
		}
		v := &viewer{Viewer: flick.Viewer{AccountID: "viewer" + strconv.Itoa(i%1000), Client: flick.Client{Addr: "192.0.2.1"}}}
		g.judge(now, v, events)
	}
}

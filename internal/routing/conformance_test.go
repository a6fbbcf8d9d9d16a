package routing_test

import (
	"testing"

	"github.com/flick-video/flick/internal/storetest"
)

// TestConformance runs the store suite through a router over two regions,
// with the suite's accounts homed in each in turn.
func TestConformance(t *testing.T) {
	storetest.RunRouted(t, func(t *testing.T) (storetest.Spanning, []storetest.Region) {
		w := newPair(t)
		return w.r, []storetest.Region{{Name: "us", Store: w.us}, {Name: "eu", Store: w.eu}}
	})
}

package flick

import (
	"cmp"
	"strconv"
	"strings"
	"time"
)

// The social graph as people see it: who follows an account, whom it
// follows, and what it liked. Each list is of edges (flick.Edge: the other
// end and when the link was made), newest first, and pages on a cursor
// that names the last edge of the page by time and ID: an order that means
// the same in every region, so that the router can merge the followers
// each region holds of an account.

// ListedAccount is an account in a followers or following list, with
// whether the viewer follows it.
type ListedAccount struct {
	AccountRef
	Following bool `json:"following"`
}

// EdgeCursor is the cursor of the page after the edge e.
func EdgeCursor(e Edge) string {
	return strconv.FormatInt(e.At.UnixMilli(), 10) + "." + e.ID
}

// ParseEdgeCursor reads an EdgeCursor; "" (the first page) is the zero
// Edge. EINVALID for anything an EdgeCursor cannot be.
func ParseEdgeCursor(s string) (Edge, error) {
	if s == "" {
		return Edge{}, nil
	}
	ms, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || n < 0 || ms != strconv.FormatInt(n, 10) || !ValidID(id) {
		return Edge{}, Errorf(EINVALID, "Cursor is not valid.")
	}
	return Edge{ID: id, At: time.UnixMilli(n).UTC()}, nil
}

// NewestEdgeFirst orders edges newest first, and by ID, greatest first,
// among edges of the same millisecond: the order of every edge list.
func NewestEdgeFirst(a, b Edge) int {
	return cmp.Or(b.At.Compare(a.At), strings.Compare(b.ID, a.ID))
}

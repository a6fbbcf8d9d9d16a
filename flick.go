// Package flick holds Flick's domain: accounts, videos, engagement, events
// and feeds, the interfaces of the stores and services that implement them,
// and the error type shared by every layer. It imports nothing of the
// project; the internal packages implement its interfaces and cmd/flick
// wires them together.
package flick

import "time"

// DefaultRegion is the region of a single-region instance.
const DefaultRegion = "default"

// Limits that are part of the domain rather than of configuration.
const (
	MaxCaptionRunes = 2200
	MaxCommentRunes = 1000
	MaxBioRunes     = 300
	MaxNameRunes    = 50
	MinAge          = 13
	MaxPageSize     = 50
	DefaultPageSize = 10
)

// Page asks for one page of a newest-first list. Cursor is the opaque
// next_cursor of the previous page, "" for the first page.
type Page struct {
	Limit  int
	Cursor string
}

// Normalize clamps the limit into [1, MaxPageSize].
func (p Page) Normalize() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageSize
	}
	if p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
	return p
}

// Clock returns the current time; stores and services take one so that
// tests can control time.
type Clock func() time.Time

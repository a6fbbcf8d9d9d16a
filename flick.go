// Package flick holds Flick's domain: accounts, videos, engagement, events
// and feeds, the interfaces of the stores that keep them and of the domain
// services that change them, and the error type shared by every layer. It
// imports nothing of the project; the internal packages implement its
// interfaces and internal/node wires them together.
//
// # Services and stores
//
// A domain service (Accounts, Engagement, Videos, DataRights, Mover) owns a
// write sequence end to end: it checks the request, finds the home region
// of the account it concerns, writes that region's store, appends the
// event, takes the write back if the append fails, and waits for the
// projection when the caller reads its own write. HTTP handlers, the CLI
// and the demo parse, call a service and respond. Reads of what every
// region publishes go through the Catalog; a region's Store is reached
// through its Cell.
//
// # Taking things away: one verb for each meaning
//
//   - Delete: a product action takes one thing away for everyone: a video,
//     a comment, a session, a stored blob. What hangs off it (likes,
//     comments, counters, files) goes with it. A deleted video is announced
//     to every region by a remove event (EventRemove).
//   - Erase: a person's data is removed for good, the right to erasure:
//     records, media, events and what a recommender learned, and in the end
//     every stale copy in the files (Compact). Deleting one's account
//     (AccessDelete) is carried out by erasing it.
//   - Release: a region gives up an account that lives in another region
//     now (at the source after a move, at the target when a move rolls
//     back): its records, events and learned state leave, while its public
//     videos live on in the region that is its home.
//   - Forget: derived state drops something it had learned or cached, as
//     when "Refresh your For You" makes the recommender forget a viewer's
//     taste.
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

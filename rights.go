package flick

import (
	"context"
	"io"
)

// DataRights carries out people's rights over their data, in every region
// that holds some of it.
type DataRights interface {
	// Export gathers everything held about account id, records the export
	// in the access log, and returns the function that writes it as a zip.
	Export(ctx context.Context, id string) (func(w io.Writer) error, error)
	// Erase deletes the account and erases all of its data everywhere.
	// When it returns the account is gone for everyone; a background worker
	// erases the rest (events, learned state, stale copies in files).
	// ECONFLICT while the account is being erased already.
	Erase(ctx context.Context, id string) error
}

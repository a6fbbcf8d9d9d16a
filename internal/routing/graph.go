package routing

import (
	"context"
	"maps"
	"slices"

	"github.com/flick-video/flick"
)

// Followers merges the follows of accountID that each region holds: a
// follow is its follower's personal data, kept in the follower's home
// region. Each region pages by the same (time, ID) cursor, so a page is
// the newest of their pages.
func (r *Router) Followers(ctx context.Context, accountID string, p flick.Page) ([]flick.Edge, string, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Store.Followers(ctx, accountID, p)
	}
	p = p.Normalize()
	var all []flick.Edge
	more := false
	for _, c := range r.cells {
		edges, next, err := c.Store.Followers(ctx, accountID, p)
		if err != nil {
			return nil, "", err
		}
		all, more = append(all, edges...), more || next != ""
	}
	slices.SortFunc(all, flick.NewestEdgeFirst)
	if len(all) > p.Limit {
		all, more = all[:p.Limit], true
	}
	if !more || len(all) == 0 {
		return all, "", nil
	}
	return all, flick.EdgeCursor(all[len(all)-1]), nil
}

// AccountRefs asks every region for the accounts it holds among ids.
func (r *Router) AccountRefs(ctx context.Context, ids []string) (map[string]flick.AccountRef, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Store.AccountRefs(ctx, ids)
	}
	out := map[string]flick.AccountRef{}
	for _, c := range r.cells {
		refs, err := c.Store.AccountRefs(ctx, ids)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, refs)
	}
	return out, nil
}

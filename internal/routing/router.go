// Package routing finds where each account's data lives and reads every
// region as one. The Router sends the services to the cell of an account's
// home region (Home), holding the account open while they work there, and
// keeps only what truly spans regions: the catalog's merged listings,
// search and comments with every region's aggregates summed, the
// cross-region existence checks each region's store asks (Elsewhere), the
// directory and the store together at sign-up, sessions found by token
// alone, the announcements of new and deleted videos to every region, and
// the feeds and media of the right region. See README.md.
package routing

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flick-video/flick"
)

// Router is every region behind one catalog, and the way to each account's
// home region. With one region it adds nothing but the directory look-up of
// an account's region (cached).
type Router struct {
	dir   flick.Directory
	cells []*flick.Cell // the first is the default region of new accounts and anonymous viewers
	clock flick.Clock

	gate *gate // calls under way on each account; accounts being moved or erased
}

var _ flick.Catalog = (*Router)(nil)

// New routes over cells, one per region, the default region first, and
// tells each cell's store how to find the records of the others. The
// cells' other parts may be filled in later: the router reads them only
// when it routes a call to them.
func New(dir flick.Directory, cells []*flick.Cell, clock flick.Clock) *Router {
	r := &Router{dir: dir, cells: cells, clock: clock, gate: newGate()}
	for i, c := range cells {
		c.Store.SetElsewhere(elsewhere{r: r, self: i})
	}
	return r
}

// Regions lists the regions, the default first.
func (r *Router) Regions() []string {
	out := make([]string, len(r.cells))
	for i, c := range r.cells {
		out[i] = c.Region
	}
	return out
}

// Cells lists every region's cell, the default first.
func (r *Router) Cells() []*flick.Cell { return r.cells }

// Cell returns the cell of region; EINVALID for a region the instance does
// not have.
func (r *Router) Cell(region string) (*flick.Cell, error) {
	for _, c := range r.cells {
		if c.Region == region {
			return c, nil
		}
	}
	return nil, flick.Errorf(flick.EINVALID, "Unknown region %q: choose one of %s.", region, strings.Join(r.Regions(), ", "))
}

// Region returns the home region of account id, unless the account is
// being moved (EUNAVAILABLE) or erased (ENOTFOUND), without holding it.
func (r *Router) Region(ctx context.Context, id string) (string, error) {
	if err := r.gate.open(id); err != nil {
		return "", err
	}
	return r.dir.Region(ctx, id)
}

// Home returns the cell of account id's home region, and of the default
// region for anonymous viewers (id ""). The call is under way on the
// account until done is called: a move or an erasure of the account waits
// for it, and until then nothing the caller writes there is left behind.
// EUNAVAILABLE while the account is being moved, ENOTFOUND for an unknown
// account or one being erased.
func (r *Router) Home(ctx context.Context, id string) (cell *flick.Cell, done func(), err error) {
	if id == "" {
		return r.cells[0], func() {}, nil
	}
	if done, err = r.gate.enter(id); err != nil {
		return nil, nil, err
	}
	region, err := r.dir.Region(ctx, id)
	if err == nil {
		cell, err = r.homeCell(id, region)
	}
	if err != nil {
		done()
		return nil, nil, err
	}
	return cell, done, nil
}

// homeCell is the cell of region, where the directory homes account id.
func (r *Router) homeCell(id, region string) (*flick.Cell, error) {
	for _, c := range r.cells {
		if c.Region == region {
			return c, nil
		}
	}
	return nil, fmt.Errorf("routing: account %s is homed in region %q, which this instance does not have", id, region)
}

// InHome runs fn on the cell of account id's home region, as a call under
// way on the account (see Home).
func InHome[T any](ctx context.Context, r *Router, id string, fn func(home *flick.Cell) (T, error)) (T, error) {
	var zero T
	home, done, err := r.Home(ctx, id)
	if err != nil {
		return zero, err
	}
	defer done()
	return fn(home)
}

// Freeze makes every call that concerns account id fail with EUNAVAILABLE
// until thaw is called, and waits for the calls under way on it to end: a
// move copies a still picture of the account.
func (r *Router) Freeze(ctx context.Context, id string) (thaw func(), err error) {
	return r.gate.close(ctx, r.gate.frozen, id)
}

// CloseForErasure makes account id unknown to every call from now on, while
// its erasure runs, and waits for the calls under way on it to end; reopen
// when the directory has forgotten it (or the erasure was not begun).
func (r *Router) CloseForErasure(ctx context.Context, id string) (reopen func(), err error) {
	return r.gate.close(ctx, r.gate.erasing, id)
}

// CreateAccount claims a's handle in the directory and creates the account
// in its home region: the default region when a.Region is "" (EINVALID for
// a region the instance does not have). The registration is taken back if
// the store refuses the account.
func (r *Router) CreateAccount(ctx context.Context, a *flick.Account, passwordHash string) error {
	a.Region = cmp.Or(a.Region, r.cells[0].Region)
	home, err := r.Cell(a.Region)
	if err != nil {
		return err
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = r.clock()
	}
	if a.ID == "" {
		a.ID = flick.NewID(a.CreatedAt)
	} else if !flick.ValidID(a.ID) {
		return flick.Errorf(flick.EINVALID, "ID is not valid.")
	}
	if err := r.dir.Register(ctx, a.ID, a.Handle, a.Region); err != nil {
		return err
	}
	if err := home.Store.CreateAccount(ctx, a, passwordHash); err != nil {
		if uerr := r.dir.Unregister(ctx, a.ID); uerr != nil {
			return fmt.Errorf("%w (and taking the registration back failed: %v)", err, uerr)
		}
		return err
	}
	return nil
}

// Account returns the account with its followers in every region.
func (r *Router) Account(ctx context.Context, id string) (*flick.Account, error) {
	return InHome(ctx, r, id, func(home *flick.Cell) (*flick.Account, error) {
		a, err := home.Store.Account(ctx, id)
		if err != nil {
			return nil, err
		}
		return a, r.addFollowers(ctx, home.Store, []*flick.Account{a})
	})
}

// AccountByHandle finds the account in the directory.
func (r *Router) AccountByHandle(ctx context.Context, handle string) (*flick.Account, error) {
	id, err := r.dir.Lookup(ctx, handle)
	if err != nil {
		return nil, err
	}
	return r.Account(ctx, id)
}

// addFollowers adds the followers that the other cells than home hold.
func (r *Router) addFollowers(ctx context.Context, home flick.Store, accounts []*flick.Account) error {
	if len(r.cells) == 1 || len(accounts) == 0 {
		return nil
	}
	ids := make([]string, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	for _, c := range r.cells {
		if c.Store == home {
			continue
		}
		n, err := c.Store.FollowerCounts(ctx, ids)
		if err != nil {
			return err
		}
		for _, a := range accounts {
			a.FollowerCount += n[a.ID]
		}
	}
	return nil
}

// SearchAccounts asks every region and merges: the exact handle first,
// then the most followed. A region ranks by its own followers only, so each
// is asked for the largest page and the router ranks by the followers in
// every region: exact while no region matches more than flick.MaxPageSize.
func (r *Router) SearchAccounts(ctx context.Context, q string, limit int) ([]*flick.Account, error) {
	if len(r.cells) == 1 {
		return r.cells[0].Store.SearchAccounts(ctx, q, limit)
	}
	var all []*flick.Account
	for _, c := range r.cells {
		found, err := c.Store.SearchAccounts(ctx, q, flick.MaxPageSize)
		if err != nil {
			return nil, err
		}
		if err := r.addFollowers(ctx, c.Store, found); err != nil {
			return nil, err
		}
		all = append(all, found...)
	}
	handle := flick.NormalizeHandle(q)
	slices.SortStableFunc(all, func(a, b *flick.Account) int {
		return cmp.Or(boolCmp(b.Handle == handle, a.Handle == handle), cmp.Compare(b.FollowerCount, a.FollowerCount), strings.Compare(a.Handle, b.Handle))
	})
	return all[:min(len(all), flick.Page{Limit: limit}.Normalize().Limit)], nil
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// SessionByTokenHash asks each region in turn: a token names no region, so
// that it stays valid when its account moves.
func (r *Router) SessionByTokenHash(ctx context.Context, hash []byte, now time.Time) (*flick.Session, error) {
	for _, c := range r.cells {
		sess, err := c.Store.SessionByTokenHash(ctx, hash, now)
		if flick.ErrorCode(err) != flick.ENOTFOUND {
			return sess, err
		}
	}
	return nil, flick.Errorf(flick.ENOTFOUND, "Session not found.")
}

// TouchSessions hands every region the whole map; each ignores the
// sessions it does not hold.
func (r *Router) TouchSessions(ctx context.Context, seen map[string]time.Time) error {
	for _, c := range r.cells {
		if err := c.Store.TouchSessions(ctx, seen); err != nil {
			return err
		}
	}
	return nil
}

// Ping pings every region's store.
func (r *Router) Ping(ctx context.Context) error {
	for _, c := range r.cells {
		if err := c.Store.Ping(ctx); err != nil {
			return fmt.Errorf("region %s: %w", c.Region, err)
		}
	}
	return nil
}

// elsewhere answers one cell's questions about the other cells.
type elsewhere struct {
	r    *Router
	self int
}

func (e elsewhere) AccountExists(ctx context.Context, id string) (bool, error) {
	region, err := e.r.Region(ctx, id)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		return false, nil
	}
	return err == nil && region != e.r.cells[e.self].Region, err
}

// VideoExists finds the video in another cell whatever its status, as a
// store finds its own: a video still processing may be liked. The ready
// videos, nearly all that are asked about, cost the lighter look-up.
func (e elsewhere) VideoExists(ctx context.Context, id string) (bool, error) {
	for i, c := range e.r.cells {
		if i == e.self {
			continue
		}
		d, err := c.Store.VideoDurations(ctx, []string{id})
		if err != nil {
			return false, err
		}
		if _, ok := d[id]; ok {
			return true, nil
		}
		if _, err := c.Store.Video(ctx, id); flick.ErrorCode(err) != flick.ENOTFOUND {
			return err == nil, err
		}
	}
	return false, nil
}

func (e elsewhere) TopComment(ctx context.Context, videoID, commentID string) (string, error) {
	for i, c := range e.r.cells {
		if i == e.self {
			continue
		}
		top, err := c.Store.LocalTopComment(ctx, videoID, commentID)
		if flick.ErrorCode(err) != flick.ENOTFOUND {
			return top, err
		}
	}
	return "", flick.Errorf(flick.ENOTFOUND, "Comment not found.")
}

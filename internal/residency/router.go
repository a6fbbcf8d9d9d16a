// Package residency keeps people's data in their home region. Each region
// is a cell with its own store, media store and event log; the global
// Directory maps accounts to their home region; Router presents every cell
// as one flick.Store, sending each call to the cell of the account or video
// it concerns and merging what several cells hold (listings, comments) and
// summing their per-region aggregates (counts). Check finds personal data
// outside its home region and Mover moves an account between regions.
package residency

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flick-video/flick"
)

// Router is every region's store behind one flick.Store. With one region it
// adds nothing but the directory look-up of an account's region (cached).
type Router struct {
	dir     flick.Directory
	regions []string // the first is the default region of new accounts
	cells   []flick.RegionStore
	clock   flick.Clock

	gate *gate // calls under way on each account; accounts being moved or erased
}

var _ flick.Store = (*Router)(nil)

// NewRouter routes over stores, one per region in regions (the same order),
// and tells each store how to find the records of the others.
func NewRouter(dir flick.Directory, regions []string, stores []flick.RegionStore, clock flick.Clock) *Router {
	r := &Router{dir: dir, regions: regions, cells: stores, clock: clock, gate: newGate()}
	for i, s := range stores {
		s.SetElsewhere(elsewhere{r: r, self: i})
	}
	return r
}

// cell returns the store of region.
func (r *Router) cell(region string) (flick.RegionStore, error) {
	i := slices.Index(r.regions, region)
	if i < 0 {
		return nil, flick.Errorf(flick.EINVALID, "Unknown region %q: this instance has %s.", region, strings.Join(r.regions, ", "))
	}
	return r.cells[i], nil
}

// Freeze makes every call that concerns account id fail with EUNAVAILABLE
// until thaw is called, and waits for the calls under way on it to end: a
// move copies a still picture of the account.
func (r *Router) Freeze(ctx context.Context, id string) (thaw func(), err error) {
	return r.gate.close(ctx, r.gate.frozen, id)
}

// markErasing makes account id unknown to every call from now on, while its
// erasure runs, and waits for the calls under way on it to end; unmark when
// the directory has forgotten it.
func (r *Router) markErasing(ctx context.Context, id string) (unmark func(), err error) {
	return r.gate.close(ctx, r.gate.erasing, id)
}

// region returns the home region of account id, unless it is frozen or
// being erased.
func (r *Router) region(ctx context.Context, id string) (string, error) {
	if err := r.gate.open(id); err != nil {
		return "", err
	}
	return r.dir.Region(ctx, id)
}

// enter is region for a call on account id's data in its home region: the
// call is under way, and holds off Freeze and markErasing, until leave.
func (r *Router) enter(ctx context.Context, id string) (region string, leave func(), err error) {
	if leave, err = r.gate.enter(id); err != nil {
		return "", nil, err
	}
	if region, err = r.dir.Region(ctx, id); err != nil {
		leave()
		return "", nil, err
	}
	return region, leave, nil
}

// Home returns the home region of account id and its store.
func (r *Router) Home(ctx context.Context, id string) (string, flick.RegionStore, error) {
	region, err := r.region(ctx, id)
	if err != nil {
		return "", nil, err
	}
	s, err := r.cell(region)
	return region, s, err
}

// on runs fn on the store of account id's home region, as a call under way
// on the account (see enter).
func (r *Router) on(ctx context.Context, id string, fn func(s flick.RegionStore) error) error {
	region, leave, err := r.enter(ctx, id)
	if err != nil {
		return err
	}
	defer leave()
	s, err := r.cell(region)
	if err != nil {
		return err
	}
	return fn(s)
}

// onHome is on for a call that returns a value.
func onHome[T any](ctx context.Context, r *Router, id string, fn func(s flick.RegionStore) (T, error)) (T, error) {
	var out T
	err := r.on(ctx, id, func(s flick.RegionStore) (err error) {
		out, err = fn(s)
		return err
	})
	return out, err
}

// videoCell returns the index of the cell that stores video id.
func (r *Router) videoCell(ctx context.Context, id string) (int, *flick.Video, error) {
	for i, s := range r.cells {
		v, err := s.Video(ctx, id)
		if err == nil {
			return i, v, nil
		}
		if flick.ErrorCode(err) != flick.ENOTFOUND {
			return 0, nil, err
		}
	}
	return 0, nil, flick.Errorf(flick.ENOTFOUND, "Video not found.")
}

// elsewhere answers one cell's questions about the other cells.
type elsewhere struct {
	r    *Router
	self int
}

func (e elsewhere) AccountExists(ctx context.Context, id string) (bool, error) {
	region, err := e.r.region(ctx, id)
	if flick.ErrorCode(err) == flick.ENOTFOUND {
		return false, nil
	}
	return err == nil && region != e.r.regions[e.self], err
}

// VideoExists finds the video in another cell whatever its status, as a
// store finds its own: a video still processing may be liked. The ready
// videos, nearly all that are asked about, cost the lighter look-up.
func (e elsewhere) VideoExists(ctx context.Context, id string) (bool, error) {
	for i, s := range e.r.cells {
		if i == e.self {
			continue
		}
		d, err := s.VideoDurations(ctx, []string{id})
		if err != nil {
			return false, err
		}
		if _, ok := d[id]; ok {
			return true, nil
		}
		if _, err := s.Video(ctx, id); flick.ErrorCode(err) != flick.ENOTFOUND {
			return err == nil, err
		}
	}
	return false, nil
}

func (e elsewhere) TopComment(ctx context.Context, videoID, commentID string) (string, error) {
	for i, s := range e.r.cells {
		if i == e.self {
			continue
		}
		top, err := s.LocalTopComment(ctx, videoID, commentID)
		if flick.ErrorCode(err) != flick.ENOTFOUND {
			return top, err
		}
	}
	return "", flick.Errorf(flick.ENOTFOUND, "Comment not found.")
}

// --- accounts

// CreateAccount registers the handle in the directory, then creates the
// account in its home region (the default region when a.Region is "").
func (r *Router) CreateAccount(ctx context.Context, a *flick.Account, passwordHash string) error {
	a.Region = cmp.Or(a.Region, r.regions[0])
	s, err := r.cell(a.Region)
	if err != nil {
		return err
	}
	if err := flick.ValidateHandle(a.Handle); err != nil {
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
	if err := s.CreateAccount(ctx, a, passwordHash); err != nil {
		return joinUndo(err, r.dir.Remove(ctx, a.ID))
	}
	return nil
}

func joinUndo(err, undoErr error) error {
	if undoErr != nil {
		return fmt.Errorf("%w (and undoing failed: %v)", err, undoErr)
	}
	return err
}

// Account returns the account with its followers in every region.
func (r *Router) Account(ctx context.Context, id string) (*flick.Account, error) {
	return onHome(ctx, r, id, func(s flick.RegionStore) (*flick.Account, error) {
		a, err := s.Account(ctx, id)
		if err != nil {
			return nil, err
		}
		return a, r.addFollowers(ctx, s, []*flick.Account{a})
	})
}

// addFollowers adds the followers that the other cells than home hold.
func (r *Router) addFollowers(ctx context.Context, home flick.RegionStore, accounts []*flick.Account) error {
	if len(r.cells) == 1 || len(accounts) == 0 {
		return nil
	}
	ids := make([]string, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	for _, s := range r.cells {
		if s == home {
			continue
		}
		n, err := s.FollowerCounts(ctx, ids)
		if err != nil {
			return err
		}
		for _, a := range accounts {
			a.FollowerCount += n[a.ID]
		}
	}
	return nil
}

func (r *Router) AccountByHandle(ctx context.Context, handle string) (*flick.Account, error) {
	id, err := r.dir.Lookup(ctx, handle)
	if err != nil {
		return nil, err
	}
	return r.Account(ctx, id)
}

func (r *Router) PasswordHash(ctx context.Context, id string) (string, error) {
	return onHome(ctx, r, id, func(s flick.RegionStore) (string, error) {
		return s.PasswordHash(ctx, id)
	})
}

func (r *Router) UpdateProfile(ctx context.Context, id string, u flick.ProfileUpdate) (*flick.Account, error) {
	return onHome(ctx, r, id, func(s flick.RegionStore) (*flick.Account, error) {
		a, err := s.UpdateProfile(ctx, id, u)
		if err != nil {
			return nil, err
		}
		return a, r.addFollowers(ctx, s, []*flick.Account{a})
	})
}

func (r *Router) SetRoles(ctx context.Context, id string, roles []string) error {
	return r.on(ctx, id, func(s flick.RegionStore) error {
		return s.SetRoles(ctx, id, roles)
	})
}

func (r *Router) Follow(ctx context.Context, followerID, followeeID string, at time.Time) (bool, error) {
	return onHome(ctx, r, followerID, func(s flick.RegionStore) (bool, error) {
		return s.Follow(ctx, followerID, followeeID, at)
	})
}

func (r *Router) Unfollow(ctx context.Context, followerID, followeeID string) (bool, error) {
	return onHome(ctx, r, followerID, func(s flick.RegionStore) (bool, error) {
		return s.Unfollow(ctx, followerID, followeeID)
	})
}

func (r *Router) IsFollowing(ctx context.Context, followerID, followeeID string) (bool, error) {
	return onHome(ctx, r, followerID, func(s flick.RegionStore) (bool, error) {
		return s.IsFollowing(ctx, followerID, followeeID)
	})
}

func (r *Router) FollowingIDs(ctx context.Context, id string) ([]string, error) {
	return onHome(ctx, r, id, func(s flick.RegionStore) ([]string, error) {
		return s.FollowingIDs(ctx, id)
	})
}

// SearchAccounts asks every region and merges: the exact handle first,
// then the most followed. A region ranks by its own followers only, so each
// is asked for the largest page and the router ranks by the followers in
// every region: exact while no region matches more than flick.MaxPageSize.
func (r *Router) SearchAccounts(ctx context.Context, q string, limit int) ([]*flick.Account, error) {
	if len(r.cells) == 1 {
		return r.cells[0].SearchAccounts(ctx, q, limit)
	}
	var all []*flick.Account
	for _, s := range r.cells {
		found, err := s.SearchAccounts(ctx, q, flick.MaxPageSize)
		if err != nil {
			return nil, err
		}
		if err := r.addFollowers(ctx, s, found); err != nil {
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

// --- sessions

func (r *Router) CreateSession(ctx context.Context, sess *flick.Session) error {
	return r.on(ctx, sess.AccountID, func(s flick.RegionStore) error {
		return s.CreateSession(ctx, sess)
	})
}

// SessionByTokenHash asks each region in turn: a token names no region, so
// that it stays valid when its account moves.
func (r *Router) SessionByTokenHash(ctx context.Context, hash []byte, now time.Time) (*flick.Session, error) {
	for _, s := range r.cells {
		sess, err := s.SessionByTokenHash(ctx, hash, now)
		if flick.ErrorCode(err) != flick.ENOTFOUND {
			return sess, err
		}
	}
	return nil, flick.Errorf(flick.ENOTFOUND, "Session not found.")
}

// TouchSessions hands every region the whole map; each ignores the
// sessions it does not hold.
func (r *Router) TouchSessions(ctx context.Context, seen map[string]time.Time) error {
	for _, s := range r.cells {
		if err := s.TouchSessions(ctx, seen); err != nil {
			return err
		}
	}
	return nil
}

func (r *Router) Sessions(ctx context.Context, accountID string) ([]*flick.Session, error) {
	return onHome(ctx, r, accountID, func(s flick.RegionStore) ([]*flick.Session, error) {
		return s.Sessions(ctx, accountID)
	})
}

func (r *Router) DeleteSession(ctx context.Context, accountID, sessionID string) error {
	return r.on(ctx, accountID, func(s flick.RegionStore) error {
		return s.DeleteSession(ctx, accountID, sessionID)
	})
}

// Ping pings every region.
func (r *Router) Ping(ctx context.Context) error {
	for i, s := range r.cells {
		if err := s.Ping(ctx); err != nil {
			return fmt.Errorf("region %s: %w", r.regions[i], err)
		}
	}
	return nil
}

// Close closes nothing: the cells belong to whoever opened them.
func (r *Router) Close() error { return nil }

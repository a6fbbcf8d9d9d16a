// Package datarights carries out people's rights over their data, in every
// region that holds some: "Download your data" (export.go) and "Delete
// account" (erase.go). See README.md for how an erasure proceeds and
// resumes.
package datarights

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/directory"
	"github.com/flick-video/flick/internal/routing"
)

// Service implements flick.DataRights over every region behind the router.
type Service struct {
	dir    *directory.Directory
	router *routing.Router
	audit  flick.AccessLog
	clock  flick.Clock
	logger *slog.Logger

	wake chan struct{}  // Erase tells Run about a new erasure
	busy routing.Claims // accounts being erased by this process
}

var _ flick.DataRights = (*Service)(nil)

// New returns the service over every region behind router; the erasure
// journal is kept in dir, and every export and erasure is recorded in
// audit.
func New(dir *directory.Directory, router *routing.Router, audit flick.AccessLog, clock flick.Clock, logger *slog.Logger) *Service {
	return &Service{dir: dir, router: router, audit: audit, clock: clock, logger: logger, wake: make(chan struct{}, 1)}
}

// Erase deletes account id and every piece of its data in every region.
// Before it returns, the account is gone for everyone: its videos (with
// what every region holds about them), its records and sessions, its media,
// and other regions' follows and hides of it. Its events (and other
// messages naming it), what every recommender learned from it, the copies
// of its records left in the stores' files (one compaction of every store
// for all the erasures Run finishes together) and its directory entry are
// erased next by Run, which can take minutes for a busy account (each
// erased event rewrites part of the log). The erasure is
// journalled first, so that Run finishes one cut short anywhere; the access
// log keeps its pseudonymous entries about the account, this one included.
func (x *Service) Erase(ctx context.Context, id string) error {
	region, err := x.router.Region(ctx, id)
	if err != nil {
		return err
	}
	if !x.busy.Claim(id) {
		return flick.Errorf(flick.ECONFLICT, "This account is being deleted already.")
	}
	// Run skips an account Erase holds, so it is woken only once Erase has
	// let go of it (defers run last in, first out), failed or not.
	defer x.wakeRun()
	defer x.busy.Release(id)
	// From here the account is unknown to every request (and to other
	// regions' checks, so that nobody follows or hides it meanwhile) until
	// Run has erased it. The requests under way on it end first, so that
	// none writes after. Until the erasure is journalled a failure changes
	// nothing; after, it leaves the account so, and Run retries.
	unmark, err := x.router.CloseForErasure(ctx, id)
	if err != nil {
		return err
	}
	if err := x.audit.Record(ctx, flick.AccessEntry{Actor: id, ActorRole: "owner", Action: flick.AccessDelete,
		AccountID: id, Region: region, Reason: "deletion requested by the account holder"}); err != nil {
		unmark()
		return err
	}
	if err := x.dir.BeginErasure(ctx, id, x.clock()); err != nil {
		unmark()
		return fmt.Errorf("datarights: erase: %w", err)
	}
	return x.eraseRecords(context.WithoutCancel(ctx), id, region)
}

// wakeRun tells Run to look at the journal.
func (x *Service) wakeRun() {
	select {
	case x.wake <- struct{}{}:
	default: // Run has been told already
	}
}

// eraseRecords is the first part of an erasure, after which nothing of
// the account can be reached. Each step is idempotent.
func (x *Service) eraseRecords(ctx context.Context, id, region string) error {
	home, err := x.router.Cell(region)
	if err != nil {
		return fmt.Errorf("datarights: erase %s: %w", id, err)
	}
	// Videos first, through their transcoder (which cancels a transcode
	// under way) and its remove events, which make every region forget
	// its records about them.
	var comments []string
	if d, err := home.Store.AccountData(ctx, id); err == nil {
		for _, v := range d.Videos {
			if err := home.Uploader.Delete(ctx, v.ID); err != nil && flick.ErrorCode(err) != flick.ENOTFOUND {
				return fmt.Errorf("datarights: erase %s: video %s: %w", id, v.ID, err)
			}
		}
		for _, c := range d.Comments {
			comments = append(comments, c.ID)
		}
	} else if flick.ErrorCode(err) != flick.ENOTFOUND {
		return fmt.Errorf("datarights: erase %s: %w", id, err)
	}
	if err := home.Store.EraseAccount(ctx, id); err != nil && flick.ErrorCode(err) != flick.ENOTFOUND {
		return fmt.Errorf("datarights: erase %s: records: %w", id, err)
	}
	if err := home.Blobs.DeletePrefix(ctx, flick.AvatarKey(id)); err != nil {
		return fmt.Errorf("datarights: erase %s: avatar: %w", id, err)
	}
	for _, c := range x.router.Cells() {
		if err := c.Store.EraseReferences(ctx, id); err != nil {
			return fmt.Errorf("datarights: erase %s in %s: %w", id, c.Region, err)
		}
		// Other people's likes of the account's comments go with the
		// comments. (A retry after a crash past EraseAccount no longer
		// knows the comments: the likes it leaves name a comment nobody
		// can read, and are erased with their likers.)
		if err := c.Store.DeleteCommentLikes(ctx, comments); err != nil {
			return fmt.Errorf("datarights: erase %s in %s: likes of its comments: %w", id, c.Region, err)
		}
	}
	return nil
}

// eraseRest does the rest of an erasure but the compaction: the records
// (again, if a crash cut the first part short), then the events and the
// recommenders' state in every region.
func (x *Service) eraseRest(ctx context.Context, id, region string) error {
	if err := x.eraseRecords(ctx, id, region); err != nil {
		return err
	}
	for _, c := range x.router.Cells() {
		if err := c.Learner.EraseAccount(ctx, id); err != nil {
			return fmt.Errorf("datarights: erase %s in %s: %w", id, c.Region, err)
		}
	}
	return nil
}

// compact rewrites every region's store, so that no copy of the records
// erased before it is left in their files. It first waits for each
// region's projector to apply its log: the remove events of the erased
// accounts' videos delete other people's records about them (comments
// that may name the account among them).
func (x *Service) compact(ctx context.Context) error {
	for _, c := range x.router.Cells() {
		seq, err := c.Events.LastSeq(ctx)
		if err == nil {
			err = c.Projector.WaitFor(ctx, seq)
		}
		if err != nil {
			return fmt.Errorf("datarights: compact %s: waiting for the projector: %w", c.Region, err)
		}
		if err := c.Store.Compact(ctx); err != nil {
			return fmt.Errorf("datarights: compact %s: %w", c.Region, err)
		}
	}
	return nil
}

// Pending lists the accounts whose erasure is not finished: until every
// store is compacted after it.
func (x *Service) Pending(ctx context.Context) ([]string, error) {
	todo, err := x.dir.PendingErasures(ctx)
	ids := make([]string, len(todo))
	for i, p := range todo {
		ids[i] = p.AccountID
	}
	return ids, err
}

// Run finishes the journalled erasures, those Erase starts and those a
// crash or shutdown cut short, until ctx ends. The projectors and learners
// must be running.
func (x *Service) Run(ctx context.Context) error {
	for {
		if err := x.finishPending(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-x.wake:
		case <-time.After(time.Minute):
		}
	}
}

// finishPending finishes every journalled erasure that Erase is not still
// working on: the rest of each, then one compaction of every store for the
// batch, and only then the journal rows, so that a crash before the
// compaction has it redone at the next start. A failed erasure or
// compaction is logged and retried at the next wake-up or start: it must
// stay visible, not stop the server. It returns only ctx's error or the
// journal's.
func (x *Service) finishPending(ctx context.Context) error {
	todo, err := x.dir.PendingErasures(ctx)
	if err != nil {
		return err
	}
	type erased struct {
		directory.Erasure
		unmark func()
	}
	var done []erased
	defer func() {
		for _, e := range done {
			x.busy.Release(e.AccountID)
		}
	}()
	for _, p := range todo {
		if !x.busy.Claim(p.AccountID) {
			continue // Erase is still on its first part; it wakes us after
		}
		unmark, err := x.router.CloseForErasure(ctx, p.AccountID)
		if err == nil {
			err = x.eraseRest(ctx, p.AccountID, p.Region)
		}
		if err != nil {
			x.busy.Release(p.AccountID)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			x.logger.Error("account erasure failed; it will be retried", "account", p.AccountID, "err", err)
			continue
		}
		done = append(done, erased{p, unmark})
	}
	if len(done) == 0 {
		return nil
	}
	ids := make([]string, len(done))
	for i, e := range done {
		ids[i] = e.AccountID
	}
	err = x.compact(ctx)
	if err == nil {
		err = x.dir.EndErasures(ctx, ids)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		x.logger.Error("account erasures failed; they will be retried", "accounts", ids, "err", err)
		return nil
	}
	for _, e := range done {
		e.unmark() // the directory has forgotten it
		x.logger.Info("account erased", "account", e.AccountID, "region", e.Region)
	}
	return nil
}

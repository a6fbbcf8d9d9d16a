package move

import (
	"context"
	"fmt"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/directory"
)

// finish erases the account from the source, records the receipt and
// ends the move. Each step may have been done already by an interrupted
// run.
func (m *Mover) finish(ctx context.Context, mv *directory.Move) error {
	source, ok := m.cells[mv.From]
	if !ok {
		return fmt.Errorf("move %s: region %q is not configured", mv.AccountID, mv.From)
	}
	if mv.Phase == directory.PhaseSwitched {
		if err := source.Store.ReleaseAccount(ctx, mv.AccountID); err != nil && flick.ErrorCode(err) != flick.ENOTFOUND {
			return fmt.Errorf("purge the records: %w", err)
		}
		if err := m.step(ctx, StepReleased); err != nil {
			return err
		}
		for _, prefix := range deletePrefixes(mv.Media) {
			if err := source.Blobs.DeletePrefix(ctx, prefix); err != nil {
				return fmt.Errorf("delete the media: %w", err)
			}
		}
		if err := m.step(ctx, StepMediaDeleted); err != nil {
			return err
		}
		if err := source.Learner.ReleaseAccount(ctx, mv.AccountID); err != nil {
			return fmt.Errorf("release the events: %w", err)
		}
		if err := m.cfg.Directory.SetMovePhase(ctx, mv, directory.PhaseErased); err != nil {
			return err
		}
		if err := m.step(ctx, StepErased); err != nil {
			return err
		}
	}
	if err := m.record(ctx, mv); err != nil {
		return err
	}
	if err := m.step(ctx, StepRecorded); err != nil {
		return err
	}
	if err := m.cfg.Directory.EndMove(ctx, mv); err != nil {
		return err
	}
	m.cfg.Logger.Info("account moved", "account", mv.AccountID, "from", mv.From, "to", mv.To, "move", mv.ID)
	return nil
}

// receiptsScanned is how many of an account's newest access log entries
// record looks through for a receipt recorded by an interrupted run.
const receiptsScanned = 100

// record writes the move's receipt into the access log unless an
// interrupted run did.
func (m *Mover) record(ctx context.Context, mv *directory.Move) error {
	if mv.Receipt == nil {
		return fmt.Errorf("move %s: the journal has no receipt", mv.ID)
	}
	detail := detail(mv.Receipt)
	entries, err := m.cfg.Audit.EntriesAbout(ctx, mv.AccountID, 0, receiptsScanned)
	if err != nil {
		return fmt.Errorf("move %s: read the access log: %w", mv.ID, err)
	}
	for _, e := range entries {
		if e.Action == flick.AccessMove && e.Detail == detail {
			return nil
		}
	}
	err = m.cfg.Audit.Record(ctx, flick.AccessEntry{
		Actor: mv.Actor, ActorRole: actorRole(mv.Actor), Action: flick.AccessMove,
		AccountID: mv.AccountID, Region: mv.From, Reason: mv.Reason, Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("move %s: record the receipt: %w", mv.ID, err)
	}
	return nil
}

// rollback deletes whatever of a move before its switch reached the
// target: records, media, events and what the target's recommender learned
// from them; then it ends the move.
func (m *Mover) rollback(ctx context.Context, mv *directory.Move) error {
	// A rollback is short and must not stop half-way because the caller
	// gave up (Resume would redo it, but the account would stay frozen
	// until then).
	ctx = context.WithoutCancel(ctx)
	target, ok := m.cells[mv.To]
	if !ok {
		return fmt.Errorf("roll back move %s: region %q is not configured", mv.AccountID, mv.To)
	}
	// The target must not be the home: a switch whose commit reported an
	// error may still have happened.
	if phase, err := m.cfg.Directory.MovePhase(ctx, mv); err != nil {
		return fmt.Errorf("roll back move %s: %w", mv.AccountID, err)
	} else if phase != directory.PhaseCopying {
		return fmt.Errorf("roll back move %s: the move is %s, not %s", mv.AccountID, phase, directory.PhaseCopying)
	}
	if err := target.Store.ReleaseAccount(ctx, mv.AccountID); err != nil && flick.ErrorCode(err) != flick.ENOTFOUND {
		return fmt.Errorf("roll back move %s: purge the records: %w", mv.AccountID, err)
	}
	for _, prefix := range deletePrefixes(mv.Media) {
		if err := target.Blobs.DeletePrefix(ctx, prefix); err != nil {
			return fmt.Errorf("roll back move %s: delete the media: %w", mv.AccountID, err)
		}
	}
	if err := target.Learner.ReleaseAccount(ctx, mv.AccountID); err != nil {
		return fmt.Errorf("roll back move %s: release the events: %w", mv.AccountID, err)
	}
	if err := m.cfg.Directory.EndMove(ctx, mv); err != nil {
		return err
	}
	m.cfg.Logger.Warn("account move rolled back", "account", mv.AccountID, "from", mv.From, "to", mv.To, "move", mv.ID)
	return nil
}

// Resumed is what Resume did with one interrupted move.
type Resumed struct {
	AccountID string             `json:"account_id"`
	From      string             `json:"from"`
	To        string             `json:"to"`
	Outcome   string             `json:"outcome"`           // "completed" or "rolled back"
	Receipt   *flick.MoveReceipt `json:"receipt,omitempty"` // of a completed move
}

// Resume finishes every interrupted move that had switched and rolls back
// every other. Run it before serving (with the projectors and learners
// running), or from a command that holds the data directory.
func (m *Mover) Resume(ctx context.Context) ([]Resumed, error) {
	moves, err := m.cfg.Directory.PendingMoves(ctx)
	if err != nil {
		return nil, err
	}
	var out []Resumed
	for _, mv := range moves {
		if !m.moving.Claim(mv.AccountID) {
			continue // being moved by this process right now
		}
		res, err := m.resumeOne(ctx, mv)
		m.moving.Release(mv.AccountID)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// resumeOne finishes or rolls back one interrupted move.
func (m *Mover) resumeOne(ctx context.Context, mv *directory.Move) (Resumed, error) {
	res := Resumed{AccountID: mv.AccountID, From: mv.From, To: mv.To}
	var err error
	if mv.Phase == directory.PhaseCopying {
		err, res.Outcome = m.rollback(ctx, mv), "rolled back"
	} else {
		err, res.Outcome, res.Receipt = m.finish(ctx, mv), "completed", mv.Receipt
	}
	if err != nil {
		return res, fmt.Errorf("resume the move of %s from %s to %s: %w", mv.AccountID, mv.From, mv.To, err)
	}
	return res, nil
}

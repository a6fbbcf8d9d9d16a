// Package move moves an account between regions: its records, media,
// events and learned state go from its home region (the source) to
// another (the target), the copy is verified, the directory switched and
// the source released, with a receipt in the access log. See README.md for
// the steps and how an interrupted move is finished or rolled back.
package move

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/directory"
	"github.com/flick-video/flick/internal/routing"
)

// The move journal (internal/directory) records each move's phase in the
// directory's file, and the switch is one transaction of that file, so
// that a move killed at any moment is on one side of it: before, the source
// is the only live copy and Resume deletes what reached the target; after,
// the target is, and Resume finishes releasing the source. Every step is
// idempotent so that Resume can redo it.

// Config wires a Mover.
type Config struct {
	Directory *directory.Directory
	Router    *routing.Router // every region's cell; freezes the account while it is copied
	Audit     flick.AccessLog
	Clock     flick.Clock
	Logger    *slog.Logger
	// Step, when set, is called after each step of a move with the step's
	// name; if it returns an error the move stops at once, as if the
	// process had been killed there, leaving the rest to Resume. Tests use
	// it to interrupt moves at every step.
	Step func(ctx context.Context, step string) error
}

// Steps of a move, in order, as Config.Step sees them.
const (
	StepBegun        = "begun"         // journalled; nothing copied yet
	StepImported     = "imported"      // the records are in the target's store
	StepMediaCopied  = "media-copied"  // and the media in its media store
	StepEventsCopied = "events-copied" // and the events in its log
	StepVerified     = "verified"      // the copy matches the source
	StepSwitched     = "switched"      // the target is the home
	StepReleased     = "released"      // the source's store holds nothing of the account
	StepMediaDeleted = "media-deleted" // nor its media store
	StepErased       = "erased"        // nor its log and recommender
	StepRecorded     = "recorded"      // the receipt is in the access log
)

// Mover moves accounts between regions.
type Mover struct {
	cfg   Config
	cells map[string]*flick.Cell

	moving routing.Claims // accounts being moved by this process
}

var _ flick.Mover = (*Mover)(nil)

// New returns a mover over the regions of cfg.Router.
func New(cfg Config) *Mover {
	m := &Mover{cfg: cfg, cells: map[string]*flick.Cell{}}
	for _, c := range cfg.Router.Cells() {
		m.cells[c.Region] = c
	}
	return m
}

// detail is the receipt as an access log entry's detail: one short line.
func detail(r *flick.MoveReceipt) string {
	return fmt.Sprintf("move=%s from=%s to=%s records=%d data_sha256=%s media=%d files/%d bytes media_sha256=%s events=%d events_sha256=%s",
		r.MoveID, r.From, r.To, sumCounts(r.Records), r.DataHash, r.MediaFiles, r.MediaBytes, r.MediaHash, r.Events, r.EventsHash)
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// actorRole is the access log role of a move's actor: a job or an admin.
func actorRole(actor string) string {
	if strings.HasPrefix(actor, "system:") {
		return "system"
	}
	return flick.RoleAdmin
}

// Move moves account id's personal data, media, events and recommender
// state to region to, on behalf of actor (an admin's account ID or
// "system:<name>") for reason, and records the receipt in the access log.
// The account is frozen (its requests get EUNAVAILABLE) until the switch.
// A failure before the switch rolls the copy back; one after it leaves
// the move journalled for Resume, or the next Move of the account, to
// finish. An interrupted move of the account is resumed first.
func (m *Mover) Move(ctx context.Context, id, to, actor, reason string) (*flick.MoveReceipt, error) {
	if reason = strings.TrimSpace(reason); reason == "" {
		return nil, flick.Errorf(flick.EINVALID, "A reason is required: it is written to the access log.")
	}
	entry := flick.AccessEntry{Actor: actor, ActorRole: actorRole(actor), Action: flick.AccessMove, AccountID: id, Region: to, Reason: reason}
	if err := entry.Validate(); err != nil {
		return nil, err
	}
	target, ok := m.cells[to]
	if !ok {
		return nil, flick.Errorf(flick.EINVALID, "Unknown region %q.", to)
	}
	if !m.moving.Claim(id) {
		return nil, flick.Errorf(flick.ECONFLICT, "This account is being moved already.")
	}
	defer m.moving.Release(id)
	// A move of the account that failed or was killed earlier is finished
	// or rolled back first, so that rerunning a move completes it.
	pending, err := m.cfg.Directory.PendingMoves(ctx)
	if err != nil {
		return nil, err
	}
	for _, mv := range pending {
		if mv.AccountID == id {
			if _, err := m.resumeOne(ctx, mv); err != nil {
				return nil, err
			}
		}
	}
	from, err := m.cfg.Directory.Region(ctx, id)
	if err != nil {
		return nil, err
	}
	if from == to {
		return nil, flick.Errorf(flick.EINVALID, "The account's home is %s already.", to)
	}
	source, ok := m.cells[from]
	if !ok {
		return nil, fmt.Errorf("move %s: its home region %q is not configured", id, from)
	}
	thaw, err := m.cfg.Router.Freeze(ctx, id)
	if err != nil {
		return nil, err
	}
	defer thaw()

	mv := &directory.Move{ID: flick.NewID(m.cfg.Clock()), AccountID: id, From: from, To: to, Phase: directory.PhaseCopying, Actor: actor, Reason: reason, Started: m.cfg.Clock().UTC()}
	snap, err := m.export(ctx, source, id)
	if err != nil {
		return nil, err
	}
	mv.Media = snap.media
	if err := m.cfg.Directory.BeginMove(ctx, mv); err != nil {
		return nil, err
	}
	m.cfg.Logger.Info("moving account", "account", id, "from", from, "to", to, "move", mv.ID)
	if err := m.step(ctx, StepBegun); err != nil {
		return nil, err
	}
	receipt, err := m.copy(ctx, mv, snap, source, target)
	if errors.Is(err, errCrash) {
		return nil, err
	} else if err != nil {
		if rerr := m.rollback(ctx, mv); rerr != nil {
			return nil, fmt.Errorf("%w (and rolling back failed, Resume will retry: %v)", err, rerr)
		}
		return nil, err
	}
	mv.Receipt = receipt
	if err := m.cfg.Directory.SwitchMove(ctx, mv); err != nil {
		if rerr := m.rollback(ctx, mv); rerr != nil {
			return nil, fmt.Errorf("%w (and rolling back failed, Resume will retry: %v)", err, rerr)
		}
		return nil, err
	}
	thaw()
	if err := m.step(ctx, StepSwitched); err != nil {
		return nil, err
	}
	if err := m.finish(ctx, mv); err != nil {
		return nil, fmt.Errorf("move %s: the account is homed in %s now; releasing it from %s failed (Resume will finish): %w", id, to, from, err)
	}
	return receipt, nil
}

// errCrash marks the error of a Step hook: the move stops as if killed.
var errCrash = errors.New("move interrupted")

func (m *Mover) step(ctx context.Context, name string) error {
	if m.cfg.Step == nil {
		return nil
	}
	if err := m.cfg.Step(ctx, name); err != nil {
		return fmt.Errorf("%w at step %s: %w", errCrash, name, err)
	}
	return nil
}

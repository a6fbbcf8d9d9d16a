package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

// The move and erasure journals are tables of the directory's file, made
// by its migrations (migrations/0001_init.sql says why they live there).

// Phases of a move, as the journal records them.
const (
	// PhaseCopying: the source is still the home; the target may hold a
	// partial copy, which an interrupted move deletes (rolls back).
	PhaseCopying = "copying"
	// PhaseSwitched: the target is the home; the source may still hold
	// the account's data, which an interrupted move deletes (finishes).
	PhaseSwitched = "switched"
	// PhaseErased: the source is clean; the receipt may not be in the
	// access log yet.
	PhaseErased = "erased"
)

// Move is one journal row: a move under way or interrupted.
type Move struct {
	ID        string
	AccountID string
	From, To  string
	Phase     string
	Actor     string
	Reason    string
	Started   time.Time
	Media     []string           // the source's media keys of the account
	Receipt   *flick.MoveReceipt // set at the switch
}

// BeginMove records a new move in phase copying, with the media keys it
// will copy (what a rollback deletes at the target); ECONFLICT if the
// account has an unfinished move.
func (d *Directory) BeginMove(ctx context.Context, m *Move) error {
	media, err := json.Marshal(m.Media)
	if err != nil {
		return fmt.Errorf("move journal: begin: %w", err)
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO moves (account_id, move_id, source, target, phase, actor, reason, started_at, media)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.AccountID, m.ID, m.From, m.To, PhaseCopying, m.Actor, m.Reason, m.Started.UnixNano(), media)
	if sqldb.IsUnique(err) {
		return flick.Errorf(flick.ECONFLICT, "This account has an unfinished move; it must be resumed first.")
	} else if err != nil {
		return fmt.Errorf("move journal: begin: %w", err)
	}
	return nil
}

// SwitchMove makes the target the account's home and records phase
// switched with the receipt, in one transaction.
func (d *Directory) SwitchMove(ctx context.Context, m *Move) error {
	receipt, err := json.Marshal(m.Receipt)
	if err != nil {
		return fmt.Errorf("move journal: switch: %w", err)
	}
	err = sqldb.InTx(ctx, d.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET region = ? WHERE id = ? AND region = ?`, m.To, m.AccountID, m.From)
		if err := sqldb.Found(res, err, "Account"); err != nil {
			return fmt.Errorf("switch %s from %s: %w", m.AccountID, m.From, err)
		}
		res, err = tx.ExecContext(ctx, `UPDATE moves SET phase = ?, receipt = ? WHERE account_id = ? AND move_id = ? AND phase = ?`,
			PhaseSwitched, receipt, m.AccountID, m.ID, PhaseCopying)
		return sqldb.Found(res, err, "Account")
	})
	if err != nil {
		return fmt.Errorf("move journal: switch: %w", err)
	}
	d.remember(m.AccountID, m.To)
	m.Phase = PhaseSwitched
	return nil
}

// SetMovePhase records that a move reached phase.
func (d *Directory) SetMovePhase(ctx context.Context, m *Move, phase string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE moves SET phase = ? WHERE account_id = ? AND move_id = ?`, phase, m.AccountID, m.ID)
	if err := sqldb.Found(res, err, "Account"); err != nil {
		return fmt.Errorf("move journal: %s: %w", phase, err)
	}
	m.Phase = phase
	return nil
}

// EndMove forgets a finished or rolled back move.
func (d *Directory) EndMove(ctx context.Context, m *Move) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM moves WHERE account_id = ? AND move_id = ?`, m.AccountID, m.ID); err != nil {
		return fmt.Errorf("move journal: end: %w", err)
	}
	return nil
}

// PendingMoves lists the unfinished moves, oldest first.
func (d *Directory) PendingMoves(ctx context.Context) ([]*Move, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT move_id, account_id, source, target, phase, actor, reason, started_at, media, receipt
		FROM moves ORDER BY started_at, account_id`)
	if err != nil {
		return nil, fmt.Errorf("move journal: list: %w", err)
	}
	defer rows.Close()
	var out []*Move
	for rows.Next() {
		m := &Move{}
		var started int64
		var media string
		var receipt sql.NullString
		if err := rows.Scan(&m.ID, &m.AccountID, &m.From, &m.To, &m.Phase, &m.Actor, &m.Reason, &started, &media, &receipt); err != nil {
			return nil, fmt.Errorf("move journal: list: %w", err)
		}
		m.Started = time.Unix(0, started).UTC()
		if err := json.Unmarshal([]byte(media), &m.Media); err != nil {
			return nil, fmt.Errorf("move journal: media of %s: %w", m.AccountID, err)
		}
		if receipt.Valid {
			if err := json.Unmarshal([]byte(receipt.String), &m.Receipt); err != nil {
				return nil, fmt.Errorf("move journal: receipt of %s: %w", m.AccountID, err)
			}
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MovePhase reads the phase of a move from the file.
func (d *Directory) MovePhase(ctx context.Context, m *Move) (string, error) {
	var phase string
	err := d.db.QueryRowContext(ctx, `SELECT phase FROM moves WHERE account_id = ? AND move_id = ?`, m.AccountID, m.ID).Scan(&phase)
	if errors.Is(err, sql.ErrNoRows) {
		return "", flick.Errorf(flick.ENOTFOUND, "Move not found.")
	} else if err != nil {
		return "", fmt.Errorf("move journal: phase: %w", err)
	}
	return phase, nil
}

// Erasure is an erasure in the journal: the account and its home region.
type Erasure struct{ AccountID, Region string }

// BeginErasure journals the erasure of account id (again is harmless).
func (d *Directory) BeginErasure(ctx context.Context, id string, at time.Time) error {
	if _, err := d.db.ExecContext(ctx, `INSERT INTO erasures (account_id, started_at) VALUES (?, ?)
		ON CONFLICT (account_id) DO NOTHING`, id, at.UnixMilli()); err != nil {
		return fmt.Errorf("erasure journal: begin %s: %w", id, err)
	}
	return nil
}

// PendingErasures lists the journalled erasures, oldest first.
func (d *Directory) PendingErasures(ctx context.Context) ([]Erasure, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT e.account_id, a.region FROM erasures e JOIN accounts a ON a.id = e.account_id ORDER BY e.started_at`)
	if err != nil {
		return nil, fmt.Errorf("erasure journal: %w", err)
	}
	defer rows.Close()
	var todo []Erasure
	for rows.Next() {
		var p Erasure
		if err := rows.Scan(&p.AccountID, &p.Region); err != nil {
			return nil, fmt.Errorf("erasure journal: %w", err)
		}
		todo = append(todo, p)
	}
	return todo, rows.Err()
}

// EndErasures forgets the accounts ids, erased everywhere else: their
// entries go with their journal rows in one transaction. Then it rewrites
// the file, which is small, for the stale copies of their handles that
// secure_delete does not reach (see sqlite's Compact).
func (d *Directory) EndErasures(ctx context.Context, ids []string) error {
	err := sqldb.InTx(ctx, d.db, func(tx *sql.Tx) error {
		for _, id := range ids {
			for _, q := range []string{`DELETE FROM accounts WHERE id = ?`, `DELETE FROM erasures WHERE account_id = ?`} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return fmt.Errorf("%s: %w", id, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("erasure journal: end: %w", err)
	}
	for _, id := range ids {
		d.forget(id)
	}
	if _, err := d.db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("erasure journal: end: VACUUM: %w", err)
	}
	if err := sqldb.TruncateLog(ctx, d.db); err != nil {
		return fmt.Errorf("erasure journal: end: %w", err)
	}
	return nil
}

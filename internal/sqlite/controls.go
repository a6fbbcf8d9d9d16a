package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

// HideCreator hides creatorID from accountID's feeds.
func (db *DB) HideCreator(ctx context.Context, accountID, creatorID string, at time.Time) (changed bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: hide creator")
	if accountID == creatorID {
		return false, flick.Errorf(flick.EINVALID, "You cannot hide yourself.")
	}
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if err := db.accountsExist(ctx, tx, accountID, creatorID); err != nil {
			return err
		}
		var hidden int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM blocks WHERE account_id = ?`, accountID).Scan(&hidden); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO blocks (account_id, creator_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id, creator_id) DO NOTHING`, accountID, creatorID, millis(at))
		if changed, err = sqldb.Affected(res, err); err != nil || !changed {
			return err
		}
		if hidden >= flick.MaxHiddenCreators {
			// Checked after the insert so that hiding someone already
			// hidden stays a harmless no-op at the limit.
			return flick.Errorf(flick.EUNPROCESSABLE, "You can hide at most %d accounts.", flick.MaxHiddenCreators)
		}
		return nil
	})
	return changed, err
}

// UnhideCreator shows creatorID to accountID again.
func (db *DB) UnhideCreator(ctx context.Context, accountID, creatorID string) (changed bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: unhide creator")
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		changed, err = sqldb.Affected(tx.ExecContext(ctx, `DELETE FROM blocks WHERE account_id = ? AND creator_id = ?`, accountID, creatorID))
		return err
	})
	return changed, err
}

// HiddenCreators lists the hidden creators, most recently hidden first.
func (db *DB) HiddenCreators(ctx context.Context, accountID string) (refs []flick.AccountRef, err error) {
	defer sqldb.Wrap(&err, "sqlite: hidden creators")
	// A creator of another region has only its ID here; the router fills in the rest.
	rows, err := db.read.QueryContext(ctx, `SELECT b.creator_id, coalesce(a.handle, ''), coalesce(a.display_name, ''), coalesce(a.has_avatar, 0)
		FROM blocks b LEFT JOIN accounts a ON a.id = b.creator_id
		WHERE b.account_id = ? ORDER BY b.created_at DESC, b.creator_id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	refs = []flick.AccountRef{}
	for rows.Next() {
		var r flick.AccountRef
		var hasAvatar bool
		if err := rows.Scan(&r.ID, &r.Handle, &r.DisplayName, &hasAvatar); err != nil {
			return nil, err
		}
		if hasAvatar {
			r.AvatarURL = flick.MediaURL(flick.AvatarKey(r.ID))
		}
		refs = append(refs, r)
	}
	return refs, rows.Err()
}

// MarkNotInterested records that accountID does not want videoID.
func (db *DB) MarkNotInterested(ctx context.Context, accountID, videoID string, at time.Time) (changed bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: mark not interested")
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if here, err := storedHere(ctx, tx, accountID); err != nil || !here {
			return cmp.Or[error](err, flick.Errorf(flick.ENOTFOUND, "Account not found."))
		}
		if err := db.videoExists(ctx, tx, videoID); err != nil {
			return err
		}
		changed, err = sqldb.Affected(tx.ExecContext(ctx, `INSERT INTO not_interested (account_id, video_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id, video_id) DO NOTHING`, accountID, videoID, millis(at)))
		return err
	})
	return changed, err
}

// UnmarkNotInterested takes a not-interested mark back.
func (db *DB) UnmarkNotInterested(ctx context.Context, accountID, videoID string) (changed bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: unmark not interested")
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		changed, err = sqldb.Affected(tx.ExecContext(ctx, `DELETE FROM not_interested WHERE account_id = ? AND video_id = ?`, accountID, videoID))
		return err
	})
	return changed, err
}

// NotInterested returns which of videoIDs accountID has marked.
func (db *DB) NotInterested(ctx context.Context, accountID string, videoIDs []string) (_ map[string]bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: not interested")
	return db.videoSet(ctx, `SELECT video_id FROM not_interested WHERE account_id = ? AND video_id IN `, accountID, videoIDs)
}

// Controls reads the settings and the hidden creators in one query (every
// feed page of a signed-in viewer costs this read).
func (db *DB) Controls(ctx context.Context, accountID string) (_ *flick.ViewerControls, err error) {
	defer sqldb.Wrap(&err, "sqlite: controls")
	c := &flick.ViewerControls{Settings: flick.ViewerSettings{KeywordFilters: []string{}}, HiddenIDs: []string{}}
	var filters, hidden string
	// IDs hold no spaces, so a space joins the hidden creators unambiguously.
	err = db.read.QueryRowContext(ctx, `SELECT
		coalesce((SELECT non_personalized FROM viewer_settings WHERE account_id = ?), 0),
		coalesce((SELECT keyword_filters FROM viewer_settings WHERE account_id = ?), ''),
		coalesce((SELECT group_concat(creator_id, ' ') FROM blocks WHERE account_id = ?), '')`,
		accountID, accountID, accountID).Scan(&c.Settings.NonPersonalized, &filters, &hidden)
	if err != nil {
		return nil, err
	}
	if filters != "" {
		c.Settings.KeywordFilters = strings.Split(filters, "\n")
	}
	if hidden != "" {
		c.HiddenIDs = strings.Split(hidden, " ")
	}
	return c, nil
}

// PutSettings normalizes and stores the settings.
func (db *DB) PutSettings(ctx context.Context, accountID string, s flick.ViewerSettings) (_ flick.ViewerSettings, err error) {
	defer sqldb.Wrap(&err, "sqlite: put settings")
	if s, err = s.Normalized(); err != nil {
		return flick.ViewerSettings{}, err
	}
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if here, err := storedHere(ctx, tx, accountID); err != nil || !here {
			return cmp.Or[error](err, flick.Errorf(flick.ENOTFOUND, "Account not found."))
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO viewer_settings (account_id, non_personalized, keyword_filters) VALUES (?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET non_personalized = excluded.non_personalized, keyword_filters = excluded.keyword_filters`,
			accountID, boolInt(s.NonPersonalized), strings.Join(s.KeywordFilters, "\n"))
		return err
	})
	return s, err
}

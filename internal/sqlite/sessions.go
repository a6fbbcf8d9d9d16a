package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

const sessionSelect = `SELECT id, account_id, token_hash, user_agent, created_at, last_seen_at, expires_at FROM sessions`

func scanSession(sc interface{ Scan(...any) error }) (*flick.Session, error) {
	var s flick.Session
	var created, seen, expires int64
	if err := sc.Scan(&s.ID, &s.AccountID, &s.TokenHash, &s.UserAgent, &created, &seen, &expires); err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMillis(created), fromMillis(seen), fromMillis(expires)
	return &s, nil
}

// CreateSession inserts s, filling in ID, CreatedAt and LastSeenAt when blank.
func (db *DB) CreateSession(ctx context.Context, s *flick.Session) (err error) {
	defer sqldb.Wrap(&err, "sqlite: create session")
	if err := db.newRecord(&s.ID, &s.CreatedAt); err != nil {
		return err
	}
	if len(s.TokenHash) == 0 || s.ExpiresAt.IsZero() {
		return flick.Errorf(flick.EINVALID, "Session needs a token hash and an expiry.")
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	res, err := db.write.ExecContext(ctx, `INSERT INTO sessions (id, account_id, token_hash, user_agent, created_at, last_seen_at, expires_at)
		SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?)`,
		s.ID, s.AccountID, s.TokenHash, s.UserAgent, millis(s.CreatedAt), millis(s.LastSeenAt), millis(s.ExpiresAt), s.AccountID)
	changed, err := sqldb.Affected(res, err)
	if sqldb.IsUnique(err) {
		return flick.Errorf(flick.ECONFLICT, "Session already exists.")
	}
	if err == nil && !changed {
		return flick.Errorf(flick.ENOTFOUND, "Account not found.")
	}
	return err
}

// SessionByTokenHash returns the unexpired session with the token hash.
func (db *DB) SessionByTokenHash(ctx context.Context, hash []byte, now time.Time) (_ *flick.Session, err error) {
	defer sqldb.Wrap(&err, "sqlite: session by token")
	s, err := scanSession(db.read.QueryRowContext(ctx, sessionSelect+` WHERE token_hash = ? AND expires_at > ?`, hash, millis(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, flick.Errorf(flick.ENOTFOUND, "Session not found.")
	}
	return s, err
}

// TouchSessions records when each session in seen was last used, all in one
// transaction. A time never moves last_seen_at backwards, and unknown or
// deleted sessions are ignored: the record is only informative.
func (db *DB) TouchSessions(ctx context.Context, seen map[string]time.Time) (err error) {
	defer sqldb.Wrap(&err, "sqlite: touch sessions")
	if len(seen) == 0 {
		return nil
	}
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2 AND last_seen_at < ?1`)
		if err != nil {
			return err
		}
		defer st.Close()
		for id, at := range seen {
			if _, err := st.ExecContext(ctx, millis(at), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Sessions lists accountID's unexpired sessions, newest first.
func (db *DB) Sessions(ctx context.Context, accountID string) (sessions []*flick.Session, err error) {
	defer sqldb.Wrap(&err, "sqlite: sessions")
	rows, err := db.read.QueryContext(ctx, sessionSelect+` WHERE account_id = ? AND expires_at > ? ORDER BY id DESC`,
		accountID, millis(db.clock()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		sessions = append(sessions, s)
	}
	return sessions, rows.Err()
}

// DeleteSession removes one of accountID's sessions.
func (db *DB) DeleteSession(ctx context.Context, accountID, sessionID string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: delete session")
	res, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE id = ? AND account_id = ?`, sessionID, accountID)
	return sqldb.Found(res, err, "Session")
}

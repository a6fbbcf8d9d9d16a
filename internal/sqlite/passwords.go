package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

// AccountsByEmail returns the accounts whose email is email.
func (db *DB) AccountsByEmail(ctx context.Context, email string) (_ []*flick.Account, err error) {
	defer sqldb.Wrap(&err, "sqlite: accounts by email")
	if email == "" {
		return nil, nil
	}
	return collect(ctx, db.read, scanAccount, accountSelect+` WHERE a.email = ? AND a.email != '' ORDER BY a.id`, email)
}

// SetPassword replaces the account's password hash, signs out every other
// session and forgets the account's resets and devices, in one
// transaction.
func (db *DB) SetPassword(ctx context.Context, accountID, passwordHash, keepSessionID string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: set password")
	if passwordHash == "" {
		return flick.Errorf(flick.EINVALID, "Password is required.")
	}
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		return setPassword(ctx, tx, accountID, passwordHash, keepSessionID)
	})
}

func setPassword(ctx context.Context, tx *sql.Tx, accountID, passwordHash, keepSessionID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = ? WHERE id = ?`, passwordHash, accountID)
	if err := sqldb.Found(res, err, "Account"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = ? AND id != ?`, accountID, keepSessionID); err != nil {
		return err
	}
	for _, table := range []string{"password_resets", "devices"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE account_id = ?`, accountID); err != nil {
			return err
		}
	}
	return nil
}

// CreatePasswordReset stores r and deletes the account's earlier resets.
func (db *DB) CreatePasswordReset(ctx context.Context, r *flick.PasswordReset) (err error) {
	defer sqldb.Wrap(&err, "sqlite: create password reset")
	if len(r.TokenHash) == 0 || r.ExpiresAt.IsZero() {
		return flick.Errorf(flick.EINVALID, "A password reset needs a token hash and an expiry.")
	}
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if here, err := storedHere(ctx, tx, r.AccountID); err != nil || !here {
			return cmp.Or[error](err, flick.Errorf(flick.ENOTFOUND, "Account not found."))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE account_id = ?`, r.AccountID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO password_resets (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			r.TokenHash, r.AccountID, millis(r.CreatedAt), millis(r.ExpiresAt))
		return err
	})
}

// ResetPassword uses the reset of tokenHash: one transaction finds it,
// sets the password, and deletes the account's sessions and resets, so a
// token works once even when two requests race.
func (db *DB) ResetPassword(ctx context.Context, tokenHash []byte, passwordHash string, now time.Time) (accountID string, err error) {
	defer sqldb.Wrap(&err, "sqlite: reset password")
	if passwordHash == "" {
		return "", flick.Errorf(flick.EINVALID, "Password is required.")
	}
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT account_id FROM password_resets WHERE token_hash = ? AND expires_at > ?`,
			tokenHash, millis(now)).Scan(&accountID)
		if errors.Is(err, sql.ErrNoRows) {
			return flick.Errorf(flick.ENOTFOUND, "Password reset not found.")
		} else if err != nil {
			return err
		}
		return setPassword(ctx, tx, accountID, passwordHash, "")
	})
	return accountID, err
}

// AddDevice records a device of the account; adding one twice is no error.
func (db *DB) AddDevice(ctx context.Context, accountID string, tokenHash []byte, at time.Time) (err error) {
	defer sqldb.Wrap(&err, "sqlite: add device")
	if len(tokenHash) == 0 {
		return flick.Errorf(flick.EINVALID, "A device needs a token hash.")
	}
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if here, err := storedHere(ctx, tx, accountID); err != nil || !here {
			return cmp.Or[error](err, flick.Errorf(flick.ENOTFOUND, "Account not found."))
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO devices (token_hash, account_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			tokenHash, accountID, millis(at))
		return err
	})
}

// KnownDevice reports whether the device of tokenHash signed in to the
// account.
func (db *DB) KnownDevice(ctx context.Context, accountID string, tokenHash []byte) (known bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: known device")
	err = db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM devices WHERE account_id = ? AND token_hash = ?)`, accountID, tokenHash).Scan(&known)
	return known, err
}

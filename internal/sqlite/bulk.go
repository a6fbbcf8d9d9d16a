package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

// Bulk is a set of records loaded in one transaction by BulkInsert: the way
// to build a large catalogue (a benchmark, an import) without paying one
// transaction per row. Records are inserted as given, IDs and timestamps
// included, so they must be complete.
type Bulk struct {
	Accounts []BulkAccount
	Sessions []*flick.Session
	// Videos are inserted with their status, renditions and counters.
	Videos []*flick.Video
}

// BulkAccount is an account and its password hash.
type BulkAccount struct {
	Account      *flick.Account
	PasswordHash string
}

// bulkStatements are the inserts of BulkInsert, prepared once per
// transaction.
var bulkStatements = [...]string{
	`INSERT INTO accounts (id, handle, display_name, search_name, bio, has_avatar, email, birthdate, region,
		password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	`INSERT INTO sessions (id, account_id, token_hash, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
	`INSERT INTO videos (id, author_id, caption, mentions, hashtags, status, progress, created_at, duration_ms,
		width, height, original_key, poster_key, complete) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	`INSERT INTO video_counts (video_id, views, likes, comments, shares, discounted) VALUES (?, ?, ?, ?, ?, ?)`,
	`INSERT INTO video_hashtags (video_id, tag, position) VALUES (?, ?, ?)`,
	`INSERT INTO renditions (video_id, name, width, height, bitrate, size, blob_key, mime) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
}

const (
	stmtAccount = iota
	stmtSession
	stmtVideo
	stmtCounts
	stmtHashtag
	stmtRendition
)

// BulkInsert inserts every record of b in one transaction: all of them or,
// on any error, none. Accounts go first, then sessions, then videos, so a
// batch may hold the authors of its videos.
func (db *DB) BulkInsert(ctx context.Context, b Bulk) (err error) {
	defer sqldb.Wrap(&err, "sqlite: bulk insert")
	if err := b.validate(); err != nil {
		return err
	}
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		var st [len(bulkStatements)]*sql.Stmt
		for i, q := range bulkStatements {
			s, err := tx.PrepareContext(ctx, q)
			if err != nil {
				return err
			}
			defer s.Close()
			st[i] = s
		}
		for _, ba := range b.Accounts {
			a := ba.Account
			if _, err := st[stmtAccount].ExecContext(ctx, a.ID, a.Handle, a.DisplayName, strings.ToLower(a.DisplayName), a.Bio,
				boolInt(a.HasAvatar), a.Email, a.Birthdate, a.Region, ba.PasswordHash, millis(a.CreatedAt)); err != nil {
				return bulkErr("account", a.ID, err)
			}
		}
		for _, s := range b.Sessions {
			if _, err := st[stmtSession].ExecContext(ctx, s.ID, s.AccountID, s.TokenHash, s.UserAgent,
				millis(s.CreatedAt), millis(s.LastSeenAt), millis(s.ExpiresAt)); err != nil {
				return bulkErr("session", s.ID, err)
			}
		}
		for _, v := range b.Videos {
			if err := insertVideo(ctx, tx, &st, v); err != nil {
				return bulkErr("video", v.ID, err)
			}
		}
		return nil
	})
}

func insertVideo(ctx context.Context, tx *sql.Tx, st *[len(bulkStatements)]*sql.Stmt, v *flick.Video) error {
	if _, err := st[stmtVideo].ExecContext(ctx, v.ID, v.AuthorID, v.Caption, strings.Join(v.Mentions, " "),
		strings.Join(v.Hashtags, " "), string(v.Status), v.Progress, millis(v.CreatedAt), v.DurationMS,
		v.Width, v.Height, v.OriginalKey, v.PosterKey, boolInt(v.Complete)); err != nil {
		return err
	}
	c := v.Counts
	if _, err := st[stmtCounts].ExecContext(ctx, v.ID, c.Views, c.Likes, c.Comments, c.Shares, c.Discounted); err != nil {
		return err
	}
	for i, tag := range v.Hashtags {
		if _, err := st[stmtHashtag].ExecContext(ctx, v.ID, tag, i); err != nil {
			return err
		}
	}
	for _, r := range v.Renditions {
		if _, err := st[stmtRendition].ExecContext(ctx, v.ID, r.Name, r.Width, r.Height, r.Bitrate, r.Size, r.Key, r.Mime); err != nil {
			return err
		}
	}
	return indexVideo(ctx, tx, v)
}

func bulkErr(kind, id string, err error) error {
	if sqldb.IsUnique(err) {
		return flick.Errorf(flick.ECONFLICT, "The %s %s already exists.", kind, id)
	}
	if sqldb.IsForeignKey(err) {
		return flick.Errorf(flick.EINVALID, "The %s %s refers to a missing record.", kind, id)
	}
	return fmt.Errorf("%s %s: %w", kind, id, err)
}

// validate checks what the single-record methods would check, before the
// transaction starts.
func (b Bulk) validate() error {
	for _, ba := range b.Accounts {
		a := ba.Account
		if !flick.ValidID(a.ID) || a.CreatedAt.IsZero() || a.Region == "" {
			return flick.Errorf(flick.EINVALID, "Account %q needs a valid ID, a creation time and a region.", a.ID)
		}
		if err := flick.ValidateHandle(a.Handle); err != nil {
			return err
		}
		if ba.PasswordHash == "" {
			return flick.Errorf(flick.EINVALID, "Account %s needs a password hash.", a.ID)
		}
	}
	for _, s := range b.Sessions {
		if !flick.ValidID(s.ID) || len(s.TokenHash) == 0 || s.ExpiresAt.IsZero() || s.CreatedAt.IsZero() {
			return flick.Errorf(flick.EINVALID, "Session %q needs a valid ID, a token hash, a creation time and an expiry.", s.ID)
		}
	}
	for _, v := range b.Videos {
		if !flick.ValidID(v.ID) || v.CreatedAt.IsZero() {
			return flick.Errorf(flick.EINVALID, "Video %q needs a valid ID and a creation time.", v.ID)
		}
		if err := flick.ValidateCaption(v.Caption); err != nil {
			return err
		}
		tags, err := normalizeTags(v.Hashtags)
		if err != nil {
			return err
		}
		if strings.Join(tags, " ") != strings.Join(v.Hashtags, " ") {
			return flick.Errorf(flick.EINVALID, "Video %s: hashtags must be normalized and distinct.", v.ID)
		}
		switch v.Status {
		case flick.StatusProcessing, flick.StatusReady, flick.StatusFailed:
		default:
			return flick.Errorf(flick.EINVALID, "Video %s: unknown status %q.", v.ID, v.Status)
		}
	}
	return nil
}

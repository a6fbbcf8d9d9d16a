package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"sort"
	"time"

	"github.com/flick-video/flick"
)

// Like records that accountID likes videoID; ENOTFOUND for an unknown video.
func (db *DB) Like(ctx context.Context, accountID, videoID string, at time.Time) (changed bool, err error) {
	defer wrap(&err, "like")
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := videoExists(ctx, tx, videoID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO likes (account_id, video_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id, video_id) DO NOTHING`, accountID, videoID, millis(at))
		changed, err = affected(res, err)
		return err
	})
	return changed, err
}

// Unlike removes accountID's like of videoID.
func (db *DB) Unlike(ctx context.Context, accountID, videoID string) (changed bool, err error) {
	defer wrap(&err, "unlike")
	res, err := db.write.ExecContext(ctx, `DELETE FROM likes WHERE account_id = ? AND video_id = ?`, accountID, videoID)
	return affected(res, err)
}

func videoExists(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM videos WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return flick.Errorf(flick.ENOTFOUND, "Video not found.")
	}
	return nil
}

// Liked returns which of videoIDs accountID has liked.
func (db *DB) Liked(ctx context.Context, accountID string, videoIDs []string) (_ map[string]bool, err error) {
	defer wrap(&err, "liked")
	return db.videoSet(ctx, `SELECT video_id FROM likes WHERE account_id = ? AND video_id IN `, accountID, videoIDs)
}

// Watched returns which of videoIDs accountID has watched through.
func (db *DB) Watched(ctx context.Context, accountID string, videoIDs []string) (_ map[string]bool, err error) {
	defer wrap(&err, "watched")
	return db.videoSet(ctx, `SELECT video_id FROM watches WHERE completed = 1 AND account_id = ? AND video_id IN `, accountID, videoIDs)
}

// Marks reads the watched-through, not-interested and liked marks of
// videoIDs in one query: a For You page asks for all three, and one round
// trip to the read pool costs less than three.
func (db *DB) Marks(ctx context.Context, accountID string, videoIDs []string) (_ map[string]flick.VideoMarks, err error) {
	defer wrap(&err, "marks")
	marks := map[string]flick.VideoMarks{}
	for start := 0; start < len(videoIDs); start += maxBatch {
		in, ids := inList(videoIDs[start:min(start+maxBatch, len(videoIDs))])
		args := make([]any, 0, 3*(len(ids)+1))
		for range 3 {
			args = append(append(args, accountID), ids...)
		}
		rows, err := db.read.QueryContext(ctx, `SELECT video_id, 'w' FROM watches WHERE account_id = ? AND video_id IN (`+in+`) AND completed = 1
			UNION ALL SELECT video_id, 'n' FROM not_interested WHERE account_id = ? AND video_id IN (`+in+`)
			UNION ALL SELECT video_id, 'l' FROM likes WHERE account_id = ? AND video_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, kind string
			if err := rows.Scan(&id, &kind); err != nil {
				rows.Close()
				return nil, err
			}
			m := marks[id]
			switch kind {
			case "w":
				m.Watched = true
			case "n":
				m.NotInterested = true
			case "l":
				m.Liked = true
			}
			marks[id] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return marks, nil
}

// videoSet runs query, which selects video IDs and ends in "IN ", for
// accountID and batches of videoIDs, and returns the IDs it selected.
func (db *DB) videoSet(ctx context.Context, query, accountID string, videoIDs []string) (map[string]bool, error) {
	set := map[string]bool{}
	for start := 0; start < len(videoIDs); start += maxBatch {
		in, args := inList(videoIDs[start:min(start+maxBatch, len(videoIDs))])
		rows, err := db.read.QueryContext(ctx, query+"("+in+")", append([]any{accountID}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			set[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// CreateComment inserts c, filling in ID and CreatedAt when blank, Author,
// and ParentID with the top-level comment when c replies to a reply.
func (db *DB) CreateComment(ctx context.Context, c *flick.Comment) (err error) {
	defer wrap(&err, "create comment")
	if err := db.newRecord(&c.ID, &c.CreatedAt); err != nil {
		return err
	}
	if c.Text, err = flick.ValidateCommentText(c.Text); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := videoExists(ctx, tx, c.VideoID); err != nil {
			return err
		}
		var parent sql.NullString
		if c.ParentID != "" {
			err := tx.QueryRowContext(ctx, `SELECT coalesce(parent_id, id) FROM comments WHERE id = ? AND video_id = ?`,
				c.ParentID, c.VideoID).Scan(&parent)
			if errors.Is(err, sql.ErrNoRows) {
				return flick.Errorf(flick.ENOTFOUND, "Comment not found.")
			} else if err != nil {
				return err
			}
			c.ParentID = parent.String
		}
		author, err := getAccount(ctx, tx, "a.id = ?", c.AuthorID)
		if err != nil {
			return err
		}
		c.Author = flick.AccountRef{ID: author.ID, Handle: author.Handle, DisplayName: author.DisplayName, AvatarURL: author.AvatarURL}
		c.ReplyCount = 0
		_, err = tx.ExecContext(ctx, `INSERT INTO comments (id, video_id, author_id, parent_id, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, c.ID, c.VideoID, c.AuthorID, parent, c.Text, millis(c.CreatedAt))
		if isUnique(err) {
			return flick.Errorf(flick.ECONFLICT, "Comment already exists.")
		} else if err != nil || !parent.Valid {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE comments SET reply_count = reply_count + 1 WHERE id = ?`, parent.String)
		return err
	})
}

// Comments lists a video's top-level comments (parentID "") or the replies to
// one of its comments, oldest first; ENOTFOUND for an unknown video or parent.
func (db *DB) Comments(ctx context.Context, videoID, parentID string, p flick.Page) (comments []*flick.Comment, next string, err error) {
	defer wrap(&err, "comments")
	p = p.Normalize()
	if err := cursorArg(p.Cursor); err != nil {
		return nil, "", err
	}
	var videos, parents int
	if err := db.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM videos WHERE id = ?),
		(SELECT count(*) FROM comments WHERE id = ? AND video_id = ?)`, videoID, parentID, videoID).Scan(&videos, &parents); err != nil {
		return nil, "", err
	}
	if videos == 0 {
		return nil, "", flick.Errorf(flick.ENOTFOUND, "Video not found.")
	}
	if parentID != "" && parents == 0 {
		return nil, "", flick.Errorf(flick.ENOTFOUND, "Comment not found.")
	}
	query := `SELECT c.id, c.video_id, c.author_id, a.handle, a.display_name, a.has_avatar,
		coalesce(c.parent_id, ''), c.body, c.reply_count, c.created_at
		FROM comments c JOIN accounts a ON a.id = c.author_id WHERE c.video_id = ? AND c.id > ? AND `
	args := []any{videoID, p.Cursor}
	if parentID == "" {
		query += "c.parent_id IS NULL"
	} else {
		query += "c.parent_id = ?"
		args = append(args, parentID)
	}
	rows, err := db.read.QueryContext(ctx, query+" ORDER BY c.id LIMIT ?", append(args, p.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var c flick.Comment
		var created int64
		var hasAvatar bool
		if err := rows.Scan(&c.ID, &c.VideoID, &c.AuthorID, &c.Author.Handle, &c.Author.DisplayName, &hasAvatar,
			&c.ParentID, &c.Text, &c.ReplyCount, &created); err != nil {
			return nil, "", err
		}
		c.Author.ID = c.AuthorID
		if hasAvatar {
			c.Author.AvatarURL = flick.MediaURL(flick.AvatarKey(c.AuthorID))
		}
		c.CreatedAt = fromMillis(created)
		comments = append(comments, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(comments) > p.Limit {
		comments = comments[:p.Limit]
		next = comments[p.Limit-1].ID
	}
	return comments, next, nil
}

// ProjectionPosition returns the log position the projection has consumed
// up to, 0 if it has not started.
func (db *DB) ProjectionPosition(ctx context.Context, name string) (seq uint64, err error) {
	defer wrap(&err, "projection position")
	return projectionPosition(ctx, db.read, name)
}

func projectionPosition(ctx context.Context, q querier, name string) (uint64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT seq FROM projection_positions WHERE name = ?`, name).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return uint64(seq), err
}

// ApplyProjection applies b and records seq as the projection's position in
// one transaction; a batch at or below the recorded position changes nothing.
// Counters never go below zero, and deltas and watches for videos (or
// accounts) that no longer exist are dropped.
func (db *DB) ApplyProjection(ctx context.Context, name string, seq uint64, b flick.ProjectionBatch) (err error) {
	defer wrap(&err, "apply projection "+name)
	if name == "" || seq > math.MaxInt64 {
		return flick.Errorf(flick.EINVALID, "Projection position is not valid.")
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		pos, err := projectionPosition(ctx, tx, name)
		if err != nil || seq <= pos {
			return err
		}
		if err := applyCounts(ctx, tx, b.Counts); err != nil {
			return err
		}
		if err := applyWatches(ctx, tx, b.Watches); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO projection_positions (name, seq) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET seq = excluded.seq`, name, int64(seq))
		return err
	})
}

func applyCounts(ctx context.Context, tx *sql.Tx, counts map[string]flick.Counts) error {
	if len(counts) == 0 {
		return nil
	}
	// An UPDATE of a deleted video's row matches nothing, which drops its deltas.
	stmt, err := tx.PrepareContext(ctx, `UPDATE video_counts SET
		views = CASE WHEN views + ? < 0 THEN 0 ELSE views + ? END,
		likes = CASE WHEN likes + ? < 0 THEN 0 ELSE likes + ? END,
		comments = CASE WHEN comments + ? < 0 THEN 0 ELSE comments + ? END,
		shares = CASE WHEN shares + ? < 0 THEN 0 ELSE shares + ? END
		WHERE video_id = ?`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Strings(ids) // a deterministic write order
	for _, id := range ids {
		c := counts[id]
		if c == (flick.Counts{}) {
			continue
		}
		if _, err := stmt.ExecContext(ctx, c.Views, c.Views, c.Likes, c.Likes, c.Comments, c.Comments, c.Shares, c.Shares, id); err != nil {
			return err
		}
	}
	return nil
}

func applyWatches(ctx context.Context, tx *sql.Tx, watches []flick.Watch) error {
	if len(watches) == 0 {
		return nil
	}
	// One row per (account, video): the longest watch, whether it was ever
	// completed, and when it was last watched.
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO watches (account_id, video_id, watch_ms, completed, last_at)
		SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM videos WHERE id = ?) AND EXISTS (SELECT 1 FROM accounts WHERE id = ?)
		ON CONFLICT (account_id, video_id) DO UPDATE SET
		watch_ms = CASE WHEN excluded.watch_ms > watches.watch_ms THEN excluded.watch_ms ELSE watches.watch_ms END,
		completed = CASE WHEN excluded.completed = 1 THEN 1 ELSE watches.completed END,
		last_at = CASE WHEN excluded.last_at > watches.last_at THEN excluded.last_at ELSE watches.last_at END`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, w := range watches {
		if w.AccountID == "" || w.VideoID == "" {
			continue // anonymous viewers have no history
		}
		if _, err := stmt.ExecContext(ctx, w.AccountID, w.VideoID, max(w.WatchMS, 0), boolInt(w.Completed), millis(w.At),
			w.VideoID, w.AccountID); err != nil {
			return err
		}
	}
	return nil
}

package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

// Like records that accountID likes videoID; ENOTFOUND for an unknown video.
func (db *DB) Like(ctx context.Context, accountID, videoID string, at time.Time) (changed bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: like")
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if err := db.videoExists(ctx, tx, videoID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO likes (account_id, video_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id, video_id) DO NOTHING`, accountID, videoID, millis(at))
		changed, err = sqldb.Affected(res, err)
		return err
	})
	return changed, err
}

// Unlike removes accountID's like of videoID.
func (db *DB) Unlike(ctx context.Context, accountID, videoID string) (changed bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: unlike")
	res, err := db.write.ExecContext(ctx, `DELETE FROM likes WHERE account_id = ? AND video_id = ?`, accountID, videoID)
	return sqldb.Affected(res, err)
}

// videoExists checks that video id exists here or in another region.
func (db *DB) videoExists(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM videos WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		if ok, err := db.elsewhereVideo(ctx, id); err != nil || !ok {
			return cmp.Or[error](err, flick.Errorf(flick.ENOTFOUND, "Video not found."))
		}
	}
	return nil
}

// topComment returns the top-level comment of commentID on videoID, which
// is stored here or in another region.
func (db *DB) topComment(ctx context.Context, q querier, videoID, commentID string) (string, error) {
	top, err := localTopComment(ctx, q, videoID, commentID)
	if flick.ErrorCode(err) == flick.ENOTFOUND && db.elsewhere != nil {
		return db.elsewhere.TopComment(ctx, videoID, commentID)
	}
	return top, err
}

func localTopComment(ctx context.Context, q querier, videoID, commentID string) (string, error) {
	var top string
	err := q.QueryRowContext(ctx, `SELECT coalesce(parent_id, id) FROM comments WHERE id = ? AND video_id = ?`,
		commentID, videoID).Scan(&top)
	if errors.Is(err, sql.ErrNoRows) {
		return "", flick.Errorf(flick.ENOTFOUND, "Comment not found.")
	}
	return top, err
}

// LocalTopComment returns the top-level comment of a comment stored here.
func (db *DB) LocalTopComment(ctx context.Context, videoID, commentID string) (_ string, err error) {
	defer sqldb.Wrap(&err, "sqlite: top comment")
	return localTopComment(ctx, db.read, videoID, commentID)
}

// ReplyCounts returns how many replies stored here each of commentIDs has.
func (db *DB) ReplyCounts(ctx context.Context, commentIDs []string) (_ map[string]int64, err error) {
	defer sqldb.Wrap(&err, "sqlite: reply counts")
	return db.countsByID(ctx, `SELECT parent_id, count(*) FROM comments WHERE parent_id IS NOT NULL GROUP BY parent_id HAVING parent_id IN `, commentIDs)
}

// VideoCounts returns this region's counters of the videos among ids.
func (db *DB) VideoCounts(ctx context.Context, ids []string) (_ map[string]flick.Counts, err error) {
	defer sqldb.Wrap(&err, "sqlite: video counts")
	counts := map[string]flick.Counts{}
	err = queryBatches(ctx, db.read, `SELECT video_id, views, likes, comments, shares, discounted FROM video_counts WHERE video_id IN `, nil, ids,
		func(rows *sql.Rows) error {
			var id string
			var c flick.Counts
			err := rows.Scan(&id, &c.Views, &c.Likes, &c.Comments, &c.Shares, &c.Discounted)
			counts[id] = c
			return err
		})
	return counts, err
}

// Liked returns which of videoIDs accountID has liked.
func (db *DB) Liked(ctx context.Context, accountID string, videoIDs []string) (_ map[string]bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: liked")
	return db.videoSet(ctx, `SELECT video_id FROM likes WHERE account_id = ? AND video_id IN `, accountID, videoIDs)
}

// Likes lists accountID's likes, most recent first.
func (db *DB) Likes(ctx context.Context, accountID string, p flick.Page) (_ []flick.Edge, _ string, err error) {
	defer sqldb.Wrap(&err, "sqlite: likes")
	return db.edgePage(ctx, "likes", "account_id", "video_id", accountID, p)
}

// Watched returns which of videoIDs accountID has watched through.
func (db *DB) Watched(ctx context.Context, accountID string, videoIDs []string) (_ map[string]bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: watched")
	return db.videoSet(ctx, `SELECT video_id FROM watches WHERE completed = 1 AND account_id = ? AND video_id IN `, accountID, videoIDs)
}

// LastWatched returns when accountID last watched each of videoIDs.
func (db *DB) LastWatched(ctx context.Context, accountID string, videoIDs []string) (_ map[string]time.Time, err error) {
	defer sqldb.Wrap(&err, "sqlite: last watched")
	last := map[string]time.Time{}
	err = queryBatches(ctx, db.read, `SELECT video_id, last_at FROM watches WHERE account_id = ? AND video_id IN `, []any{accountID}, videoIDs,
		func(rows *sql.Rows) error {
			var id string
			var at int64
			err := rows.Scan(&id, &at)
			last[id] = fromMillis(at)
			return err
		})
	return last, err
}

// Marks reads the watched-through, not-interested and liked marks of
// videoIDs in one query: a For You page asks for all three, and one round
// trip to the read pool costs less than three.
func (db *DB) Marks(ctx context.Context, accountID string, videoIDs []string) (_ map[string]flick.VideoMarks, err error) {
	defer sqldb.Wrap(&err, "sqlite: marks")
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
	return idSet(ctx, db.read, query, []any{accountID}, videoIDs)
}

// idSet runs query, which selects IDs and ends in "IN ", with the leading
// args and batches of ids, and returns the IDs it selected.
func idSet(ctx context.Context, q querier, query string, lead []any, ids []string) (map[string]bool, error) {
	set := map[string]bool{}
	err := queryBatches(ctx, q, query, lead, ids, func(rows *sql.Rows) error {
		var id string
		err := rows.Scan(&id)
		set[id] = true
		return err
	})
	return set, err
}

// queryBatches runs query, which ends in "IN ", with the leading args and
// each batch of ids, and calls scan for every row.
func queryBatches(ctx context.Context, q querier, query string, lead []any, ids []string, scan func(*sql.Rows) error) error {
	for start := 0; start < len(ids); start += maxBatch {
		in, args := inList(ids[start:min(start+maxBatch, len(ids))])
		rows, err := q.QueryContext(ctx, query+"("+in+")", append(slices.Clone(lead), args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// CreateComment inserts c, filling in ID and CreatedAt when blank, Author,
// and ParentID with the top-level comment when c replies to a reply.
func (db *DB) CreateComment(ctx context.Context, c *flick.Comment) (err error) {
	defer sqldb.Wrap(&err, "sqlite: create comment")
	if err := db.newRecord(&c.ID, &c.CreatedAt); err != nil {
		return err
	}
	if c.Text, err = flick.ValidateCommentText(c.Text); err != nil {
		return err
	}
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if err := db.videoExists(ctx, tx, c.VideoID); err != nil {
			return err
		}
		var parent sql.NullString
		if c.ParentID != "" {
			top, err := db.topComment(ctx, tx, c.VideoID, c.ParentID)
			if err != nil {
				return err
			}
			c.ParentID, parent = top, sql.NullString{String: top, Valid: true}
		}
		author, err := getAccount(ctx, tx, "a.id = ?", c.AuthorID)
		if err != nil {
			return err
		}
		c.Author = flick.AccountRef{ID: author.ID, Handle: author.Handle, DisplayName: author.DisplayName, AvatarURL: author.AvatarURL}
		c.ReplyCount = 0
		_, err = tx.ExecContext(ctx, `INSERT INTO comments (id, video_id, author_id, parent_id, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, c.ID, c.VideoID, c.AuthorID, parent, c.Text, millis(c.CreatedAt))
		if sqldb.IsUnique(err) {
			return flick.Errorf(flick.ECONFLICT, "Comment already exists.")
		}
		return err
	})
}

// DeleteComment deletes comment id with its replies stored here; the
// comments counter of its video is the projection's, which counts what the
// log says happened. The words leave the files too (forgetWords).
func (db *DB) DeleteComment(ctx context.Context, id string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: delete comment")
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM comments WHERE parent_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM comments WHERE id = ?`, id)
		return sqldb.Found(res, err, "Comment")
	})
	if err != nil {
		return err
	}
	return forgetWords(ctx, db.write)
}

// TombstoneComment empties comment id and marks it deleted; the words
// leave the files too (forgetWords).
func (db *DB) TombstoneComment(ctx context.Context, id string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: tombstone comment")
	res, err := db.write.ExecContext(ctx, `UPDATE comments SET body = '', deleted = 1 WHERE id = ? AND deleted = 0`, id)
	if err = sqldb.Found(res, err, "Comment"); err != nil {
		return err
	}
	return forgetWords(ctx, db.write)
}

// forgetWords makes a deleted comment's words leave the store's files at
// once, not at the next Compact: secure_delete has zeroed them in the
// database's pages, and the write-ahead log, which still holds the pages
// as they were, is checkpointed and truncated. A person who deletes what
// they wrote expects it gone; a checkpoint costs far less than the
// rewrite of the whole file that an erasure's Compact does.
func forgetWords(ctx context.Context, db *sql.DB) error {
	return sqldb.TruncateLog(ctx, db)
}

// RestoreComment writes c back as it was: the row again, or its body over
// the tombstone's.
func (db *DB) RestoreComment(ctx context.Context, c *flick.Comment) (err error) {
	defer sqldb.Wrap(&err, "sqlite: restore comment")
	_, err = db.write.ExecContext(ctx, `INSERT INTO comments (id, video_id, author_id, parent_id, body, deleted, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body, deleted = excluded.deleted`,
		c.ID, c.VideoID, c.AuthorID, sql.NullString{String: c.ParentID, Valid: c.ParentID != ""}, c.Text, boolInt(c.Deleted),
		millis(c.CreatedAt))
	return err
}

// LocalComment returns comment id if it is stored here.
func (db *DB) LocalComment(ctx context.Context, id string) (_ *flick.Comment, err error) {
	defer sqldb.Wrap(&err, "sqlite: comment")
	c, err := scanCommentRef(db.read.QueryRowContext(ctx, commentSelect+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, flick.Errorf(flick.ENOTFOUND, "Comment not found.")
	}
	return c, err
}

// LikeComment records that accountID likes commentID, a comment on videoID
// stored here or in another region.
func (db *DB) LikeComment(ctx context.Context, accountID, videoID, commentID string, at time.Time) (changed bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: like comment")
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if _, err := db.topComment(ctx, tx, videoID, commentID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO comment_likes (account_id, comment_id, video_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, comment_id) DO NOTHING`, accountID, commentID, videoID, millis(at))
		changed, err = sqldb.Affected(res, err)
		return err
	})
	return changed, err
}

// UnlikeComment removes accountID's like of commentID.
func (db *DB) UnlikeComment(ctx context.Context, accountID, commentID string) (changed bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: unlike comment")
	res, err := db.write.ExecContext(ctx, `DELETE FROM comment_likes WHERE account_id = ? AND comment_id = ?`, accountID, commentID)
	return sqldb.Affected(res, err)
}

// LikedComments returns which of commentIDs accountID has liked.
func (db *DB) LikedComments(ctx context.Context, accountID string, commentIDs []string) (_ map[string]bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: liked comments")
	return idSet(ctx, db.read, `SELECT comment_id FROM comment_likes WHERE account_id = ? AND comment_id IN `, []any{accountID}, commentIDs)
}

// CommentLikeCounts returns how many likes stored here each of commentIDs has.
func (db *DB) CommentLikeCounts(ctx context.Context, commentIDs []string) (_ map[string]int64, err error) {
	defer sqldb.Wrap(&err, "sqlite: comment like counts")
	return db.countsByID(ctx, `SELECT comment_id, count(*) FROM comment_likes GROUP BY comment_id HAVING comment_id IN `, commentIDs)
}

// DeleteCommentLikes deletes the likes stored here of the comments ids.
func (db *DB) DeleteCommentLikes(ctx context.Context, ids []string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: delete comment likes")
	for start := 0; start < len(ids); start += maxBatch {
		in, args := inList(ids[start:min(start+maxBatch, len(ids))])
		if _, err := db.write.ExecContext(ctx, `DELETE FROM comment_likes WHERE comment_id IN (`+in+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// Comments lists a video's top-level comments (parentID "") or the replies to
// one of its comments, oldest first; ENOTFOUND for an unknown video or parent.
func (db *DB) Comments(ctx context.Context, videoID, parentID string, p flick.Page) (comments []*flick.Comment, next string, err error) {
	defer sqldb.Wrap(&err, "sqlite: comments")
	p = p.Normalize()
	if err := cursorArg(p.Cursor); err != nil {
		return nil, "", err
	}
	if err := db.videoExists(ctx, db.read, videoID); err != nil {
		return nil, "", err
	}
	if parentID != "" {
		if _, err := db.topComment(ctx, db.read, videoID, parentID); err != nil {
			return nil, "", err
		}
	}
	query := commentSelect + ` WHERE c.video_id = ? AND c.id > ? AND `
	args := []any{videoID, p.Cursor}
	if parentID == "" {
		query += "c.parent_id IS NULL"
	} else {
		query += "c.parent_id = ?"
		args = append(args, parentID)
	}
	comments, err = collect(ctx, db.read, scanCommentRef, query+" ORDER BY c.id LIMIT ?", append(args, p.Limit+1)...)
	if err != nil {
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
	defer sqldb.Wrap(&err, "sqlite: projection position")
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
	defer sqldb.Wrap(&err, "sqlite: apply projection %s", name)
	return db.project(ctx, name, seq, func(tx *sql.Tx, _ uint64) error {
		gone, err := db.missingVideos(ctx, tx, b)
		if err != nil {
			return err
		}
		if err := applyCounts(ctx, tx, b.Counts, gone); err != nil {
			return err
		}
		if err := applyWatches(ctx, tx, b.Watches, gone); err != nil {
			return err
		}
		for _, id := range b.Removed {
			if err := deleteVideoRecords(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// project runs apply, given the recorded position of the projection name,
// and records seq as its new one, in one transaction; nothing happens when
// the recorded position is at or past seq already.
func (db *DB) project(ctx context.Context, name string, seq uint64, apply func(tx *sql.Tx, pos uint64) error) error {
	if name == "" || seq > math.MaxInt64 {
		return flick.Errorf(flick.EINVALID, "Projection position is not valid.")
	}
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		pos, err := projectionPosition(ctx, tx, name)
		if err != nil || seq <= pos {
			return err
		}
		if err := apply(tx, pos); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO projection_positions (name, seq) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET seq = excluded.seq`, name, int64(seq))
		return err
	})
}

// missingVideos returns the videos of b that exist in no region (deleted
// since the events were recorded): their deltas and watches are dropped.
func (db *DB) missingVideos(ctx context.Context, tx *sql.Tx, b flick.ProjectionBatch) (map[string]bool, error) {
	ids := make([]string, 0, len(b.Counts))
	for id := range b.Counts {
		ids = append(ids, id)
	}
	for _, w := range b.Watches {
		if _, ok := b.Counts[w.VideoID]; !ok {
			ids = append(ids, w.VideoID)
		}
	}
	local, err := idSet(ctx, tx, `SELECT id FROM videos WHERE id IN `, nil, ids)
	if err != nil {
		return nil, err
	}
	gone := map[string]bool{}
	for _, id := range ids {
		if local[id] || gone[id] {
			continue
		}
		ok, err := db.elsewhereVideo(ctx, id)
		if err != nil {
			return nil, err
		}
		gone[id] = !ok
	}
	return gone, nil
}

func applyCounts(ctx context.Context, tx *sql.Tx, counts map[string]flick.Counts, gone map[string]bool) error {
	if len(counts) == 0 {
		return nil
	}
	// The counts of a video of another region are this region's share of
	// them; a remove event deletes them with the video.
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO video_counts (video_id, views, likes, comments, shares, discounted)
		VALUES (?1, max(?2, 0), max(?3, 0), max(?4, 0), max(?5, 0), max(?6, 0))
		ON CONFLICT (video_id) DO UPDATE SET
		views = max(views + ?2, 0), likes = max(likes + ?3, 0), comments = max(comments + ?4, 0), shares = max(shares + ?5, 0),
		discounted = max(discounted + ?6, 0)`)
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
		if c == (flick.Counts{}) || gone[id] {
			continue
		}
		if _, err := stmt.ExecContext(ctx, id, c.Views, c.Likes, c.Comments, c.Shares, c.Discounted); err != nil {
			return err
		}
	}
	return nil
}

func applyWatches(ctx context.Context, tx *sql.Tx, watches []flick.Watch, gone map[string]bool) error {
	if len(watches) == 0 {
		return nil
	}
	// One row per (account, video): the longest watch, whether it was ever
	// completed, and when it was last watched.
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO watches (account_id, video_id, watch_ms, completed, last_at)
		SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?)
		ON CONFLICT (account_id, video_id) DO UPDATE SET
		watch_ms = CASE WHEN excluded.watch_ms > watches.watch_ms THEN excluded.watch_ms ELSE watches.watch_ms END,
		completed = CASE WHEN excluded.completed = 1 THEN 1 ELSE watches.completed END,
		last_at = CASE WHEN excluded.last_at > watches.last_at THEN excluded.last_at ELSE watches.last_at END`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, w := range watches {
		if w.AccountID == "" || w.VideoID == "" || gone[w.VideoID] {
			continue // anonymous viewers have no history
		}
		if _, err := stmt.ExecContext(ctx, w.AccountID, w.VideoID, max(w.WatchMS, 0), boolInt(w.Completed), millis(w.At),
			w.AccountID); err != nil {
			return err
		}
	}
	return nil
}

// deleteVideoRecords deletes this region's records about a deleted video:
// likes, watches, comments and their likes, not-interested marks, counts and
// notifications.
func deleteVideoRecords(ctx context.Context, tx *sql.Tx, id string) error {
	for _, table := range []string{"likes", "watches", "comments", "comment_likes", "not_interested", "video_counts", "notifications"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE video_id = ?`, id); err != nil {
			return fmt.Errorf("delete records of video in %s: %w", table, err)
		}
	}
	return nil
}

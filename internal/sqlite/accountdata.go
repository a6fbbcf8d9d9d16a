package sqlite

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

var _ flick.AccountDataStore = (*DB)(nil)

// scanner is a row being read: *sql.Row or *sql.Rows.
type scanner = interface{ Scan(...any) error }

// collect runs query and reads every row with scan; the result is never nil,
// so that an export shows an empty list as [].
func collect[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// scanValue reads a row of one column.
func scanValue[T any](sc scanner) (v T, err error) {
	err = sc.Scan(&v)
	return v, err
}

func scanEdge(sc scanner) (flick.Edge, error) {
	var e flick.Edge
	var at int64
	err := sc.Scan(&e.ID, &at)
	e.At = fromMillis(at)
	return e, err
}

func scanWatch(sc scanner) (flick.Watch, error) {
	var w flick.Watch
	var at int64
	err := sc.Scan(&w.AccountID, &w.VideoID, &w.WatchMS, &w.Completed, &at)
	w.At = fromMillis(at)
	return w, err
}

// commentSelect reads what scanComment scans, with this region's replies
// and likes counted.
const commentSelect = `SELECT c.id, c.video_id, c.author_id, a.handle, a.display_name, a.has_avatar,
	coalesce(c.parent_id, ''), c.body, c.deleted, (SELECT count(*) FROM comments r WHERE r.parent_id = c.id),
	(SELECT count(*) FROM comment_likes l WHERE l.comment_id = c.id), c.created_at
	FROM comments c JOIN accounts a ON a.id = c.author_id`

// scanComment reads a row of commentSelect. A tombstone shows no author.
func scanComment(sc scanner) (flick.Comment, error) {
	var c flick.Comment
	var created int64
	var hasAvatar bool
	err := sc.Scan(&c.ID, &c.VideoID, &c.AuthorID, &c.Author.Handle, &c.Author.DisplayName, &hasAvatar,
		&c.ParentID, &c.Text, &c.Deleted, &c.ReplyCount, &c.Likes, &created)
	c.Author.ID = c.AuthorID
	if hasAvatar {
		c.Author.AvatarURL = flick.MediaURL(flick.AvatarKey(c.AuthorID))
	}
	if c.Deleted {
		c.Author = flick.AccountRef{}
	}
	c.CreatedAt = fromMillis(created)
	return c, err
}

func scanCommentRef(sc scanner) (*flick.Comment, error) {
	c, err := scanComment(sc)
	return &c, err
}

func scanCommentLike(sc scanner) (flick.CommentLike, error) {
	var l flick.CommentLike
	var at int64
	err := sc.Scan(&l.CommentID, &l.VideoID, &at)
	l.At = fromMillis(at)
	return l, err
}

func scanSessionValue(sc scanner) (flick.Session, error) {
	s, err := scanSession(sc)
	if err != nil {
		return flick.Session{}, err
	}
	return *s, nil
}

// AccountData reads every record of account id in one read transaction, so
// that the records are a consistent snapshot. Lists are in the order the
// records were made. Account.FollowerCount, the videos' Counts and the
// comments' ReplyCount are this region's aggregates, which stay here when
// the account moves.
func (db *DB) AccountData(ctx context.Context, id string) (_ *flick.AccountData, err error) {
	defer sqldb.Wrap(&err, "sqlite: account data")
	tx, err := db.read.pool.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a, err := getAccount(ctx, tx, "a.id = ?", id)
	if err != nil {
		return nil, err
	}
	d := &flick.AccountData{Account: *a, Roles: a.Roles, Settings: flick.ViewerSettings{KeywordFilters: []string{}}}
	var filters string
	err = tx.QueryRowContext(ctx, `SELECT a.password_hash, coalesce(s.non_personalized, 0), coalesce(s.keyword_filters, '')
		FROM accounts a LEFT JOIN viewer_settings s ON s.account_id = a.id WHERE a.id = ?`, id).
		Scan(&d.PasswordHash, &d.Settings.NonPersonalized, &filters)
	if err != nil {
		return nil, err
	}
	if filters != "" {
		d.Settings.KeywordFilters = strings.Split(filters, "\n")
	}
	if d.Sessions, err = collect(ctx, tx, scanSessionValue, sessionSelect+` WHERE account_id = ? ORDER BY id`, id); err != nil {
		return nil, err
	}
	for _, e := range []struct {
		list  *[]flick.Edge
		query string
	}{
		{&d.Follows, `SELECT followee_id, created_at FROM follows WHERE follower_id = ? ORDER BY created_at, followee_id`},
		{&d.Likes, `SELECT video_id, created_at FROM likes WHERE account_id = ? ORDER BY created_at, video_id`},
		{&d.Hidden, `SELECT creator_id, created_at FROM blocks WHERE account_id = ? ORDER BY created_at, creator_id`},
		{&d.NotInterest, `SELECT video_id, created_at FROM not_interested WHERE account_id = ? ORDER BY created_at, video_id`},
	} {
		if *e.list, err = collect(ctx, tx, scanEdge, e.query, id); err != nil {
			return nil, err
		}
	}
	if d.Watches, err = collect(ctx, tx, scanWatch, `SELECT account_id, video_id, watch_ms, completed, last_at
		FROM watches WHERE account_id = ? ORDER BY last_at, video_id`, id); err != nil {
		return nil, err
	}
	if d.Comments, err = collect(ctx, tx, scanComment, commentSelect+` WHERE c.author_id = ? ORDER BY c.id`, id); err != nil {
		return nil, err
	}
	if d.CommentLikes, err = collect(ctx, tx, scanCommentLike, `SELECT comment_id, video_id, created_at FROM comment_likes
		WHERE account_id = ? ORDER BY created_at, comment_id`, id); err != nil {
		return nil, err
	}
	if d.Videos, err = accountVideos(ctx, tx, id); err != nil {
		return nil, err
	}
	if d.Notifications, err = collect(ctx, tx, scanNotification, notificationSelect+` WHERE n.account_id = ? ORDER BY n.id`, id); err != nil {
		return nil, err
	}
	if err := notificationActors(ctx, tx, everyActor, d.Notifications, 0); err != nil {
		return nil, err
	}
	return d, nil
}

// accountVideos reads the videos of author id, every status, with their
// renditions.
func accountVideos(ctx context.Context, tx *sql.Tx, id string) ([]flick.Video, error) {
	videos, err := scanVideos(tx.QueryContext(ctx, videoSelect+` WHERE v.author_id = ? ORDER BY v.id`, id))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*flick.Video, len(videos))
	for _, v := range videos {
		byID[v.ID] = v
	}
	rows, err := tx.QueryContext(ctx, renditionSelect+` WHERE video_id IN (SELECT id FROM videos WHERE author_id = ?)`, id)
	if err := addRenditions(rows, err, byID); err != nil {
		return nil, err
	}
	out := make([]flick.Video, len(videos))
	for i, v := range videos {
		out[i] = *v
	}
	return out, nil
}

// ImportAccountData writes d, as AccountData read it in another region, in
// one transaction. The records are not checked against other regions (they
// were valid where they came from, and the mover has frozen the account),
// only for belonging to the account. d.Account.Region and d.Roles are stored
// as given; following_count is len(d.Follows). The account's likes, comments
// and follows are added to this region's aggregates, its videos get zero
// counters where this region has none, and search rows.
func (db *DB) ImportAccountData(ctx context.Context, d *flick.AccountData) (err error) {
	defer sqldb.Wrap(&err, "sqlite: import account data")
	if err := checkAccountData(d); err != nil {
		return err
	}
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if here, err := storedHere(ctx, tx, d.Account.ID); err != nil || here {
			return cmp.Or[error](err, flick.Errorf(flick.ECONFLICT, "Account is already stored in this region."))
		}
		return importAccountData(ctx, tx, d)
	})
	if sqldb.IsUnique(err) {
		return flick.Errorf(flick.ECONFLICT, "Records of the account (its handle, sessions or videos) are already stored in this region.")
	}
	return err
}

// checkAccountData checks what the records need to be stored at all.
func checkAccountData(d *flick.AccountData) error {
	if d == nil {
		return flick.Errorf(flick.EINVALID, "Account data is required.")
	}
	a := &d.Account
	if !flick.ValidID(a.ID) || a.CreatedAt.IsZero() || a.Region == "" || d.PasswordHash == "" {
		return flick.Errorf(flick.EINVALID, "Account data needs a valid account ID, a creation time, a region and a password hash.")
	}
	if err := flick.ValidateHandle(a.Handle); err != nil {
		return err
	}
	other := func(owner string) bool { return owner != a.ID }
	if slices.ContainsFunc(d.Sessions, func(s flick.Session) bool { return other(s.AccountID) }) ||
		slices.ContainsFunc(d.Watches, func(w flick.Watch) bool { return other(w.AccountID) }) ||
		slices.ContainsFunc(d.Comments, func(c flick.Comment) bool { return other(c.AuthorID) }) ||
		slices.ContainsFunc(d.Videos, func(v flick.Video) bool { return other(v.AuthorID) }) {
		return flick.Errorf(flick.EINVALID, "Account data holds records of another account.")
	}
	return nil
}

// execEach runs query, prepared once, with the arguments of each of n rows.
func execEach(ctx context.Context, tx *sql.Tx, query string, n int, args func(i int) []any) error {
	if n == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer st.Close()
	for i := range n {
		if _, err := st.ExecContext(ctx, args(i)...); err != nil {
			return err
		}
	}
	return nil
}

func importAccountData(ctx context.Context, tx *sql.Tx, d *flick.AccountData) error {
	a := &d.Account
	id := a.ID
	if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, handle, display_name, search_name, bio, has_avatar, email,
		birthdate, region, roles, password_hash, created_at, following_count, likes_public) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, a.Handle, a.DisplayName, strings.ToLower(a.DisplayName), a.Bio, boolInt(a.HasAvatar), a.Email, a.Birthdate,
		a.Region, strings.Join(d.Roles, " "), d.PasswordHash, millis(a.CreatedAt), len(d.Follows), boolInt(a.LikesPublic)); err != nil {
		return fmt.Errorf("account: %w", err)
	}
	if s := d.Settings; s.NonPersonalized || len(s.KeywordFilters) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO viewer_settings (account_id, non_personalized, keyword_filters) VALUES (?, ?, ?)`,
			id, boolInt(s.NonPersonalized), strings.Join(s.KeywordFilters, "\n")); err != nil {
			return fmt.Errorf("settings: %w", err)
		}
	}
	// Comments per video, for the counters.
	commented := map[string]int{}
	for _, c := range d.Comments {
		if !c.Deleted { // the log counted a tombstone's deletion
			commented[c.VideoID]++
		}
	}
	commentedIDs := slices.Sorted(maps.Keys(commented))
	steps := []struct {
		what, query string
		n           int
		args        func(i int) []any
	}{
		{"sessions", `INSERT INTO sessions (id, account_id, token_hash, user_agent, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, len(d.Sessions), func(i int) []any {
			s := d.Sessions[i]
			return []any{s.ID, id, s.TokenHash, s.UserAgent, millis(s.CreatedAt), millis(s.LastSeenAt), millis(s.ExpiresAt)}
		}},
		{"follows", `INSERT INTO follows (follower_id, followee_id, created_at) VALUES (?, ?, ?)`, len(d.Follows),
			func(i int) []any { return []any{id, d.Follows[i].ID, millis(d.Follows[i].At)} }},
		{"follower counts", `INSERT INTO follower_counts (account_id, n) VALUES (?, 1)
			ON CONFLICT (account_id) DO UPDATE SET n = n + 1`, len(d.Follows),
			func(i int) []any { return []any{d.Follows[i].ID} }},
		{"likes", `INSERT INTO likes (account_id, video_id, created_at) VALUES (?, ?, ?)`, len(d.Likes),
			func(i int) []any { return []any{id, d.Likes[i].ID, millis(d.Likes[i].At)} }},
		{"like counts", `INSERT INTO video_counts (video_id, likes) VALUES (?, 1)
			ON CONFLICT (video_id) DO UPDATE SET likes = likes + 1`, len(d.Likes),
			func(i int) []any { return []any{d.Likes[i].ID} }},
		{"watches", `INSERT INTO watches (account_id, video_id, watch_ms, completed, last_at) VALUES (?, ?, ?, ?, ?)`, len(d.Watches),
			func(i int) []any {
				w := d.Watches[i]
				return []any{id, w.VideoID, w.WatchMS, boolInt(w.Completed), millis(w.At)}
			}},
		{"blocks", `INSERT INTO blocks (account_id, creator_id, created_at) VALUES (?, ?, ?)`, len(d.Hidden),
			func(i int) []any { return []any{id, d.Hidden[i].ID, millis(d.Hidden[i].At)} }},
		{"not interested", `INSERT INTO not_interested (account_id, video_id, created_at) VALUES (?, ?, ?)`, len(d.NotInterest),
			func(i int) []any { return []any{id, d.NotInterest[i].ID, millis(d.NotInterest[i].At)} }},
		{"comments", `INSERT INTO comments (id, video_id, author_id, parent_id, body, deleted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, len(d.Comments),
			func(i int) []any {
				c := d.Comments[i]
				return []any{c.ID, c.VideoID, id, sql.NullString{String: c.ParentID, Valid: c.ParentID != ""}, c.Text, boolInt(c.Deleted),
					millis(c.CreatedAt)}
			}},
		{"comment likes", `INSERT INTO comment_likes (account_id, comment_id, video_id, created_at) VALUES (?, ?, ?, ?)`, len(d.CommentLikes),
			func(i int) []any {
				l := d.CommentLikes[i]
				return []any{id, l.CommentID, l.VideoID, millis(l.At)}
			}},
		{"comment counts", `INSERT INTO video_counts (video_id, comments) VALUES (?1, ?2)
			ON CONFLICT (video_id) DO UPDATE SET comments = comments + ?2`, len(commentedIDs),
			func(i int) []any { return []any{commentedIDs[i], commented[commentedIDs[i]]} }},
	}
	for _, st := range steps {
		if err := execEach(ctx, tx, st.query, st.n, st.args); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	for _, n := range d.Notifications {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, account_id, type, target, video_id, comment_id, started_at, updated_at, read)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.ID, id, string(n.Type), n.Target, n.VideoID, n.CommentID,
			millis(n.StartedAt), millis(n.UpdatedAt), boolInt(n.Read)); err != nil {
			return fmt.Errorf("notifications: %w", err)
		}
		if err := execEach(ctx, tx, `INSERT INTO notification_actors (notification_id, actor_id, at) VALUES (?, ?, ?)`, len(n.Actors),
			func(i int) []any { return []any{n.ID, n.Actors[i].ID, millis(n.Actors[i].At)} }); err != nil {
			return fmt.Errorf("notification actors: %w", err)
		}
	}
	for i := range d.Videos {
		if err := importVideo(ctx, tx, &d.Videos[i]); err != nil {
			return fmt.Errorf("video %s: %w", d.Videos[i].ID, err)
		}
	}
	return nil
}

// importVideo inserts v as it was, with its hashtags, renditions, search row
// and (unless this region counts it already) zero counters.
func importVideo(ctx context.Context, tx *sql.Tx, v *flick.Video) error {
	pinnedAt := int64(0)
	if v.Pinned {
		pinnedAt = max(millis(v.CreatedAt), 1)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO videos (id, author_id, caption, mentions, hashtags, status, progress,
		failure, attempts, created_at, duration_ms, width, height, original_key, poster_key, complete,
		visibility, comments_enabled, cover_ms, pinned_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.AuthorID, v.Caption, strings.Join(v.Mentions, " "), strings.Join(v.Hashtags, " "), string(v.Status), v.Progress,
		v.Failure, v.Attempts, millis(v.CreatedAt), v.DurationMS, v.Width, v.Height, v.OriginalKey, v.PosterKey, boolInt(v.Complete),
		string(cmp.Or(v.Visibility, flick.VisibilityPublic)), boolInt(!v.CommentsOff), v.CoverMS, pinnedAt); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO video_counts (video_id) VALUES (?) ON CONFLICT (video_id) DO NOTHING`, v.ID); err != nil {
		return err
	}
	if err := insertHashtags(ctx, tx, v.ID, v.Hashtags); err != nil {
		return err
	}
	for _, r := range v.Renditions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO renditions (video_id, name, width, height, bitrate, size, blob_key, mime)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, r.Name, r.Width, r.Height, r.Bitrate, r.Size, r.Key, r.Mime); err != nil {
			return err
		}
	}
	return indexVideo(ctx, tx, v)
}

// EraseAccount erases account id and everything of it, and takes its likes,
// comments and follows back out of this region's counters, in one
// transaction that also merges the search index, so that no segment keeps
// the words of its captions, and drops the planner's samples of its keys.
// Stale copies of its cells and the write-ahead log's old pages stay in the
// files until Compact, which the caller runs once for a batch of erasures.
//
// Its videos go for good and with them this region's records about them:
// others' likes, comments, watches, marks and the counters. Others' follows
// and hidden-creator marks of the account stay: EraseReferences erases
// those, in every region.
func (db *DB) EraseAccount(ctx context.Context, id string) error {
	return db.removeAccount(ctx, id, videosGone)
}

// ReleaseAccount removes account id and everything of it as EraseAccount
// does, for an account that lives in another region now: its videos live
// on there, and this region's records about them stay. A moving account's
// source (or a rolled-back target) must hold nothing of it once the mover
// goes on, and the mover does not call Compact: ReleaseAccount compacts
// after the commit, and also when the account is not stored here
// (ENOTFOUND), so that a retry after a failure or crash between the commit
// and the compaction still compacts.
func (db *DB) ReleaseAccount(ctx context.Context, id string) error {
	err := db.removeAccount(ctx, id, videosLiveOn)
	if err == nil || flick.ErrorCode(err) == flick.ENOTFOUND {
		if cerr := db.Compact(ctx); cerr != nil {
			return cerr
		}
	}
	return err
}

// videosFate says what becomes of a removed account's videos.
type videosFate int

const (
	videosGone   videosFate = iota // the account is erased: so are they, and what this region holds about them
	videosLiveOn                   // the account moved: they live on in its new region
)

// removeAccount is the transaction of EraseAccount and ReleaseAccount.
func (db *DB) removeAccount(ctx context.Context, id string, videos videosFate) (err error) {
	defer sqldb.Wrap(&err, "sqlite: remove account")
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		traces, err := accountTraces(ctx, tx, id)
		if err != nil {
			return err
		}
		steps := []struct{ what, query string }{
			// The counters this region's log gave the account's likes and
			// comments; counters never go below zero.
			{"like counts", `UPDATE video_counts SET likes = max(likes - 1, 0)
				WHERE video_id IN (SELECT video_id FROM likes WHERE account_id = ?1)`},
			{"comment counts", `UPDATE video_counts SET comments = max(comments -
				(SELECT count(*) FROM comments c WHERE c.author_id = ?1 AND c.video_id = video_counts.video_id AND c.deleted = 0), 0)
				WHERE video_id IN (SELECT video_id FROM comments WHERE author_id = ?1)`},
			// No row is kept about an account nobody here follows any more.
			{"follower counts", `UPDATE follower_counts SET n = n - 1
				WHERE account_id IN (SELECT followee_id FROM follows WHERE follower_id = ?1)`},
			{"follower counts", `DELETE FROM follower_counts WHERE n <= 0
				AND account_id IN (SELECT followee_id FROM follows WHERE follower_id = ?1)`},
			// A virtual table has no foreign keys.
			{"search rows", `DELETE FROM video_search WHERE rowid IN
				(SELECT r.rowid FROM video_search_rows r JOIN videos v ON v.id = r.video_id WHERE v.author_id = ?1)`},
		}
		for _, st := range steps {
			if _, err := tx.ExecContext(ctx, st.query, id); err != nil {
				return fmt.Errorf("%s: %w", st.what, err)
			}
		}
		if videos == videosLiveOn {
			// The counters its videos have here stay, but a row of zeros
			// says nothing: this region's log would recreate it.
			if _, err := tx.ExecContext(ctx, `DELETE FROM video_counts WHERE views = 0 AND likes = 0 AND comments = 0 AND shares = 0
				AND video_id IN (SELECT id FROM videos WHERE author_id = ?)`, id); err != nil {
				return fmt.Errorf("zero counts: %w", err)
			}
		} else {
			ids, err := collect(ctx, tx, scanValue[string], `SELECT id FROM videos WHERE author_id = ?`, id)
			if err != nil {
				return err
			}
			for _, v := range ids {
				if err := deleteVideoRecords(ctx, tx, v); err != nil {
					return err
				}
			}
		}
		// ON DELETE CASCADE takes the rest: the videos' hashtags, renditions
		// and search rows; the account's sessions, follows, likes, watches,
		// comments, hidden creators, not-interested marks and settings.
		if _, err := tx.ExecContext(ctx, `DELETE FROM videos WHERE author_id = ?`, id); err != nil {
			return fmt.Errorf("videos: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, id); err != nil {
			return fmt.Errorf("account: %w", err)
		}
		// Merging every segment rewrites the index without the deleted
		// rows' tokens, which deleting a row only marks as deleted; this
		// also clears the captions of videos the account deleted earlier.
		if _, err := tx.ExecContext(ctx, `INSERT INTO video_search (video_search) VALUES ('optimize')`); err != nil {
			return fmt.Errorf("merge search index: %w", err)
		}
		return forgetStats(ctx, tx, traces, "video_search_idx")
	})
}

// Compact rewrites the database file (VACUUM) and then truncates the
// write-ahead log. secure_delete zeroes deleted cells and freed pages, but
// not the stale copies of cells that rebalancing a b-tree page leaves in
// its unallocated space, and the log holds pages as they were: only the
// rewrite and the truncation remove those. It costs time in proportion to
// the file (0.85 s for 93 MB, BenchmarkEraseAccount) and as much free disk
// space again, while writes to the region wait.
func (db *DB) Compact(ctx context.Context) (err error) {
	defer sqldb.Wrap(&err, "sqlite: compact")
	if _, err := db.write.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("rewrite file: %w", err)
	}
	return sqldb.TruncateLog(ctx, db.write)
}

// accountTraces returns the values by which the account's records are
// found in indexes (its ID, handle, session IDs and token hashes, video and
// comment IDs), the values forgetStats looks for; ENOTFOUND if the account
// is not stored here.
func accountTraces(ctx context.Context, tx *sql.Tx, id string) ([][]byte, error) {
	var handle, email string
	err := tx.QueryRowContext(ctx, `SELECT handle, email FROM accounts WHERE id = ?`, id).Scan(&handle, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, flick.Errorf(flick.ENOTFOUND, "Account not found.")
	} else if err != nil {
		return nil, err
	}
	keys, err := collect(ctx, tx, scanValue[[]byte], `SELECT id FROM sessions WHERE account_id = ?1
		UNION ALL SELECT token_hash FROM sessions WHERE account_id = ?1
		UNION ALL SELECT token_hash FROM password_resets WHERE account_id = ?1
		UNION ALL SELECT token_hash FROM devices WHERE account_id = ?1
		UNION ALL SELECT id FROM videos WHERE author_id = ?1
		UNION ALL SELECT id FROM comments WHERE author_id = ?1`, id)
	if err != nil {
		return nil, err
	}
	traces := append(keys, []byte(id), []byte(handle))
	if email != "" {
		traces = append(traces, []byte(email))
	}
	return traces, nil
}

// forgetStats deletes the query planner's samples that contain any of
// traces. With STAT4 (which this build of SQLite has), ANALYZE and so
// PRAGMA optimize at Open copy up to 24 whole keys of every index into
// sqlite_stat4, handles and account IDs among them, and nothing else ever
// removes them. A missing sample only makes the planner's estimates a
// little coarser until the next ANALYZE. Every sample of the indexes
// named in stale goes too: the search index, once it has just been merged,
// whose samples of terms may quote captions and describe rows that are
// gone.
func forgetStats(ctx context.Context, tx *sql.Tx, traces [][]byte, stale ...string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	type sample struct {
		rowid int64
		tbl   string
		key   []byte
	}
	samples, err := collect(ctx, tx, func(sc scanner) (s sample, err error) {
		err = sc.Scan(&s.rowid, &s.tbl, &s.key)
		return s, err
	}, `SELECT rowid, tbl, sample FROM sqlite_stat4`)
	if err != nil {
		return err
	}
	for _, s := range samples {
		if !slices.Contains(stale, s.tbl) && !slices.ContainsFunc(traces, func(t []byte) bool { return bytes.Contains(s.key, t) }) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sqlite_stat4 WHERE rowid = ?`, s.rowid); err != nil {
			return fmt.Errorf("planner samples: %w", err)
		}
	}
	return nil
}

// EraseReferences erases this region's records about erased account id:
// others' follows of it (and their following counts), their hidden-creator
// marks of it, its follower counter, its place among the actors of others'
// notifications and the planner's samples of its ID.
// Compact then removes the copies left in the files. ECONFLICT if the
// account is still stored here: EraseAccount first.
func (db *DB) EraseReferences(ctx context.Context, id string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: erase references")
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if here, err := storedHere(ctx, tx, id); err != nil || here {
			return cmp.Or[error](err, flick.Errorf(flick.ECONFLICT, "Account is still stored in this region."))
		}
		for _, q := range []string{
			`UPDATE accounts SET following_count = max(following_count - 1, 0)
				WHERE id IN (SELECT follower_id FROM follows WHERE followee_id = ?)`,
			`DELETE FROM follows WHERE followee_id = ?`,
			`DELETE FROM blocks WHERE creator_id = ?`,
			`DELETE FROM follower_counts WHERE account_id = ?`,
			// An item only the erased account acted in goes; in others
			// it is no longer among the actors, and the comment an item
			// quotes may have been its.
			`UPDATE notifications SET comment_id = '' WHERE id IN (SELECT notification_id FROM notification_actors WHERE actor_id = ?)`,
			`DELETE FROM notifications WHERE id IN (SELECT notification_id FROM notification_actors WHERE actor_id = ?1)
				AND NOT EXISTS (SELECT 1 FROM notification_actors o WHERE o.notification_id = notifications.id AND o.actor_id <> ?1)`,
			`DELETE FROM notification_actors WHERE actor_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		return forgetStats(ctx, tx, [][]byte{[]byte(id)})
	})
}

// personalTables are the tables of personal data and authored content and
// the column naming each row's owner.
var personalTables = [...]struct{ table, owner string }{
	{"accounts", "id"},
	{"sessions", "account_id"},
	{"password_resets", "account_id"},
	{"devices", "account_id"},
	{"follows", "follower_id"},
	{"likes", "account_id"},
	{"watches", "account_id"},
	{"comments", "author_id"},
	{"comment_likes", "account_id"},
	{"blocks", "account_id"},
	{"not_interested", "account_id"},
	{"viewer_settings", "account_id"},
	{"videos", "author_id"},
	{"notifications", "account_id"},
}

// PersonalOwners lists, by table, the accounts owning rows of personal data
// or authored content, in order; tables without rows are absent. It reads
// one snapshot and the whole of each table's owner index: an operator's
// check, not a request path.
func (db *DB) PersonalOwners(ctx context.Context) (_ map[string][]string, err error) {
	defer sqldb.Wrap(&err, "sqlite: personal owners")
	tx, err := db.read.pool.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	owners := map[string][]string{}
	for _, p := range personalTables {
		ids, err := collect(ctx, tx, scanValue[string], `SELECT DISTINCT `+p.owner+` FROM `+p.table+` ORDER BY 1`)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.table, err)
		}
		if len(ids) > 0 {
			owners[p.table] = ids
		}
	}
	return owners, nil
}

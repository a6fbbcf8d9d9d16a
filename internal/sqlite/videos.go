package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

const (
	// videoSelect reads a video with its author and counters in one row; the
	// renditions are a second query.
	videoSelect = `SELECT v.id, v.author_id, a.handle, a.display_name, a.has_avatar, v.caption, v.mentions,
	v.hashtags, v.status, v.progress, v.failure, v.attempts, v.created_at, v.duration_ms, v.width, v.height,
	v.original_key, v.poster_key, v.complete, c.views, c.likes, c.comments, c.shares, c.discounted,
	v.visibility, v.comments_enabled = 0, v.cover_ms, v.pinned_at > 0
	FROM videos v JOIN accounts a ON a.id = v.author_id JOIN video_counts c ON c.video_id = v.id`
	renditionSelect = `SELECT video_id, name, width, height, bitrate, size, blob_key, mime FROM renditions`

	videoByID      = videoSelect + " WHERE v.id = ?"
	renditionsByID = renditionSelect + " WHERE video_id = ?"

	// maxBatch bounds the IDs bound into one IN list, well under SQLite's
	// limit on query parameters.
	maxBatch = 500
	// maxAuthors bounds VideoFilter.AuthorIDs (padded, under SQLite's limit
	// of 32766 parameters).
	maxAuthors = 8192
	// maxRecent bounds RecentVideos, the feeds' candidate pool.
	maxRecent = 1000
	// maxFailureRunes bounds the stored failure reason (it may quote tool output).
	maxFailureRunes = 500
	// maxSearchTerms bounds the work a single search query can ask for.
	maxSearchTerms = 16
)

func scanVideo(sc interface{ Scan(...any) error }) (*flick.Video, error) {
	v := flick.Video{Hashtags: []string{}, Mentions: []string{}, Renditions: []flick.Rendition{}}
	var mentions, status, hashtags, visibility string
	var created int64
	var hasAvatar bool
	if err := sc.Scan(&v.ID, &v.AuthorID, &v.Author.Handle, &v.Author.DisplayName, &hasAvatar, &v.Caption, &mentions,
		&hashtags, &status, &v.Progress, &v.Failure, &v.Attempts, &created, &v.DurationMS, &v.Width, &v.Height,
		&v.OriginalKey, &v.PosterKey, &v.Complete, &v.Counts.Views, &v.Counts.Likes, &v.Counts.Comments, &v.Counts.Shares,
		&v.Counts.Discounted, &visibility, &v.CommentsOff, &v.CoverMS, &v.Pinned); err != nil {
		return nil, err
	}
	v.Author.ID = v.AuthorID
	if hasAvatar {
		v.Author.AvatarURL = flick.MediaURL(flick.AvatarKey(v.AuthorID))
	}
	if mentions != "" {
		v.Mentions = strings.Split(mentions, " ")
	}
	if hashtags != "" {
		v.Hashtags = strings.Split(hashtags, " ")
	}
	v.Status = flick.VideoStatus(status)
	v.Visibility = flick.Visibility(visibility)
	v.CreatedAt = fromMillis(created)
	if v.PosterKey != "" {
		v.PosterURL = flick.MediaURL(v.PosterKey)
	}
	return &v, nil
}

// addRenditions reads rows selected by renditionSelect into the videos they
// belong to, smallest first (sorted here: a handful of rows per video, cheaper
// than a sort in SQL). It consumes and closes the rows before the caller runs
// another query: holding two result sets open at once would hold two pooled
// connections, and enough concurrent callers would then deadlock the read pool.
func addRenditions(rows *sql.Rows, err error, byID map[string]*flick.Video) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var r flick.Rendition
		if err := rows.Scan(&id, &r.Name, &r.Width, &r.Height, &r.Bitrate, &r.Size, &r.Key, &r.Mime); err != nil {
			return err
		}
		r.URL = flick.MediaURL(r.Key)
		if v := byID[id]; v != nil {
			v.Renditions = append(v.Renditions, r)
		}
	}
	for _, v := range byID {
		slices.SortFunc(v.Renditions, func(a, b flick.Rendition) int {
			return cmp.Or(cmp.Compare(a.Height, b.Height), cmp.Compare(a.Width, b.Width), strings.Compare(a.Name, b.Name))
		})
	}
	return rows.Err()
}

// Video returns the video whatever its status, in two prepared queries.
func (db *DB) Video(ctx context.Context, id string) (_ *flick.Video, err error) {
	defer sqldb.Wrap(&err, "sqlite: video")
	v, err := scanVideo(db.read.QueryRowContext(ctx, videoByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, flick.Errorf(flick.ENOTFOUND, "Video not found.")
	} else if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, renditionsByID, id)
	if err := addRenditions(rows, err, map[string]*flick.Video{id: v}); err != nil {
		return nil, err
	}
	return v, nil
}

// VideoAudience reads a video's author, status and visibility alone: the
// media route's check, cheaper than Video's joins and renditions.
func (db *DB) VideoAudience(ctx context.Context, id string) (_ *flick.Video, err error) {
	defer sqldb.Wrap(&err, "sqlite: video audience")
	v := &flick.Video{ID: id}
	var status, visibility string
	err = db.read.QueryRowContext(ctx, `SELECT author_id, status, visibility FROM videos WHERE id = ?`, id).Scan(&v.AuthorID, &status, &visibility)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, flick.Errorf(flick.ENOTFOUND, "Video not found.")
	} else if err != nil {
		return nil, err
	}
	v.Status, v.Visibility = flick.VideoStatus(status), flick.Visibility(visibility)
	return v, nil
}

// scanVideos reads and closes rows selected by videoSelect.
func scanVideos(rows *sql.Rows, err error) ([]*flick.Video, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var videos []*flick.Video
	for rows.Next() {
		v, err := scanVideo(rows)
		if err != nil {
			return nil, err
		}
		videos = append(videos, v)
	}
	return videos, rows.Err()
}

// listVideos runs videoSelect with the given conditions and tail (ORDER BY,
// LIMIT) and adds the renditions of the videos found with one more query.
func (db *DB) listVideos(ctx context.Context, where []string, args []any, tail string) ([]*flick.Video, error) {
	query := videoSelect
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	videos, err := scanVideos(db.read.QueryContext(ctx, query+" "+tail, args...))
	if err != nil || len(videos) == 0 {
		return videos, err
	}
	byID := make(map[string]*flick.Video, len(videos))
	ids := make([]string, len(videos))
	for i, v := range videos {
		byID[v.ID] = v
		ids[i] = v.ID
	}
	in, idArgs := inList(ids)
	rows, err := db.read.QueryContext(ctx, renditionSelect+" WHERE video_id IN ("+in+")", idArgs...)
	if err := addRenditions(rows, err, byID); err != nil {
		return nil, err
	}
	return videos, nil
}

// Videos returns the ready public videos among ids, once each, in the order
// asked.
func (db *DB) Videos(ctx context.Context, ids []string) (_ []*flick.Video, err error) {
	defer sqldb.Wrap(&err, "sqlite: videos")
	found := map[string]*flick.Video{}
	for start := 0; start < len(ids); start += maxBatch {
		in, args := inList(ids[start:min(start+maxBatch, len(ids))])
		vs, err := db.listVideos(ctx, []string{"v.status = 'ready'", "v.visibility = 'public'", "v.id IN (" + in + ")"}, args, "")
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			found[v.ID] = v
		}
	}
	videos := make([]*flick.Video, 0, len(found))
	for _, id := range ids {
		if v := found[id]; v != nil {
			videos = append(videos, v)
			delete(found, id)
		}
	}
	return videos, nil
}

// VideoDurations reads only the ready videos' durations, from the videos
// table alone: validating a batch of events needs nothing more, and the
// joins and renditions of Videos would cost several times as much.
func (db *DB) VideoDurations(ctx context.Context, ids []string) (_ map[string]int64, err error) {
	defer sqldb.Wrap(&err, "sqlite: video durations")
	durations := make(map[string]int64, len(ids))
	for start := 0; start < len(ids); start += maxBatch {
		in, args := inList(ids[start:min(start+maxBatch, len(ids))])
		rows, err := db.read.QueryContext(ctx, `SELECT id, duration_ms FROM videos WHERE status = 'ready' AND id IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var d int64
			if err := rows.Scan(&id, &d); err != nil {
				rows.Close()
				return nil, err
			}
			durations[id] = d
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return durations, nil
}

// ListVideos returns a newest-first page of the videos that pass f.
func (db *DB) ListVideos(ctx context.Context, f flick.VideoFilter, p flick.Page) (videos []*flick.Video, next string, err error) {
	defer sqldb.Wrap(&err, "sqlite: list videos")
	p = p.Normalize()
	if err := cursorArg(p.Cursor); err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	if !f.AllStatuses {
		where = append(where, "v.status = 'ready'")
	}
	vis, err := visibilityList(f.Visibilities)
	if err != nil {
		return nil, "", err
	}
	where = append(where, "v.visibility IN ("+vis+")")
	switch f.Pins {
	case flick.OnlyPinned:
		where = append(where, "v.pinned_at > 0")
	case flick.NotPinned:
		where = append(where, "v.pinned_at = 0")
	}
	if f.AuthorIDs != nil {
		if len(f.AuthorIDs) == 0 {
			return nil, "", nil // nobody's videos
		}
		// Past maxAuthors (far more than a person follows) the list is cut
		// rather than refused, so that such a feed still shows something.
		in, ids := inList(f.AuthorIDs[:min(len(f.AuthorIDs), maxAuthors)])
		where = append(where, "v.author_id IN ("+in+")")
		args = append(args, ids...)
	}
	if f.Hashtag != "" {
		where = append(where, "v.id IN (SELECT video_id FROM video_hashtags WHERE tag = ?)")
		args = append(args, flick.NormalizeTag(f.Hashtag))
	}
	if f.Query != "" {
		match := ftsQuery(f.Query)
		if match == "" {
			return nil, "", nil // nothing searchable in the query
		}
		// SQLite only: FTS5 (see the schema).
		where = append(where, `v.id IN (SELECT r.video_id FROM video_search s
			JOIN video_search_rows r ON r.rowid = s.rowid WHERE video_search MATCH ?)`)
		args = append(args, match)
	}
	if p.Cursor != "" {
		where = append(where, "v.id < ?")
		args = append(args, p.Cursor)
	}
	videos, err = db.listVideos(ctx, where, append(args, p.Limit+1), "ORDER BY v.id DESC LIMIT ?")
	if err != nil {
		return nil, "", err
	}
	if len(videos) > p.Limit {
		videos = videos[:p.Limit]
		next = videos[p.Limit-1].ID
	}
	return videos, next, nil
}

// visibilityList returns the SQL list of the visibilities asked, checked
// (they are spelled into the query), public only for none.
func visibilityList(vs []flick.Visibility) (string, error) {
	if len(vs) == 0 {
		vs = []flick.Visibility{flick.VisibilityPublic}
	}
	quoted := make([]string, len(vs))
	for i, v := range vs {
		if err := v.Validate(); err != nil {
			return "", err
		}
		quoted[i] = "'" + string(v) + "'"
	}
	return strings.Join(quoted, ", "), nil
}

// ftsQuery turns what a user typed into an FTS5 query that matches videos
// containing every word, the last one as a prefix (search as you type).
// Everything the unicode61 tokenizer would not keep in a word becomes a
// separator and each word is quoted, so no input reaches FTS5's query syntax
// (operators, column filters, NEAR, ^, quotes): a word holds no '"' to end its
// string early. "" means nothing searchable was typed.
func ftsQuery(q string) string {
	words := strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
	})
	if len(words) == 0 {
		return ""
	}
	words = words[:min(len(words), maxSearchTerms)]
	for i, w := range words {
		words[i] = `"` + w + `"`
	}
	return strings.Join(words, " ") + "*"
}

// RecentVideos returns ready public videos created at or after since,
// newest first.
func (db *DB) RecentVideos(ctx context.Context, since time.Time, limit int) (_ []*flick.Video, err error) {
	defer sqldb.Wrap(&err, "sqlite: recent videos")
	if limit <= 0 {
		limit = flick.DefaultPageSize
	}
	return db.listVideos(ctx, []string{"v.status = 'ready'", "v.visibility = 'public'", "v.created_at >= ?"},
		[]any{millis(since), min(limit, maxRecent)}, "ORDER BY v.created_at DESC, v.id DESC LIMIT ?")
}

// ProcessingVideos lists the videos whose transcode is unfinished, oldest first.
func (db *DB) ProcessingVideos(ctx context.Context) (_ []*flick.Video, err error) {
	defer sqldb.Wrap(&err, "sqlite: processing videos")
	// The same condition as the partial index videos_unfinished.
	return db.listVideos(ctx, []string{"v.complete = 0 AND v.status <> 'failed'"}, nil, "ORDER BY v.id")
}

// CreateVideo inserts v in status processing with its hashtags, filling in
// ID and CreatedAt when blank, and Author.
func (db *DB) CreateVideo(ctx context.Context, v *flick.Video) (err error) {
	defer sqldb.Wrap(&err, "sqlite: create video")
	if err := db.newRecord(&v.ID, &v.CreatedAt); err != nil {
		return err
	}
	if err := flick.ValidateCaption(v.Caption); err != nil {
		return err
	}
	if v.Hashtags, err = normalizeTags(v.Hashtags); err != nil {
		return err
	}
	if v.Visibility == "" {
		v.Visibility = flick.VisibilityPublic
	}
	if err := v.Visibility.Validate(); err != nil {
		return err
	}
	mentions := validMentions(v.Mentions)
	v.Mentions = append([]string{}, mentions...)
	v.Pinned = false
	v.Status, v.Progress, v.Failure, v.Attempts, v.Complete = flick.StatusProcessing, 0, "", 0, false
	v.Renditions, v.Counts = []flick.Rendition{}, flick.Counts{}
	// Video IDs are unique across regions: a caller that chose its ID must
	// not take one another region holds (fresh IDs never collide).
	if taken, err := db.elsewhereVideo(ctx, v.ID); err != nil {
		return err
	} else if taken {
		return flick.Errorf(flick.ECONFLICT, "Video already exists.")
	}
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		author, err := getAccount(ctx, tx, "a.id = ?", v.AuthorID)
		if err != nil {
			return err
		}
		v.Author = flick.AccountRef{ID: author.ID, Handle: author.Handle, DisplayName: author.DisplayName, AvatarURL: author.AvatarURL}
		_, err = tx.ExecContext(ctx, `INSERT INTO videos (id, author_id, caption, mentions, hashtags, status, created_at,
			duration_ms, width, height, original_key, poster_key, visibility, comments_enabled, cover_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.ID, v.AuthorID, v.Caption, strings.Join(mentions, " "), strings.Join(v.Hashtags, " "), string(v.Status), millis(v.CreatedAt),
			v.DurationMS, v.Width, v.Height, v.OriginalKey, v.PosterKey, string(v.Visibility), boolInt(!v.CommentsOff), v.CoverMS)
		if sqldb.IsUnique(err) {
			return flick.Errorf(flick.ECONFLICT, "Video already exists.")
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO video_counts (video_id) VALUES (?)`, v.ID); err != nil {
			return err
		}
		if err := insertHashtags(ctx, tx, v.ID, v.Hashtags); err != nil {
			return err
		}
		return indexVideo(ctx, tx, v)
	})
}

// validMentions keeps the mentions that are handles, which also keeps the
// space that joins them unambiguous.
func validMentions(ms []string) []string {
	var out []string
	for _, m := range ms {
		if flick.ValidateHandle(m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// insertHashtags records a video's hashtags, in caption order, for the
// hashtag filter.
func insertHashtags(ctx context.Context, tx *sql.Tx, id string, tags []string) error {
	for i, tag := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO video_hashtags (video_id, tag, position) VALUES (?, ?, ?)`, id, tag, i); err != nil {
			return err
		}
	}
	return nil
}

// indexVideo adds v's caption and hashtags to the full-text index.
// SQLite only: FTS5 (see the schema).
func indexVideo(ctx context.Context, tx *sql.Tx, v *flick.Video) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO video_search_rows (video_id) VALUES (?)`, v.ID)
	if err != nil {
		return err
	}
	rowid, err := res.LastInsertId()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO video_search (rowid, caption, hashtags) VALUES (?, ?, ?)`,
		rowid, v.Caption, strings.Join(v.Hashtags, " "))
	return err
}

// normalizeTags normalizes and de-duplicates tags, keeping their order. A tag
// is what flick.ParseCaption makes: letters, digits, marks and '_', which
// also keeps the space that joins them in the search index unambiguous.
func normalizeTags(tags []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range tags {
		t = flick.NormalizeTag(t)
		if t == "" || utf8.RuneCountInString(t) > 100 || strings.ContainsFunc(t, func(r rune) bool {
			return r != '_' && !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
		}) {
			return nil, flick.Errorf(flick.EINVALID, "Hashtag %q is not valid.", t)
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// StartTranscode counts a new transcode attempt; a failed video goes back to
// processing, since it is being transcoded again.
func (db *DB) StartTranscode(ctx context.Context, id string) (attempt int, err error) {
	defer sqldb.Wrap(&err, "sqlite: start transcode")
	err = db.write.QueryRowContext(ctx, `UPDATE videos SET attempts = attempts + 1, failure = '',
		status = CASE WHEN status = 'failed' THEN 'processing' ELSE status END
		WHERE id = ? RETURNING attempts`, id).Scan(&attempt)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, flick.Errorf(flick.ENOTFOUND, "Video not found.")
	}
	return attempt, err
}

// SetProgress records transcode progress (0-100) of a processing video.
func (db *DB) SetProgress(ctx context.Context, id string, progress int) (err error) {
	defer sqldb.Wrap(&err, "sqlite: set progress")
	progress = min(max(progress, 0), 100)
	res, err := db.write.ExecContext(ctx, `UPDATE videos SET progress = CASE WHEN status = 'processing' THEN ? ELSE progress END
		WHERE id = ?`, progress, id)
	return sqldb.Found(res, err, "Video")
}

// AddRendition records a finished rendition and, as u says, the poster, the
// ready status and the completion of the ladder.
func (db *DB) AddRendition(ctx context.Context, id string, u flick.RenditionUpdate) (err error) {
	defer sqldb.Wrap(&err, "sqlite: add rendition")
	r := u.Rendition
	if r.Name == "" || r.Key == "" || r.Width <= 0 || r.Height <= 0 || r.Bitrate < 0 || r.Size < 0 {
		return flick.Errorf(flick.EINVALID, "Rendition is not valid.")
	}
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE videos SET
			poster_key = CASE WHEN ? <> '' THEN ? ELSE poster_key END,
			status = CASE WHEN ? = 1 THEN 'ready' ELSE status END,
			progress = CASE WHEN ? = 1 THEN 100 ELSE progress END,
			failure = CASE WHEN ? = 1 THEN '' ELSE failure END,
			complete = CASE WHEN ? = 1 THEN 1 ELSE complete END
			WHERE id = ?`,
			u.PosterKey, u.PosterKey, boolInt(u.Ready), boolInt(u.Ready), boolInt(u.Ready), boolInt(u.Complete), id)
		if err := sqldb.Found(res, err, "Video"); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO renditions (video_id, name, width, height, bitrate, size, blob_key, mime)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (video_id, name) DO UPDATE SET width = excluded.width,
			height = excluded.height, bitrate = excluded.bitrate, size = excluded.size, blob_key = excluded.blob_key,
			mime = excluded.mime`, id, r.Name, r.Width, r.Height, r.Bitrate, r.Size, r.Key, r.Mime)
		return err
	})
}

// SetFailed marks a processing video failed with a reason shown to its
// author; a video that plays (or already failed) is left alone: ECONFLICT.
func (db *DB) SetFailed(ctx context.Context, id string, reason string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: set failed")
	if r := []rune(reason); len(r) > maxFailureRunes {
		reason = string(r[:maxFailureRunes])
	}
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM videos WHERE id = ?`, id).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return flick.Errorf(flick.ENOTFOUND, "Video not found.")
		case err != nil:
			return err
		case status != string(flick.StatusProcessing):
			return flick.Errorf(flick.ECONFLICT, "Video is %s, not processing.", status)
		}
		_, err = tx.ExecContext(ctx, `UPDATE videos SET status = 'failed', failure = ? WHERE id = ?`, reason, id)
		return err
	})
}

// DeleteVideo deletes the video; ON DELETE CASCADE deletes its hashtags,
// renditions, counters, likes, comments and watches, and the full-text row
// goes explicitly (a virtual table has no foreign keys).
func (db *DB) DeleteVideo(ctx context.Context, id string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: delete video")
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM video_search WHERE rowid IN
			(SELECT rowid FROM video_search_rows WHERE video_id = ?)`, id); err != nil {
			return fmt.Errorf("full-text row: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM videos WHERE id = ?`, id)
		if err := sqldb.Found(res, err, "Video"); err != nil {
			return err
		}
		return deleteVideoRecords(ctx, tx, id)
	})
}

// UpdateVideo applies u in one transaction: a new caption replaces the
// hashtags, the copy of them on the video's row and its full-text row.
func (db *DB) UpdateVideo(ctx context.Context, id string, u flick.VideoUpdate) (_ *flick.Video, err error) {
	defer sqldb.Wrap(&err, "sqlite: update video")
	var tags []string
	if u.Caption != nil {
		if err := flick.ValidateCaption(*u.Caption); err != nil {
			return nil, err
		}
		if tags, err = normalizeTags(u.Hashtags); err != nil {
			return nil, err
		}
	}
	if u.Visibility != nil {
		if err := u.Visibility.Validate(); err != nil {
			return nil, err
		}
	}
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		var set []string
		var args []any
		if u.Caption != nil {
			set = append(set, "caption = ?", "hashtags = ?", "mentions = ?")
			args = append(args, *u.Caption, strings.Join(tags, " "), strings.Join(validMentions(u.Mentions), " "))
		}
		if u.Visibility != nil {
			set = append(set, "visibility = ?")
			args = append(args, string(*u.Visibility))
		}
		if u.CommentsEnabled != nil {
			set = append(set, "comments_enabled = ?")
			args = append(args, boolInt(*u.CommentsEnabled))
		}
		if len(set) == 0 {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM videos WHERE id = ?`, id).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return flick.Errorf(flick.ENOTFOUND, "Video not found.")
			}
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE videos SET `+strings.Join(set, ", ")+` WHERE id = ?`, append(args, id)...)
		if err := sqldb.Found(res, err, "Video"); err != nil {
			return err
		}
		if u.Caption == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM video_hashtags WHERE video_id = ?`, id); err != nil {
			return err
		}
		if err := insertHashtags(ctx, tx, id, tags); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE video_search SET caption = ?, hashtags = ? WHERE rowid =
			(SELECT rowid FROM video_search_rows WHERE video_id = ?)`, *u.Caption, strings.Join(tags, " "), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.Video(ctx, id)
}

// SetPoster records a new poster and its frame time, returning the old key.
func (db *DB) SetPoster(ctx context.Context, id, key string, coverMS int64) (old string, err error) {
	defer sqldb.Wrap(&err, "sqlite: set poster")
	if key == "" || coverMS < 0 {
		return "", flick.Errorf(flick.EINVALID, "Poster is not valid.")
	}
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT poster_key FROM videos WHERE id = ?`, id).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return flick.Errorf(flick.ENOTFOUND, "Video not found.")
		} else if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE videos SET poster_key = ?, cover_ms = ? WHERE id = ?`, key, coverMS, id)
		return err
	})
	return old, err
}

// PinVideo pins a video unless its author has flick.MaxPinned others
// pinned, counted in the same transaction.
func (db *DB) PinVideo(ctx context.Context, id string, at time.Time) (err error) {
	defer sqldb.Wrap(&err, "sqlite: pin video")
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		var author string
		var pinned bool
		err := tx.QueryRowContext(ctx, `SELECT author_id, pinned_at > 0 FROM videos WHERE id = ?`, id).Scan(&author, &pinned)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return flick.Errorf(flick.ENOTFOUND, "Video not found.")
		case err != nil:
			return err
		case pinned:
			return nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM videos WHERE author_id = ? AND pinned_at > 0`, author).Scan(&n); err != nil {
			return err
		}
		if n >= flick.MaxPinned {
			return flick.Errorf(flick.ECONFLICT, "You can pin at most %d videos: unpin one first.", flick.MaxPinned)
		}
		_, err = tx.ExecContext(ctx, `UPDATE videos SET pinned_at = ? WHERE id = ?`, max(millis(at), 1), id)
		return err
	})
}

// UnpinVideo unpins a video.
func (db *DB) UnpinVideo(ctx context.Context, id string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: unpin video")
	res, err := db.write.ExecContext(ctx, `UPDATE videos SET pinned_at = 0 WHERE id = ?`, id)
	return sqldb.Found(res, err, "Video")
}

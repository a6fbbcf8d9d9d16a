package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

var _ flick.NotificationStore = (*DB)(nil)

// ApplyNotifications adds ds to the inboxes stored here and records seq as
// the position of the consumer name, in one transaction (see
// flick.NotificationStore).
func (db *DB) ApplyNotifications(ctx context.Context, name string, seq uint64, ds []flick.NotificationDelta) (err error) {
	defer sqldb.Wrap(&err, "sqlite: apply notifications %s", name)
	return db.project(ctx, name, seq, func(tx *sql.Tx, pos uint64) error {
		for _, d := range ds {
			// A batch may straddle the recorded position when the consumer
			// resumes from another store's, which lags this one.
			if d.Seq <= pos || d.Seq > seq || d.AccountID == "" || d.AccountID == d.ActorID {
				continue
			}
			if err := notify(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// notify adds one delta to its recipient's inbox: to the item of its type
// and target begun within the window before it, or to a new item. The
// item rises (newest activity, unread) for a new actor, a new comment and
// what happened to an upload; an actor already in it adds nothing else.
func notify(ctx context.Context, tx *sql.Tx, d flick.NotificationDelta) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts a WHERE a.id = ?1
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ?1 AND b.creator_id = ?2)`, d.AccountID, d.ActorID).Scan(&n); err != nil || n == 0 {
		return err // not stored here, or the actor is hidden
	}
	at := millis(d.At)
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM notifications WHERE account_id = ? AND type = ? AND target = ? AND started_at > ?
		ORDER BY started_at DESC LIMIT 1`, d.AccountID, string(d.Type), d.Target, at-flick.NotificationWindow.Milliseconds()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		id = flick.NewID(d.At)
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, account_id, type, target, video_id, comment_id, started_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, d.AccountID, string(d.Type), d.Target, d.VideoID, d.CommentID, at, at); err != nil {
			return fmt.Errorf("new notification: %w", err)
		}
		return addActor(ctx, tx, id, d)
	} else if err != nil {
		return err
	}
	rise := d.ActorID == "" || d.CommentID != ""
	if d.ActorID != "" {
		var known int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notification_actors WHERE notification_id = ? AND actor_id = ?`,
			id, d.ActorID).Scan(&known); err != nil {
			return err
		}
		rise = rise || known == 0
	}
	if !rise {
		return nil
	}
	if err := addActor(ctx, tx, id, d); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE notifications SET read = 0,
		comment_id = CASE WHEN ?2 <> '' AND ?3 >= updated_at THEN ?2 ELSE comment_id END,
		updated_at = max(updated_at, ?3) WHERE id = ?1`, id, d.CommentID, at)
	return err
}

// addActor adds (or brings forward) the delta's actor in item id.
func addActor(ctx context.Context, tx *sql.Tx, id string, d flick.NotificationDelta) error {
	if d.ActorID == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO notification_actors (notification_id, actor_id, at) VALUES (?, ?, ?)
		ON CONFLICT (notification_id, actor_id) DO UPDATE SET at = max(at, excluded.at)`, id, d.ActorID, millis(d.At))
	return err
}

const notificationColumns = `n.id, n.account_id, n.type, n.target, n.video_id, n.comment_id, n.started_at, n.updated_at, n.read`

// unhidden is an actor a of item n whom n's recipient has not hidden.
const unhidden = `a.actor_id NOT IN (SELECT creator_id FROM blocks b WHERE b.account_id = n.account_id)`

// notificationSelect reads items with every actor counted, as AccountData
// holds them; inboxSelect as their recipient sees them, without the actors
// it hid since, and inboxShown leaves out the items only those made.
const (
	notificationSelect = `SELECT ` + notificationColumns + `,
		(SELECT count(*) FROM notification_actors a WHERE a.notification_id = n.id) FROM notifications n`
	inboxSelect = `SELECT ` + notificationColumns + `,
		(SELECT count(*) FROM notification_actors a WHERE a.notification_id = n.id AND ` + unhidden + `) FROM notifications n`
	inboxShown = `(NOT EXISTS (SELECT 1 FROM notification_actors a WHERE a.notification_id = n.id)
		OR EXISTS (SELECT 1 FROM notification_actors a WHERE a.notification_id = n.id AND ` + unhidden + `))`
)

// The actors of an item, newest first, up to a limit: every one, or those
// its recipient has not hidden.
const (
	everyActor = `SELECT a.actor_id, a.at FROM notification_actors a WHERE a.notification_id = ? ORDER BY a.at DESC, a.actor_id LIMIT ?`
	shownActor = `SELECT a.actor_id, a.at FROM notification_actors a JOIN notifications n ON n.id = a.notification_id
		WHERE a.notification_id = ? AND ` + unhidden + ` ORDER BY a.at DESC, a.actor_id LIMIT ?`
)

func scanNotification(sc scanner) (flick.Notification, error) {
	var n flick.Notification
	var started, updated int64
	err := sc.Scan(&n.ID, &n.AccountID, &n.Type, &n.Target, &n.VideoID, &n.CommentID, &started, &updated, &n.Read, &n.ActorCount)
	n.StartedAt, n.UpdatedAt = fromMillis(started), fromMillis(updated)
	return n, err
}

// notificationActors fills in the actors of each of ns that query (one of
// everyActor and shownActor) selects, at most limit of each (0: all).
func notificationActors(ctx context.Context, q querier, query string, ns []flick.Notification, limit int) error {
	if limit <= 0 {
		limit = math.MaxInt32
	}
	for i := range ns {
		actors, err := collect(ctx, q, scanEdge, query, ns[i].ID, limit)
		if err != nil {
			return err
		}
		ns[i].Actors = actors
	}
	return nil
}

// Notifications returns a page of accountID's inbox, the most recently
// active first. The cursor is the last item's activity time and ID.
func (db *DB) Notifications(ctx context.Context, accountID string, p flick.Page) (_ []*flick.Notification, next string, err error) {
	defer sqldb.Wrap(&err, "sqlite: notifications")
	p = p.Normalize()
	before, beforeID := int64(math.MaxInt64), ""
	if p.Cursor != "" {
		if before, beforeID, err = parseNotificationCursor(p.Cursor); err != nil {
			return nil, "", err
		}
	}
	ns, err := collect(ctx, db.read, scanNotification, inboxSelect+` WHERE n.account_id = ? AND `+inboxShown+`
		AND (n.updated_at < ? OR n.updated_at = ? AND n.id < ?) ORDER BY n.updated_at DESC, n.id DESC LIMIT ?`,
		accountID, before, before, beforeID, p.Limit+1)
	if err != nil {
		return nil, "", err
	}
	if len(ns) > p.Limit {
		ns = ns[:p.Limit]
		last := ns[len(ns)-1]
		next = strconv.FormatInt(millis(last.UpdatedAt), 10) + "." + last.ID
	}
	if err := notificationActors(ctx, db.read, shownActor, ns, flick.NotificationActors); err != nil {
		return nil, "", err
	}
	out := make([]*flick.Notification, len(ns))
	for i := range ns {
		out[i] = &ns[i]
	}
	return out, next, nil
}

func parseNotificationCursor(c string) (int64, string, error) {
	ms, id, ok := strings.Cut(c, ".")
	t, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || t < 0 || !flick.ValidID(id) {
		return 0, "", flick.Errorf(flick.EINVALID, "Cursor is not valid.")
	}
	return t, id, nil
}

// UnreadNotifications counts accountID's unread items.
func (db *DB) UnreadNotifications(ctx context.Context, accountID string) (n int, err error) {
	defer sqldb.Wrap(&err, "sqlite: unread notifications")
	err = db.read.QueryRowContext(ctx, `SELECT count(*) FROM notifications n WHERE n.account_id = ? AND n.read = 0 AND `+inboxShown,
		accountID).Scan(&n)
	return n, err
}

// MarkNotificationsRead marks read accountID's items as recently active as
// upTo or less, or all of them.
func (db *DB) MarkNotificationsRead(ctx context.Context, accountID, upTo string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: mark notifications read")
	return sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		before, beforeID := int64(math.MaxInt64), "\uffff"
		if upTo != "" {
			err := tx.QueryRowContext(ctx, `SELECT updated_at, id FROM notifications WHERE id = ? AND account_id = ?`, upTo, accountID).
				Scan(&before, &beforeID)
			if errors.Is(err, sql.ErrNoRows) {
				return flick.Errorf(flick.ENOTFOUND, "Notification not found.")
			} else if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read = 1 WHERE account_id = ? AND read = 0
			AND (updated_at < ? OR updated_at = ? AND id <= ?)`, accountID, before, before, beforeID)
		return err
	})
}

// CommentsByID returns the comments stored here among ids.
func (db *DB) CommentsByID(ctx context.Context, ids []string) (_ []*flick.Comment, err error) {
	defer sqldb.Wrap(&err, "sqlite: comments by id")
	var out []*flick.Comment
	err = queryBatches(ctx, db.read, commentSelect+` WHERE c.id IN `, nil, ids, func(rows *sql.Rows) error {
		c, err := scanComment(rows)
		out = append(out, &c)
		return err
	})
	return out, err
}

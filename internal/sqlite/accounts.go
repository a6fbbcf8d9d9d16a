package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/sqldb"
)

// accountSelect reads an account. VideoCount is counted over the
// videos_author_status index at O(that author's ready videos), which spares
// keeping a counter in step with every status and visibility change; it
// counts public videos only, since anyone may read it.
const accountSelect = `SELECT a.id, a.handle, a.display_name, a.bio, a.has_avatar, a.email,
	a.birthdate, a.region, a.roles, a.created_at, ` + followerCount + `, a.following_count,
	(SELECT count(*) FROM videos v WHERE v.author_id = a.id AND v.status = 'ready' AND v.visibility = 'public'), a.likes_public
	FROM accounts a`

// followerCount is this region's followers of account a; the router adds
// those of the other regions.
const followerCount = `coalesce((SELECT n FROM follower_counts fc WHERE fc.account_id = a.id), 0)`

func scanAccount(sc interface{ Scan(...any) error }) (*flick.Account, error) {
	var a flick.Account
	var created int64
	var roles string
	if err := sc.Scan(&a.ID, &a.Handle, &a.DisplayName, &a.Bio, &a.HasAvatar, &a.Email,
		&a.Birthdate, &a.Region, &roles, &created, &a.FollowerCount, &a.FollowingCount, &a.VideoCount, &a.LikesPublic); err != nil {
		return nil, err
	}
	a.Roles = strings.Fields(roles)
	a.CreatedAt = fromMillis(created)
	if a.HasAvatar {
		a.AvatarURL = flick.MediaURL(flick.AvatarKey(a.ID))
	}
	return &a, nil
}

func getAccount(ctx context.Context, q querier, where string, arg any) (*flick.Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, accountSelect+" WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, flick.Errorf(flick.ENOTFOUND, "Account not found.")
	}
	return a, err
}

// CreateAccount inserts a, filling in ID and CreatedAt when blank; ECONFLICT
// if the handle is taken.
func (db *DB) CreateAccount(ctx context.Context, a *flick.Account, passwordHash string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: create account")
	if err := db.newRecord(&a.ID, &a.CreatedAt); err != nil {
		return err
	}
	if err := flick.ValidateHandle(a.Handle); err != nil {
		return err
	}
	if passwordHash == "" {
		return flick.Errorf(flick.EINVALID, "Password is required.")
	}
	if a.Region == "" {
		a.Region = flick.DefaultRegion
	}
	_, err = db.write.ExecContext(ctx, `INSERT INTO accounts (id, handle, display_name, search_name, bio,
		has_avatar, email, birthdate, region, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Handle, a.DisplayName, strings.ToLower(a.DisplayName), a.Bio, boolInt(a.HasAvatar), a.Email,
		a.Birthdate, a.Region, passwordHash, millis(a.CreatedAt))
	if sqldb.IsUnique(err) {
		if strings.Contains(err.Error(), "accounts.handle") {
			return flick.Errorf(flick.ECONFLICT, "Handle is already taken.")
		}
		return flick.Errorf(flick.ECONFLICT, "Account already exists.")
	}
	if err != nil {
		return err
	}
	if a.HasAvatar {
		a.AvatarURL = flick.MediaURL(flick.AvatarKey(a.ID))
	}
	a.FollowerCount, a.FollowingCount, a.VideoCount = 0, 0, 0
	return nil
}

// Account returns the account with the given ID.
func (db *DB) Account(ctx context.Context, id string) (_ *flick.Account, err error) {
	defer sqldb.Wrap(&err, "sqlite: account")
	return getAccount(ctx, db.read, "a.id = ?", id)
}

// AccountByHandle returns the account with the given (normalized) handle.
func (db *DB) AccountByHandle(ctx context.Context, handle string) (_ *flick.Account, err error) {
	defer sqldb.Wrap(&err, "sqlite: account by handle")
	return getAccount(ctx, db.read, "a.handle = ?", handle)
}

// PasswordHash returns the account's password hash.
func (db *DB) PasswordHash(ctx context.Context, accountID string) (hash string, err error) {
	defer sqldb.Wrap(&err, "sqlite: password hash")
	err = db.read.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE id = ?`, accountID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", flick.Errorf(flick.ENOTFOUND, "Account not found.")
	}
	return hash, err
}

// UpdateProfile changes the fields of u that are set and returns the account.
func (db *DB) UpdateProfile(ctx context.Context, id string, u flick.ProfileUpdate) (a *flick.Account, err error) {
	defer sqldb.Wrap(&err, "sqlite: update profile")
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var set []string
	var args []any
	if u.DisplayName != nil {
		set = append(set, "display_name = ?", "search_name = ?")
		args = append(args, *u.DisplayName, strings.ToLower(*u.DisplayName))
	}
	if u.Bio != nil {
		set = append(set, "bio = ?")
		args = append(args, *u.Bio)
	}
	if u.LikesPublic != nil {
		set = append(set, "likes_public = ?")
		args = append(args, boolInt(*u.LikesPublic))
	}
	if u.HasAvatar != nil {
		set = append(set, "has_avatar = ?")
		args = append(args, boolInt(*u.HasAvatar))
	}
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if len(set) > 0 {
			if _, err := tx.ExecContext(ctx, "UPDATE accounts SET "+strings.Join(set, ", ")+" WHERE id = ?", append(args, id)...); err != nil {
				return err
			}
		}
		a, err = getAccount(ctx, tx, "a.id = ?", id)
		return err
	})
	return a, err
}

// Follow makes followerID follow followeeID.
func (db *DB) Follow(ctx context.Context, followerID, followeeID string, at time.Time) (changed bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: follow")
	if followerID == followeeID {
		return false, flick.Errorf(flick.EINVALID, "You cannot follow yourself.")
	}
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		if err := db.accountsExist(ctx, tx, followerID, followeeID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO follows (follower_id, followee_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (follower_id, followee_id) DO NOTHING`, followerID, followeeID, millis(at))
		if changed, err = sqldb.Affected(res, err); err != nil || !changed {
			return err
		}
		return adjustFollowCounts(ctx, tx, followerID, followeeID, 1)
	})
	return changed, err
}

// Unfollow makes followerID stop following followeeID.
func (db *DB) Unfollow(ctx context.Context, followerID, followeeID string) (changed bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: unfollow")
	err = sqldb.InTx(ctx, db.write, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM follows WHERE follower_id = ? AND followee_id = ?`, followerID, followeeID)
		if changed, err = sqldb.Affected(res, err); err != nil || !changed {
			return err
		}
		return adjustFollowCounts(ctx, tx, followerID, followeeID, -1)
	})
	return changed, err
}

func adjustFollowCounts(ctx context.Context, tx *sql.Tx, followerID, followeeID string, delta int) error {
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET following_count = following_count + ? WHERE id = ?`, delta, followerID); err != nil {
		return err
	}
	if delta > 0 {
		_, err := tx.ExecContext(ctx, `INSERT INTO follower_counts (account_id, n) VALUES (?, ?)
			ON CONFLICT (account_id) DO UPDATE SET n = n + excluded.n`, followeeID, delta)
		return err
	}
	// No row is kept about an account nobody here follows any more.
	if _, err := tx.ExecContext(ctx, `UPDATE follower_counts SET n = n + ? WHERE account_id = ?`, delta, followeeID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM follower_counts WHERE account_id = ? AND n <= 0`, followeeID)
	return err
}

// accountsExist checks that ownerID is an account of this region and that
// otherID is one of any region.
func (db *DB) accountsExist(ctx context.Context, tx *sql.Tx, ownerID, otherID string) error {
	var owner, other int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM accounts WHERE id = ?), (SELECT count(*) FROM accounts WHERE id = ?)`,
		ownerID, otherID).Scan(&owner, &other); err != nil {
		return err
	}
	if owner == 0 {
		return flick.Errorf(flick.ENOTFOUND, "Account not found.")
	}
	if other == 0 {
		if ok, err := db.elsewhereAccount(ctx, otherID); err != nil || !ok {
			return cmp.Or[error](err, flick.Errorf(flick.ENOTFOUND, "Account not found."))
		}
	}
	return nil
}

// IsFollowing reports whether followerID follows followeeID.
func (db *DB) IsFollowing(ctx context.Context, followerID, followeeID string) (ok bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: is following")
	var n int
	err = db.read.QueryRowContext(ctx, `SELECT count(*) FROM follows WHERE follower_id = ? AND followee_id = ?`,
		followerID, followeeID).Scan(&n)
	return n > 0, err
}

// FollowingIDs lists the accounts accountID follows, most recently followed
// first. The result is never nil, so that a caller passing it on as
// VideoFilter.AuthorIDs asks for "none of these" rather than "anyone".
func (db *DB) FollowingIDs(ctx context.Context, accountID string) (ids []string, err error) {
	defer sqldb.Wrap(&err, "sqlite: following ids")
	rows, err := db.read.QueryContext(ctx, `SELECT followee_id FROM follows WHERE follower_id = ?
		ORDER BY created_at DESC, followee_id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids = []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Followers lists the follows of accountID stored here, newest first.
func (db *DB) Followers(ctx context.Context, accountID string, p flick.Page) (_ []flick.Edge, _ string, err error) {
	defer sqldb.Wrap(&err, "sqlite: followers")
	return db.edgePage(ctx, "follows", "followee_id", "follower_id", accountID, p)
}

// Followees lists the follows of accountID, newest first.
func (db *DB) Followees(ctx context.Context, accountID string, p flick.Page) (_ []flick.Edge, _ string, err error) {
	defer sqldb.Wrap(&err, "sqlite: followees")
	return db.edgePage(ctx, "follows", "follower_id", "followee_id", accountID, p)
}

// edgePage reads a newest-first page of the edges of table whose ownerCol
// is owner, each naming its idCol, ordered by (created_at, idCol) as
// flick.NewestEdgeFirst does and as the table's index on (ownerCol,
// created_at, idCol) is. Table and columns are constants of the callers.
func (db *DB) edgePage(ctx context.Context, table, ownerCol, idCol, owner string, p flick.Page) ([]flick.Edge, string, error) {
	p = p.Normalize()
	after, err := flick.ParseEdgeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	query := "SELECT " + idCol + ", created_at FROM " + table + " WHERE " + ownerCol + " = ?"
	args := []any{owner}
	if p.Cursor != "" {
		query += " AND (created_at < ? OR created_at = ? AND " + idCol + " < ?)"
		args = append(args, millis(after.At), millis(after.At), after.ID)
	}
	query += " ORDER BY created_at DESC, " + idCol + " DESC LIMIT ?"
	edges, err := collect(ctx, db.read, scanEdge, query, append(args, p.Limit+1)...)
	if err != nil || len(edges) <= p.Limit {
		return edges, "", err
	}
	edges = edges[:p.Limit]
	return edges, flick.EdgeCursor(edges[p.Limit-1]), nil
}

// FollowingAmong returns which of ids followerID follows.
func (db *DB) FollowingAmong(ctx context.Context, followerID string, ids []string) (_ map[string]bool, err error) {
	defer sqldb.Wrap(&err, "sqlite: following among")
	return idSet(ctx, db.read, `SELECT followee_id FROM follows WHERE follower_id = ? AND followee_id IN `, []any{followerID}, ids)
}

// AccountRefs returns the public summaries of the accounts stored here among ids.
func (db *DB) AccountRefs(ctx context.Context, ids []string) (_ map[string]flick.AccountRef, err error) {
	defer sqldb.Wrap(&err, "sqlite: account refs")
	refs := map[string]flick.AccountRef{}
	err = queryBatches(ctx, db.read, `SELECT id, handle, display_name, has_avatar FROM accounts WHERE id IN `, nil, ids,
		func(rows *sql.Rows) error {
			var r flick.AccountRef
			var hasAvatar bool
			if err := rows.Scan(&r.ID, &r.Handle, &r.DisplayName, &hasAvatar); err != nil {
				return err
			}
			if hasAvatar {
				r.AvatarURL = flick.MediaURL(flick.AvatarKey(r.ID))
			}
			refs[r.ID] = r
			return nil
		})
	return refs, err
}

// likeEscaper escapes LIKE's wildcards (and the escape character itself) so
// that user input only ever matches literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchAccounts matches q as a case-insensitive prefix of handles and display
// names: exact handle first, then the most followed.
func (db *DB) SearchAccounts(ctx context.Context, q string, limit int) (accounts []*flick.Account, err error) {
	defer sqldb.Wrap(&err, "sqlite: search accounts")
	q = strings.ToLower(strings.TrimSpace(q))
	handle := flick.NormalizeHandle(q)
	if q == "" {
		return nil, nil
	}
	limit = flick.Page{Limit: limit}.Normalize().Limit
	rows, err := db.read.QueryContext(ctx, accountSelect+` WHERE a.handle LIKE ? ESCAPE '\' OR a.search_name LIKE ? ESCAPE '\'
		ORDER BY CASE WHEN a.handle = ? THEN 0 ELSE 1 END, `+followerCount+` DESC, a.handle LIMIT ?`,
		likeEscaper.Replace(handle)+"%", likeEscaper.Replace(q)+"%", handle, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, a)
	}
	return accounts, rows.Err()
}

// SetRoles replaces the roles granted to account id.
func (db *DB) SetRoles(ctx context.Context, id string, roles []string) (err error) {
	defer sqldb.Wrap(&err, "sqlite: set roles")
	for _, r := range roles {
		if r != flick.RoleAdmin && r != flick.RoleAuditor {
			return flick.Errorf(flick.EINVALID, "Unknown role %q.", r)
		}
	}
	res, err := db.write.ExecContext(ctx, `UPDATE accounts SET roles = ? WHERE id = ?`, strings.Join(roles, " "), id)
	return sqldb.Found(res, err, "Account")
}

// FollowerCounts returns how many accounts of this region follow each of ids.
func (db *DB) FollowerCounts(ctx context.Context, ids []string) (_ map[string]int64, err error) {
	defer sqldb.Wrap(&err, "sqlite: follower counts")
	return db.countsByID(ctx, `SELECT account_id, n FROM follower_counts WHERE account_id IN `, ids)
}

// AccountHandles returns the handle of every account stored here, by ID:
// what the global directory needs to adopt a region's accounts.
func (db *DB) AccountHandles(ctx context.Context) (_ map[string]string, err error) {
	defer sqldb.Wrap(&err, "sqlite: account handles")
	rows, err := db.read.QueryContext(ctx, `SELECT id, handle FROM accounts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	handles := map[string]string{}
	for rows.Next() {
		var id, handle string
		if err := rows.Scan(&id, &handle); err != nil {
			return nil, err
		}
		handles[id] = handle
	}
	return handles, rows.Err()
}

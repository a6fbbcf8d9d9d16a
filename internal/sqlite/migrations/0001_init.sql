-- Flick's metadata schema, first version.
--
-- Kept close to standard SQL so that internal/postgres can mirror it: TEXT ids
-- (flick.NewID, time-sortable), INTEGER counters and flags (0/1), timestamps as
-- INTEGER unix milliseconds, ON DELETE CASCADE for everything hanging off a
-- video. The one SQLite-only part, full-text search, is at the end.

CREATE TABLE accounts (
    id              TEXT PRIMARY KEY,
    handle          TEXT NOT NULL,
    display_name    TEXT NOT NULL DEFAULT '',
    -- lower-cased in Go (SQLite's lower() only folds ASCII) for prefix search
    search_name     TEXT NOT NULL DEFAULT '',
    bio             TEXT NOT NULL DEFAULT '',
    has_avatar      INTEGER NOT NULL DEFAULT 0,
    email           TEXT NOT NULL DEFAULT '',
    birthdate       TEXT NOT NULL DEFAULT '',
    region          TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    -- maintained in the follow/unfollow transaction: counting the followers of
    -- a popular account on every profile view would cost O(followers)
    follower_count  INTEGER NOT NULL DEFAULT 0,
    following_count INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX accounts_handle ON accounts (handle);

CREATE TABLE follows (
    follower_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    followee_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, follower_id);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash   BLOB NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_account ON sessions (account_id, id);

CREATE TABLE videos (
    id           TEXT PRIMARY KEY,
    author_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    caption      TEXT NOT NULL DEFAULT '',
    mentions     TEXT NOT NULL DEFAULT '', -- space-separated handles
    status       TEXT NOT NULL,
    progress     INTEGER NOT NULL DEFAULT 0,
    failure      TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL DEFAULT 0,
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    original_key TEXT NOT NULL DEFAULT '',
    poster_key   TEXT NOT NULL DEFAULT '',
    complete     INTEGER NOT NULL DEFAULT 0
);
-- newest-first listings of ready videos, overall and per author; the latter
-- also counts an author's ready videos (Account.VideoCount) without a counter
CREATE INDEX videos_status ON videos (status, id);
CREATE INDEX videos_status_created ON videos (status, created_at);
CREATE INDEX videos_author_status ON videos (author_id, status, id);
CREATE INDEX videos_author ON videos (author_id, id);
-- the transcoder's resume list stays small however many videos are finished
CREATE INDEX videos_unfinished ON videos (id) WHERE complete = 0 AND status <> 'failed';

CREATE TABLE video_hashtags (
    video_id TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    tag      TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (video_id, tag)
);
CREATE INDEX video_hashtags_tag ON video_hashtags (tag, video_id);

CREATE TABLE renditions (
    video_id TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    width    INTEGER NOT NULL,
    height   INTEGER NOT NULL,
    bitrate  INTEGER NOT NULL,
    size     INTEGER NOT NULL,
    blob_key TEXT NOT NULL,
    mime     TEXT NOT NULL,
    PRIMARY KEY (video_id, name)
);

-- Counters are a projection of the event log, written only by ApplyProjection.
CREATE TABLE video_counts (
    video_id TEXT PRIMARY KEY REFERENCES videos (id) ON DELETE CASCADE,
    views    INTEGER NOT NULL DEFAULT 0,
    likes    INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    shares   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE projection_positions (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
);

CREATE TABLE watches (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    video_id   TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    watch_ms   INTEGER NOT NULL,
    completed  INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, video_id)
);
CREATE INDEX watches_video ON watches (video_id);

CREATE TABLE likes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    video_id   TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, video_id)
);
CREATE INDEX likes_video ON likes (video_id);

CREATE TABLE comments (
    id          TEXT PRIMARY KEY,
    video_id    TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- NULL for a top-level comment; replies always name a top-level comment
    parent_id   TEXT REFERENCES comments (id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    -- maintained when a reply is inserted (comments are never edited)
    reply_count INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX comments_video ON comments (video_id, parent_id, id);
CREATE INDEX comments_parent ON comments (parent_id, id);

-- SQLite only: full-text search over captions and hashtags with FTS5.
-- PostgreSQL would use a tsvector column instead. FTS5 rows are keyed by an
-- integer rowid, and a plain table's rowid may change on VACUUM, so
-- video_search_rows pins one (INTEGER PRIMARY KEY is stable) to each video.
CREATE TABLE video_search_rows (
    rowid    INTEGER PRIMARY KEY,
    video_id TEXT NOT NULL UNIQUE REFERENCES videos (id) ON DELETE CASCADE
);
CREATE VIRTUAL TABLE video_search USING fts5 (
    caption, hashtags,
    tokenize = 'unicode61 remove_diacritics 2'
);

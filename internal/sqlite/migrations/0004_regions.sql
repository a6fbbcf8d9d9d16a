-- Regions. A region's database keeps the personal data of the accounts homed
-- there, and that data may name accounts, videos and comments of any region:
-- an eu viewer likes, watches, comments on and follows a us creator. So the
-- references to other people's records lose their foreign keys (the store
-- checks them through flick.Elsewhere instead), while everything still hangs
-- off its local owner with ON DELETE CASCADE. Records about something deleted
-- in another region are removed when that region's remove event arrives.
--
-- Per-region aggregates: video_counts may hold counts for videos of other
-- regions (what this region's viewers did), and follower_counts counts this
-- region's followers of any account; a reader sums them over the regions.
-- Reply counts are counted at read time for the same reason.
--
-- accounts.roles: space-separated roles granted by the operator ("admin",
-- "auditor").

CREATE TABLE follows_new (
    follower_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    followee_id TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
INSERT INTO follows_new SELECT follower_id, followee_id, created_at FROM follows;
DROP TABLE follows;
ALTER TABLE follows_new RENAME TO follows;
CREATE INDEX follows_followee ON follows (followee_id, follower_id);

CREATE TABLE follower_counts (
    account_id TEXT PRIMARY KEY,
    n          INTEGER NOT NULL
);
INSERT INTO follower_counts (account_id, n) SELECT followee_id, count(*) FROM follows GROUP BY followee_id;
ALTER TABLE accounts DROP COLUMN follower_count;
ALTER TABLE accounts ADD COLUMN roles TEXT NOT NULL DEFAULT '';

CREATE TABLE likes_new (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    video_id   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, video_id)
);
INSERT INTO likes_new SELECT account_id, video_id, created_at FROM likes;
DROP TABLE likes;
ALTER TABLE likes_new RENAME TO likes;
CREATE INDEX likes_video ON likes (video_id);

CREATE TABLE watches_new (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    video_id   TEXT NOT NULL,
    watch_ms   INTEGER NOT NULL,
    completed  INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, video_id)
);
INSERT INTO watches_new SELECT account_id, video_id, watch_ms, completed, last_at FROM watches;
DROP TABLE watches;
ALTER TABLE watches_new RENAME TO watches;
CREATE INDEX watches_video ON watches (video_id);

CREATE TABLE comments_new (
    id          TEXT PRIMARY KEY,
    video_id    TEXT NOT NULL,
    author_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- NULL for a top-level comment; replies always name a top-level comment,
    -- which may be stored in another region
    parent_id   TEXT,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
INSERT INTO comments_new SELECT id, video_id, author_id, parent_id, body, created_at FROM comments;
DROP TABLE comments;
ALTER TABLE comments_new RENAME TO comments;
CREATE INDEX comments_video ON comments (video_id, parent_id, id);
CREATE INDEX comments_parent ON comments (parent_id, id);
CREATE INDEX comments_author ON comments (author_id);

CREATE TABLE blocks_new (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    creator_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, creator_id)
);
INSERT INTO blocks_new SELECT account_id, creator_id, created_at FROM blocks;
DROP TABLE blocks;
ALTER TABLE blocks_new RENAME TO blocks;
CREATE INDEX blocks_creator ON blocks (creator_id);

CREATE TABLE not_interested_new (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    video_id   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, video_id)
);
INSERT INTO not_interested_new SELECT account_id, video_id, created_at FROM not_interested;
DROP TABLE not_interested;
ALTER TABLE not_interested_new RENAME TO not_interested;
CREATE INDEX not_interested_video ON not_interested (video_id);

CREATE TABLE video_counts_new (
    video_id TEXT PRIMARY KEY,
    views    INTEGER NOT NULL DEFAULT 0,
    likes    INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    shares   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO video_counts_new SELECT video_id, views, likes, comments, shares FROM video_counts;
DROP TABLE video_counts;
ALTER TABLE video_counts_new RENAME TO video_counts;

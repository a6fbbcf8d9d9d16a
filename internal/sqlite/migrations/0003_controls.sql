-- Viewer controls (personal data of the viewer): hidden creators, videos
-- marked "not interested", and feed settings.

CREATE TABLE blocks (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    creator_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, creator_id)
);
CREATE INDEX blocks_creator ON blocks (creator_id);

CREATE TABLE not_interested (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    video_id   TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, video_id)
);
CREATE INDEX not_interested_video ON not_interested (video_id);

CREATE TABLE viewer_settings (
    account_id       TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    non_personalized INTEGER NOT NULL DEFAULT 0,
    -- normalized filters, one a line (a filter is a single printable line)
    keyword_filters  TEXT NOT NULL DEFAULT ''
);

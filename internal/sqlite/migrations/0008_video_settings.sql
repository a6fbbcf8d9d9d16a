-- What a creator chooses about each video after (or while) uploading it:
-- who may watch it, whether people may comment, the frame its poster shows,
-- and whether it is pinned to the top of their profile (pinned_at, unix
-- milliseconds, 0 when not pinned).
ALTER TABLE videos ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE videos ADD COLUMN comments_enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE videos ADD COLUMN cover_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE videos ADD COLUMN pinned_at INTEGER NOT NULL DEFAULT 0;
-- the poster of an existing video is the frame the transcoder chose
UPDATE videos SET cover_ms = 1000 WHERE duration_ms >= 2000;
-- listings of public videos (For You's catalogue, Trending, search) and a
-- profile's pinned videos
CREATE INDEX videos_visibility_created ON videos (status, visibility, created_at);
CREATE INDEX videos_author_pinned ON videos (author_id, pinned_at) WHERE pinned_at > 0;

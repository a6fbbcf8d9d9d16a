-- A copy of each video's hashtags on its row, space-separated in caption
-- order, so that reading a video needs no aggregate over video_hashtags (which
-- still serves the hashtag filter). Hashtags never change after upload, so
-- the copy cannot drift.
ALTER TABLE videos ADD COLUMN hashtags TEXT NOT NULL DEFAULT '';

UPDATE videos SET hashtags = coalesce(
    (SELECT string_agg(h.tag, ' ' ORDER BY h.position) FROM video_hashtags h WHERE h.video_id = videos.id), '');

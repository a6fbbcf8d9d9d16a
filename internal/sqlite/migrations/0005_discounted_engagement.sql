-- The engagement a video's counters include but Trending must not: what
-- events of new accounts and bursting clients fell short of full ones
-- (flick.Counts.Discounted). Existing rows were counted fully.
ALTER TABLE video_counts ADD COLUMN discounted REAL NOT NULL DEFAULT 0;

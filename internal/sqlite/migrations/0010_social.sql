-- The social graph people see: followers and following lists and the
-- "Liked" tab, each newest first and paged on (created_at, id), so each gets
-- an index in that order (follows_followee's prefix is in the new one).
--
-- accounts.likes_public: the account shows the videos it liked on its
-- profile to everyone (0: to itself only).

ALTER TABLE accounts ADD COLUMN likes_public INTEGER NOT NULL DEFAULT 0;

DROP INDEX follows_followee;
CREATE INDEX follows_followee ON follows (followee_id, created_at, follower_id);
CREATE INDEX follows_follower ON follows (follower_id, created_at, followee_id);
CREATE INDEX likes_account ON likes (account_id, created_at, video_id);

-- Deleting comments and liking them.
--
-- comments.deleted: a deleted comment that still has replies (in any
-- region) stays as a tombstone so that its thread stays readable: its body
-- is emptied (the author's words are gone from the store) and readers show
-- neither text nor author. The row keeps author_id only so that it lives,
-- and is erased, with its author's other records. A deleted comment without
-- replies, and a tombstone whose last reply goes, are deleted outright.
--
-- comment_likes: who liked which comment, personal data of the liker, kept
-- in the liker's home region like likes of videos, and erased with the
-- account. The comment may be stored in another region (its author's), so
-- comment_id has no foreign key; video_id lets a video's removal forget
-- its comments' likes. A comment's like count is counted at read time and
-- summed over the regions, like reply counts.

ALTER TABLE comments ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;

CREATE TABLE comment_likes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment_id TEXT NOT NULL,
    video_id   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, comment_id)
);
CREATE INDEX comment_likes_comment ON comment_likes (comment_id);
CREATE INDEX comment_likes_video ON comment_likes (video_id);

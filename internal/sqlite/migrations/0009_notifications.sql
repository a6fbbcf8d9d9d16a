-- Notifications: each account's inbox, built from the event logs of every
-- region and kept in the recipient's home region (personal data of the
-- recipient, erased with it by ON DELETE CASCADE). An item groups the events
-- of one type about one target (a video, a comment, '' for follows) while it
-- is younger than flick.NotificationWindow; its actors are rows of
-- notification_actors, which name accounts of any region (no foreign key:
-- EraseReferences removes an erased actor), and the videos and comments it
-- names are read at display time, so that nothing of another person is
-- copied here but their ID.

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type       TEXT NOT NULL,
    target     TEXT NOT NULL,
    video_id   TEXT NOT NULL DEFAULT '',
    comment_id TEXT NOT NULL DEFAULT '',
    -- the first event's time, from which the grouping window counts
    started_at INTEGER NOT NULL,
    -- the latest event's time, which orders the inbox
    updated_at INTEGER NOT NULL,
    read       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_inbox ON notifications (account_id, updated_at, id);
CREATE INDEX notifications_group ON notifications (account_id, type, target, started_at);
CREATE INDEX notifications_unread ON notifications (account_id) WHERE read = 0;
CREATE INDEX notifications_video ON notifications (video_id);

CREATE TABLE notification_actors (
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    actor_id        TEXT NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (notification_id, actor_id)
);
CREATE INDEX notification_actors_actor ON notification_actors (actor_id);
CREATE INDEX notification_actors_latest ON notification_actors (notification_id, at);

-- The global directory: account ID → home region and handle → account ID,
-- and the journals of moves and erasures.
--
-- IF NOT EXISTS, as in no later migration: directory.db files made before
-- the directory had migrations hold some or all of these tables, with these
-- very columns (older versions created the journals' tables when the mover
-- and the data-rights service started), and no record of them. This first
-- migration adopts such a file: it creates only what the file lacks, and is
-- recorded as applied.
CREATE TABLE IF NOT EXISTS accounts (
    id     TEXT PRIMARY KEY,
    region TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS handles (
    handle     TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE
);

-- The move and erasure journals are tables of the directory's file, so that
-- the switch of a move (the account's new home and the journal's
-- "switched") is one transaction, and so is the end of an erasure (the
-- directory entry and the journal row): whatever moment a move or an erasure
-- is killed at, the journal tells a rerun where it stands.
CREATE TABLE IF NOT EXISTS moves (
    account_id TEXT PRIMARY KEY,
    move_id    TEXT NOT NULL,
    source     TEXT NOT NULL,
    target     TEXT NOT NULL,
    phase      TEXT NOT NULL,
    actor      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    media      TEXT NOT NULL, -- JSON array of the source's media keys
    receipt    TEXT
);
CREATE TABLE IF NOT EXISTS erasures (
    account_id TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL
);

-- entries holds each appended record exactly as it was hashed into the tree:
-- the entry's compact JSON. account_id repeats the record's field so that
-- an account's entries can be found; verification checks that it matches.
CREATE TABLE entries (
	idx        INTEGER PRIMARY KEY,
	account_id TEXT NOT NULL,
	record     BLOB NOT NULL
) STRICT;
CREATE INDEX entries_account ON entries (account_id, idx);

-- hashes holds the tree's stored hashes (golang.org/x/mod/sumdb/tlog), by
-- stored hash index: what proofs are built from.
CREATE TABLE hashes (
	idx  INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
) STRICT;

-- checkpoints holds the signed checkpoint note of every size the log had,
-- written in the same transaction as the entries it covers.
CREATE TABLE checkpoints (
	size INTEGER PRIMARY KEY,
	note TEXT NOT NULL
) STRICT;

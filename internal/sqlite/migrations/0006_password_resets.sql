-- Password resets. A reset is personal data of its account, kept in the
-- account's home region and erased with it (ON DELETE CASCADE). Only the
-- SHA-256 hash of the token is stored; an account has at most one pending
-- reset (a new one replaces it), and using it deletes it.
--
-- devices: the devices (by the SHA-256 hash of a random token the device
-- keeps) that signed in to an account; such a device keeps its own rate
-- limit when strangers guess the account's password. Personal data like a
-- session, erased with the account, and forgotten when the password
-- changes.

CREATE TABLE devices (
    token_hash BLOB NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, token_hash)
);

-- accounts_email finds the accounts to mail when someone asks for a reset
-- by email.

CREATE TABLE password_resets (
    token_hash BLOB PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX password_resets_account ON password_resets (account_id);

CREATE INDEX accounts_email ON accounts (email) WHERE email != '';

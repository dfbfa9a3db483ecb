-- Signed checkpoints of the audit chain (第16条, issue 14 §3): the head
-- `{seq, hash, at}` signed with an Ed25519 key kept in the data directory, so
-- that a chain cut short or rewritten from the start no longer verifies.
-- `slot` is the start (epoch minutes) of the scheduled interval a checkpoint
-- was taken for; UNIQUE makes "one per interval" a fact of the data on both
-- backends, whichever instance gets there first (on-demand ones have none).
CREATE TABLE audit_checkpoints (
    id INTEGER PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    kid TEXT NOT NULL,
    jws TEXT NOT NULL,
    cause TEXT NOT NULL CHECK (cause IN ('schedule', 'inspection')),
    slot BIGINT UNIQUE
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints(seq);

-- The public halves of the keys that sign checkpoints; the signing seed
-- never leaves the data directory.
CREATE TABLE audit_checkpoint_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    public_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Both are evidence, only ever inserted into, like audit_events.
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
CREATE TRIGGER audit_checkpoint_keys_no_update BEFORE UPDATE ON audit_checkpoint_keys
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoint_keys is append-only');
END;
CREATE TRIGGER audit_checkpoint_keys_no_delete BEFORE DELETE ON audit_checkpoint_keys
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoint_keys is append-only');
END;

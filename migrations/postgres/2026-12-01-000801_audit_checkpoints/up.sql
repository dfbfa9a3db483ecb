-- Signed checkpoints of the audit chain (第16条, issue 14 §3): the head
-- `{seq, hash, at}` signed with an Ed25519 key kept in the data directory, so
-- that a chain cut short or rewritten from the start no longer verifies.
-- `slot` is the start (epoch minutes) of the scheduled interval a checkpoint
-- was taken for; UNIQUE makes "one per interval" a fact of the data on both
-- backends, whichever instance gets there first (on-demand ones have none).
CREATE TABLE audit_checkpoints (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_checkpoint_keys_no_change BEFORE UPDATE OR DELETE ON audit_checkpoint_keys
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_checkpoint_keys_no_truncate BEFORE TRUNCATE ON audit_checkpoint_keys
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

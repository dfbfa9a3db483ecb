-- The permit keys every instance on this database publishes and accepts
-- (issue 12): a rotation on one instance reaches the others through here.
-- Only public halves: the signing seed stays in the data directory.
CREATE TABLE permit_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    public_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);

-- A row per signed-in session: when it was last used, for the idle limit
-- (DAICHO_SESSION_IDLE_MINUTES). Instances share it, so a session used on
-- one instance is not idle on another.
CREATE TABLE sessions (
    jti TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_id ON sessions(user_id);
CREATE INDEX sessions_created_at ON sessions(created_at);

-- Failed sign-ins under names that belong to nobody count and lock exactly as
-- a real account's do, so that the answers never tell which names exist.
CREATE TABLE login_failures (
    name TEXT PRIMARY KEY,
    failed_logins INTEGER NOT NULL,
    locked_until TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_updated_at ON login_failures(updated_at);

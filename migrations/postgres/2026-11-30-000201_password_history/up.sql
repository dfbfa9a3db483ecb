-- 第11条: a person's latest passwords (their argon2 hashes), so that none of them comes
-- back at the next change or reset. Seeded with every current password.
CREATE TABLE password_history (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    password_hash TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL
);
CREATE INDEX password_history_user_id ON password_history(user_id, set_at);

INSERT INTO password_history (user_id, password_hash, set_at)
SELECT id, password_hash, password_changed_at FROM users;

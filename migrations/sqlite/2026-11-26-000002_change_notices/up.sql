-- The pair of PostgreSQL's change-notice triggers. SQLite needs none: every instance shares
-- one file, and src/db/changes.rs learns of other connections' commits from
-- PRAGMA data_version. Kept so that both backends carry the same migration history.
SELECT 1;

-- The register's search with plans that do not depend on the term (issue 18). diesel caches
-- prepared statements, and PostgreSQL's generic plan of one cannot see a bound LIKE pattern:
-- a prefix is matched as a range `tag >= $1 AND tag < $2` instead, which an index answers
-- whatever the value.
--
-- Asset tags are A-Z, 0-9 and '-': in binary order (as on SQLite) one B-tree serves the
-- uniqueness, the list's order and the prefix range, under any database collation. The
-- filter indexes ending in asset_tag are rebuilt in that order too.
ALTER TABLE equipment ALTER COLUMN asset_tag TYPE TEXT COLLATE "C";
DROP INDEX equipment_tag_prefix;

-- A GIN index collects new entries in a pending list that every search reads from start to
-- end, up to gin_pending_list_limit (4 MB by default) before it is merged: after a large
-- import the name and model searches paid 7-9 ms each for it. A 256 kB list keeps that
-- under a millisecond; an import merges it a little more often.
ALTER INDEX equipment_name_trgm SET (gin_pending_list_limit = 256);
ALTER INDEX equipment_model_trgm SET (gin_pending_list_limit = 256);
SELECT gin_clean_pending_list('equipment_name_trgm'::regclass);
SELECT gin_clean_pending_list('equipment_model_trgm'::regclass);

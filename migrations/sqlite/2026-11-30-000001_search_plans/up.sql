-- Issue 18 changes PostgreSQL only (the asset tag in binary order, the trigram indexes'
-- pending lists). SQLite already compares text in binary order and matches prefixes as
-- index ranges; its FTS5 trigram index has no pending list. This file keeps the pair.
SELECT 1;

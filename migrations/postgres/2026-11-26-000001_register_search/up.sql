-- The register's list and search at 100,000 devices (issue 3): every search is an index
-- range or a small index lookup, never a sequential scan.
--
-- Name and model (free text) are matched anywhere, any case (ILIKE), through trigram GIN
-- indexes. pg_trgm ships with PostgreSQL (Debian: in the server package) and is a trusted
-- extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP INDEX equipment_name;
DROP INDEX equipment_model;
CREATE INDEX equipment_name_trgm ON equipment USING gin (name gin_trgm_ops);
CREATE INDEX equipment_model_trgm ON equipment USING gin (model gin_trgm_ops);

-- The asset tag and the serial number are matched by prefix (LIKE 'X%'): text_pattern_ops
-- makes that an index range whatever the database's collation.
DROP INDEX equipment_serial_number;
CREATE INDEX equipment_tag_prefix ON equipment (asset_tag text_pattern_ops);
CREATE INDEX equipment_serial_prefix ON equipment (upper(serial_number) text_pattern_ops);

-- Each single filter in tag order, so a page and its bounded count read the index in order
-- and stop (the two-column filters have their own indexes from 2026-11-25-000004).
-- These also serve as the foreign-key indexes they replace.
DROP INDEX equipment_zone_id;
DROP INDEX equipment_department_id;
DROP INDEX equipment_kind;
DROP INDEX equipment_status;
DROP INDEX equipment_key_equipment;
CREATE INDEX equipment_zone_tag ON equipment(zone_id, asset_tag);
CREATE INDEX equipment_department_tag ON equipment(department_id, asset_tag);
CREATE INDEX equipment_kind_tag ON equipment(kind, asset_tag);
CREATE INDEX equipment_status_tag ON equipment(status, asset_tag);
CREATE INDEX equipment_key_tag ON equipment(key_equipment, asset_tag);

-- The register's list and search at 100,000 devices (issue 3): every search is an index
-- range or a small index lookup, never a walk through every row.
--
-- Text search: the asset tag and the serial number are matched by prefix through B-tree
-- ranges; only the name and the model (free text) need the trigram index. The old index held
-- all four in one body, so a term like "SN0000" or "SRV-0005" walked trigrams ("SN0",
-- "SRV") that every row has.
DROP TRIGGER equipment_search_insert;
DROP TRIGGER equipment_search_update;
DROP TRIGGER equipment_search_delete;
DROP TABLE equipment_search;

CREATE VIRTUAL TABLE equipment_text USING fts5(name, model, tokenize = 'trigram', content = '');
INSERT INTO equipment_text(rowid, name, model)
    SELECT id, name, coalesce(model, '') FROM equipment;
CREATE TRIGGER equipment_text_insert AFTER INSERT ON equipment BEGIN
    INSERT INTO equipment_text(rowid, name, model) VALUES (new.id, new.name, coalesce(new.model, ''));
END;
CREATE TRIGGER equipment_text_update AFTER UPDATE OF name, model ON equipment
WHEN old.name IS NOT new.name OR old.model IS NOT new.model BEGIN
    INSERT INTO equipment_text(equipment_text, rowid, name, model)
    VALUES ('delete', old.id, old.name, coalesce(old.model, ''));
    INSERT INTO equipment_text(rowid, name, model) VALUES (new.id, new.name, coalesce(new.model, ''));
END;
CREATE TRIGGER equipment_text_delete AFTER DELETE ON equipment BEGIN
    INSERT INTO equipment_text(equipment_text, rowid, name, model)
    VALUES ('delete', old.id, old.name, coalesce(old.model, ''));
END;

-- Serial numbers by prefix, any case (the search upper-cases ASCII like upper() does).
-- Plain indexes on name and model served no query: LIKE '%x%' cannot use them.
DROP INDEX equipment_name;
DROP INDEX equipment_model;
DROP INDEX equipment_serial_number;
CREATE INDEX equipment_serial_upper ON equipment(upper(serial_number));

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

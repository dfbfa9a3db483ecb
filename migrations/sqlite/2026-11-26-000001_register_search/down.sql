DROP INDEX equipment_zone_tag;
DROP INDEX equipment_department_tag;
DROP INDEX equipment_kind_tag;
DROP INDEX equipment_status_tag;
DROP INDEX equipment_key_tag;
CREATE INDEX equipment_department_id ON equipment(department_id);
CREATE INDEX equipment_zone_id ON equipment(zone_id);
CREATE INDEX equipment_kind ON equipment(kind);
CREATE INDEX equipment_status ON equipment(status);
CREATE INDEX equipment_key_equipment ON equipment(key_equipment);

DROP INDEX equipment_serial_upper;
CREATE INDEX equipment_name ON equipment(name);
CREATE INDEX equipment_serial_number ON equipment(serial_number);
CREATE INDEX equipment_model ON equipment(model);

DROP TRIGGER equipment_text_insert;
DROP TRIGGER equipment_text_update;
DROP TRIGGER equipment_text_delete;
DROP TABLE equipment_text;

CREATE VIRTUAL TABLE equipment_search USING fts5(body, tokenize = 'trigram', content = '');
INSERT INTO equipment_search(rowid, body)
    SELECT id, asset_tag || ' ' || name || ' ' || coalesce(serial_number, '') || ' ' || coalesce(model, '') FROM equipment;
CREATE TRIGGER equipment_search_insert AFTER INSERT ON equipment BEGIN
    INSERT INTO equipment_search(rowid, body)
    VALUES (new.id, new.asset_tag || ' ' || new.name || ' ' || coalesce(new.serial_number, '') || ' ' || coalesce(new.model, ''));
END;
CREATE TRIGGER equipment_search_update AFTER UPDATE OF asset_tag, name, serial_number, model ON equipment BEGIN
    INSERT INTO equipment_search(equipment_search, rowid, body)
    VALUES ('delete', old.id, old.asset_tag || ' ' || old.name || ' ' || coalesce(old.serial_number, '') || ' ' || coalesce(old.model, ''));
    INSERT INTO equipment_search(rowid, body)
    VALUES (new.id, new.asset_tag || ' ' || new.name || ' ' || coalesce(new.serial_number, '') || ' ' || coalesce(new.model, ''));
END;
CREATE TRIGGER equipment_search_delete AFTER DELETE ON equipment BEGIN
    INSERT INTO equipment_search(equipment_search, rowid, body)
    VALUES ('delete', old.id, old.asset_tag || ' ' || old.name || ' ' || coalesce(old.serial_number, '') || ' ' || coalesce(old.model, ''));
END;

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

DROP INDEX equipment_tag_prefix;
DROP INDEX equipment_serial_prefix;
CREATE INDEX equipment_serial_number ON equipment(serial_number);

DROP INDEX equipment_name_trgm;
DROP INDEX equipment_model_trgm;
CREATE INDEX equipment_name ON equipment(name);
CREATE INDEX equipment_model ON equipment(model);
-- pg_trgm stays: it may have been installed before this migration, for other uses.

DROP TRIGGER equipment_search_insert;
DROP TRIGGER equipment_search_update;
DROP TRIGGER equipment_search_delete;
DROP TABLE equipment_search;
DROP INDEX equipment_zone_status_tag;
DROP INDEX equipment_kind_key_tag;
DROP INDEX equipment_department_status_tag;
DROP TABLE disposals;

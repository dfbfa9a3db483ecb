DROP INDEX equipment_zone_status_tag;
DROP INDEX equipment_kind_key_tag;
DROP INDEX equipment_department_status_tag;
DROP TABLE disposals;
DROP FUNCTION disposals_keep();

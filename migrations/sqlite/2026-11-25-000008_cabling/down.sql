DROP TABLE cabling_change_equipment;
DROP TABLE cabling_changes;

DROP TABLE incident_equipment;
DROP TABLE incidents;

DROP TABLE incident_equipment;
DROP TABLE incidents;
DROP FUNCTION incidents_kept();

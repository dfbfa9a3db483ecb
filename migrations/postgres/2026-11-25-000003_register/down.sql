DROP TABLE movements;
DROP TABLE equipment;
DROP TABLE zone_managers;
DROP TABLE zones;

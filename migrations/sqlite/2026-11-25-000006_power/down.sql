DROP TABLE ups_events;
DROP TABLE ups_readings;
DROP TABLE ups_units;

DROP TABLE zone_presence;
DROP TABLE access_carry_outs;
DROP TABLE access_events;
DROP TABLE permits;

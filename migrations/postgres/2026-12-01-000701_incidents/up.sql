-- Incidents and faults (第10条, 第27条): reported by anyone, answered by a security
-- manager of the zone or department (response, cause, prevention), then closed.
-- A closed record is kept as it was, and no record is ever deleted.
CREATE TABLE incidents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('incident', 'fault')),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    found_at TIMESTAMP NOT NULL,
    zone_id BIGINT REFERENCES zones(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    source TEXT,
    state TEXT NOT NULL CHECK (state IN ('open', 'responded', 'closed')),
    reported_by BIGINT NOT NULL REFERENCES users(id),
    reported_at TIMESTAMP NOT NULL,
    response TEXT,
    cause TEXT,
    prevention TEXT,
    responded_by BIGINT REFERENCES users(id),
    responded_at TIMESTAMP,
    closed_by BIGINT REFERENCES users(id),
    closed_at TIMESTAMP,
    CHECK (state = 'open' OR (response IS NOT NULL AND cause IS NOT NULL AND prevention IS NOT NULL)),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX incidents_state ON incidents(state);
CREATE INDEX incidents_zone_id ON incidents(zone_id);
CREATE INDEX incidents_department_id ON incidents(department_id);
CREATE INDEX incidents_reported_by ON incidents(reported_by);
CREATE INDEX incidents_responded_by ON incidents(responded_by);
CREATE INDEX incidents_closed_by ON incidents(closed_by);

CREATE TABLE incident_equipment (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    equipment_id BIGINT NOT NULL REFERENCES equipment(id),
    PRIMARY KEY (incident_id, equipment_id)
);
CREATE INDEX incident_equipment_equipment_id ON incident_equipment(equipment_id);

CREATE FUNCTION incidents_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.state <> 'closed' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'incident records are kept (%), closed ones unchanged', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER incidents_kept BEFORE UPDATE OR DELETE ON incidents
FOR EACH ROW EXECUTE FUNCTION incidents_kept();
CREATE TRIGGER incidents_no_truncate BEFORE TRUNCATE ON incidents
FOR EACH STATEMENT EXECUTE FUNCTION incidents_kept();
CREATE TRIGGER incident_equipment_kept BEFORE DELETE ON incident_equipment
FOR EACH ROW EXECUTE FUNCTION incidents_kept();
CREATE TRIGGER incident_equipment_no_truncate BEFORE TRUNCATE ON incident_equipment
FOR EACH STATEMENT EXECUTE FUNCTION incidents_kept();

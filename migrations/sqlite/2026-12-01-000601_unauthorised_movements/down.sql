-- Back to the earlier movements table: unauthorised movements have no state
-- there, so they go (with the carry-out rows' links to them).
CREATE TEMP TABLE carry_out_links AS
    SELECT c.id, c.movement_id FROM access_carry_outs c JOIN movements m ON m.id = c.movement_id
    WHERE m.state <> 'unauthorised';
UPDATE access_carry_outs SET movement_id = NULL WHERE movement_id IS NOT NULL;

CREATE TABLE movements_old (
    id INTEGER PRIMARY KEY NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    equipment_id BIGINT REFERENCES equipment(id),
    item_description TEXT,
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    reason TEXT NOT NULL,
    destination TEXT,
    planned_at TIMESTAMP NOT NULL,
    return_due DATE,
    state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'rejected', 'completed', 'returned', 'cancelled')),
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    decision_note TEXT,
    completed_at TIMESTAMP,
    returned_at TIMESTAMP,
    CHECK (equipment_id IS NOT NULL OR item_description IS NOT NULL)
);
INSERT INTO movements_old (id, direction, equipment_id, item_description, zone_id, reason,
        destination, planned_at, return_due, state, requested_by, requested_at, decided_by,
        decided_at, decision_note, completed_at, returned_at)
    SELECT id, direction, equipment_id, item_description, zone_id, reason,
        destination, planned_at, return_due, state, requested_by, requested_at, decided_by,
        decided_at, decision_note, completed_at, returned_at
    FROM movements WHERE state <> 'unauthorised';
DROP TABLE movements;
ALTER TABLE movements_old RENAME TO movements;
CREATE INDEX movements_equipment_id ON movements(equipment_id);
CREATE INDEX movements_zone_id ON movements(zone_id);
CREATE INDEX movements_state ON movements(state);
CREATE INDEX movements_requested_by ON movements(requested_by);
CREATE INDEX movements_decided_by ON movements(decided_by);
CREATE INDEX movements_planned_at ON movements(planned_at);

UPDATE access_carry_outs
    SET movement_id = (SELECT l.movement_id FROM carry_out_links l WHERE l.id = access_carry_outs.id)
    WHERE id IN (SELECT id FROM carry_out_links);
DROP TABLE carry_out_links;

-- 無許可持出 (issue 14 §1): an exit the gate flagged becomes a movement in state
-- 'unauthorised', linked to its exit event, until a manager of the zone settles it.
-- SQLite cannot change a CHECK in place, so movements is rebuilt. The migrations
-- run inside one transaction, where PRAGMA foreign_keys cannot be switched off,
-- and dropping a parent still referenced by access_carry_outs leaves a deferred
-- violation that renaming the new table does not clear: the references are put
-- aside first and restored once the new table carries the old name.
CREATE TEMP TABLE carry_out_links AS
    SELECT id, movement_id FROM access_carry_outs WHERE movement_id IS NOT NULL;
UPDATE access_carry_outs SET movement_id = NULL WHERE movement_id IS NOT NULL;

CREATE TABLE movements_new (
    id INTEGER PRIMARY KEY NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    equipment_id BIGINT REFERENCES equipment(id),
    item_description TEXT,
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    reason TEXT NOT NULL,
    destination TEXT,
    planned_at TIMESTAMP NOT NULL,
    return_due DATE,
    state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'rejected', 'completed', 'returned', 'cancelled', 'unauthorised')),
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    decision_note TEXT,
    completed_at TIMESTAMP,
    returned_at TIMESTAMP,
    access_event_id BIGINT REFERENCES access_events(id),
    prior_status TEXT CHECK (prior_status IN ('in_service', 'spare', 'stored', 'under_repair', 'carried_out', 'disposed')),
    settlement TEXT CHECK (settlement IN ('returned', 'approved_after', 'incident')),
    settled_by BIGINT REFERENCES users(id),
    settled_at TIMESTAMP,
    settlement_note TEXT,
    CHECK (equipment_id IS NOT NULL OR item_description IS NOT NULL),
    CHECK (state <> 'unauthorised' OR access_event_id IS NOT NULL),
    CHECK ((settlement IS NULL) = (settled_at IS NULL))
);
INSERT INTO movements_new (id, direction, equipment_id, item_description, zone_id, reason,
        destination, planned_at, return_due, state, requested_by, requested_at, decided_by,
        decided_at, decision_note, completed_at, returned_at)
    SELECT id, direction, equipment_id, item_description, zone_id, reason,
        destination, planned_at, return_due, state, requested_by, requested_at, decided_by,
        decided_at, decision_note, completed_at, returned_at
    FROM movements;
DROP TABLE movements;
ALTER TABLE movements_new RENAME TO movements;
CREATE INDEX movements_equipment_id ON movements(equipment_id);
CREATE INDEX movements_zone_id ON movements(zone_id);
CREATE INDEX movements_state ON movements(state);
CREATE INDEX movements_requested_by ON movements(requested_by);
CREATE INDEX movements_decided_by ON movements(decided_by);
CREATE INDEX movements_planned_at ON movements(planned_at);
CREATE INDEX movements_access_event_id ON movements(access_event_id);
CREATE INDEX movements_settled_by ON movements(settled_by);

UPDATE access_carry_outs
    SET movement_id = (SELECT l.movement_id FROM carry_out_links l WHERE l.id = access_carry_outs.id)
    WHERE id IN (SELECT id FROM carry_out_links);
DROP TABLE carry_out_links;

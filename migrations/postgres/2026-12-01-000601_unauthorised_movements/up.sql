-- 無許可持出 (issue 14 §1): an exit the gate flagged becomes a movement in state
-- 'unauthorised', linked to its exit event, until a manager of the zone settles it.
ALTER TABLE movements DROP CONSTRAINT movements_state_check;
ALTER TABLE movements ADD CONSTRAINT movements_state_check
    CHECK (state IN ('requested', 'approved', 'rejected', 'completed', 'returned', 'cancelled', 'unauthorised'));
ALTER TABLE movements
    ADD COLUMN access_event_id BIGINT REFERENCES access_events(id),
    ADD COLUMN prior_status TEXT CHECK (prior_status IN ('in_service', 'spare', 'stored', 'under_repair', 'carried_out', 'disposed')),
    ADD COLUMN settlement TEXT CHECK (settlement IN ('returned', 'approved_after', 'incident')),
    ADD COLUMN settled_by BIGINT REFERENCES users(id),
    ADD COLUMN settled_at TIMESTAMP,
    ADD COLUMN settlement_note TEXT,
    ADD CONSTRAINT movements_unauthorised_linked CHECK (state <> 'unauthorised' OR access_event_id IS NOT NULL),
    ADD CONSTRAINT movements_settlement_whole CHECK ((settlement IS NULL) = (settled_at IS NULL));
CREATE INDEX movements_access_event_id ON movements(access_event_id);
CREATE INDEX movements_settled_by ON movements(settled_by);

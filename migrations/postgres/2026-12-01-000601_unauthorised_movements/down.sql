UPDATE access_carry_outs SET movement_id = NULL
    WHERE movement_id IN (SELECT id FROM movements WHERE state = 'unauthorised');
DELETE FROM movements WHERE state = 'unauthorised';
DROP INDEX movements_settled_by;
DROP INDEX movements_access_event_id;
ALTER TABLE movements
    DROP CONSTRAINT movements_settlement_whole,
    DROP CONSTRAINT movements_unauthorised_linked,
    DROP COLUMN settlement_note,
    DROP COLUMN settled_at,
    DROP COLUMN settled_by,
    DROP COLUMN settlement,
    DROP COLUMN prior_status,
    DROP COLUMN access_event_id;
ALTER TABLE movements DROP CONSTRAINT movements_state_check;
ALTER TABLE movements ADD CONSTRAINT movements_state_check
    CHECK (state IN ('requested', 'approved', 'rejected', 'completed', 'returned', 'cancelled'));

-- Cabling and equipment changes (配線・機器変更作業, 第7条): the request, the manager's
-- instruction naming the performer (an operator or a contracted vendor), the completion
-- report and the manager's confirmation.
CREATE TABLE cabling_changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    work_kind TEXT NOT NULL CHECK (work_kind IN ('add', 'change', 'remove')),
    description TEXT NOT NULL,
    performer_user_id BIGINT REFERENCES users(id),
    contractor_company TEXT,
    contractor_contract_number TEXT,
    contractor_worker_name TEXT,
    planned_on DATE NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('requested', 'authorized', 'rejected', 'completed', 'verified')),
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    decision_note TEXT,
    completed_by BIGINT REFERENCES users(id),
    completed_at TIMESTAMP,
    completion_notes TEXT,
    diagram_updated BOOLEAN,
    verified_by BIGINT REFERENCES users(id),
    verified_at TIMESTAMP,
    verification_note TEXT,
    CHECK ((performer_user_id IS NOT NULL AND contractor_company IS NULL)
        OR (performer_user_id IS NULL AND contractor_company IS NOT NULL
            AND contractor_contract_number IS NOT NULL AND contractor_worker_name IS NOT NULL))
);
CREATE INDEX cabling_changes_zone_id ON cabling_changes(zone_id);
CREATE INDEX cabling_changes_performer_user_id ON cabling_changes(performer_user_id);
CREATE INDEX cabling_changes_state ON cabling_changes(state);
CREATE INDEX cabling_changes_requested_by ON cabling_changes(requested_by);
CREATE INDEX cabling_changes_decided_by ON cabling_changes(decided_by);
CREATE INDEX cabling_changes_completed_by ON cabling_changes(completed_by);
CREATE INDEX cabling_changes_verified_by ON cabling_changes(verified_by);
CREATE INDEX cabling_changes_planned_on ON cabling_changes(planned_on);

CREATE TABLE cabling_change_equipment (
    change_id BIGINT NOT NULL REFERENCES cabling_changes(id),
    equipment_id BIGINT NOT NULL REFERENCES equipment(id),
    PRIMARY KEY (change_id, equipment_id)
);
CREATE INDEX cabling_change_equipment_equipment_id ON cabling_change_equipment(equipment_id);

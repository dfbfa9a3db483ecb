-- Entry permits (入室許可, 第5条): a user or a visitor/contractor, one zone, a window.
CREATE TABLE permits (
    id INTEGER PRIMARY KEY NOT NULL,
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    holder_user_id BIGINT REFERENCES users(id),
    visitor_name TEXT,
    visitor_organization TEXT,
    holder_kind TEXT NOT NULL CHECK (holder_kind IN ('staff', 'contractor', 'visitor')),
    purpose TEXT NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_until TIMESTAMP NOT NULL,
    escort_required BOOLEAN NOT NULL DEFAULT 0,
    escort_user_id BIGINT REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'rejected', 'revoked')),
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    decision_note TEXT,
    revoked_by BIGINT REFERENCES users(id),
    revoked_at TIMESTAMP,
    revoke_reason TEXT,
    code TEXT,
    code_kid TEXT,
    CHECK (valid_from < valid_until),
    CHECK (holder_user_id IS NOT NULL OR visitor_name IS NOT NULL)
);
CREATE INDEX permits_zone_id ON permits(zone_id);
CREATE INDEX permits_holder_user_id ON permits(holder_user_id);
CREATE INDEX permits_escort_user_id ON permits(escort_user_id);
CREATE INDEX permits_state ON permits(state);
CREATE INDEX permits_requested_by ON permits(requested_by);
CREATE INDEX permits_decided_by ON permits(decided_by);
CREATE INDEX permits_revoked_by ON permits(revoked_by);
CREATE INDEX permits_valid_until ON permits(valid_until);

-- The 入退室記録: every entry, exit and refused attempt at a zone's door.
CREATE TABLE access_events (
    id INTEGER PRIMARY KEY NOT NULL,
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    permit_id BIGINT REFERENCES permits(id),
    kind TEXT NOT NULL CHECK (kind IN ('entry', 'exit', 'denied')),
    attempt TEXT NOT NULL CHECK (attempt IN ('entry', 'exit')),
    reason_code TEXT,
    occurred_at TIMESTAMP NOT NULL,
    guard_id BIGINT NOT NULL REFERENCES users(id),
    holder_name TEXT,
    holder_organization TEXT,
    id_checked BOOLEAN NOT NULL DEFAULT 0,
    id_document TEXT,
    entry_event_id BIGINT REFERENCES access_events(id),
    note TEXT
);
CREATE INDEX access_events_zone_occurred ON access_events(zone_id, occurred_at);
CREATE INDEX access_events_occurred_at ON access_events(occurred_at);
CREATE INDEX access_events_permit_id ON access_events(permit_id);
CREATE INDEX access_events_guard_id ON access_events(guard_id);
CREATE INDEX access_events_entry_event_id ON access_events(entry_event_id);

-- Items checked at an exit against approved carry-outs (持出物品, 第4条).
CREATE TABLE access_carry_outs (
    id INTEGER PRIMARY KEY NOT NULL,
    event_id BIGINT NOT NULL REFERENCES access_events(id),
    asset_tag TEXT NOT NULL,
    equipment_id BIGINT REFERENCES equipment(id),
    movement_id BIGINT REFERENCES movements(id),
    authorised BOOLEAN NOT NULL
);
CREATE INDEX access_carry_outs_event_id ON access_carry_outs(event_id);
CREATE INDEX access_carry_outs_equipment_id ON access_carry_outs(equipment_id);
CREATE INDEX access_carry_outs_movement_id ON access_carry_outs(movement_id);

-- Who is inside now: one row per person. The unique person key is what makes
-- two guards recording the same person at once end with one entry.
CREATE TABLE zone_presence (
    id INTEGER PRIMARY KEY NOT NULL,
    person_key TEXT NOT NULL UNIQUE,
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    permit_id BIGINT NOT NULL REFERENCES permits(id),
    entry_event_id BIGINT NOT NULL REFERENCES access_events(id),
    entered_at TIMESTAMP NOT NULL
);
CREATE INDEX zone_presence_zone_id ON zone_presence(zone_id);
CREATE INDEX zone_presence_permit_id ON zone_presence(permit_id);
CREATE INDEX zone_presence_entry_event_id ON zone_presence(entry_event_id);

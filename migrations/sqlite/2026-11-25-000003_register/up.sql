-- Controlled zones (管理区域, 第5条) and who manages each.
CREATE TABLE zones (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    location TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX zones_department_id ON zones(department_id);

CREATE TABLE zone_managers (
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (zone_id, user_id)
);
CREATE INDEX zone_managers_user_id ON zone_managers(user_id);

-- The record of all equipment (機器台帳, 第4条).
CREATE TABLE equipment (
    id INTEGER PRIMARY KEY NOT NULL,
    asset_tag TEXT NOT NULL UNIQUE CHECK (length(asset_tag) BETWEEN 1 AND 32),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('server', 'network', 'storage', 'ups', 'surge_protector', 'terminal', 'media', 'other')),
    key_equipment BOOLEAN NOT NULL DEFAULT 0,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    zone_id BIGINT REFERENCES zones(id),
    building TEXT,
    floor TEXT,
    room TEXT,
    rack TEXT,
    rack_unit TEXT,
    manufacturer TEXT,
    model TEXT,
    serial_number TEXT,
    classification TEXT NOT NULL CHECK (classification IN ('secret', 'general')),
    status TEXT NOT NULL CHECK (status IN ('in_service', 'spare', 'stored', 'under_repair', 'carried_out', 'disposed')),
    installed_on DATE,
    ups_equipment_id BIGINT REFERENCES equipment(id),
    surge_protection TEXT CHECK (surge_protection IN ('ups', 'spd', 'none')),
    required_shutdown_min INTEGER CHECK (required_shutdown_min >= 0),
    notes TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX equipment_department_id ON equipment(department_id);
CREATE INDEX equipment_zone_id ON equipment(zone_id);
CREATE INDEX equipment_ups_equipment_id ON equipment(ups_equipment_id);
CREATE INDEX equipment_kind ON equipment(kind);
CREATE INDEX equipment_status ON equipment(status);
CREATE INDEX equipment_key_equipment ON equipment(key_equipment);
CREATE INDEX equipment_name ON equipment(name);
CREATE INDEX equipment_serial_number ON equipment(serial_number);
CREATE INDEX equipment_model ON equipment(model);

-- Carry-in and carry-out requests (持込・持出, 第4条, 第12条(3)).
CREATE TABLE movements (
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
CREATE INDEX movements_equipment_id ON movements(equipment_id);
CREATE INDEX movements_zone_id ON movements(zone_id);
CREATE INDEX movements_state ON movements(state);
CREATE INDEX movements_requested_by ON movements(requested_by);
CREATE INDEX movements_decided_by ON movements(decided_by);
CREATE INDEX movements_planned_at ON movements(planned_at);

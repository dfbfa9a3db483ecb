-- Power protection (第6条): UPS details (電源設備台帳), NUT readings and power events.

-- One row per equipment of kind 'ups'.
CREATE TABLE ups_units (
    equipment_id BIGINT PRIMARY KEY REFERENCES equipment(id),
    capacity_va INTEGER NOT NULL CHECK (capacity_va > 0),
    capacity_w INTEGER CHECK (capacity_w > 0),
    rated_runtime_min INTEGER NOT NULL CHECK (rated_runtime_min >= 0),
    battery_installed_on DATE,
    battery_replace_due DATE,
    last_self_test_on DATE,
    last_self_test_result TEXT CHECK (last_self_test_result IN ('pass', 'fail')),
    outlets_battery INTEGER CHECK (outlets_battery >= 0),
    outlets_surge_only INTEGER CHECK (outlets_surge_only >= 0),
    auto_shutdown TEXT,
    maintenance_vendor TEXT,
    nut_host TEXT,
    nut_port INTEGER CHECK (nut_port BETWEEN 1 AND 65535),
    nut_ups_name TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((nut_host IS NULL) = (nut_ups_name IS NULL))
);
CREATE INDEX ups_units_nut_host ON ups_units(nut_host);
CREATE INDEX ups_units_battery_replace_due ON ups_units(battery_replace_due);

-- Every poll of a UPS over NUT, reachable or not.
CREATE TABLE ups_readings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ups_equipment_id BIGINT NOT NULL REFERENCES equipment(id),
    polled_at TIMESTAMP NOT NULL,
    reachable BOOLEAN NOT NULL,
    status TEXT,
    battery_charge DOUBLE PRECISION,
    runtime_s BIGINT,
    load DOUBLE PRECISION,
    error TEXT
);
CREATE INDEX ups_readings_ups_polled ON ups_readings(ups_equipment_id, polled_at);
CREATE INDEX ups_readings_polled_at ON ups_readings(polled_at);

-- Status changes seen by the poller.
CREATE TABLE ups_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ups_equipment_id BIGINT NOT NULL REFERENCES equipment(id),
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('on_battery', 'low_battery', 'on_mains', 'replace_battery', 'unreachable', 'reachable')),
    status TEXT,
    battery_charge DOUBLE PRECISION,
    runtime_s BIGINT
);
CREATE INDEX ups_events_ups_occurred ON ups_events(ups_equipment_id, occurred_at);
CREATE INDEX ups_events_kind ON ups_events(kind);

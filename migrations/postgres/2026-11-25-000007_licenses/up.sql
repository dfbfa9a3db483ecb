-- Software products (ソフトウェア), the licenses owned for them (ライセンス台帳, 第15条),
-- install and setting-change permissions (第14条) and the installations found on devices
-- (導入ソフトウェア台帳).
CREATE TABLE software (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    vendor TEXT NOT NULL,
    edition TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX software_name ON software(name);

CREATE TABLE licenses (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    software_id BIGINT NOT NULL REFERENCES software(id),
    kind TEXT NOT NULL CHECK (kind IN ('device', 'user', 'site', 'subscription')),
    seats INTEGER CHECK (seats >= 1),
    valid_from DATE,
    valid_until DATE,
    certificate_number TEXT,
    purchased_on DATE,
    purchased_from TEXT,
    purchase_price_yen BIGINT CHECK (purchase_price_yen >= 0),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    notes TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    CHECK (seats IS NOT NULL OR kind = 'site')
);
CREATE INDEX licenses_software_id ON licenses(software_id);
CREATE INDEX licenses_department_id ON licenses(department_id);
CREATE INDEX licenses_created_by ON licenses(created_by);
CREATE INDEX licenses_valid_until ON licenses(valid_until);

CREATE TABLE install_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    equipment_id BIGINT NOT NULL REFERENCES equipment(id),
    software_id BIGINT NOT NULL REFERENCES software(id),
    version TEXT NOT NULL,
    change_kind TEXT NOT NULL CHECK (change_kind IN ('new', 'upgrade', 'setting')),
    reason TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'rejected')),
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    decision_note TEXT
);
CREATE INDEX install_requests_equipment_id ON install_requests(equipment_id);
CREATE INDEX install_requests_software_id ON install_requests(software_id);
CREATE INDEX install_requests_state ON install_requests(state);
CREATE INDEX install_requests_requested_by ON install_requests(requested_by);
CREATE INDEX install_requests_decided_by ON install_requests(decided_by);
CREATE INDEX install_requests_requested_at ON install_requests(requested_at);

CREATE TABLE installations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    equipment_id BIGINT NOT NULL REFERENCES equipment(id),
    software_id BIGINT NOT NULL REFERENCES software(id),
    version TEXT NOT NULL,
    install_request_id BIGINT REFERENCES install_requests(id),
    installed_on DATE,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL,
    released_at TIMESTAMP,
    released_by BIGINT REFERENCES users(id),
    release_reason TEXT CHECK (release_reason IN ('uninstalled', 'superseded', 'disposed'))
);
CREATE INDEX installations_equipment_id ON installations(equipment_id);
CREATE INDEX installations_software_id ON installations(software_id);
CREATE INDEX installations_install_request_id ON installations(install_request_id);
CREATE INDEX installations_recorded_by ON installations(recorded_by);
CREATE INDEX installations_released_by ON installations(released_by);
CREATE INDEX installations_released_at ON installations(released_at);

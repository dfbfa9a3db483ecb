-- Stocktaking campaigns (棚卸, 第4条): one per zone at a time; the closed report is kept as signed off.
CREATE TABLE stocktakes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    opened_by BIGINT NOT NULL REFERENCES users(id),
    opened_at TIMESTAMP NOT NULL,
    closed_by BIGINT REFERENCES users(id),
    closed_at TIMESTAMP,
    report_json TEXT,
    report_hash TEXT,
    CHECK ((state = 'open' AND closed_at IS NULL) OR (state = 'closed' AND closed_at IS NOT NULL AND report_json IS NOT NULL))
);
CREATE INDEX stocktakes_zone_id ON stocktakes(zone_id);
CREATE INDEX stocktakes_state ON stocktakes(state);
CREATE INDEX stocktakes_opened_by ON stocktakes(opened_by);
CREATE INDEX stocktakes_closed_by ON stocktakes(closed_by);
CREATE INDEX stocktakes_opened_at ON stocktakes(opened_at);
CREATE UNIQUE INDEX stocktakes_one_open_per_zone ON stocktakes(zone_id) WHERE state = 'open';

-- Every scan, as typed by the scanner, with what it was found to be.
CREATE TABLE stocktake_scans (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stocktake_id BIGINT NOT NULL REFERENCES stocktakes(id),
    code TEXT NOT NULL,
    asset_tag TEXT NOT NULL,
    equipment_id BIGINT REFERENCES equipment(id),
    result TEXT NOT NULL CHECK (result IN ('confirmed', 'misplaced', 'unknown', 'duplicate')),
    scanned_by BIGINT NOT NULL REFERENCES users(id),
    scanned_at TIMESTAMP NOT NULL
);
CREATE INDEX stocktake_scans_stocktake_tag ON stocktake_scans(stocktake_id, asset_tag);
CREATE INDEX stocktake_scans_equipment_id ON stocktake_scans(equipment_id);
CREATE INDEX stocktake_scans_scanned_by ON stocktake_scans(scanned_by);

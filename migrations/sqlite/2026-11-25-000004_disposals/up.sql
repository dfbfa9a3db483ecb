-- Disposal records (第3条2項(3), 第23条2項). Kept forever: no update or delete path.
CREATE TABLE disposals (
    id INTEGER PRIMARY KEY NOT NULL,
    equipment_id BIGINT NOT NULL UNIQUE REFERENCES equipment(id),
    method TEXT NOT NULL CHECK (method IN ('physical_destruction', 'degaussing', 'overwrite', 'vendor_collection', 'other')),
    certificate_number TEXT,
    witnessed_by TEXT,
    notes TEXT,
    classification TEXT NOT NULL CHECK (classification IN ('secret', 'general')),
    disposed_by BIGINT NOT NULL REFERENCES users(id),
    disposed_at TIMESTAMP NOT NULL,
    CHECK (classification <> 'secret' OR (method IN ('physical_destruction', 'degaussing', 'overwrite') AND certificate_number IS NOT NULL AND witnessed_by IS NOT NULL))
);
CREATE INDEX disposals_disposed_by ON disposals(disposed_by);
CREATE INDEX disposals_disposed_at ON disposals(disposed_at);
CREATE TRIGGER disposals_no_update BEFORE UPDATE ON disposals
BEGIN SELECT RAISE(ABORT, 'disposal records are kept unchanged'); END;
CREATE TRIGGER disposals_no_delete BEFORE DELETE ON disposals
BEGIN SELECT RAISE(ABORT, 'disposal records are kept forever'); END;

-- Inspections (点検記録, 第32条): a security manager inspects a period; the
-- compliance report is frozen when the inspection opens (report_json), each
-- of its findings gets a disposition, and signing stores the signed report,
-- its SHA-256 and the audit chain's head. A signed inspection never changes.
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    note TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'signed')),
    opened_by BIGINT NOT NULL REFERENCES users(id),
    opened_at TIMESTAMP NOT NULL,
    report_json TEXT NOT NULL,
    signed_by BIGINT REFERENCES users(id),
    signed_at TIMESTAMP,
    signed_report TEXT,
    report_sha256 TEXT,
    chain_seq BIGINT,
    chain_hash TEXT,
    CHECK (period_from <= period_to),
    CHECK ((state = 'open' AND signed_at IS NULL AND signed_by IS NULL)
        OR (state = 'signed' AND signed_at IS NOT NULL AND signed_by IS NOT NULL
            AND signed_report IS NOT NULL AND report_sha256 IS NOT NULL
            AND chain_seq IS NOT NULL AND chain_hash IS NOT NULL))
);
CREATE INDEX inspections_opened_by ON inspections(opened_by);
CREATE INDEX inspections_signed_by ON inspections(signed_by);
CREATE INDEX inspections_signed_at ON inspections(signed_at);

-- The frozen report's findings, numbered from 1 in the report's order.
CREATE TABLE inspection_findings (
    id INTEGER PRIMARY KEY NOT NULL,
    inspection_id BIGINT NOT NULL REFERENCES inspections(id),
    n INTEGER NOT NULL CHECK (n >= 1),
    article TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    entity_type TEXT,
    entity_id TEXT,
    disposition TEXT CHECK (disposition IN ('resolved', 'planned', 'accepted')),
    comment TEXT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    UNIQUE (inspection_id, n)
);
CREATE INDEX inspection_findings_decided_by ON inspection_findings(decided_by);

-- Evidence once signed: no change to a signed inspection or its findings,
-- and no inspection or finding is ever deleted.
CREATE TRIGGER inspections_signed_no_update BEFORE UPDATE ON inspections
WHEN OLD.state = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed inspection does not change');
END;
CREATE TRIGGER inspections_no_delete BEFORE DELETE ON inspections
BEGIN
    SELECT RAISE(ABORT, 'inspections are never deleted');
END;
CREATE TRIGGER inspection_findings_signed_no_update BEFORE UPDATE ON inspection_findings
WHEN (SELECT state FROM inspections WHERE id = OLD.inspection_id) = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed inspection does not change');
END;
CREATE TRIGGER inspection_findings_no_delete BEFORE DELETE ON inspection_findings
BEGIN
    SELECT RAISE(ABORT, 'inspections are never deleted');
END;

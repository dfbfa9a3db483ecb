-- Inspections (点検記録, 第32条): a security manager inspects a period; the
-- compliance report is frozen when the inspection opens (report_json), each
-- of its findings gets a disposition, and signing stores the signed report,
-- its SHA-256 and the audit chain's head. A signed inspection never changes.
CREATE TABLE inspections (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
-- One function per table: PL/pgSQL resolves OLD's fields per table, so
-- one body cannot name a column only one of them has.
CREATE FUNCTION inspections_signed_is_final() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'inspections are never deleted';
    END IF;
    IF OLD.state = 'signed' THEN
        RAISE EXCEPTION 'a signed inspection does not change';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION inspection_findings_signed_is_final() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'inspections are never deleted';
    END IF;
    IF (SELECT state FROM inspections WHERE id = OLD.inspection_id) = 'signed' THEN
        RAISE EXCEPTION 'a signed inspection does not change';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inspections_final BEFORE UPDATE OR DELETE ON inspections
FOR EACH ROW EXECUTE FUNCTION inspections_signed_is_final();
CREATE TRIGGER inspection_findings_final BEFORE UPDATE OR DELETE ON inspection_findings
FOR EACH ROW EXECUTE FUNCTION inspection_findings_signed_is_final();
CREATE TRIGGER inspections_no_truncate BEFORE TRUNCATE ON inspections
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER inspection_findings_no_truncate BEFORE TRUNCATE ON inspection_findings
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

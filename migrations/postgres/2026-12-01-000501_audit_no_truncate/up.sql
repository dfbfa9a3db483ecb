-- TRUNCATE empties a table without firing its row triggers, so the append-only
-- guard on UPDATE and DELETE would not see it: a statement trigger of its own
-- refuses it (第16条). The chain is only ever inserted into.
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

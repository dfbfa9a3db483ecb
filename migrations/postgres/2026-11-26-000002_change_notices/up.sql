-- Every instance remembers the gate's reads (src/db/changes.rs, access gate memo) and must
-- forget them when another instance, or anyone with SQL access, changes what they came from.
-- A statement-level trigger on each table those reads use notifies `daicho_changes` in the
-- changing transaction; PostgreSQL delivers the notice when (and only if) it commits.
CREATE FUNCTION daicho_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('daicho_changes', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_notify_change();
CREATE TRIGGER user_roles_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_roles
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_notify_change();
CREATE TRIGGER departments_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON departments
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_notify_change();
CREATE TRIGGER permits_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON permits
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_notify_change();
CREATE TRIGGER zone_presence_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON zone_presence
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_notify_change();

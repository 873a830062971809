-- The audit trail is written once and never changed (ASVS V16.4.2): an UPDATE of an event, or
-- of the members it names, is refused by the database itself, whatever code asks. Rows still
-- go when a member is erased or their retention period ends (DELETE, and ON DELETE CASCADE
-- from members), as privacy requires.
CREATE FUNCTION audit_never_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are never changed';
END
$$;
CREATE TRIGGER audit_events_never_changed BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_never_changed();
CREATE TRIGGER audit_members_never_changed BEFORE UPDATE ON audit_members
    FOR EACH ROW EXECUTE FUNCTION audit_never_changed();

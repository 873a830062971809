-- Which members an audit event names. One event is written per response (see
-- src/store/audit.rs); a page that shows many members' records names each of them here, so
-- the audit page's member filter and a member's "who has looked" find it. Erasing a member
-- removes their rows (ON DELETE CASCADE), so an event that also named others no longer says
-- the erased member was among them.
CREATE TABLE audit_members (
    event_id INTEGER NOT NULL REFERENCES audit_events(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, event_id)
);
CREATE INDEX audit_members_event ON audit_members(event_id);

-- Events written before this table named one member in their subject.
INSERT INTO audit_members (event_id, member_id)
    SELECT e.id, m.id FROM audit_events e JOIN members m ON e.subject = 'member:' || m.id;

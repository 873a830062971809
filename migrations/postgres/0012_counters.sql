-- Each meeting keeps its count of people signed in, updated in the same transaction as the
-- sign-in (by this trigger), so the coordinators' overview and the group lists add up
-- meetings instead of reading every attendance row.
ALTER TABLE meetings ADD COLUMN attended BIGINT NOT NULL DEFAULT 0;
UPDATE meetings SET attended = (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = meetings.id);

CREATE FUNCTION attendance_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE meetings SET attended = attended - 1 WHERE id = OLD.meeting_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE meetings SET attended = attended + 1 WHERE id = NEW.meeting_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER attendance_count AFTER INSERT OR DELETE OR UPDATE OF meeting_id ON attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_count();

-- Counting a group's current members reads the index alone.
CREATE INDEX members_group_current ON members(group_id, left_on);

-- Search reads each document's words stored beside it (kept by PostgreSQL itself), rather
-- than working them out from the text on every search.
ALTER TABLE meetings ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', topic), 'A') ||
    to_tsvector('english', topics_discussed || ' ' || key_points || ' ' || pass_on || ' ' ||
        round_up_good || ' ' || round_up_not_so_good || ' ' || round_up_sharing)) STORED;
ALTER TABLE meeting_steps ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || to_tsvector('english', notes)) STORED;
ALTER TABLE contacts ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('english', about || ' ' || follow_up)) STORED;
ALTER TABLE topics ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || to_tsvector('english', description)) STORED;

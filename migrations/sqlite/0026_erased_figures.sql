-- Erasing a member keeps the group's figures true (issue 18). Their sign-ins stay as anonymous
-- ones that still count as one person: `erased_person` is a random negative number shared by
-- one erased member's sign-ins and nothing else (not their old id), so "people reached",
-- "first time" and "came back" count them as before. What else they added to a figure is kept
-- as a bare number in `erased_figures`: a "yes" to a held meeting, a feedback rating (without
-- its comment), a goal set, done or dropped (without its words). Nothing in either says who.
ALTER TABLE attendance ADD COLUMN erased_person BIGINT;
CREATE INDEX attendance_erased_person ON attendance(erased_person) WHERE erased_person IS NOT NULL;

CREATE TABLE erased_figures (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    meeting_id BIGINT REFERENCES meetings(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('expected', 'feedback', 'goal_set', 'goal_done', 'goal_dropped')),
    value BIGINT NOT NULL DEFAULT 0,
    at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX erased_figures_meeting ON erased_figures(meeting_id, kind);
CREATE INDEX erased_figures_group ON erased_figures(group_id, kind, at);

CREATE TRIGGER dv_erased_figures_ins AFTER INSERT ON erased_figures BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = new.group_id;
END;
CREATE TRIGGER dv_erased_figures_upd AFTER UPDATE ON erased_figures BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope IN (new.group_id, old.group_id);
END;
CREATE TRIGGER dv_erased_figures_del AFTER DELETE ON erased_figures BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = old.group_id;
END;

-- Every feedback rating of a meeting, members' and erased members' alike.
CREATE VIEW feedback_ratings AS
    SELECT meeting_id, rating FROM meeting_feedback
    UNION ALL
    SELECT meeting_id, value AS rating FROM erased_figures WHERE kind = 'feedback';

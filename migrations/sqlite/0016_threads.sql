-- The threads between meetings.
-- "Since last time" lines are found by search: kind 5 for a line the member shared, kind 6
-- for a private one (only the group's facilitators search those). The rowid puts each in its
-- group's range, as for the other documents (see 0012).
CREATE TRIGGER search_checkin_ins AFTER INSERT ON checkins WHEN new.note <> '' BEGIN
    INSERT INTO search_docs (rowid, title, body)
    SELECT m.group_id * 68719476736 + new.id * 8 + CASE WHEN new.private THEN 6 ELSE 5 END, '', new.note
    FROM meetings m WHERE m.id = new.meeting_id;
END;
CREATE TRIGGER search_checkin_upd AFTER UPDATE OF note, private ON checkins BEGIN
    DELETE FROM search_docs WHERE rowid IN
        (SELECT m.group_id * 68719476736 + old.id * 8 + 5 FROM meetings m WHERE m.id = old.meeting_id
         UNION ALL
         SELECT m.group_id * 68719476736 + old.id * 8 + 6 FROM meetings m WHERE m.id = old.meeting_id);
    INSERT INTO search_docs (rowid, title, body)
    SELECT m.group_id * 68719476736 + new.id * 8 + CASE WHEN new.private THEN 6 ELSE 5 END, '', new.note
    FROM meetings m WHERE m.id = new.meeting_id AND new.note <> '';
END;
CREATE TRIGGER search_checkin_del AFTER DELETE ON checkins BEGIN
    DELETE FROM search_docs WHERE rowid IN
        (SELECT m.group_id * 68719476736 + old.id * 8 + 5 FROM meetings m WHERE m.id = old.meeting_id
         UNION ALL
         SELECT m.group_id * 68719476736 + old.id * 8 + 6 FROM meetings m WHERE m.id = old.meeting_id);
END;
-- An empty line was kept as a record before; it now means "no line".
DELETE FROM checkins WHERE trim(note) = '';
INSERT INTO search_docs (rowid, title, body)
SELECT m.group_id * 68719476736 + c.id * 8 + CASE WHEN c.private THEN 6 ELSE 5 END, '', c.note
FROM checkins c JOIN meetings m ON m.id = c.meeting_id;

-- A plan marked "changed" keeps what it was before, in the review that changed it.
ALTER TABLE plan_reviews ADD COLUMN previous TEXT NOT NULL DEFAULT '';

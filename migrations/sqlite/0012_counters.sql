-- Each meeting keeps its count of people signed in, updated in the same transaction as the
-- sign-in (by these triggers), so the coordinators' overview and the group lists add up
-- meetings instead of reading every attendance row.
ALTER TABLE meetings ADD COLUMN attended BIGINT NOT NULL DEFAULT 0;
UPDATE meetings SET attended = (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = meetings.id);

CREATE TRIGGER attendance_count_insert AFTER INSERT ON attendance BEGIN
    UPDATE meetings SET attended = attended + 1 WHERE id = new.meeting_id;
END;
CREATE TRIGGER attendance_count_delete AFTER DELETE ON attendance BEGIN
    UPDATE meetings SET attended = attended - 1 WHERE id = old.meeting_id;
END;
CREATE TRIGGER attendance_count_move AFTER UPDATE OF meeting_id ON attendance
WHEN old.meeting_id <> new.meeting_id BEGIN
    UPDATE meetings SET attended = attended - 1 WHERE id = old.meeting_id;
    UPDATE meetings SET attended = attended + 1 WHERE id = new.meeting_id;
END;

-- Counting a group's current members reads the index alone.
CREATE INDEX members_group_current ON members(group_id, left_on);

-- Search documents are numbered by group: rowid = group id * 2^36 + source id * 8 + kind. A
-- group's documents are then one rowid range, and a search seeks straight to that range in
-- each word's list instead of reading every group's occurrences and filtering.
DROP TRIGGER search_meeting_ins;
DROP TRIGGER search_meeting_upd;
DROP TRIGGER search_meeting_del;
DROP TRIGGER search_step_ins;
DROP TRIGGER search_step_upd;
DROP TRIGGER search_step_del;
DROP TRIGGER search_contact_ins;
DROP TRIGGER search_contact_upd;
DROP TRIGGER search_contact_del;
DROP TRIGGER search_board_ins;
DROP TRIGGER search_board_del;
DROP TRIGGER search_topic_upd;
DROP TABLE search_docs;

CREATE VIRTUAL TABLE search_docs USING fts5(
    title, body, tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER search_meeting_ins AFTER INSERT ON meetings BEGIN
    INSERT INTO search_docs (rowid, title, body) VALUES (new.group_id * 68719476736 + new.id * 8 + 1, new.topic,
        new.topics_discussed || ' ' || new.key_points || ' ' || new.pass_on || ' ' || new.round_up_good || ' ' ||
        new.round_up_not_so_good || ' ' || new.round_up_sharing);
END;
CREATE TRIGGER search_meeting_upd AFTER UPDATE OF topic, topics_discussed, key_points, pass_on, round_up_good,
    round_up_not_so_good, round_up_sharing ON meetings BEGIN
    DELETE FROM search_docs WHERE rowid = old.group_id * 68719476736 + old.id * 8 + 1;
    INSERT INTO search_docs (rowid, title, body) VALUES (new.group_id * 68719476736 + new.id * 8 + 1, new.topic,
        new.topics_discussed || ' ' || new.key_points || ' ' || new.pass_on || ' ' || new.round_up_good || ' ' ||
        new.round_up_not_so_good || ' ' || new.round_up_sharing);
END;
-- Before the meeting goes, so its steps' documents can still be found through it.
CREATE TRIGGER search_meeting_del BEFORE DELETE ON meetings BEGIN
    DELETE FROM search_docs WHERE rowid = old.group_id * 68719476736 + old.id * 8 + 1;
    DELETE FROM search_docs WHERE rowid IN
        (SELECT old.group_id * 68719476736 + s.id * 8 + 2 FROM meeting_steps s WHERE s.meeting_id = old.id);
END;

-- Only steps with notes are documents (most steps of most meetings have none).
CREATE TRIGGER search_step_ins AFTER INSERT ON meeting_steps WHEN new.notes <> '' BEGIN
    INSERT INTO search_docs (rowid, title, body)
    SELECT m.group_id * 68719476736 + new.id * 8 + 2, new.title, new.notes FROM meetings m WHERE m.id = new.meeting_id;
END;
CREATE TRIGGER search_step_upd AFTER UPDATE OF title, notes ON meeting_steps BEGIN
    DELETE FROM search_docs WHERE rowid =
        (SELECT m.group_id * 68719476736 + old.id * 8 + 2 FROM meetings m WHERE m.id = old.meeting_id);
    INSERT INTO search_docs (rowid, title, body)
    SELECT m.group_id * 68719476736 + new.id * 8 + 2, new.title, new.notes FROM meetings m
    WHERE m.id = new.meeting_id AND new.notes <> '';
END;
CREATE TRIGGER search_step_del AFTER DELETE ON meeting_steps BEGIN
    DELETE FROM search_docs WHERE rowid =
        (SELECT m.group_id * 68719476736 + old.id * 8 + 2 FROM meetings m WHERE m.id = old.meeting_id);
END;

CREATE TRIGGER search_contact_ins AFTER INSERT ON contacts BEGIN
    INSERT INTO search_docs (rowid, title, body) VALUES (new.group_id * 68719476736 + new.id * 8 + 3, '',
        new.about || ' ' || new.follow_up);
END;
CREATE TRIGGER search_contact_upd AFTER UPDATE OF about, follow_up ON contacts BEGIN
    DELETE FROM search_docs WHERE rowid = old.group_id * 68719476736 + old.id * 8 + 3;
    INSERT INTO search_docs (rowid, title, body) VALUES (new.group_id * 68719476736 + new.id * 8 + 3, '',
        new.about || ' ' || new.follow_up);
END;
CREATE TRIGGER search_contact_del AFTER DELETE ON contacts BEGIN
    DELETE FROM search_docs WHERE rowid = old.group_id * 68719476736 + old.id * 8 + 3;
END;

CREATE TRIGGER search_board_ins AFTER INSERT ON topic_board BEGIN
    INSERT INTO search_docs (rowid, title, body)
    SELECT new.group_id * 68719476736 + new.id * 8 + 4, t.title, t.description FROM topics t WHERE t.id = new.topic_id;
END;
CREATE TRIGGER search_board_del AFTER DELETE ON topic_board BEGIN
    DELETE FROM search_docs WHERE rowid = old.group_id * 68719476736 + old.id * 8 + 4;
END;
CREATE TRIGGER search_topic_upd AFTER UPDATE OF title, description ON topics BEGIN
    DELETE FROM search_docs WHERE rowid IN
        (SELECT b.group_id * 68719476736 + b.id * 8 + 4 FROM topic_board b WHERE b.topic_id = new.id);
    INSERT INTO search_docs (rowid, title, body)
    SELECT b.group_id * 68719476736 + b.id * 8 + 4, new.title, new.description FROM topic_board b WHERE b.topic_id = new.id;
END;

INSERT INTO search_docs (rowid, title, body)
SELECT group_id * 68719476736 + id * 8 + 1, topic, topics_discussed || ' ' || key_points || ' ' || pass_on || ' ' ||
    round_up_good || ' ' || round_up_not_so_good || ' ' || round_up_sharing FROM meetings;
INSERT INTO search_docs (rowid, title, body)
SELECT m.group_id * 68719476736 + s.id * 8 + 2, s.title, s.notes FROM meeting_steps s JOIN meetings m ON m.id = s.meeting_id
WHERE s.notes <> '';
INSERT INTO search_docs (rowid, title, body)
SELECT group_id * 68719476736 + id * 8 + 3, '', about || ' ' || follow_up FROM contacts;
INSERT INTO search_docs (rowid, title, body)
SELECT b.group_id * 68719476736 + b.id * 8 + 4, t.title, t.description FROM topic_board b JOIN topics t ON t.id = b.topic_id;

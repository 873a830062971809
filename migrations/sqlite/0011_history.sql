-- History and insight: members' feedback after a meeting, and full-text search (SQLite's FTS5)
-- over a group's meeting records, step notes, topics and contact record.

CREATE TABLE meeting_feedback (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    rating BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX meetings_group_status ON meetings(group_id, status, starts_at);

-- One document per searchable row. The rowid encodes the source (id * 8 + kind: 1 a meeting's
-- record, 2 a run-sheet step's notes, 3 a contact, 4 a topic on the group's board), so a
-- change replaces its document by rowid. `grp` holds "g<group id>" and is matched in the
-- same query, so a search never reads another group's documents.
CREATE VIRTUAL TABLE search_docs USING fts5(
    grp, title, body, tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER search_meeting_ins AFTER INSERT ON meetings BEGIN
    INSERT INTO search_docs (rowid, grp, title, body) VALUES (new.id * 8 + 1, 'g' || new.group_id, new.topic,
        new.topics_discussed || ' ' || new.key_points || ' ' || new.pass_on || ' ' || new.round_up_good || ' ' ||
        new.round_up_not_so_good || ' ' || new.round_up_sharing);
END;
CREATE TRIGGER search_meeting_upd AFTER UPDATE OF topic, topics_discussed, key_points, pass_on, round_up_good,
    round_up_not_so_good, round_up_sharing ON meetings BEGIN
    DELETE FROM search_docs WHERE rowid = old.id * 8 + 1;
    INSERT INTO search_docs (rowid, grp, title, body) VALUES (new.id * 8 + 1, 'g' || new.group_id, new.topic,
        new.topics_discussed || ' ' || new.key_points || ' ' || new.pass_on || ' ' || new.round_up_good || ' ' ||
        new.round_up_not_so_good || ' ' || new.round_up_sharing);
END;
CREATE TRIGGER search_meeting_del AFTER DELETE ON meetings BEGIN
    DELETE FROM search_docs WHERE rowid = old.id * 8 + 1;
END;

-- Only steps with notes are documents (most steps of most meetings have none).
CREATE TRIGGER search_step_ins AFTER INSERT ON meeting_steps WHEN new.notes <> '' BEGIN
    INSERT INTO search_docs (rowid, grp, title, body)
    SELECT new.id * 8 + 2, 'g' || m.group_id, new.title, new.notes FROM meetings m WHERE m.id = new.meeting_id;
END;
CREATE TRIGGER search_step_upd AFTER UPDATE OF title, notes ON meeting_steps BEGIN
    DELETE FROM search_docs WHERE rowid = old.id * 8 + 2;
    INSERT INTO search_docs (rowid, grp, title, body)
    SELECT new.id * 8 + 2, 'g' || m.group_id, new.title, new.notes FROM meetings m
    WHERE m.id = new.meeting_id AND new.notes <> '';
END;
CREATE TRIGGER search_step_del AFTER DELETE ON meeting_steps BEGIN
    DELETE FROM search_docs WHERE rowid = old.id * 8 + 2;
END;

CREATE TRIGGER search_contact_ins AFTER INSERT ON contacts BEGIN
    INSERT INTO search_docs (rowid, grp, title, body) VALUES (new.id * 8 + 3, 'g' || new.group_id, '',
        new.about || ' ' || new.follow_up);
END;
CREATE TRIGGER search_contact_upd AFTER UPDATE OF about, follow_up ON contacts BEGIN
    DELETE FROM search_docs WHERE rowid = old.id * 8 + 3;
    INSERT INTO search_docs (rowid, grp, title, body) VALUES (new.id * 8 + 3, 'g' || new.group_id, '',
        new.about || ' ' || new.follow_up);
END;
CREATE TRIGGER search_contact_del AFTER DELETE ON contacts BEGIN
    DELETE FROM search_docs WHERE rowid = old.id * 8 + 3;
END;

CREATE TRIGGER search_board_ins AFTER INSERT ON topic_board BEGIN
    INSERT INTO search_docs (rowid, grp, title, body)
    SELECT new.id * 8 + 4, 'g' || new.group_id, t.title, t.description FROM topics t WHERE t.id = new.topic_id;
END;
CREATE TRIGGER search_board_del AFTER DELETE ON topic_board BEGIN
    DELETE FROM search_docs WHERE rowid = old.id * 8 + 4;
END;
CREATE TRIGGER search_topic_upd AFTER UPDATE OF title, description ON topics BEGIN
    DELETE FROM search_docs WHERE rowid IN (SELECT b.id * 8 + 4 FROM topic_board b WHERE b.topic_id = new.id);
    INSERT INTO search_docs (rowid, grp, title, body)
    SELECT b.id * 8 + 4, 'g' || b.group_id, new.title, new.description FROM topic_board b WHERE b.topic_id = new.id;
END;

-- What is there already.
INSERT INTO search_docs (rowid, grp, title, body)
SELECT id * 8 + 1, 'g' || group_id, topic, topics_discussed || ' ' || key_points || ' ' || pass_on || ' ' ||
    round_up_good || ' ' || round_up_not_so_good || ' ' || round_up_sharing FROM meetings;
INSERT INTO search_docs (rowid, grp, title, body)
SELECT s.id * 8 + 2, 'g' || m.group_id, s.title, s.notes FROM meeting_steps s JOIN meetings m ON m.id = s.meeting_id
WHERE s.notes <> '';
INSERT INTO search_docs (rowid, grp, title, body)
SELECT id * 8 + 3, 'g' || group_id, '', about || ' ' || follow_up FROM contacts;
INSERT INTO search_docs (rowid, grp, title, body)
SELECT b.id * 8 + 4, 'g' || b.group_id, t.title, t.description FROM topic_board b JOIN topics t ON t.id = b.topic_id;

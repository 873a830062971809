-- The threads between meetings.
-- "Since last time" lines are found by search (a private one only by the group's facilitators).
ALTER TABLE checkins ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', note)) STORED;
CREATE INDEX checkins_search ON checkins USING GIN (search_tsv);
-- An empty line was kept as a record before; it now means "no line".
DELETE FROM checkins WHERE trim(note) = '';

-- A plan marked "changed" keeps what it was before, in the review that changed it.
ALTER TABLE plan_reviews ADD COLUMN previous TEXT NOT NULL DEFAULT '';

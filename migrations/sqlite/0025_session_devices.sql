-- Where someone is signed in (ASVS V7.5.2): each session notes the kind of device it is on,
-- in words ("Firefox on Windows", from the browser's User-Agent; nothing else of it is kept),
-- and when it was last used (pushed on with its idle end). Sessions made before show
-- "A browser" and their start.
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;

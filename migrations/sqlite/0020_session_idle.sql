-- A session also ends after a time without use (`--session-idle`): `idle_until` is pushed on
-- while it is used (at most about once a minute per instance) and checked with `expires_at`,
-- the absolute end (`--session-lifetime`). Sessions made before keep their old end.
ALTER TABLE sessions ADD COLUMN idle_until BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET idle_until = expires_at;

-- API tokens get a name (to tell them apart when listing and revoking), an end (90 days by
-- default; tokens made before end 90 days after they were made), a scope (read-only tokens
-- may only read) and when each was last used.
ALTER TABLE api_tokens ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
UPDATE api_tokens SET expires_at = created_at + 7776000, name = 'API token ' || id;

-- Private calendar feed addresses, for a group or for one member: a secret token (stored as its
-- hash), revocable.
CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    member_id BIGINT REFERENCES members(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX calendar_feeds_owner ON calendar_feeds(group_id, member_id);

-- History and insight: members' feedback after a meeting. Search uses PostgreSQL's own
-- full-text engine (to_tsvector / websearch_to_tsquery / ts_rank / ts_headline) over each
-- group's rows directly, reached through the group indexes.

CREATE TABLE meeting_feedback (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    rating BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX meetings_group_status ON meetings(group_id, status, starts_at);

-- Email: the group's reminder setting, the job queue that sends mail in the background, and
-- the extra personal links minted for emails (stored hashed, revoked with the member's link).
ALTER TABLE support_groups ADD COLUMN reminder_hours BIGINT NOT NULL DEFAULT 48;

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    -- One job per message: a reminder is queued once however many times, or by however many
    -- instances, it is looked for.
    dedupe_key TEXT NOT NULL UNIQUE,
    group_id BIGINT REFERENCES support_groups(id) ON DELETE CASCADE,
    member_id BIGINT REFERENCES members(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    locked_by TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX jobs_due ON jobs(status, run_at);
CREATE INDEX jobs_group ON jobs(group_id, created_at);

CREATE TABLE mail_links (
    id INTEGER PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX mail_links_member ON mail_links(member_id);

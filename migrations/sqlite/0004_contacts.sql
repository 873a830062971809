-- The contact record: a facilitator's log of contacts with members between meetings.

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    contacted_on TEXT NOT NULL,
    how TEXT NOT NULL CHECK (how IN ('phone', 'text', 'email', 'in_person', 'letter')),
    about TEXT NOT NULL,
    follow_up TEXT NOT NULL DEFAULT '',
    follow_up_by TEXT,
    follow_up_done BOOLEAN NOT NULL DEFAULT FALSE,
    recorded_by BIGINT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX contacts_member ON contacts(member_id, contacted_on);
CREATE INDEX contacts_group ON contacts(group_id, contacted_on);
CREATE INDEX contacts_follow_up ON contacts(group_id, follow_up_done);

-- Social life: events beyond the meetings (a meal, a walk, a cinema trip) with replies, and the
-- refreshments and music rota: who has offered to host, and who hosts each meeting.
CREATE TABLE social_events (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    local_date TEXT NOT NULL,
    local_time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '',
    accessibility TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'cancelled')),
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX social_events_group ON social_events(group_id, starts_at);

CREATE TABLE social_rsvps (
    event_id BIGINT NOT NULL REFERENCES social_events(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'maybe')),
    recorded_by TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (event_id, member_id)
);
CREATE INDEX social_rsvps_member ON social_rsvps(member_id);

-- Members who have offered to take a turn hosting the refreshments (and bringing music).
CREATE TABLE rota_members (
    member_id BIGINT PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    since BIGINT NOT NULL
);

-- The confirmed host of a meeting's refreshments.
CREATE TABLE meeting_hosts (
    meeting_id BIGINT PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    confirmed_by TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX meeting_hosts_member ON meeting_hosts(member_id);

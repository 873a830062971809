-- Availability polls: candidate dates for the next meeting, answered yes / if need be / no by
-- each member (or for them by a facilitator after a phone call). Closing a poll on an option
-- creates the meeting.
CREATE TABLE polls (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    show_answers BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    chosen_option_id BIGINT,
    meeting_id BIGINT REFERENCES meetings(id) ON DELETE SET NULL,
    from_meeting_id BIGINT REFERENCES meetings(id) ON DELETE SET NULL,
    created_by BIGINT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX polls_group ON polls(group_id, status);

CREATE TABLE poll_options (
    id INTEGER PRIMARY KEY,
    poll_id BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    local_time TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    venue_id BIGINT REFERENCES venues(id) ON DELETE SET NULL,
    UNIQUE (poll_id, position)
);

-- One response per member per poll: their comment and who recorded it.
CREATE TABLE poll_responses (
    poll_id BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    comment TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (poll_id, member_id)
);

CREATE TABLE poll_answers (
    option_id BIGINT NOT NULL REFERENCES poll_options(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    poll_id BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'if_need_be', 'no')),
    PRIMARY KEY (option_id, member_id)
);
CREATE INDEX poll_answers_poll ON poll_answers(poll_id, member_id);

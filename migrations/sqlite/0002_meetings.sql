-- Meetings: agenda templates, meetings with their own copy of the agenda, RSVPs, attendance,
-- notes and actions, reflections and concerns.

CREATE TABLE agenda_template_steps (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    prompts TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'general',
    from_second_meeting BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX agenda_template_steps_group ON agenda_template_steps(group_id, position);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    local_date TEXT NOT NULL,
    local_time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    venue_id BIGINT REFERENCES venues(id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'under_way', 'held', 'cancelled')),
    cancel_reason TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL DEFAULT '',
    current_step BIGINT NOT NULL DEFAULT 0,
    started_at BIGINT,
    ended_at BIGINT,
    step_started_at BIGINT,
    round_up_good TEXT NOT NULL DEFAULT '',
    round_up_not_so_good TEXT NOT NULL DEFAULT '',
    round_up_sharing TEXT NOT NULL DEFAULT '',
    topics_discussed TEXT NOT NULL DEFAULT '',
    key_points TEXT NOT NULL DEFAULT '',
    pass_on TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX meetings_group ON meetings(group_id, starts_at);

CREATE TABLE meeting_steps (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    prompts TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'general',
    checked TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    UNIQUE (meeting_id, position)
);

CREATE TABLE rsvps (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'maybe')),
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX rsvps_member ON rsvps(member_id);

CREATE TABLE attendance (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    member_id BIGINT REFERENCES members(id) ON DELETE SET NULL,
    guest_name TEXT,
    signed_in_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (meeting_id, member_id)
);
CREATE INDEX attendance_member ON attendance(member_id);

CREATE TABLE meeting_actions (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    who TEXT NOT NULL,
    what TEXT NOT NULL,
    by_date TEXT,
    done BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX meeting_actions_meeting ON meeting_actions(meeting_id);

CREATE TABLE reflections (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    went_well TEXT NOT NULL DEFAULT '',
    went_less_well TEXT NOT NULL DEFAULT '',
    ideas TEXT NOT NULL DEFAULT '',
    feeling TEXT NOT NULL CHECK (feeling IN ('great', 'fine', 'hard', 'need_help')),
    help_answered_at BIGINT,
    help_answered_by BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (meeting_id, account_id)
);
CREATE INDEX reflections_help ON reflections(feeling, help_answered_at);

CREATE TABLE concerns (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    meeting_id BIGINT REFERENCES meetings(id) ON DELETE SET NULL,
    member_id BIGINT REFERENCES members(id) ON DELETE SET NULL,
    about TEXT NOT NULL DEFAULT '',
    concern TEXT NOT NULL,
    action_taken TEXT NOT NULL DEFAULT '',
    who_told TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX concerns_group ON concerns(group_id, created_at);

-- Foundation: staff accounts, sessions, groups, venues, members, consents, personal links, audit.
-- Instants are Unix seconds (BIGINT); calendar dates are ISO text (YYYY-MM-DD).

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'facilitator')),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_by BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE signin_failures (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX signin_failures_email ON signin_failures(email, at);
CREATE INDEX signin_failures_address ON signin_failures(address, at);

CREATE TABLE venues (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    how_to_get_there TEXT NOT NULL DEFAULT '',
    toilets TEXT NOT NULL DEFAULT '',
    fire_exits TEXT NOT NULL DEFAULT '',
    step_free TEXT NOT NULL DEFAULT 'no' CHECK (step_free IN ('no', 'partly', 'fully')),
    hearing_loop BOOLEAN NOT NULL DEFAULT FALSE,
    accessible_toilet BOOLEAN NOT NULL DEFAULT FALSE,
    parking BOOLEAN NOT NULL DEFAULT FALSE,
    quiet_room BOOLEAN NOT NULL DEFAULT FALSE,
    requires_sign_in_sheet BOOLEAN NOT NULL DEFAULT FALSE,
    capacity BIGINT,
    booking_contact TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE support_groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL,
    usual_meeting_length BIGINT NOT NULL,
    open_to_new_members BOOLEAN NOT NULL DEFAULT TRUE,
    format TEXT NOT NULL CHECK (format IN ('open_ended', 'fixed')),
    number_of_meetings BIGINT,
    ground_rules TEXT NOT NULL DEFAULT '',
    ground_rules_reviewed_on TEXT,
    usual_venue_id BIGINT REFERENCES venues(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX groups_name ON support_groups(name);

CREATE TABLE group_facilitators (
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, account_id)
);
CREATE INDEX group_facilitators_account ON group_facilitators(account_id, group_id);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    preferred_name TEXT NOT NULL,
    full_name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    preferred_contact TEXT NOT NULL DEFAULT 'phone' CHECK (preferred_contact IN ('phone', 'text', 'email', 'post')),
    needs TEXT NOT NULL DEFAULT '',
    needs_note TEXT NOT NULL DEFAULT '',
    happy_to_share_story TEXT NOT NULL DEFAULT 'not_asked' CHECK (happy_to_share_story IN ('yes', 'no', 'not_asked')),
    joined_on TEXT,
    left_on TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX members_group ON members(group_id, preferred_name);

CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('contact', 'records')),
    how_given TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    given_at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    recorded_by TEXT NOT NULL
);
CREATE INDEX consents_member ON consents(member_id);

CREATE TABLE member_links (
    id INTEGER PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX member_links_member ON member_links(member_id);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_subject ON audit_events(subject, at);

-- What groups talk about: the topic library (group_id NULL) and groups' own topics, each
-- group's board with votes, members' action plans with their reviews, and check-ins.

CREATE TABLE topics (
    id INTEGER PRIMARY KEY,
    group_id BIGINT REFERENCES support_groups(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    prompts TEXT NOT NULL DEFAULT '',
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX topics_title ON topics (COALESCE(group_id, 0), lower(title));

CREATE TABLE topic_board (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    topic_id BIGINT NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'agreed', 'covered', 'set_aside')),
    meeting_id BIGINT REFERENCES meetings(id) ON DELETE SET NULL,
    last_covered_at BIGINT,
    proposed_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (group_id, topic_id)
);

CREATE TABLE topic_votes (
    topic_id BIGINT NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    PRIMARY KEY (topic_id, member_id)
);
CREATE INDEX topic_votes_group ON topic_votes(group_id, topic_id);

CREATE TABLE action_plans (
    id INTEGER PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    what TEXT NOT NULL,
    how_much TEXT NOT NULL DEFAULT '',
    when_text TEXT NOT NULL DEFAULT '',
    how_often TEXT NOT NULL DEFAULT '',
    by_date TEXT,
    confidence BIGINT NOT NULL CHECK (confidence BETWEEN 0 AND 10),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'changed', 'dropped')),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX action_plans_member ON action_plans(member_id, status);

CREATE TABLE plan_reviews (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES action_plans(id) ON DELETE CASCADE,
    meeting_id BIGINT REFERENCES meetings(id) ON DELETE SET NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('on_track', 'done', 'changed', 'dropped')),
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX plan_reviews_plan ON plan_reviews(plan_id, at);

CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    note TEXT NOT NULL,
    private BOOLEAN NOT NULL DEFAULT TRUE,
    recorded_by TEXT NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (meeting_id, member_id)
);

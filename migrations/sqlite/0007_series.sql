-- Recurring series: the rule that made a run of meetings. Each meeting stays its own row, so
-- it can be moved, skipped or cancelled alone.
CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES support_groups(id) ON DELETE CASCADE,
    rrule TEXT NOT NULL,
    first_date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
ALTER TABLE meetings ADD COLUMN series_id BIGINT REFERENCES series(id) ON DELETE SET NULL;

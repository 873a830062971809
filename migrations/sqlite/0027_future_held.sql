-- Before "End the meeting" asked first and refused a meeting whose day had not come, one tap
-- could mark a meeting weeks away as held, and every figure then counted it as met (issue 15).
-- Such meetings go back to planned, with what was recorded kept and an audit event saying why.
-- "Not come" is judged generously: a day after today's UTC date is in the future in every
-- time zone, so no meeting that may really have been held is touched.
INSERT INTO audit_events (at, actor, action, subject, detail)
    SELECT CAST(strftime('%s', 'now') AS BIGINT), 'system:upgrade',
           'put the meeting back to planned: it was marked held before its day', 'meeting:' || id, ''
    FROM meetings WHERE status = 'held' AND local_date > date('now', '+1 day');
UPDATE meetings SET status = 'planned'
    WHERE status = 'held' AND local_date > date('now', '+1 day');

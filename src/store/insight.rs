//! Looking back: a group's figures for a date range, full-text search (FTS5 on SQLite, the
//! built-in text search on PostgreSQL), members' feedback, and the coordinator's overview.
//! Every read checks the viewer may see the group.

use crate::domain::ids::{GroupId, MeetingId, MemberId};
use crate::paths;
use serde::Serialize;

use super::{Db, GroupAccess, Store, StoreError, StoreResult, now, on_db, placeholders};
use crate::domain::access::Staff;
use crate::domain::insight::{
    DateRange, Feedback, FeedbackInput, GroupStats, MARK_END, MARK_START, MeetingStat, SearchHit,
    TopicCovered, fts5_terms,
};
use crate::domain::programme::{Attention, GroupFigures, NOT_MET_DAYS};
use crate::domain::topic::CheckinEntry;

/// One group in the coordinator's overview.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GroupOverview {
    pub group_id: GroupId,
    pub name: String,
    /// The group's area or region ("" when not set).
    pub area: String,
    /// How many staff facilitate it (none needs someone's attention).
    pub facilitators: i64,
    pub meetings_held: i64,
    pub attendances: i64,
    /// Average attendance over the last three held meetings and the three before them.
    pub recent_average: Option<f64>,
    pub earlier_average: Option<f64>,
    pub last_held: Option<String>,
    pub next_planned: Option<String>,
    pub help_requests: i64,
    pub open_concerns: i64,
}

impl GroupOverview {
    pub fn average(&self) -> f64 {
        if self.meetings_held == 0 {
            0.0
        } else {
            self.attendances as f64 / self.meetings_held as f64
        }
    }
    pub fn average_label(&self) -> String {
        format!("{:.1}", self.average())
    }
    /// "up", "down" or "steady", from the last three meetings against the three before. A
    /// change counts when it is at least two people and a quarter of the earlier average: a
    /// small group going from four to three is not an alarm, a group of eight going to five is.
    pub fn trend(&self) -> &'static str {
        match (self.recent_average, self.earlier_average) {
            (Some(r), Some(e)) if r >= e + 2.0 && r >= e * 1.25 => "up",
            (Some(r), Some(e)) if r + 2.0 <= e && r <= e * 0.75 => "down",
            (Some(_), Some(_)) => "steady",
            _ => "not enough meetings yet",
        }
    }
    /// What about the group needs someone's attention today, most urgent first.
    pub fn attention(&self, today: &str) -> Vec<Attention> {
        let mut found = Vec::new();
        if self.open_concerns > 0 {
            found.push(Attention::Concerns);
        }
        if self.help_requests > 0 {
            found.push(Attention::Help);
        }
        if self.facilitators == 0 {
            found.push(Attention::NoFacilitator);
        }
        if self.days_since(today).is_some_and(|d| d > NOT_MET_DAYS) {
            found.push(Attention::NotMet);
        }
        if self.next_planned.is_none() {
            found.push(Attention::NothingPlanned);
        }
        if self.trend() == "down" {
            found.push(Attention::Falling);
        }
        found
    }
    /// Days since the group last met, if it has.
    pub fn days_since(&self, today: &str) -> Option<i64> {
        let last = self.last_held.as_ref()?.parse::<jiff::civil::Date>().ok()?;
        let today = today.parse::<jiff::civil::Date>().ok()?;
        Some((today - last).get_days() as i64)
    }
}

/// A member the group has not seen at its last few meetings.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct NotSeen {
    pub member_id: MemberId,
    pub member_name: String,
    pub last_came: Option<String>,
}

impl Store {
    /// The figures for a group's held meetings in a date range.
    pub async fn group_stats(
        &self,
        group: &GroupAccess,
        range: &DateRange,
    ) -> StoreResult<GroupStats> {
        let group_id = group.id();
        let (from, to) = (range.from.as_str(), range.to.as_str());
        let meetings = on_db!(self, pool => sqlx::query_as::<_, MeetingStat>(
            "SELECT m.id AS meeting_id, m.local_date AS date, m.topic,
                (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id) AS attended,
                (SELECT COUNT(*) FROM rsvps r WHERE r.meeting_id = m.id AND r.answer = 'yes')
                  + (SELECT COUNT(*) FROM erased_figures e WHERE e.meeting_id = m.id AND e.kind = 'expected') AS expected,
                (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id AND a.member_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM attendance a2 JOIN meetings m2 ON m2.id = a2.meeting_id
                                   WHERE a2.member_id = a.member_id AND m2.group_id = m.group_id
                                     AND m2.status = 'held' AND m2.starts_at < m.starts_at))
                  + (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id AND a.erased_person IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM attendance a2 JOIN meetings m2 ON m2.id = a2.meeting_id
                                   WHERE a2.erased_person = a.erased_person AND m2.group_id = m.group_id
                                     AND m2.status = 'held' AND m2.starts_at < m.starts_at)) AS first_timers,
                (SELECT AVG(CAST(f.rating AS DOUBLE PRECISION)) FROM feedback_ratings f WHERE f.meeting_id = m.id) AS feedback_average,
                (SELECT COUNT(*) FROM feedback_ratings f WHERE f.meeting_id = m.id) AS feedback_count
             FROM meetings m
             WHERE m.group_id = $1 AND m.status = 'held' AND m.local_date >= $2 AND m.local_date <= $3
             ORDER BY m.starts_at")
            .bind(group_id).bind(from).bind(to).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let counts = on_db!(self, pool => sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(
            "SELECT
                (SELECT COUNT(*) FROM meetings WHERE group_id = $1 AND status = 'cancelled'
                   AND local_date >= $2 AND local_date <= $3),
                (SELECT COUNT(DISTINCT a.member_id) + COUNT(DISTINCT a.erased_person)
                 FROM attendance a JOIN meetings m ON m.id = a.meeting_id
                 WHERE m.group_id = $1 AND m.status = 'held' AND m.local_date >= $2 AND m.local_date <= $3),
                (SELECT COUNT(*) FROM action_plans p JOIN members mb ON mb.id = p.member_id
                 WHERE mb.group_id = $1 AND p.created_at >= $4 AND p.created_at < $5)
                  + (SELECT COUNT(*) FROM erased_figures e
                     WHERE e.group_id = $1 AND e.kind = 'goal_set' AND e.at >= $4 AND e.at < $5),
                (SELECT COUNT(*) FROM plan_reviews r JOIN action_plans p ON p.id = r.plan_id
                   JOIN members mb ON mb.id = p.member_id
                 WHERE mb.group_id = $1 AND r.outcome = 'done' AND r.at >= $4 AND r.at < $5)
                  + (SELECT COUNT(*) FROM erased_figures e
                     WHERE e.group_id = $1 AND e.kind = 'goal_done' AND e.at >= $4 AND e.at < $5),
                (SELECT COUNT(*) FROM plan_reviews r JOIN action_plans p ON p.id = r.plan_id
                   JOIN members mb ON mb.id = p.member_id
                 WHERE mb.group_id = $1 AND r.outcome = 'dropped' AND r.at >= $4 AND r.at < $5)
                  + (SELECT COUNT(*) FROM erased_figures e
                     WHERE e.group_id = $1 AND e.kind = 'goal_dropped' AND e.at >= $4 AND e.at < $5)")
            .bind(group_id).bind(from).bind(to)
            .bind(day_start(from)).bind(day_start(to) + 86_400)
            .fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let social_events_held = on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM social_events WHERE group_id = $1 AND status = 'planned'
               AND local_date >= $2 AND local_date <= $3 AND starts_at < $4")
            .bind(group_id).bind(from).bind(to).bind(now()).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)?;
        // First-timers in the range who came to a later held meeting.
        let came_back = on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "WITH firsts AS (
                SELECT MIN(m.starts_at) AS first_at, MAX(m.starts_at) AS last_at FROM attendance a
                JOIN meetings m ON m.id = a.meeting_id
                WHERE m.group_id = $1 AND m.status = 'held'
                  AND (a.member_id IS NOT NULL OR a.erased_person IS NOT NULL)
                GROUP BY COALESCE(a.member_id, a.erased_person))
             SELECT COUNT(*) FROM firsts f
             JOIN meetings fm ON fm.group_id = $1 AND fm.starts_at = f.first_at AND fm.status = 'held'
             WHERE fm.local_date >= $2 AND fm.local_date <= $3 AND f.last_at > f.first_at")
            .bind(group_id).bind(from).bind(to).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let ratings = on_db!(self, pool => sqlx::query_as::<_, (i64, i64)>(
            "SELECT f.rating, COUNT(*) FROM feedback_ratings f JOIN meetings m ON m.id = f.meeting_id
             WHERE m.group_id = $1 AND m.status = 'held' AND m.local_date >= $2 AND m.local_date <= $3
             GROUP BY f.rating")
            .bind(group_id).bind(from).bind(to).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let mut feedback_counts = [0_i64; 5];
        for (rating, n) in ratings {
            if (1..=5).contains(&rating) {
                feedback_counts[(rating - 1) as usize] = n;
            }
        }
        let topics_covered = meetings
            .iter()
            .filter(|m| !m.topic.is_empty())
            .map(|m| TopicCovered {
                date: m.date.clone(),
                topic: m.topic.clone(),
            })
            .collect();
        Ok(GroupStats {
            range: range.clone(),
            meetings_held: meetings.len() as i64,
            meetings_cancelled: counts.0,
            total_attendances: meetings.iter().map(|m| m.attended).sum(),
            first_timers: meetings.iter().map(|m| m.first_timers).sum(),
            came_back,
            distinct_members: counts.1,
            goals_set: counts.2,
            goals_done: counts.3,
            goals_dropped: counts.4,
            social_events_held,
            feedback_counts,
            topics_covered,
            meetings,
        })
    }

    /// Current members who came to none of the group's last `n` held meetings (and joined
    /// before them), with the last meeting they came to.
    pub async fn not_seen(&self, group: &GroupAccess, n: i64) -> StoreResult<Vec<NotSeen>> {
        let group_id = group.id();
        let rows = on_db!(self, pool => sqlx::query_as::<_, NotSeen>(
            "WITH recent AS (SELECT id, starts_at FROM meetings WHERE group_id = $1 AND status = 'held'
                             ORDER BY starts_at DESC LIMIT $2)
             SELECT mb.id AS member_id, mb.preferred_name AS member_name,
                (SELECT MAX(m.local_date) FROM attendance a JOIN meetings m ON m.id = a.meeting_id
                 WHERE a.member_id = mb.id AND m.status = 'held') AS last_came
             FROM members mb
             WHERE mb.group_id = $1 AND mb.left_on IS NULL
               AND (SELECT COUNT(*) FROM recent) >= $2
               AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.member_id = mb.id
                               AND a.meeting_id IN (SELECT id FROM recent))
               AND (mb.joined_on IS NULL OR mb.joined_on <=
                    (SELECT MIN(m.local_date) FROM meetings m WHERE m.id IN (SELECT id FROM recent)))
             ORDER BY lower(mb.preferred_name), mb.id")
            .bind(group_id).bind(n).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        self.audited(
            group,
            "viewed who has not come lately",
            rows,
            |r: &NotSeen| Some(r.member_id),
        )
        .await
    }

    /// Searches a group's meeting records, run-sheet notes, topics and contact record, best
    /// matches first, with the matching words marked.
    pub async fn search(
        &self,
        viewer: &Staff,
        group: &GroupAccess,
        query: &str,
        limit: i64,
    ) -> StoreResult<Vec<SearchHit>> {
        let group_id = group.id();
        // Private "since last time" lines are found only by the group's own facilitators.
        let private_ok = self.facilitates(viewer, group_id).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            kind: i64,
            ref_id: i64,
            title: String,
            /// The title with the matching words marked.
            title_marked: String,
            marked: String,
            rank: f64,
        }
        let (start, end) = (MARK_START.to_string(), MARK_END.to_string());
        let rows: Vec<Row> = match &self.db {
            Db::Sqlite(pool) => {
                let Some(terms) = fts5_terms(query) else {
                    return Ok(Vec::new());
                };
                // The group's documents are one rowid range (see migration 0012), so only
                // that part of each word's list is read.
                let first = group_id.get() << 36;
                sqlx::query_as::<_, Row>(
                    "SELECT rowid % 8 AS kind, (rowid % 68719476736) / 8 AS ref_id, title,
                        highlight(search_docs, 0, $2, $3) AS title_marked,
                        snippet(search_docs, 1, $2, $3, '…', 24) AS marked,
                        -bm25(search_docs, 3.0, 1.0) AS rank
                     FROM search_docs WHERE search_docs MATCH $1 AND rowid >= $5 AND rowid < $6
                       AND ($7 OR rowid % 8 <> 6)
                     ORDER BY bm25(search_docs, 3.0, 1.0), rowid LIMIT $4",
                )
                .bind(&terms)
                .bind(&start)
                .bind(&end)
                .bind(limit)
                .bind(first)
                .bind(first + (1 << 36))
                .bind(private_ok)
                .fetch_all(pool)
                .await
                .map_err(StoreError::from_sqlx)?
            }
            Db::Postgres(pool) => {
                let options = format!(
                    "StartSel={start}, StopSel={end}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \""
                );
                sqlx::query_as::<_, Row>(
                    "WITH q AS (SELECT plainto_tsquery('english', $2) AS query),
                     docs AS (
                        SELECT 1::BIGINT AS kind, m.id AS ref_id, m.topic AS title,
                               concat_ws(' ', m.topics_discussed, m.key_points, m.pass_on, m.round_up_good,
                                         m.round_up_not_so_good, m.round_up_sharing) AS body,
                               m.search_tsv AS tsv
                        FROM meetings m, q WHERE m.group_id = $1 AND m.search_tsv @@ q.query
                        UNION ALL
                        SELECT 2, s.id, s.title, s.notes, s.search_tsv FROM meeting_steps s
                        JOIN meetings m ON m.id = s.meeting_id, q
                        WHERE m.group_id = $1 AND s.notes <> '' AND s.search_tsv @@ q.query
                        UNION ALL
                        SELECT 3, c.id, '', concat_ws(' ', c.about, c.follow_up), c.search_tsv FROM contacts c, q
                        WHERE c.group_id = $1 AND c.search_tsv @@ q.query
                        UNION ALL
                        SELECT 4, b.id, t.title, t.description, t.search_tsv FROM topic_board b
                        JOIN topics t ON t.id = b.topic_id, q WHERE b.group_id = $1 AND t.search_tsv @@ q.query
                        UNION ALL
                        SELECT CASE WHEN c.private THEN 6 ELSE 5 END, c.id, '', c.note, c.search_tsv
                        FROM checkins c JOIN meetings m ON m.id = c.meeting_id, q
                        WHERE m.group_id = $1 AND c.search_tsv @@ q.query AND ($5 OR NOT c.private)),
                     best AS (
                        SELECT d.kind, d.ref_id, d.title, d.body, ts_rank(d.tsv, q.query) AS rank
                        FROM docs d, q ORDER BY rank DESC, d.kind, d.ref_id LIMIT $4)
                     SELECT b.kind, b.ref_id, b.title,
                        ts_headline('english', b.title, q.query, $3) AS title_marked,
                        ts_headline('english', b.body, q.query, $3) AS marked,
                        b.rank::DOUBLE PRECISION AS rank
                     FROM best b, q
                     ORDER BY b.rank DESC, b.kind, b.ref_id",
                )
                .bind(group_id)
                .bind(query)
                .bind(&options)
                .bind(limit)
                .bind(private_ok)
                .fetch_all(pool)
                .await
                .map_err(StoreError::from_sqlx)?
            }
        };
        // What the hits lead to, in at most three queries however many hits there are.
        let step_ids: Vec<i64> = rows
            .iter()
            .filter(|r| r.kind == 2)
            .map(|r| r.ref_id)
            .collect();
        let step_meeting: Vec<(i64, i64)> = if step_ids.is_empty() {
            Vec::new()
        } else {
            let sql = format!(
                "SELECT id, meeting_id FROM meeting_steps WHERE id IN ({})",
                placeholders(step_ids.len())
            );
            on_db!(self, pool => {
                let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
                for id in &step_ids {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await
            })
            .map_err(StoreError::from_sqlx)?
        };
        let meeting_of = |r: &Row| -> Option<MeetingId> {
            match r.kind {
                1 => Some(MeetingId(r.ref_id)),
                2 => step_meeting
                    .iter()
                    .find(|(s, _)| *s == r.ref_id)
                    .map(|(_, m)| MeetingId(*m)),
                _ => None,
            }
        };
        let mut meeting_ids: Vec<MeetingId> = rows.iter().filter_map(meeting_of).collect();
        meeting_ids.sort_unstable();
        meeting_ids.dedup();
        let meetings: Vec<crate::domain::meeting::Meeting> = if meeting_ids.is_empty() {
            Vec::new()
        } else {
            let sql = format!(
                "SELECT {} FROM meetings m WHERE m.id IN ({})",
                super::MEETING_COLUMNS,
                placeholders(meeting_ids.len())
            );
            on_db!(self, pool => {
                let mut q = sqlx::query_as::<_, crate::domain::meeting::Meeting>(&sql);
                for id in &meeting_ids {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await
            })
            .map_err(StoreError::from_sqlx)?
        };
        let contact_ids: Vec<i64> = rows
            .iter()
            .filter(|r| r.kind == 3)
            .map(|r| r.ref_id)
            .collect();
        let contacts: Vec<(i64, i64, String, String)> = if contact_ids.is_empty() {
            Vec::new()
        } else {
            let sql = format!(
                "SELECT c.id, c.member_id, mb.preferred_name, c.contacted_on FROM contacts c
                 JOIN members mb ON mb.id = c.member_id WHERE c.id IN ({})",
                placeholders(contact_ids.len())
            );
            on_db!(self, pool => {
                let mut q = sqlx::query_as::<_, (i64, i64, String, String)>(&sql);
                for id in &contact_ids {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await
            })
            .map_err(StoreError::from_sqlx)?
        };
        let checkin_ids: Vec<i64> = rows
            .iter()
            .filter(|r| r.kind == 5 || r.kind == 6)
            .map(|r| r.ref_id)
            .collect();
        let checkins: Vec<CheckinEntry> = if checkin_ids.is_empty() {
            Vec::new()
        } else {
            let sql = format!(
                "{} WHERE c.id IN ({}) AND m.group_id = ${}",
                super::topics::CHECKIN_ENTRY,
                placeholders(checkin_ids.len()),
                checkin_ids.len() + 1
            );
            on_db!(self, pool => {
                let mut q = sqlx::query_as::<_, CheckinEntry>(&sql);
                for id in &checkin_ids {
                    q = q.bind(*id);
                }
                q.bind(group_id).fetch_all(pool).await
            })
            .map_err(StoreError::from_sqlx)?
        };
        // Calls and "since last time" lines found are members' records: audited, naming them.
        if !contacts.is_empty() || !checkins.is_empty() {
            let shown: Vec<MemberId> = contacts
                .iter()
                .map(|c| MemberId(c.1))
                .chain(checkins.iter().map(|c| c.member_id))
                .collect();
            self.audit_read(
                &viewer.actor(),
                "searched the group's records",
                &format!("group:{group_id}"),
                &shown,
            )
            .await?;
        }
        let mut hits = Vec::with_capacity(rows.len());
        for r in &rows {
            let (kind, link, date, title) = match r.kind {
                1 | 2 => {
                    let Some(m) = meeting_of(r).and_then(|id| meetings.iter().find(|m| m.id == id))
                    else {
                        continue;
                    };
                    let title = match (r.kind, r.title.is_empty()) {
                        (1, true) => format!("Meeting on {}", m.date_label()),
                        (1, false) => format!("Meeting on {}: {}", m.date_label(), r.title),
                        _ => format!("{} – meeting on {}", r.title, m.date_label()),
                    };
                    (
                        if r.kind == 1 { "meeting" } else { "step" },
                        paths::meeting_notes(m.id),
                        Some(m.local_date.clone()),
                        title,
                    )
                }
                3 => {
                    let Some((_, member_id, member_name, on)) =
                        contacts.iter().find(|c| c.0 == r.ref_id)
                    else {
                        continue;
                    };
                    (
                        "contact",
                        paths::member(MemberId(*member_id)) + "#contacts",
                        Some(on.clone()),
                        format!(
                            "Contact with {member_name}, {}",
                            crate::labels::date_label(on)
                        ),
                    )
                }
                5 | 6 => {
                    let Some(c) = checkins
                        .iter()
                        .find(|c| c.id == r.ref_id && (private_ok || !c.private))
                    else {
                        continue;
                    };
                    (
                        "since_last_time",
                        paths::meeting_notes(c.meeting_id),
                        Some(c.meeting_date.clone()),
                        format!(
                            "{}, since last time{} – meeting on {}",
                            c.member_name,
                            if c.private { " (private)" } else { "" },
                            c.date_label()
                        ),
                    )
                }
                _ => (
                    "topic",
                    paths::group_topics(group_id),
                    None,
                    format!("Topic: {}", r.title),
                ),
            };
            // Matched in the text: its snippet; matched in the title alone: the title.
            let marked = if r.marked.contains(MARK_START) || !r.title_marked.contains(MARK_START) {
                r.marked.clone()
            } else {
                r.title_marked.clone()
            };
            hits.push(SearchHit::new(kind, link, date, title, marked, r.rank));
        }
        Ok(hits)
    }

    /// Records (or changes) a member's feedback on a held meeting they came to.
    pub async fn save_feedback(
        &self,
        member: &impl super::MemberScope,
        meeting_id: MeetingId,
        input: &FeedbackInput,
    ) -> StoreResult<()> {
        let member_id = member.member_id();
        let written = on_db!(self, pool => sqlx::query(
            "INSERT INTO meeting_feedback (meeting_id, member_id, rating, comment, at)
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS
               (SELECT 1 FROM attendance a JOIN meetings m ON m.id = a.meeting_id
                WHERE a.meeting_id = $1 AND a.member_id = $2 AND m.status = 'held')
             ON CONFLICT (meeting_id, member_id)
             DO UPDATE SET rating = excluded.rating, comment = excluded.comment, at = excluded.at")
            .bind(meeting_id).bind(member_id).bind(input.rating).bind(&input.comment).bind(now())
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        if written == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Held meetings of the last six weeks that a member came to, with their feedback so far.
    pub async fn feedback_due(
        &self,
        member: &super::MemberLink,
    ) -> StoreResult<Vec<(crate::domain::meeting::Meeting, Option<(i64, String)>)>> {
        let member_id = member.id;
        let sql = format!(
            "SELECT {cols}, f.rating AS fb_rating, f.comment AS fb_comment FROM meetings m
             JOIN attendance a ON a.meeting_id = m.id AND a.member_id = $1
             LEFT JOIN meeting_feedback f ON f.meeting_id = m.id AND f.member_id = $1
             WHERE m.status = 'held' AND m.starts_at > $2
             ORDER BY m.starts_at DESC LIMIT 3",
            cols = super::MEETING_COLUMNS
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            meeting: crate::domain::meeting::Meeting,
            fb_rating: Option<i64>,
            fb_comment: Option<String>,
        }
        let rows = on_db!(self, pool => sqlx::query_as::<_, Row>(&sql)
            .bind(member_id).bind(now() - 42 * 86_400).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let fb = r.fb_rating.map(|n| (n, r.fb_comment.unwrap_or_default()));
                (r.meeting, fb)
            })
            .collect())
    }

    /// A group's feedback in a date range, newest first (staff only).
    pub async fn feedback_of(
        &self,
        group: &GroupAccess,
        range: &DateRange,
    ) -> StoreResult<Vec<Feedback>> {
        let group_id = group.id();
        let rows = on_db!(self, pool => sqlx::query_as::<_, Feedback>(
            "SELECT f.meeting_id, m.local_date AS date, f.member_id, mb.preferred_name AS member_name,
                f.rating, f.comment
             FROM meeting_feedback f JOIN meetings m ON m.id = f.meeting_id
             JOIN members mb ON mb.id = f.member_id
             WHERE m.group_id = $1 AND m.status = 'held' AND m.local_date >= $2 AND m.local_date <= $3
             ORDER BY m.starts_at DESC, lower(mb.preferred_name)")
            .bind(group_id).bind(&range.from).bind(&range.to).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        self.audited(group, "viewed feedback", rows, |f: &Feedback| {
            Some(f.member_id)
        })
        .await
    }

    /// Every attendance in a range, for the CSV export: (meeting, date, name or guest, the
    /// member's id, member or guest).
    pub async fn attendance_rows(
        &self,
        group: &GroupAccess,
        range: &DateRange,
    ) -> StoreResult<Vec<(MeetingId, String, String, Option<MemberId>, bool)>> {
        let group_id = group.id();
        let rows = on_db!(self, pool => sqlx::query_as::<_, (MeetingId, String, String, Option<MemberId>, bool)>(
            "SELECT a.meeting_id, m.local_date,
                CASE WHEN a.erased_person IS NOT NULL THEN 'Someone' ELSE COALESCE(mb.preferred_name, a.guest_name, '') END,
                a.member_id, (a.member_id IS NOT NULL OR a.erased_person IS NOT NULL)
             FROM attendance a JOIN meetings m ON m.id = a.meeting_id
             LEFT JOIN members mb ON mb.id = a.member_id
             WHERE m.group_id = $1 AND m.status = 'held' AND m.local_date >= $2 AND m.local_date <= $3
             ORDER BY m.starts_at, a.signed_in_at, a.id")
            .bind(group_id).bind(&range.from).bind(&range.to).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        self.audited(
            group,
            "exported attendance",
            rows,
            |r: &(MeetingId, String, String, Option<MemberId>, bool)| r.3,
        )
        .await
    }

    /// All the viewer's groups side by side, for the coordinator's overview, in one query
    /// (however many groups there are).
    pub async fn overview(
        &self,
        viewer: &Staff,
        range: &DateRange,
    ) -> StoreResult<Vec<GroupOverview>> {
        // Attendance is only read for the range and the year before today (enough for the
        // trend over the last six meetings of a group that still meets), not all history.
        let year_ago = jiff::Timestamp::from_second(now() - 366 * 86_400)
            .map(|t| {
                t.to_zoned_datetime(jiff::tz::TimeZone::UTC)
                    .date()
                    .to_string()
            })
            .unwrap_or_default();
        let window = if range.from < year_ago {
            range.from.clone()
        } else {
            year_ago
        };
        on_db!(self, pool => sqlx::query_as::<_, GroupOverview>(
            "WITH vis AS (
                SELECT g.id, g.name, g.area FROM support_groups g
                WHERE ($1 OR g.id IN (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $2))),
             held AS (
                SELECT m.group_id, m.starts_at, m.local_date, m.attended AS came
                FROM meetings m
                WHERE m.status = 'held' AND m.group_id IN (SELECT id FROM vis)
                  AND m.starts_at >= $7 AND m.local_date >= $6),
             ranked AS (
                SELECT group_id, came, ROW_NUMBER() OVER (PARTITION BY group_id ORDER BY starts_at DESC) AS n
                FROM held),
             agg AS (
                SELECT group_id,
                    SUM(CASE WHEN local_date >= $3 AND local_date <= $4 THEN 1 ELSE 0 END) AS meetings_held,
                    SUM(CASE WHEN local_date >= $3 AND local_date <= $4 THEN came ELSE 0 END) AS attendances
                FROM held GROUP BY group_id),
             trend AS (
                SELECT group_id,
                    AVG(CASE WHEN n <= 3 THEN CAST(came AS DOUBLE PRECISION) END) AS recent_average,
                    AVG(CASE WHEN n > 3 THEN CAST(came AS DOUBLE PRECISION) END) AS earlier_average
                FROM ranked WHERE n <= 6 GROUP BY group_id),
             help AS (
                SELECT m.group_id, COUNT(*) AS n FROM reflections r JOIN meetings m ON m.id = r.meeting_id
                WHERE r.feeling = 'need_help' AND r.help_answered_at IS NULL GROUP BY m.group_id),
             conc AS (
                SELECT group_id, COUNT(*) AS n FROM concerns WHERE created_at > $5 - 90 * 86400
                GROUP BY group_id)
             SELECT v.id AS group_id, v.name, v.area,
                (SELECT COUNT(*) FROM group_facilitators gf WHERE gf.group_id = v.id) AS facilitators,
                CAST(COALESCE(a.meetings_held, 0) AS BIGINT) AS meetings_held,
                CAST(COALESCE(a.attendances, 0) AS BIGINT) AS attendances,
                t.recent_average, t.earlier_average,
                (SELECT m.local_date FROM meetings m WHERE m.group_id = v.id AND m.status = 'held'
                 ORDER BY m.starts_at DESC LIMIT 1) AS last_held,
                (SELECT m.local_date FROM meetings m WHERE m.group_id = v.id AND m.status = 'planned'
                   AND m.starts_at > $5 ORDER BY m.starts_at LIMIT 1) AS next_planned,
                COALESCE(h.n, 0) AS help_requests, COALESCE(c.n, 0) AS open_concerns
             FROM vis v
             LEFT JOIN agg a ON a.group_id = v.id
             LEFT JOIN trend t ON t.group_id = v.id
             LEFT JOIN help h ON h.group_id = v.id
             LEFT JOIN conc c ON c.group_id = v.id
             ORDER BY lower(v.name), v.id")
            .bind(viewer.is_coordinator()).bind(viewer.id).bind(&range.from).bind(&range.to).bind(now())
            .bind(&window).bind(day_start(&window) - 2 * 86_400)
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

impl Store {
    /// Each visible group's figures for a date range, for the programme's totals: counted as
    /// each group's report counts them, so the programme's totals are the sum of its groups'
    /// reports (a member belongs to one group, so people are never counted twice). New members
    /// are the people reached less those who had come to a held meeting of the group before
    /// the range; that look starts from each person's own sign-ins (the `+ 0` and `|| ''` keep
    /// SQLite from walking the group's meetings instead: 1.2 s at 500 groups, now 0.1 s).
    pub async fn programme_figures(
        &self,
        viewer: &Staff,
        range: &DateRange,
    ) -> StoreResult<Vec<GroupFigures>> {
        on_db!(self, pool => sqlx::query_as::<_, GroupFigures>(
            "WITH vis AS (
                SELECT g.id, g.area FROM support_groups g
                WHERE ($1 OR g.id IN (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $2))),
             mt AS (
                SELECT m.group_id,
                    SUM(CASE WHEN m.status = 'held' THEN 1 ELSE 0 END) AS held,
                    SUM(CASE WHEN m.status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
                    SUM(CASE WHEN m.status = 'held' THEN m.attended ELSE 0 END) AS attendances
                FROM meetings m
                WHERE m.group_id IN (SELECT id FROM vis) AND m.status IN ('held', 'cancelled')
                  AND m.local_date >= $3 AND m.local_date <= $4
                GROUP BY m.group_id),
             came AS (
                SELECT DISTINCT m.group_id, a.member_id, a.erased_person
                FROM meetings m JOIN attendance a ON a.meeting_id = m.id
                WHERE m.group_id IN (SELECT id FROM vis) AND m.status = 'held'
                  AND m.local_date >= $3 AND m.local_date <= $4
                  AND (a.member_id IS NOT NULL OR a.erased_person IS NOT NULL)),
             people AS (SELECT group_id, COUNT(*) AS reached FROM came GROUP BY group_id),
             back AS (
                SELECT c.group_id, COUNT(*) AS n FROM came c
                WHERE (c.member_id IS NOT NULL AND EXISTS (
                        SELECT 1 FROM attendance a2 JOIN meetings m2 ON m2.id = a2.meeting_id
                        WHERE a2.member_id = c.member_id
                          AND m2.group_id + 0 = c.group_id AND m2.status || '' = 'held' AND m2.local_date < $3))
                   OR (c.erased_person IS NOT NULL AND EXISTS (
                        SELECT 1 FROM attendance a2 JOIN meetings m2 ON m2.id = a2.meeting_id
                        WHERE a2.erased_person = c.erased_person
                          AND m2.group_id + 0 = c.group_id AND m2.status || '' = 'held' AND m2.local_date < $3))
                GROUP BY c.group_id),
             fb AS (
                SELECT m.group_id, COUNT(*) AS n, SUM(f.rating) AS total
                FROM meetings m JOIN meeting_feedback f ON f.meeting_id = m.id
                WHERE m.group_id IN (SELECT id FROM vis) AND m.status = 'held'
                  AND m.local_date >= $3 AND m.local_date <= $4
                GROUP BY m.group_id
                UNION ALL
                SELECT m.group_id, COUNT(*) AS n, SUM(e.value) AS total
                FROM meetings m JOIN erased_figures e ON e.meeting_id = m.id AND e.kind = 'feedback'
                WHERE m.group_id IN (SELECT id FROM vis) AND m.status = 'held'
                  AND m.local_date >= $3 AND m.local_date <= $4
                GROUP BY m.group_id),
             fbs AS (SELECT group_id, SUM(n) AS n, SUM(total) AS total FROM fb GROUP BY group_id),
             soc AS (
                SELECT group_id, COUNT(*) AS n FROM social_events
                WHERE group_id IN (SELECT id FROM vis) AND status = 'planned'
                  AND local_date >= $3 AND local_date <= $4 AND starts_at < $5
                GROUP BY group_id)
             SELECT v.id AS group_id, v.area,
                CAST(COALESCE(mt.held, 0) AS BIGINT) AS meetings_held,
                CAST(COALESCE(mt.cancelled, 0) AS BIGINT) AS meetings_cancelled,
                CAST(COALESCE(mt.attendances, 0) AS BIGINT) AS attendances,
                CAST(COALESCE(p.reached, 0) AS BIGINT) AS people_reached,
                CAST(COALESCE(p.reached, 0) - COALESCE(rt.n, 0) AS BIGINT) AS new_members,
                CAST(COALESCE(fb.n, 0) AS BIGINT) AS feedback_count,
                CAST(COALESCE(fb.total, 0) AS BIGINT) AS feedback_total,
                CAST(COALESCE(soc.n, 0) AS BIGINT) AS social_events
             FROM vis v
             LEFT JOIN mt ON mt.group_id = v.id
             LEFT JOIN people p ON p.group_id = v.id
             LEFT JOIN back rt ON rt.group_id = v.id
             LEFT JOIN fbs fb ON fb.group_id = v.id
             LEFT JOIN soc ON soc.group_id = v.id
             ORDER BY v.id")
            .bind(viewer.is_coordinator()).bind(viewer.id).bind(&range.from).bind(&range.to).bind(now())
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

/// The Unix second a local calendar date starts (in UTC; near enough for counting plans and
/// reviews made on a day).
fn day_start(date: &str) -> i64 {
    date.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0)
}

/// A meeting of the network export (issue 21): one row a meeting dated in the range, with the
/// group's and venue's ids so rows can be joined and counted once in a spreadsheet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NetworkMeeting {
    pub meeting_id: MeetingId,
    pub group_id: GroupId,
    pub group_name: String,
    pub area: String,
    pub local_date: String,
    pub local_time: String,
    pub status: String,
    pub venue_id: Option<i64>,
    pub venue_name: String,
    pub attendances: i64,
    pub guests: i64,
    pub feedback_count: i64,
    pub feedback_total: i64,
}

/// One sign-in at a held meeting of the network export: the member by id only (pseudonymous)
/// unless names are asked for; a guest has no member id.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NetworkAttendance {
    pub group_id: GroupId,
    pub area: String,
    pub meeting_id: MeetingId,
    pub local_date: String,
    pub member_id: Option<MemberId>,
    /// "member", "guest", or "erased" (a member since erased: still counted, never named).
    pub kind: String,
    /// The member's preferred name or the guest's name ("" unless names are asked for).
    pub name: String,
}

/// One member's feedback on a held meeting, for the network export.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NetworkFeedback {
    pub group_id: GroupId,
    pub area: String,
    pub meeting_id: MeetingId,
    pub local_date: String,
    pub member_id: MemberId,
    pub member_name: String,
    pub rating: i64,
    pub comment: String,
}

/// The groups the viewer may see ($1 coordinator, $2 account), for the network exports.
const VISIBLE_GROUPS: &str = "(SELECT g.id FROM support_groups g
     WHERE ($1 OR g.id IN (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $2)))";

impl Store {
    /// Every meeting dated in the range, of the groups the viewer may see, by date.
    pub async fn network_meetings(
        &self,
        viewer: &Staff,
        range: &DateRange,
    ) -> StoreResult<Vec<NetworkMeeting>> {
        let sql = format!(
            "SELECT m.id AS meeting_id, m.group_id, g.name AS group_name, g.area, m.local_date,
                m.local_time, m.status, m.venue_id, COALESCE(v.name, '') AS venue_name,
                (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id) AS attendances,
                (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id
                    AND a.member_id IS NULL AND a.erased_person IS NULL) AS guests,
                (SELECT COUNT(*) FROM meeting_feedback f WHERE f.meeting_id = m.id) AS feedback_count,
                (SELECT CAST(COALESCE(SUM(f.rating), 0) AS BIGINT) FROM meeting_feedback f
                    WHERE f.meeting_id = m.id) AS feedback_total
             FROM meetings m JOIN support_groups g ON g.id = m.group_id
             LEFT JOIN venues v ON v.id = m.venue_id
             WHERE m.group_id IN {VISIBLE_GROUPS} AND m.local_date >= $3 AND m.local_date <= $4
             ORDER BY m.local_date, m.local_time, m.id"
        );
        on_db!(self, pool => sqlx::query_as::<_, NetworkMeeting>(&sql)
            .bind(viewer.is_coordinator()).bind(viewer.id).bind(&range.from).bind(&range.to)
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Every sign-in at a held meeting in the range, of the groups the viewer may see. Names
    /// are read only when `names` is asked for, and then the members named are audited.
    pub async fn network_attendance(
        &self,
        viewer: &Staff,
        range: &DateRange,
        names: bool,
    ) -> StoreResult<Vec<NetworkAttendance>> {
        let sql = format!(
            "SELECT m.group_id, g.area, a.meeting_id, m.local_date, a.member_id,
                CASE WHEN a.member_id IS NOT NULL THEN 'member'
                     WHEN a.erased_person IS NOT NULL THEN 'erased' ELSE 'guest' END AS kind,
                CASE WHEN $5 AND a.erased_person IS NULL
                     THEN COALESCE(mb.preferred_name, a.guest_name, '') ELSE '' END AS name
             FROM attendance a JOIN meetings m ON m.id = a.meeting_id
             JOIN support_groups g ON g.id = m.group_id
             LEFT JOIN members mb ON mb.id = a.member_id
             WHERE m.group_id IN {VISIBLE_GROUPS} AND m.status = 'held'
               AND m.local_date >= $3 AND m.local_date <= $4
             ORDER BY m.local_date, a.meeting_id, a.id"
        );
        let rows = on_db!(self, pool => sqlx::query_as::<_, NetworkAttendance>(&sql)
            .bind(viewer.is_coordinator()).bind(viewer.id).bind(&range.from).bind(&range.to)
            .bind(names).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        if names {
            let named: Vec<MemberId> = rows.iter().filter_map(|r| r.member_id).collect();
            self.audit_named(viewer, "exported attendance with names", &named)
                .await?;
        }
        Ok(rows)
    }

    /// Every member's feedback on a held meeting in the range, of the groups the viewer may
    /// see; names only when asked for (audited then).
    pub async fn network_feedback(
        &self,
        viewer: &Staff,
        range: &DateRange,
        names: bool,
    ) -> StoreResult<Vec<NetworkFeedback>> {
        let sql = format!(
            "SELECT m.group_id, g.area, f.meeting_id, m.local_date, f.member_id,
                CASE WHEN $5 THEN mb.preferred_name ELSE '' END AS member_name, f.rating, f.comment
             FROM meeting_feedback f JOIN meetings m ON m.id = f.meeting_id
             JOIN support_groups g ON g.id = m.group_id
             JOIN members mb ON mb.id = f.member_id
             WHERE m.group_id IN {VISIBLE_GROUPS} AND m.status = 'held'
               AND m.local_date >= $3 AND m.local_date <= $4
             ORDER BY m.local_date, f.meeting_id, f.member_id"
        );
        let rows = on_db!(self, pool => sqlx::query_as::<_, NetworkFeedback>(&sql)
            .bind(viewer.is_coordinator()).bind(viewer.id).bind(&range.from).bind(&range.to)
            .bind(names).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        if names {
            let named: Vec<MemberId> = rows.iter().map(|r| r.member_id).collect();
            self.audit_named(viewer, "exported feedback with names", &named)
                .await?;
        }
        Ok(rows)
    }

    /// An export that named members is a read of their records: audited, naming each once.
    async fn audit_named(
        &self,
        viewer: &Staff,
        action: &str,
        named: &[MemberId],
    ) -> StoreResult<()> {
        let mut named = named.to_vec();
        named.sort_unstable();
        named.dedup();
        if named.is_empty() {
            return Ok(());
        }
        self.audit_read(&viewer.actor(), action, "members", &named)
            .await
    }
}

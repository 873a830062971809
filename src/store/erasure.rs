//! The right to erasure (UK GDPR article 17): a coordinator erases a member, and everything
//! that identifies them goes in one transaction.
//!
//! The member's row goes, and with it (by the schema's `ON DELETE CASCADE`) every record that
//! names them: contact details, needs, consents, replies, poll answers, votes, plans and
//! reviews, check-ins, feedback, contact records, links, feeds and queued email; the search
//! index loses their entries by its own triggers (SQLite) or with the rows (PostgreSQL).
//! Figures stay true: a meeting they came to keeps its sign-in as an anonymous one, shown as
//! "Someone", so it still had seven people; their sign-ins share one random number
//! (`erased_person`, not their id), so "people reached", "first time" and "came back" still
//! count them once; what else they added to a figure stays as a bare number in
//! `erased_figures` (a "yes" to a held meeting, a feedback rating without its comment, a goal
//! set, done or dropped without its words), so the group's figures before and after are
//! equal. A safeguarding concern keeps its text but no longer points at them. The audit trail loses every event
//! about them or by them, and gains one saying that a member was erased, when and by whom.
//!
//! Free text staff wrote may still name them (meeting notes, round-ups, concerns): Hearth cannot
//! know every way a name was written, so [`Store::mentions_of`] lists where their names appear
//! for the coordinator to edit first. On SQLite, `secure_delete` is on for every connection (so
//! freed pages are overwritten), the search index is merged (dropping the erased entries'
//! words) and the write-ahead log is checkpointed and truncated, so the erased text is left in
//! neither file.

use crate::domain::ids::{GroupId, MemberId};
use serde::Serialize;

use super::BeginWrite;
use super::{Db, MemberAccess, Store, StoreError, StoreResult, now, on_db};
use crate::domain::access::Staff;

/// A place where staff wrote something that may name the member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Mention {
    /// "meeting record", "run-sheet notes" or "concern".
    pub kind: String,
    /// Where to change it.
    pub link: String,
    /// The meeting's date, when there is one.
    pub date: Option<String>,
    /// The text that names them.
    pub text: String,
}

impl Store {
    /// Where the member's names appear in free text of their group (meeting records, run-sheet
    /// notes, concerns), for a coordinator to review before erasing them.
    pub async fn mentions_of(&self, member: &MemberAccess) -> StoreResult<Vec<Mention>> {
        // Each word of their names (people write "Zeb said…" as often as the whole name):
        // more to look through, but nothing missed that Hearth could find.
        let mut names: Vec<String> = format!("{} {}", member.preferred_name, member.full_name)
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .filter(|w| w.chars().count() >= 3)
            .collect();
        names.sort();
        names.dedup();
        let group = member.group_id;
        let mut found: Vec<Mention> = Vec::new();
        for name in names {
            let pattern = format!("%{}%", super::members::escape_like(&name));
            let rows = on_db!(self, pool => sqlx::query_as::<_, Mention>(
                "SELECT 'meeting record' AS kind, '/meetings/' || id || '/notes' AS link,
                        local_date AS date,
                        topic || ' ' || topics_discussed || ' ' || key_points || ' ' || pass_on || ' ' ||
                        round_up_good || ' ' || round_up_not_so_good || ' ' || round_up_sharing AS text
                 FROM meetings WHERE group_id = $1 AND lower(
                        topic || ' ' || topics_discussed || ' ' || key_points || ' ' || pass_on || ' ' ||
                        round_up_good || ' ' || round_up_not_so_good || ' ' || round_up_sharing)
                     LIKE $2 ESCAPE '\\'
                 UNION ALL
                 SELECT 'run-sheet notes', '/meetings/' || m.id, m.local_date, s.title || ': ' || s.notes
                 FROM meeting_steps s JOIN meetings m ON m.id = s.meeting_id
                 WHERE m.group_id = $1 AND lower(s.notes) LIKE $2 ESCAPE '\\'
                 UNION ALL
                 SELECT 'concern', '/groups/' || c.group_id || '/concerns', NULL,
                        c.about || ' ' || c.concern || ' ' || c.action_taken || ' ' || c.who_told
                 FROM concerns c
                 WHERE c.group_id = $1 AND lower(c.about || ' ' || c.concern || ' ' || c.action_taken || ' ' || c.who_told)
                     LIKE $2 ESCAPE '\\'")
                .bind(group).bind(&pattern).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)?;
            for r in rows {
                if !found.contains(&r) {
                    found.push(r);
                }
            }
        }
        found.sort_by(|a, b| b.date.cmp(&a.date).then(a.kind.cmp(&b.kind)));
        Ok(found)
    }

    /// Erases a member for good (coordinators only), in one transaction; see the module's
    /// description for what goes and what stays as anonymous counts.
    pub async fn erase_member(&self, viewer: &Staff, member: MemberAccess) -> StoreResult<()> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        self.erase(member.id, &viewer.actor().to_string()).await
    }

    /// Erases one member, recording `actor` as who did it.
    async fn erase(&self, id: MemberId, actor: &str) -> StoreResult<()> {
        let subject = format!("member:{id}");
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some(group) = sqlx::query_scalar::<_, i64>("SELECT group_id FROM members WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await?
            else {
                return Err(StoreError::NotFound);
            };
            // What they added to the group's figures stays as bare numbers: a "yes" to a
            // meeting that was held or whose time has come (it may be marked held later),
            // feedback ratings (not the comments), goals set, done or dropped (not their words).
            sqlx::query(
                "INSERT INTO erased_figures (group_id, meeting_id, kind)
                 SELECT $2, r.meeting_id, 'expected' FROM rsvps r JOIN meetings m ON m.id = r.meeting_id
                 WHERE r.member_id = $1 AND r.answer = 'yes'
                   AND (m.status IN ('held', 'under_way') OR (m.status = 'planned' AND m.starts_at <= $3))")
                .bind(id).bind(group).bind(t).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO erased_figures (group_id, meeting_id, kind, value)
                 SELECT $2, meeting_id, 'feedback', rating FROM meeting_feedback WHERE member_id = $1")
                .bind(id).bind(group).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO erased_figures (group_id, kind, at)
                 SELECT $2, 'goal_set', created_at FROM action_plans WHERE member_id = $1")
                .bind(id).bind(group).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO erased_figures (group_id, kind, at)
                 SELECT $2, CASE r.outcome WHEN 'done' THEN 'goal_done' ELSE 'goal_dropped' END, r.at
                 FROM plan_reviews r JOIN action_plans p ON p.id = r.plan_id
                 WHERE p.member_id = $1 AND r.outcome IN ('done', 'dropped')")
                .bind(id).bind(group).execute(&mut *tx).await?;
            // Their sign-ins stay, anonymous, so a meeting still had seven people; one random
            // number (not their id) ties them together so they still count as one person.
            sqlx::query("UPDATE attendance SET guest_name = NULL, member_id = NULL, erased_person = $2 WHERE member_id = $1")
                .bind(id).bind(erased_person()).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM members WHERE id = $1")
                .bind(id).execute(&mut *tx).await?;
            // Answers kept for repeated requests (`replays`) may show their name: the answers
            // go (a repeat still is not done twice; it gets its status and address back).
            sqlx::query("UPDATE replays SET body = NULL WHERE body IS NOT NULL")
                .execute(&mut *tx).await?;
            sqlx::query("DELETE FROM audit_events WHERE subject = $1 OR actor = $1")
                .bind(&subject).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO audit_events (at, actor, action, subject, detail, request_id)
                 VALUES ($1, $2, 'erased a member', 'member:erased', '', $3)")
                .bind(t).bind(actor).bind(crate::request::current_id()).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)?;
        self.scrub_freed_space().await
    }

    /// SQLite: merge the search index (dropping the words of deleted entries, which stay in
    /// its older segments until then) and checkpoint the write-ahead log, truncating it, so
    /// erased text is left in neither file (`secure_delete` has zeroed freed pages).
    async fn scrub_freed_space(&self) -> StoreResult<()> {
        if let Db::Sqlite(pool) = &self.db {
            sqlx::query("INSERT INTO search_docs (search_docs) VALUES ('optimize')")
                .execute(pool)
                .await
                .map_err(StoreError::from_sqlx)?;
            // Best effort: a reader holding an old snapshot can keep the log from being
            // truncated now; the next checkpoint does it.
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await;
        }
        Ok(())
    }
}

/// A random negative number standing for one erased member in the sign-ins they leave behind:
/// negative so it never equals a member's id, random so it says nothing about who they were.
fn erased_person() -> i64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    -((u64::from_le_bytes(bytes) >> 2) as i64) - 1
}

impl Store {
    /// The tables (the search index's own included) holding `needle` anywhere, in any column:
    /// to show that an erasure left nothing behind.
    pub async fn tables_holding(&self, needle: &str) -> StoreResult<Vec<String>> {
        let pattern = format!("%{}%", super::members::escape_like(needle));
        let mut found = Vec::new();
        match &self.db {
            Db::Sqlite(pool) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                )
                .fetch_all(pool)
                .await
                .map_err(StoreError::from_sqlx)?;
                for table in tables {
                    let columns: Vec<String> =
                        sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                            .bind(&table)
                            .fetch_all(pool)
                            .await
                            .map_err(StoreError::from_sqlx)?;
                    if columns.is_empty() {
                        continue;
                    }
                    let test: Vec<String> = columns
                        .iter()
                        .map(|c| {
                            format!(
                                "lower(CAST({} AS TEXT)) LIKE lower($1) ESCAPE '\\'",
                                super::portable::quoted(c)
                            )
                        })
                        .collect();
                    let sql = format!(
                        "SELECT COUNT(*) FROM {} WHERE {}",
                        super::portable::quoted(&table),
                        test.join(" OR ")
                    );
                    let n: i64 = sqlx::query_scalar(&sql)
                        .bind(&pattern)
                        .fetch_one(pool)
                        .await
                        .map_err(StoreError::from_sqlx)?;
                    if n > 0 {
                        found.push(table);
                    }
                }
            }
            Db::Postgres(pool) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                )
                .fetch_all(pool)
                .await
                .map_err(StoreError::from_sqlx)?;
                for table in tables {
                    let q = super::portable::quoted(&table);
                    let sql = format!(
                        "SELECT COUNT(*) FROM {q} t WHERE lower(t::text) LIKE lower($1) ESCAPE '\\'"
                    );
                    let n: i64 = sqlx::query_scalar(&sql)
                        .bind(&pattern)
                        .fetch_one(pool)
                        .await
                        .map_err(StoreError::from_sqlx)?;
                    if n > 0 {
                        found.push(table);
                    }
                }
            }
        }
        found.sort();
        Ok(found)
    }
}

/// The key of the retention setting in `network_settings`.
const RETENTION: &str = "retention_months";

/// What the retention choices are, and the one suggested: long enough that someone who comes
/// back after a break is still known, short enough not to keep records of people for years.
pub const RETENTION_CHOICES: [i64; 5] = [12, 24, 36, 60, 84];
pub const RETENTION_SUGGESTED: i64 = 24;

/// A member who has left and is, or will soon be, erased by the retention setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueErasure {
    pub member_id: MemberId,
    pub group_id: GroupId,
    pub group_name: String,
    pub name: String,
    pub left_on: String,
    /// The day they are erased (on or after).
    pub due_on: String,
}

impl Store {
    /// How many months after leaving members are erased; None: never (the default).
    pub async fn retention_months(&self) -> StoreResult<Option<i64>> {
        let value = on_db!(self, pool => sqlx::query_scalar::<_, String>(
            "SELECT value FROM network_settings WHERE key = $1")
            .bind(RETENTION).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(value.and_then(|v| v.parse().ok()).filter(|m: &i64| *m > 0))
    }

    /// Sets (or, with None, turns off) erasing members after they left; coordinators only,
    /// audited.
    pub async fn set_retention_months(
        &self,
        viewer: &Staff,
        months: Option<i64>,
    ) -> StoreResult<()> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        let actor = viewer.actor().to_string();
        let detail = months.map_or("off".to_string(), |m| format!("{m} months"));
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            match months {
                Some(m) => sqlx::query(
                    "INSERT INTO network_settings (key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(RETENTION).bind(m.to_string()).execute(&mut *tx).await?,
                None => sqlx::query("DELETE FROM network_settings WHERE key = $1")
                    .bind(RETENTION).execute(&mut *tx).await?,
            };
            sqlx::query(
                "INSERT INTO audit_events (at, actor, action, subject, detail, request_id)
                 VALUES ($1, $2, 'set how long members are kept after leaving', 'network', $3, $4)")
                .bind(now()).bind(&actor).bind(&detail).bind(crate::request::current_id()).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Members whose erasure by the retention setting falls on or before `until` (a date), in
    /// date order; none while retention is off.
    pub async fn erasures_due(&self, until: jiff::civil::Date) -> StoreResult<Vec<DueErasure>> {
        let Some(months) = self.retention_months().await? else {
            return Ok(Vec::new());
        };
        let rows =
            on_db!(self, pool => sqlx::query_as::<_, (MemberId, GroupId, String, String, String)>(
            "SELECT m.id, m.group_id, g.name, m.preferred_name, m.left_on
             FROM members m JOIN support_groups g ON g.id = m.group_id
             WHERE m.left_on IS NOT NULL")
            .fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)?;
        let mut due: Vec<DueErasure> = rows
            .into_iter()
            .filter_map(|(member_id, group_id, group_name, name, left_on)| {
                let left: jiff::civil::Date = left_on.parse().ok()?;
                let on = left.checked_add(jiff::Span::new().months(months)).ok()?;
                (on <= until).then(|| DueErasure {
                    member_id,
                    group_id,
                    group_name,
                    name,
                    left_on,
                    due_on: on.to_string(),
                })
            })
            .collect();
        due.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.member_id.cmp(&b.member_id)));
        Ok(due)
    }

    /// Erases every member whose time has come (the retention job); returns how many.
    pub async fn erase_due(&self, today: jiff::civil::Date) -> StoreResult<usize> {
        let due = self.erasures_due(today).await?;
        let mut erased = 0;
        for d in &due {
            match self.erase(d.member_id, "system:retention").await {
                Ok(()) => erased += 1,
                // Erased already (by hand, or by another instance): nothing to do.
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(erased)
    }
}

//! The audit trail: who viewed or changed sensitive records, and when.

use serde::Serialize;

use super::{Store, StoreError, StoreResult, now, on_db};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEvent {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

impl Store {
    /// How many reads have been audited through this store so far (see `audited_reads`).
    pub fn audited_reads(&self) -> u64 {
        self.audited_reads.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Records that someone viewed a sensitive record.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> StoreResult<()> {
        self.audited_reads
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        on_db!(self, pool => sqlx::query(
            "INSERT INTO audit_events (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(now()).bind(actor).bind(action).bind(subject).bind(detail)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// The most recent events about one subject (e.g. `member:12`), newest first.
    pub async fn audit_for(&self, subject: &str, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        on_db!(self, pool => sqlx::query_as::<_, AuditEvent>(
            "SELECT id, at, actor, action, subject, detail FROM audit_events
             WHERE subject = $1 ORDER BY at DESC, id DESC LIMIT $2")
            .bind(subject).bind(limit).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

/// A member of staff who looked at a member's record, for the member's own page.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Looker {
    pub name: String,
    /// coordinator or facilitator.
    pub role: String,
    /// When they last looked or changed something (Unix seconds).
    pub last_at: i64,
}

impl Store {
    /// Who (name and role) has looked at or changed the member's record since `since`, most
    /// recent first: what a member sees on their own page.
    pub async fn who_looked(
        &self,
        member: &impl super::MemberScope,
        since: i64,
    ) -> StoreResult<Vec<Looker>> {
        let subject = format!("member:{}", member.member_id());
        on_db!(self, pool => sqlx::query_as::<_, Looker>(
            "SELECT a.name, a.role, MAX(e.at) AS last_at
             FROM audit_events e JOIN accounts a ON e.actor = 'account:' || a.id
             WHERE e.subject = $1 AND e.at >= $2
             GROUP BY a.id, a.name, a.role
             ORDER BY MAX(e.at) DESC, a.name")
            .bind(subject).bind(since).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

/// What the coordinators' audit page and API ask for: any of a member, a member of staff and
/// a range of days (`from` and `to` as Unix seconds, `to` exclusive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub member_id: Option<i64>,
    pub account_id: Option<i64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Store {
    /// The audit trail, newest first, filtered (coordinators only).
    pub async fn audit_search(
        &self,
        viewer: &crate::domain::access::Staff,
        filter: &AuditFilter,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        let subject = filter.member_id.map(|m| format!("member:{m}"));
        let actor = filter.account_id.map(|a| format!("account:{a}"));
        on_db!(self, pool => sqlx::query_as::<_, AuditEvent>(
            "SELECT id, at, actor, action, subject, detail FROM audit_events
             WHERE ($1 IS NULL OR subject = $1) AND ($2 IS NULL OR actor = $2)
               AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4)
             ORDER BY at DESC, id DESC LIMIT $5")
            .bind(&subject).bind(&actor).bind(filter.from).bind(filter.to).bind(limit)
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

impl Store {
    /// Members' preferred names by id, for the coordinators' audit page (erased members are
    /// simply not found).
    pub async fn member_names(
        &self,
        viewer: &crate::domain::access::Staff,
        ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, String>> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        let mut names = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT id, preferred_name FROM members WHERE id IN ({})",
                super::placeholders(chunk.len())
            );
            let rows: Vec<(i64, String)> = on_db!(self, pool => {
                let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await
            })
            .map_err(StoreError::from_sqlx)?;
            names.extend(rows);
        }
        Ok(names)
    }
}

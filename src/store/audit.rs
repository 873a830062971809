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

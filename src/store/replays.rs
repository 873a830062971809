//! Requests done once however often they are sent: a request with an `Idempotency-Key`
//! header is recorded here by account and key before it is done, and its answer after
//! (`http::replay` is the layer that uses this). A repeat of the same request gets the first
//! answer back; the same key on a different request is refused. The record is made with
//! `INSERT … ON CONFLICT DO NOTHING` on the primary key, so of two copies arriving at once on
//! two instances exactly one is done.

use super::{Store, StoreError, StoreResult, now, on_db};

/// How long an answer is kept for repeats: two weeks, for a phone that comes back into signal
/// the next week.
pub const KEPT_FOR: i64 = 14 * 86_400;

/// A first answer, as kept.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KeptAnswer {
    pub request_hash: String,
    /// 0 while the first request is still being done.
    pub status: i32,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Option<String>,
    pub created_at: i64,
}

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayStart {
    /// Seen for the first time (or its earlier try never finished): do it.
    Fresh,
    /// Done before: answer with this.
    Done(KeptAnswer),
    /// The first copy is still being done.
    Busy,
    /// The key was used for a different request.
    Different,
}

impl Store {
    /// Claims `key` for `account`'s request (`hash` names the method, address and body). A
    /// claim left unfinished since before `stale_before` (an instance stopped mid-request) is
    /// taken over.
    pub async fn replay_begin(
        &self,
        account: i64,
        key: &str,
        hash: &str,
        stale_before: i64,
    ) -> StoreResult<ReplayStart> {
        let t = now();
        let inserted = on_db!(self, pool => sqlx::query(
            "INSERT INTO replays (account_id, idem_key, request_hash, status, created_at)
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT (account_id, idem_key) DO NOTHING")
            .bind(account).bind(key).bind(hash).bind(t)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        if inserted == 1 {
            return Ok(ReplayStart::Fresh);
        }
        let kept = on_db!(self, pool => sqlx::query_as::<_, KeptAnswer>(
            "SELECT request_hash, status, content_type, location, body, created_at
             FROM replays WHERE account_id = $1 AND idem_key = $2")
            .bind(account).bind(key).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let Some(kept) = kept else {
            // Swept or forgotten between the two statements: try once more.
            return Box::pin(self.replay_begin(account, key, hash, stale_before)).await;
        };
        if kept.request_hash != hash {
            return Ok(ReplayStart::Different);
        }
        if kept.status != 0 {
            return Ok(ReplayStart::Done(kept));
        }
        if kept.created_at >= stale_before {
            return Ok(ReplayStart::Busy);
        }
        // Taken over only by the one request whose update finds it still stale.
        let taken = on_db!(self, pool => sqlx::query(
            "UPDATE replays SET created_at = $4
             WHERE account_id = $1 AND idem_key = $2 AND status = 0 AND created_at = $3")
            .bind(account).bind(key).bind(kept.created_at).bind(t)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        Ok(if taken == 1 {
            ReplayStart::Fresh
        } else {
            ReplayStart::Busy
        })
    }

    /// Keeps the first answer to `key`.
    pub async fn replay_finish(
        &self,
        account: i64,
        key: &str,
        status: u16,
        content_type: Option<&str>,
        location: Option<&str>,
        body: Option<&str>,
    ) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query(
            "UPDATE replays SET status = $3, content_type = $4, location = $5, body = $6
             WHERE account_id = $1 AND idem_key = $2")
            .bind(account).bind(key).bind(i32::from(status)).bind(content_type).bind(location).bind(body)
            .execute(pool).await.map(|_| ()))
        .map_err(StoreError::from_sqlx)
    }

    /// Forgets a claim whose request did nothing (refused, or failed), so it can be sent again.
    pub async fn replay_forget(&self, account: i64, key: &str) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query(
            "DELETE FROM replays WHERE account_id = $1 AND idem_key = $2 AND status = 0")
            .bind(account).bind(key).execute(pool).await.map(|_| ()))
        .map_err(StoreError::from_sqlx)
    }
}

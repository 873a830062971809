//! Calendar feeds: secret, revocable addresses for a group's meetings or one member's.

use super::BeginWrite;
use super::meetings::MEETING_COLUMNS;
use super::{Store, StoreError, StoreResult, now, on_db};
use crate::domain::meeting::Meeting;

/// What a feed token opens.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Feed {
    pub group_id: i64,
    pub member_id: Option<i64>,
}

impl Store {
    /// A new feed address for the group (`member_id` None) or one member; the earlier one of
    /// the same owner stops working.
    pub async fn replace_feed(
        &self,
        group_id: i64,
        member_id: Option<i64>,
        token_hash: &str,
    ) -> StoreResult<()> {
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE calendar_feeds SET revoked_at = $1
                 WHERE group_id = $2 AND COALESCE(member_id, 0) = $3 AND revoked_at IS NULL")
                .bind(t).bind(group_id).bind(member_id.unwrap_or(0)).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO calendar_feeds (group_id, member_id, token_hash, created_at) VALUES ($1, $2, $3, $4)")
                .bind(group_id).bind(member_id).bind(token_hash).bind(t).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    pub async fn revoke_feed(&self, group_id: i64, member_id: Option<i64>) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query(
            "UPDATE calendar_feeds SET revoked_at = $1
             WHERE group_id = $2 AND COALESCE(member_id, 0) = $3 AND revoked_at IS NULL")
            .bind(now()).bind(group_id).bind(member_id.unwrap_or(0))
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// Whether the group (or member) has a working feed, and since when.
    pub async fn feed_issued(
        &self,
        group_id: i64,
        member_id: Option<i64>,
    ) -> StoreResult<Option<i64>> {
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT created_at FROM calendar_feeds
             WHERE group_id = $1 AND COALESCE(member_id, 0) = $2 AND revoked_at IS NULL
             ORDER BY created_at DESC LIMIT 1")
            .bind(group_id).bind(member_id.unwrap_or(0)).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    pub async fn feed_by_token(&self, token_hash: &str) -> StoreResult<Option<Feed>> {
        on_db!(self, pool => sqlx::query_as::<_, Feed>(
            "SELECT f.group_id, f.member_id FROM calendar_feeds f
             LEFT JOIN members m ON m.id = f.member_id
             WHERE f.token_hash = $1 AND f.revoked_at IS NULL
               AND (f.member_id IS NULL OR m.left_on IS NULL)")
            .bind(token_hash).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// A group's meetings for a calendar: from three months back onwards, with venue names.
    pub async fn calendar_meetings(&self, group_id: i64) -> StoreResult<Vec<(Meeting, String)>> {
        let sql = format!(
            "SELECT {MEETING_COLUMNS}, COALESCE(v.name || ', ' || NULLIF(v.address, ''), v.name, '') AS location
             FROM meetings m LEFT JOIN venues v ON v.id = m.venue_id
             WHERE m.group_id = $1 AND m.starts_at > $2 ORDER BY m.starts_at"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            meeting: Meeting,
            location: String,
        }
        let rows = on_db!(self, pool => sqlx::query_as::<_, Row>(&sql)
            .bind(group_id).bind(now() - 92 * 86_400).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.meeting, r.location.replace('\n', ", ")))
            .collect())
    }
}

//! Calendar feeds: secret, revocable addresses for a group's meetings or one member's.

use super::BeginWrite;
use super::meetings::MEETING_COLUMNS;
use super::{GroupAccess, MemberLink, Store, StoreError, StoreResult, now, on_db};
use crate::domain::ids::{GroupId, MemberId};
use crate::domain::meeting::Meeting;

/// What a feed token opens: a capability, made only by [`Store::feed_by_token`], through
/// which the feed's meetings and events are read.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Feed {
    group_id: GroupId,
    member_id: Option<MemberId>,
}

impl Feed {
    pub fn group_id(&self) -> GroupId {
        self.group_id
    }
    /// The member whose feed this is; None for the group's own.
    pub fn member_id(&self) -> Option<MemberId> {
        self.member_id
    }
}

/// Whose calendar feed: the group's (through its staff capability) or one member's (through
/// their own link).
pub trait FeedOwner: sealed::Sealed {
    fn feed_key(&self) -> (GroupId, Option<MemberId>);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::GroupAccess {}
    impl Sealed for super::MemberLink {}
}

impl FeedOwner for GroupAccess {
    fn feed_key(&self) -> (GroupId, Option<MemberId>) {
        (self.id(), None)
    }
}

impl FeedOwner for MemberLink {
    fn feed_key(&self) -> (GroupId, Option<MemberId>) {
        (self.group_id, Some(self.id))
    }
}

impl Store {
    /// A new feed address for the group (`member_id` None) or one member; the earlier one of
    /// the same owner stops working.
    pub async fn replace_feed(&self, owner: &impl FeedOwner, token_hash: &str) -> StoreResult<()> {
        let (group_id, member_id) = owner.feed_key();
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE calendar_feeds SET revoked_at = $1
                 WHERE group_id = $2 AND COALESCE(member_id, 0) = $3 AND revoked_at IS NULL")
                .bind(t).bind(group_id).bind(member_id.map_or(0, MemberId::get)).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO calendar_feeds (group_id, member_id, token_hash, created_at) VALUES ($1, $2, $3, $4)")
                .bind(group_id).bind(member_id).bind(token_hash).bind(t).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    pub async fn revoke_feed(&self, owner: &impl FeedOwner) -> StoreResult<()> {
        let (group_id, member_id) = owner.feed_key();
        on_db!(self, pool => sqlx::query(
            "UPDATE calendar_feeds SET revoked_at = $1
             WHERE group_id = $2 AND COALESCE(member_id, 0) = $3 AND revoked_at IS NULL")
            .bind(now()).bind(group_id).bind(member_id.map_or(0, MemberId::get))
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// Whether the group (or member) has a working feed, and since when.
    pub async fn feed_issued(&self, owner: &impl FeedOwner) -> StoreResult<Option<i64>> {
        let (group_id, member_id) = owner.feed_key();
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT created_at FROM calendar_feeds
             WHERE group_id = $1 AND COALESCE(member_id, 0) = $2 AND revoked_at IS NULL
             ORDER BY created_at DESC LIMIT 1")
            .bind(group_id).bind(member_id.map_or(0, MemberId::get)).fetch_optional(pool).await)
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

    /// A group's meetings for a calendar: from three months back onwards, with venue names. A
    /// member's own feed leaves out the meetings they said they cannot come to.
    pub async fn calendar_meetings(&self, feed: &Feed) -> StoreResult<Vec<(Meeting, String)>> {
        let group_id = feed.group_id;
        let sql = format!(
            "SELECT {MEETING_COLUMNS}, COALESCE(v.name || ', ' || NULLIF(v.address, ''), v.name, '') AS location
             FROM meetings m LEFT JOIN venues v ON v.id = m.venue_id
             WHERE m.group_id = $1 AND m.starts_at > $2
               AND NOT EXISTS (SELECT 1 FROM rsvps r WHERE r.meeting_id = m.id AND r.member_id = $3 AND r.answer = 'no')
             ORDER BY m.starts_at"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            meeting: Meeting,
            location: String,
        }
        let rows = on_db!(self, pool => sqlx::query_as::<_, Row>(&sql)
            .bind(group_id).bind(now() - 92 * 86_400).bind(feed.member_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.meeting, r.location.replace('\n', ", ")))
            .collect())
    }
}

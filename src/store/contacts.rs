//! The contact record, read and written only by staff who may see the member's group.

use super::{GroupAccess, MemberAccess, Store, StoreError, StoreResult, now, on_db};
use crate::domain::access::Staff;
use crate::domain::contact::{Contact, ContactInput};
use crate::domain::ids::{GroupId, MemberId};

const CONTACT_SELECT: &str =
    "SELECT c.id, c.group_id, c.member_id, m.preferred_name AS member_name,
        c.contacted_on, c.how, c.about, c.follow_up, c.follow_up_by, c.follow_up_done,
        c.recorded_by, a.name AS recorded_by_name
     FROM contacts c JOIN members m ON m.id = c.member_id JOIN accounts a ON a.id = c.recorded_by";

/// Why a group's contact record is read, for its audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactRead {
    Viewed,
    Exported,
}

impl Store {
    pub async fn add_contact(&self, member: &MemberAccess, c: &ContactInput) -> StoreResult<i64> {
        let member_id = member.id;
        let account_id = member.actor.account_id()?;
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO contacts (group_id, member_id, contacted_on, how, about, follow_up,
                follow_up_by, recorded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(member.group_id).bind(member_id).bind(&c.contacted_on).bind(c.how).bind(&c.about)
            .bind(&c.follow_up).bind(&c.follow_up_by).bind(account_id).bind(now())
            .fetch_all(pool).await.and_then(super::first_row))
        .map_err(StoreError::from_sqlx)
    }

    pub async fn contacts_of_member(&self, member: &MemberAccess) -> StoreResult<Vec<Contact>> {
        let member_id = member.id;
        let sql = format!(
            "{CONTACT_SELECT} WHERE c.member_id = $1 ORDER BY c.contacted_on DESC, c.id DESC"
        );
        let rows = on_db!(self, pool => sqlx::query_as::<_, Contact>(&sql).bind(member_id).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)?;
        self.audit_read(
            &member.actor.to_string(),
            "viewed their calls",
            &format!("member:{member_id}"),
            &[],
        )
        .await?;
        Ok(rows)
    }

    /// A group's contact record, optionally for a date range (inclusive, YYYY-MM-DD).
    /// The group's contact record for a range of dates. Every read is audited here, once for
    /// the response (`purpose` says what it is for: viewed or exported), naming the members
    /// whose calls it shows.
    pub async fn contacts_of_group(
        &self,
        group: &GroupAccess,
        from: Option<&str>,
        to: Option<&str>,
        purpose: ContactRead,
    ) -> StoreResult<Vec<Contact>> {
        let group_id = group.id();
        let sql = format!(
            "{CONTACT_SELECT} WHERE c.group_id = $1 AND ($2 = '' OR c.contacted_on >= $2)
               AND ($3 = '' OR c.contacted_on <= $3)
             ORDER BY c.contacted_on DESC, c.id DESC"
        );
        let contacts = on_db!(self, pool => sqlx::query_as::<_, Contact>(&sql)
            .bind(group_id).bind(from.unwrap_or("")).bind(to.unwrap_or("")).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let shown: Vec<MemberId> = contacts.iter().map(|c| c.member_id).collect();
        let action = match purpose {
            ContactRead::Viewed => "viewed the contact record",
            ContactRead::Exported => "exported the contact record",
        };
        self.audit_read(
            &group.actor().to_string(),
            action,
            &format!("group:{group_id}"),
            &shown,
        )
        .await?;
        Ok(contacts)
    }

    /// Follow-ups still to do in the groups the viewer facilitates (and, for a coordinator,
    /// those they recorded themselves).
    pub async fn open_follow_ups(&self, viewer: &Staff) -> StoreResult<Vec<Contact>> {
        let sql = format!(
            "{CONTACT_SELECT} WHERE c.follow_up <> '' AND c.follow_up_done = FALSE
               AND (c.group_id IN
                    (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $1)
                    OR ($2 AND c.recorded_by = $1))
             ORDER BY COALESCE(c.follow_up_by, '9999-12-31'), c.id"
        );
        let found = on_db!(self, pool => sqlx::query_as::<_, Contact>(&sql)
            .bind(viewer.id).bind(viewer.is_coordinator()).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        // Calls are sensitive records: shown, they are recorded as seen (none shown, nothing).
        if !found.is_empty() {
            let shown: Vec<MemberId> = found.iter().map(|c| c.member_id).collect();
            self.audit_read(
                &viewer.actor().to_string(),
                "viewed follow-ups",
                "network",
                &shown,
            )
            .await?;
        }
        Ok(found)
    }

    pub async fn set_follow_up_done(
        &self,
        viewer: &Staff,
        contact_id: i64,
        done: bool,
    ) -> StoreResult<MemberId> {
        let group_id = on_db!(self, pool => sqlx::query_scalar::<_, GroupId>("SELECT group_id FROM contacts WHERE id = $1")
            .bind(contact_id).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)?;
        self.check_group(viewer, group_id).await?;
        on_db!(self, pool => sqlx::query("UPDATE contacts SET follow_up_done = $1 WHERE id = $2")
            .bind(done).bind(contact_id).execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        let member_id = on_db!(self, pool => sqlx::query_scalar::<_, MemberId>("SELECT member_id FROM contacts WHERE id = $1")
            .bind(contact_id).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(member_id)
    }

    /// The last contact date with each member of a group (for call lists).
    pub async fn last_contacts(&self, group: &GroupAccess) -> StoreResult<Vec<(MemberId, String)>> {
        on_db!(self, pool => sqlx::query_as::<_, (MemberId, String)>(
            "SELECT member_id, MAX(contacted_on) FROM contacts WHERE group_id = $1 GROUP BY member_id")
            .bind(group.id()).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// For each member of a group, how many of the last `n` held meetings they came to.
    pub async fn recent_attendance(
        &self,
        group: &GroupAccess,
        n: i64,
    ) -> StoreResult<Vec<(MemberId, i64)>> {
        on_db!(self, pool => sqlx::query_as::<_, (MemberId, i64)>(
            "SELECT a.member_id, COUNT(*) FROM attendance a
             WHERE a.member_id IS NOT NULL AND a.meeting_id IN
               (SELECT id FROM meetings WHERE group_id = $1 AND status = 'held'
                ORDER BY starts_at DESC LIMIT $2)
             GROUP BY a.member_id")
            .bind(group.id()).bind(n).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// How many meetings the group has held (to know whether "not seen lately" means anything).
    pub async fn held_count(&self, group: &GroupAccess) -> StoreResult<i64> {
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM meetings WHERE group_id = $1 AND status = 'held'")
            .bind(group.id()).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

//! Groups and who facilitates them. Every read takes the viewer: a coordinator sees every group,
//! a facilitator only the groups they are assigned to.

use serde::Serialize;

use super::BeginWrite;
use super::{GroupAccess, Store, StoreError, StoreResult, now, on_db};
use crate::domain::access::Staff;
use crate::domain::group::{Group, GroupInput};
use crate::domain::ids::{GroupId, VenueId};

const GROUP_COLUMNS: &str = "g.id, g.name, g.area, g.description, g.timezone, g.usual_meeting_length, \
     g.open_to_new_members, g.format, g.number_of_meetings, g.ground_rules, \
     g.ground_rules_reviewed_on, g.usual_venue_id, g.reminder_hours";

/// The visibility rule, for queries whose $1 is "is coordinator" and $2 the account id.
const VISIBLE: &str =
    "($1 OR g.id IN (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $2))";

/// A group with the figures shown in lists.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GroupSummary {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub group: Group,
    pub active_members: i64,
    pub venue_name: Option<String>,
}

/// The counts on a group's home page, read in one query.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct GroupFigures {
    pub active_members: i64,
    pub meetings_held: i64,
    pub concerns: i64,
    pub mail_pending: i64,
    pub mail_failed: i64,
}

/// A group with its list figures, for the groups the viewer may see ($1 is "is coordinator",
/// $2 the account id), in name order.
fn group_summaries(extra_columns: &str, tail: &str) -> String {
    format!(
        "SELECT {GROUP_COLUMNS},
            (SELECT COUNT(*) FROM members m WHERE m.group_id = g.id AND m.left_on IS NULL) AS active_members,
            v.name AS venue_name{extra_columns}
         FROM support_groups g LEFT JOIN venues v ON v.id = g.usual_venue_id
         WHERE {VISIBLE} ORDER BY lower(g.name), g.id{tail}"
    )
}

/// Someone who facilitates a group.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Facilitator {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// The phone number they can be reached on ("" when not given); shown on the group's page
    /// to staff, not in the API's group (the staff list gives it to coordinators).
    #[serde(skip)]
    #[sqlx(default)]
    pub phone: String,
}

impl Store {
    pub async fn groups_for(&self, viewer: &Staff) -> StoreResult<Vec<GroupSummary>> {
        let sql = group_summaries("", "");
        on_db!(self, pool => sqlx::query_as::<_, GroupSummary>(&sql)
            .bind(viewer.is_coordinator()).bind(viewer.id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// One page of the groups the viewer may see, in name order, with how many there are in
    /// all (for the API's paged list).
    pub async fn groups_page(
        &self,
        viewer: &Staff,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<GroupSummary>, i64)> {
        let sql = group_summaries(", COUNT(*) OVER () AS total", " LIMIT $3 OFFSET $4");
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            summary: GroupSummary,
            total: i64,
        }
        let rows = on_db!(self, pool => sqlx::query_as::<_, Row>(&sql)
            .bind(viewer.is_coordinator()).bind(viewer.id).bind(limit).bind(offset)
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let total = match rows.first() {
            Some(r) => r.total,
            // Past the end: count them separately.
            None => on_db!(self, pool => sqlx::query_scalar::<_, i64>(&format!(
                "SELECT COUNT(*) FROM support_groups g WHERE {VISIBLE}"))
                .bind(viewer.is_coordinator()).bind(viewer.id).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)?,
        };
        Ok((rows.into_iter().map(|r| r.summary).collect(), total))
    }

    /// One group, if the viewer may see it.
    pub async fn group_for(&self, viewer: &Staff, id: GroupId) -> StoreResult<Group> {
        let sql =
            format!("SELECT {GROUP_COLUMNS} FROM support_groups g WHERE {VISIBLE} AND g.id = $3");
        on_db!(self, pool => sqlx::query_as::<_, Group>(&sql)
            .bind(viewer.is_coordinator()).bind(viewer.id).bind(id).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// The group home page's counts: current members, meetings held, concerns recorded, and
    /// emails waiting or failed.
    pub async fn group_figures(&self, group: &GroupAccess) -> StoreResult<GroupFigures> {
        let id = group.id();
        on_db!(self, pool => sqlx::query_as::<_, GroupFigures>(
            "SELECT
                (SELECT COUNT(*) FROM members WHERE group_id = $1 AND left_on IS NULL) AS active_members,
                (SELECT COUNT(*) FROM meetings WHERE group_id = $1 AND status = 'held') AS meetings_held,
                (SELECT COUNT(*) FROM concerns WHERE group_id = $1) AS concerns,
                (SELECT COUNT(*) FROM jobs WHERE group_id = $1 AND status = 'pending') AS mail_pending,
                (SELECT COUNT(*) FROM jobs WHERE group_id = $1 AND status = 'failed') AS mail_failed")
            .bind(id).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Refuses (as not found) a group the viewer may not see or that does not exist, for reads
    /// and writes that need only the check: a facilitator's groups came with their session, and
    /// a group once seen to exist always will (groups are never deleted), so this rarely
    /// queries.
    pub async fn check_group(&self, viewer: &Staff, id: GroupId) -> StoreResult<()> {
        if !viewer.is_coordinator() {
            return if viewer.facilitates(id) {
                Ok(())
            } else {
                Err(StoreError::NotFound)
            };
        }
        if self
            .known_groups
            .read()
            .map(|k| k.contains(&id))
            .unwrap_or(false)
        {
            return Ok(());
        }
        let found = on_db!(self, pool => sqlx::query_scalar::<_, GroupId>(
            "SELECT id FROM support_groups WHERE id = $1")
            .bind(id).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?;
        match found {
            Some(id) => {
                if let Ok(mut k) = self.known_groups.write() {
                    k.insert(id);
                }
                Ok(())
            }
            None => Err(StoreError::NotFound),
        }
    }

    /// The capability to reach a group's staff-only parts, if the viewer may see the group (the
    /// same check as [`Store::check_group`], so it rarely queries).
    pub async fn group(&self, viewer: &Staff, id: GroupId) -> StoreResult<GroupAccess> {
        self.check_group(viewer, id).await?;
        Ok(GroupAccess {
            group_id: id,
            actor: viewer.into(),
        })
    }

    /// The capability to choose who runs a group, which only coordinators do: anyone else is
    /// refused (403) before the group is looked at, whichever group it is.
    pub async fn group_to_staff(&self, viewer: &Staff, id: GroupId) -> StoreResult<GroupAccess> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        self.group(viewer, id).await
    }

    /// The group a capability is in: its name, time zone and settings, for the pages, files
    /// and emails that reach it through a member's link, a poll, an event or a meeting.
    pub async fn group_of(&self, scope: &impl super::GroupScope) -> StoreResult<Group> {
        self.group_unchecked(scope.group_id()).await
    }

    /// The group a calendar feed shows.
    pub async fn feed_group(&self, feed: &super::Feed) -> StoreResult<Group> {
        self.group_unchecked(feed.group_id()).await
    }

    /// A group for Hearth's own jobs (email), which act for no one (`Actor::System`).
    pub(crate) async fn group_for_job(&self, id: GroupId) -> StoreResult<GroupAccess> {
        self.group_unchecked(id).await?;
        Ok(GroupAccess {
            actor: self.admit(super::access::Asker::Job, id).await?,
            group_id: id,
        })
    }

    /// A group by id with no viewer: inside the store only, after a capability was checked.
    pub(super) async fn group_unchecked(&self, id: GroupId) -> StoreResult<Group> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM support_groups g WHERE g.id = $1");
        on_db!(self, pool => sqlx::query_as::<_, Group>(&sql).bind(id).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// Only coordinators start groups.
    pub async fn create_group(&self, viewer: &Staff, input: &GroupInput) -> StoreResult<Group> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        self.check_venue(input.usual_venue_id).await?;
        let t = now();
        let id = on_db!(self, pool => sqlx::query_scalar::<_, GroupId>(
            "INSERT INTO support_groups (name, description, timezone, usual_meeting_length,
                open_to_new_members, format, number_of_meetings, ground_rules,
                ground_rules_reviewed_on, usual_venue_id, reminder_hours, created_at, updated_at, area)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $11, $11, $13) RETURNING id")
            .bind(&input.name).bind(&input.description).bind(&input.timezone)
            .bind(input.usual_meeting_length).bind(input.open_to_new_members)
            .bind(input.format).bind(input.number_of_meetings).bind(&input.ground_rules)
            .bind(&input.ground_rules_reviewed_on).bind(input.usual_venue_id).bind(t)
            .bind(input.reminder_hours).bind(&input.area)
            .fetch_all(pool).await.and_then(super::first_row))
        .map_err(StoreError::from_sqlx)?;
        self.group_for(viewer, id).await
    }

    /// Coordinators and the group's own facilitators may change a group.
    pub async fn update_group(
        &self,
        group: &GroupAccess,
        input: &GroupInput,
    ) -> StoreResult<Group> {
        let id = group.id();
        self.check_venue(input.usual_venue_id).await?;
        on_db!(self, pool => sqlx::query(
            "UPDATE support_groups SET name = $1, description = $2, timezone = $3,
                usual_meeting_length = $4, open_to_new_members = $5, format = $6,
                number_of_meetings = $7, ground_rules = $8, ground_rules_reviewed_on = $9,
                usual_venue_id = $10, updated_at = $11, reminder_hours = $13, area = $14
             WHERE id = $12")
            .bind(&input.name).bind(&input.description).bind(&input.timezone)
            .bind(input.usual_meeting_length).bind(input.open_to_new_members)
            .bind(input.format).bind(input.number_of_meetings).bind(&input.ground_rules)
            .bind(&input.ground_rules_reviewed_on).bind(input.usual_venue_id).bind(now())
            .bind(id).bind(input.reminder_hours).bind(&input.area)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        self.group_unchecked(id).await
    }

    /// Records that the group looked at its ground rules on this day (a later date is kept).
    pub async fn ground_rules_reviewed(&self, group: &GroupAccess, on: &str) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query(
            "UPDATE support_groups SET ground_rules_reviewed_on = $1, updated_at = $2
             WHERE id = $3 AND (ground_rules_reviewed_on IS NULL OR ground_rules_reviewed_on < $1)")
            .bind(on).bind(now()).bind(group.id()).execute(pool).await.map(|_| ()))
        .map_err(StoreError::from_sqlx)
    }

    async fn check_venue(&self, venue_id: Option<VenueId>) -> StoreResult<()> {
        if let Some(v) = venue_id {
            self.venue(v).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::Conflict(super::Conflict::NoSuchVenue),
                other => other,
            })?;
        }
        Ok(())
    }

    pub async fn facilitators_of(&self, group: &GroupAccess) -> StoreResult<Vec<Facilitator>> {
        let group_id = group.id();
        on_db!(self, pool => sqlx::query_as::<_, Facilitator>(
            "SELECT a.id, a.name, a.email, a.phone FROM group_facilitators gf
             JOIN accounts a ON a.id = gf.account_id
             WHERE gf.group_id = $1 ORDER BY lower(a.name), a.id")
            .bind(group_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Replaces who facilitates a group. Only coordinators assign facilitators.
    pub async fn set_facilitators(
        &self,
        viewer: &Staff,
        group: &GroupAccess,
        account_ids: &[i64],
    ) -> StoreResult<()> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        let group_id = group.id();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM group_facilitators WHERE group_id = $1")
                .bind(group_id).execute(&mut *tx).await?;
            let mut all_known = true;
            for account_id in account_ids {
                let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE id = $1")
                    .bind(account_id).fetch_one(&mut *tx).await?;
                if known == 0 {
                    // Not committed: an id that names nobody changes nothing.
                    all_known = false;
                    break;
                }
                sqlx::query(
                    "INSERT INTO group_facilitators (group_id, account_id) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING")
                    .bind(group_id).bind(account_id).execute(&mut *tx).await?;
            }
            if all_known {
                tx.commit().await?;
            }
            Ok(all_known)
        })
        .map_err(StoreError::from_sqlx)
        .and_then(|all_known| {
            if all_known {
                Ok(())
            } else {
                Err(StoreError::Conflict(super::Conflict::NoSuchAccount))
            }
        })
    }
}

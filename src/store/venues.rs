//! Venues are shared by the whole network: any member of staff may list and read them. What a
//! venue says (its address, access notes, how to get there) reaches every group that meets
//! there — their preparation pages, calendars and emails — so who may change it is limited:
//! coordinators always; a facilitator may add a venue, and correct one that only their own
//! groups use (no meeting, poll option or usual venue of another group names it). Staff with no group
//! may do neither. Checked here, so every page and API route gets the same answer.

use super::{Store, StoreError, StoreResult, now, on_db};
use crate::domain::access::Staff;
use crate::domain::ids::{GroupId, VenueId};
use crate::domain::venue::{Venue, VenueInput};

const VENUE_COLUMNS: &str = "id, name, address, how_to_get_there, toilets, fire_exits, step_free, \
     hearing_loop, accessible_toilet, parking, quiet_room, requires_sign_in_sheet, capacity, \
     booking_contact, notes";

impl Store {
    pub async fn venues(&self) -> StoreResult<Vec<Venue>> {
        let sql = format!("SELECT {VENUE_COLUMNS} FROM venues ORDER BY lower(name), id");
        on_db!(self, pool => sqlx::query_as::<_, Venue>(&sql).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    pub async fn venue(&self, id: VenueId) -> StoreResult<Venue> {
        let sql = format!("SELECT {VENUE_COLUMNS} FROM venues WHERE id = $1");
        on_db!(self, pool => sqlx::query_as::<_, Venue>(&sql).bind(id).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// Whether the viewer may add venues.
    pub fn may_add_venue(viewer: &Staff) -> bool {
        viewer.is_coordinator() || !viewer.groups.is_empty()
    }

    /// Whether the viewer may change this venue: a coordinator, or a facilitator when no group
    /// but their own uses it.
    pub async fn may_change_venue(&self, viewer: &Staff, id: VenueId) -> StoreResult<bool> {
        if viewer.is_coordinator() {
            return Ok(true);
        }
        if viewer.groups.is_empty() {
            return Ok(false);
        }
        let others: i64 = on_db!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM (
                SELECT group_id FROM meetings WHERE venue_id = $1
                UNION SELECT p.group_id FROM poll_options o JOIN polls p ON p.id = o.poll_id
                    WHERE o.venue_id = $1
                UNION SELECT id FROM support_groups WHERE usual_venue_id = $1) u
             WHERE u.group_id NOT IN
                (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $2)")
            .bind(id).bind(viewer.id).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(others == 0)
    }

    /// The groups the viewer may see that use this venue (their usual venue, or a meeting
    /// there in the last year or to come), in natural order; and how many other groups do.
    pub async fn groups_using_venue(
        &self,
        viewer: &Staff,
        id: VenueId,
    ) -> StoreResult<(Vec<(GroupId, String)>, i64)> {
        let rows = on_db!(self, pool => sqlx::query_as::<_, (GroupId, String, bool)>(
            "SELECT g.id, g.name,
                ($2 OR g.id IN (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $3))
             FROM support_groups g
             WHERE g.usual_venue_id = $1
                OR g.id IN (SELECT m.group_id FROM meetings m WHERE m.venue_id = $1 AND m.starts_at > $4)")
            .bind(id).bind(viewer.is_coordinator()).bind(viewer.id).bind(now() - 366 * 86_400)
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let others = rows.iter().filter(|r| !r.2).count() as i64;
        let mut seen: Vec<(GroupId, String)> = rows
            .into_iter()
            .filter(|r| r.2)
            .map(|r| (r.0, r.1))
            .collect();
        seen.sort_by_cached_key(|(g, name)| (crate::domain::programme::natural_key(name), *g));
        Ok((seen, others))
    }

    /// Adds a venue, if the viewer may (`may_add_venue`).
    pub async fn create_venue(&self, viewer: &Staff, v: &VenueInput) -> StoreResult<Venue> {
        if !Self::may_add_venue(viewer) {
            return Err(StoreError::Forbidden);
        }
        self.insert_venue(v).await
    }

    /// Adds a venue with no one to check (the demo data).
    pub(crate) async fn insert_venue(&self, v: &VenueInput) -> StoreResult<Venue> {
        let t = now();
        let id = on_db!(self, pool => sqlx::query_scalar::<_, VenueId>(
            "INSERT INTO venues (name, address, how_to_get_there, toilets, fire_exits, step_free,
                hearing_loop, accessible_toilet, parking, quiet_room, requires_sign_in_sheet,
                capacity, booking_contact, notes, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
             RETURNING id")
            .bind(&v.name).bind(&v.address).bind(&v.how_to_get_there).bind(&v.toilets)
            .bind(&v.fire_exits).bind(v.step_free).bind(v.hearing_loop).bind(v.accessible_toilet)
            .bind(v.parking).bind(v.quiet_room).bind(v.requires_sign_in_sheet).bind(v.capacity)
            .bind(&v.booking_contact).bind(&v.notes).bind(t)
            .fetch_all(pool).await.and_then(super::first_row))
        .map_err(StoreError::from_sqlx)?;
        self.venue(id).await
    }

    /// Changes a venue, if the viewer may (`may_change_venue`; a venue that does not exist is
    /// NotFound first).
    pub async fn update_venue(
        &self,
        viewer: &Staff,
        id: VenueId,
        v: &VenueInput,
    ) -> StoreResult<Venue> {
        self.venue(id).await?;
        if !self.may_change_venue(viewer, id).await? {
            return Err(StoreError::Forbidden);
        }
        let done = on_db!(self, pool => sqlx::query(
            "UPDATE venues SET name = $1, address = $2, how_to_get_there = $3, toilets = $4,
                fire_exits = $5, step_free = $6, hearing_loop = $7, accessible_toilet = $8,
                parking = $9, quiet_room = $10, requires_sign_in_sheet = $11, capacity = $12,
                booking_contact = $13, notes = $14, updated_at = $15
             WHERE id = $16")
            .bind(&v.name).bind(&v.address).bind(&v.how_to_get_there).bind(&v.toilets)
            .bind(&v.fire_exits).bind(v.step_free).bind(v.hearing_loop).bind(v.accessible_toilet)
            .bind(v.parking).bind(v.quiet_room).bind(v.requires_sign_in_sheet).bind(v.capacity)
            .bind(&v.booking_contact).bind(&v.notes).bind(now()).bind(id)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        self.venue(id).await
    }
}

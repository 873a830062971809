//! Social events with their replies, and the refreshments rota. Staff reads and writes check
//! the viewer may see the group; a member's own replies are checked against their group.

use super::access::{
    Actor, Asker, EventAccess, GroupAccess, MeetingAccess, MemberLink, MemberScope,
};
use super::{Store, StoreError, StoreResult, now, on_db, placeholders};
use crate::domain::access::Staff;
use crate::domain::ids::{EventId, GroupId, MeetingId, MemberId};
use crate::domain::social::{RotaMember, SocialEvent, SocialInput, SocialRsvp, SocialStatus};

const EVENT_COLUMNS: &str = "id, group_id, title, local_date, local_time, timezone, starts_at,
    duration_minutes, place, details, accessibility, status, version";

impl Store {
    pub async fn create_social_event(
        &self,
        group: &GroupAccess,
        input: &SocialInput,
        starts_at: i64,
    ) -> StoreResult<EventAccess> {
        let group_id = group.id();
        let account_id = group.actor().account_id()?;
        let timezone = self.group_unchecked(group_id).await?.timezone;
        let t = now();
        let id = on_db!(self, pool => sqlx::query_scalar::<_, EventId>(
            "INSERT INTO social_events (group_id, title, local_date, local_time, timezone, starts_at,
                duration_minutes, place, details, accessibility, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id")
            .bind(group_id).bind(&input.title).bind(input.date.to_string()).bind(input.time_text())
            .bind(&timezone).bind(starts_at).bind(input.duration_minutes).bind(&input.place)
            .bind(&input.details).bind(&input.accessibility).bind(account_id).bind(t)
            .fetch_all(pool).await.and_then(super::first_row))
        .map_err(StoreError::from_sqlx)?;
        self.written_event(group.actor(), id).await
    }

    /// Changes an event; its calendar entry's sequence goes up so calendar apps update it.
    pub async fn update_social_event(
        &self,
        event: &EventAccess,
        input: &SocialInput,
        starts_at: i64,
    ) -> StoreResult<EventAccess> {
        let id = event.id;
        // Changing an event is for its group's staff, never a member's link.
        event.actor.account_id()?;
        on_db!(self, pool => sqlx::query(
            "UPDATE social_events SET title = $1, local_date = $2, local_time = $3, starts_at = $4,
                duration_minutes = $5, place = $6, details = $7, accessibility = $8,
                version = version + 1, updated_at = $9
             WHERE id = $10")
            .bind(&input.title).bind(input.date.to_string()).bind(input.time_text()).bind(starts_at)
            .bind(input.duration_minutes).bind(&input.place).bind(&input.details)
            .bind(&input.accessibility).bind(now()).bind(id)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        self.written_event(&event.actor, id).await
    }

    /// Cancels (or with `planned`, reinstates) an event.
    pub async fn set_social_status(
        &self,
        event: &EventAccess,
        status: SocialStatus,
    ) -> StoreResult<EventAccess> {
        let id = event.id;
        // Changing an event is for its group's staff, never a member's link.
        event.actor.account_id()?;
        on_db!(self, pool => sqlx::query(
            "UPDATE social_events SET status = $1, version = version + 1, updated_at = $2
             WHERE id = $3 AND status <> $1")
            .bind(status).bind(now()).bind(id)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        self.written_event(&event.actor, id).await
    }

    /// A group's events, soonest first.
    pub async fn social_events_of(&self, group: &GroupAccess) -> StoreResult<Vec<EventAccess>> {
        Ok(self
            .group_social_events(group.id(), i64::MIN)
            .await?
            .into_iter()
            .map(|event| EventAccess {
                event,
                actor: group.actor().clone(),
            })
            .collect())
    }

    /// An event just written through a capability of its group, for the same actor.
    async fn written_event(&self, actor: &Actor, id: EventId) -> StoreResult<EventAccess> {
        Ok(EventAccess {
            event: self.social_event_unchecked(id).await?,
            actor: actor.clone(),
        })
    }

    async fn group_social_events(
        &self,
        group_id: GroupId,
        after: i64,
    ) -> StoreResult<Vec<SocialEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM social_events WHERE group_id = $1 AND starts_at > $2
             ORDER BY starts_at, id"
        );
        on_db!(self, pool => sqlx::query_as::<_, SocialEvent>(&sql).bind(group_id).bind(after)
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// A group's events for a calendar feed: from three months back onwards.
    pub async fn calendar_social_events(
        &self,
        feed: &super::Feed,
    ) -> StoreResult<Vec<SocialEvent>> {
        let events = self
            .group_social_events(feed.group_id(), now() - 92 * 86_400)
            .await?;
        // A member's own feed leaves out the events they said they cannot come to.
        let Some(member_id) = feed.member_id() else {
            return Ok(events);
        };
        let declined: Vec<EventId> = on_db!(self, pool => sqlx::query_scalar(
            "SELECT event_id FROM social_rsvps WHERE member_id = $1 AND answer = 'no'")
            .bind(member_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(events
            .into_iter()
            .filter(|e| !declined.contains(&e.id))
            .collect())
    }

    /// An event, if the viewer may see its group.
    pub async fn social_event_for(&self, viewer: &Staff, id: EventId) -> StoreResult<EventAccess> {
        self.event_as(Asker::Staff(viewer), id).await
    }

    /// An event of the member's own group, from their personal link; another group's is not
    /// found.
    pub async fn social_event_for_link(
        &self,
        link: &MemberLink,
        id: EventId,
    ) -> StoreResult<EventAccess> {
        self.event_as(Asker::Link(link), id).await
    }

    /// An event for the email jobs, which act for no one.
    pub(crate) async fn social_event_for_job(&self, id: EventId) -> StoreResult<EventAccess> {
        self.event_as(Asker::Job, id).await
    }

    async fn event_as(&self, asker: Asker<'_>, id: EventId) -> StoreResult<EventAccess> {
        let event = self.social_event_unchecked(id).await?;
        Ok(EventAccess {
            actor: self.admit(asker, event.group_id).await?,
            event,
        })
    }

    async fn social_event_unchecked(&self, id: EventId) -> StoreResult<SocialEvent> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM social_events WHERE id = $1");
        on_db!(self, pool => sqlx::query_as::<_, SocialEvent>(&sql).bind(id).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    pub async fn social_rsvps(&self, event: &EventAccess) -> StoreResult<Vec<SocialRsvp>> {
        let event_id = event.id;
        on_db!(self, pool => sqlx::query_as::<_, SocialRsvp>(
            "SELECT r.member_id, m.preferred_name AS member_name, r.answer
             FROM social_rsvps r JOIN members m ON m.id = r.member_id
             WHERE r.event_id = $1 ORDER BY lower(m.preferred_name), m.id")
            .bind(event_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Records a reply: staff for a member of the event's group, a member from their link for
    /// themself only (else NotFound).
    pub async fn set_social_rsvp(
        &self,
        event: &EventAccess,
        member_id: MemberId,
        answer: crate::domain::meeting::RsvpAnswer,
    ) -> StoreResult<()> {
        if matches!(event.actor, Actor::Member(own) if own != member_id) {
            return Err(StoreError::NotFound);
        }
        let event_id = event.id;
        let recorded_by = event.actor.to_string();
        let added = on_db!(self, pool => sqlx::query(
            "INSERT INTO social_rsvps (event_id, member_id, answer, recorded_by, at)
             SELECT $1, m.id, $3, $4, $5 FROM members m JOIN social_events e ON e.group_id = m.group_id
             WHERE m.id = $2 AND e.id = $1
             ON CONFLICT (event_id, member_id)
             DO UPDATE SET answer = excluded.answer, recorded_by = excluded.recorded_by, at = excluded.at")
            .bind(event_id).bind(member_id).bind(answer).bind(&recorded_by).bind(now())
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        if added == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Events still to come in a member's group, with the member's reply.
    pub async fn upcoming_social_for_member(
        &self,
        link: &MemberLink,
    ) -> StoreResult<Vec<(SocialEvent, Option<String>)>> {
        let (group_id, member_id) = (link.group_id, link.id);
        let sql = format!(
            "SELECT {EVENT_COLUMNS}, (SELECT r.answer FROM social_rsvps r
                WHERE r.event_id = social_events.id AND r.member_id = $2) AS my_answer
             FROM social_events WHERE group_id = $1 AND starts_at > $3
             ORDER BY starts_at, id LIMIT 10"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            event: SocialEvent,
            my_answer: Option<String>,
        }
        let rows = on_db!(self, pool => sqlx::query_as::<_, Row>(&sql)
            .bind(group_id).bind(member_id).bind(now() - 6 * 3600).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(rows.into_iter().map(|r| (r.event, r.my_answer)).collect())
    }

    // --- the refreshments rota ------------------------------------------------------------

    /// Puts a member on the rota (or takes them off).
    pub async fn set_rota(&self, member: &impl MemberScope, on: bool) -> StoreResult<()> {
        let member_id = member.member_id();
        on_db!(self, pool => {
            if on {
                sqlx::query("INSERT INTO rota_members (member_id, since) VALUES ($1, $2)
                             ON CONFLICT (member_id) DO NOTHING")
                    .bind(member_id).bind(now()).execute(pool).await.map(|r| r.rows_affected())
            } else {
                sqlx::query("DELETE FROM rota_members WHERE member_id = $1")
                    .bind(member_id).execute(pool).await.map(|r| r.rows_affected())
            }
        })
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    pub async fn on_rota(&self, member: &impl MemberScope) -> StoreResult<bool> {
        let member_id = member.member_id();
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM rota_members WHERE member_id = $1")
            .bind(member_id).fetch_one(pool).await)
        .map(|n| n > 0)
        .map_err(StoreError::from_sqlx)
    }

    /// The group's rota as it stood before a moment: each current member on it, when they last
    /// hosted before `before`, and how many times. Only meetings that have happened count (a
    /// host confirmed for a meeting still to come has not had that turn yet).
    pub async fn rota_of(&self, group: &GroupAccess, before: i64) -> StoreResult<Vec<RotaMember>> {
        let group_id = group.id();
        on_db!(self, pool => sqlx::query_as::<_, RotaMember>(
            "SELECT m.id AS member_id, m.preferred_name AS member_name,
                (SELECT MAX(mt.starts_at) FROM meeting_hosts h JOIN meetings mt ON mt.id = h.meeting_id
                 WHERE h.member_id = m.id AND mt.starts_at < $2 AND mt.status <> 'cancelled') AS last_hosted,
                (SELECT COUNT(*) FROM meeting_hosts h JOIN meetings mt ON mt.id = h.meeting_id
                 WHERE h.member_id = m.id AND mt.starts_at < $2 AND mt.status <> 'cancelled') AS times_hosted
             FROM rota_members r JOIN members m ON m.id = r.member_id
             WHERE m.group_id = $1 AND m.left_on IS NULL
             ORDER BY lower(m.preferred_name), m.id")
            .bind(group_id).bind(before.min(now())).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// The confirmed host of a meeting, as (member id, preferred name).
    pub async fn meeting_host(
        &self,
        meeting: &MeetingAccess,
    ) -> StoreResult<Option<(MemberId, String)>> {
        self.host_of(meeting, meeting.id()).await
    }

    /// A meeting's host, for a member's own page and for email: a meeting of the group the
    /// capability is in (another group's has none).
    pub async fn host_of(
        &self,
        group: &impl super::GroupScope,
        meeting_id: MeetingId,
    ) -> StoreResult<Option<(MemberId, String)>> {
        on_db!(self, pool => sqlx::query_as::<_, (MemberId, String)>(
            "SELECT h.member_id, m.preferred_name FROM meeting_hosts h
             JOIN members m ON m.id = h.member_id
             JOIN meetings mt ON mt.id = h.meeting_id
             WHERE h.meeting_id = $1 AND mt.group_id = $2")
            .bind(meeting_id).bind(group.group_id()).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Confirms (or swaps) a meeting's host: a member of the meeting's group. None clears it.
    pub async fn set_meeting_host(
        &self,
        meeting: &MeetingAccess,
        member_id: Option<MemberId>,
    ) -> StoreResult<()> {
        let meeting_id = meeting.id();
        let Some(member_id) = member_id else {
            on_db!(self, pool => sqlx::query("DELETE FROM meeting_hosts WHERE meeting_id = $1")
                .bind(meeting_id).execute(pool).await.map(|r| r.rows_affected()))
            .map_err(StoreError::from_sqlx)?;
            return Ok(());
        };
        let member = self.member_unchecked(member_id).await?;
        if member.group_id != meeting.group_id {
            return Err(StoreError::NotFound);
        }
        on_db!(self, pool => sqlx::query(
            "INSERT INTO meeting_hosts (meeting_id, member_id, confirmed_by, at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (meeting_id) DO UPDATE
               SET member_id = excluded.member_id, confirmed_by = excluded.confirmed_by, at = excluded.at")
            .bind(meeting_id).bind(member_id).bind(meeting.actor().to_string()).bind(now())
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// The confirmed hosts of several of the group's meetings at once, as (meeting id, member
    /// id, name); another group's meetings are left out.
    pub async fn meeting_hosts_of(
        &self,
        group: &GroupAccess,
        meeting_ids: &[MeetingId],
    ) -> StoreResult<Vec<(MeetingId, MemberId, String)>> {
        if meeting_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT h.meeting_id, h.member_id, m.preferred_name FROM meeting_hosts h
             JOIN members m ON m.id = h.member_id
             WHERE m.group_id = ${} AND h.meeting_id IN ({})",
            meeting_ids.len() + 1,
            placeholders(meeting_ids.len())
        );
        on_db!(self, pool => {
            let mut q = sqlx::query_as::<_, (MeetingId, MemberId, String)>(&sql);
            for id in meeting_ids {
                q = q.bind(*id);
            }
            q.bind(group.id()).fetch_all(pool).await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Each member's answer to each of several of the group's meetings, as (meeting id, member id, answer).
    pub async fn answers_to_each(
        &self,
        group: &GroupAccess,
        meeting_ids: &[MeetingId],
    ) -> StoreResult<Vec<(MeetingId, MemberId, crate::domain::meeting::RsvpAnswer)>> {
        if meeting_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT r.meeting_id, r.member_id, r.answer FROM rsvps r JOIN members m ON m.id = r.member_id
             WHERE m.group_id = ${} AND r.meeting_id IN ({})",
            meeting_ids.len() + 1,
            placeholders(meeting_ids.len())
        );
        on_db!(self, pool => {
            let mut q = sqlx::query_as::<_, (MeetingId, MemberId, crate::domain::meeting::RsvpAnswer)>(&sql);
            for id in meeting_ids {
                q = q.bind(*id);
            }
            q.bind(group.id()).fetch_all(pool).await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Each member's answer to a meeting, as (member, answer).
    pub async fn answers_to(
        &self,
        meeting: &MeetingAccess,
    ) -> StoreResult<Vec<(MemberId, crate::domain::meeting::RsvpAnswer)>> {
        let meeting_id = meeting.id();
        on_db!(self, pool => sqlx::query_as::<_, (MemberId, crate::domain::meeting::RsvpAnswer)>(
            "SELECT member_id, answer FROM rsvps WHERE meeting_id = $1")
            .bind(meeting_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

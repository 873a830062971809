//! Meetings and everything captured about them: agenda templates, each meeting's own agenda,
//! RSVPs, attendance, notes and actions, reflections and concerns. Every method that reads or
//! changes a group's meetings takes a capability ([`GroupAccess`] for the group's, a
//! [`MeetingAccess`] for one meeting's parts), made only after the viewer was checked against
//! the group, and binds its ids into the SQL. Each change to a meeting
//! raises its `version`, which other devices poll to stay up to date.

use serde::Serialize;

use super::BeginWrite;
use super::access::{Actor, GroupAccess, MeetingAccess, MemberLink};
use super::{Store, StoreError, StoreResult, now, on_db};
use crate::domain::access::Staff;
use crate::domain::ids::{GroupId, MeetingId, MemberId, PollId, VenueId};
use crate::domain::meeting::{
    Action, ActionInput, AgendaStep, Concern, ConcernInput, DEFAULT_AGENDA, Meeting, MeetingEvent,
    MeetingInput, MeetingStatus, NotesInput, OpenAction, Reflection, ReflectionInput, Refusal,
    StepInput, Transition,
};

pub(crate) const MEETING_COLUMNS: &str = "m.id, m.group_id, m.local_date, m.local_time, m.timezone, \
     m.starts_at, m.duration_minutes, m.venue_id, m.status, m.cancel_reason, m.topic, \
     m.current_step, m.started_at, m.ended_at, m.step_started_at, m.round_up_good, \
     m.round_up_not_so_good, m.round_up_sharing, m.topics_discussed, m.key_points, m.pass_on, \
     m.version";

const TEMPLATE_COLUMNS: &str =
    "id, position, title, minutes, purpose, prompts, kind, from_second_meeting";
const STEP_COLUMNS: &str = "id, position, title, minutes, purpose, prompts, kind, checked, notes";

/// A meeting in a list, with the figures shown beside it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingSummary {
    #[sqlx(flatten)]
    pub meeting: Meeting,
    pub coming: i64,
    pub attended: i64,
    pub venue_name: Option<String>,
}

/// A meeting to come, with its group's name, for the home page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UpcomingMeeting {
    #[sqlx(flatten)]
    pub summary: MeetingSummary,
    pub group_name: String,
}

/// A device's mark for its sign-in: 1 to 64 letters, digits or '-' (a UUID).
fn mark_ok(mark: &str) -> bool {
    (1..=64).contains(&mark.len()) && mark.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Someone who signed in: a member, or a guest by name.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AttendanceRow {
    pub id: i64,
    pub member_id: Option<MemberId>,
    pub name: String,
    pub is_guest: bool,
    pub signed_in_at: i64,
    /// The marks of the devices' sign-ins (space-separated; see `sign_in_marked`).
    #[serde(skip)]
    pub marks: String,
}

/// A member's answer about coming to a meeting.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Rsvp {
    pub member_id: MemberId,
    pub answer: crate::domain::meeting::RsvpAnswer,
    pub note: String,
    pub at: i64,
}

/// A facilitator's call for help that no coordinator has answered yet.
/// (`local_date` is the meeting's date, YYYY-MM-DD; see [`HelpRequest::date_label`].)
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HelpRequest {
    pub reflection_id: i64,
    pub meeting_id: MeetingId,
    pub group_id: GroupId,
    pub group_name: String,
    pub author_name: String,
    /// The one who asked: their staff page, and how their account says to reach them.
    pub author_id: i64,
    pub author_email: String,
    pub author_phone: String,
    pub local_date: String,
    pub went_less_well: String,
    /// What would help, and how to reach the one who asked (written with the request).
    pub help_note: String,
    pub help_contact: String,
    pub updated_at: i64,
}

impl HelpRequest {
    pub fn date_label(&self) -> String {
        crate::labels::date_label(&self.local_date)
    }
}

/// Raises a meeting's version inside an open transaction.
macro_rules! bump {
    ($tx:expr, $meeting_id:expr) => {
        sqlx::query("UPDATE meetings SET version = version + 1, updated_at = $1 WHERE id = $2")
            .bind(now())
            .bind($meeting_id)
            .execute(&mut *$tx)
            .await
    };
}

/// Runs one statement on a part of a meeting in a write transaction: the meeting's version
/// goes up when it changed a row; when it changed none, nothing is committed and the answer is
/// not found.
macro_rules! change_part {
    ($store:expr, $meeting_id:expr, $query:expr) => {{
        let n = on_db!($store, pool => {
            let mut tx = pool.begin_write().await?;
            let n = $query.execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                bump!(tx, $meeting_id)?;
                tx.commit().await?;
            }
            Ok::<u64, sqlx::Error>(n)
        })
        .map_err(StoreError::from_sqlx)?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }};
}

/// When a meeting ends, its record starts from what the run-sheet captured: the topic, and the
/// notes taken at each step (what was typed there already is kept). Inside an open transaction.
macro_rules! prefill_notes {
    ($tx:expr, $meeting_id:expr) => {{
        async {
            let (topic, discussed, key_points): (String, String, String) = sqlx::query_as(
                "SELECT topic, topics_discussed, key_points FROM meetings WHERE id = $1",
            )
            .bind($meeting_id)
            .fetch_one(&mut *$tx)
            .await?;
            let steps: Vec<(String, String)> = sqlx::query_as(
                "SELECT title, notes FROM meeting_steps WHERE meeting_id = $1 ORDER BY position",
            )
            .bind($meeting_id)
            .fetch_all(&mut *$tx)
            .await?;
            let topics = if discussed.is_empty() {
                topic
            } else {
                discussed
            };
            let key = if key_points.is_empty() {
                steps
                    .iter()
                    .filter(|(_, notes)| !notes.trim().is_empty())
                    .map(|(title, notes)| format!("{}: {}", title, notes.trim()))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                key_points
            };
            sqlx::query("UPDATE meetings SET topics_discussed = $1, key_points = $2 WHERE id = $3")
                .bind(&topics)
                .bind(&key)
                .bind($meeting_id)
                .execute(&mut *$tx)
                .await
                .map(|_| ())
        }
        .await
    }};
}

/// What else to write, in the same transaction, about a meeting just planned.
#[derive(Debug, Clone, Copy)]
pub enum AfterInsert<'a> {
    Nothing,
    /// These members said the date suits them: they are recorded as coming.
    Suits(&'a [i64]),
    /// Close this poll on this option (fails with `Conflict::PollClosed` if it is closed
    /// already, so a poll plans at most one meeting); those the option suits become replies.
    ClosePoll {
        poll_id: PollId,
        option_id: i64,
    },
}

impl Store {
    // --- agenda templates -----------------------------------------------------------------

    /// A group's agenda template. A group that has none yet gets the default, stored, so it
    /// can be edited.
    pub async fn agenda_template(&self, group: &GroupAccess) -> StoreResult<Vec<AgendaStep>> {
        let group_id = group.id();
        let steps = self.template_steps(group_id).await?;
        if !steps.is_empty() {
            return Ok(steps);
        }
        // Two requests may find it missing at once (two first meetings planned together): the
        // default goes in step by step with ON CONFLICT DO NOTHING, so one set is stored.
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (i, (title, minutes, kind, purpose, prompts, second)) in DEFAULT_AGENDA.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO agenda_template_steps
                        (group_id, position, title, minutes, purpose, prompts, kind, from_second_meeting)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (group_id, position) DO NOTHING")
                    .bind(group_id).bind(i as i64).bind(*title).bind(*minutes).bind(*purpose)
                    .bind(*prompts).bind(*kind).bind(*second)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)?;
        self.template_steps(group_id).await
    }

    async fn template_steps(&self, group_id: GroupId) -> StoreResult<Vec<AgendaStep>> {
        let sql = format!(
            "SELECT {TEMPLATE_COLUMNS} FROM agenda_template_steps WHERE group_id = $1 ORDER BY position"
        );
        on_db!(self, pool => sqlx::query_as::<_, AgendaStep>(&sql).bind(group_id).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// Replaces a group's template with the default (the guide's steps).
    pub async fn reset_agenda_template(&self, group: &GroupAccess) -> StoreResult<()> {
        let group_id = group.id();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM agenda_template_steps WHERE group_id = $1")
                .bind(group_id).execute(&mut *tx).await?;
            for (i, (title, minutes, kind, purpose, prompts, second)) in DEFAULT_AGENDA.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO agenda_template_steps
                        (group_id, position, title, minutes, purpose, prompts, kind, from_second_meeting)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(group_id).bind(i as i64).bind(*title).bind(*minutes).bind(*purpose)
                    .bind(*prompts).bind(*kind).bind(*second)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    pub async fn add_template_step(&self, group: &GroupAccess, s: &StepInput) -> StoreResult<()> {
        let group_id = group.id();
        self.agenda_template(group).await?;
        on_db!(self, pool => sqlx::query(
            "INSERT INTO agenda_template_steps
                (group_id, position, title, minutes, purpose, prompts, kind, from_second_meeting)
             SELECT $1, COALESCE(MAX(position) + 1, 0), $2, $3, $4, $5, $6, $7
             FROM agenda_template_steps WHERE group_id = $1")
            .bind(group_id).bind(&s.title).bind(s.minutes).bind(&s.purpose).bind(&s.prompts)
            .bind(s.kind).bind(s.from_second_meeting)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    pub async fn update_template_step(
        &self,
        group: &GroupAccess,
        step_id: i64,
        s: &StepInput,
    ) -> StoreResult<()> {
        let group_id = group.id();
        let n = on_db!(self, pool => sqlx::query(
            "UPDATE agenda_template_steps SET title = $1, minutes = $2, purpose = $3, prompts = $4,
                kind = $5, from_second_meeting = $6
             WHERE id = $7 AND group_id = $8")
            .bind(&s.title).bind(s.minutes).bind(&s.purpose).bind(&s.prompts).bind(s.kind)
            .bind(s.from_second_meeting).bind(step_id).bind(group_id)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn delete_template_step(&self, group: &GroupAccess, step_id: i64) -> StoreResult<()> {
        let group_id = group.id();
        let n = on_db!(self, pool => sqlx::query(
            "DELETE FROM agenda_template_steps WHERE id = $1 AND group_id = $2")
            .bind(step_id).bind(group_id).execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Moves a template step one place earlier (`up`) or later.
    pub async fn move_template_step(
        &self,
        group: &GroupAccess,
        step_id: i64,
        up: bool,
    ) -> StoreResult<()> {
        let steps = self.agenda_template(group).await?;
        let Some(i) = steps.iter().position(|s| s.id == step_id) else {
            return Err(StoreError::NotFound);
        };
        let j = if up { i.checked_sub(1) } else { Some(i + 1) };
        let Some(other) = j.and_then(|j| steps.get(j)) else {
            return Ok(());
        };
        let (a, b) = (&steps[i], other);
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Through a free position, so the unique (group, position) rule holds at each step.
            sqlx::query("UPDATE agenda_template_steps SET position = -1 WHERE id = $1")
                .bind(a.id).execute(&mut *tx).await?;
            sqlx::query("UPDATE agenda_template_steps SET position = $1 WHERE id = $2")
                .bind(a.position).bind(b.id).execute(&mut *tx).await?;
            sqlx::query("UPDATE agenda_template_steps SET position = $1 WHERE id = $2")
                .bind(b.position).bind(a.id).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    // --- meetings -------------------------------------------------------------------------

    /// Plans a meeting: it takes a copy of the group's agenda (with the second-meeting steps
    /// from the second meeting on).
    pub async fn create_meeting(
        &self,
        group: &GroupAccess,
        input: &MeetingInput,
        starts_at: i64,
    ) -> StoreResult<Meeting> {
        self.create_meeting_then(group, input, starts_at, AfterInsert::Nothing)
            .await
    }

    /// Plans a meeting and, in the same transaction, does `then`.
    pub async fn create_meeting_then(
        &self,
        group: &GroupAccess,
        input: &MeetingInput,
        starts_at: i64,
        then: AfterInsert<'_>,
    ) -> StoreResult<Meeting> {
        let (_, ids) = self
            .insert_meetings(group, None, &[(input.clone(), starts_at)], then)
            .await?;
        let id = ids.first().copied().ok_or(StoreError::NotFound)?;
        self.meeting_unchecked(id).await
    }

    /// Plans a run of meetings from a recurrence rule, all in one transaction: every meeting, or
    /// none. Each takes its own copy of the agenda. Returns the series id and the meetings' ids.
    pub async fn create_series(
        &self,
        group: &GroupAccess,
        rrule: &str,
        meetings: &[(MeetingInput, i64)],
    ) -> StoreResult<(i64, Vec<MeetingId>)> {
        let (series_id, ids) = self
            .insert_meetings(group, Some(rrule), meetings, AfterInsert::Nothing)
            .await?;
        Ok((series_id.unwrap_or_default(), ids))
    }

    /// Inserts meetings (and, with a rule, their series) in one transaction, each with its own
    /// copy of the group's agenda; only a group's very first meeting leaves out the steps
    /// marked "from the second meeting". `then` adds writes about the first meeting to the
    /// same transaction (see [`AfterInsert`]).
    pub(crate) async fn insert_meetings(
        &self,
        group: &GroupAccess,
        rrule: Option<&str>,
        meetings: &[(MeetingInput, i64)],
        then: AfterInsert<'_>,
    ) -> StoreResult<(Option<i64>, Vec<MeetingId>)> {
        let group_id = group.id();
        let actor = group.actor().to_string();
        let timezone = self.group_unchecked(group_id).await?.timezone;
        let Some((first_input, first_start)) = meetings.first() else {
            return Err(StoreError::Conflict(super::Conflict::EmptySeries));
        };
        self.check_venue_exists(first_input.venue_id).await?;
        let template = self.agenda_template(group).await?;
        let earlier = on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM meetings WHERE group_id = $1 AND status <> 'cancelled' AND starts_at < $2")
            .bind(group_id).bind(*first_start).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let series_id = match rrule {
                Some(rule) => Some(sqlx::query_scalar::<_, i64>(
                    "INSERT INTO series (group_id, rrule, first_date, start_time, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id")
                    .bind(group_id).bind(rule).bind(first_input.date.to_string())
                    .bind(first_input.time_text()).bind(t)
                    .fetch_one(&mut *tx).await?),
                None => None,
            };
            let mut ids = Vec::with_capacity(meetings.len());
            for (i, (input, starts_at)) in meetings.iter().enumerate() {
                let first = earlier == 0 && i == 0;
                let id = sqlx::query_scalar::<_, MeetingId>(
                    "INSERT INTO meetings (group_id, local_date, local_time, timezone, starts_at,
                        duration_minutes, venue_id, topic, series_id, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id")
                    .bind(group_id).bind(input.date.to_string()).bind(input.time_text())
                    .bind(&timezone).bind(*starts_at).bind(input.duration_minutes)
                    .bind(input.venue_id).bind(&input.topic).bind(series_id).bind(t)
                    .fetch_one(&mut *tx).await?;
                for (position, step) in template
                    .iter()
                    .filter(|s| !(first && s.from_second_meeting))
                    .enumerate()
                {
                    sqlx::query(
                        "INSERT INTO meeting_steps (meeting_id, position, title, minutes, purpose, prompts, kind)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(id).bind(position as i64).bind(&step.title).bind(step.minutes)
                        .bind(&step.purpose).bind(&step.prompts).bind(step.kind)
                        .execute(&mut *tx).await?;
                }
                ids.push(id);
            }
            if let (AfterInsert::Suits(members), Some(meeting_id)) = (&then, ids.first()) {
                for member_id in members.iter() {
                    sqlx::query(
                        "INSERT INTO rsvps (meeting_id, member_id, answer, note, recorded_by, at)
                         SELECT $1, id, 'yes', '', $2, $3 FROM members WHERE id = $4 AND group_id = $5")
                        .bind(*meeting_id).bind(&actor).bind(t).bind(*member_id).bind(group_id)
                        .execute(&mut *tx).await?;
                }
            }
            if let (AfterInsert::ClosePoll { poll_id, option_id }, Some(meeting_id)) = (&then, ids.first()) {
                let (poll_id, option_id) = (*poll_id, *option_id);
                let closed = sqlx::query(
                    "UPDATE polls SET status = 'closed', chosen_option_id = $1, meeting_id = $2,
                        closed_at = $3
                     WHERE id = $4 AND group_id = $5 AND status = 'open'")
                    .bind(option_id).bind(*meeting_id).bind(t).bind(poll_id).bind(group_id)
                    .execute(&mut *tx).await?.rows_affected();
                if closed != 1 {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict(super::Conflict::PollClosed));
                }
                // Those the chosen option suits have answered already: their answers become
                // replies for the meeting, so nobody is asked twice.
                sqlx::query(
                    "INSERT INTO rsvps (meeting_id, member_id, answer, note, recorded_by, at)
                     SELECT $1, a.member_id,
                        CASE a.answer WHEN 'yes' THEN 'yes' WHEN 'no' THEN 'no' ELSE 'maybe' END,
                        '', $2, $3
                     FROM poll_answers a WHERE a.option_id = $4")
                    .bind(*meeting_id).bind(&actor).bind(t).bind(option_id)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok((series_id, ids))
        })
        .map_err(StoreError::from_sqlx)
    }

    pub(crate) async fn check_venue_exists(&self, venue_id: Option<VenueId>) -> StoreResult<()> {
        if let Some(v) = venue_id {
            self.venue(v).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::Conflict(super::Conflict::NoSuchVenue),
                other => other,
            })?;
        }
        Ok(())
    }

    /// A meeting the viewer may see, as the capability its parts are read and changed through.
    pub async fn meeting(&self, viewer: &Staff, id: MeetingId) -> StoreResult<MeetingAccess> {
        let meeting = self.meeting_for(viewer, id).await?;
        Ok(MeetingAccess {
            meeting,
            actor: viewer.into(),
        })
    }

    /// One meeting with what its record says, for the API's answer that holds the record
    /// whole: recorded as seen when the record has words in it (see `meeting_history`).
    pub async fn meeting_with_record(
        &self,
        viewer: &Staff,
        id: MeetingId,
    ) -> StoreResult<MeetingAccess> {
        let access = self.meeting(viewer, id).await?;
        if access.meeting.has_record_text() {
            self.audit_read(
                &access.actor.to_string(),
                "viewed meeting notes",
                &format!("meeting:{id}"),
                &[],
            )
            .await?;
        }
        Ok(access)
    }

    /// One meeting, if the viewer may see its group.
    pub async fn meeting_for(&self, viewer: &Staff, id: MeetingId) -> StoreResult<Meeting> {
        let sql = format!(
            "SELECT {MEETING_COLUMNS} FROM meetings m
             WHERE m.id = $3 AND ($1 OR m.group_id IN
                (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $2))"
        );
        on_db!(self, pool => sqlx::query_as::<_, Meeting>(&sql)
            .bind(viewer.is_coordinator()).bind(viewer.id).bind(id).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// A meeting of the member's own group, reached through their personal link (any other is
    /// not found).
    pub async fn meeting_for_link(&self, link: &MemberLink, id: MeetingId) -> StoreResult<Meeting> {
        let sql =
            format!("SELECT {MEETING_COLUMNS} FROM meetings m WHERE m.id = $1 AND m.group_id = $2");
        on_db!(self, pool => sqlx::query_as::<_, Meeting>(&sql).bind(id).bind(link.group_id).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// A meeting for Hearth's own jobs (email), which act for no one (`Actor::System`).
    pub(crate) async fn meeting_for_job(&self, id: MeetingId) -> StoreResult<MeetingAccess> {
        Ok(MeetingAccess {
            meeting: self.meeting_unchecked(id).await?,
            actor: Actor::System,
        })
    }

    pub(super) async fn meeting_unchecked(&self, id: MeetingId) -> StoreResult<Meeting> {
        let sql = format!("SELECT {MEETING_COLUMNS} FROM meetings m WHERE m.id = $1");
        on_db!(self, pool => sqlx::query_as::<_, Meeting>(&sql).bind(id).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// A group's meetings, soonest first among those to come, then the past ones newest first.
    pub async fn meetings_of(&self, group: &GroupAccess) -> StoreResult<Vec<MeetingSummary>> {
        let group_id = group.id();
        let sql = format!(
            "SELECT {MEETING_COLUMNS},
                (SELECT COUNT(*) FROM rsvps r WHERE r.meeting_id = m.id AND r.answer = 'yes') AS coming,
                (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id) AS attended,
                v.name AS venue_name
             FROM meetings m LEFT JOIN venues v ON v.id = m.venue_id
             WHERE m.group_id = $1 ORDER BY m.starts_at"
        );
        on_db!(self, pool => sqlx::query_as::<_, MeetingSummary>(&sql).bind(group_id).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// A group's meetings with what their records say (key points, round-ups: what people said
    /// at the meetings, special-category data), for the history page, the notes file and the
    /// API's list: recorded as seen when any record has words in it.
    pub async fn meeting_history(&self, group: &GroupAccess) -> StoreResult<Vec<MeetingSummary>> {
        let meetings = self.meetings_of(group).await?;
        if meetings.iter().any(|s| s.meeting.has_record_text()) {
            self.audit_read(
                &group.actor.to_string(),
                "viewed meeting notes",
                &format!("group:{}", group.id()),
                &[],
            )
            .await?;
        }
        Ok(meetings)
    }

    /// A group's meetings still to come after `after` (planned) or under way, soonest first, at
    /// most `limit`, with their counts: read through the group/status/start index, however long
    /// the group's history.
    pub async fn coming_meetings_of(
        &self,
        group: &GroupAccess,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<MeetingSummary>> {
        let group_id = group.id();
        let sql = format!(
            "SELECT {MEETING_COLUMNS},
                (SELECT COUNT(*) FROM rsvps r WHERE r.meeting_id = m.id AND r.answer = 'yes') AS coming,
                (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id) AS attended,
                v.name AS venue_name
             FROM meetings m LEFT JOIN venues v ON v.id = m.venue_id
             WHERE m.group_id = $1
               AND ((m.status = 'planned' AND m.starts_at > $2) OR m.status = 'under_way')
             ORDER BY m.starts_at LIMIT $3"
        );
        on_db!(self, pool => sqlx::query_as::<_, MeetingSummary>(&sql)
            .bind(group_id).bind(after).bind(limit).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Meetings still to come (or under way) in the groups the viewer may see, soonest first.
    pub async fn upcoming_meetings(
        &self,
        viewer: &Staff,
        limit: i64,
    ) -> StoreResult<Vec<UpcomingMeeting>> {
        let sql = format!(
            "SELECT {MEETING_COLUMNS},
                (SELECT COUNT(*) FROM rsvps r WHERE r.meeting_id = m.id AND r.answer = 'yes') AS coming,
                (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id) AS attended,
                v.name AS venue_name, g.name AS group_name
             FROM meetings m
             JOIN support_groups g ON g.id = m.group_id
             LEFT JOIN venues v ON v.id = m.venue_id
             WHERE ($1 OR m.group_id IN
                    (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $2))
               AND (m.status = 'under_way' OR (m.status = 'planned' AND m.starts_at > $3))
             ORDER BY m.starts_at LIMIT $4"
        );
        on_db!(self, pool => sqlx::query_as::<_, UpcomingMeeting>(&sql)
            .bind(viewer.is_coordinator()).bind(viewer.id).bind(now() - 12 * 3600).bind(limit)
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// The meeting's number in the group's life (1 for the first), not counting cancelled ones.
    pub async fn meeting_number(&self, meeting: &MeetingAccess) -> StoreResult<i64> {
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM meetings WHERE group_id = $1 AND status <> 'cancelled'
               AND (starts_at < $2 OR (starts_at = $2 AND id <= $3))")
            .bind(meeting.group_id).bind(meeting.starts_at).bind(meeting.id)
            .fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// The last meeting held before this one, if any.
    /// (As a capability of its own: the same group, so the same viewer may reach it.)
    pub async fn previous_meeting(
        &self,
        meeting: &MeetingAccess,
    ) -> StoreResult<Option<MeetingAccess>> {
        let sql = format!(
            "SELECT {MEETING_COLUMNS} FROM meetings m WHERE m.group_id = $1 AND m.status = 'held'
               AND m.starts_at < $2 ORDER BY m.starts_at DESC LIMIT 1"
        );
        on_db!(self, pool => sqlx::query_as::<_, Meeting>(&sql)
            .bind(meeting.group_id).bind(meeting.starts_at).fetch_optional(pool).await)
        .map(|found| {
            found.map(|previous| MeetingAccess {
                meeting: previous,
                actor: meeting.actor.clone(),
            })
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Moves a meeting or changes its length, venue or topic.
    pub async fn update_meeting(
        &self,
        meeting: &MeetingAccess,
        input: &MeetingInput,
        starts_at: i64,
    ) -> StoreResult<Meeting> {
        let id = meeting.id();
        self.check_venue_exists(input.venue_id).await?;
        // A held meeting keeps a day that has come (in its group's zone): moved to a day still
        // to come it would be counted as held before it happened. Checked in the statement, so
        // a meeting ended meanwhile is held to the same rule.
        let ahead = input.date > meeting.meeting.today_there();
        let changed = on_db!(self, pool => sqlx::query(
            "UPDATE meetings SET local_date = $1, local_time = $2, starts_at = $3,
                duration_minutes = $4, venue_id = $5, topic = $6, version = version + 1,
                updated_at = $7
             WHERE id = $8 AND NOT ($9 AND status = 'held')")
            .bind(input.date.to_string()).bind(input.time_text()).bind(starts_at)
            .bind(input.duration_minutes).bind(input.venue_id).bind(&input.topic).bind(now())
            .bind(id).bind(ahead)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        if changed == 0 {
            return Err(StoreError::Conflict(super::Conflict::HeldMovedAhead));
        }
        self.meeting_unchecked(id).await
    }

    /// Applies an event (start, end, cancel, put back on) to a meeting by the transition table
    /// in domain/meeting_status.rs, in one transaction: the status is read and written under
    /// the write lock (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's `FOR UPDATE`), so two devices
    /// acting at once are answered one after the other by the same rule. A meeting that ends
    /// has its record started from what the run-sheet captured and its agreed topic marked
    /// covered; every change writes its audit event. A refused event changes nothing.
    pub async fn apply_meeting_event(
        &self,
        meeting: &MeetingAccess,
        event: MeetingEvent,
        cancel_reason: &str,
    ) -> StoreResult<Result<Meeting, Refusal>> {
        let id = meeting.id();
        let lock = match self.backend() {
            super::Backend::Postgres => " FOR UPDATE OF m",
            super::Backend::Sqlite => "",
        };
        let read = format!(
            "SELECT m.status, m.local_date, g.timezone FROM meetings m
             JOIN support_groups g ON g.id = m.group_id WHERE m.id = $1{lock}"
        );
        let actor = meeting.actor().to_string();
        let outcome = on_db!(self, pool => async {
            let mut tx = pool.begin_write().await?;
            let (status, day, tz): (MeetingStatus, String, String) =
                sqlx::query_as(&read).bind(id).fetch_one(&mut *tx).await?;
            let t = now();
            let day = day.parse::<jiff::civil::Date>().unwrap_or(jiff::civil::Date::MIN);
            let to = match status.on_day(event, day, crate::labels::today_in(&tz)) {
                Transition::Refused(why) => return Ok::<_, sqlx::Error>(Err(why)),
                // Cancelling again keeps the newer reason; anything else already so is left be.
                Transition::Already if event == MeetingEvent::Cancel => status,
                Transition::Already => return Ok(Ok(false)),
                Transition::To(to) => to,
            };
            let reason = if to == MeetingStatus::Cancelled { cancel_reason } else { "" };
            // Back to planned (a start undone, or a cancelled meeting put back on) is as if
            // never started; reopened, it has not ended.
            sqlx::query(
                "UPDATE meetings SET status = $1, cancel_reason = $2,
                    started_at = CASE WHEN $1 IN ('under_way', 'held') THEN COALESCE(started_at, $3)
                        WHEN $1 = 'planned' THEN NULL ELSE started_at END,
                    ended_at = CASE WHEN $1 = 'held' THEN COALESCE(ended_at, $3)
                        WHEN $1 IN ('planned', 'under_way') THEN NULL ELSE ended_at END,
                    step_started_at = CASE WHEN $1 = 'under_way' THEN COALESCE(step_started_at, $3)
                        WHEN $1 = 'planned' THEN NULL ELSE step_started_at END,
                    current_step = CASE WHEN $1 = 'planned' THEN 0 ELSE current_step END,
                    version = version + 1, updated_at = $3
                 WHERE id = $4")
                .bind(to).bind(reason).bind(t).bind(id)
                .execute(&mut *tx).await?;
            if status == MeetingStatus::Held && to == MeetingStatus::UnderWay {
                // Its agreed topic is no longer covered until it ends again.
                sqlx::query(
                    "UPDATE topic_board SET status = 'agreed'
                     WHERE meeting_id = $1 AND status = 'covered'")
                    .bind(id).execute(&mut *tx).await?;
            }
            if to == MeetingStatus::Held && status != MeetingStatus::Held {
                prefill_notes!(tx, id)?;
                sqlx::query(
                    "UPDATE topic_board SET status = 'covered', last_covered_at = $1
                     WHERE meeting_id = $2 AND status = 'agreed'")
                    .bind(t).bind(id).execute(&mut *tx).await?;
            }
            if to != status {
                sqlx::query(
                    "INSERT INTO audit_events (at, actor, action, subject, detail, request_id)
                     VALUES ($1, $2, $3, $4, '', $5)")
                    .bind(t).bind(&actor).bind(event.audit_action())
                    .bind(format!("meeting:{id}"))
                    .bind(crate::request::current_id()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(Ok(true))
        }.await)
        .map_err(StoreError::from_sqlx)?;
        match outcome {
            Err(why) => Ok(Err(why)),
            Ok(_) => self.meeting_unchecked(id).await.map(Ok),
        }
    }

    // --- the run-sheet --------------------------------------------------------------------

    pub async fn meeting_steps(&self, meeting: &MeetingAccess) -> StoreResult<Vec<AgendaStep>> {
        self.steps_of(meeting.id()).await
    }

    async fn steps_of(&self, meeting_id: MeetingId) -> StoreResult<Vec<AgendaStep>> {
        let sql = format!(
            "SELECT {STEP_COLUMNS} FROM meeting_steps WHERE meeting_id = $1 ORDER BY position"
        );
        on_db!(self, pool => sqlx::query_as::<_, AgendaStep>(&sql).bind(meeting_id).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// Moves the run-sheet to a step; starts the meeting if it had not started.
    pub async fn go_to_step(&self, meeting: &MeetingAccess, step: i64) -> StoreResult<Meeting> {
        self.go_to_step_made_at(meeting, step, None).await
    }

    /// Moves to a step as it was moved at `made_at` (seconds; a phone that had no signal sends
    /// its moves later, each with when it was made). The step's clock starts then (never in
    /// the future), and a move older than the step's last move changes nothing: when two
    /// phones catch up, the current step follows the latest move.
    pub async fn go_to_step_made_at(
        &self,
        meeting: &MeetingAccess,
        step: i64,
        made_at: Option<i64>,
    ) -> StoreResult<Meeting> {
        let id = meeting.id();
        // Read afresh: the status may have changed since the capability was made (the API's
        // update changes it first in the same request).
        let m = self.meeting_unchecked(id).await?;
        let steps = self.steps_of(id).await?;
        let step = step.clamp(0, (steps.len() as i64 - 1).max(0));
        let at_now = now();
        let t = made_at.map_or(at_now, |m| m.min(at_now));
        // Moving to a step starts a planned meeting; any other status stays as it is.
        let status = match m.status.on(MeetingEvent::Start) {
            Transition::To(started) if m.is_planned() => started,
            _ => m.status,
        };
        on_db!(self, pool => sqlx::query(
            "UPDATE meetings SET current_step = $1, step_started_at = $2, status = $3,
                started_at = COALESCE(started_at, $2), version = version + 1, updated_at = $5
             WHERE id = $4 AND (step_started_at IS NULL OR step_started_at <= $2)")
            .bind(step).bind(t).bind(status).bind(id).bind(at_now)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        self.meeting_unchecked(id).await
    }

    /// Saves a step's ticked prompts and notes (each `None` leaves that part as it was).
    pub async fn save_step(
        &self,
        meeting: &MeetingAccess,
        position: i64,
        checked: Option<&str>,
        notes: Option<&str>,
    ) -> StoreResult<()> {
        let id = meeting.id();
        change_part!(
            self,
            id,
            sqlx::query(
                "UPDATE meeting_steps SET checked = COALESCE($1, checked), notes = COALESCE($2, notes)
                 WHERE meeting_id = $3 AND position = $4")
            .bind(checked).bind(notes).bind(id).bind(position)
        )
    }

    /// Changes one step of this meeting's own agenda (the group's template is untouched).
    pub async fn update_meeting_step(
        &self,
        meeting: &MeetingAccess,
        position: i64,
        s: &StepInput,
    ) -> StoreResult<()> {
        let id = meeting.id();
        let n = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE meeting_steps SET title = $1, minutes = $2, purpose = $3, prompts = $4, kind = $5
                 WHERE meeting_id = $6 AND position = $7")
                .bind(&s.title).bind(s.minutes).bind(&s.purpose).bind(&s.prompts).bind(s.kind)
                .bind(id).bind(position)
                .execute(&mut *tx).await?.rows_affected();
            // Nothing changed (a refused change): roll back, leave the version alone.
            if n > 0 {
                bump!(tx, id)?;
                tx.commit().await?;
            }
            Ok(n)
        })
        .map_err(StoreError::from_sqlx)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Adds a step at the end of this meeting's agenda.
    pub async fn add_meeting_step(
        &self,
        meeting: &MeetingAccess,
        s: &StepInput,
    ) -> StoreResult<()> {
        let id = meeting.id();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO meeting_steps (meeting_id, position, title, minutes, purpose, prompts, kind)
                 SELECT $1, COALESCE(MAX(position) + 1, 0), $2, $3, $4, $5, $6
                 FROM meeting_steps WHERE meeting_id = $1")
                .bind(id).bind(&s.title).bind(s.minutes).bind(&s.purpose).bind(&s.prompts).bind(s.kind)
                .execute(&mut *tx).await?;
            bump!(tx, id)?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Removes a step from this meeting's agenda, closing the gap in the numbering.
    pub async fn delete_meeting_step(
        &self,
        meeting: &MeetingAccess,
        position: i64,
    ) -> StoreResult<()> {
        let id = meeting.id();
        let n = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM meeting_steps WHERE meeting_id = $1 AND position = $2")
                .bind(id).bind(position).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                // Shift the later steps down one by one, lowest first, keeping positions unique.
                let later: Vec<i64> = sqlx::query_scalar(
                    "SELECT position FROM meeting_steps WHERE meeting_id = $1 AND position > $2 ORDER BY position")
                    .bind(id).bind(position).fetch_all(&mut *tx).await?;
                for p in later {
                    sqlx::query("UPDATE meeting_steps SET position = $1 WHERE meeting_id = $2 AND position = $3")
                        .bind(p - 1).bind(id).bind(p).execute(&mut *tx).await?;
                }
                let remaining: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM meeting_steps WHERE meeting_id = $1")
                    .bind(id).fetch_one(&mut *tx).await?;
                sqlx::query(
                    "UPDATE meetings SET current_step = $1 WHERE id = $2 AND current_step > $1")
                    .bind((remaining - 1).max(0)).bind(id).execute(&mut *tx).await?;
            }
            // Nothing changed (a refused change): roll back, leave the version alone.
            if n > 0 {
                bump!(tx, id)?;
                tx.commit().await?;
            }
            Ok(n)
        })
        .map_err(StoreError::from_sqlx)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn save_notes(&self, meeting: &MeetingAccess, n: &NotesInput) -> StoreResult<()> {
        let id = meeting.id();
        on_db!(self, pool => sqlx::query(
            "UPDATE meetings SET topics_discussed = $1, key_points = $2, pass_on = $3,
                round_up_good = $4, round_up_not_so_good = $5, round_up_sharing = $6,
                version = version + 1, updated_at = $7
             WHERE id = $8")
            .bind(&n.topics_discussed).bind(&n.key_points).bind(&n.pass_on).bind(&n.round_up_good)
            .bind(&n.round_up_not_so_good).bind(&n.round_up_sharing).bind(now()).bind(id)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// Saves the round-up only (from the run-sheet's last step).
    /// A step's notes as saved now.
    pub async fn step_notes(&self, meeting: &MeetingAccess, position: i64) -> StoreResult<String> {
        let id = meeting.id();
        on_db!(self, pool => sqlx::query_scalar::<_, String>(
            "SELECT notes FROM meeting_steps WHERE meeting_id = $1 AND position = $2")
            .bind(id).bind(position).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?
        .ok_or(StoreError::NotFound)
    }

    /// Writes a step's notes only if they still read `expected` (false when someone else's
    /// save came first: read them again and merge).
    pub async fn replace_step_notes(
        &self,
        meeting: &MeetingAccess,
        position: i64,
        expected: &str,
        notes: &str,
    ) -> StoreResult<bool> {
        let id = meeting.id();
        let n = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE meeting_steps SET notes = $1 WHERE meeting_id = $2 AND position = $3 AND notes = $4")
                .bind(notes).bind(id).bind(position).bind(expected)
                .execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                bump!(tx, id)?;
                tx.commit().await?;
            }
            Ok::<u64, sqlx::Error>(n)
        })
        .map_err(StoreError::from_sqlx)?;
        Ok(n > 0)
    }

    /// The round-up's three boxes as saved now.
    pub async fn round_up_of(&self, meeting: &MeetingAccess) -> StoreResult<[String; 3]> {
        let id = meeting.id();
        let (a, b, c) = on_db!(self, pool => sqlx::query_as::<_, (String, String, String)>(
            "SELECT round_up_good, round_up_not_so_good, round_up_sharing FROM meetings WHERE id = $1")
            .bind(id).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?
        .ok_or(StoreError::NotFound)?;
        Ok([a, b, c])
    }

    /// Writes the round-up only if its boxes still read `expected`.
    pub async fn replace_round_up(
        &self,
        meeting: &MeetingAccess,
        expected: &[String; 3],
        new: &[String; 3],
    ) -> StoreResult<bool> {
        let id = meeting.id();
        on_db!(self, pool => sqlx::query(
            "UPDATE meetings SET round_up_good = $1, round_up_not_so_good = $2, round_up_sharing = $3,
                version = version + 1, updated_at = $4
             WHERE id = $5 AND round_up_good = $6 AND round_up_not_so_good = $7 AND round_up_sharing = $8")
            .bind(&new[0]).bind(&new[1]).bind(&new[2]).bind(now()).bind(id)
            .bind(&expected[0]).bind(&expected[1]).bind(&expected[2])
            .execute(pool).await.map(|r| r.rows_affected() > 0))
        .map_err(StoreError::from_sqlx)
    }

    pub async fn save_round_up(
        &self,
        meeting: &MeetingAccess,
        good: &str,
        not_so_good: &str,
        sharing: &str,
    ) -> StoreResult<()> {
        let id = meeting.id();
        on_db!(self, pool => sqlx::query(
            "UPDATE meetings SET round_up_good = $1, round_up_not_so_good = $2, round_up_sharing = $3,
                version = version + 1, updated_at = $4
             WHERE id = $5")
            .bind(good).bind(not_so_good).bind(sharing).bind(now()).bind(id)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    // --- RSVPs ----------------------------------------------------------------------------

    pub async fn rsvps_of(&self, meeting: &MeetingAccess) -> StoreResult<Vec<Rsvp>> {
        let meeting_id = meeting.id();
        on_db!(self, pool => sqlx::query_as::<_, Rsvp>(
            "SELECT member_id, answer, note, at FROM rsvps WHERE meeting_id = $1")
            .bind(meeting_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Records a member's answer taken by a facilitator (by phone, or at the door). A member
    /// of another group is not found.
    pub async fn set_rsvp(
        &self,
        meeting: &MeetingAccess,
        member_id: MemberId,
        answer: crate::domain::meeting::RsvpAnswer,
    ) -> StoreResult<()> {
        self.write_rsvp(
            meeting.id(),
            member_id,
            answer,
            &meeting.actor().to_string(),
        )
        .await
    }

    /// Records a member's own answer from their personal link, for a meeting of their group
    /// (any other meeting is not found).
    pub async fn set_own_rsvp(
        &self,
        link: &MemberLink,
        meeting_id: MeetingId,
        answer: crate::domain::meeting::RsvpAnswer,
    ) -> StoreResult<()> {
        self.write_rsvp(meeting_id, link.id, answer, &link.actor().to_string())
            .await
    }

    /// The answer, if the member and the meeting are of one group (else not found).
    async fn write_rsvp(
        &self,
        meeting_id: MeetingId,
        member_id: MemberId,
        answer: crate::domain::meeting::RsvpAnswer,
        recorded_by: &str,
    ) -> StoreResult<()> {
        change_part!(
            self,
            meeting_id,
            sqlx::query(
                "INSERT INTO rsvps (meeting_id, member_id, answer, recorded_by, at)
                 SELECT $1, m.id, $3, $4, $5 FROM members m JOIN meetings mt ON mt.group_id = m.group_id
                 WHERE m.id = $2 AND mt.id = $1
                 ON CONFLICT (meeting_id, member_id)
                 DO UPDATE SET answer = excluded.answer, recorded_by = excluded.recorded_by, at = excluded.at")
            .bind(meeting_id).bind(member_id).bind(answer).bind(recorded_by).bind(now())
        )
    }

    /// Meetings to come for a member's group, with their answer (for the personal link page).
    pub async fn upcoming_for_member(
        &self,
        link: &MemberLink,
    ) -> StoreResult<Vec<(Meeting, Option<String>)>> {
        let (group_id, member_id) = (link.group_id, link.id);
        let sql = format!(
            "SELECT {MEETING_COLUMNS} FROM meetings m
             WHERE m.group_id = $1 AND m.status IN ('planned', 'under_way') AND m.starts_at > $2
             ORDER BY m.starts_at LIMIT 6"
        );
        let meetings = on_db!(self, pool => sqlx::query_as::<_, Meeting>(&sql)
            .bind(group_id).bind(now() - 6 * 3600).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let mut out = Vec::with_capacity(meetings.len());
        for m in meetings {
            let answer = on_db!(self, pool => sqlx::query_scalar::<_, String>(
                "SELECT answer FROM rsvps WHERE meeting_id = $1 AND member_id = $2")
                .bind(m.id).bind(member_id).fetch_optional(pool).await)
            .map_err(StoreError::from_sqlx)?;
            out.push((m, answer));
        }
        Ok(out)
    }

    // --- attendance -----------------------------------------------------------------------

    pub async fn attendance_of(&self, meeting: &MeetingAccess) -> StoreResult<Vec<AttendanceRow>> {
        let meeting_id = meeting.id();
        on_db!(self, pool => sqlx::query_as::<_, AttendanceRow>(
            "SELECT a.id, a.member_id,
                COALESCE(m.preferred_name, a.guest_name, 'Someone') AS name,
                (a.member_id IS NULL AND a.erased_person IS NULL) AS is_guest, a.signed_in_at, a.marks
             FROM attendance a LEFT JOIN members m ON m.id = a.member_id
             WHERE a.meeting_id = $1 ORDER BY a.signed_in_at, a.id")
            .bind(meeting_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// How many members and guests signed in to each of a group's meetings, by meeting id.
    pub async fn attendance_counts(
        &self,
        group: &GroupAccess,
    ) -> StoreResult<std::collections::HashMap<MeetingId, (i64, i64)>> {
        let group_id = group.id();
        let rows: Vec<(MeetingId, i64, i64)> = on_db!(self, pool => sqlx::query_as(
            "SELECT a.meeting_id, COUNT(a.member_id) + COUNT(a.erased_person),
                COUNT(*) - COUNT(a.member_id) - COUNT(a.erased_person)
             FROM attendance a JOIN meetings m ON m.id = a.meeting_id
             WHERE m.group_id = $1 GROUP BY a.meeting_id")
            .bind(group_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(rows
            .into_iter()
            .map(|(id, members, guests)| (id, (members, guests)))
            .collect())
    }

    /// Signs a member of the meeting's group in. Signing the same person in twice (even from
    /// two devices at once) leaves one record, with the first time kept.
    pub async fn sign_in(&self, meeting: &MeetingAccess, member_id: MemberId) -> StoreResult<()> {
        self.sign_in_marked(meeting, member_id, None).await
    }

    /// Signs a member in; `mark` names this device's sign-in (letters, digits and '-'), added
    /// to the marks of a sign-in already there, so that another device's undo of its own
    /// sign-in leaves this one (`sign_out_marked`).
    pub async fn sign_in_marked(
        &self,
        meeting: &MeetingAccess,
        member_id: MemberId,
        mark: Option<&str>,
    ) -> StoreResult<()> {
        let meeting_id = meeting.id();
        let mark = mark.filter(|m| mark_ok(m)).unwrap_or("");
        let n = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "INSERT INTO attendance (meeting_id, member_id, signed_in_at, recorded_by, marks)
                 SELECT mt.id, m.id, $3, $4, $5 FROM meetings mt JOIN members m ON m.group_id = mt.group_id
                 WHERE mt.id = $1 AND m.id = $2
                 ON CONFLICT (meeting_id, member_id) DO UPDATE
                 SET marks = TRIM(attendance.marks || ' ' || excluded.marks)
                 WHERE excluded.marks <> ''
                   AND (' ' || attendance.marks || ' ') NOT LIKE ('% ' || excluded.marks || ' %')")
                .bind(meeting_id).bind(member_id).bind(now()).bind(meeting.actor().to_string()).bind(mark)
                .execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                bump!(tx, meeting_id)?;
                tx.commit().await?;
            }
            Ok(n)
        })
        .map_err(StoreError::from_sqlx)?;
        if n == 0 {
            // Either already signed in (fine) or not a member of this group (not found).
            let belongs = self.member_in_meeting_group(meeting_id, member_id).await?;
            if !belongs {
                return Err(StoreError::NotFound);
            }
        }
        Ok(())
    }

    async fn member_in_meeting_group(
        &self,
        meeting_id: MeetingId,
        member_id: MemberId,
    ) -> StoreResult<bool> {
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM meetings mt JOIN members m ON m.group_id = mt.group_id
             WHERE mt.id = $1 AND m.id = $2")
            .bind(meeting_id).bind(member_id).fetch_one(pool).await)
        .map(|n| n > 0)
        .map_err(StoreError::from_sqlx)
    }

    /// Undoes a sign-in (a tap on the wrong name).
    pub async fn sign_out(&self, meeting: &MeetingAccess, member_id: MemberId) -> StoreResult<()> {
        self.sign_out_marked(meeting, member_id, None).await
    }

    /// Undoes a sign-in. With `undid` (the marks of the sign-ins the device knew of), only
    /// those go: if another device's sign-in is left, the member stays signed in. Without,
    /// the sign-in goes whoever made it.
    pub async fn sign_out_marked(
        &self,
        meeting: &MeetingAccess,
        member_id: MemberId,
        undid: Option<&str>,
    ) -> StoreResult<()> {
        let meeting_id = meeting.id();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let marks: Option<String> = sqlx::query_scalar(
                "SELECT marks FROM attendance WHERE meeting_id = $1 AND member_id = $2")
                .bind(meeting_id).bind(member_id).fetch_optional(&mut *tx).await?;
            let left: Vec<&str> = match (&marks, undid) {
                (Some(marks), Some(undid)) => {
                    let undid: Vec<&str> = undid.split_whitespace().collect();
                    marks.split_whitespace().filter(|m| !undid.contains(m)).collect()
                }
                _ => Vec::new(),
            };
            if left.is_empty() {
                sqlx::query("DELETE FROM attendance WHERE meeting_id = $1 AND member_id = $2")
                    .bind(meeting_id).bind(member_id).execute(&mut *tx).await?;
            } else {
                sqlx::query("UPDATE attendance SET marks = $3 WHERE meeting_id = $1 AND member_id = $2")
                    .bind(meeting_id).bind(member_id).bind(left.join(" ")).execute(&mut *tx).await?;
            }
            bump!(tx, meeting_id)?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    pub async fn sign_in_guest(&self, meeting: &MeetingAccess, name: &str) -> StoreResult<()> {
        let meeting_id = meeting.id();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO attendance (meeting_id, guest_name, signed_in_at, recorded_by)
                 VALUES ($1, $2, $3, $4)")
                .bind(meeting_id).bind(name).bind(now()).bind(meeting.actor().to_string())
                .execute(&mut *tx).await?;
            bump!(tx, meeting_id)?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    pub async fn remove_guest(
        &self,
        meeting: &MeetingAccess,
        attendance_id: i64,
    ) -> StoreResult<()> {
        let meeting_id = meeting.id();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM attendance WHERE id = $1 AND meeting_id = $2 AND member_id IS NULL AND erased_person IS NULL")
                .bind(attendance_id).bind(meeting_id).execute(&mut *tx).await?;
            bump!(tx, meeting_id)?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    // --- actions --------------------------------------------------------------------------

    pub async fn actions_of(&self, meeting: &MeetingAccess) -> StoreResult<Vec<Action>> {
        let meeting_id = meeting.id();
        on_db!(self, pool => sqlx::query_as::<_, Action>(
            "SELECT id, meeting_id, who, what, by_date, done FROM meeting_actions
             WHERE meeting_id = $1 ORDER BY id")
            .bind(meeting_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Actions agreed at the group's earlier meetings and not done yet, oldest first: the
    /// follow-ups to mention at this one.
    pub async fn open_actions_before(
        &self,
        meeting: &MeetingAccess,
    ) -> StoreResult<Vec<OpenAction>> {
        on_db!(self, pool => sqlx::query_as::<_, OpenAction>(
            "SELECT a.id, a.meeting_id, a.who, a.what, a.by_date, a.done, m.local_date AS agreed_on
             FROM meeting_actions a JOIN meetings m ON m.id = a.meeting_id
             WHERE m.group_id = $1 AND m.starts_at < $2 AND m.id <> $3 AND NOT a.done
             ORDER BY m.starts_at, a.id")
            .bind(meeting.group_id).bind(meeting.starts_at).bind(meeting.id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    pub async fn add_action(&self, meeting: &MeetingAccess, a: &ActionInput) -> StoreResult<()> {
        let meeting_id = meeting.id();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO meeting_actions (meeting_id, who, what, by_date, created_at)
                 VALUES ($1, $2, $3, $4, $5)")
                .bind(meeting_id).bind(&a.who).bind(&a.what).bind(&a.by_date).bind(now())
                .execute(&mut *tx).await?;
            bump!(tx, meeting_id)?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    pub async fn set_action_done(
        &self,
        meeting: &MeetingAccess,
        action_id: i64,
        done: bool,
    ) -> StoreResult<()> {
        let meeting_id = meeting.id();
        let n = on_db!(self, pool => sqlx::query(
            "UPDATE meeting_actions SET done = $1 WHERE id = $2 AND meeting_id = $3")
            .bind(done).bind(action_id).bind(meeting_id)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    // --- reflections ----------------------------------------------------------------------

    /// Reflections on a meeting: for the group's facilitators and coordinators only, which is
    /// exactly who may see the meeting.
    pub async fn reflections_of(&self, meeting: &MeetingAccess) -> StoreResult<Vec<Reflection>> {
        let meeting_id = meeting.id();
        let rows = on_db!(self, pool => sqlx::query_as::<_, Reflection>(
            "SELECT r.id, r.meeting_id, r.account_id, a.name AS author_name, r.went_well,
                r.went_less_well, r.ideas, r.feeling, r.help_answered_at, r.updated_at
             FROM reflections r JOIN accounts a ON a.id = r.account_id
             WHERE r.meeting_id = $1 ORDER BY r.updated_at DESC")
            .bind(meeting_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        if !rows.is_empty() {
            self.audit_read(
                &meeting.actor().to_string(),
                "viewed reflections",
                &format!("meeting:{meeting_id}"),
                &[],
            )
            .await?;
        }
        Ok(rows)
    }

    /// Saves the viewer's own reflection on a meeting (one each; saving again replaces it).
    pub async fn save_reflection(
        &self,
        meeting: &MeetingAccess,
        r: &ReflectionInput,
    ) -> StoreResult<()> {
        let meeting_id = meeting.id();
        // A reflection is a member of staff's own.
        let Actor::Staff(account_id) = meeting.actor else {
            return Err(StoreError::Forbidden);
        };
        let t = now();
        on_db!(self, pool => sqlx::query(
            "INSERT INTO reflections (meeting_id, account_id, went_well, went_less_well, ideas,
                feeling, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (meeting_id, account_id) DO UPDATE SET went_well = excluded.went_well,
                went_less_well = excluded.went_less_well, ideas = excluded.ideas,
                feeling = excluded.feeling, updated_at = excluded.updated_at,
                help_answered_at = CASE WHEN excluded.feeling = 'need_help' THEN NULL
                                        ELSE reflections.help_answered_at END")
            .bind(meeting_id).bind(account_id).bind(&r.went_well).bind(&r.went_less_well)
            .bind(&r.ideas).bind(r.feeling).bind(t)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// Asks the coordinators for help after a meeting: what would help and how to reach the
    /// one asking. It is kept with their reflection (made if there is none yet), whose feeling
    /// becomes "I need some help" until a coordinator answers.
    pub async fn ask_for_help(
        &self,
        meeting: &MeetingAccess,
        note: &str,
        contact: &str,
    ) -> StoreResult<()> {
        let meeting_id = meeting.id();
        let Actor::Staff(account_id) = meeting.actor else {
            return Err(StoreError::Forbidden);
        };
        let t = now();
        on_db!(self, pool => sqlx::query(
            "INSERT INTO reflections (meeting_id, account_id, feeling, help_note, help_contact,
                created_at, updated_at)
             VALUES ($1, $2, 'need_help', $3, $4, $5, $5)
             ON CONFLICT (meeting_id, account_id) DO UPDATE SET feeling = 'need_help',
                help_note = excluded.help_note, help_contact = excluded.help_contact,
                help_answered_at = NULL, help_answered_by = NULL, updated_at = excluded.updated_at")
            .bind(meeting_id).bind(account_id).bind(note).bind(contact).bind(t)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// Held meetings of the last fortnight in the viewer's own groups that they have not yet
    /// reflected on, newest first: the home page invites the reflection.
    pub async fn reflections_due(&self, viewer: &Staff) -> StoreResult<Vec<Meeting>> {
        let since = now() - 14 * 24 * 3600;
        let sql = format!(
            "SELECT {MEETING_COLUMNS} FROM meetings m
             JOIN group_facilitators gf ON gf.group_id = m.group_id AND gf.account_id = $1
             WHERE m.status = 'held' AND m.starts_at >= $2 AND m.starts_at <= $3
               AND NOT EXISTS (SELECT 1 FROM reflections r
                               WHERE r.meeting_id = m.id AND r.account_id = $1)
             ORDER BY m.starts_at DESC LIMIT 3"
        );
        on_db!(self, pool => sqlx::query_as::<_, Meeting>(&sql)
            .bind(viewer.id).bind(since).bind(now()).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Calls for help that no coordinator has answered yet (coordinators only).
    pub async fn open_help_requests(&self, viewer: &Staff) -> StoreResult<Vec<HelpRequest>> {
        if !viewer.is_coordinator() {
            return Ok(Vec::new());
        }
        let found = on_db!(self, pool => sqlx::query_as::<_, HelpRequest>(
            "SELECT r.id AS reflection_id, r.meeting_id, g.id AS group_id, g.name AS group_name,
                a.name AS author_name, a.id AS author_id, a.email AS author_email,
                a.phone AS author_phone, m.local_date, r.went_less_well, r.help_note,
                r.help_contact, r.updated_at
             FROM reflections r
             JOIN meetings m ON m.id = r.meeting_id
             JOIN support_groups g ON g.id = m.group_id
             JOIN accounts a ON a.id = r.account_id
             WHERE r.feeling = 'need_help' AND r.help_answered_at IS NULL
             ORDER BY r.updated_at")
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        // A request for help is part of a reflection: shown, it is recorded as seen.
        if !found.is_empty() {
            self.audit_read(
                &viewer.actor().to_string(),
                "viewed help requests",
                "network",
                &[],
            )
            .await?;
        }
        Ok(found)
    }

    pub async fn answer_help_request(&self, viewer: &Staff, reflection_id: i64) -> StoreResult<()> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        let n = on_db!(self, pool => sqlx::query(
            "UPDATE reflections SET help_answered_at = $1, help_answered_by = $2
             WHERE id = $3 AND help_answered_at IS NULL")
            .bind(now()).bind(viewer.id).bind(reflection_id)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    // --- concerns -------------------------------------------------------------------------

    /// Records a concern for a group, at one of its meetings or between them. A meeting of
    /// another group, or a member of another group, is not found.
    pub async fn add_concern(
        &self,
        group: &GroupAccess,
        meeting: Option<&MeetingAccess>,
        c: &ConcernInput,
    ) -> StoreResult<i64> {
        let group_id = group.id();
        let Actor::Staff(account_id) = group.actor else {
            return Err(StoreError::Forbidden);
        };
        if meeting.is_some_and(|m| m.group_id() != group_id) {
            return Err(StoreError::NotFound);
        }
        let meeting_id = meeting.map(MeetingAccess::id);
        if let Some(member_id) = c.member_id {
            let member = self.member_unchecked(member_id).await?;
            if member.group_id != group_id {
                return Err(StoreError::NotFound);
            }
        }
        let id = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO concerns (group_id, meeting_id, member_id, about, concern, action_taken,
                    who_told, recorded_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(group_id).bind(meeting_id).bind(c.member_id).bind(&c.about).bind(&c.concern)
                .bind(&c.action_taken).bind(&c.who_told).bind(account_id).bind(now())
                .fetch_one(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, 'recorded', $3, '', $4)")
                .bind(now()).bind(group.actor.to_string()).bind(format!("concern:{id}"))
                .bind(crate::request::current_id()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
        .map_err(StoreError::from_sqlx)?;
        Ok(id)
    }

    /// Concerns recorded for a group (or one meeting of it). Every read is audited.
    pub async fn concerns_of(
        &self,
        group: &GroupAccess,
        meeting: Option<&MeetingAccess>,
    ) -> StoreResult<Vec<Concern>> {
        let group_id = group.id();
        if meeting.is_some_and(|m| m.group_id() != group_id) {
            return Err(StoreError::NotFound);
        }
        let meeting_id = meeting.map(MeetingAccess::id);
        let concerns = on_db!(self, pool => sqlx::query_as::<_, Concern>(
            "SELECT c.id, c.group_id, c.meeting_id, c.member_id,
                COALESCE(m.preferred_name, c.about) AS about, c.concern, c.action_taken, c.who_told,
                c.recorded_by, a.name AS recorded_by_name, c.created_at
             FROM concerns c JOIN accounts a ON a.id = c.recorded_by
             LEFT JOIN members m ON m.id = c.member_id
             WHERE c.group_id = $1 AND ($2 = 0 OR c.meeting_id = $2)
             ORDER BY c.created_at DESC, c.id DESC")
            .bind(group_id).bind(meeting_id.map_or(0, MeetingId::get)).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let shown: Vec<MemberId> = concerns.iter().filter_map(|c| c.member_id).collect();
        self.audit_read(
            &group.actor.to_string(),
            "viewed concerns",
            &format!("group:{group_id}"),
            &shown,
        )
        .await?;
        Ok(concerns)
    }

    /// How many concerns a group has, without reading (or auditing) their content.
    pub async fn concern_count(&self, group: &GroupAccess) -> StoreResult<i64> {
        let group_id = group.id();
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM concerns WHERE group_id = $1")
            .bind(group_id).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

//! Availability polls. Staff reads and writes check the viewer may see the group; a member's
//! own answers are checked against the member's group (their link is the key).

use super::BeginWrite;
use super::access::Asker;
use super::{
    Actor, GroupAccess, MemberLink, PollAccess, Store, StoreError, StoreResult, now, on_db,
};
use crate::domain::access::Staff;
use crate::domain::ids::MeetingId;
use crate::domain::ids::{GroupId, MemberId, PollId};
use crate::domain::poll::{Poll, PollAnswer, PollInput, PollOption, PollResponse, ResponseInput};

const POLL_COLUMNS: &str = "id, group_id, title, note, show_answers, status, chosen_option_id,
    meeting_id, from_meeting_id, created_at";

impl Store {
    /// Opens a poll with its options, all in one transaction.
    pub async fn create_poll(
        &self,
        group: &GroupAccess,
        input: &PollInput,
        from_meeting_id: Option<MeetingId>,
    ) -> StoreResult<PollId> {
        let group_id = group.id();
        let account_id = group.actor().account_id()?;
        for (o, _) in &input.options {
            self.check_venue_exists(o.venue_id).await?;
        }
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, PollId>(
                "INSERT INTO polls (group_id, title, note, show_answers, from_meeting_id, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(group_id).bind(&input.title).bind(&input.note).bind(input.show_answers)
                .bind(from_meeting_id).bind(account_id).bind(t)
                .fetch_one(&mut *tx).await?;
            for (position, (o, starts_at)) in input.options.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO poll_options (poll_id, position, local_date, local_time, starts_at, venue_id)
                     VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(id).bind(position as i64).bind(o.date.to_string()).bind(o.time_text())
                    .bind(*starts_at).bind(o.venue_id)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(id)
        })
        .map_err(StoreError::from_sqlx)
    }

    /// A group's polls, open ones first, newest first.
    pub async fn polls_of(&self, group: &GroupAccess) -> StoreResult<Vec<PollAccess>> {
        Ok(self
            .group_polls(group.id(), false)
            .await?
            .into_iter()
            .map(|poll| PollAccess {
                poll,
                actor: group.actor().clone(),
            })
            .collect())
    }

    /// A group's polls without a permission check (for the member's own page: open ones only).
    async fn group_polls(&self, group_id: GroupId, open_only: bool) -> StoreResult<Vec<Poll>> {
        let sql = format!(
            "SELECT {POLL_COLUMNS} FROM polls WHERE group_id = $1 AND ($2 = FALSE OR status = 'open')
             ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, created_at DESC, id DESC"
        );
        on_db!(self, pool => sqlx::query_as::<_, Poll>(&sql).bind(group_id).bind(open_only)
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// The open polls a member can answer from their link.
    pub async fn open_polls_for_member(&self, link: &MemberLink) -> StoreResult<Vec<PollAccess>> {
        Ok(self
            .group_polls(link.group_id, true)
            .await?
            .into_iter()
            .map(|poll| PollAccess {
                poll,
                actor: link.actor(),
            })
            .collect())
    }

    /// A poll, if the viewer may see its group.
    pub async fn poll_for(&self, viewer: &Staff, id: PollId) -> StoreResult<PollAccess> {
        self.poll_as(Asker::Staff(viewer), id).await
    }

    /// A poll of the member's own group, from their personal link; another group's is not found.
    pub async fn poll_for_link(&self, link: &MemberLink, id: PollId) -> StoreResult<PollAccess> {
        self.poll_as(Asker::Link(link), id).await
    }

    /// A poll for the email jobs, which act for no one.
    pub(crate) async fn poll_for_job(&self, id: PollId) -> StoreResult<PollAccess> {
        self.poll_as(Asker::Job, id).await
    }

    async fn poll_as(&self, asker: Asker<'_>, id: PollId) -> StoreResult<PollAccess> {
        let sql = format!("SELECT {POLL_COLUMNS} FROM polls WHERE id = $1");
        let poll =
            on_db!(self, pool => sqlx::query_as::<_, Poll>(&sql).bind(id).fetch_one(pool).await)
                .map_err(StoreError::from_sqlx)?;
        Ok(PollAccess {
            actor: self.admit(asker, poll.group_id).await?,
            poll,
        })
    }

    pub async fn poll_options(&self, poll: &PollAccess) -> StoreResult<Vec<PollOption>> {
        let poll_id = poll.id;
        on_db!(self, pool => sqlx::query_as::<_, PollOption>(
            "SELECT o.id, o.poll_id, o.position, o.local_date, o.local_time, o.starts_at, o.venue_id,
                v.name AS venue_name
             FROM poll_options o LEFT JOIN venues v ON v.id = o.venue_id
             WHERE o.poll_id = $1 ORDER BY o.position")
            .bind(poll_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    pub async fn poll_answers(&self, poll: &PollAccess) -> StoreResult<Vec<PollAnswer>> {
        let poll_id = poll.id;
        on_db!(self, pool => sqlx::query_as::<_, PollAnswer>(
            "SELECT option_id, member_id, answer FROM poll_answers WHERE poll_id = $1")
            .bind(poll_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    pub async fn poll_responses(&self, poll: &PollAccess) -> StoreResult<Vec<PollResponse>> {
        let poll_id = poll.id;
        on_db!(self, pool => sqlx::query_as::<_, PollResponse>(
            "SELECT r.member_id, m.preferred_name AS member_name, r.comment, r.recorded_by, r.at
             FROM poll_responses r JOIN members m ON m.id = r.member_id
             WHERE r.poll_id = $1 ORDER BY lower(m.preferred_name), m.id")
            .bind(poll_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// The current members of a group, as (id, preferred name), for "who has not answered".
    pub async fn current_member_names(
        &self,
        group: &GroupAccess,
    ) -> StoreResult<Vec<(MemberId, String)>> {
        let group_id = group.id();
        on_db!(self, pool => sqlx::query_as::<_, (MemberId, String)>(
            "SELECT id, preferred_name FROM members WHERE group_id = $1 AND left_on IS NULL
             ORDER BY lower(preferred_name), id")
            .bind(group_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Records one member's answers to an open poll, replacing any they gave before, in one
    /// transaction: staff for any member of the poll's group, a member from their link for
    /// themself only ("member" is recorded as who gave them). Fails with
    /// `Conflict::PollClosed` once the poll is closed.
    pub async fn answer_poll(
        &self,
        poll: &PollAccess,
        member_id: MemberId,
        input: &ResponseInput,
    ) -> StoreResult<()> {
        let recorded_by = match &poll.actor {
            Actor::Member(own) if *own == member_id => "member".to_string(),
            Actor::Member(_) => return Err(StoreError::NotFound),
            other => other.to_string(),
        };
        let member = self.member_unchecked(member_id).await?;
        if member.group_id != poll.group_id {
            return Err(StoreError::NotFound);
        }
        let t = now();
        // On PostgreSQL the poll's row is share-locked first: closing the poll (an UPDATE of
        // that row) then waits for answers being saved, and an answer that comes after the
        // close sees it closed, so every answer given while open is carried into the meeting.
        let lock = match self.backend() {
            super::Backend::Postgres => Some("SELECT id FROM polls WHERE id = $1 FOR SHARE"),
            super::Backend::Sqlite => None,
        };
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some(lock) = lock {
                sqlx::query(lock).bind(poll.id).execute(&mut *tx).await?;
            }
            // The first statement writes, so SQLite takes the write lock at once (and waits
            // for it) rather than failing to upgrade a read later.
            let written = sqlx::query(
                "INSERT INTO poll_responses (poll_id, member_id, comment, recorded_by, at)
                 SELECT $1, $2, $3, $4, $5 WHERE EXISTS
                   (SELECT 1 FROM polls WHERE id = $1 AND status = 'open')
                 ON CONFLICT (poll_id, member_id) DO UPDATE
                   SET comment = excluded.comment, recorded_by = excluded.recorded_by, at = excluded.at")
                .bind(poll.id).bind(member_id).bind(&input.comment).bind(&recorded_by).bind(t)
                .execute(&mut *tx).await?.rows_affected();
            if written != 1 {
                tx.rollback().await?;
                return Err(StoreError::Conflict(super::Conflict::PollClosed));
            }
            for (option_id, answer) in &input.answers {
                sqlx::query(
                    "INSERT INTO poll_answers (option_id, member_id, poll_id, answer)
                     SELECT $1, $2, $3, $4 WHERE EXISTS
                       (SELECT 1 FROM poll_options WHERE id = $1 AND poll_id = $3)
                     ON CONFLICT (option_id, member_id) DO UPDATE SET answer = excluded.answer")
                    .bind(*option_id).bind(member_id).bind(poll.id).bind(*answer)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Closes a poll on one option and plans the meeting it names, in one transaction.
    /// Returns the new meeting's id.
    pub async fn close_poll(&self, poll: &PollAccess, option_id: i64) -> StoreResult<MeetingId> {
        let poll_id = poll.id;
        let Some(group) = super::GroupScope::staff_group(poll) else {
            return Err(StoreError::Forbidden);
        };
        if !poll.is_open() {
            return Err(StoreError::Conflict(super::Conflict::PollClosed));
        }
        let options = self.poll_options(poll).await?;
        let option = options
            .iter()
            .find(|o| o.id == option_id)
            .ok_or_else(|| StoreError::Conflict(super::Conflict::NoSuchOption))?;
        let usual_length = self
            .group_unchecked(poll.group_id)
            .await?
            .usual_meeting_length;
        let input = crate::domain::meeting::MeetingInput {
            date: option
                .local_date
                .parse()
                .map_err(|_| StoreError::Conflict(super::Conflict::NoSuchOption))?,
            start_time: option
                .local_time
                .parse()
                .map_err(|_| StoreError::Conflict(super::Conflict::NoSuchOption))?,
            duration_minutes: usual_length,
            venue_id: option.venue_id,
            topic: String::new(),
        };
        let meeting = self
            .create_meeting_then(
                &group,
                &input,
                option.starts_at,
                super::AfterInsert::ClosePoll { poll_id, option_id },
            )
            .await?;
        Ok(meeting.id)
    }
}

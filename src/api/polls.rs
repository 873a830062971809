//! Availability polls in the JSON API, with the same rules as the pages: staff of the group
//! open them, see every answer, record answers given by phone, and close them on an option
//! (which plans the meeting and emails the invitation). Also the group's email log and the
//! meeting invitation.

use crate::domain::ids::{GroupId, MeetingId, MemberId, PollId, VenueId};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::{EmailOut, created, named_list, parsed};
use crate::AppState;
use crate::domain::FieldErrors;
use crate::domain::poll::{Poll, PollInput, PollResults, ResponseInput};
use crate::error::{AppError, AppResult};
use crate::http::{ApiStaff, JsonInput};
use crate::store::{Conflict, Job, PollAccess, StoreError};

#[derive(Serialize)]
pub struct PollOut {
    #[serde(flatten)]
    poll: Poll,
    #[serde(flatten)]
    results: PollResults,
}

async fn poll_out(state: &AppState, poll: PollAccess) -> AppResult<PollOut> {
    let results = crate::app::polls::results(state, &poll).await?;
    Ok(PollOut {
        poll: poll.into_poll(),
        results,
    })
}

named_list!(PollsOut { polls: Poll });

/// A new poll, with what members were told.
#[derive(Serialize)]
pub struct NewPollOut {
    #[serde(flatten)]
    poll: PollOut,
    email: EmailOut,
}

/// The meeting a closed poll planned, in brief.
#[derive(Serialize)]
pub struct PlannedMeeting {
    id: MeetingId,
    date: String,
    start_time: String,
    starts_at: String,
    venue_id: Option<VenueId>,
}

/// A poll closed on one option: the meeting it planned and who was told.
#[derive(Serialize)]
pub struct ClosedOut {
    poll_id: PollId,
    meeting: PlannedMeeting,
    email: EmailOut,
}

/// The group's email: whether it is set up, and every message with its state.
#[derive(Serialize)]
pub struct MailOut {
    configured: bool,
    messages: Vec<Job>,
}

pub async fn list(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
) -> AppResult<Json<PollsOut>> {
    let group = state.store.group(&me, group_id).await?;
    let polls: Vec<Poll> = state
        .store
        .polls_of(&group)
        .await?
        .into_iter()
        .map(PollAccess::into_poll)
        .collect();
    Ok(Json(PollsOut { polls }))
}

/// `options`: a list of `{date, start_time, venue_id?}`; optional `title`, `note` and
/// `show_answers` (whether members see each other's answers).
pub async fn create(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let access = state.store.group(&me, group_id).await?;
    let group = state.store.group_for(&me, group_id).await?;
    let input = parsed(PollInput::parse(
        &raw,
        &group.timezone,
        group.usual_meeting_length,
        group.usual_venue_id,
        crate::store::now(),
    ))?;
    let id = state
        .store
        .create_poll(&access, &input, None)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(Conflict::NoSuchVenue) => AppError::Invalid(FieldErrors::single(
                "options",
                "There is no venue with one of these ids.",
            )),
            other => other.into(),
        })?;
    let outcome = crate::mail::poll_opened(&state, id).await?;
    let poll = state.store.poll_for(&me, id).await?;
    let out = NewPollOut {
        poll: poll_out(&state, poll).await?,
        email: outcome.into(),
    };
    Ok(created(crate::paths::api_poll(id), out))
}

pub async fn get(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<PollId>,
) -> AppResult<Json<PollOut>> {
    let poll = state.store.poll_for(&me, id).await?;
    Ok(Json(poll_out(&state, poll).await?))
}

/// Records a member's answers (given by phone): `member_id`, `answers` as an object from
/// option id to `yes`, `if_need_be` or `no`, optional `comment`.
pub async fn answer(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<PollId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<PollOut>> {
    let poll = state.store.poll_for(&me, id).await?;
    let options = state.store.poll_options(&poll).await?;
    let member_id = raw.text("member_id").parse::<MemberId>().ok();
    let input = ResponseInput::parse(&raw, &options);
    let (member_id, input) = match (member_id, input) {
        (Some(m), Ok(i)) => (m, i),
        (m, r) => {
            let mut e = r.err().unwrap_or_default();
            if m.is_none() {
                e.add("member_id", "Give the id of the member who answered.");
            }
            return Err(AppError::Invalid(e));
        }
    };
    match state.store.answer_poll(&poll, member_id, &input).await {
        Ok(()) => {}
        Err(StoreError::Conflict(Conflict::PollClosed)) => {
            return Err(AppError::Conflict(
                "This poll is closed, so answers can no longer change.".into(),
            ));
        }
        Err(StoreError::NotFound) => {
            return Err(AppError::Invalid(FieldErrors::single(
                "member_id",
                "There is no member of this group with this id.",
            )));
        }
        Err(other) => return Err(other.into()),
    }
    Ok(Json(poll_out(&state, poll).await?))
}

/// Closes the poll on `option_id`: plans the meeting and emails the invitation.
pub async fn close(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<PollId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let option_id = raw.text("option_id").parse::<i64>().map_err(|_| {
        AppError::Invalid(FieldErrors::single(
            "option_id",
            "Give the id of the option to meet on.",
        ))
    })?;
    let poll = state.store.poll_for(&me, id).await?;
    let (meeting_id, outcome) = match crate::app::polls::close(&state, &poll, option_id).await {
        Ok(closed) => closed,
        Err(StoreError::Conflict(Conflict::PollClosed)) => {
            return Err(AppError::Conflict(
                "This poll has been closed already.".into(),
            ));
        }
        Err(StoreError::Conflict(Conflict::NoSuchOption)) => {
            return Err(AppError::Invalid(FieldErrors::single(
                "option_id",
                "This poll has no option with this id.",
            )));
        }
        Err(other) => return Err(other.into()),
    };
    let meeting = state.store.meeting_for(&me, meeting_id).await?;
    Ok(created(
        crate::paths::api_meeting(meeting_id),
        ClosedOut {
            poll_id: id,
            meeting: PlannedMeeting {
                id: meeting.id,
                starts_at: meeting.starts_at_rfc3339(),
                date: meeting.local_date,
                start_time: meeting.local_time,
                venue_id: meeting.venue_id,
            },
            email: outcome.into(),
        },
    ))
}

/// Emails a reminder to members who use email and have not answered.
pub async fn remind(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<PollId>,
) -> AppResult<Json<super::EmailSent>> {
    let poll = state.store.poll_for(&me, id).await?;
    if !poll.is_open() {
        return Err(AppError::Conflict("This poll is closed.".into()));
    }
    let outcome = crate::mail::poll_reminder(&state, id).await?;
    Ok(Json(super::EmailSent {
        email: outcome.into(),
    }))
}

/// Emails the invitation to a planned meeting (once per member for each date and time).
pub async fn invite(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
) -> AppResult<Json<super::EmailSent>> {
    let m = state.store.meeting_for(&me, id).await?;
    if !m.is_planned() {
        return Err(AppError::Conflict(
            "Only a planned meeting can be sent out as an invitation.".into(),
        ));
    }
    let outcome = crate::mail::meeting_invitation(&state, id).await?;
    Ok(Json(super::EmailSent {
        email: outcome.into(),
    }))
}

/// The group's email: every message with its state and, for failures, the reason.
pub async fn mail(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
) -> AppResult<Json<MailOut>> {
    let group = state.store.group(&me, group_id).await?;
    let messages = state.store.jobs_of_group(&group, 500).await?;
    Ok(Json(MailOut {
        configured: state.config.smtp_url.is_some(),
        messages,
    }))
}

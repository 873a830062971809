//! Meetings in the JSON API: planning, the agenda and its state, RSVPs, attendance, notes and
//! actions, reflections and concerns — the same store calls, with the same permissions, as the
//! pages.

use crate::domain::ids::{GroupId, MeetingId, MemberId};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::models::MeetingJson;
use super::{created, named_list, parsed};
use crate::AppState;
use crate::domain::FieldErrors;
use crate::domain::meeting::{
    Action, ActionInput, AgendaStep, Concern, ConcernInput, MeetingEvent, MeetingInput,
    MeetingStatus, NotesInput, Reflection, ReflectionInput, StepKind, Transition,
    parse_cancel_reason, parse_rsvp,
};
use crate::error::{AppError, AppResult};
use crate::http::{ApiStaff, JsonInput};
use crate::store::{AttendanceRow, Conflict, MeetingAccess, Rsvp, StoreError};

#[derive(Serialize)]
pub struct StepOut {
    position: i64,
    title: String,
    minutes: i64,
    purpose: String,
    prompts: Vec<String>,
    kind: StepKind,
    checked: Vec<usize>,
    notes: String,
}

impl From<&AgendaStep> for StepOut {
    fn from(s: &AgendaStep) -> Self {
        let prompts: Vec<String> = s.prompt_list().into_iter().map(String::from).collect();
        let checked = (0..prompts.len()).filter(|i| s.is_checked(i)).collect();
        StepOut {
            position: s.position,
            title: s.title.clone(),
            minutes: s.minutes,
            purpose: s.purpose.clone(),
            prompts,
            kind: s.kind,
            checked,
            notes: s.notes.clone(),
        }
    }
}

/// A meeting in a group's list, with its start as RFC 3339.
#[derive(Serialize)]
pub struct MeetingListItem {
    #[serde(flatten)]
    meeting: MeetingJson,
    coming: i64,
    attended: i64,
    venue_name: Option<String>,
    starts_at: String,
}

named_list!(MeetingsOut {
    meetings: MeetingListItem
});
named_list!(AttendanceOut {
    attendance: AttendanceRow
});
named_list!(RsvpsOut { rsvps: Rsvp });
named_list!(ActionsOut { actions: Action });
named_list!(ReflectionsOut {
    reflections: Reflection
});
named_list!(ConcernsOut { concerns: Concern });

#[derive(Serialize)]
pub struct MeetingOut {
    #[serde(flatten)]
    meeting: MeetingJson,
    /// RFC 3339 with the UTC offset in force that day.
    starts_at: String,
    number: i64,
    agenda: Vec<StepOut>,
}

async fn meeting_out(state: &AppState, meeting: MeetingAccess) -> AppResult<MeetingOut> {
    let agenda = state.store.meeting_steps(&meeting).await?;
    let number = state.store.meeting_number(&meeting).await?;
    Ok(MeetingOut {
        starts_at: meeting.starts_at_rfc3339(),
        number,
        agenda: agenda.iter().map(StepOut::from).collect(),
        meeting: meeting.into_meeting().into(),
    })
}

fn venue_invalid(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(Conflict::NoSuchVenue) => AppError::Invalid(FieldErrors::single(
            "venue_id",
            "There is no venue with this id.",
        )),
        StoreError::Conflict(Conflict::HeldMovedAhead) => AppError::Invalid(FieldErrors::single(
            "date",
            crate::domain::meeting::HELD_MOVED_AHEAD,
        )),
        other => other.into(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
) -> AppResult<Json<MeetingsOut>> {
    let group = state.store.group(&me, group_id).await?;
    let meetings = state
        .store
        .meeting_history(&group)
        .await?
        .into_iter()
        .map(|s| MeetingListItem {
            starts_at: s.meeting.starts_at_rfc3339(),
            coming: s.coming,
            attended: s.attended,
            venue_name: s.venue_name,
            meeting: s.meeting.into(),
        })
        .collect();
    Ok(Json(MeetingsOut { meetings }))
}

pub async fn create(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let access = state.store.group(&me, group_id).await?;
    let group = state.store.group_for(&me, group_id).await?;
    let (input, starts_at) = parsed(MeetingInput::parse(
        &raw,
        &group.timezone,
        group.usual_meeting_length,
        group.usual_venue_id,
    ))?;
    let meeting = state
        .store
        .create_meeting(&access, &input, starts_at)
        .await
        .map_err(venue_invalid)?;
    let id = meeting.id;
    let meeting = state.store.meeting(&me, id).await?;
    let out = meeting_out(&state, meeting).await?;
    Ok(created(crate::paths::api_meeting(id), out))
}

pub async fn get(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
) -> AppResult<Json<MeetingOut>> {
    let m = state.store.meeting_with_record(&me, id).await?;
    Ok(Json(meeting_out(&state, m).await?))
}

/// Moves or changes a meeting (`date`, `start_time`, `duration_minutes`, `venue_id`, `topic`),
/// changes its `status` (with `cancel_reason` when cancelling) or its `current_step`. Every
/// part is checked before anything is written: a request with one bad field (or a status the
/// meeting cannot take) changes nothing, and says so for every field at once.
pub async fn update(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<MeetingOut>> {
    let m = state.store.meeting(&me, id).await?;
    let group = state.store.group_for(&me, m.group_id).await?;
    let keys: Vec<String> = raw.keys().map(str::to_string).collect();
    let touches = |f: &str| keys.iter().any(|k| k == f || k == &format!("{f}[]"));
    let mut errors = FieldErrors::new();

    let details = if [
        "date",
        "start_time",
        "duration_minutes",
        "venue_id",
        "topic",
    ]
    .iter()
    .any(|f| touches(f))
    {
        let mut base = crate::domain::RawInput::default();
        base.set("date", &m.local_date);
        base.set("start_time", &m.local_time);
        base.set("duration_minutes", m.duration_minutes.to_string());
        base.set(
            "venue_id",
            m.venue_id.map(|v| v.to_string()).unwrap_or_default(),
        );
        base.set("topic", &m.topic);
        let merged = base.merged_with(raw.clone());
        match MeetingInput::parse(&merged, &group.timezone, group.usual_meeting_length, None) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        }
    } else {
        None
    };

    let mut event = None;
    if touches("status") {
        match raw.text("status").parse::<MeetingStatus>() {
            Ok(status) => {
                let e = MeetingEvent::to_reach(m.status, status);
                if e == MeetingEvent::Cancel {
                    match parse_cancel_reason(&raw) {
                        Ok(reason) => event = Some((e, reason)),
                        Err(more) => errors.0.extend(more.0),
                    }
                } else {
                    event = Some((e, String::new()));
                }
            }
            Err(_) => errors.add("status", format!("Use {}.", MeetingStatus::choices())),
        }
    }

    let mut step = None;
    if touches("current_step") {
        match raw.text("current_step").parse::<i64>() {
            Ok(n) => step = Some(n),
            Err(_) => errors.add(
                "current_step",
                "Give the step's position, a whole number from 0.",
            ),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // A status the meeting cannot take is refused before the move is written, so the
    // request is all or nothing. (The store applies the same table again under its lock.)
    if let Some((e, _)) = &event
        && let Transition::Refused(why) = m.status.on_day(
            *e,
            match &details {
                Some((input, _)) => input.date,
                None => m.day(),
            },
            m.today_there(),
        )
    {
        return Err(crate::app::meetings::refused(why));
    }

    if let Some((input, starts_at)) = details {
        state
            .store
            .update_meeting(&m, &input, starts_at)
            .await
            .map_err(venue_invalid)?;
    }
    if let Some((e, reason)) = event {
        crate::app::meetings::apply_status(&state, &m, e, &reason).await?;
    }
    crate::mail::after_change(&state, &m).await?;
    if let Some(step) = step {
        state.store.go_to_step(&m, step).await?;
    }
    let m = state.store.meeting(&me, id).await?;
    Ok(Json(meeting_out(&state, m).await?))
}

/// Saves a step's ticked prompts (`checked`: a list of prompt indexes) and `notes`.
pub async fn save_step(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path((id, position)): Path<(MeetingId, i64)>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<MeetingOut>> {
    let given_checked = raw.keys().any(|k| k == "checked" || k == "checked[]");
    let mut checked = Vec::new();
    for c in raw.all("checked") {
        checked.push(
            c.parse::<usize>()
                .ok()
                .filter(|n| *n <= 10_000)
                .ok_or_else(|| {
                    AppError::Invalid(FieldErrors::single(
                        "checked",
                        "Give a list of prompt numbers, like [0, 2].",
                    ))
                })?
                .to_string(),
        );
    }
    let notes = raw.get("notes").map(str::to_string);
    if notes.as_ref().is_some_and(|n| n.chars().count() > 8000) {
        return Err(AppError::Invalid(FieldErrors::single(
            "notes",
            "Use 8000 characters or fewer.",
        )));
    }
    let joined = checked.join(",");
    let m = state.store.meeting(&me, id).await?;
    state
        .store
        .save_step(
            &m,
            position,
            given_checked.then_some(joined.as_str()),
            notes.as_deref(),
        )
        .await?;
    let m = state.store.meeting(&me, id).await?;
    Ok(Json(meeting_out(&state, m).await?))
}

// --- attendance and RSVPs ------------------------------------------------------------------

pub async fn attendance(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
) -> AppResult<Json<AttendanceOut>> {
    let m = state.store.meeting(&me, id).await?;
    let rows: Vec<AttendanceRow> = state.store.attendance_of(&m).await?;
    Ok(Json(AttendanceOut { attendance: rows }))
}

/// Signs someone in: `member_id` for a member (twice leaves one record), or `guest_name`.
pub async fn sign_in(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    let member = raw.text("member_id");
    let guest = raw.text("guest_name");
    match (member.is_empty(), guest.is_empty()) {
        (false, _) => {
            let member_id = member.parse::<MemberId>().map_err(|_| {
                AppError::Invalid(FieldErrors::single("member_id", "Give a member's id."))
            })?;
            state
                .store
                .sign_in(&meeting, member_id)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => AppError::Invalid(FieldErrors::single(
                        "member_id",
                        "There is no member with this id in the meeting's group.",
                    )),
                    other => other.into(),
                })?;
        }
        (true, false) if guest.chars().count() <= 80 => {
            state.store.sign_in_guest(&meeting, &guest).await?
        }
        (true, false) => {
            return Err(AppError::Invalid(FieldErrors::single(
                "guest_name",
                "Use 80 characters or fewer.",
            )));
        }
        (true, true) => {
            return Err(AppError::Invalid(FieldErrors::single(
                "member_id",
                "Give member_id, or guest_name for a guest.",
            )));
        }
    }
    let rows = state.store.attendance_of(&meeting).await?;
    Ok((
        StatusCode::CREATED,
        Json(AttendanceOut { attendance: rows }),
    )
        .into_response())
}

pub async fn sign_out(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path((id, member_id)): Path<(MeetingId, MemberId)>,
) -> AppResult<Json<AttendanceOut>> {
    let m = state.store.meeting(&me, id).await?;
    state.store.sign_out(&m, member_id).await?;
    let rows = state.store.attendance_of(&m).await?;
    Ok(Json(AttendanceOut { attendance: rows }))
}

pub async fn rsvps(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
) -> AppResult<Json<RsvpsOut>> {
    let m = state.store.meeting(&me, id).await?;
    let rows: Vec<Rsvp> = state.store.rsvps_of(&m).await?;
    Ok(Json(RsvpsOut { rsvps: rows }))
}

/// Records a member's answer (`member_id`, `answer`: yes, no or maybe), e.g. after a call.
pub async fn set_rsvp(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<RsvpsOut>> {
    let m = state.store.meeting(&me, id).await?;
    let mut e = FieldErrors::new();
    let answer = parse_rsvp(&raw).map_err(|f| e.0.extend(f.0)).ok();
    let member_id = raw.text("member_id").parse::<MemberId>().ok();
    if member_id.is_none() {
        e.add("member_id", "Give a member's id.");
    }
    let (Some(answer), Some(member_id)) = (answer, member_id) else {
        return Err(AppError::Invalid(e));
    };
    crate::app::meetings::record_rsvp(&state, &m, member_id, answer)
        .await
        .map_err(crate::app::meetings::not_in_group)?;
    let rows = state.store.rsvps_of(&m).await?;
    Ok(Json(RsvpsOut { rsvps: rows }))
}

// --- the record ------------------------------------------------------------------------------

#[derive(Serialize)]
pub struct NotesOut {
    topics_discussed: String,
    key_points: String,
    pass_on: String,
    round_up_good: String,
    round_up_not_so_good: String,
    round_up_sharing: String,
    attended: usize,
    guests: usize,
    actions: Vec<Action>,
}

async fn notes_out(state: &AppState, m: MeetingAccess) -> AppResult<NotesOut> {
    let attendance = state.store.attendance_of(&m).await?;
    let guests = attendance.iter().filter(|a| a.is_guest).count();
    let actions = state.store.actions_of(&m).await?;
    let m = m.into_meeting();
    Ok(NotesOut {
        attended: attendance.len() - guests,
        guests,
        actions,
        topics_discussed: m.topics_discussed,
        key_points: m.key_points,
        pass_on: m.pass_on,
        round_up_good: m.round_up_good,
        round_up_not_so_good: m.round_up_not_so_good,
        round_up_sharing: m.round_up_sharing,
    })
}

pub async fn notes(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
) -> AppResult<Json<NotesOut>> {
    let m = state.store.meeting(&me, id).await?;
    Ok(Json(notes_out(&state, m).await?))
}

pub async fn save_notes(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<NotesOut>> {
    let m = state.store.meeting(&me, id).await?;
    let mut base = crate::domain::RawInput::default();
    base.set("topics_discussed", &m.topics_discussed);
    base.set("key_points", &m.key_points);
    base.set("pass_on", &m.pass_on);
    base.set("round_up_good", &m.round_up_good);
    base.set("round_up_not_so_good", &m.round_up_not_so_good);
    base.set("round_up_sharing", &m.round_up_sharing);
    let input = parsed(NotesInput::try_from(&base.merged_with(raw)))?;
    state.store.save_notes(&m, &input).await?;
    let m = state.store.meeting(&me, id).await?;
    Ok(Json(notes_out(&state, m).await?))
}

pub async fn add_action(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let input = parsed(ActionInput::try_from(&raw))?;
    let m = state.store.meeting(&me, id).await?;
    state.store.add_action(&m, &input).await?;
    let actions = state.store.actions_of(&m).await?;
    Ok((StatusCode::CREATED, Json(ActionsOut { actions })).into_response())
}

pub async fn reflections(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
) -> AppResult<Json<ReflectionsOut>> {
    let meeting = state.store.meeting(&me, id).await?;
    let rows: Vec<Reflection> = state.store.reflections_of(&meeting).await?;
    Ok(Json(ReflectionsOut { reflections: rows }))
}

/// Saves the caller's own reflection on the meeting.
pub async fn save_reflection(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MeetingId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<ReflectionsOut>> {
    let meeting = state.store.meeting(&me, id).await?;
    let input = parsed(ReflectionInput::try_from(&raw))?;
    state.store.save_reflection(&meeting, &input).await?;
    let rows = state.store.reflections_of(&meeting).await?;
    Ok(Json(ReflectionsOut { reflections: rows }))
}

pub async fn concerns(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
) -> AppResult<Json<ConcernsOut>> {
    let group = state.store.group(&me, group_id).await?;
    let rows: Vec<Concern> = state.store.concerns_of(&group, None).await?;
    Ok(Json(ConcernsOut { concerns: rows }))
}

/// Records a concern (`member_id` or `about`, `concern`, `action_taken`, `who_told`,
/// optionally the `meeting_id` it arose at).
pub async fn add_concern(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let group = state.store.group(&me, group_id).await?;
    let input = parsed(ConcernInput::try_from(&raw))?;
    let meeting = match raw.text("meeting_id").as_str() {
        "" => None,
        v => {
            let id = v.parse::<MeetingId>().map_err(|_| {
                AppError::Invalid(FieldErrors::single("meeting_id", "Give a meeting's id."))
            })?;
            let m = state.store.meeting(&me, id).await?;
            if m.group_id() != group_id {
                return Err(AppError::Invalid(FieldErrors::single(
                    "meeting_id",
                    "This meeting is not the group's.",
                )));
            }
            Some(m)
        }
    };
    let id = state
        .store
        .add_concern(&group, meeting.as_ref(), &input)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::Invalid(FieldErrors::single(
                "member_id",
                "There is no member with this id in the group.",
            )),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(super::IdOut { id })).into_response())
}

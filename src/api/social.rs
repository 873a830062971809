//! Social events and the refreshments rota in the JSON API, with the pages' rules.

use crate::domain::ids::GroupId;
use crate::domain::ids::{EventId, MeetingId, MemberId};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::{EmailOut, NamedMember, created, parsed};
use crate::AppState;
use crate::domain::FieldErrors;
use crate::domain::meeting::parse_rsvp;
use crate::domain::social::{RotaMember, SocialEvent, SocialInput, SocialRsvp, SocialStatus};
use crate::error::{AppError, AppResult};
use crate::http::{ApiStaff, JsonInput};
use crate::mail::Outcome;
use crate::store::{EventAccess, StoreError};

#[derive(Serialize)]
pub struct EventOut {
    #[serde(flatten)]
    event: SocialEvent,
    starts_at: String,
    rsvps: Vec<SocialRsvp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<EmailOut>,
}

#[derive(Serialize)]
pub struct EventsOut {
    social_events: Vec<EventOut>,
}

/// One of the next meetings on the rota: its host, or the fair suggestion.
#[derive(Serialize)]
pub struct RotaMeetingOut {
    meeting_id: MeetingId,
    starts_at: String,
    host: Option<NamedMember>,
    suggested: Option<NamedMember>,
    host_cannot_come: bool,
}

#[derive(Serialize)]
pub struct RotaOut {
    members: Vec<RotaMember>,
    meetings: Vec<RotaMeetingOut>,
}

#[derive(Serialize)]
pub struct OnRotaOut {
    member_id: MemberId,
    on_rota: bool,
}

#[derive(Serialize)]
pub struct HostOut {
    meeting_id: MeetingId,
    host: Option<NamedMember>,
    email: Option<EmailOut>,
}

async fn event_out(
    state: &AppState,
    event: EventAccess,
    told: Option<Outcome>,
) -> AppResult<EventOut> {
    let rsvps = state.store.social_rsvps(&event).await?;
    Ok(EventOut {
        starts_at: event.starts_at_rfc3339(),
        event: event.into_event(),
        rsvps,
        email: told.map(EmailOut::from),
    })
}

pub async fn list(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
) -> AppResult<Json<EventsOut>> {
    let group = state.store.group(&me, group_id).await?;
    let events = state.store.social_events_of(&group).await?;
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        out.push(event_out(&state, e, None).await?);
    }
    Ok(Json(EventsOut { social_events: out }))
}

/// `title`, `date`, `start_time`, optional `duration_minutes`, `place`, `details`,
/// `accessibility`. Members who use email are invited.
pub async fn create(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let access = state.store.group(&me, group_id).await?;
    let group = state.store.group_for(&me, group_id).await?;
    let (input, starts_at) = parsed(SocialInput::parse(&raw, &group.timezone))?;
    let event = state
        .store
        .create_social_event(&access, &input, starts_at)
        .await?;
    let told = crate::mail::social_invitation(&state, event.id).await?;
    let id = event.id;
    Ok(created(
        crate::paths::api_social_event(id),
        event_out(&state, event, Some(told)).await?,
    ))
}

pub async fn get(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<EventId>,
) -> AppResult<Json<EventOut>> {
    let e = state.store.social_event_for(&me, id).await?;
    Ok(Json(event_out(&state, e, None).await?))
}

/// Changes any subset of the fields, and `status` (planned or cancelled).
pub async fn update(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<EventId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<EventOut>> {
    let before = state.store.social_event_for(&me, id).await?;
    let status = match raw.text("status").as_str() {
        "" => None,
        given => Some(given.parse::<SocialStatus>().map_err(|_| {
            AppError::Invalid(FieldErrors::single(
                "status",
                format!("Use {}.", SocialStatus::choices()),
            ))
        })?),
    };
    let changes_fields = raw.keys().any(|k| k != "status");
    let mut after = before.clone();
    if changes_fields {
        let merged = before.to_raw().merged_with(raw.clone());
        let (input, starts_at) = parsed(SocialInput::parse(&merged, &before.timezone))?;
        after = state
            .store
            .update_social_event(&before, &input, starts_at)
            .await?;
    }
    if let Some(status) = status.filter(|s| *s != after.status) {
        after = state.store.set_social_status(&before, status).await?;
    }
    let told = crate::mail::social_changed(&state, &before, &after).await?;
    Ok(Json(event_out(&state, after, told).await?))
}

/// Records a reply: `member_id` and `answer` (yes, maybe or no).
pub async fn rsvp(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<EventId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<EventOut>> {
    let event = state.store.social_event_for(&me, id).await?;
    let answer = parse_rsvp(&raw);
    let member_id = raw.text("member_id").parse::<MemberId>().ok();
    let (member_id, answer) = match (member_id, answer) {
        (Some(m), Ok(a)) => (m, a),
        (m, a) => {
            let mut e = a.err().unwrap_or_default();
            if m.is_none() {
                e.add("member_id", "Give the id of the member who answered.");
            }
            return Err(AppError::Invalid(e));
        }
    };
    match state.store.set_social_rsvp(&event, member_id, answer).await {
        Ok(()) => Ok(Json(event_out(&state, event, None).await?)),
        Err(StoreError::NotFound) => Err(AppError::Invalid(FieldErrors::single(
            "member_id",
            "There is no member of this group with this id.",
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The rota: who is on it (with when they last hosted) and the next meetings with their host
/// or the fair suggestion.
pub async fn rota(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
) -> AppResult<Json<RotaOut>> {
    let group = state.store.group(&me, group_id).await?;
    let members = state.store.rota_of(&group, i64::MAX).await?;
    let meetings = crate::app::social::rota_meetings(&state, &group)
        .await?
        .into_iter()
        .map(|rm| RotaMeetingOut {
            meeting_id: rm.meeting.id,
            starts_at: rm.meeting.starts_at_rfc3339(),
            host: rm.host.map(NamedMember::from),
            suggested: rm.suggested.map(NamedMember::from),
            host_cannot_come: rm.host_cannot_come,
        })
        .collect();
    Ok(Json(RotaOut { members, meetings }))
}

/// Puts a member on the rota or takes them off: `{"on": true}`.
pub async fn set_rota(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(member_id): Path<MemberId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<OnRotaOut>> {
    let member = state.store.member(&me, member_id).await?;
    let on = match raw.text("on").as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(AppError::Invalid(FieldErrors::single(
                "on",
                "Give true to put the member on the rota, false to take them off.",
            )));
        }
    };
    state.store.set_rota(&member, on).await?;
    Ok(Json(OnRotaOut {
        member_id,
        on_rota: on,
    }))
}

/// Confirms or swaps the host of a meeting's refreshments: `{"member_id": 12}` or null.
pub async fn set_host(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(meeting_id): Path<MeetingId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<HostOut>> {
    let meeting = state.store.meeting(&me, meeting_id).await?;
    let member_id = match raw.text("member_id").as_str() {
        "" => None,
        v => Some(v.parse::<MemberId>().map_err(|_| {
            AppError::Invalid(FieldErrors::single(
                "member_id",
                "Give a member's id, or null for nobody.",
            ))
        })?),
    };
    let told = match crate::app::social::set_host(&state, &meeting, member_id).await {
        Ok(told) => told,
        Err(StoreError::NotFound) => {
            return Err(AppError::Invalid(FieldErrors::single(
                "member_id",
                "There is no member of this group with this id.",
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let meeting = state.store.meeting(&me, meeting_id).await?;
    let host = state.store.meeting_host(&meeting).await?;
    Ok(Json(HostOut {
        meeting_id,
        host: host.map(NamedMember::from),
        email: told.map(EmailOut::from),
    }))
}

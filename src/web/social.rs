//! The group's social life for staff: social events (planning, replies, changes, calendar
//! files) and the refreshments and music rota (who offered, the fair suggestion for each
//! meeting, confirming or swapping the host).

use crate::domain::ids::MeetingId;
use crate::domain::ids::MemberId;
use crate::domain::ids::{EventId, GroupId};
use crate::paths;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::account::staff_page;
use super::{CheckedForm, Cookies, CurrentStaff, Form, Page, redirect_with, render_status};
use crate::AppState;
use crate::domain::access::Staff;
use crate::domain::group::Group;
use crate::domain::meeting::parse_rsvp;
use crate::domain::social::{RotaMember, SocialEvent, SocialInput, SocialRsvp, SocialStatus};
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::{EventAccess, GroupScope, StoreError, now};

#[derive(Template)]
#[template(path = "social/list.html")]
struct ListPage {
    page: Page,
    group: Group,
    upcoming: Vec<SocialEvent>,
    past: Vec<SocialEvent>,
    form: Form,
}

async fn list_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group_id: GroupId,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let group = state.store.group_for(me, group_id).await?;
    let t = now();
    let scope = state.store.group(me, group_id).await?;
    let (past, upcoming): (Vec<SocialEvent>, Vec<SocialEvent>) = state
        .store
        .social_events_of(&scope)
        .await?
        .into_iter()
        .map(EventAccess::into_event)
        .partition(|e| e.is_past(t));
    render_status(
        status,
        &ListPage {
            page: staff_page(
                &format!("Social events: {}", group.name),
                me,
                cookies,
                "groups",
            ),
            group,
            upcoming,
            past: past.into_iter().rev().collect(),
            form,
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    let mut raw = RawInput::default();
    raw.set("duration_minutes", "120");
    list_page(
        &state,
        &me,
        &cookies,
        group_id,
        Form::from_raw(raw),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    match SocialInput::parse(&raw, &group.timezone) {
        Ok((input, starts_at)) => {
            let scope = state.store.group(&me, group_id).await?;
            let e = state
                .store
                .create_social_event(&scope, &input, starts_at)
                .await?;
            let told = crate::mail::social_invitation(&state, e.id).await?;
            Ok(redirect_with(
                &paths::social_event(e.id),
                &format!("{} is planned. {}", e.title, told.sentence()),
            ))
        }
        Err(errors) => {
            list_page(
                &state,
                &me,
                &cookies,
                group_id,
                Form::with_errors(raw, errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "social/show.html")]
struct ShowPage {
    page: Page,
    group: Group,
    event: SocialEvent,
    rsvps: Vec<SocialRsvp>,
    not_answered: Vec<(MemberId, String)>,
    form: Form,
    rsvp_form: Form,
}

impl ShowPage {
    fn with_answer(&self, answer: &str) -> Vec<&SocialRsvp> {
        self.rsvps
            .iter()
            .filter(|r| r.answer.as_str() == answer)
            .collect()
    }
    fn everyone(&self) -> Vec<(MemberId, String)> {
        let mut all: Vec<(MemberId, String)> = self
            .rsvps
            .iter()
            .map(|r| (r.member_id, r.member_name.clone()))
            .chain(self.not_answered.iter().cloned())
            .collect();
        all.sort_by_key(|(_, n)| n.to_lowercase());
        all
    }
    fn member_selected(&self, id: &MemberId) -> bool {
        self.rsvp_form.is("member_id", &id.to_string())
    }
}

async fn show_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: EventId,
    form: Option<Form>,
    rsvp_form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let event = state.store.social_event_for(me, id).await?;
    let group = state.store.group_for(me, event.group_id).await?;
    let rsvps = state.store.social_rsvps(&event).await?;
    let scope = event.staff_group().ok_or(AppError::NotFound)?;
    let not_answered = state
        .store
        .current_member_names(&scope)
        .await?
        .into_iter()
        .filter(|(mid, _)| !rsvps.iter().any(|r| r.member_id == *mid))
        .collect();
    let form = form.unwrap_or_else(|| Form::from_raw(event.to_raw()));
    render_status(
        status,
        &ShowPage {
            page: staff_page(&event.title, me, cookies, "groups"),
            group,
            event: event.into_event(),
            rsvps,
            not_answered,
            form: form.part("details"),
            rsvp_form: rsvp_form.part("rsvp"),
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<EventId>,
) -> AppResult<Response> {
    show_page(
        &state,
        &me,
        &cookies,
        id,
        None,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<EventId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let before = state.store.social_event_for(&me, id).await?;
    match SocialInput::parse(&raw, &before.timezone) {
        Ok((input, starts_at)) => {
            let after = state
                .store
                .update_social_event(&before, &input, starts_at)
                .await?;
            let told = crate::mail::social_changed(&state, &before, &after).await?;
            Ok(redirect_with(
                &paths::social_event(id),
                &match told {
                    Some(o) => format!("The changes are saved. {}", o.sentence()),
                    None => "The changes are saved.".to_string(),
                },
            ))
        }
        Err(errors) => {
            show_page(
                &state,
                &me,
                &cookies,
                id,
                Some(Form::with_errors(raw, errors)),
                Form::blank(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Cancels the event (`do=cancel`) or puts it back on (`do=reinstate`).
pub async fn set_status(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<EventId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let before = state.store.social_event_for(&me, id).await?;
    let status = match raw.text("do").as_str() {
        "cancel" => SocialStatus::Cancelled,
        "reinstate" => SocialStatus::Planned,
        _ => return Err(AppError::BadRequest("Choose cancel or reinstate.".into())),
    };
    let after = state.store.set_social_status(&before, status).await?;
    let told = crate::mail::social_changed(&state, &before, &after).await?;
    let done = if status == SocialStatus::Cancelled {
        "The event is cancelled."
    } else {
        "The event is back on."
    };
    Ok(redirect_with(
        &paths::social_event(id),
        &match told {
            Some(o) => format!("{done} {}", o.sentence()),
            None => done.to_string(),
        },
    ))
}

/// Staff record a reply given by phone or in person.
pub async fn record_rsvp(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<EventId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let event = state.store.social_event_for(&me, id).await?;
    let member_id = raw.text("member_id").parse::<MemberId>().ok();
    let answer = parse_rsvp(&raw);
    let (member_id, answer) = match (member_id, answer) {
        (Some(m), Ok(a)) => (m, a),
        (m, a) => {
            let mut e = a.err().unwrap_or_default();
            if m.is_none() {
                e.add("member_id", "Choose who answered.");
            }
            return show_page(
                &state,
                &me,
                &cookies,
                id,
                None,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state.store.set_social_rsvp(&event, member_id, answer).await {
        Ok(()) => Ok(redirect_with(
            &(paths::social_event(id) + "#replies"),
            "The reply is recorded.",
        )),
        Err(StoreError::NotFound) => Err(AppError::Invalid(FieldErrors::single(
            "member_id",
            "Choose a member of this group.",
        ))),
        Err(e) => Err(e.into()),
    }
}

// --- the refreshments rota -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "social/rota.html")]
struct RotaPage {
    page: Page,
    group: Group,
    rota: Vec<RotaMember>,
    meetings: Vec<crate::app::social::RotaMeeting>,
    /// Current members not on the rota, who could be added.
    others: Vec<(MemberId, String)>,
    timezone: String,
}

impl RotaPage {
    fn when(&self, ts: &Option<i64>) -> String {
        match ts {
            Some(t) => super::when(*t, &self.timezone),
            None => "Not yet".into(),
        }
    }
}

pub async fn rota(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let scope = state.store.group(&me, group_id).await?;
    let rota = state.store.rota_of(&scope, i64::MAX).await?;
    let meetings = crate::app::social::rota_meetings(&state, &scope).await?;
    let others = state
        .store
        .current_member_names(&scope)
        .await?
        .into_iter()
        .filter(|(id, _)| !rota.iter().any(|r| r.member_id == *id))
        .collect();
    let timezone = group.timezone.clone();
    render_status(
        StatusCode::OK,
        &RotaPage {
            page: staff_page(
                &format!("Refreshments rota: {}", group.name),
                &me,
                &cookies,
                "groups",
            ),
            group,
            rota,
            meetings,
            others,
            timezone,
        },
    )
}

/// Puts a member on the rota or takes them off (`member_id`, `on` true/false).
pub async fn set_rota(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    state.store.group_for(&me, group_id).await?;
    let member_id = raw
        .text("member_id")
        .parse::<MemberId>()
        .map_err(|_| AppError::BadRequest("Choose a member.".into()))?;
    let member = state.store.member(&me, member_id).await?;
    if member.group_id != group_id {
        return Err(AppError::NotFound);
    }
    let on = raw.flag("on").map_err(AppError::BadRequest)?;
    state.store.set_rota(&member, on).await?;
    Ok(redirect_with(
        &paths::group_rota(group_id),
        &if on {
            format!("{} is on the rota.", member.preferred_name)
        } else {
            format!("{} is off the rota.", member.preferred_name)
        },
    ))
}

/// Confirms or swaps the host of a meeting's refreshments (`member_id`, empty to clear).
pub async fn set_host(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(meeting_id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, meeting_id).await?;
    let member_id = match raw.text("member_id").as_str() {
        "" => None,
        v => Some(
            v.parse::<MemberId>()
                .map_err(|_| AppError::BadRequest("Choose a member.".into()))?,
        ),
    };
    let told = match crate::app::social::set_host(&state, &meeting, member_id).await {
        Ok(told) => told,
        Err(StoreError::NotFound) => {
            return Err(AppError::BadRequest(
                "Choose a member of this group.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let back = match raw.text("back").as_str() {
        "meeting" => paths::meeting(meeting_id) + "#refreshments",
        _ => paths::group_rota(meeting.group_id),
    };
    let done = if member_id.is_some() {
        "The host is confirmed."
    } else {
        "Nobody is down to host now."
    };
    Ok(redirect_with(
        &back,
        &match (member_id, told) {
            (None, _) => done.to_string(),
            (Some(_), Some(o)) => format!("{done} {}", o.host_sentence()),
            (Some(_), None) => {
                format!("{done} They do not use email: remind them by phone before the meeting.")
            }
        },
    ))
}

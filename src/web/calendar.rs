//! Calendar files and feeds (iCalendar): a file per meeting, and secret feed addresses for a
//! group or one member that calendar apps subscribe to. Feeds need no sign-in — the address is
//! the key — and can be replaced or turned off.

use crate::domain::ids::{EventId, GroupId, MeetingId};
use crate::paths;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::account::staff_page;
use super::{CheckedForm, Cookies, CurrentStaff, Page, redirect_with, render};
use crate::AppState;
use crate::auth::{hash_token, new_token};
use crate::domain::ical::{CalendarEvent, calendar};
use crate::domain::meeting::Meeting;
use crate::error::{AppError, AppResult};
use crate::store::now;

fn host(state: &AppState) -> String {
    state
        .config
        .public_url
        .split("://")
        .nth(1)
        .unwrap_or("hearth")
        .split('/')
        .next()
        .unwrap_or("hearth")
        .to_string()
}

fn ics(body: String, filename: Option<&str>) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    if let Some(name) = filename
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

async fn location(state: &AppState, m: &Meeting) -> String {
    match m.venue_id {
        Some(v) => match state.store.venue(v).await {
            Ok(v) if v.address.is_empty() => v.name,
            Ok(v) => format!("{}, {}", v.name, v.address.replace('\n', ", ")),
            Err(_) => String::new(),
        },
        None => String::new(),
    }
}

/// One meeting's calendar file, for staff.
pub async fn meeting_file(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    let m = state.store.meeting_for(&me, id).await?;
    let group = state.store.group_for(&me, m.group_id).await?;
    let event = CalendarEvent::for_meeting(
        &m,
        &group.name,
        location(&state, &m).await,
        Some(format!("{}/meetings/{id}", state.config.public_url)),
    );
    Ok(ics(
        calendar(&group.name, &host(&state), &[event], now()),
        Some(&format!("meeting-{id}.ics")),
    ))
}

/// One meeting's calendar file, from a member's personal link.
pub async fn member_meeting_file(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, MeetingId)>,
) -> AppResult<Response> {
    let member = state
        .store
        .member_by_link(&hash_token(&token))
        .await?
        .ok_or(AppError::NotFound)?;
    let m = state.store.meeting_for_link(&member, id).await?;
    let group = state.store.group_of(&member).await?;
    let event = CalendarEvent::for_meeting(&m, &group.name, location(&state, &m).await, None);
    Ok(ics(
        calendar(&group.name, &host(&state), &[event], now()),
        Some(&format!("meeting-{id}.ics")),
    ))
}

/// One social event's calendar file, for staff.
pub async fn social_file(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<EventId>,
) -> AppResult<Response> {
    let e = state.store.social_event_for(&me, id).await?;
    let group = state.store.group_for(&me, e.group_id).await?;
    let event = e.calendar_event(Some(format!("{}/social/{id}", state.config.public_url)));
    Ok(ics(
        calendar(&group.name, &host(&state), &[event], now()),
        Some(&format!("social-{id}.ics")),
    ))
}

/// One social event's calendar file, from a member's personal link.
pub async fn member_social_file(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, EventId)>,
) -> AppResult<Response> {
    let member = state
        .store
        .member_by_link(&hash_token(&token))
        .await?
        .ok_or(AppError::NotFound)?;
    let e = state.store.social_event_for_link(&member, id).await?;
    let group = state.store.group_of(&e).await?;
    Ok(ics(
        calendar(&group.name, &host(&state), &[e.calendar_event(None)], now()),
        Some(&format!("social-{id}.ics")),
    ))
}

/// A feed: every meeting of the group from three months back, for a calendar app.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let feed = state
        .store
        .feed_by_token(&hash_token(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let group = state.store.feed_group(&feed).await?;
    let meetings = state.store.calendar_meetings(&feed).await?;
    let mut events: Vec<CalendarEvent> = meetings
        .iter()
        .map(|(m, loc)| {
            CalendarEvent::for_meeting(
                m,
                &group.name,
                loc.clone(),
                feed.member_id()
                    .is_none()
                    .then(|| format!("{}/meetings/{}", state.config.public_url, m.id)),
            )
        })
        .collect();
    for e in state.store.calendar_social_events(&feed).await? {
        let url = feed
            .member_id()
            .is_none()
            .then(|| format!("{}/social/{}", state.config.public_url, e.id));
        events.push(e.calendar_event(url));
    }
    events.sort_by_key(|e| e.starts_at);
    Ok(ics(
        calendar(&group.name, &host(&state), &events, now()),
        None,
    ))
}

#[derive(Template)]
#[template(path = "account/link_shown.html")]
struct LinkShown {
    page: Page,
    /// What is shown: "link" or "token".
    what: &'static str,
    heading: String,
    explain: String,
    link: String,
    back: String,
    back_label: String,
}

/// Makes (or replaces, or with `do=revoke` turns off) the group's calendar feed address.
pub async fn group_feed(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let scope = state.store.group(&me, group_id).await?;
    if raw.text("do") == "revoke" {
        state.store.revoke_feed(&scope).await?;
        return Ok(redirect_with(
            &paths::group_meetings(group_id),
            "The calendar address has been turned off.",
        ));
    }
    let token = new_token();
    state
        .store
        .replace_feed(&scope, &hash_token(&token))
        .await?;
    render(&LinkShown {
        what: "link",
        page: staff_page("Calendar address", &me, &cookies, "groups"),
        heading: format!("Calendar address for {}", group.name),
        explain: "Add this address to a calendar app (\"subscribe to a calendar\" or \"add by URL\") to see the group's meetings there, kept up to date. Keep it private: anyone with it can see the meeting times. It is shown only now; any older feed address has stopped working.".into(),
        link: format!("{}/calendar/{token}.ics", state.config.public_url),
        back: paths::group_meetings(group_id),
        back_label: "Back to the meetings".into(),
    })
}

/// A member makes their own calendar feed address from their personal link.
pub async fn member_feed(
    State(state): State<AppState>,
    cookies: Cookies,
    Path(token): Path<String>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let member = state
        .store
        .member_by_link(&hash_token(&token))
        .await?
        .ok_or(AppError::NotFound)?;
    let feed_token = new_token();
    state
        .store
        .replace_feed(&member, &hash_token(&feed_token))
        .await?;
    render(&LinkShown {
        what: "link",
        page: Page {
            title: "Your calendar".into(),
            staff: None,
            csrf: cookies.0.csrf.clone(),
            flash: None,
            nav: "",
            member_view: true,
        },
        heading: "Your group's meetings in your calendar".into(),
        explain: "Add this address to your calendar app (look for \"subscribe to a calendar\" or \"add calendar by URL\"). Meetings will appear and stay up to date. Please keep it private.".into(),
        link: format!("{}/calendar/{feed_token}.ics", state.config.public_url),
        back: paths::link(token) + "#meetings",
        back_label: "Back to your page".into(),
    })
}

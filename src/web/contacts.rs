//! The contact record (adding contacts, follow-ups, the printable sheet and CSV) and the call
//! list before a meeting.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::account::staff_page;
use super::members::MemberForms;
use super::{CheckedForm, Cookies, CurrentStaff, Form, Page, redirect_with, render};
use crate::AppState;
use crate::domain::contact::{Contact, ContactInput};
use crate::domain::group::Group;
use crate::domain::meeting::Meeting;
use crate::domain::member::Member;
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::MemberFilter;

pub async fn add(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(member_id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    state.store.member_for(&me, member_id).await?;
    match ContactInput::try_from(&raw) {
        Ok(c) => {
            state.store.add_contact(&me, member_id, &c).await?;
            Ok(redirect_with(
                &format!("/members/{member_id}#contacts"),
                "The contact has been added to the record.",
            ))
        }
        Err(e) => {
            super::members::show_page(
                &state,
                &me,
                &cookies,
                member_id,
                MemberForms {
                    contact: Form::with_errors(raw, e),
                    ..Default::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn follow_up_done(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(contact_id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let done = raw.text("done") != "false";
    let member_id = state
        .store
        .set_follow_up_done(&me, contact_id, done)
        .await?;
    let back = match raw.text("back").as_str() {
        "home" => "/".to_string(),
        _ => format!("/members/{member_id}#contacts"),
    };
    Ok(redirect_with(
        &back,
        if done {
            "The follow-up is marked as done."
        } else {
            "The follow-up is open again."
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn parse_range(q: &RangeQuery) -> Result<(Option<String>, Option<String>), FieldErrors> {
    let mut raw = RawInput::default();
    raw.set("from", &q.from);
    raw.set("to", &q.to);
    let mut e = FieldErrors::new();
    let from = crate::domain::optional_date(&raw, "from", &mut e).map(|d| d.to_string());
    let to = crate::domain::optional_date(&raw, "to", &mut e).map(|d| d.to_string());
    e.finish(|| (from, to))
}

#[derive(Template)]
#[template(path = "contacts/sheet.html")]
struct SheetPage {
    page: Page,
    group: Group,
    contacts: Vec<Contact>,
    form: Form,
}

/// The group's contact record sheet, for a date range.
pub async fn sheet(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<i64>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut raw = RawInput::default();
    raw.set("from", &q.from);
    raw.set("to", &q.to);
    let (contacts, form, status) = match parse_range(&q) {
        Ok((from, to)) => (
            state
                .store
                .contacts_of_group(&me, group_id, from.as_deref(), to.as_deref())
                .await?,
            Form::from_raw(raw),
            StatusCode::OK,
        ),
        Err(e) => (
            Vec::new(),
            Form::with_errors(raw, e),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let page = SheetPage {
        page: staff_page(
            &format!("Contact record: {}", group.name),
            &me,
            &cookies,
            "groups",
        ),
        group,
        contacts,
        form,
    };
    Ok((status, axum::response::Html(page.render()?)).into_response())
}

/// The contact record as CSV (a byte-order mark first, so spreadsheets read accents right).
pub async fn csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(group_id): Path<i64>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let (from, to) = parse_range(&q).map_err(AppError::Invalid)?;
    let contacts = state
        .store
        .contacts_of_group(&me, group_id, from.as_deref(), to.as_deref())
        .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = AppError::from;
    w.write_record([
        "date",
        "member",
        "how",
        "about",
        "follow_up",
        "follow_up_by",
        "follow_up_done",
        "recorded_by",
    ])
    .map_err(io)?;
    for c in &contacts {
        w.write_record([
            c.contacted_on.as_str(),
            &crate::domain::member_csv::guard(&c.member_name),
            c.how.as_str(),
            &crate::domain::member_csv::guard(&c.about),
            &crate::domain::member_csv::guard(&c.follow_up),
            c.follow_up_by.as_deref().unwrap_or(""),
            if c.follow_up_done { "yes" } else { "no" },
            &crate::domain::member_csv::guard(&c.recorded_by_name),
        ])
        .map_err(io)?;
    }
    let bytes = w.into_inner().map_err(AppError::internal)?;
    state
        .store
        .audit(
            &me.actor(),
            "exported contacts",
            &format!("group:{group_id}"),
            &format!("{} rows", contacts.len()),
        )
        .await?;
    Ok(super::csv_download(
        format!("\u{feff}{}", String::from_utf8_lossy(&bytes)),
        &group.name,
        "contact-record",
    ))
}

/// One member on a call list, and why they are on it.
pub struct ToRing {
    pub member: Member,
    pub reasons: Vec<&'static str>,
    pub last_contact: Option<String>,
}

#[derive(Template)]
#[template(path = "contacts/call_list.html")]
struct CallListPage {
    page: Page,
    group: Group,
    meeting: Meeting,
    people: Vec<ToRing>,
}

/// Who to ring before a meeting: those without email (or who prefer phone, text or post),
/// those who have not answered, and those not seen at the last three meetings.
pub async fn call_list(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(meeting_id): Path<i64>,
) -> AppResult<Response> {
    let access = state.store.meeting(&me, meeting_id).await?;
    let group = state.store.group_for(&me, access.group_id).await?;
    let scope = state.store.group(&me, group.id).await?;
    let members = state
        .store
        .members_of(&me, group.id, &MemberFilter::default())
        .await?;
    let rsvps = state.store.rsvps_of(&access).await?;
    let last = state.store.last_contacts(&scope).await?;
    let recent = state.store.recent_attendance(&scope, 3).await?;
    let held = state.store.held_count(&scope).await?;
    let host = state.store.meeting_host(&access).await?.map(|(id, _)| id);
    let meeting = access.into_meeting();
    // Open polls, with who has answered each: members email does not reach need a call.
    let mut polls = Vec::new();
    for p in state.store.polls_of(&me, group.id).await? {
        if p.is_open() {
            let answered: Vec<i64> = state
                .store
                .poll_responses(&p)
                .await?
                .into_iter()
                .map(|r| r.member_id)
                .collect();
            polls.push(answered);
        }
    }
    let mut people = Vec::new();
    for m in members {
        let mut reasons = Vec::new();
        let by_email = !m.email.is_empty() && m.preferred_contact == "email";
        if m.email.is_empty() {
            reasons.push("No email address");
        } else if matches!(m.preferred_contact.as_str(), "phone" | "text" | "post") {
            reasons.push("Has email but prefers phone, text or post");
        }
        if !by_email && host == Some(m.id) {
            reasons.push("Hosting the refreshments: remind them");
        }
        if !by_email && polls.iter().any(|answered| !answered.contains(&m.id)) {
            reasons.push("Has not answered the poll for the next date");
        }
        if !rsvps.iter().any(|r| r.member_id == m.id) {
            reasons.push("Has not said whether they are coming");
        }
        if held >= 3 && !recent.iter().any(|(id, n)| *id == m.id && *n > 0) {
            reasons.push("Not seen at the last three meetings");
        }
        if reasons.is_empty() {
            continue;
        }
        let last_contact = last
            .iter()
            .find(|(id, _)| *id == m.id)
            .map(|(_, d)| super::date_label(d));
        people.push(ToRing {
            member: m,
            reasons,
            last_contact,
        });
    }
    render(&CallListPage {
        page: staff_page("Call list", &me, &cookies, "groups"),
        group,
        meeting,
        people,
    })
}

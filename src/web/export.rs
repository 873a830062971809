//! A member's right of access: everything Hearth holds about them, as a page to read and print
//! and as a JSON file, from their own link or, on request, from a member of staff who may see
//! them (each export audited in the store).

use crate::domain::ids::MemberId;
use crate::paths;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::http::{Cookies, CurrentStaff};
use crate::labels::when;
use crate::store::export::MemberExport;

use super::{Page, render_status};

/// One kind of record as people read it: a heading, and each record as label and value.
pub struct ViewSection {
    pub heading: String,
    pub rows: Vec<Vec<(String, String)>>,
}

#[derive(Template)]
#[template(path = "members/data.html")]
struct DataPage {
    page: Page,
    name: String,
    /// Said to the member ("you") or to staff ("they").
    own: bool,
    made: String,
    json_href: String,
    back_href: String,
    details: Vec<(String, String)>,
    sections: Vec<ViewSection>,
    /// Whether this copy leaves out safeguarding notes (the member's own copy).
    leaves_out: bool,
}

/// What each table holds, in words for the member; a table added later shows its own name.
fn heading(table: &str, own: bool) -> String {
    let (yours, theirs) = match table {
        "consents" => ("What you have agreed to", "What they have agreed to"),
        "rsvps" => ("Your replies to meetings", "Their replies to meetings"),
        "attendance" => ("Meetings you came to", "Meetings they came to"),
        "action_plans" => ("Your goals", "Their goals"),
        "plan_reviews" => ("How your goals went", "How their goals went"),
        "checkins" => (
            "What you said at the start of meetings",
            "What they said at the start of meetings",
        ),
        "contacts" => (
            "Calls and messages with you",
            "Calls and messages with them",
        ),
        "poll_responses" => ("Your answers to date polls", "Their answers to date polls"),
        "poll_answers" => ("Your answer for each date", "Their answer for each date"),
        "topic_votes" => ("Topics you voted for", "Topics they voted for"),
        "topic_board" => ("Topics you suggested", "Topics they suggested"),
        "social_rsvps" => (
            "Your replies to social events",
            "Their replies to social events",
        ),
        "rota_members" => ("The refreshments rota", "The refreshments rota"),
        "meeting_hosts" => ("Meetings you hosted", "Meetings they hosted"),
        "jobs" => ("Email to you", "Email to them"),
        "member_links" => ("Your personal links", "Their personal links"),
        "mail_links" => ("Links sent by email", "Links sent by email"),
        "calendar_feeds" => ("Your calendar feed", "Their calendar feed"),
        "feedback" => (
            "What you said about meetings",
            "What they said about meetings",
        ),
        "audit_events" => (
            "Who has looked at or changed your record",
            "Who has looked at or changed their record",
        ),
        other => return label(other),
    };
    if own { yours } else { theirs }.to_string()
}

/// A column's name as words: "preferred_contact" → "Preferred contact".
fn label(column: &str) -> String {
    let words = column.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// A value as words: times as dates, yes and no, nothing as a dash.
fn shown(column: &str, value: &Value, timezone: &str) -> String {
    match value {
        Value::Null => "—".into(),
        Value::Bool(true) => "Yes".into(),
        Value::Bool(false) => "No".into(),
        Value::Number(n) if column.ends_with("_at") => n
            .as_i64()
            .map(|t| when(t, timezone))
            .unwrap_or_else(|| n.to_string()),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.is_empty() => "—".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Columns that are only the database's own links between records.
fn plumbing(column: &str) -> bool {
    column == "id" || column == "member_id" || column == "group_id"
}

/// One field as people read it: a meeting by its date, a person by their name, times as
/// dates; None for a field with nothing in it.
fn field(
    export: &MemberExport,
    column: &str,
    value: &Value,
    timezone: &str,
    own: bool,
) -> Option<(String, String)> {
    if plumbing(column) || value.is_null() || value.as_str().is_some_and(str::is_empty) {
        return None;
    }
    if column == "meeting_id" {
        let date = value
            .as_i64()
            .and_then(|id| export.meeting_dates.get(&id))
            .map(|d| crate::labels::date_label(d))
            .unwrap_or_else(|| value.to_string());
        return Some(("Meeting".into(), date));
    }
    if let Some(actor) = value.as_str()
        && (column.ends_with("_by") || column == "actor")
    {
        let who = match actor.split_once(':') {
            Some(("account", n)) => n
                .parse::<i64>()
                .ok()
                .and_then(|id| export.staff_names.get(&id).cloned())
                .unwrap_or_else(|| "a member of staff".into()),
            Some(("member", _)) if own => "you".into(),
            Some(("member", _)) => "them, from their own link".into(),
            _ => actor.to_string(),
        };
        return Some((label(column), who));
    }
    Some((label(column), shown(column, value, timezone)))
}

fn view(export: &MemberExport, timezone: &str, own: bool) -> DataView {
    let details = export
        .member
        .iter()
        .filter(|(c, _)| !plumbing(c))
        .map(|(c, v)| (label(c), shown(c, v, timezone)))
        .collect();
    let sections = export
        .records
        .iter()
        .map(|s| ViewSection {
            heading: heading(&s.table, own),
            rows: s
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .filter_map(|(c, v)| field(export, c, v, timezone, own))
                        .collect()
                })
                .collect(),
        })
        .collect();
    DataView { details, sections }
}

struct DataView {
    details: Vec<(String, String)>,
    sections: Vec<ViewSection>,
}

fn json_file(export: &MemberExport, name: &str) -> AppResult<Response> {
    let body = serde_json::to_string_pretty(export).map_err(AppError::internal)?;
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let slug = super::file_slug(name);
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"hearth-data-{slug}.json\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // Personal data: never kept by a browser's or a proxy's cache.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// GET /m/{token}/data: the member's own copy, to read and print.
pub async fn own_page(
    State(state): State<AppState>,
    cookies: Cookies,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let member = super::link::member_from(&state, &token).await?;
    let group = state.store.group_of(&member).await?;
    let export = state.store.member_export(&member).await?;
    let v = view(&export, &group.timezone, true);
    render_status(
        axum::http::StatusCode::OK,
        &DataPage {
            page: Page {
                title: format!("Everything we hold about you, {}", member.preferred_name),
                staff: None,
                csrf: cookies.0.csrf.clone(),
                flash: None,
                nav: "",
                member_view: true,
            },
            name: member.preferred_name.clone(),
            own: true,
            made: when(export.made_at, &group.timezone),
            json_href: paths::link_data_json(&token),
            back_href: paths::link(token),
            details: v.details,
            sections: v.sections,
            leaves_out: !export.left_out.is_empty(),
        },
    )
}

/// GET /m/{token}/data.json: the same as a file.
pub async fn own_json(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let token = token.strip_suffix(".json").unwrap_or(&token).to_string();
    let member = super::link::member_from(&state, &token).await?;
    let export = state.store.member_export(&member).await?;
    json_file(&export, &member.preferred_name)
}

/// GET /members/{id}/data: a member's data produced by staff on their request.
pub async fn staff_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MemberId>,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    let group = state.store.group_for(&me, member.group_id).await?;
    let export = state.store.member_export(&member).await?;
    let v = view(&export, &group.timezone, false);
    render_status(
        axum::http::StatusCode::OK,
        &DataPage {
            page: super::account::staff_page(
                &format!("Everything Hearth holds about {}", member.preferred_name),
                &me,
                &cookies,
                "groups",
            ),
            name: member.preferred_name.clone(),
            own: false,
            made: when(export.made_at, &group.timezone),
            json_href: paths::member_data_json(id),
            back_href: paths::member(id),
            details: v.details,
            sections: v.sections,
            leaves_out: !export.left_out.is_empty(),
        },
    )
}

/// GET /members/{id}/data.json: the same as a file.
pub async fn staff_json_route(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MemberId>,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    let export = state.store.member_export(&member).await?;
    json_file(&export, &member.preferred_name)
}

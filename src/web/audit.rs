//! The coordinators' audit page: who looked at or changed members' records, filtered by
//! member, staff member and dates, and the same as a CSV file.

use crate::domain::ids::MemberId;
use crate::paths;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::AppState;
use crate::domain::RawInput;
use crate::error::{AppError, AppResult};
use crate::http::{Cookies, CurrentStaff};
use crate::labels::when;
use crate::store::{AuditEvent, AuditFilter};

use super::form::Form;
use super::{Page, csv_download, render_status};

/// One event as the page shows it.
pub struct AuditRow {
    pub at: String,
    pub who: String,
    pub action: String,
    pub about: String,
    /// The member's page, when the event is about a member who is still there.
    pub link: Option<String>,
    /// The request that wrote it, to find its log lines (CSV only).
    pub request_id: String,
    /// When, with its offset from UTC (CSV only).
    pub at_with_offset: String,
}

#[derive(Template)]
#[template(path = "insight/audit.html")]
struct AuditPage {
    page: Page,
    form: Form,
    staff: Vec<(i64, String)>,
    member: Option<(MemberId, String)>,
    rows: Vec<AuditRow>,
    csv_href: String,
}

fn raw_of(query: Option<String>) -> AppResult<RawInput> {
    crate::http::raw_of_query(query.as_deref())
}

async fn rows_of(
    state: &AppState,
    me: &crate::domain::access::Staff,
    events: Vec<AuditEvent>,
) -> AppResult<Vec<AuditRow>> {
    let accounts = state.store.accounts().await?;
    let member_ids: Vec<MemberId> = events
        .iter()
        .filter_map(|e| e.subject.strip_prefix("member:")?.parse().ok())
        .collect();
    let members = state.store.member_names(me, &member_ids).await?;
    let tz = crate::domain::group::DEFAULT_TIMEZONE;
    Ok(events
        .into_iter()
        .map(|e| {
            let who = match e.actor.split_once(':') {
                Some(("account", n)) => accounts
                    .iter()
                    .find(|a| a.id.to_string() == n)
                    .map(|a| format!("{} ({})", a.name, a.role.as_str()))
                    .unwrap_or_else(|| "a member of staff".into()),
                Some(("member", n)) => n
                    .parse::<MemberId>()
                    .ok()
                    .and_then(|id| members.get(&id).cloned())
                    .map(|name| format!("{name}, from their own link"))
                    .unwrap_or_else(|| "a member, from their own link".into()),
                Some(("system", what)) => format!("Hearth ({what})"),
                _ => e.actor.clone(),
            };
            let member = e
                .subject
                .strip_prefix("member:")
                .and_then(|n| n.parse::<MemberId>().ok());
            let (about, link) = match member {
                Some(id) => match members.get(&id) {
                    Some(name) => (name.clone(), Some(paths::member(id))),
                    None => ("a member".into(), None),
                },
                None if e.subject == "member:erased" => ("a member who was erased".into(), None),
                None => (e.subject.clone(), None),
            };
            AuditRow {
                at: when(e.at, tz),
                who,
                action: e.action,
                about,
                link,
                request_id: e.request_id.unwrap_or_default(),
                at_with_offset: crate::labels::when_with_offset(e.at, tz),
            }
        })
        .collect())
}

/// GET /audit
pub async fn page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    if !me.is_coordinator() {
        return Err(AppError::Forbidden);
    }
    let raw = raw_of(query.clone())?;
    let staff = state
        .store
        .accounts()
        .await?
        .into_iter()
        .map(|a| (a.id, format!("{} ({})", a.name, a.role.as_str())))
        .collect();
    let (form, rows, status, member) = match AuditFilter::try_from(&raw) {
        Ok(filter) => {
            let events = state.store.audit_search(&me, &filter, 500).await?;
            let member = match filter.member_id {
                Some(id) => state
                    .store
                    .member_names(&me, &[id])
                    .await?
                    .remove(&id)
                    .map(|name| (id, name)),
                None => None,
            };
            (
                Form::from_raw(raw),
                rows_of(&state, &me, events).await?,
                StatusCode::OK,
                member,
            )
        }
        Err(errors) => (
            Form::with_errors(raw, errors),
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
    };
    render_status(
        status,
        &AuditPage {
            page: super::account::staff_page("Who looked at records", &me, &cookies, "overview"),
            form,
            staff,
            member,
            rows,
            csv_href: format!("/audit.csv?{}", query.unwrap_or_default()),
        },
    )
}

/// GET /audit.csv: the same events as a file (up to 100,000).
pub async fn csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    if !me.is_coordinator() {
        return Err(AppError::Forbidden);
    }
    let raw = raw_of(query)?;
    let filter = AuditFilter::try_from(&raw).map_err(AppError::Invalid)?;
    let events = state.store.audit_search(&me, &filter, 100_000).await?;
    let rows = rows_of(&state, &me, events).await?;
    let mut out =
        crate::domain::csv_out::CsvOut::with_header(["when", "who", "what", "about", "request"]);
    for r in rows {
        out.row([
            &r.at_with_offset,
            &r.who,
            &r.action,
            &r.about,
            &r.request_id,
        ]);
    }
    Ok(csv_download(out.finish(), "hearth", "audit"))
}

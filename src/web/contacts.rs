//! The contact record (adding contacts, follow-ups, the printable sheet and CSV) and the call
//! list before a meeting.

use crate::domain::ids::{GroupId, MeetingId, MemberId};
use crate::paths;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::account::staff_page;
use super::{CheckedForm, Cookies, CurrentStaff, Form, Page, redirect_with, render};
use crate::AppState;
use crate::domain::contact::{Contact, ContactInput};
use crate::domain::group::Group;
use crate::domain::meeting::Meeting;
use crate::domain::member::{ContactPref, Member};
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::MemberFilter;

pub async fn add(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(member_id): Path<MemberId>,
    CheckedForm(mut raw): CheckedForm,
) -> AppResult<Response> {
    let member = state.store.member(&me, member_id).await?;
    match ContactInput::try_from(&raw) {
        Ok(c) => {
            state.store.add_contact(&member, &c).await?;
            Ok(redirect_with(
                &(paths::member(member_id) + "#contacts"),
                "The contact has been added to the record.",
            ))
        }
        Err(e) => {
            let group_id = member.group_id;
            raw.set("member_fixed", "1");
            log_page(
                &state,
                &me,
                &cookies,
                group_id,
                Some(member_id),
                None,
                paths::member(member_id) + "#contacts",
                Form::with_errors(raw, e),
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
    let done = raw.flag("done").map_err(AppError::BadRequest)?;
    let member_id = state
        .store
        .set_follow_up_done(&me, contact_id, done)
        .await?;
    let back = match raw.text("back").as_str() {
        "home" => "/".to_string(),
        _ => paths::member(member_id) + "#contacts",
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
    Path(group_id): Path<GroupId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut raw = RawInput::default();
    raw.set("from", &q.from);
    raw.set("to", &q.to);
    let scope = state.store.group(&me, group_id).await?;
    let (contacts, form, status) = match parse_range(&q) {
        Ok((from, to)) => (
            state
                .store
                .contacts_of_group(
                    &scope,
                    from.as_deref(),
                    to.as_deref(),
                    crate::store::ContactRead::Viewed,
                )
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
    Path(group_id): Path<GroupId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let (from, to) = parse_range(&q).map_err(AppError::Invalid)?;
    let scope = state.store.group(&me, group_id).await?;
    let contacts = state
        .store
        .contacts_of_group(
            &scope,
            from.as_deref(),
            to.as_deref(),
            crate::store::ContactRead::Exported,
        )
        .await?;
    let mut w = crate::domain::csv_out::CsvOut::with_header([
        "date",
        "member",
        "how",
        "about",
        "follow_up",
        "follow_up_by",
        "follow_up_done",
        "recorded_by",
    ]);
    for c in &contacts {
        w.row([
            c.contacted_on.as_str(),
            &c.member_name,
            c.how.as_str(),
            &c.about,
            &c.follow_up,
            c.follow_up_by.as_deref().unwrap_or(""),
            if c.follow_up_done { "yes" } else { "no" },
            &c.recorded_by_name,
        ]);
    }
    Ok(super::csv_download(
        w.finish(),
        &group.name,
        "contact-record",
    ))
}

/// One member on a call list, and why they are on it.
pub struct ToRing {
    pub member: Member,
    /// Why to ring them; empty when they have been spoken to and nothing is left to ask.
    pub reasons: Vec<&'static str>,
    pub last_contact: Option<String>,
    /// Their answer for the meeting, in words, when they have given one.
    pub answer: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "contacts/call_list.html")]
struct CallListPage {
    page: Page,
    group: Group,
    meeting: Meeting,
    people: Vec<ToRing>,
}

impl CallListPage {
    fn to_ring(&self) -> Vec<&ToRing> {
        self.people
            .iter()
            .filter(|p| !p.reasons.is_empty())
            .collect()
    }
    fn done(&self) -> Vec<&ToRing> {
        self.people
            .iter()
            .filter(|p| p.reasons.is_empty())
            .collect()
    }
}

/// Who to ring before a meeting: those without email (or who prefer phone, text or post),
/// those who have not answered, and those not seen at the last three meetings.
pub async fn call_list(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(meeting_id): Path<MeetingId>,
) -> AppResult<Response> {
    let access = state.store.meeting(&me, meeting_id).await?;
    let group = state.store.group_for(&me, access.group_id).await?;
    let scope = access.group();
    let members = state
        .store
        .members_of(&scope, &MemberFilter::default())
        .await?;
    let rsvps = state.store.rsvps_of(&access).await?;
    let last = state.store.last_contacts(&scope).await?;
    let recent = state.store.recent_attendance(&scope, 3).await?;
    let held = state.store.held_count(&scope).await?;
    let host = state.store.meeting_host(&access).await?.map(|(id, _)| id);
    // Spoken to about this meeting: a call or chat noted since the day of the last meeting
    // held before it (a call that evening is about the next one; with none, in the four weeks
    // before its day).
    let spoken_since = match state.store.previous_meeting(&access).await? {
        Some(previous) => previous.local_date.clone(),
        None => access
            .local_date
            .parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.checked_sub(jiff::Span::new().days(28)).ok())
            .map(|d| d.to_string())
            .unwrap_or_default(),
    };
    let meeting = access.into_meeting();
    // Open polls, with who has answered each: members email does not reach need a call.
    let mut polls = Vec::new();
    for p in state.store.polls_of(&scope).await? {
        if p.is_open() {
            let answered: Vec<MemberId> = state
                .store
                .poll_responses(&p)
                .await?
                .into_iter()
                .map(|r| r.member_id)
                .collect();
            polls.push(answered);
        }
    }
    let email_works = state.config.smtp_url.is_some();
    let mut people = Vec::new();
    for m in members {
        let answer = rsvps
            .iter()
            .find(|r| r.member_id == m.id)
            .map(|r| r.answer.label());
        let last_date = last.iter().find(|(id, _)| *id == m.id).map(|(_, d)| d);
        let spoken = last_date.is_some_and(|d| d.as_str() >= spoken_since.as_str());
        let mut reasons = Vec::new();
        // Email reaches them only when it is set up, they have an address and prefer it.
        let by_email =
            email_works && !m.email.is_empty() && m.preferred_contact == ContactPref::Email;
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
        if answer.is_none() {
            reasons.push("Has not said whether they are coming");
        }
        if held >= 3 && !recent.iter().any(|(id, n)| *id == m.id && *n > 0) {
            reasons.push("Not seen at the last three meetings");
        }
        if reasons.is_empty() {
            continue;
        }
        // A call since the last meeting has covered them all (their answers for a poll go on
        // the poll's page): they are listed as spoken to.
        if spoken {
            reasons.clear();
        }
        people.push(ToRing {
            member: m,
            reasons,
            last_contact: last_date.map(|d| super::date_label(d)),
            answer,
        });
    }
    render(&CallListPage {
        page: staff_page("Call list", &me, &cookies, "groups"),
        group,
        meeting,
        people,
    })
}

// --- one form for a call: the contact, and their answer for the next meeting -----------------

#[derive(Template)]
#[template(path = "contacts/log.html")]
struct LogPage {
    page: Page,
    group: Group,
    /// The member, when the form was opened for one (from the call list or their page).
    member: Option<Member>,
    /// Everyone in the group, to choose from when no member was given.
    members: Vec<Member>,
    /// The meeting to record their answer for: the one the call list is for, or the next.
    meeting: Option<Meeting>,
    answers: &'static [(&'static str, &'static str)],
    ways: &'static [(&'static str, &'static str)],
    back: String,
    form: Form,
}

#[derive(Deserialize, Default)]
pub struct LogQuery {
    #[serde(default)]
    member: String,
    #[serde(default)]
    meeting: String,
    #[serde(default)]
    back: String,
}

fn safe_back(back: &str, group_id: GroupId) -> String {
    match super::local_path(back) {
        Some(path) => path.to_string(),
        None => paths::group_contacts(group_id),
    }
}

#[allow(clippy::too_many_arguments)]
async fn log_page(
    state: &AppState,
    me: &crate::domain::access::Staff,
    cookies: &Cookies,
    group_id: GroupId,
    member_id: Option<MemberId>,
    meeting_id: Option<MeetingId>,
    back: String,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let group = state.store.group_for(me, group_id).await?;
    let member = match member_id {
        Some(id) => {
            let m = state.store.member_for(me, id).await?;
            if m.group_id != group.id {
                return Err(AppError::NotFound);
            }
            Some(m)
        }
        None => None,
    };
    let members = if member.is_none() {
        let scope = state.store.group(me, group.id).await?;
        state
            .store
            .members_of(&scope, &MemberFilter::default())
            .await?
    } else {
        Vec::new()
    };
    let meeting = next_meeting_for_answers(state, me, group.id, meeting_id).await?;
    let form = if form.raw.keys().next().is_none() {
        let mut raw = RawInput::default();
        raw.set(
            "contacted_on",
            crate::labels::today_in(&group.timezone).to_string(),
        );
        raw.set("how", "phone");
        Form::from_raw(raw)
    } else {
        form
    };
    super::render_status(
        status,
        &LogPage {
            page: staff_page("Note a call or a chat", me, cookies, "groups"),
            back: safe_back(&back, group.id),
            group,
            member,
            members,
            meeting,
            answers: crate::domain::meeting::RsvpAnswer::CHOICES,
            ways: crate::domain::contact::ContactWay::CHOICES,
            form,
        },
    )
}

/// The meeting a call's answer is for: the one asked for (a call list's), if it is the group's
/// and still to happen; otherwise the group's next planned meeting.
async fn next_meeting_for_answers(
    state: &AppState,
    me: &crate::domain::access::Staff,
    group_id: GroupId,
    asked: Option<MeetingId>,
) -> AppResult<Option<Meeting>> {
    if let Some(id) = asked {
        let m = state.store.meeting_for(me, id).await?;
        if m.group_id != group_id {
            return Err(AppError::NotFound);
        }
        if m.is_planned() || m.is_under_way() {
            return Ok(Some(m));
        }
    }
    let scope = state.store.group(me, group_id).await?;
    Ok(state
        .store
        .coming_meetings_of(&scope, crate::store::now() - 12 * 3600, 4)
        .await?
        .into_iter()
        .map(|s| s.meeting)
        .find(|m| m.is_planned()))
}

pub async fn log_new(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    Query(q): Query<LogQuery>,
) -> AppResult<Response> {
    log_page(
        &state,
        &me,
        &cookies,
        group_id,
        q.member.trim().parse().ok(),
        q.meeting.trim().parse().ok(),
        q.back,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

/// Saves a call: the contact record, and the member's answer for the meeting when they gave
/// one. Both are checked before either is written.
pub async fn log(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let given_member: Option<MemberId> = raw.text("member_id").parse().ok();
    let mut errors = FieldErrors::new();
    // The hidden meeting: empty (the next one), or a meeting's id; anything else is named.
    let meeting_id: Option<MeetingId> = match raw.text("meeting_id").trim() {
        "" => None,
        id => id
            .parse()
            .map_err(|_| {
                errors.add(
                    "answer",
                    "Choose the meeting again: the form named one that is not a number.",
                )
            })
            .ok(),
    };
    let member = match given_member {
        Some(id) => match state.store.member(&me, id).await {
            Ok(m) if m.group_id == group.id => Some(m),
            Ok(_) | Err(crate::store::StoreError::NotFound) => {
                errors.add("member_id", "Choose a member of this group.");
                None
            }
            Err(e) => return Err(e.into()),
        },
        None => {
            errors.add("member_id", "Choose who the call was with.");
            None
        }
    };
    let contact = ContactInput::try_from(&raw).map_err(|e| errors.0.extend(e.0));
    let answer = if raw.text("answer").is_empty() {
        None
    } else {
        crate::domain::meeting::parse_rsvp(&raw)
            .map_err(|e| errors.0.extend(e.0))
            .ok()
    };
    let meeting = next_meeting_for_answers(&state, &me, group.id, meeting_id).await?;
    let (Some(member), Ok(contact), true) = (member, contact, errors.is_empty()) else {
        // A member given by the link stays shown; one chosen from the list stays chosen.
        let shown = given_member.filter(|_| raw.get("member_fixed").is_some());
        return log_page(
            &state,
            &me,
            &cookies,
            group.id,
            shown,
            meeting_id,
            raw.text("back"),
            Form::with_errors(raw, errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    state.store.add_contact(&member, &contact).await?;
    let mut told = format!("The call with {} is noted", member.preferred_name);
    if let (Some(answer), Some(m)) = (answer, &meeting) {
        let access = state.store.meeting(&me, m.id).await?;
        crate::app::meetings::record_rsvp(&state, &access, member.id, answer).await?;
        let words = answer.label().to_lowercase();
        told.push_str(&format!(
            ", and their answer for {}: {words}",
            m.date_label()
        ));
    }
    told.push('.');
    Ok(redirect_with(
        &safe_back(&raw.text("back"), group.id),
        &told,
    ))
}

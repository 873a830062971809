//! Meeting pages: planning (the list, the form, the agenda), the preparation page, the
//! run-sheet with its sign-in screen, the printable sign-in sheet, and the record afterwards
//! (notes and actions, reflection, concerns).
//!
//! Run-sheet forms work without JavaScript (post, then redirect back); `hearth.js` sends the
//! same forms in the background with `X-Requested-With: fetch` and gets the meeting's new
//! version back as JSON instead of a redirect.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::account::staff_page;
use super::{
    CheckedForm, Cookies, CurrentStaff, Form, Page, redirect_with, render, render_status, when,
};
use crate::AppState;
use crate::app;
use crate::domain::access::Staff;
use crate::domain::group::Group;
use crate::domain::meeting::{
    Action, ActionInput, AgendaStep, Concern, ConcernInput, FEELINGS, Meeting, MeetingEvent,
    MeetingInput, NotesInput, RSVP_ANSWERS, Reflection, ReflectionInput, Refusal, STEP_KINDS,
    StepInput, WalkIn, parse_cancel_reason, parse_rsvp,
};
use crate::domain::member::{Member, MemberInput};
use crate::domain::run_sheet::RunSheetText;
use crate::domain::venue::Venue;
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::{
    AfterInsert, AttendanceRow, Conflict, MeetingAccess, MeetingSummary, MemberFilter, Rsvp,
    StoreError, now,
};

fn is_fetch(headers: &HeaderMap) -> bool {
    headers
        .get("x-requested-with")
        .is_some_and(|v| v.as_bytes() == b"fetch")
}

/// After a run-sheet change: JSON with the new version for scripts, a redirect for forms.
async fn saved(
    state: &AppState,
    me: &Staff,
    headers: &HeaderMap,
    id: i64,
    to: &str,
    message: &str,
) -> AppResult<Response> {
    if is_fetch(headers) {
        let version = state.store.meeting(me, id).await?.version;
        return Ok(Json(serde_json::json!({ "version": version })).into_response());
    }
    Ok(if message.is_empty() {
        Redirect::to(to).into_response()
    } else {
        redirect_with(to, message)
    })
}

fn venue_error(e: StoreError) -> Result<FieldErrors, AppError> {
    match e {
        StoreError::Conflict(Conflict::NoSuchVenue) => Ok(FieldErrors::single(
            "venue_id",
            "That venue no longer exists. Choose another.",
        )),
        other => Err(other.into()),
    }
}

// --- a group's meetings -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "meetings/list.html")]
struct ListPage {
    page: Page,
    group: Group,
    upcoming: Vec<MeetingSummary>,
    past: Vec<MeetingSummary>,
}

pub async fn list(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<i64>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let scope = state.store.group(&me, group_id).await?;
    let all = state.store.meetings_of(&scope).await?;
    let cutoff = now() - 12 * 3600;
    let (mut past, upcoming): (Vec<_>, Vec<_>) = all.into_iter().partition(|s| {
        s.meeting.is_held() || (s.meeting.starts_at < cutoff && !s.meeting.is_under_way())
    });
    past.reverse();
    render(&ListPage {
        page: staff_page(
            &format!("Meetings of {}", group.name),
            &me,
            &cookies,
            "groups",
        ),
        group,
        upcoming,
        past,
    })
}

#[derive(Template)]
#[template(path = "meetings/form.html")]
struct FormPage {
    page: Page,
    group: Group,
    form: Form,
    venues: Vec<Venue>,
    meeting_id: Option<i64>,
}

impl FormPage {
    fn venue_selected(&self, id: &i64) -> bool {
        self.form.value("venue_id") == id.to_string()
    }
}

async fn form_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group: Group,
    form: Form,
    meeting_id: Option<i64>,
    status: StatusCode,
) -> AppResult<Response> {
    let venues = state.store.venues().await?;
    let title = if meeting_id.is_some() {
        "Change the meeting".to_string()
    } else {
        format!("Plan a meeting of {}", group.name)
    };
    render_status(
        status,
        &FormPage {
            page: staff_page(&title, me, cookies, "groups"),
            group,
            form,
            venues,
            meeting_id,
        },
    )
}

pub async fn new_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<i64>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut raw = RawInput::default();
    raw.set("duration_minutes", group.usual_meeting_length.to_string());
    if let Some(v) = group.usual_venue_id {
        raw.set("venue_id", v.to_string());
    }
    // Suggest the same weekday and time as the last meeting, four weeks on.
    let scope = state.store.group(&me, group_id).await?;
    let meetings = state.store.meetings_of(&scope).await?;
    if let Some(last) = meetings.iter().rev().find(|m| !m.meeting.is_cancelled()) {
        raw.set("start_time", &last.meeting.local_time);
        if let Ok(d) = last.meeting.local_date.parse::<jiff::civil::Date>()
            && let Ok(next) = d.checked_add(jiff::Span::new().weeks(4))
        {
            raw.set("date", next.to_string());
        }
    }
    form_page(
        &state,
        &me,
        &cookies,
        group,
        Form::from_raw(raw),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let scope = state.store.group(&me, group_id).await?;
    let errors = match MeetingInput::parse(
        &raw,
        &group.timezone,
        group.usual_meeting_length,
        group.usual_venue_id,
    ) {
        Ok((input, starts_at)) => match state.store.create_meeting(&scope, &input, starts_at).await
        {
            Ok(m) => {
                return Ok(redirect_with(
                    &format!("/meetings/{}", m.id),
                    &format!("The meeting on {} is planned.", m.date_label()),
                ));
            }
            Err(e) => venue_error(e)?,
        },
        Err(e) => e,
    };
    form_page(
        &state,
        &me,
        &cookies,
        group,
        Form::with_errors(raw, errors),
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn edit_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let m = state.store.meeting_for(&me, id).await?;
    let group = state.store.group_for(&me, m.group_id).await?;
    let mut raw = RawInput::default();
    raw.set("date", &m.local_date);
    raw.set("start_time", &m.local_time);
    raw.set("duration_minutes", m.duration_minutes.to_string());
    raw.set(
        "venue_id",
        m.venue_id.map(|v| v.to_string()).unwrap_or_default(),
    );
    raw.set("topic", &m.topic);
    form_page(
        &state,
        &me,
        &cookies,
        group,
        Form::from_raw(raw),
        Some(id),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    let group = state.store.group_for(&me, m.group_id).await?;
    let errors = match MeetingInput::parse(&raw, &group.timezone, group.usual_meeting_length, None)
    {
        Ok((input, starts_at)) => match state.store.update_meeting(&m, &input, starts_at).await {
            Ok(_) => {
                let told = crate::mail::after_change(&state, &m).await?;
                return Ok(redirect_with(
                    &format!("/meetings/{id}"),
                    &with_outcome("The meeting has been changed.", told),
                ));
            }
            Err(e) => venue_error(e)?,
        },
        Err(e) => e,
    };
    form_page(
        &state,
        &me,
        &cookies,
        group,
        Form::with_errors(raw, errors),
        Some(id),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// A confirmation with, when email went out (or could not), a sentence saying so.
fn with_outcome(done: &str, told: Option<crate::mail::Outcome>) -> String {
    match told {
        Some(o) => format!("{done} {}", o.sentence()),
        None => done.to_string(),
    }
}

/// Emails the invitation to the meeting to members who use email.
pub async fn invite(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting_for(&me, id).await?;
    if !m.is_planned() {
        return Err(AppError::BadRequest(
            "Only a planned meeting can be sent out as an invitation.".into(),
        ));
    }
    let outcome = crate::mail::meeting_invitation(&state, id).await?;
    let message = match outcome {
        crate::mail::Outcome::Queued(0) => {
            "Everyone who uses email has had this invitation already, or nobody in the group uses email.".to_string()
        }
        other => other.sentence(),
    };
    Ok(redirect_with(&format!("/meetings/{id}"), &message))
}

// --- the preparation page (the meeting's page) ------------------------------------------

/// A member with their answer and whether they have signed in.
pub struct Person {
    pub member: Member,
    pub answer: Option<String>,
    pub signed_in: bool,
}

fn people(members: Vec<Member>, rsvps: &[Rsvp], attendance: &[AttendanceRow]) -> Vec<Person> {
    members
        .into_iter()
        .map(|m| Person {
            answer: rsvps
                .iter()
                .find(|r| r.member_id == m.id)
                .map(|r| r.answer.clone()),
            signed_in: attendance.iter().any(|a| a.member_id == Some(m.id)),
            member: m,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "meetings/show.html")]
struct ShowPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    number: i64,
    venue: Option<Venue>,
    steps: Vec<AgendaStep>,
    people: Vec<Person>,
    attendance: Vec<AttendanceRow>,
    previous: Option<Meeting>,
    previous_reflections: Vec<Reflection>,
    /// Follow-ups agreed at earlier meetings, not done yet.
    earlier_actions: Vec<crate::domain::meeting::OpenAction>,
    answers: [(&'static str, &'static str); 3],
    cancel_form: Form,
    /// Print members' needs and reflections too (they are left off printouts unless chosen).
    print_private: bool,
    /// Who hosts the refreshments (confirmed), or the fair suggestion, and the rota to swap from.
    host: Option<(i64, String)>,
    suggested_host: Option<(i64, String)>,
    /// The confirmed host said they cannot come.
    host_cannot_come: bool,
    rota: Vec<crate::domain::social::RotaMember>,
    /// The meeting is today in its group's time zone: only then is "Start" the main button.
    is_today: bool,
}

impl ShowPage {
    fn host_selected(&self, id: &i64) -> bool {
        self.host
            .as_ref()
            .or(self.suggested_host.as_ref())
            .map(|(h, _)| h)
            == Some(id)
    }
    fn coming(&self) -> Vec<&Person> {
        self.people
            .iter()
            .filter(|p| matches!(p.answer.as_deref(), Some("yes") | Some("maybe")))
            .collect()
    }
    fn not_answered(&self) -> Vec<&Person> {
        self.people.iter().filter(|p| p.answer.is_none()).collect()
    }
    fn not_coming(&self) -> Vec<&Person> {
        self.people
            .iter()
            .filter(|p| p.answer.as_deref() == Some("no"))
            .collect()
    }
    fn start_of(&self, index: &usize) -> String {
        let offset: i64 = self.steps.iter().take(*index).map(|s| s.minutes).sum();
        match self.meeting.local_time.parse::<jiff::civil::Time>() {
            Ok(t) => crate::domain::meeting::time_label(
                t.wrapping_add(jiff::SignedDuration::from_mins(offset)),
            ),
            Err(_) => String::new(),
        }
    }
    fn planned_total(&self) -> i64 {
        self.steps.iter().map(|s| s.minutes).sum()
    }
}

async fn show_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: i64,
    cancel_form: Form,
    status: StatusCode,
    print_private: bool,
) -> AppResult<Response> {
    let access = state.store.meeting(me, id).await?;
    let meeting = access.meeting().clone();
    let group = state.store.group_for(me, meeting.group_id).await?;
    let venue = match meeting.venue_id {
        Some(v) => state.store.venue(v).await.ok(),
        None => None,
    };
    let steps = state.store.meeting_steps(&access).await?;
    let members = state
        .store
        .members_of(&access.group(), &MemberFilter::default())
        .await?;
    let rsvps = state.store.rsvps_of(&access).await?;
    let attendance = state.store.attendance_of(&access).await?;
    let number = state.store.meeting_number(&access).await?;
    let previous = state.store.previous_meeting(&access).await?;
    let previous_reflections = match &previous {
        Some(p) => state.store.reflections_of(p).await?,
        None => Vec::new(),
    };
    let previous = previous.map(MeetingAccess::into_meeting);
    let earlier_actions = state.store.open_actions_before(&access).await?;
    let host = state.store.meeting_host(&access).await?;
    let scope = access.group();
    let rota = state.store.rota_of(&scope, meeting.starts_at).await?;
    // The same suggestion as the rota page (which counts suggestions for earlier meetings),
    // or, for a meeting further ahead, the fair choice from the rota as it stands.
    // The same suggestion as the rota page (which counts suggestions for earlier meetings),
    // or, for a meeting further ahead, the fair choice from the rota as it stands; also when the
    // confirmed host said they cannot come.
    let (suggested_host, host_cannot_come) = if meeting.is_planned() {
        match crate::app::social::rota_meetings(state, &access.group())
            .await?
            .into_iter()
            .find(|rm| rm.meeting.id == id)
        {
            Some(rm) => (rm.suggested, rm.host_cannot_come),
            None => {
                let answers = state.store.answers_to(&access).await?;
                let cannot = host
                    .as_ref()
                    .is_some_and(|(h, _)| crate::domain::social::said_no(&answers, *h));
                let pick = (host.is_none() || cannot)
                    .then(|| crate::domain::social::suggest_host(&rota, &answers))
                    .flatten()
                    .and_then(|hid| {
                        rota.iter()
                            .find(|r| r.member_id == hid)
                            .map(|r| (hid, r.member_name.clone()))
                    });
                (pick, cannot)
            }
        }
    } else {
        (None, false)
    };
    render_status(
        status,
        &ShowPage {
            is_today: meeting.is_today(),
            host,
            suggested_host,
            host_cannot_come,
            rota,
            page: staff_page(
                &format!("Meeting on {}", meeting.date_label()),
                me,
                cookies,
                "groups",
            ),
            people: people(members, &rsvps, &attendance),
            meeting,
            group,
            number,
            venue,
            steps,
            attendance,
            previous,
            previous_reflections,
            earlier_actions,
            answers: RSVP_ANSWERS,
            cancel_form,
            print_private,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    Query(q): Query<PrintQuery>,
) -> AppResult<Response> {
    let private = q.private.is_some_and(|v| v == "1");
    show_page(
        &state,
        &me,
        &cookies,
        id,
        Form::blank(),
        StatusCode::OK,
        private,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct PrintQuery {
    #[serde(default)]
    private: Option<String>,
}

pub async fn record_rsvp(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    let answer = parse_rsvp(&raw).map_err(AppError::Invalid)?;
    let member_id: i64 = raw
        .text("member_id")
        .parse()
        .map_err(|_| AppError::BadRequest("Choose a member.".into()))?;
    let member = state.store.member_for(&me, member_id).await?;
    app::meetings::record_rsvp(&state, &m, member_id, answer).await?;
    Ok(redirect_with(
        &format!("/meetings/{id}#people"),
        &format!("{}'s answer has been saved.", member.preferred_name),
    ))
}

pub async fn cancel(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    match parse_cancel_reason(&raw) {
        Ok(reason) => {
            let meeting = state.store.meeting(&me, id).await?;
            let changed =
                app::meetings::change_status(&state, &meeting, MeetingEvent::Cancel, &reason)
                    .await?
                    .map_err(app::meetings::refused)?;
            Ok(redirect_with(
                &format!("/meetings/{id}"),
                &with_outcome("The meeting has been cancelled.", changed.told),
            ))
        }
        Err(e) => {
            show_page(
                &state,
                &me,
                &cookies,
                id,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
                false,
            )
            .await
        }
    }
}

pub async fn reinstate(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    app::meetings::change_status(&state, &meeting, MeetingEvent::Reinstate, "")
        .await?
        .map_err(app::meetings::refused)?;
    Ok(redirect_with(
        &format!("/meetings/{id}"),
        "The meeting is back on.",
    ))
}

// --- the run-sheet ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "meetings/run.html")]
struct RunPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    venue: Option<Venue>,
    steps: Vec<AgendaStep>,
    index: usize,
    present: Vec<Person>,
    guests: usize,
    now: i64,
    content: super::topics::ContentStep,
    outcomes: [(&'static str, &'static str); 4],
    /// The "next meeting" form, as typed when it came back with a problem.
    next_form: Form,
    venues: Vec<Venue>,
    open_polls: Vec<crate::domain::poll::Poll>,
}

impl RunPage {
    fn next_venue_selected(&self, id: &i64) -> bool {
        match self.next_form.raw.get("venue_id") {
            Some(v) => v == id.to_string(),
            None => self.meeting.venue_id == Some(*id),
        }
    }
    fn suits(&self, member_id: &i64) -> bool {
        self.next_form.has("suits", &member_id.to_string())
    }
    fn step(&self) -> Option<&AgendaStep> {
        self.steps.get(self.index)
    }
    fn is_last(&self) -> bool {
        self.index + 1 >= self.steps.len()
    }
    fn step_minutes(&self) -> i64 {
        self.step().map(|s| s.minutes).unwrap_or(0)
    }
    fn step_elapsed(&self) -> i64 {
        self.meeting
            .step_started_at
            .map(|t| ((self.now - t) / 60).max(0))
            .unwrap_or(0)
    }
    fn meeting_elapsed(&self) -> i64 {
        self.meeting
            .started_at
            .map(|t| ((self.now - t) / 60).max(0))
            .unwrap_or(0)
    }
    fn step_clock(&self) -> String {
        clock_words(self.step_elapsed(), self.step_minutes(), "this step")
    }
    fn meeting_clock(&self) -> String {
        clock_words(
            self.meeting_elapsed(),
            self.meeting.duration_minutes,
            "the meeting",
        )
    }
    fn step_over(&self) -> bool {
        self.step_elapsed() > self.step_minutes()
    }
    fn meeting_over(&self) -> bool {
        self.meeting_elapsed() > self.meeting.duration_minutes
    }
    fn step_since(&self) -> i64 {
        self.meeting.step_started_at.unwrap_or(self.now)
    }
    fn meeting_since(&self) -> i64 {
        self.meeting.started_at.unwrap_or(self.now)
    }
    fn kind(&self) -> &str {
        self.step().map(|s| s.kind.as_str()).unwrap_or("general")
    }
}

/// "12 of 15 minutes" or "3 minutes over the 15 planned" — informative, never alarming.
pub fn clock_words(elapsed: i64, planned: i64, _what: &str) -> String {
    let mins = |n: i64| {
        if n == 1 {
            "1 minute".to_string()
        } else {
            format!("{n} minutes")
        }
    };
    if elapsed <= planned {
        format!("{elapsed} of {planned} minutes")
    } else {
        format!("{} over the {} planned", mins(elapsed - planned), planned)
    }
}

pub async fn run(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    run_page(&state, &me, &cookies, id, Form::blank(), StatusCode::OK).await
}

async fn run_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: i64,
    next_form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let me = me.clone();
    let access = state.store.meeting(&me, id).await?;
    let meeting = access.meeting().clone();
    if meeting.is_cancelled() {
        return Ok(redirect_with(
            &format!("/meetings/{id}"),
            "This meeting was cancelled. Plan it again to run it.",
        ));
    }
    let group = state.store.group_for(&me, meeting.group_id).await?;
    let steps = state.store.meeting_steps(&access).await?;
    let attendance = state.store.attendance_of(&access).await?;
    let members = state
        .store
        .members_of(
            &access.group(),
            &MemberFilter {
                status: "all".into(),
                ..Default::default()
            },
        )
        .await?;
    let present: Vec<Person> = people(members, &[], &attendance)
        .into_iter()
        .filter(|p| p.signed_in)
        .collect();
    let index = (meeting.current_step.max(0) as usize).min(steps.len().saturating_sub(1));
    let venue = match meeting.venue_id {
        Some(v) => state.store.venue(v).await.ok(),
        None => None,
    };
    let present_ids: Vec<i64> = present.iter().map(|p| p.member.id).collect();
    let kind = steps
        .get(index)
        .map(|st| st.kind.clone())
        .unwrap_or_default();
    let content = super::topics::content_for(state, &me, &access, &kind, &present_ids).await?;
    let (venues, open_polls) = if kind == "next_meeting" {
        (
            state.store.venues().await?,
            state
                .store
                .polls_of(&access.group())
                .await?
                .into_iter()
                .filter(|p| p.is_open())
                .map(crate::store::PollAccess::into_poll)
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    // The next meeting is suggested four weeks on, at the same time, unless typed otherwise.
    let next_form = if next_form.raw.keys().next().is_none() {
        let mut raw = RawInput::default();
        if let Ok(d) = meeting.local_date.parse::<jiff::civil::Date>()
            && let Ok(next) = d.checked_add(jiff::Span::new().weeks(4))
        {
            raw.set("date", next.to_string());
        }
        raw.set("start_time", &meeting.local_time);
        Form::from_raw(raw)
    } else {
        next_form
    };
    render_status(
        status,
        &RunPage {
            next_form,
            venues,
            open_polls,
            content,
            outcomes: super::topics::OUTCOMES,
            page: staff_page(
                &format!("Running the meeting: {}", group.name),
                &me,
                cookies,
                "groups",
            ),
            venue,
            guests: attendance.iter().filter(|a| a.is_guest).count(),
            meeting,
            group,
            steps,
            index,
            present,
            now: now(),
        },
    )
}

/// From the run-sheet's "next meeting" step: plans the next meeting on the date the group
/// agreed, with those present whom it suits noted as coming, in one go.
pub async fn propose_next(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    let group = state.store.group_for(&me, meeting.group_id).await?;
    let suits: Vec<i64> = raw
        .all("suits")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let errors = match MeetingInput::parse(
        &raw,
        &group.timezone,
        group.usual_meeting_length,
        meeting.venue_id,
    ) {
        Ok((input, starts_at)) => {
            match state
                .store
                .create_meeting_then(
                    &meeting.group(),
                    &input,
                    starts_at,
                    AfterInsert::Suits(&suits),
                )
                .await
            {
                Ok(next) => {
                    return Ok(redirect_with(
                        &format!("/meetings/{id}/run#brainstorm"),
                        &format!(
                            "The next meeting is planned for {}, {}.",
                            next.date_label(),
                            next.time_label()
                        ),
                    ));
                }
                Err(e) => venue_error(e)?,
            }
        }
        Err(e) => e,
    };
    run_page(
        &state,
        &me,
        &cookies,
        id,
        Form::with_errors(raw, errors),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Moves to a step (next, previous, or a chosen one), starting the meeting if needed. The
/// button belongs to the step's form, so what was typed there is saved first.
pub async fn go_to_step(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let step: i64 = raw
        .text("step")
        .parse()
        .map_err(|_| AppError::BadRequest("Choose a step.".into()))?;
    let text = RunSheetText::parse(&raw, None).map_err(AppError::Invalid)?;
    let meeting = state.store.meeting(&me, id).await?;
    app::meetings::save_run_sheet(&state, &me, &meeting, &text).await?;
    state.store.go_to_step(&meeting, step).await?;
    saved(
        &state,
        &me,
        &headers,
        id,
        &format!("/meetings/{id}/run"),
        "",
    )
    .await
}

/// Saves what the step's form holds: its checklist and notes, and the round-up and "since
/// last time" lines shown with it.
pub async fn save_step(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: HeaderMap,
    Path((id, position)): Path<(i64, i64)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let text = RunSheetText::parse(&raw, Some(position)).map_err(AppError::Invalid)?;
    let meeting = state.store.meeting(&me, id).await?;
    app::meetings::save_run_sheet(&state, &me, &meeting, &text).await?;
    // "Add" in the brainstorm goes back to the brainstorm, with the topic on the list.
    let (to, message) = match &text.new_topic {
        Some(t) => (
            format!("/meetings/{id}/run#brainstorm"),
            format!("\"{}\" is on the board.", t.title),
        ),
        None => (format!("/meetings/{id}/run#notes"), "Saved.".to_string()),
    };
    saved(&state, &me, &headers, id, &to, &message).await
}

pub async fn save_round_up(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let text = RunSheetText::parse(&raw, None).map_err(AppError::Invalid)?;
    let meeting = state.store.meeting(&me, id).await?;
    app::meetings::save_run_sheet(&state, &me, &meeting, &text).await?;
    saved(
        &state,
        &me,
        &headers,
        id,
        &format!("/meetings/{id}/run#round-up"),
        "What people said at the end has been saved.",
    )
    .await
}

#[derive(Template)]
#[template(path = "meetings/confirm.html")]
struct ConfirmPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    question: String,
    explain: Vec<String>,
    saved: bool,
    action: String,
    yes: &'static str,
    no: &'static str,
    back: String,
}

fn confirmed(raw: &RawInput) -> bool {
    raw.text("confirm") == "yes"
}

/// Starts a meeting. On its day it starts at once (and can be undone); before or after its
/// day the page asks first, naming the day.
pub async fn start(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let access = state.store.meeting(&me, id).await?;
    let m = access.meeting();
    let group = state.store.group_for(&me, m.group_id).await?;
    if m.is_planned() && !m.is_today() && !confirmed(&raw) {
        let question = format!("This meeting is on {}. Start it now?", m.date_label());
        return render(&ConfirmPage {
            page: staff_page(&question, &me, &cookies, "groups"),
            explain: vec![
                "Starting opens the meeting's steps and the sign-in list, and the meeting shows as under way.".into(),
                "To get ready, you do not need to start it: the meeting page has everything for getting ready.".into(),
            ],
            saved: false,
            action: format!("/meetings/{id}/start"),
            yes: "Start it now",
            no: "Not now",
            back: format!("/meetings/{id}"),
            question,
            meeting: m.clone(),
            group,
        });
    }
    match app::meetings::change_status(&state, &access, MeetingEvent::Start, "").await? {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}/run")).into_response()),
        // A page from before the meeting ended (another device ended it): its record is
        // where the facilitator wants to be, with the reason on top.
        Err(why @ Refusal::StartHeld) => Ok(redirect_with(
            &format!("/meetings/{id}/notes"),
            &why.to_string(),
        )),
        Err(why) => Err(app::meetings::refused(why)),
    }
}

/// Ends a meeting, after saving what the run-sheet carried and asking to confirm.
pub async fn end(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let text = RunSheetText::parse(&raw, None).map_err(AppError::Invalid)?;
    let access = state.store.meeting(&me, id).await?;
    app::meetings::save_run_sheet(&state, &me, &access, &text).await?;
    if !confirmed(&raw) {
        let m = access.meeting().clone();
        let group = state.store.group_for(&me, m.group_id).await?;
        if m.is_held() {
            return Ok(Redirect::to(&format!("/meetings/{id}/notes")).into_response());
        }
        // Nothing to ask about when the answer would be no.
        if let crate::domain::meeting_status::Transition::Refused(why) =
            m.status.on_day(MeetingEvent::End, m.day(), m.today_there())
        {
            return Err(app::meetings::refused(why));
        }
        let question = "End the meeting?".to_string();
        return render(&ConfirmPage {
            page: staff_page(&question, &me, &cookies, "groups"),
            explain: vec![
                "Hearth will mark it as held and keep who signed in. Its record starts from the notes you made and what people said at the end, and you can add to it afterwards.".into(),
                "If you end it by mistake, you can open it again from its record.".into(),
            ],
            saved: !text.is_empty(),
            action: format!("/meetings/{id}/end"),
            yes: "Yes, end the meeting",
            no: "No, go back to the meeting",
            back: format!("/meetings/{id}/run"),
            question,
            meeting: m,
            group,
        });
    }
    app::meetings::change_status(&state, &access, MeetingEvent::End, "")
        .await?
        .map_err(app::meetings::refused)?;
    Ok(redirect_with(
        &format!("/meetings/{id}/notes"),
        "The meeting has ended and is marked as held. Here is its record. If you ended it by mistake, you can open it again below.",
    ))
}

/// Undoes a start made by mistake: the meeting is planned again, as if never started.
pub async fn unstart(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    undo(&state, &me, id, MeetingEvent::Unstart).await
}

/// Reopens a meeting ended by mistake: under way again, its run-sheet where it was.
pub async fn reopen(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    undo(&state, &me, id, MeetingEvent::Reopen).await
}

async fn undo(state: &AppState, me: &Staff, id: i64, event: MeetingEvent) -> AppResult<Response> {
    let meeting = state.store.meeting(me, id).await?;
    app::meetings::change_status(state, &meeting, event, "")
        .await?
        .map_err(app::meetings::refused)?;
    Ok(if event == MeetingEvent::Reopen {
        redirect_with(
            &format!("/meetings/{id}/run"),
            "The meeting is open again. End it when you are ready.",
        )
    } else {
        redirect_with(
            &format!("/meetings/{id}"),
            "The meeting is planned again, as if it had not started.",
        )
    })
}

/// The meeting's version, so another device's script can tell when to refresh.
pub async fn state_json(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let m = state.store.meeting_for(&me, id).await?;
    Ok(Json(serde_json::json!({ "version": m.version, "current_step": m.current_step, "status": m.status })).into_response())
}

// --- sign-in ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "meetings/sign_in.html")]
struct SignInPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    people: Vec<Person>,
    guests: Vec<AttendanceRow>,
    others: Vec<Member>,
    form: Form,
}

impl SignInPage {
    fn signed_in_count(&self) -> usize {
        self.people.iter().filter(|p| p.signed_in).count() + self.guests.len()
    }
}

async fn sign_in_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let access = state.store.meeting(me, id).await?;
    let meeting = access.meeting().clone();
    let group = state.store.group_for(me, meeting.group_id).await?;
    let members = state
        .store
        .members_of(&access.group(), &MemberFilter::default())
        .await?;
    let rsvps = state.store.rsvps_of(&access).await?;
    let attendance = state.store.attendance_of(&access).await?;
    let mut list = people(members, &rsvps, &attendance);
    // Those expected first, then the rest; each part by name.
    list.sort_by_key(|p| {
        (
            !matches!(p.answer.as_deref(), Some("yes") | Some("maybe")),
            p.member.preferred_name.to_lowercase(),
        )
    });
    let left = state
        .store
        .members_of(
            &access.group(),
            &MemberFilter {
                status: "left".into(),
                ..Default::default()
            },
        )
        .await?;
    // Someone who had left but came back today is on the list (signed in, so a tap undoes it);
    // the others who have left are offered in the walk-in form.
    let (back, others): (Vec<Member>, Vec<Member>) = left
        .into_iter()
        .partition(|m| attendance.iter().any(|a| a.member_id == Some(m.id)));
    list.extend(people(back, &rsvps, &attendance));
    render_status(
        status,
        &SignInPage {
            page: staff_page("Sign people in", me, cookies, "groups"),
            guests: attendance.into_iter().filter(|a| a.is_guest).collect(),
            people: list,
            others,
            meeting,
            group,
            form,
        },
    )
}

pub async fn sign_in(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    sign_in_page(&state, &me, &cookies, id, Form::blank(), StatusCode::OK).await
}

/// One tap on a name: signs them in, or out again if they were signed in.
pub async fn toggle_attendance(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: HeaderMap,
    Path((id, member_id)): Path<(i64, i64)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = state.store.member_for(&me, member_id).await?;
    let meeting = state.store.meeting(&me, id).await?;
    let message = if !raw.flag("present").map_err(AppError::BadRequest)? {
        state.store.sign_out(&meeting, member_id).await?;
        format!("{} is no longer signed in.", member.preferred_name)
    } else {
        state.store.sign_in(&meeting, member_id).await?;
        format!("{} is signed in.", member.preferred_name)
    };
    saved(
        &state,
        &me,
        &headers,
        id,
        &format!("/meetings/{id}/sign-in#member-{member_id}"),
        &message,
    )
    .await
}

/// A walk-in, in one step: an existing member (e.g. one who had left), a new member with just
/// a name, or a guest.
pub async fn walk_in(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    let walk_in = match WalkIn::try_from(&raw) {
        Ok(w) => w,
        Err(e) => {
            return sign_in_page(
                &state,
                &me,
                &cookies,
                id,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let message = match walk_in {
        WalkIn::Member(member_id) => {
            let m = state.store.member_for(&me, member_id).await?;
            state.store.sign_in(&meeting, member_id).await?;
            format!("{} is signed in.", m.preferred_name)
        }
        WalkIn::NewMember(name) => {
            let mut r = RawInput::default();
            r.set("preferred_name", &name);
            r.set("joined_on", &meeting.local_date);
            let input = MemberInput::try_from(&r).map_err(AppError::Invalid)?;
            let m = state.store.create_member(&meeting.group(), &input).await?;
            state.store.sign_in(&meeting, m.id).await?;
            format!(
                "{} has joined the group and is signed in.",
                m.preferred_name
            )
        }
        WalkIn::Guest(name) => {
            state.store.sign_in_guest(&meeting, &name).await?;
            format!("{name} is signed in as a guest.")
        }
    };
    Ok(redirect_with(&format!("/meetings/{id}/sign-in"), &message))
}

pub async fn remove_guest(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path((id, attendance_id)): Path<(i64, i64)>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    state.store.remove_guest(&meeting, attendance_id).await?;
    Ok(redirect_with(
        &format!("/meetings/{id}/sign-in"),
        "The guest has been taken off the list.",
    ))
}

#[derive(Template)]
#[template(path = "meetings/sheet.html")]
struct SheetPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    venue: Option<Venue>,
    names: Vec<String>,
    blank_rows: usize,
    large: bool,
}

#[derive(Deserialize, Default)]
pub struct SheetQuery {
    #[serde(default)]
    large: Option<String>,
}

/// The printable sign-in sheet / register: names of those expected, then blank rows.
pub async fn sheet(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    Query(q): Query<SheetQuery>,
) -> AppResult<Response> {
    let access = state.store.meeting(&me, id).await?;
    let meeting = access.meeting().clone();
    let group = state.store.group_for(&me, meeting.group_id).await?;
    let venue = match meeting.venue_id {
        Some(v) => state.store.venue(v).await.ok(),
        None => None,
    };
    let members = state
        .store
        .members_of(&access.group(), &MemberFilter::default())
        .await?;
    let rsvps = state.store.rsvps_of(&access).await?;
    let list = people(members, &rsvps, &[]);
    let anyone_answered = list.iter().any(|p| p.answer.is_some());
    let names: Vec<String> = list
        .into_iter()
        .filter(|p| {
            if anyone_answered {
                p.answer.as_deref() != Some("no")
            } else {
                true
            }
        })
        .map(|p| {
            if p.member.full_name.is_empty() {
                p.member.preferred_name
            } else {
                p.member.full_name
            }
        })
        .collect();
    let large = q.large.is_some_and(|v| !v.is_empty() && v != "0");
    let blank_rows = if large { 6 } else { 10 };
    render(&SheetPage {
        page: staff_page(
            &format!("Sign-in sheet: {}", group.name),
            &me,
            &cookies,
            "groups",
        ),
        meeting,
        group,
        venue,
        names,
        blank_rows,
        large,
    })
}

// --- the record -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "meetings/notes.html")]
struct NotesPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    number: i64,
    venue: Option<Venue>,
    facilitators: Vec<crate::store::Facilitator>,
    attendance: Vec<AttendanceRow>,
    actions: Vec<Action>,
    /// "Since last time" lines: private ones only for the group's facilitators.
    checkins: Vec<crate::domain::topic::CheckinEntry>,
    form: Form,
    action_form: Form,
    /// The "Add an action" fields (name, label, input type), part of the record's one form.
    action_fields: [(&'static str, &'static str, &'static str); 3],
}

impl NotesPage {
    fn members_attended(&self) -> usize {
        self.attendance.iter().filter(|a| !a.is_guest).count()
    }
    fn guests(&self) -> usize {
        self.attendance.iter().filter(|a| a.is_guest).count()
    }
    fn any_private_checkin(&self) -> bool {
        self.checkins.iter().any(|c| c.private)
    }
}

async fn notes_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: i64,
    form: Option<Form>,
    action_form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let access = state.store.meeting(me, id).await?;
    let meeting = access.meeting().clone();
    let group = state.store.group_for(me, meeting.group_id).await?;
    let venue = match meeting.venue_id {
        Some(v) => state.store.venue(v).await.ok(),
        None => None,
    };
    let form = form.unwrap_or_else(|| {
        let mut raw = RawInput::default();
        raw.set("topics_discussed", &meeting.topics_discussed);
        raw.set("key_points", &meeting.key_points);
        raw.set("pass_on", &meeting.pass_on);
        raw.set("round_up_good", &meeting.round_up_good);
        raw.set("round_up_not_so_good", &meeting.round_up_not_so_good);
        raw.set("round_up_sharing", &meeting.round_up_sharing);
        Form::from_raw(raw)
    });
    render_status(
        status,
        &NotesPage {
            action_fields: [
                ("what", "What needs doing", "text"),
                ("who", "Who will do it", "text"),
                ("by_date", "By when (optional)", "date"),
            ],
            page: staff_page(
                &format!("Notes: {}", meeting.date_label()),
                me,
                cookies,
                "groups",
            ),
            number: state.store.meeting_number(&access).await?,
            facilitators: match crate::store::GroupScope::staff_group(&access) {
                Some(g) => state.store.facilitators_of(&g).await?,
                None => Vec::new(),
            },
            attendance: state.store.attendance_of(&access).await?,
            actions: state.store.actions_of(&access).await?,
            checkins: state.store.meeting_checkins(me, &access).await?,
            meeting,
            group,
            venue,
            form,
            action_form,
        },
    )
}

pub async fn notes(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    notes_page(
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

pub async fn save_notes(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    if let Err(e) = keep_record(&state, &m, &raw).await? {
        return record_again(&state, &me, &cookies, id, raw, e, FieldErrors::new()).await;
    }
    // An action typed below the notes is kept too.
    if !raw.text("what").is_empty() || !raw.text("who").is_empty() {
        return add_action_from(
            &state,
            &me,
            &cookies,
            &m,
            raw,
            "The notes and the action have been saved.",
        )
        .await;
    }
    Ok(redirect_with(
        &format!("/meetings/{id}/notes"),
        "The notes have been saved.",
    ))
}

/// Saves the record's text when the form carried it (every button of the record page sends
/// it) and it changed. A mistake in it comes back as field errors, and nothing is saved.
async fn keep_record(
    state: &AppState,
    m: &MeetingAccess,
    raw: &RawInput,
) -> AppResult<Result<(), FieldErrors>> {
    let fields = [
        "topics_discussed",
        "key_points",
        "pass_on",
        "round_up_good",
        "round_up_not_so_good",
        "round_up_sharing",
    ];
    if !fields.iter().any(|f| raw.get(f).is_some()) {
        return Ok(Ok(()));
    }
    let n = match NotesInput::try_from(raw) {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    let same = m.topics_discussed == n.topics_discussed
        && m.key_points == n.key_points
        && m.round_up_good == n.round_up_good
        && m.round_up_not_so_good == n.round_up_not_so_good
        && m.round_up_sharing == n.round_up_sharing
        && m.pass_on == n.pass_on;
    if !same {
        state.store.save_notes(m, &n).await?;
    }
    Ok(Ok(()))
}

/// The record page again, with what was typed and the problems next to their fields.
#[allow(clippy::too_many_arguments)]
async fn record_again(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: i64,
    raw: RawInput,
    notes_errors: FieldErrors,
    action_errors: FieldErrors,
) -> AppResult<Response> {
    notes_page(
        state,
        me,
        cookies,
        id,
        Some(Form::with_errors(raw.clone(), notes_errors)),
        Form::with_errors(raw, action_errors),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn add_action_from(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    meeting: &MeetingAccess,
    raw: RawInput,
    done: &str,
) -> AppResult<Response> {
    let id = meeting.id();
    match ActionInput::try_from(&raw) {
        Ok(a) => {
            state.store.add_action(meeting, &a).await?;
            Ok(redirect_with(
                &format!("/meetings/{id}/notes#actions"),
                done,
            ))
        }
        Err(e) => record_again(state, me, cookies, id, raw, FieldErrors::new(), e).await,
    }
}

pub async fn add_action(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    if let Err(e) = keep_record(&state, &m, &raw).await? {
        return record_again(&state, &me, &cookies, id, raw, e, FieldErrors::new()).await;
    }
    add_action_from(&state, &me, &cookies, &m, raw, "The action has been added.").await
}

pub async fn action_done(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path((id, action_id)): Path<(i64, i64)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let done = raw.flag("done").map_err(AppError::BadRequest)?;
    let m = state.store.meeting(&me, id).await?;
    if let Err(e) = keep_record(&state, &m, &raw).await? {
        return record_again(&state, &me, &cookies, id, raw, e, FieldErrors::new()).await;
    }
    state.store.set_action_done(&m, action_id, done).await?;
    Ok(redirect_with(
        &format!("/meetings/{id}/notes#actions"),
        if done {
            "Marked as done."
        } else {
            "Marked as not done yet."
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

/// Meeting notes for a date range as CSV.
pub async fn notes_csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(group_id): Path<i64>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut e = FieldErrors::new();
    let mut raw = RawInput::default();
    raw.set("from", &q.from);
    raw.set("to", &q.to);
    let from = crate::domain::optional_date(&raw, "from", &mut e).map(|d| d.to_string());
    let to = crate::domain::optional_date(&raw, "to", &mut e).map(|d| d.to_string());
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let access = state.store.group(&me, group_id).await?;
    let meetings = state.store.meetings_of(&access).await?;
    let counts = state.store.attendance_counts(&access).await?;
    let mut w = crate::domain::csv_out::CsvOut::with_header([
        "date",
        "start_time",
        "status",
        "venue",
        "attended",
        "guests",
        "topics_discussed",
        "key_points",
        "round_up_good",
        "round_up_not_so_good",
        "round_up_sharing",
        "pass_on",
    ]);
    for s in meetings {
        let m = &s.meeting;
        if from.as_ref().is_some_and(|f| m.local_date < *f)
            || to.as_ref().is_some_and(|t| m.local_date > *t)
        {
            continue;
        }
        let (members, guests) = counts.get(&m.id).copied().unwrap_or((0, 0));
        w.row([
            m.local_date.clone(),
            m.local_time.clone(),
            m.status.to_string(),
            s.venue_name.clone().unwrap_or_default(),
            members.to_string(),
            guests.to_string(),
            m.topics_discussed.clone(),
            m.key_points.clone(),
            m.round_up_good.clone(),
            m.round_up_not_so_good.clone(),
            m.round_up_sharing.clone(),
            m.pass_on.clone(),
        ]);
    }
    Ok(super::csv_download(
        w.finish(),
        &group.name,
        "meeting-notes",
    ))
}

// --- reflection and concerns ------------------------------------------------------------

#[derive(Template)]
#[template(path = "meetings/reflection.html")]
struct ReflectionPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    others: Vec<Reflection>,
    form: Form,
    feelings: [(&'static str, &'static str); 4],
}

#[derive(Template)]
#[template(path = "meetings/help.html")]
struct HelpPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    form: Form,
    /// The coordinators' names and email addresses.
    coordinators: Vec<(String, String)>,
}

async fn help_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let access = state.store.meeting(me, id).await?;
    let group = state.store.group_for(me, access.group_id()).await?;
    let form = if form.raw.keys().next().is_none() {
        let mut raw = RawInput::default();
        raw.set("help_contact", format!("Email: {}", me.email));
        Form::from_raw(raw)
    } else {
        form
    };
    render_status(
        status,
        &HelpPage {
            page: staff_page("Ask for help", me, cookies, "groups"),
            meeting: access.into_meeting(),
            group,
            form,
            coordinators: state
                .store
                .accounts()
                .await?
                .into_iter()
                .filter(Staff::is_coordinator)
                .map(|a| (a.name, a.email))
                .collect(),
        },
    )
}

/// "I need some help": a request of its own, with what would help and how to reach the one
/// asking; coordinators see it at the top of their home page.
pub async fn help(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    help_page(&state, &me, &cookies, id, Form::blank(), StatusCode::OK).await
}

pub async fn ask_for_help(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let mut e = FieldErrors::new();
    let note = crate::domain::required_text(
        &raw,
        "help_note",
        2000,
        "Say in a few words what would help.",
        &mut e,
    );
    let contact = crate::domain::required_text(
        &raw,
        "help_contact",
        200,
        "Say how a coordinator can reach you.",
        &mut e,
    );
    if !e.is_empty() {
        return help_page(
            &state,
            &me,
            &cookies,
            id,
            Form::with_errors(raw, e),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let access = state.store.meeting(&me, id).await?;
    state.store.ask_for_help(&access, &note, &contact).await?;
    Ok(redirect_with(
        "/",
        "Your request for help has been sent. A coordinator will get in touch.",
    ))
}

async fn reflection_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: i64,
    form: Option<Form>,
    status: StatusCode,
) -> AppResult<Response> {
    let access = state.store.meeting(me, id).await?;
    let group = state.store.group_for(me, access.group_id()).await?;
    let all = state.store.reflections_of(&access).await?;
    let meeting = access.into_meeting();
    let mine = all.iter().find(|r| r.account_id == me.id);
    let form = form.unwrap_or_else(|| {
        let mut raw = RawInput::default();
        if let Some(r) = mine {
            raw.set("went_well", &r.went_well);
            raw.set("went_less_well", &r.went_less_well);
            raw.set("ideas", &r.ideas);
            raw.set("feeling", &r.feeling);
        }
        Form::from_raw(raw)
    });
    let others = all.into_iter().filter(|r| r.account_id != me.id).collect();
    render_status(
        status,
        &ReflectionPage {
            page: staff_page("Your reflection", me, cookies, "groups"),
            meeting,
            group,
            others,
            form,
            feelings: FEELINGS,
        },
    )
}

pub async fn reflection(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    reflection_page(&state, &me, &cookies, id, None, StatusCode::OK).await
}

pub async fn save_reflection(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    match ReflectionInput::try_from(&raw) {
        Ok(r) => {
            state.store.save_reflection(&meeting, &r).await?;
            let message = if r.feeling == "need_help" {
                "Your reflection is saved. A coordinator will see that you would like some help."
            } else {
                "Your reflection is saved. It will be shown when you prepare the next meeting."
            };
            Ok(redirect_with(&format!("/meetings/{id}"), message))
        }
        Err(e) => {
            reflection_page(
                &state,
                &me,
                &cookies,
                id,
                Some(Form::with_errors(raw, e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn answer_help(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(reflection_id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    state.store.answer_help_request(&me, reflection_id).await?;
    Ok(redirect_with("/", "Marked as answered."))
}

#[derive(Template)]
#[template(path = "meetings/concerns.html")]
struct ConcernsPage {
    page: Page,
    group: Group,
    meeting: Option<Meeting>,
    concerns: Vec<Concern>,
    members: Vec<Member>,
    form: Form,
}

impl ConcernsPage {
    fn when(&self, ts: &i64) -> String {
        when(*ts, &self.group.timezone)
    }
    fn action(&self) -> String {
        match &self.meeting {
            Some(m) => format!("/meetings/{}/concerns", m.id),
            None => format!("/groups/{}/concerns", self.group.id),
        }
    }
    fn member_selected(&self, id: &i64) -> bool {
        self.form.value("member_id") == id.to_string()
    }
}

async fn concerns_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group_id: i64,
    meeting: Option<Meeting>,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let group = state.store.group_for(me, group_id).await?;
    let access = state.store.group(me, group_id).await?;
    let concerns = state.store.concerns_of(&access, None).await?;
    let members = state
        .store
        .members_of(
            &access,
            &MemberFilter {
                status: "all".into(),
                ..Default::default()
            },
        )
        .await?;
    render_status(
        status,
        &ConcernsPage {
            page: staff_page(&format!("Concerns: {}", group.name), me, cookies, "groups"),
            group,
            meeting,
            concerns,
            members,
            form,
        },
    )
}

pub async fn group_concerns(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<i64>,
) -> AppResult<Response> {
    concerns_page(
        &state,
        &me,
        &cookies,
        group_id,
        None,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

pub async fn meeting_concerns(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let m = state.store.meeting_for(&me, id).await?;
    concerns_page(
        &state,
        &me,
        &cookies,
        m.group_id,
        Some(m),
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

async fn record_concern(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group_id: i64,
    meeting: Option<MeetingAccess>,
    raw: RawInput,
) -> AppResult<Response> {
    let back = match &meeting {
        Some(m) => format!("/meetings/{}/concerns", m.id),
        None => format!("/groups/{group_id}/concerns"),
    };
    match ConcernInput::try_from(&raw) {
        Ok(c) => {
            let group = state.store.group(me, group_id).await?;
            state
                .store
                .add_concern(&group, meeting.as_ref(), &c)
                .await?;
            Ok(redirect_with(
                &back,
                "The concern has been recorded. Coordinators can see it.",
            ))
        }
        Err(e) => {
            concerns_page(
                state,
                me,
                cookies,
                group_id,
                meeting.map(MeetingAccess::into_meeting),
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn add_group_concern(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    state.store.group(&me, group_id).await?;
    record_concern(&state, &me, &cookies, group_id, None, raw).await
}

pub async fn add_meeting_concern(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    let group_id = m.group_id;
    record_concern(&state, &me, &cookies, group_id, Some(m), raw).await
}

// --- agendas --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "meetings/agenda.html")]
struct AgendaPage {
    page: Page,
    group: Group,
    /// Some for one meeting's agenda; None for the group's template.
    meeting: Option<Meeting>,
    steps: Vec<AgendaStep>,
    kinds: [(&'static str, &'static str); 9],
    /// The step whose form came back with errors (its id, or -1 for the new-step form).
    failed: i64,
    form: Form,
}

impl AgendaPage {
    fn base(&self) -> String {
        match &self.meeting {
            Some(m) => format!("/meetings/{}/agenda", m.id),
            None => format!("/groups/{}/agenda", self.group.id),
        }
    }
    /// Template steps are addressed by id, a meeting's steps by position.
    fn key(&self, step: &AgendaStep) -> i64 {
        if self.meeting.is_some() {
            step.position
        } else {
            step.id
        }
    }
    fn total(&self) -> i64 {
        self.steps.iter().map(|s| s.minutes).sum()
    }
    fn step_form(&self, step: &AgendaStep) -> Form {
        if self.failed == self.key(step) {
            return self.form.clone();
        }
        let mut raw = RawInput::default();
        raw.set("title", &step.title);
        raw.set("minutes", step.minutes.to_string());
        raw.set("purpose", &step.purpose);
        raw.set("prompts", &step.prompts);
        raw.set("kind", &step.kind);
        raw.set("from_second_meeting", step.from_second_meeting.to_string());
        Form::from_raw(raw)
    }
    fn new_form(&self) -> Form {
        if self.failed == -1 {
            self.form.clone()
        } else {
            Form::blank()
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn agenda_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group_id: i64,
    meeting: Option<MeetingAccess>,
    failed: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let group = state.store.group_for(me, group_id).await?;
    let steps = match &meeting {
        Some(m) => state.store.meeting_steps(m).await?,
        None => {
            let access = state.store.group(me, group_id).await?;
            state.store.agenda_template(&access).await?
        }
    };
    let title = if meeting.is_some() {
        "This meeting's agenda".to_string()
    } else {
        format!("Agenda for {}", group.name)
    };
    render_status(
        status,
        &AgendaPage {
            page: staff_page(&title, me, cookies, "groups"),
            group,
            meeting: meeting.map(MeetingAccess::into_meeting),
            steps,
            kinds: STEP_KINDS,
            failed,
            form,
        },
    )
}

pub async fn group_agenda(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<i64>,
) -> AppResult<Response> {
    agenda_page(
        &state,
        &me,
        &cookies,
        group_id,
        None,
        i64::MIN,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

pub async fn meeting_agenda(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    agenda_page(
        &state,
        &me,
        &cookies,
        m.group_id(),
        Some(m),
        i64::MIN,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

/// Adds, changes, moves or removes a step of a group's template (`step` = 0 adds).
pub async fn group_agenda_change(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path((group_id, step_id)): Path<(i64, i64)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group(&me, group_id).await?;
    let back = format!("/groups/{group_id}/agenda");
    match raw.text("do").as_str() {
        "reset" => {
            state.store.reset_agenda_template(&group).await?;
            return Ok(redirect_with(
                &back,
                "The agenda is back to the guide's steps.",
            ));
        }
        "delete" => {
            state.store.delete_template_step(&group, step_id).await?;
            return Ok(redirect_with(&back, "The step has been removed."));
        }
        "up" | "down" => {
            state
                .store
                .move_template_step(&group, step_id, raw.text("do") == "up")
                .await?;
            return Ok(redirect_with(
                &format!("{back}#step-{step_id}"),
                "The step has been moved.",
            ));
        }
        _ => {}
    }
    let failed = if step_id == 0 { -1 } else { step_id };
    match StepInput::try_from(&raw) {
        Ok(s) if step_id == 0 => {
            state.store.add_template_step(&group, &s).await?;
            Ok(redirect_with(&back, "The step has been added."))
        }
        Ok(s) => {
            state
                .store
                .update_template_step(&group, step_id, &s)
                .await?;
            Ok(redirect_with(
                &format!("{back}#step-{step_id}"),
                "The step has been saved.",
            ))
        }
        Err(e) => {
            agenda_page(
                &state,
                &me,
                &cookies,
                group_id,
                None,
                failed,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Changes this meeting's own agenda (`position` = -1 adds a step).
pub async fn meeting_agenda_change(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path((id, position)): Path<(i64, i64)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    let back = format!("/meetings/{id}/agenda");
    if raw.text("do") == "delete" {
        state.store.delete_meeting_step(&m, position).await?;
        return Ok(redirect_with(
            &back,
            "The step has been removed from this meeting.",
        ));
    }
    match StepInput::try_from(&raw) {
        Ok(s) if position < 0 => {
            state.store.add_meeting_step(&m, &s).await?;
            Ok(redirect_with(
                &back,
                "The step has been added to this meeting.",
            ))
        }
        Ok(s) => {
            state.store.update_meeting_step(&m, position, &s).await?;
            Ok(redirect_with(
                &format!("{back}#step-{position}"),
                "The step has been saved for this meeting.",
            ))
        }
        Err(e) => {
            let group_id = m.group_id();
            agenda_page(
                &state,
                &me,
                &cookies,
                group_id,
                Some(m),
                if position < 0 { -1 } else { position },
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A print stylesheet naming the group and the meeting's date at the top of every printed page.
pub async fn print_css(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let meeting = state.store.meeting_for(&me, id).await?;
    let group = state.store.group_for(&me, meeting.group_id).await?;
    let text = css_string(&format!("{} · {}", group.name, meeting.date_label()));
    let body = format!("@page {{ @top-left {{ content: \"{text}\"; font-size: 10pt; }} }}\n");
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    Ok(res)
}

/// Text made safe inside a CSS string: quotes and backslashes escaped, line breaks and other
/// control characters dropped, and "<" escaped so nothing can close a style element.
fn css_string(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\22 "),
            '\\' => out.push_str("\\5c "),
            '<' => out.push_str("\\3c "),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_strings_cannot_break_out() {
        assert_eq!(
            css_string("A \"B\" \\ <C>\n"),
            "A \\22 B\\22  \\5c  \\3c C> "
        );
        assert_eq!(clock_words(12, 15, ""), "12 of 15 minutes");
        assert_eq!(clock_words(18, 15, ""), "3 minutes over the 15 planned");
        assert_eq!(clock_words(16, 15, ""), "1 minute over the 15 planned");
    }
}

// --- series ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "meetings/series.html")]
struct SeriesPage {
    page: Page,
    group: Group,
    form: Form,
    venues: Vec<Venue>,
}

impl SeriesPage {
    fn venue_selected(&self, id: &i64) -> bool {
        self.form.value("venue_id") == id.to_string()
    }
}

async fn series_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group: Group,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let venues = state.store.venues().await?;
    render_status(
        status,
        &SeriesPage {
            page: staff_page(
                &format!("Plan a series for {}", group.name),
                me,
                cookies,
                "groups",
            ),
            group,
            form,
            venues,
        },
    )
}

pub async fn series_new(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<i64>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut raw = RawInput::default();
    raw.set("repeat", "monthly_weekday");
    raw.set("count", "6");
    raw.set("duration_minutes", group.usual_meeting_length.to_string());
    if let Some(v) = group.usual_venue_id {
        raw.set("venue_id", v.to_string());
    }
    series_page(
        &state,
        &me,
        &cookies,
        group,
        Form::from_raw(raw),
        StatusCode::OK,
    )
    .await
}

/// Plans every meeting of a series at once from plain choices (weekly, fortnightly, the same
/// weekday or date each month; how many).
pub async fn series_create(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut e = FieldErrors::new();
    let first = crate::domain::optional_date(&raw, "first_date", &mut FieldErrors::new());
    let rule = crate::domain::series::rule_from_choices(&raw, first, &mut e);
    let planned = crate::domain::series::plan_series(
        &raw,
        rule.as_deref().unwrap_or("FREQ=WEEKLY;COUNT=1"),
        &group.timezone,
        group.usual_meeting_length,
        None,
    );
    let meetings = match planned {
        Ok(m) if e.is_empty() => m,
        Ok(_) => {
            return series_page(
                &state,
                &me,
                &cookies,
                group,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(more) => {
            for f in more.0 {
                if e.get(&f.field).is_none() && f.field != "rrule" {
                    e.add(&f.field, f.message);
                }
            }
            return series_page(
                &state,
                &me,
                &cookies,
                group,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let rule = rule.unwrap_or_default();
    let scope = state.store.group(&me, group_id).await?;
    match state.store.create_series(&scope, &rule, &meetings).await {
        Ok((_, ids)) => Ok(redirect_with(
            &format!("/groups/{group_id}/meetings"),
            &format!(
                "{} meetings are planned. Each one can be moved or cancelled on its own.",
                ids.len()
            ),
        )),
        Err(StoreError::Conflict(Conflict::NoSuchVenue)) => {
            let e = FieldErrors::single("venue_id", "That venue no longer exists. Choose another.");
            series_page(
                &state,
                &me,
                &cookies,
                group,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

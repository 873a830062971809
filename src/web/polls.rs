//! Availability polls for staff: offering dates, the results grid, recording an answer given
//! by phone, and closing the poll on the option that suits everyone.

use crate::domain::ids::MeetingId;
use crate::domain::ids::MemberId;
use crate::domain::ids::{GroupId, PollId, VenueId};
use crate::paths;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::account::staff_page;
use super::{CheckedForm, Cookies, CurrentStaff, Form, Page, redirect_with, render_status};
use crate::AppState;
use crate::domain::access::Staff;
use crate::domain::group::Group;
use crate::domain::poll::{Availability, MAX_OPTIONS, Poll, PollInput, PollResults, ResponseInput};
use crate::domain::venue::Venue;
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::{Conflict, JobStatus, StoreError};

#[derive(Template)]
#[template(path = "polls/new.html")]
struct NewPage {
    page: Page,
    group: Group,
    form: Form,
    venues: Vec<Venue>,
    rows: Vec<usize>,
}

impl NewPage {
    fn venue_selected(&self, row: &usize, id: &VenueId) -> bool {
        self.form
            .is(&format!("options.{row}.venue_id"), &id.to_string())
    }
    fn field(&self, row: &usize, name: &str) -> String {
        format!("options.{row}.{name}")
    }
}

async fn new_page(
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
        &NewPage {
            page: staff_page(
                &format!("Ask {} when suits", group.name),
                me,
                cookies,
                "groups",
            ),
            group,
            form,
            venues,
            rows: (0..MAX_OPTIONS.min(4)).collect(),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    meeting: Option<i64>,
}

pub async fn new(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut raw = RawInput::default();
    for row in 0..4 {
        if let Some(v) = group.usual_venue_id {
            raw.set(&format!("options.{row}.venue_id"), v.to_string());
        }
    }
    if let Some(m) = q.meeting {
        raw.set("from_meeting_id", m.to_string());
    }
    new_page(
        &state,
        &me,
        &cookies,
        group,
        Form::from_raw(raw),
        StatusCode::OK,
    )
    .await
}

/// Opens a poll. From the run-sheet (`back` given) the facilitator returns there.
pub async fn create(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    // The run-sheet's hidden field: empty, or a meeting's id; anything else is refused, not
    // read as "not from a meeting".
    let from_meeting = match raw.text("from_meeting_id").trim() {
        "" => None,
        id => Some(id.parse::<MeetingId>().map_err(|_| {
            AppError::BadRequest("The form named a meeting that is not a number.".into())
        })?),
    };
    if let Some(m) = from_meeting
        && state.store.meeting_for(&me, m).await?.group_id != group_id
    {
        return Err(AppError::NotFound);
    }
    let parsed = PollInput::parse(
        &raw,
        &group.timezone,
        group.usual_meeting_length,
        group.usual_venue_id,
        crate::store::now(),
    );
    let input = match parsed {
        Ok(p) => p,
        Err(e) => {
            return new_page(
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
    let scope = state.store.group(&me, group_id).await?;
    let id = state
        .store
        .create_poll(&scope, &input, from_meeting)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(Conflict::NoSuchVenue) => AppError::Invalid(FieldErrors::single(
                "options",
                "One of the venues no longer exists. Choose another.",
            )),
            other => other.into(),
        })?;
    let outcome = crate::mail::poll_opened(&state, id).await?;
    let back = raw.text("back");
    let back = if back.starts_with("/meetings/") {
        back
    } else {
        paths::poll(id)
    };
    Ok(redirect_with(
        &back,
        &format!(
            "The poll is open. Members can answer from their personal links. {}",
            outcome.sentence()
        ),
    ))
}

#[derive(Template)]
#[template(path = "polls/show.html")]
struct ShowPage {
    page: Page,
    group: Group,
    poll: Poll,
    results: PollResults,
    answer_form: Form,
    close_form: Form,
    answers: &'static [(&'static str, &'static str)],
    meeting_label: Option<String>,
    /// Dates on which the group already has a meeting planned.
    planned_dates: Vec<String>,
}

impl ShowPage {
    fn clashes(&self, option_id: &i64) -> bool {
        self.results.options.iter().any(|o| {
            o.option.id == *option_id
                && self.poll.chosen_option_id != Some(*option_id)
                && self.planned_dates.contains(&o.option.local_date)
        })
    }
    fn chosen(&self, option_id: &i64) -> bool {
        self.poll.chosen_option_id == Some(*option_id)
    }
    fn close_selected(&self, option_id: &i64) -> bool {
        match self.close_form.raw.get("option_id") {
            Some(v) => v == option_id.to_string(),
            None => self.results.best == Some(*option_id),
        }
    }
    fn answer_field(&self, option_id: &i64) -> String {
        format!("answers.{option_id}")
    }
    fn answer_is(&self, option_id: &i64, answer: &str) -> bool {
        self.answer_form.is(&format!("answers.{option_id}"), answer)
    }
    fn member_selected(&self, member_id: &MemberId) -> bool {
        self.answer_form.is("member_id", &member_id.to_string())
    }
    fn everyone(&self) -> Vec<(MemberId, String)> {
        let mut all: Vec<(MemberId, String)> = self
            .results
            .rows
            .iter()
            .map(|r| (r.member_id, r.member_name.clone()))
            .chain(self.results.not_answered.iter().cloned())
            .collect();
        all.sort_by_key(|(_, n)| n.to_lowercase());
        all
    }
}

#[allow(clippy::too_many_arguments)]
async fn show_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    poll_id: PollId,
    answer_form: Form,
    close_form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let poll = state.store.poll_for(me, poll_id).await?;
    let group = state.store.group_for(me, poll.group_id).await?;
    let results = crate::app::polls::results(state, &poll).await?;
    let meeting_label = match poll.meeting_id {
        Some(id) => {
            let m = state.store.meeting_for(me, id).await?;
            Some(format!("{}, {}", m.date_label(), m.time_label()))
        }
        None => None,
    };
    let scope = state.store.group(me, group.id).await?;
    let planned_dates = state
        .store
        .coming_meetings_of(&scope, crate::store::now() - 12 * 3600, 50)
        .await?
        .into_iter()
        .filter(|nm| !nm.meeting.is_cancelled() && Some(nm.meeting.id) != poll.meeting_id)
        .map(|nm| nm.meeting.local_date)
        .collect();
    render_status(
        status,
        &ShowPage {
            planned_dates,
            page: staff_page(&poll.title, me, cookies, "groups"),
            group,
            poll: poll.into_poll(),
            results,
            answer_form: answer_form.part("answer"),
            close_form: close_form.part("close"),
            answers: Availability::CHOICES,
            meeting_label,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(poll_id): Path<PollId>,
) -> AppResult<Response> {
    show_page(
        &state,
        &me,
        &cookies,
        poll_id,
        Form::blank(),
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

/// A facilitator records the answers a member gave by phone or in person.
pub async fn record_answer(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(poll_id): Path<PollId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let poll = state.store.poll_for(&me, poll_id).await?;
    let options = state.store.poll_options(&poll).await?;
    let member_id = raw.text("member_id").parse::<MemberId>().ok();
    let parsed = ResponseInput::parse(&raw, &options);
    let (member_id, input) = match (member_id, parsed) {
        (Some(m), Ok(input)) => (m, input),
        (m, parsed) => {
            let mut e = parsed.err().unwrap_or_default();
            if m.is_none() {
                e.0.insert(
                    0,
                    crate::domain::FieldError {
                        field: "member_id".into(),
                        message: "Choose whose answer this is.".into(),
                    },
                );
            }
            return show_page(
                &state,
                &me,
                &cookies,
                poll_id,
                Form::with_errors(raw, e),
                Form::blank(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state.store.answer_poll(&poll, member_id, &input).await {
        Ok(()) => Ok(redirect_with(
            &paths::poll(poll_id),
            "The answer has been recorded.",
        )),
        Err(StoreError::Conflict(Conflict::PollClosed)) => Err(AppError::BadRequest(
            "This poll is closed, so answers can no longer change.".into(),
        )),
        Err(StoreError::NotFound) => {
            show_page(
                &state,
                &me,
                &cookies,
                poll_id,
                Form::with_errors(
                    raw,
                    FieldErrors::single("member_id", "Choose a member of this group."),
                ),
                Form::blank(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Closes the poll on one option: the meeting is planned and everyone is told.
pub async fn close(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(poll_id): Path<PollId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let Ok(option_id) = raw.text("option_id").parse::<i64>() else {
        return show_page(
            &state,
            &me,
            &cookies,
            poll_id,
            Form::blank(),
            Form::with_errors(
                raw,
                FieldErrors::single("option_id", "Choose the date to meet on."),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let poll = state.store.poll_for(&me, poll_id).await?;
    match crate::app::polls::close(&state, &poll, option_id).await {
        Ok((meeting_id, outcome)) => Ok(redirect_with(
            &paths::meeting(meeting_id),
            &format!(
                "The poll is closed and the meeting is planned. {}",
                outcome.sentence()
            ),
        )),
        Err(StoreError::Conflict(Conflict::PollClosed)) => Err(AppError::BadRequest(
            "This poll has been closed already.".into(),
        )),
        Err(StoreError::Conflict(Conflict::NoSuchOption)) => {
            show_page(
                &state,
                &me,
                &cookies,
                poll_id,
                Form::blank(),
                Form::with_errors(
                    raw,
                    FieldErrors::single("option_id", "Choose one of the poll's dates."),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Emails a reminder to members who use email and have not answered yet.
pub async fn remind(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(poll_id): Path<PollId>,
    CheckedForm(_raw): CheckedForm,
) -> AppResult<Response> {
    let poll = state.store.poll_for(&me, poll_id).await?;
    if !poll.is_open() {
        return Err(AppError::BadRequest(
            "This poll is closed, so there is nothing to remind people about.".into(),
        ));
    }
    let outcome = crate::mail::poll_reminder(&state, poll_id).await?;
    let message = match outcome {
        crate::mail::Outcome::Queued(0) => {
            "Everyone who uses email has answered (or was reminded today already), so no reminder was sent.".to_string()
        }
        other => other.sentence(),
    };
    Ok(redirect_with(&paths::poll(poll_id), &message))
}

#[derive(Template)]
#[template(path = "polls/mail.html")]
struct MailPage {
    page: Page,
    group: Group,
    jobs: Vec<crate::store::Job>,
    configured: bool,
    timezone: String,
}

impl MailPage {
    fn when(&self, ts: &i64) -> String {
        super::when(*ts, &self.timezone)
    }
}

/// The group's email: what was sent, what is waiting, and what failed and why.
pub async fn mail_log(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let scope = state.store.group(&me, group_id).await?;
    let jobs = state.store.jobs_of_group(&scope, 200).await?;
    let timezone = group.timezone.clone();
    render_status(
        StatusCode::OK,
        &MailPage {
            page: staff_page(
                &format!("Email for {}", group.name),
                &me,
                &cookies,
                "groups",
            ),
            group,
            jobs,
            configured: state.config.smtp_url.is_some(),
            timezone,
        },
    )
}

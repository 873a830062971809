//! The run-sheet: the steps with their clocks, saving what is typed, starting and ending the meeting (each asked first and undoable), and the state other devices poll.

use super::*;
use crate::domain::ids::MemberId;
use crate::domain::ids::{MeetingId, VenueId};
use crate::domain::member::StoryConsent;
use crate::paths;

/// This part's routes, merged into the router by `meetings::routes`.
pub(super) fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(paths::MEETING_START, post(start))
        .route(
            paths::MEETING_RUN,
            get(run).route_layer(cached(state, cache::meeting_page)),
        )
        .route(paths::MEETING_RUN_STEP, post(go_to_step))
        .route(paths::MEETING_RUN_STEPS, post(save_step))
        .route("/meetings/{id}/round-up", post(save_round_up))
        .route(paths::MEETING_END, get(end_page).post(end))
        .route(paths::MEETING_UNSTART, post(unstart))
        .route(paths::MEETING_REOPEN, post(reopen))
        .route("/meetings/{id}/state", get(state_json))
}

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
    content: crate::web::topics::ContentStep,
    outcomes: &'static [(&'static str, &'static str)],
    /// The "next meeting" form, as typed when it came back with a problem.
    next_form: Form,
    venues: Vec<Venue>,
    open_polls: Vec<crate::domain::poll::Poll>,
    /// Shown as the copy a phone keeps for no signal, without members' needs.
    hide_needs: bool,
}

impl RunPage {
    fn next_venue_selected(&self, id: &VenueId) -> bool {
        match self.next_form.raw.get("venue_id") {
            Some(v) => v == id.to_string(),
            None => self.meeting.venue_id == Some(*id),
        }
    }
    fn suits(&self, member_id: &MemberId) -> bool {
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
    fn kind(&self) -> StepKind {
        self.step().map_or(StepKind::General, |s| s.kind)
    }
    /// What the phone keeps for running this meeting with no signal (static/sw.js): each step
    /// as `?step=N`, the sign-in list and sheet, "End the meeting?" while it is under way, and
    /// our own files. Members' needs are left out of the steps unless the facilitator chooses
    /// to keep them (the script adds `needs=hide` otherwise).
    fn offline_keep(&self) -> String {
        let id = self.meeting.id;
        let run = paths::meeting_run(id);
        let mut keep = offline_pages(id);
        if self.meeting.is_under_way() {
            keep.push(paths::meeting_end(id));
        }
        keep.extend((0..self.steps.len()).map(|i| format!("{run}?step={i}")));
        keep.join(" ")
    }
}

/// What the phone keeps of a meeting from the run-sheet and the sign-in list alike: the
/// sign-in list, the sign-in sheet with its print styles, and our own files.
pub(super) fn offline_pages(id: MeetingId) -> Vec<String> {
    let mut keep = vec![
        paths::meeting_sign_in(id),
        paths::meeting_sign_in_sheet(id),
        paths::meeting_print_css(id),
    ];
    for file in [
        "/static/hearth.css",
        "/static/hearth.js",
        "/static/favicon.svg",
    ] {
        keep.push(file.to_string());
    }
    keep
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

/// `?step=N`: the run-sheet showing step N (counted from 0) with its clock at nought, changing
/// nothing. The service worker keeps one of each, so that with no signal the phone can still
/// move between steps.
#[derive(Debug, Default, serde::Deserialize)]
pub struct StepView {
    step: Option<String>,
    /// `hide`: without members' needs (what the phone keeps unless the facilitator chooses).
    needs: Option<String>,
}

pub async fn run(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    Query(view): Query<StepView>,
) -> AppResult<Response> {
    let hide_needs = match view.needs.as_deref() {
        None => false,
        Some("hide") => true,
        Some(_) => return Err(AppError::BadRequest("needs= may only be hide.".into())),
    };
    let view = match view.step.as_deref() {
        None => None,
        Some(s) => Some(StepShown {
            step: s
                .parse::<usize>()
                .map_err(|_| AppError::BadRequest("Choose a step by its number.".into()))?,
            hide_needs,
        }),
    };
    run_page(
        &state,
        &me,
        &cookies,
        id,
        Form::blank(),
        StatusCode::OK,
        view,
    )
    .await
}

/// A step shown with `?step=N` (see `StepView`).
#[derive(Debug, Clone, Copy)]
pub(super) struct StepShown {
    step: usize,
    hide_needs: bool,
}

/// The run-sheet at its current step, or at the step `view` names.
pub(super) async fn run_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: MeetingId,
    next_form: Form,
    status: StatusCode,
    view: Option<StepShown>,
) -> AppResult<Response> {
    let me = me.clone();
    let access = state.store.meeting(&me, id).await?;
    let meeting = access.meeting().clone();
    if meeting.is_cancelled() {
        return Ok(redirect_with(
            &paths::meeting(id),
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
    let last = steps.len().saturating_sub(1);
    let current = (meeting.current_step.max(0) as usize).min(last);
    let index = view.map_or(current, |v| v.step.min(last));
    let mut meeting = meeting;
    if index != current {
        // Another step than the one under way: its clock starts when it is moved to.
        meeting.step_started_at = None;
    }
    let venue = match meeting.venue_id {
        Some(v) => state.store.venue(v).await.ok(),
        None => None,
    };
    let present_ids: Vec<MemberId> = present.iter().map(|p| p.member.id).collect();
    let kind = steps.get(index).map_or(StepKind::General, |st| st.kind);
    let content = crate::web::topics::content_for(state, &me, &access, kind, &present_ids).await?;
    let (venues, open_polls) = if kind == StepKind::NextMeeting {
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
            outcomes: crate::web::topics::OUTCOMES,
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
            hide_needs: view.is_some_and(|v| v.hide_needs),
        },
    )
}

/// The header with which the service worker says when an action kept on the phone was made
/// (milliseconds since 1970).
pub const MADE_AT: &str = "hearth-made-at";

/// Moves to a step (next, previous, or a chosen one), starting the meeting if needed. The
/// button belongs to the step's form, so what was typed there is saved first.
pub async fn go_to_step(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: HeaderMap,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let step: i64 = raw
        .text("step")
        .parse()
        .map_err(|_| AppError::BadRequest("Choose a step.".into()))?;
    let text = RunSheetText::parse(&raw, None).map_err(AppError::Invalid)?;
    let meeting = state.store.meeting(&me, id).await?;
    app::meetings::save_run_sheet(&state, &me, &meeting, &text).await?;
    // A move made with no signal and sent later says when it was made (static/sw.js).
    let made_at = headers
        .get(MADE_AT)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .map(|ms| ms.div_euclid(1000));
    state
        .store
        .go_to_step_made_at(&meeting, step, made_at)
        .await?;
    saved(&state, &me, &headers, id, &paths::meeting_run(id), "").await
}

/// Saves what the step's form holds: its checklist and notes, and the round-up and "since
/// last time" lines shown with it.
pub async fn save_step(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: HeaderMap,
    Path((id, position)): Path<(MeetingId, i64)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let text = RunSheetText::parse(&raw, Some(position)).map_err(AppError::Invalid)?;
    let meeting = state.store.meeting(&me, id).await?;
    app::meetings::save_run_sheet(&state, &me, &meeting, &text).await?;
    // "Add" in the brainstorm goes back to the brainstorm, with the topic on the list.
    let (to, message) = match &text.new_topic {
        Some(t) => (
            paths::meeting_run(id) + "#brainstorm",
            format!("\"{}\" is on the board.", t.title),
        ),
        None => (paths::meeting_run(id) + "#notes", "Saved.".to_string()),
    };
    saved(&state, &me, &headers, id, &to, &message).await
}

pub async fn save_round_up(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: HeaderMap,
    Path(id): Path<MeetingId>,
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
        &(paths::meeting_run(id) + "#round-up"),
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
    Path(id): Path<MeetingId>,
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
            action: paths::meeting_start(id),
            yes: "Start it now",
            no: "Not now",
            back: paths::meeting(id),
            question,
            meeting: m.clone(),
            group,
        });
    }
    match app::meetings::change_status(&state, &access, MeetingEvent::Start, "").await? {
        Ok(_) => Ok(Redirect::to(&paths::meeting_run(id)).into_response()),
        // A page from before the meeting ended (another device ended it): its record is
        // where the facilitator wants to be, with the reason on top.
        Err(why @ Refusal::StartHeld) => {
            Ok(redirect_with(&paths::meeting_notes(id), &why.to_string()))
        }
        Err(why) => Err(app::meetings::refused(why)),
    }
}

/// Ends a meeting, after saving what the run-sheet carried and asking to confirm.
pub async fn end(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let text = RunSheetText::parse(&raw, None).map_err(AppError::Invalid)?;
    let access = state.store.meeting(&me, id).await?;
    app::meetings::save_run_sheet(&state, &me, &access, &text).await?;
    if !confirmed(&raw) {
        return end_question(&state, &me, &cookies, &access, !text.is_empty()).await;
    }
    app::meetings::change_status(&state, &access, MeetingEvent::End, "")
        .await?
        .map_err(app::meetings::refused)?;
    Ok(redirect_with(
        &paths::meeting_notes(id),
        "The meeting has ended and is marked as held. Here is its record. If you ended it by mistake, you can open it again below.",
    ))
}

/// "End the meeting?", asked before it is ended (`saved`: what the run-sheet carried was saved
/// on the way).
async fn end_question(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    access: &crate::store::MeetingAccess,
    saved: bool,
) -> AppResult<Response> {
    let m = access.meeting().clone();
    let id = m.id;
    let group = state.store.group_for(me, m.group_id).await?;
    if m.is_held() {
        return Ok(Redirect::to(&paths::meeting_notes(id)).into_response());
    }
    // Nothing to ask about when the answer would be no.
    if let crate::domain::meeting_status::Transition::Refused(why) =
        m.status.on_day(MeetingEvent::End, m.day(), m.today_there())
    {
        return Err(app::meetings::refused(why));
    }
    let question = "End the meeting?".to_string();
    render(&ConfirmPage {
        page: staff_page(&question, me, cookies, "groups"),
        explain: vec![
            "Hearth will mark it as held and keep who signed in. Its record starts from the notes you made and what people said at the end, and you can add to it afterwards.".into(),
            "If you end it by mistake, you can open it again from its record.".into(),
        ],
        saved,
        action: paths::meeting_end(id),
        yes: "Yes, end the meeting",
        no: "No, go back to the meeting",
        back: paths::meeting_run(id),
        question,
        meeting: m,
        group,
    })
}

/// The same question as a page of its own, which the phone keeps for when there is no signal.
pub async fn end_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    let access = state.store.meeting(&me, id).await?;
    end_question(&state, &me, &cookies, &access, false).await
}

/// Undoes a start made by mistake: the meeting is planned again, as if never started.
pub async fn unstart(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MeetingId>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    undo(&state, &me, id, MeetingEvent::Unstart).await
}

/// Reopens a meeting ended by mistake: under way again, its run-sheet where it was.
pub async fn reopen(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MeetingId>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    undo(&state, &me, id, MeetingEvent::Reopen).await
}

async fn undo(
    state: &AppState,
    me: &Staff,
    id: MeetingId,
    event: MeetingEvent,
) -> AppResult<Response> {
    let meeting = state.store.meeting(me, id).await?;
    app::meetings::change_status(state, &meeting, event, "")
        .await?
        .map_err(app::meetings::refused)?;
    Ok(if event == MeetingEvent::Reopen {
        redirect_with(
            &paths::meeting_run(id),
            "The meeting is open again. End it when you are ready.",
        )
    } else {
        redirect_with(
            &paths::meeting(id),
            "The meeting is planned again, as if it had not started.",
        )
    })
}

/// The meeting's version, so another device's script can tell when to refresh.
pub async fn state_json(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    let m = state.store.meeting_for(&me, id).await?;
    Ok(Json(serde_json::json!({ "version": m.version, "current_step": m.current_step, "status": m.status })).into_response())
}

// --- sign-in ------------------------------------------------------------------------------

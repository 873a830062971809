//! The topic board and library, members' action plans and their reviews, and the run-sheet's
//! content steps (goals, brainstorm and votes, "since last time").

use crate::domain::ids::MemberId;
use crate::domain::ids::{GroupId, MeetingId, PlanId, TopicId};
use crate::paths;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::account::staff_page;
use super::{CheckedForm, Cookies, CurrentStaff, Form, Page, redirect_with, render_status};
use crate::AppState;
use crate::domain::access::Staff;
use crate::domain::group::Group;
use crate::domain::meeting::StepKind;
use crate::domain::member::Member;
use crate::domain::topic::{
    ActionPlan, BoardTopic, PlanInput, PlanOutcome, PlanReview, ReviewInput, TopicInput,
    TopicStatus,
};
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::{Conflict, MeetingSummary, MemberFilter, StoreError, now};

fn back_to(raw: &RawInput, fallback: &str) -> String {
    let b = raw.text("back");
    super::local_path(&b).unwrap_or(fallback).to_string()
}

// --- the board --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "topics/board.html")]
struct BoardPage {
    page: Page,
    group: Group,
    topics: Vec<BoardTopic>,
    next_meetings: Vec<MeetingSummary>,
    form: Form,
}

impl BoardPage {
    fn on_board(&self) -> Vec<&BoardTopic> {
        self.topics
            .iter()
            .filter(|t| t.on_board() && t.status != TopicStatus::SetAside)
            .collect()
    }
    fn set_aside(&self) -> Vec<&BoardTopic> {
        self.topics
            .iter()
            .filter(|t| t.status == TopicStatus::SetAside)
            .collect()
    }
    fn library(&self) -> Vec<&BoardTopic> {
        self.topics
            .iter()
            .filter(|t| !t.on_board() && !t.retired)
            .collect()
    }
    /// The planned meeting an agreed topic is for, when it is one still to come.
    fn agreed_meeting(&self, t: &&BoardTopic) -> Option<&MeetingSummary> {
        self.next_meetings
            .iter()
            .find(|nm| Some(nm.meeting.id) == t.meeting_id)
    }
    fn covered_label(&self, t: &&BoardTopic) -> String {
        t.last_covered_at
            .map(|ts| super::when(ts, &self.group.timezone))
            .unwrap_or_default()
    }
}

async fn board_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group_id: GroupId,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let group = state.store.group_for(me, group_id).await?;
    let scope = state.store.group(me, group_id).await?;
    let topics = state.store.group_topics(&scope).await?;
    let cutoff = now() - 12 * 3600;
    let next_meetings = state.store.coming_meetings_of(&scope, cutoff, 4).await?;
    render_status(
        status,
        &BoardPage {
            page: staff_page(&format!("Topics: {}", group.name), me, cookies, "groups"),
            group,
            topics,
            next_meetings,
            form: form.part("topic"),
        },
    )
}

pub async fn board(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    board_page(
        &state,
        &me,
        &cookies,
        group_id,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

/// Proposes a topic by name (from the board or the run-sheet's brainstorm step).
pub async fn propose(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group(&me, group_id).await?;
    match TopicInput::try_from(&raw) {
        Ok(input) => {
            state.store.propose_topic(&group, &input).await?;
            let back = back_to(&raw, &paths::group_topics(group_id));
            Ok(redirect_with(
                &back,
                &format!("\"{}\" is on the board.", input.title),
            ))
        }
        Err(e) => {
            board_page(
                &state,
                &me,
                &cookies,
                group_id,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Acts on one topic: put it on the board, agree it for a meeting, set it aside, mark it
/// covered, or record a show of hands as votes.
pub async fn act(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path((group_id, topic_id)): Path<(GroupId, TopicId)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group(&me, group_id).await?;
    let topic = state.store.group_topic(&group, topic_id).await?;
    let back = back_to(&raw, &paths::group_topics(group_id));
    let message =
        match raw.text("do").as_str() {
            "board" | "proposed" => {
                state.store.put_on_board(&group, topic_id).await?;
                format!("\"{}\" is on the board.", topic.title)
            }
            "agree" => {
                let meeting_id: MeetingId = raw.text("meeting_id").parse().map_err(|_| {
                    AppError::BadRequest(
                    "Choose the meeting to agree the topic for. If there is none, plan it first."
                        .into(),
                )
                })?;
                let meeting = state.store.meeting(&me, meeting_id).await?;
                state.store.agree_topic(&group, topic_id, &meeting).await?;
                format!("\"{}\" is agreed for the next meeting.", topic.title)
            }
            "set_aside" => {
                state
                    .store
                    .set_topic_status(&group, topic_id, TopicStatus::SetAside)
                    .await?;
                format!("\"{}\" is kept for later.", topic.title)
            }
            "covered" => {
                state
                    .store
                    .set_topic_status(&group, topic_id, TopicStatus::Covered)
                    .await?;
                format!("\"{}\" is marked as covered.", topic.title)
            }
            "votes" => {
                let mut ids = Vec::new();
                for v in raw.all("member") {
                    ids.push(v.parse::<MemberId>().map_err(|_| {
                        AppError::BadRequest("Choose members from the list.".into())
                    })?);
                }
                state.store.record_votes(&group, topic_id, &ids).await?;
                format!(
                    "{} {} recorded for \"{}\".",
                    ids.len(),
                    if ids.len() == 1 { "vote" } else { "votes" },
                    topic.title
                )
            }
            _ => {
                return Err(AppError::BadRequest(
                    "Choose what to do with the topic.".into(),
                ));
            }
        };
    Ok(redirect_with(&back, &message))
}

#[derive(Template)]
#[template(path = "topics/topic.html")]
struct TopicPage {
    page: Page,
    group: Group,
    topic: BoardTopic,
    form: Form,
    can_edit: bool,
}

async fn topic_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group_id: GroupId,
    topic_id: TopicId,
    form: Option<Form>,
    status: StatusCode,
) -> AppResult<Response> {
    let group = state.store.group_for(me, group_id).await?;
    let scope = state.store.group(me, group_id).await?;
    let topic = state.store.group_topic(&scope, topic_id).await?;
    let form = form.unwrap_or_else(|| {
        let mut raw = RawInput::default();
        raw.set("title", &topic.title);
        raw.set("description", &topic.description);
        raw.set("prompts", &topic.prompts);
        raw.set("retired", topic.retired.to_string());
        Form::from_raw(raw)
    });
    let can_edit = topic.is_own() || me.is_coordinator();
    render_status(
        status,
        &TopicPage {
            page: staff_page(&topic.title, me, cookies, "groups"),
            group,
            topic,
            form,
            can_edit,
        },
    )
}

pub async fn topic(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path((group_id, topic_id)): Path<(GroupId, TopicId)>,
) -> AppResult<Response> {
    topic_page(
        &state,
        &me,
        &cookies,
        group_id,
        topic_id,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn edit_topic(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path((group_id, topic_id)): Path<(GroupId, TopicId)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group(&me, group_id).await?;
    let topic = state.store.group_topic(&group, topic_id).await?;
    // Who may change it is asked before what was typed is read: a library topic is the
    // coordinators' (the store refuses it too).
    if !topic.is_own() && !me.is_coordinator() {
        return Err(AppError::Forbidden);
    }
    // "Retire this topic" is a box: ticked or not, and nothing else.
    let mut retired_error = FieldErrors::new();
    let retired = crate::domain::flag(&raw, "retired", &mut retired_error);
    let parsed = TopicInput::try_from(&raw).and_then(|input| {
        if retired_error.is_empty() {
            Ok(input)
        } else {
            Err(retired_error)
        }
    });
    match parsed {
        Ok(input) => {
            match state
                .store
                .update_topic(&me, &group, topic_id, &input, retired)
                .await
            {
                Ok(()) => Ok(redirect_with(
                    &paths::group_topic(group_id, topic_id),
                    "The topic has been saved.",
                )),
                Err(StoreError::Conflict(Conflict::Duplicate(_))) => {
                    let e =
                        FieldErrors::single("title", "There is already a topic with this name.");
                    topic_page(
                        &state,
                        &me,
                        &cookies,
                        group_id,
                        topic_id,
                        Some(Form::with_errors(raw, e)),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await
                }
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => {
            topic_page(
                &state,
                &me,
                &cookies,
                group_id,
                topic_id,
                Some(Form::with_errors(raw, e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// --- action plans -------------------------------------------------------------------------

pub async fn add_plan(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(member_id): Path<MemberId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let owner = state.store.private_records(&me, member_id).await?;
    let back = back_to(&raw, &(paths::member(member_id) + "#goals"));
    match PlanInput::try_from(&raw) {
        Ok(p) => {
            let plan = state.store.create_plan(&owner, &p).await?;
            let message = if plan.low_confidence() {
                format!(
                    "The plan is saved. Confidence is {} out of 10: it may help to make the plan a little smaller, so it feels more likely.",
                    plan.confidence
                )
            } else {
                "The plan is saved.".to_string()
            };
            Ok(redirect_with(&back, &message))
        }
        Err(e) => {
            super::members::show_page(
                &state,
                &me,
                &cookies,
                member_id,
                super::members::MemberForms {
                    plan: Form::with_errors(raw, e),
                    ..Default::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "topics/plan.html")]
struct PlanPage {
    page: Page,
    member: Member,
    plan: ActionPlan,
    reviews: Vec<PlanReview>,
    outcomes: &'static [(&'static str, &'static str)],
    form: Form,
    timezone: String,
}

impl PlanPage {
    fn when(&self, ts: &i64) -> String {
        super::when(*ts, &self.timezone)
    }
}

async fn plan_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    plan_id: PlanId,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let plan = state.store.plan_for(me, plan_id).await?;
    let member = state.store.member_for(me, plan.member_id).await?;
    let group = state.store.group_for(me, member.group_id).await?;
    let reviews = state.store.reviews_of(&plan).await?;
    let plan = plan.plan().clone();
    render_status(
        status,
        &PlanPage {
            page: staff_page("Action plan", me, cookies, "groups"),
            member,
            plan,
            reviews,
            outcomes: PlanOutcome::CHOICES,
            form,
            timezone: group.timezone,
        },
    )
}

pub async fn plan(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(plan_id): Path<PlanId>,
) -> AppResult<Response> {
    plan_page(
        &state,
        &me,
        &cookies,
        plan_id,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

/// Reviews a plan: done, on track, changed or dropped, with an optional note; from the plan's
/// page or the run-sheet's goals step (then with the meeting).
pub async fn review(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    headers: HeaderMap,
    Path(plan_id): Path<PlanId>,
    CheckedForm(mut raw): CheckedForm,
) -> AppResult<Response> {
    let plan = state.store.plan_for(&me, plan_id).await?;
    // From the run-sheet's goals step: the note typed by this plan is the review's note, and
    // the rest of the step's form (its notes, other plans' notes) is kept as Next would.
    let own_note = format!("review_note.{plan_id}");
    if let Some(note) = raw.get(&own_note).map(str::to_string) {
        raw.set("note", note);
        raw.set(&own_note, "");
        if let Ok(meeting_id) = raw.text("meeting_id").parse::<MeetingId>() {
            let text = crate::domain::run_sheet::RunSheetText::parse(&raw, None)
                .map_err(AppError::Invalid)?;
            let meeting = state.store.meeting(&me, meeting_id).await?;
            crate::app::meetings::save_run_sheet(&state, &me, &meeting, &text).await?;
        }
    }
    let meeting = match raw.text("meeting_id").as_str() {
        "" => None,
        v => {
            let id: MeetingId = v
                .parse()
                .map_err(|_| AppError::BadRequest("Unknown meeting.".into()))?;
            Some(state.store.meeting(&me, id).await?)
        }
    };
    let back = back_to(&raw, &paths::plan(plan_id));
    // "Changed" asks for the plan as it is now before anything is kept.
    let change = if raw.text("outcome") != "changed" {
        None
    } else if raw.get("what").is_none() {
        let mut asked = plan.to_raw();
        asked.set("note", raw.text("note"));
        Some((Form::from_raw(asked), StatusCode::OK))
    } else {
        ReviewInput::try_from(&raw).err().map(|e| {
            (
                Form::with_errors(raw.clone(), e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        })
    };
    if let Some((form, status)) = change {
        let page = ChangeView {
            plan: &plan,
            meeting: meeting.as_ref(),
            back: &back,
        };
        return change_page(&state, &me, &cookies, page, form, status).await;
    }
    match ReviewInput::try_from(&raw) {
        Ok(r) => {
            state.store.review_plan(&plan, meeting.as_ref(), &r).await?;
            let _ = headers;
            Ok(redirect_with(
                &back,
                &format!("The review of \"{}\" is saved.", plan.what),
            ))
        }
        Err(e) => {
            plan_page(
                &state,
                &me,
                &cookies,
                plan_id,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "topics/change.html")]
struct ChangePage {
    page: Page,
    member_name: String,
    plan: ActionPlan,
    meeting_id: Option<MeetingId>,
    back: String,
    form: Form,
}

/// Whose plan the "changed" page is about, and where it goes back to.
struct ChangeView<'a> {
    plan: &'a crate::store::PlanAccess,
    meeting: Option<&'a crate::store::MeetingAccess>,
    back: &'a str,
}

/// "Changed": the plan's form, filled in with how it was, to say how it is now.
async fn change_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    view: ChangeView<'_>,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let member = state.store.member_for(me, view.plan.member_id).await?;
    render_status(
        status,
        &ChangePage {
            page: staff_page("The plan has changed", me, cookies, "groups"),
            member_name: member.preferred_name,
            plan: view.plan.plan().clone(),
            meeting_id: view.meeting.map(|m| m.id()),
            back: view.back.to_string(),
            form,
        },
    )
}

// --- since last time -----------------------------------------------------------------------

pub async fn save_checkin(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path((meeting_id, member_id)): Path<(MeetingId, MemberId)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let mut e = FieldErrors::new();
    let note = crate::domain::optional_text(&raw, "note", 1000, &mut e);
    // Private unless the facilitator unticks it; the form sends "private" only when ticked,
    // with "private_shown" telling that the box was there.
    let ticked = crate::domain::flag(&raw, "private", &mut e);
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let private = raw.get("private_shown").is_none() || ticked;
    let meeting = state.store.meeting(&me, meeting_id).await?;
    if let Err(refused) = state
        .store
        .save_checkin(&me, &meeting, member_id, &note, private)
        .await?
    {
        return Err(AppError::Invalid(FieldErrors::single(
            "note",
            refused.message(),
        )));
    }
    Ok(redirect_with(
        &(paths::meeting_run(meeting_id) + &format!("#checkin-{member_id}")),
        "Saved.",
    ))
}

/// Data the run-sheet shows in the content steps, loaded only for the step on screen.
pub struct ContentStep {
    pub topic: Option<BoardTopic>,
    pub proposed: Vec<BoardTopic>,
    pub next_meeting: Option<MeetingSummary>,
    /// (member, open plans) for those present.
    pub plans_present: Vec<(Member, Vec<ActionPlan>)>,
    /// (member, open plans) for those not here, to ring.
    pub plans_absent: Vec<(Member, Vec<ActionPlan>)>,
    pub checkins: Vec<crate::domain::topic::Checkin>,
    /// Follow-ups agreed at earlier meetings and not done yet (the welcome step).
    pub earlier_actions: Vec<crate::domain::meeting::OpenAction>,
    /// Reviews already recorded at this meeting (shown by their plans, to be corrected).
    pub reviews_today: Vec<PlanReview>,
    /// Each member's newest line from an earlier meeting, to follow up.
    pub last_time: Vec<crate::domain::topic::CheckinEntry>,
    /// False for coordinators who do not facilitate the group: goals and check-ins are private.
    pub private_ok: bool,
}

impl ContentStep {
    pub fn chosen_today(&self, plan_id: &PlanId, outcome: &&str) -> bool {
        self.review_today(plan_id)
            .is_some_and(|r| r.outcome.as_str() == *outcome)
    }
    pub fn review_today(&self, plan_id: &PlanId) -> Option<&PlanReview> {
        self.reviews_today.iter().find(|r| r.plan_id == *plan_id)
    }
    pub fn last_line(&self, member_id: &MemberId) -> Option<&crate::domain::topic::CheckinEntry> {
        self.last_time.iter().find(|c| c.member_id == *member_id)
    }
    pub fn checkin_for(&self, member_id: &MemberId) -> Option<&crate::domain::topic::Checkin> {
        self.checkins.iter().find(|c| c.member_id == *member_id)
    }
    /// Check-ins are private unless the facilitator said otherwise.
    pub fn checkin_private(&self, member_id: &MemberId) -> bool {
        self.checkin_for(member_id).is_none_or(|c| c.private)
    }
}

pub async fn content_for(
    state: &AppState,
    me: &Staff,
    meeting: &crate::store::MeetingAccess,
    kind: StepKind,
    present_ids: &[MemberId],
) -> AppResult<ContentStep> {
    let mut c = ContentStep {
        topic: None,
        proposed: Vec::new(),
        next_meeting: None,
        plans_present: Vec::new(),
        plans_absent: Vec::new(),
        checkins: Vec::new(),
        last_time: Vec::new(),
        reviews_today: Vec::new(),
        earlier_actions: Vec::new(),
        private_ok: state.store.facilitates(me, meeting.group_id).await?,
    };
    match kind {
        StepKind::Welcome => c.earlier_actions = state.store.open_actions_before(meeting).await?,
        StepKind::Topic => c.topic = state.store.agreed_topic(meeting).await?,
        StepKind::NextMeeting => {
            c.proposed = state
                .store
                .group_topics(meeting)
                .await?
                .into_iter()
                .filter(|t| {
                    t.status == TopicStatus::Proposed
                        || (t.is_agreed() && t.meeting_id != Some(meeting.id))
                })
                .collect();
            // The next meeting after this one that is still to happen (planned or under way).
            c.next_meeting = state
                .store
                .coming_meetings_of(&meeting.group(), meeting.starts_at, 3)
                .await?
                .into_iter()
                .find(|m| m.meeting.id != meeting.id && m.meeting.starts_at > meeting.starts_at);
        }
        StepKind::Goals if c.private_ok => {
            let plans = state
                .store
                .plans_to_review(me, &meeting.group(), Some(meeting))
                .await?;
            c.reviews_today = state.store.reviews_at(me, meeting).await?;
            let members = state
                .store
                .members_of(&meeting.group(), &MemberFilter::default())
                .await?;
            for m in members {
                let mine: Vec<ActionPlan> = plans
                    .iter()
                    .filter(|p| p.plan.member_id == m.id)
                    .map(|p| p.plan.clone())
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                if present_ids.contains(&m.id) {
                    c.plans_present.push((m, mine));
                } else {
                    c.plans_absent.push((m, mine));
                }
            }
        }
        StepKind::SinceLastTime if c.private_ok => {
            c.checkins = state.store.checkins_of(me, meeting).await?;
            c.last_time = state
                .store
                .last_checkins_before(me, meeting, present_ids)
                .await?;
        }
        _ => {}
    }
    Ok(c)
}

pub const OUTCOMES: &[(&str, &str)] = PlanOutcome::CHOICES;

//! A member's own page, reached through their personal link: no account and no password. The
//! link's token is the only key; it is stored hashed and can be revoked by staff.

use crate::domain::ids::{EventId, MeetingId, PollId, TopicId};
use crate::paths;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{CheckedForm, Cookies, Form, Page, redirect_with, render_status, when};
use crate::AppState;
use crate::auth::hash_token;
use crate::domain::RawInput;
use crate::domain::meeting::RsvpAnswer;
use crate::domain::member::{
    Consent, ConsentInput, ConsentKind, ContactPref, MemberInput, Need, StoryConsent,
};
use crate::domain::topic::TopicStatus;
use crate::error::{AppError, AppResult};
use crate::store::MemberLink;

#[derive(Template)]
#[template(path = "link/page.html")]
struct LinkPage {
    page: Page,
    token: String,
    member: MemberLink,
    group_name: String,
    timezone: String,
    form: Form,
    consents: Vec<Consent>,
    consent_kinds: &'static [(&'static str, &'static str)],
    needs: &'static [(&'static str, &'static str)],
    contacts: &'static [(&'static str, &'static str)],
    story: &'static [(&'static str, &'static str)],
    upcoming: Vec<(crate::domain::meeting::Meeting, Option<String>)>,
    topics: Vec<crate::domain::topic::BoardTopic>,
    my_votes: Vec<TopicId>,
    plans: Vec<crate::domain::topic::ActionPlan>,
    checkins: Vec<crate::domain::topic::CheckinEntry>,
    /// Staff who looked at or changed their record in the last twelve months: name, role, when.
    looked: Vec<(String, &'static str, String)>,
    plan_form: Form,
    topic_form: Form,
    polls: Vec<MemberPoll>,
    social: Vec<(crate::domain::social::SocialEvent, Option<String>)>,
    /// Recent meetings the member came to, with the feedback they gave (rating, comment) and
    /// its form.
    feedback_due: Vec<FeedbackDue>,
    ratings: [(i64, &'static str); 5],
    on_rota: bool,
    /// The meetings this member is down to host the refreshments for.
    hosting: Vec<MeetingId>,
    answer_choices: &'static [(&'static str, &'static str)],
    /// The venues of the coming meetings, so each meeting says where it is.
    venues: Vec<crate::domain::venue::Venue>,
}

/// A meeting the member came to, the feedback they gave (rating, comment) and its form.
type FeedbackDue = (crate::domain::meeting::Meeting, Option<(i64, String)>, Form);

/// An open poll as one member sees it: their own answers, and everyone's only when the
/// facilitator chose to show them.
struct MemberPoll {
    poll: crate::domain::poll::Poll,
    options: Vec<crate::domain::poll::PollOption>,
    my_comment: Option<String>,
    shared: Option<crate::domain::poll::PollResults>,
    /// Their answers as saved, or as typed when they came back with a problem.
    form: Form,
}

impl LinkPage {
    fn venue_of(
        &self,
        m: &crate::domain::meeting::Meeting,
    ) -> Option<&crate::domain::venue::Venue> {
        m.venue_id
            .and_then(|id| self.venues.iter().find(|v| v.id == id))
    }
    /// An address on one line ("14 Mill Lane, Hexley, HX2 4PL").
    fn one_line(&self, text: &str) -> String {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// The later meetings, after the next one (which has its own section at the top).
    fn later(&self) -> &[(crate::domain::meeting::Meeting, Option<String>)] {
        self.upcoming.get(1..).unwrap_or(&[])
    }
    /// Polls still waiting for this member's answer come first; answered ones further down.
    fn waiting_polls(&self) -> Vec<&MemberPoll> {
        self.polls
            .iter()
            .filter(|p| p.my_comment.is_none())
            .collect()
    }
    fn answered_polls(&self) -> Vec<&MemberPoll> {
        self.polls
            .iter()
            .filter(|p| p.my_comment.is_some())
            .collect()
    }
    /// The name an answer to one of a poll's dates is sent with, and whether it is chosen.
    fn poll_field(&self, mp: &MemberPoll, option_id: &i64) -> String {
        mp.form.name(&format!("answers.{option_id}"))
    }
    fn poll_was(&self, mp: &MemberPoll, option_id: &i64) -> String {
        mp.form.was(&format!("answers.{option_id}"))
    }
    fn poll_error(&self, mp: &MemberPoll, option_id: &i64) -> Option<String> {
        mp.form.error(&format!("answers.{option_id}"))
    }
    fn poll_checked(&self, mp: &MemberPoll, option_id: &i64, answer: &str) -> bool {
        mp.form.is(&format!("answers.{option_id}"), answer)
    }
    fn when(&self, ts: &i64) -> String {
        when(*ts, &self.timezone)
    }
    fn voted(&self, topic_id: &TopicId) -> bool {
        self.my_votes.contains(topic_id)
    }
    fn board(&self) -> Vec<&crate::domain::topic::BoardTopic> {
        self.topics
            .iter()
            .filter(|t| t.status == TopicStatus::Proposed || t.is_agreed())
            .collect()
    }
    fn has_current(&self, kind: &&str) -> bool {
        self.consents
            .iter()
            .any(|c| c.kind.as_str() == *kind && c.is_current())
    }
}

pub(super) async fn member_from(state: &AppState, token: &str) -> AppResult<MemberLink> {
    let member = state
        .store
        .member_by_link(&hash_token(token))
        .await?
        .ok_or_else(|| {
            AppError::Gone(
                "This link does not work any more. Please ask your group's facilitator for a new one.".into(),
            )
        })?;
    crate::request::note_who(|| format!("member:{}", member.id.get()));
    // A personal link has a budget of requests too (http/budget.rs), kept apart from staff's.
    state
        .budget
        .take(-member.id.get())
        .map_err(AppError::RateLimited)?;
    Ok(member)
}

/// The forms of a member's page as they are shown: each is a part of the page's one form
/// (`web::page_form`). Left out, a form shows what is saved.
#[derive(Default)]
struct LinkForms {
    details: Option<Form>,
    plan: Form,
    topic: Form,
    /// A poll's answers that came back with a problem.
    poll: Option<(PollId, Form)>,
    /// "How was it for you?" for one meeting, come back with a problem.
    feedback: Option<(MeetingId, Form)>,
}

async fn show(
    state: &AppState,
    cookies: &Cookies,
    token: String,
    member: MemberLink,
    forms: LinkForms,
    status: StatusCode,
) -> AppResult<Response> {
    let social = state.store.upcoming_social_for_member(&member).await?;
    let on_rota = state.store.on_rota(&member).await?;
    let feedback_due = state
        .store
        .feedback_due(&member)
        .await?
        .into_iter()
        .map(|(mt, given)| {
            let form = match &forms.feedback {
                Some((id, f)) if *id == mt.id => f.clone(),
                _ => {
                    let mut raw = RawInput::default();
                    if let Some((rating, comment)) = &given {
                        raw.set("rating", rating.to_string());
                        raw.set("comment", comment);
                    }
                    Form::from_raw(raw)
                }
            }
            .part(format!("fb-{}", mt.id));
            (mt, given, form)
        })
        .collect();
    let mut hosting = Vec::new();
    for (m, _) in state.store.upcoming_for_member(&member).await? {
        if state.store.host_of(&member, m.id).await?.map(|(id, _)| id) == Some(member.id) {
            hosting.push(m.id);
        }
    }
    let mut polls = Vec::new();
    for poll in state.store.open_polls_for_member(&member).await? {
        let options = state.store.poll_options(&poll).await?;
        let answers = state.store.poll_answers(&poll).await?;
        let responses = state.store.poll_responses(&poll).await?;
        let poll = poll.into_poll();
        let mine: Vec<&crate::domain::poll::PollAnswer> = answers
            .iter()
            .filter(|a| a.member_id == member.id)
            .collect();
        let my_comment = responses
            .iter()
            .find(|r| r.member_id == member.id)
            .map(|r| r.comment.clone());
        // Other members' answers leave the server only when the facilitator chose to share.
        let shared = poll.show_answers.then(|| {
            crate::domain::poll::PollResults::work_out(options.clone(), &answers, &responses, &[])
        });
        let form = match &forms.poll {
            Some((id, f)) if *id == poll.id => f.clone(),
            _ => {
                let mut raw = RawInput::default();
                for a in &mine {
                    raw.set(&format!("answers.{}", a.option_id), a.answer.as_str());
                }
                raw.set("comment", my_comment.clone().unwrap_or_default());
                Form::from_raw(raw)
            }
        }
        .part(format!("poll-{}", poll.id));
        polls.push(MemberPoll {
            poll,
            options,
            my_comment,
            shared,
            form,
        });
    }
    let group = state.store.group_of(&member).await?;
    let consents = state.store.consents_of(&member).await?;
    let upcoming = state.store.upcoming_for_member(&member).await?;
    let mut venues = Vec::new();
    for id in upcoming.iter().filter_map(|(m, _)| m.venue_id) {
        if !venues
            .iter()
            .any(|v: &crate::domain::venue::Venue| v.id == id)
            && let Ok(v) = state.store.venue(id).await
        {
            venues.push(v);
        }
    }
    let topics = state.store.group_topics(&member).await?;
    let my_votes = state.store.votes_of(&member).await?;
    let plans = state.store.plans_of(&member).await?;
    let checkins = state.store.checkins_of_member(&member).await?;
    let looked = state
        .store
        .who_looked(&member, crate::store::now() - 365 * 86_400)
        .await?
        .into_iter()
        .map(|l| {
            let role = if l.role == "coordinator" {
                "coordinator"
            } else {
                "facilitator"
            };
            (l.name, role, when(l.last_at, &group.timezone))
        })
        .collect();
    render_status(
        status,
        &LinkPage {
            page: Page {
                title: format!("Your details, {}", member.preferred_name),
                staff: None,
                csrf: cookies.0.csrf.clone(),
                flash: cookies.0.flash.clone(),
                nav: "",
                member_view: true,
            },
            token,
            group_name: group.name,
            timezone: group.timezone,
            form: forms
                .details
                .unwrap_or_else(|| Form::from_raw(member.to_raw()))
                .part("details"),
            member,
            consents,
            consent_kinds: ConsentKind::CHOICES,
            needs: Need::CHOICES,
            contacts: ContactPref::CHOICES,
            story: StoryConsent::CHOICES,
            upcoming,
            venues,
            topics,
            my_votes,
            plans,
            checkins,
            looked,
            plan_form: forms.plan.part("plan"),
            topic_form: forms.topic.part("topic"),
            polls,
            social,
            feedback_due,
            ratings: crate::domain::insight::RATINGS,
            on_rota,
            hosting,
            answer_choices: crate::domain::poll::Availability::CHOICES,
        },
    )
}

pub async fn page(
    State(state): State<AppState>,
    cookies: Cookies,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    state
        .store
        .audit_read(
            &format!("member:{}", member.id),
            "viewed own record",
            &format!("member:{}", member.id),
            &[],
        )
        .await?;
    show(
        &state,
        &cookies,
        token,
        member,
        LinkForms::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    cookies: Cookies,
    Path(token): Path<String>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    // Members correct their own details; the dates they joined and left stay as staff set them.
    let mut merged: RawInput = raw.clone();
    merged.set("joined_on", member.joined_on.clone().unwrap_or_default());
    merged.set("left_on", member.left_on.clone().unwrap_or_default());
    match MemberInput::try_from(&merged) {
        Ok(input) => {
            state.store.update_member_self(&member, &input).await?;
            Ok(redirect_with(
                &paths::link(token),
                "Thank you. Your details have been saved.",
            ))
        }
        Err(e) => {
            show(
                &state,
                &cookies,
                token,
                member,
                LinkForms {
                    details: Some(Form::with_errors(raw, e)),
                    ..LinkForms::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn give_consent(
    State(state): State<AppState>,
    Path(token): Path<String>,
    CheckedForm(mut raw): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    raw.set("how_given", "personal_link");
    let input = ConsentInput::try_from(&raw)
        .map_err(|_| AppError::BadRequest("Choose what you agree to.".into()))?;
    state.store.add_consent(&member, &input).await?;
    Ok(redirect_with(
        &(paths::link(token) + "#consents"),
        "Thank you. Your agreement has been recorded.",
    ))
}

pub async fn withdraw_consent(
    State(state): State<AppState>,
    Path((token, consent_id)): Path<(String, i64)>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    if !state.store.withdraw_consent(&member, consent_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with(
        &(paths::link(token) + "#consents"),
        "You have taken back that agreement. It has been recorded.",
    ))
}

/// A member says whether they are coming to one of their group's meetings.
pub async fn rsvp(
    State(state): State<AppState>,
    Path((token, meeting_id)): Path<(String, MeetingId)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    let meeting = state.store.meeting_for_link(&member, meeting_id).await?;
    if !(meeting.is_planned() || meeting.is_under_way()) {
        let why = if meeting.is_cancelled() {
            "This meeting has been cancelled, so there is nothing to answer. Thank you all the same."
        } else {
            "This meeting has already taken place."
        };
        return Ok(redirect_with(&(paths::link(token) + "#meetings"), why));
    }
    let answer = crate::domain::meeting::parse_rsvp(&raw)
        .map_err(|_| AppError::BadRequest("Choose coming, maybe or not coming.".into()))?;
    state
        .store
        .set_own_rsvp(&member, meeting_id, answer)
        .await?;
    let said = match answer {
        RsvpAnswer::Yes => "Thank you. We look forward to seeing you.",
        RsvpAnswer::Maybe => "Thank you. We hope you can come.",
        _ => "Thank you for letting us know. We will miss you.",
    };
    Ok(redirect_with(&(paths::link(token) + "#meetings"), said))
}

/// A member suggests a topic for the group's board.
pub async fn propose_topic(
    State(state): State<AppState>,
    cookies: Cookies,
    Path(token): Path<String>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    match crate::domain::topic::TopicInput::try_from(&raw) {
        Ok(input) => {
            let topic_id = state.store.propose_topic(&member, &input).await?;
            state.store.vote(&member, topic_id).await?;
            Ok(redirect_with(
                &(paths::link(token) + "#topics"),
                "Thank you. Your topic is on the board, with your vote.",
            ))
        }
        Err(e) => {
            show(
                &state,
                &cookies,
                token,
                member,
                LinkForms {
                    topic: Form::with_errors(raw, e),
                    ..LinkForms::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A member votes for a topic, or takes their vote back.
pub async fn vote(
    State(state): State<AppState>,
    Path((token, topic_id)): Path<(String, TopicId)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    state.store.group_topic(&member, topic_id).await?;
    if raw.text("vote") == "false" {
        state.store.unvote(&member, topic_id).await?;
        Ok(redirect_with(
            &(paths::link(token) + "#topics"),
            "Your vote has been taken back.",
        ))
    } else {
        state.store.vote(&member, topic_id).await?;
        Ok(redirect_with(
            &(paths::link(token) + "#topics"),
            "Thank you for your vote.",
        ))
    }
}

/// A member writes down their own action plan.
pub async fn add_plan(
    State(state): State<AppState>,
    cookies: Cookies,
    Path(token): Path<String>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    match crate::domain::topic::PlanInput::try_from(&raw) {
        Ok(p) => {
            let plan = state.store.create_plan(&member, &p).await?;
            let message = if plan.low_confidence() {
                "Your plan is saved. You said your confidence is below 7: it may help to make the plan a little smaller, so it feels more likely."
            } else {
                "Your plan is saved. Good luck!"
            };
            Ok(redirect_with(&(paths::link(token) + "#plans"), message))
        }
        Err(e) => {
            show(
                &state,
                &cookies,
                token,
                member,
                LinkForms {
                    plan: Form::with_errors(raw, e),
                    ..LinkForms::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A member answers a poll from their link: yes, if need be or no for every date.
pub async fn answer_poll(
    State(state): State<AppState>,
    cookies: Cookies,
    Path((token, poll_id)): Path<(String, PollId)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    let poll = state
        .store
        .poll_for_link(&member, poll_id)
        .await
        .map_err(|_| AppError::NotFound)?;
    if !poll.is_open() {
        return Ok(redirect_with(
            &(paths::link(token) + "#meetings"),
            "This poll has closed: the date has been chosen. Thank you all the same.",
        ));
    }
    let options = state.store.poll_options(&poll).await?;
    match crate::domain::poll::ResponseInput::parse(&raw, &options) {
        Ok(input) => match state.store.answer_poll(&poll, member.id, &input).await {
            Ok(()) => Ok(redirect_with(
                &(paths::link(token) + &format!("#poll-{poll_id}")),
                "Thank you. Your answers have been saved. You can change them until the date is chosen.",
            )),
            Err(crate::store::StoreError::Conflict(crate::store::Conflict::PollClosed)) => {
                Ok(redirect_with(
                    &(paths::link(token) + "#meetings"),
                    "This poll has closed: the date has been chosen. Thank you all the same.",
                ))
            }
            Err(e) => Err(e.into()),
        },
        Err(e) => {
            show(
                &state,
                &cookies,
                token,
                member,
                LinkForms {
                    poll: Some((poll_id, Form::with_errors(raw, e))),
                    ..LinkForms::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A member replies to a social event from their link.
pub async fn social_rsvp(
    State(state): State<AppState>,
    Path((token, event_id)): Path<(String, EventId)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    let event = state.store.social_event_for_link(&member, event_id).await?;
    if event.is_cancelled() {
        return Ok(redirect_with(
            &(paths::link(token) + "#social"),
            "This event has been cancelled, so there is nothing to answer.",
        ));
    }
    let answer = crate::domain::meeting::parse_rsvp(&raw)
        .map_err(|_| AppError::BadRequest("Choose coming, maybe or not coming.".into()))?;
    state
        .store
        .set_social_rsvp(&event, member.id, answer)
        .await?;
    let said = match answer {
        RsvpAnswer::Yes => "Thank you. See you there!",
        RsvpAnswer::Maybe => "Thank you. We hope you can come.",
        _ => "Thank you for letting us know.",
    };
    Ok(redirect_with(&(paths::link(token) + "#social"), said))
}

/// A member offers to take a turn hosting the refreshments, or stops.
pub async fn rota(
    State(state): State<AppState>,
    Path(token): Path<String>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    let on = raw.flag("on").map_err(AppError::BadRequest)?;
    state.store.set_rota(&member, on).await?;
    Ok(redirect_with(
        &(paths::link(token) + "#rota"),
        if on {
            "Thank you! You are on the refreshments rota. Your facilitator will let you know when it is your turn."
        } else {
            "You are off the refreshments rota."
        },
    ))
}

/// "How was it for you?" after a meeting the member came to.
pub async fn feedback(
    State(state): State<AppState>,
    cookies: Cookies,
    Path((token, meeting_id)): Path<(String, MeetingId)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = member_from(&state, &token).await?;
    let input = match crate::domain::insight::FeedbackInput::try_from(&raw) {
        Ok(i) => i,
        Err(found) => {
            // Shown again with what was typed, so a comment is not lost; each message beside
            // its own field (a rating missing, or a comment too long).
            let mut errors = crate::domain::FieldErrors::new();
            for e in found.iter() {
                if e.field == "rating" {
                    errors.add(
                        "rating",
                        "Please choose how it was for you, from “Not good” to “Very good”, then send it.",
                    );
                } else {
                    errors.add(&e.field, e.message.clone());
                }
            }
            return show(
                &state,
                &cookies,
                token,
                member,
                LinkForms {
                    feedback: Some((meeting_id, Form::with_errors(raw, errors))),
                    ..LinkForms::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state.store.save_feedback(&member, meeting_id, &input).await {
        Ok(()) => Ok(redirect_with(
            &(paths::link(token) + "#feedback"),
            "Thank you for telling us. It helps the group.",
        )),
        Err(crate::store::StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

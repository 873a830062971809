//! Topics, votes, action plans, reviews and check-ins in the JSON API. Plans, reviews and
//! check-ins are for the group's own facilitators only (a coordinator who does not facilitate
//! the group gets 403), as on the pages.

use crate::domain::ids::{GroupId, MeetingId, MemberId, PlanId, TopicId};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{created, named_list, parsed};
use crate::AppState;
use crate::domain::FieldErrors;
use crate::domain::topic::{
    ActionPlan, BoardTopic, Checkin, PlanInput, PlanReview, ReviewInput, TopicInput, TopicStatus,
};

use crate::error::{AppError, AppResult};
use crate::http::{ApiStaff, JsonInput};

named_list!(TopicsOut { topics: BoardTopic });
named_list!(PlansOut { plans: ActionPlan });
named_list!(ReviewsOut {
    reviews: PlanReview
});
named_list!(CheckinsOut { checkins: Checkin });

/// A new plan, with a word of advice when confidence is low.
#[derive(serde::Serialize)]
pub struct NewPlanOut {
    #[serde(flatten)]
    plan: ActionPlan,
    suggestion: Option<&'static str>,
}

/// A plan with its reviews.
#[derive(serde::Serialize)]
pub struct PlanOut {
    #[serde(flatten)]
    plan: ActionPlan,
    reviews: Vec<PlanReview>,
}

pub async fn list(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
) -> AppResult<Json<TopicsOut>> {
    let group = state.store.group(&me, group_id).await?;
    let topics = state.store.group_topics(&group).await?;
    Ok(Json(TopicsOut { topics }))
}

/// Proposes a topic by `title` (optionally `description` and `prompts`).
pub async fn propose(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let group = state.store.group(&me, group_id).await?;
    let input = parsed(TopicInput::try_from(&raw))?;
    let id = state.store.propose_topic(&group, &input).await?;
    let topic = state.store.group_topic(&group, id).await?;
    Ok(created(crate::paths::api_group_topic(group_id, id), topic))
}

/// Changes a topic's place on the board: `status` proposed, agreed (with `meeting_id`),
/// covered or set_aside.
pub async fn set_status(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path((group_id, topic_id)): Path<(GroupId, TopicId)>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let group = state.store.group(&me, group_id).await?;
    state.store.group_topic(&group, topic_id).await?;
    let status = raw.text("status").parse::<TopicStatus>();
    match status {
        Ok(TopicStatus::Agreed) => {
            let meeting_id = raw.text("meeting_id").parse::<MeetingId>().map_err(|_| {
                AppError::Invalid(FieldErrors::single(
                    "meeting_id",
                    "Give the id of the meeting the topic is agreed for.",
                ))
            })?;
            let meeting = state.store.meeting(&me, meeting_id).await?;
            state.store.agree_topic(&group, topic_id, &meeting).await?;
        }
        Ok(s @ (TopicStatus::Proposed | TopicStatus::Covered | TopicStatus::SetAside)) => {
            if s == TopicStatus::Proposed {
                state.store.put_on_board(&group, topic_id).await?;
            }
            state.store.set_topic_status(&group, topic_id, s).await?;
        }
        Ok(TopicStatus::Library) | Err(_) => {
            return Err(AppError::Invalid(FieldErrors::single(
                "status",
                "Use proposed, agreed, covered or set_aside.",
            )));
        }
    }
    let topic = state.store.group_topic(&group, topic_id).await?;
    Ok(Json(topic).into_response())
}

/// Records a member's vote (`member_id`): one per member per topic.
pub async fn vote(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(topic_id): Path<TopicId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let member_id = raw.text("member_id").parse::<MemberId>().map_err(|_| {
        AppError::Invalid(FieldErrors::single(
            "member_id",
            "Give the id of the member who votes.",
        ))
    })?;
    let member = state.store.member(&me, member_id).await?;
    state.store.vote(&member, topic_id).await?;
    let topic = state.store.group_topic(&member, topic_id).await?;
    Ok((StatusCode::CREATED, Json(topic)).into_response())
}

pub async fn unvote(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path((topic_id, member_id)): Path<(TopicId, MemberId)>,
) -> AppResult<Response> {
    let member = state.store.member(&me, member_id).await?;
    state.store.unvote(&member, topic_id).await?;
    let topic = state.store.group_topic(&member, topic_id).await?;
    Ok(Json(topic).into_response())
}

pub async fn plans(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(member_id): Path<MemberId>,
) -> AppResult<Json<PlansOut>> {
    let private = state.store.private_records(&me, member_id).await?;
    let plans = state.store.plans_for(&private).await?;
    Ok(Json(PlansOut { plans }))
}

/// Adds an action plan: `what`, `how_much`, `when`, `how_often`, `by_date`, `confidence` (0-10).
pub async fn add_plan(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(member_id): Path<MemberId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let owner = state.store.private_records(&me, member_id).await?;
    let input = parsed(PlanInput::try_from(&raw))?;
    let plan = state.store.create_plan(&owner, &input).await?;
    let suggestion = plan
        .low_confidence()
        .then_some("Confidence is below 7: it may help to make the plan smaller.");
    Ok(created(
        crate::paths::api_plan(plan.id),
        NewPlanOut { plan, suggestion },
    ))
}

pub async fn plan(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(plan_id): Path<PlanId>,
) -> AppResult<Json<PlanOut>> {
    let plan = state.store.plan_for(&me, plan_id).await?;
    let reviews = state.store.reviews_of(&plan).await?;
    Ok(Json(PlanOut {
        plan: plan.into_plan(),
        reviews,
    }))
}

/// Reviews a plan: `outcome` (done, on_track, changed, dropped), `note`, optional `meeting_id`.
pub async fn review(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(plan_id): Path<PlanId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let plan = state.store.plan_for(&me, plan_id).await?;
    let input = parsed(ReviewInput::try_from(&raw))?;
    let meeting = match raw.text("meeting_id").as_str() {
        "" => None,
        v => {
            let id = v.parse::<MeetingId>().map_err(|_| {
                AppError::Invalid(FieldErrors::single("meeting_id", "Give a meeting's id."))
            })?;
            Some(state.store.meeting(&me, id).await?)
        }
    };
    state
        .store
        .review_plan(&plan, meeting.as_ref(), &input)
        .await?;
    let reviews = state.store.reviews_of(&plan).await?;
    Ok((StatusCode::CREATED, Json(ReviewsOut { reviews })).into_response())
}

pub async fn checkins(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(meeting_id): Path<MeetingId>,
) -> AppResult<Json<CheckinsOut>> {
    let meeting = state.store.meeting(&me, meeting_id).await?;
    let rows = state.store.checkins_of(&me, &meeting).await?;
    Ok(Json(CheckinsOut { checkins: rows }))
}

/// Notes a member's "since last time" line: `member_id`, `note`, `private` (default true).
pub async fn save_checkin(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(meeting_id): Path<MeetingId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<CheckinsOut>> {
    let mut e = FieldErrors::new();
    let member_id = raw.text("member_id").parse::<MemberId>().ok();
    if member_id.is_none() {
        e.add("member_id", "Give the member's id.");
    }
    // An empty line removes the member's line.
    if raw.get("note").is_none() {
        e.add(
            "note",
            "Give the line to keep, or an empty line to remove it.",
        );
    }
    let note = crate::domain::optional_text(&raw, "note", 1000, &mut e);
    let private = raw.get("private").is_none() || crate::domain::flag(&raw, "private", &mut e);
    // A meeting the caller may not see is not found, whatever the input.
    let meeting = state.store.meeting(&me, meeting_id).await?;
    let Some(member_id) = member_id.filter(|_| e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    state
        .store
        .save_checkin(&me, &meeting, member_id, &note, private)
        .await
        .map_err(|err| match err {
            crate::store::StoreError::NotFound => AppError::Invalid(FieldErrors::single(
                "member_id",
                "This member is not in the meeting's group.",
            )),
            other => other.into(),
        })?
        .map_err(|refused| {
            AppError::Invalid(FieldErrors::single("member_id", refused.message()))
        })?;
    let rows = state.store.checkins_of(&me, &meeting).await?;
    Ok(Json(CheckinsOut { checkins: rows }))
}

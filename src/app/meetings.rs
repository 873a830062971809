//! What is done to a meeting as a whole: start, end, cancel and put back on.

use crate::AppState;
use crate::domain::FieldErrors;
use crate::domain::access::Staff;
use crate::domain::ids::MemberId;
use crate::domain::meeting::{Meeting, MeetingEvent, Refusal};
use crate::error::{AppError, AppResult};
use crate::mail::Outcome;
use crate::store::MeetingAccess;

/// A meeting after an event, and what members were told about it by email (when they were).
pub struct StatusChanged {
    pub meeting: Meeting,
    pub told: Option<Outcome>,
}

/// Applies an event to a meeting's status by the transition table (domain/meeting_status.rs).
/// A refused event changes nothing and says why (`Ok(Err(refusal))`); each interface shows the
/// refusal its own way (the API and most pages as a 409 with its words; see `refused`).
/// Members who use email hear of a cancellation of a meeting still to come.
#[tracing::instrument(skip_all, fields(meeting = meeting.id().get(), event = ?event))]
pub async fn change_status(
    state: &AppState,
    meeting: &MeetingAccess,
    event: MeetingEvent,
    cancel_reason: &str,
) -> AppResult<Result<StatusChanged, Refusal>> {
    let before = meeting.meeting();
    let meeting = match state
        .store
        .apply_meeting_event(meeting, event, cancel_reason)
        .await?
    {
        Ok(m) => m,
        Err(why) => return Ok(Err(why)),
    };
    let told = crate::mail::after_change(state, before).await?;
    Ok(Ok(StatusChanged { meeting, told }))
}

/// A refusal as the error both interfaces answer with by default: 409 and its words.
pub fn refused(why: Refusal) -> AppError {
    AppError::Conflict(why.to_string())
}

/// The status change alone, for a caller that changes more of the meeting in the same request
/// and tells members once about all of it (the API's update).
pub async fn apply_status(
    state: &AppState,
    meeting: &MeetingAccess,
    event: MeetingEvent,
    cancel_reason: &str,
) -> AppResult<Meeting> {
    state
        .store
        .apply_meeting_event(meeting, event, cancel_reason)
        .await?
        .map_err(refused)
}

/// Records a member's answer about coming, taken by a facilitator (a call, a word at the
/// door). A member of another group is refused as not found (nothing is saved); the API names
/// the field (`not_in_group`), the pages answer 404, as their form only offers the group's own.
#[tracing::instrument(skip_all, fields(meeting = meeting.id().get()))]
pub async fn record_rsvp(
    state: &AppState,
    meeting: &MeetingAccess,
    member_id: MemberId,
    answer: crate::domain::meeting::RsvpAnswer,
) -> AppResult<()> {
    Ok(state.store.set_rsvp(meeting, member_id, answer).await?)
}

/// How the API names a member id that is not of the meeting's group.
pub fn not_in_group(e: AppError) -> AppError {
    match e {
        AppError::NotFound => AppError::Invalid(FieldErrors::single(
            "member_id",
            "This member is not in the meeting's group.",
        )),
        other => other,
    }
}

/// Ticking the ground-rules prompt ("Agree the ground rules, or look at them again") at a
/// meeting that has come records that the group reviewed its rules on that meeting's day.
async fn ground_rules_ticked(
    state: &AppState,
    meeting: &MeetingAccess,
    (position, checked): (i64, &str),
) -> AppResult<()> {
    let ticked: Vec<usize> = checked.split(',').filter_map(|c| c.parse().ok()).collect();
    if ticked.is_empty() {
        return Ok(());
    }
    if meeting.day() > meeting.today_there() {
        return Ok(());
    }
    let steps = state.store.meeting_steps(meeting).await?;
    let Some(step) = steps.iter().find(|s| s.position == position) else {
        return Ok(());
    };
    let about_rules = step
        .prompt_list()
        .iter()
        .enumerate()
        .any(|(i, p)| ticked.contains(&i) && p.to_lowercase().contains("ground rules"));
    if about_rules {
        let group = meeting.group();
        state
            .store
            .ground_rules_reviewed(&group, &meeting.local_date)
            .await?;
    }
    Ok(())
}

/// How often a merged save is tried again when another save lands between reading and writing.
const MERGE_TRIES: usize = 8;

async fn merge_step_notes(
    state: &AppState,
    viewer: &Staff,
    meeting: &MeetingAccess,
    position: i64,
    was: &str,
    new: &str,
) -> AppResult<()> {
    use crate::domain::run_sheet::merge_text;
    for _ in 0..MERGE_TRIES {
        let current = state.store.step_notes(meeting, position).await?;
        let merged = merge_text(&current, Some(was), new, &viewer.name);
        if merged == current
            || state
                .store
                .replace_step_notes(meeting, position, &current, &merged)
                .await?
        {
            return Ok(());
        }
    }
    Err(AppError::Conflict(
        "The notes were being changed from another device. Press Save again.".into(),
    ))
}

async fn merge_round_up(
    state: &AppState,
    viewer: &Staff,
    meeting: &MeetingAccess,
    was: &[String; 3],
    r: &crate::domain::run_sheet::RoundUp,
) -> AppResult<()> {
    use crate::domain::run_sheet::merge_text;
    let new = [&r.good, &r.not_so_good, &r.sharing];
    for _ in 0..MERGE_TRIES {
        let current = state.store.round_up_of(meeting).await?;
        let merged: [String; 3] =
            std::array::from_fn(|i| merge_text(&current[i], Some(&was[i]), new[i], &viewer.name));
        if merged == current
            || state
                .store
                .replace_round_up(meeting, &current, &merged)
                .await?
        {
            return Ok(());
        }
    }
    Err(AppError::Conflict(
        "What people said was being changed from another device. Press Save again.".into(),
    ))
}

/// Saves what a run-sheet form carried (the step's ticks and notes, the round-up, "since last
/// time" lines), before whatever the button pressed does next. Parts the form did not hold are
/// left as they were.
#[tracing::instrument(skip_all, fields(meeting = meeting.id().get()))]
pub async fn save_run_sheet(
    state: &AppState,
    viewer: &Staff,
    meeting: &MeetingAccess,
    text: &crate::domain::run_sheet::RunSheetText,
) -> AppResult<()> {
    if text.is_empty() {
        return Ok(());
    }
    if let Some(step) = &text.step {
        // Notes typed by a goal without an outcome are kept with the step's notes.
        let mut notes = step.notes.clone();
        for (plan_id, note) in &text.review_notes {
            let what = match state.store.plan_for(viewer, *plan_id).await {
                Ok(plan) => plan.what.clone(),
                Err(crate::store::StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            let all = notes.get_or_insert_with(String::new);
            if !all.is_empty() && !all.ends_with('\n') {
                all.push('\n');
            }
            all.push_str(&format!("{what}: {note}"));
        }
        // Notes sent with what the box showed before (`notes~was`) replace only that text;
        // what someone else saved meanwhile is kept (`merge_text`).
        let notes = match (&notes, &step.notes_was) {
            (Some(new), Some(was)) => {
                merge_step_notes(state, viewer, meeting, step.position, was, new).await?;
                None
            }
            _ => notes,
        };
        state
            .store
            .save_step(
                meeting,
                step.position,
                step.checked.as_deref(),
                notes.as_deref(),
            )
            .await?;
    }
    if let Some(checked) = text
        .step
        .as_ref()
        .and_then(|s| s.checked.as_deref().map(|c| (s.position, c)))
    {
        ground_rules_ticked(state, meeting, checked).await?;
    }
    if let Some(r) = &text.round_up {
        match &r.was {
            Some(was) => merge_round_up(state, viewer, meeting, was, r).await?,
            None => {
                state
                    .store
                    .save_round_up(meeting, &r.good, &r.not_so_good, &r.sharing)
                    .await?
            }
        }
    }
    if let Some(topic) = &text.new_topic {
        state.store.propose_topic(meeting, topic).await?;
    }
    let before = if text.checkins.is_empty() {
        Vec::new()
    } else {
        state.store.checkins_of(viewer, meeting).await?
    };
    for line in &text.checkins {
        // Only a line that changed is written (an untouched empty box makes no record).
        let same = match before.iter().find(|c| c.member_id == line.member_id) {
            Some(c) => c.note == line.note && c.private == line.private,
            None => line.note.is_empty(),
        };
        if same {
            continue;
        }
        // A line for someone no longer signed in (undone on another phone meanwhile) is not
        // kept: lines belong to those who were there.
        let _not_there = state
            .store
            .save_checkin(viewer, meeting, line.member_id, &line.note, line.private)
            .await?;
    }
    Ok(())
}

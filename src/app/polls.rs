//! Availability polls: the results grid staff see, the same on the pages and in the API.

use crate::AppState;
use crate::domain::ids::MeetingId;
use crate::domain::poll::PollResults;
use crate::error::{AppError, AppResult};
use crate::mail::Outcome;
use crate::store::{GroupScope, PollAccess, StoreResult};

/// A poll's results for staff: every answer, and who has not answered yet.
pub async fn results(state: &AppState, poll: &PollAccess) -> AppResult<PollResults> {
    let group = poll.staff_group().ok_or(AppError::NotFound)?;
    let options = state.store.poll_options(poll).await?;
    let answers = state.store.poll_answers(poll).await?;
    let responses = state.store.poll_responses(poll).await?;
    let members = state.store.current_member_names(&group).await?;
    Ok(PollResults::work_out(
        options, &answers, &responses, &members,
    ))
}

/// Closes a poll on one of its dates: the meeting is planned (with the close, in one
/// transaction) and the group is invited to it. The pages and the API both answer with the
/// meeting and what members were told; `Conflict::PollClosed` and `Conflict::NoSuchOption`
/// come back for each to word.
#[tracing::instrument(skip_all, fields(poll = poll.id.get()))]
pub async fn close(
    state: &AppState,
    poll: &PollAccess,
    option_id: i64,
) -> StoreResult<(MeetingId, Outcome)> {
    let meeting_id = state.store.close_poll(poll, option_id).await?;
    let outcome = crate::mail::meeting_invitation(state, meeting_id).await?;
    Ok((meeting_id, outcome))
}

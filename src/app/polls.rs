//! Availability polls: the results grid staff see, the same on the pages and in the API.

use crate::AppState;
use crate::domain::poll::PollResults;
use crate::error::{AppError, AppResult};
use crate::store::{GroupScope, PollAccess};

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

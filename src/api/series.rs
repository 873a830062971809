//! Series in the JSON API: `POST /api/v1/groups/{id}/series` with `first_date`, `start_time`
//! and `rrule` (RFC 5545, e.g. FREQ=MONTHLY;BYDAY=2TU;COUNT=6), optionally `duration_minutes`,
//! `venue_id` and `topic`.

use crate::domain::ids::GroupId;
use crate::domain::ids::MeetingId;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::parsed;
use crate::AppState;
use crate::domain::FieldErrors;
use crate::domain::series::plan_series;
use crate::error::{AppError, AppResult};
use crate::http::{ApiStaff, JsonInput};
use crate::store::{Conflict, StoreError};

/// One meeting of a new series, in brief.
#[derive(serde::Serialize)]
pub struct SeriesMeeting {
    id: MeetingId,
    date: String,
    start_time: String,
    starts_at: String,
}

/// A series just planned: its id, its rule and its meetings.
#[derive(serde::Serialize)]
pub struct SeriesOut {
    series_id: i64,
    rrule: String,
    meetings: Vec<SeriesMeeting>,
}

pub async fn create(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let access = state.store.group(&me, group_id).await?;
    let group = state.store.group_for(&me, group_id).await?;
    let rrule = raw.text("rrule");
    let rrule = if rrule.is_empty() {
        return Err(AppError::Invalid(FieldErrors::single(
            "rrule",
            "Give a repeat rule, like FREQ=MONTHLY;BYDAY=2TU;COUNT=6.",
        )));
    } else {
        rrule
    };
    let meetings = parsed(plan_series(
        &raw,
        &rrule,
        &group.timezone,
        group.usual_meeting_length,
        group.usual_venue_id,
    ))?;
    let (series_id, ids) = state
        .store
        .create_series(&access, &rrule, &meetings)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(Conflict::NoSuchVenue) => AppError::Invalid(FieldErrors::single(
                "venue_id",
                "There is no venue with this id.",
            )),
            other => other.into(),
        })?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let m = state.store.meeting_for(&me, id).await?;
        out.push(SeriesMeeting {
            id: m.id,
            starts_at: m.starts_at_rfc3339(),
            date: m.local_date,
            start_time: m.local_time,
        });
    }
    Ok((
        StatusCode::CREATED,
        Json(SeriesOut {
            series_id,
            rrule,
            meetings: out,
        }),
    )
        .into_response())
}

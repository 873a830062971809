//! History and insight in the JSON API: the same figures and search as the pages.

use axum::Json;
use axum::extract::{Path, Query, State};

use super::parsed;
use crate::AppState;
use crate::domain::RawInput;
use crate::domain::insight::{DateRange, parse_query};
use crate::error::AppResult;
use crate::http::ApiStaff;
use crate::http::{RangeQuery, SearchQuery};

fn range(q: &RangeQuery, tz: &str) -> AppResult<DateRange> {
    let empty = q.empty_bounds();
    if !empty.is_empty() {
        return Err(crate::error::AppError::Invalid(empty));
    }
    DateRange::parse(&q.raw(), crate::labels::today_in(tz)).map_err(crate::error::AppError::Invalid)
}

/// `GET /groups/{id}/stats?from=&to=`: meetings held in the range and, per meeting, who came
/// and who was expected, with first-timers, topics, goals, social events and feedback counts.
pub async fn stats(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<i64>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Json<serde_json::Value>> {
    let access = state.store.group(&me, group_id).await?;
    let group = state.store.group_for(&me, group_id).await?;
    let range = range(&q, &group.timezone)?;
    let stats = state.store.group_stats(&access, &range).await?;
    let not_seen = state.store.not_seen(&access, 3).await?;
    let mut out = serde_json::to_value(&stats).unwrap_or_default();
    out["average_attendance"] = serde_json::json!(stats.average_attendance());
    out["not_seen_last_3_meetings"] = serde_json::to_value(not_seen).unwrap_or_default();
    Ok(Json(out))
}

/// `GET /groups/{id}/search?q=`: ranked hits with the words that matched.
pub async fn search(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<i64>,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<serde_json::Value>> {
    let access = state.store.group(&me, group_id).await?;
    let mut raw = RawInput::default();
    raw.set("q", q.q.unwrap_or_default());
    let query = parsed(parse_query(&raw))?;
    let hits = state.store.search(&me, &access, &query, 50).await?;
    Ok(Json(serde_json::json!({ "query": query, "hits": hits })))
}

/// `GET /groups/{id}/feedback?from=&to=`: members' answers to "How was it for you?".
pub async fn feedback(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<i64>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Json<serde_json::Value>> {
    let access = state.store.group(&me, group_id).await?;
    let group = state.store.group_for(&me, group_id).await?;
    let range = range(&q, &group.timezone)?;
    let feedback = state.store.feedback_of(&access, &range).await?;
    Ok(Json(
        serde_json::json!({ "range": range, "feedback": feedback }),
    ))
}

/// `GET /overview?from=&to=`: every group the caller can see, side by side.
pub async fn overview(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Query(q): Query<RangeQuery>,
) -> AppResult<Json<serde_json::Value>> {
    let range = range(&q, crate::domain::group::DEFAULT_TIMEZONE)?;
    let groups = state.store.overview(&me, &range).await?;
    let out: Vec<serde_json::Value> = groups
        .iter()
        .map(|g| {
            let mut v = serde_json::to_value(g).unwrap_or_default();
            v["average_attendance"] = serde_json::json!(g.average());
            v["trend"] = serde_json::json!(g.trend());
            v
        })
        .collect();
    Ok(Json(serde_json::json!({ "range": range, "groups": out })))
}

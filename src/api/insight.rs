//! History and insight in the JSON API: the same figures and search as the pages.

use crate::domain::ids::GroupId;
use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};

use super::parsed;
use crate::AppState;
use crate::domain::RawInput;
use serde::Serialize;

use crate::app::programme::{OverviewSort, Show};
use crate::domain::insight::{DateRange, Feedback, GroupStats, SearchHit, parse_query};
use crate::domain::programme::{AreaTotals, ListQuery, Totals};
use crate::error::AppResult;
use crate::http::ApiStaff;
use crate::http::{RangeQuery, SearchQuery};
use crate::store::{GroupOverview, NotSeen};

/// A group's figures for a range, with the average and who has not been seen lately.
#[derive(Serialize)]
pub struct StatsOut {
    #[serde(flatten)]
    stats: GroupStats,
    average_attendance: f64,
    not_seen_last_3_meetings: Vec<NotSeen>,
}

#[derive(Serialize)]
pub struct SearchOut {
    query: String,
    hits: Vec<SearchHit>,
}

#[derive(Serialize)]
pub struct FeedbackOut {
    range: DateRange,
    feedback: Vec<Feedback>,
}

/// One group in the overview, with its average, trend and what needs attention worked out.
#[derive(Serialize)]
pub struct OverviewGroup {
    #[serde(flatten)]
    group: GroupOverview,
    average_attendance: f64,
    trend: &'static str,
    attention: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct AttentionOut {
    reason: &'static str,
    label: &'static str,
    groups: i64,
}

#[derive(Serialize)]
pub struct OverviewOut {
    range: DateRange,
    /// The figures of every group in the area asked for (or all), not only this page's.
    totals: Totals,
    areas: Vec<AreaTotals>,
    attention: Vec<AttentionOut>,
    /// How many groups matched the search, across every page.
    total: usize,
    offset: usize,
    limit: usize,
    groups: Vec<OverviewGroup>,
}

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
    Path(group_id): Path<GroupId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Json<StatsOut>> {
    let access = state.store.group(&me, group_id).await?;
    let group = state.store.group_for(&me, group_id).await?;
    let range = range(&q, &group.timezone)?;
    let stats = state.store.group_stats(&access, &range).await?;
    let not_seen = state.store.not_seen(&access, 3).await?;
    Ok(Json(StatsOut {
        average_attendance: stats.average_attendance(),
        stats,
        not_seen_last_3_meetings: not_seen,
    }))
}

/// `GET /groups/{id}/search?q=`: ranked hits with the words that matched.
pub async fn search(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<SearchOut>> {
    let access = state.store.group(&me, group_id).await?;
    let mut raw = RawInput::default();
    raw.set("q", q.q.unwrap_or_default());
    let query = parsed(parse_query(&raw))?;
    let hits = state.store.search(&me, &access, &query, 50).await?;
    Ok(Json(SearchOut { query, hits }))
}

/// `GET /groups/{id}/feedback?from=&to=`: members' answers to "How was it for you?".
pub async fn feedback(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(group_id): Path<GroupId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Json<FeedbackOut>> {
    let access = state.store.group(&me, group_id).await?;
    let group = state.store.group_for(&me, group_id).await?;
    let range = range(&q, &group.timezone)?;
    let feedback = state.store.feedback_of(&access, &range).await?;
    Ok(Json(FeedbackOut { range, feedback }))
}

/// `GET /overview?from=&to=&area=&q=&show=&sort=&limit=&offset=`: the programme's totals (whole
/// and per area), what needs attention, and the groups the caller can see, side by side.
pub async fn overview(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    RawQuery(query): RawQuery,
) -> AppResult<Json<OverviewOut>> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let mut errors = RangeQuery::from_raw(&raw).empty_bounds();
    let range = DateRange::parse(
        &raw,
        crate::labels::today_in(crate::domain::group::DEFAULT_TIMEZONE),
    );
    let list = ListQuery::<OverviewSort>::try_from(&raw);
    let show = Show::parse(&raw.text("show"));
    let (range, list, show) = match (range, list, show) {
        (Ok(r), Ok(l), Ok(s)) if errors.is_empty() => (r, l, s),
        (r, l, s) => {
            for e in [r.err(), l.err()].into_iter().flatten() {
                errors.0.extend(e.0);
            }
            if let Err(m) = s {
                errors.add("show", m);
            }
            return Err(crate::error::AppError::Invalid(errors));
        }
    };
    let (o, _) = crate::app::programme::overview(&state, &me, &range, &list, show).await?;
    Ok(Json(OverviewOut {
        range: o.range,
        totals: o.totals,
        areas: o.areas,
        attention: o
            .attention
            .into_iter()
            .map(|c| AttentionOut {
                reason: c.attention.as_str(),
                label: c.attention.label(),
                groups: c.groups,
            })
            .collect(),
        total: o.page.total,
        offset: o.page.offset,
        limit: o.page.limit,
        groups: o
            .page
            .rows
            .into_iter()
            .map(|r| OverviewGroup {
                average_attendance: r.group.average(),
                trend: r.group.trend(),
                attention: r.attention.iter().map(|a| a.as_str()).collect(),
                group: r.group,
            })
            .collect(),
    }))
}

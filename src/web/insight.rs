//! Looking back: a group's history, search, the insight page with its charts, the printable
//! report for funders, CSV exports for a date range, and the coordinator's overview.

use crate::domain::ids::GroupId;
use crate::domain::ids::MeetingId;
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::account::staff_page;
use super::{CheckedForm, Cookies, CurrentStaff, Form, Page, csv_download, render_status};
use crate::AppState;
use crate::app::programme::{Overview, OverviewSort, Show};
use crate::domain::group::Group;
use crate::domain::insight::{
    DateRange, Feedback, GroupStats, SearchHit, attendance_chart, feedback_chart, parse_query,
};
use crate::domain::programme::{Attention, ListQuery, NO_AREA_PARAM, SortOrder};
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::http::{RangeQuery, SearchQuery};
use crate::store::{GroupOverview, MeetingSummary, NotSeen};

use crate::labels::today_in as today;

/// The range asked for, or the errors with the form as typed.
fn range_of(q: &RangeQuery, tz: &str) -> Result<DateRange, (Form, FieldErrors)> {
    let raw = q.raw();
    DateRange::parse(&raw, today(tz)).map_err(|e| (Form::with_errors(raw, e.clone()), e))
}

// --- history ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "insight/history.html")]
struct HistoryPage {
    page: Page,
    group: Group,
    meetings: Vec<MeetingSummary>,
    /// (meeting, "since last time" lines the viewer may see).
    checkins: Vec<(MeetingId, i64)>,
}

impl HistoryPage {
    fn lines_at(&self, meeting_id: &MeetingId) -> i64 {
        self.checkins
            .iter()
            .find(|(m, _)| m == meeting_id)
            .map_or(0, |(_, n)| *n)
    }
}

/// Every meeting the group has held or cancelled, newest first, with its topic, attendance,
/// key points and round-up.
pub async fn history(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let scope = state.store.group(&me, group_id).await?;
    let mut meetings: Vec<MeetingSummary> = state
        .store
        .meeting_history(&scope)
        .await?
        .into_iter()
        .filter(|m| m.meeting.is_held() || m.meeting.is_cancelled())
        .collect();
    meetings.reverse();
    let checkins = state.store.checkin_counts(&me, &scope).await?;
    render_status(
        StatusCode::OK,
        &HistoryPage {
            page: staff_page(&format!("History: {}", group.name), &me, &cookies, "groups"),
            group,
            meetings,
            checkins,
        },
    )
}

// --- search -------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "insight/search.html")]
struct SearchPage {
    page: Page,
    group: Group,
    form: Form,
    hits: Option<Vec<SearchHit>>,
}

pub async fn search(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut raw = RawInput::default();
    let (form, hits, status) = match q.q {
        None => (Form::blank(), None, StatusCode::OK),
        Some(text) => {
            raw.set("q", &text);
            match parse_query(&raw) {
                Ok(query) => {
                    let scope = state.store.group(&me, group_id).await?;
                    let hits = state.store.search(&me, &scope, &query, 50).await?;
                    (Form::from_raw(raw), Some(hits), StatusCode::OK)
                }
                Err(e) => (
                    Form::with_errors(raw, e),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
            }
        }
    };
    render_status(
        status,
        &SearchPage {
            page: staff_page(&format!("Search: {}", group.name), &me, &cookies, "groups"),
            group,
            form,
            hits,
        },
    )
}

// --- insight --------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "insight/group.html")]
struct InsightPage {
    page: Page,
    group: Group,
    form: Form,
    stats: Option<GroupStats>,
    not_seen: Vec<NotSeen>,
    next_meeting: Option<MeetingId>,
    feedback: Vec<Feedback>,
    chart: String,
    feedback_svg: String,
}

impl InsightPage {
    fn range_query(&self) -> String {
        match &self.stats {
            Some(s) => format!("from={}&to={}", s.range.from, s.range.to),
            None => String::new(),
        }
    }
}

/// The figures for the range asked for, with the range form (or its errors) to show.
async fn stats_for(
    state: &AppState,
    me: &crate::domain::access::Staff,
    group: &Group,
    q: &RangeQuery,
) -> AppResult<(Form, Option<GroupStats>, StatusCode)> {
    Ok(match range_of(q, &group.timezone) {
        Ok(range) => {
            let scope = state.store.group(me, group.id).await?;
            let stats = state.store.group_stats(&scope, &range).await?;
            let mut raw = RawInput::default();
            raw.set("from", &range.from);
            raw.set("to", &range.to);
            (Form::from_raw(raw), Some(stats), StatusCode::OK)
        }
        Err((form, _)) => (form, None, StatusCode::UNPROCESSABLE_ENTITY),
    })
}

/// How many recent meetings a member must have missed to be on the "reach out" list.
const NOT_SEEN_MEETINGS: i64 = 3;

pub async fn group_insight(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let (form, stats, status) = stats_for(&state, &me, &group, &q).await?;
    let scope = state.store.group(&me, group_id).await?;
    let not_seen = state.store.not_seen(&scope, NOT_SEEN_MEETINGS).await?;
    let now = crate::store::now();
    let next_meeting = state
        .store
        .coming_meetings_of(&scope, now, 4)
        .await?
        .into_iter()
        .find(|m| m.meeting.is_planned())
        .map(|m| m.meeting.id);
    let feedback = match &stats {
        Some(s) => {
            let mut f = state.store.feedback_of(&scope, &s.range).await?;
            f.retain(|f| !f.comment.is_empty());
            f.truncate(20);
            f
        }
        None => Vec::new(),
    };
    let chart = stats
        .as_ref()
        .map(|s| attendance_chart("attendance", &s.meetings))
        .unwrap_or_default();
    let feedback_svg = stats
        .as_ref()
        .map(|s| feedback_chart("feedback", &s.feedback_counts))
        .unwrap_or_default();
    render_status(
        status,
        &InsightPage {
            page: staff_page(
                &format!("How it is going: {}", group.name),
                &me,
                &cookies,
                "groups",
            ),
            group,
            form,
            stats,
            not_seen,
            next_meeting,
            feedback,
            chart,
            feedback_svg,
        },
    )
}

// --- the report for funders -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "insight/report.html")]
struct ReportPage {
    page: Page,
    group: Group,
    form: Form,
    stats: Option<GroupStats>,
    chart: String,
    feedback_svg: String,
    /// Different topics covered, in the order first covered.
    topics: Vec<String>,
    /// Today, in the group's zone.
    made_on: String,
}

/// A printable report for a date range: counts only — no names, no health details, no
/// comments — fit to hand to a funder.
pub async fn report(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let (form, stats, status) = stats_for(&state, &me, &group, &q).await?;
    let tz = group.timezone.clone();
    let mut topics: Vec<String> = Vec::new();
    if let Some(s) = &stats {
        for t in &s.topics_covered {
            if !topics.iter().any(|x| x.eq_ignore_ascii_case(&t.topic)) {
                topics.push(t.topic.clone());
            }
        }
    }
    // The chart of a report carries no topic names in its hover titles either way (dates and
    // counts only), so it is the same drawing as on the insight page.
    let chart = stats
        .as_ref()
        .map(|s| attendance_chart("report-attendance", &s.meetings))
        .unwrap_or_default();
    let feedback_svg = stats
        .as_ref()
        .map(|s| feedback_chart("report-feedback", &s.feedback_counts))
        .unwrap_or_default();
    render_status(
        status,
        &ReportPage {
            page: staff_page(&format!("Report: {}", group.name), &me, &cookies, "groups"),
            group,
            form,
            stats,
            chart,
            feedback_svg,
            topics,
            made_on: today(&tz).to_string(),
        },
    )
}

// --- exports ------------------------------------------------------------------------------------------

/// Rows (the first the header) through the one CSV writer, every cell guarded.
fn csv_text(mut rows: Vec<Vec<String>>) -> AppResult<String> {
    let body = rows.split_off(1.min(rows.len()));
    let mut w = crate::domain::csv_out::CsvOut::with_header(rows.concat());
    for r in body {
        w.row(r);
    }
    Ok(w.finish())
}

/// Who came to each held meeting in the range.
pub async fn attendance_csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(group_id): Path<GroupId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let range = range_of(&q, &group.timezone).map_err(|(_, e)| AppError::Invalid(e))?;
    // The ids let rows be joined with the group's other files and counted once (issue 21).
    let mut rows = vec![
        [
            "date",
            "name",
            "member_or_guest",
            "group_id",
            "meeting_id",
            "member_id",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let scope = state.store.group(&me, group_id).await?;
    for (meeting, date, name, member_id, member) in
        state.store.attendance_rows(&scope, &range).await?
    {
        rows.push(vec![
            date,
            name,
            if member { "member" } else { "guest" }.into(),
            group_id.to_string(),
            meeting.to_string(),
            member_id.map(|m| m.to_string()).unwrap_or_default(),
        ]);
    }
    Ok(csv_download(csv_text(rows)?, &group.name, "attendance"))
}

/// Each held meeting in the range with its figures.
pub async fn meetings_csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(group_id): Path<GroupId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let range = range_of(&q, &group.timezone).map_err(|(_, e)| AppError::Invalid(e))?;
    let scope = state.store.group(&me, group_id).await?;
    let stats = state.store.group_stats(&scope, &range).await?;
    let mut rows = vec![vec![
        "date".into(),
        "topic".into(),
        "attended".into(),
        "expected".into(),
        "first_timers".into(),
        "feedback_average".into(),
        "feedback_count".into(),
    ]];
    for m in stats.meetings {
        rows.push(vec![
            m.date,
            m.topic.clone(),
            m.attended.to_string(),
            m.expected.to_string(),
            m.first_timers.to_string(),
            m.feedback_average
                .map(|a| format!("{a:.2}"))
                .unwrap_or_default(),
            m.feedback_count.to_string(),
        ]);
    }
    Ok(csv_download(csv_text(rows)?, &group.name, "meetings"))
}

/// Members' feedback in the range.
pub async fn feedback_csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(group_id): Path<GroupId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let range = range_of(&q, &group.timezone).map_err(|(_, e)| AppError::Invalid(e))?;
    let mut rows = vec![
        [
            "date",
            "member",
            "rating",
            "comment",
            "group_id",
            "meeting_id",
            "member_id",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let scope = state.store.group(&me, group_id).await?;
    for f in state.store.feedback_of(&scope, &range).await? {
        rows.push(vec![
            f.date,
            f.member_name.clone(),
            f.rating.to_string(),
            f.comment.clone(),
            group_id.to_string(),
            f.meeting_id.to_string(),
            f.member_id.to_string(),
        ]);
    }
    Ok(csv_download(csv_text(rows)?, &group.name, "feedback"))
}

// --- the network's exports (issue 21) -----------------------------------------------------------------

/// The dates, area and whether names are asked for, of a network export.
fn network_ask(raw: &RawInput) -> AppResult<(DateRange, Option<String>, bool)> {
    let (range, list, _) = overview_ask(raw).map_err(AppError::Invalid)?;
    let names = match raw.text("names").as_str() {
        "" | "no" => false,
        "yes" => true,
        _ => {
            return Err(AppError::Invalid(FieldErrors::single(
                "names",
                "Say names=yes to include members' names, or leave it out.",
            )));
        }
    };
    Ok((range, list.area, names))
}

fn in_area(area: &Option<String>, a: &str) -> bool {
    area.as_deref().is_none_or(|x| x == a)
}

/// GET /overview/meetings.csv: every meeting dated in the range, of the groups the viewer may
/// see, with the group's and venue's ids and its figures (no names of members).
pub async fn network_meetings_csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let (range, area, _) = network_ask(&raw)?;
    let mut rows = vec![
        [
            "meeting_id",
            "group_id",
            "group",
            "area",
            "date",
            "time",
            "status",
            "venue_id",
            "venue",
            "attendances",
            "guests",
            "feedback_count",
            "feedback_average",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for m in state.store.network_meetings(&me, &range).await? {
        if !in_area(&area, &m.area) {
            continue;
        }
        rows.push(vec![
            m.meeting_id.to_string(),
            m.group_id.to_string(),
            m.group_name,
            m.area,
            m.local_date,
            m.local_time,
            m.status,
            m.venue_id.map(|v| v.to_string()).unwrap_or_default(),
            m.venue_name,
            m.attendances.to_string(),
            m.guests.to_string(),
            m.feedback_count.to_string(),
            if m.feedback_count > 0 {
                format!("{:.2}", m.feedback_total as f64 / m.feedback_count as f64)
            } else {
                String::new()
            },
        ]);
    }
    Ok(csv_download(csv_text(rows)?, "programme", "meetings"))
}

/// A network export's rows in the area asked for, each with its member's name last when names
/// were asked for: (area, cells, name).
fn pseudonymous_csv(
    head: &[&str],
    area: &Option<String>,
    names: bool,
    rows: impl Iterator<Item = (String, Vec<String>, String)>,
) -> AppResult<String> {
    let mut head: Vec<String> = head.iter().map(|h| h.to_string()).collect();
    if names {
        head.push("name".into());
    }
    let mut out = vec![head];
    for (row_area, mut cells, name) in rows {
        if in_area(area, &row_area) {
            if names {
                cells.push(name);
            }
            out.push(cells);
        }
    }
    csv_text(out)
}

/// GET /overview/attendance.csv: every sign-in at a held meeting in the range; members by id
/// (pseudonymous) unless `names=yes`, which is audited as a read of those members.
pub async fn network_attendance_csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let (range, area, names) = network_ask(&raw)?;
    let rows = state.store.network_attendance(&me, &range, names).await?;
    let text = pseudonymous_csv(
        &[
            "group_id",
            "area",
            "meeting_id",
            "date",
            "member_id",
            "member_or_guest",
        ],
        &area,
        names,
        rows.into_iter().map(|a| {
            let cells = vec![
                a.group_id.to_string(),
                a.area.clone(),
                a.meeting_id.to_string(),
                a.local_date,
                a.member_id.map(|m| m.to_string()).unwrap_or_default(),
                a.kind,
            ];
            (a.area, cells, a.name)
        }),
    )?;
    Ok(csv_download(text, "programme", "attendance"))
}

/// GET /overview/feedback.csv: each member's feedback on a held meeting in the range; members
/// by id unless `names=yes` (audited).
pub async fn network_feedback_csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let (range, area, names) = network_ask(&raw)?;
    let rows = state.store.network_feedback(&me, &range, names).await?;
    let text = pseudonymous_csv(
        &[
            "group_id",
            "area",
            "meeting_id",
            "date",
            "member_id",
            "rating",
            "comment",
        ],
        &area,
        names,
        rows.into_iter().map(|f| {
            let cells = vec![
                f.group_id.to_string(),
                f.area.clone(),
                f.meeting_id.to_string(),
                f.local_date,
                f.member_id.to_string(),
                f.rating.to_string(),
                f.comment,
            ];
            (f.area, cells, f.member_name)
        }),
    )?;
    Ok(csv_download(text, "programme", "feedback"))
}

// --- the coordinator's overview -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "insight/overview.html")]
struct OverviewPage {
    page: Page,
    form: Form,
    overview: Option<Overview>,
    /// The area filter's choices as (value, words).
    areas: Vec<(String, String)>,
    today: String,
    /// For coordinators: how backups are going, and whether that needs someone's attention.
    backup: Option<(String, bool)>,
    /// For coordinators: how long members are kept after leaving, and who is erased soon.
    retention: Option<(Option<i64>, Vec<crate::store::DueErasure>)>,
}

impl OverviewPage {
    /// The retention choices as (value, words, chosen now).
    fn retention_options(&self) -> Vec<(String, String, bool)> {
        let now = self.retention.as_ref().and_then(|(m, _)| *m);
        let mut options = vec![(
            "off".to_string(),
            "Never (keep them until someone erases them)".to_string(),
            now.is_none(),
        )];
        for c in crate::store::RETENTION_CHOICES {
            let suggested = if c == crate::store::RETENTION_SUGGESTED {
                " (suggested)"
            } else {
                ""
            };
            options.push((
                c.to_string(),
                format!("{c} months after they leave{suggested}"),
                now == Some(c),
            ));
        }
        options
    }
    fn retention_suggested(&self) -> i64 {
        crate::store::RETENTION_SUGGESTED
    }
    fn days_since(&self, g: &GroupOverview) -> String {
        match g.days_since(&self.today) {
            Some(d) if d > crate::domain::programme::NOT_MET_DAYS => format!("{d} days ago"),
            Some(_) => "recently".into(),
            None => "never".into(),
        }
    }
    fn needs_attention(&self) -> bool {
        self.overview
            .as_ref()
            .is_some_and(|o| o.attention.iter().any(|c| c.groups > 0))
    }
    /// The table has an Area column when any group has an area and no one area is chosen.
    fn area_column(&self) -> bool {
        !self.area_chosen() && self.areas.iter().any(|(v, _)| v != NO_AREA_PARAM)
    }
    fn area_chosen(&self) -> bool {
        !matches!(self.form.value("area").trim(), "" | "*")
    }
    /// The value the area filter sends for an area ("" is the groups with none).
    fn area_value(&self, area: &str) -> String {
        if area.is_empty() {
            NO_AREA_PARAM.to_string()
        } else {
            area.to_string()
        }
    }
    fn area_label(&self) -> String {
        match self.form.value("area").trim() {
            NO_AREA_PARAM => crate::domain::programme::NO_AREA.to_string(),
            a => a.to_string(),
        }
    }
    fn sort_choices(&self) -> Vec<(&'static str, &'static str)> {
        OverviewSort::ALL.iter().map(|(_, v, w)| (*v, *w)).collect()
    }
    fn show_choices(&self) -> Vec<(&'static str, String)> {
        let mut choices = vec![
            ("all", "Every group".to_string()),
            ("attention", "Groups that need attention".to_string()),
        ];
        for a in Attention::ALL {
            choices.push((a.as_str(), format!("Only: {}", a.label().to_lowercase())));
        }
        choices
    }
    /// This page's address with some of its parameters changed ("" removes one).
    fn href_with(&self, path: &str, changes: &[(&str, String)]) -> String {
        super::list_href(
            path,
            &self.form,
            &["from", "to", "area", "q", "show", "sort", "limit"],
            changes,
        )
    }
    /// A page of the groups' table, scrolled to it.
    fn page_href(&self, page: usize) -> String {
        self.href_with("/overview", &[("page", page.to_string())]) + "#groups"
    }
    fn show_href(&self, show: &str) -> String {
        self.href_with("/overview", &[("show", show.to_string())])
    }
    fn area_href(&self, area: &str) -> String {
        self.href_with("/overview", &[("area", self.area_value(area))])
    }
    fn report_href(&self) -> String {
        let mut pairs = vec![
            ("from", self.form.value("from")),
            ("to", self.form.value("to")),
        ];
        if self.area_chosen() {
            pairs.push(("area", self.form.value("area")));
        }
        format!(
            "/overview/report?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }
    /// A network export for the dates (and area) shown: "groups", "meetings", "attendance"
    /// or "feedback"; `names` adds members' names to attendance and feedback.
    fn csv_href(&self, what: &str, names: bool) -> String {
        let mut href =
            self.report_href()
                .replacen("/overview/report", &format!("/overview/{what}.csv"), 1);
        if names {
            href.push_str("&names=yes");
        }
        href
    }
}

/// What the overview was asked for: the dates, the search, the sort and the page, or the
/// form as typed with what is wrong.
type OverviewAsk = (DateRange, ListQuery<OverviewSort>, Show);

fn overview_ask(raw: &RawInput) -> Result<OverviewAsk, FieldErrors> {
    let tz = crate::domain::group::DEFAULT_TIMEZONE;
    let range = DateRange::parse(raw, today(tz));
    let list = ListQuery::<OverviewSort>::try_from(raw);
    let show = Show::parse(&raw.text("show"));
    match (range, list, show) {
        (Ok(r), Ok(l), Ok(s)) => Ok((r, l, s)),
        (r, l, s) => {
            let mut errors = FieldErrors::new();
            for e in [r.err(), l.err()].into_iter().flatten() {
                errors.0.extend(e.0);
            }
            if let Err(m) = s {
                errors.add("show", m);
            }
            Err(errors)
        }
    }
}

/// Every group the viewer can see: the programme's totals, what needs attention, and the
/// groups side by side, searched, sorted and a page at a time.
pub async fn overview(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let today = today(crate::domain::group::DEFAULT_TIMEZONE);
    let mut raw = crate::http::raw_of_query(query.as_deref())?;
    let (form, overview, areas, status) = match overview_ask(&raw) {
        Ok((range, list, show)) => {
            raw.set("from", &range.from);
            raw.set("to", &range.to);
            let (overview, figures) =
                crate::app::programme::overview(&state, &me, &range, &list, show).await?;
            (
                Form::from_raw(raw),
                Some(overview),
                area_choices(&crate::app::programme::areas_of(&figures)),
                StatusCode::OK,
            )
        }
        Err(errors) => (
            Form::with_errors(raw, errors),
            None,
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let backup = if me.is_coordinator() {
        Some(backup_note(&state).await?)
    } else {
        None
    };
    let retention = if me.is_coordinator() {
        let until = today
            .checked_add(jiff::Span::new().days(30))
            .unwrap_or(today);
        Some((
            state.store.retention_months().await?,
            state.store.erasures_due(until).await?,
        ))
    } else {
        None
    };
    render_status(
        status,
        &OverviewPage {
            page: staff_page("All groups at a glance", &me, &cookies, "overview"),
            form,
            overview,
            areas,
            today: today.to_string(),
            backup,
            retention,
        },
    )
}

#[derive(Template)]
#[template(path = "insight/programme_report.html")]
struct ProgrammeReportPage {
    page: Page,
    title: String,
    form: Form,
    overview: Option<Overview>,
    /// The area filter's choices as (value, words).
    areas: Vec<(String, String)>,
    area_chosen: bool,
    made_on: String,
}

/// The area filter's choices, as (value sent, words shown).
pub(super) fn area_choices(areas: &[String]) -> Vec<(String, String)> {
    areas
        .iter()
        .map(|a| {
            if a.is_empty() {
                (
                    NO_AREA_PARAM.to_string(),
                    crate::domain::programme::NO_AREA.to_string(),
                )
            } else {
                (a.clone(), a.clone())
            }
        })
        .collect()
}

/// GET /overview/report: the programme's figures for funders (or one area's), counts only.
pub async fn programme_report(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let tz = crate::domain::group::DEFAULT_TIMEZONE;
    let mut raw = crate::http::raw_of_query(query.as_deref())?;
    let (form, overview, areas, status, area) = match overview_ask(&raw) {
        Ok((range, list, _)) => {
            raw.set("from", &range.from);
            raw.set("to", &range.to);
            let (overview, figures) =
                crate::app::programme::overview(&state, &me, &range, &list, Show::All).await?;
            (
                Form::from_raw(raw),
                Some(overview),
                area_choices(&crate::app::programme::areas_of(&figures)),
                StatusCode::OK,
                list.area,
            )
        }
        Err(errors) => (
            Form::with_errors(raw, errors),
            None,
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
    };
    let title = match &area {
        None => "Programme report".to_string(),
        Some(a) if a.is_empty() => format!(
            "Programme report: {}",
            crate::domain::programme::NO_AREA.to_lowercase()
        ),
        Some(a) => format!("Programme report: {a}"),
    };
    render_status(
        status,
        &ProgrammeReportPage {
            page: staff_page(&title, &me, &cookies, "overview"),
            title,
            form,
            overview,
            areas,
            area_chosen: area.is_some(),
            made_on: today(tz).to_string(),
        },
    )
}

/// GET /overview/groups.csv: each group's figures for the dates (and area) chosen, one row a
/// group with its id, for a spreadsheet.
pub async fn programme_csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let (range, list, _) = overview_ask(&raw).map_err(AppError::Invalid)?;
    let groups = state.store.overview(&me, &range).await?;
    let figures = state.store.programme_figures(&me, &range).await?;
    let mut rows = vec![
        [
            "group_id",
            "group",
            "area",
            "from",
            "to",
            "meetings_held",
            "meetings_cancelled",
            "attendances",
            "people_reached",
            "new_members",
            "returning_members",
            "feedback_count",
            "feedback_average",
            "social_events",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut figures: Vec<_> = figures
        .into_iter()
        .filter(|f| list.area.as_deref().is_none_or(|a| a == f.area))
        .collect();
    let name_of = |id| {
        groups
            .iter()
            .find(|g| g.group_id == id)
            .map(|g| g.name.clone())
            .unwrap_or_default()
    };
    figures.sort_by_cached_key(|f| {
        (
            crate::domain::programme::natural_key(&name_of(f.group_id)),
            f.group_id,
        )
    });
    for f in figures {
        let t = crate::domain::programme::Totals::of([&f]);
        rows.push(vec![
            f.group_id.to_string(),
            name_of(f.group_id),
            f.area.clone(),
            range.from.clone(),
            range.to.clone(),
            t.meetings_held.to_string(),
            t.meetings_cancelled.to_string(),
            t.attendances.to_string(),
            t.people_reached.to_string(),
            t.new_members.to_string(),
            t.returning_members.to_string(),
            t.feedback_count.to_string(),
            t.feedback_average
                .map(|a| format!("{a:.2}"))
                .unwrap_or_default(),
            t.social_events.to_string(),
        ]);
    }
    Ok(csv_download(csv_text(rows)?, "programme", "groups"))
}

/// POST /settings/retention: how many months after leaving members are erased ("off": never).
pub async fn set_retention(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let chosen = raw.text("months");
    let months = match chosen.as_str() {
        "off" | "" => None,
        m => match m.parse::<i64>() {
            Ok(n) if crate::store::RETENTION_CHOICES.contains(&n) => Some(n),
            _ => {
                return Err(AppError::BadRequest(
                    "Choose how long to keep members' records.".into(),
                ));
            }
        },
    };
    state.store.set_retention_months(&me, months).await?;
    let message = match months {
        Some(m) => format!("Members will be erased {m} months after they leave."),
        None => "Members who have left are kept until someone erases them.".to_string(),
    };
    Ok(super::redirect_with("/overview#retention", &message))
}

/// A sentence on the backups, for coordinators; true when someone should look into it (the
/// last one failed, none was ever taken, or the last that worked is more than two days old).
async fn backup_note(state: &AppState) -> AppResult<(String, bool)> {
    let (last, good) = state.store.last_backups().await?;
    let tz = crate::domain::group::DEFAULT_TIMEZONE;
    let size = |bytes: i64| {
        if bytes >= 1 << 20 {
            format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
        } else {
            format!("{} kB", (bytes + 1023) / 1024)
        }
    };
    let scheduled = state.config.backup.is_some();
    Ok(match (&last, &good) {
        (Some(l), good) if l.failed() => (
            format!(
                "The last backup failed ({}): {}. {}",
                crate::labels::when(l.finished_at, tz),
                l.error,
                match good {
                    Some(g) => format!(
                        "The last one that worked was made {}.",
                        crate::labels::when(g.finished_at, tz)
                    ),
                    None => "No backup has worked yet.".to_string(),
                }
            ),
            true,
        ),
        (Some(l), _) => (
            format!(
                "Last backup: {} ({}).",
                crate::labels::when(l.finished_at, tz),
                size(l.bytes)
            ),
            crate::store::now() - l.finished_at > 2 * 86_400,
        ),
        (None, _) if scheduled => (
            "Backups are set up; the first one is made within a minute of starting.".to_string(),
            false,
        ),
        (None, _) => (
            "Hearth is not making backups on a schedule. Ask whoever runs Hearth to set one up \
             (docs/operations.md)."
                .to_string(),
            true,
        ),
    })
}

//! Group pages: the list, a group's page, adding and changing a group, assigning facilitators.

use crate::domain::ids::{GroupId, VenueId};
use crate::paths;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::account::staff_page;
use super::{
    CheckedForm, Cookies, Coordinator, CurrentStaff, Form, Page, date_label, redirect_with, render,
    render_status,
};
use crate::AppState;
use crate::domain::access::{Role, Staff};
use crate::domain::group::{DEFAULT_TIMEZONE, Group, GroupInput};
use crate::domain::programme::{ListQuery, SortOrder, matches, natural_key};
use crate::domain::venue::Venue;
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::{Conflict, Facilitator, GroupSummary, StoreError};

/// Time zones offered first in the form; any IANA name is accepted.
pub const COMMON_TIMEZONES: [&str; 12] = [
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
];

use crate::domain::group::SUGGESTED_GROUND_RULES;

#[derive(Template)]
#[template(path = "groups/list.html")]
struct ListPage {
    page: Page,
    form: Form,
    /// One page of the groups found (None when the search could not be read).
    found: Option<crate::domain::programme::Page<GroupSummary>>,
    /// The area filter's choices as (value, words).
    areas: Vec<(String, String)>,
    /// Groups the viewer has in all.
    all: usize,
}

/// How the groups list can be sorted.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum GroupSort {
    #[default]
    Name,
    Members,
    Area,
}

impl SortOrder for GroupSort {
    const ALL: &'static [(GroupSort, &'static str, &'static str)] = &[
        (GroupSort::Name, "name", "Name"),
        (GroupSort::Members, "members", "Most members"),
        (GroupSort::Area, "area", "Area"),
    ];
}

impl ListPage {
    fn sort_choices(&self) -> Vec<(&'static str, &'static str)> {
        GroupSort::ALL.iter().map(|(_, v, w)| (*v, *w)).collect()
    }
    fn page_href(&self, page: usize) -> String {
        super::list_href(
            "/groups",
            &self.form,
            &["q", "area", "sort", "limit"],
            &[("page", page.to_string())],
        )
    }
}

/// GET /groups: the viewer's groups, searched by name, area or venue, filtered by area,
/// sorted and a page at a time (numbers in names sort as numbers).
pub async fn list(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let groups = state.store.groups_for(&me).await?;
    let all = groups.len();
    let mut areas: Vec<&str> = groups.iter().map(|g| g.group.area.as_str()).collect();
    areas.sort_by_key(|a| (a.is_empty(), natural_key(a)));
    areas.dedup();
    let areas =
        super::insight::area_choices(&areas.iter().map(|a| a.to_string()).collect::<Vec<_>>());
    let (form, found, status) = super::list_ask(raw, |q: &ListQuery<GroupSort>| {
        let mut rows: Vec<GroupSummary> = groups
            .into_iter()
            .filter(|g| q.area.as_deref().is_none_or(|a| a == g.group.area))
            .filter(|g| {
                matches(
                    &[
                        &g.group.name,
                        &g.group.area,
                        g.venue_name.as_deref().unwrap_or(""),
                    ],
                    &q.q,
                )
            })
            .collect();
        rows.sort_by_cached_key(|g| (natural_key(&g.group.name), g.group.id));
        match q.sort {
            GroupSort::Name => {}
            GroupSort::Members => rows.sort_by_key(|g| std::cmp::Reverse(g.active_members)),
            GroupSort::Area => {
                rows.sort_by_cached_key(|g| (g.group.area.is_empty(), natural_key(&g.group.area)))
            }
        }
        crate::domain::programme::Page::cut(rows, q.offset, q.limit)
    });
    render_status(
        status,
        &ListPage {
            page: staff_page("Groups", &me, &cookies, "groups"),
            form,
            found,
            areas,
            all,
        },
    )
}

#[derive(Template)]
#[template(path = "groups/form.html")]
struct FormPage {
    page: Page,
    form: Form,
    venues: Vec<Venue>,
    timezones: Vec<String>,
    /// None for a new group.
    group_id: Option<GroupId>,
}

impl FormPage {
    fn action(&self) -> String {
        match self.group_id {
            Some(id) => paths::group_edit(id),
            None => "/groups/new".into(),
        }
    }
    fn venue_selected(&self, id: &VenueId) -> bool {
        self.form.value("usual_venue_id") == id.to_string()
    }
}

async fn form_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    form: Form,
    group_id: Option<GroupId>,
    status: StatusCode,
) -> AppResult<Response> {
    let venues = state.store.venues().await?;
    let mut timezones: Vec<String> = COMMON_TIMEZONES.iter().map(|s| s.to_string()).collect();
    let current = form.value("timezone");
    if !current.is_empty() && !timezones.contains(&current) {
        timezones.insert(0, current);
    }
    let title = if group_id.is_some() {
        "Change group details"
    } else {
        "Add a group"
    };
    render_status(
        status,
        &FormPage {
            page: staff_page(title, me, cookies, "groups"),
            form,
            venues,
            timezones,
            group_id,
        },
    )
}

pub async fn new_page(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    cookies: Cookies,
) -> AppResult<Response> {
    let mut raw = RawInput::default();
    raw.set("timezone", DEFAULT_TIMEZONE);
    raw.set("usual_meeting_length", "90");
    raw.set("reminder_hours", "48");
    raw.set("open_to_new_members", "true");
    raw.set("format", "open_ended");
    raw.set("ground_rules", SUGGESTED_GROUND_RULES);
    form_page(
        &state,
        &me,
        &cookies,
        Form::from_raw(raw),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let input = match GroupInput::try_from(&raw) {
        Ok(i) => i,
        Err(e) => {
            return form_page(
                &state,
                &me,
                &cookies,
                Form::with_errors(raw, e),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state.store.create_group(&me, &input).await {
        Ok(g) => Ok(redirect_with(
            &paths::group(g.id),
            &format!("{} has been added.", g.name),
        )),
        Err(StoreError::Conflict(Conflict::NoSuchVenue)) => {
            let e = FieldErrors::single(
                "usual_venue_id",
                "That venue no longer exists. Choose another.",
            );
            form_page(
                &state,
                &me,
                &cookies,
                Form::with_errors(raw, e),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "groups/show.html")]
struct ShowPage {
    page: Page,
    group: Group,
    venue: Option<Venue>,
    facilitators: Vec<Facilitator>,
    /// The facilitator accounts a coordinator may add, found by `find` (all of them when there
    /// are few); empty for facilitators.
    assignable: Vec<crate::store::StaffEntry>,
    /// What the coordinator searched for among the facilitators ("" before a search).
    find: String,
    /// How many facilitator accounts are not on the group (0: nobody left to add).
    unassigned: usize,
    /// More were found than are shown.
    find_more: bool,
    active_members: usize,
    reviewed_on: Option<String>,
    next_meeting: Option<crate::store::MeetingSummary>,
    meetings_held: usize,
    concerns: i64,
    polls: Vec<crate::domain::poll::Poll>,
    mail_configured: bool,
    /// Messages waiting and failed for good.
    mail_counts: (i64, i64),
}

impl ShowPage {
    /// Whether the coordinator finds facilitators by searching (too many to list, or a search
    /// made).
    fn searching(&self) -> bool {
        self.unassigned > PICK_AT_ONCE || !self.find.is_empty()
    }

    /// The facilitators as the form that takes `except` off the group sends them.
    fn ids_without(&self, except: &i64) -> Vec<i64> {
        self.facilitators
            .iter()
            .map(|f| f.id)
            .filter(|id| id != except)
            .collect()
    }
}

/// Up to this many facilitators are offered at once to add to a group; with no more accounts
/// than this, all are offered without a search.
const PICK_AT_ONCE: usize = 12;

pub async fn show(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<GroupId>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let find: String = raw.text("find").trim().chars().take(200).collect();
    let group = state.store.group_for(&me, id).await?;
    let venue = match group.usual_venue_id {
        Some(v) => state.store.venue(v).await.ok(),
        None => None,
    };
    let scope = state.store.group(&me, id).await?;
    let facilitators = state.store.facilitators_of(&scope).await?;
    // A coordinator adds facilitators by searching for a name, email address or phone number
    // (a network has hundreds); a small one sees them all.
    let (assignable, unassigned, find_more) = if me.is_coordinator() {
        let candidates: Vec<crate::store::StaffEntry> = state
            .store
            .staff_directory()
            .await?
            .into_iter()
            .filter(|a| a.role() == Role::Facilitator && !a.disabled)
            .filter(|a| !facilitators.iter().any(|f| f.id == a.id))
            .collect();
        let unassigned = candidates.len();
        let mut found: Vec<crate::store::StaffEntry> = if find.is_empty() {
            if unassigned <= PICK_AT_ONCE {
                candidates
            } else {
                Vec::new()
            }
        } else {
            candidates
                .into_iter()
                .filter(|a| {
                    crate::domain::programme::matches(&[&a.name, &a.email, &a.phone], &find)
                })
                .collect()
        };
        found.sort_by_cached_key(|a| (crate::domain::programme::natural_key(&a.name), a.id));
        let more = found.len() > PICK_AT_ONCE;
        found.truncate(PICK_AT_ONCE);
        (found, unassigned, more)
    } else {
        (Vec::new(), 0, false)
    };
    let figures = state.store.group_figures(&scope).await?;
    let soon = crate::store::now() - 12 * 3600;
    let next_meeting = state
        .store
        .coming_meetings_of(&scope, soon, 1)
        .await?
        .into_iter()
        .next();
    let polls = state
        .store
        .polls_of(&scope)
        .await?
        .into_iter()
        .filter(|p| p.is_open())
        .map(crate::store::PollAccess::into_poll)
        .collect();
    render(&ShowPage {
        polls,
        mail_configured: state.config.smtp_url.is_some(),
        mail_counts: (figures.mail_pending, figures.mail_failed),
        next_meeting,
        meetings_held: figures.meetings_held as usize,
        concerns: figures.concerns,
        page: staff_page(&group.name, &me, &cookies, "groups"),
        reviewed_on: group.ground_rules_reviewed_on.as_deref().map(date_label),
        group,
        venue,
        facilitators,
        assignable,
        find,
        unassigned,
        find_more,
        active_members: figures.active_members as usize,
    })
}

pub async fn edit_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<GroupId>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, id).await?;
    form_page(
        &state,
        &me,
        &cookies,
        Form::from_raw(group.to_raw()),
        Some(id),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    // Check access before looking at the input, so a stranger learns nothing from the errors.
    state.store.group_for(&me, id).await?;
    let input = match GroupInput::try_from(&raw) {
        Ok(i) => i,
        Err(e) => {
            return form_page(
                &state,
                &me,
                &cookies,
                Form::with_errors(raw, e),
                Some(id),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let scope = state.store.group(&me, id).await?;
    match state.store.update_group(&scope, &input).await {
        Ok(g) => Ok(redirect_with(
            &paths::group(id),
            &format!("{} has been saved.", g.name),
        )),
        Err(StoreError::Conflict(Conflict::NoSuchVenue)) => {
            let e = FieldErrors::single(
                "usual_venue_id",
                "That venue no longer exists. Choose another.",
            );
            form_page(
                &state,
                &me,
                &cookies,
                Form::with_errors(raw, e),
                Some(id),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "groups/confirm_no_facilitator.html")]
struct ConfirmNoFacilitatorPage {
    page: Page,
    group_id: GroupId,
    group_name: String,
    /// Who facilitates it now, by name.
    current: String,
}

pub async fn set_facilitators(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    cookies: Cookies,
    Path(id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let mut ids = Vec::new();
    for v in raw.all("facilitator") {
        ids.push(
            v.trim()
                .parse::<i64>()
                .map_err(|_| AppError::BadRequest("Choose facilitators from the list.".into()))?,
        );
    }
    let scope = state.store.group_to_staff(&me, id).await?;
    // Unticking everyone leaves the group with nobody to run it: asked first.
    if ids.is_empty() && raw.text("confirm") != "yes" {
        let group = state.store.group_for(&me, id).await?;
        let current = state.store.facilitators_of(&scope).await?;
        if !current.is_empty() {
            let names: Vec<String> = current.iter().map(|f| f.name.clone()).collect();
            return render(&ConfirmNoFacilitatorPage {
                page: staff_page(
                    "Leave the group with no facilitator?",
                    &me,
                    &cookies,
                    "groups",
                ),
                group_id: id,
                group_name: group.name,
                current: names.join(", "),
            });
        }
    }
    state.store.set_facilitators(&me, &scope, &ids).await?;
    Ok(redirect_with(
        &paths::group(id),
        "The group's facilitators have been saved.",
    ))
}

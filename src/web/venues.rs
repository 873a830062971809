//! Venue pages: the list, a venue's page, adding and correcting a venue.

use crate::domain::ids::VenueId;
use crate::paths;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::account::staff_page;
use super::{CheckedForm, Cookies, CurrentStaff, Form, Page, redirect_with, render, render_status};
use crate::AppState;
use crate::domain::RawInput;
use crate::domain::access::Staff;
use crate::domain::venue::{StepFree, Venue, VenueInput};
use crate::error::{AppError, AppResult};

#[derive(Template)]
#[template(path = "venues/list.html")]
struct ListPage {
    page: Page,
    /// The search, as typed (and its errors).
    form: Form,
    found: Option<crate::domain::programme::Page<Venue>>,
    /// How many venues there are in all.
    all: usize,
    may_add: bool,
}

impl ListPage {
    fn sort_choices(&self) -> Vec<(&'static str, &'static str)> {
        use crate::domain::programme::SortOrder;
        crate::app::staff::VenueSort::ALL
            .iter()
            .map(|(_, v, w)| (*v, *w))
            .collect()
    }
    fn page_href(&self, page: usize) -> String {
        super::list_href(
            "/venues",
            &self.form,
            &["q", "sort", "limit"],
            &[("page", page.to_string())],
        )
    }
}

/// GET /venues: the network's venues, searched by name, address or booking contact, sorted
/// and a page at a time.
pub async fn list(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let venues = state.store.venues().await?;
    let all = venues.len();
    let (form, found, status) = super::list_ask(
        raw,
        |q: &crate::domain::programme::ListQuery<crate::app::staff::VenueSort>| {
            crate::app::staff::venue_page(venues, q)
        },
    );
    render_status(
        status,
        &ListPage {
            page: staff_page("Venues", &me, &cookies, "venues"),
            form,
            found,
            all,
            may_add: crate::Store::may_add_venue(&me),
        },
    )
}

#[derive(Template)]
#[template(path = "venues/form.html")]
struct FormPage {
    page: Page,
    form: Form,
    venue_id: Option<VenueId>,
    step_free: &'static [(&'static str, &'static str)],
}

fn form_page(
    me: &Staff,
    cookies: &Cookies,
    form: Form,
    venue_id: Option<VenueId>,
    status: StatusCode,
) -> AppResult<Response> {
    let title = if venue_id.is_some() {
        "Change venue details"
    } else {
        "Add a venue"
    };
    render_status(
        status,
        &FormPage {
            page: staff_page(title, me, cookies, "venues"),
            form,
            venue_id,
            step_free: StepFree::CHOICES,
        },
    )
}

pub async fn new_page(CurrentStaff(me): CurrentStaff, cookies: Cookies) -> AppResult<Response> {
    if !crate::Store::may_add_venue(&me) {
        return Err(AppError::Forbidden);
    }
    let mut raw = RawInput::default();
    raw.set("step_free", "no");
    form_page(&me, &cookies, Form::from_raw(raw), None, StatusCode::OK)
}

pub async fn create(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    if !crate::Store::may_add_venue(&me) {
        return Err(AppError::Forbidden);
    }
    match VenueInput::try_from(&raw) {
        Ok(input) => {
            let v = state.store.create_venue(&me, &input).await?;
            Ok(redirect_with(
                &paths::venue(v.id),
                &format!("{} has been added.", v.name),
            ))
        }
        Err(e) => form_page(
            &me,
            &cookies,
            Form::with_errors(raw, e),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

#[derive(Template)]
#[template(path = "venues/show.html")]
struct ShowPage {
    page: Page,
    venue: Venue,
    /// Groups the viewer may see that meet here, and how many others do.
    used_by: Vec<(crate::domain::ids::GroupId, String)>,
    used_by_others: i64,
    may_change: bool,
}

pub async fn show(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<VenueId>,
) -> AppResult<Response> {
    let venue = state.store.venue(id).await?;
    let (used_by, used_by_others) = state.store.groups_using_venue(&me, id).await?;
    render(&ShowPage {
        page: staff_page(&venue.name, &me, &cookies, "venues"),
        used_by,
        used_by_others,
        may_change: state.store.may_change_venue(&me, id).await?,
        venue,
    })
}

pub async fn edit_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<VenueId>,
) -> AppResult<Response> {
    let venue = state.store.venue(id).await?;
    if !state.store.may_change_venue(&me, id).await? {
        return Err(AppError::Forbidden);
    }
    form_page(
        &me,
        &cookies,
        Form::from_raw(venue.to_raw()),
        Some(id),
        StatusCode::OK,
    )
}

pub async fn update(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<VenueId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    state.store.venue(id).await?;
    if !state.store.may_change_venue(&me, id).await? {
        return Err(AppError::Forbidden);
    }
    match VenueInput::try_from(&raw) {
        Ok(input) => {
            let v = state.store.update_venue(&me, id, &input).await?;
            Ok(redirect_with(
                &paths::venue(id),
                &format!("{} has been saved.", v.name),
            ))
        }
        Err(e) => form_page(
            &me,
            &cookies,
            Form::with_errors(raw, e),
            Some(id),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

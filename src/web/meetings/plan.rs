//! Planning meetings: a group's list, the form to plan or move one, a series, cancelling and putting back on, inviting, and agreeing the next date.

use super::*;
use crate::domain::ids::MeetingId;
use crate::domain::ids::{GroupId, VenueId};
use crate::paths;

/// This part's routes, merged into the router by `meetings::routes`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::GROUP_MEETINGS, get(list))
        .route(paths::GROUP_MEETINGS_NEW, get(new_page).post(create))
        .route(paths::GROUP_SERIES_NEW, get(series_new).post(series_create))
        .route(paths::MEETING_EDIT, get(edit_page).post(update))
        .route(paths::MEETING_CANCEL, post(cancel))
        .route(paths::MEETING_REINSTATE, post(reinstate))
        .route(paths::MEETING_INVITE, post(invite))
        .route(paths::MEETING_NEXT, post(propose_next))
}

#[derive(Template)]
#[template(path = "meetings/list.html")]
struct ListPage {
    page: Page,
    group: Group,
    upcoming: Vec<MeetingSummary>,
    past: Vec<MeetingSummary>,
}

pub async fn list(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let scope = state.store.group(&me, group_id).await?;
    let all = state.store.meetings_of(&scope).await?;
    let cutoff = now() - 12 * 3600;
    let (mut past, upcoming): (Vec<_>, Vec<_>) = all.into_iter().partition(|s| {
        s.meeting.is_held() || (s.meeting.starts_at < cutoff && !s.meeting.is_under_way())
    });
    past.reverse();
    render(&ListPage {
        page: staff_page(
            &format!("Meetings of {}", group.name),
            &me,
            &cookies,
            "groups",
        ),
        group,
        upcoming,
        past,
    })
}

#[derive(Template)]
#[template(path = "meetings/form.html")]
struct FormPage {
    page: Page,
    group: Group,
    form: Form,
    venues: Vec<Venue>,
    meeting_id: Option<MeetingId>,
}

impl FormPage {
    fn venue_selected(&self, id: &VenueId) -> bool {
        self.form.value("venue_id") == id.to_string()
    }
}

async fn form_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group: Group,
    form: Form,
    meeting_id: Option<MeetingId>,
    status: StatusCode,
) -> AppResult<Response> {
    let venues = state.store.venues().await?;
    let title = if meeting_id.is_some() {
        "Change the meeting".to_string()
    } else {
        format!("Plan a meeting of {}", group.name)
    };
    render_status(
        status,
        &FormPage {
            page: staff_page(&title, me, cookies, "groups"),
            group,
            form,
            venues,
            meeting_id,
        },
    )
}

pub async fn new_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut raw = RawInput::default();
    raw.set("duration_minutes", group.usual_meeting_length.to_string());
    if let Some(v) = group.usual_venue_id {
        raw.set("venue_id", v.to_string());
    }
    // Suggest the same weekday and time as the last meeting, four weeks on.
    let scope = state.store.group(&me, group_id).await?;
    let meetings = state.store.meetings_of(&scope).await?;
    if let Some(last) = meetings.iter().rev().find(|m| !m.meeting.is_cancelled()) {
        raw.set("start_time", &last.meeting.local_time);
        if let Ok(d) = last.meeting.local_date.parse::<jiff::civil::Date>()
            && let Ok(next) = d.checked_add(jiff::Span::new().weeks(4))
        {
            raw.set("date", next.to_string());
        }
    }
    form_page(
        &state,
        &me,
        &cookies,
        group,
        Form::from_raw(raw),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let scope = state.store.group(&me, group_id).await?;
    let errors = match MeetingInput::parse(
        &raw,
        &group.timezone,
        group.usual_meeting_length,
        group.usual_venue_id,
    ) {
        Ok((input, starts_at)) => match state.store.create_meeting(&scope, &input, starts_at).await
        {
            Ok(m) => {
                return Ok(redirect_with(
                    &paths::meeting(m.id),
                    &format!("The meeting on {} is planned.", m.date_label()),
                ));
            }
            Err(e) => venue_error(e)?,
        },
        Err(e) => e,
    };
    form_page(
        &state,
        &me,
        &cookies,
        group,
        Form::with_errors(raw, errors),
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn edit_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    let m = state.store.meeting_for(&me, id).await?;
    let group = state.store.group_for(&me, m.group_id).await?;
    let mut raw = RawInput::default();
    raw.set("date", &m.local_date);
    raw.set("start_time", &m.local_time);
    raw.set("duration_minutes", m.duration_minutes.to_string());
    raw.set(
        "venue_id",
        m.venue_id.map(|v| v.to_string()).unwrap_or_default(),
    );
    raw.set("topic", &m.topic);
    form_page(
        &state,
        &me,
        &cookies,
        group,
        Form::from_raw(raw),
        Some(id),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    let group = state.store.group_for(&me, m.group_id).await?;
    let errors = match MeetingInput::parse(&raw, &group.timezone, group.usual_meeting_length, None)
    {
        Ok((input, starts_at)) => match state.store.update_meeting(&m, &input, starts_at).await {
            Ok(_) => {
                let told = crate::mail::after_change(&state, &m).await?;
                return Ok(redirect_with(
                    &paths::meeting(id),
                    &with_outcome("The meeting has been changed.", told),
                ));
            }
            Err(e) => venue_error(e)?,
        },
        Err(e) => e,
    };
    form_page(
        &state,
        &me,
        &cookies,
        group,
        Form::with_errors(raw, errors),
        Some(id),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Emails the invitation to the meeting to members who use email.
pub async fn invite(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MeetingId>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting_for(&me, id).await?;
    if !m.is_planned() {
        return Err(AppError::BadRequest(
            "Only a planned meeting can be sent out as an invitation.".into(),
        ));
    }
    let outcome = crate::mail::meeting_invitation(&state, id).await?;
    let message = match outcome {
        crate::mail::Outcome::Queued(0) => {
            "Everyone who uses email has had this invitation already, or nobody in the group uses email.".to_string()
        }
        other => other.sentence(),
    };
    Ok(redirect_with(&paths::meeting(id), &message))
}

// --- the preparation page (the meeting's page) ------------------------------------------

pub async fn cancel(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    match parse_cancel_reason(&raw) {
        Ok(reason) => {
            let meeting = state.store.meeting(&me, id).await?;
            let changed =
                app::meetings::change_status(&state, &meeting, MeetingEvent::Cancel, &reason)
                    .await?
                    .map_err(app::meetings::refused)?;
            Ok(redirect_with(
                &paths::meeting(id),
                &with_outcome("The meeting has been cancelled.", changed.told),
            ))
        }
        Err(e) => {
            show_page(
                &state,
                &me,
                &cookies,
                id,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
                false,
            )
            .await
        }
    }
}

pub async fn reinstate(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MeetingId>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    app::meetings::change_status(&state, &meeting, MeetingEvent::Reinstate, "")
        .await?
        .map_err(app::meetings::refused)?;
    Ok(redirect_with(
        &paths::meeting(id),
        "The meeting is back on.",
    ))
}

// --- the run-sheet ----------------------------------------------------------------------

/// From the run-sheet's "next meeting" step: plans the next meeting on the date the group
/// agreed, with those present whom it suits noted as coming, in one go.
pub async fn propose_next(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    let group = state.store.group_for(&me, meeting.group_id).await?;
    let suits: Vec<i64> = raw
        .all("suits")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let errors = match MeetingInput::parse(
        &raw,
        &group.timezone,
        group.usual_meeting_length,
        meeting.venue_id,
    ) {
        Ok((input, starts_at)) => {
            match state
                .store
                .create_meeting_then(
                    &meeting.group(),
                    &input,
                    starts_at,
                    AfterInsert::Suits(&suits),
                )
                .await
            {
                Ok(next) => {
                    return Ok(redirect_with(
                        &(paths::meeting_run(id) + "#brainstorm"),
                        &format!(
                            "The next meeting is planned for {}, {}.",
                            next.date_label(),
                            next.time_label()
                        ),
                    ));
                }
                Err(e) => venue_error(e)?,
            }
        }
        Err(e) => e,
    };
    run_page(
        &state,
        &me,
        &cookies,
        id,
        Form::with_errors(raw, errors),
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
    )
    .await
}

#[derive(Template)]
#[template(path = "meetings/series.html")]
struct SeriesPage {
    page: Page,
    group: Group,
    form: Form,
    venues: Vec<Venue>,
}

impl SeriesPage {
    fn venue_selected(&self, id: &VenueId) -> bool {
        self.form.value("venue_id") == id.to_string()
    }
}

async fn series_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group: Group,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let venues = state.store.venues().await?;
    render_status(
        status,
        &SeriesPage {
            page: staff_page(
                &format!("Plan a series for {}", group.name),
                me,
                cookies,
                "groups",
            ),
            group,
            form,
            venues,
        },
    )
}

pub async fn series_new(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut raw = RawInput::default();
    raw.set("repeat", "monthly_weekday");
    raw.set("count", "6");
    raw.set("duration_minutes", group.usual_meeting_length.to_string());
    if let Some(v) = group.usual_venue_id {
        raw.set("venue_id", v.to_string());
    }
    series_page(
        &state,
        &me,
        &cookies,
        group,
        Form::from_raw(raw),
        StatusCode::OK,
    )
    .await
}

/// Plans every meeting of a series at once from plain choices (weekly, fortnightly, the same
/// weekday or date each month; how many).
pub async fn series_create(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut e = FieldErrors::new();
    let first = crate::domain::optional_date(&raw, "first_date", &mut FieldErrors::new());
    let rule = crate::domain::series::rule_from_choices(&raw, first, &mut e);
    let planned = crate::domain::series::plan_series(
        &raw,
        rule.as_deref().unwrap_or("FREQ=WEEKLY;COUNT=1"),
        &group.timezone,
        group.usual_meeting_length,
        None,
    );
    let meetings = match planned {
        Ok(m) if e.is_empty() => m,
        Ok(_) => {
            return series_page(
                &state,
                &me,
                &cookies,
                group,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(more) => {
            for f in more.0 {
                if e.get(&f.field).is_none() && f.field != "rrule" {
                    e.add(&f.field, f.message);
                }
            }
            return series_page(
                &state,
                &me,
                &cookies,
                group,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let rule = rule.unwrap_or_default();
    let scope = state.store.group(&me, group_id).await?;
    match state.store.create_series(&scope, &rule, &meetings).await {
        Ok((_, ids)) => Ok(redirect_with(
            &paths::group_meetings(group_id),
            &format!(
                "{} meetings are planned. Each one can be moved or cancelled on its own.",
                ids.len()
            ),
        )),
        Err(StoreError::Conflict(Conflict::NoSuchVenue)) => {
            let e = FieldErrors::single("venue_id", "That venue no longer exists. Choose another.");
            series_page(
                &state,
                &me,
                &cookies,
                group,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

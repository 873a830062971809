//! The meeting's record afterwards: notes and round-up, actions, and the group's notes as CSV.

use super::*;
use crate::domain::ids::{GroupId, MeetingId};
use crate::paths;

/// This part's routes, merged into the router by `meetings::routes`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::GROUP_MEETINGS_CSV, get(notes_csv))
        .route(paths::MEETING_NOTES, get(notes).post(save_notes))
        .route(paths::MEETING_ACTIONS, post(add_action))
        .route(paths::MEETING_ACTION_DONE, post(action_done))
}

#[derive(Template)]
#[template(path = "meetings/notes.html")]
struct NotesPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    number: i64,
    venue: Option<Venue>,
    facilitators: Vec<crate::store::Facilitator>,
    attendance: Vec<AttendanceRow>,
    actions: Vec<Action>,
    /// "Since last time" lines: private ones only for the group's facilitators.
    checkins: Vec<crate::domain::topic::CheckinEntry>,
    form: Form,
    action_form: Form,
    /// The "Add an action" fields (name, label, input type), part of the record's one form.
    action_fields: [(&'static str, &'static str, &'static str); 3],
}

impl NotesPage {
    fn members_attended(&self) -> usize {
        self.attendance.iter().filter(|a| !a.is_guest).count()
    }
    fn guests(&self) -> usize {
        self.attendance.iter().filter(|a| a.is_guest).count()
    }
    fn any_private_checkin(&self) -> bool {
        self.checkins.iter().any(|c| c.private)
    }
}

async fn notes_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: MeetingId,
    form: Option<Form>,
    action_form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let access = state.store.meeting(me, id).await?;
    let meeting = access.meeting().clone();
    let group = state.store.group_for(me, meeting.group_id).await?;
    let venue = match meeting.venue_id {
        Some(v) => state.store.venue(v).await.ok(),
        None => None,
    };
    let form = form.unwrap_or_else(|| {
        let mut raw = RawInput::default();
        raw.set("topics_discussed", &meeting.topics_discussed);
        raw.set("key_points", &meeting.key_points);
        raw.set("pass_on", &meeting.pass_on);
        raw.set("round_up_good", &meeting.round_up_good);
        raw.set("round_up_not_so_good", &meeting.round_up_not_so_good);
        raw.set("round_up_sharing", &meeting.round_up_sharing);
        Form::from_raw(raw)
    });
    render_status(
        status,
        &NotesPage {
            action_fields: [
                ("what", "What needs doing", "text"),
                ("who", "Who will do it", "text"),
                ("by_date", "By when (optional)", "date"),
            ],
            page: staff_page(
                &format!("Notes: {}", meeting.date_label()),
                me,
                cookies,
                "groups",
            ),
            number: state.store.meeting_number(&access).await?,
            facilitators: match crate::store::GroupScope::staff_group(&access) {
                Some(g) => state.store.facilitators_of(&g).await?,
                None => Vec::new(),
            },
            attendance: state.store.attendance_of(&access).await?,
            actions: state.store.actions_of(&access).await?,
            checkins: state.store.meeting_checkins(me, &access).await?,
            meeting,
            group,
            venue,
            form,
            action_form,
        },
    )
}

pub async fn notes(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    notes_page(
        &state,
        &me,
        &cookies,
        id,
        None,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

pub async fn save_notes(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    if let Err(e) = keep_record(&state, &m, &raw).await? {
        return record_again(&state, &me, &cookies, id, raw, e, FieldErrors::new()).await;
    }
    // An action typed below the notes is kept too.
    if !raw.text("what").is_empty() || !raw.text("who").is_empty() {
        return add_action_from(
            &state,
            &me,
            &cookies,
            &m,
            raw,
            "The notes and the action have been saved.",
        )
        .await;
    }
    Ok(redirect_with(
        &paths::meeting_notes(id),
        "The notes have been saved.",
    ))
}

/// Saves the record's text when the form carried it (every button of the record page sends
/// it) and it changed. A mistake in it comes back as field errors, and nothing is saved.
async fn keep_record(
    state: &AppState,
    m: &MeetingAccess,
    raw: &RawInput,
) -> AppResult<Result<(), FieldErrors>> {
    let fields = [
        "topics_discussed",
        "key_points",
        "pass_on",
        "round_up_good",
        "round_up_not_so_good",
        "round_up_sharing",
    ];
    if !fields.iter().any(|f| raw.get(f).is_some()) {
        return Ok(Ok(()));
    }
    let n = match NotesInput::try_from(raw) {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    let same = m.topics_discussed == n.topics_discussed
        && m.key_points == n.key_points
        && m.round_up_good == n.round_up_good
        && m.round_up_not_so_good == n.round_up_not_so_good
        && m.round_up_sharing == n.round_up_sharing
        && m.pass_on == n.pass_on;
    if !same {
        state.store.save_notes(m, &n).await?;
    }
    Ok(Ok(()))
}

/// The record page again, with what was typed and the problems next to their fields.
#[allow(clippy::too_many_arguments)]
async fn record_again(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: MeetingId,
    raw: RawInput,
    notes_errors: FieldErrors,
    action_errors: FieldErrors,
) -> AppResult<Response> {
    notes_page(
        state,
        me,
        cookies,
        id,
        Some(Form::with_errors(raw.clone(), notes_errors)),
        Form::with_errors(raw, action_errors),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn add_action_from(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    meeting: &MeetingAccess,
    raw: RawInput,
    done: &str,
) -> AppResult<Response> {
    let id = meeting.id();
    match ActionInput::try_from(&raw) {
        Ok(a) => {
            state.store.add_action(meeting, &a).await?;
            Ok(redirect_with(
                &(paths::meeting_notes(id) + "#actions"),
                done,
            ))
        }
        Err(e) => record_again(state, me, cookies, id, raw, FieldErrors::new(), e).await,
    }
}

pub async fn add_action(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    if let Err(e) = keep_record(&state, &m, &raw).await? {
        return record_again(&state, &me, &cookies, id, raw, e, FieldErrors::new()).await;
    }
    add_action_from(&state, &me, &cookies, &m, raw, "The action has been added.").await
}

pub async fn action_done(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path((id, action_id)): Path<(MeetingId, i64)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let done = raw.flag("done").map_err(AppError::BadRequest)?;
    let m = state.store.meeting(&me, id).await?;
    if let Err(e) = keep_record(&state, &m, &raw).await? {
        return record_again(&state, &me, &cookies, id, raw, e, FieldErrors::new()).await;
    }
    state.store.set_action_done(&m, action_id, done).await?;
    Ok(redirect_with(
        &(paths::meeting_notes(id) + "#actions"),
        if done {
            "Marked as done."
        } else {
            "Marked as not done yet."
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// Meeting notes for a date range as CSV.
pub async fn notes_csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(group_id): Path<GroupId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut e = FieldErrors::new();
    let mut raw = RawInput::default();
    raw.set("from", &q.from);
    raw.set("to", &q.to);
    let from = crate::domain::optional_date(&raw, "from", &mut e).map(|d| d.to_string());
    let to = crate::domain::optional_date(&raw, "to", &mut e).map(|d| d.to_string());
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let access = state.store.group(&me, group_id).await?;
    let meetings = state.store.meeting_history(&access).await?;
    let counts = state.store.attendance_counts(&access).await?;
    let mut w = crate::domain::csv_out::CsvOut::with_header([
        "date",
        "start_time",
        "status",
        "venue",
        "attended",
        "guests",
        "topics_discussed",
        "key_points",
        "round_up_good",
        "round_up_not_so_good",
        "round_up_sharing",
        "pass_on",
    ]);
    for s in meetings {
        let m = &s.meeting;
        if from.as_ref().is_some_and(|f| m.local_date < *f)
            || to.as_ref().is_some_and(|t| m.local_date > *t)
        {
            continue;
        }
        let (members, guests) = counts.get(&m.id).copied().unwrap_or((0, 0));
        w.row([
            m.local_date.clone(),
            m.local_time.clone(),
            m.status.to_string(),
            s.venue_name.clone().unwrap_or_default(),
            members.to_string(),
            guests.to_string(),
            m.topics_discussed.clone(),
            m.key_points.clone(),
            m.round_up_good.clone(),
            m.round_up_not_so_good.clone(),
            m.round_up_sharing.clone(),
            m.pass_on.clone(),
        ]);
    }
    Ok(crate::web::csv_download(
        w.finish(),
        &group.name,
        "meeting-notes",
    ))
}

// --- reflection and concerns ------------------------------------------------------------

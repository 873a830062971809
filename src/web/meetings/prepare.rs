//! The meeting page, where a facilitator gets ready: who is coming, the venue, the agenda, the rota, and answers taken by phone.

use super::*;
use crate::domain::ids::MeetingId;
use crate::domain::ids::MemberId;
use crate::paths;

/// This part's routes, merged into the router by `meetings::routes`.
pub(super) fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            paths::MEETING,
            get(show).route_layer(cached(state, cache::meeting_page)),
        )
        .route(paths::MEETING_RSVP, post(record_rsvp))
}

#[derive(Template)]
#[template(path = "meetings/show.html")]
struct ShowPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    number: i64,
    venue: Option<Venue>,
    steps: Vec<AgendaStep>,
    people: Vec<Person>,
    attendance: Vec<AttendanceRow>,
    previous: Option<Meeting>,
    previous_reflections: Vec<Reflection>,
    /// Follow-ups agreed at earlier meetings, not done yet.
    earlier_actions: Vec<crate::domain::meeting::OpenAction>,
    answers: &'static [(&'static str, &'static str)],
    cancel_form: Form,
    /// Print members' needs and reflections too (they are left off printouts unless chosen).
    print_private: bool,
    /// Who hosts the refreshments (confirmed), or the fair suggestion, and the rota to swap from.
    host: Option<(MemberId, String)>,
    suggested_host: Option<(MemberId, String)>,
    /// The confirmed host said they cannot come.
    host_cannot_come: bool,
    rota: Vec<crate::domain::social::RotaMember>,
    /// The meeting is today in its group's time zone: only then is "Start" the main button.
    is_today: bool,
}

impl ShowPage {
    fn host_selected(&self, id: &MemberId) -> bool {
        self.host
            .as_ref()
            .or(self.suggested_host.as_ref())
            .map(|(h, _)| h)
            == Some(id)
    }
    fn coming(&self) -> Vec<&Person> {
        self.people
            .iter()
            .filter(|p| matches!(p.answer, Some(RsvpAnswer::Yes | RsvpAnswer::Maybe)))
            .collect()
    }
    fn not_answered(&self) -> Vec<&Person> {
        self.people.iter().filter(|p| p.answer.is_none()).collect()
    }
    fn not_coming(&self) -> Vec<&Person> {
        self.people
            .iter()
            .filter(|p| p.answer == Some(RsvpAnswer::No))
            .collect()
    }
    fn start_of(&self, index: &usize) -> String {
        let offset: i64 = self.steps.iter().take(*index).map(|s| s.minutes).sum();
        match self.meeting.local_time.parse::<jiff::civil::Time>() {
            Ok(t) => crate::domain::meeting::time_label(
                t.wrapping_add(jiff::SignedDuration::from_mins(offset)),
            ),
            Err(_) => String::new(),
        }
    }
    fn planned_total(&self) -> i64 {
        self.steps.iter().map(|s| s.minutes).sum()
    }
}

pub(super) async fn show_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: MeetingId,
    cancel_form: Form,
    status: StatusCode,
    print_private: bool,
) -> AppResult<Response> {
    let access = state.store.meeting(me, id).await?;
    let meeting = access.meeting().clone();
    let group = state.store.group_for(me, meeting.group_id).await?;
    let venue = match meeting.venue_id {
        Some(v) => state.store.venue(v).await.ok(),
        None => None,
    };
    let steps = state.store.meeting_steps(&access).await?;
    let members = state
        .store
        .members_of(&access.group(), &MemberFilter::default())
        .await?;
    let rsvps = state.store.rsvps_of(&access).await?;
    let attendance = state.store.attendance_of(&access).await?;
    let number = state.store.meeting_number(&access).await?;
    let previous = state.store.previous_meeting(&access).await?;
    let previous_reflections = match &previous {
        Some(p) => state.store.reflections_of(p).await?,
        None => Vec::new(),
    };
    let previous = previous.map(MeetingAccess::into_meeting);
    let earlier_actions = state.store.open_actions_before(&access).await?;
    let host = state.store.meeting_host(&access).await?;
    let scope = access.group();
    let rota = state.store.rota_of(&scope, meeting.starts_at).await?;
    // The same suggestion as the rota page (which counts suggestions for earlier meetings),
    // or, for a meeting further ahead, the fair choice from the rota as it stands.
    // The same suggestion as the rota page (which counts suggestions for earlier meetings),
    // or, for a meeting further ahead, the fair choice from the rota as it stands; also when the
    // confirmed host said they cannot come.
    let (suggested_host, host_cannot_come) = if meeting.is_planned() {
        match crate::app::social::rota_meetings(state, &access.group())
            .await?
            .into_iter()
            .find(|rm| rm.meeting.id == id)
        {
            Some(rm) => (rm.suggested, rm.host_cannot_come),
            None => {
                let answers = state.store.answers_to(&access).await?;
                let cannot = host
                    .as_ref()
                    .is_some_and(|(h, _)| crate::domain::social::said_no(&answers, *h));
                let pick = (host.is_none() || cannot)
                    .then(|| crate::domain::social::suggest_host(&rota, &answers))
                    .flatten()
                    .and_then(|hid| {
                        rota.iter()
                            .find(|r| r.member_id == hid)
                            .map(|r| (hid, r.member_name.clone()))
                    });
                (pick, cannot)
            }
        }
    } else {
        (None, false)
    };
    render_status(
        status,
        &ShowPage {
            is_today: meeting.is_today(),
            host,
            suggested_host,
            host_cannot_come,
            rota,
            page: staff_page(
                &format!("Meeting on {}", meeting.date_label()),
                me,
                cookies,
                "groups",
            ),
            people: people(members, &rsvps, &attendance),
            meeting,
            group,
            number,
            venue,
            steps,
            attendance,
            previous,
            previous_reflections,
            earlier_actions,
            answers: RsvpAnswer::CHOICES,
            cancel_form,
            print_private,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    Query(q): Query<PrintQuery>,
) -> AppResult<Response> {
    let private = q.private.is_some_and(|v| v == "1");
    show_page(
        &state,
        &me,
        &cookies,
        id,
        Form::blank(),
        StatusCode::OK,
        private,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct PrintQuery {
    #[serde(default)]
    private: Option<String>,
}

pub async fn record_rsvp(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    let answer = parse_rsvp(&raw).map_err(AppError::Invalid)?;
    let member_id: MemberId = raw
        .text("member_id")
        .parse()
        .map_err(|_| AppError::BadRequest("Choose a member.".into()))?;
    let member = state.store.member_for(&me, member_id).await?;
    app::meetings::record_rsvp(&state, &m, member_id, answer).await?;
    Ok(redirect_with(
        &(paths::meeting(id) + "#people"),
        &format!("{}'s answer has been saved.", member.preferred_name),
    ))
}

//! After the meeting, for facilitators: their reflection, asking coordinators for help, and concerns.

use super::*;
use crate::domain::ids::GroupId;
use crate::domain::ids::MeetingId;
use crate::domain::ids::MemberId;
use crate::paths;

/// This part's routes, merged into the router by `meetings::routes`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            paths::GROUP_CONCERNS,
            get(group_concerns).post(add_group_concern),
        )
        .route(paths::MEETING_HELP, get(help).post(ask_for_help))
        .route(
            paths::MEETING_REFLECTION,
            get(reflection).post(save_reflection),
        )
        .route(
            paths::MEETING_CONCERNS,
            get(meeting_concerns).post(add_meeting_concern),
        )
        .route(paths::HELP_ANSWERED, post(answer_help))
}

#[derive(Template)]
#[template(path = "meetings/reflection.html")]
struct ReflectionPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    others: Vec<Reflection>,
    /// The viewer wrote none and others did (a coordinator reading a facilitator's words):
    /// theirs come first, the form after.
    reading: bool,
    form: Form,
    feelings: &'static [(&'static str, &'static str)],
}

#[derive(Template)]
#[template(path = "meetings/help.html")]
struct HelpPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    form: Form,
    /// The coordinators' names and email addresses.
    coordinators: Vec<(String, String)>,
}

async fn help_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: MeetingId,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let access = state.store.meeting(me, id).await?;
    let group = state.store.group_for(me, access.group_id()).await?;
    let form = if form.raw.keys().next().is_none() {
        let mut raw = RawInput::default();
        raw.set("help_contact", format!("Email: {}", me.email));
        Form::from_raw(raw)
    } else {
        form
    };
    render_status(
        status,
        &HelpPage {
            page: staff_page("Ask for help", me, cookies, "groups"),
            meeting: access.into_meeting(),
            group,
            form,
            coordinators: state
                .store
                .accounts()
                .await?
                .into_iter()
                .filter(Staff::is_coordinator)
                .map(|a| (a.name, a.email))
                .collect(),
        },
    )
}

/// "I need some help": a request of its own, with what would help and how to reach the one
/// asking; coordinators see it at the top of their home page.
pub async fn help(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    help_page(&state, &me, &cookies, id, Form::blank(), StatusCode::OK).await
}

pub async fn ask_for_help(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let mut e = FieldErrors::new();
    let note = crate::domain::required_text(
        &raw,
        "help_note",
        2000,
        "Say in a few words what would help.",
        &mut e,
    );
    let contact = crate::domain::required_text(
        &raw,
        "help_contact",
        200,
        "Say how a coordinator can reach you.",
        &mut e,
    );
    if !e.is_empty() {
        return help_page(
            &state,
            &me,
            &cookies,
            id,
            Form::with_errors(raw, e),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let access = state.store.meeting(&me, id).await?;
    state.store.ask_for_help(&access, &note, &contact).await?;
    Ok(redirect_with(
        "/",
        "Your request for help has been sent. A coordinator will get in touch.",
    ))
}

async fn reflection_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: MeetingId,
    form: Option<Form>,
    status: StatusCode,
) -> AppResult<Response> {
    let access = state.store.meeting(me, id).await?;
    let group = state.store.group_for(me, access.group_id()).await?;
    let all = state.store.reflections_of(&access).await?;
    let meeting = access.into_meeting();
    let mine = all.iter().find(|r| r.account_id == me.id);
    let form = form.unwrap_or_else(|| {
        let mut raw = RawInput::default();
        if let Some(r) = mine {
            raw.set("went_well", &r.went_well);
            raw.set("went_less_well", &r.went_less_well);
            raw.set("ideas", &r.ideas);
            raw.set("feeling", r.feeling.as_str());
        }
        Form::from_raw(raw)
    });
    let reading = mine.is_none() && all.iter().any(|r| r.account_id != me.id);
    let others = all.into_iter().filter(|r| r.account_id != me.id).collect();
    render_status(
        status,
        &ReflectionPage {
            page: staff_page("Your reflection", me, cookies, "groups"),
            meeting,
            group,
            others,
            reading,
            form,
            feelings: Feeling::CHOICES,
        },
    )
}

pub async fn reflection(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    reflection_page(&state, &me, &cookies, id, None, StatusCode::OK).await
}

pub async fn save_reflection(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    match ReflectionInput::try_from(&raw) {
        Ok(r) => {
            state.store.save_reflection(&meeting, &r).await?;
            let message = if r.feeling == Feeling::NeedHelp {
                "Your reflection is saved. A coordinator will see that you would like some help."
            } else {
                "Your reflection is saved. It will be shown when you prepare the next meeting."
            };
            Ok(redirect_with(&paths::meeting(id), message))
        }
        Err(e) => {
            reflection_page(
                &state,
                &me,
                &cookies,
                id,
                Some(Form::with_errors(raw, e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn answer_help(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(reflection_id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    state.store.answer_help_request(&me, reflection_id).await?;
    Ok(redirect_with("/", "Marked as answered."))
}

#[derive(Template)]
#[template(path = "meetings/concerns.html")]
struct ConcernsPage {
    page: Page,
    group: Group,
    meeting: Option<Meeting>,
    concerns: Vec<Concern>,
    members: Vec<Member>,
    form: Form,
}

impl ConcernsPage {
    fn when(&self, ts: &i64) -> String {
        when(*ts, &self.group.timezone)
    }
    fn action(&self) -> String {
        match &self.meeting {
            Some(m) => paths::meeting_concerns(m.id),
            None => paths::group_concerns(self.group.id),
        }
    }
    fn member_selected(&self, id: &MemberId) -> bool {
        self.form.value("member_id") == id.to_string()
    }
}

async fn concerns_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group_id: GroupId,
    meeting: Option<Meeting>,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let group = state.store.group_for(me, group_id).await?;
    let access = state.store.group(me, group_id).await?;
    let concerns = state.store.concerns_of(&access, None).await?;
    let members = state
        .store
        .members_of(
            &access,
            &MemberFilter {
                status: "all".into(),
                ..Default::default()
            },
        )
        .await?;
    render_status(
        status,
        &ConcernsPage {
            page: staff_page(&format!("Concerns: {}", group.name), me, cookies, "groups"),
            group,
            meeting,
            concerns,
            members,
            form,
        },
    )
}

pub async fn group_concerns(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    concerns_page(
        &state,
        &me,
        &cookies,
        group_id,
        None,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

pub async fn meeting_concerns(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    let m = state.store.meeting_for(&me, id).await?;
    concerns_page(
        &state,
        &me,
        &cookies,
        m.group_id,
        Some(m),
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

async fn record_concern(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group_id: GroupId,
    meeting: Option<MeetingAccess>,
    raw: RawInput,
) -> AppResult<Response> {
    let back = match &meeting {
        Some(m) => paths::meeting_concerns(m.id),
        None => paths::group_concerns(group_id),
    };
    match ConcernInput::try_from(&raw) {
        Ok(c) => {
            let group = state.store.group(me, group_id).await?;
            state
                .store
                .add_concern(&group, meeting.as_ref(), &c)
                .await?;
            Ok(redirect_with(
                &back,
                "The concern has been recorded. Coordinators can see it.",
            ))
        }
        Err(e) => {
            concerns_page(
                state,
                me,
                cookies,
                group_id,
                meeting.map(MeetingAccess::into_meeting),
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn add_group_concern(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    state.store.group(&me, group_id).await?;
    record_concern(&state, &me, &cookies, group_id, None, raw).await
}

pub async fn add_meeting_concern(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    let group_id = m.group_id;
    record_concern(&state, &me, &cookies, group_id, Some(m), raw).await
}

// --- agendas --------------------------------------------------------------------------------

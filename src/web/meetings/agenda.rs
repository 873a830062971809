//! Agendas: a group's template and one meeting's own copy, step by step.

use super::*;
use crate::domain::ids::GroupId;
use crate::domain::ids::MeetingId;
use crate::paths;

/// This part's routes, merged into the router by `meetings::routes`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::GROUP_AGENDA, get(group_agenda))
        .route(
            "/groups/{id}/agenda/steps/{step}",
            post(group_agenda_change),
        )
        .route(paths::MEETING_AGENDA, get(meeting_agenda))
        .route(
            "/meetings/{id}/agenda/steps/{position}",
            post(meeting_agenda_change),
        )
}

#[derive(Template)]
#[template(path = "meetings/agenda.html")]
struct AgendaPage {
    page: Page,
    group: Group,
    /// Some for one meeting's agenda; None for the group's template.
    meeting: Option<Meeting>,
    steps: Vec<AgendaStep>,
    kinds: &'static [(&'static str, &'static str)],
    /// The step whose form came back with errors (its id, or -1 for the new-step form).
    failed: i64,
    form: Form,
}

impl AgendaPage {
    fn base(&self) -> String {
        match &self.meeting {
            Some(m) => paths::meeting_agenda(m.id),
            None => paths::group_agenda(self.group.id),
        }
    }
    /// Template steps are addressed by id, a meeting's steps by position.
    fn key(&self, step: &AgendaStep) -> i64 {
        if self.meeting.is_some() {
            step.position
        } else {
            step.id
        }
    }
    fn total(&self) -> i64 {
        self.steps.iter().map(|s| s.minutes).sum()
    }
    /// Where a step's changes go.
    fn step_action(&self, step: &AgendaStep) -> String {
        format!("{}/steps/{}", self.base(), self.key(step))
    }
    /// Where a new step goes.
    fn add_action(&self) -> String {
        let key = if self.meeting.is_some() { -1 } else { 0 };
        format!("{}/steps/{key}", self.base())
    }
    /// A step's form, a part of the page's one form (`web::page_form`).
    fn step_form(&self, step: &AgendaStep) -> Form {
        let part = format!("s-{}", self.key(step));
        if self.failed == self.key(step) {
            return self.form.clone().part(part);
        }
        let mut raw = RawInput::default();
        raw.set("title", &step.title);
        raw.set("minutes", step.minutes.to_string());
        raw.set("purpose", &step.purpose);
        raw.set("prompts", &step.prompts);
        raw.set("kind", step.kind.as_str());
        raw.set("from_second_meeting", step.from_second_meeting.to_string());
        Form::from_raw(raw).part(part)
    }
    fn new_form(&self) -> Form {
        if self.failed == -1 {
            self.form.clone()
        } else {
            Form::blank()
        }
        .part("new")
    }
}

#[allow(clippy::too_many_arguments)]
async fn agenda_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    group_id: GroupId,
    meeting: Option<MeetingAccess>,
    failed: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let group = state.store.group_for(me, group_id).await?;
    let steps = match &meeting {
        Some(m) => state.store.meeting_steps(m).await?,
        None => {
            let access = state.store.group(me, group_id).await?;
            state.store.agenda_template(&access).await?
        }
    };
    let title = if meeting.is_some() {
        "This meeting's agenda".to_string()
    } else {
        format!("Agenda for {}", group.name)
    };
    render_status(
        status,
        &AgendaPage {
            page: staff_page(&title, me, cookies, "groups"),
            group,
            meeting: meeting.map(MeetingAccess::into_meeting),
            steps,
            kinds: StepKind::CHOICES,
            failed,
            form,
        },
    )
}

pub async fn group_agenda(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    agenda_page(
        &state,
        &me,
        &cookies,
        group_id,
        None,
        i64::MIN,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

pub async fn meeting_agenda(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    agenda_page(
        &state,
        &me,
        &cookies,
        m.group_id(),
        Some(m),
        i64::MIN,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

/// Adds, changes, moves or removes a step of a group's template (`step` = 0 adds).
pub async fn group_agenda_change(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path((group_id, step_id)): Path<(GroupId, i64)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group(&me, group_id).await?;
    let back = paths::group_agenda(group_id);
    match raw.text("do").as_str() {
        "reset" => {
            state.store.reset_agenda_template(&group).await?;
            return Ok(redirect_with(
                &back,
                "The agenda is back to the guide's steps.",
            ));
        }
        "delete" => {
            state.store.delete_template_step(&group, step_id).await?;
            return Ok(redirect_with(&back, "The step has been removed."));
        }
        "up" | "down" => {
            state
                .store
                .move_template_step(&group, step_id, raw.text("do") == "up")
                .await?;
            return Ok(redirect_with(
                &format!("{back}#step-{step_id}"),
                "The step has been moved.",
            ));
        }
        _ => {}
    }
    let failed = if step_id == 0 { -1 } else { step_id };
    match StepInput::try_from(&raw) {
        Ok(s) if step_id == 0 => {
            state.store.add_template_step(&group, &s).await?;
            Ok(redirect_with(&back, "The step has been added."))
        }
        Ok(s) => {
            state
                .store
                .update_template_step(&group, step_id, &s)
                .await?;
            Ok(redirect_with(
                &format!("{back}#step-{step_id}"),
                "The step has been saved.",
            ))
        }
        Err(e) => {
            agenda_page(
                &state,
                &me,
                &cookies,
                group_id,
                None,
                failed,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Changes this meeting's own agenda (`position` = -1 adds a step).
pub async fn meeting_agenda_change(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path((id, position)): Path<(MeetingId, i64)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let m = state.store.meeting(&me, id).await?;
    let back = paths::meeting_agenda(id);
    if raw.text("do") == "delete" {
        state.store.delete_meeting_step(&m, position).await?;
        return Ok(redirect_with(
            &back,
            "The step has been removed from this meeting.",
        ));
    }
    match StepInput::try_from(&raw) {
        Ok(s) if position < 0 => {
            state.store.add_meeting_step(&m, &s).await?;
            Ok(redirect_with(
                &back,
                "The step has been added to this meeting.",
            ))
        }
        Ok(s) => {
            state.store.update_meeting_step(&m, position, &s).await?;
            Ok(redirect_with(
                &format!("{back}#step-{position}"),
                "The step has been saved for this meeting.",
            ))
        }
        Err(e) => {
            let group_id = m.group_id();
            agenda_page(
                &state,
                &me,
                &cookies,
                group_id,
                Some(m),
                if position < 0 { -1 } else { position },
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

//! Signing people in on the day: the tap-a-name list, walk-ins and guests, and the printable sign-in sheet.

use super::*;
use crate::domain::ids::{MeetingId, MemberId};
use crate::paths;

/// This part's routes, merged into the router by `meetings::routes`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::MEETING_SIGN_IN, get(sign_in))
        .route(paths::MEETING_ATTENDANCE, post(toggle_attendance))
        .route(paths::MEETING_WALK_IN, post(walk_in))
        .route(paths::MEETING_GUEST_REMOVE, post(remove_guest))
        .route(paths::MEETING_SIGN_IN_SHEET, get(sheet))
        .route(paths::MEETING_PRINT_CSS, get(print_css))
}

#[derive(Template)]
#[template(path = "meetings/sign_in.html")]
struct SignInPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    people: Vec<Person>,
    guests: Vec<AttendanceRow>,
    others: Vec<Member>,
    form: Form,
}

impl SignInPage {
    /// What the phone keeps from here for no signal (the run-sheet keeps its steps too).
    fn offline_keep(&self) -> String {
        super::run::offline_pages(self.meeting.id).join(" ")
    }
    fn signed_in_count(&self) -> usize {
        self.people.iter().filter(|p| p.signed_in).count() + self.guests.len()
    }
}

async fn sign_in_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: MeetingId,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let access = state.store.meeting(me, id).await?;
    let meeting = access.meeting().clone();
    let group = state.store.group_for(me, meeting.group_id).await?;
    let members = state
        .store
        .members_of(&access.group(), &MemberFilter::default())
        .await?;
    let rsvps = state.store.rsvps_of(&access).await?;
    let attendance = state.store.attendance_of(&access).await?;
    let mut list = people(members, &rsvps, &attendance);
    // Those expected first, then the rest; each part by name.
    list.sort_by_key(|p| {
        (
            !matches!(p.answer, Some(RsvpAnswer::Yes | RsvpAnswer::Maybe)),
            p.member.preferred_name.to_lowercase(),
        )
    });
    let left = state
        .store
        .members_of(
            &access.group(),
            &MemberFilter {
                status: "left".into(),
                ..Default::default()
            },
        )
        .await?;
    // Someone who had left but came back today is on the list (signed in, so a tap undoes it);
    // the others who have left are offered in the walk-in form.
    let (back, others): (Vec<Member>, Vec<Member>) = left
        .into_iter()
        .partition(|m| attendance.iter().any(|a| a.member_id == Some(m.id)));
    list.extend(people(back, &rsvps, &attendance));
    render_status(
        status,
        &SignInPage {
            page: staff_page("Sign people in", me, cookies, "groups"),
            guests: attendance.into_iter().filter(|a| a.is_guest).collect(),
            people: list,
            others,
            meeting,
            group,
            form: form.part("walkin"),
        },
    )
}

pub async fn sign_in(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    sign_in_page(&state, &me, &cookies, id, Form::blank(), StatusCode::OK).await
}

/// One tap on a name: signs them in, or out again if they were signed in.
pub async fn toggle_attendance(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: HeaderMap,
    Path((id, member_id)): Path<(MeetingId, MemberId)>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = state.store.member_for(&me, member_id).await?;
    let meeting = state.store.meeting(&me, id).await?;
    // With the script, each sign-in carries a mark made on the device, and an undo the marks
    // it undid, so that an undo on one phone leaves another phone's sign-in (issue 20).
    let message = if !raw.flag("present").map_err(AppError::BadRequest)? {
        state
            .store
            .sign_out_marked(&meeting, member_id, raw.get("undo"))
            .await?;
        format!("{} is no longer signed in.", member.preferred_name)
    } else {
        let mark = raw.text("mark");
        state
            .store
            .sign_in_marked(
                &meeting,
                member_id,
                Some(mark.as_str()).filter(|m| !m.is_empty()),
            )
            .await?;
        format!("{} is signed in.", member.preferred_name)
    };
    saved(
        &state,
        &me,
        &headers,
        id,
        &(paths::meeting_sign_in(id) + &format!("#member-{member_id}")),
        &message,
    )
    .await
}

/// A walk-in, in one step: an existing member (e.g. one who had left), a new member with just
/// a name, or a guest.
pub async fn walk_in(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    let walk_in = match WalkIn::try_from(&raw) {
        Ok(w) => w,
        Err(e) => {
            return sign_in_page(
                &state,
                &me,
                &cookies,
                id,
                Form::with_errors(raw, e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let message = match walk_in {
        WalkIn::Member(member_id) => {
            let m = state.store.member_for(&me, member_id).await?;
            state.store.sign_in(&meeting, member_id).await?;
            format!("{} is signed in.", m.preferred_name)
        }
        WalkIn::NewMember(name) => {
            let mut r = RawInput::default();
            r.set("preferred_name", &name);
            r.set("joined_on", &meeting.local_date);
            let input = MemberInput::try_from(&r).map_err(AppError::Invalid)?;
            let m = state.store.join_and_sign_in(&meeting, &input).await?;
            format!(
                "{} has joined the group and is signed in.",
                m.preferred_name
            )
        }
        WalkIn::Guest(name) => {
            state.store.sign_in_guest(&meeting, &name).await?;
            format!("{name} is signed in as a guest.")
        }
    };
    Ok(redirect_with(&paths::meeting_sign_in(id), &message))
}

pub async fn remove_guest(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path((id, attendance_id)): Path<(MeetingId, i64)>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let meeting = state.store.meeting(&me, id).await?;
    state.store.remove_guest(&meeting, attendance_id).await?;
    Ok(redirect_with(
        &paths::meeting_sign_in(id),
        "The guest has been taken off the list.",
    ))
}

#[derive(Template)]
#[template(path = "meetings/sheet.html")]
struct SheetPage {
    page: Page,
    meeting: Meeting,
    group: Group,
    venue: Option<Venue>,
    names: Vec<String>,
    blank_rows: usize,
    large: bool,
}

#[derive(Deserialize, Default)]
pub struct SheetQuery {
    #[serde(default)]
    large: Option<String>,
}

/// The printable sign-in sheet / register: names of those expected, then blank rows.
pub async fn sheet(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MeetingId>,
    Query(q): Query<SheetQuery>,
) -> AppResult<Response> {
    let access = state.store.meeting(&me, id).await?;
    let meeting = access.meeting().clone();
    let group = state.store.group_for(&me, meeting.group_id).await?;
    let venue = match meeting.venue_id {
        Some(v) => state.store.venue(v).await.ok(),
        None => None,
    };
    let members = state
        .store
        .members_of(&access.group(), &MemberFilter::default())
        .await?;
    let rsvps = state.store.rsvps_of(&access).await?;
    let list = people(members, &rsvps, &[]);
    let anyone_answered = list.iter().any(|p| p.answer.is_some());
    let names: Vec<String> = list
        .into_iter()
        .filter(|p| {
            if anyone_answered {
                p.answer != Some(RsvpAnswer::No)
            } else {
                true
            }
        })
        .map(|p| {
            if p.member.full_name.is_empty() {
                p.member.preferred_name
            } else {
                p.member.full_name
            }
        })
        .collect();
    let large = q.large.is_some_and(|v| !v.is_empty() && v != "0");
    let blank_rows = if large { 6 } else { 10 };
    render(&SheetPage {
        page: staff_page(
            &format!("Sign-in sheet: {}", group.name),
            &me,
            &cookies,
            "groups",
        ),
        meeting,
        group,
        venue,
        names,
        blank_rows,
        large,
    })
}

// --- the record -----------------------------------------------------------------------------

/// A print stylesheet naming the group and the meeting's date at the top of every printed page.
pub async fn print_css(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MeetingId>,
) -> AppResult<Response> {
    let meeting = state.store.meeting_for(&me, id).await?;
    let group = state.store.group_for(&me, meeting.group_id).await?;
    let text = css_string(&format!("{} · {}", group.name, meeting.date_label()));
    let body = format!("@page {{ @top-left {{ content: \"{text}\"; font-size: 10pt; }} }}\n");
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    Ok(res)
}

/// Text made safe inside a CSS string: quotes and backslashes escaped, line breaks and other
/// control characters dropped, and "<" escaped so nothing can close a style element.
fn css_string(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\22 "),
            '\\' => out.push_str("\\5c "),
            '<' => out.push_str("\\3c "),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_strings_cannot_break_out() {
        assert_eq!(
            css_string("A \"B\" \\ <C>\n"),
            "A \\22 B\\22  \\5c  \\3c C> "
        );
        assert_eq!(clock_words(12, 15, ""), "12 of 15 minutes");
        assert_eq!(clock_words(18, 15, ""), "3 minutes over the 15 planned");
        assert_eq!(clock_words(16, 15, ""), "1 minute over the 15 planned");
    }
}

// --- series ---------------------------------------------------------------------------------

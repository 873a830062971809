//! Where one is signed in, and signing out elsewhere (ASVS V7.5.2: after the password); a
//! coordinator signing someone out everywhere, or every member of staff (V7.4.5).

use crate::paths;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::account::staff_page;
use super::two_step::{ConfirmPage, password_right};
use super::{
    CheckedForm, Cookies, Coordinator, CurrentStaff, Form, Page, redirect_with, render,
    render_status,
};
use crate::AppState;
use crate::domain::access::Staff;
use crate::error::{AppError, AppResult};

/// The session named `handle` among the account's, as (device in words, is this browser).
async fn own_session(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    handle: &str,
) -> AppResult<(String, bool)> {
    let this = cookies.0.session_hash.clone().unwrap_or_default();
    state
        .store
        .sessions_of(me.id)
        .await?
        .into_iter()
        .find(|s| s.handle == handle)
        .map(|s| {
            let device = if s.device.is_empty() {
                "A browser".to_string()
            } else {
                s.device
            };
            (device, s.token_hash == this)
        })
        .ok_or(AppError::NotFound)
}

/// This browser's own session is ended with "Sign out", which also forgets its cookie.
fn this_browser() -> Response {
    redirect_with(
        "/account#sessions",
        "That is this browser: use \"Sign out\" at the top of the page.",
    )
}

fn confirm(
    me: &Staff,
    cookies: &Cookies,
    what: Option<(&str, &str)>,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let (heading, explain, action, button) = match what {
        Some((handle, device)) => (
            "Sign out there".to_string(),
            format!(
                "\"{device}\" will be signed out of Hearth at once. Whoever uses it would need your password (and your second step, if you have one) to sign in again."
            ),
            paths::session_end(handle),
            "Sign out there".to_string(),
        ),
        None => (
            "Sign out everywhere else".to_string(),
            "Every other phone, tablet or computer signed in as you is signed out at once. This one stays signed in.".to_string(),
            "/account/sessions/end-others".to_string(),
            "Sign out everywhere else".to_string(),
        ),
    };
    render_status(
        status,
        &ConfirmPage {
            page: staff_page(&heading, me, cookies, "account"),
            form,
            heading,
            explain,
            action,
            button,
        },
    )
}

/// GET /account/sessions/{handle}/end
pub async fn end_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(handle): Path<String>,
) -> AppResult<Response> {
    let (device, here) = own_session(&state, &me, &cookies, &handle).await?;
    if here {
        return Ok(this_browser());
    }
    confirm(
        &me,
        &cookies,
        Some((&handle, &device)),
        Form::blank(),
        StatusCode::OK,
    )
}

/// POST /account/sessions/{handle}/end: behind the password.
pub async fn end_submit(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(handle): Path<String>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let (device, here) = own_session(&state, &me, &cookies, &handle).await?;
    if here {
        return Ok(this_browser());
    }
    if let Some(form) = password_right(&state, &me, &raw).await? {
        return confirm(
            &me,
            &cookies,
            Some((&handle, &device)),
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    state.store.end_session_of(me.id, &handle).await?;
    Ok(redirect_with(
        "/account#sessions",
        &format!("\"{device}\" is signed out."),
    ))
}

/// GET /account/sessions/end-others
pub async fn end_others_page(
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
) -> AppResult<Response> {
    confirm(&me, &cookies, None, Form::blank(), StatusCode::OK)
}

/// POST /account/sessions/end-others: behind the password.
pub async fn end_others_submit(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    if let Some(form) = password_right(&state, &me, &raw).await? {
        return confirm(&me, &cookies, None, form, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let keep = cookies.0.session_hash.clone().unwrap_or_default();
    state.store.end_other_sessions(me.id, &keep).await?;
    Ok(redirect_with(
        "/account#sessions",
        "You are signed out everywhere else.",
    ))
}

// --- coordinators -------------------------------------------------------------------------

/// POST /staff/{id}/sign-out: signs someone out everywhere at once (a lost phone, a shared
/// computer left signed in). Their password, second step and API tokens stay.
pub async fn staff_sign_out(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let ended = state.store.sign_out_everywhere(&me, id).await?;
    let name = state.store.account(id).await?.name;
    Ok(redirect_with(
        "/staff",
        &if ended == 0 {
            format!("{name} was not signed in anywhere.")
        } else {
            format!("{name} is signed out everywhere. They can sign in again as usual.")
        },
    ))
}

#[derive(Template)]
#[template(path = "account/sign_out_everyone.html")]
struct EveryonePage {
    page: Page,
}

/// GET /staff/sign-out-all: what signing everyone out does, and the button.
pub async fn everyone_page(Coordinator(me): Coordinator, cookies: Cookies) -> AppResult<Response> {
    render(&EveryonePage {
        page: staff_page("Sign everyone out", &me, &cookies, "staff"),
    })
}

/// POST /staff/sign-out-all: every member of staff is signed out but this browser.
pub async fn everyone_submit(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    cookies: Cookies,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let keep = cookies.0.session_hash.clone().unwrap_or_default();
    state.store.sign_out_everyone(&me, &keep).await?;
    Ok(redirect_with(
        "/staff",
        "Everyone is signed out but you. They can sign in again as usual.",
    ))
}

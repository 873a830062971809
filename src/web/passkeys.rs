//! Passkeys as the second step: adding one from one's account page (behind the password),
//! removing one, and using one at sign-in after the password. A passkey is the phone's or
//! computer's own lock (fingerprint, face, screen lock or PIN); the browser asks for it, so
//! these pages need JavaScript, and say so when it is off. The app's codes and the recovery
//! codes keep working without it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::account::staff_page;
use super::two_step::{
    ConfirmPage, RecoveryCodesPage, end_other_sessions, passed, password_right, second_step_view,
    signed_in, throttled, waiting, with_retry_after, wrong_code,
};
use super::{
    CheckedForm, ClientAddress, Cookies, CurrentStaff, Form, Page, redirect_with, render,
    render_status,
};
use crate::AppState;
use crate::auth::{self, passkeys::PasskeyError};
use crate::domain::access::Staff;
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::{ChallengeKind, StoreError};

/// The longest name a passkey can have.
const NAME_MAX: usize = 60;

fn passkeys(state: &AppState) -> AppResult<&auth::passkeys::Passkeys> {
    state.passkeys.as_deref().ok_or(AppError::NotFound)
}

/// What is wrong with a passkey's name, if anything.
fn name_errors(name: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if name.is_empty() {
        errors.add("name", "Give this passkey a name, such as \"My phone\".");
    } else if name.chars().count() > NAME_MAX {
        errors.add("name", format!("Use at most {NAME_MAX} characters."));
    }
    errors
}

/// Asks the browser for a new passkey for `staff`, kept as the account's passkey being added.
async fn start_adding(
    state: &AppState,
    checker: &auth::passkeys::Passkeys,
    staff: &Staff,
    name: &str,
) -> AppResult<()> {
    let user = state.store.passkey_user(staff.id).await?;
    let others: Vec<String> = state
        .store
        .passkey_records(staff.id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let ceremony = checker
        .start_adding(&user, &staff.email, &staff.name, &others)
        .map_err(AppError::internal)?;
    Ok(state
        .store
        .begin_passkey_setup(staff.id, name, &ceremony)
        .await?)
}

/// Checks the browser's answer to the passkey being added to `staff` and adds it: the
/// recovery codes when it is the first second step, or why it was not added.
async fn finish_adding(
    state: &AppState,
    checker: &auth::passkeys::Passkeys,
    staff: &Staff,
    setup: &crate::store::PasskeySetup,
    answer: &str,
) -> AppResult<Result<Option<Vec<String>>, &'static str>> {
    if answer.is_empty() {
        return Ok(Err(
            "Press \"Add the passkey\" and follow what your phone or computer asks. Passkeys need JavaScript, which may be turned off in this browser.",
        ));
    }
    match checker.finish_adding(answer, &setup.state) {
        Ok(new) => match state.store.add_passkey(staff, &setup.name, &new).await {
            Ok(codes) => Ok(Ok(codes)),
            Err(StoreError::Conflict(crate::store::Conflict::PasskeyTaken)) => Ok(Err(
                "That passkey is already saved in Hearth. Use another phone or computer, or keep the one you have.",
            )),
            Err(e) => Err(e.into()),
        },
        Err(PasskeyError::State(e)) => Err(AppError::internal(e)),
        Err(e) => {
            tracing::info!(error = %e, "a passkey was not added");
            Ok(Err(
                "Your passkey could not be added. Press the button to try again.",
            ))
        }
    }
}

// --- adding one -----------------------------------------------------------------------------

/// Back to the start of adding a passkey, when the one being added has gone (ten minutes).
fn start_again() -> Response {
    redirect_with(
        "/account/passkeys/new",
        "Please start adding your passkey again: it was not finished within ten minutes.",
    )
}

#[derive(Template)]
#[template(path = "account/passkey_new.html")]
struct NewPage {
    page: Page,
    form: Form,
}

fn new_page(me: &Staff, cookies: &Cookies, form: Form, status: StatusCode) -> AppResult<Response> {
    render_status(
        status,
        &NewPage {
            page: staff_page("Add a passkey", me, cookies, "account"),
            form,
        },
    )
}

/// GET /account/passkeys/new: name the passkey and confirm the password.
pub async fn new_form(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
) -> AppResult<Response> {
    passkeys(&state)?;
    let mut raw = RawInput::default();
    raw.set("name", "My phone");
    new_page(&me, &cookies, Form::from_raw(raw), StatusCode::OK)
}

/// POST /account/passkeys/new: with the right password, asks the browser for a passkey.
pub async fn new_submit(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let checker = passkeys(&state)?;
    let name = raw.text("name");
    let mut errors = name_errors(&name);
    // Adding a way to sign in asks for the password first (ASVS V7.5.1).
    if let Some(problem) =
        super::two_step::password_problem(&state, &me, &raw, "current_password").await?
    {
        errors.add("current_password", problem);
    }
    if !errors.is_empty() {
        let mut kept = RawInput::default();
        kept.set("name", &name);
        return new_page(
            &me,
            &cookies,
            Form::with_errors(kept, errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    start_adding(&state, checker, &me, &name).await?;
    Ok(Redirect::to("/account/passkeys/finish").into_response())
}

#[derive(Template)]
#[template(path = "account/passkey_finish.html")]
struct FinishPage {
    page: Page,
    name: String,
    options: String,
    problem: Option<String>,
    /// Where the answer goes: /account/passkeys/finish, or /signin/set-up/passkey.
    action: &'static str,
    /// At sign-in, where two-step sign-in is required and not yet set up.
    at_sign_in: bool,
}

/// GET /account/passkeys/finish: the button that asks the phone or computer for its lock.
pub async fn finish_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
) -> AppResult<Response> {
    passkeys(&state)?;
    let Some(setup) = state.store.passkey_setup(me.id).await? else {
        return Ok(start_again());
    };
    render(&FinishPage {
        page: staff_page("Add a passkey", &me, &cookies, "account"),
        name: setup.name,
        options: setup.options,
        problem: None,
        action: "/account/passkeys/finish",
        at_sign_in: false,
    })
}

/// POST /account/passkeys/finish: the browser's answer. The first passkey turns two-step
/// sign-in on and shows the recovery codes.
pub async fn finish_submit(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let checker = passkeys(&state)?;
    let Some(setup) = state.store.passkey_setup(me.id).await? else {
        return Ok(start_again());
    };
    let problem = match finish_adding(&state, checker, &me, &setup, &raw.text("credential")).await?
    {
        Ok(Some(codes)) => {
            return render(&RecoveryCodesPage {
                page: staff_page("Your recovery codes", &me, &cookies, "account"),
                codes,
                new_app: true,
                by_passkey: true,
                next: "/account".into(),
            });
        }
        Ok(None) => {
            return Ok(redirect_with(
                "/account#two-step",
                &format!("Your passkey \"{}\" is added.", setup.name),
            ));
        }
        Err(problem) => problem,
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &FinishPage {
            page: staff_page("Add a passkey", &me, &cookies, "account"),
            name: setup.name,
            options: setup.options,
            problem: Some(problem.into()),
            action: "/account/passkeys/finish",
            at_sign_in: false,
        },
    )
}

// --- removing one ---------------------------------------------------------------------------

fn remove_page(
    me: &Staff,
    cookies: &Cookies,
    id: i64,
    name: &str,
    last: bool,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let explain = if last {
        format!(
            "\"{name}\" is your only second step. Once it is removed, your password alone signs you in, your recovery codes stop working, and you are signed out everywhere else."
        )
    } else {
        format!(
            "\"{name}\" will no longer sign you in. Your other ways of passing the second step keep working, and you are signed out everywhere else."
        )
    };
    render_status(
        status,
        &ConfirmPage {
            page: staff_page("Remove a passkey", me, cookies, "account"),
            form,
            heading: "Remove a passkey".into(),
            explain,
            action: crate::paths::passkey_remove(id),
            button: "Remove the passkey".into(),
        },
    )
}

/// The passkey `id` of the signed-in account, and whether it is their last second step.
async fn own_passkey(state: &AppState, me: &Staff, id: i64) -> AppResult<(String, bool)> {
    let name = state
        .store
        .passkeys_of(me.id)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .map(|p| p.name)
        .ok_or(AppError::NotFound)?;
    let two_step = state.store.two_step_of(me).await?;
    let last = two_step.only_one_passkey();
    if last && two_step.required {
        return Err(StoreError::Conflict(crate::store::Conflict::TwoStepRequired).into());
    }
    Ok((name, last))
}

/// GET /account/passkeys/{id}/remove
pub async fn remove_form(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (name, last) = own_passkey(&state, &me, id).await?;
    remove_page(
        &me,
        &cookies,
        id,
        &name,
        last,
        Form::blank(),
        StatusCode::OK,
    )
}

/// POST /account/passkeys/{id}/remove: behind the password; signs out every other sign-in.
pub async fn remove_submit(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: axum::http::HeaderMap,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let (name, last) = own_passkey(&state, &me, id).await?;
    if let Some(form) = password_right(&state, &me, &raw).await? {
        return remove_page(
            &me,
            &cookies,
            id,
            &name,
            last,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    state.store.remove_passkey(&me, id).await?;
    end_other_sessions(&state, &me, &headers).await?;
    Ok(redirect_with(
        "/account#two-step",
        &if last {
            format!(
                "\"{name}\" is removed, and with it two-step sign-in. You are signed out everywhere else."
            )
        } else {
            format!("\"{name}\" is removed. You are signed out everywhere else.")
        },
    ))
}

// --- using one at sign-in -------------------------------------------------------------------

/// POST /signin/second-step/passkey: the browser's answer to the passkey challenge of the
/// sign-in waiting in this browser. Counted like a code: a wrong answer uses up one of the
/// sign-in's chances and goes through the same throttle as passwords.
pub async fn sign_in_submit(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    cookies: Cookies,
    ClientAddress(address): ClientAddress,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let (hash, challenge) = match waiting(&state, &headers, ChallengeKind::Code).await? {
        Ok(w) => w,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let email = challenge.staff.email.to_lowercase();
    if let Err(wait) = state
        .store
        .begin_sign_in_attempt(&email, &address, &auth::THROTTLE)
        .await?
    {
        let res = second_step_view(
            &state,
            &hash,
            &challenge.staff,
            &cookies,
            Some(throttled(wait)),
            None,
            Form::blank(),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await?;
        return Ok(with_retry_after(res, Some(wait)));
    }
    let answer = raw.text("credential");
    let checked = match (
        state.passkeys.as_deref(),
        state.store.challenge_passkey(&hash).await?,
    ) {
        (Some(checker), Some(kept)) if !answer.is_empty() => {
            let records = state.store.passkey_records(challenge.staff.id).await?;
            checker.finish_sign_in(&answer, &kept.state, |id| {
                records
                    .iter()
                    .find(|(c, _)| c == id)
                    .map(|(_, r)| r.clone())
            })
        }
        _ => Err(PasskeyError::Unreadable("no passkey answer".into())),
    };
    match checked {
        Ok(used) if state.store.passkey_used(challenge.staff.id, &used).await? => {
            return signed_in(&state, &hash, &email, &challenge).await;
        }
        Ok(_) => {
            tracing::info!(request_id = %crate::request::current_id().unwrap_or_default(), "a passkey of another account answered a sign-in")
        }
        Err(PasskeyError::State(e)) => return Err(AppError::internal(e)),
        Err(e) => {
            tracing::info!(request_id = %crate::request::current_id().unwrap_or_default(), error = %e, "a passkey was refused at sign-in")
        }
    }
    if let Some(res) = wrong_code(&state, &hash).await? {
        return Ok(res);
    }
    second_step_view(
        &state,
        &hash,
        &challenge.staff,
        &cookies,
        None,
        Some("That passkey was not accepted. Try again with the passkey you added to Hearth, or use a code instead.".into()),
        Form::blank(),
        StatusCode::UNAUTHORIZED,
    )
    .await
}

// --- adding one at sign-in, where two-step sign-in is required ------------------------------

/// POST /signin/set-up/passkey/start: someone required to set up two-step sign-in chooses a
/// passkey (their password was right a moment ago: the waiting sign-in says so).
pub async fn sign_in_start(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let checker = passkeys(&state)?;
    let (_, challenge) = match waiting(&state, &headers, ChallengeKind::Setup).await? {
        Ok(w) => w,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let name = raw.text("name");
    let name = if name_errors(&name).is_empty() {
        name
    } else {
        "My phone".to_string()
    };
    start_adding(&state, checker, &challenge.staff, &name).await?;
    Ok(Redirect::to("/signin/set-up/passkey").into_response())
}

/// GET /signin/set-up/passkey: the button that asks the phone or computer for its lock.
pub async fn sign_in_finish_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    cookies: Cookies,
) -> AppResult<Response> {
    passkeys(&state)?;
    let (_, challenge) = match waiting(&state, &headers, ChallengeKind::Setup).await? {
        Ok(w) => w,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let Some(setup) = state.store.passkey_setup(challenge.staff.id).await? else {
        return Ok(Redirect::to("/signin/set-up").into_response());
    };
    render(&FinishPage {
        page: super::account::public_page("Set up two-step sign-in", &cookies),
        name: setup.name,
        options: setup.options,
        problem: None,
        action: "/signin/set-up/passkey",
        at_sign_in: true,
    })
}

/// POST /signin/set-up/passkey: the browser's answer; once added, signed in, with the
/// recovery codes. A wrong answer counts against the waiting sign-in like a wrong code.
pub async fn sign_in_finish_submit(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    cookies: Cookies,
    ClientAddress(address): ClientAddress,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let checker = passkeys(&state)?;
    let (hash, challenge) = match waiting(&state, &headers, ChallengeKind::Setup).await? {
        Ok(w) => w,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let staff = challenge.staff;
    let Some(setup) = state.store.passkey_setup(staff.id).await? else {
        return Ok(Redirect::to("/signin/set-up").into_response());
    };
    let email = staff.email.to_lowercase();
    let mut wait = None;
    let problem = if let Err(w) = state
        .store
        .begin_sign_in_attempt(&email, &address, &auth::THROTTLE)
        .await?
    {
        wait = Some(w);
        throttled(w)
    } else {
        match finish_adding(&state, checker, &staff, &setup, &raw.text("credential")).await? {
            Ok(codes) => {
                passed(&state, &hash, &email).await?;
                return super::two_step::set_up_at_sign_in(
                    &state,
                    &staff,
                    &cookies,
                    codes.unwrap_or_default(),
                    true,
                    &challenge.next,
                )
                .await;
            }
            Err(problem) => {
                if let Some(res) = wrong_code(&state, &hash).await? {
                    return Ok(res);
                }
                problem.to_string()
            }
        }
    };
    let res = render_status(
        if wait.is_some() {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &FinishPage {
            page: super::account::public_page("Set up two-step sign-in", &cookies),
            name: setup.name,
            options: setup.options,
            problem: Some(problem),
            action: "/signin/set-up/passkey",
            at_sign_in: true,
        },
    )?;
    Ok(with_retry_after(res, wait))
}

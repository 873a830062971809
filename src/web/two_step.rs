//! Two-step sign-in pages: the second step after the password, setting up an authenticator
//! app (at sign-in when it is required, or from one's account page), recovery codes, turning
//! it off, and what coordinators do (require it of everyone, reset someone's lost phone).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::account::{public_page, session_cookies, staff_page, start_session};
use super::{
    CheckedForm, ClientAddress, Cookies, Coordinator, CurrentStaff, Form, Page, cookie,
    redirect_with, render, render_status,
};
use crate::AppState;
use crate::auth::{self, hash_token, new_token, two_step};
use crate::domain::access::Staff;
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::ChallengeKind;

/// The cookie holding a sign-in that waits for its second step (only under /signin).
const CHALLENGE_COOKIE: &str = "hearth_signin";

/// After the right password (or a used reset link): signs in, or asks for the second step,
/// or, when two-step sign-in is required and not yet set up, guides the person through it.
pub(super) async fn after_password(
    state: &AppState,
    staff: &Staff,
    has_second_step: bool,
    next: &str,
    message: &str,
) -> AppResult<Response> {
    let kind = if has_second_step {
        ChallengeKind::Code
    } else if state.store.two_step_of(staff).await?.required {
        ChallengeKind::Setup
    } else {
        return start_session(state, staff, next, message).await;
    };
    let token = new_token();
    state
        .store
        .create_challenge(&hash_token(&token), staff.id, kind, next)
        .await?;
    let mut res = Redirect::to(step_page(kind)).into_response();
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{CHALLENGE_COOKIE}={token}; Path=/signin; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        two_step::CHALLENGE_TTL
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&value).map_err(AppError::internal)?,
    );
    Ok(res)
}

pub(super) fn forget_challenge(res: &mut Response) {
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("hearth_signin=; Path=/signin; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
}

/// The sign-in waiting in this browser for the given step, with its token's hash; or where
/// to go instead: the other step's page, or back to the password when nothing waits.
pub(super) async fn waiting(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    kind: ChallengeKind,
) -> AppResult<Result<(String, crate::store::Challenge), Response>> {
    let Some(token) = cookie(headers, CHALLENGE_COOKIE) else {
        return Ok(Err(start_again()));
    };
    let hash = hash_token(&token);
    Ok(match state.store.challenge(&hash).await? {
        Some(c) if c.kind == kind => Ok((hash, c)),
        Some(c) => Err(Redirect::to(step_page(c.kind)).into_response()),
        None => Err(start_again()),
    })
}

fn step_page(kind: ChallengeKind) -> &'static str {
    match kind {
        ChallengeKind::Code => "/signin/second-step",
        ChallengeKind::Setup => "/signin/set-up",
    }
}

fn start_again() -> Response {
    let mut res = redirect_with(
        "/signin",
        "Please sign in again with your email address and password.",
    );
    forget_challenge(&mut res);
    res
}

/// The code typed: the app's code box, or the recovery code box when that was used instead.
fn typed_code(raw: &RawInput) -> String {
    let recovery = raw.text("recovery_code");
    if recovery.is_empty() {
        raw.text("code")
    } else {
        recovery
    }
}

/// Counts a wrong code against the waiting sign-in; when that was its last chance, the answer
/// that sends the person back to their password.
pub(super) async fn wrong_code(state: &AppState, hash: &str) -> AppResult<Option<Response>> {
    tracing::info!(request_id = %crate::request::current_id().unwrap_or_default(), "second step refused");
    if state.store.challenge_failed(hash).await? {
        return Ok(None);
    }
    state.store.end_challenge(hash).await?;
    let mut res = redirect_with(
        "/signin",
        "That was too many wrong codes. Please sign in again with your password.",
    );
    forget_challenge(&mut res);
    Ok(Some(res))
}

/// The second step passed: the session starts and the waiting sign-in is forgotten.
pub(super) async fn signed_in(
    state: &AppState,
    hash: &str,
    email: &str,
    challenge: &crate::store::Challenge,
) -> AppResult<Response> {
    passed(state, hash, email).await?;
    tracing::info!(request_id = %crate::request::current_id().unwrap_or_default(),
        account = challenge.staff.id,
        "second step passed: signed in"
    );
    let mut res = start_session(
        state,
        &challenge.staff,
        &challenge.next,
        &format!("Signed in as {}.", challenge.staff.name),
    )
    .await?;
    forget_challenge(&mut res);
    Ok(res)
}

/// The second step passed: the waiting sign-in and the account's failures are cleared.
pub(super) async fn passed(state: &AppState, hash: &str, email: &str) -> AppResult<()> {
    state.store.end_challenge(hash).await?;
    state.store.clear_failures(email).await?;
    Ok(())
}

pub(super) fn throttled(wait: i64) -> String {
    format!(
        "There have been too many attempts to sign in. Please wait {} and try again.",
        crate::labels::wait_label(wait)
    )
}

pub(super) fn with_retry_after(mut res: Response, wait: Option<i64>) -> Response {
    if let Some(wait) = wait
        && let Ok(v) = HeaderValue::from_str(&wait.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

// --- the second step at sign-in -----------------------------------------------------------

#[derive(Template)]
#[template(path = "account/second_step.html")]
struct SecondStepPage {
    page: Page,
    form: Form,
    name: String,
    /// Why to wait before trying again.
    problem: Option<String>,
    /// The account has an authenticator app.
    app: bool,
    /// The passkey challenge for the browser (JSON), when the account has passkeys and this
    /// site can offer them.
    passkey_options: Option<String>,
    /// Why the passkey just tried was not accepted.
    passkey_problem: Option<String>,
}

/// The second-step page for the sign-in waiting under `hash`: the passkey button when the
/// account has passkeys (its challenge kept with the sign-in), the app's code box when it has
/// an app, and recovery codes always.
#[allow(clippy::too_many_arguments)]
pub(super) async fn second_step_view(
    state: &AppState,
    hash: &str,
    staff: &Staff,
    cookies: &Cookies,
    problem: Option<String>,
    passkey_problem: Option<String>,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let two_step = state.store.two_step_of(staff).await?;
    let passkey_options = match state.passkeys.as_deref() {
        Some(checker) if two_step.passkeys > 0 => {
            match state.store.challenge_passkey(hash).await? {
                Some(kept) => Some(kept.options),
                None => {
                    let records: Vec<String> = state
                        .store
                        .passkey_records(staff.id)
                        .await?
                        .into_iter()
                        .map(|(_, r)| r)
                        .collect();
                    match checker.start_sign_in(&records) {
                        Ok(ceremony) => {
                            state.store.set_challenge_passkey(hash, &ceremony).await?;
                            Some(ceremony.options)
                        }
                        Err(e) => {
                            // A record this Hearth cannot read: the codes still work.
                            tracing::error!(error = %e, "passkeys could not be offered at sign-in");
                            None
                        }
                    }
                }
            }
        }
        _ => None,
    };
    render_status(
        status,
        &SecondStepPage {
            page: public_page("Sign in: your second step", cookies),
            form,
            name: staff.name.clone(),
            problem,
            app: two_step.app,
            passkey_options,
            passkey_problem,
        },
    )
}

pub async fn second_step_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    cookies: Cookies,
) -> AppResult<Response> {
    let (hash, challenge) = match waiting(&state, &headers, ChallengeKind::Code).await? {
        Ok(w) => w,
        Err(elsewhere) => return Ok(elsewhere),
    };
    second_step_view(
        &state,
        &hash,
        &challenge.staff,
        &cookies,
        None,
        None,
        Form::blank(),
        StatusCode::OK,
    )
    .await
}

pub async fn second_step_submit(
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
    let again = |errors: FieldErrors, problem: Option<String>, status: StatusCode| {
        second_step_view(
            &state,
            &hash,
            &challenge.staff,
            &cookies,
            problem,
            None,
            Form::with_errors(RawInput::default(), errors),
            status,
        )
    };
    let code = typed_code(&raw);
    if code.is_empty() {
        let field = if raw.get("recovery_code").is_some() && raw.get("code").is_none() {
            ("recovery_code", "Type one of your recovery codes.")
        } else {
            ("code", "Type the 6-digit code your app shows.")
        };
        return again(
            FieldErrors::single(field.0, field.1),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let email = challenge.staff.email.to_lowercase();
    // Every code is counted like a password: guesses slow down, per account and per address.
    if let Err(wait) = state
        .store
        .begin_sign_in_attempt(&email, &address, &auth::THROTTLE)
        .await?
    {
        let res = again(
            FieldErrors::new(),
            Some(throttled(wait)),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await?;
        return Ok(with_retry_after(res, Some(wait)));
    }
    if state
        .store
        .pass_second_step(challenge.staff.id, &code)
        .await?
    {
        return signed_in(&state, &hash, &email, &challenge).await;
    }
    if let Some(res) = wrong_code(&state, &hash).await? {
        return Ok(res);
    }
    let field = if raw.text("recovery_code").is_empty() {
        (
            "code",
            "That code is not right. The code changes every 30 seconds: type the one your app shows now.",
        )
    } else {
        (
            "recovery_code",
            "That recovery code is not right, or it has been used. Check it and try again.",
        )
    };
    again(
        FieldErrors::single(field.0, field.1),
        None,
        StatusCode::UNAUTHORIZED,
    )
    .await
}

// --- setting up an app --------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/two_step_setup.html")]
struct SetupPage {
    page: Page,
    form: Form,
    /// Where the code is sent: /signin/set-up or /account/two-step.
    action: &'static str,
    /// Set up because the network requires it, at sign-in.
    at_sign_in: bool,
    /// Replacing an app already set up (a new phone).
    replacing: bool,
    qr_svg: String,
    key: String,
    /// Offer a passkey instead (at sign-in, where this site can).
    passkeys_offered: bool,
}

async fn setup_view(
    state: &AppState,
    staff: &Staff,
    page: Page,
    form: Form,
    at_sign_in: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let secret = state.store.begin_totp_setup(staff.id).await?;
    let replacing = !at_sign_in && state.store.two_step_of(staff).await?.on;
    render_status(
        status,
        &SetupPage {
            page,
            form,
            action: if at_sign_in {
                "/signin/set-up"
            } else {
                "/account/two-step"
            },
            at_sign_in,
            replacing,
            qr_svg: super::qr_svg(
                &two_step::otpauth_url(&secret, &staff.email),
                "A square code for your authenticator app",
            ),
            key: two_step::spaced(&secret),
            passkeys_offered: at_sign_in && state.passkeys.is_some(),
        },
    )
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
pub(super) struct RecoveryCodesPage {
    pub(super) page: Page,
    pub(super) codes: Vec<String>,
    /// Just turned on (rather than new codes for a second step already set up).
    pub(super) new_app: bool,
    /// Turned on with a passkey rather than an app.
    pub(super) by_passkey: bool,
    pub(super) next: String,
}

/// A second step just set up at sign-in (the sign-in's challenge passed): the recovery codes,
/// with the new session's cookies.
pub(super) async fn set_up_at_sign_in(
    state: &AppState,
    staff: &Staff,
    cookies: &Cookies,
    codes: Vec<String>,
    by_passkey: bool,
    next: &str,
) -> AppResult<Response> {
    let mut res = render(&RecoveryCodesPage {
        // No navigation yet: the page's forms would carry the anti-forgery token of
        // before signing in, which the new session no longer accepts.
        page: Page {
            flash: Some(format!("Signed in as {}.", staff.name)),
            ..public_page("Your recovery codes", cookies)
        },
        codes,
        new_app: true,
        by_passkey,
        next: next.to_string(),
    })?;
    for c in session_cookies(state, staff).await? {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    forget_challenge(&mut res);
    Ok(res)
}

pub async fn signin_setup_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    cookies: Cookies,
) -> AppResult<Response> {
    let (_, challenge) = match waiting(&state, &headers, ChallengeKind::Setup).await? {
        Ok(w) => w,
        Err(elsewhere) => return Ok(elsewhere),
    };
    setup_view(
        &state,
        &challenge.staff,
        public_page("Set up two-step sign-in", &cookies),
        Form::blank(),
        true,
        StatusCode::OK,
    )
    .await
}

pub async fn signin_setup_submit(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    cookies: Cookies,
    ClientAddress(address): ClientAddress,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let (hash, challenge) = match waiting(&state, &headers, ChallengeKind::Setup).await? {
        Ok(w) => w,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let staff = challenge.staff;
    let code = raw.text("code");
    let email = staff.email.to_lowercase();
    let mut wait = None;
    let error = if code.is_empty() {
        "Type the 6-digit code your app shows."
    } else if let Err(w) = state
        .store
        .begin_sign_in_attempt(&email, &address, &auth::THROTTLE)
        .await?
    {
        wait = Some(w);
        "There have been too many attempts. Please wait a little and try again."
    } else if let Some(codes) = state.store.confirm_totp_setup(&staff, &code).await? {
        passed(&state, &hash, &email).await?;
        return set_up_at_sign_in(&state, &staff, &cookies, codes, false, &challenge.next).await;
    } else if let Some(res) = wrong_code(&state, &hash).await? {
        return Ok(res);
    } else {
        "That code is not right. Check that the app shows \"Hearth\" with your email address, and type the code it shows now."
    };
    let res = setup_view(
        &state,
        &staff,
        public_page("Set up two-step sign-in", &cookies),
        Form::with_errors(RawInput::default(), FieldErrors::single("code", error)),
        true,
        if wait.is_some() {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
    )
    .await?;
    Ok(with_retry_after(res, wait))
}

/// GET /account/two-step: set up an app (or move it to a new phone).
pub async fn account_setup_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
) -> AppResult<Response> {
    let page = staff_page("Set up two-step sign-in", &me, &cookies, "account");
    setup_view(&state, &me, page, Form::blank(), false, StatusCode::OK).await
}

/// Ends the account's other sessions, keeping this browser's (ASVS V7.4.3).
pub(super) async fn end_other_sessions(
    state: &AppState,
    me: &Staff,
    headers: &axum::http::HeaderMap,
) -> AppResult<()> {
    let keep = cookie(headers, super::SESSION_COOKIE)
        .map(|t| hash_token(&t))
        .unwrap_or_default();
    Ok(state.store.end_other_sessions(me.id, &keep).await?)
}

/// POST /account/two-step: the code that shows the app is set up. Moving it to a new phone
/// signs out every other sign-in of the account.
pub async fn account_setup_submit(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: axum::http::HeaderMap,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let replacing = state.store.two_step_of(&me).await?.on;
    // Changing how one signs in asks for the password first (ASVS V7.5.1): a session left
    // open on a shared computer cannot swap in someone else's app.
    if let Some(form) = password_right(&state, &me, &raw).await? {
        let page = staff_page("Set up two-step sign-in", &me, &cookies, "account");
        return setup_view(
            &state,
            &me,
            page,
            form,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let code = raw.text("code");
    let error = if code.is_empty() {
        "Type the 6-digit code your app shows."
    } else if let Some(codes) = state.store.confirm_totp_setup(&me, &code).await? {
        if replacing {
            end_other_sessions(&state, &me, &headers).await?;
        }
        return render(&RecoveryCodesPage {
            page: staff_page("Your recovery codes", &me, &cookies, "account"),
            codes,
            new_app: true,
            by_passkey: false,
            next: "/account".into(),
        });
    } else {
        "That code is not right. Check that the app shows \"Hearth\" with your email address, and type the code it shows now."
    };
    let page = staff_page("Set up two-step sign-in", &me, &cookies, "account");
    setup_view(
        &state,
        &me,
        page,
        Form::with_errors(RawInput::default(), FieldErrors::single("code", error)),
        false,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// --- recovery codes and turning off, behind the password -----------------------------------

#[derive(Template)]
#[template(path = "account/confirm_password.html")]
pub(super) struct ConfirmPage {
    pub(super) page: Page,
    pub(super) form: Form,
    pub(super) heading: String,
    pub(super) explain: String,
    pub(super) action: String,
    pub(super) button: String,
}

fn confirm_page(
    me: &Staff,
    cookies: &Cookies,
    off: bool,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    let (heading, explain, action, button) = if off {
        (
            "Turn off two-step sign-in",
            "After this, your password alone signs you in. Your app's codes and your recovery codes stop working, and you are signed out everywhere else.",
            "/account/two-step/off",
            "Turn off two-step sign-in",
        )
    } else {
        (
            "New recovery codes",
            "You will get ten new recovery codes. The ones you have now stop working.",
            "/account/two-step/codes",
            "Make new recovery codes",
        )
    };
    render_status(
        status,
        &ConfirmPage {
            page: staff_page(heading, me, cookies, "account"),
            form,
            heading: heading.into(),
            explain: explain.into(),
            action: action.into(),
            button: button.into(),
        },
    )
}

pub async fn codes_page(CurrentStaff(me): CurrentStaff, cookies: Cookies) -> AppResult<Response> {
    confirm_page(&me, &cookies, false, Form::blank(), StatusCode::OK)
}

pub async fn off_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
) -> AppResult<Response> {
    if state.store.two_step_of(&me).await?.required {
        return Err(
            crate::store::StoreError::Conflict(crate::store::Conflict::TwoStepRequired).into(),
        );
    }
    confirm_page(&me, &cookies, true, Form::blank(), StatusCode::OK)
}

/// The current password, checked; the form again with the message when it is not right.
pub(super) async fn password_right(
    state: &AppState,
    me: &Staff,
    raw: &RawInput,
) -> AppResult<Option<Form>> {
    Ok(password_problem(state, me, raw, "current_password")
        .await?
        .map(|message| {
            Form::with_errors(
                RawInput::default(),
                FieldErrors::single("current_password", message),
            )
        }))
}

/// What is wrong with the password typed in `field`, if anything.
pub(super) async fn password_problem(
    state: &AppState,
    me: &Staff,
    raw: &RawInput,
    field: &str,
) -> AppResult<Option<&'static str>> {
    let typed = raw.get(field).unwrap_or("");
    if typed.is_empty() {
        return Ok(Some("Enter your password."));
    }
    if auth::verify_password(typed, &state.store.password_hash(me.id).await?).await {
        Ok(None)
    } else {
        Ok(Some("Your password is not right."))
    }
}

pub async fn codes_submit(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    if let Some(form) = password_right(&state, &me, &raw).await? {
        return confirm_page(&me, &cookies, false, form, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let codes = state.store.new_recovery_codes(&me).await?;
    render(&RecoveryCodesPage {
        page: staff_page("Your recovery codes", &me, &cookies, "account"),
        codes,
        new_app: false,
        by_passkey: false,
        next: "/account".into(),
    })
}

pub async fn off_submit(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    headers: axum::http::HeaderMap,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    if let Some(form) = password_right(&state, &me, &raw).await? {
        return confirm_page(&me, &cookies, true, form, StatusCode::UNPROCESSABLE_ENTITY);
    }
    state.store.turn_off_two_step(&me).await?;
    end_other_sessions(&state, &me, &headers).await?;
    Ok(redirect_with(
        "/account",
        "Two-step sign-in is off. Your password alone signs you in. You are signed out everywhere else.",
    ))
}

// --- coordinators -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/reset_two_step.html")]
struct ResetPage {
    page: Page,
    id: i64,
    name: String,
    required: bool,
}

/// GET /staff/{id}/two-step/reset: what a reset does, and to check it is really them first
/// (ASVS V6.4.4: a lost factor is replaced only after checking who asks).
pub async fn staff_reset_page(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    if id == me.id {
        return Err(crate::store::StoreError::Conflict(crate::store::Conflict::OwnTwoStep).into());
    }
    let name = state.store.account(id).await?.name;
    render(&ResetPage {
        page: staff_page("Reset a second step", &me, &cookies, "staff"),
        id,
        name,
        required: state.store.two_step_for_all().await?,
    })
}

/// POST /staff/{id}/two-step/reset: someone lost their phone; they set it up again.
pub async fn staff_reset(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    state.store.reset_two_step(&me, id).await?;
    let name = state.store.account(id).await?.name;
    Ok(redirect_with(
        "/staff",
        &format!(
            "{name}'s second step is reset and they are signed out. They can sign in with their password{}.",
            if state.store.two_step_for_all().await? {
                ", and will be asked to set up their app again"
            } else {
                ""
            }
        ),
    ))
}

/// POST /staff/two-step: require (or stop requiring) two-step sign-in of all staff.
pub async fn staff_policy(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let on = match raw.text("required").as_str() {
        "on" => true,
        "off" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Choose whether two-step sign-in is required.".into(),
            ));
        }
    };
    state.store.set_two_step_for_all(&me, on).await?;
    Ok(redirect_with(
        "/staff#two-step",
        if on {
            "Everyone now needs two-step sign-in. Anyone without it is signed out, and will be shown how to set it up when they next sign in."
        } else {
            "Two-step sign-in is no longer required (coordinators who have it keep it)."
        },
    ))
}

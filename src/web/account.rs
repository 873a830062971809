//! Pages about staff accounts: first-time setup, sign-in and sign-out, the home page, one's own
//! account (password change), the staff list and one-time reset links.

use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{
    CheckedForm, ClientAddress, Cookies, Coordinator, CurrentStaff, Form, MaybeStaff, Page,
    SESSION_COOKIE, cookie, redirect_with, render, render_status,
};
use crate::AppState;
use crate::auth::{self, SignIn, hash_token, new_token};
use crate::domain::access::Staff;
use crate::domain::account::{AccountInput, NewPassword};
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::{Conflict, GroupSummary, StoreError};

pub(crate) fn staff_page(title: &str, staff: &Staff, cookies: &Cookies, nav: &'static str) -> Page {
    Page {
        title: title.to_string(),
        staff: Some(staff.clone()),
        csrf: cookies.0.csrf.clone(),
        flash: cookies.0.flash.clone(),
        nav,
        member_view: false,
    }
}

pub(super) fn public_page(title: &str, cookies: &Cookies) -> Page {
    Page {
        flash: cookies.0.flash.clone(),
        ..Page::bare(title, cookies.0.csrf.clone())
    }
}

// --- home -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    groups: Vec<GroupSummary>,
    first_name: String,
    help: Vec<crate::store::HelpRequest>,
    upcoming: Vec<crate::store::UpcomingMeeting>,
    follow_ups: Vec<crate::domain::contact::Contact>,
    /// Meetings of the last fortnight the viewer ran and has not reflected on yet.
    reflections_due: Vec<crate::domain::meeting::Meeting>,
    /// Groups with concerns or a help request.
    urgent: Vec<crate::app::programme::OverviewRow>,
    /// How many groups have each thing needing attention (only those with any).
    attention: Vec<crate::app::programme::AttentionCount>,
    /// How many groups there are beyond those shown as cards.
    more_groups: usize,
}

/// Home shows this many groups as cards; a network of more is searched on the overview.
const HOME_GROUPS: usize = 12;

pub async fn home(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    cookies: Cookies,
) -> AppResult<Response> {
    let Some(staff) = staff else {
        if state.store.account_count().await? == 0 {
            return Ok(Redirect::to("/setup").into_response());
        }
        return Ok(Redirect::to("/signin").into_response());
    };
    let mut groups = state.store.groups_for(&staff).await?;
    groups.sort_by_cached_key(|g| {
        (
            crate::domain::programme::natural_key(&g.group.name),
            g.group.id,
        )
    });
    let more_groups = groups.len().saturating_sub(HOME_GROUPS);
    groups.truncate(HOME_GROUPS);
    let help = state.store.open_help_requests(&staff).await?;
    let upcoming = state.store.upcoming_meetings(&staff, 6).await?;
    let follow_ups = state.store.open_follow_ups(&staff).await?;
    let reflections_due = state.store.reflections_due(&staff).await?;
    let (urgent, attention) = crate::app::programme::attention(&state, &staff).await?;
    render(&HomePage {
        urgent,
        attention: attention.into_iter().filter(|c| c.groups > 0).collect(),
        more_groups,
        reflections_due,
        help,
        upcoming,
        follow_ups,
        first_name: staff
            .name
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string(),
        page: staff_page("Home", &staff, &cookies, "home"),
        groups,
    })
}

// --- first-time setup -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/setup.html")]
struct SetupPage {
    page: Page,
    form: Form,
}

pub async fn setup_page(State(state): State<AppState>, cookies: Cookies) -> AppResult<Response> {
    if state.store.account_count().await? > 0 {
        return Err(setup_done());
    }
    render(&SetupPage {
        page: public_page("Set up Hearth", &cookies),
        form: Form::blank(),
    })
}

fn setup_done() -> AppError {
    AppError::Conflict(
        "Hearth is already set up. Sign in, or ask a coordinator for an account.".into(),
    )
}

pub async fn setup_submit(
    State(state): State<AppState>,
    cookies: Cookies,
    CheckedForm(mut raw): CheckedForm,
) -> AppResult<Response> {
    if state.store.account_count().await? > 0 {
        return Err(setup_done());
    }
    raw.set("role", "coordinator");
    let input = match AccountInput::try_from(&raw) {
        Ok(i) => i,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetupPage {
                    page: public_page("Set up Hearth", &cookies),
                    form: Form::with_errors(without_passwords(raw), errors),
                },
            );
        }
    };
    let hash = auth::hash_password(input.password.expose())
        .await
        .map_err(AppError::internal)?;
    let Some(staff) = state
        .store
        .create_first_account(input.email.as_str(), &input.name, &hash)
        .await?
    else {
        return Err(setup_done());
    };
    start_session(
        &state,
        &staff,
        "/",
        "Welcome to Hearth. Your coordinator account is ready.",
    )
    .await
}

fn without_passwords(mut raw: RawInput) -> RawInput {
    for f in [
        "password",
        "password_confirm",
        "current_password",
        "token_password",
    ] {
        raw.set(f, "");
    }
    raw
}

/// Signs the person in: a new session row and its cookie, then on to `next`.
pub(super) async fn start_session(
    state: &AppState,
    staff: &Staff,
    next: &str,
    message: &str,
) -> AppResult<Response> {
    let mut res = redirect_with(next, message);
    for c in session_cookies(state, staff).await? {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// A new session row, and the cookies that carry it: the session's own, and a new
/// anti-forgery cookie, so nothing seen before signing in is accepted after it.
pub(super) async fn session_cookies(
    state: &AppState,
    staff: &Staff,
) -> AppResult<Vec<HeaderValue>> {
    let token = new_token();
    state
        .store
        .create_session(
            &hash_token(&token),
            staff.id,
            state.config.session_lifetime.as_secs() as i64,
            state.config.session_idle.as_secs() as i64,
        )
        .await?;
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let session = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        state.config.session_lifetime.as_secs()
    );
    let csrf = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
        super::CSRF_COOKIE,
        new_token()
    );
    [session, csrf]
        .iter()
        .map(|v| HeaderValue::from_str(v).map_err(AppError::internal))
        .collect()
}

// --- sign in / out ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/signin.html")]
struct SignInPage {
    page: Page,
    form: Form,
    next: String,
    problem: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after sign-in, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) => super::local_path(n).unwrap_or("/").to_string(),
        None => "/".to_string(),
    }
}

pub async fn signin_page(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    cookies: Cookies,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    if staff.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    if state.store.account_count().await? == 0 {
        return Ok(Redirect::to("/setup").into_response());
    }
    render(&SignInPage {
        page: public_page("Sign in", &cookies),
        form: Form::blank(),
        next: safe_next(q.next.as_deref()),
        problem: None,
    })
}

pub async fn signin_submit(
    State(state): State<AppState>,
    cookies: Cookies,
    ClientAddress(address): ClientAddress,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let next = safe_next(raw.get("next"));
    let email = raw.text("email");
    let password = raw.get("password").unwrap_or("").to_string();
    let mut errors = FieldErrors::new();
    if email.is_empty() {
        errors.add("email", "Enter your email address.");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    let again = |errors: FieldErrors, problem: Option<String>, status: StatusCode| {
        render_status(
            status,
            &SignInPage {
                page: public_page("Sign in", &cookies),
                form: Form::with_errors(without_passwords(raw.clone()), errors),
                next: next.clone(),
                problem,
            },
        )
    };
    if !errors.is_empty() {
        return again(errors, None, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match auth::sign_in(&state.store, &email, &password, &address).await? {
        SignIn::Ok(staff) => {
            let message = format!("Signed in as {}.", staff.name);
            super::two_step::after_password(&state, &staff, false, &next, &message).await
        }
        SignIn::SecondStep(staff) => {
            let message = format!("Signed in as {}.", staff.name);
            super::two_step::after_password(&state, &staff, true, &next, &message).await
        }
        SignIn::Disabled => again(
            FieldErrors::new(),
            Some("Signing in to this account has been turned off. If you still help run a group, ask a coordinator to turn it back on.".into()),
            StatusCode::FORBIDDEN,
        ),
        SignIn::Wrong => again(
            FieldErrors::single(
                "email",
                "The email address or password is not right. Check both and try again.",
            ),
            None,
            StatusCode::UNAUTHORIZED,
        ),
        SignIn::Throttled(wait) => {
            let mut res = again(
                FieldErrors::new(),
                Some(format!(
                    "There have been too many attempts to sign in. Please wait {} and try again, or ask a coordinator for a reset link.",
                    crate::labels::wait_label(wait)
                )),
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(res)
        }
    }
}

pub async fn signout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&hash_token(&token)).await?;
    }
    let mut res = redirect_with("/signin", "You have signed out.");
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("hearth_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
    // Nothing of the signed-in time stays in the browser's storage (ASVS V14.3.1): notes kept
    // on the device while the connection was down (the script has asked first, if there were
    // any) and anything stored for working offline.
    res.headers_mut().insert(
        HeaderName::from_static("clear-site-data"),
        HeaderValue::from_static("\"storage\""),
    );
    Ok(res)
}

// --- own account ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountPage {
    page: Page,
    me: Staff,
    form: Form,
    /// The API tokens of this account, as (token, made on, ends on, last used) in words.
    tokens: Vec<(crate::store::ApiToken, String, String, String)>,
    token_form: Form,
    two_step: crate::store::TwoStep,
    /// The day two-step sign-in was turned on, in words.
    two_step_since: String,
    /// The account's passkeys, as (passkey, added on, last used) in words.
    passkeys: Vec<(crate::store::PasskeyInfo, String, String)>,
    /// This site can offer passkeys (its address is a name).
    passkeys_offered: bool,
    /// Where this account is signed in, as (session, device in words, signed in on, last
    /// used, this browser).
    sessions: Vec<(crate::store::SessionInfo, String, String, String, bool)>,
    /// The phone number they can be reached on, as saved or as typed with its error.
    phone_form: Form,
}

async fn account_view(
    state: &AppState,
    me: Staff,
    cookies: &Cookies,
    form: Form,
    token_form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    account_view_with(state, me, cookies, form, token_form, None, status).await
}

async fn account_view_with(
    state: &AppState,
    me: Staff,
    cookies: &Cookies,
    form: Form,
    token_form: Form,
    phone_form: Option<Form>,
    status: StatusCode,
) -> AppResult<Response> {
    let phone_form = match phone_form {
        Some(f) => f,
        None => {
            let mut raw = RawInput::default();
            raw.set("phone", &state.store.staff_entry(me.id).await?.phone);
            Form::from_raw(raw)
        }
    };
    let day = |t: i64| {
        jiff::Timestamp::from_second(t)
            .map(|t| {
                t.to_zoned_datetime(jiff::tz::TimeZone::UTC)
                    .strftime("%-d %B %Y")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let tokens = state
        .store
        .api_tokens_of(me.id)
        .await?
        .into_iter()
        .map(|t| {
            let used = t.last_used_at.map(day).unwrap_or_else(|| "never".into());
            let (made, ends) = (day(t.created_at), day(t.expires_at));
            (t, made, ends, used)
        })
        .collect();
    let two_step = state.store.two_step_of(&me).await?;
    let two_step_since = two_step.since.map(day).unwrap_or_default();
    let passkeys = state
        .store
        .passkeys_of(me.id)
        .await?
        .into_iter()
        .map(|p| {
            let used = p.last_used_at.map(day).unwrap_or_else(|| "never".into());
            let added = day(p.created_at);
            (p, added, used)
        })
        .collect();
    let this = cookies.0.session_hash.clone().unwrap_or_default();
    let now = crate::store::now();
    let when =
        |t: i64| crate::labels::ago_label(now - t).unwrap_or_else(|| format!("on {}", day(t)));
    let sessions = state
        .store
        .sessions_of(me.id)
        .await?
        .into_iter()
        .map(|s| {
            let device = if s.device.is_empty() {
                "A browser".to_string()
            } else {
                s.device.clone()
            };
            let (since, used) = (day(s.created_at), when(s.last_seen_at));
            let here = s.token_hash == this;
            (s, device, since, used, here)
        })
        .collect();
    render_status(
        status,
        &AccountPage {
            page: staff_page("Your account", &me, cookies, "account"),
            me,
            form,
            tokens,
            token_form,
            two_step,
            two_step_since,
            passkeys,
            passkeys_offered: state.passkeys.is_some(),
            sessions,
            phone_form,
        },
    )
}

/// POST /account/phone: the phone number a coordinator can ring them on.
pub async fn set_phone(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    match crate::domain::access::StaffPhone::try_from(&raw) {
        Ok(phone) => {
            state
                .store
                .set_staff_phone(&me, me.id, phone.as_str())
                .await?;
            Ok(redirect_with("/account", "Your phone number is saved."))
        }
        Err(errors) => {
            let mut token_form = RawInput::default();
            token_form.set("token_days", "90");
            account_view_with(
                &state,
                me,
                &cookies,
                Form::blank(),
                Form::from_raw(token_form),
                Some(Form::with_errors(raw, errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn account_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
) -> AppResult<Response> {
    let mut token_form = RawInput::default();
    token_form.set("token_days", "90");
    account_view(
        &state,
        me,
        &cookies,
        Form::blank(),
        Form::from_raw(token_form),
        StatusCode::OK,
    )
    .await
}

/// Makes an API token for the signed-in member of staff, shown once.
pub async fn create_token(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let mut errors = FieldErrors::new();
    let name = raw.text("token_name");
    if !crate::store::TokenSpec::name_fits(&name) {
        errors.add(
            "token_name",
            "Give it a name of up to 80 characters, such as \"Reports spreadsheet\".",
        );
    }
    let days = match raw.text("token_days").parse::<i64>() {
        Ok(d) if crate::store::TokenSpec::days_fit(d) => d,
        _ => {
            errors.add("token_days", "Give a whole number of days from 1 to 366.");
            90
        }
    };
    // A token signs a program in as you: the password first (ASVS V7.5.1).
    if let Some(message) =
        super::two_step::password_problem(&state, &me, &raw, "token_password").await?
    {
        errors.add("token_password", message);
    }
    if !errors.is_empty() {
        return account_view(
            &state,
            me,
            &cookies,
            Form::blank(),
            Form::with_errors(without_passwords(raw), errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let spec = crate::store::TokenSpec {
        name: name.clone(),
        days,
        read_only: raw.get("token_read_only").is_some(),
    };
    let token = new_token();
    state
        .store
        .create_named_api_token(me.id, &hash_token(&token), &spec)
        .await?;
    render(&LinkShown {
        what: "token",
        page: staff_page("API token made", &me, &cookies, "account"),
        heading: format!("Your API token \"{name}\""),
        explain: format!(
            "Copy it into the program that will use it. It works for {days} days{}, and it is shown only now: if it is lost, revoke it and make another.",
            if spec.read_only {
                ", for reading only"
            } else {
                ""
            }
        ),
        link: token,
        back: "/account".into(),
        back_label: "Back to your account".into(),
    })
}

/// A coordinator revokes someone's API token from their staff page (audited in the store).
pub async fn staff_revoke_token(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    Path((account, id)): Path<(i64, i64)>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let theirs = state.store.api_tokens_of(account).await?;
    let Some(t) = theirs.iter().find(|t| t.id == id) else {
        return Err(AppError::NotFound);
    };
    state.store.revoke_api_token(&me, id).await?;
    let name = state.store.account(account).await?.name;
    Ok(redirect_with(
        &crate::paths::staff(account),
        &format!("{name}'s token \"{}\" no longer works.", t.name),
    ))
}

/// Revokes one of the signed-in member of staff's API tokens.
pub async fn revoke_token(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let own = state.store.api_tokens_of(me.id).await?;
    let Some(t) = own.iter().find(|t| t.id == id) else {
        return Err(AppError::NotFound);
    };
    state.store.revoke_api_token(&me, id).await?;
    Ok(redirect_with(
        "/account",
        &format!("The token \"{}\" no longer works.", t.name),
    ))
}

pub async fn change_password(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let mut errors = FieldErrors::new();
    let current = raw.get("current_password").unwrap_or("");
    let hash = state.store.password_hash(me.id).await?;
    if current.is_empty() {
        errors.add("current_password", "Enter your current password.");
    } else if !auth::verify_password(current, &hash).await {
        errors.add("current_password", "Your current password is not right.");
    }
    let new = NewPassword::for_person(raw.get("password").unwrap_or(""), &[&me.name, &me.email])
        .map_err(|m| errors.add("password", m))
        .ok();
    if let Some(p) = &new
        && raw.get("password_confirm") != Some(p.expose())
    {
        errors.add(
            "password_confirm",
            "The two new passwords are not the same.",
        );
    }
    match new {
        Some(p) if errors.is_empty() => {
            let hash = auth::hash_password(p.expose())
                .await
                .map_err(AppError::internal)?;
            state.store.set_password(me.id, &hash).await?;
            // Every session ended with the change, this one too: sign in again with the new one.
            start_session(&state, &me, "/account", "Your password has been changed.").await
        }
        _ => {
            account_view(
                &state,
                me,
                &cookies,
                Form::with_errors(RawInput::default(), errors),
                Form::blank(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// --- staff (coordinators) ---------------------------------------------------------------

/// One account on the staff pages.
struct StaffRow {
    entry: crate::store::StaffEntry,
    /// It is the viewer's own.
    own: bool,
    /// It has a second step.
    two_step: bool,
    /// Its live API tokens.
    tokens: Vec<crate::store::ApiToken>,
}

#[derive(Template)]
#[template(path = "account/staff.html")]
struct StaffPage {
    page: Page,
    /// The search, as typed (and its errors).
    search: Form,
    found: Option<crate::domain::programme::Page<StaffRow>>,
    /// How many accounts there are in all.
    all: usize,
    form: Form,
    /// Whether every member of staff must sign in with two steps.
    two_step_for_all: bool,
    /// Whether the viewer has a second step (needed before requiring it of everyone).
    own_two_step: bool,
}

impl StaffPage {
    fn sort_choices(&self) -> Vec<(&'static str, &'static str)> {
        use crate::domain::programme::SortOrder;
        crate::app::staff::StaffSort::ALL
            .iter()
            .map(|(_, v, w)| (*v, *w))
            .collect()
    }
    fn page_href(&self, page: usize) -> String {
        super::list_href(
            "/staff",
            &self.search,
            &["q", "sort", "limit"],
            &[("page", page.to_string())],
        )
    }
}

/// The sign-in facts of the accounts shown: second steps and live API tokens.
async fn staff_rows(
    state: &AppState,
    me: &Staff,
    entries: Vec<crate::store::StaffEntry>,
    two_step: &std::collections::HashSet<i64>,
) -> AppResult<Vec<StaffRow>> {
    let mut tokens: std::collections::HashMap<i64, Vec<crate::store::ApiToken>> =
        std::collections::HashMap::new();
    for (account, token) in state.store.live_api_tokens().await? {
        tokens.entry(account).or_default().push(token);
    }
    Ok(entries
        .into_iter()
        .map(|e| StaffRow {
            own: e.id == me.id,
            two_step: two_step.contains(&e.id),
            tokens: tokens.remove(&e.id).unwrap_or_default(),
            entry: e,
        })
        .collect())
}

async fn staff_page_handler(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    raw: RawInput,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    use crate::app::staff::{StaffSort, staff_page as cut};
    use crate::domain::programme::ListQuery;
    let entries = state.store.staff_directory().await?;
    let all = entries.len();
    let (search, cut_page, list_status) =
        super::list_ask(raw, |q: &ListQuery<StaffSort>| cut(entries, q));
    // A search that cannot be read says so; otherwise the status is the add form's.
    let status = if list_status.is_success() {
        status
    } else {
        list_status
    };
    let two_step = state.store.accounts_with_two_step().await?;
    let found = match cut_page {
        Some(p) => Some(crate::domain::programme::Page {
            rows: staff_rows(state, me, p.rows, &two_step).await?,
            total: p.total,
            offset: p.offset,
            limit: p.limit,
        }),
        None => None,
    };
    let own_two_step = two_step.contains(&me.id);
    render_status(
        status,
        &StaffPage {
            page: staff_page("Staff", me, cookies, "staff"),
            search,
            found,
            all,
            form,
            two_step_for_all: state.store.two_step_for_all().await?,
            own_two_step,
        },
    )
}

#[derive(Template)]
#[template(path = "account/staff_person.html")]
struct PersonPage {
    page: Page,
    row: StaffRow,
    groups: Vec<crate::store::StaffGroup>,
    form: Form,
}

async fn person_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: i64,
    form: Option<Form>,
    status: StatusCode,
) -> AppResult<Response> {
    let entry = state.store.staff_entry(id).await?;
    let groups = state.store.groups_of_staff(id).await?;
    let form = form.unwrap_or_else(|| {
        let mut raw = RawInput::default();
        raw.set("phone", &entry.phone);
        Form::from_raw(raw)
    });
    let title = entry.name.clone();
    let two_step = state.store.accounts_with_two_step().await?;
    let row = staff_rows(state, me, vec![entry], &two_step)
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    render_status(
        status,
        &PersonPage {
            page: staff_page(&title, me, cookies, "staff"),
            row,
            groups,
            form,
        },
    )
}

/// GET /staff/{id}: one member of staff: how to reach them, the groups they facilitate, when
/// they last signed in, and what a coordinator can do about their signing in.
pub async fn staff_person(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    cookies: Cookies,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    person_page(&state, &me, &cookies, id, None, StatusCode::OK).await
}

/// POST /staff/{id}/phone: a coordinator sets the phone number someone can be reached on.
pub async fn staff_set_phone(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    match crate::domain::access::StaffPhone::try_from(&raw) {
        Ok(phone) => {
            state.store.set_staff_phone(&me, id, phone.as_str()).await?;
            Ok(redirect_with(
                &crate::paths::staff(id),
                "Their phone number is saved.",
            ))
        }
        Err(errors) => {
            person_page(
                &state,
                &me,
                &cookies,
                id,
                Some(Form::with_errors(raw, errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Turns a staff member's sign-in off (offboarding): their sessions and API tokens end at
/// once; what they recorded stays.
pub async fn staff_disable(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    set_sign_in(&state, &me, id, false).await
}

/// Turns a staff member's sign-in back on.
pub async fn staff_enable(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    set_sign_in(&state, &me, id, true).await
}

async fn set_sign_in(state: &AppState, me: &Staff, id: i64, allowed: bool) -> AppResult<Response> {
    state.store.set_sign_in_allowed(me, id, allowed).await?;
    let name = state.store.account(id).await?.name;
    let said = if allowed {
        format!("{name} can sign in again, with their old password.")
    } else {
        format!("{name} can no longer sign in. What they recorded stays.")
    };
    Ok(redirect_with("/staff", &said))
}

/// GET /staff: everyone with an account, searched by name, email or phone, sorted and a page
/// at a time.
pub async fn staff_list(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    cookies: Cookies,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    staff_page_handler(&state, &me, &cookies, raw, Form::blank(), StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "account/link_shown.html")]
struct LinkShown {
    page: Page,
    /// What is shown: "link" or "token".
    what: &'static str,
    heading: String,
    explain: String,
    link: String,
    back: String,
    back_label: String,
}

/// Adds a staff account. The new person sets their own password from a one-time link.
pub async fn staff_create(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    cookies: Cookies,
    CheckedForm(mut raw): CheckedForm,
) -> AppResult<Response> {
    // The password is set by the person through their link; a placeholder satisfies the parser.
    raw.set("password", "placeholder-not-used");
    let input = match AccountInput::try_from(&raw) {
        Ok(i) => i,
        Err(errors) => {
            return staff_page_handler(
                &state,
                &me,
                &cookies,
                RawInput::default(),
                Form::with_errors(raw, errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    // "!" is not a valid password hash, so nobody can sign in until the link is used.
    let created = match state
        .store
        .create_account(input.email.as_str(), &input.name, input.role, "!")
        .await
    {
        Ok(s) => s,
        Err(StoreError::Conflict(Conflict::Duplicate(_))) => {
            let errors = FieldErrors::single(
                "email",
                "There is already an account with this email address.",
            );
            return staff_page_handler(
                &state,
                &me,
                &cookies,
                RawInput::default(),
                Form::with_errors(raw, errors),
                StatusCode::CONFLICT,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let link = issue_reset_link(&state, &me, created.id).await?;
    render(&LinkShown {
        what: "link",
        page: staff_page("Account created", &me, &cookies, "staff"),
        heading: format!("{} can now set their password", created.name),
        explain: format!(
            "Give this link to {} (read it out, text it or email it). It works once, for 3 days. They will choose their own password. It is shown only now.",
            created.name
        ),
        link,
        back: "/staff".into(),
        back_label: "Back to staff".into(),
    })
}

async fn issue_reset_link(state: &AppState, me: &Staff, account_id: i64) -> AppResult<String> {
    let token = new_token();
    state
        .store
        .create_password_reset(account_id, &hash_token(&token), me.id, auth::RESET_TTL)
        .await?;
    state
        .store
        .audit(
            &me.actor(),
            "reset link issued",
            &format!("account:{account_id}"),
            "",
        )
        .await?;
    Ok(format!("{}/reset/{token}", state.config.public_url))
}

pub async fn staff_reset_link(
    State(state): State<AppState>,
    Coordinator(me): Coordinator,
    cookies: Cookies,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let account = state.store.account(id).await?;
    let link = issue_reset_link(&state, &me, account.id).await?;
    render(&LinkShown {
        what: "link",
        page: staff_page("Reset link", &me, &cookies, "staff"),
        heading: format!("A reset link for {}", account.name),
        explain: format!(
            "Give this link to {}. It works once, for 3 days, and lets them choose a new password. It is shown only now.",
            account.name
        ),
        link,
        back: crate::paths::staff(account.id),
        back_label: format!("Back to {}", account.name),
    })
}

// --- using a reset link -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/reset.html")]
struct ResetPage {
    page: Page,
    name: String,
    form: Form,
}

pub async fn reset_page(
    State(state): State<AppState>,
    cookies: Cookies,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some(account) = state
        .store
        .password_reset_account(&hash_token(&token))
        .await?
    else {
        return Err(expired_link());
    };
    render(&ResetPage {
        page: public_page("Choose a new password", &cookies),
        name: account.name,
        form: Form::blank(),
    })
}

fn expired_link() -> AppError {
    AppError::BadRequest(
        "This link has already been used or has expired. Ask a coordinator for a new one.".into(),
    )
}

pub async fn reset_submit(
    State(state): State<AppState>,
    cookies: Cookies,
    Path(token): Path<String>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let hash = hash_token(&token);
    let Some(account) = state.store.password_reset_account(&hash).await? else {
        return Err(expired_link());
    };
    let mut errors = FieldErrors::new();
    let new = NewPassword::for_person(
        raw.get("password").unwrap_or(""),
        &[&account.name, &account.email],
    )
    .map_err(|m| errors.add("password", m))
    .ok();
    if let Some(p) = &new
        && raw.get("password_confirm") != Some(p.expose())
    {
        errors.add("password_confirm", "The two passwords are not the same.");
    }
    let Some(p) = new.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetPage {
                page: public_page("Choose a new password", &cookies),
                name: account.name,
                form: Form::with_errors(RawInput::default(), errors),
            },
        );
    };
    let password_hash = auth::hash_password(p.expose())
        .await
        .map_err(AppError::internal)?;
    if !state
        .store
        .use_password_reset(&hash, &password_hash)
        .await?
    {
        return Err(expired_link());
    }
    state.store.clear_failures(&account.email).await?;
    // A reset link replaces the password, not the second step: that is still asked for.
    let has_second_step = state.store.two_step_of(&account).await?.on;
    super::two_step::after_password(
        &state,
        &account,
        has_second_step,
        "/",
        "Your new password is set. You are signed in.",
    )
    .await
}

//! The HTML interface: routes, the middleware every response passes through (security headers,
//! the anti-forgery cookie, error pages), the extractors handlers use, and the page chrome.

mod account;
mod assets;
mod audit;
mod calendar;
mod contacts;
mod erase;
mod export;
mod form;
mod groups;
mod insight;
mod link;
mod meetings;
mod members;
pub mod page_form;
mod passkeys;
mod polls;
mod sessions;
mod social;
mod topics;
mod two_step;
mod venues;

pub use crate::http::cache;
pub(crate) use crate::http::cache::cached;
pub use crate::http::cookies::{CSRF_COOKIE, FLASH_COOKIE, RequestCookies, SESSION_COOKIE, cookie};
pub use crate::http::extract::*;
pub use crate::http::query::{RangeQuery, SearchQuery};
pub use form::*;

use crate::paths;
use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;

use crate::AppState;
use crate::domain::access::Staff;
use crate::error::{AppError, AppResult, ErrorInfo};

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'";

pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(account::home))
        .route(
            "/setup",
            get(account::setup_page).post(account::setup_submit),
        )
        .route(
            "/signin",
            get(account::signin_page).post(account::signin_submit),
        )
        .route("/signout", post(account::signout))
        .route("/account", get(account::account_page))
        .route("/account/password", post(account::change_password))
        .route("/account/phone", post(account::set_phone))
        .route("/account/tokens", post(account::create_token))
        .route(paths::ACCOUNT_TOKEN_REVOKE, post(account::revoke_token))
        .route(
            "/account/two-step",
            get(two_step::account_setup_page).post(two_step::account_setup_submit),
        )
        .route(
            "/account/two-step/codes",
            get(two_step::codes_page).post(two_step::codes_submit),
        )
        .route(
            "/account/two-step/off",
            get(two_step::off_page).post(two_step::off_submit),
        )
        .route(
            "/signin/second-step",
            get(two_step::second_step_page).post(two_step::second_step_submit),
        )
        .route(
            "/signin/second-step/passkey",
            post(passkeys::sign_in_submit),
        )
        .route(
            "/signin/set-up/passkey/start",
            post(passkeys::sign_in_start),
        )
        .route(
            "/signin/set-up/passkey",
            get(passkeys::sign_in_finish_page).post(passkeys::sign_in_finish_submit),
        )
        .route(
            "/account/passkeys/new",
            get(passkeys::new_form).post(passkeys::new_submit),
        )
        .route(
            "/account/passkeys/finish",
            get(passkeys::finish_page).post(passkeys::finish_submit),
        )
        .route(
            paths::PASSKEY_REMOVE,
            get(passkeys::remove_form).post(passkeys::remove_submit),
        )
        .route(
            "/signin/set-up",
            get(two_step::signin_setup_page).post(two_step::signin_setup_submit),
        )
        .route(
            "/staff",
            get(account::staff_list).post(account::staff_create),
        )
        .route(paths::STAFF_RESET_LINK, post(account::staff_reset_link))
        .route(paths::STAFF, get(account::staff_person))
        .route(paths::STAFF_PHONE, post(account::staff_set_phone))
        .route(paths::STAFF_DISABLE, post(account::staff_disable))
        .route(paths::STAFF_ENABLE, post(account::staff_enable))
        .route(
            paths::STAFF_TWO_STEP_RESET,
            get(two_step::staff_reset_page).post(two_step::staff_reset),
        )
        .route("/staff/two-step", post(two_step::staff_policy))
        .route(paths::STAFF_SIGN_OUT, post(sessions::staff_sign_out))
        .route(
            "/staff/sign-out-all",
            get(sessions::everyone_page).post(sessions::everyone_submit),
        )
        .route(
            "/account/sessions/end-others",
            get(sessions::end_others_page).post(sessions::end_others_submit),
        )
        .route(
            paths::SESSION_END,
            get(sessions::end_page).post(sessions::end_submit),
        )
        .route(paths::STAFF_TOKEN_REVOKE, post(account::staff_revoke_token))
        .route(
            "/reset/{token}",
            get(account::reset_page).post(account::reset_submit),
        )
        .route("/groups", get(groups::list))
        .route("/groups/new", get(groups::new_page).post(groups::create))
        .route(
            paths::GROUP,
            get(groups::show).route_layer(cached(&state, cache::group_page)),
        )
        .route(
            paths::GROUP_EDIT,
            get(groups::edit_page).post(groups::update),
        )
        .route(paths::GROUP_FACILITATORS, post(groups::set_facilitators))
        .route(
            paths::GROUP_MEMBERS,
            get(members::list).route_layer(cached(&state, cache::group_page)),
        )
        .route(paths::GROUP_MEMBERS_CSV, get(members::export_csv))
        .route(
            paths::GROUP_MEMBERS_NEW,
            get(members::new_page).post(members::create),
        )
        .route(
            paths::GROUP_MEMBERS_IMPORT,
            get(members::import_page).post(members::import_preview),
        )
        .route(
            paths::GROUP_MEMBERS_IMPORT_CONFIRM,
            post(members::import_confirm),
        )
        .route("/members", get(members::find))
        .route(paths::MEMBER, get(members::show))
        .route(
            paths::MEMBER_EDIT,
            get(members::edit_page).post(members::update),
        )
        .route(paths::MEMBER_CONSENTS, post(members::add_consent))
        .route(
            paths::MEMBER_CONSENT_WITHDRAW,
            post(members::withdraw_consent),
        )
        .route(paths::MEMBER_LINK, post(members::issue_link))
        .route(paths::MEMBER_LINK_EMAIL, post(members::email_link))
        .route(paths::MEMBER_LINK_REVOKE, post(members::revoke_link))
        .route(paths::MEMBER_DATA, get(export::staff_page))
        .route(paths::MEMBER_ERASE, get(erase::page).post(erase::erase))
        .route("/settings/retention", post(insight::set_retention))
        .route("/audit", get(audit::page))
        .route("/audit.csv", get(audit::csv))
        .route(paths::MEMBER_DATA_JSON, get(export::staff_json_route))
        .route(paths::LINK_DATA, get(export::own_page))
        .route(paths::LINK_DATA_JSON, get(export::own_json))
        .route(
            paths::MEMBER_CALENDAR_FEED_REVOKE,
            post(members::revoke_feed),
        )
        .merge(meetings::routes(&state))
        .route(
            paths::GROUP_TOPICS,
            get(topics::board).post(topics::propose),
        )
        .route(paths::GROUP_TOPIC, get(topics::topic).post(topics::act))
        .route(paths::GROUP_TOPIC_EDIT, post(topics::edit_topic))
        .route(paths::MEMBER_PLANS, post(topics::add_plan))
        .route(paths::PLAN, get(topics::plan))
        .route(paths::PLAN_REVIEWS, post(topics::review))
        .route(
            "/meetings/{id}/checkins/{member}",
            post(topics::save_checkin),
        )
        .route("/members/{id}/contacts", post(contacts::add))
        .route(paths::CONTACTS_DONE, post(contacts::follow_up_done))
        .route(
            paths::GROUP_CONTACTS,
            get(contacts::sheet).post(contacts::log),
        )
        .route(paths::GROUP_CONTACTS_NEW, get(contacts::log_new))
        .route(paths::GROUP_CONTACTS_CSV, get(contacts::csv))
        .route(paths::MEETING_CALL_LIST, get(contacts::call_list))
        .route(paths::GROUP_POLLS_NEW, get(polls::new))
        .route(paths::GROUP_POLLS, post(polls::create))
        .route(paths::POLL, get(polls::show))
        .route(paths::POLL_ANSWERS, post(polls::record_answer))
        .route(paths::POLL_CLOSE, post(polls::close))
        .route(paths::POLL_REMIND, post(polls::remind))
        .route(paths::GROUP_MAIL, get(polls::mail_log))
        .route(paths::LINK_POLL, post(link::answer_poll))
        .route(paths::GROUP_SOCIAL, get(social::list).post(social::create))
        .route(paths::SOCIAL_EVENT, get(social::show).post(social::update))
        .route(paths::SOCIAL_EVENT_STATUS, post(social::set_status))
        .route(paths::SOCIAL_EVENT_RSVP, post(social::record_rsvp))
        .route(paths::SOCIAL_CALENDAR, get(calendar::social_file))
        .route(paths::GROUP_ROTA, get(social::rota).post(social::set_rota))
        .route(paths::MEETING_HOST, post(social::set_host))
        .route(paths::LINK_SOCIAL, post(link::social_rsvp))
        .route(
            paths::LINK_SOCIAL_CALENDAR_ICS,
            get(calendar::member_social_file),
        )
        .route(paths::LINK_ROTA, post(link::rota))
        .route(paths::GROUP_HISTORY, get(insight::history))
        .route(
            paths::GROUP_SEARCH,
            get(insight::search).route_layer(cached(&state, cache::group_page)),
        )
        .route(paths::GROUP_INSIGHT, get(insight::group_insight))
        .route(paths::GROUP_REPORT, get(insight::report))
        .route(paths::GROUP_ATTENDANCE_CSV, get(insight::attendance_csv))
        .route(
            paths::GROUP_MEETINGS_FIGURES_CSV,
            get(insight::meetings_csv),
        )
        .route(paths::GROUP_FEEDBACK_CSV, get(insight::feedback_csv))
        .route(
            "/overview",
            get(insight::overview).route_layer(cached(&state, cache::network_page)),
        )
        .route(
            "/overview/report",
            get(insight::programme_report).route_layer(cached(&state, cache::network_page)),
        )
        .route("/overview/groups.csv", get(insight::programme_csv))
        .route("/overview/meetings.csv", get(insight::network_meetings_csv))
        .route(
            "/overview/attendance.csv",
            get(insight::network_attendance_csv),
        )
        .route("/overview/feedback.csv", get(insight::network_feedback_csv))
        .route(paths::LINK_FEEDBACK, post(link::feedback))
        .route("/venues", get(venues::list))
        .route("/venues/new", get(venues::new_page).post(venues::create))
        .route(paths::VENUE, get(venues::show))
        .route(
            paths::VENUE_EDIT,
            get(venues::edit_page).post(venues::update),
        )
        .route(paths::LINK, get(link::page).post(link::update))
        .route(paths::LINK_CONSENTS, post(link::give_consent))
        .route(paths::LINK_MEETING, post(link::rsvp))
        .route(paths::LINK_TOPICS, post(link::propose_topic))
        .route(paths::LINK_TOPIC, post(link::vote))
        .route(paths::LINK_PLANS, post(link::add_plan))
        .route(paths::LINK_CONSENT_WITHDRAW, post(link::withdraw_consent))
        .route(paths::MEETING_CALENDAR, get(calendar::meeting_file))
        .route(
            paths::LINK_MEETING_CALENDAR_ICS,
            get(calendar::member_meeting_file),
        )
        .route(paths::LINK_CALENDAR_FEED, post(calendar::member_feed))
        .route(paths::GROUP_CALENDAR_FEED, post(calendar::group_feed))
        .route(
            "/calendar/{file}",
            get(calendar::feed).route_layer(cached(&state, cache::feed)),
        )
        .route("/healthz", get(healthz))
        .route("/static/{file}", get(assets::serve))
        .route("/sw.js", get(assets::service_worker));

    let routes = pages
        .nest("/api/v1", crate::api::router(&state))
        .fallback(not_found);
    // Where a page that is one form saves its typed parts before the button pressed (they go
    // to other routes, so through the whole router, without this layer).
    let parts = routes
        .clone()
        .layer(middleware::from_fn_with_state(state.clone(), audit_reads))
        .layer(middleware::from_fn_with_state(state.clone(), render_errors))
        .with_state(state.clone());
    let app = routes
        .layer(middleware::from_fn_with_state(
            parts,
            page_form::save_typed_parts_first,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), audit_reads))
        // An action sent again with the same Idempotency-Key (a phone catching up after it
        // lost its signal) is done once; the repeat gets the first answer (http/replay.rs).
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::replay::once,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), render_errors))
        // gzip at its fastest level (as nginx's default of 1): pages and JSON shrink to a
        // fifth for a few tens of microseconds; live updates (event streams) and images are
        // left alone by the layer's default rules. Outside `render_errors`, which reads the
        // text of a rejection (a path that does not parse) to put it in the error's shape.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Fastest),
        );
    // tower-http's trace layer only when its debug-level span and lines would be logged: at the
    // default level it would cost a tenth of the rate of pages served from the page cache
    // (bench/run) and write nothing. Server errors are logged either way (RequestSeen).
    let app = if crate::http::trace::enabled() {
        app.layer(crate::http::trace::layer())
    } else {
        app
    };
    app.layer(middleware::from_fn_with_state(
        state.clone(),
        cookies_and_headers,
    ))
    .with_state(state)
}

/// Audits each response once: the store gathers what the handler read of members' sensitive
/// records (needs, plans, check-ins, concerns, reflections, calls) and this writes it as one
/// event naming the viewer and every member shown, before the response leaves. A page served
/// from the cache records what it showed when it was made (cache.rs). If the event cannot be
/// written, the response is not sent: nothing is shown that the trail does not hold.
async fn audit_reads(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (res, reads) = crate::store::audit::collect_reads(next.run(req)).await;
    if reads.is_empty() || res.status().is_server_error() {
        return res;
    }
    match state.store.record_reads(reads).await {
        Ok(()) => res,
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// For load balancers and monitoring: 200 and `ok` on the first line while the database
/// answers and writes go through, otherwise 503; then a line each on the database, writes and
/// backups. Nothing here needs signing in, so it names no file, directory or error text (the
/// coordinators' overview and the log have those).
async fn healthz(State(state): State<AppState>) -> Response {
    let utc = |t: i64| {
        jiff::Timestamp::from_second(t)
            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default()
    };
    let database = state.store.healthy().await;
    let writes = state.monitor.writes();
    let mut lines = vec![
        match (database, writes.failing_since) {
            (true, None) => "ok".to_string(),
            (false, _) => "database unavailable".to_string(),
            (true, Some(_)) => "writes failing".to_string(),
        },
        format!(
            "database: {}",
            if database {
                "answering"
            } else {
                "not answering"
            }
        ),
        match writes.failing_since {
            None => "writes: ok".to_string(),
            Some(t) => format!(
                "writes: failing since {} ({} failed)",
                utc(t),
                writes.failing
            ),
        },
    ];
    let schedule = match &state.config.backup {
        Some(s) => format!(
            "backups: every {} (this instance takes its turn)",
            crate::labels::duration_label(s.every)
        ),
        None => "backups: not scheduled on this instance".to_string(),
    };
    lines.push(schedule);
    if database && let Ok((last, good)) = state.store.last_backups().await {
        match (&last, &good) {
            (None, _) => lines.push("last backup: none yet".into()),
            (Some(l), _) if l.failed() => lines.push(format!(
                "last backup: FAILED at {}; the last that worked: {}",
                utc(l.finished_at),
                good.as_ref()
                    .map(|g| format!("{}, {} bytes", utc(g.finished_at), g.bytes))
                    .unwrap_or_else(|| "none".into())
            )),
            (Some(l), _) => lines.push(format!(
                "last backup: {}, {} bytes",
                utc(l.finished_at),
                l.bytes
            )),
        }
    }
    let status = if database && writes.failing_since.is_none() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, lines.join("\n") + "\n").into_response()
}

/// Gives every browser an anti-forgery cookie, carries flash messages, and puts the security
/// headers on every response.
async fn cookies_and_headers(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if state.config.secure_cookies() {
        unprefix_cookies(req.headers_mut());
    }
    let address =
        crate::http::extract::client_address(req.headers(), req.extensions(), &state.config);
    let seen = crate::http::trace::RequestSeen::begin(&mut req, address);
    let existing_csrf = cookie(req.headers(), CSRF_COOKIE).filter(|c| c.len() >= 32);
    let csrf = existing_csrf.clone().unwrap_or_else(crate::auth::new_token);
    // The token forms carry is bound to the session: made from the browser's anti-forgery
    // cookie and its session cookie, so a token seen before signing in (or in another
    // session) is refused after it, and a planted cookie alone forges nothing.
    let form_token = form_token(&csrf, cookie(req.headers(), SESSION_COOKIE).as_deref());
    let flash_cookie = cookie(req.headers(), FLASH_COOKIE);
    let is_get = req.method() == Method::GET;
    let is_api = req.uri().path().starts_with("/api/");
    let session = cookie(req.headers(), SESSION_COOKIE);
    let session_hash = session.as_deref().map(crate::auth::hash_token);
    // A message kept with the session on the server (`keep_flash_on_server`), or, for those
    // not signed in, in the cookie itself.
    let flash_on_server = flash_cookie.as_deref() == Some(FLASH_ON_SERVER);
    let flash = match (&flash_cookie, &session_hash) {
        (Some(_), Some(hash)) if flash_on_server => {
            state.store.session_flash(hash).await.ok().flatten()
        }
        (Some(f), _) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(f)
            .ok()
            .and_then(|b| String::from_utf8(b).ok()),
        (None, _) => None,
    };
    req.extensions_mut().insert(RequestCookies {
        csrf: form_token,
        flash: flash.clone(),
        session_hash: session_hash.clone(),
    });
    if let Some(hash) = &session_hash {
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        touch_session(&state, hash, user_agent).await;
    }
    let mut res = seen.context().run(next.run(req)).await;
    // Signing in again in this browser ends the session it had (ASVS V7.2.4), whichever way
    // the new one was made (password, second step, reset link, password change).
    let new_session = res.headers().get_all(header::SET_COOKIE).iter().any(|c| {
        c.as_bytes()
            .strip_prefix(SESSION_COOKIE.as_bytes())
            .is_some_and(|rest| rest.first() == Some(&b'='))
    });
    if let Some(hash) = &session_hash
        && new_session
        && let Err(e) = state.store.delete_session(hash).await
    {
        tracing::warn!(error = %e, "the session replaced by a new sign-in could not be ended");
    }
    let session_now = if new_session {
        new_session_hash(res.headers())
    } else {
        session_hash.clone()
    };
    if let Some(hash) = &session_now {
        keep_flash_on_server(&state, hash, res.headers_mut()).await;
    }
    seen.finish(&mut res, &state.monitor);
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let h = res.headers_mut();
    if existing_csrf.is_none()
        && !is_api
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{CSRF_COOKIE}={csrf}; Path=/; HttpOnly; SameSite=Strict{secure}"
        ))
    {
        h.append(header::SET_COOKIE, v);
    }
    let shown = is_get
        && h.get(header::CONTENT_TYPE)
            .is_some_and(|c| c.as_bytes().starts_with(b"text/html"));
    if flash.is_some() && shown {
        if flash_on_server
            && let Some(hash) = &session_hash
            && let Err(e) = state.store.set_session_flash(hash, None).await
        {
            tracing::warn!(error = %e, "a message shown could not be cleared");
        }
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("hearth_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
        );
    }
    if state.config.secure_cookies() {
        secure_every_cookie(h);
        prefix_cookies(h);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Personal links carry a secret in the address: never pass it on to another site. Only
    // same-site requests carry a Referer (to Hearth itself), and browsers then send the real
    // Origin on Hearth's own forms, so `Origin: null` can be refused (`no-referrer` made
    // Chromium send `null`).
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.config.secure_cookies() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// What the flash cookie holds when the message itself is kept with the session.
const FLASH_ON_SERVER: &str = "s";

/// The hash of the session a response starts (its `Set-Cookie: hearth_session=…`), if any.
fn new_session_hash(headers: &axum::http::HeaderMap) -> Option<String> {
    headers.get_all(header::SET_COOKIE).iter().find_map(|c| {
        let rest = c
            .to_str()
            .ok()?
            .strip_prefix(SESSION_COOKIE)?
            .strip_prefix('=')?;
        let token = rest.split(';').next()?.trim();
        (!token.is_empty()).then(|| crate::auth::hash_token(token))
    })
}

/// A message for the next page (`redirect_with`) is kept with the signed-in person's session
/// on the server, and the cookie only says that one is waiting: messages can name a member
/// ("Ada is signed in."), and nothing about members is stored in the browser (ASVS V14.3.3).
/// If it cannot be kept there, it stays in the cookie (a short-lived, HttpOnly one).
async fn keep_flash_on_server(state: &AppState, hash: &str, headers: &mut axum::http::HeaderMap) {
    let prefix = format!("{FLASH_COOKIE}=");
    let mut kept = Vec::new();
    let mut message = None;
    for value in headers.get_all(header::SET_COOKIE) {
        let text = value.to_str().unwrap_or("");
        if let Some(rest) = text.strip_prefix(&prefix) {
            let encoded = rest.split(';').next().unwrap_or("");
            if !encoded.is_empty() && encoded != FLASH_ON_SERVER {
                message = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(encoded)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok());
                if message.is_some() {
                    continue;
                }
            }
        }
        kept.push(value.clone());
    }
    let Some(message) = message else {
        return;
    };
    if let Err(e) = state.store.set_session_flash(hash, Some(&message)).await {
        tracing::warn!(error = %e, "a message could not be kept with the session");
        return;
    }
    headers.remove(header::SET_COOKIE);
    for value in kept {
        headers.append(header::SET_COOKIE, value);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={FLASH_ON_SERVER}; Path=/; Max-Age=120; HttpOnly; SameSite=Lax"
    )) {
        headers.append(header::SET_COOKIE, v);
    }
}

/// A request came with a session: push its idle end on (`--session-idle`), writing at most
/// once per quarter of the idle time (and at most a minute) per session on this instance, so
/// a page served from the cache stays one query. A session already ended stays ended.
/// The device is worked out from `user_agent` only when the session is written.
async fn touch_session(state: &AppState, hash: &str, user_agent: &str) {
    let idle = state.config.session_idle.as_secs() as i64;
    let gap = (idle / 4).clamp(1, 60);
    let now = crate::store::now();
    {
        let Ok(mut touched) = state.touched.lock() else {
            return;
        };
        if touched.get(hash).is_some_and(|t| now - t < gap) {
            return;
        }
        if touched.len() > 10_000 {
            touched.retain(|_, t| now - *t < gap);
        }
        touched.insert(hash.to_string(), now);
    }
    let device = crate::http::device::label(user_agent);
    if let Err(e) = state.store.touch_session(hash, idle, &device).await {
        tracing::warn!(error = %e, "a session's idle end could not be pushed on");
    }
}

/// The anti-forgery token for a browser's forms: its cookie alone before signing in, and bound
/// to the session after (a hash of both), so signing in renews it.
pub(crate) fn form_token(csrf: &str, session: Option<&str>) -> String {
    match session {
        Some(s) => crate::auth::hash_token(&format!("{csrf}.{s}")),
        None => csrf.to_string(),
    }
}

/// Under https every cookie is marked Secure, whichever handler set it (ASVS V3.3.1).
fn secure_every_cookie(h: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
    if cookies.iter().all(|c| {
        c.to_str()
            .is_ok_and(|s| s.to_ascii_lowercase().contains("; secure"))
    }) {
        return;
    }
    h.remove(header::SET_COOKIE);
    for c in cookies {
        let secured = match c.to_str() {
            Ok(s) if !s.to_ascii_lowercase().contains("; secure") => {
                HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or(c)
            }
            _ => c,
        };
        h.append(header::SET_COOKIE, secured);
    }
}

/// The name prefix a Hearth cookie carries under https (ASVS V3.3.3): `__Host-` (Secure,
/// Path=/, no Domain: only this host over https can set it, not a neighbouring subdomain), or
/// `__Secure-` for the sign-in waiting for its second step, whose path is /signin.
fn cookie_prefix(set_cookie: &str) -> &'static str {
    if set_cookie.starts_with("hearth_signin=") {
        "__Secure-"
    } else {
        "__Host-"
    }
}

/// Under https, every cookie Hearth sets goes out with its prefix.
fn prefix_cookies(h: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
    if !cookies.iter().any(|c| c.as_bytes().starts_with(b"hearth_")) {
        return;
    }
    h.remove(header::SET_COOKIE);
    for c in cookies {
        let named = match c.to_str() {
            Ok(s) if s.starts_with("hearth_") => {
                HeaderValue::from_str(&format!("{}{s}", cookie_prefix(s))).unwrap_or(c)
            }
            _ => c,
        };
        h.append(header::SET_COOKIE, named);
    }
}

/// Under https, Hearth's cookies are believed only with their prefix (which only this host,
/// over https, can have set): the prefix is taken off for the handlers, and a cookie of the
/// bare name (set by a neighbouring subdomain or over plain HTTP) is dropped.
fn unprefix_cookies(h: &mut HeaderMap) {
    let pairs: Vec<String> = h
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| {
            if let Some(rest) = kv.strip_prefix("__Host-hearth_") {
                Some(format!("hearth_{rest}"))
            } else if let Some(rest) = kv.strip_prefix("__Secure-hearth_signin") {
                Some(format!("hearth_signin{rest}"))
            } else if kv.starts_with("hearth_") || kv.starts_with("__Secure-hearth_") {
                None
            } else {
                Some(kv.to_string())
            }
        })
        .collect();
    h.remove(header::COOKIE);
    if !pairs.is_empty()
        && let Ok(v) = HeaderValue::from_str(&pairs.join("; "))
    {
        h.insert(header::COOKIE, v);
    }
}

/// Gives an error response its body: JSON under /api/, a page elsewhere.
async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let next_path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let cookies = req.extensions().get::<RequestCookies>().cloned();
    let request_id = req.extensions().get::<crate::http::RequestId>().cloned();
    // A request still waiting for the database after `request_timeout` (a network that drops
    // packets without a word, where the driver would wait for TCP to give up) is answered 503
    // in the usual shape; dropping it rolls back any transaction it had open.
    let res = match tokio::time::timeout(state.config.request_timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => AppError::Unavailable(Box::new(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "no answer within {} s",
                state.config.request_timeout.as_secs_f32()
            ),
        )))
        .into_response(),
    };
    let status = res.status();
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    let info = match res.extensions().get::<ErrorInfo>().cloned() {
        Some(info) => info,
        // A rejection made before any handler ran (a path or query that does not parse, a
        // method the route does not have, a body too large): the same shape as every other
        // error, JSON under /api/ and a page elsewhere, keeping the headers it set (Allow).
        None if status.is_client_error()
            && !res
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| {
                    v.starts_with("application/json") || v.starts_with("text/html")
                }) =>
        {
            let (parts, body) = res.into_parts();
            let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
            let mut out = render_rejection(
                is_api,
                status,
                &String::from_utf8_lossy(&text),
                cookies,
                request_id,
            );
            if let Some(allow) = parts.headers.get(header::ALLOW) {
                out.headers_mut().insert(header::ALLOW, allow.clone());
            }
            return out;
        }
        None => return res,
    };
    if is_api {
        let mut out = (status, axum::Json(serde_json::json!({ "error": info }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            out.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(wait) = retry_after {
            out.headers_mut().insert(header::RETRY_AFTER, wait);
        }
        // Kept for the log line the outermost middleware writes (`RequestSeen::finish`).
        out.extensions_mut().insert(info);
        return out;
    }
    if status == StatusCode::UNAUTHORIZED {
        let target = format!("/signin?next={}", url_encode(&next_path));
        return Redirect::to(&target).into_response();
    }
    let page = ErrorPage {
        page: Page::bare(
            match status {
                StatusCode::NOT_FOUND => "Page not found",
                StatusCode::FORBIDDEN => "Not allowed",
                StatusCode::TOO_MANY_REQUESTS => "Please wait",
                _ if status.is_server_error() => "Something went wrong",
                _ => "Something is not right",
            },
            cookies.map(|c| c.csrf).unwrap_or_default(),
        ),
        message: info.message.clone(),
        fields: info.fields.clone(),
        // A server error's page gives the request's id to quote to whoever runs Hearth.
        reference: request_id.filter(|_| status.is_server_error()).map(|r| r.0),
    };
    let mut out = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, info.code).into_response(),
    };
    if let Some(wait) = retry_after {
        out.headers_mut().insert(header::RETRY_AFTER, wait);
    }
    // Kept for the log line the outermost middleware writes (`RequestSeen::finish`).
    out.extensions_mut().insert(info);
    out
}

/// The error shape for a rejection that carries only a status and a line of text.
fn render_rejection(
    is_api: bool,
    status: StatusCode,
    text: &str,
    cookies: Option<RequestCookies>,
    request_id: Option<crate::http::RequestId>,
) -> Response {
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_input",
        _ if status.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = match status {
        StatusCode::NOT_FOUND => "We could not find that page.".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "That address does not take this kind of request.".to_string(),
        _ if status.is_server_error() => {
            "Something went wrong on our side and nothing was changed. Please try again in a minute.".to_string()
        }
        _ => {
            let line = text.lines().next().unwrap_or("").trim();
            if line.is_empty() {
                "The request was not right.".to_string()
            } else {
                format!("The request was not right: {line}")
            }
        }
    };
    let info = ErrorInfo {
        status: status.as_u16(),
        code,
        message,
        fields: crate::domain::FieldErrors::new(),
        detail: None,
    };
    if is_api {
        return (status, axum::Json(serde_json::json!({ "error": info }))).into_response();
    }
    let page = ErrorPage {
        page: Page::bare(
            if status == StatusCode::NOT_FOUND {
                "Page not found"
            } else {
                "Something is not right"
            },
            cookies.map(|c| c.csrf).unwrap_or_default(),
        ),
        message: info.message,
        fields: info.fields,
        reference: request_id.filter(|_| status.is_server_error()).map(|r| r.0),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, info.code).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    message: String,
    fields: crate::domain::FieldErrors,
    reference: Option<String>,
}

pub fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The chrome every page shares: title, who is signed in, the anti-forgery token, a message.
#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    pub staff: Option<Staff>,
    pub csrf: String,
    pub flash: Option<String>,
    /// Which main navigation entry is current: "home", "groups", "venues", "staff", "account".
    pub nav: &'static str,
    /// Pages for members (personal links) show no staff navigation.
    pub member_view: bool,
}

impl Page {
    pub fn bare(title: &str, csrf: String) -> Page {
        Page {
            title: title.to_string(),
            staff: None,
            csrf,
            flash: None,
            nav: "",
            member_view: false,
        }
    }
    pub fn is_coordinator(&self) -> bool {
        self.staff.as_ref().is_some_and(|s| s.is_coordinator())
    }
    /// The signed-in account's id (0 on a page for members or before signing in): the
    /// service worker sends actions kept on the phone only while the same account is signed in.
    pub fn account(&self) -> i64 {
        self.staff.as_ref().map_or(0, |s| s.id)
    }
    pub fn current(&self, nav: &str) -> bool {
        self.nav == nav
    }
}

/// Renders a template to an HTML response.
pub fn render<T: Template>(t: &T) -> AppResult<Response> {
    Ok(Html(t.render()?).into_response())
}

/// Renders a template with a status (a form shown again with errors answers 422).
pub fn render_status<T: Template>(status: StatusCode, t: &T) -> AppResult<Response> {
    Ok((status, Html(t.render()?)).into_response())
}

/// A path on this site to go back to after a form, or `None`: it starts with one "/" (not
/// "//" or "/\\", which browsers read as another host), and holds no backslash, space or
/// control character (a browser drops a tab or newline, so "/\t/evil.example" would become
/// "//evil.example"; a CR or LF cannot go in a header at all).
pub(crate) fn local_path(path: &str) -> Option<&str> {
    let mut chars = path.chars();
    let ok = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    ok.then_some(path)
}

/// Text as an SVG QR code with a spoken name (our own words), without the XML declaration so it sits inside
/// the page (presentation attributes only: nothing the Content Security Policy refuses).
pub(crate) fn qr_svg(text: &str, label: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            // The label is our own fixed text; a quote in it would end the attribute.
            let label = label.replace('"', "");
            match svg.find("<svg") {
                Some(i) => svg[i..].replacen(
                    "<svg",
                    &format!("<svg role=\"img\" aria-label=\"{label}\" class=\"qr\""),
                    1,
                ),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

/// A member's personal link as a QR code.
pub(crate) fn qr_svg_link(link: &str) -> String {
    qr_svg(link, "A QR code of the link")
}

/// Redirects after a successful form, with a short message for the next page.
pub fn redirect_with(to: &str, message: &str) -> Response {
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(message.as_bytes());
    let mut res = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={value}; Path=/; Max-Age=120; HttpOnly; SameSite=Lax"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A CSV download named after the group, e.g. `thursday-friends-members.csv`. The text should
/// start with a byte-order mark so that spreadsheet programs read accents right.
/// A name as a file name's part: letters and digits, lower case, the rest as dashes.
pub(crate) fn file_slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// A list page's address with the search, filter and sort as shown and some of them changed
/// (an empty value leaves one out; `page` is dropped unless given), for pager and filter links.
pub fn list_href(path: &str, form: &Form, keys: &[&str], changes: &[(&str, String)]) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for key in keys.iter().copied().chain(["page"]) {
        let value = match changes.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => v.clone(),
            None if key == "page" => String::new(),
            None => form.value(key),
        };
        let every_area = key == "area" && value == "*";
        if !value.is_empty() && !every_area {
            pairs.push((key, value));
        }
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// A network list's search read from its address: the page of rows `cut` makes, with the
/// form as typed; or the form with what is wrong and 422.
pub fn list_ask<S: crate::domain::programme::SortOrder, T>(
    raw: crate::domain::RawInput,
    cut: impl FnOnce(&crate::domain::programme::ListQuery<S>) -> crate::domain::programme::Page<T>,
) -> (Form, Option<crate::domain::programme::Page<T>>, StatusCode) {
    match crate::domain::programme::ListQuery::<S>::try_from(&raw) {
        Ok(q) => {
            let found = cut(&q);
            (Form::from_raw(raw), Some(found), StatusCode::OK)
        }
        Err(e) => (
            Form::with_errors(raw, e),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

pub fn csv_download(text: String, group_name: &str, what: &str) -> Response {
    let slug = file_slug(group_name);
    let mut res = text.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{slug}-{what}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

pub use crate::labels::{date_label, when};

#[cfg(test)]
mod local_path_tests {
    use super::local_path;

    #[test]
    fn only_a_path_on_this_site_is_followed() {
        for good in ["/", "/meetings/4/run#brainstorm", "/members/3%2F"] {
            assert_eq!(local_path(good), Some(good), "{good:?}");
        }
        for bad in [
            "",
            "meetings/4",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/a\r\nSet-Cookie: x=1",
            "/a b",
            "https://evil.example",
            "/ /evil.example",
            "/x\\y",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }
}

#[cfg(test)]
mod cookie_prefix_tests {
    use super::*;

    #[test]
    fn under_https_cookies_carry_their_prefix_and_bare_names_are_dropped() {
        let mut out = HeaderMap::new();
        for c in [
            "hearth_session=abc; Path=/; HttpOnly; Secure",
            "hearth_signin=def; Path=/signin; HttpOnly; Secure",
            "other=1; Path=/",
        ] {
            out.append(header::SET_COOKIE, HeaderValue::from_static(c));
        }
        prefix_cookies(&mut out);
        let set: Vec<&str> = out
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(
            set,
            [
                "__Host-hearth_session=abc; Path=/; HttpOnly; Secure",
                "__Secure-hearth_signin=def; Path=/signin; HttpOnly; Secure",
                "other=1; Path=/",
            ]
        );

        let mut into = HeaderMap::new();
        into.insert(
            header::COOKIE,
            HeaderValue::from_static(
                "hearth_session=planted; __Host-hearth_session=abc; __Secure-hearth_signin=def; other=1",
            ),
        );
        unprefix_cookies(&mut into);
        assert_eq!(cookie(&into, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&into, "hearth_signin").as_deref(), Some("def"));
        assert_eq!(cookie(&into, "other").as_deref(), Some("1"));
        let only_planted = {
            let mut h = HeaderMap::new();
            h.insert(
                header::COOKIE,
                HeaderValue::from_static("hearth_session=planted"),
            );
            unprefix_cookies(&mut h);
            h
        };
        assert_eq!(cookie(&only_planted, SESSION_COOKIE), None);
    }
}

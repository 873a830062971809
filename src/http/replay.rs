//! Doing a request once however often it is sent. A phone that kept what a facilitator did
//! while it had no signal sends each action when the signal returns, and may send one again
//! when it cannot tell whether the first copy arrived. Each action carries an
//! `Idempotency-Key` header (made on the phone, one per action); the first request with a key
//! is done and its answer kept (`store::replays`), and every repeat of it by the same account
//! gets that answer back, marked `Idempotency-Replayed: true`, without anything being done
//! again.
//!
//! - The key belongs to the signed-in account (a session or an API token), so one account's
//!   key never answers another's request. A request with a key and no one signed in passes
//!   through (and is refused as usual).
//! - The same key on a different request (another method, address or body) is 422; a repeat
//!   while the first is still being done is 409 with `Retry-After`.
//! - Only an answer that did something is kept: success or a redirect. A refusal (a problem
//!   with the form, an expired session, a full request budget) or a failure on our side is
//!   forgotten, so sending it again tries again.
//! - An instance stopped in the middle of a request leaves its claim unfinished; after twice
//!   the request timeout a repeat takes it over and does the request.
//! - Answers are kept for 14 days, and their bodies go when any member is erased.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Response, StatusCode, header};
use axum::middleware::Next;
use axum::response::IntoResponse;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::hash_token;
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::http::extract::{MAX_FORM, bearer_token};
use crate::http::{SESSION_COOKIE, cookie};
use crate::store::replays::ReplayStart;

/// The request header naming an action.
pub const KEY_HEADER: &str = "idempotency-key";
/// The answer's header on a repeat.
pub const REPLAYED_HEADER: &str = "idempotency-replayed";

/// A key is 1 to 200 visible ASCII characters (a UUID is 36).
fn key_ok(key: &str) -> bool {
    (1..=200).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The account signed in on this request, by bearer token or session cookie.
async fn account(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Option<i64>, AppError> {
    if let Some(token) = bearer_token(headers) {
        return Ok(state
            .store
            .api_token_account(&hash_token(token))
            .await?
            .map(|s| s.id));
    }
    match cookie(headers, SESSION_COOKIE) {
        Some(token) => Ok(state
            .store
            .session_account(&hash_token(&token))
            .await?
            .map(|s| s.id)),
        None => Ok(None),
    }
}

/// The layer: see the module's notes. Requests without the header pass through untouched.
pub async fn once(State(state): State<AppState>, req: Request, next: Next) -> Response<Body> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(KEY_HEADER).cloned() else {
        return next.run(req).await;
    };
    match handle(state, key, req, next).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

async fn handle(
    state: AppState,
    key: HeaderValue,
    req: Request,
    next: Next,
) -> Result<Response<Body>, AppError> {
    let key = key
        .to_str()
        .ok()
        .filter(|k| key_ok(k))
        .ok_or_else(|| {
            AppError::BadRequest(
                "The Idempotency-Key header must be 1 to 200 visible characters.".into(),
            )
        })?
        .to_string();
    let Some(account) = account(&state, req.headers()).await? else {
        return Ok(next.run(req).await);
    };
    let (head, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM)
        .await
        .map_err(|_| AppError::BadRequest("The request was too large to accept.".into()))?;
    let mut digest = Sha256::new();
    digest.update(head.method.as_str().as_bytes());
    digest.update(b" ");
    digest.update(
        head.uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .as_bytes(),
    );
    digest.update(b"\n");
    digest.update(&bytes);
    let hash: String = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let stale_before = crate::store::now()
        - i64::try_from(state.config.request_timeout.as_secs().saturating_mul(2))
            .unwrap_or(i64::MAX)
            .max(10);
    match state
        .store
        .replay_begin(account, &key, &hash, stale_before)
        .await?
    {
        ReplayStart::Fresh => {}
        ReplayStart::Done(kept) => {
            let mut res = Response::builder()
                .status(StatusCode::from_u16(kept.status as u16).unwrap_or(StatusCode::OK))
                .header(REPLAYED_HEADER, "true");
            if let Some(t) = &kept.content_type {
                res = res.header(header::CONTENT_TYPE, t);
            }
            if let Some(l) = &kept.location {
                res = res.header(header::LOCATION, l);
            }
            return res
                .body(Body::from(kept.body.unwrap_or_default()))
                .map_err(AppError::internal);
        }
        ReplayStart::Busy => {
            let mut res = AppError::Conflict(
                "This action is still being saved from when it was first sent. Try again in a moment."
                    .into(),
            )
            .into_response();
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return Ok(res);
        }
        ReplayStart::Different => {
            return Err(AppError::Invalid(FieldErrors::single(
                "Idempotency-Key",
                "This key was already used for a different request. Make a new key for each action.",
            )));
        }
    }
    let req = Request::from_parts(head, Body::from(bytes));
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_success() || status.is_redirection()) {
        if let Err(e) = state.store.replay_forget(account, &key).await {
            tracing::warn!(error = %e, "could not forget an action that did nothing");
        }
        return Ok(res);
    }
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM)
        .await
        .map_err(AppError::internal)?;
    let text = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    // Text answers (pages and JSON) are kept whole; anything else keeps its status and
    // address only.
    let kept_body = std::str::from_utf8(&bytes).ok();
    state
        .store
        .replay_finish(
            account,
            &key,
            status.as_u16(),
            text(header::CONTENT_TYPE).as_deref(),
            text(header::LOCATION).as_deref(),
            kept_body,
        )
        .await?;
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

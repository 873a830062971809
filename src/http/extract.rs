//! Extractors: who is signed in (by cookie or bearer token), the browser's cookies, checked
//! form bodies, JSON bodies and the client's address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;

use crate::AppState;
use crate::auth::hash_token;
use crate::domain::RawInput;
use crate::domain::access::Staff;
use crate::error::AppError;
use crate::web::cache::SignedIn;
use crate::web::{RequestCookies, SESSION_COOKIE, cookie};

/// A member of staff signed in through the browser. Pages that need one redirect to sign-in.
pub struct CurrentStaff(pub Staff);

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // Signed in already by the page cache's middleware on this request.
        if let Some(s) = parts.extensions.get::<SignedIn>()
            && !s.by_token
        {
            return Ok(CurrentStaff(s.staff.clone()));
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
        state
            .store
            .session_account(&hash_token(&token))
            .await?
            .map(CurrentStaff)
            .ok_or(AppError::Unauthorized)
    }
}

/// A signed-in coordinator; facilitators are refused.
pub struct Coordinator(pub Staff);

impl FromRequestParts<AppState> for Coordinator {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let CurrentStaff(staff) = CurrentStaff::from_request_parts(parts, state).await?;
        if staff.is_coordinator() {
            Ok(Coordinator(staff))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The signed-in staff member, if any (for pages that look different when signed in).
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match CurrentStaff::from_request_parts(parts, state).await {
            Ok(CurrentStaff(s)) => Ok(MaybeStaff(Some(s))),
            Err(AppError::Unauthorized) => Ok(MaybeStaff(None)),
            Err(e) => Err(e),
        }
    }
}

/// The token of `Authorization: Bearer <token>`, if the request has one.
pub(crate) fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// A member of staff calling the API with `Authorization: Bearer <token>`.
pub struct ApiStaff(pub Staff);

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(s) = parts.extensions.get::<SignedIn>()
            && s.by_token
        {
            return Ok(ApiStaff(s.staff.clone()));
        }
        let token = bearer_token(&parts.headers).ok_or(AppError::Unauthorized)?;
        state
            .store
            .api_token_account(&hash_token(token))
            .await?
            .map(ApiStaff)
            .ok_or(AppError::Unauthorized)
    }
}

/// This browser's anti-forgery token and flash message.
pub struct Cookies(pub RequestCookies);

impl<S: Send + Sync> FromRequestParts<S> for Cookies {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<RequestCookies>()
            .cloned()
            .map(Cookies)
            .ok_or_else(|| AppError::internal("cookie middleware missing"))
    }
}

/// The client's address, for throttling: the socket's peer, or the first X-Forwarded-For
/// entry when Hearth is configured to trust its load balancer.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if state.config.trust_forwarded
            && let Some(first) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        {
            return Ok(ClientAddress(first.to_string()));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddress(peer))
    }
}

/// A form body whose anti-forgery field matches this browser's cookie. Anything else is
/// refused before the handler runs, so no forged request can change anything.
pub struct CheckedForm(pub RawInput);

const MAX_FORM: usize = 1024 * 1024;

impl FromRequest<AppState> for CheckedForm {
    type Rejection = AppError;
    async fn from_request(req: Request, _: &AppState) -> Result<Self, AppError> {
        check_origin(req.headers())?;
        let csrf = req
            .extensions()
            .get::<RequestCookies>()
            .map(|c| c.csrf.clone())
            .ok_or(AppError::Csrf)?;
        let had_cookie = cookie(req.headers(), crate::web::CSRF_COOKIE).is_some();
        let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM)
            .await
            .map_err(|_| AppError::BadRequest("The form was too large to accept.".into()))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
        let given = pairs
            .iter()
            .find(|(k, _)| k == "csrf_token")
            .map(|(_, v)| v.as_str());
        if !had_cookie || !constant_time_eq(given.unwrap_or(""), &csrf) {
            return Err(AppError::Csrf);
        }
        Ok(CheckedForm(RawInput::from_pairs(
            pairs
                .into_iter()
                .filter(|(k, _)| k != "csrf_token")
                .collect(),
        )))
    }
}

/// Refuses requests that a browser marks as coming from another site.
pub fn check_origin(headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return Err(AppError::Csrf);
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split("://").nth(1).unwrap_or(origin);
        if origin != "null" && origin_host != host {
            return Err(AppError::Csrf);
        }
    }
    Ok(())
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A JSON object body for the API, as raw input. Malformed JSON is a 400 with a JSON error.
pub struct JsonInput(pub RawInput);

impl<S: Send + Sync> FromRequest<S> for JsonInput {
    type Rejection = AppError;
    async fn from_request(req: Request, _: &S) -> Result<Self, AppError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(AppError::BadRequest(
                "Send the body as JSON with Content-Type: application/json.".into(),
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM)
            .await
            .map_err(|_| AppError::BadRequest("The body was too large.".into()))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| AppError::BadRequest(format!("The body is not valid JSON: {e}")))?;
        RawInput::from_json(value)
            .map(JsonInput)
            .map_err(AppError::Invalid)
    }
}

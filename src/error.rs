//! The one error type of the web layer. A handler returns `AppError`; the `render_errors`
//! middleware then turns it into an HTML page or, under `/api/`, a JSON body of a stable shape:
//! `{"error": {"code": "...", "message": "...", "fields": [{"field": "...", "message": "..."}]}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::FieldErrors;
use crate::store::{Conflict, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error("sign in needed")]
    Unauthorized,
    #[error("read-only token")]
    ReadOnlyToken,
    #[error("the form has expired")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Something that worked once and has been stopped for good (a personal link turned off,
    /// replaced, or of someone who has left): 410, with what to do instead.
    #[error("gone: {0}")]
    Gone(String),
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many attempts")]
    TooManyRequests,
    /// A signed-in person has used their budget of requests (`http::budget`): 429 with
    /// `Retry-After` of this many seconds.
    #[error("too many requests; wait {0} s")]
    RateLimited(u64),
    /// Something failed on our side. The source is kept, with its whole chain, for the log;
    /// the person sees only that nothing was changed and the request's id.
    #[error("internal error")]
    Internal(#[source] BoxError),
    /// The database cannot be reached (a pool timeout, a broken or refused connection): a quick
    /// 503 saying to try again, not a 500; the source is kept for the log.
    #[error("database unavailable")]
    Unavailable(#[source] BoxError),
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl AppError {
    /// An internal error from anything that is one (or a message for the log).
    pub fn internal(e: impl Into<BoxError>) -> AppError {
        AppError::Internal(e.into())
    }
}

/// An error and each of its sources, outermost first: "template: ...: ...".
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        // Some errors repeat their source in their own message; say it once.
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// What the error middleware needs to write the body.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    #[serde(skip)]
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "FieldErrors::is_empty")]
    pub fields: FieldErrors,
    /// An internal error's source chain, for the log line the request id middleware writes;
    /// never sent.
    #[serde(skip)]
    pub detail: Option<String>,
}

impl AppError {
    pub fn info(&self) -> ErrorInfo {
        let (status, code, message, fields) = match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "We could not find that page. It may have been moved, or you may not have access to it.".to_string(),
                FieldErrors::new(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "You do not have permission to do that. Ask a coordinator if you think you should.".to_string(),
                FieldErrors::new(),
            ),
            AppError::ReadOnlyToken => (
                StatusCode::FORBIDDEN,
                "read_only_token",
                "This API token may only read. Make a token that may also change things.".to_string(),
                FieldErrors::new(),
            ),
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Please sign in first. For the API, send Authorization: Bearer <token>.".to_string(),
                FieldErrors::new(),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "form_expired",
                "This form had expired, so nothing was saved. Please go back, reload the page and try again.".to_string(),
                FieldErrors::new(),
            ),
            AppError::BadRequest(m) => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                m.clone(),
                FieldErrors::new(),
            ),
            AppError::Gone(m) => (StatusCode::GONE, "gone", m.clone(), FieldErrors::new()),
            AppError::Invalid(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "Some of the information is missing or not right. Each field below says what to change.".to_string(),
                f.clone(),
            ),
            AppError::Conflict(m) => (
                StatusCode::CONFLICT,
                "conflict",
                m.clone(),
                FieldErrors::new(),
            ),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too many attempts. Please wait 15 minutes and try again.".to_string(),
                FieldErrors::new(),
            ),
            AppError::RateLimited(wait) => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "You have made a great many requests in a short time. Please wait {wait} second{} and try again.",
                    if *wait == 1 { "" } else { "s" }
                ),
                FieldErrors::new(),
            ),
            AppError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The database cannot be reached just now, so nothing was changed. Please try again in a minute.".to_string(),
                FieldErrors::new(),
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side and nothing was changed. Please try again in a minute.".to_string(),
                FieldErrors::new(),
            ),
        };
        ErrorInfo {
            status: status.as_u16(),
            code,
            message,
            fields,
            detail: None,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden => AppError::Forbidden,
            StoreError::Conflict(Conflict::OwnAccount) => AppError::Conflict(
                "You cannot turn off your own sign-in. Ask another coordinator.".into(),
            ),
            StoreError::Conflict(Conflict::OwnTwoStep) => AppError::Conflict(
                "You cannot reset your own second step. Ask another coordinator, or make new recovery codes on your account page.".into(),
            ),
            StoreError::Conflict(Conflict::OwnTwoStepFirst) => AppError::Conflict(
                "Set up two-step sign-in for yourself first (on your account page), so that you can still sign in once it is required.".into(),
            ),
            StoreError::Conflict(Conflict::TwoStepRequired) => AppError::Conflict(
                "Two-step sign-in is required for your account, so it cannot be turned off. If you have a new phone, set it up again there.".into(),
            ),
            StoreError::Conflict(Conflict::MeetingNotOpen) => AppError::Conflict(
                "That meeting has already been held or was cancelled. Choose a meeting still to come.".into(),
            ),
            StoreError::Conflict(c) => {
                // The rule's name is for the log, not for the person.
                tracing::info!(rule = %c, "conflict");
                AppError::Conflict(
                    "That clashes with something already saved, perhaps by someone else just now. Please reload the page and check.".into(),
                )
            }
            StoreError::Other(
                e @ (sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::WorkerCrashed),
            ) => AppError::Unavailable(Box::new(e)),
            e @ StoreError::Other(_) => AppError::internal(e),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(Template(e))
    }
}

/// A template that failed to render, named so in the log.
#[derive(Debug, thiserror::Error)]
#[error("template")]
struct Template(#[source] askama::Error);

impl From<csv::Error> for AppError {
    fn from(e: csv::Error) -> Self {
        AppError::internal(e)
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::internal(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        // The detail goes to the log only (written with the request's id by
        // `http::trace::RequestSeen`), never to the user.
        let mut info = self.info();
        if let AppError::Internal(source) | AppError::Unavailable(source) = &self {
            info.detail = Some(error_chain(source.as_ref()));
        }
        let status = StatusCode::from_u16(info.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = status.into_response();
        if let AppError::RateLimited(wait) = &self {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(*wait),
            );
        }
        res.extensions_mut().insert(info);
        res
    }
}

pub type AppResult<T> = Result<T, AppError>;

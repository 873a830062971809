//! The one error type of the web layer. A handler returns `AppError`; the `render_errors`
//! middleware then turns it into an HTML page or, under `/api/`, a JSON body of a stable shape:
//! `{"error": {"code": "...", "message": "...", "fields": [{"field": "...", "message": "..."}]}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::FieldErrors;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error("sign in needed")]
    Unauthorized,
    #[error("the form has expired")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many attempts")]
    TooManyRequests,
    #[error("internal error: {0}")]
    Internal(String),
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
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden => AppError::Forbidden,
            StoreError::Conflict(c) if c == "meeting_not_open" => AppError::Conflict(
                "That meeting has already been held or was cancelled. Choose a meeting still to come.".into(),
            ),
            StoreError::Conflict(c) => {
                // The rule's name is for the log, not for the person.
                tracing::info!(rule = %c, "conflict");
                AppError::Conflict(
                    "That clashes with something already saved, perhaps by someone else just now. Please reload the page and check.".into(),
                )
            }
            StoreError::Other(e) => AppError::Internal(e.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            // The detail goes to the log only, never to the user.
            tracing::error!(%detail, "internal error");
        }
        let info = self.info();
        let status = StatusCode::from_u16(info.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = status.into_response();
        res.extensions_mut().insert(info);
        res
    }
}

pub type AppResult<T> = Result<T, AppError>;

//! Our own static files (stylesheet, script, icon), built into the binary so that Hearth needs
//! no files beside it and makes no request to any other host.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

const FILES: [(&str, &str, &str); 3] = [
    (
        "hearth.css",
        "text/css; charset=utf-8",
        include_str!("../../static/hearth.css"),
    ),
    (
        "hearth.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/hearth.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml; charset=utf-8",
        include_str!("../../static/favicon.svg"),
    ),
];

pub async fn serve(Path(file): Path<String>) -> Result<Response, AppError> {
    let (_, mime, body) = FILES
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(AppError::NotFound)?;
    let mut res = (*body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(res)
}

/// The service worker that keeps a meeting's run-sheet working with no signal (static/sw.js).
/// At the site's root, so that it may look after the meeting's pages; never cached by the
/// browser's own cache, so a new version is picked up at once.
pub async fn service_worker() -> Response {
    let mut res = include_str!("../../static/sw.js").into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

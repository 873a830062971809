//! The cookies every part of Hearth reads: who is signed in, the anti-forgery token and a
//! message carried over one redirect. Pages, the API's extractors and the page cache share
//! them, so they live below all three.

use axum::http::header;

pub const SESSION_COOKIE: &str = "hearth_session";
pub const CSRF_COOKIE: &str = "hearth_csrf";
pub const FLASH_COOKIE: &str = "hearth_flash";

/// The anti-forgery token of this browser, and a message carried over one redirect.
#[derive(Debug, Clone)]
pub struct RequestCookies {
    pub csrf: String,
    pub flash: Option<String>,
    /// The hash of this browser's session token, if it has one (to tell "this browser").
    pub session_hash: Option<String>,
}

/// Reads one cookie's value from the request headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

//! Extractors: who is signed in (by cookie or bearer token), the browser's cookies, checked
//! form bodies, JSON bodies and the client's address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};

use super::cache::SignedIn;
use super::cookies::{RequestCookies, SESSION_COOKIE, cookie};
use crate::AppState;
use crate::auth::hash_token;
use crate::domain::RawInput;
use crate::domain::access::Staff;
use crate::error::AppError;

/// A member of staff signed in through the browser. Pages that need one redirect to sign-in.
pub struct CurrentStaff(pub Staff);

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // Signed in already by the page cache's middleware on this request (which took the
        // request from their budget).
        if let Some(s) = parts.extensions.get::<SignedIn>()
            && !s.by_token
        {
            return Ok(CurrentStaff(s.staff.clone()));
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
        let staff = state
            .store
            .session_account(&hash_token(&token))
            .await?
            .ok_or(AppError::Unauthorized)?;
        crate::request::note_who(|| format!("account:{}", staff.id));
        spend(state, &staff)?;
        // Asked again on this request (a handler taking two extractors): no second look-up,
        // no second request taken from the budget.
        parts.extensions.insert(SignedIn {
            staff: staff.clone(),
            by_token: false,
        });
        Ok(CurrentStaff(staff))
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
        let token = bearer_token(&parts.headers).ok_or(AppError::Unauthorized)?;
        let hash = hash_token(token);
        let staff = match parts.extensions.get::<SignedIn>() {
            Some(s) if s.by_token => s.staff.clone(),
            _ => {
                let staff = state
                    .store
                    .api_token_account(&hash)
                    .await?
                    .ok_or(AppError::Unauthorized)?;
                crate::request::note_who(|| format!("account:{} (API token)", staff.id));
                spend(state, &staff)?;
                parts.extensions.insert(SignedIn {
                    staff: staff.clone(),
                    by_token: true,
                });
                staff
            }
        };
        // A read-only token may only read.
        if !matches!(parts.method, Method::GET | Method::HEAD)
            && state.store.token_read_only(&hash).await?
        {
            return Err(AppError::ReadOnlyToken);
        }
        // Each use of a token is a sign-in of its own (ASVS V16.3.1): logged with the
        // account, never the token.
        tracing::info!(
            request_id = %crate::request::current_id().unwrap_or_default(),
            account = staff.id,
            "signed in with an API token"
        );
        note_token_used(state, &hash).await;
        // Signed in: a query the API's document does not allow (an empty value, text for a
        // number, a word not among its choices) is a 422 naming the parameter.
        if let Some(route) = parts.extensions.get::<axum::extract::MatchedPath>() {
            let refused =
                crate::api::schema::check_query(parts.method.as_str(), route.as_str(), &parts.uri);
            if !refused.is_empty() {
                return Err(AppError::Invalid(refused));
            }
        }
        Ok(ApiStaff(staff))
    }
}

/// Takes one request from the person's budget (`http::budget`): 429 when it is spent.
pub(crate) fn spend(state: &AppState, staff: &Staff) -> Result<(), AppError> {
    state.budget.take(staff.id).map_err(|wait| {
        tracing::info!(account = staff.id, wait, "request budget spent");
        AppError::RateLimited(wait)
    })
}

/// Notes when a token was last used, for its owner's list: written at most once a minute per
/// token on this instance.
async fn note_token_used(state: &AppState, hash: &str) {
    let now = crate::store::now();
    let key = format!("token:{hash}");
    {
        let Ok(mut touched) = state.touched.lock() else {
            return;
        };
        if touched.get(&key).is_some_and(|t| now - t < 60) {
            return;
        }
        touched.insert(key, now);
    }
    if let Err(e) = state.store.touch_api_token(hash).await {
        tracing::warn!(error = %e, "a token's last use could not be noted");
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

/// The client's address, for throttling: the socket's peer, or, when Hearth is told to trust
/// its proxies, the right-most X-Forwarded-For address that is not one of them
/// (`client_behind_proxies`).
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(ClientAddress(client_address(
            &parts.headers,
            &parts.extensions,
            &state.config,
        )))
    }
}

/// The client's address of a request (see `ClientAddress`), or "unknown".
pub fn client_address(
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
    config: &crate::Config,
) -> String {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if config.trust_forwarded
        && let Some(client) = client_behind_proxies(
            peer,
            headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
            &config.trusted_proxies,
        )
    {
        return client;
    }
    peer.map(|p| p.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A form body whose anti-forgery field matches this browser's cookie. Anything else is
/// refused before the handler runs, so no forged request can change anything.
pub struct CheckedForm(pub RawInput);

/// The largest form body: a members import's confirm step carries the checked file back (up
/// to `MAX_IMPORT_BYTES`), which URL-encoding can make three times larger.
pub(crate) const MAX_FORM: usize = 4 * 1024 * 1024;

/// The largest members file an import takes (about 2,000 members with long notes).
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;

impl FromRequest<AppState> for CheckedForm {
    type Rejection = AppError;
    async fn from_request(req: Request, _: &AppState) -> Result<Self, AppError> {
        check_origin(req.headers())?;
        let csrf = req
            .extensions()
            .get::<RequestCookies>()
            .map(|c| c.csrf.clone())
            .ok_or(AppError::Csrf)?;
        let had_cookie = cookie(req.headers(), super::cookies::CSRF_COOKIE).is_some();
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
        // `null` is what a sandboxed frame or a data: page sends: never one of Hearth's own
        // forms (its Referrer-Policy is `same-origin`, under which browsers send the real
        // origin to the same site; `no-referrer` made Chromium send `null`).
        let origin_host = origin.split("://").nth(1).unwrap_or(origin);
        if origin == "null" || origin_host != host {
            return Err(AppError::Csrf);
        }
    }
    Ok(())
}

/// Whether a Content-Type is JSON: `application/json` or `application/<something>+json`, with
/// any parameters (`; charset=utf-8`), and nothing else (`application/jsonx` is not).
pub fn is_json_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.strip_prefix("application/") {
        Some(sub) => sub == "json" || (sub.ends_with("+json") && sub.len() > "+json".len()),
        None => false,
    }
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
            .is_some_and(is_json_type);
        if !is_json {
            return Err(AppError::BadRequest(
                "Send the body as JSON with Content-Type: application/json.".into(),
            ));
        }
        // The body is checked against the API's document for this operation: a field it does
        // not list, a null inside a list, or a list or object out of place is refused by name,
        // so a misspelt field is never silently ignored.
        let operation = req
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map(|route| {
                (
                    req.method().as_str().to_string(),
                    route.as_str().to_string(),
                )
            });
        let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM)
            .await
            .map_err(|_| AppError::BadRequest("The body was too large.".into()))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| AppError::BadRequest(format!("The body is not valid JSON: {e}")))?;
        if let Some((method, route)) = operation {
            let refused = crate::api::schema::check_body(&method, &route, &value);
            if !refused.is_empty() {
                return Err(AppError::Invalid(refused));
            }
        }
        RawInput::from_json(value)
            .map(JsonInput)
            .map_err(AppError::Invalid)
    }
}

/// A proxy in front of Hearth: one address, or a network written `10.0.0.0/8` or `fd00::/8`
/// (`--trusted-proxies`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    addr: std::net::IpAddr,
    prefix: u8,
}

impl std::str::FromStr for ProxyNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: std::net::IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix must be 0 to {max}"))?,
        };
        Ok(ProxyNet { addr, prefix })
    }
}

impl ProxyNet {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr::{V4, V6};
        let ip = match ip {
            V6(v6) => v6.to_ipv4_mapped().map(V4).unwrap_or(V6(v6)),
            v4 => v4,
        };
        match (self.addr, ip) {
            (V4(net), V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (V6(net), V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The client's address behind proxies: reading X-Forwarded-For from the right (each proxy
/// appends who connected to it), the first address that is not one of `trusted`. With no
/// list, the right-most entry, which the proxy in front of Hearth wrote. Entries to its left
/// were written by the client and are never believed. Only when the peer itself is a trusted
/// proxy (or no list is given) is the header read at all.
pub fn client_behind_proxies(
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[ProxyNet],
) -> Option<String> {
    if !trusted.is_empty() && !peer.is_some_and(|p| trusted.iter().any(|t| t.contains(p))) {
        return None;
    }
    let entries: Vec<&str> = forwarded_for?
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let mut client = None;
    for entry in entries.iter().rev() {
        client = Some(*entry);
        match entry.parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.iter().any(|t| t.contains(ip)) => continue,
            _ => break,
        }
    }
    client.map(str::to_string)
}

#[cfg(test)]
mod forwarded_tests {
    use super::*;

    fn nets(s: &[&str]) -> Vec<ProxyNet> {
        s.iter().map(|n| n.parse().expect("net")).collect()
    }

    #[test]
    fn the_client_is_the_right_most_address_not_a_trusted_proxy() {
        let lb: Option<std::net::IpAddr> = "10.0.0.5".parse().ok();
        // What the client wrote itself is ignored: the proxy appended the real address.
        assert_eq!(
            client_behind_proxies(lb, Some("6.6.6.6, 203.0.113.9"), &[]).as_deref(),
            Some("203.0.113.9")
        );
        let trusted = nets(&["10.0.0.0/8", "192.168.1.1"]);
        assert_eq!(
            client_behind_proxies(lb, Some("6.6.6.6, 203.0.113.9, 192.168.1.1"), &trusted)
                .as_deref(),
            Some("203.0.113.9")
        );
        // A peer that is not a trusted proxy: the header is not believed.
        let stranger: Option<std::net::IpAddr> = "198.51.100.7".parse().ok();
        assert_eq!(
            client_behind_proxies(stranger, Some("1.2.3.4"), &trusted),
            None
        );
        assert_eq!(client_behind_proxies(lb, None, &trusted), None);
        assert_eq!(
            client_behind_proxies(lb, Some("10.1.1.1"), &trusted).as_deref(),
            Some("10.1.1.1")
        );
    }

    #[test]
    fn networks_parse_and_match() {
        let n: ProxyNet = "10.0.0.0/8".parse().expect("net");
        assert!(n.contains("10.200.3.4".parse().expect("ip")));
        assert!(n.contains("::ffff:10.1.2.3".parse().expect("ip")));
        assert!(!n.contains("11.0.0.1".parse().expect("ip")));
        let v6: ProxyNet = "fd00::/8".parse().expect("net");
        assert!(v6.contains("fd12::1".parse().expect("ip")));
        assert!(!v6.contains("fe80::1".parse().expect("ip")));
        let all: ProxyNet = "0.0.0.0/0".parse().expect("net");
        assert!(all.contains("8.8.8.8".parse().expect("ip")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0/8", "::/129"] {
            assert!(bad.parse::<ProxyNet>().is_err(), "{bad}");
        }
    }
}

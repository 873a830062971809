//! The page cache: a page made once is served again from memory while nothing it shows can
//! have changed.
//!
//! What makes that safe is the database, not this module. Every change to a group's data
//! raises the group's data version in the same transaction (triggers, migration 0014), and
//! changes to what every group shows raise the network-wide version. A page is kept with the
//! versions read *before* it was made, so it can only be newer than its versions, never older;
//! it is served again only while a fresh read of the versions finds them unchanged — on every
//! instance, since each request asks the database. So a change made anywhere (another instance,
//! the command line) shows on the next request.
//!
//! What else a page depends on is in the key: the address, who is asking (their id, name,
//! role and groups, as read with their session on this request — so a changed role or a
//! removed group is a different key), the browser's anti-forgery token (written into the
//! page's forms) and the minute (pages that show "now" or "next" are at most a minute behind
//! the clock, never behind the data). Not kept: anything but a complete 200 answer to GET, a
//! page carrying a flash message or setting a cookie.
//!
//! A page that shows members' sensitive records is kept too, with the reads its making
//! gathered for the audit trail (`store::audit`): each time it is served again those reads are
//! recorded for that request, so the trail holds one event per response whether the page was
//! made or served from memory. The key holds who is asking, so the reads replayed are always
//! the asker's own.
//!
//! The session is still checked on every request: the middleware signs the request in and
//! reads the versions in one query and hands the handler who is signed in, so a page served
//! again costs one query instead of the page's five to fifteen.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{OriginalUri, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cookies::{RequestCookies, SESSION_COOKIE, cookie};
use crate::AppState;
use crate::auth::hash_token;
use crate::domain::access::Staff;
use crate::store::VersionScope;
use crate::store::audit::{self, Read};

/// The page cache as a route's middleware (`f` is `group_page`, `meeting_page`,
/// `network_page` or `feed`).
pub(crate) fn cached<F, T>(
    state: &AppState,
    f: F,
) -> axum::middleware::FromFnLayer<F, AppState, T> {
    axum::middleware::from_fn_with_state(state.clone(), f)
}

/// Pages larger than this are not kept.
const LARGEST_PAGE: usize = 512 * 1024;

/// Who the cache middleware signed in, handed to the extractors so they do not ask again.
#[derive(Clone)]
pub struct SignedIn {
    pub staff: Staff,
    /// By bearer token (the API) rather than by session cookie (pages).
    pub by_token: bool,
}

/// Pages kept in memory, up to a budget in bytes; the least recently used go first.
pub struct PageCache {
    budget: usize,
    inner: Mutex<Inner>,
    /// Pages being made now: others asking for the same page wait for it rather than all
    /// making it at once (as they would when a busy page's minute turns). The flag says the
    /// page was made once already, so a page that cannot be kept is not made one at a time.
    making: Mutex<HashMap<String, Gate>>,
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
}

type Gate = Arc<tokio::sync::Mutex<bool>>;

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    bytes: usize,
    clock: u64,
    /// Pages made before this minute have been dropped.
    swept: i64,
}

struct Entry {
    versions: (i64, i64),
    minute: i64,
    status: StatusCode,
    headers: HeaderMap,
    plain: Bytes,
    gzip: Bytes,
    /// What making the page read of sensitive records, recorded again with each serving.
    reads: Vec<Read>,
    used: u64,
}

impl Inner {
    fn remove(&mut self, key: &str) {
        if let Some(old) = self.entries.remove(key) {
            self.bytes -= old.size(key);
        }
    }

    fn sweep(&mut self, minute: i64) {
        if minute <= self.swept {
            return;
        }
        self.swept = minute;
        let mut bytes = self.bytes;
        self.entries.retain(|key, e| {
            let keep = e.minute >= minute;
            if !keep {
                bytes -= e.size(key);
            }
            keep
        });
        self.bytes = bytes;
    }
}

impl Entry {
    fn size(&self, key: &str) -> usize {
        key.len() + self.plain.len() + self.gzip.len() + 256
    }
}

impl PageCache {
    /// A cache holding up to `budget` bytes of pages (0 keeps nothing).
    pub fn new(budget: usize) -> Self {
        PageCache {
            budget,
            inner: Mutex::new(Inner::default()),
            making: Mutex::new(HashMap::new()),
            hits: Default::default(),
            misses: Default::default(),
        }
    }

    /// Pages served from the cache, and pages looked for and not found fresh (/metrics).
    pub fn counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.hits.load(Relaxed), self.misses.load(Relaxed))
    }

    fn enabled(&self) -> bool {
        self.budget > 0
    }

    fn get(
        &self,
        key: &str,
        versions: (i64, i64),
        minute: i64,
    ) -> Option<(StatusCode, HeaderMap, Bytes, Bytes)> {
        let found = self.lookup(key, versions, minute);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (status, headers, plain, gzip, reads) = found?;
        // The page shows this asker what it showed when it was made: record that again.
        audit::replay(&reads);
        Some((status, headers, plain, gzip))
    }

    fn lookup(
        &self,
        key: &str,
        versions: (i64, i64),
        minute: i64,
    ) -> Option<(StatusCode, HeaderMap, Bytes, Bytes, Vec<Read>)> {
        let mut inner = self.inner.lock().ok()?;
        inner.sweep(minute);
        inner.clock += 1;
        let clock = inner.clock;
        let entry = inner.entries.get_mut(key)?;
        if entry.versions != versions || entry.minute != minute {
            // Never to be served again (versions and the clock only go forwards): dropped now
            // rather than when newer pages push it out (ASVS V14.2.2).
            inner.remove(key);
            return None;
        }
        entry.used = clock;
        Some((
            entry.status,
            entry.headers.clone(),
            entry.plain.clone(),
            entry.gzip.clone(),
            entry.reads.clone(),
        ))
    }

    fn put(&self, key: String, entry: Entry) {
        let size = entry.size(&key);
        if size > self.budget {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.sweep(entry.minute);
        if entry.minute < inner.swept {
            // Made as the minute turned: it could never be served.
            return;
        }
        inner.clock += 1;
        let mut entry = entry;
        entry.used = inner.clock;
        inner.remove(&key);
        while inner.bytes + size > self.budget {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            inner.remove(&oldest);
        }
        inner.bytes += size;
        inner.entries.insert(key, entry);
    }

    /// Drops every page made before this minute: none can be served again. Called as pages
    /// are asked for, and once a minute by the server (`lib::serve_with`), so a page showing
    /// a member's records is gone from memory within a minute or two of being made, also on
    /// an instance nobody is using and after the member is erased elsewhere.
    pub fn sweep(&self, minute: i64) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.sweep(minute);
        }
    }

    fn gate(&self, key: &str) -> Option<Gate> {
        let mut making = self.making.lock().ok()?;
        Some(making.entry(key.to_string()).or_default().clone())
    }

    fn done(&self, key: &str, gate: &Gate) {
        if let Ok(mut making) = self.making.lock()
            && making.get(key).is_some_and(|g| Arc::ptr_eq(g, gate))
        {
            making.remove(key);
        }
    }

    /// How many pages are kept and their size in bytes.
    #[cfg(test)]
    fn usage(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map(|i| (i.entries.len(), i.bytes))
            .unwrap_or((0, 0))
    }
}

type PathId = Result<Path<i64>, axum::extract::rejection::PathRejection>;

/// For pages about one group: /groups/{id}/…
pub async fn group_page(
    State(state): State<AppState>,
    id: PathId,
    req: Request,
    next: Next,
) -> Response {
    by_id(&state, id, VersionScope::Group, req, next).await
}

/// For pages about one meeting: /meetings/{id}/…
pub async fn meeting_page(
    State(state): State<AppState>,
    id: PathId,
    req: Request,
    next: Next,
) -> Response {
    by_id(&state, id, VersionScope::Meeting, req, next).await
}

async fn by_id(
    state: &AppState,
    id: PathId,
    scope: fn(i64) -> VersionScope,
    req: Request,
    next: Next,
) -> Response {
    match id {
        Ok(Path(id)) => serve(state, scope(id), true, req, next).await,
        // Not a number: the handler answers that.
        Err(_) => next.run(req).await,
    }
}

/// For pages about every group.
pub async fn network_page(State(state): State<AppState>, req: Request, next: Next) -> Response {
    serve(&state, VersionScope::Network, true, req, next).await
}

/// For calendar feeds, opened by the secret in their address (nobody signs in).
pub async fn feed(
    State(state): State<AppState>,
    file: Result<Path<String>, axum::extract::rejection::PathRejection>,
    req: Request,
    next: Next,
) -> Response {
    match file {
        Ok(Path(file)) => {
            let token = file.strip_suffix(".ics").unwrap_or(&file);
            let scope = VersionScope::Feed(hash_token(token));
            serve(&state, scope, false, req, next).await
        }
        Err(_) => next.run(req).await,
    }
}

async fn serve(
    state: &AppState,
    scope: VersionScope,
    needs_staff: bool,
    mut req: Request,
    next: Next,
) -> Response {
    let cache = &state.pages;
    if !cache.enabled() || req.method() != Method::GET {
        return next.run(req).await;
    }
    let cookies = req.extensions().get::<RequestCookies>().cloned();
    // The address as asked for: a router nested under /api/v1 sees only the rest of it.
    let address = req
        .extensions()
        .get::<OriginalUri>()
        .map(|u| u.0.clone())
        .unwrap_or_else(|| req.uri().clone());
    let mut who = String::new();
    let mut has_forms = false;
    // The versions are read before the page is made (with the sign-in, in one query): a change
    // after this read makes the page newer than its versions, so the next request (which sees
    // the new versions) makes it again.
    let versions = if needs_staff {
        let (signed_in, versions) =
            match sign_in(state, req.headers(), address.path(), &scope).await {
                Ok(Some(s)) => s,
                // Not signed in: the handler answers that (a redirect or a 401), never kept.
                Ok(None) => return next.run(req).await,
                Err(e) => return e.into_response(),
            };
        // A kept page costs the same share of the person's budget as one made afresh.
        if let Err(e) = crate::http::extract::spend(state, &signed_in.staff) {
            return e.into_response();
        }
        has_forms = !signed_in.by_token;
        let s = &signed_in.staff;
        crate::request::note_who(|| format!("account:{}", s.id));
        who = format!(
            "{}|{:?}|{}|{}|{:?}|{}",
            s.id, s.role, s.name, s.email, s.groups, signed_in.by_token
        );
        req.extensions_mut().insert(signed_in);
        versions
    } else {
        match state.store.data_versions(&scope).await {
            Ok(v) => v,
            Err(e) => return crate::error::AppError::from(e).into_response(),
        }
    };
    // No such group, meeting or feed: the handler answers that.
    let Some(versions) = versions else {
        return next.run(req).await;
    };
    let Some(cookies) = cookies else {
        return next.run(req).await;
    };
    if cookies.flash.is_some() {
        return next.run(req).await;
    }
    // A page for staff carries the browser's anti-forgery token in its forms; the API's JSON
    // and a feed have none (and API clients and calendar programs keep no cookies).
    let key = format!(
        "{}\n{}\n{}",
        address.path_and_query().map(|p| p.as_str()).unwrap_or(""),
        who,
        if has_forms { cookies.csrf.as_str() } else { "" }
    );
    let minute = crate::store::now().div_euclid(60);
    let gzip_ok = accepts_gzip(req.headers());
    if let Some((status, headers, plain, gzip)) = cache.get(&key, versions, minute) {
        return answer(status, headers, plain, gzip, gzip_ok);
    }
    // One request makes the page; the others asking for it meanwhile wait, then find it kept.
    let Some(gate) = cache.gate(&key) else {
        return next.run(req).await;
    };
    let made_once = gate.clone().lock_owned().await;
    if let Some((status, headers, plain, gzip)) = cache.get(&key, versions, minute) {
        return answer(status, headers, plain, gzip, gzip_ok);
    }
    // Made once already and still not kept (it cannot be, or the data moved on): make it
    // without holding the others up.
    let mut holding = if *made_once {
        drop(made_once);
        None
    } else {
        Some(made_once)
    };
    let res = make(state, &key, versions, minute, gzip_ok, req, next).await;
    if let Some(g) = holding.as_mut() {
        **g = true;
    }
    drop(holding);
    cache.done(&key, &gate);
    res
}

/// Makes the page and keeps it when it may be kept.
async fn make(
    state: &AppState,
    key: &str,
    versions: (i64, i64),
    minute: i64,
    gzip_ok: bool,
    req: Request,
    next: Next,
) -> Response {
    let cache = &state.pages;
    let before = audit::reads_made();
    let res = next.run(req).await;
    if res.status() != StatusCode::OK
        || res.headers().contains_key(header::SET_COOKIE)
        || res.headers().contains_key(header::CONTENT_ENCODING)
        || res.extensions().get::<crate::error::ErrorInfo>().is_some()
        || res
            .body()
            .size_hint()
            .exact()
            .is_none_or(|n| n as usize > LARGEST_PAGE)
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let plain = match axum::body::to_bytes(body, LARGEST_PAGE).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "page body could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let gzip = compress(&plain);
    cache.put(
        key.to_string(),
        Entry {
            versions,
            minute,
            status: parts.status,
            headers: parts.headers.clone(),
            plain: plain.clone(),
            gzip: gzip.clone(),
            reads: audit::reads_since(before),
            used: 0,
        },
    );
    answer(parts.status, parts.headers, plain, gzip, gzip_ok)
}

/// Signs the request in by bearer token under /api/, by session cookie elsewhere, reading the
/// scope's versions in the same query.
async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    scope: &VersionScope,
) -> Result<Option<(SignedIn, Option<(i64, i64)>)>, crate::error::AppError> {
    let by_token = path.starts_with("/api/");
    let token = if by_token {
        crate::http::extract::bearer_token(headers).map(str::to_string)
    } else {
        cookie(headers, SESSION_COOKIE)
    };
    let Some(token) = token else {
        return Ok(None);
    };
    let found = state
        .store
        .signed_in_with_versions(&hash_token(&token), by_token, scope)
        .await?;
    Ok(found.map(|(staff, versions)| (SignedIn { staff, by_token }, versions)))
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

/// gzip at the fastest level, as the compression layer does for pages made each time.
fn compress(plain: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(plain.len() / 4 + 64),
        flate2::Compression::fast(),
    );
    match encoder.write_all(plain).and_then(|_| encoder.finish()) {
        Ok(out) => Bytes::from(out),
        Err(_) => Bytes::new(),
    }
}

fn answer(
    status: StatusCode,
    mut headers: HeaderMap,
    plain: Bytes,
    gzip: Bytes,
    gzip_ok: bool,
) -> Response {
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    let body = if gzip_ok && !gzip.is_empty() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        headers.remove(header::CONTENT_LENGTH);
        gzip
    } else {
        plain
    };
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    *res.headers_mut() = headers;
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize) -> Entry {
        Entry {
            versions: (1, 1),
            minute: 0,
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            plain: Bytes::from(vec![b'x'; n]),
            gzip: Bytes::new(),
            reads: Vec::new(),
            used: 0,
        }
    }

    #[test]
    fn least_recently_used_pages_go_first_within_the_budget() {
        let cache = PageCache::new(3 * (1000 + 256 + 1));
        cache.put("a".into(), entry(1000));
        cache.put("b".into(), entry(1000));
        cache.put("c".into(), entry(1000));
        assert!(cache.get("a", (1, 1), 0).is_some());
        cache.put("d".into(), entry(1000));
        assert!(
            cache.get("b", (1, 1), 0).is_none(),
            "b was least recently used"
        );
        assert!(cache.get("a", (1, 1), 0).is_some());
        assert!(cache.get("c", (1, 1), 0).is_some());
        assert!(cache.get("d", (1, 1), 0).is_some());
        assert!(cache.usage().1 <= 3 * (1000 + 256 + 1));
    }

    #[test]
    fn a_page_is_served_only_at_its_versions_and_minute() {
        let cache = PageCache::new(1 << 20);
        cache.put("a".into(), entry(10));
        assert!(cache.get("a", (1, 1), 0).is_some());
        assert!(cache.get("a", (2, 1), 0).is_none());
        cache.put("a".into(), entry(10));
        assert!(cache.get("a", (1, 2), 0).is_none());
        cache.put("a".into(), entry(10));
        assert!(cache.get("a", (1, 1), 1).is_none());
    }

    /// A kept page that can no longer be served is dropped from memory at once when asked
    /// for, and every page of a past minute at the next sweep (ASVS V14.2.2).
    #[test]
    fn pages_that_cannot_be_served_again_leave_memory() {
        let cache = PageCache::new(1 << 20);
        cache.put("a".into(), entry(10));
        cache.put("b".into(), entry(10));
        assert!(cache.get("a", (2, 1), 0).is_none(), "the data changed");
        assert_eq!(cache.usage(), (1, entry(10).size("b")), "a is gone");
        cache.sweep(0);
        assert_eq!(cache.usage().0, 1, "b is of this minute");
        cache.sweep(1);
        assert_eq!(cache.usage(), (0, 0), "the minute turned: nothing is kept");
        let mut later = entry(10);
        later.minute = 5;
        cache.put("c".into(), later);
        cache.put("d".into(), entry(10));
        assert_eq!(cache.usage().0, 1, "a page of a past minute is not kept");
        assert!(cache.get("c", (1, 1), 5).is_some());
    }

    #[test]
    fn a_page_larger_than_the_budget_is_not_kept() {
        let cache = PageCache::new(100);
        cache.put("a".into(), entry(1000));
        assert_eq!(cache.usage(), (0, 0));
    }

    #[test]
    fn gzip_is_sent_only_to_those_who_accept_it() {
        let mut h = HeaderMap::new();
        assert!(!accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0.8"),
        );
        assert!(accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0, deflate"),
        );
        assert!(!accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("identity"),
        );
        assert!(!accepts_gzip(&h));
    }
}

//! Tracing a request: every request gets an id, sent back in `X-Request-Id` and shown on the
//! page of a server error, so a user can quote it to whoever runs Hearth and they can find the
//! request's log line: a server error is logged at error level with the id, the route, the
//! status and the error's whole source chain.
//!
//! With `RUST_LOG=hearth=debug`, tower-http's trace layer opens a span per request (id, method,
//! route) so every line logged while a request runs carries its id, and logs each answer. At
//! the default level the layer is left out of the router altogether: it would write nothing,
//! and measured with bench/run it cost a tenth of the rate of pages served from the page cache
//! (with its span at info level, a quarter).
//!
//! The span names the route's pattern (`/m/{token}`), never the path itself: a path can hold a
//! personal link's secret, and nothing personal goes in the log. An id sent by the client is not
//! taken: the log must not be written by whoever calls.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::response::Response;
use tower_http::trace::{HttpMakeClassifier, TraceLayer};
use tracing::Span;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// This request's id, e.g. `3fa91c-1b4`: a random prefix made when the process starts (so ids
/// from several instances behind a load balancer do not collide) and a counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    fn next() -> RequestId {
        static PREFIX: OnceLock<String> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        let prefix = PREFIX.get_or_init(|| {
            let mut bytes = [0u8; 3];
            let _ = getrandom::fill(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        });
        RequestId(format!(
            "{prefix}-{:x}",
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ))
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A request's id and route, from before it is handled until its answer is sent: for the
/// outermost middleware to call (web's `cookies_and_headers`, so that a request goes through
/// one middleware fewer).
pub struct RequestSeen {
    id: RequestId,
    route: Option<MatchedPath>,
    method: axum::http::Method,
    started: std::time::Instant,
    context: std::sync::Arc<crate::request::RequestContext>,
    /// The client's address, logged only with a refusal (a security event).
    address: String,
}

impl RequestSeen {
    pub fn begin(req: &mut Request, address: String) -> RequestSeen {
        let id = RequestId::next();
        let route = req.extensions().get::<MatchedPath>().cloned();
        req.extensions_mut().insert(id.clone());
        RequestSeen {
            context: crate::request::RequestContext::new(id.0.clone()),
            id,
            route,
            method: req.method().clone(),
            started: std::time::Instant::now(),
            address,
        }
    }

    /// The context to run the rest of the request in (`RequestContext::run`).
    pub fn context(&self) -> std::sync::Arc<crate::request::RequestContext> {
        self.context.clone()
    }

    /// Logs a server error or a refusal, sends the id back and counts the request in `monitor`.
    pub fn finish(self, res: &mut Response, monitor: &super::metrics::Monitor) {
        let RequestSeen {
            id,
            route,
            method,
            started,
            context,
            address,
        } = self;
        let route_name = route
            .as_ref()
            .map(MatchedPath::as_str)
            .unwrap_or("(no route)");
        monitor.record(route_name, &method, res.status(), started.elapsed());
        let info = res.extensions().get::<crate::error::ErrorInfo>();
        if res.status().is_server_error() {
            let detail = info
                .and_then(|info| info.detail.clone())
                .unwrap_or_default();
            tracing::error!(
                request_id = %id,
                route = route_name,
                status = res.status().as_u16(),
                error = %detail,
                "request failed"
            );
        } else if refusal_worth_logging(res.status(), route_name) {
            // A refusal is a security event (ASVS V16.3.2, V16.3.3): refused access, a form
            // that failed its anti-forgery or cross-site check, input refused, a change the
            // rules do not allow, a budget spent, and a request for an id this person cannot
            // see (404 on a route with an id: how another group's records are probed). Logged
            // with who (once known), from where, the request's id and route, and what kind of
            // refusal (with the names of refused fields, never what was typed), so an attempt
            // can be traced and its address blocked. Ordinary requests log no address.
            let fields = info.map(|i| field_names(&i.fields)).unwrap_or_default();
            tracing::info!(
                request_id = %id,
                route = route_name,
                method = %method,
                status = res.status().as_u16(),
                code = info
                    .map(|i| i.code)
                    .or(res.status().canonical_reason())
                    .unwrap_or("-"),
                fields = %fields,
                who = context.who().as_deref().unwrap_or("-"),
                client = %loggable_address(&address),
                "request refused"
            );
        }
        if let Ok(v) = HeaderValue::from_str(&id.0) {
            res.headers_mut().insert(REQUEST_ID_HEADER, v);
        }
    }
}

/// The names of refused fields for a log line: a field's name can come from the caller (an
/// unknown JSON field is refused by name), so only letters, digits and `_.~[]` are kept, each
/// name cut to 40 characters and the list to 10 names: nothing the caller writes can start a
/// log line of its own (ASVS V16.4.1).
fn field_names(fields: &crate::domain::FieldErrors) -> String {
    let mut names: Vec<String> = fields
        .iter()
        .take(10)
        .map(|f| {
            f.field
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "_.~[]".contains(*c))
                .take(40)
                .collect()
        })
        .collect();
    if fields.iter().count() > 10 {
        names.push("…".into());
    }
    names.join(",")
}

/// The client's address for a log line: an IP address as such; anything else (an
/// X-Forwarded-For entry is written by whoever sent it) as "(not an address)", so the field
/// holds nothing the caller chose (ASVS V16.4.1).
fn loggable_address(address: &str) -> String {
    address
        .parse::<std::net::IpAddr>()
        .map(|ip| ip.to_string())
        .unwrap_or_else(|_| "(not an address)".into())
}

/// Which refusals are logged: every 4xx but a 404 on no route or a route without an id (most
/// of those are stale links and scanners), and 405 (a wrong method; nothing was reached).
fn refusal_worth_logging(status: axum::http::StatusCode, route: &str) -> bool {
    match status.as_u16() {
        404 => route.contains('{'),
        405 => false,
        s => (400..500).contains(&s),
    }
}

/// Whether the trace layer's spans and lines would be logged (`RUST_LOG=hearth=debug`), asked
/// when the router is built.
pub fn enabled() -> bool {
    tracing::enabled!(target: "hearth::http::trace", tracing::Level::DEBUG)
}

type MakeSpan = fn(&Request) -> Span;
type OnResponse = fn(&Response, Duration, &Span);

/// tower-http's trace layer: one span per request with its id, method and route pattern, and a
/// line for each response, both at debug level (server errors are logged by
/// [`assign_request_id`], at any level).
pub fn layer() -> TraceLayer<HttpMakeClassifier, MakeSpan, (), OnResponse, (), (), ()> {
    TraceLayer::new_for_http()
        .make_span_with(make_span as MakeSpan)
        .on_request(())
        .on_response(on_response as OnResponse)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}

fn make_span(req: &Request) -> Span {
    let id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.as_str())
        .unwrap_or("-");
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str())
        .unwrap_or("(no route)");
    tracing::debug_span!("request", id, method = %req.method(), route)
}

fn on_response(res: &Response, latency: Duration, _: &Span) {
    tracing::debug!(
        status = res.status().as_u16(),
        micros = latency.as_micros() as u64,
        "answered"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log sink for one test.
    #[derive(Clone, Default)]
    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What web's outermost middleware does with a request's id.
    async fn assign_request_id(
        mut req: Request,
        next: axum::middleware::Next,
    ) -> axum::response::Response {
        let seen = RequestSeen::begin(&mut req, "192.0.2.9".into());
        let mut res = seen.context().run(next.run(req)).await;
        seen.finish(&mut res, &crate::http::metrics::Monitor::default());
        res
    }

    fn log_sink() -> (Sink, tracing::subscriber::DefaultGuard) {
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("hearth=info"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (sink, tracing::subscriber::set_default(subscriber))
    }

    /// Refusals are security events: each is logged once with its id, route, kind, who and
    /// from where; the fields refused are named, cleaned of anything that could start a log
    /// line; a 404 on a route without an id, and answers that went through, are not logged.
    #[tokio::test]
    async fn refusals_are_logged_with_who_and_from_where() {
        use crate::domain::FieldErrors;
        use crate::error::AppError;
        use tower::ServiceExt;
        let (sink, _guard) = log_sink();
        async fn probe() -> Result<(), AppError> {
            crate::request::note_who(|| "account:7".into());
            Err(AppError::NotFound)
        }
        async fn refused() -> Result<(), AppError> {
            let mut f = FieldErrors::new();
            f.add("start_date", "wrong");
            f.add("evil\nFORGED request failed status=500", "unknown field");
            Err(AppError::Invalid(f))
        }
        async fn forged() -> Result<(), AppError> {
            Err(AppError::Csrf)
        }
        let app = axum::Router::new()
            .route("/groups/{id}", axum::routing::get(probe))
            .route("/signin", axum::routing::post(refused))
            .route("/note", axum::routing::post(forged))
            .route("/fine", axum::routing::get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(assign_request_id));
        let mut ids = Vec::new();
        for (method, path, status) in [
            ("GET", "/groups/9", 404),
            ("POST", "/signin", 422),
            ("POST", "/note", 403),
            ("GET", "/no-such-page", 404),
            ("GET", "/fine", 200),
        ] {
            let res = app
                .clone()
                .oneshot(
                    Request::builder()
                        .method(method)
                        .uri(path)
                        .body(axum::body::Body::empty())
                        .expect("test"),
                )
                .await
                .expect("test");
            assert_eq!(res.status().as_u16(), status, "{path}");
            ids.push(
                res.headers()[REQUEST_ID_HEADER]
                    .to_str()
                    .expect("id")
                    .to_string(),
            );
        }
        let log = String::from_utf8(sink.0.lock().expect("test").clone()).expect("test");
        let refused: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("request refused"))
            .collect();
        assert_eq!(refused.len(), 3, "{log}");
        for (line, parts) in refused.iter().zip([
            vec![
                ids[0].as_str(),
                "/groups/{id}",
                "status=404",
                "code=\"not_found\"",
                "who=\"account:7\"",
                "client=192.0.2.9",
            ],
            vec![
                ids[1].as_str(),
                "/signin",
                "status=422",
                "invalid_input",
                "start_date,evilFORGEDrequestfailedstatus500",
                "who=\"-\"",
            ],
            vec![ids[2].as_str(), "/note", "status=403", "form_expired"],
        ]) {
            for part in parts {
                assert!(line.contains(part), "{part} missing from {line}");
            }
        }
        assert_eq!(log.lines().count(), 3, "one line each, none forged: {log}");
        assert!(!log.contains("/groups/9"), "paths are not logged: {log}");
    }

    #[tokio::test]
    async fn a_server_error_is_logged_once_with_its_id_route_and_source_chain() {
        use tower::ServiceExt;
        let (sink, _guard) = log_sink();

        #[derive(Debug, thiserror::Error)]
        #[error("reading the venue list")]
        struct Outer(#[source] std::io::Error);
        async fn fails() -> Result<(), crate::error::AppError> {
            Err(crate::error::AppError::internal(Outer(
                std::io::Error::other("disk on fire"),
            )))
        }
        let app = axum::Router::new()
            .route("/venues/{id}", axum::routing::get(fails))
            .route("/fine", axum::routing::get(|| async { "ok" }))
            .layer(layer())
            .layer(axum::middleware::from_fn(assign_request_id));
        let res = app
            .clone()
            .oneshot(
                Request::get("/venues/7")
                    .body(axum::body::Body::empty())
                    .expect("test"),
            )
            .await
            .expect("test");
        assert_eq!(res.status().as_u16(), 500);
        let id = res.headers()[REQUEST_ID_HEADER]
            .to_str()
            .expect("test")
            .to_string();
        let ok = app
            .oneshot(
                Request::get("/fine")
                    .body(axum::body::Body::empty())
                    .expect("test"),
            )
            .await
            .expect("test");
        assert_eq!(ok.status().as_u16(), 200);

        let log = String::from_utf8(sink.0.lock().expect("test").clone()).expect("test");
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("request failed"))
            .collect();
        assert_eq!(lines.len(), 1, "one line for the one failure: {log}");
        for part in [
            id.as_str(),
            "/venues/{id}",
            "status=500",
            "reading the venue list",
            "disk on fire",
        ] {
            assert!(lines[0].contains(part), "{part} missing from {log}");
        }
        assert!(
            !log.contains("/venues/7"),
            "the path itself is not logged: {log}"
        );
    }

    #[test]
    fn ids_differ_and_share_the_process_prefix() {
        let (a, b) = (RequestId::next(), RequestId::next());
        assert_ne!(a, b);
        assert_eq!(a.0.split('-').next(), b.0.split('-').next());
        assert_eq!(a.0.split('-').next().map(str::len), Some(6));
    }
}

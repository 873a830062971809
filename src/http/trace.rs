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
}

impl RequestSeen {
    pub fn begin(req: &mut Request) -> RequestSeen {
        let id = RequestId::next();
        let route = req.extensions().get::<MatchedPath>().cloned();
        req.extensions_mut().insert(id.clone());
        RequestSeen {
            id,
            route,
            method: req.method().clone(),
            started: std::time::Instant::now(),
        }
    }

    /// Logs a server error, sends the id back and counts the request in `monitor`.
    pub fn finish(self, res: &mut Response, monitor: &super::metrics::Monitor) {
        let RequestSeen {
            id,
            route,
            method,
            started,
        } = self;
        monitor.record(
            route
                .as_ref()
                .map(MatchedPath::as_str)
                .unwrap_or("(no route)"),
            &method,
            res.status(),
            started.elapsed(),
        );
        if res.status().is_server_error() {
            let detail = res
                .extensions()
                .get::<crate::error::ErrorInfo>()
                .and_then(|info| info.detail.clone())
                .unwrap_or_default();
            tracing::error!(
                request_id = %id,
                route = route.as_ref().map(MatchedPath::as_str).unwrap_or("(no route)"),
                status = res.status().as_u16(),
                error = %detail,
                "request failed"
            );
        }
        // Refused access is a security event (ASVS V16.3.2): logged with the request's id and
        // route, never who or what was asked for. (A 404 for another group's data is counted
        // in the metrics by route and status, not logged: most 404s are stale links.)
        if matches!(res.status().as_u16(), 401 | 403) {
            tracing::info!(
                request_id = %id,
                route = route.as_ref().map(MatchedPath::as_str).unwrap_or("(no route)"),
                status = res.status().as_u16(),
                "access refused"
            );
        }
        if let Ok(v) = HeaderValue::from_str(&id.0) {
            res.headers_mut().insert(REQUEST_ID_HEADER, v);
        }
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
        let seen = RequestSeen::begin(&mut req);
        let mut res = next.run(req).await;
        seen.finish(&mut res, &crate::http::metrics::Monitor::default());
        res
    }

    #[tokio::test]
    async fn a_server_error_is_logged_once_with_its_id_route_and_source_chain() {
        use tower::ServiceExt;
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("hearth=info"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

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

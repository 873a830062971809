//! Tracing a request: every request gets an id, sent back in `X-Request-Id` and shown on the
//! page of a server error, so a user can quote it to whoever runs Hearth and they can find the
//! request's log lines (every line logged while it runs carries the id in its span).
//!
//! The span names the route's pattern (`/m/{token}`), never the path itself: a path can hold a
//! personal link's secret, and nothing personal goes in the log. An id sent by the client is not
//! taken: the log must not be written by whoever calls.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tower_http::classify::ServerErrorsFailureClass;
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

/// Gives the request its id (outermost, before the trace span opens) and sends it back.
pub async fn assign_request_id(mut req: Request, next: Next) -> Response {
    let id = RequestId::next();
    req.extensions_mut().insert(id.clone());
    let mut res = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id.0) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    res
}

type MakeSpan = fn(&Request) -> Span;
type OnResponse = fn(&Response, Duration, &Span);
type OnFailure = fn(ServerErrorsFailureClass, Duration, &Span);

/// tower-http's trace layer: one span per request with its id, method and route pattern; a
/// line at debug level for each response, at error level for each server error.
pub fn layer() -> TraceLayer<HttpMakeClassifier, MakeSpan, (), OnResponse, (), (), OnFailure> {
    TraceLayer::new_for_http()
        .make_span_with(make_span as MakeSpan)
        .on_request(())
        .on_response(on_response as OnResponse)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(on_failure as OnFailure)
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
    tracing::info_span!("request", id, method = %req.method(), route)
}

fn on_response(res: &Response, latency: Duration, _: &Span) {
    tracing::debug!(
        status = res.status().as_u16(),
        micros = latency.as_micros() as u64,
        "answered"
    );
}

fn on_failure(class: ServerErrorsFailureClass, latency: Duration, _: &Span) {
    tracing::error!(%class, micros = latency.as_micros() as u64, "request failed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_and_share_the_process_prefix() {
        let (a, b) = (RequestId::next(), RequestId::next());
        assert_ne!(a, b);
        assert_eq!(a.0.split('-').next(), b.0.split('-').next());
        assert_eq!(a.0.split('-').next().map(str::len), Some(6));
    }
}

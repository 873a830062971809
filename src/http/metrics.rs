//! What an instance has served and how its writes are going: counted for every request by
//! [`super::trace::RequestSeen`], read by `/healthz` (on the app's own address) and by
//! `/metrics` in Prometheus's text format (on an address of its own, `--metrics-bind`, so it is
//! never exposed where the app is).
//!
//! Requests are counted by route pattern (`/groups/{id}`), never by path: a path can hold a
//! personal link's secret, and the number of series stays bounded.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::store::now;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    /// Counts per bucket (not cumulative; summed when written out).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// How writes (any request that is not GET or HEAD) are going.
#[derive(Debug, Default, Clone)]
pub struct WriteHealth {
    /// When writes started failing, if the last one failed.
    pub failing_since: Option<i64>,
    /// Failed writes since then.
    pub failing: u64,
    /// Failed writes since the instance started.
    pub failed_total: u64,
}

#[derive(Default)]
pub struct Monitor {
    /// Route pattern → status → count.
    requests: Mutex<HashMap<String, HashMap<u16, u64>>>,
    latency: Mutex<HashMap<String, Histogram>>,
    writes: Mutex<WriteHealth>,
}

impl Monitor {
    /// Counts one answered request.
    pub fn record(&self, route: &str, method: &Method, status: StatusCode, took: Duration) {
        // The route's name is allocated only the first time it is seen.
        if let Ok(mut requests) = self.requests.lock() {
            let by_status = match requests.get_mut(route) {
                Some(m) => m,
                None => requests.entry(route.to_string()).or_default(),
            };
            *by_status.entry(status.as_u16()).or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            let h = match latency.get_mut(route) {
                Some(h) => h,
                None => latency.entry(route.to_string()).or_default(),
            };
            let secs = took.as_secs_f64();
            if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
                h.buckets[i] += 1;
            }
            h.count += 1;
            h.sum += secs;
        }
        if method != Method::GET && method != Method::HEAD {
            // A write the server could not make: the database refused it or could not be
            // reached. A write refused for its input (4xx) says nothing about the database.
            let failed = status == StatusCode::INTERNAL_SERVER_ERROR
                || status == StatusCode::SERVICE_UNAVAILABLE;
            if let Ok(mut w) = self.writes.lock() {
                if failed {
                    w.failing_since.get_or_insert_with(now);
                    w.failing += 1;
                    w.failed_total += 1;
                } else if status.is_success() || status.is_redirection() {
                    w.failing_since = None;
                    w.failing = 0;
                }
            }
        }
    }

    pub fn writes(&self) -> WriteHealth {
        self.writes.lock().map(|w| w.clone()).unwrap_or_default()
    }
}

/// The router served on `--metrics-bind`.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    let m = &state.monitor;
    out.push_str("# HELP hearth_http_requests_total Requests answered, by route and status.\n");
    out.push_str("# TYPE hearth_http_requests_total counter\n");
    if let Ok(requests) = m.requests.lock() {
        let mut rows: Vec<(&String, &u16, &u64)> = requests
            .iter()
            .flat_map(|(route, by_status)| by_status.iter().map(move |(s, n)| (route, s, n)))
            .collect();
        rows.sort();
        for (route, status, n) in rows {
            let _ = writeln!(
                out,
                "hearth_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
    }
    out.push_str("# HELP hearth_http_request_duration_seconds Time to answer, by route.\n");
    out.push_str("# TYPE hearth_http_request_duration_seconds histogram\n");
    if let Ok(latency) = m.latency.lock() {
        let mut rows: Vec<_> = latency.iter().collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        for (route, h) in rows {
            let route = escape(route);
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += h.buckets[i];
                let _ = writeln!(
                    out,
                    "hearth_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "hearth_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "hearth_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "hearth_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
    }
    let writes = m.writes();
    out.push_str("# HELP hearth_write_failures_total Writes the database did not take.\n");
    out.push_str("# TYPE hearth_write_failures_total counter\n");
    let _ = writeln!(out, "hearth_write_failures_total {}", writes.failed_total);
    out.push_str("# HELP hearth_writes_failing 1 while the latest write failed.\n");
    out.push_str("# TYPE hearth_writes_failing gauge\n");
    let _ = writeln!(
        out,
        "hearth_writes_failing {}",
        u8::from(writes.failing_since.is_some())
    );

    let pool = state.store.pool_status();
    out.push_str("# HELP hearth_db_connections Database connections, by state.\n");
    out.push_str("# TYPE hearth_db_connections gauge\n");
    let _ = writeln!(out, "hearth_db_connections{{state=\"idle\"}} {}", pool.idle);
    let _ = writeln!(
        out,
        "hearth_db_connections{{state=\"in_use\"}} {}",
        pool.open.saturating_sub(pool.idle)
    );
    let _ = writeln!(out, "hearth_db_connections{{state=\"max\"}} {}", pool.max);

    let (waiting, running) = crate::auth::HASHING.counts();
    out.push_str(
        "# HELP hearth_password_hashes Password hashes running, and waiting for their turn.\n",
    );
    out.push_str("# TYPE hearth_password_hashes gauge\n");
    let _ = writeln!(out, "hearth_password_hashes{{state=\"running\"}} {running}");
    let _ = writeln!(out, "hearth_password_hashes{{state=\"waiting\"}} {waiting}");
    let _ = writeln!(
        out,
        "hearth_password_hashes{{state=\"max\"}} {}",
        crate::auth::HASHING.limit()
    );

    let (hits, misses) = state.pages.counts();
    out.push_str("# HELP hearth_page_cache_lookups_total Pages looked up in the page cache.\n");
    out.push_str("# TYPE hearth_page_cache_lookups_total counter\n");
    let _ = writeln!(
        out,
        "hearth_page_cache_lookups_total{{result=\"hit\"}} {hits}"
    );
    let _ = writeln!(
        out,
        "hearth_page_cache_lookups_total{{result=\"miss\"}} {misses}"
    );

    let up = match state.store.email_queue().await {
        Ok(q) => {
            out.push_str("# HELP hearth_email_jobs Email in the queue, by status.\n");
            out.push_str("# TYPE hearth_email_jobs gauge\n");
            let _ = writeln!(out, "hearth_email_jobs{{status=\"pending\"}} {}", q.pending);
            let _ = writeln!(out, "hearth_email_jobs{{status=\"failed\"}} {}", q.failed);
            let _ = writeln!(out, "hearth_email_jobs{{status=\"sent\"}} {}", q.sent);
            out.push_str(
                "# HELP hearth_email_retrying Email waiting to be tried again after a failure.\n",
            );
            out.push_str("# TYPE hearth_email_retrying gauge\n");
            let _ = writeln!(out, "hearth_email_retrying {}", q.retrying);
            match state.store.last_backups().await {
                Ok((last, good)) => {
                    out.push_str(
                        "# HELP hearth_backup_last_success_timestamp_seconds When the last scheduled backup that worked finished (0: none).\n",
                    );
                    out.push_str("# TYPE hearth_backup_last_success_timestamp_seconds gauge\n");
                    let _ = writeln!(
                        out,
                        "hearth_backup_last_success_timestamp_seconds {}",
                        good.as_ref().map_or(0, |b| b.finished_at)
                    );
                    out.push_str(
                        "# HELP hearth_backup_last_bytes Size of the last backup that worked.\n",
                    );
                    out.push_str("# TYPE hearth_backup_last_bytes gauge\n");
                    let _ = writeln!(
                        out,
                        "hearth_backup_last_bytes {}",
                        good.as_ref().map_or(0, |b| b.bytes)
                    );
                    out.push_str("# HELP hearth_backup_last_failed 1 when the latest scheduled backup failed.\n");
                    out.push_str("# TYPE hearth_backup_last_failed gauge\n");
                    let _ = writeln!(
                        out,
                        "hearth_backup_last_failed {}",
                        u8::from(last.as_ref().is_some_and(|b| b.failed()))
                    );
                }
                Err(e) => tracing::warn!(error = %e, "metrics: could not read the backups"),
            }
            1
        }
        Err(_) => 0,
    };
    out.push_str("# HELP hearth_database_up 1 when the database answered this scrape.\n");
    out.push_str("# TYPE hearth_database_up gauge\n");
    let _ = writeln!(out, "hearth_database_up {up}");
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

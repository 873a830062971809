//! Hearth: a self-hosted web application for running peer support groups.
//!
//! The library builds the whole app on a listener it is given (`serve`), so the binary's
//! `main` stays thin and tests can bind port 0.

pub mod api;
pub mod app;
pub mod auth;
pub mod backups;
pub mod cli;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod labels;
pub mod mail;
pub mod paths;
pub mod request;
pub mod retention;
pub mod seed;
pub mod store;
pub mod web;

use std::sync::Arc;

use tokio::net::TcpListener;

pub use store::Store;

/// Settings the running app needs. Its `Debug` leaves out the SMTP password (and the
/// password in the SMTP URL), so a settings dump never carries a secret (ASVS V13.3.1).
#[derive(Clone)]
pub struct Config {
    /// The address people use to reach Hearth, for links shown to copy (reset links, personal
    /// links). No trailing slash.
    pub public_url: String,
    /// Take the client's address from X-Forwarded-For (only behind a trusted load balancer).
    pub trust_forwarded: bool,
    /// The proxies in front of Hearth (`--trusted-proxies`): X-Forwarded-For is read only from
    /// them, and their own entries skipped. Empty: the right-most entry is the client.
    pub trusted_proxies: Vec<http::extract::ProxyNet>,
    /// The SMTP server to send email through, e.g. smtp://127.0.0.1:2525 or
    /// smtps://user:password@mail.example.org (None: no email is sent).
    pub smtp_url: Option<String>,
    /// The SMTP password, when it should not be written in the URL (the user stays there).
    pub smtp_password: Option<String>,
    /// The sender of email, e.g. "Hearth <hearth@example.org>".
    pub mail_from: String,
    /// How often the sender looks for due reminders and queued mail.
    pub mail_tick: std::time::Duration,
    /// The first wait before retrying a message the server did not take (doubling each time).
    pub mail_retry_base: std::time::Duration,
    /// Memory for pages kept while unchanged, in bytes (0: every page is made afresh).
    pub page_cache_bytes: usize,
    /// Backups taken while serving (None: none on a schedule).
    pub backup: Option<backups::BackupSchedule>,
    /// On stopping, how long requests in flight (and an email being sent) may take to finish.
    pub drain_timeout: std::time::Duration,
    /// The longest a request may take before it is answered 503 (its work rolled back).
    pub request_timeout: std::time::Duration,
    /// The longest a staff sign-in lasts, however much it is used.
    pub session_lifetime: std::time::Duration,
    /// How long a staff sign-in lasts without being used.
    pub session_idle: std::time::Duration,
    /// How often to look whether today's retention run (erasing members long gone) is due.
    pub retention_tick: std::time::Duration,
    /// Header-read and idle timeouts of each connection, and how many may be open at once.
    pub connections: http::conn::Limits,
    /// Requests a signed-in person may make a minute, at once or spread out (`http::budget`;
    /// 0: no limit).
    pub requests_per_minute: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |v: &Option<String>| v.as_ref().map(|_| "(set, not shown)");
        let smtp_url = self
            .smtp_url
            .as_deref()
            .map(|u| match url_password_range(u) {
                Some((from, to)) => format!("{}***{}", &u[..from], &u[to..]),
                None => u.to_string(),
            });
        f.debug_struct("Config")
            .field("public_url", &self.public_url)
            .field("trust_forwarded", &self.trust_forwarded)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("smtp_url", &smtp_url)
            .field("smtp_password", &secret(&self.smtp_password))
            .field("mail_from", &self.mail_from)
            .field("mail_tick", &self.mail_tick)
            .field("mail_retry_base", &self.mail_retry_base)
            .field("page_cache_bytes", &self.page_cache_bytes)
            .field("backup", &self.backup)
            .field("drain_timeout", &self.drain_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("session_lifetime", &self.session_lifetime)
            .field("session_idle", &self.session_idle)
            .field("retention_tick", &self.retention_tick)
            .field("connections", &self.connections)
            .field("requests_per_minute", &self.requests_per_minute)
            .finish()
    }
}

/// Where the password is in a URL's `user:password@`, as byte offsets.
fn url_password_range(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let at = start + url[start..].find('@')?;
    let colon = start + url[start..at].find(':')?;
    Some((colon + 1, at))
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_url: "http://127.0.0.1:8080".into(),
            trust_forwarded: false,
            trusted_proxies: Vec::new(),
            smtp_url: None,
            smtp_password: None,
            mail_from: "Hearth <hearth@localhost>".into(),
            mail_tick: std::time::Duration::from_secs(15),
            mail_retry_base: std::time::Duration::from_secs(30),
            page_cache_bytes: 4 << 20,
            backup: None,
            drain_timeout: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(15),
            session_lifetime: auth::SESSION_LIFETIME,
            session_idle: auth::SESSION_IDLE,
            retention_tick: std::time::Duration::from_secs(3600),
            connections: http::conn::Limits::default(),
            requests_per_minute: 600,
        }
    }
}

impl Config {
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Pages kept in memory while the data they show is unchanged (http/cache.rs).
    pub pages: Arc<http::cache::PageCache>,
    /// What this instance has served and how writes are going (/metrics, /healthz).
    pub monitor: Arc<http::metrics::Monitor>,
    /// When this instance last pushed on each session's idle end (web::touch_session).
    pub touched: Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
    /// Passkeys for this site, when `public_url` is a name browsers offer them to.
    pub passkeys: Option<Arc<auth::passkeys::Passkeys>>,
    /// What each signed-in person may still ask of this instance (http/budget.rs).
    pub budget: Arc<http::budget::RequestBudget>,
}

/// Serves Hearth on the listener until the future `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, None, store, config, shutdown).await
}

/// Serves Hearth, and Prometheus's metrics on a listener of their own when one is given.
///
/// When `shutdown` completes, Hearth stops accepting connections, lets the requests in flight
/// finish (for up to `drain_timeout`), lets the email being sent finish and takes no other,
/// then hands back the leases it holds on jobs it did not finish, so another instance takes
/// them at once.
pub async fn serve_with(
    listener: TcpListener,
    metrics: Option<TcpListener>,
    store: Store,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = Arc::new(config);
    let state = AppState {
        store: store.clone(),
        config: config.clone(),
        pages: Arc::new(http::cache::PageCache::new(config.page_cache_bytes)),
        monitor: Arc::new(http::metrics::Monitor::default()),
        touched: Default::default(),
        budget: Arc::new(http::budget::RequestBudget::new(config.requests_per_minute)),
        passkeys: match auth::passkeys::Passkeys::for_site(&config.public_url) {
            Ok(p) => Some(Arc::new(p)),
            Err(why) => {
                tracing::info!("passkeys are not offered: {why}");
                None
            }
        },
    };
    let worker = format!("worker-{}", &auth::new_token()[..12]);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Background work stops with the server, also when the server's future is dropped.
    let sender = config.smtp_url.is_some().then(|| {
        AbortOnDrop(tokio::spawn(mail::run_sender(
            store.clone(),
            config.clone(),
            worker.clone(),
            stop_rx.clone(),
        )))
    });
    let backups = config.backup.clone().map(|schedule| {
        AbortOnDrop(tokio::spawn(backups::run_schedule(
            store.clone(),
            schedule,
            worker.clone(),
        )))
    });
    let _sweeper = AbortOnDrop(tokio::spawn(sweep_forever(store.clone())));
    let _page_sweeper = AbortOnDrop(tokio::spawn(sweep_pages(Arc::downgrade(&state.pages))));
    let _retention = AbortOnDrop(tokio::spawn(retention::run_schedule(
        store.clone(),
        worker.clone(),
        config.retention_tick,
    )));
    let _metrics = metrics.map(|listener| {
        let router = http::metrics::router(state.clone());
        AbortOnDrop(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        }))
    });
    let app = web::router(state);
    // A request may take up to `request_timeout` without a byte on its connection: the idle
    // timeout never cuts one short.
    let limits = http::conn::Limits {
        idle: config
            .connections
            .idle
            .max(config.request_timeout + std::time::Duration::from_secs(1)),
        ..config.connections
    };
    let server = http::conn::serve(listener, app, limits, stop_rx.clone());
    tokio::pin!(server);
    let result = tokio::select! {
        r = &mut server => r,
        () = shutdown => {
            tracing::info!("stopping: finishing the requests in flight");
            let _ = stop_tx.send(true);
            match tokio::time::timeout(config.drain_timeout, &mut server).await {
                Ok(r) => r,
                Err(_) => {
                    tracing::warn!(
                        seconds = config.drain_timeout.as_secs(),
                        "requests still running when the time to finish them ran out"
                    );
                    Ok(())
                }
            }
        }
    };
    let _ = stop_tx.send(true);
    drop(backups);
    if let Some(sender) = sender {
        sender.finish_within(config.drain_timeout).await;
    }
    match store.release_jobs(&worker).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "handed back the jobs not finished"),
        Err(e) => tracing::warn!(error = %e, "could not hand back the jobs not finished"),
    }
    result
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl AbortOnDrop {
    /// Waits for the task to end by itself, for up to `within`, then aborts it.
    async fn finish_within(mut self, within: std::time::Duration) {
        if tokio::time::timeout(within, &mut self.0).await.is_err() {
            tracing::warn!("background work still running when the time to finish ran out");
        }
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Drops the page cache's pages of past minutes once a minute (`PageCache::sweep`), until the
/// server stops.
async fn sweep_pages(pages: std::sync::Weak<http::cache::PageCache>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(pages) = pages.upgrade() else {
            return;
        };
        pages.sweep(store::now().div_euclid(60));
    }
}

/// Removes expired sessions and old throttling records every few minutes.
async fn sweep_forever(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
    loop {
        tick.tick().await;
        if let Err(e) = store.sweep().await {
            tracing::warn!(error = %e, "sweep failed");
        }
    }
}

#[cfg(test)]
mod config_tests {
    use super::Config;

    #[test]
    fn settings_print_without_the_smtp_password() {
        let config = Config {
            smtp_url: Some("smtps://hearth:hunter2-secret@mail.example.org:465".into()),
            smtp_password: Some("another-secret".into()),
            ..Default::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(!shown.contains("another-secret"), "{shown}");
        assert!(
            shown.contains("smtps://hearth:***@mail.example.org:465"),
            "{shown}"
        );
        assert!(shown.contains("(set, not shown)"), "{shown}");
    }
}

//! Hearth: a self-hosted web application for running peer support groups.
//!
//! The library builds the whole app on a listener it is given (`serve`), so the binary's
//! `main` stays thin and tests can bind port 0.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod labels;
pub mod mail;
pub mod seed;
pub mod store;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

pub use store::Store;

/// Settings the running app needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address people use to reach Hearth, for links shown to copy (reset links, personal
    /// links). No trailing slash.
    pub public_url: String,
    /// Take the client's address from X-Forwarded-For (only behind a trusted load balancer).
    pub trust_forwarded: bool,
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_url: "http://127.0.0.1:8080".into(),
            trust_forwarded: false,
            smtp_url: None,
            smtp_password: None,
            mail_from: "Hearth <hearth@localhost>".into(),
            mail_tick: std::time::Duration::from_secs(15),
            mail_retry_base: std::time::Duration::from_secs(30),
            page_cache_bytes: 4 << 20,
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
    /// Pages kept in memory while the data they show is unchanged (web/cache.rs).
    pub pages: Arc<web::cache::PageCache>,
}

/// Serves Hearth on the listener until the future `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = Arc::new(config);
    let state = AppState {
        store: store.clone(),
        config: config.clone(),
        pages: Arc::new(web::cache::PageCache::new(config.page_cache_bytes)),
    };
    // Background work stops with the server, also when the server's future is dropped.
    let _sender = config.smtp_url.is_some().then(|| {
        AbortOnDrop(tokio::spawn(mail::run_sender(
            store.clone(),
            config.clone(),
        )))
    });
    let _sweeper = AbortOnDrop(tokio::spawn(sweep_forever(store)));
    let app = web::router(state);
    // Small responses must not wait for Nagle's algorithm.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
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

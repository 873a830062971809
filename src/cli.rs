//! The command line: `hearth serve`, `hearth user create`, `hearth token create`. Every
//! subcommand takes `--database` / `HEARTH_DATABASE_URL`. Failures print one clear line and
//! exit with a non-zero status.

use std::io::Read;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::auth::{self, hash_token, new_token};
use crate::domain::RawInput;
use crate::domain::account::AccountInput;
use crate::store::{Conflict, Store, StoreError};
use crate::{Config, demo};

#[derive(Parser, Debug)]
#[command(
    name = "hearth",
    version,
    about = "Hearth: software for running peer support groups"
)]
pub struct Cli {
    /// Where the data lives: sqlite://path/to/file.db (created if missing) or postgres://user@host/db
    #[arg(
        long,
        global = true,
        env = "HEARTH_DATABASE_URL",
        default_value = "sqlite://hearth.db"
    )]
    pub database: String,
    /// How log lines are written: text, or json (one object per line, for a log collector)
    #[arg(long, global = true, env = "HEARTH_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once at start; `serve` simply has the most settings.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web app
    Serve {
        /// Address and port to listen on
        #[arg(long, env = "HEARTH_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// When the database is empty, fill it with a realistic demo and print how to sign in
        #[arg(long, env = "HEARTH_DEMO")]
        demo: bool,
        /// The address people use to reach Hearth, used in links to copy and for passkeys, which
        /// need a name, not an IP address (default: http://<bind>, or http://localhost:<port> on
        /// a loopback address)
        #[arg(long, env = "HEARTH_PUBLIC_URL")]
        public_url: Option<String>,
        /// Trust X-Forwarded-For for the client's address (only behind your own load balancer):
        /// the right-most address that is not one of --trusted-proxies
        #[arg(long, env = "HEARTH_TRUST_FORWARDED")]
        trust_forwarded: bool,
        /// The proxies in front of Hearth, as addresses or networks (10.0.0.0/8), separated by
        /// commas: X-Forwarded-For is believed only from them (implies --trust-forwarded)
        #[arg(long, env = "HEARTH_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Vec<crate::http::extract::ProxyNet>,
        /// SMTP server for email: smtp://host:port (plain), smtp://user:password@host:587?tls=required
        /// (STARTTLS) or smtps://user:password@host:465 (TLS). Without it no email is sent.
        #[arg(long, env = "HEARTH_SMTP_URL", hide_env_values = true)]
        smtp_url: Option<String>,
        /// The SMTP password, if you would rather not write it in the URL (give the user there)
        #[arg(long, env = "HEARTH_SMTP_PASSWORD", hide_env_values = true)]
        smtp_password: Option<String>,
        /// The sender of email, e.g. "Hearth <hearth@example.org>"
        #[arg(
            long,
            env = "HEARTH_MAIL_FROM",
            default_value = "Hearth <hearth@localhost>"
        )]
        mail_from: String,
        /// Seconds between looks for due reminders and queued mail
        #[arg(long, env = "HEARTH_MAIL_TICK", default_value_t = 15)]
        mail_tick: u64,
        /// Memory for pages kept while the data they show is unchanged, in MiB (0: none)
        #[arg(long, env = "HEARTH_PAGE_CACHE_MB", default_value_t = 4)]
        page_cache_mb: usize,
        /// Take backups on a schedule into this directory (one instance at a time takes each)
        #[arg(long, env = "HEARTH_BACKUP_DIR")]
        backup_dir: Option<std::path::PathBuf>,
        /// How often to take a backup: 30m, 6h, 24h, 7d
        #[arg(long, env = "HEARTH_BACKUP_EVERY", default_value = "24h")]
        backup_every: String,
        /// How many scheduled backups to keep in --backup-dir (older ones are removed)
        #[arg(long, env = "HEARTH_BACKUP_KEEP", default_value_t = 7)]
        backup_keep: usize,
        /// Serve Prometheus metrics at /metrics on this address and port (off unless given)
        #[arg(long, env = "HEARTH_METRICS_BIND")]
        metrics_bind: Option<String>,
        /// On SIGTERM or Ctrl+C, seconds to let requests in flight finish
        #[arg(long, env = "HEARTH_SHUTDOWN_TIMEOUT", default_value_t = 10)]
        shutdown_timeout: u64,
        /// A staff sign-in ends after this long without use (e.g. 3h, 30m)
        #[arg(long, env = "HEARTH_SESSION_IDLE", default_value = "3h")]
        session_idle: String,
        /// A staff sign-in ends this long after it began, however much it is used (e.g. 7d)
        #[arg(long, env = "HEARTH_SESSION_LIFETIME", default_value = "7d")]
        session_lifetime: String,
        /// The most connections open at once (more wait until one closes); each must send a
        /// request's headers within 10 seconds and is closed after 60 seconds unused
        #[arg(long, env = "HEARTH_MAX_CONNECTIONS", default_value_t = 1024,
              value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        max_connections: u32,
        /// Requests one signed-in person may make a minute (a minute's worth at once, then
        /// evenly); more are answered 429 with Retry-After. 0: no limit (for load tests)
        #[arg(long, env = "HEARTH_REQUESTS_PER_MINUTE", default_value_t = 600)]
        requests_per_minute: u32,
    },
    /// Fill an empty database with a realistic, deterministic history (for benchmarks and
    /// trying Hearth at scale). Staff sign in as coordinator@example.org or
    /// facilitatorN@example.org with the password hearth-seed-password.
    Seed {
        /// How many groups
        #[arg(long, default_value_t = 10)]
        groups: usize,
        /// How many members each group has had
        #[arg(long, default_value_t = 15)]
        members_per_group: usize,
        /// How many years of history
        #[arg(long, default_value_t = 2)]
        years: i64,
        /// The same seed gives the same data
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The network-scale preset: 500 groups, 40 members each, 10 years
        #[arg(long)]
        network: bool,
    },
    /// Take a consistent copy of the database while Hearth runs, and check it (on PostgreSQL
    /// in Hearth's portable format, an SQLite file)
    Backup {
        /// The new file to write (it must not exist yet)
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Put a backup in place of the database (SQLite or PostgreSQL). Stop Hearth first. A
    /// database that already has data is left alone unless --replace is given.
    Restore {
        /// The backup file made by `hearth backup`
        #[arg(long)]
        from: std::path::PathBuf,
        /// Replace a database that already has data
        #[arg(long)]
        replace: bool,
    },
    /// Copy a whole network from one database to another (SQLite to PostgreSQL or back),
    /// keeping every id; the target must be empty. Stop Hearth first.
    Migrate {
        /// The database to copy from (Hearth must not be running on it)
        #[arg(long)]
        from: String,
        /// The empty database to copy into
        #[arg(long)]
        to: String,
    },
    /// Manage staff accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a staff account; the password is read from standard input
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// coordinator or facilitator
        #[arg(long)]
        role: String,
    },
    /// Reset an account's two-step sign-in (its app and recovery codes), for someone who has
    /// lost both and has no coordinator to reset it; they are signed out
    ResetTwoStep {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for an account; the token is the last line printed
    Create {
        #[arg(long)]
        email: String,
        /// A name to tell it apart in lists and to revoke it by
        #[arg(long, default_value = "API token")]
        name: String,
        /// How many days it works (1 to 366)
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(i64).range(1..=crate::store::TokenSpec::MAX_DAYS))]
        expires_days: i64,
        /// It may only read, never change anything
        #[arg(long)]
        read_only: bool,
    },
    /// Revoke an account's API tokens with this name
    Revoke {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

/// Parses the arguments, runs the command and turns any failure into one line on stderr.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.log_format);
    match execute(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("hearth: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("hearth=info,sqlx=error,warn"));
    // Log lines go to standard error, so standard output keeps only what a person is told (and a
    // log collector reading JSON gets nothing else).
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

async fn execute(cli: Cli) -> Result<(), String> {
    // A restore works on the file itself, before anything opens it.
    if let Command::Restore { from, replace } = &cli.command {
        let summary = crate::store::backup::restore(&cli.database, from, *replace).await?;
        println!("Restored {summary}.");
        return Ok(());
    }
    if let Command::Migrate { from, to } = &cli.command {
        return migrate(from, to).await;
    }
    let store = Store::open(&cli.database)
        .await
        .map_err(|e| e.to_string())?;
    let result = match cli.command {
        Command::Serve {
            bind,
            demo,
            public_url,
            trust_forwarded,
            trusted_proxies,
            smtp_url,
            smtp_password,
            mail_from,
            mail_tick,
            page_cache_mb,
            backup_dir,
            backup_every,
            backup_keep,
            metrics_bind,
            shutdown_timeout,
            session_idle,
            session_lifetime,
            max_connections,
            requests_per_minute,
        } => {
            let session_idle = crate::backups::parse_every(&session_idle)
                .map_err(|e| format!("--session-idle: {e}"))?;
            let session_lifetime = crate::backups::parse_every(&session_lifetime)
                .map_err(|e| format!("--session-lifetime: {e}"))?;
            let backup = match backup_dir {
                Some(dir) => Some(crate::backups::BackupSchedule {
                    dir,
                    every: crate::backups::parse_every(&backup_every)
                        .map_err(|e| format!("--backup-every: {e}"))?,
                    keep: backup_keep.max(1),
                }),
                None => None,
            };
            let config = Config {
                public_url: public_url.unwrap_or_default(),
                trust_forwarded: trust_forwarded || !trusted_proxies.is_empty(),
                trusted_proxies,
                smtp_url: smtp_url.filter(|u| !u.trim().is_empty()),
                smtp_password: smtp_password.filter(|p| !p.is_empty()),
                mail_from,
                mail_tick: std::time::Duration::from_secs(mail_tick.max(1)),
                page_cache_bytes: page_cache_mb.saturating_mul(1 << 20),
                backup,
                drain_timeout: std::time::Duration::from_secs(shutdown_timeout),
                session_idle,
                session_lifetime,
                connections: crate::http::conn::Limits {
                    max_connections: max_connections as usize,
                    ..Default::default()
                },
                requests_per_minute,
                ..Config::default()
            };
            serve(&store, &bind, metrics_bind.as_deref(), demo, config).await
        }
        Command::Seed {
            groups,
            members_per_group,
            years,
            seed,
            network,
        } => {
            let options = if network {
                crate::seed::SeedOptions {
                    groups: 500,
                    members_per_group: 40,
                    years: 10,
                    seed,
                }
            } else {
                crate::seed::SeedOptions {
                    groups,
                    members_per_group,
                    years,
                    seed,
                }
            };
            run_seed(&store, &options).await
        }
        Command::Backup { to } => store.backup_to(&to).await.map(|summary| {
            println!("Backed up to {summary}.");
        }),
        Command::Restore { .. } | Command::Migrate { .. } => Ok(()),
        Command::User {
            command: UserCommand::Create { email, name, role },
        } => create_user(&store, &email, &name, &role).await,
        Command::User {
            command: UserCommand::ResetTwoStep { email },
        } => reset_two_step(&store, &email).await,
        Command::Token {
            command:
                TokenCommand::Create {
                    email,
                    name,
                    expires_days,
                    read_only,
                },
        } => {
            let spec = crate::store::TokenSpec {
                name: name.trim().to_string(),
                days: expires_days,
                read_only,
            };
            create_token(&store, &email, &spec).await
        }
        Command::Token {
            command: TokenCommand::Revoke { email, name },
        } => revoke_token(&store, &email, &name).await,
    };
    store.close().await;
    result
}

async fn serve(
    store: &Store,
    bind: &str,
    metrics_bind: Option<&str>,
    demo: bool,
    config: Config,
) -> Result<(), String> {
    let addr: SocketAddr = bind
        .parse()
        .map_err(|_| format!("--bind {bind:?} is not an address and port like 127.0.0.1:8080"))?;
    let metrics = match metrics_bind {
        Some(m) => {
            let maddr: SocketAddr = m.parse().map_err(|_| {
                format!("--metrics-bind {m:?} is not an address and port like 127.0.0.1:9090")
            })?;
            let listener = tokio::net::TcpListener::bind(maddr)
                .await
                .map_err(|e| format!("could not listen on {maddr}: {e}"))?;
            println!(
                "Metrics for Prometheus at http://{}/metrics",
                listener.local_addr().map_err(|e| e.to_string())?
            );
            Some(listener)
        }
        None => None,
    };
    if demo && config.public_url.starts_with("https://") {
        // The demo's passwords are published (README): never on a real address (ASVS V6.3.2).
        return Err(format!(
            "--demo fills Hearth with accounts whose passwords are published, so it is refused on an https address ({}). Run the demo on your own computer, without --public-url.",
            config.public_url
        ));
    }
    if demo && (!addr.ip().is_loopback() || config.trust_forwarded) {
        // Nor on an address other computers can reach, or behind a proxy (ASVS V15.2.3: a
        // development feature stays on the developer's own computer).
        return Err(format!(
            "--demo fills Hearth with accounts whose passwords are published, so it is served only on this computer: use --bind 127.0.0.1:{} (not {bind}) and leave out --trust-forwarded.",
            addr.port()
        ));
    }
    if demo {
        match demo::fill_if_empty(store)
            .await
            .map_err(|e| format!("could not create the demo data: {e}"))?
        {
            Some(accounts) => {
                println!("Demo data created. Sign in with:");
                for (role, email, password) in accounts {
                    println!("  {role:<12} {email:<28} password: {password}");
                }
            }
            None => println!("The database already has data, so no demo data was added."),
        }
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("could not listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    // On this machine's own loopback address, the name localhost: browsers offer passkeys to
    // a name, never to an address.
    let public_url = Some(config.public_url.clone())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            if local.ip().is_loopback() {
                format!("http://localhost:{}", local.port())
            } else {
                format!("http://{local}")
            }
        })
        .trim_end_matches('/')
        .to_string();
    println!("Hearth is running at {public_url} (press Ctrl+C to stop)");
    if let Some(warning) = plain_http_warning(local, &public_url) {
        tracing::warn!("{warning}");
        eprintln!("Warning: {warning}");
    }
    let config = Config {
        public_url,
        ..config
    };
    match &config.smtp_url {
        Some(_) => crate::mail::check_config(&config)?,
        None => println!(
            "Email is not set up (no --smtp-url): Hearth will offer links to copy instead."
        ),
    }
    if let Some(b) = &config.backup {
        println!(
            "Backups every {} into {}, keeping {}.",
            crate::labels::duration_label(b.every),
            b.dir.display(),
            b.keep
        );
    }
    crate::serve_with(listener, metrics, store.clone(), config, shutdown_signal())
        .await
        .map_err(|e| format!("the server stopped: {e}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// `hearth migrate`: both databases opened (so both have this Hearth's schema), the target
/// refused if it holds a network, then one checked copy.
async fn migrate(from: &str, to: &str) -> Result<(), String> {
    let source = Store::open(from).await.map_err(|e| e.to_string())?;
    let target = match Store::open(to).await {
        Ok(t) => t,
        Err(e) => {
            source.close().await;
            return Err(e.to_string());
        }
    };
    let started = std::time::Instant::now();
    let result = crate::store::portable::copy(&source, &target, false).await;
    source.close().await;
    target.close().await;
    let report = result.map_err(|e| format!("the copy was not made: {e}"))?;
    print!("{report}");
    println!(
        "Copied in {:.1} s. Point Hearth at the new database (--database) and start it.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn run_seed(store: &Store, options: &crate::seed::SeedOptions) -> Result<(), String> {
    if options.groups == 0 || options.members_per_group == 0 || !(1..=50).contains(&options.years) {
        return Err("give at least one group and one member, and 1 to 50 years".into());
    }
    let started = std::time::Instant::now();
    let hash = auth::hash_password(crate::seed::SEED_PASSWORD).await?;
    println!(
        "Seeding {} groups × {} members × {} years (seed {})…",
        options.groups, options.members_per_group, options.years, options.seed
    );
    let summary = crate::seed::seed(store, options, &hash, |done, total| {
        println!(
            "  {done}/{total} groups ({}%), {:.0} s",
            done * 100 / total.max(1),
            started.elapsed().as_secs_f64()
        );
    })
    .await?;
    println!(
        "Done in {:.0} s: {} groups, {} members, {} meetings, {} attendances. Sign in as coordinator@example.org or facilitator1@example.org with the password {}.",
        started.elapsed().as_secs_f64(),
        summary.groups,
        summary.members,
        summary.meetings,
        summary.attendance,
        crate::seed::SEED_PASSWORD
    );
    Ok(())
}

async fn create_user(store: &Store, email: &str, name: &str, role: &str) -> Result<(), String> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| format!("could not read the password from standard input: {e}"))?;
    let password = password.lines().next().unwrap_or("").to_string();
    let raw = RawInput::from_pairs(vec![
        ("email".into(), email.into()),
        ("name".into(), name.into()),
        (
            "role".into(),
            if role.is_empty() {
                "-".into()
            } else {
                role.into()
            },
        ),
        ("password".into(), password),
    ]);
    let input =
        AccountInput::try_from(&raw).map_err(|e| format!("the account was not created: {e}"))?;
    let hash = auth::hash_password(input.password.expose()).await?;
    match store
        .create_account(input.email.as_str(), &input.name, input.role, &hash)
        .await
    {
        Ok(staff) => {
            println!(
                "Created {} account for {} <{}>",
                staff.role.as_str(),
                staff.name,
                staff.email
            );
            Ok(())
        }
        Err(StoreError::Conflict(Conflict::Duplicate(_))) => Err(format!(
            "there is already an account for {}",
            input.email.as_str()
        )),
        Err(e) => Err(e.to_string()),
    }
}

async fn account_of(store: &Store, email: &str) -> Result<crate::domain::access::Staff, String> {
    let email = email.trim().to_lowercase();
    match store.account_by_email(&email).await {
        Ok(s) => Ok(s),
        Err(StoreError::NotFound) => Err(format!("there is no account for {email}")),
        Err(e) => Err(e.to_string()),
    }
}

async fn reset_two_step(store: &Store, email: &str) -> Result<(), String> {
    let staff = account_of(store, email).await?;
    match store.reset_two_step_by_operator(staff.id).await {
        Ok(()) => {
            println!(
                "Reset the two-step sign-in of {}: they sign in with their password alone{}.",
                staff.email,
                if store.two_step_for_all().await.unwrap_or(false) {
                    ", then set up their app again"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

async fn revoke_token(store: &Store, email: &str, name: &str) -> Result<(), String> {
    let staff = account_of(store, email).await?;
    let n = store
        .revoke_api_tokens_named(staff.id, name.trim())
        .await
        .map_err(|e| e.to_string())?;
    if n == 0 {
        return Err(format!("{} has no live token named {name:?}", staff.email));
    }
    println!("Revoked {n} token(s) named {name:?} of {}.", staff.email);
    Ok(())
}

async fn create_token(
    store: &Store,
    email: &str,
    spec: &crate::store::TokenSpec,
) -> Result<(), String> {
    if !crate::store::TokenSpec::name_fits(&spec.name) {
        return Err("give the token a name of 1 to 80 characters (--name)".into());
    }
    let staff = account_of(store, email).await?;
    let token = new_token();
    store
        .create_named_api_token(staff.id, &hash_token(&token), spec)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "API token {:?} for {} <{}> ({}), {} for {} days. Keep it secret; it is shown only now:",
        spec.name,
        staff.name,
        staff.email,
        staff.role.as_str(),
        if spec.read_only {
            "read-only"
        } else {
            "read and write"
        },
        spec.days
    );
    println!("{token}");
    Ok(())
}

/// ASVS 12.2.1: sign-in, sessions and members' links must reach Hearth only over TLS. Listening
/// on an address other machines can reach while the public address is plain http means they
/// travel unencrypted, unless a proxy in front says otherwise (then `--public-url https://…`).
fn plain_http_warning(local: std::net::SocketAddr, public_url: &str) -> Option<String> {
    (!local.ip().is_loopback() && public_url.starts_with("http://")).then(|| {
        format!(
            "Hearth listens on {local}, which other machines can reach, and its public address {public_url} is plain http: \
             passwords, sessions and members' links would travel unencrypted. Put a proxy with TLS in front \
             (README: \"Running on PostgreSQL behind a load balancer\") and give --public-url https://…, or listen on 127.0.0.1."
        )
    })
}

#[cfg(test)]
mod plain_http_tests {
    use super::plain_http_warning;

    #[test]
    fn plain_http_on_a_reachable_address_is_warned_about() {
        let anywhere: std::net::SocketAddr = "0.0.0.0:8080".parse().expect("an address");
        let lan: std::net::SocketAddr = "192.168.1.5:8080".parse().expect("an address");
        let own: std::net::SocketAddr = "127.0.0.1:8080".parse().expect("an address");
        assert!(plain_http_warning(anywhere, "http://0.0.0.0:8080").is_some());
        assert!(plain_http_warning(lan, "http://192.168.1.5:8080").is_some());
        assert!(plain_http_warning(lan, "https://hearth.example.org").is_none());
        assert!(plain_http_warning(own, "http://localhost:8080").is_none());
    }
}

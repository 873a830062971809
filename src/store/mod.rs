//! The store: the one storage interface the app uses, with an implementation on each of sqlx's
//! native drivers (SQLite and PostgreSQL). The backend is chosen by the URL's scheme.
//!
//! Each method's SQL is written once where the dialects agree (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`, `TRUE`/`FALSE` all work on both) and runs on whichever native pool is open;
//! where they differ, the method matches on the backend. Reads of group data take the viewer and
//! filter by what that viewer may see, so permission is enforced where the data is read.

mod access;
mod accounts;
pub mod audit;
mod audit_batch;
pub mod backup;
mod batch;
mod bulk;
mod contacts;
mod erasure;
pub mod export;
mod feeds;
mod groups;
mod insight;
mod jobs;
mod meetings;
mod members;
mod passkeys;
mod polls;
pub mod portable;
pub mod replays;
mod social;
mod topics;
mod two_step;
mod venues;
mod versions;

pub use crate::domain::ids::{GroupId, MeetingId, MemberId};
pub use access::*;
pub use accounts::*;
pub use audit::*;
pub use bulk::V;
pub use contacts::ContactRead;
pub use erasure::{DueErasure, Mention, RETENTION_CHOICES, RETENTION_SUGGESTED};
pub use feeds::*;
pub use groups::*;
pub use insight::*;
pub use jobs::*;
pub use meetings::*;
pub use members::*;
pub use passkeys::{PasskeyInfo, PasskeySetup};
pub use topics::*;
pub use two_step::{Challenge, ChallengeKind, TwoStep};
pub use versions::{UNVERSIONED_TABLES, VersionScope};

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection};

/// What can go wrong in the store, in terms the app can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Missing, or not visible to the one asking (the two look the same on purpose).
    #[error("not found")]
    NotFound,
    /// Visible, but the one asking may not make this change.
    #[error("not allowed")]
    Forbidden,
    /// The change clashes with what is saved: which rule, for the app to answer in its words.
    #[error("conflict: {0}")]
    Conflict(Conflict),
    #[error("database error: {0}")]
    Other(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::from_sqlx(err)
    }
}

impl StoreError {
    pub(crate) fn from_sqlx(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(
                Conflict::Duplicate(db.constraint().unwrap_or(db.message()).to_string()),
            ),
            // What a write refers to was removed after it was checked (a member erased while
            // their consent was being recorded): not found, as it would be a moment later.
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
            _ => StoreError::Other(err),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The rules a change can clash with. Pages and the API match on these (never on words), and
/// `AppError` gives each its sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A uniqueness rule of the schema (an account's email, a topic's title), by its name.
    Duplicate(String),
    /// The venue chosen does not exist (any more).
    NoSuchVenue,
    /// A staff account named (as a facilitator) does not exist.
    NoSuchAccount,
    /// The poll is closed: its date has been chosen.
    PollClosed,
    /// The option chosen is not one of the poll's.
    NoSuchOption,
    /// A series with no meetings in it.
    EmptySeries,
    /// A topic agreed for a meeting that has been held or was cancelled.
    MeetingNotOpen,
    /// Turning off one's own sign-in.
    OwnAccount,
    /// Resetting one's own second step.
    OwnTwoStep,
    /// Requiring two-step sign-in of everyone before having it oneself.
    OwnTwoStepFirst,
    /// Turning off a second step that is required.
    TwoStepRequired,
    /// A passkey that is already added.
    PasskeyTaken,
    /// A held meeting given a day still to come: a meeting is never held before its day.
    HeldMovedAhead,
    /// Data Hearth writes itself (the demo's) that does not parse.
    BadData(String),
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Conflict::Duplicate(rule) => write!(f, "duplicate ({rule})"),
            Conflict::NoSuchVenue => f.write_str("no such venue"),
            Conflict::NoSuchAccount => f.write_str("no such account"),
            Conflict::PollClosed => f.write_str("poll closed"),
            Conflict::NoSuchOption => f.write_str("no such option"),
            Conflict::EmptySeries => f.write_str("empty series"),
            Conflict::MeetingNotOpen => f.write_str("meeting not open"),
            Conflict::OwnAccount => f.write_str("own account"),
            Conflict::OwnTwoStep => f.write_str("own second step"),
            Conflict::OwnTwoStepFirst => f.write_str("own second step first"),
            Conflict::TwoStepRequired => f.write_str("second step required"),
            Conflict::PasskeyTaken => f.write_str("passkey taken"),
            Conflict::HeldMovedAhead => f.write_str("held meeting moved to a day to come"),
            Conflict::BadData(what) => write!(f, "bad data: {what}"),
        }
    }
}

/// Why a database could not be opened: reported to the operator as one clear line.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "unsupported database URL scheme in {0:?}: use sqlite://path/to/file.db or postgres://user@host/db"
    )]
    UnknownScheme(String),
    #[error("could not open the database at {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("could not bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The handle the app holds. Cheap to clone (pools are reference counted).
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    /// How many database round trips (store calls) this handle and its clones have made: a
    /// test compares it across data sizes to catch queries that grow with the data (N+1).
    queries: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Group ids seen to exist. Groups are never deleted, so once seen an id stays valid on
    /// every instance; a coordinator's access check needs no query after the first.
    known_groups: std::sync::Arc<std::sync::RwLock<std::collections::HashSet<GroupId>>>,
    /// The page cache's checks (sign-in and data versions) gathered into one statement
    /// (batch.rs).
    batches: std::sync::Arc<batch::SignInBatches>,
    /// Audit events gathered into one transaction per batch (audit_batch.rs).
    audit_batches: std::sync::Arc<audit_batch::AuditBatches>,
}

/// `$1, $2, …, $n`, for an `IN (…)` list bound one value at a time.
pub(crate) fn placeholders(n: usize) -> String {
    placeholders_from(1, n)
}

/// The one row a write's `RETURNING` gives, read to the end of the statement: use with
/// `fetch_all` for a write outside a transaction. On SQLite such a write commits when its
/// statement finishes; `fetch_one` took the first row and dropped the statement, whose commit
/// error (disk full) was then lost, so a write that was rolled back was reported as made.
pub(crate) fn first_row<T>(rows: Vec<T>) -> Result<T, sqlx::Error> {
    rows.into_iter().next().ok_or(sqlx::Error::RowNotFound)
}

/// As [`first_row`], for a write that may match no row.
pub(crate) fn first_of<T>(rows: Vec<T>) -> Option<T> {
    rows.into_iter().next()
}

/// `$first, …` for `n` values bound after `first - 1` others.
pub(crate) fn placeholders_from(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Holds an exclusive advisory lock (flock) on the database's lock file (`<database>-lock`,
/// made when missing) until dropped, waiting for it if another process has it.
///
/// Never the database file itself: SQLite's own locks are POSIX (fcntl) locks, and closing
/// *any* descriptor of a file drops every such lock the process holds on it. Closing a
/// descriptor of the database after migrating dropped the server's read locks, so a second
/// process closing its connection (`hearth token create` while the server ran) believed it
/// was the last, checkpointed and deleted the write-ahead log and shared memory under the
/// server, whose next query failed with a disk I/O error.
async fn lock_file(database: std::path::PathBuf) -> std::io::Result<std::fs::File> {
    tokio::task::spawn_blocking(move || {
        let mut name = database.into_os_string();
        name.push("-lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(std::path::PathBuf::from(name))?;
        file.lock()?;
        Ok(file)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// A connection pool's size at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Store {
    pub(crate) fn count_query(&self) {
        self.queries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Statements that answered the page cache's checks in batches (each check counts once in
    /// `query_count`).
    pub fn sign_in_batches(&self) -> u64 {
        self.batches.statements()
    }

    /// Database round trips made so far through this store (and its clones).
    pub fn query_count(&self) -> u64 {
        self.queries.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, OpenError> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres") | Some("postgresql") => Ok(Backend::Postgres),
            _ => Err(OpenError::UnknownScheme(redact(url))),
        }
    }
}

/// Hide a password in a URL before it is printed.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            let creds = &url[start + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..start + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Runs the same block on whichever native pool is open. The block is compiled once per
/// backend, so the SQL text is shared and each backend decodes with its own driver.
macro_rules! on_db {
    ($store:expr, $pool:ident => $body:expr) => {{
        $store.count_query();
        match &$store.db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    }};
}
pub(crate) use on_db;

/// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
/// taken (waiting up to the busy timeout) before anything is read, so a transaction never has
/// to upgrade a stale read snapshot — which SQLite refuses at once with "database is locked"
/// when another connection wrote in between. PostgreSQL needs nothing special.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
    + Send;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// Whether a connection handed back to the pool may be used again: never while it is still
/// inside a transaction. A transaction dropped without commit queues its rollback, which the
/// ping carries out; but when a COMMIT fails (SQLite's "database or disk is full"), the
/// database has already rolled back and sqlx still counts the transaction open, so the
/// queued ROLLBACK fails too and every later `BEGIN IMMEDIATE` on that connection was refused
/// ("attempted to call begin_with at non-zero transaction depth") until a restart. Such a
/// connection is closed instead and the pool opens a fresh one.
async fn not_mid_transaction<C: Connection>(conn: &mut C) -> Result<bool, sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    conn.ping().await?;
    Ok(!conn.is_in_transaction())
}

/// PostgreSQL pool settings: a connection is pinged before use only after a second idle (one
/// that sat through a database restart is then found dead and replaced, sparing the request
/// an error); a ping before every query was a second round trip to the server for each one.
fn pg_pool_options(connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(connections)
        .after_release(|conn, _| Box::pin(not_mid_transaction(conn)))
        // An unreachable database answers within about a second and a half (a 503), rather
        // than holding the request for five.
        .acquire_timeout(Duration::from_millis(1500))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > Duration::from_secs(1) {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// One connection to the same PostgreSQL database on which every prepared statement runs its
/// generic plan. PostgreSQL otherwise keeps planning a statement afresh for each set of values
/// when it guesses that pays (it did for the page cache's batch statement, bound to arrays:
/// planning took 0.35 ms, running it 0.1 ms).
pub(crate) fn generic_plan_pool(pool: &PgPool) -> PgPool {
    let options = (*pool.connect_options())
        .clone()
        .options([("plan_cache_mode", "force_generic_plan")]);
    pg_pool_options(1).connect_lazy_with(options)
}

impl Store {
    /// Opens the database the URL names and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store, OpenError> {
        Self::open_with(url, SqliteJournalMode::Wal).await
    }

    /// Opens (making it) an SQLite file that is to stand alone when closed, such as a backup
    /// in the portable format: in rollback-journal mode from the start, so nothing has to
    /// reopen it to leave WAL mode (which needs the file to itself).
    pub(crate) async fn open_standalone(url: &str) -> Result<Store, OpenError> {
        Self::open_with(url, SqliteJournalMode::Delete).await
    }

    async fn open_with(url: &str, journal: SqliteJournalMode) -> Result<Store, OpenError> {
        let connect_err = |source| OpenError::Connect {
            url: redact(url),
            source,
        };
        let store: Store = match Backend::from_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(connect_err)?
                    .create_if_missing(true)
                    .journal_mode(journal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    // Deleted content is overwritten, not left in free pages (erasure, issue 18).
                    .pragma("secure_delete", "on")
                    .busy_timeout(Duration::from_secs(5));
                // Four connections: SQLite writes one at a time and this serves two cores; each
                // connection is a thread with its own page cache and allocator arena, and four
                // more cost 20 MB of memory for 5% more pages a second. The database is a
                // local file, so a connection cannot go stale: the pool does not ping it before
                // each use (that was a second round trip to its thread for every query).
                // Two instances starting together on one file would both apply a pending
                // migration (sqlx takes no lock on SQLite) and the second would fail half-way;
                // an exclusive advisory lock makes them take turns. It is a flock on a file of
                // its own beside the database (see lock_file).
                let file = options.get_filename();
                let in_memory =
                    file.as_os_str().is_empty() || file == std::path::Path::new(":memory:");
                let lock = if in_memory {
                    None
                } else {
                    Some(
                        lock_file(file.to_path_buf())
                            .await
                            .map_err(|e| connect_err(sqlx::Error::Io(e)))?,
                    )
                };
                // The first connection turns the file to WAL, which needs the file to itself:
                // under the same lock, so it never waits on another instance's migration.
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .test_before_acquire(false)
                    .after_release(|conn, _| Box::pin(not_mid_transaction(conn)))
                    .connect_with(options.clone())
                    .await
                    .map_err(connect_err)?;
                sqlx::migrate!("migrations/sqlite").run(&pool).await?;
                drop(lock);
                Store {
                    db: Db::Sqlite(pool),
                    queries: Default::default(),
                    known_groups: Default::default(),
                    batches: Default::default(),
                    audit_batches: Default::default(),
                }
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(connect_err)?;
                Self::open_postgres(options).await.map_err(|e| match e {
                    OpenError::Connect { source, .. } => connect_err(source),
                    other => other,
                })?
            }
        };
        store.seed_topic_library().await.map_err(|e| match e {
            StoreError::Other(source) => OpenError::Connect {
                url: redact(url),
                source,
            },
            other => OpenError::Connect {
                url: redact(url),
                source: sqlx::Error::Protocol(other.to_string()),
            },
        })?;
        Ok(store)
    }

    /// Opens PostgreSQL with explicit options (the tests use this to give each test a schema).
    pub async fn open_postgres(options: PgConnectOptions) -> Result<Store, OpenError> {
        // One direct connection first: its error says what is wrong (refused, unknown host,
        // bad password), where the pool would only report a timeout.
        let probe = tokio::time::timeout(Duration::from_secs(10), options.connect())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)
            .and_then(|r| r);
        match probe {
            Ok(conn) => {
                let _ = conn.close().await;
            }
            Err(source) => {
                return Err(OpenError::Connect {
                    url: "postgres".into(),
                    source,
                });
            }
        }
        let pool = pg_pool_options(16)
            .connect_with(options)
            .await
            .map_err(|source| OpenError::Connect {
                url: "postgres".into(),
                source,
            })?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let store = Store {
            db: Db::Postgres(pool),
            queries: Default::default(),
            known_groups: Default::default(),
            batches: Default::default(),
            audit_batches: Default::default(),
        };
        store
            .seed_topic_library()
            .await
            .map_err(|e| OpenError::Connect {
                url: "postgres".into(),
                source: sqlx::Error::Protocol(e.to_string()),
            })?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// The connection pool's size now: open, idle, and the most it may open.
    pub fn pool_status(&self) -> PoolStatus {
        match &self.db {
            Db::Sqlite(pool) => PoolStatus {
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            },
            Db::Postgres(pool) => PoolStatus {
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            },
        }
    }

    /// True when the database answers a trivial query.
    pub async fn healthy(&self) -> bool {
        let probe = on_db!(self, pool => {
            tokio::time::timeout(
                Duration::from_secs(2),
                sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool),
            )
            .await
        });
        matches!(probe, Ok(Ok(1)))
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

/// The current time as Unix seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_picks_the_backend() {
        assert_eq!(
            Backend::from_url("sqlite://hearth.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://u@h/db").is_err());
        assert!(Backend::from_url("hearth.db").is_err());
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}

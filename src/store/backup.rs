//! Backups of the embedded database, taken while Hearth runs, and restoring one.
//!
//! On SQLite a backup is `VACUUM INTO` a new file: one read transaction, so the copy is
//! consistent and includes what is still in the write-ahead log (a plain copy of the database
//! file while Hearth runs misses those writes). The copy is then opened on its own and checked
//! (`PRAGMA integrity_check`, and that it is a Hearth database). A restore refuses a database
//! that already has data unless told to replace it, writes beside the target and renames into
//! place, so a failure half-way leaves the old database as it was.
//!
//! On PostgreSQL a backup is Hearth's portable format: the whole network copied, from one
//! snapshot, into a new SQLite file (see [`super::portable`]), checked the same way. Restoring
//! such a file into PostgreSQL copies it back in one transaction that commits only when every
//! table matches. `pg_dump` remains the tool for what Hearth's copy does not carry (roles,
//! grants, settings) and for point-in-time recovery (docs/operations.md).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use super::{Backend, Db, Store};

/// What a checked backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub bytes: u64,
    /// Rows in the tables people care about most: (table, rows).
    pub counts: Vec<(&'static str, i64)>,
}

impl std::fmt::Display for BackupSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counts: Vec<String> = self
            .counts
            .iter()
            .map(|(t, n)| format!("{n} {t}"))
            .collect();
        write!(
            f,
            "{} ({} bytes; checked: {})",
            self.path.display(),
            self.bytes,
            counts.join(", ")
        )
    }
}

const COUNTED: [&str; 5] = [
    "support_groups",
    "members",
    "meetings",
    "attendance",
    "accounts",
];

fn sqlite_path(url: &str) -> Result<PathBuf, String> {
    let options = SqliteConnectOptions::from_str(url).map_err(|e| e.to_string())?;
    Ok(options.get_filename().to_path_buf())
}

async fn open_read_only(path: &Path) -> Result<SqlitePool, String> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| format!("could not open {}: {e}", path.display()))
}

/// Checks a backup file: SQLite says it is whole, and it holds Hearth's tables.
pub async fn check_backup(path: &Path) -> Result<BackupSummary, String> {
    let pool = open_read_only(path).await?;
    let result = async {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .map_err(|e| format!("{} is not a readable database: {e}", path.display()))?;
        if check != "ok" {
            return Err(format!("{} is damaged: {check}", path.display()));
        }
        let migrated: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .map_err(|_| format!("{} is not a Hearth database", path.display()))?;
        if migrated == 0 {
            return Err(format!("{} is not a Hearth database", path.display()));
        }
        let mut counts = Vec::new();
        for table in COUNTED {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .map_err(|e| format!("{} is not a Hearth database: {e}", path.display()))?;
            counts.push((table, n));
        }
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Ok(BackupSummary {
            path: path.to_path_buf(),
            bytes,
            counts,
        })
    }
    .await;
    pool.close().await;
    result
}

impl Store {
    /// Takes a consistent copy of the database into `to` (which must not exist yet) while
    /// Hearth runs, and checks it.
    pub async fn backup_to(&self, to: &Path) -> Result<BackupSummary, String> {
        if to.exists() {
            return Err(format!(
                "{} exists already: give a new file name",
                to.display()
            ));
        }
        let target = to
            .to_str()
            .ok_or_else(|| format!("{} is not a usable file name", to.display()))?;
        match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query("VACUUM INTO $1")
                    .bind(target)
                    .execute(pool)
                    .await
                    .map_err(|e| format!("the backup failed: {e}"))?;
            }
            Db::Postgres(_) => {
                if let Err(e) = export_to_file(self, to).await {
                    remove_with_sides(to);
                    return Err(format!("the backup failed: {e}"));
                }
            }
        }
        match check_backup(to).await {
            Ok(summary) => Ok(summary),
            Err(e) => {
                remove_with_sides(to);
                Err(format!(
                    "the backup did not check out, so it was removed: {e}"
                ))
            }
        }
    }
}

/// The file and SQLite's companions beside it.
fn remove_with_sides(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-lock"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
}

fn sqlite_url(path: &Path) -> Result<String, String> {
    let text = path
        .to_str()
        .ok_or_else(|| format!("{} is not a usable file name", path.display()))?;
    Ok(format!("sqlite://{text}"))
}

/// Copies the whole network into a new SQLite file, from one snapshot. The file is made in
/// rollback-journal mode, so once closed it stands alone (no -wal or -shm file is needed to
/// read it) without being reopened.
async fn export_to_file(store: &Store, to: &Path) -> Result<(), String> {
    let file = Store::open_standalone(&sqlite_url(to)?)
        .await
        .map_err(|e| format!("could not create {}: {e}", to.display()))?;
    let copied = super::portable::copy(store, &file, false).await;
    file.close().await;
    let _ = std::fs::remove_file(lock_path(to));
    copied.map(|_| ())
}

fn lock_path(path: &Path) -> PathBuf {
    let mut side = path.as_os_str().to_owned();
    side.push("-lock");
    PathBuf::from(side)
}

/// Whether a database holds anything: staff accounts or groups.
async fn has_data(path: &Path) -> Result<bool, String> {
    if !path.exists() {
        return Ok(false);
    }
    let pool = open_read_only(path).await?;
    let n: Result<i64, _> = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM accounts) + (SELECT COUNT(*) FROM support_groups)",
    )
    .fetch_one(&pool)
    .await;
    pool.close().await;
    // A database without Hearth's tables holds nothing of Hearth's.
    Ok(n.unwrap_or(0) > 0)
}

/// Restores a backup into the database at `url`. Hearth must not be running on it. Refuses a
/// database that has data unless `replace`.
pub async fn restore(url: &str, from: &Path, replace: bool) -> Result<BackupSummary, String> {
    match Backend::from_url(url).map_err(|e| e.to_string())? {
        Backend::Postgres => restore_into_postgres(url, from, replace).await,
        Backend::Sqlite => restore_sqlite(url, from, replace).await,
    }
}

/// Copies a backup file into PostgreSQL in one transaction.
async fn restore_into_postgres(
    url: &str,
    from: &Path,
    replace: bool,
) -> Result<BackupSummary, String> {
    let target = Store::open(url).await.map_err(|e| e.to_string())?;
    let result = restore_into(&target, from, replace).await;
    target.close().await;
    result
}

/// Copies a backup file into an open store (of either backend) in one transaction that
/// commits only when every table matches. The backup itself is not touched: a working copy
/// of it is brought up to this Hearth's schema first. Refuses a store that has data unless
/// `replace`.
pub async fn restore_into(
    target: &Store,
    from: &Path,
    replace: bool,
) -> Result<BackupSummary, String> {
    let summary = check_backup(from).await?;
    if super::portable::has_data(target).await? && !replace {
        return Err(
            "the database already has data: to replace it with the backup, stop Hearth and \
             run the restore again with --replace"
                .to_string(),
        );
    }
    let work = std::env::temp_dir().join(format!(
        "hearth-restore-{}-{}.db",
        std::process::id(),
        &crate::auth::new_token()[..12]
    ));
    std::fs::copy(from, &work).map_err(|e| format!("could not copy the backup: {e}"))?;
    let copied = async {
        let source = Store::open(&sqlite_url(&work)?)
            .await
            .map_err(|e| format!("the backup does not open: {e}"))?;
        let copied = super::portable::copy(&source, target, replace).await;
        source.close().await;
        copied
    }
    .await;
    remove_with_sides(&work);
    copied?;
    Ok(summary)
}

async fn restore_sqlite(url: &str, from: &Path, replace: bool) -> Result<BackupSummary, String> {
    let summary = check_backup(from).await?;
    let target = sqlite_path(url)?;
    if has_data(&target).await? && !replace {
        return Err(format!(
            "{} already has data: to replace it with the backup, stop Hearth and run the \
             restore again with --replace",
            target.display()
        ));
    }
    let mut staging = target.clone().into_os_string();
    staging.push(".restoring");
    let staging = PathBuf::from(staging);
    std::fs::copy(from, &staging).map_err(|e| format!("could not copy the backup: {e}"))?;
    // The old database's write-ahead log must not be replayed onto the restored file.
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            std::fs::remove_file(&side)
                .map_err(|e| format!("could not remove {}: {e}", side.display()))?;
        }
    }
    std::fs::rename(&staging, &target)
        .map_err(|e| format!("could not put the backup in place: {e}"))?;
    // Opening it runs any newer migrations, as starting Hearth would.
    let store = Store::open(url)
        .await
        .map_err(|e| format!("the restored database does not open: {e}"))?;
    store.close().await;
    Ok(BackupSummary {
        path: target,
        ..summary
    })
}

/// One scheduled backup: where it went and how big it was, or why it failed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BackupRun {
    pub started_at: i64,
    pub finished_at: i64,
    /// The file's name in the backup directory (empty when it failed).
    pub file: String,
    pub bytes: i64,
    /// Empty when it worked.
    pub error: String,
}

impl BackupRun {
    pub fn failed(&self) -> bool {
        !self.error.is_empty()
    }
}

impl Store {
    /// Records a scheduled backup's outcome.
    pub async fn record_backup(&self, run: &BackupRun) -> super::StoreResult<()> {
        super::on_db!(self, pool => sqlx::query(
            "INSERT INTO backups (started_at, finished_at, file, bytes, error)
             VALUES ($1, $2, $3, $4, $5)")
            .bind(run.started_at).bind(run.finished_at).bind(&run.file).bind(run.bytes)
            .bind(&run.error).execute(pool).await.map(|_| ()))
        .map_err(super::StoreError::from_sqlx)
    }

    /// The latest scheduled backup, and the latest one that worked (the same when it worked).
    pub async fn last_backups(&self) -> super::StoreResult<(Option<BackupRun>, Option<BackupRun>)> {
        const COLUMNS: &str = "started_at, finished_at, file, bytes, error";
        let last = super::on_db!(self, pool => sqlx::query_as::<_, BackupRun>(&format!(
            "SELECT {COLUMNS} FROM backups ORDER BY id DESC LIMIT 1"))
            .fetch_optional(pool).await)
        .map_err(super::StoreError::from_sqlx)?;
        let good = match &last {
            Some(run) if !run.failed() => Some(run.clone()),
            _ => super::on_db!(self, pool => sqlx::query_as::<_, BackupRun>(&format!(
                "SELECT {COLUMNS} FROM backups WHERE error = '' ORDER BY id DESC LIMIT 1"))
                .fetch_optional(pool).await)
            .map_err(super::StoreError::from_sqlx)?,
        };
        Ok((last, good))
    }
}

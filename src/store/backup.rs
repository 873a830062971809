//! Backups of the embedded database, taken while Hearth runs, and restoring one.
//!
//! On SQLite a backup is `VACUUM INTO` a new file: one read transaction, so the copy is
//! consistent and includes what is still in the write-ahead log (a plain copy of the database
//! file while Hearth runs misses those writes). The copy is then opened on its own and checked
//! (`PRAGMA integrity_check`, and that it is a Hearth database). A restore refuses a database
//! that already has data unless told to replace it, writes beside the target and renames into
//! place, so a failure half-way leaves the old database as it was. On PostgreSQL use
//! `pg_dump`/`pg_restore` (docs/operations.md); Hearth's own export for it is not built yet.

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
        let Db::Sqlite(pool) = &self.db else {
            return Err(
                "On PostgreSQL, back up with pg_dump (see docs/operations.md): Hearth's own \
                 export for PostgreSQL is not built yet."
                    .into(),
            );
        };
        if to.exists() {
            return Err(format!(
                "{} exists already: give a new file name",
                to.display()
            ));
        }
        let target = to
            .to_str()
            .ok_or_else(|| format!("{} is not a usable file name", to.display()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(pool)
            .await
            .map_err(|e| format!("the backup failed: {e}"))?;
        match check_backup(to).await {
            Ok(summary) => Ok(summary),
            Err(e) => {
                let _ = std::fs::remove_file(to);
                Err(format!(
                    "the backup did not check out, so it was removed: {e}"
                ))
            }
        }
    }
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

/// Restores a backup into the database at `url` (SQLite; Hearth must not be running on it).
/// Refuses a database that has data unless `replace`.
pub async fn restore(url: &str, from: &Path, replace: bool) -> Result<BackupSummary, String> {
    match Backend::from_url(url).map_err(|e| e.to_string())? {
        Backend::Postgres => {
            return Err("On PostgreSQL, restore with pg_restore (see docs/operations.md).".into());
        }
        Backend::Sqlite => {}
    }
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

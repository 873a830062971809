//! Backups on a schedule (`hearth serve --backup-dir DIR --backup-every 24h --backup-keep 7`).
//!
//! Each period has one job in the job queue (its key names the period), so when several
//! instances run on one PostgreSQL database exactly one of them takes each backup: the job is
//! leased to one worker, as an email is. The backup is `Store::backup_to` (SQLite's
//! `VACUUM INTO`, or Hearth's portable file from a PostgreSQL snapshot), checked, written as
//! `hearth-backup-<UTC time>-<job>.db` in the directory; then only the newest `keep` such files
//! stay. Every run is recorded in the `backups` table, so any instance's /healthz, /metrics and
//! the coordinators' overview can say when the last one was made, how big it was, or why it
//! failed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::store::backup::BackupRun;
use crate::store::{Job, Store, now};

/// Where and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSchedule {
    pub dir: PathBuf,
    pub every: Duration,
    /// How many backups to keep (at least one).
    pub keep: usize,
}

/// Reads a period such as `90s`, `30m`, `6h`, `1d` or `2w`.
pub fn parse_every(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a period like 30m, 6h or 1d"))?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" | "" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("{text:?} is not a period like 30m, 6h or 1d")),
    };
    if n == 0 {
        return Err("the period must be more than nothing".into());
    }
    Ok(Duration::from_secs(n.saturating_mul(seconds)))
}

/// The files this schedule made, oldest first.
fn backup_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("hearth-backup-") && n.ends_with(".db"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Removes what backups cut off half-way left behind (the file and SQLite's companions): only
/// files older than a job's lease, since another instance may be writing its own backup into
/// the same directory now.
fn remove_partial_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let lease = Duration::from_secs(LEASE_SECS as u64);
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > lease);
        if name.starts_with(".hearth-backup-") && name.contains(".partial") && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// How long one instance holds a backup job (a backup of a large network takes minutes).
const LEASE_SECS: i64 = 3600;

/// Takes backups while the server runs: looks every minute (or each period, if shorter)
/// whether this period's backup is due, and takes it if no other instance has.
pub async fn run_schedule(store: Store, schedule: BackupSchedule, worker: String) {
    let every = schedule.every.as_secs().max(1) as i64;
    let look = Duration::from_secs((every as u64).clamp(1, 60));
    loop {
        let t = now();
        let slot = t / every;
        if let Err(e) = store
            .enqueue_job(
                crate::store::JobKind::Backup,
                &format!("backup:{every}:{slot}"),
                slot * every,
            )
            .await
        {
            tracing::warn!(error = %e, "could not queue the scheduled backup");
        }
        loop {
            match store
                .claim_job_of_kind(crate::store::JobKind::Backup, &worker, LEASE_SECS)
                .await
            {
                Ok(Some(job)) => take(&store, &schedule, &worker, job).await,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not take the backup job");
                    break;
                }
            }
        }
        tokio::time::sleep(look).await;
    }
}

async fn take(store: &Store, schedule: &BackupSchedule, worker: &str, job: Job) {
    let started_at = now();
    let stamp = jiff::Timestamp::from_second(started_at)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|_| started_at.to_string());
    let name = format!("hearth-backup-{stamp}-{}.db", job.id);
    // Written under a name of its own and renamed when checked, so a backup cut off half-way
    // (the server stopped) is never taken for one; such leftovers go the next time.
    let partial = schedule.dir.join(format!(".{name}.partial"));
    let outcome = match std::fs::create_dir_all(&schedule.dir) {
        Ok(()) => {
            remove_partial_files(&schedule.dir);
            match store.backup_to(&partial).await {
                Ok(summary) => std::fs::rename(&partial, schedule.dir.join(&name))
                    .map(|()| crate::store::backup::BackupSummary {
                        path: schedule.dir.join(&name),
                        ..summary
                    })
                    .map_err(|e| format!("could not name the backup {name}: {e}")),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(format!(
            "could not make the directory {}: {e}",
            schedule.dir.display()
        )),
    };
    let run = match &outcome {
        Ok(summary) => BackupRun {
            started_at,
            finished_at: now(),
            file: name,
            bytes: i64::try_from(summary.bytes).unwrap_or(i64::MAX),
            error: String::new(),
        },
        Err(e) => BackupRun {
            started_at,
            finished_at: now(),
            file: String::new(),
            bytes: 0,
            error: e.clone(),
        },
    };
    match &outcome {
        Ok(summary) => {
            tracing::info!(file = %summary.path.display(), bytes = summary.bytes, "backup taken");
            let files = backup_files(&schedule.dir);
            let extra = files.len().saturating_sub(schedule.keep.max(1));
            for old in &files[..extra] {
                if let Err(e) = std::fs::remove_file(old) {
                    tracing::warn!(file = %old.display(), error = %e, "could not remove an old backup");
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "the scheduled backup failed"),
    }
    if let Err(e) = store.record_backup(&run).await {
        tracing::warn!(error = %e, "could not record the backup");
    }
    let done = match outcome {
        Ok(_) => store.job_sent(job.id, worker).await,
        // The next period's job tries again.
        Err(e) => store.job_failed(&job, worker, &e, None).await,
    };
    if let Err(e) = done {
        tracing::warn!(error = %e, "could not close the backup job");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_people_write_them() {
        assert_eq!(parse_every("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_every("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_every("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_every("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_every("6"), Ok(Duration::from_secs(6 * 3600)));
        assert!(parse_every("0h").is_err());
        assert!(parse_every("daily").is_err());
        assert!(parse_every("3y").is_err());
    }
}

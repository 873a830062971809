//! The job queue for email, kept in the database so that nothing queued is lost on a restart
//! and several instances share the work. Each message has a unique `dedupe_key`, so queueing
//! the same reminder twice (or from two instances) keeps one job. A job is claimed with a
//! lease (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two instances never take the same
//! job), then marked sent, or retried later with back-off, or failed for good.

use crate::domain::ids::{GroupId, MeetingId, MemberId};
use serde::Serialize;

use super::BeginWrite;
use super::{Backend, GroupAccess, Store, StoreError, StoreResult, now, on_db};

crate::domain::text_enum::text_enum! {
    /// What a job does.
    pub enum JobKind {
        Email = ("email", "Email"),
        Backup = ("backup", "Backup"),
        Retention = ("retention", "Removing records past their time"),
    }
}

crate::domain::text_enum::text_enum! {
    /// Where a job is: waiting (or waiting to try again), done, or given up.
    pub enum JobStatus {
        Pending = ("pending", "Waiting"),
        Sent = ("sent", "Sent"),
        Failed = ("failed", "Failed"),
    }
}

/// After this many attempts a message is given up and shown as failed.
pub const MAX_ATTEMPTS: i64 = 8;

#[derive(Debug, Clone)]
pub struct NewEmail {
    pub dedupe_key: String,
    pub group_id: Option<GroupId>,
    pub member_id: Option<MemberId>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub run_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub dedupe_key: String,
    pub group_id: Option<GroupId>,
    pub member_id: Option<MemberId>,
    pub recipient: String,
    pub subject: String,
    #[serde(skip)]
    pub body_text: String,
    #[serde(skip)]
    pub body_html: String,
    pub status: JobStatus,
    pub run_at: i64,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: i64,
    pub done_at: Option<i64>,
}

const JOB_COLUMNS: &str = "id, kind, dedupe_key, group_id, member_id, recipient, subject,
    body_text, body_html, status, run_at, attempts, last_error, created_at, done_at";

/// A reminder that is due: a planned meeting within its group's reminder window and a member
/// who uses email and has not said they cannot come.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueReminder {
    pub meeting_id: MeetingId,
    pub group_id: GroupId,
    pub starts_at: i64,
    pub member_id: MemberId,
    pub email: String,
}

/// The email queue at a glance (/metrics).
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct QueueCounts {
    pub pending: i64,
    pub retrying: i64,
    pub failed: i64,
    pub sent: i64,
}

impl Store {
    /// How many messages wait, wait to be tried again, failed for good and were sent.
    pub async fn email_queue(&self) -> StoreResult<QueueCounts> {
        on_db!(self, pool => sqlx::query_as::<_, QueueCounts>(
            "SELECT COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
                    COALESCE(SUM(CASE WHEN status = 'pending' AND attempts > 0 THEN 1 ELSE 0 END), 0) AS retrying,
                    COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
                    COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0) AS sent
             FROM jobs WHERE kind = 'email'")
            .fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Queues messages in one transaction; a message whose key is queued already is left
    /// alone. Returns how many were newly queued.
    pub async fn enqueue_emails(&self, emails: &[NewEmail]) -> StoreResult<u64> {
        if emails.is_empty() {
            return Ok(0);
        }
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut added = 0;
            for e in emails {
                added += sqlx::query(
                    "INSERT INTO jobs (kind, dedupe_key, group_id, member_id, recipient, subject,
                        body_text, body_html, run_at, created_at)
                     VALUES ('email', $1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (dedupe_key) DO NOTHING")
                    .bind(&e.dedupe_key).bind(e.group_id).bind(e.member_id).bind(&e.recipient)
                    .bind(&e.subject).bind(&e.body_text).bind(&e.body_html).bind(e.run_at).bind(t)
                    .execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            Ok(added)
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Takes the next due job for `worker`, leasing it for `lease_secs`; None when nothing is
    /// due. Two workers never hold the same job.
    pub async fn claim_job(&self, worker: &str, lease_secs: i64) -> StoreResult<Option<Job>> {
        self.claim_job_of_kind(JobKind::Email, worker, lease_secs)
            .await
    }

    /// Takes the next due job of one kind .
    pub async fn claim_job_of_kind(
        &self,
        kind: JobKind,
        worker: &str,
        lease_secs: i64,
    ) -> StoreResult<Option<Job>> {
        let t = now();
        let skip_locked = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1
             WHERE id = (SELECT id FROM jobs
                         WHERE status = 'pending' AND run_at <= $3 AND kind = $4
                           AND (locked_until IS NULL OR locked_until < $3)
                         ORDER BY run_at, id LIMIT 1 {skip_locked})
               AND status = 'pending' AND (locked_until IS NULL OR locked_until < $3)
             RETURNING {JOB_COLUMNS}"
        );
        on_db!(self, pool => sqlx::query_as::<_, Job>(&sql)
            .bind(t + lease_secs).bind(worker).bind(t).bind(kind).fetch_all(pool).await.map(super::first_of))
        .map_err(StoreError::from_sqlx)
    }

    /// Queues a job that is not an email (a scheduled backup), once per key.
    pub async fn enqueue_job(
        &self,
        kind: JobKind,
        dedupe_key: &str,
        run_at: i64,
    ) -> StoreResult<bool> {
        on_db!(self, pool => sqlx::query(
            "INSERT INTO jobs (kind, dedupe_key, recipient, subject, body_text, body_html, run_at,
                created_at)
             VALUES ($1, $2, '', '', '', '', $3, $4)
             ON CONFLICT (dedupe_key) DO NOTHING")
            .bind(kind).bind(dedupe_key).bind(run_at).bind(now())
            .execute(pool).await.map(|r| r.rows_affected() > 0))
        .map_err(StoreError::from_sqlx)
    }

    /// Hands back the leases a worker holds on jobs it did not finish (it is stopping), so
    /// another instance takes them at once rather than when the lease runs out; the attempt
    /// does not count.
    pub async fn release_jobs(&self, worker: &str) -> StoreResult<u64> {
        on_db!(self, pool => sqlx::query(
            "UPDATE jobs SET locked_until = NULL, attempts = CASE WHEN attempts > 0
                THEN attempts - 1 ELSE 0 END
             WHERE locked_by = $1 AND status = 'pending' AND locked_until IS NOT NULL")
            .bind(worker).execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)
    }

    /// Marks a job sent (only by the worker holding it).
    pub async fn job_sent(&self, id: i64, worker: &str) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query(
            "UPDATE jobs SET status = 'sent', done_at = $1, locked_until = NULL, last_error = ''
             WHERE id = $2 AND locked_by = $3")
            .bind(now()).bind(id).bind(worker).execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// Records a failed attempt: tried again at `retry_at`, or failed for good when that is
    /// None or the attempts are used up.
    pub async fn job_failed(
        &self,
        job: &Job,
        worker: &str,
        error: &str,
        retry_at: Option<i64>,
    ) -> StoreResult<()> {
        let give_up = retry_at.is_none() || job.attempts >= MAX_ATTEMPTS;
        let (status, run_at) = if give_up {
            (JobStatus::Failed, job.run_at)
        } else {
            (JobStatus::Pending, retry_at.unwrap_or(job.run_at))
        };
        on_db!(self, pool => sqlx::query(
            "UPDATE jobs SET status = $1, run_at = $2, last_error = $3, locked_until = NULL,
                done_at = CASE WHEN $1 = 'failed' THEN $4 ELSE NULL END
             WHERE id = $5 AND locked_by = $6")
            .bind(status).bind(run_at).bind(error).bind(now()).bind(job.id).bind(worker)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// A group's recent messages, newest first.
    pub async fn jobs_of_group(&self, group: &GroupAccess, limit: i64) -> StoreResult<Vec<Job>> {
        let group_id = group.id();
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE group_id = $1
             ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        on_db!(self, pool => sqlx::query_as::<_, Job>(&sql).bind(group_id).bind(limit)
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Reminders now due that have not been queued yet.
    pub async fn due_reminders(&self, at: i64) -> StoreResult<Vec<DueReminder>> {
        on_db!(self, pool => sqlx::query_as::<_, DueReminder>(
            "SELECT mt.id AS meeting_id, mt.group_id, mt.starts_at, m.id AS member_id, m.email
             FROM meetings mt
             JOIN support_groups g ON g.id = mt.group_id
             JOIN members m ON m.group_id = mt.group_id
             WHERE mt.status = 'planned' AND g.reminder_hours > 0
               AND mt.starts_at > $1 AND mt.starts_at - g.reminder_hours * 3600 <= $1
               AND m.left_on IS NULL AND m.email <> '' AND m.preferred_contact = 'email'
               AND NOT EXISTS (SELECT 1 FROM rsvps r
                               WHERE r.meeting_id = mt.id AND r.member_id = m.id AND r.answer = 'no')
               AND NOT EXISTS (SELECT 1 FROM jobs j
                               WHERE j.dedupe_key = 'reminder:' || mt.id || ':' || m.id || ':' || mt.starts_at)
             ORDER BY mt.starts_at, m.id")
            .bind(at).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// The members of a group that email reaches: current, with an address, preferring email.
    pub(crate) async fn email_members(
        &self,
        group: &impl super::GroupScope,
    ) -> StoreResult<Vec<(MemberId, String, String)>> {
        let group_id = group.group_id();
        on_db!(self, pool => sqlx::query_as::<_, (MemberId, String, String)>(
            "SELECT id, preferred_name, email FROM members
             WHERE group_id = $1 AND left_on IS NULL AND email <> '' AND preferred_contact = 'email'
             ORDER BY id")
            .bind(group_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// How many messages have keys like any of `patterns` (SQL LIKE): it only grows, so it
    /// can tell "after a change" apart in another key.
    pub async fn count_jobs_like(&self, patterns: &[&str]) -> StoreResult<i64> {
        let mut total = 0;
        for p in patterns {
            total += on_db!(self, pool => sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE $1")
                .bind(*p).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)?;
        }
        Ok(total)
    }

    /// Stores the hash of a personal link minted for one email.
    pub async fn add_mail_link(&self, member_id: MemberId, token_hash: &str) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query(
            "INSERT INTO mail_links (member_id, token_hash, created_at) VALUES ($1, $2, $3)")
            .bind(member_id).bind(token_hash).bind(now()).execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }
}

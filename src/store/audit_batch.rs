//! Audit events written in batches, each batch one transaction.
//!
//! Every view of a member's sensitive records writes an audit event before the page is sent,
//! kept pages included (issue 18). Written one transaction each, those views were bounded by
//! the database's commits, one at a time: on SQLite with `synchronous=FULL`, each commit
//! waits for the disk, and a kept members list fell from 38,000 to 940 views a second with a
//! p99 of 620 ms (bench/run, 32 connections). So the events that arrive while another batch is
//! being written are gathered and written in one transaction, as a database gathers commits:
//! each request still waits until its own event is committed (nothing is answered before its
//! audit event is durable), but many requests share one commit.
//!
//! Order is kept where it matters: one request's events are written in the order it asks
//! (it waits for each), and within a batch in the order they arrived.

use tokio::sync::{mpsc, oneshot};

use super::{BeginWrite, Db, StoreError, StoreResult};

/// Writes a batch of events (and the members each names) in one transaction.
macro_rules! write_all {
    ($pool:expr, $batch:expr) => {
        async {
            let mut tx = $pool.begin_write().await?;
            for (event, _) in $batch {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO audit_events (at, actor, action, subject, detail, request_id)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(event.at)
                .bind(&event.actor)
                .bind(&event.action)
                .bind(&event.subject)
                .bind(&event.detail)
                .bind(&event.request_id)
                .fetch_one(&mut *tx)
                .await?;
                for chunk in event.members.chunks(500) {
                    let sql = format!(
                        "INSERT INTO audit_members (event_id, member_id)
                         SELECT $1, id FROM members WHERE id IN ({})",
                        super::placeholders_from(2, chunk.len())
                    );
                    let mut q = sqlx::query(&sql).bind(id);
                    for m in chunk {
                        q = q.bind(*m);
                    }
                    q.execute(&mut *tx).await?;
                }
            }
            tx.commit().await
        }
        .await
    };
}

/// The most events one transaction writes.
const MOST_PER_BATCH: usize = 256;

/// One event to write.
pub(crate) struct Event {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    /// The request that wrote it (`crate::request`), to join it to the log.
    pub request_id: Option<String>,
    /// Members it names (sorted, without repeats); those no longer there are left out.
    pub members: Vec<i64>,
}

/// An event waiting in the queue, and whom to tell when it is committed.
type Pending = (Event, oneshot::Sender<StoreResult<()>>);

/// The batcher one store (and its clones) shares. Its task starts with the first event, on the
/// runtime that writes it, and stops when the store is dropped (or its runtime ends: the next
/// event then starts another).
#[derive(Debug, Default)]
pub(crate) struct AuditBatches {
    queue: std::sync::Mutex<Option<mpsc::UnboundedSender<Pending>>>,
}

impl AuditBatches {
    /// Writes one event through a batch, answering once it is committed.
    pub(crate) async fn write(&self, db: &Db, event: Event) -> StoreResult<()> {
        let gone = || StoreError::Other(sqlx::Error::WorkerCrashed);
        let (reply, answer) = oneshot::channel();
        {
            let mut queue = self.queue.lock().map_err(|_| gone())?;
            if queue.as_ref().is_none_or(|q| q.is_closed()) {
                *queue = Some(start(db.clone()));
            }
            queue
                .as_ref()
                .ok_or_else(gone)?
                .send((event, reply))
                .map_err(|_| gone())?;
        }
        answer.await.map_err(|_| gone())?
    }
}

/// Starts the one task that writes: it takes the first event waiting, gathers every other one
/// waiting by then, writes them in one transaction and answers each. One transaction is in
/// flight at a time: the events that arrive while it commits make the next batch.
fn start(db: Db) -> mpsc::UnboundedSender<Pending> {
    let (events, mut queue) = mpsc::unbounded_channel::<Pending>();
    tokio::spawn(async move {
        while let Some(batch) = super::batch::next_batch(&mut queue, MOST_PER_BATCH).await {
            let written = match &db {
                Db::Sqlite(pool) => write_all!(pool, &batch),
                Db::Postgres(pool) => write_all!(pool, &batch),
            };
            match written {
                Ok(()) => {
                    for (_, reply) in batch {
                        let _ = reply.send(Ok(()));
                    }
                }
                Err(e) => {
                    let message = e.to_string();
                    for (_, reply) in batch {
                        let _ = reply.send(Err(StoreError::from_sqlx(sqlx::Error::Protocol(
                            format!("writing audit events: {message}"),
                        ))));
                    }
                }
            }
        }
    });
    events
}

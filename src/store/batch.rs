//! The page cache's checks, asked in batches.
//!
//! A page the page cache has kept costs one query: who the cookie or token signs in, and the
//! data versions the page depends on. Asked one request at a time, that query's cost was
//! mostly the asking, not the answer: on PostgreSQL a round trip to a server process (the
//! server waking, binding, sending one row; the client encoding, waking, decoding), on SQLite
//! two thread switches (sqlx runs each connection on a thread of its own and hands it every
//! query) — 40% of the CPU of a kept page. So the checks that arrive while another is in
//! flight are gathered and asked in one statement, much as a database gathers commits: a
//! request waits at most for the batch before its own.
//!
//! Nothing is trusted for longer than before. Every request's check is answered by a statement
//! that *began after the request asked*, in one snapshot, so a sign-out or a change committed
//! (on any instance) before a request arrived is seen by that request exactly as when each
//! request asked alone.
//!
//! A calendar feed signs nobody in: its check asks only for the versions of the feed's group.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use super::accounts::{AccountRow, GROUPS_OF_A, session_account, token_account};
use super::{Db, StoreError, StoreResult, VersionScope, now};
use crate::domain::access::Staff;

/// The most checks one statement answers.
const MOST_PER_BATCH: usize = 256;

/// What a check answers: who is signed in (None when nobody, or when the check signs nobody
/// in), and the scope's versions (None when the scope names nothing).
pub(crate) type Checked = (Option<Staff>, Option<(i64, i64)>);

/// Who a check signs in: a session's (or, when the flag is set, an API token's) hash.
pub(crate) type SignInBy<'a> = Option<(&'a str, bool)>;

struct Ask {
    /// The session's or API token's hash, and whether it is a token; None for a page anyone
    /// with its address may see (a calendar feed).
    sign_in: Option<(String, bool)>,
    scope: VersionScope,
    reply: oneshot::Sender<StoreResult<Checked>>,
}

/// The batcher one store (and its clones) shares. Its task starts with the first check, on the
/// runtime that asks, and stops when the store is dropped (or its runtime ends: the next check
/// then starts another).
#[derive(Debug, Default)]
pub(crate) struct SignInBatches {
    asks: std::sync::Mutex<Option<mpsc::UnboundedSender<Ask>>>,
    /// Statements sent so far (each answering one batch).
    statements: Arc<AtomicU64>,
}

impl SignInBatches {
    /// Answers one check through a batch.
    pub(crate) async fn check(
        &self,
        db: &Db,
        sign_in: SignInBy<'_>,
        scope: &VersionScope,
    ) -> StoreResult<Checked> {
        let gone = || StoreError::Other(sqlx::Error::WorkerCrashed);
        let (reply, answer) = oneshot::channel();
        let ask = Ask {
            sign_in: sign_in.map(|(hash, by_token)| (hash.to_string(), by_token)),
            scope: scope.clone(),
            reply,
        };
        {
            let mut asks = self.asks.lock().map_err(|_| gone())?;
            if asks.as_ref().is_none_or(|a| a.is_closed()) {
                *asks = Some(start(db.clone(), self.statements.clone()));
            }
            asks.as_ref()
                .ok_or_else(gone)?
                .send(ask)
                .map_err(|_| gone())?;
        }
        answer.await.map_err(|_| gone())?
    }

    pub(crate) fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

/// Starts the one task that asks: it takes the first check waiting, gathers every other one
/// waiting by then, asks them in one statement and answers each. One statement is in flight
/// at a time: the checks that arrive while it runs make the next batch.
fn start(db: Db, statements: Arc<AtomicU64>) -> mpsc::UnboundedSender<Ask> {
    let (asks, mut queue) = mpsc::unbounded_channel();
    // On PostgreSQL the batch statement runs on a connection of its own that always uses its
    // generic plan (see generic_plan_pool): one statement is in flight at a time.
    let db = match db {
        Db::Postgres(pool) => Db::Postgres(super::generic_plan_pool(&pool)),
        sqlite => sqlite,
    };
    tokio::spawn(async move {
        while let Some(batch) = next_batch(&mut queue, MOST_PER_BATCH).await {
            statements.fetch_add(1, Ordering::Relaxed);
            answer(&db, batch).await;
        }
    });
    asks
}

/// The next batch from a queue: the first item waiting (None once the queue is closed), then
/// every other one waiting by then, up to `most`.
pub(crate) async fn next_batch<T>(
    queue: &mut mpsc::UnboundedReceiver<T>,
    most: usize,
) -> Option<Vec<T>> {
    let first = queue.recv().await?;
    // Woken by the first item, the task runs straight after the request that sent it (tokio
    // runs a task it has just woken next): it steps back once so requests already under way
    // reach their own and join this batch (about a fifth fewer statements under load,
    // measured).
    tokio::task::yield_now().await;
    let mut batch = vec![first];
    while batch.len() < most {
        match queue.try_recv() {
            Ok(item) => batch.push(item),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// One row of the batch statement: an account found by a session or token hash (kind 0, 1),
/// or a version found by group id, meeting id, feed hash or for the network (kind 2–5).
#[derive(sqlx::FromRow)]
struct BatchRow {
    kind: i32,
    hash: Option<String>,
    num: Option<i64>,
    id: Option<i64>,
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
    groups: Option<String>,
    v1: Option<i64>,
    v2: Option<i64>,
}

/// The statement answering a batch: $1 session hashes (live at $2), $3 API token hashes, $4
/// group ids (with 0, the network-wide version), $5 meeting ids, $6 feed hashes, $7 whether the
/// network's versions are wanted. The lists are arrays on PostgreSQL and JSON arrays on SQLite
/// (which has no array type), read by `in_list`.
fn batch_sql(in_list: fn(&str) -> String) -> String {
    let none = "CAST(NULL AS BIGINT) AS id, CAST(NULL AS TEXT) AS email, \
                CAST(NULL AS TEXT) AS name, CAST(NULL AS TEXT) AS role, \
                CAST(NULL AS TEXT) AS groups";
    format!(
        "SELECT 0 AS kind, s.token_hash AS hash, CAST(NULL AS BIGINT) AS num,
                a.id, a.email, a.name, a.role, {GROUPS_OF_A},
                CAST(NULL AS BIGINT) AS v1, CAST(NULL AS BIGINT) AS v2
         {}
         UNION ALL
         SELECT 1, t.token_hash, NULL, a.id, a.email, a.name, a.role, {GROUPS_OF_A}, NULL, NULL
         {}
         UNION ALL
         SELECT 2, NULL, d.scope, {none}, d.version, NULL
         FROM data_versions d WHERE d.scope {}
         UNION ALL
         SELECT 3, NULL, m.id, {none}, d.version, NULL
         FROM meetings m JOIN data_versions d ON d.scope = m.group_id WHERE m.id {}
         UNION ALL
         SELECT 4, f.token_hash, NULL, {none}, d.version, NULL
         FROM calendar_feeds f JOIN data_versions d ON d.scope = f.group_id
         WHERE f.token_hash {}
         UNION ALL
         SELECT 5, NULL, NULL, {none},
                (SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM data_versions),
                (SELECT COUNT(*) FROM data_versions)
         WHERE $7",
        session_account(&in_list("$1")),
        token_account(&in_list("$3")),
        in_list("$4"),
        in_list("$5"),
        in_list("$6"),
    )
}

fn pg_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| batch_sql(|p| format!("= ANY({p})")))
}

fn sqlite_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| batch_sql(|p| format!("IN (SELECT value FROM json_each({p}))")))
}

async fn answer(db: &Db, batch: Vec<Ask>) {
    let mut sessions = HashSet::new();
    let mut tokens = HashSet::new();
    let mut groups = HashSet::from([0_i64]);
    let mut meetings = HashSet::new();
    let mut feeds = HashSet::new();
    let mut network = false;
    for ask in &batch {
        match &ask.sign_in {
            Some((hash, true)) => {
                tokens.insert(hash.as_str());
            }
            Some((hash, false)) => {
                sessions.insert(hash.as_str());
            }
            None => {}
        }
        match &ask.scope {
            VersionScope::Group(id) => {
                groups.insert(*id);
            }
            VersionScope::Meeting(id) => {
                meetings.insert(*id);
            }
            VersionScope::Feed(hash) => {
                feeds.insert(hash.as_str());
            }
            VersionScope::Network => network = true,
        }
    }
    let (sessions, tokens, groups, meetings, feeds): (Vec<_>, Vec<_>, Vec<_>, Vec<_>, Vec<_>) = (
        sessions.into_iter().collect(),
        tokens.into_iter().collect(),
        groups.into_iter().collect(),
        meetings.into_iter().collect(),
        feeds.into_iter().collect(),
    );
    let rows = match db {
        Db::Postgres(pool) => {
            sqlx::query_as::<_, BatchRow>(pg_sql())
                .bind(sessions)
                .bind(now())
                .bind(tokens)
                .bind(groups)
                .bind(meetings)
                .bind(feeds)
                .bind(network)
                .fetch_all(pool)
                .await
        }
        Db::Sqlite(pool) => {
            sqlx::query_as::<_, BatchRow>(sqlite_sql())
                .bind(serde_json::json!(sessions).to_string())
                .bind(now())
                .bind(serde_json::json!(tokens).to_string())
                .bind(serde_json::json!(groups).to_string())
                .bind(serde_json::json!(meetings).to_string())
                .bind(serde_json::json!(feeds).to_string())
                .bind(network)
                .fetch_all(pool)
                .await
        }
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            let message = e.to_string();
            for ask in batch {
                let _ = ask.reply.send(Err(StoreError::Other(sqlx::Error::Protocol(
                    message.clone(),
                ))));
            }
            return;
        }
    };
    let mut accounts = HashMap::new();
    let (mut of_group, mut of_meeting, mut of_feed) =
        (HashMap::new(), HashMap::new(), HashMap::new());
    let mut network_versions = None;
    for row in rows {
        let (num, hash) = (row.num.unwrap_or_default(), row.hash.unwrap_or_default());
        match (row.kind, row.v1) {
            (0 | 1, _) => {
                let account = AccountRow {
                    id: row.id.unwrap_or_default(),
                    email: row.email.unwrap_or_default(),
                    name: row.name.unwrap_or_default(),
                    role: row.role.unwrap_or_default(),
                    groups: row.groups,
                };
                accounts.insert((hash, row.kind == 1), account);
            }
            (2, Some(v)) => {
                of_group.insert(num, v);
            }
            (3, Some(v)) => {
                of_meeting.insert(num, v);
            }
            (4, Some(v)) => {
                of_feed.insert(hash, v);
            }
            (5, v1) => network_versions = v1.zip(row.v2),
            _ => {}
        }
    }
    let everyone = of_group.get(&0).copied();
    for ask in batch {
        let page_versions = match &ask.scope {
            VersionScope::Group(id) => of_group.get(id).copied().zip(everyone),
            VersionScope::Meeting(id) => of_meeting.get(id).copied().zip(everyone),
            VersionScope::Feed(hash) => of_feed.get(hash).copied().zip(everyone),
            VersionScope::Network => network_versions,
        };
        let staff = ask
            .sign_in
            .and_then(|key| accounts.get(&key).cloned())
            .map(AccountRow::into_staff);
        let _ = ask.reply.send(Ok((staff, page_versions)));
    }
}

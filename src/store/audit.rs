//! The audit trail: who viewed or changed sensitive records, and when.

use crate::domain::ids::MemberId;
use serde::Serialize;

use std::future::Future;
use std::sync::{Arc, Mutex};

use super::{Store, StoreError, StoreResult, now, on_db};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEvent {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    /// The id of the request that wrote it (`X-Request-Id`, and the request's log lines);
    /// None for events written outside a request (jobs, the command line) or before 0033.
    pub request_id: Option<String>,
}

/// A look at sensitive records (needs, story, concerns, reflections, goals and plans,
/// check-ins, the contact record) by one viewer: what the store reads, and whom it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// The members whose records were shown.
    pub members: Vec<i64>,
}

tokio::task_local! {
    /// The reads made while answering the current request (see `collect_reads`).
    static READS: Arc<Mutex<Vec<Read>>>;
}

/// Runs `f` (the handling of one request), gathering the reads the store makes on its way
/// instead of writing each: the caller writes them as one event with `Store::record_reads`,
/// so a response is audited once however many records it shows.
pub async fn collect_reads<F: Future>(f: F) -> (F::Output, Vec<Read>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let out = READS.scope(log.clone(), f).await;
    let reads = log
        .lock()
        .map(|mut l| std::mem::take(&mut *l))
        .unwrap_or_default();
    (out, reads)
}

/// How many reads the current request has made so far (0 outside a request).
pub fn reads_made() -> usize {
    READS
        .try_with(|log| log.lock().map(|l| l.len()).unwrap_or(0))
        .unwrap_or(0)
}

/// The reads the current request made after the first `since`: what the page cache keeps
/// with a page, to record again each time it serves it.
pub fn reads_since(since: usize) -> Vec<Read> {
    READS
        .try_with(|log| {
            log.lock()
                .map(|l| l.get(since..).unwrap_or_default().to_vec())
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// Records `reads` as made by the current request (a page served from the cache shows what
/// it showed when it was made). Outside a request there is nothing to record them in: false.
pub fn replay(reads: &[Read]) -> bool {
    READS
        .try_with(|log| {
            if let Ok(mut l) = log.lock() {
                l.extend_from_slice(reads);
            }
        })
        .is_ok()
}

/// The member a subject such as `member:12` names.
fn member_of_subject(subject: &str) -> Option<i64> {
    subject.strip_prefix("member:")?.parse().ok()
}

impl Store {
    /// Records that someone looked at sensitive records: within a request, gathered and
    /// written once for the response (`collect_reads`); otherwise (a job, the command line)
    /// written at once.
    pub async fn audit_read(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        members: &[MemberId],
    ) -> StoreResult<()> {
        let read = Read {
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            members: members.iter().map(|m| m.get()).collect(),
        };
        if replay(std::slice::from_ref(&read)) {
            return Ok(());
        }
        self.record_reads(vec![read]).await
    }

    /// Records that `rows`, read from `group`, were shown, naming each member they hold
    /// (`member`): for lists of sensitive records read by a capability. A list with nothing in
    /// it showed nothing, and is not recorded.
    pub(crate) async fn audited<T>(
        &self,
        group: &super::GroupAccess,
        action: &str,
        rows: Vec<T>,
        member: impl Fn(&T) -> Option<MemberId>,
    ) -> StoreResult<Vec<T>> {
        if !rows.is_empty() {
            let mut shown: Vec<MemberId> = rows.iter().filter_map(&member).collect();
            shown.sort_unstable();
            shown.dedup();
            self.audit_read(
                &group.actor.to_string(),
                action,
                &format!("group:{}", group.id()),
                &shown,
            )
            .await?;
        }
        Ok(rows)
    }

    /// Writes a response's reads: one event per viewer (in practice one), its action the
    /// distinct actions in the order made, its subject the first read's, and every member
    /// shown named in `audit_members`.
    pub async fn record_reads(&self, reads: Vec<Read>) -> StoreResult<()> {
        // A member erased while the response was made (the erasure itself reads them first)
        // is not written back into the trail the erasure cleared.
        let named: Vec<i64> = reads
            .iter()
            .filter_map(|r| member_of_subject(&r.subject))
            .collect();
        let present = if named.is_empty() {
            Vec::new()
        } else {
            let sql = format!(
                "SELECT id FROM members WHERE id IN ({})",
                super::placeholders(named.len())
            );
            on_db!(self, pool => {
                let mut q = sqlx::query_scalar::<_, i64>(&sql);
                for id in &named {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await
            })
            .map_err(StoreError::from_sqlx)?
        };
        let mut by_actor: Vec<(String, Vec<Read>)> = Vec::new();
        for r in reads {
            if member_of_subject(&r.subject).is_some_and(|m| !present.contains(&m)) {
                continue;
            }
            match by_actor.iter_mut().find(|(a, _)| *a == r.actor) {
                Some((_, rs)) => rs.push(r),
                None => by_actor.push((r.actor.clone(), vec![r])),
            }
        }
        for (actor, reads) in by_actor {
            let mut actions: Vec<&str> = Vec::new();
            let mut subjects: Vec<&str> = Vec::new();
            let mut members: Vec<i64> = Vec::new();
            for r in &reads {
                if !actions.contains(&r.action.as_str()) {
                    actions.push(&r.action);
                }
                if !subjects.contains(&r.subject.as_str()) {
                    subjects.push(&r.subject);
                }
                members.extend(&r.members);
                members.extend(member_of_subject(&r.subject));
            }
            let detail = if subjects.len() > 1 {
                format!("also {}", subjects[1..].join(", "))
            } else {
                String::new()
            };
            self.write_event(
                &actor,
                &actions.join("; "),
                subjects.first().copied().unwrap_or(""),
                &detail,
                &members,
            )
            .await?;
        }
        Ok(())
    }

    /// Records something done to a record (a change, a link issued, an erasure): written at
    /// once, never merged. A subject `member:N` names that member in `audit_members`.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> StoreResult<()> {
        let members: Vec<i64> = member_of_subject(subject).into_iter().collect();
        self.write_event(actor, action, subject, detail, &members)
            .await
    }

    /// One event and the members it names, in one transaction. Members no longer there (erased
    /// meanwhile) are left out.
    async fn write_event(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
        members: &[i64],
    ) -> StoreResult<()> {
        let mut members = members.to_vec();
        members.sort_unstable();
        members.dedup();
        // Written with the other events arriving meanwhile, in one transaction; answered once
        // committed (audit_batch.rs).
        self.count_query();
        self.audit_batches
            .write(
                &self.db,
                super::audit_batch::Event {
                    at: now(),
                    actor: actor.to_string(),
                    action: action.to_string(),
                    subject: subject.to_string(),
                    detail: detail.to_string(),
                    request_id: crate::request::current_id(),
                    members,
                },
            )
            .await
    }

    /// The most recent events about one subject (e.g. `group:3`), newest first.
    pub async fn audit_for(&self, subject: &str, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        on_db!(self, pool => sqlx::query_as::<_, AuditEvent>(
            "SELECT id, at, actor, action, subject, detail, request_id FROM audit_events
             WHERE subject = $1 ORDER BY at DESC, id DESC LIMIT $2")
            .bind(subject).bind(limit).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// The most recent events that name a member (about them alone, or showing them among
    /// others), newest first.
    pub async fn audit_naming(
        &self,
        member_id: MemberId,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        on_db!(self, pool => sqlx::query_as::<_, AuditEvent>(
            "SELECT e.id, e.at, e.actor, e.action, e.subject, e.detail, e.request_id
             FROM audit_members am JOIN audit_events e ON e.id = am.event_id
             WHERE am.member_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT $2")
            .bind(member_id).bind(limit).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

/// A member of staff who looked at a member's record, for the member's own page.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Looker {
    pub name: String,
    /// coordinator or facilitator.
    pub role: String,
    /// When they last looked or changed something (Unix seconds).
    pub last_at: i64,
}

impl Store {
    /// Who (name and role) has looked at or changed the member's record since `since`, most
    /// recent first: what a member sees on their own page.
    pub async fn who_looked(
        &self,
        member: &impl super::MemberScope,
        since: i64,
    ) -> StoreResult<Vec<Looker>> {
        on_db!(self, pool => sqlx::query_as::<_, Looker>(
            "SELECT a.name, a.role, MAX(e.at) AS last_at
             FROM audit_members am JOIN audit_events e ON e.id = am.event_id
             JOIN accounts a ON e.actor = 'account:' || a.id
             WHERE am.member_id = $1 AND e.at >= $2
             GROUP BY a.id, a.name, a.role
             ORDER BY MAX(e.at) DESC, a.name")
            .bind(member.member_id()).bind(since).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

/// What the coordinators' audit page and API ask for: any of a member, a member of staff and
/// a range of days (`from` and `to` as Unix seconds, `to` exclusive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub member_id: Option<MemberId>,
    pub account_id: Option<i64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Store {
    /// The audit trail, newest first, filtered (coordinators only).
    pub async fn audit_search(
        &self,
        viewer: &crate::domain::access::Staff,
        filter: &AuditFilter,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        let actor = filter.account_id.map(|a| format!("account:{a}"));
        // An event names a member when it is about them alone or shows them among others.
        on_db!(self, pool => sqlx::query_as::<_, AuditEvent>(
            "SELECT id, at, actor, action, subject, detail, request_id FROM audit_events e
             WHERE ($1 IS NULL OR EXISTS
                    (SELECT 1 FROM audit_members am WHERE am.event_id = e.id AND am.member_id = $1))
               AND ($2 IS NULL OR actor = $2)
               AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4)
             ORDER BY at DESC, id DESC LIMIT $5")
            .bind(filter.member_id).bind(&actor).bind(filter.from).bind(filter.to).bind(limit)
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }
}

impl Store {
    /// Members' preferred names by id, for the coordinators' audit page (erased members are
    /// simply not found).
    pub async fn member_names(
        &self,
        viewer: &crate::domain::access::Staff,
        ids: &[MemberId],
    ) -> StoreResult<std::collections::HashMap<MemberId, String>> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        let mut names = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT id, preferred_name FROM members WHERE id IN ({})",
                super::placeholders(chunk.len())
            );
            let rows: Vec<(MemberId, String)> = on_db!(self, pool => {
                let mut q = sqlx::query_as::<_, (MemberId, String)>(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await
            })
            .map_err(StoreError::from_sqlx)?;
            names.extend(rows);
        }
        Ok(names)
    }
}

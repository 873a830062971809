//! Members, their consents and their personal links. Staff reach a member only through a group
//! they may see; a member reaches only their own record, through their link.

use super::BeginWrite;
use super::access::{GroupAccess, MeetingAccess, MemberAccess, MemberLink, MemberScope};
use super::{Store, StoreError, StoreResult, now, on_db};
use crate::domain::access::Staff;
use crate::domain::ids::MemberId;
use crate::domain::member::{Consent, ConsentInput, Member, MemberInput};

const MEMBER_COLUMNS: &str = "m.id, m.group_id, m.preferred_name, m.full_name, m.phone, m.email, \
     m.preferred_contact, m.needs, m.needs_note, m.happy_to_share_story, m.joined_on, m.left_on";

/// Inserts one member inside an open transaction (a macro, so it serves both backends'
/// transaction types) and yields the new id.
macro_rules! insert_member {
    ($tx:expr, $group_id:expr, $m:expr) => {{
        let m = $m;
        sqlx::query_scalar::<_, MemberId>(
            "INSERT INTO members (group_id, preferred_name, full_name, phone, email,
                preferred_contact, needs, needs_note, happy_to_share_story, joined_on, left_on,
                created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
        )
        .bind($group_id)
        .bind(&m.preferred_name)
        .bind(&m.full_name)
        .bind(&m.phone)
        .bind(&m.email)
        .bind(m.preferred_contact)
        .bind(&m.needs)
        .bind(&m.needs_note)
        .bind(m.happy_to_share_story)
        .bind(&m.joined_on)
        .bind(&m.left_on)
        .bind(now())
        .fetch_one(&mut *$tx)
        .await
    }};
}

/// Records an audit event about a member inside an open transaction.
macro_rules! audit_in {
    ($tx:expr, $actor:expr, $action:expr, $member_id:expr) => {
        sqlx::query(
            "INSERT INTO audit_events (at, actor, action, subject, detail, request_id)
             VALUES ($1, $2, $3, $4, '', $5)",
        )
        .bind(now())
        .bind($actor)
        .bind($action)
        .bind(format!("member:{}", $member_id))
        .bind(crate::request::current_id())
        .execute(&mut *$tx)
        .await
    };
}

/// A member found by a search across every group the viewer may see: who and where, nothing
/// of their needs.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct MemberHit {
    pub member_id: MemberId,
    pub preferred_name: String,
    pub full_name: String,
    pub group_id: crate::domain::ids::GroupId,
    pub group_name: String,
    /// The day they left, if they have.
    pub left_on: Option<String>,
}

/// The most members one search across groups returns: a search that finds more asks for more
/// of the name.
pub const MEMBER_SEARCH_LIMIT: i64 = 50;

/// How to narrow a group's members list.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Words to find in names, phone or email.
    pub q: String,
    /// One needs tag (hearing, sight, ...), or empty for any.
    pub need: String,
    /// One contact preference, or empty for any.
    pub contact: String,
    /// `active` (default), `left` or `all`.
    pub status: String,
}

impl MemberFilter {
    /// A filter from what the page's form or the API's query gave, each value checked against
    /// what the list knows (ASVS V2.2.1): an unknown status, need or way of contact is named,
    /// never read as "active" or as a filter that matches nobody, and the search is at most 200
    /// letters. `contact_field` is the name the caller used for the contact filter.
    pub fn checked(
        q: &str,
        need: &str,
        contact: &str,
        status: &str,
        contact_field: &str,
    ) -> Result<MemberFilter, crate::domain::FieldErrors> {
        let mut e = crate::domain::FieldErrors::new();
        if q.chars().count() > 200 {
            e.add("q", "Search for fewer words (200 letters at most).");
        }
        let status = match status {
            "" | "active" | "current" => "active",
            "left" => "left",
            "all" => "all",
            _ => {
                e.add("status", "Give active, left or all.");
                ""
            }
        };
        if !need.is_empty() && need.parse::<crate::domain::member::Need>().is_err() {
            e.add("need", "Give one of the needs, for example hearing.");
        }
        if !contact.is_empty()
            && contact
                .parse::<crate::domain::member::ContactPref>()
                .is_err()
        {
            e.add(contact_field, "Give email, phone, text or post.");
        }
        e.finish(|| MemberFilter {
            q: q.trim().to_string(),
            need: need.to_string(),
            contact: contact.to_string(),
            status: status.to_string(),
        })
    }

    /// Whether it narrows the list at all (anything but every current member).
    pub fn narrows(&self) -> bool {
        !(self.q.is_empty() && self.need.is_empty() && self.contact.is_empty())
            || self.status != "active"
    }
}

impl Store {
    pub async fn members_of(
        &self,
        group: &GroupAccess,
        filter: &MemberFilter,
    ) -> StoreResult<Vec<Member>> {
        let group_id = group.id();
        let status = match filter.status.as_str() {
            "left" => "AND m.left_on IS NOT NULL",
            "all" => "",
            _ => "AND m.left_on IS NULL",
        };
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members m
             WHERE m.group_id = $1 {status}
               AND ($2 = '' OR lower(m.preferred_name) LIKE $3 ESCAPE '\\' OR lower(m.full_name) LIKE $3 ESCAPE '\\'
                    OR m.phone LIKE $3 ESCAPE '\\' OR lower(m.email) LIKE $3 ESCAPE '\\')
               AND ($4 = '' OR (',' || m.needs || ',') LIKE $5 ESCAPE '\\')
               AND ($6 = '' OR m.preferred_contact = $6)
             ORDER BY lower(m.preferred_name), m.id"
        );
        let q = filter.q.trim().to_lowercase();
        let like = format!("%{}%", escape_like(&q));
        let need_like = format!("%,{},%", escape_like(filter.need.trim()));
        let members = on_db!(self, pool => sqlx::query_as::<_, Member>(&sql)
            .bind(group_id).bind(&q).bind(&like).bind(filter.need.trim()).bind(&need_like)
            .bind(filter.contact.trim())
            .fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        // Each member comes with their needs: whoever asked has seen them.
        let shown: Vec<MemberId> = members.iter().map(|m| m.id).collect();
        self.audit_read(
            &group.actor().to_string(),
            "viewed the members' needs",
            &format!("group:{group_id}"),
            &shown,
        )
        .await?;
        Ok(members)
    }

    /// Members of every group the viewer may see whose name, phone or email holds every word
    /// searched for, members still coming first; at most `MEMBER_SEARCH_LIMIT`, and whether
    /// there were more. The search is audited as a read of the records it shows.
    pub async fn find_members(
        &self,
        viewer: &Staff,
        q: &str,
        offset: usize,
    ) -> StoreResult<(Vec<MemberHit>, bool)> {
        let words: Vec<String> = q
            .split_whitespace()
            .map(|w| format!("%{}%", escape_like(&w.to_lowercase())))
            .take(8)
            .collect();
        if words.is_empty() {
            return Ok((Vec::new(), false));
        }
        let mut sql = String::from(
            "SELECT m.id AS member_id, m.preferred_name, m.full_name, g.id AS group_id,
                g.name AS group_name, m.left_on
             FROM members m JOIN support_groups g ON g.id = m.group_id
             WHERE ($1 OR g.id IN (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $2))",
        );
        for n in 0..words.len() {
            let p = n + 4;
            sql.push_str(&format!(
                " AND (lower(m.preferred_name) LIKE ${p} ESCAPE '\\' OR lower(m.full_name) LIKE ${p} ESCAPE '\\'
                      OR m.phone LIKE ${p} ESCAPE '\\' OR lower(m.email) LIKE ${p} ESCAPE '\\')"
            ));
        }
        sql.push_str(
            " ORDER BY CASE WHEN m.left_on IS NULL THEN 0 ELSE 1 END, lower(m.preferred_name), m.id
              LIMIT $3",
        );
        // A number Hearth made (a page's start), never text from the request.
        sql.push_str(&format!(" OFFSET {offset}"));
        let mut hits = on_db!(self, pool => {
            let mut query = sqlx::query_as::<_, MemberHit>(&sql)
                .bind(viewer.is_coordinator()).bind(viewer.id).bind(MEMBER_SEARCH_LIMIT + 1);
            for w in &words {
                query = query.bind(w);
            }
            query.fetch_all(pool).await
        })
        .map_err(StoreError::from_sqlx)?;
        let more = hits.len() as i64 > MEMBER_SEARCH_LIMIT;
        hits.truncate(MEMBER_SEARCH_LIMIT as usize);
        let shown: Vec<MemberId> = hits.iter().map(|h| h.member_id).collect();
        if !shown.is_empty() {
            self.audit_read(&viewer.actor(), "searched for members", "members", &shown)
                .await?;
        }
        Ok((hits, more))
    }

    /// One member, if the viewer may see their group. Reading a member's record is audited,
    /// because it holds their needs.
    /// A member the viewer may see, as the capability their records are reached through (the
    /// look is audited, as by `member_for`).
    pub async fn member(&self, viewer: &Staff, id: MemberId) -> StoreResult<MemberAccess> {
        let member = self.member_for(viewer, id).await?;
        Ok(MemberAccess {
            member,
            actor: viewer.into(),
        })
    }

    pub async fn member_for(&self, viewer: &Staff, id: MemberId) -> StoreResult<Member> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members m JOIN support_groups g ON g.id = m.group_id
             WHERE m.id = $3 AND ($1 OR g.id IN
                (SELECT gf.group_id FROM group_facilitators gf WHERE gf.account_id = $2))"
        );
        let member = on_db!(self, pool => sqlx::query_as::<_, Member>(&sql)
            .bind(viewer.is_coordinator()).bind(viewer.id).bind(id).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)?;
        self.audit_read(&viewer.actor(), "viewed", &format!("member:{id}"), &[])
            .await?;
        Ok(member)
    }

    pub async fn create_member(
        &self,
        group: &GroupAccess,
        input: &MemberInput,
    ) -> StoreResult<MemberAccess> {
        let group_id = group.id();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = insert_member!(tx, group_id, input)?;
            audit_in!(tx, &group.actor().to_string(), "created", id)?;
            tx.commit().await?;
            Ok(id)
        })
        .map_err(StoreError::from_sqlx)?;
        Ok(MemberAccess {
            member: self.member_unchecked(id).await?,
            actor: group.actor().clone(),
        })
    }

    /// A newcomer who walks in to a meeting: added to its group and signed in, in one
    /// transaction, so they are either both or neither.
    pub async fn join_and_sign_in(
        &self,
        meeting: &MeetingAccess,
        input: &MemberInput,
    ) -> StoreResult<MemberAccess> {
        let (group_id, meeting_id) = (meeting.group_id(), meeting.id());
        let actor = meeting.actor().to_string();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = insert_member!(tx, group_id, input)?;
            audit_in!(tx, &actor, "created", id)?;
            let t = now();
            sqlx::query(
                "INSERT INTO attendance (meeting_id, member_id, signed_in_at, recorded_by)
                 VALUES ($1, $2, $3, $4)")
                .bind(meeting_id).bind(id).bind(t).bind(&actor)
                .execute(&mut *tx).await?;
            sqlx::query("UPDATE meetings SET version = version + 1, updated_at = $1 WHERE id = $2")
                .bind(t).bind(meeting_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
        .map_err(StoreError::from_sqlx)?;
        Ok(MemberAccess {
            member: self.member_unchecked(id).await?,
            actor: meeting.actor().clone(),
        })
    }

    /// Adds many members at once: all of them, or none.
    pub async fn import_members(
        &self,
        group: &GroupAccess,
        inputs: &[MemberInput],
    ) -> StoreResult<usize> {
        let group_id = group.id();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for input in inputs {
                let id = insert_member!(tx, group_id, input)?;
                audit_in!(tx, &group.actor().to_string(), "imported", id)?;
            }
            tx.commit().await?;
            Ok(inputs.len())
        })
        .map_err(StoreError::from_sqlx)
    }

    pub async fn update_member(
        &self,
        member: &MemberAccess,
        input: &MemberInput,
    ) -> StoreResult<Member> {
        let id = member.id;
        self.write_member(id, input, &member.actor.to_string())
            .await?;
        self.member_unchecked(id).await
    }

    /// A member correcting their own details through their personal link.
    pub async fn update_member_self(
        &self,
        link: &MemberLink,
        input: &MemberInput,
    ) -> StoreResult<Member> {
        let id = link.id;
        self.write_member(id, input, &link.actor().to_string())
            .await?;
        self.member_unchecked(id).await
    }

    async fn write_member(&self, id: MemberId, m: &MemberInput, actor: &str) -> StoreResult<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE members SET preferred_name = $1, full_name = $2, phone = $3, email = $4,
                    preferred_contact = $5, needs = $6, needs_note = $7, happy_to_share_story = $8,
                    joined_on = $9, left_on = $10, updated_at = $11
                 WHERE id = $12")
                .bind(&m.preferred_name).bind(&m.full_name).bind(&m.phone).bind(&m.email)
                .bind(m.preferred_contact).bind(&m.needs).bind(&m.needs_note)
                .bind(m.happy_to_share_story).bind(&m.joined_on).bind(&m.left_on).bind(now())
                .bind(id)
                .execute(&mut *tx).await?;
            audit_in!(tx, actor, "changed", id)?;
            // Links end with membership: someone who has left can no longer answer, and their
            // calendar feed stops, in the same transaction as the change.
            if m.left_on.is_some() {
                let t = now();
                let mut stopped = 0;
                for sql in [
                    "UPDATE member_links SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL",
                    "UPDATE mail_links SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL",
                    STOP_FEEDS,
                ] {
                    stopped += sqlx::query(sql).bind(t).bind(id).execute(&mut *tx).await?.rows_affected();
                }
                if stopped > 0 {
                    audit_in!(tx, actor, "links and calendar feed stopped (left the group)", id)?;
                }
            }
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// A member for Hearth's own jobs (a reminder's name and address), which act for no one.
    pub(crate) async fn member_for_job(&self, id: MemberId) -> StoreResult<Member> {
        self.member_unchecked(id).await
    }

    /// A member by id with no viewer check: inside the store only, for a member's own link and
    /// after a checked write.
    pub(super) async fn member_unchecked(&self, id: MemberId) -> StoreResult<Member> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM members m WHERE m.id = $1");
        on_db!(self, pool => sqlx::query_as::<_, Member>(&sql).bind(id).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    // --- consents -------------------------------------------------------------------------

    pub async fn consents_of(&self, member: &impl MemberScope) -> StoreResult<Vec<Consent>> {
        let member_id = member.member_id();
        on_db!(self, pool => sqlx::query_as::<_, Consent>(
            "SELECT id, member_id, kind, how_given, note, given_at, withdrawn_at, recorded_by
             FROM consents WHERE member_id = $1 ORDER BY given_at DESC, id DESC")
            .bind(member_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    pub async fn add_consent(
        &self,
        member: &impl MemberScope,
        input: &ConsentInput,
    ) -> StoreResult<()> {
        let (member_id, recorded_by) = (member.member_id(), member.actor().to_string());
        let recorded_by = recorded_by.as_str();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO consents (member_id, kind, how_given, note, given_at, recorded_by)
                 VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(member_id).bind(input.kind).bind(input.how_given).bind(&input.note)
                .bind(now()).bind(recorded_by).execute(&mut *tx).await?;
            audit_in!(tx, recorded_by, &format!("consent given: {}", input.kind), member_id)?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Withdraws one consent of this member; false when there was no such current consent.
    pub async fn withdraw_consent(
        &self,
        member: &impl MemberScope,
        consent_id: i64,
    ) -> StoreResult<bool> {
        let (member_id, actor) = (member.member_id(), member.actor().to_string());
        let actor = actor.as_str();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE consents SET withdrawn_at = $1
                 WHERE id = $2 AND member_id = $3 AND withdrawn_at IS NULL")
                .bind(now()).bind(consent_id).bind(member_id).execute(&mut *tx).await?
                .rows_affected();
            if n > 0 {
                audit_in!(tx, actor, "consent withdrawn", member_id)?;
            }
            tx.commit().await?;
            Ok(n > 0)
        })
        .map_err(StoreError::from_sqlx)
    }

    // --- personal links -------------------------------------------------------------------

    /// Issues a new personal link, revoking any earlier one (only the newest link works).
    pub async fn replace_member_link(
        &self,
        member: &MemberAccess,
        token_hash: &str,
    ) -> StoreResult<()> {
        let (member_id, actor) = (member.id, member.actor.to_string());
        let actor = actor.as_str();
        let t = now();
        // Two "new link" clicks at once must leave one working link: on PostgreSQL the member's
        // row is locked first so they take turns (SQLite has one writer at a time anyway).
        // (On SQLite a read first would make the later write a stale-snapshot upgrade under
        // contention; its first statement being the write takes the lock directly.)
        let lock = match self.backend() {
            super::Backend::Postgres => Some("SELECT id FROM members WHERE id = $1 FOR UPDATE"),
            super::Backend::Sqlite => None,
        };
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some(lock) = lock {
                sqlx::query(lock).bind(member_id).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE member_links SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL")
                .bind(t).bind(member_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE mail_links SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL")
                .bind(t).bind(member_id).execute(&mut *tx).await?;
            // The old link's calendar feed goes with it: whoever has the old link could have
            // copied the feed's address from the member's page.
            sqlx::query(STOP_FEEDS).bind(t).bind(member_id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO member_links (member_id, token_hash, created_at) VALUES ($1, $2, $3)")
                .bind(member_id).bind(token_hash).bind(t).execute(&mut *tx).await?;
            audit_in!(tx, actor, "personal link issued", member_id)?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    pub async fn revoke_member_links(&self, member: &MemberAccess) -> StoreResult<()> {
        let (member_id, actor) = (member.id, member.actor.to_string());
        let actor = actor.as_str();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE member_links SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL")
                .bind(now()).bind(member_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE mail_links SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL")
                .bind(now()).bind(member_id).execute(&mut *tx).await?;
            sqlx::query(STOP_FEEDS).bind(now()).bind(member_id).execute(&mut *tx).await?;
            audit_in!(tx, actor, "personal link revoked", member_id)?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Stops a member's calendar feed on its own (staff), keeping their link.
    pub async fn revoke_member_feed(&self, member: &MemberAccess) -> StoreResult<bool> {
        let (member_id, actor) = (member.id, member.actor.to_string());
        let actor = actor.as_str();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let stopped = sqlx::query(STOP_FEEDS).bind(now()).bind(member_id)
                .execute(&mut *tx).await?.rows_affected();
            if stopped > 0 {
                audit_in!(tx, actor, "calendar feed stopped", member_id)?;
            }
            tx.commit().await?;
            Ok(stopped > 0)
        })
        .map_err(StoreError::from_sqlx)
    }

    /// When the member's calendar feed was made, if it works.
    pub async fn member_feed_issued(&self, member: &MemberAccess) -> StoreResult<Option<i64>> {
        let member_id = member.id;
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT created_at FROM calendar_feeds WHERE member_id = $1 AND revoked_at IS NULL
             ORDER BY created_at DESC LIMIT 1")
            .bind(member_id).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// When the member's current link was issued, if they have one.
    pub async fn member_link_issued(&self, member: &MemberAccess) -> StoreResult<Option<i64>> {
        let member_id = member.id;
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT created_at FROM member_links WHERE member_id = $1 AND revoked_at IS NULL
             ORDER BY created_at DESC LIMIT 1")
            .bind(member_id).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// The member a personal link belongs to, while it is not revoked.
    pub async fn member_by_link(&self, token_hash: &str) -> StoreResult<Option<MemberLink>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members m WHERE m.id IN
               (SELECT member_id FROM member_links WHERE token_hash = $1 AND revoked_at IS NULL
                UNION ALL
                SELECT member_id FROM mail_links WHERE token_hash = $1 AND revoked_at IS NULL)
             AND m.left_on IS NULL"
        );
        on_db!(self, pool => sqlx::query_as::<_, Member>(&sql)
            .bind(token_hash).fetch_optional(pool).await)
        .map(|found| found.map(|member| MemberLink { member }))
        .map_err(StoreError::from_sqlx)
    }
}

/// Stops a member's calendar feeds ($1: the time, $2: the member).
const STOP_FEEDS: &str =
    "UPDATE calendar_feeds SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL";

/// Makes typed text match literally in a `LIKE ... ESCAPE '\\'` pattern.
pub(super) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

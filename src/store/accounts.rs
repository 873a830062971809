//! Staff accounts, their sign-in sessions, API tokens, reset links and sign-in throttling.
//! Secrets are never stored: only their SHA-256 hashes.

use super::BeginWrite;
use super::passkeys::HAS_SECOND_STEP_A;
use super::{Store, StoreError, StoreResult, VersionScope, now, on_db};
use crate::domain::access::{Role, Staff};
use crate::domain::ids::GroupId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub(crate) id: i64,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: String,
    #[sqlx(default)]
    pub(crate) groups: Option<String>,
}

/// The account's facilitated groups as one comma-separated column (`string_agg` is in both
/// PostgreSQL and SQLite 3.44+), for `AccountRow::groups`.
pub(crate) const GROUPS_OF_A: &str = "(SELECT string_agg(CAST(gf.group_id AS TEXT), ',') \
     FROM group_facilitators gf WHERE gf.account_id = a.id) AS groups";

/// The ids in a `GROUPS_OF_A` column, sorted.
fn group_ids_of(column: Option<&str>) -> Vec<GroupId> {
    let mut ids: Vec<GroupId> = column
        .unwrap_or("")
        .split(',')
        .filter_map(|g| g.trim().parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

/// Every `StaffEntry` column, from `accounts a`, for a WHERE or ORDER BY to follow.
fn staff_entries() -> String {
    format!(
        "SELECT a.id, a.name, a.email, a.role, a.phone, a.last_signed_in_at,
                (SELECT COUNT(*) FROM group_facilitators gf WHERE gf.account_id = a.id) AS group_count,
                a.disabled_at IS NOT NULL AS disabled, {GROUPS_OF_A}
         FROM accounts a"
    )
}

/// The account a live session signs in, `hash` matching the session's token hash ($2 now).
pub(crate) fn session_account(hash: &str) -> String {
    format!(
        "FROM sessions s JOIN accounts a ON a.id = s.account_id \
         WHERE s.token_hash {hash} AND s.expires_at > $2 AND s.idle_until > $2 \
           AND a.disabled_at IS NULL"
    )
}

/// The account a live API token signs in, `hash` matching the token's hash ($2 now).
pub(crate) fn token_account(hash: &str) -> String {
    format!(
        "FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
         WHERE t.token_hash {hash} AND t.revoked_at IS NULL AND t.expires_at > $2 \
           AND a.disabled_at IS NULL"
    )
}

/// A staff account as the staff pages show it (issue 21): how to reach them, how many groups
/// they facilitate and when they last signed in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffEntry {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub phone: String,
    /// When they last signed in (unix seconds), or None: never since Hearth noted it.
    pub last_signed_in_at: Option<i64>,
    pub group_count: i64,
    pub disabled: bool,
    /// The groups they facilitate, comma-separated (`GROUPS_OF_A`).
    #[sqlx(default)]
    pub groups: Option<String>,
}

impl StaffEntry {
    pub fn role(&self) -> Role {
        Role::try_from(self.role.as_str()).unwrap_or(Role::Facilitator)
    }

    /// The groups they facilitate, in id order.
    pub fn group_ids(&self) -> Vec<GroupId> {
        group_ids_of(self.groups.as_deref())
    }

    /// When they last signed in, in words: "Last signed in 5 minutes ago", "… on 3 March
    /// 2026", or "Never signed in".
    pub fn last_sign_in_label(&self) -> String {
        let Some(t) = self.last_signed_in_at else {
            return "Never signed in".to_string();
        };
        match crate::labels::ago_label(now() - t) {
            Some(ago) => format!("Last signed in {ago}"),
            None => {
                let day = crate::labels::when(t, crate::domain::group::DEFAULT_TIMEZONE);
                let day = day.split(" at ").next().unwrap_or_default().to_string();
                format!("Last signed in on {day}")
            }
        }
    }
}

/// A group a member of staff facilitates, as their page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffGroup {
    pub id: GroupId,
    pub name: String,
    pub area: String,
}

/// A live session, as its owner sees it in "where you are signed in".
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionInfo {
    /// The start of the token's hash: enough to name the session, nothing to sign in with.
    pub handle: String,
    /// The token's hash (to tell "this browser", never shown).
    pub token_hash: String,
    /// The device in words, or '' when not seen since sessions noted it.
    pub device: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// An API token as its owner sees it (never the token itself, which is shown once).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub read_only: bool,
    pub last_used_at: Option<i64>,
}

/// What a new API token is: its name, how many days it lasts and whether it may only read.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    pub name: String,
    pub days: i64,
    pub read_only: bool,
}

impl TokenSpec {
    /// The longest a token may work, in days.
    pub const MAX_DAYS: i64 = 366;

    /// A token's name tells it apart in lists: 1 to 80 characters.
    pub fn name_fits(name: &str) -> bool {
        !name.is_empty() && name.chars().count() <= 80
    }

    pub fn days_fit(days: i64) -> bool {
        (1..=Self::MAX_DAYS).contains(&days)
    }
}

impl Default for TokenSpec {
    fn default() -> Self {
        TokenSpec {
            name: "API token".into(),
            days: 90,
            read_only: false,
        }
    }
}

impl AccountRow {
    pub(crate) fn into_staff(self) -> Staff {
        let groups = group_ids_of(self.groups.as_deref());
        Staff {
            id: self.id,
            email: self.email,
            name: self.name,
            role: Role::try_from(self.role.as_str()).unwrap_or(Role::Facilitator),
            groups,
        }
    }
}

/// An account with its password hash, for checking a sign-in.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub staff: Staff,
    pub password_hash: String,
    /// A coordinator has turned the account's sign-in off.
    pub disabled: bool,
    /// The account has a second step (an authenticator app) to pass after the password.
    pub two_step: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct CredRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    password_hash: String,
    groups: Option<String>,
    disabled: bool,
    two_step: bool,
}

impl Store {
    pub async fn account_count(&self) -> StoreResult<i64> {
        on_db!(self, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM accounts")
            .fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    pub async fn create_account(
        &self,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
    ) -> StoreResult<Staff> {
        let id = on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO accounts (email, name, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(email).bind(name).bind(role.as_str()).bind(password_hash).bind(now())
            .fetch_all(pool).await.and_then(super::first_row))
        .map_err(StoreError::from_sqlx)?;
        Ok(Staff {
            id,
            email: email.to_string(),
            name: name.to_string(),
            role,
            groups: Vec::new(),
        })
    }

    /// Creates the first coordinator only while there is no account at all, atomically, so two
    /// people racing through the setup page cannot both succeed.
    pub async fn create_first_account(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> StoreResult<Option<Staff>> {
        // On PostgreSQL two transactions can both see "no account yet"; a transaction-scoped
        // advisory lock makes them take turns. SQLite runs one writer at a time already.
        // (On SQLite a read before the insert would turn the write into a stale-snapshot
        // upgrade under contention, so nothing is run there.)
        let lock = match self.backend() {
            super::Backend::Postgres => Some("SELECT pg_advisory_xact_lock(7401)"),
            super::Backend::Sqlite => None,
        };
        let id = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some(lock) = lock {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO accounts (email, name, role, password_hash, created_at)
                 SELECT $1, $2, 'coordinator', $3, $4
                 WHERE NOT EXISTS (SELECT 1 FROM accounts) RETURNING id")
                .bind(email).bind(name).bind(password_hash).bind(now())
                .fetch_optional(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
        .map_err(StoreError::from_sqlx)?;
        Ok(id.map(|id| Staff {
            id,
            email: email.to_string(),
            name: name.to_string(),
            role: Role::Coordinator,
            groups: Vec::new(),
        }))
    }

    pub async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>> {
        let sql = format!(
            "SELECT a.id, a.email, a.name, a.role, a.password_hash, {GROUPS_OF_A},
                (a.disabled_at IS NOT NULL) AS disabled, {HAS_SECOND_STEP_A} AS two_step
             FROM accounts a WHERE a.email = $1"
        );
        let row = on_db!(self, pool => sqlx::query_as::<_, CredRow>(&sql)
            .bind(email).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(row.map(|r| Credentials {
            password_hash: r.password_hash,
            disabled: r.disabled,
            two_step: r.two_step,
            staff: AccountRow {
                id: r.id,
                email: r.email,
                name: r.name,
                role: r.role,
                groups: r.groups,
            }
            .into_staff(),
        }))
    }

    pub async fn password_hash(&self, account_id: i64) -> StoreResult<String> {
        on_db!(self, pool => sqlx::query_scalar::<_, String>(
            "SELECT password_hash FROM accounts WHERE id = $1")
            .bind(account_id).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    pub async fn account(&self, id: i64) -> StoreResult<Staff> {
        let sql = format!(
            "SELECT a.id, a.email, a.name, a.role, {GROUPS_OF_A} FROM accounts a WHERE a.id = $1"
        );
        on_db!(self, pool => sqlx::query_as::<_, AccountRow>(&sql)
            .bind(id).fetch_one(pool).await)
        .map(AccountRow::into_staff)
        .map_err(StoreError::from_sqlx)
    }

    pub async fn account_by_email(&self, email: &str) -> StoreResult<Staff> {
        let sql = format!(
            "SELECT a.id, a.email, a.name, a.role, {GROUPS_OF_A} FROM accounts a WHERE a.email = $1"
        );
        on_db!(self, pool => sqlx::query_as::<_, AccountRow>(&sql)
            .bind(email).fetch_one(pool).await)
        .map(AccountRow::into_staff)
        .map_err(StoreError::from_sqlx)
    }

    /// The accounts whose sign-in a coordinator has turned off.
    /// Every staff account with how to reach them, their number of groups and their last
    /// sign-in (coordinators' staff pages; a network has hundreds at most, so the pages filter,
    /// sort and cut in memory, as the groups list does).
    pub async fn staff_directory(&self) -> StoreResult<Vec<StaffEntry>> {
        let sql = format!("{} ORDER BY lower(a.name), a.id", staff_entries());
        on_db!(self, pool => sqlx::query_as::<_, StaffEntry>(&sql).fetch_all(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// One staff account as the staff pages show it.
    pub async fn staff_entry(&self, id: i64) -> StoreResult<StaffEntry> {
        let sql = format!("{} WHERE a.id = $1", staff_entries());
        on_db!(self, pool => sqlx::query_as::<_, StaffEntry>(&sql).bind(id).fetch_one(pool).await)
            .map_err(StoreError::from_sqlx)
    }

    /// The groups a member of staff facilitates, by name.
    pub async fn groups_of_staff(&self, id: i64) -> StoreResult<Vec<StaffGroup>> {
        let mut groups = on_db!(self, pool => sqlx::query_as::<_, StaffGroup>(
            "SELECT g.id, g.name, g.area FROM group_facilitators gf
             JOIN support_groups g ON g.id = gf.group_id WHERE gf.account_id = $1")
            .bind(id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)?;
        groups.sort_by_cached_key(|g| (crate::domain::programme::natural_key(&g.name), g.id));
        Ok(groups)
    }

    /// Sets the phone number a member of staff can be reached on: their own, or anyone's by a
    /// coordinator. Audited.
    pub async fn set_staff_phone(&self, viewer: &Staff, id: i64, phone: &str) -> StoreResult<()> {
        if viewer.id != id && !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        let t = now();
        let found = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let found = sqlx::query("UPDATE accounts SET phone = $1 WHERE id = $2")
                .bind(phone).bind(id).execute(&mut *tx).await?.rows_affected();
            if found > 0 {
                sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, $3, $4, '', $5)")
                    .bind(t).bind(viewer.actor()).bind("changed phone number").bind(format!("account:{id}"))
                    .bind(crate::request::current_id()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(found)
        })
        .map_err(StoreError::from_sqlx)?;
        if found == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn disabled_accounts(&self) -> StoreResult<std::collections::HashSet<i64>> {
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM accounts WHERE disabled_at IS NOT NULL")
            .fetch_all(pool).await)
        .map(|ids| ids.into_iter().collect())
        .map_err(StoreError::from_sqlx)
    }

    /// Turns an account's sign-in off (every session and API token ends at once) or on again;
    /// coordinators only, never their own. The account and what it recorded stay. Audited.
    pub async fn set_sign_in_allowed(
        &self,
        viewer: &Staff,
        account_id: i64,
        allowed: bool,
    ) -> StoreResult<()> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        if viewer.id == account_id {
            return Err(StoreError::Conflict(super::Conflict::OwnAccount));
        }
        let t = now();
        let action = if allowed {
            "turned sign-in back on"
        } else {
            "turned sign-in off"
        };
        let found = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let found = sqlx::query(
                "UPDATE accounts SET disabled_at = CASE WHEN $1 THEN NULL ELSE COALESCE(disabled_at, $2) END
                 WHERE id = $3")
                .bind(allowed).bind(t).bind(account_id).execute(&mut *tx).await?.rows_affected();
            if !allowed {
                sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                    .bind(account_id).execute(&mut *tx).await?;
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL")
                    .bind(t).bind(account_id).execute(&mut *tx).await?;
            }
            if found > 0 {
                sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, $3, $4, '', $5)")
                    .bind(t).bind(viewer.actor()).bind(action).bind(format!("account:{account_id}"))
                    .bind(crate::request::current_id()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(found)
        })
        .map_err(StoreError::from_sqlx)?;
        if found == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn accounts(&self) -> StoreResult<Vec<Staff>> {
        on_db!(self, pool => sqlx::query_as::<_, AccountRow>(
            "SELECT id, email, name, role FROM accounts ORDER BY lower(name), id")
            .fetch_all(pool).await)
        .map(|rows| rows.into_iter().map(AccountRow::into_staff).collect())
        .map_err(StoreError::from_sqlx)
    }

    /// Sets a new password and ends every session and API token of the account (a changed
    /// password must sign out whoever else may have had it).
    pub async fn set_password(&self, account_id: i64, password_hash: &str) -> StoreResult<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                .bind(password_hash).bind(account_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account_id).execute(&mut *tx).await?;
            // API tokens end with the password too: whoever had the old one may have made one.
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL")
                .bind(now()).bind(account_id).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Replaces a password hash with one of the same password made with today's settings, if
    /// it is still `old` (so a password changed in the meantime is never undone). Sessions
    /// stay: the password did not change.
    pub async fn replace_password_hash(
        &self,
        account_id: i64,
        old: &str,
        new: &str,
    ) -> StoreResult<bool> {
        on_db!(self, pool => sqlx::query(
            "UPDATE accounts SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
            .bind(new).bind(account_id).bind(old).execute(pool).await.map(|r| r.rows_affected()))
        .map(|n| n > 0)
        .map_err(StoreError::from_sqlx)
    }

    // --- sessions -------------------------------------------------------------------------

    /// A new session: it ends `lifetime` seconds from now whatever happens, and sooner after
    /// `idle` seconds without use (`touch_session`).
    pub async fn create_session(
        &self,
        token_hash: &str,
        account_id: i64,
        lifetime: i64,
        idle: i64,
    ) -> StoreResult<()> {
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, idle_until)
                 VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash).bind(account_id).bind(t).bind(t + lifetime)
                .bind(t + idle.min(lifetime))
                .execute(&mut *tx).await?;
            // The staff pages say when each person last signed in (issue 21).
            sqlx::query("UPDATE accounts SET last_signed_in_at = $1 WHERE id = $2")
                .bind(t).bind(account_id).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// The session is in use: it lives another `idle` seconds (never past its absolute end).
    /// A session already ended by idleness or age is not brought back.
    /// Also notes when it was last used, and the device it is on (`device`, in words) the
    /// first time.
    pub async fn touch_session(
        &self,
        token_hash: &str,
        idle: i64,
        device: &str,
    ) -> StoreResult<()> {
        let t = now();
        on_db!(self, pool => sqlx::query(
            "UPDATE sessions SET idle_until = CASE WHEN expires_at < $1 THEN expires_at ELSE $1 END,
                 last_seen_at = $3, device = CASE WHEN device = '' THEN $4 ELSE device END
             WHERE token_hash = $2 AND idle_until > $3 AND expires_at > $3")
            .bind(t + idle).bind(token_hash).bind(t).bind(device)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// Where an account is signed in: its live sessions, most recently used first.
    pub async fn sessions_of(&self, account_id: i64) -> StoreResult<Vec<SessionInfo>> {
        on_db!(self, pool => sqlx::query_as::<_, SessionInfo>(
            "SELECT substr(token_hash, 1, 16) AS handle, token_hash, device, created_at,
                    CASE WHEN last_seen_at > created_at THEN last_seen_at ELSE created_at END AS last_seen_at
             FROM sessions WHERE account_id = $1 AND expires_at > $2 AND idle_until > $2
             ORDER BY last_seen_at DESC, created_at DESC")
            .bind(account_id).bind(now()).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Ends one of an account's sessions, named by its handle; false when there is no such.
    pub async fn end_session_of(&self, account_id: i64, handle: &str) -> StoreResult<bool> {
        let n = on_db!(self, pool => sqlx::query(
            "DELETE FROM sessions WHERE account_id = $1 AND substr(token_hash, 1, 16) = $2")
            .bind(account_id).bind(handle).execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        Ok(n > 0)
    }

    /// A coordinator signs someone out everywhere (their API tokens are not touched). Audited.
    pub async fn sign_out_everywhere(&self, viewer: &Staff, account_id: i64) -> StoreResult<u64> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        if viewer.id == account_id {
            return Err(StoreError::Conflict(super::Conflict::OwnAccount));
        }
        let t = now();
        on_db!(self, pool => async {
            let mut tx = pool.begin_write().await?;
            let found = sqlx::query_scalar::<_, i64>("SELECT id FROM accounts WHERE id = $1")
                .bind(account_id).fetch_optional(&mut *tx).await?;
            if found.is_none() {
                return Ok(None);
            }
            let n = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account_id).execute(&mut *tx).await?.rows_affected();
            sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, 'signed out everywhere', $3, $4, $5)")
                .bind(t).bind(viewer.actor()).bind(format!("account:{account_id}"))
                .bind(format!("{n} sign-ins ended")).bind(crate::request::current_id()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(n))
        }.await)
        .map_err(StoreError::from_sqlx)?
        .ok_or(StoreError::NotFound)
    }

    /// A coordinator signs every member of staff out, but for the session `keep` (their own,
    /// by its hash). Audited.
    pub async fn sign_out_everyone(&self, viewer: &Staff, keep: &str) -> StoreResult<u64> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM sessions WHERE token_hash <> $1")
                .bind(keep).execute(&mut *tx).await?.rows_affected();
            sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, 'signed out all staff', 'network', $3, $4)")
                .bind(t).bind(viewer.actor()).bind(format!("{n} sign-ins ended"))
                .bind(crate::request::current_id()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n)
        })
        .map_err(StoreError::from_sqlx)
    }

    pub async fn session_account(&self, token_hash: &str) -> StoreResult<Option<Staff>> {
        let sql = format!(
            "SELECT a.id, a.email, a.name, a.role, {GROUPS_OF_A} {}",
            session_account("= $1")
        );
        on_db!(self, pool => sqlx::query_as::<_, AccountRow>(&sql)
            .bind(token_hash).bind(now()).fetch_optional(pool).await)
        .map(|r| r.map(AccountRow::into_staff))
        .map_err(StoreError::from_sqlx)
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash).execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// Keeps the message to show on the session's next page (None: no message).
    pub async fn set_session_flash(
        &self,
        token_hash: &str,
        message: Option<&str>,
    ) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query("UPDATE sessions SET flash = $2 WHERE token_hash = $1")
            .bind(token_hash).bind(message).execute(pool).await.map(|_| ()))
        .map_err(StoreError::from_sqlx)
    }

    /// The message waiting for the session's next page, if any.
    pub async fn session_flash(&self, token_hash: &str) -> StoreResult<Option<String>> {
        on_db!(self, pool => sqlx::query_scalar::<_, Option<String>>(
            "SELECT flash FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash).bind(now()).fetch_optional(pool).await)
        .map(Option::flatten)
        .map_err(StoreError::from_sqlx)
    }

    /// Removes expired sessions, sign-ins left at their second step, stale keys being set up,
    /// stale throttling records, used or expired reset links and answers kept for repeated
    /// requests past their 14 days.
    pub async fn sweep(&self) -> StoreResult<()> {
        let t = now();
        on_db!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(t).execute(pool).await?;
            sqlx::query("DELETE FROM signin_failures WHERE at < $1").bind(t - 86_400).execute(pool).await?;
            sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at <= $1").bind(t).execute(pool).await?;
            sqlx::query("DELETE FROM totp_setups WHERE created_at <= $1")
                .bind(t - crate::auth::two_step::SETUP_TTL).execute(pool).await?;
            sqlx::query("DELETE FROM passkey_setups WHERE created_at <= $1")
                .bind(t - crate::auth::passkeys::CEREMONY_TTL).execute(pool).await?;
            sqlx::query("DELETE FROM replays WHERE created_at <= $1")
                .bind(t - super::replays::KEPT_FOR).execute(pool).await?;
            sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1").bind(t).execute(pool).await.map(|r| r.rows_affected())
        })
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    // --- API tokens -----------------------------------------------------------------------

    /// A read-write token for 90 days (as `create_named_api_token` with the defaults).
    pub async fn create_api_token(&self, account_id: i64, token_hash: &str) -> StoreResult<()> {
        self.create_named_api_token(account_id, token_hash, &TokenSpec::default())
            .await
            .map(|_| ())
    }

    pub async fn create_named_api_token(
        &self,
        account_id: i64,
        token_hash: &str,
        spec: &TokenSpec,
    ) -> StoreResult<i64> {
        let t = now();
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO api_tokens (account_id, token_hash, created_at, name, expires_at, read_only)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(account_id).bind(token_hash).bind(t).bind(&spec.name)
            .bind(t.saturating_add(spec.days.saturating_mul(86_400))).bind(spec.read_only)
            .fetch_all(pool).await.and_then(super::first_row))
        .map_err(StoreError::from_sqlx)
    }

    pub async fn api_token_account(&self, token_hash: &str) -> StoreResult<Option<Staff>> {
        let sql = format!(
            "SELECT a.id, a.email, a.name, a.role, {GROUPS_OF_A} {}",
            token_account("= $1")
        );
        on_db!(self, pool => sqlx::query_as::<_, AccountRow>(&sql)
            .bind(token_hash).bind(now()).fetch_optional(pool).await)
        .map(|r| r.map(AccountRow::into_staff))
        .map_err(StoreError::from_sqlx)
    }

    /// Whether a token may only read.
    pub async fn token_read_only(&self, token_hash: &str) -> StoreResult<bool> {
        on_db!(self, pool => sqlx::query_scalar::<_, bool>(
            "SELECT read_only FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash).fetch_optional(pool).await)
        .map(|r| r.unwrap_or(true))
        .map_err(StoreError::from_sqlx)
    }

    /// Notes that a token was used (callers write this at most about once a minute).
    pub async fn touch_api_token(&self, token_hash: &str) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(now()).bind(token_hash).execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// An account's live tokens (not revoked, not ended), newest first.
    pub async fn api_tokens_of(&self, account_id: i64) -> StoreResult<Vec<ApiToken>> {
        on_db!(self, pool => sqlx::query_as::<_, ApiToken>(
            "SELECT id, name, created_at, expires_at, read_only, last_used_at FROM api_tokens
             WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2
             ORDER BY created_at DESC, id DESC")
            .bind(account_id).bind(now()).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Every account's live tokens, for the coordinators' staff page: (account, token), newest
    /// first.
    pub async fn live_api_tokens(&self) -> StoreResult<Vec<(i64, ApiToken)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            account_id: i64,
            #[sqlx(flatten)]
            token: ApiToken,
        }
        on_db!(self, pool => sqlx::query_as::<_, Row>(
            "SELECT account_id, id, name, created_at, expires_at, read_only, last_used_at FROM api_tokens
             WHERE revoked_at IS NULL AND expires_at > $1
             ORDER BY created_at DESC, id DESC")
            .bind(now()).fetch_all(pool).await)
        .map(|rows| rows.into_iter().map(|r| (r.account_id, r.token)).collect())
        .map_err(StoreError::from_sqlx)
    }

    /// Revokes one token: the viewer's own, or anyone's for a coordinator. Audited.
    pub async fn revoke_api_token(&self, viewer: &Staff, token_id: i64) -> StoreResult<()> {
        let owner: Option<i64> = on_db!(self, pool => sqlx::query_scalar(
            "SELECT account_id FROM api_tokens WHERE id = $1 AND revoked_at IS NULL")
            .bind(token_id).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let Some(owner) = owner.filter(|o| *o == viewer.id || viewer.is_coordinator()) else {
            return Err(StoreError::NotFound);
        };
        on_db!(self, pool => sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(now()).bind(token_id).execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        self.audit(
            &viewer.actor(),
            "revoked an API token",
            &format!("account:{owner}"),
            &format!("token {token_id}"),
        )
        .await
    }

    /// Revokes an account's live tokens with this name (the command line); how many.
    pub async fn revoke_api_tokens_named(&self, account_id: i64, name: &str) -> StoreResult<u64> {
        on_db!(self, pool => sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND name = $3 AND revoked_at IS NULL")
            .bind(now()).bind(account_id).bind(name).execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)
    }

    /// Who a session cookie (or, with `by_token`, an API token) signs in, and in the same
    /// query the data versions a page in `scope` depends on (`None` when the scope names
    /// nothing) — the page cache's one query for a page it has kept.
    pub async fn signed_in_with_versions(
        &self,
        token_hash: &str,
        by_token: bool,
        scope: &VersionScope,
    ) -> StoreResult<Option<(Staff, Option<(i64, i64)>)>> {
        self.count_query();
        let (staff, versions) = self
            .batches
            .check(&self.db, Some((token_hash, by_token)), scope)
            .await?;
        Ok(staff.map(|staff| (staff, versions)))
    }

    // --- reset links ----------------------------------------------------------------------

    pub async fn create_password_reset(
        &self,
        account_id: i64,
        token_hash: &str,
        created_by: i64,
        ttl_seconds: i64,
    ) -> StoreResult<()> {
        let t = now();
        // Only the newest link works: any older one for the account goes with it.
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM password_resets WHERE account_id = $1")
                .bind(account_id).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO password_resets (token_hash, account_id, created_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash).bind(account_id).bind(created_by).bind(t).bind(t + ttl_seconds)
                .execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// The account a reset link is for, while the link is unused and unexpired.
    pub async fn password_reset_account(&self, token_hash: &str) -> StoreResult<Option<Staff>> {
        on_db!(self, pool => sqlx::query_as::<_, AccountRow>(
            "SELECT a.id, a.email, a.name, a.role FROM password_resets r
             JOIN accounts a ON a.id = r.account_id
             WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2")
            .bind(token_hash).bind(now()).fetch_optional(pool).await)
        .map(|r| r.map(AccountRow::into_staff))
        .map_err(StoreError::from_sqlx)
    }

    /// Uses a reset link once: marks it used and sets the password in one transaction.
    /// Returns false when the link was already used or has expired.
    pub async fn use_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
    ) -> StoreResult<bool> {
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let account = sqlx::query_scalar::<_, i64>(
                "UPDATE password_resets SET used_at = $1
                 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
                 RETURNING account_id")
                .bind(t).bind(token_hash).fetch_optional(&mut *tx).await?;
            let Some(account_id) = account else { return Ok(false) };
            sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                .bind(password_hash).bind(account_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account_id).execute(&mut *tx).await?;
            // API tokens end with the password too: whoever had the old one may have made one.
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL")
                .bind(now()).bind(account_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
        })
        .map_err(StoreError::from_sqlx)
    }

    // --- throttling -----------------------------------------------------------------------

    /// Begins a sign-in attempt, counted as a failure from the start (a success clears it), so
    /// attempts made at the same moment each see the others: the count and the new row are
    /// one transaction, taken one at a time (SQLite's write lock; on PostgreSQL an advisory
    /// lock). `Err(seconds)` is how long to wait first, and nothing is checked or counted.
    pub async fn begin_sign_in_attempt(
        &self,
        email: &str,
        address: &str,
        policy: &crate::auth::ThrottlePolicy,
    ) -> StoreResult<Result<(), i64>> {
        let t = now();
        macro_rules! attempt {
            ($tx:expr) => {{
                let tx = $tx;
                let (by_email, last): (i64, Option<i64>) = sqlx::query_as(
                    "SELECT COUNT(*), MAX(at) FROM signin_failures WHERE email = $1 AND at > $2",
                )
                .bind(email)
                .bind(t - policy.account_window)
                .fetch_one(&mut **tx)
                .await?;
                let by_address: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM signin_failures WHERE address = $1 AND at > $2",
                )
                .bind(address)
                .bind(t - policy.address_window)
                .fetch_one(&mut **tx)
                .await?;
                match policy.wait(by_email, last, by_address, t) {
                    Some(wait) => Ok(Err(wait)),
                    None => {
                        sqlx::query(
                            "INSERT INTO signin_failures (email, address, at) VALUES ($1, $2, $3)",
                        )
                        .bind(email)
                        .bind(address)
                        .bind(t)
                        .execute(&mut **tx)
                        .await?;
                        Ok(Ok(()))
                    }
                }
            }};
        }
        let result: Result<Result<(), i64>, sqlx::Error> = match &self.db {
            super::Db::Sqlite(pool) => {
                self.count_query();
                let mut tx = pool.begin_write().await.map_err(StoreError::from_sqlx)?;
                let r = attempt!(&mut tx);
                match r {
                    Ok(v) => tx.commit().await.map(|_| v),
                    Err(e) => Err(e),
                }
            }
            super::Db::Postgres(pool) => {
                self.count_query();
                let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
                let r: Result<Result<(), i64>, sqlx::Error> = async {
                    sqlx::query("SELECT pg_advisory_xact_lock(7274001)")
                        .execute(&mut *tx)
                        .await?;
                    attempt!(&mut tx)
                }
                .await;
                match r {
                    Ok(v) => tx.commit().await.map(|_| v),
                    Err(e) => Err(e),
                }
            }
        };
        result.map_err(StoreError::from_sqlx)
    }

    pub async fn clear_failures(&self, email: &str) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query("DELETE FROM signin_failures WHERE email = $1")
            .bind(email).execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }
}

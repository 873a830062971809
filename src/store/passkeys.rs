//! Passkeys: each account's passkeys, a passkey being added, and the passkey challenge of a
//! sign-in waiting for its second step. webauthn-rs checks the answers (auth::passkeys); this
//! keeps what it needs between the two halves of each ceremony, in the database, so any
//! instance can finish what another began.

use super::{BeginWrite, Store, StoreError, StoreResult, now, on_db};
use crate::auth::passkeys::{self, Ceremony, NewPasskey, UsedPasskey};
use crate::domain::access::Staff;

/// SQL: whether the account `a` has a second step (an app or a passkey).
pub(crate) const HAS_SECOND_STEP_A: &str =
    "(a.totp_secret IS NOT NULL OR EXISTS (SELECT 1 FROM passkeys pk WHERE pk.account_id = a.id))";

/// One of an account's passkeys, as its owner sees it in the list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PasskeyInfo {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A passkey being added: the name its owner gave it, the options shown to the browser, and
/// webauthn-rs's state for checking the answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeySetup {
    pub name: String,
    pub options: String,
    pub state: String,
}

impl Store {
    /// An account's passkeys, oldest first.
    pub async fn passkeys_of(&self, account_id: i64) -> StoreResult<Vec<PasskeyInfo>> {
        on_db!(self, pool => sqlx::query_as::<_, PasskeyInfo>(
            "SELECT id, name, created_at, last_used_at FROM passkeys WHERE account_id = $1 ORDER BY id")
            .bind(account_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// An account's passkeys as (credential id, webauthn-rs record).
    pub async fn passkey_records(&self, account_id: i64) -> StoreResult<Vec<(String, String)>> {
        on_db!(self, pool => sqlx::query_as::<_, (String, String)>(
            "SELECT credential_id, passkey FROM passkeys WHERE account_id = $1 ORDER BY id")
            .bind(account_id).fetch_all(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// The WebAuthn user handle of an account, made the first time it is asked for.
    pub async fn passkey_user(&self, account_id: i64) -> StoreResult<String> {
        let fresh = passkeys::new_user_handle();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE accounts SET passkey_user = $1 WHERE id = $2 AND passkey_user IS NULL")
                .bind(&fresh).bind(account_id).execute(&mut *tx).await?;
            let user = sqlx::query_scalar::<_, Option<String>>(
                "SELECT passkey_user FROM accounts WHERE id = $1")
                .bind(account_id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(user.unwrap_or(fresh))
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Keeps a passkey being added to an account (replacing any other being added).
    pub async fn begin_passkey_setup(
        &self,
        account_id: i64,
        name: &str,
        ceremony: &Ceremony,
    ) -> StoreResult<()> {
        let t = now();
        on_db!(self, pool => sqlx::query(
            "INSERT INTO passkey_setups (account_id, name, options, state, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account_id) DO UPDATE SET name = excluded.name,
               options = excluded.options, state = excluded.state, created_at = excluded.created_at")
            .bind(account_id).bind(name).bind(&ceremony.options).bind(&ceremony.state).bind(t)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// The passkey being added to an account, while it can still be finished.
    pub async fn passkey_setup(&self, account_id: i64) -> StoreResult<Option<PasskeySetup>> {
        on_db!(self, pool => sqlx::query_as::<_, PasskeySetup>(
            "SELECT name, options, state FROM passkey_setups WHERE account_id = $1 AND created_at > $2")
            .bind(account_id).bind(now() - passkeys::CEREMONY_TTL).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)
    }

    /// Adds a checked passkey to an account. When it is the account's first second step, two-step
    /// sign-in is on from now, with ten new recovery codes (returned, to be shown once). A
    /// passkey already on any account is a conflict. Audited.
    pub async fn add_passkey(
        &self,
        staff: &Staff,
        name: &str,
        new: &NewPasskey,
    ) -> StoreResult<Option<Vec<String>>> {
        // Recovery codes are made (slowly: each is hashed) only when this looks like the first
        // second step; whether it is is decided again inside the write, so two first passkeys
        // added at the same moment make one set of codes, not two.
        let looks_first = !self.two_step_of(staff).await?.on;
        let (codes, hashes) = if looks_first {
            super::two_step::recovery_codes_hashed().await?
        } else {
            (Vec::new(), Vec::new())
        };
        let t = now();
        let added = on_db!(self, pool => async {
            let mut tx = pool.begin_write().await?;
            // The account's row is locked (PostgreSQL; SQLite's write is already one at a time)
            // before asking whether it has a second step.
            sqlx::query("UPDATE accounts SET id = id WHERE id = $1")
                .bind(staff.id).execute(&mut *tx).await?;
            let had = sqlx::query_scalar::<_, i64>(&format!(
                "SELECT CAST(CASE WHEN {HAS_SECOND_STEP_A} THEN 1 ELSE 0 END AS BIGINT) FROM accounts a WHERE a.id = $1"))
                .bind(staff.id).fetch_one(&mut *tx).await?;
            let first = had == 0;
            let inserted = sqlx::query(
                "INSERT INTO passkeys (account_id, credential_id, name, passkey, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO NOTHING")
                .bind(staff.id).bind(&new.credential_id).bind(name).bind(&new.record).bind(t)
                .execute(&mut *tx).await?.rows_affected();
            if inserted == 0 {
                return Ok::<_, sqlx::Error>(None);
            }
            sqlx::query("DELETE FROM passkey_setups WHERE account_id = $1")
                .bind(staff.id).execute(&mut *tx).await?;
            if first {
                sqlx::query("UPDATE accounts SET two_step_since = $1 WHERE id = $2")
                    .bind(t).bind(staff.id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                    .bind(staff.id).execute(&mut *tx).await?;
                for h in &hashes {
                    sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                        .bind(staff.id).bind(h).execute(&mut *tx).await?;
                }
            }
            sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, $3, $4, '', $5)")
                .bind(t).bind(staff.actor())
                .bind(if first { "turned on two-step sign-in with a passkey" } else { "added a passkey" })
                .bind(format!("account:{}", staff.id))
                .bind(crate::request::current_id()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(first))
        }.await)
        .map_err(StoreError::from_sqlx)?;
        match added {
            None => Err(StoreError::Conflict(super::Conflict::PasskeyTaken)),
            // First, but the codes were not made (the other second step was removed in between):
            // two-step is on without codes, and the account page offers new ones.
            Some(true) if hashes.is_empty() => Ok(None),
            Some(true) => Ok(Some(codes)),
            Some(false) => Ok(None),
        }
    }

    /// Removes one of one's own passkeys. When it was the last second step, two-step sign-in is
    /// off (recovery codes go too), which is refused where it is required. Audited.
    pub async fn remove_passkey(&self, staff: &Staff, id: i64) -> StoreResult<()> {
        let state = self.two_step_of(staff).await?;
        let last = state.only_one_passkey();
        if last && state.required {
            return Err(StoreError::Conflict(super::Conflict::TwoStepRequired));
        }
        let t = now();
        let removed = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let removed = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND account_id = $2")
                .bind(id).bind(staff.id).execute(&mut *tx).await?.rows_affected();
            if removed > 0 {
                let left = sqlx::query_scalar::<_, i64>(&format!(
                    "SELECT CAST(CASE WHEN {HAS_SECOND_STEP_A} THEN 1 ELSE 0 END AS BIGINT) FROM accounts a WHERE a.id = $1"))
                    .bind(staff.id).fetch_one(&mut *tx).await?;
                if left == 0 {
                    sqlx::query("UPDATE accounts SET two_step_since = NULL WHERE id = $1")
                        .bind(staff.id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                        .bind(staff.id).execute(&mut *tx).await?;
                }
                sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, $3, $4, '', $5)")
                    .bind(t).bind(staff.actor())
                    .bind(if left == 0 { "removed a passkey and with it two-step sign-in" } else { "removed a passkey" })
                    .bind(format!("account:{}", staff.id))
                    .bind(crate::request::current_id()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(removed)
        })
        .map_err(StoreError::from_sqlx)?;
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Keeps the passkey challenge of a sign-in waiting for its second step.
    pub async fn set_challenge_passkey(
        &self,
        token_hash: &str,
        ceremony: &Ceremony,
    ) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query(
            "UPDATE sign_in_challenges SET passkey_options = $1, passkey_state = $2 WHERE token_hash = $3")
            .bind(&ceremony.options).bind(&ceremony.state).bind(token_hash)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// The passkey challenge a waiting sign-in keeps: (options, state).
    pub async fn challenge_passkey(&self, token_hash: &str) -> StoreResult<Option<Ceremony>> {
        let row = on_db!(self, pool => sqlx::query_as::<_, (Option<String>, Option<String>)>(
            "SELECT passkey_options, passkey_state FROM sign_in_challenges WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash).bind(now()).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(match row {
            Some((Some(options), Some(state))) => Some(Ceremony { options, state }),
            _ => None,
        })
    }

    /// Notes that an account's passkey answered a sign-in (when, and its new counter). False
    /// when the credential is not that account's.
    pub async fn passkey_used(&self, account_id: i64, used: &UsedPasskey) -> StoreResult<bool> {
        let t = now();
        let n = on_db!(self, pool => sqlx::query(
            "UPDATE passkeys SET last_used_at = $1, passkey = COALESCE($2, passkey)
             WHERE account_id = $3 AND credential_id = $4")
            .bind(t).bind(used.updated_record.as_deref()).bind(account_id).bind(&used.credential_id)
            .execute(pool).await.map(|r| r.rows_affected()))
        .map_err(StoreError::from_sqlx)?;
        Ok(n == 1)
    }
}

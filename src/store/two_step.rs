//! Two-step sign-in: each account's authenticator key and recovery codes, the network's
//! requirement, keys being set up, and sign-ins waiting for their second step. Codes are
//! checked here, inside the write that marks them used, so each works once even when two
//! requests race.

use super::accounts::{AccountRow, GROUPS_OF_A};
use super::passkeys::HAS_SECOND_STEP_A;
use super::{BeginWrite, Store, StoreError, StoreResult, now, on_db};
use crate::auth::two_step::{self, SecondStep};
use crate::domain::access::Staff;

/// The `network_settings` key of "every member of staff signs in with two steps".
const REQUIRE_ALL: &str = "two_step_for_all";

/// Where an account stands with its second step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoStep {
    /// A second step is set up: an authenticator app, a passkey, or both.
    pub on: bool,
    /// An authenticator app is set up.
    pub app: bool,
    /// How many passkeys the account has.
    pub passkeys: i64,
    /// When it was set up.
    pub since: Option<i64>,
    /// Recovery codes not yet used.
    pub codes_left: i64,
    /// The account must have a second step: the network asks it of all staff, or the account
    /// is a coordinator's that has one (a coordinator cannot go back to a password alone).
    pub required: bool,
}

impl TwoStep {
    /// The account's one second step is a single passkey (removing it turns two-step off).
    pub fn only_one_passkey(&self) -> bool {
        !self.app && self.passkeys == 1
    }
}

/// What a sign-in waiting for its second step asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeKind {
    /// A code from the app (or a recovery code).
    Code,
    /// Setting up an app, because two-step sign-in is required and there is none yet.
    Setup,
}

impl ChallengeKind {
    fn as_str(self) -> &'static str {
        match self {
            ChallengeKind::Code => "code",
            ChallengeKind::Setup => "setup",
        }
    }
}

/// A sign-in that gave the right password and waits for its second step.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub staff: Staff,
    pub kind: ChallengeKind,
    /// Where to go once signed in (a path on this site).
    pub next: String,
}

#[derive(sqlx::FromRow)]
struct ChallengeRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    groups: Option<String>,
    kind: String,
    next_path: String,
}

/// Ten new recovery codes and their salted argon2id hashes (as passwords are hashed; the
/// comment in migration 0023 still says SHA-256, which they were before, and a migration once
/// run is never edited: its checksum is checked at start).
pub(super) async fn recovery_codes_hashed() -> StoreResult<(Vec<String>, Vec<String>)> {
    let codes = two_step::new_recovery_codes();
    let mut hashes = Vec::with_capacity(codes.len());
    for c in &codes {
        let hash = crate::auth::hash_password(&two_step::normalise_recovery(c))
            .await
            .map_err(|e| StoreError::Other(sqlx::Error::Protocol(e)))?;
        hashes.push(hash);
    }
    Ok((codes, hashes))
}

impl Store {
    /// Whether the network asks every member of staff to sign in with two steps.
    pub async fn two_step_for_all(&self) -> StoreResult<bool> {
        let value = on_db!(self, pool => sqlx::query_scalar::<_, String>(
            "SELECT value FROM network_settings WHERE key = $1")
            .bind(REQUIRE_ALL).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(value.as_deref() == Some("on"))
    }

    /// Asks (or stops asking) every member of staff to sign in with two steps; coordinators
    /// only, and only once their own second step is set up (so the one who turns it on can
    /// still sign in). Turning it on signs out everyone signed in without one. Audited.
    pub async fn set_two_step_for_all(&self, viewer: &Staff, on: bool) -> StoreResult<()> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        if on && !self.two_step_of(viewer).await?.on {
            return Err(StoreError::Conflict(super::Conflict::OwnTwoStepFirst));
        }
        let action = if on {
            "required two-step sign-in for all staff"
        } else {
            "stopped requiring two-step sign-in for all staff"
        };
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if on {
                sqlx::query(
                    "INSERT INTO network_settings (key, value) VALUES ($1, 'on')
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(REQUIRE_ALL).execute(&mut *tx).await?;
                // Whoever is signed in with a password alone is signed out now, and sets up a
                // second step when they next sign in (ASVS V6.3.4: no way round it).
                sqlx::query(&format!(
                    "DELETE FROM sessions WHERE account_id IN
                       (SELECT a.id FROM accounts a WHERE NOT {HAS_SECOND_STEP_A})"))
                    .execute(&mut *tx).await?;
            } else {
                sqlx::query("DELETE FROM network_settings WHERE key = $1")
                    .bind(REQUIRE_ALL).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, $3, 'network', '', $4)")
                .bind(t).bind(viewer.actor()).bind(action).bind(crate::request::current_id()).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Where an account stands with its second step.
    pub async fn two_step_of(&self, staff: &Staff) -> StoreResult<TwoStep> {
        let (app, passkeys, since, codes_left): (i64, i64, Option<i64>, i64) = on_db!(self, pool => sqlx::query_as(
            "SELECT CAST(CASE WHEN a.totp_secret IS NULL THEN 0 ELSE 1 END AS BIGINT),
                    (SELECT COUNT(*) FROM passkeys p WHERE p.account_id = a.id),
                    a.two_step_since,
                    (SELECT COUNT(*) FROM recovery_codes r WHERE r.account_id = a.id AND r.used_at IS NULL)
             FROM accounts a WHERE a.id = $1")
            .bind(staff.id).fetch_one(pool).await)
        .map_err(StoreError::from_sqlx)?;
        let on = app == 1 || passkeys > 0;
        let required = self.two_step_for_all().await? || (on && staff.is_coordinator());
        Ok(TwoStep {
            on,
            app: app == 1,
            passkeys,
            since: on.then(|| since.unwrap_or(0)),
            codes_left: if on { codes_left } else { 0 },
            required,
        })
    }

    /// The accounts with a second step set up.
    pub async fn accounts_with_two_step(&self) -> StoreResult<std::collections::HashSet<i64>> {
        let sql = format!("SELECT a.id FROM accounts a WHERE {HAS_SECOND_STEP_A}");
        on_db!(self, pool => sqlx::query_scalar::<_, i64>(&sql)
            .fetch_all(pool).await)
        .map(|ids| ids.into_iter().collect())
        .map_err(StoreError::from_sqlx)
    }

    /// The key to show someone setting up their app: the one already being set up (if under
    /// an hour old, so reloading the page keeps the same square code), or a new one.
    pub async fn begin_totp_setup(&self, account_id: i64) -> StoreResult<String> {
        let t = now();
        let fresh = two_step::new_secret();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM totp_setups WHERE account_id = $1 AND created_at <= $2")
                .bind(account_id).bind(t - two_step::SETUP_TTL).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO totp_setups (account_id, secret, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (account_id) DO NOTHING")
                .bind(account_id).bind(&fresh).bind(t).execute(&mut *tx).await?;
            let secret = sqlx::query_scalar::<_, String>(
                "SELECT secret FROM totp_setups WHERE account_id = $1")
                .bind(account_id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(secret)
        })
        .map_err(StoreError::from_sqlx)
    }

    /// Finishes setting up an app: when `code` is one the key being set up makes now, the key
    /// becomes the account's second step, with ten new recovery codes (returned, to be shown
    /// once; only their hashes are kept). None when the code is not right or nothing is being
    /// set up. Audited.
    pub async fn confirm_totp_setup(
        &self,
        staff: &Staff,
        code: &str,
    ) -> StoreResult<Option<Vec<String>>> {
        let t = now();
        let (codes, hashes) = recovery_codes_hashed().await?;
        let done = on_db!(self, pool => async {
            let mut tx = pool.begin_write().await?;
            let secret = sqlx::query_scalar::<_, String>(
                "SELECT secret FROM totp_setups WHERE account_id = $1 AND created_at > $2")
                .bind(staff.id).bind(t - two_step::SETUP_TTL).fetch_optional(&mut *tx).await?;
            let Some(step) = secret.as_deref().and_then(|s| two_step::code_step(s, code, t)) else {
                // Nothing written: the transaction ends unused.
                return Ok::<_, sqlx::Error>(false);
            };
            sqlx::query(
                "UPDATE accounts SET totp_secret = $1, totp_last_step = $2, two_step_since = $3 WHERE id = $4")
                .bind(&secret).bind(step).bind(t).bind(staff.id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM totp_setups WHERE account_id = $1")
                .bind(staff.id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                .bind(staff.id).execute(&mut *tx).await?;
            for h in &hashes {
                sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                    .bind(staff.id).bind(h).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, 'turned on two-step sign-in', $3, '', $4)")
                .bind(t).bind(staff.actor()).bind(format!("account:{}", staff.id))
                .bind(crate::request::current_id()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
        }.await)
        .map_err(StoreError::from_sqlx)?;
        Ok(done.then_some(codes))
    }

    /// Checks a second step typed at sign-in and uses it up: an app code whose 30-second step
    /// is newer than the last one accepted, or an unused recovery code. Using a recovery code
    /// is audited (its owner should know if someone else did).
    pub async fn pass_second_step(&self, account_id: i64, typed: &str) -> StoreResult<bool> {
        let t = now();
        let passed = match SecondStep::parse(typed) {
            None => false,
            Some(SecondStep::AppCode(code)) => on_db!(self, pool => async {
                let mut tx = pool.begin_write().await?;
                let secret = sqlx::query_scalar::<_, Option<String>>(
                    "SELECT totp_secret FROM accounts WHERE id = $1")
                    .bind(account_id).fetch_optional(&mut *tx).await?.flatten();
                let Some(step) = secret.as_deref().and_then(|s| two_step::code_step(s, &code, t)) else {
                    return Ok::<_, sqlx::Error>(false);
                };
                // Each code once: only a step newer than the last accepted one.
                let used = sqlx::query(
                    "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
                    .bind(step).bind(account_id).execute(&mut *tx).await?.rows_affected();
                tx.commit().await?;
                Ok(used == 1)
            }.await)
            .map_err(StoreError::from_sqlx)?,
            Some(SecondStep::Recovery(code)) => {
                // Salted argon2id hashes (ASVS V6.5.2: the codes have under 112 bits), so each
                // unused one is checked in turn; the match is then marked used only if it still
                // is unused, so two requests racing with one code cannot both pass.
                let sql = format!(
                    "SELECT r.code_hash FROM recovery_codes r JOIN accounts a ON a.id = r.account_id
                     WHERE r.account_id = $1 AND r.used_at IS NULL AND {HAS_SECOND_STEP_A}"
                );
                let unused = on_db!(self, pool => sqlx::query_scalar::<_, String>(&sql)
                    .bind(account_id).fetch_all(pool).await)
                .map_err(StoreError::from_sqlx)?;
                let mut matched = None;
                for hash in unused {
                    if crate::auth::verify_password(&code, &hash).await {
                        matched = Some(hash);
                        break;
                    }
                }
                let used = match matched {
                    None => 0,
                    Some(hash) => on_db!(self, pool => sqlx::query(
                        "UPDATE recovery_codes SET used_at = $1
                         WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL")
                        .bind(t).bind(account_id).bind(&hash)
                        .execute(pool).await.map(|r| r.rows_affected()))
                    .map_err(StoreError::from_sqlx)?,
                };
                if used == 1 {
                    self.audit(
                        &format!("account:{account_id}"),
                        "signed in with a recovery code",
                        &format!("account:{account_id}"),
                        "",
                    )
                    .await?;
                }
                used == 1
            }
        };
        Ok(passed)
    }

    /// Replaces an account's recovery codes with ten new ones (returned, shown once). Audited.
    pub async fn new_recovery_codes(&self, staff: &Staff) -> StoreResult<Vec<String>> {
        if !self.two_step_of(staff).await?.on {
            return Err(StoreError::NotFound);
        }
        let (codes, hashes) = recovery_codes_hashed().await?;
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                .bind(staff.id).execute(&mut *tx).await?;
            for h in &hashes {
                sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                    .bind(staff.id).bind(h).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, 'made new recovery codes', $3, '', $4)")
                .bind(t).bind(staff.actor()).bind(format!("account:{}", staff.id))
                .bind(crate::request::current_id()).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)?;
        Ok(codes)
    }

    /// Ends every session of an account but the one whose token hash is `keep` (after a
    /// second step is turned off or moved: whoever else was signed in signs in again).
    pub async fn end_other_sessions(&self, account_id: i64, keep: &str) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query(
            "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
            .bind(account_id).bind(keep).execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }

    /// Turns one's own second step off, where it is not required. Audited.
    pub async fn turn_off_two_step(&self, staff: &Staff) -> StoreResult<()> {
        let state = self.two_step_of(staff).await?;
        if !state.on {
            return Err(StoreError::NotFound);
        }
        if state.required {
            return Err(StoreError::Conflict(super::Conflict::TwoStepRequired));
        }
        self.remove_second_step(
            &staff.actor(),
            staff.id,
            "turned off two-step sign-in",
            false,
        )
        .await
    }

    /// A coordinator resets someone else's second step (a lost phone): the app and recovery
    /// codes go, the person is signed out everywhere, and sets up a new one at their next
    /// sign-in if it is required. Audited.
    pub async fn reset_two_step(&self, viewer: &Staff, account_id: i64) -> StoreResult<()> {
        if !viewer.is_coordinator() {
            return Err(StoreError::Forbidden);
        }
        if viewer.id == account_id {
            return Err(StoreError::Conflict(super::Conflict::OwnTwoStep));
        }
        self.remove_second_step(&viewer.actor(), account_id, "reset two-step sign-in", true)
            .await
    }

    /// The command line's reset, for whoever runs Hearth when the last coordinator has lost
    /// both phone and recovery codes. Audited as done from the command line.
    pub async fn reset_two_step_by_operator(&self, account_id: i64) -> StoreResult<()> {
        self.remove_second_step("command line", account_id, "reset two-step sign-in", true)
            .await
    }

    async fn remove_second_step(
        &self,
        actor: &str,
        account_id: i64,
        action: &str,
        sign_out: bool,
    ) -> StoreResult<()> {
        let t = now();
        let found = on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let found = sqlx::query(
                "UPDATE accounts SET totp_secret = NULL, two_step_since = NULL WHERE id = $1")
                .bind(account_id).execute(&mut *tx).await?.rows_affected();
            for sql in [
                "DELETE FROM passkeys WHERE account_id = $1",
                "DELETE FROM passkey_setups WHERE account_id = $1",
                "DELETE FROM recovery_codes WHERE account_id = $1",
                "DELETE FROM totp_setups WHERE account_id = $1",
                "DELETE FROM sign_in_challenges WHERE account_id = $1",
            ] {
                sqlx::query(sql).bind(account_id).execute(&mut *tx).await?;
            }
            if sign_out {
                sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                    .bind(account_id).execute(&mut *tx).await?;
            }
            if found > 0 {
                sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail, request_id) VALUES ($1, $2, $3, $4, '', $5)")
                    .bind(t).bind(actor).bind(action).bind(format!("account:{account_id}"))
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

    // --- sign-ins waiting for their second step -------------------------------------------

    /// Notes that an account gave the right password and has its second step to pass (or set
    /// up) within ten minutes; the browser keeps the token.
    pub async fn create_challenge(
        &self,
        token_hash: &str,
        account_id: i64,
        kind: ChallengeKind,
        next: &str,
    ) -> StoreResult<()> {
        let t = now();
        on_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at <= $1")
                .bind(t).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO sign_in_challenges (token_hash, account_id, kind, next_path, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(token_hash).bind(account_id).bind(kind.as_str()).bind(next).bind(t)
                .bind(t + two_step::CHALLENGE_TTL).execute(&mut *tx).await?;
            tx.commit().await
        })
        .map_err(StoreError::from_sqlx)
    }

    /// The sign-in a challenge token belongs to, while it lasts (and the account may sign in).
    pub async fn challenge(&self, token_hash: &str) -> StoreResult<Option<Challenge>> {
        let sql = format!(
            "SELECT a.id, a.email, a.name, a.role, {GROUPS_OF_A}, c.kind, c.next_path
             FROM sign_in_challenges c JOIN accounts a ON a.id = c.account_id
             WHERE c.token_hash = $1 AND c.expires_at > $2 AND c.failures < $3
               AND a.disabled_at IS NULL"
        );
        let row = on_db!(self, pool => sqlx::query_as::<_, ChallengeRow>(&sql)
            .bind(token_hash).bind(now()).bind(two_step::CHALLENGE_FAILURES)
            .fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(row.map(|r| Challenge {
            kind: if r.kind == "setup" {
                ChallengeKind::Setup
            } else {
                ChallengeKind::Code
            },
            next: r.next_path,
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

    /// Counts a wrong code against a challenge; false when that was its last chance.
    pub async fn challenge_failed(&self, token_hash: &str) -> StoreResult<bool> {
        let failures = on_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "UPDATE sign_in_challenges SET failures = failures + 1 WHERE token_hash = $1 RETURNING failures")
            .bind(token_hash).fetch_optional(pool).await)
        .map_err(StoreError::from_sqlx)?;
        Ok(failures.is_some_and(|f| f < two_step::CHALLENGE_FAILURES))
    }

    /// Ends a challenge (passed, or given up).
    pub async fn end_challenge(&self, token_hash: &str) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query("DELETE FROM sign_in_challenges WHERE token_hash = $1")
            .bind(token_hash).execute(pool).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(StoreError::from_sqlx)
    }
}

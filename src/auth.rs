//! Secrets and sign-in: password hashing (argon2id), random tokens, token hashing, and the
//! sign-in check with its throttle. The throttle's counts live in the database, so every
//! instance behind a load balancer sees the same ones.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::domain::access::Staff;
use crate::store::{Store, StoreResult};

pub mod passkeys;
pub mod two_step;

/// How long a sign-in lasts at most, however much it is used (`--session-lifetime`).
pub const SESSION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);
/// How long a sign-in lasts unused (`--session-idle`): longer than a meeting with the phone
/// face down, shorter than a forgotten shared computer should stay signed in.
pub const SESSION_IDLE: std::time::Duration = std::time::Duration::from_secs(3 * 3600);
/// How long a password reset link works.
pub const RESET_TTL: i64 = 3 * 24 * 3600;
/// How sign-in failures slow further attempts (ASVS V6.3.1): an account's first failures
/// are free, then each attempt waits twice as long as the last, up to a cap, since its latest
/// failure: slower and slower guessing, but never an account locked for good by someone
/// typing its address. An address with many failures over any accounts waits out its window.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures of an account counted over this many seconds.
    pub account_window: i64,
    /// Failures of an account before attempts are slowed.
    pub free_failures: i64,
    /// The first wait, doubled with each further failure.
    pub first_wait: i64,
    /// The longest wait.
    pub max_wait: i64,
    /// Failures from one address over this many seconds...
    pub address_window: i64,
    /// ...that refuse it until they age out.
    pub max_per_address: i64,
}

pub const THROTTLE: ThrottlePolicy = ThrottlePolicy {
    account_window: 24 * 3600,
    free_failures: 5,
    first_wait: 15,
    max_wait: 15 * 60,
    address_window: 15 * 60,
    max_per_address: 20,
};

impl ThrottlePolicy {
    /// Seconds still to wait before another attempt, or None to go ahead.
    pub fn wait(
        &self,
        by_account: i64,
        last: Option<i64>,
        by_address: i64,
        now: i64,
    ) -> Option<i64> {
        if by_address >= self.max_per_address {
            return Some(self.address_window);
        }
        let over = by_account - self.free_failures;
        if over < 0 {
            return None;
        }
        let wait = self
            .first_wait
            .saturating_mul(1i64.checked_shl(over.min(32) as u32).unwrap_or(i64::MAX))
            .min(self.max_wait);
        let ready = last.unwrap_or(0).saturating_add(wait);
        (now < ready).then_some(ready - now)
    }
}

/// A new random secret: 32 bytes from the operating system, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is not something the app can recover from sensibly.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored in place of a token: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// argon2id with 12 MiB and three passes: ASVS 5.0's Appendix C asks at least 12 MiB from
/// three passes up (7 MiB and five passes, used before, is one of OWASP's cheat-sheet settings
/// but under that line), with about the same CPU time as before and under two-thirds of the
/// memory of 19 MiB and two passes for each sign-in in progress. Hashes made with other
/// settings still verify (a hash carries its own) and are replaced at the next sign-in.
fn hasher() -> Argon2<'static> {
    let params = argon2::Params::new(12 * 1024, 3, 1, None).unwrap_or_default();
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// How every hash made by `hasher` begins; a stored hash that begins otherwise was made with
/// older settings and is replaced at the next successful sign-in.
const CURRENT_SETTINGS: &str = "$argon2id$v=19$m=12288,t=3,p=1$";

/// Whether a stored hash was made with settings other than today's.
pub fn needs_rehash(hash: &str) -> bool {
    !hash.starts_with(CURRENT_SETTINGS)
}

/// Hashes a password with argon2id. Slow on purpose: run it off the async threads.
pub async fn hash_password(password: &str) -> Result<String, String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        hasher()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A fixed hash checked when the email is unknown, so that unknown and known addresses take
/// the same time to refuse.
const DUMMY_HASH: &str = "$argon2id$v=19$m=12288,t=3,p=1$XMfetDYU3PKhJLmG6O+x4g$QiM1tHh7W4VzUEtL4yJ1zHYc8fjD7GloFlUDcFW2PnU";

#[derive(Debug)]
pub enum SignIn {
    /// The right password, and the account has no second step: signed in.
    Ok(Staff),
    /// The right password; the account's second step is still to pass. Failures are not
    /// cleared until it is, so a known password does not reset the count of guessed codes.
    SecondStep(Staff),
    Wrong,
    /// The right password, but a coordinator has turned the account's sign-in off.
    Disabled,
    /// Too many failures: try again after this many seconds.
    Throttled(i64),
}

/// Checks a sign-in. The throttle is consulted, and the attempt counted, before the password
/// is looked at, in one step, so simultaneous guesses cannot slip past the count.
pub async fn sign_in(
    store: &Store,
    email: &str,
    password: &str,
    address: &str,
) -> StoreResult<SignIn> {
    let email = email.trim().to_lowercase();
    if let Err(wait) = store
        .begin_sign_in_attempt(&email, address, &THROTTLE)
        .await?
    {
        // Security events are logged without the email or the address (personal data):
        // the request id and route in the span tie them to the request.
        tracing::warn!("sign-in throttled");
        return Ok(SignIn::Throttled(wait));
    }
    let creds = store.credentials(&email).await?;
    let hash = creds
        .as_ref()
        .map(|c| c.password_hash.as_str())
        .unwrap_or(DUMMY_HASH);
    let good = verify_password(password, hash).await;
    match creds {
        Some(c) if good && c.disabled => {
            tracing::info!(
                account = c.staff.id,
                "sign-in refused: the account is turned off"
            );
            Ok(SignIn::Disabled)
        }
        Some(c) if good => {
            tracing::info!(
                account = c.staff.id,
                second_step = c.two_step,
                "password right at sign-in"
            );
            if !c.two_step {
                store.clear_failures(&email).await?;
            }
            // A hash made with older settings is replaced now, while the password is known
            // (only if it is still the same hash: a password changed meanwhile wins).
            if needs_rehash(&c.password_hash)
                && let Ok(new_hash) = hash_password(password).await
            {
                store
                    .replace_password_hash(c.staff.id, &c.password_hash, &new_hash)
                    .await?;
            }
            Ok(if c.two_step {
                SignIn::SecondStep(c.staff)
            } else {
                SignIn::Ok(c.staff)
            })
        }
        // The attempt was counted as a failure when it began.
        _ => {
            tracing::info!("sign-in refused: wrong email address or password");
            Ok(SignIn::Wrong)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_slow_attempts_down_without_locking_out() {
        let p = THROTTLE;
        assert_eq!(
            p.wait(4, Some(1000), 0, 1000),
            None,
            "the first failures are free"
        );
        assert_eq!(p.wait(5, Some(1000), 0, 1000), Some(15));
        assert_eq!(
            p.wait(5, Some(1000), 0, 1015),
            None,
            "after the wait, one more try"
        );
        assert_eq!(p.wait(6, Some(1000), 0, 1000), Some(30));
        assert_eq!(p.wait(7, Some(1000), 0, 1000), Some(60));
        assert_eq!(
            p.wait(60, Some(1000), 0, 1000),
            Some(900),
            "never more than the cap"
        );
        assert_eq!(p.wait(i64::MAX, Some(1000), 0, 1000), Some(900));
        assert_eq!(
            p.wait(0, None, 20, 1000),
            Some(900),
            "an address with many failures waits"
        );
    }

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_eq!(hash_token(&a).len(), 64);
    }

    #[tokio::test]
    async fn passwords_verify() {
        let h = hash_password("correct horse battery").await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(!needs_rehash(&h), "{h}");
        assert!(!needs_rehash(DUMMY_HASH));
        assert!(verify_password("correct horse battery", &h).await);
        assert!(!verify_password("wrong", &h).await);
        assert!(!verify_password("x", DUMMY_HASH).await);
    }
}

//! Secrets and sign-in: password hashing (argon2id), random tokens, token hashing, and the
//! sign-in check with its throttle. The throttle's counts live in the database, so every
//! instance behind a load balancer sees the same ones.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::domain::access::Staff;
use crate::store::{Store, StoreResult};

/// How long a sign-in lasts.
pub const SESSION_TTL: i64 = 14 * 24 * 3600;
/// How long a password reset link works.
pub const RESET_TTL: i64 = 3 * 24 * 3600;
/// The throttle window and limits: failures per account, and per address.
pub const THROTTLE_WINDOW: i64 = 15 * 60;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

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

/// argon2id with 7 MiB and five passes: one of the settings OWASP lists as giving the same
/// defence as 19 MiB and two passes, with about the same CPU time but a third of the memory for
/// each sign-in in progress (a burst of sign-ins on a small server no longer needs 19 MiB each).
/// Hashes made with other settings still verify: a hash carries its own settings.
fn hasher() -> Argon2<'static> {
    let params = argon2::Params::new(7 * 1024, 5, 1, None).unwrap_or_default();
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// How every hash made by `hasher` begins; a stored hash that begins otherwise was made with
/// older settings and is replaced at the next successful sign-in.
const CURRENT_SETTINGS: &str = "$argon2id$v=19$m=7168,t=5,p=1$";

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
const DUMMY_HASH: &str = "$argon2id$v=19$m=7168,t=5,p=1$9ALaH3Q7UOojhCTgU7kGVg$DDKER0QMmUtNg2aKhAXja2ec6TkVsgU5XN7qVl4Tmw0";

#[derive(Debug)]
pub enum SignIn {
    Ok(Staff),
    Wrong,
    Throttled,
}

/// Checks a sign-in. The throttle is consulted before the password is looked at.
pub async fn sign_in(
    store: &Store,
    email: &str,
    password: &str,
    address: &str,
) -> StoreResult<SignIn> {
    let email = email.trim().to_lowercase();
    let (by_email, by_address) = store
        .recent_failures(&email, address, THROTTLE_WINDOW)
        .await?;
    if by_email >= MAX_FAILURES_PER_ACCOUNT || by_address >= MAX_FAILURES_PER_ADDRESS {
        tracing::warn!(address, "sign-in throttled");
        return Ok(SignIn::Throttled);
    }
    let creds = store.credentials(&email).await?;
    let hash = creds
        .as_ref()
        .map(|c| c.password_hash.as_str())
        .unwrap_or(DUMMY_HASH);
    let good = verify_password(password, hash).await;
    match creds {
        Some(c) if good => {
            store.clear_failures(&email).await?;
            // A hash made with older settings is replaced now, while the password is known
            // (only if it is still the same hash: a password changed meanwhile wins).
            if needs_rehash(&c.password_hash)
                && let Ok(new_hash) = hash_password(password).await
            {
                store
                    .replace_password_hash(c.staff.id, &c.password_hash, &new_hash)
                    .await?;
            }
            Ok(SignIn::Ok(c.staff))
        }
        _ => {
            store.record_failure(&email, address).await?;
            Ok(SignIn::Wrong)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

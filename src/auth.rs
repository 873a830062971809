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

/// How many password hashes run at once (ASVS V15.2.2): as many as the machine has cores, at
/// least two. Each takes 12 MiB and most of a core for a moment, so a flood of sign-ins from
/// many addresses (which the per-address throttle cannot stop) waits its turn here instead of
/// filling the memory and starving every page. A request that gives up waiting (the request
/// timeout, a closed connection) never starts its hash, and a hash that has started keeps its
/// place until it ends, even if its request has gone.
pub static HASHING: std::sync::LazyLock<Hashing> = std::sync::LazyLock::new(|| {
    Hashing::new(
        std::thread::available_parallelism()
            .map(std::num::NonZeroUsize::get)
            .unwrap_or(2)
            .max(2),
    )
});

/// The turns for password hashing, and counts of those running and waiting (for /metrics).
pub struct Hashing {
    turns: std::sync::Arc<tokio::sync::Semaphore>,
    limit: usize,
    waiting: std::sync::atomic::AtomicUsize,
    running: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// The most that have run at once since the process started.
    peak: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Hashing {
    fn new(limit: usize) -> Hashing {
        Hashing {
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(limit)),
            limit,
            waiting: Default::default(),
            running: Default::default(),
            peak: Default::default(),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Hashes waiting for their turn, and running, now.
    pub fn counts(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.waiting.load(Relaxed), self.running.load(Relaxed))
    }

    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `work` on a blocking thread once a turn is free. None if the thread panicked.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        use std::sync::atomic::Ordering::Relaxed;
        /// Counts a waiter until its turn comes or it gives up (its future dropped).
        struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Relaxed);
            }
        }
        self.waiting.fetch_add(1, Relaxed);
        let waiting = Waiting(&self.waiting);
        let turn = self.turns.clone().acquire_owned().await.ok()?;
        drop(waiting);
        let (running, peak) = (self.running.clone(), self.peak.clone());
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Relaxed) + 1;
            peak.fetch_max(now, Relaxed);
            let out = work();
            running.fetch_sub(1, Relaxed);
            // The turn is handed back only when the work is done.
            drop(turn);
            out
        })
        .await
        .ok()
    }
}

/// Hashes a password with argon2id. Slow on purpose: run off the async threads, in turn.
pub async fn hash_password(password: &str) -> Result<String, String> {
    let password = password.to_string();
    HASHING
        .run(move || {
            hasher()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|| Err("the hashing thread stopped".into()))
}

pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    HASHING
        .run(move || {
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
        // Security events are logged without the email (personal data): the request's id
        // ties them to the refused request's line, which has the route and the address.
        tracing::warn!(request_id = %crate::request::current_id().unwrap_or_default(), "sign-in throttled");
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
            tracing::info!(request_id = %crate::request::current_id().unwrap_or_default(),
                account = c.staff.id,
                "sign-in refused: the account is turned off"
            );
            Ok(SignIn::Disabled)
        }
        Some(c) if good => {
            tracing::info!(request_id = %crate::request::current_id().unwrap_or_default(),
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
            tracing::info!(request_id = %crate::request::current_id().unwrap_or_default(), "sign-in refused: wrong email address or password");
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

    /// Many hashes asked for at once run no more than the limit at a time; the rest wait
    /// their turn, and every one is still answered.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_the_limit() {
        let asks: Vec<_> = (0..4 * HASHING.limit() + 2)
            .map(|i| {
                tokio::spawn(
                    async move { verify_password(&format!("guess {i}"), DUMMY_HASH).await },
                )
            })
            .collect();
        let mut saw_waiting = false;
        for _ in 0..200 {
            let (waiting, running) = HASHING.counts();
            assert!(running <= HASHING.limit(), "{running} running");
            if waiting > 0 {
                saw_waiting = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        for ask in asks {
            assert!(!ask.await.expect("answered"), "a wrong password is wrong");
        }
        assert!(saw_waiting, "the hashes beyond the limit wait their turn");
        assert!(
            HASHING.peak() <= HASHING.limit(),
            "at most {} at once, saw {}",
            HASHING.limit(),
            HASHING.peak()
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

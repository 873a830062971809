//! The second step of signing in: six-digit codes from an authenticator app (TOTP, RFC 6238,
//! through the totp-rs crate) and ten single-use recovery codes for when the phone is lost.

use totp_rs::{Algorithm, Builder, Secret, Totp};

/// The name an authenticator app shows beside the code.
pub const ISSUER: &str = "Hearth";
/// How many recovery codes an account gets at a time.
pub const RECOVERY_CODES: usize = 10;
/// Seconds each app code lasts (RFC 6238's recommendation, and every app's default).
pub const STEP: i64 = 30;
/// How long someone has to pass (or set up) the second step after their password.
pub const CHALLENGE_TTL: i64 = 10 * 60;
/// Wrong codes before the password must be given again.
pub const CHALLENGE_FAILURES: i64 = 5;
/// How long a key shown for setting up an app stays usable.
pub const SETUP_TTL: i64 = 60 * 60;

/// What someone typed at the second step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondStep {
    /// Six digits from the app.
    AppCode(String),
    /// One of their recovery codes, without spaces or dashes, in lower case.
    Recovery(String),
}

impl SecondStep {
    /// Six digits (spaces allowed, as apps show "123 456") are an app code; anything else of a
    /// recovery code's length is a recovery code; the rest is nothing.
    pub fn parse(input: &str) -> Option<SecondStep> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
            return Some(SecondStep::AppCode(digits));
        }
        let code = normalise_recovery(input);
        (code.len() == RECOVERY_LEN).then_some(SecondStep::Recovery(code))
    }
}

/// A new key for an authenticator app: 20 random bytes (160 bits, as RFC 4226 recommends),
/// in base32 as apps take it.
pub fn new_secret() -> String {
    Secret::from(random_bytes::<20>()).to_base32()
}

fn totp(secret: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP as u64)
        .with_secret(secret)
        .build()
        .ok()
}

/// The 30-second step a code belongs to, if the key makes that code now or one step either
/// side (for a phone's clock a little off). The caller accepts each step once.
pub fn code_step(secret: &str, code: &str, now: i64) -> Option<i64> {
    let now = u64::try_from(now).ok()?;
    totp(secret)?
        .check(code, now)
        .and_then(|step| i64::try_from(step).ok())
}

/// The code the key makes at a time (for tests and the command line's checks).
pub fn code_at(secret: &str, time: i64) -> Option<String> {
    Some(
        totp(secret)?
            .generate(u64::try_from(time).ok()?)
            .to_string(),
    )
}

/// The key in groups of four, for typing into an app by hand.
pub fn spaced(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The address an app reads from the square code: `otpauth://totp/Hearth:<email>?...`
/// (Google's Key Uri Format, which every app follows).
pub fn otpauth_url(secret: &str, account: &str) -> String {
    format!(
        "otpauth://totp/{ISSUER}:{}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits=6&period={STEP}",
        percent_encode(account)
    )
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Letters and digits that cannot be mistaken for each other (no i, l, o, 0 or 1).
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_LEN: usize = 10;

/// Ten new recovery codes, each ten characters (about 50 bits) shown as `abcde-fghjk`.
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut code = String::with_capacity(RECOVERY_LEN + 1);
            while code.len() < RECOVERY_LEN + 1 {
                // Rejection sampling keeps every character equally likely.
                for b in random_bytes::<16>() {
                    let limit = 256 - 256 % RECOVERY_ALPHABET.len();
                    if usize::from(b) < limit && code.len() < RECOVERY_LEN + 1 {
                        if code.len() == RECOVERY_LEN / 2 {
                            code.push('-');
                        }
                        code.push(char::from(
                            RECOVERY_ALPHABET[usize::from(b) % RECOVERY_ALPHABET.len()],
                        ));
                    }
                }
            }
            code
        })
        .collect()
}

/// A recovery code as stored (hashed): lower case, without spaces or dashes.
pub fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS random source failing is not something the app can recover from sensibly.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238 appendix B, SHA-1: the key "12345678901234567890", time 59 → 94287082
        // (eight digits); the last six digits are the six-digit code.
        let key = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&key, 59).as_deref(), Some("287082"));
        assert_eq!(code_at(&key, 1_111_111_109).as_deref(), Some("081804"));
    }

    #[test]
    fn codes_work_one_step_either_side_only() {
        let key = new_secret();
        assert_eq!(key.len(), 32, "160 bits in base32");
        let now = 1_800_000_000;
        let code = code_at(&key, now).expect("code");
        assert_eq!(code_step(&key, &code, now), Some(now / STEP));
        assert_eq!(code_step(&key, &code, now + STEP), Some(now / STEP));
        assert_eq!(code_step(&key, &code, now + 3 * STEP), None);
        assert_eq!(code_step(&key, "000000x", now), None);
        assert_eq!(code_step("not base32!", &code, now), None);
    }

    #[test]
    fn what_was_typed() {
        assert_eq!(
            SecondStep::parse(" 123 456 "),
            Some(SecondStep::AppCode("123456".into()))
        );
        assert_eq!(
            SecondStep::parse("ABCDE-fghjk"),
            Some(SecondStep::Recovery("abcdefghjk".into()))
        );
        assert_eq!(SecondStep::parse("12345"), None);
        assert_eq!(SecondStep::parse(""), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_readable() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for c in &codes {
            assert_eq!(c.len(), 11, "{c}");
            assert_eq!(&c[5..6], "-");
            assert_eq!(normalise_recovery(c).len(), 10);
            assert!(matches!(
                SecondStep::parse(c),
                Some(SecondStep::Recovery(_))
            ));
        }
    }

    #[test]
    fn the_app_address() {
        let url = otpauth_url("ABCD", "fern smith@example.org");
        assert_eq!(
            url,
            "otpauth://totp/Hearth:fern%20smith@example.org?secret=ABCD&issuer=Hearth&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(spaced("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}

//! Whether a new password is too easy to guess (ASVS 5.0 V6.2.4, V6.2.11, V6.2.12): one of
//! the 30,000 most common leaked passwords (common_passwords.txt), such a password with
//! digits and symbols around it ("Monkey2024!"), one character over and over, a word of this
//! site ("hearth", "peer support"), or the person's own name or email address in it. Checked
//! offline: nothing a person types leaves Hearth.

use std::collections::HashSet;
use std::sync::LazyLock;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

/// Words of this site and of peer support that make a guessable password on their own
/// (documented in docs/security.md).
pub const CONTEXT_WORDS: &[&str] = &[
    "hearth",
    "peersupport",
    "supportgroup",
    "support",
    "facilitator",
    "coordinator",
    "volunteer",
    "meeting",
    "welcome",
    "changeme",
];

/// The letters and digits at the heart of a password: lower case, without the digits,
/// symbols and spaces around the letters ("  Monkey2024!" is "monkey").
fn core(lower: &str) -> &str {
    lower.trim_matches(|c: char| !c.is_alphabetic())
}

/// Why `password` is too easy to guess, in words for the person choosing it, or None.
/// `personal` holds the person's own name and email address.
pub fn weakness(password: &str, personal: &[&str]) -> Option<String> {
    let lower = password.to_lowercase();
    let squashed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    let core = core(&squashed);
    let letters: String = squashed.chars().filter(|c| c.is_alphabetic()).collect();
    let mut chars = squashed.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Some("That is one character again and again, which is easy to guess. Try a short sentence only you would think of.".into());
    }
    if COMMON.contains(squashed.as_str()) || (core.chars().count() >= 3 && COMMON.contains(core)) {
        return Some("That is one of the most common passwords, so it is easy to guess. Try a short sentence only you would think of, such as three or four unrelated words.".into());
    }
    let repeats = |w: &str| {
        !letters.is_empty()
            && letters.len().is_multiple_of(w.len())
            && letters == w.repeat(letters.len() / w.len())
    };
    if CONTEXT_WORDS.contains(&core) || CONTEXT_WORDS.iter().any(|w| repeats(w)) {
        return Some("That is a word anyone would try for this site. Try a short sentence only you would think of.".into());
    }
    let own: Vec<String> = personal
        .iter()
        .flat_map(|p| {
            let p = p.to_lowercase();
            let local = p.split('@').next().unwrap_or("").to_string();
            let mut words: Vec<String> = p
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_string)
                .collect();
            words.push(local.chars().filter(|c| c.is_alphanumeric()).collect());
            words
        })
        .filter(|w| w.chars().count() >= 4)
        .collect();
    if own
        .iter()
        .any(|w| letters.contains(w.as_str()) || squashed.contains(w.as_str()))
    {
        return Some("Don't use your name or email address in your password: they are the first things someone would try.".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::weakness;

    #[test]
    fn common_and_context_passwords_are_refused() {
        let me = ["Fern Facilitator", "fern.jones@example.org"];
        for weak in [
            "password1234",
            "1234567890",
            "qwertyuiop",
            "Password123!",
            "  Monkey2024!!",
            "iloveyou2024",
            "aaaaaaaaaaaa",
            "hearth2024!!",
            "Hearth Hearth",
            "peer support",
            "fernjones1966",
            "my name is fern jones",
            "example.org1",
        ] {
            assert!(weakness(weak, &me).is_some(), "{weak} should be refused");
        }
        for fine in [
            "correct horse battery staple",
            "a long enough password",
            "tea at four on the green bench",
            "Blue kettle, red door 1962",
        ] {
            assert_eq!(weakness(fine, &me), None, "{fine} should be taken");
        }
    }
}

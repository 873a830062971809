//! Staff accounts: email addresses, passwords and the input that creates an account.

use super::access::Role;
use super::{FieldErrors, RawInput, looks_like_email, required_text};

/// An email address, trimmed and lower-cased so that sign-in ignores case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Email {
    type Error = String;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        let v = value.trim().to_lowercase();
        if v.is_empty() {
            Err("Enter an email address.".into())
        } else if looks_like_email(&v) {
            Ok(Email(v))
        } else {
            Err("Enter an email address like name@example.org.".into())
        }
    }
}

/// A new password: long enough to be safe, short enough to hash quickly.
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

pub const MIN_PASSWORD: usize = 10;

impl NewPassword {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl NewPassword {
    /// A new password for someone (their name and email address in `personal`): long
    /// enough, and not too easy to guess (domain/password.rs), their own name included.
    pub fn for_person(value: &str, personal: &[&str]) -> Result<Self, String> {
        let password = NewPassword::try_from(value)?;
        match super::password::weakness(value, personal) {
            Some(why) => Err(why),
            None => Ok(password),
        }
    }
}

impl TryFrom<&str> for NewPassword {
    type Error = String;
    /// Long enough, and not one of the common passwords or the site's words.
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        let n = value.chars().count();
        if n == 0 {
            Err("Enter a password.".into())
        } else if n < MIN_PASSWORD {
            Err(format!(
                "Use at least {MIN_PASSWORD} characters. A short sentence is easy to remember."
            ))
        } else if n > 200 {
            Err("Use 200 characters or fewer.".into())
        } else if let Some(why) = super::password::weakness(value, &[]) {
            Err(why)
        } else {
            Ok(NewPassword(value.to_string()))
        }
    }
}

/// A new staff account, from the setup page, the staff page or the command line.
#[derive(Debug, Clone)]
pub struct AccountInput {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub password: NewPassword,
}

impl TryFrom<&RawInput> for AccountInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = required_text(raw, "name", 100, "Enter the person's name.", &mut errors);
        let email = Email::try_from(raw.text("email").as_str())
            .map_err(|m| errors.add("email", m))
            .ok();
        let role = match raw.text("role").as_str() {
            "" => Role::Facilitator,
            r => Role::try_from(r)
                .map_err(|_| errors.add("role", "Choose coordinator or facilitator."))
                .unwrap_or(Role::Facilitator),
        };
        let typed_email = raw.text("email");
        let password =
            NewPassword::for_person(raw.get("password").unwrap_or(""), &[&name, &typed_email])
                .map_err(|m| errors.add("password", m))
                .ok();
        if let (Some(p), Some(confirm)) = (&password, raw.get("password_confirm"))
            && p.expose() != confirm
        {
            errors.add("password_confirm", "The two passwords are not the same.");
        }
        match (email, password) {
            (Some(email), Some(password)) if errors.is_empty() => Ok(AccountInput {
                email,
                name,
                role,
                password,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::try_from("  Ada@Example.ORG ").map(|e| e.0),
            Ok("ada@example.org".to_string())
        );
        assert!(Email::try_from("nope").is_err());
    }

    #[test]
    fn passwords_must_be_long_enough() {
        assert!(NewPassword::try_from("short").is_err());
        assert!(NewPassword::try_from("a long enough one").is_ok());
    }

    #[test]
    fn account_input_names_every_bad_field() {
        let raw = RawInput::from_pairs(vec![
            ("email".into(), "x".into()),
            ("password".into(), "short".into()),
        ]);
        let errors = AccountInput::try_from(&raw).expect_err("bad");
        assert!(errors.get("name").is_some());
        assert!(errors.get("email").is_some());
        assert!(errors.get("password").is_some());
    }
}

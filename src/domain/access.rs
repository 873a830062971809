//! Who is asking: a signed-in staff member (coordinator or facilitator) or a member using their
//! personal link. The store takes a `Staff` for every read of group data and filters by it.

use crate::domain::ids::GroupId;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Looks after the whole network: sees every group.
    Coordinator,
    /// Runs the groups they are assigned to, and sees only those.
    Facilitator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Facilitator => "facilitator",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Coordinator => "Coordinator",
            Role::Facilitator => "Facilitator",
        }
    }
}

impl TryFrom<&str> for Role {
    type Error = String;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        match value.trim().to_ascii_lowercase().as_str() {
            "coordinator" => Ok(Role::Coordinator),
            "facilitator" => Ok(Role::Facilitator),
            other => Err(format!(
                "unknown role {other:?}: use coordinator or facilitator"
            )),
        }
    }
}

/// A signed-in member of staff. Only the store makes one, from an account it has just read (a
/// session, a token, a sign-in): `non_exhaustive` keeps code outside this crate from making up
/// a viewer to read group data as.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Staff {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The groups this person facilitates, read with their session on every request (so a
    /// coordinator's change of facilitators applies at once), sorted. The store checks access
    /// to a facilitator's group against it without another query.
    #[serde(skip)]
    pub groups: Vec<super::ids::GroupId>,
}

impl Staff {
    /// Whether this person facilitates the group (coordinators see every group regardless).
    pub fn facilitates(&self, group_id: GroupId) -> bool {
        self.groups.binary_search(&group_id).is_ok()
    }
    pub fn is_coordinator(&self) -> bool {
        self.role == Role::Coordinator
    }
    /// How this person is named in the audit log.
    pub fn actor(&self) -> String {
        format!("account:{}", self.id)
    }
}

/// The phone number a member of staff can be reached on (issue 21): empty, or digits with the
/// usual punctuation, as a member's is.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffPhone(String);

impl StaffPhone {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&crate::domain::RawInput> for StaffPhone {
    type Error = crate::domain::FieldErrors;
    fn try_from(raw: &crate::domain::RawInput) -> Result<Self, Self::Error> {
        let text = raw.text("phone").trim().to_string();
        if text.is_empty() {
            return Ok(StaffPhone(text));
        }
        crate::domain::member::parse_phone(&text)
            .map(StaffPhone)
            .map_err(|message| crate::domain::FieldErrors::single("phone", message))
    }
}

#[cfg(test)]
mod phone_tests {
    use super::*;
    use crate::domain::RawInput;

    #[test]
    fn a_staff_phone_is_empty_or_a_number() {
        let parse = |p: &str| StaffPhone::try_from(&RawInput::of(&[("phone", p)]));
        assert_eq!(parse(" ").expect("empty is fine").as_str(), "");
        assert_eq!(
            parse(" 07700 900123 ").expect("a number").as_str(),
            "07700 900123"
        );
        assert!(parse("call me").is_err());
        assert!(parse("12").is_err());
    }
}

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

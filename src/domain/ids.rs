//! Typed ids: a group's id, a meeting's and a member's are different types, so one cannot be
//! passed where another is meant (`store.meeting(&staff, group.id)` does not compile). Each is
//! the database's integer underneath: the same in SQL (through `sqlx(transparent)`), in JSON
//! (a number) and in paths and links (its digits).
//!
//! ```compile_fail,E0277
//! // An event's id does not make a poll's address.
//! let event = hearth::domain::ids::EventId(1);
//! let _ = hearth::paths::poll(event);
//! ```

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default,
            serde::Serialize, serde::Deserialize, sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The number underneath, for a place that takes any id (an audit subject, a CSV
            /// cell).
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    };
}

id_type!(
    /// A group's id.
    GroupId
);
id_type!(
    /// A meeting's id.
    MeetingId
);
id_type!(
    /// A member's id.
    MemberId
);
id_type!(
    /// A poll's id.
    PollId
);
id_type!(
    /// A social event's id.
    EventId
);
id_type!(
    /// A topic's id (on a group's board or in the library).
    TopicId
);
id_type!(
    /// A member's action plan's id.
    PlanId
);
id_type!(
    /// A venue's id.
    VenueId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_writes_as_its_number() {
        let id: MeetingId = "42".parse().expect("digits");
        assert_eq!(id, MeetingId(42));
        assert_eq!(id.to_string(), "42");
        assert_eq!(serde_json::to_string(&id).expect("json"), "42");
        assert_eq!(
            serde_json::from_str::<MemberId>("7").expect("json"),
            MemberId(7)
        );
        assert!("x".parse::<GroupId>().is_err());
    }
}

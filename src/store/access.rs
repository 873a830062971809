//! Capabilities: values that prove the one asking may reach a group's data. Only the store
//! makes them, each after its own check (a meeting through a group the viewer may see, a member
//! through their personal link), and their fields are private to the store, so code outside it
//! cannot make one up. Every method that reads or writes a meeting's parts (its agenda, replies,
//! attendance, actions, host) or a member's records takes one and binds its ids into the SQL, so
//! a handler cannot reach them with a bare id it has not had checked.
//!
//! ```compile_fail,E0451
//! // A meeting's capability cannot be made outside the store.
//! fn forge(meeting: hearth::domain::meeting::Meeting) -> hearth::store::MeetingAccess {
//!     let actor = hearth::store::Actor::Staff(1);
//!     hearth::store::MeetingAccess { meeting, actor }
//! }
//! ```
//!
//! ```compile_fail,E0308
//! // A member's consents are read through a capability, not an id.
//! async fn peek(store: &hearth::Store) {
//!     let _ = store.consents_of(7).await;
//! }
//! ```
//!
//! ```compile_fail,E0451
//! // Nor can a personal link's capability be made up.
//! fn forge(member: hearth::domain::member::Member) -> hearth::store::MemberLink {
//!     hearth::store::MemberLink { member }
//! }
//! ```
//!
//! ```compile_fail,E0308
//! // A plan's reviews are read through the plan's capability, not its id.
//! async fn peek(store: &hearth::Store) {
//!     let _ = store.reviews_of(3).await;
//! }
//! ```
//!
//! ```compile_fail,E0308
//! // A reflection is read through its meeting's capability, not the meeting's id.
//! async fn peek(store: &hearth::Store) {
//!     let _ = store.reflections_of(42).await;
//! }
//! ```
//!
//! ```compile_fail,E0639
//! // And a viewer cannot be made up either: a `Staff` comes only from a sign-in.
//! fn forge() -> hearth::domain::access::Staff {
//!     hearth::domain::access::Staff {
//!         id: 1,
//!         email: String::new(),
//!         name: String::new(),
//!         role: hearth::domain::access::Role::Coordinator,
//!         groups: Vec::new(),
//!     }
//! }
//! ```
//!
//! ```compile_fail,E0308
//! // Reading a meeting's attendance takes the capability, not an id.
//! async fn peek(store: &hearth::Store) {
//!     let _ = store.attendance_of(42).await;
//! }
//! ```

use std::ops::Deref;

use crate::domain::access::Staff;
use crate::domain::meeting::Meeting;
use crate::domain::member::Member;
use crate::domain::topic::ActionPlan;

/// Who did something, as the audit trail names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A member of staff (coordinator or facilitator), by account.
    Staff(i64),
    /// A member, through their personal link.
    Member(i64),
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Staff(id) => write!(f, "account:{id}"),
            Actor::Member(id) => write!(f, "member:{id}"),
        }
    }
}

impl From<&Staff> for Actor {
    fn from(staff: &Staff) -> Actor {
        Actor::Staff(staff.id)
    }
}

/// A meeting the viewer may see and change: made by [`crate::Store::meeting`], which reads it
/// through the groups the viewer may see. Reads as the meeting itself.
#[derive(Debug, Clone)]
pub struct MeetingAccess {
    pub(super) meeting: Meeting,
    pub(super) actor: Actor,
}

impl MeetingAccess {
    pub fn id(&self) -> i64 {
        self.meeting.id
    }
    pub fn group_id(&self) -> i64 {
        self.meeting.group_id
    }
    /// Who is acting through this capability, for the audit trail.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    pub fn meeting(&self) -> &Meeting {
        &self.meeting
    }
    pub fn into_meeting(self) -> Meeting {
        self.meeting
    }
}

impl Deref for MeetingAccess {
    type Target = Meeting;
    fn deref(&self) -> &Meeting {
        &self.meeting
    }
}

/// A member the viewer may see (reading one is audited, as any look at a member's record):
/// made by [`crate::Store::member`]. Their consents and personal link are reached through it.
/// Reads as the member.
#[derive(Debug, Clone)]
pub struct MemberAccess {
    pub(super) member: Member,
    pub(super) actor: Actor,
}

impl MemberAccess {
    pub fn member(&self) -> &Member {
        &self.member
    }
    pub fn into_member(self) -> Member {
        self.member
    }
}

impl Deref for MemberAccess {
    type Target = Member;
    fn deref(&self) -> &Member {
        &self.member
    }
}

/// What both ways of reaching a member give: whose records, and who is acting (staff, or the
/// member themself). Only the store's capabilities have it.
pub trait MemberScope: sealed::Sealed {
    fn member_id(&self) -> i64;
    fn actor(&self) -> Actor;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::MemberAccess {}
    impl Sealed for super::MemberLink {}
    impl Sealed for super::PrivateAccess {}
}

impl MemberScope for MemberAccess {
    fn member_id(&self) -> i64 {
        self.member.id
    }
    fn actor(&self) -> Actor {
        self.actor.clone()
    }
}

impl MemberScope for MemberLink {
    fn member_id(&self) -> i64 {
        self.member.id
    }
    fn actor(&self) -> Actor {
        Actor::Member(self.member.id)
    }
}

/// A member's private records (action plans, reviews, check-ins), for their group's own
/// facilitators only: made by [`crate::Store::private_records`].
#[derive(Debug, Clone)]
pub struct PrivateAccess {
    pub(super) member_id: i64,
    pub(super) group_id: i64,
    pub(super) actor: Actor,
}

impl PrivateAccess {
    pub fn member_id(&self) -> i64 {
        self.member_id
    }
    pub fn group_id(&self) -> i64 {
        self.group_id
    }
}

/// One action plan, for its member's group's own facilitators: made by
/// [`crate::Store::plan_for`]. Its reviews are read and written through it. Reads as the plan.
#[derive(Debug, Clone)]
pub struct PlanAccess {
    pub(super) plan: ActionPlan,
    pub(super) actor: Actor,
}

impl PlanAccess {
    pub fn plan(&self) -> &ActionPlan {
        &self.plan
    }
}

impl Deref for PlanAccess {
    type Target = ActionPlan;
    fn deref(&self) -> &ActionPlan {
        &self.plan
    }
}

/// Who may make a member's plans: the group's own facilitators, or the member themself.
pub trait PlanOwner: sealed::Sealed {
    fn member_id(&self) -> i64;
    fn actor(&self) -> Actor;
}

impl PlanOwner for PrivateAccess {
    fn member_id(&self) -> i64 {
        self.member_id
    }
    fn actor(&self) -> Actor {
        self.actor.clone()
    }
}

impl PlanOwner for MemberLink {
    fn member_id(&self) -> i64 {
        self.member.id
    }
    fn actor(&self) -> Actor {
        Actor::Member(self.member.id)
    }
}

/// A member reached through their own personal link: what the link may read and change is
/// theirs alone, and their group's meetings, topics, polls and events. Made by
/// [`crate::Store::member_by_link`]. Reads as the member.
#[derive(Debug, Clone)]
pub struct MemberLink {
    pub(super) member: Member,
}

impl MemberLink {
    pub fn member(&self) -> &Member {
        &self.member
    }
    pub fn actor(&self) -> Actor {
        Actor::Member(self.member.id)
    }
}

impl Deref for MemberLink {
    type Target = Member;
    fn deref(&self) -> &Member {
        &self.member
    }
}

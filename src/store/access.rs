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
//! ```compile_fail,E0308
//! // A group's id is not a meeting's: the types keep them apart, so one cannot be passed for
//! // the other.
//! async fn mix_up(
//!     store: &hearth::Store,
//!     viewer: &hearth::domain::access::Staff,
//!     group: &hearth::store::GroupAccess,
//! ) {
//!     let _ = store.meeting(viewer, group.id()).await;
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
//! // A group's concerns are read through the group's capability, not its id.
//! async fn peek(store: &hearth::Store, viewer: &hearth::domain::access::Staff) {
//!     let _ = store.concerns_of(viewer, 7).await;
//! }
//! ```
//!
//! ```compile_fail,E0451
//! // A group's capability cannot be made up either.
//! fn forge() -> hearth::store::GroupAccess {
//!     hearth::store::GroupAccess { group_id: 7, actor: hearth::store::Actor::Staff(1) }
//! }
//! ```
//!
//! ```compile_fail,E0308
//! // What only staff may see of a group (here its rota) is not reached through a member's
//! // personal link, even though the link reaches the group's topic board.
//! async fn peek(store: &hearth::Store, link: &hearth::store::MemberLink) {
//!     let _ = store.group_topics(link).await;
//!     let _ = store.rota_of(link, 0).await;
//! }
//! ```
//!
//! ```compile_fail,E0308
//! // A poll's answers are read through the poll's capability, not its id.
//! async fn peek(store: &hearth::Store) {
//!     let _ = store.poll_answers(5).await;
//! }
//! ```
//!
//! ```compile_fail,E0061
//! // Signing someone in, moving the run-sheet and keeping the record take the meeting's
//! // capability: a viewer and a bare meeting id are not enough.
//! async fn tamper(store: &hearth::Store, viewer: &hearth::domain::access::Staff) {
//!     let _ = store.sign_in(viewer, 42, 7).await;
//! }
//! ```
//!
//! ```compile_fail,E0061
//! // A group's members (with their needs) are listed through the group's capability.
//! async fn peek(store: &hearth::Store, viewer: &hearth::domain::access::Staff) {
//!     let _ = store.members_of(viewer, 7, &Default::default()).await;
//! }
//! ```
//!
//! ```compile_fail,E0308
//! // A member's action plans are read through their private records' capability, which only
//! // the group's own facilitators get.
//! async fn peek(store: &hearth::Store, viewer: &hearth::domain::access::Staff) {
//!     let _ = store.plans_for(viewer).await;
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
use crate::domain::ids::{GroupId, MeetingId, MemberId};
use crate::domain::meeting::Meeting;
use crate::domain::member::Member;
use crate::domain::poll::Poll;
use crate::domain::social::SocialEvent;
use crate::domain::topic::ActionPlan;

/// Who did something, as the audit trail names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A member of staff (coordinator or facilitator), by account.
    Staff(i64),
    /// A member, through their personal link.
    Member(MemberId),
    /// Hearth itself: the email jobs and the demo data, which act for no one.
    System,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Staff(id) => write!(f, "account:{id}"),
            Actor::Member(id) => write!(f, "member:{id}"),
            Actor::System => f.write_str("system"),
        }
    }
}

impl Actor {
    /// The account acting, for records that name a member of staff (who planned a poll or an
    /// event); a member's link or a job may not make those.
    pub(super) fn account_id(&self) -> super::StoreResult<i64> {
        match self {
            Actor::Staff(id) => Ok(*id),
            _ => Err(super::StoreError::Forbidden),
        }
    }
}

impl From<&Staff> for Actor {
    fn from(staff: &Staff) -> Actor {
        Actor::Staff(staff.id)
    }
}

/// Who asks for a capability to one of a group's records: a member of staff (checked against
/// the record's group), a member's own link (their group's only), or Hearth's own jobs.
#[derive(Clone, Copy)]
pub(super) enum Asker<'a> {
    Staff(&'a Staff),
    Link(&'a MemberLink),
    Job,
}

impl crate::Store {
    /// Lets the asker into a group's record, naming who acts through the capability; a record
    /// of a group the asker may not reach is not found.
    pub(super) async fn admit(
        &self,
        asker: Asker<'_>,
        group_id: GroupId,
    ) -> super::StoreResult<Actor> {
        match asker {
            Asker::Staff(viewer) => {
                self.check_group(viewer, group_id).await?;
                Ok(viewer.into())
            }
            Asker::Link(link) if link.member.group_id == group_id => Ok(link.actor()),
            Asker::Link(_) => Err(super::StoreError::NotFound),
            Asker::Job => Ok(Actor::System),
        }
    }
}

/// A capability that holds one record reads as that record (`Deref`), lends it (`$field()`)
/// and gives it back (`into_$field()`); one that holds a group's record is also a way into
/// that group ([`GroupScope`]), acting as whoever it was made for.
macro_rules! holds {
    ($cap:ident, $field:ident, $into:ident, $target:ty) => {
        impl $cap {
            pub fn $field(&self) -> &$target {
                &self.$field
            }
            pub fn $into(self) -> $target {
                self.$field
            }
        }

        impl Deref for $cap {
            type Target = $target;
            fn deref(&self) -> &$target {
                &self.$field
            }
        }

        impl sealed::Sealed for $cap {}
    };
    ($cap:ident, $field:ident, $into:ident, $target:ty, in its group) => {
        holds!($cap, $field, $into, $target);

        impl GroupScope for $cap {
            fn group_id(&self) -> GroupId {
                self.$field.group_id
            }
            fn acting(&self) -> Actor {
                self.actor.clone()
            }
        }
    };
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::PrivateAccess {}
    impl Sealed for super::GroupAccess {}
}

/// A meeting the viewer may see and change: made by [`crate::Store::meeting`], which reads it
/// through the groups the viewer may see. Reads as the meeting itself.
#[derive(Debug, Clone)]
pub struct MeetingAccess {
    pub(super) meeting: Meeting,
    pub(super) actor: Actor,
}

holds!(MeetingAccess, meeting, into_meeting, Meeting, in its group);

impl MeetingAccess {
    pub fn id(&self) -> MeetingId {
        self.meeting.id
    }
    pub fn group_id(&self) -> GroupId {
        self.meeting.group_id
    }
    /// The meeting's group, for the same viewer: they were checked against it when this
    /// capability was made.
    pub fn group(&self) -> GroupAccess {
        GroupAccess {
            group_id: self.meeting.group_id,
            actor: self.actor.clone(),
        }
    }
    /// Who is acting through this capability, for the audit trail.
    pub fn actor(&self) -> &Actor {
        &self.actor
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

holds!(MemberAccess, member, into_member, Member, in its group);

impl MemberAccess {
    /// The member's group, for the same viewer: they were checked against it when this
    /// capability was made.
    pub fn group(&self) -> GroupAccess {
        GroupAccess {
            group_id: self.member.group_id,
            actor: self.actor.clone(),
        }
    }
}

/// A member reached through their own personal link: what the link may read and change is
/// theirs alone, and their group's meetings, topics, polls and events. Made by
/// [`crate::Store::member_by_link`]. Reads as the member.
#[derive(Debug, Clone)]
pub struct MemberLink {
    pub(super) member: Member,
}

holds!(MemberLink, member, into_member, Member);

impl MemberLink {
    pub fn actor(&self) -> Actor {
        Actor::Member(self.member.id)
    }
}

impl GroupScope for MemberLink {
    fn group_id(&self) -> GroupId {
        self.member.group_id
    }
    fn acting(&self) -> Actor {
        self.actor()
    }
}

/// An availability poll the viewer may reach (staff through its group, a member through their
/// link to the same group): made by [`crate::Store::poll_for`] and
/// [`crate::Store::poll_for_link`]. Its options and answers are read and written through it.
/// Reads as the poll.
#[derive(Debug, Clone)]
pub struct PollAccess {
    pub(super) poll: Poll,
    pub(super) actor: Actor,
}

holds!(PollAccess, poll, into_poll, Poll, in its group);

/// A social event the viewer may reach: made by [`crate::Store::social_event_for`] and
/// [`crate::Store::social_event_for_link`]. Its replies are read and written through it.
/// Reads as the event.
#[derive(Debug, Clone)]
pub struct EventAccess {
    pub(super) event: SocialEvent,
    pub(super) actor: Actor,
}

holds!(EventAccess, event, into_event, SocialEvent, in its group);

/// One action plan, for its member's group's own facilitators: made by
/// [`crate::Store::plan_for`]. Its reviews are read and written through it. Reads as the plan.
#[derive(Debug, Clone)]
pub struct PlanAccess {
    pub(super) plan: ActionPlan,
    pub(super) actor: Actor,
}

holds!(PlanAccess, plan, into_plan, ActionPlan);

/// A group a member of staff may reach: made by [`crate::Store::group`] after the same check
/// as every group page. What only staff may see of a group (its concerns, contact record,
/// facilitators, rota, member names, calendar feed) is read and written through it.
#[derive(Debug, Clone)]
pub struct GroupAccess {
    pub(super) group_id: GroupId,
    pub(super) actor: Actor,
}

impl GroupAccess {
    pub fn id(&self) -> GroupId {
        self.group_id
    }
    /// Who is acting through this capability, for the audit trail.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

impl GroupScope for GroupAccess {
    fn group_id(&self) -> GroupId {
        self.group_id
    }
    fn acting(&self) -> Actor {
        self.actor.clone()
    }
}

/// What every capability inside one group gives: which group, and who is acting. The group's
/// shared things (its topic board, its open polls and events) are reached through any of them,
/// so a member's link reaches its own group's and staff reach the groups they may see.
pub trait GroupScope: sealed::Sealed {
    fn group_id(&self) -> GroupId;
    fn acting(&self) -> Actor;

    /// The group's staff capability, when a member of staff holds this one: they were checked
    /// against the group when it was made. None for a member's link or a job.
    fn staff_group(&self) -> Option<GroupAccess> {
        match self.acting() {
            actor @ Actor::Staff(_) => Some(GroupAccess {
                group_id: self.group_id(),
                actor,
            }),
            _ => None,
        }
    }
}

/// A member's private records (action plans, reviews, check-ins), for their group's own
/// facilitators only: made by [`crate::Store::private_records`].
#[derive(Debug, Clone)]
pub struct PrivateAccess {
    pub(super) member_id: MemberId,
    pub(super) group_id: GroupId,
    pub(super) actor: Actor,
}

impl PrivateAccess {
    pub fn member_id(&self) -> MemberId {
        self.member_id
    }
    pub fn group_id(&self) -> GroupId {
        self.group_id
    }
}

/// What the ways of reaching one member give: whose records, their group, and who is acting
/// (staff, or the member themself). Only the store's capabilities have it.
pub trait MemberScope: sealed::Sealed {
    fn member_id(&self) -> MemberId;
    fn member_group_id(&self) -> GroupId;
    fn actor(&self) -> Actor;
    /// Whether this is the member themself (their personal link), not staff acting for them.
    fn is_the_member(&self) -> bool {
        false
    }
}

impl MemberScope for MemberAccess {
    fn member_id(&self) -> MemberId {
        self.member.id
    }
    fn member_group_id(&self) -> GroupId {
        self.member.group_id
    }
    fn actor(&self) -> Actor {
        self.actor.clone()
    }
}

impl MemberScope for MemberLink {
    fn member_id(&self) -> MemberId {
        self.member.id
    }
    fn member_group_id(&self) -> GroupId {
        self.member.group_id
    }
    fn actor(&self) -> Actor {
        MemberLink::actor(self)
    }
    fn is_the_member(&self) -> bool {
        true
    }
}

impl MemberScope for PrivateAccess {
    fn member_id(&self) -> MemberId {
        self.member_id
    }
    fn member_group_id(&self) -> GroupId {
        self.group_id
    }
    fn actor(&self) -> Actor {
        self.actor.clone()
    }
}

/// Who may make a member's plans: the group's own facilitators, or the member themself (not
/// staff who may only see the member's record).
pub trait PlanOwner: MemberScope {}

impl PlanOwner for PrivateAccess {}
impl PlanOwner for MemberLink {}

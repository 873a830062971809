//! What the API sends about groups, venues, members and meetings: types of its own, made from
//! the domain's. The domain types are what the store reads (`sqlx::FromRow`) and the pages show;
//! they are not `Serialize`, so renaming a field or a column cannot change the documented JSON
//! without a change here, where `src/api/openapi.json` describes it.

use serde::Serialize;

use crate::domain::group::{Format, Group};
use crate::domain::ids::{GroupId, MeetingId, MemberId, VenueId};
use crate::domain::meeting::{Meeting, MeetingStatus};
use crate::domain::member::{ContactPref, Member, Needs, StoryConsent};
use crate::domain::venue::{StepFree, Venue};

#[derive(Debug, Serialize)]
pub struct GroupJson {
    id: GroupId,
    name: String,
    area: String,
    description: String,
    timezone: String,
    usual_meeting_length: i64,
    open_to_new_members: bool,
    format: Format,
    number_of_meetings: Option<i64>,
    ground_rules: String,
    ground_rules_reviewed_on: Option<String>,
    usual_venue_id: Option<VenueId>,
    reminder_hours: i64,
}

impl From<Group> for GroupJson {
    fn from(g: Group) -> GroupJson {
        GroupJson {
            id: g.id,
            name: g.name,
            area: g.area,
            description: g.description,
            timezone: g.timezone,
            usual_meeting_length: g.usual_meeting_length,
            open_to_new_members: g.open_to_new_members,
            format: g.format,
            number_of_meetings: g.number_of_meetings,
            ground_rules: g.ground_rules,
            ground_rules_reviewed_on: g.ground_rules_reviewed_on,
            usual_venue_id: g.usual_venue_id,
            reminder_hours: g.reminder_hours,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct VenueJson {
    id: VenueId,
    name: String,
    address: String,
    how_to_get_there: String,
    toilets: String,
    fire_exits: String,
    step_free: StepFree,
    hearing_loop: bool,
    accessible_toilet: bool,
    parking: bool,
    quiet_room: bool,
    requires_sign_in_sheet: bool,
    capacity: Option<i64>,
    booking_contact: String,
    notes: String,
}

impl From<Venue> for VenueJson {
    fn from(v: Venue) -> VenueJson {
        VenueJson {
            id: v.id,
            name: v.name,
            address: v.address,
            how_to_get_there: v.how_to_get_there,
            toilets: v.toilets,
            fire_exits: v.fire_exits,
            step_free: v.step_free,
            hearing_loop: v.hearing_loop,
            accessible_toilet: v.accessible_toilet,
            parking: v.parking,
            quiet_room: v.quiet_room,
            requires_sign_in_sheet: v.requires_sign_in_sheet,
            capacity: v.capacity,
            booking_contact: v.booking_contact,
            notes: v.notes,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct MemberJson {
    id: MemberId,
    group_id: GroupId,
    preferred_name: String,
    full_name: String,
    phone: String,
    email: String,
    preferred_contact: ContactPref,
    /// A list of needs.
    needs: Needs,
    needs_note: String,
    happy_to_share_story: StoryConsent,
    joined_on: Option<String>,
    left_on: Option<String>,
}

impl From<Member> for MemberJson {
    fn from(m: Member) -> MemberJson {
        MemberJson {
            id: m.id,
            group_id: m.group_id,
            preferred_name: m.preferred_name,
            full_name: m.full_name,
            phone: m.phone,
            email: m.email,
            preferred_contact: m.preferred_contact,
            needs: m.needs,
            needs_note: m.needs_note,
            happy_to_share_story: m.happy_to_share_story,
            joined_on: m.joined_on,
            left_on: m.left_on,
        }
    }
}

/// A meeting: its local date and start time in its group's zone (`starts_at`, the instant,
/// comes beside it where the API gives one).
#[derive(Debug, Serialize)]
pub struct MeetingJson {
    id: MeetingId,
    group_id: GroupId,
    date: String,
    start_time: String,
    timezone: String,
    duration_minutes: i64,
    venue_id: Option<VenueId>,
    status: MeetingStatus,
    cancel_reason: String,
    topic: String,
    current_step: i64,
    started_at: Option<i64>,
    ended_at: Option<i64>,
    step_started_at: Option<i64>,
    round_up_good: String,
    round_up_not_so_good: String,
    round_up_sharing: String,
    topics_discussed: String,
    key_points: String,
    pass_on: String,
    version: i64,
}

impl From<Meeting> for MeetingJson {
    fn from(m: Meeting) -> MeetingJson {
        MeetingJson {
            id: m.id,
            group_id: m.group_id,
            date: m.local_date,
            start_time: m.local_time,
            timezone: m.timezone,
            duration_minutes: m.duration_minutes,
            venue_id: m.venue_id,
            status: m.status,
            cancel_reason: m.cancel_reason,
            topic: m.topic,
            current_step: m.current_step,
            started_at: m.started_at,
            ended_at: m.ended_at,
            step_started_at: m.step_started_at,
            round_up_good: m.round_up_good,
            round_up_not_so_good: m.round_up_not_so_good,
            round_up_sharing: m.round_up_sharing,
            topics_discussed: m.topics_discussed,
            key_points: m.key_points,
            pass_on: m.pass_on,
            version: m.version,
        }
    }
}

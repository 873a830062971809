//! The pages Hearth links and redirects to, each written once: the router registers its pattern
//! (`paths::MEETING_RUN`) and code that sends someone there builds the address with the
//! function of the same name (`paths::meeting_run(id)`), so a link cannot point at a route that
//! does not exist. A page about a group, a meeting or a member takes its typed id, so a group's
//! id cannot be put where a meeting's belongs. An anchor is added to the address:
//! `paths::meeting(id) + "#people"`. (Templates still write their links out; see
//! docs/architecture.md.)

use crate::domain::ids::{GroupId, MeetingId, MemberId};

/// `paths! { CONST, function(param: Type, ...) = "/pattern/{param}"; ... }`: the pattern is the
/// router's, and its placeholders are the function's parameters by name.
macro_rules! paths {
    ($( $(#[$meta:meta])* $konst:ident, $name:ident($($arg:ident: $ty:ty),*) = $pattern:literal; )+) => {
        $(
            #[doc = concat!("The route `", $pattern, "`.")]
            pub const $konst: &str = $pattern;

            $(#[$meta])*
            pub fn $name($($arg: $ty),*) -> String {
                format!($pattern)
            }
        )+
    };
}

paths! {
    /// A group's page.
    GROUP, group(id: GroupId) = "/groups/{id}";
    GROUP_EDIT, group_edit(id: GroupId) = "/groups/{id}/edit";
    GROUP_MEETINGS, group_meetings(id: GroupId) = "/groups/{id}/meetings";
    GROUP_MEMBERS, group_members(id: GroupId) = "/groups/{id}/members";
    GROUP_TOPICS, group_topics(id: GroupId) = "/groups/{id}/topics";
    /// One topic of a group's board.
    GROUP_TOPIC, group_topic(id: GroupId, topic: i64) = "/groups/{id}/topics/{topic}";
    GROUP_ROTA, group_rota(id: GroupId) = "/groups/{id}/rota";
    GROUP_CONCERNS, group_concerns(id: GroupId) = "/groups/{id}/concerns";
    GROUP_AGENDA, group_agenda(id: GroupId) = "/groups/{id}/agenda";
    GROUP_CONTACTS, group_contacts(id: GroupId) = "/groups/{id}/contacts";
    /// A meeting's page (planning and preparing it).
    MEETING, meeting(id: MeetingId) = "/meetings/{id}";
    MEETING_NOTES, meeting_notes(id: MeetingId) = "/meetings/{id}/notes";
    /// The run-sheet, step by step.
    MEETING_RUN, meeting_run(id: MeetingId) = "/meetings/{id}/run";
    MEETING_SIGN_IN, meeting_sign_in(id: MeetingId) = "/meetings/{id}/sign-in";
    MEETING_CONCERNS, meeting_concerns(id: MeetingId) = "/meetings/{id}/concerns";
    MEETING_AGENDA, meeting_agenda(id: MeetingId) = "/meetings/{id}/agenda";
    MEETING_START, meeting_start(id: MeetingId) = "/meetings/{id}/start";
    MEETING_END, meeting_end(id: MeetingId) = "/meetings/{id}/end";
    /// A member's record.
    MEMBER, member(id: MemberId) = "/members/{id}";
    MEMBER_DATA_JSON, member_data_json(id: MemberId) = "/members/{id}/data.json";
    /// A member's own page, by their personal link's token.
    LINK, link(token: impl std::fmt::Display) = "/m/{token}";
    LINK_DATA_JSON, link_data_json(token: impl std::fmt::Display) = "/m/{token}/data.json";
    SOCIAL_EVENT, social_event(id: i64) = "/social/{id}";
    POLL, poll(id: i64) = "/polls/{id}";
    PLAN, plan(id: i64) = "/plans/{id}";
    VENUE, venue(id: i64) = "/venues/{id}";
    MEETING_CALENDAR, meeting_calendar(id: MeetingId) = "/meetings/{id}/calendar.ics";
    SOCIAL_CALENDAR, social_calendar(id: i64) = "/social/{id}/calendar.ics";
    PASSKEY_REMOVE, passkey_remove(id: i64) = "/account/passkeys/{id}/remove";
    SESSION_END, session_end(handle: impl std::fmt::Display) = "/account/sessions/{handle}/end";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_its_pattern_filled_in() {
        assert_eq!(meeting_run(MeetingId(7)), "/meetings/7/run");
        assert_eq!(group_topic(GroupId(2), 9), "/groups/2/topics/9");
        assert_eq!(link("abc") + "#meetings", "/m/abc#meetings");
        assert_eq!(MEETING_RUN, "/meetings/{id}/run");
    }
}

//! The pages Hearth links and redirects to, each written once: the router registers its pattern
//! (`paths::MEETING_RUN`) and code that sends someone there builds the address with the
//! function of the same name (`paths::meeting_run(id)`), so a link cannot point at a route that
//! does not exist. A page about a group, a meeting or a member takes its typed id, so a group's
//! id cannot be put where a meeting's belongs. An anchor is added to the address:
//! `paths::meeting(id) + "#people"`.
//!
//! ```compile_fail,E0277
//! // A group's id does not make a meeting's address.
//! let group = hearth::domain::ids::GroupId(1);
//! let _ = hearth::paths::meeting(group);
//! ```
//!
//! Templates build their links with the same functions
//! (`href="{{ crate::paths::meeting_run(meeting.id) }}"`).

use crate::domain::ids::{EventId, GroupId, MeetingId, MemberId, PlanId, PollId, TopicId, VenueId};

/// What a builder takes for a parameter of type `T`: the value or a reference to it (templates
/// pass references), so `meeting(id)` and `meeting(&id)` both work and `meeting(group_id)` does
/// not compile. A parameter of type [`Text`] takes anything printable (a token, a position).
pub trait Arg<T> {
    type Out: std::fmt::Display;
    fn out(self) -> Self::Out;
}

impl<T: Copy + std::fmt::Display> Arg<T> for T {
    type Out = T;
    fn out(self) -> T {
        self
    }
}

impl<T: Copy + std::fmt::Display> Arg<T> for &T {
    type Out = T;
    fn out(self) -> T {
        *self
    }
}

impl<T: Copy + std::fmt::Display> Arg<T> for &&T {
    type Out = T;
    fn out(self) -> T {
        **self
    }
}

/// A parameter that is text, not an id: a personal link's token, a step's position.
pub enum Text {}

impl<D: std::fmt::Display> Arg<Text> for D {
    type Out = D;
    fn out(self) -> D {
        self
    }
}

/// `paths! { CONST, function(param: Type, ...) = "/pattern/{param}"; ... }`: the pattern is the
/// router's, and its placeholders are the function's parameters by name.
macro_rules! paths {
    (prefix $prefix:literal; $( $(#[$meta:meta])* $konst:ident, $name:ident($($arg:ident: $ty:ty),*) = $pattern:literal; )+) => {
        $(
            #[doc = concat!("The route `", $pattern, "` under `", $prefix, "`.")]
            pub const $konst: &str = $pattern;

            $(#[$meta])*
            pub fn $name($($arg: impl Arg<$ty>),*) -> String {
                $(let $arg = $arg.out();)*
                let mut out = String::from($prefix);
                out.push_str(&format!($pattern));
                out
            }
        )+
    };
    ($( $(#[$meta:meta])* $konst:ident, $name:ident($($arg:ident: $ty:ty),*) = $pattern:literal; )+) => {
        $(
            #[doc = concat!("The route `", $pattern, "`.")]
            pub const $konst: &str = $pattern;

            $(#[$meta])*
            pub fn $name($($arg: impl Arg<$ty>),*) -> String {
                $(let $arg = $arg.out();)*
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
    GROUP_TOPIC, group_topic(id: GroupId, topic: TopicId) = "/groups/{id}/topics/{topic}";
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
    LINK, link(token: Text) = "/m/{token}";
    LINK_DATA_JSON, link_data_json(token: Text) = "/m/{token}/data.json";
    SOCIAL_EVENT, social_event(id: EventId) = "/social/{id}";
    POLL, poll(id: PollId) = "/polls/{id}";
    PLAN, plan(id: PlanId) = "/plans/{id}";
    VENUE, venue(id: VenueId) = "/venues/{id}";
    MEETING_CALENDAR, meeting_calendar(id: MeetingId) = "/meetings/{id}/calendar.ics";
    SOCIAL_CALENDAR, social_calendar(id: EventId) = "/social/{id}/calendar.ics";
    PASSKEY_REMOVE, passkey_remove(id: i64) = "/account/passkeys/{id}/remove";
    ACCOUNT_TOKEN_REVOKE, account_token_revoke(id: i64) = "/account/tokens/{id}/revoke";
    CONTACTS_DONE, contacts_done(id: i64) = "/contacts/{id}/done";
    GROUP_ATTENDANCE_CSV, group_attendance_csv(id: GroupId) = "/groups/{id}/attendance.csv";
    GROUP_CALENDAR_FEED, group_calendar_feed(id: GroupId) = "/groups/{id}/calendar-feed";
    GROUP_CONTACTS_CSV, group_contacts_csv(id: GroupId) = "/groups/{id}/contacts.csv";
    GROUP_CONTACTS_NEW, group_contacts_new(id: GroupId) = "/groups/{id}/contacts/new";
    GROUP_FACILITATORS, group_facilitators(id: GroupId) = "/groups/{id}/facilitators";
    GROUP_FEEDBACK_CSV, group_feedback_csv(id: GroupId) = "/groups/{id}/feedback.csv";
    GROUP_HISTORY, group_history(id: GroupId) = "/groups/{id}/history";
    GROUP_INSIGHT, group_insight(id: GroupId) = "/groups/{id}/insight";
    GROUP_MAIL, group_mail(id: GroupId) = "/groups/{id}/mail";
    GROUP_MEETINGS_FIGURES_CSV, group_meetings_figures_csv(id: GroupId) = "/groups/{id}/meetings-figures.csv";
    GROUP_MEETINGS_CSV, group_meetings_csv(id: GroupId) = "/groups/{id}/meetings.csv";
    GROUP_MEETINGS_NEW, group_meetings_new(id: GroupId) = "/groups/{id}/meetings/new";
    GROUP_MEMBERS_CSV, group_members_csv(id: GroupId) = "/groups/{id}/members.csv";
    GROUP_MEMBERS_IMPORT, group_members_import(id: GroupId) = "/groups/{id}/members/import";
    GROUP_MEMBERS_IMPORT_CONFIRM, group_members_import_confirm(id: GroupId) = "/groups/{id}/members/import/confirm";
    GROUP_MEMBERS_NEW, group_members_new(id: GroupId) = "/groups/{id}/members/new";
    GROUP_POLLS, group_polls(id: GroupId) = "/groups/{id}/polls";
    GROUP_POLLS_NEW, group_polls_new(id: GroupId) = "/groups/{id}/polls/new";
    GROUP_REPORT, group_report(id: GroupId) = "/groups/{id}/report";
    GROUP_SEARCH, group_search(id: GroupId) = "/groups/{id}/search";
    GROUP_SERIES_NEW, group_series_new(id: GroupId) = "/groups/{id}/series/new";
    GROUP_SOCIAL, group_social(id: GroupId) = "/groups/{id}/social";
    GROUP_TOPIC_EDIT, group_topic_edit(id: GroupId, topic: Text) = "/groups/{id}/topics/{topic}/edit";
    HELP_ANSWERED, help_answered(reflection: Text) = "/help/{reflection}/answered";
    LINK_CALENDAR_FEED, link_calendar_feed(token: Text) = "/m/{token}/calendar-feed";
    LINK_CONSENTS, link_consents(token: Text) = "/m/{token}/consents";
    LINK_CONSENT_WITHDRAW, link_consent_withdraw(token: Text, cid: Text) = "/m/{token}/consents/{cid}/withdraw";
    LINK_DATA, link_data(token: Text) = "/m/{token}/data";
    LINK_FEEDBACK, link_feedback(token: Text, meeting: MeetingId) = "/m/{token}/feedback/{meeting}";
    LINK_MEETING, link_meeting(token: Text, meeting: MeetingId) = "/m/{token}/meetings/{meeting}";
    LINK_MEETING_CALENDAR_ICS, link_meeting_calendar_ics(token: Text, meeting: MeetingId) = "/m/{token}/meetings/{meeting}/calendar.ics";
    LINK_PLANS, link_plans(token: Text) = "/m/{token}/plans";
    LINK_POLL, link_poll(token: Text, poll: Text) = "/m/{token}/polls/{poll}";
    LINK_ROTA, link_rota(token: Text) = "/m/{token}/rota";
    LINK_SOCIAL, link_social(token: Text, event: Text) = "/m/{token}/social/{event}";
    LINK_SOCIAL_CALENDAR_ICS, link_social_calendar_ics(token: Text, event: Text) = "/m/{token}/social/{event}/calendar.ics";
    LINK_TOPICS, link_topics(token: Text) = "/m/{token}/topics";
    LINK_TOPIC, link_topic(token: Text, topic: Text) = "/m/{token}/topics/{topic}";
    MEETING_ACTIONS, meeting_actions(id: MeetingId) = "/meetings/{id}/actions";
    MEETING_ACTION_DONE, meeting_action_done(id: MeetingId, action: Text) = "/meetings/{id}/actions/{action}/done";
    MEETING_ATTENDANCE, meeting_attendance(id: MeetingId, member: MemberId) = "/meetings/{id}/attendance/{member}";
    MEETING_CALL_LIST, meeting_call_list(id: MeetingId) = "/meetings/{id}/call-list";
    MEETING_CANCEL, meeting_cancel(id: MeetingId) = "/meetings/{id}/cancel";
    MEETING_EDIT, meeting_edit(id: MeetingId) = "/meetings/{id}/edit";
    MEETING_GUEST_REMOVE, meeting_guest_remove(id: MeetingId, attendance: Text) = "/meetings/{id}/guests/{attendance}/remove";
    MEETING_HELP, meeting_help(id: MeetingId) = "/meetings/{id}/help";
    MEETING_HOST, meeting_host(id: MeetingId) = "/meetings/{id}/host";
    MEETING_INVITE, meeting_invite(id: MeetingId) = "/meetings/{id}/invite";
    MEETING_NEXT, meeting_next(id: MeetingId) = "/meetings/{id}/next";
    MEETING_PRINT_CSS, meeting_print_css(id: MeetingId) = "/meetings/{id}/print.css";
    MEETING_REFLECTION, meeting_reflection(id: MeetingId) = "/meetings/{id}/reflection";
    MEETING_REINSTATE, meeting_reinstate(id: MeetingId) = "/meetings/{id}/reinstate";
    MEETING_REOPEN, meeting_reopen(id: MeetingId) = "/meetings/{id}/reopen";
    MEETING_RSVP, meeting_rsvp(id: MeetingId) = "/meetings/{id}/rsvp";
    MEETING_RUN_STEP, meeting_run_step(id: MeetingId) = "/meetings/{id}/run/step";
    MEETING_RUN_STEPS, meeting_run_steps(id: MeetingId, position: Text) = "/meetings/{id}/run/steps/{position}";
    MEETING_SIGN_IN_SHEET, meeting_sign_in_sheet(id: MeetingId) = "/meetings/{id}/sign-in-sheet";
    MEETING_UNSTART, meeting_unstart(id: MeetingId) = "/meetings/{id}/unstart";
    MEETING_WALK_IN, meeting_walk_in(id: MeetingId) = "/meetings/{id}/walk-in";
    MEMBER_CALENDAR_FEED_REVOKE, member_calendar_feed_revoke(id: MemberId) = "/members/{id}/calendar-feed/revoke";
    MEMBER_CONSENTS, member_consents(id: MemberId) = "/members/{id}/consents";
    MEMBER_CONSENT_WITHDRAW, member_consent_withdraw(id: MemberId, cid: Text) = "/members/{id}/consents/{cid}/withdraw";
    MEMBER_DATA, member_data(id: MemberId) = "/members/{id}/data";
    MEMBER_EDIT, member_edit(id: MemberId) = "/members/{id}/edit";
    MEMBER_ERASE, member_erase(id: MemberId) = "/members/{id}/erase";
    MEMBER_LINK, member_link(id: MemberId) = "/members/{id}/link";
    MEMBER_LINK_EMAIL, member_link_email(id: MemberId) = "/members/{id}/link/email";
    MEMBER_LINK_REVOKE, member_link_revoke(id: MemberId) = "/members/{id}/link/revoke";
    MEMBER_PLANS, member_plans(id: MemberId) = "/members/{id}/plans";
    PLAN_REVIEWS, plan_reviews(id: PlanId) = "/plans/{id}/reviews";
    POLL_ANSWERS, poll_answers(id: PollId) = "/polls/{id}/answers";
    POLL_CLOSE, poll_close(id: PollId) = "/polls/{id}/close";
    POLL_REMIND, poll_remind(id: PollId) = "/polls/{id}/remind";
    SOCIAL_EVENT_RSVP, social_event_rsvp(id: EventId) = "/social/{id}/rsvp";
    SOCIAL_EVENT_STATUS, social_event_status(id: EventId) = "/social/{id}/status";
    STAFF_TOKEN_REVOKE, staff_token_revoke(account: Text, id: i64) = "/staff/{account}/tokens/{id}/revoke";
    STAFF, staff(id: i64) = "/staff/{id}";
    STAFF_PHONE, staff_phone(id: i64) = "/staff/{id}/phone";
    STAFF_DISABLE, staff_disable(id: i64) = "/staff/{id}/disable";
    STAFF_ENABLE, staff_enable(id: i64) = "/staff/{id}/enable";
    STAFF_RESET_LINK, staff_reset_link(id: i64) = "/staff/{id}/reset-link";
    STAFF_SIGN_OUT, staff_sign_out(id: i64) = "/staff/{id}/sign-out";
    STAFF_TWO_STEP_RESET, staff_two_step_reset(id: i64) = "/staff/{id}/two-step/reset";
    VENUE_EDIT, venue_edit(id: VenueId) = "/venues/{id}/edit";
    SESSION_END, session_end(handle: Text) = "/account/sessions/{handle}/end";
}

// The JSON API's resources, as its router (nested under `/api/v1`) registers them; a builder
// gives the whole address, for a `Location` header.
paths! {
    prefix "/api/v1";
    API_GROUP, api_group(id: GroupId) = "/groups/{id}";
    API_MEETING, api_meeting(id: MeetingId) = "/meetings/{id}";
    API_MEMBER, api_member(id: MemberId) = "/members/{id}";
    API_POLL, api_poll(id: PollId) = "/polls/{id}";
    API_SOCIAL_EVENT, api_social_event(id: EventId) = "/social-events/{id}";
    API_VENUE, api_venue(id: VenueId) = "/venues/{id}";
    API_PLAN, api_plan(id: PlanId) = "/plans/{id}";
    API_GROUP_TOPIC, api_group_topic(id: GroupId, topic_id: TopicId) = "/groups/{id}/topics/{topic_id}";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_its_pattern_filled_in() {
        assert_eq!(meeting_run(MeetingId(7)), "/meetings/7/run");
        assert_eq!(group_topic(GroupId(2), TopicId(9)), "/groups/2/topics/9");
        assert_eq!(link("abc") + "#meetings", "/m/abc#meetings");
        assert_eq!(MEETING_RUN, "/meetings/{id}/run");
        assert_eq!(api_meeting(MeetingId(3)), "/api/v1/meetings/3");
        assert_eq!(API_MEETING, "/meetings/{id}");
        // Templates pass references.
        let id = MemberId(4);
        let by_reference = &id;
        assert_eq!(member(by_reference), "/members/4");
    }
}

//! Meetings: when and where a group meets, its agenda (the run-sheet's steps), who said they are
//! coming, who came, what was said, and the facilitator's reflection and concerns.
//!
//! A meeting's time is a local date and time in the group's time zone; the instant it starts is
//! worked out from the time zone database, so it is right on either side of a clock change.

use crate::domain::ids::{GroupId, MeetingId, MemberId, VenueId};
use jiff::civil::{Date, DateTime, Time};
use serde::Serialize;

use super::text_enum::text_enum;
use super::{
    FieldErrors, RawInput, optional_date, optional_number, optional_text, pick, pick_required,
    required_text,
};

text_enum! {
    /// What a step of an agenda is for, so the run-sheet can show the right tools.
    pub enum StepKind {
        General = ("general", "General"),
        Arrival = ("arrival", "Arrival"),
        SignIn = ("sign_in", "Sign-in"),
        Welcome = ("welcome", "Welcome and introductions"),
        SinceLastTime = ("since_last_time", "Since last time"),
        Goals = ("goals", "Review of goals"),
        Topic = ("topic", "Topic of discussion"),
        NextMeeting = ("next_meeting", "Outline of next session"),
        RoundUp = ("round_up", "What people said at the end"),
    }
}

text_enum! {
    /// A member's answer about coming to a meeting or a social event.
    pub enum RsvpAnswer {
        Yes = ("yes", "Coming"),
        Maybe = ("maybe", "Maybe"),
        No = ("no", "Not coming"),
    }
}

text_enum! {
    /// How the facilitator feels about the group, in their reflection.
    pub enum Feeling {
        Great = ("great", "Great"),
        Fine = ("fine", "Fine"),
        Hard = ("hard", "Finding it hard"),
        NeedHelp = ("need_help", "I need some help"),
    }
}

/// A meeting as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Meeting {
    pub id: super::ids::MeetingId,
    pub group_id: super::ids::GroupId,
    /// Local date (YYYY-MM-DD) in the group's time zone.
    pub local_date: String,
    /// Local start time (HH:MM).
    pub local_time: String,
    pub timezone: String,
    /// Unix seconds.
    pub starts_at: i64,
    pub duration_minutes: i64,
    pub venue_id: Option<VenueId>,
    pub status: MeetingStatus,
    pub cancel_reason: String,
    pub topic: String,
    /// Index of the step the run-sheet is on.
    pub current_step: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub step_started_at: Option<i64>,
    pub round_up_good: String,
    pub round_up_not_so_good: String,
    pub round_up_sharing: String,
    pub topics_discussed: String,
    pub key_points: String,
    pub pass_on: String,
    /// Goes up by one with every change, so other devices can tell they are behind.
    pub version: i64,
}

pub use super::meeting_status::{MeetingEvent, MeetingStatus, Refusal, Transition};

/// Said when a held meeting is given a day still to come (it would be counted as held before
/// it happened).
pub const HELD_MOVED_AHEAD: &str = "This meeting has been held, so its date cannot be a day still to come. If it did not take place, cancel it instead.";

impl Meeting {
    /// The meeting's day in its group's zone (the earliest date if the stored one is unreadable).
    pub fn day(&self) -> jiff::civil::Date {
        self.local_date.parse().unwrap_or(jiff::civil::Date::MIN)
    }

    /// Today, where the meeting is.
    pub fn today_there(&self) -> jiff::civil::Date {
        crate::labels::today_in(&self.timezone)
    }

    /// The meeting is today, in its group's zone.
    pub fn is_today(&self) -> bool {
        self.day() == self.today_there()
    }

    fn zoned_start(&self) -> Option<jiff::ZonedDateTime> {
        let tz = jiff::tz::TimeZone::get(&self.timezone).ok()?;
        jiff::Timestamp::from_second(self.starts_at)
            .ok()
            .map(|t| t.to_zoned_datetime(tz))
    }

    /// The start as RFC 3339 with the UTC offset in force that day, e.g. 2026-03-28T19:00:00+00:00.
    pub fn starts_at_rfc3339(&self) -> String {
        self.zoned_start()
            .map(|z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_default()
    }

    /// "Tuesday 10 March 2026"
    pub fn date_label(&self) -> String {
        self.zoned_start()
            .map(|z| z.strftime("%A %-d %B %Y").to_string())
            .unwrap_or_else(|| self.local_date.clone())
    }

    /// "7:00 pm"
    pub fn time_label(&self) -> String {
        match self.local_time.parse::<Time>() {
            Ok(t) => time_label(t),
            Err(_) => self.local_time.clone(),
        }
    }

    pub fn end_time_label(&self) -> String {
        match self.local_time.parse::<Time>() {
            Ok(t) => {
                time_label(t.wrapping_add(jiff::SignedDuration::from_mins(self.duration_minutes)))
            }
            Err(_) => String::new(),
        }
    }

    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == MeetingStatus::Cancelled
    }
    /// Whether its record says anything of what was said (round-up, topics, key points, what
    /// to pass on).
    pub fn has_record_text(&self) -> bool {
        [
            &self.round_up_good,
            &self.round_up_not_so_good,
            &self.round_up_sharing,
            &self.topics_discussed,
            &self.key_points,
            &self.pass_on,
        ]
        .iter()
        .any(|t| !t.trim().is_empty())
    }
    pub fn is_held(&self) -> bool {
        self.status == MeetingStatus::Held
    }
    pub fn is_under_way(&self) -> bool {
        self.status == MeetingStatus::UnderWay
    }
    pub fn is_planned(&self) -> bool {
        self.status == MeetingStatus::Planned
    }
    pub fn length_label(&self) -> String {
        super::group::minutes_label(self.duration_minutes)
    }
}

pub use crate::labels::time_label;

/// When a meeting is, parsed: the local date and time, and the instant that means.
#[derive(Debug, Clone)]
pub struct MeetingInput {
    pub date: Date,
    pub start_time: Time,
    pub duration_minutes: i64,
    pub venue_id: Option<VenueId>,
    pub topic: String,
}

impl MeetingInput {
    /// Parses a meeting for a group in `timezone`, with the group's usual length and venue as
    /// defaults.
    pub fn parse(
        raw: &RawInput,
        timezone: &str,
        usual_minutes: i64,
        usual_venue: Option<VenueId>,
    ) -> Result<(MeetingInput, i64), FieldErrors> {
        let mut e = FieldErrors::new();
        let date = match raw.text("date").as_str() {
            "" => {
                e.add("date", "Enter the date of the meeting.");
                None
            }
            _ => optional_date(raw, "date", &mut e),
        };
        let start_time = match raw.text("start_time").as_str() {
            "" => {
                e.add(
                    "start_time",
                    "Enter the time the meeting starts, like 2:00 pm.",
                );
                None
            }
            t => match parse_time(t) {
                Some(t) => Some(t),
                None => {
                    e.add("start_time", "Enter a time like 2:00 pm or 7:30 pm.");
                    None
                }
            },
        };
        let duration_minutes = if raw.text("duration_minutes").is_empty() {
            usual_minutes
        } else {
            optional_number(raw, "duration_minutes", 15..=480, &mut e).unwrap_or(usual_minutes)
        };
        let venue_id = if raw.get("venue_id").is_none() {
            usual_venue
        } else {
            match raw.text("venue_id").as_str() {
                "" => None,
                v => match v.parse::<VenueId>() {
                    Ok(id) if id.get() > 0 => Some(id),
                    _ => {
                        e.add("venue_id", "Choose a venue from the list.");
                        None
                    }
                },
            }
        };
        let topic = optional_text(raw, "topic", 200, &mut e);
        let (Some(date), Some(start_time)) = (date, start_time) else {
            return Err(e);
        };
        let local = DateTime::from_parts(date, start_time);
        let starts_at = match local.in_tz(timezone) {
            // A time skipped when the clocks go forward does not exist that day.
            Ok(z) if z.datetime() != local => {
                e.add(
                    "start_time",
                    "The clocks go forward at this time on that day, so it does not exist. Choose another time.",
                );
                0
            }
            Ok(z) => z.timestamp().as_second(),
            Err(_) => {
                e.add("timezone", "The group's time zone is not known.");
                0
            }
        };
        e.finish(|| {
            (
                MeetingInput {
                    date,
                    start_time,
                    duration_minutes,
                    venue_id,
                    topic,
                },
                starts_at,
            )
        })
    }

    pub fn time_text(&self) -> String {
        format!(
            "{:02}:{:02}",
            self.start_time.hour(),
            self.start_time.minute()
        )
    }
}

/// "14:00", "2:30 pm", "7pm", "19.30".
pub fn parse_time(text: &str) -> Option<Time> {
    let t = text.trim().to_ascii_lowercase().replace(' ', "");
    let (body, pm, am) = if let Some(b) = t.strip_suffix("pm") {
        (b.to_string(), true, false)
    } else if let Some(b) = t.strip_suffix("am") {
        (b.to_string(), false, true)
    } else {
        (t.clone(), false, false)
    };
    let (h, m) = match body.split_once([':', '.']) {
        Some((h, m)) => (h.parse::<i8>().ok()?, m.parse::<i8>().ok()?),
        None => (body.parse::<i8>().ok()?, 0),
    };
    let h = match (am, pm, h) {
        (false, false, h) => h,
        (_, _, h) if !(1..=12).contains(&h) => return None,
        (true, _, 12) => 0,
        (true, _, h) => h,
        (_, true, 12) => 12,
        (_, true, h) => h + 12,
    };
    Time::new(h, m, 0, 0).ok()
}

/// One step of an agenda (a group's template, or a meeting's own copy).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AgendaStep {
    pub id: i64,
    pub position: i64,
    pub title: String,
    pub minutes: i64,
    pub purpose: String,
    /// One prompt per line in storage; a list in JSON.
    #[serde(serialize_with = "lines_as_list")]
    pub prompts: String,
    /// What the step is for, so the run-sheet can show the right tools.
    pub kind: StepKind,
    /// Template steps only: included from the second meeting on.
    #[sqlx(default)]
    pub from_second_meeting: bool,
    /// Meeting steps only: indexes of prompts ticked off, comma-separated.
    #[sqlx(default)]
    #[serde(skip)]
    pub checked: String,
    /// Meeting steps only: notes taken during the step.
    #[sqlx(default)]
    pub notes: String,
}

fn lines_as_list<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(split_lines(text))
}

fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

impl AgendaStep {
    pub fn prompt_list(&self) -> Vec<&str> {
        split_lines(&self.prompts).collect()
    }
    pub fn is_checked(&self, index: &usize) -> bool {
        self.checked
            .split(',')
            .any(|c| c.trim().parse::<usize>().ok() == Some(*index))
    }
    pub fn checked_count(&self) -> usize {
        self.prompt_list()
            .iter()
            .enumerate()
            .filter(|(i, _)| self.is_checked(i))
            .count()
    }
}

/// The default agenda: the guide's seven steps, with prompts written from the guide. Steps
/// marked `true` join from the second meeting on.
pub const DEFAULT_AGENDA: [(&str, i64, StepKind, &str, &str, bool); 10] = [
    (
        "Arrival",
        5,
        StepKind::Arrival,
        "Welcome people as they arrive.",
        "Say hello to each person by name\nIntroduce yourself as the group's facilitator\nCheck whether anyone needs a hearing loop, large print or help with access",
        false,
    ),
    (
        "Sign in",
        5,
        StepKind::SignIn,
        "Sign people in, if the venue asks for it.",
        "Sign in everyone who has come\nAdd anyone new, and any guests",
        false,
    ),
    (
        "Coffee, tea and catching up",
        10,
        StepKind::General,
        "Time to help themselves to a drink and say hello to each other.",
        "Make sure everyone has a drink\nHelp new people meet others",
        false,
    ),
    (
        "Welcome and introductions",
        10,
        StepKind::Welcome,
        "Ask everyone to sit down, and begin.",
        "Introduce yourself, and share some of your background if you wish\nTell people where the toilets and fire exits are\nSay how long the meeting will last\nInvite everyone to introduce themselves\nSharing one's story is optional: medical history can stay private\nAsk whether anyone has hearing or other needs, and adjust\nAgree the ground rules, or look at them again",
        false,
    ),
    (
        "Revisit the last meeting",
        5,
        StepKind::General,
        "Ask how the last meeting went.",
        "Ask what people thought of the last meeting\nMention anything you said you would follow up",
        true,
    ),
    (
        "Since last time",
        10,
        StepKind::SinceLastTime,
        "Each person may say what has happened since the last meeting.",
        "Give each person a moment to say how things have been\nNobody has to speak",
        true,
    ),
    (
        "Review of goals",
        10,
        StepKind::Goals,
        "Look at the goals people set, if the group has had a goal-setting session.",
        "Ask each person how their plan went\nCelebrate what went well\nIf a plan was hard, think about making it smaller",
        false,
    ),
    (
        "Topic of discussion",
        20,
        StepKind::Topic,
        "Talk about the topic agreed last time. Let the talk flow naturally.",
        "Introduce the topic\nLet discussion flow, even if it moves away from the topic\nIf interest drops, steer gently back\nRemember: we share experience, we do not give medication advice",
        false,
    ),
    (
        "Outline of next session",
        10,
        StepKind::NextMeeting,
        "Decide what the next meeting will be about, and when.",
        "Brainstorm topics for the coming meetings\nAgree the topic for next time\nCheck the next date, time and venue suit everyone\nThink about social activities, and who hosts refreshments next time",
        false,
    ),
    (
        "Socialising and question time",
        5,
        StepKind::RoundUp,
        "Round up, answer questions and end on a positive note.",
        "Ask what was good today, and what was not so good\nAsk what good came from sharing\nAnswer any questions\nEnd on a positive note",
        false,
    ),
];

/// A step of a group's agenda template, from the edit form.
#[derive(Debug, Clone)]
pub struct StepInput {
    pub title: String,
    pub minutes: i64,
    pub purpose: String,
    pub prompts: String,
    pub kind: StepKind,
    pub from_second_meeting: bool,
}

impl TryFrom<&RawInput> for StepInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = required_text(raw, "title", 80, "Enter a name for the step.", &mut e);
        let minutes = match raw.text("minutes").as_str() {
            "" => {
                e.add("minutes", "Enter how many minutes the step takes.");
                0
            }
            _ => optional_number(raw, "minutes", 1..=240, &mut e).unwrap_or(0),
        };
        let purpose = optional_text(raw, "purpose", 300, &mut e);
        let prompts = optional_text(raw, "prompts", 3000, &mut e);
        if split_lines(&prompts).any(|p| p.chars().count() > 200) {
            e.add(
                "prompts",
                "Keep each prompt to one line of 200 characters or fewer.",
            );
        }
        let kind = pick(
            raw,
            "kind",
            StepKind::General,
            "Choose what the step is for from the list.",
            &mut e,
        );
        let from_second_meeting = super::flag(raw, "from_second_meeting", &mut e);
        e.finish(|| StepInput {
            title,
            minutes,
            purpose,
            prompts: split_lines(&prompts).collect::<Vec<_>>().join("\n"),
            kind,
            from_second_meeting,
        })
    }
}

/// Yes / no / maybe to a meeting.
pub fn parse_rsvp(raw: &RawInput) -> Result<RsvpAnswer, FieldErrors> {
    raw.text("answer")
        .parse()
        .map_err(|_| FieldErrors::single("answer", "Choose coming, maybe or not coming."))
}

/// The meeting record's text fields (pre-filled from the run-sheet, edited afterwards).
#[derive(Debug, Clone)]
pub struct NotesInput {
    pub topics_discussed: String,
    pub key_points: String,
    pub pass_on: String,
    pub round_up_good: String,
    pub round_up_not_so_good: String,
    pub round_up_sharing: String,
}

impl TryFrom<&RawInput> for NotesInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let n = NotesInput {
            topics_discussed: optional_text(raw, "topics_discussed", 4000, &mut e),
            key_points: optional_text(raw, "key_points", 8000, &mut e),
            pass_on: optional_text(raw, "pass_on", 4000, &mut e),
            round_up_good: optional_text(raw, "round_up_good", 4000, &mut e),
            round_up_not_so_good: optional_text(raw, "round_up_not_so_good", 4000, &mut e),
            round_up_sharing: optional_text(raw, "round_up_sharing", 4000, &mut e),
        };
        e.finish(|| n)
    }
}

/// An action or follow-up agreed at a meeting.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Action {
    pub id: i64,
    pub meeting_id: MeetingId,
    pub who: String,
    pub what: String,
    pub by_date: Option<String>,
    pub done: bool,
}

/// An action agreed at an earlier meeting and not done yet, with the day it was agreed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OpenAction {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub action: Action,
    pub agreed_on: String,
}

impl OpenAction {
    pub fn agreed_label(&self) -> String {
        crate::labels::date_label(&self.agreed_on)
    }
}

#[derive(Debug, Clone)]
pub struct ActionInput {
    pub who: String,
    pub what: String,
    pub by_date: Option<String>,
}

impl TryFrom<&RawInput> for ActionInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let what = required_text(raw, "what", 500, "Enter what needs doing.", &mut e);
        let who = required_text(raw, "who", 120, "Enter who will do it.", &mut e);
        let by_date = optional_date(raw, "by_date", &mut e).map(|d| d.to_string());
        e.finish(|| ActionInput { who, what, by_date })
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Reflection {
    pub id: i64,
    pub meeting_id: MeetingId,
    pub account_id: i64,
    pub author_name: String,
    pub went_well: String,
    pub went_less_well: String,
    pub ideas: String,
    pub feeling: Feeling,
    pub help_answered_at: Option<i64>,
    pub updated_at: i64,
}

impl Reflection {
    pub fn feeling_label(&self) -> &'static str {
        self.feeling.label()
    }
    pub fn needs_help(&self) -> bool {
        self.feeling == Feeling::NeedHelp && self.help_answered_at.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct ReflectionInput {
    pub went_well: String,
    pub went_less_well: String,
    pub ideas: String,
    pub feeling: Feeling,
}

impl TryFrom<&RawInput> for ReflectionInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let went_well = optional_text(raw, "went_well", 4000, &mut e);
        let went_less_well = optional_text(raw, "went_less_well", 4000, &mut e);
        let ideas = optional_text(raw, "ideas", 4000, &mut e);
        let feeling = pick_required(
            raw,
            "feeling",
            Feeling::Fine,
            "Choose how you feel about the group.",
            &mut e,
        );
        e.finish(|| ReflectionInput {
            went_well,
            went_less_well,
            ideas,
            feeling,
        })
    }
}

/// A worry that someone may be at risk, and what was done about it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Concern {
    pub id: i64,
    pub group_id: GroupId,
    pub meeting_id: Option<MeetingId>,
    pub member_id: Option<MemberId>,
    pub about: String,
    pub concern: String,
    pub action_taken: String,
    pub who_told: String,
    pub recorded_by: i64,
    pub recorded_by_name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct ConcernInput {
    pub member_id: Option<MemberId>,
    pub about: String,
    pub concern: String,
    pub action_taken: String,
    pub who_told: String,
}

impl TryFrom<&RawInput> for ConcernInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let member_id = match raw.text("member_id").as_str() {
            "" => None,
            v => match v.parse::<i64>() {
                Ok(id) if id > 0 => Some(MemberId(id)),
                _ => {
                    e.add("member_id", "Choose a member from the list.");
                    None
                }
            },
        };
        let about = optional_text(raw, "about", 200, &mut e);
        if member_id.is_none() && about.is_empty() && e.get("member_id").is_none() {
            e.add(
                "member_id",
                "Choose who the concern is about, or write their name.",
            );
        }
        let concern = required_text(raw, "concern", 8000, "Describe the concern.", &mut e);
        let action_taken = optional_text(raw, "action_taken", 4000, &mut e);
        let who_told = optional_text(raw, "who_told", 1000, &mut e);
        e.finish(|| ConcernInput {
            member_id,
            about,
            concern,
            action_taken,
            who_told,
        })
    }
}

/// A walk-in at the sign-in screen: an existing member, a new member, or a guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkIn {
    Member(MemberId),
    NewMember(String),
    Guest(String),
}

impl TryFrom<&RawInput> for WalkIn {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let name = raw.text("name");
        let too_long = || FieldErrors::single("name", "Use 80 characters or fewer.");
        match raw.text("kind").as_str() {
            "member" => raw
                .text("member_id")
                .parse::<MemberId>()
                .map(WalkIn::Member)
                .map_err(|_| FieldErrors::single("member_id", "Choose the member from the list.")),
            "new_member" if name.is_empty() => Err(FieldErrors::single(
                "name",
                "Enter the name the new member likes to be called.",
            )),
            "new_member" if name.chars().count() > 80 => Err(too_long()),
            "new_member" => Ok(WalkIn::NewMember(name)),
            "guest" if name.is_empty() => {
                Err(FieldErrors::single("name", "Enter the guest's name."))
            }
            "guest" if name.chars().count() > 80 => Err(too_long()),
            "guest" => Ok(WalkIn::Guest(name)),
            _ => Err(FieldErrors::single(
                "kind",
                "Choose a member, a new member or a guest.",
            )),
        }
    }
}

/// A cancellation needs a reason, so members can be told why.
pub fn parse_cancel_reason(raw: &RawInput) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::new();
    let reason = required_text(
        raw,
        "cancel_reason",
        500,
        "Say why the meeting is cancelled, for example \"the hall is closed\".",
        &mut e,
    );
    e.finish(|| reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawInput {
        RawInput::of(pairs)
    }

    #[test]
    fn times_are_read_the_way_people_write_them() {
        assert_eq!(parse_time("14:00"), Time::new(14, 0, 0, 0).ok());
        assert_eq!(parse_time("2:30 pm"), Time::new(14, 30, 0, 0).ok());
        assert_eq!(parse_time("7pm"), Time::new(19, 0, 0, 0).ok());
        assert_eq!(parse_time("12am"), Time::new(0, 0, 0, 0).ok());
        assert_eq!(parse_time("19.30"), Time::new(19, 30, 0, 0).ok());
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("13pm"), None);
        assert_eq!(time_label(Time::new(19, 0, 0, 0).expect("t")), "7:00 pm");
        assert_eq!(time_label(Time::new(12, 0, 0, 0).expect("t")), "12 noon");
    }

    #[test]
    fn the_same_local_time_is_a_different_offset_across_the_clock_change() {
        // British Summer Time ends on Sunday 25 October 2026.
        let before = MeetingInput::parse(
            &raw(&[("date", "2026-10-24"), ("start_time", "19:00")]),
            "Europe/London",
            90,
            None,
        )
        .expect("valid")
        .1;
        let after = MeetingInput::parse(
            &raw(&[("date", "2026-10-26"), ("start_time", "19:00")]),
            "Europe/London",
            90,
            None,
        )
        .expect("valid")
        .1;
        // 19:00 BST is 18:00 UTC; 19:00 GMT is 19:00 UTC: 49 hours apart, not 48.
        assert_eq!(after - before, 49 * 3600);
    }

    #[test]
    fn a_time_skipped_by_the_clocks_is_refused() {
        // Clocks go forward at 01:00 on Sunday 28 March 2027 in London.
        let e = MeetingInput::parse(
            &raw(&[("date", "2027-03-28"), ("start_time", "01:30")]),
            "Europe/London",
            90,
            None,
        )
        .expect_err("no such time");
        assert!(e.get("start_time").is_some());
    }

    #[test]
    fn meeting_input_names_bad_fields() {
        let e = MeetingInput::parse(
            &raw(&[
                ("date", "2026-02-30"),
                ("start_time", "soon"),
                ("duration_minutes", "0"),
            ]),
            "Europe/London",
            90,
            None,
        )
        .expect_err("invalid");
        for f in ["date", "start_time", "duration_minutes"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    #[test]
    fn walk_ins() {
        assert_eq!(
            WalkIn::try_from(&raw(&[("kind", "guest"), ("name", "Pat")])),
            Ok(WalkIn::Guest("Pat".into()))
        );
        assert!(WalkIn::try_from(&raw(&[("kind", "new_member")])).is_err());
        assert!(WalkIn::try_from(&raw(&[("kind", "member"), ("member_id", "x")])).is_err());
    }
}

//! What a group talks about: the topic library and each group's topic board, members' action
//! plans (goals) and their reviews, and the "since last time" check-in.

use crate::domain::ids::{GroupId, MeetingId, MemberId, PlanId, TopicId};
use serde::Serialize;

use super::{FieldErrors, RawInput, optional_date, optional_text, required_text};

/// Topics many diabetes peer support groups talk about, each with a short description and
/// prompts, written for Hearth in plain English. Groups add their own; nothing in Hearth
/// depends on these being about one condition.
pub const STARTER_TOPICS: [(&str, &str, &str); 22] = [
    (
        "Hypos",
        "Low blood sugar: noticing the signs, what helps, and how it feels.",
        "What are your early signs of a hypo?\nWhat do you keep with you, just in case?\nHow do you explain hypos to family or friends?\nHas a hypo ever caught you out? What did you learn?",
    ),
    (
        "Eating out",
        "Restaurants, cafés and eating at other people's houses.",
        "What makes eating out easier for you?\nHow do you choose from a menu?\nWhat do you say when someone offers you food you would rather not have?",
    ),
    (
        "Foot care",
        "Looking after your feet, and what to look out for.",
        "How do you check your feet, and how often?\nWhat shoes and socks work for you?\nWhat did you learn at your last foot check?",
    ),
    (
        "Eyes and kidneys",
        "Eye screening, kidney checks, and how people feel about them.",
        "How do you feel before an eye screening?\nWhat helps you remember check-ups?\nWhat questions would you like to ask at your next appointment?",
    ),
    (
        "Exercise and walking",
        "Moving more in ways that suit you.",
        "What kind of moving do you enjoy?\nWhat gets in the way of being active?\nWho could you walk with?\nWhat small step could you try this week?",
    ),
    (
        "Stress and low mood",
        "How feelings and diabetes affect each other.",
        "What does a stressful day do to your diabetes?\nWhat helps you when you feel low?\nWho do you talk to when things are hard?",
    ),
    (
        "Talking to your care team",
        "Getting the most from appointments with nurses, doctors and others.",
        "What do you want from your appointments?\nHow do you prepare?\nHave you ever felt not listened to? What helped?",
    ),
    (
        "Medication experiences",
        "Living with tablets or injections — sharing experiences, not advice.",
        "How do you remember to take your medicines?\nHow did you feel when your treatment changed?\nWhat would you tell someone just starting?\nRemember: we share experiences; questions about doses go to your care team.",
    ),
    (
        "Sick days",
        "What happens when you are ill with something else.",
        "What changes for you when you have a cold or a bug?\nDo you have a plan for sick days?\nWho would you ring for advice?",
    ),
    (
        "Travel and holidays",
        "Going away, long journeys and different time zones.",
        "What do you pack for a trip?\nHow do you manage meals when travelling?\nAny good or bad travel stories to share?",
    ),
    (
        "Festive eating",
        "Birthdays, Christmas, Eid, Diwali and other celebrations.",
        "Which celebrations are hardest for you?\nWhat are your favourite tricks for enjoying them?\nHow do you handle being offered seconds?",
    ),
    (
        "Sleep",
        "Sleeping well, and how sleep and blood sugar affect each other.",
        "How do you sleep at the moment?\nWhat helps you wind down?\nHave you noticed a link between sleep and how you feel the next day?",
    ),
    (
        "Technology and sensors",
        "Glucose meters, sensors, apps and gadgets.",
        "What technology do you use, if any?\nWhat do you like about it, and what annoys you?\nWhat would you like to try?",
    ),
    (
        "Family and friends",
        "The people around you, how they help and how they don't.",
        "Who knows about your diabetes?\nWhat do you wish your family understood?\nHow do you ask for support?",
    ),
    (
        "Work and diabetes",
        "Managing at work, telling colleagues, shifts and breaks.",
        "Have you told people at work? How did it go?\nHow do you fit meals and checks into a working day?\nWhat would make work easier?",
    ),
    (
        "Shopping and food labels",
        "Reading labels and making choices at the shops.",
        "What do you look at on a food label?\nWhich labels confuse you?\nWhat swaps have worked for you?",
    ),
    (
        "Cooking on a budget",
        "Healthy meals that do not cost a lot.",
        "What is your favourite cheap and healthy meal?\nHow do you plan meals for the week?\nCould we swap recipes next time?",
    ),
    (
        "Alcohol",
        "Drinking and diabetes — what people have found.",
        "How has drinking changed for you?\nWhat helps at social events?\nWhat do you wish you had known earlier?",
    ),
    (
        "Weight and body image",
        "Feelings about weight, and what has helped — without judging.",
        "How do you feel when weight comes up at appointments?\nWhat changes have felt good for you?\nHow can we talk about weight kindly?",
    ),
    (
        "Setting goals that work",
        "Small, specific plans you feel confident about.",
        "What is one thing you would like to change?\nHow could you make it smaller and more likely?\nHow confident do you feel, from 0 to 10?",
    ),
    (
        "Feeling in control",
        "What helps you feel you are in charge of your health.",
        "When do you feel most in control?\nWhat knocks your confidence?\nWhat has helped you get back on track?",
    ),
    (
        "Living well long term",
        "Looking after yourself over the years, and staying hopeful.",
        "What keeps you going?\nWhat do you do just for yourself?\nWhat would you tell yourself when you were first diagnosed?",
    ),
];

super::text_enum::text_enum! {
    /// Where a topic is on a group's board.
    pub enum TopicStatus {
        /// Not on the board: in the library (or the group's own list) only.
        Library = ("library", "In the library"),
        Proposed = ("proposed", "Proposed"),
        Agreed = ("agreed", "Agreed for a meeting"),
        Covered = ("covered", "Covered"),
        SetAside = ("set_aside", "Set aside"),
    }
}

super::text_enum::text_enum! {
    /// Whether a member is still working on an action plan.
    pub enum PlanStatus {
        Open = ("open", "Open"),
        Done = ("done", "Done"),
        Changed = ("changed", "Changed"),
        Dropped = ("dropped", "Dropped"),
    }
}

/// A topic in the library or a group's own, with how the group is using it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BoardTopic {
    pub id: TopicId,
    /// None for the shared library.
    pub group_id: Option<GroupId>,
    pub title: String,
    pub description: String,
    #[serde(serialize_with = "lines")]
    pub prompts: String,
    pub retired: bool,
    pub status: TopicStatus,
    pub votes: i64,
    /// The meeting it was agreed for.
    pub meeting_id: Option<MeetingId>,
    pub last_covered_at: Option<i64>,
}

fn lines<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(text.lines().map(str::trim).filter(|l| !l.is_empty()))
}

impl BoardTopic {
    pub fn prompt_list(&self) -> Vec<&str> {
        self.prompts
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
    pub fn on_board(&self) -> bool {
        self.status != TopicStatus::Library
    }
    pub fn is_agreed(&self) -> bool {
        self.status == TopicStatus::Agreed
    }
    pub fn is_covered(&self) -> bool {
        self.status == TopicStatus::Covered
    }
    pub fn is_own(&self) -> bool {
        self.group_id.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInput {
    pub title: String,
    pub description: String,
    pub prompts: String,
}

impl TryFrom<&RawInput> for TopicInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = required_text(
            raw,
            "title",
            120,
            "Enter the topic, in a few words.",
            &mut e,
        );
        let description = optional_text(raw, "description", 1000, &mut e);
        let prompts = optional_text(raw, "prompts", 3000, &mut e);
        e.finish(|| TopicInput {
            title,
            description,
            prompts: prompts
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n"),
        })
    }
}

/// A member's action plan: what, how much, when, how often, by when, and how confident they
/// feel (0-10).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ActionPlan {
    pub id: PlanId,
    pub member_id: MemberId,
    pub what: String,
    pub how_much: String,
    pub when: String,
    pub how_often: String,
    pub by_date: Option<String>,
    pub confidence: i64,
    pub status: PlanStatus,
    pub created_at: i64,
}

super::text_enum::text_enum! {
    /// What a review found of a plan.
    pub enum PlanOutcome {
        OnTrack = ("on_track", "On track"),
        Done = ("done", "Done"),
        Changed = ("changed", "Changed"),
        Dropped = ("dropped", "Dropped"),
    }
}

/// Below this, Hearth suggests making the plan smaller.
pub const CONFIDENT_ENOUGH: i64 = 7;

impl ActionPlan {
    /// The plan as its form's fields (to show the form filled in, as it is now).
    pub fn to_raw(&self) -> RawInput {
        let mut raw = RawInput::default();
        raw.set("what", &self.what);
        raw.set("how_much", &self.how_much);
        raw.set("when", &self.when);
        raw.set("how_often", &self.how_often);
        raw.set("by_date", self.by_date.as_deref().unwrap_or(""));
        raw.set("confidence", self.confidence.to_string());
        raw
    }

    pub fn is_open(&self) -> bool {
        self.status == PlanStatus::Open
    }
    pub fn low_confidence(&self) -> bool {
        self.confidence < CONFIDENT_ENOUGH
    }
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
    /// "Walk for 20 minutes, after lunch, 3 times a week, by 31 March"
    pub fn summary(&self) -> String {
        let mut parts = vec![self.what.clone()];
        for p in [&self.how_much, &self.when, &self.how_often] {
            if !p.is_empty() {
                parts.push(p.clone());
            }
        }
        let mut text = parts.join(", ");
        if let Some(d) = &self.by_date {
            text.push_str(&format!(", by {}", crate::labels::date_label(d)));
        }
        text
    }
}

#[derive(Debug, Clone)]
pub struct PlanInput {
    pub what: String,
    pub how_much: String,
    pub when: String,
    pub how_often: String,
    pub by_date: Option<String>,
    pub confidence: i64,
}

impl TryFrom<&RawInput> for PlanInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let what = required_text(
            raw,
            "what",
            300,
            "Enter what they will do, for example \"walk\".",
            &mut e,
        );
        let how_much = optional_text(raw, "how_much", 200, &mut e);
        let when = optional_text(raw, "when", 200, &mut e);
        let how_often = optional_text(raw, "how_often", 200, &mut e);
        let by_date = optional_date(raw, "by_date", &mut e).map(|d| d.to_string());
        let confidence = match raw.text("confidence").as_str() {
            "" => {
                e.add(
                    "confidence",
                    "Choose how confident they feel, from 0 (not at all) to 10 (completely).",
                );
                0
            }
            t => match t.parse::<i64>() {
                Ok(n) if (0..=10).contains(&n) => n,
                _ => {
                    e.add("confidence", "Choose a number from 0 to 10.");
                    0
                }
            },
        };
        e.finish(|| PlanInput {
            what,
            how_much,
            when,
            how_often,
            by_date,
            confidence,
        })
    }
}

/// A review of a plan at a meeting (or by phone).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PlanReview {
    pub id: i64,
    pub plan_id: PlanId,
    pub meeting_id: Option<MeetingId>,
    pub outcome: PlanOutcome,
    pub note: String,
    pub at: i64,
    /// For "changed": what the plan was before.
    pub previous: String,
    /// The meeting's local date, when reviewed at a meeting.
    pub meeting_date: Option<String>,
    /// Who recorded it (a member of staff, or the member through their link).
    pub recorded_by_name: String,
}

impl PlanReview {
    pub fn meeting_label(&self) -> Option<String> {
        self.meeting_date.as_deref().map(crate::labels::date_label)
    }
    pub fn outcome_label(&self) -> &'static str {
        self.outcome.label()
    }
}

#[derive(Debug, Clone)]
pub struct ReviewInput {
    pub outcome: PlanOutcome,
    pub note: String,
    /// "Changed": the plan as it is now (asked for before the review is kept).
    pub new_version: Option<PlanInput>,
}

impl TryFrom<&RawInput> for ReviewInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let outcome = super::pick_required(
            raw,
            "outcome",
            PlanOutcome::OnTrack,
            "Choose done, on track, changed or dropped.",
            &mut e,
        );
        let note = optional_text(raw, "note", 1000, &mut e);
        // A plan that changed is reviewed with its new version: what and how confident.
        let new_version = if outcome == PlanOutcome::Changed {
            match PlanInput::try_from(raw) {
                Ok(p) => Some(p),
                Err(errors) => {
                    for f in errors.iter() {
                        e.add(&f.field, f.message.clone());
                    }
                    None
                }
            }
        } else {
            None
        };
        e.finish(|| ReviewInput {
            outcome,
            note,
            new_version,
        })
    }
}

/// A member's "since last time" line at a meeting.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Checkin {
    pub id: i64,
    pub meeting_id: MeetingId,
    pub member_id: MemberId,
    pub note: String,
    pub private: bool,
    pub at: i64,
}

/// A "since last time" line as part of the record: whose, and at which meeting.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CheckinEntry {
    pub id: i64,
    pub meeting_id: MeetingId,
    pub member_id: MemberId,
    pub member_name: String,
    pub note: String,
    pub private: bool,
    pub at: i64,
    /// The meeting's local date (YYYY-MM-DD).
    pub meeting_date: String,
}

impl CheckinEntry {
    pub fn date_label(&self) -> String {
        crate::labels::date_label(&self.meeting_date)
    }
}

/// Why a "since last time" line was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinRefused {
    /// The meeting has no "since last time" step (a group's first meeting, say).
    NoStep,
    /// The member was not signed in at the meeting.
    NotThere,
    /// The member has left the group.
    Left,
}

impl CheckinRefused {
    pub fn message(self) -> &'static str {
        match self {
            CheckinRefused::NoStep => "This meeting has no \"since last time\" step.",
            CheckinRefused::NotThere => {
                "Lines are kept only for people who were signed in at the meeting."
            }
            CheckinRefused::Left => "This member has left the group.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawInput {
        RawInput::of(pairs)
    }

    #[test]
    fn the_library_is_big_enough_and_well_formed() {
        assert!(STARTER_TOPICS.len() >= 20);
        for (title, description, prompts) in STARTER_TOPICS {
            assert!(!title.is_empty() && !description.is_empty());
            let n = prompts.lines().count();
            assert!((3..=5).contains(&n), "{title} has {n} prompts");
        }
    }

    #[test]
    fn plans_need_what_and_confidence() {
        let e = PlanInput::try_from(&raw(&[("confidence", "11"), ("by_date", "soon")]))
            .expect_err("bad");
        for f in ["what", "confidence", "by_date"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        let p = PlanInput::try_from(&raw(&[
            ("what", "Walk"),
            ("how_much", "20 minutes"),
            ("confidence", "6"),
        ]))
        .expect("valid");
        assert_eq!(p.confidence, 6);
    }

    #[test]
    fn reviews_need_an_outcome() {
        assert!(ReviewInput::try_from(&raw(&[("outcome", "maybe")])).is_err());
        assert!(ReviewInput::try_from(&raw(&[("outcome", "done")])).is_ok());
    }
}

//! Support groups: what a group is and the input that creates or changes one.

use crate::domain::ids::VenueId;
use serde::Serialize;

use super::{
    FieldErrors, RawInput, flag, optional_date, optional_number, optional_text, required_text,
};

/// A group as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Group {
    pub id: super::ids::GroupId,
    pub name: String,
    /// The area or region the group belongs to, for a programme's figures ("" when not set).
    pub area: String,
    pub description: String,
    /// IANA time zone name; meetings are local times in this zone.
    pub timezone: String,
    /// Usual meeting length in minutes.
    pub usual_meeting_length: i64,
    pub open_to_new_members: bool,
    pub format: Format,
    /// For a fixed format: how many meetings the course has.
    pub number_of_meetings: Option<i64>,
    /// The group agreement.
    pub ground_rules: String,
    /// When the group last reviewed its agreement (YYYY-MM-DD).
    pub ground_rules_reviewed_on: Option<String>,
    pub usual_venue_id: Option<VenueId>,
    /// How many hours before a meeting members who use email are reminded (0: no reminder).
    pub reminder_hours: i64,
}

impl Group {
    pub fn format_label(&self) -> String {
        match (self.format, self.number_of_meetings) {
            (Format::Fixed, Some(n)) => format!("A course of {n} meetings"),
            (format, _) => format.label().into(),
        }
    }
    /// The group agreement, one rule per line.
    pub fn ground_rules_list(&self) -> Vec<&str> {
        self.ground_rules
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
    pub fn length_label(&self) -> String {
        minutes_label(self.usual_meeting_length)
    }
    /// The stored values as form input, for an edit form or a partial update.
    pub fn to_raw(&self) -> RawInput {
        let mut raw = RawInput::default();
        raw.set("name", &self.name);
        raw.set("area", &self.area);
        raw.set("description", &self.description);
        raw.set("timezone", &self.timezone);
        raw.set(
            "usual_meeting_length",
            self.usual_meeting_length.to_string(),
        );
        raw.set("open_to_new_members", self.open_to_new_members.to_string());
        raw.set("format", self.format.as_str());
        if let Some(n) = self.number_of_meetings {
            raw.set("number_of_meetings", n.to_string());
        }
        raw.set("ground_rules", &self.ground_rules);
        if let Some(d) = &self.ground_rules_reviewed_on {
            raw.set("ground_rules_reviewed_on", d);
        }
        if let Some(v) = self.usual_venue_id {
            raw.set("usual_venue_id", v.to_string());
        }
        raw.set("reminder_hours", self.reminder_hours.to_string());
        raw
    }
}

pub use crate::labels::minutes_label;

/// Words for a new group's agreement, from the guide; the group changes them as it likes.
pub const SUGGESTED_GROUND_RULES: &str = "What is said in the group stays in the group.\n\
Treat each other with respect, and let each person finish.\n\
Phones off or on silent, please.\n\
All questions are okay. Nobody has to share more than they want to.\n\
We share our own experience; we do not give medical or medication advice.";

super::text_enum::text_enum! {
    /// Whether a group meets on and on, or for a course of a set number of meetings.
    pub enum Format {
        OpenEnded = ("open_ended", "Open-ended"),
        Fixed = ("fixed", "A fixed number of meetings"),
    }
}

/// A valid group, ready to store.
#[derive(Debug, Clone)]
pub struct GroupInput {
    pub name: String,
    pub area: String,
    pub description: String,
    pub timezone: String,
    pub usual_meeting_length: i64,
    pub open_to_new_members: bool,
    pub format: Format,
    pub number_of_meetings: Option<i64>,
    pub ground_rules: String,
    pub ground_rules_reviewed_on: Option<String>,
    pub usual_venue_id: Option<VenueId>,
    pub reminder_hours: i64,
}

pub const DEFAULT_TIMEZONE: &str = "Europe/London";

/// A time zone name the system's database knows, like Europe/London.
pub fn parse_timezone(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("Enter the group's time zone, like Europe/London.".into());
    }
    match jiff::tz::TimeZone::get(t) {
        Ok(tz) => Ok(tz.iana_name().unwrap_or(t).to_string()),
        Err(_) => Err(format!(
            "{t:?} is not a time zone we know. Use a name like Europe/London."
        )),
    }
}

impl TryFrom<&RawInput> for GroupInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = required_text(raw, "name", 120, "Enter the group's name.", &mut errors);
        let description = optional_text(raw, "description", 4000, &mut errors);
        let area = optional_text(raw, "area", 80, &mut errors);
        let timezone = match raw.text("timezone").as_str() {
            "" => DEFAULT_TIMEZONE.to_string(),
            t => parse_timezone(t).unwrap_or_else(|m| {
                errors.add("timezone", m);
                t.to_string()
            }),
        };
        let usual_meeting_length = if raw.text("usual_meeting_length").is_empty() {
            90
        } else {
            optional_number(raw, "usual_meeting_length", 15..=480, &mut errors).unwrap_or(90)
        };
        // The form asks with two radio buttons; left out altogether, a group starts open.
        let open_to_new_members = raw.get("open_to_new_members").is_none()
            || flag(raw, "open_to_new_members", &mut errors);
        let format = super::pick(
            raw,
            "format",
            Format::OpenEnded,
            "Choose open-ended or a fixed number of meetings.",
            &mut errors,
        );
        let number_of_meetings = optional_number(raw, "number_of_meetings", 1..=200, &mut errors);
        let number_of_meetings = match format {
            Format::Fixed => {
                if number_of_meetings.is_none() && errors.get("number_of_meetings").is_none() {
                    errors.add(
                        "number_of_meetings",
                        "Enter how many meetings the group will have.",
                    );
                }
                number_of_meetings
            }
            Format::OpenEnded => None,
        };
        let ground_rules = optional_text(raw, "ground_rules", 8000, &mut errors);
        // The date the group last agreed its rules: not in the future (in the group's zone);
        // "agreed today" (the form's offer beside the rules) means today there.
        let today = crate::labels::today_in(&timezone);
        let ground_rules_reviewed_on = if flag(raw, "agreed_today", &mut errors) {
            Some(today.to_string())
        } else {
            match optional_date(raw, "ground_rules_reviewed_on", &mut errors) {
                Some(d) if d > today => {
                    errors.add(
                        "ground_rules_reviewed_on",
                        "This date is in the future. Give the day the group last agreed or looked at its rules.",
                    );
                    None
                }
                d => d.map(|d| d.to_string()),
            }
        };
        let usual_venue_id = match raw.text("usual_venue_id").as_str() {
            "" => None,
            v => match v.parse::<VenueId>() {
                Ok(id) if id.get() > 0 => Some(id),
                _ => {
                    errors.add("usual_venue_id", "Choose a venue from the list.");
                    None
                }
            },
        };
        let reminder_hours = if raw.text("reminder_hours").is_empty() {
            48
        } else {
            optional_number(raw, "reminder_hours", 0..=336, &mut errors).unwrap_or(48)
        };
        errors.finish(|| GroupInput {
            name,
            area,
            description,
            timezone,
            usual_meeting_length,
            open_to_new_members,
            format,
            number_of_meetings,
            ground_rules,
            ground_rules_reviewed_on,
            usual_venue_id,
            reminder_hours,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawInput {
        RawInput::of(pairs)
    }

    #[test]
    fn a_name_is_enough() {
        let g = GroupInput::try_from(&raw(&[("name", "Tuesday Talk")])).expect("valid");
        assert_eq!(g.timezone, "Europe/London");
        assert_eq!(g.usual_meeting_length, 90);
        assert!(g.open_to_new_members);
    }

    #[test]
    fn bad_fields_are_named() {
        let e = GroupInput::try_from(&raw(&[
            ("timezone", "Mars/Olympus"),
            ("usual_meeting_length", "five"),
            ("format", "fixed"),
            ("ground_rules_reviewed_on", "31/02/2026"),
        ]))
        .expect_err("invalid");
        for f in [
            "name",
            "timezone",
            "usual_meeting_length",
            "number_of_meetings",
            "ground_rules_reviewed_on",
        ] {
            assert!(e.get(f).is_some(), "{f} should have an error: {e}");
        }
    }

    #[test]
    fn minutes_read_naturally() {
        assert_eq!(minutes_label(90), "1 hour 30 minutes");
        assert_eq!(minutes_label(120), "2 hours");
        assert_eq!(minutes_label(45), "45 minutes");
    }
}

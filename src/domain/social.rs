//! The group's social life: events beyond the meetings (a meal, a walk in the countryside, a
//! cinema trip, a recipe swap) that members reply to, and the refreshments and music rota.

use crate::domain::ids::{EventId, GroupId, MemberId};
use jiff::civil::{Date, DateTime, Time};
use serde::Serialize;

use super::ical::CalendarEvent;
use super::meeting::{RsvpAnswer, parse_time, time_label};
use super::text_enum::text_enum;
use super::{FieldErrors, RawInput, optional_date, optional_number, optional_text, required_text};

text_enum! {
    /// Whether a social event is on.
    pub enum SocialStatus {
        Planned = ("planned", "Planned"),
        Cancelled = ("cancelled", "Cancelled"),
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SocialEvent {
    pub id: EventId,
    pub group_id: GroupId,
    pub title: String,
    #[serde(rename = "date")]
    pub local_date: String,
    #[serde(rename = "start_time")]
    pub local_time: String,
    pub timezone: String,
    #[serde(skip)]
    pub starts_at: i64,
    pub duration_minutes: i64,
    pub place: String,
    pub details: String,
    pub accessibility: String,
    pub status: SocialStatus,
    pub version: i64,
}

impl SocialEvent {
    pub fn is_cancelled(&self) -> bool {
        self.status == SocialStatus::Cancelled
    }
    fn zoned_start(&self) -> Option<jiff::ZonedDateTime> {
        let tz = jiff::tz::TimeZone::get(&self.timezone).ok()?;
        jiff::Timestamp::from_second(self.starts_at)
            .ok()
            .map(|t| t.to_zoned_datetime(tz))
    }
    /// "Saturday 13 March 2027"
    pub fn date_label(&self) -> String {
        self.zoned_start()
            .map(|z| z.strftime("%A %-d %B %Y").to_string())
            .unwrap_or_else(|| self.local_date.clone())
    }
    /// "12:30 pm"
    pub fn time_label(&self) -> String {
        self.local_time
            .parse::<Time>()
            .map(time_label)
            .unwrap_or_else(|_| self.local_time.clone())
    }
    pub fn starts_at_rfc3339(&self) -> String {
        self.zoned_start()
            .map(|z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_default()
    }
    pub fn is_past(&self, now: i64) -> bool {
        self.starts_at + self.duration_minutes * 60 < now
    }
    pub fn calendar_event(&self, url: Option<String>) -> CalendarEvent {
        let mut description = self.details.clone();
        if !self.accessibility.is_empty() {
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(&format!("Getting there and access: {}", self.accessibility));
        }
        CalendarEvent {
            uid: format!("social-{}", self.id),
            starts_at: self.starts_at,
            ends_at: self.starts_at + self.duration_minutes * 60,
            sequence: self.version,
            summary: self.title.clone(),
            cancelled: self.is_cancelled(),
            location: self.place.clone(),
            description,
            url,
        }
    }
    /// The stored values as form input, for the edit form or a partial update.
    pub fn to_raw(&self) -> RawInput {
        let mut raw = RawInput::default();
        raw.set("title", &self.title);
        raw.set("date", &self.local_date);
        raw.set("start_time", &self.local_time);
        raw.set("duration_minutes", self.duration_minutes.to_string());
        raw.set("place", &self.place);
        raw.set("details", &self.details);
        raw.set("accessibility", &self.accessibility);
        raw
    }
}

/// Who replied to a social event.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SocialRsvp {
    pub member_id: MemberId,
    pub member_name: String,
    pub answer: RsvpAnswer,
}

/// A social event, parsed for a group in `timezone`; returns the start as Unix seconds too.
#[derive(Debug, Clone)]
pub struct SocialInput {
    pub title: String,
    pub date: Date,
    pub start_time: Time,
    pub duration_minutes: i64,
    pub place: String,
    pub details: String,
    pub accessibility: String,
}

impl SocialInput {
    pub fn parse(raw: &RawInput, timezone: &str) -> Result<(SocialInput, i64), FieldErrors> {
        let mut e = FieldErrors::new();
        let title = required_text(
            raw,
            "title",
            120,
            "Say what it is, like \"Lunch at the Red Lion\" or \"Walk round the lake\".",
            &mut e,
        );
        let date = match raw.text("date").as_str() {
            "" => {
                e.add("date", "Enter the date.");
                None
            }
            _ => optional_date(raw, "date", &mut e),
        };
        let start_time = match raw.text("start_time").as_str() {
            "" => {
                e.add("start_time", "Enter the time it starts, like 12:30.");
                None
            }
            t => {
                let parsed = parse_time(t);
                if parsed.is_none() {
                    e.add("start_time", "Enter a time like 12:30 or 7:30 pm.");
                }
                parsed
            }
        };
        let duration_minutes = if raw.text("duration_minutes").is_empty() {
            120
        } else {
            optional_number(raw, "duration_minutes", 15..=720, &mut e).unwrap_or(120)
        };
        let place = optional_text(raw, "place", 300, &mut e);
        let details = optional_text(raw, "details", 4000, &mut e);
        let accessibility = optional_text(raw, "accessibility", 2000, &mut e);
        let (Some(date), Some(start_time)) = (date, start_time) else {
            return Err(e);
        };
        let local = DateTime::from_parts(date, start_time);
        let starts_at = match local.in_tz(timezone) {
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
                SocialInput {
                    title,
                    date,
                    start_time,
                    duration_minutes,
                    place,
                    details,
                    accessibility,
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

/// One member's place on the refreshments rota.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RotaMember {
    pub member_id: MemberId,
    pub member_name: String,
    /// When they last hosted (or are down to host) before the meeting asked about, if ever.
    pub last_hosted: Option<i64>,
    pub times_hosted: i64,
}

/// Whether this member answered "no" for the meeting (`answers` are (member, answer)).
pub fn said_no(answers: &[(MemberId, RsvpAnswer)], member: MemberId) -> bool {
    answers
        .iter()
        .any(|(m, a)| *m == member && *a == RsvpAnswer::No)
}

/// The fair choice of host: among those on the rota who are coming (or, if nobody on the rota
/// has said they are coming yet, among those who have not answered), the one who hosted least
/// recently; those who never hosted come first, then fewest turns, then by name. Someone who
/// said they cannot come (or only maybe) is never suggested: None when nobody can host.
/// `answers` are (member, answer) for the meeting.
pub fn suggest_host(rota: &[RotaMember], answers: &[(MemberId, RsvpAnswer)]) -> Option<MemberId> {
    let said = |id: MemberId| answers.iter().find(|(m, _)| *m == id).map(|(_, a)| *a);
    let coming: Vec<&RotaMember> = rota
        .iter()
        .filter(|r| said(r.member_id) == Some(RsvpAnswer::Yes))
        .collect();
    let candidates = if coming.is_empty() {
        rota.iter()
            .filter(|r| said(r.member_id).is_none())
            .collect()
    } else {
        coming
    };
    candidates
        .into_iter()
        .min_by(|a, b| {
            (a.last_hosted.unwrap_or(i64::MIN), a.times_hosted)
                .cmp(&(b.last_hosted.unwrap_or(i64::MIN), b.times_hosted))
                .then_with(|| {
                    a.member_name
                        .to_lowercase()
                        .cmp(&b.member_name.to_lowercase())
                })
                .then(a.member_id.cmp(&b.member_id))
        })
        .map(|r| r.member_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawInput {
        RawInput::of(pairs)
    }

    #[test]
    fn events_parse_with_defaults_and_name_their_errors() {
        let (e, starts) = SocialInput::parse(
            &raw(&[
                ("title", "Lunch at the Red Lion"),
                ("date", "2027-07-10"),
                ("start_time", "12:30"),
            ]),
            "Europe/London",
        )
        .expect("valid");
        assert_eq!(e.duration_minutes, 120);
        assert_eq!(starts, 1_815_219_000);
        let err = SocialInput::parse(
            &raw(&[("date", "2027-02-30"), ("start_time", "noon-ish")]),
            "Europe/London",
        )
        .expect_err("invalid");
        assert!(err.get("title").is_some());
        assert!(err.get("date").is_some());
        assert!(err.get("start_time").is_some());
    }

    fn rota(id: i64, name: &str, last: Option<i64>, times: i64) -> RotaMember {
        RotaMember {
            member_id: MemberId(id),
            member_name: name.into(),
            last_hosted: last,
            times_hosted: times,
        }
    }

    #[test]
    fn the_host_is_whoever_hosted_least_recently_among_those_coming() {
        let r = [
            rota(1, "Ann", Some(300), 3),
            rota(2, "Bob", Some(100), 1),
            rota(3, "Cy", None, 0),
        ];
        let yes = |ids: &[i64]| {
            ids.iter()
                .map(|i| (MemberId(*i), RsvpAnswer::Yes))
                .collect::<Vec<_>>()
        };
        assert_eq!(suggest_host(&r, &yes(&[1, 2, 3])), Some(MemberId(3)));
        assert_eq!(suggest_host(&r, &yes(&[1, 2])), Some(MemberId(2)));
        assert_eq!(suggest_host(&r, &yes(&[1])), Some(MemberId(1)));
        // Nobody on the rota is coming (yet): choose among those who have not answered.
        assert_eq!(suggest_host(&r, &yes(&[9])), Some(MemberId(3)));
        assert_eq!(suggest_host(&[], &yes(&[1])), None);
    }

    #[test]
    fn nobody_who_cannot_come_is_suggested() {
        let r = [
            rota(1, "Ann", Some(300), 3),
            rota(2, "Bob", Some(100), 1),
            rota(3, "Cy", None, 0),
        ];
        let said = |pairs: &[(i64, &str)]| {
            pairs
                .iter()
                .map(|(i, a)| (MemberId(*i), a.parse().expect("an answer")))
                .collect::<Vec<_>>()
        };
        assert_eq!(suggest_host(&r, &said(&[(3, "no")])), Some(MemberId(2)));
        assert_eq!(
            suggest_host(&r, &said(&[(3, "no"), (2, "maybe")])),
            Some(MemberId(1))
        );
        // Everyone on the rota said no: nobody can host, and nobody is suggested.
        assert_eq!(
            suggest_host(&r, &said(&[(1, "no"), (2, "no"), (3, "no")])),
            None
        );
    }
}

//! Availability polls: a few candidate dates for the next meeting, each answered yes, if need
//! be, or no by every member who replies. The results show which options suit everyone who
//! answered; closing a poll on one option plans the meeting.

use crate::domain::ids::{GroupId, MeetingId, MemberId, PollId, VenueId};
use serde::Serialize;

use super::meeting::{MeetingInput, time_label};
use super::{FieldErrors, RawInput, flag, optional_text};

/// The most options one poll offers: enough to choose from, few enough to answer on a phone.
pub const MAX_OPTIONS: usize = 6;

super::text_enum::text_enum! {
    /// A member's answer to one date of a poll.
    pub enum Availability {
        Yes = ("yes", "Yes"),
        IfNeedBe = ("if_need_be", "Maybe"),
        No = ("no", "No"),
    }
}

super::text_enum::text_enum! {
    /// Whether a poll still takes answers.
    pub enum PollStatus {
        Open = ("open", "Open"),
        Closed = ("closed", "Closed"),
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Poll {
    pub id: PollId,
    pub group_id: GroupId,
    pub title: String,
    pub note: String,
    /// Whether members see each other's answers (facilitators always do).
    pub show_answers: bool,
    pub status: PollStatus,
    pub chosen_option_id: Option<i64>,
    /// The meeting planned when the poll was closed.
    pub meeting_id: Option<MeetingId>,
    /// The meeting during which the poll was opened, if any.
    pub from_meeting_id: Option<MeetingId>,
    #[serde(skip)]
    pub created_at: i64,
}

impl Poll {
    pub fn is_open(&self) -> bool {
        self.status == PollStatus::Open
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PollOption {
    pub id: i64,
    #[serde(skip)]
    pub poll_id: PollId,
    #[serde(skip)]
    pub position: i64,
    #[serde(rename = "date")]
    pub local_date: String,
    #[serde(rename = "start_time")]
    pub local_time: String,
    #[serde(skip)]
    pub starts_at: i64,
    pub venue_id: Option<VenueId>,
    pub venue_name: Option<String>,
}

impl PollOption {
    /// The date in `format` and the time as people say it.
    fn words(&self, format: &str) -> (String, String) {
        let date = self
            .local_date
            .parse::<jiff::civil::Date>()
            .map(|d| d.strftime(format).to_string())
            .unwrap_or_else(|_| self.local_date.clone());
        let time = self
            .local_time
            .parse::<jiff::civil::Time>()
            .map(time_label)
            .unwrap_or_else(|_| self.local_time.clone());
        (date, time)
    }
    /// "Tuesday 10 March 2026 at 2:00 pm, Church hall"
    pub fn label(&self) -> String {
        let (date, time) = self.words("%A %-d %B %Y");
        match &self.venue_name {
            Some(v) => format!("{date} at {time}, {v}"),
            None => format!("{date} at {time}"),
        }
    }
    /// "Tue 10 Mar" and "2:00 pm", for a column heading on two lines.
    pub fn short_date(&self) -> String {
        self.words("%a %-d %b").0
    }
    pub fn short_time(&self) -> String {
        self.words("%a %-d %b").1
    }
    /// "Tue 10 Mar, 2:00 pm": short enough for a column heading.
    pub fn short_label(&self) -> String {
        let (date, time) = self.words("%a %-d %b");
        format!("{date}, {time}")
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PollAnswer {
    pub option_id: i64,
    pub member_id: MemberId,
    pub answer: Availability,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PollResponse {
    pub member_id: MemberId,
    pub member_name: String,
    pub comment: String,
    /// "member" when answered from the personal link, else the staff account that recorded it.
    pub recorded_by: String,
    #[serde(skip)]
    pub at: i64,
}

/// A new poll, parsed. Options come as `options.N.date`, `options.N.start_time` and
/// `options.N.venue_id` (N from 0); rows left wholly blank are skipped.
#[derive(Debug, Clone)]
pub struct PollInput {
    pub title: String,
    pub note: String,
    pub show_answers: bool,
    pub options: Vec<(MeetingInput, i64)>,
}

impl PollInput {
    /// `now` (Unix seconds): options must be still to come.
    pub fn parse(
        raw: &RawInput,
        timezone: &str,
        usual_minutes: i64,
        usual_venue: Option<VenueId>,
        now: i64,
    ) -> Result<PollInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = match raw.text("title") {
            t if t.is_empty() => "When shall we meet next?".to_string(),
            t if t.chars().count() > 200 => {
                e.add("title", "Use 200 characters or fewer.");
                t
            }
            t => t,
        };
        let note = optional_text(raw, "note", 2000, &mut e);
        let show_answers = flag(raw, "show_answers", &mut e);
        let mut options = Vec::new();
        let mut rows = 0;
        // Every row given, in order, however it is numbered.
        let mut indices: Vec<usize> = raw
            .keys()
            .filter_map(|k| k.strip_prefix("options."))
            .filter_map(|k| k.split('.').next())
            .filter_map(|n| n.parse::<usize>().ok())
            .filter(|n| *n < 1000)
            .collect();
        indices.sort_unstable();
        indices.dedup();
        for i in indices {
            let key = |f: &str| format!("options.{i}.{f}");
            let date = raw.text(&key("date"));
            let time = raw.text(&key("start_time"));
            if date.is_empty() && time.is_empty() {
                continue;
            }
            rows += 1;
            if rows > MAX_OPTIONS {
                e.add(
                    &key("date"),
                    format!("Offer at most {MAX_OPTIONS} options, so the poll is quick to answer."),
                );
                continue;
            }
            let mut one =
                RawInput::from_pairs(vec![("date".into(), date), ("start_time".into(), time)]);
            if let Some(v) = raw.get(&key("venue_id")) {
                one.set("venue_id", v);
            }
            match MeetingInput::parse(&one, timezone, usual_minutes, usual_venue) {
                Ok(parsed) if parsed.1 <= now => e.add(
                    &key("date"),
                    "This date and time have passed. Offer dates still to come.",
                ),
                Ok(parsed) => options.push(parsed),
                Err(errs) => {
                    for err in errs.iter() {
                        e.add(&key(&err.field), err.message.clone());
                    }
                }
            }
        }
        if rows == 0 {
            e.add("options.0.date", "Offer at least one date and time.");
        }
        // The same date and time twice would split the answers.
        let mut seen = std::collections::HashSet::new();
        for (input, starts_at) in &options {
            if !seen.insert((*starts_at, input.venue_id)) {
                e.add("options", "Two options are the same. Change or remove one.");
                break;
            }
        }
        e.finish(|| PollInput {
            title,
            note,
            show_answers,
            options,
        })
    }
}

/// One member's answers: `answers.<option id>` = yes / if_need_be / no for every option, and
/// an optional `comment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseInput {
    pub answers: Vec<(i64, Availability)>,
    pub comment: String,
}

impl ResponseInput {
    pub fn parse(raw: &RawInput, options: &[PollOption]) -> Result<ResponseInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut answers = Vec::with_capacity(options.len());
        for o in options {
            let field = format!("answers.{}", o.id);
            let text = raw.text(&field);
            match text.parse::<Availability>() {
                Ok(a) => answers.push((o.id, a)),
                Err(_) if text.is_empty() => e.add(
                    &field,
                    format!("Choose yes, maybe, or no for {}.", o.label()),
                ),
                Err(_) => e.add(&field, "Answer yes, if_need_be or no."),
            }
        }
        for key in raw.keys() {
            if let Some(id) = key.strip_prefix("answers.")
                && !options.iter().any(|o| o.id.to_string() == id)
            {
                e.add(key, "This poll has no option with this id.");
            }
        }
        let comment = optional_text(raw, "comment", 500, &mut e);
        e.finish(|| ResponseInput { answers, comment })
    }
}

/// The results grid, worked out from the answers.
#[derive(Debug, Clone, Serialize)]
pub struct PollResults {
    pub options: Vec<OptionResult>,
    pub rows: Vec<ResultRow>,
    /// Members of the group who have not answered yet.
    pub not_answered: Vec<(MemberId, String)>,
    /// The option to suggest: acceptable to everyone who answered, with the most yeses.
    pub best: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionResult {
    pub option: PollOption,
    pub yes: usize,
    pub if_need_be: usize,
    pub no: usize,
    /// Nobody who answered said no (and someone answered).
    pub acceptable_to_all: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResultRow {
    pub member_id: MemberId,
    pub member_name: String,
    /// One answer per option, in option order (None when missing; "" in JSON).
    #[serde(serialize_with = "missing_as_empty")]
    pub answers: Vec<Option<Availability>>,
    pub comment: String,
    pub recorded_by: String,
}

fn missing_as_empty<S: serde::Serializer>(
    answers: &[Option<Availability>],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(answers.iter().map(|a| a.map_or("", Availability::as_str)))
}

impl ResultRow {
    /// (label, stored text) per option: ("", "") where there is no answer.
    pub fn cells(&self) -> Vec<(&'static str, &'static str)> {
        self.answers
            .iter()
            .map(|a| a.map(|a| (a.label(), a.as_str())).unwrap_or(("", "")))
            .collect()
    }
}

impl PollResults {
    pub fn work_out(
        options: Vec<PollOption>,
        answers: &[PollAnswer],
        responses: &[PollResponse],
        members: &[(MemberId, String)],
    ) -> PollResults {
        let rows: Vec<ResultRow> = responses
            .iter()
            .map(|r| ResultRow {
                member_id: r.member_id,
                member_name: r.member_name.clone(),
                answers: options
                    .iter()
                    .map(|o| {
                        answers
                            .iter()
                            .find(|a| a.option_id == o.id && a.member_id == r.member_id)
                            .map(|a| a.answer)
                    })
                    .collect(),
                comment: r.comment.clone(),
                recorded_by: r.recorded_by.clone(),
            })
            .collect();
        let count = |i: usize, what: Availability| {
            rows.iter().filter(|r| r.answers[i] == Some(what)).count()
        };
        let results: Vec<OptionResult> = options
            .into_iter()
            .enumerate()
            .map(|(i, option)| {
                let (yes, if_need_be, no) = (
                    count(i, Availability::Yes),
                    count(i, Availability::IfNeedBe),
                    count(i, Availability::No),
                );
                OptionResult {
                    option,
                    yes,
                    if_need_be,
                    no,
                    acceptable_to_all: !rows.is_empty() && no == 0,
                }
            })
            .collect();
        let best = results
            .iter()
            .filter(|o| o.acceptable_to_all)
            .max_by_key(|o| (o.yes, std::cmp::Reverse(o.option.position)))
            .map(|o| o.option.id);
        let not_answered = members
            .iter()
            .filter(|(id, _)| !responses.iter().any(|r| r.member_id == *id))
            .cloned()
            .collect();
        PollResults {
            options: results,
            rows,
            not_answered,
            best,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawInput {
        RawInput::of(pairs)
    }

    fn option(id: i64, position: i64) -> PollOption {
        PollOption {
            id,
            poll_id: PollId(1),
            position,
            local_date: "2026-03-10".into(),
            local_time: "14:00".into(),
            starts_at: 0,
            venue_id: None,
            venue_name: None,
        }
    }

    #[test]
    fn options_are_parsed_and_blank_rows_skipped() {
        let p = PollInput::parse(
            &raw(&[
                ("options.0.date", "2026-03-10"),
                ("options.0.start_time", "14:00"),
                ("options.1.date", ""),
                ("options.1.start_time", ""),
                ("options.2.date", "2026-03-17"),
                ("options.2.start_time", "2pm"),
            ]),
            "Europe/London",
            90,
            None,
            0,
        )
        .expect("valid");
        assert_eq!(p.options.len(), 2);
        assert_eq!(p.title, "When shall we meet next?");
    }

    #[test]
    fn bad_options_are_named_by_row() {
        let e = PollInput::parse(
            &raw(&[
                ("options.1.date", "2026-02-30"),
                ("options.1.start_time", "x"),
            ]),
            "Europe/London",
            90,
            None,
            0,
        )
        .expect_err("invalid");
        assert!(e.get("options.1.date").is_some());
        assert!(e.get("options.1.start_time").is_some());
        let e = PollInput::parse(&raw(&[]), "Europe/London", 90, None, 0).expect_err("empty");
        assert!(e.get("options.0.date").is_some());
        let e = PollInput::parse(
            &raw(&[
                ("options.0.date", "2026-03-10"),
                ("options.0.start_time", "14:00"),
                ("options.1.date", "2026-03-10"),
                ("options.1.start_time", "2pm"),
            ]),
            "Europe/London",
            90,
            None,
            0,
        )
        .expect_err("duplicate");
        assert!(e.get("options").is_some());
        let e = PollInput::parse(
            &raw(&[
                ("options.0.date", "2020-03-10"),
                ("options.0.start_time", "14:00"),
            ]),
            "Europe/London",
            90,
            None,
            1_900_000_000,
        )
        .expect_err("past");
        assert!(e.get("options.0.date").is_some());
        let many: Vec<(String, String)> = (0..12)
            .flat_map(|i| {
                [
                    (format!("options.{i}.date"), format!("2027-03-{:02}", i + 1)),
                    (format!("options.{i}.start_time"), "14:00".to_string()),
                ]
            })
            .collect();
        let e = PollInput::parse(&RawInput::from_pairs(many), "Europe/London", 90, None, 0)
            .expect_err("too many");
        assert!(e.get("options.11.date").is_some());
    }

    #[test]
    fn every_option_needs_an_answer() {
        let options = [option(7, 0), option(8, 1)];
        let r = ResponseInput::parse(
            &raw(&[
                ("answers.7", "yes"),
                ("answers.8", "if_need_be"),
                ("comment", "Late"),
            ]),
            &options,
        )
        .expect("valid");
        assert_eq!(
            r.answers,
            vec![(7, Availability::Yes), (8, Availability::IfNeedBe)]
        );
        let e = ResponseInput::parse(&raw(&[("answers.7", "maybe")]), &options).expect_err("bad");
        assert!(e.get("answers.7").is_some());
        assert!(e.get("answers.8").is_some());
        let e = ResponseInput::parse(
            &raw(&[
                ("answers.7", "yes"),
                ("answers.8", "no"),
                ("answers.99", "yes"),
            ]),
            &options,
        )
        .expect_err("unknown option");
        assert!(e.get("answers.99").is_some());
    }

    #[test]
    fn results_find_the_option_that_suits_everyone() {
        let options = vec![option(1, 0), option(2, 1), option(3, 2)];
        let a = |option_id, member_id, answer: &str| PollAnswer {
            option_id,
            member_id: MemberId(member_id),
            answer: answer.parse().expect("an answer"),
        };
        let answers = [
            a(1, 10, "yes"),
            a(2, 10, "if_need_be"),
            a(3, 10, "yes"),
            a(1, 11, "no"),
            a(2, 11, "yes"),
            a(3, 11, "yes"),
        ];
        let resp = |member_id, name: &str| PollResponse {
            member_id,
            member_name: name.into(),
            comment: String::new(),
            recorded_by: "member".into(),
            at: 0,
        };
        let responses = [resp(MemberId(10), "Ann"), resp(MemberId(11), "Bob")];
        let members = [
            (MemberId(10), "Ann".into()),
            (MemberId(11), "Bob".into()),
            (MemberId(12), "Cy".into()),
        ];
        let r = PollResults::work_out(options, &answers, &responses, &members);
        assert!(!r.options[0].acceptable_to_all);
        assert!(r.options[1].acceptable_to_all);
        assert!(r.options[2].acceptable_to_all);
        assert_eq!(r.best, Some(3));
        assert_eq!(r.not_answered, vec![(MemberId(12), "Cy".to_string())]);
        assert_eq!(r.options[0].no, 1);
    }
}

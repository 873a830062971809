//! Recurring series of meetings, described by an RFC 5545 recurrence rule. Hearth reads the
//! rules its pages produce and most written by hand: FREQ=WEEKLY or MONTHLY, INTERVAL, COUNT or
//! UNTIL, and BYDAY (a weekday, with an ordinal such as 2TU or -1FR for monthly rules) or
//! BYMONTHDAY. Dates are worked out as local dates, and each meeting's instant from its own
//! date in the group's zone, so a series keeps its local time across clock changes.

use crate::domain::ids::VenueId;
use jiff::civil::{Date, Weekday};

use super::{FieldErrors, RawInput};

/// At most this many meetings are made at once; an open-ended series gets [`AHEAD`].
pub const MAX_OCCURRENCES: usize = 60;
pub const AHEAD: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    Weekly,
    Monthly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: i32,
    pub count: Option<usize>,
    pub until: Option<Date>,
    /// A weekday, with an ordinal (1..=5 or -1..=-5) for monthly rules.
    pub by_day: Option<(Option<i8>, Weekday)>,
    pub by_month_day: Option<i8>,
}

fn weekday(code: &str) -> Option<Weekday> {
    Some(match code {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return None,
    })
}

impl std::str::FromStr for Rule {
    type Err = String;
    fn from_str(text: &str) -> Result<Rule, String> {
        let text = text.trim().trim_start_matches("RRULE:");
        // A rule is plain ASCII (RFC 5545); the parts below are cut by position, which is only
        // safe on ASCII text.
        if !text.is_ascii() {
            return Err("the rule may only hold plain letters, digits and ;=,+-".into());
        }
        let mut freq = None;
        let mut rule = Rule {
            freq: Freq::Weekly,
            interval: 1,
            count: None,
            until: None,
            by_day: None,
            by_month_day: None,
        };
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not NAME=VALUE"))?;
            match key.to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq = Some(match value.to_ascii_uppercase().as_str() {
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        other => {
                            return Err(format!(
                                "FREQ={other} is not supported: use WEEKLY or MONTHLY"
                            ));
                        }
                    })
                }
                "INTERVAL" => {
                    rule.interval = value
                        .parse()
                        .ok()
                        .filter(|n: &i32| (1..=12).contains(n))
                        .ok_or("INTERVAL must be 1 to 12")?
                }
                "COUNT" => {
                    rule.count = Some(
                        value
                            .parse()
                            .ok()
                            .filter(|n: &usize| (1..=MAX_OCCURRENCES).contains(n))
                            .ok_or(format!("COUNT must be 1 to {MAX_OCCURRENCES}"))?,
                    )
                }
                "UNTIL" => {
                    let d = value.get(..8).ok_or("UNTIL must be a date like 20270331")?;
                    let date = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]);
                    rule.until = Some(
                        date.parse()
                            .map_err(|_| "UNTIL must be a date like 20270331".to_string())?,
                    );
                }
                "BYDAY" => {
                    let v = value.to_ascii_uppercase();
                    if v.contains(',') {
                        return Err("BYDAY takes one day here, like TU or 2TU".into());
                    }
                    let (num, day) = v.split_at(v.len().saturating_sub(2));
                    let wd =
                        weekday(day).ok_or(format!("BYDAY={value} is not a day like TU or 2TU"))?;
                    let n = if num.is_empty() {
                        None
                    } else {
                        Some(
                            num.trim_start_matches('+')
                                .parse::<i8>()
                                .ok()
                                .filter(|n| (1..=5).contains(&n.abs()))
                                .ok_or("the number before the day must be 1 to 5, or -1 to -5")?,
                        )
                    };
                    rule.by_day = Some((n, wd));
                }
                "BYMONTHDAY" => {
                    rule.by_month_day = Some(
                        value
                            .parse()
                            .ok()
                            .filter(|n: &i8| (1..=28).contains(n))
                            .ok_or("BYMONTHDAY must be 1 to 28")?,
                    )
                }
                "WKST" => {}
                other => return Err(format!("{other} is not supported in a meeting series")),
            }
        }
        rule.freq = freq.ok_or("the rule needs FREQ=WEEKLY or FREQ=MONTHLY")?;
        if rule.count.is_some() && rule.until.is_some() {
            return Err("use COUNT or UNTIL, not both".into());
        }
        if rule.freq == Freq::Weekly && rule.by_day.is_some_and(|(n, _)| n.is_some()) {
            return Err("a weekly rule takes a plain day, like BYDAY=TU".into());
        }
        Ok(rule)
    }
}

impl Rule {
    /// The meeting dates, starting from `first` (which counts if it fits the rule).
    pub fn dates(&self, first: Date) -> Vec<Date> {
        let limit = self.count.unwrap_or(if self.until.is_some() {
            MAX_OCCURRENCES
        } else {
            AHEAD
        });
        let mut out = Vec::new();
        let mut step = 0i64;
        while out.len() < limit && step < 600 {
            let candidate = match self.freq {
                Freq::Weekly => {
                    let start = match self.by_day {
                        // The first such weekday on or after `first`.
                        Some((_, wd)) => {
                            let ahead = (wd.to_monday_zero_offset()
                                - first.weekday().to_monday_zero_offset())
                            .rem_euclid(7);
                            first.checked_add(jiff::Span::new().days(ahead as i64)).ok()
                        }
                        None => Some(first),
                    };
                    start.and_then(|s| {
                        s.checked_add(jiff::Span::new().weeks(step * self.interval as i64))
                            .ok()
                    })
                }
                Freq::Monthly => {
                    let month = first
                        .first_of_month()
                        .checked_add(jiff::Span::new().months(step * self.interval as i64))
                        .ok();
                    month.and_then(|m| match (self.by_day, self.by_month_day) {
                        (Some((n, wd)), _) => m.nth_weekday_of_month(n.unwrap_or(1), wd).ok(),
                        (None, Some(d)) => Date::new(m.year(), m.month(), d).ok(),
                        (None, None) => Date::new(m.year(), m.month(), first.day()).ok(),
                    })
                }
            };
            step += 1;
            let Some(d) = candidate else { continue };
            if d < first {
                continue;
            }
            if self.until.is_some_and(|u| d > u) {
                break;
            }
            out.push(d);
        }
        out
    }
}

/// Turns the plain choices of the series form into a rule.
pub fn rule_from_choices(
    raw: &RawInput,
    first: Option<Date>,
    e: &mut FieldErrors,
) -> Option<String> {
    let mut ok = true;
    let count = match raw.text("count").as_str() {
        "" => None,
        t => match t.parse::<usize>() {
            Ok(n) if (1..=MAX_OCCURRENCES).contains(&n) => Some(n),
            _ => {
                e.add("count", format!("Enter a number from 1 to {MAX_OCCURRENCES}. This is how many meetings to plan."));
                ok = false;
                None
            }
        },
    };
    let repeat = raw.text("repeat");
    if !matches!(
        repeat.as_str(),
        "weekly" | "fortnightly" | "monthly_weekday" | "monthly_date"
    ) {
        e.add("repeat", "Choose how often the group meets.");
        ok = false;
    }
    let first = first.filter(|_| ok)?;
    let code = |wd: Weekday| match wd {
        Weekday::Monday => "MO",
        Weekday::Tuesday => "TU",
        Weekday::Wednesday => "WE",
        Weekday::Thursday => "TH",
        Weekday::Friday => "FR",
        Weekday::Saturday => "SA",
        Weekday::Sunday => "SU",
    };
    let nth = (first.day() - 1) / 7 + 1;
    let base = match repeat.as_str() {
        "weekly" => "FREQ=WEEKLY".to_string(),
        "fortnightly" => "FREQ=WEEKLY;INTERVAL=2".to_string(),
        "monthly_weekday" if nth <= 4 => {
            format!("FREQ=MONTHLY;BYDAY={nth}{}", code(first.weekday()))
        }
        "monthly_weekday" => format!("FREQ=MONTHLY;BYDAY=-1{}", code(first.weekday())),
        "monthly_date" if first.day() <= 28 => format!("FREQ=MONTHLY;BYMONTHDAY={}", first.day()),
        "monthly_date" => {
            e.add("repeat", "A date after the 28th is not in every month. Choose \"the same weekday each month\" instead.");
            return None;
        }
        _ => {
            e.add("repeat", "Choose how often the group meets.");
            return None;
        }
    };
    Some(match count {
        Some(n) => format!("{base};COUNT={n}"),
        None => base,
    })
}

/// Every meeting of a series, parsed: `first_date`, `start_time` and the rule text, with the
/// group's usual length and venue as defaults. Any date that cannot be a meeting is an error.
pub fn plan_series(
    raw: &RawInput,
    rule_text: &str,
    timezone: &str,
    usual_minutes: i64,
    usual_venue: Option<VenueId>,
) -> Result<Vec<(super::meeting::MeetingInput, i64)>, FieldErrors> {
    let mut e = FieldErrors::new();
    let first = match raw.text("first_date").as_str() {
        "" => {
            e.add("first_date", "Enter the date of the first meeting.");
            None
        }
        _ => super::optional_date(raw, "first_date", &mut e),
    };
    let rule = match rule_text.parse::<Rule>() {
        Ok(r) => Some(r),
        Err(m) => {
            e.add("rrule", format!("The repeat rule is not right: {m}."));
            None
        }
    };
    let (Some(first), Some(rule)) = (first, rule) else {
        // Still check the time, so every problem is named at once.
        let mut probe = raw.clone();
        probe.set("date", "2000-01-03");
        if let Err(more) =
            super::meeting::MeetingInput::parse(&probe, timezone, usual_minutes, usual_venue)
        {
            e.0.extend(more.0.into_iter().filter(|f| f.field != "date"));
        }
        return Err(e);
    };
    let mut out = Vec::new();
    for date in rule.dates(first) {
        let mut one = raw.clone();
        one.set("date", date.to_string());
        match super::meeting::MeetingInput::parse(&one, timezone, usual_minutes, usual_venue) {
            Ok(m) => out.push(m),
            Err(more) => {
                for f in more.0 {
                    if e.get(&f.field).is_none() {
                        let message =
                            if f.field == "start_time" && !raw.text("start_time").is_empty() {
                                format!("{} (on {date})", f.message)
                            } else {
                                f.message
                            };
                        e.add(&f.field, message);
                    }
                }
            }
        }
    }
    if out.is_empty() && e.is_empty() {
        e.add(
            "rrule",
            "The rule gives no meeting dates after the first date.",
        );
    }
    e.finish(|| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    /// Text cut by position must not panic on letters of more than one byte: such a rule is
    /// refused with a message.
    #[test]
    fn a_rule_with_other_letters_is_refused_not_a_panic() {
        for rule in [
            "FREQ=WEEKLY;UNTIL=202é03311",
            "FREQ=WEEKLY;BYDAY=éa",
            "FREQ=MONTHLY;BYDAY=2TÜ",
            "FREQ=WEEKLY;COUNT=①",
        ] {
            let e = rule.parse::<Rule>().expect_err(rule);
            assert!(e.contains("plain letters"), "{rule}: {e}");
        }
    }

    #[test]
    fn second_tuesday_monthly_for_six_months() {
        let rule: Rule = "FREQ=MONTHLY;BYDAY=2TU;COUNT=6".parse().expect("rule");
        let dates = rule.dates(d("2026-09-08"));
        let text: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            text,
            [
                "2026-09-08",
                "2026-10-13",
                "2026-11-10",
                "2026-12-08",
                "2027-01-12",
                "2027-02-09"
            ]
        );
    }

    #[test]
    fn fortnightly_open_ended_makes_some_ahead() {
        let rule: Rule = "FREQ=WEEKLY;INTERVAL=2".parse().expect("rule");
        let dates = rule.dates(d("2027-03-16"));
        assert_eq!(dates.len(), AHEAD);
        assert_eq!(dates[1].to_string(), "2027-03-30");
    }

    #[test]
    fn until_and_last_weekday() {
        let rule: Rule = "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270101"
            .parse()
            .expect("rule");
        let dates = rule.dates(d("2026-10-01"));
        let text: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
        assert_eq!(text, ["2026-10-30", "2026-11-27", "2026-12-25"]);
    }

    #[test]
    fn bad_rules_are_explained() {
        for bad in [
            "FREQ=DAILY",
            "BYDAY=TU",
            "FREQ=WEEKLY;COUNT=0",
            "FREQ=MONTHLY;BYDAY=9TU",
            "FREQ=WEEKLY;BYDAY=MO,TU",
            "FREQ=WEEKLY;COUNT=2;UNTIL=20270101",
        ] {
            assert!(bad.parse::<Rule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_choices_make_rules() {
        let mut e = FieldErrors::new();
        let raw = RawInput::from_pairs(vec![
            ("repeat".into(), "monthly_weekday".into()),
            ("count".into(), "6".into()),
        ]);
        assert_eq!(
            rule_from_choices(&raw, Some(d("2026-09-08")), &mut e).as_deref(),
            Some("FREQ=MONTHLY;BYDAY=2TU;COUNT=6")
        );
        assert!(e.is_empty());
    }
}

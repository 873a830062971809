//! How dates, times and lengths read on a page, in an email or a printout: one place for the
//! words, so the pages, the API's texts, email and the domain's summaries say them alike. No
//! I/O and no knowledge of the web: anything may use it.

use jiff::civil::Time;

/// A stored YYYY-MM-DD date as "3 March 2026" (the text unchanged if it is not a date).
pub fn date_label(d: &str) -> String {
    match d.parse::<jiff::civil::Date>() {
        Ok(date) => date.strftime("%-d %B %Y").to_string(),
        Err(_) => d.to_string(),
    }
}

/// Today's date in a time zone (UTC if the zone is unknown): what "today" means to a group.
pub fn today_in(tz: &str) -> jiff::civil::Date {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::now().to_zoned_datetime(zone).date()
}

/// A Unix time in the time zone (UTC if the zone is unknown), written with `format`; empty
/// for a time out of range.
fn zoned(ts: i64, tz: &str, format: &str) -> String {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_second(ts)
        .map(|t| t.to_zoned_datetime(zone).strftime(format).to_string())
        .unwrap_or_default()
}

/// A Unix time as "3 March 2026 at 19:05" in the time zone (UTC if the zone is unknown).
pub fn when(ts: i64, tz: &str) -> String {
    zoned(ts, tz, "%-d %B %Y at %H:%M")
}

/// "2026-12-08 03:13:58 +00:00": a moment in a zone with its offset, for files read by
/// machines and auditors, so the hour repeated when the clocks go back reads once each way
/// (ASVS V16.2.2).
pub fn when_with_offset(ts: i64, tz: &str) -> String {
    zoned(ts, tz, "%Y-%m-%d %H:%M:%S %:z")
}

/// "7:00 pm", "10:30 am", "12 noon".
pub fn time_label(t: Time) -> String {
    let (h, m) = (t.hour(), t.minute());
    if h == 12 && m == 0 {
        return "12 noon".into();
    }
    let suffix = if h < 12 { "am" } else { "pm" };
    let h12 = match h % 12 {
        0 => 12,
        x => x,
    };
    format!("{h12}:{m:02} {suffix}")
}

/// "1 hour 30 minutes" rather than "90".
pub fn minutes_label(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let hours = match h {
        0 => String::new(),
        1 => "1 hour".into(),
        n => format!("{n} hours"),
    };
    match (hours.is_empty(), m) {
        (true, m) => format!("{m} minutes"),
        (false, 0) => hours,
        (false, m) => format!("{hours} {m} minutes"),
    }
}

/// A wait in words, rounded up to whole minutes past a minute: "15 seconds", "2 minutes".
pub fn wait_label(seconds: i64) -> String {
    let (n, unit) = if seconds < 60 {
        (seconds.max(1), "second")
    } else {
        ((seconds + 59) / 60, "minute")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// How long ago something happened, within the last day: "just now", "5 minutes ago",
/// "1 hour ago"; None when longer (say the day instead).
pub fn ago_label(seconds: i64) -> Option<String> {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match seconds {
        s if s < 120 => Some("just now".into()),
        s if s < 3600 => Some(plural(s / 60, "minute")),
        s if s < 86_400 => Some(plural(s / 3600, "hour")),
        _ => None,
    }
}

/// A period as people say it: "24 hours", "30 minutes", "1 day", "90 seconds".
pub fn duration_label(d: std::time::Duration) -> String {
    let s = d.as_secs();
    let (n, unit) = if s.is_multiple_of(604_800) && s >= 604_800 {
        (s / 604_800, "week")
    } else if s.is_multiple_of(86_400) && s >= 86_400 && s != 86_400 {
        (s / 86_400, "day")
    } else if s.is_multiple_of(3600) && s >= 3600 {
        (s / 3600, "hour")
    } else if s.is_multiple_of(60) && s >= 60 {
        (s / 60, "minute")
    } else {
        (s, "second")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hour the clocks go back in London reads twice on a page, but once each way with
    /// its offset.
    #[test]
    fn a_moment_with_its_offset_is_never_ambiguous() {
        // 25 October 2026, 01:30 happens twice in London: BST, then GMT.
        let first = 1_792_888_200; // 00:30 UTC
        let second = first + 3600; // 01:30 UTC
        assert_eq!(when(first, "Europe/London"), when(second, "Europe/London"));
        assert_eq!(
            when_with_offset(first, "Europe/London"),
            "2026-10-25 01:30:00 +01:00"
        );
        assert_eq!(
            when_with_offset(second, "Europe/London"),
            "2026-10-25 01:30:00 +00:00"
        );
    }

    #[test]
    fn how_long_ago_in_words() {
        assert_eq!(ago_label(5).as_deref(), Some("just now"));
        assert_eq!(ago_label(150).as_deref(), Some("2 minutes ago"));
        assert_eq!(ago_label(3600).as_deref(), Some("1 hour ago"));
        assert_eq!(ago_label(86_399).as_deref(), Some("23 hours ago"));
        assert_eq!(ago_label(86_400), None);
    }

    #[test]
    fn labels_read_as_words() {
        assert_eq!(date_label("2026-03-03"), "3 March 2026");
        assert_eq!(date_label("not a date"), "not a date");
        assert_eq!(time_label(Time::constant(12, 0, 0, 0)), "12 noon");
        assert_eq!(time_label(Time::constant(0, 5, 0, 0)), "12:05 am");
        assert_eq!(time_label(Time::constant(19, 0, 0, 0)), "7:00 pm");
        assert_eq!(minutes_label(90), "1 hour 30 minutes");
        assert_eq!(minutes_label(120), "2 hours");
        assert_eq!(minutes_label(45), "45 minutes");
        // 18:00 UTC is 19:00 in London in summer.
        assert_eq!(
            when(1_781_892_000, "Europe/London"),
            "19 June 2026 at 19:00"
        );
    }
}

//! iCalendar (RFC 5545) for meetings: one file per meeting and feeds that calendar apps
//! subscribe to. Times are written in UTC, which every calendar app shows in its own local
//! time, so a meeting is right on either side of a clock change. A moved meeting keeps its UID
//! and gets a higher SEQUENCE; a cancelled one says STATUS:CANCELLED.

use super::meeting::Meeting;

/// One event in a calendar: a meeting or a social event.
pub struct CalendarEvent {
    /// Stable across changes (the host name is added to make it global).
    pub uid: String,
    pub starts_at: i64,
    pub ends_at: i64,
    /// Goes up with every change, so calendar apps take the newest.
    pub sequence: i64,
    pub summary: String,
    pub cancelled: bool,
    pub location: String,
    pub description: String,
    /// The address of the event's page, if the reader may see it.
    pub url: Option<String>,
}

impl CalendarEvent {
    pub fn for_meeting(
        m: &Meeting,
        group_name: &str,
        location: String,
        url: Option<String>,
    ) -> CalendarEvent {
        let mut description = String::new();
        if !m.topic.is_empty() {
            description.push_str(&format!("Topic: {}", m.topic));
        }
        if m.is_cancelled() && !m.cancel_reason.is_empty() {
            if !description.is_empty() {
                description.push('\n');
            }
            description.push_str(&format!("Cancelled: {}", m.cancel_reason));
        }
        CalendarEvent {
            uid: format!("meeting-{}", m.id),
            starts_at: m.starts_at,
            ends_at: m.starts_at + m.duration_minutes * 60,
            sequence: m.version,
            summary: format!("{group_name} meeting"),
            cancelled: m.is_cancelled(),
            location,
            description,
            url,
        }
    }
}

/// Escapes text for a property value (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1).
fn fold(line: &str, out: &mut String) {
    let mut count = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if count + len > 75 {
            out.push_str("\r\n ");
            count = 1;
        }
        out.push(c);
        count += len;
    }
    out.push_str("\r\n");
}

fn utc(ts: i64) -> String {
    jiff::Timestamp::from_second(ts)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// A calendar with the given events. `host` makes the UIDs globally unique.
pub fn calendar(name: &str, host: &str, events: &[CalendarEvent], now: i64) -> String {
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Hearth//Peer support groups//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", escape(name)),
    ] {
        fold(&line, &mut out);
    }
    for e in events {
        let mut lines = vec![
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}@{}", e.uid, host),
            format!("DTSTAMP:{}", utc(now)),
            format!("DTSTART:{}", utc(e.starts_at)),
            format!("DTEND:{}", utc(e.ends_at)),
            format!("SEQUENCE:{}", e.sequence),
            format!("SUMMARY:{}", escape(&e.summary)),
            format!(
                "STATUS:{}",
                if e.cancelled {
                    "CANCELLED"
                } else {
                    "CONFIRMED"
                }
            ),
        ];
        if !e.location.is_empty() {
            lines.push(format!("LOCATION:{}", escape(&e.location)));
        }
        if !e.description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape(&e.description)));
        }
        if let Some(url) = &e.url {
            lines.push(format!("URL:{url}"));
        }
        lines.push("END:VEVENT".to_string());
        for line in lines {
            fold(&line, &mut out);
        }
    }
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_folded() {
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
        let mut out = String::new();
        fold(&"é".repeat(60), &mut out);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        assert_eq!(out.replace("\r\n ", "").trim_end(), "é".repeat(60));
    }

    #[test]
    fn utc_times() {
        assert_eq!(utc(0), "19700101T000000Z");
    }
}

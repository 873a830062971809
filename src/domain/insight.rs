//! Looking back: a group's figures for a date range, search hits, member feedback, and the
//! charts that show them (SVG drawn here, each with a title, a description and the numbers as
//! a table beside it, so it reads in print and to a screen reader).

use crate::domain::ids::{MeetingId, MemberId};
use serde::Serialize;

use super::{FieldErrors, RawInput, optional_date, optional_text};

/// A date range, both ends included (YYYY-MM-DD). Defaults to the last twelve months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateRange {
    pub from: String,
    pub to: String,
}

impl DateRange {
    pub fn parse(raw: &RawInput, today: jiff::civil::Date) -> Result<DateRange, FieldErrors> {
        let mut e = FieldErrors::new();
        let from = optional_date(raw, "from", &mut e);
        let to = optional_date(raw, "to", &mut e);
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| {
            to.checked_sub(jiff::Span::new().years(1))
                .and_then(|d| d.checked_add(jiff::Span::new().days(1)))
                .unwrap_or(to)
        });
        if e.is_empty() && from > to {
            e.add("to", "The end date must be on or after the start date.");
        }
        e.finish(|| DateRange {
            from: from.to_string(),
            to: to.to_string(),
        })
    }
    pub fn label(&self) -> String {
        format!(
            "{} to {}",
            crate::labels::date_label(&self.from),
            crate::labels::date_label(&self.to)
        )
    }
}

/// One held meeting's figures.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MeetingStat {
    pub meeting_id: MeetingId,
    pub date: String,
    pub topic: String,
    /// Everyone signed in: members and guests.
    pub attended: i64,
    /// Members who said they were coming.
    pub expected: i64,
    /// Members at their first meeting of the group.
    pub first_timers: i64,
    /// Average of members' feedback (1–5), if any gave it.
    pub feedback_average: Option<f64>,
    pub feedback_count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupStats {
    pub range: DateRange,
    pub meetings_held: i64,
    pub meetings_cancelled: i64,
    pub meetings: Vec<MeetingStat>,
    pub total_attendances: i64,
    /// Different members who came at least once.
    pub distinct_members: i64,
    pub first_timers: i64,
    /// Of the first-timers, how many came to a later meeting.
    pub came_back: i64,
    pub topics_covered: Vec<TopicCovered>,
    pub goals_set: i64,
    pub goals_done: i64,
    pub goals_dropped: i64,
    pub social_events_held: i64,
    /// How many members gave each rating, 1 to 5.
    pub feedback_counts: [i64; 5],
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TopicCovered {
    pub date: String,
    pub topic: String,
}

impl GroupStats {
    pub fn average_attendance(&self) -> f64 {
        if self.meetings.is_empty() {
            0.0
        } else {
            self.total_attendances as f64 / self.meetings.len() as f64
        }
    }
    pub fn average_label(&self) -> String {
        format!("{:.1}", self.average_attendance())
    }
    pub fn feedback_total(&self) -> i64 {
        self.feedback_counts.iter().sum()
    }
    pub fn feedback_average_label(&self) -> String {
        let n = self.feedback_total();
        if n == 0 {
            return "no feedback yet".into();
        }
        let sum: i64 = self
            .feedback_counts
            .iter()
            .enumerate()
            .map(|(i, c)| (i as i64 + 1) * c)
            .sum();
        format!("{:.1} out of 5", sum as f64 / n as f64)
    }
    /// Rating labels with their counts, "Very good" first as in the chart beside them.
    pub fn feedback_rows(&self) -> Vec<(&'static str, i64)> {
        RATINGS
            .iter()
            .zip(self.feedback_counts)
            .map(|((_, label), n)| (*label, n))
            .rev()
            .collect()
    }
}

/// The five-point scale for "How was it for you?".
pub const RATINGS: [(i64, &str); 5] = [
    (1, "Not good"),
    (2, "Not so good"),
    (3, "All right"),
    (4, "Good"),
    (5, "Very good"),
];

/// A member's feedback after a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackInput {
    pub rating: i64,
    pub comment: String,
}

impl TryFrom<&RawInput> for FeedbackInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let rating = match raw.text("rating").parse::<i64>() {
            Ok(n) if (1..=5).contains(&n) => n,
            _ => {
                e.add("rating", "Choose how it was for you, from 1 to 5.");
                0
            }
        };
        let comment = optional_text(raw, "comment", 1000, &mut e);
        e.finish(|| FeedbackInput { rating, comment })
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Feedback {
    pub meeting_id: MeetingId,
    pub date: String,
    pub member_id: MemberId,
    pub member_name: String,
    pub rating: i64,
    pub comment: String,
}

/// Marks around the words that matched, in a snippet (never typed by people).
pub const MARK_START: char = '\u{2}';
pub const MARK_END: char = '\u{3}';

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    /// meeting (a meeting's record), step (a step's notes), contact, topic or since_last_time
    /// (a member's line at a meeting).
    pub kind: String,
    /// Where it leads: the meeting, contact's member, or the topic board.
    pub link: String,
    pub date: Option<String>,
    pub title: String,
    /// The text around the matching words, plain.
    pub snippet: String,
    /// The words that matched, as they appear in the text.
    pub matches: Vec<String>,
    /// Higher is better.
    pub rank: f64,
    #[serde(skip)]
    pub(crate) marked: String,
}

impl SearchHit {
    pub fn new(
        kind: &str,
        link: String,
        date: Option<String>,
        title: String,
        marked: String,
        rank: f64,
    ) -> SearchHit {
        let mut matches: Vec<String> = Vec::new();
        let mut rest = marked.as_str();
        while let Some(start) = rest.find(MARK_START) {
            let after = &rest[start + MARK_START.len_utf8()..];
            let Some(end) = after.find(MARK_END) else {
                break;
            };
            let word = after[..end].to_string();
            if !matches.iter().any(|m| m.eq_ignore_ascii_case(&word)) {
                matches.push(word);
            }
            rest = &after[end + MARK_END.len_utf8()..];
        }
        SearchHit {
            kind: kind.to_string(),
            link,
            date,
            title,
            snippet: marked.replace([MARK_START, MARK_END], ""),
            matches,
            rank,
            marked,
        }
    }
    /// The snippet in pieces: (text, matched?), for the page to mark the matches safely.
    pub fn pieces(&self) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        let mut matched = false;
        let mut current = String::new();
        for c in self.marked.chars() {
            if c == MARK_START || c == MARK_END {
                if !current.is_empty() {
                    out.push((std::mem::take(&mut current), matched));
                }
                matched = c == MARK_START;
            } else {
                current.push(c);
            }
        }
        if !current.is_empty() {
            out.push((current, matched));
        }
        out
    }
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "meeting" => "Meeting record",
            "step" => "Notes from a meeting's step",
            "contact" => "Contact record",
            "since_last_time" => "Since last time",
            _ => "Topic",
        }
    }
}

/// The words of a search, for SQLite's FTS5: each a quoted term (stemmed by the index's
/// porter tokenizer, as PostgreSQL stems them), all required. Not prefixes: a prefix term
/// reads every matching word's whole list across all groups.
/// None when there is nothing to search for.
pub fn fts5_terms(query: &str) -> Option<String> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| format!("\"{}\"", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A search query as typed: trimmed, at most 200 characters, not empty.
pub fn parse_query(raw: &RawInput) -> Result<String, FieldErrors> {
    let q = raw.text("q");
    if fts5_terms(&q).is_none() {
        return Err(FieldErrors::single("q", "Type a word or two to look for."));
    }
    if q.chars().count() > 200 {
        return Err(FieldErrors::single("q", "Use 200 characters or fewer."));
    }
    Ok(q)
}

// --- charts ------------------------------------------------------------------------------------

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar chart of attendance per meeting, with the number expected as a tick on each bar.
/// `id` makes the title and description ids unique on the page.
pub fn attendance_chart(id: &str, meetings: &[MeetingStat]) -> String {
    let (w, h, left, bottom, top) = (420.0_f64, 250.0_f64, 34.0, 46.0, 14.0);
    let max = meetings
        .iter()
        .map(|m| m.attended.max(m.expected))
        .max()
        .unwrap_or(0)
        .max(4) as f64;
    let plot_h = h - bottom - top;
    let n = meetings.len().max(1) as f64;
    let slot = (w - left - 8.0) / n;
    let bar = (slot * 0.7).max(2.0);
    let y = |v: f64| top + plot_h - v / max * plot_h;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">Attendance at each meeting</title>\
         <desc id=\"{id}-desc\">{}</desc>",
        esc(&attendance_description(meetings))
    );
    // Grid lines and their numbers.
    let step = ((max / 4.0).ceil()).max(1.0);
    let mut v = 0.0;
    while v <= max + 0.01 {
        svg.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#bdb3a3\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"16\" text-anchor=\"end\" fill=\"#4a463f\">{v}</text>",
            w - 8.0,
            y(v),
            y(v),
            left - 6.0,
            y(v) + 4.0
        ));
        v += step;
    }
    for (i, m) in meetings.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let top_y = y(m.attended as f64);
        svg.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{top_y:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"#0b5c5c\"><title>{}: {} came, {} expected</title></rect>",
            (top + plot_h - top_y).max(0.0),
            esc(&crate::labels::date_label(&m.date)),
            m.attended,
            m.expected
        ));
        if m.expected > 0 {
            let ey = y(m.expected as f64);
            svg.push_str(&format!(
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{ey:.1}\" y2=\"{ey:.1}\" stroke=\"#b4540a\" stroke-width=\"3\"/>",
                x - 2.0,
                x + bar + 2.0
            ));
        }
    }
    // Month labels under the first meeting of each month, spaced so they do not overlap.
    let mut last_label_x = f64::MIN;
    let mut last_month = String::new();
    for (i, m) in meetings.iter().enumerate() {
        let month = m.date.get(..7).unwrap_or("").to_string();
        let x = left + slot * i as f64 + slot / 2.0;
        if month != last_month && x - last_label_x > 60.0 {
            let label = m
                .date
                .parse::<jiff::civil::Date>()
                .map(|d| d.strftime("%b %y").to_string())
                .unwrap_or(month.clone());
            svg.push_str(&format!(
                "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"16\" text-anchor=\"middle\" fill=\"#4a463f\">{}</text>",
                h - bottom + 18.0,
                esc(&label)
            ));
            last_label_x = x;
        }
        last_month = month;
    }
    svg.push_str(&format!(
        "<rect x=\"{left}\" y=\"{:.1}\" width=\"14\" height=\"14\" fill=\"#0b5c5c\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"16\" fill=\"#1c1b19\">came</text>\
         <line x1=\"{}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#b4540a\" stroke-width=\"3\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"16\" fill=\"#1c1b19\">said they were coming</text>",
        h - 14.0,
        left + 20.0,
        h - 2.0,
        left + 80.0,
        left + 100.0,
        h - 7.0,
        h - 7.0,
        left + 106.0,
        h - 2.0
    ));
    svg.push_str("</svg>");
    svg
}

fn attendance_description(meetings: &[MeetingStat]) -> String {
    if meetings.is_empty() {
        return "No meetings were held in this period.".into();
    }
    let total: i64 = meetings.iter().map(|m| m.attended).sum();
    let max = meetings.iter().map(|m| m.attended).max().unwrap_or(0);
    let min = meetings.iter().map(|m| m.attended).min().unwrap_or(0);
    format!(
        "{} meetings; on average {:.1} people came, between {min} and {max}. The table beside the chart gives every meeting.",
        meetings.len(),
        total as f64 / meetings.len() as f64
    )
}

/// A bar chart of how many members gave each feedback rating.
pub fn feedback_chart(id: &str, counts: &[i64; 5]) -> String {
    let (w, h, left) = (360.0_f64, 220.0_f64, 112.0);
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let row = (h - 10.0) / 5.0;
    let total: i64 = counts.iter().sum();
    let mut svg = format!(
        "<svg class=\"chart chart-small\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">How was it for you? Members' answers</title>\
         <desc id=\"{id}-desc\">{total} answers. The table beside the chart gives the count for each answer.</desc>"
    );
    for (i, ((_, label), n)) in RATINGS.iter().zip(counts).enumerate().rev() {
        let y = 5.0 + row * (4 - i) as f64;
        let len = (*n as f64 / max) * (w - left - 50.0);
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"16\" text-anchor=\"end\" fill=\"#1c1b19\">{}</text>\
             <rect x=\"{left}\" y=\"{:.1}\" width=\"{len:.1}\" height=\"{:.1}\" fill=\"#0b5c5c\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"16\" fill=\"#1c1b19\">{n}</text>",
            left - 8.0,
            y + row / 2.0 + 5.0,
            esc(label),
            y + 4.0,
            row - 8.0,
            left + len + 6.0,
            y + row / 2.0 + 5.0,
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawInput {
        RawInput::of(pairs)
    }

    #[test]
    fn ranges_default_to_the_last_year_and_must_run_forwards() {
        let today = jiff::civil::date(2026, 11, 28);
        let r = DateRange::parse(&raw(&[]), today).expect("default");
        assert_eq!(
            (r.from.as_str(), r.to.as_str()),
            ("2025-11-29", "2026-11-28")
        );
        assert!(
            DateRange::parse(&raw(&[("from", "2026-05-01"), ("to", "2026-04-01")]), today).is_err()
        );
        assert!(DateRange::parse(&raw(&[("from", "soon")]), today).is_err());
    }

    #[test]
    fn search_terms_are_quoted_so_nothing_typed_is_syntax() {
        assert_eq!(
            fts5_terms("Sleep, \"diet\" OR*").as_deref(),
            Some("\"sleep\" \"diet\" \"or\"")
        );
        assert_eq!(fts5_terms(" -- "), None);
    }

    #[test]
    fn hits_list_the_matching_words_once() {
        let h = SearchHit::new(
            "meeting",
            "/meetings/1".into(),
            None,
            "T".into(),
            format!(
                "we talked about {MARK_START}Sleep{MARK_END} and {MARK_START}sleep{MARK_END} <b>"
            ),
            1.0,
        );
        assert_eq!(h.matches, vec!["Sleep"]);
        assert_eq!(h.snippet, "we talked about Sleep and sleep <b>");
        assert_eq!(h.pieces()[1], ("Sleep".to_string(), true));
    }

    #[test]
    fn charts_name_themselves_and_escape_text() {
        let m = MeetingStat {
            meeting_id: MeetingId(1),
            date: "2026-03-10".into(),
            topic: "<x>".into(),
            attended: 5,
            expected: 6,
            first_timers: 1,
            feedback_average: None,
            feedback_count: 0,
        };
        let svg = attendance_chart("a", &[m]);
        assert!(svg.contains("<title id=\"a-title\">"));
        assert!(svg.contains("aria-labelledby=\"a-title a-desc\""));
        assert!(!svg.contains("style="));
        let f = feedback_chart("f", &[0, 1, 2, 3, 4]);
        assert!(f.contains("10 answers"));
    }

    #[test]
    fn feedback_needs_a_rating() {
        assert!(FeedbackInput::try_from(&raw(&[("rating", "6")])).is_err());
        assert_eq!(
            FeedbackInput::try_from(&raw(&[("rating", "4"), ("comment", "Lovely")])),
            Ok(FeedbackInput {
                rating: 4,
                comment: "Lovely".into()
            })
        );
    }
}

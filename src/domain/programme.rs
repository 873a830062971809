//! A programme of many groups at a glance (issue 21): its totals for a date range, the same per
//! area, and how the network's lists are searched, sorted and paged (numbers in names sort as
//! numbers: "Group 3" before "Group 20").

use serde::Serialize;

use super::ids::GroupId;
use super::{FieldErrors, RawInput};

/// One group's figures for a date range, counted as its own report counts them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GroupFigures {
    pub group_id: GroupId,
    pub area: String,
    pub meetings_held: i64,
    pub meetings_cancelled: i64,
    /// Sign-ins at held meetings, guests included.
    pub attendances: i64,
    /// Different people who came at least once (members, and people since erased).
    pub people_reached: i64,
    /// People who came to the group for the first time in the range.
    pub new_members: i64,
    pub feedback_count: i64,
    /// The sum of the ratings (1 to 5), for the average.
    #[serde(skip)]
    pub feedback_total: i64,
    pub social_events: i64,
}

/// Figures added up over many groups.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub groups: i64,
    /// Groups that held at least one meeting in the range.
    pub groups_met: i64,
    pub meetings_held: i64,
    pub meetings_cancelled: i64,
    pub attendances: i64,
    pub people_reached: i64,
    pub new_members: i64,
    /// People reached who had come before the range: reached less new.
    pub returning_members: i64,
    pub feedback_count: i64,
    /// The average rating, 1 to 5, when anyone gave one.
    pub feedback_average: Option<f64>,
    pub social_events: i64,
    #[serde(skip)]
    feedback_total: i64,
}

impl Totals {
    pub fn of<'a>(groups: impl IntoIterator<Item = &'a GroupFigures>) -> Totals {
        let mut t = Totals::default();
        for g in groups {
            t.groups += 1;
            t.groups_met += i64::from(g.meetings_held > 0);
            t.meetings_held += g.meetings_held;
            t.meetings_cancelled += g.meetings_cancelled;
            t.attendances += g.attendances;
            t.people_reached += g.people_reached;
            t.new_members += g.new_members;
            t.feedback_count += g.feedback_count;
            t.feedback_total += g.feedback_total;
            t.social_events += g.social_events;
        }
        t.returning_members = t.people_reached - t.new_members;
        t.feedback_average =
            (t.feedback_count > 0).then(|| t.feedback_total as f64 / t.feedback_count as f64);
        t
    }
    pub fn feedback_average_label(&self) -> String {
        match self.feedback_average {
            Some(a) => format!("{a:.1} out of 5"),
            None => "no ratings yet".into(),
        }
    }
    /// Average attendance at a held meeting.
    pub fn average_attendance_label(&self) -> String {
        if self.meetings_held == 0 {
            "–".into()
        } else {
            format!("{:.1}", self.attendances as f64 / self.meetings_held as f64)
        }
    }
}

/// A group that has met is "not meeting" after this many days without a meeting (two months).
pub const NOT_MET_DAYS: i64 = 61;

super::text_enum::text_enum! {
    /// Why a group is on the "needs attention" list, most urgent first.
    pub enum Attention {
        Concerns = ("concerns", "Concerns (last 90 days)"),
        Help = ("help", "Asked for help"),
        NoFacilitator = ("no_facilitator", "No facilitator"),
        NotMet = ("not_met", "Not met for 2 months"),
        NothingPlanned = ("nothing_planned", "Nothing planned"),
        Falling = ("falling", "Attendance falling"),
    }
}

/// How `?area=` asks for the groups with no area set.
pub const NO_AREA_PARAM: &str = "~none";

/// What an area is called where none is set.
pub const NO_AREA: &str = "No area set";

/// One area's totals.
#[derive(Debug, Clone, Serialize)]
pub struct AreaTotals {
    /// The area's name ("" for groups with none).
    pub area: String,
    #[serde(flatten)]
    pub totals: Totals,
}

impl AreaTotals {
    pub fn label(&self) -> &str {
        if self.area.is_empty() {
            NO_AREA
        } else {
            &self.area
        }
    }
}

/// Totals per area, areas in natural order, groups with no area last.
pub fn by_area(groups: &[GroupFigures]) -> Vec<AreaTotals> {
    let mut areas: Vec<&str> = groups.iter().map(|g| g.area.as_str()).collect();
    areas.sort_by_key(|a| (a.is_empty(), natural_key(a)));
    areas.dedup();
    areas
        .into_iter()
        .map(|area| AreaTotals {
            area: area.to_string(),
            totals: Totals::of(groups.iter().filter(|g| g.area == area)),
        })
        .collect()
}

/// A piece of a name for sorting: a run of digits sorts by its value, other text without case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum NamePart {
    Number(u128, usize),
    Text(String),
}

/// The key that sorts names as people expect: "Group 3" before "Group 20", "apple" beside
/// "Apple".
pub fn natural_key(name: &str) -> Vec<NamePart> {
    let mut parts = Vec::new();
    let mut chars = name.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut digits = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(d);
                chars.next();
            }
            let trimmed = digits.trim_start_matches('0');
            // Too long for a number: compared as text, after every number.
            match trimmed.parse::<u128>() {
                Ok(n) => parts.push(NamePart::Number(n, digits.len())),
                Err(_) if trimmed.is_empty() => parts.push(NamePart::Number(0, digits.len())),
                Err(_) => parts.push(NamePart::Text(digits)),
            }
        } else {
            let mut text = String::new();
            while let Some(&t) = chars.peek().filter(|t| !t.is_ascii_digit()) {
                text.extend(t.to_lowercase());
                chars.next();
            }
            parts.push(NamePart::Text(text));
        }
    }
    parts
}

/// Whether a name matches what was searched for: every word of it appears, ignoring case.
pub fn matches(haystack: &[&str], q: &str) -> bool {
    let lowered: Vec<String> = haystack.iter().map(|h| h.to_lowercase()).collect();
    q.split_whitespace()
        .map(str::to_lowercase)
        .all(|word| lowered.iter().any(|h| h.contains(&word)))
}

/// How many rows a page of a network list holds, unless asked otherwise.
pub const PAGE_SIZE: usize = 50;
/// The most rows one page (or one API answer) holds.
pub const MAX_PAGE_SIZE: usize = 500;

/// A search, a filter, a sort and a page of a list, as typed into its form or the API's query.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery<S> {
    /// Words to look for ("" for everything).
    pub q: String,
    /// Only groups in this area (None: every area, `?area=*` or none given; Some(""): groups
    /// with none, `?area=~none`).
    pub area: Option<String>,
    pub sort: S,
    pub offset: usize,
    pub limit: usize,
}

/// The ways a list can be sorted, each with its name in the address and its words.
pub trait SortOrder: Sized + Copy + PartialEq + Default + 'static {
    const ALL: &'static [(Self, &'static str, &'static str)];
    fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(s, _, _)| *s == self)
            .map_or("", |(_, name, _)| name)
    }
}

impl<S: SortOrder> TryFrom<&RawInput> for ListQuery<S> {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let q = raw.text("q").trim().to_string();
        if q.chars().count() > 200 {
            errors.add("q", "Search for fewer words (200 letters at most).");
        }
        let area = match raw.text("area").as_str() {
            "" | "*" => None,
            NO_AREA_PARAM => Some(String::new()),
            a => Some(a.to_string()),
        };
        let sort = match raw.text("sort").as_str() {
            "" => S::default(),
            s => match S::ALL.iter().find(|(_, name, _)| *name == s) {
                Some((sort, _, _)) => *sort,
                None => {
                    let names: Vec<&str> = S::ALL.iter().map(|(_, n, _)| *n).collect();
                    errors.add(
                        "sort",
                        format!("Choose how to sort: one of {}.", names.join(", ")),
                    );
                    S::default()
                }
            },
        };
        let number = |field: &str, default: usize, max: usize, errors: &mut FieldErrors| match raw
            .text(field)
            .trim()
        {
            "" => default,
            t => match t.parse::<usize>() {
                Ok(n) if n <= max => n,
                _ => {
                    errors.add(field, format!("Give a whole number from 0 to {max}."));
                    default
                }
            },
        };
        let limit = number("limit", PAGE_SIZE, MAX_PAGE_SIZE, &mut errors).max(1);
        // A page number (pages) or a row offset (the API).
        let offset = if raw.get("page").is_some() {
            let page = number("page", 1, 100_000, &mut errors).max(1);
            (page - 1) * limit
        } else {
            number("offset", 0, 10_000_000, &mut errors)
        };
        errors.finish(|| ListQuery {
            q,
            area,
            sort,
            offset,
            limit,
        })
    }
}

impl<S: SortOrder> Default for ListQuery<S> {
    fn default() -> Self {
        ListQuery {
            q: String::new(),
            area: None,
            sort: S::default(),
            offset: 0,
            limit: PAGE_SIZE,
        }
    }
}

/// One page of a list, with how many rows matched in all.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
}

impl<T> Page<T> {
    /// Cuts one page from rows already filtered and sorted.
    pub fn cut(rows: Vec<T>, offset: usize, limit: usize) -> Page<T> {
        let total = rows.len();
        let rows = rows.into_iter().skip(offset).take(limit).collect();
        Page {
            rows,
            total,
            offset,
            limit,
        }
    }
    /// The page shown, counting from 1.
    pub fn number(&self) -> usize {
        self.offset / self.limit.max(1) + 1
    }
    pub fn pages(&self) -> usize {
        self.total.div_ceil(self.limit.max(1)).max(1)
    }
    /// "Showing 51 to 100 of 500".
    pub fn showing_label(&self) -> String {
        if self.total == 0 {
            return "Nothing matches".into();
        }
        if self.rows.is_empty() {
            return format!("No more: {} in all", self.total);
        }
        format!(
            "Showing {} to {} of {}",
            self.offset + 1,
            self.offset + self.rows.len(),
            self.total
        )
    }
    pub fn has_next(&self) -> bool {
        self.offset + self.rows.len() < self.total
    }
    pub fn has_previous(&self) -> bool {
        self.offset > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_names_sort_as_numbers() {
        let mut names = vec![
            "Group 303",
            "group 3",
            "Group 283",
            "Group 20",
            "Group 3a",
            "Alpha",
        ];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(
            names,
            [
                "Alpha",
                "group 3",
                "Group 3a",
                "Group 20",
                "Group 283",
                "Group 303"
            ]
        );
        // Digits too long for a number still sort, without a panic.
        let long = "9".repeat(60);
        let mut names = [long.as_str(), "1"];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(names[0], "1");
    }

    #[test]
    fn totals_add_up_and_returning_is_reached_less_new() {
        let g =
            |id: i64, area: &str, held: i64, people: i64, new: i64, fb: (i64, i64)| GroupFigures {
                group_id: GroupId(id),
                area: area.into(),
                meetings_held: held,
                meetings_cancelled: 1,
                attendances: held * 5,
                people_reached: people,
                new_members: new,
                feedback_count: fb.0,
                feedback_total: fb.1,
                social_events: 0,
            };
        let groups = [
            g(1, "North", 4, 10, 2, (2, 9)),
            g(2, "", 0, 0, 0, (0, 0)),
            g(3, "North", 2, 5, 5, (1, 3)),
        ];
        let t = Totals::of(&groups);
        assert_eq!(t.groups, 3);
        assert_eq!(t.groups_met, 2);
        assert_eq!(t.meetings_held, 6);
        assert_eq!(t.meetings_cancelled, 3);
        assert_eq!(t.people_reached, 15);
        assert_eq!(t.returning_members, 8);
        assert_eq!(t.feedback_average, Some(4.0));
        let areas = by_area(&groups);
        assert_eq!(areas.len(), 2);
        assert_eq!(areas[0].label(), "North");
        assert_eq!(areas[0].totals.groups, 2);
        assert_eq!(areas[1].label(), NO_AREA);
    }

    #[derive(Debug, Clone, Copy, PartialEq, Default)]
    enum Sort {
        #[default]
        Name,
        Newest,
    }
    impl SortOrder for Sort {
        const ALL: &'static [(Sort, &'static str, &'static str)] = &[
            (Sort::Name, "name", "Name"),
            (Sort::Newest, "newest", "Newest"),
        ];
    }

    fn raw(pairs: &[(&str, &str)]) -> RawInput {
        RawInput::of(pairs)
    }

    #[test]
    fn a_list_query_is_parsed_or_refused_by_field() {
        let q =
            ListQuery::<Sort>::try_from(&raw(&[("q", " tea "), ("sort", "newest"), ("page", "3")]))
                .expect("valid");
        assert_eq!(
            (q.q.as_str(), q.sort, q.offset, q.limit),
            ("tea", Sort::Newest, 100, 50)
        );
        let e = ListQuery::<Sort>::try_from(&raw(&[
            ("sort", "AAA"),
            ("limit", "-1"),
            ("offset", "1.5"),
        ]))
        .expect_err("invalid");
        for f in ["sort", "limit", "offset"] {
            assert!(e.get(f).is_some(), "{f}: {e}");
        }
        let p = Page::cut((0..120).collect::<Vec<_>>(), 100, 50);
        assert_eq!(
            (p.rows.len(), p.number(), p.pages(), p.has_next()),
            (20, 3, 3, false)
        );
        assert_eq!(p.showing_label(), "Showing 101 to 120 of 120");
    }
}

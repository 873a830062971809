//! The network's lists of people and places (issue 21): staff and venues searched, sorted and
//! cut into pages alike for the pages and the API. A network holds hundreds of each at most,
//! so the whole list is read once and filtered in memory; names sort with their numbers as
//! numbers ("Hall 3" before "Hall 20").

use crate::domain::programme::{ListQuery, Page, SortOrder, matches, natural_key};
use crate::domain::venue::Venue;
use crate::store::StaffEntry;

/// How the staff list can be sorted.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum StaffSort {
    #[default]
    Name,
    Role,
    Groups,
    /// Longest since they signed in first (never first of all): who may have drifted away.
    SignedIn,
}

impl SortOrder for StaffSort {
    const ALL: &'static [(StaffSort, &'static str, &'static str)] = &[
        (StaffSort::Name, "name", "Name"),
        (StaffSort::Role, "role", "Role"),
        (StaffSort::Groups, "groups", "Most groups"),
        (StaffSort::SignedIn, "signed_in", "Longest since signing in"),
    ];
}

/// The staff matching the search (name, email address or phone number), sorted, one page.
pub fn staff_page(entries: Vec<StaffEntry>, q: &ListQuery<StaffSort>) -> Page<StaffEntry> {
    let mut rows: Vec<StaffEntry> = entries
        .into_iter()
        .filter(|s| matches(&[&s.name, &s.email, &s.phone], &q.q))
        .collect();
    rows.sort_by_cached_key(|s| (natural_key(&s.name), s.id));
    match q.sort {
        StaffSort::Name => {}
        StaffSort::Role => rows.sort_by_key(|s| s.role().as_str() != "coordinator"),
        StaffSort::Groups => rows.sort_by_key(|s| std::cmp::Reverse(s.group_count)),
        StaffSort::SignedIn => rows.sort_by_key(|s| s.last_signed_in_at.unwrap_or(i64::MIN)),
    }
    Page::cut(rows, q.offset, q.limit)
}

/// How the venues list can be sorted.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum VenueSort {
    #[default]
    Name,
    /// Fully step-free first, then partly, then the rest; a hearing loop first within each.
    Access,
}

impl SortOrder for VenueSort {
    const ALL: &'static [(VenueSort, &'static str, &'static str)] = &[
        (VenueSort::Name, "name", "Name"),
        (VenueSort::Access, "access", "Step-free first"),
    ];
}

/// The venues matching the search (name, address or booking contact), sorted, one page.
pub fn venue_page(venues: Vec<Venue>, q: &ListQuery<VenueSort>) -> Page<Venue> {
    let mut rows: Vec<Venue> = venues
        .into_iter()
        .filter(|v| matches(&[&v.name, &v.address, &v.booking_contact], &q.q))
        .collect();
    rows.sort_by_cached_key(|v| (natural_key(&v.name), v.id));
    if q.sort == VenueSort::Access {
        let rank = |v: &Venue| match v.step_free.as_str() {
            "fully" => 0,
            "partly" => 1,
            _ => 2,
        };
        rows.sort_by_key(|v| (rank(v), !v.hearing_loop));
    }
    Page::cut(rows, q.offset, q.limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RawInput;

    fn entry(id: i64, name: &str, role: &str, groups: i64, signed_in: Option<i64>) -> StaffEntry {
        StaffEntry {
            id,
            name: name.to_string(),
            email: format!("{}@example.org", name.to_lowercase().replace(' ', ".")),
            role: role.to_string(),
            phone: format!("07700 9000{id:02}"),
            last_signed_in_at: signed_in,
            group_count: groups,
            disabled: false,
            groups: None,
        }
    }

    fn names(p: &Page<StaffEntry>) -> Vec<&str> {
        p.rows.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn staff_are_found_by_any_word_and_sorted_with_numbers_as_numbers() {
        let all = || {
            vec![
                entry(1, "Helper 20", "facilitator", 1, Some(50)),
                entry(2, "Helper 3", "facilitator", 4, None),
                entry(3, "Ann Lead", "coordinator", 0, Some(10)),
            ]
        };
        let q = |query: &[(&str, &str)]| {
            ListQuery::<StaffSort>::try_from(&RawInput::of(query)).expect("valid")
        };
        assert_eq!(
            names(&staff_page(all(), &q(&[]))),
            ["Ann Lead", "Helper 3", "Helper 20"]
        );
        assert_eq!(
            names(&staff_page(all(), &q(&[("q", "helper")]))),
            ["Helper 3", "Helper 20"]
        );
        assert_eq!(
            names(&staff_page(all(), &q(&[("q", "900003")]))),
            ["Ann Lead"]
        );
        assert_eq!(
            names(&staff_page(all(), &q(&[("q", "ann.lead@")]))),
            ["Ann Lead"]
        );
        assert_eq!(
            names(&staff_page(all(), &q(&[("sort", "groups")]))),
            ["Helper 3", "Helper 20", "Ann Lead"]
        );
        assert_eq!(
            names(&staff_page(all(), &q(&[("sort", "signed_in")]))),
            ["Helper 3", "Ann Lead", "Helper 20"]
        );
        assert_eq!(
            names(&staff_page(all(), &q(&[("sort", "role")]))),
            ["Ann Lead", "Helper 3", "Helper 20"]
        );
        let second = staff_page(all(), &q(&[("limit", "2"), ("page", "2")]));
        assert_eq!((names(&second), second.total), (vec!["Helper 20"], 3));
        assert!(ListQuery::<StaffSort>::try_from(&RawInput::of(&[("sort", "age")])).is_err());
    }
}

//! The programme at a glance (issue 21): every group the viewer may see, its totals for a date
//! range (whole and per area), what needs attention, and one searched, sorted page of the
//! groups, for the overview page, Home and `GET /api/v1/overview` alike.

use crate::AppState;
use crate::domain::access::Staff;
use crate::domain::insight::DateRange;
use crate::domain::programme::{
    AreaTotals, Attention, GroupFigures, ListQuery, Page, SortOrder, Totals, by_area, matches,
    natural_key,
};
use crate::error::AppResult;
use crate::store::GroupOverview;

/// How the overview's table can be sorted.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum OverviewSort {
    #[default]
    Name,
    Attention,
    LastMet,
    Held,
    Average,
}

impl SortOrder for OverviewSort {
    const ALL: &'static [(OverviewSort, &'static str, &'static str)] = &[
        (OverviewSort::Name, "name", "Name"),
        (
            OverviewSort::Attention,
            "attention",
            "Needs attention first",
        ),
        (OverviewSort::LastMet, "last_met", "Longest since they met"),
        (OverviewSort::Held, "held", "Most meetings held"),
        (
            OverviewSort::Average,
            "average",
            "Highest average attendance",
        ),
    ];
}

/// Which groups the table shows, besides the search and the area.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Show {
    #[default]
    All,
    /// Groups with anything on the "needs attention" list.
    NeedingAttention,
    /// Groups with this one thing.
    Only(Attention),
}

impl Show {
    pub fn parse(text: &str) -> Result<Show, String> {
        match text.trim() {
            "" | "all" => Ok(Show::All),
            "attention" => Ok(Show::NeedingAttention),
            t => t.parse::<Attention>().map(Show::Only).map_err(|_| {
                format!(
                    "Choose which groups to show: all, attention or {}.",
                    Attention::choices()
                )
            }),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Show::All => "all",
            Show::NeedingAttention => "attention",
            Show::Only(a) => a.as_str(),
        }
    }
    fn keeps(self, attention: &[Attention]) -> bool {
        match self {
            Show::All => true,
            Show::NeedingAttention => !attention.is_empty(),
            Show::Only(a) => attention.contains(&a),
        }
    }
}

/// A group in the overview with what needs attention about it.
#[derive(Debug, Clone)]
pub struct OverviewRow {
    pub group: GroupOverview,
    pub attention: Vec<Attention>,
}

/// How many groups have each thing needing attention.
#[derive(Debug, Clone)]
pub struct AttentionCount {
    pub attention: Attention,
    pub groups: i64,
}

/// Everything the overview shows.
pub struct Overview {
    pub range: DateRange,
    /// Totals of the groups in the chosen area (or all).
    pub totals: Totals,
    /// Totals per area (every area, whichever is chosen).
    pub areas: Vec<AreaTotals>,
    /// The groups, in the chosen area, that the concerns and help lists name: every one (they
    /// are few and the most urgent).
    pub urgent: Vec<OverviewRow>,
    pub attention: Vec<AttentionCount>,
    pub page: Page<OverviewRow>,
    /// The range ends before today, so "last met", "next meeting", trend and help are as of
    /// today, not as of the range's end.
    pub as_of_today: bool,
}

/// The areas a viewer's groups are in, in natural order (for the area filter).
pub fn areas_of(figures: &[GroupFigures]) -> Vec<String> {
    by_area(figures).into_iter().map(|a| a.area).collect()
}

/// The overview for a viewer: every visible group, filtered, sorted and paged as asked.
pub async fn overview(
    state: &AppState,
    viewer: &Staff,
    range: &DateRange,
    query: &ListQuery<OverviewSort>,
    show: Show,
) -> AppResult<(Overview, Vec<GroupFigures>)> {
    let today = crate::labels::today_in(crate::domain::group::DEFAULT_TIMEZONE).to_string();
    let (groups, figures) = tokio::try_join!(
        state.store.overview(viewer, range),
        state.store.programme_figures(viewer, range)
    )?;
    let in_area = |area: &str| query.area.as_deref().is_none_or(|a| a == area);
    let totals = Totals::of(figures.iter().filter(|f| in_area(&f.area)));
    let areas = by_area(&figures);
    let (mut rows, attention) = with_attention(
        groups.into_iter().filter(|g| in_area(&g.area)).collect(),
        &today,
    );
    let urgent = rows
        .iter()
        .filter(|r| {
            r.attention
                .iter()
                .any(|a| matches!(a, Attention::Concerns | Attention::Help))
        })
        .cloned()
        .collect();
    rows.retain(|r| show.keeps(&r.attention) && matches(&[&r.group.name, &r.group.area], &query.q));
    sort_rows(&mut rows, query.sort, &today);
    let page = Page::cut(rows, query.offset, query.limit);
    Ok((
        Overview {
            range: range.clone(),
            totals,
            areas,
            urgent,
            attention,
            page,
            as_of_today: range.to < today,
        },
        figures,
    ))
}

/// What needs attention among the viewer's groups today, for Home: the groups with concerns
/// or help requests, and how many groups have each thing.
pub async fn attention(
    state: &AppState,
    viewer: &Staff,
) -> AppResult<(Vec<OverviewRow>, Vec<AttentionCount>)> {
    let today = crate::labels::today_in(crate::domain::group::DEFAULT_TIMEZONE).to_string();
    // The figures for the range are not shown: a one-day range reads the least.
    let range = DateRange {
        from: today.clone(),
        to: today.clone(),
    };
    let (mut rows, counts) = with_attention(state.store.overview(viewer, &range).await?, &today);
    rows.retain(|r| {
        r.attention
            .iter()
            .any(|a| matches!(a, Attention::Concerns | Attention::Help))
    });
    rows.sort_by_cached_key(|r| (natural_key(&r.group.name), r.group.group_id));
    Ok((rows, counts))
}

/// Each group with what needs attention about it, and how many groups have each thing.
fn with_attention(
    groups: Vec<GroupOverview>,
    today: &str,
) -> (Vec<OverviewRow>, Vec<AttentionCount>) {
    let rows: Vec<OverviewRow> = groups
        .into_iter()
        .map(|g| OverviewRow {
            attention: g.attention(today),
            group: g,
        })
        .collect();
    let counts = Attention::ALL
        .iter()
        .map(|a| AttentionCount {
            attention: *a,
            groups: rows.iter().filter(|r| r.attention.contains(a)).count() as i64,
        })
        .collect();
    (rows, counts)
}

fn sort_rows(rows: &mut [OverviewRow], sort: OverviewSort, today: &str) {
    // Name first, so every other order breaks its ties by name.
    rows.sort_by_cached_key(|r| (natural_key(&r.group.name), r.group.group_id));
    match sort {
        OverviewSort::Name => {}
        OverviewSort::Attention => rows.sort_by_key(|r| {
            (
                r.attention.is_empty(),
                r.attention
                    .first()
                    .map(|a| Attention::ALL.iter().position(|x| x == a)),
            )
        }),
        // Never met first, then the longest since.
        OverviewSort::LastMet => {
            rows.sort_by_key(|r| std::cmp::Reverse(r.group.days_since(today).unwrap_or(i64::MAX)))
        }
        OverviewSort::Held => rows.sort_by_key(|r| std::cmp::Reverse(r.group.meetings_held)),
        OverviewSort::Average => rows.sort_by(|a, b| {
            b.group
                .average()
                .partial_cmp(&a.group.average())
                .unwrap_or(std::cmp::Ordering::Equal)
        }),
    }
}

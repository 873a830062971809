//! `hearth seed`: fills an empty database with a realistic, deterministic history for
//! benchmarks and trying Hearth at scale — venues, facilitators, groups meeting monthly or
//! fortnightly, members joining and leaving, attendance that dips in winter, notes, topics and
//! votes, goals and their reviews, contact records, feedback, social events and polls. The same
//! `--seed` gives the same data. Rows go in many to a statement, many statements to a
//! transaction, a few groups at a time.

use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime, Time};

use crate::domain::meeting::{DEFAULT_AGENDA, MeetingStatus, StepKind};
use crate::store::{Store, StoreError, V};

/// The password of every seeded staff account.
pub const SEED_PASSWORD: &str = "hearth-seed-password";

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub groups: usize,
    pub members_per_group: usize,
    pub years: i64,
    pub seed: u64,
}

/// A small, fast, deterministic random source (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The programme's areas: each holds four of the towns, in order.
const AREAS: [&str; 5] = ["North", "East", "South", "West", "Central"];

const TOWNS: [&str; 20] = [
    "Hexley",
    "Greenway",
    "Ashford",
    "Bramley",
    "Cobham",
    "Dunmore",
    "Elmsworth",
    "Fairley",
    "Glenside",
    "Harwood",
    "Ivybridge",
    "Kingsley",
    "Langford",
    "Milbrook",
    "Northam",
    "Oakham",
    "Penrith",
    "Queensbury",
    "Redhill",
    "Stanton",
];
const DAYS: [(&str, jiff::civil::Weekday); 4] = [
    ("Tuesday", jiff::civil::Weekday::Tuesday),
    ("Wednesday", jiff::civil::Weekday::Wednesday),
    ("Thursday", jiff::civil::Weekday::Thursday),
    ("Monday", jiff::civil::Weekday::Monday),
];
const FIRST_NAMES: [&str; 40] = [
    "Ada", "Bill", "Carol", "Dev", "Eileen", "Frank", "Gloria", "Hamid", "Irene", "Jim", "Kath",
    "Leon", "Mary", "Nigel", "Olive", "Pat", "Rosa", "Sam", "Tess", "Usha", "Vic", "Wendy",
    "Yusuf", "Zara", "Alan", "Beryl", "Colin", "Doreen", "Errol", "Fay", "Gordon", "Hilda", "Ivan",
    "Joan", "Ken", "Lilian", "Maurice", "Nora", "Owen", "Peggy",
];
const SURNAMES: [&str; 16] = [
    "Thompson", "Harris", "Mensah", "Singh", "O'Brien", "Walsh", "Doyle", "Fraser", "Patel",
    "Evans", "Khan", "Roberts", "Hughes", "Okafor", "Lewis", "Clarke",
];
const TOPICS: [&str; 14] = [
    "Sleep and tiredness",
    "Eating well without giving up everything",
    "Staying active in the cold",
    "Talking to family",
    "Looking after your feet",
    "Medication worries",
    "Coping with low mood",
    "Travel and holidays",
    "Christmas and celebrations",
    "Getting the most from appointments",
    "Walking groups",
    "Stress and relaxation",
    "Money worries",
    "Loneliness",
];
const PHRASES: [&str; 12] = [
    "Everyone had a say and we laughed a lot.",
    "A short walk after meals helped several of us.",
    "We shared recipes for soups and stews.",
    "Sleep routines: the same bedtime and no screens late.",
    "Some found the dark evenings hard; we swapped numbers.",
    "A new member joined and was made welcome.",
    "We talked about asking the GP for a review.",
    "Chair exercises are easy to do at home.",
    "Keeping a diary helped to spot patterns.",
    "Family support makes a big difference.",
    "The nurse's leaflet on foot checks was passed round.",
    "Planning treats rather than cutting everything out.",
];

/// One table's waiting rows: its name, its columns and the rows.
type TableRows = (&'static str, &'static [&'static str], Vec<Vec<V>>);

/// Rows waiting to be written, per table, in the order tables must be filled.
struct Batch {
    tables: BTreeMap<usize, TableRows>,
    rows: usize,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            tables: BTreeMap::new(),
            rows: 0,
        }
    }
    fn add(
        &mut self,
        order: usize,
        table: &'static str,
        cols: &'static [&'static str],
        row: Vec<V>,
    ) {
        self.tables
            .entry(order)
            .or_insert_with(|| (table, cols, Vec::new()))
            .2
            .push(row);
        self.rows += 1;
    }
    async fn flush(&mut self, store: &Store) -> Result<(), StoreError> {
        for (_, (table, cols, rows)) in std::mem::take(&mut self.tables) {
            store.bulk_insert(table, cols, &rows).await?;
        }
        self.rows = 0;
        Ok(())
    }
}

const VENUE_COLS: &[&str] = &[
    "id",
    "name",
    "address",
    "step_free",
    "hearing_loop",
    "accessible_toilet",
    "parking",
    "requires_sign_in_sheet",
    "capacity",
    "created_at",
    "updated_at",
];
const ACCOUNT_COLS: &[&str] = &["id", "email", "name", "role", "password_hash", "created_at"];
const GROUP_COLS: &[&str] = &[
    "id",
    "name",
    "area",
    "description",
    "timezone",
    "usual_meeting_length",
    "format",
    "ground_rules",
    "usual_venue_id",
    "reminder_hours",
    "created_at",
    "updated_at",
];
const FAC_COLS: &[&str] = &["group_id", "account_id"];
const MEMBER_COLS: &[&str] = &[
    "id",
    "group_id",
    "preferred_name",
    "full_name",
    "phone",
    "email",
    "preferred_contact",
    "needs",
    "needs_note",
    "joined_on",
    "left_on",
    "created_at",
    "updated_at",
];
const MEETING_COLS: &[&str] = &[
    "id",
    "group_id",
    "local_date",
    "local_time",
    "timezone",
    "starts_at",
    "duration_minutes",
    "venue_id",
    "status",
    "topic",
    "started_at",
    "ended_at",
    "topics_discussed",
    "key_points",
    "round_up_good",
    "round_up_not_so_good",
    "created_at",
    "updated_at",
];
const STEP_COLS: &[&str] = &[
    "id",
    "meeting_id",
    "position",
    "title",
    "minutes",
    "purpose",
    "prompts",
    "kind",
    "notes",
];
const RSVP_COLS: &[&str] = &["meeting_id", "member_id", "answer", "recorded_by", "at"];
const ATTENDANCE_COLS: &[&str] = &[
    "id",
    "meeting_id",
    "member_id",
    "guest_name",
    "signed_in_at",
    "recorded_by",
];
const FEEDBACK_COLS: &[&str] = &["meeting_id", "member_id", "rating", "comment", "at"];
const CONTACT_COLS: &[&str] = &[
    "id",
    "group_id",
    "member_id",
    "contacted_on",
    "how",
    "about",
    "follow_up",
    "follow_up_done",
    "recorded_by",
    "created_at",
];
const BOARD_COLS: &[&str] = &[
    "id",
    "group_id",
    "topic_id",
    "status",
    "proposed_by",
    "created_at",
];
const VOTE_COLS: &[&str] = &["topic_id", "member_id", "group_id", "at"];
const PLAN_COLS: &[&str] = &[
    "id",
    "member_id",
    "what",
    "confidence",
    "status",
    "created_by",
    "created_at",
];
const REVIEW_COLS: &[&str] = &["id", "plan_id", "outcome", "note", "recorded_by", "at"];
const SOCIAL_COLS: &[&str] = &[
    "id",
    "group_id",
    "title",
    "local_date",
    "local_time",
    "timezone",
    "starts_at",
    "duration_minutes",
    "place",
    "created_by",
    "created_at",
    "updated_at",
];
const POLL_COLS: &[&str] = &["id", "group_id", "title", "created_by", "created_at"];
const OPTION_COLS: &[&str] = &[
    "id",
    "poll_id",
    "position",
    "local_date",
    "local_time",
    "starts_at",
];
const RESPONSE_COLS: &[&str] = &["poll_id", "member_id", "recorded_by", "at"];
const ANSWER_COLS: &[&str] = &["option_id", "member_id", "poll_id", "answer"];

/// Ids handed out as rows are made.
#[derive(Default)]
struct Ids {
    member: i64,
    meeting: i64,
    step: i64,
    attendance: i64,
    contact: i64,
    board: i64,
    plan: i64,
    review: i64,
    social: i64,
    poll: i64,
    option: i64,
}

fn starts(date: Date, time: Time) -> i64 {
    DateTime::from_parts(date, time)
        .in_tz("Europe/London")
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0)
}

/// Fills the database; `progress` is told how many groups are done.
pub async fn seed(
    store: &Store,
    o: &SeedOptions,
    password_hash: &str,
    progress: impl FnMut(usize, usize),
) -> Result<SeedSummary, String> {
    if !store.is_empty().await.map_err(|e| e.to_string())? {
        return Err("the database is not empty: seed only an empty database".into());
    }
    store.bulk_load_begin().await.map_err(|e| e.to_string())?;
    let loaded = seed_rows(store, o, password_hash, progress).await;
    // Counted and switched back on whether or not the load went through.
    let ended = store.bulk_load_end().await.map_err(|e| e.to_string());
    let summary = loaded?;
    ended?;
    store.analyze().await.map_err(|e| e.to_string())?;
    Ok(summary)
}

async fn seed_rows(
    store: &Store,
    o: &SeedOptions,
    password_hash: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<SeedSummary, String> {
    let mut rng = Rng::new(o.seed);
    let now = crate::store::now();
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(
            jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC),
        )
        .date();
    let start = today
        .checked_sub(jiff::Span::new().years(o.years))
        .map_err(|e| e.to_string())?;
    let start_ts = starts(start, Time::midnight());
    let mut b = Batch::new();
    let mut summary = SeedSummary::default();

    // Venues: one for every two groups.
    let venues = o.groups.div_ceil(2).max(1);
    for v in 0..venues {
        let town = TOWNS[v % TOWNS.len()];
        b.add(
            0,
            "venues",
            VENUE_COLS,
            vec![
                V::I(v as i64 + 1),
                V::T(format!("{town} Community Centre {}", v + 1)),
                V::T(format!("{} High Street\n{town}", v + 1)),
                V::T(["no", "partly", "fully"][rng.below(3)].into()),
                V::B(rng.chance(0.6)),
                V::B(rng.chance(0.7)),
                V::B(rng.chance(0.5)),
                V::B(rng.chance(0.3)),
                V::I(20 + rng.below(40) as i64),
                V::I(start_ts),
                V::I(start_ts),
            ],
        );
    }
    // Staff: a coordinator, and a facilitator for each group.
    b.add(
        1,
        "accounts",
        ACCOUNT_COLS,
        vec![
            V::I(1),
            V::T("coordinator@example.org".into()),
            V::T("Maggie Reid".into()),
            V::T("coordinator".into()),
            V::T(password_hash.into()),
            V::I(start_ts),
        ],
    );
    b.flush(store).await.map_err(|e| e.to_string())?;

    let mut ids = Ids::default();
    for g in 0..o.groups {
        let group_id = g as i64 + 1;
        let facilitator = g as i64 + 2;
        let actor = format!("account:{facilitator}");
        let town = TOWNS[g % TOWNS.len()];
        let (day_name, weekday) = DAYS[g % DAYS.len()];
        let fortnightly = g % 3 == 0;
        let time = if g % 2 == 0 {
            Time::constant(14, 0, 0, 0)
        } else {
            Time::constant(19, 0, 0, 0)
        };
        let length = if g % 2 == 0 { 90 } else { 75 };
        let venue = (g % venues) as i64 + 1;
        b.add(
            1,
            "accounts",
            ACCOUNT_COLS,
            vec![
                V::I(facilitator),
                V::T(format!("facilitator{}@example.org", g + 1)),
                V::T(format!(
                    "{} {}",
                    FIRST_NAMES[(g * 7) % 40],
                    SURNAMES[g % 16]
                )),
                V::T("facilitator".into()),
                V::T(password_hash.into()),
                V::I(start_ts),
            ],
        );
        b.add(
            2,
            "support_groups",
            GROUP_COLS,
            vec![
                V::I(group_id),
                V::T(format!("{town} {day_name} Group {}", g + 1)),
                V::T(AREAS[(g % TOWNS.len()) / 4].into()),
                V::T("A friendly peer support group. We meet for a cuppa and a chat.".into()),
                V::T("Europe/London".into()),
                V::I(length),
                V::T("open_ended".into()),
                V::T(crate::domain::group::SUGGESTED_GROUND_RULES.into()),
                V::I(venue),
                V::I(48),
                V::I(start_ts),
                V::I(start_ts),
            ],
        );
        b.add(
            3,
            "group_facilitators",
            FAC_COLS,
            vec![V::I(group_id), V::I(facilitator)],
        );

        // Members: most there from the start, others joining over the years; some leave.
        let days_total = (today - start).get_days().max(1) as i64;
        let mut members: Vec<(i64, Date, Option<Date>)> = Vec::with_capacity(o.members_per_group);
        for i in 0..o.members_per_group {
            ids.member += 1;
            let joined = if i < o.members_per_group * 3 / 5 {
                start
            } else {
                start
                    .checked_add(jiff::Span::new().days(rng.below(days_total as usize) as i64))
                    .unwrap_or(start)
            };
            let left = if rng.chance(0.2) {
                let after = (today - joined).get_days().max(1) as usize;
                joined
                    .checked_add(jiff::Span::new().days(30 + rng.below(after) as i64))
                    .ok()
                    .filter(|d| *d < today)
            } else {
                None
            };
            let first = FIRST_NAMES[(i + g) % 40];
            let email = rng.chance(0.5);
            let contact = if email {
                "email"
            } else {
                ["phone", "text", "post"][rng.below(3)]
            };
            let needs = ["", "", "hearing", "sight", "mobility", "dietary"][rng.below(6)];
            b.add(
                4,
                "members",
                MEMBER_COLS,
                vec![
                    V::I(ids.member),
                    V::I(group_id),
                    V::T(first.into()),
                    V::T(format!("{first} {}", SURNAMES[(i * 3 + g) % 16])),
                    V::T(format!("07700 9{:05}", ids.member % 100_000)),
                    V::T(if email {
                        format!("member{}@example.net", ids.member)
                    } else {
                        String::new()
                    }),
                    V::T(contact.into()),
                    V::T(needs.into()),
                    V::T(if needs.is_empty() {
                        String::new()
                    } else {
                        "Please ask what helps.".into()
                    }),
                    V::T(joined.to_string()),
                    left.map(|d| V::T(d.to_string())).unwrap_or(V::NullText),
                    V::I(start_ts),
                    V::I(start_ts),
                ],
            );
            members.push((ids.member, joined, left));
        }

        // Meetings, from the start to two months ahead.
        let end = today
            .checked_add(jiff::Span::new().months(2))
            .unwrap_or(today);
        let mut dates = Vec::new();
        let mut month = start.first_of_month();
        while month <= end {
            if fortnightly {
                for nth in [1, 3] {
                    if let Ok(d) = month.nth_weekday_of_month(nth, weekday) {
                        dates.push(d);
                    }
                }
            } else if let Ok(d) = month.nth_weekday_of_month(2, weekday) {
                dates.push(d);
            }
            month = month
                .checked_add(jiff::Span::new().months(1))
                .map_err(|e| e.to_string())?;
        }
        for d in dates.into_iter().filter(|d| *d >= start && *d <= end) {
            ids.meeting += 1;
            let meeting_id = ids.meeting;
            let at = starts(d, time);
            let past = at + length * 60 < now;
            let cancelled = past && rng.chance(0.03);
            let status = if cancelled {
                MeetingStatus::Cancelled
            } else if past {
                MeetingStatus::Held
            } else {
                MeetingStatus::Planned
            };
            let topic = if past || rng.chance(0.5) {
                TOPICS[rng.below(TOPICS.len())]
            } else {
                ""
            };
            let (discussed, key, good) = if status == MeetingStatus::Held {
                (
                    topic.to_string(),
                    format!("{} {}", rng.pick(&PHRASES), rng.pick(&PHRASES)),
                    rng.pick(&PHRASES).to_string(),
                )
            } else {
                (String::new(), String::new(), String::new())
            };
            b.add(
                5,
                "meetings",
                MEETING_COLS,
                vec![
                    V::I(meeting_id),
                    V::I(group_id),
                    V::T(d.to_string()),
                    V::T(format!("{:02}:{:02}", time.hour(), time.minute())),
                    V::T("Europe/London".into()),
                    V::I(at),
                    V::I(length),
                    V::I(venue),
                    V::T(status.as_str().into()),
                    V::T(topic.into()),
                    if status == MeetingStatus::Held {
                        V::I(at)
                    } else {
                        V::NullInt
                    },
                    if status == MeetingStatus::Held {
                        V::I(at + length * 60)
                    } else {
                        V::NullInt
                    },
                    V::T(discussed),
                    V::T(key),
                    V::T(good),
                    V::T(if rng.chance(0.2) {
                        "The room was cold.".into()
                    } else {
                        String::new()
                    }),
                    V::I(at - 30 * 86_400),
                    V::I(at),
                ],
            );
            for (position, (title, minutes, kind, purpose, prompts, _)) in
                DEFAULT_AGENDA.iter().enumerate()
            {
                ids.step += 1;
                b.add(
                    6,
                    "meeting_steps",
                    STEP_COLS,
                    vec![
                        V::I(ids.step),
                        V::I(meeting_id),
                        V::I(position as i64),
                        V::T((*title).into()),
                        V::I(*minutes),
                        V::T((*purpose).into()),
                        V::T((*prompts).into()),
                        V::T(kind.as_str().into()),
                        V::T(
                            if status == MeetingStatus::Held && *kind == StepKind::Topic {
                                rng.pick(&PHRASES).into()
                            } else {
                                String::new()
                            },
                        ),
                    ],
                );
            }
            if cancelled {
                continue;
            }
            // Who comes: fewer in the winter months.
            let winter = matches!(d.month(), 12 | 1 | 2);
            let p = if winter { 0.45 } else { 0.65 };
            for (member_id, joined, left) in &members {
                if *joined > d || left.is_some_and(|l| l <= d) {
                    continue;
                }
                let comes = rng.chance(p);
                let said = if comes {
                    rng.chance(0.8)
                } else {
                    rng.chance(0.15)
                };
                if said || (!past && rng.chance(0.3)) {
                    b.add(
                        7,
                        "rsvps",
                        RSVP_COLS,
                        vec![
                            V::I(meeting_id),
                            V::I(*member_id),
                            V::T(
                                if said && comes {
                                    "yes"
                                } else if said {
                                    "maybe"
                                } else {
                                    "no"
                                }
                                .into(),
                            ),
                            V::T(actor.clone()),
                            V::I(at - 3 * 86_400),
                        ],
                    );
                }
                if past && comes {
                    ids.attendance += 1;
                    b.add(
                        8,
                        "attendance",
                        ATTENDANCE_COLS,
                        vec![
                            V::I(ids.attendance),
                            V::I(meeting_id),
                            V::I(*member_id),
                            V::NullText,
                            V::I(at),
                            V::T(actor.clone()),
                        ],
                    );
                    summary.attendance += 1;
                    if rng.chance(0.25) {
                        b.add(
                            9,
                            "meeting_feedback",
                            FEEDBACK_COLS,
                            vec![
                                V::I(meeting_id),
                                V::I(*member_id),
                                V::I(3 + rng.below(3) as i64),
                                V::T(if rng.chance(0.2) {
                                    "Good to hear how others manage.".into()
                                } else {
                                    String::new()
                                }),
                                V::I(at + 86_400),
                            ],
                        );
                    }
                }
            }
            if past && rng.chance(0.2) {
                ids.attendance += 1;
                b.add(
                    8,
                    "attendance",
                    ATTENDANCE_COLS,
                    vec![
                        V::I(ids.attendance),
                        V::I(meeting_id),
                        V::NullInt,
                        V::T(format!("Guest of {}", rng.pick(&FIRST_NAMES))),
                        V::I(at),
                        V::T(actor.clone()),
                    ],
                );
                summary.attendance += 1;
            }
            summary.meetings += 1;
        }

        // The contact record: a couple of calls a month.
        let contacts = (o.years * 24) as usize;
        for _ in 0..contacts {
            let (member_id, joined, _) = members[rng.below(members.len())];
            let day = joined
                .checked_add(
                    jiff::Span::new()
                        .days(rng.below(((today - joined).get_days().max(1)) as usize) as i64),
                )
                .unwrap_or(joined);
            ids.contact += 1;
            b.add(
                10,
                "contacts",
                CONTACT_COLS,
                vec![
                    V::I(ids.contact),
                    V::I(group_id),
                    V::I(member_id),
                    V::T(day.to_string()),
                    V::T(["phone", "text", "email", "in_person", "letter"][rng.below(5)].into()),
                    V::T(format!("Checked in. {}", rng.pick(&PHRASES))),
                    V::T(if rng.chance(0.2) {
                        "Ring again next week".into()
                    } else {
                        String::new()
                    }),
                    V::B(rng.chance(0.7)),
                    V::I(facilitator),
                    V::I(starts(day, Time::constant(11, 0, 0, 0))),
                ],
            );
        }
        // The topic board: a few library topics, with votes.
        for t in 0..4 {
            ids.board += 1;
            let topic_id = (g * 4 + t) as i64 % 22 + 1;
            b.add(
                11,
                "topic_board",
                BOARD_COLS,
                vec![
                    V::I(ids.board),
                    V::I(group_id),
                    V::I(topic_id),
                    V::T("proposed".into()),
                    V::T(actor.clone()),
                    V::I(now - 20 * 86_400),
                ],
            );
            for (member_id, _, left) in members.iter().take(6) {
                if left.is_none() && rng.chance(0.4) {
                    b.add(
                        12,
                        "topic_votes",
                        VOTE_COLS,
                        vec![
                            V::I(topic_id),
                            V::I(*member_id),
                            V::I(group_id),
                            V::I(now - 10 * 86_400),
                        ],
                    );
                }
            }
        }
        // Goals: some members set one or two, most are reviewed.
        for (member_id, joined, _) in &members {
            if !rng.chance(0.4) {
                continue;
            }
            ids.plan += 1;
            let set = starts(*joined, time) + rng.below(300) as i64 * 86_400;
            let outcome = ["on_track", "done", "changed", "dropped"][rng.below(4)];
            b.add(
                13,
                "action_plans",
                PLAN_COLS,
                vec![
                    V::I(ids.plan),
                    V::I(*member_id),
                    V::T("Walk for 15 minutes after lunch".into()),
                    V::I(5 + rng.below(6) as i64),
                    V::T(
                        match outcome {
                            "done" => "done",
                            "dropped" => "dropped",
                            _ => "open",
                        }
                        .into(),
                    ),
                    V::T(actor.clone()),
                    V::I(set.min(now)),
                ],
            );
            ids.review += 1;
            b.add(
                14,
                "plan_reviews",
                REVIEW_COLS,
                vec![
                    V::I(ids.review),
                    V::I(ids.plan),
                    V::T(outcome.into()),
                    V::T(String::new()),
                    V::T(actor.clone()),
                    V::I((set + 30 * 86_400).min(now)),
                ],
            );
        }
        // Social events: two a year.
        for y in 0..(o.years * 2) {
            let d = start
                .checked_add(jiff::Span::new().days(y * 182 + 40 + rng.below(60) as i64))
                .unwrap_or(start);
            ids.social += 1;
            b.add(
                15,
                "social_events",
                SOCIAL_COLS,
                vec![
                    V::I(ids.social),
                    V::I(group_id),
                    V::T(
                        [
                            "Lunch out",
                            "A walk by the river",
                            "Cinema trip",
                            "Recipe swap",
                        ][rng.below(4)]
                        .into(),
                    ),
                    V::T(d.to_string()),
                    V::T("12:30".into()),
                    V::T("Europe/London".into()),
                    V::I(starts(d, Time::constant(12, 30, 0, 0))),
                    V::I(120),
                    V::T(format!("The Red Lion, {town}")),
                    V::I(facilitator),
                    V::I(start_ts),
                    V::I(start_ts),
                ],
            );
        }
        // An open poll for a date, answered by some.
        ids.poll += 1;
        b.add(
            16,
            "polls",
            POLL_COLS,
            vec![
                V::I(ids.poll),
                V::I(group_id),
                V::T("When shall we meet next?".into()),
                V::I(facilitator),
                V::I(now - 5 * 86_400),
            ],
        );
        let mut options = Vec::new();
        for k in 0..3 {
            ids.option += 1;
            let d = today
                .checked_add(jiff::Span::new().days(20 + k * 7))
                .unwrap_or(today);
            b.add(
                17,
                "poll_options",
                OPTION_COLS,
                vec![
                    V::I(ids.option),
                    V::I(ids.poll),
                    V::I(k),
                    V::T(d.to_string()),
                    V::T(format!("{:02}:{:02}", time.hour(), time.minute())),
                    V::I(starts(d, time)),
                ],
            );
            options.push(ids.option);
        }
        for (member_id, _, left) in &members {
            if left.is_some() || !rng.chance(0.5) {
                continue;
            }
            b.add(
                18,
                "poll_responses",
                RESPONSE_COLS,
                vec![
                    V::I(ids.poll),
                    V::I(*member_id),
                    V::T("member".into()),
                    V::I(now - 86_400),
                ],
            );
            for o in &options {
                b.add(
                    19,
                    "poll_answers",
                    ANSWER_COLS,
                    vec![
                        V::I(*o),
                        V::I(*member_id),
                        V::I(ids.poll),
                        V::T(["yes", "if_need_be", "no"][rng.below(3)].into()),
                    ],
                );
            }
        }
        summary.groups += 1;
        summary.members += members.len();
        if b.rows > 40_000 || g + 1 == o.groups {
            b.flush(store).await.map_err(|e| e.to_string())?;
            progress(g + 1, o.groups);
        }
    }
    store
        .reset_id_sequences(&[
            "venues",
            "accounts",
            "support_groups",
            "members",
            "meetings",
            "meeting_steps",
            "attendance",
            "contacts",
            "topic_board",
            "action_plans",
            "plan_reviews",
            "social_events",
            "polls",
            "poll_options",
        ])
        .await
        .map_err(|e| e.to_string())?;
    Ok(summary)
}

#[derive(Debug, Default, Clone)]
pub struct SeedSummary {
    pub groups: usize,
    pub members: usize,
    pub meetings: usize,
    pub attendance: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_random_source_is_the_same_for_the_same_seed() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(8).next(), xs[0]);
        let mut r = Rng::new(1);
        assert!((0..1000).all(|_| r.below(6) < 6));
    }
}

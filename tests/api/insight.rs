//! History and insight over two years of generated history: the figures for a date range
//! (checked against counts made here from what was generated), the CSV exports, full-text
//! search on both engines, the funder report that must carry no names, health details or
//! comments, members' feedback from their link, and the coordinator's overview.
//!
//! The history is written straight through the store (the API would be too slow for two
//! years of fortnightly meetings), from a seeded pseudo-random generator so every run makes
//! the same meetings, attendances, replies, notes and feedback.

use hearth::domain::ids::{GroupId, MeetingId, MemberId};
use std::collections::{BTreeSet, HashMap};

use hearth::domain::RawInput;
use hearth::domain::access::Staff;
use hearth::domain::contact::ContactInput;
use hearth::domain::insight::FeedbackInput;
use hearth::domain::meeting::{MeetingEvent, MeetingInput, NotesInput, RsvpAnswer};
use hearth::domain::member::MemberInput;
use hearth::domain::social::SocialInput;
use hearth::domain::topic::{PlanInput, ReviewInput, TopicInput};
use jiff::civil::Date;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{get_json, issue_link};

const TZ: &str = "Europe/London";

// --- dates ------------------------------------------------------------------------------------

/// Today in the groups' time zone (the default range ends here).
fn today() -> Date {
    let zone = jiff::tz::TimeZone::get(TZ).expect("time zone");
    jiff::Timestamp::now().to_zoned_datetime(zone).date()
}

fn add_days(d: Date, n: i64) -> Date {
    d.checked_add(jiff::Span::new().days(n)).expect("date")
}

fn parse_date(d: &str) -> Date {
    d.parse::<Date>()
        .unwrap_or_else(|e| panic!("{d:?} is not a date: {e}"))
}

/// A date as the pages show it: "5 March 2025".
fn date_label(d: &str) -> String {
    parse_date(d).strftime("%-d %B %Y").to_string()
}

/// The calendar quarter a date falls in: (first day, last day).
fn quarter_of(d: Date) -> (Date, Date) {
    let first_month = (d.month() - 1) / 3 * 3 + 1;
    let start = jiff::civil::date(d.year(), first_month, 1);
    let end = start
        .checked_add(jiff::Span::new().months(3))
        .and_then(|e| e.checked_sub(jiff::Span::new().days(1)))
        .expect("quarter end");
    (start, end)
}

fn in_range(date: &str, from: &str, to: &str) -> bool {
    from <= date && date <= to
}

fn raw(pairs: &[(&str, &str)]) -> RawInput {
    RawInput::of(pairs)
}

// --- a seeded pseudo-random generator -----------------------------------------------------------

/// xorshift64*: small, fast and the same on every run for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1_u64 << 53) as f64) < p
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Words for notes that none of the searched words start with (nor stem to).
const FILLER: [&str; 22] = [
    "sleep",
    "friends",
    "weather",
    "family",
    "tea",
    "cards",
    "rest",
    "talking",
    "music",
    "hope",
    "routine",
    "doctor",
    "letters",
    "kindness",
    "memories",
    "holidays",
    "cooking",
    "reading",
    "patience",
    "laughter",
    "neighbours",
    "photos",
];

fn filler(rng: &mut Rng, words: usize) -> String {
    let mut out: Vec<&str> = Vec::with_capacity(words + 2);
    out.push("We shared");
    for _ in 0..words {
        out.push(rng.pick(&FILLER));
    }
    format!("{} and more.", out.join(" "))
}

const TOPICS: [&str; 8] = [
    "Sleep and rest",
    "Talking to the doctor",
    "Coping with winter",
    "Staying connected",
    "Money worries",
    "Hobbies old and new",
    "Looking after yourself",
    "Family and friends",
];

const PHRASES: [&str; 6] = [
    "Felt heard tonight, thank you",
    "A bit too noisy in the hall",
    "Really useful ideas from everyone",
    "Nice to see new faces",
    "Wish it had gone on longer",
    "The quiet corner helped me",
];

const GUESTS: [&str; 6] = [
    "Guest Peregrine Oakes",
    "Guest Wilhelmina Crabtree",
    "Guest Algernon Fitch",
    "Guest Philomena Dunstable",
    "Guest Ambrose Kettlewell",
    "Guest Perpetua Lowther",
];

/// Group A's members: preferred name, full name, a note about their needs, the meeting they
/// join before, and the meeting they leave before (if they do).
const MEMBERS_A: [(&str, &str, &str, usize, Option<usize>); 12] = [
    (
        "Ottoline",
        "Ottoline Fairweather",
        "Hearing loop please, seat near the speaker",
        0,
        None,
    ),
    (
        "Barnaby",
        "Barnaby Thistlewood",
        "Needs a chair with arms by the door",
        0,
        None,
    ),
    (
        "Clementine",
        "Clementine Ashdown",
        "Large print handouts in yellow paper",
        0,
        Some(30),
    ),
    (
        "Desmond",
        "Desmond Quarrington",
        "Insulin at half past seven, keep biscuits handy",
        0,
        None,
    ),
    (
        "Eulalia",
        "Eulalia Brightwater",
        "Wheelchair user, ramp at the side entrance",
        2,
        None,
    ),
    (
        "Fitzgerald",
        "Fitzgerald Hollowell",
        "Panic attacks in crowded rooms, sits near an exit",
        5,
        None,
    ),
    (
        "Griselda",
        "Griselda Penhaligon",
        "Guide dog called Pickle comes along",
        9,
        Some(41),
    ),
    (
        "Horatio",
        "Horatio Cavendish-Lowe",
        "Lip-reads, please face him when speaking",
        14,
        None,
    ),
    (
        "Isadora",
        "Isadora Wrenfield",
        "Gluten free biscuits only",
        21,
        None,
    ),
    (
        "Jocasta",
        "Jocasta Merriweather",
        "Oxygen cylinder, needs a plug nearby",
        29,
        None,
    ),
    (
        "Leopold",
        "Leopold Anstruther",
        "Tires easily after forty minutes",
        37,
        None,
    ),
    (
        "Marigold",
        "Marigold Featherstonehaugh",
        "Nervous about groups, phone first",
        48,
        None,
    ),
];

/// Marigold joins late and has not come yet.
const NEVER_CAME: usize = 11;
/// Leopold comes once and never again.
const ONE_VISIT: usize = 10;

const MEMBERS_B: [(&str, &str, &str); 4] = [
    (
        "Quentin",
        "Quentin Abernathy",
        "Needs the window open for air",
    ),
    ("Rosalind", "Rosalind Tregothnan", "Step-free seat please"),
    ("Sebastian", "Sebastian Ormerod", "Brings his own mug"),
    (
        "Theodora",
        "Theodora Penrose",
        "Hearing aid in the left ear",
    ),
];

// --- the generated history ----------------------------------------------------------------------

struct GenMember {
    id: i64,
    preferred: String,
    full: String,
    needs_note: String,
    joined_on: String,
    left_on: Option<String>,
}

struct GenMeeting {
    id: i64,
    date: String,
    time: String,
    topic: String,
    /// held, cancelled, under_way (signed in, never ended) or planned.
    status: &'static str,
    /// Members signed in, in the order they were.
    members: Vec<i64>,
    guests: Vec<String>,
    rsvps: Vec<(i64, &'static str)>,
    /// (member, rating, comment)
    feedback: Vec<(i64, i64, String)>,
    /// topics_discussed, key_points, pass_on, round_up_good, round_up_not_so_good,
    /// round_up_sharing.
    notes: [String; 6],
    /// Notes on the "Topic of discussion" step of the run-sheet.
    step_notes: String,
}

impl GenMeeting {
    fn attended(&self) -> i64 {
        (self.members.len() + self.guests.len()) as i64
    }
    fn expected(&self) -> i64 {
        self.rsvps.iter().filter(|(_, a)| *a == "yes").count() as i64
    }
    fn held(&self) -> bool {
        self.status == "held"
    }
}

struct GenContact {
    id: i64,
    member: i64,
    on: String,
    about: String,
    follow_up: String,
}

/// Meetings whose notes hold the words searched for.
#[derive(Default)]
struct Known {
    /// "allotment" in the topic and twice in the notes.
    allotment_strong: i64,
    /// "allotment" once, in longer notes.
    allotment_once: i64,
    /// walk, walked, Walks.
    walking: BTreeSet<i64>,
    coffee: i64,
    scones: i64,
    /// "Origami" in the topic only (the notes were rewritten without it).
    origami: i64,
    /// "mindfulness" in the run-sheet's notes only.
    mindfulness: i64,
    /// The member of the contact about bereavement.
    bereavement_member: i64,
    bereavement_on: String,
}

struct History {
    group: i64,
    members: Vec<GenMember>,
    /// Every meeting but the one still to come, in date order.
    meetings: Vec<GenMeeting>,
    contacts: Vec<GenContact>,
    /// Social events: (local date, counts as held: not cancelled and in the past).
    social: Vec<(String, bool)>,
    /// A meeting planned for the weeks ahead.
    future_meeting: i64,
    future_date: String,
    known: Known,
    /// Group A (with its venue, social events and goals) or group B.
    is_a: bool,
}

impl History {
    fn member(&self, id: i64) -> &GenMember {
        self.members
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("no generated member {id}"))
    }
    fn meeting(&self, id: i64) -> &GenMeeting {
        self.meetings
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("no generated meeting {id}"))
    }
    fn first_date(&self) -> Date {
        parse_date(&self.meetings[0].date)
    }
    /// Every comment and name that must never reach the funder report.
    fn private_strings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in &self.members {
            out.push(m.preferred.clone());
            out.push(m.full.clone());
            out.push(m.needs_note.clone());
        }
        for m in &self.meetings {
            out.extend(m.guests.iter().cloned());
            out.extend(
                m.feedback
                    .iter()
                    .filter(|(_, _, c)| !c.is_empty())
                    .map(|(_, _, c)| c.clone()),
            );
        }
        for c in &self.contacts {
            out.push(c.about.clone());
            out.push(c.follow_up.clone());
        }
        out.retain(|s| !s.is_empty());
        out
    }
}

async fn create_members(
    app: &TestApp,
    viewer: &Staff,
    group: i64,
    specs: &[(&str, &str, &str, String, Option<String>)],
) -> Vec<GenMember> {
    let mut out = Vec::new();
    for (preferred, full, needs_note, joined_on, left_on) in specs {
        let input = MemberInput {
            preferred_name: preferred.to_string(),
            full_name: full.to_string(),
            phone: "07700 900123".into(),
            email: String::new(),
            preferred_contact: hearth::domain::member::ContactPref::Phone,
            needs: "other".parse().expect("needs"),
            needs_note: needs_note.to_string(),
            happy_to_share_story: hearth::domain::member::StoryConsent::NotAsked,
            joined_on: Some(joined_on.clone()),
            left_on: left_on.clone(),
        };
        let m = app
            .store
            .create_member(
                &app.store.group(viewer, GroupId(group)).await.unwrap(),
                &input,
            )
            .await
            .expect("create member");
        out.push(GenMember {
            id: m.id.get(),
            preferred: preferred.to_string(),
            full: full.to_string(),
            needs_note: needs_note.to_string(),
            joined_on: joined_on.clone(),
            left_on: left_on.clone(),
        });
    }
    out
}

/// Plans the meetings as one fortnightly series; returns their ids.
async fn create_meetings(
    app: &TestApp,
    viewer: &Staff,
    group: i64,
    venue: Option<i64>,
    specs: &[(String, String, String)],
) -> Vec<i64> {
    let inputs: Vec<(MeetingInput, i64)> = specs
        .iter()
        .map(|(date, time, topic)| {
            MeetingInput::parse(
                &raw(&[
                    ("date", date),
                    ("start_time", time),
                    ("duration_minutes", "90"),
                    ("topic", topic),
                ]),
                TZ,
                90,
                venue.map(hearth::domain::ids::VenueId),
            )
            .expect("meeting input")
        })
        .collect();
    let (_, ids) = app
        .store
        .create_series(
            &app.store.group(viewer, GroupId(group)).await.unwrap(),
            "FREQ=WEEKLY;INTERVAL=2",
            &inputs,
        )
        .await
        .expect("create series");
    assert_eq!(ids.len(), specs.len());
    ids.into_iter().map(|m| m.get()).collect()
}

/// Writes what happened at one meeting: replies, run-sheet notes, sign-ins, its end (or
/// cancellation), its record and members' feedback.
async fn record(app: &TestApp, viewer: &Staff, m: &GenMeeting) {
    let s = &app.store;
    let meeting = s.meeting(viewer, MeetingId(m.id)).await.expect("meeting");
    for (member, answer) in &m.rsvps {
        s.set_rsvp(
            &meeting,
            MemberId(*member),
            answer.parse().expect("an answer"),
        )
        .await
        .expect("rsvp");
    }
    if m.status == "cancelled" {
        s.apply_meeting_event(&meeting, MeetingEvent::Cancel, "The hall was double-booked")
            .await
            .expect("cancel")
            .expect("cancel");
        return;
    }
    if m.status == "planned" {
        return;
    }
    if !m.step_notes.is_empty() {
        let steps = s.meeting_steps(&meeting).await.expect("steps");
        let step = steps
            .iter()
            .find(|st| st.title == "Topic of discussion")
            .expect("a topic step");
        s.save_step(&meeting, step.position, None, Some(&m.step_notes))
            .await
            .expect("step notes");
    }
    for member in &m.members {
        s.sign_in(&meeting, MemberId(*member))
            .await
            .expect("sign in");
    }
    for guest in &m.guests {
        s.sign_in_guest(&meeting, guest)
            .await
            .expect("sign in guest");
    }
    if m.status == "under_way" {
        s.apply_meeting_event(&meeting, MeetingEvent::Start, "")
            .await
            .expect("under way")
            .expect("under way");
        return;
    }
    s.apply_meeting_event(&meeting, MeetingEvent::End, "")
        .await
        .expect("held")
        .expect("held");
    let [
        topics_discussed,
        key_points,
        pass_on,
        good,
        not_so_good,
        sharing,
    ] = m.notes.clone();
    let notes = NotesInput {
        topics_discussed,
        key_points,
        pass_on,
        round_up_good: good,
        round_up_not_so_good: not_so_good,
        round_up_sharing: sharing,
    };
    s.save_notes(&meeting, &notes).await.expect("notes");
    for (member, rating, comment) in &m.feedback {
        s.save_feedback(
            &s.member(viewer, MemberId(*member)).await.expect("member"),
            MeetingId(m.id),
            &FeedbackInput {
                rating: *rating,
                comment: comment.clone(),
            },
        )
        .await
        .expect("feedback");
    }
}

async fn add_contact(
    app: &TestApp,
    viewer: &Staff,
    member: i64,
    on: &str,
    about: &str,
    follow_up: &str,
) -> GenContact {
    let input = ContactInput {
        contacted_on: on.to_string(),
        how: hearth::domain::contact::ContactWay::Phone,
        about: about.to_string(),
        follow_up: follow_up.to_string(),
        follow_up_by: None,
    };
    let id = app
        .store
        .add_contact(
            &app.store
                .member(viewer, MemberId(member))
                .await
                .expect("member"),
            &input,
        )
        .await
        .expect("contact");
    GenContact {
        id,
        member,
        on: on.to_string(),
        about: about.to_string(),
        follow_up: follow_up.to_string(),
    }
}

async fn add_social(app: &TestApp, viewer: &Staff, group: i64, date: &str, cancel: bool) {
    let (input, starts_at) = SocialInput::parse(
        &raw(&[
            ("title", "Lunch out"),
            ("date", date),
            ("start_time", "12:30"),
            ("place", "The Red Lion"),
        ]),
        TZ,
    )
    .expect("social input");
    let e = app
        .store
        .create_social_event(
            &app.store.group(viewer, GroupId(group)).await.unwrap(),
            &input,
            starts_at,
        )
        .await
        .expect("social event");
    if cancel {
        app.store
            .set_social_status(&e, hearth::domain::social::SocialStatus::Cancelled)
            .await
            .expect("cancel social");
    }
}

const MEETINGS_A: usize = 52;
const CANCELLED_A: [usize; 4] = [6, 17, 25, 39];
const UNDER_WAY_A: usize = 33;

/// Group A: two years of fortnightly meetings, the last ten days ago, and one to come.
async fn history_a(app: &TestApp, w: &World) -> History {
    let viewer = &w.c;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let last = add_days(today(), -10);
    let dates: Vec<String> = (0..MEETINGS_A)
        .map(|i| add_days(last, -14 * (MEETINGS_A - 1 - i) as i64).to_string())
        .collect();
    let date_of = |i: usize| parse_date(&dates[i]);

    let specs: Vec<(&str, &str, &str, String, Option<String>)> = MEMBERS_A
        .iter()
        .map(|(p, f, n, join, leave)| {
            (
                *p,
                *f,
                *n,
                add_days(date_of(*join), -3).to_string(),
                leave.map(|l| add_days(date_of(l), -1).to_string()),
            )
        })
        .collect();
    let members = create_members(app, viewer, w.group_a, &specs).await;

    // What each meeting is about.
    let mut meetings: Vec<GenMeeting> = Vec::with_capacity(MEETINGS_A);
    for (i, date) in dates.iter().enumerate() {
        let topic = match i {
            12 => "Allotment visit".to_string(),
            40 => "Origami evening".to_string(),
            _ => TOPICS[rng.below(TOPICS.len())].to_string(),
        };
        let time = if i % 5 == 0 { "10:30" } else { "19:00" };
        let status = if CANCELLED_A.contains(&i) {
            "cancelled"
        } else if i == UNDER_WAY_A {
            "under_way"
        } else {
            "held"
        };
        let mut notes: [String; 6] = std::array::from_fn(|_| filler(&mut rng, 5));
        match i {
            12 => {
                notes[0] = "Allotment plans for the spring".into();
                notes[1] = "Everyone liked the allotment idea.".into();
            }
            30 => {
                notes[1] = format!(
                    "{} {} Someone mentioned an allotment nearby.",
                    filler(&mut rng, 12),
                    filler(&mut rng, 12)
                );
            }
            3 => notes[3] = "We walked to the park together after tea.".into(),
            19 => notes[1] = "A short walk after the meeting did everyone good.".into(),
            44 => notes[2] = "Walks start at ten on Saturdays.".into(),
            5 => notes[5] = "Fresh coffee from the new machine.".into(),
            22 => notes[1] = "Talked about <b>scones</b> & jam.".into(),
            _ => {}
        }
        let step_notes = if i == 20 {
            "Tried a mindfulness exercise together.".to_string()
        } else {
            String::new()
        };
        meetings.push(GenMeeting {
            id: 0,
            date: date.clone(),
            time: time.to_string(),
            topic,
            status,
            members: Vec::new(),
            guests: Vec::new(),
            rsvps: Vec::new(),
            feedback: Vec::new(),
            notes,
            step_notes,
        });
    }
    let specs: Vec<(String, String, String)> = meetings
        .iter()
        .map(|m| (m.date.clone(), m.time.clone(), m.topic.clone()))
        .collect();
    let ids = create_meetings(app, viewer, w.group_a, Some(w.venue), &specs).await;
    for (m, id) in meetings.iter_mut().zip(&ids) {
        m.id = *id;
    }

    // Who said they would come, who came, and what they thought of it.
    let mut remark = 0;
    let mut guest_no = 0;
    for (i, m) in meetings.iter_mut().enumerate() {
        let month = date_of(i).month();
        let winter = matches!(month, 12 | 1 | 2);
        for (k, (_, _, _, join, leave)) in MEMBERS_A.iter().enumerate() {
            if *join > i || leave.is_some_and(|l| i >= l) {
                continue;
            }
            let member = members[k].id;
            let p = if k == ONE_VISIT {
                if *join == i { 1.0 } else { 0.0 }
            } else if *join == i {
                0.9
            } else if winter {
                0.4
            } else {
                0.72
            };
            let comes = k != NEVER_CAME && rng.chance(p);
            let roll = rng.below(100);
            let answer = if comes {
                match roll {
                    0..70 => Some("yes"),
                    70..80 => Some("maybe"),
                    _ => None,
                }
            } else {
                match roll {
                    0..50 => Some("no"),
                    50..65 => Some("yes"),
                    65..75 => Some("maybe"),
                    _ => None,
                }
            };
            if let Some(a) = answer {
                m.rsvps.push((member, a));
            }
            if comes && m.status != "cancelled" {
                m.members.push(member);
            }
        }
        if m.status != "cancelled" {
            let guests = match rng.below(10) {
                0..3 => 1,
                3 => 2,
                _ => 0,
            };
            for _ in 0..guests {
                m.guests.push(GUESTS[guest_no % GUESTS.len()].to_string());
                guest_no += 1;
            }
        }
        if m.status == "held" {
            for member in m.members.clone() {
                if !rng.chance(0.45) {
                    continue;
                }
                let rating = match rng.below(10) {
                    0 => 1,
                    1 => 2,
                    2 | 3 => 3,
                    4..=6 => 4,
                    _ => 5,
                };
                remark += 1;
                let comment = if remark == 7 {
                    format!("=1+1 made me laugh (remark {remark})")
                } else if rng.chance(0.6) {
                    format!("{} (remark {remark})", PHRASES[remark % PHRASES.len()])
                } else {
                    String::new()
                };
                m.feedback.push((member, rating, comment));
            }
        }
    }
    for m in &meetings {
        record(app, viewer, m).await;
    }

    // Two meetings with the same word in the notes, so ranks can be compared; a few more
    // known words, each in one place.
    let known = Known {
        allotment_strong: meetings[12].id,
        allotment_once: meetings[30].id,
        walking: [3, 19, 44].iter().map(|i| meetings[*i].id).collect(),
        coffee: meetings[5].id,
        scones: meetings[22].id,
        origami: meetings[40].id,
        mindfulness: meetings[20].id,
        bereavement_member: members[3].id,
        bereavement_on: add_days(date_of(27), 2).to_string(),
    };

    // The contact record.
    let mut contacts = Vec::new();
    for (i, k) in [(2, 0), (10, 1), (18, 4), (27, 3), (36, 8), (45, 9)] {
        let on = add_days(date_of(i), 2).to_string();
        let (about, follow_up) = if i == 27 {
            (
                "Rang about bereavement support and the drop-in".to_string(),
                "Send the leaflet".to_string(),
            )
        } else {
            (filler(&mut rng, 6), String::new())
        };
        contacts.push(add_contact(app, viewer, members[k].id, &on, &about, &follow_up).await);
    }

    // The topic board.
    app.store
        .propose_topic(
            &app.group_access(w.group_a).await,
            &TopicInput {
                title: "Household budgeting".into(),
                description: "Making money go further each month".into(),
                prompts: String::new(),
            },
        )
        .await
        .expect("topic");

    // Social events: three held, one cancelled, one to come.
    let mut social = Vec::new();
    for (i, cancel) in [(4, false), (15, false), (28, true), (47, false)] {
        let date = add_days(date_of(i), 3).to_string();
        add_social(app, viewer, w.group_a, &date, cancel).await;
        social.push((date, !cancel));
    }
    let later = add_days(today(), 20).to_string();
    add_social(app, viewer, w.group_a, &later, false).await;
    social.push((later, false));

    // Goals set now: three, one done and one dropped (by the group's facilitator, the only
    // one who may).
    let fern = app.staff(&w.f1.email).await;
    for (k, outcome) in [(0, Some("done")), (1, Some("dropped")), (4, None)] {
        let owner = app
            .store
            .private_records(&fern, MemberId(members[k].id))
            .await
            .expect("the facilitator's access");
        let plan = app
            .store
            .create_plan(
                &owner,
                &PlanInput {
                    what: "Walk to the shop".into(),
                    how_much: "once".into(),
                    when: "mornings".into(),
                    how_often: "twice a week".into(),
                    by_date: None,
                    confidence: 7,
                },
            )
            .await
            .expect("plan");
        if let Some(outcome) = outcome {
            let plan = app.store.plan_for(&fern, plan.id).await.expect("the plan");
            app.store
                .review_plan(
                    &plan,
                    None,
                    &ReviewInput {
                        outcome: outcome.parse().expect("an outcome"),
                        note: String::new(),
                        new_version: None,
                    },
                )
                .await
                .expect("review");
        }
    }

    // One meeting still to come, with replies: never counted as held.
    let future_date = add_days(today(), 11).to_string();
    let future_meeting = create_meetings(
        app,
        viewer,
        w.group_a,
        Some(w.venue),
        &[(future_date.clone(), "19:00".into(), "Sleep and rest".into())],
    )
    .await[0];
    let future = app
        .store
        .meeting(viewer, MeetingId(future_meeting))
        .await
        .expect("meeting");
    app.store
        .set_rsvp(&future, MemberId(members[0].id), RsvpAnswer::Yes)
        .await
        .expect("rsvp");

    History {
        group: w.group_a,
        members,
        meetings,
        contacts,
        social,
        future_meeting,
        future_date,
        known,
        is_a: true,
    }
}

/// Group B: ten meetings, their notes about a trip to Zanzibar (a word group A never uses).
async fn history_b(app: &TestApp, w: &World) -> History {
    let viewer = &w.c;
    let mut rng = Rng(0x0bad_cafe_dead_beef);
    let last = add_days(today(), -5);
    let n = 10;
    let dates: Vec<String> = (0..n)
        .map(|i| add_days(last, -14 * (n - 1 - i) as i64).to_string())
        .collect();
    let specs: Vec<(&str, &str, &str, String, Option<String>)> = MEMBERS_B
        .iter()
        .map(|(p, f, nn)| {
            (
                *p,
                *f,
                *nn,
                add_days(parse_date(&dates[0]), -7).to_string(),
                None,
            )
        })
        .collect();
    let members = create_members(app, viewer, w.group_b, &specs).await;
    let mut meetings = Vec::new();
    for (i, date) in dates.iter().enumerate() {
        let mut notes: [String; 6] = std::array::from_fn(|_| filler(&mut rng, 4));
        if i % 3 == 0 {
            notes[1] = "Photos from the Zanzibar trip, and the allotment there.".into();
        }
        if i == 4 {
            notes[3] = "We walked along the river.".into();
        }
        let mut m = GenMeeting {
            id: 0,
            date: date.clone(),
            time: "14:00".into(),
            topic: if i == 3 {
                "Zanzibar memories".into()
            } else {
                TOPICS[rng.below(TOPICS.len())].into()
            },
            status: "held",
            members: Vec::new(),
            guests: Vec::new(),
            rsvps: Vec::new(),
            feedback: Vec::new(),
            notes,
            step_notes: String::new(),
        };
        for gm in &members {
            if rng.chance(0.7) {
                m.members.push(gm.id);
                m.rsvps.push((gm.id, "yes"));
                if rng.chance(0.5) {
                    m.feedback.push((gm.id, 5, String::new()));
                }
            }
        }
        meetings.push(m);
    }
    let specs: Vec<(String, String, String)> = meetings
        .iter()
        .map(|m| (m.date.clone(), m.time.clone(), m.topic.clone()))
        .collect();
    let ids = create_meetings(app, viewer, w.group_b, None, &specs).await;
    for (m, id) in meetings.iter_mut().zip(&ids) {
        m.id = *id;
    }
    for m in &meetings {
        record(app, viewer, m).await;
    }
    let contacts = vec![
        add_contact(
            app,
            viewer,
            members[0].id,
            &dates[2],
            "Talked about the Zanzibar slides and a walk",
            "",
        )
        .await,
    ];
    app.store
        .propose_topic(
            &app.group_access(w.group_b).await,
            &TopicInput {
                title: "Zanzibar slideshow".into(),
                description: "Household budgeting for travel".into(),
                prompts: String::new(),
            },
        )
        .await
        .expect("topic");
    History {
        group: w.group_b,
        members,
        meetings,
        contacts,
        social: Vec::new(),
        future_meeting: 0,
        future_date: String::new(),
        known: Known::default(),
        is_a: false,
    }
}

async fn generate(app: &TestApp, w: &World) -> (History, History) {
    let a = history_a(app, w).await;
    let b = history_b(app, w).await;
    (a, b)
}

// --- the figures, counted here ------------------------------------------------------------------

struct MeetingFigures {
    id: i64,
    date: String,
    topic: String,
    attended: i64,
    expected: i64,
    first_timers: i64,
    feedback_average: Option<f64>,
    feedback_count: i64,
}

struct Figures {
    held: Vec<MeetingFigures>,
    cancelled: i64,
    total_attendances: i64,
    distinct_members: i64,
    first_timers: i64,
    came_back: i64,
    feedback_counts: [i64; 5],
    social: i64,
    goals: (i64, i64, i64),
}

impl Figures {
    fn average(&self) -> f64 {
        if self.held.is_empty() {
            0.0
        } else {
            self.total_attendances as f64 / self.held.len() as f64
        }
    }
    fn feedback_total(&self) -> i64 {
        self.feedback_counts.iter().sum()
    }
}

/// The index of each member's first held meeting.
fn first_visits(h: &History) -> HashMap<i64, usize> {
    let mut first = HashMap::new();
    for (i, m) in h.meetings.iter().enumerate() {
        if m.held() {
            for id in &m.members {
                first.entry(*id).or_insert(i);
            }
        }
    }
    first
}

/// The figures for a range, from the generated history alone. Goals were all set today.
fn figures(h: &History, from: &str, to: &str) -> Figures {
    let first = first_visits(h);
    let mut held = Vec::new();
    let mut distinct = BTreeSet::new();
    let mut feedback_counts = [0_i64; 5];
    for (i, m) in h.meetings.iter().enumerate() {
        if !m.held() || !in_range(&m.date, from, to) {
            continue;
        }
        distinct.extend(m.members.iter().copied());
        for (_, rating, _) in &m.feedback {
            feedback_counts[(*rating - 1) as usize] += 1;
        }
        let ratings: Vec<i64> = m.feedback.iter().map(|(_, r, _)| *r).collect();
        held.push(MeetingFigures {
            id: m.id,
            date: m.date.clone(),
            topic: m.topic.clone(),
            attended: m.attended(),
            expected: m.expected(),
            first_timers: m.members.iter().filter(|id| first[*id] == i).count() as i64,
            feedback_average: (!ratings.is_empty())
                .then(|| ratings.iter().sum::<i64>() as f64 / ratings.len() as f64),
            feedback_count: ratings.len() as i64,
        });
    }
    let came_back = first
        .iter()
        .filter(|(id, i)| {
            in_range(&h.meetings[**i].date, from, to)
                && h.meetings[**i + 1..]
                    .iter()
                    .any(|m| m.held() && m.members.contains(*id))
        })
        .count() as i64;
    let today = today().to_string();
    let goals = if from < today.as_str() && today.as_str() <= to && h.is_a {
        (3, 1, 1)
    } else {
        (0, 0, 0)
    };
    Figures {
        cancelled: h
            .meetings
            .iter()
            .filter(|m| m.status == "cancelled" && in_range(&m.date, from, to))
            .count() as i64,
        total_attendances: held.iter().map(|m| m.attended).sum(),
        first_timers: held.iter().map(|m| m.first_timers).sum(),
        distinct_members: distinct.len() as i64,
        came_back,
        feedback_counts,
        social: h
            .social
            .iter()
            .filter(|(d, counts)| *counts && in_range(d, from, to))
            .count() as i64,
        goals,
        held,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// GET the stats for a range and compare every figure with the counted ones.
async fn check_stats(api: &Api, h: &History, from: &str, to: &str, what: &str) -> Value {
    let s = get_json(
        api,
        &format!("/api/v1/groups/{}/stats?from={from}&to={to}", h.group),
    )
    .await;
    check_stats_value(&s, h, from, to, what);
    s
}

fn check_stats_value(s: &Value, h: &History, from: &str, to: &str, what: &str) {
    let f = figures(h, from, to);
    let ctx = format!("{what} ({from} to {to})");
    assert_eq!(s["range"]["from"], from, "{ctx}: range");
    assert_eq!(s["range"]["to"], to, "{ctx}: range");
    assert_eq!(
        s["meetings_held"],
        f.held.len() as i64,
        "{ctx}: meetings_held"
    );
    assert_eq!(
        s["meetings_cancelled"], f.cancelled,
        "{ctx}: meetings_cancelled"
    );
    let got = s["meetings"].as_array().expect("meetings");
    assert_eq!(got.len(), f.held.len(), "{ctx}: meetings listed: {got:?}");
    for (g, e) in got.iter().zip(&f.held) {
        let mctx = format!("{ctx}: meeting {} on {}", e.id, e.date);
        assert_eq!(g["meeting_id"], e.id, "{mctx}: order or id");
        assert_eq!(g["date"], e.date.as_str(), "{mctx}: date");
        assert_eq!(g["topic"], e.topic.as_str(), "{mctx}: topic");
        assert_eq!(g["attended"], e.attended, "{mctx}: attended");
        assert_eq!(g["expected"], e.expected, "{mctx}: expected");
        assert_eq!(g["first_timers"], e.first_timers, "{mctx}: first_timers");
        assert_eq!(
            g["feedback_count"], e.feedback_count,
            "{mctx}: feedback_count"
        );
        match e.feedback_average {
            None => assert!(g["feedback_average"].is_null(), "{mctx}: {g}"),
            Some(avg) => assert!(
                g["feedback_average"]
                    .as_f64()
                    .is_some_and(|a| close(a, avg)),
                "{mctx}: feedback_average {} expected {avg}",
                g["feedback_average"]
            ),
        }
    }
    assert_eq!(
        s["total_attendances"], f.total_attendances,
        "{ctx}: total_attendances"
    );
    assert!(
        s["average_attendance"]
            .as_f64()
            .is_some_and(|a| close(a, f.average())),
        "{ctx}: average_attendance {} expected {}",
        s["average_attendance"],
        f.average()
    );
    assert_eq!(
        s["distinct_members"], f.distinct_members,
        "{ctx}: distinct_members"
    );
    assert_eq!(s["first_timers"], f.first_timers, "{ctx}: first_timers");
    assert_eq!(s["came_back"], f.came_back, "{ctx}: came_back");
    let counts: Vec<i64> = s["feedback_counts"]
        .as_array()
        .expect("feedback_counts")
        .iter()
        .map(|v| v.as_i64().expect("count"))
        .collect();
    assert_eq!(counts, f.feedback_counts.to_vec(), "{ctx}: feedback_counts");
    assert_eq!(
        s["social_events_held"], f.social,
        "{ctx}: social_events_held"
    );
    assert_eq!(
        (
            s["goals_set"].as_i64(),
            s["goals_done"].as_i64(),
            s["goals_dropped"].as_i64()
        ),
        (Some(f.goals.0), Some(f.goals.1), Some(f.goals.2)),
        "{ctx}: goals set / done / dropped"
    );
    let topics: Vec<(String, String)> = s["topics_covered"]
        .as_array()
        .expect("topics_covered")
        .iter()
        .map(|t| {
            (
                t["date"].as_str().unwrap_or_default().to_string(),
                t["topic"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let expected_topics: Vec<(String, String)> = f
        .held
        .iter()
        .map(|m| (m.date.clone(), m.topic.clone()))
        .collect();
    assert_eq!(topics, expected_topics, "{ctx}: topics_covered");
}

/// Current members who came to none of the last three held meetings (and had joined by
/// then), by name: (id, name, last held meeting they came to).
async fn expected_not_seen(
    app: &TestApp,
    w: &World,
    h: &History,
) -> Vec<(i64, String, Option<String>)> {
    let held: Vec<&GenMeeting> = h.meetings.iter().filter(|m| m.held()).collect();
    let recent = &held[held.len() - 3..];
    let earliest = recent.iter().map(|m| m.date.clone()).min().expect("dates");
    // The world's own member of group A, as the store has them (never came to anything).
    let world_member = app
        .store
        .member_for(&w.c, MemberId(w.member_a))
        .await
        .expect("member");
    let mut candidates: Vec<(i64, String, Option<String>, Option<String>)> = h
        .members
        .iter()
        .map(|m| {
            (
                m.id,
                m.preferred.clone(),
                Some(m.joined_on.clone()),
                m.left_on.clone(),
            )
        })
        .collect();
    candidates.push((
        world_member.id.get(),
        world_member.preferred_name.clone(),
        world_member.joined_on.clone(),
        world_member.left_on.clone(),
    ));
    let mut out: Vec<(i64, String, Option<String>)> = candidates
        .into_iter()
        .filter(|(id, _, joined, left)| {
            left.is_none()
                && joined.as_ref().is_none_or(|j| *j <= earliest)
                && !recent.iter().any(|m| m.members.contains(id))
        })
        .map(|(id, name, _, _)| {
            let last = held
                .iter()
                .filter(|m| m.members.contains(&id))
                .map(|m| m.date.clone())
                .max();
            (id, name, last)
        })
        .collect();
    out.sort_by_key(|a| (a.1.to_lowercase(), a.0));
    out
}

// --- 1. the figures -----------------------------------------------------------------------------

both_backends! {
    async fn stats_for_ranges_equal_the_counts_of_the_generated_history(app: TestApp) {
        let w = World::build(&app).await;
        let (a, b) = generate(&app, &w).await;
        let today = today();
        let first = a.first_date();
        let held_total = a.meetings.iter().filter(|m| m.held()).count();
        assert!(held_total >= 45, "the history has {held_total} held meetings");

        // The whole two years, a calendar quarter, a range whose ends are meeting days (both
        // ends count), a range before anything happened, and the weeks to come (only a
        // planned meeting there).
        let (q_from, q_to) = quarter_of(parse_date(&a.meetings[26].date));
        let ranges = [
            ("the whole history", first.to_string(), today.to_string()),
            ("one quarter", q_from.to_string(), q_to.to_string()),
            ("meeting day to meeting day", a.meetings[10].date.clone(), a.meetings[16].date.clone()),
            ("before anything", add_days(first, -400).to_string(), add_days(first, -1).to_string()),
            ("the weeks to come", add_days(today, 1).to_string(), add_days(today, 60).to_string()),
        ];
        for (what, from, to) in &ranges {
            let s = check_stats(&w.f1_api, &a, from, to, what).await;
            // The meeting still to come (with a "yes") is never counted as held.
            let listed = s["meetings"].as_array().expect("meetings");
            assert!(listed.iter().all(|m| m["meeting_id"] != a.future_meeting), "{what}: {s}");
        }
        // The quarter really holds meetings, cancelled ones too; the empty range holds none.
        let q = figures(&a, &q_from.to_string(), &q_to.to_string());
        assert!(q.held.len() >= 4, "quarter: {} held", q.held.len());
        let nothing = check_stats(&w.c_api, &a, &ranges[3].1, &ranges[3].2, "before anything").await;
        assert_eq!(nothing["meetings_held"], 0);
        assert_eq!(nothing["average_attendance"].as_f64(), Some(0.0));
        assert_eq!(nothing["meetings"].as_array().map(Vec::len), Some(0));
        // The whole history has cancelled meetings, a meeting never ended, first-timers who
        // came back and some who did not: the counts above were not trivially zero.
        let whole = figures(&a, &first.to_string(), &today.to_string());
        assert_eq!(whole.cancelled, CANCELLED_A.len() as i64);
        assert!(whole.came_back > 0 && whole.came_back < whole.first_timers, "came back {} of {}", whole.came_back, whole.first_timers);
        assert!(whole.feedback_counts.iter().all(|n| *n > 0), "{:?}", whole.feedback_counts);
        assert!(whole.social == 3);

        // Attendance dips in the winter.
        let mut winter = (0, 0);
        let mut summer = (0, 0);
        for m in a.meetings.iter().filter(|m| m.held()) {
            let month = parse_date(&m.date).month();
            let slot = if matches!(month, 12 | 1 | 2) { &mut winter } else { &mut summer };
            slot.0 += m.attended();
            slot.1 += 1;
        }
        assert!(
            (winter.0 as f64 / winter.1 as f64) < (summer.0 as f64 / summer.1 as f64),
            "winter {winter:?} summer {summer:?}"
        );

        // With no dates: the last twelve months, ending today.
        let default_from = today
            .checked_sub(jiff::Span::new().years(1))
            .and_then(|d| d.checked_add(jiff::Span::new().days(1)))
            .expect("date");
        let s = get_json(&w.f1_api, &format!("/api/v1/groups/{}/stats", a.group)).await;
        check_stats_value(&s, &a, &default_from.to_string(), &today.to_string(), "the default range");

        // Who has not been seen at the last three meetings.
        let expected = expected_not_seen(&app, &w, &a).await;
        assert!(expected.iter().any(|(id, _, last)| *id == a.members[NEVER_CAME].id && last.is_none()), "{expected:?}");
        let got: Vec<(i64, String, Option<String>)> = s["not_seen_last_3_meetings"]
            .as_array()
            .expect("not seen")
            .iter()
            .map(|n| {
                (
                    n["member_id"].as_i64().expect("id"),
                    n["member_name"].as_str().expect("name").to_string(),
                    n["last_came"].as_str().map(str::to_string),
                )
            })
            .collect();
        assert_eq!(got, expected, "not_seen_last_3_meetings");

        // Group B through its own facilitator; nobody sees the other group's figures.
        let b_first = b.first_date().to_string();
        check_stats(&w.f2_api, &b, &b_first, &today.to_string(), "group B").await;
        w.f2_api
            .get(&format!("/api/v1/groups/{}/stats?from={b_first}", a.group))
            .await
            .expect_json_error(404, "not_found");
        w.f1_api
            .get(&format!("/api/v1/groups/{}/stats", b.group))
            .await
            .expect_json_error(404, "not_found");

        // Bad dates name their field; so does a range that runs backwards.
        let g = a.group;
        for (query, field) in [
            ("from=soon", "from"),
            ("from=2025-02-30", "from"),
            ("to=31/12/2025", "to"),
            ("from=2025-05-01&to=2025-04-30", "to"),
        ] {
            w.f1_api
                .get(&format!("/api/v1/groups/{g}/stats?{query}"))
                .await
                .expect_invalid_fields(&[field]);
        }
        // The same on the page: 422 with the message by the field.
        w.f1b
            .get(&format!("/groups/{g}/insight?from=2025-05-01&to=2025-04-30"))
            .await
            .expect(422)
            .field_error("to");
        // One day, both ends the same, is a range.
        let day = &a.meetings[40].date;
        let one = check_stats(&w.f1_api, &a, day, day, "a single day").await;
        assert_eq!(one["meetings_held"], 1);
    }
}

// --- 2. the exports -----------------------------------------------------------------------------

/// A CSV download: the rows after the header, each a list of cells (checks the header).
fn csv_rows(res: &Resp, header: &[&str]) -> Vec<Vec<String>> {
    res.expect(200);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/csv")),
        "{}: {:?}",
        res.path,
        res.header("content-type")
    );
    assert!(
        res.header("content-disposition")
            .is_some_and(|c| c.starts_with("attachment")),
        "{}: not a download",
        res.path
    );
    let text = res.text.strip_prefix('\u{feff}').unwrap_or(&res.text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let got_header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(got_header, header, "{}: header", res.path);
    reader
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{}: bad CSV row: {e}", res.path))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// A spreadsheet-safe cell, as the exports write one typed by people.
fn guarded(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// A meeting's line in the notes export: date, time, status, venue, members, guests, notes.
type NotesRow<'a> = (&'a str, &'a str, &'a str, &'a str, i64, i64, [String; 6]);

async fn check_exports(w: &World, h: &History, from: &str, to: &str, what: &str) {
    let g = h.group;
    let range = format!("from={from}&to={to}");
    let f = figures(h, from, to);
    let ctx = format!("{what} ({from} to {to})");

    // The figures, one row per held meeting.
    let rows = csv_rows(
        &w.cb
            .get(&format!("/groups/{g}/meetings-figures.csv?{range}"))
            .await,
        &[
            "date",
            "topic",
            "attended",
            "expected",
            "first_timers",
            "feedback_average",
            "feedback_count",
        ],
    );
    let expected: Vec<Vec<String>> = f
        .held
        .iter()
        .map(|m| {
            vec![
                m.date.clone(),
                m.topic.clone(),
                m.attended.to_string(),
                m.expected.to_string(),
                m.first_timers.to_string(),
                m.feedback_average
                    .map(|a| format!("{a:.2}"))
                    .unwrap_or_default(),
                m.feedback_count.to_string(),
            ]
        })
        .collect();
    assert_eq!(rows, expected, "{ctx}: meetings-figures.csv");
    // ...and they add up to the stats.
    let stats = get_json(&w.c_api, &format!("/api/v1/groups/{g}/stats?{range}")).await;
    let sum: i64 = rows
        .iter()
        .map(|r| r[2].parse::<i64>().expect("attended"))
        .sum();
    assert_eq!(stats["total_attendances"], sum, "{ctx}: CSV against stats");
    assert_eq!(
        stats["meetings_held"],
        rows.len() as i64,
        "{ctx}: CSV against stats"
    );

    // Every attendance, in sign-in order: members then guests at each meeting.
    let rows = csv_rows(
        &w.cb
            .get(&format!("/groups/{g}/attendance.csv?{range}"))
            .await,
        &[
            "date",
            "name",
            "member_or_guest",
            "group_id",
            "meeting_id",
            "member_id",
        ],
    );
    let mut expected = Vec::new();
    for m in h
        .meetings
        .iter()
        .filter(|m| m.held() && in_range(&m.date, from, to))
    {
        for id in &m.members {
            expected.push(vec![
                m.date.clone(),
                h.member(*id).preferred.clone(),
                "member".into(),
                g.to_string(),
                m.id.to_string(),
                id.to_string(),
            ]);
        }
        for guest in &m.guests {
            expected.push(vec![
                m.date.clone(),
                guest.clone(),
                "guest".into(),
                g.to_string(),
                m.id.to_string(),
                String::new(),
            ]);
        }
    }
    assert_eq!(rows, expected, "{ctx}: attendance.csv");
    assert_eq!(
        stats["total_attendances"],
        rows.len() as i64,
        "{ctx}: attendance rows against stats"
    );

    // Feedback: newest meeting first, then by name; comments made safe for spreadsheets.
    let rows = csv_rows(
        &w.cb.get(&format!("/groups/{g}/feedback.csv?{range}")).await,
        &[
            "date",
            "member",
            "rating",
            "comment",
            "group_id",
            "meeting_id",
            "member_id",
        ],
    );
    let mut expected: Vec<(i64, String, Vec<String>)> = Vec::new();
    for (i, m) in h.meetings.iter().enumerate() {
        if !m.held() || !in_range(&m.date, from, to) {
            continue;
        }
        for (id, rating, comment) in &m.feedback {
            let name = h.member(*id).preferred.clone();
            expected.push((
                -(i as i64),
                name.to_lowercase(),
                vec![
                    m.date.clone(),
                    name,
                    rating.to_string(),
                    guarded(comment),
                    g.to_string(),
                    m.id.to_string(),
                    id.to_string(),
                ],
            ));
        }
    }
    expected.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let expected: Vec<Vec<String>> = expected.into_iter().map(|(_, _, r)| r).collect();
    assert_eq!(rows, expected, "{ctx}: feedback.csv");
    assert_eq!(
        f.feedback_total(),
        rows.len() as i64,
        "{ctx}: feedback rows against stats"
    );

    // The meetings' records: every meeting in the range, whatever became of it.
    let rows = csv_rows(
        &w.cb.get(&format!("/groups/{g}/meetings.csv?{range}")).await,
        &[
            "date",
            "start_time",
            "status",
            "venue",
            "attended",
            "guests",
            "topics_discussed",
            "key_points",
            "round_up_good",
            "round_up_not_so_good",
            "round_up_sharing",
            "pass_on",
        ],
    );
    let mut all: Vec<NotesRow> = h
        .meetings
        .iter()
        .map(|m| {
            let notes = if m.held() {
                m.notes.clone()
            } else {
                std::array::from_fn(|_| String::new())
            };
            (
                m.date.as_str(),
                m.time.as_str(),
                m.status,
                if h.is_a { VENUE } else { "" },
                m.members.len() as i64,
                m.guests.len() as i64,
                notes,
            )
        })
        .collect();
    if h.is_a {
        all.push((
            h.future_date.as_str(),
            "19:00",
            "planned",
            VENUE,
            0,
            0,
            std::array::from_fn(|_| String::new()),
        ));
    }
    let expected: Vec<Vec<String>> = all
        .into_iter()
        .filter(|m| in_range(m.0, from, to))
        .map(|(date, time, status, venue, members, guests, n)| {
            vec![
                date.to_string(),
                time.to_string(),
                status.to_string(),
                venue.to_string(),
                members.to_string(),
                guests.to_string(),
                guarded(&n[0]),
                guarded(&n[1]),
                guarded(&n[3]),
                guarded(&n[4]),
                guarded(&n[5]),
                guarded(&n[2]),
            ]
        })
        .collect();
    assert_eq!(rows, expected, "{ctx}: meetings.csv");

    // The contact record, newest first.
    let rows = csv_rows(
        &w.cb.get(&format!("/groups/{g}/contacts.csv?{range}")).await,
        &[
            "date",
            "member",
            "how",
            "about",
            "follow_up",
            "follow_up_by",
            "follow_up_done",
            "recorded_by",
        ],
    );
    let mut contacts: Vec<&GenContact> = h
        .contacts
        .iter()
        .filter(|c| in_range(&c.on, from, to))
        .collect();
    contacts.sort_by(|a, b| (&b.on, b.id).cmp(&(&a.on, a.id)));
    let expected: Vec<Vec<String>> = contacts
        .iter()
        .map(|c| {
            vec![
                c.on.clone(),
                h.member(c.member).preferred.clone(),
                "phone".into(),
                c.about.clone(),
                c.follow_up.clone(),
                String::new(),
                "no".into(),
                "Cora Coordinator".into(),
            ]
        })
        .collect();
    assert_eq!(rows, expected, "{ctx}: contacts.csv");
}

both_backends! {
    async fn csv_exports_hold_exactly_the_rows_of_the_range(app: TestApp) {
        let w = World::build(&app).await;
        let (a, b) = generate(&app, &w).await;
        let today = today();
        let (q_from, q_to) = quarter_of(parse_date(&a.meetings[26].date));
        check_exports(&w, &a, &q_from.to_string(), &q_to.to_string(), "one quarter").await;
        let whole = (a.first_date().to_string(), add_days(today, 30).to_string());
        check_exports(&w, &a, &whole.0, &whole.1, "the whole history").await;
        check_exports(&w, &a, &a.meetings[5].date, &a.meetings[7].date, "three meetings").await;
        check_exports(&w, &a, "2001-01-01", "2001-12-31", "nothing").await;
        check_exports(&w, &b, &b.first_date().to_string(), &today.to_string(), "group B").await;
        // The quarter and the whole history were not empty, and a comment that starts with
        // "=" was exported safely.
        let f = figures(&a, &whole.0, &whole.1);
        assert!(f.held.len() > 40);
        let text = w.cb.get(&format!("/groups/{}/feedback.csv?from={}&to={}", a.group, whole.0, whole.1)).await.text;
        assert!(text.contains(",'=1+1 made me laugh"), "the formula-like comment is guarded");

        // Other groups' exports are not there for a facilitator; bad dates are refused.
        for path in ["meetings-figures.csv", "attendance.csv", "feedback.csv", "meetings.csv", "contacts.csv"] {
            w.f2b.get(&format!("/groups/{}/{path}", a.group)).await.expect(404);
            let res = w.f1b.get(&format!("/groups/{}/{path}?from=yesterday", a.group)).await;
            assert_eq!(res.status.as_u16(), 422, "{path} with a bad date: {}", res.status);
            let lacks_b = w.f1b.get(&format!("/groups/{}/{path}?from={}", a.group, whole.0)).await;
            lacks_b.expect(200);
            for m in &b.members {
                lacks_b.expect_lacks(&m.preferred);
            }
            lacks_b.expect_lacks("Zanzibar");
        }
    }
}

// --- 3. search ----------------------------------------------------------------------------------

/// The search API's hits for a query, as (kind, link, date, title, matches, rank).
async fn search(api: &Api, group: i64, q: &str) -> Vec<Value> {
    let path = format!(
        "/api/v1/groups/{group}/search?q={}",
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
    );
    let v = get_json(api, &path).await;
    assert_eq!(v["query"], q, "{path}: the query is given back");
    let hits = v["hits"].as_array().expect("hits").clone();
    // Ranked best first.
    let ranks: Vec<f64> = hits
        .iter()
        .map(|h| h["rank"].as_f64().expect("rank"))
        .collect();
    assert!(
        ranks.windows(2).all(|p| p[0] >= p[1]),
        "{path}: not best first: {ranks:?}"
    );
    hits
}

/// The meeting a hit's link leads to (/meetings/ID/notes).
fn meeting_of(hit: &Value) -> i64 {
    let link = hit["link"].as_str().expect("link");
    link.strip_prefix("/meetings/")
        .and_then(|r| r.strip_suffix("/notes"))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a meeting link: {hit}"))
}

fn matches_of(hit: &Value) -> Vec<String> {
    hit["matches"]
        .as_array()
        .unwrap_or_else(|| panic!("no matches in {hit}"))
        .iter()
        .map(|m| m.as_str().expect("match").to_string())
        .collect()
}

/// What is wrong with the hits' matching words: each hit must name at least one, and each
/// must be one word of its snippet, starting `stem`.
fn match_problems(hits: &[Value], stem: &str, q: &str) -> Vec<String> {
    let mut out = Vec::new();
    for h in hits {
        let matches = matches_of(h);
        if matches.is_empty() {
            out.push(format!("{q}: a hit with no matching words: {h}"));
        }
        let snippet = h["snippet"].as_str().expect("snippet");
        for m in &matches {
            if !m.to_lowercase().starts_with(stem) || m.contains(char::is_whitespace) {
                out.push(format!("{q}: {m:?} is not the word that matched, in {h}"));
            }
            if !snippet.contains(m.as_str()) {
                out.push(format!("{q}: {m:?} is not in the snippet: {h}"));
            }
        }
    }
    out
}

#[track_caller]
fn assert_matched(hits: &[Value], stem: &str, q: &str) {
    let problems = match_problems(hits, stem, q);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

both_backends! {
    async fn search_finds_ranks_and_marks_words_within_the_group(app: TestApp) {
        let w = World::build(&app).await;
        let (a, b) = generate(&app, &w).await;
        let k = &a.known;
        let ga = a.group;
        let a_meetings: BTreeSet<i64> = a.meetings.iter().map(|m| m.id).collect();
        let a_members: BTreeSet<i64> = a.members.iter().map(|m| m.id).collect();
        // Every hit in group A leads somewhere in group A.
        let in_a = |hits: &[Value], q: &str| {
            for h in hits {
                let link = h["link"].as_str().expect("link");
                let ok = match h["kind"].as_str() {
                    Some("meeting") | Some("step") => a_meetings.contains(&meeting_of(h)),
                    Some("contact") => link
                        .strip_prefix("/members/")
                        .and_then(|r| r.strip_suffix("#contacts"))
                        .and_then(|id| id.parse::<i64>().ok())
                        .is_some_and(|id| a_members.contains(&id)),
                    Some("topic") => link == format!("/groups/{ga}/topics"),
                    _ => false,
                };
                assert!(ok, "{q}: a hit outside group A: {h}");
            }
        };

        // A meeting with the word in its topic and notes ranks above one with it once.
        let hits = search(&w.f1_api, ga, "allotment").await;
        in_a(&hits, "allotment");
        let ids: Vec<i64> = hits.iter().map(meeting_of).collect();
        assert_eq!(ids, vec![k.allotment_strong, k.allotment_once], "allotment: {hits:?}");
        assert_matched(&hits, "allotment", "allotment");
        assert!(hits.iter().all(|h| h["kind"] == "meeting"));
        let strong = a.meeting(k.allotment_strong);
        assert_eq!(hits[0]["date"], strong.date.as_str());
        assert_eq!(
            hits[0]["title"],
            format!(
                "Meeting on {}: Allotment visit",
                parse_date(&strong.date).strftime("%A %-d %B %Y")
            )
            .as_str()
        );
        assert!(hits[0]["rank"].as_f64() > hits[1]["rank"].as_f64());

        // Stemming: "walking" finds walked, walk and Walks, and only those meetings of group
        // A (group B also walked).
        let hits = search(&w.f1_api, ga, "walking").await;
        in_a(&hits, "walking");
        let ids: BTreeSet<i64> = hits.iter().map(meeting_of).collect();
        assert_eq!(ids, k.walking, "walking: {hits:?}");
        assert_matched(&hits, "walk", "walking");
        let words: BTreeSet<String> = hits.iter().flat_map(matches_of).collect();
        assert!(words.contains("walked") && words.contains("walk") && words.contains("Walks"), "{words:?}");

        // Run-sheet notes, the contact record and the topic board are searched too.
        let hits = search(&w.f1_api, ga, "mindfulness").await;
        assert_eq!(hits.len(), 1, "mindfulness: {hits:?}");
        assert_eq!(hits[0]["kind"], "step");
        assert_eq!(meeting_of(&hits[0]), k.mindfulness);
        assert_eq!(hits[0]["date"], a.meeting(k.mindfulness).date.as_str());
        assert_matched(&hits, "mindful", "mindfulness");

        let hits = search(&w.f1_api, ga, "bereavement").await;
        assert_eq!(hits.len(), 1, "bereavement: {hits:?}");
        assert_eq!(hits[0]["kind"], "contact");
        assert_eq!(hits[0]["link"], format!("/members/{}#contacts", k.bereavement_member).as_str());
        assert_eq!(hits[0]["date"], k.bereavement_on.as_str());
        assert_matched(&hits, "bereavement", "bereavement");

        // The rest of the findings about matches are gathered and reported together, so one
        // failure does not hide another.
        let mut problems: Vec<String> = Vec::new();

        // A topic on the board found by its title: the word that matched, not the title.
        let hits = search(&w.f1_api, ga, "budget").await;
        in_a(&hits, "budget");
        assert_eq!(hits.len(), 1, "budget: {hits:?}");
        assert_eq!(hits[0]["kind"], "topic");
        assert_eq!(hits[0]["title"], "Topic: Household budgeting");
        problems.extend(match_problems(&hits, "budget", "budget"));

        // Group B's unique word is not found in group A, and is in group B.
        assert!(search(&w.f1_api, ga, "zanzibar").await.is_empty(), "zanzibar leaked into group A");
        assert!(search(&w.c_api, ga, "Zanzibar").await.is_empty(), "zanzibar leaked into group A");
        let hits = search(&w.f2_api, b.group, "zanzibar").await;
        let kinds: BTreeSet<&str> = hits.iter().filter_map(|h| h["kind"].as_str()).collect();
        assert_eq!(kinds, BTreeSet::from(["meeting", "contact", "topic"]), "{hits:?}");
        assert_eq!(hits.iter().filter(|h| h["kind"] == "meeting").count(), 4, "{hits:?}");
        // The topic's title and the meeting's topic carry the word: both rank above a plain
        // mention... and the group-B hits never lead into group A.
        for h in &hits {
            if h["kind"] == "meeting" {
                assert!(!a_meetings.contains(&meeting_of(h)), "{h}");
            }
        }
        // Group B's "allotment" is not group A's.
        let hits = search(&w.f2_api, b.group, "allotment").await;
        assert!(hits.iter().all(|h| !a_meetings.contains(&meeting_of(h))), "{hits:?}");
        assert_eq!(hits.len(), 4);


        // Only the meetings whose notes mention coffee: a run-sheet step with no notes is
        // nothing to find (every meeting has a "Coffee, tea and catching up" step).
        let hits = search(&w.f1_api, ga, "coffee").await;
        let found: Vec<String> = hits
            .iter()
            .take(3)
            .map(|h| format!("{} {:?} matches {}", h["kind"], h["title"].as_str().unwrap_or(""), h["matches"]))
            .collect();
        if hits.len() != 1 || meeting_of(&hits[0]) != k.coffee || matches_of(&hits[0]) != vec!["coffee"] {
            problems.push(format!(
                "\"coffee\" is in the notes of meeting {} only, but found {} hits, the first {found:?}",
                k.coffee,
                hits.len()
            ));
        }

        // A meeting found by its topic alone still says which word matched.
        let hits = search(&w.f1_api, ga, "origami").await;
        if hits.len() != 1 || meeting_of(&hits[0]) != k.origami {
            problems.push(format!("\"origami\" (meeting {}'s topic): {hits:?}", k.origami));
        } else if matches_of(&hits[0]) != vec!["Origami"] {
            problems.push(format!(
                "\"origami\" found meeting {} by its topic, but its matches are {} (snippet {:?})",
                k.origami, hits[0]["matches"], hits[0]["snippet"]
            ));
        }

        // What is typed is words to find, never search syntax: a leading minus does not turn
        // the search into "everything without the word".
        let hits = search(&w.f1_api, ga, "-walking").await;
        let ids: BTreeSet<i64> = hits
            .iter()
            .filter(|h| h["kind"] == "meeting")
            .map(meeting_of)
            .collect();
        if ids != k.walking {
            problems.push(format!(
                "\"-walking\" found {} hits (the meetings with walk* are {:?}), e.g. {}",
                hits.len(),
                k.walking,
                hits.first().cloned().unwrap_or_default()
            ));
        }

        // A word in no document finds nothing, even one like the engine's own group tag.
        for q in ["quixotic", &format!("g{ga}")] {
            let hits = search(&w.f1_api, ga, q).await;
            if !hits.is_empty() {
                problems.push(format!(
                    "{q:?} is in no document of group A, but found {} hits, e.g. {}",
                    hits.len(),
                    hits[0]
                ));
            }
        }

        // Nothing to look for: 422 naming q.
        for q in ["", "%20%20", "--"] {
            w.f1_api.get(&format!("/api/v1/groups/{ga}/search?q={q}")).await.expect_invalid_fields(&["q"]);
        }
        w.f1_api.get(&format!("/api/v1/groups/{ga}/search")).await.expect_invalid_fields(&["q"]);
        let long = "walk ".repeat(41);
        w.f1_api
            .get(&format!("/api/v1/groups/{ga}/search?q={}", long.replace(' ', "+")))
            .await
            .expect_invalid_fields(&["q"]);

        // Another group's facilitator cannot search group A, by API or page.
        w.f2_api.get(&format!("/api/v1/groups/{ga}/search?q=allotment")).await.expect_json_error(404, "not_found");
        w.f2b.get(&format!("/groups/{ga}/search?q=allotment")).await.expect(404);

        // The page marks the matches, escapes what was typed in the notes, and links each hit.
        let hits = search(&w.f1_api, ga, "scones").await;
        assert_eq!(hits.len(), 1, "scones: {hits:?}");
        let snippet = hits[0]["snippet"].as_str().expect("snippet");
        // (PostgreSQL's headline drops what looks like a tag; SQLite keeps the text as written.)
        assert!(snippet.contains("scones") && snippet.contains("& jam"), "{snippet:?}");
        let page = w.f1b.get(&format!("/groups/{ga}/search?q=scones")).await;
        page.expect(200)
            .expect_contains("<mark>scones</mark>")
            .expect_contains("&#38; jam")
            .expect_lacks("<b>")
            .expect_contains(&format!("href=\"/meetings/{}/notes\"", k.scones))
            .expect_contains("1 place found");
        let page = w.f1b.get(&format!("/groups/{ga}/search?q=walking")).await;
        page.expect(200).expect_contains("<mark>walked</mark>").expect_contains("<mark>Walks</mark>");
        for id in &k.walking {
            page.expect_contains(&format!("href=\"/meetings/{id}/notes\""));
        }
        let page = w.f1b.get(&format!("/groups/{ga}/search?q=zanzibar")).await;
        page.expect(200).expect_lacks("<mark>").expect_contains("Nothing found");
        w.f1b.get(&format!("/groups/{ga}/search?q=")).await.expect(422).field_error("q");

        assert!(problems.is_empty(), "search problems:\n{}", problems.join("\n"));
    }
}

// --- 4. the report for funders and the insight page ---------------------------------------------

/// The cell beside a row heading in a figures table: `<th ...>LABEL</th><td>VALUE</td>`.
fn row_value(page: &str, label: &str) -> String {
    let needle = format!(">{label}</th>");
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no row {label:?} in the page"));
    let rest = &page[at + needle.len()..];
    let start = rest.find("<td>").expect("a cell") + 4;
    let end = rest.find("</td>").expect("cell end");
    html::text_of(&rest[start..end])
}

/// The charts of a page (the <svg> elements of class "chart", not the logo).
fn svgs(page: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<svg") {
        let end = start + rest[start..].find("</svg>").expect("svg end") + 6;
        if rest[start..end].starts_with("<svg class=\"chart") {
            out.push(&rest[start..end]);
        }
        rest = &rest[end..];
    }
    out
}

/// Each chart names itself and says what it shows.
fn check_charts(page: &str, what: &str) -> usize {
    let charts = svgs(page);
    for svg in &charts {
        let title = svg
            .find("<title id=")
            .unwrap_or_else(|| panic!("{what}: chart without a title: {svg}"));
        let desc = svg
            .find("<desc id=")
            .unwrap_or_else(|| panic!("{what}: chart without a description"));
        assert!(title < desc, "{what}: title first");
        assert!(svg.contains("role=\"img\""), "{what}: chart role");
        let labelled = html::attr(svg, "aria-labelledby").expect("aria-labelledby");
        for id in labelled.split_whitespace() {
            assert!(
                svg.contains(&format!("id=\"{id}\"")),
                "{what}: {id} is not in the chart"
            );
        }
    }
    charts.len()
}

both_backends! {
    async fn funder_report_has_figures_and_no_names_and_insight_shows_staff_the_numbers(app: TestApp) {
        let w = World::build(&app).await;
        let (a, b) = generate(&app, &w).await;
        let today = today();
        let g = a.group;
        for (from, to) in [
            (a.first_date().to_string(), today.to_string()),
            {
                let (f, t) = quarter_of(parse_date(&a.meetings[26].date));
                (f.to_string(), t.to_string())
            },
        ] {
            let f = figures(&a, &from, &to);
            let ctx = format!("{from} to {to}");
            let report = w.f1b.get(&format!("/groups/{g}/report?from={from}&to={to}")).await;
            report.expect(200);
            let page = &report.text;
            assert_eq!(row_value(page, "Meetings held"), f.held.len().to_string(), "{ctx}");
            assert_eq!(row_value(page, "Attendances (members and guests)"), f.total_attendances.to_string(), "{ctx}");
            assert_eq!(row_value(page, "Average attendance"), format!("{:.1}", f.average()), "{ctx}");
            assert_eq!(row_value(page, "Different members who came"), f.distinct_members.to_string(), "{ctx}");
            assert_eq!(row_value(page, "Came for the first time"), f.first_timers.to_string(), "{ctx}");
            assert_eq!(row_value(page, "Of those, came back"), f.came_back.to_string(), "{ctx}");
            assert_eq!(row_value(page, "Social events"), f.social.to_string(), "{ctx}");
            assert!(
                row_value(page, "Members' feedback").starts_with(&format!("{} answers", f.feedback_total())),
                "{ctx}: {}",
                row_value(page, "Members' feedback")
            );
            for (label, n) in ["Not good", "Not so good", "All right", "Good", "Very good"].iter().zip(f.feedback_counts) {
                assert_eq!(row_value(page, label), n.to_string(), "{ctx}: feedback {label}");
            }
            for m in &f.held {
                assert_eq!(row_value(page, &date_label(&m.date)), m.attended.to_string(), "{ctx}: {}", m.date);
                report.expect_contains(&html_escape(&m.topic));
            }
            assert_eq!(check_charts(page, "report"), 2, "{ctx}: two charts");
            report.expect_contains(&format!(
                "{} meetings; on average {:.1} people came",
                f.held.len(),
                f.average()
            ));
            // Counts only: no names, no needs, no comments, no contact notes; nothing of B.
            for s in a.private_strings().iter().chain(b.private_strings().iter()) {
                assert!(!page.contains(s.as_str()) && !page.contains(&html_escape(s)), "{ctx}: the report shows {s:?}");
            }
            for s in [MEMBER_A, "Zebedee Archibald Quill", "remark", "Guest "] {
                report.expect_lacks(s);
            }

            // The insight page shows staff the same numbers, and the comments.
            let insight = w.f1b.get(&format!("/groups/{g}/insight?from={from}&to={to}")).await;
            insight.expect(200);
            let ip = &insight.text;
            insight
                .expect_contains(&format!("<span class=\"big-number\">{}</span> meetings held", f.held.len()))
                .expect_contains(&format!("<span class=\"big-number\">{:.1}</span> came on average", f.average()))
                .expect_contains(&format!("<span class=\"big-number\">{}</span> different members came", f.distinct_members))
                .expect_contains(&format!(
                    "<span class=\"big-number\">{}</span> came for the first time; {} of them came back",
                    f.first_timers, f.came_back
                ))
                .expect_contains(&format!("{} answers;", f.feedback_total()));
            if f.cancelled > 0 {
                insight.expect_contains(&format!("({} cancelled)", f.cancelled));
            }
            for m in &f.held {
                insight.expect_contains(&format!(
                    "<a href=\"/meetings/{}/notes\">{}</a></th><td>{}</td><td>{}</td><td>{}</td>",
                    m.id,
                    date_label(&m.date),
                    m.attended,
                    m.expected,
                    m.first_timers
                ));
            }
            for (label, n) in ["Not good", "Not so good", "All right", "Good", "Very good"].iter().zip(f.feedback_counts) {
                assert_eq!(row_value(ip, label), n.to_string(), "{ctx}: insight feedback {label}");
            }
            assert_eq!(check_charts(ip, "insight"), 2, "{ctx}: two charts");
            // The newest comments in the range are there for staff.
            let newest = a
                .meetings
                .iter()
                .rev()
                .filter(|m| m.held() && in_range(&m.date, &from, &to))
                .flat_map(|m| m.feedback.iter())
                .find(|(_, _, c)| !c.is_empty())
                .expect("a comment");
            insight.expect_contains(&html_escape(&newest.2));
        }

        // A facilitator of another group sees neither.
        w.f2b.get(&format!("/groups/{g}/report")).await.expect(404);
        w.f2b.get(&format!("/groups/{g}/insight")).await.expect(404);
        w.f1b.get(&format!("/groups/{g}/report?from=2025-02-30")).await.expect(422).field_error("from");
        // The history lists held and cancelled meetings, newest first.
        let history = w.f1b.get(&format!("/groups/{g}/history")).await;
        history.expect(200);
        let shown: Vec<i64> = a
            .meetings
            .iter()
            .filter(|m| m.held() || m.status == "cancelled")
            .map(|m| m.id)
            .rev()
            .collect();
        let mut at = 0;
        for id in &shown {
            let needle = if a.meeting(*id).held() {
                format!("href=\"/meetings/{id}/notes\"")
            } else {
                format!("href=\"/meetings/{id}\"")
            };
            let found = history.text[at..].find(&needle).unwrap_or_else(|| panic!("history: meeting {id} missing or out of order"));
            at += found + needle.len();
        }
        let never_ended = a.meetings[UNDER_WAY_A].id;
        history
            .expect_lacks(&format!("href=\"/meetings/{never_ended}\""))
            .expect_lacks(&format!("href=\"/meetings/{never_ended}/notes\""));
    }
}

/// Text as the templates escape it.
fn html_escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

// --- 5. members' feedback from their link ------------------------------------------------------

both_backends! {
    async fn members_give_feedback_only_on_held_meetings_they_came_to(app: TestApp) {
        let w = World::build(&app).await;
        let c = &w.c;
        let g = w.group_a;
        let d = |n: i64| add_days(today(), n).to_string();
        let plan = |date: String| (date, "19:00".to_string(), "Sleep and rest".to_string());
        let ids = create_meetings(&app, c, g, Some(w.venue), &[plan(d(-30)), plan(d(-16)), plan(d(-9)), plan(d(-2))]).await;
        let (came, missed, cancelled, under_way) = (ids[0], ids[1], ids[2], ids[3]);
        let s = &app.store;
        s.sign_in(&s.meeting(c, MeetingId(came)).await.unwrap(), MemberId(w.member_a)).await.unwrap();
        s.apply_meeting_event(&s.meeting(c, MeetingId(came)).await.unwrap(), MeetingEvent::End, "").await.unwrap().unwrap();
        s.apply_meeting_event(&s.meeting(c, MeetingId(missed)).await.unwrap(), MeetingEvent::End, "").await.unwrap().unwrap();
        s.sign_in(&s.meeting(c, MeetingId(cancelled)).await.unwrap(), MemberId(w.member_a)).await.unwrap();
        s.apply_meeting_event(&s.meeting(c, MeetingId(cancelled)).await.unwrap(), MeetingEvent::Cancel, "Snow").await.unwrap().unwrap();
        s.sign_in(&s.meeting(c, MeetingId(under_way)).await.unwrap(), MemberId(w.member_a)).await.unwrap();
        s.apply_meeting_event(&s.meeting(c, MeetingId(under_way)).await.unwrap(), MeetingEvent::Start, "").await.unwrap().unwrap();
        let b_meeting = create_meetings(&app, c, w.group_b, None, &[plan(d(-3))]).await[0];
        s.sign_in(&s.meeting(c, MeetingId(b_meeting)).await.unwrap(), MemberId(w.member_b)).await.unwrap();
        s.apply_meeting_event(&s.meeting(c, MeetingId(b_meeting)).await.unwrap(), MeetingEvent::End, "").await.unwrap().unwrap();

        let path = issue_link(&app, &w.f1b, w.member_a).await;
        let member = app.browser();
        let page = member.get(&path).await;
        page.expect(200)
            .expect_contains(&format!("action=\"{path}/feedback/{came}?_part="))
            .expect_lacks(&format!("action=\"{path}/feedback/{missed}?_part="));
        member.csrf_from(&path).await;
        let range = format!("from={}&to={}", d(-40), d(0));
        let stat_of = |v: &Value, id: i64| -> Value {
            v["meetings"].as_array().unwrap().iter().find(|m| m["meeting_id"] == id).cloned().unwrap_or_else(|| panic!("{id} not in {v}"))
        };

        // Not yet: no feedback.
        let stats = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/stats?{range}")).await;
        assert_eq!(stat_of(&stats, came)["feedback_count"], 0);

        member
            .post_form(&format!("{path}/feedback/{came}"), &[("rating", "4"), ("comment", "Lovely to be back")])
            .await
            .expect_redirect(&format!("{path}#feedback"));
        let stats = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/stats?{range}")).await;
        let m = stat_of(&stats, came);
        assert_eq!(m["feedback_count"], 1, "{m}");
        assert_eq!(m["feedback_average"].as_f64(), Some(4.0), "{m}");
        assert_eq!(stats["feedback_counts"], serde_json::json!([0, 0, 0, 1, 0]));
        let fb = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/feedback?{range}")).await;
        let list = fb["feedback"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{fb}");
        assert_eq!(list[0]["meeting_id"], came);
        assert_eq!(list[0]["member_id"], w.member_a);
        assert_eq!(list[0]["rating"], 4);
        assert_eq!(list[0]["comment"], "Lovely to be back");
        // The page shows the answer given.
        member.get(&path).await.expect(200).expect_contains("Lovely to be back");

        // Changing it replaces it: still one answer.
        member
            .post_form(&format!("{path}/feedback/{came}"), &[("rating", "2"), ("comment", "Actually it was too loud")])
            .await
            .expect_redirect(&format!("{path}#feedback"));
        let stats = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/stats?{range}")).await;
        let m = stat_of(&stats, came);
        assert_eq!(m["feedback_count"], 1, "{m}");
        assert_eq!(m["feedback_average"].as_f64(), Some(2.0), "{m}");
        assert_eq!(stats["feedback_counts"], serde_json::json!([0, 1, 0, 0, 0]));
        let fb = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/feedback?{range}")).await;
        assert_eq!(fb["feedback"].as_array().unwrap().len(), 1, "{fb}");
        assert_eq!(fb["feedback"][0]["comment"], "Actually it was too loud");
        assert_eq!(fb["feedback"][0]["rating"], 2);

        // Not for a meeting they did not come to, a cancelled one, one never ended, another
        // group's, or one that does not exist.
        for id in [missed, cancelled, under_way, b_meeting, 999_999] {
            member
                .post_form(&format!("{path}/feedback/{id}"), &[("rating", "5"), ("comment", "Sneaky")])
                .await
                .expect(404);
        }
        // A rating out of range is refused with the message beside it and the comment kept,
        // and changes nothing.
        for rating in ["0", "6", "", "four"] {
            let res = member.post_form(&format!("{path}/feedback/{came}"), &[("rating", rating), ("comment", "Odd")]).await;
            res.expect(422).expect_field_error("rating", "Please choose how it was for you").expect_value("comment", "Odd");
        }
        // A comment too long is named beside the comment, not the rating, and kept.
        let long = "words ".repeat(200);
        let res = member.post_form(&format!("{path}/feedback/{came}"), &[("rating", "4"), ("comment", long.as_str())]).await;
        res.expect(422).expect_field_error("comment", "1000").expect_lacks("Please choose how it was for you");
        let stats = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/stats?{range}")).await;
        assert_eq!(stats["feedback_counts"], serde_json::json!([0, 1, 0, 0, 0]));
        for id in [missed, cancelled, under_way] {
            if let Some(m) = stats["meetings"].as_array().unwrap().iter().find(|m| m["meeting_id"] == id) {
                assert_eq!(m["feedback_count"], 0, "{m}");
            }
        }
        let fb = get_json(&w.c_api, &format!("/api/v1/groups/{}/feedback?from={}", w.group_b, d(-40))).await;
        assert_eq!(fb["feedback"].as_array().unwrap().len(), 0, "{fb}");
        let fb = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/feedback?{range}")).await;
        assert_eq!(fb["feedback"][0]["comment"], "Actually it was too loud");
        // Another facilitator does not read group A's feedback.
        w.f2_api.get(&format!("/api/v1/groups/{g}/feedback")).await.expect_json_error(404, "not_found");

        // A revoked link gives no more feedback.
        w.f1b.post_form(&format!("/members/{}/link/revoke", w.member_a), &[]).await.expect(303);
        let res = member.post_form(&format!("{path}/feedback/{came}"), &[("rating", "5"), ("comment", "After revoking")]).await;
        assert!(res.status.is_client_error(), "revoked link: {}", res.status);
        let fb = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/feedback?{range}")).await;
        assert_eq!(fb["feedback"][0]["comment"], "Actually it was too loud");

        // The meeting had been marked held by mistake: once it is put right, it is not
        // counted, and nor is the feedback on it (the totals agree with the meetings listed).
        s.apply_meeting_event(&s.meeting(c, MeetingId(came)).await.unwrap(), MeetingEvent::Cancel, "Marked held by mistake").await.unwrap().unwrap();
        let stats = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/stats?{range}")).await;
        let listed = stats["meetings"].as_array().unwrap();
        assert!(listed.iter().all(|m| m["meeting_id"] != came), "{stats}");
        let per_meeting: i64 = listed.iter().map(|m| m["feedback_count"].as_i64().unwrap()).sum();
        assert_eq!(per_meeting, 0);
        assert_eq!(
            stats["feedback_counts"],
            serde_json::json!([0, 0, 0, 0, 0]),
            "feedback on a meeting that is no longer held is still counted: {}",
            stats["feedback_counts"]
        );
    }
}

// --- 6. the overview ----------------------------------------------------------------------------

both_backends! {
    async fn overview_shows_each_viewer_their_groups(app: TestApp) {
        let w = World::build(&app).await;
        let (a, b) = generate(&app, &w).await;
        let today = today();
        let from = a.first_date().to_string();
        let to = today.to_string();
        let range = format!("from={from}&to={to}");

        let expected = |h: &History| {
            let f = figures(h, &from, &to);
            let held: Vec<&GenMeeting> = h.meetings.iter().filter(|m| m.held()).collect();
            let avg = |ms: &[&GenMeeting]| ms.iter().map(|m| m.attended() as f64).sum::<f64>() / ms.len() as f64;
            let n = held.len();
            (f.held.len() as i64, f.total_attendances, avg(&held[n - 3..]), avg(&held[n - 6..n - 3]), held[n - 1].date.clone())
        };
        let check = |g: &Value, h: &History, name: &str| {
            let (held, attendances, recent, earlier, last) = expected(h);
            assert_eq!(g["group_id"], h.group, "{g}");
            assert_eq!(g["name"], name, "{g}");
            assert_eq!(g["meetings_held"], held, "{name}: {g}");
            assert_eq!(g["attendances"], attendances, "{name}: {g}");
            assert!(g["average_attendance"].as_f64().is_some_and(|x| close(x, attendances as f64 / held as f64)), "{name}: {g}");
            assert!(g["recent_average"].as_f64().is_some_and(|x| close(x, recent)), "{name}: recent {recent} {g}");
            assert!(g["earlier_average"].as_f64().is_some_and(|x| close(x, earlier)), "{name}: earlier {earlier} {g}");
            assert_eq!(g["last_held"], last.as_str(), "{name}: {g}");
            // A change of two people and a quarter (issue 21: few false alarms).
            let trend = if recent >= earlier + 2.0 && recent >= earlier * 1.25 {
                "up"
            } else if recent + 2.0 <= earlier && recent <= earlier * 0.75 {
                "down"
            } else {
                "steady"
            };
            assert_eq!(g["trend"], trend, "{name}: {g}");
        };

        let all = get_json(&w.c_api, &format!("/api/v1/overview?{range}")).await;
        let groups = all["groups"].as_array().expect("groups");
        let names: BTreeSet<&str> = groups.iter().filter_map(|g| g["name"].as_str()).collect();
        assert_eq!(names, BTreeSet::from([GROUP_A, GROUP_B]), "{all}");
        let ga = groups.iter().find(|g| g["group_id"] == a.group).expect("group A");
        let gb = groups.iter().find(|g| g["group_id"] == b.group).expect("group B");
        check(ga, &a, GROUP_A);
        check(gb, &b, GROUP_B);
        assert_eq!(ga["next_planned"], a.future_date.as_str(), "{ga}");
        assert!(gb["next_planned"].is_null(), "{gb}");

        let mine = get_json(&w.f1_api, &format!("/api/v1/overview?{range}")).await;
        let groups = mine["groups"].as_array().expect("groups");
        assert_eq!(groups.len(), 1, "{mine}");
        check(&groups[0], &a, GROUP_A);
        let theirs = get_json(&w.f2_api, "/api/v1/overview").await;
        let groups = theirs["groups"].as_array().expect("groups");
        assert_eq!(groups.len(), 1, "{theirs}");
        assert_eq!(groups[0]["group_id"], b.group);
        w.f1_api.get("/api/v1/overview?from=2025-05-02&to=2025-05-01").await.expect_invalid_fields(&["to"]);

        // The page, side by side.
        let page = w.cb.get(&format!("/overview?{range}")).await;
        page.expect(200)
            .expect_contains(&format!("<a href=\"/groups/{}/insight\">{GROUP_A}</a>", a.group))
            .expect_contains(&format!("<a href=\"/groups/{}/insight\">{GROUP_B}</a>", b.group));
        let (held, attendances, ..) = expected(&a);
        let row_start = page.text.find(&format!("/groups/{}/insight\"", a.group)).unwrap();
        let row = &page.text[row_start..row_start + page.text[row_start..].find("</tr>").unwrap()];
        assert!(row.contains(&format!("data-label=\"Meetings held\">{held}</td>")), "{row}");
        assert!(row.contains(&format!("data-label=\"Average attendance\">{:.1}</td>", attendances as f64 / held as f64)), "{row}");
        let page = w.f1b.get("/overview").await;
        page.expect(200).expect_contains(GROUP_A).expect_lacks(GROUP_B);
        let page = w.f2b.get("/overview").await;
        page.expect(200).expect_contains(GROUP_B).expect_lacks(GROUP_A);
        // Members see nothing of it.
        app.browser().get("/overview").await.expect_signin_redirect();
        app.api_anonymous().get("/api/v1/overview").await.expect(401);
    }
}

// --- 7. each meeting's count of who came, kept on write ------------------------------------------

both_backends! {
    async fn the_overview_counts_follow_sign_ins_undone_and_guests_removed(app: TestApp) {
        // The overview adds up each meeting's kept count of who came (migration 0012's
        // triggers), so every way in and out of the attendance list must move it.
        let w = World::build(&app).await;
        let c = &w.c;
        let s = &app.store;
        let range = format!("from={}&to={}", add_days(today(), -30), today());
        let attendances = |v: Value| -> i64 {
            v["groups"].as_array().unwrap().iter().find(|g| g["group_id"] == w.group_a).expect("group A")
                ["attendances"].as_i64().unwrap()
        };
        let plan = (add_days(today(), -7).to_string(), "19:00".to_string(), "Sleep and rest".to_string());
        let m = create_meetings(&app, c, w.group_a, Some(w.venue), &[plan]).await[0];
        let other = create_members(&app, c, w.group_a, &[("Olive", "Olive Green", "", add_days(today(), -60).to_string(), None)])
            .await[0]
            .id;
        s.sign_in(&s.meeting(c, MeetingId(m)).await.unwrap(), MemberId(w.member_a)).await.unwrap();
        s.sign_in(&s.meeting(c, MeetingId(m)).await.unwrap(), MemberId(other)).await.unwrap();
        s.sign_in(&s.meeting(c, MeetingId(m)).await.unwrap(), MemberId(w.member_a)).await.unwrap(); // twice is still once
        s.sign_in_guest(&s.meeting(c, MeetingId(m)).await.unwrap(), "Visiting nurse").await.unwrap();
        s.apply_meeting_event(&s.meeting(c, MeetingId(m)).await.unwrap(), MeetingEvent::End, "").await.unwrap().unwrap();
        assert_eq!(attendances(get_json(&w.c_api, &format!("/api/v1/overview?{range}")).await), 3);
        s.sign_out(&s.meeting(c, MeetingId(m)).await.unwrap(), MemberId(other)).await.unwrap();
        assert_eq!(attendances(get_json(&w.c_api, &format!("/api/v1/overview?{range}")).await), 2);
        let guest = s.attendance_of(&s.meeting(c, MeetingId(m)).await.unwrap()).await.unwrap().into_iter().find(|a| a.is_guest).expect("guest").id;
        s.remove_guest(&s.meeting(c, MeetingId(m)).await.unwrap(), guest).await.unwrap();
        assert_eq!(attendances(get_json(&w.c_api, &format!("/api/v1/overview?{range}")).await), 1);
        // The insight figures agree with the overview.
        let stats = get_json(&w.c_api, &format!("/api/v1/groups/{}/stats?{range}", w.group_a)).await;
        assert_eq!(stats["total_attendances"], 1, "{stats}");
    }
}

// --- 7. the programme at a glance (issue 21) -----------------------------------------------------

/// The totals the API gives, beside the groups' figures counted here.
fn check_totals(totals: &Value, groups: &[&Figures], what: &str) {
    let sum = |f: fn(&Figures) -> i64| groups.iter().map(|g| f(g)).sum::<i64>();
    let reached = sum(|f| f.distinct_members);
    let new = sum(|f| f.first_timers);
    let feedback = sum(|f| f.feedback_total());
    let rating_total: i64 = groups
        .iter()
        .map(|g| {
            g.feedback_counts
                .iter()
                .enumerate()
                .map(|(i, n)| (i as i64 + 1) * n)
                .sum::<i64>()
        })
        .sum();
    assert_eq!(totals["groups"], groups.len() as i64, "{what}: {totals}");
    assert_eq!(
        totals["meetings_held"],
        sum(|f| f.held.len() as i64),
        "{what}: {totals}"
    );
    assert_eq!(
        totals["meetings_cancelled"],
        sum(|f| f.cancelled),
        "{what}: {totals}"
    );
    assert_eq!(
        totals["attendances"],
        sum(|f| f.total_attendances),
        "{what}: {totals}"
    );
    assert_eq!(totals["people_reached"], reached, "{what}: {totals}");
    assert_eq!(totals["new_members"], new, "{what}: {totals}");
    assert_eq!(
        totals["returning_members"],
        reached - new,
        "{what}: {totals}"
    );
    assert_eq!(totals["feedback_count"], feedback, "{what}: {totals}");
    if feedback > 0 {
        let average = rating_total as f64 / feedback as f64;
        assert!(
            totals["feedback_average"]
                .as_f64()
                .is_some_and(|x| close(x, average)),
            "{what}: {average} {totals}"
        );
    } else {
        assert!(totals["feedback_average"].is_null(), "{what}: {totals}");
    }
    assert_eq!(
        totals["social_events"],
        sum(|f| f.social),
        "{what}: {totals}"
    );
}

both_backends! {
    async fn the_programme_totals_are_its_groups_counted_independently(app: TestApp) {
        let w = World::build(&app).await;
        let (a, b) = generate(&app, &w).await;
        w.c_api.put(&format!("/api/v1/groups/{}", a.group), &serde_json::json!({"area": "North Vale"})).await.expect(200);
        let middle = add_days(today(), -70).to_string();
        let today = today().to_string();
        let start = a.first_date().min(b.first_date()).to_string();
        for (from, to) in [(start.clone(), today.clone()), (start.clone(), middle.clone()), (middle.clone(), today.clone())] {
            let (fa, fb) = (figures(&a, &from, &to), figures(&b, &from, &to));
            let range = format!("from={from}&to={to}");
            let all = get_json(&w.c_api, &format!("/api/v1/overview?{range}")).await;
            check_totals(&all["totals"], &[&fa, &fb], &format!("all, {range}"));
            // Per area: group A's area, then the groups with none.
            let areas = all["areas"].as_array().expect("areas");
            assert_eq!(areas.len(), 2, "{all}");
            assert_eq!(areas[0]["area"], "North Vale");
            check_totals(&areas[0], &[&fa], "North Vale");
            assert_eq!(areas[1]["area"], "");
            check_totals(&areas[1], &[&fb], "no area");
            // One area chosen: its totals, its groups.
            let north = get_json(&w.c_api, &format!("/api/v1/overview?{range}&area=North%20Vale")).await;
            check_totals(&north["totals"], &[&fa], "area North Vale");
            assert_eq!(north["total"], 1, "{north}");
            assert_eq!(north["groups"][0]["group_id"], a.group);
            let none = get_json(&w.c_api, &format!("/api/v1/overview?{range}&area=~none")).await;
            check_totals(&none["totals"], &[&fb], "no area chosen");
            // A facilitator's totals are their own groups'.
            let mine = get_json(&w.f1_api, &format!("/api/v1/overview?{range}")).await;
            check_totals(&mine["totals"], &[&fa], "facilitator");
        }

        // The funder report: the same figures, counts only, for the whole programme or an area.
        let (fa, fb) = (figures(&a, &start, &today), figures(&b, &start, &today));
        let range = format!("from={start}&to={today}");
        let page = w.cb.get(&format!("/overview/report?{range}")).await;
        page.expect(200).expect_contains("Programme report").expect_contains("By area").expect_contains("North Vale");
        let held = (fa.held.len() + fb.held.len()).to_string();
        assert!(page.text.contains(&format!("<th scope=\"row\">Meetings held</th><td>{held}</td>")), "held {held}");
        for secret in a.private_strings().iter().chain(b.private_strings().iter()) {
            assert!(!page.text.contains(secret.as_str()), "the funder report shows {secret:?}");
        }
        let area = w.cb.get(&format!("/overview/report?{range}&area=North%20Vale")).await;
        area.expect(200).expect_contains("Programme report: North Vale");
        assert!(area.text.contains(&format!("<th scope=\"row\">Meetings held</th><td>{}</td>", fa.held.len())));
        assert!(!area.text.contains("By area"));

        // The groups' figures as CSV, a row a group with its id.
        let csv = w.cb.get(&format!("/overview/groups.csv?{range}")).await;
        csv.expect(200);
        assert!(csv.header("content-type").is_some_and(|t| t.starts_with("text/csv")));
        let lines: Vec<&str> = csv.text.trim_start_matches('\u{feff}').lines().collect();
        assert!(lines[0].starts_with("group_id,group,area,from,to,meetings_held"), "{}", lines[0]);
        assert_eq!(lines.len(), 3, "{}", csv.text);
        let row_a = lines.iter().find(|l| l.starts_with(&format!("{},", a.group))).expect("group A's row");
        assert!(row_a.contains(&format!(",North Vale,{start},{today},{},", fa.held.len())), "{row_a}");
        let f1_csv = w.f1b.get(&format!("/overview/groups.csv?{range}")).await;
        assert_eq!(f1_csv.text.lines().count(), 2, "a facilitator's CSV holds their group only");

        // The network's meetings, attendance and feedback, a row each, with ids and no names.
        let rows = |text: &str| -> Vec<Vec<String>> {
            text.trim_start_matches('\u{feff}').lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
        };
        let in_range = |h: &History| h.meetings.iter().filter(|m| m.date.as_str() >= start.as_str() && m.date.as_str() <= today.as_str()).count();
        let meetings = w.cb.get(&format!("/overview/meetings.csv?{range}")).await;
        meetings.expect(200);
        assert!(meetings.text.trim_start_matches('\u{feff}').starts_with("meeting_id,group_id,group,area,date,time,status,venue_id"), "{}", meetings.text);
        let meeting_rows = rows(&meetings.text);
        assert_eq!(meeting_rows.len(), in_range(&a) + in_range(&b), "every meeting dated in the range");
        let held_rows = meeting_rows.iter().filter(|r| r[6] == "held").count();
        assert_eq!(held_rows, fa.held.len() + fb.held.len());
        let attendance = w.cb.get(&format!("/overview/attendance.csv?{range}")).await;
        attendance.expect(200);
        let attendance_rows = rows(&attendance.text);
        assert_eq!(attendance_rows.len() as i64, fa.total_attendances + fb.total_attendances, "a row for each attendance counted");
        let members_in_rows: BTreeSet<&str> = attendance_rows.iter().filter(|r| r[5] == "member").map(|r| r[4].as_str()).collect();
        assert_eq!(members_in_rows.len() as i64, fa.distinct_members + fb.distinct_members, "each person once by their id");
        let feedback = w.cb.get(&format!("/overview/feedback.csv?{range}")).await;
        feedback.expect(200);
        assert_eq!(rows(&feedback.text).len() as i64, fa.feedback_total() + fb.feedback_total());
        for text in [&meetings.text, &attendance.text] {
            for m in a.members.iter().chain(b.members.iter()) {
                assert!(!text.contains(&format!(",{},", m.preferred)), "{} named without asking", m.preferred);
            }
        }
        // One area narrows every export; a facilitator's hold their groups only.
        let north = rows(&w.cb.get(&format!("/overview/attendance.csv?{range}&area=North%20Vale")).await.text);
        assert!(north.iter().all(|r| r[0] == a.group.to_string()) && north.len() as i64 == fa.total_attendances);
        let mine = rows(&w.f1b.get(&format!("/overview/meetings.csv?{range}")).await.text);
        assert!(mine.iter().all(|r| r[1] == a.group.to_string()), "facilitator sees group A only");
        // Names only when asked, and then each member named is in the audit trail.
        let named = w.cb.get(&format!("/overview/attendance.csv?{range}&names=yes")).await;
        named.expect(200);
        assert!(named.text.trim_start_matches('\u{feff}').lines().next().unwrap().ends_with(",name"));
        let someone = a.members.iter().find(|m| attendance_rows.iter().any(|r| r[4] == m.id.to_string())).expect("a member who came");
        assert!(named.text.contains(&someone.preferred), "names=yes names them");
        let trail = get_json(&w.c_api, &format!("/api/v1/audit?member_id={}", someone.id)).await;
        assert!(trail["events"].as_array().unwrap().iter().any(|e| e["action"] == "exported attendance with names"), "{trail}");
        w.cb.get(&format!("/overview/feedback.csv?{range}&names=maybe")).await.expect(422);

        // The overview page shows the totals and the areas.
        let overview = w.cb.get(&format!("/overview?{range}")).await;
        overview.expect(200).expect_contains("The whole programme").expect_contains("By area");
        let total_people = fa.distinct_members + fb.distinct_members;
        assert!(overview.text.contains(&format!("People reached (different members who came)</th><td>{total_people}</td>")));
    }
}

/// A group with held meetings on these days ago, each with this many guests; its id and the
/// meetings' ids.
async fn group_with_meetings(
    app: &TestApp,
    w: &World,
    name: &str,
    held: &[(i64, usize)],
    planned_in: Option<i64>,
    facilitated: bool,
) -> (i64, Vec<i64>) {
    let res = w
        .c_api
        .post("/api/v1/groups", &serde_json::json!({"name": name}))
        .await;
    res.expect(201);
    let group = res.json()["id"].as_i64().expect("id");
    if facilitated {
        w.c_api
            .put(
                &format!("/api/v1/groups/{group}/facilitators"),
                &serde_json::json!({"facilitator_ids": [w.f1.id]}),
            )
            .await
            .expect(200);
    }
    let mut specs: Vec<(String, String, String)> = held
        .iter()
        .map(|(ago, _)| {
            (
                add_days(today(), -ago).to_string(),
                "14:00".to_string(),
                "Catching up".to_string(),
            )
        })
        .collect();
    if let Some(days) = planned_in {
        specs.push((
            add_days(today(), days).to_string(),
            "14:00".into(),
            "Next time".into(),
        ));
    }
    if specs.is_empty() {
        return (group, Vec::new());
    }
    let ids = create_meetings(app, &w.c, group, None, &specs).await;
    for ((ago, guests), id) in held.iter().zip(&ids) {
        let m = GenMeeting {
            id: *id,
            date: add_days(today(), -ago).to_string(),
            time: "14:00".into(),
            topic: "Catching up".into(),
            status: "held",
            members: Vec::new(),
            guests: (0..*guests).map(|i| format!("Guest {i}")).collect(),
            rsvps: Vec::new(),
            feedback: Vec::new(),
            notes: std::array::from_fn(|_| String::new()),
            step_notes: String::new(),
        };
        record(app, &w.c, &m).await;
    }
    (group, ids)
}

both_backends! {
    async fn each_attention_rule_is_tripped_by_the_group_built_for_it(app: TestApp) {
        let w = World::build(&app).await;
        let steady: Vec<(i64, usize)> = (0..6).map(|i| (7 + 14 * i, 6)).collect();
        let (healthy, _) = group_with_meetings(&app, &w, "Healthy Group", &steady, Some(10), true).await;
        let (nobody, _) = group_with_meetings(&app, &w, "Nobody Runs It", &steady, Some(10), false).await;
        let (quiet, _) = group_with_meetings(&app, &w, "Quiet Group", &[(90, 5), (76, 5)], Some(10), true).await;
        let (unplanned, _) = group_with_meetings(&app, &w, "Unplanned Group", &steady, None, true).await;
        // Three meetings of eight, then three of four: falling. Eight to seven is not.
        let falling_days: Vec<(i64, usize)> = (0..6).map(|i| (7 + 14 * i, if i < 3 { 4 } else { 8 })).collect();
        let (falling, _) = group_with_meetings(&app, &w, "Falling Group", &falling_days, Some(10), true).await;
        let dipping: Vec<(i64, usize)> = (0..6).map(|i| (7 + 14 * i, if i < 3 { 7 } else { 8 })).collect();
        let (dipped, _) = group_with_meetings(&app, &w, "Dipping Group", &dipping, Some(10), true).await;
        let (worried, _) = group_with_meetings(&app, &w, "Worried Group", &steady, Some(10), true).await;
        w.f1_api.post(&format!("/api/v1/groups/{worried}/concerns"), &serde_json::json!({"about": "A visitor", "concern": "Seemed very low"})).await.expect(201);
        let (helped, meetings) = group_with_meetings(&app, &w, "Help Group", &steady, Some(10), true).await;
        let meeting = meetings[0];
        w.f1_api.put(&format!("/api/v1/meetings/{meeting}/reflections"), &serde_json::json!({"went_less_well": "Hard going", "feeling": "need_help"})).await.expect(200);

        let expect = [
            (healthy, vec![]),
            (nobody, vec!["no_facilitator"]),
            (quiet, vec!["not_met"]),
            (unplanned, vec!["nothing_planned"]),
            (falling, vec!["falling"]),
            (dipped, vec![]),
            (worried, vec!["concerns"]),
            (helped, vec!["help"]),
        ];
        let all = get_json(&w.c_api, "/api/v1/overview?limit=500").await;
        let groups = all["groups"].as_array().expect("groups");
        for (id, reasons) in &expect {
            let g = groups.iter().find(|g| g["group_id"] == *id).unwrap_or_else(|| panic!("group {id}: {all}"));
            let got: Vec<&str> = g["attention"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            assert_eq!(&got, reasons, "{}: {g}", g["name"]);
        }
        // The counts, and the filter for each reason.
        for reason in ["no_facilitator", "not_met", "falling", "concerns", "help"] {
            let count = all["attention"].as_array().unwrap().iter().find(|c| c["reason"] == reason).expect("a count");
            let shown = get_json(&w.c_api, &format!("/api/v1/overview?show={reason}&limit=500")).await;
            assert_eq!(count["groups"], shown["total"], "{reason}: {shown}");
            let ids: Vec<i64> = shown["groups"].as_array().unwrap().iter().map(|g| g["group_id"].as_i64().unwrap()).collect();
            for (id, reasons) in &expect {
                assert_eq!(ids.contains(id), reasons.contains(&reason), "{reason}: group {id} in {ids:?}");
            }
        }
        // Needs attention first.
        let sorted = get_json(&w.c_api, "/api/v1/overview?sort=attention&limit=500").await;
        let first: Vec<&str> = sorted["groups"].as_array().unwrap().iter().take(2).map(|g| g["attention"][0].as_str().unwrap_or("")).collect();
        assert_eq!(first, ["concerns", "help"], "{sorted}");

        // Home and the overview page say so, linked.
        let home = w.cb.get("/").await;
        home.expect(200).expect_contains("Needs attention");
        assert!(home.text.contains(&format!("/groups/{worried}/concerns")), "concerns linked on Home");
        assert!(home.text.contains("/overview?show=no_facilitator#groups"), "no facilitator linked on Home");
        let page = w.cb.get("/overview?show=falling").await;
        page.expect(200).expect_contains("Falling Group").expect_contains("No facilitator: 1 group");
        assert!(!page.text.contains("Healthy Group</a>"), "only falling groups are listed");
        // The help request's link opens the facilitator's own words first, not an empty form.
        assert!(home.text.contains(&format!("/meetings/{meeting}/reflection#reflection-")), "help links to the words");
        let words = w.cb.get(&format!("/meetings/{meeting}/reflection")).await;
        words.expect(200).expect_contains("Reflections on this meeting");
        let said = words.text.find("Hard going").expect("the facilitator's words");
        let form = words.text.find("Save my reflection").expect("the form");
        assert!(said < form, "the words come before the coordinator's own form");
        // The facilitator who wrote it sees their own form as before.
        w.f1b.get(&format!("/meetings/{meeting}/reflection")).await.expect(200).expect_contains("<h1>Your reflection</h1>");
        // A facilitator sees their own groups' attention, not another's.
        let f2_home = w.f2b.get("/").await;
        assert!(!f2_home.text.contains("Worried Group"), "f2 does not see group concerns of others");
    }
}

both_backends! {
    async fn the_overview_is_searched_sorted_and_paged(app: TestApp) {
        let w = World::build(&app).await;
        for n in [3, 20, 1, 12, 2, 283, 303, 10] {
            let area = if n % 2 == 0 { "East" } else { "West" };
            w.c_api.post("/api/v1/groups", &serde_json::json!({"name": format!("Riverside Group {n}"), "area": area})).await.expect(201);
        }
        let names = |v: &Value| -> Vec<String> { v["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_string()).collect() };
        // Numbers in names sort as numbers.
        let found = get_json(&w.c_api, "/api/v1/overview?q=riverside").await;
        assert_eq!(found["total"], 8);
        let expected: Vec<String> = [1, 2, 3, 10, 12, 20, 283, 303].iter().map(|n| format!("Riverside Group {n}")).collect();
        assert_eq!(names(&found), expected);
        // Pages.
        let page2 = get_json(&w.c_api, "/api/v1/overview?q=riverside&limit=3&offset=3").await;
        assert_eq!((page2["total"].as_i64(), page2["offset"].as_i64(), page2["limit"].as_i64()), (Some(8), Some(3), Some(3)));
        assert_eq!(names(&page2), expected[3..6].to_vec());
        // Every word counts; the area is searched too; and filtered.
        assert_eq!(names(&get_json(&w.c_api, "/api/v1/overview?q=group%2028").await), ["Riverside Group 283"]);
        assert_eq!(get_json(&w.c_api, "/api/v1/overview?q=riverside%20east").await["total"], 4);
        let east = get_json(&w.c_api, "/api/v1/overview?area=East").await;
        assert_eq!(names(&east), ["Riverside Group 2", "Riverside Group 10", "Riverside Group 12", "Riverside Group 20"]);
        // Bad values are named, in the JSON error shape.
        for (query, field) in [("sort=AAA", "sort"), ("limit=-1", "limit"), ("offset=1.5", "offset"), ("show=everything", "show"), ("to=", "to"), ("limit=501", "limit")] {
            w.c_api.get(&format!("/api/v1/overview?{query}")).await.expect_invalid_fields(&[field]);
        }
        // The page: a search box, a sort, and pages with links that keep the search.
        let page = w.cb.get("/overview?q=riverside&limit=3&page=2").await;
        page.expect(200).expect_contains("Showing 4 to 6 of 8").expect_contains("Page 2 of 3").expect_contains("Riverside Group 10");
        assert!(page.text.contains("q=riverside") && page.text.contains("page=3"), "the next page keeps the search");
        assert!(!page.text.contains("Riverside Group 2<"), "page 1's rows are not on page 2");
        let bad = w.cb.get("/overview?sort=AAA&q=kept").await;
        bad.expect(422).expect_field_error("sort", "Choose how to sort").expect_value("q", "kept");
        assert!(page.text.contains("limit=3"), "the pages keep their size");

        // The groups list: the same search, natural order, area filter and pages.
        let groups = w.cb.get("/groups?q=riverside&limit=3&page=2").await;
        groups.expect(200).expect_contains("Showing 4 to 6 of 8").expect_contains("Page 2 of 3");
        let at = |name: &str| groups.text.find(&format!(">{name}</a>")).unwrap_or_else(|| panic!("{name} on page 2"));
        assert!(at("Riverside Group 10") < at("Riverside Group 12") && at("Riverside Group 12") < at("Riverside Group 20"));
        assert!(!groups.text.contains(">Riverside Group 3</a>"), "page 1's groups are not on page 2");
        let east = w.cb.get("/groups?area=East&sort=members").await;
        east.expect(200).expect_contains("Showing 1 to 4 of 4");
        assert!(!east.text.contains(">Riverside Group 3</a>"), "West is filtered out");
        w.cb.get("/groups?sort=AAA&q=kept").await.expect(422).expect_field_error("sort", "Choose how to sort").expect_value("q", "kept");
        // A facilitator's list is their own groups, searched the same way.
        w.f1b.get("/groups?q=riverside").await.expect(200).expect_contains("Nothing matches");
    }
}

both_backends! {
    async fn members_are_found_across_the_groups_one_may_see_and_the_search_is_audited(app: TestApp) {
        let w = World::build(&app).await;
        // A second Zebedee, in group B.
        let res = w.c_api.post(&format!("/api/v1/groups/{}/members", w.group_b), &serde_json::json!({"preferred_name": "Zebedee Bramble", "phone": "07700 900333"})).await;
        res.expect(201);
        let other = res.json()["id"].as_i64().expect("id");
        let ids = |v: &Value| -> Vec<i64> { v["members"].as_array().unwrap().iter().map(|m| m["member_id"].as_i64().unwrap()).collect() };

        // The coordinator finds both; each word counts; phone numbers are searched too.
        let both = get_json(&w.c_api, "/api/v1/members?q=zebedee").await;
        let mut found = ids(&both);
        found.sort_unstable();
        let mut expected = vec![w.member_a, other];
        expected.sort_unstable();
        assert_eq!(found, expected, "{both}");
        assert_eq!(both["more"], false);
        assert!(both["members"][0].get("needs").is_none(), "no needs in a search: {both}");
        assert_eq!(ids(&get_json(&w.c_api, "/api/v1/members?q=zebedee%20bramble").await), [other]);
        assert_eq!(ids(&get_json(&w.c_api, "/api/v1/members?q=900333").await), [other]);
        // A facilitator finds only their own groups' members.
        assert_eq!(ids(&get_json(&w.f1_api, "/api/v1/members?q=zebedee").await), [w.member_a]);
        assert_eq!(ids(&get_json(&w.f2_api, "/api/v1/members?q=zebedee").await), [other]);
        // Nothing to search for is a clear error; % and _ are letters, not wildcards.
        w.c_api.get("/api/v1/members").await.expect_invalid_fields(&["q"]);
        w.c_api.get("/api/v1/members?q=%20").await.expect_invalid_fields(&["q"]);
        assert_eq!(ids(&get_json(&w.c_api, "/api/v1/members?q=%25").await), Vec::<i64>::new());
        assert_eq!(ids(&get_json(&w.c_api, "/api/v1/members?q=_").await), Vec::<i64>::new());

        // The page: found by name, linked, with the group.
        let page = w.f1b.get("/members?q=Zebedee").await;
        page.expect(200).expect_contains(&format!("/members/{}", w.member_a)).expect_contains("1 person found");
        assert!(!page.text.contains("Bramble"), "f1 does not see group B's member");
        w.f1b.get("/members").await.expect(200).expect_contains("Find a member");

        // Many matches come a page at a time, on the page and through the API.
        for n in 1..=52 {
            w.c_api.post(&format!("/api/v1/groups/{}/members", w.group_a), &serde_json::json!({"preferred_name": format!("Pagey {n:02}")})).await.expect(201);
        }
        let first = get_json(&w.c_api, "/api/v1/members?q=pagey").await;
        assert_eq!((first["members"].as_array().map(Vec::len), &first["more"], &first["offset"]), (Some(50), &Value::Bool(true), &serde_json::json!(0)));
        let rest = get_json(&w.c_api, "/api/v1/members?q=pagey&offset=50").await;
        let names: Vec<&str> = rest["members"].as_array().unwrap().iter().map(|m| m["preferred_name"].as_str().unwrap()).collect();
        assert_eq!((names, &rest["more"]), (vec!["Pagey 51", "Pagey 52"], &Value::Bool(false)));
        w.c_api.get("/api/v1/members?q=pagey&offset=many").await.expect_invalid_fields(&["offset"]);
        let page2 = w.cb.get("/members?q=pagey&page=2").await;
        page2.expect(200).expect_contains("Showing 51 to 52").expect_contains("rel=\"prev\"").expect_contains("Pagey 52");
        assert!(!page2.text.contains("rel=\"next\""), "no page after the last");
        w.cb.get("/members?q=pagey").await.expect(200).expect_contains("Showing 1 to 50").expect_contains("rel=\"next\"");
        w.cb.get("/members?q=pagey&page=0").await.expect(422).expect_contains("Give a page number");

        // Each search is in the audit trail, naming whom it showed.
        let events = get_json(&w.c_api, &format!("/api/v1/audit?member_id={other}")).await;
        let searched = events["events"].as_array().unwrap().iter().filter(|e| e["action"] == "searched for members").count();
        assert!(searched >= 4, "every search that showed them is audited: {searched} in {events}");
    }
}

both_backends! {
    async fn a_group_is_left_with_nobody_only_when_that_is_confirmed(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let path = format!("/groups/{g}/facilitators");
        // Unticking everyone asks first, names who facilitates now, and changes nothing.
        let asked = w.cb.post_form(&path, &[]).await;
        asked.expect(200).expect_contains("with no facilitator?").expect_contains("Fern Facilitator").expect_contains("name=\"confirm\" value=\"yes\"");
        let shown = get_json(&w.c_api, &format!("/api/v1/groups/{g}")).await;
        assert_eq!(shown["facilitators"].as_array().map(Vec::len), Some(1), "nothing changed yet: {shown}");
        // Confirmed, it is done; the overview then says the group needs someone.
        w.cb.post_form(&path, &[("confirm", "yes")]).await.expect(303);
        let shown = get_json(&w.c_api, &format!("/api/v1/groups/{g}")).await;
        assert_eq!(shown["facilitators"].as_array().map(Vec::len), Some(0), "{shown}");
        let nobody = get_json(&w.c_api, "/api/v1/overview?show=no_facilitator").await;
        assert!(nobody["groups"].as_array().unwrap().iter().any(|x| x["group_id"] == g), "{nobody}");
        // Giving a group someone needs no question.
        w.cb.post_form(&path, &[("facilitator", &w.f1.id.to_string())]).await.expect(303);
    }
}

both_backends! {
    async fn a_venue_says_which_groups_meet_there(app: TestApp) {
        let w = World::build(&app).await;
        let path = format!("/venues/{}", w.venue);
        let page = w.cb.get(&path).await;
        page.expect(200).expect_contains("Groups that meet here").expect_contains(&format!("href=\"/groups/{}\"", w.group_a));
        assert!(!page.text.contains(&format!("href=\"/groups/{}\"", w.group_b)), "group B does not meet there");
        // Another group's facilitator is told others meet there, not which.
        let f2 = w.f2b.get(&path).await;
        f2.expect(200).expect_contains("1 group you do not facilitate meets here.");
        assert!(!f2.text.contains(&format!("href=\"/groups/{}\"", w.group_a)));
    }
}

both_backends! {
    async fn staff_are_found_sorted_and_paged_and_each_page_says_their_groups_phone_and_last_sign_in(app: TestApp) {
        let w = World::build(&app).await;
        // Fern gives her phone number on her account page; a wrong one is asked again, kept.
        let bad = w.f1b.post_form("/account/phone", &[("phone", "ring me")]).await;
        bad.expect(422).expect_contains("Enter a phone number using digits").expect_contains("value=\"ring me\"");
        w.f1b.post_form("/account/phone", &[("phone", "07700 900555")]).await.expect_redirect("/account");
        // The coordinator sets Gus's.
        w.cb.post_form(&format!("/staff/{}/phone", w.f2.id), &[("phone", "01632 960001")]).await.expect_redirect(&format!("/staff/{}", w.f2.id));
        w.f1b.post_form(&format!("/staff/{}/phone", w.f2.id), &[("phone", "01632 960002")]).await.expect(403);

        // Found by name, email or phone; with their groups, phone and last sign-in.
        let fern = get_json(&w.c_api, "/api/v1/staff?q=fern").await;
        assert_eq!(fern["total"], 1, "{fern}");
        let f = &fern["staff"][0];
        assert_eq!(f["id"], w.f1.id);
        assert_eq!(f["phone"], "07700 900555");
        assert_eq!(f["groups"], serde_json::json!([w.group_a]));
        assert!(f["last_signed_in_at"].is_string(), "Fern signed in: {f}");
        assert_eq!(get_json(&w.c_api, "/api/v1/staff?q=960001").await["staff"][0]["id"], w.f2.id);
        assert_eq!(get_json(&w.c_api, "/api/v1/staff?q=gus%40example").await["total"], 1);
        // Sorted and paged.
        let all = get_json(&w.c_api, "/api/v1/staff?sort=role").await;
        assert_eq!(all["total"], 3);
        assert_eq!(all["staff"][0]["role"], "coordinator");
        let second = get_json(&w.c_api, "/api/v1/staff?limit=1&offset=1").await;
        assert_eq!((second["total"].as_i64(), second["staff"].as_array().map(Vec::len)), (Some(3), Some(1)));
        assert_eq!(second["staff"][0]["id"], w.f1.id, "Fern, after the coordinator by name: {second}");
        w.c_api.get("/api/v1/staff?sort=age").await.expect_invalid_fields(&["sort"]);
        w.f1_api.get("/api/v1/staff").await.expect(403);

        // The pages: the list links each person; their page names their groups.
        let list = w.cb.get("/staff?q=fern").await;
        list.expect(200).expect_contains(&format!("href=\"/staff/{}\"", w.f1.id)).expect_contains("07700 900555").expect_contains("1 group");
        assert!(!list.text.contains("Gus Facilitator"), "only Fern matches");
        let page = w.cb.get(&format!("/staff/{}", w.f1.id)).await;
        page.expect(200)
            .expect_contains("Groups they facilitate")
            .expect_contains(&format!("href=\"/groups/{}\"", w.group_a))
            .expect_contains("tel:07700 900555")
            .expect_contains("Last signed in");
        assert!(!page.text.contains(&format!("href=\"/groups/{}\"", w.group_b)), "Fern does not run group B");
        w.f1b.get(&format!("/staff/{}", w.f1.id)).await.expect(403);
        w.cb.get("/staff/999999").await.expect(404);
        // A group's page says how to reach its facilitators.
        w.cb.get(&format!("/groups/{}", w.group_a)).await.expect(200).expect_contains("tel:07700 900555");
    }
}

both_backends! {
    async fn a_facilitator_is_added_to_a_group_by_searching_for_them_and_taken_off_by_name(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        for n in 1..=13 {
            w.cb.post_form("/staff", &[("name", &format!("Helper {n}")), ("email", &format!("helper{n}@example.org")), ("role", "facilitator")]).await.expect(200);
        }
        let helpers = get_json(&w.c_api, "/api/v1/staff?q=helper&limit=100").await;
        let seven = helpers["staff"].as_array().unwrap().iter().find(|s| s["name"] == "Helper 7").expect("Helper 7")["id"].as_i64().unwrap();
        // Too many to list: the page asks for a name rather than listing everyone.
        let page = w.cb.get(&format!("/groups/{g}")).await;
        page.expect(200).expect_contains("Find them by name, email or phone");
        assert!(!page.text.contains("Add Helper 7"), "nobody is listed before a search");
        // Searching finds the one meant, with their email to tell namesakes apart.
        let found = w.cb.get(&format!("/groups/{g}?find=helper7%40")).await;
        found.expect(200).expect_contains("Add Helper 7").expect_contains("helper7@example.org");
        assert!(!found.text.contains("Add Helper 1<"), "only Helper 7 matches");
        // Someone already on the group is not offered again.
        assert!(!w.cb.get(&format!("/groups/{g}?find=fern")).await.text.contains("Add Fern"));
        // Adding keeps who was there.
        w.cb.post_form(&format!("/groups/{g}/facilitators"), &[("facilitator", &w.f1.id.to_string()), ("facilitator", &seven.to_string())]).await.expect(303);
        let shown = get_json(&w.c_api, &format!("/api/v1/groups/{g}")).await;
        assert_eq!(shown["facilitators"].as_array().map(Vec::len), Some(2), "{shown}");
        // Each facilitator has a button of their own, which sends everyone else.
        let page = w.cb.get(&format!("/groups/{g}")).await;
        page.expect(200).expect_contains("Take Helper 7 off this group").expect_contains("Take Fern Facilitator off this group");
        // Helper 7 now says they run one group.
        assert_eq!(get_json(&w.c_api, "/api/v1/staff?q=helper7%40").await["staff"][0]["groups"], serde_json::json!([g]));
    }
}

both_backends! {
    async fn venues_are_searched_sorted_with_numbers_as_numbers_and_paged(app: TestApp) {
        let w = World::build(&app).await;
        for (name, step_free) in [("Room 20", "no"), ("Room 3", "partly"), ("Room 100", "fully"), ("Library", "no")] {
            w.c_api.post("/api/v1/venues", &serde_json::json!({"name": name, "step_free": step_free})).await.expect(201);
        }
        let names = |v: &Value| -> Vec<String> { v["venues"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect() };
        let rooms = get_json(&w.c_api, "/api/v1/venues?q=room").await;
        assert_eq!(names(&rooms), ["Room 3", "Room 20", "Room 100"]);
        assert_eq!(rooms["total"], 3);
        assert_eq!(names(&get_json(&w.c_api, "/api/v1/venues?q=room&sort=access").await), ["Room 100", "Room 3", "Room 20"]);
        let page2 = get_json(&w.c_api, "/api/v1/venues?q=room&limit=2&offset=2").await;
        assert_eq!((names(&page2), page2["total"].as_i64()), (vec!["Room 100".to_string()], Some(3)));
        w.c_api.get("/api/v1/venues?sort=size").await.expect_invalid_fields(&["sort"]);
        w.c_api.get("/api/v1/venues?limit=9999").await.expect_invalid_fields(&["limit"]);
        // The page: searched, and a page at a time.
        let page = w.f1b.get("/venues?q=library").await;
        page.expect(200).expect_contains("Library").expect_contains("Showing 1 to 1 of 1");
        assert!(!page.text.contains("Room 20"));
        let paged = w.cb.get("/venues?limit=2&page=2").await;
        paged.expect(200).expect_contains("Page 2 of 3").expect_contains("rel=\"prev\"");
        w.cb.get("/venues?sort=size").await.expect(422).expect_contains("Choose how to sort");
    }
}

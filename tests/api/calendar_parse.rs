//! Calendar files and feeds (iCalendar, RFC 5545) as a calendar app reads them: every file the
//! app serves here is parsed by an independent reader, Debian's python3-icalendar running
//! `ics_check.py`, which refuses anything it cannot parse or that lacks a required property,
//! and reports each event's times in UTC. The tests check what a calendar app would show: the
//! local time of a meeting on either side of the clock changes, a moved or cancelled meeting
//! or social event updating the entry already there (same UID, higher SEQUENCE), what a
//! member's feed leaves out, feed addresses that stop working, and text that comes back
//! exactly as it was typed (escaping and line folding).
//!
//! When /usr/bin/python3 cannot import icalendar these tests are skipped with a notice, or fail
//! when HEARTH_TEST_STRICT is set.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{days_from_now, plan};

// --- the independent parser ---------------------------------------------------------------

/// Debian's interpreter, which has python3-icalendar (the one first on PATH may not).
const PYTHON: &str = "/usr/bin/python3";
const SCRIPT: &str = include_str!("ics_check.py");

/// One VEVENT as the parser read it; times are ISO 8601 in UTC (`2027-01-12T19:00:00Z`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Event {
    uid: String,
    dtstart: String,
    dtend: String,
    sequence: i64,
    status: Option<String>,
    summary: String,
    location: Option<String>,
    description: Option<String>,
    url: Option<String>,
}

impl Event {
    /// The same event without its URL (what a member's copy should be).
    fn without_url(&self) -> Event {
        Event {
            url: None,
            ..self.clone()
        }
    }
}

static AVAILABLE: OnceLock<bool> = OnceLock::new();
static SKIP_NOTICE: std::sync::Once = std::sync::Once::new();

fn strict() -> bool {
    std::env::var("HEARTH_TEST_STRICT").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The parser, once it is known to be installed.
#[derive(Clone, Copy)]
struct Ics;

impl Ics {
    /// None (after a notice, once) when /usr/bin/python3 cannot import icalendar and the run
    /// is not strict; a strict run panics instead.
    fn get() -> Option<Ics> {
        let available = *AVAILABLE.get_or_init(|| {
            Command::new(PYTHON)
                .args(["-c", "import icalendar"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        if available {
            return Some(Ics);
        }
        if strict() {
            panic!(
                "{PYTHON} cannot import icalendar and HEARTH_TEST_STRICT is set: the calendar tests need Debian's python3-icalendar (apt install python3-icalendar)"
            );
        }
        SKIP_NOTICE.call_once(|| {
            // Straight to the process's stderr, past the test harness's capture.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: calendar tests need Debian's python3-icalendar (apt install python3-icalendar)"
            );
        });
        None
    }

    /// Parses a calendar; panics with the parser's reasons and the file when it is refused.
    async fn parse(self, body: &str) -> Vec<Event> {
        let input = body.to_string();
        let out = tokio::task::spawn_blocking(move || {
            let mut child = Command::new(PYTHON)
                .args(["-c", SCRIPT])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("start {PYTHON} with ics_check.py: {e}"));
            // The script reads all of its input before it writes anything: no deadlock.
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("write the calendar to the parser");
            child.wait_with_output().expect("run the parser")
        })
        .await
        .expect("the parser's thread");
        assert!(
            out.status.success(),
            "the calendar parser refused the file ({}):\n{}\n--- the file ---\n{body}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "the parser's output is not a list of events ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// GETs a calendar (200, text/calendar) and parses it; returns the raw text too.
    async fn fetch(self, b: &Browser, path: &str) -> (Vec<Event>, String) {
        let res = b.get(path).await;
        res.expect(200);
        let ct = res.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("text/calendar"),
            "GET {path}: Content-Type {ct:?}, not text/calendar"
        );
        (self.parse(&res.text).await, res.text)
    }

    /// A single event's file: exactly one event, offered as `NAME.ics` to save.
    async fn file(self, b: &Browser, path: &str, filename: &str) -> Event {
        let res = b.get(path).await;
        res.expect(200);
        let disposition = res.header("content-disposition").unwrap_or_default();
        assert!(
            disposition.starts_with("attachment")
                && disposition.contains(&format!("filename=\"{filename}\"")),
            "GET {path}: Content-Disposition {disposition:?}, expected an attachment named {filename}"
        );
        let (events, _) = self.fetch(b, path).await;
        assert_eq!(
            events.len(),
            1,
            "GET {path}: one event in a file: {events:#?}"
        );
        events.into_iter().next().expect("one event")
    }
}

// --- helpers --------------------------------------------------------------------------------

/// The host part of every UID (the app's public address without the scheme).
fn host(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

fn meeting_uid(app: &TestApp, id: i64) -> String {
    format!("meeting-{id}@{}", host(app))
}

fn social_uid(app: &TestApp, id: i64) -> String {
    format!("social-{id}@{}", host(app))
}

/// The event with this UID, which must be there.
#[track_caller]
fn find<'a>(events: &'a [Event], uid: &str) -> &'a Event {
    events.iter().find(|e| e.uid == uid).unwrap_or_else(|| {
        let uids: Vec<&str> = events.iter().map(|e| e.uid.as_str()).collect();
        panic!("no event {uid} in the calendar; it has {uids:?}")
    })
}

#[track_caller]
fn lacks(events: &[Event], uid: &str) {
    assert!(
        events.iter().all(|e| e.uid != uid),
        "{uid} must not be in the calendar: {events:#?}"
    );
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// An RFC 3339 time as the parser writes UTC times.
fn as_utc(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("{rfc3339:?} is not RFC 3339: {e}"))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A UTC time plus some minutes, as the parser writes UTC times.
fn plus_minutes(utc: &str, minutes: i64) -> String {
    let t: jiff::Timestamp = utc.parse().expect("a UTC time");
    (t + jiff::SignedDuration::from_mins(minutes))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Plans a meeting with every field given; returns the meeting as answered.
async fn plan_with(api: &Api, group: i64, body: &Value) -> Value {
    let res = api
        .post(&format!("/api/v1/groups/{group}/meetings"), body)
        .await;
    res.expect(201);
    res.json()
}

async fn new_venue(api: &Api, name: &str, address: &str) -> i64 {
    let res = api
        .post("/api/v1/venues", &json!({"name": name, "address": address}))
        .await;
    res.expect(201);
    id_of(&res.json())
}

/// Plans a social event through the API; returns it as answered.
async fn social(api: &Api, group: i64, body: &Value) -> Value {
    let res = api
        .post(&format!("/api/v1/groups/{group}/social-events"), body)
        .await;
    res.expect(201);
    res.json()
}

async fn patch(api: &Api, path: &str, body: &Value) -> Value {
    let res = api.patch(path, body).await;
    res.expect(200);
    res.json()
}

/// A member's personal link, issued through the API; returns its path (/m/TOKEN).
async fn member_link(app: &TestApp, api: &Api, member: i64) -> String {
    let res = api
        .post(&format!("/api/v1/members/{member}/link"), &json!({}))
        .await;
    res.expect(201);
    let url = res.json()["url"].as_str().expect("url").to_string();
    let path = url
        .strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("link {url} is not on {}", app.base));
    assert!(path.starts_with("/m/"), "{path}");
    path.to_string()
}

/// The feed address on a "link shown" page, as a path (/calendar/TOKEN.ics).
fn feed_path(app: &TestApp, res: &Resp) -> String {
    res.expect(200);
    let link = html::secret_link(&res.text).expect("the feed address is shown");
    let path = link
        .strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("feed address {link} is not on {}", app.base));
    assert!(
        path.starts_with("/calendar/") && path.ends_with(".ics") && path.len() > 40,
        "a long secret feed address: {path}"
    );
    path.to_string()
}

/// A new (replacing) feed address for the group, made by staff from the form.
async fn group_feed(app: &TestApp, b: &Browser, group: i64) -> String {
    let res = b
        .post_form(&format!("/groups/{group}/calendar-feed"), &[])
        .await;
    feed_path(app, &res)
}

/// A new (replacing) feed address made by the member from their personal link.
async fn member_feed(app: &TestApp, link: &str) -> String {
    let b = app.browser();
    b.csrf_from(link).await;
    let res = b.post_form(&format!("{link}/calendar-feed"), &[]).await;
    feed_path(app, &res)
}

/// Escapes text as RFC 5545 3.3.11 says, written again here to check the raw file.
fn escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The raw file's content lines, unfolded (RFC 5545 3.1).
fn unfolded(raw: &str) -> Vec<String> {
    raw.replace("\r\n ", "")
        .replace("\r\n\t", "")
        .split("\r\n")
        .map(str::to_string)
        .collect()
}

/// Asserts that the raw file has this exact content line (after unfolding).
#[track_caller]
fn has_line(raw: &str, line: &str) {
    assert!(
        unfolded(raw).iter().any(|l| l == line),
        "the file has no content line {line:?}:\n{raw}"
    );
}

// --- 1. a meeting's file ------------------------------------------------------------------------

both_backends! {
    async fn a_meetings_file_has_its_local_time_in_utc_the_group_and_the_venue(app: TestApp) {
        let Some(ics) = Ics::get() else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        // Winter (GMT, UTC+0) at the group's usual venue, which has no address.
        let winter = plan(&w.f1_api, g, "2027-01-12", "19:00").await;
        // Summer (BST, UTC+1) at a venue with an address over two lines.
        let orchard = new_venue(&w.c_api, "Orchard Room", "3 Mill Lane\nKettleby").await;
        let summer = plan_with(
            &w.f1_api,
            g,
            &json!({"date": "2027-06-08", "start_time": "7:30 pm", "duration_minutes": 120, "venue_id": orchard}),
        )
        .await;
        let cases = [
            (id_of(&winter), "2027-01-12T19:00:00Z", "2027-01-12T20:30:00Z", VENUE.to_string(), &winter),
            (id_of(&summer), "2027-06-08T18:30:00Z", "2027-06-08T20:30:00Z", "Orchard Room, 3 Mill Lane, Kettleby".to_string(), &summer),
        ];
        let link = member_link(&app, &w.f1_api, w.member_a).await;
        let feed = group_feed(&app, &w.f1b, g).await;
        let (feed_events, _) = ics.fetch(&app.browser(), &feed).await;
        for (id, start, end, location, api) in cases {
            // The API's time with its offset is the same instant.
            assert_eq!(as_utc(api["starts_at"].as_str().expect("starts_at")), start, "{api}");

            let staff = ics.file(&w.f1b, &format!("/meetings/{id}/calendar.ics"), &format!("meeting-{id}.ics")).await;
            assert_eq!(staff.uid, meeting_uid(&app, id));
            assert_eq!(staff.dtstart, start, "meeting {id}: DTSTART");
            assert_eq!(staff.dtend, end, "meeting {id}: DTEND");
            assert!(staff.summary.contains(GROUP_A), "the summary names the group: {staff:?}");
            assert_eq!(staff.location.as_deref(), Some(location.as_str()), "meeting {id}: LOCATION");
            assert_eq!(staff.status.as_deref(), Some("CONFIRMED"));
            assert_eq!(staff.url, Some(format!("{}/meetings/{id}", app.base)), "staff get a link to the meeting's page");

            // From the member's link: the same event, with no link to a staff page.
            let member = ics.file(&app.browser(), &format!("{link}/meetings/{id}/calendar.ics"), &format!("meeting-{id}.ics")).await;
            assert_eq!(member, staff.without_url(), "the member's file is the staff file without the URL");

            // And the group's feed has the very same event.
            assert_eq!(find(&feed_events, &staff.uid), &staff, "the feed's copy of meeting {id} differs from its file");
        }
        assert_eq!(feed_events.len(), 2, "{feed_events:#?}");

        // Only staff of the group, or a member of it, get the file.
        let winter_id = id_of(&winter);
        app.browser().get(&format!("/meetings/{winter_id}/calendar.ics")).await.expect_signin_redirect();
        w.f2b.get(&format!("/meetings/{winter_id}/calendar.ics")).await.expect(404);
        let link_b = member_link(&app, &w.f2_api, w.member_b).await;
        app.browser().get(&format!("{link_b}/meetings/{winter_id}/calendar.ics")).await.expect(404);
        app.browser().get(&format!("/m/{}/meetings/{winter_id}/calendar.ics", "0".repeat(43))).await.expect(404);
    }
}

// --- 2. moved and cancelled meetings ------------------------------------------------------------

both_backends! {
    async fn a_moved_or_cancelled_meeting_updates_the_same_calendar_entry(app: TestApp) {
        let Some(ics) = Ics::get() else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        let id = id_of(&plan(&w.f1_api, g, "2027-02-09", "19:00").await);
        let link = member_link(&app, &w.f1_api, w.member_a).await;
        let feed = group_feed(&app, &w.f1b, g).await;
        let staff_path = format!("/meetings/{id}/calendar.ics");
        let member_path = format!("{link}/meetings/{id}/calendar.ics");
        let name = format!("meeting-{id}.ics");
        let member = app.browser();

        let before = ics.file(&w.f1b, &staff_path, &name).await;
        assert_eq!(before.uid, meeting_uid(&app, id));
        assert_eq!(before.dtstart, "2027-02-09T19:00:00Z");
        assert_eq!(before.status.as_deref(), Some("CONFIRMED"));

        // Moved a week on and half an hour earlier (still winter), then into summer time.
        patch(&w.f1_api, &format!("/api/v1/meetings/{id}"), &json!({"date": "2027-02-16", "start_time": "18:30"})).await;
        let moved = ics.file(&w.f1b, &staff_path, &name).await;
        assert_eq!(moved.uid, before.uid, "a moved meeting keeps its UID");
        assert!(moved.sequence > before.sequence, "SEQUENCE goes up when a meeting moves: {} then {}", before.sequence, moved.sequence);
        assert_eq!(moved.dtstart, "2027-02-16T18:30:00Z");
        assert_eq!(moved.dtend, "2027-02-16T20:00:00Z");
        assert_eq!(moved.status.as_deref(), Some("CONFIRMED"));
        assert_eq!(ics.file(&member, &member_path, &name).await, moved.without_url(), "the member's file of the moved meeting");
        assert_eq!(find(&ics.fetch(&member, &feed).await.0, &before.uid), &moved, "the feed's copy of the moved meeting differs from its file");

        patch(&w.f1_api, &format!("/api/v1/meetings/{id}"), &json!({"date": "2027-04-06"})).await;
        let summer = ics.file(&w.f1b, &staff_path, &name).await;
        assert_eq!(summer.uid, before.uid);
        assert!(summer.sequence > moved.sequence, "SEQUENCE goes up again: {} then {}", moved.sequence, summer.sequence);
        assert_eq!(summer.dtstart, "2027-04-06T17:30:00Z", "18:30 in British Summer Time");

        // Cancelled: the same entry, marked cancelled, with the reason, and still in the feed.
        patch(&w.f1_api, &format!("/api/v1/meetings/{id}"), &json!({"status": "cancelled", "cancel_reason": "The hall is being rewired"})).await;
        let cancelled = ics.file(&w.f1b, &staff_path, &name).await;
        assert_eq!(cancelled.uid, before.uid, "a cancelled meeting keeps its UID");
        assert!(cancelled.sequence > summer.sequence, "SEQUENCE goes up when a meeting is cancelled: {} then {}", summer.sequence, cancelled.sequence);
        assert_eq!(cancelled.status.as_deref(), Some("CANCELLED"));
        assert_eq!(cancelled.dtstart, summer.dtstart);
        assert!(
            cancelled.description.as_deref().is_some_and(|d| d.contains("The hall is being rewired")),
            "the reason is in the description: {cancelled:?}"
        );
        assert_eq!(ics.file(&member, &member_path, &name).await, cancelled.without_url());
        let (events, _) = ics.fetch(&member, &feed).await;
        assert_eq!(find(&events, &before.uid), &cancelled, "the feed keeps the cancelled meeting so calendar apps remove it");
        assert_eq!(events.len(), 1);
    }
}

// --- 3. a series across the clock changes in the feed --------------------------------------------

both_backends! {
    async fn a_monthly_series_in_the_feed_stays_at_seven_pm_local_across_both_clock_changes(app: TestApp) {
        let Some(ics) = Ics::get() else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        // The second Tuesday of each month, October to April: the clocks go back on the last
        // Sunday of October and forward on the last Sunday of March, so the second Tuesday is
        // in summer time (UTC+1) in October and April and in winter time (UTC) between. This
        // year's October is always inside the feed's three months back, or still to come.
        let year = jiff::ZonedDateTime::now().year();
        let expected_owned: Vec<(String, String)> = (0..7)
            .map(|i| {
                let (y, month) = if i < 3 { (year, 10 + i) } else { (year + 1, i - 2) };
                let d = jiff::civil::date(y, month as i8, 1)
                    .nth_weekday_of_month(2, jiff::civil::Weekday::Tuesday)
                    .expect("second Tuesday");
                let hour = if month == 10 || month == 4 { 18 } else { 19 };
                (d.to_string(), format!("{d}T{hour}:00:00Z"))
            })
            .collect();
        let expected: Vec<(&str, &str)> =
            expected_owned.iter().map(|(d, u)| (d.as_str(), u.as_str())).collect();
        let body = w
            .f1_api
            .post(&format!("/api/v1/groups/{g}/series"), &json!({"first_date": expected[0].0, "start_time": "19:00", "rrule": "FREQ=MONTHLY;BYDAY=2TU;COUNT=7"}))
            .await
            .expect(201)
            .json();
        let meetings = body["meetings"].as_array().expect("meetings").clone();
        let dates: Vec<&str> = meetings.iter().map(|m| m["date"].as_str().unwrap_or("")).collect();
        assert_eq!(dates, expected.iter().map(|(d, _)| *d).collect::<Vec<_>>(), "the series' dates");

        // Outside the feed's three months back, and just inside them.
        let old = id_of(&plan(&w.f1_api, g, &days_from_now(-100), "19:00").await);
        let recent = id_of(&plan(&w.f1_api, g, &days_from_now(-80), "19:00").await);

        let feed = group_feed(&app, &w.f1b, g).await;
        let (events, _) = ics.fetch(&app.browser(), &feed).await;
        let window = jiff::Timestamp::now().as_second() - 92 * 86_400;
        let (mut summer, mut winter) = (0, 0);
        for (m, &(date, utc)) in meetings.iter().zip(expected.iter()) {
            let id = id_of(m);
            let starts = m["starts_at"].as_str().expect("starts_at");
            assert_eq!(as_utc(starts), utc, "the API's time of {date}");
            if starts.parse::<jiff::Timestamp>().expect("time").as_second() <= window {
                lacks(&events, &meeting_uid(&app, id));
                continue;
            }
            let e = find(&events, &meeting_uid(&app, id));
            assert_eq!(e.dtstart, utc, "the meeting on {date} is at 19:00 local time");
            assert_eq!(e.dtend, plus_minutes(utc, 90), "the meeting on {date} lasts the group's usual 90 minutes");
            assert_eq!(e.location.as_deref(), Some(VENUE), "the meeting on {date}: LOCATION");
            assert_eq!(e.url, Some(format!("{}/meetings/{id}", app.base)));
            if utc.contains("T18:00") { summer += 1 } else { winter += 1 }
        }
        assert!(summer > 0 && winter > 0, "the feed has meetings on both sides of a clock change ({summer} in summer time, {winter} in winter time)");
        lacks(&events, &meeting_uid(&app, old));
        find(&events, &meeting_uid(&app, recent));
        assert_eq!(events.len(), summer + winter + 1, "{events:#?}");
        // Soonest first, as the meetings list shows them.
        let starts: Vec<&str> = events.iter().map(|e| e.dtstart.as_str()).collect();
        let mut sorted = starts.clone();
        sorted.sort_unstable();
        assert_eq!(starts, sorted);
    }
}

// --- 4. social events in the feeds ----------------------------------------------------------------

both_backends! {
    async fn social_events_are_in_the_group_and_member_feeds_and_member_copies_link_to_no_staff_page(app: TestApp) {
        let Some(ics) = Ics::get() else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        let walk = id_of(&social(&w.f1_api, g, &json!({
            "title": "Walk round the lake",
            "date": "2027-05-15",
            "start_time": "10:30",
            "place": "Lakeside car park, Kettleby",
            "details": "Bring boots and a flask.",
            "accessibility": "Flat path; benches every 200 m",
        })).await);
        let curry = id_of(&social(&w.f1_api, g, &json!({
            "title": "Curry night",
            "date": "2027-01-23",
            "start_time": "19:30",
            "place": "Spice Route, upstairs room",
            "details": "",
            "accessibility": "Stairs only; no lift",
        })).await);
        let meeting = id_of(&plan(&w.f1_api, g, "2027-01-12", "19:00").await);
        // Another group's event, which must show in neither feed.
        let picnic = id_of(&social(&w.f2_api, w.group_b, &json!({"title": "Birch picnic", "date": "2027-06-05", "start_time": "12:00", "place": "The green", "details": "", "accessibility": ""})).await);

        let link = member_link(&app, &w.f1_api, w.member_a).await;
        let staff_feed = group_feed(&app, &w.f1b, g).await;
        let members_feed = member_feed(&app, &link).await;
        assert_ne!(staff_feed, members_feed);
        let anyone = app.browser();

        let (events, _) = ics.fetch(&anyone, &staff_feed).await;
        let e = find(&events, &social_uid(&app, walk));
        assert_eq!(e.summary, "Walk round the lake");
        assert_eq!(e.dtstart, "2027-05-15T09:30:00Z", "10:30 in British Summer Time");
        assert_eq!(e.dtend, "2027-05-15T11:30:00Z", "two hours unless said otherwise");
        assert_eq!(e.location.as_deref(), Some("Lakeside car park, Kettleby"));
        assert_eq!(e.description.as_deref(), Some("Bring boots and a flask.\n\nGetting there and access: Flat path; benches every 200 m"));
        assert_eq!(e.status.as_deref(), Some("CONFIRMED"));
        assert_eq!(e.url, Some(format!("{}/social/{walk}", app.base)));
        let c = find(&events, &social_uid(&app, curry));
        assert_eq!(c.dtstart, "2027-01-23T19:30:00Z");
        assert_eq!(c.location.as_deref(), Some("Spice Route, upstairs room"));
        assert!(c.description.as_deref().is_some_and(|d| d.contains("Stairs only; no lift")), "the access notes are in the description: {c:?}");
        find(&events, &meeting_uid(&app, meeting));
        lacks(&events, &social_uid(&app, picnic));
        assert!(events.iter().all(|e| e.summary != "Birch picnic"));
        assert_eq!(events.len(), 3, "{events:#?}");

        // The member's feed: the same events, none with a link to a staff page.
        let (mine, raw) = ics.fetch(&anyone, &members_feed).await;
        assert_eq!(mine.len(), events.len(), "{mine:#?}");
        for e in &events {
            assert_eq!(find(&mine, &e.uid), &e.without_url(), "the member's copy of {}", e.uid);
        }
        assert!(mine.iter().all(|e| e.url.is_none()), "a member's feed has no URLs: {mine:#?}");
        assert!(!raw.contains("/meetings/") && !raw.contains("/social/"), "a member's feed mentions no staff page:\n{raw}");

        // The event's own files: staff with the link to its page, the member's without.
        let name = format!("social-{walk}.ics");
        let staff_file = ics.file(&w.f1b, &format!("/social/{walk}/calendar.ics"), &name).await;
        assert_eq!(&staff_file, find(&events, &social_uid(&app, walk)));
        let member_file = ics.file(&anyone, &format!("{link}/social/{walk}/calendar.ics"), &name).await;
        assert_eq!(member_file, staff_file.without_url());
        app.browser().get(&format!("/social/{walk}/calendar.ics")).await.expect_signin_redirect();
        w.f2b.get(&format!("/social/{walk}/calendar.ics")).await.expect(404);
        let link_b = member_link(&app, &w.f2_api, w.member_b).await;
        anyone.get(&format!("{link_b}/social/{walk}/calendar.ics")).await.expect(404);

        // Moved: the same entry, a higher SEQUENCE, the new time, in both feeds.
        patch(&w.f1_api, &format!("/api/v1/social-events/{walk}"), &json!({"date": "2027-05-22", "start_time": "11:00"})).await;
        // Cancelled: STATUS:CANCELLED, a higher SEQUENCE, still there.
        patch(&w.f1_api, &format!("/api/v1/social-events/{curry}"), &json!({"status": "cancelled"})).await;
        for (path, staff) in [(&staff_feed, true), (&members_feed, false)] {
            let (after, _) = ics.fetch(&anyone, path).await;
            let moved = find(&after, &social_uid(&app, walk));
            let before = find(&events, &social_uid(&app, walk));
            assert!(moved.sequence > before.sequence, "SEQUENCE goes up when an event moves: {} then {}", before.sequence, moved.sequence);
            assert_eq!(moved.dtstart, "2027-05-22T10:00:00Z");
            assert_eq!(moved.dtend, "2027-05-22T12:00:00Z");
            assert_eq!(moved.status.as_deref(), Some("CONFIRMED"));
            assert_eq!(moved.url.is_some(), staff, "{moved:?}");
            let cancelled = find(&after, &social_uid(&app, curry));
            let before = find(&events, &social_uid(&app, curry));
            assert_eq!(cancelled.status.as_deref(), Some("CANCELLED"));
            assert!(cancelled.sequence > before.sequence, "SEQUENCE goes up when an event is cancelled: {} then {}", before.sequence, cancelled.sequence);
            assert_eq!(cancelled.dtstart, before.dtstart);
            assert_eq!(after.len(), 3);
        }
        let member_file = ics.file(&anyone, &format!("{link}/social/{curry}/calendar.ics"), &format!("social-{curry}.ics")).await;
        assert_eq!(member_file.status.as_deref(), Some("CANCELLED"));
    }
}

// --- 5. feed addresses that stop working, and text that comes back as typed -----------------------

both_backends! {
    async fn replaced_or_turned_off_feed_addresses_are_not_found(app: TestApp) {
        let Some(ics) = Ics::get() else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        let anyone = app.browser();
        let id = id_of(&plan(&w.f1_api, g, "2027-01-12", "19:00").await);

        let first = group_feed(&app, &w.f1b, g).await;
        find(&ics.fetch(&anyone, &first).await.0, &meeting_uid(&app, id));
        let second = group_feed(&app, &w.f1b, g).await;
        assert_ne!(first, second);
        anyone.get(&first).await.expect(404);
        find(&ics.fetch(&anyone, &second).await.0, &meeting_uid(&app, id));

        // The member's own feed is separate: replacing it stops only the older one.
        let link = member_link(&app, &w.f1_api, w.member_a).await;
        let mine = member_feed(&app, &link).await;
        let mine_again = member_feed(&app, &link).await;
        anyone.get(&mine).await.expect(404);
        ics.fetch(&anyone, &mine_again).await;
        ics.fetch(&anyone, &second).await;

        // Turned off from the meetings page.
        w.f1b
            .post_form(&format!("/groups/{g}/calendar-feed"), &[("do", "revoke")])
            .await
            .expect_redirect(&format!("/groups/{g}/meetings"));
        anyone.get(&second).await.expect(404);
        anyone.get(&first).await.expect(404);
        // The member's feed is theirs: still working.
        find(&ics.fetch(&anyone, &mine_again).await.0, &meeting_uid(&app, id));
        // A new group address works again.
        let third = group_feed(&app, &w.f1b, g).await;
        ics.fetch(&anyone, &third).await;

        // Made-up addresses, and staff of another group, get nothing.
        anyone.get(&format!("/calendar/{}.ics", "A".repeat(43))).await.expect(404);
        anyone.get("/calendar/.ics").await.expect(404);
        let res = w.f2b.post_form(&format!("/groups/{g}/calendar-feed"), &[]).await;
        assert!(html::secret_link(&res.text).is_none(), "staff of another group got a feed address: {}", res.status);
        ics.fetch(&anyone, &third).await;
    }
}

both_backends! {
    async fn commas_semicolons_newlines_and_long_non_ascii_text_come_back_exactly(app: TestApp) {
        let Some(ics) = Ics::get() else { return };
        let w = World::build(&app).await;
        let group_name = "Ashby, Ørsted; Ünïon — 北の会 🌳";
        let g = id_of(&w.c_api.post("/api/v1/groups", &json!({"name": group_name})).await.expect(201).json());
        let venue_name = "Salle Étoile; Café, upstairs";
        let venue = new_venue(&w.c_api, venue_name, "Flat 2, 14 Rue de l’Église\nSt. Héliers; Jersey").await;
        let topic = "Foot care, shoes; socks\nand what the podiatrist said";
        let meeting = id_of(&plan_with(&w.c_api, g, &json!({"date": "2027-03-09", "start_time": "19:00", "venue_id": venue, "topic": topic})).await);
        // 110 characters of one to four octets each: folded lines end inside no character.
        let title = "Großer Spaziergang über die Brücke, Café; Mañana — 散歩と昼食の会 🌳🚶‍♀️ ÆØÅ, Ελληνικά; «Ça va?» — ünïcödé all the way";
        assert!(title.chars().count() <= 120 && title.len() > 150, "{} characters, {} octets", title.chars().count(), title.len());
        let place = "Café Ünter den Linden, Hof 3; Eingang B";
        let details = "Line one, with commas; and semicolons.\nLine two: “quotes”, a colon: and a backslash \\ here.\n\nAfter a blank line — 100% ünïcödé ✓";
        let access = "Step-free; lift, ramp\nAsk for Ülla at the door, please.";
        let event = id_of(&social(&w.c_api, g, &json!({"title": title, "date": "2027-07-10", "start_time": "12:30", "place": place, "details": details, "accessibility": access})).await);
        let description = format!("{details}\n\nGetting there and access: {access}");

        let member = id_of(&w.c_api.post(&format!("/api/v1/groups/{g}/members"), &json!({"preferred_name": "Þórunn"})).await.expect(201).json());
        let link = member_link(&app, &w.c_api, member).await;
        let staff_feed = group_feed(&app, &w.cb, g).await;
        let members_feed = member_feed(&app, &link).await;
        let anyone = app.browser();
        let meeting_location = format!("{venue_name}, Flat 2, 14 Rue de l’Église, St. Héliers; Jersey");
        let meeting_summary = format!("{group_name} meeting");

        let check = |events: &[Event], raw: &str, what: &str| {
            let s = find(events, &social_uid(&app, event));
            assert_eq!(s.summary, title, "{what}: SUMMARY");
            assert_eq!(s.location.as_deref(), Some(place), "{what}: LOCATION");
            assert_eq!(s.description.as_deref(), Some(description.as_str()), "{what}: DESCRIPTION");
            assert_eq!(s.dtstart, "2027-07-10T11:30:00Z", "{what}: DTSTART");
            // Escaped in the file itself, not only read leniently.
            has_line(raw, &format!("SUMMARY:{}", escaped(title)));
            has_line(raw, &format!("LOCATION:{}", escaped(place)));
            has_line(raw, &format!("DESCRIPTION:{}", escaped(&description)));
            has_line(raw, &format!("X-WR-CALNAME:{}", escaped(group_name)));
            assert!(raw.contains("\r\n "), "{what}: long lines are folded:\n{raw}");
            assert!(raw.split("\r\n").all(|l| l.len() <= 75), "{what}: a line over 75 octets:\n{raw}");
            assert!(!raw.contains('\u{FFFD}'), "{what}: a fold split a character:\n{raw}");
        };
        let check_meeting = |events: &[Event], raw: &str, what: &str, cancelled: Option<&str>| {
            let m = find(events, &meeting_uid(&app, meeting));
            assert_eq!(m.summary, meeting_summary, "{what}: SUMMARY");
            assert_eq!(m.location.as_deref(), Some(meeting_location.as_str()), "{what}: LOCATION");
            let description = match cancelled {
                None => format!("Topic: {topic}"),
                Some(reason) => format!("Topic: {topic}\nCancelled: {reason}"),
            };
            assert_eq!(m.description.as_deref(), Some(description.as_str()), "{what}: DESCRIPTION");
            has_line(raw, &format!("SUMMARY:{}", escaped(&meeting_summary)));
            has_line(raw, &format!("LOCATION:{}", escaped(&meeting_location)));
            has_line(raw, &format!("DESCRIPTION:{}", escaped(&description)));
        };

        for (b, path, what) in [
            (&w.cb, format!("/social/{event}/calendar.ics"), "the staff file"),
            (&anyone, format!("{link}/social/{event}/calendar.ics"), "the member's file"),
            (&anyone, staff_feed.clone(), "the group feed"),
            (&anyone, members_feed.clone(), "the member's feed"),
        ] {
            let (events, raw) = ics.fetch(b, &path).await;
            check(&events, &raw, what);
        }
        for (b, path, what) in [
            (&w.cb, format!("/meetings/{meeting}/calendar.ics"), "the staff file"),
            (&anyone, format!("{link}/meetings/{meeting}/calendar.ics"), "the member's file"),
            (&anyone, staff_feed.clone(), "the group feed"),
            (&anyone, members_feed.clone(), "the member's feed"),
        ] {
            let (events, raw) = ics.fetch(b, &path).await;
            check_meeting(&events, &raw, what, None);
        }

        // A cancellation reason with the same punctuation.
        let reason = "Snow; the roads are closed, sorry — à bientôt";
        patch(&w.c_api, &format!("/api/v1/meetings/{meeting}"), &json!({"status": "cancelled", "cancel_reason": reason})).await;
        for (b, path, what) in [
            (&w.cb, format!("/meetings/{meeting}/calendar.ics"), "the staff file"),
            (&anyone, staff_feed.clone(), "the group feed"),
            (&anyone, members_feed.clone(), "the member's feed"),
        ] {
            let (events, raw) = ics.fetch(b, &path).await;
            check_meeting(&events, &raw, what, Some(reason));
        }
    }
}

both_backends! {
    async fn a_members_feed_leaves_out_what_they_said_they_cannot_come_to(app: TestApp) {
        // Issue 16: a member who answered "I cannot come" had the event in their own calendar
        // as if they were going.
        let w = World::build(&app).await;
        let (g, a) = (w.group_a, w.member_a);
        let coming = crate::meetings::plan_id(&w.f1_api, g, &days_from_now(7)).await;
        let not = crate::meetings::plan_id(&w.f1_api, g, &days_from_now(14)).await;
        let event = |title: &'static str, days: i64| {
            let b = &w.f1b;
            async move {
                b.post_form(&format!("/groups/{g}/social"), &[
                    ("title", title), ("date", &days_from_now(days)), ("start_time", "12:00"),
                    ("duration_minutes", "120"), ("place", "The park"),
                ]).await.created_id("/social/")
            }
        };
        let picnic = event("Picnic in the park", 10).await;
        let quiz = event("Quiz night", 12).await;
        let link = crate::meetings::issue_link(&app, &w.f1b, a).await;
        let b = app.browser();
        b.csrf_from(&link).await;
        b.post_form(&format!("{link}/meetings/{not}"), &[("answer", "no")]).await.expect(303);
        b.post_form(&format!("{link}/social/{quiz}"), &[("answer", "no")]).await.expect(303);
        b.post_form(&format!("{link}/social/{picnic}"), &[("answer", "yes")]).await.expect(303);
        let feed = member_feed(&app, &link).await;
        let ics = app.browser().get(&feed).await;
        ics.expect(200).expect_contains("Picnic in the park").expect_lacks("Quiz night")
            .expect_contains(&format!("UID:meeting-{coming}@")).expect_lacks(&format!("UID:meeting-{not}@"));
        // The group's own feed still has everything.
        let group = group_feed(&app, &w.f1b, g).await;
        app.browser().get(&group).await.expect(200).expect_contains("Quiz night").expect_contains(&format!("UID:meeting-{not}@"));
        // Changing the answer puts it back.
        b.post_form(&format!("{link}/social/{quiz}"), &[("answer", "maybe")]).await.expect(303);
        app.browser().get(&feed).await.expect(200).expect_contains("Quiz night");
    }
}

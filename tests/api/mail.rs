//! Email through a real SMTP server (see `smtp.rs`): who gets each kind of message, what is in
//! it (plain text and HTML, a personal link that works), and the queue's promises: a reminder
//! due while no sender ran goes out once when one starts, two instances on one database send
//! each message once, and mail waits while the SMTP server is down and goes when it is back.
//!
//! The main app of each test has no SMTP server; the senders run in extra instances on the
//! same database, with a short tick, started and stopped as a restart would.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Api, Browser, GROUP_A, Instance, TestApp, VENUE, World};
use crate::smtp::{ParsedMail, SmtpServer};

/// How long anything a test waits for may take.
const DEADLINE: Duration = Duration::from_secs(15);

fn mail_config(smtp: &SmtpServer, tick_ms: u64) -> hearth::Config {
    hearth::Config {
        smtp_url: Some(smtp.url()),
        mail_from: "Hearth <hearth@example.org>".into(),
        mail_tick: Duration::from_millis(tick_ms),
        mail_retry_base: Duration::from_secs(1),
        ..Default::default()
    }
}

/// The same caller (same token) on another instance.
fn on(inst: &Instance, api: &Api) -> Api {
    Api::new(&inst.base, api.token.clone())
}

/// Checks again every 100 ms until `check` is Ok; panics after [`DEADLINE`] with what was
/// awaited and the last thing seen.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        match check().await {
            Ok(t) => return t,
            Err(seen) if Instant::now() > deadline => {
                panic!("waited {DEADLINE:?} for {what}; last seen: {seen}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Lets a sender tick several more times, so a message sent twice would have arrived.
async fn quiet() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

fn summary(mail: &[ParsedMail]) -> String {
    mail.iter()
        .map(|m| format!("{:?} -> {:?}", m.subject, m.rcpt_tos))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits until the server has received at least `n` messages.
async fn received(smtp: &SmtpServer, n: usize) -> Vec<ParsedMail> {
    eventually(&format!("{n} messages at the SMTP server"), async || {
        let mail = smtp.messages();
        if mail.len() >= n {
            Ok(mail)
        } else {
            Err(format!("{} messages: {}", mail.len(), summary(&mail)))
        }
    })
    .await
}

/// Asserts the server received exactly these (recipient, subject) pairs, each once; names
/// what is missing, doubled or unexpected.
#[track_caller]
fn assert_once_each(mail: &[ParsedMail], expected: &[(String, String)]) {
    let mut got: BTreeMap<(String, String), usize> = BTreeMap::new();
    for m in mail {
        *got.entry((m.recipient().to_string(), m.subject.clone()))
            .or_default() += 1;
    }
    let want: BTreeSet<(String, String)> = expected.iter().cloned().collect();
    assert_eq!(
        want.len(),
        expected.len(),
        "the test expects a message twice"
    );
    let missing: Vec<_> = want.iter().filter(|k| !got.contains_key(*k)).collect();
    let doubled: Vec<_> = got
        .iter()
        .filter(|(k, n)| want.contains(*k) && **n > 1)
        .collect();
    let unexpected: Vec<_> = got.iter().filter(|(k, _)| !want.contains(*k)).collect();
    assert!(
        missing.is_empty() && doubled.is_empty() && unexpected.is_empty(),
        "each message exactly once, of {} expected and {} received:\n missing {missing:?}\n more than once {doubled:?}\n unexpected {unexpected:?}",
        expected.len(),
        mail.len()
    );
}

fn each(recipients: &[&str], subject: &str) -> Vec<(String, String)> {
    recipients
        .iter()
        .map(|r| (r.to_string(), subject.to_string()))
        .collect()
}

/// The group's email log (GET /api/v1/groups/{id}/mail).
async fn mail_log(api: &Api, group: i64) -> Vec<Value> {
    api.get(&format!("/api/v1/groups/{group}/mail"))
        .await
        .expect(200)
        .json()["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn log_summary(log: &[Value]) -> String {
    log.iter()
        .map(|m| {
            format!(
                "{} {} {} attempts {} {:?}",
                m["recipient"], m["subject"], m["status"], m["attempts"], m["last_error"]
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits until the group's log holds exactly `n` messages, all sent.
async fn all_sent(api: &Api, group: i64, n: usize) -> Vec<Value> {
    eventually(&format!("{n} messages of group {group} sent"), async || {
        let log = mail_log(api, group).await;
        if log.len() == n && log.iter().all(|m| m["status"] == "sent") {
            Ok(log)
        } else {
            Err(format!("{} messages: {}", log.len(), log_summary(&log)))
        }
    })
    .await
}

/// A member made through the API; returns the id.
async fn member(api: &Api, group: i64, body: Value) -> i64 {
    api.post(&format!("/api/v1/groups/{group}/members"), &body)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("member id")
}

/// A member who uses email.
async fn email_member(api: &Api, group: i64, name: &str, email: &str) -> i64 {
    member(
        api,
        group,
        json!({"preferred_name": name, "email": email, "preferred_contact": "email"}),
    )
    .await
}

async fn timezone(api: &Api, group: i64) -> String {
    api.get(&format!("/api/v1/groups/{group}"))
        .await
        .expect(200)
        .json()["timezone"]
        .as_str()
        .expect("timezone")
        .to_string()
}

/// The local date and time (HH:MM) `minutes` from now in the time zone.
fn local_after(tz: &str, minutes: i64) -> (String, String) {
    let z = jiff::ZonedDateTime::now()
        .in_tz(tz)
        .expect("time zone")
        .checked_add(jiff::SignedDuration::from_mins(minutes))
        .expect("a time ahead");
    (z.date().to_string(), z.strftime("%H:%M").to_string())
}

/// "Tuesday 10 March 2026", as the messages write a date.
fn date_label(date: &str) -> String {
    date.parse::<jiff::civil::Date>()
        .expect("a date")
        .strftime("%A %-d %B %Y")
        .to_string()
}

/// Plans a meeting; returns its id.
async fn meeting(api: &Api, group: i64, date: &str, time: &str) -> i64 {
    api.post(
        &format!("/api/v1/groups/{group}/meetings"),
        &json!({"date": date, "start_time": time}),
    )
    .await
    .expect(201)
    .json()["id"]
        .as_i64()
        .expect("meeting id")
}

async fn set_reminder_hours(api: &Api, group: i64, hours: i64) {
    let g = api
        .patch(
            &format!("/api/v1/groups/{group}"),
            &json!({ "reminder_hours": hours }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(g["reminder_hours"], hours, "the group keeps reminder_hours");
}

/// Opens a poll with options on these dates and times; returns the poll's answer body.
async fn open_poll(api: &Api, group: i64, title: &str, options: &[(&str, &str)]) -> Value {
    let options: Vec<Value> = options
        .iter()
        .map(|(d, t)| json!({"date": d, "start_time": t}))
        .collect();
    api.post(
        &format!("/api/v1/groups/{group}/polls"),
        &json!({"title": title, "note": "Bring a friend if you like.", "options": options}),
    )
    .await
    .expect(201)
    .json()
}

/// The personal link (path only) in a message body, written for the instance at `base`.
#[track_caller]
fn personal_link(body: &str, base: &str) -> String {
    let prefix = format!("{base}/m/");
    let at = body
        .find(&prefix)
        .unwrap_or_else(|| panic!("no personal link {prefix}... in:\n{body}"));
    let token: String = body[at + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(token.len() >= 32, "a short token in {body}");
    format!("/m/{token}")
}

/// Checks the shape every message has: from the configured sender, to one member, plain text
/// and HTML alternatives greeting the member by name, and a personal link that opens their
/// page. Returns the link.
async fn check_letter(m: &ParsedMail, base: &str, name: &str) -> String {
    assert!(
        m.from.contains("hearth@example.org") && m.mail_from == "hearth@example.org",
        "sender: {m:?}"
    );
    assert!(m.to.contains(m.recipient()), "To header: {m:?}");
    assert_eq!(m.content_type, "multipart/alternative", "{m:?}");
    assert!(
        m.parts.iter().any(|p| p == "text/plain") && m.parts.iter().any(|p| p == "text/html"),
        "text and HTML parts: {:?}",
        m.parts
    );
    assert!(
        m.text.starts_with(&format!("Hello {name},")),
        "greeting: {}",
        m.text
    );
    assert!(
        m.html.contains(&format!("<p>Hello {name},</p>")),
        "HTML greeting: {}",
        m.html
    );
    assert!(m.text.contains(GROUP_A), "group name: {}", m.text);
    assert!(
        !m.text.contains("%%") && !m.html.contains("%%"),
        "placeholder left in {m:?}"
    );
    let link = personal_link(&m.text, base);
    assert!(
        m.html.contains(&format!("href=\"{base}{link}\"")),
        "the HTML links to the same personal page {link}: {}",
        m.html
    );
    Browser::new(base)
        .get(&link)
        .await
        .expect(200)
        .expect_contains(&format!("Hello, {name}"));
    link
}

both_backends! {
    async fn a_poll_invitation_reaches_only_members_who_use_email(app: TestApp) {
        let Some(smtp) = SmtpServer::start().await else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        let inst = app.instance_with(mail_config(&smtp, 200)).await;
        let api = on(&inst, &w.f1_api);
        // Who may and may not be emailed (the World's member of group A prefers the phone).
        let ann = email_member(&api, g, "Ann Ashdown", "ann@example.org").await;
        let bob = email_member(&api, g, "Bob Birtles", "bob@example.org").await;
        member(&api, g, json!({"preferred_name": "Cat Phone", "email": "cat@example.org", "preferred_contact": "phone"})).await;
        member(&api, g, json!({"preferred_name": "Dee Post", "preferred_contact": "post"})).await;
        member(&api, g, json!({"preferred_name": "Eve Left", "email": "eve@example.org", "preferred_contact": "email", "joined_on": "2024-01-10", "left_on": "2025-02-01"})).await;
        // Someone in another group hears nothing of group A's poll.
        email_member(&on(&inst, &w.f2_api), w.group_b, "Yan Other", "yan@example.org").await;

        let tz = timezone(&api, g).await;
        let (d1, _) = local_after(&tz, 7 * 24 * 60);
        let (d2, _) = local_after(&tz, 9 * 24 * 60);
        let title = "Spring social: which day suits?";
        let poll = open_poll(&api, g, title, &[(&d1, "18:30"), (&d2, "14:00")]).await;
        assert_eq!(poll["email"], json!({"configured": true, "queued": 2}), "{poll}");

        let log = all_sent(&api, g, 2).await;
        quiet().await;
        let mail = smtp.messages();
        assert_once_each(&mail, &each(&["ann@example.org", "bob@example.org"], title));
        let options = [
            format!("{} at 6:30 pm, {VENUE}", date_label(&d1)),
            format!("{} at 2:00 pm, {VENUE}", date_label(&d2)),
        ];
        let mut links = BTreeSet::new();
        for m in &mail {
            let name = if m.recipient() == "ann@example.org" { "Ann Ashdown" } else { "Bob Birtles" };
            for o in &options {
                assert!(m.text.contains(o.as_str()), "option {o:?} in the text:\n{}", m.text);
                assert!(m.html.contains(o.as_str()), "option {o:?} in the HTML:\n{}", m.html);
            }
            assert!(m.text.contains("Bring a friend if you like."), "{}", m.text);
            links.insert(check_letter(m, &inst.base, name).await);
        }
        assert_eq!(links.len(), 2, "each member gets a link of their own");
        // The links work on every instance: they are in the database, not in one server.
        for link in &links {
            Browser::new(&app.base).get(link).await.expect(200);
        }

        // The log shows both sent at the first attempt, to the right members.
        let mut logged: Vec<(String, i64)> = log
            .iter()
            .map(|m| {
                assert_eq!(m["status"], "sent", "{m}");
                assert_eq!(m["attempts"], 1, "{m}");
                assert_eq!(m["last_error"], "", "{m}");
                assert_eq!(m["subject"], title, "{m}");
                (m["recipient"].as_str().unwrap_or_default().to_string(), m["member_id"].as_i64().unwrap_or_default())
            })
            .collect();
        logged.sort();
        assert_eq!(logged, [("ann@example.org".to_string(), ann), ("bob@example.org".to_string(), bob)]);
        assert_eq!(mail_log(&on(&inst, &w.f2_api), w.group_b).await.len(), 0, "group B's log is empty");
        let body = api.get(&format!("/api/v1/groups/{g}/mail")).await.expect(200).json();
        assert_eq!(body["configured"], true);
        inst.stop().await;
    }
}

both_backends! {
    async fn a_due_reminder_goes_out_once_across_a_restart(app: TestApp) {
        let Some(smtp) = SmtpServer::start().await else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        // Everything is made on the main app, which sends no mail.
        let main = &w.f1_api;
        let who = ["ann@example.org", "bob@example.org", "cat@example.org"];
        for (name, email) in [("Ann Ashdown", who[0]), ("Bob Birtles", who[1]), ("Cat Carver", who[2])] {
            email_member(main, g, name, email).await;
        }
        set_reminder_hours(main, g, 48).await;
        let tz = timezone(main, g).await;
        let (date, time) = local_after(&tz, 60);
        meeting(main, g, &date, &time).await;
        assert!(mail_log(main, g).await.is_empty(), "nothing is queued without a sender");

        // A sender starts: the reminder is due already (the meeting is within 48 hours).
        let first = app.instance_with(mail_config(&smtp, 200)).await;
        let subject = format!("Reminder: meeting on {}", date_label(&date));
        let mail = received(&smtp, 3).await;
        all_sent(main, g, 3).await;
        assert_once_each(&mail, &each(&who, &subject));
        let m = &mail[0];
        assert!(m.text.contains(&format!("A reminder: the group meets on {}", date_label(&date))), "{}", m.text);
        assert!(m.text.contains(VENUE), "{}", m.text);
        let link = personal_link(&m.text, &first.base);
        assert!(m.text.contains(&format!("{}{link}/meetings/", first.base)), "a calendar link: {}", m.text);
        first.stop().await;

        // Restarted: the meeting is still within its reminder window, but nobody is reminded
        // twice. A poll invitation queued through the new instance proves its sender has run
        // (each tick looks for due reminders before sending).
        let second = app.instance_with(mail_config(&smtp, 200)).await;
        let title = "After the restart";
        let poll = open_poll(&on(&second, main), g, title, &[(&local_after(&tz, 8 * 24 * 60).0, "19:00")]).await;
        assert_eq!(poll["email"]["queued"], 3, "{poll}");
        received(&smtp, 6).await;
        all_sent(main, g, 6).await;
        quiet().await;
        let mut expected = each(&who, &subject);
        expected.extend(each(&who, title));
        assert_once_each(&smtp.messages(), &expected);
        second.stop().await;
    }
}

both_backends! {
    async fn reminders_that_came_due_while_no_sender_ran_go_out_once_it_starts(app: TestApp) {
        let Some(smtp) = SmtpServer::start().await else { return };
        let w = World::build(&app).await;
        let (g, gb) = (w.group_a, w.group_b);
        let main = &w.f1_api;
        let main_b = &w.f2_api;
        let ann = email_member(main, g, "Ann Ashdown", "ann@example.org").await;
        email_member(main, g, "Bob Birtles", "bob@example.org").await;
        let cat = email_member(main, g, "Cat Carver", "cat@example.org").await;
        email_member(main_b, gb, "Yan Other", "yan@example.org").await;
        // Group A is reminded 3 hours ahead; group B not at all.
        set_reminder_hours(main, g, 3).await;
        set_reminder_hours(main_b, gb, 0).await;
        let tz = timezone(main, g).await;
        // Five hours ahead: not due yet with a 3-hour window (it would be with the default 48).
        let (late_date, late_time) = local_after(&tz, 5 * 60);
        meeting(main, g, &late_date, &late_time).await;

        // A sender runs while nothing is due, then stops as in a crash.
        let first = app.instance_with(mail_config(&smtp, 200)).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        first.stop().await;
        assert!(mail_log(main, g).await.is_empty(), "nothing was due: {:?}", mail_log(main, g).await);

        // While no sender runs, a meeting in an hour is planned: its reminder is due at once.
        let (date, time) = local_after(&tz, 60);
        let soon = meeting(main, g, &date, &time).await;
        // Cat has said she cannot come: she is not reminded.
        main.put(&format!("/api/v1/meetings/{soon}/rsvps"), &json!({"member_id": cat, "answer": "no"}))
            .await
            .expect(200);
        let (bd, bt) = local_after(&tz, 60);
        meeting(main_b, gb, &bd, &bt).await;

        let second = app.instance_with(mail_config(&smtp, 200)).await;
        let subject = format!("Reminder: meeting on {}", date_label(&date));
        received(&smtp, 2).await;
        let log = all_sent(main, g, 2).await;
        quiet().await;
        // The tick that queued these looked at every meeting: none other was due.
        let mail = smtp.messages();
        assert_once_each(&mail, &each(&["ann@example.org", "bob@example.org"], &subject));
        assert!(
            mail.iter().all(|m| m.text.contains(&format!("A reminder: the group meets on {}", date_label(&date)))),
            "{}",
            summary(&mail)
        );
        assert!(log.iter().any(|m| m["member_id"] == ann));
        assert!(mail_log(main_b, gb).await.is_empty(), "group B has reminders turned off");
        second.stop().await;
    }
}

both_backends! {
    async fn two_instances_on_one_database_send_each_message_once(app: TestApp) {
        let Some(smtp) = SmtpServer::start().await else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        let main = &w.f1_api;
        let who: Vec<String> = (0..12).map(|i| format!("member{i}@example.org")).collect();
        for (i, email) in who.iter().enumerate() {
            email_member(main, g, &format!("Member {i}"), email).await;
        }
        // Four meetings on four dates, all within a 96-hour reminder window: 48 reminders
        // come due at once when the senders start.
        set_reminder_hours(main, g, 96).await;
        let tz = timezone(main, g).await;
        let mut subjects = Vec::new();
        for minutes in [60, 25 * 60, 49 * 60, 73 * 60] {
            let (date, time) = local_after(&tz, minutes);
            meeting(main, g, &date, &time).await;
            subjects.push(format!("Reminder: meeting on {}", date_label(&date)));
        }
        let config = mail_config(&smtp, 100);
        let (a, b) = tokio::join!(app.instance_with(config.clone()), app.instance_with(config));
        // And a poll invitation to everyone, queued while both send.
        let title = "Two senders, one queue";
        let poll = open_poll(&on(&a, main), g, title, &[(&local_after(&tz, 10 * 24 * 60).0, "19:00")]).await;
        assert_eq!(poll["email"]["queued"], 12, "{poll}");
        subjects.push(title.to_string());

        let total = who.len() * subjects.len();
        let log = all_sent(main, g, total).await;
        received(&smtp, total).await;
        quiet().await;
        let recipients: Vec<&str> = who.iter().map(String::as_str).collect();
        let expected: Vec<(String, String)> = subjects.iter().flat_map(|s| each(&recipients, s)).collect();
        assert_once_each(&smtp.messages(), &expected);
        // Each job was taken once: the attempt that sent it.
        for m in &log {
            assert_eq!(m["attempts"], 1, "a job taken twice: {m}");
        }
        a.stop().await;
        b.stop().await;
    }
}

both_backends! {
    async fn mail_waits_while_the_smtp_server_is_down_and_goes_once_when_it_is_back(app: TestApp) {
        let Some(mut smtp) = SmtpServer::start().await else { return };
        smtp.stop();
        let w = World::build(&app).await;
        let g = w.group_a;
        let inst = app.instance_with(mail_config(&smtp, 200)).await;
        let api = on(&inst, &w.f1_api);
        let who = ["ann@example.org", "bob@example.org"];
        email_member(&api, g, "Ann Ashdown", who[0]).await;
        email_member(&api, g, "Bob Birtles", who[1]).await;
        let tz = timezone(&api, g).await;
        let title = "While the mail server was down";
        let poll = open_poll(&api, g, title, &[(&local_after(&tz, 8 * 24 * 60).0, "19:00")]).await;
        assert_eq!(poll["email"], json!({"configured": true, "queued": 2}), "{poll}");

        // Tried, refused, and waiting to be tried again, with the reason shown.
        eventually("both messages tried and waiting", async || {
            let log = mail_log(&api, g).await;
            let waiting = log.len() == 2
                && log.iter().all(|m| {
                    m["status"] == "pending"
                        && m["attempts"].as_i64().unwrap_or(0) >= 1
                        && m["last_error"].as_str().is_some_and(|e| !e.is_empty())
                });
            if waiting { Ok(()) } else { Err(log_summary(&log)) }
        })
        .await;
        assert!(smtp.messages().is_empty());

        smtp.restart().await;
        let log = all_sent(&api, g, 2).await;
        for m in &log {
            assert!(m["attempts"].as_i64().unwrap_or(0) >= 2, "sent at a later attempt: {m}");
            assert_eq!(m["last_error"], "", "the error is cleared once sent: {m}");
        }
        quiet().await;
        let mail = smtp.messages();
        assert_once_each(&mail, &each(&who, title));
        check_letter(&mail[0], &inst.base, if mail[0].recipient() == who[0] { "Ann Ashdown" } else { "Bob Birtles" }).await;
        inst.stop().await;
    }
}

both_backends! {
    async fn moved_and_cancelled_notices_reach_members_who_use_email(app: TestApp) {
        let Some(smtp) = SmtpServer::start().await else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        let inst = app.instance_with(mail_config(&smtp, 200)).await;
        let api = on(&inst, &w.f1_api);
        let who = ["ann@example.org", "bob@example.org"];
        email_member(&api, g, "Ann Ashdown", who[0]).await;
        email_member(&api, g, "Bob Birtles", who[1]).await;
        let tz = timezone(&api, g).await;
        // Ten days ahead: well outside the 48-hour reminder window.
        let (date, _) = local_after(&tz, 10 * 24 * 60);
        let id = meeting(&api, g, &date, "19:00").await;

        // A new topic alone is no news.
        api.patch(&format!("/api/v1/meetings/{id}"), &json!({"topic": "Sleeping well"})).await.expect(200);
        // Moved two days later and to 6 pm.
        let (new_date, _) = local_after(&tz, 12 * 24 * 60);
        let m = api
            .patch(&format!("/api/v1/meetings/{id}"), &json!({"date": new_date, "start_time": "18:00"}))
            .await
            .expect(200)
            .json();
        assert_eq!(m["date"], new_date.as_str());
        let moved = format!("Meeting moved: now {}", date_label(&new_date));
        let mail = received(&smtp, 2).await;
        assert_once_each(&mail, &each(&who, &moved));
        let words = format!("It is now on {}, 6:00 pm to 7:30 pm, at {VENUE}", date_label(&new_date));
        for m in &mail {
            assert!(m.text.contains(&words), "{words:?} in:\n{}", m.text);
            assert!(m.html.contains(&words), "{words:?} in:\n{}", m.html);
            assert!(!m.text.contains(&date_label(&date)), "the old date is not the news: {}", m.text);
        }
        check_letter(&mail[0], &inst.base, if mail[0].recipient() == who[0] { "Ann Ashdown" } else { "Bob Birtles" }).await;

        // Cancelled, with the reason.
        api.patch(
            &format!("/api/v1/meetings/{id}"),
            &json!({"status": "cancelled", "cancel_reason": "The hall is flooded"}),
        )
        .await
        .expect(200);
        let cancelled = format!("Cancelled: the meeting on {}", date_label(&new_date));
        received(&smtp, 4).await;
        all_sent(&api, g, 4).await;
        quiet().await;
        let mut expected = each(&who, &moved);
        expected.extend(each(&who, &cancelled));
        let mail = smtp.messages();
        assert_once_each(&mail, &expected);
        for m in mail.iter().filter(|m| m.subject == cancelled) {
            assert!(m.text.contains(&format!("The meeting on {}, 6:00 pm is cancelled.", date_label(&new_date))), "{}", m.text);
            assert!(m.text.contains("The reason: The hall is flooded."), "{}", m.text);
            assert!(m.html.contains("The reason: The hall is flooded."), "{}", m.html);
        }
        inst.stop().await;
    }
}

both_backends! {
    async fn poll_reminders_skip_those_who_answered_and_closing_the_poll_invites_everyone(app: TestApp) {
        let Some(smtp) = SmtpServer::start().await else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        let inst = app.instance_with(mail_config(&smtp, 200)).await;
        let api = on(&inst, &w.f1_api);
        let who = ["ann@example.org", "bob@example.org", "cat@example.org"];
        let ann = email_member(&api, g, "Ann Ashdown", who[0]).await;
        email_member(&api, g, "Bob Birtles", who[1]).await;
        email_member(&api, g, "Cat Carver", who[2]).await;
        let tz = timezone(&api, g).await;
        let (d1, _) = local_after(&tz, 7 * 24 * 60);
        let (d2, _) = local_after(&tz, 8 * 24 * 60);
        let title = "Summer meeting";
        let poll = open_poll(&api, g, title, &[(&d1, "18:30"), (&d2, "10:00")]).await;
        assert_eq!(poll["email"]["queued"], 3, "{poll}");
        let pid = poll["id"].as_i64().expect("poll id");
        let opts: Vec<i64> = poll["options"].as_array().expect("options").iter().map(|o| o["option"]["id"].as_i64().expect("option id")).collect();
        assert_eq!(opts.len(), 2, "{poll}");

        // Ann answers (by phone); the reminder goes to the other two, once a day.
        api.post(
            &format!("/api/v1/polls/{pid}/answers"),
            &json!({"member_id": ann, "answers": {opts[0].to_string(): "yes", opts[1].to_string(): "no"}}),
        )
        .await
        .expect(200);
        let r = api.post(&format!("/api/v1/polls/{pid}/remind"), &json!({})).await.expect(200).json();
        assert_eq!(r["email"], json!({"configured": true, "queued": 2}), "{r}");
        let r = api.post(&format!("/api/v1/polls/{pid}/remind"), &json!({})).await.expect(200).json();
        assert_eq!(r["email"]["queued"], 0, "reminded again the same day: {r}");

        // Closing on the first option plans the meeting and invites everyone who uses email.
        let closed = api
            .post(&format!("/api/v1/polls/{pid}/close"), &json!({"option_id": opts[0]}))
            .await
            .expect(201)
            .json();
        assert_eq!(closed["email"], json!({"configured": true, "queued": 3}), "{closed}");
        let mid = closed["meeting"]["id"].as_i64().expect("meeting id");
        let again = api.post(&format!("/api/v1/meetings/{mid}/invite"), &json!({})).await.expect(200).json();
        assert_eq!(again["email"]["queued"], 0, "invited twice: {again}");

        let invitation = format!("Next meeting: {}", date_label(&d1));
        let reminder = format!("Reminder: {title}");
        all_sent(&api, g, 8).await;
        received(&smtp, 8).await;
        quiet().await;
        let mail = smtp.messages();
        let mut expected = each(&who, title);
        expected.extend(each(&who[1..], &reminder));
        expected.extend(each(&who, &invitation));
        assert_once_each(&mail, &expected);
        for m in &mail {
            if m.subject == reminder {
                assert!(m.text.contains(&format!("A gentle reminder: we have not heard from you yet about \"{title}\"")), "{}", m.text);
            }
            if m.subject == invitation {
                assert!(m.text.contains(&format!("The next meeting of the group is on {}, 6:30 pm", date_label(&d1))), "{}", m.text);
                let link = personal_link(&m.text, &inst.base);
                assert!(m.text.contains(&format!("{}{link}/meetings/{mid}/calendar.ics", inst.base)), "{}", m.text);
            }
        }
        inst.stop().await;
    }
}

both_backends! {
    async fn without_an_smtp_server_nothing_is_queued_and_the_api_says_so(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let api = &w.f1_api;
        email_member(api, g, "Ann Ashdown", "ann@example.org").await;
        let off = json!({"configured": false, "queued": 0});
        let tz = timezone(api, g).await;
        let (d1, _) = local_after(&tz, 7 * 24 * 60);
        let poll = open_poll(api, g, "No mail here", &[(&d1, "18:30")]).await;
        assert_eq!(poll["email"], off, "{poll}");
        let pid = poll["id"].as_i64().expect("poll id");
        let r = api.post(&format!("/api/v1/polls/{pid}/remind"), &json!({})).await.expect(200).json();
        assert_eq!(r["email"], off, "{r}");
        let option = poll["options"][0]["option"]["id"].as_i64().expect("option id");
        let closed = api.post(&format!("/api/v1/polls/{pid}/close"), &json!({"option_id": option})).await.expect(201).json();
        assert_eq!(closed["email"], off, "{closed}");
        let mid = closed["meeting"]["id"].as_i64().expect("meeting id");
        let r = api.post(&format!("/api/v1/meetings/{mid}/invite"), &json!({})).await.expect(200).json();
        assert_eq!(r["email"], off, "{r}");
        // Moving and cancelling a future meeting queue nothing either.
        let (d2, _) = local_after(&tz, 9 * 24 * 60);
        api.patch(&format!("/api/v1/meetings/{mid}"), &json!({"date": d2})).await.expect(200);
        api.patch(&format!("/api/v1/meetings/{mid}"), &json!({"status": "cancelled", "cancel_reason": "No hall"})).await.expect(200);
        let body = api.get(&format!("/api/v1/groups/{g}/mail")).await.expect(200).json();
        assert_eq!(body["configured"], false, "{body}");
        assert_eq!(body["messages"], json!([]), "{body}");
    }
}

both_backends! {
    async fn a_poll_title_cannot_add_headers_or_recipients(app: TestApp) {
        let Some(smtp) = SmtpServer::start().await else { return };
        let w = World::build(&app).await;
        let g = w.group_a;
        let inst = app.instance_with(mail_config(&smtp, 200)).await;
        let api = on(&inst, &w.f1_api);
        email_member(&api, g, "Ann Ashdown", "ann@example.org").await;
        let tz = timezone(&api, g).await;
        let (d1, _) = local_after(&tz, 7 * 24 * 60);
        let poll = open_poll(&api, g, "Hello\r\nBcc: eve@example.org\r\nX-Injected: yes", &[(&d1, "19:00")]).await;
        assert_eq!(poll["email"]["queued"], 1, "{poll}");
        all_sent(&api, g, 1).await;
        let mail = received(&smtp, 1).await;
        let m = &mail[0];
        assert_eq!(m.rcpt_tos, ["ann@example.org"], "{m:?}");
        assert!(
            !m.headers.iter().any(|h| h.eq_ignore_ascii_case("bcc") || h.eq_ignore_ascii_case("x-injected")),
            "headers: {:?}",
            m.headers
        );
        assert_eq!(m.headers.iter().filter(|h| h.eq_ignore_ascii_case("subject")).count(), 1, "{:?}", m.headers);
        inst.stop().await;
    }
}

// Each notice's dedupe key is the meeting's id with its start (and venue), so a change back
// to a state the meeting was once in counts as "sent already" (src/mail.rs: meeting_moved's
// "moved:{id}:{starts_at}:{venue}", meeting_invitation's "invite:{id}:{starts_at}").
// (It failed before the keys carried the meeting's version.)
async fn every_change_members_need_to_hear_about_is_announced(app: TestApp) {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let w = World::build(&app).await;
    let g = w.group_a;
    let inst = app.instance_with(mail_config(&smtp, 200)).await;
    let api = on(&inst, &w.f1_api);
    email_member(&api, g, "Ann Ashdown", "ann@example.org").await;
    let tz = timezone(&api, g).await;
    let (d1, _) = local_after(&tz, 10 * 24 * 60);
    let (d2, _) = local_after(&tz, 12 * 24 * 60);
    let id = meeting(&api, g, &d1, "19:00").await;
    // Moved to d2, back to d1, and to d2 again: the last time Ann heard, it was on d1.
    for (n, date) in [&d2, &d1, &d2].into_iter().enumerate() {
        api.patch(&format!("/api/v1/meetings/{id}"), &json!({ "date": date }))
            .await
            .expect(200);
        let mail = received(&smtp, n + 1).await;
        assert_eq!(
            mail[n].subject,
            format!("Meeting moved: now {}", date_label(date))
        );
    }
    // Invited, cancelled, planned again and invited again: she must hear it is back on.
    let r = api
        .post(&format!("/api/v1/meetings/{id}/invite"), &json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(r["email"]["queued"], 1, "{r}");
    api.patch(
        &format!("/api/v1/meetings/{id}"),
        &json!({"status": "cancelled", "cancel_reason": "No hall"}),
    )
    .await
    .expect(200);
    received(&smtp, 5).await;
    api.patch(
        &format!("/api/v1/meetings/{id}"),
        &json!({"status": "planned"}),
    )
    .await
    .expect(200);
    let r = api
        .post(&format!("/api/v1/meetings/{id}/invite"), &json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(
        r["email"]["queued"], 1,
        "the new invitation after the cancellation: {r}"
    );
    received(&smtp, 6).await;
    inst.stop().await;
}

mod every_change_members_need_to_hear_about_is_announced {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        crate::helpers::run(
            crate::helpers::Backend::Sqlite,
            super::every_change_members_need_to_hear_about_is_announced,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        crate::helpers::run(
            crate::helpers::Backend::Postgres,
            super::every_change_members_need_to_hear_about_is_announced,
        )
        .await;
    }
}

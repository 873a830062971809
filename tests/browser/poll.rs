//! An availability poll from start to finish: a facilitator (at desktop width) offers three
//! dates, three members answer from their personal links on a phone (390 px wide, each with
//! the browser's cookies cleared first, as on their own phones), the facilitator reads the
//! results grid, closes the poll on the date that suits everyone who answered, lands on the new
//! meeting, and the group's calendar feed carries that meeting at the right time in UTC. Every
//! poll page, member page and the meeting page is checked with axe-core, for other hosts, the
//! console and its width.

use jiff::civil::Date;
use serde_json::{Value, json};

use crate::harness::{Browser, run};

const PHONE_WIDTH: u32 = 390;
const PHONE_HEIGHT: u32 = 844;
const DESKTOP_WIDTH: u32 = 1280;
const DESKTOP_HEIGHT: u32 = 900;

const COORDINATOR: &str = "Grace Hopper";
const COORDINATOR_EMAIL: &str = "grace@example.org";
const COORDINATOR_PASSWORD: &str = "a long enough password";
const FACILITATOR: &str = "Margaret Hamilton";
const FACILITATOR_EMAIL: &str = "margaret@example.org";
const FACILITATOR_PASSWORD: &str = "another long enough password";

const GROUP: &str = "Thursday Friends";
const VENUE: &str = "St Anne's Community Centre";
const OTHER_VENUE: &str = "Hexley Library Meeting Room";
const TIMEZONE: &str = "Europe/London";
const QUESTION: &str = "Which Thursday suits for our next meeting?";
const NOTE: &str = "The library room has a hearing loop.";

/// One date offered in the poll.
struct Offer {
    date: Date,
    /// As typed into the form.
    time: &'static str,
    hour: i8,
    minute: i8,
    /// As the app says it.
    time_words: &'static str,
    venue: &'static str,
}

impl Offer {
    /// "Tuesday 12 January 2027 at 2:00 pm, St Anne's Community Centre"
    fn label(&self) -> String {
        format!(
            "{} at {}, {}",
            self.date.strftime("%A %-d %B %Y"),
            self.time_words,
            self.venue
        )
    }
    /// "Tue 12 Jan 2:00 pm" (the heading is on two lines: date, then time)
    fn short_label(&self) -> String {
        format!("{} {}", self.date.strftime("%a %-d %b"), self.time_words)
    }
    /// The start as an iCalendar UTC time: "20270112T140000Z".
    fn utc(&self) -> String {
        self.date
            .at(self.hour, self.minute, 0, 0)
            .in_tz(TIMEZONE)
            .expect("a time in the group's zone")
            .timestamp()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string()
    }
}

/// The id at the end of a path like /groups/12.
fn id_in(path: &str, prefix: &str) -> i64 {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("expected a page under {prefix}, got {path}"))
}

/// Finds a field by its id, which may hold dots (`options.0.date`), so `#id` will not do.
async fn field(b: &Browser, id: &str) -> fantoccini::elements::Element {
    b.find(&format!("[id='{id}']")).await
}

/// Types into a field whose id holds dots.
async fn type_into(b: &Browser, id: &str, value: &str) {
    let f = field(b, id).await;
    f.clear().await.expect("clear the field");
    f.send_keys(value).await.expect("type into the field");
}

/// Sets a date field as a date picker would (typing depends on the browser's locale).
async fn pick_date(b: &Browser, id: &str, date: Date) {
    field(b, id).await;
    b.client
        .execute(
            "var e = document.getElementById(arguments[0]); e.value = arguments[1]; \
             e.dispatchEvent(new Event('input', { bubbles: true })); \
             e.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![json!(id), json!(date.to_string())],
        )
        .await
        .unwrap_or_else(|e| panic!("could not set #{id}: {e}"));
}

/// Chooses an option of a select whose id holds dots, by the option's text.
async fn select_text(b: &Browser, id: &str, text: &str) {
    b.find_xpath(&format!(
        "//select[@id='{id}']/option[normalize-space()=\"{text}\"]"
    ))
    .await
    .click()
    .await
    .unwrap_or_else(|e| panic!("could not choose {text} in #{id}: {e}"));
}

/// The path of the one-time link shown on the page (a personal link, a password link).
async fn shown_link(b: &Browser) -> String {
    let link = shown_address(b).await;
    link.strip_prefix(&b.base)
        .unwrap_or_else(|| panic!("the link {link} is not on {}", b.base))
        .to_string()
}

/// The whole address shown on a link page.
async fn shown_address(b: &Browser) -> String {
    b.find("#secret-link")
        .await
        .prop("value")
        .await
        .expect("read the link")
        .expect("the link has a value")
}

async fn sign_in_as(b: &Browser, email: &str, password: &str) {
    b.client
        .goto(&b.url("/signin"))
        .await
        .expect("open /signin");
    b.fill("email", email).await;
    b.fill("password", password).await;
    b.press("Sign in").await;
    b.expect_path("/").await;
}

/// Adds a member through the form; returns their id.
async fn add_member(b: &Browser, group: i64, fields: &[(&str, &str)]) -> i64 {
    b.client
        .goto(&b.url(&format!("/groups/{group}/members/new")))
        .await
        .expect("open the member form");
    for (id, value) in fields {
        b.fill(id, value).await;
    }
    b.press("Add this member").await;
    id_in(&b.path().await, "/members/")
}

/// Checks the page and looks at it at 320 px and 1280 px.
async fn look_desktop(b: &mut Browser, label: &str, screenshot: &str) {
    b.check(label).await;
    b.look_at(screenshot).await;
}

/// Checks the page and looks at it on the phone; the page must still be 390 px wide after.
async fn look_phone(b: &mut Browser, label: &str, screenshot: &str) {
    b.check(label).await;
    b.look_at_widths(screenshot, &[PHONE_WIDTH]).await;
    assert_eq!(
        b.layout_width().await,
        i64::from(PHONE_WIDTH),
        "the page should still be laid out {PHONE_WIDTH} px wide after looking at {label}"
    );
}

/// The poll grid's cells, row by row (header, body and footer), as the page shows them.
async fn grid(b: &Browser, css: &str) -> Vec<Vec<String>> {
    let rows = b
        .client
        .execute(
            "var t = document.querySelector(arguments[0]); if (!t) { return null; } \
             return Array.prototype.map.call(t.querySelectorAll('tr'), function (tr) { \
               return Array.prototype.map.call(tr.children, function (c) { \
                 return c.innerText.replace(/\\s+/g, ' ').trim(); }); });",
            vec![json!(css)],
        )
        .await
        .expect("read the grid");
    assert!(!rows.is_null(), "no {css} on {}", b.path().await);
    serde_json::from_value(rows).expect("the grid as rows of text")
}

/// The options' ids on the member page, in order, read from the poll's fieldsets.
async fn option_ids(b: &Browser, poll: i64) -> Vec<i64> {
    let ids = b
        .client
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll(arguments[0]), \
               function (f) { return f.id; });",
            vec![json!(format!("#poll-{poll} fieldset.answer-choice"))],
        )
        .await
        .expect("read the options");
    ids.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|id| id_in(id, "answers."))
        .collect()
}

/// The value of the checked radio button with this name, if any.
async fn checked_value(b: &Browser, name: &str) -> Option<String> {
    b.client
        .execute(
            "var e = document.querySelector('input[name=\"' + arguments[0] + '\"]:checked, input[name$=\".' + arguments[0] + '\"]:checked'); \
             return e ? e.value : null;",
            vec![json!(name)],
        )
        .await
        .expect("read a radio group")
        .as_str()
        .map(str::to_string)
}

/// A member of the group and what they answer for each of the three dates.
struct Answerer {
    name: &'static str,
    id: i64,
    link: String,
    answers: [&'static str; 3],
    comment: &'static str,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_poll_answered_on_phones() {
    run("poll", availability_poll).await;
}

async fn availability_poll(mut b: Browser) {
    let today = jiff::ZonedDateTime::now()
        .in_tz(TIMEZONE)
        .expect("the Europe/London time zone")
        .date();
    // Thursdays from three weeks ahead (the group meets on Thursdays).
    let mut first = today
        .checked_add(jiff::Span::new().days(21))
        .expect("three weeks ahead");
    while first.weekday() != jiff::civil::Weekday::Thursday {
        first = first.tomorrow().expect("the next day");
    }
    let week = |n: i64| {
        first
            .checked_add(jiff::Span::new().days(7 * n))
            .expect("a Thursday ahead")
    };
    // Three dates; the second, in the other venue, is the only one nobody says no to.
    let offers = [
        Offer {
            date: week(0),
            time: "14:00",
            hour: 14,
            minute: 0,
            time_words: "2:00 pm",
            venue: VENUE,
        },
        Offer {
            date: week(1),
            time: "6:30 pm",
            hour: 18,
            minute: 30,
            time_words: "6:30 pm",
            venue: OTHER_VENUE,
        },
        Offer {
            date: week(2),
            time: "10:15",
            hour: 10,
            minute: 15,
            time_words: "10:15 am",
            venue: VENUE,
        },
    ];

    // ---- The coordinator sets up: two venues, a group, four members, a facilitator. ----
    b.client.goto(&b.url("/")).await.expect("open /");
    b.expect_path("/setup").await;
    b.fill("name", COORDINATOR).await;
    b.fill("email", COORDINATOR_EMAIL).await;
    b.fill("password", COORDINATOR_PASSWORD).await;
    b.fill("password_confirm", COORDINATOR_PASSWORD).await;
    b.press("Create my account").await;
    b.expect_path("/").await;

    let mut venue_id = 0;
    for (name, address) in [
        (VENUE, "14 Mill Lane\nHexley\nHX2 4PL"),
        (OTHER_VENUE, "2 Market Street\nHexley\nHX1 1AA"),
    ] {
        b.client
            .goto(&b.url("/venues/new"))
            .await
            .expect("open the venue form");
        b.fill("name", name).await;
        b.fill("address", address).await;
        b.choose("step_free", "fully").await;
        b.press("Add the venue").await;
        if name == VENUE {
            venue_id = id_in(&b.path().await, "/venues/");
        }
    }

    b.client
        .goto(&b.url("/groups/new"))
        .await
        .expect("open the group form");
    b.fill("name", GROUP).await;
    b.select("usual_venue_id", &venue_id.to_string()).await;
    b.press("Add the group").await;
    let group = id_in(&b.path().await, "/groups/");

    let ada = add_member(
        &b,
        group,
        &[
            ("preferred_name", "Ada"),
            ("full_name", "Ada Lovelace"),
            ("email", "ada@example.org"),
        ],
    )
    .await;
    let barbara = add_member(
        &b,
        group,
        &[("preferred_name", "Barbara"), ("phone", "01632 960111")],
    )
    .await;
    let charles = add_member(
        &b,
        group,
        &[
            ("preferred_name", "Charles"),
            ("full_name", "Charles Babbage"),
            ("email", "charles@example.org"),
        ],
    )
    .await;
    // Dorothy does not answer.
    add_member(&b, group, &[("preferred_name", "Dorothy")]).await;

    b.client.goto(&b.url("/staff")).await.expect("open /staff");
    b.fill("name", FACILITATOR).await;
    b.fill("email", FACILITATOR_EMAIL).await;
    b.press("Add this person").await;
    let password_link = shown_link(&b).await;
    b.client
        .goto(&b.url(&format!("/groups/{group}")))
        .await
        .expect("open the group page");
    b.press(&format!("Add {FACILITATOR}")).await;
    b.press_sign_out_if_signed_in().await;
    b.client
        .goto(&b.url(&password_link))
        .await
        .expect("open the password link");
    b.fill("password", FACILITATOR_PASSWORD).await;
    b.fill("password_confirm", FACILITATOR_PASSWORD).await;
    b.press("Save my password").await;
    b.expect_path("/").await;
    b.expect_text("Hello, Margaret").await;

    // ---- The facilitator makes personal links for the three who will answer. ----
    let mut answerers = [
        Answerer {
            name: "Ada",
            id: ada,
            link: String::new(),
            answers: ["yes", "yes", "no"],
            comment: "",
        },
        Answerer {
            name: "Barbara",
            id: barbara,
            link: String::new(),
            answers: ["no", "if_need_be", "yes"],
            comment: "",
        },
        Answerer {
            name: "Charles",
            id: charles,
            link: String::new(),
            answers: ["yes", "yes", "if_need_be"],
            comment: "Evenings are best for me",
        },
    ];
    for a in &mut answerers {
        b.client
            .goto(&b.url(&format!("/members/{}", a.id)))
            .await
            .expect("open the member's page");
        b.press("Make a personal link").await;
        a.link = shown_link(&b).await;
        assert!(a.link.starts_with("/m/"), "unexpected link {}", a.link);
    }

    // ---- The facilitator opens the poll from the group page. ----
    b.client
        .goto(&b.url(&format!("/groups/{group}")))
        .await
        .expect("open the group page");
    let ask = b
        .find_xpath("//a[normalize-space()='Ask the group when suits']")
        .await;
    b.click_and_wait(ask).await;
    b.expect_path(&format!("/groups/{group}/polls/new")).await;
    look_desktop(&mut b, "poll form", "poll-form").await;
    let rows = b
        .client
        .execute(
            "return document.querySelectorAll('fieldset.poll-option').length;",
            vec![],
        )
        .await
        .expect("count the option rows");
    assert_eq!(
        rows,
        json!(4),
        "the poll form should offer four option rows"
    );
    for row in 0..4 {
        let chosen = field(&b, &format!("options.{row}.venue_id"))
            .await
            .prop("value")
            .await
            .expect("read the venue")
            .unwrap_or_default();
        assert_eq!(
            chosen,
            venue_id.to_string(),
            "option {row} should start at the group's usual venue"
        );
    }
    type_into(&b, "title", QUESTION).await;
    for (row, offer) in offers.iter().enumerate() {
        pick_date(&b, &format!("options.{row}.date"), offer.date).await;
        type_into(&b, &format!("options.{row}.start_time"), offer.time).await;
        select_text(&b, &format!("options.{row}.venue_id"), offer.venue).await;
    }
    b.fill("note", NOTE).await;
    b.click_label("show_answers").await;
    b.press("Open the poll").await;
    let poll = id_in(&b.path().await, "/polls/");
    b.expect_text("The poll is open").await;
    b.expect_text(QUESTION).await;
    b.expect_text("0 members have answered; 4 have not yet")
        .await;
    b.expect_text("Members can see each other's answers").await;
    look_desktop(&mut b, "poll results, no answers yet", "poll-results-empty").await;
    let empty = grid(&b, "table.poll-grid").await;
    let heads: Vec<String> = std::iter::once("Member".to_string())
        .chain(
            offers
                .iter()
                .map(|o| format!("{} {}", o.short_label(), o.venue)),
        )
        .collect();
    assert_eq!(empty[0], heads, "the grid's column headings");
    // No option is preselected before anyone answers.
    assert_eq!(checked_value(&b, "option_id").await, None);

    // ---- Each member answers on their own phone. ----
    b.client
        .delete_all_cookies()
        .await
        .expect("clear the cookies");
    let mut options: Vec<i64> = Vec::new();
    for (i, a) in answerers.iter().enumerate() {
        b.client
            .delete_all_cookies()
            .await
            .expect("clear the cookies");
        b.client
            .goto(&b.url(&a.link))
            .await
            .expect("open the personal link");
        if i == 0 {
            b.set_viewport(PHONE_WIDTH, PHONE_HEIGHT).await;
        }
        let who = a.name.to_lowercase();
        look_phone(
            &mut b,
            &format!("{}'s page with the poll", a.name),
            &format!("poll-member-{who}"),
        )
        .await;
        b.expect_text(&format!("Hello, {}", a.name)).await;
        b.expect_no_text("Sign out").await;
        let section = b.text(&format!("#poll-{poll}")).await;
        assert!(
            section.contains(QUESTION)
                && section.contains(NOTE)
                && section.contains("Which of these dates suit you?"),
            "{}'s page does not show the poll as expected: {section:?}",
            a.name
        );
        options = option_ids(&b, poll).await;
        assert_eq!(options.len(), 3, "three dates on {}'s page", a.name);
        for (o, offer) in options.iter().zip(&offers) {
            let legend = b.text(&format!("[id='answers.{o}'] legend")).await;
            assert_eq!(legend, offer.label(), "the option's legend");
            let labels = b.text(&format!("[id='answers.{o}'] .answer-options")).await;
            for word in ["Yes", "Maybe", "No"] {
                assert!(
                    labels.contains(word),
                    "the answers for {legend} should offer {word:?}: {labels:?}"
                );
            }
        }
        for (o, answer) in options.iter().zip(a.answers) {
            b.choose(&format!("answers.{o}"), answer).await;
        }
        if !a.comment.is_empty() {
            b.fill(&format!("comment-{poll}"), a.comment).await;
        }
        b.press("Send my answers").await;
        b.expect_path(&a.link).await;
        b.expect_text("Your answers have been saved").await;
        b.expect_text("Thank you for answering").await;
        for (o, answer) in options.iter().zip(a.answers) {
            assert_eq!(
                checked_value(&b, &format!("answers.{o}")).await.as_deref(),
                Some(answer),
                "{}'s answer for option {o} is not shown as saved",
                a.name
            );
        }
        look_phone(
            &mut b,
            &format!("{}'s page, answered", a.name),
            &format!("poll-member-{who}-answered"),
        )
        .await;
        // Answers are shared, so each sees everyone's so far.
        let shared = grid(&b, &format!("#poll-{poll} table.poll-grid")).await;
        assert_eq!(
            shared.len(),
            i + 2,
            "{} should see a heading row and {} answers: {shared:?}",
            a.name,
            i + 1
        );
    }
    let chosen_option = options[1];

    // ---- The facilitator, back at a desk, reads the grid and closes the poll. ----
    b.client
        .delete_all_cookies()
        .await
        .expect("clear the cookies");
    b.client
        .goto(&b.url("/signin"))
        .await
        .expect("open /signin");
    b.set_viewport(DESKTOP_WIDTH, DESKTOP_HEIGHT).await;
    sign_in_as(&b, FACILITATOR_EMAIL, FACILITATOR_PASSWORD).await;
    b.client
        .goto(&b.url(&format!("/polls/{poll}")))
        .await
        .expect("open the poll");
    look_desktop(&mut b, "poll results", "poll-results").await;
    b.expect_text("3 members have answered; 1 has not yet")
        .await;
    assert_eq!(
        b.text("section[aria-labelledby='results-title'] h3 + p")
            .await,
        "Dorothy",
        "Dorothy has not answered"
    );
    let rows = grid(&b, "table.poll-grid").await;
    let mut expected = vec![heads.clone()];
    expected.extend(
        [
            ["Ada", "Yes", "Yes", "No"],
            ["Barbara", "No", "Maybe", "Yes"],
            ["Charles “Evenings are best for me”", "Yes", "Yes", "Maybe"],
            ["Yes / maybe / no", "2 / 0 / 1", "2 / 1 / 0", "1 / 1 / 1"],
            ["Suits everyone who answered?", "No", "Yes", "No"],
        ]
        .map(|row| row.map(str::to_string).to_vec()),
    );
    assert_eq!(rows, expected, "the results grid");

    assert_eq!(
        checked_value(&b, "option_id").await,
        Some(chosen_option.to_string()),
        "the date that suits everyone should be chosen already"
    );
    for (o, offer) in options.iter().zip(&offers) {
        let label = b.text(&format!("label[for='close-{o}']")).await;
        if *o == chosen_option {
            assert_eq!(
                label,
                format!("{} – suits everyone who answered", offer.label())
            );
        } else {
            assert_eq!(label, offer.label(), "only one date suits everyone");
        }
    }
    b.press("Close the poll and plan the meeting").await;
    let meeting = id_in(&b.path().await, "/meetings/");
    let chosen = &offers[1];
    b.expect_text("The poll is closed and the meeting is planned")
        .await;
    let h1 = b.text("h1").await;
    assert!(
        h1.starts_with(&chosen.date.strftime("%A %-d %B %Y").to_string()),
        "the meeting page should be for {}: {h1:?}",
        chosen.label()
    );
    let lead = b.text("p.lead").await;
    assert!(
        lead.starts_with(chosen.time_words) && lead.contains(OTHER_VENUE),
        "the meeting should start at {} at {OTHER_VENUE}: {lead:?}",
        chosen.time_words
    );
    let people = b.text("#people").await;
    assert!(
        people.contains("Ada")
            && people.contains("Barbara (maybe)")
            && people.contains("Charles")
            && !people.contains("Dorothy"),
        "yes and if need be should be noted as coming: {people:?}"
    );
    look_desktop(&mut b, "meeting planned from the poll", "poll-meeting").await;

    // The poll is closed and points at the meeting.
    b.client
        .goto(&b.url(&format!("/polls/{poll}")))
        .await
        .expect("open the poll");
    b.check("poll results, closed").await;
    b.expect_text("Closed").await;
    b.expect_text("The group chose").await;
    b.expect_no_text("Close the poll and plan the meeting")
        .await;
    let chosen_link = b
        .find(".notice a")
        .await
        .attr("href")
        .await
        .expect("read the link")
        .unwrap_or_default();
    assert_eq!(chosen_link, format!("/meetings/{meeting}"));

    // ---- The group's calendar feed carries the meeting. ----
    b.client
        .goto(&b.url(&format!("/groups/{group}/meetings")))
        .await
        .expect("open the meetings list");
    b.check("meetings list").await;
    b.press("Make an address for a calendar app").await;
    b.check("calendar feed address").await;
    let feed = shown_address(&b).await;
    let host = b
        .base
        .strip_prefix("http://")
        .unwrap_or(&b.base)
        .to_string();
    assert!(
        feed.starts_with(&format!("{}/calendar/", b.base)) && feed.ends_with(".ics"),
        "unexpected feed address {feed}"
    );
    let response = reqwest::get(&feed).await.expect("fetch the feed");
    assert_eq!(response.status(), 200, "the feed should answer 200");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("text/calendar"),
        "the feed should be text/calendar, not {content_type:?}"
    );
    let body = response.text().await.expect("read the feed");
    // Unfold long lines (RFC 5545: a line break followed by a space continues the line).
    let unfolded = body.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded.lines().collect();
    let events = lines.iter().filter(|l| **l == "BEGIN:VEVENT").count();
    assert_eq!(events, 1, "one meeting, one event:\n{body}");
    let uid = format!("UID:meeting-{meeting}@{host}");
    let start = lines
        .iter()
        .position(|l| *l == uid)
        .unwrap_or_else(|| panic!("no {uid} in the feed:\n{body}"));
    let end = lines[start..]
        .iter()
        .position(|l| *l == "END:VEVENT")
        .map(|n| start + n)
        .expect("the event ends");
    let event = &lines[start..end];
    let dtstart = format!("DTSTART:{}", chosen.utc());
    assert!(
        event.contains(&dtstart.as_str()),
        "the meeting's event should start {dtstart}:\n{}",
        event.join("\n")
    );
    assert!(
        event
            .iter()
            .any(|l| l.starts_with("LOCATION:") && l.contains("Hexley Library")),
        "the event should be at the library:\n{}",
        event.join("\n")
    );

    b.finish();
}

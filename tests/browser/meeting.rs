//! A whole first meeting, run on a phone (a 390 px wide window): a venue that wants a sign-in
//! sheet, a group of four, a facilitator, a member answering and voting from their personal
//! link, the preparation page, the run-sheet step by step (sign-in, introductions, goals, the
//! topic, the brainstorm with a show of hands, the round-up), the notes, and the pages around a
//! meeting (sign-in sheet and its print, reflection and the coordinator's view of a call for
//! help, concerns, topics, an action plan, the contact record, the call list, the agenda
//! editors). Every page is checked with axe-core, for other hosts, the console and its width,
//! at 390 px.

use fantoccini::Locator;
use fantoccini::elements::Element;
use jiff::civil::Date;
use serde_json::Value;

use crate::harness::{Browser, run};

/// The phone: an iPhone-sized screen, held upright.
const PHONE: [u32; 1] = [390];
const PHONE_HEIGHT: u32 = 844;

/// The coordinator, who sets Hearth up.
const NAME: &str = "Grace Hopper";
const EMAIL: &str = "grace@example.org";
const PASSWORD: &str = "a long enough password";
/// The facilitator, who runs the group (goals are private to the group's facilitators, so a
/// coordinator does not see them).
const FACILITATOR: &str = "Margaret Hamilton";
const FACILITATOR_EMAIL: &str = "margaret@example.org";
const FACILITATOR_PASSWORD: &str = "another long enough password";

const GROUP: &str = "Thursday Friends";
const VENUE: &str = "St Anne's Community Centre";
const GUEST: &str = "Sam Okafor";

/// Where the journey has got to: the ids it made and what it wrote.
struct Journey {
    b: Browser,
    /// The day of the first meeting (tomorrow in the group's time zone).
    meeting_day: Date,
    group: i64,
    meeting: i64,
    ada: i64,
    barbara: i64,
    charles: i64,
    dorothy: i64,
    /// The notes taken at each step, as the record should show them ("Step title: notes").
    notes_written: Vec<String>,
}

/// The id at the end of a path like /groups/12.
fn id_in(path: &str, prefix: &str) -> i64 {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("expected a page under {prefix}, got {path}"))
}

/// Checks the page as it is, and looks at it on the phone (axe-core, width, screenshot).
async fn look(b: &mut Browser, label: &str, screenshot: &str) {
    b.check(label).await;
    b.look_at_widths(screenshot, &PHONE).await;
    let width = b.layout_width().await;
    assert_eq!(
        width, 390,
        "the page should still be laid out 390 px wide after looking at {label}"
    );
}

/// Opens a page and looks at it on the phone.
async fn visit(b: &mut Browser, path: &str, label: &str, screenshot: &str) {
    b.client.goto(&b.url(path)).await.expect("open page");
    look(b, label, screenshot).await;
}

/// The list item of a topic, found by its title, on the run-sheet or a member's link page.
async fn topic_item(b: &Browser, title: &str) -> Element {
    b.find_xpath(&format!(
        "//li[contains(concat(' ', normalize-space(@class), ' '), ' topic-item ')]\
         [.//strong[normalize-space()='{title}']]"
    ))
    .await
}

async fn within(element: &Element, xpath: &str) -> Element {
    element
        .find(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("nothing matches {xpath:?} in the element: {e}"))
}

/// The text of the description (`dd`) next to a term (`dt`).
async fn described(b: &Browser, term: &str) -> String {
    b.find_xpath(&format!(
        "//dt[normalize-space()='{term}']/following-sibling::dd"
    ))
    .await
    .text()
    .await
    .expect("read a description")
}

/// Adds a member through the form; returns their id.
async fn add_member(
    b: &mut Browser,
    group_id: i64,
    fields: &[(&str, &str)],
    choices: &[(&str, &str)],
) -> i64 {
    b.client
        .goto(&b.url(&format!("/groups/{group_id}/members/new")))
        .await
        .expect("open the member form");
    for (id, value) in fields {
        b.fill(id, value).await;
    }
    for (name, value) in choices {
        b.choose(name, value).await;
    }
    b.press("Add this member").await;
    let path = b.path().await;
    id_in(&path, "/members/")
}

async fn clear_save_status(b: &Browser, form: &str) {
    b.client
        .execute(
            "var s = document.querySelector(arguments[0] + ' [data-save-status]'); \
             if (s) { s.textContent = ''; }",
            vec![Value::String(form.to_string())],
        )
        .await
        .expect("clear the save status");
}

/// Ticks a prompt of the current step and waits for the background save.
async fn tick_prompt(b: &Browser, index: usize) {
    clear_save_status(b, "#notes").await;
    b.click_label(&format!("prompt-{index}")).await;
    b.wait_for_text("#notes [data-save-status]", "Saved at")
        .await;
}

/// Types a step's notes and saves them with the button (the script saves in the background).
async fn write_step_notes(b: &Browser, text: &str) {
    b.fill("step-notes", text).await;
    clear_save_status(b, "#notes").await;
    let save = b.find("#notes button[type='submit']").await;
    b.tap(&save).await;
    b.wait_for_text("#notes [data-save-status]", "Saved at")
        .await;
}

/// The run-sheet's current step: "Step 3 of 8" and the step's title.
async fn step_heading(b: &Browser) -> (usize, usize, String) {
    let progress = b.text(".run-progress").await;
    let words: Vec<&str> = progress.split_whitespace().collect();
    let number = words.get(1).and_then(|w| w.parse().ok());
    let of = words.get(3).and_then(|w| w.parse().ok());
    let (Some(number), Some(of)) = (number, of) else {
        panic!("the run-sheet's progress line reads {progress:?}");
    };
    (number, of, b.text("h1.step-title").await)
}

/// Presses the run-sheet's "Next: …" button.
async fn next_step(b: &Browser) {
    let next = b
        .find_xpath("//nav[@class='step-nav']//button[starts-with(normalize-space(), 'Next:')]")
        .await;
    b.click_and_wait(next).await;
}

/// Tabs from the top of the step's checklist to its Save button, as a keyboard user would, and
/// lists what had the focus while hidden behind the sticky step buttons.
async fn focus_hidden_by_step_nav(b: &Browser) -> Vec<String> {
    b.client
        .execute(
            "window.scrollTo(0, 0); \
             var f = document.querySelector('#notes input[type=checkbox]'); \
             var all = Array.prototype.slice.call(document.querySelectorAll( \
                 'a[href], button, input:not([type=hidden]), textarea, select, summary')); \
             var i = all.indexOf(f); if (i > 0) { all[i - 1].focus(); } else { f.focus(); }",
            vec![],
        )
        .await
        .expect("focus before the checklist");
    let mut hidden = Vec::new();
    for _ in 0..12 {
        b.client
            .active_element()
            .await
            .expect("the focused element")
            .send_keys("\u{E004}")
            .await
            .expect("press Tab");
        let state = b
            .client
            .execute(
                r#"var e = document.activeElement; var nav = document.querySelector('.step-nav');
                if (!e || !nav) { return null; }
                var r = e.getBoundingClientRect(); var n = nav.getBoundingClientRect();
                var label = e.id ? document.querySelector('label[for="' + e.id + '"]') : null;
                var text = label ? label.textContent : e.textContent;
                var name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                    (text ? ' (' + text.trim().slice(0, 60) + ')' : '');
                var top = Math.max(r.top, 0);
                var bottom = Math.min(r.bottom, n.top, window.innerHeight);
                return { name: name, inNav: nav.contains(e), inForm: !!e.closest('#notes'),
                    hidden: bottom <= top };"#,
                vec![],
            )
            .await
            .expect("where the focus is");
        if state.is_null() || state["inNav"] == Value::Bool(true) {
            break;
        }
        if state["inForm"] == Value::Bool(true) && state["hidden"] == Value::Bool(true) {
            let name = state["name"].as_str().unwrap_or_default().to_string();
            b.screenshot(&format!("meeting-focus-hidden-{}", hidden.len() + 1))
                .await;
            hidden.push(name);
        }
    }
    hidden
}

async fn is_checked(b: &Browser, id: &str) -> bool {
    b.client
        .execute(
            "var e = document.getElementById(arguments[0]); return !!e && e.checked;",
            vec![Value::String(id.to_string())],
        )
        .await
        .expect("read a checkbox")
        == Value::Bool(true)
}

async fn field_value(b: &Browser, id: &str) -> String {
    b.find(&format!("#{id}"))
        .await
        .prop("value")
        .await
        .expect("read a field")
        .unwrap_or_default()
}

async fn sign_in_as(b: &mut Browser, email: &str, password: &str) {
    b.press_sign_out_if_signed_in().await;
    b.client
        .goto(&b.url("/signin"))
        .await
        .expect("open /signin");
    b.fill("email", email).await;
    b.fill("password", password).await;
    b.press("Sign in").await;
    b.expect_path("/").await;
}

/// The path of a one-time link shown on the page (a personal link, a password link).
pub(crate) async fn shown_link(b: &Browser) -> String {
    let link = b
        .find("#secret-link")
        .await
        .prop("value")
        .await
        .expect("read the link")
        .expect("the link has a value");
    link.strip_prefix(&b.base)
        .unwrap_or_else(|| panic!("the link {link} is not on {}", b.base))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_meeting_on_a_phone() {
    run("meeting", first_meeting).await;
}

async fn first_meeting(mut b: Browser) {
    b.client.goto(&b.url("/")).await.expect("open /");
    b.set_viewport(PHONE[0], PHONE_HEIGHT).await;
    let today = jiff::ZonedDateTime::now()
        .in_tz("Europe/London")
        .expect("the Europe/London time zone")
        .date();
    // The meeting is today: "Start the meeting" is offered at once on its day, and a meeting
    // can be marked as held only once its day has come.
    let mut j = set_up(b, today).await;
    plan_the_meeting(&mut j).await;
    topics_before(&mut j).await;
    action_plan(&mut j).await;
    contact_and_call_list(&mut j, today).await;
    personal_link(&mut j).await;
    agenda_editors(&mut j).await;
    sign_in_sheet(&mut j).await;
    start_and_sign_in(&mut j).await;
    walk_the_steps(&mut j).await;
    end_and_read_the_notes(&mut j).await;
    after_the_meeting(&mut j).await;
    coordinator_answers_the_call_for_help(&mut j).await;
    j.b.finish();
}

/// The coordinator sets up: a venue that wants a sign-in sheet, a group meeting there, four
/// members, and a facilitator for the group, who then signs in.
async fn set_up(mut b: Browser, meeting_day: Date) -> Journey {
    b.expect_path("/setup").await;
    b.fill("name", NAME).await;
    b.fill("email", EMAIL).await;
    b.fill("password", PASSWORD).await;
    b.fill("password_confirm", PASSWORD).await;
    b.press("Create my account").await;
    b.expect_path("/").await;

    b.client
        .goto(&b.url("/venues/new"))
        .await
        .expect("open the venue form");
    b.fill("name", VENUE).await;
    b.fill("address", "14 Mill Lane\nHexley\nHX2 4PL").await;
    b.fill("toilets", "Along the corridor on the left.").await;
    b.fill("fire_exits", "The double doors at the back of the hall.")
        .await;
    b.choose("step_free", "fully").await;
    b.click_label("hearing_loop").await;
    b.click_label("requires_sign_in_sheet").await;
    b.fill("capacity", "30").await;
    b.press("Add the venue").await;
    let venue_id = id_in(&b.path().await, "/venues/");

    b.client
        .goto(&b.url("/groups/new"))
        .await
        .expect("open the group form");
    b.fill("name", GROUP).await;
    b.fill(
        "description",
        "A relaxed group for anyone living with diabetes.",
    )
    .await;
    b.select("usual_venue_id", &venue_id.to_string()).await;
    b.fill(
        "ground_rules",
        "What is said here stays here\nOne person speaks at a time\nNobody has to share",
    )
    .await;
    b.press("Add the group").await;
    let group = id_in(&b.path().await, "/groups/");
    look(&mut b, "group page", "meeting-group").await;
    b.expect_text("Sign-in sheet needed").await;

    let ada = add_member(
        &mut b,
        group,
        &[
            ("preferred_name", "Ada"),
            ("full_name", "Ada Lovelace"),
            ("phone", "07700 900123"),
            ("email", "ada@example.org"),
            ("needs_note", "Sits near the front, uses the hearing loop."),
        ],
        &[("needs", "hearing"), ("happy_to_share_story", "yes")],
    )
    .await;
    let barbara = add_member(
        &mut b,
        group,
        &[
            ("preferred_name", "Barbara"),
            ("full_name", "Barbara Liskov"),
            ("email", "barbara@example.org"),
        ],
        &[("happy_to_share_story", "no")],
    )
    .await;
    let charles = add_member(
        &mut b,
        group,
        &[("preferred_name", "Charles"), ("phone", "01632 960456")],
        &[("preferred_contact", "phone")],
    )
    .await;
    let dorothy = add_member(
        &mut b,
        group,
        &[
            ("preferred_name", "Dorothy"),
            ("full_name", "Dorothy Vaughan"),
            ("phone", "01632 960789"),
        ],
        &[("needs", "sight")],
    )
    .await;

    // A facilitator for the group, who takes it from here.
    visit(&mut b, "/staff", "staff", "meeting-staff").await;
    b.fill("name", FACILITATOR).await;
    b.fill("email", FACILITATOR_EMAIL).await;
    b.press("Add this person").await;
    let password_link = shown_link(&b).await;
    b.client
        .goto(&b.url(&format!("/groups/{group}")))
        .await
        .expect("open the group page");
    b.press(&format!("Add {FACILITATOR}")).await;
    b.expect_text(&format!("Take {FACILITATOR} off this group"))
        .await;
    b.press_sign_out_if_signed_in().await;
    visit(
        &mut b,
        &password_link,
        "choose a password",
        "meeting-password",
    )
    .await;
    b.fill("password", FACILITATOR_PASSWORD).await;
    b.fill("password_confirm", FACILITATOR_PASSWORD).await;
    b.press("Save my password").await;
    b.expect_path("/").await;
    b.expect_text("Hello, Margaret").await;

    Journey {
        b,
        meeting_day,
        group,
        meeting: 0,
        ada,
        barbara,
        charles,
        dorothy,
        notes_written: Vec::new(),
    }
}

/// The facilitator plans the first meeting, and notes that Dorothy cannot come.
async fn plan_the_meeting(j: &mut Journey) {
    let b = &mut j.b;
    visit(
        b,
        &format!("/groups/{}/meetings/new", j.group),
        "plan a meeting",
        "meeting-plan-form",
    )
    .await;
    b.set_value("date", &j.meeting_day.to_string()).await;
    b.fill("start_time", "19:00").await;
    b.press("Plan the meeting").await;
    j.meeting = id_in(&b.path().await, "/meetings/");
    b.expect_text("is planned").await;
    b.expect_text("meeting 1").await;
    b.expect_text("Needed: the venue asks for one").await;
    b.expect_text("This is the group's first meeting").await;

    // Dorothy rang to say she cannot come; the facilitator notes her answer.
    let dorothy = j.dorothy;
    b.open_details("Note their answers").await;
    b.select(&format!("answer-{dorothy}"), "no").await;
    b.click_css(&format!(
        "form.rsvp-form:has(#answer-{dorothy}) button[type='submit']"
    ))
    .await;
    b.expect_text("Not coming: Dorothy").await;
}

/// Two topics from the library go on the board; "Eating out" is agreed for the first meeting,
/// so its step has something to show.
async fn topics_before(j: &mut Journey) {
    let b = &mut j.b;
    let group = j.group;
    visit(
        b,
        &format!("/groups/{group}/topics"),
        "topic board, empty",
        "meeting-topics-empty",
    )
    .await;
    for title in ["Eating out", "Foot care"] {
        b.press(&format!("Add ‘{title}’")).await;
        b.expect_text(&format!("\"{title}\" is on the board")).await;
    }
    let eating_out = b
        .find_xpath("//h3/a[normalize-space()='Eating out']")
        .await
        .attr("href")
        .await
        .expect("read the topic's link")
        .expect("the topic has a link");
    let eating_out = id_in(&eating_out, &format!("/groups/{group}/topics/"));
    b.select(&format!("meeting-{eating_out}"), &j.meeting.to_string())
        .await;
    b.press("Agree Eating out for this meeting").await;
    b.expect_text("is agreed for the next meeting").await;
    look(b, "topic board", "meeting-topics").await;
}

/// An action plan for Ada, with little confidence: Hearth suggests making it smaller.
async fn action_plan(j: &mut Journey) {
    let b = &mut j.b;
    visit(
        b,
        &format!("/members/{}", j.ada),
        "member page",
        "meeting-member",
    )
    .await;
    b.open_details("Add an action plan").await;
    b.fill("what", "Walk to the shops").await;
    b.fill("how_much", "20 minutes").await;
    b.fill("when", "after lunch").await;
    b.fill("how_often", "three times a week").await;
    b.select("confidence", "5").await;
    b.press("Save the plan").await;
    look(b, "member page with a plan", "meeting-member-plan").await;
    b.expect_text("Walk to the shops, 20 minutes, after lunch, three times a week")
        .await;
    b.expect_text("Confidence 5 out of 10 – it may help to make this plan smaller")
        .await;
    let plan = b
        .find_xpath("//a[starts-with(normalize-space(), 'Walk to the shops')]")
        .await;
    b.click_and_wait(plan).await;
    look(b, "action plan", "meeting-plan").await;
    b.expect_text("It may help to make the plan a little smaller")
        .await;
}

/// A phone call with Charles, with a follow-up: on his page, on the home page and in the group's
/// contact record; then the call list before the meeting.
async fn contact_and_call_list(j: &mut Journey, today: Date) {
    let b = &mut j.b;
    visit(
        b,
        &format!("/members/{}", j.charles),
        "member page without email",
        "meeting-member-charles",
    )
    .await;
    b.click_css("a[href*='/contacts/new?member=']").await;
    look(b, "note a call", "meeting-note-a-call").await;
    b.choose("how", "phone").await;
    b.fill("about", "Rang to remind him of the first meeting.")
        .await;
    b.fill("follow_up", "Ring back about a lift").await;
    let by = today
        .checked_add(jiff::Span::new().days(7))
        .expect("a week on");
    b.set_value("follow_up_by", &by.to_string()).await;
    b.press("Save").await;
    look(b, "member page with a contact", "meeting-member-contact").await;
    b.expect_text("The call with Charles is noted").await;
    b.expect_text("Follow-up: Ring back about a lift").await;

    visit(b, "/", "home with a follow-up", "meeting-home-follow-up").await;
    b.expect_text("Follow-ups to do").await;
    b.expect_text("Charles: Ring back about a lift").await;

    visit(
        b,
        &format!("/groups/{}/contacts", j.group),
        "contact record",
        "meeting-contacts",
    )
    .await;
    b.expect_text("Rang to remind him of the first meeting.")
        .await;
    b.expect_text("Ring back about a lift").await;

    visit(
        b,
        &format!("/meetings/{}/call-list", j.meeting),
        "call list",
        "meeting-call-list",
    )
    .await;
    b.expect_text("Charles").await;
    b.expect_text("01632 960456").await;
}

/// Ada's personal link, opened signed out: she is coming, votes for Foot care and suggests a
/// topic. Then the facilitator signs in again.
async fn personal_link(j: &mut Journey) {
    let b = &mut j.b;
    b.client
        .goto(&b.url(&format!("/members/{}", j.ada)))
        .await
        .expect("open Ada's page");
    b.press("Make a personal link").await;
    let token_path = shown_link(b).await;
    assert!(
        token_path.starts_with("/m/"),
        "unexpected link {token_path}"
    );
    b.press_sign_out_if_signed_in().await;
    visit(b, &token_path, "personal link page", "meeting-link").await;
    b.expect_text("Hello, Ada").await;
    b.expect_text("Can you come?").await;
    b.click_css(&format!(
        "button[formaction^='{token_path}/meetings/{}?'][value='yes']",
        j.meeting
    ))
    .await;
    b.expect_text("You said: I am coming").await;
    let vote = within(&topic_item(b, "Foot care").await, ".//button").await;
    b.click_and_wait(vote).await;
    let text = topic_item(b, "Foot care")
        .await
        .text()
        .await
        .expect("topic text");
    assert!(
        text.contains("1 vote") && text.contains("You voted"),
        "Ada's vote for Foot care is not shown: {text:?}"
    );
    b.fill("title", "Travel and holidays").await;
    b.press("Suggest it").await;
    look(b, "personal link page, voted", "meeting-link-voted").await;
    b.expect_text("Travel and holidays").await;
    sign_in_as(b, FACILITATOR_EMAIL, FACILITATOR_PASSWORD).await;
}

/// The group's agenda, and this meeting's copy: a longer catch-up for this meeting only.
async fn agenda_editors(j: &mut Journey) {
    let b = &mut j.b;
    visit(
        b,
        &format!("/groups/{}/agenda", j.group),
        "group agenda",
        "meeting-group-agenda",
    )
    .await;
    b.find_xpath(
        "//summary[normalize-space()='Since last time – 10 minutes (from the second meeting)']",
    )
    .await;
    visit(
        b,
        &format!("/meetings/{}/agenda", j.meeting),
        "meeting agenda",
        "meeting-agenda",
    )
    .await;
    b.expect_text("8 steps").await;
    b.expect_no_text("Since last time").await;
    let step = "//li[.//summary[starts-with(normalize-space(), 'Coffee, tea and catching up')]]";
    b.tap(&b.find_xpath(&format!("{step}//summary")).await)
        .await;
    let minutes_id = b
        .find_xpath(&format!("{step}//input[starts-with(@id,'minutes-')]"))
        .await
        .attr("id")
        .await
        .expect("read id")
        .expect("the minutes field has an id");
    b.fill(&minutes_id, "15").await;
    let save = b
        .find_xpath(&format!(
            "{step}//button[normalize-space()='Save this step']"
        ))
        .await;
    b.click_and_wait(save).await;
    look(b, "meeting agenda, changed", "meeting-agenda-changed").await;
    b.find_xpath("//summary[normalize-space()='Coffee, tea and catching up – 15 minutes']")
        .await;
}

/// The printable sign-in sheet, in normal and large type, printed to PDF by Chromium.
async fn sign_in_sheet(j: &mut Journey) {
    let b = &mut j.b;
    let meeting = j.meeting;
    visit(
        b,
        &format!("/meetings/{meeting}/sign-in-sheet"),
        "sign-in sheet",
        "meeting-sign-in-sheet",
    )
    .await;
    for name in ["Ada Lovelace", "Barbara Liskov", "Charles", VENUE] {
        b.expect_text(name).await;
    }
    // Dorothy said she cannot come.
    b.expect_no_text("Dorothy").await;
    b.print_to_pdf("meeting-sign-in-sheet").await;
    b.check_print_layout(
        "meeting-sign-in-sheet",
        &[
            "Sign-in sheet",
            "Ada Lovelace",
            "Barbara Liskov",
            "Charles",
            VENUE,
        ],
    )
    .await;
    b.click_css(&format!(
        "a[href='/meetings/{meeting}/sign-in-sheet?large=1']"
    ))
    .await;
    b.expect_path(&format!("/meetings/{meeting}/sign-in-sheet?large=1"))
        .await;
    look(
        b,
        "sign-in sheet, large type",
        "meeting-sign-in-sheet-large",
    )
    .await;
    b.print_to_pdf("meeting-sign-in-sheet-large").await;
    b.check_print_layout(
        "meeting-sign-in-sheet-large",
        &["Sign-in sheet", "Ada Lovelace", "Charles"],
    )
    .await;
}

/// The preparation page, "Start the meeting", and the sign-in screen: three members tapped in
/// (and a mistaken tap undone), and a walk-in guest.
async fn start_and_sign_in(j: &mut Journey) {
    let b = &mut j.b;
    let meeting = j.meeting;
    visit(
        b,
        &format!("/meetings/{meeting}"),
        "preparation page",
        "meeting-prepare",
    )
    .await;
    b.expect_text("Topic: Eating out").await;
    b.expect_text("Coffee, tea and catching up (15 minutes)")
        .await;
    let people = b.text("#people").await;
    assert!(
        people.contains("Ada") && people.contains("Hearing: Sits near the front"),
        "the preparation page should show Ada coming, with her needs: {people:?}"
    );
    b.press("Start the meeting").await;
    b.expect_path(&format!("/meetings/{meeting}/run")).await;

    let (number, steps, title) = step_heading(b).await;
    assert_eq!(
        (number, title.as_str()),
        (1, "Arrival"),
        "the run-sheet should open on the first step"
    );
    assert_eq!(
        steps, 8,
        "a first meeting at a venue that wants a sign-in sheet has the guide's seven steps \
         and sign-in"
    );
    look(b, "run-sheet, step 1", "meeting-run-arrival-before-sign-in").await;
    b.expect_text("0 here").await;
    b.click_css(".run-signin").await;
    b.expect_path(&format!("/meetings/{meeting}/sign-in")).await;
    look(b, "sign-in screen, nobody yet", "meeting-sign-in-empty").await;
    b.expect_text("0 signed in").await;
    // Ada said she is coming, so she comes first.
    let first = b.text(".signin-list li:first-child").await;
    assert!(
        first.contains("Ada") && first.contains("Said they are coming"),
        "Ada said she is coming, so her name should be first: {first:?}"
    );
    for id in [j.ada, j.barbara, j.charles] {
        b.click_css(&format!("#member-{id} button")).await;
    }
    b.expect_text("Charles is signed in").await;
    // A tap too many: Dorothy is signed in by mistake, and a second tap undoes it.
    b.click_css(&format!("#member-{} button", j.dorothy)).await;
    b.expect_text("4 signed in").await;
    b.click_css(&format!("#member-{} button", j.dorothy)).await;
    b.expect_text("Dorothy is no longer signed in").await;
    b.expect_text("3 signed in").await;
    // A walk-in guest.
    b.click_label("kind-guest").await;
    b.fill("name", GUEST).await;
    b.press("Sign them in").await;
    b.expect_text(&format!("{GUEST} is signed in as a guest"))
        .await;
    b.expect_text("4 signed in").await;
    for id in [j.ada, j.barbara, j.charles] {
        let state = b.text(&format!("#member-{id}")).await;
        assert!(
            state.contains("Signed in"),
            "member {id} should show as signed in: {state:?}"
        );
    }
    let dorothy = b.text(&format!("#member-{}", j.dorothy)).await;
    assert!(
        !dorothy.contains("Signed in"),
        "Dorothy should not be signed in: {dorothy:?}"
    );
    look(b, "sign-in screen", "meeting-sign-in").await;
    b.click_css(&format!("a.button[href='/meetings/{meeting}/run']"))
        .await;
    b.expect_path(&format!("/meetings/{meeting}/run")).await;
    b.expect_text("4 here").await;
}

/// Walks every step with "Next", doing what each step is for.
async fn walk_the_steps(j: &mut Journey) {
    let (_, steps, _) = step_heading(&j.b).await;
    for step in 1..=steps {
        let (number, of, title) = step_heading(&j.b).await;
        assert_eq!(
            (number, of),
            (step, steps),
            "expected step {step} of {steps}, the run-sheet shows {number} of {of} ({title})"
        );
        match title.as_str() {
            "Welcome and introductions" => welcome(j, step).await,
            "Review of goals" => review_goals(j).await,
            "Topic of discussion" => topic_and_reload(j, step).await,
            "Outline of next session" => brainstorm(j, step).await,
            "Socialising and question time" => round_up(j).await,
            _ => {}
        }
        let slug: String = title
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        let shot = format!("meeting-run-{step}-{}", slug.trim_matches('-'));
        look(&mut j.b, &format!("run-sheet, step {step}: {title}"), &shot).await;
        if step < steps {
            next_step(&j.b).await;
        }
    }
    assert!(
        j.notes_written.len() >= 2,
        "notes were written on fewer than two steps"
    );
}

/// Introductions: who is here, with their sharing preferences and needs; the venue's facts.
async fn welcome(j: &mut Journey, step: usize) {
    let b = &mut j.b;
    let here = b.text("section[aria-labelledby='present-title']").await;
    for needle in [
        "Ada – happy to share their story",
        "Keep in mind: Hearing – Sits near the front, uses the hearing loop.",
        "Barbara – prefers not to share their story",
        "Charles – not asked about sharing yet",
        "And 1 guest.",
    ] {
        assert!(
            here.contains(needle),
            "\"Who is here\" should say {needle:?}; it says:\n{here}"
        );
    }
    assert!(
        !here.contains("Dorothy"),
        "Dorothy is not here, but \"Who is here\" lists her:\n{here}"
    );
    b.expect_text("Tell people where the toilets and fire exits are")
        .await;
    b.expect_text("Along the corridor on the left.").await;
    b.expect_text("The double doors at the back of the hall.")
        .await;
    // Tabbing through the checklist and notes: the sticky step buttons at the foot of the
    // screen must not hide what has the focus.
    for hidden in focus_hidden_by_step_nav(b).await {
        b.problem(format!(
            "run-sheet (/meetings/{}/run), step {step} at 390 px: the focused {hidden} is \
             entirely hidden behind the sticky .step-nav (WCAG 2.2 2.4.11 Focus Not Obscured)",
            j.meeting
        ));
    }
    tick_prompt(b, 1).await;
    tick_prompt(b, 6).await;
    let note = "Everyone introduced themselves. Ada sat at the front by the loop.";
    write_step_notes(b, note).await;
    j.notes_written
        .push(format!("Welcome and introductions: {note}"));
}

/// Goals: Ada's plan is listed for review; it is on track.
async fn review_goals(j: &mut Journey) {
    let b = &mut j.b;
    let goals = b.text("#goals").await;
    assert!(
        goals.contains("Ada") && goals.contains("Walk to the shops"),
        "the goals step should list Ada's plan: {goals:?}"
    );
    b.click_css("#goals button[value='on_track']").await;
    b.expect_path(&format!("/meetings/{}/run", j.meeting)).await;
    b.expect_text("is saved").await;
}

/// The topic: the agreed topic with its prompts and the reminder about medication; a tick and a
/// note; then a reload with nothing kept in the browser, and a look back at an earlier step.
async fn topic_and_reload(j: &mut Journey, step: usize) {
    let b = &mut j.b;
    let topic = b.text("section[aria-labelledby='topic-title']").await;
    assert!(
        topic.contains("Eating out")
            && topic.contains("What makes eating out easier for you?")
            && topic.contains("We do not give advice about medication"),
        "the topic step should show the agreed topic, its prompts and the reminder: {topic:?}"
    );
    tick_prompt(b, 0).await;
    let note = "Menus and portion sizes. Barbara shared a tip about asking for half portions.";
    write_step_notes(b, note).await;
    j.notes_written.push(format!("Topic of discussion: {note}"));

    // Reload mid-meeting, with nothing left on this device: all of it is there.
    b.client
        .execute("window.localStorage.clear();", vec![])
        .await
        .expect("clear local storage");
    b.client.refresh().await.expect("reload the run-sheet");
    let (n, _, t) = step_heading(b).await;
    assert_eq!(
        (n, t.as_str()),
        (step, "Topic of discussion"),
        "a reload should stay on the step"
    );
    assert_eq!(
        field_value(b, "step-notes").await,
        note,
        "the notes were lost on reload"
    );
    assert!(
        is_checked(b, "prompt-0").await,
        "the ticked prompt was lost on reload"
    );
    assert!(!is_checked(b, "prompt-1").await);
    b.check("run-sheet, reloaded").await;

    // The welcome step kept its notes and ticks too.
    b.press("← Previous step").await;
    b.press("← Previous step").await;
    let (_, _, t) = step_heading(b).await;
    assert_eq!(t, "Welcome and introductions");
    assert!(
        field_value(b, "step-notes")
            .await
            .starts_with("Everyone introduced themselves."),
        "the welcome step's notes were lost"
    );
    assert!(
        is_checked(b, "prompt-1").await && is_checked(b, "prompt-6").await,
        "the welcome step's ticks were lost"
    );
    assert!(!is_checked(b, "prompt-0").await);
    next_step(b).await;
    next_step(b).await;
    let (n, _, _) = step_heading(b).await;
    assert_eq!(n, step, "back on the topic step");
}

/// The outline of the next session: plan the next meeting from here, add a topic called out in
/// the room, record shows of hands, and agree the next topic in one tap.
async fn brainstorm(j: &mut Journey, step: usize) {
    let b = &mut j.b;
    let (group, meeting) = (j.group, j.meeting);
    b.expect_text("Agree the next meeting").await;
    b.click_css(&format!(
        "#brainstorm a[href='/groups/{group}/meetings/new']"
    ))
    .await;
    b.check("plan the next meeting").await;
    let expected = j
        .meeting_day
        .checked_add(jiff::Span::new().weeks(4))
        .expect("four weeks on")
        .to_string();
    assert_eq!(
        field_value(b, "date").await,
        expected,
        "the next meeting should be suggested four weeks on"
    );
    assert_eq!(field_value(b, "start_time").await, "19:00");
    b.press("Plan the meeting").await;
    let next_meeting = id_in(&b.path().await, "/meetings/");
    b.expect_text("meeting 2").await;
    b.client
        .goto(&b.url(&format!("/meetings/{meeting}/run")))
        .await
        .expect("back to the run-sheet");
    let (n, _, t) = step_heading(b).await;
    assert_eq!((n, t.as_str()), (step, "Outline of next session"));

    // A topic called out in the room.
    b.fill("new-topic", "Sleep").await;
    b.press("Add").await;
    b.expect_path(&format!("/meetings/{meeting}/run")).await;
    for title in ["Sleep", "Foot care", "Travel and holidays"] {
        topic_item(b, title).await;
    }
    let listed = b.text("#brainstorm").await;
    assert!(
        !listed.contains("Eating out"),
        "today's topic should not be offered again for next time:\n{listed}"
    );

    // A show of hands for Foot care: Barbara and Charles (Ada voted from her link).
    let item = topic_item(b, "Foot care").await;
    b.tap(&within(&item, ".//summary").await).await;
    for who in ["Barbara", "Charles"] {
        let hand = within(&item, &format!(".//label[normalize-space()='{who}']")).await;
        b.tap(&hand).await;
    }
    let save = within(&item, ".//button[normalize-space()='Save the votes']").await;
    b.click_and_wait(save).await;
    b.expect_text("2 votes recorded for \"Foot care\"").await;
    let text = topic_item(b, "Foot care")
        .await
        .text()
        .await
        .expect("topic text");
    assert!(
        text.contains("3 votes"),
        "Foot care should have Ada's vote and two hands: {text:?}"
    );
    // A single hand for Sleep.
    let item = topic_item(b, "Sleep").await;
    b.tap(&within(&item, ".//summary").await).await;
    b.tap(&within(&item, ".//label[normalize-space()='Ada']").await)
        .await;
    let save = within(&item, ".//button[normalize-space()='Save the votes']").await;
    b.click_and_wait(save).await;
    let text = topic_item(b, "Sleep")
        .await
        .text()
        .await
        .expect("topic text");
    assert!(
        text.contains("1 vote"),
        "Sleep should have one vote: {text:?}"
    );

    // One tap agrees Foot care for the next meeting.
    let item = topic_item(b, "Foot care").await;
    let agree = within(&item, ".//button[starts-with(normalize-space(), 'Agree')]").await;
    b.click_and_wait(agree).await;
    b.expect_text("\"Foot care\" is agreed for the next meeting")
        .await;
    let text = topic_item(b, "Foot care")
        .await
        .text()
        .await
        .expect("topic text");
    assert!(
        text.contains("Agreed"),
        "Foot care should show as agreed: {text:?}"
    );
    let brainstorm = b.text("#brainstorm").await;
    assert!(
        brainstorm.contains("topic: Foot care"),
        "the next meeting should show its agreed topic:\n{brainstorm}"
    );
    b.find(&format!("#brainstorm a[href='/meetings/{next_meeting}']"))
        .await;

    tick_prompt(b, 1).await;
    let note = "Next time: Foot care. The date suits everyone.";
    write_step_notes(b, note).await;
    j.notes_written
        .push(format!("Outline of next session: {note}"));
}

/// The last step: the round-up, and a note of the questions asked.
async fn round_up(j: &mut Journey) {
    let b = &mut j.b;
    b.fill("round_up_good", "Everyone spoke, and the room was warm.")
        .await;
    b.fill("round_up_not_so_good", "The hearing loop buzzed at first.")
        .await;
    b.fill("round_up_sharing", "Barbara's tip about half portions.")
        .await;
    // The round-up's boxes belong to the step's form: its Save button saves them with the
    // step's notes, and says so under them.
    clear_save_status(b, "#notes").await;
    let save = b.find("#round-up button[type='submit']").await;
    b.tap(&save).await;
    b.wait_for_text("#notes [data-save-status]", "Saved at")
        .await;
    // Saved: no copy of the round-up (or any other typed text) stays in the phone's storage.
    assert_eq!(b.drafts_kept().await, 0, "drafts stay after saving");
    tick_prompt(b, 3).await;
    let note = "Questions about parking, and whether partners can come.";
    write_step_notes(b, note).await;
    j.notes_written
        .push(format!("Socialising and question time: {note}"));
}

/// "End the meeting": the notes say who came, the step notes as key points, and the round-up.
async fn end_and_read_the_notes(j: &mut Journey) {
    let b = &mut j.b;
    let meeting = j.meeting;
    b.press("End the meeting…").await;
    b.expect_text("End the meeting?").await;
    look(b, "ending asks first", "meeting-end-confirm").await;
    b.press("Yes, end the meeting").await;
    b.expect_path(&format!("/meetings/{meeting}/notes")).await;
    look(b, "meeting notes", "meeting-notes").await;
    b.expect_text("The meeting has ended and is marked as held")
        .await;
    let came = described(b, "Who came").await;
    assert!(
        came.starts_with("3 members and 1 guest"),
        "the notes should say 3 members and 1 guest came: {came:?}"
    );
    for name in ["Ada", "Barbara", "Charles", &format!("{GUEST} (guest)")] {
        assert!(
            came.contains(name),
            "{name} is missing from who came: {came:?}"
        );
    }
    assert!(!came.contains("Dorothy"), "Dorothy did not come: {came:?}");
    assert_eq!(
        described(b, "Facilitators").await,
        FACILITATOR,
        "the notes should name the facilitator"
    );
    let record = b.text("section.record").await;
    for line in &j.notes_written {
        if !record.contains(line.as_str()) {
            b.problem(format!(
                "meeting notes (/meetings/{meeting}/notes): the key points leave out the notes \
                 taken at a step, {line:?}; the record says:\n{record}"
            ));
        }
    }
    for needle in [
        "Eating out",
        "Everyone spoke, and the room was warm.",
        "The hearing loop buzzed at first.",
        "Barbara's tip about half portions.",
    ] {
        assert!(
            record.contains(needle),
            "the notes should say {needle:?}; the record says:\n{record}"
        );
    }
    b.check_print_layout(
        "meeting-notes",
        &["Meeting notes", "Who came", "Key points"],
    )
    .await;
}

/// After the meeting: the facilitator's reflection asks for help; a concern; the topic board
/// (today's topic covered, the next one agreed); the meeting and group pages.
async fn after_the_meeting(j: &mut Journey) {
    let b = &mut j.b;
    let (group, meeting) = (j.group, j.meeting);
    b.click_css(&format!("a[href='/meetings/{meeting}/reflection']"))
        .await;
    look(b, "reflection", "meeting-reflection").await;
    b.fill("went_well", "People talked to each other, not just to me.")
        .await;
    b.fill(
        "went_less_well",
        "I could not get the loop working for ten minutes.",
    )
    .await;
    b.fill("ideas", "Test the loop before people arrive.").await;
    b.choose("feeling", "need_help").await;
    b.press("Save my reflection").await;
    b.check("reflection saved").await;

    visit(
        b,
        &format!("/meetings/{meeting}/concerns"),
        "concerns",
        "meeting-concerns",
    )
    .await;
    b.select("member_id", &j.barbara.to_string()).await;
    b.fill(
        "concern",
        "Barbara said she has been skipping meals to save money.",
    )
    .await;
    b.fill("action_taken", "Talked with her after the meeting.")
        .await;
    b.fill("who_told", "The coordinator").await;
    b.press("Record the concern").await;
    look(b, "concerns, one recorded", "meeting-concerns-recorded").await;
    b.expect_text("About Barbara").await;
    b.expect_text("skipping meals").await;

    visit(
        b,
        &format!("/groups/{group}/topics"),
        "topic board after the meeting",
        "meeting-topics-after",
    )
    .await;
    let board = b.body_text().await;
    for needle in [
        "Foot care",
        "Agreed for a meeting",
        "Covered",
        "last covered",
    ] {
        assert!(
            board.contains(needle),
            "the board should say {needle:?} after the meeting:\n{board}"
        );
    }

    visit(
        b,
        &format!("/meetings/{meeting}"),
        "held meeting page",
        "meeting-held",
    )
    .await;
    b.expect_text("Read the notes").await;
    visit(
        b,
        &format!("/groups/{group}"),
        "group page after the meeting",
        "meeting-group-after",
    )
    .await;
    b.expect_text("Topic: Foot care").await;
}

/// The coordinator's home page shows the facilitator's call for help, until it is answered.
async fn coordinator_answers_the_call_for_help(j: &mut Journey) {
    let b = &mut j.b;
    sign_in_as(b, EMAIL, PASSWORD).await;
    look(b, "home with a call for help", "meeting-home-help").await;
    let help = b.text("section[aria-labelledby='help-title']").await;
    assert!(
        help.contains(FACILITATOR)
            && help.contains(GROUP)
            && help.contains("I could not get the loop working"),
        "the coordinator's home page should show the call for help: {help:?}"
    );
    b.press(&format!("Mark as answered: {FACILITATOR}")).await;
    b.expect_no_text("Facilitators who asked for help").await;
    b.check("home, help answered").await;
}

//! The meeting goes on when the signal drops (static/sw.js): the run-sheet and the sign-in list
//! are kept on the phone once opened; with the signal gone, five members and a guest are
//! signed in and notes are written, each shown at once and kept on the phone, through a reload
//! too; when the signal returns, everything is sent and each is saved exactly once.

use std::time::{Duration, Instant};

use crate::harness::{Browser, Db, Signal, run_with_demo_and_signal};
use crate::seven_tasks::{go_to_step_from_start, next_step, plan_todays_meeting, sign_in};

const GUEST: &str = "Olive Offline";
const NOTE: &str = "Everyone said hello, with no signal.";
const ROUND_UP: &str = "Tea and a good laugh in the hall.";
const MEMBERS: [&str; 5] = ["Ada", "Bill", "Carol", "Dev", "Eileen"];

/// A browser test on SQLite and again on PostgreSQL.
macro_rules! on_both_databases {
    ($sqlite:ident, $postgres:ident, $body:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            run_with_demo_and_signal(stringify!($sqlite), Db::Sqlite, |b, signal| async move {
                $body(b, signal).await
            })
            .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            run_with_demo_and_signal(
                stringify!($postgres),
                Db::Postgres,
                |b, signal| async move { $body(b, signal).await },
            )
            .await;
        }
    };
}

on_both_databases!(
    a_meeting_runs_without_signal_and_catches_up,
    a_meeting_runs_without_signal_and_catches_up_on_postgres,
    offline
);

/// What the page's offline line says, waiting up to 20 s for it to hold `needle`.
async fn status_says(b: &Browser, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = b
            .client
            .execute(
                "var s = document.querySelector('[data-offline-status]'); return s && !s.hidden ? s.textContent + (s.getAttribute('data-missing') ? ' [not kept: ' + s.getAttribute('data-missing') + ']' : '') : '';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "the page's offline line never said {needle:?} (it says {text:?})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (up to 30 s) until everything kept on the phone has been sent: the page at `path`,
/// opened afresh (the phone may itself go on to another page once it has caught up), says so.
async fn caught_up(b: &Browser, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let _ = b.client.goto(&b.url(path)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let text = b
            .client
            .execute(
                "var s = document.querySelector('[data-offline-status]'); return s && !s.hidden ? s.textContent : '';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if text.contains("Everything is saved") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the phone had not caught up after 30 s (the page says {text:?})"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Whether the sign-in list shows this person signed in.
async fn signed_in(b: &Browser, name: &str) -> bool {
    b.client
        .execute(
            &format!(
                "return Array.prototype.some.call(document.querySelectorAll('.signin-list button.is-in .signin-name'), function (e) {{ return e.textContent.indexOf('{name}') !== -1; }});"
            ),
            vec![],
        )
        .await
        .expect("read the list")
        .as_bool()
        == Some(true)
}

async fn tap_name(b: &Browser, name: &str) {
    let button = b
        .find_xpath(&format!(
            "//button[.//span[contains(@class,'signin-name')][contains(., '{name}')]]"
        ))
        .await;
    b.click_and_wait(button).await;
}

async fn offline(mut b: Browser, signal: Signal) {
    sign_in(
        &mut b,
        hearth::demo::FACILITATOR.1,
        hearth::demo::FACILITATOR.2,
    )
    .await;
    let meeting = plan_todays_meeting(&mut b).await;
    b.press("Start the meeting").await;
    // The run-sheet, opened online, makes itself ready for no signal. A topic is on the board
    // for next time (added at its step, then back to the start).
    b.visit(&format!("/meetings/{meeting}/run"), "the run-sheet")
        .await;
    go_to_step_from_start(&b, "Outline of next session").await;
    b.fill("new-topic", "Sleep").await;
    b.press("Add").await;
    go_to_step_from_start(&b, "Arrival").await;
    status_says(&b, "Ready to use without signal").await;
    // The facilitator chooses to keep members' needs and the meeting's page too.
    b.click_label("offline-needs").await;
    let text = b.text("[data-offline-status]").await;
    assert!(!text.contains("Ready"), "{text}");
    status_says(&b, "Ready to use without signal").await;

    b.visit(&format!("/meetings/{meeting}/sign-in"), "the sign-in list")
        .await;
    status_says(&b, "Everything is saved").await;

    // No signal: each tap shows its result at once and is kept on the phone.
    signal.lose();
    for (n, name) in MEMBERS.iter().enumerate() {
        tap_name(&b, name).await;
        status_says(&b, &format!("{} change", n + 1)).await;
    }
    b.choose("kind", "guest").await;
    b.fill("name", GUEST).await;
    b.press("Sign them in").await;
    let said = status_says(&b, "6 changes waiting").await;
    assert!(said.starts_with("Saved on this phone"), "{said}");
    b.expect_text(GUEST).await;
    assert_eq!(b.text("[data-signed-in-count]").await.trim(), "6");
    // The live updates' polls fail with no signal, as expected.
    b.forget_console().await;
    b.check("the sign-in list with no signal").await;
    b.look_at("offline-sign-in").await;

    // The meeting's page, kept by choice: who is coming and their needs, with no signal.
    b.visit(
        &format!("/meetings/{meeting}"),
        "the meeting's page with no signal",
    )
    .await;
    b.expect_text("Who is coming").await;
    // The sign-in sheet, for printing, with its own print styles.
    b.visit(
        &format!("/meetings/{meeting}/sign-in-sheet"),
        "the sign-in sheet with no signal",
    )
    .await;
    b.expect_text("Time in").await;
    b.visit(
        &format!("/meetings/{meeting}/sign-in"),
        "the sign-in list again",
    )
    .await;

    // A reload with no signal: the list still shows everyone signed in.
    b.client.refresh().await.expect("reload");
    status_says(&b, "6 changes waiting").await;
    b.expect_text(GUEST).await;
    assert_eq!(b.text("[data-signed-in-count]").await.trim(), "6");

    // Back to the run-sheet, with no signal: through every step, a prompt ticked and notes on
    // the way, the round-up, and the end of the meeting.
    let back = b
        .find_xpath("//a[normalize-space()=\"Back to the meeting's steps\"]")
        .await;
    b.click_and_wait(back).await;
    status_says(&b, "6 changes waiting").await;
    b.expect_text("(6 here)").await;
    let first = b.text("h1.step-title").await;
    b.click_label("prompt-0").await;
    b.fill("step-notes", NOTE).await;
    let mut titles = vec![first.trim().to_string()];
    let mut rounded = false;
    let mut agreed = false;
    for _ in 0..20 {
        if !b.find_all("#round_up_good").await.is_empty() {
            b.fill("round_up_good", ROUND_UP).await;
            rounded = true;
        }
        // A form of its own on a step (a topic agreed for next time): kept, and it says so.
        let agree = b
            .find_all("form[action*='/topics/'] button.button-small")
            .await;
        if let Some(button) = agree.into_iter().next()
            && !agreed
        {
            b.click_and_wait(button).await;
            b.expect_text("Saved on this phone: it is sent when the signal returns.")
                .await;
            agreed = true;
        }
        let ends = b.find_all("nav.step-nav button[formaction$='/end']").await;
        if !ends.is_empty() {
            break;
        }
        next_step(&b).await;
        titles.push(b.text("h1.step-title").await.trim().to_string());
        // Each step's clock starts at the move, made on this phone.
        let clock = b.text(".clocks .clock").await;
        assert!(clock.contains("0 of") || clock.contains("1 of"), "{clock}");
    }
    assert!(rounded, "the agenda has a round-up: {titles:?}");
    assert!(agreed, "a topic was agreed for next time: {titles:?}");
    assert!(titles.len() > 3, "moved through the steps: {titles:?}");
    // The live updates' polls fail with no signal, as expected.
    b.forget_console().await;
    b.check("a step of the run-sheet with no signal").await;
    b.look_at("offline-run-step").await;
    b.press("End the meeting…").await;
    b.expect_text("End the meeting?").await;
    b.press("Yes, end the meeting").await;
    let said = status_says(&b, "The meeting is ended when the signal returns").await;
    assert!(said.starts_with("Saved on this phone"), "{said}");

    // The browser closed and opened again, still with no signal: the run-sheet is there, with
    // everything waiting.
    b.restart(&format!("/meetings/{meeting}/run")).await;
    status_says(&b, "The meeting is ended when the signal returns").await;
    b.expect_text("(6 here)").await;

    // Signing out now would delete what is waiting: it asks first.
    b.find_xpath("//button[normalize-space()='Sign out']")
        .await
        .click()
        .await
        .expect("press Sign out");
    let asked = b.client.get_alert_text().await.expect("asked first");
    assert!(
        asked.contains("changes made without signal have not been sent yet"),
        "{asked}"
    );
    b.client.dismiss_alert().await.expect("cancel");

    // The signal returns: everything is sent, in order, each once.
    signal.regain();
    caught_up(&b, &format!("/meetings/{meeting}/sign-in")).await;
    // Requests that failed with no signal (the live updates' polls) are expected.
    b.forget_console().await;
    b.visit(
        &format!("/meetings/{meeting}/sign-in"),
        "the sign-in list, online",
    )
    .await;
    assert_eq!(b.text("[data-signed-in-count]").await.trim(), "6");
    let list = b.text(".signin-list").await;
    assert_eq!(
        list.matches(GUEST).count(),
        1,
        "the guest is signed in once: {list}"
    );
    for name in MEMBERS {
        assert!(signed_in(&b, name).await, "{name} is signed in");
    }
    // The meeting was ended, with its notes and round-up, each once.
    b.visit(&format!("/meetings/{meeting}/notes"), "the record, online")
        .await;
    b.expect_text(ROUND_UP).await;
    b.expect_text(NOTE).await;
    let record = b.body_text().await;
    assert_eq!(record.matches(ROUND_UP).count(), 1, "{record}");
    b.finish();
}

on_both_databases!(
    two_phones_without_signal_merge_when_they_catch_up,
    two_phones_without_signal_merge_when_they_catch_up_on_postgres,
    two_phones
);

/// Opens the run-sheet and the sign-in list online, so that the phone keeps them.
async fn get_ready(b: &mut Browser, meeting: i64) {
    b.visit(&format!("/meetings/{meeting}/run"), "the run-sheet")
        .await;
    status_says(b, "Ready to use without signal").await;
    b.visit(&format!("/meetings/{meeting}/sign-in"), "the sign-in list")
        .await;
    status_says(b, "Everything is saved").await;
}

/// With no signal: signs one person in, goes back to the run-sheet and writes a note on the
/// step it is at, waiting until the note is kept on the phone.
async fn sign_in_and_note(b: &Browser, name: &str, note: &str) {
    tap_name(b, name).await;
    let back = b
        .find_xpath("//a[normalize-space()=\"Back to the meeting's steps\"]")
        .await;
    b.click_and_wait(back).await;
    b.fill("step-notes", note).await;
    b.wait_for_text("[data-save-status]", "Saved on this phone")
        .await;
}

async fn two_phones(mut fern: Browser, fern_signal: Signal) {
    sign_in(
        &mut fern,
        hearth::demo::FACILITATOR.1,
        hearth::demo::FACILITATOR.2,
    )
    .await;
    let meeting = plan_todays_meeting(&mut fern).await;
    fern.press("Start the meeting").await;
    get_ready(&mut fern, meeting).await;
    // A second facilitator's phone (the coordinator), its own signal.
    let (cora_signal, cora_url) = fern_signal.another().await;
    let mut cora = fern.another(&cora_url).await;
    sign_in(
        &mut cora,
        hearth::demo::COORDINATOR.1,
        hearth::demo::COORDINATOR.2,
    )
    .await;
    get_ready(&mut cora, meeting).await;

    // Both lose the signal; each signs someone in and writes on the same step's notes; the
    // second also moves on a step.
    fern_signal.lose();
    cora_signal.lose();
    // Both sign Carol in; the second phone then undoes its own sign-in of her.
    tap_name(&fern, "Carol").await;
    tap_name(&cora, "Carol").await;
    tap_name(&cora, "Carol").await;
    sign_in_and_note(&fern, "Ada", "Fern: the urn is broken.").await;
    sign_in_and_note(&cora, "Bill", "Cora: the hall is cold.").await;
    next_step(&cora).await;
    let cora_step = cora.text("h1.step-title").await;

    // The first phone catches up first, then the second: nothing of either is lost (the
    // second's undo of Carol comes after the first's sign-in of her, and leaves it).
    fern_signal.regain();
    caught_up(&fern, &format!("/meetings/{meeting}/sign-in")).await;
    cora_signal.regain();
    caught_up(&cora, &format!("/meetings/{meeting}/sign-in")).await;
    // Requests that failed with no signal (the live updates' polls) are expected.
    fern.forget_console().await;
    cora.forget_console().await;

    fern.visit(
        &format!("/meetings/{meeting}/sign-in"),
        "the sign-in list, online",
    )
    .await;
    // Ada, Bill, and Carol (the undo on one phone left the other phone's sign-in).
    assert_eq!(fern.text("[data-signed-in-count]").await.trim(), "3");
    assert!(signed_in(&fern, "Carol").await, "Carol is signed in");
    fern.visit(
        &format!("/meetings/{meeting}/run?step=0"),
        "the first step, online",
    )
    .await;
    let notes = fern.value_of("step-notes").await;
    assert!(
        notes.contains("Fern: the urn is broken.") && notes.contains("Cora: the hall is cold."),
        "both phones' notes are kept: {notes:?}"
    );
    // The current step follows the latest move (the second phone's).
    fern.visit(&format!("/meetings/{meeting}/run"), "the run-sheet, online")
        .await;
    assert_eq!(fern.text("h1.step-title").await, cora_step);
    cora.finish();
    fern.finish();
}

//! One member through three meetings on a 390 px phone (issue 16): a "since last time" line,
//! a plan reviewed "on track", then "changed", then "done", the ground rules agreed at the
//! first, hosting the refreshments and saying no to a social event; then each thread is found
//! where the facilitator and the member would look for it.

use crate::harness::{Browser, run_with_demo};
use crate::seven_tasks::{go_to_step_from_start, member_link, sign_in, start_time_today, today};

const PHONE: (u32, u32) = (390, 844);
const LINE: &str = "Started an allotment with her neighbour";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_member_through_three_meetings() {
    run_with_demo("threads", |b| async move { three_meetings(b).await }).await;
}

fn day(offset: i64) -> jiff::civil::Date {
    today()
        .checked_add(jiff::Span::new().days(offset))
        .expect("a date")
}

fn label(d: jiff::civil::Date) -> String {
    hearth::labels::date_label(&d.to_string())
}

/// Plans a meeting of the demo group; its id.
async fn plan(b: &mut Browser, date: jiff::civil::Date, time: &str) -> i64 {
    b.visit("/groups/1/meetings/new", "plan a meeting").await;
    b.set_value("date", &date.to_string()).await;
    b.fill("start_time", time).await;
    b.press("Plan the meeting").await;
    b.path()
        .await
        .trim_start_matches("/meetings/")
        .parse()
        .expect("the new meeting's page")
}

/// Starts a meeting (asking first when it is not today), signs Ada in and opens its steps.
async fn start_with_ada(b: &mut Browser, id: i64) {
    b.visit(&format!("/meetings/{id}"), "the meeting").await;
    if b.body_text().await.contains("Start it now instead") {
        b.press("Start it now instead…").await;
        b.press("Start it now").await;
    } else {
        b.press("Start the meeting").await;
    }
    b.visit(&format!("/meetings/{id}/sign-in"), "sign-in list")
        .await;
    let ada = b
        .find_xpath("//button[.//span[contains(@class,'signin-name')][contains(., 'Ada')]]")
        .await;
    b.click_and_wait(ada).await;
    b.visit(&format!("/meetings/{id}/run"), "the meeting's steps")
        .await;
}

async fn end(b: &mut Browser) {
    go_to_step_from_start(b, "Socialising and question time").await;
    b.press("End the meeting…").await;
    b.press("Yes, end the meeting").await;
}

/// Presses an outcome button by Ada's plan in the goals step.
async fn review(b: &mut Browser, outcome: &str) {
    go_to_step_from_start(b, "Review of goals").await;
    let button = b
        .find(&format!("#goals button[name='outcome'][value='{outcome}']"))
        .await;
    b.click_and_wait(button).await;
}

async fn three_meetings(mut b: Browser) {
    b.client
        .goto(&b.url("/signin"))
        .await
        .expect("open /signin");
    b.set_viewport(PHONE.0, PHONE.1).await;
    sign_in(
        &mut b,
        hearth::demo::FACILITATOR.1,
        hearth::demo::FACILITATOR.2,
    )
    .await;
    let (first_day, second_day) = (day(-14), day(-7));
    let first = plan(&mut b, first_day, "10:30").await;
    let second = plan(&mut b, second_day, "10:30").await;
    let third = plan(&mut b, today(), &start_time_today()).await;

    // Ada's plan, and her link; she offers to host, and says no to a social event.
    let link = member_link(&mut b, "Ada").await;
    let ada: i64 = b
        .find(".breadcrumb a[href^='/members/']")
        .await
        .attr("href")
        .await
        .expect("read the link")
        .and_then(|h| h.trim_start_matches("/members/").parse().ok())
        .expect("Ada's id");
    b.visit(&format!("/members/{ada}?add=plan"), "Ada's page")
        .await;
    b.fill("what", "Walk to the shops").await;
    b.select("confidence", "6").await;
    b.press("Save the plan").await;
    b.visit("/groups/1/social", "social events").await;
    b.fill("title", "Picnic by the lake").await;
    b.set_value("date", &day(10).to_string()).await;
    b.fill("start_time", "12:30").await;
    b.fill("duration_minutes", "120").await;
    b.fill("place", "Lakeside park").await;
    b.press("Plan it and invite the group").await;
    let event: i64 = b
        .path()
        .await
        .trim_start_matches("/social/")
        .parse()
        .expect("the event's page");
    b.press_sign_out_if_signed_in().await;
    b.client.goto(&b.url(&link)).await.expect("open the link");
    if b.body_text().await.contains("Yes, put me on the rota") {
        b.press("Yes, put me on the rota").await;
    }
    let no = b
        .find(&format!(
            "button[formaction*='/social/{event}?'][value='no']"
        ))
        .await;
    b.click_and_wait(no).await;
    b.expect_text("You said: I cannot come").await;
    sign_in(
        &mut b,
        hearth::demo::FACILITATOR.1,
        hearth::demo::FACILITATOR.2,
    )
    .await;

    // The first meeting: the ground rules agreed, a line since last time, the plan on track.
    start_with_ada(&mut b, first).await;
    go_to_step_from_start(&b, "Welcome and introductions").await;
    b.click_label("prompt-6").await;
    go_to_step_from_start(&b, "Since last time").await;
    b.fill(&format!("checkin-note-{ada}"), LINE).await;
    go_to_step_from_start(&b, "Welcome and introductions").await;
    b.expect_text("Reviewed with the group at this meeting.")
        .await;
    review(&mut b, "on_track").await;
    b.expect_text("Reviewed today: On track").await;
    b.check("goals step, reviewed today").await;
    b.look_at_widths("threads-goals-reviewed", &[320, 390])
        .await;
    end(&mut b).await;
    b.expect_text(LINE).await;
    b.check("the first meeting's notes").await;
    b.look_at_widths("threads-notes", &[320, 390]).await;

    // The second: last time's line beside Ada's name; the plan changed to a new version.
    start_with_ada(&mut b, second).await;
    go_to_step_from_start(&b, "Since last time").await;
    b.expect_text(&format!("Last time, on {}: {LINE}", label(first_day)))
        .await;
    b.check("since last time, with last time's line").await;
    b.look_at_widths("threads-since-last-time", &[320, 390])
        .await;
    review(&mut b, "changed").await;
    b.expect_text("It was: Walk to the shops").await;
    b.check("the plan has changed").await;
    b.look_at_widths("threads-changed", &[320, 390]).await;
    b.fill("what", "Walk to the park").await;
    b.press("Save the new version").await;
    b.expect_text("Reviewed today: Changed").await;
    end(&mut b).await;

    // The third, today: Ada hosts; the plan as it is now is done.
    b.visit(&format!("/meetings/{third}"), "today's meeting")
        .await;
    b.select("host", &ada.to_string()).await;
    b.press("Confirm").await;
    b.expect_text("is hosting the tea and coffee").await;
    start_with_ada(&mut b, third).await;
    go_to_step_from_start(&b, "Review of goals").await;
    b.expect_text("Walk to the park").await;
    review(&mut b, "done").await;
    b.expect_text("Reviewed today: Done").await;
    end(&mut b).await;

    // Where the facilitator looks: Ada's page, her plan's history, the group, the search, the
    // social event.
    b.visit(&format!("/members/{ada}"), "Ada's page").await;
    let since = b.text("#since-last-time").await;
    assert!(
        since.contains(&label(first_day)) && since.contains(LINE),
        "{since}"
    );
    b.look_at_widths("threads-member", &[320, 390]).await;
    let plan = b
        .find_xpath("//a[starts-with(normalize-space(),'Walk to the park')]")
        .await;
    b.click_and_wait(plan).await;
    b.check("the plan's history").await;
    let history = b.body_text().await;
    for needle in [
        format!("On track at the meeting on {}", label(first_day)),
        format!("Changed at the meeting on {}", label(second_day)),
        "It was: Walk to the shops".to_string(),
        format!("Done at the meeting on {}", label(today())),
    ] {
        assert!(history.contains(&needle), "{needle:?} in {history}");
    }
    b.look_at_widths("threads-plan-history", &[320, 390]).await;
    b.visit("/groups/1", "the group").await;
    b.expect_text(&format!("Last agreed or reviewed on {}", label(first_day)))
        .await;
    b.visit("/groups/1/search?q=allotment", "search").await;
    b.expect_text("since last time").await;
    b.visit(&format!("/social/{event}"), "the social event")
        .await;
    let replies = b.text("#replies").await;
    assert!(
        replies.contains("Cannot come (1)") && replies.contains("Ada"),
        "{replies}"
    );
    b.press_sign_out_if_signed_in().await;

    // Where Ada looks: her own page.
    b.client.goto(&b.url(&link)).await.expect("open the link");
    b.check("Ada's own page").await;
    b.expect_text(&format!("At the meeting on {}", label(first_day)))
        .await;
    b.expect_text(LINE).await;
    b.expect_text("You said: I cannot come").await;
    b.look_at_widths("threads-own-page", &[320, 390]).await;
    b.finish();
}

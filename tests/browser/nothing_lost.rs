//! Nothing typed is lost on a page with several forms: with Hearth's script, pressing another
//! form's button first saves what was typed (a plan on the member's page, a topic on a member's
//! own page), and if the server does not take it, that form comes back with its message and
//! the text kept, and the other button does nothing. Signing out with notes still kept on the
//! device asks first, and leaves none behind.

use crate::harness::{Browser, run_with_demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_buttons_press_saves_what_was_typed_first() {
    run_with_demo("nothing-lost", |b| async move { nothing_lost(b).await }).await;
}

async fn open_member(b: &mut Browser, name: &str) {
    b.visit("/groups/1/members", "members").await;
    let member = b
        .find_xpath(&format!("//a[starts-with(normalize-space(),'{name}')]"))
        .await;
    b.click_and_wait(member).await;
}

async fn nothing_lost(mut b: Browser) {
    b.client
        .goto(&b.url("/signin"))
        .await
        .expect("open /signin");
    b.fill("email", hearth::demo::FACILITATOR.1).await;
    b.fill("password", hearth::demo::FACILITATOR.2).await;
    b.press("Sign in").await;

    // A plan typed in full, then "Record consent" pressed: both are kept.
    open_member(&mut b, "Ada").await;
    let member_page = b.path().await;
    b.open_details("Add an action plan").await;
    b.fill("what", "Walk to the shops and back").await;
    b.select("confidence", "7").await;
    b.open_details("Record a consent").await;
    b.choose("kind", "records").await;
    b.choose("how_given", "phone").await;
    b.press("Record consent").await;
    b.expect_text("The consent has been recorded.").await;
    assert_eq!(b.path().await, member_page);
    b.expect_text("Walk to the shops and back").await;
    let what = b.value_of("what").await;
    assert_eq!(what, "", "the saved plan is not left in its box");
    b.check("member page after saving first").await;

    // A plan the server cannot take (no confidence chosen): its form comes back with the
    // message and the text, and the other button's action is not done.
    b.open_details("Add an action plan").await;
    b.fill("what", "Swim on Fridays").await;
    let off = b
        .find_xpath(
            "//button[contains(@formaction,'/link')][starts-with(normalize-space(),'Make a')]",
        )
        .await;
    b.click_and_wait(off).await;
    b.expect_text("Choose how confident they feel").await;
    b.expect_text("Nothing else was done yet").await;
    let what = b.value_of("what").await;
    assert_eq!(what, "Swim on Fridays", "the typed plan is kept");
    let path = b.path().await;
    assert!(
        path.starts_with(&member_page),
        "the member's page came back with the plan's message ({path})"
    );
    b.check("member page with the plan's message").await;

    // On a member's own page: a topic typed, then "I am coming" pressed.
    let link = crate::seven_tasks::member_link(&mut b, "Ada").await;

    // Signing out with notes kept on this device (the connection dropped before they were
    // saved): it asks first. "Cancel" stays signed in with the notes; "OK" signs out, and the
    // notes do not stay in the browser for the next person.
    b.client
        .execute(
            "window.localStorage.setItem('hearth:draft:/meetings/1/notes:key_points', 'Unsaved words');",
            vec![],
        )
        .await
        .expect("a draft kept on the device");
    let signed_in_at = b.path().await;
    b.find_xpath("//button[normalize-space()='Sign out']")
        .await
        .click()
        .await
        .expect("press Sign out");
    let asked = b.client.get_alert_text().await.expect("asked first");
    assert!(asked.contains("have not been saved yet"), "{asked}");
    b.client.dismiss_alert().await.expect("cancel");
    assert_eq!(b.drafts_kept().await, 1, "cancelled: the notes are kept");
    assert_eq!(b.path().await, signed_in_at, "cancelled: still signed in");
    b.find_xpath("//button[normalize-space()='Sign out']")
        .await
        .click()
        .await
        .expect("press Sign out again");
    b.client.accept_alert().await.expect("sign out anyway");
    for _ in 0..50 {
        if b.path().await == "/signin" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.expect_path("/signin").await;
    assert_eq!(
        b.drafts_kept().await,
        0,
        "signed out: no notes left on the device"
    );
    b.client.goto(&b.url(&link)).await.expect("open the link");
    b.fill("title", "Gardening in small spaces").await;
    let coming = b.find("#next button[value='yes']").await;
    b.click_and_wait(coming).await;
    b.expect_text("You said: I am coming").await;
    b.expect_text("Gardening in small spaces").await;
    b.check("member's own page after saving first").await;
}

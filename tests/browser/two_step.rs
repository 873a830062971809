//! Two-step sign-in in a real browser: a coordinator sets up an authenticator app from their
//! account page, keeps (and prints) the recovery codes, requires it of all staff, signs in
//! with a code; a facilitator is guided through setting it up when they next sign in. Every
//! page is checked with axe-core and looked at on a narrow phone.

use hearth::auth::two_step::code_at;
use hearth::demo::{COORDINATOR, FACILITATOR};

use crate::harness::{Browser, run_with_demo};

/// The code an app with this key shows `steps` 30-second steps from now.
fn code(key: &str, steps: i64) -> String {
    code_at(key, hearth::store::now() + steps * 30).expect("a code")
}

async fn sign_in(b: &mut Browser, email: &str, password: &str) {
    b.visit("/signin", "sign in").await;
    b.fill("email", email).await;
    b.fill("password", password).await;
    b.press("Sign in").await;
}

async fn key_on_page(b: &Browser) -> String {
    b.text("#key").await.split_whitespace().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_step_sign_in() {
    run_with_demo("two_step", |mut b| async move {
        let (_, c_email, c_password) = COORDINATOR;
        sign_in(&mut b, c_email, c_password).await;
        b.expect_path("/").await;

        b.visit("/account", "account, two-step off").await;
        b.expect_text("Two-step sign-in").await;
        b.click_css("a[href='/account/two-step']").await;
        b.expect_path("/account/two-step").await;
        b.check("set up two-step sign-in").await;
        b.look_at("two-step-setup").await;
        let key = key_on_page(&b).await;
        // A wrong code: the message is next to the box.
        b.fill("code", &code(&key, 8)).await;
        b.fill("current_password", c_password).await;
        b.press("Turn on two-step sign-in").await;
        b.check("set up with a wrong code").await;
        b.expect_text("That code is not right").await;
        b.fill("code", &code(&key, 0)).await;
        b.fill("current_password", c_password).await;
        b.press("Turn on two-step sign-in").await;
        b.check("recovery codes").await;
        b.expect_text("Two-step sign-in is on").await;
        b.look_at("recovery-codes").await;
        b.check_print_layout("recovery-codes", &["Keep them safe now", "-"])
            .await;
        b.click_css("a.button[href='/account']").await;
        b.expect_path("/account").await;
        b.expect_text("On since").await;
        b.look_at("account-two-step-on").await;

        b.visit("/staff", "staff").await;
        b.press("Require it for all staff").await;
        b.check("staff, two-step required").await;
        b.expect_text("Required for all staff").await;
        b.look_at("staff-two-step").await;

        // Signing in now takes the code.
        b.press("Sign out").await;
        sign_in(&mut b, c_email, c_password).await;
        b.expect_path("/signin/second-step").await;
        b.check("second step").await;
        b.look_at("second-step").await;
        b.fill("code", &code(&key, 1)).await;
        b.press("Sign in").await;
        b.expect_path("/").await;

        // A facilitator without it is shown how to set it up, and signed in once done.
        b.press("Sign out").await;
        let (_, f_email, f_password) = FACILITATOR;
        sign_in(&mut b, f_email, f_password).await;
        b.expect_path("/signin/set-up").await;
        b.check("set up at sign-in").await;
        b.expect_text("asks everyone").await;
        b.look_at("two-step-setup-at-sign-in").await;
        let key = key_on_page(&b).await;
        b.fill("code", &code(&key, 0)).await;
        b.press("Turn on two-step sign-in").await;
        b.check("recovery codes at sign-in").await;
        b.expect_text("Signed in as Tom Okafor").await;
        b.click_css("a.button[href='/']").await;
        b.expect_path("/").await;
    })
    .await;
}

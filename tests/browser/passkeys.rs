//! Passkeys in a real browser, through WebDriver's virtual authenticator (a phone's passkeys
//! with its lock always passing): a coordinator adds one from their account page and gets
//! recovery codes, signs in with password and passkey, requires two-step sign-in of all staff
//! (a facilitator then adds a passkey as they sign in), and a different authenticator
//! answering with the same passkey's id but another key is refused. Every page is checked with
//! axe-core and looked at on a narrow phone.

use hearth::demo::{COORDINATOR, FACILITATOR};
use serde_json::json;

use crate::harness::{Browser, run_with_demo_on_localhost};

/// A P-256 private key (PKCS#8, base64url) of no one's: the "wrong authenticator".
const OTHER_KEY: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1DblQpdxk3WS8UOj78A6k57Mjuz-6W8Th0qSsrTtxX2hRANCAARqxpt7aIndpig2r_RwBWUbZAqFkmHTA0Ihvw2XslxZjWS0axDQePGINBArGztVs0hoXEwCEU8SPxgG9bHWRi02";

async fn sign_in(b: &mut Browser, email: &str, password: &str) {
    b.visit("/signin", "sign in").await;
    b.fill("email", email).await;
    b.fill("password", password).await;
    b.press("Sign in").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkey_sign_in() {
    run_with_demo_on_localhost("passkeys", |mut b| async move {
        let phone = b.add_virtual_authenticator().await;
        let (_, email, password) = COORDINATOR;
        sign_in(&mut b, email, password).await;
        b.expect_path("/").await;

        // Adding one: name it, give the password, then unlock.
        b.visit("/account", "account, two-step off").await;
        b.look_at("account-passkeys-off").await;
        b.click_css("a[href='/account/passkeys/new']").await;
        b.expect_path("/account/passkeys/new").await;
        b.check("add a passkey").await;
        b.fill("current_password", "not my password").await;
        b.press("Continue").await;
        b.check("add a passkey, wrong password").await;
        b.expect_text("Your password is not right").await;
        b.fill("name", "Kitchen phone").await;
        b.fill("current_password", password).await;
        b.press("Continue").await;
        b.expect_path("/account/passkeys/finish").await;
        b.check("unlock to finish").await;
        b.look_at("passkey-finish").await;
        b.press("Add the passkey").await;
        b.check("recovery codes after a passkey").await;
        b.expect_text("Two-step sign-in is on").await;
        b.expect_text("your passkey").await;
        let held = b.authenticator_credentials(&phone).await;
        assert_eq!(held.len(), 1, "the phone holds the new passkey");
        let credential = held[0].clone();
        b.click_css("a.button[href='/account']").await;
        b.expect_path("/account").await;
        b.check("account with a passkey").await;
        b.expect_text("Kitchen phone").await;
        b.expect_text("last used never").await;
        b.look_at("account-passkeys-on").await;

        // Signing in: password, then the phone's lock.
        b.press("Sign out").await;
        sign_in(&mut b, email, password).await;
        b.expect_path("/signin/second-step").await;
        b.check("second step with a passkey").await;
        b.look_at("second-step-passkey").await;
        b.press("Use my passkey").await;
        b.expect_path("/").await;
        b.expect_text("Signed in as").await;
        b.visit("/account", "account after a passkey sign-in").await;
        b.expect_no_text("last used never").await;

        // Required of all staff: a facilitator without a second step chooses a passkey when
        // they next sign in, and is signed in once it is added.
        b.visit("/account/sessions/end-others", "sign out everywhere else")
            .await;
        b.visit("/staff/sign-out-all", "sign everyone out").await;
        b.look_at("sign-out-everyone").await;
        b.visit("/staff", "staff").await;
        b.look_at("staff-sign-out").await;
        b.press("Require it for all staff").await;
        b.expect_text("Required for all staff").await;
        b.press("Sign out").await;
        let (_, f_email, f_password) = FACILITATOR;
        sign_in(&mut b, f_email, f_password).await;
        b.expect_path("/signin/set-up").await;
        b.check("set up at sign-in, with a passkey offered").await;
        b.look_at("two-step-setup-passkey-at-sign-in").await;
        b.press("Use a passkey").await;
        b.expect_path("/signin/set-up/passkey").await;
        b.check("unlock to finish at sign-in").await;
        b.press("Add the passkey").await;
        b.check("recovery codes after a passkey at sign-in").await;
        b.expect_text("Signed in as Tom Okafor").await;
        b.click_css("a.button[href='/']").await;
        b.expect_path("/").await;
        b.press("Sign out").await;
        sign_in(&mut b, email, password).await;
        b.press("Use my passkey").await;
        b.expect_path("/").await;
        // Resetting the facilitator's second step says to check it is really them first.
        b.visit("/staff", "staff, with the facilitator's passkey")
            .await;
        b.click_css("a[href$='/two-step/reset']").await;
        b.check("reset a second step").await;
        b.expect_text("make sure it is really them").await;
        b.look_at("reset-two-step").await;

        // The phone's passkey swapped for one with the same id and another key (a different
        // authenticator claiming to be it): refused.
        b.remove_authenticator_credentials(&phone).await;
        b.add_authenticator_credential(
            &phone,
            json!({
                "credentialId": credential["credentialId"],
                "isResidentCredential": false,
                "rpId": credential["rpId"],
                "privateKey": OTHER_KEY,
                "userHandle": credential["userHandle"],
                "signCount": 100,
            }),
        )
        .await;
        b.press("Sign out").await;
        sign_in(&mut b, email, password).await;
        b.expect_path("/signin/second-step").await;
        b.press("Use my passkey").await;
        b.expect_path("/signin/second-step/passkey").await;
        b.check("a wrong passkey refused").await;
        b.expect_text("That passkey was not accepted").await;
    })
    .await;
}

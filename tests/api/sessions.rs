//! Where staff are signed in (ASVS V7.5.2) and signing out (V7.4.5, V7.2.4, V6.3.4): the
//! account page lists each sign-in with its device in words and ends any other after the
//! password; a coordinator signs one person, or everyone but themselves, out; signing in
//! again in a browser ends the sign-in it had; requiring two-step sign-in signs out everyone
//! without it.

use hearth::auth::passkeys::NewPasskey;
use hearth::domain::access::Role;

use crate::both_backends;
use crate::helpers::*;

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36";

/// The handle of the sign-in listed as `device` on an account page.
fn handle_of(page: &str, device: &str) -> String {
    let at = page
        .find(&format!("<strong>{device}</strong>"))
        .expect("the device listed");
    let rest = &page[at..];
    let start =
        rest.find("/account/sessions/").expect("a sign-out link") + "/account/sessions/".len();
    rest[start..start + 16].to_string()
}

both_backends! {
    /// Each sign-in is listed with its device; another one is ended after the password (this
    /// browser cannot be, there: it has "Sign out"); "everywhere else" keeps this one.
    async fn staff_see_where_they_are_signed_in_and_sign_out_there(app: TestApp) {
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let desk = Browser::with_user_agent(&app.base, FIREFOX);
        desk.sign_in(&fern.email, PASSWORD).await.expect_redirect("/");
        let phone = Browser::with_user_agent(&app.base, PHONE);
        phone.sign_in(&fern.email, PASSWORD).await.expect_redirect("/");
        phone.get("/").await.expect(200);
        let third = app.browser();
        third.sign_in(&fern.email, PASSWORD).await.expect_redirect("/");
        third.get("/").await.expect(200);

        let page = desk.get("/account").await;
        page.expect(200)
            .expect_contains("Where you are signed in")
            .expect_contains("<strong>Firefox on Windows</strong> <span class=\"meta\">(this browser)</span>")
            .expect_contains("<strong>Samsung Internet on Android</strong>")
            .expect_contains("<strong>A browser</strong>")
            .expect_contains("last used just now")
            .expect_lacks("Mozilla/5.0");
        let handle = handle_of(&page.text, "Samsung Internet on Android");
        let end = format!("/account/sessions/{handle}/end");
        desk.get(&end).await.expect(200).expect_contains("Samsung Internet on Android");
        desk.post_form(&end, &[("current_password", "wrong")]).await
            .expect(422).expect_field_error("current_password", "not right");
        phone.get("/account").await.expect(200);
        desk.post_form(&end, &[("current_password", PASSWORD)]).await.expect_redirect("/account#sessions");
        phone.get("/account").await.expect_signin_redirect();
        desk.get(&end).await.expect(404);
        // Another account's sign-in cannot be named from here.
        let gus = app.create_account("gus@example.org", "Gus Facilitator", Role::Facilitator).await;
        let gb = app.signed_in(&gus.email, PASSWORD).await;
        let gus_page = gb.get("/account").await;
        assert!(gus_page.text.contains("(this browser)"));
        let own = handle_of(&desk.get("/account").await.text, "A browser");
        gb.get(&format!("/account/sessions/{own}/end")).await.expect(404);
        gb.post_form(&format!("/account/sessions/{own}/end"), &[("current_password", PASSWORD)]).await.expect(404);
        third.get("/account").await.expect(200);

        // Everywhere else: the password first; this browser stays.
        desk.get("/account/sessions/end-others").await.expect(200);
        desk.post_form("/account/sessions/end-others", &[("current_password", "")]).await
            .expect(422).expect_field_error("current_password", "Enter your password");
        desk.post_form("/account/sessions/end-others", &[("current_password", PASSWORD)]).await
            .expect_redirect("/account#sessions");
        third.get("/account").await.expect_signin_redirect();
        desk.get("/account").await.expect(200).expect_lacks("/account/sessions/");
        gb.get("/account").await.expect(200);
    }
}

both_backends! {
    /// Signing in again in a browser ends the sign-in it already had (ASVS V7.2.4).
    async fn signing_in_again_ends_the_old_sign_in(app: TestApp) {
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let b = app.signed_in(&fern.email, PASSWORD).await;
        let old = b.cookie("hearth_session").expect("a session");
        // The sign-in form again in the same browser (signed in, /signin sends it home).
        b.csrf_from("/account").await;
        b.post_form("/signin", &[("email", &fern.email), ("password", PASSWORD)]).await.expect_redirect("/");
        let new = b.cookie("hearth_session").expect("a session");
        assert_ne!(old, new);
        // The old token, replayed by whoever copied it, is dead.
        assert!(app.store.session_account(&hearth::auth::hash_token(&old)).await.expect("read").is_none());
        assert_eq!(app.store.sessions_of(fern.id).await.expect("sessions").len(), 1);
        b.get("/account").await.expect(200);
    }
}

both_backends! {
    /// A coordinator signs one person out everywhere (not themselves; facilitators cannot),
    /// or every member of staff but themselves; both are audited.
    async fn coordinators_sign_people_out(app: TestApp) {
        let (c, cb) = app.coordinator().await;
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let f1 = app.signed_in(&fern.email, PASSWORD).await;
        let f2 = app.signed_in(&fern.email, PASSWORD).await;
        let gus = app.create_account("gus@example.org", "Gus Facilitator", Role::Facilitator).await;
        let g1 = app.signed_in(&gus.email, PASSWORD).await;
        cb.get("/staff").await.expect(200).expect_contains(&format!("/staff/{}/sign-out", fern.id));
        f1.post_form(&format!("/staff/{}/sign-out", gus.id), &[]).await.expect(403);
        cb.post_form(&format!("/staff/{}/sign-out", c.id), &[]).await.expect(409);
        cb.post_form("/staff/999999/sign-out", &[]).await.expect(404);
        cb.post_form(&format!("/staff/{}/sign-out", fern.id), &[]).await.expect_redirect("/staff");
        f1.get("/account").await.expect_signin_redirect();
        f2.get("/account").await.expect_signin_redirect();
        g1.get("/account").await.expect(200);
        let audit = app.store.audit_for(&format!("account:{}", fern.id), 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action == "signed out everywhere"), "{audit:?}");

        // Everyone: a page that says what happens, then everyone but this browser.
        let other = app.signed_in(&c.email, PASSWORD).await;
        g1.get("/staff/sign-out-all").await.expect(403);
        cb.get("/staff/sign-out-all").await.expect(200).expect_contains("You stay signed in here");
        cb.post_form("/staff/sign-out-all", &[]).await.expect_redirect("/staff");
        g1.get("/account").await.expect_signin_redirect();
        other.get("/account").await.expect_signin_redirect();
        cb.get("/account").await.expect(200);
        let audit = app.store.audit_for("network", 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action == "signed out all staff"), "{audit:?}");
    }
}

both_backends! {
    /// Requiring two-step sign-in signs out everyone signed in with a password alone (they
    /// set it up when they next sign in); whoever has a second step stays signed in.
    async fn requiring_two_step_signs_out_password_only_sign_ins(app: TestApp) {
        let (c, cb) = app.coordinator().await;
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let fb = app.signed_in(&fern.email, PASSWORD).await;
        let gus = app.create_account("gus@example.org", "Gus Facilitator", Role::Facilitator).await;
        let gb = app.signed_in(&gus.email, PASSWORD).await;
        let key = NewPasskey { credential_id: "gus-key".into(), record: "{}".into() };
        app.store.add_passkey(&gus, "Phone", &key).await.expect("added");
        let own = NewPasskey { credential_id: "cora-key".into(), record: "{}".into() };
        app.store.add_passkey(&c, "Phone", &own).await.expect("added");
        cb.post_form("/staff/two-step", &[("required", "on")]).await.expect_redirect("/staff#two-step");
        fb.get("/account").await.expect_signin_redirect();
        fb.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/set-up");
        gb.get("/account").await.expect(200);
        cb.get("/account").await.expect(200);
    }
}

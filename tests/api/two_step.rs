//! Two-step sign-in (issue 19): an authenticator app's code after the password, each code
//! once, recovery codes, required of everyone by a coordinator with guided setup at sign-in, a
//! coordinator's reset of a lost phone, and no way round it through a reset link.

use hearth::auth::two_step::code_at;
use hearth::domain::access::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

fn now() -> i64 {
    hearth::store::now()
}

/// The key shown for typing into an app by hand.
fn key_of(page: &str) -> String {
    let start = page.find("id=\"key\">").expect("a key on the page") + "id=\"key\">".len();
    let end = start + page[start..].find("</p>").expect("end of key");
    page[start..end].split_whitespace().collect()
}

/// The code the app makes `steps` 30-second steps from now.
fn code(key: &str, steps: i64) -> String {
    code_at(key, now() + steps * 30).expect("a code")
}

/// The recovery codes on a page that shows them.
fn recovery_codes(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .map(str::to_string)
        .collect()
}

/// Sets up an app from the account page; the key and the ten recovery codes.
async fn set_up(b: &Browser) -> (String, Vec<String>) {
    let page = b.get("/account/two-step").await;
    page.expect(200).expect_contains(
        "<svg role=\"img\" aria-label=\"A square code for your authenticator app\"",
    );
    let key = key_of(&page.text);
    // The same key while the page is reloaded.
    assert_eq!(key_of(&b.get("/account/two-step").await.text), key);
    // The password first: a session left open cannot swap in someone else's app.
    b.post_form("/account/two-step", &[("code", &code(&key, 0))])
        .await
        .expect(422)
        .expect_field_error("current_password", "Enter your password");
    b.post_form(
        "/account/two-step",
        &[("code", &code(&key, 0)), ("current_password", "wrong")],
    )
    .await
    .expect(422)
    .expect_field_error("current_password", "not right");
    b.post_form(
        "/account/two-step",
        &[("code", &code(&key, 5)), ("current_password", PASSWORD)],
    )
    .await
    .expect(422)
    .expect_field_error("code", "not right");
    let res = b
        .post_form(
            "/account/two-step",
            &[("code", &code(&key, 0)), ("current_password", PASSWORD)],
        )
        .await;
    res.expect(200).expect_contains("Two-step sign-in is on");
    let codes = recovery_codes(&res.text);
    assert_eq!(codes.len(), 10, "{}", res.text);
    (key, codes)
}

both_backends! {
    /// After the right password, an account with an app is asked for its code and is not
    /// signed in until it passes; a wrong code is refused; each code works once (a code seen
    /// over someone's shoulder is spent); a recovery code works once instead of the app's.
    async fn the_second_step_is_asked_and_each_code_works_once(app: TestApp) {
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let b = app.signed_in(&fern.email, PASSWORD).await;
        b.get("/account").await.expect(200).expect_contains("Off.").expect_contains("/account/two-step");
        let (key, codes) = set_up(&b).await;
        b.get("/account").await.expect(200).expect_contains("On since").expect_contains("10 unused recovery codes");
        let audit = app.store.audit_for(&format!("account:{}", fern.id), 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action == "turned on two-step sign-in"), "{audit:?}");

        let b2 = app.browser();
        let res = b2.sign_in(&fern.email, PASSWORD).await;
        res.expect_redirect("/signin/second-step");
        assert!(b2.cookie("hearth_session").is_none(), "no session before the second step");
        b2.get("/account").await.expect_signin_redirect();
        b2.get("/signin/second-step").await.expect(200).expect_contains("Fern Facilitator").expect_contains("one-time-code");
        b2.post_form("/signin/second-step", &[("code", "")]).await.expect(422).expect_field_error("code", "6-digit");
        b2.post_form("/signin/second-step", &[("code", &code(&key, 6))]).await
            .expect(401).expect_field_error("code", "not right");
        let good = code(&key, 1);
        b2.post_form("/signin/second-step", &[("code", &good)]).await.expect_redirect("/");
        b2.get("/account").await.expect(200);
        assert!(b2.cookie("hearth_signin").is_none(), "the waiting sign-in is forgotten");

        // The same code again, in another sign-in: refused.
        let b3 = app.browser();
        b3.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/second-step");
        b3.post_form("/signin/second-step", &[("code", &good)]).await.expect(401);
        // A recovery code instead (typed in capitals, without the dash): works, once.
        let typed = codes[0].replace('-', "").to_uppercase();
        b3.post_form("/signin/second-step", &[("code", ""), ("recovery_code", &typed)]).await.expect_redirect("/");
        b3.get("/account").await.expect(200).expect_contains("9 unused recovery codes");
        let audit = app.store.audit_for(&format!("account:{}", fern.id), 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action == "signed in with a recovery code"), "{audit:?}");
        let b4 = app.browser();
        b4.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/second-step");
        b4.post_form("/signin/second-step", &[("recovery_code", &codes[0])]).await.expect(401);

        // New recovery codes, behind the password: the old ones stop working.
        b.get("/account/two-step/codes").await.expect(200);
        b.post_form("/account/two-step/codes", &[("current_password", "wrong")]).await
            .expect(422).expect_field_error("current_password", "not right");
        let res = b.post_form("/account/two-step/codes", &[("current_password", PASSWORD)]).await;
        res.expect(200).expect_contains("Your new recovery codes");
        let fresh = recovery_codes(&res.text);
        assert_eq!(fresh.len(), 10);
        b4.post_form("/signin/second-step", &[("recovery_code", &codes[1])]).await.expect(401);
        b4.post_form("/signin/second-step", &[("recovery_code", &fresh[0])]).await.expect_redirect("/");
    }
}

both_backends! {
    /// Guessing codes is slowed like guessing passwords (a known password does not reset the
    /// count), and a waiting sign-in ends after five wrong codes.
    async fn guessing_codes_is_slowed_and_a_waiting_sign_in_ends(app: TestApp) {
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let b = app.signed_in(&fern.email, PASSWORD).await;
        let (key, _) = set_up(&b).await;
        let guesser = app.browser();
        guesser.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/second-step");
        // The password attempt and four wrong codes: the free five.
        for _ in 0..4 {
            guesser.post_form("/signin/second-step", &[("code", &code(&key, 9))]).await.expect(401);
        }
        let res = guesser.post_form("/signin/second-step", &[("code", &code(&key, 0))]).await;
        res.expect(429).expect_contains("Please wait");
        assert!(res.header("retry-after").is_some());
        // Giving the password again does not clear the count.
        let again = app.browser();
        again.sign_in(&fern.email, PASSWORD).await.expect(429);

        // A waiting sign-in allows five wrong codes, then the password is needed again.
        let token = hearth::auth::new_token();
        let hash = hearth::auth::hash_token(&token);
        app.store.create_challenge(&hash, fern.id, hearth::store::ChallengeKind::Code, "/").await.expect("challenge");
        assert!(app.store.challenge(&hash).await.expect("read").is_some());
        for i in 1..=5 {
            let alive = app.store.challenge_failed(&hash).await.expect("fail");
            assert_eq!(alive, i < 5, "after {i} wrong codes");
        }
        assert!(app.store.challenge(&hash).await.expect("read").is_none());
    }
}

both_backends! {
    /// A coordinator requires two-step sign-in of everyone (only once they have it), and
    /// someone without it is guided through setting it up when they next sign in; it cannot
    /// then be turned off, and a coordinator with it always keeps it.
    async fn it_can_be_required_and_is_set_up_at_sign_in(app: TestApp) {
        let (c, cb) = app.coordinator().await;
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let fb = app.signed_in(&fern.email, PASSWORD).await;
        cb.get("/staff").await.expect(200).expect_contains("Not required").expect_contains("set up two-step sign-in for yourself");
        cb.post_form("/staff/two-step", &[("required", "on")]).await.expect(409).expect_contains("for yourself first");
        fb.post_form("/staff/two-step", &[("required", "on")]).await.expect(403);
        cb.post_form("/staff/two-step", &[("required", "maybe")]).await.expect(400);
        set_up(&cb).await;
        // A coordinator with a second step keeps it.
        cb.get("/account").await.expect(200).expect_contains("required for your account").expect_lacks("/account/two-step/off");
        cb.get("/account/two-step/off").await.expect(409);
        cb.post_form("/account/two-step/off", &[("current_password", PASSWORD)]).await.expect(409);
        cb.post_form("/staff/two-step", &[("required", "on")]).await.expect_redirect("/staff#two-step");
        cb.get("/staff").await.expect(200).expect_contains("Required for all staff");
        let audit = app.store.audit_for("network", 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action == "required two-step sign-in for all staff" && e.actor == c.actor()), "{audit:?}");

        // Fern signs in: shown how to set it up, not signed in until it is.
        let b = app.browser();
        b.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/set-up");
        b.get("/account").await.expect_signin_redirect();
        b.get("/signin/second-step").await.expect_redirect("/signin/set-up");
        let page = b.get("/signin/set-up").await;
        page.expect(200).expect_contains("asks everyone").expect_contains("<svg");
        let key = key_of(&page.text);
        b.post_form("/signin/set-up", &[("code", &code(&key, 7))]).await.expect(422).expect_field_error("code", "not right");
        let res = b.post_form("/signin/set-up", &[("code", &code(&key, 0))]).await;
        res.expect(200).expect_contains("Two-step sign-in is on").expect_contains("Signed in as Fern Facilitator");
        assert_eq!(recovery_codes(&res.text).len(), 10);
        b.get("/account").await.expect(200).expect_contains("On since").expect_contains("required for your account");
        b.post_form("/account/two-step/off", &[("current_password", PASSWORD)]).await.expect(409);

        // No longer required: Fern may turn hers off, with her password.
        cb.post_form("/staff/two-step", &[("required", "off")]).await.expect_redirect("/staff#two-step");
        b.get("/account/two-step/off").await.expect(200);
        b.post_form("/account/two-step/off", &[("current_password", "nope")]).await.expect(422);
        b.post_form("/account/two-step/off", &[("current_password", PASSWORD)]).await.expect_redirect("/account");
        b.get("/account").await.expect(200).expect_contains("Off.");
        app.browser().sign_in(&fern.email, PASSWORD).await.expect_redirect("/");
    }
}

both_backends! {
    /// A coordinator resets the second step of someone who lost their phone (pages and API):
    /// they are signed out, sign in with their password, and it is audited. Not their own;
    /// not by a facilitator.
    async fn a_coordinator_resets_a_lost_phone(app: TestApp) {
        let w = World::build(&app).await;
        let (_, _) = set_up(&w.f1b).await;
        let staff = w.c_api.get("/api/v1/staff").await.json();
        let row = |v: &serde_json::Value, id: i64| v["staff"].as_array().expect("staff").iter().find(|s| s["id"] == id).expect("row").clone();
        assert_eq!(row(&staff, w.f1.id)["two_step"], true);
        assert_eq!(row(&staff, w.f2.id)["two_step"], false);
        w.cb.get("/staff").await.expect(200).expect_contains(&format!("/staff/{}/two-step/reset", w.f1.id));

        // The button leads to a page that says to check it is really them first.
        w.cb.get(&format!("/staff/{}/two-step/reset", w.f1.id)).await.expect(200).expect_contains("make sure it is really them");
        w.f2b.get(&format!("/staff/{}/two-step/reset", w.f1.id)).await.expect(403);
        w.cb.get(&format!("/staff/{}/two-step/reset", w.c.id)).await.expect(409);
        w.f2b.post_form(&format!("/staff/{}/two-step/reset", w.f1.id), &[]).await.expect(403);
        w.f2_api.post(&format!("/api/v1/staff/{}/two-step/reset", w.f1.id), &json!({})).await.expect_json_error(403, "forbidden");
        w.cb.post_form(&format!("/staff/{}/two-step/reset", w.c.id), &[]).await.expect(409);
        w.cb.post_form("/staff/999999/two-step/reset", &[]).await.expect(404);

        w.cb.post_form(&format!("/staff/{}/two-step/reset", w.f1.id), &[]).await.expect_redirect("/staff");
        w.f1b.get("/account").await.expect_signin_redirect();
        let audit = app.store.audit_for(&format!("account:{}", w.f1.id), 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action == "reset two-step sign-in" && e.actor == w.c.actor()), "{audit:?}");
        let b = app.browser();
        b.sign_in(&w.f1.email, PASSWORD).await.expect_redirect("/");
        b.get("/account").await.expect(200).expect_contains("Off.");

        // Through the API, answering with the account.
        let (_, _) = set_up(&b).await;
        let res = w.c_api.post(&format!("/api/v1/staff/{}/two-step/reset", w.f1.id), &json!({})).await;
        res.expect(200);
        assert_eq!(res.json()["two_step"], false);
        b.get("/account").await.expect_signin_redirect();
    }
}

both_backends! {
    /// A password reset link sets a new password; the second step is still asked for.
    async fn a_reset_link_does_not_skip_the_second_step(app: TestApp) {
        let (_, cb) = app.coordinator().await;
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let fb = app.signed_in(&fern.email, PASSWORD).await;
        let (key, _) = set_up(&fb).await;
        let res = cb.post_form(&format!("/staff/{}/reset-link", fern.id), &[]).await;
        let link = html::secret_link(&res.expect(200).text).expect("a link");
        let path = link.trim_start_matches(&app.base).to_string();
        let b = app.browser();
        b.csrf_from(&path).await;
        let new = "a brand new password 42";
        b.post_form(&path, &[("password", new), ("password_confirm", new)]).await.expect_redirect("/signin/second-step");
        b.get("/account").await.expect_signin_redirect();
        b.post_form("/signin/second-step", &[("code", &code(&key, 1))]).await.expect_redirect("/");
        b.get("/account").await.expect(200);
    }
}

both_backends! {
    /// Moving two-step sign-in to a new phone, or turning it off, signs the account out
    /// everywhere else (the browser that did it stays signed in); setting it up first does not.
    async fn moving_or_turning_it_off_ends_other_sign_ins(app: TestApp) {
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let a = app.signed_in(&fern.email, PASSWORD).await;
        let other = app.signed_in(&fern.email, PASSWORD).await;
        set_up(&a).await;
        other.get("/account").await.expect(200);

        // A new phone: a new key, the password and a code it makes.
        let page = a.get("/account/two-step").await;
        page.expect(200).expect_contains("Move two-step sign-in to a new phone");
        let key = key_of(&page.text);
        let res = a.post_form("/account/two-step", &[("code", &code(&key, 1)), ("current_password", PASSWORD)]).await;
        res.expect(200).expect_contains("Two-step sign-in is on");
        a.get("/account").await.expect(200);
        other.get("/account").await.expect_signin_redirect();

        // Turned off: another sign-in (made directly) ends too.
        let token = hearth::auth::new_token();
        let hash = hearth::auth::hash_token(&token);
        app.store.create_session(&hash, fern.id, 3600, 3600).await.expect("session");
        assert!(app.store.session_account(&hash).await.expect("read").is_some());
        a.post_form("/account/two-step/off", &[("current_password", PASSWORD)]).await.expect_redirect("/account");
        a.get("/account").await.expect(200).expect_contains("Off.");
        assert!(app.store.session_account(&hash).await.expect("read").is_none());
    }
}

//! Passkeys (issue 19): offered only where a browser can use them (a site name, never a bare
//! address); adding one asks for the password and refuses a forged answer; a passkey is one
//! account's only; a passkey-only account still signs in with a recovery code; a forged
//! answer at sign-in is refused and uses up one of the waiting sign-in's chances; removing the
//! last one where two-step is required is refused; a coordinator's reset takes them away.
//! The browser tests (tests/browser/passkeys.rs) add and use a real one through Chromium's
//! virtual authenticator.

use hearth::auth::passkeys::NewPasskey;
use hearth::domain::access::Role;
use hearth::store::StoreError;

use crate::both_backends;
use crate::helpers::*;

/// The id of a passkey that Chromium's virtual authenticator made for Hearth on localhost.
const REAL_ID: &str = "dW8HkZbIgQYxvsRX_z7MeZ9JKQ2R-FTkOKVnOQ2h4_w";
/// webauthn-rs's record of it, as Hearth keeps it (its public key, no private key).
const REAL_RECORD: &str = r#"{"cred":{"cred_id":"dW8HkZbIgQYxvsRX_z7MeZ9JKQ2R-FTkOKVnOQ2h4_w","cred":{"type_":"ES256","key":{"EC_EC2":{"curve":"SECP256R1","x":"FT_EEwxLq0oBtm0xXWxTc37RVyBq6n_xG3prD4Ksn1Q","y":"RGVz6vK14sWUs6tplGJZXg2fP0iO7PyBj82vEWpAyoc"}}},"counter":1,"transports":null,"user_verified":true,"backup_eligible":false,"backup_state":false,"registration_policy":"required","extensions":{"cred_protect":"Ignored","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":{"Unsigned":{"rk":null}}},"attestation":{"data":"None","metadata":"None"},"attestation_format":"none"}}"#;

/// A passkey as the store keeps it, under the credential id `id` (the store does not read the
/// record; the sign-in page gives it to webauthn-rs).
fn passkey(id: &str) -> NewPasskey {
    NewPasskey {
        credential_id: id.into(),
        record: REAL_RECORD.into(),
    }
}

both_backends! {
    /// On an address (http://127.0.0.1:…) browsers refuse passkeys, so Hearth does not offer
    /// them; on a name (http://localhost:…) it does, behind the password, and a forged answer
    /// adds nothing.
    async fn passkeys_are_offered_on_a_name_and_added_behind_the_password(app: TestApp) {
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let b = app.signed_in(&fern.email, PASSWORD).await;
        b.get("/account").await.expect(200).expect_lacks("/account/passkeys/new");
        b.get("/account/passkeys/new").await.expect(404);

        let named = app.instance_named("localhost", hearth::Config::default()).await;
        let b = Browser::new(&named.base);
        b.sign_in(&fern.email, PASSWORD).await.expect_redirect("/");
        b.get("/account").await.expect(200).expect_contains("/account/passkeys/new");
        b.get("/account/passkeys/new").await.expect(200).expect_contains("My phone");
        b.post_form("/account/passkeys/new", &[("name", "Phone"), ("current_password", "wrong")]).await
            .expect(422).expect_field_error("current_password", "not right").expect_value("name", "Phone");
        b.post_form("/account/passkeys/new", &[("name", ""), ("current_password", PASSWORD)]).await
            .expect(422).expect_field_error("name", "Give this passkey a name");
        b.post_form("/account/passkeys/new", &[("name", &"x".repeat(61)), ("current_password", PASSWORD)]).await
            .expect(422).expect_field_error("name", "at most 60");
        b.post_form("/account/passkeys/new", &[("name", "Phone"), ("current_password", PASSWORD)]).await
            .expect_redirect("/account/passkeys/finish");
        let page = b.get("/account/passkeys/finish").await;
        page.expect(200).expect_contains("data-passkey=\"create\"").expect_contains("&#34;id&#34;:&#34;localhost&#34;");
        // No answer (no JavaScript), garbage, and a well-formed answer to no challenge of ours.
        b.post_form("/account/passkeys/finish", &[("credential", "")]).await
            .expect(422).expect_contains("Passkeys need JavaScript");
        b.post_form("/account/passkeys/finish", &[("credential", "{not json")]).await
            .expect(422).expect_contains("could not be added");
        let forged = r#"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"attestationObject":"o2NmbXRkbm9uZQ","clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiQUFBQSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3QifQ"},"extensions":{}}"#;
        b.post_form("/account/passkeys/finish", &[("credential", forged)]).await
            .expect(422).expect_contains("could not be added");
        assert!(app.store.passkeys_of(fern.id).await.expect("passkeys").is_empty());
        assert!(!app.store.two_step_of(&fern).await.expect("two-step").on);
        named.stop().await;
    }
}

both_backends! {
    /// A passkey-only account: two-step is on with ten recovery codes; signing in asks for the
    /// second step; a forged passkey answer is refused and guessing is slowed like codes;
    /// a recovery code still works; another account cannot take the same passkey or remove it.
    async fn a_passkey_is_a_second_step_and_a_forgery_is_refused(app: TestApp) {
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let gus = app.create_account("gus@example.org", "Gus Facilitator", Role::Facilitator).await;
        let codes = app.store.add_passkey(&fern, "Phone", &passkey(REAL_ID)).await
            .expect("added").expect("the first second step brings recovery codes");
        assert_eq!(codes.len(), 10);
        let state = app.store.two_step_of(&fern).await.expect("two-step");
        assert!(state.on && !state.app && state.passkeys == 1, "{state:?}");
        assert_eq!(state.codes_left, 10);
        // A second passkey brings no new codes; the same one on another account is refused.
        assert!(app.store.add_passkey(&fern, "Laptop", &passkey("cred-fern-2")).await.expect("added").is_none());
        assert!(matches!(
            app.store.add_passkey(&gus, "Phone", &passkey(REAL_ID)).await,
            Err(StoreError::Conflict(hearth::store::Conflict::PasskeyTaken))
        ));
        let laptop = app.store.passkeys_of(fern.id).await.expect("passkeys")[1].id;
        assert!(matches!(app.store.remove_passkey(&gus, laptop).await, Err(StoreError::NotFound)));
        let audit = app.store.audit_for(&format!("account:{}", fern.id), 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action == "turned on two-step sign-in with a passkey"), "{audit:?}");

        let named = app.instance_named("localhost", hearth::Config::default()).await;
        let b = Browser::new(&named.base);
        b.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/second-step");
        assert!(b.cookie("hearth_session").is_none(), "no session before the second step");
        b.get("/signin/second-step").await.expect(200)
            .expect_contains("data-passkey=\"get\"").expect_contains(REAL_ID)
            .expect_lacks("one-time-code");
        // Forged answers: refused, never a session.
        let forged = r#"{"id":"dW8HkZbIgQYxvsRX_z7MeZ9JKQ2R-FTkOKVnOQ2h4_w","rawId":"dW8HkZbIgQYxvsRX_z7MeZ9JKQ2R-FTkOKVnOQ2h4_w","type":"public-key","response":{"authenticatorData":"AAAA","clientDataJSON":"e30","signature":"AAAA"},"extensions":{}}"#;
        b.post_form("/signin/second-step/passkey", &[("credential", forged)]).await
            .expect(401).expect_contains("That passkey was not accepted");
        b.post_form("/signin/second-step/passkey", &[("credential", "")]).await.expect(401);
        assert!(b.cookie("hearth_session").is_none());
        // A recovery code works for a passkey-only account.
        b.post_form("/signin/second-step", &[("recovery_code", &codes[0])]).await.expect_redirect("/");
        b.get("/account").await.expect(200).expect_contains("Phone").expect_contains("Laptop")
            .expect_contains("9 unused recovery codes");

        let guesser = Browser::new(&named.base);
        guesser.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/second-step");
        // The password and four forged answers: the free five; then answers wait, as guesses
        // at a password or a code do.
        for _ in 0..4 {
            guesser.post_form("/signin/second-step/passkey", &[("credential", forged)]).await.expect(401);
        }
        let res = guesser.post_form("/signin/second-step/passkey", &[("credential", forged)]).await;
        res.expect(429).expect_contains("Please wait");
        assert!(res.header("retry-after").is_some());
        assert!(guesser.cookie("hearth_session").is_none());
        named.stop().await;
    }
}

both_backends! {
    /// Removing a passkey asks for the password and signs out the account's other sign-ins;
    /// removing the last one turns two-step off, unless it is required (a coordinator's); a
    /// coordinator's reset takes every passkey away.
    async fn removing_and_resetting_passkeys(app: TestApp) {
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        app.store.add_passkey(&fern, "Phone", &passkey("cred-1")).await.expect("added");
        app.store.add_passkey(&fern, "Laptop", &passkey("cred-2")).await.expect("added");
        let keys = app.store.passkeys_of(fern.id).await.expect("passkeys");
        let named = app.instance_named("localhost", hearth::Config::default()).await;
        let b = Browser::new(&named.base);
        b.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/second-step");
        let codes = app.store.new_recovery_codes(&fern).await.expect("codes");
        b.post_form("/signin/second-step", &[("recovery_code", &codes[0])]).await.expect_redirect("/");
        let elsewhere = Browser::new(&named.base);
        elsewhere.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/second-step");
        elsewhere.post_form("/signin/second-step", &[("recovery_code", &codes[1])]).await.expect_redirect("/");

        let remove = format!("/account/passkeys/{}/remove", keys[0].id);
        b.get(&remove).await.expect(200).expect_contains("Phone");
        b.post_form(&remove, &[("current_password", "wrong")]).await
            .expect(422).expect_field_error("current_password", "not right");
        b.post_form(&remove, &[("current_password", PASSWORD)]).await.expect_redirect("/account#two-step");
        elsewhere.get("/account").await.expect_signin_redirect();
        b.get(&remove).await.expect(404);
        assert!(app.store.two_step_of(&fern).await.expect("two-step").on, "the laptop's passkey is left");
        // The last one: two-step off, recovery codes gone.
        let last = format!("/account/passkeys/{}/remove", keys[1].id);
        b.get(&last).await.expect(200).expect_contains("your only second step");
        b.post_form(&last, &[("current_password", PASSWORD)]).await.expect_redirect("/account#two-step");
        let state = app.store.two_step_of(&fern).await.expect("two-step");
        assert!(!state.on && state.codes_left == 0, "{state:?}");
        b.sign_out().await;
        b.sign_in(&fern.email, PASSWORD).await.expect_redirect("/");

        // A coordinator with only a passkey cannot remove it (required once set up).
        let cora = app.create_account("cora@example.org", "Cora Coordinator", Role::Coordinator).await;
        app.store.add_passkey(&cora, "Phone", &passkey("cred-cora")).await.expect("added");
        let cora_key = app.store.passkeys_of(cora.id).await.expect("passkeys")[0].id;
        assert!(matches!(
            app.store.remove_passkey(&cora, cora_key).await,
            Err(StoreError::Conflict(hearth::store::Conflict::TwoStepRequired))
        ));
        // Her reset of Fern's new passkey takes it away and signs Fern out.
        app.store.add_passkey(&fern, "New phone", &passkey("cred-3")).await.expect("added");
        app.store.reset_two_step(&cora, fern.id).await.expect("reset");
        assert!(app.store.passkeys_of(fern.id).await.expect("passkeys").is_empty());
        assert!(!app.store.two_step_of(&fern).await.expect("two-step").on);
        named.stop().await;
    }
}

both_backends! {
    /// Where two-step sign-in is required, someone without it may choose a passkey as they
    /// sign in (no session until it is added); a forged answer adds nothing.
    async fn a_passkey_can_be_chosen_when_two_step_is_required(app: TestApp) {
        let (c, _) = app.coordinator().await;
        app.store.add_passkey(&c, "Phone", &passkey(REAL_ID)).await.expect("added");
        app.store.set_two_step_for_all(&c, true).await.expect("required");
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;

        // Not offered on an address.
        let b = app.browser();
        b.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/set-up");
        b.get("/signin/set-up").await.expect(200).expect_lacks("/signin/set-up/passkey/start");

        let named = app.instance_named("localhost", hearth::Config::default()).await;
        let b = Browser::new(&named.base);
        b.get("/signin/set-up/passkey").await.expect_redirect("/signin");
        b.sign_in(&fern.email, PASSWORD).await.expect_redirect("/signin/set-up");
        b.get("/signin/set-up").await.expect(200).expect_contains("The easy way: a passkey");
        b.get("/signin/set-up/passkey").await.expect_redirect("/signin/set-up");
        b.post_form("/signin/set-up/passkey/start", &[("name", "Tablet")]).await
            .expect_redirect("/signin/set-up/passkey");
        b.get("/signin/set-up/passkey").await.expect(200)
            .expect_contains("data-passkey=\"create\"").expect_contains("Tablet");
        b.post_form("/signin/set-up/passkey", &[("credential", "{}")]).await
            .expect(422).expect_contains("could not be added");
        assert!(b.cookie("hearth_session").is_none(), "no session without a second step");
        assert!(app.store.passkeys_of(fern.id).await.expect("passkeys").is_empty());
        named.stop().await;
    }
}

both_backends! {
    /// Two first passkeys added at the same moment (two tabs): whether each is the first second
    /// step is decided inside its write, so one brings recovery codes and the other does not,
    /// and the codes that work are the ones shown.
    async fn two_first_passkeys_at_once_make_one_set_of_codes(app: TestApp) {
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let (one, two) = (passkey("cred-race-1"), passkey("cred-race-2"));
        let (a, b) = tokio::join!(
            app.store.add_passkey(&fern, "Phone", &one),
            app.store.add_passkey(&fern, "Laptop", &two),
        );
        let answers = [a.expect("added"), b.expect("added")];
        let shown: Vec<&Vec<String>> = answers.iter().flatten().collect();
        assert_eq!(shown.len(), 1, "one set of codes: {answers:?}");
        let state = app.store.two_step_of(&fern).await.expect("two-step");
        assert_eq!((state.passkeys, state.codes_left), (2, 10), "{state:?}");
    }
}

//! Staff accounts: first-time setup, sign-in and its throttle, sign-out, sessions, password
//! change, one-time reset links and adding staff.

use hearth::domain::access::Role;

use crate::both_backends;
use crate::helpers::*;

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The Set-Cookie header that sets this cookie.
fn set_cookie(res: &Resp, name: &str) -> Option<String> {
    res.header_all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// A request carrying only this session cookie, from a client with no cookie jar.
async fn with_session_cookie(base: &str, token: &str, path: &str) -> reqwest::StatusCode {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    client
        .get(format!("{base}{path}"))
        .header("cookie", format!("hearth_session={token}"))
        .send()
        .await
        .unwrap()
        .status()
}

both_backends! {
    async fn setup_creates_the_first_coordinator_once(app: TestApp) {
        let b = app.browser();
        b.get("/").await.expect_redirect("/setup");
        b.get("/signin").await.expect_redirect("/setup");
        b.get("/setup").await.expect(200).expect_contains("name=\"password_confirm\"");

        // Bad input: every problem named next to its field, what was typed kept.
        let res = b
            .post_form(
                "/setup",
                &[("name", ""), ("email", "not-an-email"), ("password", "short"), ("password_confirm", "short")],
            )
            .await;
        res.expect(422);
        res.expect_field_error("name", "Enter the person's name.");
        res.expect_field_error("email", "Enter an email address like name@example.org.");
        res.expect_field_error("password", "at least 10 characters");
        res.expect_value("email", "not-an-email");
        res.expect_value("password", "");
        let res = b
            .post_form(
                "/setup",
                &[
                    ("name", "Cora Coordinator"),
                    ("email", "cora@example.org"),
                    ("password", PASSWORD),
                    ("password_confirm", "something else entirely"),
                ],
            )
            .await;
        res.expect(422);
        res.expect_field_error("password_confirm", "not the same");
        res.expect_value("name", "Cora Coordinator");
        res.expect_value("email", "cora@example.org");
        assert_eq!(app.store.account_count().await.unwrap(), 0, "nothing created on bad input");

        // Good input: the account is made, as a coordinator, and its maker is signed in.
        let res = b
            .post_form(
                "/setup",
                &[
                    ("name", "Cora Coordinator"),
                    ("email", "Cora@Example.org"),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        res.expect_redirect("/");
        assert!(set_cookie(&res, "hearth_session").is_some());
        b.get("/").await.expect(200).expect_contains("Cora");
        b.get("/staff").await.expect(200);
        let cora = app.staff("cora@example.org").await;
        assert_eq!(cora.role, Role::Coordinator);
        assert_eq!(app.store.account_count().await.unwrap(), 1);

        // Refused from now on, to everyone.
        b.get("/setup").await.expect(409);
        let other = app.browser();
        other.get("/setup").await.expect(409);
        let res = other
            .post_form(
                "/setup",
                &[
                    ("name", "Mallory"),
                    ("email", "mallory@example.org"),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        res.expect(409);
        assert!(set_cookie(&res, "hearth_session").is_none());
        assert_eq!(app.store.account_count().await.unwrap(), 1);
        assert!(app.store.account_by_email("mallory@example.org").await.is_err());
        other.get("/").await.expect_redirect("/signin");
    }
}

both_backends! {
    async fn sign_in_wrong_password_and_sign_out(app: TestApp) {
        app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let b = app.browser();
        b.get("/signin").await.expect(200);

        // Wrong password, unknown address, empty fields.
        let res = b.sign_in("fern@example.org", "not the password").await;
        res.expect(401);
        res.expect_field_error("email", "not right");
        res.expect_value("email", "fern@example.org");
        res.expect_value("password", "");
        assert!(set_cookie(&res, "hearth_session").is_none());
        let res = b.sign_in("nobody@example.org", PASSWORD).await;
        res.expect(401);
        res.expect_field_error("email", "not right");
        let res = b.post_form("/signin", &[("email", ""), ("password", "")]).await;
        res.expect(422);
        res.expect_field_error("email", "Enter your email address.");
        res.expect_field_error("password", "Enter your password.");
        b.get("/account").await.expect_signin_redirect();

        // The right one, in any case of email: a session cookie that scripts cannot read.
        let res = b.sign_in("FERN@example.org", PASSWORD).await;
        res.expect_redirect("/");
        let cookie = set_cookie(&res, "hearth_session").expect("session cookie");
        assert!(cookie.contains("HttpOnly"), "session cookie not HttpOnly: {cookie}");
        assert!(
            cookie.contains("SameSite=Lax") || cookie.contains("SameSite=Strict"),
            "session cookie without SameSite: {cookie}"
        );
        assert!(cookie.contains("Path=/"), "{cookie}");
        let csrf = b.cookie("hearth_csrf").expect("csrf cookie");
        assert!(csrf.len() >= 32);
        let token = b.cookie("hearth_session").expect("session in jar");
        b.get("/account").await.expect(200).expect_contains("fern@example.org");
        b.get("/signin").await.expect_redirect("/");

        // Sessions live in the database: another instance accepts the same cookie.
        let other = app.another_instance().await;
        assert_eq!(with_session_cookie(&other, &token, "/account").await, 200);

        // Sign out: the cookie is cleared and the old value no longer works anywhere.
        let res = b.sign_out().await;
        res.expect(303);
        assert!(res.location().starts_with("/signin"));
        let cleared = set_cookie(&res, "hearth_session").expect("cookie cleared");
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
        // Nothing of the signed-in time stays in the browser's storage.
        assert_eq!(res.header("clear-site-data").as_deref(), Some("\"storage\""));
        b.get("/account").await.expect_signin_redirect();
        assert_eq!(with_session_cookie(&app.base, &token, "/account").await, 303);
        assert_eq!(with_session_cookie(&other, &token, "/account").await, 303);
        assert_eq!(with_session_cookie(&app.base, "made-up-token", "/account").await, 303);
    }
}

both_backends! {
    async fn sign_in_follows_only_local_next(app: TestApp) {
        app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let b = app.browser();
        let res = b.get("/venues").await;
        res.expect_signin_redirect();
        assert_eq!(res.location(), "/signin?next=/venues");
        let page = b.get("/signin?next=/venues").await;
        assert_eq!(html::hidden(&page.text, "next").as_deref(), Some("/venues"));
        let res = b
            .post_form("/signin", &[("email", "fern@example.org"), ("password", PASSWORD), ("next", "/venues")])
            .await;
        res.expect_redirect("/venues");
        b.sign_out().await;
        // A tab or a newline in it: a browser drops them ("/\t/evil.example" is read as
        // "//evil.example"), and a CR or LF cannot go in a header.
        for evil in ["//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "/\r\n/evil.example"] {
            let res = b
                .post_form("/signin", &[("email", "fern@example.org"), ("password", PASSWORD), ("next", evil)])
                .await;
            res.expect_redirect("/");
            b.sign_out().await;
        }
    }
}

both_backends! {
    async fn sign_in_throttled_per_account(app: TestApp) {
        app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        app.create_account("gus@example.org", "Gus Facilitator", Role::Facilitator).await;
        let b = app.browser();
        for _ in 0..5 {
            b.sign_in("fern@example.org", "wrong password").await.expect(401);
        }
        // Now even the right password is refused, before it is looked at.
        let res = b.sign_in("fern@example.org", PASSWORD).await;
        res.expect(429);
        res.expect_contains("too many attempts");
        assert!(set_cookie(&res, "hearth_session").is_none());
        b.get("/account").await.expect_signin_redirect();
        // From another browser, and on another instance: the count is in the database.
        app.browser().sign_in("Fern@Example.org", PASSWORD).await.expect(429);
        let other = Browser::new(&app.another_instance().await);
        other.sign_in("fern@example.org", PASSWORD).await.expect(429);
        // Another account is not affected.
        app.browser().sign_in("gus@example.org", PASSWORD).await.expect(303);
    }
}

both_backends! {
    async fn sign_in_throttled_per_address(app: TestApp) {
        app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let b = app.browser();
        for i in 0..20 {
            b.sign_in(&format!("guess{i}@example.org"), "wrong password").await.expect(401);
        }
        // Twenty failures from this address, over twenty addresses: the right password of an
        // account never tried is refused too.
        let res = b.sign_in("fern@example.org", PASSWORD).await;
        res.expect(429);
        assert!(set_cookie(&res, "hearth_session").is_none());
        app.browser().sign_in("fern@example.org", PASSWORD).await.expect(429);
    }
}

both_backends! {
    async fn password_change(app: TestApp) {
        app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let b = app.signed_in("fern@example.org", PASSWORD).await;
        let elsewhere = app.signed_in("fern@example.org", PASSWORD).await;
        let old_token = b.cookie("hearth_session").unwrap();
        b.get("/account").await.expect(200).expect_contains("Change your password");

        let res = b
            .post_form(
                "/account/password",
                &[("current_password", "not my password"), ("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD)],
            )
            .await;
        res.expect(422);
        res.expect_field_error("current_password", "not right");
        let res = b
            .post_form("/account/password", &[("current_password", ""), ("password", "short"), ("password_confirm", "short")])
            .await;
        res.expect(422);
        res.expect_field_error("current_password", "Enter your current password.");
        res.expect_field_error("password", "at least 10 characters");
        let res = b
            .post_form(
                "/account/password",
                &[("current_password", PASSWORD), ("password", NEW_PASSWORD), ("password_confirm", "a different passphrase")],
            )
            .await;
        res.expect(422);
        res.expect_field_error("password_confirm", "not the same");
        // Nothing changed so far.
        elsewhere.get("/account").await.expect(200);

        let res = b
            .post_form(
                "/account/password",
                &[("current_password", PASSWORD), ("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD)],
            )
            .await;
        res.expect_redirect("/account");
        // This browser carries on with a new session; every other session has ended,
        // including the one this browser had before.
        b.get("/account").await.expect(200);
        assert_ne!(b.cookie("hearth_session").unwrap(), old_token);
        assert_eq!(with_session_cookie(&app.base, &old_token, "/account").await, 303);
        elsewhere.get("/account").await.expect_signin_redirect();
        app.browser().sign_in("fern@example.org", PASSWORD).await.expect(401);
        app.browser().sign_in("fern@example.org", NEW_PASSWORD).await.expect(303);
    }
}

both_backends! {
    async fn reset_link_works_once(app: TestApp) {
        let (_, cb) = app.coordinator().await;
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let fern_b = app.signed_in("fern@example.org", PASSWORD).await;
        // Fern is locked out by failed attempts; the reset link is the way back.
        for _ in 0..5 {
            app.browser().sign_in("fern@example.org", "wrong password").await.expect(401);
        }

        // A facilitator may not make reset links.
        fern_b.post_form(&format!("/staff/{}/reset-link", fern.id), &[]).await.expect(403);
        cb.post_form("/staff/999999/reset-link", &[]).await.expect(404);

        let res = cb.post_form(&format!("/staff/{}/reset-link", fern.id), &[]).await;
        res.expect(200);
        res.expect_contains("Fern Facilitator");
        let link = html::secret_link(&res.text).expect("a link on the page");
        let prefix = format!("{}/reset/", app.base);
        assert!(link.starts_with(&prefix), "link {link:?}");
        let path = link.trim_start_matches(&app.base).to_string();
        let audit = app.store.audit_for(&format!("account:{}", fern.id), 10).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "reset link issued"), "{audit:?}");

        let anon = app.browser();
        anon.get(&path).await.expect(200).expect_contains("Fern Facilitator");
        anon.csrf_from(&path).await;
        let res = anon.post_form(&path, &[("password", "short"), ("password_confirm", "short")]).await;
        res.expect(422);
        res.expect_field_error("password", "at least 10 characters");
        let res = anon
            .post_form(&path, &[("password", NEW_PASSWORD), ("password_confirm", "not the same one")])
            .await;
        res.expect(422);
        res.expect_field_error("password_confirm", "not the same");
        anon.get(&path).await.expect(200);

        let res = anon.post_form(&path, &[("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD)]).await;
        res.expect_redirect("/");
        anon.get("/account").await.expect(200).expect_contains("fern@example.org");
        // Fern's old session ended with the new password.
        fern_b.get("/account").await.expect_signin_redirect();

        // Used once: refused now.
        let again = app.browser();
        again.get(&path).await.expect(400).expect_contains("already been used");
        again.csrf_token().await;
        again
            .post_form(&path, &[("password", "yet another passphrase"), ("password_confirm", "yet another passphrase")])
            .await
            .expect(400);
        app.browser().sign_in("fern@example.org", "yet another passphrase").await.expect(401);
        app.browser().sign_in("fern@example.org", PASSWORD).await.expect(401);
        app.browser().sign_in("fern@example.org", NEW_PASSWORD).await.expect(303);

        // A made-up link is refused.
        app.browser().get("/reset/not-a-real-token").await.expect(400);
    }
}

both_backends! {
    async fn coordinator_adds_staff(app: TestApp) {
        let (_, cb) = app.coordinator().await;
        cb.get("/staff").await.expect(200).expect_contains("cora@example.org");

        // Bad input, each message by its field and the typed values kept.
        let res = cb.post_form("/staff", &[("name", ""), ("email", "hana at example"), ("role", "facilitator")]).await;
        res.expect(422);
        res.expect_field_error("name", "Enter the person's name.");
        res.expect_field_error("email", "Enter an email address like name@example.org.");
        res.expect_value("email", "hana at example");
        let res = cb.post_form("/staff", &[("name", "Hana Helper"), ("email", "hana@example.org"), ("role", "queen")]).await;
        res.expect(422);
        res.expect_field_error("role", "Choose coordinator or facilitator.");
        res.expect_value("name", "Hana Helper");
        assert!(app.store.account_by_email("hana@example.org").await.is_err());

        let res = cb.post_form("/staff", &[("name", "Hana Helper"), ("email", "hana@example.org"), ("role", "facilitator")]).await;
        res.expect(200);
        let link = html::secret_link(&res.text).expect("a link to set a password");
        let hana = app.staff("hana@example.org").await;
        assert_eq!(hana.role, Role::Facilitator);
        assert_eq!(hana.name, "Hana Helper");
        cb.get("/staff").await.expect(200).expect_contains("hana@example.org");

        // Nobody can sign in as Hana until she has chosen a password.
        app.browser().sign_in("hana@example.org", "placeholder-not-used").await.expect(401);
        app.browser().sign_in("hana@example.org", "!").await.expect(401);

        // The same email again (in any case) is named as the problem.
        let res = cb.post_form("/staff", &[("name", "Hana Again"), ("email", "HANA@example.org"), ("role", "coordinator")]).await;
        assert!(matches!(res.status.as_u16(), 409 | 422), "duplicate email: {}", res.status);
        res.expect_field_error("email", "already an account");
        res.expect_value("name", "Hana Again");
        assert_eq!(app.staff("hana@example.org").await.name, "Hana Helper");

        // Hana uses the link and signs in as a facilitator.
        let path = link.trim_start_matches(&app.base).to_string();
        let hb = app.browser();
        hb.csrf_from(&path).await;
        hb.post_form(&path, &[("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD)])
            .await
            .expect_redirect("/");
        hb.get("/staff").await.expect(403);
        hb.get("/groups").await.expect(200);

        // A coordinator made this way is a coordinator.
        let res = cb.post_form("/staff", &[("name", "Ivo Lead"), ("email", "ivo@example.org"), ("role", "coordinator")]).await;
        res.expect(200);
        assert_eq!(app.staff("ivo@example.org").await.role, Role::Coordinator);
    }
}

both_backends! {
    async fn setup_can_be_won_only_once(app: TestApp) {
        // Several people open the setup page and submit it at the same moment.
        let mut browsers = Vec::new();
        for _ in 0..6 {
            let b = app.browser();
            b.csrf_from("/setup").await;
            browsers.push(b);
        }
        let mut handles = Vec::new();
        for (i, b) in browsers.into_iter().enumerate() {
            handles.push(tokio::spawn(async move {
                let email = format!("first{i}@example.org");
                b.post_form(
                    "/setup",
                    &[("name", "First"), ("email", &email), ("password", PASSWORD), ("password_confirm", PASSWORD)],
                )
                .await
                .status
                .as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for h in handles {
            statuses.push(h.await.unwrap());
        }
        let won = statuses.iter().filter(|s| **s == 303).count();
        assert_eq!(
            app.store.account_count().await.unwrap(),
            1,
            "more than one first coordinator was created (statuses {statuses:?})"
        );
        assert_eq!(won, 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == 303 || *s == 409), "{statuses:?}");
    }
}

both_backends! {
    async fn first_account_is_created_once_under_concurrency(app: TestApp) {
        // The store's promise behind /setup, tested where the race is easiest to hit: many
        // calls released at once on an already open connection pool.
        let mut warm = Vec::new();
        for _ in 0..8 {
            let store = app.store.clone();
            warm.push(tokio::spawn(async move { store.healthy().await }));
        }
        for h in warm {
            assert!(h.await.unwrap());
        }
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
        let mut handles = Vec::new();
        for i in 0..8 {
            let store = app.store.clone();
            let barrier = barrier.clone();
            handles.push(tokio::spawn(async move {
                barrier.wait().await;
                store
                    .create_first_account(&format!("first{i}@example.org"), "First", "!")
                    .await
            }));
        }
        let mut created = 0;
        for h in handles {
            if let Ok(Some(_)) = h.await.unwrap() {
                created += 1;
            }
        }
        assert_eq!(
            app.store.account_count().await.unwrap(),
            1,
            "create_first_account made {created} accounts when called at once"
        );
        assert_eq!(created, 1);
    }
}

both_backends! {
    async fn a_password_hashed_with_older_settings_is_rehashed_at_sign_in(app: TestApp) {
        // argon2id with 19 MiB and two passes (this project's earlier settings), for the
        // password "an old long password".
        const OLD: &str = "$argon2id$v=19$m=19456,t=2,p=1$BtS1pD8WMHhi+WIy5Rsxlg$B6lDaVozwYA7O8c8rqlS/v88G8C0u00vuljofaAKUvk";
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        app.store.set_password(fern.id, OLD).await.unwrap();
        let stored = |app: &TestApp| {
            let store = app.store.clone();
            async move { store.credentials("fern@example.org").await.unwrap().unwrap().password_hash }
        };
        // A wrong password changes nothing.
        app.browser().sign_in("fern@example.org", "not it").await.expect(401);
        assert_eq!(stored(&app).await, OLD);
        // The right one signs in and leaves a hash with today's settings of the same password.
        let first = app.signed_in("fern@example.org", "an old long password").await;
        let new = stored(&app).await;
        assert!(new.starts_with("$argon2id$v=19$m=12288,t=3,p=1$"), "{new}");
        assert!(!hearth::auth::needs_rehash(&new));
        // Nobody was signed out by it, and the password still works.
        first.get("/account").await.expect(200);
        app.signed_in("fern@example.org", "an old long password").await;
        assert_eq!(stored(&app).await, new, "a current hash is left alone");
        // A password changed in the meantime is never undone by a late rehash.
        assert!(!app.store.replace_password_hash(fern.id, OLD, "$argon2id$stale").await.unwrap());
        assert_eq!(stored(&app).await, new);
    }
}

//! The page cache (src/web/cache.rs): a page seen again is served from memory, but never
//! after anything it shows has changed — on this instance or another — never to anyone it was
//! not made for, and never with a message meant for one view.

use std::io::Read;

use serde_json::json;

use crate::both_backends;
use crate::helpers::{Browser, PASSWORD, World};
use crate::meetings::plan_id;

both_backends! {
    /// Every table is either versioned (a trigger raises its group's version with each change)
    /// or listed as showing on no page. A new table added without deciding fails here.
    async fn every_table_raises_a_version_or_is_listed_as_unshown(app: TestApp) {
        let missing = app.store.tables_without_versions().await.expect("tables");
        assert!(missing.is_empty(), "tables whose changes raise no data version: {missing:?}");
    }
}

both_backends! {
    async fn a_page_seen_again_is_served_from_memory_until_its_group_changes(app: TestApp) {
        let w = World::build(&app).await;
        let page = format!("/groups/{}/members", w.group_a);
        // The first page after signing in carries a message ("Signed in"), so is not kept.
        w.f1b.get(&page).await.expect(200);
        let first = w.f1b.get(&page).await;
        first.expect(200);
        let before = app.store.query_count();
        let again = w.f1b.get(&page).await;
        again.expect(200);
        assert_eq!(
            app.store.query_count() - before,
            2,
            "a page seen again asks the database only who is signed in and whether the group changed, in one query, \
             and writes its one audit event (the list shows every member's needs)"
        );
        assert_eq!(first.text, again.text);

        // A change to the group: the next view is made again and shows it.
        w.f1_api
            .post(
                &format!("/api/v1/groups/{}/members", w.group_a),
                &json!({"preferred_name": "Odessa New"}),
            )
            .await
            .expect(201);
        let before = app.store.query_count();
        w.f1b.get(&page).await.expect(200).expect_contains("Odessa New");
        assert!(app.store.query_count() - before > 2, "the changed page was made again");

        // A change to another group leaves this page as it was.
        w.f2_api
            .post(
                &format!("/api/v1/groups/{}/members", w.group_b),
                &json!({"preferred_name": "Somebody Else"}),
            )
            .await
            .expect(201);
        w.f1b.get(&page).await.expect(200);
        let before = app.store.query_count();
        w.f1b.get(&page).await.expect(200).expect_lacks("Somebody Else");
        assert_eq!(app.store.query_count() - before, 2, "the check and the audit event");

        // The API's list of members is kept the same way (a bearer token, no cookies).
        let api_page = format!("/api/v1/groups/{}/members", w.group_a);
        let first = w.f1_api.get(&api_page).await;
        first.expect(200);
        let before = app.store.query_count();
        let again = w.f1_api.get(&api_page).await;
        again.expect(200);
        assert_eq!(app.store.query_count() - before, 2, "the check and the audit event");
        assert_eq!(first.json(), again.json());
        w.f1_api
            .post(&api_page, &json!({"preferred_name": "Quentin Later"}))
            .await
            .expect(201);
        let names: Vec<String> = w.f1_api.get(&api_page).await.json()["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["preferred_name"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(names.contains(&"Quentin Later".to_string()), "{names:?}");
        // Another facilitator's token, or none that exists, never gets the kept list.
        w.f2_api.get(&api_page).await.expect(404);
        w.f1_api.with_token("not-a-token").get(&api_page).await.expect(401);
    }
}

both_backends! {
    /// Two instances behind a load balancer each keep their own pages; a change made through
    /// one shows on the other's next view, because each view asks the database for the
    /// versions.
    async fn a_change_made_on_another_instance_shows_on_the_next_view(app: TestApp) {
        let w = World::build(&app).await;
        let other = app.another_instance().await;
        let there = Browser::new(&other);
        there.sign_in(&w.f1.email, PASSWORD).await.expect_redirect("/");
        let meeting = plan_id(&w.f1_api, w.group_a, "2030-05-14").await;

        for path in [
            format!("/groups/{}", w.group_a),
            format!("/groups/{}/members", w.group_a),
            format!("/meetings/{meeting}"),
        ] {
            w.f1b.get(&path).await.expect(200);
            w.f1b.get(&path).await.expect(200);
        }
        w.cb.get("/overview").await.expect(200);
        w.cb.get("/overview").await.expect(200);

        // A new member, added on the other instance.
        there
            .post_form(
                &format!("/groups/{}/members/new", w.group_a),
                &[("preferred_name", "Philippa Elsewhere"), ("phone", "07700 900333")],
            )
            .await
            .created_id("/members/");
        w.f1b
            .get(&format!("/groups/{}/members", w.group_a))
            .await
            .expect(200)
            .expect_contains("Philippa Elsewhere");
        w.f1b
            .get(&format!("/groups/{}", w.group_a))
            .await
            .expect(200)
            .expect_contains("<p class=\"big-number\">2</p>");

        // The meeting changed through the other instance's API.
        let there_api = crate::helpers::Api::new(&other, Some(app.api_token(&w.f1).await));
        there_api
            .patch(
                &format!("/api/v1/meetings/{meeting}"),
                &json!({"start_time": "18:15", "topic": "Sleeping better"}),
            )
            .await
            .expect(200);
        w.f1b
            .get(&format!("/meetings/{meeting}"))
            .await
            .expect(200)
            .expect_contains("Sleeping better")
            .expect_contains("6:15 pm");

        // A venue renamed (network-wide data) shows on the group's page.
        crate::helpers::Api::new(&other, Some(app.api_token(&w.c).await))
            .patch(&format!("/api/v1/venues/{}", w.venue), &json!({"name": "The Renamed Hall"}))
            .await
            .expect(200);
        w.f1b
            .get(&format!("/groups/{}", w.group_a))
            .await
            .expect(200)
            .expect_contains("The Renamed Hall");
        // A group renamed shows on the coordinators' overview.
        w.c_api
            .patch(&format!("/api/v1/groups/{}", w.group_b), &json!({"name": "Tuesday Walkers"}))
            .await
            .expect(200);
        w.cb.get("/overview").await.expect(200).expect_contains("Tuesday Walkers");
    }
}

both_backends! {
    async fn a_kept_page_is_only_for_the_person_it_was_made_for(app: TestApp) {
        let w = World::build(&app).await;
        let page = format!("/groups/{}", w.group_a);
        w.f1b.get(&page).await.expect(200);
        w.f1b.get(&page).await.expect(200).expect_contains("Fern Facilitator");
        // Someone else, on this browser's address: never the kept page.
        w.f2b.get(&page).await.expect(404);
        w.f2_api
            .get(&format!("/api/v1/groups/{}/members", w.group_a))
            .await
            .expect(404);
        // Taken off the group: the next view is refused at once.
        w.cb.post_form(&format!("/groups/{}/facilitators", w.group_a), &[("confirm", "yes")])
            .await
            .expect_redirect(&page);
        w.f1b.get(&page).await.expect(404);
        // Signed out: sent to sign in, not shown the page.
        w.f2b.get(&format!("/groups/{}", w.group_b)).await.expect(200);
        w.f2b.sign_out().await;
        w.f2b
            .get(&format!("/groups/{}", w.group_b))
            .await
            .expect_signin_redirect();
    }
}

both_backends! {
    async fn a_message_after_a_change_is_shown_once(app: TestApp) {
        let w = World::build(&app).await;
        let meeting = plan_id(&w.f1_api, w.group_a, "2030-05-14").await;
        let page = format!("/meetings/{meeting}");
        w.f1b.get(&page).await.expect(200);
        w.f1b.get(&page).await.expect(200);
        w.f1b
            .post_form(&format!("/meetings/{meeting}/cancel"), &[("cancel_reason", "Snow")])
            .await
            .expect_redirect(&page);
        w.f1b
            .get(&page)
            .await
            .expect(200)
            .expect_contains("The meeting has been cancelled.");
        w.f1b
            .get(&page)
            .await
            .expect(200)
            .expect_contains("Snow")
            .expect_lacks("The meeting has been cancelled.");
    }
}

both_backends! {
    /// A kept page is sent gzipped to browsers that accept it and plain to those that do not,
    /// with the same content and the security headers either way.
    async fn a_kept_page_is_sent_as_the_client_accepts(app: TestApp) {
        let w = World::build(&app).await;
        let client = reqwest::Client::new();
        let session = w.f1b.cookie("hearth_session").expect("session");
        let csrf = w.f1b.cookie("hearth_csrf").expect("csrf");
        let get = |gzip: bool| {
            let mut req = client
                .get(format!("{}/groups/{}", app.base, w.group_a))
                .header("cookie", format!("hearth_session={session}; hearth_csrf={csrf}"));
            if gzip {
                req = req.header("accept-encoding", "gzip");
            }
            req.send()
        };
        let mut bodies = Vec::new();
        for gzip in [false, true, false, true] {
            let res = get(gzip).await.expect("get");
            assert_eq!(res.status(), 200);
            let h = res.headers().clone();
            assert!(h.get("content-security-policy").is_some());
            assert_eq!(h.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
            let encoding = h.get("content-encoding").map(|v| v.to_str().unwrap_or("").to_string());
            let bytes = res.bytes().await.expect("body").to_vec();
            let text = if gzip {
                assert_eq!(encoding.as_deref(), Some("gzip"));
                let mut out = String::new();
                flate2::read::GzDecoder::new(&bytes[..])
                    .read_to_string(&mut out)
                    .expect("gzip");
                out
            } else {
                assert_eq!(encoding, None);
                String::from_utf8(bytes).expect("utf-8")
            };
            assert!(text.contains("Fern Facilitator"));
            bodies.push(text);
        }
        assert!(bodies.windows(2).all(|p| p[0] == p[1]), "every answer has the same page");
    }
}

/// Makes a calendar feed for the group and returns its address, from the page that shows it.
async fn new_feed(browser: &Browser, group: i64) -> String {
    let page = browser
        .post_form(&format!("/groups/{group}/calendar-feed"), &[])
        .await;
    page.expect(200);
    page.text
        .split("/calendar/")
        .nth(1)
        .and_then(|rest| rest.split(".ics").next())
        .map(|token| format!("/calendar/{token}.ics"))
        .expect("a feed address on the page")
}

both_backends! {
    /// A calendar feed is kept for every calendar program that asks (they keep no cookies),
    /// and a revoked feed stops at once.
    async fn a_calendar_feed_is_kept_until_it_changes_or_is_revoked(app: TestApp) {
        let w = World::build(&app).await;
        plan_id(&w.f1_api, w.group_a, "2030-05-14").await;
        let feed = new_feed(&w.f1b, w.group_a).await;
        let anyone = app.api_anonymous();
        let first = anyone.get(&feed).await;
        first.expect(200);
        let before = app.store.query_count();
        let again = anyone.get(&feed).await;
        again.expect(200);
        assert_eq!(app.store.query_count() - before, 1, "only the versions are read");
        assert_eq!(first.text, again.text);
        plan_id(&w.f1_api, w.group_a, "2030-06-11").await;
        anyone.get(&feed).await.expect(200).expect_contains("20300611");
        w.f1b
            .post_form(&format!("/groups/{}/calendar-feed", w.group_a), &[("do", "revoke")])
            .await
            .expect_redirect(&format!("/groups/{}/meetings", w.group_a));
        anyone.get(&feed).await.expect(404);
    }
}

both_backends! {
    /// Many asking at once for a page that has just changed: one makes it, the rest wait and
    /// are given it, rather than every one of them making it (the coordinators' overview is
    /// costly on a big network).
    async fn a_page_asked_for_at_once_is_made_once(app: TestApp) {
        let w = World::build(&app).await;
        w.cb.get("/overview").await.expect(200);
        w.cb.get("/overview").await.expect(200);
        // What one making costs, after a change.
        w.c_api
            .patch(&format!("/api/v1/groups/{}", w.group_b), &json!({"name": "Renamed Once"}))
            .await
            .expect(200);
        let before = app.store.query_count();
        w.cb.get("/overview").await.expect(200).expect_contains("Renamed Once");
        let making = app.store.query_count() - before - 1;
        assert!(making >= 1, "the overview reads the database when made");
        // Another change, then eight at once.
        w.c_api
            .patch(&format!("/api/v1/groups/{}", w.group_b), &json!({"name": "Renamed Twice"}))
            .await
            .expect(200);
        let before = app.store.query_count();
        let asks: Vec<_> = (0..8)
            .map(|_| {
                let b = w.cb.clone();
                tokio::spawn(async move { b.get("/overview").await })
            })
            .collect();
        for ask in asks {
            ask.await.expect("task").expect(200).expect_contains("Renamed Twice");
        }
        let spent = app.store.query_count() - before;
        assert!(
            spent < 8 + 2 * making,
            "eight at once made the page more than once: {spent} queries (one making is {making}, each sign-in 1)"
        );
    }
}

both_backends! {
    /// Many people at once, each with kept pages of their own: every one is given their own
    /// page (the sign-in checks arriving together are asked in one statement, so this is where
    /// answers could be handed to the wrong request), a change shows at once to
    /// everyone who asks after it, and a signed-out browser or an unknown token is refused.
    async fn many_at_once_each_get_their_own_page(app: TestApp) {
        let w = World::build(&app).await;
        let meeting = plan_id(&w.f1_api, w.group_a, "2030-05-14").await;
        let feed = new_feed(&w.f2b, w.group_b).await;
        let stranger = app.api_anonymous();
        let gone = app.signed_in(&w.f2.email, PASSWORD).await;
        gone.sign_out().await;

        // Who asks, for what, and a word only their page has (and one it must not have).
        #[derive(Clone)]
        enum Who {
            Page(crate::helpers::Browser),
            Api(crate::helpers::Api),
        }
        let asks: Vec<(Who, String, u16, &str, &str)> = vec![
            (Who::Page(w.f1b.clone()), format!("/groups/{}", w.group_a), 200, "Fern Facilitator", "Gus Facilitator"),
            (Who::Page(w.f2b.clone()), format!("/groups/{}", w.group_b), 200, "Gus Facilitator", "Fern Facilitator"),
            (Who::Page(w.f1b.clone()), format!("/meetings/{meeting}"), 200, "2030", "Gus Facilitator"),
            (Who::Page(w.cb.clone()), "/overview".into(), 200, "Overview", "Sign in to Hearth"),
            (Who::Api(w.f1_api.clone()), format!("/api/v1/groups/{}/members", w.group_a), 200, "members", "Gus"),
            (Who::Api(w.f2_api.clone()), format!("/api/v1/groups/{}/members", w.group_b), 200, "members", "Fern"),
            (Who::Api(w.f2_api.clone()), format!("/api/v1/groups/{}/members", w.group_a), 404, "", "members"),
            (Who::Api(stranger.clone()), feed.clone(), 200, "BEGIN:VCALENDAR", "<html"),
            (Who::Api(stranger.with_token("not-a-token")), "/api/v1/groups".into(), 401, "", "groups\""),
            (Who::Page(gone.clone()), format!("/groups/{}", w.group_b), 303, "", "Gus Facilitator"),
        ];
        let get = |who: Who, path: String| async move {
            match who {
                Who::Page(b) => b.get(&path).await,
                Who::Api(a) => a.get(&path).await,
            }
        };
        // Each seen twice first, so the pages are kept.
        for (who, path, ..) in asks.iter().chain(asks.iter()) {
            get(who.clone(), path.clone()).await;
        }
        let at_once = |round: usize| {
            let tasks: Vec<_> = (0..round)
                .flat_map(|_| asks.iter().cloned())
                .map(|(who, path, status, has, lacks)| {
                    tokio::spawn(async move {
                        let res = get(who, path.clone()).await;
                        assert_eq!(res.status.as_u16(), status, "{path}: {}", res.text);
                        assert!(res.text.contains(has), "{path} lacks {has:?}");
                        assert!(!res.text.contains(lacks), "{path} has {lacks:?}: {}", res.text);
                        res.text
                    })
                })
                .collect();
            async move {
                let mut pages = Vec::new();
                for task in tasks {
                    pages.push(task.await.expect("an answer"));
                }
                pages
            }
        };
        let (checks, statements) = (app.store.query_count(), app.store.sign_in_batches());
        at_once(4).await;
        let checks = app.store.query_count() - checks;
        let statements = app.store.sign_in_batches() - statements;
        assert!(
            statements * 2 <= checks,
            "checks arriving together are asked together: {statements} statements for {checks} checks"
        );

        // A change to group A, then everyone at once again: A's pages show it, B's do not.
        w.f1_api
            .post(
                &format!("/api/v1/groups/{}/members", w.group_a),
                &json!({"preferred_name": "Winifred Arrived"}),
            )
            .await
            .expect(201);
        let pages = at_once(2).await;
        let n = asks.len();
        for (i, page) in pages.iter().enumerate() {
            let (_, path, ..) = &asks[i % n];
            let shows = page.contains("Winifred Arrived");
            // The meeting's page lists who is expected; the API lists members.
            let should = i % n == 2 || i % n == 4;
            assert_eq!(shows, should, "{path} after the change");
        }
    }
}

//! A member's personal link: their own page, without an account, to see and correct their
//! details and consents; one link at a time, revocable; and the audit trail of who looked.

use crate::both_backends;
use crate::helpers::*;
use hearth::domain::ids::{GroupId, MemberId};

/// Issues a personal link as this browser; returns its path (/m/TOKEN).
async fn issue(app: &TestApp, b: &Browser, member: i64) -> String {
    let res = b
        .post_form(&format!("/members/{member}/link"), &[("confirm", "yes")])
        .await;
    res.expect(200);
    let link = html::secret_link(&res.text).expect("the link is shown");
    let prefix = format!("{}/m/", app.base);
    assert!(link.starts_with(&prefix), "{link}");
    let token = &link[prefix.len()..];
    assert!(
        token.len() >= 32,
        "the token is long enough not to be guessed: {token}"
    );
    link.trim_start_matches(&app.base).to_string()
}

both_backends! {
    async fn personal_link(app: TestApp) {
        let w = World::build(&app).await;
        let m = w.member_a;
        // Another member of the same group, who must never show on this member's page.
        w.cb.post_form(&format!("/groups/{}/members/new", w.group_a), &[("preferred_name", "Otto Other"), ("phone", "07700 900999")])
            .await
            .expect(303);
        w.cb.get(&format!("/members/{m}")).await.expect(200).expect_contains("No link is active.");

        let path = issue(&app, &w.f1b, m).await;
        w.cb.get(&format!("/members/{m}")).await.expect(200).expect_contains("A link is active");
        let audit = app.store.audit_for(&format!("member:{m}"), 10).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "personal link issued"), "{audit:?}");

        // The member opens it: their own details, nobody else's, no staff navigation.
        let member = app.browser();
        let page = member.get(&path).await;
        page.expect(200)
            .expect_contains(MEMBER_A)
            .expect_contains(GROUP_A)
            .expect_lacks("Otto Other")
            .expect_lacks("07700 900999")
            .expect_lacks(MEMBER_B)
            .expect_lacks(GROUP_B)
            .expect_lacks("href=\"/groups")
            .expect_lacks("href=\"/staff")
            .expect_lacks("Sign out");
        page.expect_value("preferred_name", MEMBER_A);
        page.expect_value("phone", "07700 900111");
        page.expect_value("needs", "hearing");
        assert!(page.header("cache-control").is_some_and(|c| c.contains("no-store")));
        assert_eq!(page.header("referrer-policy").as_deref(), Some("same-origin"), "the secret address never goes to another site");
        let audit = app.store.audit_for(&format!("member:{m}"), 10).await.unwrap();
        assert!(
            audit.iter().any(|e| e.action == "viewed own record" && e.actor == format!("member:{m}")),
            "{audit:?}"
        );

        // Bad input: each message by its field, what they typed kept, nothing saved.
        member.csrf_from(&path).await;
        let res = member
            .post_form(&path, &[("preferred_name", ""), ("full_name", "Zeb Q"), ("phone", "call me"), ("email", "nope"), ("needs", "telepathy")])
            .await;
        res.expect(422);
        res.expect_field_error("preferred_name", "Enter the name they like to be called.");
        res.expect_field_error("phone", "Enter a phone number using digits");
        res.expect_field_error("email", "Enter an email address like name@example.org.");
        res.expect_field_error("needs", "is not a need we know");
        res.expect_value("full_name", "Zeb Q");
        res.expect_value("phone", "call me");
        res.expect_value("email", "nope");
        res.expect_lacks("Otto Other");
        let stored = app.store.member_for(&w.c, MemberId(m)).await.unwrap();
        assert_eq!(stored.preferred_name, MEMBER_A);

        // A good correction is saved; the dates staff keep cannot be changed from here.
        let joined_before = stored.joined_on.clone();
        let res = member
            .post_form(
                &path,
                &[
                    ("preferred_name", "Zeb"),
                    ("full_name", "Zebedee Quill"),
                    ("phone", "07700 900333"),
                    ("email", "zeb@example.org"),
                    ("preferred_contact", "text"),
                    ("needs", "sight"),
                    ("needs", "mobility"),
                    ("needs_note", "A chair with arms, please"),
                    ("happy_to_share_story", "yes"),
                    ("joined_on", "1999-01-01"),
                    ("left_on", "2000-01-01"),
                ],
            )
            .await;
        res.expect_redirect(&path);
        member.get(&path).await.expect(200).expect_contains("Your details have been saved");
        let stored = app.store.member_for(&w.c, MemberId(m)).await.unwrap();
        assert_eq!(stored.preferred_name, "Zeb");
        assert_eq!(stored.phone, "07700 900333");
        assert_eq!(stored.preferred_contact, "text");
        assert_eq!(stored.needs, "sight,mobility");
        assert_eq!(stored.needs_note, "A chair with arms, please");
        assert_eq!(stored.happy_to_share_story, "yes");
        assert_eq!(stored.joined_on, joined_before);
        assert_eq!(stored.left_on, None);
        let audit = app.store.audit_for(&format!("member:{m}"), 10).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "changed" && e.actor == format!("member:{m}")), "{audit:?}");

        // Consents from the link: given, then withdrawn; another member's cannot be touched.
        member.post_form(&format!("{path}/consents"), &[("kind", "records")]).await.expect_redirect(&format!("{path}#consents"));
        let consents = app.consents(m).await;
        assert_eq!(consents.len(), 1);
        assert_eq!((consents[0].kind.as_str(), consents[0].how_given.as_str()), ("records", "personal_link"));
        assert_eq!(consents[0].recorded_by, format!("member:{m}"));
        member.get(&path).await.expect(200).expect_contains("you have agreed");
        member.post_form(&format!("{path}/consents"), &[("kind", "everything")]).await.expect(400);
        member.post_form(&format!("{path}/consents/{}/withdraw", consents[0].id), &[]).await.expect(303);
        assert!(app.consents(m).await[0].withdrawn_at.is_some());
        w.cb.post_form(&format!("/members/{}/consents", w.member_b), &[("kind", "contact"), ("how_given", "phone")])
            .await
            .expect(303);
        let theirs = app.consents(w.member_b).await[0].id;
        member.post_form(&format!("{path}/consents/{theirs}/withdraw"), &[]).await.expect(404);
        assert!(app.consents(w.member_b).await[0].withdrawn_at.is_none());

        // A new link replaces the old one.
        let newer = issue(&app, &w.cb, m).await;
        assert_ne!(newer, path);
        member.get(&path).await.expect(410).expect_contains("does not work any more");
        member.post_form(&path, &[("preferred_name", "Old Link")]).await.expect(410);
        member.get(&newer).await.expect(200).expect_contains("Zeb");

        // Turning it off stops it.
        w.f1b.post_form(&format!("/members/{m}/link/revoke"), &[]).await.expect_redirect(&format!("/members/{m}"));
        member.get(&newer).await.expect(410);
        member.post_form(&newer, &[("preferred_name", "Revoked")]).await.expect(410);
        member.post_form(&format!("{newer}/consents"), &[("kind", "contact")]).await.expect(410);
        w.cb.get(&format!("/members/{m}")).await.expect(200).expect_contains("No link is active.");
        assert_eq!(app.store.member_for(&w.c, MemberId(m)).await.unwrap().preferred_name, "Zeb");

        // Made-up tokens are refused.
        for token in ["abc", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &hearth::auth::new_token()] {
            member.get(&format!("/m/{token}")).await.expect(410).expect_lacks("Zeb");
        }
        // The token is stored hashed: the database never holds it.
        let token = newer.trim_start_matches("/m/");
        assert!(app.store.member_by_link(token).await.unwrap().is_none());
    }
}

both_backends! {
    async fn viewing_a_member_is_audited(app: TestApp) {
        let w = World::build(&app).await;
        let m = w.member_a;
        let subject = format!("member:{m}");
        let viewed_by = |events: &[hearth::store::AuditEvent], id: i64| {
            events.iter().filter(|e| e.action.split("; ").any(|a| a == "viewed") && e.actor == format!("account:{id}")).count()
        };
        let before = app.store.audit_for(&subject, 50).await.unwrap();
        assert_eq!(viewed_by(&before, w.f1.id), 0);

        w.f1b.get(&format!("/members/{m}")).await.expect(200);
        let after = app.store.audit_for(&subject, 10).await.unwrap();
        assert_eq!(viewed_by(&after, w.f1.id), 1, "{after:?}");
        let newest = &after[0];
        assert_eq!(newest.subject, subject);
        assert!(newest.at > 0);

        w.cb.get(&format!("/members/{m}")).await.expect(200);
        w.c_api.get(&format!("/api/v1/members/{m}")).await.expect(200);
        let after = app.store.audit_for(&subject, 10).await.unwrap();
        assert_eq!(viewed_by(&after, w.c.id), 2, "page and API views both count: {after:?}");

        // A refused look is not a view.
        w.f2b.get(&format!("/members/{m}")).await.expect(404);
        w.f2_api.get(&format!("/api/v1/members/{m}")).await.expect(404);
        assert_eq!(viewed_by(&app.store.audit_for(&subject, 50).await.unwrap(), w.f2.id), 0);

        // Coordinators see the trail on the member's page.
        w.cb.get(&format!("/members/{m}"))
            .await
            .expect(200)
            .expect_contains("Who has looked at or changed this record")
            .expect_contains("viewed by");
        let page = w.cb.get(&format!("/members/{m}")).await;
        assert!(
            page.text.contains("by Fern Facilitator") || page.text.contains(&format!("by account:{}", w.f1.id)),
            "the trail does not say F1 looked"
        );
        // Facilitators do not see the trail.
        w.f1b.get(&format!("/members/{m}")).await.expect(200).expect_lacks("Who has looked at or changed this record");
    }
}

both_backends! {
    async fn only_one_personal_link_works_even_when_made_at_once(app: TestApp) {
        // Two "make a new link" clicks at the same moment must still leave one working link.
        let w = World::build(&app).await;
        let m = w.member_a;
        let mut warm = Vec::new();
        for _ in 0..8 {
            let store = app.store.clone();
            warm.push(tokio::spawn(async move { store.healthy().await }));
        }
        for h in warm {
            assert!(h.await.unwrap());
        }
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(6));
        let mut handles = Vec::new();
        let access = app.member_access(m).await;
        for _ in 0..6 {
            let store = app.store.clone();
            let access = access.clone();
            let barrier = barrier.clone();
            handles.push(tokio::spawn(async move {
                let token = hearth::auth::new_token();
                barrier.wait().await;
                store
                    .replace_member_link(&access, &hearth::auth::hash_token(&token))
                    .await
                    .unwrap();
                token
            }));
        }
        let mut tokens = Vec::new();
        for h in handles {
            tokens.push(h.await.unwrap());
        }
        let mut working = 0;
        for token in tokens {
            if app.store.member_by_link(&hearth::auth::hash_token(&token)).await.unwrap().is_some() {
                working += 1;
            }
        }
        assert_eq!(working, 1, "{working} personal links work for one member");
    }
}

both_backends! {
    async fn handing_over_a_link_asks_before_replacing_and_offers_a_text_a_card_and_email(app: TestApp) {
        let w = World::build(&app).await;
        let m = w.member_a;
        // The first link is made at once, with what the member can do with it, a message to
        // paste into a text, and a printable card with a QR code of the link.
        let res = w.f1b.post_form(&format!("/members/{m}/link"), &[]).await;
        res.expect(200)
            .expect_contains("say if you are coming to meetings, answer questions about dates, say how a meeting went, and check or correct your details")
            .expect_contains("Send it in a text message")
            .expect_contains("<svg role=\"img\" aria-label=\"A QR code of the link\" class=\"qr\"")
            .expect_contains("Print a card");
        let first = html::secret_link(&res.text).expect("the link is shown");
        assert!(res.text.contains(&format!("here is your own page for {GROUP_A}: {first}")), "the text message carries the link");
        // Email is not set up in this test: the page does not offer it.
        res.expect_lacks("Send it by email");

        // A second link would stop the first: the page asks, and nothing changes until it is answered.
        let ask = w.f1b.post_form(&format!("/members/{m}/link"), &[]).await;
        ask.expect(200).expect_contains("the link they have now stops working").expect_contains("name=\"confirm\" value=\"yes\"");
        let path = first.trim_start_matches(&app.base).to_string();
        app.browser().get(&path).await.expect(200);
        let again = w.f1b.post_form(&format!("/members/{m}/link"), &[("confirm", "yes")]).await;
        again.expect(200);
        let second = html::secret_link(&again.text).expect("a new link");
        assert_ne!(first, second);
        app.browser().get(&path).await.expect(410).expect_contains("does not work any more");

        // Emailing without email set up says so, and sends nothing; another group cannot ask.
        w.f1b.post_form(&format!("/members/{m}/link/email"), &[]).await.expect_redirect(&format!("/members/{m}#link"));
        assert_eq!(app.store.jobs_of_group(&app.store.group(&w.c, GroupId(w.group_a)).await.unwrap(), 10).await.expect("jobs").len(), 0);
        w.f2b.post_form(&format!("/members/{m}/link/email"), &[]).await.expect(404);
        w.f2b.post_form(&format!("/members/{m}/link"), &[("confirm", "yes")]).await.expect(404);
    }
}

both_backends! {
    /// Links end with membership (issue 18): a member who has left has every link and their
    /// calendar feed stopped at once (and a later change does not bring them back); turning a
    /// link off or making a new one stops the feed too; staff can stop the feed on its own.
    async fn links_and_feeds_end_with_membership(app: TestApp) {
        let w = World::build(&app).await;
        let anyone = app.api_anonymous();
        let member = w.member_a;
        let issue = |api: Api| async move {
            let r = api.post(&format!("/api/v1/members/{member}/link"), &serde_json::json!({})).await;
            r.expect(201);
            let url = r.json()["url"].as_str().expect("url").to_string();
            url[url.find("/m/").expect("path")..].to_string()
        };
        // A feed made through the member's own link.
        let feed_for = |link: String| {
            let store = app.store.clone();
            async move {
                let token = link.trim_start_matches("/m/");
                let owner = store.member_by_link(&hearth::auth::hash_token(token)).await.expect("link").expect("working link");
                let feed = hearth::auth::new_token();
                store.replace_feed(&owner, &hearth::auth::hash_token(&feed)).await.expect("feed");
                format!("/calendar/{feed}.ics")
            }
        };

        // Staff stop the feed on its own: the link still works.
        let link = issue(w.f1_api.clone()).await;
        let feed = feed_for(link.clone()).await;
        anyone.get(&feed).await.expect(200);
        assert!(w.f1b.get(&format!("/members/{member}")).await.text.contains("Their calendar feed is on"));
        w.f1_api.send("DELETE", &format!("/api/v1/members/{member}/calendar-feed"), None, &[]).await.expect(204);
        anyone.get(&feed).await.expect(404);
        anyone.get(&link).await.expect(200);
        // Again through the member's page.
        let feed = feed_for(link.clone()).await;
        w.f1b.post_form(&format!("/members/{member}/calendar-feed/revoke"), &[]).await.expect(303);
        anyone.get(&feed).await.expect(404);
        anyone.get(&link).await.expect(200);

        // A new link stops the old link and its feed; turning the link off stops both.
        let feed = feed_for(link.clone()).await;
        let newer = issue(w.f1_api.clone()).await;
        anyone.get(&link).await.expect(410);
        anyone.get(&feed).await.expect(404);
        let feed = feed_for(newer.clone()).await;
        w.f1_api.send("DELETE", &format!("/api/v1/members/{member}/link"), None, &[]).await.expect(204);
        anyone.get(&newer).await.expect(410);
        anyone.get(&feed).await.expect(404);

        // Leaving stops the link, a link made for one email, and the feed, at once; coming
        // back later does not bring the old ones back.
        let link = issue(w.f1_api.clone()).await;
        let feed = feed_for(link.clone()).await;
        let mail_token = hearth::auth::new_token();
        app.store.add_mail_link(MemberId(member), &hearth::auth::hash_token(&mail_token)).await.expect("mail link");
        anyone.get(&format!("/m/{mail_token}")).await.expect(200);
        w.f1_api.put(&format!("/api/v1/members/{member}"), &serde_json::json!({"needs": [], "left_on": "2026-11-30"})).await.expect(200);
        anyone.get(&link).await.expect(410);
        anyone.get(&feed).await.expect(404);
        anyone.get(&format!("/m/{mail_token}")).await.expect(410);
        w.f1_api.put(&format!("/api/v1/members/{member}"), &serde_json::json!({"needs": [], "left_on": null})).await.expect(200);
        anyone.get(&link).await.expect(410);
        anyone.get(&feed).await.expect(404);
        anyone.get(&format!("/m/{mail_token}")).await.expect(410);
    }
}

//! Goals and action plans, their reviews and history, and the "since last time" round: who
//! may see them (the member through their link and the group's own facilitators, nobody
//! else), the goals step of the run-sheet, and bad input on every form and endpoint.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{
    add_member, days_from_now, get_json, issue_link, meeting, plan_id, section, ticked,
};
use crate::topics::{link_post, run_at, sign_in};

/// A request to the API: method, path and JSON body (if any).
type ApiRoute = (&'static str, String, Option<Value>);
/// A page request: method, path and form fields.
type PageRoute = (&'static str, String, Vec<(&'static str, &'static str)>);

/// Adds a plan through the API as this client (201 expected); returns it.
pub async fn add_plan(api: &Api, member: i64, body: Value) -> Value {
    let res = api
        .post(&format!("/api/v1/members/{member}/plans"), &body)
        .await;
    res.expect(201);
    let v = res.json();
    let id = v["id"].as_i64().expect("plan id");
    assert_eq!(res.location(), format!("/api/v1/plans/{id}"));
    v
}

/// The member's plans through the API, as this client (200 expected).
pub async fn plans(api: &Api, member: i64) -> Vec<Value> {
    get_json(api, &format!("/api/v1/members/{member}/plans")).await["plans"]
        .as_array()
        .expect("plans")
        .clone()
}

/// A plan with its reviews, as this client (200 expected).
async fn plan(api: &Api, id: i64) -> Value {
    get_json(api, &format!("/api/v1/plans/{id}")).await
}

both_backends! {
    async fn action_plans_through_the_api_and_the_forms_with_reviews_and_history(app: TestApp) {
        let w = World::build(&app).await;
        let m = w.member_a;
        let path = format!("/api/v1/members/{m}/plans");

        let walk = add_plan(&w.f1_api, m, json!({"what": "Walk to the shops", "how_much": "20 minutes", "when": "after lunch", "how_often": "3 times a week", "by_date": "2027-03-31", "confidence": 8})).await;
        for (k, v) in [("what", json!("Walk to the shops")), ("how_much", json!("20 minutes")), ("when", json!("after lunch")), ("how_often", json!("3 times a week")), ("by_date", json!("2027-03-31")), ("confidence", json!(8)), ("status", json!("open")), ("member_id", json!(m)), ("suggestion", Value::Null)] {
            assert_eq!(walk[k], v, "{k} in {walk}");
        }
        // Below 7, a suggestion to make the plan smaller; 7 is confident enough.
        let cook = add_plan(&w.f1_api, m, json!({"what": "Cook at home", "confidence": 5})).await;
        assert!(cook["suggestion"].as_str().is_some_and(|s| s.contains("smaller")), "{cook}");
        assert_eq!((cook["by_date"].clone(), cook["how_much"].as_str()), (Value::Null, Some("")));
        let six = add_plan(&w.f1_api, m, json!({"what": "Stretch", "confidence": "6"})).await;
        assert!(six["suggestion"].is_string(), "{six}");
        let seven = add_plan(&w.f1_api, m, json!({"what": "Drink water", "confidence": 7})).await;
        assert!(seven["suggestion"].is_null(), "{seven}");
        add_plan(&w.f1_api, m, json!({"what": "Rest", "confidence": 0})).await;
        add_plan(&w.f1_api, m, json!({"what": "Dance", "confidence": 10})).await;
        let listed = plans(&w.f1_api, m).await;
        assert_eq!(listed.len(), 6, "{listed:?}");
        for p in &listed {
            assert!(p["id"].is_i64() && p["what"].is_string() && p["status"] == "open" && p["member_id"] == m, "{p}");
        }

        // Bad input: 422 naming each wrong field; nothing added.
        let long = |n: usize| "x".repeat(n);
        let cases: Vec<(Value, &[&str])> = vec![
            (json!({}), &["what", "confidence"]),
            (json!({"what": "Walk"}), &["confidence"]),
            (json!({"what": "  ", "confidence": 5}), &["what"]),
            (json!({"what": "Walk", "confidence": 11}), &["confidence"]),
            (json!({"what": "Walk", "confidence": -1}), &["confidence"]),
            (json!({"what": "Walk", "confidence": 7.5}), &["confidence"]),
            (json!({"what": "Walk", "confidence": "high"}), &["confidence"]),
            (json!({"what": "Walk", "confidence": ""}), &["confidence"]),
            (json!({"what": "Walk", "confidence": 5, "by_date": "next week"}), &["by_date"]),
            (json!({"what": "Walk", "confidence": 5, "by_date": "2027-02-30"}), &["by_date"]),
            (json!({"what": "Walk", "confidence": 5, "by_date": "31/03/2027"}), &["by_date"]),
            (json!({"what": long(301), "confidence": 5}), &["what"]),
            (json!({"what": "Walk", "confidence": 5, "how_much": long(201), "when": long(201), "how_often": long(201)}), &["how_much", "when", "how_often"]),
            (json!({"confidence": 11, "by_date": "soon"}), &["what", "confidence", "by_date"]),
            (json!({"what": ["a", {"b": 1}], "confidence": 5}), &["what"]),
        ];
        for (body, fields) in cases {
            w.f1_api.post(&path, &body).await.expect_invalid_fields(fields);
        }
        w.f1_api.send("POST", &path, Some(("application/json", b"[1,2]".to_vec())), &[]).await.expect_invalid_fields(&["body"]);
        w.f1_api.post("/api/v1/members/999999/plans", &json!({"what": "Walk", "confidence": 5})).await.expect_json_error(404, "not_found");
        assert_eq!(plans(&w.f1_api, m).await.len(), 6);

        // The member page's form: saved, shown, with the suggestion when confidence is low.
        let form = format!("/members/{m}/plans");
        w.f1b.post_form(&form, &[("what", "Check my feet"), ("how_often", "every evening"), ("confidence", "4")]).await.expect_redirect(&format!("/members/{m}#goals"));
        let page = w.f1b.get(&format!("/members/{m}")).await;
        page.expect(200).expect_contains("make the plan a little smaller");
        let goals = section(&page.text, "goals-title");
        assert!(goals.contains("Check my feet, every evening") && goals.contains("Walk to the shops, 20 minutes, after lunch, 3 times a week, by 31 March 2027"), "{goals}");
        assert_eq!(plans(&w.f1_api, m).await.len(), 7);
        // Bad input: 422 on the member's page, each message by its field, what was typed kept.
        let res = w.f1b.post_form(&form, &[("what", ""), ("how_much", "lots"), ("by_date", "31/03/2027"), ("confidence", "11")]).await;
        res.expect(422)
            .expect_contains(MEMBER_A)
            .expect_field_error("what", "Enter what they will do")
            .expect_field_error("by_date", "Enter a real date, like 2026-03-31.")
            .expect_field_error("confidence", "Choose a number from 0 to 10.")
            .expect_value("how_much", "lots")
            .expect_value("by_date", "31/03/2027");
        let res = w.f1b.post_form(&form, &[("what", "Walk"), ("confidence", "")]).await;
        res.expect(422).expect_field_error("confidence", "Choose how confident they feel").expect_value("what", "Walk");
        let res = w.f1b.post_form(&form, &[("what", &long(301)), ("confidence", "5"), ("when", &long(201))]).await;
        res.expect(422).expect_field_error("what", "Use 300 characters or fewer.").expect_field_error("when", "Use 200 characters or fewer.").expect_value("confidence", "5");
        assert_eq!(plans(&w.f1_api, m).await.len(), 7);

        // Reviews through the API: on track keeps the plan open, done closes it.
        let walk_id = walk["id"].as_i64().expect("id");
        let reviews = format!("/api/v1/plans/{walk_id}/reviews");
        let res = w.f1_api.post(&reviews, &json!({"outcome": "on_track", "note": "Walked twice"})).await;
        res.expect(201);
        assert_eq!(res.json()["reviews"].as_array().map(Vec::len), Some(1));
        let p = plan(&w.f1_api, walk_id).await;
        assert_eq!((p["status"].as_str(), p["reviews"][0]["outcome"].as_str(), p["reviews"][0]["note"].as_str()), (Some("open"), Some("on_track"), Some("Walked twice")), "{p}");
        assert_eq!(p["reviews"][0]["meeting_id"], Value::Null);
        // The page's form: done, with a note.
        w.f1b.post_form(&format!("/plans/{walk_id}/reviews"), &[("outcome", "done"), ("note", "Every day now")]).await.expect_redirect(&format!("/plans/{walk_id}"));
        let p = plan(&w.f1_api, walk_id).await;
        assert_eq!(p["status"], "done", "{p}");
        let history: Vec<(&str, &str)> = p["reviews"].as_array().expect("reviews").iter().map(|r| (r["outcome"].as_str().unwrap_or(""), r["note"].as_str().unwrap_or(""))).collect();
        assert_eq!(history.len(), 2, "{p}");
        assert!(history.contains(&("on_track", "Walked twice")) && history.contains(&("done", "Every day now")), "{history:?}");
        let page = w.f1b.get(&format!("/plans/{walk_id}")).await;
        page.expect(200).expect_contains("Walk to the shops").expect_contains("Walked twice").expect_contains("Every day now").expect_contains("On track").expect_contains("Done");
        // Changed and dropped are recorded too.
        let cook_id = cook["id"].as_i64().expect("id");
        // "Changed" asks for the new version (what, and how confident), keeps the old one in the
        // review, and the plan stays open as it is now.
        w.f1_api.post(&format!("/api/v1/plans/{cook_id}/reviews"), &json!({"outcome": "changed"})).await.expect_invalid_fields(&["what", "confidence"]);
        w.f1_api.post(&format!("/api/v1/plans/{cook_id}/reviews"), &json!({"outcome": "changed", "what": "Cook twice a week", "confidence": 8})).await.expect(201);
        let p = plan(&w.f1_api, cook_id).await;
        assert_eq!((p["reviews"][0]["outcome"].as_str(), p["reviews"][0]["previous"].as_str()), (Some("changed"), Some("Cook at home")), "{p}");
        assert_eq!((p["status"].as_str(), p["what"].as_str(), p["confidence"].as_i64()), (Some("open"), Some("Cook twice a week"), Some(8)), "{p}");
        let six_id = six["id"].as_i64().expect("id");
        w.f1_api.post(&format!("/api/v1/plans/{six_id}/reviews"), &json!({"outcome": "dropped", "note": "Too much"})).await.expect(201);
        assert_eq!(plan(&w.f1_api, six_id).await["status"], "dropped");
        // The list keeps closed plans, open ones first.
        let listed = plans(&w.f1_api, m).await;
        assert_eq!(listed.iter().find(|p| p["id"] == walk_id).expect("walk")["status"], "done");
        let first_closed = listed.iter().position(|p| p["status"] != "open").expect("closed plans");
        assert!(listed[first_closed..].iter().all(|p| p["status"] != "open"), "open plans come first: {listed:?}");

        // Bad reviews: 422 naming the field, nothing recorded.
        let seven_id = seven["id"].as_i64().expect("id");
        let path = format!("/api/v1/plans/{seven_id}/reviews");
        for (body, fields) in [
            (json!({}), &["outcome"][..]),
            (json!({"outcome": "maybe"}), &["outcome"]),
            (json!({"outcome": "DONE!"}), &["outcome"]),
            (json!({"outcome": "done", "note": long(1001)}), &["note"]),
            (json!({"outcome": "sideways", "note": long(1001)}), &["outcome", "note"]),
            (json!({"outcome": "done", "meeting_id": "last week"}), &["meeting_id"]),
        ] {
            w.f1_api.post(&path, &body).await.expect_invalid_fields(fields);
        }
        let b_meeting = plan_id(&w.f2_api, w.group_b, "2027-01-05").await;
        w.f1_api.post(&path, &json!({"outcome": "done", "meeting_id": b_meeting})).await.expect_json_error(404, "not_found");
        w.f1_api.post("/api/v1/plans/999999/reviews", &json!({"outcome": "done"})).await.expect_json_error(404, "not_found");
        let form = format!("/plans/{seven_id}/reviews");
        let res = w.f1b.post_form(&form, &[("note", "kept")]).await;
        res.expect(422).expect_field_error("outcome", "Choose done, on track, changed or dropped.").expect_value("note", "kept");
        let res = w.f1b.post_form(&form, &[("outcome", "done"), ("note", &long(1001))]).await;
        res.expect(422).expect_field_error("note", "Use 1000 characters or fewer.").expect_value("outcome", "done");
        w.f1b.post_form(&form, &[("outcome", "done"), ("meeting_id", &b_meeting.to_string())]).await.expect(404);
        w.f1b.post_form(&form, &[("outcome", "done"), ("meeting_id", "soon")]).await.expect(400);
        let p = plan(&w.f1_api, seven_id).await;
        assert_eq!((p["status"].as_str(), p["reviews"].as_array().map(Vec::len)), (Some("open"), Some(0)), "{p}");
        w.f1b.get("/plans/999999").await.expect(404);
    }
}

both_backends! {
    async fn plans_are_for_the_member_and_the_groups_own_facilitators_only(app: TestApp) {
        let w = World::build(&app).await;
        let (a, g) = (w.member_a, w.group_a);
        let secret = "Swim at the lido";
        let p = add_plan(&w.f1_api, a, json!({"what": secret, "confidence": 8})).await["id"].as_i64().expect("id");
        w.f1_api.post(&format!("/api/v1/plans/{p}/reviews"), &json!({"outcome": "on_track", "note": "Lido review note"})).await.expect(201);
        let b_secret = "Yoga on Tuesdays";
        let bp = add_plan(&w.f2_api, w.member_b, json!({"what": b_secret, "confidence": 9})).await["id"].as_i64().expect("id");
        let secrets = [secret, "Lido review note"];

        let api_routes: Vec<ApiRoute> = vec![
            ("GET", format!("/api/v1/members/{a}/plans"), None),
            ("POST", format!("/api/v1/members/{a}/plans"), Some(json!({"what": "Intruder plan", "confidence": 5}))),
            ("GET", format!("/api/v1/plans/{p}"), None),
            ("POST", format!("/api/v1/plans/{p}/reviews"), Some(json!({"outcome": "dropped", "note": "Intruder"}))),
        ];
        let page_routes: Vec<PageRoute> = vec![
            ("GET", format!("/plans/{p}"), vec![]),
            ("POST", format!("/members/{a}/plans"), vec![("what", "Intruder plan"), ("confidence", "5")]),
            ("POST", format!("/plans/{p}/reviews"), vec![("outcome", "dropped"), ("note", "Intruder")]),
        ];
        let call_api = |api: Api, (method, path, body): ApiRoute| async move {
            match body {
                Some(b) => api.json(method, &path, &b).await,
                None => api.send(method, &path, None, &[]).await,
            }
        };
        let call_page = |b: Browser, (method, path, fields): PageRoute| async move {
            if method == "GET" { b.get(&path).await } else { b.post_form(&path, &fields).await }
        };

        // Anonymous: 401 from the API, the sign-in page for pages.
        for r in api_routes.clone() {
            let res = call_api(app.api_anonymous(), r).await;
            res.expect_json_error(401, "unauthorized");
        }
        let anon = app.browser();
        for r in page_routes.clone() {
            call_page(anon.clone(), r).await.expect_signin_redirect();
        }
        // The other group's facilitator: 404, as for a plan that does not exist.
        for r in api_routes.clone() {
            let res = call_api(w.f2_api.clone(), r).await;
            res.expect_json_error(404, "not_found");
            for s in secrets {
                res.expect_lacks(s);
            }
        }
        for r in page_routes.clone() {
            let res = call_page(w.f2b.clone(), r).await;
            res.expect(404);
            for s in secrets {
                res.expect_lacks(s);
            }
        }
        w.f2b.get(&format!("/members/{a}")).await.expect(404).expect_lacks(secret);
        // The coordinator, who does not facilitate group A: 403, and the member's page shows
        // no plan at all.
        for r in api_routes.clone() {
            let res = call_api(w.c_api.clone(), r).await;
            res.expect_json_error(403, "forbidden");
            for s in secrets {
                res.expect_lacks(s);
            }
        }
        for r in page_routes.clone() {
            let res = call_page(w.cb.clone(), r).await;
            res.expect(403);
            for s in secrets {
                res.expect_lacks(s);
            }
        }
        let page = w.cb.get(&format!("/members/{a}")).await;
        page.expect(200).expect_contains("Goals are private").expect_lacks(secret).expect_lacks(&format!("action=\"/members/{a}/plans")).expect_lacks(&format!("/plans/{p}"));
        // Group A's facilitator sees group A's plans, and none of group B's.
        assert_eq!(plans(&w.f1_api, a).await.len(), 1);
        w.f1_api.get(&format!("/api/v1/members/{}/plans", w.member_b)).await.expect_json_error(404, "not_found");
        w.f1_api.get(&format!("/api/v1/plans/{bp}")).await.expect_json_error(404, "not_found");
        w.f1b.get(&format!("/plans/{bp}")).await.expect(404).expect_lacks(b_secret);
        w.f1b.get(&format!("/members/{a}")).await.expect(200).expect_contains(secret);
        // Nothing the others sent was kept.
        let mine = plans(&w.f1_api, a).await;
        assert_eq!(mine.len(), 1, "{mine:?}");
        let p_now = plan(&w.f1_api, p).await;
        assert_eq!((p_now["status"].as_str(), p_now["reviews"].as_array().map(Vec::len)), (Some("open"), Some(1)), "{p_now}");

        // A coordinator who facilitates the group sees its plans like any facilitator.
        w.cb.post_form(&format!("/groups/{g}/facilitators"), &[("facilitator", &w.f1.id.to_string()), ("facilitator", &w.c.id.to_string())]).await.expect(303);
        assert_eq!(plans(&w.c_api, a).await.len(), 1);
        w.cb.get(&format!("/members/{a}")).await.expect(200).expect_contains(secret);
        w.c_api.get(&format!("/api/v1/members/{}/plans", w.member_b)).await.expect_json_error(403, "forbidden");
        // ... and nobody who stops facilitating it keeps seeing them.
        w.cb.post_form(&format!("/groups/{g}/facilitators"), &[("facilitator", &w.c.id.to_string())]).await.expect(303);
        w.f1_api.get(&format!("/api/v1/members/{a}/plans")).await.expect_json_error(404, "not_found");
        w.f1b.get(&format!("/plans/{p}")).await.expect(404).expect_lacks(secret);
    }
}

both_backends! {
    async fn a_members_link_reaches_only_their_own_plans(app: TestApp) {
        let w = World::build(&app).await;
        let (a, g) = (w.member_a, w.group_a);
        let a2 = add_member(&w.cb, g, &[("preferred_name", "Quincy Quick")]).await;
        add_plan(&w.f1_api, a2, json!({"what": "Quincy private plan", "confidence": 9})).await;
        add_plan(&w.f2_api, w.member_b, json!({"what": "Yolanda private plan", "confidence": 9})).await;
        add_plan(&w.f1_api, a, json!({"what": "Walk to the shops", "confidence": 8})).await;
        let link = issue_link(&app, &w.f1b, a).await;
        let mb = app.browser();
        let page = mb.get(&link).await;
        page.expect(200).expect_contains("Walk to the shops").expect_lacks("Quincy private plan").expect_lacks("Yolanda private plan");

        // Written from the link: the member's own, whatever else the form says.
        let res = link_post(&mb, &link, "/plans", &[("what", "Stretch every morning"), ("how_much", "5 minutes"), ("confidence", "6"), ("member_id", &a2.to_string())]).await;
        res.expect_redirect(&format!("{link}#plans"));
        let page = mb.get(&link).await;
        page.expect_contains("Stretch every morning, 5 minutes").expect_contains("make the plan a little smaller");
        let mine = plans(&w.f1_api, a).await;
        assert_eq!(mine.len(), 2, "{mine:?}");
        assert!(mine.iter().any(|p| p["what"] == "Stretch every morning" && p["confidence"] == 6 && p["member_id"] == a));
        assert_eq!(plans(&w.f1_api, a2).await.len(), 1, "nothing for Quincy");
        assert_eq!(plans(&w.f2_api, w.member_b).await.len(), 1);
        // Bad input: the messages next to the fields on the member's page, nothing saved.
        let res = link_post(&mb, &link, "/plans", &[("what", ""), ("by_date", "tomorrow"), ("confidence", "12"), ("how_often", "daily")]).await;
        res.expect(422)
            .expect_field_error("what", "Enter what they will do")
            .expect_field_error("by_date", "Enter a real date")
            .expect_field_error("confidence", "Choose a number from 0 to 10.")
            .expect_value("how_often", "daily")
            .expect_lacks("Quincy private plan");
        let res = link_post(&mb, &link, "/plans", &[("what", "Walk")]).await;
        res.expect(422).expect_field_error("confidence", "Choose how confident");
        assert_eq!(plans(&w.f1_api, a).await.len(), 2);

        // Another member's link shows their own plans only.
        let link2 = issue_link(&app, &w.f1b, a2).await;
        let page2 = app.browser().get(&link2).await;
        page2.expect(200).expect_contains("Quincy private plan").expect_lacks("Walk to the shops").expect_lacks("Stretch every morning");
        // A revoked link reaches nothing.
        w.f1b.post_form(&format!("/members/{a}/link/revoke"), &[]).await.expect(303);
        mb.post_form(&format!("{link}/plans"), &[("what", "After revoking"), ("confidence", "8")]).await.expect(410);
        mb.get(&link).await.expect(410).expect_lacks("Walk to the shops");
        assert_eq!(plans(&w.f1_api, a).await.len(), 2);
        // A made-up link reaches nothing either.
        let fake = app.browser();
        fake.csrf_token().await;
        fake.post_form("/m/not-a-real-token/plans", &[("what", "Guess"), ("confidence", "8")]).await.expect(410);
    }
}

both_backends! {
    async fn the_goals_step_lists_those_here_to_review_and_those_away_to_ring(app: TestApp) {
        let w = World::build(&app).await;
        let (a, g) = (w.member_a, w.group_a);
        let a2 = add_member(&w.cb, g, &[("preferred_name", "Quincy Quick"), ("phone", "07700 900222")]).await;
        let a3 = add_member(&w.cb, g, &[("preferred_name", "Rosa Rapid"), ("phone", "07700 900333")]).await;
        add_member(&w.cb, g, &[("preferred_name", "Sid Swift"), ("phone", "07700 900444")]).await;
        let walk = add_plan(&w.f1_api, a, json!({"what": "Walk to the shops", "how_much": "20 minutes", "confidence": 8})).await["id"].as_i64().expect("id");
        let old = add_plan(&w.f1_api, a, json!({"what": "An old dropped plan", "confidence": 8})).await["id"].as_i64().expect("id");
        w.f1_api.post(&format!("/api/v1/plans/{old}/reviews"), &json!({"outcome": "dropped"})).await.expect(201);
        let done = add_plan(&w.f1_api, a2, json!({"what": "Quincy finished plan", "confidence": 8})).await["id"].as_i64().expect("id");
        w.f1_api.post(&format!("/api/v1/plans/{done}/reviews"), &json!({"outcome": "done"})).await.expect(201);
        let cook = add_plan(&w.f1_api, a3, json!({"what": "Cook on Sundays", "confidence": 6})).await["id"].as_i64().expect("id");
        let id = plan_id(&w.f1_api, g, &days_from_now(0)).await;
        sign_in(&w.f1_api, id, a).await;
        sign_in(&w.f1_api, id, a2).await;

        let page = run_at(&w.f1b, &w.f1_api, id, "goals").await;
        let goals = section(&page.text, "goals-title");
        assert!(goals.contains(MEMBER_A) && goals.contains("Walk to the shops, 20 minutes") && goals.contains("confidence 8/10"), "{goals}");
        for outcome in ["on_track", "done", "changed", "dropped"] {
            page.expect_contains(&format!("name=\"outcome\" value=\"{outcome}\""));
        }
        // Each plan's note and outcome buttons belong to the step's form, which carries the
        // meeting and the way back.
        page.expect_contains(&format!("formaction=\"/plans/{walk}/reviews\"")).expect_contains(&format!("name=\"meeting_id\" value=\"{id}\""))
            .expect_contains(&format!("name=\"review_note.{walk}\""));
        page.expect_lacks(&format!("formaction=\"/plans/{old}/reviews\"")).expect_lacks(&format!("formaction=\"/plans/{done}/reviews\""));
        // (Everyone here may be asked to set a new goal, below the reviews.)
        let reviews = goals.split("Set a new goal").next().unwrap_or_default();
        assert!(!reviews.contains("An old dropped plan") && !reviews.contains("Quincy finished plan") && !reviews.contains("Quincy Quick"), "closed plans are not reviewed: {goals}");
        assert!(goals.contains("Set a new goal With Quincy QuickWith Zebedee Quill"), "{goals}");
        // Those not here with open plans: to ring, with their number.
        let away = &goals[goals.find("Not here today").unwrap_or_else(|| panic!("no list of people to ring: {goals}"))..];
        assert!(away.contains("Rosa Rapid") && away.contains("07700 900333") && away.contains("Cook on Sundays"), "{away}");
        assert!(!away.contains("Sid Swift") && !away.contains(MEMBER_A), "only those away with open plans: {away}");
        page.expect_contains("href=\"tel:07700 900333\"");
        assert!(!goals.contains("07700 900222"), "{goals}");

        // A review from the run-sheet is kept with the meeting, and the page stays in step.
        let v = meeting(&w.f1_api, id).await["version"].as_i64().expect("version");
        let back = format!("/meetings/{id}/run#goals");
        w.f1b.post_form(&format!("/plans/{walk}/reviews"), &[("outcome", "on_track"), ("note", "Twice this week"), ("meeting_id", &id.to_string()), ("back", &back)]).await.expect_redirect(&back);
        assert!(meeting(&w.f1_api, id).await["version"].as_i64().expect("version") > v, "other devices are told to refresh");
        let p = plan(&w.f1_api, walk).await;
        assert_eq!((p["status"].as_str(), p["reviews"][0]["meeting_id"].as_i64(), p["reviews"][0]["note"].as_str()), (Some("open"), Some(id), Some("Twice this week")), "{p}");
        w.f1b.get(&format!("/plans/{walk}")).await.expect_contains(&format!("at the meeting on <a href=\"/meetings/{id}/notes\">"));
        // Still open, still listed; once done, no longer.
        assert!(w.f1b.get(&format!("/meetings/{id}/run")).await.text.contains(&format!("formaction=\"/plans/{walk}/reviews\"")));

        // Pressed from the step's form: the plan's own note is the review's; the step's notes
        // and another plan's note typed without an outcome are kept with the step.
        let pos = crate::topics::step_of(&w.f1_api, id, "goals").await.to_string();
        w.f1b.post_form(&format!("/plans/{walk}/reviews"), &[
            ("outcome", "on_track"), ("meeting_id", &id.to_string()), ("back", &back), ("position", &pos), ("notes", "Good energy"),
            (format!("review_note.{walk}").as_str(), "Three times now"), (format!("review_note.{cook}").as_str(), "Asked for recipes"),
        ]).await.expect_redirect(&back);
        let p = plan(&w.f1_api, walk).await;
        assert!(p["reviews"].as_array().into_iter().flatten().any(|r| r["note"] == "Three times now"), "{p}");
        let step_notes = meeting(&w.f1_api, id).await["agenda"][pos.parse::<usize>().expect("n")]["notes"].clone();
        assert_eq!(step_notes, "Good energy\nCook on Sundays: Asked for recipes");
        // "Next" with a note typed and no outcome: kept with the step's notes, no review made.
        w.f1b.post_form(&format!("/meetings/{id}/run/step"), &[
            ("step", &pos), ("position", &pos), ("notes", "Good energy"), (format!("review_note.{walk}").as_str(), "Legs tired"),
        ]).await.expect(303);
        assert_eq!(meeting(&w.f1_api, id).await["agenda"][pos.parse::<usize>().expect("n")]["notes"], "Good energy\nWalk to the shops: Legs tired");
        // A second review at the same meeting corrects the first rather than adding one.
        assert_eq!(plan(&w.f1_api, walk).await["reviews"].as_array().map(Vec::len), Some(1));
        w.f1b.post_form(&format!("/plans/{walk}/reviews"), &[("outcome", "done"), ("meeting_id", &id.to_string()), ("back", &back)]).await.expect_redirect(&back);
        // Done today: still shown with its outcome, to be seen and corrected, and gone from the
        // next meeting's step (it is closed).
        let page = w.f1b.get(&format!("/meetings/{id}/run")).await;
        assert!(section(&page.text, "goals-title").contains("Reviewed today: Done"), "{}", section(&page.text, "goals-title"));
        // Rosa comes in late: now she is listed to review, not to ring.
        sign_in(&w.f1_api, id, a3).await;
        let page = w.f1b.get(&format!("/meetings/{id}/run")).await;
        let goals = section(&page.text, "goals-title");
        assert!(goals.contains("Cook on Sundays") && !goals.contains("Not here today"), "{goals}");

        // The coordinator, who does not facilitate the group, sees no goals on the run-sheet.
        let page = w.cb.get(&format!("/meetings/{id}/run")).await;
        page.expect(200).expect_contains("Goals are private").expect_lacks("Cook on Sundays").expect_lacks("/reviews\"");
        // Nor does the other group's facilitator see the run-sheet at all.
        w.f2b.get(&format!("/meetings/{id}/run")).await.expect(404).expect_lacks("Cook on Sundays");
    }
}

both_backends! {
    async fn since_last_time_lines_are_private_by_default_and_kept_to_the_group(app: TestApp) {
        let w = World::build(&app).await;
        let (a, g) = (w.member_a, w.group_a);
        let a2 = add_member(&w.cb, g, &[("preferred_name", "Quincy Quick")]).await;
        let a3 = add_member(&w.cb, g, &[("preferred_name", "Rosa Rapid")]).await;
        let a4 = add_member(&w.cb, g, &[("preferred_name", "Sid Swift")]).await;
        plan_id(&w.f1_api, g, &days_from_now(-1)).await;
        let id = plan_id(&w.f1_api, g, &days_from_now(0)).await;
        let path = format!("/api/v1/meetings/{id}/checkins");
        let listed = |v: Value| v["checkins"].as_array().expect("checkins").clone();
        // Lines are kept for those who were there.
        for m in [a, a2, a3, a4] {
            sign_in(&w.f1_api, id, m).await;
        }

        // Through the API: private unless said otherwise; one line per member, updated.
        let res = w.f1_api.put(&path, &json!({"member_id": a, "note": "Started walking"})).await;
        res.expect(200);
        let rows = listed(res.json());
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0]["member_id"].as_i64(), rows[0]["note"].as_str(), rows[0]["private"].as_bool(), rows[0]["meeting_id"].as_i64()), (Some(a), Some("Started walking"), Some(true), Some(id)));
        w.f1_api.put(&path, &json!({"member_id": a2, "note": "Quincy new job", "private": false})).await.expect(200);
        w.f1_api.put(&path, &json!({"member_id": a, "note": "Started walking again", "private": null})).await.expect(200);
        let rows = listed(get_json(&w.f1_api, &path).await);
        assert_eq!(rows.len(), 2, "{rows:?}");
        let row = |rows: &[Value], m: i64| rows.iter().find(|r| r["member_id"] == m).cloned().unwrap_or_else(|| panic!("no check-in for {m}: {rows:?}"));
        assert_eq!((row(&rows, a)["note"].as_str(), row(&rows, a)["private"].as_bool()), (Some("Started walking again"), Some(true)));
        assert_eq!(row(&rows, a2)["private"], false);

        // The run-sheet's form: private when ticked, or when the box was not there at all.
        let form = |m: i64| format!("/meetings/{id}/checkins/{m}");
        w.f1b.post_form(&form(a3), &[("note", "Moved house"), ("private_shown", "1")]).await.expect_redirect(&format!("/meetings/{id}/run#checkin-{a3}"));
        assert_eq!(row(&listed(get_json(&w.f1_api, &path).await), a3)["private"], false);
        w.f1b.post_form(&form(a3), &[("note", "Moved house"), ("private_shown", "1"), ("private", "true")]).await.expect(303);
        assert_eq!(row(&listed(get_json(&w.f1_api, &path).await), a3)["private"], true);
        w.f1b.post_form(&form(a4), &[("note", "Sid line")]).await.expect(303);
        let rows = listed(get_json(&w.f1_api, &path).await);
        assert_eq!(rows.len(), 4);
        assert_eq!(row(&rows, a4)["private"], true);

        // The step shows a line for each member present, with what was noted.
        w.f1b.post_form(&format!("/meetings/{id}/attendance/{a4}"), &[("present", "false")]).await.expect(303);
        let page = run_at(&w.f1b, &w.f1_api, id, "since_last_time").await;
        // Each line belongs to the step's form, so Save, Next or End all carry it.
        page.expect_contains(&format!("name=\"checkin.{a}\"")).expect_contains("value=\"Started walking again\"").expect_contains("value=\"Quincy new job\"");
        assert!(ticked(&page.text, &format!("checkin-private-{a}")));
        assert!(!ticked(&page.text, &format!("checkin-private-{a2}")));
        assert!(ticked(&page.text, &format!("checkin-private-{a3}")));
        page.expect_lacks(&format!("name=\"checkin.{a4}\""));

        // Saved through the step's form: a changed line is written, its box unticked makes it
        // shared, and an untouched empty line makes no record.
        let position = crate::topics::step_of(&w.f1_api, id, "since_last_time").await;
        w.f1b
            .post_form(&format!("/meetings/{id}/run/step"), &[
                ("step", &position.to_string()), ("position", &position.to_string()),
                (format!("checkin_shown.{a}").as_str(), "1"), (format!("checkin.{a}").as_str(), "Started walking again"), (format!("checkin_private.{a}").as_str(), "true"),
                (format!("checkin_shown.{a2}").as_str(), "1"), (format!("checkin.{a2}").as_str(), "Quincy new job, likes it"),
            ])
            .await
            .expect(303);
        let rows = listed(get_json(&w.f1_api, &path).await);
        assert_eq!((row(&rows, a)["note"].as_str(), row(&rows, a)["private"].as_bool()), (Some("Started walking again"), Some(true)));
        assert_eq!((row(&rows, a2)["note"].as_str(), row(&rows, a2)["private"].as_bool()), (Some("Quincy new job, likes it"), Some(false)));
        assert_eq!(rows.len(), 4, "no new record for an untouched line");

        // Each member sees their own lines on their link, not other people's.
        let link = issue_link(&app, &w.f1b, a).await;
        app.browser().get(&link).await.expect(200).expect_contains("Started walking again").expect_lacks("Quincy new job").expect_lacks("Moved house");

        // The coordinator who does not facilitate the group: 403, nothing shown or kept.
        w.c_api.get(&path).await.expect_json_error(403, "forbidden");
        w.c_api.put(&path, &json!({"member_id": a, "note": "Coordinator line"})).await.expect_json_error(403, "forbidden");
        w.cb.post_form(&form(a), &[("note", "Coordinator line"), ("private_shown", "1")]).await.expect(403);
        let page = w.cb.get(&format!("/meetings/{id}/run")).await;
        page.expect(200).expect_contains("These notes are private").expect_lacks("Started walking again").expect_lacks(&format!("action=\"{}\"", form(a)));
        // The other group's facilitator: 404, as for a meeting that does not exist (the API's
        // PUT is checked in its own test below).
        w.f2_api.get(&path).await.expect_json_error(404, "not_found");
        w.f2b.post_form(&form(a), &[("note", "Gus line")]).await.expect(404);
        w.f2b.post_form(&form(w.member_b), &[("note", "Gus line")]).await.expect(404);
        // Anonymous: 401 and the sign-in page.
        app.api_anonymous().get(&path).await.expect_json_error(401, "unauthorized");
        app.api_anonymous().put(&path, &json!({"member_id": a, "note": "Anon"})).await.expect_json_error(401, "unauthorized");
        app.browser().post_form(&form(a), &[("note", "Anon")]).await.expect_signin_redirect();

        // Bad input: 422 naming each field.
        for (body, fields) in [
            (json!({}), &["member_id", "note"][..]),
            (json!({"member_id": a}), &["note"]),
            (json!({"member_id": "Zebedee", "note": "Hello"}), &["member_id"]),
            (json!({"member_id": a, "note": "n".repeat(1001)}), &["note"]),
            (json!({"member_id": a, "note": "Hello", "private": "perhaps"}), &["private"]),
            (json!({"member_id": w.member_b, "note": "Hello"}), &["member_id"]),
            (json!({"member_id": 999999, "note": "Hello"}), &["member_id"]),
        ] {
            w.f1_api.put(&path, &body).await.expect_invalid_fields(fields);
        }
        w.f1_api.get("/api/v1/meetings/999999/checkins").await.expect_json_error(404, "not_found");
        let res = w.f1b.post_form(&form(a), &[("note", &"n".repeat(1001)), ("private_shown", "1")]).await;
        res.expect(422).expect_contains("Use 1000 characters or fewer.");
        w.f1b.post_form(&form(w.member_b), &[("note", "Hello")]).await.expect(404);
        w.f1b.post_form(&format!("/meetings/{id}/checkins/999999"), &[("note", "Hello")]).await.expect(404);
        let rows = listed(get_json(&w.f1_api, &path).await);
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert_eq!(row(&rows, a)["note"], "Started walking again");
        assert!(!rows.iter().any(|r| r["note"].as_str().is_some_and(|n| n.contains("Gus") || n.contains("Coordinator") || n.contains("Anon"))));
    }
}

both_backends! {
    async fn writing_a_line_to_another_groups_meeting_is_not_found(app: TestApp) {
        // PUT /api/v1/meetings/{id}/checkins from the other group's facilitator answers 404,
        // as GET does and as every other meeting route does: not a 422 that tells them the
        // meeting is there, and nothing written.
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, &days_from_now(0)).await;
        let path = format!("/api/v1/meetings/{id}/checkins");
        let mut wrong = Vec::new();
        for (api, path, body) in [
            (&w.f2_api, path.clone(), json!({"member_id": w.member_a, "note": "Gus line"})),
            (&w.f2_api, path.clone(), json!({"member_id": w.member_b, "note": "Gus line"})),
            (&w.f1_api, "/api/v1/meetings/999999/checkins".to_string(), json!({"member_id": w.member_a, "note": "Hello"})),
        ] {
            let res = api.put(&path, &body).await;
            if res.status.as_u16() != 404 {
                wrong.push(format!("PUT {path} {body}: {} {}", res.status, res.text));
            }
        }
        assert!(get_json(&w.f1_api, &path).await["checkins"].as_array().is_some_and(Vec::is_empty));
        assert!(wrong.is_empty(), "expected 404:\n{}", wrong.join("\n"));
    }
}

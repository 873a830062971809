//! The threads between meetings (issue 16): "since last time" lines kept with the record and
//! followed up at the next meeting; goals reviewed, changed and named by meeting; the ground
//! rules reviewed at a meeting; the refreshments rota; and what a member's calendar says.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{add_member, days_from_now, get_json, issue_link, plan_id};
use crate::topics::{run_at, sign_in};

fn lines(v: Value) -> Vec<Value> {
    v["checkins"].as_array().expect("checkins").clone()
}

both_backends! {
    async fn since_last_time_lines_stay_with_the_record_and_come_back_next_time(app: TestApp) {
        let w = World::build(&app).await;
        let (a, g) = (w.member_a, w.group_a);
        let quincy = add_member(&w.cb, g, &[("preferred_name", "Quincy Quick")]).await;
        let rosa = add_member(&w.cb, g, &[("preferred_name", "Rosa Rapid")]).await;
        let sid = add_member(&w.cb, g, &[("preferred_name", "Sid Swift")]).await;
        let first = plan_id(&w.f1_api, g, &days_from_now(-14)).await;
        let second_day = days_from_now(-7);
        let second = plan_id(&w.f1_api, g, &second_day).await;
        let third = plan_id(&w.f1_api, g, &days_from_now(0)).await;

        // A first meeting has no "since last time" step: no line is kept there.
        sign_in(&w.f1_api, first, a).await;
        w.f1_api.put(&format!("/api/v1/meetings/{first}/checkins"), &json!({"member_id": a, "note": "Hello"}))
            .await.expect_field_message("member_id", "This meeting has no \"since last time\" step.");

        // At the second: lines only for those signed in, who have not left.
        let path = format!("/api/v1/meetings/{second}/checkins");
        for m in [a, quincy, rosa] {
            sign_in(&w.f1_api, second, m).await;
        }
        w.f1_api.put(&path, &json!({"member_id": a, "note": "Slept badly, saw the nurse"})).await.expect(200);
        w.f1_api.put(&path, &json!({"member_id": quincy, "note": "Started an allotment", "private": false})).await.expect(200);
        w.f1_api.put(&path, &json!({"member_id": sid, "note": "Not here"})).await
            .expect_field_message("member_id", "Lines are kept only for people who were signed in at the meeting.");
        w.f1b.post_form(&format!("/meetings/{second}/checkins/{sid}"), &[("note", "Not here")]).await.expect(422);
        w.f1_api.put(&format!("/api/v1/members/{rosa}"), &json!({"needs": [], "left_on": days_from_now(-1)})).await.expect(200);
        w.f1_api.put(&path, &json!({"member_id": rosa, "note": "Gone now"})).await
            .expect_field_message("member_id", "This member has left the group.");
        assert_eq!(lines(get_json(&w.f1_api, &path).await).len(), 2);
        w.f1b.post_form(&format!("/meetings/{second}/start"), &[("confirm", "yes")]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{second}/end"), &[("confirm", "yes")]).await.expect(303);

        // After the meeting: on its notes (the private line only for the group's facilitators,
        // marked as private), on each member's page with the date, and found by search.
        let notes = w.f1b.get(&format!("/meetings/{second}/notes")).await;
        notes.expect(200).expect_contains("Since last time").expect_contains("Slept badly, saw the nurse")
            .expect_contains("Started an allotment").expect_contains("Private</span>: Slept badly");
        let notes = w.cb.get(&format!("/meetings/{second}/notes")).await;
        notes.expect(200).expect_contains("Started an allotment").expect_lacks("Slept badly");
        let day = hearth::labels::date_label(&second_day);
        w.f1b.get(&format!("/members/{a}")).await.expect(200).expect_contains(&day).expect_contains("Slept badly, saw the nurse");
        w.cb.get(&format!("/members/{a}")).await.expect(200).expect_lacks("Slept badly");
        w.cb.get(&format!("/members/{quincy}")).await.expect(200).expect_contains("Started an allotment");
        let found = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/search?q=nurse")).await;
        let hits = found["hits"].as_array().cloned().unwrap_or_default();
        assert!(hits.iter().any(|h| h["kind"] == "since_last_time" && h["link"] == format!("/meetings/{second}/notes")), "{found}");
        let found = get_json(&w.c_api, &format!("/api/v1/groups/{g}/search?q=nurse")).await;
        assert!(found["hits"].as_array().is_some_and(Vec::is_empty), "a private line is not found by a coordinator: {found}");
        let found = get_json(&w.c_api, &format!("/api/v1/groups/{g}/search?q=allotment")).await;
        assert!(found["hits"].as_array().is_some_and(|h| h.iter().any(|h| h["kind"] == "since_last_time")), "{found}");
        w.f1b.get(&format!("/groups/{g}/search?q=nurse")).await.expect(200).expect_contains("Zebedee Quill, since last time (private)");
        w.cb.get(&format!("/groups/{g}/search?q=nurse")).await.expect(200).expect_lacks("Zebedee Quill, since last time");

        // The group's history says how many lines each meeting has, as the viewer may see them.
        w.f1b.get(&format!("/groups/{g}/history")).await.expect(200).expect_contains("2 lines said since last time");
        w.cb.get(&format!("/groups/{g}/history")).await.expect(200).expect_contains("One line said since last time");

        // The member sees their own lines, dated.
        let link = issue_link(&app, &w.f1b, a).await;
        app.browser().get(&link).await.expect(200).expect_contains(&format!("At the meeting on {day}")).expect_contains("Slept badly, saw the nurse");

        // At the next meeting, each person's line from last time is beside their name.
        for m in [a, quincy] {
            sign_in(&w.f1_api, third, m).await;
        }
        let page = run_at(&w.f1b, &w.f1_api, third, "since_last_time").await;
        page.expect_contains(&format!("Last time, on {day}: Slept badly, saw the nurse"))
            .expect_contains(&format!("Last time, on {day}: Started an allotment"));

        // Unticking "Private" shares the line with the coordinators; an empty line removes it.
        w.f1_api.put(&path, &json!({"member_id": a, "note": "Slept badly, saw the nurse", "private": false})).await.expect(200);
        w.cb.get(&format!("/meetings/{second}/notes")).await.expect(200).expect_contains("Slept badly");
        w.f1_api.put(&path, &json!({"member_id": a, "note": ""})).await.expect(200);
        w.f1b.post_form(&format!("/meetings/{second}/checkins/{quincy}"), &[("note", ""), ("private_shown", "1")]).await.expect(303);
        assert!(lines(get_json(&w.f1_api, &path).await).is_empty());
        w.f1b.get(&format!("/meetings/{second}/notes")).await.expect(200).expect_lacks("Slept badly").expect_lacks("Started an allotment");
        app.browser().get(&link).await.expect(200).expect_lacks("What you shared since last time").expect_lacks("(private");
        let found = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/search?q=nurse")).await;
        assert!(found["hits"].as_array().is_some_and(Vec::is_empty), "{found}");
    }
}

both_backends! {
    async fn a_goal_changed_at_a_meeting_asks_for_its_new_version_and_can_be_corrected(app: TestApp) {
        let w = World::build(&app).await;
        let (a, g) = (w.member_a, w.group_a);
        let day = days_from_now(0);
        let id = plan_id(&w.f1_api, g, &day).await;
        sign_in(&w.f1_api, id, a).await;
        let walk = crate::plans::add_plan(&w.f1_api, a, json!({"what": "Walk to the shops", "confidence": 6})).await["id"].as_i64().expect("plan");
        let page = run_at(&w.f1b, &w.f1_api, id, "goals").await;
        page.expect_contains("Walk to the shops");
        let back = format!("/meetings/{id}/run#goals");
        let review = format!("/plans/{walk}/reviews");

        // "Changed" asks for the plan as it is now, filled in with how it was.
        let asked = w.f1b.post_form(&review, &[("outcome", "changed"), ("meeting_id", &id.to_string()), ("back", &back)]).await;
        asked.expect(200).expect_contains("plan has changed").expect_contains("It was: Walk to the shops").expect_contains("value=\"Walk to the shops\"");
        assert_eq!(get_json(&w.f1_api, &format!("/api/v1/plans/{walk}")).await["reviews"].as_array().map(Vec::len), Some(0), "nothing kept before the new version");
        // Without what it is now: the form again, with the message.
        w.f1b.post_form(&review, &[("outcome", "changed"), ("meeting_id", &id.to_string()), ("back", &back), ("what", ""), ("confidence", "7")]).await
            .expect(422).expect_contains("Enter what they will do");
        w.f1b.post_form(&review, &[("outcome", "changed"), ("meeting_id", &id.to_string()), ("back", &back), ("what", "Walk to the park"), ("how_much", "10 minutes"), ("confidence", "8"), ("note", "Shops too far")]).await
            .expect_redirect(&back);
        let p = get_json(&w.f1_api, &format!("/api/v1/plans/{walk}")).await;
        assert_eq!((p["status"].as_str(), p["what"].as_str(), p["confidence"].as_i64()), (Some("open"), Some("Walk to the park"), Some(8)), "{p}");
        assert_eq!(p["reviews"][0]["previous"], "Walk to the shops", "{p}");

        // The step shows it was reviewed today, by whom; choosing again corrects that review.
        let page = w.f1b.get(&format!("/meetings/{id}/run")).await;
        page.expect_contains("Walk to the park, 10 minutes").expect_contains("Reviewed today: Changed</strong>, noted by Fern Facilitator: Shops too far");
        w.f1b.post_form(&review, &[("outcome", "done"), ("meeting_id", &id.to_string()), ("back", &back)]).await.expect_redirect(&back);
        let p = get_json(&w.f1_api, &format!("/api/v1/plans/{walk}")).await;
        let reviews = p["reviews"].as_array().cloned().unwrap_or_default();
        assert_eq!(reviews.len(), 1, "corrected, not added: {p}");
        assert_eq!((reviews[0]["outcome"].as_str(), reviews[0]["previous"].as_str(), p["status"].as_str()), (Some("done"), Some("Walk to the shops"), Some("done")));
        let page = w.f1b.get(&format!("/meetings/{id}/run")).await;
        page.expect_contains("Walk to the park").expect_contains("Reviewed today: Done").expect_contains("aria-pressed=\"true\"");
        w.f1b.post_form(&review, &[("outcome", "on_track"), ("meeting_id", &id.to_string()), ("back", &back)]).await.expect_redirect(&back);
        assert_eq!(get_json(&w.f1_api, &format!("/api/v1/plans/{walk}")).await["status"], "open");

        // The history names the meeting and keeps the old version.
        let label = hearth::labels::date_label(&day);
        w.f1b.get(&format!("/plans/{walk}")).await.expect(200)
            .expect_contains(&format!("at the meeting on <a href=\"/meetings/{id}/notes\">{label}</a>"))
            .expect_contains("noted by Fern Facilitator").expect_contains("It was: Walk to the shops").expect_lacks("(at a meeting)");

        // The next meeting reviews the plan as it is now.
        let next = plan_id(&w.f1_api, g, &days_from_now(7)).await;
        sign_in(&w.f1_api, next, a).await;
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[("confirm", "yes")]).await.expect(303);
        let page = run_at(&w.f1b, &w.f1_api, next, "goals").await;
        page.expect_contains("Walk to the park, 10 minutes").expect_lacks("Reviewed today");
    }
}

both_backends! {
    async fn the_ground_rules_are_reviewed_at_a_meeting_and_never_in_the_future(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let edit = format!("/groups/{g}/edit");
        let reviewed = |v: Value| v["ground_rules_reviewed_on"].clone();
        let rules = "Listen\nKeep it here";
        // A date in the future is refused, with the message by the field and what was typed kept.
        w.cb.post_form(&edit, &[("name", "Alder Circle"), ("ground_rules", rules), ("ground_rules_reviewed_on", "2031-01-01")]).await
            .expect(422).expect_field_error("ground_rules_reviewed_on", "This date is in the future").expect_contains("Keep it here");
        assert_eq!(reviewed(get_json(&w.f1_api, &format!("/api/v1/groups/{g}")).await), Value::Null);
        // Rules written down but not yet agreed: the group page says so.
        w.cb.post_form(&edit, &[("name", "Alder Circle"), ("ground_rules", rules)]).await.expect(303);
        w.cb.get(&format!("/groups/{g}")).await.expect(200).expect_contains("Not reviewed with the group yet");

        // Ticking the ground-rules prompt at a meeting in the future records nothing; at
        // today's meeting it records today's date, and the step says so.
        let later = plan_id(&w.f1_api, g, &days_from_now(7)).await;
        let today = days_from_now(0);
        let id = plan_id(&w.f1_api, g, &today).await;
        let tick = |m: i64, pos: usize| (format!("/meetings/{m}/run/steps/{pos}"), pos);
        let welcome = crate::topics::step_of(&w.f1_api, later, "welcome").await;
        let (path, _) = tick(later, welcome);
        w.f1b.post_form(&path, &[("checklist", "1"), ("checked", "6")]).await;
        assert_eq!(reviewed(get_json(&w.f1_api, &format!("/api/v1/groups/{g}")).await), Value::Null, "not before the meeting's day");
        let welcome = crate::topics::step_of(&w.f1_api, id, "welcome").await;
        let page = run_at(&w.f1b, &w.f1_api, id, "welcome").await;
        page.expect_contains("Agree the ground rules, or look at them again").expect_contains("Not agreed with the group yet");
        let (path, _) = tick(id, welcome);
        w.f1b.post_form(&path, &[("checklist", "1"), ("checked", "6")]).await.expect(303);
        assert_eq!(reviewed(get_json(&w.f1_api, &format!("/api/v1/groups/{g}")).await), json!(today));
        w.f1b.get(&format!("/meetings/{id}/run")).await.expect(200).expect_contains("Reviewed with the group at this meeting.");
        let label = hearth::labels::date_label(&today);
        w.cb.get(&format!("/groups/{g}")).await.expect(200).expect_contains(&format!("Last agreed or reviewed on {label}"));

        // Changing the rules offers to mark them agreed: ticked, today is recorded.
        w.cb.post_form(&edit, &[("name", "Alder Circle"), ("ground_rules", "Listen\nKeep it here\nPhones away"), ("ground_rules_reviewed_on", "2026-01-01")]).await.expect(303);
        assert_eq!(reviewed(get_json(&w.f1_api, &format!("/api/v1/groups/{g}")).await), json!("2026-01-01"));
        w.cb.get(&edit).await.expect(200).expect_contains("The group agreed these rules today");
        w.cb.post_form(&edit, &[("name", "Alder Circle"), ("ground_rules", "Listen\nKeep it here\nPhones away"), ("ground_rules_reviewed_on", "2026-01-01"), ("agreed_today", "true")]).await.expect(303);
        assert_eq!(reviewed(get_json(&w.f1_api, &format!("/api/v1/groups/{g}")).await), json!(today));
    }
}

both_backends! {
    async fn the_rota_never_suggests_someone_who_cannot_come_and_says_when_nobody_can_host(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let api = &w.f1_api;
        let ann = add_member(&w.cb, g, &[("preferred_name", "Ann Ash")]).await;
        let bob = add_member(&w.cb, g, &[("preferred_name", "Bob Birch")]).await;
        for m in [ann, bob] {
            api.put(&format!("/api/v1/members/{m}/rota"), &json!({"on": true})).await.expect(200);
        }
        let m1 = plan_id(api, g, &days_from_now(7)).await;
        let rsvp = |member: i64, answer: &'static str| async move {
            api.put(&format!("/api/v1/meetings/{m1}/rsvps"), &json!({"member_id": member, "answer": answer})).await.expect(200);
        };
        let suggested = || async { get_json(api, &format!("/api/v1/groups/{g}/rota")).await["meetings"][0]["suggested"]["member_id"].as_i64() };
        // Nobody has answered: Ann, by name.
        assert_eq!(suggested().await, Some(ann));
        // Ann cannot come: Bob, who has not answered.
        rsvp(ann, "no").await;
        assert_eq!(suggested().await, Some(bob));
        // Bob can only perhaps come, and Ann cannot: nobody is suggested, and the pages say so.
        rsvp(bob, "maybe").await;
        assert_eq!(suggested().await, None);
        let page = w.f1b.get(&format!("/meetings/{m1}")).await;
        page.expect(200).expect_contains("Nobody on the rota can host this one").expect_lacks("Suggested host:");
        w.f1b.get(&format!("/groups/{g}/rota")).await.expect(200).expect_contains("Nobody on the rota can host this one");
    }
}

both_backends! {
    async fn follow_ups_agreed_at_a_meeting_come_back_until_they_are_done(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let first = plan_id(&w.f1_api, g, &days_from_now(-7)).await;
        let next = plan_id(&w.f1_api, g, &days_from_now(0)).await;
        let res = w.f1_api.post(&format!("/api/v1/meetings/{first}/actions"), &json!({"what": "Ask the hall about the hearing loop", "who": "Fern"})).await;
        res.expect(201);
        let action = res.json()["actions"][0]["id"].as_i64().expect("the action");
        let label = hearth::labels::date_label(&days_from_now(-7));
        // On the next meeting's page and its welcome step, with the day it was agreed.
        w.f1b.get(&format!("/meetings/{next}")).await.expect(200)
            .expect_contains("Still to do from earlier meetings").expect_contains("Ask the hall about the hearing loop")
            .expect_contains(&format!("agreed on <a href=\"/meetings/{first}/notes#actions\">{label}</a>"));
        run_at(&w.f1b, &w.f1_api, next, "welcome").await.expect_contains("Ask the hall about the hearing loop");
        // Not on the meeting it was agreed at; gone once done.
        w.f1b.get(&format!("/meetings/{first}")).await.expect(200).expect_lacks("Still to do from earlier meetings");
        w.f1b.post_form(&format!("/meetings/{first}/actions/{action}/done"), &[("done", "true")]).await.expect(303);
        w.f1b.get(&format!("/meetings/{next}")).await.expect(200).expect_lacks("Ask the hall about the hearing loop");
    }
}

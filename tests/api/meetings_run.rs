//! Running a meeting: signing people in (once, even from two devices at the same moment),
//! walk-ins, the run-sheet that loses nothing on a reload or a change of device, the round-up,
//! ending, and the record afterwards (notes, actions, CSV export).

use hearth::domain::ids::{MeetingId, MemberId};
use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{add_member, fetch, get_json, meeting, plan_id, section, ticked};

/// A walk-in form's fields, the field that is wrong, and what it says.
type WalkInCase<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

/// The attendance list of a meeting through the API.
async fn attendance(api: &Api, id: i64) -> Vec<Value> {
    get_json(api, &format!("/api/v1/meetings/{id}/attendance")).await["attendance"]
        .as_array()
        .expect("attendance")
        .clone()
}

/// How many attendance rows a member has at a meeting, read from the store.
async fn rows_of(app: &TestApp, meeting: i64, member: i64) -> usize {
    let coordinator = app.staff("cora@example.org").await;
    let meeting = app
        .store
        .meeting(&coordinator, MeetingId(meeting))
        .await
        .expect("meeting");
    app.store
        .attendance_of(&meeting)
        .await
        .expect("attendance")
        .iter()
        .filter(|a| a.member_id == Some(MemberId(member)))
        .count()
}

/// The HTML of the list item with this id.
fn list_item(page: &str, id: &str) -> String {
    let needle = format!("id=\"{id}\"");
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no element {needle} in the page"));
    let end = at + page[at..].find("</li>").expect("end of the item");
    page[at..end].to_string()
}

/// The "N signed in" figure on the sign-in page.
fn signed_in_figure(page: &str) -> usize {
    let text = html::text_of(page);
    let at = text
        .find(" signed in. Tap a name")
        .expect("the count is shown");
    text[..at]
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

both_backends! {
    async fn signing_in_twice_or_from_two_devices_at_once_leaves_one_record(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let id = plan_id(&w.f1_api, g, "2027-01-05").await;
        let path = format!("/api/v1/meetings/{id}/attendance");

        // Twice through the API: one record, listed with its member_id; the first time kept.
        let first = w.f1_api.post(&path, &json!({"member_id": w.member_a})).await;
        first.expect(201);
        let rows = attendance(&w.f1_api, id).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!((rows[0]["member_id"].as_i64(), rows[0]["name"].as_str(), rows[0]["is_guest"].as_bool()), (Some(w.member_a), Some(MEMBER_A), Some(false)));
        let at = rows[0]["signed_in_at"].as_i64().expect("signed_in_at");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        w.f1_api.post(&path, &json!({"member_id": w.member_a})).await.expect(201);
        w.f1b.post_form(&format!("/meetings/{id}/attendance/{}", w.member_a), &[("present", "true")]).await.expect(303);
        let rows = attendance(&w.c_api, id).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["signed_in_at"].as_i64(), Some(at), "the time of first signing in is kept");

        // Ten sign-ins of the same person at the same moment, from two facilitators' devices,
        // as taps on the sign-in page (with and without script) and through the API.
        let others = [
            add_member(&w.cb, g, &[("preferred_name", "Quincy Quick")]).await,
            add_member(&w.cb, g, &[("preferred_name", "Rosa Rapid")]).await,
            add_member(&w.cb, g, &[("preferred_name", "Sid Swift")]).await,
        ];
        w.f1b.csrf_token().await;
        w.cb.csrf_token().await;
        for member in others {
            let mut set = tokio::task::JoinSet::new();
            for i in 0..10 {
                let (f1b, cb, f1_api, c_api) = (w.f1b.clone(), w.cb.clone(), w.f1_api.clone(), w.c_api.clone());
                let page = format!("/meetings/{id}/attendance/{member}");
                let api_path = path.clone();
                set.spawn(async move {
                    match i % 4 {
                        0 => f1b.post_form(&page, &[("present", "true")]).await,
                        1 => fetch(&cb, &page, &[("present", "true")]).await,
                        2 => f1_api.post(&api_path, &json!({"member_id": member})).await,
                        _ => c_api.post(&api_path, &json!({"member_id": member})).await,
                    }
                });
            }
            while let Some(res) = set.join_next().await {
                let res = res.expect("request task");
                assert!(matches!(res.status.as_u16(), 200 | 201 | 303), "{} {}: {} {}", res.method, res.path, res.status, excerpt(&res.text));
            }
            assert_eq!(rows_of(&app, id, member).await, 1, "exactly one attendance row for member {member}");
            let listed = attendance(&w.f1_api, id).await;
            assert_eq!(listed.iter().filter(|r| r["member_id"] == member).count(), 1, "{listed:?}");
        }
        assert_eq!(attendance(&w.f1_api, id).await.len(), 4);

        // Undo: a second tap (present=false), or DELETE through the API.
        let sign_in_page = w.f1b.get(&format!("/meetings/{id}/sign-in")).await;
        sign_in_page.expect(200);
        assert_eq!(signed_in_figure(&sign_in_page.text), 4);
        w.f1b
            .post_form(&format!("/meetings/{id}/attendance/{}", w.member_a), &[("present", "false")])
            .await
            .expect_redirect(&format!("/meetings/{id}/sign-in#member-{}", w.member_a));
        assert_eq!(rows_of(&app, id, w.member_a).await, 0);
        let res = w.f1_api.send("DELETE", &format!("{path}/{}", others[0]), None, &[]).await;
        res.expect(200);
        assert!(!res.json()["attendance"].as_array().expect("attendance").iter().any(|r| r["member_id"] == others[0]));
        // A tap with script answers the meeting's new version.
        let v = meeting(&w.f1_api, id).await["version"].as_i64().expect("version");
        let res = fetch(&w.f1b, &format!("/meetings/{id}/attendance/{}", w.member_a), &[("present", "true")]).await;
        res.expect(200);
        assert!(res.json()["version"].as_i64().expect("version") > v);
        let page = w.f1b.get(&format!("/meetings/{id}/sign-in")).await;
        assert_eq!(signed_in_figure(&page.text), 3);
        let li = list_item(&page.text, &format!("member-{}", w.member_a));
        assert!(li.contains("Signed in") && li.contains(&format!("name=\"at-{}.present\" value=\"false\"", w.member_a)), "a second tap undoes: {li}");

        // Members of another group cannot be signed in, by anyone.
        w.c_api.post(&path, &json!({"member_id": w.member_b})).await.expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&path, &json!({"member_id": w.member_b})).await.expect_invalid_fields(&["member_id"]);
        w.cb.post_form(&format!("/meetings/{id}/attendance/{}", w.member_b), &[("present", "true")]).await.expect(404);
        w.f1b.post_form(&format!("/meetings/{id}/attendance/{}", w.member_b), &[("present", "true")]).await.expect(404);
        w.cb.post_form(&format!("/meetings/{id}/walk-in"), &[("kind", "member"), ("member_id", &w.member_b.to_string())]).await.expect(404);
        w.f1_api.post(&path, &json!({"member_id": 999999})).await.expect_invalid_fields(&["member_id"]);
        assert_eq!(rows_of(&app, id, w.member_b).await, 0);
        assert!(!attendance(&w.c_api, id).await.iter().any(|r| r["name"] == MEMBER_B));
    }
}

both_backends! {
    async fn walk_ins_are_signed_in_in_one_step(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let id = plan_id(&w.f1_api, g, "2027-01-05").await;
        let walk_in = format!("/meetings/{id}/walk-in");
        let back = format!("/meetings/{id}/sign-in");
        let left = add_member(&w.cb, g, &[("preferred_name", "Lena Left"), ("joined_on", "2025-01-01"), ("left_on", "2026-01-01")]).await;

        // Someone new: a member of the group from the meeting's date, and signed in.
        w.f1b.post_form(&walk_in, &[("kind", "new_member"), ("name", "Nina Newcomer")]).await.expect_redirect(&back);
        let rows = attendance(&w.f1_api, id).await;
        let nina = rows.iter().find(|r| r["name"] == "Nina Newcomer").unwrap_or_else(|| panic!("{rows:?}"));
        let nina_id = nina["member_id"].as_i64().expect("a member");
        let member = get_json(&w.f1_api, &format!("/api/v1/members/{nina_id}")).await;
        assert_eq!((member["group_id"].as_i64(), member["joined_on"].as_str()), (Some(g), Some("2027-01-05")));
        // A guest: a name only, no member record.
        w.f1b.post_form(&walk_in, &[("kind", "guest"), ("name", "Gina Guest")]).await.expect_redirect(&back);
        // A member who had left, back again.
        w.f1b.post_form(&walk_in, &[("kind", "member"), ("member_id", &left.to_string())]).await.expect_redirect(&back);
        let rows = attendance(&w.f1_api, id).await;
        assert_eq!(rows.len(), 3, "{rows:?}");
        let gina = rows.iter().find(|r| r["name"] == "Gina Guest").expect("the guest");
        assert_eq!((gina["is_guest"].as_bool(), gina["member_id"].clone()), (Some(true), Value::Null));
        assert!(rows.iter().any(|r| r["member_id"] == left));
        let members = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/members?status=all")).await;
        assert_eq!(members["members"].as_array().expect("members").iter().filter(|m| m["preferred_name"] == "Nina Newcomer").count(), 1);

        let page = w.f1b.get(&back).await;
        page.expect(200).expect_contains("Nina Newcomer").expect_contains("Gina Guest");
        w.f1b.get(&format!("/meetings/{id}/run")).await.expect(200).expect_contains("(3 here)");

        // Bad walk-ins: 422, the message next to the field, nobody added.
        let cases: [WalkInCase; 5] = [
            (&[("kind", "new_member"), ("name", " ")], "name", "Enter the name the new member likes to be called."),
            (&[("kind", "guest"), ("name", "")], "name", "Enter the guest's name."),
            (&[("kind", "guest"), ("name", &"g".repeat(81))], "name", "Use 80 characters or fewer."),
            (&[("kind", "visitor"), ("name", "Vic")], "kind", "Choose a member, a new member or a guest."),
            (&[("kind", "member"), ("member_id", "someone")], "member_id", "Choose the member from the list."),
        ];
        for (fields, field, message) in cases {
            w.f1b.post_form(&walk_in, fields).await.expect(422).expect_field_error(field, message);
        }
        assert_eq!(attendance(&w.f1_api, id).await.len(), 3);
        assert_eq!(get_json(&w.f1_api, &format!("/api/v1/groups/{g}/members?status=all")).await["members"].as_array().map(Vec::len), members["members"].as_array().map(Vec::len));

        // Guests through the API, and taken off the list again.
        let res = w.f1_api.post(&format!("/api/v1/meetings/{id}/attendance"), &json!({"guest_name": "Gus Guest"})).await;
        res.expect(201);
        w.f1_api.post(&format!("/api/v1/meetings/{id}/attendance"), &json!({"guest_name": "x".repeat(81)})).await.expect_invalid_fields(&["guest_name"]);
        w.f1_api.post(&format!("/api/v1/meetings/{id}/attendance"), &json!({})).await.expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&format!("/api/v1/meetings/{id}/attendance"), &json!({"member_id": "abc"})).await.expect_invalid_fields(&["member_id"]);
        let gina_row = gina["id"].as_i64().expect("row id");
        w.f1b.post_form(&format!("/meetings/{id}/guests/{gina_row}/remove"), &[]).await.expect_redirect(&back);
        let rows = attendance(&w.f1_api, id).await;
        assert!(!rows.iter().any(|r| r["name"] == "Gina Guest"), "{rows:?}");
        assert!(rows.iter().any(|r| r["name"] == "Gus Guest"), "{rows:?}");
        // A member's row is not a guest's: it cannot be removed that way.
        let nina_row = rows.iter().find(|r| r["member_id"] == nina_id).and_then(|r| r["id"].as_i64()).expect("row");
        w.f1b.post_form(&format!("/meetings/{id}/guests/{nina_row}/remove"), &[]).await.expect(303);
        assert_eq!(rows_of(&app, id, nina_id).await, 1);

        // The sign-in page counts everyone signed in, as the run-sheet does, and shows the
        // member who came back as signed in, so that a second tap can undo it.
        let page = w.f1b.get(&back).await;
        let here = attendance(&w.f1_api, id).await.len();
        assert_eq!(here, 3);
        w.f1b.get(&format!("/meetings/{id}/run")).await.expect_contains("(3 here)");
        assert_eq!(signed_in_figure(&page.text), here, "the sign-in page's count leaves out the member who had left and came back");
        page.expect_contains("Lena Left");
        let li = list_item(&page.text, &format!("member-{left}"));
        assert!(li.contains(&format!("name=\"at-{left}.present\" value=\"false\"")), "Lena can be signed out again with a tap: {li}");
    }
}

both_backends! {
    async fn a_reload_mid_meeting_loses_nothing(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let res = w.f1_api.post(&format!("/api/v1/groups/{g}/meetings"), &json!({"date": "2026-01-05", "start_time": "19:00", "duration_minutes": 90, "topic": "Sleep and tiredness"})).await;
        res.expect(201);
        let id = res.json()["id"].as_i64().expect("id");
        let sam = add_member(&w.cb, g, &[("preferred_name", "Sam Sharer"), ("happy_to_share_story", "yes"), ("needs", "mobility")]).await;
        let run = format!("/meetings/{id}/run");

        // Start: under way, on the first step.
        w.f1b.get(&format!("/meetings/{id}")).await.expect_contains(&format!("action=\"/meetings/{id}/start\""));
        w.f1b.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await.expect_redirect(&run);
        let m = meeting(&w.f1_api, id).await;
        assert_eq!(m["status"], "under_way");
        assert!(m["started_at"].as_i64().is_some(), "{m}");
        w.f1b.get(&run).await.expect(200).expect_contains("Step 1 of 8").expect_contains("<h1 class=\"step-title\">Arrival</h1>");

        // People arrive; the introductions step shows who is happy to share.
        w.f1b.post_form(&format!("/meetings/{id}/attendance/{sam}"), &[("present", "true")]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/attendance/{}", w.member_a), &[("present", "true")]).await.expect(303);

        // To the welcome step; tick two prompts; write a note.
        w.f1b.post_form(&format!("/meetings/{id}/run/step"), &[("step", "3")]).await.expect_redirect(&run);
        w.f1b
            .post_form(&format!("/meetings/{id}/run/steps/3"), &[("checklist", "1"), ("checked", "0"), ("checked", "2"), ("notes", "Pat asked about parking")])
            .await
            .expect_redirect(&format!("{run}#notes"));

        // A reload shows the same step, the same ticks and the same notes...
        let check = |page: &Resp, notes: &str, ticks: &[bool]| {
            page.expect(200)
                .expect_contains("Step 4 of 8")
                .expect_contains("<h1 class=\"step-title\">Welcome and introductions</h1>");
            for (i, want) in ticks.iter().enumerate() {
                assert_eq!(ticked(&page.text, &format!("prompt-{i}")), *want, "prompt {i}");
            }
            assert_eq!(html::field_value(&page.text, "notes").as_deref(), Some(notes));
        };
        let page = w.f1b.get(&run).await;
        check(&page, "Pat asked about parking", &[true, false, true, false]);
        let here = section(&page.text, "present-title");
        assert!(here.contains("Sam Sharer – happy to share their story") && here.contains("Keep in mind: Mobility"), "{here}");
        assert!(here.contains(MEMBER_A) && here.contains("not asked about sharing yet") && here.contains("Keep in mind: Hearing"), "{here}");
        page.expect_contains("(2 here)").expect_contains("Finishes at");
        // ... and so does another facilitator's device.
        check(&w.cb.get(&run).await, "Pat asked about parking", &[true, false, true, false]);

        // With script: each save answers the meeting's version, which only goes up.
        let state = w.cb.get(&format!("/meetings/{id}/state")).await;
        state.expect(200);
        let v0 = state.json()["version"].as_i64().expect("version");
        let res = fetch(&w.f1b, &format!("/meetings/{id}/run/steps/3"), &[("checklist", "1"), ("checked", "1"), ("notes", "Pat asked about parking; Sam is new")]).await;
        res.expect(200);
        assert!(res.header("content-type").is_some_and(|c| c.starts_with("application/json")));
        let v1 = res.json()["version"].as_i64().expect("version");
        assert!(v1 > v0, "{v1} > {v0}");
        // Notes without the checklist leave the ticks alone.
        let res = fetch(&w.cb, &format!("/meetings/{id}/run/steps/3"), &[("notes", "Pat asked about parking; Sam is new; Zeb needs the loop")]).await;
        res.expect(200);
        let v2 = res.json()["version"].as_i64().expect("version");
        assert!(v2 > v1, "{v2} > {v1}");
        check(&w.f1b.get(&run).await, "Pat asked about parking; Sam is new; Zeb needs the loop", &[false, true, false, false]);
        // The coordinator moves on; Fern's device sees it on its next look.
        let res = fetch(&w.cb, &format!("/meetings/{id}/run/step"), &[("step", "4")]).await;
        res.expect(200);
        let v3 = res.json()["version"].as_i64().expect("version");
        assert!(v3 > v2, "{v3} > {v2}");
        let state = w.f1b.get(&format!("/meetings/{id}/state")).await.json();
        assert_eq!((state["version"].as_i64(), state["current_step"].as_i64(), state["status"].as_str()), (Some(v3), Some(4), Some("under_way")));
        w.f1b.get(&run).await.expect_contains("Step 5 of 8").expect_contains("Review of goals");
        // Ticks can all be taken off again.
        fetch(&w.f1b, &format!("/meetings/{id}/run/steps/4"), &[("checklist", "1"), ("checked", "0")]).await.expect(200);
        fetch(&w.f1b, &format!("/meetings/{id}/run/steps/4"), &[("checklist", "1")]).await.expect(200);

        // The API sees the same state, and can write it.
        let m = meeting(&w.f1_api, id).await;
        assert_eq!(m["current_step"], 4);
        assert_eq!(m["agenda"][3]["checked"], json!([1]));
        assert_eq!(m["agenda"][3]["notes"], "Pat asked about parking; Sam is new; Zeb needs the loop");
        assert_eq!(m["agenda"][4]["checked"], json!([]));
        let res = w.f1_api.put(&format!("/api/v1/meetings/{id}/steps/5"), &json!({"checked": [0, 1], "notes": "Everyone slept badly"})).await;
        res.expect(200);
        assert_eq!(res.json()["agenda"][5]["checked"], json!([0, 1]));
        w.f1b.post_form(&format!("/meetings/{id}/run/step"), &[("step", "5")]).await.expect_redirect(&run);
        let page = w.cb.get(&run).await;
        page.expect_contains("Topic of discussion").expect_contains("Sleep and tiredness");
        assert!(ticked(&page.text, "prompt-0") && ticked(&page.text, "prompt-1") && !ticked(&page.text, "prompt-2"));
        assert_eq!(html::field_value(&page.text, "notes").as_deref(), Some("Everyone slept badly"));
        // A step past the end is the last step; a step that does not exist cannot be saved.
        w.f1b.post_form(&format!("/meetings/{id}/run/step"), &[("step", "99")]).await.expect_redirect(&run);
        assert_eq!(meeting(&w.f1_api, id).await["current_step"], 7);
        w.f1b.post_form(&format!("/meetings/{id}/run/steps/99"), &[("notes", "Lost")]).await.expect(404);

        // The round-up, on the last step; kept across a reload.
        let page = w.f1b.get(&run).await;
        // The round-up's boxes belong to the step's form, which "End the meeting" sends.
        page.expect_contains("Step 8 of 8").expect_contains("name=\"round_up_good\" rows=\"3\" form=\"notes\"").expect_contains(&format!("form=\"notes\" formaction=\"/meetings/{id}/end\""));
        w.f1b
            .post_form(&format!("/meetings/{id}/round-up"), &[("round_up_good", "Lots of laughter"), ("round_up_not_so_good", "The room was cold"), ("round_up_sharing", "Tips on sleep")])
            .await
            .expect_redirect(&format!("{run}#round-up"));
        let page = w.cb.get(&run).await;
        page.expect_value("round_up_good", "Lots of laughter").expect_value("round_up_not_so_good", "The room was cold").expect_value("round_up_sharing", "Tips on sleep");
        let res = fetch(&w.f1b, &format!("/meetings/{id}/round-up"), &[("round_up_good", "Lots of laughter, and cake"), ("round_up_not_so_good", "The room was cold"), ("round_up_sharing", "Tips on sleep")]).await;
        res.expect(200);
        assert!(res.json()["version"].as_i64().expect("version") > v3);

        // Ending marks it held and goes to the record, filled in from the run-sheet.
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[("confirm", "yes")]).await.expect_redirect(&format!("/meetings/{id}/notes"));
        let m = meeting(&w.f1_api, id).await;
        assert_eq!(m["status"], "held");
        assert!(m["ended_at"].as_i64().is_some(), "{m}");
        let notes = w.f1b.get(&format!("/meetings/{id}/notes")).await;
        notes.expect(200).expect_contains("Held").expect_contains("2 members").expect_contains("Sam Sharer");
        let key_points = html::field_value(&notes.text, "key_points").expect("key points");
        assert!(key_points.contains("Welcome and introductions: Pat asked about parking; Sam is new; Zeb needs the loop"), "{key_points}");
        assert!(key_points.contains("Topic of discussion: Everyone slept badly"), "{key_points}");
        notes
            .expect_value("topics_discussed", "Sleep and tiredness")
            .expect_value("round_up_good", "Lots of laughter, and cake")
            .expect_value("round_up_not_so_good", "The room was cold")
            .expect_value("round_up_sharing", "Tips on sleep");
        w.f1b.get(&format!("/meetings/{id}")).await.expect_contains(&format!("href=\"/meetings/{id}/notes\"")).expect_contains("Held");
    }
}

both_backends! {
    async fn notes_actions_and_the_csv_export(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let may = plan_id(&w.f1_api, g, "2026-05-04").await;
        let june = plan_id(&w.f1_api, g, "2026-06-01").await;
        let july = plan_id(&w.f1_api, g, "2026-07-06").await;
        w.f1_api.post(&format!("/api/v1/meetings/{may}/attendance"), &json!({"member_id": w.member_a})).await.expect(201);
        w.f1_api.post(&format!("/api/v1/meetings/{may}/attendance"), &json!({"guest_name": "Gina Guest"})).await.expect(201);
        let notes_path = format!("/meetings/{may}/notes");

        // Notes saved through the form, shown again, and through the API.
        w.f1b
            .post_form(&notes_path, &[("topics_discussed", "Sleep"), ("key_points", "KP-MAY\r\nTry a routine"), ("pass_on", "Ask about a quieter room"), ("round_up_good", "Laughter"), ("round_up_not_so_good", "Cold room"), ("round_up_sharing", "Tips")])
            .await
            .expect_redirect(&notes_path);
        let page = w.f1b.get(&notes_path).await;
        page.expect(200)
            .expect_value("topics_discussed", "Sleep")
            .expect_value("key_points", "KP-MAY\nTry a routine")
            .expect_value("pass_on", "Ask about a quieter room")
            .expect_contains("1 member and 1 guest")
            .expect_contains("Fern Facilitator");
        let n = get_json(&w.c_api, &format!("/api/v1/meetings/{may}/notes")).await;
        assert_eq!((n["key_points"].as_str(), n["attended"].as_i64(), n["guests"].as_i64()), (Some("KP-MAY\nTry a routine"), Some(1), Some(1)));
        let res = w.f1_api.put(&format!("/api/v1/meetings/{may}/notes"), &json!({"pass_on": "Book the small room"})).await;
        res.expect(200);
        assert_eq!((res.json()["pass_on"].as_str(), res.json()["topics_discussed"].as_str()), (Some("Book the small room"), Some("Sleep")), "fields not sent are kept");
        let res = w.f1b.post_form(&notes_path, &[("topics_discussed", "Sleep"), ("key_points", &"k".repeat(8001))]).await;
        res.expect(422).expect_field_error("key_points", "Use 8000 characters or fewer.").expect_value("topics_discussed", "Sleep");
        w.f1_api.put(&format!("/api/v1/meetings/{may}/notes"), &json!({"pass_on": "p".repeat(4001)})).await.expect_invalid_fields(&["pass_on"]);
        assert_eq!(get_json(&w.f1_api, &format!("/api/v1/meetings/{may}/notes")).await["key_points"], "KP-MAY\nTry a routine");

        // Actions: who, what, by when; bad input refused; done and undone.
        w.f1b
            .post_form(&format!("/meetings/{may}/actions"), &[("what", "Book the room"), ("who", "Fern"), ("by_date", "2026-06-01")])
            .await
            .expect_redirect(&format!("{notes_path}#actions"));
        let res = w.f1b.post_form(&format!("/meetings/{may}/actions"), &[("what", ""), ("who", ""), ("by_date", "next week")]).await;
        res.expect(422)
            .expect_field_error("what", "Enter what needs doing.")
            .expect_field_error("who", "Enter who will do it.")
            .expect_field_error("by_date", "Enter a real date")
            .expect_value("by_date", "next week");
        let res = w.f1_api.post(&format!("/api/v1/meetings/{may}/actions"), &json!({"what": "Ring Sam", "who": "Cora"})).await;
        res.expect(201);
        let actions = res.json()["actions"].as_array().expect("actions").clone();
        assert_eq!(actions.len(), 2, "{actions:?}");
        assert_eq!((actions[0]["who"].as_str(), actions[0]["what"].as_str(), actions[0]["by_date"].as_str(), actions[0]["done"].as_bool()), (Some("Fern"), Some("Book the room"), Some("2026-06-01"), Some(false)));
        assert_eq!(actions[1]["by_date"], Value::Null);
        w.f1_api.post(&format!("/api/v1/meetings/{may}/actions"), &json!({"by_date": "2026-02-30"})).await.expect_invalid_fields(&["what", "who", "by_date"]);
        let aid = actions[0]["id"].as_i64().expect("action id");
        w.f1b.get(&notes_path).await.expect_contains("Book the room").expect_contains("by 2026-06-01").expect_contains("Ring Sam");
        w.f1b.post_form(&format!("/meetings/{may}/actions/{aid}/done"), &[("done", "true")]).await.expect_redirect(&format!("{notes_path}#actions"));
        assert_eq!(get_json(&w.f1_api, &format!("/api/v1/meetings/{may}/notes")).await["actions"][0]["done"], true);
        w.f1b.get(&notes_path).await.expect_contains("Mark as not done");
        w.f1b.post_form(&format!("/meetings/{may}/actions/{aid}/done"), &[("done", "false")]).await.expect(303);
        assert_eq!(get_json(&w.f1_api, &format!("/api/v1/meetings/{may}/notes")).await["actions"][0]["done"], false);
        // An action is reached through its own meeting only.
        w.f1b.post_form(&format!("/meetings/{june}/actions/{aid}/done"), &[("done", "true")]).await.expect(404);
        assert_eq!(get_json(&w.f1_api, &format!("/api/v1/meetings/{may}/notes")).await["actions"][0]["done"], false);

        // CSV for a date range.
        for (id, kp) in [(june, "KP-JUNE"), (july, "=HYPERLINK(\"http://evil.example\")")] {
            w.f1b.post_form(&format!("/meetings/{id}/notes"), &[("key_points", kp)]).await.expect(303);
        }
        let csv_rows = |res: &Resp| -> Vec<Vec<String>> {
            res.expect(200);
            assert!(res.header("content-type").is_some_and(|c| c.starts_with("text/csv")), "{:?}", res.header("content-type"));
            assert!(res.header("content-disposition").is_some_and(|c| c.starts_with("attachment")));
            let body = res.text.trim_start_matches('\u{feff}');
            csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(body.as_bytes())
                .records()
                .map(|r| r.expect("csv record").iter().map(str::to_string).collect())
                .collect()
        };
        let all = csv_rows(&w.f1b.get(&format!("/groups/{g}/meetings.csv")).await);
        assert_eq!(all[0][..3], ["date", "start_time", "status"]);
        let col = |name: &str| all[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
        let dates: Vec<&str> = all[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(dates, ["2026-05-04", "2026-06-01", "2026-07-06"]);
        assert_eq!((all[1][col("attended")].as_str(), all[1][col("guests")].as_str(), all[1][col("venue")].as_str()), ("1", "1", VENUE));
        assert_eq!(all[1][col("key_points")], "KP-MAY\nTry a routine");
        assert_eq!(all[1][col("pass_on")], "Book the small room");
        assert!(all[3][col("key_points")].starts_with("'="), "formulas are defused: {:?}", all[3]);
        let june_only = csv_rows(&w.f1b.get(&format!("/groups/{g}/meetings.csv?from=2026-05-15&to=2026-06-30")).await);
        assert_eq!(june_only.len(), 2, "{june_only:?}");
        assert_eq!(june_only[1][0], "2026-06-01");
        assert_eq!(june_only[1][col("key_points")], "KP-JUNE");
        let from_june = csv_rows(&w.cb.get(&format!("/groups/{g}/meetings.csv?from=2026-06-01")).await);
        assert_eq!(from_june[1..].iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["2026-06-01", "2026-07-06"], "from is inclusive");
        let to_june = csv_rows(&w.cb.get(&format!("/groups/{g}/meetings.csv?to=2026-06-01")).await);
        assert_eq!(to_june[1..].iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["2026-05-04", "2026-06-01"], "to is inclusive");
        let none = csv_rows(&w.cb.get(&format!("/groups/{g}/meetings.csv?from=2028-01-01")).await);
        assert_eq!(none.len(), 1, "only the header: {none:?}");
        for bad in ["from=2026-13-01", "to=yesterday", "from=2026-02-30&to=2026-03-01"] {
            let res = w.f1b.get(&format!("/groups/{g}/meetings.csv?{bad}")).await;
            res.expect(422);
            assert!(!res.header("content-type").unwrap_or_default().starts_with("text/csv"), "{bad}");
        }
        let res = w.f2b.get(&format!("/groups/{g}/meetings.csv")).await;
        res.expect(404).expect_lacks("KP-MAY");
        app.browser().get(&format!("/groups/{g}/meetings.csv")).await.expect_signin_redirect();
        // The other group's export holds nothing of this group's.
        let theirs = csv_rows(&w.f2b.get(&format!("/groups/{}/meetings.csv", w.group_b)).await);
        assert_eq!(theirs.len(), 1);

        // A held meeting's page and the next one's preparation page show the record.
        w.f1b.post_form(&format!("/meetings/{may}/end"), &[("confirm", "yes")]).await.expect(303);
        let next = w.f1b.get(&format!("/meetings/{june}")).await;
        let last = section(&next.text, "last-title");
        assert!(last.contains("KP-MAY") && last.contains("Laughter") && last.contains("Book the small room"), "{last}");
    }
}

both_backends! {
    async fn a_held_meeting_stays_held_when_a_stale_page_says_start(app: TestApp) {
        // Two facilitators: Fern ends the meeting on her phone; Cora's tablet still shows the
        // preparation page from before it started, and she taps "Start the meeting".
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2026-01-05").await;
        let stale = w.cb.get(&format!("/meetings/{id}")).await;
        stale.expect(200).expect_contains(&format!("action=\"/meetings/{id}/start\""));
        w.f1b.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await.expect(303);
        w.f1_api.post(&format!("/api/v1/meetings/{id}/attendance"), &json!({"member_id": w.member_a})).await.expect(201);
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[("confirm", "yes")]).await.expect_redirect(&format!("/meetings/{id}/notes"));
        let ended = meeting(&w.f1_api, id).await;
        assert_eq!(ended["status"], "held");
        let res = w.cb.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await;
        assert!(matches!(res.status.as_u16(), 303 | 409), "{}", res.status);
        let after = meeting(&w.f1_api, id).await;
        assert_eq!(after["status"], "held", "a held meeting was reopened by a stale Start button ({} {})", res.status, res.location());
        assert_eq!(after["ended_at"], ended["ended_at"]);
    }
}

both_backends! {
    async fn every_button_of_the_record_keeps_what_was_typed(app: TestApp) {
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2026-03-03").await;
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[("confirm", "yes")]).await.expect(303);
        let notes = format!("/meetings/{id}/notes");
        let record = |key_points: &'static str| {
            vec![
                ("topics_discussed", "Sleep"), ("key_points", key_points), ("pass_on", ""),
                ("round_up_good", ""), ("round_up_not_so_good", ""), ("round_up_sharing", ""),
            ]
        };
        // The page is one form: the action's fields and every button belong to it.
        let page = w.f1b.get(&notes).await;
        page.expect(200).expect_contains("id=\"record\"").expect_contains(&format!("form=\"record\" formaction=\"/meetings/{id}/actions\""));

        // "Add the action" with the notes changed above it: both kept.
        let mut fields = record("Talked about naps");
        fields.extend([("what", "Book the room"), ("who", "Fern"), ("by_date", "")]);
        w.f1b.post_form(&format!("/meetings/{id}/actions"), &fields).await.expect_redirect(&format!("{notes}#actions"));
        let m = meeting(&w.f1_api, id).await;
        assert_eq!(m["key_points"], "Talked about naps");
        let page = w.f1b.get(&notes).await;
        page.expect_contains("Book the room");
        let action: i64 = page.text.split(&format!("/meetings/{id}/actions/")).nth(1).and_then(|r| r.split('/').next()).and_then(|n| n.parse().ok()).expect("an action's button");

        // "Mark as done" with the notes changed: both kept.
        let mut fields = record("Talked about naps and tea");
        fields.push(("done", "true"));
        w.f1b.post_form(&format!("/meetings/{id}/actions/{action}/done"), &fields).await.expect(303);
        assert_eq!(meeting(&w.f1_api, id).await["key_points"], "Talked about naps and tea");
        w.f1b.get(&notes).await.expect_contains("Mark as not done");

        // "Save the notes" with an action typed below: both kept; a half-typed action is
        // shown again with its problem and what was typed, the notes saved.
        let mut fields = record("Final points");
        fields.extend([("what", "Ring Sam"), ("who", "Cora"), ("by_date", "")]);
        w.f1b.post_form(&notes, &fields).await.expect_redirect(&format!("{notes}#actions"));
        w.f1b.get(&notes).await.expect_contains("Ring Sam");
        let mut fields = record("Final points, again");
        fields.extend([("what", "Order biscuits"), ("who", ""), ("by_date", "")]);
        w.f1b.post_form(&notes, &fields).await.expect(422).expect_field_error("who", "").expect_value("what", "Order biscuits");
        assert_eq!(meeting(&w.f1_api, id).await["key_points"], "Final points, again");
        // A mistake in the notes stops the button and changes nothing.
        let long = "k".repeat(8001);
        let mut fields: Vec<(&str, &str)> = record("x");
        fields[1] = ("key_points", &long);
        fields.push(("done", "false"));
        w.f1b.post_form(&format!("/meetings/{id}/actions/{action}/done"), &fields).await.expect(422);
        w.f1b.get(&notes).await.expect_contains("Mark as not done");
    }
}

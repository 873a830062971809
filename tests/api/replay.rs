//! Actions done once however often they are sent (`http::replay`): a phone catching up after
//! it lost its signal sends each action it kept with an `Idempotency-Key`, perhaps more than
//! once, perhaps two copies at the same moment; each has one effect, and every copy gets the
//! first answer.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{get_json, plan_id};

async fn guests_named(api: &Api, meeting: i64, name: &str) -> usize {
    get_json(api, &format!("/api/v1/meetings/{meeting}/attendance")).await["attendance"]
        .as_array()
        .expect("attendance")
        .iter()
        .filter(|r| r["name"] == name)
        .count()
}

async fn meetings_on(api: &Api, group: i64, date: &str) -> usize {
    get_json(api, &format!("/api/v1/groups/{group}/meetings")).await["meetings"]
        .as_array()
        .expect("meetings")
        .iter()
        .filter(|m| m["local_date"] == date || m["date"] == date)
        .count()
}

fn body(v: &Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", v.to_string().into_bytes()))
}

both_backends! {
    async fn the_same_action_sent_ten_times_is_done_once(app: TestApp) {
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2027-01-05").await;
        let walk_in = format!("/meetings/{id}/walk-in");
        let back = format!("/meetings/{id}/sign-in");
        let token = w.f1b.csrf_token().await;
        let fields: Vec<(String, String)> = vec![
            ("csrf_token".into(), token.clone()),
            ("kind".into(), "guest".into()),
            ("name".into(), "Gina Guest".into()),
        ];
        let key = [("idempotency-key", "9b2f6c1e-walk-in-1")];

        // Ten times in turn: the first is done, the other nine get its answer back.
        for n in 0..10 {
            let res = w.f1b.post_pairs(&walk_in, &fields, &key).await;
            res.expect_redirect(&back);
            assert_eq!(res.header("idempotency-replayed").is_some(), n > 0, "copy {n}");
        }
        assert_eq!(guests_named(&w.f1_api, id, "Gina Guest").await, 1);

        // Ten copies at the same moment: one effect; each copy is answered with the first
        // answer or asked to try again in a moment.
        let mut set = tokio::task::JoinSet::new();
        let fields: Vec<(String, String)> = vec![
            ("csrf_token".into(), token.clone()),
            ("kind".into(), "guest".into()),
            ("name".into(), "Gus Guest".into()),
        ];
        for _ in 0..10 {
            let (b, path, fields) = (w.f1b.clone(), walk_in.clone(), fields.clone());
            set.spawn(async move {
                b.post_pairs(&path, &fields, &[("idempotency-key", "9b2f6c1e-walk-in-2")]).await
            });
        }
        let mut done = 0;
        while let Some(res) = set.join_next().await {
            let res = res.expect("a copy");
            match res.status.as_u16() {
                303 => done += 1,
                409 => assert_eq!(res.header("retry-after").as_deref(), Some("1")),
                other => panic!("a copy was answered {other}: {}", excerpt(&res.text)),
            }
        }
        assert!(done >= 1);
        assert_eq!(guests_named(&w.f1_api, id, "Gus Guest").await, 1);
        // Once done, every later copy has the first answer.
        w.f1b.post_pairs(&walk_in, &fields, &[("idempotency-key", "9b2f6c1e-walk-in-2")]).await.expect_redirect(&back);
        assert_eq!(guests_named(&w.f1_api, id, "Gus Guest").await, 1);

        // Without a key, each press is its own action (two guests of the same name).
        w.f1b.post_pairs(&walk_in, &fields, &[]).await.expect_redirect(&back);
        assert_eq!(guests_named(&w.f1_api, id, "Gus Guest").await, 2);

        // The same key for a different action is refused, and nothing is done.
        let other: Vec<(String, String)> = vec![
            ("csrf_token".into(), token.clone()),
            ("kind".into(), "guest".into()),
            ("name".into(), "Hal Guest".into()),
        ];
        let res = w.f1b.post_pairs(&walk_in, &other, &key).await;
        res.expect(422).expect_contains("already used for a different request");
        assert_eq!(guests_named(&w.f1_api, id, "Hal Guest").await, 0);

        // A key that is not visible text, or too long: refused.
        let long = "k".repeat(201);
        for bad in ["", long.as_str()] {
            w.f1b.post_pairs(&walk_in, &other, &[("idempotency-key", bad)]).await.expect(400);
        }
        assert_eq!(guests_named(&w.f1_api, id, "Hal Guest").await, 0);
    }
}

both_backends! {
    async fn api_writes_are_done_once_per_key_and_account(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let path = format!("/api/v1/groups/{g}/meetings");
        let plan = json!({"date": "2027-03-02", "start_time": "19:00", "duration_minutes": 90});
        let key = [("idempotency-key", "a1")];
        let first = w.f1_api.send("POST", &path, body(&plan), &key).await;
        first.expect(201);
        let id = first.json()["id"].as_i64().expect("id");
        for _ in 0..9 {
            let again = w.f1_api.send("POST", &path, body(&plan), &key).await;
            again.expect(201);
            assert_eq!(again.json()["id"].as_i64(), Some(id));
            assert_eq!(again.header("idempotency-replayed").as_deref(), Some("true"));
            again.check_security_headers();
        }
        assert_eq!(meetings_on(&w.f1_api, g, "2027-03-02").await, 1);

        // Another account's key of the same name is its own: the coordinator's request is done.
        let theirs = w.c_api.send("POST", &path, body(&plan), &key).await;
        theirs.expect(201);
        assert_ne!(theirs.json()["id"].as_i64(), Some(id));
        assert_eq!(meetings_on(&w.f1_api, g, "2027-03-02").await, 2);

        // A refusal does nothing and is not kept: the key is free for the corrected request.
        let key = [("idempotency-key", "a2")];
        let wrong = json!({"date": "2027-02-30", "start_time": "19:00", "duration_minutes": 90});
        w.f1_api.send("POST", &path, body(&wrong), &key).await.expect(422);
        let right = json!({"date": "2027-03-09", "start_time": "19:00", "duration_minutes": 90});
        w.f1_api.send("POST", &path, body(&right), &key).await.expect(201);
        assert_eq!(meetings_on(&w.f1_api, g, "2027-03-09").await, 1);

        // Nobody signed in: the key changes nothing, the request is refused as ever.
        app.api_anonymous().send("POST", &path, body(&plan), &[("idempotency-key", "a3")]).await.expect(401);
    }
}

/// The meeting's current step and status, as the run-sheet's devices read them.
async fn state(b: &Browser, id: i64) -> Value {
    b.get(&format!("/meetings/{id}/state")).await.json()
}

both_backends! {
    async fn moves_kept_on_a_phone_follow_the_latest_and_each_step_can_be_kept(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let res = w.f1_api.post(&format!("/api/v1/groups/{g}/meetings"), &json!({"date": "2026-01-05", "start_time": "19:00", "duration_minutes": 90})).await;
        res.expect(201);
        let id = res.json()["id"].as_i64().expect("id");
        let sam = crate::meetings::add_member(&w.cb, g, &[("preferred_name", "Sam Sharer"), ("needs", "mobility"), ("needs_note", "Needs the chair by the door")]).await;
        w.f1b.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/attendance/{sam}"), &[("present", "true")]).await.expect(303);
        let step = format!("/meetings/{id}/run/step");
        let token = w.f1b.csrf_token().await;
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_millis() as i64;
        let move_to = |n: &str, made: i64| {
            let (b, step, token, n) = (w.f1b.clone(), step.clone(), token.clone(), n.to_string());
            async move {
                b.post_pairs(&step, &[("csrf_token".into(), token), ("step".into(), n)], &[("hearth-made-at", &made.to_string())]).await
            }
        };

        // A phone's move, sent with when it was made.
        move_to("2", now_ms).await.expect(303);
        w.f1b.get(&format!("/meetings/{id}/run")).await.expect(200).expect_contains("Step 3 of 8");
        assert_eq!(state(&w.f1b, id).await["current_step"], 2);
        // Another phone's move made earlier than that arrives later: the latest move stands.
        move_to("5", now_ms - 120_000).await.expect(303);
        assert_eq!(state(&w.f1b, id).await["current_step"], 2);
        // A later one moves it (one from the future counts from now).
        move_to("1", now_ms + 3_600_000).await.expect(303);
        assert_eq!(state(&w.f1b, id).await["current_step"], 1);
        w.f1b.get(&format!("/meetings/{id}/run")).await.expect_contains("Step 2 of 8").expect_contains("0 of ");
        // Moves without the header are as ever: now.
        w.f1b.post_form(&step, &[("step", "1")]).await.expect(303);
        assert_eq!(state(&w.f1b, id).await["current_step"], 1);

        // Each step as the phone keeps it: shown, nothing moved; members' needs left out
        // unless the facilitator chose to keep them.
        let welcome = w.f1b.get(&format!("/meetings/{id}/run?step=3")).await;
        welcome.expect(200).expect_contains("Step 4 of 8").expect_contains("Needs the chair by the door");
        let kept = w.f1b.get(&format!("/meetings/{id}/run?step=3&needs=hide")).await;
        kept.expect(200).expect_contains("Step 4 of 8").expect_contains("Their needs are not kept on this phone.").expect_lacks("Needs the chair by the door");
        assert_eq!(state(&w.f1b, id).await["current_step"], 1);
        let run = w.f1b.get(&format!("/meetings/{id}/run")).await;
        assert!(run.text.contains("data-offline-keep=") && run.text.contains(&format!("/meetings/{id}/run?step=7")), "every step is kept");
        for bad in ["step=two", "step=-1", "step=1&needs=maybe"] {
            w.f1b.get(&format!("/meetings/{id}/run?{bad}")).await.expect(400);
        }
        // "End the meeting?" as a page the phone keeps: asks, changes nothing.
        w.f1b.get(&format!("/meetings/{id}/end")).await.expect(200).expect_contains("Yes, end the meeting");
        assert_eq!(state(&w.f1b, id).await["status"], "under_way");
        // Another group's facilitator sees none of it.
        w.f2b.get(&format!("/meetings/{id}/run?step=3")).await.expect(404);
        w.f2b.get(&format!("/meetings/{id}/end")).await.expect(404);
    }
}

both_backends! {
    async fn what_the_phone_keeps_for_a_meeting_is_under_100_kb_on_the_wire(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let res = w.f1_api.post(&format!("/api/v1/groups/{g}/meetings"), &json!({"date": "2026-01-05", "start_time": "19:00", "duration_minutes": 90})).await;
        res.expect(201);
        let id = res.json()["id"].as_i64().expect("id");
        for n in 0..12 {
            let m = crate::meetings::add_member(&w.cb, g, &[("preferred_name", &format!("Member {n}")), ("needs", "hearing"), ("needs_note", "Sits near the front")]).await;
            w.f1b.post_form(&format!("/meetings/{id}/attendance/{m}"), &[("present", "true")]).await.expect(303);
        }
        w.f1b.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await.expect(303);
        let run = w.f1b.get(&format!("/meetings/{id}/run")).await;
        run.expect(200);
        let keep = html::attr(&run.text[run.text.find("data-offline-keep=").expect("the run-sheet says what to keep") - 1..], "data-offline-keep").expect("the list");
        let mut urls: Vec<String> = keep.split(' ').map(|u| if u.contains("?step=") { format!("{u}&needs=hide") } else { u.to_string() }).collect();
        urls.push(format!("/meetings/{id}/run"));
        urls.push("/sw.js".into());
        assert!(urls.len() > 10, "{urls:?}");
        // What a browser is sent for each, compressed as it asks.
        let session = w.f1b.cookie("hearth_session").expect("signed in");
        let client = reqwest::Client::new();
        let mut total = 0;
        for u in &urls {
            let res = client
                .get(format!("{}{u}", w.f1b.base))
                .header("cookie", format!("hearth_session={session}"))
                .header("accept-encoding", "gzip")
                .send()
                .await
                .expect("fetch");
            assert_eq!(res.status(), 200, "{u}");
            total += res.bytes().await.expect("body").len();
        }
        assert!(total < 100 * 1024, "{total} bytes for {} pages and files", urls.len());
    }
}

both_backends! {
    async fn two_phones_notes_are_both_kept(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let res = w.f1_api.post(&format!("/api/v1/groups/{g}/meetings"), &json!({"date": "2026-01-05", "start_time": "19:00", "duration_minutes": 90})).await;
        res.expect(201);
        let id = res.json()["id"].as_i64().expect("id");
        w.f1b.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await.expect(303);
        let notes = format!("/meetings/{id}/run/steps/0");
        let run = format!("/meetings/{id}/run");
        let saved = |m: &Value| m["agenda"][0]["notes"].as_str().unwrap_or_default().to_string();

        // The page sends what the box showed: a plain edit replaces it.
        let page = w.f1b.get(&run).await;
        page.expect(200).expect_contains("name=\"notes~was\" value=\"\"");
        crate::meetings::fetch(&w.f1b, &notes, &[("notes", "Tea."), ("notes~was", "")]).await.expect(200);
        assert_eq!(saved(&crate::meetings::meeting(&w.f1_api, id).await), "Tea.");

        // Two phones, both made from "Tea.": the second does not overwrite the first; what it
        // added is kept after it, marked with whose it is. Sent again, it adds nothing more.
        crate::meetings::fetch(&w.cb, &notes, &[("notes", "Tea. Cake from Cora."), ("notes~was", "Tea.")]).await.expect(200);
        for _ in 0..2 {
            crate::meetings::fetch(&w.f1b, &notes, &[("notes", "Tea. Biscuits from Fern."), ("notes~was", "Tea.")]).await.expect(200);
        }
        let both = saved(&crate::meetings::meeting(&w.f1_api, id).await);
        assert_eq!(both, "Tea. Cake from Cora.\n\n(added by Fern Facilitator) Biscuits from Fern.");
        // Made from the merged text: a plain edit again.
        crate::meetings::fetch(&w.f1b, &notes, &[("notes", "All tidied."), ("notes~was", &both)]).await.expect(200);
        assert_eq!(saved(&crate::meetings::meeting(&w.f1_api, id).await), "All tidied.");
        // Without what the box showed (the API, an older page): replaced, as it always was.
        crate::meetings::fetch(&w.cb, &notes, &[("notes", "Only this.")]).await.expect(200);
        assert_eq!(saved(&crate::meetings::meeting(&w.f1_api, id).await), "Only this.");

        // The round-up the same way, box by box.
        let round_up = format!("/meetings/{id}/round-up");
        let three = |good: &str, was: &str| {
            vec![("round_up_good".to_string(), good.to_string()), ("round_up_not_so_good".into(), "Cold".into()), ("round_up_sharing".into(), "".into()),
                 ("round_up_good~was".into(), was.to_string()), ("round_up_not_so_good~was".into(), "".into()), ("round_up_sharing~was".into(), "".into())]
        };
        let post = |b: &Browser, fields: Vec<(String, String)>| {
            let (b, path) = (b.clone(), round_up.clone());
            async move {
                let mut pairs = vec![("csrf_token".to_string(), b.csrf_token().await)];
                pairs.extend(fields);
                b.post_pairs(&path, &pairs, &[("x-requested-with", "fetch")]).await
            }
        };
        post(&w.cb, three("Laughter", "")).await.expect(200);
        post(&w.f1b, three("Singing", "")).await.expect(200);
        let m = crate::meetings::meeting(&w.f1_api, id).await;
        assert_eq!(m["round_up_good"], "Laughter\n\n(added by Fern Facilitator) Singing", "{m}");
        assert_eq!(m["round_up_not_so_good"], "Cold");
    }
}

both_backends! {
    async fn an_undo_removes_only_the_sign_ins_it_undid(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let m = w.member_a;
        let res = w.f1_api.post(&format!("/api/v1/groups/{g}/meetings"), &json!({"date": "2026-01-05", "start_time": "19:00", "duration_minutes": 90})).await;
        res.expect(201);
        let id = res.json()["id"].as_i64().expect("id");
        let tap = format!("/meetings/{id}/attendance/{m}");
        let here = |api: &Api| {
            let api = api.clone();
            async move { get_json(&api, &format!("/api/v1/meetings/{id}/attendance")).await["attendance"].as_array().expect("attendance").iter().filter(|r| r["member_id"] == m).count() }
        };

        // Two phones sign the same member in, each with its own mark: one sign-in.
        w.f1b.post_form(&tap, &[("present", "true"), ("mark", "phone-a-1")]).await.expect(303);
        w.cb.post_form(&tap, &[("present", "true"), ("mark", "phone-b-1")]).await.expect(303);
        w.cb.post_form(&tap, &[("present", "true"), ("mark", "phone-b-1")]).await.expect(303);
        assert_eq!(here(&w.f1_api).await, 1);
        // The sign-in list shows the marks, for an undo from it.
        w.f1b.get(&format!("/meetings/{id}/sign-in")).await.expect_contains(&format!("name=\"at-{m}.undo\" value=\"phone-a-1 phone-b-1\""));
        // The second phone undoes its own: the first phone's sign-in stands.
        w.cb.post_form(&tap, &[("present", "false"), ("undo", "phone-b-1")]).await.expect(303);
        assert_eq!(here(&w.f1_api).await, 1, "another phone's sign-in is left");
        // An undo of every sign-in it showed: signed out.
        w.f1b.post_form(&tap, &[("present", "false"), ("undo", "phone-a-1")]).await.expect(303);
        assert_eq!(here(&w.f1_api).await, 0);

        // Without marks (no script), as before: a tap signs in, a tap undoes.
        w.f1b.post_form(&tap, &[("present", "true")]).await.expect(303);
        assert_eq!(here(&w.f1_api).await, 1);
        w.f1b.post_form(&tap, &[("present", "false"), ("undo", "")]).await.expect(303);
        assert_eq!(here(&w.f1_api).await, 0);
        w.f1b.post_form(&tap, &[("present", "true"), ("mark", "phone-a-2")]).await.expect(303);
        w.f1b.post_form(&tap, &[("present", "false")]).await.expect(303);
        assert_eq!(here(&w.f1_api).await, 0, "an undo without marks undoes every sign-in");
        // A mark that is not one is no mark.
        w.f1b.post_form(&tap, &[("present", "true"), ("mark", "50% off")]).await.expect(303);
        w.f1b.get(&format!("/meetings/{id}/sign-in")).await.expect_contains(&format!("name=\"at-{m}.undo\" value=\"\""));
    }
}

//! Availability polls: a few dates offered, each answered yes / if need be / no by members from
//! their personal links or by staff after a phone call; the results show which dates suit
//! everyone who answered; closing on one plans the meeting with the answers carried over as
//! replies. Also the run-sheet's "next meeting" step, which plans the next meeting or opens a
//! poll, and who may see or answer what.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{add_member, meeting, section, ticked, titles};

// --- helpers ------------------------------------------------------------------------------

/// Opens a poll through the API (201 expected); returns the poll as answered.
async fn open_poll(api: &Api, group: i64, body: &Value) -> Value {
    let res = api
        .post(&format!("/api/v1/groups/{group}/polls"), body)
        .await;
    res.expect(201);
    let poll = res.json();
    let id = poll["id"].as_i64().expect("poll id");
    assert_eq!(res.location(), format!("/api/v1/polls/{id}"));
    poll
}

/// Three Tuesday evenings in March 2027 (before the clocks change), the second at the venue.
fn three_options(venue: i64) -> Value {
    json!([
        {"date": "2027-03-02", "start_time": "19:00"},
        {"date": "2027-03-09", "start_time": "19:00", "venue_id": venue},
        {"date": "2027-03-16", "start_time": "2pm"},
    ])
}

/// The option ids of a poll, in order.
fn option_ids(poll: &Value) -> Vec<i64> {
    poll["options"]
        .as_array()
        .unwrap_or_else(|| panic!("no options in {poll}"))
        .iter()
        .map(|o| o["option"]["id"].as_i64().expect("option id"))
        .collect()
}

/// GET /api/v1/polls/{id}, expecting 200.
async fn poll(api: &Api, id: i64) -> Value {
    let res = api.get(&format!("/api/v1/polls/{id}")).await;
    res.expect(200);
    res.json()
}

/// The `answers` object for these options and answers.
fn answers(options: &[i64], said: &[&str]) -> Value {
    assert_eq!(options.len(), said.len());
    let map: serde_json::Map<String, Value> = options
        .iter()
        .zip(said)
        .map(|(o, a)| (o.to_string(), json!(a)))
        .collect();
    Value::Object(map)
}

/// Records a member's answers through the API as staff; returns the response.
async fn answer(
    api: &Api,
    poll: i64,
    member: i64,
    options: &[i64],
    said: &[&str],
    comment: &str,
) -> Resp {
    api.post(
        &format!("/api/v1/polls/{poll}/answers"),
        &json!({"member_id": member, "answers": answers(options, said), "comment": comment}),
    )
    .await
}

/// A member made through the API; returns the id.
async fn new_member(api: &Api, group: i64, name: &str) -> i64 {
    let res = api
        .post(
            &format!("/api/v1/groups/{group}/members"),
            &json!({"preferred_name": name}),
        )
        .await;
    res.expect(201);
    res.json()["id"].as_i64().expect("member id")
}

/// A member's personal link, issued through the API; returns its path (/m/TOKEN).
pub async fn link(app: &TestApp, api: &Api, member: i64) -> String {
    let res = api
        .post(&format!("/api/v1/members/{member}/link"), &json!({}))
        .await;
    res.expect(201);
    let url = res.json()["url"].as_str().expect("url").to_string();
    let path = url
        .strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("link {url} is not on {}", app.base));
    assert!(path.starts_with("/m/"), "{path}");
    path.to_string()
}

/// A member's browser on their own page, with the page's anti-forgery token.
async fn member_browser(app: &TestApp, path: &str) -> Browser {
    let b = app.browser();
    b.csrf_from(path).await;
    b
}

/// The form fields of a member's (or a facilitator's) answers.
fn answer_fields<'a>(options: &[i64], said: &[&'a str]) -> Vec<(String, &'a str)> {
    options
        .iter()
        .zip(said)
        .map(|(o, a)| (format!("answers.{o}"), *a))
        .collect()
}

/// Posts a form whose field names are built at run time.
async fn post(b: &Browser, path: &str, fields: &[(String, &str)]) -> Resp {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    b.post_form(path, &pairs).await
}

/// The text of the fieldset with this id.
fn fieldset(page: &str, id: &str) -> String {
    let needle = format!("id=\"{id}\"");
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no element {needle} in the page"));
    let end = at + page[at..].find("</fieldset>").expect("end of the fieldset");
    html::text_of(&page[at..end])
}

/// The result row of one member, or None.
fn row_of(poll: &Value, member: i64) -> Option<Value> {
    poll["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["member_id"] == member)
        .cloned()
}

/// `acceptable_to_all` of each option, in order.
fn acceptable(poll: &Value) -> Vec<bool> {
    poll["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["acceptable_to_all"].as_bool().expect("acceptable_to_all"))
        .collect()
}

/// (yes, if need be, no) of each option, in order.
fn counts(poll: &Value) -> Vec<(i64, i64, i64)> {
    poll["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| {
            (
                o["yes"].as_i64().expect("yes"),
                o["if_need_be"].as_i64().expect("if_need_be"),
                o["no"].as_i64().expect("no"),
            )
        })
        .collect()
}

/// The names of those who have not answered, in order.
fn not_answered(poll: &Value) -> Vec<String> {
    poll["not_answered"]
        .as_array()
        .expect("not_answered")
        .iter()
        .map(|p| p[1].as_str().expect("name").to_string())
        .collect()
}

/// A meeting's replies as (member id, answer), sorted by member.
async fn rsvps(api: &Api, meeting: i64) -> Vec<(i64, String)> {
    let res = api.get(&format!("/api/v1/meetings/{meeting}/rsvps")).await;
    res.expect(200);
    let mut out: Vec<(i64, String)> = res.json()["rsvps"]
        .as_array()
        .expect("rsvps")
        .iter()
        .map(|r| {
            (
                r["member_id"].as_i64().expect("member_id"),
                r["answer"].as_str().expect("answer").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// A group's meetings as (date, start time, venue id), in the API's order.
async fn meetings_of(api: &Api, group: i64) -> Vec<(String, String, Option<i64>)> {
    let res = api.get(&format!("/api/v1/groups/{group}/meetings")).await;
    res.expect(200);
    res.json()["meetings"]
        .as_array()
        .expect("meetings")
        .iter()
        .map(|m| {
            (
                m["date"].as_str().expect("date").to_string(),
                m["start_time"].as_str().expect("start_time").to_string(),
                m["venue_id"].as_i64(),
            )
        })
        .collect()
}

/// A group's polls through the API.
async fn polls_of(api: &Api, group: i64) -> Vec<Value> {
    let res = api.get(&format!("/api/v1/groups/{group}/polls")).await;
    res.expect(200);
    res.json()["polls"].as_array().expect("polls").clone()
}

// --- 1. the whole flow through the API ----------------------------------------------------

both_backends! {
    async fn a_poll_finds_the_date_that_suits_everyone_and_closing_plans_it(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let ada = new_member(&w.f1_api, g, "Ada Answer").await;
        let ben = new_member(&w.f1_api, g, "Ben Bright").await;
        new_member(&w.f1_api, g, "Cy Silent").await;

        // Opened: three options, nobody has answered, nothing suggested yet, no email set up.
        let p = open_poll(&w.f1_api, g, &json!({"options": three_options(w.venue)})).await;
        let id = p["id"].as_i64().expect("id");
        assert_eq!(p["status"], "open");
        assert_eq!(p["group_id"], g);
        assert_eq!(p["title"], "When shall we meet next?");
        assert_eq!(p["show_answers"], false);
        assert_eq!(p["email"], json!({"configured": false, "queued": 0}));
        let o = option_ids(&p);
        assert_eq!(o.len(), 3);
        let shown: Vec<(&str, &str)> = p["options"].as_array().expect("options").iter()
            .map(|x| (x["option"]["date"].as_str().unwrap_or(""), x["option"]["start_time"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(shown, [("2027-03-02", "19:00"), ("2027-03-09", "19:00"), ("2027-03-16", "14:00")]);
        assert_eq!(p["options"][1]["option"]["venue_id"], w.venue);
        assert_eq!(p["options"][1]["option"]["venue_name"], VENUE);
        assert_eq!(p["rows"], json!([]));
        assert_eq!(p["best"], Value::Null);
        assert_eq!(acceptable(&p), [false, false, false], "nobody has answered, so nothing suits everyone yet");
        assert_eq!(not_answered(&p), ["Ada Answer", "Ben Bright", "Cy Silent", MEMBER_A]);
        let listed = polls_of(&w.f1_api, g).await;
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0]["id"].as_i64(), listed[0]["status"].as_str()), (Some(id), Some("open")));

        // Three answer (Ben says no to the first date); Cy does not.
        answer(&w.f1_api, id, w.member_a, &o, &["yes", "if_need_be", "yes"], "").await.expect(200);
        answer(&w.c_api, id, ada, &o, &["yes", "if_need_be", "if_need_be"], "Buses are slow").await.expect(200);
        let res = answer(&w.f1_api, id, ben, &o, &["no", "no", "if_need_be"], "").await;
        res.expect(200);
        let r = res.json();
        assert_eq!(r["id"], id);
        assert_eq!(r["rows"].as_array().map(Vec::len), Some(3));
        assert_eq!(counts(&r), [(2, 0, 1), (0, 2, 1), (1, 2, 0)]);
        assert_eq!(acceptable(&r), [false, false, true]);
        assert_eq!(r["best"], o[2], "the only option nobody said no to, though the first has more yeses");
        assert_eq!(not_answered(&r), ["Cy Silent"]);
        let ada_row = row_of(&r, ada).expect("Ada's row");
        assert_eq!(ada_row["answers"], json!(["yes", "if_need_be", "if_need_be"]));
        assert_eq!(ada_row["comment"], "Buses are slow");
        assert_eq!(ada_row["member_name"], "Ada Answer");
        assert_eq!(ada_row["recorded_by"], format!("account:{}", w.c.id));
        assert_eq!(row_of(&r, w.member_a).expect("Zeb's row")["recorded_by"], format!("account:{}", w.f1.id));

        // Ben calls back: his answers replace the old ones; the one with more yeses wins.
        let res = answer(&w.f1_api, id, ben, &o, &["no", "yes", "yes"], "Evenings only").await;
        res.expect(200);
        let r = poll(&w.f1_api, id).await;
        assert_eq!(r["rows"].as_array().map(Vec::len), Some(3), "an answer given again replaces the first");
        assert_eq!(row_of(&r, ben).expect("Ben's row")["answers"], json!(["no", "yes", "yes"]));
        assert_eq!(row_of(&r, ben).expect("Ben's row")["comment"], "Evenings only");
        assert_eq!(counts(&r), [(2, 0, 1), (1, 2, 0), (2, 1, 0)]);
        assert_eq!(acceptable(&r), [false, true, true]);
        assert_eq!(r["best"], o[2], "of the two that suit everyone, the one with more yeses");
        assert_eq!(app.store.poll_answers(&app.poll_access(id).await).await.unwrap().len(), 9, "three answers for each of three members");

        // Closed on the third option: the meeting is planned at that local time, with the
        // group's usual venue (the option gave none) and the answers carried over as replies.
        let res = w.f1_api.post(&format!("/api/v1/polls/{id}/close"), &json!({"option_id": o[2]})).await;
        res.expect(201);
        let c = res.json();
        let mid = c["meeting"]["id"].as_i64().expect("meeting id");
        assert_eq!(res.location(), format!("/api/v1/meetings/{mid}"));
        assert_eq!(c["poll_id"], id);
        assert_eq!(c["meeting"]["date"], "2027-03-16");
        assert_eq!(c["meeting"]["start_time"], "14:00");
        assert_eq!(c["meeting"]["starts_at"], "2027-03-16T14:00:00+00:00");
        assert_eq!(c["meeting"]["venue_id"], w.venue);
        assert_eq!(c["email"], json!({"configured": false, "queued": 0}));
        let m = meeting(&w.f1_api, mid).await;
        assert_eq!((m["group_id"].as_i64(), m["status"].as_str(), m["date"].as_str()), (Some(g), Some("planned"), Some("2027-03-16")));
        let mut expected = vec![(w.member_a, "yes".to_string()), (ada, "maybe".to_string()), (ben, "yes".to_string())];
        expected.sort();
        assert_eq!(rsvps(&w.f1_api, mid).await, expected, "yes stays yes, if need be becomes maybe; Cy is not counted");

        let r = poll(&w.c_api, id).await;
        assert_eq!((r["status"].as_str(), r["chosen_option_id"].as_i64(), r["meeting_id"].as_i64()), (Some("closed"), Some(o[2]), Some(mid)));
        assert_eq!(polls_of(&w.f1_api, g).await[0]["status"], "closed");

        // Only once: a second close (on another option) changes nothing.
        w.f1_api.post(&format!("/api/v1/polls/{id}/close"), &json!({"option_id": o[1]})).await.expect_json_error(409, "conflict");
        w.c_api.post(&format!("/api/v1/polls/{id}/close"), &json!({"option_id": o[2]})).await.expect_json_error(409, "conflict");
        assert_eq!(meetings_of(&w.f1_api, g).await, [("2027-03-16".to_string(), "14:00".to_string(), Some(w.venue))]);
        assert_eq!(poll(&w.f1_api, id).await["chosen_option_id"], o[2]);

        // Answers can no longer change, nor be added; no reminders either.
        let cy = not_answered(&r);
        assert_eq!(cy, ["Cy Silent"]);
        let cy_id = r["not_answered"][0][0].as_i64().expect("id");
        answer(&w.f1_api, id, cy_id, &o, &["yes", "yes", "yes"], "").await.expect_json_error(409, "conflict");
        answer(&w.f1_api, id, ben, &o, &["yes", "yes", "no"], "").await.expect_json_error(409, "conflict");
        w.f1_api.post(&format!("/api/v1/polls/{id}/remind"), &json!({})).await.expect_json_error(409, "conflict");
        let after = poll(&w.f1_api, id).await;
        assert_eq!(after["rows"], r["rows"]);
        assert_eq!(rsvps(&w.f1_api, mid).await, expected);
    }
}

// --- 2. validation ------------------------------------------------------------------------

both_backends! {
    async fn bad_polls_and_bad_answers_are_refused_field_by_field(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let create = |body: Value| {
            let api = w.f1_api.clone();
            async move { api.post(&format!("/api/v1/groups/{g}/polls"), &body).await }
        };
        let ok = json!({"date": "2027-03-02", "start_time": "19:00"});

        // Each bad option is named by its row and field.
        create(json!({"options": [ok, {"date": "2027-02-30", "start_time": "19:00"}]})).await
            .expect_invalid_fields(&["options.1.date"]);
        create(json!({"options": [{"date": "2027-03-02", "start_time": "soon"}, ok]})).await
            .expect_invalid_fields(&["options.0.start_time"]);
        create(json!({"options": [ok, {"date": "", "start_time": "19:00"}, {"date": "tomorrow", "start_time": "25:00"}]})).await
            .expect_invalid_fields(&["options.1.date", "options.2.date", "options.2.start_time"]);
        create(json!({"options": [ok, {"date": "2027-03-09", "start_time": "19:00", "venue_id": "hall"}]})).await
            .expect_invalid_fields(&["options.1.venue_id"]);
        // A time the clocks skip does not exist (the last Sunday of March, in London).
        create(json!({"options": [ok, {"date": "2027-03-28", "start_time": "01:30"}]})).await
            .expect_invalid_fields(&["options.1.start_time"]);
        // The same date and time twice, however written.
        create(json!({"options": [ok, {"date": "2027-03-02", "start_time": "7pm"}]})).await
            .expect_invalid_fields(&["options"]);
        // At least one option; at most six.
        create(json!({"options": []})).await.expect_invalid_fields(&["options.0.date"]);
        create(json!({"title": "When?"})).await.expect_invalid_fields(&["options.0.date"]);
        let seven: Vec<Value> = (1..=7).map(|d| json!({"date": format!("2027-04-{d:02}"), "start_time": "19:00"})).collect();
        let v = create(json!({"options": seven})).await.expect_invalid_fields(&["options.6.date"]);
        assert!(v.to_string().contains("at most 6"), "{v}");
        let six: Vec<Value> = (1..=6).map(|d| json!({"date": format!("2027-04-{d:02}"), "start_time": "19:00"})).collect();
        // A venue that does not exist; a title too long; a flag that is not one.
        create(json!({"options": [{"date": "2027-03-02", "start_time": "19:00", "venue_id": 999_999}]})).await
            .expect_invalid_fields(&["options"]);
        create(json!({"title": "x".repeat(201), "show_answers": "perhaps", "options": [ok]})).await
            .expect_invalid_fields(&["title", "show_answers"]);
        create(json!({"options": "2027-03-02"})).await.expect(422);
        // Nothing was opened by any of these; another group's facilitator cannot open one.
        assert!(polls_of(&w.f1_api, g).await.is_empty());
        w.f2_api.post(&format!("/api/v1/groups/{g}/polls"), &json!({"options": [ok]})).await.expect_json_error(404, "not_found");
        assert!(polls_of(&w.c_api, g).await.is_empty());
        // Six is fine.
        let p6 = open_poll(&w.f1_api, g, &json!({"options": six})).await;
        assert_eq!(option_ids(&p6).len(), 6);

        // Answers: every option answered, with one of the three words, for a member of the group.
        let p = open_poll(&w.f1_api, g, &json!({"title": "Spring", "options": three_options(w.venue)})).await;
        let id = p["id"].as_i64().expect("id");
        let o = option_ids(&p);
        let other = option_ids(&p6)[0];
        let path = format!("/api/v1/polls/{id}/answers");
        let m = w.member_a;
        w.f1_api.post(&path, &json!({"member_id": m, "answers": answers(&o[..2], &["yes", "no"])})).await
            .expect_invalid_fields(&[&format!("answers.{}", o[2])]);
        w.f1_api.post(&path, &json!({"member_id": m, "answers": answers(&o, &["yes", "maybe", "no"])})).await
            .expect_invalid_fields(&[&format!("answers.{}", o[1])]);
        let mut with_unknown = answers(&o, &["yes", "yes", "no"]);
        with_unknown["999999"] = json!("yes");
        with_unknown[other.to_string()] = json!("yes");
        w.f1_api.post(&path, &json!({"member_id": m, "answers": with_unknown})).await
            .expect_invalid_fields(&["answers.999999", &format!("answers.{other}")]);
        w.f1_api.post(&path, &json!({"answers": answers(&o, &["yes", "yes", "no"])})).await
            .expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&path, &json!({"member_id": "Zeb", "answers": answers(&o, &["yes", "yes", "no"])})).await
            .expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&path, &json!({"member_id": w.member_b, "answers": answers(&o, &["yes", "yes", "no"])})).await
            .expect_invalid_fields(&["member_id"]);
        w.c_api.post(&path, &json!({"member_id": w.member_b, "answers": answers(&o, &["yes", "yes", "no"])})).await
            .expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&path, &json!({"member_id": 999_999, "answers": answers(&o, &["yes", "yes", "no"])})).await
            .expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&path, &json!({"member_id": m, "answers": answers(&o, &["yes", "yes", "no"]), "comment": "c".repeat(501)})).await
            .expect_invalid_fields(&["comment"]);
        w.f1_api.post(&path, &json!({"member_id": m, "answers": ["yes", "yes", "no"]})).await.expect(422);
        w.f1_api.post(&path, &json!({})).await.expect_invalid_fields(&["member_id", &format!("answers.{}", o[0]), &format!("answers.{}", o[1]), &format!("answers.{}", o[2])]);
        let r = poll(&w.f1_api, id).await;
        assert_eq!(r["rows"], json!([]), "nothing was recorded");
        assert!(app.store.poll_answers(&app.poll_access(id).await).await.unwrap().is_empty());
        assert!(app.store.poll_answers(&app.poll_access(p6["id"].as_i64().expect("id")).await).await.unwrap().is_empty());

        // Closing: an option of this poll.
        let close = format!("/api/v1/polls/{id}/close");
        w.f1_api.post(&close, &json!({})).await.expect_invalid_fields(&["option_id"]);
        w.f1_api.post(&close, &json!({"option_id": "the first"})).await.expect_invalid_fields(&["option_id"]);
        w.f1_api.post(&close, &json!({"option_id": other})).await.expect_invalid_fields(&["option_id"]);
        w.f1_api.post(&close, &json!({"option_id": 999_999})).await.expect_invalid_fields(&["option_id"]);
        assert_eq!(poll(&w.f1_api, id).await["status"], "open");
        assert!(meetings_of(&w.f1_api, g).await.is_empty(), "no meeting was planned");

        // The form: 422, the message next to the field, everything typed kept.
        let page = w.f1b.get(&format!("/groups/{g}/polls/new")).await;
        page.expect(200).expect_contains(&format!("action=\"/groups/{g}/polls\""));
        assert_eq!(html::field_value(&page.text, "options.0.venue_id"), Some(w.venue.to_string()), "the usual venue is offered");
        let form = format!("/groups/{g}/polls");
        let res = w
            .f1b
            .post_form(
                &form,
                &[
                    ("title", "Spring dates"),
                    ("note", "We need the big room"),
                    ("show_answers", "true"),
                    ("options.0.date", "2027-03-02"),
                    ("options.0.start_time", "19:00"),
                    ("options.0.venue_id", &w.venue.to_string()),
                    ("options.1.date", "2027-02-30"),
                    ("options.1.start_time", "7pm"),
                    ("options.1.venue_id", ""),
                    ("options.2.date", "2027-03-16"),
                    ("options.2.start_time", "half past"),
                ],
            )
            .await;
        res.expect(422)
            .expect_field_error("options.1.date", "Enter a real date, like 2026-03-31.")
            .expect_field_error("options.2.start_time", "Enter a time like 2:00 pm or 7:30 pm.")
            .expect_value("title", "Spring dates")
            .expect_value("note", "We need the big room")
            .expect_value("show_answers", "true")
            .expect_value("options.0.date", "2027-03-02")
            .expect_value("options.0.start_time", "19:00")
            .expect_value("options.0.venue_id", &w.venue.to_string())
            .expect_value("options.1.date", "2027-02-30")
            .expect_value("options.1.start_time", "7pm")
            .expect_value("options.2.date", "2027-03-16")
            .expect_value("options.2.start_time", "half past");
        assert!(html::field_error(&res.text, "options.0.date").is_none());
        assert!(html::field_error(&res.text, "options.1.start_time").is_none());
        let res = w.f1b.post_form(&form, &[("title", ""), ("options.0.date", ""), ("options.0.start_time", "")]).await;
        res.expect(422).expect_field_error("options.0.date", "Offer at least one date and time.");
        let res = w
            .f1b
            .post_form(&form, &[("options.0.date", "2027-03-02"), ("options.0.start_time", "19:00"), ("options.1.date", "2027-03-02"), ("options.1.start_time", "7 pm")])
            .await;
        res.expect(422).expect_contains("Two options are the same. Change or remove one.").expect_contains("href=\"#options\"");
        res.expect_value("options.1.start_time", "7 pm");
        assert_eq!(polls_of(&w.f1_api, g).await.len(), 2, "no poll was opened by a bad form");
        w.f2b.get(&format!("/groups/{g}/polls/new")).await.expect(404);
        w.f2b.post_form(&form, &[("options.0.date", "2027-03-02"), ("options.0.start_time", "19:00")]).await.expect(404);
        assert_eq!(polls_of(&w.f1_api, g).await.len(), 2);

        // The staff page's forms: answers recorded by phone, and closing.
        let page_path = format!("/polls/{id}");
        let mut fields = answer_fields(&o[..1], &["if_need_be"]);
        fields.push(("comment".into(), "Rang on Monday"));
        let res = post(&w.f1b, &format!("{page_path}/answers"), &fields).await;
        res.expect(422)
            .expect_field_error("member_id", "Choose whose answer this is.")
            .expect_contains(&format!("href=\"#answers.{}\"", o[1]))
            .expect_contains("Choose yes, maybe, or no for Tuesday 9 March 2027 at 7:00 pm")
            .expect_value(&format!("answers.{}", o[0]), "if_need_be")
            .expect_value("comment", "Rang on Monday");
        let res = w.f1b.post_form(&format!("{page_path}/close"), &[]).await;
        res.expect(422).expect_field_error("option_id", "Choose the date to meet on.");
        let res = w.f1b.post_form(&format!("{page_path}/close"), &[("option_id", &other.to_string())]).await;
        res.expect(422).expect_field_error("option_id", "Choose one of the poll's dates.");
        assert_eq!(poll(&w.f1_api, id).await["rows"], json!([]));
        assert_eq!(poll(&w.f1_api, id).await["status"], "open");
    }
}

// --- 3. answers at the same moment --------------------------------------------------------

both_backends! {
    async fn answers_given_at_the_same_moment_are_each_kept_once(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        // The group has met before (so its agenda is set up; see
        // `closing_a_new_groups_poll_twice_at_once_is_refused_as_closed` for a group that has not).
        crate::meetings::plan_id(&w.f1_api, g, "2027-02-23").await;
        let p = open_poll(&w.f1_api, g, &json!({"options": three_options(w.venue)})).await;
        let id = p["id"].as_i64().expect("id");
        let o = option_ids(&p);

        // Ten members, each with their own link, each on their own page.
        let mut members = Vec::new();
        for i in 0..10 {
            let m = new_member(&w.f1_api, g, &format!("Member {i:02}")).await;
            let path = link(&app, &w.f1_api, m).await;
            let b = member_browser(&app, &path).await;
            members.push((m, path, b));
        }
        // Warm the pools so the requests meet at the database, not at the connection.
        let mut warm = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let store = app.store.clone();
            warm.spawn(async move { store.healthy().await });
        }
        while let Some(h) = warm.join_next().await {
            assert!(h.unwrap());
        }

        let sets = [["yes", "if_need_be", "no"], ["no", "yes", "yes"], ["if_need_be", "no", "yes"]];
        // Every member answers from their link; member 0 sends a second, different answer at
        // the same moment from another tab; member 1 is also recorded by phone at that moment.
        let total = members.len() + 2;
        let barrier = Arc::new(tokio::sync::Barrier::new(total));
        let mut set = tokio::task::JoinSet::new();
        for (i, (_, path, b)) in members.iter().enumerate() {
            let (b, post_to, barrier, o) = (b.clone(), format!("{path}/polls/{id}"), barrier.clone(), o.clone());
            let said = sets[i % 3];
            set.spawn(async move {
                let mut fields = answer_fields(&o, &said);
                let comment = format!("tab one of member {i}");
                fields.push(("comment".into(), &comment));
                barrier.wait().await;
                post(&b, &post_to, &fields).await
            });
        }
        {
            let (_, path, b) = &members[0];
            let (b, post_to, barrier, o) = (b.clone(), format!("{path}/polls/{id}"), barrier.clone(), o.clone());
            set.spawn(async move {
                let mut fields = answer_fields(&o, &sets[1]);
                fields.push(("comment".into(), "tab two of member 0"));
                barrier.wait().await;
                post(&b, &post_to, &fields).await
            });
        }
        {
            let (api, barrier, o, m) = (w.f1_api.clone(), barrier.clone(), o.clone(), members[1].0);
            set.spawn(async move {
                barrier.wait().await;
                answer(&api, id, m, &o, &sets[2], "by phone").await
            });
        }
        while let Some(res) = set.join_next().await {
            let res = res.expect("request task");
            if res.path.starts_with("/api/") {
                res.expect(200);
            } else {
                assert_eq!(res.status.as_u16(), 303, "{} {}: {} {}", res.method, res.path, res.status, excerpt(&res.text));
                assert!(res.location().ends_with(&format!("#poll-{id}")), "{}", res.location());
            }
        }

        // Each member answered exactly once, with all three answers from one submission.
        let r = poll(&w.f1_api, id).await;
        let rows = r["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), 10, "{rows:?}");
        assert_eq!(not_answered(&r), [MEMBER_A]);
        let stored = app.store.poll_answers(&app.poll_access(id).await).await.unwrap();
        assert_eq!(stored.len(), 30, "one answer per member per option: {stored:?}");
        for (i, (m, _, _)) in members.iter().enumerate() {
            let row = row_of(&r, *m).unwrap_or_else(|| panic!("member {i} has no row"));
            assert_eq!(rows.iter().filter(|x| x["member_id"] == *m).count(), 1);
            let got: Vec<&str> = row["answers"].as_array().expect("answers").iter().map(|a| a.as_str().unwrap_or("")).collect();
            let comment = row["comment"].as_str().expect("comment");
            let expected: (&[&str; 3], String) = match i {
                0 if comment == "tab two of member 0" => (&sets[1], "member".into()),
                1 if comment == "by phone" => (&sets[2], format!("account:{}", w.f1.id)),
                _ => {
                    assert_eq!(comment, format!("tab one of member {i}"));
                    (&sets[i % 3], "member".into())
                }
            };
            assert_eq!(got, expected.0, "member {i}: the answers belong with the comment {comment:?}");
            assert_eq!(row["recorded_by"], expected.1, "member {i}");
        }

        // Two facilitators close the poll at the same moment: one meeting, one refusal.
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let mut set = tokio::task::JoinSet::new();
        for (api, option) in [(w.f1_api.clone(), o[1]), (w.c_api.clone(), o[2])] {
            let barrier = barrier.clone();
            set.spawn(async move {
                barrier.wait().await;
                api.post(&format!("/api/v1/polls/{id}/close"), &json!({"option_id": option})).await
            });
        }
        let mut statuses = Vec::new();
        let mut chosen = None;
        while let Some(res) = set.join_next().await {
            let res = res.expect("close task");
            statuses.push(res.status.as_u16());
            if res.status.as_u16() == 201 {
                chosen = Some(res.json()["meeting"]["id"].as_i64().expect("meeting id"));
            }
        }
        statuses.sort();
        assert_eq!(statuses, [201, 409]);
        let mid = chosen.expect("one close succeeded");
        assert_eq!(meetings_of(&w.f1_api, g).await.len(), 2, "a poll plans one meeting");
        let r = poll(&w.f1_api, id).await;
        assert_eq!(r["meeting_id"], mid);
        let option = r["chosen_option_id"].as_i64().expect("chosen");
        let index = o.iter().position(|x| *x == option).expect("an option of the poll");
        let replies = rsvps(&w.f1_api, mid).await;
        assert_eq!(replies.len(), 10);
        for row in r["rows"].as_array().expect("rows") {
            let said = row["answers"][index].as_str().expect("answer");
            let want = match said { "yes" => "yes", "no" => "no", _ => "maybe" };
            let m = row["member_id"].as_i64().expect("member");
            assert!(replies.contains(&(m, want.to_string())), "member {m} said {said}: {replies:?}");
        }
    }
}

// --- 4. the member's link, privacy, and other groups --------------------------------------

both_backends! {
    async fn members_answer_from_their_links_and_see_others_only_when_shared(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let ottilie = new_member(&w.f1_api, g, "Ottilie Other").await;
        let zeb_path = link(&app, &w.f1_api, w.member_a).await;
        let otto_path = link(&app, &w.f1_api, ottilie).await;
        let b_path = link(&app, &w.f2_api, w.member_b).await;

        let p = open_poll(
            &w.f1_api,
            g,
            &json!({"title": "Which Tuesday in March?", "note": "The hall is booked on Thursdays", "options": [
                {"date": "2027-03-02", "start_time": "19:00"},
                {"date": "2027-03-09", "start_time": "19:00"},
            ]}),
        )
        .await;
        let id = p["id"].as_i64().expect("id");
        let o = option_ids(&p);

        // Ottilie answers from her link, with a comment that is hers alone.
        let otto = member_browser(&app, &otto_path).await;
        let mut fields = answer_fields(&o, &["no", "yes"]);
        fields.push(("comment".into(), "Hospital on the second"));
        post(&otto, &format!("{otto_path}/polls/{id}"), &fields).await.expect_redirect(&format!("{otto_path}#poll-{id}"));
        otto.get(&otto_path).await.expect(200).expect_contains("Your answers have been saved");
        let r = poll(&w.f1_api, id).await;
        let row = row_of(&r, ottilie).expect("Ottilie's row");
        assert_eq!(row["answers"], json!(["no", "yes"]));
        assert_eq!((row["comment"].as_str(), row["recorded_by"].as_str()), (Some("Hospital on the second"), Some("member")));

        // Zebedee sees the poll and its dates, and nothing of Ottilie's answers.
        let zeb = member_browser(&app, &zeb_path).await;
        let page = zeb.get(&zeb_path).await;
        page.expect(200)
            .expect_contains("Which Tuesday in March?")
            .expect_contains("The hall is booked on Thursdays")
            .expect_contains("Tuesday 2 March 2027 at 7:00 pm, Kettle Community Hall")
            .expect_contains(&format!("action=\"{zeb_path}/polls/{id}?_part="))
            .expect_contains(&format!("name=\"poll-{id}.answers.{}\" value=\"if_need_be\"", o[0]))
            .expect_lacks("Ottilie Other")
            .expect_lacks("Hospital on the second")
            .expect_lacks("What everyone has said");
        assert_eq!(html::field_value(&page.text, &format!("answers.{}", o[0])), None, "nothing chosen yet");

        // Half an answer: 422, the message by the date left out, his choices and comment kept.
        let mut fields = answer_fields(&o[..1], &["if_need_be"]);
        fields.push(("comment".into(), "Lifts needed"));
        let res = post(&zeb, &format!("{zeb_path}/polls/{id}"), &fields).await;
        res.expect(422)
            .expect_contains("Choose yes, maybe, or no for Tuesday 9 March 2027 at 7:00 pm")
            .expect_value(&format!("answers.{}", o[0]), "if_need_be")
            .expect_value("comment", "Lifts needed")
            .expect_lacks("Ottilie Other")
            .expect_lacks("Hospital on the second");
        assert!(fieldset(&res.text, &format!("answers.{}", o[1])).contains("Choose yes, maybe, or no"), "the message is by the date left out");
        assert!(!fieldset(&res.text, &format!("answers.{}", o[0])).contains("Choose yes"), "not by the one answered");
        // An answer that is not one of the three words is refused too.
        let res = post(&zeb, &format!("{zeb_path}/polls/{id}"), &answer_fields(&o, &["yes", "maybe"])).await;
        res.expect(422);
        assert_eq!(poll(&w.f1_api, id).await["rows"].as_array().map(Vec::len), Some(1), "nothing saved");

        // A whole answer is saved, shown back to him, and can be changed (still one row).
        let mut fields = answer_fields(&o, &["if_need_be", "yes"]);
        fields.push(("comment".into(), "Lifts needed"));
        post(&zeb, &format!("{zeb_path}/polls/{id}"), &fields).await.expect_redirect(&format!("{zeb_path}#poll-{id}"));
        let page = zeb.get(&zeb_path).await;
        page.expect(200).expect_contains("Thank you for answering").expect_value("comment", "Lifts needed");
        assert_eq!(html::field_value(&page.text, &format!("answers.{}", o[0])).as_deref(), Some("if_need_be"));
        assert_eq!(html::field_value(&page.text, &format!("answers.{}", o[1])).as_deref(), Some("yes"));
        page.expect_lacks("Ottilie Other").expect_lacks("Hospital on the second");
        post(&zeb, &format!("{zeb_path}/polls/{id}"), &answer_fields(&o, &["yes", "no"])).await.expect(303);
        let r = poll(&w.f1_api, id).await;
        assert_eq!(r["rows"].as_array().map(Vec::len), Some(2));
        let row = row_of(&r, w.member_a).expect("Zeb's row");
        assert_eq!(row["answers"], json!(["yes", "no"]));
        assert_eq!(row["comment"], "", "the comment is what he sent last");
        assert_eq!(acceptable(&r), [false, false]);
        assert_eq!(r["best"], Value::Null, "each date has a no");

        // A poll that shares the answers: members see who said what.
        let shared = open_poll(
            &w.f1_api,
            g,
            &json!({"title": "Summer outing", "show_answers": true, "options": [{"date": "2027-07-03", "start_time": "11:00"}]}),
        )
        .await;
        let sid = shared["id"].as_i64().expect("id");
        assert_eq!(shared["show_answers"], true);
        let so = option_ids(&shared);
        let mut fields = answer_fields(&so, &["if_need_be"]);
        fields.push(("comment".into(), "Only if sunny"));
        post(&otto, &format!("{otto_path}/polls/{sid}"), &fields).await.expect(303);
        let page = zeb.get(&zeb_path).await;
        page.expect(200);
        let shared_part = section(&page.text, &format!("poll-{sid}"));
        assert!(shared_part.contains("What everyone has said") && shared_part.contains("Ottilie Other") && shared_part.contains("Maybe"), "{shared_part}");
        let private_part = section(&page.text, &format!("poll-{id}"));
        assert!(!private_part.contains("Ottilie Other") && !private_part.contains("What everyone has said"), "{private_part}");
        // Who has not answered is never listed to members.
        assert!(!shared_part.contains("Zebedee"), "{shared_part}");
        page.expect_lacks("Hospital on the second");

        // A member of another group: neither poll is on their page, and neither can be answered.
        let bb = member_browser(&app, &b_path).await;
        bb.get(&b_path).await.expect(200).expect_lacks("Which Tuesday in March?").expect_lacks("Summer outing");
        post(&bb, &format!("{b_path}/polls/{id}"), &answer_fields(&o, &["yes", "yes"])).await.expect(404);
        post(&bb, &format!("{b_path}/polls/{sid}"), &answer_fields(&so, &["yes"])).await.expect(404);
        post(&bb, &format!("{b_path}/polls/999999"), &answer_fields(&so, &["yes"])).await.expect(404);
        // A link that does not work answers nothing.
        post(&bb, &format!("/m/{}/polls/{id}", hearth::auth::new_token()), &answer_fields(&o, &["yes", "yes"])).await.expect(410);
        let r = poll(&w.c_api, id).await;
        assert_eq!(r["rows"].as_array().map(Vec::len), Some(2));
        assert!(row_of(&r, w.member_b).is_none());

        // Another group's facilitator: not found, through the API and the pages.
        for res in [
            w.f2_api.get(&format!("/api/v1/polls/{id}")).await,
            w.f2_api.get(&format!("/api/v1/groups/{g}/polls")).await,
            answer(&w.f2_api, id, w.member_a, &o, &["yes", "yes"], "").await,
            answer(&w.f2_api, id, w.member_b, &o, &["yes", "yes"], "").await,
            w.f2_api.post(&format!("/api/v1/polls/{id}/close"), &json!({"option_id": o[0]})).await,
            w.f2_api.post(&format!("/api/v1/polls/{id}/remind"), &json!({})).await,
        ] {
            res.expect_json_error(404, "not_found");
            res.expect_lacks("Which Tuesday");
        }
        w.f2b.get(&format!("/polls/{id}")).await.expect(404).expect_lacks("Which Tuesday").expect_lacks("Ottilie");
        let mut fields = answer_fields(&o, &["yes", "yes"]);
        let zeb_id = w.member_a.to_string();
        fields.push(("member_id".into(), &zeb_id));
        post(&w.f2b, &format!("/polls/{id}/answers"), &fields).await.expect(404);
        w.f2b.post_form(&format!("/polls/{id}/close"), &[("option_id", &o[0].to_string())]).await.expect(404);
        w.f2b.post_form(&format!("/polls/{id}/close"), &[]).await.expect(404);
        w.f2b.post_form(&format!("/polls/{id}/remind"), &[]).await.expect(404);
        // The group's own facilitator cannot record an answer for another group's member.
        let b_id = w.member_b.to_string();
        let mut fields = answer_fields(&o, &["yes", "yes"]);
        fields.push(("member_id".into(), &b_id));
        post(&w.f1b, &format!("/polls/{id}/answers"), &fields).await.expect(422);
        let r = poll(&w.c_api, id).await;
        assert_eq!(r["status"], "open");
        assert_eq!(row_of(&r, w.member_a).expect("Zeb's row")["answers"], json!(["yes", "no"]), "unchanged");
        assert!(row_of(&r, w.member_b).is_none());
        // The coordinator sees everything.
        w.cb.get(&format!("/polls/{id}")).await.expect(200).expect_contains("Ottilie Other").expect_contains("Hospital on the second");

        // Closed: the poll leaves the members' pages, and late answers change nothing.
        let res = w.f1_api.post(&format!("/api/v1/polls/{sid}/close"), &json!({"option_id": so[0]})).await;
        res.expect(201);
        let mid = res.json()["meeting"]["id"].as_i64().expect("meeting");
        let res = post(&zeb, &format!("{zeb_path}/polls/{sid}"), &answer_fields(&so, &["no"])).await;
        res.expect_redirect(&format!("{zeb_path}#meetings"));
        let page = zeb.get(&zeb_path).await;
        page.expect(200).expect_contains("This poll has closed").expect_lacks("Summer outing").expect_contains("Which Tuesday in March?");
        assert!(row_of(&poll(&w.f1_api, sid).await, w.member_a).is_none(), "the late answer was not saved");
        assert_eq!(rsvps(&w.f1_api, mid).await, [(ottilie, "maybe".to_string())]);
        // Ottilie's reply is on her page, against the meeting the poll planned.
        otto.get(&otto_path).await.expect(200).expect_contains("You said: <strong>maybe</strong>");
    }
}

// --- 5. the run-sheet's next-meeting step -------------------------------------------------

both_backends! {
    async fn the_run_sheet_plans_the_next_meeting_or_opens_a_poll(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let res = w.f1_api.post(&format!("/api/v1/groups/{g}/meetings"), &json!({"date": "2027-01-05", "start_time": "19:00", "duration_minutes": 90})).await;
        res.expect(201);
        let id = res.json()["id"].as_i64().expect("id");
        let sam = add_member(&w.cb, g, &[("preferred_name", "Sam Sharer")]).await;
        let absent = add_member(&w.cb, g, &[("preferred_name", "Abe Absent")]).await;
        let run = format!("/meetings/{id}/run");

        // Under way, two signed in, on the "next meeting" step.
        w.f1b.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await.expect_redirect(&run);
        for m in [sam, w.member_a] {
            w.f1b.post_form(&format!("/meetings/{id}/attendance/{m}"), &[("present", "true")]).await.expect(303);
        }
        let step = titles(&meeting(&w.f1_api, id).await)
            .iter()
            .position(|t| t == "Outline of next session")
            .expect("the agenda has the next-meeting step");
        w.f1b.post_form(&format!("/meetings/{id}/run/step"), &[("step", &step.to_string())]).await.expect_redirect(&run);
        let page = w.f1b.get(&run).await;
        page.expect(200)
            .expect_contains("Agree the next meeting")
            .expect_contains(&format!("action=\"/meetings/{id}/next\""))
            .expect_contains(&format!("action=\"/groups/{g}/polls\""))
            .expect_contains(&format!("name=\"from_meeting_id\" value=\"{id}\""))
            .expect_contains(&format!("href=\"/groups/{g}/polls/new?meeting={id}\""))
            .expect_contains(&format!("id=\"suits-{sam}\""))
            .expect_contains(&format!("id=\"suits-{}\"", w.member_a))
            .expect_lacks(&format!("id=\"suits-{absent}\""))
            .expect_lacks("A poll is open");
        assert_eq!(html::hidden(&page.text, "back").as_deref(), Some(format!("{run}#brainstorm").as_str()));

        // A poll from the run-sheet: back to the run-sheet, and the poll remembers the meeting.
        let v = w.venue.to_string();
        let idstr = id.to_string();
        let back = format!("{run}#brainstorm");
        let res = w
            .f1b
            .post_form(
                &format!("/groups/{g}/polls"),
                &[
                    ("from_meeting_id", &idstr),
                    ("back", &back),
                    ("options.0.date", "2027-01-12"),
                    ("options.0.start_time", "19:00"),
                    ("options.0.venue_id", &v),
                    ("options.1.date", "2027-01-19"),
                    ("options.1.start_time", "7pm"),
                    ("options.1.venue_id", &v),
                    ("options.2.date", ""),
                    ("options.2.start_time", ""),
                    ("options.2.venue_id", &v),
                ],
            )
            .await;
        res.expect_redirect(&back);
        let polls = polls_of(&w.f1_api, g).await;
        assert_eq!(polls.len(), 1);
        let pid = polls[0]["id"].as_i64().expect("id");
        assert_eq!(polls[0]["from_meeting_id"], id);
        let p = poll(&w.f1_api, pid).await;
        assert_eq!(option_ids(&p).len(), 2, "the empty row is skipped");
        assert_eq!(p["options"][1]["option"]["start_time"], "19:00");
        assert_eq!(p["options"][1]["option"]["venue_id"], w.venue);
        w.f1b.get(&run).await.expect(200).expect_contains(&format!("A poll is open: <a href=\"/polls/{pid}\">"));
        // The full form keeps the meeting too.
        let page = w.f1b.get(&format!("/groups/{g}/polls/new?meeting={id}")).await;
        page.expect(200);
        assert_eq!(html::hidden(&page.text, "from_meeting_id"), Some(idstr.clone()));
        // Only to a page of this site, and only from a meeting of the same group.
        let res = w.f1b.post_form(&format!("/groups/{g}/polls"), &[("back", "https://evil.example/"), ("options.0.date", "2027-01-26"), ("options.0.start_time", "19:00")]).await;
        let other = res.created_id("/polls/");
        assert_eq!(res.location(), format!("/polls/{other}"));
        let b_meeting = w.f2_api.post(&format!("/api/v1/groups/{}/meetings", w.group_b), &json!({"date": "2027-01-06", "start_time": "19:00", "duration_minutes": 90})).await;
        b_meeting.expect(201);
        let b_meeting = b_meeting.json()["id"].as_i64().expect("id").to_string();
        w.cb.post_form(&format!("/groups/{g}/polls"), &[("from_meeting_id", &b_meeting), ("options.0.date", "2027-02-02"), ("options.0.start_time", "19:00")]).await.expect(404);
        w.f2b.post_form(&format!("/groups/{g}/polls"), &[("from_meeting_id", &idstr), ("options.0.date", "2027-02-02"), ("options.0.start_time", "19:00")]).await.expect(404);
        assert_eq!(polls_of(&w.c_api, g).await.len(), 2);

        // Planning the next meeting: bad input comes back with the messages and the ticks kept.
        let next = format!("/meetings/{id}/next");
        let sam_s = sam.to_string();
        let res = w.f1b.post_form(&next, &[("date", ""), ("start_time", "soon"), ("venue_id", &v), ("suits", &sam_s)]).await;
        res.expect(422)
            .expect_field_error("date", "Enter the date of the meeting.")
            .expect_field_error("start_time", "Enter a time like 2:00 pm or 7:30 pm.")
            .expect_value("start_time", "soon")
            .expect_value("venue_id", &v);
        assert!(ticked(&res.text, &format!("suits-{sam}")));
        assert!(!ticked(&res.text, &format!("suits-{}", w.member_a)));
        assert_eq!(meetings_of(&w.f1_api, g).await.len(), 1, "nothing planned");
        w.f2b.post_form(&next, &[("date", "2027-01-19"), ("start_time", "19:00")]).await.expect(404);

        // Planned: at the time given, those it suits noted as coming (members of this group only).
        let zeb_s = w.member_a.to_string();
        let b_s = w.member_b.to_string();
        let res = w
            .f1b
            .post_form(&next, &[("date", "2027-01-19"), ("start_time", "7pm"), ("venue_id", &v), ("suits", &sam_s), ("suits", &zeb_s), ("suits", &b_s)])
            .await;
        res.expect_redirect(&back);
        let planned = meetings_of(&w.f1_api, g).await;
        assert_eq!(planned.len(), 2, "{planned:?}");
        assert!(planned.contains(&("2027-01-19".to_string(), "19:00".to_string(), Some(w.venue))), "{planned:?}");
        let list = w.f1_api.get(&format!("/api/v1/groups/{g}/meetings")).await.json();
        let next_id = list["meetings"].as_array().expect("meetings").iter()
            .find(|m| m["date"] == "2027-01-19")
            .and_then(|m| m["id"].as_i64())
            .expect("the next meeting");
        let mut expected = vec![(sam, "yes".to_string()), (w.member_a, "yes".to_string())];
        expected.sort();
        assert_eq!(rsvps(&w.f1_api, next_id).await, expected);
        assert_eq!(rsvps(&w.f1_api, id).await, []);
        let page = w.f1b.get(&run).await;
        page.expect(200)
            .expect_contains(&format!("<a href=\"/meetings/{next_id}\">"))
            .expect_lacks(&format!("action=\"/meetings/{id}/next\""));
        // The poll opened earlier is still open, to be closed or left.
        assert_eq!(poll(&w.f1_api, pid).await["status"], "open");
    }
}

// --- 6. the staff pages -------------------------------------------------------------------

both_backends! {
    async fn facilitators_run_a_poll_from_its_page(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let ada = new_member(&w.f1_api, g, "Ada Answer").await;
        let v = w.venue.to_string();
        let res = w
            .f1b
            .post_form(
                &format!("/groups/{g}/polls"),
                &[
                    ("title", "When in May?"),
                    ("note", "Half term is the last week"),
                    ("options.0.date", "2027-05-04"),
                    ("options.0.start_time", "19:00"),
                    ("options.0.venue_id", &v),
                    ("options.1.date", "2027-05-11"),
                    ("options.1.start_time", "10:30"),
                    ("options.1.venue_id", ""),
                    ("options.2.date", ""),
                    ("options.2.start_time", ""),
                    ("options.2.venue_id", &v),
                ],
            )
            .await;
        let id = res.created_id("/polls/");
        res.expect_redirect(&format!("/polls/{id}"));
        let p = poll(&w.f1_api, id).await;
        let o = option_ids(&p);
        assert_eq!(o.len(), 2);
        assert_eq!((p["title"].as_str(), p["note"].as_str(), p["show_answers"].as_bool()), (Some("When in May?"), Some("Half term is the last week"), Some(false)));
        assert_eq!(p["options"][1]["option"]["venue_id"], Value::Null, "no venue chosen for the second");

        let page = w.f1b.get(&format!("/polls/{id}")).await;
        page.expect(200)
            .expect_contains("When in May?")
            .expect_contains("0 members have answered; 2 have not yet")
            .expect_contains("Members see only their own answers.")
            .expect_contains(&format!("action=\"/polls/{id}/close?_part="))
            .expect_contains(&format!("action=\"/polls/{id}/answers?_part="))
            .expect_contains(&format!("action=\"/polls/{id}/remind?_part="));
        let not_yet = section(&page.text, "results-title");
        assert!(not_yet.contains(&format!("Ada Answer, {MEMBER_A}")), "{not_yet}");

        // Answers given by phone, recorded on the page.
        let ada_s = ada.to_string();
        let mut fields = answer_fields(&o, &["yes", "no"]);
        fields.push(("member_id".into(), &ada_s));
        fields.push(("comment".into(), "Mornings are hard"));
        post(&w.f1b, &format!("/polls/{id}/answers"), &fields).await.expect_redirect(&format!("/polls/{id}"));
        let zeb_s = w.member_a.to_string();
        let mut fields = answer_fields(&o, &["if_need_be", "yes"]);
        fields.push(("member_id".into(), &zeb_s));
        post(&w.cb, &format!("/polls/{id}/answers"), &fields).await.expect_redirect(&format!("/polls/{id}"));
        let r = poll(&w.f1_api, id).await;
        assert_eq!(row_of(&r, ada).expect("Ada")["recorded_by"], format!("account:{}", w.f1.id));
        assert_eq!(r["best"], o[0]);
        let page = w.f1b.get(&format!("/polls/{id}")).await;
        page.expect(200)
            .expect_contains("The answer has been recorded.")
            .expect_contains("2 members have answered.")
            .expect_contains("Mornings are hard")
            .expect_contains("1 / 1 / 0")
            .expect_contains("1 / 0 / 1")
            .expect_lacks("Not answered yet");
        // The close form suggests the date that suits everyone.
        assert!(ticked(&page.text, &format!("close-{}", o[0])), "the best option is chosen already");
        assert!(!ticked(&page.text, &format!("close-{}", o[1])));
        w.f1b.post_form(&format!("/polls/{id}/remind"), &[]).await.expect_redirect(&format!("/polls/{id}"));

        // Closing on the page plans the meeting and goes to it.
        let res = w.f1b.post_form(&format!("/polls/{id}/close"), &[("option_id", &o[0].to_string())]).await;
        let mid = res.created_id("/meetings/");
        res.expect_redirect(&format!("/meetings/{mid}"));
        let m = meeting(&w.f1_api, mid).await;
        assert_eq!((m["date"].as_str(), m["start_time"].as_str(), m["venue_id"].as_i64()), (Some("2027-05-04"), Some("19:00"), Some(w.venue)));
        let mut expected = vec![(ada, "yes".to_string()), (w.member_a, "maybe".to_string())];
        expected.sort();
        assert_eq!(rsvps(&w.f1_api, mid).await, expected);
        let page = w.f1b.get(&format!("/polls/{id}")).await;
        page.expect(200)
            .expect_contains("Closed")
            .expect_contains(&format!("The group chose <a href=\"/meetings/{mid}\">"))
            .expect_contains("(chosen)")
            .expect_lacks(&format!("action=\"/polls/{id}/close"))
            .expect_lacks(&format!("action=\"/polls/{id}/answers"));
        // Closed is closed, on the pages too.
        w.f1b.post_form(&format!("/polls/{id}/close"), &[("option_id", &o[1].to_string())]).await.expect(400);
        post(&w.f1b, &format!("/polls/{id}/answers"), &fields).await.expect(400);
        w.f1b.post_form(&format!("/polls/{id}/remind"), &[]).await.expect(400);
        assert_eq!(meetings_of(&w.f1_api, g).await.len(), 1);
        assert_eq!(rsvps(&w.f1_api, mid).await, expected);
    }
}

// --- bugs found and fixed ---------------------------------------------------------------------
//
// Each of these failed before its fix; the reason stays as documentation.

/// Like `both_backends!`, with the bug the test guards against named.
macro_rules! known_bug {
    ($why:literal, async fn $name:ident($app:ident : TestApp) $body:block) => {
        async fn $name($app: TestApp) $body

        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[doc = $why]
            async fn sqlite() {
                $crate::helpers::run($crate::helpers::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[doc = $why]
            async fn postgres() {
                $crate::helpers::run($crate::helpers::Backend::Postgres, super::$name).await;
            }
        }
    };
}

known_bug! {
    "on PostgreSQL the first meeting of a group made twice at once trips over the agenda template; the poll's close turns that into 422 option_id",
    async fn known_bug_closing_a_new_groups_poll_twice_at_once_is_refused_as_closed(app: TestApp) {
        let w = World::build(&app).await;
        for round in 0..5 {
            // A group that has never met: its agenda template is made on its first meeting.
            let g = w
                .cb
                .post_form("/groups/new", &[("name", &format!("New Circle {round}"))])
                .await
                .created_id("/groups/");
            let p = open_poll(&w.c_api, g, &json!({"options": [{"date": "2027-05-04", "start_time": "19:00"}, {"date": "2027-05-11", "start_time": "19:00"}]})).await;
            let id = p["id"].as_i64().expect("id");
            let o = option_ids(&p);
            let barrier = Arc::new(tokio::sync::Barrier::new(2));
            let mut set = tokio::task::JoinSet::new();
            for option in [o[0], o[1]] {
                let (api, barrier) = (w.c_api.clone(), barrier.clone());
                set.spawn(async move {
                    barrier.wait().await;
                    api.post(&format!("/api/v1/polls/{id}/close"), &json!({"option_id": option})).await
                });
            }
            let mut got = Vec::new();
            while let Some(res) = set.join_next().await {
                let res = res.expect("close task");
                got.push((res.status.as_u16(), res.text.clone()));
            }
            got.sort();
            assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [201, 409], "round {round}: {got:?}");
            assert_eq!(meetings_of(&w.c_api, g).await.len(), 1);
        }
    }
}

known_bug! {
    "on PostgreSQL an answer saved while the poll is being closed is kept in the poll but not carried over to the meeting's replies",
    async fn known_bug_an_answer_saved_while_the_poll_closes_becomes_a_reply(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        crate::meetings::plan_id(&w.f1_api, g, "2027-02-23").await;
        let mut members = Vec::new();
        for i in 0..12 {
            members.push(new_member(&w.f1_api, g, &format!("Member {i:02}")).await);
        }
        let mut lost = Vec::new();
        for round in 0..24u64 {
            let p = open_poll(&w.f1_api, g, &json!({"options": [{"date": format!("2027-04-{:02}", round + 1), "start_time": "19:00"}]})).await;
            let id = p["id"].as_i64().expect("id");
            let o = option_ids(&p);
            // The answers arrive half a millisecond apart; the close lands somewhere among them.
            let barrier = Arc::new(tokio::sync::Barrier::new(members.len() + 1));
            let mut set = tokio::task::JoinSet::new();
            for (i, m) in members.iter().enumerate() {
                let (api, barrier, o, m) = (w.f1_api.clone(), barrier.clone(), o.clone(), *m);
                set.spawn(async move {
                    barrier.wait().await;
                    tokio::time::sleep(std::time::Duration::from_micros(500 * i as u64)).await;
                    (m, answer(&api, id, m, &o, &["yes"], "").await)
                });
            }
            let (api, barrier) = (w.c_api.clone(), barrier.clone());
            let closer = tokio::spawn(async move {
                barrier.wait().await;
                tokio::time::sleep(std::time::Duration::from_micros(500 * (round % 12))).await;
                api.post(&format!("/api/v1/polls/{id}/close"), &json!({"option_id": o[0]})).await
            });
            let mut accepted = Vec::new();
            while let Some(res) = set.join_next().await {
                let (m, res) = res.expect("answer task");
                match res.status.as_u16() {
                    200 => accepted.push(m),
                    409 => {}
                    other => panic!("answer for member {m}: {other} {}", res.text),
                }
            }
            let closed = closer.await.expect("close task");
            closed.expect(201);
            let mid = closed.json()["meeting"]["id"].as_i64().expect("meeting");
            let replies = rsvps(&w.f1_api, mid).await;
            for m in accepted {
                if !replies.iter().any(|(r, _)| *r == m) {
                    lost.push((round, m));
                }
            }
        }
        assert!(lost.is_empty(), "answers accepted (200) but missing from the planned meeting's replies, as (round, member): {lost:?}");
    }
}

known_bug! {
    "the member page does not show the error for a comment that is too long, so the member sees no reason for the 422",
    async fn known_bug_a_too_long_comment_from_the_link_says_why(app: TestApp) {
        let w = World::build(&app).await;
        let p = open_poll(&w.f1_api, w.group_a, &json!({"options": [{"date": "2027-04-06", "start_time": "19:00"}]})).await;
        let id = p["id"].as_i64().expect("id");
        let o = option_ids(&p);
        let path = link(&app, &w.f1_api, w.member_a).await;
        let b = member_browser(&app, &path).await;
        let long = "c".repeat(501);
        let mut fields = answer_fields(&o, &["yes"]);
        fields.push(("comment".into(), &long));
        let res = post(&b, &format!("{path}/polls/{id}"), &fields).await;
        res.expect(422).expect_value("comment", &long);
        assert_eq!(poll(&w.f1_api, id).await["rows"], json!([]), "nothing saved");
        res.expect_contains("Use 500 characters or fewer.");
    }
}

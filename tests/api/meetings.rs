//! Meetings: times in the group's time zone on either side of a clock change, moving,
//! cancelling and reinstating, agendas (the guide's steps, the group's template, one meeting's
//! own copy), RSVPs from staff and from a member's personal link, and the printable sign-in
//! sheet. The helpers at the top are shared by the other `meetings_*` files.

use hearth::domain::ids::{GroupId, MeetingId};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

/// The guide's steps at a group's first meeting.
pub const FIRST_STEPS: [&str; 8] = [
    "Arrival",
    "Sign in",
    "Coffee, tea and catching up",
    "Welcome and introductions",
    "Review of goals",
    "Topic of discussion",
    "Outline of next session",
    "Socialising and question time",
];

/// From the second meeting on, "Revisit the last meeting" and "Since last time" join.
pub const LATER_STEPS: [&str; 10] = [
    "Arrival",
    "Sign in",
    "Coffee, tea and catching up",
    "Welcome and introductions",
    "Revisit the last meeting",
    "Since last time",
    "Review of goals",
    "Topic of discussion",
    "Outline of next session",
    "Socialising and question time",
];

/// Plans a meeting through the API (201 expected); returns the meeting as answered.
pub async fn plan(api: &Api, group: i64, date: &str, time: &str) -> Value {
    let res = api
        .post(
            &format!("/api/v1/groups/{group}/meetings"),
            &json!({"date": date, "start_time": time, "duration_minutes": 90}),
        )
        .await;
    res.expect(201);
    res.json()
}

/// Plans a 19:00 meeting through the API; returns its id.
pub async fn plan_id(api: &Api, group: i64, date: &str) -> i64 {
    plan(api, group, date, "19:00").await["id"]
        .as_i64()
        .expect("meeting id")
}

/// GET /api/v1/meetings/{id}, expecting 200.
pub async fn meeting(api: &Api, id: i64) -> Value {
    let res = api.get(&format!("/api/v1/meetings/{id}")).await;
    res.expect(200);
    res.json()
}

/// GET of an API path, expecting 200; the JSON body.
pub async fn get_json(api: &Api, path: &str) -> Value {
    let res = api.get(path).await;
    res.expect(200);
    res.json()
}

/// The titles of a meeting's agenda, in order.
pub fn titles(m: &Value) -> Vec<String> {
    m["agenda"]
        .as_array()
        .unwrap_or_else(|| panic!("no agenda in {m}"))
        .iter()
        .map(|s| s["title"].as_str().expect("title").to_string())
        .collect()
}

/// A date `days` from today, YYYY-MM-DD (for meetings that must still be to come).
pub fn days_from_now(days: i64) -> String {
    jiff::ZonedDateTime::now()
        .date()
        .checked_add(jiff::Span::new().days(days))
        .expect("date")
        .to_string()
}

/// Posts a form the way the run-sheet's script does: `X-Requested-With: fetch`.
pub async fn fetch(b: &Browser, path: &str, fields: &[(&str, &str)]) -> Resp {
    let token = b.csrf_token().await;
    let mut pairs: Vec<(String, String)> = vec![("csrf_token".into(), token)];
    pairs.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    b.post_pairs(path, &pairs, &[("x-requested-with", "fetch")])
        .await
}

/// Whether the checkbox with this id is ticked in the page.
pub fn ticked(page: &str, id: &str) -> bool {
    let needle = format!("id=\"{id}\"");
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no element {needle} in the page"));
    let start = page[..at].rfind('<').expect("tag start");
    let end = at + page[at..].find('>').expect("tag end");
    page[start..=end].ends_with(" checked>")
}

/// The text of the part of a page from the element with this id to the end of its section.
pub fn section(page: &str, id: &str) -> String {
    let needle = format!("id=\"{id}\"");
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no element {needle} in the page"));
    let end = at + page[at..].find("</section>").unwrap_or(page.len() - at);
    html::text_of(&page[at..end])
}

/// Adds a member to a group through the form; returns the id.
pub async fn add_member(b: &Browser, group: i64, fields: &[(&str, &str)]) -> i64 {
    b.post_form(&format!("/groups/{group}/members/new"), fields)
        .await
        .created_id("/members/")
}

/// Issues a member's personal link as this browser; returns its path (/m/TOKEN).
pub async fn issue_link(app: &TestApp, b: &Browser, member: i64) -> String {
    let res = b
        .post_form(&format!("/members/{member}/link"), &[("confirm", "yes")])
        .await;
    res.expect(200);
    let link = html::secret_link(&res.text).expect("the link is shown");
    link.trim_start_matches(&app.base).to_string()
}

/// The instant an RFC 3339 time stands for, in Unix seconds.
fn unix(rfc3339: &str) -> i64 {
    rfc3339
        .parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("{rfc3339:?} is not RFC 3339: {e}"))
        .as_second()
}

both_backends! {
    async fn a_seven_oclock_meeting_is_at_seven_on_both_sides_of_the_clock_change(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        // Europe/London: BST ends on 25 October 2026 and starts again on 28 March 2027.
        let london = [
            ("2026-10-24", "2026-10-24T19:00:00+01:00"),
            ("2026-10-26", "2026-10-26T19:00:00+00:00"),
            ("2027-03-27", "2027-03-27T19:00:00+00:00"),
            ("2027-03-29", "2027-03-29T19:00:00+01:00"),
        ];
        let mut planned = Vec::new();
        for (date, want) in london {
            let res = w
                .f1_api
                .post(&format!("/api/v1/groups/{g}/meetings"), &json!({"date": date, "start_time": "19:00", "duration_minutes": 90}))
                .await;
            res.expect(201);
            let v = res.json();
            let id = v["id"].as_i64().expect("id");
            assert_eq!(res.location(), format!("/api/v1/meetings/{id}"));
            assert_eq!(v["starts_at"], want, "{date}: {v}");
            assert_eq!(v["date"], date);
            assert_eq!(v["start_time"], "19:00");
            assert_eq!(v["timezone"], "Europe/London");
            assert_eq!(v["duration_minutes"], 90);
            assert_eq!(v["venue_id"], w.venue, "the group's usual venue by default");
            assert_eq!(v["status"], "planned");
            // The instant kept is the right one, not only its rendering.
            let stored = app.store.meeting_for(&w.c, MeetingId(id)).await.expect("meeting");
            assert_eq!(stored.starts_at, unix(want), "{date}");
            planned.push((id, want));
        }
        assert_eq!(unix(london[1].1) - unix(london[0].1), 49 * 3600, "an hour longer across the autumn change");
        assert_eq!(unix(london[3].1) - unix(london[2].1), 47 * 3600, "an hour shorter across the spring change");

        // GET of the same path lists them, in time order, with the same times.
        let list = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/meetings")).await;
        let meetings = list["meetings"].as_array().expect("meetings");
        assert_eq!(meetings.len(), 4, "{list}");
        for (i, (id, want)) in planned.iter().enumerate() {
            assert_eq!(meetings[i]["id"], *id);
            assert_eq!(meetings[i]["starts_at"], *want);
            assert_eq!(meetings[i]["start_time"], "19:00");
            assert_eq!(meeting(&w.c_api, *id).await["starts_at"], *want);
        }
        // The coordinator sees the same list; the other group's facilitator does not.
        assert_eq!(get_json(&w.c_api, &format!("/api/v1/groups/{g}/meetings")).await["meetings"].as_array().map(Vec::len), Some(4));
        w.f2_api.get(&format!("/api/v1/groups/{g}/meetings")).await.expect_json_error(404, "not_found");

        // The pages show the local time, whatever the offset.
        for (id, _) in &planned {
            w.f1b.get(&format!("/meetings/{id}")).await.expect(200).expect_contains("7:00 pm");
        }
        w.f1b.get(&format!("/meetings/{}", planned[0].0)).await.expect_contains("Saturday 24 October 2026");
        w.f1b.get(&format!("/meetings/{}", planned[1].0)).await.expect_contains("Monday 26 October 2026");
        let listing = w.f1b.get(&format!("/groups/{g}/meetings")).await;
        listing.expect(200);

        // The form takes the time as people write it; 19:00 on the day of the change is GMT.
        let id = w
            .f1b
            .post_form(&format!("/groups/{g}/meetings/new"), &[("date", "2026-10-25"), ("start_time", "7pm"), ("duration_minutes", "90"), ("venue_id", &w.venue.to_string())])
            .await
            .created_id("/meetings/");
        let m = meeting(&w.f1_api, id).await;
        assert_eq!(m["starts_at"], "2026-10-25T19:00:00+00:00");
        assert_eq!(m["start_time"], "19:00");
        w.f1b.get(&format!("/meetings/{id}")).await.expect_contains("7:00 pm").expect_contains("Sunday 25 October 2026");

        // A group in New York: EDT ends on 1 November 2026 and starts on 14 March 2027.
        let ny = w.c_api.post("/api/v1/groups", &json!({"name": "Cedar Circle", "timezone": "America/New_York"})).await;
        ny.expect(201);
        let ny = ny.json()["id"].as_i64().expect("group id");
        for (date, want) in [
            ("2026-10-31", "2026-10-31T19:00:00-04:00"),
            ("2026-11-01", "2026-11-01T19:00:00-05:00"),
            ("2026-11-02", "2026-11-02T19:00:00-05:00"),
            ("2027-03-13", "2027-03-13T19:00:00-05:00"),
            ("2027-03-15", "2027-03-15T19:00:00-04:00"),
        ] {
            let v = plan(&w.c_api, ny, date, "19:00").await;
            assert_eq!(v["starts_at"], want, "{date}: {v}");
            assert_eq!(v["timezone"], "America/New_York");
            let id = v["id"].as_i64().expect("id");
            w.cb.get(&format!("/meetings/{id}")).await.expect(200).expect_contains("7:00 pm");
        }
        let listed = get_json(&w.c_api, &format!("/api/v1/groups/{ny}/meetings")).await;
        assert_eq!(listed["meetings"][0]["starts_at"], "2026-10-31T19:00:00-04:00");
        assert_eq!(listed["meetings"][4]["starts_at"], "2027-03-15T19:00:00-04:00");
        // The New York group is not Fern's.
        w.f1_api
            .post(&format!("/api/v1/groups/{ny}/meetings"), &json!({"date": "2026-12-01", "start_time": "19:00"}))
            .await
            .expect_json_error(404, "not_found");
    }
}

both_backends! {
    async fn moving_a_meeting_across_the_clock_change_and_cancelling_it(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let venue = w.venue.to_string();
        let id = plan_id(&w.f1_api, g, "2026-10-24").await;
        let v0 = meeting(&w.f1_api, id).await["version"].as_i64().expect("version");

        // Moved through the form from BST to GMT.
        w.f1b.get(&format!("/meetings/{id}/edit")).await.expect(200).expect_value("date", "2026-10-24").expect_value("start_time", "19:00");
        w.f1b
            .post_form(&format!("/meetings/{id}/edit"), &[("date", "2026-10-26"), ("start_time", "19:00"), ("duration_minutes", "120"), ("venue_id", &venue), ("topic", "Sleep")])
            .await
            .expect_redirect(&format!("/meetings/{id}"));
        let m = meeting(&w.f1_api, id).await;
        assert_eq!(m["starts_at"], "2026-10-26T19:00:00+00:00");
        assert_eq!((m["date"].as_str(), m["start_time"].as_str(), m["duration_minutes"].as_i64(), m["topic"].as_str()), (Some("2026-10-26"), Some("19:00"), Some(120), Some("Sleep")));
        assert!(m["version"].as_i64().expect("version") > v0, "moving a meeting raises its version");
        let page = w.f1b.get(&format!("/meetings/{id}")).await;
        page.expect(200).expect_contains("Monday 26 October 2026").expect_contains("7:00 pm to 9:00 pm");
        w.f1b.get(&format!("/meetings/{id}/edit")).await.expect_value("date", "2026-10-26").expect_value("duration_minutes", "120");

        // Into summer time again through the form, then the API.
        w.f1b
            .post_form(&format!("/meetings/{id}/edit"), &[("date", "2027-03-27"), ("start_time", "19:00"), ("duration_minutes", "90"), ("venue_id", &venue), ("topic", "Sleep")])
            .await
            .expect_redirect(&format!("/meetings/{id}"));
        assert_eq!(meeting(&w.f1_api, id).await["starts_at"], "2027-03-27T19:00:00+00:00");
        let patched = w.f1_api.patch(&format!("/api/v1/meetings/{id}"), &json!({"date": "2027-03-29"})).await;
        patched.expect(200);
        let p = patched.json();
        assert_eq!(p["starts_at"], "2027-03-29T19:00:00+01:00");
        assert_eq!((p["start_time"].as_str(), p["topic"].as_str(), p["venue_id"].as_i64()), (Some("19:00"), Some("Sleep"), Some(w.venue)), "fields not sent are kept");
        let patched = w.f1_api.patch(&format!("/api/v1/meetings/{id}"), &json!({"start_time": "18:30"})).await;
        patched.expect(200);
        assert_eq!(patched.json()["starts_at"], "2027-03-29T18:30:00+01:00");
        let stored = app.store.meeting_for(&w.c, MeetingId(id)).await.expect("meeting");
        assert_eq!(stored.starts_at, unix("2027-03-29T17:30:00Z"));

        // Cancelling needs a reason.
        let res = w.f1b.post_form(&format!("/meetings/{id}/cancel"), &[("cancel_reason", "  ")]).await;
        res.expect(422).expect_field_error("cancel_reason", "Say why the meeting is cancelled");
        assert_eq!(meeting(&w.f1_api, id).await["status"], "planned");
        w.f1b
            .post_form(&format!("/meetings/{id}/cancel"), &[("cancel_reason", "The hall is closed for repairs")])
            .await
            .expect_redirect(&format!("/meetings/{id}"));
        let m = meeting(&w.f1_api, id).await;
        assert_eq!((m["status"].as_str(), m["cancel_reason"].as_str()), (Some("cancelled"), Some("The hall is closed for repairs")));
        w.f1b
            .get(&format!("/meetings/{id}"))
            .await
            .expect(200)
            .expect_contains("Cancelled.")
            .expect_contains("The hall is closed for repairs")
            .expect_contains(&format!("action=\"/meetings/{id}/reinstate\""))
            .expect_lacks(&format!("action=\"/meetings/{id}/start\""));
        // A cancelled meeting cannot be run.
        w.f1b.get(&format!("/meetings/{id}/run")).await.expect_redirect(&format!("/meetings/{id}"));
        w.f1b.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await.expect(409);
        assert_eq!(meeting(&w.f1_api, id).await["status"], "cancelled");

        // A cancelled meeting does not count: the next one is the group's first.
        let later = plan(&w.f1_api, g, "2027-04-26", "19:00").await;
        assert_eq!(later["number"], 1, "{later}");
        let later_id = later["id"].as_i64().expect("id");

        // Reinstated, it is planned again, with no reason left over, and counts again.
        w.f1b.post_form(&format!("/meetings/{id}/reinstate"), &[]).await.expect_redirect(&format!("/meetings/{id}"));
        let m = meeting(&w.f1_api, id).await;
        assert_eq!((m["status"].as_str(), m["cancel_reason"].as_str()), (Some("planned"), Some("")));
        assert_eq!(meeting(&w.f1_api, later_id).await["number"], 2);
        w.f1b.get(&format!("/meetings/{id}")).await.expect_lacks("Cancelled.").expect_contains(&format!("action=\"/meetings/{id}/start\""));

        // The same through the API.
        w.f1_api
            .patch(&format!("/api/v1/meetings/{id}"), &json!({"status": "cancelled"}))
            .await
            .expect_invalid_fields(&["cancel_reason"]);
        let res = w.f1_api.patch(&format!("/api/v1/meetings/{id}"), &json!({"status": "cancelled", "cancel_reason": "Snow"})).await;
        res.expect(200);
        assert_eq!((res.json()["status"].as_str(), res.json()["cancel_reason"].as_str()), (Some("cancelled"), Some("Snow")));
        let res = w.f1_api.patch(&format!("/api/v1/meetings/{id}"), &json!({"status": "planned"})).await;
        res.expect(200);
        assert_eq!(res.json()["status"], "planned");
        assert_eq!(res.json()["cancel_reason"], "");
    }
}

both_backends! {
    async fn agendas_come_from_the_guide_and_the_group_template(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;

        // The first meeting: the guide's steps, without the two that need a last meeting.
        let first = plan(&w.f1_api, g, "2027-01-05", "19:00").await;
        let first_id = first["id"].as_i64().expect("id");
        assert_eq!(first["number"], 1);
        assert_eq!(titles(&first), FIRST_STEPS);
        for step in first["agenda"].as_array().expect("agenda") {
            assert!(step["minutes"].as_i64().is_some_and(|m| m > 0), "{step}");
            assert!(step["prompts"].as_array().is_some_and(|p| !p.is_empty() && p.iter().all(Value::is_string)), "{step}");
        }
        let welcome: Vec<&str> = first["agenda"][3]["prompts"].as_array().expect("prompts").iter().filter_map(Value::as_str).collect();
        for p in ["Tell people where the toilets and fire exits are", "Say how long the meeting will last", "Sharing one's story is optional: medical history can stay private"] {
            assert!(welcome.contains(&p), "{p:?} missing from {welcome:?}");
        }
        // GET gives the same agenda; the preparation page shows it with timings.
        assert_eq!(titles(&meeting(&w.c_api, first_id).await), FIRST_STEPS);
        let page = w.f1b.get(&format!("/meetings/{first_id}")).await;
        page.expect(200);
        let agenda = section(&page.text, "agenda-title");
        assert!(agenda.contains("7:00 pm Arrival") && agenda.contains("7:05 pm Sign in") && agenda.contains("7:10 pm Coffee, tea and catching up"), "{agenda}");
        assert!(!agenda.contains("Since last time"), "{agenda}");

        // The second meeting adds "Revisit the last meeting" and "Since last time".
        let second = plan(&w.f1_api, g, "2027-02-02", "19:00").await;
        let second_id = second["id"].as_i64().expect("id");
        assert_eq!(second["number"], 2);
        assert_eq!(titles(&second), LATER_STEPS);

        // Changing the group's template changes future meetings only.
        let template = app.store.agenda_template(&app.store.group(&w.c, GroupId(g)).await.unwrap()).await.expect("template");
        let step_id = |title: &str| template.iter().find(|s| s.title == title).map(|s| s.id).unwrap_or_else(|| panic!("no {title}"));
        let topic = step_id("Topic of discussion");
        w.f1b.get(&format!("/groups/{g}/agenda")).await.expect(200).expect_contains(&format!("action=\"/groups/{g}/agenda/steps/{topic}?_part="));
        w.f1b
            .post_form(&format!("/groups/{g}/agenda/steps/{topic}"), &[("title", "Topic time"), ("minutes", "25"), ("purpose", "Talk it through"), ("prompts", "Open the topic\r\n\r\nListen well"), ("kind", "topic")])
            .await
            .expect_redirect(&format!("/groups/{g}/agenda#step-{topic}"));
        w.f1b.get(&format!("/groups/{g}/agenda")).await.expect_contains("Topic time");
        assert_eq!(titles(&meeting(&w.f1_api, first_id).await), FIRST_STEPS, "planned meetings keep their copy");
        assert_eq!(titles(&meeting(&w.f1_api, second_id).await), LATER_STEPS, "planned meetings keep their copy");
        let third = plan(&w.f1_api, g, "2027-03-02", "19:00").await;
        let third_id = third["id"].as_i64().expect("id");
        let step = &third["agenda"][7];
        assert_eq!((step["title"].as_str(), step["minutes"].as_i64(), step["purpose"].as_str(), step["kind"].as_str()), (Some("Topic time"), Some(25), Some("Talk it through"), Some("topic")));
        assert_eq!(step["prompts"], json!(["Open the topic", "Listen well"]));

        // Add, move and remove template steps.
        w.f1b
            .post_form(&format!("/groups/{g}/agenda/steps/0"), &[("title", "Tea again"), ("minutes", "5"), ("purpose", ""), ("prompts", "")])
            .await
            .expect_redirect(&format!("/groups/{g}/agenda"));
        let arrival = step_id("Arrival");
        w.f1b.post_form(&format!("/groups/{g}/agenda/steps/{arrival}"), &[("do", "down")]).await.expect_redirect(&format!("/groups/{g}/agenda#step-{arrival}"));
        let goals = step_id("Review of goals");
        w.f1b.post_form(&format!("/groups/{g}/agenda/steps/{goals}"), &[("do", "delete")]).await.expect_redirect(&format!("/groups/{g}/agenda"));
        let outline = step_id("Outline of next session");
        w.f1b.post_form(&format!("/groups/{g}/agenda/steps/{outline}"), &[("do", "up")]).await.expect_redirect(&format!("/groups/{g}/agenda#step-{outline}"));
        let fourth = plan(&w.f1_api, g, "2027-04-06", "19:00").await;
        assert_eq!(
            titles(&fourth),
            ["Sign in", "Arrival", "Coffee, tea and catching up", "Welcome and introductions", "Revisit the last meeting", "Since last time", "Outline of next session", "Topic time", "Socialising and question time", "Tea again"],
        );
        assert_eq!(titles(&meeting(&w.f1_api, third_id).await)[..2], ["Arrival", "Sign in"], "the third meeting kept its copy");
        // Steps that do not exist, or belong to another group's template, are not found.
        let other = app.store.agenda_template(&app.store.group(&w.c, GroupId(w.group_b)).await.unwrap()).await.expect("template of B");
        for path in [format!("/groups/{g}/agenda/steps/999999"), format!("/groups/{g}/agenda/steps/{}", other[0].id)] {
            w.f1b.post_form(&path, &[("title", "Hijacked"), ("minutes", "5")]).await.expect(404);
            w.cb.post_form(&path, &[("do", "delete")]).await.expect(404);
        }
        let other_after = app.store.agenda_template(&app.store.group(&w.c, GroupId(w.group_b)).await.unwrap()).await.expect("template of B");
        assert_eq!(other_after.len(), other.len());
        assert_eq!(other_after[0].title, "Arrival");

        // A step only from the second meeting on (group B, Gus's).
        w.f2b
            .post_form(&format!("/groups/{}/agenda/steps/0", w.group_b), &[("title", "Check-in round"), ("minutes", "5"), ("from_second_meeting", "true")])
            .await
            .expect_redirect(&format!("/groups/{}/agenda", w.group_b));
        let b1 = plan(&w.f2_api, w.group_b, "2027-01-07", "10:30").await;
        let b2 = plan(&w.f2_api, w.group_b, "2027-02-04", "10:30").await;
        assert!(!titles(&b1).contains(&"Check-in round".to_string()), "{b1}");
        assert_eq!(titles(&b2).last().map(String::as_str), Some("Check-in round"));

        // Back to the guide's steps.
        w.f1b.post_form(&format!("/groups/{g}/agenda/steps/0"), &[("do", "reset")]).await.expect_redirect(&format!("/groups/{g}/agenda"));
        assert_eq!(titles(&plan(&w.f1_api, g, "2027-05-04", "19:00").await), LATER_STEPS);

        // Bad input on the template's forms: 422, the message next to the field, nothing saved.
        let template = app.store.agenda_template(&app.store.group(&w.c, GroupId(g)).await.unwrap()).await.expect("template");
        let sid = template[0].id;
        let res = w.f1b.post_form(&format!("/groups/{g}/agenda/steps/{sid}"), &[("title", ""), ("minutes", "ten")]).await;
        res.expect(422)
            .expect_field_error(&format!("title-{sid}"), "Enter a name for the step.")
            .expect_field_error(&format!("minutes-{sid}"), "Enter a whole number");
        let res = w.f1b.post_form(&format!("/groups/{g}/agenda/steps/{sid}"), &[("title", "Arrival"), ("minutes", "0")]).await;
        res.expect(422).expect_field_error(&format!("minutes-{sid}"), "Enter a number from 1 to 240.");
        let res = w.f1b.post_form(&format!("/groups/{g}/agenda/steps/{sid}"), &[("title", "Arrival"), ("minutes", "5"), ("kind", "party")]).await;
        res.expect(422).expect_contains("Choose what the step is for from the list.");
        let long_prompt = "x".repeat(201);
        let res = w.f1b.post_form(&format!("/groups/{g}/agenda/steps/{sid}"), &[("title", "Arrival"), ("minutes", "5"), ("prompts", &long_prompt)]).await;
        res.expect(422).expect_field_error(&format!("prompts-{sid}"), "200 characters or fewer");
        let res = w.f1b.post_form(&format!("/groups/{g}/agenda/steps/0"), &[("title", ""), ("minutes", "")]).await;
        res.expect(422)
            .expect_field_error("title", "Enter a name for the step.")
            .expect_field_error("minutes", "Enter how many minutes the step takes.");
        let res = w.f1b.post_form(&format!("/groups/{g}/agenda/steps/0"), &[("title", &"t".repeat(81)), ("minutes", "5")]).await;
        res.expect(422).expect_field_error("title", "Use 80 characters or fewer.");
        let unchanged = app.store.agenda_template(&app.store.group(&w.c, GroupId(g)).await.unwrap()).await.expect("template");
        assert_eq!(unchanged.iter().map(|s| (&s.title, s.minutes)).collect::<Vec<_>>(), template.iter().map(|s| (&s.title, s.minutes)).collect::<Vec<_>>());

        // One meeting's own agenda: changed, added to, shortened; the template stays as it was.
        let m = plan_id(&w.f1_api, g, "2027-06-01").await;
        w.f1b.get(&format!("/meetings/{m}/agenda")).await.expect(200).expect_contains(&format!("action=\"/meetings/{m}/agenda/steps/0?_part="));
        w.f1b
            .post_form(&format!("/meetings/{m}/agenda/steps/0"), &[("title", "Welcome at the door"), ("minutes", "10"), ("purpose", "Greet"), ("prompts", "Smile"), ("kind", "arrival")])
            .await
            .expect_redirect(&format!("/meetings/{m}/agenda#step-0"));
        w.f1b
            .post_form(&format!("/meetings/{m}/agenda/steps/-1"), &[("title", "Birthday cake"), ("minutes", "10")])
            .await
            .expect_redirect(&format!("/meetings/{m}/agenda"));
        w.f1b.post_form(&format!("/meetings/{m}/agenda/steps/1"), &[("do", "delete")]).await.expect_redirect(&format!("/meetings/{m}/agenda"));
        let own = meeting(&w.f1_api, m).await;
        let mut want: Vec<&str> = vec!["Welcome at the door"];
        want.extend(&LATER_STEPS[2..]);
        want.push("Birthday cake");
        assert_eq!(titles(&own), want);
        assert_eq!(own["agenda"][0]["prompts"], json!(["Smile"]));
        let positions: Vec<i64> = own["agenda"].as_array().expect("agenda").iter().filter_map(|s| s["position"].as_i64()).collect();
        assert_eq!(positions, (0..want.len() as i64).collect::<Vec<_>>(), "positions close up after a removal");
        let template_now = app.store.agenda_template(&app.store.group(&w.c, GroupId(g)).await.unwrap()).await.expect("template");
        assert_eq!(template_now.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(), LATER_STEPS, "the template is untouched");
        assert_eq!(titles(&plan(&w.f1_api, g, "2027-07-06", "19:00").await), LATER_STEPS);
        // Bad input on a meeting's own agenda.
        let res = w.f1b.post_form(&format!("/meetings/{m}/agenda/steps/2"), &[("title", ""), ("minutes", "5")]).await;
        res.expect(422).expect_field_error("title-2", "Enter a name for the step.");
        let res = w.f1b.post_form(&format!("/meetings/{m}/agenda/steps/-1"), &[("title", "Long"), ("minutes", "999")]).await;
        res.expect(422).expect_field_error("minutes", "Enter a number from 1 to 240.");
        w.f1b.post_form(&format!("/meetings/{m}/agenda/steps/99"), &[("title", "Nowhere"), ("minutes", "5")]).await.expect(404);
        w.f1b.post_form(&format!("/meetings/{m}/agenda/steps/99"), &[("do", "delete")]).await.expect(404);
        assert_eq!(titles(&meeting(&w.f1_api, m).await), want);
    }
}

both_backends! {
    async fn who_is_coming_from_a_phone_call_or_the_personal_link(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let date = days_from_now(30);
        let id = plan_id(&w.f1_api, g, &date).await;
        let mo = add_member(&w.cb, g, &[("preferred_name", "Mo Maybe"), ("phone", "07700 900333"), ("needs", "dietary"), ("needs_note", "No gluten, please")]).await;

        // Nobody has answered: both are on the call list.
        let page = w.f1b.get(&format!("/meetings/{id}")).await;
        page.expect(200);
        assert!(section(&page.text, "people").contains("Nobody has said yet."));
        let ask = section(&page.text, "ask-title");
        assert!(ask.contains(MEMBER_A) && ask.contains("Mo Maybe") && ask.contains("07700 900333"), "{ask}");

        // The facilitator notes Zebedee's answer after a phone call.
        w.f1b
            .post_form(&format!("/meetings/{id}/rsvp"), &[("member_id", &w.member_a.to_string()), ("answer", "yes")])
            .await
            .expect_redirect(&format!("/meetings/{id}#people"));
        let rsvps = get_json(&w.f1_api, &format!("/api/v1/meetings/{id}/rsvps")).await;
        assert_eq!(rsvps["rsvps"].as_array().map(Vec::len), Some(1), "{rsvps}");
        assert_eq!((rsvps["rsvps"][0]["member_id"].as_i64(), rsvps["rsvps"][0]["answer"].as_str()), (Some(w.member_a), Some("yes")));
        let people = section(&w.f1b.get(&format!("/meetings/{id}")).await.text, "people");
        assert!(people.contains(MEMBER_A) && people.contains("Hearing"), "who is coming, with their needs: {people}");

        // Mo answers from their personal link.
        let link = issue_link(&app, &w.f1b, mo).await;
        let member = app.browser();
        let own = member.get(&link).await;
        own.expect(200).expect_contains(&format!("action=\"{link}/meetings/{id}?_part=")).expect_contains("Can you come?");
        member.post_form(&format!("{link}/meetings/{id}"), &[("answer", "maybe")]).await.expect_redirect(&format!("{link}#meetings"));
        assert!(html::text_of(&member.get(&link).await.text).contains("You said: maybe"));
        let people = section(&w.f1b.get(&format!("/meetings/{id}")).await.text, "people");
        assert!(people.contains("Mo Maybe (maybe)") && people.contains("Dietary: No gluten, please"), "{people}");
        assert!(people.contains(MEMBER_A), "{people}");
        // ... and changes their mind.
        member.post_form(&format!("{link}/meetings/{id}"), &[("answer", "no")]).await.expect_redirect(&format!("{link}#meetings"));
        let page = w.f1b.get(&format!("/meetings/{id}")).await;
        let people = section(&page.text, "people");
        assert!(people.contains("Not coming: Mo Maybe") && !people.contains("Dietary"), "{people}");
        let rsvps = get_json(&w.c_api, &format!("/api/v1/meetings/{id}/rsvps")).await;
        let answer_of = |m: i64| rsvps["rsvps"].as_array().expect("rsvps").iter().find(|r| r["member_id"] == m).map(|r| r["answer"].clone());
        assert_eq!(answer_of(mo), Some(json!("no")));
        assert_eq!(answer_of(w.member_a), Some(json!("yes")));
        assert_eq!(rsvps["rsvps"].as_array().map(Vec::len), Some(2), "one answer per member: {rsvps}");
        // A nonsense answer changes nothing.
        member.post_form(&format!("{link}/meetings/{id}"), &[("answer", "perhaps")]).await.expect(400);

        // A member cannot answer for another group's meeting, or one that does not exist.
        let theirs = plan_id(&w.f2_api, w.group_b, &date).await;
        let res = member.post_form(&format!("{link}/meetings/{theirs}"), &[("answer", "yes")]).await;
        res.expect(404).expect_lacks(GROUP_B);
        member.post_form(&format!("{link}/meetings/999999"), &[("answer", "yes")]).await.expect(404);
        assert_eq!(get_json(&w.f2_api, &format!("/api/v1/meetings/{theirs}/rsvps")).await["rsvps"], json!([]));
        member.get(&link).await.expect_lacks(GROUP_B).expect_lacks(&format!("/meetings/{theirs}"));
        // A link that does not work answers nothing.
        member.post_form(&format!("/m/{}/meetings/{id}", "0".repeat(43)), &[("answer", "yes")]).await.expect(410);

        // Staff forms: a bad answer, a member of another group, another group's facilitator.
        w.f1b.post_form(&format!("/meetings/{id}/rsvp"), &[("member_id", &w.member_a.to_string()), ("answer", "perhaps")]).await.expect(422);
        w.cb.post_form(&format!("/meetings/{id}/rsvp"), &[("member_id", &w.member_b.to_string()), ("answer", "yes")]).await.expect(404);
        w.f2b.post_form(&format!("/meetings/{id}/rsvp"), &[("member_id", &w.member_a.to_string()), ("answer", "no")]).await.expect(404);
        // The API: the same answers, and field errors.
        let res = w.f1_api.put(&format!("/api/v1/meetings/{id}/rsvps"), &json!({"member_id": w.member_a, "answer": "maybe"})).await;
        res.expect(200);
        assert!(res.json()["rsvps"].as_array().expect("rsvps").iter().any(|r| r["member_id"] == w.member_a && r["answer"] == "maybe"));
        w.f1_api.put(&format!("/api/v1/meetings/{id}/rsvps"), &json!({})).await.expect_invalid_fields(&["answer", "member_id"]);
        w.c_api.put(&format!("/api/v1/meetings/{id}/rsvps"), &json!({"member_id": w.member_b, "answer": "yes"})).await.expect_invalid_fields(&["member_id"]);
        let rsvps = get_json(&w.c_api, &format!("/api/v1/meetings/{id}/rsvps")).await;
        assert_eq!(rsvps["rsvps"].as_array().map(Vec::len), Some(2), "{rsvps}");
        assert!(!rsvps.to_string().contains(&format!("\"member_id\":{}", w.member_b)));
    }
}

both_backends! {
    async fn the_printable_sign_in_sheet(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let id = plan_id(&w.f1_api, g, "2026-10-24").await;
        add_member(&w.cb, g, &[("preferred_name", "Olive"), ("full_name", "Olive Oatley")]).await;
        let pip = add_member(&w.cb, g, &[("preferred_name", "Pip Parsons")]).await;
        let blank_rows = |page: &str| page.matches("<tr class=\"blank\">").count();

        let sheet = w.f1b.get(&format!("/meetings/{id}/sign-in-sheet")).await;
        sheet
            .expect(200)
            .expect_contains(VENUE)
            .expect_contains(GROUP_A)
            .expect_contains("Saturday 24 October 2026")
            .expect_contains("7:00 pm to 8:30 pm")
            .expect_contains("Zebedee Archibald Quill")
            .expect_contains("Olive Oatley")
            .expect_contains("Pip Parsons")
            .expect_lacks("sheet-large")
            .expect_lacks(MEMBER_B);
        assert_eq!(blank_rows(&sheet.text), 10, "blank rows for walk-ins");
        let large = w.f1b.get(&format!("/meetings/{id}/sign-in-sheet?large=1")).await;
        large.expect(200).expect_contains("class=\"sheet sheet-large\"").expect_contains("Zebedee Archibald Quill").expect_contains(VENUE);
        assert_eq!(blank_rows(&large.text), 6);
        w.f1b.get(&format!("/meetings/{id}/sign-in-sheet?large=0")).await.expect_lacks("sheet-large");

        // Once people have answered, those not coming are left off.
        w.f1b.post_form(&format!("/meetings/{id}/rsvp"), &[("member_id", &pip.to_string()), ("answer", "no")]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/rsvp"), &[("member_id", &w.member_a.to_string()), ("answer", "yes")]).await.expect(303);
        w.f1b
            .get(&format!("/meetings/{id}/sign-in-sheet"))
            .await
            .expect_contains("Zebedee Archibald Quill")
            .expect_contains("Olive Oatley")
            .expect_lacks("Pip Parsons");

        // A meeting with no venue says so; others cannot see the sheet.
        let novenue = w.f1_api.post(&format!("/api/v1/groups/{g}/meetings"), &json!({"date": "2026-11-07", "start_time": "10:00", "venue_id": ""})).await;
        novenue.expect(201);
        let nv = novenue.json();
        assert_eq!(nv["venue_id"], Value::Null);
        w.cb.get(&format!("/meetings/{}/sign-in-sheet", nv["id"])).await.expect(200).expect_contains("Venue not set").expect_contains("10:00 am");
        w.f2b.get(&format!("/meetings/{id}/sign-in-sheet")).await.expect(404).expect_lacks("Zebedee");
        app.browser().get(&format!("/meetings/{id}/sign-in-sheet")).await.expect_signin_redirect();
    }
}

//! The group's social life: social events planned, changed, cancelled and reinstated through
//! the API and the staff pages (each change raising the version calendar apps go by), replies
//! recorded by staff and given by members from their personal links, calendar files; the
//! refreshments rota with its fair suggestion of a host for each coming meeting, confirming and
//! swapping hosts, members offering from their links; the call list's reasons to ring a host
//! or someone who has not answered a poll; and who may see or change any of it.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{add_member, days_from_now, meeting, plan_id, section};

// --- helpers ------------------------------------------------------------------------------

/// Plans a social event through the API (201 expected); returns the event as answered.
async fn new_event(api: &Api, group: i64, body: &Value) -> Value {
    let res = api
        .post(&format!("/api/v1/groups/{group}/social-events"), body)
        .await;
    res.expect(201);
    let v = res.json();
    let id = v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"));
    assert_eq!(res.location(), format!("/api/v1/social-events/{id}"));
    v
}

/// GET /api/v1/social-events/{id}, expecting 200.
async fn event(api: &Api, id: i64) -> Value {
    let res = api.get(&format!("/api/v1/social-events/{id}")).await;
    res.expect(200);
    res.json()
}

/// PATCH /api/v1/social-events/{id}, expecting 200; the event as answered.
async fn patch_event(api: &Api, id: i64, body: &Value) -> Value {
    let res = api
        .patch(&format!("/api/v1/social-events/{id}"), body)
        .await;
    res.expect(200);
    res.json()
}

/// The titles of a group's social events, as the API lists them.
async fn titles(api: &Api, group: i64) -> Vec<String> {
    let res = api
        .get(&format!("/api/v1/groups/{group}/social-events"))
        .await;
    res.expect(200);
    res.json()["social_events"]
        .as_array()
        .unwrap_or_else(|| panic!("no social_events in {}", res.text))
        .iter()
        .map(|e| e["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A member made through the API; returns the id.
async fn new_member(api: &Api, group: i64, fields: &Value) -> i64 {
    let res = api
        .post(&format!("/api/v1/groups/{group}/members"), fields)
        .await;
    res.expect(201);
    res.json()["id"].as_i64().expect("member id")
}

/// A member's personal link, issued through the API; returns its path (/m/TOKEN).
async fn link(app: &TestApp, api: &Api, member: i64) -> String {
    let res = api
        .post(&format!("/api/v1/members/{member}/link"), &json!({}))
        .await;
    res.expect(201);
    let url = res.json()["url"].as_str().expect("url").to_string();
    let path = url
        .strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("link {url} is not on {}", app.base))
        .to_string();
    assert!(path.starts_with("/m/"), "{path}");
    path
}

/// A member's browser on their own page, holding the page's anti-forgery token.
async fn member_browser(app: &TestApp, path: &str) -> Browser {
    let b = app.browser();
    b.csrf_from(path).await;
    b
}

/// Checks a calendar file holds exactly this one social event, as calendar apps read it.
#[track_caller]
fn check_ics(res: &Resp, id: i64, summary: &str, status: &str, sequence: i64, dtstart: &str) {
    res.expect(200);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/calendar")),
        "{} {}: content type {:?}",
        res.method,
        res.path,
        res.header("content-type")
    );
    assert!(
        res.header("content-disposition")
            .is_some_and(|d| d.contains(&format!("social-{id}.ics"))),
        "{} {}: content disposition {:?}",
        res.method,
        res.path,
        res.header("content-disposition")
    );
    // Unfold long lines (RFC 5545 3.1) before reading properties.
    let text = res.text.replace("\r\n ", "");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"), "{text}");
    assert!(lines.contains(&"END:VCALENDAR"), "{text}");
    assert_eq!(
        lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(),
        1,
        "one event: {text}"
    );
    assert!(lines.contains(&"END:VEVENT"), "{text}");
    let uid = format!("UID:social-{id}@");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&uid) && l.len() > uid.len()),
        "no {uid}HOST line: {text}"
    );
    for want in [
        format!("SUMMARY:{summary}"),
        format!("STATUS:{status}"),
        format!("SEQUENCE:{sequence}"),
        format!("DTSTART:{dtstart}"),
    ] {
        assert!(lines.contains(&want.as_str()), "no {want:?} line: {text}");
    }
}

/// GET /api/v1/groups/{id}/rota, expecting 200.
async fn rota(api: &Api, group: i64) -> Value {
    let res = api.get(&format!("/api/v1/groups/{group}/rota")).await;
    res.expect(200);
    res.json()
}

/// The rota's coming meetings as (meeting, confirmed host, suggested host).
fn slots(rota: &Value) -> Vec<(i64, Option<i64>, Option<i64>)> {
    rota["meetings"]
        .as_array()
        .unwrap_or_else(|| panic!("no meetings in {rota}"))
        .iter()
        .map(|m| {
            (
                m["meeting_id"].as_i64().expect("meeting_id"),
                m["host"]["member_id"].as_i64(),
                m["suggested"]["member_id"].as_i64(),
            )
        })
        .collect()
}

/// The members on the rota as (id, name, last hosted, times hosted), in the API's order.
fn rota_members(rota: &Value) -> Vec<(i64, String, Option<i64>, i64)> {
    rota["members"]
        .as_array()
        .unwrap_or_else(|| panic!("no members in {rota}"))
        .iter()
        .map(|m| {
            (
                m["member_id"].as_i64().expect("member_id"),
                m["member_name"].as_str().unwrap_or_default().to_string(),
                m["last_hosted"].as_i64(),
                m["times_hosted"].as_i64().expect("times_hosted"),
            )
        })
        .collect()
}

/// Puts a member on the rota (or off) through the API.
async fn set_rota(api: &Api, member: i64, on: bool) {
    let res = api
        .put(
            &format!("/api/v1/members/{member}/rota"),
            &json!({"on": on}),
        )
        .await;
    res.expect(200);
    assert_eq!(res.json(), json!({"member_id": member, "on_rota": on}));
}

/// Confirms (or with None clears) a meeting's host through the API.
async fn set_host(api: &Api, meeting: i64, member: Option<i64>) -> Value {
    let res = api
        .put(
            &format!("/api/v1/meetings/{meeting}/host"),
            &json!({ "member_id": member }),
        )
        .await;
    res.expect(200);
    let v = res.json();
    assert_eq!(v["meeting_id"], meeting);
    assert_eq!(v["host"]["member_id"].as_i64(), member, "{v}");
    v
}

/// Records a member's reply to a meeting through the API.
async fn meeting_rsvp(api: &Api, meeting: i64, member: i64, answer: &str) {
    api.put(
        &format!("/api/v1/meetings/{meeting}/rsvps"),
        &json!({"member_id": member, "answer": answer}),
    )
    .await
    .expect(200);
}

/// A meeting's start in Unix seconds, from the API.
async fn starts_at(api: &Api, meeting_id: i64) -> i64 {
    let m = meeting(api, meeting_id).await;
    m["starts_at"]
        .as_str()
        .unwrap_or_else(|| panic!("no starts_at in {m}"))
        .parse::<jiff::Timestamp>()
        .expect("RFC 3339")
        .as_second()
}

/// The cards of the staff rota page, as text, one per coming meeting.
fn rota_cards(page: &str) -> Vec<String> {
    page.split("<li class=\"card\">")
        .skip(1)
        .map(|li| html::text_of(&li[..li.find("</li>").unwrap_or(li.len())]))
        .collect()
}

/// One column of an event page's replies ("Coming", "Maybe", "Cannot come"), as text.
#[track_caller]
fn replies_column(page: &str, heading: &str) -> String {
    let at = page
        .find(&format!("<h3>{heading} ("))
        .unwrap_or_else(|| panic!("no {heading:?} column in the replies"));
    let end = at + page[at..].find("</div>").unwrap_or(page.len() - at);
    html::text_of(&page[at..end].replace("</li>", " </li>"))
}

/// The HTML of the element with this id, up to the end of its section.
#[track_caller]
fn raw_section(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element id={id:?} in the page"));
    let end = at + page[at..].find("</section>").unwrap_or(page.len() - at);
    page[at..end].to_string()
}

/// The call list's entries, as text.
fn call_list_items(page: &str) -> Vec<String> {
    page.split("<li>")
        .skip(1)
        .map(|li| html::text_of(&li[..li.find("</li>").unwrap_or(li.len())]))
        .collect()
}

/// The call list's entry for this member, if they are on it.
async fn call_entry(b: &Browser, meeting: i64, name: &str) -> Option<String> {
    let page = b.get(&format!("/meetings/{meeting}/call-list")).await;
    page.expect(200);
    call_list_items(&page.text)
        .into_iter()
        .find(|i| i.contains(name))
}

const HOSTING: &str = "Hosting the refreshments: remind them";
const NO_POLL_ANSWER: &str = "Has not answered the poll for the next date";

// --- social events through the API --------------------------------------------------------

both_backends! {
    async fn a_social_event_is_planned_changed_cancelled_and_answered_through_the_api(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let ann = new_member(&w.f1_api, g, &json!({"preferred_name": "Ann Ash"})).await;

        // Planned: the time is read in the group's time zone (summer time here).
        let lunch = new_event(&w.f1_api, g, &json!({
            "title": "Lunch at the Red Lion",
            "date": "2027-07-10",
            "start_time": "12:30",
            "place": "The Red Lion, High Street",
            "details": "Bring some cash for the meal",
            "accessibility": "Step-free entrance at the side",
        }))
        .await;
        let id = lunch["id"].as_i64().unwrap();
        assert_eq!(lunch["group_id"], g);
        assert_eq!(lunch["title"], "Lunch at the Red Lion");
        assert_eq!(lunch["date"], "2027-07-10");
        assert_eq!(lunch["start_time"], "12:30");
        assert_eq!(lunch["duration_minutes"], 120, "two hours unless said");
        assert_eq!(lunch["starts_at"], "2027-07-10T12:30:00+01:00");
        assert_eq!(lunch["place"], "The Red Lion, High Street");
        assert_eq!(lunch["details"], "Bring some cash for the meal");
        assert_eq!(lunch["accessibility"], "Step-free entrance at the side");
        assert_eq!(lunch["status"], "planned");
        assert_eq!(lunch["version"], 1);
        assert_eq!(lunch["rsvps"], json!([]));
        assert_eq!(lunch["email"], json!({"configured": false, "queued": 0}));

        // A winter event, a time written the friendly way, a length of its own.
        let walk = new_event(&w.f1_api, g, &json!({"title": "Winter walk", "date": "2027-01-16", "start_time": "10am", "duration_minutes": 180})).await;
        let walk_id = walk["id"].as_i64().unwrap();
        assert_eq!((walk["start_time"].as_str(), walk["duration_minutes"].as_i64()), (Some("10:00"), Some(180)));
        assert_eq!(walk["starts_at"], "2027-01-16T10:00:00+00:00");
        assert_eq!((walk["place"].as_str(), walk["details"].as_str()), (Some(""), Some("")));
        // Another group's event is not in this group's list.
        new_event(&w.f2_api, w.group_b, &json!({"title": "Birch picnic", "date": "2027-06-01", "start_time": "13:00"})).await;
        assert_eq!(titles(&w.f1_api, g).await, ["Winter walk", "Lunch at the Red Lion"], "soonest first");
        assert_eq!(titles(&w.c_api, w.group_b).await, ["Birch picnic"]);

        let got = event(&w.f1_api, id).await;
        assert_eq!(got["title"], "Lunch at the Red Lion");
        assert_eq!(got["version"], 1);
        assert!(got.get("email").is_none(), "reading sends nothing: {got}");

        // A change to one field keeps the others, and the version goes up.
        let v = patch_event(&w.f1_api, id, &json!({"place": "The Red Lion, Market Square"})).await;
        assert_eq!((v["place"].as_str(), v["title"].as_str(), v["date"].as_str()), (Some("The Red Lion, Market Square"), Some("Lunch at the Red Lion"), Some("2027-07-10")));
        assert_eq!(v["details"], "Bring some cash for the meal");
        assert_eq!(v["version"], 2);
        // PUT takes a subset too: moved across the autumn clock change, the local time holds.
        let res = w.f1_api.put(&format!("/api/v1/social-events/{id}"), &json!({"date": "2027-10-31", "start_time": "1:30 pm"})).await;
        res.expect(200);
        let v = res.json();
        assert_eq!((v["date"].as_str(), v["start_time"].as_str()), (Some("2027-10-31"), Some("13:30")));
        assert_eq!(v["starts_at"], "2027-10-31T13:30:00+00:00");
        assert_eq!(v["place"], "The Red Lion, Market Square");
        assert_eq!(v["version"], 3);
        // A bad change is refused whole.
        w.f1_api.patch(&format!("/api/v1/social-events/{id}"), &json!({"duration_minutes": 5, "place": "Elsewhere"})).await.expect_invalid_fields(&["duration_minutes"]);
        w.f1_api.patch(&format!("/api/v1/social-events/{id}"), &json!({"date": "2027-02-30"})).await.expect_invalid_fields(&["date"]);
        w.f1_api.patch(&format!("/api/v1/social-events/{id}"), &json!({"status": "postponed"})).await.expect_invalid_fields(&["status"]);
        let v = event(&w.f1_api, id).await;
        assert_eq!((v["version"].as_i64(), v["place"].as_str(), v["status"].as_str()), (Some(3), Some("The Red Lion, Market Square"), Some("planned")));

        // Cancelled (once: saying it again changes nothing), then back on.
        let v = patch_event(&w.f1_api, id, &json!({"status": "cancelled"})).await;
        assert_eq!((v["status"].as_str(), v["version"].as_i64()), (Some("cancelled"), Some(4)));
        assert_eq!(v["title"], "Lunch at the Red Lion");
        let v = patch_event(&w.f1_api, id, &json!({"status": "cancelled"})).await;
        assert_eq!((v["status"].as_str(), v["version"].as_i64()), (Some("cancelled"), Some(4)));
        assert_eq!(titles(&w.f1_api, g).await.len(), 2, "a cancelled event is still listed");
        let v = patch_event(&w.f1_api, id, &json!({"status": "planned"})).await;
        assert_eq!((v["status"].as_str(), v["version"].as_i64()), (Some("planned"), Some(5)));
        // null clears an optional field.
        let v = patch_event(&w.f1_api, id, &json!({"details": null})).await;
        assert_eq!((v["details"].as_str(), v["version"].as_i64()), (Some(""), Some(6)));
        assert_eq!(v["accessibility"], "Step-free entrance at the side");

        // Replies: one per member, changed by answering again, listed by name.
        let rsvps = format!("/api/v1/social-events/{id}/rsvps");
        let res = w.f1_api.post(&rsvps, &json!({"member_id": w.member_a, "answer": "yes"})).await;
        res.expect(200);
        assert_eq!(res.json()["rsvps"], json!([{"member_id": w.member_a, "member_name": MEMBER_A, "answer": "yes"}]));
        w.f1_api.post(&rsvps, &json!({"member_id": ann, "answer": "maybe"})).await.expect(200);
        let res = w.c_api.post(&rsvps, &json!({"member_id": w.member_a, "answer": "no"})).await;
        res.expect(200);
        assert_eq!(
            res.json()["rsvps"],
            json!([
                {"member_id": ann, "member_name": "Ann Ash", "answer": "maybe"},
                {"member_id": w.member_a, "member_name": MEMBER_A, "answer": "no"},
            ])
        );
        // Wrong replies name their fields; another group's member cannot reply here.
        w.f1_api.post(&rsvps, &json!({})).await.expect_invalid_fields(&["answer", "member_id"]);
        w.f1_api.post(&rsvps, &json!({"member_id": w.member_a, "answer": "perhaps"})).await.expect_invalid_fields(&["answer"]);
        w.f1_api.post(&rsvps, &json!({"member_id": "zeb", "answer": "yes"})).await.expect_invalid_fields(&["member_id"]);
        w.c_api.post(&rsvps, &json!({"member_id": w.member_b, "answer": "yes"})).await.expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&rsvps, &json!({"member_id": 999_999, "answer": "yes"})).await.expect_invalid_fields(&["member_id"]);
        w.f1_api.post("/api/v1/social-events/999999/rsvps", &json!({"member_id": w.member_a, "answer": "yes"})).await.expect_json_error(404, "not_found");
        let v = event(&w.f1_api, id).await;
        assert_eq!(v["rsvps"].as_array().map(Vec::len), Some(2), "{v}");
        assert_eq!(v["version"], 6, "a reply is not a change to the event");
        // Replies belong to their event.
        assert_eq!(event(&w.f1_api, walk_id).await["rsvps"], json!([]));
        w.f1_api.get("/api/v1/social-events/999999").await.expect_json_error(404, "not_found");
    }
}

both_backends! {
    async fn social_events_are_checked_and_mistakes_named(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let path = format!("/api/v1/groups/{g}/social-events");
        let ok = |over: Value| {
            let mut body = json!({"title": "Cinema trip", "date": "2027-06-05", "start_time": "19:00"});
            for (k, v) in over.as_object().unwrap() {
                body[k] = v.clone();
            }
            body
        };
        let api = &w.f1_api;
        api.post(&path, &json!({})).await.expect_invalid_fields(&["title", "date", "start_time"]);
        api.post(&path, &json!({"title": "  ", "date": "", "start_time": ""})).await.expect_invalid_fields(&["title", "date", "start_time"]);
        api.post(&path, &ok(json!({"date": "2027-02-30"}))).await.expect_invalid_fields(&["date"]);
        api.post(&path, &ok(json!({"date": "next Tuesday"}))).await.expect_invalid_fields(&["date"]);
        api.post(&path, &ok(json!({"start_time": "25:00"}))).await.expect_invalid_fields(&["start_time"]);
        api.post(&path, &ok(json!({"start_time": "noon-ish"}))).await.expect_invalid_fields(&["start_time"]);
        api.post(&path, &ok(json!({"duration_minutes": 14}))).await.expect_invalid_fields(&["duration_minutes"]);
        api.post(&path, &ok(json!({"duration_minutes": 721}))).await.expect_invalid_fields(&["duration_minutes"]);
        api.post(&path, &ok(json!({"duration_minutes": "two hours"}))).await.expect_invalid_fields(&["duration_minutes"]);
        api.post(&path, &ok(json!({"title": "x".repeat(121)}))).await.expect_invalid_fields(&["title"]);
        api.post(&path, &json!({"date": "2027-02-30", "start_time": "noon-ish", "duration_minutes": 0})).await.expect_invalid_fields(&["title", "date", "start_time", "duration_minutes"]);
        // The clocks go forward at 1am on 28 March 2027 in London: 1:30 never happens.
        let v = api.post(&path, &ok(json!({"date": "2027-03-28", "start_time": "01:30"}))).await.expect_invalid_fields(&["start_time"]);
        assert!(v["error"]["fields"][0]["message"].as_str().unwrap_or_default().contains("clocks go forward"), "{v}");
        assert!(titles(api, g).await.is_empty(), "nothing was saved");

        // The edges are allowed.
        assert_eq!(new_event(api, g, &ok(json!({"duration_minutes": 15}))).await["duration_minutes"], 15);
        assert_eq!(new_event(api, g, &ok(json!({"duration_minutes": 720}))).await["duration_minutes"], 720);
        let early = new_event(api, g, &ok(json!({"title": "Early walk", "date": "2027-03-28", "start_time": "02:00"}))).await;
        assert_eq!(early["starts_at"], "2027-03-28T02:00:00+01:00");
        assert_eq!(titles(api, g).await.len(), 3);

        // The page's form: every mistake by its field, everything typed kept, nothing saved.
        let form = format!("/groups/{g}/social");
        let page = w.f1b.get(&form).await;
        page.expect(200).expect_lacks("Nothing is planned yet.").expect_contains("Early walk");
        page.expect_value("duration_minutes", "120");
        let res = w.f1b
            .post_form(&form, &[("title", ""), ("date", "2027-02-30"), ("start_time", "noon-ish"), ("duration_minutes", "5"), ("place", "The Odeon, George Street"), ("details", "Tickets £8 & popcorn"), ("accessibility", "Lift to screen 2")])
            .await;
        res.expect(422);
        res.expect_field_error("title", "Say what it is");
        res.expect_field_error("date", "Enter a real date");
        res.expect_field_error("start_time", "Enter a time like 12:30");
        res.expect_field_error("duration_minutes", "Enter a number from 15 to 720");
        res.expect_value("date", "2027-02-30");
        res.expect_value("start_time", "noon-ish");
        res.expect_value("duration_minutes", "5");
        res.expect_value("place", "The Odeon, George Street");
        res.expect_value("details", "Tickets £8 & popcorn");
        res.expect_value("accessibility", "Lift to screen 2");
        let res = w.f1b.post_form(&form, &[("title", "Night walk"), ("date", "2027-03-28"), ("start_time", "1:30 am")]).await;
        res.expect(422).expect_field_error("start_time", "clocks go forward");
        res.expect_value("title", "Night walk");
        res.expect_value("date", "2027-03-28");
        res.expect_value("start_time", "1:30 am");
        w.f1b.post_form(&form, &[("title", "Nothing said")]).await.expect(422).expect_field_error("date", "Enter the date");
        assert_eq!(titles(api, g).await.len(), 3, "nothing was saved from the form");
    }
}

// --- social events on the staff pages -----------------------------------------------------

both_backends! {
    async fn staff_plan_change_cancel_and_record_replies_on_the_pages(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let ann = add_member(&w.cb, g, &[("preferred_name", "Ann Ash")]).await;
        let b = &w.f1b;

        let id = b
            .post_form(&format!("/groups/{g}/social"), &[("title", "Recipe swap"), ("date", "2027-07-10"), ("start_time", "2:30 pm"), ("duration_minutes", "90"), ("place", "Kettle Community Hall"), ("details", "Bring a recipe card"), ("accessibility", "Step-free; hearing loop")])
            .await
            .created_id("/social/");
        let v = event(&w.f1_api, id).await;
        assert_eq!((v["start_time"].as_str(), v["duration_minutes"].as_i64(), v["version"].as_i64()), (Some("14:30"), Some(90), Some(1)));
        assert_eq!(v["starts_at"], "2027-07-10T14:30:00+01:00");
        let show = format!("/social/{id}");
        let page = b.get(&show).await;
        page.expect(200)
            .expect_contains("Recipe swap is planned.")
            .expect_contains("Saturday 10 July 2027")
            .expect_contains("Bring a recipe card")
            .expect_contains("Step-free; hearing loop")
            .expect_contains(&format!("href=\"/social/{id}/calendar.ics\""))
            .expect_lacks(MEMBER_B);
        let replies = section(&page.text, "replies");
        assert!(replies.contains("Coming (0)") && replies.contains("Not answered yet:"), "{replies}");
        assert!(replies.contains(MEMBER_A) && replies.contains("Ann Ash"), "{replies}");
        page.expect_value("title", "Recipe swap");
        page.expect_value("start_time", "14:30");
        b.get(&format!("/groups/{g}/social")).await.expect(200).expect_contains("Recipe swap").expect_contains(&format!("href=\"/social/{id}\"")).expect_lacks("Nothing is planned yet.");

        // A reply given by phone.
        b.post_form(&format!("{show}/rsvp"), &[("member_id", &w.member_a.to_string()), ("answer", "yes")]).await.expect_redirect(&format!("{show}#replies"));
        b.post_form(&format!("{show}/rsvp"), &[("member_id", &ann.to_string()), ("answer", "no")]).await.expect_redirect(&format!("{show}#replies"));
        let page = b.get(&show).await;
        page.expect(200).expect_contains("The reply is recorded.");
        let coming = replies_column(&page.text, "Coming");
        assert!(coming.contains("Coming (1)") && coming.contains(MEMBER_A) && !coming.contains("Ann Ash"), "{coming}");
        let not_coming = replies_column(&page.text, "Cannot come");
        assert!(not_coming.contains("Cannot come (1)") && not_coming.contains("Ann Ash") && !not_coming.contains(MEMBER_A), "{not_coming}");
        assert!(replies_column(&page.text, "Maybe").contains("Maybe (0)"));
        assert!(!section(&page.text, "replies").contains("Not answered yet"));
        let res = b.post_form(&format!("{show}/rsvp"), &[("member_id", &ann.to_string()), ("answer", "")]).await;
        res.expect(422).expect_field_error("answer", "Choose coming, maybe or not coming");
        b.post_form(&format!("{show}/rsvp"), &[("answer", "yes")]).await.expect(422).expect_field_error("member_id", "Choose who answered");
        b.post_form(&format!("{show}/rsvp"), &[("member_id", &w.member_b.to_string()), ("answer", "yes")]).await.expect(422);
        let v = event(&w.f1_api, id).await;
        assert_eq!(v["rsvps"], json!([
            {"member_id": ann, "member_name": "Ann Ash", "answer": "no"},
            {"member_id": w.member_a, "member_name": MEMBER_A, "answer": "yes"},
        ]));

        // Changing the details.
        let fields = |place: &'static str, duration: &'static str| vec![("title", "Recipe swap"), ("date", "2027-07-10"), ("start_time", "14:30"), ("duration_minutes", duration), ("place", place), ("details", "Bring a recipe card"), ("accessibility", "Step-free; hearing loop")];
        b.post_form(&show, &fields("The Library, Church Lane", "90")).await.expect_redirect(&show);
        let page = b.get(&show).await;
        page.expect(200).expect_contains("The changes are saved.").expect_contains("The Library, Church Lane");
        let v = event(&w.f1_api, id).await;
        assert_eq!((v["place"].as_str(), v["version"].as_i64()), (Some("The Library, Church Lane"), Some(2)));
        // A bad change comes back with the message and what was typed; nothing changes.
        let res = b.post_form(&show, &fields("The Town Hall", "1000")).await;
        res.expect(422).expect_field_error("duration_minutes", "Enter a number from 15 to 720");
        res.expect_value("place", "The Town Hall");
        res.expect_value("duration_minutes", "1000");
        res.expect_contains("<details class=\"panel\" open>");
        let v = event(&w.f1_api, id).await;
        assert_eq!((v["place"].as_str(), v["version"].as_i64()), (Some("The Library, Church Lane"), Some(2)));

        // Cancelled and back on, from the page.
        b.post_form(&format!("{show}/status"), &[("do", "cancel")]).await.expect_redirect(&show);
        let page = b.get(&show).await;
        page.expect(200).expect_contains("The event is cancelled.").expect_contains("status-cancelled").expect_contains("value=\"reinstate\"");
        let v = event(&w.f1_api, id).await;
        assert_eq!((v["status"].as_str(), v["version"].as_i64()), (Some("cancelled"), Some(3)));
        check_ics(&b.get(&format!("{show}/calendar.ics")).await, id, "Recipe swap", "CANCELLED", 3, "20270710T133000Z");
        b.get(&format!("/groups/{g}/social")).await.expect(200).expect_contains("status-cancelled");
        b.post_form(&format!("{show}/status"), &[("do", "reinstate")]).await.expect_redirect(&show);
        b.get(&show).await.expect(200).expect_contains("The event is back on.").expect_contains("value=\"cancel\"");
        let v = event(&w.f1_api, id).await;
        assert_eq!((v["status"].as_str(), v["version"].as_i64()), (Some("planned"), Some(4)));
        b.post_form(&format!("{show}/status"), &[("do", "postpone")]).await.expect(400);
        assert_eq!(event(&w.f1_api, id).await["version"], 4);

        // The staff calendar file links back to the page.
        let res = b.get(&format!("{show}/calendar.ics")).await;
        check_ics(&res, id, "Recipe swap", "CONFIRMED", 4, "20270710T133000Z");
        assert!(res.text.contains("LOCATION:The Library\\, Church Lane"), "{}", res.text);
        assert!(res.text.replace("\r\n ", "").contains(&format!("URL:{}/social/{id}", app.base)), "{}", res.text);
        b.get("/social/999999").await.expect(404);
        b.get("/social/999999/calendar.ics").await.expect(404);
    }
}

// --- members reply from their links -------------------------------------------------------

both_backends! {
    async fn members_reply_from_their_links_and_get_the_calendar_file(app: TestApp) {
        let w = World::build(&app).await;
        let ea = new_event(&w.f1_api, w.group_a, &json!({"title": "Lunch at the Red Lion", "date": "2027-07-10", "start_time": "12:30", "place": "The Red Lion", "accessibility": "Step-free entrance"})).await["id"].as_i64().unwrap();
        let eb = new_event(&w.f2_api, w.group_b, &json!({"title": "Birch picnic", "date": "2027-06-01", "start_time": "13:00"})).await["id"].as_i64().unwrap();
        let la = link(&app, &w.f1_api, w.member_a).await;
        let lb = link(&app, &w.f2_api, w.member_b).await;
        let ma = member_browser(&app, &la).await;
        let mb = member_browser(&app, &lb).await;

        // Their own group's event, nobody else's.
        let page = ma.get(&la).await;
        page.expect(200).expect_lacks("Birch picnic");
        let social = section(&page.text, "social");
        assert!(social.contains("Lunch at the Red Lion") && social.contains("Saturday 10 July 2027") && social.contains("Step-free entrance"), "{social}");
        assert!(social.contains("Can you come?"), "{social}");
        page.expect_contains(&format!("action=\"{la}/social/{ea}?_part="));
        page.expect_contains(&format!("href=\"{la}/social/{ea}/calendar.ics\""));
        let page = mb.get(&lb).await;
        page.expect(200).expect_lacks("Lunch at the Red Lion");
        assert!(section(&page.text, "social").contains("Birch picnic"));

        // A reply, then a change of mind: one reply, the latest.
        ma.post_form(&format!("{la}/social/{ea}"), &[("answer", "yes")]).await.expect_redirect(&format!("{la}#social"));
        let page = ma.get(&la).await;
        page.expect(200).expect_contains("Thank you. See you there!");
        assert!(section(&page.text, "social").contains("You said: I am coming"), "{}", section(&page.text, "social"));
        assert_eq!(event(&w.f1_api, ea).await["rsvps"], json!([{"member_id": w.member_a, "member_name": MEMBER_A, "answer": "yes"}]));
        ma.post_form(&format!("{la}/social/{ea}"), &[("answer", "maybe")]).await.expect_redirect(&format!("{la}#social"));
        assert!(section(&ma.get(&la).await.text, "social").contains("You said: maybe"));
        ma.post_form(&format!("{la}/social/{ea}"), &[("answer", "perhaps")]).await.expect(400);
        ma.post_form(&format!("{la}/social/{ea}"), &[]).await.expect(400);
        assert_eq!(event(&w.f1_api, ea).await["rsvps"], json!([{"member_id": w.member_a, "member_name": MEMBER_A, "answer": "maybe"}]));
        // Staff see it on the event's page.
        let maybe = replies_column(&w.f1b.get(&format!("/social/{ea}")).await.text, "Maybe");
        assert!(maybe.contains("Maybe (1)") && maybe.contains(MEMBER_A), "{maybe}");

        // The calendar file from the link: the event in UTC, no staff address in it.
        let res = ma.get(&format!("{la}/social/{ea}/calendar.ics")).await;
        check_ics(&res, ea, "Lunch at the Red Lion", "CONFIRMED", 1, "20270710T113000Z");
        assert!(res.text.contains("DTEND:20270710T133000Z"), "{}", res.text);
        assert!(res.text.contains("LOCATION:The Red Lion"), "{}", res.text);
        assert!(!res.text.contains("URL:"), "{}", res.text);

        // Another group's member can neither reply to it nor download it, nor the reverse.
        mb.post_form(&format!("{lb}/social/{ea}"), &[("answer", "yes")]).await.expect(404);
        mb.get(&format!("{lb}/social/{ea}/calendar.ics")).await.expect(404).expect_lacks("Lunch at the Red Lion");
        ma.post_form(&format!("{la}/social/{eb}"), &[("answer", "yes")]).await.expect(404);
        ma.get(&format!("{la}/social/{eb}/calendar.ics")).await.expect(404).expect_lacks("Birch picnic");
        assert_eq!(event(&w.f2_api, eb).await["rsvps"], json!([]));
        assert_eq!(event(&w.f1_api, ea).await["rsvps"].as_array().map(Vec::len), Some(1));
        // Events that do not exist, and links that do not work.
        ma.post_form(&format!("{la}/social/999999"), &[("answer", "yes")]).await.expect(404);
        ma.get(&format!("{la}/social/999999/calendar.ics")).await.expect(404);
        let fake = format!("/m/{}", hearth::auth::new_token());
        ma.get(&format!("{fake}/social/{ea}/calendar.ics")).await.expect(404).expect_lacks("Lunch");
        ma.post_form(&format!("{fake}/social/{ea}"), &[("answer", "no")]).await.expect(410);
        w.f1_api.send("DELETE", &format!("/api/v1/members/{}/link", w.member_a), None, &[]).await.expect(204);
        ma.post_form(&format!("{la}/social/{ea}"), &[("answer", "no")]).await.expect(410);
        ma.get(&format!("{la}/social/{ea}/calendar.ics")).await.expect(404);
        assert_eq!(event(&w.f1_api, ea).await["rsvps"][0]["answer"], "maybe");

        // Cancelled: shown as such, with nothing to answer; the file says so.
        let la = link(&app, &w.f1_api, w.member_a).await;
        let ma = member_browser(&app, &la).await;
        patch_event(&w.f1_api, ea, &json!({"status": "cancelled"})).await;
        let page = ma.get(&la).await;
        page.expect(200).expect_lacks(&format!("action=\"{la}/social/{ea}?_part="));
        let social = section(&page.text, "social");
        assert!(social.contains("Lunch at the Red Lion") && social.contains("Cancelled"), "{social}");
        ma.post_form(&format!("{la}/social/{ea}"), &[("answer", "yes")]).await.expect_redirect(&format!("{la}#social"));
        ma.get(&la).await.expect(200).expect_contains("This event has been cancelled, so there is nothing to answer.");
        assert_eq!(event(&w.f1_api, ea).await["rsvps"], json!([{"member_id": w.member_a, "member_name": MEMBER_A, "answer": "maybe"}]));
        check_ics(&ma.get(&format!("{la}/social/{ea}/calendar.ics")).await, ea, "Lunch at the Red Lion", "CANCELLED", 2, "20270710T113000Z");
        // Back on: replies are welcome again.
        patch_event(&w.f1_api, ea, &json!({"status": "planned"})).await;
        ma.get(&la).await.expect(200).expect_contains(&format!("action=\"{la}/social/{ea}?_part="));
        ma.post_form(&format!("{la}/social/{ea}"), &[("answer", "no")]).await.expect_redirect(&format!("{la}#social"));
        assert_eq!(event(&w.f1_api, ea).await["rsvps"][0]["answer"], "no");
        check_ics(&ma.get(&format!("{la}/social/{ea}/calendar.ics")).await, ea, "Lunch at the Red Lion", "CONFIRMED", 3, "20270710T113000Z");
    }
}

// --- the refreshments rota ----------------------------------------------------------------

both_backends! {
    async fn the_rota_suggests_a_fair_host_for_each_coming_meeting(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let api = &w.f1_api;
        let ann = new_member(api, g, &json!({"preferred_name": "Ann Ash"})).await;
        let bob = new_member(api, g, &json!({"preferred_name": "Bob Birch"})).await;
        let cy = new_member(api, g, &json!({"preferred_name": "Cy Cedar"})).await;
        let m1 = plan_id(api, g, &days_from_now(7)).await;
        let m2 = plan_id(api, g, &days_from_now(14)).await;
        let m3 = plan_id(api, g, &days_from_now(21)).await;

        // Nobody on the rota: nothing to suggest.
        let r = rota(api, g).await;
        assert_eq!(r["members"], json!([]));
        assert_eq!(slots(&r), [(m1, None, None), (m2, None, None), (m3, None, None)]);
        assert!(r["meetings"][0]["starts_at"].as_str().is_some_and(|s| s.parse::<jiff::Timestamp>().is_ok()), "{r}");
        w.f1b.get(&format!("/groups/{g}/rota")).await.expect(200).expect_contains("Nobody is on the rota yet.");

        // Three offer (two through the API, one through the page; saying it twice is harmless).
        set_rota(api, ann, true).await;
        set_rota(api, bob, true).await;
        set_rota(api, ann, true).await;
        w.f1b.post_form(&format!("/groups/{g}/rota"), &[("member_id", &cy.to_string()), ("on", "true")]).await.expect_redirect(&format!("/groups/{g}/rota"));
        w.f1b.get(&format!("/groups/{g}/rota")).await.expect(200).expect_contains("Cy Cedar is on the rota.");
        api.put(&format!("/api/v1/members/{ann}/rota"), &json!({"on": "perhaps"})).await.expect_invalid_fields(&["on"]);
        api.put(&format!("/api/v1/members/{ann}/rota"), &json!({})).await.expect_invalid_fields(&["on"]);
        let r = rota(api, g).await;
        assert_eq!(rota_members(&r), [(ann, "Ann Ash".into(), None, 0), (bob, "Bob Birch".into(), None, 0), (cy, "Cy Cedar".into(), None, 0)]);

        // Nobody has said they are coming: everyone takes a turn, by name, one meeting after another.
        assert_eq!(slots(&r), [(m1, None, Some(ann)), (m2, None, Some(bob)), (m3, None, Some(cy))]);

        // Replies: only those coming are suggested; "maybe" is not coming; someone coming who
        // is not on the rota is not suggested.
        meeting_rsvp(api, m1, ann, "no").await;
        meeting_rsvp(api, m1, bob, "yes").await;
        meeting_rsvp(api, m1, cy, "yes").await;
        meeting_rsvp(api, m1, w.member_a, "yes").await;
        meeting_rsvp(api, m3, ann, "yes").await;
        meeting_rsvp(api, m3, bob, "yes").await;
        meeting_rsvp(api, m3, cy, "maybe").await;
        // m1: Bob and Cy are coming, neither has hosted: Bob by name. m2: nobody on the rota
        // has answered, so all of them: Ann and Cy have not hosted, Bob is down for m1: Ann.
        // m3: Ann (down for m2) and Bob (down for m1) are coming: Bob hosted less recently.
        assert_eq!(slots(&rota(api, g).await), [(m1, None, Some(bob)), (m2, None, Some(ann)), (m3, None, Some(bob))]);
        // The next meeting's page agrees, and offers the suggestion to confirm.
        let page = w.f1b.get(&format!("/meetings/{m1}")).await;
        page.expect(200);
        let refreshments = raw_section(&page.text, "refreshments");
        assert!(html::text_of(&refreshments).contains("Suggested host: Bob Birch"), "{refreshments}");
        assert!(refreshments.contains(&format!("<option value=\"{bob}\" selected>")), "{refreshments}");
        let cards = rota_cards(&w.f1b.get(&format!("/groups/{g}/rota")).await.text);
        assert_eq!(cards.len(), 3, "{cards:?}");
        assert!(cards[0].contains("Suggested: Bob Birch") && cards[1].contains("Suggested: Ann Ash") && cards[2].contains("Suggested: Bob Birch"), "{cards:?}");

        // Confirming a host who said they cannot come: a warning, and the next fair choice
        // (Bob, coming), who then counts as hosting for the meetings after. A turn counts on
        // the rota only once the meeting has happened.
        let v = set_host(api, m1, Some(ann)).await;
        assert_eq!(v["host"], json!({"member_id": ann, "name": "Ann Ash"}));
        let r = rota(api, g).await;
        assert_eq!(slots(&r), [(m1, Some(ann), Some(bob)), (m2, None, Some(ann)), (m3, None, Some(bob))]);
        assert_eq!(r["meetings"][0]["host_cannot_come"], true);
        assert_eq!(r["meetings"][1]["host_cannot_come"], false);
        assert_eq!(rota_members(&r)[0], (ann, "Ann Ash".into(), None, 0));
        let page = w.f1b.get(&format!("/meetings/{m1}")).await;
        let refreshments = section(&page.text, "refreshments");
        assert!(refreshments.contains("Ann Ash was down to host, but has said they cannot come. The next fair choice is Bob Birch"), "{refreshments}");
        let cards = rota_cards(&w.f1b.get(&format!("/groups/{g}/rota")).await.text);
        assert!(cards[0].contains("Ann Ash has said they cannot come. The next fair choice is Bob Birch."), "{cards:?}");

        // Swapped on the meeting's page: Cy hosts m1, and the suggestions move again.
        w.f1b.post_form(&format!("/meetings/{m1}/host"), &[("member_id", &cy.to_string()), ("back", "meeting")]).await.expect_redirect(&format!("/meetings/{m1}#refreshments"));
        let page = w.f1b.get(&format!("/meetings/{m1}")).await;
        page.expect(200).expect_contains("The host is confirmed.");
        assert!(section(&page.text, "refreshments").contains("Cy Cedar is hosting the tea and coffee"), "{}", section(&page.text, "refreshments"));
        let r = rota(api, g).await;
        assert_eq!(slots(&r), [(m1, Some(cy), None), (m2, None, Some(ann)), (m3, None, Some(bob))]);
        assert_eq!(rota_members(&r), [(ann, "Ann Ash".into(), None, 0), (bob, "Bob Birch".into(), None, 0), (cy, "Cy Cedar".into(), None, 0)], "m1 has not happened yet");
        let cards = rota_cards(&w.f1b.get(&format!("/groups/{g}/rota")).await.text);
        assert!(cards[0].contains("Hosting: Cy Cedar (confirmed)") && cards[1].contains("Suggested: Ann Ash") && cards[2].contains("Suggested: Bob Birch"), "{cards:?}");

        // Confirmed from the rota page (someone other than the suggestion): m3 moves to Ann.
        w.f1b.post_form(&format!("/meetings/{m2}/host"), &[("member_id", &bob.to_string())]).await.expect_redirect(&format!("/groups/{g}/rota"));
        assert_eq!(slots(&rota(api, g).await), [(m1, Some(cy), None), (m2, Some(bob), None), (m3, None, Some(ann))]);

        // Cleared: m1 has a suggestion again (Bob and Cy coming, neither hosted before it).
        let v = set_host(api, m1, None).await;
        assert_eq!(v["host"], Value::Null);
        assert_eq!(slots(&rota(api, g).await), [(m1, None, Some(bob)), (m2, Some(bob), None), (m3, None, Some(ann))]);
        w.f1b.post_form(&format!("/meetings/{m1}/host"), &[("member_id", &cy.to_string())]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{m1}/host"), &[("member_id", "")]).await.expect_redirect(&format!("/groups/{g}/rota"));
        assert_eq!(slots(&rota(api, g).await)[0], (m1, None, Some(bob)));

        // Only a member of the meeting's group can host.
        api.put(&format!("/api/v1/meetings/{m1}/host"), &json!({"member_id": w.member_b})).await.expect_invalid_fields(&["member_id"]);
        w.c_api.put(&format!("/api/v1/meetings/{m1}/host"), &json!({"member_id": w.member_b})).await.expect_invalid_fields(&["member_id"]);
        api.put(&format!("/api/v1/meetings/{m1}/host"), &json!({"member_id": "bob"})).await.expect_invalid_fields(&["member_id"]);
        api.put(&format!("/api/v1/meetings/{m1}/host"), &json!({"member_id": 999_999})).await.expect_invalid_fields(&["member_id"]);
        w.f1b.post_form(&format!("/meetings/{m1}/host"), &[("member_id", &w.member_b.to_string())]).await.expect(400);
        api.put("/api/v1/meetings/999999/host", &json!({"member_id": ann})).await.expect_json_error(404, "not_found");
        assert_eq!(slots(&rota(api, g).await)[0], (m1, None, Some(bob)));

        // Off the rota (from the page): no longer suggested. m1 now has Bob coming only.
        w.f1b.post_form(&format!("/groups/{g}/rota"), &[("member_id", &cy.to_string()), ("on", "false")]).await.expect_redirect(&format!("/groups/{g}/rota"));
        w.f1b.get(&format!("/groups/{g}/rota")).await.expect(200).expect_contains("Cy Cedar is off the rota.");
        let r = rota(api, g).await;
        assert_eq!(rota_members(&r).iter().map(|m| m.0).collect::<Vec<_>>(), [ann, bob]);
        assert_eq!(slots(&r), [(m1, None, Some(bob)), (m2, Some(bob), None), (m3, None, Some(ann))]);
        w.f1b.post_form(&format!("/groups/{g}/rota"), &[("member_id", &w.member_b.to_string()), ("on", "true")]).await.expect(404);
        w.cb.post_form(&format!("/groups/{g}/rota"), &[("member_id", &w.member_b.to_string()), ("on", "true")]).await.expect(404);

        // A cancelled meeting leaves the list, and hosting it does not count.
        w.f1b.post_form(&format!("/meetings/{m2}/cancel"), &[("cancel_reason", "The hall is closed")]).await.expect(303);
        let r = rota(api, g).await;
        assert_eq!(slots(&r), [(m1, None, Some(bob)), (m3, None, Some(ann))]);
        assert_eq!(rota_members(&r)[1], (bob, "Bob Birch".into(), None, 0));

        // The next four planned meetings only.
        let m4 = plan_id(api, g, &days_from_now(28)).await;
        let m5 = plan_id(api, g, &days_from_now(35)).await;
        plan_id(api, g, &days_from_now(42)).await;
        let ids: Vec<i64> = slots(&rota(api, g).await).iter().map(|s| s.0).collect();
        assert_eq!(ids, [m1, m3, m4, m5]);
    }
}

both_backends! {
    async fn between_two_who_hosted_at_the_same_time_the_one_with_fewer_turns_is_suggested(app: TestApp) {
        // Two meetings at the same time (allowed: two rooms, say): Ann hosted one and an earlier
        // one too, Bob the other. They last hosted at the same moment; Bob has had fewer turns,
        // so he is suggested although Ann comes first by name.
        let w = World::build(&app).await;
        let g = w.group_a;
        let api = &w.f1_api;
        let ann = new_member(api, g, &json!({"preferred_name": "Ann Ash"})).await;
        let bob = new_member(api, g, &json!({"preferred_name": "Bob Birch"})).await;
        set_rota(api, ann, true).await;
        set_rota(api, bob, true).await;
        // Past meetings: only meetings that have happened count as turns.
        let x0 = plan_id(api, g, &days_from_now(-10)).await;
        let x1 = plan_id(api, g, &days_from_now(-7)).await;
        let x2 = plan_id(api, g, &days_from_now(-7)).await;
        let next = plan_id(api, g, &days_from_now(14)).await;
        set_host(api, x0, Some(ann)).await;
        set_host(api, x1, Some(ann)).await;
        set_host(api, x2, Some(bob)).await;
        let r = rota(api, g).await;
        let t = starts_at(api, x1).await;
        assert_eq!(rota_members(&r), [(ann, "Ann Ash".into(), Some(t), 2), (bob, "Bob Birch".into(), Some(t), 1)]);
        assert_eq!(slots(&r), [(next, None, Some(bob))]);
        let page = w.f1b.get(&format!("/meetings/{next}")).await;
        assert!(section(&page.text, "refreshments").contains("Suggested host: Bob Birch"), "{}", section(&page.text, "refreshments"));
    }
}

both_backends! {
    async fn members_offer_to_host_from_their_links_and_are_told_when_it_is_their_turn(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let la = link(&app, &w.f1_api, w.member_a).await;
        let ma = member_browser(&app, &la).await;
        let m1 = plan_id(&w.f1_api, g, &days_from_now(10)).await;

        let page = ma.get(&la).await;
        page.expect(200);
        let text = section(&page.text, "rota");
        assert!(text.contains("Yes, put me on the rota") && !text.contains("You are hosting"), "{text}");
        page.expect_contains(&format!("action=\"{la}/rota?_part="));

        ma.post_form(&format!("{la}/rota"), &[("on", "true")]).await.expect_redirect(&format!("{la}#rota"));
        let page = ma.get(&la).await;
        page.expect(200).expect_contains("You are on the refreshments rota.");
        let text = section(&page.text, "rota");
        assert!(text.contains("You are on the rota") && text.contains("Take me off the rota"), "{text}");
        let r = rota(&w.f1_api, g).await;
        assert_eq!(rota_members(&r), [(w.member_a, MEMBER_A.to_string(), None, 0)]);
        assert_eq!(slots(&r), [(m1, None, Some(w.member_a))]);
        let staff = w.f1b.get(&format!("/groups/{g}/rota")).await;
        staff.expect(200);
        assert!(section(&staff.text, "rota-title").contains(MEMBER_A), "the staff page lists them");
        assert!(rota_cards(&staff.text)[0].contains(&format!("Suggested: {MEMBER_A}")));

        // Confirmed: their page says they are hosting; the staff flash says to ring them.
        w.f1b.post_form(&format!("/meetings/{m1}/host"), &[("member_id", &w.member_a.to_string())]).await.expect_redirect(&format!("/groups/{g}/rota"));
        w.f1b.get(&format!("/groups/{g}/rota")).await.expect(200).expect_contains("They do not use email: remind them by phone");
        let text = section(&ma.get(&la).await.text, "rota");
        assert!(text.contains("You are hosting the refreshments at the next meeting"), "{text}");

        // A member of the other group offers for their own group only.
        let lb = link(&app, &w.f2_api, w.member_b).await;
        let mb = member_browser(&app, &lb).await;
        assert!(!section(&mb.get(&lb).await.text, "rota").contains("You are hosting"));
        mb.post_form(&format!("{lb}/rota"), &[("on", "true")]).await.expect_redirect(&format!("{lb}#rota"));
        assert_eq!(rota_members(&rota(&w.f2_api, w.group_b).await), [(w.member_b, MEMBER_B.to_string(), None, 0)]);
        assert_eq!(rota_members(&rota(&w.f1_api, g).await).len(), 1);

        // Off again, from the link.
        ma.post_form(&format!("{la}/rota"), &[("on", "false")]).await.expect_redirect(&format!("{la}#rota"));
        let page = ma.get(&la).await;
        page.expect(200).expect_contains("You are off the refreshments rota.");
        assert!(section(&page.text, "rota").contains("Yes, put me on the rota"));
        assert_eq!(rota(&w.f1_api, g).await["members"], json!([]));

        // A link that does not work changes nothing.
        let fake = format!("/m/{}", hearth::auth::new_token());
        ma.post_form(&format!("{fake}/rota"), &[("on", "true")]).await.expect(410);
        assert_eq!(rota(&w.f1_api, g).await["members"], json!([]));
    }
}

// --- the call list ------------------------------------------------------------------------

both_backends! {
    async fn the_call_list_says_to_remind_hosts_and_ask_about_polls_when_email_will_not(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let api = &w.f1_api;
        let ella = add_member(&w.cb, g, &[("preferred_name", "Ella Email"), ("email", "ella@example.org"), ("preferred_contact", "email"), ("phone", "07700 900601")]).await;
        let paul = add_member(&w.cb, g, &[("preferred_name", "Paul Phone"), ("email", "paul@example.org"), ("preferred_contact", "phone"), ("phone", "07700 900603")]).await;
        let m1 = plan_id(api, g, &days_from_now(7)).await;
        let m2 = plan_id(api, g, &days_from_now(14)).await;
        for m in [w.member_a, ella, paul] {
            meeting_rsvp(api, m1, m, "yes").await;
        }

        // Nobody hosting and no poll: no such reasons.
        let zeb = call_entry(&w.f1b, m1, MEMBER_A).await.expect("no email: on the list");
        assert!(zeb.contains("No email address") && !zeb.contains(HOSTING) && !zeb.contains(NO_POLL_ANSWER), "{zeb}");
        assert!(call_entry(&w.f1b, m1, "Ella Email").await.is_none());

        // A host without email needs a reminder by phone; one who uses email does not.
        let v = set_host(api, m1, Some(w.member_a)).await;
        assert_eq!(v["email"], Value::Null, "nothing to send: {v}");
        let zeb = call_entry(&w.f1b, m1, MEMBER_A).await.expect("on the list");
        assert!(zeb.contains(HOSTING), "{zeb}");
        w.f1b.post_form(&format!("/meetings/{m2}/host"), &[("member_id", &ella.to_string()), ("back", "meeting")]).await.expect_redirect(&format!("/meetings/{m2}#refreshments"));
        // Email is not set up here, so even Ella, who uses email, is reminded by phone (she was
        // told to be, and was missing from the list before).
        let e = call_entry(&w.f1b, m2, "Ella Email").await.expect("Ella has not answered for m2");
        assert!(e.contains("Has not said whether they are coming") && e.contains(HOSTING), "{e}");
        let zeb2 = call_entry(&w.f1b, m2, MEMBER_A).await.expect("on the list");
        assert!(!zeb2.contains(HOSTING), "hosting m1, not m2: {zeb2}");

        // An open poll: those email does not reach and who have not answered need a call.
        let res = api.post(&format!("/api/v1/groups/{g}/polls"), &json!({"options": [
            {"date": days_from_now(40), "start_time": "19:00"},
            {"date": days_from_now(47), "start_time": "19:00"},
        ]})).await;
        res.expect(201);
        let poll = res.json();
        let poll_id = poll["id"].as_i64().unwrap();
        let options: Vec<i64> = poll["options"].as_array().unwrap().iter().map(|o| o["option"]["id"].as_i64().expect("option id")).collect();
        assert_eq!(options.len(), 2, "{poll}");
        let zeb = call_entry(&w.f1b, m1, MEMBER_A).await.expect("on the list");
        assert!(zeb.contains(HOSTING) && zeb.contains(NO_POLL_ANSWER), "{zeb}");
        let p = call_entry(&w.f1b, m1, "Paul Phone").await.expect("prefers phone");
        assert!(p.contains(NO_POLL_ANSWER) && !p.contains(HOSTING), "{p}");
        let e = call_entry(&w.f1b, m1, "Ella Email").await.expect("email is not set up: Ella is rung about the poll");
        assert!(e.contains(NO_POLL_ANSWER), "{e}");

        // Once answered, that reason goes; the others stay.
        let mut answers = serde_json::Map::new();
        answers.insert(options[0].to_string(), json!("yes"));
        answers.insert(options[1].to_string(), json!("no"));
        api.post(&format!("/api/v1/polls/{poll_id}/answers"), &json!({"member_id": w.member_a, "answers": answers, "comment": ""})).await.expect(200);
        let zeb = call_entry(&w.f1b, m1, MEMBER_A).await.expect("still hosting");
        assert!(zeb.contains(HOSTING) && !zeb.contains(NO_POLL_ANSWER), "{zeb}");
        assert!(call_entry(&w.f1b, m1, "Paul Phone").await.expect("on the list").contains(NO_POLL_ANSWER));

        // Swapped to Ella: the reminder call moves to her (email is not set up).
        set_host(api, m1, Some(ella)).await;
        let zeb = call_entry(&w.f1b, m1, MEMBER_A).await.expect("no email");
        assert!(!zeb.contains(HOSTING), "{zeb}");
        assert!(call_entry(&w.f1b, m1, "Ella Email").await.expect("hosting").contains(HOSTING));

        // With email set up, email reaches Ella: no call to remind her or about the poll.
        let inst = app.instance_with(hearth::Config { smtp_url: Some("smtp://127.0.0.1:9".into()), ..Default::default() }).await;
        let fern = Browser::new(&inst.base);
        fern.sign_in("fern@example.org", PASSWORD).await.expect(303);
        assert!(call_entry(&fern, m1, "Ella Email").await.is_none(), "email reaches Ella");
        fern.get(&format!("/meetings/{m1}/call-list")).await.expect(200).expect_lacks(HOSTING);
        inst.stop().await;
    }
}

// --- who may see and change what ----------------------------------------------------------

both_backends! {
    async fn another_groups_facilitator_cannot_see_or_change_events_rota_or_hosts(app: TestApp) {
        let w = World::build(&app).await;
        let (a, b) = (w.group_a, w.group_b);
        let ea = new_event(&w.f1_api, a, &json!({"title": "Alder lunch", "date": "2027-07-10", "start_time": "12:30"})).await["id"].as_i64().unwrap();
        let eb = new_event(&w.f2_api, b, &json!({"title": "Birch picnic", "date": "2027-06-01", "start_time": "13:00"})).await["id"].as_i64().unwrap();
        let ma = plan_id(&w.f1_api, a, &days_from_now(7)).await;
        let mb = plan_id(&w.f2_api, b, &days_from_now(7)).await;
        set_rota(&w.f1_api, w.member_a, true).await;

        // The API: 404 for everything of group A.
        // Each request carries the fields its route takes (the document's list; any other field
        // is refused by name before anything is looked up, which tells nothing about group A).
        let all = json!({"title": "Hijacked", "date": "2027-07-11", "start_time": "10:00", "status": "cancelled", "member_id": w.member_a, "answer": "no", "on": false});
        for (method, route, path) in [
            ("GET", "/groups/{id}/social-events", format!("/api/v1/groups/{a}/social-events")),
            ("POST", "/groups/{id}/social-events", format!("/api/v1/groups/{a}/social-events")),
            ("GET", "/social-events/{id}", format!("/api/v1/social-events/{ea}")),
            ("PUT", "/social-events/{id}", format!("/api/v1/social-events/{ea}")),
            ("PATCH", "/social-events/{id}", format!("/api/v1/social-events/{ea}")),
            ("POST", "/social-events/{id}/rsvps", format!("/api/v1/social-events/{ea}/rsvps")),
            ("GET", "/groups/{id}/rota", format!("/api/v1/groups/{a}/rota")),
            ("PUT", "/members/{id}/rota", format!("/api/v1/members/{}/rota", w.member_a)),
            ("PUT", "/meetings/{id}/host", format!("/api/v1/meetings/{ma}/host")),
        ] {
            let takes = hearth::api::schema::body_fields(method, route);
            let body: serde_json::Map<String, serde_json::Value> = all
                .as_object()
                .expect("object")
                .iter()
                .filter(|(k, _)| takes.is_some_and(|t| t.contains(*k)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let body = serde_json::Value::Object(body);
            if method != "GET" {
                let refused = w.f2_api.json(method, &path, &json!({"hijack": true})).await;
                refused.expect_json_error(422, "invalid_input");
                refused.expect_lacks("Alder lunch").expect_lacks(MEMBER_A);
            }
            let res = if method == "GET" { w.f2_api.get(&path).await } else { w.f2_api.json(method, &path, &body).await };
            res.expect_json_error(404, "not_found");
            res.expect_lacks("Alder lunch").expect_lacks(MEMBER_A);
            app.api_anonymous().json(method, &path, &body).await.expect_json_error(401, "unauthorized");
        }
        // And the reverse.
        w.f1_api.get(&format!("/api/v1/social-events/{eb}")).await.expect_json_error(404, "not_found");
        w.f1_api.get(&format!("/api/v1/groups/{b}/rota")).await.expect_json_error(404, "not_found");
        w.f1_api.put(&format!("/api/v1/meetings/{mb}/host"), &json!({"member_id": w.member_a})).await.expect_json_error(404, "not_found");
        w.f1_api.put(&format!("/api/v1/members/{}/rota", w.member_b), &json!({"on": true})).await.expect_json_error(404, "not_found");

        // The pages: 404, with nothing of group A in them.
        let m = w.member_a.to_string();
        let form = [("title", "Hijacked"), ("date", "2027-07-11"), ("start_time", "10:00"), ("do", "cancel"), ("member_id", m.as_str()), ("answer", "no"), ("on", "false")];
        for path in [format!("/groups/{a}/social"), format!("/social/{ea}"), format!("/social/{ea}/calendar.ics"), format!("/groups/{a}/rota")] {
            w.f2b.get(&path).await.expect(404).expect_lacks("Alder lunch").expect_lacks(MEMBER_A);
            app.browser().get(&path).await.expect_signin_redirect();
        }
        for path in [format!("/groups/{a}/social"), format!("/social/{ea}"), format!("/social/{ea}/status"), format!("/social/{ea}/rsvp"), format!("/groups/{a}/rota"), format!("/meetings/{ma}/host")] {
            w.f2b.post_form(&path, &form).await.expect(404).expect_lacks("Alder lunch").expect_lacks(MEMBER_A);
        }
        w.f1b.get(&format!("/social/{eb}")).await.expect(404).expect_lacks("Birch picnic");
        w.f1b.get(&format!("/groups/{b}/rota")).await.expect(404);

        // Nothing changed.
        let v = event(&w.f1_api, ea).await;
        assert_eq!((v["title"].as_str(), v["status"].as_str(), v["version"].as_i64()), (Some("Alder lunch"), Some("planned"), Some(1)));
        assert_eq!(v["rsvps"], json!([]));
        assert_eq!(titles(&w.f1_api, a).await, ["Alder lunch"]);
        let r = rota(&w.f1_api, a).await;
        assert_eq!(rota_members(&r).len(), 1);
        assert_eq!(slots(&r), [(ma, None, Some(w.member_a))]);
        assert_eq!(rota(&w.f2_api, b).await["members"], json!([]));

        // The coordinator sees both groups.
        event(&w.c_api, ea).await;
        event(&w.c_api, eb).await;
        w.cb.get(&format!("/social/{ea}")).await.expect(200).expect_contains("Alder lunch");
        w.cb.get(&format!("/groups/{b}/rota")).await.expect(200);
    }
}

both_backends! {
    /// A member's link reaches their group's events and polls (to answer them), and so holds a
    /// capability for each; changing an event or closing a poll through it is refused by the
    /// store itself, whatever a handler might do.
    async fn a_members_link_cannot_change_an_event_or_close_a_poll(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let lunch = new_event(&w.f1_api, g, &json!({
            "title": "Lunch", "date": "2027-07-10", "start_time": "12:30",
        }))
        .await;
        let poll = w
            .f1_api
            .post(&format!("/api/v1/groups/{g}/polls"), &json!({"options": [{"date": "2027-03-02", "start_time": "19:00"}]}))
            .await;
        poll.expect(201);
        let poll = poll.json();
        let path = crate::meetings::issue_link(&app, &w.f1b, w.member_a).await;
        let link = app
            .store
            .member_by_link(&hearth::auth::hash_token(path.trim_start_matches("/m/")))
            .await
            .expect("link")
            .expect("a working link");

        let event = app.store.social_event_for_link(&link, hearth::domain::ids::EventId(lunch["id"].as_i64().unwrap())).await.expect("the link reaches the event");
        let (input, starts_at) = hearth::domain::social::SocialInput::parse(
            &hearth::domain::RawInput::from_pairs(vec![
                ("title".into(), "Taken over".into()),
                ("date".into(), "2027-07-10".into()),
                ("start_time".into(), "12:30".into()),
            ]),
            "Europe/London",
        )
        .expect("input");
        assert!(matches!(app.store.update_social_event(&event, &input, starts_at).await, Err(hearth::store::StoreError::Forbidden)));
        assert!(matches!(
            app.store.set_social_status(&event, hearth::domain::social::SocialStatus::Cancelled).await,
            Err(hearth::store::StoreError::Forbidden)
        ));
        let poll_access = app.store.poll_for_link(&link, hearth::domain::ids::PollId(poll["id"].as_i64().unwrap())).await.expect("the link reaches the poll");
        let option = poll["options"][0]["option"]["id"].as_i64().expect("option id");
        assert!(matches!(app.store.close_poll(&poll_access, option).await, Err(hearth::store::StoreError::Forbidden)));

        // Nothing changed.
        assert_eq!(event_title(&w.f1_api, lunch["id"].as_i64().unwrap()).await, "Lunch");
        let poll = w.f1_api.get(&format!("/api/v1/polls/{}", poll["id"])).await.json();
        assert_eq!(poll["status"], "open", "{poll}");
    }
}

async fn event_title(api: &Api, id: i64) -> String {
    event(api, id).await["title"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

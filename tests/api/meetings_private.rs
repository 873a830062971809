//! What is private about meetings: reflections and concerns (the group's facilitators and the
//! coordinators only, every look at a concern audited, never on a member's personal link), the
//! "I need some help" call, and a permission matrix over every meeting route, page and API.

use hearth::domain::access::Staff;
use hearth::domain::ids::{GroupId, MemberId};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{get_json, issue_link, meeting, plan_id};

const REFLECTION: &str = "Reflection-secret: the room felt tense";
const CONCERN: &str = "Concern-secret: spoke of not coping at all";
const CONCERN_DONE: &str = "Rang the crisis line together";
const CONCERN_TOLD: &str = "Their GP, Dr Patel";

/// A form's address, its fields, and the message that must be shown.
type FormCase<'a> = (String, Vec<(&'a str, String)>, &'a str);

/// How many times each actor has viewed the concern, from its audit trail.
/// How many responses showed the group's concerns to `actor` (one audit event each).
async fn views(app: &TestApp, group: i64, actor: &Staff) -> usize {
    app.store
        .audit_for(&format!("group:{group}"), 1000)
        .await
        .expect("audit")
        .iter()
        .filter(|e| {
            e.action.split("; ").any(|a| a == "viewed concerns") && e.actor == actor.actor()
        })
        .count()
}

both_backends! {
    async fn reflections_are_for_the_groups_facilitators_and_coordinators(app: TestApp) {
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2026-01-06").await;
        let page = format!("/meetings/{id}/reflection");
        let api = format!("/api/v1/meetings/{id}/reflections");

        // Without a feeling, nothing is saved.
        let res = w.f1b.post_form(&page, &[("went_well", REFLECTION)]).await;
        res.expect(422).expect_field_error("feeling", "Choose how you feel about the group.").expect_value("went_well", REFLECTION);
        w.f1_api.put(&api, &json!({"went_well": "x", "feeling": "meh"})).await.expect_invalid_fields(&["feeling"]);
        w.f1_api.put(&api, &json!({"went_well": "x".repeat(4001), "feeling": "fine"})).await.expect_invalid_fields(&["went_well"]);
        assert_eq!(get_json(&w.f1_api, &api).await["reflections"], json!([]));

        w.f1b
            .post_form(&page, &[("went_well", "Good turnout"), ("went_less_well", REFLECTION), ("ideas", "Open a window"), ("feeling", "fine")])
            .await
            .expect_redirect(&format!("/meetings/{id}"));
        w.f1b.get(&page).await.expect(200).expect_value("went_less_well", REFLECTION).expect_value("feeling", "fine");

        // The coordinator reads it (and can write their own); the API says the same.
        w.cb.get(&page).await.expect(200).expect_contains("Fern Facilitator's reflection").expect_contains(REFLECTION);
        let listed = get_json(&w.c_api, &api).await;
        assert!(listed["reflections"].as_array().expect("reflections").iter().any(|r| r["went_less_well"] == REFLECTION && r["feeling"] == "fine" && r["account_id"] == w.f1.id));
        let res = w.c_api.put(&api, &json!({"went_well": "Fern did well", "feeling": "great"})).await;
        res.expect(200);
        assert_eq!(res.json()["reflections"].as_array().map(Vec::len), Some(2));
        // Saving again replaces one's own.
        w.f1_api.put(&api, &json!({"went_less_well": REFLECTION, "feeling": "hard"})).await.expect(200);
        assert_eq!(get_json(&w.f1_api, &api).await["reflections"].as_array().map(Vec::len), Some(2));
        w.f1b.get(&page).await.expect_contains("Cora Coordinator").expect_contains("Fern did well");

        // The other group's facilitator, and anonymous visitors, get nothing.
        for res in [w.f2b.get(&page).await, w.f2b.post_form(&page, &[("went_well", "Gus was here"), ("feeling", "fine")]).await] {
            res.expect(404).expect_lacks(REFLECTION).expect_lacks(GROUP_A);
        }
        for res in [w.f2_api.get(&api).await, w.f2_api.put(&api, &json!({"went_well": "Gus was here", "feeling": "fine"})).await] {
            res.expect_json_error(404, "not_found");
            assert!(!res.text.contains(REFLECTION));
        }
        let anon = app.browser();
        anon.get(&page).await.expect_signin_redirect();
        anon.post_form(&page, &[("feeling", "fine")]).await.expect_signin_redirect();
        app.api_anonymous().get(&api).await.expect_json_error(401, "unauthorized");
        let all = get_json(&w.c_api, &api).await;
        assert_eq!(all["reflections"].as_array().map(Vec::len), Some(2), "{all}");
        assert!(!all.to_string().contains("Gus was here"));

        // The next meeting's preparation page shows the reflection to the group's facilitator.
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[("confirm", "yes")]).await.expect(303);
        let next = plan_id(&w.f1_api, w.group_a, "2027-02-02").await;
        w.f1b.get(&format!("/meetings/{next}")).await.expect(200).expect_contains(REFLECTION);
        w.f2b.get(&format!("/meetings/{next}")).await.expect(404).expect_lacks(REFLECTION);
    }
}

both_backends! {
    async fn i_need_some_help_reaches_the_coordinators_until_answered(app: TestApp) {
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2027-01-05").await;
        w.cb.get("/").await.expect(200).expect_lacks("Facilitators who asked for help");
        w.f1b
            .post_form(&format!("/meetings/{id}/reflection"), &[("went_less_well", "Nobody talked"), ("feeling", "need_help")])
            .await
            .expect_redirect(&format!("/meetings/{id}"));
        let home = w.cb.get("/").await;
        home.expect(200).expect_contains("Facilitators who asked for help").expect_contains("Fern Facilitator").expect_contains("Nobody talked");
        w.f1b.get("/").await.expect(200).expect_lacks("Facilitators who asked for help");
        w.f2b.get("/").await.expect(200).expect_lacks("Nobody talked");
        let rid = get_json(&w.c_api, &format!("/api/v1/meetings/{id}/reflections")).await["reflections"][0]["id"].as_i64().expect("reflection id");
        home.expect_contains(&format!("action=\"/help/{rid}/answered\""));

        // Facilitators cannot mark it answered; anonymous visitors are sent to sign in.
        w.f1b.post_form(&format!("/help/{rid}/answered"), &[]).await.expect(403);
        w.f2b.post_form(&format!("/help/{rid}/answered"), &[]).await.expect(403);
        app.browser().post_form(&format!("/help/{rid}/answered"), &[]).await.expect_signin_redirect();
        w.cb.get("/").await.expect_contains("Nobody talked");

        w.cb.post_form(&format!("/help/{rid}/answered"), &[]).await.expect_redirect("/");
        w.cb.get("/").await.expect_lacks("Facilitators who asked for help");
        w.cb.post_form(&format!("/help/{rid}/answered"), &[]).await.expect(404);
        w.cb.post_form("/help/999999/answered", &[]).await.expect(404);
        let r = &get_json(&w.c_api, &format!("/api/v1/meetings/{id}/reflections")).await["reflections"][0];
        assert!(r["help_answered_at"].as_i64().is_some(), "{r}");

        // Asking again brings it back.
        w.f1_api.put(&format!("/api/v1/meetings/{id}/reflections"), &json!({"went_less_well": "Still hard", "feeling": "need_help"})).await.expect(200);
        w.cb.get("/").await.expect_contains("Facilitators who asked for help").expect_contains("Still hard");
        // Feeling better takes it away.
        w.f1_api.put(&format!("/api/v1/meetings/{id}/reflections"), &json!({"feeling": "fine"})).await.expect(200);
        w.cb.get("/").await.expect_lacks("Facilitators who asked for help");
    }
}

both_backends! {
    async fn concerns_are_private_and_every_look_is_recorded(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let id = plan_id(&w.f1_api, g, "2027-01-05").await;
        let meeting_page = format!("/meetings/{id}/concerns");
        let group_page = format!("/groups/{g}/concerns");
        let api = format!("/api/v1/groups/{g}/concerns");

        // Bad input: nothing recorded.
        let res = w.f1b.post_form(&meeting_page, &[("member_id", ""), ("about", ""), ("concern", "")]).await;
        res.expect(422)
            .expect_field_error("member_id", "Choose who the concern is about, or write their name.")
            .expect_field_error("concern", "Describe the concern.");
        let res = w.f1b.post_form(&group_page, &[("member_id", "someone"), ("concern", "x")]).await;
        res.expect(422).expect_field_error("member_id", "Choose a member from the list.");
        w.f1_api.post(&api, &json!({})).await.expect_invalid_fields(&["member_id", "concern"]);
        w.c_api.post(&api, &json!({"member_id": w.member_b, "concern": "x"})).await.expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&api, &json!({"about": "Someone", "concern": "x", "meeting_id": "soon"})).await.expect_invalid_fields(&["meeting_id"]);
        let theirs = plan_id(&w.f2_api, w.group_b, "2027-01-06").await;
        w.c_api.post(&api, &json!({"about": "Someone", "concern": "x", "meeting_id": theirs})).await.expect_invalid_fields(&["meeting_id"]);
        assert_eq!(app.store.concern_count(&app.store.group(&w.c, GroupId(g)).await.expect("group")).await.expect("count"), 0);

        // Fern records a concern about Zebedee at the meeting.
        w.f1b
            .post_form(&meeting_page, &[("member_id", &w.member_a.to_string()), ("concern", CONCERN), ("action_taken", CONCERN_DONE), ("who_told", CONCERN_TOLD)])
            .await
            .expect_redirect(&meeting_page);
        // And one through the API about someone not on the list.
        let res = w.f1_api.post(&api, &json!({"about": "Zeb's carer", "concern": "Seemed exhausted", "meeting_id": id})).await;
        res.expect(201);
        let second = res.json()["id"].as_i64().expect("id");
        let listed = get_json(&w.f1_api, &api).await;
        let concerns = listed["concerns"].as_array().expect("concerns");
        assert_eq!(concerns.len(), 2, "{listed}");
        assert!(concerns.iter().any(|c| c["id"].as_i64() == Some(second)), "{listed}");
        let first = concerns.iter().find(|c| c["concern"] == CONCERN).expect("the concern");
        assert_eq!((first["member_id"].as_i64(), first["about"].as_str(), first["action_taken"].as_str(), first["who_told"].as_str(), first["meeting_id"].as_i64()), (Some(w.member_a), Some(MEMBER_A), Some(CONCERN_DONE), Some(CONCERN_TOLD), Some(id)));
        let cid = first["id"].as_i64().expect("id");
        let audit = app.store.audit_for(&format!("concern:{cid}"), 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action == "recorded" && e.actor == w.f1.actor()), "{audit:?}");

        // Every view, on any page or through the API, by anyone allowed, is recorded.
        let before = (views(&app, g, &w.f1).await, views(&app, g, &w.c).await);
        w.f1b.get(&meeting_page).await.expect(200).expect_contains(CONCERN).expect_contains(CONCERN_DONE).expect_contains(CONCERN_TOLD);
        w.f1b.get(&group_page).await.expect(200).expect_contains(CONCERN);
        w.cb.get(&group_page).await.expect(200).expect_contains(CONCERN).expect_contains("Fern Facilitator");
        assert!(get_json(&w.c_api, &api).await.to_string().contains(CONCERN));
        assert_eq!(views(&app, g, &w.f1).await, before.0 + 2);
        assert_eq!(views(&app, g, &w.c).await, before.1 + 2);
        assert!(views(&app, g, &w.c).await >= 2);
        let audit = app.store.audit_for(&format!("group:{g}"), 10).await.expect("audit");
        assert_eq!((audit[0].action.as_str(), audit[0].actor.as_str()), ("viewed concerns", w.c.actor().as_str()), "the latest look is first: {audit:?}");
        let naming = app.store.audit_naming(MemberId(w.member_a), 10).await.expect("audit");
        assert_eq!(naming[0].id, audit[0].id, "the look names the member the concern is about");

        // The other group's facilitator and anonymous visitors: nothing, and nothing recorded.
        let f2_before = views(&app, g, &w.f2).await;
        for res in [
            w.f2b.get(&meeting_page).await,
            w.f2b.get(&group_page).await,
            w.f2b.post_form(&meeting_page, &[("about", "Someone"), ("concern", "Gus's note")]).await,
            w.f2b.post_form(&group_page, &[("about", "Someone"), ("concern", "Gus's note")]).await,
        ] {
            res.expect(404).expect_lacks(CONCERN).expect_lacks(MEMBER_A).expect_lacks(GROUP_A);
        }
        for res in [w.f2_api.get(&api).await, w.f2_api.post(&api, &json!({"about": "Someone", "concern": "Gus's note"})).await] {
            res.expect_json_error(404, "not_found");
            assert!(!res.text.contains(CONCERN));
        }
        let anon = app.browser();
        anon.get(&meeting_page).await.expect_signin_redirect();
        anon.get(&group_page).await.expect_signin_redirect();
        anon.post_form(&group_page, &[("about", "Someone"), ("concern", "x")]).await.expect_signin_redirect();
        app.api_anonymous().get(&api).await.expect_json_error(401, "unauthorized");
        app.api_anonymous().post(&api, &json!({"about": "Someone", "concern": "x"})).await.expect_json_error(401, "unauthorized");
        assert_eq!(views(&app, g, &w.f2).await, f2_before);
        assert_eq!(app.store.concern_count(&app.store.group(&w.c, GroupId(g)).await.expect("group")).await.expect("count"), 2);
        assert!(!get_json(&w.c_api, &api).await.to_string().contains("Gus's note"));
        // Group B's concerns page does not show group A's.
        w.f2b.get(&format!("/groups/{}/concerns", w.group_b)).await.expect(200).expect_lacks(CONCERN);

        // Pages that are not the concerns pages do not show them (and record nothing).
        let c_before = views(&app, g, &w.c).await;
        for path in [format!("/meetings/{id}"), format!("/meetings/{id}/notes"), format!("/meetings/{id}/run"), format!("/members/{}", w.member_a), format!("/groups/{g}")] {
            w.cb.get(&path).await.expect_lacks(CONCERN);
        }
        assert_eq!(views(&app, g, &w.c).await, c_before);
    }
}

both_backends! {
    async fn a_members_personal_link_never_shows_reflections_or_concerns(app: TestApp) {
        let w = World::build(&app).await;
        let date = crate::meetings::days_from_now(20);
        let id = plan_id(&w.f1_api, w.group_a, &date).await;
        w.f1b.post_form(&format!("/meetings/{id}/reflection"), &[("went_less_well", REFLECTION), ("feeling", "need_help")]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/concerns"), &[("member_id", &w.member_a.to_string()), ("concern", CONCERN), ("who_told", CONCERN_TOLD)]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/notes"), &[("pass_on", "Private note for the coordinator")]).await.expect(303);
        let link = issue_link(&app, &w.f1b, w.member_a).await;
        let member = app.browser();
        let page = member.get(&link).await;
        page.expect(200).expect_contains(MEMBER_A).expect_contains(&format!("/meetings/{id}"));
        for secret in [REFLECTION, CONCERN, CONCERN_TOLD, "need some help", "Private note for the coordinator"] {
            page.expect_lacks(secret);
        }
        // The facilitator's name is shown only where the member is told who looked at their
        // record (issue 18), never beside what they wrote.
        let before_looked = page.text.split("id=\"looked\"").next().expect("page");
        assert!(!before_looked.contains("Fern Facilitator"), "the author of a reflection or concern is not shown");
        member.post_form(&format!("{link}/meetings/{id}"), &[("answer", "yes")]).await.expect(303);
        let after = member.get(&link).await;
        for secret in [REFLECTION, CONCERN, CONCERN_TOLD] {
            after.expect_lacks(secret);
        }
        // The link opens no staff page.
        for path in [format!("/meetings/{id}/reflection"), format!("/meetings/{id}/concerns"), format!("/groups/{}/concerns", w.group_a)] {
            member.get(&path).await.expect_signin_redirect();
        }
    }
}

// --- the permission matrix --------------------------------------------------------------------

#[derive(Clone)]
enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

struct Route {
    method: &'static str,
    path: String,
    body: Body,
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

fn route(method: &'static str, path: String, body: Body) -> Route {
    Route { method, path, body }
}

async fn call(r: &Route, b: &Browser, api: &Api) -> Resp {
    if r.path.starts_with("/api/") {
        return match &r.body {
            Body::Json(v) => api.json(r.method, &r.path, v).await,
            _ => api.send(r.method, &r.path, None, &[]).await,
        };
    }
    match (&r.body, r.method) {
        (Body::Form(fields), "POST") => {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.post_form(&r.path, &pairs).await
        }
        _ => b.get(&r.path).await,
    }
}

/// Everything a meeting of group A has, for the matrix and for "nothing changed" checks.
async fn snapshot(app: &TestApp, w: &World, id: i64) -> Value {
    let api = &w.c_api;
    let m = meeting(api, id).await;
    let template: Vec<(String, i64, i64)> = app
        .store
        .agenda_template(&app.store.group(&w.c, GroupId(w.group_a)).await.unwrap())
        .await
        .expect("template")
        .into_iter()
        .map(|s| (s.title, s.minutes, s.position))
        .collect();
    json!({
        "meeting": m,
        "list": get_json(api, &format!("/api/v1/groups/{}/meetings", w.group_a)).await,
        "attendance": get_json(api, &format!("/api/v1/meetings/{id}/attendance")).await,
        "rsvps": get_json(api, &format!("/api/v1/meetings/{id}/rsvps")).await,
        "notes": get_json(api, &format!("/api/v1/meetings/{id}/notes")).await,
        "reflections": get_json(api, &format!("/api/v1/meetings/{id}/reflections")).await,
        "concerns": app.store.concern_count(&app.store.group(&w.c, GroupId(w.group_a)).await.expect("group")).await.expect("count"),
        "members": get_json(api, &format!("/api/v1/groups/{}/members?status=all", w.group_a)).await,
        "template": template,
    })
}

/// Every meeting route, page and API, for one meeting of group A with one of everything.
fn routes(w: &World, id: i64, step: i64, guest: i64, action: i64) -> Vec<Route> {
    let g = w.group_a;
    let m = w.member_a.to_string();
    let venue = w.venue.to_string();
    let meeting_form = |date: &str| {
        form(&[
            ("date", date),
            ("start_time", "19:00"),
            ("duration_minutes", "90"),
            ("venue_id", &venue),
            ("topic", "Matrix"),
        ])
    };
    let step_form = form(&[
        ("title", "Matrix step"),
        ("minutes", "5"),
        ("purpose", ""),
        ("prompts", "One"),
        ("kind", "general"),
    ]);
    vec![
        route("GET", format!("/groups/{g}/meetings"), Body::None),
        route(
            "GET",
            format!("/groups/{g}/meetings.csv?from=2026-01-01&to=2028-01-01"),
            Body::None,
        ),
        route("GET", format!("/groups/{g}/meetings/new"), Body::None),
        route(
            "POST",
            format!("/groups/{g}/meetings/new"),
            meeting_form("2027-09-07"),
        ),
        route("GET", format!("/groups/{g}/agenda"), Body::None),
        route(
            "POST",
            format!("/groups/{g}/agenda/steps/{step}"),
            step_form.clone(),
        ),
        route(
            "POST",
            format!("/groups/{g}/agenda/steps/0"),
            step_form.clone(),
        ),
        route(
            "POST",
            format!("/groups/{g}/agenda/steps/{step}"),
            form(&[("do", "down")]),
        ),
        route("GET", format!("/groups/{g}/concerns"), Body::None),
        route(
            "POST",
            format!("/groups/{g}/concerns"),
            form(&[("about", "Matrix person"), ("concern", "Matrix concern")]),
        ),
        route("GET", format!("/meetings/{id}"), Body::None),
        route("GET", format!("/meetings/{id}/edit"), Body::None),
        route(
            "POST",
            format!("/meetings/{id}/edit"),
            meeting_form("2026-01-06"),
        ),
        route(
            "POST",
            format!("/meetings/{id}/rsvp"),
            form(&[("member_id", &m), ("answer", "yes")]),
        ),
        route("GET", format!("/meetings/{id}/agenda"), Body::None),
        route(
            "POST",
            format!("/meetings/{id}/agenda/steps/0"),
            step_form.clone(),
        ),
        route("POST", format!("/meetings/{id}/agenda/steps/-1"), step_form),
        route(
            "POST",
            format!("/meetings/{id}/start"),
            form(&[("confirm", "yes")]),
        ),
        route("GET", format!("/meetings/{id}/run"), Body::None),
        route(
            "POST",
            format!("/meetings/{id}/run/step"),
            form(&[("step", "1")]),
        ),
        route(
            "POST",
            format!("/meetings/{id}/run/steps/0"),
            form(&[
                ("checklist", "1"),
                ("checked", "0"),
                ("notes", "Matrix notes"),
            ]),
        ),
        route(
            "POST",
            format!("/meetings/{id}/round-up"),
            form(&[("round_up_good", "Matrix good")]),
        ),
        route("GET", format!("/meetings/{id}/state"), Body::None),
        route("GET", format!("/meetings/{id}/sign-in"), Body::None),
        route(
            "POST",
            format!("/meetings/{id}/attendance/{m}"),
            form(&[("present", "true")]),
        ),
        route(
            "POST",
            format!("/meetings/{id}/attendance/{m}"),
            form(&[("present", "false")]),
        ),
        route(
            "POST",
            format!("/meetings/{id}/walk-in"),
            form(&[("kind", "guest"), ("name", "Matrix guest")]),
        ),
        route(
            "POST",
            format!("/meetings/{id}/walk-in"),
            form(&[("kind", "member"), ("member_id", &m)]),
        ),
        route(
            "POST",
            format!("/meetings/{id}/guests/{guest}/remove"),
            form(&[]),
        ),
        route("GET", format!("/meetings/{id}/sign-in-sheet"), Body::None),
        route(
            "GET",
            format!("/meetings/{id}/sign-in-sheet?large=1"),
            Body::None,
        ),
        route("GET", format!("/meetings/{id}/notes"), Body::None),
        route(
            "POST",
            format!("/meetings/{id}/notes"),
            form(&[("topics_discussed", "Matrix topics")]),
        ),
        route(
            "POST",
            format!("/meetings/{id}/actions"),
            form(&[("what", "Matrix action"), ("who", "Someone")]),
        ),
        route(
            "POST",
            format!("/meetings/{id}/actions/{action}/done"),
            form(&[("done", "true")]),
        ),
        route("GET", format!("/meetings/{id}/reflection"), Body::None),
        route(
            "POST",
            format!("/meetings/{id}/reflection"),
            form(&[("went_well", "Matrix"), ("feeling", "fine")]),
        ),
        route("GET", format!("/meetings/{id}/concerns"), Body::None),
        route(
            "POST",
            format!("/meetings/{id}/concerns"),
            form(&[("about", "Matrix person"), ("concern", "Matrix concern")]),
        ),
        route(
            "POST",
            format!("/meetings/{id}/end"),
            form(&[("confirm", "yes")]),
        ),
        route("POST", format!("/meetings/{id}/reopen"), form(&[])),
        route(
            "POST",
            format!("/meetings/{id}/end"),
            form(&[("confirm", "yes")]),
        ),
        route(
            "POST",
            format!("/meetings/{id}/cancel"),
            form(&[("cancel_reason", "Matrix")]),
        ),
        route("POST", format!("/meetings/{id}/reinstate"), form(&[])),
        route(
            "POST",
            format!("/meetings/{id}/agenda/steps/{}", 0),
            form(&[("do", "delete")]),
        ),
        // The API.
        route("GET", format!("/api/v1/groups/{g}/meetings"), Body::None),
        route(
            "POST",
            format!("/api/v1/groups/{g}/meetings"),
            Body::Json(json!({"date": "2027-10-05", "start_time": "19:00"})),
        ),
        route("GET", format!("/api/v1/groups/{g}/concerns"), Body::None),
        route(
            "POST",
            format!("/api/v1/groups/{g}/concerns"),
            Body::Json(json!({"about": "Matrix person", "concern": "Matrix concern"})),
        ),
        route("GET", format!("/api/v1/meetings/{id}"), Body::None),
        route(
            "PUT",
            format!("/api/v1/meetings/{id}"),
            Body::Json(json!({"topic": "Matrix"})),
        ),
        route(
            "PATCH",
            format!("/api/v1/meetings/{id}"),
            Body::Json(json!({"current_step": 2})),
        ),
        route(
            "PUT",
            format!("/api/v1/meetings/{id}/steps/0"),
            Body::Json(json!({"checked": [0], "notes": "Matrix"})),
        ),
        route(
            "GET",
            format!("/api/v1/meetings/{id}/attendance"),
            Body::None,
        ),
        route(
            "POST",
            format!("/api/v1/meetings/{id}/attendance"),
            Body::Json(json!({"member_id": w.member_a})),
        ),
        route(
            "POST",
            format!("/api/v1/meetings/{id}/attendance"),
            Body::Json(json!({"guest_name": "Matrix guest"})),
        ),
        route(
            "DELETE",
            format!("/api/v1/meetings/{id}/attendance/{m}"),
            Body::None,
        ),
        route("GET", format!("/api/v1/meetings/{id}/rsvps"), Body::None),
        route(
            "PUT",
            format!("/api/v1/meetings/{id}/rsvps"),
            Body::Json(json!({"member_id": w.member_a, "answer": "maybe"})),
        ),
        route("GET", format!("/api/v1/meetings/{id}/notes"), Body::None),
        route(
            "PUT",
            format!("/api/v1/meetings/{id}/notes"),
            Body::Json(json!({"key_points": "Matrix"})),
        ),
        route(
            "POST",
            format!("/api/v1/meetings/{id}/actions"),
            Body::Json(json!({"what": "Matrix", "who": "Someone"})),
        ),
        route(
            "GET",
            format!("/api/v1/meetings/{id}/reflections"),
            Body::None,
        ),
        route(
            "PUT",
            format!("/api/v1/meetings/{id}/reflections"),
            Body::Json(json!({"feeling": "great"})),
        ),
        route(
            "PATCH",
            format!("/api/v1/meetings/{id}"),
            Body::Json(json!({"status": "held"})),
        ),
    ]
}

both_backends! {
    async fn every_meeting_route_is_closed_to_outsiders_and_open_to_the_group(app: TestApp) {
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2026-01-06").await;
        // One of everything, with secrets an outsider must never see.
        w.f1b.post_form(&format!("/meetings/{id}/walk-in"), &[("kind", "guest"), ("name", "Gina Guest")]).await.expect(303);
        w.f1_api.post(&format!("/api/v1/meetings/{id}/attendance"), &json!({"member_id": w.member_a})).await.expect(201);
        w.f1b.post_form(&format!("/meetings/{id}/actions"), &[("what", "Secret action"), ("who", "Fern")]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/reflection"), &[("went_well", REFLECTION), ("feeling", "fine")]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/concerns"), &[("member_id", &w.member_a.to_string()), ("concern", CONCERN)]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/notes"), &[("key_points", "Secret key points")]).await.expect(303);
        let rows = get_json(&w.f1_api, &format!("/api/v1/meetings/{id}/attendance")).await;
        let guest = rows["attendance"].as_array().expect("rows").iter().find(|r| r["is_guest"] == true).and_then(|r| r["id"].as_i64()).expect("guest row");
        let action = get_json(&w.f1_api, &format!("/api/v1/meetings/{id}/notes")).await["actions"][0]["id"].as_i64().expect("action");
        let step = app.store.agenda_template(&app.store.group(&w.c, GroupId(w.group_a)).await.unwrap()).await.expect("template")[0].id;
        let secrets = [GROUP_A, MEMBER_A, REFLECTION, CONCERN, "Gina Guest", "Secret action", "Secret key points", VENUE];
        let list = routes(&w, id, step, guest, action);
        assert!(list.len() >= 60, "{}", list.len());

        // Anonymous: pages send to sign-in, the API answers 401; nothing changes.
        let before = snapshot(&app, &w, id).await;
        let anon = app.browser();
        let anon_api = app.api_anonymous();
        for r in &list {
            let res = call(r, &anon, &anon_api).await;
            if r.path.starts_with("/api/") {
                res.expect_json_error(401, "unauthorized");
            } else {
                res.expect_signin_redirect();
            }
            for s in secrets {
                assert!(!res.text.contains(s), "{} {} shows {s:?} to an anonymous visitor", r.method, r.path);
            }
        }
        assert_eq!(snapshot(&app, &w, id).await, before, "anonymous requests changed something");

        // The other group's facilitator: 404 on every route, as for a meeting that does not
        // exist, with nothing of group A in the answer and nothing changed.
        for r in &list {
            let res = call(r, &w.f2b, &w.f2_api).await;
            assert_eq!(res.status.as_u16(), 404, "{} {} for Gus (group B): {}", r.method, r.path, excerpt(&res.text));
            if r.path.starts_with("/api/") {
                res.expect_json_error(404, "not_found");
            }
            for s in secrets {
                assert!(!res.text.contains(s), "{} {} shows {s:?} to Gus", r.method, r.path);
            }
        }
        assert_eq!(snapshot(&app, &w, id).await, before, "Gus's requests changed something");
        assert_eq!(app.store.concern_count(&app.store.group(&w.c, GroupId(w.group_b)).await.expect("group")).await.expect("count"), 0);

        // The group's facilitator and the coordinator: every route works.
        for (who, b, api) in [("Fern", &w.f1b, &w.f1_api), ("Cora", &w.cb, &w.c_api)] {
            for r in &list {
                let res = call(r, b, api).await;
                assert!(matches!(res.status.as_u16(), 200 | 201 | 303), "{} {} for {who}: {} {}", r.method, r.path, res.status, excerpt(&res.text));
                if res.status.as_u16() == 303 {
                    assert!(!res.location().starts_with("/signin"), "{} {} for {who}: sent to sign in", r.method, r.path);
                }
            }
        }
        assert_ne!(snapshot(&app, &w, id).await, before);

        // Going back to the guide's steps (it gives every step a new id, so it comes last).
        let reset = route("POST", format!("/groups/{}/agenda/steps/0", w.group_a), form(&[("do", "reset")]));
        let ids = |t: Vec<hearth::domain::meeting::AgendaStep>| t.into_iter().map(|s| s.id).collect::<Vec<_>>();
        let template = ids(app.store.agenda_template(&app.store.group(&w.c, GroupId(w.group_a)).await.unwrap()).await.expect("template"));
        assert!(app.store.agenda_template(&app.store.group(&w.c, GroupId(w.group_a)).await.unwrap()).await.expect("template").iter().any(|s| s.title == "Matrix step"));
        call(&reset, &anon, &anon_api).await.expect_signin_redirect();
        call(&reset, &w.f2b, &w.f2_api).await.expect(404);
        assert_eq!(ids(app.store.agenda_template(&app.store.group(&w.c, GroupId(w.group_a)).await.unwrap()).await.expect("template")), template, "Gus reset group A's agenda");
        call(&reset, &w.f1b, &w.f1_api).await.expect_redirect(&format!("/groups/{}/agenda", w.group_a));
        let titles: Vec<String> = app.store.agenda_template(&app.store.group(&w.c, GroupId(w.group_a)).await.unwrap()).await.expect("template").into_iter().map(|s| s.title).collect();
        assert_eq!(titles, crate::meetings::LATER_STEPS, "the guide's steps again");
    }
}

both_backends! {
    async fn outsiders_learn_nothing_from_bad_input_either(app: TestApp) {
        // Whatever Gus sends to a meeting of group A, the answer is the one he gets for a
        // meeting that does not exist: he cannot even tell that the meeting is there.
        let w = World::build(&app).await;
        let real = plan_id(&w.f1_api, w.group_a, "2027-01-05").await;
        let long = "n".repeat(9000);
        let page_cases: Vec<(String, Vec<(&str, &str)>)> = vec![
            ("/edit".into(), vec![("date", "nope")]),
            ("/cancel".into(), vec![]),
            ("/rsvp".into(), vec![("answer", "perhaps")]),
            ("/agenda/steps/0".into(), vec![("title", "")]),
            ("/run/step".into(), vec![("step", "first")]),
            ("/run/steps/0".into(), vec![("notes", &long)]),
            ("/round-up".into(), vec![("round_up_good", &long)]),
            ("/walk-in".into(), vec![("kind", "visitor")]),
            ("/notes".into(), vec![("key_points", &long)]),
            ("/actions".into(), vec![]),
            ("/reflection".into(), vec![]),
            ("/concerns".into(), vec![]),
        ];
        let before = snapshot(&app, &w, real).await;
        for (tail, fields) in &page_cases {
            let theirs = w.f2b.post_form(&format!("/meetings/{real}{tail}"), fields).await;
            let missing = w.f2b.post_form(&format!("/meetings/999999{tail}"), fields).await;
            assert_eq!(theirs.status, missing.status, "POST /meetings/ID{tail}: {} for group A's meeting, {} for none", theirs.status, missing.status);
            assert!(!theirs.text.contains(GROUP_A));
        }
        let api_cases: Vec<(&str, String, Value)> = vec![
            ("PATCH", String::new(), json!({"date": "nope"})),
            ("PUT", "/steps/0".into(), json!({"checked": ["x"]})),
            ("POST", "/attendance".into(), json!({})),
            ("PUT", "/rsvps".into(), json!({})),
            ("PUT", "/notes".into(), json!({"key_points": long})),
            ("POST", "/actions".into(), json!({})),
            ("PUT", "/reflections".into(), json!({})),
        ];
        for (method, tail, body) in &api_cases {
            let theirs = w.f2_api.json(method, &format!("/api/v1/meetings/{real}{tail}"), body).await;
            let missing = w.f2_api.json(method, &format!("/api/v1/meetings/999999{tail}"), body).await;
            assert_eq!(theirs.status, missing.status, "{method} /api/v1/meetings/ID{tail}: {} for group A's meeting, {} for none", theirs.status, missing.status);
            assert!(!theirs.text.contains(GROUP_A));
        }
        assert_eq!(snapshot(&app, &w, real).await, before);
    }
}

// --- bad input everywhere -------------------------------------------------------------------

both_backends! {
    async fn every_meeting_form_and_endpoint_names_what_is_wrong(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let new = format!("/groups/{g}/meetings/new");

        // Planning: every field named, what was typed kept.
        let res = w.f1b.post_form(&new, &[("date", "2026-02-30"), ("start_time", "soon"), ("duration_minutes", "5"), ("venue_id", "the hall")]).await;
        res.expect(422)
            .expect_field_error("date", "Enter a real date, like 2026-03-31.")
            .expect_field_error("start_time", "Enter a time like 2:00 pm or 7:30 pm.")
            .expect_field_error("duration_minutes", "Enter a number from 15 to 480.")
            .expect_field_error("venue_id", "Choose a venue from the list.")
            .expect_value("date", "2026-02-30")
            .expect_value("start_time", "soon")
            .expect_value("duration_minutes", "5");
        let res = w.f1b.post_form(&new, &[("date", ""), ("start_time", ""), ("duration_minutes", "ninety")]).await;
        res.expect(422)
            .expect_field_error("date", "Enter the date of the meeting.")
            .expect_field_error("start_time", "Enter the time the meeting starts")
            .expect_field_error("duration_minutes", "Enter a whole number");
        let res = w.f1b.post_form(&new, &[("date", "2027-01-05"), ("start_time", "19:00"), ("venue_id", "999999")]).await;
        res.expect(422).expect_field_error("venue_id", "That venue no longer exists.");
        w.f1b.post_form(&new, &[("date", "2027-01-05"), ("start_time", "25:00")]).await.expect(422).expect_field_error("start_time", "Enter a time like");
        w.f1b.post_form(&new, &[("date", "2027-01-05"), ("start_time", "19:00"), ("topic", &"t".repeat(201))]).await.expect(422).expect_field_error("topic", "Use 200 characters or fewer.");
        assert_eq!(get_json(&w.f1_api, &format!("/api/v1/groups/{g}/meetings")).await["meetings"], json!([]));

        // The same through the API.
        let api = format!("/api/v1/groups/{g}/meetings");
        w.f1_api.post(&api, &json!({})).await.expect_invalid_fields(&["date", "start_time"]);
        w.f1_api
            .post(&api, &json!({"date": "2026-02-30", "start_time": "soon", "duration_minutes": 1, "venue_id": "the hall"}))
            .await
            .expect_invalid_fields(&["date", "start_time", "duration_minutes", "venue_id"]);
        w.f1_api.post(&api, &json!({"date": "2027-01-05", "start_time": "19:00", "venue_id": 999999})).await.expect_invalid_fields(&["venue_id"]);
        w.f1_api.post(&api, &json!({"date": "2027-01-05", "start_time": "19:00", "duration_minutes": "long"})).await.expect_invalid_fields(&["duration_minutes"]);
        w.f1_api.post(&api, &json!({"date": "05/01/2027", "start_time": "19:00", "duration_minutes": 481})).await.expect_invalid_fields(&["date", "duration_minutes"]);
        w.f1_api.post(&api, &json!({"date": {"day": 5}, "start_time": "19:00"})).await.expect_invalid_fields(&["date"]);
        w.f1_api.send("POST", &api, Some(("application/json", b"{not json".to_vec())), &[]).await.expect_json_error(400, "bad_request");
        assert_eq!(get_json(&w.f1_api, &api).await["meetings"], json!([]));

        // Moving a meeting: the same checks; nothing changes.
        let id = plan_id(&w.f1_api, g, "2027-01-05").await;
        let before = meeting(&w.f1_api, id).await;
        let res = w.f1b.post_form(&format!("/meetings/{id}/edit"), &[("date", "tomorrow"), ("start_time", "19:00"), ("duration_minutes", "90"), ("venue_id", "")]).await;
        res.expect(422).expect_field_error("date", "Enter a real date").expect_value("date", "tomorrow");
        w.f1b.post_form(&format!("/meetings/{id}/edit"), &[("date", "2027-01-05"), ("start_time", "19:00"), ("duration_minutes", "9999"), ("venue_id", "")]).await.expect(422).expect_field_error("duration_minutes", "Enter a number from 15 to 480.");
        let path = format!("/api/v1/meetings/{id}");
        w.f1_api.patch(&path, &json!({"date": "2027-02-30"})).await.expect_invalid_fields(&["date"]);
        w.f1_api.patch(&path, &json!({"start_time": "half past"})).await.expect_invalid_fields(&["start_time"]);
        w.f1_api.patch(&path, &json!({"venue_id": 999999})).await.expect_invalid_fields(&["venue_id"]);
        w.f1_api.patch(&path, &json!({"status": "postponed"})).await.expect_invalid_fields(&["status"]);
        w.f1_api.patch(&path, &json!({"status": "cancelled", "cancel_reason": ""})).await.expect_invalid_fields(&["cancel_reason"]);
        w.f1_api.patch(&path, &json!({"current_step": "next"})).await.expect_invalid_fields(&["current_step"]);
        w.f1_api.put(&format!("{path}/steps/0"), &json!({"checked": ["first"]})).await.expect_invalid_fields(&["checked"]);
        w.f1_api.put(&format!("{path}/steps/0"), &json!({"notes": "n".repeat(8001)})).await.expect_invalid_fields(&["notes"]);
        let after = meeting(&w.f1_api, id).await;
        assert_eq!(after, before, "nothing was changed by bad input");

        // Cancelling without a reason; run-sheet forms with bad values.
        w.f1b.post_form(&format!("/meetings/{id}/cancel"), &[]).await.expect(422).expect_field_error("cancel_reason", "Say why the meeting is cancelled");
        w.f1b.post_form(&format!("/meetings/{id}/cancel"), &[("cancel_reason", &"r".repeat(501))]).await.expect(422).expect_field_error("cancel_reason", "Use 500 characters or fewer.");
        w.f1b.post_form(&format!("/meetings/{id}/run/step"), &[("step", "next")]).await.expect(400);
        w.f1b.post_form(&format!("/meetings/{id}/run/steps/0"), &[("notes", &"n".repeat(8001))]).await.expect(422);
        w.f1b.post_form(&format!("/meetings/{id}/round-up"), &[("round_up_good", &"g".repeat(4001))]).await.expect(422);
        w.f1b.post_form(&format!("/meetings/{id}/rsvp"), &[("member_id", &w.member_a.to_string()), ("answer", "")]).await.expect(422);
        w.f1b.post_form(&format!("/meetings/{id}/rsvp"), &[("answer", "yes")]).await.expect(400);
        assert_eq!(meeting(&w.f1_api, id).await, before);

        // Reflection without a feeling; concern without text or person; action without what/who.
        w.f1b.post_form(&format!("/meetings/{id}/reflection"), &[("went_well", "ok")]).await.expect(422).expect_field_error("feeling", "Choose how you feel about the group.").expect_value("went_well", "ok");
        w.f1b.post_form(&format!("/meetings/{id}/reflection"), &[("feeling", "fine"), ("ideas", &"i".repeat(4001))]).await.expect(422).expect_field_error("ideas", "Use 4000 characters or fewer.");
        let res = w.f1b.post_form(&format!("/meetings/{id}/concerns"), &[("concern", "   ")]).await;
        res.expect(422).expect_field_error("member_id", "Choose who the concern is about").expect_field_error("concern", "Describe the concern.");
        w.f1b.post_form(&format!("/meetings/{id}/concerns"), &[("about", "Someone")]).await.expect(422).expect_field_error("concern", "Describe the concern.");
        w.f1b.post_form(&format!("/meetings/{id}/actions"), &[("who", "Fern")]).await.expect(422).expect_field_error("what", "Enter what needs doing.").expect_value("who", "Fern");
        w.f1b.post_form(&format!("/meetings/{id}/notes"), &[("round_up_sharing", &"s".repeat(4001))]).await.expect(422).expect_field_error("round_up_sharing", "Use 4000 characters or fewer.");
        // The API versions.
        w.f1_api.put(&format!("{path}/reflections"), &json!({"went_well": "ok"})).await.expect_invalid_fields(&["feeling"]);
        w.f1_api.post(&format!("/api/v1/groups/{g}/concerns"), &json!({"concern": ""})).await.expect_invalid_fields(&["member_id", "concern"]);
        w.f1_api.post(&format!("/api/v1/groups/{g}/concerns"), &json!({"member_id": -3, "concern": "x"})).await.expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&format!("{path}/actions"), &json!({"who": "Fern", "by_date": "soon"})).await.expect_invalid_fields(&["what", "by_date"]);
        w.f1_api.put(&format!("{path}/notes"), &json!({"topics_discussed": "t".repeat(4001), "key_points": "k".repeat(8001)})).await.expect_invalid_fields(&["topics_discussed", "key_points"]);
        w.f1_api.put(&format!("{path}/rsvps"), &json!({"member_id": w.member_a, "answer": "perhaps"})).await.expect_invalid_fields(&["answer"]);
        w.f1_api.put(&format!("{path}/rsvps"), &json!({"member_id": "zeb", "answer": "yes"})).await.expect_invalid_fields(&["member_id"]);
        // Nothing was saved by any of it.
        assert_eq!(get_json(&w.f1_api, &format!("{path}/reflections")).await["reflections"], json!([]));
        assert_eq!(app.store.concern_count(&app.store.group(&w.c, GroupId(g)).await.expect("group")).await.expect("count"), 0);
        let n = get_json(&w.f1_api, &format!("{path}/notes")).await;
        assert_eq!((n["actions"].clone(), n["round_up_sharing"].clone(), n["key_points"].clone()), (json!([]), json!(""), json!("")));
        assert_eq!(get_json(&w.f1_api, &format!("{path}/rsvps")).await["rsvps"], json!([]));
    }
}

both_backends! {
    async fn a_form_refused_with_422_says_what_to_change(app: TestApp) {
        // Every 422 page promises "Each field below says what to change", so it must say it.
        let w = World::build(&app).await;
        let g = w.group_a;
        let id = plan_id(&w.f1_api, g, "2027-01-05").await;
        let cases: Vec<FormCase> = vec![
            (format!("/meetings/{id}/rsvp"), vec![("member_id", w.member_a.to_string()), ("answer", "perhaps".into())], "Choose coming, maybe or not coming."),
            (format!("/meetings/{id}/run/steps/0"), vec![("checklist", "1".into()), ("notes", "n".repeat(8001))], "Use 8000 characters or fewer."),
            (format!("/meetings/{id}/round-up"), vec![("round_up_good", "g".repeat(4001))], "Use 4000 characters or fewer."),
        ];
        let mut wrong = Vec::new();
        for (path, fields, message) in &cases {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = w.f1b.post_form(path, &pairs).await;
            res.expect(422);
            if !res.text.contains(message) {
                wrong.push(format!("POST {path}: 422 without {message:?}"));
            }
        }
        for query in ["from=2027-13-01", "to=yesterday"] {
            let res = w.f1b.get(&format!("/groups/{g}/meetings.csv?{query}")).await;
            res.expect(422);
            if !res.text.contains("Enter a real date, like 2026-03-31.") {
                wrong.push(format!("GET /groups/{g}/meetings.csv?{query}: 422 without the date message"));
            }
        }
        assert!(wrong.is_empty(), "422 pages that do not say what to change:\n{}", wrong.join("\n"));
    }
}

both_backends! {
    async fn a_refused_change_leaves_the_meeting_as_it_was(app: TestApp) {
        // A request that is refused changes nothing, not even the version other devices watch.
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2027-01-05").await;
        let version = |m: Value| m["version"].as_i64().expect("version");
        let mut v0 = version(meeting(&w.f1_api, id).await);
        let mut changed = Vec::new();
        for attempt in 0..6 {
            let (what, res) = match attempt {
                0 => ("PUT /api/v1/meetings/ID/steps/99", w.f1_api.put(&format!("/api/v1/meetings/{id}/steps/99"), &json!({"notes": "x"})).await),
                1 => ("POST /meetings/ID/run/steps/99", w.f1b.post_form(&format!("/meetings/{id}/run/steps/99"), &[("notes", "x")]).await),
                2 => ("POST /meetings/ID/agenda/steps/99", w.f1b.post_form(&format!("/meetings/{id}/agenda/steps/99"), &[("title", "x"), ("minutes", "5")]).await),
                3 => ("POST /meetings/ID/agenda/steps/99 do=delete", w.f1b.post_form(&format!("/meetings/{id}/agenda/steps/99"), &[("do", "delete")]).await),
                4 => ("POST /api/v1/meetings/ID/attendance with group B's member", w.c_api.post(&format!("/api/v1/meetings/{id}/attendance"), &json!({"member_id": w.member_b})).await),
                _ => ("POST /meetings/ID/attendance/{group B's member}", w.cb.post_form(&format!("/meetings/{id}/attendance/{}", w.member_b), &[("present", "true")]).await),
            };
            assert!(matches!(res.status.as_u16(), 404 | 422), "{what}: {}", res.status);
            let now = version(meeting(&w.f1_api, id).await);
            if now != v0 {
                changed.push(format!("{what} ({}) raised the version from {v0} to {now}", res.status));
                v0 = now;
            }
        }
        assert!(changed.is_empty(), "refused requests changed the meeting:\n{}", changed.join("\n"));
    }
}

both_backends! {
    async fn asking_for_help_says_what_would_help_and_how_to_reach_them(app: TestApp) {
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2026-01-06").await;
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[("confirm", "yes")]).await.expect(303);

        // After the meeting, the home page invites the reflection, with a button to ask for help.
        w.f1b.get("/").await.expect(200).expect_lacks("How did it go on");
        let recent = plan_id(&w.f1_api, w.group_a, &crate::meetings::days_from_now(-2)).await;
        w.f1b.post_form(&format!("/meetings/{recent}/end"), &[("confirm", "yes")]).await.expect(303);
        w.f1b.get("/").await.expect(200).expect_contains("How did it go on")
            .expect_contains(&format!("href=\"/meetings/{recent}/reflection\"")).expect_contains(&format!("href=\"/meetings/{recent}/help\""));

        // The help page names the coordinators and how to reach them.
        let page = w.f1b.get(&format!("/meetings/{recent}/help")).await;
        page.expect(200).expect_contains("Your coordinators").expect_contains("Cora").expect_value("help_contact", &format!("Email: {}", w.f1.email));

        // A request needs both boxes; what was typed is kept.
        let res = w.f1b.post_form(&format!("/meetings/{recent}/help"), &[("help_note", "A member was very upset"), ("help_contact", "")]).await;
        res.expect(422).expect_field_error("help_contact", "Say how a coordinator can reach you.").expect_contains("A member was very upset");
        w.cb.get("/").await.expect_lacks("A member was very upset");

        w.f1b.post_form(&format!("/meetings/{recent}/help"), &[("help_note", "A member was very upset"), ("help_contact", "07700 900123 after 6 pm")]).await
            .expect_redirect("/");
        let home = w.cb.get("/").await;
        home.expect(200).expect_contains("Facilitators who asked for help").expect_contains("A member was very upset")
            .expect_contains("07700 900123 after 6 pm").expect_contains(&format!("href=\"/groups/{}\"", w.group_a));
        // Asking does not stop the reflection being due... it is the reflection, with its feeling.
        w.f1b.get(&format!("/meetings/{recent}/reflection")).await.expect(200).expect_contains("value=\"need_help\" checked");
        // Nobody else sees it; another group's facilitator cannot ask on this meeting.
        w.f2b.get("/").await.expect_lacks("A member was very upset");
        w.f2b.post_form(&format!("/meetings/{recent}/help"), &[("help_note", "x"), ("help_contact", "y")]).await.expect(404);
        w.f2b.get(&format!("/meetings/{recent}/help")).await.expect(404);
    }
}

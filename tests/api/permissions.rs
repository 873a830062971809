//! The role-by-route permission matrix: every page and API route, for an anonymous visitor,
//! the coordinator, the facilitator of group A and the facilitator of group B.
//!
//! Group routes are written once and checked from both sides: for group A (F1 inside, F2
//! outside) and for group B (F2 inside, F1 outside). An outsider gets 404, exactly as for a
//! group that does not exist, and no response to an outsider ever holds the other group's
//! name or its members' names, on any route.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anon,
    C,
    F1,
    F2,
}

/// The order requests are made in: refusals first, so that a success cannot hide one.
const ORDER: [Who; 4] = [Who::Anon, Who::F2, Who::F1, Who::C];

#[derive(Debug, Clone)]
enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    /// A CSV file uploaded through the import form.
    Csv(&'static str),
    Json(Value),
}

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    /// May hold `{consent}`: replaced, before each request, by a new consent of `member`.
    path: String,
    body: Body,
    /// Expected status for Anon, C, F1, F2. For Anon on a page, 303 means "to /signin".
    expect: [u16; 4],
    /// The member whose fresh consent `{consent}` stands for.
    member: Option<i64>,
    /// Personal-link pages show the member's own data to whoever has the link.
    public_member_page: bool,
}

impl Case {
    fn new(method: &'static str, path: String, body: Body, expect: [u16; 4]) -> Case {
        Case {
            method,
            path,
            body,
            expect,
            member: None,
            public_member_page: false,
        }
    }
    fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }
}

fn idx(who: Who) -> usize {
    match who {
        Who::Anon => 0,
        Who::C => 1,
        Who::F1 => 2,
        Who::F2 => 3,
    }
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

/// Expectations for a route of one group: anonymous, coordinator, insider, outsider.
fn group_expect(insider: Who, anon: u16, c: u16, inside: u16, outside: u16) -> [u16; 4] {
    let mut e = [anon, c, 0, 0];
    let outsider = if insider == Who::F1 { Who::F2 } else { Who::F1 };
    e[idx(insider)] = inside;
    e[idx(outsider)] = outside;
    e
}

/// Every route that belongs to one group, its member and the facilitator inside it.
fn group_cases(
    g: i64,
    m: i64,
    group_name: &str,
    member_name: &str,
    insider: Who,
    insider_id: i64,
) -> Vec<Case> {
    let ge = |anon, c, inside, outside| group_expect(insider, anon, c, inside, outside);
    let page_ok = ge(303, 200, 200, 404);
    let mut cases = vec![
        Case::new("GET", format!("/groups/{g}"), Body::None, page_ok),
        Case::new("GET", format!("/groups/{g}/edit"), Body::None, page_ok),
        Case::new(
            "POST",
            format!("/groups/{g}/edit"),
            form(&[("name", group_name)]),
            ge(303, 303, 303, 404),
        ),
        Case::new(
            "POST",
            format!("/groups/{g}/facilitators"),
            form(&[("facilitator", &insider_id.to_string())]),
            ge(303, 303, 403, 403),
        ),
        Case::new("GET", format!("/groups/{g}/members"), Body::None, page_ok),
        Case::new(
            "GET",
            format!("/groups/{g}/members?q=a&need=hearing&contact=phone&status=all"),
            Body::None,
            page_ok,
        ),
        Case::new(
            "GET",
            format!("/groups/{g}/members.csv"),
            Body::None,
            page_ok,
        ),
        Case::new(
            "GET",
            format!("/groups/{g}/members/new"),
            Body::None,
            page_ok,
        ),
        Case::new(
            "POST",
            format!("/groups/{g}/members/new"),
            form(&[("preferred_name", "Matrix Member")]),
            ge(303, 303, 303, 404),
        ),
        Case::new(
            "GET",
            format!("/groups/{g}/members/import"),
            Body::None,
            page_ok,
        ),
        Case::new(
            "POST",
            format!("/groups/{g}/members/import"),
            Body::Csv("preferred_name\nMatrix Import\n"),
            ge(303, 200, 200, 404),
        ),
        Case::new(
            "POST",
            format!("/groups/{g}/members/import/confirm"),
            form(&[("csv", "preferred_name\nMatrix Import\n")]),
            ge(303, 303, 303, 404),
        ),
        Case::new("GET", format!("/members/{m}"), Body::None, page_ok),
        Case::new("GET", format!("/members/{m}/edit"), Body::None, page_ok),
        Case::new(
            "POST",
            format!("/members/{m}/edit"),
            form(&[("preferred_name", member_name)]),
            ge(303, 303, 303, 404),
        ),
        Case::new(
            "POST",
            format!("/members/{m}/consents"),
            form(&[("kind", "contact"), ("how_given", "in_person")]),
            ge(303, 303, 303, 404),
        ),
        Case {
            member: Some(m),
            ..Case::new(
                "POST",
                format!("/members/{m}/consents/{{consent}}/withdraw"),
                form(&[]),
                ge(303, 303, 303, 404),
            )
        },
        Case::new(
            "POST",
            format!("/members/{m}/link"),
            form(&[]),
            ge(303, 200, 200, 404),
        ),
        Case::new(
            "POST",
            format!("/members/{m}/link/revoke"),
            form(&[]),
            ge(303, 303, 303, 404),
        ),
        // The API.
        Case::new(
            "GET",
            format!("/api/v1/groups/{g}"),
            Body::None,
            ge(401, 200, 200, 404),
        ),
        Case::new(
            "PATCH",
            format!("/api/v1/groups/{g}"),
            Body::Json(json!({"description": "Patched"})),
            ge(401, 200, 200, 404),
        ),
        Case::new(
            "PUT",
            format!("/api/v1/groups/{g}"),
            Body::Json(json!({"description": "Put"})),
            ge(401, 200, 200, 404),
        ),
        Case::new(
            "PUT",
            format!("/api/v1/groups/{g}/facilitators"),
            Body::Json(json!({"facilitator_ids": [insider_id]})),
            ge(401, 200, 403, 403),
        ),
        Case::new(
            "GET",
            format!("/api/v1/groups/{g}/members"),
            Body::None,
            ge(401, 200, 200, 404),
        ),
        Case::new(
            "GET",
            format!("/api/v1/groups/{g}/members?status=all&q=e"),
            Body::None,
            ge(401, 200, 200, 404),
        ),
        Case::new(
            "POST",
            format!("/api/v1/groups/{g}/members"),
            Body::Json(json!({"preferred_name": "Api Member"})),
            ge(401, 201, 201, 404),
        ),
        Case::new(
            "GET",
            format!("/api/v1/members/{m}"),
            Body::None,
            ge(401, 200, 200, 404),
        ),
        Case::new(
            "PATCH",
            format!("/api/v1/members/{m}"),
            Body::Json(json!({"needs_note": "Patched"})),
            ge(401, 200, 200, 404),
        ),
        Case::new(
            "PUT",
            format!("/api/v1/members/{m}"),
            Body::Json(json!({"needs_note": "Put"})),
            ge(401, 200, 200, 404),
        ),
        Case::new(
            "POST",
            format!("/api/v1/members/{m}/consents"),
            Body::Json(json!({"kind": "records", "how_given": "in_writing"})),
            ge(401, 201, 201, 404),
        ),
        Case {
            member: Some(m),
            ..Case::new(
                "POST",
                format!("/api/v1/members/{m}/consents/{{consent}}/withdraw"),
                Body::None,
                ge(401, 200, 200, 404),
            )
        },
    ];
    // A member who has left is hidden from outsiders too.
    cases.push(Case::new(
        "GET",
        format!("/groups/{g}/members.csv?status=left"),
        Body::None,
        page_ok,
    ));
    cases
}

/// Routes that belong to no group.
fn general_cases(venue: i64, f2_id: i64, member_link: &str, linked_member: i64) -> Vec<Case> {
    let staff_only = [303, 200, 200, 200];
    let coordinator_only = [303, 200, 403, 403];
    let api_ok = [401, 200, 200, 200];
    let v = venue;
    let pw = PASSWORD;
    let mut cases = vec![
        Case::new("GET", "/".into(), Body::None, staff_only),
        Case::new("GET", "/setup".into(), Body::None, [409; 4]),
        Case::new(
            "POST",
            "/setup".into(),
            form(&[
                ("name", "Mallory"),
                ("email", "mallory@example.org"),
                ("password", pw),
                ("password_confirm", pw),
            ]),
            [409; 4],
        ),
        Case::new("GET", "/signin".into(), Body::None, [200, 303, 303, 303]),
        Case::new(
            "POST",
            "/signin".into(),
            form(&[
                ("email", "nobody@example.org"),
                ("password", "wrong password"),
            ]),
            [401; 4],
        ),
        Case::new("GET", "/account".into(), Body::None, staff_only),
        Case::new(
            "POST",
            "/account/password".into(),
            form(&[
                ("current_password", "not my password"),
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ]),
            [303, 422, 422, 422],
        ),
        Case::new("GET", "/staff".into(), Body::None, coordinator_only),
        Case::new(
            "POST",
            "/staff".into(),
            form(&[
                ("name", "Matrix Staff"),
                ("email", "matrix@example.org"),
                ("role", "facilitator"),
            ]),
            coordinator_only,
        ),
        Case::new(
            "POST",
            format!("/staff/{f2_id}/reset-link"),
            form(&[]),
            coordinator_only,
        ),
        Case::new(
            "GET",
            "/reset/not-a-real-token".into(),
            Body::None,
            [400; 4],
        ),
        Case::new(
            "POST",
            "/reset/not-a-real-token".into(),
            form(&[
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ]),
            [400; 4],
        ),
        Case::new("GET", "/groups".into(), Body::None, staff_only),
        Case::new("GET", "/groups/new".into(), Body::None, coordinator_only),
        Case::new(
            "POST",
            "/groups/new".into(),
            form(&[("name", "Matrix Group")]),
            [303, 303, 403, 403],
        ),
        Case::new(
            "GET",
            "/groups/999999".into(),
            Body::None,
            [303, 404, 404, 404],
        ),
        Case::new(
            "GET",
            "/members/999999".into(),
            Body::None,
            [303, 404, 404, 404],
        ),
        Case::new("GET", "/venues".into(), Body::None, staff_only),
        Case::new("GET", "/venues/new".into(), Body::None, staff_only),
        Case::new(
            "POST",
            "/venues/new".into(),
            form(&[("name", "Matrix Venue")]),
            [303, 303, 303, 303],
        ),
        Case::new("GET", format!("/venues/{v}"), Body::None, staff_only),
        Case::new("GET", format!("/venues/{v}/edit"), Body::None, staff_only),
        Case::new(
            "POST",
            format!("/venues/{v}/edit"),
            form(&[("name", VENUE), ("step_free", "fully")]),
            [303, 303, 303, 303],
        ),
        Case::new(
            "GET",
            "/venues/999999".into(),
            Body::None,
            [303, 404, 404, 404],
        ),
        Case::new("GET", "/healthz".into(), Body::None, [200; 4]),
        Case::new("GET", "/static/hearth.css".into(), Body::None, [200; 4]),
        Case::new("GET", "/m/not-a-real-token".into(), Body::None, [410; 4]),
        Case::new(
            "POST",
            "/m/not-a-real-token".into(),
            form(&[("preferred_name", "Nobody")]),
            [410; 4],
        ),
        // The API.
        Case::new("GET", "/api/v1/openapi.json".into(), Body::None, [200; 4]),
        Case::new("GET", "/api/v1/me".into(), Body::None, api_ok),
        Case::new("GET", "/api/v1/groups".into(), Body::None, api_ok),
        Case::new(
            "POST",
            "/api/v1/groups".into(),
            Body::Json(json!({"name": "Api Group"})),
            [401, 201, 403, 403],
        ),
        Case::new(
            "GET",
            "/api/v1/groups/999999".into(),
            Body::None,
            [401, 404, 404, 404],
        ),
        Case::new(
            "GET",
            "/api/v1/members/999999".into(),
            Body::None,
            [401, 404, 404, 404],
        ),
        Case::new("GET", "/api/v1/venues".into(), Body::None, api_ok),
        Case::new(
            "POST",
            "/api/v1/venues".into(),
            Body::Json(json!({"name": "Api Venue"})),
            [401, 201, 201, 201],
        ),
        Case::new("GET", format!("/api/v1/venues/{v}"), Body::None, api_ok),
        Case::new(
            "PATCH",
            format!("/api/v1/venues/{v}"),
            Body::Json(json!({"notes": "Patched"})),
            api_ok,
        ),
        Case::new(
            "PUT",
            format!("/api/v1/venues/{v}"),
            Body::Json(json!({"notes": "Put"})),
            api_ok,
        ),
        Case::new(
            "GET",
            "/api/v1/venues/999999".into(),
            Body::None,
            [401, 404, 404, 404],
        ),
    ];
    // A member's own page: whoever holds the link is that member, signed in or not.
    for case in [
        Case::new("GET", member_link.to_string(), Body::None, [200; 4]),
        Case::new(
            "POST",
            member_link.to_string(),
            form(&[("preferred_name", "Lina Link")]),
            [303; 4],
        ),
        Case::new(
            "POST",
            format!("{member_link}/consents"),
            form(&[("kind", "contact")]),
            [303; 4],
        ),
        Case {
            member: Some(linked_member),
            ..Case::new(
                "POST",
                format!("{member_link}/consents/{{consent}}/withdraw"),
                form(&[]),
                [303; 4],
            )
        },
    ] {
        cases.push(Case {
            public_member_page: true,
            ..case
        });
    }
    // Signing out last: it ends the sessions the other rows use.
    cases.push(Case::new("POST", "/signout".into(), form(&[]), [303; 4]));
    cases
}

struct Actor<'a> {
    browser: &'a Browser,
    api: &'a Api,
}

async fn request(app: &TestApp, actor: &Actor<'_>, case: &Case) -> Resp {
    let mut path = case.path.clone();
    if let Some(m) = case.member {
        let input = hearth::domain::member::ConsentInput::try_from(
            &hearth::domain::RawInput::from_pairs(vec![
                ("kind".into(), "contact".into()),
                ("how_given".into(), "in_person".into()),
            ]),
        )
        .unwrap();
        app.store
            .add_consent(&app.member_access(m).await, &input)
            .await
            .unwrap();
        let id = app.consents(m).await[0].id;
        path = path.replace("{consent}", &id.to_string());
    }
    match (&case.body, case.is_api()) {
        (Body::None, true) => actor.api.send(case.method, &path, None, &[]).await,
        (Body::Json(v), true) => actor.api.json(case.method, &path, v).await,
        (Body::None, false) => {
            assert_eq!(case.method, "GET");
            actor.browser.get(&path).await
        }
        (Body::Form(fields), false) => {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            actor.browser.post_form(&path, &f).await
        }
        (Body::Csv(csv), false) => {
            let token = actor.browser.csrf_token().await;
            actor
                .browser
                .post_multipart(&path, Some(&token), Some(csv.as_bytes()), None, &[])
                .await
        }
        (body, api) => panic!("{} {path}: body {body:?} for api={api}", case.method),
    }
}

/// What went wrong with one response, if anything.
fn judge(case: &Case, who: Who, res: &Resp) -> Vec<String> {
    let mut wrong = Vec::new();
    let expected = case.expect[idx(who)];
    let what = format!("{who:?} {} {}", case.method, res.path);
    if res.status.as_u16() != expected {
        wrong.push(format!(
            "{what}: {} (expected {expected})",
            res.status.as_u16()
        ));
        return wrong;
    }
    let to_signin = who == Who::Anon && expected == 303 && !case.is_api();
    if to_signin && !case.public_member_page && !res.location().starts_with("/signin") {
        wrong.push(format!(
            "{what}: redirected to {:?}, not to /signin",
            res.location()
        ));
    }
    if case.is_api() && expected >= 400 {
        let code = match expected {
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            _ => "",
        };
        let ok = res
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
            && serde_json::from_str::<Value>(&res.text)
                .is_ok_and(|v| code.is_empty() || v["error"]["code"] == code);
        if !ok {
            wrong.push(format!(
                "{what}: error body is not JSON with code {code:?}: {}",
                res.text
            ));
        }
        if expected == 401 && res.header("www-authenticate").is_none() {
            wrong.push(format!("{what}: 401 without WWW-Authenticate"));
        }
    }
    // No leak, whatever the status: an outsider never sees the other group's data.
    if !case.public_member_page {
        let secrets: &[&str] = match who {
            Who::F1 => &[GROUP_B, MEMBER_B],
            Who::F2 => &[GROUP_A, MEMBER_A, "Zebedee"],
            _ => &[],
        };
        for s in secrets {
            if res.text.contains(s) {
                wrong.push(format!(
                    "{what}: the body holds {s:?}, which {who:?} may not see"
                ));
            }
        }
    }
    wrong
}

both_backends! {
    async fn permission_matrix(app: TestApp) {
        let w = World::build(&app).await;
        let anon = app.browser();
        let anon_api = app.api_anonymous();
        // A member with a personal link, kept for the whole run (no row replaces this link).
        let linked = w
            .cb
            .post_form(&format!("/groups/{}/members/new", w.group_b), &[("preferred_name", "Lina Link")])
            .await
            .created_id("/members/");
        let res = w.cb.post_form(&format!("/members/{linked}/link"), &[("confirm", "yes")]).await;
        let link = html::secret_link(&res.text).unwrap();
        let member_link = link.trim_start_matches(&app.base).to_string();
        // A member who has left, in each group, to check the "left" lists as well.
        for (g, name) in [(w.group_a, "Zebedee Left"), (w.group_b, "Yolanda Brook Left")] {
            w.cb.post_form(
                &format!("/groups/{g}/members/new"),
                &[("preferred_name", name), ("joined_on", "2025-01-01"), ("left_on", "2025-06-01")],
            )
            .await
            .expect(303);
        }

        let mut cases = group_cases(w.group_a, w.member_a, GROUP_A, MEMBER_A, Who::F1, w.f1.id);
        cases.extend(group_cases(w.group_b, w.member_b, GROUP_B, MEMBER_B, Who::F2, w.f2.id));
        cases.extend(general_cases(w.venue, w.f2.id, &member_link, linked));

        let actors = [
            Actor { browser: &anon, api: &anon_api },
            Actor { browser: &w.cb, api: &w.c_api },
            Actor { browser: &w.f1b, api: &w.f1_api },
            Actor { browser: &w.f2b, api: &w.f2_api },
        ];
        let mut wrong = Vec::new();
        let mut checked = 0;
        for case in &cases {
            for who in ORDER {
                let res = request(&app, &actors[idx(who)], case).await;
                wrong.extend(judge(case, who, &res));
                checked += 1;
            }
        }
        assert!(checked > 300, "only {checked} requests");
        assert!(
            wrong.is_empty(),
            "{} of {checked} requests went wrong:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }
}

both_backends! {
    async fn lists_show_only_what_each_may_see(app: TestApp) {
        let w = World::build(&app).await;
        // Pages: the home page and the groups list.
        for page in ["/", "/groups"] {
            w.cb.get(page).await.expect(200).expect_contains(GROUP_A).expect_contains(GROUP_B);
            w.f1b.get(page).await.expect(200).expect_contains(GROUP_A).expect_lacks(GROUP_B);
            w.f2b.get(page).await.expect(200).expect_contains(GROUP_B).expect_lacks(GROUP_A);
        }
        // The API's list.
        let names = |v: Value| -> Vec<String> {
            v["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_string()).collect()
        };
        let all = names(w.c_api.get("/api/v1/groups").await.expect(200).json());
        assert!(all.contains(&GROUP_A.to_string()) && all.contains(&GROUP_B.to_string()), "{all:?}");
        assert_eq!(names(w.f1_api.get("/api/v1/groups").await.expect(200).json()), vec![GROUP_A.to_string()]);
        assert_eq!(names(w.f2_api.get("/api/v1/groups").await.expect(200).json()), vec![GROUP_B.to_string()]);
        // Who am I, through the API.
        let me = w.f2_api.get("/api/v1/me").await.expect(200).json();
        assert_eq!(me["email"], "gus@example.org");
        assert_eq!(me["role"], "facilitator");
        // Searching another group's members finds nothing: the list is refused outright.
        w.f2b.get(&format!("/groups/{}/members?q=Zebedee", w.group_a)).await.expect(404).expect_lacks("Zebedee");
        w.f2_api
            .get(&format!("/api/v1/groups/{}/members?q=Zebedee", w.group_a))
            .await
            .expect_json_error(404, "not_found");
        // A coordinator's page offers to take off each facilitator and to add the others; a
        // facilitator gets no such form.
        w.cb.get(&format!("/groups/{}", w.group_a))
            .await
            .expect(200)
            .expect_contains("Take Fern Facilitator off this group")
            .expect_contains("Add Gus Facilitator")
            .expect_contains(&format!("name=\"facilitator\" value=\"{}\"", w.f2.id));
        w.f1b.get(&format!("/groups/{}", w.group_a)).await.expect(200).expect_lacks("name=\"facilitator\"");
        // Moving F1 from group A to group B changes what F1 sees at once.
        w.cb.post_form(&format!("/groups/{}/facilitators", w.group_a), &[("confirm", "yes")]).await.expect(303);
        w.cb.post_form(
            &format!("/groups/{}/facilitators", w.group_b),
            &[("facilitator", &w.f1.id.to_string()), ("facilitator", &w.f2.id.to_string())],
        )
        .await
        .expect(303);
        w.f1b.get(&format!("/groups/{}", w.group_a)).await.expect(404);
        w.f1b.get(&format!("/members/{}", w.member_a)).await.expect(404);
        w.f1b.get(&format!("/groups/{}", w.group_b)).await.expect(200);
        w.f1b.get("/groups").await.expect(200).expect_lacks(GROUP_A).expect_contains(GROUP_B);
        assert_eq!(names(w.f1_api.get("/api/v1/groups").await.expect(200).json()), vec![GROUP_B.to_string()]);
        // A bad facilitator id is refused.
        w.cb.post_form(&format!("/groups/{}/facilitators", w.group_b), &[("facilitator", "abc")]).await.expect(400);
        w.cb.post_form("/groups/999999/facilitators", &[("facilitator", &w.f1.id.to_string())]).await.expect(404);
    }
}

/// The route a request path is served by: ids, tokens and file names read as `{}`.
fn route_of(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        let after_secret = i == 2 && matches!(segments[1], "m" | "reset" | "static");
        if after_secret
            || s.starts_with('{')
            || (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
        {
            out.push("{}");
        } else {
            out.push(s);
        }
    }
    out.join("/")
}

/// Every route of the foundation (issue 2): pages, personal links and the API.
/// Later features bring their own routes and their own permission tests.
const FOUNDATION_ROUTES: [(&str, &str); 66] = [
    ("GET", "/"),
    ("GET", "/account"),
    ("POST", "/account/password"),
    ("GET", "/api/v1/groups"),
    ("POST", "/api/v1/groups"),
    ("GET", "/api/v1/groups/{}"),
    ("PATCH", "/api/v1/groups/{}"),
    ("PUT", "/api/v1/groups/{}"),
    ("PUT", "/api/v1/groups/{}/facilitators"),
    ("GET", "/api/v1/groups/{}/members"),
    ("POST", "/api/v1/groups/{}/members"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/members/{}"),
    ("PATCH", "/api/v1/members/{}"),
    ("PUT", "/api/v1/members/{}"),
    ("POST", "/api/v1/members/{}/consents"),
    ("POST", "/api/v1/members/{}/consents/{}/withdraw"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/venues"),
    ("POST", "/api/v1/venues"),
    ("GET", "/api/v1/venues/{}"),
    ("PATCH", "/api/v1/venues/{}"),
    ("PUT", "/api/v1/venues/{}"),
    ("GET", "/groups"),
    ("GET", "/groups/new"),
    ("POST", "/groups/new"),
    ("GET", "/groups/{}"),
    ("GET", "/groups/{}/edit"),
    ("POST", "/groups/{}/edit"),
    ("POST", "/groups/{}/facilitators"),
    ("GET", "/groups/{}/members"),
    ("GET", "/groups/{}/members.csv"),
    ("GET", "/groups/{}/members/import"),
    ("POST", "/groups/{}/members/import"),
    ("POST", "/groups/{}/members/import/confirm"),
    ("GET", "/groups/{}/members/new"),
    ("POST", "/groups/{}/members/new"),
    ("GET", "/healthz"),
    ("GET", "/m/{}"),
    ("POST", "/m/{}"),
    ("POST", "/m/{}/consents"),
    ("POST", "/m/{}/consents/{}/withdraw"),
    ("GET", "/members/{}"),
    ("POST", "/members/{}/consents"),
    ("POST", "/members/{}/consents/{}/withdraw"),
    ("GET", "/members/{}/edit"),
    ("POST", "/members/{}/edit"),
    ("POST", "/members/{}/link"),
    ("POST", "/members/{}/link/revoke"),
    ("GET", "/reset/{}"),
    ("POST", "/reset/{}"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("POST", "/signout"),
    ("GET", "/staff"),
    ("POST", "/staff"),
    ("POST", "/staff/{}/reset-link"),
    ("GET", "/static/{}"),
    ("GET", "/venues"),
    ("GET", "/venues/new"),
    ("POST", "/venues/new"),
    ("GET", "/venues/{}"),
    ("GET", "/venues/{}/edit"),
    ("POST", "/venues/{}/edit"),
];

#[test]
fn the_matrix_covers_every_route() {
    let mut declared = routes_in(include_str!("../../src/web/mod.rs"), "");
    declared.extend(routes_in(include_str!("../../src/api/mod.rs"), "/api/v1"));
    assert!(
        declared.len() >= FOUNDATION_ROUTES.len(),
        "the router source could not be read: {declared:?}"
    );
    // Made-up ids are enough to list the matrix's routes.
    let mut cases = group_cases(5, 6, GROUP_A, MEMBER_A, Who::F1, 2);
    cases.extend(general_cases(4, 3, "/m/TOKEN", 7));
    let covered: Vec<(String, String)> = cases
        .iter()
        .map(|c| (c.method.to_string(), route_of(&c.path)))
        .collect();
    let mut wrong = Vec::new();
    for (method, route) in FOUNDATION_ROUTES {
        let pair = (method.to_string(), route.to_string());
        if !declared.contains(&pair) {
            wrong.push(format!(
                "{method} {route}: no longer in the router (update the matrix)"
            ));
        }
        if !covered.contains(&pair) {
            wrong.push(format!("{method} {route}: no row in the permission matrix"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

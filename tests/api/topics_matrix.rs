//! The permission matrix over every route of topics, votes, plans, reviews, check-ins, the
//! contact record and the call list (pages, the API and personal links), for an anonymous
//! visitor, the coordinator (who facilitates neither group), the facilitator inside the
//! group and the one outside it; checked for group A and for group B. Outsiders change
//! nothing and read nothing; a check below fails when a route of these features is added
//! without a row here.

use hearth::domain::ids::GroupId;
use hearth::domain::topic::STARTER_TOPICS;
use serde_json::{Value, json};

use crate::both_backends;
use crate::contacts::add_contact;
use crate::helpers::*;
use crate::meetings::{days_from_now, get_json, issue_link, plan_id};
use crate::plans::{add_plan, plans};
use crate::topics::{id_of, propose, topics};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anon,
    C,
    Inside,
    Outside,
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    path: String,
    body: Body,
    /// Anonymous, coordinator, the group's facilitator, the other group's facilitator. For
    /// an anonymous visitor on a page, 303 means "to /signin".
    expect: [u16; 4],
    /// A personal link: whoever holds it is the member.
    link: bool,
}

fn case(method: &'static str, path: String, body: Body, expect: [u16; 4]) -> Case {
    Case {
        method,
        path,
        body,
        expect,
        link: false,
    }
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

fn idx(who: Who) -> usize {
    match who {
        Who::Anon => 0,
        Who::C => 1,
        Who::Inside => 2,
        Who::Outside => 3,
    }
}

/// What one group has for the matrix.
struct Fixture {
    group: i64,
    member: i64,
    own_topic: i64,
    library_topic: i64,
    meeting: i64,
    plan: i64,
    contact: i64,
    link: String,
}

/// Every route of these features for one group.
fn cases(f: &Fixture) -> Vec<Case> {
    let (g, m, own, lib, mt, p, k) = (
        f.group,
        f.member,
        f.own_topic,
        f.library_topic,
        f.meeting,
        f.plan,
        f.contact,
    );
    let ms = m.to_string();
    let page = [303, 200, 200, 404];
    let change = [303, 303, 303, 404];
    let private_page = [303, 403, 200, 404];
    let private_change = [303, 403, 303, 404];
    let api_read = [401, 200, 200, 404];
    let api_private = [401, 403, 200, 404];
    let (_, lib_description, lib_prompts) = STARTER_TOPICS[0];
    let mut list = vec![
        case("GET", format!("/groups/{g}/topics"), Body::None, page),
        case(
            "POST",
            format!("/groups/{g}/topics"),
            form(&[("title", "Matrix topic")]),
            change,
        ),
        case("GET", format!("/groups/{g}/topics/{own}"), Body::None, page),
        case("GET", format!("/groups/{g}/topics/{lib}"), Body::None, page),
        case(
            "POST",
            format!("/groups/{g}/topics/{own}"),
            form(&[("do", "board")]),
            change,
        ),
        case(
            "POST",
            format!("/groups/{g}/topics/{own}"),
            form(&[("do", "votes"), ("member", &ms)]),
            change,
        ),
        case(
            "POST",
            format!("/groups/{g}/topics/{own}"),
            form(&[("do", "agree"), ("meeting_id", &mt.to_string())]),
            change,
        ),
        case(
            "POST",
            format!("/groups/{g}/topics/{lib}"),
            form(&[("do", "set_aside")]),
            change,
        ),
        case(
            "POST",
            format!("/groups/{g}/topics/{lib}"),
            form(&[("do", "covered")]),
            change,
        ),
        case(
            "POST",
            format!("/groups/{g}/topics/{own}/edit"),
            form(&[("title", "Gardening"), ("prompts", "What do you grow?")]),
            change,
        ),
        case(
            "POST",
            format!("/groups/{g}/topics/{lib}/edit"),
            form(&[
                ("title", "Hypos"),
                ("description", lib_description),
                ("prompts", lib_prompts),
            ]),
            [303, 303, 403, 404],
        ),
        case(
            "POST",
            format!("/members/{m}/plans"),
            form(&[("what", "Matrix plan"), ("confidence", "8")]),
            private_change,
        ),
        case("GET", format!("/plans/{p}"), Body::None, private_page),
        case(
            "POST",
            format!("/plans/{p}/reviews"),
            form(&[("outcome", "on_track"), ("note", "Matrix review")]),
            private_change,
        ),
        case(
            "POST",
            format!("/meetings/{mt}/checkins/{m}"),
            form(&[
                ("note", "Matrix line"),
                ("private_shown", "1"),
                ("private", "true"),
            ]),
            private_change,
        ),
        case(
            "POST",
            format!("/members/{m}/contacts"),
            form(&[
                ("contacted_on", "2026-11-02"),
                ("how", "phone"),
                ("about", "Matrix contact"),
                ("follow_up", "Matrix follow-up"),
            ]),
            change,
        ),
        case(
            "POST",
            format!("/contacts/{k}/done"),
            form(&[("done", "true"), ("back", "home")]),
            change,
        ),
        case("GET", format!("/groups/{g}/contacts"), Body::None, page),
        case(
            "GET",
            format!("/groups/{g}/contacts?from=2026-01-01&to=2027-12-31"),
            Body::None,
            page,
        ),
        case("GET", format!("/groups/{g}/contacts.csv"), Body::None, page),
        case(
            "GET",
            format!("/groups/{g}/contacts.csv?from=2026-01-01&to=2027-12-31"),
            Body::None,
            page,
        ),
        case("GET", format!("/meetings/{mt}/call-list"), Body::None, page),
        case(
            "GET",
            format!("/groups/{g}/contacts/new?member={m}&meeting={mt}"),
            Body::None,
            page,
        ),
        case(
            "POST",
            format!("/groups/{g}/contacts"),
            form(&[
                ("member_id", &ms),
                ("contacted_on", "2026-11-03"),
                ("how", "phone"),
                ("about", "Matrix call"),
                ("back", "/"),
            ]),
            change,
        ),
        // The API.
        case(
            "GET",
            format!("/api/v1/groups/{g}/topics"),
            Body::None,
            api_read,
        ),
        case(
            "POST",
            format!("/api/v1/groups/{g}/topics"),
            Body::Json(json!({"title": "Matrix api topic"})),
            [401, 201, 201, 404],
        ),
        case(
            "PUT",
            format!("/api/v1/groups/{g}/topics/{own}"),
            Body::Json(json!({"status": "proposed"})),
            api_read,
        ),
        case(
            "PUT",
            format!("/api/v1/groups/{g}/topics/{lib}"),
            Body::Json(json!({"status": "agreed", "meeting_id": mt})),
            api_read,
        ),
        case(
            "POST",
            format!("/api/v1/topics/{own}/votes"),
            Body::Json(json!({"member_id": m})),
            [401, 201, 201, 404],
        ),
        case(
            "DELETE",
            format!("/api/v1/topics/{own}/votes/{m}"),
            Body::None,
            api_read,
        ),
        case(
            "GET",
            format!("/api/v1/members/{m}/plans"),
            Body::None,
            api_private,
        ),
        case(
            "POST",
            format!("/api/v1/members/{m}/plans"),
            Body::Json(json!({"what": "Matrix api plan", "confidence": 3})),
            [401, 403, 201, 404],
        ),
        case("GET", format!("/api/v1/plans/{p}"), Body::None, api_private),
        case(
            "POST",
            format!("/api/v1/plans/{p}/reviews"),
            Body::Json(json!({"outcome": "on_track", "note": "Matrix api review"})),
            [401, 403, 201, 404],
        ),
        case(
            "GET",
            format!("/api/v1/meetings/{mt}/checkins"),
            Body::None,
            api_private,
        ),
        case(
            "PUT",
            format!("/api/v1/meetings/{mt}/checkins"),
            Body::Json(json!({"member_id": m, "note": "Matrix api line"})),
            api_private,
        ),
    ];
    // The member's own link: whoever holds it is the member, signed in or not.
    for (method, path, body) in [
        (
            "POST",
            format!("{}/topics", f.link),
            form(&[("title", "Matrix link topic")]),
        ),
        (
            "POST",
            format!("{}/topics/{own}", f.link),
            form(&[("vote", "true")]),
        ),
        (
            "POST",
            format!("{}/topics/{own}", f.link),
            form(&[("vote", "false")]),
        ),
        (
            "POST",
            format!("{}/plans", f.link),
            form(&[("what", "Matrix link plan"), ("confidence", "9")]),
        ),
    ] {
        list.push(Case {
            link: true,
            ..case(method, path, body, [303; 4])
        });
    }
    // A made-up link reaches nothing, for anyone.
    for (path, body) in [
        (
            "/m/not-a-real-token/topics".to_string(),
            form(&[("title", "Guess")]),
        ),
        (
            format!("/m/not-a-real-token/topics/{own}"),
            form(&[("vote", "true")]),
        ),
        (
            "/m/not-a-real-token/plans".to_string(),
            form(&[("what", "Guess"), ("confidence", "9")]),
        ),
    ] {
        list.push(Case {
            link: true,
            ..case("POST", path, body, [410; 4])
        });
    }
    list
}

struct Actor<'a> {
    browser: &'a Browser,
    api: &'a Api,
}

async fn request(actor: &Actor<'_>, c: &Case) -> Resp {
    let api = c.path.starts_with("/api/");
    match (&c.body, api) {
        (Body::Json(v), true) => actor.api.json(c.method, &c.path, v).await,
        (Body::None, true) => actor.api.send(c.method, &c.path, None, &[]).await,
        (Body::None, false) => actor.browser.get(&c.path).await,
        (Body::Form(fields), false) => {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            actor.browser.post_form(&c.path, &f).await
        }
        (body, _) => panic!("{} {}: body {body:?}", c.method, c.path),
    }
}

/// What went wrong with one answer, if anything.
fn judge(c: &Case, who: Who, res: &Resp, secrets: &[&str]) -> Vec<String> {
    let mut wrong = Vec::new();
    let expected = c.expect[idx(who)];
    let what = format!("{who:?} {} {}", c.method, c.path);
    if res.status.as_u16() != expected {
        wrong.push(format!(
            "{what}: {} (expected {expected}) {}",
            res.status.as_u16(),
            excerpt(&res.text).chars().take(300).collect::<String>()
        ));
        return wrong;
    }
    let api = c.path.starts_with("/api/");
    if who == Who::Anon
        && expected == 303
        && !api
        && !c.link
        && !res.location().starts_with("/signin")
    {
        wrong.push(format!(
            "{what}: redirected to {:?}, not to /signin",
            res.location()
        ));
    }
    if who != Who::Anon && expected == 303 && res.location().starts_with("/signin") {
        wrong.push(format!("{what}: sent to sign in"));
    }
    if api && expected >= 400 {
        let code = match expected {
            401 => "unauthorized",
            403 => "forbidden",
            _ => "not_found",
        };
        let ok = res
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
            && serde_json::from_str::<Value>(&res.text).is_ok_and(|v| v["error"]["code"] == code);
        if !ok {
            wrong.push(format!("{what}: not a JSON error {code:?}: {}", res.text));
        }
        if expected == 401 && res.header("www-authenticate").is_none() {
            wrong.push(format!("{what}: 401 without WWW-Authenticate"));
        }
    }
    // Whoever is refused learns nothing from the answer.
    if expected >= 400 || (who == Who::Outside && !c.link) {
        for s in secrets {
            if res.text.contains(s) {
                wrong.push(format!("{what}: the answer holds {s:?}"));
            }
        }
    }
    wrong
}

/// Everything the features keep for one group, to tell whether a refused request changed it.
async fn snapshot(app: &TestApp, w: &World, inside: &Api, f: &Fixture) -> Value {
    let contacts: Vec<(String, String, bool)> = app
        .store
        .contacts_of_group(
            &app.store.group(&w.c, GroupId(f.group)).await.unwrap(),
            None,
            None,
            hearth::store::ContactRead::Viewed,
        )
        .await
        .expect("contacts")
        .into_iter()
        .map(|c| (c.about, c.follow_up, c.follow_up_done))
        .collect();
    json!({
        "topics": topics(inside, f.group).await,
        "plans": plans(inside, f.member).await,
        "plan": get_json(inside, &format!("/api/v1/plans/{}", f.plan)).await,
        "checkins": get_json(inside, &format!("/api/v1/meetings/{}/checkins", f.meeting)).await,
        "meeting": get_json(inside, &format!("/api/v1/meetings/{}", f.meeting)).await,
        "contacts": contacts,
    })
}

async fn fixture(
    app: &TestApp,
    w: &World,
    group: i64,
    member: i64,
    inside_api: &Api,
    inside: &Browser,
    secret: &str,
) -> Fixture {
    let own_topic = propose(inside_api, group, &format!("{secret} topic")).await;
    let library_topic = id_of(&topics(inside_api, group).await, "Hypos");
    // A second meeting, so it has a "since last time" step; the member was there.
    plan_id(inside_api, group, &days_from_now(7)).await;
    let meeting = plan_id(inside_api, group, &days_from_now(14)).await;
    crate::topics::sign_in(inside_api, meeting, member).await;
    let plan = add_plan(
        inside_api,
        member,
        json!({"what": format!("{secret} plan"), "confidence": 8}),
    )
    .await["id"]
        .as_i64()
        .expect("plan");
    inside_api
        .put(
            &format!("/api/v1/meetings/{meeting}/checkins"),
            &json!({"member_id": member, "note": format!("{secret} line")}),
        )
        .await
        .expect(200);
    add_contact(
        inside,
        member,
        &[
            ("contacted_on", "2026-10-01"),
            ("how", "phone"),
            ("about", &format!("{secret} contact")),
            ("follow_up", &format!("{secret} follow-up")),
        ],
    )
    .await;
    let contact = app
        .store
        .contacts_of_group(
            &app.store.group(&w.c, GroupId(group)).await.unwrap(),
            None,
            None,
            hearth::store::ContactRead::Viewed,
        )
        .await
        .expect("contacts")[0]
        .id;
    let link = issue_link(app, inside, member).await;
    Fixture {
        group,
        member,
        own_topic,
        library_topic,
        meeting,
        plan,
        contact,
        link,
    }
}

both_backends! {
    async fn every_topic_plan_and_contact_route_by_role(app: TestApp) {
        let w = World::build(&app).await;
        let fa = fixture(&app, &w, w.group_a, w.member_a, &w.f1_api, &w.f1b, "Alder-secret").await;
        let fb = fixture(&app, &w, w.group_b, w.member_b, &w.f2_api, &w.f2b, "Birch-secret").await;
        let anon = app.browser();
        let anon_api = app.api_anonymous();
        let mut wrong = Vec::new();
        let mut checked = 0;
        for (f, inside, outside, inside_api, secrets) in [
            (&fa, Actor { browser: &w.f1b, api: &w.f1_api }, Actor { browser: &w.f2b, api: &w.f2_api }, &w.f1_api, [GROUP_A, MEMBER_A, "Alder-secret"]),
            (&fb, Actor { browser: &w.f2b, api: &w.f2_api }, Actor { browser: &w.f1b, api: &w.f1_api }, &w.f2_api, [GROUP_B, MEMBER_B, "Birch-secret"]),
        ] {
            let list = cases(f);
            // Refusals first, and nothing they sent may change anything.
            let before = snapshot(&app, &w, inside_api, f).await;
            let c = Actor { browser: &w.cb, api: &w.c_api };
            let anon_actor = Actor { browser: &anon, api: &anon_api };
            for case in &list {
                for (who, actor) in [(Who::Anon, &anon_actor), (Who::Outside, &outside)] {
                    if case.link {
                        continue;
                    }
                    let res = request(actor, case).await;
                    wrong.extend(judge(case, who, &res, &secrets));
                    checked += 1;
                }
                if case.expect[idx(Who::C)] == 403 {
                    let res = request(&c, case).await;
                    wrong.extend(judge(case, Who::C, &res, &secrets));
                    checked += 1;
                }
            }
            let after = snapshot(&app, &w, inside_api, f).await;
            if after != before {
                wrong.push(format!("refused requests changed group {}:\nbefore {before}\nafter  {after}", f.group));
            }
            // Then those let in, and the links (which anyone holding them may use).
            for case in &list {
                for (who, actor) in [(Who::Inside, &inside), (Who::C, &c), (Who::Anon, &anon_actor), (Who::Outside, &outside)] {
                    let refused_already = !case.link && (matches!(who, Who::Anon | Who::Outside) || case.expect[idx(Who::C)] == 403);
                    if refused_already {
                        continue;
                    }
                    let res = request(actor, case).await;
                    wrong.extend(judge(case, who, &res, &secrets));
                    checked += 1;
                }
            }
        }
        assert!(checked > 200, "only {checked} requests");
        assert!(wrong.is_empty(), "{} of {checked} requests went wrong:\n{}", wrong.len(), wrong.join("\n"));
        // What the links did landed on their own member only.
        assert!(plans(&w.f1_api, w.member_a).await.iter().any(|p| p["what"] == "Matrix link plan"));
        assert!(plans(&w.f2_api, w.member_b).await.iter().any(|p| p["what"] == "Matrix link plan"));
        // The library topic the coordinator re-saved is as it was.
        let hypos = topics(&w.f1_api, w.group_a).await.into_iter().find(|t| t["title"] == "Hypos").expect("hypos");
        assert_eq!(hypos["description"], STARTER_TOPICS[0].1);
    }
}

// --- every route of these features has a row --------------------------------------------

/// The route a request path is served by: ids and tokens read as `{}`.
fn route_of(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        let after_secret = i == 2 && segments[1] == "m";
        if after_secret || (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())) {
            out.push("{}");
        } else {
            out.push(s);
        }
    }
    out.join("/")
}

#[test]
fn the_matrix_has_a_row_for_every_route_of_these_features() {
    let mut declared = routes_in(include_str!("../../src/web/mod.rs"), "");
    declared.extend(routes_in(include_str!("../../src/api/mod.rs"), "/api/v1"));
    let ours: Vec<&(String, String)> = declared
        .iter()
        .filter(|(_, r)| {
            [
                "topics",
                "plans",
                "reviews",
                "checkins",
                "contacts",
                "call-list",
                "votes",
            ]
            .iter()
            .any(|k| r.contains(k))
        })
        .collect();
    assert!(
        ours.len() >= 25,
        "the router source could not be read: {ours:?}"
    );
    let f = Fixture {
        group: 5,
        member: 6,
        own_topic: 7,
        library_topic: 8,
        meeting: 9,
        plan: 10,
        contact: 11,
        link: "/m/TOKEN".into(),
    };
    let covered: Vec<(String, String)> = cases(&f)
        .iter()
        .map(|c| (c.method.to_string(), route_of(&c.path)))
        .collect();
    let missing: Vec<String> = ours
        .iter()
        .filter(|pair| !covered.contains(pair))
        .map(|(m, r)| format!("{m} {r}: no row in the matrix"))
        .collect();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

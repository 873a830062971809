//! The OpenAPI document tells the truth about topics, votes, plans, reviews and check-ins:
//! every route is in it, the inputs name the fields the issue asks for, and the answers the
//! API really gives match the schemas it publishes (no field undocumented, none missing).

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{get_json, plan_id};
use crate::plans::add_plan;
use crate::topics::{id_of, topics};

/// Follows a `$ref` to a component.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unexpected $ref {r}"));
            let target = &doc["components"]["schemas"][name];
            assert!(!target.is_null(), "{r} is not in the document");
            target
        }
        None => schema,
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks a value against a schema; each problem is written down with where it is.
fn check(doc: &Value, schema: &Value, v: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    let actual = type_of(v);
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !allowed.is_empty()
        && !allowed
            .iter()
            .any(|t| *t == actual || (*t == "number" && actual == "integer"))
    {
        problems.push(format!("{at}: is {actual}, documented as {allowed:?}"));
        return;
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(v)
    {
        problems.push(format!("{at}: {v} is not one of {values:?}"));
    }
    match v {
        Value::Object(map) => {
            let props = schema["properties"].as_object();
            for (k, val) in map {
                match props.and_then(|p| p.get(k)) {
                    Some(s) => check(doc, s, val, &format!("{at}.{k}"), problems),
                    None => problems.push(format!("{at}.{k}: returned but not documented")),
                }
            }
            for r in schema["required"].as_array().into_iter().flatten() {
                let r = r.as_str().unwrap_or_default();
                if !map.contains_key(r) {
                    problems.push(format!("{at}.{r}: documented as required, not returned"));
                }
            }
        }
        Value::Array(items) if !schema["items"].is_null() => {
            for (i, item) in items.iter().enumerate() {
                check(doc, &schema["items"], item, &format!("{at}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

fn response_schema<'a>(doc: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let s = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        !s.is_null(),
        "the document has no JSON schema for {method} {path} {status}"
    );
    s
}

fn request_properties<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let s = &doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"];
    assert!(!s.is_null(), "{method} {path} documents no JSON body");
    &resolve(doc, s)["properties"]
}

both_backends! {
    async fn the_openapi_document_describes_topics_plans_and_checkins_as_they_answer(app: TestApp) {
        let w = World::build(&app).await;
        let doc = get_json(&app.api_anonymous(), "/api/v1/openapi.json").await;
        let paths = doc["paths"].as_object().expect("paths");
        for (path, methods) in [
            ("/groups/{id}/topics", &["get", "post"][..]),
            ("/groups/{id}/topics/{topic_id}", &["put"]),
            ("/topics/{id}/votes", &["post"]),
            ("/topics/{id}/votes/{member_id}", &["delete"]),
            ("/members/{id}/plans", &["get", "post"]),
            ("/plans/{id}", &["get"]),
            ("/plans/{id}/reviews", &["post"]),
            ("/meetings/{id}/checkins", &["get", "put"]),
        ] {
            for m in methods {
                assert!(paths.get(path).is_some_and(|p| p.get(*m).is_some()), "{m} {path} is missing from openapi.json");
            }
        }
        for (path, method, fields) in [
            ("/groups/{id}/topics", "post", &["title"][..]),
            ("/topics/{id}/votes", "post", &["member_id"]),
            ("/members/{id}/plans", "post", &["what", "how_much", "when", "how_often", "by_date", "confidence"]),
            ("/plans/{id}/reviews", "post", &["outcome", "note"]),
            ("/meetings/{id}/checkins", "put", &["member_id", "note", "private"]),
        ] {
            let props = request_properties(&doc, path, method);
            for f in fields {
                assert!(props.get(*f).is_some(), "{method} {path} does not document {f}");
            }
        }

        // One of everything, then each answer against its schema.
        let g = w.group_a;
        let m = w.member_a;
        plan_id(&w.f1_api, g, "2026-12-29").await;
        let meeting = plan_id(&w.f1_api, g, "2027-01-05").await;
        crate::topics::sign_in(&w.f1_api, meeting, m).await;
        let proposed = w.f1_api.post(&format!("/api/v1/groups/{g}/topics"), &json!({"title": "Gardening", "prompts": "One\nTwo\nThree"})).await;
        proposed.expect(201);
        let garden = proposed.json()["id"].as_i64().expect("id");
        let hypos = id_of(&topics(&w.f1_api, g).await, "Hypos");
        let agreed = w.f1_api.put(&format!("/api/v1/groups/{g}/topics/{hypos}"), &json!({"status": "agreed", "meeting_id": meeting})).await;
        agreed.expect(200);
        let voted = w.f1_api.post(&format!("/api/v1/topics/{garden}/votes"), &json!({"member_id": m})).await;
        voted.expect(201);
        let unvoted = w.f1_api.send("DELETE", &format!("/api/v1/topics/{garden}/votes/{m}"), None, &[]).await;
        unvoted.expect(200);
        let low = w.f1_api.post(&format!("/api/v1/members/{m}/plans"), &json!({"what": "Walk", "how_much": "20 minutes", "by_date": "2027-03-31", "confidence": 5})).await;
        low.expect(201);
        let plan = low.json()["id"].as_i64().expect("id");
        let confident = add_plan(&w.f1_api, m, json!({"what": "Cook", "confidence": 9})).await;
        let reviewed = w.f1_api.post(&format!("/api/v1/plans/{plan}/reviews"), &json!({"outcome": "on_track", "note": "Fine", "meeting_id": meeting})).await;
        reviewed.expect(201);
        let checkin = w.f1_api.put(&format!("/api/v1/meetings/{meeting}/checkins"), &json!({"member_id": m, "note": "Hello", "private": false})).await;
        checkin.expect(200);

        let answers: Vec<(&str, &str, u16, Value)> = vec![
            ("/groups/{id}/topics", "get", 200, get_json(&w.f1_api, &format!("/api/v1/groups/{g}/topics")).await),
            ("/groups/{id}/topics", "post", 201, proposed.json()),
            ("/groups/{id}/topics/{topic_id}", "put", 200, agreed.json()),
            ("/topics/{id}/votes", "post", 201, voted.json()),
            ("/topics/{id}/votes/{member_id}", "delete", 200, unvoted.json()),
            ("/members/{id}/plans", "get", 200, get_json(&w.f1_api, &format!("/api/v1/members/{m}/plans")).await),
            ("/members/{id}/plans", "post", 201, low.json()),
            ("/members/{id}/plans", "post", 201, confident),
            ("/plans/{id}", "get", 200, get_json(&w.f1_api, &format!("/api/v1/plans/{plan}")).await),
            ("/plans/{id}/reviews", "post", 201, reviewed.json()),
            ("/meetings/{id}/checkins", "get", 200, get_json(&w.f1_api, &format!("/api/v1/meetings/{meeting}/checkins")).await),
            ("/meetings/{id}/checkins", "put", 200, checkin.json()),
        ];
        let mut problems = Vec::new();
        for (path, method, status, body) in &answers {
            check(&doc, response_schema(&doc, path, method, *status), body, &format!("{} {path}", method.to_uppercase()), &mut problems);
        }
        // One line per kind of problem (not one per list item).
        let mut problems: Vec<String> = problems.into_iter().map(|p| p.replace(|c: char| c.is_ascii_digit(), "")).collect();
        problems.sort();
        problems.dedup();
        assert!(problems.is_empty(), "the answers differ from openapi.json:\n{}", problems.join("\n"));
    }
}

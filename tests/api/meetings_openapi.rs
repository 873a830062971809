//! The OpenAPI document tells the truth about the meeting API: every meeting route is in it,
//! and the answers the API really gives match the schemas it publishes (types, required
//! fields, allowed values, and no field left undocumented).

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{get_json, plan_id};

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
                    None if schema["additionalProperties"].is_object() => check(
                        doc,
                        &schema["additionalProperties"],
                        val,
                        &format!("{at}.{k}"),
                        problems,
                    ),
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

/// The schema the document gives for one answer.
fn response_schema<'a>(doc: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let s = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        !s.is_null(),
        "the document has no JSON schema for {method} {path} {status}"
    );
    s
}

both_backends! {
    async fn the_openapi_document_describes_the_meeting_api_as_it_answers(app: TestApp) {
        let w = World::build(&app).await;
        let doc = get_json(&app.api_anonymous(), "/api/v1/openapi.json").await;
        let paths = doc["paths"].as_object().expect("paths");
        for (path, methods) in [
            ("/groups/{id}/meetings", &["get", "post"][..]),
            ("/groups/{id}/concerns", &["get", "post"]),
            ("/meetings/{id}", &["get", "put", "patch"]),
            ("/meetings/{id}/steps/{position}", &["put"]),
            ("/meetings/{id}/attendance", &["get", "post"]),
            ("/meetings/{id}/attendance/{member_id}", &["delete"]),
            ("/meetings/{id}/rsvps", &["get", "put"]),
            ("/meetings/{id}/notes", &["get", "put"]),
            ("/meetings/{id}/actions", &["post"]),
            ("/meetings/{id}/reflections", &["get", "put"]),
        ] {
            for m in methods {
                assert!(paths.get(path).is_some_and(|p| p.get(*m).is_some()), "{m} {path} is missing from openapi.json");
            }
        }
        let input = resolve(&doc, &doc["paths"]["/groups/{id}/meetings"]["post"]["requestBody"]["content"]["application/json"]["schema"]);
        for field in ["date", "start_time", "duration_minutes", "venue_id"] {
            assert!(input["properties"].get(field).is_some(), "the meeting input does not document {field}");
        }

        // One meeting with one of everything, then each answer against its schema.
        let g = w.group_a;
        let created = w.f1_api.post(&format!("/api/v1/groups/{g}/meetings"), &json!({"date": "2027-01-05", "start_time": "19:00", "topic": "Sleep"})).await;
        created.expect(201);
        let id = plan_id(&w.f1_api, g, "2027-02-02").await;
        let m = format!("/api/v1/meetings/{id}");
        w.f1_api.post(&format!("{m}/attendance"), &json!({"member_id": w.member_a})).await.expect(201);
        w.f1_api.post(&format!("{m}/attendance"), &json!({"guest_name": "Gina Guest"})).await.expect(201);
        w.f1_api.put(&format!("{m}/rsvps"), &json!({"member_id": w.member_a, "answer": "yes"})).await.expect(200);
        w.f1_api.put(&format!("{m}/steps/0"), &json!({"checked": [0], "notes": "Hello"})).await.expect(200);
        w.f1_api.put(&format!("{m}/reflections"), &json!({"went_well": "Good", "feeling": "fine"})).await.expect(200);
        w.f1_api.post(&format!("/api/v1/groups/{g}/concerns"), &json!({"member_id": w.member_a, "concern": "Worried", "meeting_id": id})).await.expect(201);
        let actions = w.f1_api.post(&format!("{m}/actions"), &json!({"what": "Book", "who": "Fern", "by_date": "2027-03-01"})).await;
        actions.expect(201);

        let answers: Vec<(&str, &str, u16, Value)> = vec![
            ("/groups/{id}/meetings", "post", 201, created.json()),
            ("/groups/{id}/meetings", "get", 200, get_json(&w.f1_api, &format!("/api/v1/groups/{g}/meetings")).await),
            ("/meetings/{id}", "get", 200, get_json(&w.f1_api, &m).await),
            ("/meetings/{id}/attendance", "get", 200, get_json(&w.f1_api, &format!("{m}/attendance")).await),
            ("/meetings/{id}/rsvps", "get", 200, get_json(&w.f1_api, &format!("{m}/rsvps")).await),
            ("/meetings/{id}/notes", "get", 200, get_json(&w.f1_api, &format!("{m}/notes")).await),
            ("/meetings/{id}/reflections", "get", 200, get_json(&w.f1_api, &format!("{m}/reflections")).await),
            ("/groups/{id}/concerns", "get", 200, get_json(&w.f1_api, &format!("/api/v1/groups/{g}/concerns")).await),
            ("/meetings/{id}/actions", "post", 201, actions.json()),
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

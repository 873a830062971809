//! What the OpenAPI document says a request may hold, read from the document itself, so the
//! document and the server cannot disagree about it: a body field the document does not list
//! for the operation (at any depth; every body schema says `additionalProperties: false`), a
//! null inside a list, or a list or object where one value belongs is refused by name; so is
//! an empty query value, or one not among the document's choices. What each value must be
//! beyond that (its length, range, form) the domain's parsers check, with their own words, and
//! schemathesis checks the document against the server in CI (tools/api-conformance).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The API's prefix: the document's paths are under it.
pub const PREFIX: &str = "/api/v1";

type Operation = (String, String);

/// The document, read once.
static DOC: LazyLock<serde_json::Value> =
    LazyLock::new(|| serde_json::from_str(super::OPENAPI).unwrap_or_default());

/// Each operation of the document: its path, its method, the path's item (for parameters
/// shared by its methods) and the operation.
fn operations() -> impl Iterator<
    Item = (
        &'static String,
        &'static String,
        &'static serde_json::Value,
        &'static serde_json::Value,
    ),
> {
    DOC["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(method, operation)| *method != "parameters" && operation.is_object())
                .map(move |(method, operation)| (path, method, item, operation))
        })
}

static BODIES: LazyLock<HashMap<Operation, serde_json::Value>> = LazyLock::new(|| {
    operations()
        .filter_map(|(path, method, _, operation)| {
            let schema = resolved(
                &DOC,
                &operation["requestBody"]["content"]["application/json"]["schema"],
            );
            schema["properties"]
                .is_object()
                .then(|| ((method.to_ascii_uppercase(), path.clone()), schema.clone()))
        })
        .collect()
});

static FIELDS: LazyLock<HashMap<Operation, HashSet<String>>> = LazyLock::new(|| {
    BODIES
        .iter()
        .map(|(op, schema)| {
            let names = schema["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            (op.clone(), names)
        })
        .collect()
});

fn resolved<'a>(
    doc: &'a serde_json::Value,
    schema: &'a serde_json::Value,
) -> &'a serde_json::Value {
    match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap_or("")],
        None => schema,
    }
}

fn operation(method: &str, route: &str) -> Operation {
    let route = route.strip_prefix(PREFIX).unwrap_or(route);
    (method.to_ascii_uppercase(), route.to_string())
}

/// The fields the document lets a body hold for `method` on `route` (the router's pattern,
/// with or without the `/api/v1` prefix); None where it describes no JSON body.
pub fn body_fields(method: &str, route: &str) -> Option<&'static HashSet<String>> {
    FIELDS.get(&operation(method, route))
}

/// Checks a JSON body against the document's schema for the operation: no field it does not
/// list (at any depth), no null inside a list, and a list or an object only where it says
/// one. Each refusal names its field (`options.0.date` inside a list). What the values
/// must be beyond that the domain's parsers say, with their own words.
pub fn check_body(
    method: &str,
    route: &str,
    body: &serde_json::Value,
) -> crate::domain::FieldErrors {
    let mut errors = crate::domain::FieldErrors::new();
    if let Some(schema) = BODIES.get(&operation(method, route)) {
        check(body, schema, "", false, &mut errors);
    }
    errors
}

fn json_type(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn wanted(kind: &str) -> &'static str {
    match kind {
        "string" => "text in quotes",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "an object",
        _ => "a value",
    }
}

fn check(
    value: &serde_json::Value,
    schema: &serde_json::Value,
    at: &str,
    in_list: bool,
    errors: &mut crate::domain::FieldErrors,
) {
    let field = |name: &str| {
        if at.is_empty() {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    };
    let types: Vec<&str> = match &schema["type"] {
        serde_json::Value::String(t) => vec![t.as_str()],
        serde_json::Value::Array(ts) => ts.iter().filter_map(|t| t.as_str()).collect(),
        _ => Vec::new(),
    };
    let given = json_type(value);
    let structured = |t: &str| t == "object" || t == "array";
    // A null inside a list (`[null]`), and a list or an object where the document wants a
    // single value (or the other way round), are refused here. A field given as null is read
    // as not given (the domain's parsers then ask for it where it is needed, or clear it);
    // text for a number, a number for text and the like the parsers refuse with their own
    // words, together with whatever else is wrong with the request.
    let misfit = !types.is_empty()
        && !types.contains(&given)
        && if given == "null" {
            in_list
        } else {
            structured(given) || types.iter().any(|t| structured(t))
        };
    if misfit {
        let name = if at.is_empty() { "body" } else { at };
        let message = if given == "null" {
            "Leave this out rather than sending null.".to_string()
        } else {
            let kinds: Vec<&str> = types
                .iter()
                .filter(|t| **t != "null")
                .map(|t| wanted(t))
                .collect();
            format!(
                "Give this as {}, not {}.",
                kinds.join(" or "),
                wanted(given)
            )
        };
        errors.add(name, message);
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            let properties = schema["properties"].as_object();
            for (key, item) in map {
                match properties.and_then(|p| p.get(key)) {
                    Some(inner) => check(item, inner, &field(key), false, errors),
                    None => match &schema["additionalProperties"] {
                        serde_json::Value::Bool(false) => errors.add(
                            &field(key),
                            "This request takes no field of this name: the API's document lists the ones it takes.",
                        ),
                        inner @ serde_json::Value::Object(_) => {
                            check(item, inner, &field(key), false, errors)
                        }
                        _ => {}
                    },
                }
            }
        }
        serde_json::Value::Array(items) => {
            let inner = &schema["items"];
            if inner.is_object() {
                for (i, item) in items.iter().enumerate() {
                    // A list of objects names the item (`options.0.date`); a list of single
                    // values names the list (`facilitator_ids`).
                    let name = if inner["type"] == "object" {
                        field(&i.to_string())
                    } else {
                        at.to_string()
                    };
                    check(item, inner, &name, true, errors);
                }
            }
        }
        _ => {}
    }
}

static QUERIES: LazyLock<HashMap<Operation, Vec<(String, serde_json::Value)>>> =
    LazyLock::new(|| {
        operations()
            .filter_map(|(path, method, item, operation)| {
                let params: Vec<(String, serde_json::Value)> =
                    [&item["parameters"], &operation["parameters"]]
                        .into_iter()
                        .flat_map(|list| list.as_array().into_iter().flatten())
                        .map(|p| resolved(&DOC, p))
                        .filter(|p| p["in"] == "query")
                        .filter_map(|p| {
                            Some((p["name"].as_str()?.to_string(), p["schema"].clone()))
                        })
                        .collect();
                (!params.is_empty()).then(|| ((method.to_ascii_uppercase(), path.clone()), params))
            })
            .collect()
    });

/// Checks a request's query against the document: a parameter it lists that is given must
/// have a value (`?to=` is refused, not ignored) and be one of its choices where it lists
/// them. Each refusal names the parameter; numbers and dates the handlers read themselves.
pub fn check_query(method: &str, route: &str, uri: &axum::http::Uri) -> crate::domain::FieldErrors {
    let mut errors = crate::domain::FieldErrors::new();
    let Some(params) = QUERIES.get(&operation(method, route)) else {
        return errors;
    };
    // A query that does not parse at all is the extractor's 400, not this check's.
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default();
    for (key, value) in pairs {
        let Some((_, schema)) = params.iter().find(|(name, _)| *name == key) else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            errors.add(&key, "Give a value, or leave this out.");
        } else if let Some(choices) = schema["enum"].as_array()
            && !choices.iter().any(|c| c.as_str() == Some(value))
        {
            let names: Vec<&str> = choices.iter().filter_map(|c| c.as_str()).collect();
            errors.add(&key, format!("Use one of: {}.", names.join(", ")));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_gives_each_body_its_fields_and_allows_no_others() {
        assert!(
            body_fields("POST", "/api/v1/groups/{id}/members")
                .is_some_and(|f| f.contains("preferred_name") && !f.contains("id"))
        );
        assert!(body_fields("GET", "/groups").is_none());
        let doc: serde_json::Value = serde_json::from_str(super::super::OPENAPI).expect("json");
        let mut bodies = 0;
        for (path, operations) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in operations.as_object().expect("operations") {
                let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
                let schema = match schema["$ref"].as_str() {
                    Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap_or("")],
                    None => schema,
                };
                if schema.is_null() {
                    continue;
                }
                bodies += 1;
                fn closed(schema: &serde_json::Value, at: &str) {
                    if !schema.is_object() {
                        return;
                    }
                    if schema["properties"].is_object() {
                        assert_eq!(
                            schema["additionalProperties"], false,
                            "{at}: a body's schema says it takes no other fields"
                        );
                    }
                    for inner in [&schema["items"], &schema["additionalProperties"]] {
                        closed(inner, at);
                    }
                    for inner in schema["properties"].as_object().into_iter().flatten() {
                        closed(inner.1, at);
                    }
                }
                closed(schema, &format!("{method} {path}"));
                assert!(
                    body_fields(method, path).is_some(),
                    "{method} {path}: its fields are read"
                );
            }
        }
        assert!(bodies >= 30);
    }
}

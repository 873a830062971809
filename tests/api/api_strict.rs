//! The API keeps its word (issue 17, part): `{}` or `[null]` never reads as "none", a text
//! field given a number, true/false or a list is refused, a query value the server does not
//! know is named, and every error under /api/ has the JSON shape, also when a path or query
//! does not parse (pages answer with the error page).

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::get_json;

both_backends! {
    async fn nothing_malformed_is_read_as_none_and_every_api_error_is_json(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let path = format!("/api/v1/groups/{g}/facilitators");
        let before = get_json(&w.c_api, &format!("/api/v1/groups/{g}")).await["facilitators"].clone();
        assert_eq!(before.as_array().map(Vec::len), Some(1), "{before}");
        // `{}` and `[null]` used to answer 200 and remove every facilitator.
        w.c_api.put(&path, &json!({})).await.expect_invalid_fields(&["facilitator_ids"]);
        w.c_api.put(&path, &json!({"facilitator_ids": [null]})).await.expect_invalid_fields(&["facilitator_ids"]);
        assert_eq!(get_json(&w.c_api, &format!("/api/v1/groups/{g}")).await["facilitators"], before, "nobody was removed");

        // Text given as something else is refused, naming the field, and nothing is made.
        for name in [json!(false), json!(5), json!(["Hall"]), json!([null])] {
            let res = w.c_api.post("/api/v1/venues", &json!({"name": name})).await;
            res.expect_invalid_fields(&["name"]);
        }
        w.c_api.post("/api/v1/venues", &json!({"name": "false"})).await.expect(201);
        w.f1_api.post(&format!("/api/v1/groups/{g}/members"), &json!({"preferred_name": true})).await.expect_invalid_fields(&["preferred_name"]);
        // A phone number padded without end is refused, not kept.
        let padded = format!("07700{}900123", " ".repeat(40));
        w.f1_api.post(&format!("/api/v1/groups/{g}/members"), &json!({"preferred_name": "Ivy", "phone": padded})).await.expect_invalid_fields(&["phone"]);
        w.f1b.post_form(&format!("/groups/{g}/members/new"), &[("preferred_name", "Ivy"), ("phone", padded.as_str())]).await
            .expect(422).expect_field_error("phone", "at most 40 characters");

        // Query values the server does not know are named, not ignored.
        w.f1_api.get(&format!("/api/v1/groups/{g}/members?status=AAA")).await.expect_invalid_fields(&["status"]);
        w.f1_api.get(&format!("/api/v1/groups/{g}/members?need=wings")).await.expect_invalid_fields(&["need"]);
        w.f1_api.get(&format!("/api/v1/groups/{g}/members?preferred_contact=pigeon")).await.expect_invalid_fields(&["preferred_contact"]);
        w.f1_api.get(&format!("/api/v1/groups/{g}/members?status=left")).await.expect(200);
        w.f1_api.get(&format!("/api/v1/groups/{g}/stats?to=")).await.expect_invalid_fields(&["to"]);
        w.f1_api.get(&format!("/api/v1/groups/{g}/stats?from=&to=2026-12-31")).await.expect_invalid_fields(&["from"]);
        w.f1_api.get(&format!("/api/v1/groups/{g}/stats")).await.expect(200);
        // A page's own form sends empty boxes: there they mean "not set".
        w.f1b.get(&format!("/groups/{g}/insight?from=&to=")).await.expect(200);

        // A path or query that does not parse, or a method a route does not have: the JSON
        // error shape under /api/, the error page elsewhere.
        let res = w.f1_api.get("/api/v1/meetings/abc").await;
        res.expect_json_error(400, "bad_request");
        let res = w.f1_api.get(&format!("/api/v1/groups/{g}/members?q=a&q=b&status=%ff")).await;
        assert!(res.status.is_client_error(), "{}", res.status);
        assert!(res.header("content-type").is_some_and(|c| c.starts_with("application/json")), "{:?}", res.header("content-type"));
        let res = w.f1_api.send("DELETE", "/api/v1/groups", None, &[]).await;
        res.expect_json_error(405, "method_not_allowed");
        assert!(res.header("allow").is_some_and(|a| a.contains("GET")), "{:?}", res.header("allow"));
        // TRACE is never served (ASVS 13.4.4): refused without echoing the request's headers
        // (its token among them), on the API and on pages alike.
        let secret = "trace-me-x1y2z3";
        for path in ["/api/v1/groups", "/", "/groups", "/healthz"] {
            let res = w.f1_api.send("TRACE", path, None, &[("x-probe", secret)]).await;
            assert!(matches!(res.status.as_u16(), 404 | 405), "TRACE {path}: {}", res.status);
            assert!(!res.text.contains(secret) && !res.text.contains("Bearer"), "TRACE {path} echoed the request: {}", res.text);
            assert!(!res.header("allow").is_some_and(|a| a.contains("TRACE")), "TRACE {path} allowed: {:?}", res.header("allow"));
        }
        let page = w.f1b.get("/meetings/abc").await;
        page.expect(400).expect_contains("The request was not right");
        assert!(page.header("content-type").is_some_and(|c| c.starts_with("text/html")));

        // From a client that takes gzip (every browser, schemathesis): the message is words,
        // not the compressed bytes of the rejection (it was read after compressing it).
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/members/9223372036854775808", app.base))
            .header("authorization", format!("Bearer {}", app.api_token(&w.f1).await))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 400);
        let gzipped = res.headers().get("content-encoding").is_some_and(|e| e == "gzip");
        let bytes = res.bytes().await.expect("body");
        let body = if gzipped {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).expect("gzip");
            text
        } else {
            String::from_utf8(bytes.to_vec()).expect("utf-8")
        };
        let error: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        let message = error["error"]["message"].as_str().expect("message");
        assert!(message.contains("Cannot parse") && !message.chars().any(|c| c.is_control() || c == '\u{fffd}'), "{message:?}");
    }
}

both_backends! {
    async fn a_body_holds_only_the_fields_the_document_lists_and_ids_must_name_someone(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let members = format!("/api/v1/groups/{g}/members");
        // A misspelt field is named, not silently ignored, and nothing is made.
        let res = w.f1_api.post(&members, &json!({"preferred_name": "Zelda Misspelt", "prefered_contact": "email"})).await;
        res.expect_invalid_fields(&["prefered_contact"]);
        get_json(&w.f1_api, &members).await.to_string().contains("Zelda").then(|| panic!("nobody was added"));
        // Inside a list of objects too: a poll's date with a field of its own.
        let res = w.f1_api.post(&format!("/api/v1/groups/{g}/polls"), &json!({"options": [{"date": "2027-03-02", "start_time": "14:00", "when": "soon"}]})).await;
        res.expect_invalid_fields(&["options.0.when"]);
        // A list or an object where one value belongs is refused by name.
        w.f1_api.post(&members, &json!({"preferred_name": {"first": "Zelda"}})).await.expect_invalid_fields(&["preferred_name"]);

        // Facilitators: an id that names no account changes nothing (it used to remove everyone).
        let path = format!("/api/v1/groups/{g}/facilitators");
        let before = get_json(&w.c_api, &format!("/api/v1/groups/{g}")).await["facilitators"].clone();
        for ids in [json!([0]), json!([987_654]), json!([null])] {
            w.c_api.put(&path, &json!({"facilitator_ids": ids})).await.expect_invalid_fields(&["facilitator_ids"]);
        }
        assert_eq!(get_json(&w.c_api, &format!("/api/v1/groups/{g}")).await["facilitators"], before, "nobody was removed");

        // A query value the document does not allow is named once signed in; before that the
        // answer is 401 and says nothing about the query.
        let empty = format!("{members}?status=");
        app.api_anonymous().get(&empty).await.expect_json_error(401, "unauthorized");
        w.f1_api.get(&empty).await.expect_invalid_fields(&["status"]);
        w.f1_api.get("/api/v1/audit?to=").await.expect_invalid_fields(&["to"]);
    }
}

both_backends! {
    async fn a_write_about_a_member_erased_meanwhile_is_not_found_not_a_server_error(app: TestApp) {
        let w = World::build(&app).await;
        let me = w.member_a;
        // A facilitator's request has checked the member; before it writes, a coordinator
        // erases them (schemathesis found this as a 500 with two requests at once).
        let checked = app.member_access(me).await;
        w.c_api.post(&format!("/api/v1/members/{me}/erase"), &json!({"confirm": MEMBER_A})).await.expect(204);
        let input = hearth::domain::member::ConsentInput::try_from(&hearth::domain::RawInput::from_pairs(vec![
            ("kind".into(), "contact".into()),
            ("how_given".into(), "in_person".into()),
        ]))
        .expect("consent");
        let late = app.store.add_consent(&checked, &input).await;
        assert!(matches!(late, Err(hearth::store::StoreError::NotFound)), "{late:?}");
    }
}

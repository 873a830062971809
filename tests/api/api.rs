//! The JSON API under /api/v1: bearer tokens, every endpoint, partial updates, and bad input
//! answered with a JSON body that names each offending field.

use hearth::domain::ids::GroupId;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn bearer_tokens(app: TestApp) {
        let (c, cb) = app.coordinator().await;
        let token = app.api_token(&c).await;
        let api = app.api_anonymous();

        // No token, a wrong one, another scheme, an empty one: 401 with a JSON body.
        let res = api.get("/api/v1/groups").await;
        let v = res.expect_json_error(401, "unauthorized");
        assert_eq!(res.header("www-authenticate").as_deref(), Some("Bearer"));
        assert!(v["error"]["message"].as_str().unwrap().contains("Bearer"));
        for header in [
            "Bearer not-a-token".to_string(),
            format!("Basic {token}"),
            "Bearer ".to_string(),
            token.clone(),
            format!("Bearer {token}x"),
        ] {
            api.send("GET", "/api/v1/groups", None, &[("authorization", &header)])
                .await
                .expect_json_error(401, "unauthorized");
        }
        // A signed-in browser's cookie is not an API credential.
        cb.get("/api/v1/groups").await.expect_json_error(401, "unauthorized");
        let res = cb.get("/api/v1/me").await;
        res.expect(401);
        // Writes without a token are refused before the body is looked at.
        api.post("/api/v1/groups", &json!({"name": "Sneaky"})).await.expect_json_error(401, "unauthorized");
        api.post("/api/v1/venues", &json!({"name": "Sneaky"})).await.expect_json_error(401, "unauthorized");
        assert!(app.store.venues().await.unwrap().is_empty());

        // The right token works, with either spelling of the scheme.
        let res = api.send("GET", "/api/v1/me", None, &[("authorization", &format!("Bearer {token}"))]).await;
        res.expect(200);
        assert_eq!(res.json()["email"], "cora@example.org");
        assert_eq!(res.json()["role"], "coordinator");
        api.send("GET", "/api/v1/groups", None, &[("authorization", &format!("bearer {token}"))])
            .await
            .expect(200);
        // Responses are JSON and not cached.
        let res = api.with_token(&token).get("/api/v1/groups").await;
        assert!(res.header("content-type").unwrap().starts_with("application/json"));
        assert!(res.header("cache-control").is_some_and(|c| c.contains("no-store")));
        assert_eq!(
            res.json(),
            json!({"groups": [], "total": 0, "limit": 100, "offset": 0, "next": null})
        );
        // The API sets no cookies.
        assert!(res.header_all("set-cookie").is_empty(), "{:?}", res.header_all("set-cookie"));
    }
}

both_backends! {
    async fn api_group_list_is_paged(app: TestApp) {
        let (coordinator, _) = app.coordinator().await;
        let api = app.api(&coordinator).await;
        // Names in an order that differs from creation order: the pages follow the names.
        let names = ["Elm", "Ash", "Dove", "Birch", "Cedar"];
        for name in names {
            api.post("/api/v1/groups", &json!({"name": name})).await.expect(201);
        }
        let first = api.get("/api/v1/groups?limit=2").await.expect(200).json();
        let listed = |page: &Value| -> Vec<String> {
            page["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(listed(&first), ["Ash", "Birch"]);
        assert_eq!(first["total"], 5);
        assert_eq!(first["next"], "/api/v1/groups?limit=2&offset=2");
        let second = api.get(first["next"].as_str().unwrap()).await.expect(200).json();
        assert_eq!(listed(&second), ["Cedar", "Dove"]);
        let last = api.get(second["next"].as_str().unwrap()).await.expect(200).json();
        assert_eq!(listed(&last), ["Elm"]);
        assert_eq!(last["next"], Value::Null);
        // Past the end: an empty page that still says how many there are.
        let past = api.get("/api/v1/groups?offset=10").await.expect(200).json();
        assert_eq!(listed(&past), Vec::<String>::new());
        assert_eq!(past["total"], 5);
        // The default page holds them all here.
        assert_eq!(listed(&api.get("/api/v1/groups").await.expect(200).json()).len(), 5);
        // Bad paging is a field error, never a 500.
        api.get("/api/v1/groups?limit=0").await.expect_invalid_fields(&["limit"]);
        api.get("/api/v1/groups?limit=501").await.expect_invalid_fields(&["limit"]);
        api.get("/api/v1/groups?limit=ten&offset=-1").await.expect_invalid_fields(&["limit", "offset"]);
    }
}

both_backends! {
    async fn api_groups(app: TestApp) {
        let w = World::build(&app).await;
        let api = &w.c_api;
        let venue = w.venue;

        let res = api
            .post(
                "/api/v1/groups",
                &json!({
                    "name": "Riverside Peers",
                    "description": "Tuesday evenings",
                    "timezone": "Europe/Paris",
                    "usual_meeting_length": 60,
                    "open_to_new_members": false,
                    "format": "fixed",
                    "number_of_meetings": 6,
                    "ground_rules": "Be kind.",
                    "ground_rules_reviewed_on": "2026-03-03",
                    "usual_venue_id": venue
                }),
            )
            .await;
        res.expect(201);
        let g = res.json();
        let id = g["id"].as_i64().unwrap();
        assert_eq!(res.location(), format!("/api/v1/groups/{id}"));
        assert_eq!(g["name"], "Riverside Peers");
        assert_eq!(g["description"], "Tuesday evenings");
        assert_eq!(g["timezone"], "Europe/Paris");
        assert_eq!(g["usual_meeting_length"], 60);
        assert_eq!(g["open_to_new_members"], false);
        assert_eq!(g["format"], "fixed");
        assert_eq!(g["number_of_meetings"], 6);
        assert_eq!(g["ground_rules"], "Be kind.");
        assert_eq!(g["ground_rules_reviewed_on"], "2026-03-03");
        assert_eq!(g["usual_venue_id"], venue);
        assert_eq!(g["facilitators"], json!([]));

        let got = api.get(&format!("/api/v1/groups/{id}")).await.expect(200).json();
        assert_eq!(got, g);
        let list = api.get("/api/v1/groups").await.expect(200).json();
        assert!(list["groups"].as_array().unwrap().iter().any(|x| x["id"] == id));

        // PATCH changes only what it names.
        let res = api.patch(&format!("/api/v1/groups/{id}"), &json!({"name": "Riverside Peer Support"})).await;
        res.expect(200);
        let p = res.json();
        assert_eq!(p["name"], "Riverside Peer Support");
        assert_eq!(p["timezone"], "Europe/Paris");
        assert_eq!(p["number_of_meetings"], 6);
        assert_eq!(p["usual_venue_id"], venue);
        // PUT the same way; null clears an optional field.
        let res = api
            .put(&format!("/api/v1/groups/{id}"), &json!({"format": "open_ended", "usual_venue_id": null, "open_to_new_members": true}))
            .await;
        res.expect(200);
        let p = res.json();
        assert_eq!(p["format"], "open_ended");
        assert_eq!(p["number_of_meetings"], Value::Null);
        assert_eq!(p["usual_venue_id"], Value::Null);
        assert_eq!(p["open_to_new_members"], true);
        assert_eq!(p["name"], "Riverside Peer Support");
        // The page shows the same group.
        w.cb.get(&format!("/groups/{id}")).await.expect(200).expect_contains("Riverside Peer Support");

        // Facilitators.
        let res = api.put(&format!("/api/v1/groups/{id}/facilitators"), &json!({"facilitator_ids": [w.f1.id, w.f2.id]})).await;
        res.expect(200);
        let ids: Vec<i64> = res.json()["facilitators"].as_array().unwrap().iter().map(|f| f["id"].as_i64().unwrap()).collect();
        assert!(ids.contains(&w.f1.id) && ids.contains(&w.f2.id), "{ids:?}");
        w.f2_api.get(&format!("/api/v1/groups/{id}")).await.expect(200);
        api.put(&format!("/api/v1/groups/{id}/facilitators"), &json!({"facilitator_ids": ["abc"]}))
            .await
            .expect_invalid_fields(&["facilitator_ids"]);
        api.put(&format!("/api/v1/groups/{id}/facilitators"), &json!({"facilitator_ids": []})).await.expect(200);
        w.f2_api.get(&format!("/api/v1/groups/{id}")).await.expect_json_error(404, "not_found");

        // Bad input, each field named.
        api.post("/api/v1/groups", &json!({})).await.expect_invalid_fields(&["name"]);
        api.post(
            "/api/v1/groups",
            &json!({
                "name": "",
                "timezone": "Mars/Olympus",
                "usual_meeting_length": "five",
                "format": "fixed",
                "ground_rules_reviewed_on": "2026-02-31"
            }),
        )
        .await
        .expect_invalid_fields(&["name", "timezone", "usual_meeting_length", "number_of_meetings", "ground_rules_reviewed_on"]);
        api.post("/api/v1/groups", &json!({"name": "X", "usual_venue_id": 999999})).await.expect_invalid_fields(&["usual_venue_id"]);
        api.post("/api/v1/groups", &json!({"name": "X", "open_to_new_members": "maybe", "format": "weekly"}))
            .await
            .expect_invalid_fields(&["open_to_new_members", "format"]);
        api.post("/api/v1/groups", &json!({"name": {"first": "X"}})).await.expect_invalid_fields(&["name"]);
        api.post("/api/v1/groups", &json!(["X"])).await.expect_invalid_fields(&["body"]);
        api.post("/api/v1/groups", &json!({"name": "x".repeat(121)})).await.expect_invalid_fields(&["name"]);
        api.patch(&format!("/api/v1/groups/{id}"), &json!({"timezone": "Nowhere/Land", "usual_meeting_length": 5}))
            .await
            .expect_invalid_fields(&["timezone", "usual_meeting_length"]);
        api.put(&format!("/api/v1/groups/{id}"), &json!({"name": ""})).await.expect_invalid_fields(&["name"]);
        api.patch(&format!("/api/v1/groups/{id}"), &json!({"format": "fixed"})).await.expect_invalid_fields(&["number_of_meetings"]);
        let unchanged = api.get(&format!("/api/v1/groups/{id}")).await.json();
        assert_eq!(unchanged["name"], "Riverside Peer Support");
        assert_eq!(unchanged["timezone"], "Europe/Paris");
        let count = app.store.groups_for(&w.c).await.unwrap().len();
        assert_eq!(count, 3, "bad input created no group");

        api.get("/api/v1/groups/999999").await.expect_json_error(404, "not_found");
        api.patch("/api/v1/groups/999999", &json!({"name": "Ghost"})).await.expect_json_error(404, "not_found");
    }
}

both_backends! {
    async fn api_members(app: TestApp) {
        let w = World::build(&app).await;
        let api = &w.f1_api;
        let g = w.group_a;

        let res = api
            .post(
                &format!("/api/v1/groups/{g}/members"),
                &json!({
                    "preferred_name": "Ada",
                    "full_name": "Ada Lovelace",
                    "phone": "07700 900123",
                    "email": "Ada@Example.org",
                    "preferred_contact": "email",
                    "needs": ["sight", "hearing"],
                    "needs_note": "Large print",
                    "happy_to_share_story": "yes",
                    "joined_on": "2026-01-05"
                }),
            )
            .await;
        res.expect(201);
        let m = res.json();
        let id = m["id"].as_i64().unwrap();
        assert_eq!(res.location(), format!("/api/v1/members/{id}"));
        assert_eq!(m["group_id"], g);
        assert_eq!(m["preferred_name"], "Ada");
        assert_eq!(m["full_name"], "Ada Lovelace");
        assert_eq!(m["phone"], "07700 900123");
        assert_eq!(m["email"], "ada@example.org");
        assert_eq!(m["preferred_contact"], "email");
        assert_eq!(m["needs"], json!(["hearing", "sight"]));
        assert_eq!(m["needs_note"], "Large print");
        assert_eq!(m["happy_to_share_story"], "yes");
        assert_eq!(m["joined_on"], "2026-01-05");
        assert_eq!(m["left_on"], Value::Null);
        assert_eq!(m["consents"], json!([]));
        assert!(m.get("diagnosis").is_none());

        let got = api.get(&format!("/api/v1/members/{id}")).await.expect(200).json();
        assert_eq!(got, m);
        let list = api.get(&format!("/api/v1/groups/{g}/members")).await.expect(200).json();
        assert!(list["members"].as_array().unwrap().iter().any(|x| x["id"] == id));

        // Partial updates; an empty list clears the needs.
        let p = api.patch(&format!("/api/v1/members/{id}"), &json!({"phone": "07700 900999"})).await.expect(200).json();
        assert_eq!(p["phone"], "07700 900999");
        assert_eq!(p["needs"], json!(["hearing", "sight"]));
        assert_eq!(p["full_name"], "Ada Lovelace");
        let p = api.put(&format!("/api/v1/members/{id}"), &json!({"needs": [], "left_on": "2026-06-30"})).await.expect(200).json();
        assert_eq!(p["needs"], json!([]));
        assert_eq!(p["left_on"], "2026-06-30");
        assert_eq!(p["phone"], "07700 900999");
        let active = api.get(&format!("/api/v1/groups/{g}/members")).await.json();
        assert!(!active["members"].as_array().unwrap().iter().any(|x| x["id"] == id), "left members are not in the default list");

        // Bad input.
        api.post(&format!("/api/v1/groups/{g}/members"), &json!({})).await.expect_invalid_fields(&["preferred_name"]);
        api.post(
            &format!("/api/v1/groups/{g}/members"),
            &json!({
                "preferred_name": "Bo",
                "phone": "call me",
                "email": "nope",
                "preferred_contact": "pigeon",
                "needs": ["diagnosis"],
                "happy_to_share_story": "maybe",
                "joined_on": "2026-05-01",
                "left_on": "2026-04-01"
            }),
        )
        .await
        .expect_invalid_fields(&["phone", "email", "preferred_contact", "needs", "happy_to_share_story", "left_on"]);
        api.post(&format!("/api/v1/groups/{g}/members"), &json!({"preferred_name": "Bo", "preferred_contact": "email"}))
            .await
            .expect_invalid_fields(&["email"]);
        api.post(&format!("/api/v1/groups/{g}/members"), &json!({"preferred_name": "Bo", "needs": [{"tag": "hearing"}]}))
            .await
            .expect_invalid_fields(&["needs"]);
        api.patch(&format!("/api/v1/members/{id}"), &json!({"email": "nope", "joined_on": "yesterday"}))
            .await
            .expect_invalid_fields(&["email", "joined_on"]);
        api.put(&format!("/api/v1/members/{id}"), &json!({"preferred_name": ""})).await.expect_invalid_fields(&["preferred_name"]);
        let all = hearth::store::MemberFilter { status: "all".into(), ..Default::default() };
        assert_eq!(app.store.members_of(&app.store.group(&w.c, GroupId(g)).await.unwrap(), &all).await.unwrap().len(), 2, "bad input created no member");
        assert_eq!(api.get(&format!("/api/v1/members/{id}")).await.json()["phone"], "07700 900999");

        // Consents.
        api.post(&format!("/api/v1/members/{id}/consents"), &json!({})).await.expect_invalid_fields(&["kind", "how_given"]);
        let res = api
            .post(&format!("/api/v1/members/{id}/consents"), &json!({"kind": "contact", "how_given": "phone", "note": "On the phone"}))
            .await;
        res.expect(201);
        let consents = res.json()["consents"].clone();
        assert_eq!(consents.as_array().unwrap().len(), 1);
        let c0 = &consents[0];
        assert_eq!(c0["kind"], "contact");
        assert_eq!(c0["how_given"], "phone");
        assert_eq!(c0["note"], "On the phone");
        assert_eq!(c0["withdrawn_at"], Value::Null);
        assert_eq!(c0["recorded_by"], format!("account:{}", w.f1.id));
        let cid = c0["id"].as_i64().unwrap();
        let res = api.send("POST", &format!("/api/v1/members/{id}/consents/{cid}/withdraw"), None, &[]).await;
        res.expect(200);
        assert!(res.json()["consents"][0]["withdrawn_at"].is_i64());
        api.send("POST", &format!("/api/v1/members/{id}/consents/{cid}/withdraw"), None, &[])
            .await
            .expect_json_error(404, "not_found");
        let got = api.get(&format!("/api/v1/members/{id}")).await.json();
        assert_eq!(got["consents"].as_array().unwrap().len(), 1);

        api.get("/api/v1/members/999999").await.expect_json_error(404, "not_found");
        api.patch("/api/v1/members/999999", &json!({"phone": "07700 900000"})).await.expect_json_error(404, "not_found");
        api.post("/api/v1/groups/999999/members", &json!({"preferred_name": "Ghost"})).await.expect_json_error(404, "not_found");
        api.get("/api/v1/groups/999999/members").await.expect_json_error(404, "not_found");
    }
}

both_backends! {
    async fn api_venues(app: TestApp) {
        let w = World::build(&app).await;
        let api = &w.f2_api;
        let res = api
            .post(
                "/api/v1/venues",
                &json!({
                    "name": "Library Room 2",
                    "address": "1 Book Street",
                    "how_to_get_there": "Bus 7",
                    "toilets": "Ground floor",
                    "fire_exits": "Both ends",
                    "step_free": "partly",
                    "hearing_loop": true,
                    "accessible_toilet": false,
                    "parking": true,
                    "quiet_room": false,
                    "requires_sign_in_sheet": true,
                    "capacity": 25,
                    "booking_contact": "Front desk",
                    "notes": "Closed on Mondays"
                }),
            )
            .await;
        res.expect(201);
        let v = res.json();
        let id = v["id"].as_i64().unwrap();
        assert_eq!(res.location(), format!("/api/v1/venues/{id}"));
        for (k, expected) in [
            ("name", json!("Library Room 2")),
            ("address", json!("1 Book Street")),
            ("how_to_get_there", json!("Bus 7")),
            ("toilets", json!("Ground floor")),
            ("fire_exits", json!("Both ends")),
            ("step_free", json!("partly")),
            ("hearing_loop", json!(true)),
            ("accessible_toilet", json!(false)),
            ("parking", json!(true)),
            ("quiet_room", json!(false)),
            ("requires_sign_in_sheet", json!(true)),
            ("capacity", json!(25)),
            ("booking_contact", json!("Front desk")),
            ("notes", json!("Closed on Mondays")),
        ] {
            assert_eq!(v[k], expected, "{k}");
        }
        assert_eq!(api.get(&format!("/api/v1/venues/{id}")).await.expect(200).json(), v);
        let list = api.get("/api/v1/venues").await.expect(200).json();
        let names: Vec<&str> = list["venues"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"Library Room 2") && names.contains(&VENUE), "{names:?}");

        let p = api.patch(&format!("/api/v1/venues/{id}"), &json!({"capacity": 30, "hearing_loop": false})).await.expect(200).json();
        assert_eq!(p["capacity"], 30);
        assert_eq!(p["hearing_loop"], false);
        assert_eq!(p["parking"], true);
        assert_eq!(p["address"], "1 Book Street");
        let p = api.put(&format!("/api/v1/venues/{id}"), &json!({"capacity": null, "name": "Library Room Two"})).await.expect(200).json();
        assert_eq!(p["capacity"], Value::Null);
        assert_eq!(p["name"], "Library Room Two");
        assert_eq!(p["notes"], "Closed on Mondays");

        api.post("/api/v1/venues", &json!({})).await.expect_invalid_fields(&["name"]);
        api.post("/api/v1/venues", &json!({"name": "X", "step_free": "maybe", "capacity": -3, "parking": "perhaps"}))
            .await
            .expect_invalid_fields(&["step_free", "capacity", "parking"]);
        api.post("/api/v1/venues", &json!({"name": "X", "address": "y".repeat(1001)})).await.expect_invalid_fields(&["address"]);
        api.patch(&format!("/api/v1/venues/{id}"), &json!({"capacity": "lots", "hearing_loop": 7})).await.expect_invalid_fields(&["capacity", "hearing_loop"]);
        api.put(&format!("/api/v1/venues/{id}"), &json!({"name": ""})).await.expect_invalid_fields(&["name"]);
        assert_eq!(app.store.venues().await.unwrap().len(), 2, "bad input created no venue");
        assert_eq!(api.get(&format!("/api/v1/venues/{id}")).await.json()["name"], "Library Room Two");

        api.get("/api/v1/venues/999999").await.expect_json_error(404, "not_found");
        api.patch("/api/v1/venues/999999", &json!({"name": "Ghost"})).await.expect_json_error(404, "not_found");
    }
}

both_backends! {
    async fn api_refuses_bodies_it_cannot_read(app: TestApp) {
        let w = World::build(&app).await;
        let api = &w.c_api;
        let (g, m, v) = (w.group_a, w.member_a, w.venue);
        let writes = [
            ("POST", "/api/v1/groups".to_string()),
            ("PATCH", format!("/api/v1/groups/{g}")),
            ("PUT", format!("/api/v1/groups/{g}")),
            ("PUT", format!("/api/v1/groups/{g}/facilitators")),
            ("POST", format!("/api/v1/groups/{g}/members")),
            ("PATCH", format!("/api/v1/members/{m}")),
            ("PUT", format!("/api/v1/members/{m}")),
            ("POST", format!("/api/v1/members/{m}/consents")),
            ("POST", "/api/v1/venues".to_string()),
            ("PATCH", format!("/api/v1/venues/{v}")),
            ("PUT", format!("/api/v1/venues/{v}")),
        ];
        let before = (
            app.store.groups_for(&w.c).await.unwrap().len(),
            format!("{:?}", app.store.venues().await.unwrap()),
            format!("{:?}", app.consents(m).await),
        );
        for (method, path) in &writes {
            // Malformed JSON.
            let res = api.send(method, path, Some(("application/json", b"{\"name\": ".to_vec())), &[]).await;
            let e = res.expect_json_error(400, "bad_request");
            assert!(e["error"]["message"].as_str().unwrap().contains("JSON"), "{method} {path}: {e}");
            // Not JSON at all, or no content type.
            api.send(method, path, Some(("text/plain", b"name=Bad".to_vec())), &[]).await.expect_json_error(400, "bad_request");
            api.send(method, path, Some(("application/x-www-form-urlencoded", b"name=Bad".to_vec())), &[])
                .await
                .expect_json_error(400, "bad_request");
            api.send(method, path, None, &[]).await.expect_json_error(400, "bad_request");
            // A JSON value that is not an object.
            api.send(method, path, Some(("application/json", b"\"Bad\"".to_vec())), &[]).await.expect_invalid_fields(&["body"]);
        }
        let after = (
            app.store.groups_for(&w.c).await.unwrap().len(),
            format!("{:?}", app.store.venues().await.unwrap()),
            format!("{:?}", app.consents(m).await),
        );
        assert_eq!(before, after, "an unreadable body changed something");
        // A method the route does not have.
        let res = api.send("DELETE", &format!("/api/v1/groups/{g}"), None, &[]).await;
        assert_eq!(res.status, 405);
    }
}

both_backends! {
    async fn openapi_document(app: TestApp) {
        let res = app.api_anonymous().get("/api/v1/openapi.json").await;
        res.expect(200);
        assert!(res.header("content-type").unwrap().starts_with("application/json"));
        let doc = res.json();
        assert!(
            doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
            "not an OpenAPI 3 document: {}",
            res.text.chars().take(200).collect::<String>()
        );
        assert!(doc["info"]["title"].is_string(), "no info.title");
        // Every endpoint is described, with {parameters} in any spelling.
        let paths: Vec<String> = doc["paths"]
            .as_object()
            .map(|p| p.keys().map(|k| normalise(k)).collect())
            .unwrap_or_default();
        for (path, methods) in [
            ("/groups", &["get", "post"][..]),
            ("/groups/{}", &["get", "patch"][..]),
            ("/groups/{}/members", &["get", "post"][..]),
            ("/members/{}", &["get", "patch"][..]),
            ("/venues", &["get", "post"][..]),
            ("/venues/{}", &["get", "patch"][..]),
        ] {
            let key = doc["paths"].as_object().and_then(|p| {
                p.keys()
                    .find(|k| {
                        let n = normalise(k);
                        n == path || n == format!("/api/v1{path}")
                    })
                    .cloned()
            });
            let Some(key) = key else {
                panic!("the OpenAPI document does not describe {path}; it has {paths:?}");
            };
            for m in methods {
                assert!(doc["paths"][&key][*m].is_object(), "{key} has no {m}");
            }
        }
        // The schemas use the same field names as the API.
        let text = res.text.clone();
        for field in ["preferred_name", "timezone", "usual_meeting_length", "needs", "address", "step_free"] {
            assert!(text.contains(field), "the OpenAPI document never mentions {field}");
        }
    }
}

//! Members' rights over their data (issue 18, part): the right of access — everything Hearth
//! holds about a member, from their own link (a page and a file) and from staff who may see
//! them (a page, a file and the API), audited, and nothing of anyone else.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

/// Every string anywhere in a JSON value, joined.
fn all_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(all_text).collect::<Vec<_>>().join(" "),
        Value::Object(o) => o.values().map(all_text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

both_backends! {
    async fn a_member_gets_everything_held_about_them_and_nothing_else(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let me = w.member_a;
        // Another member of the same group, with records of their own.
        let other = w.f1_api.post(&format!("/api/v1/groups/{g}/members"), &json!({"preferred_name": "Olive Other", "needs_note": "OTHER-MARKER needs"})).await;
        other.expect(201);
        let other = other.json()["id"].as_i64().expect("id");

        // Records of every kind that are easy to make, each with a marker.
        w.f1_api.put(&format!("/api/v1/members/{me}"), &json!({"needs": ["hearing"], "needs_note": "MARK-NEEDS loop system"})).await.expect(200);
        w.f1_api.post(&format!("/api/v1/members/{me}/consents"), &json!({"kind": "contact", "how_given": "phone", "note": "MARK-CONSENT on the phone"})).await.expect(201);
        w.f1_api.post(&format!("/api/v1/members/{other}/consents"), &json!({"kind": "contact", "how_given": "phone", "note": "OTHER-MARKER consent"})).await.expect(201);
        w.f1b.post_form(&format!("/members/{me}/contacts"), &[("contacted_on", "2026-11-02"), ("how", "phone"), ("about", "MARK-CONTACT asked about the walk")]).await;
        w.f1_api.post(&format!("/api/v1/members/{me}/plans"), &json!({"what": "MARK-PLAN walk to the shops", "confidence": 8})).await.expect(201);
        w.f1_api.post(&format!("/api/v1/members/{other}/plans"), &json!({"what": "OTHER-MARKER plan", "confidence": 8})).await.expect(201);
        let meeting = crate::meetings::plan_id(&w.f1_api, g, "2027-01-05").await;
        w.f1_api.post(&format!("/api/v1/meetings/{meeting}/attendance"), &json!({"member_id": me})).await.expect(201);
        w.f1_api.post(&format!("/api/v1/meetings/{meeting}/attendance"), &json!({"member_id": other})).await.expect(201);

        // Through the API (the group's facilitator).
        let res = w.f1_api.get(&format!("/api/v1/members/{me}/export")).await;
        res.expect(200);
        assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
        let export = res.json();
        let text = all_text(&export);
        for marker in ["MARK-NEEDS", "MARK-CONSENT", "MARK-CONTACT", "MARK-PLAN", "Zebedee Quill"] {
            assert!(text.contains(marker), "{marker} is in the export: {export:#}");
        }
        assert!(!text.contains("OTHER-MARKER") && !text.contains("Olive Other"), "nothing of anyone else: {export:#}");
        let kinds: Vec<&str> = export["records"].as_array().expect("records").iter().filter_map(|s| s["table"].as_str()).collect();
        for kind in ["consents", "contacts", "action_plans", "attendance", "audit_events"] {
            assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
        }
        assert!(!export.to_string().contains("token_hash"), "no secrets");
        // Making it is audited, and shows in the next export.
        let again = w.c_api.get(&format!("/api/v1/members/{me}/export")).await.json();
        assert!(all_text(&again).contains("exported their data"), "{again:#}");
        // Another group's facilitator cannot.
        w.f2_api.get(&format!("/api/v1/members/{me}/export")).await.expect(404);

        // As pages and files for staff.
        let page = w.f1b.get(&format!("/members/{me}/data")).await;
        page.expect(200);
        for marker in ["MARK-NEEDS", "MARK-CONSENT", "MARK-CONTACT", "MARK-PLAN", "Meetings they came to"] {
            assert!(page.text.contains(marker), "{marker} on the page");
        }
        assert!(!page.text.contains("OTHER-MARKER"));
        let file = w.f1b.get(&format!("/members/{me}/data.json")).await;
        file.expect(200);
        assert!(file.header("content-disposition").is_some_and(|d| d.starts_with("attachment")));
        assert!(file.text.contains("MARK-PLAN") && !file.text.contains("OTHER-MARKER"));
        w.f2b.get(&format!("/members/{me}/data")).await.expect(404);

        // From the member's own link.
        let link = w.f1_api.post(&format!("/api/v1/members/{me}/link"), &json!({})).await;
        link.expect(201);
        let url = link.json()["url"].as_str().expect("url").to_string();
        let path = url[url.find("/m/").expect("path")..].to_string();
        let member = app.browser();
        member.get(&path).await.expect(200).expect_contains(&format!("{path}/data"));
        let own = member.get(&format!("{path}/data")).await;
        own.expect(200);
        for marker in ["Everything we hold about you", "MARK-NEEDS", "MARK-CONSENT", "MARK-CONTACT", "MARK-PLAN", "Meetings you came to"] {
            assert!(own.text.contains(marker), "{marker} on the member's page");
        }
        assert!(!own.text.contains("OTHER-MARKER"));
        let own_file = member.get(&format!("{path}/data.json")).await;
        own_file.expect(200);
        assert!(own_file.text.contains("MARK-CONSENT") && !own_file.text.contains("OTHER-MARKER"));
        // A link that was turned off shows nothing.
        w.f1_api.send("DELETE", &format!("/api/v1/members/{me}/link"), None, &[]).await.expect(204);
        member.get(&format!("{path}/data")).await.expect(410).expect_lacks("MARK-NEEDS");
        member.get(&format!("{path}/data.json")).await.expect(410).expect_lacks("MARK-NEEDS");
    }
}

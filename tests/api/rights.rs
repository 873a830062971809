//! Members' rights over their data (issue 18, part): the right of access — everything Hearth
//! holds about a member, from their own link (a page and a file) and from staff who may see
//! them (a page, a file and the API), audited, and nothing of anyone else.

use hearth::domain::ids::{GroupId, MemberId};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{days_from_now, get_json, plan_id};

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
        w.f1_api.post(&format!("/api/v1/groups/{g}/concerns"), &json!({"member_id": me, "concern": "MARK-CONCERN seemed at risk at home", "who_told": "WHO-TOLD her neighbour"})).await.expect(201);

        // Through the API (the group's facilitator).
        let res = w.f1_api.get(&format!("/api/v1/members/{me}/export")).await;
        res.expect(200);
        assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
        let export = res.json();
        let text = all_text(&export);
        for marker in ["MARK-NEEDS", "MARK-CONSENT", "MARK-CONTACT", "MARK-PLAN", "MARK-CONCERN", "WHO-TOLD", "Zebedee Quill"] {
            assert!(text.contains(marker), "{marker} is in the export: {export:#}");
        }
        assert_eq!(export["left_out"], json!([]), "staff make the full copy");
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
        // The member's own copy (which anyone holding their phone could open) leaves out
        // safeguarding concerns, which can name who raised them, and says so, as it does for
        // everyone, whether or not any are kept; the full copy is the staff's to give.
        own.expect_lacks("MARK-CONCERN").expect_lacks("WHO-TOLD").expect_contains("safeguarding");
        let own_file = member.get(&format!("{path}/data.json")).await;
        own_file.expect(200);
        assert!(own_file.text.contains("MARK-CONSENT") && !own_file.text.contains("OTHER-MARKER"));
        assert!(!own_file.text.contains("MARK-CONCERN") && !own_file.text.contains("WHO-TOLD"), "{}", own_file.text);
        assert_eq!(own_file.json()["left_out"], json!(["concerns"]));
        let kinds: Vec<String> = own_file.json()["records"].as_array().expect("records").iter()
            .filter_map(|s| s["table"].as_str().map(str::to_string)).collect();
        assert!(!kinds.iter().any(|k| k == "concerns"), "{kinds:?}");
        // Of the audit trail, who looked and when, not the detail (which can hold other
        // members' ids).
        let events = own_file.json()["records"].as_array().expect("records").iter()
            .find(|s| s["table"] == "audit_events").expect("the trail")["rows"].clone();
        assert!(events.as_array().is_some_and(|rows| !rows.is_empty() && rows.iter().all(|r| r.get("detail").is_none() && r.get("action").is_some())), "{events:#}");
        // A link that was turned off shows nothing.
        w.f1_api.send("DELETE", &format!("/api/v1/members/{me}/link"), None, &[]).await.expect(204);
        member.get(&format!("{path}/data")).await.expect(410).expect_lacks("MARK-NEEDS");
        member.get(&format!("{path}/data.json")).await.expect(410).expect_lacks("MARK-NEEDS");
    }
}

both_backends! {
    /// The right to erasure: a member seeded with a marker in every kind of record that is easy
    /// to make is erased by a coordinator who types their name; the marker is then in no table
    /// (the search index's own included) and, on SQLite, nowhere in the database's files; their
    /// link and feed stop; the meeting they came to still counts them, as "Someone"; the audit
    /// trail keeps that an erasure happened and by whom, and nothing about them.
    async fn erasing_a_member_leaves_nothing_of_them_and_the_figures_true(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let me = w.member_a;
        const MARK: &str = "Zqxmarkerword";
        w.f1_api.put(&format!("/api/v1/members/{me}"), &json!({"needs": ["hearing"], "full_name": format!("Zebedee {MARK} Quill"), "needs_note": format!("{MARK} loop system"), "phone": "07700 900999"})).await.expect(200);
        w.f1_api.post(&format!("/api/v1/members/{me}/consents"), &json!({"kind": "contact", "how_given": "phone", "note": format!("{MARK} consent")})).await.expect(201);
        w.f1b.post_form(&format!("/members/{me}/contacts"), &[("contacted_on", "2026-11-02"), ("how", "phone"), ("about", &format!("{MARK} asked about the walk"))]).await;
        let plan = w.f1_api.post(&format!("/api/v1/members/{me}/plans"), &json!({"what": format!("{MARK} walk to the shops"), "confidence": 8})).await;
        plan.expect(201);
        let plan = plan.json()["id"].as_i64().expect("plan");
        w.f1_api.post(&format!("/api/v1/plans/{plan}/reviews"), &json!({"outcome": "on_track", "note": format!("{MARK} halfway")})).await;
        let meeting = crate::meetings::plan_id(&w.f1_api, g, "2027-01-05").await;
        w.f1_api.put(&format!("/api/v1/meetings/{meeting}/rsvps"), &json!({"member_id": me, "answer": "yes"})).await.expect(200);
        w.f1_api.post(&format!("/api/v1/meetings/{meeting}/attendance"), &json!({"member_id": me})).await.expect(201);
        w.f1_api.post(&format!("/api/v1/meetings/{meeting}/attendance"), &json!({"guest_name": "Gina Guest"})).await;
        // Staff wrote their first name in the meeting's record: listed to review, not erased.
        w.f1_api.put(&format!("/api/v1/meetings/{meeting}/notes"), &json!({"key_points": "Zebedee shared a good week"})).await.expect(200);
        let link = w.f1_api.post(&format!("/api/v1/members/{me}/link"), &json!({})).await.json()["url"].as_str().expect("url").to_string();
        let link = link[link.find("/m/").expect("path")..].to_string();
        let owner = app.store.member_by_link(&hearth::auth::hash_token(link.trim_start_matches("/m/"))).await.expect("link").expect("owner");
        let feed_token = hearth::auth::new_token();
        app.store.replace_feed(&owner, &hearth::auth::hash_token(&feed_token)).await.expect("feed");
        let feed = format!("/calendar/{feed_token}.ics");
        let anyone = app.api_anonymous();
        anyone.get(&link).await.expect(200);
        anyone.get(&feed).await.expect(200);
        assert!(!app.store.tables_holding(MARK).await.expect("scan").is_empty(), "the marker was written");
        let before = w.f1_api.get(&format!("/api/v1/meetings/{meeting}/attendance")).await.json()["attendance"].as_array().expect("rows").len();

        // Only coordinators, and only with their name typed.
        w.f1_api.post(&format!("/api/v1/members/{me}/erase"), &json!({"confirm": "Zebedee Quill"})).await.expect(403);
        w.f1b.get(&format!("/members/{me}/erase")).await.expect(403);
        w.c_api.post(&format!("/api/v1/members/{me}/erase"), &json!({"confirm": "Someone Else"})).await.expect_invalid_fields(&["confirm"]);
        w.c_api.post(&format!("/api/v1/members/{me}/erase"), &json!({})).await.expect_invalid_fields(&["confirm"]);
        let page = w.cb.get(&format!("/members/{me}/erase")).await;
        page.expect(200);
        assert!(page.text.contains("Zebedee shared a good week") && page.text.contains(&format!("/meetings/{meeting}/notes")), "where their name was written is listed");
        let wrong = w.cb.post_form(&format!("/members/{me}/erase"), &[("confirm", "Zebedee Q")]).await;
        wrong.expect(422);
        assert!(wrong.text.contains("value=\"Zebedee Q\"") && wrong.text.contains("That is not their name"), "typed text kept, message by the field");
        w.cb.post_form(&format!("/members/{me}/erase"), &[("confirm", " zebedee quill ")]).await.expect_redirect(&format!("/groups/{g}/members"));

        // Nothing of them is left.
        assert_eq!(app.store.tables_holding(MARK).await.expect("scan"), Vec::<String>::new());
        assert_eq!(app.store.tables_holding("07700 900999").await.expect("scan"), Vec::<String>::new());
        w.f1_api.get(&format!("/api/v1/members/{me}")).await.expect(404);
        w.f1_api.get(&format!("/api/v1/members/{me}/export")).await.expect(404);
        anyone.get(&link).await.expect(410);
        anyone.get(&feed).await.expect(404);
        assert!(app.store.audit_for(&format!("member:{me}"), 100).await.expect("audit").is_empty());
        let erased = app.store.audit_for("member:erased", 10).await.expect("audit");
        assert_eq!(erased.len(), 1);
        assert_eq!(erased[0].actor, format!("account:{}", w.c.id));
        // The meeting still had the same number of people; they are "Someone" now.
        let rows = w.f1_api.get(&format!("/api/v1/meetings/{meeting}/attendance")).await.json()["attendance"].as_array().expect("rows").clone();
        assert_eq!(rows.len(), before);
        assert!(rows.iter().any(|r| r["name"] == "Someone" && r["member_id"].is_null()), "{rows:?}");
        // Search finds nothing of theirs.
        assert!(app.store.search(&w.c, &app.store.group(&w.c, GroupId(g)).await.unwrap(), MARK, 10).await.expect("search").is_empty());
        if matches!(app.backend, Backend::Sqlite) {
            let path = app.sqlite_path().expect("path");
            for suffix in ["", "-wal"] {
                let bytes = std::fs::read(format!("{path}{suffix}")).unwrap_or_default();
                let lower = String::from_utf8_lossy(&bytes).to_lowercase();
                assert!(!lower.contains(&MARK.to_lowercase()), "the marker is still in the database file{suffix}");
            }
        }
        // The rest of the group is untouched.
        w.f1_api.get(&format!("/api/v1/groups/{g}/members")).await.expect(200);
    }
}

both_backends! {
    /// Retention: a coordinator chooses to erase members 12 months after they leave (off by
    /// default); the overview lists who is erased in the next 30 days; with two instances
    /// running, the day's run erases those whose time has come exactly once, and no one else.
    async fn members_are_erased_once_their_retention_period_is_over(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let today = hearth::labels::today_in("Europe/London");
        let soon = today.checked_sub(jiff::Span::new().months(12)).expect("date").checked_add(jiff::Span::new().days(10)).expect("date");
        let add = |name: &'static str, left_on: String| {
            let api = w.f1_api.clone();
            async move {
                let r = api.post(&format!("/api/v1/groups/{g}/members"), &json!({"preferred_name": name})).await;
                r.expect(201);
                let id = r.json()["id"].as_i64().expect("id");
                api.put(&format!("/api/v1/members/{id}"), &json!({"needs": [], "left_on": left_on})).await.expect(200);
                id
            }
        };
        let long_gone = add("Long Gone", "2025-01-01".into()).await;
        let leaving_soon = add("Recently Left", soon.to_string()).await;

        // Off by default: nobody is listed, nobody is erased.
        let page = w.cb.get("/overview").await;
        assert!(page.text.contains("Members who have left are kept until someone erases them"), "{}", page.text);
        // Only coordinators choose.
        w.f1b.post_form("/settings/retention", &[("months", "12")]).await.expect(403);
        w.cb.post_form("/settings/retention", &[("months", "13")]).await.expect(400);
        w.cb.post_form("/settings/retention", &[("months", "12")]).await.expect_redirect("/overview#retention");
        let page = w.cb.get("/overview").await;
        assert!(page.text.contains("Members are erased 12 months after"), "{}", page.text);
        assert!(page.text.contains("Long Gone") && page.text.contains("Recently Left"), "both are listed as due within 30 days");

        // Two instances; the day's run erases the one whose time has come, once.
        let config = hearth::Config { retention_tick: std::time::Duration::from_millis(200), ..hearth::Config::default() };
        let a = app.instance_with(config.clone()).await;
        let b = app.instance_with(config).await;
        let mut gone = false;
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            if w.c_api.get(&format!("/api/v1/members/{long_gone}")).await.status.as_u16() == 404 {
                gone = true;
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        a.stop().await;
        b.stop().await;
        assert!(gone, "the member long gone was erased");
        w.c_api.get(&format!("/api/v1/members/{leaving_soon}")).await.expect(200);
        w.c_api.get(&format!("/api/v1/members/{}", w.member_a)).await.expect(200);
        let erased = app.store.audit_for("member:erased", 10).await.expect("audit");
        assert_eq!(erased.len(), 1, "{erased:?}");
        assert_eq!(erased[0].actor, "system:retention");
        assert_eq!(app.store.count_jobs_like(&["retention:%"]).await.expect("jobs"), 1);
        // Turned off again: nothing is listed.
        w.cb.post_form("/settings/retention", &[("months", "off")]).await.expect_redirect("/overview#retention");
        assert!(!w.cb.get("/overview").await.text.contains("Recently Left"));
    }
}

both_backends! {
    /// A member sees on their own page who from the staff (name and role) has looked at their
    /// record in the last twelve months.
    async fn a_member_sees_who_looked_at_their_record(app: TestApp) {
        let w = World::build(&app).await;
        let me = w.member_a;
        let link = w.f1_api.post(&format!("/api/v1/members/{me}/link"), &json!({})).await.json()["url"].as_str().expect("url").to_string();
        let path = link[link.find("/m/").expect("path")..].to_string();
        let member = app.browser();
        // Issuing the link is a change by Fern.
        let page = member.get(&path).await;
        page.expect(200);
        assert!(page.text.contains("Fern Facilitator, facilitator"), "{}", page.text);
        w.cb.get(&format!("/members/{me}")).await.expect(200);
        let page = member.get(&path).await;
        let coordinator = format!("{}, coordinator", w.c.name);
        assert!(page.text.contains(&coordinator), "{coordinator} in {}", page.text);
        // Another group's facilitator never looked.
        assert!(!page.text.contains(&w.f2.name));
    }
}

both_backends! {
    /// The coordinators' audit trail: filtered by member, staff member and dates, as a page, a
    /// CSV file and the API; refused to facilitators; a bad filter names its field.
    async fn coordinators_filter_the_audit_trail(app: TestApp) {
        let w = World::build(&app).await;
        let me = w.member_a;
        let look = w.f1b.get(&format!("/members/{me}")).await;
        look.expect(200);
        let look_id = look.header("x-request-id").expect("a request id");
        w.cb.get(&format!("/members/{me}")).await.expect(200);
        let today = hearth::labels::today_in("UTC");
        let events = w.c_api.get(&format!("/api/v1/audit?member_id={me}&account_id={}", w.f1.id)).await;
        events.expect(200);
        let events = events.json()["events"].as_array().expect("events").clone();
        assert!(!events.is_empty());
        assert!(events.iter().all(|e| e["subject"] == format!("member:{me}") && e["actor"] == format!("account:{}", w.f1.id)), "{events:?}");
        // Each event names the request that wrote it (ASVS V16.2.1): the id sent back in
        // X-Request-Id and written in the request's log lines. So does a change written in the
        // same transaction as its event.
        assert!(events.iter().any(|e| e["request_id"] == look_id.as_str()), "{look_id} in {events:?}");
        let change = w.f1b.post_form("/account/phone", &[("phone", "07700 900555")]).await;
        let change_id = change.header("x-request-id").expect("a request id");
        change.expect_redirect("/account");
        let own = w.c_api.get(&format!("/api/v1/audit?account_id={}", w.f1.id)).await.json();
        let phone = own["events"].as_array().expect("events").iter()
            .find(|e| e["action"] == "changed phone number").expect("the change is audited").clone();
        assert_eq!(phone["request_id"], change_id.as_str(), "{phone}");
        let dated = w.c_api.get(&format!("/api/v1/audit?from={today}&to={today}")).await.json();
        assert!(dated["events"].as_array().expect("events").len() >= events.len());
        let past = w.c_api.get("/api/v1/audit?from=2020-01-01&to=2020-01-31").await.json();
        assert_eq!(past["events"], json!([]));
        w.c_api.get("/api/v1/audit?member_id=abc").await.expect_invalid_fields(&["member_id"]);
        w.c_api.get("/api/v1/audit?from=2026-02-30").await.expect_invalid_fields(&["from"]);
        w.c_api.get("/api/v1/audit?who=1").await.expect_invalid_fields(&["who"]);
        w.f1_api.get("/api/v1/audit").await.expect(403);

        let page = w.cb.get(&format!("/audit?member_id={me}")).await;
        page.expect(200);
        assert!(page.text.contains("Fern Facilitator (facilitator)") && page.text.contains("Zebedee Quill"), "{}", page.text);
        w.f1b.get("/audit").await.expect(403);
        w.cb.get("/audit?from=yesterday").await.expect(422).expect_contains("Enter a real date");
        let csv = w.cb.get(&format!("/audit.csv?member_id={me}")).await;
        csv.expect(200);
        assert!(csv.text.trim_start_matches('\u{feff}').starts_with("when,who,what,about,request") && csv.text.contains("Fern Facilitator"), "{}", csv.text);
        assert!(csv.text.contains(&look_id), "the request's id is in the file: {}", csv.text);
        // The trail is never changed, by any code (ASVS V16.4.2): the database refuses.
        for sql in ["UPDATE audit_events SET action = 'nothing happened'", "UPDATE audit_members SET member_id = member_id"] {
            let refused = app.try_raw_sql(sql).await.expect_err(sql);
            assert!(refused.contains("audit events are never changed"), "{sql}: {refused}");
        }
        let page = w.cb.get(&format!("/audit?member_id={me}")).await;
        page.expect(200).expect_lacks("nothing happened");
    }
}

both_backends! {
    /// The group's contact record writes exactly one audit event for each response that shows
    /// it (the page and the CSV file), naming the viewer and the members whose calls it shows.
    async fn the_contact_record_is_audited_once_per_response(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let me = w.member_a;
        w.f1b.post_form(&format!("/members/{me}/contacts"), &[("contacted_on", "2026-11-02"), ("how", "phone"), ("about", "Asked about the walk")]).await;
        let events = |action: &'static str| {
            let store = app.store.clone();
            let actor = w.f1.actor();
            async move {
                store.audit_for(&format!("group:{g}"), 100).await.expect("audit").into_iter()
                    .filter(|e| e.action == action && e.actor == actor)
                    .collect::<Vec<_>>()
            }
        };
        assert!(events("viewed the contact record").await.is_empty());
        w.f1b.get(&format!("/groups/{g}/contacts")).await.expect(200).expect_contains("Asked about the walk");
        let viewed = events("viewed the contact record").await;
        assert_eq!(viewed.len(), 1, "{viewed:?}");
        let naming = app.store.audit_naming(MemberId(me), 100).await.expect("audit");
        assert!(naming.iter().any(|e| e.id == viewed[0].id), "the event names the member whose call it shows");
        w.f1b.get(&format!("/groups/{g}/contacts.csv")).await.expect(200);
        assert_eq!(events("exported the contact record").await.len(), 1);
        assert_eq!(events("viewed the contact record").await.len(), 1, "the file is one event, not two");
        // Another group's facilitator is refused, and nothing is written as theirs.
        w.f2b.get(&format!("/groups/{g}/contacts")).await.expect(404);
    }
}

both_backends! {
    /// Every response that shows members' sensitive records (needs, plans, check-ins,
    /// concerns, reflections, calls), page, print, file or API, writes exactly one audit event
    /// naming the viewer and the member shown, also when the page is served again from the
    /// page cache.
    async fn every_sensitive_read_is_audited_once_per_response(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let me = w.member_a;
        w.f1_api.put(&format!("/api/v1/members/{me}"), &json!({"needs": ["hearing"], "needs_note": "Sits near the loop"})).await.expect(200);
        let plan = w.f1_api.post(&format!("/api/v1/members/{me}/plans"), &json!({"what": "Walk to the shops", "confidence": 8})).await;
        plan.expect(201);
        let plan = plan.json()["id"].as_i64().expect("plan id");
        // A meeting before today's, so today's has its "since last time" step.
        crate::meetings::plan_id(&w.f1_api, g, &crate::meetings::days_from_now(-7)).await;
        let meeting = crate::meetings::plan_id(&w.f1_api, g, &crate::meetings::days_from_now(0)).await;
        w.f1_api.post(&format!("/api/v1/meetings/{meeting}/attendance"), &json!({"member_id": me})).await.expect(201);
        w.f1_api.put(&format!("/api/v1/meetings/{meeting}/checkins"), &json!({"member_id": me, "note": "Better week"})).await.expect(200);
        w.f1_api.put(&format!("/api/v1/meetings/{meeting}/reflections"), &json!({"went_well": "Zebedee spoke", "feeling": "fine"})).await.expect(200);
        w.f1_api.post(&format!("/api/v1/groups/{g}/concerns"), &json!({"member_id": me, "concern": "Seemed low", "meeting_id": meeting})).await.expect(201);
        w.f1b.post_form(&format!("/members/{me}/contacts"), &[("contacted_on", "2026-11-02"), ("how", "phone"), ("about", "Asked about the walk")]).await;

        let coordinator = w.c.clone();
        let count = || {
            let store = app.store.clone();
            let coordinator = coordinator.clone();
            let f1 = w.f1.id;
            async move {
                let filter = hearth::store::AuditFilter { account_id: Some(f1), ..Default::default() };
                let all = store.audit_search(&coordinator, &filter, 100_000).await.expect("audit");
                let naming = store
                    .audit_search(&coordinator, &hearth::store::AuditFilter { member_id: Some(MemberId(me)), ..filter }, 100_000)
                    .await
                    .expect("audit");
                (all.len(), naming.len())
            }
        };
        // (address, whether it names this member): pages, prints, files and the API.
        let pages: Vec<(String, bool)> = vec![
            (format!("/members/{me}"), true),
            (format!("/groups/{g}/members"), true),
            (format!("/groups/{g}/members.csv"), true),
            (format!("/meetings/{meeting}"), true),
            (format!("/meetings/{meeting}/run"), true),
            (format!("/meetings/{meeting}/sign-in"), true),
            (format!("/meetings/{meeting}/sign-in-sheet"), true),
            (format!("/meetings/{meeting}/notes"), true),
            (format!("/meetings/{meeting}/reflection"), false),
            (format!("/groups/{g}/concerns"), true),
            (format!("/groups/{g}/contacts"), true),
            (format!("/groups/{g}/contacts.csv"), true),
            (format!("/plans/{plan}"), true),
            (format!("/members/{me}/data"), true),
            (format!("/groups/{g}/search?q=walk"), true),
            (format!("/api/v1/groups/{g}/members"), true),
            (format!("/api/v1/members/{me}"), true),
            (format!("/api/v1/members/{me}/plans"), true),
            (format!("/api/v1/plans/{plan}"), true),
            (format!("/api/v1/meetings/{meeting}/checkins"), true),
            (format!("/api/v1/meetings/{meeting}/reflections"), false),
            (format!("/api/v1/groups/{g}/concerns"), true),
            (format!("/api/v1/members/{me}/export"), true),
            (format!("/api/v1/groups/{g}/search?q=walk"), true),
        ];
        for (path, names_member) in &pages {
            // Twice: made, then (where the page is kept) served from the cache.
            for round in 0..2 {
                let (all, naming) = count().await;
                if path.starts_with("/api/") {
                    w.f1_api.get(path).await.expect(200);
                } else {
                    w.f1b.get(path).await.expect(200);
                }
                let (all_after, naming_after) = count().await;
                assert_eq!(all_after, all + 1, "{path} (view {round}) writes exactly one event");
                assert_eq!(naming_after, naming + usize::from(*names_member), "{path} (view {round}) names the member");
            }
        }
        // Another group's facilitator is refused and nothing is recorded as seen.
        let before = app.store.audit_search(&coordinator, &hearth::store::AuditFilter { account_id: Some(w.f2.id), member_id: Some(MemberId(me)), ..Default::default() }, 1000).await.expect("audit").len();
        w.f2b.get(&format!("/groups/{g}/members")).await.expect(404);
        w.f2_api.get(&format!("/api/v1/members/{me}")).await.expect(404);
        let after = app.store.audit_search(&coordinator, &hearth::store::AuditFilter { account_id: Some(w.f2.id), member_id: Some(MemberId(me)), ..Default::default() }, 1000).await.expect("audit").len();
        assert_eq!(before, after);
    }
}

both_backends! {
    /// The reads the trail once missed are recorded too, once per response: what was said at
    /// meetings (the history page, the notes file, the API's meetings), who has not come
    /// lately, feedback with names, the attendance file, and the home page's follow-ups from
    /// calls and requests for help. A list with nothing in it records nothing.
    async fn every_read_of_what_was_said_and_who_came_is_audited(app: TestApp) {
        use hearth::domain::ids::MeetingId;
        use hearth::domain::meeting::MeetingEvent;
        let w = World::build(&app).await;
        let (g, me) = (w.group_a, w.member_a);
        let s = &app.store;
        // Nothing said, nobody missing, no feedback, no follow-up yet: nothing recorded.
        let quiet = s.audit_search(&w.c, &hearth::store::AuditFilter { account_id: Some(w.f1.id), ..Default::default() }, 1000).await.expect("audit").len();
        for path in [format!("/groups/{g}/history"), format!("/groups/{g}/insight"), "/".to_string()] {
            w.f1b.get(&path).await.expect(200);
        }
        w.f1_api.get(&format!("/api/v1/groups/{g}/meetings")).await.expect(200);
        let after = s.audit_search(&w.c, &hearth::store::AuditFilter { account_id: Some(w.f1.id), ..Default::default() }, 1000).await.expect("audit").len();
        assert_eq!(after, quiet, "empty lists record nothing");

        let olive = w.f1_api.post(&format!("/api/v1/groups/{g}/members"), &json!({"preferred_name": "Olive Absent", "joined_on": "2020-01-01"})).await;
        olive.expect(201);
        let olive = olive.json()["id"].as_i64().expect("id");
        let mut held = Vec::new();
        for days in [-21, -14, -7] {
            let id = plan_id(&w.f1_api, g, &days_from_now(days)).await;
            s.sign_in(&s.meeting(&w.c, MeetingId(id)).await.unwrap(), MemberId(me)).await.unwrap();
            s.apply_meeting_event(&s.meeting(&w.c, MeetingId(id)).await.unwrap(), MeetingEvent::End, "").await.unwrap().unwrap();
            held.push(id);
        }
        let last = held[2];
        w.f1_api.put(&format!("/api/v1/meetings/{last}/notes"), &json!({"key_points": "Zebedee talked about sleep"})).await.expect(200);
        let path = crate::meetings::issue_link(&app, &w.f1b, me).await;
        let member = app.browser();
        member.csrf_from(&path).await;
        member.post_form(&format!("{path}/feedback/{last}"), &[("rating", "4"), ("comment", "Glad I came")]).await
            .expect_redirect(&format!("{path}#feedback"));
        w.f1b.post_form(&format!("/members/{me}/contacts"), &[("contacted_on", &days_from_now(-1)), ("how", "phone"), ("about", "Asked after her"), ("follow_up", "Ring back on Friday")]).await
            .expect_redirect(&format!("/members/{me}#contacts"));
        w.f1_api.put(&format!("/api/v1/meetings/{last}/reflections"), &json!({"went_less_well": "Hard going", "feeling": "need_help"})).await.expect(200);

        let count = |account: i64, member: i64| {
            let store = app.store.clone();
            let coordinator = w.c.clone();
            async move {
                let filter = hearth::store::AuditFilter { account_id: Some(account), ..Default::default() };
                let all = store.audit_search(&coordinator, &filter, 100_000).await.expect("audit").len();
                let naming = store.audit_search(&coordinator, &hearth::store::AuditFilter { member_id: Some(MemberId(member)), ..filter }, 100_000).await.expect("audit").len();
                (all, naming)
            }
        };
        // (address, the member it must name, if any).
        let reads: Vec<(String, Option<i64>)> = vec![
            (format!("/groups/{g}/history"), None),
            (format!("/groups/{g}/meetings.csv"), None),
            (format!("/groups/{g}/insight"), Some(olive)),
            (format!("/groups/{g}/feedback.csv"), Some(me)),
            (format!("/groups/{g}/attendance.csv"), Some(me)),
            ("/".to_string(), Some(me)),
            (format!("/api/v1/groups/{g}/meetings"), None),
            (format!("/api/v1/meetings/{last}"), None),
            (format!("/api/v1/groups/{g}/feedback"), Some(me)),
            (format!("/api/v1/groups/{g}/stats"), Some(olive)),
        ];
        for (path, names) in &reads {
            let named = names.unwrap_or(me);
            let (all, naming) = count(w.f1.id, named).await;
            if path.starts_with("/api/") {
                w.f1_api.get(path).await.expect(200);
            } else {
                w.f1b.get(path).await.expect(200);
            }
            let (all_after, naming_after) = count(w.f1.id, named).await;
            assert_eq!(all_after, all + 1, "{path} writes exactly one event");
            assert_eq!(naming_after, naming + usize::from(names.is_some()), "{path} names the member it shows");
        }
        // The coordinator's home page shows the request for help: recorded.
        let (all, _) = count(w.c.id, me).await;
        w.cb.get("/").await.expect(200).expect_contains("Hard going");
        assert_eq!(count(w.c.id, me).await.0, all + 1, "the help request shown is recorded");
    }
}

// --- a member with a record of every kind ------------------------------------------------------

/// Every kind of record an export holds about a member: each table with a `member_id` column
/// (migrations/*/*.sql; `audit_members` is shown through the events it links), the reviews of
/// their plans and the audit events that name them.
const EVERY_KIND: [&str; 20] = [
    "action_plans",
    "attendance",
    "audit_events",
    "calendar_feeds",
    "checkins",
    "concerns",
    "consents",
    "contacts",
    "jobs",
    "mail_links",
    "meeting_feedback",
    "meeting_hosts",
    "member_links",
    "plan_reviews",
    "poll_answers",
    "poll_responses",
    "rota_members",
    "rsvps",
    "social_rsvps",
    "topic_votes",
];

/// The kinds [`seed_every_kind`] writes the mark into (the others have no free text, or, for
/// concerns, text that outlives an erasure by design).
const MARKED_KINDS: [&str; 8] = [
    "action_plans",
    "checkins",
    "consents",
    "contacts",
    "jobs",
    "meeting_feedback",
    "plan_reviews",
    "poll_responses",
];

/// What [`seed_every_kind`] made, for the checks that follow.
pub(crate) struct Seeded {
    /// The member (`w.member_a`) and their group (`w.group_a`).
    pub member: i64,
    pub group: i64,
    /// Two meetings gone by, now held (the first is the group's first): the member said yes
    /// to both, came to both and gave feedback on both; their check-in, their plan's review
    /// and a concern about them are at the second.
    pub held: [i64; 2],
    /// A meeting still to come: their yes (from their link), their turn hosting the
    /// refreshments and the invitation emailed to them.
    pub planned: i64,
    /// Their personal link (/m/TOKEN) and their calendar feed (/calendar/TOKEN.ics).
    pub link: String,
    pub feed: String,
    /// A browser on their link, holding its page's anti-forgery token.
    pub browser: Browser,
    /// The topic on the group's board they voted for, the poll they answered (with its
    /// options' ids, in order) and the social event they said yes to.
    pub topic: i64,
    pub poll: i64,
    pub poll_options: Vec<i64>,
    pub social: i64,
}

/// Seeds the member (`w.member_a`, of group `w.group_a`, facilitated by w.f1) with a record
/// of every kind Hearth keeps about a member, each holding `mark` in its free text where the
/// record has any: their details (full name, phone, email, needs and their note, happy to
/// share their story), a consent, a contact record, a plan and its review, a yes to two
/// meetings they came to that were then held, a check-in, feedback on both, a concern, a vote
/// for a topic, answers to a poll, a yes to a meeting to come and to a social event, a place
/// on the refreshments rota and a turn hosting, their personal link and calendar feed, and an
/// emailed invitation with the link minted for it. All through the app's routes: the API and
/// the staff pages as the group's facilitator, and the member's own link.
///
/// `mark` must be one word of letters and digits: it is also their email address's local part
/// (so it is there in lower case). A concern is staff's safeguarding record, which an erasure
/// keeps without pointing at them, so it is seeded without the mark.
pub(crate) async fn seed_every_kind(app: &TestApp, w: &World, mark: &str) -> Seeded {
    let (g, me) = (w.group_a, w.member_a);
    let api = &w.f1_api;

    // Their details, a consent, a call and a plan.
    api.put(
        &format!("/api/v1/members/{me}"),
        &json!({
            "full_name": format!("Zebedee {mark} Quill"),
            "phone": "07700 900999",
            "email": format!("{}@example.org", mark.to_lowercase()),
            "preferred_contact": "email",
            "needs": ["hearing"],
            "needs_note": format!("{mark} loop system"),
            "happy_to_share_story": "yes",
        }),
    )
    .await
    .expect(200);
    api.post(
        &format!("/api/v1/members/{me}/consents"),
        &json!({
            "kind": "contact",
            "how_given": "phone",
            "note": format!("{mark} said yes on the phone"),
        }),
    )
    .await
    .expect(201);
    let about = format!("{mark} asked about the walk");
    let follow_up = format!("Ring {mark} about lifts");
    let called_on = days_from_now(-3);
    crate::contacts::add_contact(
        &w.f1b,
        me,
        &[
            ("contacted_on", called_on.as_str()),
            ("how", "phone"),
            ("about", about.as_str()),
            ("follow_up", follow_up.as_str()),
        ],
    )
    .await;
    let plan = api
        .post(
            &format!("/api/v1/members/{me}/plans"),
            &json!({"what": format!("{mark} walk to the shops"), "confidence": 8}),
        )
        .await;
    plan.expect(201);
    let plan = plan.json()["id"].as_i64().expect("plan id");

    // Two meetings gone by (the second has the "since last time" step check-ins belong to):
    // a yes to each and a sign-in at each, a check-in, the plan reviewed and a concern at the
    // second; then both are held.
    let held = [
        plan_id(api, g, &days_from_now(-14)).await,
        plan_id(api, g, &days_from_now(-7)).await,
    ];
    let planned = plan_id(api, g, &days_from_now(10)).await;
    for m in held {
        api.put(
            &format!("/api/v1/meetings/{m}/rsvps"),
            &json!({"member_id": me, "answer": "yes"}),
        )
        .await
        .expect(200);
        crate::topics::sign_in(api, m, me).await;
    }
    api.put(
        &format!("/api/v1/meetings/{}/checkins", held[1]),
        &json!({"member_id": me, "note": format!("{mark} started walking")}),
    )
    .await
    .expect(200);
    api.post(
        &format!("/api/v1/plans/{plan}/reviews"),
        &json!({
            "outcome": "done",
            "note": format!("{mark} walked every day"),
            "meeting_id": held[1],
        }),
    )
    .await
    .expect(201);
    api.post(
        &format!("/api/v1/groups/{g}/concerns"),
        &json!({
            "member_id": me,
            "concern": "Seemed low after the meeting",
            "meeting_id": held[1],
        }),
    )
    .await
    .expect(201);
    for m in held {
        api.patch(&format!("/api/v1/meetings/{m}"), &json!({"status": "held"}))
            .await
            .expect(200);
    }

    // The group's board, a poll and a social event for them to answer; they host the next
    // meeting's refreshments.
    let topic = crate::topics::propose(api, g, "Walking in winter").await;
    let poll = api
        .post(
            &format!("/api/v1/groups/{g}/polls"),
            &json!({"title": "When shall we walk?", "options": [
                {"date": days_from_now(20), "start_time": "19:00"},
                {"date": days_from_now(27), "start_time": "19:00"},
            ]}),
        )
        .await;
    poll.expect(201);
    let poll_options: Vec<i64> = poll.json()["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["option"]["id"].as_i64().expect("option id"))
        .collect();
    let poll = poll.json()["id"].as_i64().expect("poll id");
    let social = api
        .post(
            &format!("/api/v1/groups/{g}/social-events"),
            &json!({"title": "Winter walk", "date": days_from_now(12), "start_time": "10:00"}),
        )
        .await;
    social.expect(201);
    let social = social.json()["id"].as_i64().expect("event id");
    api.put(
        &format!("/api/v1/meetings/{planned}/host"),
        &json!({"member_id": me}),
    )
    .await
    .expect(200);

    // From their own link: replies, a vote, poll answers, the rota, feedback and a feed.
    let issued = api
        .post(&format!("/api/v1/members/{me}/link"), &json!({}))
        .await;
    issued.expect(201);
    let url = issued.json()["url"].as_str().expect("url").to_string();
    let link = url[url.find("/m/").expect("a /m/ path")..].to_string();
    let browser = app.browser();
    browser.csrf_from(&link).await;
    let back = |to: &str| format!("{link}#{to}");
    browser
        .post_form(&format!("{link}/meetings/{planned}"), &[("answer", "yes")])
        .await
        .expect_redirect(&back("meetings"));
    browser
        .post_form(&format!("{link}/topics/{topic}"), &[("vote", "true")])
        .await
        .expect_redirect(&back("topics"));
    let keys: Vec<String> = poll_options
        .iter()
        .map(|o| format!("answers.{o}"))
        .collect();
    let comment = format!("{mark} needs a lift");
    let mut answers: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "yes")).collect();
    answers.push(("comment", comment.as_str()));
    browser
        .post_form(&format!("{link}/polls/{poll}"), &answers)
        .await
        .expect_redirect(&back(&format!("poll-{poll}")));
    browser
        .post_form(&format!("{link}/social/{social}"), &[("answer", "yes")])
        .await
        .expect_redirect(&back("social"));
    browser
        .post_form(&format!("{link}/rota"), &[("on", "true")])
        .await
        .expect_redirect(&back("rota"));
    let said = format!("{mark} was glad to be back");
    for (m, rating) in held.into_iter().zip(["4", "2"]) {
        browser
            .post_form(
                &format!("{link}/feedback/{m}"),
                &[("rating", rating), ("comment", said.as_str())],
            )
            .await
            .expect_redirect(&back("feedback"));
    }
    // (A refused rating is sent back there too: both must have been kept.)
    let given = get_json(
        api,
        &format!("/api/v1/groups/{g}/feedback?from=2000-01-01&to=2100-01-01"),
    )
    .await;
    let theirs = given["feedback"]
        .as_array()
        .expect("feedback")
        .iter()
        .filter(|f| f["member_id"] == me)
        .count();
    assert_eq!(theirs, 2, "their feedback on both meetings: {given}");
    let shown = browser
        .post_form(&format!("{link}/calendar-feed"), &[])
        .await;
    shown.expect(200);
    let address = html::secret_link(&shown.text).expect("the feed's address is shown");
    let feed = address[address.find("/calendar/").expect("a /calendar/ path")..].to_string();
    app.api_anonymous().get(&feed).await.expect(200);

    // The invitation to the next meeting, emailed from an instance whose SMTP server refuses
    // every connection: the message is queued, and trying to send it mints the personal link
    // it carries (then waits an hour before trying again).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    let mailer = app
        .instance_with(hearth::Config {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            mail_from: "Hearth <hearth@example.org>".into(),
            mail_tick: Duration::from_millis(100),
            mail_retry_base: Duration::from_secs(3600),
            ..hearth::Config::default()
        })
        .await;
    let invited = Api::new(&mailer.base, api.token.clone())
        .post(&format!("/api/v1/meetings/{planned}/invite"), &json!({}))
        .await;
    invited.expect(200);
    let queued = invited.json()["email"]["queued"].as_i64();
    assert!(queued.is_some_and(|n| n >= 1), "{}", invited.text);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mail = get_json(api, &format!("/api/v1/groups/{g}/mail")).await;
        let tried = mail["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .any(|m| {
                m["member_id"] == me && m["last_error"].as_str().is_some_and(|e| !e.is_empty())
            });
        if tried {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the invitation was never tried: {mail}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    mailer.stop().await;

    Seeded {
        member: me,
        group: g,
        held,
        planned,
        link,
        feed,
        browser,
        topic,
        poll,
        poll_options,
        social,
    }
}

/// How many people a meeting's attendance lists (members, guests and "Someone").
async fn attendance_count(api: &Api, meeting: i64) -> usize {
    get_json(api, &format!("/api/v1/meetings/{meeting}/attendance")).await["attendance"]
        .as_array()
        .expect("attendance")
        .len()
}

both_backends! {
    /// The right of access covers every kind of record: a member with one of each finds every
    /// kind in their export, with the words they and staff wrote; another member of the group,
    /// with records on the same meetings, topic, poll and outing, finds nothing of theirs in it.
    async fn the_export_holds_every_kind_of_record(app: TestApp) {
        let w = World::build(&app).await;
        const MARK: &str = "Zqxexportword";
        let s = seed_every_kind(&app, &w, MARK).await;
        let (g, me, api) = (s.group, s.member, &w.f1_api);

        // Olive, in the same group, with records of her own on the same things.
        let olive = json!({"preferred_name": "Olive Other", "needs_note": "OTHER-MARKER needs"});
        let other = api.post(&format!("/api/v1/groups/{g}/members"), &olive).await;
        other.expect(201);
        let other = other.json()["id"].as_i64().expect("id");
        let consent = json!({"kind": "contact", "how_given": "phone", "note": "OTHER-MARKER consent"});
        api.post(&format!("/api/v1/members/{other}/consents"), &consent).await.expect(201);
        let plan = json!({"what": "OTHER-MARKER plan", "confidence": 8});
        api.post(&format!("/api/v1/members/{other}/plans"), &plan).await.expect(201);
        let called_on = days_from_now(-2);
        let call = [("contacted_on", called_on.as_str()), ("how", "phone"), ("about", "OTHER-MARKER call")];
        crate::contacts::add_contact(&w.f1b, other, &call).await;
        let second = s.held[1];
        crate::topics::sign_in(api, second, other).await;
        let line = json!({"member_id": other, "note": "OTHER-MARKER line"});
        api.put(&format!("/api/v1/meetings/{second}/checkins"), &line).await.expect(200);
        let concern = json!({"member_id": other, "concern": "OTHER-MARKER concern"});
        api.post(&format!("/api/v1/groups/{g}/concerns"), &concern).await.expect(201);
        let yes = json!({"member_id": other, "answer": "yes"});
        api.put(&format!("/api/v1/meetings/{}/rsvps", s.planned), &yes).await.expect(200);
        let vote = json!({"member_id": other});
        api.post(&format!("/api/v1/topics/{}/votes", s.topic), &vote).await.expect(201);
        let answers: serde_json::Map<String, Value> =
            s.poll_options.iter().map(|o| (o.to_string(), json!("no"))).collect();
        let answered = json!({"member_id": other, "answers": answers, "comment": "OTHER-MARKER poll"});
        api.post(&format!("/api/v1/polls/{}/answers", s.poll), &answered).await.expect(200);
        let maybe = json!({"member_id": other, "answer": "maybe"});
        api.post(&format!("/api/v1/social-events/{}/rsvps", s.social), &maybe).await.expect(200);
        api.put(&format!("/api/v1/members/{other}/rota"), &json!({"on": true})).await.expect(200);

        let export = get_json(api, &format!("/api/v1/members/{me}/export")).await;
        assert_eq!(export["member"]["id"].as_i64(), Some(me));
        let records = export["records"].as_array().expect("records");
        let kinds: Vec<&str> = records.iter().filter_map(|r| r["table"].as_str()).collect();
        for kind in EVERY_KIND {
            assert!(kinds.contains(&kind), "{kind} is in the export: {kinds:?}");
        }
        // What they and staff wrote is there, in each kind with words of its own.
        assert!(all_text(&export["member"]).contains(MARK), "{:#}", export["member"]);
        for kind in MARKED_KINDS {
            let section = records.iter().find(|r| r["table"] == kind).expect("listed");
            let words = all_text(section).to_lowercase();
            assert!(words.contains(&MARK.to_lowercase()), "the mark in {kind}: {section:#}");
        }
        // Nothing of anyone else: every row naming a member names them.
        for section in records {
            for row in section["rows"].as_array().expect("rows") {
                if let Some(id) = row.get("member_id") {
                    assert_eq!(id.as_i64(), Some(me), "{}: {row}", section["table"]);
                }
            }
        }
        let text = all_text(&export);
        assert!(text.contains(MARK));
        assert!(!text.contains("OTHER-MARKER") && !text.contains("Olive Other"), "{export:#}");
        // The same from their own link.
        let own = s.browser.get(&format!("{}/data.json", s.link)).await;
        own.expect(200);
        assert!(own.text.contains(MARK) && !own.text.contains("OTHER-MARKER"), "{}", own.text);
    }
}

both_backends! {
    /// Erasing a member with a record of every kind leaves the mark in no table, and the
    /// group's figures exactly as they were: the same stats, field for field, though they
    /// counted in every one (a yes, two sign-ins, first time and came back, a goal set and
    /// done, two ratings), and the same people at the meetings they came to.
    async fn erasing_a_member_of_every_kind_keeps_the_figures(app: TestApp) {
        let w = World::build(&app).await;
        const MARK: &str = "Zqxerasureword";
        let s = seed_every_kind(&app, &w, MARK).await;
        let (g, me) = (s.group, s.member);
        let stats = format!("/api/v1/groups/{g}/stats?from=2000-01-01&to=2100-01-01");
        let before = get_json(&w.f1_api, &stats).await;
        // They are in every figure, so "the same after" means something.
        assert_eq!(before["meetings_held"], 2, "{before:#}");
        assert_eq!(before["total_attendances"], 2, "{before:#}");
        assert_eq!(before["distinct_members"], 1, "{before:#}");
        assert_eq!(before["first_timers"], 1, "{before:#}");
        assert_eq!(before["came_back"], 1, "{before:#}");
        assert_eq!(before["goals_set"], 1, "{before:#}");
        assert_eq!(before["goals_done"], 1, "{before:#}");
        assert_eq!(before["feedback_counts"], json!([0, 1, 0, 1, 0]), "{before:#}");
        for m in before["meetings"].as_array().expect("meetings") {
            assert_eq!(m["expected"], 1, "{m}");
            assert_eq!(m["feedback_count"], 1, "{m}");
        }
        let mut came = Vec::new();
        for m in s.held {
            came.push(attendance_count(&w.f1_api, m).await);
        }
        assert_eq!(came, vec![1_usize, 1]);
        assert!(!app.store.tables_holding(MARK).await.expect("scan").is_empty(), "the mark is there");

        let confirm = json!({"confirm": MEMBER_A});
        w.c_api.post(&format!("/api/v1/members/{me}/erase"), &confirm).await.expect(204);

        assert_eq!(app.store.tables_holding(MARK).await.expect("scan"), Vec::<String>::new());
        w.c_api.get(&format!("/api/v1/members/{me}")).await.expect(404);
        let anyone = app.api_anonymous();
        anyone.get(&s.link).await.expect(410);
        anyone.get(&s.feed).await.expect(404);
        let after = get_json(&w.f1_api, &stats).await;
        let figures = before.as_object().expect("figures");
        let changed: Vec<&String> = figures.keys().filter(|k| after[k.as_str()] != before[k.as_str()]).collect();
        assert_eq!(after, before, "the erasure changed the figures {changed:?}");
        let mut still = Vec::new();
        for m in s.held {
            still.push(attendance_count(&w.f1_api, m).await);
        }
        assert_eq!(still, came, "the meetings they came to still had them");
        // Nor is anything of them left in the database's files, free pages and log included.
        if let Some(path) = app.sqlite_path() {
            for suffix in ["", "-wal"] {
                let bytes = std::fs::read(format!("{path}{suffix}")).unwrap_or_default();
                let lower = String::from_utf8_lossy(&bytes).to_lowercase();
                assert!(!lower.contains(&MARK.to_lowercase()), "the mark is still in the database file{suffix}");
            }
        }
    }
}

both_backends! {
    /// Many views at once of a page that shows members' needs (the members list, kept by the
    /// page cache after the first): each writes its own audit event naming the members shown,
    /// though they share commits (store/audit_batch.rs), and none is answered before its event
    /// is written.
    async fn views_at_once_are_each_audited(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let me = w.member_a;
        let filter = hearth::store::AuditFilter { account_id: Some(w.f1.id), member_id: Some(MemberId(me)), ..Default::default() };
        let count = || async { app.store.audit_search(&w.c, &filter, 100_000).await.expect("audit").len() };
        let before = count().await;
        let mut views = tokio::task::JoinSet::new();
        for _ in 0..40 {
            let api = w.f1_api.clone();
            views.spawn(async move { api.get(&format!("/api/v1/groups/{g}/members")).await.status });
        }
        while let Some(status) = views.join_next().await {
            assert_eq!(status.expect("view"), 200);
        }
        assert_eq!(count().await - before, 40, "one event per view, each naming the member");
    }
}

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
        assert!(app.store.search(&w.c, g, MARK, 10).await.expect("search").is_empty());
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
        w.f1b.get(&format!("/members/{me}")).await.expect(200);
        w.cb.get(&format!("/members/{me}")).await.expect(200);
        let today = hearth::labels::today_in("UTC");
        let events = w.c_api.get(&format!("/api/v1/audit?member_id={me}&account_id={}", w.f1.id)).await;
        events.expect(200);
        let events = events.json()["events"].as_array().expect("events").clone();
        assert!(!events.is_empty());
        assert!(events.iter().all(|e| e["subject"] == format!("member:{me}") && e["actor"] == format!("account:{}", w.f1.id)), "{events:?}");
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
        assert!(csv.text.trim_start_matches('\u{feff}').starts_with("when,who,what,about") && csv.text.contains("Fern Facilitator"), "{}", csv.text);
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
        let naming = app.store.audit_naming(me, 100).await.expect("audit");
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
                    .audit_search(&coordinator, &hearth::store::AuditFilter { member_id: Some(me), ..filter }, 100_000)
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
        let before = app.store.audit_search(&coordinator, &hearth::store::AuditFilter { account_id: Some(w.f2.id), member_id: Some(me), ..Default::default() }, 1000).await.expect("audit").len();
        w.f2b.get(&format!("/groups/{g}/members")).await.expect(404);
        w.f2_api.get(&format!("/api/v1/members/{me}")).await.expect(404);
        let after = app.store.audit_search(&coordinator, &hearth::store::AuditFilter { account_id: Some(w.f2.id), member_id: Some(me), ..Default::default() }, 1000).await.expect("audit").len();
        assert_eq!(before, after);
    }
}

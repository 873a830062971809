//! Staff sign-in and requests hardened as an attacker would try them (issue 19, part): the
//! throttle counts simultaneous guesses and slows rather than locks, X-Forwarded-For is read
//! from the right, the forms' token is bound to the session, only the newest reset link
//! works, cookies are Secure under https, JSON means JSON, and paging cannot overflow.

use hearth::domain::access::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

/// Every Set-Cookie of a response, by cookie name.
fn cookies(res: &Resp) -> Vec<(String, String)> {
    res.header_all("set-cookie")
        .into_iter()
        .map(|c| (c.split('=').next().unwrap_or("").to_string(), c))
        .collect()
}

both_backends! {
    /// Fifty wrong passwords for one account at the same moment: at most the free five are
    /// checked, the rest are told to wait (with Retry-After), and none is let through.
    async fn simultaneous_guesses_get_no_more_tries_than_the_limit(app: TestApp) {
        app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let b = app.browser();
        b.csrf_from("/signin").await;
        let mut tasks = Vec::new();
        for i in 0..50 {
            let b = b.clone();
            tasks.push(tokio::spawn(async move {
                b.post_form("/signin", &[("email", "fern@example.org"), ("password", &format!("guess {i}"))]).await
            }));
        }
        let mut checked = 0;
        for t in tasks {
            let res = t.await.expect("task");
            match res.status.as_u16() {
                401 => checked += 1,
                429 => {
                    res.expect_contains("Please wait");
                    assert!(res.header("retry-after").and_then(|s| s.parse::<i64>().ok()).is_some_and(|s| s > 0));
                }
                other => panic!("unexpected {other}: {}", res.text),
            }
        }
        assert!((1..=5).contains(&checked), "{checked} guesses were checked");
        // Slowed, not locked for good: the wait is seconds, and it is said.
        let res = app.browser().sign_in("fern@example.org", PASSWORD).await;
        res.expect(429).expect_contains("seconds and try again");
    }
}

both_backends! {
    /// Behind a proxy, the client is the right-most X-Forwarded-For address (the one the proxy
    /// appended): what the client writes to its left neither dodges the per-address throttle
    /// nor aims it at someone else.
    async fn the_forwarded_address_is_read_from_the_right(app: TestApp) {
        app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let instance = app.instance_with(hearth::Config { trust_forwarded: true, ..Default::default() }).await;
        let b = Browser::new(&instance.base);
        let token = b.csrf_from("/signin").await;
        let post = |email: String, forwarded: String| {
            let b = b.clone();
            let token = token.clone();
            async move {
                let pairs = vec![
                    ("csrf_token".to_string(), token),
                    ("email".to_string(), email),
                    ("password".to_string(), "wrong password".to_string()),
                ];
                b.post_pairs("/signin", &pairs, &[("x-forwarded-for", &forwarded)]).await
            }
        };
        for i in 0..20 {
            // A different made-up address in front each time: still one client.
            post(format!("guess{i}@example.org"), format!("10.9.{i}.1, 203.0.113.5")).await.expect(401);
        }
        post("another@example.org".into(), "10.200.0.1, 203.0.113.5".into()).await.expect(429);
        // Someone else, whose real address the attacker wrote on the left, is not throttled.
        post("fern@example.org".into(), "203.0.113.5, 198.51.100.7".into()).await.expect(401);
    }
}

both_backends! {
    /// The forms' anti-forgery token is bound to the session: one read before signing in, or in
    /// an earlier session, is refused after; the token of the session in use works.
    async fn the_form_token_is_bound_to_the_session(app: TestApp) {
        app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let b = app.browser();
        let before = b.csrf_from("/signin").await;
        let res = b.sign_in("fern@example.org", PASSWORD).await;
        res.expect(303);
        let names: Vec<String> = cookies(&res).into_iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"hearth_csrf".to_string()), "signing in renews the cookie: {names:?}");
        let during = b.csrf_from("/account").await;
        assert_ne!(before, during);
        let change = |token: String| {
            vec![
                ("csrf_token".to_string(), token),
                ("current_password".to_string(), "not my password".to_string()),
                ("password".to_string(), "a brand new passphrase".to_string()),
                ("password_confirm".to_string(), "a brand new passphrase".to_string()),
            ]
        };
        b.post_pairs("/account/password", &change(before), &[]).await.expect(403);
        // Signed out and in again: the last session's token is refused too.
        b.sign_out().await;
        b.sign_in("fern@example.org", PASSWORD).await.expect(303);
        b.post_pairs("/account/password", &change(during), &[]).await.expect(403);
        let now = b.csrf_from("/account").await;
        assert_ne!(b.post_pairs("/account/password", &change(now), &[]).await.status.as_u16(), 403);
    }
}

both_backends! {
    /// Making a new reset link ends any older one for the account.
    async fn only_the_newest_reset_link_works(app: TestApp) {
        let (_, cb) = app.coordinator().await;
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let link = |res: Resp| {
            res.expect(200);
            let link = html::secret_link(&res.text).expect("a link on the page");
            link[link.find("/reset/").expect("path")..].to_string()
        };
        let older = link(cb.post_form(&format!("/staff/{}/reset-link", fern.id), &[]).await);
        let newer = link(cb.post_form(&format!("/staff/{}/reset-link", fern.id), &[]).await);
        app.browser().get(&older).await.expect(400);
        app.browser().get(&newer).await.expect(200).expect_contains("Fern Facilitator");
    }
}

both_backends! {
    /// Under https every cookie Hearth sets is Secure and carries the __Host- prefix: the
    /// session, the anti-forgery cookie and the one-redirect message alike; a bare name is not
    /// believed.
    async fn every_cookie_is_secure_under_https(app: TestApp) {
        app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let config = hearth::Config { public_url: "https://groups.example.org".into(), ..Default::default() };
        let task = tokio::spawn(hearth::serve(listener, app.store.clone(), config, std::future::pending()));
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let page = client.get(format!("http://{addr}/signin")).send().await.expect("get");
        // Browsers are told to use https for a year, on every subdomain too (ASVS V3.4.1).
        assert_eq!(
            page.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()),
            Some("max-age=31536000; includeSubDomains")
        );
        let csrf = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("__Host-hearth_csrf=").map(|v| v.split(';').next().unwrap_or("").to_string()))
            .expect("an anti-forgery cookie");
        let res = client
            .post(format!("http://{addr}/signin"))
            .header("cookie", format!("__Host-hearth_csrf={csrf}"))
            .form(&[("csrf_token", csrf.as_str()), ("email", "fern@example.org"), ("password", PASSWORD)])
            .send()
            .await
            .expect("post");
        assert_eq!(res.status().as_u16(), 303);
        let set: Vec<String> = res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
        // Each with the __Host- prefix (ASVS V3.3.3): Secure, Path=/, no Domain, so only this
        // host over https can have set it.
        for name in ["__Host-hearth_session=", "__Host-hearth_csrf=", "__Host-hearth_flash="] {
            let c = set.iter().find(|c| c.starts_with(name)).unwrap_or_else(|| panic!("{name} in {set:?}"));
            assert!(c.contains("; Secure") && c.contains("Path=/;") && !c.contains("Domain"), "{c}");
        }
        let session = set
            .iter()
            .find_map(|c| c.strip_prefix("__Host-hearth_session=").map(|v| v.split(';').next().unwrap_or("").to_string()))
            .expect("a session");
        let account = |cookie: String| {
            let client = client.clone();
            async move {
                client.get(format!("http://{addr}/account")).header("cookie", cookie).send().await.expect("get").status().as_u16()
            }
        };
        assert_eq!(account(format!("__Host-hearth_session={session}")).await, 200);
        // The same token under the bare name (as a neighbouring subdomain could set it) is not
        // believed.
        assert_eq!(account(format!("hearth_session={session}")).await, 303);
        task.abort();
    }
}

both_backends! {
    /// Only `application/json` (and `…+json`) bodies are read as JSON; paging arithmetic does
    /// not overflow.
    async fn json_means_json_and_paging_cannot_overflow(app: TestApp) {
        let w = World::build(&app).await;
        let body = serde_json::to_vec(&json!({"name": "Hall"})).expect("json");
        for bad in ["application/jsonx", "text/plain", "application/x-json"] {
            w.c_api.send("POST", "/api/v1/venues", Some((bad, body.clone())), &[]).await.expect_json_error(400, "bad_request");
        }
        for good in ["application/json; charset=utf-8", "application/vnd.hearth+json"] {
            w.c_api.send("POST", "/api/v1/venues", Some((good, body.clone())), &[]).await.expect(201);
        }
        w.c_api.get("/api/v1/groups?offset=9223372036854775800").await.expect_invalid_fields(&["offset"]);
        let last = w.c_api.get("/api/v1/groups?offset=1000000000&limit=500").await;
        last.expect(200);
        assert!(last.json()["next"].is_null());
    }
}

both_backends! {
    /// Every CSV export goes through one writer: a venue's name is guarded like any other cell,
    /// and a cell holding a semicolon is quoted, so a spreadsheet that splits on semicolons
    /// cannot be handed a formula.
    async fn every_csv_cell_is_guarded(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let venue = w.c_api.post("/api/v1/venues", &json!({"name": "=HYPERLINK(\"http://evil.example\",\"Hall\")"})).await;
        venue.expect(201);
        let venue = venue.json()["id"].as_i64().expect("venue id");
        let id = crate::meetings::plan_id(&w.f1_api, g, "2026-03-03").await;
        w.f1_api.put(&format!("/api/v1/meetings/{id}"), &json!({"venue_id": venue})).await.expect(200);
        w.f1_api.put(&format!("/api/v1/meetings/{id}/notes"), &json!({"key_points": "tea;=1+1"})).await.expect(200);
        let csv = w.f1b.get(&format!("/groups/{g}/meetings.csv")).await;
        csv.expect(200);
        assert!(csv.text.contains("'=HYPERLINK"), "{}", csv.text);
        assert!(csv.text.contains("\"tea;=1+1\""), "{}", csv.text);
        assert!(!csv.text.contains(",=HYPERLINK"), "{}", csv.text);
    }
}

both_backends! {
    /// A venue's details reach every group that meets there, so a facilitator may add venues
    /// and correct one only their own groups use; a coordinator may change any; staff with no
    /// group neither. Pages and API answer alike, and nothing changes when refused.
    async fn venues_are_changed_only_by_those_whose_groups_use_them(app: TestApp) {
        let w = World::build(&app).await;
        // The world's venue is used by both groups' meetings.
        crate::meetings::plan_id(&w.f1_api, w.group_a, "2027-02-02").await;
        let shared = w.venue;
        for (g, api) in [(w.group_a, &w.f1_api), (w.group_b, &w.f2_api)] {
            let id = crate::meetings::plan_id(api, g, "2027-02-09").await;
            api.put(&format!("/api/v1/meetings/{id}"), &json!({"venue_id": shared})).await.expect(200);
        }
        let before = w.c_api.get(&format!("/api/v1/venues/{shared}")).await.json();
        w.f1_api.put(&format!("/api/v1/venues/{shared}"), &json!({"notes": "Closed for ever"})).await.expect_json_error(403, "forbidden");
        w.f1b.get(&format!("/venues/{shared}/edit")).await.expect(403);
        w.f1b.post_form(&format!("/venues/{shared}/edit"), &[("name", "Renamed"), ("step_free", "no")]).await.expect(403);
        let page = w.f1b.get(&format!("/venues/{shared}")).await;
        page.expect(200).expect_lacks(&format!("/venues/{shared}/edit")).expect_contains("tell a coordinator");
        assert_eq!(w.c_api.get(&format!("/api/v1/venues/{shared}")).await.json(), before, "nothing changed");
        // A coordinator may.
        w.c_api.put(&format!("/api/v1/venues/{shared}"), &json!({"notes": "Ring the bell"})).await.expect(200);
        // A facilitator adds a venue and corrects it while only their group uses it.
        let own = w.f1_api.post("/api/v1/venues", &json!({"name": "Fern's café"})).await;
        own.expect(201);
        let own = own.json()["id"].as_i64().expect("id");
        w.f1_api.put(&format!("/api/v1/venues/{own}"), &json!({"notes": "Back room"})).await.expect(200);
        w.f1b.get(&format!("/venues/{own}/edit")).await.expect(200);
        // Once another group meets there, it is the coordinators' to change.
        let id = crate::meetings::plan_id(&w.f2_api, w.group_b, "2027-02-16").await;
        w.f2_api.put(&format!("/api/v1/meetings/{id}"), &json!({"venue_id": own})).await.expect(200);
        w.f1_api.put(&format!("/api/v1/venues/{own}"), &json!({"notes": "Front room"})).await.expect_json_error(403, "forbidden");
        // Staff with no group may not add venues.
        app.create_account("nogroup@example.org", "Nell Nogroup", Role::Facilitator).await;
        let nell = app.signed_in("nogroup@example.org", PASSWORD).await;
        nell.get("/venues/new").await.expect(403);
        nell.post_form("/venues/new", &[("name", "Nell's hall"), ("step_free", "no")]).await.expect(403);
        nell.get("/venues").await.expect(200).expect_lacks("href=\"/venues/new\"");
    }
}

both_backends! {
    /// A sign-in ends after a while unused (`--session-idle`), is kept alive by use, and ends
    /// at its absolute lifetime (`--session-lifetime`) however much it is used; an ended
    /// session is not brought back by a later request.
    async fn sessions_end_when_idle_and_at_their_lifetime(app: TestApp) {
        app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let instance = app
            .instance_with(hearth::Config {
                session_idle: std::time::Duration::from_secs(4),
                session_lifetime: std::time::Duration::from_secs(9),
                ..Default::default()
            })
            .await;
        let b = Browser::new(&instance.base);
        b.sign_in("fern@example.org", PASSWORD).await.expect(303);
        b.get("/account").await.expect(200);
        // In use every second or so for six seconds: still signed in (idle is four).
        for _ in 0..6 {
            tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
            b.get("/account").await.expect(200);
        }
        // Then in use until past the lifetime: signed out at nine seconds however active.
        for _ in 0..4 {
            tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
            b.get("/account").await;
        }
        b.get("/account").await.expect_signin_redirect();

        // A new sign-in left alone for longer than the idle time: ended, and stays ended.
        let b = Browser::new(&instance.base);
        b.sign_in("fern@example.org", PASSWORD).await.expect(303);
        b.get("/account").await.expect(200);
        tokio::time::sleep(std::time::Duration::from_millis(5000)).await;
        b.get("/account").await.expect_signin_redirect();
        b.get("/account").await.expect_signin_redirect();
    }
}

both_backends! {
    /// A new password, by the staff member or through a reset link, ends every API token of the
    /// account as well as its sessions.
    async fn a_new_password_ends_api_tokens(app: TestApp) {
        let (_, cb) = app.coordinator().await;
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let api = app.api(&fern).await;
        api.get("/api/v1/me").await.expect(200);
        let b = app.signed_in("fern@example.org", PASSWORD).await;
        b.post_form("/account/password", &[("current_password", PASSWORD), ("password", "a brand new passphrase"), ("password_confirm", "a brand new passphrase")])
            .await
            .expect(303);
        api.get("/api/v1/me").await.expect_json_error(401, "unauthorized");

        let api = app.api(&fern).await;
        api.get("/api/v1/me").await.expect(200);
        let res = cb.post_form(&format!("/staff/{}/reset-link", fern.id), &[]).await;
        let link = html::secret_link(&res.text).expect("link");
        let path = link[link.find("/reset/").expect("path")..].to_string();
        let anon = app.browser();
        anon.csrf_from(&path).await;
        anon.post_form(&path, &[("password", "yet another passphrase"), ("password_confirm", "yet another passphrase")]).await.expect(303);
        api.get("/api/v1/me").await.expect_json_error(401, "unauthorized");
    }
}

both_backends! {
    /// Offboarding: a coordinator turns a staff member's sign-in off; their sessions and API
    /// tokens end at once, signing in is refused with a clear word, what they recorded stays,
    /// and a coordinator can turn it back on. Pages and API alike; audited; never one's own.
    async fn a_coordinator_turns_a_staff_members_sign_in_off_and_on(app: TestApp) {
        let w = World::build(&app).await;
        let fern = w.f1.id;
        w.f1b.get("/account").await.expect(200);
        w.f1_api.get("/api/v1/me").await.expect(200);
        // Facilitators may not; a coordinator may not turn off their own.
        w.f1b.post_form(&format!("/staff/{}/disable", w.f2.id), &[]).await.expect(403);
        w.f1_api.post(&format!("/api/v1/staff/{}/disable", w.f2.id), &json!({})).await.expect_json_error(403, "forbidden");
        w.f1_api.get("/api/v1/staff").await.expect_json_error(403, "forbidden");
        w.c_api.post(&format!("/api/v1/staff/{}/disable", w.c.id), &json!({})).await.expect(409);
        w.cb.post_form("/staff/999999/disable", &[]).await.expect(404);

        w.cb.post_form(&format!("/staff/{fern}/disable"), &[]).await.expect_redirect("/staff");
        w.f1b.get("/account").await.expect_signin_redirect();
        w.f1_api.get("/api/v1/me").await.expect_json_error(401, "unauthorized");
        let res = app.browser().sign_in("fern@example.org", PASSWORD).await;
        res.expect(403).expect_contains("turned off");
        let staff = w.c_api.get("/api/v1/staff").await.json();
        let row = staff["staff"].as_array().expect("staff").iter().find(|s| s["id"] == fern).expect("fern").clone();
        assert_eq!(row["sign_in_allowed"], false, "{row}");
        w.cb.get("/staff").await.expect(200).expect_contains("Turned off").expect_contains(&format!("/staff/{fern}/enable"));
        // What Fern recorded stays: the group's members are still there.
        w.c_api.get(&format!("/api/v1/members/{}", w.member_a)).await.expect(200);
        let audit = app.store.audit_for(&format!("account:{fern}"), 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action == "turned sign-in off" && e.actor == w.c.actor()), "{audit:?}");

        let back = w.c_api.post(&format!("/api/v1/staff/{fern}/enable"), &json!({})).await;
        back.expect(200);
        assert_eq!(back.json()["sign_in_allowed"], true);
        app.browser().sign_in("fern@example.org", PASSWORD).await.expect(303);
        // The old token stays ended: a new one is needed.
        w.f1_api.get("/api/v1/me").await.expect_json_error(401, "unauthorized");
    }
}

both_backends! {
    /// API tokens have a name, an end and a scope: made on the account page (shown once),
    /// listed with when each was last used, revoked by their owner (or a coordinator); a
    /// read-only token's change is a 403; an ended or revoked token is refused.
    async fn api_tokens_are_named_end_and_can_be_read_only(app: TestApp) {
        let w = World::build(&app).await;
        // Made on the account page.
        let res = w.f1b.post_form("/account/tokens", &[("token_name", ""), ("token_days", "400")]).await;
        res.expect(422).expect_field_error("token_name", "Give it a name").expect_field_error("token_days", "from 1 to 366")
            .expect_field_error("token_password", "Enter your password");
        // The password first: a session left open cannot make a token that outlives it.
        w.f1b.post_form("/account/tokens", &[("token_name", "Reports"), ("token_days", "30"), ("token_password", "wrong")]).await
            .expect(422).expect_field_error("token_password", "not right").expect_value("token_name", "Reports");
        let res = w.f1b.post_form("/account/tokens", &[("token_name", "Reports"), ("token_days", "30"), ("token_read_only", "yes"), ("token_password", PASSWORD)]).await;
        res.expect(200).expect_contains("for reading only");
        let secret = html::secret_link(&res.text).or_else(|| {
            let at = res.text.find("id=\"secret-link\"")?;
            let v = &res.text[at..];
            let start = v.find("value=\"")? + 7;
            Some(v[start..start + v[start..].find('"')?].to_string())
        }).expect("the token on the page");
        let reader = Api::new(&app.base, Some(secret));
        reader.get("/api/v1/me").await.expect(200);
        // Read-only: reading works, a change is refused and changes nothing.
        reader.get(&format!("/api/v1/groups/{}/members", w.group_a)).await.expect(200);
        reader.post(&format!("/api/v1/groups/{}/members", w.group_a), &json!({"preferred_name": "Ro"})).await.expect_json_error(403, "read_only_token");
        let names = w.f1_api.get(&format!("/api/v1/groups/{}/members", w.group_a)).await.text;
        assert!(!names.contains("\"Ro\""));
        // Listed for its owner with its name and end, used today; the page says so too.
        let listed = reader.get("/api/v1/tokens").await.json();
        let row = listed["tokens"].as_array().expect("tokens").iter().find(|t| t["name"] == "Reports").expect("listed").clone();
        assert_eq!(row["read_only"], true);
        let days = (row["expires_at"].as_i64().expect("end") - row["created_at"].as_i64().expect("made")) / 86_400;
        assert_eq!(days, 30);
        assert!(row["last_used_at"].as_i64().is_some(), "{row}");
        w.f1b.get("/account").await.expect(200).expect_contains("Reports").expect_contains("Reading only");
        // Another facilitator cannot revoke it; its owner can, on the page.
        let id = row["id"].as_i64().expect("id");
        w.f2_api.send("DELETE", &format!("/api/v1/tokens/{id}"), None, &[]).await.expect_json_error(404, "not_found");
        w.f2b.post_form(&format!("/account/tokens/{id}/revoke"), &[]).await.expect(404);
        w.f1b.post_form(&format!("/account/tokens/{id}/revoke"), &[]).await.expect_redirect("/account");
        reader.get("/api/v1/me").await.expect_json_error(401, "unauthorized");
        // A coordinator can revoke anyone's, through the API.
        let listed = w.f1_api.get("/api/v1/tokens").await.json();
        let id = listed["tokens"][0]["id"].as_i64().expect("the world's token");
        w.c_api.send("DELETE", &format!("/api/v1/tokens/{id}"), None, &[]).await.expect(204);
        w.f1_api.get("/api/v1/me").await.expect_json_error(401, "unauthorized");
        // An ended token is refused (made already ended, as days pass).
        let token = hearth::auth::new_token();
        let id = app.store.create_named_api_token(w.f2.id, &hearth::auth::hash_token(&token), &hearth::store::TokenSpec { name: "Old".into(), days: 0, read_only: false }).await.expect("token");
        assert!(id > 0);
        Api::new(&app.base, Some(token)).get("/api/v1/me").await.expect_json_error(401, "unauthorized");
    }
}

/// What a raw connection gets within `wait`: `Some(bytes)` read before it closed (empty when
/// it closed without a word), or None when it is still open and silent.
async fn read_until_closed(
    conn: &mut tokio::net::TcpStream,
    wait: std::time::Duration,
) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, conn.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

both_backends! {
    /// Slow and idle clients cannot hold the server: a request's headers trickled in a byte at
    /// a time are cut off at the header-read timeout, a connection left unused is closed at
    /// the idle timeout, and no more than the cap are open at once (the next is served as
    /// soon as one closes).
    async fn slow_and_idle_connections_are_closed_and_capped(app: TestApp) {
        use std::time::Duration;
        use tokio::io::AsyncWriteExt;
        let limits = hearth::http::conn::Limits {
            header_read: Duration::from_secs(1),
            idle: Duration::from_secs(2),
            max_connections: 2,
        };
        // (The idle timeout is never shorter than a request may take.)
        let config = hearth::Config { connections: limits, request_timeout: Duration::from_secs(1), ..Default::default() };
        let instance = app.instance_with(config).await;
        let addr = instance.base.trim_start_matches("http://").to_string();
        let connect = || tokio::net::TcpStream::connect(addr.clone());

        // Headers trickled more often than the idle timeout, never finished: cut off.
        let slow = connect().await.expect("connect");
        let (mut reader, mut writer) = slow.into_split();
        let trickle = tokio::spawn(async move {
            let _ = writer.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
            for _ in 0..30 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                if writer.write_all(b"X").await.is_err() {
                    break;
                }
            }
        });
        let started = std::time::Instant::now();
        let closed = tokio::time::timeout(Duration::from_secs(6), async {
            use tokio::io::AsyncReadExt;
            let mut buf = [0u8; 1024];
            loop {
                match reader.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => continue,
                }
            }
        }).await;
        assert!(closed.is_ok(), "a client trickling its headers kept its connection for 6 s");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        trickle.abort();

        // A kept-alive connection left unused is closed.
        let mut idle = connect().await.expect("connect");
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("send");
        let answer = read_until_closed(&mut idle, Duration::from_secs(6)).await;
        let answer = answer.expect("an idle connection was kept open for 6 s");
        assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "{answer:?}");

        // Two connections open: a third waits, and is answered once one closes.
        let first = connect().await.expect("connect");
        let mut second = connect().await.expect("connect");
        second.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("send");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut third = connect().await.expect("connect");
        third.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.expect("send");
        assert!(
            read_until_closed(&mut third, Duration::from_millis(500)).await.is_none(),
            "a third connection was served while two were open"
        );
        drop(first);
        let answer = read_until_closed(&mut third, Duration::from_secs(5)).await
            .expect("the third connection was not served after one closed");
        assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "{answer:?}");
        instance.stop().await;
    }
}

both_backends! {
    /// Coordinators see everyone's live API tokens on the staff page and can revoke any of
    /// them there (audited); facilitators cannot, and a token id of someone else is not found.
    async fn coordinators_revoke_anyones_token_from_the_staff_page(app: TestApp) {
        let w = World::build(&app).await;
        let spec = hearth::store::TokenSpec { name: "Reports spreadsheet".into(), days: 30, read_only: true };
        let token = hearth::auth::new_token();
        let id = app.store.create_named_api_token(w.f1.id, &hearth::auth::hash_token(&token), &spec).await.expect("token");
        let api = Api::new(&app.base, Some(token));
        api.get("/api/v1/me").await.expect(200);
        w.cb.get(&format!("/staff/{}", w.f1.id)).await.expect(200).expect_contains("Reports spreadsheet")
            .expect_contains(&format!("/staff/{}/tokens/{id}/revoke", w.f1.id));
        w.f2b.post_form(&format!("/staff/{}/tokens/{id}/revoke", w.f1.id), &[]).await.expect(403);
        w.cb.post_form(&format!("/staff/{}/tokens/{id}/revoke", w.f2.id), &[]).await.expect(404);
        api.get("/api/v1/me").await.expect(200);
        w.cb.post_form(&format!("/staff/{}/tokens/{id}/revoke", w.f1.id), &[]).await.expect_redirect(&format!("/staff/{}", w.f1.id));
        api.get("/api/v1/me").await.expect_json_error(401, "unauthorized");
        w.cb.get(&format!("/staff/{}", w.f1.id)).await.expect(200).expect_contains("no longer works")
            .expect_lacks(&format!("/staff/{}/tokens/{id}/revoke", w.f1.id));
        let audit = app.store.audit_for(&format!("account:{}", w.f1.id), 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action == "revoked an API token" && e.actor == w.c.actor()), "{audit:?}");
    }
}

/// A PostgreSQL URL may ask for TLS (`sslmode=require`, or `verify-full` with `sslrootcert`):
/// Hearth then talks to the database over an encrypted connection (ASVS V12.3.1), as the
/// server's own view of the connection shows.
#[tokio::test]
async fn postgres_connections_can_be_encrypted() {
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
    use std::str::FromStr;
    let url = postgres_url();
    let admin = match PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(&url)
        .await
    {
        Ok(pool) => pool,
        Err(e) => {
            assert!(
                !strict(),
                "PostgreSQL at {url} is not reachable ({e}) and HEARTH_TEST_STRICT is set"
            );
            eprintln!(
                "skipped: PostgreSQL tests need a server at {url} (set HEARTH_TEST_POSTGRES_URL)"
            );
            return;
        }
    };
    let schema = format!("t_{}", random_hex(16));
    sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&admin)
        .await
        .expect("schema");
    let options = PgConnectOptions::from_str(&url)
        .expect("url")
        .ssl_mode(PgSslMode::Require)
        .options([("search_path", schema.as_str())]);
    let store = hearth::Store::open_postgres(options.clone())
        .await
        .expect("Hearth opens PostgreSQL over TLS");
    store.close().await;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("a TLS connection");
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .expect("read pg_stat_ssl");
    pool.close().await;
    sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(&admin)
        .await
        .expect("drop");
    admin.close().await;
    assert!(encrypted, "the connection was not encrypted");
}

both_backends! {
    /// A signed-in person has a budget of requests (ASVS V2.4.1): a minute's worth at once,
    /// shared by their browser sessions and API tokens, counted for pages served from the page
    /// cache as for pages made afresh; over it, 429 with Retry-After (the JSON error shape
    /// under /api/, a page elsewhere), and nobody else is held up.
    async fn a_signed_in_person_has_a_budget_of_requests(app: TestApp) {
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let (coordinator, _) = app.coordinator().await;
        let instance = app
            .instance_with(hearth::Config { requests_per_minute: 6, ..Default::default() })
            .await;
        let coord_api = Api::new(&instance.base, Some(app.api_token(&coordinator).await));
        let group = coord_api.post("/api/v1/groups", &serde_json::json!({"name": "Tuesday Group"})).await;
        group.expect(201);
        let g = group.json()["id"].as_i64().expect("id");
        coord_api.put(&format!("/api/v1/groups/{g}/facilitators"), &serde_json::json!({"facilitator_ids": [fern.id]})).await.expect(200);
        let api = Api::new(&instance.base, Some(app.api_token(&fern).await));
        let b = Browser::new(&instance.base);
        b.sign_in("fern@example.org", PASSWORD).await.expect(303);
        // Six in all, by token and by browser, the group's member list (a page the cache keeps)
        // among them, asked for again.
        for _ in 0..2 {
            api.get(&format!("/api/v1/groups/{g}/members")).await.expect(200);
        }
        api.get("/api/v1/me").await.expect(200);
        for _ in 0..2 {
            b.get(&format!("/groups/{g}/members")).await.expect(200);
        }
        b.get("/account").await.expect(200);
        // The seventh, whichever way it comes, waits.
        let res = api.get(&format!("/api/v1/groups/{g}/members")).await;
        res.expect_json_error(429, "rate_limited");
        let wait: u64 = res.header("retry-after").expect("Retry-After").parse().expect("seconds");
        assert!((1..=10).contains(&wait), "{wait}");
        let page = b.get(&format!("/groups/{g}/members")).await;
        page.expect(429).expect_contains("Please wait");
        assert!(page.header("retry-after").is_some());
        b.get("/account").await.expect(429);
        // Someone else is not held up.
        coord_api.get("/api/v1/me").await.expect(200);
        // A member's personal link has a budget of its own.
        let member = coord_api.post(&format!("/api/v1/groups/{g}/members"), &serde_json::json!({"preferred_name": "Mo Member"})).await;
        member.expect(201);
        let m = member.json()["id"].as_i64().expect("id");
        let url = coord_api.post(&format!("/api/v1/members/{m}/link"), &serde_json::json!({})).await.json()["url"].as_str().expect("url").to_string();
        let link = url[url.find("/m/").expect("path")..].to_string();
        let member_browser = Browser::new(&instance.base);
        for _ in 0..6 {
            member_browser.get(&link).await.expect(200);
        }
        member_browser.get(&link).await.expect(429).expect_contains("Please wait");
        instance.stop().await;
    }
}

both_backends! {
    /// The message after a form ("Nina Newcomer has joined the group and is signed in") names
    /// a member, so it is kept with the session on the server: the browser's cookie only says
    /// that a message is waiting (ASVS V14.3.3). It is shown once, on the next page, to that
    /// session only.
    async fn messages_naming_members_are_not_kept_in_the_browser(app: TestApp) {
        let w = World::build(&app).await;
        let id = crate::meetings::plan_id(&w.f1_api, w.group_a, "2027-01-05").await;
        let res = w.f1b.post_form(&format!("/meetings/{id}/walk-in"), &[("kind", "new_member"), ("name", "Nina Newcomer")]).await;
        res.expect(303);
        let flash = res.header_all("set-cookie").into_iter().find(|c| c.starts_with("hearth_flash=")).expect("a message waits");
        let value = flash.trim_start_matches("hearth_flash=").split(';').next().unwrap_or("").to_string();
        assert_eq!(value, "s", "only a sign that a message waits: {flash}");
        // Another session of the same person does not see it; the next page of this one does,
        // once.
        let other = app.signed_in(&w.f1.email, PASSWORD).await;
        other.get(&format!("/meetings/{id}/sign-in")).await.expect(200).expect_lacks("Nina Newcomer has");
        let notice = |text: &str| {
            text.split("<div class=\"notice notice-success\" role=\"status\">")
                .nth(1)
                .and_then(|rest| rest.split("</div>").next())
                .unwrap_or_default()
                .to_string()
        };
        let page = w.f1b.get(&res.location()).await;
        page.expect(200);
        assert!(notice(&page.text).contains("Nina Newcomer"), "the message is shown: {}", excerpt(&page.text));
        let again = w.f1b.get(&res.location()).await;
        assert_eq!(notice(&again.text), "", "shown once");
    }
}

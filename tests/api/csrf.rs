//! Cross-site request forgery: every state-changing form needs this browser's token, and a
//! forged submission changes nothing at all.

use hearth::domain::access::Staff;

use crate::both_backends;
use crate::helpers::*;

/// Everything a forged request could change, as text, for a before/after comparison.
async fn snapshot(app: &TestApp, viewer: &Staff) -> String {
    let s = &app.store;
    let mut out = String::new();
    for a in s.accounts().await.unwrap() {
        out += &format!("{a:?} {}\n", s.password_hash(a.id).await.unwrap());
    }
    for g in s.groups_for(viewer).await.unwrap() {
        out += &format!(
            "{g:?}\n{:?}\n",
            s.facilitators_of(&s.group(viewer, g.group.id).await.unwrap())
                .await
                .unwrap()
        );
        let all = hearth::store::MemberFilter {
            status: "all".into(),
            ..Default::default()
        };
        for m in s
            .members_of(&s.group(viewer, g.group.id).await.unwrap(), &all)
            .await
            .unwrap()
        {
            let access = app.member_access(m.id).await;
            out += &format!(
                "{m:?}\n{:?}\nlink {:?}\n",
                s.consents_of(&access).await.unwrap(),
                s.member_link_issued(&access).await.unwrap()
            );
        }
    }
    for v in s.venues().await.unwrap() {
        out += &format!("{v:?}\n");
    }
    out
}

/// Who posts, the route, and a body that would work with the right token.
type Forged<'a> = (&'a Browser, String, Vec<(&'static str, String)>);

/// The ways a forged submission can arrive.
#[derive(Debug, Clone, Copy)]
enum Forgery {
    /// No token in the form.
    NoToken,
    /// A token, but not this browser's (another browser's, or made up).
    WrongToken,
    /// The right token, but the browser says the request comes from another site.
    CrossSite,
    /// The right token, but the Origin is another site.
    ForeignOrigin,
    /// The right token, but `Origin: null` (a sandboxed frame, a data: page).
    NullOrigin,
}

const FORGERIES: [Forgery; 5] = [
    Forgery::NullOrigin,
    Forgery::NoToken,
    Forgery::WrongToken,
    Forgery::CrossSite,
    Forgery::ForeignOrigin,
];

async fn forge(b: &Browser, path: &str, fields: &[(&str, String)], how: Forgery) -> Resp {
    let token = b.csrf_token().await;
    let mut pairs: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let mut headers: Vec<(&str, &str)> = Vec::new();
    match how {
        Forgery::NoToken => {}
        Forgery::WrongToken => pairs.push(("csrf_token".into(), hearth::auth::new_token())),
        Forgery::CrossSite => {
            pairs.push(("csrf_token".into(), token));
            headers.push(("sec-fetch-site", "cross-site"));
        }
        Forgery::ForeignOrigin => {
            pairs.push(("csrf_token".into(), token));
            headers.push(("origin", "http://evil.example"));
        }
        Forgery::NullOrigin => {
            pairs.push(("csrf_token".into(), token));
            headers.push(("origin", "null"));
        }
    }
    b.post_pairs(path, &pairs, &headers).await
}

both_backends! {
    async fn forged_setup_creates_nothing(app: TestApp) {
        let b = app.browser();
        let fields = [
            ("name", "Mallory".to_string()),
            ("email", "mallory@example.org".to_string()),
            ("password", PASSWORD.to_string()),
            ("password_confirm", PASSWORD.to_string()),
        ];
        for how in FORGERIES {
            let res = forge(&b, "/setup", &fields, how).await;
            assert_eq!(res.status.as_u16(), 403, "{how:?}: {}", res.status);
            res.expect_contains("nothing was saved");
            assert_eq!(app.store.account_count().await.unwrap(), 0, "{how:?} created an account");
        }
        // A token without its cookie (another browser's token, this one has no cookie).
        let other = app.browser();
        let token = b.csrf_token().await;
        let pairs: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .chain([("csrf_token".to_string(), token)])
            .collect();
        other.post_pairs("/setup", &pairs, &[]).await.expect(403);
        assert_eq!(app.store.account_count().await.unwrap(), 0);
        // The token given twice, a wrong one first (HTTP parameter pollution, ASVS V15.3.7):
        // the first is the one checked, so the right one after it changes nothing.
        let right = b.csrf_token().await;
        let polluted: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .chain([("csrf_token".to_string(), "x".repeat(43)), ("csrf_token".to_string(), right)])
            .collect();
        b.post_pairs("/setup", &polluted, &[]).await.expect(403);
        assert_eq!(app.store.account_count().await.unwrap(), 0);
        // The same form with the right token works.
        b.post_form("/setup", &fields.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())
            .await
            .expect_redirect("/");
    }
}

both_backends! {
    async fn every_post_route_refuses_forgeries(app: TestApp) {
        let w = World::build(&app).await;
        let (a, ma, mb, v) = (w.group_a, w.member_a, w.member_b, w.venue);
        // Things the forms act on: a consent, a member's personal link, a reset link.
        w.cb.post_form(&format!("/members/{ma}/consents"), &[("kind", "contact"), ("how_given", "phone")])
            .await
            .expect(303);
        let consent = app.consents(ma).await[0].id;
        let res = w.cb.post_form(&format!("/members/{mb}/link"), &[]).await;
        res.expect(200);
        let link = html::secret_link(&res.text).unwrap();
        let m_path = link.trim_start_matches(&app.base).to_string();
        let anon = app.browser();
        anon.get(&m_path).await.expect(200);
        anon.post_form(&format!("{m_path}/consents"), &[("kind", "records")]).await.expect(303);
        let member_consent = app.consents(mb).await[0].id;
        let res = w.cb.post_form(&format!("/staff/{}/reset-link", w.f1.id), &[]).await;
        let reset = html::secret_link(&res.text).unwrap();
        let reset_path = reset.trim_start_matches(&app.base).to_string();

        let s = |x: &str| x.to_string();
        let pw = s("a brand new passphrase");
        // (who posts, the route, a body that would work with the right token)
        let routes: Vec<Forged> = vec![
            (&anon, s("/setup"), vec![("name", s("M")), ("email", s("m@example.org")), ("password", pw.clone()), ("password_confirm", pw.clone())]),
            (&anon, s("/signin"), vec![("email", s("cora@example.org")), ("password", s(PASSWORD))]),
            (&w.cb, s("/signout"), vec![]),
            (&w.cb, s("/account/password"), vec![("current_password", s(PASSWORD)), ("password", pw.clone()), ("password_confirm", pw.clone())]),
            (&w.cb, s("/staff"), vec![("name", s("Forged Staff")), ("email", s("forged@example.org")), ("role", s("coordinator"))]),
            (&w.cb, format!("/staff/{}/reset-link", w.f2.id), vec![]),
            (&anon, reset_path.clone(), vec![("password", pw.clone()), ("password_confirm", pw.clone())]),
            (&w.cb, s("/groups/new"), vec![("name", s("Forged Group"))]),
            (&w.cb, format!("/groups/{a}/edit"), vec![("name", s("Forged Name"))]),
            (&w.cb, format!("/groups/{a}/facilitators"), vec![("facilitator", w.f2.id.to_string())]),
            (&w.cb, format!("/groups/{a}/members/new"), vec![("preferred_name", s("Forged Member"))]),
            (&w.cb, format!("/groups/{a}/members/import/confirm"), vec![("csv", s("preferred_name\nForged Import\n"))]),
            (&w.cb, format!("/members/{ma}/edit"), vec![("preferred_name", s("Forged Name"))]),
            (&w.cb, format!("/members/{ma}/consents"), vec![("kind", s("records")), ("how_given", s("in_person"))]),
            (&w.cb, format!("/members/{ma}/consents/{consent}/withdraw"), vec![]),
            (&w.cb, format!("/members/{ma}/link"), vec![]),
            (&w.cb, format!("/members/{mb}/link/revoke"), vec![]),
            (&w.cb, s("/venues/new"), vec![("name", s("Forged Venue"))]),
            (&w.cb, format!("/venues/{v}/edit"), vec![("name", s("Forged Venue"))]),
            (&anon, m_path.clone(), vec![("preferred_name", s("Forged Name"))]),
            (&anon, format!("{m_path}/consents"), vec![("kind", s("contact"))]),
            (&anon, format!("{m_path}/consents/{member_consent}/withdraw"), vec![]),
        ];

        let before = snapshot(&app, &w.c).await;
        let mut wrong = Vec::new();
        for (b, path, fields) in &routes {
            for how in FORGERIES {
                let res = forge(b, path, fields, how).await;
                if res.status != 403 {
                    wrong.push(format!("POST {path} {how:?}: {} (expected 403)", res.status));
                }
                if res.header_all("set-cookie").iter().any(|c| c.starts_with("hearth_session=")) {
                    wrong.push(format!("POST {path} {how:?}: changed the session cookie"));
                }
            }
        }
        // The CSV upload (a multipart form) too.
        let import = format!("/groups/{a}/members/import");
        let csv = "preferred_name\nForged Upload\n";
        let token = w.cb.csrf_token().await;
        for (label, csrf, headers) in [
            ("no token", None, vec![]),
            ("wrong token", Some(hearth::auth::new_token()), vec![]),
            ("cross-site", Some(token.clone()), vec![("sec-fetch-site", "cross-site")]),
            ("foreign origin", Some(token.clone()), vec![("origin", "http://evil.example")]),
        ] {
            let res = w.cb.post_multipart(&import, csrf.as_deref(), Some(csv.as_bytes()), None, &headers).await;
            if res.status != 403 {
                wrong.push(format!("POST {import} {label}: {} (expected 403)", res.status));
            }
        }
        assert!(wrong.is_empty(), "forged requests were not refused:\n{}", wrong.join("\n"));

        assert_eq!(before, snapshot(&app, &w.c).await, "a forged request changed something");
        // Still signed in, the links still work, the password is unchanged.
        w.cb.get("/account").await.expect(200);
        anon.get("/account").await.expect_signin_redirect();
        anon.get(&m_path).await.expect(200);
        app.browser().get(&reset_path).await.expect(200);
        assert_eq!(app.consents(ma).await[0].withdrawn_at, None);
        app.browser().sign_in("cora@example.org", PASSWORD).await.expect(303);

        // And with the right token, from the same site, the forms do work.
        w.cb.post_form("/venues/new", &[("name", "Genuine Venue")]).await.expect(303);
        w.cb.post_pairs(
            "/venues/new",
            &[("csrf_token".into(), token.clone()), ("name".into(), "Same Site Venue".into())],
            &[("sec-fetch-site", "same-origin"), ("origin", app.base.as_str())],
        )
        .await
        .expect(303);
    }
}

//! The server itself: health check, unknown addresses, security headers, static files.

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn healthz_answers(app: TestApp) {
        // The store runs on the backend this variant is for.
        assert_eq!(app.store.backend(), app.backend);
        let b = app.browser();
        let res = b.get("/healthz").await;
        res.expect(200);
        assert_eq!(res.text.trim(), "ok");
    }
}

both_backends! {
    async fn unknown_route_is_a_404_page(app: TestApp) {
        app.coordinator().await;
        let b = app.browser();
        let res = b.get("/no/such/page").await;
        res.expect(404);
        assert!(res.header("content-type").unwrap().starts_with("text/html"));
        res.expect_contains("Page not found");
        // Signed in, too.
        let cb = app.signed_in("cora@example.org", PASSWORD).await;
        cb.get("/groups/999999").await.expect(404).expect_contains("Page not found");
        cb.get("/members/999999").await.expect(404);
        cb.get("/venues/999999").await.expect(404);
        let res = cb.get("/groups/not-a-number").await;
        assert!(matches!(res.status.as_u16(), 400 | 404), "{}", res.status);
        // An unknown API address answers JSON.
        app.api_anonymous()
            .get("/api/v1/no-such-thing")
            .await
            .expect_json_error(404, "not_found");
    }
}

both_backends! {
    async fn security_headers_on_every_kind_of_response(app: TestApp) {
        // Resp::read checks the headers on every response; here every kind is exercised once:
        // a page, a redirect, an error page, a static file, plain text, JSON, a JSON error.
        let b = app.browser();
        b.get("/").await.expect(303); // no account yet: to /setup
        b.get("/setup").await.expect(200);
        app.coordinator().await;
        b.get("/signin").await.expect(200);
        b.get("/groups").await.expect_signin_redirect();
        b.get("/nope").await.expect(404);
        let css = b.get("/static/hearth.css").await;
        css.expect(200);
        assert!(css.header("content-type").unwrap().starts_with("text/css"));
        b.get("/static/hearth.js").await.expect(200);
        b.get("/static/favicon.svg").await.expect(200);
        b.get("/static/nothing.js").await.expect(404);
        b.get("/healthz").await.expect(200);
        let api = app.api_anonymous();
        api.get("/api/v1/openapi.json").await.expect(200);
        api.get("/api/v1/groups").await.expect(401);
        let page = b.get("/signin").await;
        let csp = page.header("content-security-policy").unwrap();
        for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'"] {
            assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
        }
        // No inline script or style, and nothing from another host.
        assert!(!page.text.contains("<style"));
        assert!(!page.text.contains("style=\""));
        assert!(!page.text.contains("<script>"));
        assert!(!page.text.contains("src=\"http"));
        assert!(!page.text.contains("href=\"http"));
    }
}

both_backends! {
    async fn healthz_is_503_when_the_database_is_gone(app: TestApp) {
        let b = app.browser();
        b.get("/healthz").await.expect(200);
        app.store.close().await;
        let res = b.get("/healthz").await;
        res.expect(503);
        assert!(!res.text.contains("sqlx") && !res.text.contains("postgres://"), "{}", res.text);
    }
}

/// Two instances started together on one SQLite file take turns to bring its schema up to
/// date (an exclusive lock on the file while migrating), so neither fails half-way through a
/// migration the other is applying.
#[tokio::test]
async fn instances_starting_together_on_one_sqlite_file_take_turns_to_migrate() {
    let path = std::env::temp_dir().join(format!("hearth-test-{}.db", random_hex(16)));
    let url = format!("sqlite://{}", path.display());
    // A new file, opened by four at once: all of them start.
    let opening: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { hearth::Store::open(&url).await.map(|_| ()) })
        })
        .collect();
    for handle in opening {
        handle.await.expect("task").expect("every instance starts");
    }
    // While another process holds the lock, opening waits for it.
    let held = std::fs::File::open(&path).expect("database file");
    held.lock().expect("lock");
    let url2 = url.clone();
    let waiting = tokio::spawn(async move { hearth::Store::open(&url2).await.map(|_| ()) });
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(!waiting.is_finished(), "opened while the file was locked");
    held.unlock().expect("unlock");
    tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
        .await
        .expect("opened once the lock was released")
        .expect("task")
        .expect("store");
}

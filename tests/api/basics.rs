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
        // The first line is all a load balancer needs; the rest says why (issue 17).
        assert_eq!(res.text.lines().next(), Some("ok"), "{}", res.text);
        assert!(res.text.contains("\ndatabase: answering\nwrites: ok\n"), "{}", res.text);
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
/// date (an exclusive lock on `<file>-lock` while migrating), so neither fails half-way
/// through a migration the other is applying.
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
    let held = std::fs::File::open(format!("{}-lock", path.display())).expect("lock file");
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
    for suffix in ["", "-wal", "-shm", "-lock"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The command line (`hearth token create`, `hearth user create`) used while the server runs
/// on the same SQLite file must leave the server working. Opening a store once closed a
/// descriptor of the database file, which dropped the server's SQLite locks; the command,
/// closing last as it thought, then deleted the write-ahead log and shared memory under the
/// server, whose next write failed with a disk I/O error.
#[tokio::test]
async fn the_command_line_beside_a_running_server_leaves_it_working() {
    let path = std::env::temp_dir().join(format!("hearth-test-{}.db", random_hex(16)));
    let url = format!("sqlite://{}", path.display());
    let hearth = env!("CARGO_BIN_EXE_hearth");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let mut server = std::process::Command::new(hearth)
        .args([
            "--database",
            &url,
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start hearth");
    let base = format!("http://127.0.0.1:{port}");
    let b = Browser::new(&base);
    wait_until_up(&base).await;
    // Set-up through the server, then the command line twice beside it.
    b.post_form(
        "/setup",
        &[
            ("name", "Cli Person"),
            ("email", "cli@example.org"),
            ("password", "a long enough password"),
            ("password_confirm", "a long enough password"),
        ],
    )
    .await
    .expect_redirect("/");
    for _ in 0..2 {
        cli_token(&url, "cli@example.org");
    }
    let shm = std::path::Path::new(&format!("{}-shm", path.display())).exists();
    // The server's next write (signing in again) still works.
    b.sign_out().await;
    let res = b.sign_in("cli@example.org", "a long enough password").await;
    let status = res.status;
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        shm,
        "the shared memory file was deleted under the running server"
    );
    assert_eq!(
        status, 303,
        "signing in (a write) after the command ran: {}",
        res.text
    );
    for suffix in ["", "-wal", "-shm", "-lock"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

both_backends! {
    async fn every_answer_carries_a_request_id_that_a_server_error_shows(app: TestApp) {
        let (c, cb) = app.coordinator().await;
        let api = app.api(&c).await;
        let first = cb.get("/account").await;
        first.expect(200).expect_lacks("reference");
        let second = cb.get("/account").await;
        let (a, b) = (first.header("x-request-id").expect("an id"), second.header("x-request-id").expect("an id"));
        assert_ne!(a, b, "each request has its own id");
        // An id the client sends is not taken.
        let res = api.send("GET", "/api/v1/groups", None, &[("x-request-id", "forged-id")]).await;
        res.expect(200);
        assert_ne!(res.header("x-request-id").as_deref(), Some("forged-id"));
        // A 404 needs no reference.
        cb.get("/groups/999999").await.expect(404).expect_lacks("reference");

        // With the database gone, a page is a 503 (try again) that shows the id sent back in the
        // header, so a user can quote it; the API sends it in the header beside its JSON error.
        app.store.close().await;
        let page = cb.get("/account").await;
        page.expect(503).expect_contains("cannot be reached just now");
        let id = page.header("x-request-id").expect("an id");
        page.expect_contains(&format!("give them this reference: <strong class=\"reference\">{id}</strong>"));
        page.expect_lacks("pool").expect_lacks("sqlx");
        let res = api.get("/api/v1/venues").await;
        res.expect_json_error(503, "unavailable");
        assert!(res.header("x-request-id").is_some_and(|h| !h.is_empty()));
        assert!(!res.text.contains("pool"), "{}", res.text);
    }
}

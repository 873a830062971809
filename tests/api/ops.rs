//! Running Hearth (issue 17, part): a backup taken while it runs holds every acknowledged
//! write (also those still in SQLite's write-ahead log), is checked, and restores into a
//! working database; a restore never overwrites a database with data unless told to.

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::get_json;

fn temp_file(label: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("hearth-{label}-{}.db", random_hex(12)))
}

both_backends! {
    async fn a_backup_taken_while_hearth_runs_restores_everything(app: TestApp) {
        let w = World::build(&app).await;
        let to = temp_file("backup");
        if matches!(app.backend, Backend::Postgres) {
            let e = app.store.backup_to(&to).await.expect_err("not on PostgreSQL yet");
            assert!(e.contains("pg_dump"), "{e}");
            return;
        }
        // Writes just made are in the write-ahead log, not yet in the main file.
        for name in ["Wendy Wal", "Xavier Log"] {
            w.f1_api.post(&format!("/api/v1/groups/{}/members", w.group_a), &json!({"preferred_name": name})).await.expect(201);
        }
        let summary = app.store.backup_to(&to).await.expect("a backup");
        assert!(summary.bytes > 0 && summary.counts.iter().any(|(t, n)| *t == "members" && *n == 4), "{summary}");
        // The same file again is refused, never overwritten.
        assert!(app.store.backup_to(&to).await.expect_err("exists").contains("exists already"));

        // Restored into a new database: the same members, and it opens and serves.
        let target = temp_file("restored");
        let url = format!("sqlite://{}", target.display());
        let restored = hearth::store::backup::restore(&url, &to, false).await.expect("restore");
        assert_eq!(restored.counts, summary.counts);
        let store = hearth::Store::open(&url).await.expect("open the restored database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(hearth::serve(listener, store.clone(), hearth::Config::default(), std::future::pending()));
        let api = Api::new(&base, w.f1_api.token.clone());
        let members = get_json(&api, &format!("/api/v1/groups/{}/members", w.group_a)).await;
        let names: Vec<&str> = members["members"].as_array().expect("members").iter().filter_map(|m| m["preferred_name"].as_str()).collect();
        assert!(names.contains(&"Wendy Wal") && names.contains(&"Xavier Log"), "{names:?}");
        server.abort();
        store.close().await;

        // A database with data is left alone unless told to replace it.
        let e = hearth::store::backup::restore(&url, &to, false).await.expect_err("has data");
        assert!(e.contains("already has data") && e.contains("--replace"), "{e}");
        hearth::store::backup::restore(&url, &to, true).await.expect("replaced");
        // Something that is not a backup is refused.
        let junk = temp_file("junk");
        std::fs::write(&junk, b"not a database").expect("write");
        assert!(hearth::store::backup::restore(&format!("sqlite://{}", temp_file("other").display()), &junk, false).await.is_err());
        for f in [to, target, junk] {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// A TCP proxy to PostgreSQL that the test can cut, as a network outage would.
struct Proxy {
    port: u16,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(to: &'static str) -> Proxy {
        Proxy::start_on(0, to).await
    }

    async fn start_on(port: u16, to: &'static str) -> Proxy {
        // The cut proxy's listener closes when its task is dropped: wait for the port.
        let mut tries = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                Ok(l) => break l,
                Err(_) if tries < 40 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("bind 127.0.0.1:{port}: {e}"),
            }
        };
        let port = listener.local_addr().expect("addr").port();
        let tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> =
            Default::default();
        let held = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                held.lock().expect("tasks").push(task);
            }
        });
        Proxy {
            port,
            tasks,
            accept,
        }
    }

    /// Cuts every connection and refuses new ones.
    fn cut(&self) {
        self.accept.abort();
        for t in self.tasks.lock().expect("tasks").drain(..) {
            t.abort();
        }
    }
}

both_backends! {
    async fn an_unreachable_database_is_a_quick_503_in_the_error_shape(app: TestApp) {
        if !matches!(app.backend, Backend::Postgres) {
            return; // SQLite is a file in the same process: it cannot become unreachable.
        }
        let proxy = Proxy::start("127.0.0.1:5432").await;
        let url = std::env::var("HEARTH_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
            .replace(":5432", &format!(":{}", proxy.port));
        let store = hearth::Store::open(&url).await.expect("open through the proxy");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(hearth::serve(listener, store.clone(), hearth::Config::default(), std::future::pending()));
        let api = Api::new(&base, Some("not-a-real-token".into()));
        api.get("/api/v1/me").await.expect_json_error(401, "unauthorized");

        proxy.cut();
        let started = std::time::Instant::now();
        let res = api.get("/api/v1/me").await;
        let took = started.elapsed();
        res.expect_json_error(503, "unavailable");
        assert!(took < std::time::Duration::from_secs(3), "answered in {took:?}");
        let page = Browser::new(&base).get("/groups").await;
        assert!(matches!(page.status.as_u16(), 503 | 303), "{} {}", page.status, page.text);

        // The database is reachable again on the same address: no restart is needed.
        let back = Proxy::start_on(proxy.port, "127.0.0.1:5432").await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let res = api.get("/api/v1/me").await;
            if res.status.as_u16() == 401 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "still {} after the database came back", res.status);
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        back.cut();
        server.abort();
    }
}

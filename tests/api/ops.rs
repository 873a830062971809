//! Running Hearth (issue 17, part): a backup taken while it runs holds every acknowledged
//! write (also those still in SQLite's write-ahead log), is checked, and restores into a
//! working database; a restore never overwrites a database with data unless told to.

use hearth::domain::ids::GroupId;
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
            return a_postgres_backup_restores_everything(app, w, to).await;
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

/// On PostgreSQL a backup is Hearth's portable file, taken from one snapshot while the app
/// runs; it restores into another PostgreSQL database table for table.
async fn a_postgres_backup_restores_everything(app: TestApp, w: World, to: std::path::PathBuf) {
    for name in ["Wendy Wal", "Xavier Log"] {
        w.f1_api
            .post(
                &format!("/api/v1/groups/{}/members", w.group_a),
                &json!({"preferred_name": name}),
            )
            .await
            .expect(201);
    }
    let summary = app
        .store
        .backup_to(&to)
        .await
        .expect("a backup of PostgreSQL");
    assert!(
        summary.bytes > 0
            && summary
                .counts
                .iter()
                .any(|(t, n)| *t == "members" && *n == 4),
        "{summary}"
    );
    assert!(
        app.store
            .backup_to(&to)
            .await
            .expect_err("exists")
            .contains("exists already")
    );
    // The file is a checked SQLite database that stands alone (no write-ahead log beside it).
    assert!(!std::path::Path::new(&format!("{}-wal", to.display())).exists());
    let original = hearth::store::portable::fingerprint(&app.store)
        .await
        .expect("fingerprint");

    let other = TestApp::spawn(Backend::Postgres)
        .await
        .expect("a second PostgreSQL database");
    let restored = hearth::store::backup::restore_into(&other.store, &to, false)
        .await
        .expect("restore");
    assert_eq!(restored.counts, summary.counts);
    assert_eq!(tables_of(&other.store).await, original.tables);
    // It serves: the restored members are there, and new rows get new ids.
    let api = Api::new(&other.base, w.f1_api.token.clone());
    let members = get_json(&api, &format!("/api/v1/groups/{}/members", w.group_a)).await;
    let names: Vec<&str> = members["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["preferred_name"].as_str())
        .collect();
    assert!(
        names.contains(&"Wendy Wal") && names.contains(&"Xavier Log"),
        "{names:?}"
    );
    api.post(
        &format!("/api/v1/groups/{}/members", w.group_a),
        &json!({"preferred_name": "Yolanda New"}),
    )
    .await
    .expect(201);

    let e = hearth::store::backup::restore_into(&other.store, &to, false)
        .await
        .expect_err("has data");
    assert!(
        e.contains("already has data") && e.contains("--replace"),
        "{e}"
    );
    hearth::store::backup::restore_into(&other.store, &to, true)
        .await
        .expect("replaced");
    assert_eq!(tables_of(&other.store).await, original.tables);
    let _ = std::fs::remove_file(to);
    other.stop().await;
}

/// `hearth migrate`: a whole network (the demo's, with meetings, notes, plans, polls and the
/// search index) moves from SQLite to PostgreSQL and back, every table's rows and checksum equal,
/// every id kept; what each backend works out for itself (search, counts, id sequences) works
/// on the copy; a target with data is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_moves_to_postgres_and_back() {
    let Some(pg) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let lite = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let back = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let accounts = hearth::demo::fill_if_empty(&lite.store)
        .await
        .expect("demo")
        .expect("empty");
    let original = hearth::store::portable::fingerprint(&lite.store)
        .await
        .expect("fingerprint");
    assert!(original.rows() > 300, "{original}");

    let there = hearth::store::portable::copy(&lite.store, &pg.store, false)
        .await
        .expect("to PostgreSQL");
    assert_eq!(there.rows(), original.rows());
    assert_eq!(tables_of(&pg.store).await, original.tables);
    let again = hearth::store::portable::copy(&pg.store, &back.store, false)
        .await
        .expect("back to SQLite");
    assert_eq!(again.rows(), original.rows());
    assert_eq!(tables_of(&back.store).await, original.tables);

    // A target that holds a network is refused, and left as it was.
    let e = hearth::store::portable::copy(&lite.store, &pg.store, false)
        .await
        .expect_err("has data");
    assert!(e.contains("empty database"), "{e}");
    assert_eq!(tables_of(&pg.store).await, original.tables);

    // The copies search alike, count who came alike and take new rows.
    let (_, email, password) = accounts
        .iter()
        .find(|(role, ..)| role == "coordinator")
        .expect("a coordinator")
        .clone();
    let coordinator = lite.staff(&email).await;
    let groups = lite.store.groups_for(&coordinator).await.expect("groups");
    let mut found = 0;
    for g in &groups {
        for word in [
            "sleep", "family", "work", "anxious", "walk", "lonely", "tired",
        ] {
            let ids = |hits: Vec<hearth::domain::insight::SearchHit>| {
                hits.iter()
                    .map(|h| (h.kind.clone(), h.link.clone()))
                    .collect::<Vec<_>>()
            };
            let a = ids(lite
                .store
                .search(
                    &coordinator,
                    &lite.store.group(&coordinator, g.group.id).await.unwrap(),
                    word,
                    50,
                )
                .await
                .expect("search"));
            let pg_staff = pg.staff(&email).await;
            let b = ids(pg
                .store
                .search(
                    &pg_staff,
                    &pg.store.group(&pg_staff, g.group.id).await.unwrap(),
                    word,
                    50,
                )
                .await
                .expect("search"));
            let back_staff = back.staff(&email).await;
            let c = ids(back
                .store
                .search(
                    &back_staff,
                    &back.store.group(&back_staff, g.group.id).await.unwrap(),
                    word,
                    50,
                )
                .await
                .expect("search"));
            assert_eq!(c, a, "{word} in group {}", g.group.id);
            if !a.is_empty() {
                assert!(
                    !b.is_empty(),
                    "{word} in group {} found on SQLite but not on PostgreSQL",
                    g.group.id
                );
            }
            found += a.len();
        }
    }
    assert!(found > 0, "the demo's words are found");
    for app in [&pg, &back] {
        let browser = app.signed_in(&email, &password).await;
        let page = browser.get("/").await;
        assert_eq!(page.status, 200, "{}", page.text);
        app.create_account(
            &format!("new-{}@example.org", random_hex(4)),
            "New Person",
            hearth::domain::access::Role::Facilitator,
        )
        .await;
    }
    pg.stop().await;
    lite.stop().await;
    back.stop().await;
}

/// A TCP proxy to PostgreSQL that the test can cut, as a network outage would, or freeze, as a
/// network that silently drops packets would (connections stay open, nothing arrives).
struct Proxy {
    port: u16,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Copies one direction, holding what it read while the proxy is frozen.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while frozen.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
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
        let frozen: std::sync::Arc<std::sync::atomic::AtomicBool> = Default::default();
        let held = tasks.clone();
        let freeze = frozen.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let freeze = freeze.clone();
                let task = tokio::spawn(async move {
                    if let Ok(server) = tokio::net::TcpStream::connect(to).await {
                        let (client_read, client_write) = client.into_split();
                        let (server_read, server_write) = server.into_split();
                        tokio::join!(
                            pump(client_read, server_write, freeze.clone()),
                            pump(server_read, client_write, freeze)
                        );
                    }
                });
                held.lock().expect("tasks").push(task);
            }
        });
        Proxy {
            port,
            tasks,
            accept,
            frozen,
        }
    }

    /// Cuts every connection and refuses new ones.
    fn cut(&self) {
        self.accept.abort();
        for t in self.tasks.lock().expect("tasks").drain(..) {
            t.abort();
        }
    }

    /// Stops delivering anything, keeping every connection open (and taking new ones).
    fn freeze(&self, frozen: bool) {
        self.frozen
            .store(frozen, std::sync::atomic::Ordering::SeqCst);
    }
}

both_backends! {
    /// A network that drops packets without a word: a request waiting on the database is
    /// answered 503 in the JSON shape once the request's time runs out (it hung for the whole
    /// outage), and when the network is back requests work again with no restart.
    async fn a_silent_network_is_a_503_not_a_hang(app: TestApp) {
        if !matches!(app.backend, Backend::Postgres) {
            return; // SQLite is a file in the same process.
        }
        let w = World::build(&app).await;
        let proxy = Proxy::start("127.0.0.1:5432").await;
        let url = std::env::var("HEARTH_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
            .replace(":5432", &format!(":{}", proxy.port));
        let options = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&url)
            .expect("url")
            .options([("search_path", app.schema_name().expect("schema"))]);
        let store = hearth::Store::open_postgres(options).await.expect("open through the proxy");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let config = hearth::Config { request_timeout: std::time::Duration::from_secs(2), page_cache_bytes: 0, ..hearth::Config::default() };
        let server = tokio::spawn(hearth::serve(listener, store.clone(), config, std::future::pending()));
        let api = Api::new(&base, w.f1_api.token.clone());
        let path = format!("/api/v1/groups/{}/members", w.group_a);
        api.get(&path).await.expect(200);

        proxy.freeze(true);
        for _ in 0..2 {
            let started = std::time::Instant::now();
            let res = api.get(&path).await;
            let took = started.elapsed();
            res.expect_json_error(503, "unavailable");
            assert!(took < std::time::Duration::from_secs(4), "answered in {took:?}");
        }
        proxy.freeze(false);
        let mut back = false;
        for _ in 0..50 {
            if api.get(&path).await.status.as_u16() == 200 {
                back = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert!(back, "requests work again once the network is back");
        server.abort();
        let _ = server.await;
        store.close().await;
        proxy.cut();
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

/// Backups on a schedule: two instances on one database take each period's backup once
/// between them; only the newest `keep` files stay, each a checked backup; /healthz, /metrics
/// and the coordinators' overview say when the last one was made and how big it was.
async fn scheduled_backups(app: TestApp) {
    let w = World::build(&app).await;
    let dir = std::env::temp_dir().join(format!("hearth-backups-{}", random_hex(8)));
    let config = hearth::Config {
        backup: Some(hearth::backups::BackupSchedule {
            dir: dir.clone(),
            every: std::time::Duration::from_secs(1),
            keep: 2,
        }),
        ..hearth::Config::default()
    };
    let a = app.instance_with(config.clone()).await;
    let b = app.instance_with(config).await;
    let mut runs = 0;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        runs = backup_rows(&app.store).await;
        if runs >= 4 {
            break;
        }
    }
    assert!(runs >= 4, "only {runs} backups were taken");
    a.stop().await;
    b.stop().await;
    // One backup per period, whichever instance took it.
    let jobs = app
        .store
        .count_jobs_like(&["backup:%"])
        .await
        .expect("jobs");
    let runs = backup_rows(&app.store).await;
    assert!(runs as i64 <= jobs, "{runs} backups for {jobs} periods");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("hearth-backup-"))
        })
        .collect();
    assert_eq!(files.len(), 2, "only the newest two are kept: {files:?}");
    for f in &files {
        let summary = hearth::store::backup::check_backup(f)
            .await
            .expect("a checked backup");
        assert!(
            summary
                .counts
                .iter()
                .any(|(t, n)| *t == "support_groups" && *n == 2),
            "{summary}"
        );
    }
    let (last, good) = app.store.last_backups().await.expect("last");
    let last = last.expect("a backup");
    assert!(!last.failed(), "{last:?}");
    assert!(
        !last.failed() && last.bytes > 0 && Some(&last) == good.as_ref(),
        "{last:?}"
    );

    let health = app.api_anonymous().get("/healthz").await;
    health.expect(200);
    assert!(
        health.text.starts_with("ok\n")
            && health.text.contains("last backup: ")
            && health.text.contains(" bytes"),
        "{}",
        health.text
    );
    assert!(
        !health.text.contains(&dir.display().to_string()),
        "/healthz names no directory: {}",
        health.text
    );
    let page = w.cb.get("/overview").await;
    page.expect(200);
    assert!(page.text.contains("Last backup:"), "{}", page.text);
    // A facilitator is not told.
    assert!(!w.f1b.get("/overview").await.text.contains("backup"));

    // A backup that cannot be written is recorded as failed, with why, for coordinators.
    let blocked = std::env::temp_dir().join(format!("hearth-blocked-{}", random_hex(8)));
    std::fs::write(&blocked, b"a file where the directory should be").expect("write");
    let c = app
        .instance_with(hearth::Config {
            backup: Some(hearth::backups::BackupSchedule {
                dir: blocked.join("backups"),
                every: std::time::Duration::from_secs(1),
                keep: 2,
            }),
            ..hearth::Config::default()
        })
        .await;
    let mut failed = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        if let (Some(l), _) = app.store.last_backups().await.expect("last")
            && l.failed()
        {
            failed = true;
            break;
        }
    }
    c.stop().await;
    assert!(failed, "the failed backup is recorded");
    let page = w.cb.get("/overview").await;
    assert!(
        page.text.contains("The last backup failed")
            && page.text.contains("The last one that worked was made"),
        "{}",
        page.text
    );
    let health = app.api_anonymous().get("/healthz").await;
    assert!(
        health.text.contains("last backup: FAILED"),
        "{}",
        health.text
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&blocked);
}

/// Every table's rows and checksum.
async fn tables_of(store: &hearth::Store) -> Vec<hearth::store::portable::TableCopy> {
    hearth::store::portable::fingerprint(store)
        .await
        .expect("fingerprint")
        .tables
}

async fn backup_rows(store: &hearth::Store) -> u64 {
    hearth::store::portable::fingerprint(store)
        .await
        .expect("fingerprint")
        .tables
        .iter()
        .find(|t| t.table == "backups")
        .map_or(0, |t| t.rows)
}

both_backends! {
    async fn backups_are_taken_on_a_schedule_once_per_period(app: TestApp) {
        scheduled_backups(app).await;
    }
}

/// Disk full on SQLite (a small tmpfs the test mounts): writes fail while it is full and
/// /healthz says so; as soon as there is space they work again on every pooled connection,
/// with no restart. Before, a connection whose COMMIT failed went back to the pool inside a
/// transaction and every later write on it failed ("begin_with at non-zero transaction depth").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_disk_full_writes_work_again_as_soon_as_there_is_space() {
    let mount = std::env::temp_dir().join(format!("hearth-full-{}", random_hex(8)));
    std::fs::create_dir_all(&mount).expect("mkdir");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(&mount)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        let _ = std::fs::remove_dir(&mount);
        assert!(
            !strict(),
            "the disk-full test needs to mount a tmpfs (run as root) and HEARTH_TEST_STRICT is set"
        );
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"skipped: the disk-full test needs to mount a tmpfs (run as root)\n",
        );
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _unmount = Unmount(mount.clone());
    let store = hearth::Store::open(&format!("sqlite://{}", mount.join("hearth.db").display()))
        .await
        .expect("open");
    let staff = store
        .create_account(
            "coordinator@example.org",
            "Cora Ordinator",
            hearth::domain::access::Role::Coordinator,
            &password_hash().await,
        )
        .await
        .expect("account");
    let token = hearth::auth::new_token();
    store
        .create_api_token(staff.id, &hearth::auth::hash_token(&token))
        .await
        .expect("token");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(hearth::serve(
        listener,
        store.clone(),
        hearth::Config::default(),
        std::future::pending(),
    ));
    let api = Api::new(&base, Some(token));
    let anonymous = Api::new(&base, None);
    let group = api
        .post("/api/v1/groups", &json!({"name": "Tuesday group"}))
        .await;
    group.expect(201);
    let group_id = group.json()["id"].as_i64().expect("id");
    // Adding a member is a transaction (the member and its audit event): its COMMIT is what
    // fails when the disk is full.
    let create = |n: usize| {
        let api = &api;
        async move {
            api.post(&format!("/api/v1/groups/{group_id}/members"), &json!({
                "preferred_name": format!("Member {n}"),
                "full_name": format!("Member number {n} with a rather long full name to fill the pages"),
            })).await
        }
    };
    create(0).await.expect(201);

    // Fill the disk.
    let filler = mount.join("filler");
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![0u8; 16 * 1024];
        while f.write_all(&chunk).and_then(|_| f.sync_all()).is_ok() {}
    }
    let mut n = 1;
    let mut failures = 0;
    while n < 3000 {
        let r = create(n).await;
        n += 1;
        if r.status.is_server_error() {
            assert!(
                r.text.contains("\"error\""),
                "a failed write is answered in the JSON error shape: {}",
                r.text
            );
            failures += 1;
            if failures >= 6 {
                break;
            }
        }
    }
    assert!(
        failures >= 6,
        "writes failed once the disk was full (after {n}: {})",
        create(n).await.text
    );
    // A write outside a transaction (one INSERT … RETURNING) is never taken as made when its
    // commit failed: a new group was answered 404 (its id came back, the row did not).
    let group = api
        .post("/api/v1/groups", &json!({"name": "Wednesday group"}))
        .await;
    assert!(
        group.status.is_server_error(),
        "{} {}",
        group.status,
        group.text
    );
    for i in 0..6 {
        let venue = api
            .post(
                "/api/v1/venues",
                &json!({"name": format!("Hall {i}"), "address": "1 High Street"}),
            )
            .await;
        if venue.status.as_u16() == 201 {
            let id = venue.json()["id"].as_i64().expect("id");
            api.get(&format!("/api/v1/venues/{id}")).await.expect(200);
        }
    }
    let health = anonymous.get("/healthz").await;
    health.expect(503);
    assert!(
        health.text.starts_with("writes failing\n")
            && health.text.contains("writes: failing since"),
        "{}",
        health.text
    );

    // Space again: every write works, on every connection of the pool, with no restart.
    std::fs::remove_file(&filler).expect("free the space");
    for i in 0..12 {
        let r = create(10_000 + i).await;
        assert_eq!(
            r.status.as_u16(),
            201,
            "write {i} after the space came back: {}",
            r.text
        );
    }
    let health = anonymous.get("/healthz").await;
    health.expect(200);
    assert!(health.text.starts_with("ok\n"), "{}", health.text);
    server.abort();
    let _ = server.await;
    store.close().await;
}

both_backends! {
    /// Stopping (SIGTERM): the server stops within its time to finish even with a request still
    /// arriving, and hands back the lease on the email it was sending, so another instance sends
    /// it at once instead of after the lease runs out.
    async fn stopping_hands_back_the_jobs_it_holds(app: TestApp) {
        let w = World::build(&app).await;
        // An SMTP server that takes the connection and never answers.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let smtp = format!("smtp://{}", silent.local_addr().expect("addr"));
        let _hold = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((conn, _)) = silent.accept().await {
                held.push(conn);
            }
        });
        app.store.enqueue_emails(&[hearth::store::NewEmail {
            dedupe_key: format!("test:{}", random_hex(6)),
            group_id: Some(GroupId(w.group_a)),
            member_id: None,
            recipient: "someone@example.org".into(),
            subject: "Hello".into(),
            body_text: "Hello".into(),
            body_html: "<p>Hello</p>".into(),
            run_at: 0,
        }]).await.expect("queue");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let config = hearth::Config {
            smtp_url: Some(smtp),
            mail_tick: std::time::Duration::from_millis(100),
            drain_timeout: std::time::Duration::from_secs(1),
            public_url: format!("http://{addr}"),
            ..hearth::Config::default()
        };
        let server = tokio::spawn(hearth::serve(listener, app.store.clone(), config, async move { let _ = stopped.await; }));
        // Wait until the job is taken.
        let mut taken = false;
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let jobs = app.store.jobs_of_group(&app.store.group(&w.c, GroupId(w.group_a)).await.unwrap(), 10).await.expect("jobs");
            if jobs.iter().any(|j| j.attempts > 0 && j.status == "pending") {
                taken = true;
                break;
            }
        }
        assert!(taken, "the sender took the job");
        assert!(app.store.claim_job("another-instance", 60).await.expect("claim").is_none(), "leased to the first");
        // A request that is still arriving when the stop comes.
        let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
        tokio::io::AsyncWriteExt::write_all(&mut slow, b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("write");
        let _ = stop.send(());
        let ended = tokio::time::timeout(std::time::Duration::from_secs(8), server).await;
        assert!(ended.is_ok(), "the server stopped within its time to finish");
        let job = app.store.claim_job("another-instance", 60).await.expect("claim").expect("the job was handed back");
        assert_eq!(job.attempts, 1, "the unfinished attempt did not count");
    }
}

/// The binary as it is run: `--metrics-bind` serves Prometheus's text on its own address (and
/// not on the app's), counting requests by route pattern, never by path (a personal link's
/// secret stays out); `--log-format json` writes one JSON object per line; SIGTERM stops it
/// cleanly, saying so in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_json_logs_and_a_clean_stop() {
    let path = std::env::temp_dir().join(format!("hearth-test-{}.db", random_hex(16)));
    let url = format!("sqlite://{}", path.display());
    let port = |_: ()| {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let (app_port, metrics_port) = (port(()), port(()));
    // An account with an API token, made on the command line.
    let mut made = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "--database",
            &url,
            "user",
            "create",
            "--email",
            "ops@example.org",
            "--name",
            "Olive Ops",
            "--role",
            "coordinator",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("user create");
    {
        use std::io::Write;
        let mut stdin = made.stdin.take().expect("stdin");
        writeln!(stdin, "a kettle on the hob at five").expect("password");
    }
    assert!(made.wait().expect("wait").success(), "the account was made");
    let token = cli_token(&url, "ops@example.org");
    let server = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "--database",
            &url,
            "--log-format",
            "json",
            "serve",
            "--bind",
            &format!("127.0.0.1:{app_port}"),
            "--metrics-bind",
            &format!("127.0.0.1:{metrics_port}"),
        ])
        .env("RUST_LOG", "hearth=info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start hearth");
    let base = format!("http://127.0.0.1:{app_port}");
    wait_until_up(&base).await;
    let secret = "AAAAsecretpersonallinkAAAAAAAAAAAAAAAAAAAAAA";
    reqwest::get(format!("{base}/m/{secret}"))
        .await
        .expect("a link");
    reqwest::get(format!("{base}/signin"))
        .await
        .expect("sign-in page");
    // A sign-in with an API token is logged (ASVS V16.3.1), the token never.
    let groups = reqwest::Client::new()
        .get(format!("{base}/api/v1/groups"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("groups");
    assert_eq!(groups.status(), 200);
    // A forged form: refused, and logged as a security event.
    let forged = reqwest::Client::new()
        .post(format!("{base}/setup"))
        .form(&[("email", "a@example.org"), ("password", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    assert_eq!(
        reqwest::get(format!("{base}/metrics"))
            .await
            .expect("get")
            .status(),
        404,
        "not on the app's address"
    );
    let metrics = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .expect("metrics");
    assert_eq!(metrics.status(), 200);
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = metrics.text().await.expect("text");
    for line in [
        "hearth_http_requests_total{route=\"/healthz\",status=\"200\"}",
        "hearth_http_requests_total{route=\"/signin\",status=\"200\"} 1",
        "hearth_http_request_duration_seconds_bucket{route=\"/signin\",le=\"+Inf\"} 1",
        "hearth_db_connections{state=\"max\"} 4",
        "hearth_email_jobs{status=\"pending\"} 0",
        "hearth_page_cache_lookups_total{result=\"hit\"}",
        "hearth_backup_last_success_timestamp_seconds 0",
        "hearth_write_failures_total 0",
        "hearth_password_hashes{state=\"waiting\"}",
        "hearth_database_up 1",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    assert!(text.contains("route=\"/m/{token}\""), "{text}");
    assert!(
        !text.contains(secret),
        "the link's secret is not in the metrics"
    );

    // SIGTERM: a clean stop, logged as JSON.
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    let out = tokio::task::spawn_blocking(move || server.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    assert!(out.status.success(), "exit status {:?}", out.status);
    let log = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["level"] == "INFO"
            && l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("stopping"))),
        "{log}"
    );
    assert!(!log.contains(secret));
    // Refusals are security events (ASVS V16.3.3): each logged with its request's id, route,
    // kind and the client's address; the link's secret never.
    let refused = |route: &str, status: u64, code: &str| {
        lines.iter().any(|f| {
            f["message"] == "request refused"
                && f["route"] == route
                && f["status"] == status
                && f["code"] == code
                && f["client"] == "127.0.0.1"
                && f["request_id"].as_str().is_some_and(|id| !id.is_empty())
        })
    };
    assert!(refused("/m/{token}", 410, "gone"), "{log}");
    assert!(refused("/setup", 403, "form_expired"), "{log}");
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "signed in with an API token"
                && l["account"].as_i64().is_some()
                && l["request_id"].as_str().is_some_and(|id| !id.is_empty())),
        "{log}"
    );
    assert!(!log.contains(&token), "the token is never logged");
    for suffix in ["", "-wal", "-shm", "-lock"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

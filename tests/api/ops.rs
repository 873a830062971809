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

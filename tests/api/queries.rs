//! Pages about one group must not make more database round trips when the network grows: the
//! same pages are requested on a small seeded network and on a bigger one, and each page's
//! count of store calls must be the same. A page that loops over rows with a query each (N+1)
//! fails here.

use crate::helpers::{Backend, Browser, TestApp, run};

const SMALL: (usize, usize, i64) = (2, 8, 1);
const BIG: (usize, usize, i64) = (6, 20, 3);

async fn seed(app: &TestApp, (groups, members, years): (usize, usize, i64)) {
    let hash = hearth::auth::hash_password(hearth::seed::SEED_PASSWORD)
        .await
        .expect("hash");
    let options = hearth::seed::SeedOptions {
        groups,
        members_per_group: members,
        years,
        seed: 7,
    };
    hearth::seed::seed(&app.store, &options, &hash, |_, _| {})
        .await
        .expect("seed");
    // The bulk load turned the data-version triggers off (PostgreSQL); they are back on.
    let missing = app.store.tables_without_versions().await.expect("tables");
    assert!(
        missing.is_empty(),
        "triggers left off after seeding: {missing:?}"
    );
}

/// Each page's store calls, requested once to warm up and then counted — on an instance
/// without the page cache, so every page is made in full each time.
async fn counts(app: &TestApp) -> Vec<(String, u64)> {
    let uncached = app
        .instance_with(hearth::Config {
            page_cache_bytes: 0,
            ..Default::default()
        })
        .await;
    let b = Browser::new(&uncached.base);
    b.sign_in("facilitator1@example.org", hearth::seed::SEED_PASSWORD)
        .await
        .expect_redirect("/");
    let meetings = b.get("/groups/1/meetings").await;
    meetings.expect(200);
    let planned = hearth_meeting_ids(&meetings.text);
    let meeting = planned.last().copied().expect("a meeting of group 1");
    let pages = [
        "/groups/1".to_string(),
        "/groups/1/members".to_string(),
        format!("/meetings/{meeting}"),
        format!("/meetings/{meeting}/run"),
        format!("/meetings/{meeting}/call-list"),
        "/groups/1/search?q=walk".to_string(),
        "/groups/1/rota".to_string(),
        "/groups/1/topics".to_string(),
        "/groups/1/insight".to_string(),
        "/groups/1/history".to_string(),
        "/groups/1/meetings".to_string(),
        "/groups/1/social".to_string(),
    ];
    let mut out = Vec::new();
    for path in pages {
        b.get(&path).await.expect(200);
        let before = uncached.store.query_count();
        b.get(&path).await.expect(200);
        out.push((path, uncached.store.query_count() - before));
    }
    uncached.stop().await;
    out
}

/// The meeting ids linked from a meetings list, in page order.
fn hearth_meeting_ids(html: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for part in html.split("href=\"/meetings/").skip(1) {
        let digits: String = part.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(id) = digits.parse::<i64>()
            && part[digits.len()..].starts_with('"')
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

async fn same_queries_however_big(backend: Backend) {
    run(backend, |small| async move {
        seed(&small, SMALL).await;
        let few = counts(&small).await;
        run(backend, |big| async move {
            seed(&big, BIG).await;
            let many = counts(&big).await;
            for ((path, a), (_, b)) in few.iter().zip(&many) {
                assert_eq!(
                    a, b,
                    "{path} made {a} store calls on {SMALL:?} (groups, members, years) and {b} on {BIG:?}: its queries grow with the data"
                );
            }
        })
        .await;
    })
    .await;
}

mod pages_about_one_group_make_as_many_queries_however_big_the_network {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::same_queries_however_big(super::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::same_queries_however_big(super::Backend::Postgres).await;
    }
}

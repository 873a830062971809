//! The harness: a real Hearth server on port 0 with a fresh database per test (a new SQLite
//! file, or a new PostgreSQL schema), browsers that keep cookies and fill in anti-forgery
//! tokens the way a real browser would, and API clients with bearer tokens.
//!
//! Every response that passes through these helpers is checked for the security headers, so
//! "every response carries them" is tested on every request the suite makes.

use hearth::domain::ids::{GroupId, MemberId};
use std::future::Future;
use std::io::Write;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use hearth::domain::access::{Role, Staff};
use reqwest::StatusCode;
use reqwest::cookie::CookieStore;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use hearth::store::Backend;

/// The password every test account gets unless a test says otherwise.
pub const PASSWORD: &str = "correct horse battery staple";

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Writes each test once and runs it on both backends: `async fn name(app: TestApp)` becomes
/// the tests `name::sqlite` and `name::postgres` (run one with
/// `cargo test --test api name::sqlite`, a backend with `cargo test --test api postgres`).
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* async fn $name:ident($app:ident : TestApp) $body:block) => {
        $(#[$meta])*
        async fn $name($app: $crate::helpers::TestApp) $body

        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::helpers::run($crate::helpers::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::helpers::run($crate::helpers::Backend::Postgres, super::$name).await;
            }
        }
    };
}

/// Starts a fresh app on the backend, runs the test on it and cleans up afterwards (after a
/// failed test too: the cleanup runs when the test's future is dropped).
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let _cleanup = Cleanup {
        reopen: app.reopen.clone(),
        schema: app.schema.clone(),
    };
    let store = app.store.clone();
    test(app).await;
    store.close().await;
}

/// Removes a test's database when dropped: the SQLite files, or the PostgreSQL schema.
struct Cleanup {
    reopen: Reopen,
    schema: Option<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match &self.reopen {
            Reopen::Sqlite(url) => {
                let path = url.trim_start_matches("sqlite://").to_string();
                for suffix in ["", "-wal", "-shm", "-lock"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            Reopen::Postgres(_) => {
                let Some(schema) = self.schema.clone() else {
                    return;
                };
                // Drop may run inside the test's runtime: do the async work on a thread of its own.
                let url = postgres_url();
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async {
                        if let Ok(pool) =
                            PgPoolOptions::new().max_connections(1).connect(&url).await
                        {
                            let _ =
                                sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                                    .execute(&pool)
                                    .await;
                            pool.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Serves the store on a new port; returns the base address.
async fn serve(store: hearth::Store) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let config = hearth::Config {
        public_url: format!("http://{addr}"),
        trust_forwarded: false,
        ..Default::default()
    };
    tokio::spawn(hearth::serve(
        listener,
        store,
        config,
        std::future::pending(),
    ));
    format!("http://{addr}")
}

/// Makes an API token on the command line for an account of the database at `url`; the token.
pub fn cli_token(url: &str, email: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["--database", url, "token", "create", "--email", email])
        .output()
        .expect("run hearth");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .expect("a token")
        .trim()
        .to_string()
}

/// Waits (up to 5 s) until a Hearth started as a process answers /healthz at `base`.
pub async fn wait_until_up(base: &str) {
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the server at {base} did not start");
}

pub fn random_hex(n: usize) -> String {
    hearth::auth::hash_token(&hearth::auth::new_token())[..n].to_string()
}

pub fn strict() -> bool {
    std::env::var("HEARTH_TEST_STRICT").is_ok_and(|v| !v.is_empty() && v != "0")
}

pub fn postgres_url() -> String {
    std::env::var("HEARTH_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_string())
}

static SKIP_NOTICE: std::sync::Once = std::sync::Once::new();
static PG_UNREACHABLE: AtomicBool = AtomicBool::new(false);

/// One argon2 hash of [`PASSWORD`], made once for the whole run (hashing is slow in debug).
static PASSWORD_HASH: OnceLock<String> = OnceLock::new();

pub async fn password_hash() -> String {
    if let Some(h) = PASSWORD_HASH.get() {
        return h.clone();
    }
    let h = hearth::auth::hash_password(PASSWORD).await.expect("hash");
    PASSWORD_HASH.get_or_init(|| h).clone()
}

/// A running Hearth on its own database.
pub struct TestApp {
    pub base: String,
    pub store: hearth::Store,
    pub backend: Backend,
    /// The PostgreSQL schema of this test, if on PostgreSQL.
    schema: Option<String>,
    reopen: Reopen,
}

/// An extra instance of the app, stopped by [`Instance::stop`] (or when dropped).
pub struct Instance {
    pub base: String,
    pub store: hearth::Store,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Instance {
    /// Stops the instance at once, as a crash or a restart would, and closes its pool.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        self.store.close().await;
    }
}

/// How to open the same database again, for a second instance of the app.
#[derive(Clone)]
enum Reopen {
    Sqlite(String),
    Postgres(Box<PgConnectOptions>),
}

impl TestApp {
    /// A new app on a new database; None when PostgreSQL is not there and the run is not strict.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        let (store, schema, reopen) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("hearth-test-{}.db", random_hex(16)));
                let url = format!("sqlite://{}", path.display());
                let store = hearth::Store::open(&url).await.expect("open sqlite store");
                (store, None, Reopen::Sqlite(url))
            }
            Backend::Postgres => {
                let url = postgres_url();
                let unreachable = |e: String| {
                    if strict() {
                        panic!(
                            "PostgreSQL at {url} is not reachable ({e}) and HEARTH_TEST_STRICT is set: nothing may be skipped"
                        );
                    }
                    PG_UNREACHABLE.store(true, Ordering::SeqCst);
                    SKIP_NOTICE.call_once(|| {
                        // Straight to the process's stderr, past the test harness's capture.
                        let _ = writeln!(
                            std::io::stderr(),
                            "skipped: PostgreSQL tests need a server at {url} (set HEARTH_TEST_POSTGRES_URL)"
                        );
                    });
                };
                if PG_UNREACHABLE.load(Ordering::SeqCst) {
                    unreachable("it was not reachable for an earlier test".into());
                    return None;
                }
                let admin = match PgPoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect(&url)
                    .await
                {
                    Ok(pool) => pool,
                    Err(e) => {
                        unreachable(e.to_string());
                        return None;
                    }
                };
                let schema = format!("t_{}", random_hex(16));
                sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
                    .execute(&admin)
                    .await
                    .expect("create test schema");
                let options = PgConnectOptions::from_str(&url)
                    .expect("postgres url")
                    .options([("search_path", schema.as_str())]);
                let store = hearth::Store::open_postgres(options.clone())
                    .await
                    .expect("open postgres store");
                admin.close().await;
                (store, Some(schema), Reopen::Postgres(Box::new(options)))
            }
        };
        let base = serve(store.clone()).await;
        Some(TestApp {
            base,
            store,
            backend,
            schema,
            reopen,
        })
    }

    /// This test's SQLite file (None on PostgreSQL).
    pub fn sqlite_path(&self) -> Option<String> {
        match &self.reopen {
            Reopen::Sqlite(url) => Some(url.trim_start_matches("sqlite://").to_string()),
            Reopen::Postgres(_) => None,
        }
    }

    /// Runs SQL on this test's database behind the app's back, on a connection of its own: to
    /// set up states the app no longer makes (data from an older version) or to re-run a
    /// migration.
    pub async fn raw_sql(&self, sql: &str) {
        self.try_raw_sql(sql).await.expect("raw sql");
    }

    /// As `raw_sql`, with the database's answer: Err with its message when it refuses.
    pub async fn try_raw_sql(&self, sql: &str) -> Result<(), String> {
        match &self.reopen {
            Reopen::Sqlite(url) => {
                let pool = sqlx::SqlitePool::connect(url)
                    .await
                    .expect("connect sqlite");
                let done = sqlx::raw_sql(sql).execute(&pool).await;
                pool.close().await;
                done.map(|_| ()).map_err(|e| e.to_string())
            }
            Reopen::Postgres(options) => {
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with((**options).clone())
                    .await
                    .expect("connect postgres");
                let done = sqlx::raw_sql(sql).execute(&pool).await;
                pool.close().await;
                done.map(|_| ()).map_err(|e| e.to_string())
            }
        }
    }

    /// This test's PostgreSQL schema (None on SQLite).
    pub fn schema_name(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Closes a test app spawned by hand (outside `both_backends!`) and removes its database.
    pub async fn stop(self) {
        let _cleanup = Cleanup {
            reopen: self.reopen.clone(),
            schema: self.schema.clone(),
        };
        self.store.close().await;
    }

    /// A second instance of the app on the same database, with its own connection pool (as
    /// behind a load balancer). Returns its base address.
    pub async fn another_instance(&self) -> String {
        let store = match &self.reopen {
            Reopen::Sqlite(url) => hearth::Store::open(url).await.expect("reopen sqlite"),
            Reopen::Postgres(options) => hearth::Store::open_postgres((**options).clone())
                .await
                .expect("reopen postgres"),
        };
        serve(store).await
    }

    /// Another instance on the same database with its own settings (for example an SMTP
    /// server and a short mail tick), as a handle that stops it when aborted (a "restart" is
    /// aborting one and starting another). `public_url` is filled in with its own address.
    pub async fn instance_with(&self, config: hearth::Config) -> Instance {
        self.instance_named("127.0.0.1", config).await
    }

    /// As `instance_with`, reached at (and with `public_url` naming) `host` on its port, such
    /// as localhost, where passkeys are offered (never on a bare address).
    pub async fn instance_named(&self, host: &str, config: hearth::Config) -> Instance {
        let store = match &self.reopen {
            Reopen::Sqlite(url) => hearth::Store::open(url).await.expect("reopen sqlite"),
            Reopen::Postgres(options) => hearth::Store::open_postgres((**options).clone())
                .await
                .expect("reopen postgres"),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let base = format!("http://{host}:{port}");
        let config = hearth::Config {
            public_url: base.clone(),
            ..config
        };
        let task = tokio::spawn(hearth::serve(
            listener,
            store.clone(),
            config,
            std::future::pending(),
        ));
        Instance { base, store, task }
    }

    /// A new browser with no cookies.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// An account made directly in the store, with the password [`PASSWORD`].
    pub async fn create_account(&self, email: &str, name: &str, role: Role) -> Staff {
        let hash = password_hash().await;
        self.store
            .create_account(email, name, role, &hash)
            .await
            .expect("create account")
    }

    /// A new API token for the account.
    pub async fn api_token(&self, staff: &Staff) -> String {
        let token = hearth::auth::new_token();
        self.store
            .create_api_token(staff.id, &hearth::auth::hash_token(&token))
            .await
            .expect("create api token");
        token
    }

    /// An API client calling as this account.
    pub async fn api(&self, staff: &Staff) -> Api {
        let token = self.api_token(staff).await;
        Api::new(&self.base, Some(token))
    }

    /// An API client sending no token.
    pub fn api_anonymous(&self) -> Api {
        Api::new(&self.base, None)
    }

    /// A browser signed in through the sign-in form.
    pub async fn signed_in(&self, email: &str, password: &str) -> Browser {
        let b = self.browser();
        let res = b.sign_in(email, password).await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "sign-in as {email} failed: {}",
            res.text
        );
        b
    }

    /// The first coordinator, signed in.
    pub async fn coordinator(&self) -> (Staff, Browser) {
        let c = self
            .create_account("cora@example.org", "Cora Coordinator", Role::Coordinator)
            .await;
        let b = self.signed_in(&c.email, PASSWORD).await;
        (c, b)
    }

    /// The staff member as the store sees them, for direct store calls in checks.
    pub async fn staff(&self, email: &str) -> Staff {
        self.store.account_by_email(email).await.expect("account")
    }

    /// A member's records as the first coordinator reaches them (the store lets nothing read
    /// them by a bare id). The look is audited, as any look at a member's record.
    pub async fn member_access(&self, member_id: impl Into<i64>) -> hearth::store::MemberAccess {
        let checker = self.first_coordinator().await;
        self.store
            .member(&checker, MemberId(member_id.into()))
            .await
            .expect("member")
    }

    /// The first coordinator, who may see every group.
    async fn first_coordinator(&self) -> Staff {
        let accounts = self.store.accounts().await.expect("accounts");
        let coordinator = accounts
            .iter()
            .find(|a| a.role == Role::Coordinator)
            .expect("a coordinator");
        self.staff(&coordinator.email).await
    }

    /// A group as the first coordinator reaches it.
    pub async fn group_access(&self, group_id: impl Into<i64>) -> hearth::store::GroupAccess {
        let checker = self.first_coordinator().await;
        self.store
            .group(&checker, GroupId(group_id.into()))
            .await
            .expect("group")
    }

    /// A poll as the first coordinator reaches it.
    pub async fn poll_access(&self, poll_id: i64) -> hearth::store::PollAccess {
        let checker = self.first_coordinator().await;
        self.store
            .poll_for(&checker, hearth::domain::ids::PollId(poll_id))
            .await
            .expect("poll")
    }

    /// A member's consents as stored.
    pub async fn consents(&self, member_id: i64) -> Vec<hearth::domain::member::Consent> {
        let member = self.member_access(member_id).await;
        self.store.consents_of(&member).await.expect("consents")
    }
}

/// Group and member names chosen so that a leak is easy to spot in any body.
pub const GROUP_A: &str = "Alder Circle";
pub const GROUP_B: &str = "Birch Circle";
pub const MEMBER_A: &str = "Zebedee Quill";
pub const MEMBER_B: &str = "Yolanda Brook";
pub const VENUE: &str = "Kettle Community Hall";

/// The usual cast: a coordinator, a facilitator for group A and one for group B, each with a
/// signed-in browser and an API client, one member in each group and a venue.
pub struct World {
    pub c: Staff,
    pub f1: Staff,
    pub f2: Staff,
    pub cb: Browser,
    pub f1b: Browser,
    pub f2b: Browser,
    pub c_api: Api,
    pub f1_api: Api,
    pub f2_api: Api,
    pub group_a: i64,
    pub group_b: i64,
    pub member_a: i64,
    pub member_b: i64,
    pub venue: i64,
}

impl World {
    pub async fn build(app: &TestApp) -> World {
        let (c, cb) = app.coordinator().await;
        let f1 = app
            .create_account("fern@example.org", "Fern Facilitator", Role::Facilitator)
            .await;
        let f2 = app
            .create_account("gus@example.org", "Gus Facilitator", Role::Facilitator)
            .await;
        let f1b = app.signed_in(&f1.email, PASSWORD).await;
        let f2b = app.signed_in(&f2.email, PASSWORD).await;

        let venue = cb
            .post_form("/venues/new", &[("name", VENUE), ("step_free", "fully")])
            .await
            .created_id("/venues/");
        let group_a = cb
            .post_form(
                "/groups/new",
                &[("name", GROUP_A), ("usual_venue_id", &venue.to_string())],
            )
            .await
            .created_id("/groups/");
        let group_b = cb
            .post_form("/groups/new", &[("name", GROUP_B)])
            .await
            .created_id("/groups/");
        cb.post_form(
            &format!("/groups/{group_a}/facilitators"),
            &[("facilitator", &f1.id.to_string())],
        )
        .await
        .expect_redirect(&format!("/groups/{group_a}"));
        cb.post_form(
            &format!("/groups/{group_b}/facilitators"),
            &[("facilitator", &f2.id.to_string())],
        )
        .await
        .expect_redirect(&format!("/groups/{group_b}"));
        let member_a = cb
            .post_form(
                &format!("/groups/{group_a}/members/new"),
                &[
                    ("preferred_name", MEMBER_A),
                    ("full_name", "Zebedee Archibald Quill"),
                    ("phone", "07700 900111"),
                    ("needs", "hearing"),
                ],
            )
            .await
            .created_id("/members/");
        let member_b = cb
            .post_form(
                &format!("/groups/{group_b}/members/new"),
                &[("preferred_name", MEMBER_B), ("phone", "07700 900222")],
            )
            .await
            .created_id("/members/");
        let c_api = app.api(&c).await;
        let f1_api = app.api(&f1).await;
        let f2_api = app.api(&f2).await;
        World {
            c,
            f1,
            f2,
            cb,
            f1b,
            f2b,
            c_api,
            f1_api,
            f2_api,
            group_a,
            group_b,
            member_a,
            member_b,
            venue,
        }
    }
}

// --- responses ----------------------------------------------------------------------------

/// A response, read in full.
#[derive(Debug, Clone)]
pub struct Resp {
    pub method: String,
    pub path: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    async fn read(method: &str, path: &str, res: reqwest::Response) -> Resp {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("read body");
        let r = Resp {
            method: method.to_string(),
            path: path.to_string(),
            status,
            headers,
            text,
        };
        r.check_security_headers();
        r
    }

    /// Every response, whatever it is, carries the security headers.
    pub fn check_security_headers(&self) {
        let what = format!("{} {} ({})", self.method, self.path, self.status);
        let csp = self
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"));
        assert!(
            !csp.contains("unsafe-inline"),
            "{what}: CSP allows inline code: {csp}"
        );
        assert!(
            csp.contains("default-src") || csp.contains("script-src"),
            "{what}: CSP says nothing: {csp}"
        );
        assert!(
            csp.contains("frame-ancestors 'none'"),
            "{what}: CSP lets other sites frame the page: {csp}"
        );
        assert_eq!(
            self.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{what}: X-Content-Type-Options"
        );
        let xfo = self
            .header("x-frame-options")
            .unwrap_or_else(|| panic!("{what}: no X-Frame-Options"));
        assert!(
            xfo.eq_ignore_ascii_case("deny") || xfo.eq_ignore_ascii_case("sameorigin"),
            "{what}: X-Frame-Options {xfo}"
        );
        assert!(
            self.header("referrer-policy").is_some(),
            "{what}: no Referrer-Policy"
        );
        // ASVS 4.1.1: a text or XML body says its character set.
        if let Some(kind) = self.header("content-type") {
            let essence = kind
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if essence.starts_with("text/")
                || essence.ends_with("+xml")
                || essence.ends_with("/xml")
            {
                assert!(
                    kind.to_ascii_lowercase().contains("charset=utf-8"),
                    "{what}: Content-Type {kind} names no character set"
                );
            }
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    }

    pub fn location(&self) -> String {
        self.header("location").unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| {
            panic!(
                "{} {} ({}): body is not JSON ({e}): {}",
                self.method, self.path, self.status, self.text
            )
        })
    }

    /// Panics with the body when the status is not the one expected.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Resp {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{} {}: expected {status}, got {}; body:\n{}",
            self.method,
            self.path,
            self.status,
            excerpt(&self.text)
        );
        self
    }

    /// A 303 to exactly this location (flash messages may follow).
    #[track_caller]
    pub fn expect_redirect(&self, to: &str) -> &Resp {
        self.expect(303);
        assert_eq!(
            self.location(),
            to,
            "{} {}: redirect",
            self.method,
            self.path
        );
        self
    }

    /// A 303 to the sign-in page.
    #[track_caller]
    pub fn expect_signin_redirect(&self) -> &Resp {
        self.expect(303);
        assert!(
            self.location().starts_with("/signin"),
            "{} {}: expected a redirect to /signin, got {:?}",
            self.method,
            self.path,
            self.location()
        );
        self
    }

    /// After a successful create: a 303 to PREFIX{id}; returns the id.
    #[track_caller]
    pub fn created_id(&self, prefix: &str) -> i64 {
        self.expect(303);
        let loc = self.location();
        let rest = loc
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{} {}: redirect to {loc:?}", self.method, self.path));
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().expect("id in location")
    }

    /// The field's error message shown next to it, or panics.
    #[track_caller]
    pub fn field_error(&self, field: &str) -> String {
        html::field_error(&self.text, field).unwrap_or_else(|| {
            panic!(
                "{} {}: no error shown next to {field:?}; body:\n{}",
                self.method,
                self.path,
                excerpt(&self.text)
            )
        })
    }

    /// Asserts the error next to `field` contains `message`.
    #[track_caller]
    pub fn expect_field_error(&self, field: &str, message: &str) -> &Resp {
        let shown = self.field_error(field);
        assert!(
            shown.contains(message),
            "{} {}: the error next to {field:?} is {shown:?}, expected it to contain {message:?}",
            self.method,
            self.path
        );
        // The summary at the top links to the field.
        assert!(
            self.text.contains(&format!("href=\"#{field}\"")),
            "{} {}: the error summary does not link to {field:?}",
            self.method,
            self.path
        );
        self
    }

    /// Asserts the form shows this value in the field (typed values kept).
    #[track_caller]
    pub fn expect_value(&self, field: &str, value: &str) -> &Resp {
        let shown = html::field_value(&self.text, field);
        assert_eq!(
            shown.as_deref(),
            Some(value),
            "{} {}: value of {field:?}",
            self.method,
            self.path
        );
        self
    }

    #[track_caller]
    pub fn expect_contains(&self, needle: &str) -> &Resp {
        assert!(
            self.text.contains(needle),
            "{} {}: body does not contain {needle:?}; body:\n{}",
            self.method,
            self.path,
            excerpt(&self.text)
        );
        self
    }

    #[track_caller]
    pub fn expect_lacks(&self, needle: &str) -> &Resp {
        assert!(
            !self.text.contains(needle),
            "{} {}: body contains {needle:?} but must not",
            self.method,
            self.path
        );
        self
    }

    /// The JSON error body: `{"error": {"code": CODE, ...}}`.
    #[track_caller]
    pub fn expect_json_error(&self, status: u16, code: &str) -> Value {
        self.expect(status);
        assert!(
            self.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "{} {}: error is not JSON: {:?}",
            self.method,
            self.path,
            self.header("content-type")
        );
        let v = self.json();
        assert_eq!(
            v["error"]["code"], code,
            "{} {}: error code in {v}",
            self.method, self.path
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{} {}: error without a message: {v}",
            self.method,
            self.path
        );
        v
    }

    /// A 422 whose `error.fields` names exactly these fields (each at least once).
    #[track_caller]
    /// A JSON 422 whose only field error is this one, with this message.
    pub fn expect_field_message(&self, field: &str, message: &str) -> Value {
        let v = self.expect_invalid_fields(&[field]);
        assert_eq!(
            v["error"]["fields"][0]["message"], message,
            "{} {}",
            self.status, self.text
        );
        v
    }

    pub fn expect_invalid_fields(&self, fields: &[&str]) -> Value {
        let v = self.expect_json_error(422, "invalid_input");
        let named: Vec<String> = v["error"]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{} {}: no error.fields in {v}", self.method, self.path))
            .iter()
            .map(|f| {
                assert!(
                    f["message"].as_str().is_some_and(|m| !m.is_empty()),
                    "field error without message: {f}"
                );
                f["field"].as_str().unwrap_or_default().to_string()
            })
            .collect();
        for f in fields {
            assert!(
                named.iter().any(|n| n == f),
                "{} {}: error.fields does not name {f:?}: {v}",
                self.method,
                self.path
            );
        }
        for n in &named {
            assert!(
                fields.contains(&n.as_str()),
                "{} {}: error.fields names {n:?}, which was not wrong: {v}",
                self.method,
                self.path
            );
        }
        v
    }
}

pub fn excerpt(text: &str) -> String {
    // The main part of a page is what explains a failure; skip the header chrome.
    let start = text.find("<main").unwrap_or(0);
    text[start..].chars().take(3000).collect()
}

// --- browsers -----------------------------------------------------------------------------

/// One browser: its own cookie jar, no automatic redirects (so tests see the 303s).
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    csrf: Arc<Mutex<Option<String>>>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser::with_user_agent(base, "")
    }

    /// A browser that says what it is (`User-Agent`), as a phone's or a computer's would.
    pub fn with_user_agent(base: &str, user_agent: &str) -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let mut client = reqwest::Client::builder();
        if !user_agent.is_empty() {
            client = client.user_agent(user_agent.to_string());
        }
        let client = client
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        Browser {
            base: base.to_string(),
            client,
            jar,
            csrf: Arc::new(Mutex::new(None)),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The value of one of this browser's cookies.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(&self.base).expect("base url");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    pub async fn get(&self, path: &str) -> Resp {
        let res = self
            .client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        Resp::read("GET", path, res).await
    }

    /// This browser's anti-forgery token, read from the hidden `csrf_token` field of a form
    /// page, as a browser submitting that form would send it.
    pub async fn csrf_token(&self) -> String {
        if let Some(t) = self.csrf.lock().expect("lock").clone() {
            return t;
        }
        for page in ["/account", "/signin", "/setup"] {
            let res = self.get(page).await;
            if res.status == StatusCode::OK
                && let Some(token) = html::csrf_token(&res.text)
            {
                *self.csrf.lock().expect("lock") = Some(token.clone());
                return token;
            }
        }
        panic!("no page offered an anti-forgery token");
    }

    /// A new session (signing in or out, a new password) renews the forms' token, as a
    /// browser finds when it next reads a page: the remembered one is dropped.
    fn forget_token_if_session_changed(&self, res: &reqwest::Response) {
        let renewed = res
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| c.starts_with("hearth_session=") || c.starts_with("hearth_csrf="));
        if renewed {
            *self.csrf.lock().expect("lock") = None;
        }
    }

    /// Reads the anti-forgery token from this page's form (and remembers it).
    pub async fn csrf_from(&self, page: &str) -> String {
        let res = self.get(page).await;
        let token = html::csrf_token(&res.text)
            .unwrap_or_else(|| panic!("GET {page} ({}): no csrf_token field", res.status));
        *self.csrf.lock().expect("lock") = Some(token.clone());
        token
    }

    /// Submits a form as the browser would: the page's anti-forgery token included.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf_token().await;
        let mut pairs: Vec<(String, String)> = vec![("csrf_token".into(), token)];
        pairs.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.post_pairs(path, &pairs, &[]).await
    }

    /// Posts exactly these fields (no token added) with extra headers.
    pub async fn post_pairs(
        &self,
        path: &str,
        pairs: &[(String, String)],
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.client.post(self.url(path)).form(pairs);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        self.forget_token_if_session_changed(&res);
        Resp::read("POST", path, res).await
    }

    /// Posts a multipart form (file upload), the token included unless `csrf` is None.
    pub async fn post_multipart(
        &self,
        path: &str,
        csrf: Option<&str>,
        file: Option<&[u8]>,
        pasted: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut form = reqwest::multipart::Form::new();
        if let Some(t) = csrf {
            form = form.text("csrf_token", t.to_string());
        }
        if let Some(f) = file {
            let part = reqwest::multipart::Part::bytes(f.to_vec())
                .file_name("members.csv")
                .mime_str("text/csv")
                .expect("mime");
            form = form.part("file", part);
        }
        if let Some(p) = pasted {
            form = form.text("pasted", p.to_string());
        }
        let mut req = self.client.post(self.url(path)).multipart(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        self.forget_token_if_session_changed(&res);
        Resp::read("POST", path, res).await
    }

    /// Posts a file with the name and type a browser would give it, with the form's token.
    pub async fn post_file(&self, path: &str, bytes: &[u8], file_name: &str, kind: &str) -> Resp {
        let token = self.csrf_token().await;
        let part = reqwest::multipart::Part::bytes(bytes.to_vec())
            .file_name(file_name.to_string())
            .mime_str(kind)
            .expect("mime");
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", token)
            .part("file", part);
        let res = self
            .client
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        Resp::read("POST", path, res).await
    }

    /// Uploads a CSV file to a group's import page, as the import form does.
    pub async fn upload_csv(&self, group_id: i64, csv: &str) -> Resp {
        let token = self.csrf_token().await;
        self.post_multipart(
            &format!("/groups/{group_id}/members/import"),
            Some(&token),
            Some(csv.as_bytes()),
            None,
            &[],
        )
        .await
    }

    /// Fills in the sign-in form.
    pub async fn sign_in(&self, email: &str, password: &str) -> Resp {
        self.csrf_from("/signin").await;
        self.post_form("/signin", &[("email", email), ("password", password)])
            .await
    }

    pub async fn sign_out(&self) -> Resp {
        self.post_form("/signout", &[]).await
    }
}

// --- the API ------------------------------------------------------------------------------

/// A JSON API client; sends `Authorization: Bearer <token>` when it has one.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    client: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: Option<String>) -> Api {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        Api {
            base: base.to_string(),
            token,
            client,
        }
    }

    pub fn with_token(&self, token: &str) -> Api {
        Api::new(&self.base, Some(token.to_string()))
    }

    /// The same client (and token) speaking to another instance.
    pub fn with_base(&self, base: &str) -> Api {
        Api::new(base, self.token.clone())
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(m, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.header(
                "authorization",
                HeaderValue::from_str(&format!("Bearer {t}")).expect("header"),
            );
        }
        if let Some((content_type, bytes)) = body {
            req = req.header("content-type", content_type).body(bytes);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        Resp::read(method, path, res).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None, &[]).await
    }

    pub async fn json(&self, method: &str, path: &str, body: &Value) -> Resp {
        self.send(
            method,
            path,
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        )
        .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.json("POST", path, body).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.json("PATCH", path, body).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.json("PUT", path, body).await
    }
}

// --- reading HTML -------------------------------------------------------------------------

pub mod html {
    /// Undoes the HTML escaping templates apply.
    pub fn unescape(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            let Some(end) = rest.find(';').filter(|e| *e < 10) else {
                out.push('&');
                rest = &rest[1..];
                continue;
            };
            let entity = &rest[1..end];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            match ch {
                Some(c) => {
                    out.push(c);
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Removes tags and squeezes white space.
    pub fn text_of(fragment: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in fragment.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// The opening tag that contains `needle`.
    fn tag_around<'a>(html: &'a str, needle: &str) -> Option<(&'a str, usize)> {
        let at = html.find(needle)?;
        let start = html[..at].rfind('<')?;
        let end = at + html[at..].find('>')?;
        Some((&html[start..=end], end + 1))
    }

    /// An attribute's value in one tag.
    pub fn attr(tag: &str, name: &str) -> Option<String> {
        let needle = format!(" {name}=\"");
        let at = tag.find(&needle)? + needle.len();
        let end = at + tag[at..].find('"')?;
        Some(unescape(&tag[at..end]))
    }

    /// The anti-forgery token in the page's first form.
    pub fn csrf_token(html: &str) -> Option<String> {
        let (tag, _) = tag_around(html, "name=\"csrf_token\"")?;
        attr(tag, "value")
    }

    /// The message shown next to a field (`<p class="error-message" id="FIELD-error">`).
    pub fn field_error(html: &str, field: &str) -> Option<String> {
        let needle = format!("id=\"{field}-error\"");
        let at = html.find(&needle)?;
        let start = html[..at].rfind('<')?;
        let end = at + html[at..].find("</p>")?;
        Some(
            text_of(&html[start..end])
                .replace("Error:", "")
                .trim()
                .to_string(),
        )
    }

    /// The value a form shows in a field: an input's value, a textarea's text, a select's
    /// selected option, or the checked radio button.
    /// On a page that is one form, a field is named after its part (`details.phone`), and
    /// its name without the part is enough here.
    pub fn field_value(html: &str, name: &str) -> Option<String> {
        let mut from = 0;
        while let Some(i) = html[from..].find("name=\"") {
            let at = from + i;
            from = at + 6;
            let value_end = from + html[from..].find('"')?;
            let given = &html[from..value_end];
            let matches = given == name
                || given.split_once('.').is_some_and(|(part, field)| {
                    field == name
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                });
            if !matches {
                continue;
            }
            let start = html[..at].rfind('<')?;
            let end = at + html[at..].find('>')?;
            let tag = &html[start..=end];
            from = end;
            if tag.starts_with("<textarea") {
                let close = end + 1 + html[end + 1..].find("</textarea>")?;
                let text = &html[end + 1..close];
                return Some(unescape(text.strip_prefix('\n').unwrap_or(text)));
            }
            if tag.starts_with("<select") {
                let close = end + html[end..].find("</select>")?;
                let options = &html[end..close];
                let (opt, _) = tag_around(options, " selected")?;
                return attr(opt, "value");
            }
            if tag.starts_with("<input") {
                let kind = attr(tag, "type").unwrap_or_default();
                if kind == "radio" || kind == "checkbox" {
                    if tag.contains(" checked") {
                        return attr(tag, "value");
                    }
                    continue;
                }
                return attr(tag, "value");
            }
        }
        None
    }

    /// What a browser sends when a button of a page that is one form (`page-form`) is
    /// pressed: every named box as the page shows it (text and hidden boxes, the checked radio
    /// buttons and boxes, the chosen option, a text area's text), in page order. Buttons are
    /// left out; the test adds the one pressed.
    pub fn page_form_fields(html: &str) -> Vec<(String, String)> {
        let start = html.find("page-form\"").expect("the page is one form");
        let end = start + html[start..].find("</form>").expect("the form ends");
        let body = &html[start..end];
        let mut out = Vec::new();
        let mut at = 0;
        loop {
            let next = ["<input", "<textarea", "<select"]
                .iter()
                .filter_map(|t| body[at..].find(t).map(|i| at + i))
                .min();
            let Some(open) = next else { break };
            let close = open + body[open..].find('>').expect("tag ends");
            let tag = &body[open..=close];
            at = close + 1;
            let Some(name) = attr(tag, "name") else {
                continue;
            };
            if tag.contains(" disabled") {
                continue;
            }
            if tag.starts_with("<textarea") {
                let stop = at + body[at..].find("</textarea>").expect("text area ends");
                let text = &body[at..stop];
                out.push((name, unescape(text.strip_prefix('\n').unwrap_or(text))));
            } else if tag.starts_with("<select") {
                let stop = at + body[at..].find("</select>").expect("select ends");
                let options = &body[at..stop];
                let chosen = tag_around(options, " selected")
                    .or_else(|| tag_around(options, "<option"))
                    .and_then(|(o, _)| attr(o, "value"))
                    .unwrap_or_default();
                out.push((name, chosen));
            } else {
                let kind = attr(tag, "type").unwrap_or_else(|| "text".into());
                match kind.as_str() {
                    "submit" | "button" | "reset" => {}
                    "radio" | "checkbox" => {
                        if tag.contains(" checked") {
                            out.push((name, attr(tag, "value").unwrap_or_else(|| "on".into())));
                        }
                    }
                    _ => out.push((name, attr(tag, "value").unwrap_or_default())),
                }
            }
        }
        out
    }

    /// The address a button sends the page to (its `formaction`), found by text in the tag.
    pub fn formaction(html: &str, needle: &str) -> Option<String> {
        let (tag, _) = tag_around(html, needle)?;
        attr(tag, "formaction")
    }

    /// The one-time link a "link shown" page offers to copy.
    pub fn secret_link(html: &str) -> Option<String> {
        let (tag, _) = tag_around(html, "id=\"secret-link\" type=")?;
        attr(tag, "value")
    }

    /// The value of a hidden input.
    pub fn hidden(html: &str, name: &str) -> Option<String> {
        let (tag, _) = tag_around(html, &format!("type=\"hidden\" name=\"{name}\""))?;
        attr(tag, "value")
    }
}

/// A route pattern with its parameters' names left out: `/groups/{id}` reads `/groups/{}`.
pub fn normalise(template: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            c if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// The (method, route) pairs a router's source registers, each route under `prefix` and
/// normalised. A route named by a constant of `src/paths.rs` (`paths::MEETING_RUN`) is read
/// from there.
pub fn routes_in(source: &str, prefix: &str) -> Vec<(String, String)> {
    let paths = include_str!("../../src/paths.rs");
    let mut out = Vec::new();
    for chunk in source.split(".route(").skip(1) {
        let chunk = chunk.trim_start();
        let (pattern, rest) = if let Some(rest) = chunk.strip_prefix('"') {
            let Some(end) = rest.find('"') else { continue };
            (rest[..end].to_string(), &rest[end..])
        } else if let Some(rest) = chunk.strip_prefix("paths::") {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let Some(pattern) = pattern_of(paths, &rest[..end]) else {
                continue;
            };
            (pattern, &rest[end..])
        } else {
            continue;
        };
        let route = format!("{prefix}{}", normalise(&pattern));
        let mut depth = 1;
        let mut handlers = "";
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        handlers = &rest[..i];
                        break;
                    }
                }
                _ => {}
            }
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            let needle = format!("{method}(");
            let mut from = 0;
            while let Some(i) = handlers[from..].find(&needle) {
                let at = from + i;
                let before = handlers[..at].chars().last();
                if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    out.push((method.to_uppercase(), route.clone()));
                }
                from = at + needle.len();
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The pattern `paths!` gives the constant `name` in the source of `src/paths.rs`.
fn pattern_of(paths: &str, name: &str) -> Option<String> {
    let at = paths.find(&format!("    {name}, "))?;
    let line = paths[at..].lines().next()?;
    let start = line.find("= \"")? + 3;
    let end = start + line[start..].find('"')?;
    Some(line[start..end].to_string())
}

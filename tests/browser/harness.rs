//! What every browser test needs: the tools (or a skip), the app on a free port, chromedriver,
//! a Chromium session, and the checks run on every page (axe-core, other hosts, CSP).

use std::future::Future;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

pub const SKIP_MESSAGE: &str =
    "skipped: browser tests need chromium, chromedriver and `npm install` (axe-core)";

/// The WCAG tags axe-core checks on every page.
const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// Widths of the screenshots, and of the extra accessibility checks on the main pages.
pub const WIDTHS: [u32; 2] = [320, 1280];

fn strict() -> bool {
    std::env::var("HEARTH_TEST_STRICT").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The programs and scripts the tests need.
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    pub axe: Arc<String>,
}

fn find_program(env_var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env_var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn find_tools() -> Result<Tools, String> {
    let mut missing = Vec::new();
    let chromium = find_program(
        "HEARTH_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    if chromium.is_none() {
        missing.push("chromium (apt-get install chromium)".to_string());
    }
    let chromedriver = find_program("HEARTH_CHROMEDRIVER", &["chromedriver"]);
    if chromedriver.is_none() {
        missing.push("chromedriver (apt-get install chromium-driver)".to_string());
    }
    let axe_path = repo_root().join("node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&axe_path).ok();
    if axe.is_none() {
        missing.push(format!("{} (npm install)", axe_path.display()));
    }
    match (chromium, chromedriver, axe) {
        (Some(chromium), Some(chromedriver), Some(axe)) => Ok(Tools {
            chromium,
            chromedriver,
            axe: Arc::new(axe),
        }),
        _ => Err(missing.join(", ")),
    }
}

/// The tools, or None when the test should be skipped. With HEARTH_TEST_STRICT set, a missing
/// tool fails the test instead.
pub fn tools_or_skip() -> Option<Tools> {
    match find_tools() {
        Ok(tools) => Some(tools),
        Err(missing) if strict() => {
            panic!("{SKIP_MESSAGE}; HEARTH_TEST_STRICT is set and these are missing: {missing}")
        }
        Err(_) => {
            eprintln!("{SKIP_MESSAGE}");
            None
        }
    }
}

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "hearth-browser-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Hearth, served in-process on a fresh SQLite database.
pub struct App {
    pub url: String,
    task: JoinHandle<std::io::Result<()>>,
    _dir: TempDir,
}

impl App {
    pub async fn start() -> App {
        let dir = TempDir::new("app");
        let db = dir.path().join("hearth.db");
        let store = hearth::Store::open(&format!("sqlite://{}", db.display()))
            .await
            .expect("open a fresh SQLite store");
        App::serve(store, dir, "127.0.0.1").await
    }

    /// Serves the store on a free port, reached (and named in `--public-url`) by `host`.
    async fn serve(store: hearth::Store, dir: TempDir, host: &str) -> App {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let port = listener.local_addr().expect("local address").port();
        let url = format!("http://{host}:{port}");
        let config = hearth::Config {
            public_url: url.clone(),
            trust_forwarded: false,
            ..Default::default()
        };
        let task = tokio::spawn(hearth::serve(
            listener,
            store,
            config,
            std::future::pending(),
        ));
        App {
            url,
            task,
            _dir: dir,
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

/// A chromedriver of our own on a free loopback port, stopped when dropped.
struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    fn start(program: &Path, log: &Path) -> Chromedriver {
        let port = free_port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited early: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Any call to a WebDriver endpoint of the current session (the virtual authenticators).
#[derive(Debug)]
struct SessionCall {
    method: Method,
    path: String,
    body: Option<Value>,
}

impl SessionCall {
    /// A POST to a chromedriver extension endpoint of the current session.
    fn post(path: &str, body: Value) -> SessionCall {
        SessionCall {
            method: Method::POST,
            path: path.into(),
            body: Some(body),
        }
    }
}

impl WebDriverCompatibleCommand for SessionCall {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(|b| b.to_string()),
        )
    }
}

/// Runs a browser test: starts the app, chromedriver and Chromium, runs `body`, then always
/// closes the browser before reporting the body's result. Skips (or, when strict, fails) when
/// the tools are missing.
pub async fn run<F, Fut>(name: &'static str, body: F)
where
    F: FnOnce(Browser) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(tools) = tools_or_skip() else {
        return;
    };
    let app = App::start().await;
    run_on(tools, app, name, body).await;
}

fn screenshot_dir() -> Option<PathBuf> {
    std::env::var_os("HEARTH_SCREENSHOTS")
        .filter(|v| !v.is_empty() && v != "0")
        .map(|_| {
            let dir = repo_root().join("screenshots");
            std::fs::create_dir_all(&dir).expect("create screenshots/");
            dir
        })
}

/// A Chromium session on the app, with the checks every page gets.
pub struct Browser {
    pub client: Client,
    pub base: String,
    axe: Arc<String>,
    screenshots: Option<PathBuf>,
    /// Pages checked, for the summary printed at the end.
    report: Vec<String>,
    /// Accessibility and other problems found so far (reported together at the end).
    problems: Vec<String>,
    /// The phone being emulated, if any (see `set_viewport`).
    viewport: Option<(u32, u32)>,
    /// How to start Chromium again on the same profile (`restart`), and the session open now,
    /// which is closed at the end.
    relaunch: Arc<Relaunch>,
    /// Taps (clicks) made so far: each link, button, label or list choice pressed.
    taps: std::sync::atomic::AtomicUsize,
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The path (and query) of the current page.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Opens a page of the app and checks it.
    pub async fn visit(&mut self, path: &str, label: &str) {
        self.client.goto(&self.url(path)).await.expect("open page");
        self.check(label).await;
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css:?} on {}: {e}", self.base))
    }

    /// Every element matching `css` (none is not a failure).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    pub async fn body_text(&self) -> String {
        self.text("body").await
    }

    /// Replaces what a text field holds.
    pub async fn fill(&self, id: &str, value: &str) {
        let field = self.find(&format!("#{id}")).await;
        field.clear().await.expect("clear field");
        if !value.is_empty() {
            field.send_keys(value).await.expect("type into field");
        }
    }

    /// What a field holds now (its value, not its attribute).
    pub async fn value_of(&self, id: &str) -> String {
        self.find(&format!("#{id}"))
            .await
            .prop("value")
            .await
            .expect("read the field")
            .unwrap_or_default()
    }

    fn count_tap(&self) {
        self.taps.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The taps made since the last call (each press, link, label or choice counts one).
    pub fn take_taps(&self) -> usize {
        self.taps.swap(0, std::sync::atomic::Ordering::Relaxed)
    }

    /// Stops Hearth's own script loading (Chromium's DevTools blocks the URL), so every page
    /// works as it would with JavaScript turned off, while the checks (axe-core, which needs
    /// WebDriver's own scripts) still run.
    pub async fn block_hearth_script(&self) {
        for (cmd, params) in [
            ("Network.enable", json!({})),
            (
                "Network.setBlockedURLs",
                json!({ "urls": ["*/static/hearth.js*"] }),
            ),
        ] {
            self.client
                .issue_cmd(SessionCall::post(
                    "goog/cdp/execute",
                    json!({ "cmd": cmd, "params": params }),
                ))
                .await
                .unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"));
        }
    }

    /// Whether Hearth's script ran on this page (it shows the buttons only it can work).
    pub async fn script_ran(&self) -> bool {
        self.client
            .execute(
                "var b = document.querySelector('[data-copy], [data-print]'); return b ? !b.hidden : null;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// Clicks a control and waits for the page it leads to (a form submission or a link).
    pub async fn click_and_wait(&self, element: Element) {
        self.count_tap();
        self.client
            .execute("window.__hearthOldPage = true;", vec![])
            .await
            .expect("mark the page");
        self.scroll_to(&element).await;
        element.click().await.expect("click");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let done = self
                .client
                .execute(
                    "return window.__hearthOldPage === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .unwrap_or(Value::Bool(false));
            if done == Value::Bool(true) {
                break;
            }
            if Instant::now() >= deadline {
                let says = self
                    .client
                    .execute(
                        "return Array.from(document.querySelectorAll('[role=status], [role=alert]')).map(function (e) { return e.textContent.trim() + (e.getAttribute('data-error') ? ' (' + e.getAttribute('data-error') + ')' : ''); }).join(' | ');",
                        vec![],
                    )
                    .await
                    .unwrap_or(Value::Null);
                panic!(
                    "no new page within 20 s after a click (still on {}; the page says: {says})",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Clicks the button with this text and waits for the next page.
    pub async fn press(&self, button_text: &str) {
        let xpath = format!("//button[normalize-space()='{button_text}']");
        let button = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button {button_text:?} on {}: {e}", self.base));
        self.click_and_wait(button).await;
    }

    /// Ticks a checkbox or chooses a radio button by clicking its label, as a person would.
    pub async fn click_label(&self, id: &str) {
        self.count_tap();
        let label = self.find(&format!("label[for='{id}']")).await;
        self.scroll_to(&label).await;
        label
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click the label of #{id}: {e}"));
    }

    /// Scrolls an element to the middle of the screen, as a person would before tapping it, so
    /// nothing sticky at the top or bottom of the screen covers it.
    pub async fn scroll_to(&self, element: &Element) {
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center', inline: 'nearest' });",
                vec![serde_json::to_value(element).expect("element as JSON")],
            )
            .await
            .expect("scroll to the element");
    }

    /// Scrolls to an element and clicks it (a tap that does not load a new page).
    pub async fn tap(&self, element: &Element) {
        self.count_tap();
        self.scroll_to(element).await;
        element.click().await.expect("click");
    }

    /// Chooses the radio button or ticks the checkbox with this name and value, by its label.
    /// On a page that is one form the name is the field's after its part's (`poll-3.answers.7`).
    pub async fn choose(&self, name: &str, value: &str) {
        let input = self
            .find(&format!(
                "input[name='{name}'][value='{value}'], input[name$='.{name}'][value='{value}']"
            ))
            .await;
        let id = input
            .attr("id")
            .await
            .expect("read id")
            .unwrap_or_else(|| panic!("the {name}={value} input has no id, so no label"));
        self.click_label(&id).await;
    }

    /// Chooses an option of a select by its value.
    pub async fn select(&self, id: &str, value: &str) {
        // Opening the list and choosing from it.
        self.count_tap();
        self.count_tap();
        self.find(&format!("#{id} option[value='{value}']"))
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not choose {value} in #{id}: {e}"));
    }

    /// Gives a file input a file from disk.
    pub async fn upload(&self, id: &str, file: &Path) {
        self.find(&format!("#{id}"))
            .await
            .send_keys(&file.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("could not choose the file for #{id}: {e}"));
    }

    /// Signs out when a "Sign out" button is on the page.
    pub async fn press_sign_out_if_signed_in(&self) {
        if let Ok(button) = self
            .client
            .find(Locator::XPath("//button[normalize-space()='Sign out']"))
            .await
        {
            self.click_and_wait(button).await;
        }
    }

    /// Runs every page check: axe-core, no request to another host, no CSP violation.
    pub async fn check(&mut self, label: &str) {
        let path = self.path().await;
        self.check_same_origin(label, &path).await;
        self.check_console(label, &path).await;
        self.check_axe(label, &path, None).await;
        self.check_targets(label, &path).await;
        self.report.push(format!("{label} ({path})"));
    }

    /// Every link, button, menu and list box a person taps is at least 44 by 44 CSS pixels.
    /// A link inside a sentence is left out (WCAG 2.5.8 exempts it: it is sized by the text
    /// around it); a line made only of links is not a sentence, so its links must be big.
    async fn check_targets(&mut self, label: &str, path: &str) {
        let small = self
            .client
            .execute(
                r#"
                var out = [];
                function visible(el) {
                    var r = el.getBoundingClientRect();
                    var st = getComputedStyle(el);
                    return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && !el.closest('[hidden]')
                        && !el.closest('.visually-hidden') && !el.closest('.skip-link');
                }
                function inSentence(el) {
                    var block = el.parentElement;
                    while (block && getComputedStyle(block).display.indexOf('inline') === 0) { block = block.parentElement; }
                    if (!block) { return false; }
                    var copy = block.cloneNode(true);
                    copy.querySelectorAll('a, button, .visually-hidden').forEach(function (a) { a.remove(); });
                    var words = copy.textContent.replace(/[^A-Za-z]+/g, ' ').trim().split(' ').filter(function (w) { return w.length > 1; });
                    return words.length >= 3;
                }
                document.querySelectorAll('a[href], button, summary, select, input[type=submit], input[type=button]').forEach(function (el) {
                    if (!visible(el)) { return; }
                    if (el.tagName === 'A' && inSentence(el)) { return; }
                    var r = el.getBoundingClientRect();
                    if (r.width < 43.5 || r.height < 43.5) {
                        out.push(el.tagName.toLowerCase() + ' "' + (el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 50) + '" ' + Math.round(r.width) + 'x' + Math.round(r.height));
                    }
                });
                return out;
                "#,
                vec![],
            )
            .await
            .expect("measure the targets");
        for target in small.as_array().into_iter().flatten() {
            self.problems.push(format!(
                "{label} ({path}): a target smaller than 44 by 44 px: {}",
                target.as_str().unwrap_or_default()
            ));
        }
    }

    async fn check_same_origin(&mut self, label: &str, path: &str) {
        let urls = self
            .client
            .execute(
                "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).map(function (e) { return e.name; });",
                vec![],
            )
            .await
            .expect("read resource timing");
        let origin = &self.base;
        let foreign: Vec<String> = urls
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u.as_str())
            .filter(|u| !(u.starts_with(&format!("{origin}/")) || *u == origin.as_str()))
            .filter(|u| !u.starts_with("data:"))
            .map(str::to_string)
            .collect();
        if !foreign.is_empty() {
            self.problems.push(format!(
                "{label} ({path}) requested another host: {}",
                foreign.join(", ")
            ));
        }
    }

    /// Reads and sets aside what the console holds so far: the requests that failed while the
    /// test had taken the signal away (`Signal::lose`), which are expected, not problems.
    pub async fn forget_console(&self) {
        let _ = self
            .client
            .issue_cmd(SessionCall::post("se/log", json!({ "type": "browser" })))
            .await;
    }

    async fn check_console(&mut self, label: &str, path: &str) {
        let entries = self
            .client
            .issue_cmd(SessionCall::post("se/log", json!({ "type": "browser" })))
            .await
            .expect("read the browser console");
        for entry in entries.as_array().into_iter().flatten() {
            let message = entry["message"].as_str().unwrap_or_default();
            let level = entry["level"].as_str().unwrap_or_default();
            let csp = message.contains("Content Security Policy")
                || message.contains("Content-Security-Policy");
            // A form shown again with errors answers 422; Chromium logs that status. It is
            // expected, and not a script error.
            let status_line = message.contains("Failed to load resource: the server responded");
            if csp || (level == "SEVERE" && !status_line) {
                self.problems
                    .push(format!("{label} ({path}) console {level}: {message}"));
            }
        }
    }

    /// Runs axe-core on the page as it is now.
    async fn check_axe(&mut self, label: &str, path: &str, width: Option<u32>) {
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .expect("look for axe");
        if loaded != Value::Bool(true) {
            self.client
                .execute(&self.axe, vec![])
                .await
                .expect("inject axe-core");
        }
        let script = r#"
            var done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: arguments[0] } }).then(function (r) {
                done({ violations: r.violations.map(function (v) {
                    return { id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                        nodes: v.nodes.map(function (n) {
                            return { target: n.target.join(' '), html: n.html, summary: n.failureSummary };
                        }) };
                }) });
            }, function (e) { done({ error: String(e) }); });
        "#;
        let result = self
            .client
            .execute_async(script, vec![json!(AXE_TAGS)])
            .await
            .expect("run axe-core");
        if let Some(error) = result["error"].as_str() {
            panic!("axe-core failed on {label} ({path}): {error}");
        }
        let at = width.map(|w| format!(" at {w} px")).unwrap_or_default();
        for v in result["violations"].as_array().into_iter().flatten() {
            let nodes: Vec<String> = v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| {
                    format!(
                        "      - {}  {}\n        {}",
                        n["target"].as_str().unwrap_or_default(),
                        n["html"].as_str().unwrap_or_default(),
                        n["summary"]
                            .as_str()
                            .unwrap_or_default()
                            .replace('\n', "\n        ")
                    )
                })
                .collect();
            let line = format!(
                "axe {} [{}] on {label} ({path}){at}: {}\n{}",
                v["id"].as_str().unwrap_or_default(),
                v["impact"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                nodes.join("\n")
            );
            if label != "probe" {
                eprintln!("{line}");
            }
            self.problems.push(line);
        }
    }

    /// Proves the checks can fail: puts an unlabelled field and an inline script on the page,
    /// and expects axe-core to name the field and the console to show the CSP refusal.
    pub async fn prove_checks_catch_problems(&mut self) {
        let before = self.problems.len();
        self.client
            .execute(
                "var i = document.createElement('input'); i.id = 'hearth-probe'; document.body.appendChild(i); \
                 var s = document.createElement('script'); s.textContent = 'window.hearthProbe = 1;'; document.body.appendChild(s);",
                vec![],
            )
            .await
            .expect("add the probe");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let path = self.path().await;
        self.check_console("probe", &path).await;
        self.check_axe("probe", &path, None).await;
        let found: Vec<String> = self.problems.drain(before..).collect();
        assert!(
            found
                .iter()
                .any(|p| p.contains("axe label") && p.contains("#hearth-probe")),
            "axe-core did not report an unlabelled field; it found: {found:?}"
        );
        assert!(
            found.iter().any(|p| p.contains("Content Security Policy")),
            "the console check did not see an inline script refused by the CSP; it found: {found:?}"
        );
        self.client
            .execute("document.getElementById('hearth-probe').remove();", vec![])
            .await
            .expect("remove the probe");
    }

    /// A WebDriver virtual authenticator (W3C WebAuthn, section 11) standing in for a phone's
    /// passkeys: user verification always passes, as a fingerprint would. Returns its id.
    pub async fn add_virtual_authenticator(&self) -> String {
        let id = self
            .webauthn(
                Method::POST,
                "webauthn/authenticator".into(),
                Some(json!({
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                })),
            )
            .await;
        id.as_str().expect("an authenticator id").to_string()
    }

    /// The credentials (passkeys) a virtual authenticator holds.
    pub async fn authenticator_credentials(&self, authenticator: &str) -> Vec<Value> {
        match self
            .webauthn(
                Method::GET,
                format!("webauthn/authenticator/{authenticator}/credentials"),
                None,
            )
            .await
        {
            Value::Array(list) => list,
            other => panic!("credentials of a virtual authenticator: {other}"),
        }
    }

    /// Puts a credential into a virtual authenticator.
    pub async fn add_authenticator_credential(&self, authenticator: &str, credential: Value) {
        self.webauthn(
            Method::POST,
            format!("webauthn/authenticator/{authenticator}/credential"),
            Some(credential),
        )
        .await;
    }

    /// How many drafts of typed text this browser keeps in its storage (hearth.js keeps one per
    /// text box until the server has it).
    pub async fn drafts_kept(&self) -> i64 {
        self.client
            .execute(
                "return Object.keys(window.localStorage).filter(function (k) { return k.indexOf('hearth:draft:') === 0; }).length;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_i64())
            .expect("read the browser's storage")
    }

    /// Empties a virtual authenticator of its credentials.
    pub async fn remove_authenticator_credentials(&self, authenticator: &str) {
        self.webauthn(
            Method::DELETE,
            format!("webauthn/authenticator/{authenticator}/credentials"),
            None,
        )
        .await;
    }

    async fn webauthn(&self, method: Method, path: String, body: Option<Value>) -> Value {
        let what = format!("{method} {path}");
        self.client
            .issue_cmd(SessionCall { method, path, body })
            .await
            .unwrap_or_else(|e| panic!("WebDriver {what}: {e}"))
    }

    /// Sends a chromedriver DevTools command.
    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(SessionCall::post(
                "goog/cdp/execute",
                json!({ "cmd": cmd, "params": params }),
            ))
            .await
            .unwrap_or_else(|e| panic!("DevTools command {cmd} failed: {e}"))
    }

    /// Looks at a main page at 320 px and 1280 px: runs axe-core at each width, checks nothing
    /// is wider than the screen, and saves full-page screenshots when HEARTH_SCREENSHOTS is set.
    pub async fn look_at(&mut self, name: &str) {
        self.look_at_widths(name, &WIDTHS).await;
    }

    /// Looks at a page at these widths, as `look_at` does.
    pub async fn look_at_widths(&mut self, name: &str, widths: &[u32]) {
        let path = self.path().await;
        for &width in widths {
            self.emulate(width, 900).await;
            // Full page: make the viewport as tall as the page (within reason).
            let height = self
                .client
                .execute(
                    "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);",
                    vec![],
                )
                .await
                .expect("page height")
                .as_u64()
                .unwrap_or(900)
                .clamp(400, 8000) as u32;
            self.emulate(width, height).await;
            let overflow = self
                .client
                .execute(
                    r#"var w = document.documentElement.clientWidth; var out = [];
                    document.querySelectorAll('body *').forEach(function (el) {
                        var r = el.getBoundingClientRect();
                        if (r.width > 0 && r.right > w + 1 && !el.closest('.table-wrap')) {
                            out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ' right=' + Math.round(r.right));
                        }
                    });
                    return { scroll: document.documentElement.scrollWidth, client: w, out: out.slice(0, 8) };"#,
                    vec![],
                )
                .await
                .expect("measure overflow");
            let scroll = overflow["scroll"].as_u64().unwrap_or(0);
            let client = overflow["client"].as_u64().unwrap_or(0);
            if scroll > client {
                self.problems.push(format!(
                    "{name} ({path}) at {width} px is wider than the screen: {scroll} px > {client} px; overflowing: {}",
                    overflow["out"]
                ));
            }
            self.check_axe(name, &path, Some(width)).await;
            if let Some(dir) = &self.screenshots {
                let png = self.client.screenshot().await.expect("screenshot");
                std::fs::write(dir.join(format!("{name}-{width}.png")), png)
                    .expect("save screenshot");
            }
        }
        match self.viewport {
            Some((width, height)) => self.emulate(width, height).await,
            None => {
                self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
                    .await;
            }
        }
    }

    async fn emulate(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": width < 600,
            }),
        )
        .await;
    }

    /// Prints the current page to PDF through WebDriver; saves it when HEARTH_SCREENSHOTS is set.
    pub async fn print_to_pdf(&self, name: &str) -> Vec<u8> {
        let pdf = self
            .client
            .print(fantoccini::wd::PrintConfiguration::default())
            .await
            .expect("print the page");
        assert!(pdf.starts_with(b"%PDF"), "printing did not give a PDF");
        if let Some(dir) = &self.screenshots {
            std::fs::write(dir.join(format!("{name}.pdf")), &pdf).expect("save the PDF");
        }
        pdf
    }

    /// Shows the page as the print stylesheet lays it out: the site's header and footer and the
    /// forms are left out, and what `must_show` names is still there. Saves a screenshot of the
    /// print layout when HEARTH_SCREENSHOTS is set.
    pub async fn check_print_layout(&mut self, name: &str, must_show: &[&str]) {
        self.cdp("Emulation.setEmulatedMedia", json!({ "media": "print" }))
            .await;
        let state = self
            .client
            .execute(
                r#"function shown(sel) { var e = document.querySelector(sel); return !!e && e.getClientRects().length > 0; }
                return { header: shown('.site-header'), footer: shown('.site-footer'), text: document.body.innerText };"#,
                vec![],
            )
            .await
            .expect("read the print layout");
        if let Some(dir) = &self.screenshots {
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}-print.png")), png).expect("save screenshot");
        }
        self.cdp("Emulation.setEmulatedMedia", json!({ "media": "" }))
            .await;
        let path = self.path().await;
        if state["header"] == Value::Bool(true) || state["footer"] == Value::Bool(true) {
            self.problems.push(format!(
                "{name} ({path}) prints the site header or footer: {state}"
            ));
        }
        let text = state["text"].as_str().unwrap_or_default();
        for needle in must_show {
            if !text.contains(needle) {
                self.problems.push(format!(
                    "{name} ({path}) leaves {needle:?} out when printed"
                ));
            }
        }
    }

    /// Makes the browser a phone `width` CSS pixels wide: the window is sized to it and the
    /// device is emulated as a mobile one (so scrollbars take no room, as on a phone). Every
    /// later page is laid out at this size; `look_at` comes back to it after its own widths.
    pub async fn set_viewport(&mut self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("size the window");
        self.viewport = Some((width, height));
        self.emulate(width, height).await;
        let w = self.layout_width().await;
        // A desktop's scrollbar takes its room from the page, as on a real screen.
        let scrollbar = if width < 600 { 0 } else { 20 };
        assert!(
            w <= i64::from(width) && w >= i64::from(width) - scrollbar,
            "could not lay the page out {width} px wide (laid out {w} px)"
        );
    }

    /// The page's width for layout, in CSS pixels.
    pub async fn layout_width(&self) -> i64 {
        self.client
            .execute("return document.documentElement.clientWidth;", vec![])
            .await
            .expect("layout width")
            .as_i64()
            .unwrap_or_default()
    }

    /// Finds an element by XPath (for finding by text, or within a list item).
    pub async fn find_xpath(&self, xpath: &str) -> Element {
        self.client
            .find(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("no element {xpath:?} on {}: {e}", self.base))
    }

    /// Clicks the element this CSS selector finds and waits for the page it leads to.
    pub async fn click_css(&self, css: &str) {
        let element = self.find(css).await;
        self.click_and_wait(element).await;
    }

    /// Opens a `<details>` by clicking its summary, found by its text.
    pub async fn open_details(&self, summary_text: &str) {
        let summary = self
            .find_xpath(&format!("//summary[normalize-space()='{summary_text}']"))
            .await;
        let open = self
            .client
            .execute(
                "return arguments[0].parentNode.open === true;",
                vec![serde_json::to_value(&summary).expect("element as JSON")],
            )
            .await
            .expect("read details state");
        if open != Value::Bool(true) {
            self.tap(&summary).await;
        }
    }

    /// Sets a field's value as a date picker would (typing into a date input depends on the
    /// browser's locale), and tells the page it changed.
    pub async fn set_value(&self, id: &str, value: &str) {
        self.find(&format!("#{id}")).await;
        self.client
            .execute(
                "var e = document.getElementById(arguments[0]); e.value = arguments[1]; \
                 e.dispatchEvent(new Event('input', { bubbles: true })); \
                 e.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![json!(id), json!(value)],
            )
            .await
            .unwrap_or_else(|e| panic!("could not set #{id}: {e}"));
    }

    /// Waits until the element's text contains `needle` (a background save, say).
    pub async fn wait_for_text(&self, css: &str, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css} did not say {needle:?} within 15 s on {}; it says {text:?}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Asserts the page is at this path.
    pub async fn expect_path(&self, expected: &str) {
        let path = self.path().await;
        assert_eq!(
            path, expected,
            "expected to be on {expected}, but on {path}"
        );
    }

    /// Asserts the page says this (in its visible text).
    pub async fn expect_text(&self, needle: &str) {
        let body = self.body_text().await;
        assert!(
            body.contains(needle),
            "expected {needle:?} on {}; the page says:\n{body}",
            self.path().await
        );
    }

    /// Asserts the page does not say this.
    pub async fn expect_no_text(&self, needle: &str) {
        let body = self.body_text().await;
        assert!(
            !body.contains(needle),
            "did not expect {needle:?} on {}; the page says:\n{body}",
            self.path().await
        );
    }

    /// Saves a screenshot of the screen as it is (not the full page) when HEARTH_SCREENSHOTS
    /// is set.
    pub async fn screenshot(&self, name: &str) {
        if let Some(dir) = &self.screenshots {
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}.png")), png).expect("save screenshot");
        }
    }

    /// Records a problem to report at the end without stopping the test (for a flaw that does
    /// not block the rest of the journey).
    pub fn problem(&mut self, text: String) {
        eprintln!("problem: {text}");
        self.problems.push(text);
    }

    /// Fails the test if any page had a problem; prints the pages checked.
    pub fn finish(self) {
        eprintln!(
            "checked {} pages with axe-core ({}):\n  {}",
            self.report.len(),
            AXE_TAGS.join(", "),
            self.report.join("\n  ")
        );
        assert!(
            self.problems.is_empty(),
            "{} problem(s) found in the browser:\n\n{}",
            self.problems.len(),
            self.problems.join("\n\n")
        );
    }
}

impl App {
    /// Hearth on a fresh SQLite database filled with the demo data
    /// (`hearth::demo::fill_if_empty`): two groups, six months of the Tuesday group's history,
    /// and the demo coordinator's and facilitator's accounts.
    pub async fn start_with_demo() -> App {
        App::start_with_demo_at("127.0.0.1").await
    }

    /// As `start_with_demo`, reached (and named in `--public-url`) by `host`: passkeys need a
    /// name such as localhost, never an address.
    pub async fn start_with_demo_at(host: &str) -> App {
        let dir = TempDir::new("app-demo");
        let db = dir.path().join("hearth.db");
        let store = hearth::Store::open(&format!("sqlite://{}", db.display()))
            .await
            .expect("open a fresh SQLite store");
        let accounts = hearth::demo::fill_if_empty(&store)
            .await
            .expect("fill the store with the demo data");
        assert!(accounts.is_some(), "the fresh store already had accounts");
        App::serve(store, dir, host).await
    }
}

impl App {
    /// Hearth on a fresh SQLite database filled by `hearth seed` (`hearth::seed::seed`) with
    /// `groups` groups of `members` members each and `years` of history, and what `prepare`
    /// adds through the store before the app is served.
    pub async fn start_with_seed<F, Fut>(
        groups: usize,
        members: usize,
        years: i64,
        prepare: F,
    ) -> App
    where
        F: FnOnce(hearth::Store) -> Fut,
        Fut: Future<Output = ()>,
    {
        let dir = TempDir::new("app-seed");
        let db = dir.path().join("hearth.db");
        let store = hearth::Store::open(&format!("sqlite://{}", db.display()))
            .await
            .expect("open a fresh SQLite store");
        let hash = hearth::auth::hash_password(hearth::seed::SEED_PASSWORD)
            .await
            .expect("hash the seed's password");
        let options = hearth::seed::SeedOptions {
            groups,
            members_per_group: members,
            years,
            seed: 1,
        };
        hearth::seed::seed(&store, &options, &hash, |_, _| {})
            .await
            .expect("seed the network");
        prepare(store.clone()).await;
        App::serve(store, dir, "127.0.0.1").await
    }
}

/// Runs a browser test on the demo data as `run_with_demo` does, with Hearth reached at
/// http://localhost (where browsers offer passkeys).
pub async fn run_with_demo_on_localhost<F, Fut>(name: &'static str, body: F)
where
    F: FnOnce(Browser) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(tools) = tools_or_skip() else {
        return;
    };
    let app = App::start_with_demo_at("localhost").await;
    run_on(tools, app, name, body).await;
}

/// Runs a browser test as `run` does, on an app whose database holds the demo data (see
/// `App::start_with_demo`).
pub async fn run_with_demo<F, Fut>(name: &'static str, body: F)
where
    F: FnOnce(Browser) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(tools) = tools_or_skip() else {
        return;
    };
    let app = App::start_with_demo().await;
    run_on(tools, app, name, body).await;
}

/// What `run` does once the app is up: starts chromedriver and Chromium, runs `body`, then
/// always closes the browser before reporting the body's result.
pub async fn run_on<F, Fut>(tools: Tools, app: App, name: &'static str, body: F)
where
    F: FnOnce(Browser) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let scratch = TempDir::new(name);
    let driver = Chromedriver::start(
        &tools.chromedriver,
        &scratch.path().join("chromedriver.log"),
    );
    let profile = scratch.path().join("profile");
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1280,900",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": tools.chromium,
            "args": args,
        },
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let capabilities_again = capabilities.clone();
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| {
            let log = std::fs::read_to_string(scratch.path().join("chromedriver.log"))
                .unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(30)..].join("\n");
            panic!("could not start Chromium through chromedriver: {e}\n{tail}")
        });
    let browser = Browser {
        client: client.clone(),
        base: app.url.clone(),
        axe: tools.axe.clone(),
        screenshots: screenshot_dir(),
        report: Vec::new(),
        problems: Vec::new(),
        viewport: None,
        taps: Default::default(),
        relaunch: Arc::new(Relaunch {
            driver: driver.url.clone(),
            capabilities: capabilities_again,
            open: std::sync::Mutex::new(client.clone()),
            others: Default::default(),
        }),
    };
    let relaunch = browser.relaunch.clone();
    let outcome = tokio::spawn(body(browser)).await;
    let open = relaunch.open.lock().expect("the open session").clone();
    let _ = open.close().await;
    let others: Vec<Client> = relaunch
        .others
        .lock()
        .expect("other sessions")
        .drain(..)
        .collect();
    for other in others {
        let _ = other.close().await;
    }
    drop(driver);
    drop(app);
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("the browser test was cancelled: {e}");
    }
}

/// What `Browser::restart` needs to start Chromium again.
pub struct Relaunch {
    driver: String,
    capabilities: serde_json::Map<String, Value>,
    open: std::sync::Mutex<Client>,
    /// Other browsers started with `another`, closed at the end too.
    others: std::sync::Mutex<Vec<Client>>,
}

impl Browser {
    /// A second browser with a profile of its own (another facilitator's phone), reaching
    /// Hearth at `base`; its checks are reported by its own `finish`.
    pub async fn another(&self, base: &str) -> Browser {
        let mut capabilities = self.relaunch.capabilities.clone();
        if let Some(args) = capabilities
            .get_mut("goog:chromeOptions")
            .and_then(|o| o.get_mut("args"))
            .and_then(Value::as_array_mut)
        {
            for arg in args.iter_mut() {
                if let Some(dir) = arg
                    .as_str()
                    .and_then(|a| a.strip_prefix("--user-data-dir="))
                {
                    *arg = Value::String(format!("--user-data-dir={dir}-another"));
                }
            }
        }
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.relaunch.driver)
            .await
            .expect("start a second Chromium");
        self.relaunch
            .others
            .lock()
            .expect("other sessions")
            .push(client.clone());
        Browser {
            client,
            base: base.to_string(),
            axe: self.axe.clone(),
            screenshots: self.screenshots.clone(),
            report: Vec::new(),
            problems: Vec::new(),
            viewport: None,
            relaunch: self.relaunch.clone(),
            taps: Default::default(),
        }
    }

    /// Closes Chromium and starts it again on the same profile (as a phone's browser closed
    /// and opened again), on the page `path`.
    pub async fn restart(&mut self, path: &str) {
        let _ = self.client.clone().close().await;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(self.relaunch.capabilities.clone())
            .connect(&self.relaunch.driver)
            .await
            .expect("start Chromium again on the same profile");
        *self.relaunch.open.lock().expect("the open session") = client.clone();
        self.client = client;
        let _ = self.client.goto(&self.url(path)).await;
    }
}

/// The phone's signal, between the browser and Hearth: lost, every open connection is cut and
/// each new one is closed at once (the browser sees a network error, as in a hall with no
/// signal); regained, connections go through again.
#[derive(Clone)]
pub struct Signal {
    on: Arc<std::sync::atomic::AtomicBool>,
    open: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
    to: std::net::SocketAddr,
}

impl Signal {
    pub fn lose(&self) {
        self.on.store(false, Ordering::SeqCst);
        for h in self.open.lock().expect("connections").drain(..) {
            h.abort();
        }
    }

    pub fn regain(&self) {
        self.on.store(true, Ordering::SeqCst);
    }

    /// A second phone's signal: its own way to the same Hearth, at its own address (returned).
    pub async fn another(&self) -> (Signal, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        (Signal::relay(listener, self.to), url)
    }

    /// Passes connections from `listener` to `to` while the signal is on.
    fn relay(listener: tokio::net::TcpListener, to: std::net::SocketAddr) -> Signal {
        let signal = Signal {
            on: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            open: Arc::default(),
            to,
        };
        let s = signal.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !s.on.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                let mut open = s.open.lock().expect("connections");
                open.retain(|h| !h.is_finished());
                open.push(task.abort_handle());
            }
        });
        signal
    }
}

/// Which database a browser test runs Hearth on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A fresh schema in the PostgreSQL database of HEARTH_TEST_POSTGRES_URL and a store on it,
/// or None (the test is skipped, or fails when strict) when there is no such server.
async fn postgres_store() -> Option<(hearth::Store, String, String)> {
    use std::str::FromStr;
    let url = std::env::var("HEARTH_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let admin = match sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
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
                "skipped: this browser test on PostgreSQL needs a server at {url} (set HEARTH_TEST_POSTGRES_URL)"
            );
            return None;
        }
    };
    let schema = format!(
        "b_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&admin)
        .await
        .expect("create a schema for the test");
    admin.close().await;
    let options = sqlx::postgres::PgConnectOptions::from_str(&url)
        .expect("a PostgreSQL URL")
        .options([("search_path", schema.as_str())]);
    let store = hearth::Store::open_postgres(options)
        .await
        .expect("open a PostgreSQL store");
    Some((store, url, schema))
}

/// Runs a browser test on the demo data, on SQLite or PostgreSQL, with the browser reaching
/// Hearth through a `Signal` the test can lose and regain.
pub async fn run_with_demo_and_signal<F, Fut>(name: &'static str, db: Db, body: F)
where
    F: FnOnce(Browser, Signal) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(tools) = tools_or_skip() else {
        return;
    };
    let dir = TempDir::new("app-signal");
    let (store, dropped) = match db {
        Db::Sqlite => {
            let file = dir.path().join("hearth.db");
            let store = hearth::Store::open(&format!("sqlite://{}", file.display()))
                .await
                .expect("open a fresh SQLite store");
            (store, None)
        }
        Db::Postgres => {
            let Some((store, url, schema)) = postgres_store().await else {
                return;
            };
            (store, Some((url, schema)))
        }
    };
    hearth::demo::fill_if_empty(&store)
        .await
        .expect("fill the store with the demo data");
    let inner = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let to = inner.local_addr().expect("local address");
    let outer = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let url = format!("http://{}", outer.local_addr().expect("local address"));
    let signal = Signal::relay(outer, to);
    let config = hearth::Config {
        public_url: url.clone(),
        trust_forwarded: false,
        ..Default::default()
    };
    let task = tokio::spawn(hearth::serve(inner, store, config, std::future::pending()));
    let app = App {
        url,
        task,
        _dir: dir,
    };
    run_on(tools, app, name, move |b| body(b, signal)).await;
    // The test's schema goes (after a failure it is left, to look at).
    if let Some((url, schema)) = dropped
        && let Ok(admin) = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
    {
        let _ = sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .execute(&admin)
            .await;
        admin.close().await;
    }
}

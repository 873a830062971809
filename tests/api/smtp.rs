//! A test SMTP server: Debian's python3-aiosmtpd running `smtp_sink.py`, which writes every
//! message it accepts, parsed, as a JSON file in a directory of its own. It can be stopped and
//! started again on the same port ("the mail server is down, then back"), and the process is
//! killed when the server is dropped.
//!
//! When /usr/bin/python3 cannot import aiosmtpd the mail tests are skipped with a notice, or
//! fail when HEARTH_TEST_STRICT is set.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Debian's interpreter, which has python3-aiosmtpd (the one first on PATH may not).
const PYTHON: &str = "/usr/bin/python3";
const SCRIPT: &str = include_str!("smtp_sink.py");

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ParsedMail {
    /// The envelope's recipients (RCPT TO).
    pub rcpt_tos: Vec<String>,
    /// The envelope's sender (MAIL FROM).
    pub mail_from: String,
    /// The From and To headers.
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The names of the top-level headers, in order.
    pub headers: Vec<String>,
    /// The top-level content type, e.g. multipart/alternative.
    pub content_type: String,
    /// Every part's content type, in order, the top level first.
    pub parts: Vec<String>,
    /// The text/plain and text/html bodies, decoded ("" when missing).
    pub text: String,
    pub html: String,
}

impl ParsedMail {
    fn from_json(v: &Value) -> ParsedMail {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let list = |k: &str| -> Vec<String> {
            v[k].as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        ParsedMail {
            rcpt_tos: list("rcpt_tos"),
            mail_from: s("mail_from"),
            from: s("from"),
            to: s("to"),
            subject: s("subject"),
            headers: list("headers"),
            content_type: s("content_type"),
            parts: list("parts"),
            text: s("text"),
            html: s("html"),
        }
    }

    /// The one envelope recipient (panics when there are several or none).
    pub fn recipient(&self) -> &str {
        assert_eq!(
            self.rcpt_tos.len(),
            1,
            "one recipient per message, got {:?} for {:?}",
            self.rcpt_tos,
            self.subject
        );
        &self.rcpt_tos[0]
    }
}

pub struct SmtpServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

static AVAILABLE: OnceLock<bool> = OnceLock::new();
static SKIP_NOTICE: std::sync::Once = std::sync::Once::new();

fn strict() -> bool {
    std::env::var("HEARTH_TEST_STRICT").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn aiosmtpd_available() -> bool {
    *AVAILABLE.get_or_init(|| {
        Command::new(PYTHON)
            .args(["-c", "import aiosmtpd.smtp"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("addr").port()
}

impl SmtpServer {
    /// Starts a server on a free port and waits until it takes connections. None (after a
    /// notice, once) when aiosmtpd is not installed and the run is not strict.
    pub async fn start() -> Option<SmtpServer> {
        if !aiosmtpd_available() {
            if strict() {
                panic!(
                    "{PYTHON} cannot import aiosmtpd and HEARTH_TEST_STRICT is set: the mail tests need Debian's python3-aiosmtpd (apt install python3-aiosmtpd)"
                );
            }
            SKIP_NOTICE.call_once(|| {
                // Straight to the process's stderr, past the test harness's capture.
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped: mail tests need Debian's python3-aiosmtpd (apt install python3-aiosmtpd)"
                );
            });
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "hearth-smtp-{}",
            &hearth::auth::hash_token(&hearth::auth::new_token())[..16]
        ));
        std::fs::create_dir_all(&dir).expect("create the mail directory");
        let mut server = SmtpServer {
            port: free_port(),
            dir,
            child: None,
        };
        server.restart().await;
        Some(server)
    }

    /// The URL for `Config::smtp_url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server: connections to its port are refused until [`restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (stopping it first if it runs), keeping the
    /// messages received so far, and waits until it takes connections.
    pub async fn restart(&mut self) {
        self.stop();
        let log = self.dir.join("server.log");
        let stderr = std::fs::File::create(&log).expect("create the server log");
        let child = Command::new(PYTHON)
            .args(["-c", SCRIPT])
            .arg(self.port.to_string())
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("start {PYTHON} with the SMTP sink: {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "the SMTP sink on port {} exited ({status}): {}",
                    self.port,
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP sink did not take connections on port {} within 15 s: {}",
                self.port,
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every message received so far (across restarts), oldest first.
    pub fn messages(&self) -> Vec<ParsedMail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("read the mail directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p)
                    .unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
                let v: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{} is not JSON ({e}): {text}", p.display()));
                ParsedMail::from_json(&v)
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

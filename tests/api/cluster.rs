//! Two instances behind a real load balancer (issue 17): nginx (Debian's package) with the
//! README's configuration in front of two `hearth serve` processes on one PostgreSQL database.
//! While clients sign people in and read pages, each instance is stopped with SIGTERM and
//! started again in turn; no request fails and no acknowledged sign-in is lost.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;

use crate::helpers::*;
use crate::meetings::plan_id;

fn nginx() -> Option<String> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(String::from)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

fn start_instance(url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "--database",
            url,
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--trust-forwarded",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hearth")
}

async fn wait_healthy(port: u16) {
    for _ in 0..400 {
        if reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the instance on port {port} did not start");
}

/// Stops an instance as systemd would (SIGTERM) and waits for it to exit cleanly.
async fn stop_instance(mut child: Child) {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(status.success(), "the instance stopped with {status:?}");
}

struct Nginx {
    dir: std::path::PathBuf,
    binary: String,
    port: u16,
    upstreams: [u16; 2],
}

impl Nginx {
    /// The README's block, listening on plain HTTP on a local port.
    fn start(binary: String, port: u16, upstreams: [u16; 2]) -> Nginx {
        let dir = std::env::temp_dir().join(format!("hearth-nginx-{}", random_hex(8)));
        std::fs::create_dir_all(&dir).expect("dir");
        let nginx = Nginx {
            dir,
            binary,
            port,
            upstreams,
        };
        nginx.write_conf(None);
        let status = Command::new(&nginx.binary)
            .arg("-c")
            .arg(nginx.dir.join("nginx.conf"))
            .arg("-p")
            .arg(&nginx.dir)
            .status()
            .expect("run nginx");
        assert!(
            status.success(),
            "nginx did not start: {}",
            std::fs::read_to_string(nginx.dir.join("error.log")).unwrap_or_default()
        );
        nginx
    }

    /// Takes one instance out of the upstream (`down`), or puts every one back, and reloads
    /// nginx gracefully, as the README's restart steps say.
    async fn set_down(&self, down: Option<usize>) {
        self.write_conf(down);
        let status = Command::new(&self.binary)
            .arg("-c")
            .arg(self.dir.join("nginx.conf"))
            .arg("-p")
            .arg(&self.dir)
            .args(["-s", "reload"])
            .status()
            .expect("reload nginx");
        assert!(status.success(), "nginx did not reload");
        // The new workers take over; the old ones finish what they were doing.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    fn write_conf(&self, down: Option<usize>) {
        let (dir, port) = (&self.dir, self.port);
        let server = |i: usize| {
            let mark = if down == Some(i) { " down" } else { "" };
            format!(
                "server 127.0.0.1:{} fail_timeout=2s{mark};",
                self.upstreams[i]
            )
        };
        let conf = format!(
            "worker_processes 1;
error_log {dir}/error.log;
pid {dir}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream hearth {{ {a} {b} }}
    server {{
        listen 127.0.0.1:{port};
        server_name groups.example.org;
        location / {{
            proxy_pass http://hearth;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
",
            dir = dir.display(),
            a = server(0),
            b = server(1),
        );
        std::fs::write(dir.join("nginx.conf"), conf).expect("conf");
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // What nginx saw, for a failure's report (only printed when the test fails).
        if let Ok(log) = std::fs::read_to_string(self.dir.join("error.log")) {
            eprintln!("nginx's error log:\n{log}");
        }
        let _ = Command::new(&self.binary)
            .arg("-c")
            .arg(self.dir.join("nginx.conf"))
            .arg("-p")
            .arg(&self.dir)
            .args(["-s", "stop"])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_restart_in_turn_behind_nginx_with_nothing_failed_or_lost() {
    let Some(nginx_binary) = nginx() else {
        assert!(
            !strict(),
            "the load balancer test needs nginx (apt install nginx-light) and HEARTH_TEST_STRICT is set"
        );
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"skipped: the load balancer test needs nginx (apt install nginx-light)\n",
        );
        return;
    };
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let w = World::build(&app).await;
    let meeting = plan_id(&w.f1_api, w.group_a, "2027-01-05").await;
    let mut members = Vec::new();
    for i in 0..240 {
        let r = w
            .f1_api
            .post(
                &format!("/api/v1/groups/{}/members", w.group_a),
                &json!({"preferred_name": format!("Person {i:03}")}),
            )
            .await;
        r.expect(201);
        members.push(r.json()["id"].as_i64().expect("id"));
    }
    let schema = app.schema_name().expect("schema").to_string();
    let url = format!(
        "{}?options=-c%20search_path%3D{schema}",
        std::env::var("HEARTH_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
    );
    let ports = [free_port(), free_port()];
    let mut instances = vec![
        start_instance(&url, ports[0]),
        start_instance(&url, ports[1]),
    ];
    wait_healthy(ports[0]).await;
    wait_healthy(ports[1]).await;
    let front = free_port();
    let nginx = Nginx::start(nginx_binary, front, ports);
    let base = format!("http://127.0.0.1:{front}");
    let api = Api::new(&base, w.f1_api.token.clone());
    wait_until_served(&api).await;

    // Clients: sign people in one by one (each a new write) and read pages, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let members = Arc::new(members);
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (api, stop, next, members) = (api.clone(), stop.clone(), next.clone(), members.clone());
        let group = w.group_a;
        clients.spawn(async move {
            let (mut failed, mut signed_in, mut reads) = (Vec::new(), Vec::new(), 0);
            while !stop.load(Ordering::SeqCst) {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(&member) = members.get(i) else { break };
                // Each request on a connection of its own: nginx's reload closes idle kept-alive
                // connections, and reqwest does not retry a request on one it was reusing (a
                // browser does).
                let body = json!({"member_id": member}).to_string().into_bytes();
                let r = api
                    .send(
                        "POST",
                        &format!("/api/v1/meetings/{meeting}/attendance"),
                        Some(("application/json", body)),
                        &[("connection", "close")],
                    )
                    .await;
                if r.status.as_u16() == 201 {
                    signed_in.push(member);
                } else {
                    failed.push(format!("sign-in: {} {}", r.status, r.text));
                }
                for path in [
                    format!("/api/v1/groups/{group}/members"),
                    format!("/api/v1/meetings/{meeting}/attendance"),
                ] {
                    let r = api
                        .send("GET", &path, None, &[("connection", "close")])
                        .await;
                    reads += 1;
                    if r.status.as_u16() != 200 {
                        failed.push(format!("{path}: {} {}", r.status, r.text));
                    }
                }
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
            (failed, signed_in, reads)
        });
    }

    // Restart each instance in turn while the clients run, as docs/operations.md says: take it
    // out of nginx's upstream (reload), stop it with SIGTERM (it finishes what it was sent),
    // start it, wait for /healthz, put it back.
    for (i, port) in ports.into_iter().enumerate() {
        tokio::time::sleep(Duration::from_millis(700)).await;
        nginx.set_down(Some(i)).await;
        let old = instances.remove(0);
        stop_instance(old).await;
        instances.push(start_instance(&url, port));
        wait_healthy(port).await;
        nginx.set_down(None).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    stop.store(true, Ordering::SeqCst);
    let (mut failed, mut acknowledged, mut reads) = (Vec::new(), Vec::new(), 0);
    while let Some(done) = clients.join_next().await {
        let (f, s, r) = done.expect("client");
        failed.extend(f);
        acknowledged.extend(s);
        reads += r;
    }
    assert!(
        acknowledged.len() > 20 && reads > 40,
        "the clients ran: {} sign-ins, {reads} reads",
        acknowledged.len()
    );
    assert!(
        failed.is_empty(),
        "{} requests failed: {failed:?}",
        failed.len()
    );
    // No acknowledged sign-in is lost.
    let rows = w
        .f1_api
        .get(&format!("/api/v1/meetings/{meeting}/attendance"))
        .await;
    let recorded: Vec<i64> = rows.json()["attendance"]
        .as_array()
        .expect("attendance")
        .iter()
        .filter_map(|r| r["member_id"].as_i64())
        .collect();
    let lost: Vec<&i64> = acknowledged
        .iter()
        .filter(|m| !recorded.contains(m))
        .collect();
    assert!(lost.is_empty(), "acknowledged sign-ins lost: {lost:?}");
    for child in instances {
        stop_instance(child).await;
    }
    app.stop().await;
}

async fn wait_until_served(api: &Api) {
    for _ in 0..100 {
        if api.get("/healthz").await.status.as_u16() == 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nginx did not pass requests on");
}

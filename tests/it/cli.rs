//! The `tadamun` binary as an operator uses it: admin commands, configuration
//! layers, a first start with nothing configured, clean shutdown, and a kill
//! right after a write.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{SendChecked, TestCase, TestEnv, alert_body};
use crate::{once, tests};

pub fn cases() -> Vec<TestCase> {
    let mut cases = tests![
        admin_commands_then_serve,
        killing_the_node_after_a_write_loses_nothing,
        peers_commands_drive_a_running_node
    ];
    cases.extend(once![
        configuration_layers,
        first_start_with_nothing_configured,
        bad_commands_fail_clearly,
        bench_reports_every_figure
    ]);
    cases
}

const BIN: &str = env!("CARGO_BIN_EXE_tadamun");

pub fn tadamun(args: &[&str], cwd: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.args(args).current_dir(cwd).env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("TADAMUN_") {
            command.env_remove(key);
        }
    }
    command
}

pub fn run_ok(command: &mut Command) -> String {
    let out = command.output().expect("run tadamun");
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A running `tadamun serve` child and its JSON log lines.
pub struct Served {
    pub child: Child,
    pub lines: mpsc::Receiver<Value>,
    pub base: String,
    pub listening: Value,
    /// Log lines before "listening on".
    before: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        // A failing test must not leave a node running (it would also hold the
        // test runner's output pipe open).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(mut command: Command) -> Served {
    command.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = command.spawn().expect("spawn serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(value) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(value);
            }
        }
    });
    // Owned by a `Served` from here, so that a node that never says it is
    // listening is killed when the test fails, not left running.
    let mut served = Served {
        child,
        lines,
        base: String::new(),
        listening: Value::Null,
        before: Vec::new(),
    };
    let listening = wait_for(&served.lines, "listening on", &mut served.before);
    let message = listening["fields"]["message"].as_str().unwrap();
    served.base = message.trim_start_matches("listening on ").to_string();
    served.listening = listening;
    served
}

fn wait_for(lines: &mpsc::Receiver<Value>, text: &str, before: &mut Vec<String>) -> Value {
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no log line with `{text}`"));
        let message = line["fields"]["message"].as_str().unwrap_or_default();
        if message.contains(text) {
            return line;
        }
        before.push(message.to_string());
    }
}

pub fn serve_args(database_url: &str) -> Vec<String> {
    [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--log-format",
        "json",
        "--database-url",
        database_url,
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

pub fn admin(cwd: &Path, database_url: &str, args: &[&str]) -> String {
    let mut all = vec!["admin"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--database-url", database_url]);
    run_ok(&mut tadamun(&all, cwd))
}

async fn admin_commands_then_serve(env: TestEnv) {
    let dir = env.temp_dir();
    let url = env.new_database_url().await;
    let out = admin(
        &dir,
        &url,
        &["create-org", "--slug", "green", "--name", "Green Advocates"],
    );
    assert!(out.contains("created organisation green"), "{out}");
    let out = admin(
        &dir,
        &url,
        &["create-user", "--org", "green", "--role", "admin", "--username", "ada"],
    );
    assert!(out.contains("password (shown once): "), "{out}");
    assert!(out.contains("otpauth://totp/"), "admins enrol a second factor: {out}");

    let mut with_password = tadamun(
        &[
            "admin",
            "create-user",
            "--org",
            "green",
            "--role",
            "member",
            "--username",
            "mia",
            "--password-stdin",
            "--database-url",
            &url,
        ],
        &dir,
    );
    with_password.stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut child = with_password.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a chosen long password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("password (shown once)"));

    let token = admin(&dir, &url, &["create-token", "--username", "ada"])
        .trim()
        .to_string();
    assert!(token.starts_with("tdm_"), "{token}");

    let mut served = serve(tadamun(
        &serve_args(&url).iter().map(String::as_str).collect::<Vec<_>>(),
        &dir,
    ));
    let http = reqwest::Client::new();
    let me: Value = http
        .get(format!("{}/api/v1/me", served.base))
        .bearer_auth(&token)
        .send_checked()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["username"], "ada");
    let signed_in = http
        .post(format!("{}/api/v1/auth/token", served.base))
        .json(&serde_json::json!({"username": "mia", "password": "a chosen long password"}))
        .send_checked()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::CREATED);

    // SIGTERM: in-flight work finishes and the node stops cleanly.
    unsafe { libc::kill(served.child.id() as i32, libc::SIGTERM) };
    wait_for(&served.lines, "stopped cleanly", &mut Vec::new());
    let status = served.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

async fn killing_the_node_after_a_write_loses_nothing(env: TestEnv) {
    let dir = env.temp_dir();
    let url = env.new_database_url().await;
    admin(
        &dir,
        &url,
        &["create-org", "--slug", "green", "--name", "Green Advocates"],
    );
    admin(
        &dir,
        &url,
        &["create-user", "--org", "green", "--role", "member", "--username", "mia"],
    );
    let token = admin(&dir, &url, &["create-token", "--username", "mia"])
        .trim()
        .to_string();
    let args = serve_args(&url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let http = reqwest::Client::new();

    let mut ids = Vec::new();
    for _ in 0..3 {
        let mut served = serve(tadamun(&args, &dir));
        let resp = http
            .post(format!("{}/api/v1/alerts", served.base))
            .bearer_auth(&token)
            .json(&alert_body())
            .send_checked()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        // SIGKILL the moment the 2xx is in: no shutdown, no flush.
        served.child.kill().unwrap();
        served.child.wait().unwrap();
        ids.push(resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
    }
    let mut served = serve(tadamun(&args, &dir));
    for id in &ids {
        let resp = http
            .get(format!("{}/api/v1/alerts/{id}", served.base))
            .bearer_auth(&token)
            .send_checked()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "alert {id} lost");
        let alert: Value = resp.json().await.unwrap();
        assert_eq!(
            alert["local_only"]["exact_location"],
            "14.1234,-91.5678 SECRET-LOCATION"
        );
        let history: Value = http
            .get(format!("{}/api/v1/alerts/{id}/history", served.base))
            .bearer_auth(&token)
            .send_checked()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(history["items"].as_array().unwrap().len(), 1);
    }
    served.child.kill().unwrap();
    served.child.wait().unwrap();
}

async fn configuration_layers(env: TestEnv) {
    let dir = env.temp_dir();
    let config = dir.join("node.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:1\"\ndomain = \"from-file.example\"\ndatabase_url = \"sqlite://{}/file.db\"\nlog_format = \"json\"\n",
            dir.display()
        ),
    )
    .unwrap();
    // File < environment < flags: the flag's listen wins, the environment's
    // domain wins, the file's database and log format stay.
    let mut command = tadamun(
        &["serve", "--config", config.to_str().unwrap(), "--listen", "127.0.0.1:0"],
        &dir,
    );
    command
        .env("TADAMUN_DOMAIN", "From-Env.Example.")
        .env("TADAMUN_LISTEN", "127.0.0.1:2");
    let mut served = serve(command);
    assert_eq!(served.listening["fields"]["domain"], "from-env.example", "normalised");
    assert!(
        served.listening["fields"]["database"]
            .as_str()
            .unwrap()
            .ends_with("/file.db")
    );
    assert!(dir.join("file.db").exists());
    assert!(
        !served.before.join("\n").contains("DEVELOPMENT MODE"),
        "a domain other than localhost is not development mode unless asked"
    );
    served.child.kill().unwrap();
    served.child.wait().unwrap();
}

async fn first_start_with_nothing_configured(env: TestEnv) {
    let dir = env.temp_dir();
    // Only the port is chosen, so that the test does not depend on 8080 being free.
    let mut served = serve(tadamun(
        &["serve", "--listen", "127.0.0.1:0", "--log-format", "json"],
        &dir,
    ));
    assert!(dir.join("data/tadamun.db").exists(), "SQLite under ./data");
    {
        // The data directory and the database's files are the node's user's alone.
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| std::fs::metadata(dir.join(p)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("data"), 0o700);
        for file in ["data/tadamun.db", "data/tadamun.db-wal", "data/tadamun.db-shm"] {
            assert_eq!(mode(file), 0o600, "{file}");
        }
    }
    let port = served.base.rsplit(':').next().unwrap().to_string();
    assert_eq!(served.listening["fields"]["domain"], format!("localhost:{port}"));
    let early = served.before.join("\n");
    assert!(
        early.contains("DEVELOPMENT MODE"),
        "development mode is logged clearly: {early}"
    );
    assert!(
        early.contains("tadamun admin create-user --org my-org --role admin"),
        "first start says how to create an admin: {early}"
    );
    let ready = reqwest::get(format!("{}/readyz", served.base)).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    unsafe { libc::kill(served.child.id() as i32, libc::SIGTERM) };
    wait_for(&served.lines, "stopped cleanly", &mut Vec::new());
    assert!(served.child.wait().unwrap().success());
}

async fn bad_commands_fail_clearly(env: TestEnv) {
    let dir = env.temp_dir();
    let url = format!("sqlite://{}/x.db", dir.display());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "admin",
                "create-user",
                "--org",
                "green",
                "--role",
                "boss",
                "--username",
                "x",
                "--database-url",
                &url,
            ],
            "one of: viewer, member, coordinator, admin",
        ),
        (
            vec![
                "admin",
                "create-user",
                "--org",
                "nowhere",
                "--role",
                "member",
                "--username",
                "x",
                "--database-url",
                &url,
            ],
            "no organisation `nowhere`",
        ),
        (
            vec![
                "admin",
                "create-org",
                "--slug",
                "Bad Slug",
                "--name",
                "X",
                "--database-url",
                &url,
            ],
            "slug",
        ),
        (
            vec!["admin", "create-token", "--username", "ghost", "--database-url", &url],
            "no user `ghost`",
        ),
        (vec!["serve", "--listen", "not-an-address"], "ADDR:PORT"),
        (vec!["serve", "--domain", "https://x.example/"], "HOST or HOST:PORT"),
        (vec!["serve", "--database-url", "mysql://x"], "unsupported database URL"),
        (
            vec!["serve", "--listen", "0.0.0.0:0"],
            "would expose a development-mode node",
        ),
        (
            vec!["serve", "--config", "/nonexistent/tadamun.toml"],
            "cannot read the configuration file",
        ),
    ];
    for (args, expected) in cases {
        let out = tadamun(&args, &dir).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(expected),
            "{args:?}: expected `{expected}` in:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let bad_toml = dir.join("bad.toml");
    std::fs::write(&bad_toml, "listen = 8080\nunknown_key = 1\n").unwrap();
    let out = tadamun(&["serve", "--config", bad_toml.to_str().unwrap()], &dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not valid"));
}

async fn peers_commands_drive_a_running_node(env: TestEnv) {
    let dir = env.temp_dir();
    let url = env.new_database_url().await;
    let other = crate::support::TestNode::spawn(&env).await;
    let mut served = serve(tadamun(
        &serve_args(&url).iter().map(String::as_str).collect::<Vec<_>>(),
        &dir,
    ));
    let domain = served.listening["fields"]["domain"].as_str().unwrap().to_string();
    let peers = |args: &[&str]| {
        let mut all = vec!["peers"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--database-url", &url, "--domain", &domain]);
        tadamun(&all, &dir).output().unwrap()
    };

    let out = peers(&["add", &other.base, "--trust", "trusted"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("{}\ttrusted\ttheir answer: requested", other.host()))
    );

    // The running node's delivery worker sends the queued Follow.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(peer) = tadamun::services::peers::get(&other.state, &domain).await {
            assert_eq!(peer.trust, tadamun::domain::vocab::Trust::Pending);
            assert!(peer.awaiting_decision);
            break;
        }
        if std::time::Instant::now() > deadline {
            let log: Vec<String> = served.lines.try_iter().map(|l| l.to_string()).collect();
            panic!("the Follow never arrived; the node logged:\n{}", log.join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let out = peers(&["list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&other.host()));
    let out = peers(&["set", &other.host().to_uppercase(), "connected"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("{}\tconnected", other.host())),
        "{out:?}"
    );
    let out = peers(&["block", &other.host()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{}\tblocked", other.host())));
    for bad in [
        vec!["set", "x.example", "pending"],
        vec!["set", "x.example", "friends"],
        vec!["add", "not a url"],
    ] {
        let out = peers(&bad);
        assert!(!out.status.success(), "{bad:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
    let _ = served.child.kill();
    other.stop().await;
}

/// The benchmark runs from its documented command and reports every figure
/// and ratio (the figures themselves are the machine's, not asserted).
async fn bench_reports_every_figure(env: TestEnv) {
    let out = tadamun(&["bench", "--quick"], &env.temp_dir()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "RSA-2048 signatures/s",
        "HTTP-signature verifications/s",
        "committed single-row transactions/s",
        "deliveries/s =",
        "of the signing ceiling",
        "alert stored on all peers p50",
        "p99",
        "signed, verified, stored activities/s",
        "of the lower of the verification and commit ceilings",
        "ms per delivery, of which its RSA signature",
        "ms per activity",
        "what bounds fan-out on this machine",
        "could reach at most",
        "a quarter of a signature",
        "dashboard, first page",
        "alert page, ours",
        "alert page, from the network",
        "of 50 ms",
        "of 60 KB",
        "to the message in an SMTP server's mailbox",
        "of the 5 s target",
        "the analysis page",
        "of 200 ms",
        "counts kept ready against counted from the facts",
        "times faster",
    ] {
        assert!(text.contains(expected), "`{expected}` missing from:\n{text}");
    }
    // Options it cannot use are refused with what it accepts, before any work.
    for (args, named) in [
        (&["bench", "--peers", "0"][..], "--peers"),
        (&["bench", "--only", "everything"][..], "fan-out, inbox"),
        (&["bench", "--alerts", "0"][..], "--alerts"),
    ] {
        let out = tadamun(args, &env.temp_dir()).output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains(named), "{args:?}: {said}");
    }
}

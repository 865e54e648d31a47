//! Real processes killed at the worst moment: nothing is lost, nothing is
//! sent twice in effect, and a second process on the same database finishes
//! the work of one that died.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Trust;

use crate::cli::{admin, serve, serve_args, tadamun};
use crate::federation::titled;
use crate::support::{FakePeer, SendChecked, TestCase, TestEnv, TestNode, stable_port};
use crate::{postgres_only, tests};

pub fn cases() -> Vec<TestCase> {
    let mut cases = tests![sigkill_mid_fan_out_loses_and_duplicates_nothing];
    cases.extend(postgres_only![two_processes_share_one_database_without_double_sending]);
    cases
}

/// A node run as a child process, with a coordinator token.
struct ChildNode {
    dir: std::path::PathBuf,
    url: String,
    token: String,
    admin_token: String,
}

impl ChildNode {
    async fn prepare(env: &TestEnv) -> ChildNode {
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
            &[
                "create-user",
                "--org",
                "green",
                "--role",
                "coordinator",
                "--username",
                "cora",
            ],
        );
        admin(
            &dir,
            &url,
            &["create-user", "--org", "green", "--role", "admin", "--username", "ada"],
        );
        let token = admin(&dir, &url, &["create-token", "--username", "cora"])
            .trim()
            .to_string();
        let admin_token = admin(&dir, &url, &["create-token", "--username", "ada"])
            .trim()
            .to_string();
        ChildNode {
            dir,
            url,
            token,
            admin_token,
        }
    }

    /// Serves on `listen` as `domain`, with short delivery leases.
    fn start(&self, listen: &str, domain: &str) -> crate::cli::Served {
        let mut args = serve_args(&self.url);
        args[2] = listen.to_string();
        args.extend([
            "--domain".to_string(),
            domain.to_string(),
            "--delivery-lease-seconds".into(),
            "8".into(),
        ]);
        serve(tadamun(&args.iter().map(String::as_str).collect::<Vec<_>>(), &self.dir))
    }
}

/// The node at `base` asks the node at `peer` to federate, through its API.
async fn add_peer(http: &reqwest::Client, base: &str, admin_token: &str, peer: &str) {
    let resp = http
        .post(format!("{base}/api/v1/peers"))
        .bearer_auth(admin_token)
        .json(&json!({"url": peer, "trust": "connected"}))
        .send_checked()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

async fn publish(http: &reqwest::Client, base: &str, token: &str, title: &str) {
    let resp = http
        .post(format!("{base}/api/v1/alerts"))
        .bearer_auth(token)
        .json(&titled(title, "network"))
        .send_checked()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let id = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    for step in ["submit", "publish"] {
        let resp = http
            .post(format!("{base}/api/v1/alerts/{id}/{step}"))
            .bearer_auth(token)
            .send_checked()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
}

/// Waits (at most 90 s) until an async condition holds.
macro_rules! wait_until {
    ($what:expr, $check:expr) => {{
        let deadline = Instant::now() + Duration::from_secs(90);
        while !$check {
            assert!(Instant::now() < deadline, "timed out waiting until {}", $what);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }};
}

async fn sigkill_mid_fan_out_loses_and_duplicates_nothing(env: TestEnv) {
    const PEERS: usize = 20;
    const ALERTS: usize = 4;
    let a = ChildNode::prepare(&env).await;
    let port = stable_port();
    let (listen, domain) = (format!("127.0.0.1:{port}"), format!("localhost:{port}"));
    let mut served = a.start(&listen, &domain);
    let http = reqwest::Client::new();

    let mut peers = Vec::new();
    for _ in 0..PEERS {
        peers.push(TestNode::spawn(&env).await);
    }
    for p in &peers {
        add_peer(&http, &served.base, &a.admin_token, &p.base).await;
        // Each peer approves A at once.
        tadamun::services::peers::set(&p.state, &domain, Trust::Connected, None)
            .await
            .unwrap();
        p.deliver().await;
    }

    // Publish, and kill the node the moment the last publication returns,
    // while it is fanning out.
    for n in 0..ALERTS {
        publish(&http, &served.base, &a.token, &format!("Alert {n}")).await;
    }
    served.child.kill().unwrap();
    served.child.wait().unwrap();
    let delivered_before: usize = {
        let mut n = 0;
        for p in &peers {
            n += p.count("remote_alerts").await as usize;
        }
        n
    };

    let _back = a.start(&listen, &domain);
    for (i, p) in peers.iter().enumerate() {
        wait_until!(
            format!("peer {i} has every alert"),
            p.count("remote_alerts").await == ALERTS as i64
        );
    }
    for p in &peers {
        // Exactly once in effect: one row per alert, one processed Create each.
        let (creates,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM received_activities WHERE actor LIKE '%/orgs/green'")
                .fetch_one(&p.db().pool)
                .await
                .unwrap();
        assert_eq!(creates, ALERTS as i64);
        assert_eq!(p.count("remote_alerts").await, ALERTS as i64);
    }
    eprintln!(
        "before the kill {delivered_before} of {} deliveries had arrived",
        PEERS * ALERTS
    );
}

async fn two_processes_share_one_database_without_double_sending(env: TestEnv) {
    const PEERS: usize = 5;
    let a = ChildNode::prepare(&env).await;
    let port = stable_port();
    let domain = format!("localhost:{port}");
    let mut first = a.start(&format!("127.0.0.1:{port}"), &domain);
    let mut second = a.start("127.0.0.1:0", &domain);
    let http = reqwest::Client::new();
    let mut peers = Vec::new();
    for _ in 0..PEERS {
        let p = FakePeer::start().await;
        add_peer(&http, &first.base, &a.admin_token, &p.base).await;
        peers.push(p);
    }

    // Both processes' workers compete for the same queues: each Create reaches each peer once.
    for n in 0..10 {
        let base = if n % 2 == 0 { &first.base } else { &second.base };
        publish(&http, base, &a.token, &format!("Shared {n}")).await;
    }
    for p in &peers {
        wait_until!("all ten reached the peer", p.creates().0 == 10);
    }
    for p in &peers {
        assert_eq!(p.creates(), (10, 1), "each activity exactly once");
    }

    // One process dies mid-way: the other takes over its peers and finishes.
    for n in 10..20 {
        publish(&http, &second.base, &a.token, &format!("Shared {n}")).await;
    }
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    for p in &peers {
        wait_until!("the survivor finished the work", p.creates().0 == 20);
    }
    let _ = second.child.kill();
}

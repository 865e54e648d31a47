//! What an operator watches: the metrics (queues, alerts by status, answers
//! and inbox outcomes, sign-in failures and lockouts), request ids in the
//! answers and the structured logs, and `tadamun status`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cli::{serve, serve_args, tadamun};
use crate::federation::{Member, peer, titled};
use crate::support::{TestCase, TestEnv, deliver_all};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        metrics_and_status_show_what_an_operator_needs,
        each_request_has_an_id_in_its_answer_and_its_logs,
    ]
}

fn value_of(metrics: &str, series: &str) -> Option<i64> {
    metrics
        .lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn metrics_and_status_show_what_an_operator_needs(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    a.publish(titled("Open and delivered", "network")).await;
    deliver_all(&[&a.node, &b.node]).await;
    a.publish(titled("Queued", "network")).await;

    // Wrong passwords until the account is locked out.
    let mut locked = false;
    for _ in 0..12 {
        let response = a
            .node
            .http
            .post(format!("{}/api/v1/auth/token", a.node.base))
            .json(&json!({"username": "green-admin", "password": "not the password"}))
            .send()
            .await
            .unwrap();
        locked |= response.status() == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(locked, "the account was locked out");
    // An activity the inbox refuses.
    let refused = a
        .node
        .http
        .post(format!("{}/inbox", a.node.base))
        .header("content-type", "application/activity+json")
        .body("{\"not\": \"an activity\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    let response = a
        .node
        .http
        .get(format!("{}/api/v1/metrics", a.node.base))
        .bearer_auth(&a.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let metrics = response.text().await.unwrap();
    let b_host = b.node.host();
    assert_eq!(
        value_of(&metrics, "tadamun_alerts{status=\"open\"}"),
        Some(2),
        "{metrics}"
    );
    assert_eq!(
        value_of(&metrics, &format!("tadamun_outbox_pending{{peer=\"{b_host}\"}}")),
        Some(1),
        "{metrics}"
    );
    assert_eq!(
        value_of(&metrics, "tadamun_inbox_activities_total{status=\"400\"}"),
        Some(1),
        "{metrics}"
    );
    assert!(
        value_of(&metrics, "tadamun_inbox_activities_total{status=\"202\"}").unwrap_or(0) >= 1,
        "the Accept of the peering was taken: {metrics}"
    );
    assert!(
        value_of(&metrics, "tadamun_http_responses_total{route=\"api\",status=\"429\"}").unwrap_or(0) >= 1,
        "{metrics}"
    );
    assert!(
        value_of(&metrics, "tadamun_sign_in_failures_recent").unwrap() >= 10,
        "{metrics}"
    );
    assert!(
        value_of(&metrics, "tadamun_sign_in_lockouts_recent").unwrap() >= 1,
        "{metrics}"
    );
    assert!(
        value_of(&metrics, "tadamun_sign_in_lockouts_total").unwrap() >= 1,
        "{metrics}"
    );

    // The same, in one screen, from the command line on the node's database.
    let database_url = a.node.state.config.database_url.clone();
    let out = tadamun(&["status", "--database-url", &database_url], &env.temp_dir())
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}{}", String::from_utf8_lossy(&out.stderr));
    assert!(screen.contains("ready: every migration applied"), "{screen}");
    assert!(screen.contains("2 open"), "{screen}");
    let peer_line = screen
        .lines()
        .find(|l| l.contains(&b_host))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        peer_line.contains("connected") && peer_line.contains("1 queued"),
        "{peer_line}"
    );
    assert!(screen.contains("lockouts"), "{screen}");
    let out = tadamun(
        &[
            "status",
            "--data-dir",
            &env.temp_dir().join("nothing-here").display().to_string(),
        ],
        &env.temp_dir(),
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database"));
}

async fn each_request_has_an_id_in_its_answer_and_its_logs(env: TestEnv) {
    let url = env.new_database_url().await;
    let node = serve(tadamun(
        &serve_args(&url).iter().map(String::as_str).collect::<Vec<_>>(),
        &env.temp_dir(),
    ));
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let answer = client
            .post(format!("{}/inbox", node.base))
            .header("content-type", "application/activity+json")
            .header("x-request-id", "chosen-by-the-client")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
        ids.push(answer.headers()["x-request-id"].to_str().unwrap().to_string());
    }
    assert_ne!(ids[0], ids[1], "each request has its own id");
    assert!(
        !ids.contains(&"chosen-by-the-client".to_string()),
        "the node makes the id"
    );
    // The log line about the refusal carries the request's id.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut found = false;
    while !found && std::time::Instant::now() < deadline {
        let Ok(line): Result<Value, _> = node.lines.recv_timeout(std::time::Duration::from_secs(1)) else {
            continue;
        };
        found = line["fields"]["message"] == "inbox refused an activity" && line.to_string().contains(&ids[0]);
    }
    assert!(found, "no log line of the refusal with request id {}", ids[0]);
}

//! Organisations' webhooks: a real HTTP receiver on a loopback port captures
//! each delivery as it came (headers and raw body), and the Standard Webhooks
//! reference library (Python, from PyPI) checks the signatures, so that the
//! node's signing is checked by an implementation that is not its own.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::federation::titled;
use crate::notifications::python_tools;
use crate::support::*;
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        webhooks_are_signed_redacted_retried_and_logged,
        only_an_organisations_admins_manage_its_webhooks,
    ]
}

/// One delivery as the receiver got it.
#[derive(Debug, Clone)]
struct Captured {
    headers: BTreeMap<String, String>,
    body: String,
}

impl Captured {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// An HTTP server that keeps what is POSTed to it and answers a status the
/// test sets.
struct Receiver {
    url: String,
    captured: Arc<Mutex<Vec<Captured>>>,
    answer: Arc<AtomicU16>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://localhost:{}/hook", listener.local_addr().unwrap().port());
        let captured: Arc<Mutex<Vec<Captured>>> = Arc::default();
        let answer = Arc::new(AtomicU16::new(204));
        let (c, a) = (captured.clone(), answer.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let (c, a) = (c.clone(), a.clone());
                async move {
                    let headers = headers
                        .iter()
                        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
                        .collect();
                    c.lock().unwrap().push(Captured { headers, body });
                    StatusCode::from_u16(a.load(Ordering::SeqCst)).unwrap()
                }
            }),
        );
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, captured, answer }
    }

    fn all(&self) -> Vec<Captured> {
        self.captured.lock().unwrap().clone()
    }
}

/// What the reference library says of each delivery with `secret`.
async fn verify(secret: &str, deliveries: &[Captured]) -> Vec<String> {
    let python = tokio::task::spawn_blocking(python_tools).await.unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/notices/verify_webhook.py");
    let input: Vec<Value> = deliveries
        .iter()
        .map(|d| json!({"body": d.body, "headers": d.headers}))
        .collect();
    let secret = secret.to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = Command::new(python)
            .arg(script)
            .arg(secret)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(Value::from(input).to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    })
    .await
    .unwrap()
}

async fn send(node: &TestNode) -> usize {
    tadamun::services::webhooks::send_due(&node.state)
        .await
        .expect("send webhooks")
}

/// Publishes an alert; returns its id (numbers repeat across organisations).
async fn publish(node: &TestNode, token: &str, body: &Value) -> String {
    let (status, alert) = node.post(token, "/api/v1/alerts", body).await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let id = alert["id"].as_str().unwrap().to_string();
    for step in ["submit", "publish"] {
        let (status, body) = node
            .post(token, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{step}: {body}");
    }
    id
}

async fn webhooks_are_signed_redacted_retried_and_logged(env: TestEnv) {
    let receiver = Receiver::start().await;
    let node = TestNode::spawn(&env).await;
    let admin = node.staff("green", Role::Admin, "green-admin").await;
    let green_coordinator = node.staff("green", Role::Coordinator, "green-coord").await;
    let blue = node.staff("blue", Role::Coordinator, "blue-coord").await;
    let (status, made) = node
        .post(
            &admin,
            "/api/v1/organisation/webhooks",
            &json!({"url": receiver.url, "description": "Signal relay", "subscription": {"min_urgency": "expected"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let hook = made["webhook"]["id"].as_str().unwrap().to_string();
    let secret = made["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{made}");
    let (_, list) = node.get(&admin, "/api/v1/organisation/webhooks").await;
    assert!(!list.to_string().contains(&secret), "the secret is shown once: {list}");

    // A test event, checked by the reference library.
    let (status, queued) = node
        .post(
            &admin,
            &format!("/api/v1/organisation/webhooks/{hook}/test"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(send(&node).await, 1);
    let got = receiver.all();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert_eq!(got[0].headers["webhook-id"], queued["id"].as_str().unwrap());
    assert_eq!(verify(&secret, &got).await, ["ok"]);
    // The verifier does fail: another secret, and a body changed on the way.
    let other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let mut tampered = got[0].clone();
    tampered.body = tampered.body.replace("webhook.test", "webhook.tset");
    assert!(verify(other, &got).await[0].starts_with("bad"));
    assert!(verify(&secret, &[tampered]).await[0].starts_with("bad"));

    // Another organisation's alerts: the trusted one by its number and link only.
    let mut trusted = titled("Trusted-only case", "trusted");
    trusted["summary"] = json!({"en": "SUMMARY-TEXT"});
    let trusted_id = publish(&node, &blue, &trusted).await;
    let network_id = publish(&node, &blue, &titled("Network-wide case", "network")).await;
    // Its own organisation's: review requested, then published.
    let own_id = publish(&node, &green_coordinator, &titled("Our own case", "public")).await;
    assert_eq!(send(&node).await, 4);
    let got = receiver.all();
    assert_eq!(verify(&secret, &got).await, ["ok"; 5]);
    let about = |id: &str| -> Vec<Captured> {
        got.iter()
            .filter(|d| {
                d.json()["data"]["alert"]["link"]
                    .as_str()
                    .is_some_and(|l| l.contains(id))
            })
            .cloned()
            .collect()
    };
    let by_id = |id: &str| {
        let found = about(id);
        assert_eq!(found.len(), 1, "{id}: {got:?}");
        found[0].clone()
    };
    let limited = by_id(&trusted_id);
    assert_eq!(limited.json()["type"], "alert.local_alert");
    assert!(
        limited.json()["data"]["alert"]["link"]
            .as_str()
            .unwrap()
            .ends_with("/view")
    );
    for content in ["Trusted-only", "SUMMARY-TEXT", "SECRET", "urgency", "GT"] {
        assert!(!limited.body.contains(content), "{content} in {}", limited.body);
    }
    let network = by_id(&network_id).json();
    assert_eq!(network["data"]["alert"]["title"]["en"], "Network-wide case");
    assert!(!by_id(&network_id).body.contains("SECRET"));
    let mut own: Vec<String> = about(&own_id)
        .iter()
        .map(|d| d.json()["type"].as_str().unwrap().to_string())
        .collect();
    own.sort();
    assert_eq!(own, ["alert.published", "alert.review_requested"]);

    // Rotation: both secrets sign for a while, each one checks.
    let (status, rotated) = node
        .post(
            &admin,
            &format!("/api/v1/organisation/webhooks/{hook}/rotate-secret"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);
    node.post(
        &admin,
        &format!("/api/v1/organisation/webhooks/{hook}/test"),
        &json!({}),
    )
    .await;
    assert_eq!(send(&node).await, 1);
    let last = receiver.all().last().unwrap().clone();
    assert_eq!(last.headers["webhook-signature"].split(' ').count(), 2, "{last:?}");
    assert_eq!(verify(&new_secret, std::slice::from_ref(&last)).await, ["ok"]);
    assert_eq!(verify(&secret, std::slice::from_ref(&last)).await, ["ok"]);
    node.clock.advance(chrono::Duration::hours(25));
    node.post(
        &admin,
        &format!("/api/v1/organisation/webhooks/{hook}/test"),
        &json!({}),
    )
    .await;
    assert_eq!(send(&node).await, 1);
    let last = receiver.all().last().unwrap().clone();
    assert!(verify(&secret, std::slice::from_ref(&last)).await[0].starts_with("bad"));
    assert_eq!(verify(&new_secret, std::slice::from_ref(&last)).await, ["ok"]);

    // A receiver that fails: retried with backoff, under the same id.
    receiver.answer.store(503, Ordering::SeqCst);
    let before = receiver.all().len();
    let (_, queued) = node
        .post(
            &admin,
            &format!("/api/v1/organisation/webhooks/{hook}/test"),
            &json!({}),
        )
        .await;
    assert_eq!(send(&node).await, 1);
    assert_eq!(send(&node).await, 0, "not before its retry time");
    let path = format!("/api/v1/organisation/webhooks/{hook}/deliveries");
    let (status, log) = node.get(&admin, &path).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    assert_eq!(log["items"][0]["state"], "pending", "{log}");
    assert_eq!(log["items"][0]["last_status"], 503, "{log}");
    receiver.answer.store(200, Ordering::SeqCst);
    node.clock.advance(chrono::Duration::seconds(6));
    assert_eq!(send(&node).await, 1);
    let (_, log) = node.get(&admin, &path).await;
    assert_eq!(log["items"][0]["state"], "delivered", "{log}");
    assert_eq!(log["items"][0]["attempts"], 2, "{log}");
    let tries: Vec<Captured> = receiver.all()[before..].to_vec();
    assert_eq!(tries.len(), 2);
    for attempt in &tries {
        assert_eq!(attempt.headers["webhook-id"], queued["id"].as_str().unwrap());
    }
    assert_eq!(verify(&new_secret, &tries).await, ["ok", "ok"]);

    // Deleted: nothing more goes to it.
    let (status, _) = node
        .call(
            reqwest::Method::DELETE,
            Some(&admin),
            &format!("/api/v1/organisation/webhooks/{hook}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    publish(&node, &blue, &titled("After deletion", "public")).await;
    assert_eq!(send(&node).await, 0);
}

async fn only_an_organisations_admins_manage_its_webhooks(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let admin = node.staff("green", Role::Admin, "green-admin").await;
    let coordinator = node.staff("green", Role::Coordinator, "green-coord").await;
    let other_admin = node.staff("blue", Role::Admin, "blue-admin").await;
    let (status, _) = node.get(&coordinator, "/api/v1/organisation/webhooks").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let body = json!({"url": "http://localhost:9/hook", "subscription": {}});
    let (status, _) = node.post(&coordinator, "/api/v1/organisation/webhooks", &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, made) = node.post(&admin, "/api/v1/organisation/webhooks", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let hook = made["webhook"]["id"].as_str().unwrap();
    // Another organisation's admin: the same 404 as for none.
    for path in [
        format!("/api/v1/organisation/webhooks/{hook}/deliveries"),
        "/api/v1/organisation/webhooks/none/deliveries".to_string(),
    ] {
        let (status, _) = node.get(&other_admin, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in ["test", "rotate-secret"] {
        let (status, _) = node
            .post(
                &other_admin,
                &format!("/api/v1/organisation/webhooks/{hook}/{path}"),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = node
        .call(
            reqwest::Method::DELETE,
            Some(&other_admin),
            &format!("/api/v1/organisation/webhooks/{hook}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = node
        .call(
            reqwest::Method::DELETE,
            Some(&coordinator),
            &format!("/api/v1/organisation/webhooks/{hook}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Bad input, field by field.
    let (status, refused) = node
        .post(
            &admin,
            "/api/v1/organisation/webhooks",
            &json!({"url": "ftp://bridge", "description": "x".repeat(201), "subscription": {"countries": ["ZZ"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    for field in ["url", "description", "subscription.countries[0]"] {
        assert!(refused["fields"].get(field).is_some(), "{field}: {refused}");
    }
    let (status, list) = node.get(&admin, "/api/v1/organisation/webhooks").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

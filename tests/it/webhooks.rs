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
        an_admin_manages_webhooks_on_the_organisation_pages,
        webhook_secrets_are_sealed_at_rest,
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

/// A browser session (cookie, no script) of a new admin of `org`.
struct PageSession {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl PageSession {
    async fn admin(node: &TestNode, org: &str, username: &str) -> (PageSession, String) {
        const PASSWORD: &str = "a long webhook admin password";
        let (token, totp) = node.staff_with_password(org, Role::Admin, username, PASSWORD).await;
        let secret = url::Url::parse(&totp.expect("admins have a second factor"))
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "secret")
            .unwrap()
            .1
            .to_string();
        let code = tadamun::services::accounts::current_totp_code(&secret, node.clock_now()).unwrap();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = post_login(
            &client,
            &node.base,
            &[("username", username), ("password", PASSWORD), ("code", &code)],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{username} signs in");
        let cookie = set_cookie(&resp, "tadamun_session").expect("a session");
        let session = PageSession {
            client,
            base: node.base.clone(),
            cookie,
        };
        (session, token)
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// The form token of the page at `path`.
    async fn token(&self, path: &str) -> String {
        let (_, html) = self.get(path).await;
        let marker = "name=\"form_token\" value=\"";
        let start = html.find(marker).expect("a form token") + marker.len();
        html[start..].split('"').next().unwrap().to_string()
    }

    /// Posts a form as the page does; the status, where it sends to, the page.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().copied())
            .finish();
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (resp.status(), location, resp.text().await.unwrap())
    }
}

/// The text of the element with `id` (its first text, trimmed).
fn element_text(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id} in {html}"));
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    rest[open..].split('<').next().unwrap().trim().to_string()
}

async fn an_admin_manages_webhooks_on_the_organisation_pages(env: TestEnv) {
    let receiver = Receiver::start().await;
    let node = TestNode::spawn(&env).await;
    let (page, api) = PageSession::admin(&node, "green", "green-admin").await;
    let (status, html) = page.get("/organisation").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"href="/organisation/webhooks""#),
        "linked from /organisation: {html}"
    );
    let (status, html) = page.get("/organisation/webhooks").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"id="no-webhooks""#), "{html}");
    let token = page.token("/organisation/webhooks").await;

    // Without the form token: refused, nothing made.
    let (status, _, _) = page
        .post("/organisation/webhooks", &[("url", receiver.url.as_str())])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A bad address: the form again, the error by its field, what was typed kept.
    let (status, _, html) = page
        .post(
            "/organisation/webhooks",
            &[
                ("form_token", &token),
                ("url", "ftp://bridge"),
                ("description", "Typed"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="url-error""#), "{html}");
    assert!(html.contains(r#"value="Typed""#), "{html}");
    let (_, list) = node.get(&api, "/api/v1/organisation/webhooks").await;
    assert_eq!(list["items"], json!([]), "{list}");

    // Added: the secret shown once, on the page that follows.
    let (status, _, html) = page
        .post(
            "/organisation/webhooks",
            &[
                ("form_token", &token),
                ("url", &receiver.url),
                ("description", "Signal relay"),
                ("own_organisation", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let secret = element_text(&html, "webhook-secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    let (_, list) = node.get(&api, "/api/v1/organisation/webhooks").await;
    let hook = list["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(list["items"][0]["description"], "Signal relay");
    assert_eq!(
        list["items"][0]["subscription"]["responses"], false,
        "its box was not ticked"
    );
    let hook_page = format!("/organisation/webhooks/{hook}");
    let (_, html) = page.get("/organisation/webhooks").await;
    assert!(html.contains(&hook_page) && html.contains(&receiver.url), "{html}");
    assert!(!html.contains(&secret), "shown once only");

    // A test message, checked by the reference library; the log shows it delivered.
    let (status, location, _) = page.post(&format!("{hook_page}/test"), &[("form_token", &token)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("{hook_page}?done=test"));
    assert_eq!(send(&node).await, 1);
    let got = receiver.all();
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert_eq!(verify(&secret, &got).await, ["ok"]);
    let (status, html) = page.get(&location).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"id="notice""#), "{html}");
    assert!(html.contains(r#"data-state="delivered""#), "{html}");
    assert!(html.contains("Test message"), "{html}");

    // A new secret, once; the next message checks with it (and with the old, for a day).
    let (status, _, html) = page
        .post(&format!("{hook_page}/rotate-secret"), &[("form_token", &token)])
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let new_secret = element_text(&html, "webhook-secret");
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    assert!(html.contains(r#"id="previous-until""#), "{html}");
    page.post(&format!("{hook_page}/test"), &[("form_token", &token)]).await;
    assert_eq!(send(&node).await, 1);
    let last = receiver.all().last().unwrap().clone();
    assert_eq!(verify(&new_secret, std::slice::from_ref(&last)).await, ["ok"]);
    assert_eq!(verify(&secret, std::slice::from_ref(&last)).await, ["ok"]);

    // In Arabic, right to left, from the Fluent files.
    let (_, html) = page.get(&format!("{hook_page}?lang=ar")).await;
    assert!(html.contains(r#"dir="rtl""#), "{html}");
    assert!(html.contains("سجل الإرسال"), "{html}");
    assert!(html.contains("رسالة تجريبية"), "{html}");

    // Another organisation's admin, and a coordinator: not theirs.
    let (blue, _) = PageSession::admin(&node, "blue", "blue-admin").await;
    let (status, html) = blue.get(&hook_page).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{html}");
    let blue_token = blue.token("/organisation/webhooks").await;
    let (status, _, _) = blue
        .post(
            &format!("{hook_page}/delete"),
            &[("form_token", &blue_token), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Deleted: gone from the list, and nothing more goes to it.
    let (status, location, _) = page
        .post(
            &format!("{hook_page}/delete"),
            &[("form_token", &token), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/organisation/webhooks?done=deleted");
    let (_, html) = page.get(&location).await;
    assert!(html.contains(r#"id="no-webhooks""#), "{html}");
    let (_, list) = node.get(&api, "/api/v1/organisation/webhooks").await;
    assert_eq!(list["items"], json!([]));
}

async fn webhook_secrets_are_sealed_at_rest(env: TestEnv) {
    const KEY_SECRET: &str = "the node's key secret for sealing";
    let receiver = Receiver::start().await;
    let url = env.new_database_url().await;
    // A node without a key secret stores a secret in clear.
    let node = TestNode::spawn_with_secret(&url, None).await;
    let admin = node.staff("green", Role::Admin, "green-admin").await;
    let (status, made) = node
        .post(
            &admin,
            "/api/v1/organisation/webhooks",
            &json!({"url": receiver.url, "subscription": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let old_secret = made["secret"].as_str().unwrap().to_string();
    let stored = stored_secrets(&node).await;
    assert_eq!(stored, std::slice::from_ref(&old_secret), "no key secret: in clear");
    node.stop().await;

    // Started with a key secret: sealed then (as it starts to serve), and still signing.
    let node = TestNode::spawn_with_secret(&url, Some(KEY_SECRET)).await;
    let mut stored = stored_secrets(&node).await;
    for _ in 0..50 {
        if stored[0].starts_with("sealed:") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        stored = stored_secrets(&node).await;
    }
    assert!(stored[0].starts_with("sealed:v1:"), "{stored:?}");
    assert!(!stored[0].contains(&old_secret[6..]), "{stored:?}");
    let hook = made["webhook"]["id"].as_str().unwrap();
    let test = format!("/api/v1/organisation/webhooks/{hook}/test");
    let (status, _) = node.post(&admin, &test, &json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(send(&node).await, 1);
    assert_eq!(verify(&old_secret, &receiver.all()).await, ["ok"]);

    // A new webhook and a rotation are sealed from the start.
    let (_, made) = node
        .post(
            &admin,
            "/api/v1/organisation/webhooks",
            &json!({"url": receiver.url, "subscription": {}}),
        )
        .await;
    let new_secret = made["secret"].as_str().unwrap().to_string();
    let (status, rotated) = node
        .post(
            &admin,
            &format!("/api/v1/organisation/webhooks/{hook}/rotate-secret"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let rotated_secret = rotated["secret"].as_str().unwrap().to_string();
    let everything = stored_secrets(&node).await.join(" ");
    for secret in [&old_secret, &new_secret, &rotated_secret] {
        assert!(!everything.contains(&secret[6..]), "{everything}");
    }
    // Both secrets of the rotation still sign.
    let (status, _) = node.post(&admin, &test, &json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(send(&node).await, 1);
    let last = receiver.all().last().unwrap().clone();
    assert_eq!(verify(&rotated_secret, std::slice::from_ref(&last)).await, ["ok"]);
    assert_eq!(verify(&old_secret, std::slice::from_ref(&last)).await, ["ok"]);
    // Started again: nothing sealed twice.
    let before = stored_secrets(&node).await;
    node.stop().await;
    let node = TestNode::spawn_with_secret(&url, Some(KEY_SECRET)).await;
    node.get(&admin, "/api/v1/organisation/webhooks").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(stored_secrets(&node).await, before);
}

/// The secrets as the database holds them (current and previous), in order.
async fn stored_secrets(node: &TestNode) -> Vec<String> {
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT secret, previous_secret FROM webhooks ORDER BY created_at, id")
            .fetch_all(&node.db().pool)
            .await
            .unwrap();
    rows.into_iter()
        .flat_map(|(secret, previous)| std::iter::once(secret).chain(previous))
        .collect()
}

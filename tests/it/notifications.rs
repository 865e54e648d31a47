//! Notices that reach people: a real SMTP server (aiosmtpd, from PyPI at a
//! pinned version) on a loopback port takes the messages, and the tests read
//! them as it received them (raw) and decoded.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::config::{SmtpConfig, SmtpTls};
use tadamun::domain::vocab::Role;

use crate::federation::{Member, peer, titled};
use crate::support::*;
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        a_matching_network_alert_reaches_each_subscriber_in_their_language,
        limited_alerts_and_local_only_fields_never_reach_a_mailbox,
        notices_are_retried_after_mail_server_failures,
        operators_see_the_queue_and_pause_email,
        bad_notice_settings_are_refused_field_by_field,
        killing_the_node_mid_send_neither_loses_nor_duplicates_a_notice,
        notices_are_chosen_on_the_account_page,
        a_daily_digest_groups_what_arrived_since_the_last,
        operators_pause_email_on_the_deliveries_page,
        responses_overdue_pledges_and_near_expiry_reach_their_organisation,
        digest_and_filters_are_chosen_on_the_account_page,
        a_digest_goes_at_the_hour_of_a_named_time_zone,
        email_goes_over_starttls_and_tls_with_the_servers_own_certificate,
        a_wrong_smtp_password_is_recorded_and_retried,
    ]
}

/// The Python tools of these tests, pinned.
const AIOSMTPD: &str = "aiosmtpd==1.4.6";
const STANDARD_WEBHOOKS: &str = "standardwebhooks==1.3.0";

/// A virtual environment with the tools, made once under the build
/// directory and kept between runs (one test at a time makes it).
pub fn python_tools() -> PathBuf {
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("notice-tools");
    let python = venv.join("bin/python");
    let stamp = venv.join(format!("{AIOSMTPD} {STANDARD_WEBHOOKS}"));
    if python.exists() && stamp.exists() {
        return python;
    }
    let run = |command: &mut Command| {
        let out = command
            .output()
            .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
        assert!(
            out.status.success(),
            "{command:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        AIOSMTPD,
        STANDARD_WEBHOOKS,
    ]));
    std::fs::write(stamp, "").unwrap();
    python
}

/// A real SMTP server on a loopback port, keeping what it receives in a
/// directory; stopped (by its process id) when dropped.
pub struct MailSink {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The raw bytes, as they came over the wire.
    pub raw: String,
    /// Envelope, headers and the decoded text and HTML parts.
    pub decoded: Value,
}

impl Received {
    /// Everything a reader could see: the raw message and its decoded parts.
    pub fn everything(&self) -> String {
        format!("{}\n{}", self.raw, self.decoded)
    }
}

impl MailSink {
    pub async fn start(env: &TestEnv) -> MailSink {
        Self::start_with(env, &[]).await
    }

    /// A server with options (`--starttls CERT KEY`, `--tls CERT KEY`,
    /// `--auth USER PASSWORD`: see the script).
    pub async fn start_with(env: &TestEnv, options: &[&str]) -> MailSink {
        let python = tokio::task::spawn_blocking(python_tools).await.unwrap();
        let dir = env.temp_dir().join(format!("mail-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/notices/smtp_sink.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .arg(&dir)
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP server");
        let stdout = child.stdout.take().unwrap();
        let ready = tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            let mut line = String::new();
            std::io::BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let line = tokio::time::timeout(Duration::from_secs(30), ready)
            .await
            .expect("the SMTP server starts within 30 s")
            .unwrap()
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        MailSink { child, dir, port }
    }

    pub fn config(&self) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: SmtpTls::None,
            credentials: None,
            from: "Tadamun <alerts@node.test>".into(),
            paused: false,
            ca_file: None,
        }
    }

    /// The next `n` messages are refused with a transient 451.
    pub fn fail_next(&self, n: usize) {
        std::fs::write(self.dir.join("fail-next"), n.to_string()).unwrap();
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|json| Received {
                raw: String::from_utf8_lossy(&std::fs::read(json.with_extension("eml")).unwrap()).into_owned(),
                decoded: serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap(),
            })
            .collect()
    }

    /// The messages to one address.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.decoded["rcpt_tos"].as_array().unwrap().iter().any(|r| r == address))
            .collect()
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// A loopback port nothing listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    listener.local_addr().unwrap().port()
}

/// Sends what is due; returns how many were attempted.
async fn send(node: &TestNode) -> usize {
    tadamun::services::notice_email::send_due(&node.state)
        .await
        .expect("send notices")
}

async fn settings(node: &TestNode, token: &str, body: Value) {
    let (status, saved) = node
        .call(
            reqwest::Method::PUT,
            Some(token),
            "/api/v1/me/notifications",
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
}

async fn language(node: &TestNode, token: &str, lang: &str) {
    let (status, body) = node.patch(token, "/api/v1/me", &json!({"language": lang})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn a_matching_network_alert_reaches_each_subscriber_in_their_language(env: TestEnv) {
    let sink = MailSink::start(&env).await;
    let a = Member::spawn(&env, "green").await;
    let node = TestNode::spawn_with_smtp(&env, sink.config()).await;
    let admin = node.staff("red", Role::Admin, "red-admin").await;
    let coordinator = node.staff("red", Role::Coordinator, "red-coord").await;
    let b = Member {
        node,
        admin,
        coordinator,
        org: "red".into(),
    };
    peer(&a, &b, "connected").await;

    // The coordinator keeps the defaults (immediate alerts), in Arabic.
    settings(&b.node, &b.coordinator, json!({"email": "coord@red.test"})).await;
    let (_, mine) = b.node.get(&b.coordinator, "/api/v1/me/notifications").await;
    assert_eq!(
        mine["subscription"]["min_urgency"], "immediate",
        "a coordinator's default: {mine}"
    );
    language(&b.node, &b.coordinator, "ar").await;
    // A member hears of nothing from others by default.
    let member = b.node.staff("red", Role::Member, "red-member").await;
    settings(
        &b.node,
        &member,
        json!({"email": "member@red.test", "subscription": {"own_organisation": true}}),
    )
    .await;
    // One filter each, matching or not; French for one of them.
    let mut tokens = Vec::new();
    let filters = [
        ("country-yes", json!({"countries": ["gt"]})),
        ("country-no", json!({"countries": ["EG"]})),
        ("violation-yes", json!({"violation_types": ["death_threat"]})),
        ("violation-no", json!({"violation_types": ["abduction"]})),
        ("right-yes", json!({"rights": ["water"]})),
        ("right-no", json!({"rights": ["housing"]})),
        ("sector-yes", json!({"sectors": ["hydro_renewables"]})),
        ("sector-no", json!({"sectors": ["mining"]})),
        ("org-yes", json!({"organisations": [a.org_actor()]})),
        (
            "org-no",
            json!({"organisations": [format!("{}/orgs/nobody", a.node.base)]}),
        ),
        ("language-yes", json!({"languages": ["es"]})),
        ("language-no", json!({"languages": ["ar"]})),
        ("urgency-no", json!({"min_urgency": null})),
        ("group-no", json!({"groups": [format!("{}/groups/latam", a.node.base)]})),
    ];
    for (name, filter) in &filters {
        let token = b.node.staff("red", Role::Viewer, name).await;
        let mut subscription = filter.clone();
        if subscription.get("min_urgency").is_none() {
            subscription["min_urgency"] = json!("expected");
        }
        settings(
            &b.node,
            &token,
            json!({"email": format!("{name}@red.test"), "subscription": subscription}),
        )
        .await;
        tokens.push(token);
    }
    language(&b.node, &tokens[0], "fr").await;

    let mut body = titled("Threats at the river crossing", "network");
    body["title"]["es"] = json!("Amenazas en el cruce del río");
    body["title"]["fr"] = json!("Menaces au passage de la rivière");
    a.publish(body).await;
    deliver_all(&[&a.node, &b.node]).await;
    assert!(send(&b.node).await >= 1);

    for (name, _) in &filters {
        let got = sink.to(&format!("{name}@red.test"));
        let expected = usize::from(name.ends_with("-yes"));
        assert_eq!(got.len(), expected, "{name}: {got:?}");
    }
    assert!(
        sink.to("member@red.test").is_empty(),
        "members hear of their own organisation's only"
    );

    // Arabic, right to left, with a link to the alert on this node.
    let arabic = sink.to("coord@red.test");
    assert_eq!(arabic.len(), 1, "{arabic:?}");
    let message = &arabic[0].decoded;
    assert_eq!(message["content_type"], "multipart/alternative");
    assert_eq!(message["content_language"], "ar");
    assert!(
        message["text"]
            .as_str()
            .unwrap()
            .contains("تنبيه من الشبكة يطابق إشعاراتك"),
        "{message}"
    );
    assert!(message["html"].as_str().unwrap().contains(r#"dir="rtl""#), "{message}");
    let (_, list) = b.node.get(&b.coordinator, "/api/v1/network/alerts").await;
    let local_id = list["items"][0]["id"].as_str().unwrap();
    let link = format!("{}/network/alerts/{local_id}/view", b.node.base);
    assert!(message["text"].as_str().unwrap().contains(&link), "{message}");
    assert!(message["html"].as_str().unwrap().contains(&link), "{message}");
    // The Message-ID is the notice's id: its idempotency key.
    let (status, notices) = b.node.get(&b.coordinator, "/api/v1/me/notices").await;
    assert_eq!(status, StatusCode::OK, "{notices}");
    assert_eq!(notices["items"][0]["state"], "sent", "{notices}");
    let id = notices["items"][0]["id"].as_str().unwrap();
    assert!(message["message_id"].as_str().unwrap().contains(id), "{message}");
    // French, with the French title.
    let french = &sink.to("country-yes@red.test")[0].decoded;
    assert_eq!(french["content_language"], "fr");
    assert!(
        french["subject"]
            .as_str()
            .unwrap()
            .contains("Menaces au passage de la rivière"),
        "{french}"
    );
    assert!(
        french["text"].as_str().unwrap().contains("Une alerte du réseau"),
        "{french}"
    );

    // Nothing is sent twice, and the alert received again queues nothing.
    let before = sink.messages().len();
    assert_eq!(send(&b.node).await, 0);
    assert_eq!(sink.messages().len(), before);
}

async fn limited_alerts_and_local_only_fields_never_reach_a_mailbox(env: TestEnv) {
    let sink = MailSink::start(&env).await;
    let node = TestNode::spawn_with_smtp(&env, sink.config()).await;
    let author = node.staff("green", Role::Coordinator, "green-coord").await;
    let publisher = node.staff("green", Role::Coordinator, "green-publisher").await;
    let drafter = node.staff("green", Role::Member, "green-member").await;
    let reader = node.staff("blue", Role::Coordinator, "blue-coord").await;
    settings(&node, &author, json!({"email": "author@green.test"})).await;
    settings(&node, &publisher, json!({"email": "publisher@green.test"})).await;
    settings(&node, &reader, json!({"email": "reader@blue.test"})).await;
    settings(&node, &drafter, json!({"email": "drafter@green.test"})).await;

    let publish = |audience: &'static str, title: &'static str| {
        let node = &node;
        let (author, publisher) = (author.clone(), publisher.clone());
        async move {
            let mut body = titled(title, audience);
            body["summary"] = json!({"en": format!("{title} SUMMARY-TEXT")});
            let (status, alert) = node.post(&author, "/api/v1/alerts", &body).await;
            assert_eq!(status, StatusCode::CREATED, "{alert}");
            let id = alert["id"].as_str().unwrap().to_string();
            let (status, body) = node
                .post(&author, &format!("/api/v1/alerts/{id}/submit"), &json!({}))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let (status, body) = node
                .post(&publisher, &format!("/api/v1/alerts/{id}/publish"), &json!({}))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            (id, alert["number"].as_str().unwrap().to_string())
        }
    };
    let (trusted_id, trusted_number) = publish("trusted", "Trusted-only case").await;
    send(&node).await;
    let (_, network_number) = publish("network", "Network-wide case").await;
    send(&node).await;

    let all = sink.messages();
    assert!(!all.is_empty());
    for message in &all {
        let seen = message.everything();
        for secret in [
            "SECRET-LOCATION",
            "SECRET-CONTACT",
            "SECRET-FAMILY",
            "SECRET-NOTES",
            "5555",
        ] {
            assert!(!seen.contains(secret), "a local-only field reached a mailbox: {seen}");
        }
    }
    // The trusted alert: its number and link, nothing of its content.
    let link = format!("{}/alerts/{trusted_id}/view", node.base);
    let about_trusted: Vec<&Received> = all
        .iter()
        .filter(|m| m.decoded["subject"].as_str().unwrap().contains(&trusted_number))
        .collect();
    // The other coordinator hears of the review request, the author and the
    // drafter of the publication, the other organisation's coordinator of the
    // alert; who made each change is not told of it.
    let mut to: Vec<String> = about_trusted
        .iter()
        .map(|m| m.decoded["rcpt_tos"][0].as_str().unwrap().to_string())
        .collect();
    to.sort();
    assert_eq!(
        to,
        [
            "author@green.test",
            "drafter@green.test",
            "publisher@green.test",
            "reader@blue.test"
        ],
        "{about_trusted:?}"
    );
    for message in about_trusted {
        let seen = message.everything();
        assert!(seen.contains(&link), "{seen}");
        for content in [
            "Trusted-only",
            "SUMMARY-TEXT",
            "Huehuetenango",
            "Guatemala",
            "Immediate",
        ] {
            assert!(
                !seen.contains(content),
                "content of a trusted alert in a message: {seen}"
            );
        }
    }
    // The network alert carries its title and summary (still no local-only field).
    let reader_got = sink.to("reader@blue.test");
    let network = reader_got
        .iter()
        .find(|m| m.decoded["subject"].as_str().unwrap().contains(&network_number))
        .expect("the network alert reached the other organisation");
    assert!(
        network.decoded["subject"]
            .as_str()
            .unwrap()
            .contains("Network-wide case")
    );
    assert!(
        network.decoded["text"]
            .as_str()
            .unwrap()
            .contains("Network-wide case SUMMARY-TEXT")
    );
}

async fn notices_are_retried_after_mail_server_failures(env: TestEnv) {
    let sink = MailSink::start(&env).await;
    let a = Member::spawn(&env, "green").await;
    let node = TestNode::spawn_with_smtp(&env, sink.config()).await;
    let admin = node.staff("red", Role::Admin, "red-admin").await;
    let coordinator = node.staff("red", Role::Coordinator, "red-coord").await;
    let b = Member {
        node,
        admin,
        coordinator,
        org: "red".into(),
    };
    peer(&a, &b, "connected").await;
    settings(&b.node, &b.coordinator, json!({"email": "coord@red.test"})).await;
    sink.fail_next(2);
    a.publish(titled("Retried until it goes", "public")).await;
    deliver_all(&[&a.node, &b.node]).await;

    assert_eq!(send(&b.node).await, 1);
    let (_, notices) = b.node.get(&b.coordinator, "/api/v1/me/notices").await;
    let notice = &notices["items"][0];
    assert_eq!(notice["state"], "pending", "{notice}");
    assert_eq!(notice["attempts"], 1, "{notice}");
    assert!(notice["last_error"].as_str().unwrap().contains("451"), "{notice}");
    // Not before its retry time.
    assert_eq!(send(&b.node).await, 0);
    b.node.clock.advance(chrono::Duration::seconds(6));
    assert_eq!(send(&b.node).await, 1, "the second attempt fails too");
    assert_eq!(send(&b.node).await, 0);
    b.node.clock.advance(chrono::Duration::seconds(11));
    assert_eq!(send(&b.node).await, 1);
    let got = sink.to("coord@red.test");
    assert_eq!(got.len(), 1, "exactly once after two refusals: {got:?}");
    let (_, notices) = b.node.get(&b.coordinator, "/api/v1/me/notices").await;
    assert_eq!(notices["items"][0]["state"], "sent");
    assert_eq!(notices["items"][0]["attempts"], 3);

    // A mail server that is not there at all: retried too, nothing lost.
    let down = {
        let mut config = sink.config();
        config.port = free_port();
        config
    };
    let node = TestNode::spawn_with_smtp(&env, down).await;
    let author = node.staff("green", Role::Coordinator, "author").await;
    let reader = node.staff("blue", Role::Coordinator, "reader").await;
    settings(&node, &reader, json!({"email": "reader@blue.test"})).await;
    let (status, alert) = node
        .post(&author, "/api/v1/alerts", &titled("Server down", "public"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let id = alert["id"].as_str().unwrap();
    for step in ["submit", "publish"] {
        let (status, body) = node
            .post(&author, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(send(&node).await, 1);
    let (_, notices) = node.get(&reader, "/api/v1/me/notices").await;
    assert_eq!(notices["items"][0]["state"], "pending", "{notices}");
    assert!(
        notices["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("mail server"),
        "{notices}"
    );
}

async fn operators_see_the_queue_and_pause_email(env: TestEnv) {
    let sink = MailSink::start(&env).await;
    let node = TestNode::spawn_with_smtp(&env, sink.config()).await;
    let operator = node.staff("green", Role::Admin, "operator").await;
    let author = node.staff("green", Role::Coordinator, "author").await;
    let partner = node.staff("blue", Role::Admin, "partner").await;
    settings(&node, &partner, json!({"email": "partner@blue.test"})).await;

    let (status, body) = node
        .call(
            reqwest::Method::PUT,
            Some(&partner),
            "/api/v1/notices/email-pause",
            Some(&json!({"paused": true})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(node.get(&partner, "/api/v1/notices").await.0, StatusCode::FORBIDDEN);
    let (status, body) = node
        .call(
            reqwest::Method::PUT,
            Some(&operator),
            "/api/v1/notices/email-pause",
            Some(&json!({"paused": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let (status, alert) = node
        .post(&author, "/api/v1/alerts", &titled("While paused", "public"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let id = alert["id"].as_str().unwrap();
    for step in ["submit", "publish"] {
        let (status, body) = node
            .post(&author, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(send(&node).await, 0, "paused: nothing goes");
    let (status, queue) = node.get(&operator, "/api/v1/notices").await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert_eq!(queue["email_paused"], true);
    assert_eq!(queue["pending"], 1, "{queue}");
    assert_eq!(queue["unsent"][0]["kind"], "local_alert", "{queue}");

    let (status, metrics) = node.get(&operator, "/api/v1/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let metrics = metrics.as_str().unwrap().to_string();
    assert!(metrics.contains("tadamun_notices{state=\"pending\"} 1"), "{metrics}");
    assert!(metrics.contains("tadamun_notices_email_paused 1"), "{metrics}");

    let (status, _) = node
        .call(
            reqwest::Method::PUT,
            Some(&operator),
            "/api/v1/notices/email-pause",
            Some(&json!({"paused": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(send(&node).await, 1);
    assert_eq!(sink.to("partner@blue.test").len(), 1);
    let (_, queue) = node.get(&operator, "/api/v1/notices").await;
    assert_eq!(queue["sent"], 1, "{queue}");
    assert_eq!(queue["pending"], 0, "{queue}");
}

async fn bad_notice_settings_are_refused_field_by_field(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let token = node.staff("green", Role::Member, "member").await;
    let (status, mine) = node.get(&token, "/api/v1/me/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["email"], Value::Null);
    assert_eq!(
        mine["subscription"]["min_urgency"],
        Value::Null,
        "members: no alerts of others by default"
    );
    assert_eq!(mine["subscription"]["own_organisation"], true);
    let (status, body) = node
        .call(
            reqwest::Method::PUT,
            Some(&token),
            "/api/v1/me/notifications",
            Some(&json!({
                "email": "not an address",
                "subscription": {"countries": ["XX"], "languages": ["English"], "groups": ["latam"]}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for field in [
        "email",
        "subscription.countries[0]",
        "subscription.languages[0]",
        "subscription.groups[0]",
    ] {
        assert!(body["fields"].get(field).is_some(), "{field}: {body}");
    }
    let (status, body) = node
        .call(
            reqwest::Method::PUT,
            Some(&token),
            "/api/v1/me/notifications",
            Some(&json!({"subscription": {"min_urgency": "soon"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Nothing was saved.
    let (_, after) = node.get(&token, "/api/v1/me/notifications").await;
    assert_eq!(after, mine);
}

async fn killing_the_node_mid_send_neither_loses_nor_duplicates_a_notice(env: TestEnv) {
    use crate::cli::{admin, serve, serve_args, tadamun};
    let sink = MailSink::start(&env).await;
    let dir = env.temp_dir();
    let url = env.new_database_url().await;
    for org in ["green", "blue"] {
        admin(&dir, &url, &["create-org", "--slug", org, "--name", org]);
    }
    let user = |org: &str, role: &str, name: &str| {
        admin(
            &dir,
            &url,
            &["create-user", "--org", org, "--role", role, "--username", name],
        );
        admin(&dir, &url, &["create-token", "--username", name])
            .trim()
            .to_string()
    };
    let _operator = user("green", "admin", "ada");
    let author = user("green", "coordinator", "gus");
    let readers: Vec<String> = (0..3).map(|n| user("blue", "viewer", &format!("reader{n}"))).collect();
    let config = dir.join("node.toml");
    std::fs::write(
        &config,
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"Tadamun <alerts@node.test>\"\n",
            sink.port
        ),
    )
    .unwrap();
    let mut args = serve_args(&url);
    args.extend(["--config".to_string(), config.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // A claim lapses after 2 s: the restarted node takes the notices over then.
    let node = || {
        let mut command = tadamun(&args, &dir);
        command.env("TADAMUN_DELIVERY_LEASE_SECONDS", "2");
        serve(command)
    };
    let http = reqwest::Client::new();
    let call = |base: &str, method: reqwest::Method, token: &str, path: &str, body: Option<Value>| {
        let mut request = http.request(method, format!("{base}{path}")).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send_checked().await.unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            (status, serde_json::from_str::<Value>(&text).unwrap_or(Value::Null))
        }
    };

    let mut first = node();
    for (n, token) in readers.iter().enumerate() {
        let body = json!({"email": format!("reader{n}@blue.test"), "subscription": {"min_urgency": "expected"}});
        let (status, saved) = call(
            &first.base,
            reqwest::Method::PUT,
            token,
            "/api/v1/me/notifications",
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
    }
    // The mail server stalls on the first recipient: the node is killed while it waits.
    std::fs::write(sink.dir.join("slow-rcpt"), "30").unwrap();
    let (status, alert) = call(
        &first.base,
        reqwest::Method::POST,
        &author,
        "/api/v1/alerts",
        Some(alert_body()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let id = alert["id"].as_str().unwrap().to_string();
    for step in ["submit", "publish"] {
        let path = format!("/api/v1/alerts/{id}/{step}");
        let (status, body) = call(&first.base, reqwest::Method::POST, &author, &path, Some(json!({}))).await;
        assert_eq!(status, StatusCode::OK, "{step}: {body}");
    }
    let started = sink.dir.join("rcpt-started");
    for _ in 0..300 {
        if started.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(started.exists(), "the node never began sending");
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    std::fs::remove_file(sink.dir.join("slow-rcpt")).unwrap();
    assert!(sink.messages().is_empty(), "nothing was sent before the kill");

    let second = node();
    for _ in 0..300 {
        if sink.messages().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A moment more: a duplicate would show now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = sink.messages();
    assert_eq!(got.len(), 3, "each notice exactly once: {got:?}");
    for (n, token) in readers.iter().enumerate() {
        let address = format!("reader{n}@blue.test");
        let theirs: Vec<&Received> = got
            .iter()
            .filter(|m| m.decoded["rcpt_tos"][0] == address.as_str())
            .collect();
        assert_eq!(theirs.len(), 1, "{address}: {got:?}");
        let (_, notices) = call(&second.base, reqwest::Method::GET, token, "/api/v1/me/notices", None).await;
        assert_eq!(notices["items"].as_array().unwrap().len(), 1, "{notices}");
        assert_eq!(notices["items"][0]["state"], "sent", "{notices}");
        let notice = notices["items"][0]["id"].as_str().unwrap();
        assert!(
            theirs[0].decoded["message_id"].as_str().unwrap().contains(notice),
            "the Message-ID is the notice's idempotency key"
        );
    }
}

/// The account page's notices form, without a browser: a session cookie,
/// the page's form token, the form as a browser posts it.
async fn notices_are_chosen_on_the_account_page(env: TestEnv) {
    const PASSWORD: &str = "a long enough password";
    let node = TestNode::spawn(&env).await;
    let (api, _) = node.staff_with_password("green", Role::Member, "mona", PASSWORD).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = post_login(
        &client,
        &node.base,
        &[("username", "mona"), ("password", PASSWORD), ("code", "")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie(&resp, "tadamun_session").expect("a session cookie");
    let page = |path: &'static str| {
        let (client, cookie, base) = (client.clone(), cookie.clone(), node.base.clone());
        async move {
            let resp = client
                .get(format!("{base}{path}"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let (client, cookie, base) = (client.clone(), cookie.clone(), node.base.clone());
        async move {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            let resp = client
                .post(format!("{base}/account/notifications"))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };
    let (status, html) = page("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"id="notices-form""#), "{html}");
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("a form token") + marker.len();
    let token = html[start..].split('"').next().unwrap().to_string();

    // Without the form token: refused, nothing saved.
    let (status, _) = post(vec![("email", "mona@green.test".into())]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let fields = |email: &str, countries: &str| {
        vec![
            ("form_token", token.clone()),
            ("email", email.to_string()),
            ("min_urgency", "expected".to_string()),
            ("countries", countries.to_string()),
            ("languages", "ar, es".to_string()),
            ("violation_types", "death_threat".to_string()),
            ("violation_types", "abduction".to_string()),
            ("rights", "land".to_string()),
            ("sectors", "mining".to_string()),
        ]
    };
    // Bad fields: shown again, with what was typed, each error by its field.
    let (status, html) = post(fields("not an address", "CO, XX")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="field-email-error""#), "{html}");
    assert!(html.contains(r#"id="field-countries-error""#), "{html}");
    assert!(html.contains("CO, XX"), "what was typed is kept: {html}");
    let (_, mine) = node.get(&api, "/api/v1/me/notifications").await;
    assert_eq!(mine["email"], Value::Null, "nothing saved: {mine}");

    let (status, _) = post(fields("mona@green.test", "co eg")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, mine) = node.get(&api, "/api/v1/me/notifications").await;
    assert_eq!(mine["email"], "mona@green.test");
    let subscription = &mine["subscription"];
    assert_eq!(subscription["min_urgency"], "expected");
    assert_eq!(subscription["countries"], json!(["CO", "EG"]));
    assert_eq!(subscription["languages"], json!(["ar", "es"]));
    assert_eq!(
        subscription["violation_types"],
        json!(["death_threat", "abduction"]),
        "in the vocabulary's order"
    );
    assert_eq!(subscription["rights"], json!(["land"]));
    assert_eq!(subscription["sectors"], json!(["mining"]));
    assert_eq!(subscription["own_organisation"], false, "its box was not ticked");
    let (status, html) = page("/account?done=notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"value="mona@green.test""#), "{html}");
    assert!(html.contains(r#"value="death_threat" checked"#), "{html}");

    // In Arabic, right to left.
    language(&node, &api, "ar").await;
    let (_, html) = page("/account").await;
    assert!(html.contains(r#"dir="rtl""#));
    assert!(html.contains("الإشعارات بالبريد الإلكتروني"), "{html}");
}

async fn a_daily_digest_groups_what_arrived_since_the_last(env: TestEnv) {
    use chrono::Timelike;
    let sink = MailSink::start(&env).await;
    let node = TestNode::spawn_with_smtp(&env, sink.config()).await;
    let author = node.staff("green", Role::Coordinator, "author").await;
    let digest_reader = node.staff("blue", Role::Coordinator, "digest-reader").await;
    let at_once = node.staff("blue", Role::Coordinator, "at-once").await;
    // Cairo's winter time (UTC+2), at the next whole hour there.
    let now = node.clock_now();
    let hour = (now + chrono::Duration::hours(2)).hour() as u8;
    let hour = (hour + 1) % 24;
    let digest = json!({"hour": hour, "utc_offset_minutes": 120});
    settings(
        &node,
        &digest_reader,
        json!({"email": "digest@blue.test", "subscription": {"min_urgency": "immediate", "digest": digest}}),
    )
    .await;
    settings(&node, &at_once, json!({"email": "now@blue.test"})).await;
    let publish = |title: &'static str| {
        let (node, author) = (&node, author.clone());
        async move {
            let (status, alert) = node.post(&author, "/api/v1/alerts", &titled(title, "public")).await;
            assert_eq!(status, StatusCode::CREATED, "{alert}");
            let id = alert["id"].as_str().unwrap().to_string();
            for step in ["submit", "publish"] {
                let (status, body) = node
                    .post(&author, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
                    .await;
                assert_eq!(status, StatusCode::OK, "{step}: {body}");
            }
            id
        }
    };
    let first = publish("First of the day").await;
    let second = publish("Second of the day").await;
    send(&node).await;
    assert_eq!(sink.to("now@blue.test").len(), 2, "at once: one message each");
    assert!(sink.to("digest@blue.test").is_empty(), "the digest waits for its hour");

    // Its hour: one message with both, each with its link.
    let next = now.date_naive().and_hms_opt(now.hour(), 0, 0).unwrap().and_utc() + chrono::Duration::hours(1);
    node.clock.advance(next - now + chrono::Duration::minutes(1));
    send(&node).await;
    let digests = sink.to("digest@blue.test");
    assert_eq!(digests.len(), 1, "{digests:?}");
    let text = digests[0].decoded["text"].as_str().unwrap().to_string();
    for id in [&first, &second] {
        assert!(text.contains(&format!("/alerts/{id}/view")), "{text}");
    }
    assert!(
        digests[0].decoded["subject"].as_str().unwrap().contains('2'),
        "{:?}",
        digests[0].decoded
    );
    assert!(digests[0].decoded["message_id"].as_str().unwrap().contains("digest-"));

    // What arrives after goes in the next day's, and only that.
    let third = publish("Next day's").await;
    send(&node).await;
    assert_eq!(sink.to("digest@blue.test").len(), 1);
    node.clock.advance(chrono::Duration::hours(24));
    send(&node).await;
    let digests = sink.to("digest@blue.test");
    assert_eq!(digests.len(), 2, "{digests:?}");
    let text = digests[1].decoded["text"].as_str().unwrap();
    assert!(text.contains(&format!("/alerts/{third}/view")), "{text}");
    assert!(!text.contains(&first) && !text.contains(&second), "{text}");
}

/// The deliveries page: the notice queue, what is not sent and why, and the
/// pause switch (a form with the page's token, no script).
async fn operators_pause_email_on_the_deliveries_page(env: TestEnv) {
    const PASSWORD: &str = "a long enough password";
    let sink = MailSink::start(&env).await;
    let node = TestNode::spawn_with_smtp(&env, sink.config()).await;
    let (_, uri) = node.staff_with_password("green", Role::Admin, "ada", PASSWORD).await;
    let author = node.staff("green", Role::Coordinator, "author").await;
    let reader = node.staff("blue", Role::Coordinator, "reader").await;
    settings(&node, &reader, json!({"email": "reader@blue.test"})).await;
    let secret = url::Url::parse(&uri.unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .map(|(_, v)| v.to_string())
        .unwrap();
    let code = tadamun::services::accounts::current_totp_code(&secret, node.clock_now()).unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = post_login(
        &client,
        &node.base,
        &[("username", "ada"), ("password", PASSWORD), ("code", &code)],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie(&resp, "tadamun_session").expect("a session cookie");
    let page = || {
        let (client, cookie, base) = (client.clone(), cookie.clone(), node.base.clone());
        async move {
            let resp = client
                .get(format!("{base}/admin/deliveries"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };
    let pause = |token: String, paused: &'static str| {
        let (client, cookie, base) = (client.clone(), cookie.clone(), node.base.clone());
        async move {
            client
                .post(format!("{base}/admin/deliveries/email-pause"))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("form_token={token}&paused={paused}"))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let (status, html) = page().await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"id="email-pause""#), "{html}");
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("a form token") + marker.len();
    let token = html[start..].split('"').next().unwrap().to_string();
    assert_eq!(pause("wrong".into(), "true").await, StatusCode::FORBIDDEN);
    assert_eq!(pause(token.clone(), "true").await, StatusCode::SEE_OTHER);

    let (status, alert) = node
        .post(&author, "/api/v1/alerts", &titled("Held back", "public"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let id = alert["id"].as_str().unwrap();
    for step in ["submit", "publish"] {
        let (status, body) = node
            .post(&author, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(send(&node).await, 0);
    let (_, html) = page().await;
    assert!(html.contains(r#"id="email-paused""#), "{html}");
    assert!(
        html.contains(r#"data-state="pending""#),
        "the waiting notice is listed: {html}"
    );
    assert_eq!(pause(token, "false").await, StatusCode::SEE_OTHER);
    assert_eq!(send(&node).await, 1);
    assert_eq!(sink.to("reader@blue.test").len(), 1);
    let (_, html) = page().await;
    assert!(!html.contains(r#"id="email-paused""#), "{html}");
    assert!(!html.contains(r#"data-state="pending""#), "{html}");
}

/// The messages to `address` whose text says `phrase`.
fn about(sink: &MailSink, address: &str, phrase: &str) -> Vec<Received> {
    sink.to(address)
        .into_iter()
        .filter(|m| m.decoded["text"].as_str().unwrap_or_default().contains(phrase))
        .collect()
}

const RESPONDED: &str = "Another organisation responded to an alert of your organisation";
const PLEDGE_PAST_DUE: &str = "A pledge of your organisation is past its due date";
const EXPIRES_SOON: &str = "An open alert of your organisation expires soon";

async fn reminders(node: &TestNode) -> usize {
    tadamun::services::notifications::queue_reminders(&node.state)
        .await
        .expect("queue reminders")
}

async fn responses_overdue_pledges_and_near_expiry_reach_their_organisation(env: TestEnv) {
    use chrono::Duration;
    let sink = MailSink::start(&env).await;
    let a = Member::spawn(&env, "green").await;
    let node = TestNode::spawn_with_smtp(&env, sink.config()).await;
    let admin = node.staff("red", Role::Admin, "red-admin").await;
    let coordinator = node.staff("red", Role::Coordinator, "red-coord").await;
    let b = Member {
        node,
        admin,
        coordinator,
        org: "red".into(),
    };
    peer(&a, &b, "connected").await;
    let member = b.node.staff("red", Role::Member, "red-member").await;
    let viewer = b.node.staff("red", Role::Viewer, "red-viewer").await;
    let blue = b.node.staff("blue", Role::Coordinator, "blue-coord").await;
    for (token, address) in [
        (&b.coordinator, "coord@red.test"),
        (&b.admin, "admin@red.test"),
        (&member, "member@red.test"),
        (&viewer, "viewer@red.test"),
        (&blue, "coord@blue.test"),
    ] {
        settings(&b.node, token, json!({"email": address})).await;
    }
    // The role's defaults, as the API shows them.
    let (_, mine) = b.node.get(&member, "/api/v1/me/notifications").await;
    let subscription = &mine["subscription"];
    assert_eq!(subscription["responses"], false, "{mine}");
    assert_eq!(subscription["overdue_pledges"], true, "{mine}");
    assert_eq!(subscription["expiry_near"], false, "{mine}");
    let (_, mine) = b.node.get(&b.coordinator, "/api/v1/me/notifications").await;
    assert_eq!(mine["subscription"]["responses"], true, "{mine}");
    assert_eq!(mine["subscription"]["expiry_near"], true, "{mine}");
    // The admin turns responses off (and keeps the rest); the viewer asks for them.
    settings(
        &b.node,
        &b.admin,
        json!({"email": "admin@red.test", "subscription": {"min_urgency": "immediate", "responses": false}}),
    )
    .await;
    settings(
        &b.node,
        &viewer,
        json!({"email": "viewer@red.test", "subscription": {"responses": true}}),
    )
    .await;
    // A webhook of red's, to a receiver that is not there: its log shows what was queued.
    let (status, hook) = b
        .node
        .post(
            &b.admin,
            "/api/v1/organisation/webhooks",
            &json!({"url": "http://127.0.0.1:9/hook", "subscription": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let hook = hook["webhook"]["id"].as_str().unwrap().to_string();

    let now = b.node.clock_now();
    let mut body = titled("Red's own alert", "network");
    body["expires"] = json!((now + Duration::hours(30)).to_rfc3339());
    let red_alert = b.publish(body).await;
    let mut body = titled("Red's trusted alert", "trusted");
    body["expires"] = json!((now + Duration::hours(28)).to_rfc3339());
    let trusted_alert = b.publish(body).await;
    let (status, alert) = b
        .node
        .post(&blue, "/api/v1/alerts", &titled("Blue's alert", "network"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let blue_alert = alert["id"].as_str().unwrap().to_string();
    for step in ["submit", "publish"] {
        let (status, body) = b
            .node
            .post(&blue, &format!("/api/v1/alerts/{blue_alert}/{step}"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    deliver_all(&[&a.node, &b.node]).await;
    assert_eq!(reminders(&b.node).await, 0, "nothing near its expiry yet");

    // Responses: blue co-signs here; green makes a statement from its node;
    // red's member pledges on blue's alert, due in two days.
    let (status, body) = b
        .node
        .post(
            &blue,
            &format!("/api/v1/alerts/{red_alert}/actions"),
            &json!({"kind": "cosign", "shareable": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let on_a = crate::actions::network_id(&a, "Red's own alert").await;
    let (status, body) = a
        .node
        .post(
            &a.coordinator,
            &format!("/api/v1/network/alerts/{on_a}/actions"),
            &json!({"kind": "statement", "shareable": true, "content": {"en": "We stand with them. STATEMENT-TEXT"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    deliver_all(&[&a.node, &b.node]).await;
    let due = b.node.clock_now() + Duration::days(2);
    let (status, body) = b
        .node
        .post(
            &member,
            &format!("/api/v1/alerts/{blue_alert}/actions"),
            &json!({"kind": "pledge", "due": due.to_rfc3339(), "content": {"en": "We will write to the ministry."}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    send(&b.node).await;

    let to_coordinator = about(&sink, "coord@red.test", RESPONDED);
    assert_eq!(
        to_coordinator.len(),
        2,
        "the co-signature and the statement: {to_coordinator:?}"
    );
    let texts: Vec<String> = to_coordinator
        .iter()
        // Without Fluent's isolation marks around the names.
        .map(|m| {
            m.decoded["text"]
                .as_str()
                .unwrap()
                .replace(['\u{2068}', '\u{2069}'], "")
        })
        .collect();
    assert!(texts.iter().any(|t| t.contains("Org blue: Co-signed")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("Org green: Statement")), "{texts:?}");
    let link = format!("{}/alerts/{red_alert}/view", b.node.base);
    assert!(texts.iter().all(|t| t.contains(&link)), "{texts:?}");
    assert!(
        to_coordinator[0].decoded["html"].as_str().unwrap().contains(&link),
        "{:?}",
        to_coordinator[0]
    );
    assert_eq!(about(&sink, "viewer@red.test", RESPONDED).len(), 2, "asked for them");
    assert!(about(&sink, "admin@red.test", RESPONDED).is_empty(), "turned off");
    assert!(
        about(&sink, "member@red.test", RESPONDED).is_empty(),
        "not a member's default"
    );
    // Red's pledge is a response to blue's alert.
    let to_blue = about(&sink, "coord@blue.test", RESPONDED);
    assert_eq!(to_blue.len(), 1, "{to_blue:?}");
    let text = to_blue[0].decoded["text"]
        .as_str()
        .unwrap()
        .replace(['\u{2068}', '\u{2069}'], "");
    assert!(text.contains("Org red: Pledge"), "{text}");
    for message in sink.messages() {
        let seen = message.everything();
        for secret in ["STATEMENT-TEXT", "SECRET-LOCATION", "SECRET-CONTACT", "We will write"] {
            assert!(
                !seen.contains(secret),
                "an action's text or a local-only field in a message: {seen}"
            );
        }
    }

    // Seven hours on, both of red's alerts expire within a day: their
    // organisation's coordinators and admins hear of it, once.
    b.node.clock.advance(Duration::hours(7));
    assert!(reminders(&b.node).await > 0);
    assert_eq!(reminders(&b.node).await, 0, "each reminder is queued once");
    send(&b.node).await;
    for address in ["coord@red.test", "admin@red.test"] {
        let expiring = about(&sink, address, EXPIRES_SOON);
        assert_eq!(expiring.len(), 2, "{address}: {expiring:?}");
        let network = expiring
            .iter()
            .find(|m| m.decoded["subject"].as_str().unwrap().contains("Red's own alert"))
            .expect("the network alert by its title");
        assert!(network.decoded["text"].as_str().unwrap().contains("Expires:"));
        let trusted_link = format!("{}/alerts/{trusted_alert}/view", b.node.base);
        let trusted = expiring
            .iter()
            .find(|m| m.decoded["text"].as_str().unwrap().contains(&trusted_link))
            .expect("the trusted alert by its link");
        let seen = trusted.everything();
        assert!(
            !seen.contains("Red's trusted alert") && !seen.contains("Expires:"),
            "{seen}"
        );
    }
    assert!(about(&sink, "member@red.test", EXPIRES_SOON).is_empty());

    // Two days on, the pledge is past due with no report: whoever records
    // actions at red hears of it, once, with a link to blue's alert.
    b.node.clock.advance(Duration::days(2));
    assert!(reminders(&b.node).await > 0);
    assert_eq!(reminders(&b.node).await, 0);
    send(&b.node).await;
    let overdue = about(&sink, "member@red.test", PLEDGE_PAST_DUE);
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    let text = overdue[0].decoded["text"].as_str().unwrap();
    assert!(text.contains(&format!("/alerts/{blue_alert}/view")), "{text}");
    assert!(text.contains("Due:"), "{text}");
    assert_eq!(about(&sink, "coord@red.test", PLEDGE_PAST_DUE).len(), 1);
    assert!(about(&sink, "viewer@red.test", PLEDGE_PAST_DUE).is_empty());
    assert!(about(&sink, "coord@blue.test", PLEDGE_PAST_DUE).is_empty());
    // Nothing more, however often the worker looks.
    b.node.clock.advance(Duration::hours(1));
    assert_eq!(reminders(&b.node).await, 0);

    // Red's webhook was told of the responses, the expiries and the pledge.
    let (status, log) = b
        .node
        .get(&b.admin, &format!("/api/v1/organisation/webhooks/{hook}/deliveries"))
        .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let mut kinds: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "expiry_near",
            "expiry_near",
            "new_response",
            "new_response",
            "pledge_overdue",
            "published",
            "published",
            "review_requested",
            "review_requested"
        ],
        "{log}"
    );
}

/// A browser session's client, cookie and the page's form token.
async fn account_session(node: &TestNode, username: &str, role: Role) -> (reqwest::Client, String, String, String) {
    const PASSWORD: &str = "a long enough password";
    let (api, _) = node.staff_with_password("green", role, username, PASSWORD).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = post_login(
        &client,
        &node.base,
        &[("username", username), ("password", PASSWORD), ("code", "")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie(&resp, "tadamun_session").expect("a session cookie");
    let html = client
        .get(format!("{}/account", node.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("a form token") + marker.len();
    let token = html[start..].split('"').next().unwrap().to_string();
    (client, cookie, token, api)
}

async fn digest_and_filters_are_chosen_on_the_account_page(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let (client, cookie, token, api) = account_session(&node, "mona", Role::Member).await;
    let post = |fields: Vec<(&'static str, String)>| {
        let (client, cookie, base) = (client.clone(), cookie.clone(), node.base.clone());
        async move {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            let resp = client
                .post(format!("{base}/account/notifications"))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };
    let group = format!("{}/groups/latam", node.base);
    let org = "https://other.example/orgs/partner".to_string();
    let fields = |zone: &str, groups: &str| {
        vec![
            ("form_token", token.clone()),
            ("email", "mona@green.test".to_string()),
            ("min_urgency", "expected".to_string()),
            ("groups", groups.to_string()),
            ("organisations", org.clone()),
            ("own_organisation", "yes".to_string()),
            ("responses", "yes".to_string()),
            ("expiry_near", "yes".to_string()),
            ("digest", "daily".to_string()),
            ("digest_hour", "7".to_string()),
            ("time_zone", zone.to_string()),
        ]
    };
    // An unknown time zone and a group that is no address: each named, nothing saved.
    let (status, html) = post(fields("Mars/Olympus", "latam")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="field-time_zone-error""#), "{html}");
    assert!(html.contains(r#"id="field-groups-error""#), "{html}");
    assert!(html.contains("Mars/Olympus"), "what was typed is kept");
    let (_, mine) = node.get(&api, "/api/v1/me/notifications").await;
    assert_eq!(mine["subscription"]["digest"], Value::Null, "nothing saved: {mine}");

    let (status, html) = post(fields("africa/cairo", &group)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, mine) = node.get(&api, "/api/v1/me/notifications").await;
    let subscription = &mine["subscription"];
    assert_eq!(
        subscription["digest"],
        json!({"hour": 7, "time_zone": "Africa/Cairo", "utc_offset_minutes": 0}),
        "{mine}"
    );
    assert_eq!(subscription["groups"], json!([group]));
    assert_eq!(subscription["organisations"], json!([org]));
    assert_eq!(subscription["responses"], true);
    assert_eq!(subscription["expiry_near"], true);
    assert_eq!(subscription["overdue_pledges"], false, "its box was not ticked");
    let html = client
        .get(format!("{}/account", node.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"value="daily" checked"#), "{html}");
    assert!(html.contains(r#"value="7" selected"#), "{html}");
    assert!(html.contains(r#"value="Africa/Cairo""#), "{html}");
    assert!(html.contains(&group), "{html}");

    // Back to at once: the digest is gone, the filters stay.
    let mut at_once = fields("", &group);
    at_once.retain(|(k, _)| *k != "digest");
    let (status, _) = post(at_once).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, mine) = node.get(&api, "/api/v1/me/notifications").await;
    assert_eq!(mine["subscription"]["digest"], Value::Null, "{mine}");
    assert_eq!(mine["subscription"]["groups"], json!([group]));

    // An earlier setting at a fixed offset still reads, and the page says so.
    let (status, body) = node
        .call(
            reqwest::Method::PUT,
            Some(&api),
            "/api/v1/me/notifications",
            Some(&json!({"subscription": {"digest": {"hour": 6, "utc_offset_minutes": -300}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let html = client
        .get(format!("{}/account?lang=es", node.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"id="fixed-offset""#), "{html}");
    assert!(html.contains("-05:00"), "{html}");
    assert!(html.contains("Su zona horaria"), "{html}");
}

async fn a_digest_goes_at_the_hour_of_a_named_time_zone(env: TestEnv) {
    use chrono::{TimeZone, Timelike};
    let sink = MailSink::start(&env).await;
    let node = TestNode::spawn_with_smtp(&env, sink.config()).await;
    let author = node.staff("green", Role::Coordinator, "author").await;
    let reader = node.staff("blue", Role::Coordinator, "reader").await;
    // An unknown zone: 422, by its field.
    let (status, body) = node
        .call(
            reqwest::Method::PUT,
            Some(&reader),
            "/api/v1/me/notifications",
            Some(&json!({"subscription": {"min_urgency": "immediate", "digest": {"hour": 8, "time_zone": "Europe/Atlantis"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("subscription.digest.time_zone"), "{body}");
    assert!(body.to_string().contains("Europe/Atlantis"), "{body}");
    // Bogotá (UTC-5 all year): the next whole hour there.
    let now = node.clock_now();
    let bogota: chrono_tz::Tz = "America/Bogota".parse().unwrap();
    let hour = ((now.with_timezone(&bogota).hour() + 1) % 24) as u8;
    settings(
        &node,
        &reader,
        json!({"email": "reader@blue.test", "subscription": {"min_urgency": "immediate", "digest": {"hour": hour, "time_zone": "America/Bogota"}}}),
    )
    .await;
    let (status, alert) = node
        .post(&author, "/api/v1/alerts", &titled("Digest in Bogotá", "public"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let id = alert["id"].as_str().unwrap().to_string();
    for step in ["submit", "publish"] {
        let (status, body) = node
            .post(&author, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    send(&node).await;
    assert!(
        sink.to("reader@blue.test").is_empty(),
        "it waits for the hour in Bogotá"
    );
    let local = now.with_timezone(&bogota).naive_local();
    let this_hour = local.date().and_hms_opt(local.hour(), 0, 0).unwrap();
    let next = bogota
        .from_local_datetime(&this_hour)
        .single()
        .unwrap()
        .with_timezone(&chrono::Utc)
        + chrono::Duration::hours(1);
    node.clock.advance(next - now - chrono::Duration::minutes(1));
    send(&node).await;
    assert!(sink.to("reader@blue.test").is_empty(), "a minute before the hour");
    node.clock.advance(chrono::Duration::minutes(2));
    send(&node).await;
    let got = sink.to("reader@blue.test");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].decoded["text"]
            .as_str()
            .unwrap()
            .contains(&format!("/alerts/{id}/view"))
    );
}

/// A certificate authority and a server certificate it signed for
/// 127.0.0.1, made with openssl in `dir`: (CA file, server certificate, key).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Tadamun test mail CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"))
}

/// Publishes an alert at `node` that `reader` (a coordinator of another
/// organisation with the defaults) is told of; returns its id.
async fn alert_for_reader(node: &TestNode, title: &str) -> String {
    let author = node
        .staff("green", Role::Coordinator, &format!("author-{}", title.len()))
        .await;
    let (status, alert) = node.post(&author, "/api/v1/alerts", &titled(title, "public")).await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let id = alert["id"].as_str().unwrap().to_string();
    for step in ["submit", "publish"] {
        let (status, body) = node
            .post(&author, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    id
}

async fn email_goes_over_starttls_and_tls_with_the_servers_own_certificate(env: TestEnv) {
    let (ca, cert, key) = certificates(&env.temp_dir().join(format!("mail-tls-{}", uuid_like())));
    for (mode, tls) in [("--starttls", SmtpTls::Starttls), ("--tls", SmtpTls::Tls)] {
        let sink = MailSink::start_with(
            &env,
            &[
                mode,
                cert.to_str().unwrap(),
                key.to_str().unwrap(),
                "--auth",
                "tadamun",
                "right password",
            ],
        )
        .await;
        let mut config = sink.config();
        config.tls = tls;
        config.credentials = Some(("tadamun".into(), "right password".into()));
        // Without the CA file: the certificate does not check, nothing is sent.
        let node = TestNode::spawn_with_smtp(&env, config.clone()).await;
        let reader = node.staff("blue", Role::Coordinator, "reader").await;
        settings(&node, &reader, json!({"email": "reader@blue.test"})).await;
        alert_for_reader(&node, "Untrusted certificate").await;
        assert_eq!(send(&node).await, 1);
        let (_, notices) = node.get(&reader, "/api/v1/me/notices").await;
        assert_eq!(notices["items"][0]["state"], "pending", "{mode}: {notices}");
        assert!(
            notices["items"][0]["last_error"]
                .as_str()
                .unwrap()
                .contains("secure connection"),
            "{mode}: {notices}"
        );
        assert!(sink.messages().is_empty());

        // With it: sent over TLS, signed in.
        config.ca_file = Some(ca.clone());
        let node = TestNode::spawn_with_smtp(&env, config).await;
        let reader = node.staff("blue", Role::Coordinator, "reader").await;
        settings(&node, &reader, json!({"email": "reader@blue.test"})).await;
        let id = alert_for_reader(&node, "Over TLS").await;
        assert_eq!(send(&node).await, 1);
        let got = sink.to("reader@blue.test");
        assert_eq!(got.len(), 1, "{mode}: {got:?}");
        assert!(
            got[0].decoded["text"]
                .as_str()
                .unwrap()
                .contains(&format!("/alerts/{id}/view"))
        );
        assert!(got[0].decoded["tls"].as_bool().unwrap(), "{mode}: {:?}", got[0].decoded);
        assert_eq!(got[0].decoded["login"], "tadamun", "{mode}");
        let (_, notices) = node.get(&reader, "/api/v1/me/notices").await;
        assert_eq!(notices["items"][0]["state"], "sent", "{notices}");
    }
}

async fn a_wrong_smtp_password_is_recorded_and_retried(env: TestEnv) {
    let (ca, cert, key) = certificates(&env.temp_dir().join(format!("mail-auth-{}", uuid_like())));
    let sink = MailSink::start_with(
        &env,
        &[
            "--starttls",
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
            "--auth",
            "tadamun",
            "right password",
        ],
    )
    .await;
    let mut config = sink.config();
    config.tls = SmtpTls::Starttls;
    config.ca_file = Some(ca);
    config.credentials = Some(("tadamun".into(), "wrong password".into()));
    let node = TestNode::spawn_with_smtp(&env, config).await;
    let reader = node.staff("blue", Role::Coordinator, "reader").await;
    settings(&node, &reader, json!({"email": "reader@blue.test"})).await;
    alert_for_reader(&node, "Wrong password").await;
    assert_eq!(send(&node).await, 1);
    let (_, notices) = node.get(&reader, "/api/v1/me/notices").await;
    let notice = &notices["items"][0];
    assert_eq!(notice["state"], "pending", "kept, to be retried: {notice}");
    assert_eq!(notice["attempts"], 1, "{notice}");
    let why = notice["last_error"].as_str().unwrap();
    assert!(
        why.contains("sign-in") && why.contains("smtp.password") && why.contains("535"),
        "{why}"
    );
    // Retried at its time, and refused again: still waiting, never given up.
    assert_eq!(send(&node).await, 0, "not before its time");
    node.clock.advance(chrono::Duration::seconds(6));
    assert_eq!(send(&node).await, 1);
    let (_, notices) = node.get(&reader, "/api/v1/me/notices").await;
    assert_eq!(notices["items"][0]["state"], "pending", "{notices}");
    assert_eq!(notices["items"][0]["attempts"], 2, "{notices}");
    assert!(sink.messages().is_empty());
}

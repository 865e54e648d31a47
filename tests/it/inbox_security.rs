//! Every inbox and outbound rule of SECURITY.md, each sent as a real HTTP
//! request to a real node, checking the answer and that nothing was stored
//! (or fetched) on the sender's behalf.

use base64::Engine;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::federation::{Member, peer, titled};
use crate::support::{TestCase, TestEnv, TestNode, deliver_all};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        transport_rules_refuse_bad_requests,
        only_the_origin_changes_its_alerts,
        huge_lists_in_an_alert_are_no_server_error,
        a_withdrawal_that_arrives_first_wins,
        trust_is_decided_before_anything_is_fetched,
        documents_count_only_from_their_own_id_and_type,
        outbound_fetches_never_reach_private_addresses,
        a_follower_cannot_send_deliveries_to_another_host,
        nul_in_a_received_alert_is_refused,
        a_proof_is_checked_wherever_it_is,
    ]
}

/// Signs inbox POSTs as an actor, with knobs for every way to get it wrong.
pub struct Sender {
    pub actor: String,
    pub key: RsaPrivateKey,
}

#[derive(Clone, Copy)]
pub struct Opts {
    sign: bool,
    digest: bool,
    date_offset: Duration,
    tamper_after_signing: bool,
}

pub const GOOD: Opts = Opts {
    sign: true,
    digest: true,
    date_offset: Duration::zero(),
    tamper_after_signing: false,
};

impl Sender {
    /// Signs as an organisation of `node` (its RSA key, for HTTP signatures).
    pub async fn org_of(node: &TestNode, slug: &str) -> Sender {
        let org = tadamun::db::accounts::find_org_by_slug(node.db(), slug)
            .await
            .unwrap()
            .unwrap();
        let actor = tadamun::federation::actors::LocalActor::org(&node.state, org)
            .await
            .unwrap();
        Sender {
            actor: actor.id.to_string(),
            key: RsaPrivateKey::from_pkcs8_pem(&actor.private_key_pem).unwrap(),
        }
    }

    pub async fn instance_of(node: &TestNode) -> Sender {
        let actor = tadamun::federation::actors::LocalActor::instance(&node.state)
            .await
            .unwrap();
        Sender {
            actor: actor.id.to_string(),
            key: RsaPrivateKey::from_pkcs8_pem(&actor.private_key_pem).unwrap(),
        }
    }

    pub async fn post(&self, to: &TestNode, body: &Value, opts: Opts) -> StatusCode {
        self.post_to(to, "/inbox", body, opts).await
    }

    pub async fn post_to(&self, to: &TestNode, path: &str, body: &Value, opts: Opts) -> StatusCode {
        self.post_bytes(to, path, serde_json::to_vec(body).unwrap(), opts).await
    }

    async fn post_bytes(&self, to: &TestNode, path: &str, mut body: Vec<u8>, opts: Opts) -> StatusCode {
        let date = httpdate::fmt_http_date((Utc::now() + opts.date_offset).into());
        let digest = format!(
            "SHA-256={}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body))
        );
        let host = to.host();
        let mut signed_headers = vec![
            ("(request-target)", format!("post {path}")),
            ("host", host.clone()),
            ("date", date.clone()),
        ];
        if opts.digest {
            signed_headers.push(("digest", digest.clone()));
        }
        let signing_string = signed_headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n");
        let signature = self
            .key
            .sign(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(signing_string.as_bytes()),
            )
            .unwrap();
        let names = signed_headers.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(" ");
        let header = format!(
            "keyId=\"{}#main-key\",algorithm=\"rsa-sha256\",headers=\"{names}\",signature=\"{}\"",
            self.actor,
            base64::engine::general_purpose::STANDARD.encode(signature)
        );
        if opts.tamper_after_signing {
            // One byte of a string value: still valid JSON, no longer what was signed.
            let at = body
                .windows(8)
                .position(|w| w == b"tampered")
                .expect("a body with `tampered` in it");
            body[at] = b'T';
        }
        let mut request = to
            .http
            .post(format!("{}{path}", to.base))
            .header("content-type", "application/activity+json")
            .header("date", date)
            .body(body);
        if opts.digest {
            request = request.header("digest", digest);
        }
        if opts.sign {
            request = request.header("signature", header);
        }
        request.send().await.unwrap().status()
    }
}

/// Adds an integrity proof by organisation `slug` of `node`, as that node would.
pub async fn sign_as(node: &TestNode, slug: &str, document: &mut Value) {
    let org = tadamun::db::accounts::find_org_by_slug(node.db(), slug)
        .await
        .unwrap()
        .unwrap();
    let actor = url::Url::parse(&format!("{}/orgs/{slug}", node.base)).unwrap();
    document.as_object_mut().unwrap().remove("proof");
    tadamun::federation::integrity::sign(&node.state, &org.id, &actor, document)
        .await
        .unwrap();
}

/// Signs the alert inside a Create or Update, then the activity.
pub async fn sign_activity_as(node: &TestNode, slug: &str, activity: &mut Value) {
    if activity["object"].is_object() {
        sign_as(node, slug, &mut activity["object"]).await;
    }
    sign_as(node, slug, activity).await;
}

/// A Create of an alert by `author` (an org actor URL) with id `alert_id`.
fn create_alert(activity_id: &str, actor: &str, alert_id: &str, author: &str, title: &str, html: &str) -> Value {
    let mut document: Value =
        serde_json::from_str(include_str!("../../federation/examples/create-alert.json")).unwrap();
    document["id"] = json!(activity_id);
    document["actor"] = json!(actor);
    document["object"]["id"] = json!(alert_id);
    document["object"]["attributedTo"] = json!(author);
    document["object"]["name"] = json!(title);
    document["object"]["nameMap"] = json!({"en": title});
    document["object"]["content"] = json!(html);
    document["object"]["contentMap"] = json!({"en": html});
    document["object"]["sharing"] = json!("network");
    document["object"]["to"] = json!([]);
    document
}

async fn remote_count(node: &TestNode) -> i64 {
    node.count("remote_alerts").await
}

async fn transport_rules_refuse_bad_requests(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    let sender = Sender::org_of(&b.node, "blue").await;
    let base = &b.node.base;
    let activity = |n: u32, html: &str| {
        create_alert(
            &format!("{base}/activities/t{n}"),
            &sender.actor,
            &format!("{base}/alerts/t{n}"),
            &format!("{base}/orgs/blue"),
            &format!("Alert {n}"),
            html,
        )
    };

    // Over 1 MiB: 413 before anything else, so not even the sender's key is fetched.
    sqlx::query("DELETE FROM remote_actors")
        .execute(&a.node.db().pool)
        .await
        .unwrap();
    let mut huge = activity(1, "<p>x</p>");
    huge["object"]["content"] = json!("x".repeat(1024 * 1024));
    assert_eq!(sender.post(&a.node, &huge, GOOD).await, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        a.node.count("remote_actors").await,
        0,
        "no key fetch for an oversized body"
    );

    let unsigned = Opts { sign: false, ..GOOD };
    assert_eq!(
        sender.post(&a.node, &activity(2, "x"), unsigned).await,
        StatusCode::UNAUTHORIZED
    );
    let tampered = Opts {
        tamper_after_signing: true,
        ..GOOD
    };
    assert_eq!(
        sender.post(&a.node, &activity(3, "tampered body"), tampered).await,
        StatusCode::UNAUTHORIZED
    );
    let no_digest = Opts { digest: false, ..GOOD };
    assert_eq!(
        sender.post(&a.node, &activity(4, "x"), no_digest).await,
        StatusCode::UNAUTHORIZED
    );
    for hours in [-2, 2] {
        let skewed = Opts {
            date_offset: Duration::hours(hours),
            ..GOOD
        };
        assert_eq!(
            sender.post(&a.node, &activity(5, "x"), skewed).await,
            StatusCode::UNAUTHORIZED,
            "{hours} h"
        );
    }
    // Signed with a key that is not the actor's.
    let impostor = Sender {
        actor: sender.actor.clone(),
        key: RsaPrivateKey::from_pkcs8_pem(&crate::support::other_key().private_key).unwrap(),
    };
    assert_eq!(
        impostor.post(&a.node, &activity(6, "x"), GOOD).await,
        StatusCode::UNAUTHORIZED
    );
    // Activity id on one host, actor on another.
    let mut elsewhere = activity(7, "x");
    elsewhere["id"] = json!("https://evil.example/activities/1");
    assert_eq!(sender.post(&a.node, &elsewhere, GOOD).await, StatusCode::FORBIDDEN);
    assert_eq!(remote_count(&a.node).await, 0, "nothing stored from refused requests");

    // A good one, twice: both 2xx, one row. HTML from elsewhere is sanitised.
    let mut good = activity(
        8,
        "<p onclick=\"steal()\">Facts</p><script>alert(1)</script><a href=\"javascript:x()\">l</a><iframe src=\"https://x\"></iframe>",
    );
    // Without integrity proofs it is refused, HTTP signature or not.
    assert_eq!(sender.post(&a.node, &good, GOOD).await, StatusCode::UNAUTHORIZED);
    sign_activity_as(&b.node, "blue", &mut good).await;
    assert_eq!(sender.post(&a.node, &good, GOOD).await, StatusCode::ACCEPTED);
    assert_eq!(sender.post(&a.node, &good, GOOD).await, StatusCode::ACCEPTED);
    assert_eq!(remote_count(&a.node).await, 1);
    let (_, list) = a.node.get(&a.coordinator, "/api/v1/network/alerts").await;
    let body = list["items"][0]["body"]["en"].as_str().unwrap().to_string();
    assert!(body.contains("Facts"), "{body}");
    for bad in ["script", "onclick", "javascript:", "iframe"] {
        assert!(!body.contains(bad), "{bad} in {body}");
    }
}

/// An alert that names tens of thousands of addressees, or one violation type
/// tens of thousands of times (more than one SQL statement may bind), is
/// stored like any other: no 500.
async fn huge_lists_in_an_alert_are_no_server_error(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    let green = Sender::org_of(&a.node, "green").await;
    let addressees: Vec<String> = (0..34_000).map(|n| format!("http://x/{n}")).collect();
    let violations = vec!["surveillance"; 34_000];
    for (n, (field, value)) in [("to", json!(addressees)), ("violationTypes", json!(violations))]
        .into_iter()
        .enumerate()
    {
        let mut create = create_alert(
            &format!("{}/activities/huge-{n}", a.node.base),
            &green.actor,
            &format!("{}/alerts/huge-{n}", a.node.base),
            &green.actor,
            &format!("Huge {n}"),
            "x",
        );
        create["object"][field] = value;
        sign_activity_as(&a.node, "green", &mut create).await;
        assert_eq!(
            green.post(&b.node, &create, GOOD).await,
            StatusCode::ACCEPTED,
            "{field}"
        );
    }
    assert_eq!(remote_count(&b.node).await, 2);
    let (_, listed) = b
        .node
        .get(&b.coordinator, "/api/v1/network/alerts?violation=surveillance")
        .await;
    assert_eq!(listed["total"], 1, "{listed}");
}

async fn only_the_origin_changes_its_alerts(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let c = Member::spawn(&env, "red").await;
    peer(&a, &b, "connected").await;
    peer(&a, &c, "connected").await;
    peer(&b, &c, "connected").await;
    let own = a.publish(titled("A's own alert", "network")).await;
    let from_c = c.publish(titled("C's alert", "network")).await;
    deliver_all(&[&a.node, &b.node, &c.node]).await;
    assert_eq!(b.network_titles().await, ["A's own alert", "C's alert"]);

    let sender = Sender::instance_of(&b.node).await;
    // B updates A's alert (on A, and on another node that has it).
    let mut update = create_alert(
        &format!("{}/activities/u1", b.node.base),
        &sender.actor,
        &format!("{}/alerts/{own}", a.node.base),
        &a.org_actor(),
        "Hijacked",
        "x",
    );
    update["type"] = json!("Update");
    update["object"]["version"] = json!(99);
    assert_eq!(sender.post(&a.node, &update, GOOD).await, StatusCode::FORBIDDEN);
    let (_, still) = a.node.get(&a.coordinator, &format!("/api/v1/alerts/{own}")).await;
    assert_eq!(still["title"]["en"], "A's own alert");

    // B deletes C's alert on A.
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/d1", b.node.base),
        "type": "Delete",
        "actor": sender.actor,
        "object": format!("{}/alerts/{from_c}", c.node.base),
    });
    assert_eq!(sender.post(&a.node, &delete, GOOD).await, StatusCode::FORBIDDEN);
    assert!(a.network_titles().await.contains(&"C's alert".to_string()));
    // And claiming C's alert as B's own under B's actor is refused too.
    let mut claim = create_alert(
        &format!("{}/activities/u2", b.node.base),
        &sender.actor,
        &format!("{}/alerts/{from_c}", c.node.base),
        &format!("{}/orgs/blue", b.node.base),
        "Claimed",
        "x",
    );
    claim["type"] = json!("Update");
    assert_eq!(sender.post(&a.node, &claim, GOOD).await, StatusCode::FORBIDDEN);
    assert!(a.network_titles().await.contains(&"C's alert".to_string()));

    // Another organisation on A, signing as itself, may not take over A's
    // alert on B either: refused, and nothing of it written or marked.
    a.node
        .staff("olive", tadamun::domain::vocab::Role::Coordinator, "olive-coordinator")
        .await;
    let olive = Sender::org_of(&a.node, "olive").await;
    let mut takeover = create_alert(
        &format!("{}/activities/takeover", a.node.base),
        &olive.actor,
        &format!("{}/alerts/{own}", a.node.base),
        &olive.actor,
        "Taken over",
        "x",
    );
    takeover["type"] = json!("Update");
    takeover["object"]["version"] = json!(99);
    sign_activity_as(&a.node, "olive", &mut takeover).await;
    assert_eq!(olive.post(&b.node, &takeover, GOOD).await, StatusCode::FORBIDDEN);
    assert!(b.network_titles().await.contains(&"A's own alert".to_string()));
    let (marked,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM received_activities WHERE id LIKE '%/takeover'")
        .fetch_one(&b.node.db().pool)
        .await
        .unwrap();
    assert_eq!(marked, 0);
}

async fn trust_is_decided_before_anything_is_fetched(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let stranger = Member::spawn(&env, "gold").await;
    peer(&a, &b, "connected").await;
    let b_sender = Sender::instance_of(&b.node).await;
    let s_sender = Sender::instance_of(&stranger.node).await;
    let alert_from = |m: &Member, s: &Sender, n: u32| {
        create_alert(
            &format!("{}/activities/n{n}", m.node.base),
            &s.actor,
            &format!("{}/alerts/n{n}", m.node.base),
            &m.org_actor(),
            "From elsewhere",
            "x",
        )
    };

    // An unknown node may only ask to federate: 403, and its key is never fetched.
    assert_eq!(
        s_sender.post(&a.node, &alert_from(&stranger, &s_sender, 1), GOOD).await,
        StatusCode::FORBIDDEN
    );
    let (fetched,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM remote_actors WHERE host = $1")
        .bind(stranger.node.host())
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(fetched, 0);

    // Variants of one host get one decision: block B under another spelling.
    let port = b.node.host().rsplit(':').next().unwrap().to_string();
    let (status, blocked) = a
        .node
        .patch(
            &a.admin,
            &format!("/api/v1/peers/LOCALHOST.:{port}"),
            &json!({"trust": "blocked"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{blocked}");
    assert_eq!(blocked["host"], b.node.host());
    sqlx::query("DELETE FROM remote_actors")
        .execute(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(
        b_sender.post(&a.node, &alert_from(&b, &b_sender, 2), GOOD).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        a.node.count("remote_actors").await,
        0,
        "nothing fetched for a blocked node"
    );
    assert_eq!(a.node.count("remote_alerts").await, 0);

    for (variant, expected) in [
        ("Node.Example.", "node.example"),
        ("node.example:443", "node.example"),
        ("https://NODE.example:443/", "node.example"),
        ("bücher.example", "xn--bcher-kva.example"),
    ] {
        assert_eq!(
            tadamun::federation::urls::normalise_host(variant).as_deref(),
            Some(expected),
            "{variant}"
        );
    }
    let (_, one) = a
        .node
        .patch(&a.admin, "/api/v1/peers/Bücher.Example.", &json!({"trust": "trusted"}))
        .await;
    let (status, same) = a.node.get(&a.admin, "/api/v1/peers/xn--bcher-kva.example:443").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (one["host"].clone(), same["trust"].clone()),
        (json!("xn--bcher-kva.example"), json!("trusted"))
    );

    // Wrong level or role: refused with a message.
    let (status, _) = a
        .node
        .patch(&a.admin, "/api/v1/peers/node.example", &json!({"trust": "pending"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = a
        .node
        .patch(
            &a.coordinator,
            "/api/v1/peers/node.example",
            &json!({"trust": "trusted"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A server that answers every GET with `body` as `content_type`.
async fn fake_server(body: Value, content_type: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let body = body.to_string().replace("{PORT}", &port.to_string());
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move { ([(axum::http::header::CONTENT_TYPE, content_type)], body) }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://localhost:{port}")
}

async fn documents_count_only_from_their_own_id_and_type(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let actor = |id: &str| {
        json!({"id": id, "type": "Application", "inbox": "http://localhost:{PORT}/inbox",
               "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": crate::support::other_key().public_key}})
    };
    // An actor document claiming to be someone else's actor.
    let impostor = fake_server(actor("http://127.0.0.1:1/actor"), "application/activity+json").await;
    let (status, refused) = a.node.post(&a.admin, "/api/v1/peers", &json!({"url": impostor})).await;
    assert!(
        status.is_client_error() || status.is_server_error(),
        "{status} {refused}"
    );
    assert!(refused["error"].as_str().unwrap().contains("another id"), "{refused}");
    // A document that is not ActivityStreams.
    let plain = fake_server(actor("http://localhost:{PORT}/actor"), "text/plain").await;
    let (status, refused) = a.node.post(&a.admin, "/api/v1/peers", &json!({"url": plain})).await;
    assert!(!status.is_success(), "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("ActivityStreams"),
        "{refused}"
    );
    let image = fake_server(actor("http://localhost:{PORT}/actor"), "image/png").await;
    let (status, _) = a.node.post(&a.admin, "/api/v1/peers", &json!({"url": image})).await;
    assert!(!status.is_success());
    // A redirect (here towards another address) is never followed.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::FOUND,
            [(axum::http::header::LOCATION, "http://127.0.0.1:9/actor")],
            "",
        )
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let (status, _) = a
        .node
        .post(
            &a.admin,
            "/api/v1/peers",
            &json!({"url": format!("http://localhost:{port}")}),
        )
        .await;
    assert!(!status.is_success());
    assert_eq!(a.node.count("remote_actors").await, 0, "no identity taken over");
    assert_eq!(a.node.count("peers").await, 0);
}

async fn outbound_fetches_never_reach_private_addresses(env: TestEnv) {
    let node = TestNode::spawn_production(&env).await;
    let admin = node.staff("green", tadamun::domain::vocab::Role::Admin, "ada").await;
    for (url, expected) in [
        ("https://127.0.0.1", StatusCode::FORBIDDEN),
        ("https://localhost", StatusCode::FORBIDDEN),
        ("https://[::1]", StatusCode::FORBIDDEN),
        ("https://169.254.169.254", StatusCode::FORBIDDEN),
        ("https://10.0.0.1", StatusCode::FORBIDDEN),
        ("http://node.example", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, body) = node.post(&admin, "/api/v1/peers", &json!({"url": url})).await;
        assert_eq!(status, expected, "{url}: {body}");
    }
    assert_eq!(node.count("peers").await, 0);
    assert_eq!(node.count("remote_actors").await, 0);

    // The client speaks TLS: https to a server that only speaks plain http fails
    // in the handshake, not for want of https support.
    let dev = Member::spawn(&env, "green").await;
    let plain = TestNode::spawn(&env).await;
    let https = plain.base.replace("http://", "https://");
    let (status, body) = dev.node.post(&dev.admin, "/api/v1/peers", &json!({"url": https})).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let message = body["error"].as_str().unwrap().to_lowercase();
    assert!(!message.contains("scheme"), "{message}");
}

async fn a_withdrawal_that_arrives_first_wins(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    // B publishes and withdraws while A is not listening; A gets the two out of order.
    let id = b.publish(titled("Withdrawn quickly", "network")).await;
    let (status, _) = b
        .node
        .post(&b.coordinator, &format!("/api/v1/alerts/{id}/withdraw"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let queued = |kind: &'static str| {
        let pool = b.node.db().pool.clone();
        let id = id.clone();
        async move {
            let (body,): (String,) =
                sqlx::query_as("SELECT body FROM outbox_activities WHERE kind = $1 AND object_id = $2 LIMIT 1")
                    .bind(kind)
                    .bind(&id)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            serde_json::from_str::<Value>(&body).unwrap()
        }
    };
    let (create, delete) = (queued("Create").await, queued("Delete").await);
    let sender = Sender::org_of(&b.node, "blue").await;
    assert_eq!(sender.post(&a.node, &delete, GOOD).await, StatusCode::ACCEPTED);
    assert_eq!(sender.post(&a.node, &create, GOOD).await, StatusCode::ACCEPTED);
    assert!(
        a.network_titles().await.is_empty(),
        "the late Create cannot bring it back"
    );
    assert_eq!(a.node.count("remote_alerts").await, 1, "only the tombstone");
}

/// A follower on a connected host names, as its inbox, the inbox of a node
/// this one blocked (which still accepts this node's alerts): its Follow is
/// refused, and inboxes on other hosts already recorded (a follower's, a
/// peer's) get nothing, whichever route the address came by.
async fn a_follower_cannot_send_deliveries_to_another_host(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let connected = Member::spawn(&env, "blue").await;
    let blocked = Member::spawn(&env, "grey").await;
    peer(&a, &connected, "connected").await;
    // The blocked node federates with A; A refuses it.
    blocked.add_peer(&a.node, "connected").await;
    a.set_peer(&blocked.node.host(), "blocked").await;
    deliver_all(&[&a.node, &connected.node, &blocked.node]).await;
    let blocked_inbox = format!("{}/inbox", blocked.node.base);

    let key = crate::support::other_key();
    let base = fake_server(
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": "http://localhost:{PORT}/users/mallory", "type": "Person",
            "inbox": blocked_inbox, "endpoints": {"sharedInbox": blocked_inbox},
            "publicKey": {"id": "http://localhost:{PORT}/users/mallory#main-key", "owner": "http://localhost:{PORT}/users/mallory", "publicKeyPem": key.public_key},
        }),
        "application/activity+json",
    )
    .await;
    let mallory_host = tadamun::federation::urls::normalise_host(&base).unwrap();
    a.set_peer(&mallory_host, "connected").await;
    let sender = Sender {
        actor: format!("{base}/users/mallory"),
        key: RsaPrivateKey::from_pkcs8_pem(&key.private_key).unwrap(),
    };
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{base}/follows/1"), "type": "Follow",
        "actor": sender.actor, "object": a.org_actor(),
    });
    assert_eq!(
        sender.post_to(&a.node, "/orgs/green/inbox", &follow, GOOD).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(a.node.count("followers").await, 0);

    // Addresses recorded before this was checked: a follower's and a peer's.
    sqlx::query(
        "INSERT INTO remote_actors (id, host, kind, name, inbox, shared_inbox, public_key_pem, document, fetched_at) \
         VALUES ($1, $2, 'Person', 'mallory', $3, $3, $4, '{}', 0)",
    )
    .bind(&sender.actor)
    .bind(&mallory_host)
    .bind(&blocked_inbox)
    .bind(&key.public_key)
    .execute(&a.node.db().pool)
    .await
    .unwrap();
    let (org_id,): (String,) = sqlx::query_as("SELECT id FROM organisations WHERE slug = 'green'")
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO followers (org_id, actor_id, host, follow, state, created_at) VALUES ($1, $2, $3, '{}', 'accepted', 0)",
    )
    .bind(&org_id)
    .bind(&sender.actor)
    .bind(&mallory_host)
    .execute(&a.node.db().pool)
    .await
    .unwrap();
    let peered = sqlx::query("UPDATE peers SET shared_inbox = $1 WHERE host = $2 AND trust = 'connected'")
        .bind(&blocked_inbox)
        .bind(&mallory_host)
        .execute(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(peered.rows_affected(), 1);

    a.publish(titled("Public alert", "public")).await;
    a.publish(titled("Network alert", "network")).await;
    deliver_all(&[&a.node, &connected.node, &blocked.node]).await;
    assert_eq!(connected.network_titles().await, ["Network alert", "Public alert"]);
    assert!(blocked.network_titles().await.is_empty());
    assert_eq!(blocked.node.count("remote_alerts").await, 0);
    let (queued,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox_deliveries WHERE inbox = $1")
        .bind(&blocked_inbox)
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(queued, 0, "nothing is even queued for the blocked node's inbox");
}

/// What other nodes send is held to the rules of local input: a received
/// alert with NUL in a field is refused by name, on SQLite (which could store
/// it) as on PostgreSQL (which could not), and nothing is stored.
async fn nul_in_a_received_alert_is_refused(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    let green = Sender::org_of(&a.node, "green").await;
    for (n, field) in ["name", "summary"].into_iter().enumerate() {
        let mut create = create_alert(
            &format!("{}/activities/nul-{n}", a.node.base),
            &green.actor,
            &format!("{}/alerts/nul-{n}", a.node.base),
            &green.actor,
            "Threats",
            "x",
        );
        create["object"][field] = json!("Threats\u{0}against defenders");
        sign_activity_as(&a.node, "green", &mut create).await;
        let response = b
            .node
            .http
            .post(format!("{}/inbox", b.node.base))
            .header("content-type", "application/activity+json")
            .body(serde_json::to_vec(&create).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let refused: Value = response.json().await.unwrap();
        assert!(
            refused["fields"][format!("object.{field}")].is_string(),
            "{field}: {refused}"
        );
        // Signed properly, it is refused all the same.
        assert_eq!(
            green.post(&b.node, &create, GOOD).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
    }
    assert_eq!(remote_count(&b.node).await, 0);
}

/// A proof is optional on a `Follow` (other software re-serialises what it
/// embeds), but one that is there must verify: a valid HTTP signature does
/// not make up for a document whose author's proof fails.
async fn a_proof_is_checked_wherever_it_is(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    let blue = Sender::org_of(&b.node, "blue").await;
    let follow = |n: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/follow-{n}", b.node.base),
            "type": "Follow",
            "actor": blue.actor,
            "object": a.org_actor(),
            "summary": "not tampered",
        })
    };
    let marked = |n: &'static str| {
        let pool = a.node.db().pool.clone();
        async move {
            let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM received_activities WHERE id LIKE $1")
                .bind(format!("%/follow-{n}"))
                .fetch_one(&pool)
                .await
                .unwrap();
            count
        }
    };

    let mut forged = follow("forged");
    sign_as(&b.node, "blue", &mut forged).await;
    forged["summary"] = json!("tampered after the proof");
    assert_eq!(blue.post(&a.node, &forged, GOOD).await, StatusCode::UNAUTHORIZED);
    assert_eq!(marked("forged").await, 0, "a refused activity is not marked processed");

    let mut by_another = follow("other");
    sign_as(&a.node, "green", &mut by_another).await;
    assert_eq!(blue.post(&a.node, &by_another, GOOD).await, StatusCode::UNAUTHORIZED);

    let mut signed = follow("signed");
    sign_as(&b.node, "blue", &mut signed).await;
    assert_eq!(blue.post(&a.node, &signed, GOOD).await, StatusCode::ACCEPTED);
    assert_eq!(marked("signed").await, 1);
    assert_eq!(
        blue.post(&a.node, &follow("unsigned"), GOOD).await,
        StatusCode::ACCEPTED
    );
}

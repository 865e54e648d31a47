//! Real nodes on loopback ports federating: peering at every trust level,
//! alerts of every audience reaching exactly the nodes allowed, updates,
//! narrowing, withdrawal, and signed fetches of non-public alerts.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::support::{TestCase, TestEnv, TestNode, alert_body, deliver_all};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        alerts_reach_exactly_the_nodes_their_audience_allows,
        non_public_alerts_are_fetched_only_by_allowed_nodes,
        a_follow_from_other_software_asks_to_federate,
        trust_changes_reach_alerts_already_published,
        a_loss_of_audience_is_reversible_a_withdrawal_is_not,
        restricted_alerts_reach_every_organisation_named_on_a_node,
        a_stopped_node_lets_go_of_its_state,
    ]
}

/// A node with an admin and a coordinator of organisation `org`.
pub struct Member {
    pub node: TestNode,
    pub admin: String,
    pub coordinator: String,
    pub org: String,
}

impl Member {
    pub async fn spawn(env: &TestEnv, org: &str) -> Member {
        let node = TestNode::spawn(env).await;
        let admin = node.staff(org, Role::Admin, &format!("{org}-admin")).await;
        let coordinator = node.staff(org, Role::Coordinator, &format!("{org}-coord")).await;
        Member {
            node,
            admin,
            coordinator,
            org: org.to_string(),
        }
    }

    pub fn org_actor(&self) -> String {
        format!("{}/orgs/{}", self.node.base, self.org)
    }

    pub async fn add_peer(&self, other: &TestNode, trust: &str) -> Value {
        let (status, peer) = self
            .node
            .post(
                &self.admin,
                "/api/v1/peers",
                &json!({"url": other.base, "trust": trust}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{peer}");
        peer
    }

    pub async fn add_peer_url(&self, url: &str, trust: &str) -> Value {
        let (status, peer) = self
            .node
            .post(&self.admin, "/api/v1/peers", &json!({"url": url, "trust": trust}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{peer}");
        peer
    }

    pub async fn set_peer(&self, host: &str, trust: &str) -> Value {
        let (status, peer) = self
            .node
            .patch(&self.admin, &format!("/api/v1/peers/{host}"), &json!({"trust": trust}))
            .await;
        assert_eq!(status, StatusCode::OK, "{peer}");
        peer
    }

    /// Creates, submits and publishes an alert; returns its id.
    pub async fn publish(&self, body: Value) -> String {
        let (status, alert) = self.node.post(&self.coordinator, "/api/v1/alerts", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{alert}");
        let id = alert["id"].as_str().unwrap().to_string();
        for step in ["submit", "publish"] {
            let (status, body) = self
                .node
                .post(&self.coordinator, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
                .await;
            assert_eq!(status, StatusCode::OK, "{step}: {body}");
        }
        id
    }

    /// Titles of the network alerts this node's coordinator sees.
    pub async fn network_titles(&self) -> Vec<String> {
        let (status, list) = self.node.get(&self.coordinator, "/api/v1/network/alerts").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let mut titles: Vec<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"]["en"].as_str().unwrap().to_string())
            .collect();
        titles.sort();
        titles
    }
}

pub fn titled(title: &str, audience: &str) -> Value {
    let mut body = alert_body();
    body["title"] = json!({"en": title});
    body["audience"] = json!(audience);
    body
}

/// Peers `a` with `b` at `level`, both ways: a asks, b approves.
pub async fn peer(a: &Member, b: &Member, level: &str) {
    a.add_peer(&b.node, level).await;
    deliver_all(&[&a.node, &b.node]).await;
    b.set_peer(&a.node.host(), level).await;
    deliver_all(&[&a.node, &b.node]).await;
}

async fn alerts_reach_exactly_the_nodes_their_audience_allows(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let trusted = Member::spawn(&env, "blue").await;
    let connected = Member::spawn(&env, "red").await;
    let pending = Member::spawn(&env, "gold").await;
    let blocked = Member::spawn(&env, "grey").await;
    let all = [&a.node, &trusted.node, &connected.node, &pending.node, &blocked.node];

    peer(&a, &trusted, "trusted").await;
    peer(&a, &connected, "connected").await;
    // `pending` asks; A's admin has not decided. `blocked` is refused outright.
    pending.add_peer(&a.node, "connected").await;
    a.set_peer(&blocked.node.host(), "blocked").await;
    blocked.add_peer(&a.node, "connected").await;
    deliver_all(&all).await;

    let (_, peers) = a.node.get(&a.admin, "/api/v1/peers").await;
    let level = |host: String| {
        let p = peers["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["host"] == host.as_str())
            .cloned();
        p.map(|p| {
            (
                p["trust"].as_str().unwrap().to_string(),
                p["their_answer"].as_str().unwrap().to_string(),
                p["awaiting_decision"].as_bool().unwrap(),
            )
        })
    };
    assert_eq!(
        level(trusted.node.host()),
        Some(("trusted".into(), "accepted".into(), false))
    );
    assert_eq!(
        level(connected.node.host()),
        Some(("connected".into(), "accepted".into(), false))
    );
    assert_eq!(
        level(pending.node.host()),
        Some(("pending".into(), "none".into(), true)),
        "{peers}"
    );
    assert_eq!(
        level(blocked.node.host()),
        Some(("blocked".into(), "none".into(), false))
    );
    // The blocked node's request was refused with 403 and is listed as undelivered there.
    let (refused,): (String,) = sqlx::query_as("SELECT last_error FROM outbox_deliveries WHERE state = 'failed'")
        .fetch_one(&blocked.node.db().pool)
        .await
        .unwrap();
    assert!(refused.contains("403"), "{refused}");

    // One alert of each audience; `restricted` names red's organisation.
    a.publish(titled("Public alert", "public")).await;
    let network_id = a.publish(titled("Network alert", "network")).await;
    a.publish(titled("Trusted alert", "trusted")).await;
    let mut restricted = titled("Restricted alert", "restricted");
    restricted["restricted_to"] = json!([connected.org_actor()]);
    restricted["consent"]["allowed_uses"] = json!(["named_addressees_only"]);
    a.publish(restricted).await;
    a.publish(titled("Node alert", "node")).await;
    deliver_all(&all).await;

    assert_eq!(
        trusted.network_titles().await,
        ["Network alert", "Public alert", "Trusted alert"]
    );
    assert_eq!(
        connected.network_titles().await,
        ["Network alert", "Public alert", "Restricted alert"]
    );
    assert!(pending.network_titles().await.is_empty());
    assert!(blocked.network_titles().await.is_empty());
    // On the connected node, only the named organisation sees the restricted alert.
    let other_org = connected.node.staff("violet", Role::Viewer, "violet-viewer").await;
    let (_, seen) = connected.node.get(&other_org, "/api/v1/network/alerts").await;
    let titles: Vec<&str> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"]["en"].as_str().unwrap())
        .collect();
    assert!(!titles.contains(&"Restricted alert"), "{titles:?}");

    // Nothing was even addressed to the pending or blocked node, and restricted
    // content went to the named organisation's own inbox only.
    let hosts: Vec<(String, String)> = sqlx::query_as("SELECT DISTINCT host, inbox FROM outbox_deliveries d JOIN outbox_activities a ON a.id = d.activity_id WHERE a.kind = 'Create'")
        .fetch_all(&a.node.db().pool)
        .await
        .unwrap();
    for (host, inbox) in &hosts {
        assert!(host == &trusted.node.host() || host == &connected.node.host(), "{host}");
        if host == &connected.node.host() {
            assert!(inbox.ends_with("/inbox"), "{inbox}");
        }
    }
    let (restricted_inboxes,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM outbox_deliveries d JOIN outbox_activities a ON a.id = d.activity_id \
         WHERE a.kind = 'Create' AND a.body LIKE '%Restricted alert%' AND d.inbox LIKE '%/orgs/red/inbox'",
    )
    .fetch_one(&a.node.db().pool)
    .await
    .unwrap();
    assert_eq!(restricted_inboxes, 1);

    // What arrived carries the alert's fields and nothing local-only.
    let (_, list) = trusted
        .node
        .get(&trusted.coordinator, "/api/v1/network/alerts?q=network")
        .await;
    let got = &list["items"][0];
    assert_eq!(got["origin"], a.node.host());
    assert_eq!(got["audience"], "network");
    assert_eq!(got["country"], "GT");
    assert_eq!(got["violation_types"], json!(["death_threat", "judicial_harassment"]));
    assert_eq!(
        got["requested_actions"][0]["model_text"]["es"],
        "Le instamos a investigar."
    );
    assert!(got["number"].as_str().unwrap().starts_with("SOS-"));
    for node in [&trusted.node, &connected.node] {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT document FROM remote_alerts")
            .fetch_all(&node.db().pool)
            .await
            .unwrap();
        let documents: String = rows.into_iter().map(|(d,)| d).collect::<Vec<_>>().join(" ");
        for secret in [
            "SECRET-LOCATION",
            "SECRET-CONTACT",
            "SECRET-FAMILY",
            "SECRET-NOTES",
            "community council",
            "coord",
        ] {
            assert!(!documents.contains(secret), "{secret} leaked: {documents}");
        }
    }

    // The same filters as local alerts.
    let (_, filtered) = connected
        .node
        .get(
            &connected.coordinator,
            "/api/v1/network/alerts?violation=death_threat&country=gt&urgency=immediate",
        )
        .await;
    assert_eq!(filtered["total"], 3);
    let (_, none) = connected
        .node
        .get(&connected.coordinator, "/api/v1/network/alerts?country=PH")
        .await;
    assert_eq!(none["total"], 0);
    let (status, _) = connected
        .node
        .get(&connected.coordinator, "/api/v1/network/alerts?status=bogus")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // An update reaches every node that has the alert.
    let path = format!("/api/v1/alerts/{network_id}");
    let (status, _) = a
        .node
        .patch(
            &a.coordinator,
            &path,
            &json!({"summary": {"en": "New facts"}, "violation_types": ["arbitrary_arrest_detention"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    deliver_all(&all).await;
    for member in [&trusted, &connected] {
        let (_, list) = member
            .node
            .get(&member.coordinator, "/api/v1/network/alerts?q=network")
            .await;
        assert_eq!(list["items"][0]["summary"]["en"], "New facts");
        assert_eq!(list["items"][0]["version"], 4);
        // The new version's violations replace the old ones in the filters.
        for (violation, total) in [("arbitrary_arrest_detention", 1), ("death_threat", 0)] {
            let (_, found) = member
                .node
                .get(
                    &member.coordinator,
                    &format!("/api/v1/network/alerts?q=network&violation={violation}"),
                )
                .await;
            assert_eq!(found["total"], total, "{violation}: {found}");
        }
    }

    // Narrowing to `trusted` withdraws it from the merely connected node.
    let (status, _) = a
        .node
        .patch(&a.coordinator, &path, &json!({"audience": "trusted"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    deliver_all(&all).await;
    assert!(trusted.network_titles().await.contains(&"Network alert".to_string()));
    assert!(!connected.network_titles().await.contains(&"Network alert".to_string()));

    // Withdrawal purges it everywhere it went, keeping a tombstone.
    let (status, _) = a
        .node
        .post(
            &a.coordinator,
            &format!("{path}/withdraw"),
            &json!({"reason": "consent"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    deliver_all(&all).await;
    for member in [&trusted, &connected] {
        assert!(!member.network_titles().await.contains(&"Network alert".to_string()));
        let row: Option<(String, String, Option<i64>)> =
            sqlx::query_as("SELECT title, document, deleted_at FROM remote_alerts WHERE id LIKE $1")
                .bind(format!("%{network_id}"))
                .fetch_optional(&member.node.db().pool)
                .await
                .unwrap();
        if let Some((title, document, deleted)) = row {
            assert!(title.is_empty() && deleted.is_some());
            assert!(
                document.contains("Tombstone") && !document.contains("Network alert"),
                "{document}"
            );
            let (_, one) = member.node.get(&member.coordinator, "/api/v1/network/alerts?q=").await;
            assert!(!one.to_string().contains("Network alert"));
        }
    }
    let (tombstones,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM remote_alerts WHERE deleted_at IS NOT NULL")
        .fetch_one(&connected.node.db().pool)
        .await
        .unwrap();
    assert_eq!(tombstones, 1, "the connected node purged it when the audience narrowed");
}

async fn non_public_alerts_are_fetched_only_by_allowed_nodes(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let trusted = Member::spawn(&env, "blue").await;
    let connected = Member::spawn(&env, "red").await;
    let stranger = Member::spawn(&env, "gold").await;
    peer(&a, &trusted, "trusted").await;
    peer(&a, &connected, "connected").await;
    let public = a.publish(titled("Public", "public")).await;
    let network = a.publish(titled("Network", "network")).await;
    let trusted_only = a.publish(titled("Trusted", "trusted")).await;
    let draft = {
        let (_, d) = a
            .node
            .post(&a.coordinator, "/api/v1/alerts", &titled("Draft", "node"))
            .await;
        d["id"].as_str().unwrap().to_string()
    };

    let fetch_as = |by: &TestNode, id: &str| {
        let url = url::Url::parse(&format!("{}/alerts/{id}", a.node.base)).unwrap();
        let state = by.state.clone();
        async move {
            let data = tadamun::federation::data(&state).await.unwrap();
            activitypub_federation::fetch::fetch_object_http::<_, Value>(&url, &data)
                .await
                .map(|r| r.object)
        }
    };
    // Unsigned: public only, with the ActivityStreams content type.
    let resp = a
        .node
        .http
        .get(format!("{}/alerts/{public}", a.node.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/activity+json");
    let doc: Value = resp.json().await.unwrap();
    assert_eq!(doc["type"], json!(["Article", "Alert"]));
    assert!(!doc.to_string().contains("SECRET"));
    for id in [&network, &trusted_only, &draft] {
        let resp = a
            .node
            .http
            .get(format!("{}/alerts/{id}", a.node.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{id}");
    }
    // Signed: by what the signer's node may see.
    assert_eq!(fetch_as(&trusted.node, &network).await.unwrap()["name"], "Network");
    assert_eq!(fetch_as(&trusted.node, &trusted_only).await.unwrap()["name"], "Trusted");
    assert_eq!(fetch_as(&connected.node, &network).await.unwrap()["name"], "Network");
    assert!(
        fetch_as(&connected.node, &trusted_only).await.is_err(),
        "connected is below trusted"
    );
    assert!(
        fetch_as(&stranger.node, &network).await.is_err(),
        "unknown nodes get 404"
    );
    assert!(
        fetch_as(&trusted.node, &draft).await.is_err(),
        "drafts never leave the node"
    );
    // A node that is later blocked loses access.
    a.set_peer(&connected.node.host(), "blocked").await;
    assert!(fetch_as(&connected.node, &network).await.is_err());
}

/// Another ActivityPub server (not Tadamun): one Person actor whose inbox
/// records what it gets.
struct OtherSoftware {
    actor: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
    sender: crate::inbox_security::Sender,
}

impl OtherSoftware {
    async fn start() -> OtherSoftware {
        use axum::routing::{get, post};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let actor = format!("{base}/users/mx");
        let key = crate::support::other_key();
        let document = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": actor, "type": "Person", "preferredUsername": "mx",
            "inbox": format!("{actor}/inbox"), "outbox": format!("{actor}/outbox"),
            "publicKey": {"id": format!("{actor}#main-key"), "owner": actor, "publicKeyPem": key.public_key},
        });
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = received.clone();
        let app = axum::Router::new()
            .route(
                "/users/mx",
                get(move || {
                    let document = document.clone();
                    async move {
                        (
                            [(
                                axum::http::header::CONTENT_TYPE,
                                "application/activity+json; charset=utf-8",
                            )],
                            document.to_string(),
                        )
                    }
                }),
            )
            .route(
                "/users/mx/inbox",
                post(move |body: axum::body::Bytes| {
                    let sink = sink.clone();
                    async move {
                        sink.lock()
                            .unwrap()
                            .push(serde_json::from_slice::<Value>(&body).unwrap());
                        StatusCode::ACCEPTED
                    }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let sender = crate::inbox_security::Sender {
            actor: actor.clone(),
            key: rsa::pkcs8::DecodePrivateKey::from_pkcs8_pem(&key.private_key).unwrap(),
        };
        OtherSoftware {
            actor,
            received,
            sender,
        }
    }

    fn received_types(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|a| a["type"].as_str().unwrap().to_string())
            .collect()
    }
}

async fn a_follow_from_other_software_asks_to_federate(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let other = OtherSoftware::start().await;
    let other_host = tadamun::federation::urls::normalise_host(&other.actor).unwrap();
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/1", other.actor),
        "type": "Follow",
        "actor": other.actor,
        "object": a.org_actor(),
    });
    let status = other
        .sender
        .post_to(&a.node, "/orgs/green/inbox", &follow, crate::inbox_security::GOOD)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    deliver_all(&[&a.node]).await;
    assert!(other.received_types().is_empty(), "held until an admin decides");
    let (_, waiting) = a.node.get(&a.admin, &format!("/api/v1/peers/{other_host}")).await;
    assert_eq!(
        (
            waiting["trust"].as_str(),
            waiting["awaiting_decision"].as_bool(),
            waiting["pending_followers"].as_i64()
        ),
        (Some("pending"), Some(true), Some(1)),
        "{waiting}"
    );

    // Anything else from a pending server is refused.
    let mut sneaky = follow.clone();
    sneaky["type"] = json!("Like");
    sneaky["id"] = json!(format!("{}#likes/1", other.actor));
    assert_eq!(
        other
            .sender
            .post_to(&a.node, "/inbox", &sneaky, crate::inbox_security::GOOD)
            .await,
        StatusCode::FORBIDDEN
    );

    a.set_peer(&other_host, "connected").await;
    deliver_all(&[&a.node]).await;
    assert_eq!(other.received_types(), ["Accept"]);
    // Once connected, a type this node does not use is taken, and ignored.
    assert_eq!(
        other
            .sender
            .post_to(&a.node, "/inbox", &sneaky, crate::inbox_security::GOOD)
            .await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        other.received.lock().unwrap()[0]["object"]["id"],
        follow["id"],
        "the Follow is echoed back"
    );

    // Once accepted, the follower gets public and network alerts, not trusted ones.
    a.publish(titled("For everyone", "public")).await;
    a.publish(titled("For the network", "network")).await;
    a.publish(titled("For trusted nodes", "trusted")).await;
    deliver_all(&[&a.node]).await;
    let names: Vec<String> = other
        .received
        .lock()
        .unwrap()
        .iter()
        .skip(1)
        .map(|a| a["object"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["For everyone", "For the network"]);

    // Undo of the Follow: no more alerts.
    let undo = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}#undo/1", other.actor), "type": "Undo", "actor": other.actor, "object": follow});
    assert_eq!(
        other
            .sender
            .post_to(&a.node, "/orgs/green/inbox", &undo, crate::inbox_security::GOOD)
            .await,
        StatusCode::ACCEPTED
    );
    let (followers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM followers")
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(followers, 0);
}

async fn trust_changes_reach_alerts_already_published(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let c = Member::spawn(&env, "red").await;
    let public = a.publish(titled("Published before peering", "network")).await;
    let trusted_id = a.publish(titled("For trusted nodes", "trusted")).await;
    let mut restricted = titled("For red only", "restricted");
    let mut consent = titled("Consent will be withdrawn", "network");
    consent["consent"]["allowed_uses"] = json!(["private_advocacy"]);
    let consent_id = a.publish(consent).await;

    // A peer connected after publication gets what it may see.
    peer(&a, &b, "trusted").await;
    peer(&a, &c, "connected").await;
    deliver_all(&[&a.node, &b.node, &c.node]).await;
    assert_eq!(
        b.network_titles().await,
        [
            "Consent will be withdrawn",
            "For trusted nodes",
            "Published before peering"
        ]
    );
    assert_eq!(
        c.network_titles().await,
        ["Consent will be withdrawn", "Published before peering"]
    );

    // Restricted to red's organisation: fetched by red's node, by no one else.
    restricted["restricted_to"] = json!([c.org_actor()]);
    restricted["consent"]["allowed_uses"] = json!(["named_addressees_only"]);
    let restricted_id = a.publish(restricted).await;
    deliver_all(&[&a.node, &b.node, &c.node]).await;
    let fetch_as = |by: &TestNode, id: &str| {
        let url = url::Url::parse(&format!("{}/alerts/{id}", a.node.base)).unwrap();
        let state = by.state.clone();
        async move {
            let data = tadamun::federation::data(&state).await.unwrap();
            activitypub_federation::fetch::fetch_object_http::<_, Value>(&url, &data)
                .await
                .map(|r| r.object)
        }
    };
    let fetched = fetch_as(&c.node, &restricted_id).await.unwrap();
    assert_eq!(fetched["name"], "For red only");
    assert_eq!(fetched["to"], json!([]), "who else was named is not told");
    assert!(
        fetch_as(&b.node, &restricted_id).await.is_err(),
        "a trusted node that was not named gets 404"
    );
    assert!(c.network_titles().await.contains(&"For red only".to_string()));

    // Downgrading the trusted peer withdraws the trusted alert there.
    a.set_peer(&b.node.host(), "connected").await;
    deliver_all(&[&a.node, &b.node, &c.node]).await;
    assert!(!b.network_titles().await.contains(&"For trusted nodes".to_string()));
    // And upgrading sends it again: it was out of audience, not withdrawn.
    a.set_peer(&b.node.host(), "trusted").await;
    deliver_all(&[&a.node, &b.node, &c.node]).await;
    let (_, trusted_list) = b.node.get(&b.coordinator, "/api/v1/network/alerts?q=trusted").await;
    let _ = (&trusted_id, &public);
    assert_eq!(trusted_list["total"], 1, "{trusted_list}");

    // Withdrawal of consent withdraws the alert everywhere it went.
    let (status, _) = a
        .node
        .post(
            &a.coordinator,
            &format!("/api/v1/alerts/{consent_id}/consent/withdraw"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    deliver_all(&[&a.node, &b.node, &c.node]).await;
    for member in [&b, &c] {
        assert!(
            !member
                .network_titles()
                .await
                .contains(&"Consent will be withdrawn".to_string())
        );
    }
}

/// A withdrawn alert (or one whose consent was withdrawn) never comes back;
/// one a node lost because of trust or a narrower audience comes back when it
/// is allowed again.
async fn a_loss_of_audience_is_reversible_a_withdrawal_is_not(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let nodes = [&a.node, &b.node];
    peer(&a, &b, "connected").await;
    let back = a.publish(titled("Comes back", "network")).await;
    let withdrawn = a.publish(titled("Withdrawn", "network")).await;
    let mut consent = titled("Consent withdrawn", "network");
    consent["consent"]["allowed_uses"] = json!(["private_advocacy"]);
    let consent = a.publish(consent).await;
    let narrowed = a.publish(titled("Narrowed", "network")).await;
    deliver_all(&nodes).await;
    assert_eq!(
        b.network_titles().await,
        ["Comes back", "Consent withdrawn", "Narrowed", "Withdrawn"]
    );

    // connected → blocked → connected; two are withdrawn while B is blocked.
    a.set_peer(&b.node.host(), "blocked").await;
    deliver_all(&nodes).await;
    assert!(b.network_titles().await.is_empty());
    let (status, _) = a
        .node
        .post(
            &a.coordinator,
            &format!("/api/v1/alerts/{withdrawn}/withdraw"),
            &json!({"reason": "at the defender's request"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = a
        .node
        .post(
            &a.coordinator,
            &format!("/api/v1/alerts/{consent}/consent/withdraw"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    a.set_peer(&b.node.host(), "connected").await;
    deliver_all(&nodes).await;
    assert_eq!(b.network_titles().await, ["Comes back", "Narrowed"]);

    // An audience narrowed below B, then widened again.
    let path = format!("/api/v1/alerts/{narrowed}");
    let (status, _) = a
        .node
        .patch(&a.coordinator, &path, &json!({"audience": "trusted"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    deliver_all(&nodes).await;
    assert_eq!(b.network_titles().await, ["Comes back"]);
    let (status, _) = a
        .node
        .patch(&a.coordinator, &path, &json!({"audience": "network"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    deliver_all(&nodes).await;
    assert_eq!(b.network_titles().await, ["Comes back", "Narrowed"]);

    // trusted → connected → trusted, for a trusted alert.
    a.set_peer(&b.node.host(), "trusted").await;
    a.publish(titled("For trusted nodes", "trusted")).await;
    deliver_all(&nodes).await;
    assert_eq!(
        b.network_titles().await,
        ["Comes back", "For trusted nodes", "Narrowed"]
    );
    a.set_peer(&b.node.host(), "connected").await;
    deliver_all(&nodes).await;
    assert_eq!(b.network_titles().await, ["Comes back", "Narrowed"]);
    a.set_peer(&b.node.host(), "trusted").await;
    deliver_all(&nodes).await;
    assert_eq!(
        b.network_titles().await,
        ["Comes back", "For trusted nodes", "Narrowed"]
    );

    // Withdrawn after it came back: gone for good, whatever trust does next.
    let (status, _) = a
        .node
        .post(
            &a.coordinator,
            &format!("/api/v1/alerts/{back}/withdraw"),
            &json!({"reason": "resolved"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    deliver_all(&nodes).await;
    for level in ["blocked", "trusted"] {
        a.set_peer(&b.node.host(), level).await;
        deliver_all(&nodes).await;
    }
    assert_eq!(b.network_titles().await, ["For trusted nodes", "Narrowed"]);
    let (finals,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM remote_alerts WHERE deleted_at IS NOT NULL AND removal = 'withdrawn'")
            .fetch_one(&b.node.db().pool)
            .await
            .unwrap();
    assert_eq!(finals, 1, "the one withdrawn while B had it is tombstoned as final");

    // Every Delete is addressed like the activity it undoes: the withdrawal
    // and the loss of a network alert to the network, the loss of a trusted
    // alert to the trusted network; none to no one.
    let deletes: Vec<(String,)> = sqlx::query_as("SELECT body FROM outbox_activities WHERE kind = 'Delete'")
        .fetch_all(&a.node.db().pool)
        .await
        .unwrap();
    let (network, trusted) = (
        json!([format!("{}/network", a.node.base)]),
        json!([format!("{}/network/trusted", a.node.base)]),
    );
    let mut seen = (false, false);
    for (body,) in &deletes {
        let delete: Value = serde_json::from_str(body).unwrap();
        let of = delete["object"]["id"].as_str().unwrap();
        if of.ends_with(&back) {
            assert_eq!(delete["to"], network, "{delete}");
            seen.0 = true;
        } else if delete["to"] == trusted {
            seen.1 = true;
        } else {
            assert_eq!(delete["to"], network, "{delete}");
        }
    }
    assert_eq!(seen, (true, true), "{deletes:?}");
}

/// Whether each token's organisation sees a network alert titled `title`.
async fn who_sees(node: &TestNode, tokens: &[String], title: &str) -> Vec<bool> {
    let mut seen = Vec::new();
    for token in tokens {
        let (status, list) = node.get(token, "/api/v1/network/alerts").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        seen.push(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["title"]["en"] == title),
        );
    }
    seen
}

/// A restricted alert naming several organisations of one node reaches each
/// of them; taking one off the list takes it from that one alone.
/// Who may count the alerts in the analysis follows who may see them.
async fn counted_as_seen(nodes: &[&crate::support::TestNode]) {
    for node in nodes {
        assert_eq!(node.analysis_drift().await, (0, 0), "{}", node.base);
    }
}

async fn restricted_alerts_reach_every_organisation_named_on_a_node(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "red").await;
    let nodes = [&a.node, &b.node];
    peer(&a, &b, "connected").await;
    let violet = b.node.staff("violet", Role::Viewer, "violet-viewer").await;
    let gold = b.node.staff("gold", Role::Viewer, "gold-viewer").await;
    let white = b.node.staff("white", Role::Viewer, "white-viewer").await;
    let org = |slug: &str| format!("{}/orgs/{slug}", b.node.base);
    let tokens = [b.coordinator.clone(), violet, gold.clone(), white];
    let seen = || who_sees(&b.node, &tokens, "Named organisations");

    let mut restricted = titled("Named organisations", "restricted");
    restricted["restricted_to"] = json!([org("red"), org("violet"), org("gold")]);
    restricted["consent"]["allowed_uses"] = json!(["named_addressees_only"]);
    let id = a.publish(restricted).await;
    deliver_all(&nodes).await;
    assert_eq!(seen().await, [true, true, true, false]);
    counted_as_seen(&nodes).await;

    // Violet is taken off: only violet loses it.
    let path = format!("/api/v1/alerts/{id}");
    let (status, body) = a
        .node
        .patch(
            &a.coordinator,
            &path,
            &json!({"restricted_to": [org("red"), org("gold")]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    deliver_all(&nodes).await;
    assert_eq!(seen().await, [true, false, true, false]);
    counted_as_seen(&nodes).await;
    let (_, list) = b.node.get(&gold, "/api/v1/network/alerts").await;
    assert_eq!(
        list["items"][0]["version"], body["version"],
        "the others got the new version"
    );

    // Named again, then the node blocked and allowed again: all three, as before.
    let (status, body) = a
        .node
        .patch(
            &a.coordinator,
            &path,
            &json!({"restricted_to": [org("red"), org("violet"), org("gold")]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    deliver_all(&nodes).await;
    assert_eq!(seen().await, [true, true, true, false]);
    counted_as_seen(&nodes).await;
    a.set_peer(&b.node.host(), "blocked").await;
    deliver_all(&nodes).await;
    assert_eq!(seen().await, [false, false, false, false]);
    counted_as_seen(&nodes).await;
    a.set_peer(&b.node.host(), "connected").await;
    deliver_all(&nodes).await;
    assert_eq!(seen().await, [true, true, true, false]);
    counted_as_seen(&nodes).await;
}

/// Many nodes run in one process (tests, the local demo network): a node
/// that stops must let go of its state (its database pool above all), even
/// after the federation crate's context, which holds a state too, was made.
async fn a_stopped_node_lets_go_of_its_state(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    // Delivering builds the crate's context, which holds the node's state.
    node.deliver().await;
    let context = std::sync::Arc::downgrade(&node.state.federation_cell().expect("a live node"));
    assert!(context.upgrade().is_some_and(|cell| cell.initialized()));
    node.stop().await;
    // Connections the server was still closing may hold a clone for a moment.
    for _ in 0..100 {
        if context.upgrade().is_none() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the node's state (and its federation context) outlived the node");
}

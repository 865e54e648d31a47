//! Interoperability with independent ActivityPub software: a Fedify server
//! (`tests/interop/peer.mjs`, its version pinned in that folder's
//! package-lock.json) runs on loopback as a peer of real nodes. It follows an
//! organisation and is held until the admin approves; it receives alerts and
//! actions and checks their signatures and proofs with its own code; the node
//! checks its signatures and proofs and refuses its forgeries; `tadamun
//! verify` and Fedify agree on documents either made; and every document we
//! publish reads the same to a JSON-LD processor as to a plain JSON reader.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::federation::{Member, titled};
use crate::once;
use crate::support::{TestCase, TestEnv, deliver_all};

pub fn cases() -> Vec<TestCase> {
    once![
        a_fediverse_follower_waits_for_the_admin,
        the_follower_gets_public_and_network_alerts_and_actions_it_can_verify,
        the_node_checks_the_peers_signatures_and_refuses_its_forgeries,
        verify_agrees_with_fedify_on_documents_either_made,
        published_documents_expand_in_safe_json_ld,
    ]
}

fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Installs the peer's packages, exactly the locked versions; once per run.
fn install_peer_packages() {
    if let Err(message) = crate::machine::npm_packages(&peer_dir()) {
        panic!("{message}");
    }
}

/// The Fedify peer, a child process on a loopback port; killed when dropped.
pub struct InteropPeer {
    child: Child,
    pub base: String,
    http: reqwest::Client,
}

impl Drop for InteropPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl InteropPeer {
    pub async fn start() -> InteropPeer {
        tokio::task::spawn_blocking(install_peer_packages)
            .await
            .expect("installing the peer's packages");
        let mut child = Command::new("node")
            .arg("peer.mjs")
            .current_dir(peer_dir())
            // The peer exits when its standard input closes, so it never
            // outlives this process however the test ends.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the Fedify peer (node peer.mjs)");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut peer = InteropPeer {
            child,
            base: String::new(),
            http: reqwest::Client::new(),
        };
        let ready = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(60)))
            .await
            .expect("waiting for the peer");
        let line = ready.unwrap_or_else(|_| panic!("the Fedify peer never said it was ready"));
        peer.base = line
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("unexpected first line from the peer: {line}"))
            .to_string();
        peer
    }

    pub fn host(&self) -> String {
        tadamun::federation::urls::normalise_host(&self.base).expect("the peer's host")
    }

    pub fn actor(&self) -> String {
        format!("{}/users/observer", self.base)
    }

    async fn control(&self, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/control/{path}", self.base);
        let request = match &body {
            Some(body) => self.http.post(&url).json(body),
            None => self.http.get(&url),
        };
        let response = request.send().await.expect("the peer answers");
        let status = response.status();
        let answer: Value = response.json().await.expect("the peer answers JSON");
        assert_eq!(status, StatusCode::OK, "the peer's /control/{path} failed: {answer}");
        answer
    }

    /// Every activity the peer's inbox listeners got, oldest first.
    pub async fn received(&self) -> Vec<Value> {
        self.control("received", None)
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Fedify follows `target` (its own lookup and send); returns what it sent.
    pub async fn follow(&self, target: &str) -> Value {
        let sent = self.control("follow", Some(json!({"target": target}))).await;
        assert_eq!(sent["sent"], true, "Fedify's Follow of {target} was refused: {sent}");
        sent
    }

    pub async fn undo_follow(&self, follow_id: &str) -> Value {
        let sent = self.control("undo-follow", Some(json!({"follow": follow_id}))).await;
        assert_eq!(sent["sent"], true, "Fedify's Undo was refused: {sent}");
        sent
    }

    /// A Follow of `target` broken the way `variant` says; returns the status the node answered.
    pub async fn forge(&self, target: &str, variant: &str) -> (u64, Value) {
        let answer = self
            .control("forge", Some(json!({"target": target, "variant": variant})))
            .await;
        (answer["status"].as_u64().expect("a status"), answer)
    }

    /// Sends the request that carried activity `id` again, byte for byte.
    pub async fn replay(&self, id: &str) -> u64 {
        let answer = self.control("replay", Some(json!({"id": id}))).await;
        answer["status"].as_u64().expect("a status")
    }

    /// A Create of a public Note, signed by Fedify; with `linked_data_signature`,
    /// also signed over the proof the way Fedify sends it (`signature`).
    pub async fn sign(&self, content: &str, linked_data_signature: bool) -> Value {
        self.control(
            "sign",
            Some(json!({"content": content, "linkedDataSignature": linked_data_signature})),
        )
        .await
    }

    /// Why Fedify's inbox could not take what it was sent.
    pub async fn inbox_errors(&self) -> Value {
        self.control("inbox-errors", None).await
    }

    /// Fedify's verdict on a document's proofs: `{document: {valid, …}, object: …}`.
    pub async fn verify(&self, document: &Value) -> Value {
        self.control("verify", Some(json!({"document": document}))).await
    }

    /// jsonld.js's safe-mode expansion: `{ok: true}` or `{ok: false, error}`.
    pub async fn expand(&self, document: &Value) -> Value {
        self.control("expand", Some(json!({"document": document}))).await
    }
}

fn classes(received: &[Value]) -> Vec<&str> {
    received.iter().map(|r| r["class"].as_str().unwrap_or("?")).collect()
}

/// `tadamun verify ARGS`: its exit code and everything it printed.
fn tadamun_verify(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tadamun"))
        .arg("verify")
        .args(args)
        .output()
        .expect("run tadamun verify");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

async fn get_json(member: &Member, url: &str) -> Value {
    let response = member
        .node
        .http
        .get(url)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("the node answers");
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    response.json().await.expect("JSON")
}

/// Fedify follows `member`'s organisation and its admin approves the server;
/// returns the Follow as Fedify sent it.
async fn follow_and_approve(member: &Member, peer: &InteropPeer) -> Value {
    let follow = peer.follow(&member.org_actor()).await;
    member.set_peer(&peer.host(), "connected").await;
    deliver_all(&[&member.node]).await;
    assert_eq!(classes(&peer.received().await), ["Accept"]);
    follow
}

async fn a_fediverse_follower_waits_for_the_admin(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let peer = InteropPeer::start().await;
    let follow = peer.follow(&a.org_actor()).await;

    // The server and the follower are held; nothing is sent meanwhile.
    let (_, waiting) = a.node.get(&a.admin, &format!("/api/v1/peers/{}", peer.host())).await;
    assert_eq!(
        (
            waiting["trust"].as_str(),
            waiting["awaiting_decision"].as_bool(),
            waiting["pending_followers"].as_i64()
        ),
        (Some("pending"), Some(true), Some(1)),
        "{waiting}"
    );
    assert_eq!(a.node.deliver().await, 0, "nothing is sent before the admin decides");
    assert!(peer.received().await.is_empty());

    // The admin approves through the API: Fedify gets the Accept of its Follow.
    a.set_peer(&peer.host(), "connected").await;
    deliver_all(&[&a.node]).await;
    let received = peer.received().await;
    assert_eq!(classes(&received), ["Accept"], "{received:#?}");
    let accept = &received[0];
    assert_eq!(accept["actor"], a.org_actor().as_str());
    assert_eq!(accept["object"]["class"], "Follow");
    assert_eq!(accept["object"]["id"], follow["id"], "the Accept names Fedify's Follow");
    // Fedify's own verifyRequest checked the node's HTTP signature.
    assert_eq!(accept["httpSignature"]["owner"], a.org_actor().as_str(), "{accept:#}");
}

async fn the_follower_gets_public_and_network_alerts_and_actions_it_can_verify(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let peer = InteropPeer::start().await;
    follow_and_approve(&a, &peer).await;

    let public = a.publish(titled("For everyone", "public")).await;
    let network = a.publish(titled("For the network", "network")).await;
    a.publish(titled("For trusted nodes", "trusted")).await;
    // Another organisation of the node answers the public alert, for all to see.
    let blue = a.node.staff("blue", Role::Coordinator, "blue-coord").await;
    let (status, action) = a
        .node
        .post(
            &blue,
            &format!("/api/v1/alerts/{public}/actions"),
            &json!({"kind": "statement", "shareable": true,
                    "content": {"en": "We stand with the community council."}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    deliver_all(&[&a.node]).await;

    let received = peer.received().await;
    let inbox_errors = peer.inbox_errors().await;
    let created = |object_id: &str| {
        received
            .iter()
            .find(|r| r["class"] == "Create" && r["object"]["id"] == object_id)
            .unwrap_or_else(|| {
                panic!(
                    "Fedify never received the Create of {object_id}; its inbox failed with {inbox_errors:#}; \
                     it got {received:#?}"
                )
            })
    };
    for (id, title) in [(&public, "For everyone"), (&network, "For the network")] {
        let url = format!("{}/alerts/{id}", a.node.base);
        let create = created(&url);
        // Shown as an article, with its title and a link to its page.
        assert_eq!(create["object"]["class"], "Article", "{create:#}");
        assert_eq!(create["object"]["name"], title);
        assert_eq!(create["object"]["url"], url.as_str());
        assert_eq!(create["httpSignature"]["owner"], a.org_actor().as_str());
        assert_eq!(
            create["proofs"]["document"]["valid"], true,
            "Fedify's verifyObject on the Create of {title}: {create:#}"
        );
    }
    let action_id = action["uri"].as_str().unwrap();
    let shared = created(action_id);
    let blue_actor = format!("{}/orgs/blue", a.node.base);
    assert_eq!(shared["actor"], blue_actor.as_str());
    assert_eq!(shared["object"]["class"], "Note", "{shared:#}");
    assert_eq!(
        shared["proofs"]["document"]["valid"], true,
        "Fedify's verifyObject on the action's Create: {shared:#}"
    );

    // The trusted alert never reaches software that is not a trusted node.
    let everything = serde_json::to_string(&received).unwrap();
    assert!(!everything.contains("For trusted nodes"), "{everything}");
    assert_eq!(
        classes(&received).iter().filter(|c| **c == "Create").count(),
        3,
        "{received:#?}"
    );
}

async fn the_node_checks_the_peers_signatures_and_refuses_its_forgeries(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let peer = InteropPeer::start().await;
    follow_and_approve(&a, &peer).await;
    a.node.staff("blue", Role::Admin, "blue-admin").await;
    a.node.staff("gold", Role::Admin, "gold-admin").await;
    let (blue, gold) = (
        format!("{}/orgs/blue", a.node.base),
        format!("{}/orgs/gold", a.node.base),
    );

    // Signed Fedify's own way (HTTP signature, integrity proof, Linked Data
    // signature): taken, and answered at once since the server is connected.
    let follow = peer.follow(&blue).await;
    let follow_id = follow["id"].as_str().unwrap().to_string();
    assert!(follow["json"]["proof"].is_object(), "Fedify sent a proof: {follow:#}");
    deliver_all(&[&a.node]).await;
    let received = peer.received().await;
    assert_eq!(classes(&received), ["Accept", "Accept"]);
    assert_eq!(received[1]["object"]["id"], follow_id.as_str());
    assert_eq!(a.node.count("followers").await, 2);

    // Broken or forged: refused, and nothing is stored.
    let mut forged = Vec::new();
    for variant in ["wrong-key", "tampered-body", "tampered-proof", "stale-date"] {
        let (status, answer) = peer.forge(&gold, variant).await;
        forged.push((
            variant,
            status,
            answer["answer"].as_str().unwrap_or_default().to_string(),
        ));
    }
    deliver_all(&[&a.node]).await;
    let followers = a.node.count("followers").await;
    let accepts = |received: &[Value]| classes(received).iter().filter(|c| **c == "Accept").count();
    let accepted_before = accepts(&peer.received().await);

    // Fedify undoes its Follow; the Follow sent again unchanged is not
    // processed a second time (the follower stays gone, no Accept is sent).
    peer.undo_follow(&follow_id).await;
    let after_undo = a.node.count("followers").await;
    let replayed = peer.replay(&follow_id).await;
    deliver_all(&[&a.node]).await;
    let after_replay = a.node.count("followers").await;
    let accepted_after = accepts(&peer.received().await);

    assert_eq!(after_undo, followers - 1, "the Undo removed the follower");
    assert_eq!(replayed, 202, "a replay is answered as already done");
    assert_eq!(
        (after_replay, accepted_after),
        (after_undo, accepted_before),
        "the replayed Follow did nothing"
    );
    let refused: Vec<(&str, u64)> = forged.iter().map(|(v, s, _)| (*v, *s)).collect();
    assert_eq!(
        refused,
        [
            ("wrong-key", 401),
            ("tampered-body", 401),
            ("tampered-proof", 401),
            ("stale-date", 401)
        ],
        "every forgery is refused: {forged:#?}"
    );
    assert_eq!(followers, 2, "no forged Follow was stored");
}

/// Where `tadamun verify` or Fedify does not say what it should of a document.
fn disagreement(what: &str, should_be_valid: bool, fedify: &Value, tadamun: &(i32, String)) -> Option<String> {
    let fedify_valid = fedify["document"]["valid"] == true;
    let tadamun_valid = tadamun.0 == 0;
    let tadamun_invalid = tadamun.0 == 1 && tadamun.1.contains("INVALID");
    let tadamun_right = if should_be_valid {
        tadamun_valid
    } else {
        tadamun_invalid
    };
    (fedify_valid != should_be_valid || !tadamun_right).then(|| {
        format!(
            "{what}: should be {}; Fedify says {fedify}; tadamun verify exits {} with {}",
            if should_be_valid { "valid" } else { "invalid" },
            tadamun.0,
            tadamun.1.trim()
        )
    })
}

async fn verify_agrees_with_fedify_on_documents_either_made(env: TestEnv) {
    let peer = InteropPeer::start().await;
    let a = Member::spawn(&env, "green").await;
    let dir = env.temp_dir();
    let write = |name: &str, document: &Value| {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string_pretty(document).unwrap()).unwrap();
        path.to_str().unwrap().to_string()
    };
    let mut disagreements = Vec::new();

    // Made by Fedify. The key as the node reads it from Fedify's actor document.
    let actor = get_json(&a, &peer.actor()).await;
    let keys = tadamun::federation::integrity::published_keys(&actor);
    assert_eq!(keys.len(), 1, "Fedify's actor lists its Ed25519 key: {actor:#}");
    let key = keys[0].1.clone();
    let signed = peer.sign("<p>Seen from another server.</p>", false).await;
    // The same proof without its own @context, as proofs embedded in activities
    // usually are: vc-di-eddsa then takes the document's.
    let mut bare = signed.clone();
    bare["proof"].as_object_mut().unwrap().remove("@context");
    // As Fedify sends an activity: a Linked Data signature (`signature`) made
    // after the proof, so not covered by it; Fedify sets it aside to check the proof.
    let sent = peer.sign("<p>Sent the way Fedify sends.</p>", true).await;
    assert!(sent["signature"].is_object(), "{sent:#}");
    let mut tampered = signed.clone();
    tampered["object"]["content"] = json!("<p>Something else.</p>");
    for (name, document, should_be_valid) in [
        ("fedify-signed", &signed, true),
        ("fedify-proof-without-context", &bare, true),
        ("fedify-with-ld-signature", &sent, true),
        ("fedify-tampered", &tampered, false),
    ] {
        let file = write(&format!("{name}.json"), document);
        let fedify = peer.verify(document).await;
        let offline = tadamun_verify(&[&file, "--key", &key]);
        disagreements.extend(disagreement(
            &format!("{name} (--key)"),
            should_be_valid,
            &fedify,
            &offline,
        ));
        let online = tadamun_verify(&[&file]);
        disagreements.extend(disagreement(
            &format!("{name} (online)"),
            should_be_valid,
            &fedify,
            &online,
        ));
        if should_be_valid && online.0 == 0 {
            assert!(
                online.1.contains(&format!("valid: signed by {}", peer.actor())),
                "{}",
                online.1
            );
        }
    }

    // Made by the node: an exported alert, valid for both; a tampered copy for neither.
    let id = a.publish(titled("Exported alert", "public")).await;
    let exported = get_json(&a, &format!("{}/alerts/{id}", a.node.base)).await;
    let mut tampered = exported.clone();
    tampered["nameMap"]["en"] = json!("Exported alert (edited)");
    tampered["name"] = json!("Exported alert (edited)");
    for (name, document, should_be_valid) in [
        ("node-alert", &exported, true),
        ("node-alert-tampered", &tampered, false),
    ] {
        let file = write(&format!("{name}.json"), document);
        let fedify = peer.verify(document).await;
        let tadamun = tadamun_verify(&[&file]);
        disagreements.extend(disagreement(name, should_be_valid, &fedify, &tadamun));
    }
    assert!(
        disagreements.is_empty(),
        "tadamun verify and Fedify disagree with what they should say:\n{}",
        disagreements.join("\n")
    );
}

async fn published_documents_expand_in_safe_json_ld(env: TestEnv) {
    let peer = InteropPeer::start().await;
    // The check itself can fail: a term no context defines is reported.
    let undefined = peer
        .expand(&json!({"@context": "https://www.w3.org/ns/activitystreams", "type": "Note", "undefinedTerm": 1}))
        .await;
    assert_eq!(undefined["ok"], false, "{undefined}");
    assert!(
        undefined["error"].as_str().unwrap().contains("undefinedTerm"),
        "{undefined}"
    );

    let mut failures = Vec::new();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("federation/examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the examples are there: {files:?}");
    for file in files {
        let document: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let result = peer.expand(&document).await;
        if result["ok"] != true {
            failures.push(format!("{}: {}", file.display(), result["error"]));
        }
    }

    // What a running node serves: its organisation, instance actor and group actors, and a public alert.
    let a = Member::spawn(&env, "green").await;
    let group = crate::groups::create_group(&a, "latam").await;
    let alert = a.publish(titled("Expanded alert", "public")).await;
    for url in [
        a.org_actor(),
        format!("{}/actor", a.node.base),
        group["uri"].as_str().unwrap().to_string(),
        format!("{}/alerts/{alert}", a.node.base),
    ] {
        let document = get_json(&a, &url).await;
        let result = peer.expand(&document).await;
        if result["ok"] != true {
            failures.push(format!("{url}: {}", result["error"]));
        }
    }
    assert!(
        failures.is_empty(),
        "documents a JSON-LD processor reads differently:\n{}",
        failures.join("\n")
    );
}

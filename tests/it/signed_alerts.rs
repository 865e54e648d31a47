//! Integrity proofs between real nodes: tampering on the way, keys the author
//! never listed, retired keys, rotation, `tadamun verify`, and sealed keys.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::federation::{Member, peer, titled};
use crate::inbox_security::{GOOD, Sender, sign_as};
use crate::support::{TestCase, TestEnv, TestNode, deliver_all};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        a_relay_cannot_alter_what_the_author_signed,
        proofs_by_keys_the_author_never_listed_are_refused,
        rotated_keys_keep_old_alerts_valid_and_new_ones_verify,
        verify_command_checks_an_exported_alert,
        private_keys_are_sealed_with_the_operator_secret,
    ]
}

/// The signed Create of alert `id` as `node` queued it.
async fn queued_create(node: &TestNode, id: &str) -> Value {
    let (body,): (String,) =
        sqlx::query_as("SELECT body FROM outbox_activities WHERE kind = 'Create' AND object_id = $1 LIMIT 1")
            .bind(id)
            .fetch_one(&node.db().pool)
            .await
            .unwrap();
    serde_json::from_str(&body).unwrap()
}

/// The group `group` of `relay` wraps `inner` unchanged in an Announce, as a group's node does.
fn announce(relay: &TestNode, group: &str, inner: &Value, n: u32) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/announce-{n}", relay.base),
        "type": "Announce",
        "actor": group,
        "object": inner,
    })
}

async fn a_relay_cannot_alter_what_the_author_signed(env: TestEnv) {
    let author = Member::spawn(&env, "green").await;
    let relay = Member::spawn(&env, "blue").await;
    let receiver = Member::spawn(&env, "red").await;
    peer(&author, &relay, "trusted").await;
    peer(&relay, &receiver, "connected").await;
    // The receiver knows the author's node (so could fetch its key) but gets
    // the alert only through the relay.
    receiver.set_peer(&author.node.host(), "connected").await;
    let group = crate::groups::create_group(&relay, "relays").await;
    let group = group["uri"].as_str().unwrap().to_string();
    let mut body = titled("Relayed alert", "network");
    body["groups"] = json!([group]);
    let id = author.publish(body).await;
    deliver_all(&[&author.node, &relay.node, &receiver.node]).await;
    let original = queued_create(&author.node, &id).await;
    let relay_sender = crate::groups::group_sender(&relay.node, "relays").await;

    // Altered on the way: refused although the relay's HTTP signature is valid.
    let mut altered = original.clone();
    altered["object"]["contentMap"]["en"] = json!("<p>The defenders are safe; no action needed.</p>");
    assert_eq!(
        relay_sender
            .post(&receiver.node, &announce(&relay.node, &group, &altered, 1), GOOD)
            .await,
        StatusCode::UNAUTHORIZED
    );
    // Only the alert altered and the activity re-signed by the relay: still refused.
    let mut resigned = original.clone();
    resigned["object"]["summaryMap"]["en"] = json!("changed");
    sign_as(&relay.node, "blue", &mut resigned).await;
    assert_eq!(
        relay_sender
            .post(&receiver.node, &announce(&relay.node, &group, &resigned, 2), GOOD)
            .await,
        StatusCode::UNAUTHORIZED
    );
    assert!(receiver.network_titles().await.is_empty());

    // Unchanged: accepted, with the author's proof, and stored once however often it comes.
    assert_eq!(
        relay_sender
            .post(&receiver.node, &announce(&relay.node, &group, &original, 3), GOOD)
            .await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        relay_sender
            .post(&receiver.node, &announce(&relay.node, &group, &original, 4), GOOD)
            .await,
        StatusCode::ACCEPTED
    );
    assert_eq!(receiver.network_titles().await, ["Relayed alert"]);
    let (_, list) = receiver.node.get(&receiver.coordinator, "/api/v1/network/alerts").await;
    assert_eq!(
        list["items"][0]["origin"],
        author.node.host(),
        "the origin is the author's node, not the relay"
    );
    assert_eq!(receiver.node.count("remote_alerts").await, 1);

    // A relay passes on only what was addressed to it.
    let direct = author.publish(titled("Not for the group", "network")).await;
    let not_addressed = queued_create(&author.node, &direct).await;
    assert_eq!(
        relay_sender
            .post(&receiver.node, &announce(&relay.node, &group, &not_addressed, 6), GOOD)
            .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(receiver.network_titles().await, ["Relayed alert"]);

    // A blocked author's alerts do not get in through a relay either.
    receiver.set_peer(&author.node.host(), "blocked").await;
    let mut update = original.clone();
    update["type"] = json!("Update");
    assert_eq!(
        relay_sender
            .post(&receiver.node, &announce(&relay.node, &group, &update, 5), GOOD)
            .await,
        StatusCode::FORBIDDEN
    );
}

async fn proofs_by_keys_the_author_never_listed_are_refused(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    let id = b.publish(titled("Signed alert", "network")).await;
    let mut create = queued_create(&b.node, &id).await;
    let sender = Sender::org_of(&b.node, "blue").await;
    let method = format!("{}/orgs/blue#ed25519-key-1", b.node.base);
    create["id"] = json!(format!("{}/activities/forged-1", b.node.base));

    // The listed key id, but another key.
    let stranger = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let mut forged = create.clone();
    forged["object"].as_object_mut().unwrap().remove("proof");
    forged.as_object_mut().unwrap().remove("proof");
    let mut object = forged["object"].clone();
    tadamun::federation::proof::sign(&mut object, &stranger, &method, "2026-11-28T10:00:00Z").unwrap();
    forged["object"] = object;
    tadamun::federation::proof::sign(&mut forged, &stranger, &method, "2026-11-28T10:00:00Z").unwrap();
    assert_eq!(sender.post(&a.node, &forged, GOOD).await, StatusCode::UNAUTHORIZED);

    // A key id the author never published.
    let mut unlisted = create.clone();
    unlisted["id"] = json!(format!("{}/activities/forged-2", b.node.base));
    unlisted.as_object_mut().unwrap().remove("proof");
    tadamun::federation::proof::sign(
        &mut unlisted,
        &stranger,
        &format!("{}/orgs/blue#ed25519-key-9", b.node.base),
        "2026-11-28T10:00:00Z",
    )
    .unwrap();
    assert_eq!(sender.post(&a.node, &unlisted, GOOD).await, StatusCode::UNAUTHORIZED);

    // A key of another actor (the instance actor) for the organisation's alert.
    let mut other_actor = create.clone();
    other_actor["id"] = json!(format!("{}/activities/forged-3", b.node.base));
    other_actor.as_object_mut().unwrap().remove("proof");
    let instance = url::Url::parse(&format!("{}/actor", b.node.base)).unwrap();
    tadamun::federation::integrity::sign(&b.node.state, "instance", &instance, &mut other_actor)
        .await
        .unwrap();
    assert_eq!(sender.post(&a.node, &other_actor, GOOD).await, StatusCode::UNAUTHORIZED);

    // A valid activity proof around an alert whose own proof is by another key.
    let mut inner_forged = create.clone();
    inner_forged["id"] = json!(format!("{}/activities/forged-5", b.node.base));
    inner_forged["object"].as_object_mut().unwrap().remove("proof");
    let mut object = inner_forged["object"].clone();
    tadamun::federation::proof::sign(&mut object, &stranger, &method, "2026-11-28T10:00:00Z").unwrap();
    inner_forged["object"] = object;
    sign_as(&b.node, "blue", &mut inner_forged).await;
    assert_eq!(
        sender.post(&a.node, &inner_forged, GOOD).await,
        StatusCode::UNAUTHORIZED
    );

    // No proof at all.
    let mut bare = create.clone();
    bare["id"] = json!(format!("{}/activities/forged-4", b.node.base));
    bare.as_object_mut().unwrap().remove("proof");
    bare["object"].as_object_mut().unwrap().remove("proof");
    assert_eq!(sender.post(&a.node, &bare, GOOD).await, StatusCode::UNAUTHORIZED);
    assert_eq!(a.node.count("remote_alerts").await, 0, "nothing stored");

    // The genuine one is accepted.
    deliver_all(&[&a.node, &b.node]).await;
    assert_eq!(a.network_titles().await, ["Signed alert"]);
}

async fn rotated_keys_keep_old_alerts_valid_and_new_ones_verify(env: TestEnv) {
    let author = Member::spawn(&env, "green").await;
    let relay = Member::spawn(&env, "blue").await;
    let late = Member::spawn(&env, "red").await;
    peer(&author, &relay, "trusted").await;
    peer(&relay, &late, "connected").await;
    // Only the relay (whose group the alert is addressed to) gets this one directly.
    let group = crate::groups::create_group(&relay, "relays").await;
    let group = group["uri"].as_str().unwrap().to_string();
    let mut before = titled("Before rotation", "network");
    before["groups"] = json!([group]);
    let old_id = author.publish(before).await;
    deliver_all(&[&author.node, &relay.node, &late.node]).await;
    let old_create = queued_create(&author.node, &old_id).await;

    let org = tadamun::db::accounts::find_org_by_slug(author.node.db(), "green")
        .await
        .unwrap()
        .unwrap();
    let old_private = tadamun::federation::integrity::active_key(&author.node.state, &org.id)
        .await
        .unwrap()
        .1;
    let new_key = tadamun::federation::integrity::rotate(&author.node.state, &org.id)
        .await
        .unwrap();
    assert_eq!(new_key, "ed25519-key-2");
    tadamun::services::peers::announce_actor_update(&author.node.state, org.clone())
        .await
        .unwrap();
    deliver_all(&[&author.node, &relay.node, &late.node]).await;

    // The actor lists both keys, the old one retired.
    let resp = author.node.http.get(author.org_actor()).send().await.unwrap();
    let document: Value = resp.json().await.unwrap();
    let keys = tadamun::federation::integrity::published_keys(&document);
    assert_eq!(keys.len(), 2);
    assert!(keys[0].2.is_some() && keys[1].2.is_none(), "{keys:?}");

    // An alert signed before the rotation, relayed afterwards, still verifies.
    let relay_sender = crate::groups::group_sender(&relay.node, "relays").await;
    assert_eq!(
        relay_sender
            .post(&late.node, &announce(&relay.node, &group, &old_create, 1), GOOD)
            .await,
        StatusCode::ACCEPTED
    );
    assert_eq!(late.network_titles().await, ["Before rotation"]);

    // The retired key cannot sign anything new.
    let mut forged = old_create.clone();
    forged["id"] = json!(format!("{}/activities/after-rotation", author.node.base));
    forged["type"] = json!("Update");
    forged["object"]["version"] = json!(50);
    forged["object"]["nameMap"]["en"] = json!("Forged with the retired key");
    let method = format!("{}#ed25519-key-1", author.org_actor());
    let later = tadamun::federation::integrity::timestamp(chrono::Utc::now() + chrono::Duration::minutes(5));
    forged["object"].as_object_mut().unwrap().remove("proof");
    forged.as_object_mut().unwrap().remove("proof");
    let mut object = forged["object"].clone();
    tadamun::federation::proof::sign(&mut object, &old_private, &method, &later).unwrap();
    forged["object"] = object;
    tadamun::federation::proof::sign(&mut forged, &old_private, &method, &later).unwrap();
    assert_eq!(
        relay_sender
            .post(&late.node, &announce(&relay.node, &group, &forged, 2), GOOD)
            .await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(late.network_titles().await, ["Before rotation"]);

    // Sent directly, to a node that has not heard of the rotation and whose
    // copy of the author is stale: the author is fetched again while the
    // activity is checked, and the proof is checked against what it lists now
    // (not against the keys read with the sender before the fetch).
    let author_actor = author.org_actor();
    for statement in [
        "DELETE FROM remote_actor_keys WHERE actor_id = $1 AND key_id LIKE '%#ed25519-key-2'",
        "UPDATE remote_actor_keys SET expires = NULL WHERE actor_id = $1",
        "UPDATE remote_actors SET fetched_at = 0 WHERE id = $1",
    ] {
        sqlx::query(statement)
            .bind(&author_actor)
            .execute(&relay.node.db().pool)
            .await
            .unwrap();
    }
    let mut direct = forged.clone();
    direct["id"] = json!(format!("{}/activities/after-rotation-direct", author.node.base));
    direct.as_object_mut().unwrap().remove("proof");
    tadamun::federation::proof::sign(&mut direct, &old_private, &method, &later).unwrap();
    let author_sender = Sender::org_of(&author.node, "green").await;
    assert_eq!(
        author_sender.post(&relay.node, &direct, GOOD).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        !relay
            .network_titles()
            .await
            .contains(&"Forged with the retired key".to_string())
    );

    // New alerts, signed with the new key, verify on every peer.
    peer(&author, &late, "connected").await;
    author.publish(titled("After rotation", "network")).await;
    deliver_all(&[&author.node, &relay.node, &late.node]).await;
    assert!(relay.network_titles().await.contains(&"After rotation".to_string()));
    assert!(late.network_titles().await.contains(&"After rotation".to_string()));
    let (method,): (String,) =
        sqlx::query_as("SELECT key_id FROM remote_actor_keys WHERE expires IS NULL AND actor_id = $1")
            .bind(author.org_actor())
            .fetch_one(&late.node.db().pool)
            .await
            .unwrap();
    assert!(
        method.ends_with("#ed25519-key-2"),
        "the late node picked up the new key: {method}"
    );
}

async fn verify_command_checks_an_exported_alert(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let id = a.publish(titled("Exported alert", "public")).await;
    let url = format!("{}/alerts/{id}", a.node.base);
    let exported: Value = a.node.http.get(&url).send().await.unwrap().json().await.unwrap();
    let dir = env.temp_dir();
    let file = dir.join("alert.json");
    std::fs::write(&file, serde_json::to_string_pretty(&exported).unwrap()).unwrap();
    let verify = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tadamun"))
            .arg("verify")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
        )
    };

    let (code, out) = verify(&[file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("valid: signed by {}", a.org_actor())) && out.contains("ed25519-key-1"),
        "{out}"
    );
    let (code, out) = verify(&[&url]);
    assert_eq!(code, 0, "from its URL: {out}");

    // Offline with the published key.
    let actor: Value = a
        .node
        .http
        .get(a.org_actor())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = tadamun::federation::integrity::published_keys(&actor)[0].1.clone();
    let (code, out) = verify(&[file.to_str().unwrap(), "--key", &key]);
    assert_eq!(code, 0, "{out}");

    // A tampered copy.
    let mut tampered = exported.clone();
    tampered["nameMap"]["en"] = json!("Exported alert (edited)");
    let tampered_file = dir.join("tampered.json");
    std::fs::write(&tampered_file, tampered.to_string()).unwrap();
    let (code, out) = verify(&[tampered_file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("INVALID") && out.contains("changed after signing"),
        "{out}"
    );
    let (code, _) = verify(&[tampered_file.to_str().unwrap(), "--key", &key]);
    assert_eq!(code, 1);
    // Another key.
    let other = tadamun::federation::proof::public_key_multibase(
        &ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng).verifying_key(),
    );
    let (code, _) = verify(&[file.to_str().unwrap(), "--key", &other]);
    assert_eq!(code, 1);
    // No proof, not JSON, unreachable signer.
    let bare = dir.join("bare.json");
    std::fs::write(&bare, r#"{"type": "Note"}"#).unwrap();
    let (code, out) = verify(&[bare.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no integrity proof"));
    let (code, _) = verify(&[dir.join("missing.json").to_str().unwrap()]);
    assert_eq!(code, 2);
    a.node.stop_now().await;
    let (code, out) = verify(&[file.to_str().unwrap()]);
    assert_eq!(code, 3, "{out}");
}

async fn private_keys_are_sealed_with_the_operator_secret(env: TestEnv) {
    let url = env.new_database_url().await;
    let sealed = TestNode::spawn_with_secret(&url, Some("an operator secret")).await;
    let other = Member::spawn(&env, "blue").await;
    let admin = sealed.staff("green", tadamun::domain::vocab::Role::Admin, "ada").await;
    let coordinator = sealed
        .staff("green", tadamun::domain::vocab::Role::Coordinator, "cora")
        .await;
    let a = Member {
        node: sealed,
        admin,
        coordinator,
        org: "green".into(),
    };
    peer(&a, &other, "connected").await;
    a.publish(titled("From a sealed node", "network")).await;
    deliver_all(&[&a.node, &other.node]).await;
    assert_eq!(
        other.network_titles().await,
        ["From a sealed node"],
        "a sealed node signs and federates"
    );

    // A dump of the database holds no private key in clear.
    let rsa: Vec<(String,)> = sqlx::query_as("SELECT private_key_pem FROM local_actor_keys")
        .fetch_all(&a.node.db().pool)
        .await
        .unwrap();
    let ed: Vec<(String,)> = sqlx::query_as("SELECT private_key FROM local_signing_keys")
        .fetch_all(&a.node.db().pool)
        .await
        .unwrap();
    assert!(!rsa.is_empty() && !ed.is_empty());
    for (stored,) in rsa.iter().chain(ed.iter()) {
        assert!(stored.starts_with("sealed:v1:"), "{stored}");
        assert!(!stored.contains("PRIVATE KEY") && !stored.starts_with("z3u"));
    }
    // Without the secret the keys cannot be used.
    a.node.stop_now().await;
    let unsealed = TestNode::spawn_with_secret(&url, None).await;
    let org = tadamun::db::accounts::find_org_by_slug(unsealed.db(), "green")
        .await
        .unwrap()
        .unwrap();
    let err = tadamun::federation::integrity::active_key(&unsealed.state, &org.id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("TADAMUN_KEY_SECRET"), "{err}");
    let wrong = TestNode::spawn_with_secret(&url, Some("another secret")).await;
    let err = tadamun::federation::integrity::active_key(&wrong.state, &org.id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not the one they were sealed with"), "{err}");
}

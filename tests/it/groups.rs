//! Groups across five real nodes: a group on A with member organisations on
//! B, C and D (E is not a member). C's alerts to the group reach B and D
//! through A with C's proof checked, never E; a relay altered by A is refused;
//! with A down, C's next group alert still reaches B and D directly and is not
//! duplicated when A comes back; a `trusted` alert cannot be addressed to a group.

use reqwest::StatusCode;
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde_json::{Value, json};

use crate::actions::network_id;
use crate::federation::{Member, peer, titled};
use crate::inbox_security::{GOOD, Sender, sign_activity_as};
use crate::support::{TestCase, TestEnv, TestNode, deliver_all};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        groups_relay_members_alerts_without_being_a_single_point_of_failure,
        groups_refuse_bad_input_and_relay_only_for_members,
    ]
}

/// Creates a group on `m`'s node, moderated by `m`'s organisation; returns it.
pub async fn create_group(m: &Member, slug: &str) -> Value {
    create_moderated_group(m, slug, json!([m.org])).await
}

/// Creates a group on `m`'s node with these moderators (slugs or actor ids).
pub async fn create_moderated_group(m: &Member, slug: &str, moderators: Value) -> Value {
    let (status, group) = m
        .node
        .post(
            &m.admin,
            "/api/v1/groups",
            &json!({"slug": slug, "name": "Latin America", "description": "Defenders in Latin America",
                    "kind": "regional", "languages": ["es", "en"], "moderators": moderators}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    group
}

/// `m`'s organisation asks to join the group.
pub async fn join(m: &Member, group_uri: &str) -> Value {
    let (status, view) = m
        .node
        .post(&m.coordinator, "/api/v1/groups/join", &json!({"group": group_uri}))
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    view
}

/// Signs HTTP requests as a group of `node`.
pub async fn group_sender(node: &TestNode, slug: &str) -> Sender {
    let row = tadamun::db::groups::find_hosted(node.db(), slug)
        .await
        .unwrap()
        .unwrap();
    let actor = tadamun::federation::actors::LocalActor::group(&node.state, row)
        .await
        .unwrap();
    Sender {
        actor: actor.id.to_string(),
        key: RsaPrivateKey::from_pkcs8_pem(&actor.private_key_pem).unwrap(),
    }
}

/// How many relays of an alert the group's node `a` addressed to `x`'s and `y`'s nodes.
async fn relayed_to(a: &Member, alert_uri: &str, x: &Member, y: &Member) -> (i64, i64) {
    let count = |host: String| {
        let pool = a.node.db().pool.clone();
        let alert_uri = alert_uri.to_string();
        async move {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM outbox_activities a JOIN outbox_deliveries d ON a.id = d.activity_id \
                 WHERE a.kind = 'Announce' AND a.object_id = $1 AND d.host = $2",
            )
            .bind(alert_uri)
            .bind(host)
            .fetch_one(&pool)
            .await
            .unwrap();
            n
        }
    };
    (count(x.node.host()).await, count(y.node.host()).await)
}

async fn count_titled(m: &Member, title: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM remote_alerts WHERE title = $1")
        .bind(title)
        .fetch_one(&m.node.db().pool)
        .await
        .unwrap();
    n
}

async fn groups_relay_members_alerts_without_being_a_single_point_of_failure(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let c = Member::spawn(&env, "red").await;
    let d = Member::spawn(&env, "gold").await;
    let e = Member::spawn(&env, "grey").await;
    for m in [&b, &c, &d, &e] {
        peer(&a, m, "connected").await;
    }
    let all = [&a.node, &b.node, &c.node, &d.node, &e.node];

    // Moderated by A's organisation and by B's, on another node.
    let group = create_moderated_group(&a, "latin-america", json!([a.org, b.org_actor()])).await;
    let uri = group["uri"].as_str().unwrap().to_string();
    let group_id = group["id"].as_str().unwrap().to_string();
    assert_eq!(group["moderating"], true);
    // The group is an ActivityPub Group with its moderators as attributedTo.
    let actor: Value = a
        .node
        .http
        .get(&uri)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(actor["type"], "Group");
    assert_eq!(actor["attributedTo"], json!([a.org_actor(), b.org_actor()]));

    for m in [&b, &c, &d] {
        assert_eq!(join(m, &uri).await["membership"], "pending");
    }
    deliver_all(&all).await;
    let members_path = format!("/api/v1/groups/{group_id}/members");
    let (_, pending) = a.node.get(&a.coordinator, &members_path).await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 3, "{pending}");
    // Only moderators decide; a member of another organisation on A may not.
    let outsider = a
        .node
        .staff("violet", tadamun::domain::vocab::Role::Coordinator, "violet-c")
        .await;
    let (status, _) = a
        .node
        .patch(
            &outsider,
            &members_path,
            &json!({"org": b.org_actor(), "state": "accepted"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for m in [&b, &c] {
        let (status, body) = a
            .node
            .patch(
                &a.coordinator,
                &members_path,
                &json!({"org": m.org_actor(), "state": "accepted"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    deliver_all(&all).await;
    // B's organisation moderates from its own node: it sees D's request there
    // and accepts it; A applies the decision.
    let (_, groups_on_b) = b.node.get(&b.coordinator, "/api/v1/groups").await;
    let id_on_b = groups_on_b["items"][0]["id"].as_str().unwrap().to_string();
    let (status, requests) = b
        .node
        .get(&b.coordinator, &format!("/api/v1/groups/{id_on_b}/members"))
        .await;
    assert_eq!(status, StatusCode::OK, "{requests}");
    assert!(
        requests["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "Org gold" && m["state"] == "pending"),
        "{requests}"
    );
    let (status, body) = b
        .node
        .patch(
            &b.coordinator,
            &format!("/api/v1/groups/{id_on_b}/members"),
            &json!({"org": d.org_actor(), "state": "accepted"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // C, a member but not a moderator, may not decide.
    let (_, groups_on_c) = c.node.get(&c.coordinator, "/api/v1/groups").await;
    let (status, _) = c
        .node
        .patch(
            &c.coordinator,
            &format!(
                "/api/v1/groups/{}/members",
                groups_on_c["items"][0]["id"].as_str().unwrap()
            ),
            &json!({"org": d.org_actor(), "state": "rejected"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    deliver_all(&all).await;
    let (_, groups_on_d) = d.node.get(&d.coordinator, "/api/v1/groups").await;
    assert_eq!(groups_on_d["items"][0]["membership"], "accepted", "{groups_on_d}");
    // Members know they are in, and see who else is (fetched from A).
    let (_, groups_on_b) = b.node.get(&b.coordinator, "/api/v1/groups").await;
    assert_eq!(groups_on_b["items"][0]["membership"], "accepted", "{groups_on_b}");
    let (status, members_on_b) = b
        .node
        .get(&b.coordinator, &format!("/api/v1/groups/{id_on_b}/members"))
        .await;
    assert_eq!(status, StatusCode::OK, "{members_on_b}");
    let mut names: Vec<&str> = members_on_b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Org blue", "Org gold", "Org red"]);

    // C's alert to the group reaches B and D through A (C federates only with A), not E.
    let mut first = titled("Group alert one", "network");
    first["groups"] = json!([uri]);
    c.publish(first).await;
    deliver_all(&all).await;
    for m in [&b, &d] {
        assert_eq!(m.network_titles().await, ["Group alert one"], "{}", m.node.base);
        let (_, list) = m.node.get(&m.coordinator, "/api/v1/network/alerts").await;
        assert_eq!(
            list["items"][0]["origin"],
            c.node.host(),
            "the author's node, not the group's"
        );
        assert_eq!(list["items"][0]["groups"], json!([uri]));
    }
    assert!(e.network_titles().await.is_empty());
    let (_, alerts_on_b) = b
        .node
        .get(&b.coordinator, &format!("/api/v1/groups/{id_on_b}/alerts"))
        .await;
    assert_eq!(alerts_on_b["items"][0]["title"], "Group alert one", "{alerts_on_b}");

    // A relay altered by the group's node is refused: the proof is C's.
    let (relayed,): (String,) =
        sqlx::query_as("SELECT body FROM outbox_activities WHERE kind = 'Announce' ORDER BY seq LIMIT 1")
            .fetch_one(&a.node.db().pool)
            .await
            .unwrap();
    let mut tampered: Value = serde_json::from_str(&relayed).unwrap();
    tampered["id"] = json!(format!("{}/activities/tampered-1", a.node.base));
    tampered["object"]["object"]["contentMap"]["en"] = json!("<p>All is well, no action needed.</p>");
    tampered["object"]["object"]["version"] = json!(99);
    let sender = group_sender(&a.node, "latin-america").await;
    for m in [&b, &d] {
        assert_eq!(sender.post(&m.node, &tampered, GOOD).await, StatusCode::UNAUTHORIZED);
        let (version,): (i64,) = sqlx::query_as("SELECT version FROM remote_alerts WHERE title = 'Group alert one'")
            .fetch_one(&m.node.db().pool)
            .await
            .unwrap();
        assert_ne!(version, 99);
    }

    // A `trusted` alert cannot be addressed to a group: refused by the author's
    // node, and by the group's node if another node sends one anyway.
    let mut trusted = titled("Trusted for the group", "trusted");
    trusted["groups"] = json!([uri]);
    let (status, body) = c.node.post(&c.coordinator, "/api/v1/alerts", &trusted).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["fields"]["groups"].as_str().unwrap().contains("public"), "{body}");
    let (create,): (String,) =
        sqlx::query_as("SELECT body FROM outbox_activities WHERE kind = 'Create' ORDER BY seq LIMIT 1")
            .fetch_one(&c.node.db().pool)
            .await
            .unwrap();
    let mut forged: Value = serde_json::from_str(&create).unwrap();
    forged["id"] = json!(format!("{}/activities/trusted-to-group", c.node.base));
    forged["object"]["id"] = json!(format!("{}/alerts/trusted-to-group", c.node.base));
    forged["object"]["sharing"] = json!("trusted");
    sign_activity_as(&c.node, "red", &mut forged).await;
    let status = Sender::org_of(&c.node, "red").await.post(&a.node, &forged, GOOD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A shared response to a group alert travels through the group too: B
    // (now a peer of C, the origin) answers; D, which knows only A, sees it.
    peer(&c, &b, "connected").await;
    let on_b = network_id(&b, "Group alert one").await;
    let (status, statement) = b
        .node
        .post(
            &b.coordinator,
            &format!("/api/v1/network/alerts/{on_b}/actions"),
            &json!({"kind": "statement", "shareable": true, "content": {"en": "Blue stands with them."}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{statement}");
    deliver_all(&all).await;
    let on_d = network_id(&d, "Group alert one").await;
    let statements_on_d = || async {
        let (status, body) = d
            .node
            .get(&d.coordinator, &format!("/api/v1/network/alerts/{on_d}/responses"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["counts"]["statement"].as_i64().unwrap()
    };
    assert_eq!(statements_on_d().await, 1);
    assert_eq!(e.node.count("solidarity_actions").await, 0);
    // Retracted: gone from D too.
    let (status, _) = b
        .node
        .call(
            reqwest::Method::DELETE,
            Some(&b.coordinator),
            &format!("/api/v1/actions/{}", statement["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    deliver_all(&all).await;
    assert_eq!(statements_on_d().await, 0);

    // The author's own shared response reaches D through the group as well.
    let one = {
        let (_, list) = c.node.get(&c.coordinator, "/api/v1/alerts").await;
        list["items"][0]["id"].as_str().unwrap().to_string()
    };
    let (status, report) = c
        .node
        .post(
            &c.coordinator,
            &format!("/api/v1/alerts/{one}/actions"),
            &json!({"kind": "report", "outcome": "commitment", "shareable": true,
                    "content": {"en": "The prosecutor agreed to meet the community."}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    deliver_all(&all).await;
    let (_, seen) = d
        .node
        .get(&d.coordinator, &format!("/api/v1/network/alerts/{on_d}/responses"))
        .await;
    assert_eq!(seen["counts"]["report"], 1, "{seen}");

    // C withdraws the alert: D, which knows only A, loses it through the group.
    let (status, body) = c
        .node
        .post(&c.coordinator, &format!("/api/v1/alerts/{one}/withdraw"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    deliver_all(&all).await;
    assert!(d.network_titles().await.is_empty(), "withdrawn through the group");
    assert!(b.network_titles().await.is_empty());
    // A repeated withdrawal is relayed no further (two groups relaying to each
    // other could otherwise pass it back and forth for ever).
    let one_uri = format!("{}/alerts/{one}", c.node.base);
    let relays_of_one = || async {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM outbox_activities WHERE kind = 'Announce' AND object_id = $1")
                .bind(&one_uri)
                .fetch_one(&a.node.db().pool)
                .await
                .unwrap();
        n
    };
    let before = relays_of_one().await;
    let (delete,): (String,) =
        sqlx::query_as("SELECT body FROM outbox_activities WHERE kind = 'Delete' AND object_id = $1")
            .bind(&one)
            .fetch_one(&c.node.db().pool)
            .await
            .unwrap();
    let mut again: Value = serde_json::from_str(&delete).unwrap();
    again["id"] = json!(format!("{}/activities/delete-again", c.node.base));
    sign_activity_as(&c.node, "red", &mut again).await;
    assert_eq!(
        Sender::org_of(&c.node, "red").await.post(&a.node, &again, GOOD).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(relays_of_one().await, before);

    // C now federates with D too. With A down, C's next group alert still
    // reaches B and D directly.
    peer(&c, &d, "connected").await;
    let a_db = a.node.state.config.database_url.clone();
    let a_port: u16 = a.node.host().rsplit(':').next().unwrap().parse().unwrap();
    let Member {
        node: a_node,
        admin: a_admin,
        coordinator: a_coordinator,
        org: a_org,
    } = a;
    a_node.stop().await;
    let mut second = titled("Group alert two", "network");
    second["groups"] = json!([uri]);
    let second = c.publish(second).await;
    deliver_all(&[&b.node, &c.node, &d.node, &e.node]).await;
    for m in [&b, &d] {
        assert_eq!(count_titled(m, "Group alert two").await, 1, "{}", m.node.base);
    }
    // A comes back; C's delivery is retried and A relays: stored once, still.
    let a = Member {
        node: TestNode::spawn_on_port(&a_db, a_port).await,
        admin: a_admin,
        coordinator: a_coordinator,
        org: a_org,
    };
    c.node.clock.advance(chrono::Duration::minutes(2));
    let all = [&a.node, &b.node, &c.node, &d.node, &e.node];
    deliver_all(&all).await;
    let (to_b, to_d) = relayed_to(&a, &format!("{}/alerts/{second}", c.node.base), &b, &d).await;
    assert_eq!((to_b, to_d), (1, 1), "A relayed the second alert when it came back");
    for m in [&b, &d] {
        assert_eq!(count_titled(m, "Group alert two").await, 1, "{}", m.node.base);
        assert_eq!(m.network_titles().await, ["Group alert two"], "{}", m.node.base);
    }
    assert!(e.network_titles().await.is_empty());
    assert_eq!(count_titled(&a, "Group alert two").await, 1);

    // The member list is for members and moderators only.
    let outsider = a
        .node
        .staff("violet", tadamun::domain::vocab::Role::Coordinator, "violet-2")
        .await;
    let (status, _) = a.node.get(&outsider, &members_path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A blocks B's node: it stays a member, but A relays nothing to it.
    a.set_peer(&b.node.host(), "blocked").await;
    let mut blocked = titled("Group alert while blocked", "network");
    blocked["groups"] = json!([uri]);
    let blocked = c.publish(blocked).await;
    deliver_all(&all).await;
    let (to_b, to_d) = relayed_to(&a, &format!("{}/alerts/{blocked}", c.node.base), &b, &d).await;
    assert_eq!((to_b, to_d), (0, 1), "relayed to D only");
    a.set_peer(&b.node.host(), "connected").await;
    deliver_all(&all).await;

    // A moderator removes B: B learns it, and A relays nothing more to B.
    let (status, body) = a
        .node
        .patch(
            &a.coordinator,
            &members_path,
            &json!({"org": b.org_actor(), "state": "removed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    deliver_all(&all).await;
    assert_eq!(
        b.node.get(&b.coordinator, &format!("/api/v1/groups/{id_on_b}")).await.1["membership"],
        "rejected"
    );
    let mut third = titled("Group alert three", "network");
    third["groups"] = json!([uri]);
    let third = c.publish(third).await;
    deliver_all(&all).await;
    let (to_b, to_d) = relayed_to(&a, &format!("{}/alerts/{third}", c.node.base), &b, &d).await;
    assert_eq!((to_b, to_d), (0, 1), "a removed member gets no relays");
    // A member leaves: the next alert is not relayed to it.
    let (status, left) = d
        .node
        .post(
            &d.coordinator,
            &format!("/api/v1/groups/{}/leave", {
                let (_, g) = d.node.get(&d.coordinator, "/api/v1/groups").await;
                g["items"][0]["id"].as_str().unwrap().to_string()
            }),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{left}");
    assert_eq!(left["membership"], "left");
    deliver_all(&all).await;
    let (_, after) = a.node.get(&a.coordinator, &members_path).await;
    let gold = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Org gold")
        .unwrap();
    assert_eq!(gold["state"], "left");
}

async fn groups_refuse_bad_input_and_relay_only_for_members(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let e = Member::spawn(&env, "grey").await;
    peer(&a, &b, "connected").await;
    peer(&a, &e, "connected").await;
    let all = [&a.node, &b.node, &e.node];

    // Creating: admins only, and every field checked by name; nothing written.
    let (status, _) = a
        .node
        .post(
            &a.coordinator,
            "/api/v1/groups",
            &json!({"slug": "x-group", "name": "X", "kind": "working", "moderators": ["green"]}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (body, field) in [
        (
            json!({"slug": "Not A Slug!", "name": "X", "kind": "working", "moderators": ["green"]}),
            "slug",
        ),
        (
            json!({"slug": "x-group", "name": "", "kind": "working", "moderators": ["green"]}),
            "name",
        ),
        (
            json!({"slug": "x-group", "name": "X", "kind": "working", "moderators": ["nobody-here"]}),
            "moderators[0]",
        ),
        (
            json!({"slug": "x-group", "name": "X", "kind": "working", "moderators": []}),
            "moderators",
        ),
        (
            json!({"slug": "x-group", "name": "X", "kind": "working", "languages": ["english!"], "moderators": ["green"]}),
            "languages[0]",
        ),
        (
            json!({"slug": "x-group", "name": "X", "kind": "local", "moderators": ["green"]}),
            "kind",
        ),
    ] {
        let (status, err) = a.node.post(&a.admin, "/api/v1/groups", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert!(err["fields"][field].is_string(), "{body}: {err}");
    }
    assert_eq!(a.node.count("groups").await, 0);
    let group = create_group(&a, "latin-america").await;
    let uri = group["uri"].as_str().unwrap().to_string();
    let (status, err) = a
        .node
        .post(
            &a.admin,
            "/api/v1/groups",
            &json!({"slug": "latin-america", "name": "Again", "kind": "regional", "moderators": ["green"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");

    // Joining: a group's actor id, of a group, on a node this one federates with.
    for (group, expected) in [
        ("not a url", StatusCode::UNPROCESSABLE_ENTITY),
        (a.org_actor().as_str(), StatusCode::UNPROCESSABLE_ENTITY),
        ("https://unknown.example/groups/x", StatusCode::CONFLICT),
    ] {
        let (status, err) = b
            .node
            .post(&b.coordinator, "/api/v1/groups/join", &json!({"group": group}))
            .await;
        assert_eq!(status, expected, "{group}: {err}");
    }
    assert_eq!(b.node.count("group_memberships").await, 0);
    join(&b, &uri).await;
    deliver_all(&all).await;

    // Deciding: a known state, on a known member.
    let members = format!("/api/v1/groups/{}/members", group["id"].as_str().unwrap());
    let (status, _) = a
        .node
        .patch(
            &a.coordinator,
            &members,
            &json!({"org": b.org_actor(), "state": "maybe"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = a
        .node
        .patch(
            &a.coordinator,
            &members,
            &json!({"org": e.org_actor(), "state": "accepted"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = a
        .node
        .patch(
            &a.coordinator,
            &members,
            &json!({"org": b.org_actor(), "state": "removed"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a pending request is refused, not removed"
    );
    let (status, _) = a
        .node
        .patch(
            &a.coordinator,
            &members,
            &json!({"org": b.org_actor(), "state": "accepted"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    deliver_all(&all).await;

    // E is a peer of A but not a member: its alert to the group is stored on A
    // as any peer's, and relayed to nobody.
    let mut body = titled("Not a member's alert", "network");
    body["groups"] = json!([uri]);
    e.publish(body).await;
    deliver_all(&all).await;
    assert_eq!(a.network_titles().await, ["Not a member's alert"]);
    assert!(b.network_titles().await.is_empty());
    let (relays,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox_activities WHERE kind = 'Announce'")
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(relays, 0);
    let (_, listed) = a
        .node
        .get(
            &a.coordinator,
            &format!("/api/v1/groups/{}/alerts", group["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(
        listed["items"],
        json!([]),
        "not listed under a group that did not relay it"
    );
}

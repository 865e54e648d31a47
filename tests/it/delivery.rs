//! Deliveries that are never lost: retries by the answer, peers down for
//! days (with the node's clock moved, never slept), and what admins see.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::federation::{Member, peer, titled};
use crate::support::{FakePeer, SendChecked, TestCase, TestEnv, TestNode};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        refusals_are_final_and_failures_are_retried,
        a_peer_down_for_two_days_gets_everything_in_order_once,
        a_peer_down_for_fifteen_days_is_listed_not_dropped,
        a_queue_longer_than_one_batch_is_drained_in_one_pass,
        a_slow_peer_is_not_sent_twice_by_two_processes,
    ]
}

/// The member "blue" on a node whose database URL is kept, to restart it on.
async fn blue_on_its_own_database(env: &TestEnv) -> (Member, String) {
    let url = env.new_database_url().await;
    let node = TestNode::spawn_on(&url).await;
    let admin = node
        .staff("blue", tadamun::domain::vocab::Role::Admin, "blue-admin")
        .await;
    let coordinator = node
        .staff("blue", tadamun::domain::vocab::Role::Coordinator, "blue-coord")
        .await;
    let member = Member {
        node,
        admin,
        coordinator,
        org: "blue".into(),
    };
    (member, url)
}

async fn undelivered(node: &TestNode, admin: &str) -> Vec<Value> {
    let (status, list) = node.get(admin, "/api/v1/deliveries").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"].as_array().unwrap().clone()
}

async fn refusals_are_final_and_failures_are_retried(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let flaky = FakePeer::start().await;
    a.add_peer_url(&flaky.base, "connected").await;
    a.node.deliver().await;
    assert_eq!(flaky.posts(), 1, "the Follow");

    for gone in [404, 410] {
        flaky.answer(gone, 0);
        a.publish(titled(&format!("Refused with {gone}"), "network")).await;
        a.node.deliver().await;
        let posts = flaky.posts();
        a.node.clock.advance(Duration::hours(2));
        a.node.deliver().await;
        assert_eq!(flaky.posts(), posts, "{gone} is not retried");
    }
    let failed: Vec<Value> = undelivered(&a.node, &a.admin).await;
    assert_eq!(failed.len(), 2);
    for item in &failed {
        assert_eq!(item["state"], "failed");
        assert_eq!(item["attempts"], 1);
        assert!(item["reason"].as_str().unwrap().contains("answered 4"), "{item}");
    }

    // 503: retried within seconds, then with growing waits.
    flaky.answer(503, 0);
    let (_, _) = a.node.post(&a.admin, "/api/v1/deliveries/retry", &json!({})).await;
    a.node.deliver().await;
    let before = flaky.posts();
    a.node.deliver().await;
    assert_eq!(flaky.posts(), before, "not before its time");
    // Its second failure: tried again 10 s later (5 s after the first).
    a.node.clock.advance(Duration::seconds(11));
    a.node.deliver().await;
    assert_eq!(
        flaky.posts(),
        before + 1,
        "the head of the queue is tried again within seconds; the rest waits behind it"
    );
    let pending = undelivered(&a.node, &a.admin).await;
    assert!(pending.iter().all(|d| d["state"] == "pending"));
    assert!(pending[0]["reason"].as_str().unwrap().contains("503"), "{pending:?}");

    // 429 with Retry-After: waits as long as asked.
    flaky.answer(429, 120);
    a.node.clock.advance(Duration::hours(1));
    a.node.deliver().await;
    let head = &undelivered(&a.node, &a.admin).await[0];
    let next: chrono::DateTime<chrono::Utc> = head["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let wait = next - a.node.clock_now();
    assert!(
        wait >= Duration::seconds(119) && wait <= Duration::seconds(121),
        "{wait}"
    );

    // Back to normal: everything goes, in order.
    flaky.answer(202, 0);
    a.node.clock.advance(Duration::seconds(121));
    a.node.deliver().await;
    assert!(undelivered(&a.node, &a.admin).await.is_empty());
}

async fn a_peer_down_for_two_days_gets_everything_in_order_once(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let (b, b_url) = blue_on_its_own_database(&env).await;
    peer(&a, &b, "connected").await;
    let b_host = b.node.host();
    let port = b_host.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    // Down: the listener and every open connection closed.
    let Member { node: b_node, .. } = b;
    b_node.stop().await;

    // While B is down: an alert, its update, another alert and its withdrawal.
    let first = a.publish(titled("First", "network")).await;
    let (status, _) = a
        .node
        .patch(
            &a.coordinator,
            &format!("/api/v1/alerts/{first}"),
            &json!({"summary": {"en": "Updated while B was down"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let second = a.publish(titled("Second", "network")).await;
    let (status, _) = a
        .node
        .post(&a.coordinator, &format!("/api/v1/alerts/{second}/withdraw"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..(48 * 2) {
        a.node.deliver().await;
        a.node.clock.advance(Duration::minutes(30));
    }
    let (_, summary) = a.node.get(&a.admin, "/api/v1/deliveries/summary").await;
    let queue = summary["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["host"] == b_host.as_str())
        .unwrap()
        .clone();
    assert_eq!(queue["pending"], 4, "{queue}");
    assert_eq!(queue["unreachable"], true);
    assert!(queue["oldest_pending_seconds"].as_i64().unwrap() >= 47 * 3600);

    // B comes back on the same address.
    let b_back = TestNode::spawn_on_port(&b_url, port).await;
    a.node.clock.advance(Duration::hours(1));
    a.node.deliver().await;
    let (_, summary) = a.node.get(&a.admin, "/api/v1/deliveries/summary").await;
    let queue = summary["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["host"] == b_back.host())
        .unwrap()
        .clone();
    assert_eq!(
        (queue["pending"].as_i64(), queue["unreachable"].as_bool()),
        (Some(0), Some(false)),
        "{queue}"
    );

    // In order: each delivered after the one before it, and each exactly once.
    let delivered: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT a.seq, d.delivered_at, d.attempts FROM outbox_deliveries d JOIN outbox_activities a ON a.id = d.activity_id \
         WHERE d.host = $1 AND a.kind IN ('Create', 'Update', 'Delete') ORDER BY a.seq",
    )
    .bind(b_back.host())
    .fetch_all(&a.node.db().pool)
    .await
    .unwrap();
    assert_eq!(delivered.len(), 4);
    assert!(delivered.windows(2).all(|w| w[0].1 <= w[1].1));
    let (received,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM received_activities")
        .fetch_one(&b_back.db().pool)
        .await
        .unwrap();
    assert!(received >= 4);
    let coordinator = tadamun::services::accounts::issue_token(
        &b_back.state,
        &tadamun::db::accounts::find_user_by_username(b_back.db(), "blue-coord")
            .await
            .unwrap()
            .unwrap()
            .id,
        "t",
        None,
        b_back.clock_now(),
    )
    .await
    .unwrap()
    .0;
    let (_, list) = b_back.get(&coordinator, "/api/v1/network/alerts").await;
    assert_eq!(list["total"], 1, "the withdrawn one is purged: {list}");
    assert_eq!(list["items"][0]["summary"]["en"], "Updated while B was down");
    let (tombstones,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM remote_alerts WHERE deleted_at IS NOT NULL")
        .fetch_one(&b_back.db().pool)
        .await
        .unwrap();
    assert_eq!(tombstones, 1);
}

async fn a_peer_down_for_fifteen_days_is_listed_not_dropped(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let flaky = FakePeer::start().await;
    a.add_peer_url(&flaky.base, "connected").await;
    a.node.deliver().await;
    flaky.answer(503, 0);
    a.publish(titled("Undeliverable for now", "network")).await;
    for _ in 0..(15 * 24) {
        a.node.deliver().await;
        a.node.clock.advance(Duration::hours(1));
    }
    let items = undelivered(&a.node, &a.admin).await;
    assert_eq!(items.len(), 1, "still there after 15 days: {items:?}");
    assert_eq!(items[0]["state"], "pending");
    assert!(items[0]["attempts"].as_i64().unwrap() > 300);
    assert!(items[0]["reason"].as_str().unwrap().contains("503"));
    let host = tadamun::federation::urls::normalise_host(&flaky.base).unwrap();
    let (_, summary) = a.node.get(&a.admin, "/api/v1/deliveries/summary").await;
    assert_eq!(summary["items"][0]["unreachable"], true);
    let metrics = a
        .node
        .http
        .get(format!("{}/api/v1/metrics", a.node.base))
        .bearer_auth(&a.admin)
        .send_checked()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!("tadamun_peer_unreachable{{peer=\"{host}\"}} 1")),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("tadamun_outbox_pending{{peer=\"{host}\"}} 1")),
        "{metrics}"
    );
    let (status, bad) = a.node.get(&a.admin, "/api/v1/deliveries?limit=9999&state=lost").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (status, _) = a.node.get(&a.coordinator, "/api/v1/deliveries").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Retried by hand once the peer is back.
    flaky.answer(202, 0);
    let (status, requeued) = a
        .node
        .post(&a.admin, "/api/v1/deliveries/retry", &json!({"host": host}))
        .await;
    assert_eq!((status, requeued["requeued"].as_i64()), (StatusCode::OK, Some(1)));
    a.node.deliver().await;
    assert!(undelivered(&a.node, &a.admin).await.is_empty());
}

/// Deliveries are read, sent and recorded in batches: a peer's queue longer
/// than a batch is still drained by one pass, each activity sent once.
async fn a_queue_longer_than_one_batch_is_drained_in_one_pass(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let (b, _) = blue_on_its_own_database(&env).await;
    peer(&a, &b, "connected").await;
    // More than one batch (32) queued for B before anything is sent.
    for n in 0..40 {
        a.publish(titled(&format!("Queued {n}"), "network")).await;
    }
    a.node.deliver().await;

    let sent: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT a.seq, d.attempts FROM outbox_deliveries d JOIN outbox_activities a ON a.id = d.activity_id \
         WHERE d.host = $1 AND d.state = 'delivered' AND a.kind = 'Create' ORDER BY a.seq",
    )
    .bind(b.node.host())
    .fetch_all(&a.node.db().pool)
    .await
    .unwrap();
    assert_eq!(sent.len(), 40, "one pass delivers the whole queue");
    assert!(
        sent.iter().all(|(_, attempts)| *attempts == 1),
        "each sent once: {sent:?}"
    );
    let (pending,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox_deliveries WHERE state = 'pending'")
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);
    let (_, list) = b.node.get(&b.coordinator, "/api/v1/network/alerts").await;
    assert_eq!(list["total"], 40, "{list}");
}

/// Two processes serving one node share its queues through per-peer leases.
/// A peer slow to answer must not keep a send going past the lease: the other
/// process would take the queue when it lapses and send the same activity
/// again while the first still waits. (Leases run on the wall clock, so this
/// test waits real seconds.)
async fn a_slow_peer_is_not_sent_twice_by_two_processes(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let slow = FakePeer::start().await;
    a.add_peer_url(&slow.base, "connected").await;
    a.node.deliver().await;
    let process = |name: &str| {
        let mut state = a.node.state.clone();
        state.worker_id = name.to_string();
        state.delivery_lease = Duration::seconds(4);
        state
    };
    let (first, second) = (process("first"), process("second"));
    let first_data = tadamun::federation::data(&first).await.unwrap();
    let second_data = tadamun::federation::data(&second).await.unwrap();

    slow.delay(std::time::Duration::from_secs(20));
    a.publish(titled("Answered slowly", "network")).await;
    let started = tokio::time::Instant::now();
    let first_pass = tokio::spawn(async move { tadamun::federation::outbox::deliver_due(&first, &first_data).await });
    // Past the first process's lease, had it kept sending.
    tokio::time::sleep_until(started + std::time::Duration::from_secs(5)).await;
    tadamun::federation::outbox::deliver_due(&second, &second_data)
        .await
        .unwrap();
    assert_eq!(slow.creates(), (1, 1), "the second process did not send it again");
    first_pass.await.unwrap().unwrap();
    let pending = undelivered(&a.node, &a.admin).await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert!(
        pending[0]["reason"].as_str().unwrap().contains("delivery lease"),
        "the cut-off send is recorded for a retry: {pending:?}"
    );

    // When the peer answers in time, the retry goes (from either process).
    slow.delay(std::time::Duration::ZERO);
    a.node.clock.advance(Duration::seconds(6));
    tadamun::federation::outbox::deliver_due(&second, &second_data)
        .await
        .unwrap();
    assert!(undelivered(&a.node, &a.admin).await.is_empty());
    assert_eq!(slow.creates(), (1, 2), "sent again only after it was cut off");
}

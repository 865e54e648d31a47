//! Solidarity actions across real nodes: members on B, C and D answer an
//! alert from A; A sees the collective response and its letter; shared
//! responses reach the other recipients through A; the alert's updates and
//! closure reach everyone; and actions from outside the audience are refused.
//! Also the expiry and overdue-pledge flags, with an injected clock.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::federation::{Member, peer, titled};
use crate::inbox_security::{GOOD, Sender, sign_activity_as};
use crate::support::{TestCase, TestEnv, TestNode, deliver_all};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        the_network_answers_an_alert_together,
        actions_are_checked_and_owned,
        expired_alerts_and_overdue_pledges_are_flagged,
    ]
}

/// This node's id for the network alert titled `title`.
pub async fn network_id(m: &Member, title: &str) -> String {
    let (status, list) = m.node.get(&m.coordinator, "/api/v1/network/alerts").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"]["en"] == title)
        .unwrap_or_else(|| panic!("{title} not on {}: {list}", m.node.base))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Records an action on a network alert; returns it.
async fn act(m: &Member, alert: &str, body: Value) -> Value {
    let (status, action) = m
        .node
        .post(
            &m.coordinator,
            &format!("/api/v1/network/alerts/{alert}/actions"),
            &body,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    action
}

fn kinds(responses: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = responses["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["org_name"].as_str().unwrap().to_string(),
                a["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

async fn the_network_answers_an_alert_together(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let c = Member::spawn(&env, "red").await;
    let d = Member::spawn(&env, "gold").await;
    let all = [&a.node, &b.node, &c.node, &d.node];
    peer(&a, &b, "trusted").await;
    peer(&a, &c, "connected").await;
    peer(&a, &d, "connected").await;

    let alert = a.publish(titled("Land defenders threatened", "network")).await;
    deliver_all(&all).await;
    let on_b = network_id(&b, "Land defenders threatened").await;
    let on_c = network_id(&c, "Land defenders threatened").await;
    let on_d = network_id(&d, "Land defenders threatened").await;

    let due = (Utc::now() + Duration::days(10)).to_rfc3339();
    let b_cosign = act(&b, &on_b, json!({"kind": "cosign", "shareable": true})).await;
    act(
        &b,
        &on_b,
        json!({"kind": "support_offer", "support_type": "legal", "content": {"en": "Two lawyers can travel."}}),
    )
    .await;
    act(&c, &on_c, json!({"kind": "cosign", "shareable": true})).await;
    act(
        &c,
        &on_c,
        json!({"kind": "report", "outcome": "commitment", "shareable": true,
               "content": {"en": "The Attorney General's office promised an investigation."}}),
    )
    .await;
    let pledge = act(
        &d,
        &on_d,
        json!({"kind": "pledge", "due": due, "shareable": true, "content": {"en": "We will raise it with the EU delegation."}}),
    )
    .await;
    assert_eq!(pledge["pledge_status"], "pending", "{pledge}");
    act(
        &d,
        &on_d,
        json!({"kind": "letter_sent", "addressee": "Attorney General", "content": {"en": "Sent by post."}}),
    )
    .await;
    deliver_all(&all).await;

    // A, the author, sees every response with its organisation.
    let (status, responses) = a
        .node
        .get(&a.coordinator, &format!("/api/v1/alerts/{alert}/responses"))
        .await;
    assert_eq!(status, StatusCode::OK, "{responses}");
    assert_eq!(
        kinds(&responses),
        [
            ("Org blue", "cosign"),
            ("Org blue", "support_offer"),
            ("Org gold", "letter_sent"),
            ("Org gold", "pledge"),
            ("Org red", "cosign"),
            ("Org red", "report"),
        ]
        .map(|(o, k)| (o.to_string(), k.to_string()))
    );
    assert_eq!(
        responses["counts"],
        json!({"cosign": 2, "letter_sent": 1, "pledge": 1, "report": 1, "statement": 0, "support_offer": 1})
    );
    assert_eq!(names(&responses["cosignatories"]), ["Org blue", "Org red"]);
    let offer = responses["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "support_offer")
        .unwrap();
    assert_eq!(offer["support_type"], "legal");
    assert_eq!(offer["content"]["en"], "Two lawyers can travel.");

    // Another organisation on A sees the shared responses, not the offer,
    // until the author lets it.
    let partner = a.node.staff("violet", Role::Coordinator, "violet-coord").await;
    let (_, seen) = a.node.get(&partner, &format!("/api/v1/alerts/{alert}/responses")).await;
    assert!(!kinds(&seen).iter().any(|(_, k)| k == "support_offer"), "{seen}");
    assert!(
        !kinds(&seen).iter().any(|(_, k)| k == "letter_sent"),
        "not shared: {seen}"
    );
    let (status, _) = a
        .node
        .call(
            reqwest::Method::PUT,
            Some(&a.coordinator),
            &format!("/api/v1/alerts/{alert}/offer-viewers"),
            Some(&json!({"orgs": ["violet"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, seen) = a.node.get(&partner, &format!("/api/v1/alerts/{alert}/responses")).await;
    assert!(kinds(&seen).iter().any(|(_, k)| k == "support_offer"), "{seen}");
    let (_, viewers) = a
        .node
        .get(&a.coordinator, &format!("/api/v1/alerts/{alert}/offer-viewers"))
        .await;
    assert_eq!(viewers["orgs"], json!(["violet"]));
    // Each organisation lists its own actions.
    let (_, mine) = d.node.get(&d.coordinator, "/api/v1/actions").await;
    assert_eq!(mine["total"], 2, "{mine}");
    let mut own: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    own.sort();
    assert_eq!(own, ["letter_sent", "pledge"]);

    // Shared responses reach the other recipients through A; private ones do not.
    let (_, on_d_view) = d
        .node
        .get(&d.coordinator, &format!("/api/v1/network/alerts/{on_d}/responses"))
        .await;
    assert_eq!(
        kinds(&on_d_view),
        [
            ("Org blue", "cosign"),
            ("Org gold", "letter_sent"),
            ("Org gold", "pledge"),
            ("Org red", "cosign"),
            ("Org red", "report"),
        ]
        .map(|(o, k)| (o.to_string(), k.to_string()))
    );

    // The letter lists the co-signatories after the author.
    let (status, letter) = a
        .node
        .get(&a.coordinator, &format!("/api/v1/alerts/{alert}/letter?lang=es"))
        .await;
    assert_eq!(status, StatusCode::OK, "{letter}");
    assert_eq!(letter["signed_by"], "Org green");
    assert_eq!(names(&letter["cosignatories"]), ["Org blue", "Org red"]);
    assert_eq!(letter["body"], "Le instamos a investigar.");
    let text = letter["text"].as_str().unwrap();
    assert!(text.starts_with("Attorney General, Public Ministry\n"), "{text}");
    assert!(text.ends_with("Org green\nOrg blue\nOrg red\n"), "{text}");

    // B retracts its co-signature: gone from A's letter and from C's view.
    let (status, _) = b
        .node
        .call(
            reqwest::Method::DELETE,
            Some(&b.coordinator),
            &format!("/api/v1/actions/{}", b_cosign["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    deliver_all(&all).await;
    let (_, letter) = a
        .node
        .get(&a.coordinator, &format!("/api/v1/alerts/{alert}/letter"))
        .await;
    assert_eq!(names(&letter["cosignatories"]), ["Org red"]);
    assert!(!letter["text"].as_str().unwrap().contains("Org blue"));
    let (_, on_c_view) = c
        .node
        .get(&c.coordinator, &format!("/api/v1/network/alerts/{on_c}/responses"))
        .await;
    assert_eq!(names(&on_c_view["cosignatories"]), ["Org red"], "{on_c_view}");

    // A updates the alert, then closes it: B, C and D show the final state and history.
    let (status, body) = a
        .node
        .patch(
            &a.coordinator,
            &format!("/api/v1/alerts/{alert}"),
            &json!({"summary": {"en": "The threats continued after the hearing."},
                    "expires": (Utc::now() + Duration::days(30)).to_rfc3339()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = a
        .node
        .post(
            &a.coordinator,
            &format!("/api/v1/alerts/{alert}/close"),
            &json!({"outcome": "charges_dropped", "note": "The charges were dropped on 3 December."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    deliver_all(&all).await;
    for (m, id) in [(&b, &on_b), (&c, &on_c), (&d, &on_d)] {
        let (status, seen) = m
            .node
            .get(&m.coordinator, &format!("/api/v1/network/alerts/{id}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{seen}");
        assert_eq!(seen["status"], "closed", "{seen}");
        assert_eq!(seen["outcome"], "charges_dropped");
        assert_eq!(seen["closing_note"], "The charges were dropped on 3 December.");
        assert_eq!(seen["summary"]["en"], "The threats continued after the hearing.");
        let history: Vec<(&str, &str)> = seen["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["action"].as_str().unwrap(), h["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            history,
            [("published", "open"), ("edited", "open"), ("closed", "closed")],
            "{seen}"
        );
        assert!(
            seen["history"][1]["changed_fields"]
                .as_array()
                .unwrap()
                .contains(&json!("summary"))
        );
    }

    // A closed alert takes reports, not new co-signatures.
    let (status, body) = d
        .node
        .post(
            &d.coordinator,
            &format!("/api/v1/network/alerts/{on_d}/actions"),
            &json!({"kind": "cosign"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    act(
        &d,
        &on_d,
        json!({"kind": "report", "outcome": "favourable", "content": {"en": "The delegation raised it."}}),
    )
    .await;
    deliver_all(&all).await;
    let (_, responses) = a
        .node
        .get(&a.coordinator, &format!("/api/v1/alerts/{alert}/responses"))
        .await;
    let pledge = responses["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "pledge")
        .unwrap();
    assert_eq!(pledge["pledge_status"], "kept", "{responses}");
    // Every response sent, received, changed and retracted kept the
    // analysis's counts on each node.
    for node in all {
        assert_eq!(node.analysis_drift().await, (0, 0), "{}", node.base);
    }
}

/// The action a node outside an alert's audience would send, signed properly.
async fn forged_cosign(from: &Member, alert_uri: &str) -> Value {
    let actor = from.org_actor();
    let id = format!("{}/actions/forged-1", from.node.base);
    let mut activity = json!({
        "@context": tadamun::federation::wire::context(),
        "id": format!("{}/activities/forged-1", from.node.base),
        "type": "Create",
        "actor": actor,
        "to": [],
        "object": {
            "id": id,
            "type": "SolidarityAction",
            "actionKind": "cosign",
            "attributedTo": actor,
            "inReplyTo": alert_uri,
            "shareable": true,
            "published": Utc::now(),
            "updated": Utc::now(),
            "version": 1,
            "to": [],
        },
    });
    sign_activity_as(&from.node, &from.org, &mut activity).await;
    activity
}

/// The co-signatories a member's node shows for a network alert.
async fn cosigners_seen(m: &Member, id: &str) -> Vec<String> {
    let (status, body) = m
        .node
        .get(&m.coordinator, &format!("/api/v1/network/alerts/{id}/responses"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    names(&body["cosignatories"])
}

async fn actions_are_checked_and_owned(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let c = Member::spawn(&env, "red").await;
    let all = [&a.node, &b.node, &c.node];
    peer(&a, &b, "trusted").await;
    peer(&a, &c, "connected").await;

    // C, only connected, never gets a trusted alert; its signed action on it is refused.
    let trusted = a.publish(titled("Trusted only", "trusted")).await;
    deliver_all(&all).await;
    let uri = format!("{}/alerts/{trusted}", a.node.base);
    let forged = forged_cosign(&c, &uri).await;
    let status = Sender::org_of(&c.node, "red").await.post(&a.node, &forged, GOOD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(a.node.count("solidarity_actions").await, 0);
    // B, trusted, may act on it through its API, and A stores it.
    let on_b = network_id(&b, "Trusted only").await;
    let cosign = act(&b, &on_b, json!({"kind": "cosign"})).await;
    deliver_all(&all).await;
    assert_eq!(a.node.count("solidarity_actions").await, 1);

    // The action's id dereferences: for the alert's origin (a signed GET), as
    // signed by B; for nobody else.
    let action_url = url::Url::parse(cosign["uri"].as_str().unwrap()).unwrap();
    let fetch_as = |by: &TestNode| {
        let state = by.state.clone();
        let url = action_url.clone();
        async move {
            let data = tadamun::federation::data(&state).await.unwrap();
            activitypub_federation::fetch::fetch_object_http::<_, Value>(&url, &data)
                .await
                .map(|r| r.object)
        }
    };
    let fetched = fetch_as(&a.node).await.expect("the origin fetches the action");
    assert_eq!(fetched["type"], json!(["Note", "SolidarityAction"]));
    assert_eq!(fetched["attributedTo"], b.org_actor());
    assert!(fetched["proof"]["proofValue"].is_string());
    assert!(fetch_as(&c.node).await.is_err(), "C is neither the origin nor a group");
    let unsigned = b.node.http.get(action_url.as_str()).send().await.unwrap();
    assert_eq!(unsigned.status(), StatusCode::NOT_FOUND);

    // Checks on what is recorded, each naming the field.
    for (body, field) in [
        (json!({}), "kind"),
        (json!({"kind": "pledge"}), "due"),
        (json!({"kind": "pledge", "due": "2001-01-01T00:00:00Z"}), "due"),
        (json!({"kind": "support_offer"}), "support_type"),
        (
            json!({"kind": "support_offer", "support_type": "legal", "shareable": true}),
            "shareable",
        ),
        (json!({"kind": "report", "content": {"en": "x"}}), "outcome"),
        (json!({"kind": "statement"}), "content"),
        (json!({"kind": "cosign", "addressee": "x"}), "addressee"),
        (json!({"kind": "wave"}), "kind"),
    ] {
        let (status, err) = b
            .node
            .post(&b.coordinator, &format!("/api/v1/network/alerts/{on_b}/actions"), &body)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert!(err["fields"][field].is_string(), "{body}: {err}");
    }
    // Co-signing twice, and co-signing in the organisation's name as a member, are refused.
    let (status, _) = b
        .node
        .post(
            &b.coordinator,
            &format!("/api/v1/network/alerts/{on_b}/actions"),
            &json!({"kind": "cosign"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let member = b.node.staff("blue", Role::Member, "blue-member").await;
    let (status, _) = b
        .node
        .post(
            &member,
            &format!("/api/v1/network/alerts/{on_b}/actions"),
            &json!({"kind": "statement", "content": {"en": "We stand with them."}}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Only the author organisation corrects or retracts an action.
    let other = b.node.staff("teal", Role::Coordinator, "teal-coord").await;
    let path = format!("/api/v1/actions/{}", cosign["id"].as_str().unwrap());
    let (status, _) = b.node.patch(&other, &path, &json!({"shareable": true})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = b.node.call(reqwest::Method::DELETE, Some(&other), &path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, changed) = b.node.patch(&b.coordinator, &path, &json!({"shareable": true})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["version"], 2);
    let (status, _) = b.node.patch(&b.coordinator, &path, &json!({"kind": "statement"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    deliver_all(&all).await;

    // Another node may not change B's action on A (only its author may).
    let stored: (String, String) = sqlx::query_as("SELECT id, document FROM solidarity_actions")
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    let mut hijack: Value = serde_json::from_str(&stored.1).unwrap();
    hijack["attributedTo"] = json!(c.org_actor());
    hijack["version"] = json!(9);
    let mut update = json!({
        "@context": tadamun::federation::wire::context(),
        "id": format!("{}/activities/hijack-1", c.node.base),
        "type": "Update",
        "actor": c.org_actor(),
        "to": [],
        "object": hijack,
    });
    sign_activity_as(&c.node, "red", &mut update).await;
    let status = Sender::org_of(&c.node, "red").await.post(&a.node, &update, GOOD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (version,): (i64,) = sqlx::query_as("SELECT version FROM solidarity_actions WHERE id = $1")
        .bind(&stored.0)
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(version, 2);
    // Nor retract it.
    let mut delete = json!({
        "@context": tadamun::federation::wire::context(),
        "id": format!("{}/activities/hijack-2", c.node.base),
        "type": "Delete",
        "actor": c.org_actor(),
        "to": [],
        "object": {"id": stored.0, "type": "Tombstone", "formerType": "SolidarityAction"},
    });
    sign_activity_as(&c.node, "red", &mut delete).await;
    let status = Sender::org_of(&c.node, "red").await.post(&a.node, &delete, GOOD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (deleted,): (Option<i64>,) = sqlx::query_as("SELECT deleted_at FROM solidarity_actions WHERE id = $1")
        .bind(&stored.0)
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(deleted, None);

    // Only the alert's origin passes actions on: C, peered with B, cannot hand
    // B an action on A's alert.
    peer(&b, &c, "connected").await;
    let forged = forged_cosign(&c, &uri).await;
    let status = Sender::org_of(&c.node, "red").await.post(&b.node, &forged, GOOD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Un-sharing reaches the other recipients as a withdrawal, never as the new
    // (private) content. C sees B's shared cosign on a network alert, then not.
    let network = a.publish(titled("Network wide", "network")).await;
    deliver_all(&all).await;
    let on_b_net = network_id(&b, "Network wide").await;
    let on_c_net = network_id(&c, "Network wide").await;
    let shared = act(&b, &on_b_net, json!({"kind": "cosign", "shareable": true})).await;
    deliver_all(&all).await;

    assert_eq!(cosigners_seen(&c, &on_c_net).await, ["Org blue"]);
    let (status, body) = b
        .node
        .patch(
            &b.coordinator,
            &format!("/api/v1/actions/{}", shared["id"].as_str().unwrap()),
            &json!({"shareable": false, "content": {"en": "PRIVATE-NOTE for the author only"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    deliver_all(&all).await;
    assert!(cosigners_seen(&c, &on_c_net).await.is_empty());
    let (leaked,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM solidarity_actions WHERE document LIKE '%PRIVATE-NOTE%' OR content LIKE '%PRIVATE-NOTE%'",
    )
    .fetch_one(&c.node.db().pool)
    .await
    .unwrap();
    assert_eq!(leaked, 0);
    // The origin still has it, as the author's private response.
    let (_, on_a) = a
        .node
        .get(&a.coordinator, &format!("/api/v1/alerts/{network}/responses"))
        .await;
    assert!(on_a.to_string().contains("PRIVATE-NOTE"), "{on_a}");

    // An unknown action is 404, for correcting and for retracting.
    let (status, _) = b
        .node
        .patch(
            &b.coordinator,
            "/api/v1/actions/no-such-action",
            &json!({"shareable": true}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = b
        .node
        .call(
            reqwest::Method::DELETE,
            Some(&b.coordinator),
            "/api/v1/actions/no-such-action",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An unknown alert is 404 and writes nothing.
    let (status, _) = b
        .node
        .post(
            &b.coordinator,
            "/api/v1/network/alerts/no-such-alert/actions",
            &json!({"kind": "cosign"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn attention(m: &Member) -> Value {
    let node: &TestNode = &m.node;
    let (status, body) = node.get(&m.coordinator, "/api/v1/attention").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn expired_alerts_and_overdue_pledges_are_flagged(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let all = [&a.node, &b.node];
    peer(&a, &b, "connected").await;
    let now = a.node.clock_now();
    let mut body = titled("Expiring alert", "network");
    body["expires"] = json!((now + Duration::days(3)).to_rfc3339());
    let alert = a.publish(body).await;
    deliver_all(&all).await;
    let on_b = network_id(&b, "Expiring alert").await;
    act(
        &b,
        &on_b,
        json!({"kind": "pledge", "due": (b.node.clock_now() + Duration::days(5)).to_rfc3339()}),
    )
    .await;
    deliver_all(&all).await;

    let flags = attention(&a).await;
    assert_eq!(flags["expired_alerts"], json!([]));
    assert_eq!(attention(&b).await["overdue_pledges"], json!([]));

    // Four days on: A's alert is past its expiry, B's pledge not yet due.
    a.node.clock.advance(Duration::days(4));
    b.node.clock.advance(Duration::days(4));
    let flags = attention(&a).await;
    assert_eq!(flags["expired_alerts"][0]["id"], alert.as_str(), "{flags}");
    assert_eq!(attention(&b).await["overdue_pledges"], json!([]));

    // Six days on: the pledge is overdue, and only for B.
    b.node.clock.advance(Duration::days(2));
    let flags = attention(&b).await;
    assert_eq!(flags["overdue_pledges"][0]["kind"], "pledge", "{flags}");
    assert_eq!(flags["overdue_pledges"][0]["pledge_status"], "overdue");
    assert_eq!(attention(&a).await["overdue_pledges"], json!([]));

    // A report clears the pledge; extending the alert clears its flag.
    act(
        &b,
        &on_b,
        json!({"kind": "report", "outcome": "no_response", "content": {"en": "Raised; no answer yet."}}),
    )
    .await;
    assert_eq!(attention(&b).await["overdue_pledges"], json!([]));
    a.node.clock.advance(Duration::days(2));
    let (status, body) = a
        .node
        .patch(
            &a.coordinator,
            &format!("/api/v1/alerts/{alert}"),
            &json!({"expires": (a.node.clock_now() + Duration::days(7)).to_rfc3339()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(attention(&a).await["expired_alerts"], json!([]));
}

//! The alert lifecycle through the API, role by role.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::support::{SendChecked, TestCase, TestEnv, TestNode, alert_body};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        lifecycle_by_role,
        null_removes_the_business_link_and_the_expiry,
        each_permission_is_refused_to_roles_without_it,
        audience_cannot_exceed_consent,
        withdrawing_consent_withdraws_the_alert,
        other_organisations_see_only_what_they_may,
        numbers_are_sequential_per_organisation,
        list_filters_and_pagination,
        refused_requests_write_nothing,
        new_consent_is_recorded_before_it_widens_anything,
    ]
}

async fn create(node: &TestNode, token: &str, body: &Value) -> Value {
    let (status, alert) = node.post(token, "/api/v1/alerts", body).await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    alert
}

fn id(alert: &Value) -> String {
    alert["id"].as_str().unwrap().to_string()
}

async fn lifecycle_by_role(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let member = node.staff("green", Role::Member, "mia").await;
    let coordinator = node.staff("green", Role::Coordinator, "cora").await;

    let alert = create(&node, &member, &alert_body()).await;
    assert_eq!(alert["status"], "draft");
    assert_eq!(alert["audience"], "node", "private by default");
    assert_eq!(alert["version"], 1);
    assert!(alert["number"].as_str().unwrap().starts_with("SOS-"));
    // The body is sanitised HTML, kept in every language given.
    assert_eq!(
        alert["body"]["en"],
        "<p>On 20 November, armed men <b>threatened</b> the community.</p>"
    );
    assert_eq!(
        alert["title"]["es"],
        "Amenazas de muerte contra defensores de la tierra"
    );
    let alert_id = id(&alert);
    let path = format!("/api/v1/alerts/{alert_id}");

    let (status, edited) = node
        .patch(
            &member,
            &path,
            &json!({"summary": {"en": "Updated summary"}, "urgency": "expected"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["urgency"], "expected");
    assert_eq!(edited["title"], alert["title"], "fields not sent are unchanged");

    let (status, submitted) = node.post(&member, &format!("{path}/submit"), &json!({})).await;
    assert_eq!(
        (status, submitted["status"].as_str()),
        (StatusCode::OK, Some("in_review"))
    );

    let (status, widened) = node.patch(&coordinator, &path, &json!({"audience": "network"})).await;
    assert_eq!(
        (status, widened["audience"].as_str()),
        (StatusCode::OK, Some("network")),
        "{widened}"
    );

    let (status, published) = node.post(&coordinator, &format!("{path}/publish"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["status"], "open");
    assert!(published["published_at"].is_string());

    let (status, updated) = node
        .patch(
            &coordinator,
            &path,
            &json!({"body": {"en": "<p>New facts <script>alert(1)</script></p>"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["body"]["en"], "<p>New facts </p>", "script removed");
    assert_eq!(updated["status"], "open");

    let (status, closed) = node
        .post(
            &coordinator,
            &format!("{path}/close"),
            &json!({"outcome": "released", "note": "Released on bail"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["outcome"], "released");
    assert_eq!(closed["closing_note"], "Released on bail");

    let (status, refused) = node.patch(&coordinator, &path, &json!({"urgency": "past"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "closed alerts are final: {refused}");
    let (status, _) = node.post(&coordinator, &format!("{path}/withdraw"), &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, history) = node.get(&member, &format!("{path}/history")).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "created",
            "edited",
            "submitted",
            "edited",
            "published",
            "edited",
            "closed"
        ]
    );
    let items = history["items"].as_array().unwrap();
    assert_eq!(items[1]["changed_fields"], json!(["summary", "urgency"]));
    assert_eq!(items[1]["by"], "mia");
    assert_eq!(items[4]["by"], "cora");
    assert_eq!(items[6]["note"], "Released on bail");
    // Another organisation on the node sees the history of the (closed) alert, not the notes.
    let outsider = node.staff("blue", Role::Viewer, "bo").await;
    let (status, seen) = node.get(&outsider, &format!("{path}/history")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        seen["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h.get("note").is_none() && h["by"] == "green"),
        "{seen}"
    );
    let versions: Vec<i64> = items.iter().map(|h| h["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, [1, 2, 3, 4, 5, 6, 7]);

    // A reviewer can send a draft back, and a coordinator can withdraw.
    let second = id(&create(&node, &member, &alert_body()).await);
    let second_path = format!("/api/v1/alerts/{second}");
    node.post(&member, &format!("{second_path}/submit"), &json!({})).await;
    let (status, back) = node
        .post(
            &coordinator,
            &format!("{second_path}/return"),
            &json!({"note": "add sources"}),
        )
        .await;
    assert_eq!((status, back["status"].as_str()), (StatusCode::OK, Some("draft")));
    // Review notes stay with the author organisation.
    let (_, own_history) = node.get(&member, &format!("{second_path}/history")).await;
    assert!(own_history.to_string().contains("add sources"));
    node.post(&member, &format!("{second_path}/submit"), &json!({})).await;
    // Steps whose fields are all optional take an empty body.
    let resp = node
        .http
        .post(format!("{}{second_path}/return", node.base))
        .bearer_auth(&coordinator)
        .send_checked()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, gone) = node
        .post(
            &coordinator,
            &format!("{second_path}/withdraw"),
            &json!({"reason": "duplicate"}),
        )
        .await;
    assert_eq!((status, gone["status"].as_str()), (StatusCode::OK, Some("withdrawn")));
    assert_eq!(gone["withdrawal_reason"], "duplicate");

    let (_, audit) = node
        .get(&node.staff("green", Role::Admin, "ada").await, "/api/v1/audit")
        .await;
    let audited: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for expected in ["alert.publish", "alert.widen", "alert.close", "alert.withdraw"] {
        assert!(audited.contains(&expected), "{expected} missing from {audited:?}");
    }
    node.stop().await;
}

/// In an edit, `null` removes what an alert may go without; a field left
/// out is kept.
async fn null_removes_the_business_link_and_the_expiry(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let member = node.staff("green", Role::Member, "mia").await;
    let alert = create(&node, &member, &alert_body()).await;
    let path = format!("/api/v1/alerts/{}", id(&alert));

    // `null` removes what may be absent; leaving a field out keeps it.
    let (status, linked) = node
        .patch(
            &member,
            &path,
            &json!({"business_link": {"sector": "mining", "company": "Minera Example"}, "expires": "2031-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{linked}");
    assert_eq!(linked["business_link"]["company"], "Minera Example");
    let (_, kept) = node.patch(&member, &path, &json!({"urgency": "expected"})).await;
    assert_eq!(kept["business_link"], linked["business_link"], "left out: kept");
    assert_eq!(kept["expires"], "2031-01-01T00:00:00Z", "left out: kept");
    let (status, cleared) = node
        .patch(&member, &path, &json!({"business_link": null, "expires": null}))
        .await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert!(cleared["business_link"].is_null(), "{cleared}");
    assert!(cleared["expires"].is_null(), "{cleared}");
}

async fn each_permission_is_refused_to_roles_without_it(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let viewer = node.staff("green", Role::Viewer, "vic").await;
    let member = node.staff("green", Role::Member, "mia").await;
    let coordinator = node.staff("green", Role::Coordinator, "cora").await;

    // No token, a wrong token: 401.
    let (status, body) = node.call(reqwest::Method::GET, None, "/api/v1/alerts", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body["error"].as_str().unwrap().contains("Bearer"));
    let (status, _) = node.get("tdm_not-a-real-token", "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Viewers read only.
    let (status, body) = node.post(&viewer, "/api/v1/alerts", &alert_body()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"].as_str().unwrap().contains("viewer"));

    // Members cannot create with a wider audience.
    let mut wide = alert_body();
    wide["audience"] = json!("network");
    let (status, body) = node.post(&member, "/api/v1/alerts", &wide).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(node.count("alerts").await, 0);

    let alert = create(&node, &member, &alert_body()).await;
    let path = format!("/api/v1/alerts/{}", id(&alert));

    let (status, _) = node.patch(&viewer, &path, &json!({"urgency": "past"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = node.post(&viewer, &format!("{path}/submit"), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = node.patch(&member, &path, &json!({"audience": "trusted"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "members cannot widen");
    let (status, _) = node.post(&member, &format!("{path}/withdraw"), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    node.post(&member, &format!("{path}/submit"), &json!({})).await;
    let (status, _) = node.post(&member, &format!("{path}/return"), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = node.post(&member, &format!("{path}/publish"), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = node.post(&viewer, &format!("{path}/publish"), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = node.post(&coordinator, &format!("{path}/publish"), &json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = node.patch(&member, &path, &json!({"urgency": "past"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "members cannot change a published alert");
    let (status, _) = node
        .post(&member, &format!("{path}/close"), &json!({"outcome": "released"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = node
        .post(&viewer, &format!("{path}/close"), &json!({"outcome": "released"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Nothing the refused requests asked for happened.
    let (_, now) = node.get(&member, &path).await;
    assert_eq!(now["status"], "open");
    assert_eq!(now["audience"], "node");
    assert_eq!(now["urgency"], "immediate");
    assert_eq!(now["version"], 3, "created, submitted, published");

    // Admin-only endpoints.
    for token in [&viewer, &member, &coordinator] {
        let (status, _) = node.get(token, "/api/v1/users").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = node.get(token, "/api/v1/audit").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = node
            .post(token, "/api/v1/orgs", &json!({"slug": "x-org", "name": "X"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(node.count("organisations").await, 1);
    node.stop().await;
}

async fn audience_cannot_exceed_consent(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let coordinator = node.staff("green", Role::Coordinator, "cora").await;
    // Named below: only organisations that exist can be.
    node.staff("blue", Role::Viewer, "bo").await;
    let mut body = alert_body();
    body["consent"]["allowed_uses"] = json!(["private_advocacy"]);
    body["audience"] = json!("public");
    let (status, refused) = node.post(&coordinator, "/api/v1/alerts", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["fields"]["audience"].as_str().unwrap().contains("consent"),
        "{refused}"
    );
    assert_eq!(node.count("alerts").await, 0);

    body["audience"] = json!("network");
    let alert = create(&node, &coordinator, &body).await;
    let path = format!("/api/v1/alerts/{}", id(&alert));

    // Narrowing the consent below the audience is refused too.
    let (status, refused) = node
        .patch(&coordinator, &path, &json!({"consent": {"given_by": "the council", "given_at": "2026-01-01T00:00:00Z", "allowed_uses": ["named_addressees_only"]}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["fields"]["audience"].is_string());

    // Named organisations only: the audience can be `restricted` at most.
    let (status, ok) = node
        .patch(&coordinator, &path, &json!({
            "audience": "restricted", "restricted_to": ["blue"],
            "consent": {"given_by": "the council", "given_at": "2026-01-01T00:00:00Z", "allowed_uses": ["named_addressees_only"]}
        }))
        .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["restricted_to"], json!(["blue"]));

    // Consent only in anonymised form: defenders must be anonymised before sharing.
    let mut anon = alert_body();
    anon["audience"] = json!("network");
    anon["consent"]["allowed_uses"] = json!(["private_advocacy", "anonymised"]);
    let (status, refused) = node.post(&coordinator, "/api/v1/alerts", &anon).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused["fields"]["defenders[0].anonymised"].is_string(), "{refused}");
    anon["defenders"][0]["anonymised"] = json!(true);
    anon["defenders"][0]["name"] = json!("Defender A");
    create(&node, &coordinator, &anon).await;
    node.stop().await;
}

async fn withdrawing_consent_withdraws_the_alert(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let member = node.staff("green", Role::Member, "mia").await;
    let coordinator = node.staff("green", Role::Coordinator, "cora").await;
    let other = node.staff("blue", Role::Viewer, "bob").await;
    let mut body = alert_body();
    body["audience"] = json!("network");
    let alert = create(&node, &coordinator, &body).await;
    let path = format!("/api/v1/alerts/{}", id(&alert));
    node.post(&coordinator, &format!("{path}/submit"), &json!({})).await;
    node.post(&coordinator, &format!("{path}/publish"), &json!({})).await;
    let (status, _) = node.get(&other, &path).await;
    assert_eq!(status, StatusCode::OK, "published to the node");

    // Any drafter may record it: it protects the defender.
    let (status, withdrawn) = node
        .post(
            &member,
            &format!("{path}/consent/withdraw"),
            &json!({"note": "family asked"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["status"], "withdrawn");
    assert!(withdrawn["consent"]["withdrawn_at"].is_string());
    let (status, _) = node.get(&other, &path).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no longer visible to other organisations"
    );
    let (status, _) = node
        .post(&member, &format!("{path}/consent/withdraw"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (_, audit) = node
        .get(&node.staff("green", Role::Admin, "ada").await, "/api/v1/audit")
        .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "alert.consent_withdrawn")
    );
    node.stop().await;
}

async fn other_organisations_see_only_what_they_may(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let coordinator = node.staff("green", Role::Coordinator, "cora").await;
    let blue = node.staff("blue", Role::Coordinator, "bea").await;
    let red = node.staff("red", Role::Viewer, "rob").await;

    let draft = create(&node, &coordinator, &alert_body()).await;
    let draft_path = format!("/api/v1/alerts/{}", id(&draft));
    let (status, _) = node.get(&blue, &draft_path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "drafts stay with their organisation");

    let mut body = alert_body();
    body["audience"] = json!("restricted");
    body["restricted_to"] = json!(["blue"]);
    let restricted = create(&node, &coordinator, &body).await;
    let path = format!("/api/v1/alerts/{}", id(&restricted));
    node.post(&coordinator, &format!("{path}/submit"), &json!({})).await;
    node.post(&coordinator, &format!("{path}/publish"), &json!({})).await;

    let (status, seen) = node.get(&blue, &path).await;
    assert_eq!(status, StatusCode::OK, "named organisation sees it");
    assert!(
        seen.get("local_only").is_none() && seen.get("consent").is_none(),
        "{seen}"
    );
    assert!(seen.get("restricted_to").is_none());
    let (status, _) = node.get(&red, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "unnamed organisation does not");
    let (_, red_list) = node.get(&red, "/api/v1/alerts").await;
    assert_eq!(red_list["total"], 0);
    let (_, blue_list) = node.get(&blue, "/api/v1/alerts").await;
    assert_eq!(blue_list["total"], 1);

    // Another organisation's staff cannot change it, whatever their role.
    let (status, _) = node.patch(&blue, &path, &json!({"urgency": "past"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = node
        .post(&blue, &format!("{path}/close"), &json!({"outcome": "released"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Local-only fields reach only the author organisation's staff.
    let (_, own) = node.get(&coordinator, &path).await;
    assert_eq!(own["local_only"]["exact_location"], "14.1234,-91.5678 SECRET-LOCATION");
    assert_eq!(own["local_only"]["internal_notes"], "SECRET-NOTES");
    for token in [&blue, &red] {
        let (_, list) = node.get(token, "/api/v1/alerts").await;
        let (_, one) = node.get(token, &path).await;
        for text in [list.to_string(), one.to_string()] {
            assert!(
                !text.contains("SECRET-LOCATION") && !text.contains("SECRET-CONTACT") && !text.contains("SECRET-NOTES"),
                "{text}"
            );
            assert!(!text.contains("the community council"), "consent never shown to others");
        }
    }
    node.stop().await;
}

async fn numbers_are_sequential_per_organisation(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let green = node.staff("green", Role::Member, "mia").await;
    let blue = node.staff("blue", Role::Member, "bo").await;
    let year = chrono::Datelike::year(&node.clock_now());
    let mut numbers = Vec::new();
    for token in [&green, &green, &blue, &green] {
        numbers.push(
            create(&node, token, &alert_body()).await["number"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(
        numbers,
        [
            format!("SOS-{year}-001"),
            format!("SOS-{year}-002"),
            format!("SOS-{year}-001"),
            format!("SOS-{year}-003"),
        ]
    );
    // Concurrent creation still hands out distinct numbers.
    let mut handles = Vec::new();
    for _ in 0..8 {
        let (http, base, token) = (node.http.clone(), node.base.clone(), green.clone());
        handles.push(tokio::spawn(async move {
            let resp = http
                .post(format!("{base}/api/v1/alerts"))
                .bearer_auth(token)
                .json(&alert_body())
                .send_checked()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::CREATED);
            resp.json::<Value>().await.unwrap()["number"]
                .as_str()
                .unwrap()
                .to_string()
        }));
    }
    let mut concurrent = Vec::new();
    for h in handles {
        concurrent.push(h.await.unwrap());
    }
    concurrent.sort();
    concurrent.dedup();
    assert_eq!(concurrent.len(), 8);
    node.stop().await;
}

async fn list_filters_and_pagination(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let coordinator = node.staff("green", Role::Coordinator, "cora").await;
    let mut ids = Vec::new();
    for (i, (country, violation, urgency, title)) in [
        ("GT", "death_threat", "immediate", "Threats in Guatemala"),
        ("PH", "killing", "immediate", "Killing of a farmer in Negros"),
        ("PH", "judicial_harassment", "expected", "SLAPP against journalists"),
        ("CO", "death_threat", "future", "Pamphlets in Cauca"),
        ("GT", "forced_eviction_displacement", "past", "Eviction in Izabal"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = alert_body();
        body["country"] = json!(country);
        body["violation_types"] = json!([violation]);
        body["urgency"] = json!(urgency);
        body["title"] = json!({"en": title});
        let alert = create(&node, &coordinator, &body).await;
        if i % 2 == 0 {
            let path = format!("/api/v1/alerts/{}", id(&alert));
            node.post(&coordinator, &format!("{path}/submit"), &json!({})).await;
            node.post(&coordinator, &format!("{path}/publish"), &json!({})).await;
        }
        ids.push(id(&alert));
        node.clock.advance(chrono::Duration::seconds(1));
    }
    let titles = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"]["en"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, all) = node.get(&coordinator, "/api/v1/alerts").await;
    assert_eq!(all["total"], 5);
    assert_eq!(titles(&all)[0], "Eviction in Izabal", "newest first");

    let (_, ph) = node.get(&coordinator, "/api/v1/alerts?country=ph").await;
    assert_eq!(
        titles(&ph),
        ["SLAPP against journalists", "Killing of a farmer in Negros"]
    );
    let (_, threats) = node.get(&coordinator, "/api/v1/alerts?violation=death_threat").await;
    assert_eq!(titles(&threats), ["Pamphlets in Cauca", "Threats in Guatemala"]);
    let (_, open) = node.get(&coordinator, "/api/v1/alerts?status=open").await;
    assert_eq!(open["total"], 3);
    let (_, immediate_gt) = node
        .get(&coordinator, "/api/v1/alerts?urgency=immediate&country=GT")
        .await;
    assert_eq!(titles(&immediate_gt), ["Threats in Guatemala"]);
    let (_, text) = node.get(&coordinator, "/api/v1/alerts?q=slapp").await;
    assert_eq!(titles(&text), ["SLAPP against journalists"]);
    let (_, literal) = node.get(&coordinator, "/api/v1/alerts?q=%25").await;
    assert_eq!(literal["total"], 0, "% is searched literally");
    let (_, by_org) = node.get(&coordinator, "/api/v1/alerts?org=green&status=draft").await;
    assert_eq!(by_org["total"], 2);

    let (_, page1) = node.get(&coordinator, "/api/v1/alerts?limit=2").await;
    let (_, page2) = node.get(&coordinator, "/api/v1/alerts?limit=2&offset=2").await;
    let (_, page3) = node.get(&coordinator, "/api/v1/alerts?limit=2&offset=4").await;
    assert_eq!(
        (page1["total"].as_i64(), page1["items"].as_array().unwrap().len()),
        (Some(5), 2)
    );
    let mut seen: Vec<String> = [page1, page2, page3]
        .iter()
        .flat_map(|p| {
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids, "pages cover every alert once");

    let (status, bad) = node
        .get(
            &coordinator,
            "/api/v1/alerts?status=pending&violation=bad&country=XX&limit=-1",
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["status", "violation", "country", "limit"] {
        assert!(bad["fields"][field].is_string(), "{field} in {bad}");
    }
    node.stop().await;
}

async fn refused_requests_write_nothing(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let member = node.staff("green", Role::Member, "mia").await;
    let alert = create(&node, &member, &alert_body()).await;
    let path = format!("/api/v1/alerts/{}", id(&alert));
    let before = (
        node.count("alerts").await,
        node.count("alert_history").await,
        node.count("alert_violations").await,
    );

    let (status, _) = node.patch(&member, &path, &json!({"violation_types": []})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = node
        .patch(&member, &path, &json!({"country": "ZZ", "title": {"en": "x"}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = node
        .get(&member, "/api/v1/alerts/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = node
        .patch(&member, "/api/v1/alerts/nope", &json!({"urgency": "past"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = node
        .post(&member, &format!("{path}/close"), &json!({"outcome": "released"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let after = (
        node.count("alerts").await,
        node.count("alert_history").await,
        node.count("alert_violations").await,
    );
    assert_eq!(before, after);
    let (_, unchanged) = node.get(&member, &path).await;
    assert_eq!(unchanged["version"], 1);
    assert_eq!(unchanged["country"], "GT");
    assert_eq!(
        unchanged["violation_types"],
        json!(["death_threat", "judicial_harassment"])
    );
    node.stop().await;
}

/// Consent is recorded as its own step, audited with the old and new value
/// and who recorded it; a published alert's audience widens on new consent
/// only after that record, never in the same edit.
async fn new_consent_is_recorded_before_it_widens_anything(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let member = node.staff("green", Role::Member, "mia").await;
    let coordinator = node.staff("green", Role::Coordinator, "cleo").await;
    let mut body = alert_body();
    body["audience"] = json!("network");
    body["consent"]["allowed_uses"] = json!(["private_advocacy"]);
    let alert = create(&node, &coordinator, &body).await;
    let path = format!("/api/v1/alerts/{}", id(&alert));

    // Even in a draft, changing consent and widening in one edit is refused.
    let wider = json!({"given_by": "the council, again", "given_at": "2026-02-01T00:00:00Z", "allowed_uses": ["public_appeal"]});
    let (status, refused) = node
        .patch(&coordinator, &path, &json!({"consent": wider, "audience": "public"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(refused.to_string().contains("/consent"), "says how: {refused}");

    for step in ["submit", "publish"] {
        let (status, body) = node.post(&coordinator, &format!("{path}/{step}"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{step}: {body}");
    }
    // Published: consent is not changed by an edit at all, with or without a wider audience.
    for edit in [
        json!({"consent": wider, "audience": "public"}),
        json!({"consent": wider}),
    ] {
        let (status, refused) = node.patch(&coordinator, &path, &edit).await;
        assert_eq!(status, StatusCode::CONFLICT, "{edit}: {refused}");
        assert!(
            refused.to_string().contains("record the new consent first"),
            "{refused}"
        );
    }
    let (_, unchanged) = node.get(&coordinator, &path).await;
    assert_eq!(unchanged["audience"], "network");
    assert_eq!(unchanged["consent"]["allowed_uses"], json!(["private_advocacy"]));

    // Recording it: a coordinator's step on a published alert, checked like any field.
    let (status, _) = node
        .call(
            reqwest::Method::PUT,
            Some(&member),
            &format!("{path}/consent"),
            Some(&wider),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut bad = wider.clone();
    bad["given_at"] = json!("-9999-01-01T00:00:00Z");
    let (status, refused) = node
        .call(
            reqwest::Method::PUT,
            Some(&coordinator),
            &format!("{path}/consent"),
            Some(&bad),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["fields"]["consent.given_at"].is_string(), "{refused}");
    let narrower = json!({"given_by": "the council", "given_at": "2026-02-01T00:00:00Z", "allowed_uses": ["named_addressees_only"]});
    let (status, refused) = node
        .call(
            reqwest::Method::PUT,
            Some(&coordinator),
            &format!("{path}/consent"),
            Some(&narrower),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "narrower than the audience: {refused}"
    );
    let (status, recorded) = node
        .call(
            reqwest::Method::PUT,
            Some(&coordinator),
            &format!("{path}/consent"),
            Some(&wider),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{recorded}");
    assert_eq!(recorded["consent"]["allowed_uses"], json!(["public_appeal"]));
    assert_eq!(recorded["audience"], "network", "recording consent widens nothing");

    // Then the audience widens, as its own edit.
    let (status, widened) = node.patch(&coordinator, &path, &json!({"audience": "public"})).await;
    assert_eq!(status, StatusCode::OK, "{widened}");
    assert_eq!(widened["audience"], "public");

    // The history and the audit log keep the old and new consent and who recorded it.
    let (_, history) = node.get(&coordinator, &format!("{path}/history")).await;
    let record = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "consent_recorded")
        .unwrap_or_else(|| panic!("{history}"))
        .clone();
    assert_eq!(record["by"], "cleo");
    assert_eq!(record["changed_fields"], json!(["consent"]));
    let note = record["note"].as_str().unwrap();
    assert!(
        note.contains("private_advocacy") && note.contains("public_appeal"),
        "{note}"
    );
    let (_, audit) = node
        .get(&node.staff("green", Role::Admin, "ada").await, "/api/v1/audit")
        .await;
    let entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "alert.consent")
        .unwrap_or_else(|| panic!("{audit}"))
        .clone();
    assert!(entry["user_id"].is_string(), "{entry}");
    let detail = entry["detail"].as_str().unwrap();
    assert!(
        detail.contains("the community council") && detail.contains("the council, again"),
        "old and new: {detail}"
    );
    assert!(
        detail.find("private_advocacy") < detail.find("public_appeal"),
        "old, then new: {detail}"
    );
    node.stop().await;
}

//! Bad input gets a 4xx that names what is wrong, and nothing is written.

use reqwest::StatusCode;
use serde_json::json;
use tadamun::domain::vocab::Role;

use crate::support::{SendChecked, TestCase, TestEnv, TestNode, alert_body};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        bad_enum_values_name_the_field,
        missing_required_fields_are_all_listed,
        oversized_fields_are_refused,
        malformed_bodies_are_refused,
        nul_characters_are_refused_by_name,
        texts_of_invisible_characters_are_blank,
        implausible_dates_are_refused,
        limit_zero_is_refused,
        restricted_to_names_only_existing_organisations,
    ]
}

async fn bad_enum_values_name_the_field(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let member = node.staff("green", Role::Member, "mia").await;
    for (field, value, path) in [
        ("urgency", json!("very"), "urgency"),
        ("severity", json!("huge"), "severity"),
        (
            "violation_types",
            json!(["death_threat", "rudeness"]),
            "violation_types[1]",
        ),
        (
            "defenders",
            json!([{"name": "A", "kind": "person", "relationship": "member"}]),
            "defenders[0].kind",
        ),
        ("audience", json!("everyone"), "audience"),
    ] {
        let mut body = alert_body();
        body[field] = value;
        let (status, refused) = node.post(&member, "/api/v1/alerts", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {refused}");
        let message = refused["fields"][path]
            .as_str()
            .unwrap_or_else(|| panic!("{path} in {refused}"));
        assert!(message.contains("unknown variant"), "{message}");
    }
    let mut body = alert_body();
    body["colour"] = json!("red");
    let (status, refused) = node.post(&member, "/api/v1/alerts", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["fields"]["colour"]
            .as_str()
            .is_some_and(|m| m.contains("unknown field")),
        "{refused}"
    );
    assert_eq!(node.count("alerts").await, 0);
    node.stop().await;
}

async fn missing_required_fields_are_all_listed(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let member = node.staff("green", Role::Member, "mia").await;
    let (status, refused) = node
        .post(&member, "/api/v1/alerts", &json!({"urgency": "immediate"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    for field in [
        "title",
        "link_to_work",
        "country",
        "defenders",
        "violation_types",
        "consent",
    ] {
        assert!(refused["fields"][field].is_string(), "{field} missing from {refused}");
    }
    let mut body = alert_body();
    body["defenders"] = json!([{"name": " ", "kind": "individual", "relationship": "member"}]);
    body["country"] = json!("XK1");
    let (status, refused) = node.post(&member, "/api/v1/alerts", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"]["defenders[0].name"], "required");
    assert!(refused["fields"]["country"].as_str().unwrap().contains("ISO 3166"));
    let (status, refused) = node
        .post(
            &member,
            "/api/v1/alerts/00000000-0000-0000-0000-000000000000/close",
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["fields"]["outcome"].is_string());
    assert_eq!(node.count("alerts").await, 0);
    node.stop().await;
}

async fn oversized_fields_are_refused(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let member = node.staff("green", Role::Member, "mia").await;
    let mut body = alert_body();
    body["title"] = json!({"en": "x".repeat(301)});
    body["summary"] = json!({"ar": "ب".repeat(2001)});
    body["defenders"] = json!(
        (0..101)
            .map(|i| json!({"name": format!("D{i}"), "kind": "individual", "relationship": "member"}))
            .collect::<Vec<_>>()
    );
    body["expires"] = json!("2001-01-01T00:00:00Z");
    body["title"]["english"] = json!("not a tag");
    let (status, refused) = node.post(&member, "/api/v1/alerts", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &refused["fields"];
    assert!(
        fields["title.en"].as_str().unwrap().contains("at most 300"),
        "{refused}"
    );
    assert!(fields["summary.ar"].as_str().unwrap().contains("at most 2000"));
    assert!(fields["defenders"].as_str().unwrap().contains("at most 100"));
    assert!(fields["expires"].is_string());
    assert!(fields["title.english"].as_str().unwrap().contains("language tag"));
    assert_eq!(node.count("alerts").await, 0);
    node.stop().await;
}

async fn malformed_bodies_are_refused(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let member = node.staff("green", Role::Member, "mia").await;
    let url = format!("{}/api/v1/alerts", node.base);
    let send = |body: Vec<u8>, content_type: &'static str| {
        let req = node
            .http
            .post(&url)
            .bearer_auth(&member)
            .header("content-type", content_type)
            .body(body);
        async move {
            let resp = req.send_checked().await.unwrap();
            let status = resp.status();
            (status, resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, body) = send(b"{\"title\": ".to_vec(), "application/json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not valid JSON"));
    let (status, _) = send(b"title=x".to_vec(), "application/x-www-form-urlencoded").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut big = serde_json::to_vec(&alert_body()).unwrap();
    big.truncate(big.len() - 1);
    big.extend(format!(",\"place\":\"{}\"}}", "x".repeat(1024 * 1024)).bytes());
    let (status, body) = send(big, "application/json").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(node.count("alerts").await, 0);
    node.stop().await;
}

/// PostgreSQL cannot store NUL and SQLite can: both refuse it, by field, in
/// bodies, query strings and paths, and nothing is written.
async fn nul_characters_are_refused_by_name(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let coordinator = node.staff("green", Role::Coordinator, "cleo").await;
    for (path, value) in [
        ("title.en", {
            let mut b = alert_body();
            b["title"]["en"] = json!("Threats\u{0}");
            b
        }),
        ("defenders[0].name", {
            let mut b = alert_body();
            b["defenders"][0]["name"] = json!("A\u{0}B");
            b
        }),
        ("consent.given_by", {
            let mut b = alert_body();
            b["consent"]["given_by"] = json!("\u{0}");
            b
        }),
        ("local_only.contacts", {
            let mut b = alert_body();
            b["local_only"]["contacts"] = json!("+502\u{0}");
            b
        }),
    ] {
        let (status, refused) = node.post(&coordinator, "/api/v1/alerts", &value).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {refused}");
        assert!(
            refused["fields"][path].as_str().is_some_and(|m| m.contains("NUL")),
            "{path}: {refused}"
        );
    }
    assert_eq!(node.count("alerts").await, 0);

    // An edit, another endpoint, a query parameter and a path: the same answer.
    let (status, alert) = node.post(&coordinator, "/api/v1/alerts", &alert_body()).await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let id = alert["id"].as_str().unwrap();
    let (status, refused) = node
        .patch(
            &coordinator,
            &format!("/api/v1/alerts/{id}"),
            &json!({"summary": {"en": "a\u{0}"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["fields"]["summary.en"].is_string(), "{refused}");
    let (status, refused) = node
        .post(
            &coordinator,
            &format!("/api/v1/alerts/{id}/return"),
            &json!({"note": "x\u{0}"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["fields"]["note"].is_string(), "{refused}");
    for (url, field) in [
        ("/api/v1/alerts?q=abc%00", "q"),
        ("/api/v1/alerts?org=green%00", "org"),
        ("/api/v1/alerts/abc%00", "path"),
    ] {
        let (status, refused) = node.get(&coordinator, url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {refused}");
        assert!(refused["fields"][field].is_string(), "{url}: {refused}");
    }
    let (_, history) = node.get(&coordinator, &format!("/api/v1/alerts/{id}/history")).await;
    assert_eq!(
        history["items"].as_array().unwrap().len(),
        1,
        "nothing changed: {history}"
    );
    node.stop().await;
}

/// A title of zero-width spaces, word joiners or direction marks shows
/// nothing: it is missing, like an empty one.
async fn texts_of_invisible_characters_are_blank(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let member = node.staff("green", Role::Member, "mia").await;
    for (field, path, value) in [
        ("title", "title", json!({"en": "\u{200B}\u{200B}\u{2060}"})),
        (
            "link_to_work",
            "link_to_work",
            json!({"ar": "\u{200F}\u{FEFF} \u{200E}"}),
        ),
        (
            "defenders",
            "defenders[0].name",
            json!([{"name": "\u{3164}\u{200D}", "kind": "individual", "relationship": "member"}]),
        ),
    ] {
        let mut body = alert_body();
        body[field] = value;
        let (status, refused) = node.post(&member, "/api/v1/alerts", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {refused}");
        assert!(refused["fields"][path].is_string(), "{path}: {refused}");
    }
    assert_eq!(node.count("alerts").await, 0);
    // Joiners inside real text are part of it.
    let mut body = alert_body();
    body["title"] = json!({"ar": "تهديدات\u{200C}بالقتل"});
    let (status, made) = node.post(&member, "/api/v1/alerts", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    node.stop().await;
}

/// Dates must be plausible: a consent given in the year -9999 or 1066, a
/// deadline or expiry centuries ahead are typos, refused by field.
async fn implausible_dates_are_refused(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let coordinator = node.staff("green", Role::Coordinator, "cleo").await;
    for (path, edit) in [
        (
            "consent.given_at",
            json!({"consent": {"given_by": "x", "given_at": "-9999-01-01T00:00:00Z", "allowed_uses": ["public_appeal"]}}),
        ),
        (
            "consent.given_at",
            json!({"consent": {"given_by": "x", "given_at": "1066-10-14T00:00:00Z", "allowed_uses": ["public_appeal"]}}),
        ),
        ("expires", json!({"expires": "2999-01-01T00:00:00Z"})),
        (
            "requested_actions[0].deadline",
            json!({"requested_actions": [{"kind": "letter", "deadline": "9999-12-31T00:00:00Z"}]}),
        ),
    ] {
        let mut body = alert_body();
        for (k, v) in edit.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, refused) = node.post(&coordinator, "/api/v1/alerts", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {refused}");
        assert!(refused["fields"][path].is_string(), "{path}: {refused}");
    }
    assert_eq!(node.count("alerts").await, 0);
    node.stop().await;
}

/// `limit=0` is refused, not quietly read as 1.
async fn limit_zero_is_refused(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let viewer = node.staff("green", Role::Viewer, "vic").await;
    for url in [
        "/api/v1/alerts?limit=0",
        "/api/v1/network/alerts?limit=0",
        "/api/v1/actions?limit=0",
    ] {
        let (status, refused) = node.get(&viewer, url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {refused}");
        assert!(
            refused["fields"]["limit"]
                .as_str()
                .is_some_and(|m| m.contains("from 1")),
            "{url}: {refused}"
        );
    }
    let (status, page) = node.get(&viewer, "/api/v1/alerts?limit=1").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["limit"], 1);
    node.stop().await;
}

/// A restricted alert names organisations that exist: a slug nobody holds
/// yet would let whoever creates it later read the alert.
async fn restricted_to_names_only_existing_organisations(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let coordinator = node.staff("green", Role::Coordinator, "cleo").await;
    node.staff("blue", Role::Viewer, "bo").await;
    let mut body = alert_body();
    body["audience"] = json!("restricted");
    body["restricted_to"] = json!(["blue", "purple"]);
    let (status, refused) = node.post(&coordinator, "/api/v1/alerts", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["fields"]["restricted_to[1]"]
            .as_str()
            .is_some_and(|m| m.contains("purple")),
        "{refused}"
    );
    assert!(refused["fields"].get("restricted_to[0]").is_none(), "{refused}");
    // Named by its actor id on this node: the same check.
    body["restricted_to"] = json!([format!("{}/orgs/purple", node.base)]);
    let (status, refused) = node.post(&coordinator, "/api/v1/alerts", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["fields"]["restricted_to[0]"].is_string(), "{refused}");
    assert_eq!(node.count("alerts").await, 0);

    // And in an edit.
    body["restricted_to"] = json!(["blue"]);
    let (status, alert) = node.post(&coordinator, "/api/v1/alerts", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let path = format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap());
    let (status, refused) = node
        .patch(&coordinator, &path, &json!({"restricted_to": ["blue", "purple"]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["fields"]["restricted_to[1]"].is_string(), "{refused}");
    let (_, unchanged) = node.get(&coordinator, &path).await;
    assert_eq!(unchanged["restricted_to"], json!(["blue"]));
    node.stop().await;
}

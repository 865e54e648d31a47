//! Bad input gets a 4xx that names what is wrong, and nothing is written.

use reqwest::StatusCode;
use serde_json::json;
use tadamun::domain::vocab::Role;

use crate::support::{TestCase, TestEnv, TestNode, alert_body};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        bad_enum_values_name_the_field,
        missing_required_fields_are_all_listed,
        oversized_fields_are_refused,
        malformed_bodies_are_refused,
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
            let resp = req.send().await.unwrap();
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

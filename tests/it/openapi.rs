//! The OpenAPI document, generated from the code, describes exactly the
//! routes the API serves; and the check of every answer against it (in
//! `api_description`) catches answers that do not match.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::api_description;
use crate::once;
use crate::support::{SendChecked, TestCase, TestEnv, TestNode, alert_body};

pub fn cases() -> Vec<TestCase> {
    once![openapi_matches_the_routes, the_answer_check_catches_mismatches]
}

async fn openapi_matches_the_routes(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let resp = node
        .http
        .get(format!("{}/api/v1/openapi.json", node.base))
        .send_checked()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let spec: Value = resp.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));

    let documented: BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .map(move |m| (m.to_uppercase(), format!("/api/v1{path}")))
        })
        .collect();
    let served: BTreeSet<(String, String)> = tadamun::api::route_table().into_iter().collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let missing: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(
        missing.is_empty(),
        "the OpenAPI document describes routes that do not exist: {missing:?}"
    );
    // The served document is the one the code generates.
    let generated = serde_json::to_value(tadamun::api::openapi_document()).unwrap();
    assert_eq!(spec, generated);
    // Operation ids name operations apart.
    let ids: Vec<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|operation| operation["operationId"].as_str())
        .collect();
    let distinct: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), distinct.len(), "operation ids repeat: {ids:?}");

    // Every documented route is really routed: without a token it is 401 (or
    // public), never 404 or 405.
    for (method, path) in &served {
        let concrete = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{host}", "node.example");
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let status = node
            .http
            .request(method.clone(), format!("{}{concrete}", node.base))
            .send_checked()
            .await
            .unwrap()
            .status();
        assert!(
            status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} answered {status}"
        );
    }
    // The documented vocabularies are the ones the code accepts.
    use strum::VariantNames;
    use tadamun::domain::vocab::*;
    for (schema, variants) in [
        ("Role", Role::VARIANTS),
        ("Trust", Trust::VARIANTS),
        ("AlertStatus", AlertStatus::VARIANTS),
        ("Audience", Audience::VARIANTS),
        ("Urgency", Urgency::VARIANTS),
        ("Severity", Severity::VARIANTS),
        ("Certainty", Certainty::VARIANTS),
        ("DefenderKind", DefenderKind::VARIANTS),
        ("DefenderRelationship", DefenderRelationship::VARIANTS),
        ("ConsentUse", ConsentUse::VARIANTS),
        ("ViolationType", ViolationType::VARIANTS),
        ("PerpetratorCategory", PerpetratorCategory::VARIANTS),
        ("Involvement", Involvement::VARIANTS),
        ("BusinessSector", BusinessSector::VARIANTS),
        ("Right", Right::VARIANTS),
        ("RequestedActionKind", RequestedActionKind::VARIANTS),
        ("AddresseeKind", AddresseeKind::VARIANTS),
        ("Outcome", Outcome::VARIANTS),
        ("ActionKind", ActionKind::VARIANTS),
        ("SupportType", SupportType::VARIANTS),
        ("ReportOutcome", ReportOutcome::VARIANTS),
        ("GroupKind", GroupKind::VARIANTS),
    ] {
        let documented: Vec<&str> = spec["components"]["schemas"][schema]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("schema {schema} has no enum"))
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(documented, variants, "{schema}");
    }
    // Every schema reference resolves.
    let text = spec.to_string();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(
            spec["components"]["schemas"][name].is_object(),
            "unresolved $ref {name}"
        );
    }
    node.stop().await;
}

/// The check of answers against the description is not a formality: a field
/// the description does not name (at the top, inside a list, in a flattened
/// part), a field of the wrong type, a missing required field, an unlisted
/// status and an undescribed operation each fail it, naming the operation,
/// the status and the field.
async fn the_answer_check_catches_mismatches(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let token = node.staff("prodesc", Role::Coordinator, "ana").await;
    let checked_before = api_description::checked_count();
    let (status, alert) = node.post(&token, "/api/v1/alerts", &alert_body()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, page) = node.get(&token, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::OK);
    // The requests helpers send go through the check.
    assert!(api_description::checked_count() >= checked_before + 2);

    let description = api_description::description();
    let check = |method: &str, path: &str, status: u16, body: &Value| {
        description.check(
            method,
            path,
            status,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
    };
    let alert_path = format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap());
    assert_eq!(check("POST", "/api/v1/alerts", 201, &alert), Ok(()));
    assert_eq!(check("GET", "/api/v1/alerts?limit=5", 200, &page), Ok(()));
    assert_eq!(check("GET", &alert_path, 200, &alert), Ok(()));

    let fails = |method: &str, path: &str, status: u16, body: &Value, expected: &[&str]| {
        let problem = check(method, path, status, body).expect_err("the check must fail");
        for part in expected {
            assert!(problem.contains(part), "`{part}` missing from: {problem}");
        }
    };
    let changed = |change: &dyn Fn(&mut Value)| {
        let mut body = alert.clone();
        change(&mut body);
        body
    };
    let operation = "POST /alerts (create_alert) answered 201";
    fails(
        "POST",
        "/api/v1/alerts",
        201,
        &changed(&|a| a["internal_note"] = json!("not for clients")),
        &[operation, "/internal_note: not in the description"],
    );
    fails(
        "POST",
        "/api/v1/alerts",
        201,
        &changed(&|a| a["defenders"][0]["home_address"] = json!("…")),
        &[operation, "/defenders/0/home_address: not in the description"],
    );
    fails(
        "POST",
        "/api/v1/alerts",
        201,
        &changed(&|a| a["version"] = json!("1")),
        &[operation, "/version:"],
    );
    // `title` comes from the flattened content: still checked, and closed.
    fails(
        "POST",
        "/api/v1/alerts",
        201,
        &changed(&|a| a["title"] = json!(["a list"])),
        &[operation, "/title:"],
    );
    fails(
        "POST",
        "/api/v1/alerts",
        201,
        &changed(&|a| a["urgency"] = json!("whenever")),
        &[operation, "/urgency:"],
    );
    fails(
        "POST",
        "/api/v1/alerts",
        201,
        &changed(&|a| {
            a.as_object_mut().unwrap().remove("number");
        }),
        &[operation, "/number: required, but missing"],
    );
    let mut listed = page.clone();
    listed["items"][0]["score"] = json!(3);
    fails(
        "GET",
        "/api/v1/alerts",
        200,
        &listed,
        &[
            "GET /alerts (list_alerts) answered 200",
            "/items/0/score: not in the description",
        ],
    );
    fails(
        "GET",
        &alert_path,
        418,
        &alert,
        &["GET /alerts/{id} (get_alert) answered 418, which its description does not list"],
    );
    fails(
        "DELETE",
        &alert_path,
        204,
        &Value::Null,
        &["DELETE", "the description has no such operation"],
    );
    // A 422 must carry `fields`, one text per field.
    fails(
        "POST",
        "/api/v1/alerts",
        422,
        &json!({"error": "invalid", "fields": {"title": 1}}),
        &["answered 422", "/fields/title:"],
    );
    // An answer the description gives no body has none.
    assert!(
        description
            .check("DELETE", "/api/v1/tokens/x", 204, None, b"{}")
            .unwrap_err()
            .contains("with a body")
    );
    node.stop().await;
}

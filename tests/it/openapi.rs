//! The OpenAPI document, generated from the code, describes exactly the
//! routes the API serves.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::once;
use crate::support::{TestCase, TestEnv, TestNode};

pub fn cases() -> Vec<TestCase> {
    once![openapi_matches_the_routes]
}

async fn openapi_matches_the_routes(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let resp = node
        .http
        .get(format!("{}/api/v1/openapi.json", node.base))
        .send()
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
            .send()
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

//! `tadamun verify`: checks the integrity proofs of a JSON document, online
//! (fetching each signer's actor document from its own id) or offline with a
//! given key, and says who signed it and when, or exactly why it fails.

use chrono::DateTime;
use serde_json::Value;

use crate::federation::integrity::published_keys;
use crate::federation::proof::{self, ProofError};

pub const VALID: i32 = 0;
pub const INVALID: i32 = 1;
pub const UNREADABLE: i32 = 2;
pub const KEY_UNAVAILABLE: i32 = 3;

async fn fetch_json(client: &reqwest::Client, url: &str) -> Result<Value, String> {
    let response = client
        .get(url)
        .header(
            "accept",
            "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
        )
        .send()
        .await
        .map_err(|e| format!("cannot fetch {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{url} answered {}", response.status()));
    }
    response.json().await.map_err(|e| format!("{url} is not JSON: {e}"))
}

/// The documents inside `document` that carry a proof: the document itself,
/// and an embedded object (an activity's alert), outermost first.
fn signed_parts(document: &Value) -> Vec<(&'static str, &Value)> {
    let mut parts = Vec::new();
    if document.get("proof").is_some() {
        parts.push(("document", document));
    }
    if let Some(object) = document.get("object")
        && object.get("proof").is_some()
    {
        parts.push(("embedded object", object));
    }
    parts
}

pub async fn run(source: &str, key: Option<&str>) -> i32 {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("the HTTP client builds");
    let document = if source.starts_with("http://") || source.starts_with("https://") {
        match fetch_json(&client, source).await {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                return UNREADABLE;
            }
        }
    } else {
        match std::fs::read_to_string(source)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: cannot read {source} as JSON: {e}");
                return UNREADABLE;
            }
        }
    };
    let parts = signed_parts(&document);
    if parts.is_empty() {
        eprintln!("error: {}", ProofError::Missing);
        return UNREADABLE;
    }
    let mut worst = VALID;
    for (name, part) in parts {
        let code = check(&client, name, part, key).await;
        worst = worst.max(code);
    }
    worst
}

async fn check(client: &reqwest::Client, name: &str, part: &Value, offline_key: Option<&str>) -> i32 {
    let claims = match proof::claims(part) {
        Ok(c) => c,
        Err(e) => {
            println!("{name}: INVALID: {e}");
            return INVALID;
        }
    };
    let (multibase, expires) = match offline_key {
        Some(k) => (k.to_string(), None),
        None => {
            let actor = match fetch_json(client, &claims.controller).await {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("{name}: cannot fetch the signer's keys: {e}");
                    return KEY_UNAVAILABLE;
                }
            };
            if actor["id"].as_str() != Some(claims.controller.as_str()) {
                println!(
                    "{name}: INVALID: the signer's actor document at {} has another id",
                    claims.controller
                );
                return INVALID;
            }
            match published_keys(&actor)
                .into_iter()
                .find(|(id, _, _)| *id == claims.verification_method)
            {
                Some((_, multibase, expires)) => (multibase, expires),
                None => {
                    println!(
                        "{name}: INVALID: {}",
                        ProofError::UnknownKey(claims.verification_method.clone())
                    );
                    return INVALID;
                }
            }
        }
    };
    let key = match proof::parse_public_key_multibase(&multibase) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("{name}: the key is not usable: {e}");
            return UNREADABLE;
        }
    };
    if let Some(expires) = &expires
        && let (Ok(created), Ok(retired)) = (
            DateTime::parse_from_rfc3339(&claims.created),
            DateTime::parse_from_rfc3339(expires),
        )
        && created > retired
    {
        println!(
            "{name}: INVALID: {}",
            ProofError::RetiredKey(
                claims.verification_method.clone(),
                expires.clone(),
                claims.created.clone()
            )
        );
        return INVALID;
    }
    match proof::verify(part, &key) {
        Ok(c) => {
            let retired = expires
                .map(|e| format!(" (a key retired at {e}, used before that)"))
                .unwrap_or_default();
            println!(
                "{name}: valid: signed by {} with {}{retired} at {}",
                c.controller, c.verification_method, c.created
            );
            VALID
        }
        Err(e) => {
            println!("{name}: INVALID: {e}");
            INVALID
        }
    }
}

//! Integrity proofs in practice: this node's Ed25519 keys (one active per
//! actor, older ones kept as retired), signing what we send, and verifying
//! what we receive against keys fetched from the author's own actor document,
//! never from whoever delivered it.

use activitypub_federation::config::Data;
use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::{Value, json};
use url::Url;

use super::actors::RemoteActor;
use super::proof::{self, ProofClaims, ProofError};
use super::receiving::Receiving;
use super::urls;
use crate::clock::{from_millis, to_millis};
use crate::db::signing_keys;
use crate::domain::vocab::Trust;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::state::keystore;

pub use crate::db::signing_keys::LocalKeyRow;

/// The URL of an actor's verification method.
pub fn method_id(actor: &Url, key_id: &str) -> String {
    format!("{actor}#{key_id}")
}

pub async fn local_keys(state: &AppState, actor_ref: &str) -> Result<Vec<LocalKeyRow>> {
    Ok(signing_keys::local_of(&state.db.pool, actor_ref).await?)
}

/// The actor's active key (made on first use).
pub async fn active_key(state: &AppState, actor_ref: &str) -> Result<(String, SigningKey)> {
    let keys = local_keys(state, actor_ref).await?;
    let row = match keys.into_iter().find(|k| k.retired_at.is_none()) {
        Some(row) => row,
        None => {
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            insert_key(state, actor_ref, "ed25519-key-1", &key).await?;
            // Two requests may race to make the first key: read back the winner.
            local_keys(state, actor_ref)
                .await?
                .into_iter()
                .find(|k| k.retired_at.is_none())
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("no active key for {actor_ref}")))?
        }
    };
    let private = keystore::open(state.key_cipher.as_deref(), &row.private_key)?;
    let key = proof::parse_private_key_multibase(&private).map_err(|e| Error::Internal(e.into()))?;
    Ok((row.key_id, key))
}

async fn insert_key(state: &AppState, actor_ref: &str, key_id: &str, key: &SigningKey) -> Result<()> {
    let sealed = keystore::seal(state.key_cipher.as_deref(), &proof::private_key_multibase(key))?;
    signing_keys::insert_local_if_absent(
        &state.db.pool,
        actor_ref,
        key_id,
        &proof::public_key_multibase(&key.verifying_key()),
        &sealed,
        to_millis(state.clock.now()),
    )
    .await?;
    Ok(())
}

/// Replaces the actor's active key with a new one; the old one stays listed as
/// retired. Returns the new key id.
pub async fn rotate(state: &AppState, actor_ref: &str) -> Result<String> {
    rotate_recorded(state, actor_ref, None).await
}

/// Who rotated a key, for the audit log entry written with the rotation.
pub struct RotatedBy<'a> {
    pub user_id: &'a str,
    pub org_id: &'a str,
    /// What the entry is about: the organisation's slug.
    pub subject: &'a str,
}

/// As [`rotate`], recording `by` in the audit log in the same transaction
/// (`org.key_rotate`, with the new key id as detail).
pub async fn rotate_recorded(state: &AppState, actor_ref: &str, by: Option<RotatedBy<'_>>) -> Result<String> {
    let keys = local_keys(state, actor_ref).await?;
    let next = keys.len() + 1;
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let key_id = format!("ed25519-key-{next}");
    let sealed = keystore::seal(state.key_cipher.as_deref(), &proof::private_key_multibase(&key))?;
    let now = to_millis(state.clock.now());
    let mut tx = state.db.pool.begin().await?;
    signing_keys::rotate_local(
        &mut tx,
        actor_ref,
        &key_id,
        &proof::public_key_multibase(&key.verifying_key()),
        &sealed,
        now,
    )
    .await?;
    if let Some(by) = by {
        crate::db::audit::record(
            &mut *tx,
            now,
            Some(by.user_id),
            Some(by.org_id),
            "org.key_rotate",
            by.subject,
            &key_id,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(key_id)
}

/// RFC 3339 in whole seconds, UTC: how we write `created`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Signs a document as one of our actors, with its active key.
pub async fn sign(state: &AppState, actor_ref: &str, actor: &Url, document: &mut Value) -> Result<()> {
    Signer::load(state, actor_ref, actor).await?.sign(state, document)
}

/// An actor's active key, loaded before a transaction: code inside a
/// transaction must not wait for another pooled connection, or writers that
/// hold the pool wait on it while it waits on them.
pub struct Signer {
    method: String,
    key: SigningKey,
}

impl Signer {
    pub async fn load(state: &AppState, actor_ref: &str, actor: &Url) -> Result<Self> {
        let (key_id, key) = active_key(state, actor_ref).await?;
        Ok(Signer {
            method: method_id(actor, &key_id),
            key,
        })
    }

    pub fn sign(&self, state: &AppState, document: &mut Value) -> Result<()> {
        proof::sign(document, &self.key, &self.method, &timestamp(state.clock.now()))
            .map_err(|e| Error::Internal(e.into()))
    }

    /// The proof of a typed document that has none yet, to set as its
    /// `proof`: made over the document as it serialises.
    pub fn proof_of(&self, state: &AppState, document: &impl serde::Serialize) -> Result<Value> {
        let unsigned = super::wire::to_value(document);
        proof::create_proof(&unsigned, &self.key, &self.method, &timestamp(state.clock.now()))
            .map_err(|e| Error::Internal(e.into()))
    }
}

/// FEP-521a `assertionMethod` entries for an actor document: every key, the
/// retired ones with the time they stopped being used (`expires`).
pub async fn assertion_methods(state: &AppState, actor_ref: &str, actor: &Url) -> Result<Vec<Value>> {
    // Make sure there is an active key to publish.
    active_key(state, actor_ref).await?;
    Ok(local_keys(state, actor_ref)
        .await?
        .into_iter()
        .map(|k| {
            let mut method = json!({
                "id": method_id(actor, &k.key_id),
                "type": "Multikey",
                "controller": actor,
                "publicKeyMultibase": k.public_key_multibase,
            });
            if let Some(retired) = k.retired_at {
                method["expires"] = json!(timestamp(from_millis(retired)));
            }
            method
        })
        .collect())
}

/// Reads the `assertionMethod` keys of an actor document (one object, or a list).
pub fn published_keys(document: &Value) -> Vec<(String, String, Option<String>)> {
    let methods = match &document["assertionMethod"] {
        Value::Array(items) => items.clone(),
        Value::Object(_) => vec![document["assertionMethod"].clone()],
        _ => Vec::new(),
    };
    let actor = document["id"].as_str().unwrap_or_default();
    methods
        .iter()
        .filter(|m| m["type"] == "Multikey" && m["controller"].as_str() == Some(actor))
        .filter_map(|m| {
            Some((
                m["id"].as_str()?.to_string(),
                m["publicKeyMultibase"].as_str()?.to_string(),
                m["expires"].as_str().map(String::from),
            ))
        })
        .collect()
}

fn refused(err: ProofError) -> Error {
    Error::Unauthorized(format!("integrity proof refused: {err}"))
}

async fn find_remote_key(state: &AppState, actor: &str, method: &str) -> Result<Option<(String, Option<String>)>> {
    Ok(signing_keys::find_remote(&state.db.pool, actor, method).await?)
}

/// The public key behind a verification method, if `controller` lists it.
async fn resolve_key(
    state: &AppState,
    data: &Data<AppState>,
    receiving: &mut Receiving,
    controller: &Url,
    method: &str,
) -> Result<(VerifyingKey, Option<String>)> {
    let multibase = if urls::local_org_slug(&state.config, controller).is_some()
        || *controller == urls::instance_actor(&state.config)
    {
        local_public_key(state, controller, method).await?
    } else {
        let mut found = match receiving.key(controller.as_str(), method) {
            Some(seen) => Some(seen),
            None => find_remote_key(state, controller.as_str(), method).await?,
        };
        if found.is_none() {
            // A key we have not seen: the author may have rotated. Ask the author.
            ObjectId::<RemoteActor>::from(controller.clone())
                .dereference_forced(data)
                .await?;
            receiving.forget_keys_of(controller.as_str());
            found = find_remote_key(state, controller.as_str(), method).await?;
        }
        if let Some(key) = &found {
            receiving.know_key(controller.as_str(), method, key.clone());
        }
        found
    };
    let (multibase, expires) = multibase.ok_or_else(|| refused(ProofError::UnknownKey(method.to_string())))?;
    let key = proof::parse_public_key_multibase(&multibase).map_err(refused)?;
    Ok((key, expires))
}

async fn local_public_key(state: &AppState, actor: &Url, method: &str) -> Result<Option<(String, Option<String>)>> {
    let actor_ref = match urls::local_org_slug(&state.config, actor) {
        Some(slug) => match crate::db::accounts::find_org_by_slug(&state.db, &slug).await? {
            Some(org) => org.id,
            None => return Ok(None),
        },
        None => super::actors::INSTANCE_REF.to_string(),
    };
    Ok(local_keys(state, &actor_ref)
        .await?
        .into_iter()
        .find(|k| method_id(actor, &k.key_id) == method)
        .map(|k| (k.public_key_multibase, k.retired_at.map(|r| timestamp(from_millis(r))))))
}

/// Verifies the proof on `document`, which must be made by `expected` with a
/// key listed on `expected`'s own actor document. A retired key only counts
/// for proofs made before it was retired.
pub async fn verify_by(
    state: &AppState,
    data: &Data<AppState>,
    receiving: &mut Receiving,
    document: &Value,
    expected: &Url,
) -> Result<ProofClaims> {
    let key = signer_key(state, data, receiving, document, expected).await?;
    proof::verify(document, &key).map_err(refused)
}

/// As [`verify_by`] on an activity (made by `actor`) and on the object it
/// carries (made by `author`), canonicalising the object once.
pub async fn verify_with_object(
    state: &AppState,
    data: &Data<AppState>,
    receiving: &mut Receiving,
    activity: &Value,
    actor: &Url,
    author: &Url,
) -> Result<()> {
    let activity_key = signer_key(state, data, receiving, activity, actor).await?;
    let object_key = signer_key(state, data, receiving, &activity["object"], author).await?;
    proof::verify_with_object(activity, &activity_key, &object_key).map_err(refused)?;
    Ok(())
}

/// The key that must have made `document`'s proof: one that `expected` lists
/// on its own actor document, from a node not blocked, and not retired
/// before the proof was made.
async fn signer_key(
    state: &AppState,
    data: &Data<AppState>,
    receiving: &mut Receiving,
    document: &Value,
    expected: &Url,
) -> Result<VerifyingKey> {
    let claims = proof::claims(document).map_err(refused)?;
    if claims.controller != expected.as_str() {
        return Err(refused(ProofError::WrongSigner {
            expected: expected.to_string(),
            found: claims.controller,
        }));
    }
    if let Some(host) = super::urls::host_of(expected)
        && receiving.trust_of(state, &host).await? == Some(Trust::Blocked)
    {
        return Err(Error::Forbidden(format!("this node does not federate with {host}")));
    }
    let (key, expires) = resolve_key(state, data, receiving, expected, &claims.verification_method).await?;
    if let Some(expires) = expires {
        let created = DateTime::parse_from_rfc3339(&claims.created)
            .map_err(|_| refused(ProofError::Malformed("`created` is not a date-time".into())))?;
        let retired = DateTime::parse_from_rfc3339(&expires)
            .map_err(|_| refused(ProofError::Malformed("the key's `expires` is not a date-time".into())))?;
        if created > retired {
            return Err(refused(ProofError::RetiredKey(
                claims.verification_method,
                expires,
                claims.created,
            )));
        }
    }
    Ok(key)
}

/// Stores the keys an actor document lists, replacing what was known.
pub async fn store_remote_keys(state: &AppState, actor: &str, document: &Value) -> Result<()> {
    let mut tx = state.db.pool.begin().await?;
    signing_keys::delete_remote_of(&mut *tx, actor).await?;
    for (method, multibase, expires) in published_keys(document) {
        if !method.starts_with(&format!("{actor}#")) || proof::parse_public_key_multibase(&multibase).is_err() {
            continue;
        }
        signing_keys::insert_remote(&mut *tx, actor, &method, &multibase, expires.as_deref()).await?;
    }
    tx.commit().await?;
    Ok(())
}

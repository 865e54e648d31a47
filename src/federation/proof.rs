//! FEP-8b32 Object Integrity Proofs with the W3C `eddsa-jcs-2022` cryptosuite:
//! `DataIntegrityProof`, JSON canonicalisation by RFC 8785, SHA-256, Ed25519,
//! multibase base58btc. Keys are FEP-521a `Multikey`s (`z6Mk…`).
//!
//! Followed step by step from vc-di-eddsa §3.3 (create and verify proof,
//! transformation, hashing, proof configuration, serialisation), so that the
//! official vectors are reproduced byte for byte.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
pub const PROOF_TYPE: &str = "DataIntegrityProof";
pub const PURPOSE: &str = "assertionMethod";

/// Multicodec prefixes: ed25519-pub and ed25519-priv.
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProofError {
    #[error("the document carries no integrity proof")]
    Missing,
    #[error("the proof is malformed: {0}")]
    Malformed(String),
    #[error("the proof's @context does not match the document's")]
    ContextMismatch,
    #[error(
        "the proof's signature does not verify: the document was changed after signing, or signed with another key"
    )]
    BadSignature,
    #[error("the key {0} is not listed on its controller")]
    UnknownKey(String),
    #[error("the key {0} was retired at {1}, before this proof was made ({2})")]
    RetiredKey(String, String, String),
    #[error("the proof was made by {found}, but it must be made by {expected}")]
    WrongSigner { expected: String, found: String },
}

/// `z` + base58btc(multicodec ed25519-pub + key).
pub fn public_key_multibase(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    multibase::encode(multibase::Base::Base58Btc, bytes)
}

/// `z` + base58btc(multicodec ed25519-priv + seed).
pub fn private_key_multibase(key: &SigningKey) -> String {
    let mut bytes = ED25519_PRIV.to_vec();
    bytes.extend_from_slice(&key.to_bytes());
    multibase::encode(multibase::Base::Base58Btc, bytes)
}

fn decode_multikey(text: &str, prefix: [u8; 2]) -> Result<[u8; 32], ProofError> {
    let (base, bytes) = multibase::decode(text).map_err(|e| ProofError::Malformed(format!("multibase: {e}")))?;
    if base != multibase::Base::Base58Btc || bytes.len() != 34 || bytes[..2] != prefix {
        return Err(ProofError::Malformed(format!(
            "`{text}` is not a base58btc Ed25519 multikey"
        )));
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes[2..]);
    Ok(key)
}

pub fn parse_public_key_multibase(text: &str) -> Result<VerifyingKey, ProofError> {
    VerifyingKey::from_bytes(&decode_multikey(text, ED25519_PUB)?)
        .map_err(|e| ProofError::Malformed(format!("not an Ed25519 public key: {e}")))
}

pub fn parse_private_key_multibase(text: &str) -> Result<SigningKey, ProofError> {
    Ok(SigningKey::from_bytes(&decode_multikey(text, ED25519_PRIV)?))
}

/// RFC 8785 canonical form.
pub fn canonicalize<T: serde::Serialize>(value: &T) -> Result<String, ProofError> {
    serde_json_canonicalizer::to_string(value).map_err(|e| ProofError::Malformed(format!("canonicalisation: {e}")))
}

/// RFC 8785 form of a JSON object without its member `absent` (the document
/// without its proof is canonicalised from the original, without a copy).
///
/// The members are sorted and joined here; each value is canonicalised by
/// `serde_json_canonicalizer`, except our standard `@context`, whose canonical
/// form is made once per process: it is most of a typical document's
/// canonicalisation work. A unit test checks this against the crate's own
/// output for every example and vector.
pub fn canonicalize_object(object: &Map<String, Value>, absent: &str) -> Result<String, ProofError> {
    Ok(join(&canonical_members(object, &[absent], &[])?, &[]))
}

/// One member of an object in RFC 8785 form: `"name":value`.
struct CanonicalMember<'a> {
    name: &'a str,
    text: String,
}

/// An object's members (but those `absent`) in canonical order and form; a member
/// named in `replaced` takes the canonical value given there, as it is.
fn canonical_members<'a>(
    object: &'a Map<String, Value>,
    absent: &[&str],
    replaced: &[(&str, &str)],
) -> Result<Vec<CanonicalMember<'a>>, ProofError> {
    let mut members: Vec<(&String, &Value)> = object
        .iter()
        .filter(|(key, _)| !absent.contains(&key.as_str()))
        .collect();
    // RFC 8785 §3.2.3: members sorted by their names' UTF-16 code units.
    members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
    members
        .into_iter()
        .map(|(key, value)| {
            let mut text = canonicalize(key)?;
            text.push(':');
            match replaced.iter().find(|(name, _)| name == key) {
                Some((_, canonical)) => text.push_str(canonical),
                None if key == "@context" && super::wire::is_standard_context(value) => {
                    text.push_str(super::wire::standard_context_canonical())
                }
                None => text.push_str(&canonicalize(value)?),
            }
            Ok(CanonicalMember { name: key, text })
        })
        .collect()
}

/// The canonical object made of `members`, leaving out those `absent`.
fn join(members: &[CanonicalMember], absent: &[&str]) -> String {
    let mut out = String::with_capacity(members.iter().map(|m| m.text.len() + 1).sum::<usize>() + 2);
    out.push('{');
    for member in members.iter().filter(|m| !absent.contains(&m.name)) {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&member.text);
    }
    out.push('}');
    out
}

/// The proof configuration: the proof options, with the document's @context.
pub fn proof_config(document: &Value, verification_method: &str, created: &str) -> Value {
    let mut config = Map::new();
    config.insert("type".into(), Value::String(PROOF_TYPE.into()));
    config.insert("cryptosuite".into(), Value::String(CRYPTOSUITE.into()));
    config.insert("created".into(), Value::String(created.into()));
    config.insert("verificationMethod".into(), Value::String(verification_method.into()));
    config.insert("proofPurpose".into(), Value::String(PURPOSE.into()));
    if let Some(context) = document.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    Value::Object(config)
}

/// SHA-256 of the canonical proof configuration (the proof without its
/// value), then of the canonical document without its proof: the 64 bytes
/// that are signed.
pub fn hash_data(document: &Map<String, Value>, config: &Map<String, Value>) -> Result<Vec<u8>, ProofError> {
    hash_canonical(&canonicalize_object(document, "proof")?, config)
}

/// As [`hash_data`], for a document already in canonical form (without its proof).
fn hash_canonical(document: &str, config: &Map<String, Value>) -> Result<Vec<u8>, ProofError> {
    let proof_hash = Sha256::digest(canonicalize_object(config, "proofValue")?.as_bytes());
    let document_hash = Sha256::digest(document.as_bytes());
    let mut data = proof_hash.to_vec();
    data.extend_from_slice(&document_hash);
    Ok(data)
}

/// Makes the proof of a document (which must not carry one yet) and returns it.
pub fn create_proof(
    document: &Value,
    key: &SigningKey,
    verification_method: &str,
    created: &str,
) -> Result<Value, ProofError> {
    if document.get("proof").is_some() {
        return Err(ProofError::Malformed("the document already carries a proof".into()));
    }
    let mut proof = proof_config(document, verification_method, created);
    let object = document
        .as_object()
        .ok_or_else(|| ProofError::Malformed("only JSON objects can be signed".into()))?;
    let config = proof.as_object().expect("proof config is an object");
    let signature = key.sign(&hash_data(object, config)?);
    let value = multibase::encode(multibase::Base::Base58Btc, signature.to_bytes());
    proof
        .as_object_mut()
        .expect("proof config is an object")
        .insert("proofValue".into(), Value::String(value));
    Ok(proof)
}

/// Signs a document in place, adding its `proof`.
pub fn sign(
    document: &mut Value,
    key: &SigningKey,
    verification_method: &str,
    created: &str,
) -> Result<(), ProofError> {
    let proof = create_proof(document, key, verification_method, created)?;
    document
        .as_object_mut()
        .ok_or_else(|| ProofError::Malformed("only JSON objects can be signed".into()))?
        .insert("proof".into(), proof);
    Ok(())
}

/// What a proof claims, read before its key is looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct ProofClaims {
    pub verification_method: String,
    /// The verification method without its fragment: the actor that controls the key.
    pub controller: String,
    /// Exactly as received (never re-formatted).
    pub created: String,
}

fn proof_object(document: &Value) -> Result<&Map<String, Value>, ProofError> {
    match document.get("proof") {
        None | Some(Value::Null) => Err(ProofError::Missing),
        Some(Value::Object(proof)) => Ok(proof),
        Some(_) => Err(ProofError::Malformed("`proof` must be one object".into())),
    }
}

fn text<'a>(proof: &'a Map<String, Value>, field: &str) -> Result<&'a str, ProofError> {
    proof
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| ProofError::Malformed(format!("`{field}` missing")))
}

pub fn claims(document: &Value) -> Result<ProofClaims, ProofError> {
    let proof = proof_object(document)?;
    if text(proof, "type")? != PROOF_TYPE || text(proof, "cryptosuite")? != CRYPTOSUITE {
        return Err(ProofError::Malformed(format!(
            "only {PROOF_TYPE} with {CRYPTOSUITE} is accepted"
        )));
    }
    if text(proof, "proofPurpose")? != PURPOSE {
        return Err(ProofError::Malformed(format!("proofPurpose must be {PURPOSE}")));
    }
    let verification_method = text(proof, "verificationMethod")?.to_string();
    let controller = verification_method.split('#').next().unwrap_or_default().to_string();
    Ok(ProofClaims {
        verification_method,
        controller,
        created: text(proof, "created")?.to_string(),
    })
}

/// Verifies a document's proof with `key`; returns what the proof claims.
pub fn verify(document: &Value, key: &VerifyingKey) -> Result<ProofClaims, ProofError> {
    let parts = proof_parts(document)?;
    let object = document.as_object().expect("has a proof, so an object");
    let canonical = join(
        &canonical_members(object, left_out(object), &parts.context_replacement())?,
        &[],
    );
    key.verify(&hash_canonical(&canonical, &parts.config)?, &parts.signature)
        .map_err(|_| ProofError::BadSignature)?;
    Ok(parts.claims)
}

/// Verifies an activity's proof with `activity_key`, then the proof of the
/// object it carries (under `object`) with `object_key`. The same as [`verify`]
/// on each, but the object is canonicalised once: the activity's canonical form
/// holds the object's, proof and all.
pub fn verify_with_object(
    activity: &Value,
    activity_key: &VerifyingKey,
    object_key: &VerifyingKey,
) -> Result<(ProofClaims, ProofClaims), ProofError> {
    let activity_parts = proof_parts(activity)?;
    let embedded = &activity["object"];
    let object_parts = proof_parts(embedded)?;
    let embedded_map = embedded.as_object().expect("has a proof");
    let object_members = canonical_members(embedded_map, &[], &[])?;
    let object_whole = join(&object_members, &[]);
    let mut activity_replaced = activity_parts.context_replacement();
    activity_replaced.push(("object", &object_whole));
    let activity_canonical = join(
        &canonical_members(
            activity.as_object().expect("has a proof"),
            left_out(activity.as_object().expect("has a proof")),
            &activity_replaced,
        )?,
        &[],
    );
    activity_key
        .verify(
            &hash_canonical(&activity_canonical, &activity_parts.config)?,
            &activity_parts.signature,
        )
        .map_err(|_| ProofError::BadSignature)?;
    // The object is hashed with its own proof's @context in place of its own,
    // when the proof carries one: then its members are made again.
    let object_canonical = match object_parts.context_replacement().as_slice() {
        [] => join(&object_members, left_out(embedded_map)),
        replaced => join(&canonical_members(embedded_map, left_out(embedded_map), replaced)?, &[]),
    };
    object_key
        .verify(
            &hash_canonical(&object_canonical, &object_parts.config)?,
            &object_parts.signature,
        )
        .map_err(|_| ProofError::BadSignature)?;
    Ok((activity_parts.claims, object_parts.claims))
}

/// The members a document is hashed without when its proof is verified: the
/// proof, and a Linked Data Signature (`signature`) beside it, which software
/// that makes both (Fedify, Mastodon's LD signatures) adds after the proof, so
/// that the proof cannot cover it (FEP-8b32, "Backward compatibility": it
/// must be removed before the proof is verified).
fn left_out(document: &Map<String, Value>) -> &'static [&'static str] {
    if document.contains_key("signature") {
        &["proof", "signature"]
    } else {
        &["proof"]
    }
}

/// A proof read for verification, as vc-di-eddsa §3.3.2 (eddsa-jcs-2022,
/// verify proof) prescribes.
struct ProofParts<'a> {
    claims: ProofClaims,
    /// The proof configuration: the proof options (the proof without
    /// `proofValue`, which hashing leaves out) with the `@context` the
    /// document is hashed with.
    config: std::borrow::Cow<'a, Map<String, Value>>,
    /// The canonical form of the proof's own `@context` when it replaces a
    /// longer one of the document's for hashing (§3.3.2 step 4.2).
    document_context: Option<String>,
    signature: Signature,
}

impl ProofParts<'_> {
    fn context_replacement(&self) -> Vec<(&str, &str)> {
        self.document_context
            .as_deref()
            .map(|canonical| vec![("@context", canonical)])
            .unwrap_or_default()
    }
}

fn context_items(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    }
}

/// What a document's proof claims, its configuration and its signature.
///
/// - A proof with a `@context` of its own: the document's `@context` must
///   start with the same values in the same order, and the document is then
///   hashed with the proof's `@context` in place of its own.
/// - A proof without one (how FEP-8b32 proofs embedded in activities are
///   usually made): the proof configuration takes the document's `@context`.
fn proof_parts(document: &Value) -> Result<ProofParts<'_>, ProofError> {
    let claims = claims(document)?;
    let proof = proof_object(document)?;
    let proof_value = text(proof, "proofValue")?;
    let object = document.as_object().expect("has a proof, so an object");
    let document_context = object.get("@context");
    let (config, replacement) = match (proof.get("@context"), document_context) {
        (Some(proof_context), Some(document_context)) => {
            let (wanted, have) = (context_items(proof_context), context_items(document_context));
            if have.len() < wanted.len() || have[..wanted.len()] != wanted[..] {
                return Err(ProofError::ContextMismatch);
            }
            let replacement = if wanted.len() == have.len() {
                None
            } else {
                Some(canonicalize(proof_context)?)
            };
            (std::borrow::Cow::Borrowed(proof), replacement)
        }
        (Some(_), None) => return Err(ProofError::ContextMismatch),
        (None, Some(document_context)) => {
            let mut config = proof.clone();
            config.insert("@context".into(), document_context.clone());
            (std::borrow::Cow::Owned(config), None)
        }
        (None, None) => (std::borrow::Cow::Borrowed(proof), None),
    };
    let (base, signature) =
        multibase::decode(proof_value).map_err(|e| ProofError::Malformed(format!("proofValue: {e}")))?;
    if base != multibase::Base::Base58Btc {
        return Err(ProofError::Malformed("proofValue must be base58btc (z…)".into()));
    }
    let signature = Signature::from_slice(&signature).map_err(|_| ProofError::BadSignature)?;
    Ok(ProofParts {
        claims,
        config,
        document_context: replacement,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_multibase() {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let public = public_key_multibase(&key.verifying_key());
        assert!(public.starts_with("z6Mk"));
        assert_eq!(parse_public_key_multibase(&public).unwrap(), key.verifying_key());
        assert_eq!(
            parse_private_key_multibase(&private_key_multibase(&key))
                .unwrap()
                .to_bytes(),
            key.to_bytes()
        );
        assert!(parse_public_key_multibase(&private_key_multibase(&key)).is_err());
    }

    /// The memoised canonical form must be exactly the crate's own, for every
    /// documented example (and what they embed), for documents without our
    /// context, and for member names whose UTF-16 order differs from their
    /// byte order or sorts before `@context`.
    #[test]
    fn canonical_objects_match_the_canonicaliser() {
        fn same(document: &Value) {
            let object = document.as_object().unwrap();
            let mut without = object.clone();
            without.remove("proof");
            assert_eq!(
                canonicalize_object(object, "proof").unwrap(),
                canonicalize(&without).unwrap(),
                "{document}"
            );
        }
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("federation/examples");
        let mut checked = 0;
        for entry in std::fs::read_dir(examples).unwrap() {
            let document: Value =
                serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
            same(&document);
            if let Some(Value::Object(proof)) = document.get("proof") {
                let config = Value::Object(proof.clone());
                same(&config);
            }
            if document["object"].is_object() {
                same(&document["object"]);
            }
            checked += 1;
        }
        assert!(checked >= 10, "examples read: {checked}");
        same(&serde_json::json!({
            "@context": ["https://www.w3.org/ns/activitystreams", {"x": "https://x.example/#"}],
            "id": "https://a.example/1",
            "!first": 1, "0": [1.0, 2.5e30, -0.0], "\u{e000}": "private use", "\u{1f600}": "astral",
            "nested": {"b": 1, "a": {"d": null, "c": true}}, "proof": {"ignored": true}
        }));
        same(&serde_json::json!({"@context": crate::federation::wire::context(), "a": "b"}));
        same(&serde_json::json!({}));
    }

    /// An activity and the object it carries verify together exactly as they
    /// do one by one: a change to either, or the wrong key for either, fails.
    #[test]
    fn an_activity_and_its_object_verify_together_as_apart() {
        let (author, sender) = (
            SigningKey::generate(&mut rand::rngs::OsRng),
            SigningKey::generate(&mut rand::rngs::OsRng),
        );
        let context = crate::federation::wire::context();
        // Embedded, as our alerts are: without a @context of its own.
        let mut object = serde_json::json!({"id": "https://a.example/alerts/1", "type": "Alert",
            "name": "n", "nameMap": {"ar": "ن", "en": "n"}});
        sign(
            &mut object,
            &author,
            "https://a.example/orgs/g#k",
            "2026-11-28T10:00:00Z",
        )
        .unwrap();
        let mut activity = serde_json::json!({"@context": context, "id": "https://a.example/activities/1",
            "type": "Create", "actor": "https://a.example/orgs/g", "object": object});
        sign(
            &mut activity,
            &sender,
            "https://a.example/orgs/g#k",
            "2026-11-28T10:00:01Z",
        )
        .unwrap();
        let (a, s) = (author.verifying_key(), sender.verifying_key());
        let apart = (verify(&activity, &s), verify(&activity["object"], &a));
        assert!(apart.0.is_ok() && apart.1.is_ok(), "{apart:?}");
        let together = verify_with_object(&activity, &s, &a).unwrap();
        assert_eq!((Ok(together.0), Ok(together.1)), apart);

        assert_eq!(verify_with_object(&activity, &a, &a), Err(ProofError::BadSignature));
        assert_eq!(verify_with_object(&activity, &s, &s), Err(ProofError::BadSignature));
        let mut changed_object = activity.clone();
        changed_object["object"]["nameMap"]["en"] = "m".into();
        assert_eq!(
            verify_with_object(&changed_object, &s, &a),
            Err(ProofError::BadSignature)
        );
        let mut changed_activity = activity.clone();
        changed_activity["type"] = "Update".into();
        assert_eq!(
            verify_with_object(&changed_activity, &s, &a),
            Err(ProofError::BadSignature)
        );
        let mut unsigned_object = activity.clone();
        unsigned_object["object"].as_object_mut().unwrap().remove("proof");
        assert_eq!(verify_with_object(&unsigned_object, &s, &a), Err(ProofError::Missing));
    }

    #[test]
    fn a_changed_document_or_context_does_not_verify() {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let mut doc = serde_json::json!({"@context": ["https://www.w3.org/ns/activitystreams"], "id": "https://a.example/x", "name": "n"});
        sign(&mut doc, &key, "https://a.example/actor#k", "2026-11-28T10:00:00.123Z").unwrap();
        let claims = verify(&doc, &key.verifying_key()).unwrap();
        assert_eq!(claims.controller, "https://a.example/actor");
        assert_eq!(claims.created, "2026-11-28T10:00:00.123Z", "kept exactly as written");
        let mut changed = doc.clone();
        changed["name"] = "m".into();
        assert_eq!(verify(&changed, &key.verifying_key()), Err(ProofError::BadSignature));
        let mut other_context = doc.clone();
        other_context["@context"] = serde_json::json!(["https://other.example"]);
        assert_eq!(
            verify(&other_context, &key.verifying_key()),
            Err(ProofError::ContextMismatch)
        );
        let other = SigningKey::generate(&mut rand::rngs::OsRng);
        assert_eq!(verify(&doc, &other.verifying_key()), Err(ProofError::BadSignature));
        let mut unsigned = doc.clone();
        unsigned.as_object_mut().unwrap().remove("proof");
        assert_eq!(verify(&unsigned, &key.verifying_key()), Err(ProofError::Missing));
    }

    /// Signs as vc-di-eddsa says with the proof's @context set to `proof_context`
    /// (the document is hashed with it in place of its own), then writes the
    /// proof with or without that @context.
    fn sign_with_proof_context(document: &mut Value, key: &SigningKey, proof_context: Option<&Value>, keep: bool) {
        let mut hashed = document.clone();
        let mut config = serde_json::json!({"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE,
            "verificationMethod": "https://a.example/actor#k", "proofPurpose": PURPOSE,
            "created": "2026-12-04T10:00:00Z"});
        if let Some(context) = proof_context {
            hashed["@context"] = context.clone();
            config["@context"] = context.clone();
        }
        let data = hash_data(hashed.as_object().unwrap(), config.as_object().unwrap()).unwrap();
        let signature = key.sign(&data);
        if !keep {
            config.as_object_mut().unwrap().remove("@context");
        }
        config["proofValue"] = multibase::encode(multibase::Base::Base58Btc, signature.to_bytes()).into();
        document["proof"] = config;
    }

    /// vc-di-eddsa §3.3.2: a proof without a @context of its own is checked
    /// with the document's (as other software makes FEP-8b32 proofs), and a
    /// proof's @context that is a prefix of the document's replaces it for
    /// hashing. Anything else is refused.
    #[test]
    fn proofs_with_and_without_their_own_context_verify_as_the_spec_says() {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let public = key.verifying_key();
        let context = serde_json::json!([
            "https://www.w3.org/ns/activitystreams",
            "https://w3id.org/security/data-integrity/v2"
        ]);
        let document = serde_json::json!({"@context": context, "id": "https://a.example/notes/1",
            "type": "Note", "content": "hello"});

        // Without its own @context: the configuration takes the document's.
        let mut bare = document.clone();
        sign_with_proof_context(&mut bare, &key, Some(&context), false);
        assert!(bare["proof"].get("@context").is_none());
        verify(&bare, &public).expect("a proof without @context uses the document's");
        let mut changed = bare.clone();
        changed["content"] = "changed".into();
        assert_eq!(verify(&changed, &public), Err(ProofError::BadSignature));
        // A Linked Data Signature added after the proof is not covered by it.
        let mut with_ld_signature = bare.clone();
        with_ld_signature["signature"] = serde_json::json!({"type": "RsaSignature2017",
            "creator": "https://a.example/actor#main-key", "signatureValue": "c2lnbmVk"});
        verify(&with_ld_signature, &public).expect("the LD signature is left out of the hash");
        with_ld_signature["content"] = "changed".into();
        assert_eq!(verify(&with_ld_signature, &public), Err(ProofError::BadSignature));
        let mut other_context = bare.clone();
        other_context["@context"] = serde_json::json!(["https://www.w3.org/ns/activitystreams"]);
        assert_eq!(verify(&other_context, &public), Err(ProofError::BadSignature));

        // Signed over the document with no @context in the configuration (what
        // the node did not accept before, and must not): not to the spec.
        let mut wrong = document.clone();
        let mut unhashed = document.clone();
        unhashed.as_object_mut().unwrap().remove("@context");
        sign_with_proof_context(&mut unhashed, &key, None, false);
        wrong["proof"] = unhashed["proof"].clone();
        assert_eq!(verify(&wrong, &public), Err(ProofError::BadSignature));

        // A prefix: the document is hashed with the proof's @context.
        let prefix = serde_json::json!(["https://www.w3.org/ns/activitystreams"]);
        let mut prefixed = document.clone();
        sign_with_proof_context(&mut prefixed, &key, Some(&prefix), true);
        verify(&prefixed, &public).expect("a prefix of the document's @context");
        let mut activity = serde_json::json!({"@context": context, "id": "https://a.example/activities/1",
            "type": "Create", "actor": "https://a.example/actor"});
        let mut object = prefixed.clone();
        object.as_object_mut().unwrap().remove("@context");
        object.as_object_mut().unwrap().remove("proof");
        object["@context"] = context.clone();
        sign_with_proof_context(&mut object, &key, Some(&prefix), true);
        activity["object"] = object;
        sign_with_proof_context(&mut activity, &key, Some(&context), false);
        activity["signature"] = serde_json::json!({"type": "RsaSignature2017", "signatureValue": "c2lnbmVk"});
        let (a, o) = verify_with_object(&activity, &public, &public).expect("both verify together");
        assert_eq!(
            (Ok(a), Ok(o)),
            (verify(&activity, &public), verify(&activity["object"], &public))
        );
        let mut not_prefix = prefixed.clone();
        not_prefix["@context"] = serde_json::json!([
            "https://w3id.org/security/data-integrity/v2",
            "https://www.w3.org/ns/activitystreams"
        ]);
        assert_eq!(verify(&not_prefix, &public), Err(ProofError::ContextMismatch));
        let mut no_document_context = prefixed.clone();
        no_document_context.as_object_mut().unwrap().remove("@context");
        assert_eq!(verify(&no_document_context, &public), Err(ProofError::ContextMismatch));
    }
}

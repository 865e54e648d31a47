//! Verifying signed GETs (draft-cavage HTTP signatures), for serving
//! non-public objects only to nodes allowed to see them. The federation crate
//! offers this for actix only.

use std::collections::BTreeMap;
use std::time::Duration;

use activitypub_federation::config::Data;
use activitypub_federation::fetch::object_id::ObjectId;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, Method, Uri};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use url::Url;

use super::actors::RemoteActor;
use crate::domain::vocab::Trust;
use crate::error::{Error, Result};
use crate::state::AppState;

/// Who signed a GET, if anyone did and the signature verifies.
pub struct Signer {
    pub actor: RemoteActor,
    pub host: String,
    pub trust: Trust,
}

/// The `keyId` of a Signature header, without its fragment: the signing actor.
fn key_owner(signature: &str) -> Option<Url> {
    let start = signature.find("keyId=\"")? + "keyId=\"".len();
    let rest = &signature[start..];
    let key_id = &rest[..rest.find('"')?];
    let mut url = Url::parse(key_id).ok()?;
    url.set_fragment(None);
    Some(url)
}

/// Returns the verified signer of a request, or None when it is unsigned or
/// signed by a node this one does not federate with (whose key is then never
/// fetched). A signature that is present but wrong is an error.
pub async fn signer(
    state: &AppState,
    data: &Data<AppState>,
    headers: &HeaderMap,
    method: &Method,
    uri: &Uri,
) -> Result<Option<Signer>> {
    let Some(signature) = headers.get("signature").and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let owner =
        key_owner(signature).ok_or_else(|| Error::Unauthorized("the Signature header has no usable keyId".into()))?;
    let host = super::urls::host_of(&owner).ok_or_else(|| Error::Unauthorized("keyId has no host".into()))?;
    let Some(trust) = crate::db::peers::trust_of(&state.db.pool, &host)
        .await?
        .filter(|t| t.federates())
    else {
        return Ok(None);
    };
    super::http_date::check_date(headers, state.clock.now())?;
    let actor = ObjectId::<RemoteActor>::from(owner).dereference(data).await?;
    verify(headers, method, uri, &actor.public_key_pem, &state.config.domain)?;
    Ok(Some(Signer { actor, host, trust }))
}

/// Checks a draft-cavage signature over the request with an RSA public key.
pub fn verify(headers: &HeaderMap, method: &Method, uri: &Uri, public_key_pem: &str, our_domain: &str) -> Result<()> {
    let mut header_map = BTreeMap::new();
    for (name, value) in headers {
        if let Ok(value) = value.to_str() {
            header_map.insert(name.to_string(), value.to_string());
        }
    }
    header_map
        .entry("host".to_string())
        .or_insert_with(|| our_domain.to_string());
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    // The signature must cover what is fetched, from where, and when.
    let config = http_signature_normalization::Config::new()
        .set_expiration(Duration::from_secs(3600))
        .require_header("(request-target)")
        .require_header("host")
        .require_header("date");
    let unverified = config
        .begin_verify(method.as_str(), path_and_query, header_map)
        .map_err(|e| Error::Unauthorized(format!("the HTTP signature is not usable: {e}")))?;
    let key = RsaPublicKey::from_public_key_pem(public_key_pem)
        .map_err(|e| Error::Unauthorized(format!("the signer's key is not usable: {e}")))?;
    let valid = unverified.verify(|signature, signing_string| {
        BASE64.decode(signature).is_ok_and(|sig| {
            key.verify(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(signing_string.as_bytes()),
                &sig,
            )
            .is_ok()
        })
    });
    if valid {
        Ok(())
    } else {
        Err(Error::Unauthorized("the HTTP signature does not verify".into()))
    }
}

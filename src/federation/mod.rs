//! The federation core: ActivityPub between nodes, with the
//! `activitypub_federation` crate for HTTP signatures, fetching and sending.
//! It knows the protocol, not the rules: who gets what is decided by the
//! services, what others send is handled by the inbound ring.
//!
//! - [`urls`]: where every actor, object and activity of this node lives; hosts.
//! - [`wire`]: the documents we send and accept (`federation/README.md`).
//! - [`keys`]: RSA keys of the instance actor and the organisations.
//! - [`integrity`]: our Ed25519 keys; signing what we send, verifying what we get.
//! - [`proof`]: FEP-8b32 integrity proofs (eddsa-jcs-2022).
//! - [`actors`]: actor documents, and remote actors as the crate sees them.
//! - [`receiving`]: what the handling of one received activity has learnt so far.
//! - [`http_date`]: the signed `Date` header of requests from other servers.
//! - [`signed_get`]: verifying signed fetches of non-public objects.
//! - [`outbox`]: the transactional outbox and its delivery worker.

pub mod actors;
pub mod http_date;
pub mod integrity;
pub mod keys;
pub mod outbox;
pub mod proof;
pub mod receiving;
pub mod signed_get;
pub mod urls;
pub mod wire;

use std::time::Duration;

use activitypub_federation::config::{Data, FederationConfig};

use crate::error::{Error, Result};
use crate::state::AppState;

/// Builds the crate's configuration for this node. Development mode is the
/// crate's debug mode: plain http, ports and loopback addresses allowed.
pub async fn config(state: &AppState) -> Result<FederationConfig<AppState>> {
    let instance = actors::LocalActor::instance(state).await?;
    let mut builder = FederationConfig::builder();
    builder
        .domain(state.config.domain.clone())
        .app_data(state.for_federation_context())
        .debug(state.config.dev_mode)
        .http_signature_compat(true)
        .request_timeout(Duration::from_secs(10))
        .client(state.http.clone());
    builder.signed_fetch_actor(&instance);
    builder
        .build()
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("federation config: {e}")))
}

/// The node's federation context, built once per node: the crate's config
/// starts background tasks, so it must not be rebuilt per request.
pub async fn data(state: &AppState) -> Result<Data<AppState>> {
    let cell = state
        .federation_cell()
        .ok_or_else(|| Error::Unavailable("this node is shutting down".into()))?;
    let config = cell.get_or_try_init(|| async { config(state).await }).await?;
    Ok(config.to_request_data())
}

impl From<activitypub_federation::error::Error> for Error {
    fn from(err: activitypub_federation::error::Error) -> Self {
        use activitypub_federation::error::Error as E;
        match err {
            E::ActivitySignatureInvalid => Error::Unauthorized("the HTTP signature does not verify".into()),
            E::ActivityBodyDigestInvalid => {
                Error::Unauthorized("the Digest header is missing or does not match the body".into())
            }
            E::FetchWrongId(url) => Error::BadGateway(format!(
                "the document fetched from {url} has another id; it is not accepted as that actor or object"
            )),
            E::FetchInvalidContentType(url) => Error::BadGateway(format!(
                "the document at {url} is not served as ActivityStreams JSON; it is not accepted"
            )),
            E::UrlVerificationError(why) => Error::Forbidden(format!("URL refused: {why}")),
            E::DomainResolveError(host) => {
                Error::Forbidden(format!("{host} resolves to a loopback, private or reserved address"))
            }
            E::ResolveInternalIpError(host, ip) => {
                Error::Forbidden(format!("{host} resolves to the internal address {ip}"))
            }
            E::ParseReceivedActivity { err, .. } => Error::BadRequest(format!("not an activity we accept: {err}")),
            E::ParseFetchedObject(err, url, _) => {
                Error::BadGateway(format!("the document at {url} is not one we accept: {err}"))
            }
            E::NotFound => Error::BadGateway("the other node has no such actor or object".into()),
            E::ObjectDeleted(_) => Error::NotFound("object (deleted)"),
            E::Reqwest(e) => Error::BadGateway(format!("cannot reach the other node: {e}")),
            E::ReqwestMiddleware(e) => Error::BadGateway(format!("cannot reach the other node: {e}")),
            other => Error::Federation(other.to_string()),
        }
    }
}

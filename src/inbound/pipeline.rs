//! What a node does with a POST from another server. The order of the checks
//! is the point: size first, then what can be decided without fetching
//! anything (shape, hosts, trust, date, replay), then the HTTP signature,
//! which may fetch the sender's key, and only then the activity itself
//! (`activities/`), with its integrity proofs.

use std::cell::RefCell;

use activitypub_federation::axum::inbox::{ActivityData, receive_activity};
use activitypub_federation::config::Data;
use activitypub_federation::traits::{Activity, Actor, Object};
use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::activities::{ActorRef, Context, Envelope, InboundActivity};
use crate::domain::vocab::Trust;
use crate::error::{Error, Result};
use crate::federation::actors::{ActorDocument, RemoteActor, UrlText};
use crate::federation::http_date::check_date;
use crate::federation::receiving::Receiving;
use crate::request::read_body;
use crate::state::AppState;

/// `POST /inbox` and `POST /orgs/{slug}/inbox`.
pub async fn post_inbox(State(state): State<AppState>, request: Request) -> Response {
    use tracing::Instrument;
    // Which activity, as its sender named it, goes with everything logged
    // about it (escaped by the log format: these are the sender's words).
    let span = tracing::info_span!("inbox", activity = tracing::field::Empty, kind = tracing::field::Empty);
    let response = match receive(&state, request).instrument(span.clone()).await {
        Ok(status) => status.into_response(),
        Err(err) => {
            span.in_scope(|| tracing::info!(error = %err, "inbox refused an activity"));
            err.into_response()
        }
    };
    state.counters.inbox(response.status().as_u16());
    response
}

async fn receive(state: &AppState, request: Request) -> Result<StatusCode> {
    let (parts, body) = request.into_parts();
    let bytes = read_body(body).await?;

    // Read once: the envelope for the checks below, the whole document for
    // the activity's handler (the crate reads the body again to check the signature).
    let document: Value =
        serde_json::from_slice(&bytes).map_err(|e| Error::BadRequest(format!("not an ActivityPub activity: {e}")))?;
    let envelope = Envelope::deserialize(&document)
        .map_err(|e| Error::BadRequest(format!("not an ActivityPub activity (needs id, type and actor): {e}")))?;
    let span = tracing::Span::current();
    span.record("activity", tracing::field::display(&envelope.id));
    span.record("kind", tracing::field::display(&envelope.kind));
    // What other nodes send is held to the rules local input is: NUL in any
    // field is refused before anything is looked up or stored, the same on
    // SQLite and PostgreSQL.
    crate::domain::refuse_nul(&bytes)?;
    let actor_host = crate::federation::urls::host_of(envelope.actor.id())
        .ok_or_else(|| Error::BadRequest("the actor has no host".into()))?;
    let id_host = crate::federation::urls::host_of(&envelope.id)
        .ok_or_else(|| Error::BadRequest("the activity id has no host".into()))?;
    if id_host != actor_host {
        return Err(Error::Forbidden(format!(
            "the activity id is on {id_host} but its actor on {actor_host}: both must be on one host"
        )));
    }

    let known = known_about_sender(state, &envelope, &actor_host).await?;
    let (trust, already) = (known.trust, known.already_processed);

    // Allowlist: before any fetch on the sender's behalf.
    let may_send = match trust {
        Some(Trust::Blocked) => false,
        Some(t) if t.federates() => true,
        // Unknown and pending nodes may only ask to federate (or take that back).
        _ => matches!(envelope.kind.as_str(), "Follow" | "Undo"),
    };
    if !may_send {
        return Err(Error::Forbidden(format!(
            "this node does not federate with {actor_host}"
        )));
    }

    check_date(&parts.headers, state.clock.now())?;
    for required in ["signature", "digest"] {
        if !parts.headers.contains_key(required) {
            return Err(Error::Unauthorized(format!(
                "every POST must carry an HTTP signature over (request-target) host date digest; `{required}` is missing"
            )));
        }
    }

    if already {
        // A replay or a retry of something already done: harmless, and said so.
        return Ok(StatusCode::ACCEPTED);
    }

    let with_proof = InboundActivity::carries_proof(&document).then(|| document.clone());
    let activity = InboundActivity::parse(document)?;

    let data = crate::federation::data(state).await?;
    let rebuilt = Request::from_parts(parts, Body::from(bytes));
    let activity_data = ActivityData::from_request(rebuilt, &())
        .await
        .map_err(|_| Error::BadRequest("unreadable request".into()))?;
    // The crate checks the HTTP signature against the sender's key (reading
    // the sender as `known_about_sender` found it, unless it must refetch).
    let pre_read = PreRead {
        sender: known.actor,
        refetched: false,
    };
    let (verified, refetched) = PRE_READ
        .scope(RefCell::new(pre_read), async {
            let verified = receive_activity::<SignedBy, Sender, AppState>(activity_data, &data).await;
            (verified, PRE_READ.with(|pre| pre.borrow().refetched))
        })
        .await;
    verified.map_err(unverified)?;

    let mut receiving = Receiving::default();
    receiving.know_trust(&actor_host, trust);
    // The sender's proof key as read with its trust, unless the sender's
    // document was fetched again just now (a rotated key may be retired).
    if !refetched && let (Some(method), Some(key)) = (known.proof_method, known.proof_key) {
        receiving.know_key(envelope.actor.id().as_str(), &method, key);
    }
    let context = Context {
        state,
        data: &data,
        host: actor_host,
        relay: None,
    };
    activity
        .receive(&context, &mut receiving, with_proof.as_ref())
        .await
        .map_err(unverified)?;

    // Most handlers mark the activity processed in the transaction of its
    // effect; the rest (and ignored types) are marked here.
    if !receiving.was_marked(envelope.id.as_str()) {
        let _turn = state.db.write_turn().await;
        let mut conn = state.db.pool.acquire().await?;
        crate::federation::receiving::insert_received(
            &mut conn,
            envelope.id.as_str(),
            envelope.actor.id().as_str(),
            state.clock.now(),
        )
        .await?;
    }
    Ok(StatusCode::ACCEPTED)
}

/// What every received activity needs from the database, read in one query
/// before anything else: each query is a round trip to the database (for
/// SQLite, to its thread, and another to return the connection).
struct KnownAboutSender {
    trust: Option<Trust>,
    already_processed: bool,
    /// The sending actor as last fetched, if it was.
    actor: Option<RemoteActor>,
    /// The verification method the activity's proof names, and its key (the
    /// multibase and expiry) if the sender is known to publish it.
    proof_method: Option<String>,
    proof_key: Option<(String, Option<String>)>,
}

async fn known_about_sender(state: &AppState, envelope: &Envelope, actor_host: &str) -> Result<KnownAboutSender> {
    let proof_method = envelope.proof_method();
    let facts = crate::db::received::sender_facts(
        &state.db.pool,
        actor_host,
        envelope.id.as_str(),
        envelope.actor.id().as_str(),
        proof_method.as_deref().unwrap_or_default(),
    )
    .await?;
    // The actor's columns are NOT NULL: all are there when its id is.
    let actor = match (
        facts.id.as_deref().map(Url::parse),
        facts.host,
        facts.kind,
        facts.inbox,
        facts.public_key_pem,
        facts.fetched_at,
    ) {
        (Some(Ok(id)), Some(host), Some(kind), Some(inbox), Some(public_key_pem), Some(fetched_at)) => {
            Some(RemoteActor {
                id: UrlText(id),
                host,
                kind,
                name: facts.name,
                inbox,
                shared_inbox: facts.shared_inbox,
                public_key_pem,
                fetched_at,
            })
        }
        _ => None,
    };
    Ok(KnownAboutSender {
        trust: facts.trust.and_then(|t| t.parse().ok()),
        already_processed: facts.processed > 0,
        actor,
        proof_key: facts.public_key_multibase.map(|m| (m, facts.expires)),
        proof_method,
    })
}

/// Errors of verifying the sender, as the sender should read them.
fn unverified(err: Error) -> Error {
    match err {
        // What the crate cannot classify here is a signature it could not verify.
        Error::Federation(cause) => Error::Unauthorized(format!("the HTTP signature could not be verified: {cause}")),
        // Here a document that could not be had means a sender that could not be verified.
        // The sender's key could not be had now: a retry may succeed, so say so.
        Error::BadGateway(why) => Error::Unavailable(format!("the sender cannot be verified right now: {why}")),
        other => other,
    }
}

/// What the crate needs of an activity to check its HTTP signature: its id
/// and actor. Everything else is read by [`InboundActivity::parse`].
#[derive(Deserialize)]
struct SignedBy {
    id: Url,
    actor: ActorRef,
}

#[async_trait::async_trait]
impl Activity for SignedBy {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }
    fn actor(&self) -> &Url {
        self.actor.id()
    }
    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        Ok(())
    }
    /// Nothing: the pipeline handles the activity once its signature verified.
    async fn receive(self, _data: &Data<AppState>) -> Result<()> {
        Ok(())
    }
}

/// The sender as read with its trust, for the crate's lookup of it while it
/// checks the signature, and whether the crate had to fetch it again.
struct PreRead {
    sender: Option<RemoteActor>,
    refetched: bool,
}

tokio::task_local! {
    /// Set and read only here, around the crate's signature check: the crate
    /// looks the sender up through [`Sender`]'s `read_from_id`, which gets no
    /// other way to be told what the pipeline already read.
    static PRE_READ: RefCell<PreRead>;
}

/// The sending actor, as the crate looks it up to check the signature.
#[derive(Debug)]
struct Sender(RemoteActor);

#[async_trait::async_trait]
impl Object for Sender {
    type DataType = AppState;
    type Kind = ActorDocument;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.0.id.0
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_refreshed_at()
    }

    async fn read_from_id(id: Url, data: &Data<AppState>) -> Result<Option<Self>> {
        let pre_read = PRE_READ
            .try_with(|pre| {
                let mut pre = pre.borrow_mut();
                match &pre.sender {
                    Some(actor) if actor.id.0 == id => pre.sender.take(),
                    _ => None,
                }
            })
            .ok()
            .flatten();
        match pre_read {
            Some(actor) => Ok(Some(Sender(actor))),
            None => Ok(RemoteActor::read_from_id(id, data).await?.map(Sender)),
        }
    }

    async fn into_json(self, data: &Data<AppState>) -> Result<ActorDocument> {
        self.0.into_json(data).await
    }

    async fn verify(json: &ActorDocument, expected_domain: &Url, data: &Data<AppState>) -> Result<()> {
        RemoteActor::verify(json, expected_domain, data).await
    }

    async fn from_json(json: ActorDocument, data: &Data<AppState>) -> Result<Self> {
        let _ = PRE_READ.try_with(|pre| pre.borrow_mut().refetched = true);
        Ok(Sender(RemoteActor::from_json(json, data).await?))
    }
}

impl Actor for Sender {
    fn public_key_pem(&self) -> &str {
        self.0.public_key_pem()
    }
    fn private_key_pem(&self) -> Option<String> {
        None
    }
    fn inbox(&self) -> Url {
        self.0.inbox()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The envelope reads a proof's key only to look it up early: a proof set,
    /// an odd proof or none must not make an activity unreadable here.
    #[test]
    fn the_envelope_takes_any_proof() {
        let read = |proof: Value| {
            let mut activity = serde_json::json!({
                "id": "https://a.example/activities/1",
                "type": "Follow",
                "actor": "https://a.example/orgs/x",
            });
            if !proof.is_null() {
                activity["proof"] = proof;
            }
            let envelope: Envelope = serde_json::from_value(activity).expect("an envelope");
            envelope.proof_method()
        };
        assert_eq!(
            read(serde_json::json!({"verificationMethod": "https://a.example/orgs/x#k"})).as_deref(),
            Some("https://a.example/orgs/x#k")
        );
        assert_eq!(
            read(serde_json::json!([{"verificationMethod": "https://a.example/orgs/x#k"}])),
            None
        );
        assert_eq!(read(serde_json::json!({"verificationMethod": 5})), None);
        assert_eq!(read(Value::Null), None);
    }
}

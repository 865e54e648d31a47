//! What a node does with a POST from another server. The order of the checks
//! is the point: size first, then what can be decided without fetching
//! anything (shape, hosts, trust, date, replay), and only then the signature,
//! which may fetch the sender's key.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use activitypub_federation::axum::inbox::{ActivityData, receive_activity};
use activitypub_federation::config::Data;
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::traits::Activity;
use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::actors::RemoteActor;
use super::wire::{self, AlertObject};
use super::{integrity, peers, urls};
use crate::clock::to_millis;
use crate::db::remote_alerts::{self, RemoteAlertRow, Upserted};
use crate::db::{self, new_id};
use crate::domain::vocab::{Audience, Trust};
use crate::error::{Error, Result};
use crate::server::{AppState, read_body};

/// How far the Date header may be from this node's clock.
pub const MAX_CLOCK_SKEW: chrono::Duration = chrono::Duration::hours(1);

/// `POST /inbox` and `POST /orgs/{slug}/inbox`.
pub async fn post_inbox(State(state): State<AppState>, request: Request) -> Response {
    use tracing::Instrument;
    // Which activity, as its sender named it, goes with everything logged
    // about it (escaped by the log format: these are the sender's words).
    let span = tracing::info_span!("inbox", activity = tracing::field::Empty, kind = tracing::field::Empty);
    match receive(&state, request).instrument(span.clone()).await {
        Ok(status) => status.into_response(),
        Err(err) => {
            span.in_scope(|| tracing::info!(error = %err, "inbox refused an activity"));
            err.into_response()
        }
    }
}

/// The few fields read before anything else is trusted.
#[derive(Deserialize)]
struct Envelope {
    id: Url,
    #[serde(rename = "type")]
    kind: String,
    actor: ActorRef,
    /// Only to look its key up with the rest (it is checked later, in full,
    /// where it must be: here anything goes, a proof set or none).
    #[serde(default)]
    proof: Option<Value>,
}

impl Envelope {
    /// The verification method of the activity's one proof, if it has one.
    fn proof_method(&self) -> Option<String> {
        self.proof
            .as_ref()
            .and_then(|proof| proof.get("verificationMethod"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ActorRef {
    Id(Url),
    Object { id: Url },
}

impl ActorRef {
    fn id(&self) -> &Url {
        match self {
            ActorRef::Id(id) | ActorRef::Object { id } => id,
        }
    }
}

async fn receive(state: &AppState, request: Request) -> Result<StatusCode> {
    let (parts, body) = request.into_parts();
    let bytes = read_body(body).await?;

    let envelope: Envelope = serde_json::from_slice(&bytes)
        .map_err(|e| Error::BadRequest(format!("not an ActivityPub activity (needs id, type and actor): {e}")))?;
    let span = tracing::Span::current();
    span.record("activity", tracing::field::display(&envelope.id));
    span.record("kind", tracing::field::display(&envelope.kind));
    // What other nodes send is held to the rules local input is: NUL in any
    // field is refused before anything is looked up or stored, the same on
    // SQLite and PostgreSQL.
    crate::domain::refuse_nul(&bytes)?;
    let actor_host =
        peers::host_of(envelope.actor.id()).ok_or_else(|| Error::BadRequest("the actor has no host".into()))?;
    let id_host =
        peers::host_of(&envelope.id).ok_or_else(|| Error::BadRequest("the activity id has no host".into()))?;
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

    let data = super::data(state).await?;
    let rebuilt = Request::from_parts(parts, Body::from(bytes));
    let activity_data = ActivityData::from_request(rebuilt, &())
        .await
        .map_err(|_| Error::BadRequest("unreadable request".into()))?;
    let mut scope = ReceiveScope::default();
    scope.trust.insert(actor_host.clone(), trust);
    scope.sender = known.actor;
    if let (Some(method), Some(key)) = (known.proof_method, known.proof_key) {
        scope.keys.insert((envelope.actor.id().to_string(), method), key);
    }
    let (received, marked) = RECEIVING
        .scope(RefCell::new(scope), async {
            let received = receive_activity::<Incoming, RemoteActor, AppState>(activity_data, &data).await;
            (received, RECEIVING.with(|scope| scope.take().marked))
        })
        .await;
    received.map_err(|err| match err {
        // What the crate cannot classify here is a signature it could not verify.
        Error::Internal(cause) if cause.to_string().starts_with("federation:") => {
            Error::Unauthorized(format!("the HTTP signature could not be verified: {cause}"))
        }
        // Here a document that could not be had means a sender that could not be verified.
        // The sender's key could not be had now: a retry may succeed, so say so.
        Error::BadGateway(why) => Error::Unavailable(format!("the sender cannot be verified right now: {why}")),
        other => other,
    })?;

    // Most handlers mark the activity processed in the transaction of its
    // effect; the rest (and ignored types) are marked here.
    if !marked.iter().any(|id| id == envelope.id.as_str()) {
        let _turn = state.db.write_turn().await;
        let mut conn = state.db.pool.acquire().await?;
        insert_received(
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
                id: super::actors::UrlText(id),
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

/// What the handling of one received activity has learnt so far.
#[derive(Default)]
struct ReceiveScope {
    /// The sender as read with its trust, for the crate's first lookup of it
    /// (taken then: whatever happens after reads the database again).
    sender: Option<RemoteActor>,
    /// Ids that a handler marked as processed in its own transaction, so that
    /// `receive` does not write (and commit) the same row a second time.
    marked: Vec<String>,
    /// Trust of the hosts checked so far. An alert is checked three times (the
    /// sender, then the signer of each proof): one query answers all three, and
    /// all three see the same answer.
    trust: HashMap<String, Option<Trust>>,
    /// Proof keys found so far, by (controller, verification method): the
    /// activity and the object it carries are usually signed with one key.
    keys: HashMap<(String, String), (String, Option<String>)>,
}

tokio::task_local! {
    static RECEIVING: RefCell<ReceiveScope>;
}

/// The trust of `host`, read once per received activity (outside the handling
/// of one, straight from the database). Only for the checks made before an
/// activity's effect: what a handler changes is not seen here.
pub(crate) async fn trust_while_receiving(state: &AppState, host: &str) -> Result<Option<Trust>> {
    if let Ok(Some(known)) = RECEIVING.try_with(|scope| scope.borrow().trust.get(host).copied()) {
        return Ok(known);
    }
    let trust = peers::trust_of(state, host).await?;
    let _ = RECEIVING.try_with(|scope| scope.borrow_mut().trust.insert(host.to_string(), trust));
    Ok(trust)
}

/// The sending actor, if `receive` read it with its trust and nothing has
/// used that copy yet.
pub(crate) fn sender_read_while_receiving(id: &Url) -> Option<RemoteActor> {
    RECEIVING
        .try_with(|scope| {
            let mut scope = scope.borrow_mut();
            match &scope.sender {
                Some(actor) if actor.id.0 == *id => scope.sender.take(),
                _ => None,
            }
        })
        .ok()
        .flatten()
}

/// Drops the keys of `controller` found while handling this activity: its
/// document was fetched again, and what it lists now counts.
pub(crate) fn forget_keys_while_receiving(controller: &str) {
    let _ = RECEIVING.try_with(|scope| scope.borrow_mut().keys.retain(|(owner, _), _| owner != controller));
}

/// A proof key already found while handling this activity.
pub(crate) fn key_seen_while_receiving(controller: &str, method: &str) -> Option<(String, Option<String>)> {
    RECEIVING
        .try_with(|scope| {
            scope
                .borrow()
                .keys
                .get(&(controller.to_string(), method.to_string()))
                .cloned()
        })
        .ok()
        .flatten()
}

/// Remembers a proof key found in the database for the rest of this activity.
pub(crate) fn remember_key_while_receiving(controller: &str, method: &str, key: &(String, Option<String>)) {
    let _ = RECEIVING.try_with(|scope| {
        scope
            .borrow_mut()
            .keys
            .insert((controller.to_string(), method.to_string()), key.clone())
    });
}

/// Records an activity id as processed (a replay of it is then ignored).
pub(crate) async fn mark_received(
    conn: &mut sqlx::AnyConnection,
    activity: &Incoming,
    now: DateTime<Utc>,
) -> Result<()> {
    insert_received(conn, activity.id.as_str(), activity.actor.as_str(), now).await?;
    // The caller commits or fails: either way `receive` need not mark it again.
    note_marked(activity.id.as_str());
    Ok(())
}

async fn insert_received(conn: &mut sqlx::AnyConnection, id: &str, actor: &str, now: DateTime<Utc>) -> Result<()> {
    let processed = crate::db::Processed {
        activity_id: id.to_string(),
        actor: actor.to_string(),
        received_at: to_millis(now),
    };
    crate::db::mark_processed(conn, &[&processed]).await?;
    Ok(())
}

/// Tells `receive` that the handler marked `id` processed with its effect.
fn note_marked(id: &str) {
    let _ = RECEIVING.try_with(|scope| scope.borrow_mut().marked.push(id.to_string()));
}

pub fn check_date(headers: &axum::http::HeaderMap, now: DateTime<Utc>) -> Result<()> {
    let date = headers
        .get(header::DATE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::Unauthorized("a signed Date header is required".into()))?;
    let date: DateTime<Utc> = httpdate::parse_http_date(date)
        .map_err(|_| Error::Unauthorized("the Date header is not an HTTP date".into()))?
        .into();
    if (now - date).abs() > MAX_CLOCK_SKEW {
        return Err(Error::Unauthorized(format!(
            "the Date header ({date}) is more than an hour from this node's clock ({now})"
        )));
    }
    Ok(())
}

/// A received activity, read as JSON and dispatched on its `type`.
#[derive(Debug)]
pub struct Incoming {
    pub(crate) id: Url,
    pub(crate) actor: Url,
    pub(crate) kind: String,
    pub(crate) raw: Value,
}

impl<'de> Deserialize<'de> for Incoming {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        let envelope = Envelope::deserialize(&raw).map_err(serde::de::Error::custom)?;
        Ok(Incoming {
            id: envelope.id,
            actor: envelope.actor.id().clone(),
            kind: envelope.kind,
            raw,
        })
    }
}

#[async_trait::async_trait]
impl Activity for Incoming {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }
    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<()> {
        let state = data.app_data();
        let host = peers::host_of(&self.actor).ok_or_else(|| Error::BadRequest("actor without host".into()))?;
        match self.kind.as_str() {
            "Follow" => on_follow(state, data, &self, &host).await,
            "Accept" | "Reject" => on_answer(state, &self, &host).await,
            "Undo" => on_undo(state, &self, &host).await,
            "Update" if is_actor(&self.raw["object"]) => on_actor_update(data, &self).await,
            "Create" | "Update" if super::actions::is_action(&self.raw["object"]) => {
                super::actions::on_action(state, data, &self, &host, None).await
            }
            "Create" | "Update" => on_alert(state, data, &self, &host).await,
            "Delete" if super::actions::is_known_action(state, &self.raw["object"]).await? => {
                super::actions::on_action_retracted(state, data, &self, &host, None).await
            }
            "Delete" => on_delete(state, data, &self, &host).await,
            "Announce" => on_announce(state, data, &self).await,
            other => {
                tracing::debug!(kind = other, "ignoring an activity type this node does not use");
                Ok(())
            }
        }
    }
}

fn is_actor(object: &Value) -> bool {
    matches!(
        object.get("type").and_then(|t| t.as_str()),
        Some("Organization" | "Application" | "Person" | "Group" | "Service")
    )
}

/// An actor announcing a change of itself (a new key, say): fetch it again
/// from its own id, never trusting the copy in the activity.
async fn on_actor_update(data: &Data<AppState>, activity: &Incoming) -> Result<()> {
    if object_id(&activity.raw["object"]).as_ref() != Some(&activity.actor) {
        return Err(Error::Forbidden("an actor may only update itself".into()));
    }
    ObjectId::<RemoteActor>::from(activity.actor.clone())
        .dereference_forced(data)
        .await?;
    Ok(())
}

/// A relay (a group's node) passing on another actor's activity unchanged.
/// The relay is trusted for transport only: the inner activity counts only
/// if its own proofs verify against its author, and the author's node is not
/// blocked here.
async fn on_announce(state: &AppState, data: &Data<AppState>, activity: &Incoming) -> Result<()> {
    let inner_value = &activity.raw["object"];
    if !inner_value.is_object() {
        // A boost of something by reference: nothing for this node.
        return Ok(());
    }
    let inner: Incoming =
        serde_json::from_value(inner_value.clone()).map_err(|e| Error::BadRequest(format!("relayed activity: {e}")))?;
    let host = peers::host_of(&inner.actor).ok_or_else(|| Error::BadRequest("relayed actor without host".into()))?;
    if peers::host_of(&inner.id).as_deref() != Some(host.as_str()) {
        return Err(Error::Forbidden(
            "the relayed activity's id and actor are on different hosts".into(),
        ));
    }
    if peers::trust_of(state, &host).await? == Some(Trust::Blocked) {
        return Err(Error::Forbidden(format!("this node does not federate with {host}")));
    }
    let relay = &activity.actor;
    match inner.kind.as_str() {
        "Create" | "Update" if super::actions::is_action(&inner.raw["object"]) => {
            super::actions::on_action(state, data, &inner, &host, Some(relay)).await
        }
        "Create" | "Update" => {
            // A relay passes on only what its author addressed to it (a group),
            // and never a `trusted` or `restricted` alert.
            let object = &inner.raw["object"];
            let addressed = ["to", "cc"].iter().any(|k| {
                object[*k]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(relay.as_str())))
            });
            if !addressed {
                return Err(Error::Forbidden(format!(
                    "{relay} may pass on only alerts addressed to it; this one was not"
                )));
            }
            if !matches!(object["sharing"].as_str(), Some("public" | "network")) {
                return Err(Error::Forbidden(
                    "relays never pass on `trusted` or `restricted` alerts".into(),
                ));
            }
            on_alert(state, data, &inner, &host).await
        }
        "Delete" if super::actions::is_known_action(state, &inner.raw["object"]).await? => {
            super::actions::on_action_retracted(state, data, &inner, &host, Some(relay)).await
        }
        "Delete" if wire::Removal::of(&inner.raw["object"]) == wire::Removal::OutOfAudience => {
            // A loss of audience is told to the one node (or organisation) it
            // is about; passed on, it would take the alert from others.
            Err(Error::Forbidden(
                "a Delete for a loss of audience is never relayed".into(),
            ))
        }
        "Delete" => on_delete(state, data, &inner, &host).await,
        other => Err(Error::BadRequest(format!("relaying `{other}` is not supported"))),
    }
}

pub(crate) fn object_id(value: &Value) -> Option<Url> {
    match value {
        Value::String(s) => Url::parse(s).ok(),
        Value::Object(o) => o.get("id").and_then(|v| v.as_str()).and_then(|s| Url::parse(s).ok()),
        _ => None,
    }
}

async fn on_follow(state: &AppState, data: &Data<AppState>, activity: &Incoming, host: &str) -> Result<()> {
    let target = object_id(&activity.raw["object"]).ok_or_else(|| Error::BadRequest("Follow without object".into()))?;
    let follower = activitypub_federation::fetch::object_id::ObjectId::<RemoteActor>::from(activity.actor.clone())
        .dereference(data)
        .await?;
    let now = state.clock.now();
    let trust = peers::trust_of(state, host).await?;
    // Looked up before the transaction, which must not wait on the pool.
    let followed_org = match urls::local_org_slug(&state.config, &target) {
        Some(slug) => Some(
            crate::db::accounts::find_org_by_slug(&state.db, &slug)
                .await?
                .ok_or(Error::NotFound("organisation"))?,
        ),
        None => None,
    };
    let followed_group = match urls::local_group_slug(&state.config, &target) {
        Some(slug) => Some(
            crate::db::groups::find_hosted(&state.db, &slug)
                .await?
                .ok_or(Error::NotFound("group"))?,
        ),
        None => None,
    };
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    // Any follow from a server we do not know is that server asking to federate.
    db::peers::insert_pending_if_absent(&mut *tx, host, to_millis(now)).await?;
    if target == urls::instance_actor(&state.config) {
        db::peers::record_their_follow(
            &mut *tx,
            host,
            follower.id.0.as_str(),
            follower.delivery_inbox()?.as_str(),
            &activity.raw.to_string(),
            to_millis(now),
        )
        .await?;
    } else if let Some(org) = &followed_org {
        db::followers::upsert_pending(
            &mut *tx,
            &org.id,
            follower.id.0.as_str(),
            host,
            &activity.raw.to_string(),
            to_millis(now),
        )
        .await?;
    } else if let Some(group) = &followed_group {
        // An organisation asking to join: the group's moderators decide.
        super::groups::on_join_request(&mut tx, group, &follower, &activity.raw, host, now).await?;
    } else {
        return Err(Error::NotFound("actor to follow"));
    }
    // A node already connected or trusted is answered at once; others wait for an admin.
    if let Some(t) = trust.filter(|t| t.federates()) {
        super::peers::answer_pending_in(state, &mut tx, host, t, now).await?;
    }
    tx.commit().await?;
    state.deliveries.notify_one();
    Ok(())
}

async fn on_answer(state: &AppState, activity: &Incoming, host: &str) -> Result<()> {
    let answer = if activity.kind == "Accept" {
        "accepted"
    } else {
        "rejected"
    };
    // A moderating organisation elsewhere deciding on a request to join one of our groups.
    if let Some(followed) = object_id(&activity.raw["object"]["object"])
        && urls::local_group_slug(&state.config, &followed).is_some()
    {
        return crate::groups::on_remote_decision(state, &activity.actor, &activity.kind, &activity.raw["object"])
            .await;
    }
    let follow_id = object_id(&activity.raw["object"]);
    if super::groups::on_membership_answer(state, follow_id.as_ref(), &activity.actor, answer == "accepted").await? {
        // An answer from a group is about a membership, never about peering.
        return Ok(());
    }
    let peer = peers::find(state, host).await?.ok_or(Error::NotFound("peer"))?;
    // Some servers echo a re-serialised Follow: match on its id, or on the
    // follow being ours when it has none.
    let ours = match (&follow_id, &peer.our_follow_id) {
        (Some(id), Some(our)) => id.as_str() == our,
        (None, Some(_)) => true,
        _ => false,
    };
    if ours {
        db::peers::set_their_answer(&state.db.pool, host, answer, to_millis(state.clock.now())).await?;
        if answer == "accepted" {
            // What they refused before approving us goes to them now.
            super::alert_delivery::reconcile_host(state, host).await?;
        }
    }
    Ok(())
}

async fn on_undo(state: &AppState, activity: &Incoming, host: &str) -> Result<()> {
    let inner = &activity.raw["object"];
    let inner_kind = inner.get("type").and_then(|t| t.as_str()).unwrap_or_default();
    if inner_kind == "Announce" {
        return super::actions::on_unshared(state, activity, host).await;
    }
    if inner_kind != "Follow" && !inner.is_string() {
        return Ok(());
    }
    if super::groups::on_leave(state, &activity.actor, object_id(&inner["object"]).as_ref()).await? {
        return Ok(());
    }
    db::followers::delete_by_actor(&state.db.pool, activity.actor.as_str(), host).await?;
    db::peers::clear_their_follow_by(&state.db.pool, host, activity.actor.as_str()).await?;
    Ok(())
}

/// Create or Update of an Alert. Only its author may make or change it, and
/// only with integrity proofs by the author's own keys.
async fn on_alert(state: &AppState, data: &Data<AppState>, activity: &Incoming, host: &str) -> Result<()> {
    let object = &activity.raw["object"];
    if object.get("type").and_then(|t| t.as_str()) != Some("Alert") {
        tracing::debug!("ignoring a Create/Update of something other than an Alert");
        return Ok(());
    }
    let alert =
        AlertObject::deserialize(object).map_err(|e| Error::BadRequest(format!("the Alert is not valid: {e}")))?;
    if peers::host_of(&alert.id).as_deref() != Some(host) || alert.attributed_to != activity.actor {
        return Err(Error::Forbidden(format!(
            "{} may only create or change its own alerts, not {}",
            activity.actor, alert.id
        )));
    }
    if alert.sharing == Audience::Node {
        return Err(Error::Forbidden(
            "an alert shared as `node` never leaves its node".into(),
        ));
    }
    // Groups of ours it is addressed to relay it to their members (checked first,
    // as it needs no fetch); groups elsewhere that we know list it.
    let groups = super::groups::addressed(state, alert.to.iter().chain(alert.cc.iter())).await?;
    let relaying = super::groups::relaying(state, &groups, &alert.attributed_to, alert.sharing).await?;
    // The activity and the alert each carry a proof by the author.
    integrity::verify_with_object(state, data, &activity.raw, &activity.actor, &alert.attributed_to).await?;

    // Named organisations of a restricted alert: only ours count.
    let mut recipients = Vec::new();
    if alert.sharing == Audience::Restricted {
        for to in alert.to.iter().chain(alert.cc.iter()) {
            if let Some(slug) = urls::local_org_slug(&state.config, to)
                && let Some(org) = crate::db::accounts::find_org_by_slug(&state.db, &slug).await?
            {
                recipients.push(org.id);
            }
        }
        if recipients.is_empty() {
            return Err(Error::Forbidden(
                "this restricted alert names no organisation on this node".into(),
            ));
        }
    }

    let now = state.clock.now();
    let content = alert.domain_content();
    let mut search = String::new();
    for map in [&content.title, &content.summary, &content.body, &content.link_to_work] {
        for text in map.values() {
            search.push_str(&text.to_lowercase());
            search.push('\n');
        }
    }
    // Stored as received but for its HTML, which is sanitised once, here.
    let mut stored = alert.clone();
    stored.content_map = content.body.clone();
    stored.content = stored.content.as_deref().map(ammonia::clean);
    let row = RemoteAlertRow {
        id: alert.id.to_string(),
        // Used only if the alert is new here (set for each run of the write).
        local_id: String::new(),
        origin_host: host.to_string(),
        attributed_to: alert.attributed_to.to_string(),
        number: alert.number.clone(),
        status: alert.alert_status.as_str().to_string(),
        sharing: alert.sharing.as_str().to_string(),
        urgency: alert.urgency.as_str().to_string(),
        severity: alert.severity.as_str().to_string(),
        certainty: alert.certainty.as_str().to_string(),
        country: alert.location.country.to_ascii_uppercase(),
        title: alert.name.clone(),
        search_text: search,
        document: serde_json::to_string(&stored).map_err(anyhow::Error::from)?,
        version: alert.version,
        published_at: to_millis(alert.published),
        updated_at: to_millis(alert.updated),
        received_at: to_millis(now),
        deleted_at: None,
    };
    let violations: Vec<String> = alert.violation_types.iter().map(|v| v.as_str().to_string()).collect();
    // Listed under a group of ours only if that group relays it.
    let listed_under: Vec<String> = groups
        .known
        .iter()
        .filter(|g| g.hosted == 0 || relaying.iter().any(|r| r.id == g.id))
        .map(|g| g.id.clone())
        .collect();
    let relayed = (!relaying.is_empty()).then(|| activity.raw.clone());
    // Shared by each run of the write (a batch that fails may run it again).
    let write = Arc::new(AlertWrite {
        state: state.clone(),
        host: host.to_string(),
        row,
        violations,
        recipients,
        relaying,
        relayed,
        listed_under,
        now,
    });
    // Marked as processed with its effect, in one commit.
    let processed = crate::db::Processed {
        activity_id: activity.id.to_string(),
        actor: activity.actor.to_string(),
        received_at: to_millis(now),
    };
    // Committed with the other alerts arriving now (see `db::group_commit`).
    let written = state
        .db
        .write(
            Box::new(move |conn| {
                let write = write.clone();
                Box::pin(async move { write.run(conn).await })
            }),
            Some(processed),
        )
        .await?;
    note_marked(activity.id.as_str());
    if written {
        state.deliveries.notify_one();
    }
    Ok(())
}

/// What storing one received alert writes, in the transaction of its batch.
struct AlertWrite {
    state: AppState,
    host: String,
    row: RemoteAlertRow,
    violations: Vec<String>,
    recipients: Vec<String>,
    relaying: Vec<crate::db::groups::GroupRow>,
    relayed: Option<Value>,
    listed_under: Vec<String>,
    now: DateTime<Utc>,
}

impl AlertWrite {
    /// Stores the alert (if it is new or newer) and relays it through our
    /// groups; true when there is something to send.
    async fn run(&self, conn: &mut sqlx::AnyConnection) -> Result<bool> {
        let row = RemoteAlertRow {
            local_id: new_id(),
            ..self.row.clone()
        };
        // Decided in the write's transaction: no other delivery of this alert
        // can come between the check of its author and the write.
        let upserted = remote_alerts::upsert(conn, &row, &self.violations, &self.recipients).await?;
        if upserted == Upserted::OtherAuthor {
            return Err(Error::Forbidden("only the alert's author may change it".into()));
        }
        let written = upserted == Upserted::Stored;
        if written && let Some(relayed) = &self.relayed {
            for group in &self.relaying {
                super::groups::relay(
                    conn,
                    &self.state,
                    group,
                    relayed,
                    &[self.host.as_str()],
                    &row.id,
                    self.now,
                )
                .await?;
            }
        }
        for group_id in &self.listed_under {
            crate::db::groups::record_group_alert(conn, group_id, &row.id, to_millis(self.now)).await?;
        }
        Ok(written && self.relayed.is_some())
    }
}

/// Delete of an Alert: purge it, keep a tombstone. Only its author may. A
/// withdrawal is final; a loss of audience (`removal: out_of_audience`) is
/// not: it takes the alert away from the organisations of ours the `Delete`
/// names (a restricted alert), or from the whole node, until the origin sends
/// it again (see `remote_alerts::upsert`).
async fn on_delete(state: &AppState, data: &Data<AppState>, activity: &Incoming, host: &str) -> Result<()> {
    let Some(target) = object_id(&activity.raw["object"]) else {
        return Err(Error::BadRequest("Delete without object".into()));
    };
    let removal = wire::Removal::of(&activity.raw["object"]);
    let removed_version = activity.raw["object"]["version"].as_i64().unwrap_or(0);
    let removal_name = match removal {
        wire::Removal::Withdrawn => remote_alerts::WITHDRAWN,
        wire::Removal::OutOfAudience => remote_alerts::OUT_OF_AUDIENCE,
    };
    let Some(existing) = remote_alerts::find_by_id(&state.db, target.as_str()).await? else {
        // An alert we never got (its Create may come later, out of order, or
        // be replayed): keep a tombstone so that it can never appear here.
        // Anything else (an actor deleting itself, say) is not ours to record.
        let is_alert = activity.raw["object"].get("formerType").and_then(|t| t.as_str()) == Some("Alert");
        if is_alert && peers::host_of(&target).as_deref() == Some(host) {
            integrity::verify_by(state, data, &activity.raw, &activity.actor).await?;
            let now = state.clock.now();
            let tombstone = wire::tombstone(&target, now).to_string();
            let _turn = state.db.write_turn().await;
            let mut tx = state.db.pool.begin().await?;
            remote_alerts::insert_tombstone(
                &mut tx,
                target.as_str(),
                &new_id(),
                host,
                activity.actor.as_str(),
                &tombstone,
                removal_name,
                removed_version,
                to_millis(now),
            )
            .await?;
            mark_received(&mut tx, activity, now).await?;
            tx.commit().await?;
        }
        return Ok(());
    };
    if existing.origin_host != host || existing.attributed_to != activity.actor.as_str() {
        return Err(Error::Forbidden("only the alert's author may withdraw it".into()));
    }
    integrity::verify_by(state, data, &activity.raw, &activity.actor).await?;
    let now = state.clock.now();
    let tombstone = wire::tombstone(&target, now).to_string();
    if removal == wire::Removal::OutOfAudience {
        // The organisations of ours it names lose a restricted alert; a
        // `Delete` that names none is for the whole node.
        let mut named = Vec::new();
        for to in activity.raw["to"].as_array().into_iter().flatten() {
            if let Some(slug) = to
                .as_str()
                .and_then(|t| Url::parse(t).ok())
                .and_then(|u| urls::local_org_slug(&state.config, &u))
                && let Some(org) = crate::db::accounts::find_org_by_slug(&state.db, &slug).await?
            {
                named.push(org.id);
            }
        }
        let _turn = state.db.write_turn().await;
        let mut tx = state.db.pool.begin().await?;
        if !named.is_empty() {
            remote_alerts::remove_recipients(
                &mut tx,
                target.as_str(),
                &named,
                &tombstone,
                removed_version,
                to_millis(now),
            )
            .await?;
        } else if remote_alerts::live_sharing(&mut tx, target.as_str()).await?.as_deref() != Some("restricted") {
            // A restricted alert is taken from each named organisation by a
            // `Delete` naming it (its node, as such, never had it).
            remote_alerts::purge(
                &mut tx,
                target.as_str(),
                &tombstone,
                remote_alerts::OUT_OF_AUDIENCE,
                removed_version,
                to_millis(now),
            )
            .await?;
        }
        // Never relayed: the alert is still for the others that got it.
        mark_received(&mut tx, activity, now).await?;
        tx.commit().await?;
        return Ok(());
    }
    // Our groups that relayed the alert relay its withdrawal.
    let relaying = super::groups::hosted_groups_of_alert(state, target.as_str()).await?;
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    let purged = remote_alerts::purge(
        &mut tx,
        target.as_str(),
        &tombstone,
        remote_alerts::WITHDRAWN,
        removed_version,
        to_millis(now),
    )
    .await?;
    // Relayed once, when it takes effect: a repeated Delete goes nowhere (and
    // two groups relaying to each other cannot loop).
    for group in relaying.iter().filter(|_| purged) {
        super::groups::relay(&mut tx, state, group, &activity.raw, &[host], target.as_str(), now).await?;
    }
    mark_received(&mut tx, activity, now).await?;
    tx.commit().await?;
    if purged {
        // The purged text must not live on in the WAL.
        state.db.scrub_purged().await;
    }
    state.deliveries.notify_one();
    Ok(())
}

/// Parses an actor document as this node reads other servers' actors.
pub fn parse_actor_document(document: &Value) -> Result<super::actors::ActorDocument> {
    if let Some(field) = crate::domain::find_nul(document) {
        return Err(Error::BadRequest(format!(
            "the actor document's `{field}` {}",
            crate::domain::NUL_MESSAGE
        )));
    }
    serde_json::from_value(document.clone()).map_err(|e| Error::BadRequest(format!("not an actor document: {e}")))
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

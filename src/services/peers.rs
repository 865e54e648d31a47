//! Other nodes and how far this one trusts them. Allowlist by default: a node
//! that is not `connected` or `trusted` may only ask to federate.

use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::clock::{from_millis, to_millis};
use crate::db::{self, audit, followers, new_id};
use crate::domain::FieldErrors;
use crate::domain::vocab::{TheirAnswer, Trust};
use crate::error::{Error, Result};
use crate::federation::actors::{INSTANCE_REF, LocalActor, RemoteActor};
use crate::federation::outbox::{self, Outgoing};
use crate::federation::urls::{self, host_of, normalise_host};
use crate::federation::wire;
use crate::services::accounts::Staff;
use crate::state::AppState;

pub use crate::db::peers::PeerRow;

/// Another node and this node's trust in it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Peer)]
pub struct PeerView {
    pub host: String,
    pub trust: Trust,
    /// Its actor id, once known.
    #[schema(required = true)]
    pub actor: Option<String>,
    /// Their answer to our request to federate.
    pub their_answer: TheirAnswer,
    /// They asked us to federate and await an admin's decision.
    pub awaiting_decision: bool,
    pub pending_followers: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn find(state: &AppState, host: &str) -> Result<Option<PeerRow>> {
    Ok(db::peers::find(&state.db.pool, host).await?)
}

/// This node's decision about a host; unknown hosts are `None`.
pub async fn trust_of(state: &AppState, host: &str) -> Result<Option<Trust>> {
    Ok(db::peers::trust_of(&state.db.pool, host).await?)
}

/// Peers at one of these levels.
pub async fn with_trust(state: &AppState, levels: &[Trust]) -> Result<Vec<PeerRow>> {
    let all = db::peers::all(&state.db.pool).await?;
    Ok(all.into_iter().filter(|p| levels.contains(&p.trust)).collect())
}

pub async fn list(state: &AppState) -> Result<Vec<PeerView>> {
    let rows = db::peers::all(&state.db.pool).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        let pending = followers::count_pending_from(&state.db.pool, &row.host).await?;
        views.push(view(row, pending));
    }
    Ok(views)
}

fn view(row: PeerRow, pending_followers: i64) -> PeerView {
    PeerView {
        awaiting_decision: row.trust == Trust::Pending && (row.their_follow.is_some() || pending_followers > 0),
        host: row.host,
        trust: row.trust,
        actor: row.actor_id,
        their_answer: row.their_answer,
        pending_followers,
        created_at: from_millis(row.created_at),
        updated_at: from_millis(row.updated_at),
    }
}

pub async fn get(state: &AppState, host: &str) -> Result<PeerView> {
    let host = normalise_host(host).ok_or_else(|| Error::from(FieldErrors::single("host", "not a host name")))?;
    let row = find(state, &host).await?.ok_or(Error::NotFound("peer"))?;
    let pending = followers::count_pending_from(&state.db.pool, &row.host).await?;
    Ok(view(row, pending))
}

/// Asks another node to federate: fetches its instance actor (refusing
/// loopback and private addresses outside development mode), records it at
/// `trust`, and sends a Follow between instance actors.
pub async fn add(state: &AppState, url: &str, trust: Trust, by: Option<&Staff>) -> Result<PeerView> {
    let base = Url::parse(url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| {
            Error::from(FieldErrors::single(
                "url",
                "the other node's address, such as https://node.example",
            ))
        })?;
    if !state.config.dev_mode && base.scheme() != "https" {
        return Err(FieldErrors::single(
            "url",
            "other nodes are reached over https (plain http only in development mode)",
        )
        .into());
    }
    let host = host_of(&base).ok_or_else(|| Error::from(FieldErrors::single("url", "no host")))?;
    if host == state.config.domain {
        return Err(FieldErrors::single("url", "that is this node").into());
    }
    if trust == Trust::Pending {
        return Err(FieldErrors::single("trust", "choose connected, trusted or blocked").into());
    }
    let data = crate::federation::data(state).await?;
    let actor_url = base.join("/actor").map_err(|e| Error::BadRequest(e.to_string()))?;
    let their_actor: RemoteActor = if trust == Trust::Blocked {
        // Blocking needs nothing from the other node.
        return set(state, &host, Trust::Blocked, by).await;
    } else {
        ObjectId::<RemoteActor>::from(actor_url).dereference(&data).await?
    };
    let now = state.clock.now();
    let instance = LocalActor::instance(state).await?;
    let follow_id = urls::activity(&state.config, &new_id());
    let follow = wire::to_value(&wire::Follow::new(
        follow_id.clone(),
        instance.id.clone(),
        their_actor.id.0.clone(),
    ));
    let inbox = their_actor.delivery_inbox()?;

    let mut tx = state.db.pool.begin().await?;
    db::peers::upsert_requested(
        &mut *tx,
        &host,
        trust,
        their_actor.id.0.as_str(),
        inbox.as_str(),
        follow_id.as_str(),
        to_millis(now),
    )
    .await?;
    outbox::enqueue(
        &mut tx,
        &Outgoing {
            id: follow_id.clone(),
            actor_ref: INSTANCE_REF.into(),
            kind: "Follow".into(),
            object_id: None,
            body: follow,
            inboxes: vec![(inbox, host.clone())],
        },
        now,
    )
    .await?;
    answer_pending_in(state, &mut tx, &host, trust, now).await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        by.map(|s| s.user_id.as_str()),
        None,
        "peer.add",
        &host,
        trust.as_str(),
    )
    .await?;
    tx.commit().await?;
    crate::services::alert_delivery::reconcile_host(state, &host).await?;
    get(state, &host).await
}

/// Sets this node's trust in a host, answering any Follow that waited for it.
pub async fn set(state: &AppState, host: &str, trust: Trust, by: Option<&Staff>) -> Result<PeerView> {
    let host = normalise_host(host).ok_or_else(|| Error::from(FieldErrors::single("host", "not a host name")))?;
    if trust == Trust::Pending {
        return Err(FieldErrors::single("trust", "choose connected, trusted or blocked").into());
    }
    let now = state.clock.now();
    let before = find(state, &host).await?;
    let mut tx = state.db.pool.begin().await?;
    db::peers::upsert_trust(&mut *tx, &host, trust, to_millis(now)).await?;
    // What was queued under the old decision is re-planned under the new one.
    db::outbox::cancel_pending_alerts_to(&mut *tx, &host).await?;
    answer_pending_in(state, &mut tx, &host, trust, now).await?;
    let from = before.map_or("unknown", |p| p.trust.as_str());
    audit::record(
        &mut *tx,
        to_millis(now),
        by.map(|s| s.user_id.as_str()),
        None,
        "peer.trust",
        &host,
        &format!("{from} -> {trust}"),
    )
    .await?;
    tx.commit().await?;
    crate::services::alert_delivery::reconcile_host(state, &host).await?;
    get(state, &host).await
}

/// Answers the Follows from `host` that waited for a decision: Accept when it
/// is connected or trusted, Reject when blocked.
pub(crate) async fn answer_pending_in(
    state: &AppState,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    host: &str,
    trust: Trust,
    now: DateTime<Utc>,
) -> Result<()> {
    let kind = match trust {
        Trust::Connected | Trust::Trusted => wire::AnswerType::Accept,
        Trust::Blocked => wire::AnswerType::Reject,
        Trust::Pending => return Ok(()),
    };
    let peer = db::peers::find(&mut **tx, host).await?;
    if let Some(peer) = peer
        && let Some(follow_text) = &peer.their_follow
    {
        let follow: Value = serde_json::from_str(follow_text).map_err(anyhow::Error::from)?;
        let inbox = peer_inbox(&peer)?;
        let instance_id = urls::instance_actor(&state.config);
        let id = urls::activity(&state.config, &new_id());
        outbox::enqueue(
            tx,
            &Outgoing {
                body: wire::to_value(&wire::Answer {
                    context: wire::ActivityStreamsContext,
                    id: id.clone(),
                    kind,
                    actor: instance_id.clone(),
                    object: follow,
                }),
                id,
                actor_ref: INSTANCE_REF.into(),
                kind: kind.as_str().into(),
                object_id: None,
                inboxes: vec![(inbox, host.to_string())],
            },
            now,
        )
        .await?;
        db::peers::clear_their_follow(&mut **tx, host).await?;
    }
    let pending = followers::pending_from(&mut **tx, host).await?;
    for follower in pending {
        // Read through the transaction's own connection: waiting for another
        // pooled connection here could wait on writers that wait on us.
        let org = db::accounts::org_slug(&mut **tx, &follower.org_id).await?;
        let org_slug = org.ok_or(Error::NotFound("organisation"))?;
        let inbox = db::actors::remote_inbox(&mut **tx, &follower.actor_id).await?;
        let Some(inbox) = inbox.and_then(|i| Url::parse(&i).ok()) else {
            continue;
        };
        let id = urls::activity(&state.config, &new_id());
        let follow: Value = serde_json::from_str(&follower.follow).map_err(anyhow::Error::from)?;
        outbox::enqueue(
            tx,
            &Outgoing {
                body: wire::to_value(&wire::Answer {
                    context: wire::ActivityStreamsContext,
                    id: id.clone(),
                    kind,
                    actor: urls::org_actor(&state.config, &org_slug),
                    object: follow,
                }),
                id,
                actor_ref: follower.org_id.clone(),
                kind: kind.as_str().into(),
                object_id: None,
                inboxes: vec![(inbox, host.to_string())],
            },
            now,
        )
        .await?;
        let state_name = match kind {
            wire::AnswerType::Accept => "accepted",
            wire::AnswerType::Reject => "rejected",
        };
        followers::set_state(&mut **tx, &follower.org_id, &follower.actor_id, state_name).await?;
    }
    Ok(())
}

/// Where a peer node receives activities.
pub fn peer_inbox(peer: &PeerRow) -> Result<Url> {
    let text = peer
        .shared_inbox
        .as_deref()
        .ok_or_else(|| Error::Conflict(format!("no inbox known for {}", peer.host)))?;
    Url::parse(text).map_err(|e| Error::Internal(e.into()))
}

/// Sends `Update` of an organisation's actor (after a key rotation, say) to
/// every node that federates with this one and to its accepted followers.
pub async fn announce_actor_update(state: &AppState, org: crate::db::accounts::OrgRow) -> Result<()> {
    let now = state.clock.now();
    let actor = LocalActor::org(state, org).await?;
    let document = actor.document(state).await?;
    let mut inboxes = Vec::new();
    for peer in with_trust(state, &[Trust::Connected, Trust::Trusted]).await? {
        if peer.shared_inbox.is_some() {
            inboxes.push((peer_inbox(&peer)?, peer.host.clone()));
        }
    }
    let followers = followers::accepted_of(&state.db.pool, &actor.actor_ref).await?;
    for (actor_id, host) in followers {
        if let Some(follower) = crate::federation::actors::find_remote_actor(state, &actor_id).await? {
            inboxes.push((follower.delivery_inbox()?, host));
        }
    }
    let id = urls::activity(&state.config, &new_id());
    let body = wire::to_value(&wire::ActorUpdate {
        context: wire::ActorUpdateContext,
        id: id.clone(),
        kind: wire::UpdateType,
        actor: actor.id.clone(),
        object: document,
        to: vec![url::Url::parse(urls::AS_PUBLIC).expect("constant")],
    });
    let mut tx = state.db.pool.begin().await?;
    outbox::enqueue(
        &mut tx,
        &Outgoing {
            id,
            actor_ref: actor.actor_ref.clone(),
            kind: "Update".into(),
            object_id: None,
            body,
            inboxes,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    state.deliveries.notify_one();
    Ok(())
}

//! Other nodes and how far this one trusts them. Allowlist by default: a node
//! that is not `connected` or `trusted` may only ask to federate.

use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use super::actors::{INSTANCE_REF, LocalActor, RemoteActor};
use super::outbox::{self, Outgoing};
use super::{urls, wire};
use crate::accounts::Staff;
use crate::clock::{from_millis, to_millis};
use crate::db::{audit, new_id};
use crate::domain::FieldErrors;
use crate::domain::vocab::Trust;
use crate::error::{Error, Result};
use crate::server::AppState;

/// `host[:port]` as one decision is made for it: lower case, punycode for
/// international names, no trailing dot, no default port.
pub fn host_of(url: &Url) -> Option<String> {
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Whether an inbox is on `host`. A delivery is filed, retried and allowed by
/// its host, so an inbox elsewhere (an actor naming another server's inbox as
/// its own) must never be filed under it.
pub fn inbox_is_on(inbox: &Url, host: &str) -> bool {
    host_of(inbox).as_deref() == Some(host)
}

/// Normalises a host or URL typed by a person or found in a document.
pub fn normalise_host(input: &str) -> Option<String> {
    let input = input.trim();
    let url = if input.contains("://") {
        Url::parse(input).ok()?
    } else {
        Url::parse(&format!("https://{input}")).ok()?
    };
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    host_of(&url)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PeerRow {
    pub host: String,
    pub trust: String,
    pub actor_id: Option<String>,
    pub shared_inbox: Option<String>,
    pub their_answer: String,
    pub our_follow_id: Option<String>,
    pub their_follow: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeerView {
    pub host: String,
    pub trust: String,
    pub actor: Option<String>,
    /// Their answer to our request to federate: none, requested, accepted, rejected.
    pub their_answer: String,
    /// They asked us to federate and await an admin's decision.
    pub awaiting_decision: bool,
    pub pending_followers: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const PEER_COLUMNS: &str =
    "host, trust, actor_id, shared_inbox, their_answer, our_follow_id, their_follow, created_at, updated_at";

pub async fn find(state: &AppState, host: &str) -> Result<Option<PeerRow>> {
    Ok(
        sqlx::query_as(&format!("SELECT {PEER_COLUMNS} FROM peers WHERE host = $1"))
            .bind(host)
            .fetch_optional(&state.db.pool)
            .await?,
    )
}

/// This node's decision about a host; unknown hosts are `None`.
pub async fn trust_of(state: &AppState, host: &str) -> Result<Option<Trust>> {
    Ok(find(state, host).await?.and_then(|p| p.trust.parse().ok()))
}

/// Peers at one of these levels.
pub async fn with_trust(state: &AppState, levels: &[Trust]) -> Result<Vec<PeerRow>> {
    let all: Vec<PeerRow> = sqlx::query_as(&format!("SELECT {PEER_COLUMNS} FROM peers ORDER BY host"))
        .fetch_all(&state.db.pool)
        .await?;
    Ok(all
        .into_iter()
        .filter(|p| p.trust.parse::<Trust>().is_ok_and(|t| levels.contains(&t)))
        .collect())
}

pub async fn list(state: &AppState) -> Result<Vec<PeerView>> {
    let rows: Vec<PeerRow> = sqlx::query_as(&format!("SELECT {PEER_COLUMNS} FROM peers ORDER BY host"))
        .fetch_all(&state.db.pool)
        .await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        let (pending,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM followers WHERE host = $1 AND state = 'pending'")
            .bind(&row.host)
            .fetch_one(&state.db.pool)
            .await?;
        views.push(view(row, pending));
    }
    Ok(views)
}

fn view(row: PeerRow, pending_followers: i64) -> PeerView {
    PeerView {
        awaiting_decision: row.trust == "pending" && (row.their_follow.is_some() || pending_followers > 0),
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
    let (pending,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM followers WHERE host = $1 AND state = 'pending'")
        .bind(&row.host)
        .fetch_one(&state.db.pool)
        .await?;
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
    let data = super::data(state).await?;
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
    let follow = wire::follow(&follow_id, &instance.id, &their_actor.id.0);
    let inbox = their_actor.delivery_inbox()?;

    let mut tx = state.db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO peers (host, trust, actor_id, shared_inbox, their_answer, our_follow_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'requested', $5, $6, $6) \
         ON CONFLICT (host) DO UPDATE SET trust = $2, actor_id = $3, shared_inbox = $4, their_answer = 'requested', \
         our_follow_id = $5, updated_at = $6",
    )
    .bind(&host)
    .bind(trust.as_str())
    .bind(their_actor.id.0.as_str())
    .bind(inbox.as_str())
    .bind(follow_id.as_str())
    .bind(to_millis(now))
    .execute(&mut *tx)
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
    super::alert_delivery::reconcile_host(state, &host).await?;
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
    sqlx::query(
        "INSERT INTO peers (host, trust, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (host) DO UPDATE SET trust = $2, updated_at = $3",
    )
    .bind(&host)
    .bind(trust.as_str())
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await?;
    // What was queued under the old decision is re-planned under the new one.
    sqlx::query(
        "UPDATE outbox_deliveries SET state = 'failed', last_error = 'cancelled: this node changed its trust in the peer' \
         WHERE host = $1 AND state = 'pending' AND activity_id IN \
         (SELECT id FROM outbox_activities WHERE kind IN ('Create', 'Update'))",
    )
    .bind(&host)
    .execute(&mut *tx)
    .await?;
    answer_pending_in(state, &mut tx, &host, trust, now).await?;
    let from = before.map(|p| p.trust).unwrap_or_else(|| "unknown".into());
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
    super::alert_delivery::reconcile_host(state, &host).await?;
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
        Trust::Connected | Trust::Trusted => "Accept",
        Trust::Blocked => "Reject",
        Trust::Pending => return Ok(()),
    };
    let peer: Option<PeerRow> = sqlx::query_as(&format!("SELECT {PEER_COLUMNS} FROM peers WHERE host = $1"))
        .bind(host)
        .fetch_optional(&mut **tx)
        .await?;
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
                body: wire::answer(kind, &id, &instance_id, follow),
                id,
                actor_ref: INSTANCE_REF.into(),
                kind: kind.into(),
                object_id: None,
                inboxes: vec![(inbox, host.to_string())],
            },
            now,
        )
        .await?;
        sqlx::query("UPDATE peers SET their_follow = NULL WHERE host = $1")
            .bind(host)
            .execute(&mut **tx)
            .await?;
    }
    #[derive(sqlx::FromRow)]
    struct PendingFollower {
        org_id: String,
        actor_id: String,
        follow: String,
    }
    let pending: Vec<PendingFollower> =
        sqlx::query_as("SELECT org_id, actor_id, follow FROM followers WHERE host = $1 AND state = 'pending'")
            .bind(host)
            .fetch_all(&mut **tx)
            .await?;
    for follower in pending {
        // Read through the transaction's own connection: waiting for another
        // pooled connection here could wait on writers that wait on us.
        let org: Option<(String,)> = sqlx::query_as("SELECT slug FROM organisations WHERE id = $1")
            .bind(&follower.org_id)
            .fetch_optional(&mut **tx)
            .await?;
        let org_slug = org.ok_or(Error::NotFound("organisation"))?.0;
        let inbox: Option<(String,)> = sqlx::query_as("SELECT inbox FROM remote_actors WHERE id = $1")
            .bind(&follower.actor_id)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(inbox) = inbox.and_then(|(i,)| Url::parse(&i).ok()) else {
            continue;
        };
        let id = urls::activity(&state.config, &new_id());
        let follow: Value = serde_json::from_str(&follower.follow).map_err(anyhow::Error::from)?;
        outbox::enqueue(
            tx,
            &Outgoing {
                body: wire::answer(kind, &id, &urls::org_actor(&state.config, &org_slug), follow),
                id,
                actor_ref: follower.org_id.clone(),
                kind: kind.into(),
                object_id: None,
                inboxes: vec![(inbox, host.to_string())],
            },
            now,
        )
        .await?;
        sqlx::query("UPDATE followers SET state = $3 WHERE org_id = $1 AND actor_id = $2")
            .bind(&follower.org_id)
            .bind(&follower.actor_id)
            .bind(if kind == "Accept" { "accepted" } else { "rejected" })
            .execute(&mut **tx)
            .await?;
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
    let followers: Vec<(String, String)> =
        sqlx::query_as("SELECT actor_id, host FROM followers WHERE org_id = $1 AND state = 'accepted'")
            .bind(&actor.actor_ref)
            .fetch_all(&state.db.pool)
            .await?;
    for (actor_id, host) in followers {
        if let Some(follower) = super::actors::find_remote_actor(state, &actor_id).await? {
            inboxes.push((follower.delivery_inbox()?, host));
        }
    }
    let id = urls::activity(&state.config, &new_id());
    let body = serde_json::json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/multikey/v1"],
        "id": id,
        "type": "Update",
        "actor": actor.id,
        "object": document,
        "to": [url::Url::parse(urls::AS_PUBLIC).expect("constant")],
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

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
    note_software(state, &host).await;
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
    if trust.federates() {
        note_software(state, &host).await;
    }
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

/// The most of a NodeInfo document this node reads: such a document is a few
/// hundred bytes; anything much larger is not one.
const NODEINFO_LIMIT: usize = 64 * 1024;

/// What software a peer runs, as its NodeInfo said.
#[derive(Debug, Clone, Default)]
pub struct Software {
    pub name: Option<String>,
    pub version: Option<String>,
    /// When it was last read; `None` when never.
    pub checked_at: Option<DateTime<Utc>>,
}

impl From<db::peers::PeerSoftware> for Software {
    fn from(s: db::peers::PeerSoftware) -> Self {
        Software {
            name: s.software_name,
            version: s.software_version,
            checked_at: s.software_checked_at.map(from_millis),
        }
    }
}

/// Where a peer's documents are: the origin of its instance actor when
/// known, else its host over https.
fn peer_base(peer: &PeerRow) -> Option<Url> {
    peer.actor_id
        .as_deref()
        .and_then(|a| Url::parse(a).ok())
        .and_then(|a| a.join("/").ok())
        .or_else(|| Url::parse(&format!("https://{}/", peer.host)).ok())
}

/// Reads a JSON document of at most [`NODEINFO_LIMIT`] bytes through the
/// node's client for other servers (no redirects; outside development mode
/// no loopback or private addresses).
async fn fetch_small_json(state: &AppState, url: &Url) -> std::result::Result<Value, String> {
    let mut response = state
        .http
        .get(url.as_str())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{url} answered {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(&chunk);
        if body.len() > NODEINFO_LIMIT {
            return Err(format!("{url} sent more than a NodeInfo document"));
        }
    }
    serde_json::from_slice(&body).map_err(|e| format!("{url} did not send JSON: {e}"))
}

/// The software name and version a peer's NodeInfo gives: reads
/// `/.well-known/nodeinfo`, then the newest 2.x document it links on the
/// same host.
async fn read_nodeinfo(state: &AppState, peer: &PeerRow) -> std::result::Result<(String, String), String> {
    let base = peer_base(peer).ok_or("no address for the peer")?;
    let well_known = base.join("/.well-known/nodeinfo").map_err(|e| e.to_string())?;
    let links = fetch_small_json(state, &well_known).await?;
    const SCHEMA: &str = "http://nodeinfo.diaspora.software/ns/schema/2.";
    let href = links["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some((
                l["rel"].as_str()?.strip_prefix(SCHEMA)?.to_string(),
                l["href"].as_str()?,
            ))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, href)| href)
        .ok_or("no NodeInfo 2.x document is linked")?;
    let document_url = base.join(href).map_err(|e| e.to_string())?;
    // Only the peer's own document: a link elsewhere says nothing of the peer.
    if host_of(&document_url).as_deref() != Some(peer.host.as_str()) {
        return Err(format!("the NodeInfo link points to another host: {document_url}"));
    }
    let document = fetch_small_json(state, &document_url).await?;
    let text = |v: &Value| v.as_str().map(|s| s.chars().take(100).collect::<String>());
    let name = text(&document["software"]["name"]).ok_or("NodeInfo names no software")?;
    let version = text(&document["software"]["version"]).unwrap_or_default();
    Ok((name, version))
}

/// Reads and records what software a peer runs. A node that does not answer
/// keeps what was known of it; the reason is returned for the operator.
pub async fn check_software(state: &AppState, host: &str) -> Result<std::result::Result<Software, String>> {
    let peer = find(state, host).await?.ok_or(Error::NotFound("peer"))?;
    match read_nodeinfo(state, &peer).await {
        Ok((name, version)) => {
            let now = to_millis(state.clock.now());
            let version = Some(version.as_str()).filter(|v| !v.is_empty());
            db::peers::set_software(&state.db.pool, host, Some(&name), version, now).await?;
            Ok(Ok(software(state, host).await?))
        }
        Err(reason) => {
            tracing::info!(%host, %reason, "cannot read the peer's NodeInfo");
            Ok(Err(reason))
        }
    }
}

/// The operator asking again what software a peer runs (audited).
pub async fn recheck_software(
    state: &AppState,
    host: &str,
    by: &Staff,
) -> Result<std::result::Result<Software, String>> {
    by.require_operator("decide which nodes this one federates with")?;
    let host = normalise_host(host).ok_or_else(|| Error::from(FieldErrors::single("host", "not a host name")))?;
    let found = check_software(state, &host).await?;
    let outcome = match &found {
        Ok(s) => format!(
            "{} {}",
            s.name.as_deref().unwrap_or(""),
            s.version.as_deref().unwrap_or("")
        ),
        Err(reason) => reason.clone(),
    };
    audit::record(
        &state.db.pool,
        to_millis(state.clock.now()),
        Some(by.user_id.as_str()),
        None,
        "peer.software_check",
        &host,
        outcome.trim(),
    )
    .await?;
    Ok(found)
}

pub async fn software(state: &AppState, host: &str) -> Result<Software> {
    Ok(db::peers::software_of(&state.db.pool, host).await?.into())
}

/// Best effort after a peer was added or approved: what its NodeInfo says
/// is shown to operators, but a node that does not serve it federates all
/// the same.
async fn note_software(state: &AppState, host: &str) {
    if let Err(err) = check_software(state, host).await {
        tracing::warn!(%host, error = %err, "cannot record the peer's software");
    }
}

/// One of this node's alerts, as a change of trust concerns it.
#[derive(Debug, Clone)]
pub struct AffectedAlert {
    pub id: String,
    pub number: String,
    pub title: crate::domain::LangMap,
    pub audience: crate::domain::vocab::Audience,
}

/// What setting a peer at a level would do, said before it is done.
#[derive(Debug, Clone)]
pub struct TrustChange {
    pub host: String,
    /// The level now (`None`: a host this node does not know yet).
    pub from: Option<Trust>,
    pub to: Trust,
    /// Alerts it does not have and would be sent.
    pub sent: Vec<AffectedAlert>,
    /// Alerts it has and would be withdrawn from it.
    pub withdrawn: Vec<AffectedAlert>,
    /// Alerts it has and keeps (and whose later changes it gets).
    pub kept: usize,
    /// Its request to federate, answered by this change (Accept, or Reject
    /// when blocked).
    pub answers_its_request: bool,
    /// Its actors' follows of our organisations that this answers.
    pub followers_answered: i64,
}

/// Whether an alert with `audience` goes to `host` when this node sets it at
/// `trust`: the rules [`crate::services::alert_delivery::plan`] follows
/// (nothing to a node that does not federate; trusted alerts only to trusted
/// nodes; restricted ones only where an organisation named on them lives;
/// node-only alerts nowhere), for a peer whose inbox is known or not.
pub fn alert_goes_to(
    trust: Trust,
    audience: crate::domain::vocab::Audience,
    restricted_to: &[String],
    host: &str,
    inbox_known: bool,
) -> bool {
    use crate::domain::vocab::Audience;
    match audience {
        Audience::Node => false,
        Audience::Public | Audience::Network => trust.federates() && inbox_known,
        Audience::Trusted => trust == Trust::Trusted && inbox_known,
        Audience::Restricted => {
            trust.federates()
                && restricted_to
                    .iter()
                    .filter_map(|named| Url::parse(named).ok())
                    .any(|url| host_of(&url).as_deref() == Some(host))
        }
    }
}

/// What setting `host` at `to` would send to it and withdraw from it, among
/// this node's published alerts (the node's operator).
pub async fn trust_change(state: &AppState, staff: &Staff, host: &str, to: Trust) -> Result<TrustChange> {
    staff.require_operator("decide which nodes this one federates with")?;
    let host = normalise_host(host).ok_or_else(|| Error::from(FieldErrors::single("host", "not a host name")))?;
    if to == Trust::Pending {
        return Err(FieldErrors::single("trust", "choose connected, trusted or blocked").into());
    }
    let peer = find(state, &host).await?;
    let pool = &state.db.pool;
    let held = db::peers::alerts_held_by(pool, &host).await?;
    let inbox_known = peer.as_ref().is_some_and(|p| p.shared_inbox.is_some());
    let mut change = TrustChange {
        from: peer.as_ref().map(|p| p.trust),
        to,
        sent: Vec::new(),
        withdrawn: Vec::new(),
        kept: 0,
        answers_its_request: peer.as_ref().is_some_and(|p| p.their_follow.is_some()),
        followers_answered: followers::count_pending_from(pool, &host).await?,
        host: host.clone(),
    };
    for id in db::alerts::federated_ids(pool).await? {
        let Some(stored) = db::alerts::get(&state.db, &id).await? else {
            continue;
        };
        let (draft, row) = crate::services::alerts::federation_view(&stored)?;
        let has = held.contains(&id);
        let will = alert_goes_to(to, draft.audience, &draft.restricted_to, &host, inbox_known);
        let affected = || AffectedAlert {
            id: row.id.clone(),
            number: row.number.clone(),
            title: draft.content.title.clone(),
            audience: draft.audience,
        };
        match (has, will) {
            (false, true) => change.sent.push(affected()),
            (true, false) => change.withdrawn.push(affected()),
            (true, true) => change.kept += 1,
            (false, false) => {}
        }
    }
    Ok(change)
}

/// A peer as its page shows it: the decision, what it runs, whom of it this
/// node has heard from, and when.
#[derive(Debug, Clone)]
pub struct PeerDetail {
    pub peer: PeerView,
    pub software: Software,
    /// When this node last received an activity from it.
    pub last_heard: Option<DateTime<Utc>>,
    /// Its actors this node has fetched: (id, kind, name).
    pub actors: Vec<(String, String, Option<String>)>,
    /// Its actors waiting for the decision to follow our organisations.
    pub waiting_followers: Vec<WaitingFollower>,
    /// How many of this node's alerts it has.
    pub alerts_held: usize,
}

/// An actor of another server asking to follow one of our organisations,
/// waiting for the decision about its server.
#[derive(Debug, Clone)]
pub struct WaitingFollower {
    pub actor: String,
    pub host: String,
    pub org_slug: String,
    pub since: DateTime<Utc>,
}

/// Every follower waiting for a decision about its server (the node's operator).
pub async fn waiting_followers(state: &AppState, staff: &Staff) -> Result<Vec<WaitingFollower>> {
    staff.require_operator("decide which nodes this one federates with")?;
    Ok(db::peers::pending_followers(&state.db.pool)
        .await?
        .into_iter()
        .map(|(actor, host, org_slug, since)| WaitingFollower {
            actor,
            host,
            org_slug,
            since: from_millis(since),
        })
        .collect())
}

/// One peer with everything its page shows (the node's operator).
pub async fn detail(state: &AppState, staff: &Staff, host: &str) -> Result<PeerDetail> {
    staff.require_operator("decide which nodes this one federates with")?;
    let peer = get(state, host).await?;
    let pool = &state.db.pool;
    let waiting_followers = waiting_followers(state, staff)
        .await?
        .into_iter()
        .filter(|f| f.host == peer.host)
        .collect();
    Ok(PeerDetail {
        software: software(state, &peer.host).await?,
        last_heard: db::peers::last_heard_from(pool, &peer.host).await?.map(from_millis),
        actors: db::peers::actors_of_host(pool, &peer.host).await?,
        alerts_held: db::peers::alerts_held_by(pool, &peer.host).await?.len(),
        waiting_followers,
        peer,
    })
}

/// Every peer with what the peers page shows of it, those awaiting a
/// decision first (the node's operator).
pub async fn overview(state: &AppState, staff: &Staff) -> Result<Vec<(PeerView, Software, Option<DateTime<Utc>>)>> {
    staff.require_operator("decide which nodes this one federates with")?;
    let mut rows = Vec::new();
    for peer in list(state).await? {
        let software = software(state, &peer.host).await?;
        let heard = db::peers::last_heard_from(&state.db.pool, &peer.host)
            .await?
            .map(from_millis);
        rows.push((peer, software, heard));
    }
    rows.sort_by_key(|(p, _, _)| !p.awaiting_decision);
    Ok(rows)
}

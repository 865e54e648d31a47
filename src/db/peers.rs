//! Other nodes and this node's decision about each.

use sqlx::{Any, Executor, FromRow};

use crate::domain::vocab::{TheirAnswer, Trust};

#[derive(Debug, Clone, FromRow)]
pub struct PeerRow {
    pub host: String,
    #[sqlx(try_from = "String")]
    pub trust: Trust,
    pub actor_id: Option<String>,
    pub shared_inbox: Option<String>,
    #[sqlx(try_from = "String")]
    pub their_answer: TheirAnswer,
    pub our_follow_id: Option<String>,
    pub their_follow: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const PEER_COLUMNS: &str =
    "host, trust, actor_id, shared_inbox, their_answer, our_follow_id, their_follow, created_at, updated_at";

pub async fn find<'e>(ex: impl Executor<'e, Database = Any>, host: &str) -> sqlx::Result<Option<PeerRow>> {
    sqlx::query_as(&format!("SELECT {PEER_COLUMNS} FROM peers WHERE host = $1"))
        .bind(host)
        .fetch_optional(ex)
        .await
}

/// Every peer, by host.
pub async fn all<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<PeerRow>> {
    sqlx::query_as(&format!("SELECT {PEER_COLUMNS} FROM peers ORDER BY host"))
        .fetch_all(ex)
        .await
}

/// Records a peer we asked to federate (with our Follow's id), at `trust`.
pub async fn upsert_requested<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    trust: Trust,
    actor_id: &str,
    shared_inbox: &str,
    our_follow_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO peers (host, trust, actor_id, shared_inbox, their_answer, our_follow_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'requested', $5, $6, $6) \
         ON CONFLICT (host) DO UPDATE SET trust = $2, actor_id = $3, shared_inbox = $4, their_answer = 'requested', \
         our_follow_id = $5, updated_at = $6",
    )
    .bind(host)
    .bind(trust.as_str())
    .bind(actor_id)
    .bind(shared_inbox)
    .bind(our_follow_id)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// Sets this node's trust in a host, recording the host if it is new.
pub async fn upsert_trust<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    trust: Trust,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO peers (host, trust, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (host) DO UPDATE SET trust = $2, updated_at = $3",
    )
    .bind(host)
    .bind(trust.as_str())
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// Forgets the peer's Follow of this node once it has been answered.
pub async fn clear_their_follow<'e>(ex: impl Executor<'e, Database = Any>, host: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE peers SET their_follow = NULL WHERE host = $1")
        .bind(host)
        .execute(ex)
        .await?;
    Ok(())
}

/// Records a host that asked to federate as `pending`, unless it is known.
pub async fn insert_pending_if_absent<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO peers (host, trust, created_at, updated_at) VALUES ($1, 'pending', $2, $2) ON CONFLICT (host) DO NOTHING",
    )
    .bind(host)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// Keeps a peer's Follow of this node (with its actor and inbox) until answered.
pub async fn record_their_follow<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    actor_id: &str,
    shared_inbox: &str,
    follow: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE peers SET actor_id = $2, shared_inbox = $3, their_follow = $4, updated_at = $5 WHERE host = $1",
    )
    .bind(host)
    .bind(actor_id)
    .bind(shared_inbox)
    .bind(follow)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// Records the peer's answer (accepted, rejected) to our request to federate.
pub async fn set_their_answer<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    answer: TheirAnswer,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE peers SET their_answer = $2, updated_at = $3 WHERE host = $1")
        .bind(host)
        .bind(answer.as_str())
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

/// Forgets the peer's Follow when that actor of it undoes it.
pub async fn clear_their_follow_by<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    actor_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE peers SET their_follow = NULL WHERE host = $1 AND actor_id = $2")
        .bind(host)
        .bind(actor_id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn count_connected_or_trusted<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM peers WHERE trust IN ('connected', 'trusted')")
        .fetch_one(ex)
        .await?;
    Ok(n)
}

pub async fn count_trusted<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM peers WHERE trust = 'trusted'")
        .fetch_one(ex)
        .await?;
    Ok(n)
}

/// This node's decision about a host; unknown hosts (and unreadable rows) are `None`.
pub async fn trust_of<'e>(ex: impl Executor<'e, Database = Any>, host: &str) -> sqlx::Result<Option<Trust>> {
    Ok(find(ex, host).await?.map(|p| p.trust))
}

/// What software a peer runs, as its NodeInfo said, and when that was read.
#[derive(Debug, Clone, Default, FromRow)]
pub struct PeerSoftware {
    pub software_name: Option<String>,
    pub software_version: Option<String>,
    pub software_checked_at: Option<i64>,
}

pub async fn software_of<'e>(ex: impl Executor<'e, Database = Any>, host: &str) -> sqlx::Result<PeerSoftware> {
    let found: Option<PeerSoftware> =
        sqlx::query_as("SELECT software_name, software_version, software_checked_at FROM peers WHERE host = $1")
            .bind(host)
            .fetch_optional(ex)
            .await?;
    Ok(found.unwrap_or_default())
}

/// Records what NodeInfo said of a peer's software (`None`s when it said nothing).
pub async fn set_software<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    name: Option<&str>,
    version: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE peers SET software_name = $2, software_version = $3, software_checked_at = $4 WHERE host = $1")
        .bind(host)
        .bind(name)
        .bind(version)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

/// When this node last received an activity from an actor of `host`.
pub async fn last_heard_from<'e>(ex: impl Executor<'e, Database = Any>, host: &str) -> sqlx::Result<Option<i64>> {
    let (at,): (Option<i64>,) = sqlx::query_as(
        "SELECT MAX(r.received_at) FROM received_activities r JOIN remote_actors a ON a.id = r.actor WHERE a.host = $1",
    )
    .bind(host)
    .fetch_one(ex)
    .await?;
    Ok(at)
}

/// An actor of another host that this node has fetched: (id, kind, name).
pub async fn actors_of_host<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
) -> sqlx::Result<Vec<(String, String, Option<String>)>> {
    sqlx::query_as(
        "SELECT id, kind, name FROM remote_actors WHERE host = $1 AND kind <> 'Application' ORDER BY name, id",
    )
    .bind(host)
    .fetch_all(ex)
    .await
}

/// A follower of one of our organisations awaiting the decision about its
/// host: (actor id, host, organisation slug, since).
pub async fn pending_followers<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<(String, String, String, i64)>> {
    sqlx::query_as(
        "SELECT f.actor_id, f.host, o.slug, f.created_at FROM followers f JOIN organisations o ON o.id = f.org_id \
         WHERE f.state = 'pending' ORDER BY f.created_at, f.actor_id",
    )
    .fetch_all(ex)
    .await
}

/// The ids of this node's alerts that `host` has received and still has.
pub async fn alerts_held_by<'e>(ex: impl Executor<'e, Database = Any>, host: &str) -> sqlx::Result<Vec<String>> {
    let ids: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT alert_id FROM alert_recipients WHERE host = $1")
        .bind(host)
        .fetch_all(ex)
        .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

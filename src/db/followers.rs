//! Remote actors following this node's organisations.

use sqlx::{Any, Executor, FromRow};

/// A Follow awaiting this node's decision about the follower's host.
#[derive(Debug, FromRow)]
pub struct PendingFollower {
    pub org_id: String,
    pub actor_id: String,
    pub follow: String,
}

/// How many follows from `host` await a decision.
pub async fn count_pending_from<'e>(ex: impl Executor<'e, Database = Any>, host: &str) -> sqlx::Result<i64> {
    let (pending,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM followers WHERE host = $1 AND state = 'pending'")
        .bind(host)
        .fetch_one(ex)
        .await?;
    Ok(pending)
}

pub async fn pending_from<'e>(ex: impl Executor<'e, Database = Any>, host: &str) -> sqlx::Result<Vec<PendingFollower>> {
    sqlx::query_as("SELECT org_id, actor_id, follow FROM followers WHERE host = $1 AND state = 'pending'")
        .bind(host)
        .fetch_all(ex)
        .await
}

/// Sets a follow's state (accepted, rejected).
pub async fn set_state<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
    actor_id: &str,
    state: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE followers SET state = $3 WHERE org_id = $1 AND actor_id = $2")
        .bind(org_id)
        .bind(actor_id)
        .bind(state)
        .execute(ex)
        .await?;
    Ok(())
}

/// (actor id, host) of the organisation's accepted followers.
pub async fn accepted_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT actor_id, host FROM followers WHERE org_id = $1 AND state = 'accepted'")
        .bind(org_id)
        .fetch_all(ex)
        .await
}

/// A (new or repeated) Follow of an organisation, awaiting a decision.
pub async fn upsert_pending<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
    actor_id: &str,
    host: &str,
    follow: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO followers (org_id, actor_id, host, follow, state, created_at) VALUES ($1, $2, $3, $4, 'pending', $5) \
         ON CONFLICT (org_id, actor_id) DO UPDATE SET follow = $4, state = 'pending'",
    )
    .bind(org_id)
    .bind(actor_id)
    .bind(host)
    .bind(follow)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// Removes the actor's follows (it undid its Follow).
pub async fn delete_by_actor<'e>(
    ex: impl Executor<'e, Database = Any>,
    actor_id: &str,
    host: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM followers WHERE actor_id = $1 AND host = $2")
        .bind(actor_id)
        .bind(host)
        .execute(ex)
        .await?;
    Ok(())
}

/// Removes the actor's follow of one organisation (it undid that Follow).
pub async fn delete_of_org_by_actor<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
    actor_id: &str,
    host: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM followers WHERE org_id = $1 AND actor_id = $2 AND host = $3")
        .bind(org_id)
        .bind(actor_id)
        .bind(host)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn count_accepted_of<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM followers WHERE org_id = $1 AND state = 'accepted'")
        .bind(org_id)
        .fetch_one(ex)
        .await?;
    Ok(n)
}

/// (actor id, host) of the organisation's accepted followers on hosts this
/// node federates with (connected or trusted).
pub async fn accepted_on_federating_hosts<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT f.actor_id, f.host FROM followers f JOIN peers p ON p.host = f.host \
         WHERE f.org_id = $1 AND f.state = 'accepted' AND p.trust IN ('connected', 'trusted')",
    )
    .bind(org_id)
    .fetch_all(ex)
    .await
}

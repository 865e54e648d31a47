//! What is known about the sender of a received activity, read in one query.

use sqlx::{Any, Executor, FromRow};

/// The sender's host's trust, whether the activity was processed already, the
/// sending actor as last fetched (all `None` if never), and the proof key it
/// names (if the sender publishes it).
#[derive(Debug, FromRow)]
pub struct SenderFacts {
    pub trust: Option<String>,
    pub processed: i64,
    pub id: Option<String>,
    pub host: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub inbox: Option<String>,
    pub shared_inbox: Option<String>,
    pub public_key_pem: Option<String>,
    pub fetched_at: Option<i64>,
    pub public_key_multibase: Option<String>,
    pub expires: Option<String>,
}

pub async fn sender_facts<'e>(
    ex: impl Executor<'e, Database = Any>,
    actor_host: &str,
    activity_id: &str,
    actor_id: &str,
    proof_method: &str,
) -> sqlx::Result<SenderFacts> {
    sqlx::query_as(
        "SELECT (SELECT trust FROM peers WHERE host = $1) AS trust, \
         (SELECT COUNT(*) FROM received_activities WHERE id = $2) AS processed, \
         a.id, a.host, a.kind, a.name, a.inbox, a.shared_inbox, a.public_key_pem, a.fetched_at, \
         k.public_key_multibase, k.expires \
         FROM (SELECT 1 AS one) AS one \
         LEFT JOIN remote_actors a ON a.id = $3 \
         LEFT JOIN remote_actor_keys k ON k.actor_id = $3 AND k.key_id = $4",
    )
    .bind(actor_host)
    .bind(activity_id)
    .bind(actor_id)
    .bind(proof_method)
    .fetch_one(ex)
    .await
}

//! Aggregates published to the network (`aggregate_publishing`: which of our
//! organisations publish, and what each last sent) and those received from
//! organisations on other nodes (`received_aggregates`), with the counts of
//! an organisation's own released alerts they are made from.

use sqlx::{Any, Executor, FromRow};

/// One of our organisations that publishes, and what it last sent.
#[derive(Debug, Clone, FromRow)]
pub struct Publishing {
    pub org_id: String,
    pub opted_in_at: i64,
    pub fingerprint: Option<String>,
    pub generated_at: Option<i64>,
    pub document: Option<String>,
}

/// Starts publishing for `org_id` (nothing if it already does).
pub async fn opt_in<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO aggregate_publishing (org_id, opted_in_at) VALUES ($1, $2) ON CONFLICT (org_id) DO NOTHING",
    )
    .bind(org_id)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Stops publishing for `org_id`; true if it did publish.
pub async fn opt_out<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM aggregate_publishing WHERE org_id = $1")
        .bind(org_id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn find<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str) -> sqlx::Result<Option<Publishing>> {
    sqlx::query_as(
        "SELECT org_id, opted_in_at, fingerprint, generated_at, document FROM aggregate_publishing WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_optional(ex)
    .await
}

/// Every organisation of ours that publishes.
pub async fn all<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<Publishing>> {
    sqlx::query_as(
        "SELECT org_id, opted_in_at, fingerprint, generated_at, document FROM aggregate_publishing ORDER BY org_id",
    )
    .fetch_all(ex)
    .await
}

/// Records what was sent for `org_id` (if it still publishes).
pub async fn set_sent<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
    fingerprint: &str,
    generated_at: i64,
    document: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE aggregate_publishing SET fingerprint = $2, generated_at = $3, document = $4 WHERE org_id = $1")
        .bind(org_id)
        .bind(fingerprint)
        .bind(generated_at)
        .bind(document)
        .execute(ex)
        .await?;
    Ok(())
}

/// The latest aggregate of an organisation on another node.
#[derive(Debug, Clone, FromRow)]
pub struct ReceivedAggregate {
    pub org_actor: String,
    pub host: String,
    pub generated_at: i64,
    pub received_at: i64,
    pub document: String,
}

pub async fn find_received<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_actor: &str,
) -> sqlx::Result<Option<ReceivedAggregate>> {
    sqlx::query_as(
        "SELECT org_actor, host, generated_at, received_at, document FROM received_aggregates WHERE org_actor = $1",
    )
    .bind(org_actor)
    .fetch_optional(ex)
    .await
}

pub async fn all_received<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<ReceivedAggregate>> {
    sqlx::query_as(
        "SELECT org_actor, host, generated_at, received_at, document FROM received_aggregates ORDER BY host, org_actor",
    )
    .fetch_all(ex)
    .await
}

/// Keeps `document` as the organisation's latest aggregate.
pub async fn store_received<'e>(ex: impl Executor<'e, Database = Any>, row: &ReceivedAggregate) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO received_aggregates (org_actor, host, generated_at, received_at, document) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_actor) DO UPDATE SET host = excluded.host, \
         generated_at = excluded.generated_at, received_at = excluded.received_at, document = excluded.document",
    )
    .bind(&row.org_actor)
    .bind(&row.host)
    .bind(row.generated_at)
    .bind(row.received_at)
    .bind(&row.document)
    .execute(ex)
    .await?;
    Ok(())
}

/// Forgets an organisation's aggregate (it stopped publishing).
pub async fn remove_received<'e>(ex: impl Executor<'e, Database = Any>, org_actor: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM received_aggregates WHERE org_actor = $1")
        .bind(org_actor)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

//! Organisations' webhooks and the queue of their deliveries.

use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct WebhookRow {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub description: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<i64>,
    pub settings: String,
    pub created_by: String,
    pub created_at: i64,
}

const WEBHOOK_COLUMNS: &str = "id, org_id, url, description, secret, previous_secret, previous_until, settings, \
     created_by, created_at";

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, row: &WebhookRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO webhooks (id, org_id, url, description, secret, settings, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.id)
    .bind(&row.org_id)
    .bind(&row.url)
    .bind(&row.description)
    .bind(&row.secret)
    .bind(&row.settings)
    .bind(&row.created_by)
    .bind(row.created_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// An organisation's webhooks (not deleted), oldest first.
pub async fn of_org<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str) -> sqlx::Result<Vec<WebhookRow>> {
    sqlx::query_as(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE org_id = $1 AND deleted_at IS NULL ORDER BY created_at, id"
    ))
    .bind(org_id)
    .fetch_all(ex)
    .await
}

/// Every webhook of the node (not deleted), for matching an event.
pub async fn all<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<WebhookRow>> {
    sqlx::query_as(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE deleted_at IS NULL ORDER BY id"
    ))
    .fetch_all(ex)
    .await
}

/// One webhook of one organisation (not deleted).
pub async fn find<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
    id: &str,
) -> sqlx::Result<Option<WebhookRow>> {
    sqlx::query_as(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL"
    ))
    .bind(id)
    .bind(org_id)
    .fetch_optional(ex)
    .await
}

/// A new secret; the old one keeps signing until `previous_until`.
pub async fn rotate<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    secret: &str,
    previous_until: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE webhooks SET previous_secret = secret, previous_until = $3, secret = $2 \
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(secret)
    .bind(previous_until)
    .execute(ex)
    .await?;
    Ok(())
}

/// Every webhook's stored secrets, deleted ones too (to seal them).
pub async fn stored_secrets<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<(String, String, Option<String>)>> {
    sqlx::query_as("SELECT id, secret, previous_secret FROM webhooks ORDER BY id")
        .fetch_all(ex)
        .await
}

/// Replaces a webhook's stored secrets (with the same ones, sealed), if
/// they are still what was read.
pub async fn reseal<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    (secret_was, secret): (&str, &str),
    (previous_was, previous): (Option<&str>, Option<&str>),
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE webhooks SET secret = $3, previous_secret = $5 WHERE id = $1 AND secret = $2 \
         AND (previous_secret = $4 OR (previous_secret IS NULL AND $4 IS NULL))",
    )
    .bind(id)
    .bind(secret_was)
    .bind(secret)
    .bind(previous_was)
    .bind(previous)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a webhook; its pending deliveries are cancelled with it.
pub async fn delete(conn: &mut sqlx::AnyConnection, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE webhooks SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE webhook_deliveries SET state = 'cancelled', last_error = 'the webhook was deleted' \
         WHERE webhook_id = $1 AND state = 'pending'",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Queues a delivery unless the same event was already queued for the same
/// webhook; true if queued.
pub async fn enqueue<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    webhook_id: &str,
    kind: &str,
    subject_id: &str,
    dedupe_key: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO webhook_deliveries (id, webhook_id, kind, subject_id, dedupe_key, state, attempts, \
         next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(id)
    .bind(webhook_id)
    .bind(kind)
    .bind(subject_id)
    .bind(dedupe_key)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A delivery due for sending.
#[derive(Debug, Clone, FromRow)]
pub struct DueDelivery {
    pub id: String,
    pub webhook_id: String,
    pub kind: String,
    pub subject_id: String,
    pub attempts: i64,
    pub created_at: i64,
}

/// Claims up to `limit` due deliveries for `owner` until `until` (wall-clock
/// milliseconds), as [`super::notices::claim_due`] does for notices.
pub async fn claim_due(
    conn: &mut sqlx::AnyConnection,
    owner: &str,
    now: i64,
    wall_now: i64,
    until: i64,
    limit: i64,
) -> sqlx::Result<Vec<DueDelivery>> {
    let ids: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY next_attempt_at, id LIMIT {limit}"
    ))
    .bind(now)
    .bind(wall_now)
    .fetch_all(&mut *conn)
    .await?;
    let mut due = Vec::new();
    for (id,) in ids {
        let taken = sqlx::query(
            "UPDATE webhook_deliveries SET claimed_by = $2, claimed_until = $3 WHERE id = $1 AND state = 'pending' \
             AND (claimed_until IS NULL OR claimed_until < $4)",
        )
        .bind(&id)
        .bind(owner)
        .bind(until)
        .bind(wall_now)
        .execute(&mut *conn)
        .await?;
        if taken.rows_affected() == 1 {
            let row: DueDelivery = sqlx::query_as(
                "SELECT id, webhook_id, kind, subject_id, attempts, created_at FROM webhook_deliveries WHERE id = $1",
            )
            .bind(&id)
            .fetch_one(&mut *conn)
            .await?;
            due.push(row);
        }
    }
    Ok(due)
}

/// Records an attempt: `state` is `delivered`, `failed`, `cancelled` or
/// `pending` (then due again at `next`).
#[allow(clippy::too_many_arguments)]
pub async fn record<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    owner: &str,
    state: &str,
    status: Option<i64>,
    error: Option<&str>,
    next: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, last_status = $4, last_error = $5, \
         next_attempt_at = $6, delivered_at = CASE WHEN $3 = 'delivered' THEN $7 ELSE delivered_at END, \
         claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2",
    )
    .bind(id)
    .bind(owner)
    .bind(state)
    .bind(status)
    .bind(error)
    .bind(next)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// A delivery as its organisation's delivery log shows it.
#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub kind: String,
    pub subject_id: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// A webhook's latest deliveries, newest first.
pub async fn log<'e>(
    ex: impl Executor<'e, Database = Any>,
    webhook_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(&format!(
        "SELECT id, kind, subject_id, state, attempts, next_attempt_at, last_status, last_error, created_at, \
         delivered_at FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT {limit}"
    ))
    .bind(webhook_id)
    .fetch_all(ex)
    .await
}

/// How many webhook deliveries are in each state, node-wide.
pub async fn counts<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT state, COUNT(*) FROM webhook_deliveries GROUP BY state ORDER BY state")
        .fetch_all(ex)
        .await
}

/// The id of the organisation with this slug here, if any.
pub async fn org_id_of_slug<'e>(ex: impl Executor<'e, Database = Any>, slug: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT id FROM organisations WHERE slug = $1")
        .bind(slug)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|(id,)| id))
}

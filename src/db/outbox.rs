//! The outbox: activities to send, one delivery per activity and inbox, the
//! per-host delivery state, and the leases that let one worker send to a host.

use crate::domain::vocab::DeliveryState;
use sqlx::{Any, Executor, FromRow};

/// A pending delivery with what is needed to send it.
#[derive(Debug, FromRow)]
pub struct NextDelivery {
    pub id: String,
    pub activity_id: String,
    pub inbox: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub actor_ref: String,
    pub body: String,
}

/// Takes the next number of the one outbox sequence.
pub async fn next_sequence<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    let (seq,): (i64,) = sqlx::query_as("UPDATE outbox_sequence SET value = value + 1 WHERE id = 1 RETURNING value")
        .fetch_one(ex)
        .await?;
    Ok(seq)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_activity<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    actor_ref: &str,
    kind: &str,
    object_id: Option<&str>,
    body: &str,
    created_at: i64,
    seq: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox_activities (id, actor_ref, kind, object_id, body, created_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(actor_ref)
    .bind(kind)
    .bind(object_id)
    .bind(body)
    .bind(created_at)
    .bind(seq)
    .execute(ex)
    .await?;
    Ok(())
}

/// A new pending delivery of an activity to one inbox, due at once.
pub async fn insert_delivery<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    activity_id: &str,
    inbox: &str,
    host: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox_deliveries (id, activity_id, inbox, host, state, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)",
    )
    .bind(id)
    .bind(activity_id)
    .bind(inbox)
    .bind(host)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// Hosts with a pending delivery due at `now`.
pub async fn hosts_due<'e>(ex: impl Executor<'e, Database = Any>, now: i64) -> sqlx::Result<Vec<String>> {
    let hosts: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT host FROM outbox_deliveries WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY host",
    )
    .bind(now)
    .fetch_all(ex)
    .await?;
    Ok(hosts.into_iter().map(|(host,)| host).collect())
}

/// Takes (or renews) the lease on sending to `host` until `until`, unless
/// another worker holds one that has not lapsed at `now`; true if taken.
pub async fn claim_lease<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    owner: &str,
    until: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let claimed = sqlx::query(
        "INSERT INTO delivery_leases (host, owner, until) VALUES ($1, $2, $3) \
         ON CONFLICT (host) DO UPDATE SET owner = $2, until = $3 \
         WHERE delivery_leases.until < $4 OR delivery_leases.owner = $2",
    )
    .bind(host)
    .bind(owner)
    .bind(until)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

pub async fn release_lease<'e>(ex: impl Executor<'e, Database = Any>, host: &str, owner: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM delivery_leases WHERE host = $1 AND owner = $2")
        .bind(host)
        .bind(owner)
        .execute(ex)
        .await?;
    Ok(())
}

/// The next `limit` pending deliveries to `host`, in outbox order.
pub async fn next_deliveries<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    limit: i64,
) -> sqlx::Result<Vec<NextDelivery>> {
    sqlx::query_as(
        "SELECT d.id, d.activity_id, d.inbox, d.attempts, d.next_attempt_at, a.actor_ref, a.body \
         FROM outbox_deliveries d JOIN outbox_activities a ON a.id = d.activity_id \
         WHERE d.host = $1 AND d.state = 'pending' ORDER BY a.seq, d.created_at LIMIT $2",
    )
    .bind(host)
    .bind(limit)
    .fetch_all(ex)
    .await
}

pub async fn mark_delivered<'e>(ex: impl Executor<'e, Database = Any>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox_deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = $2, \
         last_error = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// The host answered: it is no longer failing.
pub async fn host_succeeded<'e>(ex: impl Executor<'e, Database = Any>, host: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO delivery_hosts (host, failing_since, last_error, last_success) VALUES ($1, NULL, NULL, $2) \
         ON CONFLICT (host) DO UPDATE SET failing_since = NULL, last_success = $2",
    )
    .bind(host)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// The delivery was refused for good: no further attempts.
pub async fn mark_failed<'e>(ex: impl Executor<'e, Database = Any>, id: &str, why: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox_deliveries SET state = 'failed', attempts = attempts + 1, last_error = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(why)
    .execute(ex)
    .await?;
    Ok(())
}

/// Records the host's last error without marking it failing.
pub async fn host_refused<'e>(ex: impl Executor<'e, Database = Any>, host: &str, why: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO delivery_hosts (host, last_error) VALUES ($1, $2) \
         ON CONFLICT (host) DO UPDATE SET last_error = $2",
    )
    .bind(host)
    .bind(why)
    .execute(ex)
    .await?;
    Ok(())
}

/// Counts a failed attempt and sets when to try again.
pub async fn schedule_retry<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    why: &str,
    next_attempt_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox_deliveries SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(why)
    .bind(next_attempt_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// The host is failing since `now`, unless it already was.
pub async fn host_failing<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    now: i64,
    why: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO delivery_hosts (host, failing_since, last_error) VALUES ($1, $2, $3) \
         ON CONFLICT (host) DO UPDATE SET failing_since = COALESCE(delivery_hosts.failing_since, $2), last_error = $3",
    )
    .bind(host)
    .bind(now)
    .bind(why)
    .execute(ex)
    .await?;
    Ok(())
}

/// Cancels what is queued to `host` that carries alerts (Create, Update), to
/// be re-planned under a new trust decision.
pub async fn cancel_pending_alerts_to<'e>(ex: impl Executor<'e, Database = Any>, host: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox_deliveries SET state = 'failed', last_error = 'cancelled: this node changed its trust in the peer' \
         WHERE host = $1 AND state = 'pending' AND activity_id IN \
         (SELECT id FROM outbox_activities WHERE kind IN ('Create', 'Update'))",
    )
    .bind(host)
    .execute(ex)
    .await?;
    Ok(())
}

/// A delivery as the admins' delivery list shows it.
#[derive(Debug, FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub activity_id: String,
    pub kind: String,
    pub host: String,
    pub inbox: String,
    #[sqlx(try_from = "String")]
    pub state: DeliveryState,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// Deliveries in one of `states` (to `host` only, unless it is empty), in
/// outbox order.
pub async fn list_deliveries<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    states: &[DeliveryState],
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    let placeholders: Vec<String> = (0..states.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT d.id, d.activity_id, a.kind, d.host, d.inbox, d.state, d.attempts, d.next_attempt_at, d.last_error, \
         d.created_at, d.delivered_at FROM outbox_deliveries d JOIN outbox_activities a ON a.id = d.activity_id \
         WHERE ($1 = '' OR d.host = $1) AND d.state IN ({}) ORDER BY a.seq, d.created_at LIMIT {limit} OFFSET {offset}",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, DeliveryRow>(&sql).bind(host);
    for s in states {
        query = query.bind(s.as_str());
    }
    query.fetch_all(ex).await
}

/// One host's queue: how many deliveries are pending and failed, and when
/// the oldest pending one was queued.
#[derive(Debug, FromRow)]
pub struct HostQueueRow {
    pub host: String,
    pub pending: i64,
    pub failed: i64,
    pub oldest: Option<i64>,
}

pub async fn queues_by_host<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<HostQueueRow>> {
    sqlx::query_as(
        "SELECT host, \
         SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending, \
         SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS failed, \
         MIN(CASE WHEN state = 'pending' THEN created_at END) AS oldest \
         FROM outbox_deliveries GROUP BY host ORDER BY host",
    )
    .fetch_all(ex)
    .await
}

/// (failing since, last error, last success) of a host, if ever tried.
pub async fn host_health<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
) -> sqlx::Result<Option<(Option<i64>, Option<String>, Option<i64>)>> {
    sqlx::query_as("SELECT failing_since, last_error, last_success FROM delivery_hosts WHERE host = $1")
        .bind(host)
        .fetch_optional(ex)
        .await
}

/// Makes pending and failed deliveries due at `now` with no attempts
/// counted: all, or those to `host`, or the one `id` (empty means any).
/// Returns how many.
pub async fn retry_now<'e>(ex: impl Executor<'e, Database = Any>, now: i64, host: &str, id: &str) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE outbox_deliveries SET state = 'pending', next_attempt_at = $1, attempts = 0 \
         WHERE state IN ('pending', 'failed') AND ($2 = '' OR host = $2) AND ($3 = '' OR id = $3)",
    )
    .bind(now)
    .bind(host)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// (body, actor_ref, inbox) of every pending delivery, in outbox order.
pub async fn pending_in_order<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as(
        "SELECT a.body, a.actor_ref, d.inbox FROM outbox_deliveries d JOIN outbox_activities a ON a.id = d.activity_id \
         WHERE d.state = 'pending' ORDER BY a.seq",
    )
    .fetch_all(ex)
    .await
}

pub async fn count_pending<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox_deliveries WHERE state = 'pending'")
        .fetch_one(ex)
        .await?;
    Ok(n)
}

/// An activity this node sent (or recorded to serve), as written.
#[derive(Debug, FromRow)]
pub struct SentActivity {
    pub id: String,
    pub actor_ref: String,
    pub kind: String,
    pub object_id: Option<String>,
    pub body: String,
    pub created_at: i64,
}

pub async fn find_activity<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> sqlx::Result<Option<SentActivity>> {
    sqlx::query_as("SELECT id, actor_ref, kind, object_id, body, created_at FROM outbox_activities WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await
}

/// Whether an activity was queued for an inbox on `host` (whatever came of it).
pub async fn was_sent_to<'e>(
    ex: impl Executor<'e, Database = Any>,
    activity_id: &str,
    host: &str,
) -> sqlx::Result<bool> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox_deliveries WHERE activity_id = $1 AND host = $2")
        .bind(activity_id)
        .bind(host)
        .fetch_one(ex)
        .await?;
    Ok(n > 0)
}

/// The activities of one kind about one object, oldest first.
pub async fn activities_about<'e>(
    ex: impl Executor<'e, Database = Any>,
    kind: &str,
    object_id: &str,
) -> sqlx::Result<Vec<SentActivity>> {
    sqlx::query_as(
        "SELECT id, actor_ref, kind, object_id, body, created_at FROM outbox_activities \
         WHERE kind = $1 AND object_id = $2 ORDER BY seq",
    )
    .bind(kind)
    .bind(object_id)
    .fetch_all(ex)
    .await
}

/// The last `limit` deliveries to `host`, newest first, whatever their state.
pub async fn recent_deliveries<'e>(
    ex: impl Executor<'e, Database = Any>,
    host: &str,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(&format!(
        "SELECT d.id, d.activity_id, a.kind, d.host, d.inbox, d.state, d.attempts, d.next_attempt_at, d.last_error, \
         d.created_at, d.delivered_at FROM outbox_deliveries d JOIN outbox_activities a ON a.id = d.activity_id \
         WHERE d.host = $1 ORDER BY a.seq DESC, d.created_at DESC LIMIT {limit}"
    ))
    .bind(host)
    .fetch_all(ex)
    .await
}

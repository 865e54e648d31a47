//! Figures an operator watches: alerts by status, and sign-in failures and
//! lockouts (the deliveries' are in `outbox`).

use sqlx::AnyPool;

/// This node's own alerts, counted by status.
pub async fn alerts_by_status(pool: &AnyPool) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT status, COUNT(*) FROM alerts GROUP BY status ORDER BY status")
        .fetch_all(pool)
        .await
}

/// Failed sign-ins since `since` (milliseconds).
pub async fn sign_in_failures_since(pool: &AnyPool, since: i64) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sign_in_failures WHERE at >= $1")
        .bind(since)
        .fetch_one(pool)
        .await?;
    Ok(n)
}

/// Lockouts ever recorded in the audit log, and those since `since`.
pub async fn lockouts(pool: &AnyPool, since: i64) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN at >= $1 THEN 1 ELSE 0 END), 0) FROM audit_log \
         WHERE action = 'sign_in.lockout'",
    )
    .bind(since)
    .fetch_one(pool)
    .await
}

//! The audit log: who published, widened, withdrew, exported, and changed
//! accounts or trust. Written in the same transaction as the change it records.

use serde::Serialize;
use sqlx::{Any, Executor, FromRow};

use super::{Db, new_id};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub user_id: Option<String>,
    /// The organisation whose entry this is; None for the node's own (trust, deliveries).
    pub org_id: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

pub async fn record<'e>(
    ex: impl Executor<'e, Database = Any>,
    at: i64,
    user_id: Option<&str>,
    org_id: Option<&str>,
    action: &str,
    subject: &str,
    detail: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, user_id, org_id, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(at)
    .bind(user_id)
    .bind(org_id)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .execute(ex)
    .await?;
    Ok(())
}

/// The node-wide log (the operator's), newest first.
pub async fn list(db: &Db, limit: i64, offset: i64) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as(
        "SELECT id, at, user_id, org_id, action, subject, detail FROM audit_log \
         ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await
}

/// One organisation's entries, newest first.
pub async fn list_for_org(db: &Db, org_id: &str, limit: i64, offset: i64) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as(
        "SELECT id, at, user_id, org_id, action, subject, detail FROM audit_log WHERE org_id = $1 \
         ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(org_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await
}

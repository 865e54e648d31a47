//! Solidarity actions: ours and those received, on our alerts and on alerts
//! received from other nodes.

use sqlx::{AnyConnection, FromRow};

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct ActionRow {
    pub id: String,
    pub local_id: String,
    pub alert_uri: String,
    pub org_uri: String,
    pub org_name: String,
    pub org_id: Option<String>,
    pub kind: String,
    #[sqlx(try_from = "super::IntBool")]
    pub shareable: bool,
    pub content: String,
    pub addressee: Option<String>,
    pub due_at: Option<i64>,
    pub support_type: Option<String>,
    pub outcome: Option<String>,
    pub document: String,
    pub version: i64,
    pub published_at: i64,
    pub updated_at: i64,
    pub received_at: i64,
    pub deleted_at: Option<i64>,
}

const COLUMNS: &str = "s.id, s.local_id, s.alert_uri, s.org_uri, s.org_name, s.org_id, s.kind, s.shareable, s.content, \
     s.addressee, s.due_at, s.support_type, s.outcome, s.document, s.version, s.published_at, s.updated_at, \
     s.received_at, s.deleted_at";

pub async fn find_by_id(db: &Db, id: &str) -> sqlx::Result<Option<ActionRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM solidarity_actions s WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn find_by_local_id(db: &Db, local_id: &str) -> sqlx::Result<Option<ActionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM solidarity_actions s WHERE s.local_id = $1"
    ))
    .bind(local_id)
    .fetch_optional(&db.pool)
    .await
}

/// Inserts an action, or replaces it with a newer version; a retracted action
/// stays retracted. Returns whether anything was written.
pub async fn upsert(conn: &mut AnyConnection, row: &ActionRow) -> sqlx::Result<bool> {
    let written = sqlx::query(
        "INSERT INTO solidarity_actions (id, local_id, alert_uri, org_uri, org_name, org_id, kind, shareable, content, \
         addressee, due_at, support_type, outcome, document, version, published_at, updated_at, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (id) DO UPDATE SET org_name = $5, shareable = $8, content = $9, addressee = $10, due_at = $11, \
         support_type = $12, outcome = $13, document = $14, version = $15, updated_at = $17, received_at = $18 \
         WHERE solidarity_actions.deleted_at IS NULL AND solidarity_actions.version < excluded.version \
         AND solidarity_actions.org_uri = excluded.org_uri AND solidarity_actions.alert_uri = excluded.alert_uri",
    )
    .bind(&row.id)
    .bind(&row.local_id)
    .bind(&row.alert_uri)
    .bind(&row.org_uri)
    .bind(&row.org_name)
    .bind(&row.org_id)
    .bind(&row.kind)
    .bind(super::flag(row.shareable))
    .bind(&row.content)
    .bind(&row.addressee)
    .bind(row.due_at)
    .bind(&row.support_type)
    .bind(&row.outcome)
    .bind(&row.document)
    .bind(row.version)
    .bind(row.published_at)
    .bind(row.updated_at)
    .bind(row.received_at)
    .execute(conn)
    .await?;
    Ok(written.rows_affected() > 0)
}

/// Retracts an action: its content goes, its tombstone stays.
pub async fn retract(conn: &mut AnyConnection, id: &str, tombstone: &str, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE solidarity_actions SET content = '{}', addressee = NULL, document = $2, deleted_at = $3 \
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(tombstone)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The standing (not retracted) actions on one alert, oldest first.
pub async fn for_alert(db: &Db, alert_uri: &str) -> sqlx::Result<Vec<ActionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM solidarity_actions s WHERE s.alert_uri = $1 AND s.deleted_at IS NULL \
         ORDER BY s.published_at, s.id"
    ))
    .bind(alert_uri)
    .fetch_all(&db.pool)
    .await
}

/// An organisation's own standing actions, newest first.
pub async fn by_org(db: &Db, org_id: &str, limit: i64, offset: i64) -> sqlx::Result<(Vec<ActionRow>, i64)> {
    let (total,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM solidarity_actions WHERE org_id = $1 AND deleted_at IS NULL")
            .bind(org_id)
            .fetch_one(&db.pool)
            .await?;
    let rows = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM solidarity_actions s WHERE s.org_id = $1 AND s.deleted_at IS NULL \
         ORDER BY s.published_at DESC, s.id DESC LIMIT {limit} OFFSET {offset}"
    ))
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?;
    Ok((rows, total))
}

/// A pledge is kept once its organisation reports on the same alert after making it.
pub(crate) const PLEDGE_KEPT: &str = "EXISTS (SELECT 1 FROM solidarity_actions r WHERE r.alert_uri = s.alert_uri \
     AND r.org_uri = s.org_uri AND r.kind = 'report' AND r.deleted_at IS NULL AND r.published_at >= s.published_at)";

/// Pledges by one of our organisations that are past due with no report since.
pub async fn overdue_pledges(db: &Db, org_id: &str, now: i64) -> sqlx::Result<Vec<ActionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM solidarity_actions s WHERE s.org_id = $1 AND s.kind = 'pledge' \
         AND s.deleted_at IS NULL AND s.due_at < $2 AND NOT {PLEDGE_KEPT} ORDER BY s.due_at, s.id"
    ))
    .bind(org_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// Of the given pledges, which have been kept (by a later report of their organisation).
pub async fn kept_pledges(db: &Db, alert_uri: &str) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT s.id FROM solidarity_actions s WHERE s.alert_uri = $1 AND s.kind = 'pledge' \
         AND s.deleted_at IS NULL AND {PLEDGE_KEPT}"
    ))
    .bind(alert_uri)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The organisations of this node, besides the author, who see offers of support on an alert.
pub async fn offer_viewers(db: &Db, alert_id: &str) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT o.slug FROM alert_offer_viewers v JOIN organisations o ON o.id = v.org_id \
         WHERE v.alert_id = $1 ORDER BY o.slug",
    )
    .bind(alert_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(slug,)| slug).collect())
}

pub async fn set_offer_viewers(conn: &mut AnyConnection, alert_id: &str, org_ids: &[String]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM alert_offer_viewers WHERE alert_id = $1")
        .bind(alert_id)
        .execute(&mut *conn)
        .await?;
    for org in org_ids {
        sqlx::query("INSERT INTO alert_offer_viewers (alert_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(alert_id)
            .bind(org)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

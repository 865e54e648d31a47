//! Alerts received from other nodes.

use sqlx::{AnyConnection, FromRow};

use super::Db;
use super::alerts::AlertFilter;

#[derive(Debug, Clone, FromRow)]
pub struct RemoteAlertRow {
    pub id: String,
    pub local_id: String,
    pub origin_host: String,
    pub attributed_to: String,
    pub number: String,
    pub status: String,
    pub sharing: String,
    pub urgency: String,
    pub severity: String,
    pub certainty: String,
    pub country: String,
    pub title: String,
    pub search_text: String,
    pub document: String,
    pub version: i64,
    pub published_at: i64,
    pub updated_at: i64,
    pub received_at: i64,
    pub deleted_at: Option<i64>,
}

const COLUMNS: &str = "r.id, r.local_id, r.origin_host, r.attributed_to, r.number, r.status, r.sharing, r.urgency, \
     r.severity, r.certainty, r.country, r.title, r.search_text, r.document, r.version, r.published_at, r.updated_at, \
     r.received_at, r.deleted_at";

pub async fn find_by_id(db: &Db, id: &str) -> sqlx::Result<Option<RemoteAlertRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM remote_alerts r WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// The author of a received alert, if it is here, read on a connection
/// already held (inside the transaction that tried to write it).
async fn author_of(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<String>> {
    let author: Option<(String,)> = sqlx::query_as("SELECT attributed_to FROM remote_alerts WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(author.map(|(author,)| author))
}

pub async fn find_by_local_id(db: &Db, local_id: &str) -> sqlx::Result<Option<RemoteAlertRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM remote_alerts r WHERE r.local_id = $1"))
        .bind(local_id)
        .fetch_optional(&db.pool)
        .await
}

/// What [`upsert`] did with a received alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// Stored: new here, or a newer version of what was here.
    Stored,
    /// Nothing changed: an older or repeated version, or the alert was withdrawn.
    Unchanged,
    /// Nothing changed: the alert here is by another author.
    OtherAuthor,
}

/// Inserts a received alert, or replaces it with a newer version by the same
/// author; a withdrawn alert stays withdrawn. Decided in the one statement, so
/// that concurrent deliveries of one alert cannot both write (the author is
/// read again only when nothing was written, to say why). `row.local_id` is
/// used only if the alert is new here.
pub async fn upsert(
    conn: &mut AnyConnection,
    row: &RemoteAlertRow,
    violations: &[String],
    recipient_org_ids: &[String],
) -> sqlx::Result<Upserted> {
    let written: Option<(String,)> = sqlx::query_as(
        "INSERT INTO remote_alerts (id, local_id, origin_host, attributed_to, number, status, sharing, urgency, severity, \
         certainty, country, title, search_text, document, version, published_at, updated_at, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (id) DO UPDATE SET number = $5, status = $6, sharing = $7, urgency = $8, severity = $9, \
         certainty = $10, country = $11, title = $12, search_text = $13, document = $14, version = $15, \
         published_at = $16, updated_at = $17, received_at = $18 \
         WHERE remote_alerts.deleted_at IS NULL AND remote_alerts.version < excluded.version \
         AND remote_alerts.attributed_to = excluded.attributed_to \
         RETURNING local_id",
    )
    .bind(&row.id)
    .bind(&row.local_id)
    .bind(&row.origin_host)
    .bind(&row.attributed_to)
    .bind(&row.number)
    .bind(&row.status)
    .bind(&row.sharing)
    .bind(&row.urgency)
    .bind(&row.severity)
    .bind(&row.certainty)
    .bind(&row.country)
    .bind(&row.title)
    .bind(&row.search_text)
    .bind(&row.document)
    .bind(row.version)
    .bind(row.published_at)
    .bind(row.updated_at)
    .bind(row.received_at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((stored_local_id,)) = written else {
        return Ok(match author_of(conn, &row.id).await? {
            Some(author) if author != row.attributed_to => Upserted::OtherAuthor,
            _ => Upserted::Unchanged,
        });
    };
    // A replaced version's lists go; a first insert has none to remove.
    if stored_local_id != row.local_id {
        for table in ["remote_alert_violations", "remote_alert_recipients"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE alert_id = $1"))
                .bind(&row.id)
                .execute(&mut *conn)
                .await?;
        }
    }
    insert_pairs(conn, "remote_alert_violations", "violation", &row.id, violations).await?;
    insert_pairs(conn, "remote_alert_recipients", "org_id", &row.id, recipient_org_ids).await?;
    Ok(Upserted::Stored)
}

/// `(alert_id, column)` rows for each distinct one of `values` (violation
/// types or local organisations: a few), in one statement.
async fn insert_pairs(
    conn: &mut AnyConnection,
    table: &str,
    column: &str,
    alert_id: &str,
    values: &[String],
) -> sqlx::Result<()> {
    let mut values: Vec<&String> = values.iter().collect();
    values.sort_unstable();
    values.dedup();
    if values.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..values.len()).map(|n| format!("($1, ${})", n + 2)).collect();
    let sql = format!(
        "INSERT INTO {table} (alert_id, {column}) VALUES {} ON CONFLICT DO NOTHING",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(alert_id);
    for value in values {
        query = query.bind(value);
    }
    query.execute(conn).await?;
    Ok(())
}

/// Records the tombstone of an alert this node never had, so that it cannot arrive later.
pub async fn insert_tombstone(
    conn: &mut AnyConnection,
    id: &str,
    local_id: &str,
    origin_host: &str,
    attributed_to: &str,
    tombstone: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO remote_alerts (id, local_id, origin_host, attributed_to, number, status, sharing, urgency, severity, \
         certainty, country, title, search_text, document, version, published_at, updated_at, received_at, deleted_at) \
         VALUES ($1, $2, $3, $4, '', 'withdrawn', 'network', 'unknown', 'unknown', 'unknown', '', '', '', $5, 0, 0, $6, $6, $6) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(local_id)
    .bind(origin_host)
    .bind(attributed_to)
    .bind(tombstone)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Purges a withdrawn alert's content, keeping only its tombstone.
/// Returns whether it was still there (a repeated withdrawal changes nothing).
pub async fn purge(conn: &mut AnyConnection, id: &str, tombstone: &str, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE remote_alerts SET status = 'withdrawn', number = '', country = '', urgency = 'unknown', \
         severity = 'unknown', certainty = 'unknown', title = '', search_text = '', document = $2, deleted_at = $3 \
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(tombstone)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    for table in ["remote_alert_violations", "remote_alert_recipients"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE alert_id = $1"))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// Received alerts the viewer's organisation may see: all but restricted ones,
/// which only the organisations they name see. Withdrawn ones are left out.
pub async fn list(
    db: &Db,
    viewer_org_id: &str,
    filter: &AlertFilter,
    origin: Option<&str>,
) -> sqlx::Result<(Vec<RemoteAlertRow>, i64)> {
    let mut conditions = vec![
        "r.deleted_at IS NULL".to_string(),
        "(r.sharing <> 'restricted' OR EXISTS (SELECT 1 FROM remote_alert_recipients x WHERE x.alert_id = r.id AND x.org_id = $1))".to_string(),
    ];
    let mut binds: Vec<String> = vec![viewer_org_id.to_string()];
    super::alerts::push_filter_conditions(filter, "r", "remote_alert_violations", &mut conditions, &mut binds);
    if let Some(v) = origin {
        binds.push(v.to_string());
        conditions.push(format!("r.origin_host = ${}", binds.len()));
    }
    let where_clause = conditions.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM remote_alerts r WHERE {where_clause}");
    let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
    for b in &binds {
        count = count.bind(b);
    }
    let (total,) = count.fetch_one(&db.pool).await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM remote_alerts r WHERE {where_clause} ORDER BY r.published_at DESC, r.id DESC LIMIT {} OFFSET {}",
        filter.limit, filter.offset
    );
    let mut rows = sqlx::query_as::<_, RemoteAlertRow>(&sql);
    for b in &binds {
        rows = rows.bind(b);
    }
    Ok((rows.fetch_all(&db.pool).await?, total))
}

/// Whether a restricted alert names this organisation.
pub async fn names_org(db: &Db, alert_id: &str, org_id: &str) -> sqlx::Result<bool> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM remote_alert_recipients WHERE alert_id = $1 AND org_id = $2")
            .bind(alert_id)
            .bind(org_id)
            .fetch_one(&db.pool)
            .await?;
    Ok(n > 0)
}

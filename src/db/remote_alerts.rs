//! Alerts received from other nodes.

use sqlx::{AnyConnection, FromRow};

use crate::domain::list_keys::ListKeys;
use crate::domain::vocab::{AlertStatus, Audience, Certainty, Severity, Urgency};

use super::Db;
use super::alerts::AlertFilter;

#[derive(Debug, Clone, FromRow)]
pub struct RemoteAlertRow {
    pub id: String,
    pub local_id: String,
    pub origin_host: String,
    pub attributed_to: String,
    pub number: String,
    #[sqlx(try_from = "String")]
    pub status: AlertStatus,
    #[sqlx(try_from = "String")]
    pub sharing: Audience,
    #[sqlx(try_from = "String")]
    pub urgency: Urgency,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    #[sqlx(try_from = "String")]
    pub certainty: Certainty,
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
    /// Stored: new here, a newer version of what was here, or an alert that
    /// had been taken out of this node's audience, sent again.
    Stored,
    /// Nothing changed: an older or repeated version, or the alert was withdrawn.
    Unchanged,
    /// Nothing changed: the alert here is by another author.
    OtherAuthor,
}

/// Inserts a received alert, or replaces it with a newer version by the same
/// author. A withdrawn alert stays withdrawn; one that was only taken out of
/// this node's audience comes back with a version not older than the one
/// removed. Decided in the one statement, so that concurrent deliveries of one
/// alert cannot both write (the author is read again only when nothing was
/// written, to say why). `row.local_id` is used only if the alert is new here.
///
/// A restricted alert is sent to each named organisation on its own, one
/// activity each: each adds its organisation to those here who see it (and
/// only a `Delete` naming one takes it away), so that every one named sees it.
pub async fn upsert(
    conn: &mut AnyConnection,
    row: &RemoteAlertRow,
    keys: &ListKeys,
    violations: &[String],
    recipient_org_ids: &[String],
) -> sqlx::Result<Upserted> {
    let written: Option<(String,)> = sqlx::query_as(
        "INSERT INTO remote_alerts (id, local_id, origin_host, attributed_to, number, status, sharing, urgency, severity, \
         certainty, country, title, search_text, document, version, published_at, updated_at, received_at, \
         urgency_rank, next_deadline, titles, facets) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) \
         ON CONFLICT (id) DO UPDATE SET number = $5, status = $6, sharing = $7, urgency = $8, severity = $9, \
         certainty = $10, country = $11, title = $12, search_text = $13, document = $14, version = $15, \
         published_at = $16, updated_at = $17, received_at = $18, deleted_at = NULL, removal = NULL, \
         urgency_rank = $19, next_deadline = $20, titles = $21, facets = $22 \
         WHERE remote_alerts.attributed_to = excluded.attributed_to AND ( \
           (remote_alerts.deleted_at IS NULL AND remote_alerts.version < excluded.version) \
           OR (remote_alerts.deleted_at IS NOT NULL AND remote_alerts.removal = 'out_of_audience' \
               AND remote_alerts.version <= excluded.version)) \
         RETURNING local_id",
    )
    .bind(&row.id)
    .bind(&row.local_id)
    .bind(&row.origin_host)
    .bind(&row.attributed_to)
    .bind(&row.number)
    .bind(row.status.as_str())
    .bind(row.sharing.as_str())
    .bind(row.urgency.as_str())
    .bind(row.severity.as_str())
    .bind(row.certainty.as_str())
    .bind(&row.country)
    .bind(&row.title)
    .bind(&row.search_text)
    .bind(&row.document)
    .bind(row.version)
    .bind(row.published_at)
    .bind(row.updated_at)
    .bind(row.received_at)
    .bind(keys.urgency_rank)
    .bind(keys.next_deadline)
    .bind(&keys.titles)
    .bind(&keys.facets)
    .fetch_optional(&mut *conn)
    .await?;
    let restricted = row.sharing == Audience::Restricted;
    let Some((stored_local_id,)) = written else {
        return Ok(match author_of(conn, &row.id).await? {
            Some(author) if author != row.attributed_to => Upserted::OtherAuthor,
            _ => {
                // The same version of a restricted alert, sent for another
                // organisation named here: that one sees it too.
                let (same,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM remote_alerts WHERE id = $1 AND attributed_to = $2 AND version = $3 \
                     AND deleted_at IS NULL AND sharing = 'restricted'",
                )
                .bind(&row.id)
                .bind(&row.attributed_to)
                .bind(row.version)
                .fetch_one(&mut *conn)
                .await?;
                if restricted && same > 0 {
                    insert_pairs(conn, "remote_alert_recipients", "org_id", &row.id, recipient_org_ids).await?;
                    super::analysis::recount_visibility(conn, super::analysis::Source::Network, &row.id).await?;
                }
                Upserted::Unchanged
            }
        });
    };
    // A replaced version's violations go (a first insert has none to remove),
    // and so do its organisations unless it is still restricted: those named
    // earlier keep it until a `Delete` names them.
    if stored_local_id != row.local_id {
        let tables: &[&str] = if restricted {
            &["remote_alert_violations"]
        } else {
            &["remote_alert_violations", "remote_alert_recipients"]
        };
        for table in tables {
            sqlx::query(&format!("DELETE FROM {table} WHERE alert_id = $1"))
                .bind(&row.id)
                .execute(&mut *conn)
                .await?;
        }
    }
    insert_pairs(conn, "remote_alert_violations", "violation", &row.id, violations).await?;
    insert_pairs(conn, "remote_alert_recipients", "org_id", &row.id, recipient_org_ids).await?;
    super::analysis::replace_facts(conn, super::analysis::Source::Network, &row.id, &keys.facts).await?;
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

/// Why a received alert's content was purged (`removal`).
pub const WITHDRAWN: &str = "withdrawn";
pub const OUT_OF_AUDIENCE: &str = "out_of_audience";

/// Records the tombstone of an alert this node never had, so that it cannot
/// arrive later (or only, when it was out of audience, at `version` or newer).
#[allow(clippy::too_many_arguments)]
pub async fn insert_tombstone(
    conn: &mut AnyConnection,
    id: &str,
    local_id: &str,
    origin_host: &str,
    attributed_to: &str,
    tombstone: &str,
    removal: &str,
    version: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO remote_alerts (id, local_id, origin_host, attributed_to, number, status, sharing, urgency, severity, \
         certainty, country, title, search_text, document, version, published_at, updated_at, received_at, deleted_at, \
         removal) \
         VALUES ($1, $2, $3, $4, '', 'withdrawn', 'network', 'unknown', 'unknown', 'unknown', '', '', '', $5, $8, 0, $6, \
         $6, $6, $7) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(local_id)
    .bind(origin_host)
    .bind(attributed_to)
    .bind(tombstone)
    .bind(now)
    .bind(removal)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Purges a received alert's content, keeping only its tombstone, for
/// `removal`. A withdrawal also makes final a tombstone left by a loss of
/// audience; a loss of audience keeps the highest version removed, below
/// which nothing brings the alert back. Returns whether it took effect (a
/// repeated withdrawal changes nothing).
pub async fn purge(
    conn: &mut AnyConnection,
    id: &str,
    tombstone: &str,
    removal: &str,
    version: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE remote_alerts SET status = 'withdrawn', number = '', country = '', urgency = 'unknown', \
         severity = 'unknown', certainty = 'unknown', title = '', search_text = '', document = $2, \
         urgency_rank = 4, next_deadline = NULL, titles = '{}', facets = '', \
         deleted_at = COALESCE(deleted_at, $3), removal = $4, \
         version = CASE WHEN version < $5 THEN $5 ELSE version END \
         WHERE id = $1 AND (deleted_at IS NULL OR ($4 = 'withdrawn' AND COALESCE(removal, 'withdrawn') <> 'withdrawn'))",
    )
    .bind(id)
    .bind(tombstone)
    .bind(now)
    .bind(removal)
    .bind(version)
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
    super::analysis::remove_facts(conn, super::analysis::Source::Network, id).await?;
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
    let mut conditions = vec![super::visibility::RECEIVED_ALERTS.to_string()];
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

/// Takes a restricted alert away from organisations of this node that are no
/// longer named; when none is left, its content goes as out of audience.
pub async fn remove_recipients(
    conn: &mut AnyConnection,
    id: &str,
    org_ids: &[String],
    tombstone: &str,
    version: i64,
    now: i64,
) -> sqlx::Result<()> {
    for org_id in org_ids {
        sqlx::query("DELETE FROM remote_alert_recipients WHERE alert_id = $1 AND org_id = $2")
            .bind(id)
            .bind(org_id)
            .execute(&mut *conn)
            .await?;
    }
    let (restricted, left): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM remote_alerts WHERE id = $1 AND sharing = 'restricted'), \
         (SELECT COUNT(*) FROM remote_alert_recipients WHERE alert_id = $1)",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    if restricted > 0 && left == 0 {
        purge(conn, id, tombstone, OUT_OF_AUDIENCE, version, now).await?;
    }
    super::analysis::recount_visibility(conn, super::analysis::Source::Network, id).await
}

/// The stored sharing of a received alert that is still here (not purged).
pub async fn live_sharing(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT sharing FROM remote_alerts WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(sharing,)| sharing))
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

/// How many received alerts are stored, withdrawn ones included.
pub async fn count_all(db: &Db) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM remote_alerts")
        .fetch_one(&db.pool)
        .await?;
    Ok(n)
}

/// When the received alert whose id matches the LIKE `pattern` arrived.
pub async fn received_at_of_id_like(db: &Db, pattern: &str) -> sqlx::Result<i64> {
    let (received,): (i64,) = sqlx::query_as("SELECT received_at FROM remote_alerts WHERE id LIKE $1")
        .bind(pattern)
        .fetch_one(&db.pool)
        .await?;
    Ok(received)
}

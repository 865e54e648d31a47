//! Alerts, their local-only parts, consent and history.

use sqlx::{Any, AnyConnection, Executor, FromRow};

use crate::domain::alert::AlertContent;
use crate::domain::list_keys::ListKeys;
use crate::domain::vocab::{AlertStatus, Audience, Certainty, HistoryAction, Severity, Urgency};

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct AlertRow {
    pub id: String,
    pub org_id: String,
    /// Read through a join; ignored on insert and update.
    pub org_slug: String,
    pub number: String,
    #[sqlx(try_from = "String")]
    pub status: AlertStatus,
    #[sqlx(try_from = "String")]
    pub audience: Audience,
    #[sqlx(try_from = "String")]
    pub urgency: Urgency,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    #[sqlx(try_from = "String")]
    pub certainty: Certainty,
    pub country: String,
    pub title: String,
    pub search_text: String,
    pub content: String,
    pub version: i64,
    pub expires_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub outcome: Option<String>,
    pub closing_note: Option<String>,
    pub withdrawal_reason: Option<String>,
}

const ALERT_COLUMNS: &str = "a.id, a.org_id, o.slug AS org_slug, a.number, a.status, a.audience, a.urgency, a.severity, \
     a.certainty, a.country, a.title, a.search_text, a.content, a.version, a.expires_at, a.created_by, \
     a.created_at, a.updated_at, a.published_at, a.closed_at, a.outcome, a.closing_note, a.withdrawal_reason";

const ALERT_FROM: &str = "alerts a JOIN organisations o ON o.id = a.org_id";

#[derive(Debug, Clone, Default, FromRow)]
pub struct PrivateRow {
    pub exact_location: Option<String>,
    pub contacts: Option<String>,
    pub family_details: Option<String>,
    pub internal_notes: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct ConsentRow {
    pub given_by: String,
    pub given_at: i64,
    pub allowed_uses: String,
    pub withdrawn_at: Option<i64>,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct HistoryRow {
    pub version: i64,
    pub at: i64,
    pub user_id: String,
    #[sqlx(try_from = "String")]
    pub action: HistoryAction,
    #[sqlx(try_from = "String")]
    pub status: AlertStatus,
    pub changed_fields: String,
    pub note: Option<String>,
}

/// Everything stored about one alert.
#[derive(Debug, Clone)]
pub struct StoredAlert {
    pub row: AlertRow,
    pub violations: Vec<String>,
    pub named_orgs: Vec<String>,
    pub private: PrivateRow,
    pub consent: Option<ConsentRow>,
}

/// Hands out the next number in the organisation's series for `year`. Writes
/// first, so that concurrent creators wait on the row lock instead of failing.
pub async fn next_number(conn: &mut AnyConnection, org_id: &str, year: i64) -> sqlx::Result<i64> {
    let (value,): (i64,) = sqlx::query_as(
        "INSERT INTO alert_number_counters (org_id, year, last_value) VALUES ($1, $2, 1) \
         ON CONFLICT (org_id, year) DO UPDATE SET last_value = alert_number_counters.last_value + 1 \
         RETURNING last_value",
    )
    .bind(org_id)
    .bind(year)
    .fetch_one(conn)
    .await?;
    Ok(value)
}

/// How a closed alert ended, from its stored outcome and closing time.
pub fn closing(outcome: Option<&str>, closed_at: Option<i64>) -> Option<crate::domain::analysis::Closing> {
    Some(crate::domain::analysis::Closing {
        outcome: outcome?.parse().ok()?,
        at: crate::clock::from_millis(closed_at?),
    })
}

/// What the dashboard sorts and filters the alert by, from its content.
fn list_keys(row: &AlertRow) -> ListKeys {
    match serde_json::from_str::<AlertContent>(&row.content) {
        Ok(content) => ListKeys::of(
            &content,
            row.urgency,
            &row.country,
            row.published_at.map(crate::clock::from_millis),
            closing(row.outcome.as_deref(), row.closed_at),
        ),
        Err(_) => ListKeys::empty(),
    }
}

pub async fn insert(conn: &mut AnyConnection, alert: &StoredAlert) -> sqlx::Result<()> {
    let r = &alert.row;
    let keys = list_keys(r);
    sqlx::query(
        "INSERT INTO alerts (id, org_id, number, status, audience, urgency, severity, certainty, country, \
         title, search_text, content, version, expires_at, created_by, created_at, updated_at, \
         urgency_rank, next_deadline, titles, facets) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(&r.id)
    .bind(&r.org_id)
    .bind(&r.number)
    .bind(r.status.as_str())
    .bind(r.audience.as_str())
    .bind(r.urgency.as_str())
    .bind(r.severity.as_str())
    .bind(r.certainty.as_str())
    .bind(&r.country)
    .bind(&r.title)
    .bind(&r.search_text)
    .bind(&r.content)
    .bind(r.version)
    .bind(r.expires_at)
    .bind(&r.created_by)
    .bind(r.created_at)
    .bind(r.updated_at)
    .bind(keys.urgency_rank)
    .bind(keys.next_deadline)
    .bind(&keys.titles)
    .bind(&keys.facets)
    .execute(&mut *conn)
    .await?;
    write_parts(conn, alert).await?;
    super::analysis::replace_facts(conn, super::analysis::Source::Own, &r.id, &keys.facts).await
}

/// Writes a new version of an alert, unless someone else changed it since
/// `previous_version` was read (then false, and nothing is written).
pub async fn update(conn: &mut AnyConnection, alert: &StoredAlert, previous_version: i64) -> sqlx::Result<bool> {
    let r = &alert.row;
    let keys = list_keys(r);
    let done = sqlx::query(
        "UPDATE alerts SET status = $3, audience = $4, urgency = $5, severity = $6, certainty = $7, \
         country = $8, title = $9, search_text = $10, content = $11, version = $12, expires_at = $13, \
         updated_at = $14, published_at = $15, closed_at = $16, outcome = $17, closing_note = $18, \
         withdrawal_reason = $19, urgency_rank = $20, next_deadline = $21, titles = $22, facets = $23 \
         WHERE id = $1 AND version = $2",
    )
    .bind(&r.id)
    .bind(previous_version)
    .bind(r.status.as_str())
    .bind(r.audience.as_str())
    .bind(r.urgency.as_str())
    .bind(r.severity.as_str())
    .bind(r.certainty.as_str())
    .bind(&r.country)
    .bind(&r.title)
    .bind(&r.search_text)
    .bind(&r.content)
    .bind(r.version)
    .bind(r.expires_at)
    .bind(r.updated_at)
    .bind(r.published_at)
    .bind(r.closed_at)
    .bind(&r.outcome)
    .bind(&r.closing_note)
    .bind(&r.withdrawal_reason)
    .bind(keys.urgency_rank)
    .bind(keys.next_deadline)
    .bind(&keys.titles)
    .bind(&keys.facets)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    for table in ["alert_violations", "alert_named_orgs", "alert_private", "alert_consent"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE alert_id = $1"))
            .bind(&r.id)
            .execute(&mut *conn)
            .await?;
    }
    write_parts(conn, alert).await?;
    super::analysis::replace_facts(conn, super::analysis::Source::Own, &r.id, &keys.facts).await?;
    Ok(true)
}

async fn write_parts(conn: &mut AnyConnection, alert: &StoredAlert) -> sqlx::Result<()> {
    let id = &alert.row.id;
    for v in &alert.violations {
        sqlx::query("INSERT INTO alert_violations (alert_id, violation) VALUES ($1, $2)")
            .bind(id)
            .bind(v)
            .execute(&mut *conn)
            .await?;
    }
    for o in &alert.named_orgs {
        sqlx::query("INSERT INTO alert_named_orgs (alert_id, org_ref) VALUES ($1, $2)")
            .bind(id)
            .bind(o)
            .execute(&mut *conn)
            .await?;
    }
    let p = &alert.private;
    sqlx::query(
        "INSERT INTO alert_private (alert_id, exact_location, contacts, family_details, internal_notes) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(&p.exact_location)
    .bind(&p.contacts)
    .bind(&p.family_details)
    .bind(&p.internal_notes)
    .execute(&mut *conn)
    .await?;
    if let Some(c) = &alert.consent {
        sqlx::query(
            "INSERT INTO alert_consent (alert_id, given_by, given_at, allowed_uses, withdrawn_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&c.given_by)
        .bind(c.given_at)
        .bind(&c.allowed_uses)
        .bind(c.withdrawn_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn insert_history<'e>(
    ex: impl Executor<'e, Database = Any>,
    alert_id: &str,
    entry: &HistoryRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO alert_history (alert_id, version, at, user_id, action, status, changed_fields, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(alert_id)
    .bind(entry.version)
    .bind(entry.at)
    .bind(&entry.user_id)
    .bind(entry.action.as_str())
    .bind(entry.status.as_str())
    .bind(&entry.changed_fields)
    .bind(&entry.note)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn history(db: &Db, alert_id: &str) -> sqlx::Result<Vec<HistoryRow>> {
    let mut conn = db.pool.acquire().await?;
    history_on(&mut conn, alert_id).await
}

/// As [`history`], on a connection already held (inside a transaction, say).
pub async fn history_on(conn: &mut sqlx::AnyConnection, alert_id: &str) -> sqlx::Result<Vec<HistoryRow>> {
    sqlx::query_as(
        "SELECT version, at, user_id, action, status, changed_fields, note FROM alert_history \
         WHERE alert_id = $1 ORDER BY version",
    )
    .bind(alert_id)
    .fetch_all(conn)
    .await
}

pub async fn get(db: &Db, id: &str) -> sqlx::Result<Option<StoredAlert>> {
    let mut conn = db.pool.acquire().await?;
    let row: Option<AlertRow> = sqlx::query_as(&format!("SELECT {ALERT_COLUMNS} FROM {ALERT_FROM} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let violations: Vec<(String,)> =
        sqlx::query_as("SELECT violation FROM alert_violations WHERE alert_id = $1 ORDER BY violation")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let named_orgs: Vec<(String,)> =
        sqlx::query_as("SELECT org_ref FROM alert_named_orgs WHERE alert_id = $1 ORDER BY org_ref")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let private: Option<PrivateRow> = sqlx::query_as(
        "SELECT exact_location, contacts, family_details, internal_notes FROM alert_private WHERE alert_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let consent: Option<ConsentRow> =
        sqlx::query_as("SELECT given_by, given_at, allowed_uses, withdrawn_at FROM alert_consent WHERE alert_id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(Some(StoredAlert {
        row,
        violations: violations.into_iter().map(|(v,)| v).collect(),
        named_orgs: named_orgs.into_iter().map(|(v,)| v).collect(),
        private: private.unwrap_or_default(),
        consent,
    }))
}

/// Filters for listing alerts; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub status: Option<String>,
    pub country: Option<String>,
    pub violation: Option<String>,
    pub urgency: Option<String>,
    pub org_id: Option<String>,
    /// Lower-cased text to find in titles, summaries, bodies and defender names.
    pub text: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Appends the conditions every alert list shares (status, country, urgency,
/// violation type, text) for table alias `alias`, numbering their values after
/// those already in `binds`.
pub(crate) fn push_filter_conditions(
    filter: &AlertFilter,
    alias: &str,
    violations_table: &str,
    conditions: &mut Vec<String>,
    binds: &mut Vec<String>,
) {
    let mut bind = |value: String| {
        binds.push(value);
        format!("${}", binds.len())
    };
    for (column, value) in [
        ("status", &filter.status),
        ("country", &filter.country),
        ("urgency", &filter.urgency),
    ] {
        if let Some(v) = value {
            conditions.push(format!("{alias}.{column} = {}", bind(v.clone())));
        }
    }
    if let Some(v) = &filter.violation {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM {violations_table} v WHERE v.alert_id = {alias}.id AND v.violation = {})",
            bind(v.clone())
        ));
    }
    if let Some(v) = &filter.text {
        // Searched literally: LIKE's own wildcards are escaped.
        let escaped = v.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        conditions.push(format!(
            "{alias}.search_text LIKE {} ESCAPE '\\'",
            bind(format!("%{escaped}%"))
        ));
    }
}

/// Alerts the viewer's organisation may see, newest first, and how many there are.
/// An organisation sees all of its own alerts; of other organisations on this node
/// only released ones (open or closed), and restricted ones only when named.
pub async fn list(
    db: &Db,
    viewer_org_id: &str,
    viewer_org_slug: &str,
    filter: &AlertFilter,
) -> sqlx::Result<(Vec<AlertRow>, i64)> {
    let mut conditions = vec![super::visibility::OWN_ALERTS.to_string()];
    let mut binds: Vec<String> = vec![viewer_org_id.to_string(), viewer_org_slug.to_string()];
    push_filter_conditions(filter, "a", "alert_violations", &mut conditions, &mut binds);
    if let Some(v) = &filter.org_id {
        binds.push(v.clone());
        conditions.push(format!("a.org_id = ${}", binds.len()));
    }
    let where_clause = conditions.join(" AND ");

    let count_sql = format!("SELECT COUNT(*) FROM alerts a WHERE {where_clause}");
    let mut count_query = sqlx::query_as::<_, (i64,)>(&count_sql);
    for b in &binds {
        count_query = count_query.bind(b);
    }
    let (total,) = count_query.fetch_one(&db.pool).await?;

    let list_sql = format!(
        "SELECT {ALERT_COLUMNS} FROM {ALERT_FROM} WHERE {where_clause} \
         ORDER BY a.created_at DESC, a.id DESC LIMIT {} OFFSET {}",
        filter.limit, filter.offset
    );
    let mut list_query = sqlx::query_as::<_, AlertRow>(&list_sql);
    for b in &binds {
        list_query = list_query.bind(b);
    }
    let rows = list_query.fetch_all(&db.pool).await?;
    Ok((rows, total))
}

/// Alerts published to everyone (open or closed), for nodeinfo.
pub async fn count_public<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM alerts WHERE audience = 'public' AND status IN ('open', 'closed')")
            .fetch_one(ex)
            .await?;
    Ok(n)
}

/// Ids of the organisation's public alerts, newest first, `limit` of them
/// after the first `offset`.
pub async fn newest_public_ids_of_org<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<String>> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM alerts WHERE org_id = $1 AND audience = 'public' AND status IN ('open', 'closed') \
         ORDER BY published_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(org_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

pub async fn count_public_of_org<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM alerts WHERE org_id = $1 AND audience = 'public' AND status IN ('open', 'closed')",
    )
    .bind(org_id)
    .fetch_one(ex)
    .await?;
    Ok(n)
}

/// Ids of the alerts that may be federated (open or closed, not node-only),
/// oldest first.
pub async fn federated_ids<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<String>> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM alerts WHERE status IN ('open', 'closed') AND audience <> 'node' ORDER BY created_at",
    )
    .fetch_all(ex)
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// An open alert of the organisation past its expiry.
#[derive(Debug, FromRow)]
pub struct ExpiredAlertRow {
    pub id: String,
    pub number: String,
    pub title: String,
    pub expires_at: i64,
}

/// The organisation's open alerts that expired before `now`, soonest first.
pub async fn expired_open_of_org<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
    now: i64,
) -> sqlx::Result<Vec<ExpiredAlertRow>> {
    sqlx::query_as(
        "SELECT id, number, title, expires_at FROM alerts WHERE org_id = $1 AND status = 'open' \
         AND expires_at IS NOT NULL AND expires_at < $2 ORDER BY expires_at, id",
    )
    .bind(org_id)
    .bind(now)
    .fetch_all(ex)
    .await
}

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

/// Which entries a reader asks for; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this organisation's entries (an organisation's admin).
    pub org_id: Option<String>,
    /// Entries made by this user.
    pub user_id: Option<String>,
    /// Entries whose action starts with one of these (`alert.`, `peer.`…).
    pub action_prefixes: Vec<String>,
    /// Entries about this subject (an alert's number, a username, a host).
    pub subject: Option<String>,
    /// From this time (milliseconds), inclusive.
    pub from: Option<i64>,
    /// Before this time (milliseconds).
    pub until: Option<i64>,
}

/// The entries `query` asks for, newest first.
pub async fn search(db: &Db, query: &AuditQuery, limit: i64, offset: i64) -> sqlx::Result<Vec<AuditRow>> {
    let mut conditions: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut numbers: Vec<i64> = Vec::new();
    // Texts are bound first, then numbers: the placeholders are numbered so.
    fn text_condition(conditions: &mut Vec<String>, texts: &mut Vec<String>, sql: &str, value: String) {
        texts.push(value);
        conditions.push(sql.replace('?', &format!("${}", texts.len())));
    }
    if let Some(org) = &query.org_id {
        text_condition(&mut conditions, &mut texts, "org_id = ?", org.clone());
    }
    if let Some(user) = &query.user_id {
        text_condition(&mut conditions, &mut texts, "user_id = ?", user.clone());
    }
    if let Some(subject) = &query.subject {
        text_condition(&mut conditions, &mut texts, "subject = ?", subject.clone());
    }
    if !query.action_prefixes.is_empty() {
        let mut any = Vec::new();
        for prefix in &query.action_prefixes {
            texts.push(format!("{prefix}%"));
            any.push(format!("action LIKE ${}", texts.len()));
        }
        conditions.push(format!("({})", any.join(" OR ")));
    }
    let mut next = texts.len();
    if let Some(from) = query.from {
        next += 1;
        numbers.push(from);
        conditions.push(format!("at >= ${next}"));
    }
    if let Some(until) = query.until {
        next += 1;
        numbers.push(until);
        conditions.push(format!("at < ${next}"));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT id, at, user_id, org_id, action, subject, detail FROM audit_log {filter} \
         ORDER BY at DESC, id DESC LIMIT ${} OFFSET ${}",
        next + 1,
        next + 2
    );
    let mut statement = sqlx::query_as(&sql);
    for text in texts {
        statement = statement.bind(text);
    }
    for number in numbers {
        statement = statement.bind(number);
    }
    statement.bind(limit).bind(offset).fetch_all(&db.pool).await
}

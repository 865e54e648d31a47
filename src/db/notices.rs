//! Notices to people (email): staff members' addresses and subscriptions,
//! the queue of notices with its claims, and the node's channel pauses.

use sqlx::{Any, Executor, FromRow};

/// A staff member who could be told of something, with what is needed to
/// decide whether and how.
#[derive(Debug, Clone, FromRow)]
pub struct Recipient {
    pub user_id: String,
    pub org_id: String,
    pub org_slug: String,
    #[sqlx(try_from = "String")]
    pub role: crate::domain::vocab::Role,
    pub email: String,
    pub language: Option<String>,
    /// Their subscription (JSON); `None`: their role's defaults.
    pub settings: Option<String>,
}

/// Every active staff member of this node who gave an address.
pub async fn recipients<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<Recipient>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.org_id, o.slug AS org_slug, u.role, u.email, u.language, s.settings \
         FROM users u JOIN organisations o ON o.id = u.org_id \
         LEFT JOIN notification_subscriptions s ON s.user_id = u.id \
         WHERE u.disabled_at IS NULL AND u.email IS NOT NULL AND u.email <> '' ORDER BY u.id",
    )
    .fetch_all(ex)
    .await
}

/// One staff member's address and stored subscription (`None`: defaults).
pub async fn settings_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> sqlx::Result<(Option<String>, Option<String>)> {
    let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT u.email, s.settings FROM users u LEFT JOIN notification_subscriptions s ON s.user_id = u.id \
         WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(ex)
    .await?;
    Ok(row.unwrap_or((None, None)))
}

pub async fn set_email<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    email: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET email = $2 WHERE id = $1")
        .bind(user_id)
        .bind(email)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn save_subscription<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    settings: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification_subscriptions (user_id, settings, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET settings = $2, updated_at = $3",
    )
    .bind(user_id)
    .bind(settings)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// Queues a notice, due at `due` (its recipient's digest hour, or now),
/// unless the same event was already queued for the same
/// person (`dedupe_key`); true if queued.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    user_id: &str,
    kind: &str,
    subject_id: &str,
    dedupe_key: &str,
    now: i64,
    due: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO notices (id, user_id, kind, subject_id, dedupe_key, state, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $7, $6) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(id)
    .bind(user_id)
    .bind(kind)
    .bind(subject_id)
    .bind(dedupe_key)
    .bind(now)
    .bind(due)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A notice due for sending, with its recipient.
#[derive(Debug, Clone, FromRow)]
pub struct DueNotice {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub subject_id: String,
    pub attempts: i64,
    pub email: Option<String>,
    pub language: Option<String>,
    #[sqlx(try_from = "String")]
    pub role: crate::domain::vocab::Role,
    /// The recipient's subscription (JSON); `None`: their role's defaults.
    pub settings: Option<String>,
}

/// Claims up to `limit` due notices for `owner` until `until` (wall-clock
/// milliseconds): pending, due at `now`, and not claimed by a process whose
/// claim is still running. A claimed notice is sent by its claimant only, so
/// two processes sharing a database never send one twice; a crashed
/// claimant's notices are taken over once its claim lapses.
pub async fn claim_due(
    conn: &mut sqlx::AnyConnection,
    owner: &str,
    now: i64,
    wall_now: i64,
    until: i64,
    limit: i64,
) -> sqlx::Result<Vec<DueNotice>> {
    let ids: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT id FROM notices WHERE state = 'pending' AND next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY next_attempt_at, id LIMIT {limit}"
    ))
    .bind(now)
    .bind(wall_now)
    .fetch_all(&mut *conn)
    .await?;
    let mut claimed = Vec::new();
    for (id,) in ids {
        // Taken only if nobody took it between the read and here.
        let taken = sqlx::query(
            "UPDATE notices SET claimed_by = $2, claimed_until = $3 WHERE id = $1 AND state = 'pending' \
             AND (claimed_until IS NULL OR claimed_until < $4)",
        )
        .bind(&id)
        .bind(owner)
        .bind(until)
        .bind(wall_now)
        .execute(&mut *conn)
        .await?;
        if taken.rows_affected() == 1 {
            claimed.push(id);
        }
    }
    let mut due = Vec::new();
    for id in claimed {
        let row: DueNotice = sqlx::query_as(
            "SELECT n.id, n.user_id, n.kind, n.subject_id, n.attempts, u.email, u.language, u.role, s.settings \
             FROM notices n JOIN users u ON u.id = n.user_id \
             LEFT JOIN notification_subscriptions s ON s.user_id = n.user_id WHERE n.id = $1",
        )
        .bind(&id)
        .fetch_one(&mut *conn)
        .await?;
        due.push(row);
    }
    Ok(due)
}

pub async fn mark_sent<'e>(ex: impl Executor<'e, Database = Any>, id: &str, owner: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE notices SET state = 'sent', attempts = attempts + 1, sent_at = $3, last_error = NULL, \
         claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2",
    )
    .bind(id)
    .bind(owner)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn schedule_retry<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    owner: &str,
    why: &str,
    next: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE notices SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4, \
         claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2",
    )
    .bind(id)
    .bind(owner)
    .bind(why)
    .bind(next)
    .execute(ex)
    .await?;
    Ok(())
}

/// A notice that can never be sent (its recipient has no address any more,
/// the server refused the address for good): kept, with why, for operators.
pub async fn mark_failed<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    owner: &str,
    why: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE notices SET state = 'failed', attempts = attempts + 1, last_error = $3, \
         claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2",
    )
    .bind(id)
    .bind(owner)
    .bind(why)
    .execute(ex)
    .await?;
    Ok(())
}

/// A notice whose alert is gone before it went: nothing to tell.
pub async fn mark_cancelled<'e>(ex: impl Executor<'e, Database = Any>, id: &str, owner: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE notices SET state = 'cancelled', claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2",
    )
    .bind(id)
    .bind(owner)
    .execute(ex)
    .await?;
    Ok(())
}

/// Gives back claims not used (a pause began, the process stops).
pub async fn release<'e>(ex: impl Executor<'e, Database = Any>, id: &str, owner: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE notices SET claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2")
        .bind(id)
        .bind(owner)
        .execute(ex)
        .await?;
    Ok(())
}

/// A notice as the queue page and the API show it.
#[derive(Debug, Clone, FromRow)]
pub struct NoticeRow {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub subject_id: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const NOTICE_COLUMNS: &str =
    "id, user_id, kind, subject_id, state, attempts, next_attempt_at, last_error, created_at, sent_at";

/// One person's notices, newest first.
pub async fn notices_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<NoticeRow>> {
    sqlx::query_as(&format!(
        "SELECT {NOTICE_COLUMNS} FROM notices WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT {limit}"
    ))
    .bind(user_id)
    .fetch_all(ex)
    .await
}

/// The queue for operators: notices not sent (pending, then failed), oldest first.
pub async fn unsent<'e>(ex: impl Executor<'e, Database = Any>, limit: i64) -> sqlx::Result<Vec<NoticeRow>> {
    sqlx::query_as(&format!(
        "SELECT {NOTICE_COLUMNS} FROM notices WHERE state <> 'sent' ORDER BY state DESC, created_at, id LIMIT {limit}"
    ))
    .fetch_all(ex)
    .await
}

/// How many notices are in each state.
pub async fn counts<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT state, COUNT(*) FROM notices GROUP BY state ORDER BY state")
        .fetch_all(ex)
        .await
}

pub async fn is_paused<'e>(ex: impl Executor<'e, Database = Any>, channel: &str) -> sqlx::Result<bool> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notice_channel_pauses WHERE channel = $1")
        .bind(channel)
        .fetch_one(ex)
        .await?;
    Ok(n > 0)
}

pub async fn pause<'e>(ex: impl Executor<'e, Database = Any>, channel: &str, by: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notice_channel_pauses (channel, paused_by, paused_at) VALUES ($1, $2, $3) \
         ON CONFLICT (channel) DO NOTHING",
    )
    .bind(channel)
    .bind(by)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn resume<'e>(ex: impl Executor<'e, Database = Any>, channel: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM notice_channel_pauses WHERE channel = $1")
        .bind(channel)
        .execute(ex)
        .await?;
    Ok(())
}

/// A pledge of one of our organisations past its due date, with no report
/// since and no reminder yet for this due date.
#[derive(Debug, Clone, FromRow)]
pub struct OverduePledge {
    /// The pledge's ActivityPub id.
    pub id: String,
    pub org_id: String,
    pub due_at: i64,
}

/// Pledges past due at `now` (see [`super::actions::overdue_pledges`]) that
/// no reminder was queued for at their present due date.
pub async fn unreminded_overdue_pledges<'e>(
    ex: impl Executor<'e, Database = Any>,
    kind: &str,
    now: i64,
) -> sqlx::Result<Vec<OverduePledge>> {
    sqlx::query_as(&format!(
        "SELECT s.id, s.org_id, s.due_at FROM solidarity_actions s WHERE s.org_id IS NOT NULL \
         AND s.kind = 'pledge' AND s.deleted_at IS NULL AND s.due_at < $1 AND NOT {} \
         AND NOT EXISTS (SELECT 1 FROM notice_reminders r WHERE r.kind = $2 AND r.subject_id = s.id \
         AND r.event = CAST(s.due_at AS TEXT)) ORDER BY s.due_at, s.id",
        super::actions::PLEDGE_KEPT
    ))
    .bind(now)
    .bind(kind)
    .fetch_all(ex)
    .await
}

/// An open alert of ours whose expiry is near, not reminded of yet at its
/// present expiry.
#[derive(Debug, Clone, FromRow)]
pub struct ExpiringAlert {
    pub id: String,
    pub org_id: String,
    pub expires_at: i64,
}

/// Open alerts that expire after `from` and no later than `until`, and that
/// no reminder was queued for at their present expiry.
pub async fn unreminded_expiring_alerts<'e>(
    ex: impl Executor<'e, Database = Any>,
    kind: &str,
    from: i64,
    until: i64,
) -> sqlx::Result<Vec<ExpiringAlert>> {
    sqlx::query_as(
        "SELECT a.id, a.org_id, a.expires_at FROM alerts a WHERE a.status = 'open' \
         AND a.expires_at IS NOT NULL AND a.expires_at > $1 AND a.expires_at <= $2 \
         AND NOT EXISTS (SELECT 1 FROM notice_reminders r WHERE r.kind = $3 AND r.subject_id = a.id \
         AND r.event = CAST(a.expires_at AS TEXT)) ORDER BY a.expires_at, a.id",
    )
    .bind(from)
    .bind(until)
    .bind(kind)
    .fetch_all(ex)
    .await
}

/// Records that a reminder's notices were queued (in their transaction):
/// it is not looked at again.
pub async fn mark_reminded<'e>(
    ex: impl Executor<'e, Database = Any>,
    kind: &str,
    subject_id: &str,
    event: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notice_reminders (kind, subject_id, event, queued_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind, subject_id, event) DO NOTHING",
    )
    .bind(kind)
    .bind(subject_id)
    .bind(event)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

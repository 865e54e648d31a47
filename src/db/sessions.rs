//! What a staff member manages of their own account: their browser sessions
//! (when started and last used, from which browser), their password, and a
//! second factor waiting to be confirmed.

use sqlx::{Any, Executor, FromRow};

use super::Db;

/// One signed-in browser. The hash identifies it (the cookie's secret is
/// never stored) and is not shown to anyone.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub user_agent: Option<String>,
}

/// A user's unexpired browser sessions, the newest first.
pub async fn list_sessions(db: &Db, user_id: &str, now: i64) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(
        "SELECT token_hash, created_at, expires_at, last_used_at, user_agent FROM web_sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, token_hash",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// Notes which browser a session was started from.
pub async fn set_session_user_agent(db: &Db, token_hash: &str, user_agent: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE web_sessions SET user_agent = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(user_agent)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Notes that a session was used now, at most once per `resolution`
/// milliseconds: each page would otherwise write to the database.
pub async fn touch_session(db: &Db, token_hash: &str, now: i64, resolution: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE web_sessions SET last_used_at = $2 WHERE token_hash = $1 \
         AND (last_used_at IS NULL OR last_used_at <= $3)",
    )
    .bind(token_hash)
    .bind(now)
    .bind(now - resolution)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Ends every browser session of a user but the one with `keep_hash` (if
/// any); returns how many ended.
pub async fn end_other_sessions<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    keep_hash: Option<&str>,
) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM web_sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep_hash.unwrap_or_default())
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}

pub async fn set_password_hash<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    password_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user_id)
        .bind(password_hash)
        .execute(ex)
        .await?;
    Ok(())
}

/// Keeps (sealed) a second factor being enrolled, replacing any earlier one
/// not confirmed.
pub async fn set_pending_totp_secret(db: &Db, user_id: &str, sealed_secret: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET totp_pending_secret = $2 WHERE id = $1")
        .bind(user_id)
        .bind(sealed_secret)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The (sealed) second factor a user is enrolling, if any.
pub async fn pending_totp_secret(db: &Db, user_id: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(Option<String>,)> = sqlx::query_as("SELECT totp_pending_secret FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.and_then(|(secret,)| secret))
}

/// Puts the pending second factor in place of the current one, with the
/// time step of the code that confirmed it already used; false when the
/// pending one changed (or was confirmed) meanwhile.
pub async fn confirm_pending_totp_secret<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    sealed_secret: &str,
    step: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_last_step = $3 \
         WHERE id = $1 AND totp_pending_secret = $2",
    )
    .bind(user_id)
    .bind(sealed_secret)
    .bind(step)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

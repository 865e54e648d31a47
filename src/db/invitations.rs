//! An organisation's profile (summary, working languages), the one-time links
//! its admins give staff (invitations, password and second-factor resets),
//! and the second factor an admin requires of someone whose role does not.

use sqlx::{Any, Executor, FromRow};

use super::Db;

/// What an organisation says of itself.
#[derive(Debug, Clone, FromRow)]
pub struct OrgProfileRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub summary: String,
    /// Comma-separated language tags.
    pub languages: String,
    pub created_at: i64,
}

pub async fn org_profile(db: &Db, org_id: &str) -> sqlx::Result<Option<OrgProfileRow>> {
    sqlx::query_as("SELECT id, slug, name, summary, languages, created_at FROM organisations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn org_profile_by_slug(db: &Db, slug: &str) -> sqlx::Result<Option<OrgProfileRow>> {
    sqlx::query_as("SELECT id, slug, name, summary, languages, created_at FROM organisations WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&db.pool)
        .await
}

pub async fn update_org_profile<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
    name: &str,
    summary: &str,
    languages: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE organisations SET name = $2, summary = $3, languages = $4 WHERE id = $1")
        .bind(org_id)
        .bind(name)
        .bind(summary)
        .bind(languages)
        .execute(ex)
        .await?;
    Ok(())
}

/// A one-time link for a staff member.
#[derive(Debug, Clone, FromRow)]
pub struct StaffLinkRow {
    pub token_hash: String,
    /// `invitation`, `password` or `second_factor`.
    pub kind: String,
    pub org_id: String,
    /// None for an invitation: the account is made when it is accepted.
    pub user_id: Option<String>,
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// The sealed authenticator secret waiting to be confirmed.
    pub totp_secret: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

const LINK_COLUMNS: &str = "token_hash, kind, org_id, user_id, username, display_name, role, totp_secret, \
     created_by, created_at, expires_at, used_at";

pub async fn insert_link<'e>(ex: impl Executor<'e, Database = Any>, link: &StaffLinkRow) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO staff_links ({LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&link.token_hash)
    .bind(&link.kind)
    .bind(&link.org_id)
    .bind(&link.user_id)
    .bind(&link.username)
    .bind(&link.display_name)
    .bind(&link.role)
    .bind(&link.totp_secret)
    .bind(&link.created_by)
    .bind(link.created_at)
    .bind(link.expires_at)
    .bind(link.used_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn find_link(db: &Db, token_hash: &str) -> sqlx::Result<Option<StaffLinkRow>> {
    sqlx::query_as(&format!("SELECT {LINK_COLUMNS} FROM staff_links WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await
}

/// Uses a link up; false when it was used (or had expired) already, so two
/// requests cannot both use one link.
pub async fn use_link<'e>(ex: impl Executor<'e, Database = Any>, token_hash: &str, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE staff_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends the unused links of a user (a new reset replaces an older one).
pub async fn cancel_links_of_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    kind: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE staff_links SET expires_at = $3 WHERE user_id = $1 AND kind = $2 AND used_at IS NULL")
        .bind(user_id)
        .bind(kind)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

/// An organisation's invitations not yet accepted and not expired.
pub async fn pending_invitations(db: &Db, org_id: &str, now: i64) -> sqlx::Result<Vec<StaffLinkRow>> {
    sqlx::query_as(&format!(
        "SELECT {LINK_COLUMNS} FROM staff_links WHERE org_id = $1 AND kind = 'invitation' AND used_at IS NULL \
         AND expires_at > $2 ORDER BY created_at"
    ))
    .bind(org_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// Whether an unexpired, unused invitation holds this username.
pub async fn username_invited(db: &Db, username: &str, now: i64) -> sqlx::Result<bool> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM staff_links WHERE username = $1 AND kind = 'invitation' AND used_at IS NULL \
         AND expires_at > $2",
    )
    .bind(username)
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
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

/// Removes a user's second factor (secret and recovery codes).
pub async fn clear_second_factor(conn: &mut sqlx::AnyConnection, user_id: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET totp_secret = NULL, totp_last_step = NULL WHERE id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks the time step of the code that confirmed an enrolment as used.
pub async fn set_totp_last_step<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    step: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET totp_last_step = $2 WHERE id = $1")
        .bind(user_id)
        .bind(step)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn two_factor_required(db: &Db, user_id: &str) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT two_factor_required FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some_and(|(n,)| n != 0))
}

pub async fn set_two_factor_required<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    required: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET two_factor_required = $2 WHERE id = $1")
        .bind(user_id)
        .bind(super::flag(required))
        .execute(ex)
        .await?;
    Ok(())
}

/// The users of an organisation who must give a second factor although
/// their role does not need one.
pub async fn two_factor_required_of_org(db: &Db, org_id: &str) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT id FROM users WHERE org_id = $1 AND two_factor_required <> 0")
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

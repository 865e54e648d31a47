//! Organisations, staff accounts and API tokens.

use crate::domain::vocab::Role;
use sqlx::{Any, Executor, FromRow};

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct OrgRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub alert_prefix: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub org_id: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub password_hash: String,
    /// Sealed (when the node has a key secret) like private keys.
    pub totp_secret: Option<String>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    /// Whether this user also operates the node (organisations, trust,
    /// deliveries, the node-wide audit log).
    #[sqlx(try_from = "super::IntBool")]
    pub node_operator: bool,
    /// The last TOTP time step accepted: a code is good once.
    pub totp_last_step: Option<i64>,
    /// The language chosen for the pages, if any.
    pub language: Option<String>,
}

impl UserRow {
    pub fn is_operator(&self) -> bool {
        self.node_operator
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub expires_at: Option<i64>,
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.org_id, u.role, u.password_hash, \
     u.totp_secret, u.created_at, u.disabled_at, u.node_operator, u.totp_last_step, u.language";
const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, last_used_at, revoked_at, expires_at";

pub async fn insert_org(conn: &mut sqlx::AnyConnection, org: &OrgRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO organisations (id, slug, name, alert_prefix, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&org.id)
        .bind(&org.slug)
        .bind(&org.name)
        .bind(&org.alert_prefix)
        .bind(org.created_at)
        .execute(&mut *conn)
        .await?;
    // Restricted alerts that already named an organisation by this name
    // are its to count now, as they are its to see.
    let named: Vec<(String,)> = sqlx::query_as("SELECT alert_id FROM alert_named_orgs WHERE org_ref = $1")
        .bind(&org.slug)
        .fetch_all(&mut *conn)
        .await?;
    for (alert_id,) in named {
        super::analysis::recount_visibility(conn, super::analysis::Source::Own, &alert_id).await?;
    }
    Ok(())
}

pub async fn list_orgs(db: &Db) -> sqlx::Result<Vec<OrgRow>> {
    sqlx::query_as("SELECT id, slug, name, alert_prefix, created_at FROM organisations ORDER BY slug")
        .fetch_all(&db.pool)
        .await
}

pub async fn find_org_by_slug(db: &Db, slug: &str) -> sqlx::Result<Option<OrgRow>> {
    sqlx::query_as("SELECT id, slug, name, alert_prefix, created_at FROM organisations WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&db.pool)
        .await
}

pub async fn find_org_by_id(db: &Db, id: &str) -> sqlx::Result<Option<OrgRow>> {
    sqlx::query_as("SELECT id, slug, name, alert_prefix, created_at FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn insert_user<'e>(ex: impl Executor<'e, Database = Any>, user: &UserRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users (id, username, display_name, org_id, role, password_hash, totp_secret, created_at, \
         node_operator) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&user.id)
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(&user.org_id)
    .bind(user.role.as_str())
    .bind(&user.password_hash)
    .bind(&user.totp_secret)
    .bind(user.created_at)
    .bind(super::flag(user.node_operator))
    .execute(ex)
    .await?;
    Ok(())
}

/// The staff of one organisation.
pub async fn list_users_of_org(db: &Db, org_id: &str) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 ORDER BY u.username"
    ))
    .bind(org_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn find_user_by_username(db: &Db, username: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1"))
        .bind(username)
        .fetch_optional(&db.pool)
        .await
}

pub async fn find_user_by_id(db: &Db, id: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn count_active_admins(db: &Db) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL")
        .fetch_one(&db.pool)
        .await?;
    Ok(n)
}

pub async fn count_active_admins_of_org(db: &Db, org_id: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM users WHERE org_id = $1 AND role = 'admin' AND disabled_at IS NULL")
            .bind(org_id)
            .fetch_one(&db.pool)
            .await?;
    Ok(n)
}

pub async fn count_active_operators(db: &Db) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE node_operator = 1 AND disabled_at IS NULL")
        .fetch_one(&db.pool)
        .await?;
    Ok(n)
}

pub async fn set_operator<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    operator: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET node_operator = $2 WHERE id = $1")
        .bind(user_id)
        .bind(i64::from(operator))
        .execute(ex)
        .await?;
    Ok(())
}

/// A new second factor: the (sealed) secret, and no code used with it yet.
pub async fn set_totp_secret<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    sealed_secret: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET totp_secret = $2, totp_last_step = NULL WHERE id = $1")
        .bind(user_id)
        .bind(sealed_secret)
        .execute(ex)
        .await?;
    Ok(())
}

/// Takes TOTP time step `step` for the user, if no code of that step or a
/// later one was accepted before; false means the code was already used. One
/// conditional statement, so two processes cannot both accept one code.
pub async fn claim_totp_step(db: &Db, user_id: &str, step: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the user's recovery codes with these (hashes).
pub async fn replace_recovery_codes(
    tx: &mut sqlx::Transaction<'_, Any>,
    user_id: &str,
    code_hashes: &[String],
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for hash in code_hashes {
        sqlx::query("INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(hash)
            .bind(user_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Uses up one recovery code; false when the user has no such unused code.
pub async fn use_recovery_code(db: &Db, user_id: &str, code_hash: &str, now: i64) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL")
            .bind(user_id)
            .bind(code_hash)
            .bind(now)
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn count_unused_recovery_codes(db: &Db, user_id: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(n)
}

/// Ends everything a user is signed in with: tokens revoked, browser sessions deleted.
pub async fn end_all_sign_ins(conn: &mut sqlx::AnyConnection, user_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM web_sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn insert_session(db: &Db, token_hash: &str, user_id: &str, now: i64, expires_at: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO web_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The user of an unexpired browser session.
pub async fn find_session_user(db: &Db, token_hash: &str, now: i64) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT user_id FROM web_sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn update_user_role<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    role: Role,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
        .bind(user_id)
        .bind(role.as_str())
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn disable_user<'e>(ex: impl Executor<'e, Database = Any>, user_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn insert_token<'e>(
    ex: impl Executor<'e, Database = Any>,
    token: &TokenRow,
    token_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
        .bind(&token.id)
        .bind(&token.user_id)
        .bind(&token.name)
        .bind(token_hash)
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(ex)
        .await?;
    Ok(())
}

/// The active user holding an unrevoked, unexpired token with this hash, and the token's id.
pub async fn find_user_by_token_hash(db: &Db, token_hash: &str, now: i64) -> sqlx::Result<Option<(UserRow, String)>> {
    #[derive(FromRow)]
    struct Found {
        #[sqlx(flatten)]
        user: UserRow,
        token_id: String,
    }
    let found: Option<Found> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS}, t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.disabled_at IS NULL"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.map(|f| (f.user, f.token_id)))
}

pub async fn touch_token(db: &Db, token_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(token_id)
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn list_tokens(db: &Db, user_id: &str) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at"
    ))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// Revokes one of the user's tokens; false when the user has no such active token.
pub async fn revoke_token(db: &Db, user_id: &str, token_id: &str, now: i64) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
            .bind(token_id)
            .bind(user_id)
            .bind(now)
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// An organisation's slug, read on the caller's executor (inside a transaction).
pub async fn org_slug<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str) -> sqlx::Result<Option<String>> {
    let org: Option<(String,)> = sqlx::query_as("SELECT slug FROM organisations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(ex)
        .await?;
    Ok(org.map(|(slug,)| slug))
}

pub async fn count_orgs<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM organisations")
        .fetch_one(ex)
        .await?;
    Ok(n)
}

/// Sets (or, with `None`, clears) the language a user chose for the pages.
pub async fn set_user_language(db: &Db, user_id: &str, language: Option<&str>) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
        .bind(language)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

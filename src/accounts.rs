//! Organisations, staff and how they prove who they are: argon2 password hashes,
//! TOTP second factors for roles that can publish or change trust, and personal
//! API tokens (random, shown once, stored as SHA-256 hashes, revocable).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::clock::to_millis;
use crate::db::accounts::{self as q, OrgRow, TokenRow, UserRow};
use crate::db::{Db, audit, is_unique_violation, new_id};
use crate::domain::FieldErrors;
use crate::domain::vocab::Role;
use crate::error::{Error, Result};

pub const MIN_PASSWORD_LEN: usize = 12;
const TOKEN_PREFIX: &str = "tdm_";
const TOTP_ISSUER: &str = "Tadamun";

/// A signed-in staff member, as handlers see them.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user_id: String,
    pub username: String,
    pub org_id: String,
    pub org_slug: String,
    pub role: Role,
}

impl Staff {
    pub fn require(&self, allowed: bool, what: &str) -> Result<()> {
        if allowed {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("your role `{}` cannot {what}", self.role)))
        }
    }
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

fn totp_for(secret_base32: &str, account: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored TOTP secret unreadable: {e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some(TOTP_ISSUER.to_string()),
        account.to_string(),
    )
    .map_err(|e| Error::Internal(anyhow::anyhow!("building TOTP: {e}")))
}

/// The current six-digit code for a stored secret (what an authenticator app shows).
pub fn current_totp_code(secret_base32: &str, now: DateTime<Utc>) -> Result<String> {
    Ok(totp_for(secret_base32, "code")?.generate(now.timestamp() as u64))
}

fn check_slug(errors: &mut FieldErrors, field: &str, value: &str, what: &str) {
    let ok = (2..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' || c == '_')
        && value.starts_with(|c: char| c.is_ascii_alphanumeric());
    if !ok {
        errors.add(
            field,
            format!("{what}: 2 to 64 characters, lower-case letters, digits, '-', '.' or '_', starting with a letter or digit"),
        );
    }
}

pub struct NewOrg {
    pub slug: String,
    pub name: String,
    pub alert_prefix: Option<String>,
}

pub async fn create_org(db: &Db, new: NewOrg, now: DateTime<Utc>, by: Option<&str>) -> Result<OrgRow> {
    let mut errors = FieldErrors::default();
    check_slug(
        &mut errors,
        "slug",
        &new.slug,
        "the organisation's short name used in addresses",
    );
    if new.name.trim().is_empty() || new.name.chars().count() > 200 {
        errors.add("name", "required, at most 200 characters");
    }
    let prefix = new.alert_prefix.unwrap_or_else(|| "SOS".to_string());
    if !(2..=8).contains(&prefix.len()) || !prefix.chars().all(|c| c.is_ascii_uppercase()) {
        errors.add("alert_prefix", "2 to 8 upper-case letters, such as SOS");
    }
    errors.into_result()?;
    let org = OrgRow {
        id: new_id(),
        slug: new.slug,
        name: new.name.trim().to_string(),
        alert_prefix: prefix,
        created_at: to_millis(now),
    };
    let mut tx = db.pool.begin().await?;
    q::insert_org(&mut *tx, &org).await.map_err(|e| {
        if is_unique_violation(&e) {
            Error::Conflict(format!("an organisation `{}` already exists", org.slug))
        } else {
            e.into()
        }
    })?;
    audit::record(&mut *tx, org.created_at, by, "org.create", &org.slug, &org.name).await?;
    tx.commit().await?;
    Ok(org)
}

pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    pub org_slug: String,
    pub role: Role,
    pub password: String,
}

pub struct CreatedUser {
    pub user: UserRow,
    pub org: OrgRow,
    /// For roles that need a second factor: the otpauth:// URI to load into an
    /// authenticator app. Shown once.
    pub totp_uri: Option<String>,
}

pub async fn create_user(db: &Db, new: NewUser, now: DateTime<Utc>, by: Option<&str>) -> Result<CreatedUser> {
    let mut errors = FieldErrors::default();
    check_slug(&mut errors, "username", &new.username, "username");
    if new.password.chars().count() < MIN_PASSWORD_LEN {
        errors.add("password", format!("at least {MIN_PASSWORD_LEN} characters"));
    }
    if new.password.len() > 1024 {
        errors.add("password", "at most 1024 bytes");
    }
    let org = q::find_org_by_slug(db, &new.org_slug).await?;
    if org.is_none() {
        errors.add("org", format!("no organisation `{}` on this node", new.org_slug));
    }
    errors.into_result()?;
    let org = org.expect("checked above");

    let (totp_secret, totp_uri) = if new.role.requires_two_factor() {
        let secret = Secret::generate_secret().to_encoded().to_string();
        let uri = totp_for(&secret, &new.username)?.get_url();
        (Some(secret), Some(uri))
    } else {
        (None, None)
    };
    let user = UserRow {
        id: new_id(),
        display_name: new
            .display_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| new.username.clone()),
        username: new.username,
        org_id: org.id.clone(),
        role: new.role.as_str().to_string(),
        password_hash: hash_password(&new.password)?,
        totp_secret,
        created_at: to_millis(now),
        disabled_at: None,
    };
    let mut tx = db.pool.begin().await?;
    q::insert_user(&mut *tx, &user).await.map_err(|e| {
        if is_unique_violation(&e) {
            Error::Conflict(format!("the username `{}` is taken", user.username))
        } else {
            e.into()
        }
    })?;
    audit::record(
        &mut *tx,
        user.created_at,
        by,
        "user.create",
        &user.username,
        &format!("org={} role={}", org.slug, user.role),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedUser { user, org, totp_uri })
}

/// Changes a user's role; a role that needs a second factor gets a TOTP secret
/// if the user has none, and its otpauth URI is returned once.
pub async fn set_role(db: &Db, user_id: &str, role: Role, now: DateTime<Utc>, by: &Staff) -> Result<Option<String>> {
    let user = q::find_user_by_id(db, user_id).await?.ok_or(Error::NotFound("user"))?;
    if user.id == by.user_id && role != Role::Admin {
        return Err(Error::Conflict(
            "you cannot lower your own role; ask another admin".into(),
        ));
    }
    let new_secret = (role.requires_two_factor() && user.totp_secret.is_none())
        .then(|| Secret::generate_secret().to_encoded().to_string());
    let mut tx = db.pool.begin().await?;
    q::update_user_role(&mut *tx, &user.id, role.as_str(), new_secret.as_deref()).await?;
    let old_role: Option<Role> = user.role.parse().ok();
    if role.requires_two_factor() && !old_role.is_some_and(|r| r.requires_two_factor()) {
        // Tokens issued without a second factor must not gain publishing rights.
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(&user.id)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&by.user_id),
        "user.role",
        &user.username,
        &format!("{} -> {}", user.role, role),
    )
    .await?;
    tx.commit().await?;
    new_secret
        .map(|s| totp_for(&s, &user.username).map(|t| t.get_url()))
        .transpose()
}

pub async fn disable_user(db: &Db, user_id: &str, now: DateTime<Utc>, by: &Staff) -> Result<()> {
    let user = q::find_user_by_id(db, user_id).await?.ok_or(Error::NotFound("user"))?;
    if user.id == by.user_id {
        return Err(Error::Conflict("you cannot disable your own account".into()));
    }
    let mut tx = db.pool.begin().await?;
    q::disable_user(&mut *tx, &user.id, to_millis(now)).await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&by.user_id),
        "user.disable",
        &user.username,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a new API token for a user; the plain token is returned once and
/// only its hash is kept.
pub async fn issue_token(db: &Db, user_id: &str, name: &str, now: DateTime<Utc>) -> Result<(String, TokenRow)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(FieldErrors::single("name", "required, at most 100 characters").into());
    }
    let plain = new_token();
    let row = TokenRow {
        id: new_id(),
        user_id: user_id.to_string(),
        name: name.to_string(),
        created_at: to_millis(now),
        last_used_at: None,
        revoked_at: None,
    };
    q::insert_token(&db.pool, &row, &hash_token(&plain)).await?;
    Ok((plain, row))
}

/// Password (and, for roles that need it, TOTP) sign-in that yields a new token.
pub async fn sign_in(
    db: &Db,
    username: &str,
    password: &str,
    totp_code: Option<&str>,
    token_name: &str,
    now: DateTime<Utc>,
) -> Result<(String, TokenRow)> {
    let user_id = check_credentials(db, username, password, totp_code, now).await?;
    issue_token(db, &user_id, token_name, now).await
}

/// How long a browser stays signed in.
pub const SESSION_HOURS: i64 = 12;

/// Signs a browser in; returns the cookie's secret (only its hash is kept).
pub async fn start_session(
    db: &Db,
    username: &str,
    password: &str,
    totp_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String> {
    let user_id = check_credentials(db, username, password, totp_code, now).await?;
    let plain = new_token();
    sqlx::query("INSERT INTO web_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash_token(&plain))
        .bind(&user_id)
        .bind(to_millis(now))
        .bind(to_millis(now + chrono::Duration::hours(SESSION_HOURS)))
        .execute(&db.pool)
        .await?;
    Ok(plain)
}

pub async fn end_session(db: &Db, plain: &str) -> Result<()> {
    sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
        .bind(hash_token(plain))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The staff member behind a browser session, if it is valid and not expired.
pub async fn session_staff(db: &Db, plain: &str, now: DateTime<Utc>) -> Result<Staff> {
    let expired = || Error::Unauthorized("the session has expired; sign in again".into());
    let row: Option<(String,)> =
        sqlx::query_as("SELECT user_id FROM web_sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(hash_token(plain))
            .bind(to_millis(now))
            .fetch_optional(&db.pool)
            .await?;
    let (user_id,) = row.ok_or_else(expired)?;
    let user = q::find_user_by_id(db, &user_id)
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or_else(expired)?;
    staff_of(db, user).await
}

/// Checks a password and, for roles that need it, a TOTP code; returns the user's id.
async fn check_credentials(
    db: &Db,
    username: &str,
    password: &str,
    totp_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String> {
    let refused = || Error::Unauthorized("wrong username, password or code".into());
    let Some(user) = q::find_user_by_username(db, username).await? else {
        // Hash anyway, so that a missing user takes as long as a wrong password.
        let _ = hash_password(password);
        return Err(refused());
    };
    if user.disabled_at.is_some() || !verify_password(password, &user.password_hash) {
        return Err(refused());
    }
    let role: Role = user.role.parse().map_err(|_| refused())?;
    if role.requires_two_factor() {
        let secret = user.totp_secret.as_deref().ok_or_else(refused)?;
        let Some(code) = totp_code else {
            return Err(Error::Unauthorized(format!(
                "your role `{role}` signs in with two factors: add `totp_code` from your authenticator app"
            )));
        };
        if !totp_for(secret, &user.username)?.check(code.trim(), now.timestamp() as u64) {
            return Err(refused());
        }
    }
    Ok(user.id)
}

/// The staff member behind a bearer token, if the token is valid.
pub async fn authenticate(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Staff> {
    let invalid = || Error::Unauthorized("the API token is invalid or revoked".into());
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(invalid());
    }
    let (user, token_id) = q::find_user_by_token_hash(db, &hash_token(token))
        .await?
        .ok_or_else(invalid)?;
    q::touch_token(db, &token_id, to_millis(now)).await?;
    staff_of(db, user).await
}

/// The staff member a user row stands for, with their organisation.
async fn staff_of(db: &Db, user: q::UserRow) -> Result<Staff> {
    let org = q::find_org_by_id(db, &user.org_id)
        .await?
        .ok_or(Error::Internal(anyhow::anyhow!("user {} has no organisation", user.id)))?;
    Ok(Staff {
        role: user
            .role
            .parse()
            .map_err(|_| Error::Internal(anyhow::anyhow!("unknown role {}", user.role)))?,
        user_id: user.id,
        username: user.username,
        org_id: org.id,
        org_slug: org.slug,
    })
}

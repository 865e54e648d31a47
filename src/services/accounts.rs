//! Organisations, staff and how they prove who they are: argon2 password hashes,
//! TOTP second factors (each code good once, sealed at rest like private keys,
//! with single-use recovery codes) for roles that can publish or change trust,
//! sign-in limits per account and per client address, and personal API tokens
//! (random, shown once, stored as SHA-256 hashes, expiring, revocable).
//!
//! Who manages whom: the node operator manages organisations and the node
//! (trust, deliveries, the node-wide audit log); an organisation's admin
//! manages its own staff only. The operator adds an organisation's first admin
//! and nothing else inside it, and never sees its local-only data.

use std::net::IpAddr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::clock::to_millis;
use crate::db::accounts::{self as q, OrgRow, TokenRow, UserRow};
use crate::db::{Db, audit, is_unique_violation, new_id, sign_in_failures};
use crate::domain::FieldErrors;
use crate::domain::vocab::Role;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::state::keystore::{self, KeyCipher};

pub const MIN_PASSWORD_LEN: usize = 12;
const TOKEN_PREFIX: &str = "tdm_";
const TOTP_ISSUER: &str = "Tadamun";
const TOTP_STEP_SECONDS: i64 = 30;
/// Recovery codes handed out at each enrolment.
pub const RECOVERY_CODES: usize = 10;

/// The one answer to every failed sign-in, whatever failed: a different answer
/// for a right password without its code would confirm the password.
pub const SIGN_IN_REFUSED: &str = "wrong username, password or code (coordinators, admins and operators also \
     give the code from their authenticator app or a recovery code)";

/// A signed-in staff member, as handlers see them.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user_id: String,
    pub username: String,
    pub org_id: String,
    pub org_slug: String,
    /// The organisation's name, as pages show it.
    pub org_name: String,
    pub role: Role,
    /// Also operates the node: organisations, trust, deliveries, node-wide audit.
    pub node_operator: bool,
    /// The language they chose for the pages; `None`: their browser's.
    pub language: Option<crate::i18n::Lang>,
}

impl Staff {
    pub fn require(&self, allowed: bool, what: &str) -> Result<()> {
        if allowed {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("your role `{}` cannot {what}", self.role)))
        }
    }

    pub fn require_operator(&self, what: &str) -> Result<()> {
        if self.node_operator {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("only this node's operators can {what}")))
        }
    }

    /// Whether this staff member administers `user`'s organisation.
    fn administers(&self, user: &UserRow) -> bool {
        self.role == Role::Admin && self.org_id == user.org_id
    }
}

/// A user of this staff member's organisation whom they administer; users of
/// other organisations are answered as unknown, so nothing about them leaks.
pub(crate) async fn administered_user(db: &Db, user_id: &str, by: &Staff) -> Result<UserRow> {
    let user = q::find_user_by_id(db, user_id).await?;
    match user {
        Some(user) if by.administers(&user) => Ok(user),
        Some(user) if user.org_id == by.org_id => Err(Error::Forbidden(format!(
            "your role `{}` cannot manage staff (your organisation's admins can)",
            by.role
        ))),
        _ => Err(Error::NotFound("user")),
    }
}

/// The user themselves, or a staff member of the organisation `by` administers.
async fn self_or_administered(db: &Db, user_id: &str, by: &Staff) -> Result<UserRow> {
    if user_id == by.user_id {
        q::find_user_by_id(db, user_id).await?.ok_or(Error::NotFound("user"))
    } else {
        administered_user(db, user_id, by).await
    }
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// A TOTP for one secret that accepts exactly the time step it is asked about
/// (no skew): the caller tries the neighbouring steps itself, to learn which
/// one matched and refuse it the next time.
pub(crate) fn totp_for(secret_base32: &str, account: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored TOTP secret unreadable: {e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        0,
        TOTP_STEP_SECONDS as u64,
        bytes,
        Some(TOTP_ISSUER.to_string()),
        account.to_string(),
    )
    .map_err(|e| Error::Internal(anyhow::anyhow!("building TOTP: {e}")))
}

/// The current six-digit code for a secret (what an authenticator app shows).
pub fn current_totp_code(secret_base32: &str, now: DateTime<Utc>) -> Result<String> {
    Ok(totp_for(secret_base32, "code")?.generate(now.timestamp() as u64))
}

/// The time step (of the previous, current or next) whose code this is.
pub(crate) fn matching_step(totp: &TOTP, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let current = now.timestamp().div_euclid(TOTP_STEP_SECONDS);
    (current - 1..=current + 1).find(|step| totp.check(code, (step * TOTP_STEP_SECONDS) as u64))
}

fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub(crate) fn hash_recovery_code(code: &str) -> String {
    hash_token(&normalise_recovery_code(code))
}

/// Ten codes of 16 letters and digits (80 bits each), grouped by four.
pub(crate) fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let plain: String = (0..16)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect();
            let groups: Vec<&str> = (0..4).map(|i| &plain[i * 4..i * 4 + 4]).collect();
            groups.join("-")
        })
        .collect()
}

/// A second factor as its user sees it once: the otpauth:// URI to load into
/// an authenticator app, and recovery codes for when the app is lost.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub totp_uri: String,
    pub recovery_codes: Vec<String>,
}

/// Makes a new second factor for a user and stores it (sealed) with its
/// recovery codes, replacing any earlier ones.
async fn enrol(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    cipher: Option<&KeyCipher>,
    user_id: &str,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Enrolment> {
    let secret = Secret::generate_secret().to_encoded().to_string();
    let totp_uri = totp_for(&secret, username)?.get_url();
    q::set_totp_secret(&mut **tx, user_id, &keystore::seal(cipher, &secret)?).await?;
    let recovery_codes = new_recovery_codes();
    let hashes: Vec<String> = recovery_codes.iter().map(|c| hash_recovery_code(c)).collect();
    q::replace_recovery_codes(tx, user_id, &hashes, to_millis(now)).await?;
    Ok(Enrolment {
        totp_uri,
        recovery_codes,
    })
}

pub(crate) fn needs_second_factor(role: Role, operator: bool) -> bool {
    role.requires_two_factor() || operator
}

pub(crate) fn check_slug(errors: &mut FieldErrors, field: &str, value: &str, what: &str) {
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

/// Adds an organisation: the operator's (or, with `by` None, the command line's).
pub async fn create_org(db: &Db, new: NewOrg, now: DateTime<Utc>, by: Option<&Staff>) -> Result<OrgRow> {
    if let Some(staff) = by {
        staff.require_operator("add organisations to this node")?;
    }
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
    q::insert_org(&mut tx, &org).await.map_err(|e| {
        if is_unique_violation(&e) {
            Error::Conflict(format!("an organisation `{}` already exists", org.slug))
        } else {
            e.into()
        }
    })?;
    audit::record(
        &mut *tx,
        org.created_at,
        by.map(|s| s.user_id.as_str()),
        Some(&org.id),
        "org.create",
        &org.slug,
        &org.name,
    )
    .await?;
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
    /// For roles that need a second factor: shown once.
    pub enrolment: Option<Enrolment>,
}

/// Adds a staff account. An organisation's admin adds its own staff; the
/// node's operator adds an organisation's first admin only; `by` None is the
/// command line, run by whoever has the node's database, where the first
/// admin of a node without an operator also becomes its operator.
pub async fn create_user(
    state: &AppState,
    new: NewUser,
    now: DateTime<Utc>,
    by: Option<&Staff>,
) -> Result<CreatedUser> {
    let db = &state.db;
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
    if let Some(staff) = by {
        let own_admin = staff.role == Role::Admin && staff.org_id == org.id;
        let first_admin =
            staff.node_operator && new.role == Role::Admin && q::count_active_admins_of_org(db, &org.id).await? == 0;
        if !(own_admin || first_admin) {
            return Err(Error::Forbidden(if staff.org_id == org.id {
                format!(
                    "your role `{}` cannot add staff (your organisation's admins can)",
                    staff.role
                )
            } else {
                format!(
                    "only `{}`'s own admins add its staff (an operator adds only the first admin of an \
                     organisation that has none)",
                    org.slug
                )
            }));
        }
    }
    let operator = by.is_none() && new.role == Role::Admin && q::count_active_operators(db).await? == 0;

    let user = UserRow {
        id: new_id(),
        display_name: new
            .display_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| new.username.clone()),
        username: new.username,
        org_id: org.id.clone(),
        role: new.role,
        password_hash: hash_password(&new.password)?,
        totp_secret: None,
        created_at: to_millis(now),
        disabled_at: None,
        node_operator: operator,
        totp_last_step: None,
        language: None,
    };
    let mut tx = db.pool.begin().await?;
    q::insert_user(&mut *tx, &user).await.map_err(|e| {
        if is_unique_violation(&e) {
            Error::Conflict(format!("the username `{}` is taken", user.username))
        } else {
            e.into()
        }
    })?;
    let enrolment = if needs_second_factor(new.role, operator) {
        Some(enrol(&mut tx, state.key_cipher.as_deref(), &user.id, &user.username, now).await?)
    } else {
        None
    };
    audit::record(
        &mut *tx,
        user.created_at,
        by.map(|s| s.user_id.as_str()),
        Some(&org.id),
        "user.create",
        &user.username,
        &format!(
            "org={} role={}{}",
            org.slug,
            user.role,
            if operator { " node operator" } else { "" }
        ),
    )
    .await?;
    tx.commit().await?;
    let user = q::find_user_by_id(db, &user.id).await?.ok_or(Error::NotFound("user"))?;
    Ok(CreatedUser { user, org, enrolment })
}

/// Makes a user an operator of the node, or no longer one (the command line's:
/// whoever runs it has the database). An operator signs in with two factors,
/// so one is enrolled if the user has none.
pub async fn set_operator(
    state: &AppState,
    username: &str,
    operator: bool,
    now: DateTime<Utc>,
) -> Result<Option<Enrolment>> {
    let db = &state.db;
    let user = q::find_user_by_username(db, username)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let mut tx = db.pool.begin().await?;
    q::set_operator(&mut *tx, &user.id, operator).await?;
    let enrolment = if operator && user.totp_secret.is_none() {
        // Whatever it signed in with had no second factor.
        q::end_all_sign_ins(&mut tx, &user.id, to_millis(now)).await?;
        Some(enrol(&mut tx, state.key_cipher.as_deref(), &user.id, &user.username, now).await?)
    } else {
        None
    };
    audit::record(
        &mut *tx,
        to_millis(now),
        None,
        None,
        if operator { "operator.grant" } else { "operator.revoke" },
        &user.username,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(enrolment)
}

/// Changes a staff member's role (their organisation's admin only). A role
/// that needs a second factor gets one enrolled if the user has none, shown
/// once; whatever the user was signed in with before that ends.
pub async fn set_role(
    state: &AppState,
    user_id: &str,
    role: Role,
    now: DateTime<Utc>,
    by: &Staff,
) -> Result<Option<Enrolment>> {
    let user = administered_user(&state.db, user_id, by).await?;
    if user.id == by.user_id && role != Role::Admin {
        return Err(Error::Conflict(
            "you cannot lower your own role; ask another admin".into(),
        ));
    }
    let mut tx = state.db.pool.begin().await?;
    q::update_user_role(&mut *tx, &user.id, role).await?;
    let gains_second_factor = needs_second_factor(role, user.is_operator()) && user.totp_secret.is_none();
    let enrolment = if gains_second_factor {
        // Tokens and sessions made without a second factor must not gain publishing rights.
        q::end_all_sign_ins(&mut tx, &user.id, to_millis(now)).await?;
        Some(enrol(&mut tx, state.key_cipher.as_deref(), &user.id, &user.username, now).await?)
    } else {
        None
    };
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&by.user_id),
        Some(&user.org_id),
        "user.role",
        &user.username,
        &format!("{} -> {}", user.role, role),
    )
    .await?;
    tx.commit().await?;
    Ok(enrolment)
}

/// Disables a staff member's account (their organisation's admin only) and
/// ends everything it was signed in with.
pub async fn disable_user(db: &Db, user_id: &str, now: DateTime<Utc>, by: &Staff) -> Result<()> {
    let user = administered_user(db, user_id, by).await?;
    if user.id == by.user_id {
        return Err(Error::Conflict("you cannot disable your own account".into()));
    }
    let mut tx = db.pool.begin().await?;
    q::disable_user(&mut *tx, &user.id, to_millis(now)).await?;
    q::end_all_sign_ins(&mut tx, &user.id, to_millis(now)).await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&by.user_id),
        Some(&user.org_id),
        "user.disable",
        &user.username,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every token and browser session of a user: their own (`user_id` is
/// `by`'s), or a staff member's by their organisation's admin.
pub async fn sign_out_everywhere(db: &Db, user_id: &str, now: DateTime<Utc>, by: &Staff) -> Result<()> {
    let user = self_or_administered(db, user_id, by).await?;
    let mut tx = db.pool.begin().await?;
    q::end_all_sign_ins(&mut tx, &user.id, to_millis(now)).await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&by.user_id),
        Some(&user.org_id),
        "user.sign_out",
        &user.username,
        "every token and session ended",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The staff of the organisation `by` administers.
pub async fn list_staff(db: &Db, by: &Staff) -> Result<Vec<UserRow>> {
    by.require(by.role == Role::Admin, "list staff (your organisation's admins can)")?;
    Ok(q::list_users_of_org(db, &by.org_id).await?)
}

/// A user's tokens: their own, or a staff member's for their organisation's admin.
pub async fn tokens_of(db: &Db, user_id: &str, by: &Staff) -> Result<Vec<TokenRow>> {
    let user = self_or_administered(db, user_id, by).await?;
    Ok(q::list_tokens(db, &user.id).await?)
}

/// Revokes one token of a user: their own, or a staff member's for their
/// organisation's admin.
pub async fn revoke_token(db: &Db, user_id: &str, token_id: &str, now: DateTime<Utc>, by: &Staff) -> Result<()> {
    let user = self_or_administered(db, user_id, by).await?;
    if !q::revoke_token(db, &user.id, token_id, to_millis(now)).await? {
        return Err(Error::NotFound("active token"));
    }
    if user.id != by.user_id {
        audit::record(
            &db.pool,
            to_millis(now),
            Some(&by.user_id),
            Some(&user.org_id),
            "user.token_revoke",
            &user.username,
            token_id,
        )
        .await?;
    }
    Ok(())
}

/// Issues a new API token for a user, ending after `days` (the node's
/// default when None, never past its maximum); the plain token is returned
/// once and only its hash is kept.
pub async fn issue_token(
    state: &AppState,
    user_id: &str,
    name: &str,
    days: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(String, TokenRow)> {
    let policy = &state.config.access;
    let mut errors = FieldErrors::default();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add("name", "required, at most 100 characters");
    }
    let days = days.unwrap_or(i64::from(policy.token_days));
    if !(1..=i64::from(policy.token_max_days)).contains(&days) {
        errors.add(
            "expires_in_days",
            format!("from 1 to {} days on this node", policy.token_max_days),
        );
    }
    errors.into_result()?;
    let plain = new_token();
    let row = TokenRow {
        id: new_id(),
        user_id: user_id.to_string(),
        name: name.to_string(),
        created_at: to_millis(now),
        last_used_at: None,
        revoked_at: None,
        expires_at: Some(to_millis(now + chrono::Duration::days(days))),
    };
    q::insert_token(&state.db.pool, &row, &hash_token(&plain)).await?;
    Ok((plain, row))
}

/// What a person types to sign in, and where the request came from.
pub struct Credentials<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// A six-digit code from the authenticator app, or a recovery code.
    pub code: Option<&'a str>,
    pub client: IpAddr,
}

/// Password (and, where needed, second-factor) sign-in that yields a new token.
pub async fn sign_in(
    state: &AppState,
    credentials: Credentials<'_>,
    token_name: &str,
    days: Option<i64>,
) -> Result<(String, TokenRow)> {
    let now = state.clock.now();
    // A bad token name or lifetime is said before any password is checked.
    let policy = &state.config.access;
    if let Some(d) = days
        && !(1..=i64::from(policy.token_max_days)).contains(&d)
    {
        return Err(FieldErrors::single(
            "expires_in_days",
            format!("from 1 to {} days on this node", policy.token_max_days),
        )
        .into());
    }
    let user = check_credentials(state, &credentials).await?;
    issue_token(state, &user.id, token_name, days, now).await
}

/// How long a browser stays signed in.
pub const SESSION_HOURS: i64 = 12;

/// Signs a browser in; returns the cookie's secret (only its hash is kept).
pub async fn start_session(state: &AppState, credentials: Credentials<'_>) -> Result<String> {
    let now = state.clock.now();
    let user = check_credentials(state, &credentials).await?;
    let plain = new_token();
    q::insert_session(
        &state.db,
        &hash_token(&plain),
        &user.id,
        to_millis(now),
        to_millis(now + chrono::Duration::hours(SESSION_HOURS)),
    )
    .await?;
    Ok(plain)
}

pub async fn end_session(db: &Db, plain: &str) -> Result<()> {
    q::delete_session(db, &hash_token(plain)).await?;
    Ok(())
}

/// The staff member behind a browser session, if it is valid and not expired.
pub async fn session_staff(db: &Db, plain: &str, now: DateTime<Utc>) -> Result<Staff> {
    let expired = || Error::Unauthorized("the session has expired; sign in again".into());
    let token_hash = hash_token(plain);
    let user_id = q::find_session_user(db, &token_hash, to_millis(now))
        .await?
        .ok_or_else(expired)?;
    // Shown on the account page as when the session was last used.
    crate::db::sessions::touch_session(db, &token_hash, to_millis(now), 60_000).await?;
    let user = q::find_user_by_id(db, &user_id)
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or_else(expired)?;
    staff_of(db, user).await
}

/// Refuses, before any password is checked, an account or a client address
/// with too many failed sign-ins within the window; says when to try again.
async fn check_not_locked(state: &AppState, username: &str, client: &str, now: i64) -> Result<()> {
    let policy = &state.config.access;
    let window = policy.failure_window_seconds as i64 * 1000;
    let since = now - window;
    let counts = sign_in_failures::count_since(&state.db, username, client, since).await?;
    let mut unlocks_at = None;
    for (count, limit, key, by_client) in [
        (counts.account, policy.failures_per_account, username, false),
        (counts.client, policy.failures_per_client, client, true),
    ] {
        let limit = i64::from(limit);
        if count >= limit {
            // Unlocked once enough failures have left the window that fewer
            // than `limit` remain in it.
            let oldest_to_leave = sign_in_failures::nth_since(&state.db, key, by_client, since, count - limit)
                .await?
                .unwrap_or(now);
            let at = oldest_to_leave + window;
            unlocks_at = Some(unlocks_at.map_or(at, |u: i64| u.max(at)));
        }
    }
    match unlocks_at {
        None => Ok(()),
        Some(at) => {
            let retry_after_secs = ((at - now).max(1000) as u64).div_ceil(1000);
            Err(Error::TooManyRequests {
                message: format!(
                    "too many failed sign-ins for this account or from this address: try again in {} minute(s)",
                    retry_after_secs.div_ceil(60)
                ),
                retry_after_secs,
            })
        }
    }
}

/// Counts a failed sign-in, and audits the failure that locks an account or
/// an address.
async fn record_failure(
    state: &AppState,
    username: &str,
    client: &str,
    user: Option<&UserRow>,
    now: i64,
) -> Result<()> {
    let policy = &state.config.access;
    let since = now - policy.failure_window_seconds as i64 * 1000;
    sign_in_failures::record(&state.db, now, username, client, since).await?;
    let counts = sign_in_failures::count_since(&state.db, username, client, since).await?;
    let minutes = policy.failure_window_seconds.div_ceil(60);
    if counts.account == i64::from(policy.failures_per_account) {
        tracing::warn!(
            username,
            client,
            "sign-in locked for an account after repeated failures"
        );
        audit::record(
            &state.db.pool,
            now,
            None,
            user.map(|u| u.org_id.as_str()),
            "sign_in.lockout",
            username,
            &format!(
                "{} failed sign-ins within {minutes} minutes, the last from {client}",
                counts.account
            ),
        )
        .await?;
    }
    if counts.client == i64::from(policy.failures_per_client) {
        tracing::warn!(client, "sign-in locked for a client address after repeated failures");
        audit::record(
            &state.db.pool,
            now,
            None,
            None,
            "sign_in.lockout",
            client,
            &format!(
                "{} failed sign-ins within {minutes} minutes from this address",
                counts.client
            ),
        )
        .await?;
    }
    Ok(())
}

/// Lifts a lockout (the operator's, from the command line): forgets the failed
/// sign-ins of an account or of a client address. Returns how many there were.
pub async fn unlock(state: &AppState, username: Option<&str>, client: Option<IpAddr>) -> Result<u64> {
    let now = to_millis(state.clock.now());
    let mut forgotten = 0;
    if let Some(username) = username {
        forgotten += sign_in_failures::clear_account(&state.db, username).await?;
        let org = q::find_user_by_username(&state.db, username).await?.map(|u| u.org_id);
        audit::record(
            &state.db.pool,
            now,
            None,
            org.as_deref(),
            "sign_in.unlock",
            username,
            "",
        )
        .await?;
    }
    if let Some(client) = client {
        let client = client.to_string();
        forgotten += sign_in_failures::clear_client(&state.db, &client).await?;
        audit::record(&state.db.pool, now, None, None, "sign_in.unlock", &client, "").await?;
    }
    Ok(forgotten)
}

/// Checks a sign-in; returns the user, or the one answer for every failure.
async fn check_credentials(state: &AppState, credentials: &Credentials<'_>) -> Result<UserRow> {
    let now = state.clock.now();
    let now_ms = to_millis(now);
    let username = credentials.username.trim();
    let client = credentials.client.to_string();
    check_not_locked(state, username, &client, now_ms).await?;
    let user = q::find_user_by_username(&state.db, username).await?;
    if let Some(user) = &user
        && proves_identity(state, user, credentials, now).await?
    {
        sign_in_failures::clear_account(&state.db, username).await?;
        return Ok(user.clone());
    }
    if user.is_none() {
        // Hash anyway, so that a missing user takes as long as a wrong password.
        let _ = hash_password(credentials.password);
    }
    record_failure(state, username, &client, user.as_ref(), now_ms).await?;
    Err(Error::Unauthorized(SIGN_IN_REFUSED.into()))
}

/// The password, and for roles that need it a one-time code: a TOTP code of a
/// time step not used before, or an unused recovery code (used up now).
async fn proves_identity(
    state: &AppState,
    user: &UserRow,
    credentials: &Credentials<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    if user.disabled_at.is_some() || !verify_password(credentials.password, &user.password_hash) {
        return Ok(false);
    }
    if !needs_second_factor(user.role, user.is_operator())
        && !crate::db::invitations::two_factor_required(&state.db, &user.id).await?
    {
        return Ok(true);
    }
    let (Some(stored), Some(code)) = (
        user.totp_secret.as_deref(),
        credentials.code.map(str::trim).filter(|c| !c.is_empty()),
    ) else {
        return Ok(false);
    };
    if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        let secret = keystore::open(state.key_cipher.as_deref(), stored)?;
        let Some(step) = matching_step(&totp_for(&secret, &user.username)?, code, now) else {
            return Ok(false);
        };
        return Ok(q::claim_totp_step(&state.db, &user.id, step).await?);
    }
    if !q::use_recovery_code(&state.db, &user.id, &hash_recovery_code(code), to_millis(now)).await? {
        return Ok(false);
    }
    let left = q::count_unused_recovery_codes(&state.db, &user.id).await?;
    audit::record(
        &state.db.pool,
        to_millis(now),
        Some(&user.id),
        Some(&user.org_id),
        "user.recovery_code",
        &user.username,
        &format!("signed in with a recovery code; {left} left"),
    )
    .await?;
    Ok(true)
}

/// A new second factor for a signed-in user who confirms their password
/// (a new phone, or after signing in with a recovery code). The old
/// authenticator secret and recovery codes stop working.
pub async fn re_enrol(state: &AppState, staff: &Staff, password: &str) -> Result<Enrolment> {
    let now = state.clock.now();
    let user = q::find_user_by_id(&state.db, &staff.user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    if !verify_password(password, &user.password_hash) {
        return Err(FieldErrors::single("password", "not your current password").into());
    }
    let mut tx = state.db.pool.begin().await?;
    let enrolment = enrol(&mut tx, state.key_cipher.as_deref(), &user.id, &user.username, now).await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&user.id),
        Some(&user.org_id),
        "user.two_factor",
        &user.username,
        "enrolled a new second factor",
    )
    .await?;
    tx.commit().await?;
    Ok(enrolment)
}

/// A new second factor for a user who lost theirs and their recovery codes
/// (the command line's: whoever runs it has the database). Ends every
/// sign-in of the user.
pub async fn reset_second_factor(state: &AppState, username: &str) -> Result<Enrolment> {
    let now = state.clock.now();
    let user = q::find_user_by_username(&state.db, username)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let mut tx = state.db.pool.begin().await?;
    q::end_all_sign_ins(&mut tx, &user.id, to_millis(now)).await?;
    let enrolment = enrol(&mut tx, state.key_cipher.as_deref(), &user.id, &user.username, now).await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        None,
        Some(&user.org_id),
        "user.two_factor",
        &user.username,
        "second factor reset from the command line",
    )
    .await?;
    tx.commit().await?;
    Ok(enrolment)
}

/// The staff member behind a bearer token, if the token is valid and unexpired.
pub async fn authenticate(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Staff> {
    let invalid = || Error::Unauthorized("the API token is invalid, expired or revoked".into());
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(invalid());
    }
    let (user, token_id) = q::find_user_by_token_hash(db, &hash_token(token), to_millis(now))
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
        role: user.role,
        node_operator: user.is_operator(),
        user_id: user.id,
        username: user.username,
        org_id: org.id,
        org_slug: org.slug,
        org_name: org.name,
        language: user.language.as_deref().and_then(crate::i18n::Lang::from_tag),
    })
}

/// Sets the language a staff member sees the pages in (`en`, `ar`, `fr` or
/// `es`), or with `None` leaves it to their browser.
pub async fn set_language(db: &Db, staff: &Staff, language: Option<&str>) -> Result<()> {
    let lang = match language {
        None => None,
        Some(tag) => Some(
            crate::i18n::Lang::ALL
                .into_iter()
                .find(|l| l.code() == tag)
                .ok_or_else(|| FieldErrors::single("language", "one of: en, ar, fr, es (or null for the browser's)"))?,
        ),
    };
    q::set_user_language(db, &staff.user_id, lang.map(crate::i18n::Lang::code)).await?;
    Ok(())
}

/// An audit entry as one reader may see it.
pub struct AuditEntry {
    pub row: audit::AuditRow,
    pub org_slug: Option<String>,
    /// Another organisation's details (withdrawal notes, who was named) are
    /// not the operator's to read: they see that something happened, and when.
    pub detail_shown: bool,
}

/// The audit log: an organisation's admin reads their organisation's entries;
/// the node's operator reads the node-wide log, other organisations' entries
/// without their details.
pub async fn audit_log(db: &Db, staff: &Staff, limit: i64, offset: i64) -> Result<Vec<AuditEntry>> {
    let rows = if staff.node_operator {
        audit::list(db, limit, offset).await?
    } else {
        staff.require(
            staff.role == Role::Admin,
            "read the audit log (your organisation's admins can)",
        )?;
        audit::list_for_org(db, &staff.org_id, limit, offset).await?
    };
    let slugs: std::collections::HashMap<String, String> =
        q::list_orgs(db).await?.into_iter().map(|o| (o.id, o.slug)).collect();
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            org_slug: row.org_id.as_ref().and_then(|id| slugs.get(id).cloned()),
            detail_shown: row.org_id.as_ref().is_none_or(|id| *id == staff.org_id),
            row,
        })
        .collect())
}

//! What a signed-in staff member changes of their own account, and of no one
//! else's: every function here acts on `staff.user_id` only.
//!
//! - The password: the current one proves it is them; the browser sessions
//!   other than the one making the change end (whoever knew the old password
//!   may be signed in somewhere).
//! - A second factor in two steps: a new secret is kept aside (sealed, like
//!   the current one) until a code from it is typed back, and only then
//!   replaces the current secret and its recovery codes, so that a scan that
//!   went wrong does not lock its owner out. (`services::accounts::re_enrol`,
//!   behind `POST /api/v1/me/two-factor`, replaces at once: a program that
//!   calls it shows the result to its user itself.)
//! - New recovery codes, the browsers they are signed in with.
//!
//! Each change is audited like the same change made through the API.

use chrono::{DateTime, Utc};
use totp_rs::Secret;

use super::accounts::{
    MIN_PASSWORD_LEN, Staff, hash_password, hash_recovery_code, hash_token, matching_step, needs_second_factor,
    new_recovery_codes, totp_for, verify_password,
};
use crate::clock::{from_millis, to_millis};
use crate::db::accounts::{self as q, UserRow};
use crate::db::{Db, audit, sessions};
use crate::domain::FieldErrors;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::state::keystore;

/// The longest password accepted (argon2 hashes any length; a bound keeps a
/// request from making it hash megabytes).
const MAX_PASSWORD_BYTES: usize = 1024;
/// How much of a browser's User-Agent is kept to name a session.
const USER_AGENT_CHARS: usize = 300;

async fn own_user(db: &Db, staff: &Staff) -> Result<UserRow> {
    q::find_user_by_id(db, &staff.user_id)
        .await?
        .ok_or(Error::NotFound("user"))
}

/// What a person types to change their password.
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    /// The new password typed a second time.
    pub again: &'a str,
}

/// Changes the signed-in staff member's password, and ends their browser
/// sessions but the one (`current_session`, the cookie's secret) they changed
/// it from. Their API tokens stay (revoked one by one, or all with
/// "sign out everywhere"). Returns how many sessions ended.
pub async fn change_password(
    state: &AppState,
    staff: &Staff,
    current_session: Option<&str>,
    change: PasswordChange<'_>,
) -> Result<u64> {
    let now = to_millis(state.clock.now());
    let user = own_user(&state.db, staff).await?;
    let mut errors = FieldErrors::default();
    if !verify_password(change.current, &user.password_hash) {
        errors.add("current_password", "not your current password");
    }
    if change.new.chars().count() < MIN_PASSWORD_LEN {
        errors.add("new_password", format!("at least {MIN_PASSWORD_LEN} characters"));
    } else if change.new.len() > MAX_PASSWORD_BYTES {
        errors.add("new_password", format!("at most {MAX_PASSWORD_BYTES} bytes"));
    }
    if change.again != change.new {
        errors.add("new_password_again", "not the same as the new password");
    }
    errors.into_result()?;
    let password_hash = hash_password(change.new)?;
    let kept = current_session.map(hash_token);
    let mut tx = state.db.pool.begin().await?;
    sessions::set_password_hash(&mut *tx, &user.id, &password_hash).await?;
    let ended = sessions::end_other_sessions(&mut *tx, &user.id, kept.as_deref()).await?;
    audit::record(
        &mut *tx,
        now,
        Some(&user.id),
        Some(&user.org_id),
        "user.password",
        &user.username,
        &format!("password changed; {ended} other browser session(s) ended"),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// A second factor being enrolled: what the authenticator app needs, as a
/// QR code's content and as text to type.
#[derive(Debug, Clone)]
pub struct PendingSecondFactor {
    /// otpauth:// URI, drawn as the QR code.
    pub totp_uri: String,
    /// The same secret in base32, for typing into the app by hand.
    pub secret: String,
}

fn pending_of(secret: String, username: &str) -> Result<PendingSecondFactor> {
    Ok(PendingSecondFactor {
        totp_uri: totp_for(&secret, username)?.get_url(),
        secret,
    })
}

/// Whether they sign in with a second factor: by their role, as an
/// operator, or because their organisation's admins require it of them.
async fn uses_second_factor(db: &Db, user_id: &str, role: crate::domain::vocab::Role, operator: bool) -> Result<bool> {
    Ok(needs_second_factor(role, operator) || crate::db::invitations::two_factor_required(db, user_id).await?)
}

async fn require_second_factor_role(db: &Db, staff: &Staff) -> Result<()> {
    if uses_second_factor(db, &staff.user_id, staff.role, staff.node_operator).await? {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "your role `{}` signs in with the password alone; coordinators, admins and operators use a second factor, \
             and your organisation's admins can require one of anyone",
            staff.role
        )))
    }
}

/// Starts enrolling a new second factor (the current password proves it is
/// them): a new secret is kept aside until [`confirm_second_factor`]; the
/// current one keeps working meanwhile. Starting again replaces a secret
/// not yet confirmed.
pub async fn start_second_factor(state: &AppState, staff: &Staff, password: &str) -> Result<PendingSecondFactor> {
    require_second_factor_role(&state.db, staff).await?;
    let user = own_user(&state.db, staff).await?;
    if !verify_password(password, &user.password_hash) {
        return Err(FieldErrors::single("password", "not your current password").into());
    }
    let secret = Secret::generate_secret().to_encoded().to_string();
    let sealed = keystore::seal(state.key_cipher.as_deref(), &secret)?;
    sessions::set_pending_totp_secret(&state.db, &user.id, &sealed).await?;
    pending_of(secret, &user.username)
}

/// The second factor waiting to be confirmed, if there is one.
pub async fn pending_second_factor(state: &AppState, staff: &Staff) -> Result<Option<PendingSecondFactor>> {
    let Some(sealed) = sessions::pending_totp_secret(&state.db, &staff.user_id).await? else {
        return Ok(None);
    };
    let secret = keystore::open(state.key_cipher.as_deref(), &sealed)?;
    Ok(Some(pending_of(secret, &staff.username)?))
}

/// Confirms the waiting second factor with a code from it: it replaces the
/// current secret, and new recovery codes replace the old ones. Returns the
/// recovery codes, to show once.
pub async fn confirm_second_factor(state: &AppState, staff: &Staff, code: &str) -> Result<Vec<String>> {
    let now = state.clock.now();
    let Some(sealed) = sessions::pending_totp_secret(&state.db, &staff.user_id).await? else {
        return Err(Error::Conflict(
            "no new second factor is waiting to be confirmed; start again from your account page".into(),
        ));
    };
    let secret = keystore::open(state.key_cipher.as_deref(), &sealed)?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let step = if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        matching_step(&totp_for(&secret, &staff.username)?, &code, now)
    } else {
        None
    };
    let Some(step) = step else {
        return Err(FieldErrors::single(
            "code",
            "not the code the authenticator app shows now for the new secret",
        )
        .into());
    };
    let user = own_user(&state.db, staff).await?;
    let recovery_codes = new_recovery_codes();
    let hashes: Vec<String> = recovery_codes.iter().map(|c| hash_recovery_code(c)).collect();
    let mut tx = state.db.pool.begin().await?;
    if !sessions::confirm_pending_totp_secret(&mut *tx, &user.id, &sealed, step).await? {
        return Err(Error::Conflict(
            "the new second factor changed meanwhile (started again elsewhere?); confirm the newest one".into(),
        ));
    }
    q::replace_recovery_codes(&mut tx, &user.id, &hashes, to_millis(now)).await?;
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
    Ok(recovery_codes)
}

/// New recovery codes for the second factor the staff member has (the
/// current password proves it is them); the earlier codes stop working.
pub async fn renew_recovery_codes(state: &AppState, staff: &Staff, password: &str) -> Result<Vec<String>> {
    let now = to_millis(state.clock.now());
    let user = own_user(&state.db, staff).await?;
    if user.totp_secret.is_none() {
        return Err(Error::Conflict(
            "you have no second factor yet: enrol one, which comes with its recovery codes".into(),
        ));
    }
    if !verify_password(password, &user.password_hash) {
        return Err(FieldErrors::single("password", "not your current password").into());
    }
    let recovery_codes = new_recovery_codes();
    let hashes: Vec<String> = recovery_codes.iter().map(|c| hash_recovery_code(c)).collect();
    let mut tx = state.db.pool.begin().await?;
    q::replace_recovery_codes(&mut tx, &user.id, &hashes, now).await?;
    audit::record(
        &mut *tx,
        now,
        Some(&user.id),
        Some(&user.org_id),
        "user.recovery_codes",
        &user.username,
        "new recovery codes; the earlier ones no longer work",
    )
    .await?;
    tx.commit().await?;
    Ok(recovery_codes)
}

/// Where a staff member stands with the second factor.
#[derive(Debug, Clone)]
pub struct SecondFactorStatus {
    /// Their role (or being an operator) asks for one at sign-in.
    pub required: bool,
    pub enrolled: bool,
    /// Recovery codes not used yet (when enrolled).
    pub recovery_codes_left: Option<i64>,
    /// A new secret waits to be confirmed.
    pub pending: bool,
}

pub async fn second_factor_status(db: &Db, staff: &Staff) -> Result<SecondFactorStatus> {
    let user = own_user(db, staff).await?;
    let enrolled = user.totp_secret.is_some();
    Ok(SecondFactorStatus {
        required: uses_second_factor(db, &user.id, user.role, user.is_operator()).await?,
        enrolled,
        recovery_codes_left: if enrolled {
            Some(q::count_unused_recovery_codes(db, &user.id).await?)
        } else {
            None
        },
        pending: sessions::pending_totp_secret(db, &user.id).await?.is_some(),
    })
}

/// One of the browsers a staff member is signed in with.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub started_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    /// The browser's User-Agent, as it sent it when signing in.
    pub browser: Option<String>,
    /// The session this request comes with.
    pub current: bool,
}

/// The staff member's unexpired browser sessions, newest first; the one the
/// cookie `current_session` belongs to is marked.
pub async fn sessions(state: &AppState, staff: &Staff, current_session: Option<&str>) -> Result<Vec<SessionView>> {
    let current = current_session.map(hash_token);
    let rows = sessions::list_sessions(&state.db, &staff.user_id, to_millis(state.clock.now())).await?;
    Ok(rows
        .into_iter()
        .map(|row| SessionView {
            current: current.as_deref() == Some(row.token_hash.as_str()),
            started_at: from_millis(row.created_at),
            last_used_at: row.last_used_at.map(from_millis),
            expires_at: from_millis(row.expires_at),
            browser: row.user_agent,
        })
        .collect())
}

/// Notes which browser just signed in with the session `session` (the
/// cookie's secret), to name it in the list of sessions.
pub async fn note_session_browser(db: &Db, session: &str, user_agent: &str) -> Result<()> {
    let user_agent: String = user_agent
        .chars()
        .filter(|c| !c.is_control())
        .take(USER_AGENT_CHARS)
        .collect();
    if user_agent.trim().is_empty() {
        return Ok(());
    }
    sessions::set_session_user_agent(db, &hash_token(session), user_agent.trim()).await?;
    Ok(())
}

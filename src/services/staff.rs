//! An organisation as its staff manage it: its profile (name, summary,
//! working languages), its signing keys and their rotation, one-time links
//! for staff (an invitation, where the new person chooses their password and
//! enrols a second factor; a password reset; a second-factor reset), a
//! second factor required of someone whose role does not need one, and the
//! audit log read with filters.
//!
//! Who may do what is decided here as in `services::accounts`: every staff
//! member reads their organisation's profile and keys; only its admins change
//! them, manage its staff and read its audit log; the node's operators read
//! the node-wide log. Every change is audited in the same transaction.

use chrono::{DateTime, Utc};
use totp_rs::Secret;

use super::accounts::{
    MIN_PASSWORD_LEN, Staff, administered_user, check_slug, hash_password, hash_recovery_code, hash_token,
    matching_step, new_recovery_codes, new_token, totp_for,
};
use crate::clock::{from_millis, to_millis};
use crate::db::accounts::{self as q, TokenRow, UserRow};
use crate::db::invitations::{self as links, OrgProfileRow, StaffLinkRow};
use crate::db::{audit, is_unique_violation, new_id};
use crate::domain::FieldErrors;
use crate::domain::vocab::Role;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::state::keystore;

/// How long an invitation stays valid.
pub const INVITATION_HOURS: i64 = 72;
/// How long a password or second-factor reset link stays valid.
pub const RESET_HOURS: i64 = 24;
/// The longest summary an organisation may write.
pub const SUMMARY_MAX_CHARS: usize = 2000;

/// An organisation as its profile shows it.
#[derive(Debug, Clone)]
pub struct OrgProfile {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub summary: String,
    /// Language tags, such as `en` or `ar`.
    pub languages: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<OrgProfileRow> for OrgProfile {
    fn from(row: OrgProfileRow) -> Self {
        OrgProfile {
            languages: row
                .languages
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            id: row.id,
            slug: row.slug,
            name: row.name,
            summary: row.summary,
            created_at: from_millis(row.created_at),
        }
    }
}

/// The languages an organisation may say it works in: those the pages speak.
pub fn working_language_tags() -> Vec<&'static str> {
    Lang::ALL.into_iter().map(Lang::code).collect()
}

/// The signed-in staff member's organisation.
pub async fn profile(state: &AppState, staff: &Staff) -> Result<OrgProfile> {
    links::org_profile(&state.db, &staff.org_id)
        .await?
        .map(OrgProfile::from)
        .ok_or(Error::NotFound("organisation"))
}

/// Any organisation of this node by its slug, as its public page shows it.
pub async fn public_profile(state: &AppState, slug: &str) -> Result<OrgProfile> {
    links::org_profile_by_slug(&state.db, slug)
        .await?
        .map(OrgProfile::from)
        .ok_or(Error::NotFound("organisation"))
}

/// A change of an organisation's profile.
pub struct ProfileChange {
    pub name: String,
    pub summary: String,
    pub languages: Vec<String>,
}

/// Changes the organisation's name, summary and working languages (its
/// admins only), audited as `org.profile`, and tells the nodes that follow
/// its actor.
pub async fn update_profile(state: &AppState, by: &Staff, change: ProfileChange) -> Result<OrgProfile> {
    by.require(
        by.role == Role::Admin,
        "change the organisation's profile (its admins can)",
    )?;
    let mut errors = FieldErrors::default();
    let name = change.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", "required, at most 200 characters");
    }
    let summary = change.summary.trim();
    if summary.chars().count() > SUMMARY_MAX_CHARS {
        errors.add("summary", format!("at most {SUMMARY_MAX_CHARS} characters"));
    }
    if summary.contains('\0') || name.contains('\0') {
        errors.add("summary", "must not contain NUL characters");
    }
    let known = working_language_tags();
    let mut languages: Vec<&str> = Vec::new();
    for tag in &change.languages {
        match known.iter().find(|k| **k == tag.as_str()) {
            Some(k) if !languages.contains(k) => languages.push(k),
            Some(_) => {}
            None => errors.add("languages", format!("one or more of: {}", known.join(", "))),
        }
    }
    errors.into_result()?;
    let before = profile(state, by).await?;
    let now = to_millis(state.clock.now());
    let mut tx = state.db.pool.begin().await?;
    links::update_org_profile(&mut *tx, &by.org_id, name, summary, &languages.join(",")).await?;
    let mut changed = Vec::new();
    if before.name != name {
        changed.push(format!("name: {} -> {name}", before.name));
    }
    if before.summary != summary {
        changed.push("summary".to_string());
    }
    if before.languages.join(",") != languages.join(",") {
        changed.push(format!("languages: {}", languages.join(", ")));
    }
    audit::record(
        &mut *tx,
        now,
        Some(&by.user_id),
        Some(&by.org_id),
        "org.profile",
        &by.org_slug,
        &changed.join("; "),
    )
    .await?;
    tx.commit().await?;
    if before.name != name
        && let Some(org) = q::find_org_by_id(&state.db, &by.org_id).await?
    {
        // The actor document carries the name: the nodes that follow it learn it.
        super::peers::announce_actor_update(state, org).await?;
    }
    profile(state, by).await
}

/// One of the organisation's signing keys.
#[derive(Debug, Clone)]
pub struct SigningKeyView {
    pub key_id: String,
    /// The verification method other nodes see (`actor#key`).
    pub method: String,
    pub public_key_multibase: String,
    pub created_at: DateTime<Utc>,
    /// None for the current key.
    pub retired_at: Option<DateTime<Utc>>,
}

/// The organisation's signing keys, oldest first (its first key is made now
/// if it never signed anything yet).
pub async fn signing_keys(state: &AppState, staff: &Staff) -> Result<Vec<SigningKeyView>> {
    crate::federation::integrity::active_key(state, &staff.org_id).await?;
    let actor = crate::federation::urls::org_actor(&state.config, &staff.org_slug);
    Ok(crate::federation::integrity::local_keys(state, &staff.org_id)
        .await?
        .into_iter()
        .map(|k| SigningKeyView {
            method: crate::federation::integrity::method_id(&actor, &k.key_id),
            key_id: k.key_id,
            public_key_multibase: k.public_key_multibase,
            created_at: from_millis(k.created_at),
            retired_at: k.retired_at.map(from_millis),
        })
        .collect())
}

/// Replaces the organisation's signing key (its admins only), audited as
/// `org.key_rotate`, and announces the new key to the nodes that federate
/// with this one and to the actor's followers, as `tadamun keys rotate`
/// does. Returns the new key's verification method.
pub async fn rotate_signing_key(state: &AppState, by: &Staff) -> Result<String> {
    by.require(
        by.role == Role::Admin,
        "rotate the organisation's signing key (its admins can)",
    )?;
    let org = q::find_org_by_id(&state.db, &by.org_id)
        .await?
        .ok_or(Error::NotFound("organisation"))?;
    let key_id = crate::federation::integrity::rotate_recorded(
        state,
        &org.id,
        Some(crate::federation::integrity::RotatedBy {
            user_id: &by.user_id,
            org_id: &org.id,
            subject: &org.slug,
        }),
    )
    .await?;
    let actor = crate::federation::urls::org_actor(&state.config, &org.slug);
    super::peers::announce_actor_update(state, org).await?;
    Ok(crate::federation::integrity::method_id(&actor, &key_id))
}

/// What a one-time link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// Join the organisation: choose a password, enrol a second factor.
    Invitation,
    /// Choose a new password.
    Password,
    /// Enrol a new second factor.
    SecondFactor,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Invitation => "invitation",
            LinkKind::Password => "password",
            LinkKind::SecondFactor => "second_factor",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "invitation" => Ok(LinkKind::Invitation),
            "password" => Ok(LinkKind::Password),
            "second_factor" => Ok(LinkKind::SecondFactor),
            other => Err(Error::Internal(anyhow::anyhow!("unknown staff link kind {other}"))),
        }
    }

    /// Whether its holder enrols an authenticator with it.
    pub fn enrols(self) -> bool {
        self != LinkKind::Password
    }
}

/// A link just made: its secret (shown once, to be given to the person) and
/// when it ends.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    pub token: String,
    pub kind: LinkKind,
    pub username: String,
    pub expires_at: DateTime<Utc>,
}

/// The path a link's holder opens.
pub fn link_path(token: &str) -> String {
    format!("/welcome/{token}")
}

/// A new person to invite.
pub struct NewInvitation {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

async fn issue_link(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    kind: LinkKind,
    org_id: &str,
    user: Option<&UserRow>,
    invited: Option<&NewInvitation>,
    by: &Staff,
) -> Result<IssuedLink> {
    let now = state.clock.now();
    let hours = if kind == LinkKind::Invitation {
        INVITATION_HOURS
    } else {
        RESET_HOURS
    };
    let token = new_token();
    let totp_secret = if kind.enrols() {
        let secret = Secret::generate_secret().to_encoded().to_string();
        Some(keystore::seal(state.key_cipher.as_deref(), &secret)?)
    } else {
        None
    };
    let (username, display_name, role) = match (user, invited) {
        (Some(u), _) => (u.username.clone(), u.display_name.clone(), u.role),
        (None, Some(i)) => (i.username.clone(), i.display_name.clone(), i.role),
        (None, None) => return Err(Error::Internal(anyhow::anyhow!("a staff link for nobody"))),
    };
    let expires_at = now + chrono::Duration::hours(hours);
    let row = StaffLinkRow {
        token_hash: hash_token(&token),
        kind: kind.as_str().to_string(),
        org_id: org_id.to_string(),
        user_id: user.map(|u| u.id.clone()),
        username: username.clone(),
        display_name,
        role: role.as_str().to_string(),
        totp_secret,
        created_by: Some(by.user_id.clone()),
        created_at: to_millis(now),
        expires_at: to_millis(expires_at),
        used_at: None,
    };
    links::insert_link(&mut **tx, &row).await?;
    Ok(IssuedLink {
        token,
        kind,
        username,
        expires_at,
    })
}

fn require_admin(by: &Staff) -> Result<()> {
    by.require(by.role == Role::Admin, "manage staff (your organisation's admins can)")
}

/// Invites a new staff member to the organisation (its admins only): a link,
/// valid for [`INVITATION_HOURS`], where they choose their password and
/// enrol a second factor. Audited as `user.invite`.
pub async fn invite(state: &AppState, by: &Staff, new: NewInvitation) -> Result<IssuedLink> {
    require_admin(by)?;
    let now = state.clock.now();
    let mut errors = FieldErrors::default();
    let new = NewInvitation {
        username: new.username.trim().to_string(),
        display_name: new.display_name.trim().to_string(),
        role: new.role,
    };
    check_slug(&mut errors, "username", &new.username, "username");
    if new.display_name.chars().count() > 200 {
        errors.add("display_name", "at most 200 characters");
    }
    if errors.is_empty()
        && (q::find_user_by_username(&state.db, &new.username).await?.is_some()
            || links::username_invited(&state.db, &new.username, to_millis(now)).await?)
    {
        errors.add("username", "already taken on this node; choose another");
    }
    errors.into_result()?;
    let mut tx = state.db.pool.begin().await?;
    let link = issue_link(&mut tx, state, LinkKind::Invitation, &by.org_id, None, Some(&new), by).await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&by.user_id),
        Some(&by.org_id),
        "user.invite",
        &new.username,
        new.role.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(link)
}

/// The organisation's invitations not yet accepted (its admins only).
pub async fn pending_invitations(state: &AppState, by: &Staff) -> Result<Vec<StaffLinkRow>> {
    require_admin(by)?;
    Ok(links::pending_invitations(&state.db, &by.org_id, to_millis(state.clock.now())).await?)
}

/// A link for a staff member to choose a new password (their organisation's
/// admin only). Everything they are signed in with ends now, and any older
/// reset link stops working. Audited as `user.password_reset`.
pub async fn password_reset(state: &AppState, by: &Staff, user_id: &str) -> Result<IssuedLink> {
    let user = administered_user(&state.db, user_id, by).await?;
    if user.id == by.user_id {
        return Err(Error::Conflict(
            "change your own password from your account page".into(),
        ));
    }
    let now = to_millis(state.clock.now());
    let mut tx = state.db.pool.begin().await?;
    q::end_all_sign_ins(&mut tx, &user.id, now).await?;
    links::cancel_links_of_user(&mut *tx, &user.id, LinkKind::Password.as_str(), now).await?;
    let link = issue_link(&mut tx, state, LinkKind::Password, &user.org_id, Some(&user), None, by).await?;
    audit::record(
        &mut *tx,
        now,
        Some(&by.user_id),
        Some(&user.org_id),
        "user.password_reset",
        &user.username,
        "every token and session ended",
    )
    .await?;
    tx.commit().await?;
    Ok(link)
}

/// Removes a staff member's second factor and gives a link to enrol a new
/// one (their organisation's admin only): for a lost phone. Everything they
/// are signed in with ends now. Audited as `user.two_factor`.
pub async fn second_factor_reset(state: &AppState, by: &Staff, user_id: &str) -> Result<IssuedLink> {
    let user = administered_user(&state.db, user_id, by).await?;
    if user.id == by.user_id {
        return Err(Error::Conflict(
            "enrol your own new second factor from your account page".into(),
        ));
    }
    let now = to_millis(state.clock.now());
    let mut tx = state.db.pool.begin().await?;
    let link = reset_second_factor_in(&mut tx, state, by, &user, now).await?;
    audit::record(
        &mut *tx,
        now,
        Some(&by.user_id),
        Some(&user.org_id),
        "user.two_factor",
        &user.username,
        "second factor reset by an admin; every token and session ended",
    )
    .await?;
    tx.commit().await?;
    Ok(link)
}

async fn reset_second_factor_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    by: &Staff,
    user: &UserRow,
    now: i64,
) -> Result<IssuedLink> {
    q::end_all_sign_ins(tx, &user.id, now).await?;
    links::clear_second_factor(tx, &user.id).await?;
    links::cancel_links_of_user(&mut **tx, &user.id, LinkKind::SecondFactor.as_str(), now).await?;
    issue_link(tx, state, LinkKind::SecondFactor, &user.org_id, Some(user), None, by).await
}

/// Requires (or no longer requires) a second factor of a staff member whose
/// role does not need one (their organisation's admin only). Someone
/// required to and without one is signed out everywhere and given a link to
/// enrol. Audited as `user.two_factor`.
pub async fn require_second_factor(
    state: &AppState,
    by: &Staff,
    user_id: &str,
    required: bool,
) -> Result<Option<IssuedLink>> {
    let user = administered_user(&state.db, user_id, by).await?;
    let now = to_millis(state.clock.now());
    let mut tx = state.db.pool.begin().await?;
    links::set_two_factor_required(&mut *tx, &user.id, required).await?;
    let link = if required && user.totp_secret.is_none() {
        Some(reset_second_factor_in(&mut tx, state, by, &user, now).await?)
    } else {
        None
    };
    audit::record(
        &mut *tx,
        now,
        Some(&by.user_id),
        Some(&user.org_id),
        "user.two_factor",
        &user.username,
        if required {
            "second factor required"
        } else {
            "second factor left to the role"
        },
    )
    .await?;
    tx.commit().await?;
    Ok(link)
}

/// A staff member as their organisation's admin sees them.
pub struct StaffMember {
    pub user: UserRow,
    /// An admin requires a second factor their role does not need.
    pub two_factor_required: bool,
    pub tokens: Vec<TokenRow>,
}

impl StaffMember {
    /// Whether they must give a second factor to sign in.
    pub fn needs_second_factor(&self) -> bool {
        self.two_factor_required || self.user.role.requires_two_factor() || self.user.node_operator
    }
}

/// One staff member of the organisation `by` administers; anyone else is
/// not found.
pub async fn staff_member(state: &AppState, by: &Staff, user_id: &str) -> Result<StaffMember> {
    let user = administered_user(&state.db, user_id, by).await?;
    Ok(StaffMember {
        two_factor_required: links::two_factor_required(&state.db, &user.id).await?,
        tokens: q::list_tokens(&state.db, &user.id).await?,
        user,
    })
}

/// The users of the organisation `by` administers whose second factor an
/// admin requires.
pub async fn required_second_factors(state: &AppState, by: &Staff) -> Result<Vec<String>> {
    require_admin(by)?;
    Ok(links::two_factor_required_of_org(&state.db, &by.org_id).await?)
}

/// What a link's holder sees before using it.
#[derive(Debug, Clone)]
pub struct OpenLink {
    pub kind: LinkKind,
    pub username: String,
    pub display_name: String,
    pub org_name: String,
    pub role: Role,
    /// The authenticator to enrol: its otpauth:// URI and its secret as text.
    pub totp_uri: Option<String>,
    pub totp_secret: Option<String>,
    pub expires_at: DateTime<Utc>,
}

async fn valid_link(state: &AppState, token: &str) -> Result<StaffLinkRow> {
    let link = links::find_link(&state.db, &hash_token(token.trim()))
        .await?
        .ok_or(Error::NotFound("link"))?;
    if link.used_at.is_some() {
        return Err(Error::Gone(
            "this link was used already; ask your organisation's admin for a new one".into(),
        ));
    }
    if link.expires_at <= to_millis(state.clock.now()) {
        return Err(Error::Gone(
            "this link has expired; ask your organisation's admin for a new one".into(),
        ));
    }
    Ok(link)
}

/// What a valid, unused, unexpired link is for.
pub async fn open_link(state: &AppState, token: &str) -> Result<OpenLink> {
    let link = valid_link(state, token).await?;
    let org = q::find_org_by_id(&state.db, &link.org_id)
        .await?
        .ok_or(Error::NotFound("organisation"))?;
    let secret = match &link.totp_secret {
        Some(sealed) => Some(keystore::open(state.key_cipher.as_deref(), sealed)?),
        None => None,
    };
    let totp_uri = match &secret {
        Some(secret) => Some(totp_for(secret, &link.username)?.get_url()),
        None => None,
    };
    Ok(OpenLink {
        kind: LinkKind::parse(&link.kind)?,
        username: link.username,
        display_name: link.display_name,
        org_name: org.name,
        role: link.role.parse().map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?,
        totp_uri,
        totp_secret: secret,
        expires_at: from_millis(link.expires_at),
    })
}

/// What a link's holder sends.
pub struct LinkAnswer<'a> {
    pub password: Option<&'a str>,
    pub password_again: Option<&'a str>,
    /// A code from the authenticator just enrolled.
    pub code: Option<&'a str>,
}

/// Uses a link: makes the invited account, sets the new password, or enrols
/// the new second factor. Returns the recovery codes of a new second factor
/// (shown once), none for a password.
pub async fn use_link(state: &AppState, token: &str, answer: LinkAnswer<'_>) -> Result<Vec<String>> {
    let link = valid_link(state, token).await?;
    let kind = LinkKind::parse(&link.kind)?;
    let now = state.clock.now();
    let mut errors = FieldErrors::default();
    let password = answer.password.unwrap_or_default();
    if kind != LinkKind::SecondFactor {
        if password.chars().count() < MIN_PASSWORD_LEN {
            errors.add("password", format!("at least {MIN_PASSWORD_LEN} characters"));
        } else if password.len() > 1024 {
            errors.add("password", "at most 1024 bytes");
        } else if answer.password_again != Some(password) {
            errors.add("password_again", "the two passwords differ");
        }
    }
    let secret = match &link.totp_secret {
        Some(sealed) => Some(keystore::open(state.key_cipher.as_deref(), sealed)?),
        None => None,
    };
    let mut step = None;
    if let Some(secret) = &secret {
        let code = answer.code.map(str::trim).unwrap_or_default();
        step = matching_step(&totp_for(secret, &link.username)?, code, now);
        if step.is_none() {
            errors.add(
                "code",
                "not the code your authenticator app shows now: add the key again and type its current six digits",
            );
        }
    }
    errors.into_result()?;
    let now_ms = to_millis(now);
    let mut tx = state.db.pool.begin().await?;
    if !links::use_link(&mut *tx, &link.token_hash, now_ms).await? {
        return Err(Error::Gone("this link was used already".into()));
    }
    let (user_id, action, detail) = match kind {
        LinkKind::Invitation => {
            let role: Role = link.role.parse().map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
            let user = UserRow {
                id: new_id(),
                username: link.username.clone(),
                display_name: if link.display_name.is_empty() {
                    link.username.clone()
                } else {
                    link.display_name.clone()
                },
                org_id: link.org_id.clone(),
                role,
                password_hash: hash_password(password)?,
                totp_secret: link.totp_secret.clone(),
                created_at: now_ms,
                disabled_at: None,
                node_operator: false,
                totp_last_step: None,
                language: None,
            };
            q::insert_user(&mut *tx, &user).await.map_err(|e| {
                if is_unique_violation(&e) {
                    Error::Conflict(format!(
                        "the username `{}` was taken meanwhile; ask your admin for a new invitation",
                        user.username
                    ))
                } else {
                    e.into()
                }
            })?;
            (user.id, "user.create", format!("{role}, by invitation"))
        }
        LinkKind::Password => {
            let user_id = link
                .user_id
                .clone()
                .ok_or(Error::Internal(anyhow::anyhow!("a password link without a user")))?;
            links::set_password_hash(&mut *tx, &user_id, &hash_password(password)?).await?;
            (user_id, "user.password", "chose a new password".to_string())
        }
        LinkKind::SecondFactor => {
            let user_id = link
                .user_id
                .clone()
                .ok_or(Error::Internal(anyhow::anyhow!("a second-factor link without a user")))?;
            q::set_totp_secret(&mut *tx, &user_id, link.totp_secret.as_deref().unwrap_or_default()).await?;
            (user_id, "user.two_factor", "enrolled a new second factor".to_string())
        }
    };
    let mut recovery_codes = Vec::new();
    if let Some(step) = step {
        // The confirming code is used: it cannot sign in a second time.
        links::set_totp_last_step(&mut *tx, &user_id, step).await?;
        recovery_codes = new_recovery_codes();
        let hashes: Vec<String> = recovery_codes.iter().map(|c| hash_recovery_code(c)).collect();
        q::replace_recovery_codes(&mut tx, &user_id, &hashes, now_ms).await?;
    }
    audit::record(
        &mut *tx,
        now_ms,
        Some(&user_id),
        Some(&link.org_id),
        action,
        &link.username,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(recovery_codes)
}

/// What kinds of entries the audit log can be narrowed to.
pub const AUDIT_KINDS: [&str; 7] = [
    "alerts",
    "trust",
    "sign_ins",
    "staff",
    "organisation",
    "groups",
    "deliveries",
];

fn action_prefixes(kind: &str) -> Result<Vec<String>> {
    let prefixes: &[&str] = match kind {
        "alerts" => &["alert.", "consent.", "local_only.", "business_link.", "action."],
        "trust" => &["peer."],
        "sign_ins" => &["sign_in.", "user.recovery_code", "user.sign_out"],
        "staff" => &["user.", "operator."],
        "organisation" => &["org."],
        "groups" => &["group."],
        "deliveries" => &["deliveries."],
        _ => {
            return Err(FieldErrors::single("kind", format!("one of: {}", AUDIT_KINDS.join(", "))).into());
        }
    };
    Ok(prefixes.iter().map(|p| p.to_string()).collect())
}

/// How a reader narrows the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Who made the entries (a username).
    pub who: Option<String>,
    /// One of [`AUDIT_KINDS`].
    pub kind: Option<String>,
    /// An alert's number, a username or a host the entries are about.
    pub subject: Option<String>,
    pub from: Option<DateTime<Utc>>,
    /// Up to and including this day.
    pub until: Option<DateTime<Utc>>,
}

/// An audit entry as one reader may see it.
pub struct AuditLine {
    pub row: audit::AuditRow,
    pub org_slug: Option<String>,
    /// Who made it, if a person did and their account still exists.
    pub by_username: Option<String>,
    /// Another organisation's details (withdrawal notes, who was named) are
    /// not the operator's to read: they see that something happened, and when.
    pub detail_shown: bool,
}

/// Which audit log is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    /// The reader's organisation's entries (its admins).
    Organisation,
    /// Every entry of the node (its operators).
    Node,
}

/// The audit log with filters, newest first: an organisation's admins read
/// its entries only; the node's operators read every entry, other
/// organisations' without their details (as `accounts::audit_log`).
pub async fn audit(
    state: &AppState,
    staff: &Staff,
    scope: AuditScope,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditLine>> {
    let mut query = audit::AuditQuery::default();
    match scope {
        AuditScope::Node => staff.require_operator("read the node-wide audit log")?,
        AuditScope::Organisation => {
            staff.require(
                staff.role == Role::Admin,
                "read the audit log (your organisation's admins can)",
            )?;
            query.org_id = Some(staff.org_id.clone());
        }
    }
    if let Some(kind) = filter.kind.as_deref().filter(|k| !k.is_empty()) {
        query.action_prefixes = action_prefixes(kind)?;
    }
    if let Some(who) = filter.who.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        match q::find_user_by_username(&state.db, who).await? {
            Some(user) => query.user_id = Some(user.id),
            None => return Ok(Vec::new()),
        }
    }
    query.subject = filter
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from);
    query.from = filter.from.map(to_millis);
    query.until = filter.until.map(|u| to_millis(u + chrono::Duration::days(1)));
    let rows = audit::search(&state.db, &query, limit, offset).await?;
    let orgs: std::collections::HashMap<String, String> = q::list_orgs(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.slug))
        .collect();
    let mut usernames = std::collections::HashMap::new();
    for row in &rows {
        if let Some(id) = &row.user_id
            && !usernames.contains_key(id)
            && let Some(user) = q::find_user_by_id(&state.db, id).await?
        {
            usernames.insert(id.clone(), user.username);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| AuditLine {
            org_slug: row.org_id.as_ref().and_then(|id| orgs.get(id).cloned()),
            detail_shown: row.org_id.as_ref().is_none_or(|id| *id == staff.org_id),
            by_username: row.user_id.as_ref().and_then(|id| usernames.get(id).cloned()),
            row,
        })
        .collect())
}

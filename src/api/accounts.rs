//! Sign-in, tokens, organisations, staff and the audit log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use super::{ApiJson, ApiRoutes, BodyRefused, Items, Unauthorized, Window, created};
use crate::clock::from_millis;
use crate::db::accounts::{self as q, OrgRow, TokenRow, UserRow};
use crate::domain::FieldErrors;
use crate::domain::vocab::Role;
use crate::error::{Error, ErrorBody, Result, ValidationErrorBody};
use crate::request::ClientAddr;
use crate::services::accounts::{self, NewOrg, NewUser, Staff};
use crate::services::own_account;
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(routes!(sign_in))
        .add(routes!(me, update_me))
        .add(routes!(re_enrol))
        .add(routes!(sign_out_everywhere))
        .add(routes!(change_own_password))
        .add(routes!(renew_own_recovery_codes))
        .add(routes!(list_tokens, create_token))
        .add(routes!(revoke_token))
        .add(routes!(list_orgs, create_org))
        .add(routes!(list_users, create_user))
        .add(routes!(update_user))
        .add(routes!(list_user_tokens))
        .add(routes!(revoke_user_token))
        .add(routes!(sign_out_user))
        .add(routes!(list_audit))
        .add(routes!(update_org_profile))
        .add(routes!(create_invitation))
}

/// An organisation hosted on this node.
#[derive(Serialize, ToSchema)]
#[schema(as = Org)]
struct OrgView {
    id: String,
    slug: String,
    name: String,
    /// Starts the numbers of its alerts.
    #[schema(example = "SOS")]
    alert_prefix: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<OrgRow> for OrgView {
    fn from(o: OrgRow) -> Self {
        OrgView {
            id: o.id,
            slug: o.slug,
            name: o.name,
            alert_prefix: o.alert_prefix,
            created_at: from_millis(o.created_at),
        }
    }
}

/// A staff account.
#[derive(Serialize, ToSchema)]
#[schema(as = User)]
struct UserView {
    id: String,
    username: String,
    display_name: String,
    org_id: String,
    role: Role,
    /// Also operates the node: organisations, trust in other nodes,
    /// deliveries, the node-wide audit log.
    node_operator: bool,
    two_factor: bool,
    disabled: bool,
    created_at: chrono::DateTime<chrono::Utc>,
    /// The language chosen for the pages (`en`, `ar`, `fr`, `es`); null:
    /// the browser's.
    #[schema(required = true)]
    language: Option<String>,
}

impl From<UserRow> for UserView {
    fn from(u: UserRow) -> Self {
        UserView {
            node_operator: u.is_operator(),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            org_id: u.org_id,
            role: u.role,
            two_factor: u.totp_secret.is_some(),
            disabled: u.disabled_at.is_some(),
            created_at: from_millis(u.created_at),
            language: u.language,
        }
    }
}

/// An API token, without its secret.
#[derive(Serialize, ToSchema)]
#[schema(as = Token)]
struct TokenView {
    id: String,
    name: String,
    created_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(required = true)]
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    revoked: bool,
}

impl From<TokenRow> for TokenView {
    fn from(t: TokenRow) -> Self {
        TokenView {
            id: t.id,
            name: t.name,
            created_at: from_millis(t.created_at),
            last_used_at: t.last_used_at.map(from_millis),
            expires_at: t.expires_at.map(from_millis),
            revoked: t.revoked_at.is_some(),
        }
    }
}

/// A new token: its secret, shown once, and what is kept of it.
#[derive(Serialize, ToSchema)]
struct NewToken {
    /// Shown once.
    #[schema(example = "tdm_…")]
    token: String,
    token_info: TokenView,
}

impl NewToken {
    fn new(token: String, row: TokenRow) -> Self {
        NewToken {
            token,
            token_info: row.into(),
        }
    }
}

/// A second factor, shown once: what to load into the authenticator app and
/// the recovery codes to keep somewhere safe.
#[derive(Serialize, ToSchema)]
struct TwoFactorEnrolment {
    /// otpauth:// URI for the authenticator app.
    totp_uri: String,
    /// Single-use recovery codes for when the app is lost.
    recovery_codes: Vec<String>,
}

/// A staff account and, when the account got a new second factor, its
/// enrolment (shown once).
#[derive(Serialize, ToSchema)]
struct UserWithEnrolment {
    /// otpauth:// URI for a new second factor; shown once.
    #[schema(required = true)]
    totp_uri: Option<String>,
    /// Single-use recovery codes for the second factor, shown once.
    #[schema(required = true)]
    recovery_codes: Option<Vec<String>>,
    user: UserView,
}

impl UserWithEnrolment {
    fn new(user: UserRow, enrolment: Option<accounts::Enrolment>) -> Self {
        let (totp_uri, recovery_codes) = match enrolment {
            Some(e) => (Some(e.totp_uri), Some(e.recovery_codes)),
            None => (None, None),
        };
        UserWithEnrolment {
            totp_uri,
            recovery_codes,
            user: user.into(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SignIn {
    username: String,
    password: String,
    /// Six digits from the authenticator app (each code is accepted once), or
    /// a single-use recovery code.
    totp_code: Option<String>,
    token_name: Option<String>,
    /// Days until the token ends; the node's default (90) when absent, at
    /// most its maximum (365).
    #[schema(minimum = 1)]
    expires_in_days: Option<i64>,
}

/// Sign in with password (and, for coordinators, admins and operators, a code
/// from the authenticator app or a recovery code) to get a token.
#[utoipa::path(
    post,
    path = "/auth/token",
    security(),
    request_body = SignIn,
    responses(
        (status = 201, description = "A new token", body = NewToken),
        BodyRefused,
        (status = 401, description = "Sign-in refused: the same answer whatever was wrong", body = ErrorBody),
        (
            status = 429,
            description = "Too many failed sign-ins for this account or from this address; try again after \
                Retry-After seconds",
            body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))
        ),
    )
)]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<impl IntoResponse> {
    let name = body.token_name.unwrap_or_else(|| "sign-in".to_string());
    let credentials = accounts::Credentials {
        username: &body.username,
        password: &body.password,
        code: body.totp_code.as_deref(),
        client,
    };
    let (token, row) = accounts::sign_in(&state, credentials, &name, body.expires_in_days).await?;
    Ok(created(NewToken::new(token, row)))
}

/// The signed-in staff member, their organisation's slug, and how many
/// recovery codes they have left (null without a second factor).
#[derive(Serialize, ToSchema)]
struct Me {
    user: UserView,
    org: String,
    #[schema(required = true)]
    recovery_codes_left: Option<i64>,
}

/// The signed-in staff member.
#[utoipa::path(
    get,
    path = "/me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "User and organisation", body = Me),
        Unauthorized,
    )
)]
async fn me(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    let user = q::find_user_by_id(&state.db, &staff.user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let recovery_codes_left = if user.totp_secret.is_some() {
        Some(q::count_unused_recovery_codes(&state.db, &user.id).await?)
    } else {
        None
    };
    Ok(Json(Me {
        user: user.into(),
        org: staff.org_slug,
        recovery_codes_left,
    }))
}

/// What a staff member may change of their own account here.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MeChange {
    /// The language of the pages: `en`, `ar`, `fr` or `es`; null leaves it
    /// to the browser. Required: a body without it changes nothing, and is
    /// refused rather than read as null.
    #[schema(required = true, value_type = Option<String>)]
    #[serde(default, deserialize_with = "present")]
    language: Option<Option<String>>,
}

/// A member that may be null but must be there: `Some(None)` for null,
/// `None` (the default) only when it is missing.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Change the signed-in staff member's own settings: the language of the pages.
#[utoipa::path(
    patch,
    path = "/me",
    security(("bearer" = [])),
    request_body = MeChange,
    responses(
        (status = 200, description = "User and organisation", body = Me),
        Unauthorized,
        BodyRefused,
    )
)]
async fn update_me(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(change): ApiJson<MeChange>,
) -> Result<impl IntoResponse> {
    let Some(language) = change.language else {
        return Err(FieldErrors::single("language", "required: en, ar, fr, es, or null for the browser's").into());
    };
    accounts::set_language(&state.db, &staff, language.as_deref()).await?;
    me(State(state), staff).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReEnrol {
    password: String,
}

/// Enrol a new second factor (a new phone, or after signing in with a
/// recovery code); the old secret and recovery codes end.
#[utoipa::path(
    post,
    path = "/me/two-factor",
    security(("bearer" = [])),
    request_body = ReEnrol,
    responses(
        (status = 200, description = "The new enrolment, shown once", body = TwoFactorEnrolment),
        Unauthorized,
        BodyRefused,
    )
)]
async fn re_enrol(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<ReEnrol>,
) -> Result<impl IntoResponse> {
    let enrolment = accounts::re_enrol(&state, &staff, &body.password).await?;
    Ok(Json(TwoFactorEnrolment {
        totp_uri: enrolment.totp_uri,
        recovery_codes: enrolment.recovery_codes,
    }))
}

/// End every token and browser session of yours.
#[utoipa::path(
    post,
    path = "/me/sign-out",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out everywhere"), Unauthorized)
)]
async fn sign_out_everywhere(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    accounts::sign_out_everywhere(&state.db, &staff.user_id, state.clock.now(), &staff).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordChangeBody {
    current_password: String,
    #[schema(min_length = 12)]
    new_password: String,
}

/// Change your password: every browser session of yours ends (whoever knew
/// the old password may be signed in somewhere); your API tokens stay.
#[utoipa::path(
    post,
    path = "/me/password",
    security(("bearer" = [])),
    request_body = PasswordChangeBody,
    responses(
        (status = 204, description = "Changed; your browser sessions ended"),
        Unauthorized,
        BodyRefused,
    )
)]
async fn change_own_password(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<PasswordChangeBody>,
) -> Result<impl IntoResponse> {
    let change = own_account::PasswordChange {
        current: &body.current_password,
        new: &body.new_password,
        again: &body.new_password,
    };
    own_account::change_password(&state, &staff, None, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New recovery codes, shown once.
#[derive(Serialize, ToSchema)]
struct RecoveryCodes {
    /// Single-use recovery codes; the earlier ones no longer work.
    recovery_codes: Vec<String>,
}

/// Make new recovery codes for your second factor (your current password
/// confirms it is you); the earlier codes stop working.
#[utoipa::path(
    post,
    path = "/me/recovery-codes",
    security(("bearer" = [])),
    request_body = ReEnrol,
    responses(
        (status = 200, description = "The new codes, shown once", body = RecoveryCodes),
        Unauthorized,
        BodyRefused,
        (status = 409, description = "You have no second factor", body = ErrorBody),
    )
)]
async fn renew_own_recovery_codes(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<ReEnrol>,
) -> Result<impl IntoResponse> {
    let recovery_codes = own_account::renew_recovery_codes(&state, &staff, &body.password).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// Your API tokens.
#[utoipa::path(
    get,
    path = "/tokens",
    security(("bearer" = [])),
    responses((status = 200, description = "Tokens", body = Items<TokenView>), Unauthorized)
)]
async fn list_tokens(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    let items = q::list_tokens(&state.db, &staff.user_id)
        .await?
        .into_iter()
        .map(TokenView::from)
        .collect();
    Ok(Json(Items { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    #[schema(max_length = 100)]
    name: String,
    /// Days until the token ends; the node's default (90) when absent, at
    /// most its maximum (365).
    #[schema(minimum = 1)]
    expires_in_days: Option<i64>,
}

/// Issue another API token.
#[utoipa::path(
    post,
    path = "/tokens",
    security(("bearer" = [])),
    request_body = CreateToken,
    responses(
        (status = 201, description = "The token, shown once", body = NewToken),
        Unauthorized,
        BodyRefused,
    )
)]
async fn create_token(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<impl IntoResponse> {
    let (token, row) = accounts::issue_token(
        &state,
        &staff.user_id,
        &body.name,
        body.expires_in_days,
        state.clock.now(),
    )
    .await?;
    Ok(created(NewToken::new(token, row)))
}

/// Revoke one of your tokens.
#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        Unauthorized,
        (status = 404, description = "No such active token of yours", body = ErrorBody),
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    accounts::revoke_token(&state.db, &staff.user_id, &id, state.clock.now(), &staff).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Organisations hosted on this node.
#[utoipa::path(
    get,
    path = "/orgs",
    security(("bearer" = [])),
    responses((status = 200, description = "Organisations", body = Items<OrgView>), Unauthorized)
)]
async fn list_orgs(State(state): State<AppState>, _staff: Staff) -> Result<impl IntoResponse> {
    let items = q::list_orgs(&state.db).await?.into_iter().map(OrgView::from).collect();
    Ok(Json(Items { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateOrg {
    slug: String,
    name: String,
    #[schema(example = "SOS")]
    alert_prefix: Option<String>,
}

/// Add an organisation (the node's operator).
#[utoipa::path(
    post,
    path = "/orgs",
    security(("bearer" = [])),
    request_body = CreateOrg,
    responses(
        (status = 201, description = "Created", body = OrgView),
        Unauthorized,
        (status = 403, description = "Only the node's operator adds organisations", body = ErrorBody),
        BodyRefused,
        (status = 409, description = "Slug taken", body = ErrorBody),
    )
)]
async fn create_org(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<CreateOrg>,
) -> Result<impl IntoResponse> {
    let org = accounts::create_org(
        &state.db,
        NewOrg {
            slug: body.slug,
            name: body.name,
            alert_prefix: body.alert_prefix,
        },
        state.clock.now(),
        Some(&staff),
    )
    .await?;
    Ok(created(OrgView::from(org)))
}

/// Your organisation's staff (its admins).
#[utoipa::path(
    get,
    path = "/users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Users", body = Items<UserView>),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
    )
)]
async fn list_users(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    let items = accounts::list_staff(&state.db, &staff)
        .await?
        .into_iter()
        .map(UserView::from)
        .collect();
    Ok(Json(Items { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    username: String,
    display_name: Option<String>,
    /// The organisation's slug.
    org: String,
    role: Role,
    #[schema(min_length = 12)]
    password: String,
}

/// Add a staff account: your organisation's admins add its staff; the node's
/// operator adds the first admin of an organisation that has none.
#[utoipa::path(
    post,
    path = "/users",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (
            status = 201,
            description = "Created; coordinators and admins get a TOTP enrolment URI",
            body = UserWithEnrolment
        ),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        BodyRefused,
        (status = 409, description = "Username taken", body = ErrorBody),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<impl IntoResponse> {
    let made = accounts::create_user(
        &state,
        NewUser {
            username: body.username,
            display_name: body.display_name,
            org_slug: body.org,
            role: body.role,
            password: body.password,
        },
        state.clock.now(),
        Some(&staff),
    )
    .await?;
    Ok(created(UserWithEnrolment::new(made.user, made.enrolment)))
}

/// Give `role`, `disabled`, or both.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateUser {
    role: Option<Role>,
    /// Only `true`: a disabled account is not re-enabled.
    disabled: Option<bool>,
}

/// Change a staff member's role or disable the account (their organisation's
/// admins; others get 404).
#[utoipa::path(
    patch,
    path = "/users/{id}",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "Updated", body = UserWithEnrolment),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        BodyRefused,
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "Not on your own account", body = ErrorBody),
    )
)]
async fn update_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<impl IntoResponse> {
    let now = state.clock.now();
    if body.role.is_none() && body.disabled.is_none() {
        return Err(FieldErrors::single("body", "give `role` or `disabled`").into());
    }
    if body.disabled == Some(false) {
        return Err(FieldErrors::single("disabled", "a disabled account is not re-enabled; create a new one").into());
    }
    let mut enrolment = None;
    if let Some(role) = body.role {
        enrolment = accounts::set_role(&state, &id, role, now, &staff).await?;
    }
    if body.disabled == Some(true) {
        accounts::disable_user(&state.db, &id, now, &staff).await?;
    }
    let user = q::find_user_by_id(&state.db, &id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    Ok(Json(UserWithEnrolment::new(user, enrolment)))
}

/// A staff member's API tokens (their organisation's admins).
#[utoipa::path(
    get,
    path = "/users/{id}/tokens",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Tokens", body = Items<TokenView>),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        (status = 404, description = "No such user in your organisation", body = ErrorBody),
    )
)]
async fn list_user_tokens(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let items = accounts::tokens_of(&state.db, &id, &staff)
        .await?
        .into_iter()
        .map(TokenView::from)
        .collect();
    Ok(Json(Items { items }))
}

/// Revoke a staff member's token (their organisation's admins).
#[utoipa::path(
    delete,
    path = "/users/{id}/tokens/{token_id}",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The user's id"),
        ("token_id" = String, Path, description = "The token's id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        (
            status = 404,
            description = "No such user in your organisation, or no such active token",
            body = ErrorBody
        ),
    )
)]
async fn revoke_user_token(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<impl IntoResponse> {
    accounts::revoke_token(&state.db, &id, &token_id, state.clock.now(), &staff).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End every token and browser session of a staff member (their
/// organisation's admins).
#[utoipa::path(
    post,
    path = "/users/{id}/sign-out",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Signed out everywhere"),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        (status = 404, description = "No such user in your organisation", body = ErrorBody),
    )
)]
async fn sign_out_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    accounts::sign_out_everywhere(&state.db, &id, state.clock.now(), &staff).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditParams {
    /// 1–500, default 100.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// Default 0.
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
}

/// An entry of the audit log.
#[derive(Serialize, ToSchema)]
#[schema(as = AuditEntry)]
struct AuditEntryView {
    at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    user_id: Option<String>,
    /// The organisation whose entry this is; null for the node's own (trust,
    /// deliveries).
    #[schema(required = true)]
    org: Option<String>,
    #[schema(example = "alert.publish")]
    action: String,
    subject: String,
    /// Null on other organisations' entries in the operator's node-wide log.
    #[schema(required = true)]
    detail: Option<String>,
}

/// The audit log, newest first: an organisation's admins read its entries;
/// the node's operator reads the node-wide log, other organisations' entries
/// without details.
#[utoipa::path(
    get,
    path = "/audit",
    security(("bearer" = [])),
    params(AuditParams),
    responses(
        (status = 200, description = "Entries", body = Window<AuditEntryView>),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        (status = 422, description = "Bad paging", body = ValidationErrorBody),
    )
)]
async fn list_audit(
    State(state): State<AppState>,
    staff: Staff,
    Query(page): Query<AuditParams>,
) -> Result<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let (limit, offset) =
        super::alerts::page_params_within(&mut errors, page.limit.as_deref(), page.offset.as_deref(), 100, 500);
    errors.into_result()?;
    let entries = accounts::audit_log(&state.db, &staff, limit, offset).await?;
    let items = entries
        .into_iter()
        .map(|e| AuditEntryView {
            at: from_millis(e.row.at),
            user_id: e.row.user_id,
            org: e.org_slug,
            action: e.row.action,
            subject: e.row.subject,
            detail: e.detail_shown.then_some(e.row.detail),
        })
        .collect();
    Ok(Json(Window { items, limit, offset }))
}

/// An organisation's profile: what its public page says of it.
#[derive(Serialize, ToSchema)]
#[schema(as = OrgProfile)]
struct OrgProfileView {
    id: String,
    slug: String,
    name: String,
    summary: String,
    /// The languages it works in.
    #[schema(example = json!(["ar", "en"]))]
    languages: Vec<String>,
    /// Whether it publishes aggregate counts of its own alerts to the network.
    publish_aggregates: bool,
}

impl From<crate::services::staff::OrgProfile> for OrgProfileView {
    fn from(p: crate::services::staff::OrgProfile) -> Self {
        OrgProfileView {
            id: p.id,
            slug: p.slug,
            name: p.name,
            summary: p.summary,
            languages: p.languages,
            publish_aggregates: false,
        }
    }
}

impl OrgProfileView {
    /// With whether the organisation publishes its counts.
    async fn with_publishing(mut self, state: &AppState) -> Result<Self> {
        self.publish_aggregates = crate::services::network_analysis::is_publishing(state, &self.id).await?;
        Ok(self)
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateOrgProfile {
    name: Option<String>,
    summary: Option<String>,
    /// Language tags among en, ar, fr, es.
    languages: Option<Vec<String>>,
    /// Publish aggregate counts of the organisation's own released alerts
    /// (never records, never names, small numbers protected) to the nodes
    /// this one federates with; `false` stops and withdraws them. Audited as
    /// `org.aggregates`.
    publish_aggregates: Option<bool>,
}

/// Change your organisation's profile (its admins); `id` is its id or slug.
/// What is left out stays as it is. Audited as `org.profile`.
#[utoipa::path(
    patch,
    path = "/orgs/{id}",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The organisation's id or slug")),
    request_body = UpdateOrgProfile,
    responses(
        (status = 200, description = "The profile as it is now", body = OrgProfileView),
        Unauthorized,
        (status = 403, description = "Only the organisation's admins change it", body = ErrorBody),
        (status = 404, description = "Not your organisation, or none such", body = ErrorBody),
        BodyRefused,
    )
)]
async fn update_org_profile(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateOrgProfile>,
) -> Result<impl IntoResponse> {
    if id != staff.org_id && id != staff.org_slug {
        // Another organisation's profile is not this staff member's to change or probe.
        return Err(Error::NotFound("organisation"));
    }
    let current = crate::services::staff::profile(&state, &staff).await?;
    let change = crate::services::staff::ProfileChange {
        name: body.name.unwrap_or(current.name),
        summary: body.summary.unwrap_or(current.summary),
        languages: body.languages.unwrap_or(current.languages),
    };
    let profile = crate::services::staff::update_profile(&state, &staff, change).await?;
    if let Some(on) = body.publish_aggregates {
        crate::services::network_analysis::set_publishing(&state, &staff, on).await?;
    }
    Ok(Json(OrgProfileView::from(profile).with_publishing(&state).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateInvitation {
    username: String,
    display_name: Option<String>,
    role: Role,
}

/// A one-time invitation link, shown once.
#[derive(Serialize, ToSchema)]
#[schema(as = Invitation)]
struct InvitationView {
    username: String,
    /// Where the invited person chooses their password and enrols a second factor.
    url: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// Invite someone to your organisation (its admins): a link, valid for 72
/// hours and usable once, where they choose their password and enrol a
/// second factor. Audited as `user.invite`.
#[utoipa::path(
    post,
    path = "/invitations",
    security(("bearer" = [])),
    request_body = CreateInvitation,
    responses(
        (status = 201, description = "The link, shown once", body = InvitationView),
        Unauthorized,
        (status = 403, description = "Only the organisation's admins invite", body = ErrorBody),
        BodyRefused,
    )
)]
async fn create_invitation(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<CreateInvitation>,
) -> Result<impl IntoResponse> {
    let link = crate::services::staff::invite(
        &state,
        &staff,
        crate::services::staff::NewInvitation {
            username: body.username,
            display_name: body.display_name.unwrap_or_default(),
            role: body.role,
        },
    )
    .await?;
    let view = InvitationView {
        url: format!(
            "{}{}",
            crate::federation::urls::base(&state.config),
            crate::services::staff::link_path(&link.token)
        ),
        username: link.username,
        expires_at: link.expires_at,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

//! Sign-in, tokens, organisations, staff and the audit log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ApiJson, ApiRoutes, created};
use crate::clock::from_millis;
use crate::db::accounts::{self as q, OrgRow, TokenRow, UserRow};
use crate::domain::FieldErrors;
use crate::domain::vocab::Role;
use crate::error::{Error, Result};
use crate::server::ClientAddr;
use crate::services::accounts::{self, NewOrg, NewUser, Staff};
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(Method::POST, "/auth/token", sign_in)
        .add(Method::GET, "/me", me)
        .add(Method::POST, "/me/two-factor", re_enrol)
        .add(Method::POST, "/me/sign-out", sign_out_everywhere)
        .add(Method::GET, "/tokens", list_tokens)
        .add(Method::POST, "/tokens", create_token)
        .add(Method::DELETE, "/tokens/{id}", revoke_token)
        .add(Method::GET, "/orgs", list_orgs)
        .add(Method::POST, "/orgs", create_org)
        .add(Method::GET, "/users", list_users)
        .add(Method::POST, "/users", create_user)
        .add(Method::PATCH, "/users/{id}", update_user)
        .add(Method::GET, "/users/{id}/tokens", list_user_tokens)
        .add(Method::DELETE, "/users/{id}/tokens/{token_id}", revoke_user_token)
        .add(Method::POST, "/users/{id}/sign-out", sign_out_user)
        .add(Method::GET, "/audit", list_audit)
}

#[derive(Serialize)]
struct OrgView {
    id: String,
    slug: String,
    name: String,
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

#[derive(Serialize)]
struct UserView {
    id: String,
    username: String,
    display_name: String,
    org_id: String,
    role: String,
    node_operator: bool,
    two_factor: bool,
    disabled: bool,
    created_at: chrono::DateTime<chrono::Utc>,
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
        }
    }
}

#[derive(Serialize)]
struct TokenView {
    id: String,
    name: String,
    created_at: chrono::DateTime<chrono::Utc>,
    last_used_at: Option<chrono::DateTime<chrono::Utc>>,
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

/// A second factor, shown once: what to load into the authenticator app and
/// the recovery codes to keep somewhere safe.
fn enrolment_json(enrolment: Option<accounts::Enrolment>) -> serde_json::Value {
    match enrolment {
        Some(e) => json!({"totp_uri": e.totp_uri, "recovery_codes": e.recovery_codes}),
        None => json!({"totp_uri": null, "recovery_codes": null}),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    username: String,
    password: String,
    /// A six-digit code from the authenticator app, or a recovery code.
    totp_code: Option<String>,
    token_name: Option<String>,
    expires_in_days: Option<i64>,
}

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
    Ok(created(json!({"token": token, "token_info": TokenView::from(row)})))
}

async fn me(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    let user = q::find_user_by_id(&state.db, &staff.user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let recovery_codes_left = if user.totp_secret.is_some() {
        Some(q::count_unused_recovery_codes(&state.db, &user.id).await?)
    } else {
        None
    };
    Ok(Json(json!({
        "user": UserView::from(user),
        "org": staff.org_slug,
        "recovery_codes_left": recovery_codes_left,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReEnrol {
    password: String,
}

async fn re_enrol(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<ReEnrol>,
) -> Result<impl IntoResponse> {
    let enrolment = accounts::re_enrol(&state, &staff, &body.password).await?;
    Ok(Json(enrolment_json(Some(enrolment))))
}

async fn sign_out_everywhere(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    accounts::sign_out_everywhere(&state.db, &staff.user_id, state.clock.now(), &staff).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_tokens(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    let tokens: Vec<TokenView> = q::list_tokens(&state.db, &staff.user_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(json!({"items": tokens})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    expires_in_days: Option<i64>,
}

async fn create_token(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<impl IntoResponse> {
    let (token, row) = accounts::issue_token(
        &state,
        &staff.user_id,
        &body.name,
        body.expires_in_days,
        state.clock.now(),
    )
    .await?;
    Ok(created(json!({"token": token, "token_info": TokenView::from(row)})))
}

async fn revoke_token(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    accounts::revoke_token(&state.db, &staff.user_id, &id, state.clock.now(), &staff).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_orgs(State(state): State<AppState>, _staff: Staff) -> Result<impl IntoResponse> {
    let orgs: Vec<OrgView> = q::list_orgs(&state.db).await?.into_iter().map(Into::into).collect();
    Ok(Json(json!({"items": orgs})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateOrg {
    slug: String,
    name: String,
    alert_prefix: Option<String>,
}

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

async fn list_users(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    let users: Vec<UserView> = accounts::list_staff(&state.db, &staff)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(json!({"items": users})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    username: String,
    display_name: Option<String>,
    org: String,
    role: Role,
    password: String,
}

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
    let mut body = enrolment_json(made.enrolment);
    body["user"] = serde_json::to_value(UserView::from(made.user)).map_err(|e| Error::Internal(e.into()))?;
    Ok(created(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateUser {
    role: Option<Role>,
    disabled: Option<bool>,
}

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
    let mut body = enrolment_json(enrolment);
    body["user"] = serde_json::to_value(UserView::from(user)).map_err(|e| Error::Internal(e.into()))?;
    Ok(Json(body))
}

async fn list_user_tokens(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let tokens: Vec<TokenView> = accounts::tokens_of(&state.db, &id, &staff)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(json!({"items": tokens})))
}

async fn revoke_user_token(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<impl IntoResponse> {
    accounts::revoke_token(&state.db, &id, &token_id, state.clock.now(), &staff).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn sign_out_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    accounts::sign_out_everywhere(&state.db, &id, state.clock.now(), &staff).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Page {
    limit: Option<String>,
    offset: Option<String>,
}

async fn list_audit(
    State(state): State<AppState>,
    staff: Staff,
    Query(page): Query<Page>,
) -> Result<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let (limit, offset) =
        super::alerts::page_params_within(&mut errors, page.limit.as_deref(), page.offset.as_deref(), 100, 500);
    errors.into_result()?;
    let entries = accounts::audit_log(&state.db, &staff, limit, offset).await?;
    let items: Vec<_> = entries
        .into_iter()
        .map(|e| {
            json!({
                "at": from_millis(e.row.at),
                "user_id": e.row.user_id,
                "org": e.org_slug,
                "action": e.row.action,
                "subject": e.row.subject,
                "detail": e.detail_shown.then_some(e.row.detail),
            })
        })
        .collect();
    Ok(Json(json!({"items": items, "limit": limit, "offset": offset})))
}

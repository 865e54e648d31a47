//! Sign-in, tokens, organisations, staff and the audit log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ApiJson, ApiRoutes, created};
use crate::accounts::{self, NewOrg, NewUser, Staff};
use crate::clock::from_millis;
use crate::db::accounts::{self as q, OrgRow, TokenRow, UserRow};
use crate::db::audit;
use crate::domain::FieldErrors;
use crate::domain::vocab::Role;
use crate::error::{Error, Result};
use crate::server::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(Method::POST, "/auth/token", sign_in)
        .add(Method::GET, "/me", me)
        .add(Method::GET, "/tokens", list_tokens)
        .add(Method::POST, "/tokens", create_token)
        .add(Method::DELETE, "/tokens/{id}", revoke_token)
        .add(Method::GET, "/orgs", list_orgs)
        .add(Method::POST, "/orgs", create_org)
        .add(Method::GET, "/users", list_users)
        .add(Method::POST, "/users", create_user)
        .add(Method::PATCH, "/users/{id}", update_user)
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
    two_factor: bool,
    disabled: bool,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<UserRow> for UserView {
    fn from(u: UserRow) -> Self {
        UserView {
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
    revoked: bool,
}

impl From<TokenRow> for TokenView {
    fn from(t: TokenRow) -> Self {
        TokenView {
            id: t.id,
            name: t.name,
            created_at: from_millis(t.created_at),
            last_used_at: t.last_used_at.map(from_millis),
            revoked: t.revoked_at.is_some(),
        }
    }
}

fn require_admin(staff: &Staff) -> Result<()> {
    staff.require(
        staff.role == Role::Admin,
        "manage the node's organisations and staff (an admin can)",
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    username: String,
    password: String,
    totp_code: Option<String>,
    token_name: Option<String>,
}

async fn sign_in(State(state): State<AppState>, ApiJson(body): ApiJson<SignIn>) -> Result<impl IntoResponse> {
    let name = body.token_name.unwrap_or_else(|| "sign-in".to_string());
    let (token, row) = accounts::sign_in(
        &state.db,
        &body.username,
        &body.password,
        body.totp_code.as_deref(),
        &name,
        state.clock.now(),
    )
    .await?;
    Ok(created(json!({"token": token, "token_info": TokenView::from(row)})))
}

async fn me(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    let user = q::find_user_by_id(&state.db, &staff.user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    Ok(Json(json!({"user": UserView::from(user), "org": staff.org_slug})))
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
}

async fn create_token(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<impl IntoResponse> {
    let (token, row) = accounts::issue_token(&state.db, &staff.user_id, &body.name, state.clock.now()).await?;
    Ok(created(json!({"token": token, "token_info": TokenView::from(row)})))
}

async fn revoke_token(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    if q::revoke_token(
        &state.db,
        &staff.user_id,
        &id,
        crate::clock::to_millis(state.clock.now()),
    )
    .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound("active token"))
    }
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
    require_admin(&staff)?;
    let org = accounts::create_org(
        &state.db,
        NewOrg {
            slug: body.slug,
            name: body.name,
            alert_prefix: body.alert_prefix,
        },
        state.clock.now(),
        Some(&staff.user_id),
    )
    .await?;
    Ok(created(OrgView::from(org)))
}

async fn list_users(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    let users: Vec<UserView> = q::list_users(&state.db).await?.into_iter().map(Into::into).collect();
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
    require_admin(&staff)?;
    let made = accounts::create_user(
        &state.db,
        NewUser {
            username: body.username,
            display_name: body.display_name,
            org_slug: body.org,
            role: body.role,
            password: body.password,
        },
        state.clock.now(),
        Some(&staff.user_id),
    )
    .await?;
    Ok(created(
        json!({"user": UserView::from(made.user), "totp_uri": made.totp_uri}),
    ))
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
    require_admin(&staff)?;
    let now = state.clock.now();
    if body.role.is_none() && body.disabled.is_none() {
        return Err(FieldErrors::single("body", "give `role` or `disabled`").into());
    }
    if body.disabled == Some(false) {
        return Err(FieldErrors::single("disabled", "a disabled account is not re-enabled; create a new one").into());
    }
    let mut totp_uri = None;
    if let Some(role) = body.role {
        totp_uri = accounts::set_role(&state.db, &id, role, now, &staff).await?;
    }
    if body.disabled == Some(true) {
        accounts::disable_user(&state.db, &id, now, &staff).await?;
    }
    let user = q::find_user_by_id(&state.db, &id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    Ok(Json(json!({"user": UserView::from(user), "totp_uri": totp_uri})))
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
    require_admin(&staff)?;
    let mut errors = FieldErrors::default();
    let (limit, offset) =
        super::alerts::page_params_within(&mut errors, page.limit.as_deref(), page.offset.as_deref(), 100, 500);
    errors.into_result()?;
    let rows = audit::list(&state.db, limit, offset).await?;
    let items: Vec<_> = rows
        .into_iter()
        .map(|r| json!({"at": from_millis(r.at), "user_id": r.user_id, "action": r.action, "subject": r.subject, "detail": r.detail}))
        .collect();
    Ok(Json(json!({"items": items, "limit": limit, "offset": offset})))
}
